/*
 * api_breaches.c — the register of personal data breaches, for information governance (docs/breaches.md):
 *
 *   POST  /api/v1/breaches        register one: {title, what_happened, discovered_at, ...}  -> 201
 *   GET   /api/v1/breaches        the newest 1,000, overdue first
 *   GET   /api/v1/breaches/{id}   one, with its ICO deadline
 *   PATCH /api/v1/breaches/{id}   assess, decide, report, tell, close
 *
 * The register lives in src/gov/gov_breach.c; this file checks the body's shape and puts every read and
 * change on the audit trail (target breach), a change in the write's own transaction.
 */
#include <inttypes.h>

#include "api/api.h"
#include "gov/gov.h"

static const char BREACH_FIELDS[] = "title,what_happened,discovered_at,occurred_on,data_affected,special_category,"
                                    "people_affected,risk,decision,decision_reason,reported_at,ico_reference,"
                                    "people_told_on,people_told_how,closed_on,person_ids";

static int reply_breach(http_req *req, int status, int64_t id)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (gov_breach_get(req->db, &req->arena, id, &out, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

/* A write: begin, the change, its audit event, commit. */
static int write(http_req *req, json_t *body, int64_t *id, core_error *err)
{
    int create = *id == 0;
    int rc = store_begin(req->db, err);
    if (rc == 0)
        rc = create ? gov_breach_create(req->db, &req->arena, body, req->who.user_id, id, err)
                    : gov_breach_update(req->db, &req->arena, *id, body, req->who.user_id, err);
    if (rc == 0)
        rc = http_audit_write(req, create ? "create" : "update", "breach", *id, NULL, err);
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc)
        store_rollback(req->db);
    return rc;
}

int api_breach_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id = 0;
    if (http_body_json(req, &body, &err) || api_body_only(body, BREACH_FIELDS, &err) || write(req, body, &id, &err))
        return http_reply_error(req, &err);
    req->location = core_arena_printf(&req->arena, "/api/v1/breaches/%" PRId64, id);
    return reply_breach(req, 201, id);
}

int api_breach_update(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id = req->ids[0];
    if (http_body_json(req, &body, &err) || api_body_only(body, BREACH_FIELDS, &err) || write(req, body, &id, &err))
        return http_reply_error(req, &err);
    return reply_breach(req, 200, id);
}

int api_breach_items(http_req *req, json_t **items, core_error *err)
{
    if (gov_breach_list(req->db, &req->arena, items, err))
        return err->code;
    if (http_audit(req, "read", "breach", 0, "{\"register\":true}", 0, err)) {
        json_decref(*items);
        return err->code;
    }
    return 0;
}

int api_breach_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *items;
    if (api_breach_items(req, &items, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:o}", "items", items);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_breach_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (gov_breach_get(req->db, &req->arena, req->ids[0], &out, &err) ||
        http_audit(req, "read", "breach", req->ids[0], NULL, 0, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}
