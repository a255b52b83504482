/*
 * auth.c — sign-in, sessions, API tokens, recovery codes, CSRF tokens and TOTP (contract in auth.h).
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>

#include "auth/auth.h"
#include "auth/auth_internal.h"

/* The user signing in, by username. */
static const char SQL_USER_BY_NAME[] =
    "SELECT id, password_hash, totp_secret, disabled, role, coalesce(team_id, 0), coalesce(agency_id, 0),\n"
    "       coalesce(totp_last_step, 0)\n"
    "  FROM app_user\n"
    " WHERE username = $1";

/* Remember the time step of the TOTP code that signed a user in (invariant 9); changes no row when a
 * concurrent sign-in already used this step or a later one. */
static const char SQL_TOTP_STEP_USE[] =
    "UPDATE app_user\n"
    "   SET totp_last_step = $2\n"
    " WHERE id = $1\n"
    "   AND coalesce(totp_last_step, 0) < $2";

/* A new session; returns its id. */
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO session (token_hash, user_id, kind, created_at, last_seen_at, expires_at, idle_seconds,\n"
    "                     client_address, scopes)\n"
    "VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)\n"
    "RETURNING id";

/* A live (not revoked) session with its user, by token hash. */
static const char SQL_SESSION_BY_HASH[] =
    "SELECT s.id, s.last_seen_at, s.expires_at, s.idle_seconds, u.id, u.username, u.role,\n"
    "       coalesce(u.team_id, 0), coalesce(u.agency_id, 0), u.disabled, s.kind, s.scopes\n"
    "  FROM session s\n"
    "  JOIN app_user u ON u.id = s.user_id\n"
    " WHERE s.token_hash = $1\n"
    "   AND s.revoked_at IS NULL";

/* The session generation (migration 0030): bumped by triggers whenever a remembered session may have ended. */
static const char SQL_SESSION_GENERATION[] =
    "SELECT n\n"
    "  FROM session_generation\n"
    " WHERE id = 1";

static const char SQL_SESSION_TOUCH[] =
    "UPDATE session\n"
    "   SET last_seen_at = $2\n"
    " WHERE id = $1";

static const char SQL_SESSION_REVOKE[] =
    "UPDATE session\n"
    "   SET revoked_at = $2\n"
    " WHERE token_hash = $1\n"
    "   AND revoked_at IS NULL";

/* 1 when a session has this id (revoked or not), else 0. */
static const char SQL_SESSION_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM session\n"
    " WHERE id = $1";

static const char SQL_SESSION_REVOKE_ID[] =
    "UPDATE session\n"
    "   SET revoked_at = $2\n"
    " WHERE id = $1\n"
    "   AND revoked_at IS NULL";

static const char SQL_SESSION_REVOKE_USER[] =
    "UPDATE session\n"
    "   SET revoked_at = $2\n"
    " WHERE user_id = $1\n"
    "   AND revoked_at IS NULL";

/* Sessions with their user, oldest first; every user's when $1 is 0. */
static const char SQL_SESSION_LIST[] =
    "SELECT s.id, s.user_id, u.username, s.kind, s.scopes, s.created_at, s.last_seen_at, s.expires_at,\n"
    "       s.revoked_at\n"
    "  FROM session s\n"
    "  JOIN app_user u ON u.id = s.user_id\n"
    " WHERE $1 = 0 OR s.user_id = $1\n"
    " ORDER BY s.id";

/* A user's unused recovery codes (hashes). */
static const char SQL_RECOVERY_UNUSED[] =
    "SELECT id, code_hash\n"
    "  FROM recovery_code\n"
    " WHERE user_id = $1\n"
    "   AND used_at IS NULL";

/* Mark a code used; changes no row when another sign-in used it first. */
static const char SQL_RECOVERY_USE[] =
    "UPDATE recovery_code\n"
    "   SET used_at = $2\n"
    " WHERE id = $1\n"
    "   AND used_at IS NULL";

static const char SQL_RECOVERY_LEFT[] =
    "SELECT count(*)\n"
    "  FROM recovery_code\n"
    " WHERE user_id = $1\n"
    "   AND used_at IS NULL";

static const char SQL_RECOVERY_DELETE[] =
    "DELETE FROM recovery_code\n"
    " WHERE user_id = $1";

static const char SQL_RECOVERY_INSERT[] =
    "INSERT INTO recovery_code (user_id, code_hash, created_at)\n"
    "VALUES ($1, $2, $3)";

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

static const char SQL_FAILURES_CLEAR[] =
    "DELETE FROM sign_in_failure\n"
    " WHERE username = $1";

/* Crockford's base32: no I, L, O or U; what is typed is read leniently (auth_recovery_code_normalise). */
static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char CSRF_CONTEXT[] = "hearth-csrf-v1";

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

/* Hex of BLAKE2b-256 of a token or a normalised recovery code: what the database keeps instead. */
static void hash_hex(const char *data, size_t len, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)data, len, NULL, 0);
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

