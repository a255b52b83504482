/*
 * audit.c — recording: the bounded queue, the writer thread that appends batches to audit_event with the hash
 * chain (group commit), and signed checkpoints (contract in audit.h).
 *
 * State of the queue (all under a->mu):
 *
 *   producers ──audit_record()──► ring[head .. head+count) ──writer──► audit_event (one transaction per
 * batch)
 *
 *   recorded   events ever queued (a ticket counter); an event's ticket is `recorded` just after it is queued
 *   written    events committed; written <= recorded; audit_flush() waits for written >= its ticket
 *   fail_code  0, or the writer's last error (sticky until a batch succeeds: invariant 4 of audit.h)
 *
 * Invariants of this file
 *   1. Only the writer removes from the ring, and only after the batch's transaction has committed: a batch
 *      is read in place (peeked), so a failed batch is simply retried.
 *   2. The writer's store handle is used by the writer thread only (and by audit_open/audit_close before the
 *      thread starts and after it has stopped).
 *   3. Checkpoint lines are appended with one write() and fsynced, under cp_mu, after the commit.
 */
#include "core/core_clock.h"
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit_internal.h"
#include "core/core_arena.h"
#include "core/core_log.h"
#include "store/store.h"

/* The trail's own database (PATH.audit): one table, append-only. One row per access: reads, searches (with
 * their terms), writes (the fields changed), exports, disclosures, sign-ins and failures, denials. Rows name a
 * table and a row id, never a person's details. seq is assigned by the writer (last seq + 1, in the inserting
 * transaction), so it is gapless; the triggers refuse UPDATE and DELETE. STRICT: a value stored with another
 * type would hash differently from what was written, so SQLite refuses it rather than leaving verification to
 * trip over it. Applied by every audit_open(); IF NOT EXISTS makes that idempotent. */
