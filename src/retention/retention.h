/*
 * retention.h — how long each record lives: the retention plan, and legal holds.
 *
 * What it is for: given the council's policy (policy/policy.h: retention classes in file order, standing
 * holds) and a date, saying for every record a class covers when it falls due and what happens to it then
 * (`hearth retention plan`); and keeping the legal holds placed on single records (`hearth retention hold`,
 * /api/v1/legal-holds). The rules are written out in docs/retention.md; this header is their contract.
 * What it is not for: disposing of anything. The plan only reads; a plan can be saved (retention_plan,
 * retention_plan_row) and approved by a second person; running an approved plan is `hearth retention run`
 * (src/cli/cli_retention_run.c), which disposes through src/gov/gov_dispose.c.
 *
 * The plan, in short (docs/retention.md has every case):
 *   - A record is a contact, episode or family row that some class's `records:` selector matches; it takes the
 *     FIRST such class in file order, and is planned once, under that class.
 *   - Its trigger date comes from the class's trigger; its due date is trigger + period (years, then months,
 *     then days; a day the month lacks becomes the month's last day). An open case (an undecided contact, an
 *     episode without end_date, a family with an open episode) or a current programme has no trigger date.
 *   - action: keep when there is no due date or it is after as_of; else keep when a hold is in force on the
 *     record at as_of; else review when the class's disposal is review, else dispose.
 *   - hold: the first hold in force at as_of — the policy's standing holds in file order, then legal_hold rows
 *     by id — shown whether or not the record is due.
 *
 * Invariants
 *   1. The plan reads the database in a fixed number of whole-table scans (never one query per record), so
 *      its time grows linearly with the records; rows are reported in plan order: class in policy order,
 *      then record table, then record id.
 *   2. Every date is a valid core_date or CORE_DATE_INVALID ("none"); a stored date that does not parse is
 *      treated as absent, never as a plausible wrong date.
 *   3. Functions return 0 or a negative CORE_E_* code with err filled; retention_plan_build() writes nothing
 *      to the database (saving a plan is retention_plan_save()).
 *   4. A legal hold's SQL lives here (retention_hold.c), not in the API layer; every change to a hold bumps
 *      its version and keeps the previous row in row_history.
 */
#ifndef HEARTH_RETENTION_H
#define HEARTH_RETENTION_H

#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_date.h"
#include "core/core_error.h"
#include "policy/policy.h"
#include "store/store.h"

/* ---- the plan ------------------------------------------------------------------------------------------- */

typedef enum retention_action {
    RETENTION_KEEP,
    RETENTION_REVIEW,
    RETENTION_DISPOSE,
    RETENTION_ACTION_COUNT
} retention_action;

/* One row of the plan. Strings point into the policy or into static tables and live as long as the policy;
 * the row itself is valid only during the callback. */
typedef struct retention_row {
    uint32_t class_index;                 /* into p->classes */
    const policy_retention_class *cls;
    const char *record_table;             /* "contact", "episode" or "family" */
    int64_t record_id;
    int64_t person_id;                    /* whose date of birth decided the due date; 0 when none */
    int64_t family_id;                    /* the record's family; 0 when none */
    core_date trigger_date;               /* CORE_DATE_INVALID when none (open case, current programme, ...) */
    core_date due_date;                   /* CORE_DATE_INVALID when none */
    retention_action action;
    const char *hold;                     /* reason code of the first hold in force at as_of, or NULL */
} retention_row;

/* Called once per row in plan order. Return 0 to go on; a negative CORE_E_* code stops the plan, which then
 * returns that code (the callback fills err itself). */
typedef int (*retention_row_fn)(void *ctx, const retention_row *row, core_error *err);

typedef struct retention_summary {
    uint64_t rows;
    uint64_t by_action[RETENTION_ACTION_COUNT];
    uint64_t held;     /* rows with a hold shown */
    uint64_t held_due; /* rows kept only because of a hold */
} retention_summary;

