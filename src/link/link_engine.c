/*
 * link_engine.c — candidate pairs, comparison vectors, Fellegi-Sunter weights estimated without labels, and the
 * decision (contract in link.h; the method and its sources in README.md).
 *
 * Reading guide, in the order link_run() does it:
 *   1. blocking: each rule gives every record a key (a 64-bit hash, computed once per record and rule);
 *      records sharing a key form a block and every pair in a block (dedupe) or across the two datasets
 *      (pair) is a candidate. Blocks over block_cap records are left out, and so are a rule's largest blocks
 *      when it would offer more than rule_pairs pairs. A pair is kept once, by the first rule that offers it,
 *      with the mask of all the rules that do (no sort of the rules' pairs: see struct blocking).
 *   2. comparison: every record is prepared once (struct prep: its values as numbers, with bounds' inputs),
 *      then each candidate pair gets a level per comparison (levels below) from the two preps, exactly as
 *      link_compare_records() would give it, which stays the reference; done in threads, which also count
 *      how many candidates share each (comparison vector, rule mask) pattern. Each pair is compared once.
 *   3. u from random pairs: the level frequencies among pairs drawn at random, which are almost all non-matches.
 *   4. m and lambda by EM over those patterns and their counts (u held fixed), per blocking rule that blocks
 *      on the person (rule_trains): EM never reads the pairs.
 *   5. scoring: weight = log2(lambda / (1 - lambda)) + the sum of log2(m / u) over the comparisons with a value;
 *      for an exact given or family name, u is the name's own frequency (term-frequency adjustment), so
 *      "Smith" = "Smith" counts for less than "Kowalczyk" = "Kowalczyk" (each name's weight computed once).
 *      Done in threads, from the levels kept in step 2.
 *   6. decision: link when the posterior probability is at least 0.5 (the Bayes decision under the fitted
 *      model), review down to review_probability, no below.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/core_date.h"
#include "link/link.h"
#include "link/link_match.h"

/* ---- comparisons and their levels ---- */

static const struct comparison {
    const char *name;
    int nlevels;
    const char *levels[LINK_MAX_LEVELS];
} comparisons[LINK_NCOMP] = {
    [LINK_C_GIVEN] = {"given_name", 6, {"missing", "exact", "nickname", "similar", "alike", "different"}},
    [LINK_C_FAMILY] = {"family_name", 5, {"missing", "exact", "similar", "alike", "different"}},
    [LINK_C_DOB] = {"date_of_birth", 6, {"missing", "exact", "day and month swapped", "one digit", "two digits",
                                         "different"}},
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
    return c >= 0 && c < LINK_NCOMP && level >= 0 && level < comparisons[c].nlevels ? comparisons[c].levels[level]
                                                                                   : "";
}

int link_level_count(int c)
{
    return c >= 0 && c < LINK_NCOMP ? comparisons[c].nlevels : 0;
}

static size_t first_token_len(const char *s)
{
    const char *sp = strchr(s, ' ');
    return sp ? (size_t)(sp - s) : strlen(s);
}

/* An upper bound of link_jaro_winkler(a, b), cheap (one pass over each string): Jaro's matches are at most the
 * bytes the two share counted with multiplicity wherever they stand, transpositions only lower it, and the
 * prefix boost (only above 0.7) adds at most 0.4 of what is left. Lets a comparison that needs "at least
 * 0.80" skip the quadratic Jaro for strings that cannot reach it: most candidate pairs are non-matches. */
static double jw_bound(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == 0 || lb == 0)
        return la == lb ? 1.0 : 0.0;
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

/* link_jaro_winkler(a, b) when it may reach floor, else 0 (it cannot). */
static double jw_from(const char *a, size_t la, const char *b, size_t lb, double floor)
{
    return jw_bound(a, la, b, lb) < floor ? 0.0 : link_jaro_winkler(a, la, b, lb);
}

static double jw(const char *a, const char *b, double floor)
{
    return jw_from(a, strlen(a), b, strlen(b), floor);
}

static int level_given(const char *a, const char *an, const char *ap, const char *b, const char *bn,
                       const char *bp)
{
    size_t la = first_token_len(a), lb = first_token_len(b);
    if (strcmp(a, b) == 0 || (la == lb && memcmp(a, b, la) == 0))
        return 1;
    if (an && bn && strcmp(an, bn) == 0)
        return 2;
    double s = jw_from(a, la, b, lb, 0.80);
    if (s >= 0.92)
        return 3;
    if (s >= 0.80 || (ap[0] && strcmp(ap, bp) == 0))
        return 4;
    return 5;
}

static int level_family(const char *a, const char *ap, const char *b, const char *bp)
{
    if (strcmp(a, b) == 0)
        return 1;
    double s = jw(a, b, 0.80);
    if (s >= 0.92 || ((strchr(a, ' ') || strchr(b, ' ')) && link_token_overlap(a, b) >= 1.0))
        return 2;
    if (s >= 0.80 || (ap[0] && strcmp(ap, bp) == 0))
        return 3;
    return 4;
}

/* The level of two different dates given as year, month and day (years 1..9999). */
static int level_dob_parts(int ay, int am, int ad, int by, int bm, int bd)
{
    if (ay == by && am == bd && ad == bm)
        return 2;
    char sa[8], sb[8]; /* YYYYMMDD */
    int va[3] = {ay, am, ad}, vb[3] = {by, bm, bd}, width[3] = {4, 2, 2};
    for (int f = 0, at = 0; f < 3; at += width[f], f++)
        for (int k = width[f] - 1, x = va[f], y = vb[f]; k >= 0; k--, x /= 10, y /= 10) {
            sa[at + k] = (char)('0' + x % 10);
            sb[at + k] = (char)('0' + y % 10);
        }
    int d = link_damerau(sa, sizeof(sa), sb, sizeof(sb), 2);
    return d <= 1 ? 3 : d == 2 ? 4 : 5;
}

static int level_dob(int32_t a, int32_t b)
{
    if (a == b)
        return 1;
    core_date da = core_date_from_days(a), db = core_date_from_days(b);
    return level_dob_parts(da.y, da.m, da.d, db.y, db.m, db.d);
}

static int level_postcode(const link_record *a, const link_record *b)
{
    if (strcmp(a->postcode, b->postcode) == 0)
        return 1;
    if (a->sector && b->sector) {
        if (strcmp(a->sector, b->sector) == 0)
            return 2;
        if (a->district && b->district && strcmp(a->district, b->district) == 0)
            return 3;
        return 4;
    }
    /* not UK-shaped: one character apart counts as "sector" */
    return link_damerau(a->postcode, strlen(a->postcode), b->postcode, strlen(b->postcode), 1) <= 1 ? 2 : 4;
}

static int level_address(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    double o = link_token_overlap(a, b);
    if (o >= 0.75 || jw(a, b, 0.92) >= 0.92)
        return 2;
    if (o >= 0.5)
        return 3;
    return 4;
}

static int level_ids(const link_record *a, const link_record *b)
{
    const char *pa[] = {a->nhs_number, a->nino, a->upn}, *pb[] = {b->nhs_number, b->nino, b->upn};
    int any = 0, near = 0;
    for (int i = 0; i < 3; i++) {
        if (!pa[i] || !pb[i])
            continue;
        any = 1;
        if (strcmp(pa[i], pb[i]) == 0)
            return 1;
        if (link_damerau(pa[i], strlen(pa[i]), pb[i], strlen(pb[i]), 1) <= 1)
            near = 1;
    }
    return !any ? 0 : near ? 2 : 3;
}

void link_compare_records(const link_record *a, const link_record *b, int use_ids, uint8_t lv[LINK_NCOMP])
{
    memset(lv, 0, LINK_NCOMP);
    int swapped = a->given && a->family && b->given && b->family && strcmp(a->given, b->family) == 0 &&
                  strcmp(a->family, b->given) == 0;
    if (swapped) { /* given and family names written the other way round: good evidence, not exact */
        lv[LINK_C_GIVEN] = 3;
        lv[LINK_C_FAMILY] = 2;
    } else {
        if (a->given && b->given)
            lv[LINK_C_GIVEN] = (uint8_t)level_given(a->given, a->given_nick, a->given_phon, b->given, b->given_nick,
                                                    b->given_phon);
        if (a->family && b->family)
            lv[LINK_C_FAMILY] = (uint8_t)level_family(a->family, a->family_phon, b->family, b->family_phon);
    }
    if (a->dob != LINK_NO_DATE && b->dob != LINK_NO_DATE)
        lv[LINK_C_DOB] = (uint8_t)level_dob(a->dob, b->dob);
    if (a->sex && b->sex)
        lv[LINK_C_SEX] = a->sex == b->sex ? 1 : 2;
    if (a->postcode && b->postcode)
        lv[LINK_C_POSTCODE] = (uint8_t)level_postcode(a, b);
    if (a->address && b->address)
        lv[LINK_C_ADDRESS] = (uint8_t)level_address(a->address, b->address);
    if (a->town && b->town)
        lv[LINK_C_TOWN] = strcmp(a->town, b->town) == 0 ? 1 : jw(a->town, b->town, 0.9) >= 0.9 ? 2 : 3;
    /* Where someone lives is one piece of evidence, not three: people of one household share the address,
     * the postcode and the town, so agreeing on all three must not count three times. The most specific
     * agreement speaks: an address that agrees stands for its postcode and town; a postcode with a value on
     * both sides stands for the town. Disagreements are kept (a different postcode is still evidence). */
    if (lv[LINK_C_ADDRESS] == 1 || lv[LINK_C_ADDRESS] == 2) {
        if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= 2)
            lv[LINK_C_POSTCODE] = 0;
        if (lv[LINK_C_TOWN] && lv[LINK_C_TOWN] <= 2)
            lv[LINK_C_TOWN] = 0;
    } else if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= 3 && lv[LINK_C_TOWN] && lv[LINK_C_TOWN] <= 2) {
        lv[LINK_C_TOWN] = 0;
    }
    if (use_ids)
        lv[LINK_C_ID] = (uint8_t)level_ids(a, b);
    if (a->email && b->email)
        lv[LINK_C_EMAIL] = strcmp(a->email, b->email) == 0 ? 1 : 2;
}

