/*
 * model.h — Hearth's domain: people, families, contacts, referrals, consent, episodes and their
 * assessments, plans, reviews, activities and notes (BRIEF section 2).
 *
 * Design. Every kind of record is described once, as data, by a model_resource (model_resource.c): its
 * table, its parent (an episode's notes hang off the episode), and its fields with type, code list,
 * identifier rule, whether it is required, filterable or special category. One engine (model_crud.c)
 * validates JSON against that description and creates, reads, updates and lists rows through store/, so a
 * rule written once (codes checked against ref_code, identifiers canonicalised, previous versions kept in
 * row_history) holds for every record.
 *
 * What it is not for: deciding who may see what (access/), HTTP (http/, api/) or audit (audit/).
 *
 * Invariants
 *   1. Nothing is written unless the whole body is valid: validation runs first, writes run in one
 *      transaction, and any failure rolls it back.
 *   2. An update keeps the row as it stood (as JSON) in row_history under its old version before changing it,
 *      and bumps version; a body may name the version it read ("version": n) and gets CORE_E_STALE if the row
 *      has moved on.
 *   3. SQL text is built only from identifiers in the static resource table; every value is bound.
 *   4. All memory comes from ctx->arena; JSON values returned are owned by the arena (released with it).
 */
#ifndef HEARTH_MODEL_H
#define HEARTH_MODEL_H

#include <jansson.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

typedef enum {
    MODEL_T_TEXT,      /* string; max = maximum length in bytes (0: 10,000) */
    MODEL_T_INT,       /* integer in [min, max] */
    MODEL_T_BOOL,      /* true/false, stored 1/0 */
    MODEL_T_DATE,      /* "YYYY-MM-DD" */
    MODEL_T_TIMESTAMP, /* "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MMZ" */
    MODEL_T_CODE,      /* string in ref_code list `ref` */
    MODEL_T_IDENT,     /* identifier checked by model_ident (kind in `ident`), stored canonical */
    MODEL_T_REF,       /* id of a row in table `ref` */
    MODEL_T_HEADLINE,  /* Supporting Families headline code in any framework version */
} model_type;

enum {
    MODEL_F_REQUIRED = 1 << 0,  /* must be given on create */
    MODEL_F_FILTER = 1 << 1,    /* may be used as a list filter (?field=value) */
    MODEL_F_CREATE_ONLY = 1 << 2,/* set on create, never changed */
    MODEL_F_SPECIAL = 1 << 3,   /* special category data (UK GDPR art. 9) */
    MODEL_F_CRIMINAL = 1 << 4,  /* criminal offence data (art. 10) */
    MODEL_F_INTERNAL = 1 << 5,  /* derived by the model, shown but never accepted from input */
    MODEL_F_HIDDEN = 1 << 6,    /* derived, neither shown nor accepted (search keys) */
    MODEL_F_NOT_NULL = 1 << 7,  /* never null: left out on create it takes the column's default; null refused */
    MODEL_F_NATIONAL_ID = 1 << 8, /* NHS or National Insurance number: section 'identifiers' for partners */
};

typedef struct model_field {
    const char *name;   /* JSON name and column name */
    model_type type;
    unsigned flags;
    const char *ref;    /* MODEL_T_CODE: ref_code list; MODEL_T_REF: table */
    int ident;          /* MODEL_T_IDENT: model_ident_kind */
    int64_t min, max;   /* MODEL_T_INT range; MODEL_T_TEXT max length */
} model_field;

typedef struct model_ctx model_ctx;

typedef struct model_resource {
    const char *name;       /* URL segment, plural: "people", "notes" */
    const char *table;      /* SQL table */
    const char *parent;     /* parent resource name, or NULL */
    const char *parent_key; /* this table's column holding the parent's id */
    const char *section;    /* sharing label used by access/ ("person", "case_note", "assessment", ...) */
    const model_field *fields;
    size_t nfields;
    /* Optional: derive hidden/internal columns and check rules across fields, after per-field checks. obj
     * is the merged row (old values overlaid by the body for an update). Return 0 or a CORE_E_* code. */
    int (*check)(model_ctx *ctx, json_t *obj, core_error *err);
} model_resource;

