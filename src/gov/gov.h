/*
 * gov.h — information governance's own records: the register of data-subject requests (docs/requests.md),
 * the subject-access pack and the access report, and the register of breaches (docs/breaches.md).
 *
 * What it is for: a request a person makes about their data (access, rectification, erasure, restriction,
 * portability, objection, withdrawal of consent) is registered the day it arrives, its clock is stopped and
 * restarted as Hearth waits for identity, clarification or a fee, it may be extended once (notified within the
 * first month), and it ends completed, refused (for erasure, with the art. 17(3) ground) or withdrawn. The
 * statutory deadline is worked out here, never stored, under the ICO's rules: one calendar month from the day
 * the clock last started (the corresponding date, or the month's last day, moved to the next working day past
 * weekends and the bank holidays of ref_bank_holiday), three months when extended.
 *
 * What it is not for: access decisions and the audit trail. The caller (src/api/api_requests.c) checks the
 * route's permission, opens the transaction, and writes the audit event in it.
 *
 * Invariants:
 *   1. A request's state follows: open <-> paused, then one of completed, refused, withdrawn, after which
 *      nothing changes it (CORE_E_CONFLICT).
 *   2. Every change is a subject_request_event row written in the same transaction as the request's row.
 *   3. No event is dated before the request was received or after today (the clock core_clock reads).
 *   4. Functions returning int give 0 or a negative core error code with err filled; JSON results are new
 *      references the caller owns.
 */
#ifndef HEARTH_GOV_H
#define HEARTH_GOV_H

#include <jansson.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

/* A new request, as the API body gives it (strings borrowed). */
typedef struct gov_request_new {
    const char *kind;           /* ref 'request_kind' */
    int64_t person_id;          /* whose data */
    const char *requester;      /* ref 'request_requester' */
    const char *requester_name; /* 1..200 bytes */
    const char *received_on;    /* YYYY-MM-DD, not after today */
    const char *details;        /* optional */
    const char *identity_checked_on; /* optional YYYY-MM-DD */
    const char *identity_method;     /* required with identity_checked_on */
} gov_request_new;

/* An event on a request (strings borrowed). */
typedef struct gov_request_event {
    const char *event;  /* pause, resume, identity, extend, complete, refuse, withdraw */
    const char *on;     /* YYYY-MM-DD; default today */
    const char *reason; /* pause: ref 'request_pause_reason'; extend: why; refuse: ground (see docs) */
    const char *note;   /* complete and refuse: the outcome; otherwise optional */
} gov_request_event;

/* Register a request inside the caller's transaction. *id gets the new request's id. CORE_E_INVALID_VALUE
 * (with the field named) for a bad code or date, CORE_E_NOT_FOUND for an unknown person. */
int gov_request_create(store *s, core_arena *a, const gov_request_new *in, int64_t user_id, int64_t *id,
                       core_error *err);
/* Apply one event inside the caller's transaction; CORE_E_CONFLICT when the request's state does not allow
 * it (closed, not paused, already extended, an extension notified after the first month). */
int gov_request_apply(store *s, core_arena *a, int64_t id, const gov_request_event *ev, int64_t user_id,
                      core_error *err);
/* The request with its deadline, days left (negative when overdue), overdue flag and events. */
int gov_request_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err);
/* Requests, overdue first, then open ones by deadline, then paused, then closed newest first.
 * which: "open" (open and paused, the default), "overdue", or "all". *out is a JSON array. */
int gov_request_list(store *s, core_arena *a, const char *which, json_t **out, core_error *err);
/* The person a request is about (for the audit trail); CORE_E_NOT_FOUND when there is no such request. */
int gov_request_person(store *s, core_arena *a, int64_t id, int64_t *person_id, core_error *err);

/* A consent row (as the model returns it) whose withdrawn_on is set: register its withdrawal as a completed
 * consent_withdrawal request of the person it was for (or who gave it), once per consent, inside the caller's
 * transaction. *id gets the new request's id, or 0 when none was needed. */
int gov_consent_withdrawal(store *s, core_arena *a, json_t *consent, int64_t user_id, int64_t *id, core_error *err);

/* ---- the access report (gov_report.c) ---- */

/* CORE_E_NOT_FOUND ("no people with id N") unless the person exists. */
int gov_person_exists(store *s, core_arena *a, int64_t person, core_error *err);
/* Who has looked at the person's records: up to limit entries of the trail after seq `after`, oldest first,
 * as {seq, at, by: {user_id, username, name, role}, action, record, record_id, footing, via}. *out is a new
 * array; *next the cursor for the next page, or 0 when there is none. Needs the trail attached ("trail"). */
int gov_access_report(store *s, core_arena *a, int64_t person, int64_t after, int64_t limit, json_t **out,
                      int64_t *next, core_error *err);

/* The configuration changes in the trail (settings and agencies updated, users added, given a role, disabled,
 * enabled or reset), newest first, below seq `before`: each entry {seq, at, actor_user_id, username,
 * display_name, actor_role, action, target_table, target_id, detail} is given to each(entry, arg), which
 * returns 0 to go on and 1 to stop (the entry is each's to json_decref). Needs the trail attached ("trail"). */
int gov_config_changes(store *s, core_arena *a, int64_t before, int (*each)(json_t *entry, void *arg), void *arg,
                       core_error *err);

/* The earlier versions of the person's own records (the person, addresses, contact details, former names):
 * [{record, record_id, version, changed_at, changed_by: {user_id, username, name}, previous: {...}}], oldest
 * first. What a rectification replaced stays visible to governance here. */
int gov_person_history(store *s, core_arena *a, int64_t person, json_t **out, core_error *err);

/* ---- objections (gov_objection.c) ---- */

