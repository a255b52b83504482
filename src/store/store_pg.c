/*
 * store_pg.c — the PostgreSQL back end of store.h, over libpq.
 *
 * A handle is one connection (a store_pool opens one per worker thread, as for SQLite). Statements are
 * prepared once per connection under names "h1", "h2", ... keyed by their SQL text (the program's named
 * constants), and executed with PQexecPrepared: Hearth already writes $1, $2, ..., PostgreSQL's own form, and
 * values travel as text parameters, never inside the SQL. The number of parameters a statement takes is asked
 * of the server once (PQdescribePrepared), so extra values are ignored and a missing one is an error, as in
 * the SQLite back end.
 *
 * A statement's rows are fetched when it is first stepped and walked by store_next(); a statement that returned
 * a row and was not finished counts as an open read, so store_begin() refuses in the same places on both back
 * ends. A failed statement inside a transaction would abort the whole transaction in PostgreSQL, where SQLite
 * fails only the statement: inside a transaction each statement runs under a savepoint, rolled back to on
 * failure, so a caller that handles a conflict and goes on behaves the same on both.
 *
 * Errors by SQLSTATE: class 23 (integrity constraints) is CORE_E_CONFLICT; serialization failure and deadlock
 * (40001, 40P01) and lock timeouts (55P03) CORE_E_BUSY; disk full (53100) CORE_E_STORAGE_FULL; anything
 * else CORE_E_STORE, with PostgreSQL's message as the detail.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

enum { PG_CACHE_MAX = 512, PG_PARAMS_MAX = 999 };

/* PostgreSQL type oids (pg_type.dat): the ones read back as numbers. */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
       OID_NUMERIC = 1700 };

typedef struct pg_prepared {
    char *sql;
    uint64_t hash;
    char name[16];
    int nparams;
} pg_prepared;

typedef struct pg_stmt pg_stmt;

typedef struct pg_store {
    store base;
    PGconn *conn;
    pg_prepared *cache[PG_CACHE_MAX];
    int ncache, unnamed;
    int64_t changes;
    pg_stmt *live; /* statements of live arenas, for open_read */
} pg_store;

struct pg_stmt {
    store_stmt base;
    const pg_prepared *p;
    PGresult *res;
    int row, nrows, reading;
    const char **values; /* the bound values, NUL-terminated, in the statement's arena */
    pg_stmt *next, *prev;
};

static int pg_fail(PGconn *conn, const PGresult *res, core_error *err, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    int code = CORE_E_STORE;
    if (state && strncmp(state, "23", 2) == 0)
        code = CORE_E_CONFLICT;
    else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
        code = CORE_E_BUSY;
    else if (state && !strcmp(state, "53100"))
        code = CORE_E_STORAGE_FULL;
    if (!err)
        return code;
    char clean[200];
    snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : "no message");
    clean[strcspn(clean, "\n")] = '\0';
    core_error_set(err, code, "%s: %s", what, clean);
    if (code == CORE_E_STORAGE_FULL)
        core_error_hint(err, "the database server's disk is full: nothing was stored; free space, then try again");
    return code;
}

/* Run sql with no parameters and no rows wanted. */
static int run(pg_store *q, const char *sql, core_error *err, const char *what)
{
    PGresult *r = PQexec(q->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = pg_fail(q->conn, r, err, what);
    PQclear(r);
    return rc;
}

static int pg_exec_script(store *s, const char *sql, core_error *err)
{
    /* store.c begins a write with SQLite's "BEGIN IMMEDIATE"; PostgreSQL's BEGIN takes row locks as it writes */
    if (strcmp(sql, "BEGIN IMMEDIATE") == 0)
        sql = "BEGIN";
    return run((pg_store *)s, sql, err, "statement failed");
}

static void notice_quiet(void *arg, const char *message)
{
    (void)arg, (void)message; /* NOTICEs ("relation already exists, skipping") are not errors */
}

static int pg_open(store **out, const char *target, core_error *err)
{
    *out = NULL;
    PGconn *conn = PQconnectdb(target);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        core_error_set(err, CORE_E_STORE, "cannot connect to PostgreSQL: %.150s",
                       conn ? PQerrorMessage(conn) : "out of memory");
        core_error_hint(err, "check the postgres:// address, that the server is running, and the user's rights");
        PQfinish(conn);
        return CORE_E_STORE;
    }
    PQsetNoticeProcessor(conn, notice_quiet, NULL);
    pg_store *q = core_xmalloc(sizeof(*q));
    memset(q, 0, sizeof(*q));
    q->conn = conn;
    /* Timestamps are written as UTC text by Hearth; the session follows, and dates sort as text. */
    int rc = run(q, "SET TIME ZONE 'UTC'; SET client_min_messages = warning", err, "cannot configure session");
    if (rc) {
        PQfinish(conn);
        free(q);
        return rc;
    }
    *out = &q->base;
    return 0;
}

