/*
 * link_internal.h — what the engine's files share with each other and with nobody else (the contract is
 * link.h). The engine is these files, in the order link_run() uses them (the method is in README.md):
 *
 *   link_rules.c   1. the blocking rules (link_rules): the key or keys each gives a record;
 *   link_block.c   1. blocking: every record's key under each rule, the blocks, the pair budget, and every
 *                     candidate pair once with the mask of the rules that offer it;
 *   link_prep.c    2. prepared records: every record's values as numbers from tables of values, with the
 *                     inputs of the bounds that let most comparisons skip reading strings; the comparison
 *                     vector of two prepared records (link_prep_compare);
 *   link_train.c   3-4. training: u from random pairs, the (comparison vector, rule mask) patterns, m by EM
 *                     one blocking rule at a time, and the prior;
 *   link_engine.c  the comparisons and their levels (link_compare_records, the reference), the threads that
 *                  compare and score, term frequencies, weights, the decision, explanations, and link_run;
 *   link_decide.c  the steps after the weights: the cluster step of a dedupe, one partner record one
 *                  person in a link run.
 *
 * Reading shares it too: link_record.c (a checked row into a link_record, for link_input.c) and the folding
 * behind link_norm.c and link_nick.c.
 *
 * Invariants
 *   1. Records are numbered together: a's 0..na-1, then b's na..na+nb-1 (a dedupe has a's only); a pair's
 *      right index is b's own (link_pair.right), so b's record j is number na + j.
 *   2. The same input gives the same output whatever the number of threads: work is shared out in fixed
 *      ranges, results are put in one order, and nothing read by the output depends on timing.
 *   3. Nothing here calls core_die or exits: failures (out of memory for something sized by the input, more
 *      distinct values than a table holds) come back as a CORE_E_* code with err filled, and what was made
 *      so far is freed. Small fixed allocations use core_xmalloc, as everywhere in Hearth.
 */
#ifndef HEARTH_LINK_INTERNAL_H
#define HEARTH_LINK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/core_buf.h"
#include "core/core_date.h"
#include "link/link.h"

/* The most threads the engine starts, whatever --threads asks: the size of every per-thread table. */
enum { LINK_MAX_THREADS = 64 };

/* ---- hashing (FNV-1a, then mixed) ---- */

#define LINK_FNV_BASIS 14695981039346656037ULL

static inline uint64_t link_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The bytes of s and a separator, so that ("ab", "c") and ("a", "bc") hash apart. */
static inline uint64_t link_hash_str(uint64_t h, const char *s)
{
    h = link_hash_bytes(h, s, strlen(s));
    return link_hash_bytes(h, "\x1f", 1);
}

static inline uint64_t link_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* The length of the first space-separated token of s. */
static inline size_t link_first_token_len(const char *s)
{
    const char *sp = strchr(s, ' ');
    return sp ? (size_t)(sp - s) : strlen(s);
}

/* ---- levels shared by the reference and the prepared comparison (link_engine.c, link_prep.c) ---- */

/* link_jaro_winkler(a, b) when a cheap bound says it may reach floor, else 0 (it cannot). */
double link_jw_from(const char *a, size_t la, const char *b, size_t lb, double floor);
/* The same for NUL-terminated strings. */
double link_jw(const char *a, const char *b, double floor);
/* The postcode level of two records with different postcodes (link_compare_records' rule). */
int link_postcode_level(const link_record *a, const link_record *b);

/* Where someone lives counts once (the household rule): people of one household share the address, the
 * postcode and the town, so agreeing on all three must not count three times. The most specific agreement
 * speaks: an address that agrees stands for its postcode and town; a postcode with a value on both sides
 * that agrees to the district stands for the town. Disagreements are kept (a different postcode is still
 * evidence). Applied to a comparison vector once its levels are all set. */
static inline void link_household_rule(uint8_t lv[LINK_NCOMP])
{
    if (lv[LINK_C_ADDRESS] == LINK_ADDRESS_EXACT || lv[LINK_C_ADDRESS] == LINK_ADDRESS_MOST) {
        if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= LINK_POSTCODE_SECTOR)
            lv[LINK_C_POSTCODE] = LINK_MISSING;
        if (lv[LINK_C_TOWN] && lv[LINK_C_TOWN] <= LINK_TOWN_SIMILAR) lv[LINK_C_TOWN] = LINK_MISSING;
    } else if (lv[LINK_C_POSTCODE] && lv[LINK_C_POSTCODE] <= LINK_POSTCODE_DISTRICT && lv[LINK_C_TOWN] &&
               lv[LINK_C_TOWN] <= LINK_TOWN_SIMILAR) {
        lv[LINK_C_TOWN] = LINK_MISSING;
    }
}

