/*
 * api_requests.c — the register of data-subject requests, for information governance (docs/requests.md):
 *
 *   POST /api/v1/requests              register one: {kind, person_id, requester, requester_name, received_on,
 *                                      details?, identity_checked_on?, identity_method?}  -> 201, the request
 *   GET  /api/v1/requests?state=       open (default: open and paused), overdue, or all; overdue first
 *   GET  /api/v1/requests/{id}         one, with its deadline and its events
 *   POST /api/v1/requests/{id}/events  {event, on?, reason?, note?}: pause, resume, identity, extend, complete,
 *                                      refuse, withdraw  -> 200, the request as it now stands
 *   POST /api/v1/people/{id}/objections {request_id, matching?, research?}: an objection (art. 21) upheld or
 *                                      lifted, under the person's own objection request
 *                                      -> 200 {id, objects_matching, objects_research}
 *   GET  /api/v1/people/{id}/history   earlier versions of the person's own records, with who changed them
 *                                      (rectification keeps the previous value: governance sees it here)
 *   GET  /api/v1/requests/{id}/pack    an access request's subject-access pack: application/zip (gov_sar.c
 *                                      says what it holds); recorded, durably, before anything is read
 *   POST /api/v1/requests/{id}/pack    the same pack made by a background job (src/jobs/: sar_pack) -> 202, the
 *                                      job; recorded, durably, before the job can start; the zip is then
 *                                      GET /api/v1/jobs/{id}/output
 *
 * The register and its deadlines live in src/gov/; this file parses, checks the body's shape, and puts every
 * read and change on the audit trail against the request (target subject_request, which the person's access
 * report lists), a change in the write's own transaction.
 */
#include <inttypes.h>

#include "api/api.h"
#include "core/core_clock.h"
#include "gov/gov.h"
#include "jobs/jobs.h"

enum { TEXT_MAX = 20000 };

/* {"person_id": N, "kind"/"event": CODE}: codes and ids only, safe in the trail. */
static const char *detail_of(http_req *req, int64_t person, const char *key, const char *value)
{
    json_t *j = json_pack("{s:I,s:s}", "person_id", (json_int_t)person, key, value);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    const char *copy = s ? core_arena_strdup(&req->arena, s) : NULL;
    free(s);
    return copy;
}

static int reply_request(http_req *req, int status, int64_t id)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (gov_request_get(req->db, &req->arena, id, &out, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

int api_request_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    gov_request_new in = {0};
    if (http_body_json(req, &body, &err) ||
        api_body_only(body, "kind,person_id,requester,requester_name,received_on,details,identity_checked_on,"
                            "identity_method", &err) ||
        api_body_text(body, "kind", 1, 1, 64, &in.kind, &err) || api_body_id(body, "person_id", &in.person_id, &err) ||
        api_body_text(body, "requester", 1, 1, 64, &in.requester, &err) ||
        api_body_text(body, "requester_name", 1, 1, 200, &in.requester_name, &err) ||
        api_body_text(body, "received_on", 1, 1, 32, &in.received_on, &err) ||
        api_body_text(body, "details", 0, 0, TEXT_MAX, &in.details, &err) ||
        api_body_text(body, "identity_checked_on", 0, 1, 32, &in.identity_checked_on, &err) ||
        api_body_text(body, "identity_method", 0, 1, 200, &in.identity_method, &err))
        return http_reply_error(req, &err);
    if (!in.person_id) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "person_id is required");
        return http_reply_error(req, &err);
    }
    int64_t id = 0;
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = gov_request_create(req->db, &req->arena, &in, req->who.user_id, &id, &err);
    if (rc == 0)
        rc = http_audit_write(req, "create", "subject_request", id, detail_of(req, in.person_id, "kind", in.kind),
                              &err);
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    req->location = core_arena_printf(&req->arena, "/api/v1/requests/%" PRId64, id);
    return reply_request(req, 201, id);
}

int api_request_items(http_req *req, const char *state, json_t **items, core_error *err)
{
    if (gov_request_list(req->db, &req->arena, state, items, err))
        return err->code;
    if (http_audit(req, "read", "subject_request", 0, "{\"register\":true}", 0, err)) {
        json_decref(*items);
        return err->code;
    }
    return 0;
}

