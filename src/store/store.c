/*
 * store.c — the back-end-independent half of the store: dispatch through struct store_backend, migrations,
 * transactions and the handle pool (contract in store.h).
 */
#include "store/store.h"

#include <errno.h>
#include <string.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "core/core_clock.h"
#include "core/core_log.h"
#include "store/store_group.h"
#include "store/store_internal.h"

int store_target_is_pg(const char *target)
{
    return strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0;
}

int store_open(store **out, const char *target, core_error *err)
{
    /* "postgres://..." or "postgresql://..." is a PostgreSQL server (store_pg.c); anything else an SQLite file */
    const struct store_backend *be = store_target_is_pg(target) ? &store_pg_backend : &store_sqlite_backend;
    int rc = be->open(out, target, err);
    if (rc == 0)
        (*out)->be = be;
    return rc;
}

void store_close(store *s)
{
    if (s)
        s->be->close(s);
}

int store_exec_script(store *s, const char *sql, core_error *err)
{
    return s->be->exec_script(s, sql, err);
}

/* sql with every ID_LIST($N) spelled as the back end spells it (in a, when there is one; else sql itself). */
static const char *expand_dialect(store *s, core_arena *a, const char *sql)
{
    static const char MARK[] = "ID_LIST($";
    const char *m = strstr(sql, MARK);
    if (!m || !s->be->id_list)
        return sql;
    size_t hits = 0;
    for (const char *p = m; p; p = strstr(p + 1, MARK))
        hits++;
    const char *tpl = s->be->id_list;
    char *out = core_arena_alloc(a, strlen(sql) + hits * (strlen(tpl) + 24) + 1), *o = out;
    const char *p = sql;
    while ((m = strstr(p, MARK)) != NULL) {
        const char *num = m + sizeof MARK - 1, *end = num;
        while (*end >= '0' && *end <= '9')
            end++;
        if (end == num || *end != ')') { /* not the marker: copy it as it stands */
            memcpy(o, p, (size_t)(end - p));
            o += end - p;
            p = end;
            continue;
        }
        memcpy(o, p, (size_t)(m - p));
        o += m - p;
        for (const char *t = tpl; *t; t++) {
            if (t[0] == '$' && t[1] == '?') {
                *o++ = '$';
                memcpy(o, num, (size_t)(end - num));
                o += end - num;
                t++;
            } else {
                *o++ = *t;
            }
        }
        p = end + 1;
    }
    memcpy(o, p, strlen(p) + 1);
    return out;
}

int store_query(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, store_stmt **out,
                core_error *err)
{
    store_stmt *st;
    sql = expand_dialect(s, a, sql);
    int rc = s->be->prepare(s, a, sql, &st, err);
    if (rc)
        return rc;
    rc = s->be->bind(st, params, n, err);
    if (rc)
        return rc;
    *out = st;
    return 0;
}

int store_next(store_stmt *st, core_error *err)
{
    return st->s->be->step(st, err);
}

int store_exec(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, int64_t *changes,
               core_error *err)
{
    store_stmt *st;
    int rc = store_query(s, a, sql, params, n, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1)
        ;
    if (rc < 0)
        return rc;
    if (changes)
        s->be->changes(s, changes);
    return 0;
}

void store_done(store_stmt *st)
{
    if (st)
        st->s->be->reset(st);
}

int store_query_int(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, int64_t *out,
                    core_error *err)
{
    store_stmt *st;
    int rc = store_query(s, a, sql, params, n, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "query returned no row");
    *out = store_col_int(st, 0);
    /* Drain so that RETURNING statements complete and the statement is reusable. */
    while ((rc = store_next(st, err)) == 1)
        ;
    return rc < 0 ? rc : 0;
}

static void write_unlock(store *s)
{
    if (s->write_lock)
        pthread_mutex_unlock(s->write_lock);
}

int store_begin(store *s, core_error *err)
{
    if (s->in_tx)
        return core_error_set(err, CORE_E_INTERNAL, "a transaction is already open on this handle");
    /* A statement that returned a row and was not finished holds a read snapshot: BEGIN IMMEDIATE then fails
     * at once (SQLITE_BUSY_SNAPSHOT, no busy wait) whenever another handle wrote since, so a missing
     * store_done() would show only as a rare 503 under load. It is refused every time instead. */
    const char *open = s->be->open_read ? s->be->open_read(s) : NULL;
    if (open) {
        core_log(CORE_LOG_ERROR, "store_read_open", "sql", open, CORE_LOG_END);
        core_error_set(err, CORE_E_INTERNAL, "a read on this handle is still open: %s", open);
        return core_error_hint(err, "finish the read with store_done() before beginning a transaction");
    }
    if (s->write_lock)
        pthread_mutex_lock(s->write_lock);
    int rc = s->group ? s->be->defer_sync(s, 1, err) : 0; /* group commit: this COMMIT does not sync */
    if (rc == 0)
        rc = s->be->exec_script(s, "BEGIN IMMEDIATE", err);
    if (rc == 0) {
        s->in_tx = 1;
    } else {
        if (s->group)
            s->be->defer_sync(s, 0, NULL);
        write_unlock(s);
    }
    return rc;
}