/* ---- hashing ---- */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) { /* FNV-1a, then mixed below */
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    h = hash_bytes(h, s, strlen(s));
    return hash_bytes(h, "\x1f", 1);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#define FNV_BASIS 14695981039346656037ULL

/* ---- blocking ---- */

/* A rule's key for a record, or 0 when the record has no key under this rule. */
typedef uint64_t (*block_key_fn)(const link_record *r);

/* The two names' phonetic codes in sorted order: catches given and family names swapped. */
static uint64_t key_names_phonetic(const link_record *r)
{
    if (!r->given_phon[0] || !r->family_phon[0])
        return 0;
    const char *x = r->given_phon, *y = r->family_phon;
    if (strcmp(x, y) > 0) {
        const char *t = x;
        x = y;
        y = t;
    }
    return mix(hash_str(hash_str(FNV_BASIS ^ 1, x), y));
}

/* Year of birth with day and month in sorted order: catches day and month swapped. */
static uint64_t key_dob(const link_record *r)
{
    if (r->dob == LINK_NO_DATE)
        return 0;
    core_date d = core_date_from_days(r->dob);
    int lo = d.m < d.d ? d.m : d.d, hi = d.m < d.d ? d.d : d.m;
    int32_t v = d.y * 10000 + lo * 100 + hi;
    return mix(hash_bytes(FNV_BASIS ^ 2, &v, sizeof(v)));
}

static uint64_t key_postcode_initial(const link_record *r)
{
    if (!r->postcode || !r->given)
        return 0;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 3, r->postcode), r->given, 1));
}

static uint64_t key_family_dob_year(const link_record *r)
{
    if (!r->family_phon[0] || r->dob == LINK_NO_DATE)
        return 0;
    int y = core_date_from_days(r->dob).y;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 4, r->family_phon), &y, sizeof(y)));
}

static uint64_t key_given_dob_month(const link_record *r)
{
    if (!r->given_nick || r->dob == LINK_NO_DATE)
        return 0;
    core_date d = core_date_from_days(r->dob);
    int32_t v = d.m * 100 + d.d;
    size_t n = first_token_len(r->given_nick);
    return mix(hash_bytes(hash_bytes(FNV_BASIS ^ 5, r->given_nick, n), &v, sizeof(v)));
}

static uint64_t key_address_family(const link_record *r)
{
    if (!r->address || !r->family)
        return 0;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 6, r->address), r->family, 1));
}

static uint64_t key_family_initial(const link_record *r)
{
    if (!r->family_phon[0] || !r->given)
        return 0;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 10, r->family_phon), r->given, 1));
}

static uint64_t key_postcode_family(const link_record *r)
{
    if (!r->postcode || !r->family)
        return 0;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 11, r->postcode), r->family, 1));
}

static uint64_t key_town_dob_year(const link_record *r)
{
    if (!r->town || r->dob == LINK_NO_DATE)
        return 0;
    int y = core_date_from_days(r->dob).y;
    return mix(hash_bytes(hash_str(FNV_BASIS ^ 12, r->town), &y, sizeof(y)));
}

/* The first three letters of the first given name and of the family name: catches pairs whose names are
 * mistyped past their phonetic codes and whose other fields disagree too ("stelio kenney" and "stello
 * kennedy"). */
static uint64_t key_name_prefixes(const link_record *r)
{
    if (!r->given || !r->family)
        return 0;
    size_t g = first_token_len(r->given), f = strlen(r->family);
    return mix(hash_bytes(hash_bytes(FNV_BASIS ^ 13, r->given, g < 3 ? g : 3), r->family, f < 3 ? f : 3));
}

static uint64_t key_id(const link_record *r, const char *v, uint64_t salt)
{
    (void)r;
    return v ? mix(hash_str(FNV_BASIS ^ salt, v)) : 0;
}

static uint64_t key_nhs(const link_record *r)
{
    return key_id(r, r->nhs_number, 7);
}

static uint64_t key_nino(const link_record *r)
{
    return key_id(r, r->nino, 8);
}

static uint64_t key_upn(const link_record *r)
{
    return key_id(r, r->upn, 9);
}

static const block_key_fn rules[] = {key_names_phonetic,  key_dob,          key_postcode_initial, key_family_dob_year,
                                     key_given_dob_month, key_address_family, key_family_initial, key_postcode_family,
                                     key_town_dob_year,   key_nhs,            key_nino,           key_upn,
                                     key_name_prefixes};
enum { NRULES = sizeof(rules) / sizeof(rules[0]) };
_Static_assert(NRULES <= 16, "a pair's rules are a 16-bit mask");

static int rule_is_id(int r)
{
    return rules[r] == key_nhs || rules[r] == key_nino || rules[r] == key_upn;
}

static int thread_count(const link_options *o);
static void progress(const link_options *o, const char *stage, uint64_t done, uint64_t total);

/*
 * The blocking state. Records are numbered together: a's 0..na-1, then b's na..na+nb-1 (dedupe: a's only).
 * Invariants:
 *   1. keys[i * NRULES + r] is record i's key under rule r, or 0 when it has none, when the rule is off
 *      (identifiers without use_ids), or when its block under r was left out (too large, or over the rule's
 *      pair budget). So "rule r offers the pair (i, j)" is exactly keys[i][r] == keys[j][r] != 0.
 *   2. order[r] lists the records with a key under r, sorted by key and then by number: a block is a run of
 *      equal keys, and within it a's records come before b's, each in ascending number.
 * A pair is emitted once, by the first rule that offers it (the rules' pairs unioned without a sort), with
 * the mask of every rule that offers it.
 */
typedef struct blocking {
    const link_options *o;
    size_t na, nb, n;          /* n = na + nb */
    int dedupe;
    uint32_t cap;              /* block_cap */
    uint64_t budget;           /* rule_pairs */
    uint64_t *keys;
    uint32_t *order[NRULES];
    size_t norder[NRULES];
    uint64_t offered[NRULES];  /* pairs in the blocks kept, duplicates included */
    uint32_t skipped[NRULES], over_budget[NRULES];
} blocking;

static const link_record *blocking_rec(const link_dataset *a, const link_dataset *b, size_t na, size_t i)
{
    return i < na ? &a->recs[i] : &b->recs[i - na];
}

typedef struct keyjob {
    blocking *bl;
    const link_dataset *a, *b;
    size_t from, to;           /* records (keys), or rules (sorting: rules r with r % step == from) */
    int step;
} keyjob;

static void *keys_worker(void *arg)
{
    keyjob *j = arg;
    blocking *bl = j->bl;
    for (size_t i = j->from; i < j->to; i++) {
        const link_record *rec = blocking_rec(j->a, j->b, bl->na, i);
        for (int r = 0; r < NRULES; r++)
            bl->keys[i * NRULES + r] = !bl->o->use_ids && rule_is_id(r) ? 0 : rules[r](rec);
    }
    return NULL;
}

typedef struct keyed {
    uint64_t key;
    uint32_t idx;
} keyed;

/* Stable LSD radix sort of v[0..n) by key, 16 bits a pass; tmp has room for n. Returns the sorted array (v
 * or tmp). Passes where every key has the same digit are skipped. */
static keyed *radix_sort(keyed *v, keyed *tmp, size_t n, size_t *count)
{
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65537 * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[((v[i].key >> shift) & 0xffff) + 1]++;
        int trivial = 0;
        for (size_t d = 1; d <= 65536; d++)
            if (count[d] == n)
                trivial = 1;
        if (trivial)
            continue;
        for (size_t d = 1; d <= 65536; d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].key >> shift) & 0xffff]++] = v[i];
        keyed *t = v;
        v = tmp;
        tmp = t;
    }
    return v;
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* The pairs a block of records [s, e) of order[r] would give; *mid is where b's records start. */
static uint64_t block_pairs(const blocking *bl, const uint32_t *ord, size_t s, size_t e, size_t *mid)
{
    size_t m = s;
    if (bl->dedupe) {
        *mid = e;
        return (uint64_t)(e - s) * (uint64_t)(e - s - 1) / 2;
    }
    while (m < e && ord[m] < bl->na)
        m++;
    *mid = m;
    return (uint64_t)(m - s) * (uint64_t)(e - m);
}

/* Rule r: sort its records by key; leave out blocks over the cap and, when the rule would offer more than the
 * budget, its largest blocks (all blocks of a size or none, so the result depends on nothing but the data);
 * zero the keys of the records left out (invariant 1); keep order[r] (invariant 2). */
static void block_sort_rule(blocking *bl, int r, keyed *k, keyed *tmp, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < bl->n; i++) {
        uint64_t h = bl->keys[i * NRULES + r];
        if (h)
            k[n++] = (keyed){h, (uint32_t)i};
    }
    keyed *sorted = radix_sort(k, tmp, n, count);
    uint32_t *ord = core_xmalloc((n + 1) * sizeof(*ord));
    for (size_t i = 0; i < n; i++)
        ord[i] = sorted[i].idx;
    /* block sizes in pairs; over the cap: out */
    uint64_t total = 0, *sizes = NULL;
    size_t nsizes = 0, cap_sizes = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1, mid;
        while (e < n && sorted[e].key == sorted[s].key)
            e++;
        uint64_t p = block_pairs(bl, ord, s, e, &mid);
        if (e - s > bl->cap) {
            bl->skipped[r]++;
            for (size_t i = s; i < e; i++)
                bl->keys[(size_t)ord[i] * NRULES + r] = 0;
        } else if (p) {
            total += p;
            if (nsizes == cap_sizes) {
                cap_sizes = cap_sizes ? cap_sizes * 2 : 1024;
                sizes = core_xrealloc(sizes, cap_sizes * sizeof(*sizes));
            }
            sizes[nsizes++] = p;
        }
        s = e;
    }
    /* over the budget: the smallest size that must go, so that the blocks below it fit */
    uint64_t limit = UINT64_MAX;
    if (total > bl->budget) {
        qsort(sizes, nsizes, sizeof(*sizes), u64_cmp);
        uint64_t sum = 0;
        for (size_t i = 0; i < nsizes; i++) {
            if (sum + sizes[i] > bl->budget) {
                limit = sizes[i];
                break;
            }
            sum += sizes[i];
        }
    }
    free(sizes);
    uint64_t offered = 0;
    size_t kept = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1, mid;
        while (e < n && sorted[e].key == sorted[s].key)
            e++;
        int gone = bl->keys[(size_t)ord[s] * NRULES + r] == 0; /* over the cap */
        uint64_t p = block_pairs(bl, ord, s, e, &mid);
        if (!gone && p >= limit) {
            bl->over_budget[r]++;
            gone = 1;
            for (size_t i = s; i < e; i++)
                bl->keys[(size_t)ord[i] * NRULES + r] = 0;
        }
        if (!gone) {
            offered += p;
            for (size_t i = s; i < e; i++) /* compact: order[r] keeps only the blocks kept */
                ord[kept++] = ord[i];
        }
        s = e;
    }
    bl->order[r] = ord;
    bl->norder[r] = kept;
    bl->offered[r] = offered;
}

