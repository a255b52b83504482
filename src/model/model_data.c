/*
 * model_data.c — the rows the API reads and writes beyond the record resources (contract in model_data.h):
 * grants and their review, restriction, settings, code lists, lookups; rows as JSON.
 */
#include "model/model_data.h"

#include <inttypes.h>

/* ---- the statements ---- */

static const char SQL_FAMILY_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM family\n"
    " WHERE id = $1";

static const char SQL_PERSON_STATE[] =
    "SELECT restricted\n"
    "  FROM person\n"
    " WHERE id = $1";

/* An agency's type before a change (the configuration changes report). */
static const char SQL_AGENCY_TYPE[] =
    "SELECT agency_type, name\n"
    "  FROM agency\n"
    " WHERE id = $1";

/* Code lists: each list with its codes in display order. */
static const char SQL_REF_LIST[] =
    "SELECT c.code, c.label, c.parent, l.label, l.verified\n"
    "  FROM ref_list l\n"
    "  JOIN ref_code c ON c.list = l.list\n"
    " WHERE l.list = $1\n"
    "   AND c.active = 1\n"
    " ORDER BY c.sort_order, c.code";

/* Returns the new grant's id. */
static const char SQL_GRANT_INSERT[] =
    "INSERT INTO access_grant (user_id, kind, family_id, person_id, reason, explanation, granted_at, expires_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)\n"
    "RETURNING id";

static const char SQL_GRANT_COLUMNS[] =
    "SELECT id, user_id, kind, family_id, person_id, reason, explanation, granted_at, expires_at,\n"
    "       review_outcome, review_note, reviewed_by, reviewed_at\n"
    "  FROM access_grant\n"
    " WHERE id = $1";

static const char SQL_REVIEWS_OPEN[] =
    "SELECT id, user_id, kind, family_id, person_id, reason, explanation, granted_at, expires_at,\n"
    "       review_outcome, review_note, reviewed_by, reviewed_at\n"
    "  FROM access_grant\n"
    " WHERE kind = 'break_glass' AND review_outcome IS NULL AND id > $1\n"
    " ORDER BY id\n"
    " LIMIT $2";

static const char SQL_REVIEWS_ALL[] =
    "SELECT id, user_id, kind, family_id, person_id, reason, explanation, granted_at, expires_at,\n"
    "       review_outcome, review_note, reviewed_by, reviewed_at\n"
    "  FROM access_grant\n"
    " WHERE kind = 'break_glass' AND id > $1\n"
    " ORDER BY id\n"
    " LIMIT $2";

static const char SQL_REVIEW_RECORD[] =
    "UPDATE access_grant\n"
    "   SET review_outcome = $2, review_note = $3, reviewed_by = $4, reviewed_at = $5\n"
    " WHERE id = $1 AND kind = 'break_glass' AND review_outcome IS NULL";

static const char SQL_RESTRICT[] =
    "UPDATE person\n"
    "   SET restricted = $2, version = version + 1, updated_at = $3, updated_by = $4\n"
    " WHERE id = $1";

static const char SQL_SETTINGS[] =
    "SELECT name, value, unit, description\n"
    "  FROM setting\n"
    " ORDER BY name";

static const char SQL_SETTING_ONE[] =
    "SELECT name, value, unit, description\n"
    "  FROM setting\n"
    " WHERE name = $1";

static const char SQL_SETTING_SET[] =
    "UPDATE setting\n"
    "   SET value = $2\n"
    " WHERE name = $1";

/* ---- rows as JSON ---- */

json_t *model_row_json(store_stmt *st)
{
    json_t *o = json_object();
    for (int i = 0; i < store_col_count(st); i++) {
        const char *name = store_col_name(st, i);
        store_type t = store_col_type(st, i);
        json_object_set_new(o, name, t == STORE_NULL  ? json_null()
                                     : t == STORE_INT ? json_integer(store_col_int(st, i))
                                     : t == STORE_REAL ? json_real(store_col_real(st, i))
                                                       : json_string(store_col_text(st, i, NULL)));
    }
    return o;
}

int model_rows_json(store *s, core_arena *a, const char *sql, const store_value *p, size_t n, json_t **rows,
                    core_error *err)
{
    *rows = NULL;
    store_stmt *st;
    int rc = store_query(s, a, sql, p, n, &st, err);
    if (rc)
        return rc;
    json_t *out = json_array();
    while ((rc = store_next(st, err)) == 1)
        json_array_append_new(out, model_row_json(st));
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *rows = out;
    return 0;
}

json_t *model_row_by_id(store *s, core_arena *a, const char *sql, int64_t id, const char *what, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    json_t *rows;
    if (model_rows_json(s, a, sql, p, 1, &rows, err))
        return NULL;
    json_t *o = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (!o)
        core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %" PRId64, what, id);
    return o;
}

/* ---- lookups ---- */

int model_family_exists(store *s, core_arena *a, int64_t id, int *exists, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    int64_t n = 0;
    int rc = store_query_int(s, a, SQL_FAMILY_EXISTS, p, 1, &n, err);
    *exists = rc == 0 && n > 0;
    return rc;
}

