/*
 * test_auth.c — sign-in and sessions (src/auth/auth.c):
 *   - the right password and TOTP code open a session; a wrong password, a wrong or missing code, an
 *     unknown user and a disabled user are refused with the same error;
 *   - only the token's hash is stored; the token resolves to its principal;
 *   - idle and absolute time-outs end a session; sign-out revokes it; a token of the wrong length is refused;
 *   - five failures lock an account and twenty lock an address, for the lock-out window;
 *   - TOTP codes are accepted one step either side and refused further away; a code signs in once, and
 *     after it neither it nor an earlier step's code does (finding 13); every role, the administrator too,
 *     needs a second factor (finding 15);
 *   - recovery codes: ten in a set, only hashes stored, each signs in once in place of the TOTP code (any
 *     case, with or without dashes), a wrong one is a recorded failure, a wrong password does not use one up,
 *     a new set ends the old one;
 *   - scope lists: parsing, canonical form and refusals; what a list allows;
 *   - CSRF tokens: keyed BLAKE2b of the session token, checked in full;
 *   - API tokens: no idle time-out, expiry, scopes and kind on the principal, revocation by id and by user,
 *     listing; clearing failures lifts a lock-out.
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
    char secret[33];     /* alice's TOTP secret */
    char bob_secret[33]; /* bob's (the administrator) */
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
    auth_totp_secret_new(f->bob_secret);
    int64_t id;
    model_user_new with = {"alice", "Alice", "practitioner", 0, 0, "correct horse battery", f->secret};
    model_user_new without = {"bob", "Bob", "admin", 0, 0, "another good password", f->bob_secret};
    model_user_new unenrolled = {"dave", "Dave", "admin", 0, 0, "a fourth good password", NULL};
    model_user_new gone = {"carol", "Carol", "practitioner", 0, 0, "a third good password", NULL};
    if (model_user_add(f->s, &f->a, &with, &id, &f->err) || model_user_add(f->s, &f->a, &without, &id, &f->err) ||
        model_user_add(f->s, &f->a, &unenrolled, &id, &f->err) ||
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

static int sign_in_at(fixture *f, const char *user, const char *pw, const char *addr, time_t now);

/* bob (the administrator) with his code at now */
static int bob_in(fixture *f, const char *kind, time_t now, char token[AUTH_TOKEN_CHARS + 1], auth_principal *who)
{
    char code[7];
    assert_int_equal(auth_totp_now(f->bob_secret, now, code), 0);
    auth_sign_in_req r = {"bob", "another good password", code, kind, "127.0.0.1", now};
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

    /* finding 15: the administrator signs in with a second factor too: the password alone is refused */
    assert_int_equal(sign_in(f, "bob", "another good password", NULL, token, &who), CORE_E_UNAUTHENTICATED);
    assert_int_equal(bob_in(f, "api", T0, token, &who), 0);
    assert_string_equal(who.role, "admin");
    /* every role needs a second factor: an account with none enrolled is refused, and told why */
    assert_int_equal(sign_in(f, "dave", "a fourth good password", NULL, token, &who), CORE_E_FORBIDDEN);
    assert_non_null(strstr(f->err.detail, "no second factor"));
}

/* finding 13: a TOTP code signs in once; after it, neither it nor the code of an earlier step does, while a
 * later step's code does. */
static void test_totp_once(void **state)
{
    fixture *f = *state;
    char code[7], earlier[7], token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    assert_int_equal(auth_totp_now(f->secret, T0, code), 0);
    assert_int_equal(auth_totp_now(f->secret, T0 - 30, earlier), 0);
    assert_int_equal(sign_in(f, "alice", "correct horse battery", code, token, &who), 0);
    /* the same code again, at once and 20 seconds later */
    assert_int_equal(sign_in(f, "alice", "correct horse battery", code, token, &who), CORE_E_UNAUTHENTICATED);
    assert_int_equal(who.totp_used, 1);
    assert_string_equal(f->err.detail, "this code has already been used to sign in");
    assert_non_null(strstr(f->err.hint, "next code"));
    auth_sign_in_req r = {"alice", "correct horse battery", code, "api", "127.0.0.1", T0 + 20};
    core_error_clear(&f->err);
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    /* the step before it, still inside the drift window */
    r.totp = earlier;
    r.now = T0;
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    /* each refusal was a recorded failure */
    int64_t n = -1;
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM sign_in_failure WHERE username = 'alice'", NULL, 0,
                              &n, &f->err),
              f->err);
    assert_int_equal(n, 3);
    /* the next step's code signs in, and then the step it replaced is used too */
    assert_int_equal(sign_in_at(f, "alice", "correct horse battery", "127.0.0.1", T0 + 30), 0);
    assert_int_equal(sign_in_at(f, "alice", "correct horse battery", "127.0.0.1", T0 + 30), CORE_E_UNAUTHENTICATED);
    /* a code one step ahead of the clock (a fast authenticator) is accepted, and then the clock's own is not */
    char ahead[7];
    assert_int_equal(auth_totp_now(f->secret, T0 + 90, ahead), 0);
    r.totp = ahead;
    r.now = T0 + 60;
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), 0);
    assert_int_equal(sign_in_at(f, "alice", "correct horse battery", "127.0.0.1", T0 + 90), CORE_E_UNAUTHENTICATED);
    /* the step is kept in the database: the last accepted one */
    assert_ok(store_query_int(f->s, &f->a, "SELECT totp_last_step FROM app_user WHERE username = 'alice'", NULL, 0,
                              &n, &f->err),
              f->err);
    assert_int_equal(n, (T0 + 90) / 30);
    int64_t step = 0;
    assert_int_equal(auth_totp_check(f->secret, ahead, T0 + 90, n, &step), AUTH_TOTP_USED);
    assert_int_equal(step, n);
    assert_int_equal(auth_totp_check(f->secret, ahead, T0 + 90, n - 1, &step), AUTH_TOTP_OK);
    assert_int_equal(auth_totp_check(f->secret, "000000", T0 + 90, 0, &step),
                     strcmp(ahead, "000000") == 0 ? AUTH_TOTP_OK : AUTH_TOTP_WRONG);
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
    assert_int_equal(bob_in(f, "api", T0, token, &who), 0);
    /* used every 20 minutes, the session lives until the absolute time-out */
    time_t t = T0;
    for (; t + 20 * 60 < T0 + AUTH_ABSOLUTE_SECONDS_DEFAULT; t += 20 * 60)
        assert_int_equal(auth_session_lookup(f->s, &f->a, token, t + 20 * 60, &who, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + AUTH_ABSOLUTE_SECONDS_DEFAULT, &who, &f->err),
                     CORE_E_UNAUTHENTICATED);
    assert_int_equal(who.user_id, 0);

    /* idle for longer than the idle time-out (plus the touch granularity); a sign-in in the next step */
    assert_int_equal(bob_in(f, "api", T0 + 30, token, &who), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + AUTH_IDLE_SECONDS_DEFAULT - 1, &who, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token,
                                         T0 + 2 * AUTH_IDLE_SECONDS_DEFAULT + AUTH_TOUCH_SECONDS + 1, &who, &f->err),
                     CORE_E_UNAUTHENTICATED);

    /* sign-out */
    assert_int_equal(bob_in(f, "api", T0 + 60, token, &who), 0);
    assert_int_equal(auth_sign_out(f->s, &f->a, token, &f->err), 0);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 1, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_int_equal(auth_sign_out(f->s, &f->a, token, &f->err), 0); /* again: not an error */

    assert_int_equal(auth_session_lookup(f->s, &f->a, "short", T0, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_int_equal(auth_session_lookup(f->s, &f->a, NULL, T0, &who, &f->err), CORE_E_UNAUTHENTICATED);
}

/* Sign in at now with the user's TOTP code of that moment (alice's and bob's; none for the others). */
static int sign_in_at(fixture *f, const char *user, const char *pw, const char *addr, time_t now)
{
    char token[AUTH_TOKEN_CHARS + 1], code[7] = "";
    auth_principal who;
    const char *secret = strcmp(user, "alice") == 0 ? f->secret : strcmp(user, "bob") == 0 ? f->bob_secret : NULL;
    if (secret)
        assert_int_equal(auth_totp_now(secret, now, code), 0);
    auth_sign_in_req r = {user, pw, secret ? code : NULL, "api", addr, now};
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

static void test_recovery_codes(void **state)
{
    fixture *f = *state;
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE], token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    int64_t alice = 0;
    store_value p[] = {store_v_text("alice")};
    assert_ok(store_query_int(f->s, &f->a, "SELECT id FROM app_user WHERE username = $1", p, 1, &alice, &f->err),
              f->err);
    assert_ok(auth_recovery_codes_new(f->s, &f->a, alice, T0, codes, &f->err), f->err);
    for (int i = 0; i < AUTH_RECOVERY_CODES; i++) {
        assert_int_equal(strlen(codes[i]), 19);
        assert_true(codes[i][4] == '-' && codes[i][9] == '-' && codes[i][14] == '-');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(codes[i], codes[j]);
    }
    /* only hashes are stored: no row holds a code, with or without its dashes */
    char norm[AUTH_RECOVERY_CODE_CHARS + 1];
    assert_int_equal(auth_recovery_code_normalise(codes[0], norm), 0);
    int64_t n = -1;
    store_value q[] = {store_v_text(codes[0]), store_v_text(norm)};
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM recovery_code WHERE code_hash IN ($1, $2)", q, 2,
                              &n, &f->err),
              f->err);
    assert_int_equal(n, 0);

    auth_sign_in_req r = {"alice", "correct horse battery", NULL, "api", "127.0.0.1", T0, codes[0]};
    assert_ok(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), f->err);
    assert_int_equal(who.recovery_code_used, 1);
    assert_int_equal(who.recovery_codes_left, AUTH_RECOVERY_CODES - 1);
    assert_ok(auth_session_lookup(f->s, &f->a, token, T0 + 1, &who, &f->err), f->err);
    /* once only */
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_string_equal(f->err.detail, "username, password or code not accepted");
    /* typed in lower case without dashes */
    char typed[AUTH_RECOVERY_CODE_SIZE];
    size_t k = 0;
    for (const char *c = codes[1]; *c; c++)
        if (*c != '-')
            typed[k++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    typed[k] = '\0';
    r.recovery_code = typed;
    assert_ok(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), f->err);
    assert_int_equal(who.recovery_codes_left, AUTH_RECOVERY_CODES - 2);
    /* a wrong password does not use a code up */
    auth_sign_in_req wrong = {"alice", "not the password", NULL, "api", "127.0.0.1", T0, codes[2]};
    assert_int_equal(auth_sign_in(f->s, &f->a, &wrong, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    r.recovery_code = codes[2];
    assert_ok(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), f->err);
    /* a code that is not one of hers, and a malformed one, are failures */
    r.recovery_code = "AAAA-BBBB-CCCC-DDDD";
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    r.recovery_code = "not a code";
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM sign_in_failure WHERE username = 'alice'", NULL, 0,
                              &n, &f->err),
              f->err);
    assert_int_equal(n, 4); /* codes[0] again, the wrong password, two wrong codes */
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM recovery_code WHERE used_at IS NOT NULL", NULL, 0,
                              &n, &f->err),
              f->err);
    assert_int_equal(n, 3);

    /* a new set ends the old one */
    char fresh[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    assert_ok(auth_recovery_codes_new(f->s, &f->a, alice, T0, fresh, &f->err), f->err);
    r.recovery_code = codes[3];
    assert_ok(auth_failures_clear(f->s, &f->a, "alice", NULL, &f->err), f->err);
    assert_int_equal(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), CORE_E_UNAUTHENTICATED);
    r.recovery_code = fresh[9];
    assert_ok(auth_sign_in(f->s, &f->a, &r, token, &who, &f->err), f->err);
    assert_int_equal(who.recovery_codes_left, AUTH_RECOVERY_CODES - 1);

    /* normalising: case, dashes, spaces, O for 0 and I, L for 1; nothing else */
    assert_int_equal(auth_recovery_code_normalise("abcd-efgh-jkmn-pqrs", norm), 0);
    assert_string_equal(norm, "ABCDEFGHJKMNPQRS");
    assert_int_equal(auth_recovery_code_normalise(" oOiI lL00 1111 zzzz ", norm), 0);
    assert_string_equal(norm, "001111001111ZZZZ");
    assert_int_equal(auth_recovery_code_normalise("ABCD-EFGH-JKMN-PQR", norm), -1);   /* too short */
    assert_int_equal(auth_recovery_code_normalise("ABCD-EFGH-JKMN-PQRST", norm), -1); /* too long */
    assert_int_equal(auth_recovery_code_normalise("ABCD-EFGH-JKMN-PQRU", norm), -1);  /* U is not in the alphabet */
    assert_int_equal(auth_recovery_code_normalise("ABCD_EFGH_JKMN_PQRS", norm), -1);
    assert_int_equal(auth_recovery_code_normalise("", norm), -1);
    assert_int_equal(auth_recovery_code_normalise(NULL, norm), -1);
}

