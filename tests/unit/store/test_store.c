/*
 * test_store.c — unit tests for store/ (store.c and the SQLite back end store_sqlite.c), on a temporary
 * database file (WAL needs a real file, so never ":memory:").
 *
 * Covers: $N parameters bound by name ($2 before $1, $1 twice, every value type, NULL text); refusal of "?",
 * "?N", ":name", "@name", "$0", "$name" and of a $N beyond the values given; migrations on a new database
 * (schema version = number of migrations, a second store_migrate changes nothing, a failing migration leaves
 * nothing half-applied); the PRAGMAs every handle runs with (journal_mode=wal, synchronous=FULL (2),
 * foreign_keys=1); UNIQUE, FOREIGN KEY, NOT NULL and CHECK violations mapped to CORE_E_CONFLICT and other
 * failures to CORE_E_STORE; transactions (rollback leaves nothing, commit survives close and reopen);
 * store_query_int with no row (CORE_E_NOT_FOUND); the column accessors; the prepared-statement cache (the same
 * SQL run many times on one arena and across arena resets, two open statements of the same SQL interleaved,
 * a half-read statement restarted after a reset, more distinct statements than the cache holds); and the
 * handle pool shared by several threads (never more handles out than it has, an open transaction rolled back
 * on release); group commit on a pool's handles (issue 13: every transaction committed by concurrent threads
 * is stored, one that fails rolls back alone, the log is synced for groups of commits, and a sync that fails
 * is an error to every commit it covered, never an acknowledgement).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../test_tmpdb.h"
#include "core/core_arena.h"
#include "store/store.h"
#include "store/store_group.h"
#include "test_store_hooks.h" /* after test_tmpdb.h's assert_ok, which it uses */


typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
    core_error err;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp))
        return -1;
    if (store_open(&f->s, f->tmp.path, &f->err)) {
        fprintf(stderr, "store_open: %s\n", f->err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a); /* statements go back before their connection closes */
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}

/* A fixture whose database has every migration applied. */
static int setup_migrated(void **state)
{
    if (setup(state))
        return -1;
    fixture *f = *state;
    if (store_migrate(f->s, &f->err)) {
        fprintf(stderr, "store_migrate: %s %s\n", f->err.message, f->err.detail);
        return -1;
    }
    return 0;
}

static int64_t count_rows(fixture *f, const char *sql)
{
    int64_t n = -1;
    assert_ok(store_query_int(f->s, &f->a, sql, NULL, 0, &n, &f->err), f->err);
    return n;
}

/* ---- parameters ---- */