static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS audit_event (\n"
    "  seq            INTEGER PRIMARY KEY,     -- 1, 2, 3, ... without gaps\n"
    "  at             TEXT NOT NULL,           -- UTC 'YYYY-MM-DDTHH:MM:SSZ' when the event was recorded\n"
    "  actor_user_id  INTEGER,                 -- app_user id; NULL for the system or nobody signed in\n"
    "  actor_role     TEXT,                    -- the role acted in\n"
    "  action         TEXT NOT NULL,           -- read, search, create, update, export, disclosure, sign_in,\n"
    "                                          -- sign_in_failed, denied, ...\n"
    "  target_table   TEXT,                    -- e.g. 'person'; NULL when there is no single target\n"
    "  target_id      INTEGER,                 -- row id in target_table\n"
    "  detail         TEXT,                    -- JSON object: search terms, changed field names, footing\n"
    "                                          -- ('team_member', a break-glass reason), ...\n"
    "  client_address TEXT,                    -- client IP address\n"
    "  prev_hash      TEXT NOT NULL,           -- hex of the previous row's hash (64 zeros for seq 1)\n"
    "  hash           TEXT NOT NULL            -- hex BLAKE2b-256, keyed, over this row's fields and prev_hash\n"
    ") STRICT;\n"
    "\n"
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event\n"
    "BEGIN\n"
    "  SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be changed');\n"
    "END;\n"
    "\n"
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event\n"
    "BEGIN\n"
    "  SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be deleted');\n"
    "END;\n"
    "\n"
    "-- The access report (\"who has looked at my record\") and a user's own activity.\n"
    "CREATE INDEX IF NOT EXISTS audit_event_target ON audit_event(target_table, target_id) WHERE target_id IS NOT NULL;\n"
    "CREATE INDEX IF NOT EXISTS audit_event_actor ON audit_event(actor_user_id) WHERE actor_user_id IS NOT NULL;\n";

/* The chain's tail: the last entry's seq and hash (none: 0 and the empty result). */
static const char SQL_TAIL[] = "SELECT seq, hash\n"
                               "  FROM audit_event\n"
                               " ORDER BY seq DESC\n"
                               " LIMIT 1";

/* Append one entry (no rows returned). */
static const char SQL_INSERT[] =
    "INSERT INTO audit_event (seq, at, actor_user_id, actor_role, action, target_table, target_id, detail,\n"
    "                         client_address, prev_hash, hash)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/* A queued event: one heap block, strings copied after the struct. */
typedef struct qevent {
    char at[AUDIT_TS_SIZE];
    int64_t actor_user_id;
    int64_t target_id;
    audit_text actor_role, action, target_table, detail, client_address;
} qevent;

struct audit {
    char *db_path;
    audit_keys keys;
    uint32_t checkpoint_every, cap, batch_max;
    store *db; /* the writer's own handle */
    int cp_fd; /* db_path.audit-checkpoints, O_APPEND */
    pthread_t thread;
    int thread_started;

    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, progress;
    qevent **ring;
    uint32_t head, count;
    uint64_t recorded, written;
    uint64_t durable_ticket;  /* the highest ticket a producer waits for durably (0: none yet) */
    int writer_idle;          /* the writer waits on not_empty: a producer must signal it */
    int stopping;
    int fail_code;
    core_error fail_err;

    /* the writer's view of what it last wrote, and what this handle last checkpointed (under mu) */
    int64_t last_seq;
    unsigned char last_hash[AUDIT_HASH_BYTES];
    int64_t cp_seq;

    pthread_mutex_t cp_mu;
    int cp_fail; /* a checkpoint could not be written: returned by audit_checkpoint() and audit_close() */
};

/* ---- checks on what producers give ---- */

static int check_text(const char *s, size_t max, const char *name, size_t *len, core_error *err)
{
    *len = 0;
    if (!s)
        return 0;
    *len = strnlen(s, max + 1);
    if (*len > max)
        return core_error_set(err, CORE_E_INVALID_VALUE, "audit event field %s is longer than %zu bytes",
                              name, max);
    return 0;
}

static int check_event(const audit_event *ev, size_t lens[5], core_error *err)
{
    if (!ev->action || !ev->action[0])
        return core_error_set(err, CORE_E_INVALID_VALUE, "audit event has no action");
    int rc = check_text(ev->actor_role, AUDIT_FIELD_MAX, "actor_role", &lens[0], err);
    if (!rc)
        rc = check_text(ev->action, AUDIT_FIELD_MAX, "action", &lens[1], err);
    if (!rc)
        rc = check_text(ev->target_table, AUDIT_FIELD_MAX, "target_table", &lens[2], err);
    if (!rc)
        rc = check_text(ev->detail, AUDIT_DETAIL_MAX, "detail", &lens[3], err);
    if (!rc)
        rc = check_text(ev->client_address, AUDIT_FIELD_MAX, "client_address", &lens[4], err);
    if (rc)
        return rc;
    for (const char *p = ev->action; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return core_error_set(err, CORE_E_INVALID_VALUE,
                                  "audit event action must be lowercase letters and _");
    if (ev->actor_user_id < 0 || ev->target_id < 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "audit event ids must not be negative");
    if (ev->target_id != 0 && !ev->target_table)
        return core_error_set(err, CORE_E_INVALID_VALUE, "audit event has a target id but no target table");
    if (ev->detail) {
        json_t *j = json_loadb(ev->detail, lens[3], JSON_REJECT_DUPLICATES, NULL);
        int is_obj = j && json_is_object(j);
        json_decref(j);
        if (!is_obj) /* the detail is not quoted back: it may hold search terms */
            return core_error_set(err, CORE_E_INVALID_VALUE, "audit event detail is not a json object");
    }
    return 0;
}

static void utc_now(char out[AUDIT_TS_SIZE])
{
    _Static_assert(AUDIT_TS_SIZE >= 21, "an audit timestamp holds YYYY-MM-DDTHH:MM:SSZ");
    core_clock_iso(0, out);
}

static qevent *qevent_make(const audit_event *ev, const size_t lens[5])
{
    size_t total = sizeof(qevent);
    for (int i = 0; i < 5; i++)
        total += lens[i] + 1; /* each bounded by a declared maximum: no overflow */
    qevent *q = core_xmalloc(total);
    memset(q, 0, sizeof *q);
    utc_now(q->at);
    q->actor_user_id = ev->actor_user_id;
    q->target_id = ev->target_id;
    char *p = (char *)(q + 1);
    const char *src[5] = {ev->actor_role, ev->action, ev->target_table, ev->detail, ev->client_address};
    audit_text *dst[5] = {&q->actor_role, &q->action, &q->target_table, &q->detail, &q->client_address};
    for (int i = 0; i < 5; i++) {
        if (!src[i])
            continue;
        memcpy(p, src[i], lens[i]);
        p[lens[i]] = '\0';
        *dst[i] = (audit_text){p, lens[i]};
        p += lens[i] + 1;
    }
    return q;
}

/* ---- the writer ---- */

static store_value text_value(audit_text t)
{
    return t.s ? store_v_textn(t.s, t.len) : store_v_null();
}

typedef struct cp_pending {
    int64_t seq;
    unsigned char hash[AUDIT_HASH_BYTES];
} cp_pending;

static int write_checkpoint(audit *a, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES])
{
    char line[AUDIT_CP_LINE_MAX + 1];
    size_t n = audit_checkpoint_line(&a->keys, seq, hash, line);
    pthread_mutex_lock(&a->cp_mu);
    ssize_t w;
    do
        w = write(a->cp_fd, line, n); /* O_APPEND: one write, one whole line */
    while (w < 0 && errno == EINTR);
    int ok = w == (ssize_t)n && fsync(a->cp_fd) == 0;
    int e = ok ? 0 : w >= 0 && w != (ssize_t)n ? ENOSPC : errno;
    if (!ok)
        a->cp_fail = 1;
    pthread_mutex_unlock(&a->cp_mu);
    if (!ok) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)seq);
        core_log(CORE_LOG_ERROR, "audit_checkpoint_failed", "seq", s, "error", strerror(e), CORE_LOG_END);
        return CORE_E_IO;
    }
    return 0;
}