/* ---- normalisation: what link_norm.c and link_nick.c share ---- */

/* Fold s[0..len) (link_norm.c's file comment: decomposed, case-folded, accents after Latin letters dropped,
 * every run of non-alphanumerics one space, trimmed). Returns a NUL-terminated string: stack when it fits in
 * cap bytes, else malloc'd (the caller frees it when it is not stack); *olen is its length. NULL when s is
 * not UTF-8, and NULL with *oom set when a long value's room could not be allocated (*oom is 0 otherwise):
 * folding never ends the program. */
char *link_norm_fold(const char *s, size_t len, char *stack, size_t cap, size_t *olen, int *oom);
/* The nickname half of link_norm_check (link_nick.c): 0, or CORE_E_INTERNAL with err saying what breaks the
 * built-in clusters. */
int link_nick_builtin_check(core_error *err);

/* ---- the steps after the weights (link_decide.c) ---- */

/* The cluster step of a dedupe over its `nodes` records. Returns how many pairs in review it linked, or -1
 * when out of memory (nothing changed). */
long link_cluster(link_result *out, size_t nodes);
/* One partner record, one person, in a link run of a against a b of nb records; links[t][0, nlinks[t]) are
 * the indices of the pairs decided link, in nt lists. Fills out->partner_linked, partner_linked_several,
 * index_shared_address and clear_candidates (the b records with no link linked to their one clear candidate
 * in review, when a holds each person once and shows no households). Returns how many links it put in
 * review, or -1 when out of memory (nothing changed). */
long link_one_person(link_result *out, const link_dataset *a, size_t nb, const size_t *const links[],
                     const size_t nlinks[], int nt);

/* ---- reading: one row's values into a record (link_record.c, for link_input.c) ---- */

/* The bytes CSV trims around a value. */
static inline int link_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One row's mapped fields as the reader holds them, in link_field order: each value NUL-terminated with its
 * length, NULL when the field is not mapped. */
typedef struct link_fields {
    const char *value[LINK_F_COUNT];
    size_t len[LINK_F_COUNT];
} link_fields;

/* Normalise a row that has passed the reader's checks into rec (link/README.md, "Reading records": the
 * table of fields), its strings in a; scratch is a buffer the caller reuses between rows. Returns 0, or -1
 * when a is a fallible arena that ran out of memory (rec is then incomplete and must not be kept). */
int link_record_make(link_record *rec, core_arena *a, core_buf *scratch, const link_mapping *m,
                     const link_fields *f, int32_t dob, int32_t dob_digits);
/* The year, month and day of a value that does not read as a date in fmt, as YYYYMMDD, or 0 (link_record.c
 * says when). */
int32_t link_date_digits(const char *s, size_t len, const char *fmt);

/* ---- dates of birth, compared as YYYYMMDD ---- */

/* A record's date of birth for comparing: its date as the number YYYYMMDD, or the digits of a date of birth
 * that was not a date (link_record.dob_digits: "19371233", day 33, is still one digit from 19371223); 0 when
 * it has neither. Two keys are compared by their digits (levels exact, day and month swapped, one digit, two
 * digits, different), whether or not they are dates. */
static inline int32_t link_dob_key(const link_record *r)
{
    if (r->dob != LINK_NO_DATE) {
        core_date d = core_date_from_days(r->dob);
        return d.y * 10000 + d.m * 100 + d.d;
    }
    return r->dob_digits;
}

/* The date-of-birth level to keep when two keys' digits gave `level` and both_dates says whether both
 * records had a date (not only the digits of one that was not): a date that was not a date is known to be
 * mangled, so its digits far from the other's say nothing (missing) rather than "different"; near ones
 * (swapped, one or two digits) keep their level. */
static inline int link_dob_level_kept(int level, int both_dates)
{
    return level == LINK_DOB_DIFFERENT && !both_dates ? LINK_MISSING : level;
}

