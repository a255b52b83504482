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
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Its chunk number $3. */
static const char SQL_CHUNK[] =
    "SELECT data\n"
    "  FROM job_file_chunk\n"
    " WHERE job_id = $1\n"
    "   AND role = $2\n"
    "   AND seq = $3";

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

/* Where the bytes of a file go as they are read: n bytes at a time (at most one chunk); 0 or an error. */
typedef int (*file_sink)(void *ctx, const char *bytes, size_t n, core_error *err);

/* Read job's file of role chunk by chunk (one statement per chunk, so one chunk is in memory at a time on
 * either back end; libpq holds a whole result set), hand each to sink, and check the whole against its size,
 * count and digest at the end. The sink has had every byte when this returns 0; on CORE_E_INTERNAL (damaged)
 * it has had some of them, which must not be used. */
static int file_each(store *s, int64_t job, const char *role, file_sink sink, void *ctx, core_error *err)
{
    jobs_output_info o;
    int rc = file_info(s, job, role, &o, err);
    if (rc)
        return rc;
    if (o.deleted)
        return core_error_set(err, CORE_E_GONE, "job %" PRId64 "'s %s file was deleted at %s", job, role,
                              o.deleted_at);
    if (o.size < 0 || o.size > JOBS_OUTPUT_MAX || o.chunks < 0 ||
        o.chunks > JOBS_OUTPUT_MAX / JOBS_OUTPUT_CHUNK + 1)
        return core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file has a size out of range", job, role);
    char *buf = core_xmalloc(JOBS_OUTPUT_CHUNK);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    int64_t got = 0, seq = 0;
    core_arena a = CORE_ARENA_INIT;
    for (; rc == 0 && seq < o.chunks; seq++) {
        core_arena_reset(&a);
        store_value v[] = {store_v_int(job), store_v_text(role), store_v_int(seq)};
        store_stmt *st = NULL;
        rc = store_query(s, &a, SQL_CHUNK, v, 3, &st, err);
        int row = rc == 0 ? store_next(st, err) : 0;
        if (rc == 0 && row < 0)
            rc = row;
        if (rc)
            break;
        size_t tl = 0, n = 0;
        const char *t = row == 1 ? store_col_text(st, 0, &tl) : NULL;
        if (!t || sodium_base642bin((unsigned char *)buf, JOBS_OUTPUT_CHUNK, t, tl, NULL, &n, NULL,
                                    sodium_base64_VARIANT_ORIGINAL) != 0 ||
            got + (int64_t)n > o.size) {
            if (row == 1)
                store_done(st);
            rc = core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file is damaged (chunk %" PRId64 ")", job,
                                role, seq);
            break;
        }
        store_done(st);
        crypto_generichash_update(&h, (const unsigned char *)buf, n);
        got += (int64_t)n;
        rc = sink(ctx, buf, n, err);
    }
    core_arena_release(&a);
    free(buf);
    if (rc == 0) {
        unsigned char d[32];
        char digest[65];
        crypto_generichash_final(&h, d, sizeof d);
        sodium_bin2hex(digest, sizeof digest, d, sizeof d);
        if (got != o.size || strcmp(digest, o.digest) != 0)
            rc = core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file is damaged (its digest differs)", job,
                                role);
    }
    return rc;
}

/* A sink into one allocation of the file's size. */
typedef struct into_memory {
    char *buf;
    size_t len, cap;
} into_memory;

static int to_memory(void *ctx, const char *bytes, size_t n, core_error *err)
{
    into_memory *m = ctx;
    if (n > m->cap - m->len)
        return core_error_set(err, CORE_E_INTERNAL, "a job's file is longer than its size");
    memcpy(m->buf + m->len, bytes, n);
    m->len += n;
    return 0;
}

static int file_read(store *s, int64_t job, const char *role, char **data, size_t *len, core_error *err)
{
    *data = NULL;
    *len = 0;
    jobs_output_info o;
    int rc = file_info(s, job, role, &o, err);
    if (rc)
        return rc;
    if (o.size < 0 || o.size > JOBS_OUTPUT_MAX)
        return core_error_set(err, CORE_E_INTERNAL, "job %" PRId64 "'s %s file has a size out of range", job, role);
    into_memory m = {core_xmalloc(o.size ? (size_t)o.size : 1), 0, (size_t)o.size};
    rc = file_each(s, job, role, to_memory, &m, err);
    if (rc) {
        free(m.buf);
        return rc;
    }
    *data = m.buf;
    *len = m.len;
    return 0;
}

/* A sink into a file descriptor. */
static int to_fd(void *ctx, const char *bytes, size_t n, core_error *err)
{
    int fd = *(int *)ctx;
    while (n) {
        ssize_t w = write(fd, bytes, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return core_error_set(err, CORE_E_IO, "cannot write a job's file to a temporary file: %s",
                                  strerror(errno));
        bytes += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An unlinked temporary file in TMPDIR (or /tmp), read and written by this process only. */
static int temp_file(core_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/hearth-job-file-XXXXXX", dir) >= (int)sizeof path)
        return core_error_set(err, CORE_E_IO, "TMPDIR is too long a path");
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return core_error_set(err, CORE_E_IO, "cannot make a temporary file in %s: %s", dir, strerror(errno));
    unlink(path);
    return fd;
}

int jobs_output_spool(store *s, int64_t job, int *fd, size_t *len, core_error *err)
{
    *fd = -1;
    *len = 0;
    int f = temp_file(err);
    if (f < 0)
        return err->code;
    int rc = file_each(s, job, "output", to_fd, &f, err);
    off_t end = rc == 0 ? lseek(f, 0, SEEK_END) : -1;
    if (rc == 0 && end < 0)
        rc = core_error_set(err, CORE_E_IO, "cannot read back a job's temporary file: %s", strerror(errno));
    if (rc) {
        close(f);
        return rc;
    }
    *fd = f;
    *len = (size_t)end;
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