int auth_role_needs_second_factor(const char *role)
{
    /* Every role: the administrator sees no case records but can change who sees them (settings, users,
     * agency types), so a stolen password alone must not be enough for that account either. */
    (void)role;
    return 1;
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
    int64_t step = 0;
    return auth_totp_check(secret_base32, code, now, 0, &step) == AUTH_TOTP_OK;
}

auth_totp_result auth_totp_check(const char *secret_base32, const char *code, time_t now, int64_t last_step,
                                 int64_t *step)
{
    pthread_once(&auth_once, auth_init);
    *step = 0;
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6 || now < AUTH_TOTP_STEP_SECONDS)
        return AUTH_TOTP_WRONG;
    char *raw = NULL;
    size_t len = 0;
    if (totp_secret_raw(secret_base32, &raw, &len))
        return AUTH_TOTP_WRONG;
    /* Every step of the window is computed and compared in constant time, whichever matches; the latest
     * matching step counts (two steps sharing a code is a one-in-a-million chance, and the later one is the
     * one that must not be used twice). */
    int64_t current = (int64_t)now / AUTH_TOTP_STEP_SECONDS, matched = 0;
    for (int64_t d = -AUTH_TOTP_WINDOW_BACK; d <= AUTH_TOTP_WINDOW_AHEAD; d++) {
        char want[7];
        time_t at = (time_t)((current + d) * AUTH_TOTP_STEP_SECONDS);
        if (oath_totp_generate(raw, len, at, AUTH_TOTP_STEP_SECONDS, OATH_TOTP_DEFAULT_START_TIME, 6, want) !=
            OATH_OK)
            continue;
        if (sodium_memcmp(want, code, 6) == 0)
            matched = current + d;
        sodium_memzero(want, sizeof(want));
    }
    sodium_memzero(raw, len);
    free(raw);
    if (!matched)
        return AUTH_TOTP_WRONG;
    *step = matched;
    return matched > last_step ? AUTH_TOTP_OK : AUTH_TOTP_USED;
}

/* Open a session for user_id and write its token (invariant 1). */
static int session_open(store *s, core_arena *a, int64_t user_id, const char *kind, const char *scopes,
                        time_t now, int64_t lifetime, int64_t idle, const char *client_address,
                        char token[AUTH_TOKEN_CHARS + 1], int64_t *id, core_error *err)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, AUTH_TOKEN_CHARS + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    char hex[65], at[24], expires[24];
    hash_hex(token, strlen(token), hex);
    iso_time(now, at);
    iso_time(now + lifetime, expires);
    store_value sv[] = {store_v_text(hex),     store_v_int(user_id),          store_v_text(kind),
                        store_v_text(at),      store_v_text(expires),         store_v_int(idle),
                        store_v_text(client_address && client_address[0] ? client_address : NULL),
                        store_v_text(scopes)};
    int rc = store_query_int(s, a, SQL_SESSION_INSERT, sv, 8, id, err);
    if (rc)
        sodium_memzero(token, AUTH_TOKEN_CHARS + 1);
    return rc;
}