/* Append events ev[0..n) in one transaction. On success *last_seq/last_hash are the batch's last entry and
 * cps[0..*ncps) the checkpoints it reached. */
static int write_batch(audit *a, qevent **ev, uint32_t n, int64_t *last_seq,
                       unsigned char last_hash[AUDIT_HASH_BYTES], cp_pending *cps, uint32_t *ncps,
                       core_error *err)
{
    core_arena ar = CORE_ARENA_INIT;
    int64_t seq = 0;
    unsigned char prev[AUDIT_HASH_BYTES] = {0};
    *ncps = 0;
    int rc = store_begin(a->db, err);
    if (rc)
        return rc;
    /* The tail is read inside the transaction: another process may have appended since our last batch. */
    store_stmt *st;
    rc = store_query(a->db, &ar, SQL_TAIL, NULL, 0, &st, err);
    if (rc == 0)
        rc = store_next(st, err);
    if (rc == 1) {
        size_t hl = 0;
        const char *hx = store_col_text(st, 1, &hl);
        seq = store_col_int(st, 0);
        if (!hx || audit_hex_parse(hx, hl, prev, sizeof prev) != 0) {
            rc = core_error_set(err, CORE_E_STORE, "the last audit entry (seq %lld) has a malformed hash",
                                (long long)seq);
            core_error_hint(err, "run `hearth audit verify`: the trail has been tampered with");
        } else {
            rc = store_next(st, err); /* drain */
        }
    }
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        qevent *q = ev[i];
        seq++;
        audit_row r = {
            .seq = seq,
            .at = {q->at, strlen(q->at)},
            .has_actor = q->actor_user_id != 0,
            .actor_user_id = q->actor_user_id,
            .actor_role = q->actor_role,
            .action = q->action,
            .target_table = q->target_table,
            .has_target = q->target_id != 0,
            .target_id = q->target_id,
            .detail = q->detail,
            .client_address = q->client_address,
        };
        unsigned char h[AUDIT_HASH_BYTES];
        audit_entry_hash(&a->keys, &r, prev, h);
        char prevx[AUDIT_HASH_HEX + 1], hx[AUDIT_HASH_HEX + 1];
        sodium_bin2hex(prevx, sizeof prevx, prev, sizeof prev);
        sodium_bin2hex(hx, sizeof hx, h, sizeof h);
        store_value p[] = {
            store_v_int(r.seq),
            store_v_textn(r.at.s, r.at.len),
            r.has_actor ? store_v_int(r.actor_user_id) : store_v_null(),
            text_value(r.actor_role),
            text_value(r.action),
            text_value(r.target_table),
            r.has_target ? store_v_int(r.target_id) : store_v_null(),
            text_value(r.detail),
            text_value(r.client_address),
            store_v_textn(prevx, AUDIT_HASH_HEX),
            store_v_textn(hx, AUDIT_HASH_HEX),
        };
        rc = store_exec(a->db, &ar, SQL_INSERT, p, sizeof p / sizeof p[0], NULL, err);
        core_arena_reset(&ar); /* the bound hex buffers are on this stack frame */
        memcpy(prev, h, sizeof prev);
        if (rc == 0 && r.seq % a->checkpoint_every == 0) {
            cps[*ncps].seq = r.seq;
            memcpy(cps[*ncps].hash, h, sizeof h);
            (*ncps)++;
        }
    }
    core_arena_release(&ar); /* statements are reset before COMMIT */
    if (rc == 0)
        rc = store_commit(a->db, err);
    if (rc) {
        store_rollback(a->db);
        return rc;
    }
    *last_seq = seq;
    memcpy(last_hash, prev, AUDIT_HASH_BYTES);
    return 0;
}

