/*
 * store_copy.h — copying a council's tables from one database to another, for `hearth migrate`.
 *
 * What it is for: listing an SQLite database's tables in an order that copies parents before children, and
 * copying one table's rows, ids and all, into the same table of another database (usually PostgreSQL) with
 * every value bound. What it is not for: choosing what to copy or checking the result (cli/cli_migrate.c),
 * or the audit trail's rules (audit/: the PostgreSQL trail's trigger checks each appended entry itself).
 *
 * Invariants
 *   1. Table and column names come from the source's own schema, never from input, and are checked to be
 *      [a-z_][a-z0-9_]* before they are written (double-quoted) into SQL; values are always bound.
 *   2. Rows are read in the order of the table's first column (its id or seq), so a table that refers to
 *      itself, and the audit chain, arrive parents and predecessors first.
 *   3. Nothing here opens or ends a transaction: the caller copies inside its own, all or nothing.
 */
#ifndef HEARTH_STORE_COPY_H
#define HEARTH_STORE_COPY_H

#include "store/store.h"

/* References that cannot be copied with their row because they close a cycle of tables (match_pair.merge_id
 * and person_merge.pair_id refer to each other): table[i].column[i] is copied as NULL and set afterwards by
 * store_copy_fixup(). Both columns must then be nullable, and the table must have an integer "id". */
typedef struct store_copy_deferred {
    char **table, **column;
    size_t n;
} store_copy_deferred;
void store_copy_deferred_free(store_copy_deferred *dl);

/* The tables of the SQLite database src (not schema_migration, not SQLite's own), ordered so that every table
 * comes after the tables its foreign keys name; a cycle is broken at its first table (by name), whose
 * references to tables not yet copied go into *deferred. *names (heap array of heap strings) and *n; the caller
 * frees them with store_copy_names_free() and store_copy_deferred_free(). 0, or CORE_E_STORE/
 * CORE_E_INVALID_VALUE (a name Hearth would not use). */
int store_copy_tables(store *src, char ***names, size_t *n, store_copy_deferred *deferred, core_error *err);
void store_copy_names_free(char **names, size_t n);

/* Called every 1000 rows and at the end of a table with the rows copied so far. */
typedef void (*store_copy_progress)(void *ctx, const char *table, int64_t rows);

/* Insert every row of table in src into the same table of dst, ids kept, the deferred columns (may be NULL)
 * as NULL; *rows gets how many. 0 or the first error (the caller rolls dst back). */
int store_copy_table(store *src, store *dst, const char *table, const store_copy_deferred *deferred, int64_t *rows,
                     store_copy_progress progress, void *ctx, core_error *err);

/* Set a deferred column in dst to its value in src, row by row by id, once every table is copied; *rows gets
 * how many rows had one. */
int store_copy_fixup(store *src, store *dst, const char *table, const char *column, int64_t *rows,
                     core_error *err);

/* Rows in table (count(*)). */
int store_copy_count(store *s, const char *table, int64_t *out, core_error *err);

/* Delete every row of table (a reference table the target's migrations filled, before the source's rows
 * replace it). */
int store_copy_clear(store *s, const char *table, core_error *err);

/* 1 when table is one the migrations fill themselves (store_reference_tables). */
int store_copy_is_reference(const char *table);

#endif
