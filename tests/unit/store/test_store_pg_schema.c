/*
 * test_store_pg_schema.c — Hearth's schema on PostgreSQL against the same migrations on SQLite.
 *
 * Needs HEARTH_TEST_PG (script/with-postgres sets it); without it every test fails with that hint. Each test
 * migrates into a PostgreSQL schema of its own ("pgs"), dropped afterwards.
 *
 *   - every SQLite migration has its PostgreSQL form: the same numbers and names, in order, none empty;
 *   - both schemas, migrated from nothing, have the same tables and the same columns in each; the tables only
 *     PostgreSQL has are the audit trail's, which on SQLite live in the trail's own file (PATH.audit) — those
 *     are compared with the trail audit_open makes;
 *   - migrating twice applies nothing the second time; reference rows are the same in number;
 *   - an id given explicitly (as reference rows and copied councils do) leaves the next generated id above it;
 *   - the trail is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE refused, the chain head untouchable;
 *   - several connections appending at once make one gapless chain: an append that does not extend the head
 *     is refused as CORE_E_BUSY and succeeds when retried with the new tail;
 *   - the audit module itself on a postgres:// address: refused without HEARTH_AUDIT_DIR, then 120 events from
 *     three threads appended to the database's trail and verified from genesis with their checkpoints.
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

#include "audit/audit.h"
#include "core/core_arena.h"
#include "store/store.h"
#include "../test_tmpdb.h"

enum { MAX_COLUMNS = 4096 };

typedef struct fixture {
    const char *url;
    store *s;
    core_arena a;
    core_error err;
} fixture;

static int open_in_schema(const char *url, store **out, core_error *err)
{
    int rc = store_open(out, url, err);
    if (rc == 0)
        rc = store_exec_script(*out, "SET search_path = pgs", err);
    return rc;
}

static int setup(void **state)
{
    const char *url = getenv("HEARTH_TEST_PG");
    if (!url || !*url) {
        fprintf(stderr, "HEARTH_TEST_PG is not set: run under script/with-postgres\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    f->url = url;
    if (store_open(&f->s, url, &f->err) ||
        store_exec_script(f->s, "DROP SCHEMA IF EXISTS pgs CASCADE; CREATE SCHEMA pgs; SET search_path = pgs",
                          &f->err)) {
        fprintf(stderr, "setup: %s %s\n", f->err.message, f->err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_exec_script(f->s, "DROP SCHEMA IF EXISTS pgs CASCADE", NULL);
    store_close(f->s);
    free(f);
    return 0;
}

static void migrate_pg(fixture *f)
{
    assert_ok(store_migrate(f->s, &f->err), f->err);
}

/* "table.column" for every column of every table, sorted (both back ends' queries order the same way). */
typedef struct columns {
    char *name[MAX_COLUMNS];
    int n;
} columns;