static void pg_close(store *s)
{
    pg_store *q = (pg_store *)s;
    for (int i = 0; i < q->ncache; i++) {
        free(q->cache[i]->sql);
        free(q->cache[i]);
    }
    PQfinish(q->conn);
    free(q);
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void free_values(pg_stmt *ps);

static void stmt_release(void *p)
{
    pg_stmt *ps = p;
    free_values(ps);
    pg_store *q = (pg_store *)ps->base.s;
    PQclear(ps->res);
    ps->res = NULL;
    if (ps->prev)
        ps->prev->next = ps->next;
    else
        q->live = ps->next;
    if (ps->next)
        ps->next->prev = ps->prev;
}

/* Prepare sql on the connection under a fresh name and learn its parameter count. A parameter the SQL never
 * uses ($2 in "... $1 ... $3", allowed in SQLite and in Hearth's SQL) has no type PostgreSQL can infer: it is
 * declared text, one at a time as the server names them, and the statement prepared again. */
/* Whether "$k" (not followed by a digit) occurs in sql. */
static int sql_has_param(const char *sql, int k)
{
    char tag[16];
    int n = snprintf(tag, sizeof tag, "$%d", k);
    for (const char *at = strstr(sql, tag); at; at = strstr(at + 1, tag))
        if (at[n] < '0' || at[n] > '9')
            return 1;
    return 0;
}

static int prepare_named(pg_store *q, const char *sql, pg_prepared *p, core_error *err)
{
    Oid types[PG_PARAMS_MAX];
    int ntypes = 0, rc = 0;
    /* A parameter the SQL never names (the callers pass one array to several statements) cannot have its
     * type inferred: declare it text up front. */
    int highest = 0;
    for (int k = PG_PARAMS_MAX; k >= 1 && !highest; k--)
        if (sql_has_param(sql, k))
            highest = k;
    for (int k = 1; k <= highest; k++)
        types[ntypes++] = sql_has_param(sql, k) ? 0 : 25;
    /* A failed PREPARE inside a transaction would abort it (prepared statements themselves outlive
     * transactions): each attempt there runs under a savepoint. */
    int in_tx = q->base.in_tx;
    for (;;) {
        if (in_tx && (rc = run(q, "SAVEPOINT hearth_prepare", err, "cannot prepare statement")) != 0)
            return rc;
        PGresult *r = PQprepare(q->conn, p->name, sql, ntypes, ntypes ? types : NULL);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            if (in_tx && (rc = run(q, "RELEASE SAVEPOINT hearth_prepare", err, "cannot prepare statement")) != 0)
                return rc;
            break;
        }
        if (in_tx)
            run(q, "ROLLBACK TO SAVEPOINT hearth_prepare; RELEASE SAVEPOINT hearth_prepare", NULL, "");
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE), *msg = PQresultErrorMessage(r);
        const char *at = msg ? strstr(msg, "type of parameter $") : NULL;
        long k = at ? strtol(at + 19, NULL, 10) : 0;
        /* 42P18 for a parameter with no use that implies a type; 42P08 where its uses disagree or say
         * nothing, as in "($4 IS NULL OR action = $4)" */
        if (state && (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0) && k >= 1 && k <= PG_PARAMS_MAX &&
            (k > ntypes || types[k - 1] == 0)) {
            while (ntypes < k)
                types[ntypes++] = 0; /* unspecified: inferred from the SQL */
            types[k - 1] = 25;       /* text */
            PQclear(r);
            continue;
        }
        rc = pg_fail(q->conn, r, err, "cannot prepare statement");
        PQclear(r);
        return rc;
    }
    PGresult *r = PQdescribePrepared(q->conn, p->name);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pg_fail(q->conn, r, err, "cannot describe statement");
    else
        p->nparams = PQnparams(r);
    PQclear(r);
    return rc;
}

