/*
 * auth.h — sign-in and sessions: who is making this request?
 *
 * What it is for: checking a username, password (Argon2id hash, libsodium) and, when the user has one
 * enrolled, a time-based one-time code (TOTP, RFC 6238, liboath) or one of the user's one-time recovery
 * codes; issuing a session token (a person's sign-in, or a scoped API token for a partner system made at the
 * command line); resolving a presented token to a principal; the CSRF token of a browser session; signing
 * out and revoking. What it is not for: deciding what the principal may see (access/: it also enforces a
 * token's scopes), recording the attempt (audit/: callers record sign-ins, failures and changes), or the
 * user rows themselves (model/model_user.h).
 *
 * Invariants
 *   1. A token is 32 random bytes (randombytes_buf) written as 43 characters of unpadded base64url. Only
 *      BLAKE2b-256 of the token is stored; the token itself exists only in the sign-in answer (or the one
 *      line `hearth token add` prints).
 *   2. A session is valid while not revoked, before expires_at (absolute time-out) and within idle_seconds of
 *      its last use (idle time-out), and while its user is not disabled. A successful lookup moves
 *      last_seen_at when it is AUTH_TOUCH_SECONDS or more behind.
 *        sign-in (browser or api)   idle AUTH_IDLE_SECONDS_DEFAULT, absolute AUTH_ABSOLUTE_SECONDS_DEFAULT:
 *                                   a person at a keyboard, whichever client they use
 *        API token (token add)      kind 'api', idle_seconds = its whole lifetime (so only expires_at, 1 to
 *                                   AUTH_TOKEN_DAYS_MAX days, or revocation ends it: a partner system calls
 *                                   at its own pace, e.g. nightly), scopes usually set
 *   3. A failed sign-in says only "username, password or code not accepted": never which part was wrong
 *      (the one exception, after the right password: a TOTP code already used, invariant 9).
 *   4. Password checks take the same Argon2id time whether or not the username exists.
 *   5. Every failed sign-in is recorded (sign_in_failure). With AUTH_LOCK_USER_FAILURES failures for a username,
 *      or AUTH_LOCK_ADDRESS_FAILURES from an address, in the last AUTH_LOCK_WINDOW_SECONDS, sign-in is refused
 *      (CORE_E_FORBIDDEN, "too many failed sign-ins") even with the right credentials, until the window has
 *      passed. The caller must commit after a failure too, or the failure is not kept. A wrong recovery code
 *      is a failed sign-in like a wrong TOTP code.
 *   6. Recovery codes: AUTH_RECOVERY_CODES per user, made only with a second factor (`user add --totp`, `user
 *      reset --totp`, `user recovery-codes`). Each is 80 random bits written as 16 characters of Crockford
 *      base32 in groups of four (XXXX-XXXX-XXXX-XXXX); only BLAKE2b-256 of the normalised code (upper case,
 *      dashes and spaces removed, O read as 0 and I, L as 1) is stored. A code signs in once, in place of
 *      the TOTP code (the password is still needed), and is then marked used; making a new set deletes the
 *      old one. Stored hashes are compared in constant time.
 *   7. The CSRF token of a session is base64url(BLAKE2b-256 keyed with the session token, of the fixed text
 *      "hearth-csrf-v1"): only someone holding the token can work it out, the server stores nothing more,
 *      and it is compared in constant time.
 *   8. Scopes: an API token may be limited to a list of route permissions ("record.read,record.list"); the
 *      principal carries the list and access/ refuses any other permission. NULL: no limit beyond the role.
 *   9. A TOTP code signs in once. app_user.totp_last_step keeps the time step (Unix time / 30) of the last
 *      code that signed the user in; a code is accepted only for a step later than that one, within
 *      AUTH_TOTP_WINDOW_BACK step behind and AUTH_TOTP_WINDOW_AHEAD ahead of the wall clock (an
 *      authenticator's clock drifts). So a code cannot be replayed, and once a code is used neither it nor
 *      the code of the step before it opens another session: a user signing in twice within 30 seconds
 *      waits for the next code (or uses a recovery code). A used code after the right password is a failed
 *      sign-in (recorded, counted for lock-out) answered "this code has already been used to sign in".
 *      Every role signs in with a second factor, the administrator too (auth_role_needs_second_factor).
 *      The steps follow the wall clock (time()), never core/core_clock.h's test clock: the authenticator
 *      does.
 *  10. The session cache (auth_session_lookup_cached) answers exactly what auth_session_lookup would. It
 *      remembers a live session by its token's hash, tagged with the session generation (migration 0030:
 *      one integer that triggers bump in the same transaction as a sign-out, a revocation, any change of a
 *      session but its last-seen time, and any change of a user's name, role, team, agency or disabled
 *      flag, or a deletion). A lookup reads the generation first (one primary-key read) and uses a
 *      remembered session only under the same generation, before its expiry, and less than
 *      AUTH_TOUCH_SECONDS after the last-seen time it was read with: so no idle time-out can have ended it
 *      and the uncached lookup would not have moved last_seen_at either. A sign-out or a disabled user on
 *      this server, another server on the same database or a CLI command is refused by the very next
 *      request. Thread-safe (striped mutexes); bounded (one slot per hash, a newer session replaces an
 *      older one); the token itself is never kept.
 */