/* Set or clear a person's upheld objections inside the caller's transaction: matching / research 1 to set,
 * 0 to clear, -1 to leave as it is. *now_matching and *now_research get the flags as they now stand.
 * CORE_E_NOT_FOUND for an unknown person. */
int gov_person_object(store *s, core_arena *a, int64_t person, int matching, int research, int64_t user_id,
                      int *now_matching, int *now_research, core_error *err);

/* ---- the register of breaches (gov_breach.c, docs/breaches.md) ---- */

/* Register a breach from a JSON body (title, what_happened, discovered_at required; any field of
 * gov_breach_update besides) inside the caller's transaction. Fields are checked here; unknown fields are the
 * caller's to refuse. */
int gov_breach_create(store *s, core_arena *a, json_t *body, int64_t user_id, int64_t *id, core_error *err);
/* Change fields of a breach (null clears an optional one; person_ids adds people affected) and check that the
 * register still hangs together (a decision has its reason; reported only when the decision was to report;
 * a risk is reported; closed only when complete). CORE_E_INVALID_VALUE naming what is missing. */
int gov_breach_update(store *s, core_arena *a, int64_t id, json_t *body, int64_t user_id, core_error *err);
/* One breach with ico_deadline, hours_left, overdue, tell_people and person_ids. */
int gov_breach_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err);
/* The newest 1,000: overdue first, then those whose people must still be told, then open, then closed. */
int gov_breach_list(store *s, core_arena *a, json_t **out, core_error *err);

/* ---- disposal (gov_dispose.c) ---- */

typedef struct gov_disposal {
    const char *kind;         /* "retention" or "erasure" */
    const char *record_table; /* episode, contact, family or person */
    int64_t record_id;
    const char *record_class; /* retention: the policy's class; else NULL */
    const char *reason;       /* in words, kept in the disposal record (no personal data) */
    int64_t plan_id, request_id, approved_by;
} gov_disposal;

typedef struct gov_disposal_result {
    int64_t disposal_id;
    char reference[24];  /* "D-000123": the certificate's */
    int64_t rows;        /* rows removed in all, earlier versions included */
    const char *counts;  /* JSON object table -> rows (arena) */
} gov_disposal_result;

/* Remove a record's personal data everywhere it lives, inside the caller's transaction (roll it back for a
 * dry run): the record and everything under it with their earlier versions, then its family when nothing is
 * left in it, and any person left on no record (docs/retention.md, "Disposal"). Keeps one disposal row.
 * CORE_E_NOT_FOUND when the record is gone already; CORE_E_INVALID_VALUE for a kind not disposed of. */
int gov_dispose(store *s, core_arena *a, const gov_disposal *d, int64_t user_id, gov_disposal_result *out,
                core_error *err);

/* Archive an episode, contact or family (archived_on = today, migration 0018): it leaves working lists and
 * stays for governance. *archived 1 when this call archived it, 0 when it was archived already or is gone. */
int gov_archive(store *s, core_arena *a, const char *table, int64_t id, int *archived, core_error *err);

/* The disposal record with its certificate: {id, reference, kind, record: {table, id}, record_class, reason,
 * plan_id, request_id, approved_by: {user_id, username}, rows_removed: {table: n}, disposed_at, disposed_by,
 * certificate}. */
int gov_disposal_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err);
/* Disposal records newest first, below id `before` (0: from the newest), up to limit; *next the cursor or 0. */
int gov_disposal_list(store *s, core_arena *a, int64_t before, int64_t limit, json_t **out, int64_t *next,
                      core_error *err);

/* ---- the subject-access pack (gov_sar.c, gov_sar_pack.c) ---- */

/* Everything about one person, as gov_sar_collect() gathers it (all JSON owned by the struct). */
typedef struct gov_sar {
    int64_t person_id;
    json_t *sections;   /* [{record, title, rows: [...]}] in the pack's order; rows already cut down */
    json_t *redactions; /* [{record, record_id, field ("*": the whole row), reason}] */
    json_t *review;     /* [{record, record_id, field}]: free text to read before release */
    json_t *chronology; /* [{date, record, record_id, text}] in date order, plain sentences, no free text */
    json_t *access;     /* the access report, every entry (gov_access_report) */
    json_t *labels;     /* {list: {code: label}} */
    uint64_t records;   /* rows included */
    uint64_t withheld;  /* rows withheld whole */
    int portability;    /* 1: the portability copy (art. 20): only what the person provided, as data */
} gov_sar;

/* Gather every record about person (docs/requests.md, "What the pack holds"), withholding what is about
 * someone else, with the reasons. Reads the trail (schema "trail"). With portability, only what the person
 * provided (their record, names, addresses, contact details) and no access report. On error nothing is left
 * to release. */
int gov_sar_collect(store *s, core_arena *a, int64_t person, int portability, gov_sar *sar, core_error *err);
void gov_sar_release(gov_sar *sar);
/* The readable report's words for a column (e.g. "NHS number", "Date of birth"), or NULL for bookkeeping left
 * out of it (version, who changed it); and a value as words: a code as its label, a flag as yes or no. Strings
 * from the arena or the pack. */
const char *gov_sar_field_label(core_arena *a, const char *field);
const char *gov_sar_value_text(const gov_sar *sar, core_arena *a, const char *table, const char *field, json_t *v);
/* The report as a PDF in memory (gov_sar_pdf.c): *out (the caller frees it) of *out_len bytes. */
int gov_sar_pdf(const gov_sar *sar, const char *generated_at, char **out, size_t *out_len, core_error *err);
/* The pack as a ZIP archive in memory: *out (the caller frees it) of *out_len bytes. */
int gov_sar_pack(const gov_sar *sar, const char *generated_at, char **out, size_t *out_len, core_error *err);

#endif
