/*
 * store_copy.c — listing an SQLite database's tables in dependency order and copying a table's rows into
 * another database (store_copy.h), for `hearth migrate`.
 *
 * The only SQL here that is not a constant is "SELECT * FROM t", "INSERT INTO t (c1, ...) VALUES ($1, ...)",
 * "SELECT count(*) FROM t" and "DELETE FROM t": a statement cannot bind a table's name. Every name comes from
 * the source's schema (sqlite_master, the columns of its own rows) and is checked by copy_name_ok() before it
 * is written; every value is bound.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core_buf.h"
#include "store/store_copy.h"

/* The tables of an SQLite database: every table but SQLite's own and the migrations' record. */
static const char SQL_COPY_TABLES[] =
    "SELECT name\n"
    "  FROM sqlite_master\n"
    " WHERE type = 'table'\n"
    "   AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'\n"
    "   AND name <> 'schema_migration'\n"
    " ORDER BY name";

/* The tables that table $1's foreign keys name, with the referring column. */
static const char SQL_COPY_PARENTS[] =
    "SELECT \"table\", \"from\"\n"
    "  FROM pragma_foreign_key_list($1)";

enum { COPY_SQL_MAX = 64 * 1024, COPY_TABLES_MAX = 4096, COPY_PROGRESS_EVERY = 1000 };

