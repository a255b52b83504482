/*
 * link_engine.c — comparison levels, the comparing and scoring threads, weights, the decision and
 * explanations, and link_run(), which puts the engine's parts together (contract in link.h; the method and
 * its sources in README.md; the parts and what they share in link_internal.h).
 *
 * Reading guide, in the order link_run() does it:
 *   1. blocking (link_rules.c, link_block.c): each rule gives every record a key; records sharing a key form
 *      a block and every pair in a block (dedupe) or across the two datasets (pair) is a candidate, kept once
 *      with the mask of all the rules that offer it.
 *   2. comparison (link_prep.c, compared in threads here): every record is prepared once (its values as
 *      numbers, with bounds' inputs), then each candidate pair gets a level per comparison (levels below)
 * from the two preps, exactly as link_compare_records() would give it, which stays the reference; the threads
 * also count how many candidates share each (comparison vector, rule mask) pattern.
 *   3. u from random pairs (link_train.c): the level frequencies among pairs drawn at random, which are
 * almost all non-matches.
 *   4. m and lambda by EM over those patterns and their counts (link_train.c), per blocking rule that blocks
 * on the person: EM never reads the pairs.
 *   5. scoring (here): weight = log2(lambda / (1 - lambda)) + the sum of log2(m / u) over the comparisons
 * with a value; for an exact given or family name, u is the name's own frequency (term-frequency adjustment),
 *      so "Smith" = "Smith" counts for less than "Kowalczyk" = "Kowalczyk" (each name's weight computed
 * once). Done in threads, from the levels kept in step 2.
 *   6. decision: link when the posterior probability is at least 0.5 (the Bayes decision under the fitted
 *      model), review down to review_probability, no below.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/core_date.h"
#include "link/link_internal.h"
#include "link/link_match.h"

/* ---- comparisons and their levels ---- */

static const struct comparison {
    const char *name;
    int nlevels;
    const char *levels[LINK_MAX_LEVELS];
} comparisons[LINK_NCOMP] = {
    [LINK_C_GIVEN] = {"given_name", 6, {"missing", "exact", "nickname", "similar", "alike", "different"}},
    [LINK_C_FAMILY] = {"family_name", 5, {"missing", "exact", "similar", "alike", "different"}},
    [LINK_C_DOB] = {"date_of_birth",
                    6,
                    {"missing", "exact", "day and month swapped", "one digit", "two digits", "different"}},
    [LINK_C_SEX] = {"sex", 3, {"missing", "same", "different"}},
    [LINK_C_POSTCODE] = {"postcode", 5, {"missing", "exact", "sector", "district", "different"}},
    [LINK_C_ADDRESS] = {"address", 5, {"missing", "exact", "most words", "some words", "different"}},
    [LINK_C_TOWN] = {"town", 4, {"missing", "exact", "similar", "different"}},
    [LINK_C_ID] = {"identifier", 4, {"missing", "exact", "one character", "different"}},
    [LINK_C_EMAIL] = {"email", 3, {"missing", "exact", "different"}},
};

const char *link_comparison_name(int c)
{
    return c >= 0 && c < LINK_NCOMP ? comparisons[c].name : "";
}

const char *link_level_name(int c, int level)
{
    return c >= 0 && c < LINK_NCOMP && level >= 0 && level < comparisons[c].nlevels
               ? comparisons[c].levels[level]
               : "";
}

int link_level_count(int c)
{
    return c >= 0 && c < LINK_NCOMP ? comparisons[c].nlevels : 0;
}

/* An upper bound of link_jaro_winkler(a, b), cheap (one pass over each string): Jaro's matches are at most
 * the bytes the two share counted with multiplicity wherever they stand, transpositions only lower it, and
 * the prefix boost (only above 0.7) adds at most 0.4 of what is left. Lets a comparison that needs "at least
 * 0.80" skip the quadratic Jaro for strings that cannot reach it: most candidate pairs are non-matches. */
