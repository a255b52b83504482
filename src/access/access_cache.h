/*
 * access_cache.h — footings remembered across requests, and forgotten the moment anything they rest on
 * changes.
 *
 * What it is for: a person or family read decides the principal's footing by walking the record to its
 * families and their episodes (five to seven queries). The answer changes only when one of the rows it
 * rests on changes, or when the day changes (closed-case and triage grace limits count days). So a server
 * keeps each footing it finds here, keyed by who asked (user, role, team, agency), what it was for (a
 * person or a family, and its id) and the day, and tagged with the database's access generation.
 * What it is not for: deciding anything (access.c does, exactly as without a cache), or remembering a
 * footing that rests on a grant (break glass, a duty: they lapse by the hour, and are few).
 *
 * The access generation (migration 0027) is one integer in the main database that triggers bump in the
 * same transaction as every insert, update or delete of a row a footing rests on: episode, episode_member,
 * contact, contact_child, family_member, access_grant, setting; and a family's or person's change of recorder
 * or deletion (a new one has nothing remembered yet, so its insert need not count). A decision reads it first
 * (one primary-key lookup) and uses a cached footing only if it was found under the same generation and on
 * the same day; so a change made by this server, another server on the same database or a CLI command is
 * seen by the very next decision, and a revoked footing is refused at once.
 *
 * Invariants
 *   1. A hit returns exactly what the uncached decision gave under that generation and day; anything else
 *      is a miss, and a miss decides afresh.
 *   2. The generation is read before the rows a footing is found from, so a change committed in between
 *      can only make the entry stale under an older generation, which no later decision matches.
 *   3. Thread-safe: entries are striped over mutexes; a server's handler threads share one cache.
 *   4. Bounded: a fixed number of slots, each key in one slot (a newer footing replaces an older one).
 */
#ifndef HEARTH_ACCESS_CACHE_H
#define HEARTH_ACCESS_CACHE_H

#include <stdint.h>

#include "access/access.h"

typedef struct access_cache access_cache;

/* What a cached footing is for: the principal, the anchor and the day. Fill every field (memset first). */
typedef struct access_cache_key {
    int64_t user_id, team_id, agency_id, id;
    int32_t role;   /* access_role */
    int32_t anchor; /* 1: a family, 2: a person */
    char today[12]; /* 'YYYY-MM-DD' */
} access_cache_key;

/* A cache of at most slots footings (rounded up to a power of two, at least 64). Aborts on out of memory. */
access_cache *access_cache_new(unsigned slots);
/* Give it back; c may be NULL. No other thread may use it any more. */
void access_cache_free(access_cache *c);

/* 1 and *out filled when k is cached under generation; 0 otherwise. */
int access_cache_get(access_cache *c, const access_cache_key *k, int64_t generation, access_footing *out);
/* Remember f for k under generation (replacing what the slot held). */
void access_cache_put(access_cache *c, const access_cache_key *k, int64_t generation, const access_footing *f);

/* Counters for tests and benchmarks: hits and misses since the cache was made. */
void access_cache_stats(access_cache *c, uint64_t *hits, uint64_t *misses);

#endif
