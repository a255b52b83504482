/*
 * jobs_store.c — the job table (migration 0025): queue, claim, lease, progress, finish, cancel, recover,
 * read (contract and invariants in jobs.h).
 *
 * Every statement is portable between SQLite and PostgreSQL but the claim, which takes the queue's oldest
 * row FOR UPDATE SKIP LOCKED on PostgreSQL (so workers of several servers never wait on one another) and is
 * one UPDATE ... WHERE id = (SELECT ...) AND state = 'queued' RETURNING in SQLite, where a write
 * transaction is one writer at a time anyway. Either way the state test in the UPDATE makes a lost race
 * claim nothing, and the unique index job_one_running refuses a second running job of a kind (J2). New
 * rows' ids come back by RETURNING, times are bound (J5).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/core_clock.h"
#include "jobs/jobs.h"

/* The new job's id. */
static const char SQL_CREATE[] =
    "INSERT INTO job (kind, exclusive_key, created_by, params, created_at)\n"
    "VALUES ($1, $2, $3, $4, $5)\n"
    "RETURNING id";

/* The job in the way of an exclusive one. */
static const char SQL_ACTIVE[] =
    "SELECT id\n"
    "  FROM job\n"
    " WHERE exclusive_key = $1\n"
    "   AND state IN ('queued', 'running')\n"
    " ORDER BY id\n"
    " LIMIT 1";

/* 1 when a job of kind $1 waits: read first, so that an idle worker never takes the write lock. */
static const char SQL_ANY_QUEUED[] =
    "SELECT count(*)\n"
    "  FROM (SELECT 1 FROM job WHERE kind = $1 AND state = 'queued' LIMIT 1) q";

/* The claimed job's id, or no row. SQLite: inside the write transaction the caller opens. */
static const char SQL_CLAIM[] =
    "UPDATE job\n"
    "   SET state = 'running', worker = $2, started_at = $3, heartbeat_at = $3, lease_until = $4,\n"
    "       version = version + 1\n"
    " WHERE id = (SELECT q.id\n"
    "               FROM job q\n"
    "              WHERE q.kind = $1\n"
    "                AND q.state = 'queued'\n"
    "              ORDER BY q.id\n"
    "              LIMIT 1)\n"
    "   AND state = 'queued'\n"
    "   AND NOT EXISTS (SELECT 1 FROM job r WHERE r.kind = $1 AND r.state = 'running')\n"
    "RETURNING id";

/* The same on PostgreSQL: a row another worker is claiming is skipped, not waited for. */
static const char SQL_CLAIM_PG[] =
    "UPDATE job\n"
    "   SET state = 'running', worker = $2, started_at = $3, heartbeat_at = $3, lease_until = $4,\n"
    "       version = version + 1\n"
    " WHERE id = (SELECT q.id\n"
    "               FROM job q\n"
    "              WHERE q.kind = $1\n"
    "                AND q.state = 'queued'\n"
    "              ORDER BY q.id\n"
    "              LIMIT 1\n"
    "                FOR UPDATE SKIP LOCKED)\n"
    "   AND state = 'queued'\n"
    "   AND NOT EXISTS (SELECT 1 FROM job r WHERE r.kind = $1 AND r.state = 'running')\n"
    "RETURNING id";

/* Whether a cancel was asked, or no row when the job is no longer running under this worker. */
static const char SQL_HEARTBEAT[] =
    "UPDATE job\n"
    "   SET heartbeat_at = $3, lease_until = $4\n"
    " WHERE id = $1 AND state = 'running' AND worker = $2\n"
    "RETURNING cancel_requested";

/* Whether a cancel was asked for job $1. */
static const char SQL_CANCEL_ASKED[] =
    "SELECT cancel_requested\n"
    "  FROM job\n"
    " WHERE id = $1";

static const char SQL_PROGRESS[] =
    "UPDATE job\n"
    "   SET progress_done = $3, progress_total = $4, progress_message = $5\n"
    " WHERE id = $1 AND state = 'running' AND worker = $2";

static const char SQL_FINISH[] =
    "UPDATE job\n"
    "   SET state = $3, result = $4, result_ref = $5, error_code = $6, error_message = $7, error_detail = $8,\n"
    "       error_hint = $9, finished_at = $10, lease_until = NULL, version = version + 1\n"
    " WHERE id = $1 AND state = 'running' AND worker = $2";

