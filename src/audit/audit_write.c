/*
 * audit_write.c — the writer's transactions: appending a batch to the chain (audit_write_batch), moving the
 * outbox into it (audit_outbox_drain) and appending checkpoint lines (contract in audit.h; the queue and the
 * writer thread that calls these are in audit.c, which says whose thread runs what).
 */
#include "audit/audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_internal.h"
#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_log.h"
#include "store/store.h"

/* The chain's tail: the last entry's seq and hash (none: 0 and the empty result). */
const char audit_sql_tail[] = "SELECT seq, hash\n"
                               "  FROM audit_event\n"
                               " ORDER BY seq DESC\n"
                               " LIMIT 1";

/* PostgreSQL: the chain's tail as its head row holds it, locked until the batch commits (pg/0005_audit.sql).
 * Several servers append to one chain; taking the lock before the tail is read makes them take turns, where
 * reading audit_event first let two read the same tail and the second's insert fail with 40001 — a batch of
 * reads each answered 503 whenever two servers were busy at once (tests/cluster/run.py). */
static const char SQL_TAIL_PG[] = "SELECT seq, hash\n"
                                  "  FROM audit_chain_head\n"
                                  " WHERE one = 1\n"
                                  "   FOR UPDATE";

/* Append entries (no rows returned): this head, then one "($1, ..., $11)" group of values per entry in the
 * columns' order (insert_sql below writes them out; one entry is exactly
 * "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"). */
static const char SQL_INSERT_HEAD[] =
    "INSERT INTO audit_event (seq, at, actor_user_id, actor_role, action, target_table, target_id, detail,\n"
    "                         client_address, prev_hash, hash)\n";
enum {
    AUDIT_INSERT_COLUMNS = 11, /* the values of one entry */
    AUDIT_INSERT_ROWS = 32,    /* entries in one INSERT at most: 352 parameters (SQLite and libpq take 999+) */
};

/* The oldest outbox rows, up to $1 of them. */
static const char SQL_OUTBOX_TAKE[] =
    "SELECT id, at, actor_user_id, actor_role, action, target_table, target_id, detail, client_address\n"
    "  FROM audit_outbox\n"
    " ORDER BY id\n"
    " LIMIT $1";

/* One outbox row the chain holds now (after the trail committed it). Row by row, never "id <= the highest
 * taken": on PostgreSQL ids come from a sequence and transactions commit out of id order (several connections,
 * several servers), so a row with a lower id can commit after the take read past it; a range delete removed
 * such a row unread, and its write was left with no event in the trail (tests/cluster/run.py). */
static const char SQL_OUTBOX_DELETE[] = "DELETE FROM audit_outbox\n"
                                        " WHERE id = $1";

/* Whether outbox row $1 is in the chain already (read inside the appending transaction). */
static const char SQL_DONE_FIND[] = "SELECT seq\n"
                                    "  FROM audit_outbox_done\n"
                                    " WHERE outbox_id = $1";

/* Remember that outbox row $1 is entry $2. */
static const char SQL_DONE_INSERT[] = "INSERT INTO audit_outbox_done (outbox_id, seq)\n"
                                      "VALUES ($1, $2)";


static store_value text_value(audit_text t)
{
    return t.s ? store_v_textn(t.s, t.len) : store_v_null();
}


int audit_write_checkpoint(audit *a, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES])
{
    char line[AUDIT_CP_LINE_MAX + 1];
    size_t n = audit_checkpoint_line(&a->keys, seq, hash, line);
    pthread_mutex_lock(&a->cp_mu);
    struct stat before;
    int have_size = fstat(a->cp_fd, &before) == 0;
    ssize_t w;
    do
        w = write(a->cp_fd, line, n); /* O_APPEND: one write, one whole line */
    while (w < 0 && errno == EINTR);
    int ok = w == (ssize_t)n && fsync(a->cp_fd) == 0;
    int e = ok ? 0 : w >= 0 && w != (ssize_t)n ? ENOSPC : errno;
    if (!ok && w > 0 && w != (ssize_t)n && have_size) /* a full disk took part of the line: take it back */
        if (ftruncate(a->cp_fd, before.st_size) != 0)
            e = errno;
    a->cp_fail = !ok; /* a later checkpoint covers everything an earlier one would have */
    pthread_mutex_unlock(&a->cp_mu);
    if (!ok) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)seq);
        core_log(CORE_LOG_ERROR, "audit_checkpoint_failed", "seq", s, "error", strerror(e), CORE_LOG_END);
        return CORE_E_IO;
    }
    return 0;
}

