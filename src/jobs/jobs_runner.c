/*
 * jobs_runner.c — the worker threads of `hearth serve`: claim a queued job, run it in a process of its own,
 * follow it, finish it (contract in jobs.h; the design in src/jobs/README.md).
 *
 * A worker thread per kind. Its loop: fail what dead workers left running (jobs_recover, J4; once per runner
 * every half lease), claim the oldest queued job of its kind (jobs_claim, J2), run it, and otherwise sleep
 * until woken (a request queued one) or a second has passed (another server queued one).
 *
 * Database handles. An idle worker holds none: the sweeps and claims of every worker go through the runner's
 * one idle handle, one worker at a time (idle_mu), opened when first needed and reopened after an error that
 * may have broken it. A worker that claims a job opens a handle of its own for the job (its progress, lease,
 * cancel flag and end) and closes it when the job is finished, so a server holds one handle for its idle
 * workers plus one per job running, not one per kind (six PostgreSQL connections) while nothing runs.
 *
 * Running a job (run_job): the program (`hearth job run --db DB --job ID`) is started with fork and execve;
 * between the two the child asks to be killed when the worker's thread ends (PR_SET_PDEATHSIG: a server
 * killed with -9 takes its jobs with it), takes the memory limit, and gets the message pipe as descriptor
 * JOBS_CHILD_FD and a pipe for its stderr. The memory limit is RLIMIT_DATA (the private writable memory:
 * heap, anonymous mappings, thread stacks; not code, shared libraries or reserved address space); a build
 * with AddressSanitizer reserves terabytes for its shadow, which RLIMIT_DATA and RLIMIT_AS both count, so
 * there the limit is ASan's own mmap_limit_mb (the memory its allocator maps, shadow excluded), passed in
 * ASAN_OPTIONS. Either way an allocation past the
 * limit ends the child, and J3 does the rest.
 *
 * Following it: poll() on both pipes with a 250 ms tick. The latest progress line goes to the job row (at most
 * once a second: while the child holds the database's write lock each write waits); the last few
 * hundred bytes of stderr are kept for the error's detail; every third of the lease the lease is renewed,
 * which also says whether a cancel was asked for: the child is then sent SIGTERM (it stops at its next
 * progress point) and, JOBS_CANCEL_GRACE_SECONDS later, SIGKILL. A database that is busy (the child holds
 * the write lock while it keeps its results) only delays these writes. When both pipes are closed the child
 * is reaped, and its end decides the job:
 *   exit 0 with a result line        succeeded
 *   exit 0 with an error line        failed with that error (out_of_memory when it says "out of memory")
 *   exit JOBS_EXIT_CANCELLED, or killed after a cancel     cancelled
 *   anything else                    failed: out_of_memory when its stderr says so or the kernel killed it
 *                                    (SIGKILL not sent by us), else job_crashed
 * The final state is written until it is written (a busy database is retried), then on_finish is called.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core_clock.h"
#include "core/core_log.h"
#include "jobs/jobs.h"

#if defined(__SANITIZE_ADDRESS__)
#define JOBS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JOBS_ASAN 1
#endif
#endif

extern char **environ;

enum { TAIL_MAX = 400, TICK_MS = 250, FINISH_TRIES = 120 };

typedef struct worker {
    struct jobs_runner *r;
    const char *kind;
    pthread_t thread;
    int started;
} worker;

struct jobs_runner {
    jobs_runner_config cfg;
    char id[96];                 /* this server's workers: host:pid:random */
    char program[4096];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping, woken;
    size_t nworkers;
    worker *workers;
    /* the idle workers' one database handle and the sweep's schedule, under idle_mu */
    pthread_mutex_t idle_mu;
    store *idle_db;
    int idle_open_failed;        /* logged once until it opens again */
    int swept_once;
    struct timespec swept;
};

