/*
 * test_jobs_store.c — unit tests for the job table (jobs/jobs_store.c) and the job messages (jobs_message.c):
 *   queue     a job reads back queued with its params; an exclusive kind refuses a second while one waits or
 *             runs, naming it, and takes one again once it has finished; a plain kind queues many;
 *   claim     the oldest queued job first; one at a time per kind (J2); another kind is not held up; nothing
 *             queued claims nothing;
 *   running   progress and the lease are recorded; only the worker holding a job finishes it, once (J1);
 *   cancel    a queued job at once, a running one flagged, a finished one refused, an unknown one absent;
 *   recover   a running job whose lease ran out is failed as interrupted, not one still leased nor the
 *             worker's own (J4);
 *   list      the owner's or everyone's, newest first, with a cursor;
 *   messages  the three kinds parse; anything else is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/jobs.h"
#include "test_jobs_fixture.h"

static const char *state_of(fixture *f, int64_t id, json_t **keep)
{
    assert_ok(jobs_get(f->s, id, keep, &f->err), f->err);
    return json_string_value(json_object_get(*keep, "state"));
}

static void queue(void **state)
{
    fixture *f = *state;
    int64_t id = 0, other = 0;
    assert_ok(jobs_create(f->s, "link_run", 0, "{\"dataset\":\"school\"}", 1, &id, &f->err), f->err);
    json_t *job = NULL;
    assert_string_equal(state_of(f, id, &job), "queued");
    assert_string_equal(json_string_value(json_object_get(json_object_get(job, "params"), "dataset")), "school");
    assert_true(json_is_null(json_object_get(job, "created_by")));
    assert_true(json_is_null(json_object_get(job, "error")));
    char url[48];
    snprintf(url, sizeof url, "/api/v1/jobs/%lld", (long long)id);
    assert_string_equal(json_string_value(json_object_get(job, "url")), url);
    json_decref(job);

    /* exclusive: a second is refused while the first waits, naming it */
    assert_int_equal(jobs_create(f->s, "link_run", 0, "{}", 1, &other, &f->err), CORE_E_CONFLICT);
    char named[32];
    snprintf(named, sizeof named, "(job %lld)", (long long)id);
    assert_non_null(strstr(f->err.detail, named));
    assert_true(f->err.hint[0] != '\0');
    assert_int_equal(one(f, "SELECT count(*) FROM job"), 1);

    /* a plain kind queues as many as asked */
    assert_ok(jobs_create(f->s, "extract", 0, "{}", 0, &other, &f->err), f->err);
    assert_ok(jobs_create(f->s, "extract", 0, "{}", 0, &other, &f->err), f->err);

    /* once the exclusive one has finished, another may be asked for */
    int64_t claimed = 0;
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &claimed, &f->err), 1);
    assert_int_equal(jobs_create(f->s, "link_run", 0, "{}", 1, &other, &f->err), CORE_E_CONFLICT);
    assert_ok(jobs_finish(f->s, claimed, "w1", "succeeded", "{\"n\":1}", "link_run/1", NULL, &f->err), f->err);
    assert_ok(jobs_create(f->s, "link_run", 0, "{}", 1, &other, &f->err), f->err);
}