static void columns_read(store *s, core_arena *a, const char *sql, columns *out)
{
    core_error err = {0};
    store_stmt *st;
    out->n = 0;
    assert_ok(store_query(s, a, sql, NULL, 0, &st, &err), err);
    int rc;
    while ((rc = store_next(st, &err)) == 1) {
        assert_true(out->n < MAX_COLUMNS);
        const char *t = store_col_text(st, 0, NULL), *c = store_col_text(st, 1, NULL);
        size_t len = strlen(t) + strlen(c) + 2;
        out->name[out->n] = core_arena_alloc(a, len);
        snprintf(out->name[out->n], len, "%s.%s", t, c);
        out->n++;
    }
    assert_int_equal(rc, 0);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void columns_sort(columns *c)
{
    qsort(c->name, (size_t)c->n, sizeof c->name[0], cmp_str);
}

/* Every name of one list missing from the other, printed; returns how many. */
static int columns_diff(const columns *x, const char *xn, const columns *y, const char *yn)
{
    int missing = 0;
    for (int i = 0; i < x->n; i++)
        if (!bsearch(&x->name[i], y->name, (size_t)y->n, sizeof y->name[0], cmp_str)) {
            print_error("%s has %s, %s has not\n", xn, x->name[i], yn);
            missing++;
        }
    return missing;
}

static const char SQL_SQLITE_COLUMNS[] = "SELECT m.name, p.name\n"
                                         "  FROM sqlite_master m, pragma_table_info(m.name) p\n"
                                         " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

static const char SQL_PG_COLUMNS[] = "SELECT table_name::text, column_name::text\n"
                                     "  FROM information_schema.columns\n"
                                     " WHERE table_schema = 'pgs'";

/* The trail's tables, in the main database on PostgreSQL and in PATH.audit on SQLite; audit_chain_head is
 * PostgreSQL's alone (SQLite's single writer needs no head row). */
static int is_trail_column(const char *name)
{
    return !strncmp(name, "audit_event.", 12) || !strncmp(name, "audit_outbox_done.", 18);
}

static void test_every_migration_has_its_postgresql_form(void **state)
{
    (void)state;
    size_t n_sqlite = 0, n_pg = 0;
    const struct store_migration *sq = store_migrations_for(&store_sqlite_backend, &n_sqlite);
    const struct store_migration *pg = store_migrations_for(&store_pg_backend, &n_pg);
    assert_true(n_sqlite >= 23);
    assert_int_equal(n_pg, n_sqlite);
    for (size_t i = 0; i < n_sqlite; i++) {
        assert_int_equal(pg[i].version, sq[i].version);
        assert_string_equal(pg[i].name, sq[i].name);
        /* translated from the SQLite file, or written by hand for what cannot be */
        char translated[200], by_hand[200];
        snprintf(translated, sizeof translated, "-- (translated from migrations/sqlite/%04d_%s.sql", sq[i].version,
                 sq[i].name);
        snprintf(by_hand, sizeof by_hand, "-- (hand-written for PostgreSQL: migrations/pg/%04d_%s.sql)",
                 sq[i].version, sq[i].name);
        assert_true(strstr(pg[i].sql, translated) || strstr(pg[i].sql, by_hand));
        assert_non_null(strstr(pg[i].sql, "identity sequences follow"));
    }
}

static void test_same_tables_and_columns(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    test_tmpdb t;
    assert_int_equal(test_tmpdb_make(&t), 0);
    store *lite = NULL;
    assert_ok(store_open(&lite, t.path, &f->err), f->err);
    assert_ok(store_migrate(lite, &f->err), f->err);
    audit *au = NULL;
    audit_config cfg = {0};
    assert_ok(audit_open(&au, t.path, &cfg, &f->err), f->err); /* makes PATH.audit */
    assert_ok(audit_close(au, &f->err), f->err);

    static columns sq, trail, pg;
    columns_read(lite, &f->a, SQL_SQLITE_COLUMNS, &sq);
    store *ts = NULL;
    char trail_path[700];
    snprintf(trail_path, sizeof trail_path, "%s.audit", t.path);
    assert_ok(store_open(&ts, trail_path, &f->err), f->err);
    columns_read(ts, &f->a, SQL_SQLITE_COLUMNS, &trail);
    for (int i = 0; i < trail.n; i++)
        if (is_trail_column(trail.name[i]))
            sq.name[sq.n++] = trail.name[i];
    columns_read(f->s, &f->a, SQL_PG_COLUMNS, &pg);
    int k = 0;
    for (int i = 0; i < pg.n; i++)
        if (strncmp(pg.name[i], "audit_chain_head.", 17) != 0)
            pg.name[k++] = pg.name[i];
    pg.n = k;
    columns_sort(&sq);
    columns_sort(&pg);
    assert_true(sq.n > 400);
    assert_int_equal(columns_diff(&sq, "SQLite", &pg, "PostgreSQL") + columns_diff(&pg, "PostgreSQL", &sq, "SQLite"),
                     0);
    assert_int_equal(pg.n, sq.n);

    /* the reference data arrived whole */
    int64_t a = -1, b = -2;
    assert_ok(store_query_int(lite, &f->a, "SELECT count(*) FROM ref_code", NULL, 0, &a, &f->err), f->err);
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM ref_code", NULL, 0, &b, &f->err), f->err);
    assert_true(a > 100);
    assert_int_equal(a, b);
    core_arena_release(&f->a);
    store_close(ts);
    store_close(lite);
    test_tmpdb_remove(&t);
}

static void test_migrating_again_applies_nothing(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    int v = 0;
    assert_ok(store_schema_version(f->s, &v, &f->err), f->err);
    size_t n = 0;
    const struct store_migration *m = store_migrations_for(&store_pg_backend, &n);
    assert_int_equal(v, m[n - 1].version);
    migrate_pg(f);
    int64_t rows = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM schema_migration", NULL, 0, &rows, &f->err),
              f->err);
    assert_int_equal(rows, (int64_t)n);
}

static void test_explicit_ids_keep_identities_ahead(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    store_value p[] = {store_v_int(41), store_v_text("2026-01-01T00:00:00Z")};
    assert_ok(store_exec(f->s, &f->a,
                         "INSERT INTO agency (id, name, agency_type, created_at, updated_at) "
                         "VALUES ($1, 'Given', 'school', $2, $2)",
                         p, 2, NULL, &f->err),
              f->err);
    /* the next migration's epilogue (here run by migrating a copy of the last one again) moves the sequence */
    size_t n = 0;
    const struct store_migration *m = store_migrations_for(&store_pg_backend, &n);
    const char *epilogue = strstr(m[n - 1].sql, "-- (pg_translate.py) identity sequences");
    assert_non_null(epilogue);
    assert_ok(store_exec_script(f->s, epilogue, &f->err), f->err);
    int64_t id = 0;
    assert_ok(store_query_int(f->s, &f->a,
                              "INSERT INTO agency (name, agency_type, created_at, updated_at) "
                              "VALUES ('Next', 'school', $1, $1) RETURNING id",
                              &p[1], 1, &id, &f->err),
              f->err);
    assert_int_equal(id, 42);
}

