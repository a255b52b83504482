/*
 * pindex.h — the person index and what the matching engine says about it: linking a partner's dataset to the
 * index, deduplicating the index, the decisions people make on the pairs, reversible merges, the model
 * trained on the council's own records, and family identification from dataset attributes (migration 0008).
 *
 * What it is for: the database side of matching. The engine (src/link/) works on records in memory and only
 * suggests; this module reads the records from the store, hands them to the engine, and keeps what it
 * suggests as match_pair rows for people to decide on. The command line (`hearth link index`) and the API
 * (src/api/api_index.c) call it; both record what they did in the audit trail.
 * What it is not for: deciding who may see what (access/ does, before any of this is called), or scoring
 * (link/).
 *
 * Invariants
 *   P1. Nothing is merged by the engine. A dataset run links a partner's row to a person only when that person
 *       is the row's clear candidate (its odds beat "nobody here" and every other candidate together by the
 *       upper threshold) and the row has no link yet; every other suggestion waits in the review queue.
 *       Pairs of the index never link themselves: they wait.
 *   P2. A pair is asked once: a pair a person decided (same, different) is kept as decided by later runs.
 *   P3. Everything is reversible. An engine link is undone by deciding its pair "different"; a merge moves
 *       rows and records each one it moved (person_merge.moved), and its undoing moves exactly those back.
 *   P4. Restricted and merged people never take part in a run, and cannot be merged.
 *   P5. Each function runs in its own transaction: an error leaves the database as it was.
 */
#ifndef HEARTH_PINDEX_H
#define HEARTH_PINDEX_H

#include <stdint.h>

#include <jansson.h>

#include "core/core_error.h"
#include "link/link.h"
#include "link/link_match.h"
#include "store/store.h"

/* ---- runs (pindex_run.c) ---- */

typedef struct pindex_run_options {
    const char *dataset;      /* a partner dataset's name; NULL: the index against itself */
    int64_t user_id;          /* who ran it (0: the system) */
    int threads;              /* 0: the number of online processors */
    void (*progress)(void *ctx, const char *stage, uint64_t done, uint64_t total); /* may be NULL */
    void *progress_ctx;
    int review_only;          /* 1: nothing is linked without a person: every suggestion waits for review (the
                                 council's policy says automated_decisions: false) */
} pindex_run_options;

typedef struct pindex_run_counts {
    int64_t run_id, model_id, dataset_id;
    uint64_t people;          /* people of the index taking part */
    uint64_t records;         /* dataset rows taking part */
    uint64_t candidates;      /* candidate pairs scored */
    uint64_t linked;          /* partner rows linked by this run */
    uint64_t queued;          /* pairs waiting for review (new or refreshed) */
    uint64_t kept;            /* pairs already decided, left alone */
    double seconds;
} pindex_run_counts;

/* Run the engine over the index (and a dataset) and keep its suggestions. Errors: CORE_E_NOT_FOUND (no such
 * dataset), CORE_E_INVALID_VALUE (fewer than two people), CORE_E_STORE. */
int pindex_run(store *s, const pindex_run_options *o, pindex_run_counts *c, core_error *err);

/* The id of the partner dataset named name into *id. CORE_E_NOT_FOUND (with a hint to import it) when there
 * is none, or CORE_E_STORE. */
int pindex_dataset_find(store *s, const char *name, int64_t *id, core_error *err);

/* The newest model trained on the index into m (returns 1), or 0 when none has been trained. */
int pindex_model_load(store *s, link_model *m, core_error *err);

/* A model's parameters as JSON / back (for link_model.params). */
json_t *pindex_model_json(const link_model *m);
int pindex_model_from_json(const json_t *j, link_model *m, core_error *err);

/* What anyone who may use the index sees of a pair's evidence (docs/access.md): the comparisons of the index
 * card's own fields (given name, family name, date of birth, sex). The others (postcode, address, town,
 * identifiers, email) say whether a value nobody showed agrees, and so are shown only on a footing on the
 * person. 1 for a card comparison (LINK_C_*), 0 otherwise. */
int pindex_card_comparison(int c);
/* The same by the comparison's name as the evidence writes it ("date_of_birth"); 0 for NULL or unknown. */
int pindex_card_comparison_named(const char *name);

