/*
 * test_auth_cache.c — the session cache (auth.h, invariant 10; src/auth/auth_cache.c), as two servers on one
 * database see it: two store handles, each with its own cache.
 *   - a remembered session is answered from the cache (a hit) with the same principal as the uncached lookup;
 *   - a sign-out, a revocation by id or by user, a disabled user and a new role, made through the other
 *     handle, are seen by the very next lookup: refused, or the new role;
 *   - moving last_seen_at does not change the generation, and the cache never serves a session past a touch
 *     interval after the last-seen time it read: the lookup that is due a touch goes to the database and
 *     moves it; a session past its expiry is refused though remembered;
 *   - a cache of 64 slots holding more sessions than slots answers every one correctly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_tmpdb.h"
#include "auth/auth.h"
#include "model/model_user.h"
#include "store/store.h"

typedef struct fixture {
    test_tmpdb tmp;
    store *s, *t;  /* two handles on one database: "server A" and "server B" */
    auth_session_cache *ca, *cb;
    core_arena a;
    core_error err;
    int64_t alice, bob;
} fixture;

static const time_t T0 = 1795000000; /* a fixed moment in 2026 */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp))
        return -1;
    if (store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err) ||
        store_open(&f->t, f->tmp.path, &f->err))
        return -1;
    char secret[33];
    auth_totp_secret_new(secret);
    model_user_new alice = {"alice", "Alice", "practitioner", 0, 0, "correct horse battery", secret};
    model_user_new bob = {"bob", "Bob", "practitioner", 0, 0, "another good password", secret};
    if (model_user_add(f->s, &f->a, &alice, &f->alice, &f->err) || model_user_add(f->s, &f->a, &bob, &f->bob, &f->err))
        return -1;
    f->ca = auth_session_cache_new(64);
    f->cb = auth_session_cache_new(64);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    auth_session_cache_free(f->ca);
    auth_session_cache_free(f->cb);
    store_close(f->t);
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}

/* An API token of user (a session with no idle time-out) made at now; the token into token. */
static int64_t token_for(fixture *f, int64_t user, time_t now, char token[AUTH_TOKEN_CHARS + 1])
{
    int64_t id = 0;
    auth_token_req r = {user, NULL, 1, now};
    assert_ok(auth_token_add(f->s, &f->a, &r, token, &id, &f->err), f->err);
    return id;
}

static int lookup(fixture *f, store *s, auth_session_cache *c, const char *token, time_t now, auth_principal *who)
{
    core_error_clear(&f->err);
    memset(who, 0, sizeof(*who));
    return auth_session_lookup_cached(s, &f->a, c, token, now, who, &f->err);
}

static uint64_t hits(auth_session_cache *c)
{
    uint64_t h = 0, m = 0;
    auth_session_cache_stats(c, &h, &m);
    return h;
}

static int64_t generation(fixture *f)
{
    int64_t n = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT n FROM session_generation WHERE id = 1", NULL, 0, &n, &f->err),
              f->err);
    return n;
}

static void test_hit_is_the_uncached_answer(void **state)
{
    fixture *f = *state;
    char token[AUTH_TOKEN_CHARS + 1];
    int64_t id = token_for(f, f->alice, T0, token);
    auth_principal plain, first, again;
    assert_ok(auth_session_lookup(f->s, &f->a, token, T0 + 1, &plain, &f->err), f->err);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 1, &first), f->err);
    assert_int_equal(hits(f->ca), 0);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 2, &again), f->err);
    assert_int_equal(hits(f->ca), 1);
    assert_int_equal(again.session_id, id);
    assert_int_equal(again.session_id, plain.session_id);
    assert_int_equal(again.user_id, plain.user_id);
    assert_string_equal(again.username, plain.username);
    assert_string_equal(again.role, plain.role);
    assert_string_equal(again.kind, plain.kind);
    assert_null(again.scopes);
    assert_int_equal(again.team_id, plain.team_id);
    /* a token never issued is refused, cache or not */
    char forged[AUTH_TOKEN_CHARS + 1];
    memcpy(forged, token, sizeof forged);
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    assert_int_equal(lookup(f, f->s, f->ca, forged, T0 + 3, &again), CORE_E_UNAUTHENTICATED);
    assert_int_equal(lookup(f, f->s, f->ca, "short", T0 + 3, &again), CORE_E_UNAUTHENTICATED);
}

