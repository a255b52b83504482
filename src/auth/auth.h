/*
 * auth.h — sign-in and sessions: who is making this request?
 *
 * What it is for: checking a username, password (Argon2id hash, libsodium) and, when the user has one
 * enrolled, a time-based one-time code (TOTP, RFC 6238, liboath); issuing a session token; resolving a
 * presented token to a principal; signing out. What it is not for: deciding what the principal may see
 * (access/) or recording the attempt (audit/: callers record sign-ins and failures).
 *
 * Invariants
 *   1. A token is 32 random bytes (randombytes_buf) written as 43 characters of unpadded base64url. Only
 *      BLAKE2b-256 of the token is stored; the token itself exists only in the sign-in answer.
 *   2. A session is valid while not revoked, before expires_at (absolute time-out) and within idle_seconds of
 *      its last use (idle time-out). A successful lookup moves last_seen_at when it is AUTH_TOUCH_SECONDS
 *      or more behind.
 *   3. A failed sign-in says only "username, password or code not accepted": never which part was wrong.
 *   4. Password checks take the same Argon2id time whether or not the username exists.
 *   5. Every failed sign-in is recorded (sign_in_failure). With AUTH_LOCK_USER_FAILURES failures for a username,
 *      or AUTH_LOCK_ADDRESS_FAILURES from an address, in the last AUTH_LOCK_WINDOW_SECONDS, sign-in is refused
 *      (CORE_E_FORBIDDEN, "too many failed sign-ins") even with the right credentials, until the window has
 *      passed. The caller must commit after a failure too, or the failure is not kept.
 */
#ifndef HEARTH_AUTH_H
#define HEARTH_AUTH_H

#include <stdint.h>
#include <time.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

#define AUTH_TOKEN_CHARS 43
#define AUTH_IDLE_SECONDS_DEFAULT (30 * 60)
#define AUTH_ABSOLUTE_SECONDS_DEFAULT (10 * 60 * 60)
#define AUTH_TOUCH_SECONDS 60 /* last_seen_at moves at most this often */
#define AUTH_LOCK_WINDOW_SECONDS (15 * 60)  /* failures counted over this window ... */
#define AUTH_LOCK_USER_FAILURES 5          /* ... lock the account at this many */
#define AUTH_LOCK_ADDRESS_FAILURES 20      /* ... and refuse the address at this many */

typedef struct auth_principal {
    int64_t user_id;       /* 0: nobody */
    int64_t session_id;
    const char *username;  /* arena strings */
    const char *role;
    int64_t team_id;       /* 0: none */
    int64_t agency_id;     /* 0: none */
} auth_principal;

typedef struct auth_sign_in_req {
    const char *username;
    const char *password;
    const char *totp;      /* may be NULL when the user has no second factor */
    const char *kind;      /* "browser" or "api" */
    const char *client_address;
    time_t now;            /* 0: the current time */
} auth_sign_in_req;

/* Check the credentials and open a session. On success token (AUTH_TOKEN_CHARS + 1 bytes) receives the
 * token and *who the principal. CORE_E_UNAUTHENTICATED for any wrong or disabled credential (recorded);
 * CORE_E_FORBIDDEN when the account or address is locked out (invariant 5). */
int auth_sign_in(store *s, core_arena *a, const auth_sign_in_req *req, char token[AUTH_TOKEN_CHARS + 1],
                 auth_principal *who, core_error *err);

/* Resolve a token to its principal, moving last_seen_at. CORE_E_UNAUTHENTICATED when unknown, revoked,
 * expired or idle too long (the message does not say which). now 0: the current time. */
int auth_session_lookup(store *s, core_arena *a, const char *token, time_t now, auth_principal *who,
                        core_error *err);

/* Revoke the session of a token (sign-out). Revoking an unknown or revoked token is not an error. */
int auth_sign_out(store *s, core_arena *a, const char *token, core_error *err);

/* A new random TOTP secret, base32 (32 characters for 20 bytes) into out[33]. */
void auth_totp_secret_new(char out[33]);
/* 1 when code is the TOTP of the base32 secret at now, allowing one step either side for clock drift. */
int auth_totp_valid(const char *secret_base32, const char *code, time_t now);
/* The 6-digit TOTP of secret at now into out[7] (for tests and enrolment checks). 0 or -1. */
int auth_totp_now(const char *secret_base32, time_t now, char out[7]);

#endif
