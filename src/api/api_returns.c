/*
 * api_returns.c — the returns the council sends, over HTTP (src/report/report_annex.h, docs/returns.md):
 *
 *   GET /api/v1/returns/annex-a?as_of=YYYY-MM-DD&format=xlsx|csv&list=1|2
 *
 * Ofsted's Annex A for the census date (default today): the workbook (both lists), or one list as CSV. For
 * information governance and analysts (permission returns.annex_a). The return is personal data: every child
 * in it is recorded in the audit trail (action "export") and committed before a byte is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "jobs/jobs.h"
#include "access/access.h"
#include "report/report.h"
#include "report/report_annex.h"
#include "report/report_claims.h"
#include "report/report_reach.h"

/* The return asked for: as_of (default today, into today), format (default xlsx) and list (1 or 2, with csv
 * only); code is CORE_E_BAD_PARAMETER for a query, CORE_E_INVALID_VALUE for a body. */
static int annex_options(const char **as_of, const char **format, const char *list, char today[11], int code,
                         core_error *err)
{
    if (!*as_of) {
        core_clock_today(today);
        *as_of = today;
    }
    if (!*format)
        *format = "xlsx";
    int csv = strcmp(*format, "csv") == 0;
    if (!csv && strcmp(*format, "xlsx") != 0)
        return core_error_set(err, code, "format must be xlsx or csv");
    if (csv != (list != NULL) || (list && strcmp(list, "1") != 0 && strcmp(list, "2") != 0)) {
        core_error_set(err, code, "list (1 or 2) goes with format=csv, one list a file");
        return core_error_hint(err, "the workbook (format=xlsx) holds both lists");
    }
    return 0;
}

int api_return_annex_a(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *as_of = http_query(req, "as_of"), *format = http_query(req, "format"), *list = http_query(req, "list");
    char today[11];
    if (annex_options(&as_of, &format, list, today, CORE_E_BAD_PARAMETER, &err))
        return http_reply_error(req, &err);
    int csv = strcmp(format, "csv") == 0;
    report_annex x;
    if (report_annex_collect(req->db, &req->arena, as_of, &x, &err))
        return http_reply_error(req, &err);
    /* On the record, committed, before anything is answered. */
    if (report_annex_log(req->db, &req->arena, &x,
                         &(audit_event){req->who.user_id, req->who.role, "export", "person", 0, NULL,
                                        req->client_address && req->client_address[0] ? req->client_address : NULL},
                         format, &req->audit_outbox_id, &err))
        return http_reply_error(req, &err);
    char name[64];
    if (csv) {
        core_buf b;
        core_buf_init(&b, (size_t)512 * 1024 * 1024);
        report_annex_csv(&x, list[0] - '1', &b);
        if (!core_buf_ok(&b)) {
            core_buf_release(&b);
            core_error_set(&err, CORE_E_INTERNAL, "the list is larger than 512 MiB");
            return http_reply_error(req, &err);
        }
        size_t len;
        char *data = core_buf_detach(&b, &len);
        core_buf_release(&b); /* detach leaves it empty, still to be released */
        snprintf(name, sizeof name, "annex-a-%s-list-%s.csv", x.as_of, list);
        return http_reply_bytes(req, 200, "text/csv; charset=utf-8", name, data, len);
    }
    char *data;
    size_t len;
    if (report_annex_xlsx_bytes(&x, &data, &len, &err))
        return http_reply_error(req, &err);
    snprintf(name, sizeof name, "annex-a-%s.xlsx", x.as_of);
    return http_reply_bytes(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, data,
                            len);
}

/*
 *   POST /api/v1/returns/annex-a {"as_of"?: DATE, "format"?: "xlsx"|"csv", "list"?: "1"|"2"}
 *
 * The same return made by a background job (src/jobs/: annex_a) -> 202, the job; the file is then
 * GET /api/v1/jobs/{id}/output. The job records every child in the audit trail before it keeps the file.
 */
static int queue_job_id(http_req *req, const char *kind, json_t *params, int64_t *job, core_error *err)
{
    char *text = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (!text)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    int rc = jobs_create(req->db, kind, req->who.user_id, text, 0, job, err);
    if (rc == 0)
        rc = http_audit(req, "create", "job", *job, text, 1, err);
    free(text);
    return rc;
}

static int queue_job(http_req *req, const char *kind, json_t *params, core_error *err)
{
    int64_t job = 0;
    int rc = queue_job_id(req, kind, params, &job, err);
    return rc ? rc : api_job_accepted(req, job);
}

