/*
 * link_prep.c — prepared records: values as numbers, and the comparison vector of two prepared records (step
 * 2 of link_run; what the engine's files share in link_internal.h).
 *
 * Before the candidates are compared, every record is prepared once (prep_build; the fields shared out among
 * threads) into a struct prep of two cache lines: each value a comparison tests for equality becomes a number
 * from a table of that field's values, the same number exactly when the bytes are the same (the bytes are
 * compared on every hash hit, so a collision never merges two values); the first given token, the family
 * name and the address also get their length and the set of byte classes they hold (for a bound on
 * Jaro-Winkler that reads no string), an address the numbers of its distinct words, a date of birth its year,
 * month and day and how often each digit occurs in it. Comparing two records then reads two preps: equal
 * numbers are equal strings, and the strings themselves are read only when the bounds cannot decide
 * (Jaro-Winkler, a double-barrelled name's words, a non-UK postcode or an identifier one character apart),
 * the name and town ones once per pair of distinct values a thread meets (struct memo). compare_prepped()
 * gives exactly the levels of link_compare_records(), which stays the reference (the tests check that the two
 * agree on every candidate pair).
 *
 * Invariants
 *   1. In every table number 0 is "no value" and stands for NULL (or, for the phonetic codes, ""); numbers
 *      of one table are equal exactly when the values' bytes are.
 *   2. A memo keeps a function of its key's two values only (their Jaro-Winkler class, their words), never of
 *      anything else in the records.
 */

#include <stdlib.h>
#include <sys/mman.h>

#include "core/core_date.h"
#include "link/link_internal.h"

enum {
    DICT_INLINE = 48
}; /* values up to this long are kept in their slot (of one cache line): found
     without reading the records */

typedef struct dict_slot {
    uint64_t hash; /* of the value; 0: empty */
    uint32_t id;   /* the value's number */
    uint32_t len;
    char bytes[DICT_INLINE]; /* the value, when len <= DICT_INLINE */
} dict_slot;

_Static_assert(sizeof(dict_slot) == 64, "a table slot is one cache line");

/* n empty slots, or NULL when out of memory. */
static dict_slot *slots_alloc(size_t n)
{
    dict_slot *v = aligned_alloc(64, n * sizeof(*v));
    if (v) memset(v, 0, n * sizeof(*v));
    return v;
}

typedef struct dict {
    dict_slot *slot;
    size_t cap;       /* slots, a power of two */
    const char **str; /* number -> the value's bytes (not NUL-terminated in general) */
    uint32_t *len;
    size_t n, ncap;   /* numbers given, 0 included */
    core_arena arena; /* values made here */
    int failed;       /* out of memory, or more than UINT32_MAX values: numbers given since are 0 */
} dict;