enum { RETRY_PAUSE_MS = 200, STOP_ATTEMPTS = 3, LINGER_US = 2000 };

static void *writer_main(void *arg)
{
    audit *a = arg;
    qevent **batch = core_xmalloc(sizeof(qevent *) * a->batch_max);
    /* at most one checkpoint per checkpoint_every entries, plus one */
    cp_pending *cps = core_xmalloc(sizeof(cp_pending) * (a->batch_max / a->checkpoint_every + 2));
    int failures = 0;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->count == 0 && !a->stopping) {
            a->writer_idle = 1;
            pthread_cond_wait(&a->not_empty, &a->mu);
            a->writer_idle = 0;
        }
        if (a->count == 0)
            break; /* stopping, and nothing left */
        /* Group commit: when nobody is waiting for durability, let a little more arrive before committing,
         * so a busy server commits (and syncs) a batch every LINGER_US rather than an event at a time. A
         * durable event ends the wait at once (its producer signals). */
        if (!a->stopping && a->durable_ticket <= a->written && a->count < a->batch_max / 2) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += LINGER_US * 1000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            a->writer_idle = 1;
            while (!a->stopping && a->durable_ticket <= a->written && a->count < a->batch_max / 2 &&
                   pthread_cond_timedwait(&a->not_empty, &a->mu, &until) == 0)
                ;
            a->writer_idle = 0;
        }
        uint32_t n = a->count < a->batch_max ? a->count : a->batch_max;
        for (uint32_t i = 0; i < n; i++)
            batch[i] = a->ring[(a->head + i) % a->cap];
        pthread_mutex_unlock(&a->mu);

        core_error e;
        core_error_clear(&e);
        int64_t last_seq = 0;
        unsigned char last_hash[AUDIT_HASH_BYTES];
        uint32_t ncps = 0;
        int rc = write_batch(a, batch, n, &last_seq, last_hash, cps, &ncps, &e);
        if (rc == 0) {
            for (uint32_t i = 0; i < ncps; i++)
                write_checkpoint(a, cps[i].seq, cps[i].hash);
            for (uint32_t i = 0; i < n; i++)
                free(batch[i]);
        }

        pthread_mutex_lock(&a->mu);
        if (rc == 0) {
            failures = 0;
            a->head = (a->head + n) % a->cap;
            a->count -= n;
            a->written += n;
            a->fail_code = 0;
            a->last_seq = last_seq;
            memcpy(a->last_hash, last_hash, sizeof last_hash);
            if (ncps > 0 && cps[ncps - 1].seq == last_seq)
                a->cp_seq = last_seq;
            pthread_cond_broadcast(&a->not_full);
            pthread_cond_broadcast(&a->progress);
            continue;
        }
        failures++;
        /* One busy timeout can be a long write elsewhere; a second, or any other error, fails closed. */
        if (rc != CORE_E_BUSY || failures > 1) {
            if (a->fail_code == 0)
                core_log(CORE_LOG_ERROR, "audit_write_failed", "code", core_error_name(rc), "detail",
                         e.detail, CORE_LOG_END);
            a->fail_code = rc;
            a->fail_err = e;
            core_error_message(&a->fail_err, "audit trail cannot be written");
            pthread_cond_broadcast(&a->not_full);
            pthread_cond_broadcast(&a->progress);
        }
        if (a->stopping && failures >= STOP_ATTEMPTS)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += RETRY_PAUSE_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&a->not_empty, &a->mu, &until);
    }
    pthread_mutex_unlock(&a->mu);
    free(batch);
    free(cps);
    return NULL;
}

