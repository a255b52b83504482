/*
 * api_jobs.c — background jobs over the API (src/jobs/): what was asked for, how far it has got, how it ended.
 *
 *   GET   /api/v1/jobs                 the caller's jobs, newest first (governance and the administrator:
 *                                      everyone's; ?mine=true their own), ?after=CURSOR&limit=1..500
 *   GET   /api/v1/jobs/{id}            one job: state, progress {done, total, message}, error, result
 *   POST  /api/v1/jobs/{id}/cancel     (no body, or {}) cancel it: a queued job at once (200, cancelled), a running one at its
 *                                      next progress point (202, still running with cancel_requested)
 *   GET   /api/v1/jobs/{id}/output     the file a job made (a pack, a return, an extract): for whoever asked
 *                                      for it and governance, under the product's permission; each download
 *                                      on the audit trail; 409 until it succeeded, 410 once its time is past
 *
 * Jobs are made by the routes that start long work (POST /api/v1/link-runs in api_index.c, a retention plan's
 * run in api_retention.c, a pack's POST in api_requests.c, Annex A's POST and a research extract's with "job"
 * in api_returns.c, an upload in api_import.c), which answer 202 with the job and its URL in Location. A job
 * holds no personal data (jobs.h J6): dataset names, counts and ids. Who sees a job: whoever asked for it, and
 * governance and the administrator, who see every job (they answer for the system's work); to anyone else
 * another's job is absent (404), as records are. Cancelling is for the same people and is recorded in the
 * audit trail. The file a job made is personal data, and has rules of its own (api_job_output).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "jobs/jobs.h"

enum { JOBS_PAGE_DEFAULT = 50 };

static int sees_all(http_req *req)
{
    access_role r = access_role_of(&req->who);
    return r == ACCESS_ROLE_GOVERNANCE || r == ACCESS_ROLE_ADMIN;
}

/* The job if the caller may see it: *out a new reference, or an error (CORE_E_NOT_FOUND for another's). */
static int visible_job(http_req *req, int64_t id, json_t **out, core_error *err)
{
    int rc = jobs_get(req->db, id, out, err);
    if (rc)
        return rc;
    if (sees_all(req) || json_integer_value(json_object_get(*out, "created_by")) == req->who.user_id)
        return 0;
    json_decref(*out);
    *out = NULL;
    return core_error_set(err, CORE_E_NOT_FOUND, "there is no job %" PRId64, id);
}