int api_request_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *items;
    if (api_request_items(req, http_query(req, "state"), &items, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:o}", "items", items);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_request_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0], person = 0;
    if (gov_request_person(req->db, &req->arena, id, &person, &err) ||
        http_audit(req, "read", "subject_request", id, detail_of(req, person, "view", "request"), 0, &err))
        return http_reply_error(req, &err);
    return reply_request(req, 200, id);
}

int api_request_event(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    gov_request_event ev = {0};
    int64_t id = req->ids[0], person = 0;
    if (http_body_json(req, &body, &err) || api_body_only(body, "event,on,reason,note", &err) ||
        api_body_text(body, "event", 1, 1, 32, &ev.event, &err) ||
        api_body_text(body, "on", 0, 1, 32, &ev.on, &err) ||
        api_body_text(body, "reason", 0, 1, TEXT_MAX, &ev.reason, &err) ||
        api_body_text(body, "note", 0, 1, TEXT_MAX, &ev.note, &err))
        return http_reply_error(req, &err);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = gov_request_person(req->db, &req->arena, id, &person, &err);
    if (rc == 0)
        rc = gov_request_apply(req->db, &req->arena, id, &ev, req->who.user_id, &err);
    if (rc == 0)
        rc = http_audit_write(req, "update", "subject_request", id, detail_of(req, person, "event", ev.event), &err);
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    return reply_request(req, 200, id);
}

/* Request id if a pack is made for it: its person and kind ("access" or "portability", on the arena). */
static int pack_fits(http_req *req, int64_t id, int64_t *person, const char **kind_out, core_error *err)
{
    json_t *r;
    int rc = gov_request_get(req->db, &req->arena, id, &r, err);
    if (rc)
        return rc;
    const char *kind = json_string_value(json_object_get(r, "kind"));
    const char *state = json_string_value(json_object_get(r, "state"));
    *person = json_integer_value(json_object_get(r, "person_id"));
    *kind_out = kind ? core_arena_strdup(&req->arena, kind) : "";
    int fits = kind && (strcmp(kind, "access") == 0 || strcmp(kind, "portability") == 0) && state &&
               strcmp(state, "withdrawn") != 0 && strcmp(state, "refused") != 0;
    json_decref(r);
    if (!fits)
        return core_error_set(err, CORE_E_CONFLICT, "a pack is made for an access or portability request that is "
                                                    "not withdrawn or refused");
    return 0;
}

int api_request_pack(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0], person = 0;
    const char *kind_copy;
    if (pack_fits(req, id, &person, &kind_copy, &err))
        return http_reply_error(req, &err);
    /* The pack reads everything about the person: on the record, durably, before it is read. */
    if (http_audit(req, "subject_access_pack", "person", person, detail_of(req, person, "request", "pack"), 1, &err))
        return http_reply_error(req, &err);
    gov_sar sar;
    if (gov_sar_collect(req->db, &req->arena, person, strcmp(kind_copy, "portability") == 0, &sar, &err))
        return http_reply_error(req, &err);
    char generated[21], *zip = NULL, name[64];
    size_t len = 0;
    core_clock_iso(0, generated);
    int rc = gov_sar_pack(&sar, generated, &zip, &len, &err);
    gov_sar_release(&sar);
    if (rc)
        return http_reply_error(req, &err);
    snprintf(name, sizeof name, "%s-request-%" PRId64 ".zip",
             strcmp(kind_copy, "portability") == 0 ? "portability" : "subject-access", id);
    return http_reply_bytes(req, 200, "application/zip", name, zip, len);
}

int api_request_pack_job_do(http_req *req, int64_t id, int64_t *job, core_error *err)
{
    int64_t person = 0;
    const char *kind;
    *job = 0;
    if (pack_fits(req, id, &person, &kind, err))
        return err->code;
    char params[48];
    snprintf(params, sizeof params, "{\"request_id\":%" PRId64 "}", id);
    int rc = jobs_create(req->db, "sar_pack", req->who.user_id, params, 0, job, err);
    if (rc == 0)
        rc = http_audit(req, "create", "job", *job, params, 0, err);
    /* The job reads everything about the person: on the record, durably, before it can start. */
    json_t *d = json_pack("{s:I,s:s,s:I}", "person_id", (json_int_t)person, "request", "pack", "job", (json_int_t)*job);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (rc == 0)
        rc = http_audit(req, "subject_access_pack", "person", person, dj, 1, err);
    free(dj);
    return rc;
}

