/*
 * jobs.h — long work as durable background jobs: the job table (migration 0025), the worker that runs them
 * in the server, and the job process's side of the conversation with it.
 *
 * What it is for: work too long or too large for a request (a link run over a million records) is asked
 * for by a request, queued as a row of `job`, and run by a worker thread of `hearth serve` in a process of
 * its own (`hearth job run`), under a memory limit, one at a time per kind; the request answers 202 with the
 * job's URL at once, and GET /api/v1/jobs/{id} shows its progress. What it is not for: what a kind of job
 * does (the CLI's cli_job.c runs each kind with the module that owns the work), or who may see a job
 * (src/api/api_jobs.c).
 *
 * Invariants
 *   J1. A job's state moves queued -> running -> succeeded | failed | cancelled, or queued -> cancelled, and
 *       never back. Only the worker holding the job (job.worker) finishes it; a finished job never changes.
 *   J2. Claiming is one statement (jobs_claim): of two workers of any servers, exactly one gets a queued
 *       job. At most one job of a kind runs at a time (the unique index job_one_running), on any server.
 *   J3. A job runs in a child process: whatever ends it — out of memory, a crash, the kernel — ends the
 *       child, never the server, and the worker records the job failed with code, message, detail and hint.
 *   J4. A running job's worker renews its lease (JOBS_LEASE_SECONDS ahead). A running job whose lease has
 *       run out lost its worker (the server died): jobs_recover() fails it as `job_interrupted`. It is not
 *       run again by itself, since what killed the server may have been the job; the caller starts it again.
 *   J5. Times are the program's clock (core_clock), bound as text: no SQL computes a time, so the statements
 *       are the same on SQLite and PostgreSQL, but for the claim (FOR UPDATE SKIP LOCKED on PostgreSQL).
 *   J6. A job's params, result and error carry no personal data: dataset names, counts and ids only.
 */
#ifndef HEARTH_JOBS_H
#define HEARTH_JOBS_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/core_error.h"
#include "store/store.h"

enum {
    JOBS_LEASE_SECONDS = 60,      /* a running job's lease; renewed every third of it */
    JOBS_CANCEL_GRACE_SECONDS = 10, /* after a cancel, the job process has this long to stop at a progress
                                       point before it is killed */
    JOBS_PAGE_MAX = 500,
    JOBS_EXIT_CANCELLED = 75,     /* the job process's exit status when it stopped on a cancel */
    JOBS_MESSAGE_MAX = 65536,     /* the longest line a job process may send its worker */
};

typedef enum { JOBS_SQLITE = 0, JOBS_POSTGRES = 1 } jobs_dialect;

/* Why a job failed or was cancelled: a core_error's fields with the code as text, since a job's codes are
 * more than the table's ("out_of_memory", "job_interrupted", "job_crashed", "cancelled", or any of
 * core_error.h's names). */
typedef struct jobs_error {
    char code[48];
    char message[128];
    char detail[256];
    char hint[192];
} jobs_error;

/* Fill e (each text truncated to fit; detail and hint may be NULL). Returns e. */
jobs_error *jobs_error_set(jobs_error *e, const char *code, const char *message, const char *detail,
                           const char *hint);
/* The same from a core_error (its code's name). */
jobs_error *jobs_error_from(jobs_error *e, const core_error *c);

/* The dialect of a database target as store_open() reads it ("postgres://..." or "postgresql://..."). */
jobs_dialect jobs_dialect_of(const char *target);

/* ---- the job table (jobs_store.c); each function is one statement or one transaction ---- */

/* Queue a job of kind asked by user_id (0: the system) with params (a JSON object's text). exclusive: refuse
 * (CORE_E_CONFLICT, the message naming the job in the way) while a job of this kind is queued or running.
 * *id the new job. Errors: CORE_E_CONFLICT, CORE_E_STORE. */
int jobs_create(store *s, const char *kind, int64_t user_id, const char *params, int exclusive, int64_t *id,
                core_error *err);

/* Claim the oldest queued job of kind for worker, leased until now + lease_seconds. 1 and *id when one was
 * claimed; 0 when none is queued or one of this kind is running already (J2); or a negative code. */
int jobs_claim(store *s, jobs_dialect d, const char *kind, const char *worker, int lease_seconds, int64_t *id,
               core_error *err);

/* Renew worker's lease on running job id; *cancel 1 when a cancel was asked for. CORE_E_NOT_FOUND when the
 * job is not running under worker (it was recovered as interrupted). */
int jobs_heartbeat(store *s, int64_t id, const char *worker, int lease_seconds, int *cancel, core_error *err);

/* *cancel 1 when a cancel was asked for job id (a read: it never waits for a writer). */
int jobs_cancel_asked(store *s, int64_t id, int *cancel, core_error *err);