/* ---- names written the other way round, perhaps mistyped ----
 * Partner systems swap given and family names, and a swapped name is often mistyped too ("yeates wiliam" for
 * "william yeates", "gik benjamin" for "benjamin gill"). When neither name agrees better than "alike" as
 * written, each record's first given token is compared with the other's family name (cross_class in
 * link_engine.c: LINK_CROSS_CLOSE from Jaro-Winkler 0.92, LINK_CROSS_ALIKE from 0.80 or the same phonetic
 * code). At least one crossing must be close — two names merely alike ("sam" and "samantha") cross too often
 * between strangers — and then the weaker crossing sets the levels:
 *
 *   both close             given SIMILAR, family SIMILAR (as an exact swap of both whole names, tested first)
 *   one close, one alike   given ALIKE,   family ALIKE
 *   one close, one not     given ALIKE,   family as written (DIFFERENT or ALIKE)
 *
 * kept only when better than the names as written. Never exact: a swap is good evidence, not the same record.
 * A name that is both a given and a family name ("harrison", "thomas") crosses between strangers ("silas
 * harrison" and "harrison sales"), so one close crossing alone earns no more than "alike". The levels depend
 * on the two crossings' classes only, so they are the same whichever record comes first. */
enum { LINK_CROSS_ALIKE = 1, LINK_CROSS_CLOSE = 2 };

/* 1 when both names are compared and neither agrees better than "alike": the crossing may do better. */
static inline int link_names_may_cross(const uint8_t lv[LINK_NCOMP])
{
    return lv[LINK_C_GIVEN] >= LINK_GIVEN_ALIKE && lv[LINK_C_FAMILY] >= LINK_FAMILY_ALIKE;
}

/* The crossed levels of the table above, from the two crossings' classes (0 or LINK_CROSS_*), kept when they
 * do better than the names as written. */
static inline void link_names_crossed(uint8_t lv[LINK_NCOMP], int c1, int c2)
{
    if (c1 != LINK_CROSS_CLOSE && c2 != LINK_CROSS_CLOSE) return;
    int lo = c1 < c2 ? c1 : c2;
    uint8_t g = lo == LINK_CROSS_CLOSE ? LINK_GIVEN_SIMILAR : LINK_GIVEN_ALIKE;
    uint8_t f = lo == LINK_CROSS_CLOSE ? LINK_FAMILY_SIMILAR : lo ? LINK_FAMILY_ALIKE : lv[LINK_C_FAMILY];
    if (g <= lv[LINK_C_GIVEN] && f <= lv[LINK_C_FAMILY] && (g < lv[LINK_C_GIVEN] || f < lv[LINK_C_FAMILY])) {
        lv[LINK_C_GIVEN] = g;
        lv[LINK_C_FAMILY] = f;
    }
}

/* ---- threads (link_engine.c) ---- */

/* The threads to use: o->threads, or the processors online; 1..LINK_MAX_THREADS. */
int link_thread_count(const link_options *o);

/* Run fn on each of nt jobs (jobs[0..nt), each job_size bytes; nt <= LINK_MAX_THREADS) at once: job 0 on the
 * calling thread, the others on threads of their own, and wait for all. A job whose thread cannot be started
 * runs on the calling thread instead, so the work is done either way (jobs never depend on each other's
 * timing). */
void link_fanout(int nt, void *(*fn)(void *), void *jobs, size_t job_size);

/* o->progress, when set. */
void link_progress(const link_options *o, const char *stage, uint64_t done, uint64_t total);

/* malloc(n), or NULL with err filled ("out of memory for WHAT"). For sizes that grow with the input. */
void *link_alloc(size_t n, const char *what, core_error *err);

/* ---- blocking (the rules: link_rules.c; blocks and pairs: link_block.c) ---- */

/* A rule's key for a record, or 0 when the record has no key under this rule. */
typedef uint64_t (*link_block_key_fn)(const link_record *r);

/* A token rule's keys for a record: at most LINK_RULE_KEYS_MAX, distinct and nonzero, into out; returns how
 * many. */
enum { LINK_RULE_KEYS_MAX = 6 };
typedef int (*link_block_keys_fn)(const link_record *r, uint64_t out[LINK_RULE_KEYS_MAX]);