static void test_params_bound_by_name(void **state)
{
    fixture *f = *state;
    store_value p[] = {store_v_int(10), store_v_text("two")};
    store_stmt *st;
    /* $2 before $1, and $1 twice */
    assert_ok(store_query(f->s, &f->a, "SELECT $2, $1, $1 + $1, typeof($2)", p, 2, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_int_equal(store_col_count(st), 4);
    size_t len = 0;
    assert_string_equal(store_col_text(st, 0, &len), "two");
    assert_int_equal(len, 3);
    assert_int_equal(store_col_type(st, 1), STORE_INT);
    assert_int_equal(store_col_int(st, 1), 10);
    assert_int_equal(store_col_int(st, 2), 20);
    assert_string_equal(store_col_text(st, 3, NULL), "text");
    assert_int_equal(store_next(st, &f->err), 0);

    /* every type, a parameter used three times, and values given but not used */
    store_value q[] = {store_v_real(2.5), store_v_null(), store_v_text(NULL), store_v_textn("a\0b", 3),
                       store_v_int(INT64_MIN), store_v_int(99)};
    assert_ok(store_query(f->s, &f->a,
                          "SELECT $5, $4, $3, $2, $1 * 2,\n"
                          "       $5 = $5 AND $5 < 0",
                          q, 6, &st, &f->err),
              f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_int_equal(store_col_int(st, 0), INT64_MIN);
    assert_int_equal(store_col_type(st, 1), STORE_TEXT);
    const char *t = store_col_text(st, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(t, "a\0b", 3);
    assert_int_equal(store_col_type(st, 2), STORE_NULL);
    assert_null(store_col_text(st, 2, &len));
    assert_int_equal(len, 0);
    assert_int_equal(store_col_type(st, 3), STORE_NULL);
    assert_int_equal(store_col_type(st, 4), STORE_REAL);
    assert_true(store_col_real(st, 4) == 5.0);
    assert_int_equal(store_col_int(st, 5), 1);
    assert_string_equal(store_col_name(st, 0), "$5");

    /* $10 is parameter ten, not $1 followed by 0 */
    store_value ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = store_v_int(i + 1);
    int64_t v = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT $10 * 100 + $1", ten, 10, &v, &f->err), f->err);
    assert_int_equal(v, 1001);
}

static void expect_bind_refused(fixture *f, const char *sql, const store_value *p, size_t n)
{
    store_stmt *st = NULL;
    core_error_clear(&f->err);
    int rc = store_query(f->s, &f->a, sql, p, n, &st, &f->err);
    if (rc == 0)
        fail_msg("accepted: %s", sql);
    assert_int_equal(rc, f->err.code);
    assert_true(f->err.detail[0] != '\0');
    assert_int_equal(rc, CORE_E_INTERNAL); /* a programming error, not the client's */
}

static void test_params_refused(void **state)
{
    fixture *f = *state;
    store_value one[] = {store_v_int(1)};
    store_value two[] = {store_v_int(1), store_v_int(2)};
    expect_bind_refused(f, "SELECT ?", one, 1);
    expect_bind_refused(f, "SELECT ?1", one, 1);
    expect_bind_refused(f, "SELECT :name", one, 1);
    expect_bind_refused(f, "SELECT @name", one, 1);
    expect_bind_refused(f, "SELECT $name", one, 1);
    expect_bind_refused(f, "SELECT $0", one, 1);
    expect_bind_refused(f, "SELECT $1, ?", one, 1);
    /* a $N beyond the values given */
    expect_bind_refused(f, "SELECT $1, $3", two, 2);
    expect_bind_refused(f, "SELECT $2", one, 1);
    expect_bind_refused(f, "SELECT $1", NULL, 0);
    assert_non_null(strstr(f->err.detail, "$1"));
    /* the handle still works after every refusal */
    int64_t v = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT $2 - $1", two, 2, &v, &f->err), f->err);
    assert_int_equal(v, 1);
    /* SQL that does not compile is a store error */
    core_error_clear(&f->err);
    assert_int_equal(store_exec(f->s, &f->a, "SELEKT 1", NULL, 0, NULL, &f->err), CORE_E_STORE);
    assert_int_equal(f->err.code, CORE_E_STORE);
    assert_int_equal(store_exec(f->s, &f->a, "", NULL, 0, NULL, &f->err), CORE_E_STORE);
}

/* ---- migrations ---- */

static void test_migrations(void **state)
{
    fixture *f = *state;
    assert_true(store_migrations_count >= 2);
    for (size_t i = 0; i < store_migrations_count; i++) {
        /* numbered upwards from 1; a number handed to work still in progress may be missing for a while */
        assert_true(store_migrations[i].version > (i ? store_migrations[i - 1].version : 0));
        assert_non_null(store_migrations[i].sql);
        assert_true(strlen(store_migrations[i].sql) > 0);
    }
    assert_string_equal(store_migrations[0].name, "schema");
    assert_string_equal(store_migrations[1].name, "reference");

    int version = -1;
    assert_ok(store_schema_version(f->s, &version, &f->err), f->err);
    assert_int_equal(version, 0);
    assert_ok(store_migrate(f->s, &f->err), f->err);
    assert_ok(store_schema_version(f->s, &version, &f->err), f->err);
    const int last = store_migrations[store_migrations_count - 1].version;
    assert_int_equal(version, last);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM schema_migration"), (int64_t)store_migrations_count);
    int64_t codes = count_rows(f, "SELECT count(*) FROM ref_code");
    assert_true(codes > 100);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'person'"),
                     1);
    core_arena_reset(&f->a);

    /* a second migrate is a no-op (test_migrate_idempotent_text compares the recorded rows exactly) */
    assert_ok(store_migrate(f->s, &f->err), f->err);
    assert_ok(store_schema_version(f->s, &version, &f->err), f->err);
    assert_int_equal(version, last);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM schema_migration"), (int64_t)store_migrations_count);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM ref_code"), codes);

    /* and again after close and reopen */
    core_arena_release(&f->a);
    store_close(f->s);
    assert_ok(store_open(&f->s, f->tmp.path, &f->err), f->err);
    assert_ok(store_migrate(f->s, &f->err), f->err);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM schema_migration"), (int64_t)store_migrations_count);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM ref_code"), codes);
}

