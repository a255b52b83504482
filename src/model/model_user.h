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

/* 1 when role is one of the seven role codes. */
int model_user_role_valid(const char *role);
/* Add a user; *id gets the new id. CORE_E_CONFLICT when the username is taken (or the team or agency does not
 * exist); CORE_E_INVALID_VALUE for a bad username or short password; CORE_E_INVALID_CODE for a role that is not
 * one of the seven. Runs in the caller's transaction if one is open. */
int model_user_add(store *s, core_arena *a, const model_user_new *u, int64_t *id, core_error *err);
/* Fill out with a random password of letters and digits (NUL-terminated, at most size-1 characters, 20 max). */
void model_user_random_password(char *out, size_t size);
/* Hash a password (Argon2id) into out (crypto_pwhash_STRBYTES). 0 or CORE_E_INTERNAL (out of memory). */
int model_user_hash_password(const char *password, char *out, size_t size, core_error *err);

#endif
