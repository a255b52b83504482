/*
 * test_jobs_fixture.h — the database the job suites share (test_jobs_store.c, test_jobs_files.c): a fresh
 * migrated database of tests/unit/test_tmpdb.h with two invented askers (users 7, an analyst, and 8,
 * governance), an arena for queries, and small readers. Header only, as test_tmpdb.h: every function is
 * static inline, so a suite that does not use one pays nothing.
 */
#ifndef HEARTH_TEST_JOBS_FIXTURE_H
#define HEARTH_TEST_JOBS_FIXTURE_H

#include <stdlib.h>

#include "jobs/jobs.h"
#include "../test_tmpdb.h"

typedef struct fixture {
    test_tmpdb t;
    store *s;
    core_error err;
    core_arena a;
} fixture;

/* the askers of the suites' jobs (invented) */
static const char TEST_JOBS_ASKERS[] =
    "INSERT INTO app_user (id, username, display_name, role, password_hash, created_at, updated_at)"
    " VALUES (7, 'analyst.a', 'A', 'analyst', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
    " (8, 'gov.b', 'B', 'governance', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";

static inline int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->t) != 0)
        return -1;
    if (store_open(&f->s, f->t.path, &f->err) != 0 || store_migrate(f->s, &f->err) != 0 ||
        store_exec_script(f->s, TEST_JOBS_ASKERS, &f->err) != 0)
        return -1;
    f->a = (core_arena)CORE_ARENA_INIT;
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_close(f->s);
    test_tmpdb_remove(&f->t);
    free(f);
    return 0;
}

/* One integer from sql (no parameters). */
static inline int64_t one(fixture *f, const char *sql)
{
    int64_t v = -1;
    core_arena_reset(&f->a);
    assert_ok(store_query_int(f->s, &f->a, sql, NULL, 0, &v, &f->err), f->err);
    return v;
}

/* Run a script of statements. */
static inline void exec(fixture *f, const char *sql)
{
    assert_ok(store_exec_script(f->s, sql, &f->err), f->err);
}

#endif