int api_return_annex_a_job_do(http_req *req, json_t *body, int64_t *job, core_error *err)
{
    const char *as_of = NULL, *format = NULL, *list = NULL;
    char today[11];
    *job = 0;
    if (api_body_only(body, "as_of,format,list", err) || api_body_text(body, "as_of", 0, 10, 10, &as_of, err) ||
        api_body_text(body, "format", 0, 3, 4, &format, err) || api_body_text(body, "list", 0, 1, 1, &list, err) ||
        annex_options(&as_of, &format, list, today, CORE_E_INVALID_VALUE, err))
        return err->code;
    time_t t;
    char check[24];
    snprintf(check, sizeof check, "%sT00:00:00Z", as_of);
    if (core_clock_parse(check, &t) != 0)
        return core_error_set(err, CORE_E_INVALID_DATE, "as_of must be a date, YYYY-MM-DD");
    return queue_job_id(req, "annex_a", json_pack("{s:s,s:s,s:s?}", "as_of", as_of, "format", format, "list", list),
                        job, err);
}

int api_return_annex_a_job(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t job = 0;
    if (http_body_json(req, &body, &err) || api_return_annex_a_job_do(req, body, &job, &err))
        return http_reply_error(req, &err);
    return api_job_accepted(req, job);
}

/*
 *   GET /api/v1/returns/reach?from=YYYY-MM-DD&to=YYYY-MM-DD[&round=5][&format=json|csv]
 *
 * Service reach and outcomes by quarter (report_reach.h), every count through disclosure control. Counts, not
 * people; for analysts and governance (permission returns.counts). The request is recorded in the audit trail.
 */
int api_reach_counts(http_req *req, const char *from, const char *to, int rounding, report_reach *r, core_error *err)
{
    if (report_reach_build(req->db, &req->arena, from, to, rounding, r, err))
        return err->code;
    json_t *d = json_pack("{s:s,s:s,s:s,s:i}", "return", "reach", "from", r->from, "to", r->to, "rounding", r->rounding);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    const char *detail = dj ? core_arena_strdup(&req->arena, dj) : NULL;
    free(dj);
    return http_audit(req, "statistics", NULL, 0, detail, 0, err);
}

int api_return_reach(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *from = http_query(req, "from"), *to = http_query(req, "to"), *round = http_query(req, "round"),
               *format = http_query(req, "format");
    if (!format)
        format = "json";
    int csv = strcmp(format, "csv") == 0;
    if ((!csv && strcmp(format, "json") != 0) || (round && strcmp(round, "5") != 0 && strcmp(round, "0") != 0)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "format must be json or csv, and round 5 or 0");
        return http_reply_error(req, &err);
    }
    if (!from || !to) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "from and to are required");
        core_error_hint(&err, "for example ?from=2025-04-01&to=2026-03-31");
        return http_reply_error(req, &err);
    }
    report_reach r;
    if (api_reach_counts(req, from, to, round && round[0] == '5' ? 5 : 0, &r, &err))
        return http_reply_error(req, &err);
    if (csv) {
        core_buf b;
        core_buf_init(&b, (size_t)64 * 1024 * 1024);
        report_reach_csv(&r, &b);
        size_t len;
        char *data = core_buf_detach(&b, &len);
        core_buf_release(&b);
        return http_reply_bytes(req, 200, "text/csv; charset=utf-8", "reach.csv", data, len);
    }
    json_t *out = report_reach_json(&r);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}

/*
 *   POST /api/v1/returns/research-extracts
 *   {"share": CODE, "from": DATE, "to": DATE, "recipient_key": "64 hex", "la_code": CODE, "job"?: BOOL}
 *
 * A research share of the council's policy for a period, sealed to the recipient's public key, answered as
 * the sealed file; its disclosure log written first (report.h: one row and one audit event per person). The
 * analyst works on pseudonymised shares only: a share that sends names or identifiers is refused to them (and
 * the refusal audited); information governance may send any share the policy declares. With "job": true the
 * extract is made by a background job (src/jobs/: research_extract) -> 202, the job, and the sealed file is
 * then GET /api/v1/jobs/{id}/output; the same checks are made before it is queued.
 */