static void test_other_server_sign_out_is_seen_at_once(void **state)
{
    fixture *f = *state;
    char token[AUTH_TOKEN_CHARS + 1], other[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    token_for(f, f->alice, T0, token);
    int64_t other_id = token_for(f, f->bob, T0, other);
    /* both servers remember both sessions */
    for (int i = 0; i < 2; i++) {
        assert_ok(lookup(f, f->s, f->ca, token, T0 + 1 + i, &who), f->err);
        assert_ok(lookup(f, f->t, f->cb, token, T0 + 1 + i, &who), f->err);
        assert_ok(lookup(f, f->s, f->ca, other, T0 + 1 + i, &who), f->err);
    }
    assert_true(hits(f->ca) >= 2 && hits(f->cb) >= 1);
    /* signed out on server B: server A refuses the token at once */
    assert_ok(auth_sign_out(f->t, &f->a, token, &f->err), f->err);
    assert_int_equal(lookup(f, f->s, f->ca, token, T0 + 4, &who), CORE_E_UNAUTHENTICATED);
    assert_int_equal(lookup(f, f->t, f->cb, token, T0 + 4, &who), CORE_E_UNAUTHENTICATED);
    /* bob's session is untouched (read afresh once, then remembered again) */
    assert_ok(lookup(f, f->s, f->ca, other, T0 + 5, &who), f->err);
    assert_int_equal(who.user_id, f->bob);
    /* revoked by id on B (hearth token revoke) */
    int64_t revoked = 0;
    assert_ok(auth_session_revoke(f->t, &f->a, other_id, T0 + 6, &revoked, &f->err), f->err);
    assert_int_equal(revoked, 1);
    assert_int_equal(lookup(f, f->s, f->ca, other, T0 + 7, &who), CORE_E_UNAUTHENTICATED);
}

static void test_user_changes_are_seen_at_once(void **state)
{
    fixture *f = *state;
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    token_for(f, f->alice, T0, token);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 1, &who), f->err);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 2, &who), f->err);
    assert_string_equal(who.role, "practitioner");
    /* a new role, written on B without revoking anything: A answers with it at once */
    store_value p[] = {store_v_int(f->alice)};
    assert_ok(store_exec(f->t, &f->a, "UPDATE app_user SET role = 'team_manager' WHERE id = $1", p, 1, NULL,
                         &f->err), f->err);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 3, &who), f->err);
    assert_string_equal(who.role, "team_manager");
    /* disabled on B: refused on A */
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 4, &who), f->err);
    assert_ok(store_exec(f->t, &f->a, "UPDATE app_user SET disabled = 1 WHERE id = $1", p, 1, NULL, &f->err),
              f->err);
    assert_int_equal(lookup(f, f->s, f->ca, token, T0 + 5, &who), CORE_E_UNAUTHENTICATED);
    /* every session of a user revoked (reset, role change through hearth user role) */
    assert_ok(store_exec(f->t, &f->a, "UPDATE app_user SET disabled = 0 WHERE id = $1", p, 1, NULL, &f->err),
              f->err);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 6, &who), f->err);
    assert_ok(auth_sessions_revoke_user(f->t, &f->a, f->alice, T0 + 7, NULL, &f->err), f->err);
    assert_int_equal(lookup(f, f->s, f->ca, token, T0 + 8, &who), CORE_E_UNAUTHENTICATED);
}

static void test_touch_and_expiry(void **state)
{
    fixture *f = *state;
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    token_for(f, f->alice, T0, token); /* one day's token: expires at T0 + 86400 */
    int64_t g = generation(f);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 10, &who), f->err);
    uint64_t h = hits(f->ca);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + AUTH_TOUCH_SECONDS - 1, &who), f->err);
    assert_int_equal(hits(f->ca), h + 1);
    /* a touch interval after the last-seen time read: not served from the cache; the database moves
     * last_seen_at, which leaves the generation alone */
    assert_ok(lookup(f, f->s, f->ca, token, T0 + AUTH_TOUCH_SECONDS, &who), f->err);
    assert_int_equal(hits(f->ca), h + 1);
    store_value p[] = {store_v_int(who.session_id)};
    int64_t moved = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT last_seen_at > created_at FROM session WHERE id = $1", p, 1,
                              &moved, &f->err), f->err);
    assert_int_equal(moved, 1);
    assert_int_equal(generation(f), g);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + AUTH_TOUCH_SECONDS + 1, &who), f->err);
    assert_int_equal(hits(f->ca), h + 2);
    /* remembered a moment before its expiry, refused at it */
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 86400 - 2, &who), f->err);
    assert_ok(lookup(f, f->s, f->ca, token, T0 + 86400 - 1, &who), f->err);
    assert_int_equal(lookup(f, f->s, f->ca, token, T0 + 86400, &who), CORE_E_UNAUTHENTICATED);
}

static void test_more_sessions_than_slots(void **state)
{
    fixture *f = *state;
    enum { N = 200 };
    static char tokens[N][AUTH_TOKEN_CHARS + 1];
    static int64_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = token_for(f, i % 2 ? f->alice : f->bob, T0, tokens[i]);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N; i++) {
            auth_principal who;
            assert_ok(lookup(f, f->s, f->ca, tokens[i], T0 + 1 + round, &who), f->err);
            assert_int_equal(who.session_id, ids[i]);
            assert_int_equal(who.user_id, i % 2 ? f->alice : f->bob);
            core_arena_reset(&f->a);
        }
    assert_true(hits(f->ca) > 0); /* some slots kept their session between rounds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_is_the_uncached_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_server_sign_out_is_seen_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_changes_are_seen_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_sessions_than_slots, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
