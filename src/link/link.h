/*
 * link.h — finding one person across records that disagree: reading records (a mapping file and CSV),
 * normalising them, comparing fields, and scoring candidate pairs (Fellegi-Sunter, weights estimated by EM).
 *
 * What it is for: `hearth link dedupe|pair` on plain files, and later linking imported partner datasets to the
 * person index, deduplicating the index and the front door's duplicate check — one engine for all of them.
 * What it is not for: deciding. The engine suggests (link / review / no); a person decides (BRIEF §3).
 *
 * Parts (one file each):
 *   link_mapping.c  the mapping file (JSON: Hearth field -> CSV column).
 *   link_input.c    streaming CSV (libcsv) through a mapping into
 *                   link_records, normalising as it reads — kept in a dataset, or handed over one row at a
 *                   time (src/import/ reads partner files this way); rejects with line number and reason.
 *   link_norm.c     normalisation: names (NFKC, case fold, accents stripped, tokens, placeholders such as
 *                   "baby" or "twin 1"), postcodes (full, sector, district), identifiers.
 *   link_nick.c     nicknames: a built-in table plus optional lookup files.
 *   link_compare.c  string comparators written here: Jaro-Winkler, Damerau-Levenshtein (optimal string
 *                   alignment), a phonetic code, token overlap.
 *   link_rules.c    the blocking rules: the key (or keys) each gives a record, and their table.
 *   link_block.c    blocking: blocks, caps and pair budgets, candidate pairs unioned.
 *   link_prep.c     prepared records (values as numbers, bounds) and comparison vectors from them.
 *   link_train.c    u from random pairs, m by EM per blocking rule, the prior.
 *   link_engine.c   comparison levels, the comparing and scoring threads, term-frequency adjustment, the
 *                   decision thresholds, explanations, link_run. What the four share: link_internal.h.
 *
 * Invariants
 *   1. Strings in a link_record are normalised once, at reading, and never change; they live in the
 *      dataset's arena.
 *   2. A missing value is NULL (strings) or LINK_NO_DATE; comparators never see NULL.
 *   3. Comparators are pure functions of their arguments (thread-safe, no allocation beyond the stack).
 */
#ifndef HEARTH_LINK_H
#define HEARTH_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"

/* ---- records ---- */

#define LINK_NO_DATE INT32_MIN
#define LINK_PHONETIC_MAX 16 /* a phonetic code and its NUL */

typedef struct link_record {
    const char *id;         /* the mapping's "id" column, as given (required) */
    const char *given;      /* normalised given name(s): folded tokens joined by one space; NULL if missing or a
                               placeholder ("baby", "unborn", "twin 1", ...) */
    const char *given_nick; /* canonical form of the first given token through the nickname table (e.g. "bill"
                               -> "william"); equals the first token when it has no nickname entry; NULL if
                               given is NULL */
    const char *family;     /* normalised family name: folded tokens (hyphens and apostrophes -> space) joined by
                               one space; NULL if missing or a placeholder */
    char given_phon[LINK_PHONETIC_MAX];  /* phonetic code of the first given token ("" if none) */
    char family_phon[LINK_PHONETIC_MAX]; /* phonetic code of the family name with spaces removed ("" if none) */
    int32_t dob;            /* date of birth as days since 1970-01-01 (core_date_to_days), or LINK_NO_DATE */
    int32_t dob_digits;     /* when the date of birth is not a date ("19371233", "31/02/1990") and was read
                               as missing: its year, month and day as the number YYYYMMDD, compared digit by
                               digit (a mistyped date is still near the true one); 0 otherwise. Never used for
                               blocking. */
    char sex;               /* 'M', 'F' or 0 (unknown) */
    const char *postcode;   /* normalised postcode: upper case, no spaces ("SW1A1AA"; any country's code as
                               given, alphanumerics only); NULL if missing */
    const char *sector;     /* UK postcode sector "SW1A1" (outward + first inward digit); NULL if not UK-shaped */
    const char *district;   /* UK outward code "SW1A"; NULL if not UK-shaped */
    const char *address;    /* normalised address: folded tokens of the address column(s) joined by one space */
    const char *town;       /* normalised town */
    const char *email;      /* lower-cased, trimmed */
    const char *nhs_number; /* identifiers: alphanumerics only, upper case; NULL if missing. Compared for
                               equality as strong evidence; not validated here (import validates). */
    const char *nino;
    const char *upn;
} link_record;