static int reply(http_req *req, int status, json_t *out)
{
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

int api_job_read(http_req *req, int64_t id, json_t **out, core_error *err)
{
    return visible_job(req, id, out, err);
}

int api_job_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *job;
    if (visible_job(req, req->ids[0], &job, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, job);
}

int api_job_items(http_req *req, int mine, int64_t after, int64_t limit, json_t **out, core_error *err)
{
    int own = !sees_all(req) || mine;
    return jobs_list(req->db, own ? req->who.user_id : 0, after, limit, out, err);
}

int api_job_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *a = http_query(req, "after"), *l = http_query(req, "limit"), *mine = http_query(req, "mine");
    int64_t after = 0, limit = JOBS_PAGE_DEFAULT;
    if ((a && core_parse_int64(a, strlen(a), 1, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, JOBS_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "after is a cursor, limit 1..%d", JOBS_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "mine is true or false");
        return http_reply_error(req, &err);
    }
    json_t *out;
    if (api_job_items(req, mine && strcmp(mine, "true") == 0, after, limit, &out, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

void api_job_wake(http_req *req)
{
    const api_app *app = http_app(req);
    if (app)
        jobs_runner_wake(app->jobs);
}

int api_job_cancel_do(http_req *req, int64_t id, json_t **out, const char **state, core_error *err)
{
    json_t *job;
    if (visible_job(req, id, &job, err))
        return err->code;
    json_decref(job);
    if (jobs_cancel(req->db, id, req->who.user_id, state, err))
        return err->code;
    if (http_audit(req, "cancel", "job", id, "{\"cancel\":true}", 1, err))
        return err->code;
    api_job_wake(req);
    return jobs_get(req->db, id, out, err);
}

int api_job_cancel(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *job, *body;
    if (req->body.len > 0 && http_body_json(req, &body, &err)) /* no body, or {} */
        return http_reply_error(req, &err);
    if (req->body.len > 0 && json_object_size(body) > 0) {
        core_error_set(&err, CORE_E_UNKNOWN_FIELD, "unknown field %s", json_object_iter_key(json_object_iter(body)));
        core_error_hint(&err, "this request takes no fields: send no body, or {}");
        return http_reply_error(req, &err);
    }
    const char *state;
    if (api_job_cancel_do(req, req->ids[0], &job, &state, &err))
        return http_reply_error(req, &err);
    return reply(req, strcmp(state, "cancelled") == 0 ? 200 : 202, job);
}

/* The permission a kind's file is had under (the one that makes it over the API), or NULL: no file. */
static const char *output_permission(const char *kind)
{
    static const struct {
        const char *kind, *permission;
    } files[] = {
        {"sar_pack", "governance.requests"},
        {"annex_a", "returns.annex_a"},
        {"research_extract", "returns.research"},
        {"partner_import", "partner.import"}, /* the rows it refused, one "LINE: reason" a line */
    };
    for (size_t i = 0; kind && i < sizeof files / sizeof files[0]; i++)
        if (strcmp(files[i].kind, kind) == 0)
            return files[i].permission;
    return NULL;
}

int api_job_output_do(http_req *req, int64_t id, api_job_file *file, core_error *err)
{
    json_t *job;
    if (visible_job(req, id, &job, err))
        return err->code;
    const char *kind = core_arena_strdup(&req->arena, json_string_value(json_object_get(job, "kind")));
    const char *state = core_arena_strdup(&req->arena, json_string_value(json_object_get(job, "state")));
    int own = json_integer_value(json_object_get(job, "created_by")) == req->who.user_id;
    json_decref(job);
    const char *perm = output_permission(kind);
    if (!perm) {
        core_error_set(err, CORE_E_NOT_FOUND, "a %s job makes no file", kind);
        return err->code;
    }
    /* Whoever asked for it, or governance (the DPO answers for every pack and return), and either way only
     * while holding the product's own permission: the administrator, who sees every job, never has its file. */
    access_target none = {0};
    core_error why;
    core_error_clear(&why);
    if (!(own || access_role_of(&req->who) == ACCESS_ROLE_GOVERNANCE) ||
        access_decide(NULL, &req->who, perm, &none, NULL, &why) != ACCESS_ALLOW) {
        core_error_set(err, CORE_E_FORBIDDEN, "job %" PRId64 "'s file is for whoever asked for it, or governance",
                       id);
        core_error_hint(err, "a %s file is had under %s", kind, perm);
        api_refusal_audit(req, perm, "job", id, err); /* err: the audit's own, if it fails */
        return err->code;
    }
    if (strcmp(state, "succeeded") != 0) {
        core_error_set(err, CORE_E_CONFLICT, "job %" PRId64 " is %s: its file comes when it succeeds", id, state);
        core_error_hint(err, "follow it at /api/v1/jobs/%" PRId64, id);
        return err->code;
    }
    jobs_output_info o;
    if (jobs_output_info_get(req->db, id, &o, err))
        return err->code;
    if (jobs_output_expired(&o)) {
        core_error_set(err, CORE_E_GONE, "job %" PRId64 "'s file was kept until %s and is gone", id, o.expires_at);
        core_error_hint(err, "files of jobs are kept %d days: start the job again", JOBS_OUTPUT_DAYS);
        return err->code;
    }
    /* On the record, durably, before a byte is sent. */
    json_t *d = json_pack("{s:s,s:s,s:I,s:s}", "kind", kind, "name", o.name, "bytes", (json_int_t)o.size, "digest",
                          o.digest);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = http_audit(req, "download", "job", id, dj, 1, err);
    free(dj);
    /* Copied out chunk by chunk and checked against its digest before the reply starts, so a damaged file
     * is a 500 with nothing sent, and memory holds one chunk, not the file (up to JOBS_OUTPUT_MAX). */
    int fd = -1;
    size_t len = 0;
    if (rc == 0)
        rc = jobs_output_spool(req->db, id, &fd, &len, err);
    if (rc)
        return err->code;
    file->content_type = core_arena_strdup(&req->arena, o.content_type);
    file->name = core_arena_strdup(&req->arena, o.name);
    file->fd = fd;
    file->len = len;
    return 0;
}

/* The spooled file, read as the connection takes it (on the event loop: a local file, already checked). */
static ssize_t file_read_at(void *ctx, uint64_t pos, char *buf, size_t max)
{
    int fd = (int)(intptr_t)ctx;
    ssize_t n;
    while ((n = pread(fd, buf, max, (off_t)pos)) < 0 && errno == EINTR)
        ;
    return n;
}

static void file_close(void *ctx)
{
    close((int)(intptr_t)ctx);
}

int api_job_output(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    api_job_file f;
    if (api_job_output_do(req, req->ids[0], &f, &err))
        return http_reply_error(req, &err);
    return http_reply_stream(req, 200, f.content_type, f.name, f.len, file_read_at, file_close,
                             (void *)(intptr_t)f.fd);
}

int api_job_accepted(http_req *req, int64_t id)
{
    core_error err;
    core_error_clear(&err);
    json_t *job;
    api_job_wake(req);
    if (jobs_get(req->db, id, &job, &err))
        return http_reply_error(req, &err);
    req->location = core_arena_printf(&req->arena, "/api/v1/jobs/%" PRId64, id);
    return reply(req, 202, job);
}
