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
#include <sys/stat.h>
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
    "-- The access report (\"who has looked at my record\", src/gov/gov_report.c).\n"
    "CREATE INDEX IF NOT EXISTS audit_event_target ON audit_event(target_table, target_id) WHERE target_id IS NOT NULL;\n"
    "-- An index by actor was made here until issue 13; no query used it, and every append changed one of its\n"
    "-- pages (a page written to the log per commit): gone from trails made before.\n"
    "DROP INDEX IF EXISTS audit_event_actor;\n"
    "\n"
    "-- Which rows of the main database's audit_outbox are in the chain (and as which entry): inserted in the\n"
    "-- transaction that appends them, so moving an outbox row is idempotent across a crash.\n"
    "CREATE TABLE IF NOT EXISTS audit_outbox_done (\n"
    "  outbox_id INTEGER PRIMARY KEY,\n"
    "  seq       INTEGER NOT NULL\n"
    ") STRICT;\n";

/* Insert one outbox row in the caller's transaction on the main database; returns its id. */
static const char SQL_OUTBOX_INSERT[] =
    "INSERT INTO audit_outbox (at, actor_user_id, actor_role, action, target_table, target_id, detail,\n"
    "                          client_address)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)\n"
    "RETURNING id";

/* 1 when the main database has an audit_outbox table (a database migrated to 0011). */
static const char SQL_OUTBOX_EXISTS[] = "SELECT count(*)\n"
                                        "  FROM sqlite_master\n"
                                        " WHERE type = 'table' AND name = 'audit_outbox'";

/* The entries after seq $1, oldest first, for checking the unsigned tail at open. */
static const char SQL_ENTRY_HASH[] = "SELECT hash\n"
                                     "  FROM audit_event\n"
                                     " WHERE seq = $1";


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

int audit_event_check(const audit_event *ev, size_t lens[5], core_error *err)
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

qevent *audit_qevent_make(const audit_event *ev, const size_t lens[5], const char *at)
{
    size_t total = sizeof(qevent);
    for (int i = 0; i < 5; i++)
        total += lens[i] + 1; /* each bounded by a declared maximum: no overflow */
    qevent *q = core_xmalloc(total);
    memset(q, 0, sizeof *q);
    if (at && strlen(at) < AUDIT_TS_SIZE) /* an outbox row keeps the time of its write */
        memcpy(q->at, at, strlen(at) + 1);
    else
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

enum { RETRY_PAUSE_MS = 200, STOP_ATTEMPTS = 3, LINGER_US = 2000 };

/* Tell the asynchronous waiters whose wait is over: every one whose ticket is committed, and every one when
 * the writer has failed (fail_code) or the trail is gone (all). Called with a->mu held; the callbacks run
 * with it released (a callback may record, or resume a connection), and a->mu is held again on return. */
static void waiters_fire(audit *a, int all)
{
    audit_waiter *ready = NULL, **link = &a->waiters;
    while (*link) {
        audit_waiter *w = *link;
        if (all || a->fail_code || w->ticket <= a->written) {
            *link = w->next;
            w->next = ready;
            ready = w;
        } else {
            link = &w->next;
        }
    }
    if (!ready)
        return;
    uint64_t written = a->written;
    int code = a->fail_code;
    core_error e = a->fail_err;
    pthread_mutex_unlock(&a->mu);
    if (!code) {
        core_error_clear(&e);
        code = all ? core_error_set(&e, CORE_E_INTERNAL, "audit trail is closing") : 0;
    }
    while (ready) {
        audit_waiter *w = ready;
        ready = w->next; /* read before fn: fn may free w */
        int rc = w->ticket <= written ? 0 : code;
        w->fn(w->arg, rc, rc ? &e : NULL);
    }
    pthread_mutex_lock(&a->mu);
}

static void *writer_main(void *arg)
{
    audit *a = arg;
    qevent **batch = core_xmalloc(sizeof(qevent *) * a->batch_max);
    /* at most one checkpoint per checkpoint_every entries, plus one */
    cp_pending *cps = core_xmalloc(sizeof(cp_pending) * (a->batch_max / a->checkpoint_every + 2));
    qevent **obatch = core_xmalloc(sizeof(qevent *) * a->batch_max);
    int failures = 0;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->count == 0 && !a->outbox_kick && !a->stopping) {
            a->writer_idle = 1;
            pthread_cond_wait(&a->not_empty, &a->mu);
            a->writer_idle = 0;
        }
        if (a->outbox_kick && a->main) {
            /* Everything committed to the outbox before the kick is read by this drain: when it ends with
             * the outbox empty, every id up to the highest one waited for is in the chain. */
            a->outbox_kick = 0;
            int64_t want = a->outbox_want, low = 0;
            pthread_mutex_unlock(&a->mu);
            core_error e;
            core_error_clear(&e);
            int rc = audit_outbox_drain(a, obatch, cps, &low, &e);
            pthread_mutex_lock(&a->mu);
            if (rc == 0 && want > low)
                low = want;
            if (low > a->outbox_low)
                a->outbox_low = low;
            if (rc) {
                if (a->fail_code == 0)
                    core_log(CORE_LOG_ERROR, "audit_outbox_failed", "code", core_error_name(rc), "detail",
                             e.detail, CORE_LOG_END);
                a->fail_code = rc;
                a->fail_err = e;
                core_error_message(&a->fail_err, "audit trail cannot be written");
                a->outbox_kick = 1; /* try again after a pause */
                failures++;
            } else if (a->count == 0) {
                a->fail_code = 0;
            }
            pthread_cond_broadcast(&a->progress);
            waiters_fire(a, 0);
            if (rc) {
                if (a->stopping && failures >= STOP_ATTEMPTS)
                    break;
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += RETRY_PAUSE_MS * 1000000L;
                until.tv_sec += until.tv_nsec / 1000000000L;
                until.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&a->not_empty, &a->mu, &until);
            }
            continue;
        }
        a->outbox_kick = 0;
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
        int full = a->sync_ticket > a->written;
        pthread_mutex_unlock(&a->mu);

        core_error e;
        core_error_clear(&e);
        int64_t last_seq = 0;
        unsigned char last_hash[AUDIT_HASH_BYTES];
        uint32_t ncps = 0;
        int rc = audit_write_batch(a, batch, n, full, &last_seq, last_hash, cps, &ncps, &e);
        if (rc == 0) {
            for (uint32_t i = 0; i < ncps; i++)
                audit_write_checkpoint(a, cps[i].seq, cps[i].hash);
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
            waiters_fire(a, 0);
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
            waiters_fire(a, 0);
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
    free(obatch);
    free(cps);
    return NULL;
}