/* A queued job is cancelled at once. */
static const char SQL_CANCEL_QUEUED[] =
    "UPDATE job\n"
    "   SET state = 'cancelled', cancel_requested = 1, cancelled_by = $2, finished_at = $3,\n"
    "       error_code = 'cancelled', error_message = 'the job was cancelled before it started',\n"
    "       version = version + 1\n"
    " WHERE id = $1 AND state = 'queued'";

/* A running one is flagged for its worker. */
static const char SQL_CANCEL_RUNNING[] =
    "UPDATE job\n"
    "   SET cancel_requested = 1, cancelled_by = $2, version = version + 1\n"
    " WHERE id = $1 AND state = 'running'";

static const char SQL_STATE[] =
    "SELECT count(*)\n"
    "  FROM job\n"
    " WHERE id = $1";

/* Running jobs whose worker stopped renewing its lease: failed, never run again by themselves (J4). */
static const char SQL_RECOVER[] =
    "UPDATE job\n"
    "   SET state = 'failed', finished_at = $1, lease_until = NULL, version = version + 1,\n"
    "       error_code = 'job_interrupted',\n"
    "       error_message = 'the job stopped when the server running it stopped',\n"
    "       error_detail = 'its worker stopped renewing its lease; nothing it had not finished was kept',\n"
    "       error_hint = 'start it again'\n"
    " WHERE state = 'running'\n"
    "   AND lease_until < $1\n"
    "   AND worker <> $2";

#define JOB_COLUMNS                                                                                            \
    "SELECT id, kind, state, created_by, params, progress_done, progress_total, progress_message,\n"           \
    "       cancel_requested, error_code, error_message, error_detail, error_hint, result, result_ref,\n"      \
    "       created_at, started_at, finished_at\n"                                                             \
    "  FROM job\n"

static const char SQL_GET[] = JOB_COLUMNS " WHERE id = $1";

/* A page of jobs, newest first: the owner's ($1), or everyone's ($1 = 0). */
static const char SQL_LIST[] = JOB_COLUMNS " WHERE ($1 = 0 OR created_by = $1)\n"
                                           "   AND ($2 = 0 OR id < $2)\n"
                                           " ORDER BY id DESC\n"
                                           " LIMIT $3";

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

jobs_error *jobs_error_set(jobs_error *e, const char *code, const char *message, const char *detail,
                           const char *hint)
{
    copy(e->code, sizeof e->code, code);
    copy(e->message, sizeof e->message, message);
    copy(e->detail, sizeof e->detail, detail);
    copy(e->hint, sizeof e->hint, hint);
    return e;
}

jobs_error *jobs_error_from(jobs_error *e, const core_error *c)
{
    return jobs_error_set(e, core_error_name(c->code), c->message, c->detail, c->hint);
}

jobs_dialect jobs_dialect_of(const char *target)
{
    return target && (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
               ? JOBS_POSTGRES
               : JOBS_SQLITE;
}

static store_value text_or_null(const char *s)
{
    return s && *s ? store_v_text(s) : store_v_null();
}

int jobs_create(store *s, const char *kind, int64_t user_id, const char *params, int exclusive, int64_t *id,
                core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_text(kind), exclusive ? store_v_text(kind) : store_v_null(),
                       user_id ? store_v_int(user_id) : store_v_null(), store_v_text(params ? params : "{}"),
                       store_v_text(now)};
    int rc = store_query_int(s, &a, SQL_CREATE, v, 5, id, err);
    if (rc == CORE_E_CONFLICT && exclusive) {
        int64_t other = 0;
        core_arena_reset(&a);
        store_value k[] = {store_v_text(kind)};
        core_error ignored;
        if (store_query_int(s, &a, SQL_ACTIVE, k, 1, &other, &ignored) != 0)
            other = 0;
        core_error_set(err, CORE_E_CONFLICT, "a %s is already queued or running (job %" PRId64 ")", kind, other);
        core_error_message(err, "one %s at a time", kind);
        core_error_hint(err, "follow it at /api/v1/jobs/%" PRId64 ", or cancel it there (POST .../cancel), "
                             "then ask again", other);
    }
    core_arena_release(&a);
    return rc;
}

