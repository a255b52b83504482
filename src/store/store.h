/*
 * store.h — the only way to the database.
 *
 * What it is for: opening a database, applying the numbered migrations, running SQL with bound values and
 * reading rows, and transactions — the same calls whichever back end is underneath. Today that is SQLite
 * (store_sqlite.c); a PostgreSQL back end (store_pg.c) plugs into the same table of function pointers
 * (struct store_backend) without any caller changing.
 * What it is not for: knowing about people or families (that is model/), or deciding access (access/).
 *
 * SQL conventions (portable between SQLite and PostgreSQL)
 *   - Parameters are written $1, $2, ... and bound by name: the SQLite back end looks each "$N" up with
 *     sqlite3_bind_parameter_index(), so $N may appear in any order and more than once, exactly as in
 *     PostgreSQL. Every $N in the SQL must have a value; values are never formatted into SQL text.
 *   - Inserts return their key with `RETURNING id` (SQLite >= 3.35 and PostgreSQL).
 *   - Dates are TEXT 'YYYY-MM-DD'; timestamps TEXT 'YYYY-MM-DDTHH:MM:SSZ' (UTC).
 *
 * Invariants
 *   1. A store handle is used by one thread at a time; a store_pool hands handles to threads.
 *   2. A statement belongs to the arena it was prepared on: it is reset (cached) or finalized when that arena
 *      is reset or released, so callers never finalize by hand.
 *   3. Functions return 0 (or 1 for "a row is ready") on success and a negative CORE_E_* code with *err filled
 *      on failure. A constraint violation is CORE_E_CONFLICT; SQLITE_BUSY after the busy timeout is
 *      CORE_E_BUSY; anything else CORE_E_STORE.
 *   4. The SQLite back end runs with WAL, synchronous=FULL (no acknowledged write is lost on power cut) and
 *      foreign keys on; the log is checkpointed automatically (wal_autocheckpoint) and, in a server, by a
 *      keeper thread (store_wal_keeper_start) that truncates it, so it does not grow while serving.
 *   5. A full disk (SQLITE_FULL, or ENOSPC/EDQUOT/EFBIG under an I/O error) is CORE_E_STORAGE_FULL
 *      ("storage_full", HTTP 507) with a hint: the statement or transaction failed and stored nothing, and
 *      the handle stays usable, so the same call succeeds once there is room again.
 */
#ifndef HEARTH_STORE_H
#define HEARTH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"

typedef struct store store;
typedef struct store_stmt store_stmt;
typedef struct store_pool store_pool;

typedef enum { STORE_NULL = 0, STORE_INT, STORE_REAL, STORE_TEXT } store_type;

/* A value to bind. For STORE_TEXT, s points to len bytes that are not copied (SQLite binds them as
 * SQLITE_STATIC): they must stay unchanged until the statement is done, i.e. until store_next() has returned
 * its last row or the arena the statement was prepared on is reset — not merely until store_query() returns. */
typedef struct store_value {
    store_type type;
    int64_t i;
    double r;
    const char *s;
    size_t len;
} store_value;

static inline store_value store_v_int(int64_t i)
{
    return (store_value){.type = STORE_INT, .i = i};
}
static inline store_value store_v_real(double r)
{
    return (store_value){.type = STORE_REAL, .r = r};
}
/* NULL s binds SQL NULL. */
static inline store_value store_v_text(const char *s)
{
    return s ? (store_value){.type = STORE_TEXT, .s = s, .len = strlen(s)} : (store_value){.type = STORE_NULL};
}
static inline store_value store_v_textn(const char *s, size_t len)
{
    return (store_value){.type = STORE_TEXT, .s = s, .len = len};
}
static inline store_value store_v_null(void)
{
    return (store_value){.type = STORE_NULL};
}