/* ---- the public functions ---- */

int audit_open(audit **out, const char *db_path, const audit_config *cfg, core_error *err)
{
    *out = NULL;
    audit *a = core_xmalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    a->cp_fd = -1;
    a->db_path = audit_path(db_path, "");
    a->checkpoint_every =
        cfg && cfg->checkpoint_every ? cfg->checkpoint_every : AUDIT_CHECKPOINT_EVERY_DEFAULT;
    a->cap = cfg && cfg->queue_max ? cfg->queue_max : AUDIT_QUEUE_MAX_DEFAULT;
    a->batch_max = cfg && cfg->batch_max ? cfg->batch_max : AUDIT_BATCH_MAX_DEFAULT;
    if (a->batch_max > a->cap)
        a->batch_max = a->cap;
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->cp_mu, NULL);
    pthread_cond_init(&a->not_empty, NULL);
    pthread_cond_init(&a->not_full, NULL);
    pthread_cond_init(&a->progress, NULL);
    a->ring = core_xmalloc(sizeof(qevent *) * a->cap);

    int rc = audit_keys_load(db_path, 1, NULL, &a->keys, err);
    if (rc == 0) {
        char *trail = audit_trail_path(db_path);
        rc = store_open(&a->db, trail, err);
        free(trail);
    }
    if (rc == 0)
        rc = store_exec_script(a->db, SQL_SCHEMA, err);
    if (rc == 0) {
        core_arena ar = CORE_ARENA_INIT;
        store_stmt *st;
        rc = store_query(a->db, &ar, SQL_TAIL, NULL, 0, &st, err);
        if (rc == 0)
            rc = store_next(st, err);
        if (rc == 1) {
            size_t hl = 0;
            const char *hx = store_col_text(st, 1, &hl);
            a->last_seq = store_col_int(st, 0);
            if (!hx || audit_hex_parse(hx, hl, a->last_hash, sizeof a->last_hash) != 0)
                rc = core_error_set(err, CORE_E_STORE, "the last audit entry has a malformed hash");
            else
                rc = 0;
        }
        core_arena_release(&ar);
        a->cp_seq = a->last_seq; /* only what this handle writes is signed at close */
    }
    if (rc == 0) {
        char *cp_path = audit_path(db_path, ".audit-checkpoints");
        a->cp_fd = open(cp_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (a->cp_fd < 0)
            rc = core_error_set(err, CORE_E_IO, "cannot open %s: %s", cp_path, strerror(errno));
        free(cp_path);
    }
    if (rc == 0) {
        if (pthread_create(&a->thread, NULL, writer_main, a) != 0)
            rc = core_error_set(err, CORE_E_INTERNAL, "cannot start the audit writer thread");
        else
            a->thread_started = 1;
    }
    if (rc) {
        audit_close(a, NULL);
        return rc;
    }
#ifdef HEARTH_BENCH_NO_AUDIT
    /* At error level, so that no HEARTH_LOG setting hides it (see audit_record()). */
    core_log(CORE_LOG_ERROR, "audit_disabled_bench_build", "message",
             "THIS BUILD RECORDS NO AUDIT EVENTS (meson -Dbench_no_audit=true): "
             "it is for bench/api only, never deploy it",
             CORE_LOG_END);
#endif
    *out = a;
    return 0;
}