static double jw_bound(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == 0 || lb == 0) return la == lb ? 1.0 : 0.0;
    if (la > 256 || lb > 256) /* past link_jaro_winkler's cap the bound is not worth keeping tight */
        return 1.0;
    /* Bytes are counted in 64 buckets, (byte - 0x20) mod 64: lower-case letters, digits and the space each
     * have their own; two bytes sharing a bucket only loosen the bound, never break it. */
    uint8_t count[64] = {0};
    size_t m = 0;
    for (size_t i = 0; i < la; i++)
        count[((unsigned char)a[i] - 0x20u) & 63u]++;
    for (size_t i = 0; i < lb; i++) {
        unsigned c = ((unsigned char)b[i] - 0x20u) & 63u;
        if (count[c]) {
            count[c]--;
            m++;
        }
    }
    double j = ((double)m / (double)la + (double)m / (double)lb + (m ? 1.0 : 0.0)) / 3.0;
    return j > 0.7 ? j + 0.4 * (1.0 - j) : j;
}

double link_jw_from(const char *a, size_t la, const char *b, size_t lb, double floor)
{
    return jw_bound(a, la, b, lb) < floor ? 0.0 : link_jaro_winkler(a, la, b, lb);
}

double link_jw(const char *a, const char *b, double floor)
{
    return link_jw_from(a, strlen(a), b, strlen(b), floor);
}

static int level_given(const char *a, const char *an, const char *ap, const char *b, const char *bn,
                       const char *bp)
{
    size_t la = link_first_token_len(a), lb = link_first_token_len(b);
    if (strcmp(a, b) == 0 || (la == lb && memcmp(a, b, la) == 0)) return LINK_GIVEN_EXACT;
    if (an && bn && strcmp(an, bn) == 0) return LINK_GIVEN_NICKNAME;
    double s = link_jw_from(a, la, b, lb, 0.80);
    if (s >= 0.92) return LINK_GIVEN_SIMILAR;
    if (s >= 0.80 || (ap[0] && strcmp(ap, bp) == 0)) return LINK_GIVEN_ALIKE;
    return LINK_GIVEN_DIFFERENT;
}

static int level_family(const char *a, const char *ap, const char *b, const char *bp)
{
    if (strcmp(a, b) == 0) return LINK_FAMILY_EXACT;
    double s = link_jw(a, b, 0.80);
    if (s >= 0.92 || ((strchr(a, ' ') || strchr(b, ' ')) && link_token_overlap(a, b) >= 1.0))
        return LINK_FAMILY_SIMILAR;
    if (s >= 0.80 || (ap[0] && strcmp(ap, bp) == 0)) return LINK_FAMILY_ALIKE;
    return LINK_FAMILY_DIFFERENT;
}

/* The level of two different dates given as year, month and day (years 1..9999). */
static int level_dob_parts(int ay, int am, int ad, int by, int bm, int bd)
{
    if (ay == by && am == bd && ad == bm) return LINK_DOB_SWAPPED;
    char sa[8], sb[8]; /* YYYYMMDD */
    int va[3] = {ay, am, ad}, vb[3] = {by, bm, bd}, width[3] = {4, 2, 2};
    for (int f = 0, at = 0; f < 3; at += width[f], f++)
        for (int k = width[f] - 1, x = va[f], y = vb[f]; k >= 0; k--, x /= 10, y /= 10) {
            sa[at + k] = (char)('0' + x % 10);
            sb[at + k] = (char)('0' + y % 10);
        }
    int d = link_damerau(sa, sizeof(sa), sb, sizeof(sb), 2);
    return d <= 1 ? LINK_DOB_ONE_DIGIT : d == 2 ? LINK_DOB_TWO_DIGITS : LINK_DOB_DIFFERENT;
}

