/*
 * model_data.h — the rows the API reads and writes beyond the record resources (model.h): access grants and
 * their governance review, restriction of processing, the access settings, code lists, and a few lookups;
 * and rows as JSON for modules that answer with whole rows.
 *
 * What it is for: keeping every SQL statement in the module that owns the data, so that src/api holds none
 * (script/test's check_no_sql). What it is not for: deciding access (access/) or recording the audit event
 * (the caller does, inside the same transaction when the function writes).
 *
 * Every function takes the caller's store handle and arena; returned JSON is the caller's to json_decref.
 * Writes run in the caller's transaction: the caller begins, records the write's audit event, and commits.
 * Functions return 0 or a negative CORE_E_* code with err set.
 */
#ifndef HEARTH_MODEL_DATA_H
#define HEARTH_MODEL_DATA_H

#include <jansson.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

/* ---- rows as JSON ---- */

/* The current row of st as a JSON object: column name -> value (NULL as null). */
json_t *model_row_json(store_stmt *st);
/* Every row sql gives (a constant of the calling module), each as model_row_json, into *rows. */
int model_rows_json(store *s, core_arena *a, const char *sql, const store_value *p, size_t n, json_t **rows,
                    core_error *err);
/* The one row sql ($1 = id) gives, the statement finished; NULL with err set when there is none
 * (CORE_E_NOT_FOUND: "no WHAT with id ID") or the store fails. */
json_t *model_row_by_id(store *s, core_arena *a, const char *sql, int64_t id, const char *what, core_error *err);

/* ---- lookups ---- */

/* *exists gets 1 when family id exists, else 0. */
int model_family_exists(store *s, core_arena *a, int64_t id, int *exists, core_error *err);
/* *restricted gets the person's restriction flag; CORE_E_NOT_FOUND when there is no such person. */
int model_person_restricted(store *s, core_arena *a, int64_t id, int *restricted, core_error *err);
/* The agency's type (arena string), or NULL in *type when there is no such agency. */
int model_agency_type(store *s, core_arena *a, int64_t id, const char **type, core_error *err);
/* The agency's name and type (arena strings; name may be NULL to skip it), or NULL in both when there is no
 * such agency. */
int model_agency_name_type(store *s, core_arena *a, int64_t id, const char **name, const char **type,
                           core_error *err);
/* A code list with its active codes in display order: {"list","label","verified","codes":[{code,label,parent}]};
 * CORE_E_NOT_FOUND when there is no such list (or it has no active code). */
int model_code_list(store *s, core_arena *a, const char *list, json_t **out, core_error *err);

/* ---- access grants (break glass, governance duties) and their review ---- */

typedef struct model_grant_new {
    int64_t user_id;
    const char *kind;        /* "break_glass" or "duty" */
    int64_t family_id;       /* one of family_id and person_id, the other 0 */
    int64_t person_id;
    const char *reason, *explanation;
    const char *granted_at, *expires_at; /* ISO UTC timestamps */
} model_grant_new;

/* Record a grant; *id gets its id. */
int model_grant_add(store *s, core_arena *a, const model_grant_new *g, int64_t *id, core_error *err);
/* A grant as a row object; NULL with err set (CORE_E_NOT_FOUND "no review with id N") when there is none. */
json_t *model_grant_get(store *s, core_arena *a, int64_t id, core_error *err);
/* Break-glass grants after id `after`, oldest first, at most `limit` (not yet reviewed unless all). */
int model_grant_reviews(store *s, core_arena *a, int all, int64_t after, int64_t limit, json_t **rows,
                        core_error *err);
/* Record the review of a break-glass grant not yet reviewed; *changed gets 1, or 0 when it was reviewed. */
int model_grant_review_record(store *s, core_arena *a, int64_t id, const char *outcome, const char *note,
                              int64_t by, const char *now, int64_t *changed, core_error *err);

/* ---- restriction of processing (UK GDPR art. 18) ---- */

/* Set the person's restriction flag (a new version); *changed gets 0 when there is no such person. */
int model_person_set_restricted(store *s, core_arena *a, int64_t person, int on, const char *now, int64_t by,
                                int64_t *changed, core_error *err);

/* ---- settings ---- */

/* Every setting, by name: [{"name","value","unit","description"}]. */
int model_settings(store *s, core_arena *a, json_t **rows, core_error *err);
/* One setting as {"name","value","unit","description"}; CORE_E_NOT_FOUND when there is none. */
int model_setting_get(store *s, core_arena *a, const char *name, json_t **out, core_error *err);
/* Set a setting's value; *changed gets 0 when there is no such setting. */
int model_setting_set(store *s, core_arena *a, const char *name, int64_t value, int64_t *changed, core_error *err);

#endif
