/*
 * test_auth.c — sign-in and sessions (src/auth/auth.c):
 *   - the right password and TOTP code open a session; a wrong password, a wrong or missing code, an
 *     unknown user and a disabled user are refused with the same error;
 *   - only the token's hash is stored; the token resolves to its principal;
 *   - idle and absolute time-outs end a session; sign-out revokes it; a token of the wrong length is refused;
 *   - five failures lock an account and twenty lock an address, for the lock-out window;
 *   - TOTP codes are accepted one step either side and refused further away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#include "../test_tmpdb.h"
#include "auth/auth.h"
#include "model/model_user.h"
#include "store/store.h"

typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
    core_error err;
    char secret[33];
} fixture;

static const time_t T0 = 1795000000; /* a fixed moment in 2026 */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp))
        return -1;
    if (store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err))
        return -1;
    auth_totp_secret_new(f->secret);
    int64_t id;
    model_user_new with = {"alice", "Alice", "practitioner", 0, 0, "correct horse battery", f->secret};
    model_user_new without = {"bob", "Bob", "analyst", 0, 0, "another good password", NULL};
    model_user_new gone = {"carol", "Carol", "practitioner", 0, 0, "a third good password", NULL};
    if (model_user_add(f->s, &f->a, &with, &id, &f->err) || model_user_add(f->s, &f->a, &without, &id, &f->err) ||
        model_user_add(f->s, &f->a, &gone, &id, &f->err))
        return -1;
    store_value p[] = {store_v_int(id)};
    if (store_exec(f->s, &f->a, "UPDATE app_user SET disabled = 1 WHERE id = $1", p, 1, NULL, &f->err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}

static int sign_in(fixture *f, const char *user, const char *pw, const char *code, char token[AUTH_TOKEN_CHARS + 1],
                   auth_principal *who)
{
    auth_sign_in_req r = {user, pw, code, "api", "127.0.0.1", T0};
    core_error_clear(&f->err);
    return auth_sign_in(f->s, &f->a, &r, token, who, &f->err);
}

static void test_sign_in(void **state)
{
    fixture *f = *state;
    char code[7], token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    assert_int_equal(auth_totp_now(f->secret, T0, code), 0);
    assert_int_equal(sign_in(f, "alice", "correct horse battery", code, token, &who), 0);
    assert_int_equal(strlen(token), AUTH_TOKEN_CHARS);
    assert_string_equal(who.role, "practitioner");
    assert_string_equal(who.username, "alice");
    assert_true(who.user_id > 0 && who.session_id > 0);

    /* only the hash is stored */
    int64_t n = -1;
    store_value p[] = {store_v_text(token)};
    assert_int_equal(store_query_int(f->s, &f->a, "SELECT count(*) FROM session WHERE token_hash = $1", p, 1, &n,
                                     &f->err), 0);
    assert_int_equal(n, 0);

    auth_principal again;
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 60, &again, &f->err), 0);
    assert_int_equal(again.user_id, who.user_id);
    assert_string_equal(again.role, "practitioner");

    /* a user without a second factor signs in with the password alone */
    assert_int_equal(sign_in(f, "bob", "another good password", NULL, token, &who), 0);
    assert_string_equal(who.role, "analyst");
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    char code[7], token[AUTH_TOKEN_CHARS + 1], first[sizeof f->err.detail];
    auth_principal who;
    assert_int_equal(auth_totp_now(f->secret, T0, code), 0);
    assert_int_equal(sign_in(f, "alice", "wrong password here", code, token, &who), CORE_E_UNAUTHENTICATED);
    snprintf(first, sizeof first, "%s", f->err.detail);
    assert_int_equal(sign_in(f, "alice", "correct horse battery", NULL, token, &who), CORE_E_UNAUTHENTICATED);
    assert_string_equal(f->err.detail, first);
    assert_int_equal(sign_in(f, "alice", "correct horse battery", "000000", token, &who),
                     strcmp(code, "000000") == 0 ? 0 : CORE_E_UNAUTHENTICATED);
    assert_int_equal(sign_in(f, "nobody", "correct horse battery", code, token, &who), CORE_E_UNAUTHENTICATED);
    assert_string_equal(f->err.detail, first);
    assert_int_equal(sign_in(f, "carol", "a third good password", NULL, token, &who), CORE_E_UNAUTHENTICATED);
    assert_string_equal(f->err.detail, first);
    assert_int_equal(sign_in(f, NULL, "x", NULL, token, &who), CORE_E_UNAUTHENTICATED);
    int64_t n = -1;
    assert_int_equal(store_query_int(f->s, &f->a, "SELECT count(*) FROM session", NULL, 0, &n, &f->err), 0);
    assert_int_equal(n, 0);
}