/* Build the plan of p as of as_of ("YYYY-MM-DD") over the database s, calling fn for every row in plan order.
 * sum (may be NULL) gets the counts. Returns 0; CORE_E_INVALID_DATE when as_of does not parse;
 * CORE_E_INVALID_VALUE when a class's trigger does not apply to its records (programme_end on contacts);
 * a store error; or the callback's code. Statements live on a scratch arena of its own, released before it
 * returns, so no read stays open on s. */
int retention_plan_build(store *s, const policy *p, const char *as_of, retention_row_fn fn, void *ctx,
                         retention_summary *sum, core_error *err);

/* trigger + period: years, then months, then days (core_date's month rule: 29 Feb + 1 year = 28 Feb,
 * 31 Jan + 1 month = the last day of February). CORE_DATE_INVALID when trigger is invalid or the result
 * leaves years 1..9999. */
core_date retention_period_add(core_date trigger, policy_period period);

/* Codes as the plan writes them (the policy's own codes are policy_records_name(), policy_trigger_name() and
 * policy_disposal_name()). */
const char *retention_action_name(retention_action a);
const char *retention_records_table(policy_records r); /* "contact", "episode", "family"; NULL out of range */

/* The plan's CSV header line (with its newline), and one row as a CSV line (with its newline) appended to
 * out. Every value is a code, a number or a date; a hold's reason code is quoted if it ever holds a comma,
 * quote or line break. */
extern const char retention_csv_header[];
void retention_row_csv(const retention_row *r, core_buf *out);

/* ---- saved plans, for approval ------------------------------------------------------------------------- */

/* BLAKE2b-256 in hex (64 characters and a NUL): `b2sum -l 256 FILE` gives the same. */
#define RETENTION_DIGEST_HEX 65

/* Build the plan (as retention_plan_build) and keep it: a retention_plan row in state draft and one
 * retention_plan_row per row, in one transaction on s (which must have none open), with rows_digest the
 * BLAKE2b-256 of the plan's CSV exactly as `hearth retention plan` writes it (header and rows), so that
 * whoever approves can check the file they were given. policy_digest is the digest of the policy file
 * (retention_digest_file). fn (may be NULL) also sees every row. actor: the app_user saving it (0: system).
 * On success *plan_id is the plan's id and rows_digest (may be NULL) gets the digest. */
int retention_plan_save(store *s, const policy *p, const char *policy_digest, const char *as_of, int64_t actor,
                        retention_row_fn fn, void *ctx, retention_summary *sum, int64_t *plan_id,
                        char rows_digest[RETENTION_DIGEST_HEX], core_error *err);

/* The digest of a file's bytes, as above. CORE_E_IO when it cannot be read. */
int retention_digest_file(const char *path, char out[RETENTION_DIGEST_HEX], core_error *err);

typedef struct retention_plan_info {
    int64_t id;
    const char *as_of, *policy_profile, *policy_digest, *state, *rows_digest;
    int64_t row_count;
    int64_t keep, review, dispose; /* rows by action */
    const char *created_at, *approved_at;
    int64_t created_by, approved_by; /* 0: the system / not approved */
} retention_plan_info;

/* One saved plan (strings on a). CORE_E_NOT_FOUND when absent. */
int retention_plan_get(store *s, core_arena *a, int64_t id, retention_plan_info *out, core_error *err);

/* One row of a saved plan, as stored (strings on the caller's arena; NULL for an empty value). */
typedef struct retention_saved_row {
    int64_t row_id; /* retention_plan_row.id: the cursor for the next page */
    const char *record_class, *record_table;
    int64_t record_id, person_id, family_id; /* 0 when none */
    const char *trigger, *trigger_date, *due_date, *action, *disposal, *hold;
} retention_saved_row;

/* A saved plan's rows with row_id > after, in plan order, at most limit (1..1000); only those whose action is
 * `action` when it is not NULL (keep, review or dispose; anything else is CORE_E_BAD_PARAMETER). *out is an
 * array on a, *n its length. CORE_E_NOT_FOUND when the plan does not exist. */
int retention_plan_rows(store *s, core_arena *a, int64_t plan_id, int64_t after, int limit, const char *action,
                        retention_saved_row **out, size_t *n, core_error *err);