/* One running job, as its worker follows it. */
typedef struct running {
    int64_t id;
    pid_t pid;
    int msg_fd, err_fd;
    char line[JOBS_MESSAGE_MAX + 2];
    size_t line_len;
    int line_overflow;
    char tail[TAIL_MAX + 1];     /* the end of the child's stderr */
    int have_result, have_error, bad_message;
    json_t *result;
    char ref[128];
    jobs_error error;
    int term_sent, kill_sent;
    struct timespec term_at;
    /* the latest progress not yet written: only the latest is written, at most once a second, so a database
     * the child holds locked for minutes costs one wait a second, not one per line */
    int progress_pending;
    uint64_t done, total;
    char stage[128];
    struct timespec progress_at;
} running;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int is_stopping(jobs_runner *r)
{
    pthread_mutex_lock(&r->mu);
    int s = r->stopping;
    pthread_mutex_unlock(&r->mu);
    return s;
}

/* ---- starting the child ---- */

/* The environment for the child: ours, with ASAN_OPTIONS carrying the memory limit in an ASan build. */
static char **child_env(const jobs_runner *r, char *asan, size_t cap)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    const char *old = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0)
            old = environ[i] + 13;
        else
            env[k++] = environ[i];
    }
#ifdef JOBS_ASAN
    if (r->cfg.memory_mb) {
        snprintf(asan, cap, "ASAN_OPTIONS=%s%smmap_limit_mb=%" PRIu64, old ? old : "", old && *old ? ":" : "",
                 r->cfg.memory_mb);
        env[k++] = asan;
        old = NULL;
    }
#else
    (void)r;
    (void)cap;
#endif
    if (old) {
        snprintf(asan, cap, "ASAN_OPTIONS=%s", old);
        env[k++] = asan;
    }
    env[k] = NULL;
    return env;
}