static int pg_prepare(store *s, core_arena *a, const char *sql, store_stmt **out, core_error *err)
{
    pg_store *q = (pg_store *)s;
    uint64_t h = sql_hash(sql);
    const pg_prepared *found = NULL;
    for (int i = 0; i < q->ncache && !found; i++)
        if (q->cache[i]->hash == h && strcmp(q->cache[i]->sql, sql) == 0)
            found = q->cache[i];
    if (!found) {
        /* a statement prepared inside a transaction that then fails would vanish with it: prepare outside
         * any savepoint; a full cache prepares into the arena's own name instead */
        pg_prepared *p;
        int cacheable = q->ncache < PG_CACHE_MAX;
        if (cacheable) {
            p = core_xmalloc(sizeof(*p));
            memset(p, 0, sizeof(*p));
            snprintf(p->name, sizeof(p->name), "h%d", q->ncache + 1);
        } else {
            p = core_arena_alloc(a, sizeof(*p));
            memset(p, 0, sizeof(*p));
            snprintf(p->name, sizeof(p->name), "u%d", ++q->unnamed);
        }
        int rc = prepare_named(q, sql, p, err);
        if (rc) {
            if (cacheable)
                free(p);
            return rc;
        }
        if (cacheable) {
            size_t n = strlen(sql);
            p->sql = core_xmalloc(n + 1);
            memcpy(p->sql, sql, n + 1);
            p->hash = h;
            q->cache[q->ncache++] = p;
        }
        found = p;
    }
    pg_stmt *ps = core_arena_alloc(a, sizeof(*ps));
    memset(ps, 0, sizeof(*ps));
    ps->base.s = s;
    ps->p = found;
    ps->next = q->live;
    if (q->live)
        q->live->prev = ps;
    q->live = ps;
    core_arena_on_release(a, stmt_release, ps);
    *out = &ps->base;
    return 0;
}

static int pg_bind(store_stmt *base, const store_value *params, size_t n, core_error *err)
{
    pg_stmt *ps = (pg_stmt *)base;
    int k = ps->p->nparams;
    if (k > PG_PARAMS_MAX)
        return core_error_set(err, CORE_E_INTERNAL, "sql has more than %d parameters", PG_PARAMS_MAX);
    if ((size_t)k > n)
        return core_error_set(err, CORE_E_INTERNAL, "sql parameter $%d has no value", (int)n + 1);
    /* text copies, NUL-terminated as libpq wants them; freed once executed, or with the statement */
    ps->values = calloc((size_t)(k ? k : 1), sizeof(*ps->values));
    if (!ps->values)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    for (int i = 0; i < k; i++) {
        const store_value *v = &params[i];
        char *text = NULL;
        switch (v->type) {
        case STORE_INT:
            text = malloc(24);
            if (text)
                snprintf(text, 24, "%lld", (long long)v->i);
            break;
        case STORE_REAL:
            text = malloc(32);
            if (text)
                snprintf(text, 32, "%.17g", v->r);
            break;
        case STORE_TEXT:
            if (memchr(v->s, '\0', v->len))
                return core_error_set(err, CORE_E_INVALID_VALUE, "text value holds a NUL byte");
            text = malloc(v->len + 1);
            if (text) {
                memcpy(text, v->s, v->len);
                text[v->len] = '\0';
            }
            break;
        default: continue; /* NULL */
        }
        if (!text)
            return core_error_set(err, CORE_E_INTERNAL, "out of memory");
        ps->values[i] = text;
    }
    return 0;
}

static void free_values(pg_stmt *ps)
{
    if (!ps->values)
        return;
    for (int i = 0; i < ps->p->nparams; i++)
        free((char *)ps->values[i]);
    free(ps->values);
    ps->values = NULL;
}