static void *sort_worker(void *arg)
{
    keyjob *j = arg;
    blocking *bl = j->bl;
    keyed *k = core_xmalloc((bl->n + 1) * sizeof(*k)), *tmp = core_xmalloc((bl->n + 1) * sizeof(*tmp));
    size_t *count = core_xmalloc(65537 * sizeof(*count));
    for (size_t r = j->from; r < NRULES; r += (size_t)j->step)
        if (!(!bl->o->use_ids && rule_is_id((int)r)))
            block_sort_rule(bl, (int)r, k, tmp, count);
    free(k);
    free(tmp);
    free(count);
    return NULL;
}

/* A growing array of pairs. */
typedef struct pairvec {
    link_pair *v;
    size_t n, cap;
} pairvec;

static void pairvec_push(pairvec *p, uint32_t left, uint32_t right, uint16_t mask)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1 << 16;
        p->v = core_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    link_pair *q = &p->v[p->n++];
    memset(q, 0, sizeof(*q));
    q->left = left;
    q->right = right;
    q->rules = mask;
}

typedef struct emitjob {
    const blocking *bl;
    int r;
    size_t from, to; /* positions in order[r], on block boundaries */
    pairvec out;
} emitjob;

/* The pairs of rule r's blocks in [from, to) that no earlier rule offers, with the mask of the rules that
 * offer each. */
static void *emit_worker(void *arg)
{
    emitjob *j = arg;
    const blocking *bl = j->bl;
    const uint32_t *ord = bl->order[j->r];
    const uint64_t *keys = bl->keys;
    int r = j->r;
    for (size_t s = j->from; s < j->to;) {
        size_t e = s + 1, mid;
        uint64_t key = keys[(size_t)ord[s] * NRULES + r];
        while (e < j->to && keys[(size_t)ord[e] * NRULES + r] == key)
            e++;
        block_pairs(bl, ord, s, e, &mid);
        for (size_t x = s; x < (bl->dedupe ? e : mid); x++) {
            const uint64_t *ki = &keys[(size_t)ord[x] * NRULES];
            for (size_t y = bl->dedupe ? x + 1 : mid; y < e; y++) {
                const uint64_t *kj = &keys[(size_t)ord[y] * NRULES];
                int earlier = 0;
                for (int q = 0; q < r && !earlier; q++)
                    earlier = ki[q] && ki[q] == kj[q];
                if (earlier)
                    continue;
                uint16_t mask = (uint16_t)(1u << r);
                for (int q = r + 1; q < NRULES; q++)
                    if (ki[q] && ki[q] == kj[q])
                        mask |= (uint16_t)(1u << q);
                pairvec_push(&j->out, ord[x], (uint32_t)(ord[y] - (bl->dedupe ? 0 : bl->na)), mask);
            }
        }
        s = e;
    }
    return NULL;
}

/* Blocking: every candidate pair once, in the order rule, block, then record. The same data gives the same
 * pairs in the same order whatever the number of threads. */
static void block_all(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out)
{
    blocking bl;
    memset(&bl, 0, sizeof(bl));
    bl.o = o;
    bl.na = a->n;
    bl.nb = b ? b->n : 0;
    bl.n = bl.na + bl.nb;
    bl.dedupe = b == NULL;
    bl.cap = o->block_cap ? o->block_cap : 2000;
    bl.budget = o->rule_pairs ? o->rule_pairs : (uint64_t)bl.n * 4 > 1000000 ? (uint64_t)bl.n * 4 : 1000000;
    bl.keys = core_xmalloc((bl.n * NRULES + 1) * sizeof(*bl.keys));
    int nt = thread_count(o);
    if ((size_t)nt > bl.n / 4096 + 1)
        nt = (int)(bl.n / 4096 + 1);
    pthread_t th[64];
    keyjob kj[64];
    for (int t = 0; t < nt; t++) { /* 1. every record's keys */
        kj[t] = (keyjob){&bl, a, b, bl.n * (size_t)t / (size_t)nt, bl.n * (size_t)(t + 1) / (size_t)nt, 0};
        if (t > 0 && pthread_create(&th[t], NULL, keys_worker, &kj[t]) != 0)
            core_die("cannot start a linking thread");
    }
    keys_worker(&kj[0]);
    for (int t = 1; t < nt; t++)
        pthread_join(th[t], NULL);
    /* 2. each rule's blocks, the rules shared out among the threads. A rule only zeroes its own keys, so the
     * threads never write the same key. */
    int ns = nt < NRULES ? nt : NRULES;
    for (int t = 0; t < ns; t++) {
        kj[t] = (keyjob){&bl, a, b, (size_t)t, 0, ns};
        if (t > 0 && pthread_create(&th[t], NULL, sort_worker, &kj[t]) != 0)
            core_die("cannot start a linking thread");
    }
    sort_worker(&kj[0]);
    for (int t = 1; t < ns; t++)
        pthread_join(th[t], NULL);
    progress(o, "blocking", 1, 2);
    /* 3. the pairs, rule by rule; within a rule its blocks are shared out in runs of about equal length */
    pairvec all = {0};
    emitjob ej[64];
    memset(ej, 0, sizeof(ej));
    for (int r = 0; r < NRULES; r++) {
        size_t n = bl.norder[r];
        if (!bl.order[r] || n == 0)
            continue;
        size_t from = 0;
        for (int t = 0; t < nt; t++) {
            size_t to = t == nt - 1 ? n : n * (size_t)(t + 1) / (size_t)nt;
            if (to < from)
                to = from;
            while (to > from && to < n &&
                   bl.keys[(size_t)bl.order[r][to] * NRULES + r] == bl.keys[(size_t)bl.order[r][to - 1] * NRULES + r])
                to++;
            ej[t].bl = &bl;
            ej[t].r = r;
            ej[t].from = from;
            ej[t].to = to;
            ej[t].out.n = 0;
            from = to;
            if (t > 0 && pthread_create(&th[t], NULL, emit_worker, &ej[t]) != 0)
                core_die("cannot start a linking thread");
        }
        emit_worker(&ej[0]);
        for (int t = 1; t < nt; t++)
            pthread_join(th[t], NULL);
        for (int t = 0; t < nt; t++) {
            if (!ej[t].out.n)
                continue;
            if (all.n + ej[t].out.n > all.cap) {
                all.cap = all.n + ej[t].out.n > all.cap * 3 / 2 ? all.n + ej[t].out.n : all.cap * 3 / 2;
                all.v = core_xrealloc(all.v, all.cap * sizeof(*all.v));
            }
            memcpy(all.v + all.n, ej[t].out.v, ej[t].out.n * sizeof(*all.v));
            all.n += ej[t].out.n;
        }
        out->candidates_before_union += bl.offered[r];
        out->blocks_skipped += bl.skipped[r];
        out->blocks_over_budget += bl.over_budget[r];
    }
    for (int t = 0; t < nt; t++)
        free(ej[t].out.v);
    for (int r = 0; r < NRULES; r++)
        free(bl.order[r]);
    free(bl.keys);
    out->pairs = all.v ? all.v : core_xmalloc(sizeof(link_pair));
    out->npairs = all.n;
}

/* ---- prepared records: values as numbers ---- */

/*
 * Before the candidates are compared, every record is prepared once (prep_build; the fields shared out among
 * threads) into a struct prep of two cache lines: each value a comparison tests for equality becomes a number
 * from a table of that field's values, the same number exactly when the bytes are the same (the bytes are
 * compared on every hash hit, so a collision never merges two values); the first given token, the family
 * name and the address also get their length and the set of byte classes they hold (for a bound on
 * Jaro-Winkler that reads no string), an address the numbers of its distinct words, a date of birth its year,
 * month and day and how often each digit occurs in it. Comparing two records then reads two preps: equal
 * numbers are equal strings, and the strings themselves are read only when the bounds cannot decide
 * (Jaro-Winkler, a double-barrelled name's words, a non-UK postcode or an identifier one character apart), the
 * name and town ones once per pair of distinct values a thread meets (struct memo). compare_prepped() gives
 * exactly the levels of link_compare_records(), which stays the reference (the tests check that the two
 * agree on every candidate pair).
 *
 * Invariants
 *   1. In every table number 0 is "no value" and stands for NULL (or, for the phonetic codes, ""); numbers
 *      of one table are equal exactly when the values' bytes are.
 *   2. A memo keeps a function of its key's two values only (their Jaro-Winkler class, their words), never of
 *      anything else in the records.
 */

enum { DICT_INLINE = 48 }; /* values up to this long are kept in their slot (of one cache line): found
                             without reading the records */

typedef struct dict_slot {
    uint64_t hash;              /* of the value; 0: empty */
    uint32_t id;                /* the value's number */
    uint32_t len;
    char bytes[DICT_INLINE];    /* the value, when len <= DICT_INLINE */
} dict_slot;

_Static_assert(sizeof(dict_slot) == 64, "a table slot is one cache line");

static dict_slot *slots_alloc(size_t n)
{
    dict_slot *v = aligned_alloc(64, n * sizeof(*v));
    if (!v)
        core_die("out of memory for value tables");
    memset(v, 0, n * sizeof(*v));
    return v;
}

typedef struct dict {
    dict_slot *slot;
    size_t cap;       /* slots, a power of two */
    const char **str; /* number -> the value's bytes (not NUL-terminated in general) */
    uint32_t *len;
    size_t n, ncap;   /* numbers given, 0 included */
    core_arena arena; /* values made here */
} dict;

