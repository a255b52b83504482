/*
 * demo_rng.h — the deterministic pseudo-random number generator behind Hearth's synthetic demo data.
 *
 * What it is for: generating demo and test datasets (people, addresses, identifiers) that are the same on
 * every machine for the same seed, so a bug report can say "seed 42, person 317" and be reproduced.
 * What it is not for: anything secret. It is not cryptographic; never use it for tokens, salts, session ids
 * or passwords (core has a CSPRNG wrapper for those).
 *
 * Algorithm: the seed is expanded by splitmix64 into the 256-bit state of xoshiro256** (Blackman and Vigna,
 * public domain reference algorithms, re-implemented here). Every operation below uses only fixed-width
 * unsigned integer arithmetic, and the one floating-point result is built from exactly 53 bits, so the
 * sequence does not depend on compiler, word size, endianness or libc.
 *
 * Invariants:
 *   1. The state is never all zero (splitmix64 cannot produce four zero words from any seed; asserted).
 *   2. Each call consumes a documented number of outputs only where stated; callers must not rely on how many
 *      raw outputs a bounded draw consumes (rejection sampling may take more than one).
 *   3. A demo_rng is a plain value: copying it forks the stream, and it owns no memory.
 */
#ifndef HEARTH_DEMO_RNG_H
#define HEARTH_DEMO_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct demo_rng {
    uint64_t s[4];
} demo_rng;

/* Seed r from a 64-bit seed. Any seed, including 0, is fine. Never fails. */
void demo_rng_init(demo_rng *r, uint64_t seed);

/* The next raw 64-bit output. */
uint64_t demo_rng_next(demo_rng *r);

/* A uniform integer in [0, n) without modulo bias. n must be > 0 (asserted); returns 0 if n == 0 in NDEBUG.
 */
uint64_t demo_rng_below(demo_rng *r, uint64_t n);

/* A uniform integer in [lo, hi], both inclusive. Requires lo <= hi (asserted); returns lo otherwise. */
int demo_rng_range(demo_rng *r, int lo, int hi);

/* A uniform double in [0, 1) with 53 bits of precision. */
double demo_rng_double(demo_rng *r);

/* 1 with probability per_mille / 1000, else 0. Integer-only, so reproducible everywhere. per_mille >= 1000
 * always returns 1 (and still consumes one draw, so the stream stays aligned). */
int demo_rng_chance(demo_rng *r, unsigned per_mille);

/* Weighted choice: returns an index i in [0, n) with probability weights[i] / sum(weights).
 * Requires n > 0 and a non-zero sum that fits in 64 bits (asserted); returns 0 otherwise. */
size_t demo_rng_choose(demo_rng *r, const unsigned *weights, size_t n);

/* Ranked choice over a table sorted most-common first: index i has weight (n - i), so the first entry is n
 * times as likely as the last. Requires n > 0 (asserted); returns 0 otherwise. */
size_t demo_rng_choose_ranked(demo_rng *r, size_t n);

/* Fisher–Yates shuffle of n elements of elem_size bytes at base, in place. elem_size must be <= 256
 * (asserted; larger elements are left unshuffled). Does nothing for n < 2. */
void demo_rng_shuffle(demo_rng *r, void *base, size_t n, size_t elem_size);

#endif
