/*
 * access_cache.c — footings remembered across requests (contract in access_cache.h).
 *
 * A direct-mapped table: a key hashes to one slot; the slots are striped over LOCKS mutexes so handler
 * threads rarely wait for each other. An entry holds its key, the access generation it was found under and
 * the footing.
 */
#include "access/access_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_arena.h"

enum { LOCKS = 64, MIN_SLOTS = 64 };

typedef struct entry {
    int used;
    access_cache_key key;
    int64_t generation;
    access_footing footing;
} entry;

struct access_cache {
    unsigned mask;
    entry *slots;
    pthread_mutex_t locks[LOCKS];
    uint64_t hits, misses; /* atomic; for tests and benchmarks only */
};

access_cache *access_cache_new(unsigned slots)
{
    unsigned n = MIN_SLOTS;
    while (n < slots && n < (1u << 24))
        n <<= 1;
    access_cache *c = core_xmalloc(sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->mask = n - 1;
    c->slots = core_xmalloc(sizeof(entry) * n);
    memset(c->slots, 0, sizeof(entry) * n);
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void access_cache_free(access_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->slots);
    free(c);
}

static uint64_t key_hash(const access_cache_key *k)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the key's bytes (the caller zeroed its padding) */
    const unsigned char *p = (const unsigned char *)k;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

int access_cache_get(access_cache *c, const access_cache_key *k, int64_t generation, access_footing *out)
{
    uint64_t h = key_hash(k);
    entry *e = &c->slots[h & c->mask];
    pthread_mutex_t *mu = &c->locks[h % LOCKS];
    pthread_mutex_lock(mu);
    int hit = e->used && e->generation == generation && memcmp(&e->key, k, sizeof(*k)) == 0;
    if (hit)
        *out = e->footing;
    pthread_mutex_unlock(mu);
    __atomic_fetch_add(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

void access_cache_put(access_cache *c, const access_cache_key *k, int64_t generation, const access_footing *f)
{
    uint64_t h = key_hash(k);
    entry *e = &c->slots[h & c->mask];
    pthread_mutex_t *mu = &c->locks[h % LOCKS];
    pthread_mutex_lock(mu);
    e->used = 1;
    e->key = *k;
    e->generation = generation;
    e->footing = *f;
    pthread_mutex_unlock(mu);
}

void access_cache_stats(access_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
}