/* The level of two dates of birth given as link_dob_key()s (YYYYMMDD, dates or not). */
static int level_dob(int32_t a, int32_t b)
{
    if (a == b) return LINK_DOB_EXACT;
    return level_dob_parts(a / 10000, a / 100 % 100, a % 100, b / 10000, b / 100 % 100, b % 100);
}

int link_postcode_level(const link_record *a, const link_record *b)
{
    if (strcmp(a->postcode, b->postcode) == 0) return LINK_POSTCODE_EXACT;
    if (a->sector && b->sector) {
        if (strcmp(a->sector, b->sector) == 0) return LINK_POSTCODE_SECTOR;
        if (a->district && b->district && strcmp(a->district, b->district) == 0)
            return LINK_POSTCODE_DISTRICT;
        return LINK_POSTCODE_DIFFERENT;
    }
    /* not UK-shaped: one character apart counts as "sector" */
    return link_damerau(a->postcode, strlen(a->postcode), b->postcode, strlen(b->postcode), 1) <= 1
               ? LINK_POSTCODE_SECTOR
               : LINK_POSTCODE_DIFFERENT;
}

static int level_address(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return LINK_ADDRESS_EXACT;
    double o = link_token_overlap(a, b);
    if (o >= 0.75 || link_jw(a, b, 0.92) >= 0.92) return LINK_ADDRESS_MOST;
    if (o >= 0.5) return LINK_ADDRESS_SOME;
    return LINK_ADDRESS_DIFFERENT;
}

static int level_ids(const link_record *a, const link_record *b)
{
    const char *pa[] = {a->nhs_number, a->nino, a->upn}, *pb[] = {b->nhs_number, b->nino, b->upn};
    int any = 0, near = 0;
    for (int i = 0; i < 3; i++) {
        if (!pa[i] || !pb[i]) continue;
        any = 1;
        if (strcmp(pa[i], pb[i]) == 0) return LINK_ID_EXACT;
        if (link_damerau(pa[i], strlen(pa[i]), pb[i], strlen(pb[i]), 1) <= 1) near = 1;
    }
    return !any ? LINK_MISSING : near ? LINK_ID_ONE_CHARACTER : LINK_ID_DIFFERENT;
}

/* How a first given token (g, its phonetic code gp) agrees with a family name (f, fp), for names written the
 * other way round (link_internal.h): LINK_CROSS_CLOSE from Jaro-Winkler 0.92 (equal included),
 * LINK_CROSS_ALIKE from 0.80 or the same phonetic code, else 0. */
static int cross_class(const char *g, const char *gp, const char *f, const char *fp)
{
    double s = link_jw_from(g, link_first_token_len(g), f, strlen(f), 0.80);
    if (s >= 0.92) return LINK_CROSS_CLOSE;
    return s >= 0.80 || (gp[0] && strcmp(gp, fp) == 0) ? LINK_CROSS_ALIKE : 0;
}