static void dict_init(dict *d, size_t expect)
{
    memset(d, 0, sizeof(*d));
    d->cap = 1024;
    while (d->cap < expect * 2)
        d->cap <<= 1;
    d->slot = slots_alloc(d->cap);
    d->ncap = 1024;
    d->str = core_xmalloc(d->ncap * sizeof(*d->str));
    d->len = core_xmalloc(d->ncap * sizeof(*d->len));
    d->str[0] = NULL;
    d->len[0] = 0;
    d->n = 1;
}

static void dict_free(dict *d)
{
    free(d->slot);
    free(d->str);
    free(d->len);
    core_arena_release(&d->arena);
}

static void dict_grow(dict *d)
{
    size_t ocap = d->cap;
    dict_slot *old = d->slot;
    d->cap = ocap * 2;
    d->slot = slots_alloc(d->cap);
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].hash)
            continue;
        size_t j = old[i].hash & (d->cap - 1);
        while (d->slot[j].hash)
            j = (j + 1) & (d->cap - 1);
        d->slot[j] = old[i];
    }
    free(old);
}

/* The number of the value s[0, n), a new one when the value is new. The bytes must outlive d unless copy. */
static uint32_t dict_id(dict *d, const char *s, size_t n, int copy)
{
    if ((d->n + 1) * 2 > d->cap)
        dict_grow(d);
    uint64_t h = mix(hash_bytes(FNV_BASIS, s, n)) | 1;
    size_t j = h & (d->cap - 1);
    for (; d->slot[j].hash; j = (j + 1) & (d->cap - 1)) {
        const dict_slot *e = &d->slot[j];
        if (e->hash == h && e->len == n &&
            memcmp(n <= DICT_INLINE ? e->bytes : d->str[e->id], s, n) == 0)
            return e->id;
    }
    if (d->n >= UINT32_MAX)
        core_die("too many distinct values to compare");
    if (d->n == d->ncap) {
        d->ncap *= 2;
        d->str = core_xrealloc(d->str, d->ncap * sizeof(*d->str));
        d->len = core_xrealloc(d->len, d->ncap * sizeof(*d->len));
    }
    uint32_t id = (uint32_t)d->n++;
    d->str[id] = copy ? core_arena_strndup(&d->arena, s, n) : s;
    d->len[id] = (uint32_t)n;
    dict_slot *e = &d->slot[j];
    e->hash = h;
    e->id = id;
    e->len = (uint32_t)n;
    if (n <= DICT_INLINE)
        memcpy(e->bytes, s, n);
    return id;
}

static uint32_t dict_str(dict *d, const char *s)
{
    return s ? dict_id(d, s, strlen(s), 0) : 0;
}

enum {
    PREP_WORDS = 16, /* distinct words of an address kept: link_token_overlap's TOK_CAP */
};

/* How many times each byte class (byte & 31) occurs in a string, four bits a class: classes 0-15 in lo, 16-31
 * in hi. Kept only when no class occurs more than 15 times (ok). */
typedef struct byte_counts {
    uint64_t lo, hi;
} byte_counts;

typedef struct prep {
    uint32_t given, family;    /* the names, both from one table (names written the other way round meet) */
    uint32_t first, nick;      /* the first given token and its canonical nickname */
    uint32_t given_code, family_code; /* phonetic codes ("" is 0) */
    uint32_t postcode, sector, district;
    uint32_t address, town, email;
    uint32_t ident[3];         /* NHS number, NINO, UPN */
    int32_t dob;               /* the date as the number YYYYMMDD, or LINK_NO_DATE */
    char sex;
    uint8_t nwords;            /* the address's distinct words, at prepared.words[words] */
    uint8_t family_words;      /* 1 when the family name has a space (double-barrelled: level_family's overlap) */
    uint8_t family_counted;    /* 1 when family_counts are kept */
    uint16_t first_len, family_len, address_len; /* bytes, at most 65535 (only <= 256 matters: jw_may_reach) */
    uint8_t address_counted;   /* 1 when address_counts are kept */
    uint8_t word_bits_apart;   /* 1 when the address's words have word_bits all different */
    uint32_t first_mask;       /* bit (byte & 31) set for every byte of the first given token */
    uint32_t words;
    uint64_t word_bits;        /* bit (word number's hash & 63) set for every word of the address */
    byte_counts family_counts, address_counts;
} prep;

_Static_assert(sizeof(prep) == 128, "a prepared record is two cache lines");

enum { PREP_NAMES, PREP_FIRSTS, PREP_NICKS, PREP_CODES, PREP_PLACES, PREP_ADDRESSES, PREP_WORDS_T, PREP_TOWNS,
       PREP_EMAILS, PREP_IDENTS, PREP_NDICTS };

enum { HUGE_PAGE = 2 << 20 };

typedef struct prepared {
    const link_dataset *a, *b; /* records numbered as in blocking: a's, then b's (dedupe: a's only) */
    size_t na, n;
    prep *p;
    uint32_t *words;           /* the addresses' word numbers */
    size_t nwords;
    dict d[PREP_NDICTS];
} prepared;

static const link_record *prep_rec(const prepared *pp, size_t i)
{
    return i < pp->na ? &pp->a->recs[i] : &pp->b->recs[i - pp->na];
}

/* The byte classes of s[0, n): bit (byte & 31) for each byte. Two bytes of different classes are different,
 * which is all the Jaro-Winkler bounds need. */
static uint32_t byte_classes(const char *s, size_t n)
{
    uint32_t m = 0;
    for (size_t k = 0; k < n; k++)
        m |= 1u << ((unsigned char)s[k] & 31u);
    return m;
}

/* byte_counts of s[0, n); 0 when a class occurs more than 15 times (the counts are not kept). */
static int count_bytes(const char *s, size_t n, byte_counts *bc)
{
    uint8_t c[32] = {0};
    for (size_t k = 0; k < n; k++)
        if (++c[(unsigned char)s[k] & 31u] > 15)
            return 0;
    bc->lo = bc->hi = 0;
    for (int k = 0; k < 16; k++) {
        bc->lo |= (uint64_t)c[k] << (4 * k);
        bc->hi |= (uint64_t)c[k + 16] << (4 * k);
    }
    return 1;
}

static unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* The sum over the nibbles of min(a, b). */
static unsigned nibble_min_sum(uint64_t a, uint64_t b)
{
    unsigned s = 0;
    for (int half = 0; half < 2; half++, a >>= 4, b >>= 4) {
        /* eight bytes each holding one nibble: min by the sign of a - b, bytewise */
        uint64_t x = a & 0x0f0f0f0f0f0f0f0fULL, y = b & 0x0f0f0f0f0f0f0f0fULL;
        uint64_t d = (x | 0x8080808080808080ULL) - y;        /* per byte: 0x80 + x - y, never borrows across */
        uint64_t ge = (d & 0x8080808080808080ULL) >> 7;       /* 1 where x >= y */
        uint64_t sel = ge * 0xff;                              /* 0xff where x >= y */
        uint64_t m = (y & sel) | (x & ~sel);                   /* min per byte */
        s += (unsigned)((m * 0x0101010101010101ULL) >> 56);  /* sum of the bytes (each <= 15, so no overflow) */
    }
    return s;
}

static unsigned byte_counts_common(const byte_counts *a, const byte_counts *b)
{
    return nibble_min_sum(a->lo, b->lo) + nibble_min_sum(a->hi, b->hi);
}

/* 0 when link_jaro_winkler of two strings of la and lb bytes that share at most m bytes (counted by class)
 * is certainly below floor (>= 0.8); 1 when it may reach it. Jaro is at most (m/la + m/lb + 1) / 3 and the
 * prefix boost at most 0.4 of what is left, only above 0.7; so reaching floor needs Jaro >= t = max(0.7,
 * (floor - 0.4) / 0.6), that is m (la + lb) >= (3t - 1) la lb. The margin keeps rounding from ever skipping a
 * pair that might reach it. */
static int jw_may_reach(size_t la, size_t lb, size_t m, double floor)
{
    if (la == 0 || lb == 0 || la > 256 || lb > 256)
        return 1;
    double t = (floor - 0.4) / 0.6;
    if (t < 0.7)
        t = 0.7;
    return (double)m * (double)(la + lb) >= (3 * t - 1 - 1e-9) * (double)la * (double)lb;
}

/* Matches at most: la minus the classes a has and b lacks (each holds at least one of a's bytes), and the
 * same the other way. */
static size_t mask_common(size_t la, uint32_t ma, size_t lb, uint32_t mb)
{
    size_t xa = la - popcount64(ma & ~mb), xb = lb - popcount64(mb & ~ma);
    return xa < xb ? xa : xb;
}

static uint16_t len16(size_t n)
{
    return (uint16_t)(n < 65535 ? n : 65535);
}

/* The distinct words of an address as link_token_overlap splits it: on spaces, empty words skipped, 16 at
 * most, into w; returns how many. */
static size_t address_words(dict *d, const char *s, uint32_t w[PREP_WORDS])
{
    size_t nw = 0;
    while (s && *s && nw < PREP_WORDS) {
        size_t n = 0;
        while (s[n] && s[n] != ' ')
            n++;
        if (n > 0) {
            uint32_t id = dict_id(d, s, n, 0);
            int seen = 0;
            for (size_t k = 0; k < nw && !seen; k++)
                seen = w[k] == id;
            if (!seen)
                w[nw++] = id;
        }
        s += n;
        if (*s == ' ')
            s++;
    }
    return nw;
}

/* The tasks of prep_build, the longest first: each fills its own fields of every record, all of them, in
 * record order. */
enum { TASK_ADDRESSES, TASK_NAMES, TASK_PLACES, TASK_IDENTS, NTASKS };