int api_return_research_extract(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const api_app *app = http_app(req);
    json_t *body;
    const char *share = NULL, *from = NULL, *to = NULL, *key = NULL, *la = NULL;
    if (http_body_json(req, &body, &err) || api_body_only(body, "share,from,to,recipient_key,la_code,job", &err) ||
        api_body_text(body, "share", 0, 1, 64, &share, &err) || api_body_text(body, "from", 1, 10, 10, &from, &err) ||
        api_body_text(body, "to", 1, 10, 10, &to, &err) ||
        api_body_text(body, "recipient_key", 1, 64, 64, &key, &err) ||
        api_body_text(body, "la_code", 0, 1, 16, &la, &err))
        return http_reply_error(req, &err);
    if (!app || !app->policy || !app->db_path) {
        core_error_set(&err, CORE_E_CONFLICT, "the server has no policy: research shares are declared in it");
        core_error_hint(&err, "start the server with --policy FILE");
        return http_reply_error(req, &err);
    }
    report_national_options o = {0};
    size_t got = 0;
    if (sodium_hex2bin(o.recipient_pk, sizeof o.recipient_pk, key, strlen(key), NULL, &got, NULL) != 0 ||
        got != sizeof o.recipient_pk) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "recipient_key must be 64 hexadecimal characters");
        return http_reply_error(req, &err);
    }
    int pseudo = report_share_pseudonymised(app->policy, share);
    if (pseudo < 0) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "the policy has no research share '%s'", share ? share : "");
        return http_reply_error(req, &err);
    }
    if (!pseudo && access_role_of(&req->who) != ACCESS_ROLE_GOVERNANCE) {
        core_error_set(&err, CORE_E_FORBIDDEN, "an analyst works on pseudonymised shares only");
        core_error_hint(&err, "a share that sends names or identifiers is sent by information governance");
        api_refusal_audit(req, "returns.research", "disclosure", 0, &err); /* err: the audit's own, if it fails */
        return http_reply_error(req, &err);
    }
    json_t *as_job = json_object_get(body, "job");
    if (as_job && !json_is_boolean(as_job)) {
        core_error_set(&err, CORE_E_WRONG_TYPE, "job must be true or false");
        return http_reply_error(req, &err);
    }
    if (json_is_true(as_job)) {
        if (queue_job(req, "research_extract",
                      json_pack("{s:s?,s:s,s:s,s:s,s:s?,s:s}", "share", share, "from", from, "to", to, "recipient_key",
                                key, "la_code", la, "policy", app->policy->path),
                      &err))
            return http_reply_error(req, &err);
        return 0;
    }
    unsigned char research_key[32];
    o.policy = app->policy, o.share = share, o.from = from, o.to = to, o.la_code = la;
    o.user_id = req->who.user_id;
    if (pseudo) {
        if (report_research_key(app->db_path, research_key, &err))
            return http_reply_error(req, &err);
        o.research_key = research_key;
    }
    report_national_result res;
    unsigned char *sealed = NULL;
    size_t len = 0;
    int rc = report_national_build(req->db, &req->arena, &o, &sealed, &len, &res, &err);
    if (rc == 0) /* the log first: nothing leaves unlogged */
        rc = report_national_log(req->db, &req->arena, &o, &res, NULL, &err);
    sodium_memzero(research_key, sizeof research_key);
    if (rc) {
        free(sealed);
        return http_reply_error(req, &err);
    }
    char name[96];
    snprintf(name, sizeof name, "%s-%s-%s.sealed", res.share, from, to); /* a policy code and checked dates */
    return http_reply_bytes(req, 200, "application/octet-stream", name, (char *)sealed, len);
}

/*
 *   GET /api/v1/claims?as_of=DATE&episode=ID&state=claimable|all
 *   POST /api/v1/claims {"episode_id": ID}
 *
 * Supporting Families outcome claims (report_claims.h): the closed programme episodes with every condition
 * and the evidence per need, for a person to sign off; and the claim that person makes (recorded once per
 * family and framework version). Team managers, governance and analysts; an analyst's list leaves out the
 * free text recorded as evidence (structured evidence only). Each family listed is recorded as read (via
 * claims); a claim is recorded with its audit event in one transaction.
 */
int api_claims_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *as_of = http_query(req, "as_of"), *ep = http_query(req, "episode"), *state = http_query(req, "state");
    char today[11];
    if (!as_of) {
        core_clock_today(today);
        as_of = today;
    }
    int64_t episode = 0;
    if ((ep && core_parse_int64(ep, strlen(ep), 1, INT64_MAX, &episode)) ||
        (state && strcmp(state, "claimable") != 0 && strcmp(state, "all") != 0)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "episode must be an id and state claimable or all");
        return http_reply_error(req, &err);
    }
    int text = access_role_of(&req->who) != ACCESS_ROLE_ANALYST;
    json_t *items;
    if (report_claims_check(req->db, &req->arena, as_of, episode, text, state && strcmp(state, "claimable") == 0,
                            &items, &err))
        return http_reply_error(req, &err);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (http_audit(req, "read", "family", (int64_t)json_integer_value(json_object_get(it, "family_id")),
                       "{\"via\":\"claims\"}", 0, &err)) {
            json_decref(items);
            return http_reply_error(req, &err);
        }
    }
    json_t *out = json_pack("{s:s,s:o}", "as_of", as_of, "items", items);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}

int api_claims_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t episode = 0;
    if (http_body_json(req, &body, &err) || api_body_only(body, "episode_id", &err) ||
        api_body_id(body, "episode_id", &episode, &err))
        return http_reply_error(req, &err);
    if (!episode) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "episode_id is required");
        return http_reply_error(req, &err);
    }
    char today[11];
    core_clock_today(today);
    const char *name = req->auth.username; /* the person signed in: who signed it off */
    audit_event ev = {req->who.user_id, req->who.role, "claim", "sf_claim", 0, NULL,
                      req->client_address && req->client_address[0] ? req->client_address : NULL};
    int64_t id = 0;
    if (report_claims_record(req->db, &req->arena, today, episode, req->who.user_id, name, &ev, &id, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)id, "episode_id", (json_int_t)episode,
                            "claimed_on", today, "signed_off_by", name);
    http_reply_json(req, 201, out);
    json_decref(out);
    return 0;
}
