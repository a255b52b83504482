/*
 * auth.c — sign-in, sessions and TOTP (contract in auth.h).
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>

#include "auth/auth.h"

/* The user signing in, by username. */
static const char SQL_USER_BY_NAME[] =
    "SELECT id, password_hash, totp_secret, disabled, role, coalesce(team_id, 0), coalesce(agency_id, 0)\n"
    "  FROM app_user\n"
    " WHERE username = $1";

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO session (token_hash, user_id, kind, created_at, last_seen_at, expires_at, idle_seconds,\n"
    "                     client_address)\n"
    "VALUES ($1, $2, $3, $4, $4, $5, $6, $7)\n"
    "RETURNING id";

/* A live (not revoked) session with its user, by token hash. */
static const char SQL_SESSION_BY_HASH[] =
    "SELECT s.id, s.last_seen_at, s.expires_at, s.idle_seconds, u.id, u.username, u.role,\n"
    "       coalesce(u.team_id, 0), coalesce(u.agency_id, 0), u.disabled\n"
    "  FROM session s\n"
    "  JOIN app_user u ON u.id = s.user_id\n"
    " WHERE s.token_hash = $1\n"
    "   AND s.revoked_at IS NULL";

static const char SQL_SESSION_TOUCH[] =
    "UPDATE session\n"
    "   SET last_seen_at = $2\n"
    " WHERE id = $1";

static const char SQL_SESSION_REVOKE[] =
    "UPDATE session\n"
    "   SET revoked_at = $2\n"
    " WHERE token_hash = $1\n"
    "   AND revoked_at IS NULL";

/* Recent failures for a username, and from an address. */
static const char SQL_FAILURES_USER[] =
    "SELECT count(*)\n"
    "  FROM sign_in_failure\n"
    " WHERE username = $1\n"
    "   AND at > $2";

static const char SQL_FAILURES_ADDRESS[] =
    "SELECT count(*)\n"
    "  FROM sign_in_failure\n"
    " WHERE client_address = $1\n"
    "   AND at > $2";

static const char SQL_FAILURE_INSERT[] =
    "INSERT INTO sign_in_failure (username, client_address, at)\n"
    "VALUES ($1, $2, $3)";

static pthread_once_t auth_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void auth_init(void)
{
    if (sodium_init() < 0)
        core_die("libsodium cannot start");
    oath_init();
    /* A hash to verify against when the username does not exist, so both paths cost one Argon2id run. */
    char pw[32];
    randombytes_buf(pw, sizeof(pw));
    if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        core_die("out of memory");
}

static void iso_time(time_t t, char out[24])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static time_t parse_iso_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    return timegm(&tm);
}