static void prep_task(prepared *pp, int task)
{
    size_t wcap = 0;
    for (size_t i = 0; i < pp->n; i++) {
        const link_record *r = prep_rec(pp, i);
        prep *x = &pp->p[i];
        switch (task) {
        case TASK_NAMES: {
            x->given = dict_str(&pp->d[PREP_NAMES], r->given);
            x->family = dict_str(&pp->d[PREP_NAMES], r->family);
            size_t fn = r->family ? strlen(r->family) : 0, gn = r->given ? first_token_len(r->given) : 0;
            x->family_len = len16(fn);
            x->family_words = r->family && strchr(r->family, ' ') != NULL;
            x->family_counted = r->family && fn <= 256 && count_bytes(r->family, fn, &x->family_counts);
            if (!x->family_counted)
                x->family_counts = (byte_counts){0, 0};
            x->first = r->given ? dict_id(&pp->d[PREP_FIRSTS], r->given, gn, 0) : 0;
            x->first_len = len16(gn);
            x->first_mask = r->given ? byte_classes(r->given, gn) : 0;
            x->nick = dict_str(&pp->d[PREP_NICKS], r->given ? r->given_nick : NULL);
            /* the empty code is 0, as level_given and level_family test ap[0] */
            x->given_code = r->given && r->given_phon[0] ? dict_id(&pp->d[PREP_CODES], r->given_phon,
                                                                   strnlen(r->given_phon, LINK_PHONETIC_MAX), 0)
                                                         : 0;
            x->family_code = r->family && r->family_phon[0] ? dict_id(&pp->d[PREP_CODES], r->family_phon,
                                                                      strnlen(r->family_phon, LINK_PHONETIC_MAX), 0)
                                                            : 0;
            break;
        }
        case TASK_PLACES: { /* one table for postcode, sector and district: each is only compared with its kind */
            x->postcode = dict_str(&pp->d[PREP_PLACES], r->postcode);
            x->sector = dict_str(&pp->d[PREP_PLACES], r->sector);
            x->district = dict_str(&pp->d[PREP_PLACES], r->district);
            x->town = dict_str(&pp->d[PREP_TOWNS], r->town);
            x->email = dict_str(&pp->d[PREP_EMAILS], r->email);
            x->sex = r->sex;
            x->dob = LINK_NO_DATE;
            if (r->dob != LINK_NO_DATE) {
                core_date d = core_date_from_days(r->dob);
                x->dob = d.y * 10000 + d.m * 100 + d.d;
            }
            break;
        }
        case TASK_ADDRESSES: {
            x->address = dict_str(&pp->d[PREP_ADDRESSES], r->address);
            size_t n = r->address ? strlen(r->address) : 0;
            x->address_len = len16(n);
            x->address_counted = r->address && n <= 256 && count_bytes(r->address, n, &x->address_counts);
            if (!x->address_counted)
                x->address_counts = (byte_counts){0, 0};
            uint32_t w[PREP_WORDS];
            size_t nw = address_words(&pp->d[PREP_WORDS_T], r->address, w);
            x->nwords = (uint8_t)nw;
            x->words = (uint32_t)pp->nwords;
            if (pp->nwords + nw > wcap) {
                wcap = (pp->nwords + nw) * 2;
                pp->words = core_xrealloc(pp->words, wcap * sizeof(*pp->words));
            }
            if (nw)
                memcpy(pp->words + pp->nwords, w, nw * sizeof(*w));
            pp->nwords += nw;
            uint64_t bits = 0;
            int apart = 1;
            for (size_t k = 0; k < nw; k++) {
                uint64_t bit = 1ULL << (mix(w[k]) & 63);
                apart &= !(bits & bit);
                bits |= bit;
            }
            x->word_bits = bits;
            x->word_bits_apart = (uint8_t)apart;
            break;
        }
        case TASK_IDENTS:
            x->ident[0] = dict_str(&pp->d[PREP_IDENTS], r->nhs_number);
            x->ident[1] = dict_str(&pp->d[PREP_IDENTS], r->nino);
            x->ident[2] = dict_str(&pp->d[PREP_IDENTS], r->upn);
            break;
        }
    }
}

typedef struct prepjob {
    prepared *pp;
    int *next; /* the next task to take (shared, atomic) */
} prepjob;

static void *prep_worker(void *arg)
{
    prepjob *j = arg;
    for (int t; (t = __atomic_fetch_add(j->next, 1, __ATOMIC_RELAXED)) < NTASKS;)
        prep_task(j->pp, t);
    return NULL;
}

/* Prepare every record of a and b. The tasks are taken by the threads in turn; each writes its own fields of
 * every record (the preps are not zeroed first: every field is written), so nothing depends on the number of
 * threads. */
static void prep_build(prepared *pp, const link_dataset *a, const link_dataset *b, const link_options *o)
{
    memset(pp, 0, sizeof(*pp));
    pp->a = a;
    pp->b = b;
    pp->na = a->n;
    pp->n = a->n + (b ? b->n : 0);
    /* in huge pages where the system allows: the comparisons read the preps in no particular order, and with
     * small pages most reads would also miss the TLB */
    size_t bytes = (pp->n * sizeof(*pp->p) + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    pp->p = aligned_alloc(HUGE_PAGE, bytes);
    if (!pp->p)
        core_die("out of memory for prepared records");
    madvise(pp->p, bytes, MADV_HUGEPAGE);
    size_t expect[PREP_NDICTS] = {[PREP_NAMES] = 4096,          [PREP_FIRSTS] = 4096,  [PREP_NICKS] = 4096,
                                  [PREP_CODES] = 4096,          [PREP_PLACES] = 65536,
                                  [PREP_ADDRESSES] = pp->n / 4, [PREP_WORDS_T] = 4096, [PREP_TOWNS] = 1024,
                                  [PREP_EMAILS] = 1024,         [PREP_IDENTS] = pp->n / 4};
    for (int t = 0; t < PREP_NDICTS; t++)
        dict_init(&pp->d[t], expect[t]);
    int next = 0, nt = thread_count(o);
    if (nt > NTASKS)
        nt = NTASKS;
    pthread_t th[NTASKS];
    prepjob jobs[NTASKS];
    for (int t = 0; t < nt; t++) {
        jobs[t] = (prepjob){pp, &next};
        if (t > 0 && pthread_create(&th[t], NULL, prep_worker, &jobs[t]) != 0)
            core_die("cannot start a linking thread");
    }
    prep_worker(&jobs[0]);
    for (int t = 1; t < nt; t++)
        pthread_join(th[t], NULL);
}

static void prep_free(prepared *pp)
{
    for (int t = 0; t < PREP_NDICTS; t++)
        dict_free(&pp->d[t]);
    free(pp->p);
    free(pp->words);
    memset(pp, 0, sizeof(*pp));
}

/* level_dob_parts() for two different dates YYYYMMDD, not day and month swapped, without the Damerau table:
 * for strings of one length, the distance is 1 when they differ in one place or in two neighbours swapped;
 * it is 2 when they differ in two places, in a swapped pair and one more place, in two swapped pairs, or
 * when one string is the other with a digit taken out at one end of the span where they differ and another
 * put in at the other end; otherwise it is more than 2 (each substitution or swap mends at most two
 * differing places, and an insertion needs a deletion to keep the length). */
static int level_dob_digits(int32_t a, int32_t b)
{
    char x[8], y[8];
    for (int k = 7; k >= 0; k--, a /= 10, b /= 10) {
        x[k] = (char)(a % 10);
        y[k] = (char)(b % 10);
    }
    int at[8], h = 0;
    for (int k = 0; k < 8; k++)
        if (x[k] != y[k])
            at[h++] = k;
#define SWAPPED(p) (x[(p)] == y[(p) + 1] && x[(p) + 1] == y[(p)])
    if (h == 1)
        return 3;
    if (h == 2)
        return at[1] == at[0] + 1 && SWAPPED(at[0]) ? 3 : 4;
    if (h == 3 && ((at[1] == at[0] + 1 && SWAPPED(at[0])) || (at[2] == at[1] + 1 && SWAPPED(at[1]))))
        return 4;
    if (h == 4 && at[1] == at[0] + 1 && SWAPPED(at[0]) && at[3] == at[2] + 1 && SWAPPED(at[2]))
        return 4;
#undef SWAPPED
    int from = at[0], to = at[h - 1], left = 1, right = 1; /* the span where they differ, shifted by one */
    for (int k = from; k < to; k++) {
        left &= x[k + 1] == y[k];
        right &= x[k] == y[k + 1];
    }
    return left || right ? 4 : 5;
}

/* What a pair of distinct values of a memo's field gave, kept per thread in a direct-mapped table. */
enum { MEMO_BITS = 14 };

typedef struct memo {
    uint64_t key[1u << MEMO_BITS]; /* the two values' numbers, (a << 32) | b; 0: empty (numbers start at 1) */
    uint8_t val[1u << MEMO_BITS];
} memo;

typedef struct memos {
    memo given, family, town;
} memos;

static size_t memo_slot(uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS));
}

/* Jaro-Winkler of the first given tokens in classes: 0 below 0.80 (or not computed: the bound says so), 1 from
 * 0.80, 2 from 0.92 — what level_given() asks of it. */
static int given_jw_class(const prepared *pp, memos *mm, const prep *x, const prep *y)
{
    if (!jw_may_reach(x->first_len, y->first_len, mask_common(x->first_len, x->first_mask, y->first_len,
                                                                y->first_mask), 0.80))
        return 0;
    uint64_t k = (uint64_t)x->first << 32 | y->first;
    size_t s = memo_slot(k);
    if (mm->given.key[s] != k) {
        const dict *d = &pp->d[PREP_FIRSTS];
        double v = jw_from(d->str[x->first], d->len[x->first], d->str[y->first], d->len[y->first], 0.80);
        mm->given.key[s] = k;
        mm->given.val[s] = v >= 0.92 ? 2 : v >= 0.80 ? 1 : 0;
    }
    return mm->given.val[s];
}

/* The same for the family names (jw(), from 0.80), plus 4 when one of them has words and the other has all
 * of them (level_family's double-barrelled case). */
static int family_jw_class(const prepared *pp, memos *mm, const prep *x, const prep *y)
{
    int may_jw = 1;
    if (x->family_counted && y->family_counted)
        may_jw = jw_may_reach(x->family_len, y->family_len, byte_counts_common(&x->family_counts, &y->family_counts),
                              0.80);
    if (!may_jw && !x->family_words && !y->family_words)
        return 0;
    uint64_t k = (uint64_t)x->family << 32 | y->family;
    size_t s = memo_slot(k);
    if (mm->family.key[s] != k) {
        const dict *d = &pp->d[PREP_NAMES];
        const char *a = d->str[x->family], *b = d->str[y->family];
        double v = may_jw ? jw_from(a, d->len[x->family], b, d->len[y->family], 0.80) : 0.0;
        int c = v >= 0.92 ? 2 : v >= 0.80 ? 1 : 0;
        if ((x->family_words || y->family_words) && link_token_overlap(a, b) >= 1.0)
            c |= 4;
        mm->family.key[s] = k;
        mm->family.val[s] = (uint8_t)c;
    }
    return mm->family.val[s];
}

