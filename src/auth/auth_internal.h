/*
 * auth_internal.h — what auth.c and auth_cache.c share; not for callers outside src/auth/.
 */
#ifndef HEARTH_AUTH_INTERNAL_H
#define HEARTH_AUTH_INTERNAL_H

#include "auth/auth.h"

#define AUTH_HASH_BYTES 32 /* BLAKE2b-256 of a token: what the session table keeps (in hex) */

/* 1 and *who filled (strings copied into a) when the session of hash is remembered under generation, before
 * its expiry and less than AUTH_TOUCH_SECONDS after the last-seen time it was remembered with; else 0. */
int auth_session_cache_get(auth_session_cache *c, const unsigned char hash[AUTH_HASH_BYTES], int64_t generation,
                           time_t now, core_arena *a, auth_principal *who);

/* Remember a live session read under generation: its last-seen time (after any touch), expiry and
 * principal (copied), replacing what its slot held. Aborts on out of memory. */
void auth_session_cache_put(auth_session_cache *c, const unsigned char hash[AUTH_HASH_BYTES], int64_t generation,
                            time_t seen, time_t expires, const auth_principal *who);

#endif