/* ---- what agreement is worth at the front door (pindex_freq.c) ---- */

/* An incoming person's values as the index keeps them (any may be NULL or empty: not asked). */
typedef struct pindex_freq_values {
    const char *given_key, *family_key; /* model_name_key() of the names */
    const char *dob, *dob_swapped;      /* 'YYYY-MM-DD': as given, and with day and month swapped */
    const char *postcode;               /* canonical ("LE8 9YU") */
    int self_in_index;                  /* 1: the incoming person is already recorded (the duplicate check on
                                           recording), so holds every one of these values too */
} pindex_freq_values;

/* How many people of the index other than a candidate hold each value, as link_freq's chances (0 for a value
 * not given), and the size of the index in f->n. Each count is an index range capped at a few thousand
 * entries: a value more common than that is weighed as the generic model weighs it. 0 or CORE_E_STORE. */
int pindex_match_freq(store *s, core_arena *a, const pindex_freq_values *v, link_freq *f, core_error *err);

/* ---- decisions and merges (pindex_merge.c) ---- */

typedef struct pindex_decision {
    int64_t pair_id;
    const char *decision;     /* "same" or "different" */
    const char *reason;       /* required: why */
    int64_t keep;             /* a pair of two people decided "same": the record kept (one of the two; 0: the
                                 lower id) */
    int64_t user_id;
} pindex_decision;

/* Record a person's decision on a pair: "same" links the partner's row (or merges the two people, keeping
 * `keep`), "different" undoes an engine link. Sets *merge_id when a merge was made (else 0).
 * Errors: CORE_E_NOT_FOUND, CORE_E_CONFLICT (already decided by a person; the row already linked to
 * somebody else; a merge refused, see pindex_merge), CORE_E_RESTRICTED, CORE_E_INVALID_VALUE. */
int pindex_decide(store *s, const pindex_decision *d, int64_t *merge_id, core_error *err);

/* Merge person `merge` into person `keep`: the rows about the merged record (former names, addresses, contact
 * details, family memberships, contacts' children, consents, assessed needs, activities, partner rows) move
 * to the kept one, unless the kept one already has the same membership (then the row stays where it was);
 * the merged record is kept, marked merged_into. Refused (CORE_E_CONFLICT) when either is already merged,
 * when their NHS numbers, NINOs or UPNs disagree, or they are one person; CORE_E_RESTRICTED when either is
 * restricted. pair_id: the reviewed pair it comes from, or 0. */
int pindex_merge(store *s, int64_t keep, int64_t merge, int64_t pair_id, const char *reason, int64_t user_id,
                 int64_t *merge_id, core_error *err);

/* Undo a merge: every row it moved goes back, the merged record is no longer merged, and a pair decided
 * "same" that made it goes back to pending. Refused (CORE_E_CONFLICT) when already undone, or when the kept
 * record has since been merged into another (undo that one first). */
int pindex_unmerge(store *s, int64_t merge_id, const char *reason, int64_t user_id, core_error *err);

/* ---- family identification (pindex_ident.c) ---- */

/* Families whose members' linked partner rows meet indicators under at least min_headlines Supporting
 * Families headlines, most headlines first: a JSON array of {family_id, family, headlines: [codes],
 * members: [{person_id, evidence: [{indicator, label, need, headline, dataset, value}]}], decision (the latest
 * family_identification row or null)}. Restricted and merged people are left out. */
int pindex_identify(store *s, int min_headlines, json_t **out, core_error *err);

/* Replace every indicator with the ones of a JSON array of {code, label, dataset, attribute, op, value, need}
 * (validated: op known, value a number for lt..ge, need in sf_need, attribute a name). */
int pindex_indicators_load(store *s, const json_t *list, core_error *err);
/* The indicators, as a JSON array of the same objects. */
int pindex_indicators_list(store *s, json_t **out, core_error *err);

/* Does an attribute's text meet an indicator's test (op, value)? 1 yes, 0 no. */
int pindex_indicator_met(const char *op, const char *value, const char *attribute_value);

/* ---- lists and lookups (pindex_list.c): rows as JSON objects, column name -> value; access and audit are the
 * caller's. Paged lists take the cursor (rows after id `after`) and at most `limit` rows. ---- */