int store_commit(store *s, core_error *err)
{
    if (s->group) {
        /* Group commit (store_group.c): commit without waiting for the disk, let the next writer in, then wait
         * until a sync of the log covers this commit — one sync for every writer that committed meanwhile. */
        int rc = s->be->exec_script(s, "COMMIT", err);
        if (rc)
            return rc; /* still open: the caller rolls back (which puts the sync back) */
        uint64_t ticket = store_group_ticket(s->group);
        s->in_tx = 0;
        core_error e;
        int back = s->be->defer_sync(s, 0, &e);
        write_unlock(s);
        rc = store_group_wait(s->group, s, ticket, err);
        if (rc == 0 && back != 0 && err)
            *err = e; /* durable, but the handle could not be set back to sync its own commits */
        return rc ? rc : back;
    }
    int rc = s->be->exec_script(s, "COMMIT", err);
    if (rc == 0) {
        s->in_tx = 0;
        write_unlock(s);
    }
    return rc;
}

int store_rollback(store *s)
{
    if (!s->in_tx)
        return 0;
    s->in_tx = 0;
    int rc = s->be->exec_script(s, "ROLLBACK", NULL);
    if (s->group)
        s->be->defer_sync(s, 0, NULL);
    write_unlock(s);
    return rc;
}

int store_col_count(store_stmt *st)
{
    return st->s->be->col_count(st);
}
const char *store_col_name(store_stmt *st, int i)
{
    return st->s->be->col_name(st, i);
}
store_type store_col_type(store_stmt *st, int i)
{
    return st->s->be->col_type(st, i);
}
int64_t store_col_int(store_stmt *st, int i)
{
    return st->s->be->col_int(st, i);
}
double store_col_real(store_stmt *st, int i)
{
    return st->s->be->col_real(st, i);
}
const char *store_col_text(store_stmt *st, int i, size_t *len)
{
    return st->s->be->col_text(st, i, len);
}

/* ---- migrations ---- */