int model_person_restricted(store *s, core_arena *a, int64_t id, int *restricted, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    int64_t n = 0;
    int rc = store_query_int(s, a, SQL_PERSON_STATE, p, 1, &n, err);
    *restricted = rc == 0 && n != 0;
    return rc;
}

int model_agency_type(store *s, core_arena *a, int64_t id, const char **type, core_error *err)
{
    return model_agency_name_type(s, a, id, NULL, type, err);
}

int model_agency_name_type(store *s, core_arena *a, int64_t id, const char **name, const char **type,
                           core_error *err)
{
    *type = NULL;
    if (name)
        *name = NULL;
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_AGENCY_TYPE, p, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        const char *t = store_col_text(st, 0, NULL), *n = store_col_text(st, 1, NULL);
        *type = t ? core_arena_strdup(a, t) : NULL;
        if (name)
            *name = n ? core_arena_strdup(a, n) : NULL;
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

int model_code_list(store *s, core_arena *a, const char *list, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_text(list)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_REF_LIST, p, 1, &st, err);
    if (rc)
        return rc;
    json_t *codes = json_array(), *o = NULL;
    while ((rc = store_next(st, err)) == 1) {
        if (!o)
            o = json_pack("{s:s,s:s,s:b}", "list", list, "label", store_col_text(st, 3, NULL), "verified",
                          (int)store_col_int(st, 4));
        const char *parent = store_col_text(st, 2, NULL);
        json_array_append_new(codes, json_pack("{s:s,s:s,s:o}", "code", store_col_text(st, 0, NULL), "label",
                                               store_col_text(st, 1, NULL), "parent",
                                               parent ? json_string(parent) : json_null()));
    }
    if (rc < 0 || !o) {
        json_decref(codes);
        json_decref(o);
        return rc < 0 ? rc : core_error_set(err, CORE_E_NOT_FOUND, "no code list of that name");
    }
    json_object_set_new(o, "codes", codes);
    *out = o;
    return 0;
}

/* ---- grants ---- */

int model_grant_add(store *s, core_arena *a, const model_grant_new *g, int64_t *id, core_error *err)
{
    store_value v[] = {store_v_int(g->user_id),
                       store_v_text(g->kind),
                       g->family_id ? store_v_int(g->family_id) : store_v_null(),
                       g->person_id ? store_v_int(g->person_id) : store_v_null(),
                       store_v_text(g->reason),
                       store_v_text(g->explanation),
                       store_v_text(g->granted_at),
                       store_v_text(g->expires_at)};
    return store_query_int(s, a, SQL_GRANT_INSERT, v, 8, id, err);
}

json_t *model_grant_get(store *s, core_arena *a, int64_t id, core_error *err)
{
    return model_row_by_id(s, a, SQL_GRANT_COLUMNS, id, "review", err);
}

int model_grant_reviews(store *s, core_arena *a, int all, int64_t after, int64_t limit, json_t **rows,
                        core_error *err)
{
    store_value p[] = {store_v_int(after), store_v_int(limit)};
    return model_rows_json(s, a, all ? SQL_REVIEWS_ALL : SQL_REVIEWS_OPEN, p, 2, rows, err);
}

int model_grant_review_record(store *s, core_arena *a, int64_t id, const char *outcome, const char *note,
                              int64_t by, const char *now, int64_t *changed, core_error *err)
{
    store_value v[] = {store_v_int(id), store_v_text(outcome), store_v_text(note), store_v_int(by),
                       store_v_text(now)};
    return store_exec(s, a, SQL_REVIEW_RECORD, v, 5, changed, err);
}

/* ---- restriction ---- */

int model_person_set_restricted(store *s, core_arena *a, int64_t person, int on, const char *now, int64_t by,
                                int64_t *changed, core_error *err)
{
    store_value v[] = {store_v_int(person), store_v_int(on), store_v_text(now), store_v_int(by)};
    return store_exec(s, a, SQL_RESTRICT, v, 4, changed, err);
}

/* ---- settings ---- */

int model_settings(store *s, core_arena *a, json_t **rows, core_error *err)
{
    return model_rows_json(s, a, SQL_SETTINGS, NULL, 0, rows, err);
}

int model_setting_get(store *s, core_arena *a, const char *name, json_t **out, core_error *err)
{
    store_value p[] = {store_v_text(name)};
    json_t *rows;
    *out = NULL;
    int rc = model_rows_json(s, a, SQL_SETTING_ONE, p, 1, &rows, err);
    if (rc)
        return rc;
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (!*out)
        return core_error_set(err, CORE_E_NOT_FOUND, "no setting named %s", name);
    return 0;
}

int model_setting_set(store *s, core_arena *a, const char *name, int64_t value, int64_t *changed, core_error *err)
{
    store_value p[] = {store_v_text(name), store_v_int(value)};
    return store_exec(s, a, SQL_SETTING_SET, p, 2, changed, err);
}