/* Approve a draft plan: rows_digest must be the plan's (CORE_E_INVALID_VALUE otherwise: what was checked is
 * not what was saved); the approver must not be the person who saved it (four eyes: CORE_E_CONFLICT);
 * a plan already approved or run is CORE_E_CONFLICT. The caller holds the transaction. */
int retention_plan_approve(store *s, core_arena *a, int64_t id, const char *rows_digest, int64_t actor,
                           core_error *err);

/* ---- legal holds on single records ----------------------------------------------------------------------- */

/* The longest note a hold may carry (bytes). */
#define RETENTION_HOLD_NOTE_MAX 2000

typedef struct retention_hold {
    int64_t id;
    const char *reason;      /* ref legal_hold_reason */
    const char *scope_table; /* person, family, episode, contact */
    int64_t scope_id;
    const char *from_date;   /* YYYY-MM-DD */
    const char *until_date;  /* NULL while it stands */
    const char *note;        /* may be NULL */
    int64_t version;
    const char *created_at, *updated_at;
    int64_t created_by, updated_by; /* 0 for the system (the command line) */
} retention_hold;

/* Place a hold. Checks: reason is an active code of legal_hold_reason (CORE_E_INVALID_CODE); scope_table is
 * one of the four (CORE_E_INVALID_VALUE); the row scope_table/scope_id exists (CORE_E_NOT_FOUND); from_date
 * (default: today by core_clock) is a date (CORE_E_INVALID_DATE); note at most RETENTION_HOLD_NOTE_MAX bytes.
 * actor is the app_user id recording it (0: the system). One INSERT: atomic on its own, or part of the
 * caller's transaction. On success *id_out is the new id. */
int retention_hold_add(store *s, core_arena *a, const char *reason, const char *scope_table, int64_t scope_id,
                       const char *from_date, const char *note, int64_t actor, int64_t *id_out, core_error *err);

/* End a hold: set its until_date (>= from_date, else CORE_E_INVALID_VALUE). expected_version, when > 0, must
 * be the row's version (CORE_E_STALE otherwise). Ending a hold already ended is CORE_E_CONFLICT. The
 * previous row is kept in row_history (two writes: the caller holds the transaction, store_begin ..
 * store_commit). CORE_E_NOT_FOUND for no such hold. */
int retention_hold_end(store *s, core_arena *a, int64_t id, const char *until_date, int64_t expected_version,
                       int64_t actor, core_error *err);

/* Read one hold into *out (strings on a). CORE_E_NOT_FOUND when absent. */
int retention_hold_get(store *s, core_arena *a, int64_t id, retention_hold *out, core_error *err);

/* List holds with id > after, by id, at most limit (1..1000); standing_only keeps those without until_date.
 * *out is an array on a, *n its length. */
int retention_hold_list(store *s, core_arena *a, int64_t after, int limit, int standing_only, retention_hold **out,
                        size_t *n, core_error *err);

/* The reason code of the first legal hold in force on date `on` (YYYY-MM-DD) over a person or a family they
 * are a member of, in *reason (arena), or NULL when none: an erasure is refused while one stands. */
int retention_person_held(store *s, core_arena *a, int64_t person, const char *on, const char **reason,
                          core_error *err);

/* Mark an approved plan run (its disposals done); a plan in any other state is left as it is. */
int retention_plan_mark_run(store *s, core_arena *a, int64_t id, int64_t actor, core_error *err);

/* May saved plan id be carried out now under pol (`hearth retention run`, POST /api/v1/retention-plans/{id}/run)?
 * It must be approved (CORE_E_CONFLICT, with a hint, for a draft), its as-of day must have come
 * (CORE_E_CONFLICT), and pol must be the very file it was made with (its digest; CORE_E_CONFLICT otherwise,
 * CORE_E_IO when the file cannot be read). *plan the plan (strings on a). CORE_E_NOT_FOUND when absent. */
int retention_plan_runnable(store *s, core_arena *a, const policy *pol, int64_t id, retention_plan_info *plan,
                            core_error *err);

#endif