static int copy_name_ok(const char *s)
{
    if (!s || !*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int copy_bad_name(core_error *err, const char *what)
{
    core_error_set(err, CORE_E_INVALID_VALUE, "the source database has a %s Hearth does not name", what);
    return core_error_hint(err, "is it a Hearth database? names are lower case letters, digits and _");
}

static char *copy_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    memcpy(p, s, n);
    return p;
}

void store_copy_deferred_free(store_copy_deferred *dl)
{
    for (size_t i = 0; i < dl->n; i++) {
        free(dl->table[i]);
        free(dl->column[i]);
    }
    free(dl->table);
    free(dl->column);
    *dl = (store_copy_deferred){0};
}

void store_copy_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int store_copy_is_reference(const char *table)
{
    for (size_t i = 0; store_reference_tables[i]; i++)
        if (strcmp(store_reference_tables[i], table) == 0)
            return 1;
    return 0;
}

static size_t copy_index(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

int store_copy_tables(store *src, char ***out, size_t *out_n, store_copy_deferred *dl, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    *dl = (store_copy_deferred){0};
    char **names = NULL;
    size_t n = 0;
    store_stmt *st;
    int rc = store_query(src, &a, SQL_COPY_TABLES, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0; /* a row: go on */
        const char *name = store_col_text(st, 0, NULL);
        if (!copy_name_ok(name) || n >= COPY_TABLES_MAX) {
            rc = copy_bad_name(err, "table");
            break;
        }
        names = realloc(names, (n + 1) * sizeof *names);
        if (!names)
            abort();
        names[n++] = copy_strdup(name);
    }
    core_arena_reset(&a);
    /* parents[i*n + j]: table i refers to table j (itself excepted: its rows come in id order). */
    unsigned char *parents = rc == 0 && n ? calloc(n * n, 1) : NULL;
    if (rc == 0 && n && !parents)
        abort();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        store_value p = store_v_text(names[i]);
        rc = store_query(src, &a, SQL_COPY_PARENTS, &p, 1, &st, err);
        while (rc == 0 && (rc = store_next(st, err)) == 1) {
            rc = 0; /* a row: go on */
            size_t j = copy_index(names, n, store_col_text(st, 0, NULL));
            if (j < n && j != i)
                parents[i * n + j] = 1;
        }
        core_arena_reset(&a);
    }
    /* Order: repeatedly take the first table whose parents are all taken (Kahn's algorithm, stable by name). */
    char **ordered = rc == 0 ? calloc(n ? n : 1, sizeof *ordered) : NULL;
    unsigned char *taken = rc == 0 ? calloc(n ? n : 1, 1) : NULL;
    if (rc == 0 && (!ordered || !taken))
        abort();
    for (size_t k = 0; rc == 0 && k < n; k++) {
        size_t pick = n;
        for (size_t i = 0; i < n && pick == n; i++) {
            if (taken[i])
                continue;
            size_t j = 0;
            while (j < n && (!parents[i * n + j] || taken[j]))
                j++;
            if (j == n)
                pick = i;
        }
        if (pick == n) { /* a cycle (match_pair and person_merge): break it at the first table left */
            for (size_t i = 0; i < n && pick == n; i++)
                if (!taken[i])
                    pick = i;
            store_value p = store_v_text(names[pick]);
            rc = store_query(src, &a, SQL_COPY_PARENTS, &p, 1, &st, err);
            while (rc == 0 && (rc = store_next(st, err)) == 1) {
                rc = 0; /* a row: go on */
                size_t j = copy_index(names, n, store_col_text(st, 0, NULL));
                const char *col = store_col_text(st, 1, NULL);
                if (j == n || j == pick || taken[j])
                    continue;
                if (!copy_name_ok(col)) {
                    rc = copy_bad_name(err, "column");
                    break;
                }
                dl->table = realloc(dl->table, (dl->n + 1) * sizeof *dl->table);
                dl->column = realloc(dl->column, (dl->n + 1) * sizeof *dl->column);
                if (!dl->table || !dl->column)
                    abort();
                dl->table[dl->n] = copy_strdup(names[pick]);
                dl->column[dl->n++] = copy_strdup(col);
            }
            core_arena_reset(&a);
            if (rc)
                break;
        }
        taken[pick] = 1;
        ordered[k] = names[pick];
    }
    core_arena_release(&a);
    free(parents);
    free(taken);
    if (rc) {
        store_copy_deferred_free(dl);
        free(ordered);
        store_copy_names_free(names, n);
        return rc;
    }
    free(names);
    *out = ordered;
    *out_n = n;
    return 0;
}

static int copy_sql(core_buf *b, core_error *err)
{
    if (core_buf_ok(b))
        return 0;
    return core_error_set(err, CORE_E_INTERNAL, "a copy statement is longer than %d bytes", COPY_SQL_MAX);
}

static int copy_deferred(const store_copy_deferred *dl, const char *table, const char *column)
{
    for (size_t i = 0; dl && i < dl->n; i++)
        if (strcmp(dl->table[i], table) == 0 && strcmp(dl->column[i], column) == 0)
            return 1;
    return 0;
}

int store_copy_table(store *src, store *dst, const char *table, const store_copy_deferred *dl, int64_t *rows,
                     store_copy_progress progress, void *ctx, core_error *err)
{
    *rows = 0;
    if (!copy_name_ok(table))
        return copy_bad_name(err, "table");
    core_arena a = CORE_ARENA_INIT, row = CORE_ARENA_INIT;
    core_buf sel, ins;
    core_buf_init_arena(&sel, &a, COPY_SQL_MAX);
    core_buf_init_arena(&ins, &a, COPY_SQL_MAX);
    /* Every row, in the order of the first column (ids and seq: invariant 2 of store_copy.h). */
    core_buf_addf(&sel, "SELECT *\n  FROM \"%s\"\n ORDER BY 1", table);
    store_stmt *st = NULL;
    int rc = copy_sql(&sel, err);
    if (rc == 0)
        rc = store_query(src, &a, sel.data, NULL, 0, &st, err);
    int cols = 0;
    store_value *vals = NULL;
    unsigned char *later = NULL; /* columns left NULL now, set by store_copy_fixup() */
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0; /* a row: go on */
        if (!vals) { /* the INSERT, from the first row's column names */
            cols = store_col_count(st);
            vals = core_arena_alloc(&a, (size_t)(cols ? cols : 1) * sizeof *vals);
            later = core_arena_alloc(&a, (size_t)(cols ? cols : 1));
            core_buf_addf(&ins, "INSERT INTO \"%s\" (", table);
            for (int c = 0; c < cols && rc == 0; c++) {
                const char *name = store_col_name(st, c);
                if (!copy_name_ok(name))
                    rc = copy_bad_name(err, "column");
                else
                    core_buf_addf(&ins, "%s\"%s\"", c ? ", " : "", name);
                later[c] = name && copy_deferred(dl, table, name);
            }
            core_buf_adds(&ins, ")\nVALUES (");
            for (int c = 0; c < cols; c++)
                core_buf_addf(&ins, "%s$%d", c ? ", " : "", c + 1);
            core_buf_adds(&ins, ")");
            if (rc == 0)
                rc = copy_sql(&ins, err);
            if (rc)
                break;
        }
        for (int c = 0; c < cols; c++) {
            switch (later[c] ? STORE_NULL : store_col_type(st, c)) {
            case STORE_INT: vals[c] = store_v_int(store_col_int(st, c)); break;
            case STORE_REAL: vals[c] = store_v_real(store_col_real(st, c)); break;
            case STORE_TEXT: {
                size_t len = 0;
                const char *s = store_col_text(st, c, &len);
                vals[c] = store_v_textn(s, len);
                break;
            }
            default: vals[c] = store_v_null(); break;
            }
        }
        rc = store_exec(dst, &row, ins.data, vals, (size_t)cols, NULL, err);
        core_arena_reset(&row);
        if (rc)
            break;
        if (++*rows % COPY_PROGRESS_EVERY == 0 && progress)
            progress(ctx, table, *rows);
    }
    if (rc == 0 && progress)
        progress(ctx, table, *rows);
    core_arena_release(&row);
    core_arena_release(&a);
    return rc;
}