void link_compare_records(const link_record *a, const link_record *b, int use_ids, uint8_t lv[LINK_NCOMP])
{
    memset(lv, 0, LINK_NCOMP);
    int swapped = a->given && a->family && b->given && b->family && strcmp(a->given, b->family) == 0 &&
                  strcmp(a->family, b->given) == 0;
    if (swapped) { /* given and family names written the other way round: good evidence, not exact */
        lv[LINK_C_GIVEN] = LINK_GIVEN_SIMILAR;
        lv[LINK_C_FAMILY] = LINK_FAMILY_SIMILAR;
    } else {
        if (a->given && b->given)
            lv[LINK_C_GIVEN] = (uint8_t)level_given(a->given, a->given_nick, a->given_phon, b->given,
                                                    b->given_nick, b->given_phon);
        if (a->family && b->family)
            lv[LINK_C_FAMILY] = (uint8_t)level_family(a->family, a->family_phon, b->family, b->family_phon);
        if (link_names_may_cross(lv))
            link_names_crossed(lv, cross_class(a->given, a->given_phon, b->family, b->family_phon),
                               cross_class(b->given, b->given_phon, a->family, a->family_phon));
    }
    int32_t ka = link_dob_key(a), kb = link_dob_key(b);
    if (ka && kb)
        lv[LINK_C_DOB] =
            (uint8_t)link_dob_level_kept(level_dob(ka, kb), a->dob != LINK_NO_DATE && b->dob != LINK_NO_DATE);
    if (a->sex && b->sex) lv[LINK_C_SEX] = a->sex == b->sex ? LINK_SEX_SAME : LINK_SEX_DIFFERENT;
    if (a->postcode && b->postcode) lv[LINK_C_POSTCODE] = (uint8_t)link_postcode_level(a, b);
    if (a->address && b->address) lv[LINK_C_ADDRESS] = (uint8_t)level_address(a->address, b->address);
    if (a->town && b->town)
        lv[LINK_C_TOWN] = strcmp(a->town, b->town) == 0           ? LINK_TOWN_EXACT
                          : link_jw(a->town, b->town, 0.9) >= 0.9 ? LINK_TOWN_SIMILAR
                                                                  : LINK_TOWN_DIFFERENT;
    link_household_rule(lv);
    if (use_ids) lv[LINK_C_ID] = (uint8_t)level_ids(a, b);
    if (a->email && b->email)
        lv[LINK_C_EMAIL] = strcmp(a->email, b->email) == 0 ? LINK_EMAIL_EXACT : LINK_EMAIL_DIFFERENT;
}

/* ---- threads ---- */

int link_thread_count(const link_options *o)
{
    if (o->threads > 0) return o->threads > LINK_MAX_THREADS ? LINK_MAX_THREADS : o->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > LINK_MAX_THREADS ? LINK_MAX_THREADS : (int)n;
}

void link_fanout(int nt, void *(*fn)(void *), void *jobs, size_t job_size)
{
    pthread_t th[LINK_MAX_THREADS];
    int started[LINK_MAX_THREADS] = {0};
    char *job = jobs;
    if (nt > LINK_MAX_THREADS) nt = LINK_MAX_THREADS;
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, fn, job + (size_t)t * job_size) == 0;
    fn(job);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else /* no thread for it: its share runs here */
            fn(job + (size_t)t * job_size);
    }
}

void *link_alloc(size_t n, const char *what, core_error *err)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        core_error_set(err, CORE_E_INTERNAL, "out of memory for %s (%zu bytes)", what, n);
        core_error_hint(err, "link fewer records at a time, or run where more memory is free");
    }
    return p;
}

/* ---- term frequencies of names ---- */

typedef struct tf_table {
    uint64_t *keys;
    uint32_t *counts;
    size_t cap;   /* a power of two */
    double total; /* names counted */
} tf_table;

/* Count the name s n times. */
static void tf_add(tf_table *t, const char *s, uint32_t n)
{
    if (!s || !n) return;
    uint64_t h = link_mix(link_hash_str(LINK_FNV_BASIS, s)) | 1;
    size_t i = h & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != h)
        i = (i + 1) & (t->cap - 1);
    t->keys[i] = h;
    t->counts[i] += n;
    t->total += n;
}

static double tf_freq(const tf_table *t, const char *s)
{
    uint64_t h = link_mix(link_hash_str(LINK_FNV_BASIS, s)) | 1;
    size_t i = h & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != h)
        i = (i + 1) & (t->cap - 1);
    return t->keys[i] && t->total > 0 ? t->counts[i] / t->total : 0;
}

/* 0, or -1 when out of memory (tf_free still frees what was made). */
static int tf_init(tf_table *t, size_t nvalues)
{
    t->cap = 16;
    while (t->cap < nvalues * 2 + 16)
        t->cap <<= 1;
    t->keys = calloc(t->cap, sizeof(*t->keys));
    t->counts = calloc(t->cap, sizeof(*t->counts));
    t->total = 0;
    return t->keys && t->counts ? 0 : -1;
}

