/*
 * test_jobs_files.c — unit tests for the files jobs keep (jobs/jobs_files.c, migration 0029):
 *   round trip  bytes of every value, empty, and across several chunks come back the same, with name, type,
 *               size and the expiry JOBS_OUTPUT_DAYS ahead; writing again replaces the file;
 *   damage      a chunk changed or missing is refused (the digest), never served;
 *   absent      a job that kept nothing is not found;
 *   expire      an output past its time, or of a job that did not succeed, loses its bytes and keeps its row
 *               (deleted_at); one still in time of a succeeded job is left alone; reading a deleted one is
 *               CORE_E_GONE; a second sweep deletes nothing more;
 *   input       a job queued with its file reads it back; the file goes with the job or not at all; once the
 *               job has finished the sweep deletes the input's bytes, not before; an output of the same job
 *               is its own file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core_clock.h"
#include "jobs/jobs.h"
#include "test_jobs_fixture.h"

/* A job of kind in state (finished states get finished_at). */
static int64_t job(fixture *f, const char *state)
{
    int64_t id = 0;
    assert_ok(jobs_create(f->s, "annex_a", 0, "{}", 0, &id, &f->err), f->err);
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE job SET state = '%s', finished_at = %s WHERE id = %lld", state,
             strcmp(state, "running") == 0 ? "NULL" : "'2026-01-01T00:00:00Z'", (long long)id);
    exec(f, sql);
    return id;
}

static void round_trip(void **state)
{
    fixture *f = *state;
    size_t n = (size_t)JOBS_OUTPUT_CHUNK * 2 + 12345; /* three chunks, the last short */
    char *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 131 + (i >> 9)); /* every byte value, NUL included */
    int64_t id = job(f, "succeeded");
    assert_ok(jobs_output_put(f->s, id, "a.bin", "application/octet-stream", data, n, &f->err), f->err);
    jobs_output_info o;
    assert_ok(jobs_output_info_get(f->s, id, &o, &f->err), f->err);
    assert_string_equal(o.name, "a.bin");
    assert_string_equal(o.content_type, "application/octet-stream");
    assert_int_equal(o.size, (int64_t)n);
    assert_int_equal(o.chunks, 3);
    assert_int_equal(o.deleted, 0);
    time_t until = 0, now = core_clock_now(); /* the clock moves on: JOBS_OUTPUT_DAYS from its making */
    assert_int_equal(core_clock_parse(o.expires_at, &until), 0);
    time_t kept = (time_t)JOBS_OUTPUT_DAYS * 86400;
    assert_true(until <= now + kept && until >= now + kept - 60);
    assert_int_equal(jobs_output_expired(&o), 0);
    char *back = NULL;
    size_t len = 0;
    assert_ok(jobs_output_read(f->s, id, &back, &len, &f->err), f->err);
    assert_int_equal(len, n);
    assert_memory_equal(back, data, n);
    /* spooled to a temporary file chunk by chunk: the same bytes */
    int fd = -1;
    assert_ok(jobs_output_spool(f->s, id, &fd, &len, &f->err), f->err);
    assert_true(fd >= 0);
    assert_int_equal(len, n);
    memset(back, 0, n);
    assert_int_equal(pread(fd, back, n, 0), (ssize_t)n);
    assert_memory_equal(back, data, n);
    close(fd);
    free(back);
    /* again: replaced, not added to */
    assert_ok(jobs_output_put(f->s, id, "b.csv", "text/csv", "x,y\r\n", 5, &f->err), f->err);
    assert_ok(jobs_output_read(f->s, id, &back, &len, &f->err), f->err);
    assert_int_equal(len, 5);
    assert_memory_equal(back, "x,y\r\n", 5);
    free(back);
    assert_int_equal(one(f, "SELECT count(*) FROM job_file_chunk"), 1);
    /* empty */
    int64_t empty = job(f, "succeeded");
    assert_ok(jobs_output_put(f->s, empty, "e", "text/plain", "", 0, &f->err), f->err);
    assert_ok(jobs_output_read(f->s, empty, &back, &len, &f->err), f->err);
    assert_int_equal(len, 0);
    free(back);
    free(data);
}