/* For two addresses with words, a bound of how many words they share when one side's words all have their
 * own bit (each shared word is a bit set on both sides), else -1. */
static int words_common_bound(const prep *x, const prep *y)
{
    return x->word_bits_apart || y->word_bits_apart ? (int)popcount64(x->word_bits & y->word_bits) : -1;
}

/* 1 when address_level() must count the shared words one by one: the bound allows an overlap of 0.5. */
static int words_needed(const prep *x, const prep *y)
{
    size_t lo = x->nwords < y->nwords ? x->nwords : y->nwords;
    int bound = words_common_bound(x, y);
    return lo > 0 && (bound < 0 || (double)bound / (double)lo >= 0.5);
}

/* level_address() for two different addresses: the overlap of their words counted on word numbers (or only
 * bounded, when the bound is enough), Jaro-Winkler only when the byte counts leave it a chance. */
static int address_level(const prepared *pp, const prep *x, const prep *y)
{
    size_t na = x->nwords, nb = y->nwords, lo = na < nb ? na : nb;
    double o = 0.0;
    if (lo > 0) {
        size_t common;
        if (!words_needed(x, y)) { /* the overlap is below 0.5, and its exact value does not matter */
            common = (size_t)words_common_bound(x, y);
        } else {
            const uint32_t *wa = pp->words + x->words, *wb = pp->words + y->words;
            common = 0;
            for (size_t p = 0; p < na; p++)
                for (size_t q = 0; q < nb; q++)
                    if (wa[p] == wb[q]) {
                        common++;
                        break;
                    }
        }
        o = (double)common / (double)lo;
    }
    if (o >= 0.75)
        return 2;
    int may_jw = 1;
    if (x->address_counted && y->address_counted)
        may_jw = jw_may_reach(x->address_len, y->address_len,
                              byte_counts_common(&x->address_counts, &y->address_counts), 0.92);
    if (may_jw) {
        const dict *d = &pp->d[PREP_ADDRESSES];
        if (jw_from(d->str[x->address], d->len[x->address], d->str[y->address], d->len[y->address], 0.92) >= 0.92)
            return 2;
    }
    return o >= 0.5 ? 3 : 4;
}

/* The comparison vector of records i and j (numbered as in prepared): link_compare_records()'s levels. */
static void compare_prepped(const prepared *pp, memos *mm, size_t i, size_t j, int use_ids, uint8_t lv[LINK_NCOMP])
{
    const prep *x = &pp->p[i], *y = &pp->p[j];
    memset(lv, 0, LINK_NCOMP);
    if (x->given && x->family && y->given && y->family && x->given == y->family && x->family == y->given) {
        lv[LINK_C_GIVEN] = 3; /* the names written the other way round (link_compare_records) */
        lv[LINK_C_FAMILY] = 2;
    } else {
        if (x->given && y->given) { /* level_given() */
            if (x->first == y->first) {
                lv[LINK_C_GIVEN] = 1;
            } else if (x->nick && x->nick == y->nick) {
                lv[LINK_C_GIVEN] = 2;
            } else {
                int c = given_jw_class(pp, mm, x, y);
                lv[LINK_C_GIVEN] = c == 2 ? 3 : c == 1 || (x->given_code && x->given_code == y->given_code) ? 4 : 5;
            }
        }
        if (x->family && y->family) { /* level_family() */
            if (x->family == y->family) {
                lv[LINK_C_FAMILY] = 1;
            } else {
                int c = family_jw_class(pp, mm, x, y);
                lv[LINK_C_FAMILY] = (c & 3) == 2 || (c & 4)                                            ? 2
                                    : (c & 3) == 1 || (x->family_code && x->family_code == y->family_code) ? 3
                                                                                                        : 4;
            }
        }
    }
    if (x->dob != LINK_NO_DATE && y->dob != LINK_NO_DATE) { /* level_dob() */
        if (x->dob == y->dob) {
            lv[LINK_C_DOB] = 1;
        } else {
            int ay = x->dob / 10000, am = x->dob / 100 % 100, ad = x->dob % 100;
            int by = y->dob / 10000, bm = y->dob / 100 % 100, bd = y->dob % 100;
            lv[LINK_C_DOB] = ay == by && am == bd && ad == bm ? 2 : (uint8_t)level_dob_digits(x->dob, y->dob);
        }
    }
    if (x->sex && y->sex)
        lv[LINK_C_SEX] = x->sex == y->sex ? 1 : 2;
    if (x->postcode && y->postcode) { /* level_postcode() */
        if (x->postcode == y->postcode)
            lv[LINK_C_POSTCODE] = 1;
        else if (x->sector && y->sector)
            lv[LINK_C_POSTCODE] = x->sector == y->sector                                       ? 2
                                  : x->district && y->district && x->district == y->district ? 3
                                                                                              : 4;
        else
            lv[LINK_C_POSTCODE] = (uint8_t)level_postcode(prep_rec(pp, i), prep_rec(pp, j));
    }
    if (x->address && y->address)
        lv[LINK_C_ADDRESS] = x->address == y->address ? 1 : (uint8_t)address_level(pp, x, y);
    if (x->town && y->town) {
        if (x->town == y->town) {
            lv[LINK_C_TOWN] = 1;
        } else {
            uint64_t k = (uint64_t)x->town << 32 | y->town;
            size_t s = memo_slot(k);
            if (mm->town.key[s] != k) {
                const dict *d = &pp->d[PREP_TOWNS];
                mm->town.key[s] = k;
                mm->town.val[s] = jw(d->str[x->town], d->str[y->town], 0.9) >= 0.9 ? 2 : 3;
            }
            lv[LINK_C_TOWN] = mm->town.val[s];
        }
    }
    /* where someone lives counts once: as in link_compare_records */
    if (lv[LINK_C_ADDRESS] == 1 || lv[LINK_C_ADDRESS] == 2) {
        if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= 2)
            lv[LINK_C_POSTCODE] = 0;
        if (lv[LINK_C_TOWN] && lv[LINK_C_TOWN] <= 2)
            lv[LINK_C_TOWN] = 0;
    } else if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= 3 && lv[LINK_C_TOWN] && lv[LINK_C_TOWN] <= 2) {
        lv[LINK_C_TOWN] = 0;
    }
    if (use_ids && (x->ident[0] | x->ident[1] | x->ident[2]) && (y->ident[0] | y->ident[1] | y->ident[2])) {
        int any = 0, near = 0, level = 0; /* level_ids() */
        for (int k = 0; k < 3 && !level; k++) {
            if (!x->ident[k] || !y->ident[k])
                continue;
            any = 1;
            if (x->ident[k] == y->ident[k]) {
                level = 1;
            } else if (!near) {
                const dict *d = &pp->d[PREP_IDENTS];
                near = link_damerau(d->str[x->ident[k]], d->len[x->ident[k]], d->str[y->ident[k]],
                                    d->len[y->ident[k]], 1) <= 1;
            }
        }
        lv[LINK_C_ID] = (uint8_t)(level ? level : !any ? 0 : near ? 2 : 3);
    }
    if (x->email && y->email)
        lv[LINK_C_EMAIL] = x->email == y->email ? 1 : 2;
}

/* ---- threads ---- */

static int thread_count(const link_options *o)
{
    if (o->threads > 0)
        return o->threads > 64 ? 64 : o->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}


/* ---- term frequencies of names ---- */

typedef struct tf_table {
    uint64_t *keys;
    uint32_t *counts;
    size_t cap;      /* a power of two */
    double total;    /* names counted */
} tf_table;

/* Count the name s n times. */
static void tf_add(tf_table *t, const char *s, uint32_t n)
{
    if (!s || !n)
        return;
    uint64_t h = mix(hash_str(FNV_BASIS, s)) | 1;
    size_t i = h & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != h)
        i = (i + 1) & (t->cap - 1);
    t->keys[i] = h;
    t->counts[i] += n;
    t->total += n;
}

static double tf_freq(const tf_table *t, const char *s)
{
    uint64_t h = mix(hash_str(FNV_BASIS, s)) | 1;
    size_t i = h & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != h)
        i = (i + 1) & (t->cap - 1);
    return t->keys[i] && t->total > 0 ? t->counts[i] / t->total : 0;
}

static void tf_init(tf_table *t, size_t nvalues)
{
    t->cap = 16;
    while (t->cap < nvalues * 2 + 16)
        t->cap <<= 1;
    t->keys = calloc(t->cap, sizeof(*t->keys));
    t->counts = calloc(t->cap, sizeof(*t->counts));
    if (!t->keys || !t->counts)
        core_die("out of memory for name frequencies");
    t->total = 0;
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
    if (f <= 0)
        return u_exact;
    return f < u_exact ? f : u_exact;
}

/* A rare family name is strong evidence between strangers, but not between people of one address: a household
 * shares its family name, however rare. When the address agrees, an exact family name weighs what an average
 * one does (no term-frequency adjustment). */
static int address_agrees(const link_pair *p)
{
    return p->level[LINK_C_ADDRESS] == 1 || p->level[LINK_C_ADDRESS] == 2;
}

static double bf(const link_model *m, int c, int level)
{
    return log2(m->m[c][level] / m->u[c][level]);
}

static double pair_weight(const link_model *m, const struct link_tf *tf, const link_record *l, const link_record *r,
                          const link_pair *p, double contrib[LINK_NCOMP])
{
    double w = log2(m->lambda / (1 - m->lambda));
    for (int c = 0; c < LINK_NCOMP; c++) {
        int lv = p->level[c];
        double x = 0;
        if (lv) {
            x = bf(m, c, lv);
            if (tf && lv == 1 && c == LINK_C_GIVEN)
                x = log2(m->m[c][1] / tf_u(&tf->given, l->given, m->u[c][1]));
            else if (tf && lv == 1 && c == LINK_C_FAMILY && !address_agrees(p))
                x = log2(m->m[c][1] / tf_u(&tf->family, l->family, m->u[c][1]));
        }
        if (contrib)
            contrib[c] = x;
        w += x;
    }
    (void)r;
    return w;
}

