/*
 * api_misc.c — the handlers that are not plain resources: health, person search, reference lists, schemas.
 */
#include <inttypes.h>
#include <stdint.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_ident.h"
#include "model/model_data.h"

int api_healthz(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int version = 0;
    int rc = store_schema_version(req->db, &version, &err);
    if (rc) {
        json_t *j = json_pack("{s:s}", "status", "unavailable");
        http_reply_json(req, 503, j);
        json_decref(j);
        return 0;
    }
    json_t *j = json_pack("{s:s,s:i}", "status", "ok", "schema_version", version);
    http_reply_json(req, 200, j);
    json_decref(j);
    return 0;
}

int api_person_search(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    model_person_query q = {0};
    q.name = http_query(req, "name");
    q.date_of_birth = http_query(req, "date_of_birth");
    q.identifier = http_query(req, "identifier");
    const char *after = http_query(req, "after"), *limit = http_query(req, "limit");
    int64_t v;
    if (after) {
        if (core_parse_int64(after, strlen(after), 0, INT64_MAX, &v)) {
            core_error_set(&err, CORE_E_BAD_PARAMETER, "after must be a cursor from a previous page");
            return http_reply_error(req, &err);
        }
        q.after = v;
    }
    if (limit) {
        if (core_parse_int64(limit, strlen(limit), 1, MODEL_LIST_MAX, &v)) {
            core_error_set(&err, CORE_E_BAD_PARAMETER, "limit must be between 1 and %d", MODEL_LIST_MAX);
            return http_reply_error(req, &err);
        }
        q.limit = (int)v;
    }
    /* The search and its terms are recorded before it runs, then each person it returns. */
    json_t *terms = json_pack("{s:s?,s:s?,s:s?}", "name", q.name, "date_of_birth", q.date_of_birth, "identifier",
                              q.identifier);
    char *tj = terms ? json_dumps(terms, JSON_COMPACT) : NULL;
    json_decref(terms);
    const char *detail = tj ? core_arena_strdup(&req->arena, tj) : NULL;
    free(tj);
    if (!detail) { /* terms that are not UTF-8 cannot be recorded, so the search is not run */
        core_error_set(&err, CORE_E_BAD_PARAMETER, "search terms must be utf-8 text");
        return http_reply_error(req, &err);
    }
    if (http_audit(req, "search", "person", 0, detail, 0, &err))
        return http_reply_error(req, &err);
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *items;
    int64_t next;
    if (model_person_search(&ctx, &q, &items, &next, &err))
        return http_reply_error(req, &err);
    /* The index answers who a person is, not their record: each result is cut to an index card, and each
     * person returned is recorded as read through the index. */
    static const char *const card[] = {"id", "given_name", "middle_names", "family_name", "preferred_name",
                                       "date_of_birth", "expected_date", "sex"};
    json_t *cards = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *c = json_object();
        for (size_t k = 0; k < sizeof(card) / sizeof(card[0]); k++) {
            json_t *cv = json_object_get(it, card[k]);
            if (cv)
                json_object_set(c, card[k], cv);
        }
        json_array_append_new(cards, c);
        if (http_audit(req, "read", "person", json_integer_value(json_object_get(it, "id")),
                       "{\"footing\":\"person_index\"}", 0, &err)) {
            json_decref(cards);
            return http_reply_error(req, &err);
        }
    }
    items = cards;
    json_t *page = json_object();
    json_object_set_new(page, "items", items);
    json_object_set_new(page, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    http_reply_json(req, 200, page);
    json_decref(page);
    return 0;
}

static void release_json(void *p)
{
    json_decref(p);
}

int api_reference_codes(http_req *req, const char *list, json_t **out, core_error *err)
{
    *out = NULL;
    if (strcmp(list, "sf_headline") == 0 || strcmp(list, "sf_need") == 0) {
        /* the outcomes framework's codes are the framework's own versioned tables, not ref_code */
        model_ctx ctx;
        model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
        json_t *codes;
        if (model_framework_codes(&ctx, list, &codes, err))
            return err->code;
        int needs = strcmp(list, "sf_need") == 0;
        *out = json_pack("{s:s,s:s,s:b,s:O}", "list", list, "label",
                         needs ? "Supporting Families outcome framework: family needs under each headline"
                               : "Supporting Families outcome framework: headline outcomes",
                         "verified", !needs, "codes", codes);
        return 0;
    }
    return model_code_list(req->db, &req->arena, list, out, err);
}

int api_reference_code_items(http_req *req, const char *list, json_t **codes, core_error *err)
{
    json_t *o;
    *codes = NULL;
    if (api_reference_codes(req, list, &o, err))
        return err->code;
    *codes = json_incref(json_object_get(o, "codes"));
    json_decref(o);
    core_arena_on_release(&req->arena, release_json, *codes);
    return 0;
}

int api_reference_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (api_reference_codes(req, req->names[0], &out, &err))
        return http_reply_error(req, &err);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}

static const char *type_name(model_type t)
{
    switch (t) {
    case MODEL_T_TEXT: return "text";
    case MODEL_T_INT: return "integer";
    case MODEL_T_BOOL: return "boolean";
    case MODEL_T_DATE: return "date";
    case MODEL_T_TIMESTAMP: return "timestamp";
    case MODEL_T_CODE: return "code";
    case MODEL_T_IDENT: return "identifier";
    case MODEL_T_REF: return "reference";
    case MODEL_T_HEADLINE: return "sf_headline";
    }
    return "text";
}

int api_schema(http_req *req)
{
    const model_resource *r = model_resource_find(req->names[0]);
    if (!r) {
        core_error err;
        core_error_set(&err, CORE_E_NOT_FOUND, "no resource of that name");
        return http_reply_error(req, &err);
    }
    json_t *fields = json_array();
    for (size_t i = 0; i < r->nfields; i++) {
        const model_field *f = &r->fields[i];
        if (f->flags & MODEL_F_HIDDEN)
            continue;
        json_t *o = json_pack("{s:s,s:s,s:b,s:b,s:b,s:s}", "name", f->name, "type", type_name(f->type), "required",
                              !!(f->flags & MODEL_F_REQUIRED), "filter", !!(f->flags & MODEL_F_FILTER), "writable",
                              !(f->flags & MODEL_F_INTERNAL), "category",
                              (f->flags & MODEL_F_SPECIAL) ? "special_category"
                              : (f->flags & MODEL_F_CRIMINAL) ? "criminal_offence"
                                                              : "personal");
        if (f->type == MODEL_T_CODE)
            json_object_set_new(o, "code_list", json_string(f->ref));
        if (f->type == MODEL_T_REF)
            json_object_set_new(o, "references", json_string(f->ref));
        if (f->type == MODEL_T_IDENT)
            json_object_set_new(o, "identifier", json_string(model_ident_kind_name((model_ident_kind)f->ident)));
        json_array_append_new(fields, o);
    }
    json_t *out = json_pack("{s:s,s:o,s:o}", "resource", r->name, "parent", r->parent ? json_string(r->parent) : json_null(),
                            "fields", fields);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}