static void test_migrate_idempotent_text(void **state)
{
    fixture *f = *state;
    const char *sql = "SELECT group_concat(version || ':' || name || ':' || applied_at, ';') FROM schema_migration";
    assert_ok(store_migrate(f->s, &f->err), f->err);
    core_arena keep = CORE_ARENA_INIT;
    store_stmt *st;
    assert_ok(store_query(f->s, &f->a, sql, NULL, 0, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    char *before = core_arena_strdup(&keep, store_col_text(st, 0, NULL));
    core_arena_reset(&f->a);
    sleep(1); /* a re-applied migration would get a later applied_at */
    assert_ok(store_migrate(f->s, &f->err), f->err);
    assert_ok(store_query(f->s, &f->a, sql, NULL, 0, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_string_equal(store_col_text(st, 0, NULL), before);
    assert_non_null(strstr(before, "1:schema:"));
    assert_non_null(strstr(before, "2:reference:"));
    core_arena_release(&keep);
}

static void test_migration_failure_is_atomic(void **state)
{
    fixture *f = *state;
    /* A table the first migration creates already exists: that migration fails part-way and leaves nothing. */
    assert_ok(store_exec_script(f->s, "CREATE TABLE family (id INTEGER PRIMARY KEY)", &f->err), f->err);
    core_error_clear(&f->err);
    int rc = store_migrate(f->s, &f->err);
    assert_int_equal(rc, CORE_E_STORE);
    assert_string_equal(f->err.message, "migration 0001_schema failed");
    int version = -1;
    assert_ok(store_schema_version(f->s, &version, &f->err), f->err);
    assert_int_equal(version, 0);
    /* agency and person come before family in the schema: rolled back with it */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM sqlite_master WHERE name IN ('agency', 'person')"), 0);
    /* the handle is usable and not left inside a transaction */
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);
}

/* ---- pragmas ---- */

static void expect_pragmas(store *s)
{
    core_arena a = CORE_ARENA_INIT;
    core_error err;
    store_stmt *st;
    assert_ok(store_query(s, &a, "PRAGMA journal_mode", NULL, 0, &st, &err), err);
    assert_int_equal(store_next(st, &err), 1);
    assert_string_equal(store_col_text(st, 0, NULL), "wal");
    int64_t v = -1;
    assert_ok(store_query_int(s, &a, "PRAGMA synchronous", NULL, 0, &v, &err), err);
    assert_int_equal(v, 2); /* FULL */
    assert_ok(store_query_int(s, &a, "PRAGMA foreign_keys", NULL, 0, &v, &err), err);
    assert_int_equal(v, 1);
    core_arena_release(&a);
}

static void test_pragmas(void **state)
{
    fixture *f = *state;
    expect_pragmas(f->s);
    /* a second connection to the same file gets them too (synchronous and foreign_keys are per connection) */
    store *other;
    assert_ok(store_open(&other, f->tmp.path, &f->err), f->err);
    expect_pragmas(other);
    store_close(other);
}

static void test_open_failure(void **state)
{
    fixture *f = *state;
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.db", f->tmp.dir);
    store *s = NULL;
    core_error_clear(&f->err);
    assert_int_equal(store_open(&s, bad, &f->err), CORE_E_STORE);
    assert_null(s);
    assert_true(f->err.hint[0] != '\0');
}

/* ---- constraint mapping ---- */

static void test_conflicts(void **state)
{
    fixture *f = *state;
    store_value agency[] = {store_v_text("Council"), store_v_text("local_authority"), store_v_text("2026-01-01T00:00:00Z")};
    int64_t agency_id = 0;
    assert_ok(store_query_int(f->s, &f->a,
                              "INSERT INTO agency (name, agency_type, created_at, updated_at)\n"
                              "VALUES ($1, $2, $3, $3)\n"
                              "RETURNING id",
                              agency, 3, &agency_id, &f->err),
              f->err);
    assert_true(agency_id > 0);

    const char *user_sql = "INSERT INTO app_user (username, display_name, role, agency_id, password_hash,\n"
                           "                      created_at, updated_at)\n"
                           "VALUES ($1, $1, $2, $3, 'x', $4, $4)";
    store_value u[] = {store_v_text("alice"), store_v_text("admin"), store_v_int(agency_id),
                       store_v_text("2026-01-01T00:00:00Z")};
    int64_t changes = 0;
    assert_ok(store_exec(f->s, &f->a, user_sql, u, 4, &changes, &f->err), f->err);
    assert_int_equal(changes, 1);
    /* UNIQUE */
    core_error_clear(&f->err);
    assert_int_equal(store_exec(f->s, &f->a, user_sql, u, 4, NULL, &f->err), CORE_E_CONFLICT);
    assert_int_equal(f->err.code, CORE_E_CONFLICT);
    /* FOREIGN KEY */
    store_value u2[] = {store_v_text("bob"), store_v_text("admin"), store_v_int(agency_id + 1000),
                        store_v_text("2026-01-01T00:00:00Z")};
    assert_int_equal(store_exec(f->s, &f->a, user_sql, u2, 4, NULL, &f->err), CORE_E_CONFLICT);
    /* CHECK */
    store_value u3[] = {store_v_text("carol"), store_v_text("emperor"), store_v_int(agency_id),
                        store_v_text("2026-01-01T00:00:00Z")};
    assert_int_equal(store_exec(f->s, &f->a, user_sql, u3, 4, NULL, &f->err), CORE_E_CONFLICT);
    /* NOT NULL */
    store_value u4[] = {store_v_text("dave"), store_v_text("admin"), store_v_int(agency_id), store_v_null()};
    assert_int_equal(store_exec(f->s, &f->a, user_sql, u4, 4, NULL, &f->err), CORE_E_CONFLICT);
    /* the same through a script */
    assert_int_equal(store_exec_script(f->s, "INSERT INTO team (name, agency_id, kind, created_at, updated_at)\n"
                                             "VALUES ('t', 424242, 'x', 'now', 'now')",
                                       &f->err),
                     CORE_E_CONFLICT);
    assert_int_equal(store_exec_script(f->s, "SELECT * FROM no_such_table", &f->err), CORE_E_STORE);
    /* the statement that failed can run again with good values (it was reset after the failure) */
    store_value u5[] = {store_v_text("erin"), store_v_text("analyst"), store_v_null(),
                        store_v_text("2026-01-01T00:00:00Z")};
    assert_ok(store_exec(f->s, &f->a, user_sql, u5, 4, &changes, &f->err), f->err);
    assert_int_equal(changes, 1);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM app_user"), 2);
}

/* ---- transactions ---- */

static void test_transactions(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE t (n INTEGER NOT NULL)", &f->err), f->err);
    const char *ins = "INSERT INTO t (n) VALUES ($1)";
    assert_int_equal(store_rollback(f->s), 0); /* no transaction: harmless */

    assert_ok(store_begin(f->s, &f->err), f->err);
    for (int i = 0; i < 10; i++) {
        store_value p[] = {store_v_int(i)};
        assert_ok(store_exec(f->s, &f->a, ins, p, 1, NULL, &f->err), f->err);
    }
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 10); /* visible inside */
    core_arena_reset(&f->a);
    assert_int_equal(store_rollback(f->s), 0);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 0);
    assert_int_equal(store_rollback(f->s), 0); /* twice: harmless */

    /* BEGIN inside a transaction is refused (a programming error); the open one is unaffected */
    assert_ok(store_begin(f->s, &f->err), f->err);
    store_value p7[] = {store_v_int(7)};
    assert_ok(store_exec(f->s, &f->a, ins, p7, 1, NULL, &f->err), f->err);
    assert_int_equal(store_begin(f->s, &f->err), CORE_E_INTERNAL);
    core_arena_reset(&f->a);
    assert_ok(store_commit(f->s, &f->err), f->err);
    /* COMMIT with no transaction is an error */
    assert_int_equal(store_commit(f->s, &f->err), CORE_E_STORE);

    /* commit persists across close and reopen */
    core_arena_release(&f->a);
    store_close(f->s);
    assert_ok(store_open(&f->s, f->tmp.path, &f->err), f->err);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 1);
    assert_int_equal(count_rows(f, "SELECT n FROM t"), 7);

    /* a transaction open at close is not committed */
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_ok(store_exec(f->s, &f->a, ins, p7, 1, NULL, &f->err), f->err);
    core_arena_release(&f->a);
    store_close(f->s);
    assert_ok(store_open(&f->s, f->tmp.path, &f->err), f->err);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 1);
}