/* The INSERT of k entries (1 <= k <= AUDIT_INSERT_ROWS): SQL_INSERT_HEAD, then k groups of
 * AUDIT_INSERT_COLUMNS parameters, numbered on ($1..$11), ($12..$22), ... Made once per size and kept for the
 * process (the text depends on k alone), so each size is one cached prepared statement on the writer's handle. */
static const char *insert_sql(uint32_t k)
{
    static char *made[AUDIT_INSERT_ROWS + 1];
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (!made[k]) {
        core_buf b;
        core_buf_init(&b, 64 * 1024);
        core_buf_adds(&b, SQL_INSERT_HEAD);
        for (uint32_t r = 0; r < k; r++) {
            core_buf_adds(&b, r ? ",\n       (" : "VALUES (");
            for (uint32_t c = 0; c < AUDIT_INSERT_COLUMNS; c++)
                core_buf_addf(&b, "%s$%u", c ? ", " : "", r * AUDIT_INSERT_COLUMNS + c + 1);
            core_buf_addch(&b, ')');
        }
        if (!core_buf_ok(&b))
            core_die("audit insert statement too long");
        made[k] = core_buf_detach(&b, NULL);
        core_buf_release(&b);
    }
    const char *sql = made[k];
    pthread_mutex_unlock(&mu);
    return sql;
}

/* Insert the k entries whose values are vals[0 .. k * AUDIT_INSERT_COLUMNS) with one statement, then
 * remember the ndone outbox rows among them (outbox id, seq) in audit_outbox_done. */
static int insert_rows(audit *a, core_arena *ar, const store_value *vals, uint32_t k, int64_t done_ids[][2],
                       uint32_t ndone, core_error *err)
{
    int rc = store_exec(a->db, ar, insert_sql(k), vals, (size_t)k * AUDIT_INSERT_COLUMNS, NULL, err);
    core_arena_reset(ar); /* the bound hex buffers are the caller's */
    for (uint32_t i = 0; rc == 0 && i < ndone; i++) {
        store_value d[] = {store_v_int(done_ids[i][0]), store_v_int(done_ids[i][1])};
        rc = store_exec(a->db, ar, SQL_DONE_INSERT, d, 2, NULL, err);
        core_arena_reset(ar);
    }
    return rc;
}

/* Append events ev[0..n) in one transaction. An event taken from the outbox is appended only when the trail
 * does not hold its outbox id yet (read inside the transaction: another process may have moved it), and its
 * id is remembered in the same transaction. On success *last_seq/last_hash are the batch's last entry and
 * cps[0..*ncps) the checkpoints it reached. */