/* What the front door's "already known?" check looks people up by (NULL: not known). */
typedef struct pindex_candidate_keys {
    const char *dob, *dob_swapped;      /* date of birth, and with day and month swapped */
    const char *family_key, *given_key; /* model_name_key forms */
    const char *year_first, *year_last; /* the year of birth's first and last day */
    const char *nhs_number, *nino, *upn, *postcode;
    int64_t exclude;                    /* a person to leave out (the one being recorded), 0: none */
    int64_t per_key;                    /* rows at most per lookup */
    int64_t rare_family;                /* a family name with fewer people than this is rare */
} pindex_candidate_keys;

/* The candidates for one incoming person (at most 2,000): a statement whose rows are id, given_name,
 * middle_names, family_name, preferred_name, date_of_birth, expected_date, sex, nhs_number, nino, upn and the
 * current postcode, in that order; walk it with store_next(). */
int pindex_candidates(store *s, core_arena *a, const pindex_candidate_keys *k, store_stmt **st, core_error *err);

/* The household of person: the people whose current address has the person's current postcode and first
 * line, the person among them (none when the person has no such address), restricted and merged people left
 * out, at most limit: a statement whose rows are id, given_name, family_name, date_of_birth, sex. */
int pindex_household(store *s, core_arena *a, int64_t person, int64_t limit, store_stmt **st, core_error *err);

/* What the family a contact names is worth on candidate (pindex_family.c): kin are the contact's other people
 * (at most PINDEX_FAMILY_MAX are used), family_agreed says whether the family name of the person asked about
 * agreed with the candidate's, in_index is the chance that a relative named is recorded in the index, people
 * the number of people in the index, household_max the most people of a household read. out->looked is 0 when the candidate has
 * no current address (no weight); else out->weight is the weight in bits (log2 of the odds' factor) and, when
 * positive, out->kin the relative that lends the most and out->member the person of the index they matched. */
enum { PINDEX_FAMILY_MAX = 20 };
typedef struct pindex_family {
    int looked;
    double weight;
    int kin;
    int64_t member;
} pindex_family;
int pindex_family_weight(store *s, core_arena *a, const link_model *model, const link_record *kin, int nkin,
                         int64_t candidate, int family_agreed, double in_index, double people,
                         int64_t household_max, pindex_family *out, core_error *err);

/* Link runs: id, kind, dataset, model_id, started_at, finished_at, people, records, candidate_pairs, linked,
 * queued, kept, created_by. */
int pindex_runs_list(store *s, core_arena *a, int64_t after, int64_t limit, json_t **rows, core_error *err);
/* Review-queue pairs whose people are not restricted, in state (or "all") and kind (or ""), or only pair id
 * when id is not 0. */
int pindex_pairs_list(store *s, core_arena *a, const char *state, const char *kind, int64_t after, int64_t limit,
                      int64_t id, json_t **rows, core_error *err);
/* A person's card with the current postcode; NULL with CORE_E_NOT_FOUND when absent or restricted. */
json_t *pindex_card(store *s, core_arena *a, int64_t person, core_error *err);
/* A partner's row (dataset, row key, names, date of birth, sex, address, person_id); NULL when absent. */
json_t *pindex_partner_row(store *s, core_arena *a, int64_t id, core_error *err);
/* Every partner row linked to the person, by dataset, with its dataset's section and attributes (JSON text). */
int pindex_person_rows(store *s, core_arena *a, int64_t person, json_t **rows, core_error *err);
/* The two people of a pair (*other 0 for a partner's row; both 0 when there is no such pair). */
int pindex_pair_people(store *s, core_arena *a, int64_t pair, int64_t *person, int64_t *other, core_error *err);
/* Merges with rows_moved, the number of rows each moved. */
int pindex_merges_list(store *s, core_arena *a, int64_t after, int64_t limit, json_t **rows, core_error *err);
/* Record a decision on a family identification (in the caller's transaction); *id gets its id. */
int pindex_identification_record(store *s, core_arena *a, int64_t family, const char *decision,
                                 const char *reason, const char *headlines, const char *now, int64_t by,
                                 int64_t *id, core_error *err);

#endif