/* Use one of the user's unused recovery codes: *ok 1 when code matched one (now marked used), else 0. Every
 * stored hash is compared, in constant time, whether or not an earlier one matched. */
static int recovery_code_use(store *s, core_arena *a, int64_t user_id, const char *code, time_t now, int *ok,
                             core_error *err)
{
    *ok = 0;
    char norm[AUTH_RECOVERY_CODE_CHARS + 1], hex[65];
    if (!code || auth_recovery_code_normalise(code, norm) != 0)
        return 0;
    hash_hex(norm, AUTH_RECOVERY_CODE_CHARS, hex);
    sodium_memzero(norm, sizeof(norm));
    store_value p[] = {store_v_int(user_id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_RECOVERY_UNUSED, p, 1, &st, err);
    if (rc)
        return rc;
    int64_t match = 0;
    while ((rc = store_next(st, err)) == 1) {
        size_t len = 0;
        const char *stored = store_col_text(st, 1, &len);
        if (stored && len == 64 && sodium_memcmp(stored, hex, 64) == 0)
            match = store_col_int(st, 0);
    }
    if (rc < 0 || !match)
        return rc < 0 ? rc : 0;
    char at[24];
    iso_time(now, at);
    store_value u[] = {store_v_int(match), store_v_text(at)};
    int64_t changed = 0;
    rc = store_exec(s, a, SQL_RECOVERY_USE, u, 2, &changed, err);
    if (rc)
        return rc;
    *ok = changed == 1; /* 0: a concurrent sign-in used it first */
    return 0;
}

int auth_sign_in(store *s, core_arena *a, const auth_sign_in_req *req, char token[AUTH_TOKEN_CHARS + 1],
                 auth_principal *who, core_error *err)
{
    pthread_once(&auth_once, auth_init);
    memset(who, 0, sizeof(*who));
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
    int64_t last_step = store_col_int(st, 7);
    while ((rc = store_next(st, err)) == 1)
        ;
    if (rc < 0)
        return rc;
    int ok = crypto_pwhash_str_verify(hash, req->password, strlen(req->password)) == 0 && !disabled;
    /* The second factor is looked at only after the password, so a wrong password never uses up a code. */
    if (ok && totp && req->recovery_code) {
        rc = recovery_code_use(s, a, user_id, req->recovery_code, now, &ok, err);
        if (rc)
            return rc;
        who->recovery_code_used = ok;
    } else if (ok && totp) {
        int64_t step = 0;
        auth_totp_result r = auth_totp_check(totp, req->totp, now, last_step, &step);
        if (r == AUTH_TOTP_OK) {
            /* Claim the step; a concurrent sign-in that claimed it (or a later one) first wins. */
            store_value u[] = {store_v_int(user_id), store_v_int(step)};
            int64_t changed = 0;
            rc = store_exec(s, a, SQL_TOTP_STEP_USE, u, 2, &changed, err);
            if (rc)
                return rc;
            if (changed != 1)
                r = AUTH_TOTP_USED;
        }
        if (r == AUTH_TOTP_USED) {
            /* The password was right, so saying why tells nobody without it anything (invariant 9). */
            who->totp_used = 1;
            rc = record_failure(s, a, req, now, err);
            if (rc)
                return rc;
            core_error_set(err, CORE_E_UNAUTHENTICATED, "this code has already been used to sign in");
            return core_error_hint(err, "wait for the next code from your authenticator (a new one every %d "
                                        "seconds), or use a recovery code", AUTH_TOTP_STEP_SECONDS);
        }
        ok = r == AUTH_TOTP_OK;
    }
    if (!ok) {
        rc = record_failure(s, a, req, now, err);
        return rc ? rc : refuse(err);
    }
    /* Every role that can see case data signs in with a second factor; an account of such a role with none
     * enrolled is refused (after the password, so this says nothing to someone without it). */
    if (!totp && auth_role_needs_second_factor(who->role)) {
        core_error_set(err, CORE_E_FORBIDDEN, "this account has no second factor, which its role requires");
        return core_error_hint(err, "ask the administrator to enrol one: hearth user reset --totp");
    }
    if (who->recovery_code_used) {
        int64_t left = 0;
        store_value lp[] = {store_v_int(user_id)};
        rc = store_query_int(s, a, SQL_RECOVERY_LEFT, lp, 1, &left, err);
        if (rc)
            return rc;
        who->recovery_codes_left = (int)left;
    }
    const char *kind = req->kind && strcmp(req->kind, "browser") == 0 ? "browser" : "api";
    rc = session_open(s, a, user_id, kind, NULL, now, AUTH_ABSOLUTE_SECONDS_DEFAULT, AUTH_IDLE_SECONDS_DEFAULT,
                      req->client_address, token, &who->session_id, err);
    if (rc)
        return rc;
    who->user_id = user_id;
    who->username = core_arena_strdup(a, req->username);
    who->kind = kind;
    who->scopes = NULL;
    return 0;
}

static int session_refuse(auth_principal *who, core_error *err)
{
    memset(who, 0, sizeof(*who));
    core_error_set(err, CORE_E_UNAUTHENTICATED, "the session has ended or the token is not valid");
    return core_error_hint(err, "sign in again: POST /api/v1/session");
}

/* Hash a presented token (raw and hex); CORE_E_UNAUTHENTICATED when it cannot be a token. */
static int token_hash(const char *token, unsigned char raw[AUTH_HASH_BYTES], char hex[65], core_error *err)
{
    if (!token || strlen(token) != AUTH_TOKEN_CHARS) {
        core_error_set(err, CORE_E_UNAUTHENTICATED, "the session token is not valid");
        return core_error_hint(err, "sign in again: POST /api/v1/session");
    }
    crypto_generichash(raw, AUTH_HASH_BYTES, (const unsigned char *)token, AUTH_TOKEN_CHARS, NULL, 0);
    sodium_bin2hex(hex, 65, raw, AUTH_HASH_BYTES);
    return 0;
}

/* The live session whose token hashes to hex, into who, moving last_seen_at when due (invariant 2). *seen
 * gets its last-seen time after that, *expires its expiry. */
static int session_fetch(store *s, core_arena *a, const char *hex, time_t now, auth_principal *who, time_t *seen,
                         time_t *expires, core_error *err)
{
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
        *expires = parse_iso_time(store_col_text(st, 2, NULL));
        int64_t idle = store_col_int(st, 3);
        live = now < *expires && now - last <= idle && !store_col_int(st, 9);
        who->session_id = store_col_int(st, 0);
        who->user_id = store_col_int(st, 4);
        who->username = core_arena_strdup(a, store_col_text(st, 5, NULL));
        who->role = core_arena_strdup(a, store_col_text(st, 6, NULL));
        who->team_id = store_col_int(st, 7);
        who->agency_id = store_col_int(st, 8);
        who->kind = core_arena_strdup(a, store_col_text(st, 10, NULL));
        who->scopes = core_arena_strdup(a, store_col_text(st, 11, NULL));
        while ((rc = store_next(st, err)) == 1)
            ;
        if (rc < 0)
            return rc;
    }
    if (!live)
        return session_refuse(who, err);
    *seen = last;
    /* Move last_seen_at at most once a minute: a read should not cost a durable write every time. The idle
     * time-out is therefore exact to within a minute. */
    if (now - last < AUTH_TOUCH_SECONDS)
        return 0;
    char at[24];
    iso_time(now, at);
    store_value tv[] = {store_v_int(who->session_id), store_v_text(at)};
    rc = store_exec(s, a, SQL_SESSION_TOUCH, tv, 2, NULL, err);
    if (rc == 0)
        *seen = now;
    return rc;
}