typedef struct link_dataset {
    core_arena arena;       /* owns every string of every record */
    link_record *recs;
    size_t n, cap;
    size_t rejected;        /* rows refused while reading (see link_reject_fn) */
    size_t invalid_dates;   /* rows kept whose date of birth is not a date (read as missing) */
    uint64_t invalid_date_line; /* the line of the first of them (0: none) */
} link_dataset;

void link_dataset_free(link_dataset *d);

/* ---- the mapping file ---- */

/* Hearth field -> CSV column. Keys: id, given_name, family_name, full_name, date_of_birth, date_format, sex,
 * postcode, address (a column name or an array of names), town, email, nhs_number, nino, upn, and
 * attributes (an object: dataset attribute name -> column, read by `hearth import` and ignored by the link
 * commands). Unknown keys are an error; id is required; full_name (a column, or {"column": C, "order": O} with
 * O one of "given family" (the default), "family given", "family, given") is split into given and family
 * when given_name/family_name are not mapped (link_full_name_order). date_format is strftime-style
 * (core_date_parse_fmt), default "%Y-%m-%d". invalid_dates is "reject" (a row whose date does not parse is
 * refused) or "missing" (such a date is read as missing and the row kept); unset, link_csv_read reads it as
 * missing (and counts it) and link_csv_stream refuses the row. An attribute name is 1..LINK_MAP_ATTRIBUTE_NAME_MAX ASCII letters, digits and '_',
 * starting with a letter; there are 1..LINK_MAP_ATTRIBUTES_MAX of them, kept in the file's order. */
enum { LINK_MAP_ADDRESS_MAX = 8, LINK_MAP_ATTRIBUTES_MAX = 64, LINK_MAP_ATTRIBUTE_NAME_MAX = 64 };
#define LINK_DATE_FORMAT_DEFAULT "%Y-%m-%d" /* date_format when the mapping gives none */

/* How a full name is written. Whatever the order, a comma splits it: the family name before the first comma,
 * the given names after ("Okonkwo-Reyes, Mary Jane"). Without a comma: "given family" cuts at the last run of
 * spaces (the family name is the last word), "family given" and "family, given" at the first (the family
 * name is the first word). */
typedef enum {
    LINK_ORDER_GIVEN_FAMILY = 0,
    LINK_ORDER_FAMILY_GIVEN,
    LINK_ORDER_FAMILY_COMMA_GIVEN
} link_full_name_order;

typedef struct link_mapping {
    char *id, *given_name, *family_name, *full_name, *date_of_birth, *date_format, *sex, *postcode, *town, *email,
        *nhs_number, *nino, *upn;
    char *address[LINK_MAP_ADDRESS_MAX];
    int naddress;
    int invalid_dates_missing; /* "invalid_dates": "missing" */
    int invalid_dates_reject;  /* "invalid_dates": "reject" */
    link_full_name_order full_name_order;
    char *attr_name[LINK_MAP_ATTRIBUTES_MAX];   /* "attributes": name -> column, in the mapping's order */
    char *attr_column[LINK_MAP_ATTRIBUTES_MAX];
    int nattr;
} link_mapping;

/* Parse a mapping from JSON text / from a file. On error nothing is allocated in m. */
int link_mapping_parse(const char *json, size_t len, link_mapping *m, core_error *err);
int link_mapping_load(const char *path, link_mapping *m, core_error *err);
void link_mapping_free(link_mapping *m);

/* ---- reading CSV ---- */

/* Called for each refused row: its 1-based line number in the file and why (e.g. "12 fields, the header has
 * 11", "date_of_birth '31/02/1990' is not a date in format %d/%m/%Y", "not valid UTF-8"). */
typedef void (*link_reject_fn)(void *ctx, uint64_t line, const char *reason);

/* Read a CSV file with a header row through the mapping into d (initialised here). Header columns the mapping
 * names must exist (else an error, nothing read); attributes are ignored. Bad rows are passed to reject (may
 * be NULL) and skipped; d->rejected counts them. A date of birth that is not a date is read as missing and
 * counted in d->invalid_dates, unless the mapping says "invalid_dates": "reject". Errors: CORE_E_IO (cannot
 * read), CORE_E_INVALID_VALUE (mapping names an absent column, the file is not CSV, not UTF-8 in the header,
 * begins with a UTF-16 or UTF-32 byte-order mark, has no data row or none accepted, or repeats an id: the
 * detail names the lines), CORE_E_INTERNAL (out of memory for the records, whose number and strings grow
 * with the file: the message says "out of memory"; the program never ends for it). On error d is empty. */