static void dict_init(dict *d, size_t expect)
{
    memset(d, 0, sizeof(*d));
    d->cap = 1024;
    while (d->cap < expect * 2)
        d->cap <<= 1;
    d->slot = slots_alloc(d->cap);
    d->failed = !d->slot;
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
    dict_slot *old = d->slot, *grown = slots_alloc(ocap * 2);
    if (!grown) {
        d->failed = 1;
        return;
    }
    d->cap = ocap * 2;
    d->slot = grown;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].hash) continue;
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
    if (d->failed) return 0;
    if ((d->n + 1) * 2 > d->cap) dict_grow(d);
    if (d->failed) return 0;
    uint64_t h = link_mix(link_hash_bytes(LINK_FNV_BASIS, s, n)) | 1;
    size_t j = h & (d->cap - 1);
    for (; d->slot[j].hash; j = (j + 1) & (d->cap - 1)) {
        const dict_slot *e = &d->slot[j];
        if (e->hash == h && e->len == n && memcmp(n <= DICT_INLINE ? e->bytes : d->str[e->id], s, n) == 0)
            return e->id;
    }
    if (d->n >= UINT32_MAX) {
        d->failed = 1;
        return 0;
    }
    if (d->n == d->ncap) {
        const char **str = realloc(d->str, d->ncap * 2 * sizeof(*d->str));
        if (str) d->str = str;
        uint32_t *len = str ? realloc(d->len, d->ncap * 2 * sizeof(*d->len)) : NULL;
        if (!len) {
            d->failed = 1;
            return 0;
        }
        d->len = len;
        d->ncap *= 2;
    }
    uint32_t id = (uint32_t)d->n++;
    d->str[id] = copy ? core_arena_strndup(&d->arena, s, n) : s;
    d->len[id] = (uint32_t)n;
    dict_slot *e = &d->slot[j];
    e->hash = h;
    e->id = id;
    e->len = (uint32_t)n;
    if (n <= DICT_INLINE) memcpy(e->bytes, s, n);
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
    uint32_t given, family; /* the names, both from one table (names written the other way round meet) */
    uint32_t first, nick;   /* the first given token and its canonical nickname */
    uint32_t given_code, family_code; /* phonetic codes ("" is 0) */
    uint32_t postcode, sector, district;
    uint32_t address, town, email;
    uint32_t ident[3]; /* NHS number, NINO, UPN */
    int32_t dob;       /* the date as the number YYYYMMDD, the digits of one that was not a date as minus that
                          number (link_dob_key), or LINK_NO_DATE */
    char sex;
    uint8_t nwords;       /* the address's distinct words, at prepared.words[words] */
    uint8_t family_words; /* 1 when the family name has a space (double-barrelled: level_family's overlap) */
    uint8_t family_counted; /* 1 when family_counts are kept */
    uint16_t first_len, family_len,
        address_len;         /* bytes, at most 65535 (only <= 256 matters: jw_may_reach) */
    uint8_t address_counted; /* 1 when address_counts are kept */
    uint8_t word_bits_apart; /* 1 when the address's words have word_bits all different */
    uint32_t first_mask;     /* bit (byte & 31) set for every byte of the first given token */
    uint32_t words;
    uint32_t family_mask; /* the same for the family name (names written the other way round) */
    uint64_t word_bits; /* bit (word number's hash & 63) set for every word of the address */
    byte_counts family_counts, address_counts;
} prep;

_Static_assert(sizeof(prep) == 128, "a prepared record is two cache lines");

enum {
    PREP_NAMES,
    PREP_FIRSTS,
    PREP_NICKS,
    PREP_CODES,
    PREP_PLACES,
    PREP_ADDRESSES,
    PREP_WORDS_T,
    PREP_TOWNS,
    PREP_EMAILS,
    PREP_IDENTS,
    PREP_NDICTS
};

enum { HUGE_PAGE = 2 << 20 };

struct link_prepared {
    const link_dataset *a, *b; /* records numbered as in blocking: a's, then b's (dedupe: a's only) */
    size_t na, n;
    prep *p;
    uint32_t *words; /* the addresses' word numbers */
    size_t nwords;
    int words_failed; /* out of memory for the words: the preparation failed */
    dict d[PREP_NDICTS];
};

static const link_record *prep_rec(const link_prepared *pp, size_t i)
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
        if (++c[(unsigned char)s[k] & 31u] > 15) return 0;
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
        uint64_t d = (x | 0x8080808080808080ULL) - y;   /* per byte: 0x80 + x - y, never borrows across */
        uint64_t ge = (d & 0x8080808080808080ULL) >> 7; /* 1 where x >= y */
        uint64_t sel = ge * 0xff;                       /* 0xff where x >= y */
        uint64_t m = (y & sel) | (x & ~sel);            /* min per byte */
        s +=
            (unsigned)((m * 0x0101010101010101ULL) >> 56); /* sum of the bytes (each <= 15, so no overflow) */
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
    if (la == 0 || lb == 0 || la > 256 || lb > 256) return 1;
    double t = (floor - 0.4) / 0.6;
    if (t < 0.7) t = 0.7;
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
            if (!seen) w[nw++] = id;
        }
        s += n;
        if (*s == ' ') s++;
    }
    return nw;
}

/* The tasks of prep_build, the longest first: each fills its own fields of every record, all of them, in
 * record order. */
enum { TASK_ADDRESSES, TASK_NAMES, TASK_PLACES, TASK_IDENTS, NTASKS };