static const char SQL_MIGRATIONS_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migration (\n"
    "  version INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL\n"
    ")";

/* The highest migration applied; NULL (read as 0) on a new database. */
static const char SQL_SCHEMA_VERSION[] =
    "SELECT coalesce(max(version), 0)\n"
    "  FROM schema_migration";

static const char SQL_MIGRATION_RECORD[] =
    "INSERT INTO schema_migration (version, name, applied_at)\n"
    "VALUES ($1, $2, $3)";

int store_schema_version(store *s, int *out, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    int64_t v = 0;
    int rc = store_exec_script(s, SQL_MIGRATIONS_TABLE, err);
    if (rc == 0)
        rc = store_query_int(s, &a, SQL_SCHEMA_VERSION, NULL, 0, &v, err);
    core_arena_release(&a);
    if (rc == 0)
        *out = (int)v;
    return rc;
}

/* 1 when migration $1 has been applied. */
static const char SQL_MIGRATION_APPLIED[] =
    "SELECT count(*)\n"
    "  FROM schema_migration\n"
    " WHERE version = $1";

const struct store_migration *store_migrations_for(const struct store_backend *be, size_t *count)
{
    if (count)
        *count = be == &store_pg_backend ? store_pg_migrations_count : store_migrations_count;
    return be == &store_pg_backend ? store_pg_migrations : store_migrations;
}

int store_migrate(store *s, core_error *err)
{
    /* The same numbered migrations in each back end's dialect (PostgreSQL's translated at build time). */
    const struct store_migration *list = store_migrations_for(s->be, NULL);
    size_t count = 0;
    store_migrations_for(s->be, &count);
    int current = 0;
    int rc = store_schema_version(s, &current, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < count; i++) {
        const struct store_migration *m = &list[i];
        /* Applied or not is asked per migration, not read off the highest number: numbers are handed out to
         * work in progress, so one may land after a higher one has been applied (it is applied then). */
        int64_t applied = 0;
        core_arena a = CORE_ARENA_INIT;
        store_value pv = store_v_int(m->version);
        rc = m->version <= current ? store_query_int(s, &a, SQL_MIGRATION_APPLIED, &pv, 1, &applied, err) : 0;
        core_arena_reset(&a);
        if (rc) {
            core_arena_release(&a);
            return rc;
        }
        if (applied) {
            core_arena_release(&a);
            continue;
        }
        rc = store_begin(s, err);
        if (rc == 0)
            rc = store_exec_script(s, m->sql, err);
        if (rc == 0) {
            char now[21];
            core_clock_iso(0, now);
            store_value p[] = {store_v_int(m->version), store_v_text(m->name), store_v_text(now)};
            rc = store_exec(s, &a, SQL_MIGRATION_RECORD, p, 3, NULL, err);
        }
        core_arena_release(&a); /* statements are reset before COMMIT */
        if (rc == 0)
            rc = store_commit(s, err);
        if (rc) {
            store_rollback(s);
            core_error_message(err, "migration %04d_%s failed", m->version, m->name);
            return rc;
        }
    }
    return 0;
}

/* ---- pool ---- */

struct store_pool {
    pthread_mutex_t mu;
    pthread_mutex_t write_lock;
    pthread_cond_t cv;
    store_group *group; /* the handles' commits are synced together (NULL: the back end cannot) */
    int size;
    int nfree;
    store **free_list;
    store **all;
};

int store_pool_open(store_pool **out, const char *target, int size, core_error *err)
{
    store_pool *p = core_xmalloc(sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->write_lock, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->size = size;
    p->nfree = 0;
    p->group = NULL;
    p->free_list = core_xmalloc(sizeof(store *) * (size_t)size);
    p->all = core_xmalloc(sizeof(store *) * (size_t)size);
    for (int i = 0; i < size; i++) {
        int rc = store_open(&p->all[i], target, err);
        if (rc) {
            for (int j = 0; j < i; j++)
                store_close(p->all[j]);
            store_group_free(p->group);
            free(p->free_list);
            free(p->all);
            free(p);
            return rc;
        }
        p->all[i]->write_lock = &p->write_lock;
        if (i == 0 && p->all[0]->be->defer_sync && p->all[0]->be->sync_log) {
            /* Group commit only where the log can be synced on its own (an SQLite database in WAL mode: a file
             * system without WAL leaves the handles syncing each commit themselves). */
            core_error probe;
            if (p->all[0]->be->sync_log(p->all[0], &probe) == 0)
                p->group = store_group_new();
        }
        p->all[i]->group = p->group;
        p->free_list[p->nfree++] = p->all[i];
    }
    *out = p;
    return 0;
}

int store_pool_exec_each(store_pool *p, const char *sql, const store_value *params, size_t n, core_error *err)
{
    int rc = 0;
    for (int i = 0; i < p->size && rc == 0; i++) {
        core_arena a = CORE_ARENA_INIT;
        rc = store_exec(p->all[i], &a, sql, params, n, NULL, err);
        core_arena_release(&a);
    }
    return rc;
}

store *store_pool_acquire(store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    store *s = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void store_pool_release(store_pool *p, store *s)
{
    store_rollback(s); /* a handler that failed mid-transaction leaves nothing half-done */
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void store_pool_close(store_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        store_close(p->all[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->write_lock);
    pthread_cond_destroy(&p->cv);
    store_group_free(p->group);
    free(p->free_list);
    free(p->all);
    free(p);
}

/* ---- keeping the write-ahead log small ---- */

int store_wal_checkpoint(store *s, int truncate, int64_t *wal_frames, core_error *err)
{
    return s->be->checkpoint(s, truncate, wal_frames, err);
}

struct store_wal_keeper {
    store *s;
    char *target; /* for the log lines */
    unsigned interval_ms;
    int64_t truncate_frames;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
};

static void *keeper_main(void *arg)
{
    store_wal_keeper *k = arg;
    int failing = 0;
    pthread_mutex_lock(&k->mu);
    while (!k->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += k->interval_ms / 1000;
        until.tv_nsec += (long)(k->interval_ms % 1000) * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!k->stopping && pthread_cond_timedwait(&k->cv, &k->mu, &until) != ETIMEDOUT)
            ;
        if (k->stopping)
            break;
        pthread_mutex_unlock(&k->mu);
        core_error err;
        core_error_clear(&err);
        int64_t frames = 0;
        int rc = store_wal_checkpoint(k->s, 0, &frames, &err);
        if (rc == 0 && frames > k->truncate_frames)
            rc = store_wal_checkpoint(k->s, 1, NULL, &err);
        if (rc && rc != CORE_E_BUSY && !failing) {
            core_log(CORE_LOG_ERROR, "wal_checkpoint_failed", "database", k->target, "code", core_error_name(rc),
                     "detail", err.detail, CORE_LOG_END);
            failing = 1;
        } else if (rc == 0 && failing) {
            core_log(CORE_LOG_INFO, "wal_checkpoint_recovered", "database", k->target, CORE_LOG_END);
            failing = 0;
        }
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

int store_wal_keeper_start(store_wal_keeper **out, const char *target, unsigned interval_ms, int64_t truncate_frames,
                           core_error *err)
{
    *out = NULL;
    store_wal_keeper *k = core_xmalloc(sizeof(*k));
    memset(k, 0, sizeof(*k));
    int rc = store_open(&k->s, target, err);
    if (rc) {
        free(k);
        return rc;
    }
    size_t n = strlen(target);
    k->target = core_xmalloc(n + 1);
    memcpy(k->target, target, n + 1);
    k->interval_ms = interval_ms ? interval_ms : 1000;
    k->truncate_frames = truncate_frames;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        store_close(k->s);
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        free(k->target);
        free(k);
        return core_error_set(err, CORE_E_INTERNAL, "cannot start the checkpoint thread");
    }
    *out = k;
    return 0;
}

void store_wal_keeper_stop(store_wal_keeper *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stopping = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    store_close(k->s);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k->target);
    free(k);
}