int auth_session_lookup(store *s, core_arena *a, const char *token, time_t now, auth_principal *who,
                        core_error *err)
{
    return auth_session_lookup_cached(s, a, NULL, token, now, who, err);
}

int auth_session_lookup_cached(store *s, core_arena *a, auth_session_cache *c, const char *token, time_t now,
                               auth_principal *who, core_error *err)
{
    pthread_once(&auth_once, auth_init);
    if (!now)
        now = time(NULL);
    unsigned char raw[AUTH_HASH_BYTES];
    char hex[65];
    int rc = token_hash(token, raw, hex, err);
    if (rc)
        return rc;
    int64_t generation = 0;
    if (c) { /* read before the session's row (invariant 10): a change in between leaves an older tag */
        rc = store_query_int(s, a, SQL_SESSION_GENERATION, NULL, 0, &generation, err);
        if (rc)
            return rc;
        if (auth_session_cache_get(c, raw, generation, now, a, who))
            return 0;
    }
    time_t seen = 0, expires = 0;
    rc = session_fetch(s, a, hex, now, who, &seen, &expires, err);
    if (rc == 0 && c)
        auth_session_cache_put(c, raw, generation, seen, expires, who);
    return rc;
}

int auth_sign_out(store *s, core_arena *a, const char *token, core_error *err)
{
    if (!token)
        return 0;
    char hex[65], at[24];
    hash_hex(token, strlen(token), hex);
    iso_time(time(NULL), at);
    store_value p[] = {store_v_text(hex), store_v_text(at)};
    return store_exec(s, a, SQL_SESSION_REVOKE, p, 2, NULL, err);
}