#ifndef HEARTH_AUTH_H
#define HEARTH_AUTH_H

#include <stdint.h>
#include <time.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

#define AUTH_TOKEN_CHARS 43

/* 1 when a role signs in only with a second factor: every role. The administrator sees no case records but
 * decides who may (settings, users, agency types), so a password alone is not enough there either. Kept as
 * a function so that `hearth user add` and sign-in ask one place. */
int auth_role_needs_second_factor(const char *role);
#define AUTH_IDLE_SECONDS_DEFAULT (30 * 60)
#define AUTH_ABSOLUTE_SECONDS_DEFAULT (10 * 60 * 60)
#define AUTH_TOUCH_SECONDS 60 /* last_seen_at moves at most this often */
#define AUTH_LOCK_WINDOW_SECONDS (15 * 60)  /* failures counted over this window ... */
#define AUTH_LOCK_USER_FAILURES 5          /* ... lock the account at this many */
#define AUTH_LOCK_ADDRESS_FAILURES 20      /* ... and refuse the address at this many */
#define AUTH_RECOVERY_CODES 10             /* codes in a set */
#define AUTH_RECOVERY_CODE_CHARS 16        /* a normalised code: Crockford base32, 80 bits */
#define AUTH_RECOVERY_CODE_SIZE 20         /* the printed form XXXX-XXXX-XXXX-XXXX and its NUL */
#define AUTH_CSRF_CHARS 43
#define AUTH_TOKEN_DAYS_DEFAULT 30         /* an API token's lifetime ... */
#define AUTH_TOKEN_DAYS_MAX 365            /* ... at most */
#define AUTH_SCOPES_MAX 32                 /* permissions in a scope list, at most */
#define AUTH_SCOPES_SIZE 1024              /* bytes of a canonical scope list with its NUL, at most */
#define AUTH_TOTP_STEP_SECONDS 30          /* RFC 6238's time step */
#define AUTH_TOTP_WINDOW_BACK 1            /* steps behind the wall clock still accepted (invariant 9) ... */
#define AUTH_TOTP_WINDOW_AHEAD 1           /* ... and ahead of it */

typedef struct auth_principal {
    int64_t user_id;       /* 0: nobody */
    int64_t session_id;
    const char *username;  /* arena strings */
    const char *role;
    int64_t team_id;       /* 0: none */
    int64_t agency_id;     /* 0: none */
    const char *kind;      /* the session's kind: "browser" or "api" */
    const char *scopes;    /* API token: comma-separated permissions it is limited to; NULL: no limit */
    int recovery_code_used;  /* auth_sign_in only: 1 when a recovery code stood in for the TOTP code */
    int recovery_codes_left; /* ... and then how many unused codes the user has left */
    int totp_used;           /* auth_sign_in only: refused because the TOTP code's step was already used */
} auth_principal;

typedef struct auth_sign_in_req {
    const char *username;
    const char *password;
    const char *totp;      /* may be NULL when the user has no second factor, or a recovery code is given */
    const char *kind;      /* "browser" or "api" (anything else: "api") */
    const char *client_address;
    time_t now;            /* 0: the current time */
    const char *recovery_code; /* instead of totp: one of the user's unused recovery codes, any formatting */
} auth_sign_in_req;