/* The highest checkpoint in the checkpoint file that our public key signed (0 and zero hash: none). */
static int last_signed_checkpoint(const char *db_path, const audit_keys *k, int64_t *seq,
                                  unsigned char hash[AUDIT_HASH_BYTES])
{
    *seq = 0;
    memset(hash, 0, AUDIT_HASH_BYTES);
    char *path = audit_path(db_path, ".audit-checkpoints");
    FILE *f = fopen(path, "re");
    free(path);
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] != '\n')
            continue;
        int64_t s;
        unsigned char h[AUDIT_HASH_BYTES], sig[crypto_sign_BYTES];
        if (audit_checkpoint_parse(line, (size_t)len - 1, &s, h, sig) == 0 && s > *seq &&
            audit_checkpoint_signed(k->sign_pk, s, h, sig)) {
            *seq = s;
            memcpy(hash, h, AUDIT_HASH_BYTES);
        }
    }
    free(line);
    fclose(f);
    return 0;
}

/* At open: the entries after the last signed checkpoint (a crash leaves them unsigned) are checked against
 * the chain and, when they hold, signed (finding 19 of issue 9). A chain that does not hold is refused: the
 * trail was changed and a server must not seal the change. */
static int seal_unsigned_tail(audit *a, const char *db_path, core_error *err)
{
    int64_t cp_seq = 0;
    unsigned char cp_hash[AUDIT_HASH_BYTES];
    if (last_signed_checkpoint(db_path, &a->keys, &cp_seq, cp_hash) != 0)
        return core_error_set(err, CORE_E_IO, "cannot read the audit checkpoint file: %s", strerror(errno));
    if (a->last_seq <= cp_seq) {
        a->cp_seq = a->last_seq;
        return 0;
    }
    if (cp_seq > 0) { /* the entry the checkpoint names must still be the one it signed */
        core_arena ar = CORE_ARENA_INIT;
        store_stmt *st;
        store_value p[] = {store_v_int(cp_seq)};
        unsigned char have[AUDIT_HASH_BYTES];
        int rc = store_query(a->db, &ar, SQL_ENTRY_HASH, p, 1, &st, err);
        if (rc == 0)
            rc = store_next(st, err);
        size_t hl = 0;
        const char *hx = rc == 1 ? store_col_text(st, 0, &hl) : NULL;
        int same = hx && audit_hex_parse(hx, hl, have, sizeof have) == 0 &&
                   sodium_memcmp(have, cp_hash, sizeof have) == 0;
        core_arena_release(&ar);
        if (rc < 0)
            return rc;
        if (!same) {
            core_error_set(err, CORE_E_IO, "audit entry %lld differs from its signed checkpoint",
                           (long long)cp_seq);
            return core_error_hint(err, "the trail was changed: run `hearth audit verify` and restore it");
        }
    }
    audit_verify_report r;
    memset(&r, 0, sizeof r);
    int rc = audit_chain_check(a->db, &a->keys, cp_seq, cp_hash, &r, err);
    if (rc)
        return rc;
    /* another process may have appended since the tail was read: what was read must verify, more may follow */
    if (r.fault != AUDIT_FAULT_NONE || r.last_seq < a->last_seq) {
        core_error_set(err, CORE_E_IO, "the audit trail after its last signed checkpoint does not verify: %s",
                       r.what);
        return core_error_hint(err, "run `hearth audit verify`; the server does not sign a changed trail");
    }
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)(a->last_seq - cp_seq));
    core_log(CORE_LOG_INFO, "audit_tail_sealed", "entries", n, CORE_LOG_END);
    if (audit_write_checkpoint(a, a->last_seq, a->last_hash) != 0)
        return core_error_set(err, CORE_E_IO, "the audit checkpoint for the unsigned tail cannot be written");
    a->cp_seq = a->last_seq;
    return 0;
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
    a->sync_full = 1; /* store_open's setting */

    a->on_pg = store_target_is_pg(db_path);
    char *sign_path = audit_signing_key_path(db_path, cfg ? cfg->signing_key : NULL);
    int rc = audit_pg_dir_check(db_path, err);
    if (rc == 0)
        rc = audit_keys_load(db_path, sign_path, 1, &a->keys, err);
    free(sign_path);
    if (rc == 0) {
        char *trail = audit_trail_path(db_path);
        rc = store_open(&a->db, trail, err);
        free(trail);
    }
    if (rc == 0 && !a->on_pg) /* on PostgreSQL the migrations made it (pg/0005_audit.sql) */
        rc = store_exec_script(a->db, SQL_SCHEMA, err);
    if (rc == 0) {
        core_arena ar = CORE_ARENA_INIT;
        store_stmt *st;
        rc = store_query(a->db, &ar, audit_sql_tail, NULL, 0, &st, err);
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
        a->cp_seq = a->last_seq;
    }
    if (rc == 0) {
        char *cp_path = audit_path(db_path, ".audit-checkpoints");
        a->cp_fd = open(cp_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (a->cp_fd < 0)
            rc = core_error_set(err, CORE_E_IO, "cannot open %s: %s", cp_path, strerror(errno));
        free(cp_path);
    }
    if (rc == 0)
        rc = seal_unsigned_tail(a, db_path, err);
    if (rc == 0)
        rc = store_open(&a->main, db_path, err);
    /* This handle only reads the outbox and deletes what the chain holds: a delete lost to a power cut leaves
     * rows that the next drain finds done (audit_outbox_done) and only deletes, so its commits need not wait
     * for the disk — one sync less per drain, and the write lock held that much shorter (issue 13). */
    if (rc == 0 && !a->on_pg) /* PostgreSQL syncs every commit */
        rc = store_exec_script(a->main, "PRAGMA synchronous=NORMAL", err);
    if (rc == 0) {
        core_arena ar = CORE_ARENA_INIT;
        int64_t has = a->on_pg; /* a PostgreSQL database is made whole by its migrations */
        if (!a->on_pg)
            rc = store_query_int(a->main, &ar, SQL_OUTBOX_EXISTS, NULL, 0, &has, err);
        core_arena_release(&ar);
        if (rc == 0 && !has) { /* a database not migrated to 0011: no outbox to drain */
            store_close(a->main);
            a->main = NULL;
        }
    }
    if (rc == 0 && a->main) { /* what a crash left in the outbox goes into the chain before anything else */
        qevent **tmp = core_xmalloc(sizeof(qevent *) * a->batch_max);
        cp_pending *cps = core_xmalloc(sizeof(cp_pending) * (a->batch_max / a->checkpoint_every + 2));
        int64_t low = 0;
        rc = audit_outbox_drain(a, tmp, cps, &low, err);
        a->outbox_low = low;
        free(tmp);
        free(cps);
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
    uint64_t ticket;
    return audit_record_ticket(a, ev, flags, &ticket, err);
}

int audit_record_ticket(audit *a, const audit_event *ev, unsigned flags, uint64_t *ticket_out, core_error *err)
{
    *ticket_out = 0;
#ifdef HEARTH_BENCH_NO_AUDIT
    /* BENCH BUILD ONLY (meson -Dbench_no_audit=true): record nothing, so that bench/api can measure what
     * auditing costs against this build. Such a server serves personal data UNAUDITED: it exists only for
     * bench/api and must never be deployed. audit_open() logs an error line saying so at every start. */
    (void)a, (void)ev, (void)flags, (void)err;
    return 0;
#endif
    size_t lens[5];
    int rc = audit_event_check(ev, lens, err);
    if (rc)
        return rc;
    qevent *q = audit_qevent_make(ev, lens, NULL);
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
    *ticket_out = ticket;
    if (flags & AUDIT_DURABLE)
        a->durable_ticket = a->sync_ticket = ticket;
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

int audit_await(audit *a, uint64_t ticket, core_error *err)
{
    if (!a || ticket == 0)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    if (a->written < ticket) {
        if (ticket > a->durable_ticket)
            a->durable_ticket = ticket; /* the writer stops lingering: someone waits */
        if (a->writer_idle)
            pthread_cond_signal(&a->not_empty);
    }
    while (a->written < ticket && !a->fail_code && a->thread_started)
        pthread_cond_wait(&a->progress, &a->mu);
    if (a->written < ticket) {
        rc = a->fail_code ? a->fail_code : CORE_E_INTERNAL;
        if (err && a->fail_code)
            *err = a->fail_err;
        else
            core_error_set(err, CORE_E_INTERNAL, "audit writer is not running");
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int audit_await_async(audit *a, uint64_t ticket, audit_waiter *w, audit_done_fn fn, void *arg, core_error *err)
{
    if (!a || ticket == 0)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    if (a->written >= ticket) {
        rc = 0;
    } else if (a->fail_code) {
        rc = a->fail_code;
        if (err)
            *err = a->fail_err;
    } else if (!a->thread_started || a->stopping) {
        rc = core_error_set(err, CORE_E_INTERNAL, "audit writer is not running");
    } else {
        w->ticket = ticket;
        w->fn = fn;
        w->arg = arg;
        w->next = a->waiters;
        a->waiters = w;
        if (ticket > a->durable_ticket)
            a->durable_ticket = ticket; /* the writer stops lingering: someone waits */
        if (a->writer_idle)
            pthread_cond_signal(&a->not_empty);
        rc = AUDIT_WAITING;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int audit_outbox_add(store *s, const audit_event *ev, int64_t *id, core_error *err)
{
    size_t lens[5];
    int rc = audit_event_check(ev, lens, err);
    if (rc)
        return rc;
    char at[AUDIT_TS_SIZE];
    utc_now(at);
    store_value p[] = {
        store_v_text(at),
        ev->actor_user_id ? store_v_int(ev->actor_user_id) : store_v_null(),
        store_v_text(ev->actor_role),
        store_v_text(ev->action),
        store_v_text(ev->target_table),
        ev->target_id ? store_v_int(ev->target_id) : store_v_null(),
        store_v_text(ev->detail),
        store_v_text(ev->client_address),
    };
    int64_t got = 0;
    core_arena ar = CORE_ARENA_INIT; /* the statement is done before `at` leaves this frame */
    rc = store_query_int(s, &ar, SQL_OUTBOX_INSERT, p, sizeof p / sizeof p[0], &got, err);
    core_arena_release(&ar);
    if (rc == 0 && id)
        *id = got;
    return rc;
}

int audit_outbox_await(audit *a, int64_t id, core_error *err)
{
    if (!a || id <= 0)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    if (a->main && a->outbox_low < id) {
        if (id > a->outbox_want)
            a->outbox_want = id;
        a->outbox_kick = 1;
        pthread_cond_signal(&a->not_empty);
        while (a->outbox_low < id && !a->fail_code && a->thread_started)
            pthread_cond_wait(&a->progress, &a->mu);
        if (a->outbox_low < id) {
            rc = a->fail_code ? a->fail_code : CORE_E_INTERNAL;
            if (err && a->fail_code)
                *err = a->fail_err;
            else
                core_error_set(err, CORE_E_INTERNAL, "audit writer is not running");
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
    if (target > a->sync_ticket)
        a->sync_ticket = target; /* and what it waits for reaches the disk */
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
    if (due && audit_write_checkpoint(a, seq, hash) != 0)
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
        /* what the outbox holds goes into the chain before the closing checkpoint (else the next open) */
        audit_outbox_await(a, INT64_MAX, NULL);
        rc = audit_checkpoint(a, err); /* flushes first */
        pthread_mutex_lock(&a->mu);
        a->stopping = 1;
        pthread_cond_broadcast(&a->not_empty);
        pthread_cond_broadcast(&a->not_full);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
        a->thread_started = 0;
    }
    pthread_mutex_lock(&a->mu);
    waiters_fire(a, 1); /* none should be left (a server stops before its trail closes); if any, they hear */
    pthread_mutex_unlock(&a->mu);
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
    store_close(a->main);
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