int jobs_claim(store *s, jobs_dialect d, const char *kind, const char *worker, int lease_seconds, int64_t *id,
               core_error *err)
{
    char now[21], until[21];
    core_clock_iso(0, now);
    core_clock_iso(lease_seconds > 0 ? lease_seconds : JOBS_LEASE_SECONDS, until);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_text(kind), store_v_text(worker), store_v_text(now), store_v_text(until)};
    int64_t waiting = 0;
    int rc = store_query_int(s, &a, SQL_ANY_QUEUED, v, 1, &waiting, err);
    if (rc || !waiting) {
        core_arena_release(&a);
        return rc;
    }
    rc = store_begin(s, err);
    if (rc == 0)
        rc = store_query_int(s, &a, d == JOBS_POSTGRES ? SQL_CLAIM_PG : SQL_CLAIM, v, 4, id, err);
    int claimed = rc == 0;
    if (rc == CORE_E_NOT_FOUND || rc == CORE_E_CONFLICT) { /* nothing queued, or another worker won (J2) */
        core_error_clear(err);
        rc = 0;
    }
    core_arena_release(&a);
    if (rc == 0 && claimed)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    return rc ? rc : claimed;
}

int jobs_heartbeat(store *s, int64_t id, const char *worker, int lease_seconds, int *cancel, core_error *err)
{
    char now[21], until[21];
    core_clock_iso(0, now);
    core_clock_iso(lease_seconds > 0 ? lease_seconds : JOBS_LEASE_SECONDS, until);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id), store_v_text(worker), store_v_text(now), store_v_text(until)};
    int64_t flag = 0;
    int rc = store_query_int(s, &a, SQL_HEARTBEAT, v, 4, &flag, err);
    core_arena_release(&a);
    if (rc == CORE_E_NOT_FOUND)
        core_error_set(err, CORE_E_NOT_FOUND, "job %" PRId64 " is no longer running under this worker", id);
    *cancel = rc == 0 && flag != 0;
    return rc;
}

int jobs_cancel_asked(store *s, int64_t id, int *cancel, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id)};
    int64_t flag = 0;
    int rc = store_query_int(s, &a, SQL_CANCEL_ASKED, v, 1, &flag, err);
    core_arena_release(&a);
    *cancel = rc == 0 && flag != 0;
    return rc;
}

int jobs_progress(store *s, int64_t id, const char *worker, uint64_t done, uint64_t total, const char *message,
                  core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id), store_v_text(worker), store_v_int((int64_t)done), store_v_int((int64_t)total),
                       text_or_null(message)};
    int rc = store_exec(s, &a, SQL_PROGRESS, v, 5, NULL, err);
    core_arena_release(&a);
    return rc;
}

int jobs_finish(store *s, int64_t id, const char *worker, const char *state, const char *result, const char *ref,
                const jobs_error *failure, core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id),
                       store_v_text(worker),
                       store_v_text(state),
                       text_or_null(result),
                       text_or_null(ref),
                       failure ? text_or_null(failure->code) : store_v_null(),
                       failure ? text_or_null(failure->message) : store_v_null(),
                       failure ? text_or_null(failure->detail) : store_v_null(),
                       failure ? text_or_null(failure->hint) : store_v_null(),
                       store_v_text(now)};
    int64_t changed = 0;
    int rc = store_exec(s, &a, SQL_FINISH, v, 10, &changed, err);
    core_arena_release(&a);
    if (rc == 0 && changed != 1)
        rc = core_error_set(err, CORE_E_NOT_FOUND, "job %" PRId64 " is no longer running under this worker", id);
    return rc;
}

