/*
 * test_jobs_runner.c — unit tests for the worker (jobs/jobs_runner.c): how a job process's end decides its
 * job (J3). The program the worker starts is a shell script written here, standing in for `hearth job run`:
 * it reads the job id from its arguments and behaves as the job's params say, so each case is one job:
 *   ok         progress then a result line, exit 0                 succeeded, with the result and its ref
 *   error      an error line, exit 0                               failed with that error
 *   oom        "hearth: fatal: out of memory" on stderr, abort     failed, out_of_memory, the limit in the hint
 *   crash      killed by SIGSEGV, no last line                     failed, job_crashed, the signal in the detail
 *   silent     exit 0 without a last line                          failed, job_crashed
 *   cancel     waits at a progress point until told to stop        cancelled (SIGTERM, exit JOBS_EXIT_CANCELLED)
 * and on_finish is called once per job with its outcome. Each job is waited for with a deadline (a stuck
 * worker fails the test; nothing is timed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "jobs/jobs.h"
#include "../test_tmpdb.h"

/* The stand-in for `hearth job run --db DB --job ID` ($6 is the id): one script, linked under the name of each
 * kind, behaving as its name says (each kind's runner starts the link of its own name). */
static const char SCRIPT[] =
    "#!/bin/sh\n"
    "# $0 job run --db DB --job ID; the kind is this script's name\n"
    "case \"$(basename \"$0\")\" in\n"
    "ok) echo '{\"progress\":{\"stage\":\"working\",\"done\":1,\"total\":2}}' >&3\n"
    "    echo \"{\\\"result\\\":{\\\"job\\\":$6},\\\"ref\\\":\\\"thing/$6\\\"}\" >&3; exit 0 ;;\n"
    "error) echo '{\"error\":{\"code\":\"not_found\",\"message\":\"not found\",\"detail\":\"no such dataset\","
    "\"hint\":\"import it\"}}' >&3; exit 0 ;;\n"
    "oom) echo 'hearth: fatal: out of memory' >&2; kill -ABRT $$ ;;\n"
    "crash) kill -SEGV $$ ;;\n"
    "silent) exit 0 ;;\n"
    "cancel) trap 'exit 75' TERM\n"
    "    echo '{\"progress\":{\"stage\":\"waiting\",\"done\":0,\"total\":0}}' >&3\n"
    "    while :; do sleep 0.05; done ;;\n"
    "esac\n"
    "exit 3\n";

static const char *const KINDS[] = {"ok", "error", "oom", "crash", "silent", "cancel", NULL};

typedef struct fixture {
    test_tmpdb t;
    store *s;
    core_error err;
    char program[700];
    int finished;
} fixture;

static void on_finish(void *ctx, const jobs_outcome *o)
{
    fixture *f = ctx;
    (void)o;
    __atomic_fetch_add(&f->finished, 1, __ATOMIC_SEQ_CST); /* called on each runner's own thread */
}

/* The job once it has finished (a new reference); fails the test past a generous deadline. */
static json_t *finished(fixture *f, int64_t id)
{
    time_t deadline = time(NULL) + 120;
    for (;;) {
        json_t *job = NULL;
        assert_ok(jobs_get(f->s, id, &job, &f->err), f->err);
        const char *st = json_string_value(json_object_get(job, "state"));
        if (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
            return job;
        json_decref(job);
        if (time(NULL) > deadline)
            fail_msg("job %lld never finished", (long long)id);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static const char *error_code(json_t *job)
{
    return json_string_value(json_object_get(json_object_get(job, "error"), "code"));
}

static void ends(void **state)
{
    fixture *f = *state;
    /* one script, linked under each kind's name (in the scratch directory, removed with it) */
    const char *dir = f->t.dir;
    snprintf(f->program, sizeof f->program, "%s/ok", dir);
    FILE *fp = fopen(f->program, "w");
    assert_non_null(fp);
    fputs(SCRIPT, fp);
    fclose(fp);
    assert_int_equal(chmod(f->program, 0700), 0);
    for (int i = 1; KINDS[i]; i++) {
        char link[700];
        snprintf(link, sizeof link, "%s/%s", dir, KINDS[i]);
        assert_int_equal(symlink(f->program, link), 0);
    }
    /* each kind gets its own runner, whose program is that kind's name */
    int64_t ids[6];
    for (int i = 0; KINDS[i]; i++)
        assert_ok(jobs_create(f->s, KINDS[i], 0, "{}", 0, &ids[i], &f->err), f->err);
    jobs_runner *r[6];
    char programs[6][700];
    for (int i = 0; KINDS[i]; i++) {
        snprintf(programs[i], sizeof programs[i], "%s/%s", dir, KINDS[i]);
        static const char *one[6][2];
        one[i][0] = KINDS[i];
        one[i][1] = NULL;
        jobs_runner_config cfg = {.db = f->t.path, .program = programs[i], .kinds = one[i], .memory_mb = 512,
                                  .on_finish = on_finish, .ctx = f};
        assert_ok(jobs_runner_start(&r[i], &cfg, &f->err), f->err);
    }

    json_t *job = finished(f, ids[0]);
    assert_string_equal(json_string_value(json_object_get(job, "state")), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(job, "result"), "job")), ids[0]);
    char ref[32];
    snprintf(ref, sizeof ref, "thing/%lld", (long long)ids[0]);
    assert_string_equal(json_string_value(json_object_get(job, "result_ref")), ref);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(job, "progress"), "done")), 1);
    json_decref(job);

    job = finished(f, ids[1]);
    assert_string_equal(json_string_value(json_object_get(job, "state")), "failed");
    assert_string_equal(error_code(job), "not_found");
    assert_string_equal(json_string_value(json_object_get(json_object_get(job, "error"), "hint")), "import it");
    json_decref(job);

    job = finished(f, ids[2]);
    assert_string_equal(json_string_value(json_object_get(job, "state")), "failed");
    assert_string_equal(error_code(job), "out_of_memory");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(job, "error"), "hint")), "512 MiB"));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(job, "error"), "detail")),
                           "out of memory"));
    json_decref(job);

    job = finished(f, ids[3]);
    assert_string_equal(error_code(job), "job_crashed");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(job, "error"), "detail")),
                           "signal 11"));
    json_decref(job);

    job = finished(f, ids[4]);
    assert_string_equal(error_code(job), "job_crashed");
    json_decref(job);

    /* cancel: once it is running at its progress point */
    time_t deadline = time(NULL) + 120;
    for (;;) {
        assert_ok(jobs_get(f->s, ids[5], &job, &f->err), f->err);
        const char *msg = json_string_value(json_object_get(json_object_get(job, "progress"), "message"));
        int waiting = msg && strcmp(msg, "waiting") == 0;
        json_decref(job);
        if (waiting)
            break;
        if (time(NULL) > deadline)
            fail_msg("the cancel job never reached its progress point");
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    const char *st = NULL;
    assert_ok(jobs_cancel(f->s, ids[5], 0, &st, &f->err), f->err);
    assert_string_equal(st, "running");
    job = finished(f, ids[5]);
    assert_string_equal(json_string_value(json_object_get(job, "state")), "cancelled");
    assert_string_equal(error_code(job), "cancelled");
    json_decref(job);

    for (int i = 0; KINDS[i]; i++)
        jobs_runner_stop(r[i]);
    assert_int_equal(__atomic_load_n(&f->finished, __ATOMIC_SEQ_CST), 6);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->t) != 0)
        return -1;
    if (store_open(&f->s, f->t.path, &f->err) != 0 || store_migrate(f->s, &f->err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    test_tmpdb_remove(&f->t);
    free(f);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ends, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
