/*
 * jobs_files.c — the files of jobs, kept in the database (migration 0029; contract in jobs.h, design in
 * src/jobs/README.md): a job's output, written by the job process and read for a download; a job's input,
 * written with the job by the request that queues it and read by the job process; both deleted by the sweep
 * once they are no longer wanted.
 *
 * The bytes are kept as chunks of base64 text (JOBS_OUTPUT_CHUNK bytes each before encoding), so the same
 * statements serve SQLite and PostgreSQL and no single value nears either's limit; a BLAKE2b-256 digest of
 * the whole is kept beside them and checked when the file is read back. Times are the program's clock, bound
 * as text (jobs.h J5): expiry compares text, as the job table's leases do.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/core_clock.h"
#include "jobs/jobs.h"

/* Nothing of job $1's earlier file of role $2 (a job process started again writes it afresh). */
static const char SQL_DELETE_CHUNKS[] =
    "DELETE FROM job_file_chunk\n"
    " WHERE job_id = $1\n"
    "   AND role = $2";
static const char SQL_DELETE_FILE[] =
    "DELETE FROM job_file\n"
    " WHERE job_id = $1\n"
    "   AND role = $2";

static const char SQL_INSERT_FILE[] =
    "INSERT INTO job_file (job_id, role, name, content_type, size, digest, chunks, created_at, expires_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

static const char SQL_INSERT_CHUNK[] =
    "INSERT INTO job_file_chunk (job_id, role, seq, data)\n"
    "VALUES ($1, $2, $3, $4)";

/* Job $1's file of role $2: what it is, when it goes, whether it has gone. */
static const char SQL_INFO[] =
    "SELECT name, content_type, size, digest, chunks, created_at, expires_at, deleted_at\n"
    "  FROM job_file\n"
    " WHERE job_id = $1\n"
    "   AND role = $2";

/* Its chunks in order. */
static const char SQL_CHUNKS[] =
    "SELECT seq, data\n"
    "  FROM job_file_chunk\n"
    " WHERE job_id = $1\n"
    "   AND role = $2\n"
    " ORDER BY seq";

/* The files to delete now ($1 is now): an output expired, or of a job that did not succeed (cancelled after
 * its process wrote the file, or failed while reporting it); an input once its job has finished. */
static const char SQL_DUE[] =
    "SELECT f.job_id, f.role\n"
    "  FROM job_file f\n"
    "  JOIN job j ON j.id = f.job_id\n"
    " WHERE f.deleted_at IS NULL\n"
    "   AND ((f.role = 'output' AND (f.expires_at <= $1 OR j.state IN ('failed', 'cancelled')))\n"
    "        OR (f.role = 'input' AND j.state IN ('succeeded', 'failed', 'cancelled')))\n"
    " ORDER BY f.job_id, f.role";

