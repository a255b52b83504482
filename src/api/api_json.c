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
