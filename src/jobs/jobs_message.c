/*
 * jobs_message.c — the lines a job process sends its worker on the message pipe, and the job process's side
 * of sending them (jobs.h: the job process's side, the messages).
 *
 * One JSON object per line, at most JOBS_MESSAGE_MAX bytes:
 *   {"progress": {"stage": TEXT, "done": N, "total": N}}   at a progress point
 *   {"result": {...}, "ref": TEXT}                          the job succeeded (its last line)
 *   {"error": {"code", "message", "detail", "hint"}}         the job failed (its last line)
 * The worker trusts nothing in them: jobs_message_parse refuses anything else (a libFuzzer driver runs it:
 * tests/fuzz/fuzz_jobs_message.c), and a job process that ends without a last line has failed.
 *
 * Progress is sent when the stage changes or done passes another hundredth of total, so a run of a million
 * rows sends a few hundred lines. At every progress point the job process stops if its worker asked it to
 * (SIGTERM sets a flag; nothing else happens in the handler): _exit(JOBS_EXIT_CANCELLED), leaving whatever
 * transaction was open uncommitted, so the database is as it was. A test build (-Dtest_clock=true) also
 * waits at a progress point while the file HEARTH_TEST_JOB_HOLD names exists, so the suites can see a job
 * running, cancel it and kill its server at a known point without timing anything.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobs/jobs.h"

/* ---- parsing ---- */

static int text_field(const json_t *o, const char *key, char *dst, size_t cap, int required, core_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v && !required) {
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return core_error_set(err, CORE_E_INVALID_VALUE, "a job message's %s is not text", key);
    snprintf(dst, cap, "%s", json_string_value(v));
    return 0;
}

static int count_field(const json_t *o, const char *key, uint64_t *out, core_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "a job message's %s is not a count", key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int jobs_message_parse(const char *line, size_t len, jobs_message *m, core_error *err)
{
    memset(m, 0, sizeof *m);
    if (len > JOBS_MESSAGE_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "a job message is longer than %d bytes",
                              JOBS_MESSAGE_MAX);
    json_error_t je;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return core_error_set(err, CORE_E_INVALID_JSON, "a job message is not a JSON object");
    }
    int rc = 0;
    const json_t *p = json_object_get(root, "progress"), *r = json_object_get(root, "result"),
                 *e = json_object_get(root, "error");
    if (json_object_size(root) == 1 && json_is_object(p)) {
        m->type = JOBS_MSG_PROGRESS;
        rc = text_field(p, "stage", m->stage, sizeof m->stage, 1, err);
        if (rc == 0)
            rc = count_field(p, "done", &m->done, err);
        if (rc == 0)
            rc = count_field(p, "total", &m->total, err);
    } else if (json_is_object(r) && json_object_size(root) <= 2 &&
               (json_object_size(root) == 1 || json_object_get(root, "ref"))) {
        m->type = JOBS_MSG_RESULT;
        rc = text_field(root, "ref", m->ref, sizeof m->ref, 0, err);
        if (rc == 0)
            m->result = json_incref((json_t *)r);
    } else if (json_object_size(root) == 1 && json_is_object(e)) {
        m->type = JOBS_MSG_ERROR;
        jobs_error *x = &m->error;
        rc = text_field(e, "code", x->code, sizeof x->code, 1, err);
        if (rc == 0)
            rc = text_field(e, "message", x->message, sizeof x->message, 1, err);
        if (rc == 0)
            rc = text_field(e, "detail", x->detail, sizeof x->detail, 0, err);
        if (rc == 0)
            rc = text_field(e, "hint", x->hint, sizeof x->hint, 0, err);
    } else {
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a job message is none of progress, result and error");
    }
    json_decref(root);
    return rc;
}

void jobs_message_release(jobs_message *m)
{
    json_decref(m->result);
    m->result = NULL;
}

/* ---- the job process's side ---- */

static int msg_fd = -1;
static volatile sig_atomic_t cancelled;
static char last_stage[128];
static uint64_t last_done, last_total;
static int sent_any;

static void on_term(int sig)
{
    (void)sig;
    cancelled = 1;
}

void jobs_child_init(int fd)
{
    msg_fd = fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int jobs_child_cancelled(void)
{
    return cancelled != 0;
}

/* Write one line; -1 when the pipe is gone (the worker is). */
static int send_line(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text || msg_fd < 0) {
        free(text);
        return -1;
    }
    size_t len = strlen(text), off = 0;
    int rc = 0;
    text[len] = '\n'; /* json_dumps' terminator becomes the line's end */
    while (rc == 0 && off < len + 1) {
        ssize_t w = write(msg_fd, text + off, len + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = -1;
        else
            off += (size_t)w;
    }
    free(text);
    return rc;
}

#ifdef HEARTH_TEST_CLOCK
/* A test build's hold (see the top of this file): wait while the file exists, stopping if cancelled. */
static void test_hold(void)
{
    const char *path = getenv("HEARTH_TEST_JOB_HOLD");
    struct timespec pause = {0, 20 * 1000 * 1000};
    while (path && *path && access(path, F_OK) == 0 && !cancelled)
        nanosleep(&pause, NULL);
}
#endif

void jobs_child_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (!stage)
        stage = "";
    int changed = !sent_any || strncmp(stage, last_stage, sizeof last_stage - 1) != 0 || total != last_total;
    int step = total ? (done * 100 / total) != (last_done * 100 / (total ? total : 1)) : done != last_done;
    if (changed || step || done == total) {
        json_t *o = json_pack("{s:{s:s,s:I,s:I}}", "progress", "stage", stage, "done", (json_int_t)done, "total",
                              (json_int_t)total);
        if (o)
            send_line(o);
        snprintf(last_stage, sizeof last_stage, "%s", stage);
        last_done = done;
        last_total = total;
        sent_any = 1;
    }
#ifdef HEARTH_TEST_CLOCK
    test_hold();
#endif
    if (cancelled)
        _exit(JOBS_EXIT_CANCELLED); /* nothing committed: the open transaction dies with the process */
}

int jobs_child_result(const json_t *result, const char *ref)
{
    json_t *o = json_pack("{s:O,s:s?}", "result", (json_t *)result, "ref", ref);
    return o ? send_line(o) : -1;
}

int jobs_child_error(const core_error *e)
{
    json_t *o = json_pack("{s:{s:s,s:s,s:s,s:s}}", "error", "code", core_error_name(e->code), "message",
                          e->message[0] ? e->message : core_error_default_message(e->code), "detail", e->detail,
                          "hint", e->hint);
    return o ? send_line(o) : -1;
}