static const char SQL_MARK_DELETED[] =
    "UPDATE job_file\n"
    "   SET deleted_at = $3\n"
    " WHERE job_id = $1\n"
    "   AND role = $2\n"
    "   AND deleted_at IS NULL";

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void digest_hex(const char *data, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)data, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Write job's file of role, replacing any earlier one, inside the caller's transaction. */
static int file_write(store *s, int64_t job, const char *role, const char *name, const char *content_type,
                      const char *data, size_t len, core_error *err)
{
    if (len > JOBS_OUTPUT_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "the job's %s file is %zu bytes, more than the %d MiB kept",
                              role, len, JOBS_OUTPUT_MAX >> 20);
    char now[21], until[21], digest[65];
    core_clock_iso(0, now);
    core_clock_iso((time_t)JOBS_OUTPUT_DAYS * 86400, until);
    digest_hex(data, len, digest);
    size_t chunks = len ? (len + JOBS_OUTPUT_CHUNK - 1) / JOBS_OUTPUT_CHUNK : 0;
    size_t b64cap = sodium_base64_ENCODED_LEN(JOBS_OUTPUT_CHUNK, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = core_xmalloc(b64cap);
    core_arena a = CORE_ARENA_INIT;
    store_value id[] = {store_v_int(job), store_v_text(role)};
    int rc = store_exec(s, &a, SQL_DELETE_CHUNKS, id, 2, NULL, err);
    if (rc == 0)
        rc = store_exec(s, &a, SQL_DELETE_FILE, id, 2, NULL, err);
    if (rc == 0) {
        store_value v[] = {store_v_int(job),         store_v_text(role),   store_v_text(name),
                           store_v_text(content_type), store_v_int((int64_t)len), store_v_text(digest),
                           store_v_int((int64_t)chunks), store_v_text(now), store_v_text(until)};
        rc = store_exec(s, &a, SQL_INSERT_FILE, v, 9, NULL, err);
    }
    for (size_t i = 0; rc == 0 && i < chunks; i++) {
        size_t off = i * JOBS_OUTPUT_CHUNK, n = len - off < JOBS_OUTPUT_CHUNK ? len - off : JOBS_OUTPUT_CHUNK;
        sodium_bin2base64(b64, b64cap, (const unsigned char *)data + off, n, sodium_base64_VARIANT_ORIGINAL);
        store_value v[] = {store_v_int(job), store_v_text(role), store_v_int((int64_t)i), store_v_text(b64)};
        rc = store_exec(s, &a, SQL_INSERT_CHUNK, v, 4, NULL, err);
        core_arena_reset(&a); /* the statement is done: b64 may change */
    }
    core_arena_release(&a);
    free(b64);
    return rc;
}

int jobs_output_put(store *s, int64_t job, const char *name, const char *content_type, const char *data,
                    size_t len, core_error *err)
{
    int rc = store_begin(s, err);
    if (rc == 0)
        rc = file_write(s, job, "output", name, content_type, data, len, err);
    if (rc == 0)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    return rc;
}

int jobs_create_with_input(store *s, const char *kind, int64_t user_id, const char *params, const char *name,
                           const char *content_type, const char *data, size_t len, int64_t *id, core_error *err)
{
    if (len > JOBS_OUTPUT_MAX) /* before anything is queued */
        return core_error_set(err, CORE_E_BODY_TOO_LARGE, "the job's file is more than %d MiB",
                              JOBS_OUTPUT_MAX >> 20);
    int rc = store_begin(s, err);
    if (rc == 0)
        rc = jobs_create(s, kind, user_id, params, 0, id, err);
    if (rc == 0)
        rc = file_write(s, *id, "input", name, content_type, data, len, err);
    if (rc == 0)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    return rc;
}

static int file_info(store *s, int64_t job, const char *role, jobs_output_info *out, core_error *err)
{
    memset(out, 0, sizeof *out);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(job), store_v_text(role)};
    store_stmt *st = NULL;
    int rc = store_query(s, &a, SQL_INFO, v, 2, &st, err);
    int row = rc == 0 ? store_next(st, err) : rc;
    if (row == 1) {
        copy(out->name, sizeof out->name, store_col_text(st, 0, NULL));
        copy(out->content_type, sizeof out->content_type, store_col_text(st, 1, NULL));
        out->size = store_col_int(st, 2);
        copy(out->digest, sizeof out->digest, store_col_text(st, 3, NULL));
        out->chunks = store_col_int(st, 4);
        copy(out->created_at, sizeof out->created_at, store_col_text(st, 5, NULL));
        copy(out->expires_at, sizeof out->expires_at, store_col_text(st, 6, NULL));
        const char *gone = store_col_text(st, 7, NULL);
        copy(out->deleted_at, sizeof out->deleted_at, gone);
        out->deleted = gone != NULL;
        store_done(st);
        rc = 0;
    } else if (row == 0) {
        rc = core_error_set(err, CORE_E_NOT_FOUND, "job %" PRId64 " kept no %s file", job, role);
    } else {
        rc = row;
    }
    core_arena_release(&a);
    return rc;
}

int jobs_output_info_get(store *s, int64_t job, jobs_output_info *out, core_error *err)
{
    return file_info(s, job, "output", out, err);
}

int jobs_output_expired(const jobs_output_info *o)
{
    char now[21];
    core_clock_iso(0, now);
    return o->deleted || strcmp(o->expires_at, now) <= 0;
}