int api_request_pack_job(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t job = 0;
    json_t *body;
    if (req->body.len > 0 && http_body_json(req, &body, &err)) /* no body, or {} */
        return http_reply_error(req, &err);
    if (req->body.len > 0 && json_object_size(body) > 0) {
        core_error_set(&err, CORE_E_UNKNOWN_FIELD, "unknown field %s", json_object_iter_key(json_object_iter(body)));
        core_error_hint(&err, "this request takes no fields: send no body, or {}");
        return http_reply_error(req, &err);
    }
    if (api_request_pack_job_do(req, req->ids[0], &job, &err))
        return http_reply_error(req, &err);
    return api_job_accepted(req, job);
}

/* A flag of the body: -1 absent, 0 or 1; CORE_E_WRONG_TYPE when not a boolean. */
static int flag(json_t *body, const char *name, int *out, core_error *err)
{
    json_t *v = json_object_get(body, name);
    *out = -1;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be true or false", name);
    *out = json_is_true(v);
    return 0;
}

int api_objection(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int matching, research, m = 0, r = 0;
    int64_t person = req->ids[0], request_id = 0;
    if (http_body_json(req, &body, &err) || api_body_only(body, "request_id,matching,research", &err) ||
        api_body_id(body, "request_id", &request_id, &err) || flag(body, "matching", &matching, &err) ||
        flag(body, "research", &research, &err))
        return http_reply_error(req, &err);
    if (!request_id || (matching < 0 && research < 0)) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "request_id and matching or research are required");
        return http_reply_error(req, &err);
    }
    /* Under the person's own objection: the request says who asked, when, and (when it ends) the outcome. */
    json_t *rq;
    if (gov_request_get(req->db, &req->arena, request_id, &rq, &err))
        return http_reply_error(req, &err);
    const char *kind = json_string_value(json_object_get(rq, "kind"));
    int fits = kind && strcmp(kind, "objection") == 0 && json_integer_value(json_object_get(rq, "person_id")) == person;
    json_decref(rq);
    if (!fits) {
        core_error_set(&err, CORE_E_CONFLICT, "request %" PRId64 " is not this person's objection", request_id);
        return http_reply_error(req, &err);
    }
    json_t *d = json_pack("{s:o,s:o,s:I}", "matching", matching < 0 ? json_null() : json_boolean(matching),
                          "research", research < 0 ? json_null() : json_boolean(research), "request_id",
                          (json_int_t)request_id);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = gov_person_object(req->db, &req->arena, person, matching, research, req->who.user_id, &m, &r, &err);
    if (rc == 0)
        rc = http_audit_write(req, "objection", "person", person, dj, &err);
    free(dj);
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    json_t *out = json_pack("{s:I,s:b,s:b}", "id", (json_int_t)person, "objects_matching", m, "objects_research", r);
    rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_person_history(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t person = req->ids[0];
    json_t *items;
    if (gov_person_exists(req->db, &req->arena, person, &err) ||
        http_audit(req, "read", "person", person, "{\"view\":\"history\"}", 0, &err) ||
        gov_person_history(req->db, &req->arena, person, &items, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:I,s:o}", "person_id", (json_int_t)person, "items", items);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_consent_withdrawn(http_req *req, json_t *consent, core_error *err)
{
    int64_t id = 0;
    int rc = gov_consent_withdrawal(req->db, &req->arena, consent, req->who.user_id, &id, err);
    if (rc || !id)
        return rc;
    int64_t person = 0;
    if ((rc = gov_request_person(req->db, &req->arena, id, &person, err)))
        return rc;
    return http_audit_write(req, "create", "subject_request", id,
                            detail_of(req, person, "kind", "consent_withdrawal"), err);
}