struct model_ctx {
    store *db;
    core_arena *arena;
    int64_t user_id;        /* 0 for the system */
    int see_restricted;     /* 1: read restricted people too (governance; access/ has decided) */
    int link_opens;         /* a link record's opens_person/opens_family as access_link_opens() decided it
                               (0 or 1), or -1: not decided, leave as is (model_ctx_init sets -1) */
    const char *now;        /* request time, 'YYYY-MM-DDTHH:MM:SSZ'; filled by model_ctx_init */
    char now_buf[24];
    json_t *problems;       /* every problem of the last body validated: [{field, code, message, detail, hint}]
                               (arena-owned; NULL when there were none): a form shows them all, the API too */
    json_t *before;         /* the row as it stood, while a change is validated (NULL for a create) */
};

void model_ctx_init(model_ctx *ctx, store *db, core_arena *arena, int64_t user_id);

/* Record the problem in err (a validation error: 422) against field (NULL: the record as a whole) in
 * ctx->problems and return 0, so that validation goes on and every problem of a body is reported; an error
 * that is not a problem of the input (the store's) is returned as it is. */
int model_problem(model_ctx *ctx, const char *field, core_error *err);
/* 1 when code is a problem of the input (invalid, missing, unknown, wrong type), not of the server. */
int model_is_problem(int code);

/* Resource table lookups. */
const model_resource *model_resource_find(const char *name);
const model_resource *model_resource_at(size_t i);   /* NULL past the end */
const model_field *model_field_find(const model_resource *r, const char *name);

/* Create a row from a JSON object. parent_id is the id from the URL for a child resource (0 otherwise).
 * On success *out is the stored row as JSON (arena-owned). */
int model_create(model_ctx *ctx, const model_resource *r, int64_t parent_id, json_t *body, json_t **out,
                 core_error *err);
/* Read one row; CORE_E_NOT_FOUND if absent, or if it is a restricted person (art. 18: kept, not processed). */
int model_get(model_ctx *ctx, const model_resource *r, int64_t id, json_t **out, core_error *err);
/* Change some fields of a row (a JSON object of the fields to change, optionally "version"). */
int model_update(model_ctx *ctx, const model_resource *r, int64_t id, json_t *body, json_t **out,
                 core_error *err);

/* A list request: equality filters on MODEL_F_FILTER fields, then a cursor (rows with id > after). */
typedef struct model_filter {
    const char *field;
    const char *value;
} model_filter;

typedef struct model_list_req {
    int64_t parent_id;        /* child resources: the parent's id (required) */
    const model_filter *filters;
    size_t nfilters;
    int64_t after;            /* cursor: 0 for the first page */
    int limit;                /* 1..MODEL_LIST_MAX */
} model_list_req;

#define MODEL_LIST_DEFAULT 50
#define MODEL_LIST_MAX 500

/* List rows in id order. *items is a JSON array; *next is the cursor for the next page or 0 at the end. */
int model_list(model_ctx *ctx, const model_resource *r, const model_list_req *req, json_t **items, int64_t *next,
               core_error *err);

/* Person search by name (prefix of family and/or given name, accent- and case-insensitive), date of
 * birth, or identifier (any of NHS number, NINO, UPN, in any accepted formatting). Restricted people are
 * never returned. */
typedef struct model_person_query {
    const char *name;
    const char *date_of_birth;
    const char *identifier;
    int64_t after;
    int limit;
} model_person_query;
int model_person_search(model_ctx *ctx, const model_person_query *q, json_t **items, int64_t *next,
                        core_error *err);

/* Whether the episode's family has agreed to support: a consent of scope 'support' recorded and not withdrawn
 * (model_consent.c). *agreed 1 or 0; 0 or the store's code. */
int model_episode_agreed(model_ctx *ctx, int64_t episode, int *agreed, core_error *err);
/* Is code in ref_code list `list` (active)? 1 yes, 0 no, negative on error. */
int model_ref_code_exists(model_ctx *ctx, const char *list, const char *code, core_error *err);

/* Fold a name to its search key: NFKC, case-folded, accents stripped, runs of spaces and punctuation
 * other than '-' and '\'' collapsed to one space, trimmed. Returns an arena string ("" for NULL). */
char *model_name_key(core_arena *a, const char *name);

/* The sharing label a record of r carries when it holds obj's values (docs/access.md): an area's
 * 'assessment.<area>', a need's area by its headline (headline_area), a case note's sharing_label; NULL when
 * the record takes its resource's section. The label is an arena string. 0, or negative with err set. */
int model_record_label(model_ctx *ctx, const model_resource *r, json_t *obj, const char **label, core_error *err);

