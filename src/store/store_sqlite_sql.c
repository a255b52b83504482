/*
 * store_sqlite_sql.c — standard SQL functions SQLite lacks, registered on every SQLite connection so that
 * callers write one SQL for both back ends (PostgreSQL has these built in).
 *
 *   string_agg(value, separator)   the non-NULL values joined by separator, in the order the rows arrive;
 *                                  NULL when there are none (PostgreSQL's aggregate; SQLite has it only from
 *                                  3.44, as an alias of group_concat)
 */
#include <sqlite3.h>

#include "store/store_sqlite_sql.h"

typedef struct agg {
    sqlite3_str *s;
    int n;
} agg;

static void string_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
    if (!g) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!g->s)
        g->s = sqlite3_str_new(sqlite3_context_db_handle(ctx));
    if (g->n++ > 0 && sqlite3_value_type(argv[1]) != SQLITE_NULL)
        sqlite3_str_appendall(g->s, (const char *)sqlite3_value_text(argv[1]));
    sqlite3_str_appendall(g->s, (const char *)sqlite3_value_text(argv[0]));
}

static void string_agg_final(sqlite3_context *ctx)
{
    agg *g = sqlite3_aggregate_context(ctx, 0);
    if (!g || !g->s) {
        sqlite3_result_null(ctx);
        return;
    }
    int len = sqlite3_str_length(g->s);
    if (sqlite3_str_errcode(g->s) != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(g->s));
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, sqlite3_str_finish(g->s), len, sqlite3_free);
}

int store_sqlite_sql_register(sqlite3 *db)
{
    return sqlite3_create_function_v2(db, "string_agg", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                                      string_agg_step, string_agg_final, NULL);
}
