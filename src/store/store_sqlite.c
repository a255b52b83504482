/*
 * store_sqlite.c — the SQLite back end of store.h.
 *
 * Each handle is one sqlite3 connection opened with WAL, synchronous=FULL, foreign keys on and a busy
 * timeout. Prepared statements are cached per connection, keyed by their SQL text, so the named SQL constants
 * of the program are compiled once per connection; a statement taken from the cache is marked in use and given
 * back (reset, bindings cleared) when the arena it was prepared on is reset or released.
 *
 * Parameters: Hearth writes $1, $2, ... (PostgreSQL's style). SQLite treats "$1" as a named parameter, so
 * bind() walks the statement's parameters, reads each one's name and binds value N to "$N" wherever and however
 * often it appears. A bare "?" or any other name is refused: SQL must use the portable form.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/core_parse.h"
#include "store/store_internal.h"
#include "store/store_sqlite_sql.h"

enum { STMT_CACHE_MAX = 256, BUSY_TIMEOUT_MS = 10000, CHECKPOINT_BUSY_MS = 100 };

typedef struct sqlite_stmt {
    store_stmt base;
    sqlite3_stmt *st;
    uint64_t hash;
    const char *sql;   /* owned copy for cached statements */
    int cached;
    int in_use;
} sqlite_stmt;

typedef struct sqlite_store {
    store base;
    sqlite3 *db;
    sqlite_stmt *cache[STMT_CACHE_MAX];
    int ncache;
} sqlite_store;

/* Whether a failed write was for want of room. SQLite says SQLITE_FULL for ENOSPC, but a quota (EDQUOT) or a
 * file-size limit (EFBIG) arrives as SQLITE_IOERR_WRITE, and the errno it keeps may have been overwritten by
 * the rollback since: so also when the process has a file-size limit, or the disk holding the database has
 * less than 4 MiB left. */
static int looks_full(sqlite3 *db)
{
    int e = sqlite3_system_errno(db);
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        return 1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        return 1;
    const char *file = sqlite3_db_filename(db, "main");
    struct statvfs sv;
    return file && file[0] && statvfs(file, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < (4u << 20);
}

/* A full disk (or a quota, or a file-size limit) is its own error, storage_full, with a hint that says what
 * to do and that nothing was stored: SQLite reports it as SQLITE_FULL, or as an I/O error whose system errno
 * is ENOSPC, EDQUOT or EFBIG (finding 20 of issue 9). */
static int result_code(sqlite3 *db, int rc)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_CONSTRAINT)
        return CORE_E_CONFLICT;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return CORE_E_BUSY;
    if (prim == SQLITE_FULL)
        return CORE_E_STORAGE_FULL;
    if (prim == SQLITE_IOERR && db &&
        (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_TRUNCATE || rc == SQLITE_IOERR_SHMSIZE) && looks_full(db))
        return CORE_E_STORAGE_FULL;
    return CORE_E_STORE;
}

static void code_hint(core_error *err, int code)
{
    if (code == CORE_E_BUSY)
        core_error_hint(err, "try again in a moment");
    else if (code == CORE_E_STORAGE_FULL)
        core_error_hint(err, "the disk holding the database is full: nothing of this was stored; free space "
                             "there and try again (the server keeps running and goes on when there is room)");
}

static int sqlite_fail(sqlite3 *db, int rc, core_error *err, const char *what)
{
    int code = result_code(db, rc);
    core_error_set(err, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    code_hint(err, code);
    return code;
}

static int sq_exec_script(store *s, const char *sql, core_error *err)
{
    sqlite_store *q = (sqlite_store *)s;
    char *msg = NULL;
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = result_code(q->db, rc);
        core_error_set(err, code, "sql script failed: %s", msg ? msg : sqlite3_errstr(rc));
        code_hint(err, code);
        sqlite3_free(msg);
        return code;
    }
    return 0;
}

/* Once per process, before the first connection: no global memory statistics (they take a process-wide
 * mutex on every allocation, which server threads then queue on). Refused harmlessly if SQLite is already
 * initialised. */
static void sq_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(store **out, const char *target, core_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sq_configure);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(target, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        core_error_set(err, CORE_E_STORE, "cannot open database: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        core_error_hint(err, "check that the directory exists and is writable");
        sqlite3_close(db);
        return CORE_E_STORE;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 1);
    store_sqlite_sql_register(db); /* string_agg: one SQL for both back ends */
    sqlite_store *q = core_xmalloc(sizeof(*q));
    memset(q, 0, sizeof(*q));
    q->db = db;
    rc = sq_exec_script(&q->base,
                        "PRAGMA journal_mode=WAL;\n"
                        "PRAGMA synchronous=FULL;\n"
                        "PRAGMA foreign_keys=ON;\n"
                        "PRAGMA temp_store=MEMORY;\n"
                        "PRAGMA cache_size=-65536;\n"
                        /* The write-ahead log is checkpointed by whichever connection commits past 1000
                         * pages (PASSIVE: it never waits), and after a checkpoint that resets it the file is
                         * cut back to 64 MiB; store_wal_keeper_start() adds a periodic TRUNCATE, since
                         * constant readers can keep a PASSIVE checkpoint from ever reaching the end. */
                        "PRAGMA wal_autocheckpoint=1000;\n"
                        "PRAGMA journal_size_limit=67108864;\n"
                        /* Pages are read through a memory map: every commit (the audit writer's batches
                         * included) makes other connections drop their page caches, and re-reading a page
                         * is then a pointer, not a copy through pread(). */
                        "PRAGMA mmap_size=2147418112;\n",
                        err);
    if (rc) {
        sqlite3_close(db);
        free(q);
        return rc;
    }
    *out = &q->base;
    return 0;
}