static void test_scopes(void **state)
{
    (void)state;
    char out[AUTH_SCOPES_SIZE];
    core_error err;
    assert_ok(auth_scopes_parse("record.read,record.list", out, sizeof out, &err), err);
    assert_string_equal(out, "record.read,record.list");
    assert_ok(auth_scopes_parse("  record.read ,  person.search_2 ", out, sizeof out, &err), err);
    assert_string_equal(out, "record.read,person.search_2");
    assert_ok(auth_scopes_parse("record.read", out, sizeof out, &err), err);
    assert_string_equal(out, "record.read");

    static const char *const bad[] = {"", " ", ",", "record.read,", ",record.read", "record.read,,record.list",
                                      "Record.read", "1record", ".record", "record read", "record.read;x",
                                      "record.read,record.read", "record-read"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        core_error_clear(&err);
        if (auth_scopes_parse(bad[i], out, sizeof out, &err) != CORE_E_INVALID_VALUE)
            fail_msg("scope list '%s' was accepted", bad[i]);
        assert_null(strstr(err.detail, "record.read")); /* names the position, never echoes the item */
    }
    assert_int_equal(auth_scopes_parse(NULL, out, sizeof out, &err), CORE_E_INVALID_VALUE);
    char many[2048] = "", item[16];
    for (int i = 0; i <= AUTH_SCOPES_MAX; i++) {
        snprintf(item, sizeof item, "%sp%d", i ? "," : "", i);
        memcpy(many + strlen(many), item, strlen(item) + 1);
    }
    assert_int_equal(auth_scopes_parse(many, out, sizeof out, &err), CORE_E_INVALID_VALUE);
    *strrchr(many, ',') = '\0'; /* exactly the maximum */
    assert_ok(auth_scopes_parse(many, out, sizeof out, &err), err);
    char longone[80];
    memset(longone, 'a', 65);
    longone[65] = '\0';
    assert_int_equal(auth_scopes_parse(longone, out, sizeof out, &err), CORE_E_INVALID_VALUE);
    longone[64] = '\0';
    assert_ok(auth_scopes_parse(longone, out, sizeof out, &err), err);

    assert_true(auth_scope_allows(NULL, "record.write"));
    assert_true(auth_scope_allows("record.read,record.list", "record.read"));
    assert_true(auth_scope_allows("record.read,record.list", "record.list"));
    assert_false(auth_scope_allows("record.read,record.list", "record.write"));
    assert_false(auth_scope_allows("record.read,record.list", "record"));
    assert_false(auth_scope_allows("record.read,record.list", "record.read.all"));
    assert_false(auth_scope_allows("record.read", NULL));
}