static int file_read(store *s, int64_t job, const char *role, char **data, size_t *len, core_error *err)
{
    *data = NULL;
    *len = 0;
    jobs_output_info o;
    int rc = file_info(s, job, role, &o, err);
    if (rc)
        return rc;
    if (o.deleted)
        return core_error_set(err, CORE_E_GONE, "job %" PRId64 "'s %s file was deleted at %s", job, role,
                              o.deleted_at);
    if (o.size < 0 || o.size > JOBS_OUTPUT_MAX)
        return core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file has a size out of range", job, role);
    char *buf = core_xmalloc(o.size ? (size_t)o.size : 1);
    size_t got = 0;
    int64_t next = 0;
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_int(job), store_v_text(role)};
    store_stmt *st = NULL;
    rc = store_query(s, &a, SQL_CHUNKS, v, 2, &st, err);
    int row = 0;
    while (rc == 0 && (row = store_next(st, err)) == 1) {
        size_t tl = 0, n = 0;
        const char *t = store_col_text(st, 1, &tl);
        if (store_col_int(st, 0) != next++ ||
            sodium_base642bin((unsigned char *)buf + got, (size_t)o.size - got, t, tl, NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            store_done(st);
            rc = core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file is damaged (chunk %" PRId64 ")", job,
                                role, next - 1);
            break;
        }
        got += n;
    }
    if (rc == 0 && row < 0)
        rc = row;
    core_arena_release(&a);
    char digest[65];
    if (rc == 0) {
        digest_hex(buf, got, digest);
        if (got != (size_t)o.size || next != o.chunks || strcmp(digest, o.digest) != 0)
            rc = core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file is damaged (its digest differs)", job,
                                role);
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = got;
    return 0;
}

int jobs_output_read(store *s, int64_t job, char **data, size_t *len, core_error *err)
{
    return file_read(s, job, "output", data, len, err);
}

int jobs_input_read(store *s, int64_t job, char **data, size_t *len, core_error *err)
{
    return file_read(s, job, "input", data, len, err);
}

int jobs_files_expire(store *s, int64_t *count, core_error *err)
{
    *count = 0;
    char now[21];
    core_clock_iso(0, now);
    core_arena a = CORE_ARENA_INIT;
    store_value v[] = {store_v_text(now)};
    struct {
        int64_t job;
        int input;
    } due[64];
    size_t n;
    int rc = 0;
    do { /* a page of due files at a time, read before any is written */
        store_stmt *st = NULL;
        int row = 0;
        n = 0;
        core_arena_reset(&a);
        rc = store_query(s, &a, SQL_DUE, v, 1, &st, err);
        while (rc == 0 && n < sizeof due / sizeof due[0] && (row = store_next(st, err)) == 1) {
            const char *role = store_col_text(st, 1, NULL);
            due[n].job = store_col_int(st, 0);
            due[n++].input = role && strcmp(role, "input") == 0;
        }
        if (rc == 0 && row < 0)
            rc = row;
        if (rc == 0 && row == 1)
            store_done(st);
        /* One transaction per file: each is deleted whole or not at all. */
        for (size_t i = 0; rc == 0 && i < n; i++) {
            core_arena_reset(&a);
            const char *role = due[i].input ? "input" : "output";
            store_value id[] = {store_v_int(due[i].job), store_v_text(role)},
                        mark[] = {store_v_int(due[i].job), store_v_text(role), store_v_text(now)};
            int64_t changed = 0;
            rc = store_begin(s, err);
            if (rc == 0)
                rc = store_exec(s, &a, SQL_MARK_DELETED, mark, 3, &changed, err);
            if (rc == 0 && changed == 1)
                rc = store_exec(s, &a, SQL_DELETE_CHUNKS, id, 2, NULL, err);
            if (rc == 0)
                rc = store_commit(s, err);
            else
                store_rollback(s);
            if (rc == 0 && changed == 1)
                (*count)++;
        }
    } while (rc == 0 && n == sizeof due / sizeof due[0]);
    core_arena_release(&a);
    return rc;
}