static void claim(void **state)
{
    fixture *f = *state;
    int64_t a = 0, b = 0, c = 0, got = 0;
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &got, &f->err), 0);
    assert_ok(jobs_create(f->s, "link_run", 0, "{}", 0, &a, &f->err), f->err);
    assert_ok(jobs_create(f->s, "link_run", 0, "{}", 0, &b, &f->err), f->err);
    assert_ok(jobs_create(f->s, "extract", 0, "{}", 0, &c, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &got, &f->err), 1);
    assert_int_equal(got, a);
    /* one at a time per kind: another worker (another server) gets nothing while a runs */
    got = 0;
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w2", 60, &got, &f->err), 0);
    assert_int_equal(got, 0);
    /* another kind is not held up */
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "extract", "w2", 60, &got, &f->err), 1);
    assert_int_equal(got, c);
    json_t *job = NULL;
    assert_string_equal(state_of(f, a, &job), "running");
    assert_true(json_is_string(json_object_get(job, "started_at")));
    json_decref(job);
    assert_ok(jobs_finish(f->s, a, "w1", "succeeded", NULL, NULL, NULL, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w2", 60, &got, &f->err), 1);
    assert_int_equal(got, b);
}

static void running(void **state)
{
    fixture *f = *state;
    int64_t id = 0, got = 0;
    int cancel = -1;
    assert_ok(jobs_create(f->s, "link_run", 7, "{}", 0, &id, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &got, &f->err), 1);
    assert_ok(jobs_progress(f->s, id, "w1", 40, 200, "comparing", &f->err), f->err);
    json_t *job = NULL;
    assert_string_equal(state_of(f, id, &job), "running");
    json_t *p = json_object_get(job, "progress");
    assert_int_equal(json_integer_value(json_object_get(p, "done")), 40);
    assert_int_equal(json_integer_value(json_object_get(p, "total")), 200);
    assert_string_equal(json_string_value(json_object_get(p, "message")), "comparing");
    assert_int_equal(json_integer_value(json_object_get(job, "created_by")), 7);
    json_decref(job);
    assert_ok(jobs_heartbeat(f->s, id, "w1", 60, &cancel, &f->err), f->err);
    assert_int_equal(cancel, 0);
    assert_int_equal(one(f, "SELECT count(*) FROM job WHERE lease_until > heartbeat_at"), 1);
    /* someone else's worker neither renews nor finishes it */
    assert_int_equal(jobs_heartbeat(f->s, id, "w2", 60, &cancel, &f->err), CORE_E_NOT_FOUND);
    jobs_error e;
    jobs_error_set(&e, "out_of_memory", "the job ran out of memory", "its process was ended by signal 9", "raise it");
    assert_int_equal(jobs_finish(f->s, id, "w2", "failed", NULL, NULL, &e, &f->err), CORE_E_NOT_FOUND);
    assert_ok(jobs_finish(f->s, id, "w1", "failed", NULL, NULL, &e, &f->err), f->err);
    /* once finished, never again (J1) */
    assert_int_equal(jobs_finish(f->s, id, "w1", "succeeded", "{}", NULL, NULL, &f->err), CORE_E_NOT_FOUND);
    assert_string_equal(state_of(f, id, &job), "failed");
    json_t *err = json_object_get(job, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "out_of_memory");
    assert_string_equal(json_string_value(json_object_get(err, "hint")), "raise it");
    assert_true(json_is_null(json_object_get(job, "result")));
    assert_true(json_is_string(json_object_get(job, "finished_at")));
    json_decref(job);
}

static void cancel(void **state)
{
    fixture *f = *state;
    int64_t queued = 0, run = 0, got = 0;
    const char *st = NULL;
    int flag = -1;
    assert_ok(jobs_create(f->s, "link_run", 7, "{}", 0, &run, &f->err), f->err);
    assert_ok(jobs_create(f->s, "link_run", 7, "{}", 0, &queued, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &got, &f->err), 1);
    assert_int_equal(got, run);
    /* a queued job is cancelled at once, and never claimed */
    assert_ok(jobs_cancel(f->s, queued, 8, &st, &f->err), f->err);
    assert_string_equal(st, "cancelled");
    json_t *job = NULL;
    assert_string_equal(state_of(f, queued, &job), "cancelled");
    assert_string_equal(json_string_value(json_object_get(json_object_get(job, "error"), "code")), "cancelled");
    json_decref(job);
    /* a running one is flagged for its worker, who sees it by a read and by the heartbeat */
    assert_ok(jobs_cancel_asked(f->s, run, &flag, &f->err), f->err);
    assert_int_equal(flag, 0);
    assert_ok(jobs_cancel(f->s, run, 8, &st, &f->err), f->err);
    assert_string_equal(st, "running");
    assert_ok(jobs_cancel_asked(f->s, run, &flag, &f->err), f->err);
    assert_int_equal(flag, 1);
    assert_ok(jobs_heartbeat(f->s, run, "w1", 60, &flag, &f->err), f->err);
    assert_int_equal(flag, 1);
    jobs_error e;
    jobs_error_set(&e, "cancelled", "the job was cancelled while it ran", NULL, NULL);
    assert_ok(jobs_finish(f->s, run, "w1", "cancelled", NULL, NULL, &e, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "link_run", "w1", 60, &got, &f->err), 0);
    /* finished: refused; unknown: absent */
    assert_int_equal(jobs_cancel(f->s, run, 8, &st, &f->err), CORE_E_CONFLICT);
    assert_int_equal(jobs_cancel(f->s, 999, 8, &st, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(one(f, "SELECT cancelled_by FROM job WHERE id = 1"), 8);
}

static void recover(void **state)
{
    fixture *f = *state;
    int64_t lost = 0, leased = 0, own = 0, got = 0, n = -1;
    assert_ok(jobs_create(f->s, "a", 0, "{}", 0, &lost, &f->err), f->err);
    assert_ok(jobs_create(f->s, "b", 0, "{}", 0, &leased, &f->err), f->err);
    assert_ok(jobs_create(f->s, "c", 0, "{}", 0, &own, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "a", "dead", 60, &got, &f->err), 1);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "b", "alive", 60, &got, &f->err), 1);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "c", "me", 60, &got, &f->err), 1);
    /* the dead worker's lease and this worker's own ran out long ago (before any clock a test sets) */
    assert_ok(store_exec_script(f->s, "UPDATE job SET lease_until = '1970-01-02T00:00:00Z' WHERE kind IN ('a', 'c')",
                                &f->err),
              f->err);
    assert_ok(jobs_recover(f->s, "me", &n, &f->err), f->err);
    assert_int_equal(n, 1);
    json_t *job = NULL;
    assert_string_equal(state_of(f, lost, &job), "failed");
    json_t *e = json_object_get(job, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "job_interrupted");
    assert_string_equal(json_string_value(json_object_get(e, "hint")), "start it again");
    json_decref(job);
    assert_string_equal(state_of(f, leased, &job), "running");
    json_decref(job);
    assert_string_equal(state_of(f, own, &job), "running");
    json_decref(job);
    /* the dead worker can no longer finish it, and the kind runs again */
    assert_int_equal(jobs_finish(f->s, lost, "dead", "succeeded", "{}", NULL, NULL, &f->err), CORE_E_NOT_FOUND);
    assert_ok(jobs_create(f->s, "a", 0, "{}", 0, &n, &f->err), f->err);
    assert_int_equal(jobs_claim(f->s, JOBS_SQLITE, "a", "me", 60, &got, &f->err), 1);
}