int auth_session_revoke(store *s, core_arena *a, int64_t session_id, time_t now, int64_t *revoked, core_error *err)
{
    int64_t n = 0;
    store_value p[] = {store_v_int(session_id)};
    int rc = store_query_int(s, a, SQL_SESSION_EXISTS, p, 1, &n, err);
    if (rc)
        return rc;
    if (n == 0) {
        core_error_set(err, CORE_E_NOT_FOUND, "no session or token has id %lld", (long long)session_id);
        return core_error_hint(err, "hearth token list shows them");
    }
    char at[24];
    iso_time(now ? now : time(NULL), at);
    store_value q[] = {store_v_int(session_id), store_v_text(at)};
    int64_t changed = 0;
    rc = store_exec(s, a, SQL_SESSION_REVOKE_ID, q, 2, &changed, err);
    if (rc == 0 && revoked)
        *revoked = changed;
    return rc;
}

int auth_sessions_revoke_user(store *s, core_arena *a, int64_t user_id, time_t now, int64_t *revoked,
                              core_error *err)
{
    char at[24];
    iso_time(now ? now : time(NULL), at);
    store_value p[] = {store_v_int(user_id), store_v_text(at)};
    return store_exec(s, a, SQL_SESSION_REVOKE_USER, p, 2, revoked, err);
}

int auth_failures_clear(store *s, core_arena *a, const char *username, int64_t *cleared, core_error *err)
{
    store_value p[] = {store_v_text(username)};
    return store_exec(s, a, SQL_FAILURES_CLEAR, p, 1, cleared, err);
}

/* ---- API tokens ---- */

int auth_token_add(store *s, core_arena *a, const auth_token_req *req, char token[AUTH_TOKEN_CHARS + 1],
                   int64_t *session_id, core_error *err)
{
    pthread_once(&auth_once, auth_init);
    if (req->days < 1 || req->days > AUTH_TOKEN_DAYS_MAX) {
        core_error_set(err, CORE_E_INVALID_VALUE, "a token lasts 1 to %d days", AUTH_TOKEN_DAYS_MAX);
        return core_error_hint(err, "make a new token when it runs out");
    }
    time_t now = req->now ? req->now : time(NULL);
    int64_t lifetime = (int64_t)req->days * 24 * 60 * 60;
    /* idle_seconds = the whole lifetime: only expires_at or revocation ends an API token (invariant 2) */
    int rc = session_open(s, a, req->user_id, "api", req->scopes, now, lifetime, lifetime, NULL, token, session_id,
                          err);
    if (rc == CORE_E_CONFLICT)
        core_error_set(err, CORE_E_CONFLICT, "the token's user does not exist");
    return rc;
}