/* A read left open (a row taken, the statement not finished) holds its snapshot: once another handle has
 * written, SQLite cannot begin a write transaction on it and says busy at once, without waiting. store_begin
 * refuses such a handle every time, naming the statement, so the mistake shows in every test rather than as
 * a rare 503 under load; store_done() finishes the read. */
static void test_begin_refused_while_a_read_is_open(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE t (n INTEGER NOT NULL);"
                                      "INSERT INTO t VALUES (1), (2), (3);", &f->err), f->err);
    const char *sel = "SELECT n FROM t ORDER BY n";
    store_stmt *st;
    assert_ok(store_query(f->s, &f->a, sel, NULL, 0, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);

    store *other;
    core_arena oa = CORE_ARENA_INIT;
    assert_ok(store_open(&other, f->tmp.path, &f->err), f->err);
    assert_ok(store_exec(other, &oa, "INSERT INTO t VALUES (4)", NULL, 0, NULL, &f->err), f->err);

    assert_int_equal(store_begin(f->s, &f->err), CORE_E_INTERNAL);
    assert_non_null(strstr(f->err.detail, "SELECT n FROM t"));
    store_done(st);
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_ok(store_exec(f->s, &f->a, "INSERT INTO t VALUES (5)", NULL, 0, NULL, &f->err), f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 5);

    /* a read run to its end is finished without store_done() */
    assert_ok(store_query(f->s, &f->a, "SELECT n FROM t WHERE n = 1", NULL, 0, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_int_equal(store_next(st, &f->err), 0);
    assert_ok(store_exec(other, &oa, "INSERT INTO t VALUES (6)", NULL, 0, NULL, &f->err), f->err);
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);
    core_arena_release(&oa);
    store_close(other);
}

static void test_query_int(void **state)
{
    fixture *f = *state;
    int64_t v = 42;
    core_error_clear(&f->err);
    assert_int_equal(store_query_int(f->s, &f->a, "SELECT 1 WHERE 0", NULL, 0, &v, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(f->err.code, CORE_E_NOT_FOUND);
    assert_int_equal(v, 42); /* untouched */
    /* several rows: the first */
    assert_ok(store_query_int(f->s, &f->a, "SELECT 5 UNION ALL SELECT 6", NULL, 0, &v, &f->err), f->err);
    assert_int_equal(v, 5);
    /* RETURNING runs to completion: every row inserted */
    assert_ok(store_exec_script(f->s, "CREATE TABLE r (id INTEGER PRIMARY KEY, n INTEGER)", &f->err), f->err);
    assert_ok(store_query_int(f->s, &f->a, "INSERT INTO r (n) VALUES (1), (2), (3) RETURNING id", NULL, 0, &v,
                              &f->err),
              f->err);
    assert_int_equal(v, 1);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM r"), 3);
    int64_t changes = 0;
    assert_ok(store_exec(f->s, &f->a, "UPDATE r SET n = n + 1 WHERE n >= $1", (store_value[]){store_v_int(2)}, 1,
                         &changes, &f->err),
              f->err);
    assert_int_equal(changes, 2);
}

/* ---- statement cache ---- */

static const char SQL_SERIES[] = "WITH RECURSIVE c(n) AS (\n"
                                 "  SELECT $1\n"
                                 "   UNION ALL\n"
                                 "  SELECT n + 1 FROM c WHERE n < $1 + $2 - 1\n"
                                 ")\n"
                                 "SELECT n, 'v' || n FROM c";

static void test_cache_same_sql_repeated(void **state)
{
    fixture *f = *state;
    /* 600 runs on one arena, never reset: more statements in use at once than the cache holds (256) */
    for (int i = 0; i < 600; i++) {
        store_value p[] = {store_v_int(i), store_v_text(i % 2 ? "odd" : "even")};
        store_stmt *st;
        assert_ok(store_query(f->s, &f->a, "SELECT $1 * 3, $2", p, 2, &st, &f->err), f->err);
        assert_int_equal(store_next(st, &f->err), 1);
        assert_int_equal(store_col_int(st, 0), i * 3);
        assert_string_equal(store_col_text(st, 1, NULL), i % 2 ? "odd" : "even");
        if (i % 3 == 0)
            assert_int_equal(store_next(st, &f->err), 0);
    }
    core_arena_reset(&f->a);
    /* across resets: the cached statement comes back reset with its old bindings cleared */
    for (int i = 0; i < 300; i++) {
        int64_t v = -1;
        store_value p[] = {store_v_int(i), store_v_text("x")};
        assert_ok(store_query_int(f->s, &f->a, "SELECT $1 * 3, $2", p, 2, &v, &f->err), f->err);
        assert_int_equal(v, i * 3);
        core_arena_reset(&f->a);
    }
    /* a statement left half-read is restarted, not resumed, after a reset */
    for (int round = 0; round < 3; round++) {
        store_value p[] = {store_v_int(100), store_v_int(5)};
        store_stmt *st;
        assert_ok(store_query(f->s, &f->a, SQL_SERIES, p, 2, &st, &f->err), f->err);
        assert_int_equal(store_next(st, &f->err), 1);
        assert_int_equal(store_col_int(st, 0), 100);
        assert_int_equal(store_next(st, &f->err), 1);
        assert_int_equal(store_col_int(st, 0), 101);
        core_arena_reset(&f->a);
    }
    /* NULL where a value was bound last time: bindings really are cleared and rebound */
    store_value p[] = {store_v_null(), store_v_null()};
    store_stmt *st;
    assert_ok(store_query(f->s, &f->a, "SELECT $1 * 3, $2", p, 2, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_int_equal(store_col_type(st, 0), STORE_NULL);
    assert_int_equal(store_col_type(st, 1), STORE_NULL);
}

static void test_cache_two_open_statements(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 3; round++) {
        store_value pa[] = {store_v_int(10), store_v_int(5)};
        store_value pb[] = {store_v_int(1000), store_v_int(3)};
        store_stmt *a, *b;
        assert_ok(store_query(f->s, &f->a, SQL_SERIES, pa, 2, &a, &f->err), f->err);
        assert_int_equal(store_next(a, &f->err), 1);
        assert_ok(store_query(f->s, &f->a, SQL_SERIES, pb, 2, &b, &f->err), f->err);
        assert_ptr_not_equal(a, b);
        /* interleave the two: each keeps its own bindings and position */
        int64_t want_a = 10, want_b = 1000;
        assert_int_equal(store_col_int(a, 0), want_a++);
        for (;;) {
            int rb = store_next(b, &f->err);
            if (rb == 0)
                break;
            assert_int_equal(rb, 1);
            assert_int_equal(store_col_int(b, 0), want_b);
            char want[32];
            snprintf(want, sizeof want, "v%lld", (long long)want_b);
            assert_string_equal(store_col_text(b, 1, NULL), want);
            want_b++;
            assert_int_equal(store_next(a, &f->err), 1);
            assert_int_equal(store_col_int(a, 0), want_a++);
        }
        assert_int_equal(want_b, 1003);
        while (store_next(a, &f->err) == 1)
            assert_int_equal(store_col_int(a, 0), want_a++);
        assert_int_equal(want_a, 15);
        core_arena_reset(&f->a);
    }
    /* two arenas, same SQL, one connection */
    core_arena other = CORE_ARENA_INIT;
    store_value p1[] = {store_v_int(1), store_v_int(2)};
    store_value p2[] = {store_v_int(50), store_v_int(2)};
    store_stmt *x, *y;
    assert_ok(store_query(f->s, &f->a, SQL_SERIES, p1, 2, &x, &f->err), f->err);
    assert_ok(store_query(f->s, &other, SQL_SERIES, p2, 2, &y, &f->err), f->err);
    assert_int_equal(store_next(x, &f->err), 1);
    assert_int_equal(store_next(y, &f->err), 1);
    assert_int_equal(store_col_int(x, 0), 1);
    assert_int_equal(store_col_int(y, 0), 50);
    core_arena_release(&other); /* y goes back; x is untouched */
    assert_int_equal(store_next(x, &f->err), 1);
    assert_int_equal(store_col_int(x, 0), 2);
    assert_int_equal(store_next(x, &f->err), 0);
}

static void test_cache_many_distinct(void **state)
{
    fixture *f = *state;
    /* More distinct SQL texts than the cache holds, twice over: the overflow is prepared per use and
     * finalized with its arena. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 400; i++) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT $1 + %d", i);
            int64_t v = 0;
            assert_ok(store_query_int(f->s, &f->a, sql, (store_value[]){store_v_int(round * 1000)}, 1, &v, &f->err),
                      f->err);
            assert_int_equal(v, round * 1000 + i);
        }
        core_arena_reset(&f->a);
    }
}

/* ---- pool ---- */

enum { POOL_SIZE = 3, POOL_THREADS = 6, POOL_ROUNDS = 40 };

struct pool_shared {
    store_pool *pool;
    pthread_mutex_t mu;
    int out, max_out;
    int failures;
};

struct pool_worker {
    struct pool_shared *sh;
    int id;
};

static void *pool_thread(void *arg)
{
    struct pool_worker *w = arg;
    struct pool_shared *sh = w->sh;
    core_arena a = CORE_ARENA_INIT;
    core_error err;
    for (int i = 0; i < POOL_ROUNDS; i++) {
        store *s = store_pool_acquire(sh->pool);
        pthread_mutex_lock(&sh->mu);
        sh->out++;
        if (sh->out > sh->max_out)
            sh->max_out = sh->out;
        pthread_mutex_unlock(&sh->mu);
        int rc = store_begin(s, &err);
        store_value p[] = {store_v_int(w->id), store_v_int(i)};
        if (rc == 0)
            rc = store_exec(s, &a, "INSERT INTO pool_t (worker, n) VALUES ($1, $2)", p, 2, NULL, &err);
        core_arena_reset(&a);
        /* every fifth round leaves its transaction open: release must roll it back */
        if (rc == 0 && i % 5 != 4)
            rc = store_commit(s, &err);
        if (rc) {
            pthread_mutex_lock(&sh->mu);
            sh->failures++;
            pthread_mutex_unlock(&sh->mu);
        }
        pthread_mutex_lock(&sh->mu);
        sh->out--;
        pthread_mutex_unlock(&sh->mu);
        store_pool_release(sh->pool, s);
    }
    core_arena_release(&a);
    return NULL;
}

/* The dialect hooks (test_store_hooks.h) on SQLite. */
static void test_dialect_hooks(void **state)
{
    fixture *f = *state;
    check_dialect_hooks(f->s, &f->a, &f->err);
}

static void test_pool_threads(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE pool_t (worker INTEGER, n INTEGER)", &f->err), f->err);
    struct pool_shared sh = {0};
    pthread_mutex_init(&sh.mu, NULL);
    assert_ok(store_pool_open(&sh.pool, f->tmp.path, POOL_SIZE, &f->err), f->err);
    pthread_t th[POOL_THREADS];
    struct pool_worker w[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++) {
        w[i] = (struct pool_worker){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, pool_thread, &w[i]), 0);
    }
    for (int i = 0; i < POOL_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(sh.failures, 0);
    assert_true(sh.max_out >= 1 && sh.max_out <= POOL_SIZE);
    /* 4 of every 5 rounds committed; the rest were rolled back on release */
    int64_t want = POOL_THREADS * (POOL_ROUNDS / 5 * 4);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pool_t"), want);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pool_t WHERE n % 5 = 4"), 0);
    assert_int_equal(count_rows(f, "SELECT count(DISTINCT worker) FROM pool_t"), POOL_THREADS);
    /* every pooled handle runs with the same pragmas */
    store *held[POOL_SIZE];
    for (int i = 0; i < POOL_SIZE; i++) {
        held[i] = store_pool_acquire(sh.pool);
        expect_pragmas(held[i]);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(held[i], held[j]);
    }
    for (int i = 0; i < POOL_SIZE; i++)
        store_pool_release(sh.pool, held[i]);
    store_pool_close(sh.pool);
    store_pool_close(NULL);
    pthread_mutex_destroy(&sh.mu);

    /* a pool that cannot open its handles reports the error and leaks nothing */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/missing/x.db", f->tmp.dir);
    store_pool *p = NULL;
    assert_int_equal(store_pool_open(&p, bad, 2, &f->err), CORE_E_STORE);
    assert_null(p);
}

/* ---- group commit (store_group.c) ---- */

enum { GROUP_THREADS = 8, GROUP_ROUNDS = 40 };

struct group_worker {
    store_pool *pool;
    int id;
    int committed, conflicts, failures;
};

/* Each round one transaction of two inserts; every seventh repeats a key of its own (a conflict), so it
 * fails and rolls back alone while the others commit around it. */
static void *group_thread(void *arg)
{
    struct group_worker *w = arg;
    core_arena a = CORE_ARENA_INIT;
    core_error err;
    for (int i = 0; i < GROUP_ROUNDS; i++) {
        store *s = store_pool_acquire(w->pool);
        int rc = store_begin(s, &err);
        store_value p[] = {store_v_int(w->id * 1000 + i), store_v_int(w->id)};
        if (rc == 0)
            rc = store_exec(s, &a, "INSERT INTO group_t (k, worker) VALUES ($1, $2)", p, 2, NULL, &err);
        if (rc == 0 && i % 7 == 6) /* the same key again: a conflict */
            rc = store_exec(s, &a, "INSERT INTO group_t (k, worker) VALUES ($1, $2)", p, 2, NULL, &err);
        core_arena_reset(&a);
        if (rc == 0)
            rc = store_commit(s, &err);
        if (rc == 0)
            w->committed++;
        else if (rc == CORE_E_CONFLICT)
            w->conflicts++;
        else
            w->failures++;
        if (rc)
            store_rollback(s);
        store_pool_release(w->pool, s);
    }
    core_arena_release(&a);
    return NULL;
}

static void test_group_commit(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE group_t (k INTEGER PRIMARY KEY, worker INTEGER)", &f->err),
              f->err);
    store_pool *pool = NULL;
    assert_ok(store_pool_open(&pool, f->tmp.path, GROUP_THREADS, &f->err), f->err);
    store *h = store_pool_acquire(pool);
    store_group *g = h->group;
    store_pool_release(pool, h);
    assert_non_null(g); /* SQLite's pooled handles commit in groups */
    uint64_t syncs0 = store_group_syncs(g);
    pthread_t th[GROUP_THREADS];
    struct group_worker w[GROUP_THREADS];
    for (int i = 0; i < GROUP_THREADS; i++) {
        w[i] = (struct group_worker){pool, i + 1, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, group_thread, &w[i]), 0);
    }
    int committed = 0;
    for (int i = 0; i < GROUP_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
        assert_int_equal(w[i].conflicts, GROUP_ROUNDS / 7);
        committed += w[i].committed;
    }
    assert_int_equal(committed, GROUP_THREADS * (GROUP_ROUNDS - GROUP_ROUNDS / 7));
    /* every committed transaction is stored, every conflicting one left nothing */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM group_t"), committed);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM group_t WHERE k % 1000 % 7 = 6"), 0);
    /* each commit waited for a sync: at least one, never more than one per commit */
    uint64_t syncs = store_group_syncs(g) - syncs0;
    assert_true(syncs >= 1 && syncs <= (uint64_t)committed);
    print_message("group commit: %d commits, %llu syncs of the log\n", committed, (unsigned long long)syncs);
    /* the handles are back at synchronous=FULL for writes outside a transaction */
    h = store_pool_acquire(pool);
    expect_pragmas(h);

    /* A sync that fails is an error to the commit it covers, not an acknowledgement: the log file is taken
     * away from under the handle, so it cannot be opened to be synced. */
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", f->tmp.path);
    assert_ok(store_begin(h, &f->err), f->err);
    store_value p[] = {store_v_int(999999), store_v_int(0)};
    assert_ok(store_exec(h, &f->a, "INSERT INTO group_t (k, worker) VALUES ($1, $2)", p, 2, NULL, &f->err), f->err);
    core_arena_reset(&f->a);
    assert_int_equal(unlink(wal), 0);
    assert_int_equal(store_commit(h, &f->err), CORE_E_IO);
    assert_non_null(strstr(f->err.detail, "write-ahead log"));
    store_pool_release(pool, h);
    store_pool_close(pool);
}

