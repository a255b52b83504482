/*
 * api_json.c — the JSON in and out of the handlers that are not the generic resource ones: a request body's
 * fields (only the named ones, text of a length, a code of a reference list, a record id; each refusal an
 * error in the house shape naming the field) and result rows as JSON objects (one row by id, any row).
 */
#include <inttypes.h>

#include "api/api.h"
#include "model/model.h"

int api_body_only(json_t *body, const char *allowed, core_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t n = strlen(key);
        int found = 0;
        for (const char *p = allowed; *p && !found;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            found = len == n && memcmp(p, key, n) == 0;
            p = end ? end + 1 : p + len;
        }
        if (!found) {
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "unknown field %s", key);
            return core_error_hint(err, "this request takes %s", allowed);
        }
    }
    return 0;
}

int api_body_text(json_t *body, const char *name, int required, size_t min, size_t max, const char **out,
                      core_error *err)
{
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return core_error_set(err, CORE_E_MISSING_FIELD, "%s is required", name);
        return 0;
    }
    if (!json_is_string(v))
        return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be text", name);
    size_t len = json_string_length(v);
    if (len < min || len > max)
        return core_error_set(err, CORE_E_INVALID_VALUE, "%s must be %zu to %zu characters", name, min, max);
    *out = json_string_value(v);
    return 0;
}

int api_body_code(http_req *req, json_t *body, const char *name, const char *list, const char **out,
                      core_error *err)
{
    int rc = api_body_text(body, name, 1, 1, 64, out, err);
    if (rc)
        return rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    rc = model_ref_code_exists(&ctx, list, *out, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        core_error_set(err, CORE_E_INVALID_CODE, "%s is not a %s code", name, list);
        return core_error_hint(err, "GET /api/v1/reference/%s lists them", list);
    }
    return 0;
}

int api_body_id(json_t *body, const char *name, int64_t *out, core_error *err)
{
    json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be a record id (a positive integer)", name);
    *out = json_integer_value(v);
    return 0;
}

json_t *api_row_json(store_stmt *st)
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

json_t *api_row_by_id(http_req *req, const char *sql, int64_t id, const char *what, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    if (store_query(req->db, &req->arena, sql, p, 1, &st, err))
        return NULL;
    int rc = store_next(st, err);
    if (rc <= 0) {
        if (rc == 0)
            core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %" PRId64, what, id);
        return NULL;
    }
    json_t *o = api_row_json(st);
    /* Finish the statement so that it holds no read transaction open (a write may follow). */
    while ((rc = store_next(st, err)) == 1)
        ;
    if (rc < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