static void test_csrf(void **state)
{
    (void)state;
    const char *t1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const char *t2 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB";
    char c1[AUTH_CSRF_CHARS + 1], again[AUTH_CSRF_CHARS + 1], c2[AUTH_CSRF_CHARS + 1];
    auth_csrf_token(t1, c1);
    auth_csrf_token(t1, again);
    auth_csrf_token(t2, c2);
    assert_int_equal(strlen(c1), AUTH_CSRF_CHARS);
    assert_string_equal(c1, again);
    assert_string_not_equal(c1, c2);
    assert_string_not_equal(c1, t1);
    /* the construction, independently: BLAKE2b-256 keyed with the token, of the fixed context */
    unsigned char h[32];
    char want[AUTH_CSRF_CHARS + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)"hearth-csrf-v1", 14, (const unsigned char *)t1,
                       strlen(t1));
    sodium_bin2base64(want, sizeof want, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    assert_string_equal(c1, want);

    assert_true(auth_csrf_valid(t1, c1));
    assert_false(auth_csrf_valid(t2, c1));
    assert_false(auth_csrf_valid(t1, c2));
    assert_false(auth_csrf_valid(t1, NULL));
    assert_false(auth_csrf_valid(NULL, c1));
    assert_false(auth_csrf_valid(t1, ""));
    char cut[AUTH_CSRF_CHARS + 1];
    memcpy(cut, c1, sizeof cut);
    cut[AUTH_CSRF_CHARS - 1] = '\0';
    assert_false(auth_csrf_valid(t1, cut));
    cut[AUTH_CSRF_CHARS - 1] = c1[AUTH_CSRF_CHARS - 1] == 'x' ? 'y' : 'x';
    assert_false(auth_csrf_valid(t1, cut));
}