static void prep_task(link_prepared *pp, int task)
{
    size_t wcap = 0;
    for (size_t i = 0; i < pp->n; i++) {
        const link_record *r = prep_rec(pp, i);
        prep *x = &pp->p[i];
        switch (task) {
        case TASK_NAMES: {
            x->given = dict_str(&pp->d[PREP_NAMES], r->given);
            x->family = dict_str(&pp->d[PREP_NAMES], r->family);
            size_t fn = r->family ? strlen(r->family) : 0, gn = r->given ? link_first_token_len(r->given) : 0;
            x->family_len = len16(fn);
            x->family_words = r->family && strchr(r->family, ' ') != NULL;
            x->family_counted = r->family && fn <= 256 && count_bytes(r->family, fn, &x->family_counts);
            if (!x->family_counted) x->family_counts = (byte_counts){0, 0};
            x->first = r->given ? dict_id(&pp->d[PREP_FIRSTS], r->given, gn, 0) : 0;
            x->first_len = len16(gn);
            x->first_mask = r->given ? byte_classes(r->given, gn) : 0;
            x->family_mask = r->family ? byte_classes(r->family, fn) : 0;
            x->nick = dict_str(&pp->d[PREP_NICKS], r->given ? r->given_nick : NULL);
            /* the empty code is 0, as level_given and level_family test ap[0] */
            x->given_code =
                r->given && r->given_phon[0]
                    ? dict_id(&pp->d[PREP_CODES], r->given_phon, strnlen(r->given_phon, LINK_PHONETIC_MAX), 0)
                    : 0;
            x->family_code = r->family && r->family_phon[0]
                                 ? dict_id(&pp->d[PREP_CODES], r->family_phon,
                                           strnlen(r->family_phon, LINK_PHONETIC_MAX), 0)
                                 : 0;
            break;
        }
        case TASK_PLACES: { /* one table for postcode, sector and district: each is only compared with its
                               kind */
            x->postcode = dict_str(&pp->d[PREP_PLACES], r->postcode);
            x->sector = dict_str(&pp->d[PREP_PLACES], r->sector);
            x->district = dict_str(&pp->d[PREP_PLACES], r->district);
            x->town = dict_str(&pp->d[PREP_TOWNS], r->town);
            x->email = dict_str(&pp->d[PREP_EMAILS], r->email);
            x->sex = r->sex;
            x->dob = r->dob != LINK_NO_DATE ? link_dob_key(r) : r->dob_digits ? -r->dob_digits : LINK_NO_DATE;
            break;
        }
        case TASK_ADDRESSES: {
            x->address = dict_str(&pp->d[PREP_ADDRESSES], r->address);
            size_t n = r->address ? strlen(r->address) : 0;
            x->address_len = len16(n);
            x->address_counted = r->address && n <= 256 && count_bytes(r->address, n, &x->address_counts);
            if (!x->address_counted) x->address_counts = (byte_counts){0, 0};
            uint32_t w[PREP_WORDS];
            size_t nw = address_words(&pp->d[PREP_WORDS_T], r->address, w);
            x->nwords = (uint8_t)nw;
            x->words = (uint32_t)pp->nwords;
            if (pp->nwords + nw > wcap) {
                uint32_t *grown = realloc(pp->words, (pp->nwords + nw) * 2 * sizeof(*pp->words));
                if (!grown) {
                    pp->words_failed = 1;
                    return;
                }
                pp->words = grown;
                wcap = (pp->nwords + nw) * 2;
            }
            if (nw) memcpy(pp->words + pp->nwords, w, nw * sizeof(*w));
            pp->nwords += nw;
            uint64_t bits = 0;
            int apart = 1;
            for (size_t k = 0; k < nw; k++) {
                uint64_t bit = 1ULL << (link_mix(w[k]) & 63);
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
    link_prepared *pp;
    int *next; /* the next task to take (shared, atomic) */
} prepjob;

static void *prep_worker(void *arg)
{
    prepjob *j = arg;
    for (int t; (t = __atomic_fetch_add(j->next, 1, __ATOMIC_RELAXED)) < NTASKS;)
        prep_task(j->pp, t);
    return NULL;
}

void link_prep_free(link_prepared *pp)
{
    if (!pp) return;
    for (int t = 0; t < PREP_NDICTS; t++)
        dict_free(&pp->d[t]);
    free(pp->p);
    free(pp->words);
    free(pp);
}

/* Prepare every record of a and b. The tasks are taken by the threads in turn; each writes its own fields of
 * every record (the preps are not zeroed first: every field is written), so nothing depends on the number of
 * threads. */
link_prepared *link_prep_build(const link_dataset *a, const link_dataset *b, const link_options *o,
                               core_error *err)
{
    link_prepared *pp = calloc(1, sizeof(*pp));
    if (!pp) {
        core_error_set(err, CORE_E_INTERNAL, "out of memory for prepared records");
        return NULL;
    }
    pp->a = a;
    pp->b = b;
    pp->na = a->n;
    pp->n = a->n + (b ? b->n : 0);
    /* in huge pages where the system allows: the comparisons read the preps in no particular order, and with
     * small pages most reads would also miss the TLB */
    size_t bytes = (pp->n * sizeof(*pp->p) + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    pp->p = aligned_alloc(HUGE_PAGE, bytes);
    if (!pp->p) {
        free(pp);
        core_error_set(err, CORE_E_INTERNAL, "out of memory for %zu prepared records", a->n + (b ? b->n : 0));
        return NULL;
    }
    madvise(pp->p, bytes, MADV_HUGEPAGE);
    size_t expect[PREP_NDICTS] = {
        [PREP_NAMES] = 4096,   [PREP_FIRSTS] = 4096,         [PREP_NICKS] = 4096,   [PREP_CODES] = 4096,
        [PREP_PLACES] = 65536, [PREP_ADDRESSES] = pp->n / 4, [PREP_WORDS_T] = 4096, [PREP_TOWNS] = 1024,
        [PREP_EMAILS] = 1024,  [PREP_IDENTS] = pp->n / 4};
    for (int t = 0; t < PREP_NDICTS; t++)
        dict_init(&pp->d[t], expect[t]);
    int next = 0, nt = link_thread_count(o);
    if (nt > NTASKS) nt = NTASKS;
    prepjob jobs[NTASKS];
    for (int t = 0; t < nt; t++)
        jobs[t] = (prepjob){pp, &next};
    link_fanout(nt, prep_worker, jobs, sizeof(jobs[0]));
    int failed = pp->words_failed;
    for (int t = 0; t < PREP_NDICTS; t++)
        failed |= pp->d[t].failed;
    if (failed) {
        link_prep_free(pp);
        core_error_set(err, CORE_E_INTERNAL, "out of memory for the tables of values of %zu records",
                       a->n + (b ? b->n : 0));
        return NULL;
    }
    return pp;
}

size_t link_prep_count(const link_prepared *pp)
{
    return pp->n;
}

size_t link_prep_right0(const link_prepared *pp)
{
    return pp->b ? pp->na : 0;
}

size_t link_prep_names(const link_prepared *pp, const char *const **names)
{
    *names = pp->d[PREP_NAMES].str;
    return pp->d[PREP_NAMES].n;
}

void link_prep_name_ids(const link_prepared *pp, size_t i, uint32_t *given, uint32_t *family)
{
    *given = pp->p[i].given;
    *family = pp->p[i].family;
}

/* level_dob_parts() (link_engine.c) for two different dates YYYYMMDD, not day and month swapped, without the
 * Damerau table: for strings of one length, the distance is 1 when they differ in one place or in two
 * neighbours swapped; it is 2 when they differ in two places, in a swapped pair and one more place, in two
 * swapped pairs, or when one string is the other with a digit taken out at one end of the span where they
 * differ and another put in at the other end; otherwise it is more than 2 (each substitution or swap mends at
 * most two differing places, and an insertion needs a deletion to keep the length). */
static int dob_digits_level(int32_t a, int32_t b)
{
    char x[8], y[8];
    for (int k = 7; k >= 0; k--, a /= 10, b /= 10) {
        x[k] = (char)(a % 10);
        y[k] = (char)(b % 10);
    }
    int at[8], h = 0;
    for (int k = 0; k < 8; k++)
        if (x[k] != y[k]) at[h++] = k;
#define SWAPPED(p) (x[(p)] == y[(p) + 1] && x[(p) + 1] == y[(p)])
    if (h == 1) return LINK_DOB_ONE_DIGIT;
    if (h == 2) return at[1] == at[0] + 1 && SWAPPED(at[0]) ? LINK_DOB_ONE_DIGIT : LINK_DOB_TWO_DIGITS;
    if (h == 3 && ((at[1] == at[0] + 1 && SWAPPED(at[0])) || (at[2] == at[1] + 1 && SWAPPED(at[1]))))
        return LINK_DOB_TWO_DIGITS;
    if (h == 4 && at[1] == at[0] + 1 && SWAPPED(at[0]) && at[3] == at[2] + 1 && SWAPPED(at[2]))
        return LINK_DOB_TWO_DIGITS;
#undef SWAPPED
    int from = at[0], to = at[h - 1], left = 1, right = 1; /* the span where they differ, shifted by one */
    for (int k = from; k < to; k++) {
        left &= x[k + 1] == y[k];
        right &= x[k] == y[k + 1];
    }
    return left || right ? LINK_DOB_TWO_DIGITS : LINK_DOB_DIFFERENT;
}

/* What a pair of distinct values of a memo's field gave, kept per thread in a direct-mapped table. */
enum { MEMO_BITS = 14 };

typedef struct memo {
    uint64_t key[1u << MEMO_BITS]; /* the two values' numbers, (a << 32) | b; 0: empty (numbers start at 1) */
    uint8_t val[1u << MEMO_BITS];
} memo;

struct link_memos {
    memo given, family, town, cross;
};

static size_t memo_slot(uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS));
}

/* Jaro-Winkler of the first given tokens in classes: 0 below 0.80 (or not computed: the bound says so), 1
 * from 0.80, 2 from 0.92 — what level_given() asks of it. */
static int given_jw_class(const link_prepared *pp, link_memos *mm, const prep *x, const prep *y)
{
    if (!jw_may_reach(x->first_len, y->first_len,
                      mask_common(x->first_len, x->first_mask, y->first_len, y->first_mask), 0.80))
        return 0;
    uint64_t k = (uint64_t)x->first << 32 | y->first;
    size_t s = memo_slot(k);
    if (mm->given.key[s] != k) {
        const dict *d = &pp->d[PREP_FIRSTS];
        double v = link_jw_from(d->str[x->first], d->len[x->first], d->str[y->first], d->len[y->first], 0.80);
        mm->given.key[s] = k;
        mm->given.val[s] = v >= 0.92 ? 2 : v >= 0.80 ? 1 : 0;
    }
    return mm->given.val[s];
}

/* The same for the family names (link_jw(), from 0.80), plus 4 when one of them has words and the other has
 * all of them (level_family's double-barrelled case). */
static int family_jw_class(const link_prepared *pp, link_memos *mm, const prep *x, const prep *y)
{
    int may_jw = 1;
    if (x->family_counted && y->family_counted)
        may_jw = jw_may_reach(x->family_len, y->family_len,
                              byte_counts_common(&x->family_counts, &y->family_counts), 0.80);
    if (!may_jw && !x->family_words && !y->family_words) return 0;
    uint64_t k = (uint64_t)x->family << 32 | y->family;
    size_t s = memo_slot(k);
    if (mm->family.key[s] != k) {
        const dict *d = &pp->d[PREP_NAMES];
        const char *a = d->str[x->family], *b = d->str[y->family];
        double v = may_jw ? link_jw_from(a, d->len[x->family], b, d->len[y->family], 0.80) : 0.0;
        int c = v >= 0.92 ? 2 : v >= 0.80 ? 1 : 0;
        if ((x->family_words || y->family_words) && link_token_overlap(a, b) >= 1.0) c |= 4;
        mm->family.key[s] = k;
        mm->family.val[s] = (uint8_t)c;
    }
    return mm->family.val[s];
}

/* cross_class() (link_engine.c) of x's first given token against y's family name: LINK_CROSS_CLOSE, _ALIKE
 * or 0, Jaro-Winkler read only when the bound from the byte classes lets it reach 0.80. */
static int cross_class(const link_prepared *pp, link_memos *mm, const prep *x, const prep *y)
{
    int c = 0;
    if (jw_may_reach(x->first_len, y->family_len,
                     mask_common(x->first_len, x->first_mask, y->family_len, y->family_mask), 0.80)) {
        uint64_t k = (uint64_t)x->first << 32 | y->family;
        size_t s = memo_slot(k);
        if (mm->cross.key[s] != k) {
            const dict *f = &pp->d[PREP_FIRSTS], *n = &pp->d[PREP_NAMES];
            double v = link_jw_from(f->str[x->first], f->len[x->first], n->str[y->family], n->len[y->family],
                                    0.80);
            mm->cross.key[s] = k;
            mm->cross.val[s] = v >= 0.92 ? LINK_CROSS_CLOSE : v >= 0.80 ? LINK_CROSS_ALIKE : 0;
        }
        c = mm->cross.val[s];
    }
    return c ? c : x->given_code && x->given_code == y->family_code ? LINK_CROSS_ALIKE : 0;
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
static int address_level(const link_prepared *pp, const prep *x, const prep *y)
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
    if (o >= 0.75) return LINK_ADDRESS_MOST;
    int may_jw = 1;
    if (x->address_counted && y->address_counted)
        may_jw = jw_may_reach(x->address_len, y->address_len,
                              byte_counts_common(&x->address_counts, &y->address_counts), 0.92);
    if (may_jw) {
        const dict *d = &pp->d[PREP_ADDRESSES];
        if (link_jw_from(d->str[x->address], d->len[x->address], d->str[y->address], d->len[y->address],
                         0.92) >= 0.92)
            return LINK_ADDRESS_MOST;
    }
    return o >= 0.5 ? LINK_ADDRESS_SOME : LINK_ADDRESS_DIFFERENT;
}

link_memos *link_memos_new(void)
{
    return calloc(1, sizeof(link_memos));
}

void link_memos_free(link_memos *mm)
{
    free(mm);
}

void link_prep_prefetch(const link_prepared *pp, size_t i, size_t j, int words)
{
    const prep *x = &pp->p[i], *y = &pp->p[j];
    if (!words) { /* the preps: memory, not work, is the cost */
        const char *pl = (const char *)x, *pr = (const char *)y;
        __builtin_prefetch(pl);
        __builtin_prefetch(pl + 64);
        __builtin_prefetch(pr);
        __builtin_prefetch(pr + 64);
    } else if (x->address && y->address && x->address != y->address && words_needed(x, y)) {
        __builtin_prefetch(pp->words + x->words); /* with the preps at hand by now: the addresses' words */
        __builtin_prefetch(pp->words + y->words);
    }
}

/* The comparison vector of records i and j (numbered as in link_internal.h): link_compare_records()'s levels,
 * from the same rules in the same order. */
void link_prep_compare(const link_prepared *pp, link_memos *mm, size_t i, size_t j, int use_ids,
                       uint8_t lv[LINK_NCOMP])
{
    const prep *x = &pp->p[i], *y = &pp->p[j];
    memset(lv, 0, LINK_NCOMP);
    if (x->given && x->family && y->given && y->family && x->given == y->family && x->family == y->given) {
        lv[LINK_C_GIVEN] =
            LINK_GIVEN_SIMILAR; /* the names written the other way round (link_compare_records) */
        lv[LINK_C_FAMILY] = LINK_FAMILY_SIMILAR;
    } else {
        if (x->given && y->given) { /* level_given() */
            if (x->first == y->first) {
                lv[LINK_C_GIVEN] = LINK_GIVEN_EXACT;
            } else if (x->nick && x->nick == y->nick) {
                lv[LINK_C_GIVEN] = LINK_GIVEN_NICKNAME;
            } else {
                int c = given_jw_class(pp, mm, x, y);
                lv[LINK_C_GIVEN] = c == 2 ? LINK_GIVEN_SIMILAR
                                   : c == 1 || (x->given_code && x->given_code == y->given_code)
                                       ? LINK_GIVEN_ALIKE
                                       : LINK_GIVEN_DIFFERENT;
            }
        }
        if (x->family && y->family) { /* level_family() */
            if (x->family == y->family) {
                lv[LINK_C_FAMILY] = LINK_FAMILY_EXACT;
            } else {
                int c = family_jw_class(pp, mm, x, y);
                lv[LINK_C_FAMILY] = (c & 3) == 2 || (c & 4) ? LINK_FAMILY_SIMILAR
                                    : (c & 3) == 1 || (x->family_code && x->family_code == y->family_code)
                                        ? LINK_FAMILY_ALIKE
                                        : LINK_FAMILY_DIFFERENT;
            }
        }
        if (link_names_may_cross(lv))
            link_names_crossed(lv, cross_class(pp, mm, x, y), cross_class(pp, mm, y, x));
    }
    if (x->dob != LINK_NO_DATE && y->dob != LINK_NO_DATE) { /* level_dob() */
        int32_t a = x->dob < 0 ? -x->dob : x->dob, b = y->dob < 0 ? -y->dob : y->dob;
        if (a == b) {
            lv[LINK_C_DOB] = LINK_DOB_EXACT;
        } else {
            int ay = a / 10000, am = a / 100 % 100, ad = a % 100;
            int by = b / 10000, bm = b / 100 % 100, bd = b % 100;
            lv[LINK_C_DOB] = ay == by && am == bd && ad == bm
                                 ? LINK_DOB_SWAPPED
                                 : (uint8_t)link_dob_level_kept(dob_digits_level(a, b), x->dob > 0 && y->dob > 0);
        }
    }
    if (x->sex && y->sex) lv[LINK_C_SEX] = x->sex == y->sex ? LINK_SEX_SAME : LINK_SEX_DIFFERENT;
    if (x->postcode && y->postcode) { /* level_postcode() */
        if (x->postcode == y->postcode)
            lv[LINK_C_POSTCODE] = LINK_POSTCODE_EXACT;
        else if (x->sector && y->sector)
            lv[LINK_C_POSTCODE] = x->sector == y->sector ? LINK_POSTCODE_SECTOR
                                  : x->district && y->district && x->district == y->district
                                      ? LINK_POSTCODE_DISTRICT
                                      : LINK_POSTCODE_DIFFERENT;
        else
            lv[LINK_C_POSTCODE] = (uint8_t)link_postcode_level(prep_rec(pp, i), prep_rec(pp, j));
    }
    if (x->address && y->address)
        lv[LINK_C_ADDRESS] = x->address == y->address ? LINK_ADDRESS_EXACT : (uint8_t)address_level(pp, x, y);
    if (x->town && y->town) {
        if (x->town == y->town) {
            lv[LINK_C_TOWN] = LINK_TOWN_EXACT;
        } else {
            uint64_t k = (uint64_t)x->town << 32 | y->town;
            size_t s = memo_slot(k);
            if (mm->town.key[s] != k) {
                const dict *d = &pp->d[PREP_TOWNS];
                mm->town.key[s] = k;
                mm->town.val[s] = link_jw(d->str[x->town], d->str[y->town], 0.9) >= 0.9 ? LINK_TOWN_SIMILAR
                                                                                        : LINK_TOWN_DIFFERENT;
            }
            lv[LINK_C_TOWN] = mm->town.val[s];
        }
    }
    link_household_rule(lv);
    if (use_ids && (x->ident[0] | x->ident[1] | x->ident[2]) && (y->ident[0] | y->ident[1] | y->ident[2])) {
        int any = 0, near = 0, level = LINK_MISSING; /* level_ids() */
        for (int k = 0; k < 3 && !level; k++) {
            if (!x->ident[k] || !y->ident[k]) continue;
            any = 1;
            if (x->ident[k] == y->ident[k]) {
                level = LINK_ID_EXACT;
            } else if (!near) {
                const dict *d = &pp->d[PREP_IDENTS];
                near = link_damerau(d->str[x->ident[k]], d->len[x->ident[k]], d->str[y->ident[k]],
                                    d->len[y->ident[k]], 1) <= 1;
            }
        }
        lv[LINK_C_ID] = (uint8_t)(level  ? level
                                  : !any ? LINK_MISSING
                                  : near ? LINK_ID_ONE_CHARACTER
                                         : LINK_ID_DIFFERENT);
    }
    if (x->email && y->email)
        lv[LINK_C_EMAIL] = x->email == y->email ? LINK_EMAIL_EXACT : LINK_EMAIL_DIFFERENT;
}