/* ---- finding 20: a full disk is named and recovered from; the log is checkpointed while serving ---- */

static void test_finding_20_storage_full_is_named_and_recovered(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE blob_t (b TEXT);", &f->err), f->err);
    int64_t pages = 0;
    assert_ok(store_query_int(f->s, &f->a, "PRAGMA page_count", NULL, 0, &pages, &f->err), f->err);
    core_arena_reset(&f->a);
    /* the database may grow by a few pages only: SQLite answers SQLITE_FULL, as on a full disk */
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA max_page_count=%lld;", (long long)pages + 3);
    assert_ok(store_exec_script(f->s, pragma, &f->err), f->err);
    static char big[3000];
    memset(big, 'x', sizeof big - 1);
    store_value v[] = {store_v_text(big)};
    int rc = 0, i;
    for (i = 0; i < 50 && rc == 0; i++) {
        rc = store_exec(f->s, &f->a, "INSERT INTO blob_t (b) VALUES ($1)", v, 1, NULL, &f->err);
        core_arena_reset(&f->a);
    }
    assert_int_equal(rc, CORE_E_STORAGE_FULL);
    assert_string_equal(core_error_name(rc), "storage_full");
    assert_non_null(strstr(f->err.hint, "full"));
    assert_int_equal(core_error_http_status(rc), 507);
    int64_t kept = count_rows(f, "SELECT count(*) FROM blob_t");
    core_arena_reset(&f->a);
    /* a transaction that hits it stores nothing */
    assert_ok(store_begin(f->s, &f->err), f->err);
    rc = store_exec(f->s, &f->a, "INSERT INTO blob_t (b) VALUES ($1)", v, 1, NULL, &f->err);
    core_arena_reset(&f->a);
    assert_int_equal(rc, CORE_E_STORAGE_FULL);
    store_rollback(f->s);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM blob_t"), kept);
    core_arena_reset(&f->a);
    /* room again: the same handle goes on */
    assert_ok(store_exec_script(f->s, "PRAGMA max_page_count=1000000;", &f->err), f->err);
    assert_ok(store_exec(f->s, &f->a, "INSERT INTO blob_t (b) VALUES ($1)", v, 1, NULL, &f->err), f->err);
    core_arena_reset(&f->a);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM blob_t"), kept + 1);
}