/* Triage's view of what contact contact_id names (model_triage.c): {contact_id, family_id, people: [index
 * cards], open_episodes: [{id, family_id, start_date, owning_team_id, owning_team, lead_user_id, lead}],
 * earlier_contacts: [{id, family_id, received_on, source_code, decision, decision_date}]}. Arena-owned. */
int model_triage_history(model_ctx *ctx, int64_t contact_id, json_t **out, core_error *err);

/* The families person_id is a current member of, for "already known?" (model_triage.c): *out a JSON array
 * (arena-owned) of {family_id, open_episodes: [{id, start_date, owning_team_id, owning_team, lead_user_id,
 * lead}]}; archived families left out. 0 or the store's code. */
int model_triage_person_families(model_ctx *ctx, int64_t person_id, json_t **out, core_error *err);
/* Links that named something already known, for governance (model_triage.c): up to limit (1..500) rows of
 * {kind, id, family_id, contact_id, person_id, created_by, created_at}, newest first. Arena-owned. */
int model_linked_list(model_ctx *ctx, int limit, json_t **items, core_error *err);

/* What contact contact_id carries for "already known?" asked within it (model_triage.c): the family's postcode
 * as the caller gave it (canonical, or NULL), the child's school (or NULL) and the family the contact names
 * (0: none). Strings in ctx's arena. 0, CORE_E_NOT_FOUND for no such contact, or the store's code. */
typedef struct model_contact_ev {
    const char *postcode, *school;
    int64_t family_id;
} model_contact_ev;
int model_contact_evidence(model_ctx *ctx, int64_t contact_id, model_contact_ev *ev, core_error *err);
/* Child person_id of contact contact_id as recorded: *out a JSON object (arena-owned) {given_name, family_name,
 * date_of_birth, sex, nhs_number, nino, upn}. CORE_E_NOT_FOUND when the person is not one of the contact's
 * children (or is restricted or merged); else 0 or the store's code. */
int model_contact_child(model_ctx *ctx, int64_t contact_id, int64_t person_id, json_t **out, core_error *err);

/* The other children contact contact_id names besides person_id (0: all of them), at most 20: *out a JSON
 * array (arena-owned) of {id, given_name, family_name, date_of_birth, sex}, restricted and merged people left
 * out. 0 or the store's code. */
int model_contact_others(model_ctx *ctx, int64_t contact_id, int64_t person_id, json_t **out, core_error *err);

/* Has contact contact_id a decision? 1 with its decision_date in date, 0 when undecided or absent, negative
 * with err set on a store error (model_triage.c). */
int model_contact_decided(model_ctx *ctx, int64_t contact_id, char date[11], core_error *err);

/* Worklists (model_worklist.c): the ids a role's worklist starts from, at most limit of them, into out
 * (*count filled). The caller reads each record through the access decision and the audit trail.
 * caseload: open episodes user_id leads or is a current Team Around the Family member of, oldest first
 * (id: the episode, parent_id: its family). undecided: contacts without a decision, oldest received first
 * (id: the contact). 0 or the store's code. */
typedef struct model_id_pair {
    int64_t id;
    int64_t parent_id;
} model_id_pair;
int model_worklist_caseload(model_ctx *ctx, int64_t user_id, int limit, model_id_pair *out, int *count,
                            core_error *err);
int model_worklist_undecided(model_ctx *ctx, int limit, model_id_pair *out, int *count, core_error *err);
/* team: open episodes owned by team_id, allocated or not, oldest first (id: the episode, parent_id: its family). */
int model_worklist_team(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count, core_error *err);
/* When staff last looked at an episode, and what others have added since (model_seen.c, episode_seen).
 * seen_episode: record that user_id saw episode_id now (the request clock); seen_family: the same for each open
 * episode of family_id. Either writes only when the last mark is missing or MODEL_SEEN_TOUCH_SECONDS old.
 * seen_new: *seen_at the user's last look at the episode (arena string) or NULL when never, and into out (at
 * most limit, *count filled) the records of the episode (its case notes, activities, reviews, assessments,
 * plans and their actions) that someone else created after it — every one someone else created when never
 * seen. Ids only: the caller asks the access decision of each before it counts it. 0 or the store's code. */