int auth_session_each(store *s, core_arena *a, int64_t user_id, int (*fn)(void *ctx, const auth_session_info *),
                      void *ctx, core_error *err)
{
    store_value p[] = {store_v_int(user_id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_SESSION_LIST, p, 1, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1) {
        auth_session_info i = {store_col_int(st, 0),          store_col_int(st, 1),
                               store_col_text(st, 2, NULL),   store_col_text(st, 3, NULL),
                               store_col_text(st, 4, NULL),   store_col_text(st, 5, NULL),
                               store_col_text(st, 6, NULL),   store_col_text(st, 7, NULL),
                               store_col_text(st, 8, NULL)};
        int stop = fn(ctx, &i);
        if (stop) {
            while ((rc = store_next(st, err)) == 1) /* finish the statement: the arena may be long-lived */
                ;
            return rc < 0 ? rc : stop;
        }
    }
    return rc;
}

static int scope_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') || c == '_' || c == '.'));
}

int auth_scopes_parse(const char *in, char *out, size_t size, core_error *err)
{
    if (size < AUTH_SCOPES_SIZE)
        return core_error_set(err, CORE_E_INTERNAL, "scope list buffer too small");
    out[0] = '\0';
    size_t len = 0;
    int items = 0;
    for (const char *p = in ? in : ""; ;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        while (*p == ' ')
            p++;
        if (*p && *p != ',')
            return core_error_set(err, CORE_E_INVALID_VALUE, "scope %d has a space inside it", items + 1);
        if (n == 0) {
            core_error_set(err, CORE_E_INVALID_VALUE, "scope %d is empty", items + 1);
            return core_error_hint(err, "write permissions separated by commas, e.g. record.read,record.list");
        }
        if (n > 64)
            return core_error_set(err, CORE_E_INVALID_VALUE, "scope %d is longer than 64 characters", items + 1);
        for (size_t i = 0; i < n; i++)
            if (!scope_char(start[i], i == 0)) {
                core_error_set(err, CORE_E_INVALID_VALUE, "scope %d is not a permission name", items + 1);
                return core_error_hint(err, "a permission is lower-case letters, digits, '_' and '.', e.g. "
                                            "record.read");
            }
        if (++items > AUTH_SCOPES_MAX)
            return core_error_set(err, CORE_E_INVALID_VALUE, "a token takes at most %d scopes", AUTH_SCOPES_MAX);
        /* repeated? compare with every item already in out */
        for (const char *q = out; *q;) {
            const char *e = strchr(q, ',');
            size_t qn = e ? (size_t)(e - q) : strlen(q);
            if (qn == n && memcmp(q, start, n) == 0)
                return core_error_set(err, CORE_E_INVALID_VALUE, "scope %d repeats an earlier one", items);
            q += qn + (e ? 1 : 0);
        }
        if (len + (len ? 1 : 0) + n + 1 > size)
            return core_error_set(err, CORE_E_INVALID_VALUE, "the scope list is too long");
        if (len)
            out[len++] = ',';
        memcpy(out + len, start, n);
        len += n;
        out[len] = '\0';
        if (!*p)
            return 0;
        p++; /* the comma */
    }
}

int auth_scope_allows(const char *scopes, const char *permission)
{
    if (!scopes)
        return 1;
    if (!permission)
        return 0;
    size_t pn = strlen(permission);
    for (const char *q = scopes; *q;) {
        const char *e = strchr(q, ',');
        size_t n = e ? (size_t)(e - q) : strlen(q);
        if (n == pn && memcmp(q, permission, n) == 0)
            return 1;
        q += n + (e ? 1 : 0);
    }
    return 0;
}

