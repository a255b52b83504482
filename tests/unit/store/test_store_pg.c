/*
 * test_store_pg.c — unit tests for the PostgreSQL back end (store_pg.c) through store.h, against a real server.
 *
 * Needs HEARTH_TEST_PG, a postgres:// address of an empty database the test may write to: script/with-postgres
 * makes a throwaway cluster and sets it (script/test runs the unit tests under it). Without it every test fails
 * with that hint, so a missing server is never taken for a pass. Each test works in a schema of its own,
 * dropped afterwards.
 *
 * Covers what callers rely on from either back end: $N bound by position wherever and however often it
 * appears, values given but not used ignored, a missing one refused; every value type both ways (64-bit
 * integers at their limits, reals, NULL, text, booleans read as 0 or 1); INSERT ... RETURNING id through
 * store_query_int; rows changed; transactions (rollback leaves nothing, commit stays); UNIQUE, FOREIGN KEY,
 * NOT NULL and CHECK violations as CORE_E_CONFLICT and the transaction going on after one (as in SQLite);
 * store_begin refused while a read is open; the same SQL prepared once and run many times; a text value with a
 * NUL byte refused; a bad address named with a hint; and a pool of handles shared by threads, an open
 * transaction rolled back on release.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_arena.h"
#include "store/store.h"

#define assert_ok(expr, e)                                                                                    \
    do {                                                                                                      \
        if ((expr) != 0)                                                                                      \
            fail_msg("%s: %s %s", #expr, (e).message, (e).detail);                                           \
    } while (0)

#include "test_store_hooks.h" /* after assert_ok, which it uses */

typedef struct fixture {
    const char *url;
    store *s;
    core_arena a;
    core_error err;
} fixture;