int link_csv_read(const char *path, const link_mapping *m, link_dataset *d, link_reject_fn reject, void *ctx,
                  core_error *err);
/* The same from memory (tests, fuzzing). */
int link_csv_read_mem(const char *data, size_t len, const link_mapping *m, link_dataset *d, link_reject_fn reject,
                      void *ctx, core_error *err);

/* ---- reading CSV one row at a time (hearth import) ---- */

/* The mapped fields of a row, indexing link_row.value (the i-th address column is LINK_F_ADDRESS + i). */
typedef enum {
    LINK_F_ID,
    LINK_F_GIVEN,
    LINK_F_FAMILY,
    LINK_F_FULL,
    LINK_F_DOB,
    LINK_F_SEX,
    LINK_F_POSTCODE,
    LINK_F_TOWN,
    LINK_F_EMAIL,
    LINK_F_NHS,
    LINK_F_NINO,
    LINK_F_UPN,
    LINK_F_ADDRESS,
    LINK_F_COUNT = LINK_F_ADDRESS + LINK_MAP_ADDRESS_MAX
} link_field;

/* One accepted row, as link_csv_stream hands it over. Everything it points to lives until the callback
 * returns. */
typedef struct link_row {
    uint64_t line;                   /* the physical line the row starts on (as in rejects) */
    uint64_t offset;                 /* bytes of the input read so far: for progress (64 KiB granular) */
    const link_record *rec;          /* the row normalised exactly as link_csv_read would keep it */
    const char *value[LINK_F_COUNT]; /* each mapped field as in the file (libcsv trims spaces and tabs around
                                        unquoted fields; quoted ones are exact): NUL-terminated, valid UTF-8
                                        without NUL bytes; NULL when the field is not mapped */
    const char *const *attr;         /* each attribute's value, in the same form, in m->attr_name order */
    int nattr;
} link_row;

/* Called for each row that passed the reader's checks. Return 0 to go on; a negative code (with err filled)
 * stops reading, and link_csv_stream returns that code. */
typedef int (*link_row_fn)(void *ctx, const link_row *row, core_error *err);

/* Stream a CSV file through the mapping: every accepted row to row, every refused one to reject (may be
 * NULL), in file order, with the same checks, reasons and errors as link_csv_read. Attribute columns must
 * exist in the header too. Memory does not grow with the file: one row is held at a time (no row limit).
 * A hard error may come after rows were handed over: the caller decides what to undo (hearth import runs
 * the whole stream in one transaction). */
int link_csv_stream(const char *path, const link_mapping *m, link_row_fn row, link_reject_fn reject, void *ctx,
                    core_error *err);
/* The same from memory (tests, fuzzing). */
int link_csv_stream_mem(const char *data, size_t len, const link_mapping *m, link_row_fn row,
                        link_reject_fn reject, void *ctx, core_error *err);

/* ---- normalisation (link_norm.c; nicknames in link_nick.c) ---- */

/* Folded name: NFKC, case-folded, accents stripped; '-', '\'', '.', ',' and runs of spaces become one space;
 * trimmed. NULL when nothing is left, or when the name is a placeholder (link_is_placeholder). Arena string. */
const char *link_norm_name(core_arena *a, const char *raw);
/* The same folding for other text (address lines, towns): len bytes of raw, no placeholder check; NULL when
 * nothing is left or raw is not UTF-8. Arena string. */
const char *link_norm_text(core_arena *a, const char *raw, size_t len);
/* 1 when a folded name is a placeholder rather than a name: "baby", "unborn", "infant", "twin 1", "baby boy",
 * "unknown", "not known", "nk", "child", ... */
int link_is_placeholder(const char *folded);
/* Canonical given name for a folded first token through the nickname table ("bill" -> "william",
 * "siôn"/"sion" -> "john"); the token itself when it has no entry. Returned string is static or the argument. */
const char *link_nick_canonical(const char *token);
/* Add nickname pairs from a lookup file: the carltonnorthern format (header name1,relationship,name2) or the
 * NHS England format (name, nickname, nickname, ...). Returns the number of pairs added, or negative on
 * error. Not thread-safe: load before linking starts. */