/* Check the credentials and open a session. On success token (AUTH_TOKEN_CHARS + 1 bytes) receives the
 * token and *who the principal. When the user has a second factor, recovery_code (if given) is checked
 * instead of totp and, when it matches an unused code, marked used (invariant 6); when the user has none,
 * neither is looked at. CORE_E_UNAUTHENTICATED for any wrong or disabled credential (recorded);
 * CORE_E_FORBIDDEN when the account or address is locked out (invariant 5). Run it in a transaction and
 * commit on every outcome but a store error. */
int auth_sign_in(store *s, core_arena *a, const auth_sign_in_req *req, char token[AUTH_TOKEN_CHARS + 1],
                 auth_principal *who, core_error *err);

/* Resolve a token to its principal (kind and scopes included), moving last_seen_at. CORE_E_UNAUTHENTICATED
 * when unknown, revoked, expired, idle too long or its user disabled (the message does not say which).
 * now 0: the current time. */
int auth_session_lookup(store *s, core_arena *a, const char *token, time_t now, auth_principal *who,
                        core_error *err);

/* Sessions remembered across requests (invariant 10): one per server, shared by its handler threads. */
typedef struct auth_session_cache auth_session_cache;

/* A cache of at most slots sessions (rounded up to a power of two, at least 64). Aborts on out of memory. */
auth_session_cache *auth_session_cache_new(unsigned slots);
/* Give it back; c may be NULL. No other thread may use it any more. */
void auth_session_cache_free(auth_session_cache *c);
/* Counters for tests and benchmarks: hits and misses since the cache was made. */
void auth_session_cache_stats(auth_session_cache *c, uint64_t *hits, uint64_t *misses);

/* auth_session_lookup through c (invariant 10): the same answers and errors, plus a store error when the
 * session generation cannot be read. c NULL: exactly auth_session_lookup. */
int auth_session_lookup_cached(store *s, core_arena *a, auth_session_cache *c, const char *token, time_t now,
                               auth_principal *who, core_error *err);

/* Revoke the session of a token (sign-out). Revoking an unknown or revoked token is not an error. */
int auth_sign_out(store *s, core_arena *a, const char *token, core_error *err);

/* Revoke one session by id (sign-out of the request's session, `hearth token revoke`). *revoked (may be
 * NULL) gets 1, or 0 when it was already revoked. CORE_E_NOT_FOUND when no session has that id. */
int auth_session_revoke(store *s, core_arena *a, int64_t session_id, time_t now, int64_t *revoked,
                        core_error *err);

/* Revoke every live session and API token of a user (disabled, reset, role changed). *revoked (may be
 * NULL) gets how many. now 0: the current time. */
int auth_sessions_revoke_user(store *s, core_arena *a, int64_t user_id, time_t now, int64_t *revoked,
                              core_error *err);

/* Forget the recorded sign-in failures of a username, lifting its lock-out (failures counted by address
 * stay). *cleared (may be NULL) gets how many. */
int auth_failures_clear(store *s, core_arena *a, const char *username, int64_t *cleared, core_error *err);

/* ---- API tokens ---------------------------------------------------------------------------------------- */

typedef struct auth_token_req {
    int64_t user_id;       /* the user the token acts as: must exist (the caller checks it is not disabled) */
    const char *scopes;    /* canonical list from auth_scopes_parse(), or NULL: everything the role allows */
    int days;              /* lifetime, 1..AUTH_TOKEN_DAYS_MAX */
    time_t now;            /* 0: the current time */
} auth_token_req;

/* Open an API session (kind 'api', invariant 2) and put its token in token. *session_id gets its id.
 * CORE_E_INVALID_VALUE for days out of range; CORE_E_CONFLICT when the user does not exist. */
int auth_token_add(store *s, core_arena *a, const auth_token_req *req, char token[AUTH_TOKEN_CHARS + 1],
                   int64_t *session_id, core_error *err);

/* One session as listed (never its token: only the hash is stored, and that is not listed either). Strings
 * are valid only during the callback. */
typedef struct auth_session_info {
    int64_t id;
    int64_t user_id;
    const char *username;
    const char *kind;
    const char *scopes;      /* NULL: none */
    const char *created_at;
    const char *last_seen_at;
    const char *expires_at;
    const char *revoked_at;  /* NULL: not revoked */
} auth_session_info;

/* Call fn for each session of user_id (0: every user), oldest first; stops at the first nonzero return and
 * returns it. */
