/*
 * link_train.c — training without labels (steps 3 and 4 of link_run; the method in README.md, steps 3-4; what
 * the engine's files share in link_internal.h): u from random pairs, the (comparison vector, rule mask)
 * patterns the comparing threads count, m by EM one blocking rule at a time over those patterns, and the
 * prior. EM never reads the pairs, only the patterns and their counts.
 */
#include <math.h>
#include <stdlib.h>

#include "link/link_internal.h"

/* ---- comparison patterns, counted while comparing ---- */

/* A candidate's comparison vector and rule mask in one number: level c in bits 3c..3c+2, the mask from bit
 * 32. EM needs only how many candidates share each (vector, mask), so the comparing threads count these
 * instead of EM reading every pair again. */
_Static_assert(LINK_NCOMP * 3 <= 32 && LINK_MAX_LEVELS <= 8, "a comparison vector packs into 32 bits");

uint64_t link_pattern_pack(const uint8_t lv[LINK_NCOMP], link_rule_mask mask)
{
    uint64_t k = 0;
    for (int c = 0; c < LINK_NCOMP; c++)
        k |= (uint64_t)lv[c] << (3 * c);
    return k | (uint64_t)mask << 32;
}

static void pattern_unpack(uint64_t k, uint8_t lv[LINK_NCOMP])
{
    for (int c = 0; c < LINK_NCOMP; c++)
        lv[c] = (uint8_t)(k >> (3 * c) & 7);
}

void link_pattern_add(link_pattern_counts *pc, uint64_t key, uint64_t n)
{
    if (pc->failed) return;
    key |= 1ULL << 63;
    if ((pc->n + 1) * 2 > pc->cap) {
        link_pattern_counts old = *pc;
        size_t cap = old.cap ? old.cap * 2 : 4096;
        link_pattern_count *v = calloc(cap, sizeof(*v));
        if (!v) {
            pc->failed = 1;
            return;
        }
        pc->v = v;
        pc->cap = cap;
        pc->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i].key) link_pattern_add(pc, old.v[i].key, old.v[i].count);
        free(old.v);
    }
    size_t j = (size_t)(link_mix(key) & (pc->cap - 1));
    while (pc->v[j].key && pc->v[j].key != key)
        j = (j + 1) & (pc->cap - 1);
    if (!pc->v[j].key) {
        pc->v[j].key = key;
        pc->n++;
    }
    pc->v[j].count += n;
}

static int pattern_count_cmp(const void *x, const void *y)
{
    uint64_t a = ((const link_pattern_count *)x)->key, b = ((const link_pattern_count *)y)->key;
    return a < b ? -1 : a > b;
}

void link_pattern_merge(link_pattern_counts *dst, link_pattern_counts *src)
{
    for (size_t i = 0; i < src->cap; i++)
        if (src->v[i].key) link_pattern_add(dst, src->v[i].key, src->v[i].count);
    dst->failed |= src->failed;
    free(src->v);
    memset(src, 0, sizeof(*src));
}

void link_pattern_sort(link_pattern_counts *pc)
{
    size_t n = 0;
    for (size_t i = 0; pc->v && i < pc->cap; i++)
        if (pc->v[i].key) pc->v[n++] = pc->v[i];
    if (n) qsort(pc->v, n, sizeof(*pc->v), pattern_count_cmp);
    pc->n = n;
}

/* ---- u from random pairs ---- */

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    return link_mix(*s);
}

int link_estimate_u(const link_prepared *pp, const link_dataset *a, const link_dataset *b,
                    const link_options *o, link_model *m, core_error *err)
{
    size_t na = a->n, nb = b ? b->n : a->n;
    double possible = b ? (double)na * (double)nb : (double)na * (double)(na - 1) / 2;
    size_t want = o->random_pairs ? o->random_pairs : 1000000;
    if ((double)want > possible) want = (size_t)possible;
    link_pair *s = link_alloc((want + 1) * sizeof(*s), "random pairs", err);
    if (!s) return err->code;
    uint64_t seed = 0x4865617274685531ULL; /* fixed: the same data gives the same model */
    size_t n = 0;
    while (n < want) {
        uint32_t l = (uint32_t)(rng_next(&seed) % na), r = (uint32_t)(rng_next(&seed) % nb);
        if (!b && l == r) continue;
        s[n].left = l;
        s[n].right = r;
        n++;
    }
    int rc = link_compare_pairs(pp, o, s, n, NULL, err);
    if (rc) {
        free(s);
        return rc;
    }
    double count[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, present[LINK_NCOMP] = {0};
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < LINK_NCOMP; c++)
            if (s[i].level[c]) {
                count[c][s[i].level[c]]++;
                present[c]++;
            }
    free(s);
    for (int c = 0; c < LINK_NCOMP; c++) {
        int L = link_level_count(c);
        for (int l = 1; l < L; l++) /* smoothed: a level never seen at random is rare, not impossible */
            m->u[c][l] = (count[c][l] + 0.5) / (present[c] + 0.5 * (L - 1));
        m->u[c][0] = 1;
    }
    return 0;
}