static void tf_free(tf_table *t)
{
    free(t->keys);
    free(t->counts);
}

/* The name frequencies of a run (link_result.tf). */
struct link_tf {
    tf_table given, family;
};

/* ---- scoring ---- */

/* u for the exact level of a name, adjusted to the name's own frequency (never above the average u). */
static double tf_u(const tf_table *t, const char *name, double u_exact)
{
    double f = tf_freq(t, name);
    if (f <= 0) return u_exact;
    return f < u_exact ? f : u_exact;
}

/* A rare family name is strong evidence between strangers, but not between people of one address: a household
 * shares its family name, however rare. When the address agrees, an exact family name weighs what an average
 * one does (no term-frequency adjustment). */
static int address_agrees(const link_pair *p)
{
    return p->level[LINK_C_ADDRESS] == LINK_ADDRESS_EXACT || p->level[LINK_C_ADDRESS] == LINK_ADDRESS_MOST;
}

static double bf(const link_model *m, int c, int level)
{
    return log2(m->m[c][level] / m->u[c][level]);
}

static double pair_weight(const link_model *m, const struct link_tf *tf, const link_record *l,
                          const link_record *r, const link_pair *p, double contrib[LINK_NCOMP])
{
    double w = log2(m->lambda / (1 - m->lambda));
    for (int c = 0; c < LINK_NCOMP; c++) {
        int lv = p->level[c];
        double x = 0;
        if (lv) {
            x = bf(m, c, lv);
            if (tf && lv == LINK_GIVEN_EXACT && c == LINK_C_GIVEN)
                x = log2(m->m[c][lv] / tf_u(&tf->given, l->given, m->u[c][lv]));
            else if (tf && lv == LINK_FAMILY_EXACT && c == LINK_C_FAMILY && !address_agrees(p))
                x = log2(m->m[c][lv] / tf_u(&tf->family, l->family, m->u[c][lv]));
        }
        if (contrib) contrib[c] = x;
        w += x;
    }
    (void)r;
    return w;
}

double link_probability(double weight)
{
    return 1.0 / (1.0 + exp2(-weight));
}

/* ---- the comparing and scoring threads ---- */

typedef struct compare_job {
    const link_prepared *pp;
    const link_options *o;
    link_pair *pairs;
    size_t from, to;
    int count; /* count the patterns into pc */
    link_pattern_counts pc;
    int failed; /* out of memory: the levels were not all set */
} compare_job;

enum { PREFETCH_AHEAD = 16 }; /* pairs */

static void *compare_worker(void *arg)
{
    compare_job *j = arg;
    const link_prepared *pp = j->pp;
    link_memos *mm = link_memos_new();
    if (!mm) {
        j->failed = 1;
        return NULL;
    }
    size_t right0 = link_prep_right0(pp);
    uint64_t last = 0, run = 0; /* consecutive equal patterns counted once */
    for (size_t i = j->from; i < j->to; i++) {
        if (i + PREFETCH_AHEAD < j->to) { /* the preps of a pair a little ahead */
            const link_pair *q = &j->pairs[i + PREFETCH_AHEAD];
            link_prep_prefetch(pp, q->left, right0 + q->right, 0);
        }
        if (i + PREFETCH_AHEAD / 2 < j->to) { /* and, with its preps at hand by now, its addresses' words */
            const link_pair *q = &j->pairs[i + PREFETCH_AHEAD / 2];
            link_prep_prefetch(pp, q->left, right0 + q->right, 1);
        }
        link_pair *p = &j->pairs[i];
        link_prep_compare(pp, mm, p->left, right0 + p->right, j->o->use_ids, p->level);
        if (j->count) {
            uint64_t k = link_pattern_pack(p->level, p->rules);
            if (run && k != last) {
                link_pattern_add(&j->pc, last, run);
                run = 0;
            }
            last = k;
            run++;
        }
    }
    if (run) link_pattern_add(&j->pc, last, run);
    link_memos_free(mm);
    return NULL;
}