#define MODEL_SEEN_TOUCH_SECONDS 60
typedef struct model_seen_item {
    const char *table; /* case_note, activity, review, assessment, plan or plan_action */
    int64_t id;
} model_seen_item;
int model_seen_episode(model_ctx *ctx, int64_t episode_id, int64_t user_id, core_error *err);
int model_seen_family(model_ctx *ctx, int64_t family_id, int64_t user_id, core_error *err);
int model_seen_new(model_ctx *ctx, int64_t episode_id, int64_t user_id, const char **seen_at, int limit,
                   model_seen_item *out, int *count, core_error *err);

/* The display name of member of staff user_id (arena string), or NULL when there is none. 0 or the store's
 * code. Staff names are the directory, not case records: no access decision is asked. */
int model_staff_name(model_ctx *ctx, int64_t user_id, const char **name, core_error *err);

/* The team manager's pages (model_worklist.c), ids only as above. team_page: one page (offset, limit) of the
 * team's open episodes in the order asked (desc 1: descending), *total the number of them all. unallocated:
 * those nobody leads, oldest first. overdue: those whose next review (set by the latest review) is before
 * today, most overdue first. staff: the enabled practitioners and managers of the team who may lead a case,
 * *out a JSON array (arena-owned) of {id, name, role, open_cases}. 0 or the store's code. */
typedef enum {
    MODEL_TEAM_SORT_OPENED,
    MODEL_TEAM_SORT_FAMILY,
    MODEL_TEAM_SORT_LEAD,
    MODEL_TEAM_SORT_REVIEW,
    MODEL_TEAM_SORTS
} model_team_sort;
int model_worklist_team_page(model_ctx *ctx, int64_t team_id, model_team_sort sort, int desc, int offset, int limit,
                             model_id_pair *out, int *count, int64_t *total, core_error *err);
int model_worklist_team_unallocated(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                                    core_error *err);
int model_worklist_team_overdue(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                                core_error *err);
int model_team_staff(model_ctx *ctx, int64_t team_id, json_t **out, core_error *err);
/* What the rules of case data that makes sense look up (model_sense.c). Each returns 0 (or, for the yes/no
 * questions, 1 or 0) or the store's code with err set.
 * other_open_episodes: open episodes of family other than except (archived aside) into *n.
 * open_actions: actions of the episode's plans still open into *n; cancel_open_actions marks them cancelled
 * (each keeping its version in row_history), as an episode's closure decided.
 * episode_end: the episode's end date into end ("" while open or when there is no such episode).
 * need_person_in_family: 1 when person is a member of the family of assessment's episode.
 * framework_has: 1 when the framework version exists (headline, need NULL), has the headline (need NULL), or
 * has the need under that headline.
 * framework_codes: GET /api/v1/reference/sf_headline and sf_need: [{code, label, parent, framework,
 * framework_label}] (arena-owned); CORE_E_NOT_FOUND for another list. */
int model_other_open_episodes(model_ctx *ctx, int64_t family, int64_t except, int64_t *n, core_error *err);
int model_open_actions(model_ctx *ctx, int64_t episode, int64_t *n, core_error *err);
int model_cancel_open_actions(model_ctx *ctx, int64_t episode, core_error *err);
int model_episode_end(model_ctx *ctx, int64_t episode, char end[11], core_error *err);
int model_need_person_in_family(model_ctx *ctx, int64_t assessment, int64_t person, core_error *err);
int model_framework_has(model_ctx *ctx, const char *version, const char *headline, const char *need,
                        core_error *err);
int model_framework_codes(model_ctx *ctx, const char *list, json_t **out, core_error *err);
/* closures: open episodes of team_id whose lead asked to close them, oldest request first (id: the episode,
 * parent_id: its family), for the team manager's sign-off (model_sense.c). */
int model_worklist_closures(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                            core_error *err);
/* supervision: up to limit of the supervision records of team_id's cases from offset, most recent first (id: the
 * record, parent_id: its episode's family), for the team manager's page (model_worklist.c). 0 or the store's
 * code. */
int model_worklist_supervision(model_ctx *ctx, int64_t team_id, int offset, int limit, model_id_pair *out,
                               int *count, core_error *err);
/* The earlier versions of record id of r, newest first, as row_history kept them at each change: *out a JSON
 * array (arena-owned) of {version, changed_at, changed_by, previous: {the record's own fields}}; [] for a
 * record never changed. The caller decides access to the record first. 0 or the store's code. */
int model_record_history(model_ctx *ctx, const model_resource *r, int64_t id, json_t **out, core_error *err);

/* Current UTC time as 'YYYY-MM-DDTHH:MM:SSZ' into out[24]. */
void model_now(char out[24]);

#endif