/* ---- m by EM, one blocking rule at a time ---- */

typedef struct pattern {
    uint8_t level[LINK_NCOMP];
    double count;
} pattern;

typedef struct pattern_set {
    uint64_t *keys;
    pattern *pats;
    size_t cap, n;
    int failed; /* out of memory: counts were lost */
} pattern_set;

static uint64_t pattern_hash(const uint8_t lv[LINK_NCOMP])
{
    return link_mix(link_hash_bytes(LINK_FNV_BASIS, lv, LINK_NCOMP)) | 1;
}

/* Count the comparison vector lv n times. */
static void pattern_add(pattern_set *ps, const uint8_t lv[LINK_NCOMP], double n)
{
    if (ps->failed) return;
    if (ps->n * 2 >= ps->cap) { /* grow and rehash */
        size_t ocap = ps->cap;
        uint64_t *okeys = ps->keys, *keys = calloc(ocap ? ocap * 2 : 1024, sizeof(*ps->keys));
        pattern *opats = ps->pats, *pats = calloc(ocap ? ocap * 2 : 1024, sizeof(*ps->pats));
        if (!keys || !pats) {
            free(keys);
            free(pats);
            ps->failed = 1;
            return;
        }
        ps->cap = ocap ? ocap * 2 : 1024;
        ps->keys = keys;
        ps->pats = pats;
        for (size_t i = 0; i < ocap; i++) {
            if (!okeys[i]) continue;
            size_t j = okeys[i] & (ps->cap - 1);
            while (ps->keys[j])
                j = (j + 1) & (ps->cap - 1);
            ps->keys[j] = okeys[i];
            ps->pats[j] = opats[i];
        }
        free(okeys);
        free(opats);
    }
    uint64_t h = pattern_hash(lv);
    size_t j = h & (ps->cap - 1);
    while (ps->keys[j] && (ps->keys[j] != h || memcmp(ps->pats[j].level, lv, LINK_NCOMP) != 0))
        j = (j + 1) & (ps->cap - 1);
    if (!ps->keys[j]) {
        ps->keys[j] = h;
        memcpy(ps->pats[j].level, lv, LINK_NCOMP);
        ps->n++;
    }
    ps->pats[j].count += n;
}

static void pattern_free(pattern_set *ps)
{
    free(ps->keys);
    free(ps->pats);
}

/* P(match) of a comparison vector under lambda, m and u. */
static double posterior(const link_model *m, double lambda, const uint8_t lv[LINK_NCOMP])
{
    double lr = 1;
    for (int c = 0; c < LINK_NCOMP; c++)
        if (lv[c]) lr *= m->m[c][lv[c]] / m->u[c][lv[c]];
    double odds = lambda / (1 - lambda) * lr;
    return isinf(odds) ? 1 : odds / (1 + odds);
}

/* EM with u fixed over the vectors of ps: m of the comparisons present, and the share of matches. Into
 * est (m) and *lambda; *iterations the rounds run. */