int audit_write_batch(audit *a, qevent **ev, uint32_t n, int full, int64_t *last_seq,
                      unsigned char last_hash[AUDIT_HASH_BYTES], cp_pending *cps, uint32_t *ncps, core_error *err)
{
    core_arena ar = CORE_ARENA_INIT;
    int64_t seq = 0;
    unsigned char prev[AUDIT_HASH_BYTES] = {0};
    *ncps = 0;
    /* A batch only reads wait for is committed without a sync of the log (it survives the process being
     * killed; the next synced commit or checkpoint takes it to the disk); one holding an event that must
     * survive a power cut (AUDIT_DURABLE, audit_flush, the outbox) is synced, and with it all before it. */
    if (full != a->sync_full && !a->on_pg) { /* PostgreSQL syncs every commit */
        int src = store_exec_script(a->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err);
        if (src)
            return src;
        a->sync_full = full;
    }
    int rc = store_begin(a->db, err);
    if (rc)
        return rc;
    /* The same promise on PostgreSQL, which syncs every commit unless told: a batch only reads wait for is
     * committed without waiting for the server's log flush (visible, and kept if Hearth is killed; a later
     * synced commit, which PostgreSQL writes after it, or the server's WAL writer, takes it to the disk). A
     * power cut of the database server can take the last moments of read events, as on SQLite. */
    if (a->on_pg && !full) {
        rc = store_exec_script(a->db, "SET LOCAL synchronous_commit = off", err);
        if (rc) {
            store_rollback(a->db);
            return rc;
        }
    }
    /* The tail is read inside the transaction: another process may have appended since our last batch. */
    store_stmt *st;
    rc = store_query(a->db, &ar, a->on_pg ? SQL_TAIL_PG : audit_sql_tail, NULL, 0, &st, err);
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
    core_arena_reset(&ar);
    /* On PostgreSQL the entries go in as multi-row INSERTs of AUDIT_INSERT_ROWS rows at most (one statement
     * and one round trip per chunk instead of per entry). A chunk's values point into rows[]: kept
     * until the chunk's statement is done. */
    struct {
        char prevx[AUDIT_HASH_HEX + 1], hx[AUDIT_HASH_HEX + 1];
    } rows[AUDIT_INSERT_ROWS];
    store_value vals[AUDIT_INSERT_ROWS * AUDIT_INSERT_COLUMNS];
    int64_t done_ids[AUDIT_INSERT_ROWS][2]; /* outbox id and seq of each outbox row in the chunk */
    uint32_t k = 0, ndone = 0;
    /* SQLite: one entry per statement. Measured with the writer alone (a process recording batches of 32
     * events and waiting for each): 9 us of CPU per event one by one against 14.5 us in statements of 32
     * rows; on PostgreSQL 81-94 us against 34-44 us of wall time per event (round trips). */
    uint32_t rows_max = a->on_pg ? AUDIT_INSERT_ROWS : 1;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        qevent *q = ev[i];
        if (q->outbox_id) {
            int64_t done = 0;
            store_value d[] = {store_v_int(q->outbox_id)};
            int f = store_query_int(a->db, &ar, SQL_DONE_FIND, d, 1, &done, err);
            core_arena_reset(&ar);
            if (f == 0)
                continue; /* already in the chain */
            if (f != CORE_E_NOT_FOUND) {
                rc = f;
                break;
            }
        }
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
        sodium_bin2hex(rows[k].prevx, sizeof rows[k].prevx, prev, sizeof prev);
        sodium_bin2hex(rows[k].hx, sizeof rows[k].hx, h, sizeof h);
        store_value p[AUDIT_INSERT_COLUMNS] = {
            store_v_int(r.seq),
            store_v_textn(r.at.s, r.at.len),
            r.has_actor ? store_v_int(r.actor_user_id) : store_v_null(),
            text_value(r.actor_role),
            text_value(r.action),
            text_value(r.target_table),
            r.has_target ? store_v_int(r.target_id) : store_v_null(),
            text_value(r.detail),
            text_value(r.client_address),
            store_v_textn(rows[k].prevx, AUDIT_HASH_HEX),
            store_v_textn(rows[k].hx, AUDIT_HASH_HEX),
        };
        memcpy(&vals[k * AUDIT_INSERT_COLUMNS], p, sizeof p);
        if (q->outbox_id) {
            done_ids[ndone][0] = q->outbox_id;
            done_ids[ndone][1] = r.seq;
            ndone++;
        }
        k++;
        memcpy(prev, h, sizeof prev);
        if (r.seq % a->checkpoint_every == 0) {
            cps[*ncps].seq = r.seq;
            memcpy(cps[*ncps].hash, h, sizeof h);
            (*ncps)++;
        }
        if (k == rows_max || i + 1 == n) {
            rc = insert_rows(a, &ar, vals, k, done_ids, ndone, err);
            k = ndone = 0;
        }
    }
    if (rc == 0 && k > 0) /* the last events were outbox rows already in the chain */
        rc = insert_rows(a, &ar, vals, k, done_ids, ndone, err);
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

static int64_t col_int_or0(store_stmt *st, int i)
{
    return store_col_type(st, i) == STORE_INT ? store_col_int(st, i) : 0;
}