static int count_session(void *ctx, const auth_session_info *i)
{
    int *n = ctx;
    assert_non_null(i->username);
    assert_non_null(i->created_at);
    (*n)++;
    return 0;
}

static void test_api_tokens(void **state)
{
    fixture *f = *state;
    int64_t bob = 0;
    store_value p[] = {store_v_text("bob")};
    assert_ok(store_query_int(f->s, &f->a, "SELECT id FROM app_user WHERE username = $1", p, 1, &bob, &f->err),
              f->err);
    char token[AUTH_TOKEN_CHARS + 1];
    int64_t id = 0;
    auth_token_req too_long = {bob, NULL, AUTH_TOKEN_DAYS_MAX + 1, T0};
    assert_int_equal(auth_token_add(f->s, &f->a, &too_long, token, &id, &f->err), CORE_E_INVALID_VALUE);
    auth_token_req none = {bob, NULL, 0, T0};
    assert_int_equal(auth_token_add(f->s, &f->a, &none, token, &id, &f->err), CORE_E_INVALID_VALUE);
    auth_token_req nobody = {9999, NULL, 30, T0};
    assert_int_equal(auth_token_add(f->s, &f->a, &nobody, token, &id, &f->err), CORE_E_CONFLICT);

    auth_token_req t = {bob, "record.read,record.list", 30, T0};
    assert_ok(auth_token_add(f->s, &f->a, &t, token, &id, &f->err), f->err);
    assert_int_equal(strlen(token), AUTH_TOKEN_CHARS);
    /* unused for 29 days: still live (no idle time-out), with its kind and scopes */
    auth_principal who;
    assert_ok(auth_session_lookup(f->s, &f->a, token, T0 + 29 * 86400, &who, &f->err), f->err);
    assert_int_equal(who.session_id, id);
    assert_int_equal(who.user_id, bob);
    assert_string_equal(who.kind, "api");
    assert_string_equal(who.scopes, "record.read,record.list");
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 30 * 86400, &who, &f->err),
                     CORE_E_UNAUTHENTICATED);

    /* revoke by id */
    assert_ok(auth_token_add(f->s, &f->a, &t, token, &id, &f->err), f->err);
    int64_t revoked = -1;
    assert_ok(auth_session_revoke(f->s, &f->a, id, T0, &revoked, &f->err), f->err);
    assert_int_equal(revoked, 1);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 1, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_ok(auth_session_revoke(f->s, &f->a, id, T0, &revoked, &f->err), f->err);
    assert_int_equal(revoked, 0);
    assert_int_equal(auth_session_revoke(f->s, &f->a, 9999, T0, &revoked, &f->err), CORE_E_NOT_FOUND);

    /* a sign-in session has no scopes and its kind; revoking the user ends it and the token */
    char signed_in[AUTH_TOKEN_CHARS + 1];
    assert_ok(bob_in(f, "browser", T0, signed_in, &who), f->err);
    assert_string_equal(who.kind, "browser");
    assert_null(who.scopes);
    assert_ok(auth_session_lookup(f->s, &f->a, signed_in, T0 + 1, &who, &f->err), f->err);
    assert_string_equal(who.kind, "browser");
    assert_null(who.scopes);
    assert_ok(auth_token_add(f->s, &f->a, &t, token, &id, &f->err), f->err);
    assert_ok(auth_sessions_revoke_user(f->s, &f->a, bob, T0, &revoked, &f->err), f->err);
    assert_int_equal(revoked, 3); /* the sign-in, the last token and the first (expired but never revoked) */
    assert_int_equal(auth_session_lookup(f->s, &f->a, signed_in, T0 + 2, &who, &f->err), CORE_E_UNAUTHENTICATED);
    assert_int_equal(auth_session_lookup(f->s, &f->a, token, T0 + 2, &who, &f->err), CORE_E_UNAUTHENTICATED);

    auth_token_req other = {bob - 1, NULL, 1, T0}; /* alice's */
    assert_ok(auth_token_add(f->s, &f->a, &other, token, &id, &f->err), f->err);
    int n = 0;
    assert_ok(auth_session_each(f->s, &f->a, bob, count_session, &n, &f->err), f->err);
    assert_int_equal(n, 4);
    n = 0;
    assert_ok(auth_session_each(f->s, &f->a, 0, count_session, &n, &f->err), f->err);
    assert_int_equal(n, 5);

    /* clearing a username's failures lifts its lock-out */
    for (int i = 0; i < AUTH_LOCK_USER_FAILURES; i++)
        assert_int_equal(sign_in_at(f, "bob", "wrong password!", "10.0.0.1", T0 + i), CORE_E_UNAUTHENTICATED);
    assert_int_equal(sign_in_at(f, "bob", "another good password", "10.0.0.2", T0 + 10), CORE_E_FORBIDDEN);
    int64_t cleared = 0;
    assert_ok(auth_failures_clear(f->s, &f->a, "bob", &cleared, &f->err), f->err);
    assert_int_equal(cleared, AUTH_LOCK_USER_FAILURES + 1);
    assert_int_equal(sign_in_at(f, "bob", "another good password", "10.0.0.2", T0 + 30), 0); /* the next step */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totp_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_and_sign_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totp_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_codes, setup, teardown),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test_setup_teardown(test_api_tokens, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
