/*
 * api_retention.c — legal holds and saved retention plans, for information governance (docs/retention.md).
 *
 *   POST  /api/v1/legal-holds        {reason, scope_table, scope_id, from_date?, note?}  -> 201 the hold
 *   GET   /api/v1/legal-holds        ?standing=1&after=ID&limit=N                        -> {items, next}
 *   GET   /api/v1/legal-holds/{id}                                                      -> the hold
 *   PATCH /api/v1/legal-holds/{id}   {until_date, version?}  ends it                     -> the hold
 *
 *   GET   /api/v1/retention-plans/{id}                                                  -> a saved plan
 *   GET   /api/v1/retention-plans/{id}/rows   ?action=&after=&limit=                    -> {items, next}
 *   POST  /api/v1/retention-plans/{id}/approval {rows_digest}  a second person approves  -> the plan
 *   POST  /api/v1/retention-plans/{id}/run  {confirm: bool}  carry out an approved plan    -> 202 the job
 *         (a background job, src/jobs/: as `hearth retention run [--confirm]`, under the server's policy
 *         file; each disposal audited; one retention run at a time, 409 while one waits or runs)
 *
 * Only governance (permissions governance.hold and governance.retention, src/access/access.c). The SQL and the checks are the retention
 * module's (retention_hold_*); a write and its audit event commit together; reads are audited.
 */
#include <inttypes.h>

#include "api/api.h"
#include "core/core_parse.h"
#include "jobs/jobs.h"
#include "policy/policy.h"
#include "retention/retention.h"

enum { HOLD_PAGE_DEFAULT = 50, HOLD_PAGE_MAX = 500 };

static json_t *hold_json(const retention_hold *h)
{
    return json_pack("{s:I,s:s,s:s,s:I,s:s,s:o,s:o,s:I,s:s,s:o,s:s,s:o}", "id", (json_int_t)h->id, "reason",
                     h->reason, "scope_table", h->scope_table, "scope_id", (json_int_t)h->scope_id, "from_date",
                     h->from_date, "until_date", h->until_date ? json_string(h->until_date) : json_null(), "note",
                     h->note ? json_string(h->note) : json_null(), "version", (json_int_t)h->version, "created_at",
                     h->created_at, "created_by", h->created_by ? json_integer(h->created_by) : json_null(),
                     "updated_at", h->updated_at, "updated_by",
                     h->updated_by ? json_integer(h->updated_by) : json_null());
}

static int reply_hold(http_req *req, int status, int64_t id, core_error *err)
{
    retention_hold h;
    if (retention_hold_get(req->db, &req->arena, id, &h, err))
        return http_reply_error(req, err);
    json_t *out = hold_json(&h);
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

/* A date field of the body: absent or null gives NULL. */
static int body_date(json_t *body, const char *name, int required, const char **out, core_error *err)
{
    return api_body_text(body, name, required, 10, 10, out, err);
}

int api_legal_hold_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *reason, *table, *from = NULL, *note = NULL;
    int64_t scope_id = 0;
    if (http_body_json(req, &body, &err) || api_body_only(body, "reason,scope_table,scope_id,from_date,note", &err) ||
        api_body_text(body, "reason", 1, 1, 64, &reason, &err) ||
        api_body_text(body, "scope_table", 1, 1, 16, &table, &err) || api_body_id(body, "scope_id", &scope_id, &err) ||
        body_date(body, "from_date", 0, &from, &err) ||
        api_body_text(body, "note", 0, 0, RETENTION_HOLD_NOTE_MAX, &note, &err))
        return http_reply_error(req, &err);
    if (!scope_id) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "scope_id is required");
        return http_reply_error(req, &err);
    }
    int64_t id = 0;
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = retention_hold_add(req->db, &req->arena, reason, table, scope_id, from, note, req->who.user_id, &id,
                                &err);
    if (rc == 0) {
        json_t *d = json_pack("{s:s,s:s,s:I}", "reason", reason, "scope_table", table, "scope_id",
                              (json_int_t)scope_id);
        char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        rc = http_audit_write(req, "create", "legal_hold", id, dj, &err); /* in the write's transaction */
        free(dj);
    }
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    req->location = core_arena_printf(&req->arena, "/api/v1/legal-holds/%" PRId64, id);
    return reply_hold(req, 201, id, &err);
}