/* ---- recovery codes ---- */

int auth_recovery_code_normalise(const char *in, char out[AUTH_RECOVERY_CODE_CHARS + 1])
{
    size_t n = 0;
    for (const char *p = in; p && *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (!strchr(CROCKFORD, c) || n == AUTH_RECOVERY_CODE_CHARS)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == AUTH_RECOVERY_CODE_CHARS ? 0 : -1;
}

int auth_recovery_codes_new(store *s, core_arena *a, int64_t user_id, time_t now,
                            char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE], core_error *err)
{
    pthread_once(&auth_once, auth_init);
    char at[24];
    iso_time(now ? now : time(NULL), at);
    store_value d[] = {store_v_int(user_id)};
    int rc = store_exec(s, a, SQL_RECOVERY_DELETE, d, 1, NULL, err);
    for (int i = 0; i < AUTH_RECOVERY_CODES && rc == 0; i++) {
        /* 10 random bytes are 80 bits: 16 base32 characters, five bits each */
        unsigned char raw[10];
        randombytes_buf(raw, sizeof(raw));
        char norm[AUTH_RECOVERY_CODE_CHARS + 1], hex[65];
        for (int k = 0; k < AUTH_RECOVERY_CODE_CHARS; k++) {
            int bit = k * 5, byte = bit / 8, shift = bit % 8;
            unsigned v = ((unsigned)raw[byte] << 8 | (byte + 1 < 10 ? raw[byte + 1] : 0u)) >> (11 - shift);
            norm[k] = CROCKFORD[v & 31];
        }
        norm[AUTH_RECOVERY_CODE_CHARS] = '\0';
        sodium_memzero(raw, sizeof(raw));
        for (int k = 0, o = 0; k < AUTH_RECOVERY_CODE_CHARS; k++) {
            if (k && k % 4 == 0)
                codes[i][o++] = '-';
            codes[i][o++] = norm[k];
            codes[i][o] = '\0';
        }
        hash_hex(norm, AUTH_RECOVERY_CODE_CHARS, hex);
        sodium_memzero(norm, sizeof(norm));
        store_value p[] = {store_v_int(user_id), store_v_text(hex), store_v_text(at)};
        rc = store_exec(s, a, SQL_RECOVERY_INSERT, p, 3, NULL, err);
    }
    if (rc)
        sodium_memzero(codes, (size_t)AUTH_RECOVERY_CODES * AUTH_RECOVERY_CODE_SIZE);
    return rc;
}

/* ---- browser sessions ---- */

void auth_csrf_token(const char *token, char out[AUTH_CSRF_CHARS + 1])
{
    pthread_once(&auth_once, auth_init);
    unsigned char h[32];
    size_t n = token ? strlen(token) : 0;
    /* The token is the key (BLAKE2b takes 16 to 64 key bytes; a token is 43); shorter input never gets here
     * from a live session, but a fixed key keeps the function total. */
    if (n < crypto_generichash_KEYBYTES_MIN || n > crypto_generichash_KEYBYTES_MAX)
        crypto_generichash(h, sizeof(h), (const unsigned char *)CSRF_CONTEXT, sizeof(CSRF_CONTEXT) - 1, NULL, 0);
    else
        crypto_generichash(h, sizeof(h), (const unsigned char *)CSRF_CONTEXT, sizeof(CSRF_CONTEXT) - 1,
                           (const unsigned char *)token, n);
    sodium_bin2base64(out, AUTH_CSRF_CHARS + 1, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int auth_csrf_valid(const char *token, const char *presented)
{
    if (!token || !presented || strlen(token) != AUTH_TOKEN_CHARS || strlen(presented) != AUTH_CSRF_CHARS)
        return 0;
    char want[AUTH_CSRF_CHARS + 1];
    auth_csrf_token(token, want);
    int ok = sodium_memcmp(want, presented, AUTH_CSRF_CHARS) == 0;
    sodium_memzero(want, sizeof(want));
    return ok;
}