static void test_timeouts_and_sign_out(void **state)
{
    fixture *f = *state;
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    assert_int_equal(sign_in(f, "bob", "another good password", NULL, token, &who), 0);
    /* used every 20 minutes, the session lives until the absolute time-out */
    time_t t = T0;
    for (; t + 20 * 60 < T0 + AUTH_ABSOLUTE_SECONDS_DEFAULT; t += 20 * 60)
        assert_int_equal(auth_session_lookup(f->s, &f->a, token, t + 20 * 60, &who, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + AUTH_ABSOLUTE_SECONDS_DEFAULT, &who, &f->err),
                     CORE_E_UNAUTHENTICATED);
    assert_int_equal(who.user_id, 0);

    /* idle for longer than the idle time-out (plus the touch granularity) */
    assert_int_equal(sign_in(f, "bob", "another good password", NULL, token, &who), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + AUTH_IDLE_SECONDS_DEFAULT - 1, &who, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token,
                                         T0 + 2 * AUTH_IDLE_SECONDS_DEFAULT + AUTH_TOUCH_SECONDS + 1, &who, &f->err),
                     CORE_E_UNAUTHENTICATED);

    /* sign-out */
    assert_int_equal(sign_in(f, "bob", "another good password", NULL, token, &who), 0);
    assert_int_equal(auth_sign_out(f->s, &f->a, token, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 1, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_int_equal(auth_sign_out(f->s, &f->a, token, &f->err), 0); /* again: not an error */

    assert_int_equal(auth_session_lookup(f->s, &f->a, "short", T0, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_int_equal(auth_session_lookup(f->s, &f->a, NULL, T0, &who, &f->err), CORE_E_UNAUTHENTICATED);
}

static int sign_in_at(fixture *f, const char *user, const char *pw, const char *addr, time_t now)
{
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    auth_sign_in_req r = {user, pw, NULL, "api", addr, now};
    core_error_clear(&f->err);
    return auth_sign_in(f->s, &f->a, &r, token, &who, &f->err);
}

static void test_lockout(void **state)
{
    fixture *f = *state;
    const char *good = "another good password";
    for (int i = 0; i < AUTH_LOCK_USER_FAILURES; i++)
        assert_int_equal(sign_in_at(f, "bob", "wrong password!", "10.0.0.1", T0 + i), CORE_E_UNAUTHENTICATED);
    /* locked: even the right password is refused, from any address, and says so */
    assert_int_equal(sign_in_at(f, "bob", good, "10.0.0.2", T0 + 10), CORE_E_FORBIDDEN);
    assert_non_null(strstr(f->err.message, "too many failed sign-ins"));
    /* after the window the account opens again */
    assert_int_equal(sign_in_at(f, "bob", good, "10.0.0.2", T0 + 10 + AUTH_LOCK_WINDOW_SECONDS + 1), 0);

    /* an address trying many usernames is refused for every account */
    time_t t = T0 + 10 * AUTH_LOCK_WINDOW_SECONDS;
    for (int i = 0; i < AUTH_LOCK_ADDRESS_FAILURES; i++) {
        char user[32];
        snprintf(user, sizeof user, "guess%d", i);
        assert_int_equal(sign_in_at(f, user, "wrong password!", "10.0.0.9", t), CORE_E_UNAUTHENTICATED);
    }
    assert_int_equal(sign_in_at(f, "bob", good, "10.0.0.9", t + 1), CORE_E_FORBIDDEN);
    assert_int_equal(sign_in_at(f, "bob", good, "10.0.0.3", t + 1), 0);
    int64_t n = 0;
    assert_int_equal(store_query_int(f->s, &f->a, "SELECT count(*) FROM sign_in_failure", NULL, 0, &n, &f->err), 0);
    assert_int_equal(n, AUTH_LOCK_USER_FAILURES + 1 + AUTH_LOCK_ADDRESS_FAILURES + 1);
}

static void test_totp_window(void **state)
{
    fixture *f = *state;
    char code[7];
    assert_int_equal(auth_totp_now(f->secret, T0, code), 0);
    assert_true(auth_totp_valid(f->secret, code, T0));
    assert_true(auth_totp_valid(f->secret, code, T0 + 30));
    assert_true(auth_totp_valid(f->secret, code, T0 - 30));
    assert_false(auth_totp_valid(f->secret, code, T0 + 120));
    assert_false(auth_totp_valid(f->secret, "12345", T0));
    assert_false(auth_totp_valid(f->secret, "12a456", T0));
    assert_false(auth_totp_valid(f->secret, NULL, T0));
    /* RFC 6238 appendix B, SHA-1, 8 digits truncated to the last 6: secret "12345678901234567890" */
    char rfc[7];
    assert_int_equal(auth_totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, rfc), 0);
    assert_string_equal(rfc, "287082");
    assert_int_equal(auth_totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1111111109, rfc), 0);
    assert_string_equal(rfc, "081804");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_and_sign_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totp_window, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