int api_legal_hold_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *s = http_query(req, "standing"), *a = http_query(req, "after"), *l = http_query(req, "limit");
    int64_t after = 0, limit = HOLD_PAGE_DEFAULT;
    if ((s && strcmp(s, "0") != 0 && strcmp(s, "1") != 0) ||
        (a && core_parse_int64(a, strlen(a), 0, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, HOLD_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "standing is 0 or 1, after a cursor, limit 1..%d",
                       HOLD_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    retention_hold *h;
    size_t n;
    /* One more than asked says whether there is a next page. */
    if (retention_hold_list(req->db, &req->arena, after, (int)limit + 1, s && s[0] == '1', &h, &n, &err))
        return http_reply_error(req, &err);
    if (http_audit(req, "read", "legal_hold", 0, s && s[0] == '1' ? "{\"standing\":true}" : NULL, 0, &err))
        return http_reply_error(req, &err);
    json_t *items = json_array();
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, hold_json(&h[i]));
    json_t *out = json_pack("{s:o,s:o}", "items", items, "next",
                            n > shown ? json_sprintf("%" PRId64, h[shown - 1].id) : json_null());
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_legal_hold_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    retention_hold h;
    if (retention_hold_get(req->db, &req->arena, req->ids[0], &h, &err) ||
        http_audit(req, "read", "legal_hold", req->ids[0], NULL, 0, &err))
        return http_reply_error(req, &err);
    json_t *out = hold_json(&h);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_legal_hold_end(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *until;
    if (http_body_json(req, &body, &err) || api_body_only(body, "until_date,version", &err) ||
        body_date(body, "until_date", 1, &until, &err))
        return http_reply_error(req, &err);
    json_t *v = json_object_get(body, "version");
    if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        core_error_set(&err, CORE_E_WRONG_TYPE, "version must be a positive integer");
        return http_reply_error(req, &err);
    }
    int64_t id = req->ids[0], version = v && json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = retention_hold_end(req->db, &req->arena, id, until, version, req->who.user_id, &err);
    if (rc == 0) {
        json_t *d = json_pack("{s:s}", "until_date", until);
        char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        rc = http_audit_write(req, "update", "legal_hold", id, dj, &err);
        free(dj);
    }
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    return reply_hold(req, 200, id, &err);
}

/* ---- saved retention plans: read one, approve it (docs/retention.md) ---- */

static json_t *plan_json(const retention_plan_info *p)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:o,s:{s:I,s:I,s:I},s:s,s:o,s:o,s:o}", "id", (json_int_t)p->id,
                     "as_of", p->as_of, "policy_profile", p->policy_profile, "policy_digest", p->policy_digest,
                     "state", p->state, "row_count", (json_int_t)p->row_count, "rows_digest",
                     p->rows_digest ? json_string(p->rows_digest) : json_null(), "actions", "keep",
                     (json_int_t)p->keep, "review", (json_int_t)p->review, "dispose", (json_int_t)p->dispose,
                     "created_at", p->created_at, "created_by", p->created_by ? json_integer(p->created_by) : json_null(),
                     "approved_at", p->approved_at ? json_string(p->approved_at) : json_null(), "approved_by",
                     p->approved_by ? json_integer(p->approved_by) : json_null());
}

