/*
 * model_user.h — people who sign in to Hearth, and the directory (agencies, teams) they belong to.
 *
 * Passwords are kept only as Argon2id hashes (libsodium crypto_pwhash_str, interactive limits); a
 * password is never logged or stored in clear. Roles are the codes of BRIEF section 1.
 */
#ifndef HEARTH_MODEL_USER_H
#define HEARTH_MODEL_USER_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

typedef struct model_user_new {
    const char *username;     /* 3..64 of [a-z0-9._-] */
    const char *display_name; /* defaults to username */
    const char *role;         /* front_door practitioner team_manager partner governance analyst admin */
    int64_t agency_id;        /* 0: none */
    int64_t team_id;          /* 0: none */
    const char *password;     /* at least 10 characters */
    const char *totp_secret;  /* base32, or NULL */
} model_user_new;

/* A user as the account commands see it. */
typedef struct model_user_info {
    int64_t id;
    const char *username;     /* arena strings */
    const char *role;
    int64_t team_id;          /* 0: none */
    int64_t agency_id;        /* 0: none */
    int disabled;
    int has_totp;             /* 1 when a second factor is enrolled */
    const char *display_name; /* the name colleagues see */
} model_user_info;

/* 1 when role is one of the seven role codes. */
int model_user_role_valid(const char *role);
/* Add a user; *id gets the new id. CORE_E_CONFLICT when the username is taken (or the team or agency does not
 * exist); CORE_E_INVALID_VALUE for a bad username or short password; CORE_E_INVALID_CODE for a role that is not
 * one of the seven. Runs in the caller's transaction if one is open. */
int model_user_add(store *s, core_arena *a, const model_user_new *u, int64_t *id, core_error *err);
/* Find a user by username. CORE_E_NOT_FOUND ("no user has that username") when there is none. */
int model_user_find(store *s, core_arena *a, const char *username, model_user_info *out, core_error *err);

/* A user by id. CORE_E_NOT_FOUND ("no user has that id") when there is none. */
int model_user_get(store *s, core_arena *a, int64_t id, model_user_info *out, core_error *err);

/* The users among ids (n distinct ids): *out an arena array of *nout (at most n); an id
 * with no user is left out. One statement per MODEL_USER_NAMED_BATCH ids, every id bound. */
enum { MODEL_USER_NAMED_BATCH = 16 };
int model_user_named(store *s, core_arena *a, const int64_t *ids, size_t n, model_user_info **out, size_t *nout,
                     core_error *err);

/* Every user, by display name: *out an arena array of *n. */
int model_user_list(store *s, core_arena *a, model_user_info **out, size_t *n, core_error *err);

/* The changes below set updated_at to now and updated_by to by (0: the system, e.g. the command line),
 * and add 1 to version. They run in the caller's transaction; the caller revokes sessions when the change
 * calls for it (auth_sessions_revoke_user). CORE_E_NOT_FOUND when no user has that id. */

/* Disable (1) or enable (0) a user. */
int model_user_set_disabled(store *s, core_arena *a, int64_t id, int disabled, int64_t by, core_error *err);
/* Set a new password (at least 10 characters: CORE_E_INVALID_VALUE otherwise) and, when totp_secret is not
 * NULL, a new TOTP secret (NULL keeps the one enrolled, if any). */
int model_user_set_password(store *s, core_arena *a, int64_t id, const char *password, const char *totp_secret,
                            int64_t by, core_error *err);
/* Change a user's role (CORE_E_INVALID_CODE when not one of the seven) and, when not 0, team and agency (0
 * keeps them). CORE_E_CONFLICT when the team or agency does not exist. */
int model_user_set_role(store *s, core_arena *a, int64_t id, const char *role, int64_t team_id, int64_t agency_id,
                        int64_t by, core_error *err);

/* Fill out with a random password of letters and digits (NUL-terminated, at most size-1 characters, 20 max). */
void model_user_random_password(char *out, size_t size);
/* Hash a password (Argon2id) into out (crypto_pwhash_STRBYTES). 0 or CORE_E_INTERNAL (out of memory). */
int model_user_hash_password(const char *password, char *out, size_t size, core_error *err);

#endif