static void em(const pattern_set *ps, const link_model *u, link_model *est, double *lambda, int *iterations)
{
    for (int c = 0; c < LINK_NCOMP; c++) { /* start: matches agree, most of them exactly */
        int L = link_level_count(c);
        double rest = 0.1 / (L - 2 > 0 ? L - 2 : 1);
        est->m[c][0] = 1;
        est->m[c][1] = 0.9;
        for (int l = 2; l < L; l++)
            est->m[c][l] = rest;
        memcpy(est->u[c], u->u[c], sizeof(est->u[c]));
    }
    double total = 0;
    for (size_t j = 0; j < ps->cap; j++)
        if (ps->keys[j]) total += ps->pats[j].count;
    *lambda = 0.1;
    int it;
    for (it = 0; it < 200 && total > 0; it++) {
        double sm[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, sw = 0;
        for (size_t j = 0; j < ps->cap; j++) {
            if (!ps->keys[j]) continue;
            double cw = posterior(est, *lambda, ps->pats[j].level) * ps->pats[j].count;
            sw += cw;
            for (int c = 0; c < LINK_NCOMP; c++)
                sm[c][ps->pats[j].level[c]] += cw;
        }
        double l = sw / total, change = fabs(l - *lambda);
        *lambda = l < 1e-9 ? 1e-9 : l > 1 - 1e-9 ? 1 - 1e-9 : l;
        for (int c = 0; c < LINK_NCOMP; c++) {
            int L = link_level_count(c);
            double present = 0;
            for (int k = 1; k < L; k++)
                present += sm[c][k];
            if (present <= 0) continue;
            for (int k = 1; k < L; k++) {
                double v = (sm[c][k] + 1e-3) / (present + 1e-3 * (L - 1));
                change = fmax(change, fabs(v - est->m[c][k]));
                est->m[c][k] = v;
            }
        }
        if (change < 1e-7) break;
    }
    *iterations = it;
}

/* m for every comparison: for each blocking rule, EM over the candidates that rule found with the rule's own
 * comparisons left out; each comparison's m is the mean over the rules that could estimate it, weighted by
 * the matches each rule's EM found. Then the prior (the chance that two records drawn at random are the same
 * person) from the candidates: lambda = (expected matches among them) / (all possible pairs), solved as a
 * fixed point, the pairs no rule found counting as non-matches. The candidates come as the counts of their
 * (comparison vector, rule mask) patterns, in ascending order (link_pattern_sort). */
int link_estimate_m(const link_options *o, const link_pattern_counts *pc, double possible, link_model *m,
                    core_error *err)
{
    int failed = 0;
    double msum[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, wsum[LINK_NCOMP] = {0};
    int iterations = 0;
    for (int r = 0; r < LINK_NRULES; r++) {
        if (!link_rules[r].trains || (!o->use_ids && (link_rules[r].uses & 1u << LINK_C_ID))) continue;
        pattern_set ps = {0};
        for (size_t i = 0; i < pc->n; i++) {
            if (!(pc->v[i].key >> 32 & 1u << r)) continue;
            uint8_t lv[LINK_NCOMP];
            pattern_unpack(pc->v[i].key, lv);
            for (int c = 0; c < LINK_NCOMP; c++)
                if (link_rules[r].uses & 1u << c) lv[c] = 0;
            pattern_add(&ps, lv, (double)pc->v[i].count);
        }
        failed |= ps.failed;
        if (ps.n && !ps.failed) {
            link_model est;
            double lambda, total = 0;
            int it;
            em(&ps, m, &est, &lambda, &it);
            iterations += it;
            for (size_t j = 0; j < ps.cap; j++)
                if (ps.keys[j]) total += ps.pats[j].count;
            double matches = lambda * total;
            for (int c = 0; c < LINK_NCOMP; c++) {
                if (link_rules[r].uses & 1u << c) continue;
                for (int k = 1; k < link_level_count(c); k++)
                    msum[c][k] += matches * est.m[c][k];
                wsum[c] += matches;
            }
        }
        pattern_free(&ps);
    }
    for (int c = 0; c < LINK_NCOMP; c++) {
        int L = link_level_count(c);
        m->m[c][0] = 1;
        for (int k = 1; k < L; k++) /* never estimated (no data): a neutral guess */
            m->m[c][k] = wsum[c] > 0 ? msum[c][k] / wsum[c] : (k == 1 ? 0.9 : 0.1 / (L - 2 > 0 ? L - 2 : 1));
    }
    /* the prior, over all possible pairs */
    pattern_set all = {0};
    double n = 0;
    for (size_t i = 0; i < pc->n; i++) {
        uint8_t lv[LINK_NCOMP];
        pattern_unpack(pc->v[i].key, lv);
        pattern_add(&all, lv, (double)pc->v[i].count);
        n += (double)pc->v[i].count;
    }
    if (failed || all.failed) {
        pattern_free(&all);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for the comparison patterns");
    }
    double lambda = n > 0 && possible > 0 ? 0.1 * n / possible : 1e-6;
    for (int it = 0; it < 200; it++) {
        double expected = 0;
        for (size_t j = 0; j < all.cap; j++)
            if (all.keys[j]) expected += posterior(m, lambda, all.pats[j].level) * all.pats[j].count;
        double next = expected / possible;
        next = next < 1e-12 ? 1e-12 : next > 0.5 ? 0.5 : next;
        if (fabs(next - lambda) < lambda * 1e-6) {
            lambda = next;
            break;
        }
        lambda = next;
    }
    pattern_free(&all);
    m->lambda = lambda;
    m->iterations = iterations;
    return 0;
}