int link_nick_load(const char *path, core_error *err);
/* Check the built-in tables of this file: the nickname clusters keep invariant N1 (no name listed twice, every
 * cluster "canonical: variant ..."), they fit the room set aside for them, and the placeholder list is sorted.
 * Returns 0, or CORE_E_INTERNAL with err naming what is broken. Nothing ever stops on a broken table (the
 * engine runs inside the server): the unit tests call this, so an edit that breaks one fails them. */
int link_norm_check(core_error *err);
/* The same check of nickname clusters on tables given by the caller (a test's broken ones): 0, or
 * CORE_E_INTERNAL with err saying what is wrong (also when out of memory). */
int link_nick_table_check(const char *const *clusters, size_t nclusters, const char *const *self, size_t nself,
                          core_error *err);
/* Postcode: alphanumerics upper-cased into out; *sector_len / *district_len the lengths of the sector and
 * district prefixes when UK-shaped (0 otherwise). Returns the length (0: no postcode). */
size_t link_norm_postcode(const char *raw, char *out, size_t cap, size_t *sector_len, size_t *district_len);

/* ---- comparators (link_compare.c) ---- */

/* Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, at most 4 prefix characters), on bytes. */
double link_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen);
/* Damerau-Levenshtein distance (optimal string alignment: adjacent transpositions count 1), on bytes; stops
 * early and returns max + 1 once the distance must exceed max. */
int link_damerau(const char *a, size_t alen, const char *b, size_t blen, int max);
/* A phonetic code of a folded name (NYSIIS, at most LINK_PHONETIC_MAX - 1 characters). */
void link_phonetic(const char *name, char out[LINK_PHONETIC_MAX]);
/* Token overlap of two space-separated token lists: |A ∩ B| / min(|A|, |B|) in [0, 1]; 0 when either is
 * empty. */
double link_token_overlap(const char *a, const char *b);

/* ---- the engine (link_engine.c) ---- */

/* The comparisons, each with its levels (level 0 is always "missing": either side has no value, and the
 * comparison then says nothing about the pair). */
enum {
    LINK_C_GIVEN,
    LINK_C_FAMILY,
    LINK_C_DOB,
    LINK_C_SEX,
    LINK_C_POSTCODE,
    LINK_C_ADDRESS,
    LINK_C_TOWN,
    LINK_C_ID,
    LINK_C_EMAIL,
    LINK_NCOMP
};
enum { LINK_MAX_LEVELS = 6 };

/* The levels of each comparison, named (link_level_name gives them in words). Level 0 of every comparison is
 * LINK_MISSING; a higher level is weaker agreement, and each comparison's last level is "different". */
enum { LINK_MISSING = 0 };
enum { LINK_GIVEN_EXACT = 1, LINK_GIVEN_NICKNAME, LINK_GIVEN_SIMILAR, LINK_GIVEN_ALIKE, LINK_GIVEN_DIFFERENT };
enum { LINK_FAMILY_EXACT = 1, LINK_FAMILY_SIMILAR, LINK_FAMILY_ALIKE, LINK_FAMILY_DIFFERENT };
enum { LINK_DOB_EXACT = 1, LINK_DOB_SWAPPED, LINK_DOB_ONE_DIGIT, LINK_DOB_TWO_DIGITS, LINK_DOB_DIFFERENT };
enum { LINK_SEX_SAME = 1, LINK_SEX_DIFFERENT };
enum { LINK_POSTCODE_EXACT = 1, LINK_POSTCODE_SECTOR, LINK_POSTCODE_DISTRICT, LINK_POSTCODE_DIFFERENT };
enum { LINK_ADDRESS_EXACT = 1, LINK_ADDRESS_MOST, LINK_ADDRESS_SOME, LINK_ADDRESS_DIFFERENT };
enum { LINK_TOWN_EXACT = 1, LINK_TOWN_SIMILAR, LINK_TOWN_DIFFERENT };
enum { LINK_ID_EXACT = 1, LINK_ID_ONE_CHARACTER, LINK_ID_DIFFERENT };
enum { LINK_EMAIL_EXACT = 1, LINK_EMAIL_DIFFERENT };

typedef enum { LINK_NO = 0, LINK_REVIEW = 1, LINK_LINK = 2 } link_decision;

/* The blocking rules that offer a pair, bit r for rule r (at most 31 rules: see link_pattern_pack). */
typedef uint32_t link_rule_mask;