static void token_hash_hex(const char *token, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

static int record_failure(store *s, core_arena *a, const auth_sign_in_req *req, time_t now, core_error *err)
{
    char at[24];
    iso_time(now, at);
    char user[65];
    snprintf(user, sizeof(user), "%s", req->username ? req->username : "");
    store_value p[] = {store_v_text(user), store_v_text(req->client_address), store_v_text(at)};
    return store_exec(s, a, SQL_FAILURE_INSERT, p, 3, NULL, err);
}

/* 1 when the username or the address has too many recent failures. */
static int locked_out(store *s, core_arena *a, const auth_sign_in_req *req, time_t now, core_error *err)
{
    char since[24];
    iso_time(now - AUTH_LOCK_WINDOW_SECONDS, since);
    int64_t n = 0;
    store_value p[] = {store_v_text(req->username), store_v_text(since)};
    int rc = store_query_int(s, a, SQL_FAILURES_USER, p, 2, &n, err);
    if (rc)
        return rc;
    if (n >= AUTH_LOCK_USER_FAILURES)
        return 1;
    if (!req->client_address || !req->client_address[0])
        return 0;
    store_value q[] = {store_v_text(req->client_address), store_v_text(since)};
    rc = store_query_int(s, a, SQL_FAILURES_ADDRESS, q, 2, &n, err);
    if (rc)
        return rc;
    return n >= AUTH_LOCK_ADDRESS_FAILURES;
}

static int refuse(core_error *err)
{
    core_error_set(err, CORE_E_UNAUTHENTICATED, "username, password or code not accepted");
    return core_error_hint(err, "check them and try again");
}

void auth_totp_secret_new(char out[33])
{
    pthread_once(&auth_once, auth_init);
    char raw[20];
    randombytes_buf(raw, sizeof(raw));
    char *b32 = NULL;
    size_t n = 0;
    if (oath_base32_encode(raw, sizeof(raw), &b32, &n) != OATH_OK || n != 32)
        core_die("base32 encoding failed");
    memcpy(out, b32, 32);
    out[32] = '\0';
    free(b32);
}

static int totp_secret_raw(const char *secret_base32, char **raw, size_t *len)
{
    return oath_base32_decode(secret_base32, strlen(secret_base32), raw, len) == OATH_OK ? 0 : -1;
}

int auth_totp_now(const char *secret_base32, time_t now, char out[7])
{
    pthread_once(&auth_once, auth_init);
    char *raw = NULL;
    size_t len = 0;
    if (totp_secret_raw(secret_base32, &raw, &len))
        return -1;
    int rc = oath_totp_generate(raw, len, now, OATH_TOTP_DEFAULT_TIME_STEP_SIZE, OATH_TOTP_DEFAULT_START_TIME, 6,
                                out);
    free(raw);
    return rc == OATH_OK ? 0 : -1;
}

int auth_totp_valid(const char *secret_base32, const char *code, time_t now)
{
    pthread_once(&auth_once, auth_init);
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return 0;
    char *raw = NULL;
    size_t len = 0;
    if (totp_secret_raw(secret_base32, &raw, &len))
        return 0;
    int rc = oath_totp_validate(raw, len, now, OATH_TOTP_DEFAULT_TIME_STEP_SIZE, OATH_TOTP_DEFAULT_START_TIME, 1,
                                code);
    sodium_memzero(raw, len);
    free(raw);
    return rc >= 0;
}

int auth_sign_in(store *s, core_arena *a, const auth_sign_in_req *req, char token[AUTH_TOKEN_CHARS + 1],
                 auth_principal *who, core_error *err)
{
    pthread_once(&auth_once, auth_init);
    time_t now = req->now ? req->now : time(NULL);
    if (!req->username || !req->password || strlen(req->username) > 64 || strlen(req->password) > 1024)
        return refuse(err);
    int locked = locked_out(s, a, req, now, err);
    if (locked < 0)
        return locked;
    if (locked) {
        record_failure(s, a, req, now, NULL);
        core_error_set(err, CORE_E_FORBIDDEN, "sign-in is paused for this account or address");
        core_error_message(err, "too many failed sign-ins");
        return core_error_hint(err, "wait %d minutes, or ask an administrator", AUTH_LOCK_WINDOW_SECONDS / 60);
    }
    store_value p[] = {store_v_text(req->username)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_USER_BY_NAME, p, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (crypto_pwhash_str_verify(dummy_hash, req->password, strlen(req->password)) == 0)
            core_die("a random password matched");
        rc = record_failure(s, a, req, now, err);
        return rc ? rc : refuse(err);
    }
    int64_t user_id = store_col_int(st, 0);
    const char *hash = core_arena_strdup(a, store_col_text(st, 1, NULL));
    const char *totp = core_arena_strdup(a, store_col_text(st, 2, NULL));
    int disabled = (int)store_col_int(st, 3);
    who->role = core_arena_strdup(a, store_col_text(st, 4, NULL));
    who->team_id = store_col_int(st, 5);
    who->agency_id = store_col_int(st, 6);
    while ((rc = store_next(st, err)) == 1)
        ;
    if (rc < 0)
        return rc;
    int ok = crypto_pwhash_str_verify(hash, req->password, strlen(req->password)) == 0;
    if (ok && totp)
        ok = auth_totp_valid(totp, req->totp, now);
    if (!ok || disabled) {
        rc = record_failure(s, a, req, now, err);
        return rc ? rc : refuse(err);
    }

    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, AUTH_TOKEN_CHARS + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    char hex[65], at[24], expires[24];
    token_hash_hex(token, hex);
    iso_time(now, at);
    iso_time(now + AUTH_ABSOLUTE_SECONDS_DEFAULT, expires);
    const char *kind = req->kind && strcmp(req->kind, "browser") == 0 ? "browser" : "api";
    store_value sv[] = {store_v_text(hex),     store_v_int(user_id),
                        store_v_text(kind),    store_v_text(at),
                        store_v_text(expires), store_v_int(AUTH_IDLE_SECONDS_DEFAULT),
                        store_v_text(req->client_address)};
    rc = store_query_int(s, a, SQL_SESSION_INSERT, sv, 7, &who->session_id, err);
    if (rc)
        return rc;
    who->user_id = user_id;
    who->username = core_arena_strdup(a, req->username);
    return 0;
}

int auth_session_lookup(store *s, core_arena *a, const char *token, time_t now, auth_principal *who,
                        core_error *err)
{
    pthread_once(&auth_once, auth_init);
    if (!now)
        now = time(NULL);
    if (!token || strlen(token) != AUTH_TOKEN_CHARS) {
        core_error_set(err, CORE_E_UNAUTHENTICATED, "the session token is not valid");
        return core_error_hint(err, "sign in again: POST /api/v1/session");
    }
    char hex[65];
    token_hash_hex(token, hex);
    store_value p[] = {store_v_text(hex)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_SESSION_BY_HASH, p, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    int live = 0;
    time_t last = 0;
    if (rc == 1) {
        last = parse_iso_time(store_col_text(st, 1, NULL));
        time_t expires = parse_iso_time(store_col_text(st, 2, NULL));
        int64_t idle = store_col_int(st, 3);
        live = now < expires && now - last <= idle && !store_col_int(st, 9);
        who->session_id = store_col_int(st, 0);
        who->user_id = store_col_int(st, 4);
        who->username = core_arena_strdup(a, store_col_text(st, 5, NULL));
        who->role = core_arena_strdup(a, store_col_text(st, 6, NULL));
        who->team_id = store_col_int(st, 7);
        who->agency_id = store_col_int(st, 8);
        while ((rc = store_next(st, err)) == 1)
            ;
        if (rc < 0)
            return rc;
    }
    if (!live) {
        memset(who, 0, sizeof(*who));
        core_error_set(err, CORE_E_UNAUTHENTICATED, "the session has ended or the token is not valid");
        return core_error_hint(err, "sign in again: POST /api/v1/session");
    }
    /* Move last_seen_at at most once a minute: a read should not cost a durable write every time. The idle
     * time-out is therefore exact to within a minute. */
    if (now - last < AUTH_TOUCH_SECONDS)
        return 0;
    char at[24];
    iso_time(now, at);
    store_value tv[] = {store_v_int(who->session_id), store_v_text(at)};
    return store_exec(s, a, SQL_SESSION_TOUCH, tv, 2, NULL, err);
}

int auth_sign_out(store *s, core_arena *a, const char *token, core_error *err)
{
    if (!token)
        return 0;
    char hex[65], at[24];
    token_hash_hex(token, hex);
    iso_time(time(NULL), at);
    store_value p[] = {store_v_text(hex), store_v_text(at)};
    return store_exec(s, a, SQL_SESSION_REVOKE, p, 2, NULL, err);
}