/* Share n items out among the threads, at least `least` items a thread. */
static int threads_for(const link_options *o, size_t n, size_t least)
{
    int nt = link_thread_count(o);
    if ((size_t)nt > n / least + 1) nt = (int)(n / least + 1);
    return nt;
}

int link_compare_pairs(const link_prepared *pp, const link_options *o, link_pair *pairs, size_t n,
                       link_pattern_counts *pc, core_error *err)
{
    int nt = threads_for(o, n, 1024), failed = 0;
    compare_job jobs[LINK_MAX_THREADS];
    for (int t = 0; t < nt; t++)
        jobs[t] = (compare_job){
            pp, o, pairs, n * (size_t)t / (size_t)nt, n * (size_t)(t + 1) / (size_t)nt, pc != NULL, {0}, 0};
    link_fanout(nt, compare_worker, jobs, sizeof(jobs[0]));
    for (int t = 0; t < nt; t++)
        failed |= jobs[t].failed | jobs[t].pc.failed;
    if (pc && !failed) {
        *pc = jobs[0].pc;
        jobs[0].pc = (link_pattern_counts){0};
        for (int t = 1; t < nt; t++)
            link_pattern_merge(pc, &jobs[t].pc);
        failed = pc->failed;
        if (!failed) link_pattern_sort(pc);
    }
    for (int t = 0; t < nt; t++)
        free(jobs[t].pc.v);
    if (failed) {
        if (pc) {
            free(pc->v);
            *pc = (link_pattern_counts){0};
        }
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for comparing %zu pairs", n);
    }
    return 0;
}

typedef struct score_job {
    link_pair *pairs;
    size_t from, to;
    const link_model *model;
    const uint32_t *given, *family;       /* each record's names' numbers */
    const double *tfw_given, *tfw_family; /* an exact name's weight, by the name's number */
    int collect;                          /* a link run: note the pairs decided link in links */
    size_t *links, nlinks, cap;           /* their indices, ascending */
    int failed;                           /* out of memory for links */
} score_job;

static void *score_worker(void *arg)
{
    score_job *j = arg;
    double bft[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}};
    double prior = log2(j->model->lambda / (1 - j->model->lambda));
    for (int c = 0; c < LINK_NCOMP; c++)
        for (int lv = 1; lv < comparisons[c].nlevels; lv++)
            bft[c][lv] = bf(j->model, c, lv);
    for (size_t i = j->from; i < j->to; i++) {
        if (i + PREFETCH_AHEAD <
            j->to) { /* the names of the pair's left record, for an exact name's weight */
            __builtin_prefetch(&j->given[j->pairs[i + PREFETCH_AHEAD].left]);
            __builtin_prefetch(&j->family[j->pairs[i + PREFETCH_AHEAD].left]);
        }
        link_pair *p = &j->pairs[i];
        /* pair_weight() with the Bayes factors looked up: the same sum in the same order, so the same weight
         * to the last bit as link_explain() gives */
        double w = prior;
        for (int c = 0; c < LINK_NCOMP; c++) {
            int lv = p->level[c];
            if (!lv) continue;
            if (lv == LINK_GIVEN_EXACT && c == LINK_C_GIVEN)
                w += j->tfw_given[j->given[p->left]];
            else if (lv == LINK_FAMILY_EXACT && c == LINK_C_FAMILY && !address_agrees(p))
                w += j->tfw_family[j->family[p->left]];
            else
                w += bft[c][lv];
        }
        p->weight = (float)w;
        p->decision = w >= j->model->link_weight     ? LINK_LINK
                      : w >= j->model->review_weight ? LINK_REVIEW
                                                     : LINK_NO;
        if (j->collect && p->decision == LINK_LINK && !j->failed) {
            if (j->nlinks == j->cap) {
                size_t cap = j->cap ? j->cap * 2 : 1024;
                size_t *v = realloc(j->links, cap * sizeof(*v));
                if (!v) {
                    j->failed = 1;
                    continue;
                }
                j->links = v;
                j->cap = cap;
            }
            j->links[j->nlinks++] = i;
        }
    }
    return NULL;
}