static void list(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    for (int i = 0; i < 5; i++)
        assert_ok(jobs_create(f->s, "extract", i % 2 ? 7 : 8, "{}", 0, &id, &f->err), f->err);
    json_t *page = NULL;
    assert_ok(jobs_list(f->s, 0, 0, 3, &page, &f->err), f->err);
    json_t *items = json_object_get(page, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 5);
    assert_string_equal(json_string_value(json_object_get(page, "next")), "3");
    json_decref(page);
    assert_ok(jobs_list(f->s, 0, 3, 3, &page, &f->err), f->err);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
    assert_true(json_is_null(json_object_get(page, "next")));
    json_decref(page);
    assert_ok(jobs_list(f->s, 7, 0, 50, &page, &f->err), f->err);
    items = json_object_get(page, "items");
    assert_int_equal(json_array_size(items), 2);
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "created_by")), 7);
    json_decref(page);
    assert_int_equal(jobs_list(f->s, 0, 0, 0, &page, &f->err), CORE_E_BAD_PARAMETER);
    assert_int_equal(jobs_get(f->s, 99, &page, &f->err), CORE_E_NOT_FOUND);
}

static int parse(const char *line, jobs_message *m)
{
    core_error err;
    core_error_clear(&err);
    return jobs_message_parse(line, strlen(line), m, &err);
}

static void messages(void **state)
{
    (void)state;
    jobs_message m;
    assert_int_equal(parse("{\"progress\":{\"stage\":\"comparing\",\"done\":3,\"total\":10}}", &m), 0);
    assert_int_equal(m.type, JOBS_MSG_PROGRESS);
    assert_string_equal(m.stage, "comparing");
    assert_true(m.done == 3 && m.total == 10);
    jobs_message_release(&m);
    assert_int_equal(parse("{\"result\":{\"id\":4},\"ref\":\"link_run/4\"}", &m), 0);
    assert_int_equal(m.type, JOBS_MSG_RESULT);
    assert_string_equal(m.ref, "link_run/4");
    assert_int_equal(json_integer_value(json_object_get(m.result, "id")), 4);
    jobs_message_release(&m);
    assert_int_equal(parse("{\"error\":{\"code\":\"not_found\",\"message\":\"not found\",\"detail\":\"x\","
                           "\"hint\":\"\"}}",
                           &m),
                     0);
    assert_int_equal(m.type, JOBS_MSG_ERROR);
    assert_string_equal(m.error.code, "not_found");
    jobs_message_release(&m);
    static const char *const bad[] = {
        "", "[]", "null", "{}", "{\"progress\":{\"stage\":\"x\",\"done\":-1,\"total\":1}}",
        "{\"progress\":{\"stage\":1,\"done\":1,\"total\":1}}", "{\"progress\":{\"stage\":\"x\",\"done\":1}}",
        "{\"result\":{},\"other\":1}", "{\"result\":[]}", "{\"error\":{\"code\":\"x\"}}",
        "{\"progress\":{\"stage\":\"x\",\"done\":1,\"total\":1},\"error\":{}}", "{\"result\":{},\"ref\":3}",
        "{\"result\":{},\"result\":{}}", "{\"progress\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i], &m);
        if (rc == 0)
            fail_msg("accepted: %s", bad[i]);
        jobs_message_release(&m);
    }
    assert_int_equal(jobs_dialect_of("postgres://h/db"), JOBS_POSTGRES);
    assert_int_equal(jobs_dialect_of("postgresql://h/db"), JOBS_POSTGRES);
    assert_int_equal(jobs_dialect_of("/var/hearth.db"), JOBS_SQLITE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(queue, setup, teardown),
        cmocka_unit_test_setup_teardown(claim, setup, teardown),
        cmocka_unit_test_setup_teardown(running, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(recover, setup, teardown),
        cmocka_unit_test_setup_teardown(list, setup, teardown),
        cmocka_unit_test(messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