int api_retention_plan_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    retention_plan_info p;
    if (retention_plan_get(req->db, &req->arena, req->ids[0], &p, &err) ||
        http_audit(req, "read", "retention_plan", req->ids[0], NULL, 0, &err))
        return http_reply_error(req, &err);
    json_t *out = plan_json(&p);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_retention_plan_approve(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *digest;
    int64_t id = req->ids[0];
    if (http_body_json(req, &body, &err) || api_body_only(body, "rows_digest", &err) ||
        api_body_text(body, "rows_digest", 1, RETENTION_DIGEST_HEX - 1, RETENTION_DIGEST_HEX - 1, &digest, &err))
        return http_reply_error(req, &err);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = retention_plan_approve(req->db, &req->arena, id, digest, req->who.user_id, &err);
    if (rc == 0) {
        json_t *d = json_pack("{s:s}", "rows_digest", digest);
        char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        rc = http_audit_write(req, "approve", "retention_plan", id, dj, &err); /* in the write's transaction */
        free(dj);
    }
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    retention_plan_info p;
    if (retention_plan_get(req->db, &req->arena, id, &p, &err))
        return http_reply_error(req, &err);
    json_t *out = plan_json(&p);
    rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_retention_plan_rows(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *act = http_query(req, "action"), *a = http_query(req, "after"), *l = http_query(req, "limit");
    int64_t after = 0, limit = HOLD_PAGE_DEFAULT;
    if ((a && core_parse_int64(a, strlen(a), 0, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, HOLD_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "after is a cursor, limit 1..%d", HOLD_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    retention_saved_row *r;
    size_t n;
    if (retention_plan_rows(req->db, &req->arena, req->ids[0], after, (int)limit + 1, act, &r, &n, &err) ||
        http_audit(req, "read", "retention_plan", req->ids[0], "{\"rows\":true}", 0, &err))
        return http_reply_error(req, &err);
    json_t *items = json_array();
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(
            items, json_pack("{s:s,s:s,s:I,s:o,s:o,s:s,s:o,s:o,s:s,s:s,s:o}", "record_class", r[i].record_class,
                             "record_table", r[i].record_table, "record_id", (json_int_t)r[i].record_id, "person_id",
                             r[i].person_id ? json_integer(r[i].person_id) : json_null(), "family_id",
                             r[i].family_id ? json_integer(r[i].family_id) : json_null(), "trigger", r[i].trigger,
                             "trigger_date", r[i].trigger_date ? json_string(r[i].trigger_date) : json_null(),
                             "due_date", r[i].due_date ? json_string(r[i].due_date) : json_null(), "action",
                             r[i].action, "disposal", r[i].disposal, "hold",
                             r[i].hold ? json_string(r[i].hold) : json_null()));
    json_t *out = json_pack("{s:o,s:o}", "items", items, "next",
                            n > shown ? json_sprintf("%" PRId64, r[shown - 1].row_id) : json_null());
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_retention_plan_run(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id = req->ids[0];
    if (http_body_json(req, &body, &err) || api_body_only(body, "confirm", &err))
        return http_reply_error(req, &err);
    json_t *confirm = json_object_get(body, "confirm");
    if (!json_is_boolean(confirm)) {
        core_error_set(&err, confirm ? CORE_E_WRONG_TYPE : CORE_E_MISSING_FIELD, "confirm");
        core_error_hint(&err, "true carries the plan out; false is a dry run that only counts");
        return http_reply_error(req, &err);
    }
    retention_plan_info plan;
    if (retention_plan_get(req->db, &req->arena, id, &plan, &err))
        return http_reply_error(req, &err);
    /* The plan runs under the very policy file it was made with: the one this server loaded. */
    const api_app *app = http_app(req);
    if (!app || !app->policy) {
        core_error_set(&err, CORE_E_CONFLICT, "this server has no policy file loaded");
        core_error_hint(&err, "start it with --policy FILE, the file the plan was made with");
        return http_reply_error(req, &err);
    }
    if (retention_plan_runnable(req->db, &req->arena, app->policy, id, &plan, &err))
        return http_reply_error(req, &err);
    json_t *params = json_pack("{s:I,s:O,s:s}", "plan_id", (json_int_t)id, "confirm", confirm, "policy",
                               app->policy->path);
    char *text = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (!text) {
        core_error_set(&err, CORE_E_INTERNAL, "out of memory");
        return http_reply_error(req, &err);
    }
    int64_t job = 0;
    int rc = jobs_create(req->db, "retention_run", req->who.user_id, text, 1, &job, &err);
    if (rc == 0)
        rc = http_audit(req, "create", "job", job, text, 1, &err);
    free(text);
    if (rc)
        return http_reply_error(req, &err);
    return api_job_accepted(req, job);
}