/* ---- the whole run ---- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

void link_progress(const link_options *o, const char *stage, uint64_t done, uint64_t total)
{
    if (o->progress) o->progress(o->progress_ctx, stage, done, total);
}

/* Steps 5-6: the names' frequencies counted by their numbers, an exact name's weight once per name, then
 * every pair weighed and decided in threads. */
static int score_all(const link_prepared *pp, const link_options *o, const link_dataset *a, size_t nb,
                     link_result *out, core_error *err)
{
    const char *const *names;
    size_t nnames = link_prep_names(pp, &names), nrec = link_prep_count(pp);
    uint32_t *gcount = calloc(nnames, sizeof(*gcount)), *fcount = calloc(nnames, sizeof(*fcount));
    uint32_t *gid = malloc((nrec + 1) * sizeof(*gid)), *fid = malloc((nrec + 1) * sizeof(*fid));
    double *tfw = malloc(2 * nnames * sizeof(*tfw));
    struct link_tf *tf = calloc(1, sizeof(*tf));
    int rc = 0;
    if (!gcount || !fcount || !gid || !fid || !tfw || !tf || tf_init(&tf->given, nrec) ||
        tf_init(&tf->family, nrec))
        rc = core_error_set(err, CORE_E_INTERNAL, "out of memory for name frequencies of %zu records", nrec);
    if (rc == 0) {
        double *tfw_family = tfw + nnames;
        for (size_t i = 0; i < nrec; i++) {
            link_prep_name_ids(pp, i, &gid[i], &fid[i]);
            gcount[gid[i]]++;
            fcount[fid[i]]++;
        }
        for (size_t id = 1; id < nnames;
             id++) { /* the table's strings are the records' own (NUL-terminated) */
            tf_add(&tf->given, names[id], gcount[id]);
            tf_add(&tf->family, names[id], fcount[id]);
        }
        out->tf = tf;
        tf = NULL;
        const link_model *md = &out->model;
        tfw[0] = tfw_family[0] = 0;
        for (size_t id = 1; id < nnames; id++) { /* as pair_weight() computes them */
            tfw[id] = gcount[id]
                          ? log2(md->m[LINK_C_GIVEN][LINK_GIVEN_EXACT] /
                                 tf_u(&out->tf->given, names[id], md->u[LINK_C_GIVEN][LINK_GIVEN_EXACT]))
                          : 0;
            tfw_family[id] =
                fcount[id] ? log2(md->m[LINK_C_FAMILY][LINK_FAMILY_EXACT] /
                                  tf_u(&out->tf->family, names[id], md->u[LINK_C_FAMILY][LINK_FAMILY_EXACT]))
                           : 0;
        }
        size_t n = out->npairs;
        int nt = threads_for(o, n, 1024);
        score_job jobs[LINK_MAX_THREADS];
        for (int t = 0; t < nt; t++)
            jobs[t] = (score_job){out->pairs,
                                  n * (size_t)t / (size_t)nt,
                                  n * (size_t)(t + 1) / (size_t)nt,
                                  &out->model,
                                  gid,
                                  fid,
                                  tfw,
                                  tfw_family,
                                  nb > 0,
                                  NULL,
                                  0,
                                  0,
                                  0};
        link_fanout(nt, score_worker, jobs, sizeof(jobs[0]));
        if (nb) {
            int failed = 0;
            for (int t = 0; t < nt; t++)
                failed |= jobs[t].failed;
            const size_t *links[LINK_MAX_THREADS];
            size_t nlinks[LINK_MAX_THREADS];
            for (int t = 0; t < nt; t++) {
                links[t] = jobs[t].links;
                nlinks[t] = jobs[t].nlinks;
            }
            long held = failed ? -1 : link_one_person(out, a, nb, links, nlinks, nt);
            for (int t = 0; t < nt; t++)
                free(jobs[t].links);
            if (held < 0)
                rc = core_error_set(err, CORE_E_INTERNAL, "out of memory for the links of %zu records", nrec);
            else
                out->held_back = (size_t)held;
        }
    }
    if (tf) {
        tf_free(&tf->given);
        tf_free(&tf->family);
        free(tf);
    }
    free(gcount);
    free(fcount);
    free(gid);
    free(fid);
    free(tfw);
    return rc;
}