/* Record progress: done of total (0: not known) at stage message. 0, or the store's error. */
int jobs_progress(store *s, int64_t id, const char *worker, uint64_t done, uint64_t total, const char *message,
                  core_error *err);

/* Finish running job id held by worker as state "succeeded" (result: a JSON object's text or NULL, ref: the
 * record made or NULL), "failed" or "cancelled" (failure: the error). CORE_E_NOT_FOUND when the job is not
 * running under worker. */
int jobs_finish(store *s, int64_t id, const char *worker, const char *state, const char *result, const char *ref,
                const jobs_error *failure, core_error *err);

/* Ask for job id to be cancelled by user_id: a queued job is cancelled at once (*state "cancelled"), a
 * running one is flagged for its worker (*state "running"). *state points at a constant. Errors:
 * CORE_E_NOT_FOUND, CORE_E_CONFLICT (already finished). */
int jobs_cancel(store *s, int64_t id, int64_t user_id, const char **state, core_error *err);

/* Fail every running job whose lease has run out and whose worker is not `self` (J4); *count how many. */
int jobs_recover(store *s, const char *self, int64_t *count, core_error *err);

/* A job as the API shows it: {id, kind, state, created_by, params, progress {done, total, message},
 * cancel_requested, error {code, message, detail, hint} | null, result | null, result_ref, created_at,
 * started_at, finished_at, url}. *out a new reference. CORE_E_NOT_FOUND when there is none. */
int jobs_get(store *s, int64_t id, json_t **out, core_error *err);

/* The jobs of owner (0: everyone's), newest first, ids below before (0: from the newest), at most limit
 * (1..JOBS_PAGE_MAX): {"items": [...], "next": cursor | null}. *out a new reference. */
int jobs_list(store *s, int64_t owner, int64_t before, int64_t limit, json_t **out, core_error *err);

/* ---- the files of jobs (jobs_files.c, migration 0029) ----
 *
 * A job that makes a file (a subject-access pack, Annex A, a research extract) keeps it in the database as its
 * output, so any server can serve it; a job started with a file (an import's CSV) is queued with it as its
 * input, so any server's worker can run it. An output is kept JOBS_OUTPUT_DAYS days from its making; past that
 * it is gone: the download answers 410, and jobs_files_expire() deletes its bytes (the job workers' sweep,
 * every retention run carried out). An input's bytes are deleted by the same sweep once its job has finished.
 * A file's row stays, with deleted_at, and holds no personal data (a name, a size, a digest).
 *   J7. A file is written whole in one transaction — an output by the job's process before it reports its
 *       result, an input with its job — and read back only when its digest matches; only a succeeded job's
 *       output is ever served (one of a job that then failed or was cancelled is deleted by the next sweep). */

enum {
    JOBS_OUTPUT_DAYS = 7,                /* how long a job's output is kept (docs/decisions.md) */
    JOBS_OUTPUT_CHUNK = 1 << 20,         /* bytes per stored chunk, before base64 */
    JOBS_OUTPUT_MAX = 512 * 1024 * 1024, /* the largest file a job may keep */
};

typedef struct jobs_output_info {
    char name[128];
    char content_type[96];
    int64_t size, chunks;
    char digest[65];
    char created_at[21], expires_at[21], deleted_at[21];
    int deleted; /* 1: its bytes were deleted */
} jobs_output_info;

/* Keep len bytes of data as job's output, replacing any earlier one, expiring JOBS_OUTPUT_DAYS from now; one
 * transaction (call it outside any). Errors: CORE_E_INVALID_VALUE (past JOBS_OUTPUT_MAX), the store's. */
int jobs_output_put(store *s, int64_t job, const char *name, const char *content_type, const char *data, size_t len,
                    core_error *err);
/* What job kept as its output. CORE_E_NOT_FOUND when it kept none. */
int jobs_output_info_get(store *s, int64_t job, jobs_output_info *out, core_error *err);
/* 1 when the file has gone: deleted, or past its expiry by the program's clock (deleted or not yet). */
int jobs_output_expired(const jobs_output_info *o);
/* The output's bytes: *data a new allocation the caller frees. CORE_E_NOT_FOUND (none), CORE_E_GONE
 * (deleted), CORE_E_INTERNAL (a chunk missing, or the digest differs). */
int jobs_output_read(store *s, int64_t job, char **data, size_t *len, core_error *err);
/* The output copied, chunk by chunk (one in memory at a time), into an unlinked temporary file (TMPDIR, else
 * /tmp) and checked against its digest on the way: *fd the file (the caller's to close; read it with pread),
 * *len its size. Only a file whose every chunk and digest checked is returned: a damaged one is
 * CORE_E_INTERNAL and leaves nothing behind. Errors as jobs_output_read(), and CORE_E_IO (the temporary
 * file). */