static const char SQL_TAIL[] = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1";
static const char SQL_APPEND[] =
    "INSERT INTO audit_event (seq, at, action, prev_hash, hash) VALUES ($1, '2026-01-01T00:00:00Z', 'read', $2, $3)";

/* Append one entry after the tail read in the same transaction: 0, CORE_E_BUSY when another got there first. */
static int append_one(store *s, core_arena *a, int tag, core_error *err)
{
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    store_stmt *st;
    int64_t seq = 0;
    char prev[65], hash[65];
    memset(prev, '0', 64);
    prev[64] = '\0';
    rc = store_query(s, a, SQL_TAIL, NULL, 0, &st, err);
    if (rc == 0 && (rc = store_next(st, err)) == 1) {
        seq = store_col_int(st, 0);
        snprintf(prev, sizeof prev, "%s", store_col_text(st, 1, NULL));
        store_done(st);
        rc = 0;
    }
    snprintf(hash, sizeof hash, "%032x%032llx", tag, (unsigned long long)seq + 1);
    store_value p[] = {store_v_int(seq + 1), store_v_text(prev), store_v_text(hash)};
    if (rc == 0)
        rc = store_exec(s, a, SQL_APPEND, p, 3, NULL, err);
    core_arena_reset(a);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    return rc;
}

static void test_trail_is_append_only(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    assert_ok(append_one(f->s, &f->a, 1, &f->err), f->err);
    assert_ok(append_one(f->s, &f->a, 1, &f->err), f->err);
    const char *refused[] = {
        "UPDATE audit_event SET action = 'forged' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 2",
        "TRUNCATE audit_event",
        "UPDATE audit_chain_head SET seq = 1",
        "DELETE FROM audit_chain_head",
        /* a gap, and a fork from an old entry */
        "INSERT INTO audit_event (seq, at, action, prev_hash, hash) VALUES (4, 'x', 'read', 'p', 'h')",
        "INSERT INTO audit_event (seq, at, action, prev_hash, hash) "
        "SELECT 3, 'x', 'read', hash, 'h' FROM audit_event WHERE seq = 1",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        core_error e = {0};
        assert_int_not_equal(store_exec(f->s, &f->a, refused[i], NULL, 0, NULL, &e), 0);
    }
    core_error e = {0};
    assert_int_equal(store_exec(f->s, &f->a, refused[0], NULL, 0, NULL, &e), CORE_E_STORE);
    if (!strstr(e.detail, "append-only"))
        fail_msg("refused for another reason: %s / %s", e.message, e.detail);
    int64_t n = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM audit_event WHERE action = 'read'", NULL, 0, &n,
                              &f->err),
              f->err);
    assert_int_equal(n, 2);
}

enum { APPENDERS = 4, APPENDS_EACH = 40 };

typedef struct appender {
    const char *url;
    int tag, done, retries, failed;
} appender;

static void *appender_run(void *arg)
{
    appender *ap = arg;
    store *s = NULL;
    core_error err = {0};
    core_arena a = CORE_ARENA_INIT;
    if (open_in_schema(ap->url, &s, &err)) {
        ap->failed = 1;
        return NULL;
    }
    while (ap->done < APPENDS_EACH && !ap->failed) {
        int rc = append_one(s, &a, ap->tag, &err);
        if (rc == 0)
            ap->done++;
        else if (rc == CORE_E_BUSY || rc == CORE_E_CONFLICT)
            ap->retries++;
        else
            ap->failed = 1;
    }
    core_arena_release(&a);
    store_close(s);
    return NULL;
}