double link_probability(double weight)
{
    return 1.0 / (1.0 + exp2(-weight));
}


/* ---- comparison patterns, counted while comparing ---- */

/* A candidate's comparison vector and rule mask in one number: level c in bits 3c..3c+2, the mask from bit
 * 32. EM needs only how many candidates share each (vector, mask), so the comparing threads count these
 * instead of EM reading every pair again. */
_Static_assert(LINK_NCOMP * 3 <= 32 && LINK_MAX_LEVELS <= 8, "a comparison vector packs into 32 bits");

static uint64_t pattern_pack(const uint8_t lv[LINK_NCOMP], uint16_t mask)
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

typedef struct pattern_count {
    uint64_t key;   /* pattern_pack(), with bit 63 set so that 0 is an empty slot */
    uint64_t count;
} pattern_count;

typedef struct pattern_counts {
    pattern_count *v;
    size_t cap, n;  /* cap a power of two (open addressing), or a plain array once pattern_counts_sort ran */
} pattern_counts;

static void pattern_count_add(pattern_counts *pc, uint64_t key, uint64_t n)
{
    key |= 1ULL << 63;
    if ((pc->n + 1) * 2 > pc->cap) {
        pattern_counts old = *pc;
        pc->cap = old.cap ? old.cap * 2 : 4096;
        pc->v = calloc(pc->cap, sizeof(*pc->v));
        if (!pc->v)
            core_die("out of memory for comparison patterns");
        pc->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i].key)
                pattern_count_add(pc, old.v[i].key, old.v[i].count);
        free(old.v);
    }
    size_t j = (size_t)(mix(key) & (pc->cap - 1));
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
    uint64_t a = ((const pattern_count *)x)->key, b = ((const pattern_count *)y)->key;
    return a < b ? -1 : a > b;
}

/* Into a plain array of the n patterns in ascending key order: the same order however they were counted. */
static void pattern_counts_sort(pattern_counts *pc)
{
    size_t n = 0;
    for (size_t i = 0; pc->v && i < pc->cap; i++)
        if (pc->v[i].key)
            pc->v[n++] = pc->v[i];
    if (n)
        qsort(pc->v, n, sizeof(*pc->v), pattern_count_cmp);
    pc->n = n;
}

/* ---- the comparing and scoring threads ---- */

typedef struct job {
    const prepared *pp;
    const link_options *o;
    link_pair *pairs;
    size_t from, to;
    int phase;                  /* 1: compare, 2: score */
    int count;                  /* phase 1: count the patterns into pc */
    pattern_counts pc;
    const link_model *model;    /* phase 2 */
    const double *tfw_given, *tfw_family; /* phase 2: an exact name's weight, by the name's number */
} job;

enum { PREFETCH_AHEAD = 16 }; /* pairs */

static void *worker(void *arg)
{
    job *j = arg;
    const prepared *pp = j->pp;
    if (j->phase == 1) {
        memos *mm = calloc(1, sizeof(*mm));
        if (!mm)
            core_die("out of memory for comparing");
        size_t right0 = pp->b ? pp->na : 0;
        uint64_t last = 0, run = 0; /* consecutive equal patterns counted once */
        for (size_t i = j->from; i < j->to; i++) {
            if (i + PREFETCH_AHEAD < j->to) { /* the preps of a pair a little ahead: memory, not work, is the cost */
                const link_pair *q = &j->pairs[i + PREFETCH_AHEAD];
                const char *pl = (const char *)&pp->p[q->left], *pr = (const char *)&pp->p[right0 + q->right];
                __builtin_prefetch(pl);
                __builtin_prefetch(pl + 64);
                __builtin_prefetch(pr);
                __builtin_prefetch(pr + 64);
            }
            if (i + PREFETCH_AHEAD / 2 < j->to) { /* and, with its preps at hand by now, its addresses' words */
                const link_pair *q = &j->pairs[i + PREFETCH_AHEAD / 2];
                const prep *x = &pp->p[q->left], *y = &pp->p[right0 + q->right];
                if (x->address && y->address && x->address != y->address && words_needed(x, y)) {
                    __builtin_prefetch(pp->words + x->words);
                    __builtin_prefetch(pp->words + y->words);
                }
            }
            link_pair *p = &j->pairs[i];
            compare_prepped(pp, mm, p->left, right0 + p->right, j->o->use_ids, p->level);
            if (j->count) {
                uint64_t k = pattern_pack(p->level, p->rules);
                if (run && k != last) {
                    pattern_count_add(&j->pc, last, run);
                    run = 0;
                }
                last = k;
                run++;
            }
        }
        if (run)
            pattern_count_add(&j->pc, last, run);
        free(mm);
        return NULL;
    }
    double bft[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}};
    double prior = log2(j->model->lambda / (1 - j->model->lambda));
    for (int c = 0; c < LINK_NCOMP; c++)
        for (int lv = 1; lv < comparisons[c].nlevels; lv++)
            bft[c][lv] = bf(j->model, c, lv);
    for (size_t i = j->from; i < j->to; i++) {
        if (i + PREFETCH_AHEAD < j->to) /* the names of the pair's left record, for an exact name's weight */
            __builtin_prefetch(&pp->p[j->pairs[i + PREFETCH_AHEAD].left]);
        link_pair *p = &j->pairs[i];
        const prep *l = &pp->p[p->left];
        /* pair_weight() with the Bayes factors looked up: the same sum in the same order, so the same weight
         * to the last bit as link_explain() gives */
        double w = prior;
        for (int c = 0; c < LINK_NCOMP; c++) {
            int lv = p->level[c];
            if (!lv)
                continue;
            if (lv == 1 && c == LINK_C_GIVEN)
                w += j->tfw_given[l->given];
            else if (lv == 1 && c == LINK_C_FAMILY && !address_agrees(p))
                w += j->tfw_family[l->family];
            else
                w += bft[c][lv];
        }
        p->weight = (float)w;
        p->decision = w >= j->model->link_weight     ? LINK_LINK
                      : w >= j->model->review_weight ? LINK_REVIEW
                                                     : LINK_NO;
    }
    return NULL;
}

/* Phase 1 or 2 over pairs[0, n) in threads. With pc (phase 1), the patterns of all the pairs, sorted. */
static void run_threads(const prepared *pp, const link_options *o, link_pair *pairs, size_t n, int phase,
                        pattern_counts *pc, const link_model *model, const double *tfw_given,
                        const double *tfw_family)
{
    int nt = thread_count(o);
    if ((size_t)nt > n / 1024 + 1)
        nt = (int)(n / 1024 + 1);
    pthread_t th[64];
    job jobs[64];
    for (int t = 0; t < nt; t++) {
        jobs[t] = (job){pp, o, pairs, n * (size_t)t / (size_t)nt, n * (size_t)(t + 1) / (size_t)nt, phase, pc != NULL,
                        {0}, model, tfw_given, tfw_family};
        if (t > 0 && pthread_create(&th[t], NULL, worker, &jobs[t]) != 0)
            core_die("cannot start a linking thread");
    }
    worker(&jobs[0]);
    for (int t = 1; t < nt; t++)
        pthread_join(th[t], NULL);
    if (!pc)
        return;
    *pc = jobs[0].pc;
    for (int t = 1; t < nt; t++) {
        for (size_t i = 0; i < jobs[t].pc.cap; i++)
            if (jobs[t].pc.v[i].key)
                pattern_count_add(pc, jobs[t].pc.v[i].key, jobs[t].pc.v[i].count);
        free(jobs[t].pc.v);
    }
    pattern_counts_sort(pc);
}

/* ---- u from random pairs ---- */

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    return mix(*s);
}

static void estimate_u(const prepared *pp, const link_options *o, link_model *m)
{
    size_t na = pp->a->n, nb = pp->b ? pp->b->n : pp->a->n;
    double possible = pp->b ? (double)na * (double)nb : (double)na * (double)(na - 1) / 2;
    size_t want = o->random_pairs ? o->random_pairs : 1000000;
    if ((double)want > possible)
        want = (size_t)possible;
    link_pair *s = core_xmalloc((want + 1) * sizeof(*s));
    uint64_t seed = 0x4865617274685531ULL; /* fixed: the same data gives the same model */
    size_t n = 0;
    while (n < want) {
        uint32_t l = (uint32_t)(rng_next(&seed) % na), r = (uint32_t)(rng_next(&seed) % nb);
        if (!pp->b && l == r)
            continue;
        s[n].left = l;
        s[n].right = r;
        n++;
    }
    run_threads(pp, o, s, n, 1, NULL, NULL, NULL, NULL);
    double count[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, present[LINK_NCOMP] = {0};
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < LINK_NCOMP; c++)
            if (s[i].level[c]) {
                count[c][s[i].level[c]]++;
                present[c]++;
            }
    free(s);
    for (int c = 0; c < LINK_NCOMP; c++) {
        int L = comparisons[c].nlevels;
        for (int l = 1; l < L; l++) /* smoothed: a level never seen at random is rare, not impossible */
            m->u[c][l] = (count[c][l] + 0.5) / (present[c] + 0.5 * (L - 1));
        m->u[c][0] = 1;
    }
}

/* ---- m by EM, one blocking rule at a time ---- */

/* The comparisons each blocking rule decides by (bit c set): their agreement among the rule's pairs is made by
 * the rule, not evidence of a match, so EM over that rule's pairs must not estimate them. */
static const unsigned rule_uses[] = {
    1u << LINK_C_GIVEN | 1u << LINK_C_FAMILY,    /* names, phonetic */
    1u << LINK_C_DOB,                            /* date of birth */
    1u << LINK_C_POSTCODE | 1u << LINK_C_GIVEN,  /* postcode and initial */
    1u << LINK_C_FAMILY | 1u << LINK_C_DOB,      /* family name and year of birth */
    1u << LINK_C_GIVEN | 1u << LINK_C_DOB,       /* given name and day and month */
    1u << LINK_C_ADDRESS | 1u << LINK_C_FAMILY,  /* address and family initial */
    1u << LINK_C_FAMILY | 1u << LINK_C_GIVEN,    /* family name, phonetic, and given initial */
    1u << LINK_C_POSTCODE | 1u << LINK_C_FAMILY, /* postcode and family initial */
    1u << LINK_C_TOWN | 1u << LINK_C_DOB,        /* town and year of birth */
    1u << LINK_C_ID, 1u << LINK_C_ID, 1u << LINK_C_ID,
    1u << LINK_C_GIVEN | 1u << LINK_C_FAMILY,    /* the first three letters of both names */
};