/* One back end: a table of function pointers (the curl vtls pattern). */
struct store_backend {
    const char *name;
    int (*open)(store **out, const char *target, core_error *err);
    void (*close)(store *s);
    int (*exec_script)(store *s, const char *sql, core_error *err);
    int (*prepare)(store *s, core_arena *a, const char *sql, store_stmt **out, core_error *err);
    int (*bind)(store_stmt *st, const store_value *params, size_t n, core_error *err);
    int (*step)(store_stmt *st, core_error *err);
    int (*changes)(store *s, int64_t *out);
    int (*col_count)(store_stmt *st);
    const char *(*col_name)(store_stmt *st, int i);
    store_type (*col_type)(store_stmt *st, int i);
    int64_t (*col_int)(store_stmt *st, int i);
    double (*col_real)(store_stmt *st, int i);
    const char *(*col_text)(store_stmt *st, int i, size_t *len);
    int (*checkpoint)(store *s, int truncate, int64_t *wal_frames, core_error *err);
    /* The text of a statement on this handle that has returned a row and not yet finished (it holds a read
     * snapshot open), or NULL. */
    const char *(*open_read)(store *s);
    void (*reset)(store_stmt *st);
    /* Group commit (store_group.c), both optional: with on=1 (before a transaction begins), let its COMMIT
     * return without waiting for the disk, and with on=0 (after it ends) sync every commit again; and make
     * every commit so far durable (sync the log). A back end with both has a pool's commits synced together;
     * store_commit() still returns only once its transaction is durable. */
    int (*defer_sync)(store *s, int on, core_error *err);
    int (*sync_log)(store *s, core_error *err);
    /* Dialect: what the portable marker ID_LIST($N) becomes — a one-column table "id" of the integers in the
     * JSON array bound to $N, aliased id_list — with "$N" written as "$?" (store.c puts the number in). */
    const char *id_list;
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

/* Open a database. target is a path to an SQLite file (created if absent), or a PostgreSQL address
 * ("postgres://user@host:port/db", libpq's URI form). Returns 0 or a negative code. */
int store_open(store **out, const char *target, core_error *err);
void store_close(store *s);
/* 1 when target names a PostgreSQL server (postgres:// or postgresql://), 0 for an SQLite file. */
int store_target_is_pg(const char *target);
/* Apply every embedded migration not yet applied, each in its own transaction, in number order. */
int store_migrate(store *s, core_error *err);
/* Highest applied migration number, or 0. */
int store_schema_version(store *s, int *out, core_error *err);

/* Prepare sql (a constant of the program) and bind params to $1..$n. On success *out is ready for
 * store_next(). One portable marker is rewritten for the back end first: ID_LIST($N) stands for a table with
 * one column, id, holding the integers of the JSON array bound to $N (e.g. "[3,17]"), so a list of ids is
 * still one bound value: "... WHERE x.id IN (SELECT id FROM ID_LIST($2))". */
int store_query(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, store_stmt **out,
                core_error *err);
/* Step: 1 when a row is ready, 0 when done, negative on error. */
int store_next(store_stmt *st, core_error *err);
/* Finish a read before its last row: a statement that returned a row holds a read snapshot open until it is
 * done, and store_begin() refuses while one is open (the transaction could not write). Values read from it
 * are invalid afterwards. Reaching the end (store_next() returning 0) finishes it too. */
void store_done(store_stmt *st);
/* Run a statement that returns no rows (or ignore its rows); *changes (may be NULL) gets rows changed. */
int store_exec(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, int64_t *changes,
               core_error *err);
/* Run a statement expected to return one integer (e.g. INSERT ... RETURNING id, SELECT count(*)).
 * CORE_E_NOT_FOUND when it returns no row. */
int store_query_int(store *s, core_arena *a, const char *sql, const store_value *params, size_t n, int64_t *out,
                    core_error *err);
/* Run several statements with no parameters (migrations, pragmas). */
int store_exec_script(store *s, const char *sql, core_error *err);

int store_begin(store *s, core_error *err);   /* BEGIN IMMEDIATE in SQLite: writers queue up front */
int store_commit(store *s, core_error *err);
int store_rollback(store *s);                 /* safe to call when no transaction is open */

int store_col_count(store_stmt *st);
const char *store_col_name(store_stmt *st, int i);
store_type store_col_type(store_stmt *st, int i);
int64_t store_col_int(store_stmt *st, int i);
double store_col_real(store_stmt *st, int i);
/* Text of column i, valid until the next store_next() on st; NULL for SQL NULL. */
const char *store_col_text(store_stmt *st, int i, size_t *len);

/* A fixed set of handles shared by server threads. acquire blocks until one is free. */
int store_pool_open(store_pool **out, const char *target, int size, core_error *err);
store *store_pool_acquire(store_pool *p);
/* Run one statement on every handle of the pool (e.g. ATTACH), before the pool is shared between threads. */
int store_pool_exec_each(store_pool *p, const char *sql, const store_value *params, size_t n, core_error *err);
void store_pool_release(store_pool *p, store *s);
void store_pool_close(store_pool *p);

/* Checkpoint the write-ahead log: PASSIVE (copy what can be copied, never wait) or, with truncate, TRUNCATE
 * (wait at most a moment for readers, then copy everything and cut the log file to zero). *wal_frames (may be
 * NULL) gets the log's size in frames before the call. Returns 0, CORE_E_BUSY (readers or a writer in the
 * way: try later) or another error. */
int store_wal_checkpoint(store *s, int truncate, int64_t *wal_frames, core_error *err);

/* A background thread that keeps a database's write-ahead log small while a server runs (finding 20 of
 * issue 9): every interval_ms it runs a PASSIVE checkpoint on its own handle and, when the log holds more than
 * truncate_frames frames, a TRUNCATE one (which gives up after a moment when readers are in the way, and is
 * tried again next time). Failures are logged once until a checkpoint succeeds again; they never stop it. */
typedef struct store_wal_keeper store_wal_keeper;
int store_wal_keeper_start(store_wal_keeper **out, const char *target, unsigned interval_ms, int64_t truncate_frames,
                           core_error *err);
/* Stop the thread and close its handle; k may be NULL. */
void store_wal_keeper_stop(store_wal_keeper *k);

/* Embedded migrations, generated at build time by embed_migrations.py: store_migrations from
 * migrations/sqlite/NNNN_name.sql, and store_pg_migrations, the same numbers and names in PostgreSQL's dialect
 * (translated by pg_translate.py, or written by hand in migrations/pg/ where a translation cannot be made). */
struct store_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;
extern const struct store_migration store_pg_migrations[];
extern const size_t store_pg_migrations_count;
/* The tables the SQLite migrations put rows into themselves (reference data), NULL-terminated; and the
 * PostgreSQL script, run after every migration there, that moves each identity's sequence past the largest id
 * in its column (store_copy.c runs it after copying rows with their ids). */
extern const char *const store_reference_tables[];
extern const char store_pg_identity_sync[];
/* The migrations in be's dialect; *count (may be NULL) gets how many. */
const struct store_migration *store_migrations_for(const struct store_backend *be, size_t *count);

#endif