static void test_concurrent_appenders_make_one_chain(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    pthread_t th[APPENDERS];
    appender ap[APPENDERS];
    for (int i = 0; i < APPENDERS; i++) {
        ap[i] = (appender){.url = f->url, .tag = i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, appender_run, &ap[i]), 0);
    }
    int retries = 0;
    for (int i = 0; i < APPENDERS; i++) {
        pthread_join(th[i], NULL);
        assert_false(ap[i].failed);
        assert_int_equal(ap[i].done, APPENDS_EACH);
        retries += ap[i].retries;
    }
    print_message("appenders retried %d times\n", retries);
    int64_t n = 0;
    /* seq runs 1..N and each entry's prev_hash is its predecessor's hash */
    assert_ok(store_query_int(f->s, &f->a,
                              "SELECT count(*) FROM audit_event e\n"
                              "  JOIN audit_event p ON p.seq = e.seq - 1 AND p.hash = e.prev_hash",
                              NULL, 0, &n, &f->err),
              f->err);
    assert_int_equal(n, APPENDERS * APPENDS_EACH - 1);
    assert_ok(store_query_int(f->s, &f->a, "SELECT max(seq) FROM audit_event", NULL, 0, &n, &f->err), f->err);
    assert_int_equal(n, APPENDERS * APPENDS_EACH);
    assert_ok(store_query_int(f->s, &f->a, "SELECT seq FROM audit_chain_head", NULL, 0, &n, &f->err), f->err);
    assert_int_equal(n, APPENDERS * APPENDS_EACH);
}

enum { TRAIL_THREADS = 3, TRAIL_EVENTS_EACH = 40 };

static void *trail_recorder(void *arg)
{
    audit *au = arg;
    core_error err = {0};
    for (int i = 0; i < TRAIL_EVENTS_EACH; i++) {
        audit_event ev = {.actor_user_id = 7, .actor_role = "practitioner", .action = "read", .target_table = "person",
                          .target_id = i + 1, .detail = "{\"footing\":\"taf\"}"};
        if (audit_record(au, &ev, i % 10 == 9 ? AUDIT_DURABLE : 0, &err))
            return (void *)1;
    }
    return NULL;
}

/* The audit module on PostgreSQL: audit_open on a postgres:// address keeps its files in HEARTH_AUDIT_DIR
 * (refused without it), appends to the database's own trail from several threads through the chain head, and
 * audit_verify checks the chain and the checkpoints from genesis; a forged row cannot even be written. */
static void test_audit_module_on_postgres(void **state)
{
    fixture *f = *state;
    migrate_pg(f);
    test_tmpdb t;
    assert_int_equal(test_tmpdb_make(&t), 0);
    char url[700];
    snprintf(url, sizeof url, "%s?options=-csearch_path%%3Dpgs", f->url);
    unsetenv("HEARTH_AUDIT_DIR");
    audit *au = NULL;
    audit_config cfg = {.checkpoint_every = 25};
    core_error e = {0};
    assert_int_equal(audit_open(&au, url, &cfg, &e), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(e.detail, "HEARTH_AUDIT_DIR"));
    setenv("HEARTH_AUDIT_DIR", t.dir, 1);
    assert_ok(audit_open(&au, url, &cfg, &f->err), f->err);
    pthread_t th[TRAIL_THREADS];
    for (int i = 0; i < TRAIL_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, trail_recorder, au), 0);
    for (int i = 0; i < TRAIL_THREADS; i++) {
        void *bad = NULL;
        pthread_join(th[i], &bad);
        assert_null(bad);
    }
    assert_ok(audit_close(au, &f->err), f->err);

    char pub[700];
    snprintf(pub, sizeof pub, "%s/hearth.audit-pubkey", t.dir);
    audit_verify_options o = {.public_key = pub};
    audit_verify_report r;
    assert_ok(audit_verify(url, &o, &r, &f->err), f->err);
    assert_int_equal(r.fault, AUDIT_FAULT_NONE);
    assert_int_equal(r.entries, TRAIL_THREADS * TRAIL_EVENTS_EACH);
    assert_int_equal(r.last_seq, TRAIL_THREADS * TRAIL_EVENTS_EACH);
    assert_true(r.checkpoints >= (TRAIL_THREADS * TRAIL_EVENTS_EACH) / 25);
    /* the trail is the database's: a forged entry at the end is refused by the chain head */
    assert_int_not_equal(store_exec(f->s, &f->a,
                                    "INSERT INTO audit_event (seq, at, action, prev_hash, hash)\n"
                                    "SELECT max(seq) + 1, 'x', 'read', 'forged', 'forged' FROM audit_event",
                                    NULL, 0, NULL, &e),
                         0);
    unsetenv("HEARTH_AUDIT_DIR");
    test_tmpdb_remove(&t);
}

int main(void)
{
    /* This program compares the two back ends itself: its scratch database is always an SQLite file, also
     * when run_unit.py runs the suites on PostgreSQL (test_tmpdb.h would give a PostgreSQL address then). */
    unsetenv("HEARTH_TEST_BACKEND");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_migration_has_its_postgresql_form),
        cmocka_unit_test_setup_teardown(test_same_tables_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrating_again_applies_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_ids_keep_identities_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_is_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appenders_make_one_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_module_on_postgres, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