int auth_session_each(store *s, core_arena *a, int64_t user_id, int (*fn)(void *ctx, const auth_session_info *),
                      void *ctx, core_error *err);

/* Check and tidy a scope list: comma-separated permissions, spaces around items ignored, 1 to
 * AUTH_SCOPES_MAX items, each 1..64 characters of [a-z0-9_.] starting with a letter, none repeated.
 * The canonical list (no spaces, the order given) goes into out (size at least AUTH_SCOPES_SIZE).
 * CORE_E_INVALID_VALUE naming what is wrong (never echoing the item). */
int auth_scopes_parse(const char *in, char *out, size_t size, core_error *err);

/* 1 when a canonical scope list allows permission (NULL scopes: no limit), else 0. */
int auth_scope_allows(const char *scopes, const char *permission);

/* ---- recovery codes ------------------------------------------------------------------------------------ */

/* Replace the user's recovery codes with a new set of AUTH_RECOVERY_CODES, printed form in codes (shown
 * once; only hashes are kept). Run it in the caller's transaction. */
int auth_recovery_codes_new(store *s, core_arena *a, int64_t user_id, time_t now,
                            char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE], core_error *err);

/* Normalise a code as typed (invariant 6) into out. 0, or -1 when it cannot be a recovery code. */
int auth_recovery_code_normalise(const char *in, char out[AUTH_RECOVERY_CODE_CHARS + 1]);

/* ---- browser sessions ---------------------------------------------------------------------------------- */

/* The CSRF token of a session token (invariant 7) into out. */
void auth_csrf_token(const char *token, char out[AUTH_CSRF_CHARS + 1]);
/* 1 when presented is the CSRF token of token (constant time), else 0 (also for NULL). */
int auth_csrf_valid(const char *token, const char *presented);

/* ---- TOTP ---------------------------------------------------------------------------------------------- */

/* A new random TOTP secret, base32 (32 characters for 20 bytes) into out[33]. */
void auth_totp_secret_new(char out[33]);
/* 1 when code is the TOTP of the base32 secret at now, within the window of invariant 9 (no memory of
 * used steps: auth_totp_check is what sign-in uses). */
int auth_totp_valid(const char *secret_base32, const char *code, time_t now);

typedef enum auth_totp_result {
    AUTH_TOTP_WRONG = 0, /* not the code of any step in the window (or not six digits) */
    AUTH_TOTP_OK = 1,    /* the code of a step in the window later than last_step: *step gets it */
    AUTH_TOTP_USED = 2,  /* the code of a step in the window, but not later than last_step (invariant 9) */
} auth_totp_result;

/* Check code against the base32 secret at now (the wall clock), within AUTH_TOTP_WINDOW_BACK steps behind
 * and AUTH_TOTP_WINDOW_AHEAD ahead, refusing any step not later than last_step (0: none used yet). *step
 * gets the matching step (0 when none). Compares in constant time. Records nothing: the caller claims the
 * step (auth_sign_in does, in its transaction). */
auth_totp_result auth_totp_check(const char *secret_base32, const char *code, time_t now, int64_t last_step,
                                 int64_t *step);
/* The 6-digit TOTP of secret at now into out[7] (for tests and enrolment checks). 0 or -1. */
int auth_totp_now(const char *secret_base32, time_t now, char out[7]);

/* ---- account changes (auth_admin.c): one step each, in the caller's open transaction ---- */

/* Disable (1) or enable (0) user id; disabling ends every session the user has (*revoked counts them). */
int auth_admin_set_disabled(store *s, core_arena *a, int64_t id, int disabled, int64_t by, int64_t *revoked,
                            core_error *err);
/* A new role (and team, agency when not 0); ends every session the user has. */
int auth_admin_set_role(store *s, core_arena *a, int64_t id, const char *role, int64_t team_id, int64_t agency_id,
                        int64_t by, int64_t *revoked, core_error *err);
/* A new password and, when totp_secret is not NULL, a new second factor with a fresh set of recovery codes
 * (into codes); clears the user's failed sign-ins and ends every session. */
int auth_admin_reset(store *s, core_arena *a, const char *username, int64_t id, const char *password,
                     const char *totp_secret, int64_t by, char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE],
                     int64_t *cleared, int64_t *revoked, core_error *err);

#endif