int link_run(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out,
             core_error *err)
{
    memset(out, 0, sizeof(*out));
    if (a->n == 0 || (b && b->n == 0)) return 0;
    if (a->n + (b ? b->n : 0) >= UINT32_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "more than 2^32 - 1 records in the two datasets");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* 1. blocking */
    int rc = link_block_all(a, b, o, out, err);
    if (rc) return rc;
    size_t n = out->npairs;
    out->seconds_blocking = seconds_since(&t0);

    /* 2-4. prepare the records, compare the candidates (counting their patterns), u from random pairs, m and
     * lambda by EM over the patterns */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    link_prepared *pp = link_prep_build(a, b, o, err);
    if (!pp) {
        link_result_free(out);
        return err->code;
    }
    link_pattern_counts pc = {0};
    rc = link_compare_pairs(pp, o, out->pairs, n, &pc, err);
    if (rc == 0) {
        link_progress(o, "comparing", n, n);
        rc = link_estimate_u(pp, a, b, o, &out->model, err);
    }
    double possible = b ? (double)a->n * (double)b->n : (double)a->n * (double)(a->n - 1) / 2;
    if (rc == 0) rc = link_estimate_m(o, &pc, possible, &out->model, err);
    free(pc.v);
    double review = o->review_probability > 0 && o->review_probability < 0.5 ? o->review_probability : 0.05;
    out->model.link_weight = 0; /* probability 0.5 */
    out->model.review_weight = log2(review / (1 - review));
    out->seconds_training = seconds_since(&t0);

    /* 5-6. score and decide */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rc == 0) rc = score_all(pp, o, a, b ? b->n : 0, out, err);
    link_prep_free(pp);
    if (rc) {
        link_result_free(out);
        return rc;
    }
    /* the cluster step, in a dedupe only: across two files a path of three links linked more wrong pairs than
     * right ones on dsgen F, and a "mutual best candidate" rule, which lifted FEBRL4, linked parents to
     * children of the same name on link synth's households (136 right, 956 wrong at 200,000). A link run has
     * the opposite step instead, one partner record one person (link_one_person, from score_all), which
     * takes a link away, and gives one back only where a holds each person once and shows no households. */
    long clustered = b ? 0 : link_cluster(out, a->n);
    if (clustered < 0) {
        link_result_free(out);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for the links of %zu records",
                              a->n + (b ? b->n : 0));
    }
    out->linked_through = (size_t)clustered;
    link_progress(o, "scoring", n, n);
    out->seconds_scoring = seconds_since(&t0);
    return 0;
}

double link_explain(const link_result *r, const link_dataset *a, const link_dataset *b, const link_pair *p,
                    double contrib[LINK_NCOMP])
{
    const link_record *l = &a->recs[p->left], *rr = b ? &b->recs[p->right] : &a->recs[p->right];
    pair_weight(&r->model, r->tf, l, rr, p, contrib);
    return log2(r->model.lambda / (1 - r->model.lambda));
}

void link_result_free(link_result *r)
{
    if (r->tf) {
        tf_free(&r->tf->given);
        tf_free(&r->tf->family);
        free(r->tf);
    }
    free(r->pairs);
    memset(r, 0, sizeof(*r));
}