int store_copy_count(store *s, const char *table, int64_t *out, core_error *err)
{
    if (!copy_name_ok(table))
        return copy_bad_name(err, "table");
    core_arena a = CORE_ARENA_INIT;
    core_buf b;
    core_buf_init_arena(&b, &a, COPY_SQL_MAX);
    /* The table's row count. */
    core_buf_addf(&b, "SELECT count(*)\n  FROM \"%s\"", table);
    int rc = copy_sql(&b, err);
    if (rc == 0)
        rc = store_query_int(s, &a, b.data, NULL, 0, out, err);
    core_arena_release(&a);
    return rc;
}

int store_copy_clear(store *s, const char *table, core_error *err)
{
    if (!copy_name_ok(table))
        return copy_bad_name(err, "table");
    core_arena a = CORE_ARENA_INIT;
    core_buf b;
    core_buf_init_arena(&b, &a, COPY_SQL_MAX);
    core_buf_addf(&b, "DELETE FROM \"%s\"", table);
    int rc = copy_sql(&b, err);
    if (rc == 0)
        rc = store_exec(s, &a, b.data, NULL, 0, NULL, err);
    core_arena_release(&a);
    return rc;
}

int store_copy_fixup(store *src, store *dst, const char *table, const char *column, int64_t *rows, core_error *err)
{
    *rows = 0;
    if (!copy_name_ok(table) || !copy_name_ok(column))
        return copy_bad_name(err, "table or column");
    core_arena a = CORE_ARENA_INIT, row = CORE_ARENA_INIT;
    core_buf sel, upd;
    core_buf_init_arena(&sel, &a, COPY_SQL_MAX);
    core_buf_init_arena(&upd, &a, COPY_SQL_MAX);
    /* The rows whose deferred reference is set: id and the value. */
    core_buf_addf(&sel, "SELECT \"id\", \"%s\"\n  FROM \"%s\"\n WHERE \"%s\" IS NOT NULL", column, table, column);
    core_buf_addf(&upd, "UPDATE \"%s\"\n   SET \"%s\" = $2\n WHERE \"id\" = $1", table, column);
    store_stmt *st = NULL;
    int rc = copy_sql(&sel, err);
    if (rc == 0)
        rc = copy_sql(&upd, err);
    if (rc == 0)
        rc = store_query(src, &a, sel.data, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        store_value p[] = {store_v_int(store_col_int(st, 0)), store_v_int(store_col_int(st, 1))};
        rc = store_exec(dst, &row, upd.data, p, 2, NULL, err);
        core_arena_reset(&row);
        ++*rows;
    }
    core_arena_release(&row);
    core_arena_release(&a);
    return rc;
}