int audit_record(audit *a, const audit_event *ev, unsigned flags, core_error *err)
{
#ifdef HEARTH_BENCH_NO_AUDIT
    /* BENCH BUILD ONLY (meson -Dbench_no_audit=true): record nothing, so that bench/api can measure what
     * auditing costs against this build. Such a server serves personal data UNAUDITED: it exists only for
     * bench/api and must never be deployed. audit_open() logs an error line saying so at every start. */
    return 0;
#endif
    size_t lens[5];
    int rc = check_event(ev, lens, err);
    if (rc)
        return rc;
    qevent *q = qevent_make(ev, lens);
    pthread_mutex_lock(&a->mu);
    while (a->count == a->cap && !a->fail_code && !a->stopping)
        pthread_cond_wait(&a->not_full, &a->mu);
    if (a->fail_code) {
        rc = a->fail_code;
        if (err)
            *err = a->fail_err;
        pthread_mutex_unlock(&a->mu);
        free(q);
        return rc;
    }
    if (a->stopping) {
        pthread_mutex_unlock(&a->mu);
        free(q);
        return core_error_set(err, CORE_E_INTERNAL, "audit trail is closing");
    }
    a->ring[(a->head + a->count) % a->cap] = q;
    a->count++;
    uint64_t ticket = ++a->recorded;
    if (flags & AUDIT_DURABLE)
        a->durable_ticket = ticket;
    /* Wake the writer only when it waits: for the first event, for a durable one, or when a batch is full. */
    if (a->writer_idle && (a->count == 1 || (flags & AUDIT_DURABLE) || a->count >= a->batch_max / 2))
        pthread_cond_signal(&a->not_empty);
    if (flags & AUDIT_DURABLE) {
        while (a->written < ticket && !a->fail_code)
            pthread_cond_wait(&a->progress, &a->mu);
        if (a->written < ticket) {
            rc = a->fail_code;
            if (err)
                *err = a->fail_err;
        }
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int audit_flush(audit *a, core_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    uint64_t target = a->recorded;
    if (target > a->durable_ticket)
        a->durable_ticket = target; /* a flush is a durable wait: the writer stops lingering */
    if (a->writer_idle)
        pthread_cond_signal(&a->not_empty);
    while (a->written < target && !a->fail_code && a->thread_started)
        pthread_cond_wait(&a->progress, &a->mu);
    if (a->written < target) {
        rc = a->fail_code ? a->fail_code : CORE_E_INTERNAL;
        if (err && a->fail_code)
            *err = a->fail_err;
        else
            core_error_set(err, CORE_E_INTERNAL, "audit writer is not running");
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int audit_checkpoint(audit *a, core_error *err)
{
    int rc = audit_flush(a, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&a->mu);
    int64_t seq = a->last_seq;
    unsigned char hash[AUDIT_HASH_BYTES];
    memcpy(hash, a->last_hash, sizeof hash);
    int due = seq > a->cp_seq;
    if (due)
        a->cp_seq = seq;
    pthread_mutex_unlock(&a->mu);
    if (due && write_checkpoint(a, seq, hash) != 0)
        return core_error_set(err, CORE_E_IO, "audit checkpoint could not be written");
    pthread_mutex_lock(&a->cp_mu);
    int failed = a->cp_fail;
    pthread_mutex_unlock(&a->cp_mu);
    if (failed)
        return core_error_set(err, CORE_E_IO, "an audit checkpoint could not be written");
    return 0;
}

int audit_close(audit *a, core_error *err)
{
    if (!a)
        return 0;
    int rc = 0;
    if (a->thread_started) {
        rc = audit_checkpoint(a, err); /* flushes first */
        pthread_mutex_lock(&a->mu);
        a->stopping = 1;
        pthread_cond_broadcast(&a->not_empty);
        pthread_cond_broadcast(&a->not_full);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
        a->thread_started = 0;
    }
    if (a->count > 0) {
        char n[24];
        snprintf(n, sizeof n, "%u", a->count);
        core_log(CORE_LOG_ERROR, "audit_events_lost", "count", n, CORE_LOG_END);
        if (rc == 0) {
            rc = a->fail_code ? a->fail_code : CORE_E_INTERNAL;
            if (err && a->fail_code)
                *err = a->fail_err;
            else
                core_error_set(err, CORE_E_INTERNAL, "audit events were not written");
        }
        for (uint32_t i = 0; i < a->count; i++)
            free(a->ring[(a->head + i) % a->cap]);
    }
    if (a->cp_fd >= 0)
        close(a->cp_fd);
    store_close(a->db);
    audit_keys_clear(&a->keys);
    pthread_cond_destroy(&a->not_empty);
    pthread_cond_destroy(&a->not_full);
    pthread_cond_destroy(&a->progress);
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->cp_mu);
    free(a->ring);
    free(a->db_path);
    free(a);
    return rc;
}