int jobs_cancel(store *s, int64_t id, int64_t user_id, const char **state, core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id), user_id ? store_v_int(user_id) : store_v_null(), store_v_text(now)};
    int64_t changed = 0;
    int rc = store_exec(s, &a, SQL_CANCEL_QUEUED, v, 3, &changed, err);
    *state = "cancelled";
    if (rc == 0 && changed == 0) {
        rc = store_exec(s, &a, SQL_CANCEL_RUNNING, v, 2, &changed, err);
        *state = "running";
    }
    if (rc == 0 && changed == 0) {
        int64_t exists = 0;
        store_value k[] = {store_v_int(id)};
        rc = store_query_int(s, &a, SQL_STATE, k, 1, &exists, err);
        if (rc == 0 && exists)
            rc = core_error_set(err, CORE_E_CONFLICT, "job %" PRId64 " has already finished", id);
        else if (rc == 0)
            rc = core_error_set(err, CORE_E_NOT_FOUND, "there is no job %" PRId64, id);
    }
    core_arena_release(&a);
    return rc;
}

int jobs_recover(store *s, const char *self, int64_t *count, core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_text(now), store_v_text(self ? self : "")};
    int rc = store_exec(s, &a, SQL_RECOVER, v, 2, count, err);
    core_arena_release(&a);
    return rc;
}

/* ---- reading ---- */

static json_t *text_or_json_null(store_stmt *st, int i)
{
    const char *t = store_col_text(st, i, NULL);
    return t ? json_string(t) : json_null();
}

/* A JSON column as a value (an object, or null when absent or not JSON). */
static json_t *json_column(store_stmt *st, int i)
{
    size_t len = 0;
    const char *t = store_col_text(st, i, &len);
    json_error_t je;
    json_t *v = t ? json_loadb(t, len, 0, &je) : NULL;
    return v ? v : json_null();
}

static json_t *job_from_row(store_stmt *st)
{
    int64_t id = store_col_int(st, 0);
    char url[48];
    snprintf(url, sizeof url, "/api/v1/jobs/%" PRId64, id);
    json_t *error = json_null();
    if (store_col_type(st, 9) != STORE_NULL)
        error = json_pack("{s:o,s:o,s:o,s:o}", "code", text_or_json_null(st, 9), "message",
                          text_or_json_null(st, 10), "detail", text_or_json_null(st, 11), "hint",
                          text_or_json_null(st, 12));
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:{s:I,s:I,s:o},s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "id", (json_int_t)id,
                     "kind", store_col_text(st, 1, NULL), "state", store_col_text(st, 2, NULL), "created_by",
                     store_col_type(st, 3) == STORE_NULL ? json_null() : json_integer(store_col_int(st, 3)),
                     "params", json_column(st, 4), "progress", "done", (json_int_t)store_col_int(st, 5), "total",
                     (json_int_t)store_col_int(st, 6), "message", text_or_json_null(st, 7), "cancel_requested",
                     store_col_int(st, 8) != 0, "error", error, "result", json_column(st, 13), "result_ref",
                     text_or_json_null(st, 14), "created_at", text_or_json_null(st, 15), "started_at",
                     text_or_json_null(st, 16), "finished_at", text_or_json_null(st, 17), "url", url);
}

int jobs_get(store *s, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, &a, SQL_GET, v, 1, &st, err);
    if (rc == 0 && (rc = store_next(st, err)) == 1) {
        *out = job_from_row(st);
        rc = *out ? 0 : core_error_set(err, CORE_E_INTERNAL, "out of memory");
        store_done(st);
    } else if (rc == 0) {
        rc = core_error_set(err, CORE_E_NOT_FOUND, "there is no job %" PRId64, id);
    }
    core_arena_release(&a);
    return rc;
}

int jobs_list(store *s, int64_t owner, int64_t before, int64_t limit, json_t **out, core_error *err)
{
    *out = NULL;
    if (limit < 1 || limit > JOBS_PAGE_MAX)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "limit is 1..%d", JOBS_PAGE_MAX);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(owner), store_v_int(before), store_v_int(limit + 1)};
    store_stmt *st;
    json_t *items = json_array();
    int rc = store_query(s, &a, SQL_LIST, v, 3, &st, err);
    int64_t n = 0, next = 0;
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (n++ == limit) { /* one more than the page: there is a next page, after the last one shown */
            store_done(st);
            break;
        }
        next = store_col_int(st, 0);
        json_array_append_new(items, job_from_row(st));
    }
    core_arena_release(&a);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%" PRId64, next);
    *out = json_pack("{s:o,s:o}", "items", items, "next", n > limit ? json_string(cursor) : json_null());
    return *out ? 0 : core_error_set(err, CORE_E_INTERNAL, "out of memory");
}