static int setup(void **state)
{
    const char *url = getenv("HEARTH_TEST_PG");
    if (!url || !*url) {
        fprintf(stderr, "HEARTH_TEST_PG is not set: run under script/with-postgres\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    f->url = url;
    if (store_open(&f->s, url, &f->err)) {
        fprintf(stderr, "store_open: %s %s\n", f->err.message, f->err.detail);
        return -1;
    }
    if (store_exec_script(f->s, "DROP SCHEMA IF EXISTS t CASCADE; CREATE SCHEMA t; SET search_path = t", &f->err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_exec_script(f->s, "DROP SCHEMA IF EXISTS t CASCADE", NULL);
    store_close(f->s);
    free(f);
    return 0;
}

static int64_t count_rows(fixture *f, const char *sql)
{
    int64_t n = -1;
    assert_ok(store_query_int(f->s, &f->a, sql, NULL, 0, &n, &f->err), f->err);
    return n;
}

static void test_params_and_types(void **state)
{
    fixture *f = *state;
    store_value p[] = {store_v_int(10), store_v_text("two")};
    store_stmt *st;
    /* $2 before $1, and $1 twice */
    assert_ok(store_query(f->s, &f->a, "SELECT $2::text, $1::bigint, $1::bigint + $1::bigint", p, 2, &st, &f->err),
              f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_int_equal(store_col_count(st), 3);
    size_t len = 0;
    assert_string_equal(store_col_text(st, 0, &len), "two");
    assert_int_equal(len, 3);
    assert_int_equal(store_col_type(st, 1), STORE_INT);
    assert_int_equal(store_col_int(st, 1), 10);
    assert_int_equal(store_col_int(st, 2), 20);
    assert_int_equal(store_next(st, &f->err), 0);

    /* every type, limits, NULLs, and values given but not used */
    store_value q[] = {store_v_real(2.5), store_v_null(), store_v_text(NULL), store_v_int(INT64_MIN),
                       store_v_int(INT64_MAX), store_v_int(99)};
    assert_ok(store_query(f->s, &f->a,
                          "SELECT $4::bigint, $5::bigint, $3::text, $2::text, $1::float8 * 2, $4::bigint < 0, "
                          "'caf\xc3\xa9'::text AS word",
                          q, 6, &st, &f->err),
              f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    assert_true(store_col_int(st, 0) == INT64_MIN);
    assert_true(store_col_int(st, 1) == INT64_MAX);
    assert_int_equal(store_col_type(st, 2), STORE_NULL);
    assert_null(store_col_text(st, 2, &len));
    assert_int_equal(len, 0);
    assert_int_equal(store_col_type(st, 3), STORE_NULL);
    assert_int_equal(store_col_type(st, 4), STORE_REAL);
    assert_true(store_col_real(st, 4) == 5.0);
    assert_int_equal(store_col_type(st, 5), STORE_INT);
    assert_int_equal(store_col_int(st, 5), 1);
    assert_string_equal(store_col_text(st, 6, NULL), "caf\xc3\xa9");
    assert_string_equal(store_col_name(st, 6), "word");
    store_done(st);

    /* $10 is parameter ten */
    store_value ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = store_v_int(i + 1);
    int64_t v = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT $10::bigint * 100 + $1::bigint", ten, 10, &v, &f->err), f->err);
    assert_int_equal(v, 1001);

    /* a parameter whose uses say nothing of its type ("$2 IS NULL OR ... = $2", 42P08 at PREPARE) is taken as
     * text, as one never named is: NULL matches every row, a value only its own (the retention plan's rows) */
    const char *optional = "SELECT count(*) FROM (VALUES ('a'), ('b'), ('b')) AS v (w)\n"
                           " WHERE $1::bigint > 0 AND ($2 IS NULL OR w = $2)";
    store_value any[] = {store_v_int(1), store_v_null()}, only_b[] = {store_v_int(1), store_v_text("b")};
    assert_ok(store_query_int(f->s, &f->a, optional, any, 2, &v, &f->err), f->err);
    assert_int_equal(v, 3);
    assert_ok(store_query_int(f->s, &f->a, optional, only_b, 2, &v, &f->err), f->err);
    assert_int_equal(v, 2);

    /* a missing value is a programming error; a NUL byte in text the caller's */
    core_error_clear(&f->err);
    assert_int_equal(store_query(f->s, &f->a, "SELECT $1::bigint + $2::bigint", ten, 1, &st, &f->err),
                     CORE_E_INTERNAL);
    store_value nul[] = {store_v_textn("a\0b", 3)};
    assert_int_equal(store_query(f->s, &f->a, "SELECT $1::text", nul, 1, &st, &f->err), CORE_E_INVALID_VALUE);
    core_arena_reset(&f->a);
}

static void test_returning_changes_and_conflicts(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s,
                                "CREATE TABLE team (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
                                "                   size BIGINT CHECK (size >= 0));\n"
                                "CREATE TABLE member (id BIGSERIAL PRIMARY KEY, team_id BIGINT NOT NULL\n"
                                "                     REFERENCES team(id));",
                                &f->err),
              f->err);
    int64_t a = 0, b = 0, changed = -1;
    store_value pa[] = {store_v_text("North"), store_v_int(3)}, pb[] = {store_v_text("South"), store_v_int(4)};
    const char *ins = "INSERT INTO team (name, size) VALUES ($1, $2) RETURNING id";
    assert_ok(store_query_int(f->s, &f->a, ins, pa, 2, &a, &f->err), f->err);
    assert_ok(store_query_int(f->s, &f->a, ins, pb, 2, &b, &f->err), f->err);
    assert_true(a > 0 && b == a + 1);
    assert_ok(store_exec(f->s, &f->a, "UPDATE team SET size = size + 1", NULL, 0, &changed, &f->err), f->err);
    assert_int_equal(changed, 2);

    /* each kind of violation is a conflict */
    struct {
        const char *sql;
        store_value v[2];
    } bad[] = {
        {"INSERT INTO team (name, size) VALUES ($1, $2)", {store_v_text("North"), store_v_int(1)}},
        {"INSERT INTO team (name, size) VALUES ($1, $2)", {store_v_null(), store_v_int(1)}},
        {"INSERT INTO team (name, size) VALUES ($1, $2)", {store_v_text("East"), store_v_int(-1)}},
        {"INSERT INTO member (team_id) VALUES ($1::bigint + $2::bigint)", {store_v_int(999), store_v_int(0)}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        core_error_clear(&f->err);
        assert_int_equal(store_exec(f->s, &f->a, bad[i].sql, bad[i].v, 2, NULL, &f->err), CORE_E_CONFLICT);
    }
    core_error_clear(&f->err);
    assert_int_equal(store_exec_script(f->s, "SELECT * FROM no_such_table", &f->err), CORE_E_STORE);

    /* inside a transaction a conflict fails that statement only, as in SQLite: the rest commits */
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_int_equal(store_exec(f->s, &f->a, bad[0].sql, bad[0].v, 2, NULL, &f->err), CORE_E_CONFLICT);
    store_value pe[] = {store_v_text("East"), store_v_int(2)};
    assert_ok(store_exec(f->s, &f->a, "INSERT INTO team (name, size) VALUES ($1, $2)", pe, 2, NULL, &f->err), f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM team"), 3);

    /* rollback leaves nothing */
    assert_ok(store_begin(f->s, &f->err), f->err);
    store_value pw[] = {store_v_text("West"), store_v_int(2)};
    assert_ok(store_exec(f->s, &f->a, "INSERT INTO team (name, size) VALUES ($1, $2)", pw, 2, NULL, &f->err), f->err);
    store_rollback(f->s);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM team WHERE name = 'West'"), 0);
    core_arena_reset(&f->a);
}

static void test_begin_refused_while_a_read_is_open(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE n (v BIGINT); INSERT INTO n VALUES (1), (2), (3)", &f->err),
              f->err);
    store_stmt *st;
    assert_ok(store_query(f->s, &f->a, "SELECT v FROM n ORDER BY v", NULL, 0, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    core_error_clear(&f->err);
    assert_int_equal(store_begin(f->s, &f->err), CORE_E_INTERNAL);
    assert_non_null(strstr(f->err.detail, "SELECT v FROM n"));
    store_done(st);
    assert_ok(store_begin(f->s, &f->err), f->err);
    store_rollback(f->s);
    core_arena_reset(&f->a);
}

static void test_same_sql_many_times(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE r (id BIGSERIAL PRIMARY KEY, n BIGINT)", &f->err), f->err);
    for (int i = 0; i < 300; i++) {
        store_value p[] = {store_v_int(i)};
        int64_t id;
        assert_ok(store_query_int(f->s, &f->a, "INSERT INTO r (n) VALUES ($1) RETURNING id", p, 1, &id, &f->err),
                  f->err);
        if (i % 50 == 49)
            core_arena_reset(&f->a);
    }
    /* two reads of the same SQL interleaved on one arena */
    store_stmt *x, *y;
    store_value lo[] = {store_v_int(10)}, hi[] = {store_v_int(290)};
    const char *sql = "SELECT n FROM r WHERE n >= $1 ORDER BY n LIMIT 2";
    assert_ok(store_query(f->s, &f->a, sql, lo, 1, &x, &f->err), f->err);
    assert_ok(store_query(f->s, &f->a, sql, hi, 1, &y, &f->err), f->err);
    assert_int_equal(store_next(x, &f->err), 1);
    assert_int_equal(store_next(y, &f->err), 1);
    assert_int_equal(store_col_int(x, 0), 10);
    assert_int_equal(store_col_int(y, 0), 290);
    assert_int_equal(store_next(x, &f->err), 1);
    assert_int_equal(store_col_int(x, 0), 11);
    store_done(x);
    store_done(y);
    assert_int_equal(count_rows(f, "SELECT sum(n) FROM r"), 300 * 299 / 2);
    core_arena_reset(&f->a);
}

static void test_open_failure(void **state)
{
    fixture *f = *state;
    store *s = NULL;
    core_error_clear(&f->err);
    assert_int_equal(store_open(&s, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", &f->err), CORE_E_STORE);
    assert_null(s);
    assert_true(f->err.hint[0] != '\0');
}

enum { POOL_SIZE = 3, POOL_THREADS = 6, POOL_ROUNDS = 20 };

struct pool_shared {
    store_pool *pool;
    pthread_mutex_t mu;
    int failures;
};

struct pool_worker {
    struct pool_shared *sh;
    int id;
};

/* The dialect hooks (test_store_hooks.h) on PostgreSQL. */
static void test_dialect_hooks(void **state)
{
    fixture *f = *state;
    check_dialect_hooks(f->s, &f->a, &f->err);
}

static void *pool_thread(void *arg)
{
    struct pool_worker *w = arg;
    core_arena a = CORE_ARENA_INIT;
    core_error err;
    for (int i = 0; i < POOL_ROUNDS; i++) {
        store *s = store_pool_acquire(w->sh->pool);
        int rc = store_exec_script(s, "SET search_path = t", &err);
        if (rc == 0)
            rc = store_begin(s, &err);
        store_value p[] = {store_v_int(w->id), store_v_int(i)};
        if (rc == 0)
            rc = store_exec(s, &a, "INSERT INTO pool_t (worker, n) VALUES ($1, $2)", p, 2, NULL, &err);
        core_arena_reset(&a);
        if (rc == 0 && i % 5 != 4) /* every fifth left open: release rolls it back */
            rc = store_commit(s, &err);
        if (rc) {
            pthread_mutex_lock(&w->sh->mu);
            w->sh->failures++;
            pthread_mutex_unlock(&w->sh->mu);
        }
        store_pool_release(w->sh->pool, s);
    }
    core_arena_release(&a);
    return NULL;
}

static void test_pool_threads(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, "CREATE TABLE pool_t (worker BIGINT, n BIGINT)", &f->err), f->err);
    struct pool_shared sh = {0};
    pthread_mutex_init(&sh.mu, NULL);
    assert_ok(store_pool_open(&sh.pool, f->url, POOL_SIZE, &f->err), f->err);
    pthread_t th[POOL_THREADS];
    struct pool_worker w[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++) {
        w[i] = (struct pool_worker){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, pool_thread, &w[i]), 0);
    }
    for (int i = 0; i < POOL_THREADS; i++)
        pthread_join(th[i], NULL);
    store_pool_close(sh.pool);
    pthread_mutex_destroy(&sh.mu);
    assert_int_equal(sh.failures, 0);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pool_t"), POOL_THREADS * (POOL_ROUNDS / 5 * 4));
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pool_t WHERE n % 5 = 4"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_returning_changes_and_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_refused_while_a_read_is_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_sql_many_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dialect_hooks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