_Static_assert(sizeof(rule_uses) / sizeof(rule_uses[0]) == NRULES, "one rule_uses entry per blocking rule");

/* The rules whose pairs EM learns m from: those that block on the person (names, date of birth,
 * identifiers). A rule that blocks on where people live (postcode, address, town) gathers households —
 * partners, siblings, twins, who share address, family name and town but not given name or date of birth —
 * and EM over its pairs takes "same household" for "same person": m of a different given name or date of
 * birth comes out high and neighbours are linked. Those rules still offer candidates. */
static const unsigned char rule_trains[] = {1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1};

_Static_assert(sizeof(rule_trains) == NRULES, "one rule_trains entry per blocking rule");

typedef struct pattern {
    uint8_t level[LINK_NCOMP];
    double count;
} pattern;

typedef struct pattern_set {
    uint64_t *keys;
    pattern *pats;
    size_t cap, n;
} pattern_set;

static uint64_t pattern_hash(const uint8_t lv[LINK_NCOMP])
{
    return mix(hash_bytes(FNV_BASIS, lv, LINK_NCOMP)) | 1;
}

/* Count the comparison vector lv n times. */
static void pattern_add(pattern_set *ps, const uint8_t lv[LINK_NCOMP], double n)
{
    if (ps->n * 2 >= ps->cap) { /* grow and rehash */
        size_t ocap = ps->cap;
        uint64_t *okeys = ps->keys;
        pattern *opats = ps->pats;
        ps->cap = ocap ? ocap * 2 : 1024;
        ps->keys = calloc(ps->cap, sizeof(*ps->keys));
        ps->pats = calloc(ps->cap, sizeof(*ps->pats));
        if (!ps->keys || !ps->pats)
            core_die("out of memory for comparison patterns");
        for (size_t i = 0; i < ocap; i++) {
            if (!okeys[i])
                continue;
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
        if (lv[c])
            lr *= m->m[c][lv[c]] / m->u[c][lv[c]];
    double odds = lambda / (1 - lambda) * lr;
    return isinf(odds) ? 1 : odds / (1 + odds);
}

/* EM with u fixed over the vectors of ps: m of the comparisons present, and the share of matches. Into
 * est (m) and *lambda; *iterations the rounds run. */
static void em(const pattern_set *ps, const link_model *u, link_model *est, double *lambda, int *iterations)
{
    for (int c = 0; c < LINK_NCOMP; c++) { /* start: matches agree, most of them exactly */
        int L = comparisons[c].nlevels;
        double rest = 0.1 / (L - 2 > 0 ? L - 2 : 1);
        est->m[c][0] = 1;
        est->m[c][1] = 0.9;
        for (int l = 2; l < L; l++)
            est->m[c][l] = rest;
        memcpy(est->u[c], u->u[c], sizeof(est->u[c]));
    }
    double total = 0;
    for (size_t j = 0; j < ps->cap; j++)
        if (ps->keys[j])
            total += ps->pats[j].count;
    *lambda = 0.1;
    int it;
    for (it = 0; it < 200 && total > 0; it++) {
        double sm[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, sw = 0;
        for (size_t j = 0; j < ps->cap; j++) {
            if (!ps->keys[j])
                continue;
            double cw = posterior(est, *lambda, ps->pats[j].level) * ps->pats[j].count;
            sw += cw;
            for (int c = 0; c < LINK_NCOMP; c++)
                sm[c][ps->pats[j].level[c]] += cw;
        }
        double l = sw / total, change = fabs(l - *lambda);
        *lambda = l < 1e-9 ? 1e-9 : l > 1 - 1e-9 ? 1 - 1e-9 : l;
        for (int c = 0; c < LINK_NCOMP; c++) {
            int L = comparisons[c].nlevels;
            double present = 0;
            for (int k = 1; k < L; k++)
                present += sm[c][k];
            if (present <= 0)
                continue;
            for (int k = 1; k < L; k++) {
                double v = (sm[c][k] + 1e-3) / (present + 1e-3 * (L - 1));
                change = fmax(change, fabs(v - est->m[c][k]));
                est->m[c][k] = v;
            }
        }
        if (change < 1e-7)
            break;
    }
    *iterations = it;
}

/* m for every comparison: for each blocking rule, EM over the candidates that rule found with the rule's own
 * comparisons left out; each comparison's m is the mean over the rules that could estimate it, weighted by
 * the matches each rule's EM found. Then the prior (the chance that two records drawn at random are the same
 * person) from the candidates: lambda = (expected matches among them) / (all possible pairs), solved as a
 * fixed point, the pairs no rule found counting as non-matches. The candidates come as the counts of their
 * (comparison vector, rule mask) patterns, in ascending order (pattern_counts_sort). */
static void estimate_m(const link_options *o, const pattern_counts *pc, double possible, link_model *m)
{
    double msum[LINK_NCOMP][LINK_MAX_LEVELS] = {{0}}, wsum[LINK_NCOMP] = {0};
    int iterations = 0;
    for (int r = 0; r < NRULES; r++) {
        if (!rule_trains[r] || (!o->use_ids && (rule_uses[r] & 1u << LINK_C_ID)))
            continue;
        pattern_set ps = {0};
        for (size_t i = 0; i < pc->n; i++) {
            if (!(pc->v[i].key >> 32 & 1u << r))
                continue;
            uint8_t lv[LINK_NCOMP];
            pattern_unpack(pc->v[i].key, lv);
            for (int c = 0; c < LINK_NCOMP; c++)
                if (rule_uses[r] & 1u << c)
                    lv[c] = 0;
            pattern_add(&ps, lv, (double)pc->v[i].count);
        }
        if (ps.n) {
            link_model est;
            double lambda, total = 0;
            int it;
            em(&ps, m, &est, &lambda, &it);
            iterations += it;
            for (size_t j = 0; j < ps.cap; j++)
                if (ps.keys[j])
                    total += ps.pats[j].count;
            double matches = lambda * total;
            for (int c = 0; c < LINK_NCOMP; c++) {
                if (rule_uses[r] & 1u << c)
                    continue;
                for (int k = 1; k < comparisons[c].nlevels; k++)
                    msum[c][k] += matches * est.m[c][k];
                wsum[c] += matches;
            }
        }
        pattern_free(&ps);
    }
    for (int c = 0; c < LINK_NCOMP; c++) {
        int L = comparisons[c].nlevels;
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
    double lambda = n > 0 && possible > 0 ? 0.1 * n / possible : 1e-6;
    for (int it = 0; it < 200; it++) {
        double expected = 0;
        for (size_t j = 0; j < all.cap; j++)
            if (all.keys[j])
                expected += posterior(m, lambda, all.pats[j].level) * all.pats[j].count;
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
}

/* ---- the whole run ---- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(const link_options *o, const char *stage, uint64_t done, uint64_t total)
{
    if (o->progress)
        o->progress(o->progress_ctx, stage, done, total);
}

int link_run(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out,
             core_error *err)
{
    memset(out, 0, sizeof(*out));
    if (a->n == 0 || (b && b->n == 0))
        return 0;
    if (a->n + (b ? b->n : 0) >= UINT32_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "more than 2^32 - 1 records in the two datasets");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* 1. blocking */
    block_all(a, b, o, out);
    size_t n = out->npairs;
    out->seconds_blocking = seconds_since(&t0);

    /* 2-4. prepare the records, compare the candidates (counting their patterns), u from random pairs, m and
     * lambda by EM over the patterns */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    prepared pp;
    prep_build(&pp, a, b, o);
    pattern_counts pc = {0};
    run_threads(&pp, o, out->pairs, n, 1, &pc, NULL, NULL, NULL);
    progress(o, "comparing", n, n);
    estimate_u(&pp, o, &out->model);
    double possible = b ? (double)a->n * (double)b->n : (double)a->n * (double)(a->n - 1) / 2;
    estimate_m(o, &pc, possible, &out->model);
    free(pc.v);
    double review = o->review_probability > 0 && o->review_probability < 0.5 ? o->review_probability : 0.05;
    out->model.link_weight = 0; /* probability 0.5 */
    out->model.review_weight = log2(review / (1 - review));
    out->seconds_training = seconds_since(&t0);

    /* 5-6. score and decide: the names' frequencies counted by their numbers, an exact name's weight once per
     * name */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const dict *names = &pp.d[PREP_NAMES];
    uint32_t *gcount = calloc(names->n, sizeof(*gcount)), *fcount = calloc(names->n, sizeof(*fcount));
    double *tfw = core_xmalloc(2 * names->n * sizeof(*tfw)), *tfw_family = tfw + names->n;
    if (!gcount || !fcount)
        core_die("out of memory for name frequencies");
    for (size_t i = 0; i < pp.n; i++) {
        gcount[pp.p[i].given]++;
        fcount[pp.p[i].family]++;
    }
    struct link_tf *tf = core_xmalloc(sizeof(*tf));
    tf_init(&tf->given, pp.n);
    tf_init(&tf->family, pp.n);
    for (size_t id = 1; id < names->n; id++) { /* the table's strings are the records' own (NUL-terminated) */
        tf_add(&tf->given, names->str[id], gcount[id]);
        tf_add(&tf->family, names->str[id], fcount[id]);
    }
    out->tf = tf;
    const link_model *md = &out->model;
    tfw[0] = tfw_family[0] = 0;
    for (size_t id = 1; id < names->n; id++) { /* as pair_weight() computes them */
        tfw[id] = gcount[id] ? log2(md->m[LINK_C_GIVEN][1] / tf_u(&tf->given, names->str[id], md->u[LINK_C_GIVEN][1]))
                             : 0;
        tfw_family[id] =
            fcount[id] ? log2(md->m[LINK_C_FAMILY][1] / tf_u(&tf->family, names->str[id], md->u[LINK_C_FAMILY][1]))
                       : 0;
    }
    free(gcount);
    free(fcount);
    run_threads(&pp, o, out->pairs, n, 2, NULL, &out->model, tfw, tfw_family);
    free(tfw);
    prep_free(&pp);
    progress(o, "scoring", n, n);
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
