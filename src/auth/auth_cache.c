/*
 * auth_cache.c — sessions remembered across requests under the session generation (contract in auth.h,
 * "the session cache"; migration 0030).
 *
 * A direct-mapped table keyed by BLAKE2b-256 of the token (what the database keeps, never the token): the
 * hash's first bytes pick the slot, and the slots are striped over LOCKS mutexes so handler threads rarely
 * wait for each other. An entry holds the whole hash, the generation it was read under, the session's
 * last-seen and expiry times and the principal, its strings in one heap block owned by the entry.
 */
#include "auth/auth_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { LOCKS = 64, MIN_SLOTS = 64 };

typedef struct entry {
    int used;
    unsigned char hash[AUTH_HASH_BYTES];
    int64_t generation;
    time_t seen, expires;
    auth_principal who; /* its strings point into text, or are NULL */
    char *text;         /* username, role, kind and scopes, each with its NUL (malloc'd) */
} entry;

struct auth_session_cache {
    unsigned mask;
    entry *slots;
    pthread_mutex_t locks[LOCKS];
    uint64_t hits, misses; /* atomic; for tests and benchmarks only */
};

auth_session_cache *auth_session_cache_new(unsigned slots)
{
    unsigned n = MIN_SLOTS;
    while (n < slots && n < (1u << 20))
        n <<= 1;
    auth_session_cache *c = core_xmalloc(sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->mask = n - 1;
    c->slots = core_xmalloc(sizeof(entry) * n);
    memset(c->slots, 0, sizeof(entry) * n);
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void auth_session_cache_free(auth_session_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    for (unsigned i = 0; i <= c->mask; i++)
        free(c->slots[i].text);
    free(c->slots);
    free(c);
}

void auth_session_cache_stats(auth_session_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
}

static uint32_t slot_of(const unsigned char hash[AUTH_HASH_BYTES])
{
    return (uint32_t)hash[0] | (uint32_t)hash[1] << 8 | (uint32_t)hash[2] << 16 | (uint32_t)hash[3] << 24;
}

/* A copy of s in a (NULL stays NULL). */
static const char *arena_copy(core_arena *a, const char *s)
{
    return s ? core_arena_strdup(a, s) : NULL;
}

int auth_session_cache_get(auth_session_cache *c, const unsigned char hash[AUTH_HASH_BYTES], int64_t generation,
                           time_t now, core_arena *a, auth_principal *who)
{
    uint32_t h = slot_of(hash);
    entry *e = &c->slots[h & c->mask];
    pthread_mutex_t *mu = &c->locks[h % LOCKS];
    pthread_mutex_lock(mu);
    /* Invariant 10: the same generation, before the expiry, and within a touch interval of the last-seen time
     * read (so the idle time-out cannot have ended it, and the uncached lookup would not move last_seen_at). */
    int hit = e->used && e->generation == generation && memcmp(e->hash, hash, AUTH_HASH_BYTES) == 0 &&
              now < e->expires && now - e->seen < AUTH_TOUCH_SECONDS;
    if (hit) {
        *who = e->who;
        who->username = arena_copy(a, e->who.username);
        who->role = arena_copy(a, e->who.role);
        who->kind = arena_copy(a, e->who.kind);
        who->scopes = arena_copy(a, e->who.scopes);
    }
    pthread_mutex_unlock(mu);
    __atomic_fetch_add(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

/* Append s (or nothing for NULL) to the block at *p, returning where it went. */
static const char *text_put(char **p, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*p, s, n);
    const char *at = *p;
    *p += n;
    return at;
}

void auth_session_cache_put(auth_session_cache *c, const unsigned char hash[AUTH_HASH_BYTES], int64_t generation,
                            time_t seen, time_t expires, const auth_principal *who)
{
    const char *parts[] = {who->username, who->role, who->kind, who->scopes};
    size_t len = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        len += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *text = core_xmalloc(len ? len : 1), *p = text;
    auth_principal w = *who;
    w.username = text_put(&p, who->username);
    w.role = text_put(&p, who->role);
    w.kind = text_put(&p, who->kind);
    w.scopes = text_put(&p, who->scopes);
    w.recovery_code_used = w.recovery_codes_left = w.totp_used = 0;

    uint32_t h = slot_of(hash);
    entry *e = &c->slots[h & c->mask];
    pthread_mutex_t *mu = &c->locks[h % LOCKS];
    pthread_mutex_lock(mu);
    char *old = e->text;
    e->used = 1;
    memcpy(e->hash, hash, AUTH_HASH_BYTES);
    e->generation = generation;
    e->seen = seen;
    e->expires = expires;
    e->who = w;
    e->text = text;
    pthread_mutex_unlock(mu);
    free(old);
}