static void damage(void **state)
{
    fixture *f = *state;
    int64_t id = job(f, "succeeded");
    assert_ok(jobs_output_put(f->s, id, "a", "text/plain", "hello, world", 12, &f->err), f->err);
    char *back = NULL;
    size_t len = 0;
    exec(f, "UPDATE job_file_chunk SET data = 'aGVsbG8sIFdPUkxE'"); /* "hello, WORLD" */
    assert_int_equal(jobs_output_read(f->s, id, &back, &len, &f->err), CORE_E_INTERNAL);
    assert_null(back);
    assert_non_null(strstr(f->err.detail, "digest"));
    int fd = 7;
    assert_int_equal(jobs_output_spool(f->s, id, &fd, &len, &f->err), CORE_E_INTERNAL); /* nothing handed out */
    assert_int_equal(fd, -1);
    assert_int_equal(len, 0);
    exec(f, "DELETE FROM job_file_chunk");
    assert_int_equal(jobs_output_read(f->s, id, &back, &len, &f->err), CORE_E_INTERNAL);
    assert_null(back);
    jobs_output_info o;
    assert_int_equal(jobs_output_info_get(f->s, job(f, "succeeded"), &o, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(jobs_output_read(f->s, 999, &back, &len, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(jobs_output_spool(f->s, 999, &fd, &len, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(fd, -1);
}

static void expire(void **state)
{
    fixture *f = *state;
    int64_t old = job(f, "succeeded"), fresh = job(f, "succeeded"), cancelled = job(f, "cancelled"),
            running = job(f, "running");
    int64_t ids[] = {old, fresh, cancelled, running};
    for (size_t i = 0; i < 4; i++)
        assert_ok(jobs_output_put(f->s, ids[i], "f", "text/plain", "abc", 3, &f->err), f->err);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE job_file SET expires_at = '2000-01-01T00:00:00Z' WHERE job_id = %lld",
             (long long)old);
    exec(f, sql);
    int64_t count = -1;
    assert_ok(jobs_files_expire(f->s, &count, &f->err), f->err);
    assert_int_equal(count, 2); /* the old one and the cancelled one */
    assert_int_equal(one(f, "SELECT count(*) FROM job_file"), 4);
    assert_int_equal(one(f, "SELECT count(*) FROM job_file WHERE role = 'output' AND deleted_at IS NOT NULL"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM job_file_chunk"), 2); /* fresh and running */
    jobs_output_info o;
    assert_ok(jobs_output_info_get(f->s, old, &o, &f->err), f->err);
    assert_int_equal(o.deleted, 1);
    assert_int_equal(jobs_output_expired(&o), 1);
    char *back = NULL;
    size_t len = 0;
    assert_int_equal(jobs_output_read(f->s, old, &back, &len, &f->err), CORE_E_GONE);
    assert_ok(jobs_output_read(f->s, fresh, &back, &len, &f->err), f->err);
    free(back);
    assert_ok(jobs_files_expire(f->s, &count, &f->err), f->err);
    assert_int_equal(count, 0);
    /* past its time but not yet swept: expired all the same */
    snprintf(sql, sizeof sql, "UPDATE job_file SET expires_at = '2000-01-01T00:00:00Z' WHERE job_id = %lld",
             (long long)fresh);
    exec(f, sql);
    assert_ok(jobs_output_info_get(f->s, fresh, &o, &f->err), f->err);
    assert_int_equal(o.deleted, 0);
    assert_int_equal(jobs_output_expired(&o), 1);
}

static void too_large(void **state)
{
    fixture *f = *state;
    int64_t id = job(f, "succeeded");
    assert_int_equal(jobs_output_put(f->s, id, "big", "text/plain", "", (size_t)JOBS_OUTPUT_MAX + 1, &f->err),
                     CORE_E_INVALID_VALUE);
    assert_int_equal(one(f, "SELECT count(*) FROM job_file"), 0);
}

static void input(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    assert_ok(jobs_create_with_input(f->s, "partner_import", 0, "{}", "a.csv", "text/csv", "id,name\n1,x\n", 12, &id,
                                     &f->err),
              f->err);
    char *back = NULL;
    size_t len = 0;
    assert_ok(jobs_input_read(f->s, id, &back, &len, &f->err), f->err);
    assert_int_equal(len, 12);
    assert_memory_equal(back, "id,name\n1,x\n", 12);
    free(back);
    jobs_output_info o;
    assert_int_equal(jobs_output_info_get(f->s, id, &o, &f->err), CORE_E_NOT_FOUND); /* the input is not an output */
    assert_ok(jobs_output_put(f->s, id, "r.txt", "text/plain", "2: bad", 6, &f->err), f->err);
    int64_t count = -1;
    assert_ok(jobs_files_expire(f->s, &count, &f->err), f->err);
    assert_int_equal(count, 0); /* queued: its input is still wanted */
    exec(f, "UPDATE job SET state = 'succeeded', finished_at = '2026-01-01T00:00:00Z'");
    assert_ok(jobs_files_expire(f->s, &count, &f->err), f->err);
    assert_int_equal(count, 1); /* the input; the output keeps its 7 days */
    assert_int_equal(jobs_input_read(f->s, id, &back, &len, &f->err), CORE_E_GONE);
    assert_ok(jobs_output_read(f->s, id, &back, &len, &f->err), f->err);
    assert_int_equal(len, 6);
    free(back);
    /* too large: nothing queued */
    int64_t before = one(f, "SELECT count(*) FROM job");
    assert_int_equal(jobs_create_with_input(f->s, "partner_import", 0, "{}", "b.csv", "text/csv", "",
                                            (size_t)JOBS_OUTPUT_MAX + 1, &id, &f->err),
                     CORE_E_BODY_TOO_LARGE);
    assert_int_equal(one(f, "SELECT count(*) FROM job"), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(damage, setup, teardown),
        cmocka_unit_test_setup_teardown(expire, setup, teardown),
        cmocka_unit_test_setup_teardown(too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