typedef struct link_pair {
    uint32_t left, right;          /* record indices (dedupe: both in the one dataset, left < right) */
    uint8_t level[LINK_NCOMP];     /* the comparison vector */
    uint8_t decision;              /* link_decision */
    link_rule_mask rules;          /* bit r set: blocking rule r offered the pair (EM estimates per rule) */
    float weight;                  /* match weight: log2 of the posterior odds */
} link_pair;

typedef struct link_options {
    int threads;                   /* 0: the number of online processors */
    uint32_t block_cap;            /* largest block (records sharing a blocking key) compared; 0: default 2,000 */
    uint64_t rule_pairs;           /* the pair budget: the most candidate pairs one blocking rule may offer (past
                                      it, the rule's largest blocks are left out, largest first); when all the
                                      possible pairs fit it, every pair is compared and blocking only marks
                                      which rules would have offered each; 0: default, 4 per record of a and b
                                      together, at least 1,000,000 */
    uint32_t random_pairs;         /* pairs sampled to estimate u; 0: default 1,000,000 (fewer if fewer exist) */
    int use_ids;                   /* 1: compare identifiers (NHS number, NINO, UPN) */
    double review_probability;     /* lower threshold (probability) of the review band; 0: default 0.05 */
    void (*progress)(void *ctx, const char *stage, uint64_t done, uint64_t total);
    void *progress_ctx;
} link_options;

typedef struct link_model {
    double lambda;                 /* the prior: chance that two records drawn at random are the same person */
    double m[LINK_NCOMP][LINK_MAX_LEVELS], u[LINK_NCOMP][LINK_MAX_LEVELS];
    double link_weight, review_weight; /* the decision thresholds as match weights */
    int iterations;                /* EM iterations run */
} link_model;

typedef struct link_result {
    link_pair *pairs;              /* malloc'd; every candidate pair, scored */
    size_t npairs;
    uint64_t candidates_before_union; /* pairs the blocking rules gave, before duplicates were removed */
    uint32_t blocks_skipped;       /* blocks larger than block_cap, left out (with a warning) */
    uint32_t blocks_over_budget;   /* blocks left out because their rule offered more than rule_pairs */
    int compared_all;              /* 1: every pair was a candidate (the whole comparison fit rule_pairs) */
    size_t linked_through;         /* pairs in review decided link because their records are linked through
                                      others (the cluster step: README.md, "Decision") */
    size_t held_back;              /* a link run's links put in review because their b record is linked far
                                      more strongly to another record of a (one partner record, one person) */
    size_t partner_linked;         /* a link run: b records with a link, */
    size_t partner_linked_several; /* and with links to more than one record of a (when one in twenty or more
                                      are, nothing is held back) */
    double index_shared_address;   /* a link run: the share of a's records with an address that share it with
                                      another record of a (households; -1 when not measured: a may hold people
                                      more than once, or under half its records have an address) */
    size_t clear_candidates;       /* a link run: b records with no link linked to their one clear candidate
                                      in review (only when a holds each person once and shows no households:
                                      both shares under one in twenty) */
    link_model model;
    struct link_tf *tf;            /* name frequencies (term-frequency adjustment), owned */
    double seconds_blocking, seconds_training, seconds_scoring;
} link_result;

/* Score the candidate pairs of a (dedupe: b NULL) or of a x b. Returns 0, or a negative CORE_E_* code with err
 * filled (CORE_E_INVALID_VALUE: too many records; CORE_E_INTERNAL: out of memory for something that grows
 * with the input), out left empty. Never exits: it runs inside the server. */
int link_run(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out,
             core_error *err);
void link_result_free(link_result *r);

/* The comparisons' and levels' names ("given_name", "exact", ...), for explanations. */
const char *link_comparison_name(int c);
const char *link_level_name(int c, int level);
int link_level_count(int c);

/* Each comparison's contribution (log2 Bayes factor) to the pair's match weight, into contrib[LINK_NCOMP]
 * (0 for missing); returns the prior's contribution (log2 of lambda / (1 - lambda)). */
double link_explain(const link_result *r, const link_dataset *a, const link_dataset *b, const link_pair *p,
                    double contrib[LINK_NCOMP]);

/* The blocking rules, numbered as the bits of link_pair.rules: how many, and each one's name ("names_phonetic",
 * "dob", ...: letters, digits and '_'), "" out of range. */
int link_rule_count(void);
const char *link_rule_name(int r);

/* The probability a match weight stands for. */
double link_probability(double weight);

#endif