static long file_size(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fclose(fp);
    return n;
}

static void test_finding_20_wal_is_truncated_while_serving(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE t (x TEXT);", &f->err), f->err);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", f->tmp.path);
    /* a reader holds a snapshot while a writer commits a few MB: no checkpoint can reach the log's end */
    store *reader;
    assert_ok(store_open(&reader, f->tmp.path, &f->err), f->err);
    assert_ok(store_exec_script(reader, "BEGIN; SELECT count(*) FROM t;", &f->err), f->err);
    static char row[4000];
    memset(row, 'y', sizeof row - 1);
    store_value v[] = {store_v_text(row)};
    for (int i = 0; i < 1000; i++) {
        assert_ok(store_exec(f->s, &f->a, "INSERT INTO t (x) VALUES ($1)", v, 1, NULL, &f->err), f->err);
        core_arena_reset(&f->a);
    }
    assert_true(file_size(wal) > 2 * 1024 * 1024);
    int64_t frames = 0;
    core_error err;
    assert_ok(store_wal_checkpoint(f->s, 0, &frames, &err), err);
    assert_true(frames > 500);
    /* the keeper truncates it once the reader is gone, with nobody writing */
    store_wal_keeper *k;
    assert_ok(store_wal_keeper_start(&k, f->tmp.path, 50, 10, &err), err);
    store_exec_script(reader, "COMMIT;", NULL);
    long size = -1;
    for (int i = 0; i < 100 && (size = file_size(wal)) != 0; i++)
        usleep(50 * 1000);
    store_wal_keeper_stop(k);
    store_close(reader);
    assert_int_equal(size, 0);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM t"), 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params_bound_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finding_20_storage_full_is_named_and_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finding_20_wal_is_truncated_while_serving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_idempotent_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_failure_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, setup_migrated, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_refused_while_a_read_is_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_same_sql_repeated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_two_open_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_many_distinct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dialect_hooks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