static int start_child(jobs_runner *r, running *j, core_error *err)
{
    char idtext[24], asan[1024];
    snprintf(idtext, sizeof idtext, "%" PRId64, j->id);
    char *argv[] = {r->program, "job", "run", "--db", (char *)r->cfg.db, "--job", idtext, NULL};
    char **env = child_env(r, asan, sizeof asan);
    int msg[2] = {-1, -1}, errp[2] = {-1, -1};
    if (!env || pipe2(msg, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
        free(env);
        for (int i = 0; i < 2; i++) {
            if (msg[i] >= 0)
                close(msg[i]);
            if (errp[i] >= 0)
                close(errp[i]);
        }
        return core_error_set(err, CORE_E_INTERNAL, "the job's process could not be started: %s", strerror(errno));
    }
    struct rlimit lim = {(rlim_t)r->cfg.memory_mb << 20, (rlim_t)r->cfg.memory_mb << 20};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) { /* the child: only async-signal-safe calls until execve */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(msg[1], JOBS_CHILD_FD);
        dup2(errp[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
#ifndef JOBS_ASAN
        if (r->cfg.memory_mb)
            setrlimit(RLIMIT_DATA, &lim);
#else
        (void)lim;
#endif
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(argv[0], argv, env);
        _exit(127);
    }
    free(env);
    close(msg[1]);
    close(errp[1]);
    if (pid < 0) {
        close(msg[0]);
        close(errp[0]);
        return core_error_set(err, CORE_E_INTERNAL, "the job's process could not be started: %s", strerror(errno));
    }
    j->pid = pid;
    j->msg_fd = msg[0];
    j->err_fd = errp[0];
    return 0;
}

/* ---- following it ---- */

/* Write the latest progress if a second has passed since the last write (or now, when force). */
static void write_progress(jobs_runner *r, store *s, running *j, int force)
{
    if (!j->progress_pending || (!force && since(&j->progress_at) < 1))
        return;
    core_error err;
    core_error_clear(&err);
    int rc = jobs_progress(s, j->id, r->id, j->done, j->total, j->stage, &err);
    clock_gettime(CLOCK_MONOTONIC, &j->progress_at);
    if (rc == 0 || err.code != CORE_E_BUSY)
        j->progress_pending = 0;
    if (rc != 0 && err.code != CORE_E_BUSY)
        core_log(CORE_LOG_WARN, "job_progress_not_recorded", "detail", err.detail, CORE_LOG_END);
}

static void take_line(running *j)
{
    jobs_message m;
    core_error err;
    core_error_clear(&err);
    if (j->line_overflow || jobs_message_parse(j->line, j->line_len, &m, &err) != 0) {
        j->bad_message = 1;
        jobs_message_release(&m);
        return;
    }
    switch (m.type) {
    case JOBS_MSG_PROGRESS:
        j->done = m.done;
        j->total = m.total;
        snprintf(j->stage, sizeof j->stage, "%s", m.stage);
        j->progress_pending = 1;
        break;
    case JOBS_MSG_RESULT:
        json_decref(j->result);
        j->result = json_incref(m.result);
        snprintf(j->ref, sizeof j->ref, "%s", m.ref);
        j->have_result = 1;
        break;
    case JOBS_MSG_ERROR:
        j->error = m.error;
        j->have_error = 1;
        break;
    }
    jobs_message_release(&m);
}

/* Read what the message pipe has; 0 at its end. */
static int read_messages(running *j)
{
    char buf[4096];
    ssize_t n = read(j->msg_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            take_line(j);
            j->line_len = 0;
            j->line_overflow = 0;
        } else if (j->line_len < sizeof j->line - 1) {
            j->line[j->line_len++] = buf[i];
        } else {
            j->line_overflow = 1;
        }
    }
    return 1;
}

/* Keep the end of the child's stderr; 0 at its end. */
static int read_stderr(running *j)
{
    char buf[2048];
    ssize_t n = read(j->err_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    size_t have = strlen(j->tail), add = (size_t)n > TAIL_MAX ? TAIL_MAX : (size_t)n;
    const char *from = buf + (size_t)n - add;
    if (have + add > TAIL_MAX) {
        memmove(j->tail, j->tail + (have + add - TAIL_MAX), have - (have + add - TAIL_MAX));
        have -= have + add - TAIL_MAX;
    }
    memcpy(j->tail + have, from, add);
    j->tail[have + add] = '\0';
    return 1;
}

static void signal_child(running *j, int sig)
{
    if (j->pid > 0)
        kill(j->pid, sig);
}

/* The last line of the child's stderr, printable ASCII only, for an error's detail. */
static void tail_line(const running *j, char *out, size_t cap)
{
    size_t len = strlen(j->tail);
    while (len && (j->tail[len - 1] == '\n' || j->tail[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start && j->tail[start - 1] != '\n')
        start--;
    size_t k = 0;
    for (size_t i = start; i < len && k + 1 < cap; i++)
        out[k++] = j->tail[i] >= 0x20 && j->tail[i] < 0x7f ? j->tail[i] : '?';
    out[k] = '\0';
}

static void memory_hint(const jobs_runner *r, char *hint, size_t cap)
{
    if (r->cfg.memory_mb)
        snprintf(hint, cap, "each job may use %" PRIu64 " MiB (hearth serve --job-memory MB): raise it, or run a "
                            "smaller dataset", r->cfg.memory_mb);
    else
        snprintf(hint, cap, "give the server more memory, or run a smaller dataset");
}

/* How the job ended, from the child's status and last words. Returns the state. */
static const char *judge(const jobs_runner *r, running *j, int status, int stopped, jobs_error *e)
{
    char last[200], detail[256];
    tail_line(j, last, sizeof last);
    int exited = WIFEXITED(status), code = exited ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (exited && code == 0 && j->have_result && !j->bad_message)
        return "succeeded";
    if (exited && code == 0 && j->have_error) {
        *e = j->error;
        if (strstr(e->detail, "out of memory") || strstr(e->message, "out of memory")) { /* said, not died */
            char hint[192];
            memory_hint(r, hint, sizeof hint);
            jobs_error_set(e, "out_of_memory", "the job ran out of memory", j->error.detail, hint);
        }
        return strcmp(e->code, "cancelled") == 0 ? "cancelled" : "failed";
    }
    if (j->term_sent && !stopped && ((exited && code == JOBS_EXIT_CANCELLED) || sig == SIGKILL || sig == SIGTERM)) {
        jobs_error_set(e, "cancelled", "the job was cancelled while it ran",
                       "it stopped at a progress point; nothing it had not finished was kept", NULL);
        return "cancelled";
    }
    if (stopped) {
        jobs_error_set(e, "job_interrupted", "the job stopped when the server running it stopped",
                       "nothing it had not finished was kept", "start it again");
        return "failed";
    }
    if (exited)
        snprintf(detail, sizeof detail, "its process exited with status %d%s%s", code, last[0] ? ": " : "", last);
    else
        snprintf(detail, sizeof detail, "its process was ended by signal %d%s%s", sig, last[0] ? ": " : "", last);
    int oom = strstr(j->tail, "out of memory") || strstr(j->tail, "mmap_limit_mb") ||
              strstr(j->tail, "rss_limit") || strstr(j->tail, "allocation-size-too-big") ||
              strstr(j->tail, "out-of-memory") || sig == SIGKILL;
    if (oom) {
        char hint[192];
        memory_hint(r, hint, sizeof hint);
        jobs_error_set(e, "out_of_memory", "the job ran out of memory", detail, hint);
    } else {
        jobs_error_set(e, "job_crashed", "the job's process ended without finishing", detail,
                       "the server's log has the job's last words (event job_process_ended)");
    }
    return "failed";
}

/* Write the final state, retrying while the database is busy. */
static int finish(jobs_runner *r, store *s, running *j, const char *state, const jobs_error *e)
{
    char *result = j->result && strcmp(state, "succeeded") == 0 ? json_dumps(j->result, JSON_COMPACT) : NULL;
    core_error err;
    int rc = 0;
    for (int i = 0; i < FINISH_TRIES; i++) {
        core_error_clear(&err);
        rc = jobs_finish(s, j->id, r->id, state, result, strcmp(state, "succeeded") == 0 ? j->ref : NULL,
                         strcmp(state, "succeeded") == 0 ? NULL : e, &err);
        if (rc != CORE_E_BUSY)
            break;
        struct timespec pause = {0, 500 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    free(result);
    if (rc) {
        core_log(CORE_LOG_ERROR, "job_not_finished", "detail", err.detail, "hint",
                 "the next server to start fails it as interrupted", CORE_LOG_END);
        return rc;
    }
    return 0;
}

static void run_job(jobs_runner *r, store *s, const char *kind, int64_t id, int64_t created_by)
{
    running *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->id = id;
    j->msg_fd = j->err_fd = -1;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    core_error err;
    core_error_clear(&err);
    jobs_error e;
    memset(&e, 0, sizeof e);
    const char *state;
    int stopped = 0;
    if (start_child(r, j, &err) != 0) {
        jobs_error_from(&e, &err);
        state = "failed";
    } else {
        core_log(CORE_LOG_INFO, "job_started", "job", idtext, "kind", kind, CORE_LOG_END);
        struct timespec beat, checked;
        clock_gettime(CLOCK_MONOTONIC, &beat);
        checked = beat;
        int msg_open = 1, err_open = 1;
        while (msg_open || err_open) {
            struct pollfd p[2] = {{msg_open ? j->msg_fd : -1, POLLIN, 0}, {err_open ? j->err_fd : -1, POLLIN, 0}};
            int n = poll(p, 2, TICK_MS);
            if (n > 0 && msg_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
                msg_open = read_messages(j);
            if (n > 0 && err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
                err_open = read_stderr(j);
            write_progress(r, s, j, 0);
            if (!stopped && is_stopping(r)) {
                stopped = 1;
                signal_child(j, SIGKILL);
            }
            int cancel = 0;
            if (since(&beat) * 3 >= (r->cfg.lease_seconds ? r->cfg.lease_seconds : JOBS_LEASE_SECONDS)) {
                core_error_clear(&err);
                int hb = jobs_heartbeat(s, id, r->id, r->cfg.lease_seconds, &cancel, &err);
                if (hb == 0 || err.code != CORE_E_BUSY)
                    clock_gettime(CLOCK_MONOTONIC, &beat);
                if (hb == CORE_E_NOT_FOUND && !j->kill_sent) { /* recovered as lost by another server */
                    signal_child(j, SIGKILL);
                    j->kill_sent = 1;
                }
            } else if (!j->term_sent && since(&checked) >= 1) { /* a read: never waits on the child's writes */
                core_error_clear(&err);
                jobs_cancel_asked(s, id, &cancel, &err);
                clock_gettime(CLOCK_MONOTONIC, &checked);
            }
            if (cancel && !j->term_sent) { /* asked to stop: at its next progress point */
                signal_child(j, SIGTERM);
                j->term_sent = 1;
                clock_gettime(CLOCK_MONOTONIC, &j->term_at);
            }
            if (j->term_sent && !j->kill_sent && since(&j->term_at) >= JOBS_CANCEL_GRACE_SECONDS) {
                signal_child(j, SIGKILL);
                j->kill_sent = 1;
            }
        }
        int status = 0;
        while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
            ;
        j->pid = 0;
        close(j->msg_fd);
        close(j->err_fd);
        write_progress(r, s, j, 1); /* the last stage reached, before the job is finished */
        state = judge(r, j, status, stopped, &e);
        if (strcmp(state, "succeeded") != 0 && strcmp(state, "cancelled") != 0) {
            char last[200];
            tail_line(j, last, sizeof last);
            core_log(CORE_LOG_WARN, "job_process_ended", "job", idtext, "code", e.code, "detail", e.detail, "stderr",
                     last, CORE_LOG_END);
        }
    }
    if (finish(r, s, j, state, &e) == 0) {
        core_log(CORE_LOG_INFO, "job_finished", "job", idtext, "state", state, CORE_LOG_END);
        if (r->cfg.on_finish) {
            char *result = j->result ? json_dumps(j->result, JSON_COMPACT) : NULL;
            jobs_outcome o = {id, created_by, kind, state, strcmp(state, "succeeded") == 0 ? result : NULL,
                              strcmp(state, "succeeded") == 0 ? NULL : &e};
            r->cfg.on_finish(r->cfg.ctx, &o);
            free(result);
        }
    }
    json_decref(j->result);
    free(j);
}

/* The job's asker, for on_finish. */
static int64_t job_owner(store *s, int64_t id)
{
    json_t *job = NULL;
    core_error err;
    int64_t owner = 0;
    if (jobs_get(s, id, &job, &err) == 0)
        owner = json_integer_value(json_object_get(job, "created_by"));
    json_decref(job);
    return owner;
}

/* The idle handle, opened if need be (idle_mu held). NULL when the database cannot be reached now. */
static store *idle_handle(jobs_runner *r, const char *kind)
{
    if (r->idle_db)
        return r->idle_db;
    core_error err;
    core_error_clear(&err);
    if (store_open(&r->idle_db, r->cfg.db, &err) != 0) {
        r->idle_db = NULL;
        if (!r->idle_open_failed)
            core_log(CORE_LOG_ERROR, "job_worker_failed", "kind", kind, "detail", err.detail, "hint",
                     "the workers try again every second", CORE_LOG_END);
        r->idle_open_failed = 1;
        return NULL;
    }
    r->idle_open_failed = 0;
    return r->idle_db;
}

/* An error that may mean the handle is broken (not a busy database): close it, to be reopened next time. */
static void idle_drop_if_broken(jobs_runner *r, const core_error *err)
{
    if (err->code && err->code != CORE_E_BUSY && r->idle_db) {
        store_close(r->idle_db);
        r->idle_db = NULL;
    }
}

/* Fail the jobs of dead servers and delete the files no longer wanted, at start and every half lease
 * (idle_mu held). */
static void sweep(jobs_runner *r, store *s)
{
    if (r->swept_once && since(&r->swept) < (r->cfg.lease_seconds ? r->cfg.lease_seconds : JOBS_LEASE_SECONDS) / 2)
        return;
    core_error err;
    int64_t lost = 0;
    core_error_clear(&err);
    if (jobs_recover(s, r->id, &lost, &err) == 0 && lost > 0) {
        char n[24];
        snprintf(n, sizeof n, "%" PRId64, lost);
        core_log(CORE_LOG_WARN, "jobs_interrupted", "jobs", n, "hint",
                 "their server stopped while they ran: start them again", CORE_LOG_END);
    }
    int64_t gone = 0; /* the files of jobs no longer wanted (J7) */
    core_error_clear(&err);
    if (jobs_files_expire(s, &gone, &err) != 0 && err.code != CORE_E_BUSY)
        core_log(CORE_LOG_WARN, "job_files_not_deleted", "detail", err.detail, CORE_LOG_END);
    else if (gone > 0) {
        char n[24];
        snprintf(n, sizeof n, "%" PRId64, gone);
        core_log(CORE_LOG_INFO, "job_files_deleted", "files", n, CORE_LOG_END);
    }
    clock_gettime(CLOCK_MONOTONIC, &r->swept);
    r->swept_once = 1;
}

/* Sweep if due and claim a job of the kind on the idle handle: 1 and *id, 0 when none is queued, or < 0. */
static int idle_claim(jobs_runner *r, const char *kind, jobs_dialect d, int64_t *id, int64_t *owner)
{
    pthread_mutex_lock(&r->idle_mu);
    if (is_stopping(r)) { /* a claim may wait out a busy database: the workers queued behind it do not */
        pthread_mutex_unlock(&r->idle_mu);
        return 0;
    }
    store *s = idle_handle(r, kind);
    int got = -1;
    if (s) {
        sweep(r, s);
        core_error err;
        core_error_clear(&err);
        got = jobs_claim(s, d, kind, r->id, r->cfg.lease_seconds, id, &err);
        if (got < 0 && err.code != CORE_E_BUSY)
            core_log(CORE_LOG_WARN, "job_claim_failed", "kind", kind, "detail", err.detail, CORE_LOG_END);
        if (got < 0)
            idle_drop_if_broken(r, &err);
        if (got == 1)
            *owner = job_owner(s, *id);
    }
    pthread_mutex_unlock(&r->idle_mu);
    return got;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    jobs_runner *r = w->r;
    jobs_dialect d = jobs_dialect_of(r->cfg.db);
    while (!is_stopping(r)) {
        int64_t id = 0, owner = 0;
        if (idle_claim(r, w->kind, d, &id, &owner) == 1) {
            /* The job's own handle, held while it runs. If it cannot be opened the job stays claimed under
             * its lease and is failed as interrupted by the next sweep past the lease (J4). */
            store *s = NULL;
            core_error err;
            core_error_clear(&err);
            if (store_open(&s, r->cfg.db, &err) != 0) {
                core_log(CORE_LOG_ERROR, "job_worker_failed", "kind", w->kind, "detail", err.detail, CORE_LOG_END);
            } else {
                run_job(r, s, w->kind, id, owner);
                store_close(s);
                continue;
            }
        }
        pthread_mutex_lock(&r->mu);
        if (!r->stopping && !r->woken) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&r->cv, &r->mu, &until);
        }
        r->woken = 0;
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

int jobs_runner_start(jobs_runner **out, const jobs_runner_config *cfg, core_error *err)
{
    *out = NULL;
    jobs_runner *r = calloc(1, sizeof *r);
    if (!r)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    r->cfg = *cfg;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    unsigned rnd = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
            rnd = (unsigned)time(NULL);
        close(fd);
    }
    snprintf(r->id, sizeof r->id, "%s:%ld:%08x", host, (long)getpid(), rnd);
    if (cfg->program) {
        snprintf(r->program, sizeof r->program, "%s", cfg->program);
    } else {
        ssize_t n = readlink("/proc/self/exe", r->program, sizeof r->program - 1);
        if (n <= 0) {
            free(r);
            return core_error_set(err, CORE_E_INTERNAL, "the program's own path is unknown (/proc/self/exe)");
        }
        r->program[n] = '\0';
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->idle_mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    while (cfg->kinds && cfg->kinds[r->nworkers])
        r->nworkers++;
    r->workers = calloc(r->nworkers ? r->nworkers : 1, sizeof *r->workers);
    for (size_t i = 0; r->workers && i < r->nworkers; i++) {
        r->workers[i] = (worker){r, cfg->kinds[i], 0, 0};
        r->workers[i].started = pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]) == 0;
    }
    *out = r;
    return 0;
}

void jobs_runner_wake(jobs_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->woken = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void jobs_runner_stop(jobs_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < r->nworkers; i++)
        if (r->workers[i].started)
            pthread_join(r->workers[i].thread, NULL);
    free(r->workers);
    store_close(r->idle_db);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->idle_mu);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