static int execute(pg_stmt *ps, core_error *err)
{
    pg_store *q = (pg_store *)ps->base.s;
    int in_tx = ps->base.s->in_tx;
    if (in_tx && run(q, "SAVEPOINT hearth_stmt", err, "cannot set savepoint"))
        return err ? err->code : CORE_E_STORE;
    PGresult *r = PQexecPrepared(q->conn, ps->p->name, ps->p->nparams, ps->values, NULL, NULL, 0);
    free_values(ps);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        int code = pg_fail(q->conn, r, err, "statement failed");
        PQclear(r);
        if (in_tx)
            run(q, "ROLLBACK TO SAVEPOINT hearth_stmt; RELEASE SAVEPOINT hearth_stmt", NULL, "");
        return code;
    }
    if (in_tx && run(q, "RELEASE SAVEPOINT hearth_stmt", err, "cannot release savepoint")) {
        PQclear(r);
        return err ? err->code : CORE_E_STORE;
    }
    const char *changed = PQcmdTuples(r);
    q->changes = changed && *changed ? strtoll(changed, NULL, 10) : 0;
    ps->res = r;
    ps->nrows = st == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    ps->row = -1;
    return 0;
}

static int pg_step(store_stmt *base, core_error *err)
{
    pg_stmt *ps = (pg_stmt *)base;
    if (!ps->res) {
        int rc = execute(ps, err);
        if (rc)
            return rc;
    }
    if (ps->row + 1 < ps->nrows) {
        ps->row++;
        ps->reading = 1;
        return 1;
    }
    ps->reading = 0;
    return 0;
}

static int pg_changes(store *s, int64_t *out)
{
    *out = ((pg_store *)s)->changes;
    return 0;
}

static int pg_col_count(store_stmt *st)
{
    pg_stmt *ps = (pg_stmt *)st;
    return ps->res ? PQnfields(ps->res) : 0;
}

static const char *pg_col_name(store_stmt *st, int i)
{
    pg_stmt *ps = (pg_stmt *)st;
    return ps->res ? PQfname(ps->res, i) : NULL;
}

static int readable(pg_stmt *ps, int i)
{
    return ps->res && ps->row >= 0 && ps->row < ps->nrows && i >= 0 && i < PQnfields(ps->res) &&
           !PQgetisnull(ps->res, ps->row, i);
}

static store_type pg_col_type(store_stmt *st, int i)
{
    pg_stmt *ps = (pg_stmt *)st;
    if (!readable(ps, i))
        return STORE_NULL;
    switch (PQftype(ps->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8: return STORE_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC: return STORE_REAL;
    default: return STORE_TEXT;
    }
}

static int64_t pg_col_int(store_stmt *st, int i)
{
    pg_stmt *ps = (pg_stmt *)st;
    if (!readable(ps, i))
        return 0;
    const char *v = PQgetvalue(ps->res, ps->row, i);
    if (PQftype(ps->res, i) == OID_BOOL)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double pg_col_real(store_stmt *st, int i)
{
    pg_stmt *ps = (pg_stmt *)st;
    return readable(ps, i) ? strtod(PQgetvalue(ps->res, ps->row, i), NULL) : 0.0;
}

static const char *pg_col_text(store_stmt *st, int i, size_t *len)
{
    pg_stmt *ps = (pg_stmt *)st;
    if (!readable(ps, i)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = (size_t)PQgetlength(ps->res, ps->row, i);
    return PQgetvalue(ps->res, ps->row, i);
}

static int pg_checkpoint(store *s, int truncate, int64_t *wal_frames, core_error *err)
{
    (void)s, (void)truncate, (void)err;
    if (wal_frames)
        *wal_frames = 0; /* the server keeps its own write-ahead log */
    return 0;
}

static void pg_reset(store_stmt *st)
{
    pg_stmt *ps = (pg_stmt *)st;
    PQclear(ps->res);
    ps->res = NULL;
    ps->reading = 0;
    free_values(ps);
}

static const char *pg_open_read(store *s)
{
    for (pg_stmt *ps = ((pg_store *)s)->live; ps; ps = ps->next)
        if (ps->reading)
            return ps->p->sql ? ps->p->sql : ps->p->name;
    return NULL;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .id_list = "(SELECT CAST(value AS bigint) AS id FROM json_array_elements_text(CAST($? AS json))) AS id_list",
    .open = pg_open,
    .close = pg_close,
    .exec_script = pg_exec_script,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .changes = pg_changes,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .checkpoint = pg_checkpoint,
    .open_read = pg_open_read,
    .reset = pg_reset,
};