typedef struct link_rule {
    const char *name;      /* link_rule_name: "names_phonetic", ... (letters, digits and '_') */
    link_block_key_fn key; /* the record's one key under the rule (NULL for a token rule) */
    unsigned uses;         /* the comparisons the rule decides by (bit c): not evidence among its own pairs */
    int trains; /* 1: EM learns m from its pairs (it blocks on the person, not on where they live) */
    int is_id;  /* 1: an identifier's rule, off without use_ids */
    link_block_keys_fn keys; /* a token rule: several keys a record, and a pair shares any of them */
    unsigned budget_div;     /* the rule's pair budget is rule_pairs divided by this (0 or 1: all of it) */
} link_rule;

enum { LINK_NRULES = 20 };
extern const link_rule link_rules[LINK_NRULES];
/* The key slots rule r takes in each record: 1, or LINK_RULE_KEYS_MAX for a token rule. */
#define LINK_RULE_SLOTS(r) (link_rules[(r)].keys ? LINK_RULE_KEYS_MAX : 1)

/* Every candidate pair of a (dedupe: b NULL) or a x b once, in the order rule, block, record, into
 * out->pairs / out->npairs, with the counts of out's blocking fields. */
int link_block_all(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out,
                   core_error *err);

/* ---- prepared records (link_prep.c) ---- */

typedef struct link_prepared link_prepared;
typedef struct link_memos link_memos;

/* Prepare every record of a and b (records numbered as in invariant 1). Returns NULL with err filled on
 * failure. */
link_prepared *link_prep_build(const link_dataset *a, const link_dataset *b, const link_options *o,
                               core_error *err);
void link_prep_free(link_prepared *pp);
/* The records prepared, and the tables of given and family names (number -> NUL-terminated name, the
 * records' own strings; 0 is "no name"): how term frequencies are counted. */
size_t link_prep_count(const link_prepared *pp);
/* The number of b's first record (0 in a dedupe, where a pair's right index is a's): invariant 1. */
size_t link_prep_right0(const link_prepared *pp);
size_t link_prep_names(const link_prepared *pp, const char *const **names);
void link_prep_name_ids(const link_prepared *pp, size_t i, uint32_t *given, uint32_t *family);

/* A thread's memory of levels met before (per thread; NULL when out of memory). */
link_memos *link_memos_new(void);
void link_memos_free(link_memos *mm);
/* Bring the prepared records of pair (i, j) towards the cache (a few pairs ahead of comparing them). */
void link_prep_prefetch(const link_prepared *pp, size_t i, size_t j, int words);
/* The comparison vector of records i and j: exactly link_compare_records()'s levels. */
void link_prep_compare(const link_prepared *pp, link_memos *mm, size_t i, size_t j, int use_ids,
                       uint8_t lv[LINK_NCOMP]);

/* ---- comparing and scoring in threads (link_engine.c) ---- */

/* Counts of distinct (comparison vector, rule mask) patterns (link_train.c). */
typedef struct link_pattern_count {
    uint64_t key; /* link_pattern_pack(), with bit 63 set so that 0 is an empty slot */
    uint64_t count;
} link_pattern_count;

typedef struct link_pattern_counts {
    link_pattern_count *v;
    size_t cap, n; /* cap a power of two (open addressing), or a plain array once sorted */
    int failed;    /* out of memory while counting */
} link_pattern_counts;

/* Compare pairs[0, n) (their level vectors set) in threads; with pc, count their patterns into it, sorted. */
int link_compare_pairs(const link_prepared *pp, const link_options *o, link_pair *pairs, size_t n,
                       link_pattern_counts *pc, core_error *err);

/* ---- training (link_train.c) ---- */

uint64_t link_pattern_pack(const uint8_t lv[LINK_NCOMP], link_rule_mask mask);
void link_pattern_add(link_pattern_counts *pc, uint64_t key, uint64_t n);
/* Merge src into dst and free src's table. */
void link_pattern_merge(link_pattern_counts *dst, link_pattern_counts *src);
/* Into a plain array in ascending key order: the same order however they were counted. */
void link_pattern_sort(link_pattern_counts *pc);

/* u of every level from random pairs, into m->u. */
int link_estimate_u(const link_prepared *pp, const link_dataset *a, const link_dataset *b,
                    const link_options *o, link_model *m, core_error *err);
/* m of every level by EM per training rule over the sorted patterns, and the prior over `possible` pairs. */
int link_estimate_m(const link_options *o, const link_pattern_counts *pc, double possible, link_model *m,
                    core_error *err);

#endif