/* Read up to max outbox rows (oldest first) into out[]; *n gets how many, *high the highest id read. A row
 * that is not a valid event (never written by audit_outbox_add()) is still taken, as an event saying so, so
 * the outbox cannot jam. */
static int outbox_take(audit *a, qevent **out, uint32_t max, uint32_t *n, int64_t *high, core_error *err)
{
    core_arena ar = CORE_ARENA_INIT;
    store_stmt *st;
    *n = 0;
    *high = 0;
    store_value p[] = {store_v_int(max)};
    int rc = store_query(a->main, &ar, SQL_OUTBOX_TAKE, p, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        audit_event ev = {
            .actor_user_id = col_int_or0(st, 2),
            .actor_role = store_col_text(st, 3, NULL),
            .action = store_col_text(st, 4, NULL),
            .target_table = store_col_text(st, 5, NULL),
            .target_id = col_int_or0(st, 6),
            .detail = store_col_text(st, 7, NULL),
            .client_address = store_col_text(st, 8, NULL),
        };
        size_t lens[5];
        core_error e2;
        if (audit_event_check(&ev, lens, &e2) != 0) {
            ev = (audit_event){.action = "outbox_row_malformed"};
            audit_event_check(&ev, lens, NULL);
        }
        qevent *q = audit_qevent_make(&ev, lens, store_col_text(st, 1, NULL));
        q->outbox_id = store_col_int(st, 0);
        *high = q->outbox_id;
        out[(*n)++] = q;
    }
    core_arena_release(&ar);
    if (rc < 0) {
        for (uint32_t i = 0; i < *n; i++)
            free(out[i]);
        *n = 0;
    }
    return rc < 0 ? rc : 0;
}

/* Move what the outbox holds into the chain, batch by batch, until it is empty (or failing). Writer thread
 * only (or audit_open before the thread starts). Sets *low to the highest id known to be in the chain. */
int audit_outbox_drain(audit *a, qevent **batch, cp_pending *cps, int64_t *low, core_error *err)
{
    for (;;) {
        uint32_t n = 0;
        int64_t high = 0;
        int rc = outbox_take(a, batch, a->batch_max, &n, &high, err);
        if (rc || n == 0)
            return rc;
        int64_t last_seq = 0;
        unsigned char last_hash[AUDIT_HASH_BYTES];
        uint32_t ncps = 0;
        rc = audit_write_batch(a, batch, n, 1, &last_seq, last_hash, cps, &ncps, err);
        int64_t *taken = core_xmalloc(sizeof(int64_t) * n);
        for (uint32_t i = 0; i < n; i++) {
            taken[i] = batch[i]->outbox_id;
            free(batch[i]);
        }
        if (rc) {
            free(taken);
            return rc;
        }
        for (uint32_t i = 0; i < ncps; i++)
            audit_write_checkpoint(a, cps[i].seq, cps[i].hash);
        pthread_mutex_lock(&a->mu);
        a->last_seq = last_seq;
        memcpy(a->last_hash, last_hash, sizeof last_hash);
        if (ncps > 0 && cps[ncps - 1].seq == last_seq)
            a->cp_seq = last_seq;
        if (high > a->outbox_low) { /* in the chain now: whoever waits for them need not wait for the delete */
            a->outbox_low = high;
            pthread_cond_broadcast(&a->progress);
        }
        pthread_mutex_unlock(&a->mu);
        /* The rows are in the chain (and marked done there): a failed delete only means they are skipped
         * next time. */
        core_arena ar = CORE_ARENA_INIT;
        core_error e2;
        int drc = store_begin(a->main, &e2);
        for (uint32_t i = 0; drc == 0 && i < n; i++) {
            store_value d[] = {store_v_int(taken[i])};
            drc = store_exec(a->main, &ar, SQL_OUTBOX_DELETE, d, 1, NULL, &e2);
            core_arena_reset(&ar);
        }
        if (drc == 0)
            drc = store_commit(a->main, &e2);
        core_arena_release(&ar);
        free(taken);
        if (drc != 0) {
            store_rollback(a->main);
            *low = high;
            return core_error_set(err, e2.code, "moved audit outbox rows cannot be deleted: %s", e2.detail);
        }
        *low = high;
        if (n < a->batch_max)
            return 0;
    }
}

