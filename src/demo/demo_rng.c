/*
 * demo_rng.c — splitmix64-seeded xoshiro256** for reproducible demo data. See demo_rng.h for the contract.
 */
#include "demo/demo_rng.h"

#include <assert.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void demo_rng_init(demo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    assert((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

uint64_t demo_rng_next(demo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t demo_rng_below(demo_rng *r, uint64_t n)
{
    assert(n > 0);
    if (n == 0) return 0;
    /* Reject the low values that would make the modulo uneven: 2^64 mod n of them. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = demo_rng_next(r);
        if (x >= threshold) return x % n;
    }
}

int demo_rng_range(demo_rng *r, int lo, int hi)
{
    assert(lo <= hi);
    if (lo >= hi) return lo;
    uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1;
    return (int)((int64_t)lo + (int64_t)demo_rng_below(r, span));
}

double demo_rng_double(demo_rng *r)
{
    return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}

int demo_rng_chance(demo_rng *r, unsigned per_mille)
{
    uint64_t x = demo_rng_below(r, 1000);
    return x < per_mille;
}

size_t demo_rng_choose(demo_rng *r, const unsigned *weights, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        assert(total <= UINT64_MAX - weights[i]);
        total += weights[i];
    }
    assert(n > 0 && total > 0);
    if (n == 0 || total == 0) return 0;
    uint64_t pick = demo_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (pick < weights[i]) return i;
        pick -= weights[i];
    }
    return n - 1; /* unreachable: pick < total */
}

size_t demo_rng_choose_ranked(demo_rng *r, size_t n)
{
    assert(n > 0);
    if (n == 0) return 0;
    uint64_t total = (uint64_t)n * ((uint64_t)n + 1) / 2;
    uint64_t pick = demo_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        uint64_t w = n - i;
        if (pick < w) return i;
        pick -= w;
    }
    return n - 1; /* unreachable */
}

void demo_rng_shuffle(demo_rng *r, void *base, size_t n, size_t elem_size)
{
    unsigned char tmp[256];
    unsigned char *p = base;

    assert(elem_size <= sizeof tmp);
    if (n < 2 || elem_size == 0 || elem_size > sizeof tmp) return;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)demo_rng_below(r, (uint64_t)i + 1);
        if (j == i) continue;
        memcpy(tmp, p + i * elem_size, elem_size);
        memcpy(p + i * elem_size, p + j * elem_size, elem_size);
        memcpy(p + j * elem_size, tmp, elem_size);
    }
}