int jobs_output_spool(store *s, int64_t job, int *fd, size_t *len, core_error *err);
/* Queue a job as jobs_create() does (never exclusive) with len bytes of data as its input, in one transaction:
 * a worker never sees the job without its file. Errors: CORE_E_BODY_TOO_LARGE (past JOBS_OUTPUT_MAX), the
 * store's. */
int jobs_create_with_input(store *s, const char *kind, int64_t user_id, const char *params, const char *name,
                           const char *content_type, const char *data, size_t len, int64_t *id, core_error *err);
/* The input's bytes, as jobs_output_read(). */
int jobs_input_read(store *s, int64_t job, char **data, size_t *len, core_error *err);
/* Delete the bytes of every output past its expiry or of a job that did not succeed, and of every input
 * whose job has finished, one transaction each; *count how many files. */
int jobs_files_expire(store *s, int64_t *count, core_error *err);

/* ---- the worker (jobs_runner.c) ---- */

/* How a job ended, for the runner's on_finish (after its final state is committed). */
typedef struct jobs_outcome {
    int64_t id, created_by;
    const char *kind, *state;  /* "succeeded", "failed", "cancelled" */
    const char *result;        /* succeeded: the result's JSON text, else NULL */
    const jobs_error *error;   /* failed or cancelled: why */
} jobs_outcome;

typedef struct jobs_runner jobs_runner;

typedef struct jobs_runner_config {
    const char *db;             /* the database target, as store_open() takes it */
    const char *program;        /* the hearth program the job process runs ("hearth job run"); NULL: this one */
    const char *const *kinds;   /* the kinds to run, NULL-terminated: one worker thread each */
    uint64_t memory_mb;         /* each job process's memory limit in MiB (0: none) */
    int lease_seconds;          /* 0: JOBS_LEASE_SECONDS */
    void (*on_finish)(void *ctx, const jobs_outcome *o); /* may be NULL; called on the worker's thread */
    void *ctx;
} jobs_runner_config;

/* Start a worker thread per kind. Each first fails what earlier servers left running (jobs_recover), then
 * claims and runs jobs until stopped, looking for queued ones every second or when woken. The config's
 * strings must outlive the runner. 0, or CORE_E_STORE (the database does not open) / CORE_E_INTERNAL. */
int jobs_runner_start(jobs_runner **out, const jobs_runner_config *cfg, core_error *err);
/* Look for queued jobs now (a request has queued one). NULL is ignored. */
void jobs_runner_wake(jobs_runner *r);
/* Stop: a running job's process is told to stop, and the job fails as interrupted; joins every thread. */
void jobs_runner_stop(jobs_runner *r);

/* ---- the job process's side (jobs_child.c): `hearth job run` talks to its worker on a pipe ---- */

/* The descriptor the worker gives the job process for its messages. */
enum { JOBS_CHILD_FD = 3 };

/* Set up the job process: SIGTERM asks it to stop (jobs_child_cancelled); fd the message pipe. */
void jobs_child_init(int fd);
/* 1 once the worker asked the job to stop. */
int jobs_child_cancelled(void);
/* A progress point (call it from one thread: the work's own, as pindex_run and link_run do): report stage and done of total (sent when the stage changes or a percent passed), then
 * stop the process (exit JOBS_EXIT_CANCELLED, nothing committed) when the job was cancelled. Usable as a
 * link_options/pindex_run_options progress callback (ctx unused). */
void jobs_child_progress(void *ctx, const char *stage, uint64_t done, uint64_t total);
/* The job's last word: its result (a JSON object, not consumed, and the record it made or NULL), or its
 * error. 0, or -1 when the pipe is gone. */
int jobs_child_result(const json_t *result, const char *ref);
int jobs_child_error(const core_error *e);

/* ---- the messages (jobs_message.c) ---- */

typedef enum { JOBS_MSG_PROGRESS = 1, JOBS_MSG_RESULT, JOBS_MSG_ERROR } jobs_msg_type;

typedef struct jobs_message {
    jobs_msg_type type;
    uint64_t done, total;      /* progress */
    char stage[128];           /* progress: the stage, truncated */
    json_t *result;            /* result: the object (owned: jobs_message_release) */
    char ref[128];             /* result: the record made, or "" */
    jobs_error error;          /* error */
} jobs_message;

/* Parse one line a job process sent (len bytes, no newline). 0, or CORE_E_INVALID_JSON / CORE_E_INVALID_VALUE
 * for anything else than {"progress": {stage, done, total}}, {"result": {...}, "ref": TEXT} or {"error":
 * {code, message, detail, hint}}. Release m with jobs_message_release even on error. */
int jobs_message_parse(const char *line, size_t len, jobs_message *m, core_error *err);
void jobs_message_release(jobs_message *m);

#endif