static void sq_close(store *s)
{
    sqlite_store *q = (sqlite_store *)s;
    for (int i = 0; i < q->ncache; i++) {
        sqlite3_finalize(q->cache[i]->st);
        free((void *)q->cache[i]->sql);
        free(q->cache[i]);
    }
    sqlite3_close(q->db);
    free(q);
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void stmt_give_back(void *p)
{
    sqlite_stmt *ss = p;
    sqlite3_reset(ss->st);
    sqlite3_clear_bindings(ss->st);
    ss->in_use = 0;
}

static void stmt_finalize(void *p)
{
    sqlite_stmt *ss = p;
    sqlite3_finalize(ss->st);
}

static int sq_prepare(store *s, core_arena *a, const char *sql, store_stmt **out, core_error *err)
{
    sqlite_store *q = (sqlite_store *)s;
    uint64_t h = sql_hash(sql);
    for (int i = 0; i < q->ncache; i++) {
        sqlite_stmt *c = q->cache[i];
        if (c->hash == h && !c->in_use && strcmp(c->sql, sql) == 0) {
            c->in_use = 1;
            core_arena_on_release(a, stmt_give_back, c);
            *out = &c->base;
            return 0;
        }
    }
    sqlite3_stmt *st = NULL;
    int cacheable = q->ncache < STMT_CACHE_MAX;
    int rc = sqlite3_prepare_v3(q->db, sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(q->db, rc, err, "cannot prepare statement");
    if (!st)
        return core_error_set(err, CORE_E_STORE, "empty statement");
    sqlite_stmt *ss;
    if (cacheable) {
        ss = core_xmalloc(sizeof(*ss));
        memset(ss, 0, sizeof(*ss));
        size_t n = strlen(sql);
        char *copy = core_xmalloc(n + 1);
        memcpy(copy, sql, n + 1);
        ss->sql = copy;
        ss->cached = 1;
        ss->in_use = 1;
        q->cache[q->ncache++] = ss;
        core_arena_on_release(a, stmt_give_back, ss);
    } else {
        ss = core_arena_alloc(a, sizeof(*ss));
        core_arena_on_release(a, stmt_finalize, ss);
    }
    ss->base.s = s;
    ss->st = st;
    ss->hash = h;
    *out = &ss->base;
    return 0;
}

static int sq_bind(store_stmt *base, const store_value *params, size_t n, core_error *err)
{
    sqlite_stmt *ss = (sqlite_stmt *)base;
    sqlite_store *q = (sqlite_store *)base->s;
    int count = sqlite3_bind_parameter_count(ss->st);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(ss->st, i);
        int64_t k;
        if (!name || name[0] != '$' || core_parse_int64(name + 1, strlen(name + 1), 1, 999, &k))
            return core_error_set(err, CORE_E_INTERNAL, "sql parameter %d is not of the form $N", i);
        if ((size_t)k > n)
            return core_error_set(err, CORE_E_INTERNAL, "sql parameter $%d has no value", (int)k);
        const store_value *v = &params[k - 1];
        int rc;
        switch (v->type) {
        case STORE_INT: rc = sqlite3_bind_int64(ss->st, i, v->i); break;
        case STORE_REAL: rc = sqlite3_bind_double(ss->st, i, v->r); break;
        case STORE_TEXT:
            if (v->len > INT32_MAX)
                return core_error_set(err, CORE_E_INVALID_VALUE, "text value too long");
            rc = sqlite3_bind_text(ss->st, i, v->s, (int)v->len, SQLITE_STATIC);
            break;
        default: rc = sqlite3_bind_null(ss->st, i); break;
        }
        if (rc != SQLITE_OK)
            return sqlite_fail(q->db, rc, err, "cannot bind value");
    }
    return 0;
}

static int sq_step(store_stmt *base, core_error *err)
{
    sqlite_stmt *ss = (sqlite_stmt *)base;
    int rc = sqlite3_step(ss->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int code = sqlite_fail(((sqlite_store *)base->s)->db, rc, err, "statement failed");
    sqlite3_reset(ss->st);
    return code;
}

static int sq_changes(store *s, int64_t *out)
{
    *out = sqlite3_changes64(((sqlite_store *)s)->db);
    return 0;
}

static int sq_col_count(store_stmt *st)
{
    return sqlite3_column_count(((sqlite_stmt *)st)->st);
}

static const char *sq_col_name(store_stmt *st, int i)
{
    return sqlite3_column_name(((sqlite_stmt *)st)->st, i);
}

static store_type sq_col_type(store_stmt *st, int i)
{
    switch (sqlite3_column_type(((sqlite_stmt *)st)->st, i)) {
    case SQLITE_INTEGER: return STORE_INT;
    case SQLITE_FLOAT: return STORE_REAL;
    case SQLITE_NULL: return STORE_NULL;
    default: return STORE_TEXT;
    }
}

static int64_t sq_col_int(store_stmt *st, int i)
{
    return sqlite3_column_int64(((sqlite_stmt *)st)->st, i);
}

static double sq_col_real(store_stmt *st, int i)
{
    return sqlite3_column_double(((sqlite_stmt *)st)->st, i);
}

static const char *sq_col_text(store_stmt *st, int i, size_t *len)
{
    sqlite3_stmt *s = ((sqlite_stmt *)st)->st;
    if (sqlite3_column_type(s, i) == SQLITE_NULL) {
        if (len)
            *len = 0;
        return NULL;
    }
    const char *t = (const char *)sqlite3_column_text(s, i);
    if (len)
        *len = (size_t)sqlite3_column_bytes(s, i);
    return t;
}

static int sq_checkpoint(store *s, int truncate, int64_t *wal_frames, core_error *err)
{
    sqlite_store *q = (sqlite_store *)s;
    int log = 0, done = 0;
    /* TRUNCATE waits for readers through the busy handler while holding the write lock: wait briefly, and
     * try again at the next tick rather than hold writers up. */
    if (truncate)
        sqlite3_busy_timeout(q->db, CHECKPOINT_BUSY_MS);
    int rc = sqlite3_wal_checkpoint_v2(q->db, NULL, truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE,
                                       &log, &done);
    if (truncate)
        sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    if (wal_frames)
        *wal_frames = log < 0 ? 0 : log;
    if (rc != SQLITE_OK)
        return sqlite_fail(q->db, rc, err, "checkpoint failed");
    return 0;
}

static void sq_reset(store_stmt *st)
{
    sqlite3_reset(((sqlite_stmt *)st)->st);
}

static const char *sq_open_read(store *s)
{
    sqlite3 *db = ((sqlite_store *)s)->db;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
        if (sqlite3_stmt_busy(st))
            return sqlite3_sql(st);
    return NULL;
}

/* Group commit (store_group.c): with on, the next transaction's COMMIT runs at synchronous=NORMAL — written to
 * the log and visible, the log not synced (sq_sync_log does that for many commits at once); with on=0 the
 * handle is back at FULL, so its writes outside a pool's transactions still sync themselves. SQLite takes the
 * setting only outside a transaction. */
static int sq_defer_sync(store *s, int on, core_error *err)
{
    core_error e;
    return sq_exec_script(s, on ? "PRAGMA main.synchronous=NORMAL" : "PRAGMA main.synchronous=FULL", err ? err : &e);
}

/* Make every commit so far durable: sync the write-ahead log file (a fresh descriptor each time, so a log
 * that was removed and made again is the one synced). The database file itself is synced by checkpoints. */
static int sq_sync_log(store *s, core_error *err)
{
    sqlite_store *q = (sqlite_store *)s;
    const char *file = sqlite3_db_filename(q->db, "main");
    if (!file || !file[0])
        return 0; /* an in-memory database: nothing reaches a disk */
    size_t n = strlen(file);
    char *wal = core_xmalloc(n + 5);
    memcpy(wal, file, n);
    memcpy(wal + n, "-wal", 5);
    int fd = open(wal, O_RDONLY | O_CLOEXEC);
    free(wal);
    if (fd < 0) {
        core_error_set(err, CORE_E_IO, "cannot open the database's write-ahead log to sync it: %s", strerror(errno));
        return core_error_hint(err, "the write may not be on the disk; check the database directory");
    }
    int rc = fdatasync(fd);
    int e = errno;
    close(fd);
    if (rc != 0) {
        core_error_set(err, e == ENOSPC || e == EDQUOT ? CORE_E_STORAGE_FULL : CORE_E_IO,
                       "cannot sync the database's write-ahead log: %s", strerror(e));
        return core_error_hint(err, "the write may not be on the disk; check the disk holding the database");
    }
    return 0;
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .id_list = "(SELECT CAST(value AS INTEGER) AS id FROM json_each($?)) AS id_list",
    .open = sq_open,
    .close = sq_close,
    .exec_script = sq_exec_script,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .changes = sq_changes,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_real = sq_col_real,
    .col_text = sq_col_text,
    .checkpoint = sq_checkpoint,
    .open_read = sq_open_read,
    .reset = sq_reset,
    .defer_sync = sq_defer_sync,
    .sync_log = sq_sync_log,
};
