/*
 * test_tmpdb.h — assert_ok() for calls returning a core_error code, and a scratch directory for tests that need a real database file (WAL needs a file, so never
 * ":memory:"). Header-only so each test program stays one .c file plus this.
 *
 *   test_tmpdb t;
 *   test_tmpdb_make(&t);          // mkdtemp under $TMPDIR (or /tmp); t.path is "<dir>/hearth.db"
 *   ... store_open(&s, t.path, &err) ...
 *   test_tmpdb_remove(&t);        // deletes every file in the directory, then the directory
 *
 * With HEARTH_TEST_BACKEND=postgres (and HEARTH_TEST_PG, which script/with-postgres sets) t.path is instead a
 * postgres:// address whose connections work in a new, empty schema of their own, dropped by
 * test_tmpdb_remove: the same test then runs against PostgreSQL (script/test runs the store, model and access
 * suites so). t.pg says which; the directory is made either way, for any other files a test writes.
 */
#ifndef HEARTH_TEST_TMPDB_H
#define HEARTH_TEST_TMPDB_H

#include <dirent.h>
#include <string.h>

#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Fail the cmocka test with the error's text when rc is not 0 (err is a core_error). */
#define assert_ok(rc, err)                                                                                    \
    do {                                                                                                      \
        int rc_ = (rc);                                                                                       \
        if (rc_ != 0)                                                                                         \
            fail_msg("%s returned %d (%s: %s / %s)", #rc, rc_, core_error_name(rc_), (err).message,            \
                     (err).detail);                                                                           \
    } while (0)

typedef struct test_tmpdb {
    char dir[512];
    char path[600];
    int pg;          /* 1: path is a PostgreSQL address with a schema of its own */
    char schema[40];
} test_tmpdb;

/* 1 when the tests are to run against PostgreSQL. */
static inline int test_tmpdb_on_pg(void)
{
    const char *b = getenv("HEARTH_TEST_BACKEND");
    return b && strcmp(b, "postgres") == 0;
}

/* Run sql on the server HEARTH_TEST_PG names (outside any test schema); 0 or -1. */
static inline int test_tmpdb_pg_exec(const char *sql)
{
    store *s = NULL;
    core_error err = {0};
    const char *url = getenv("HEARTH_TEST_PG");
    if (!url || !*url || store_open(&s, url, &err)) {
        fprintf(stderr, "test_tmpdb: HEARTH_TEST_PG unset or unreachable (run under script/with-postgres): %s\n",
                err.detail);
        return -1;
    }
    int rc = store_exec_script(s, sql, &err);
    if (rc)
        fprintf(stderr, "test_tmpdb: %s: %s\n", err.message, err.detail);
    store_close(s);
    return rc ? -1 : 0;
}

/* Returns 0, or -1 (with a message on stderr) when no directory could be made. */
static inline int test_tmpdb_make(test_tmpdb *t)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    int n = snprintf(t->dir, sizeof t->dir, "%s/hearth-test-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof t->dir || !mkdtemp(t->dir)) {
        fprintf(stderr, "test_tmpdb: cannot make a directory under %s\n", base);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/hearth.db", t->dir);
    t->pg = 0;
    if (!test_tmpdb_on_pg())
        return 0;
    /* the directory's random suffix names the schema, so parallel tests never share one */
    snprintf(t->schema, sizeof t->schema, "t_%s", strrchr(t->dir, '-') + 1);
    for (char *c = t->schema; *c; c++)
        *c = (char)((*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ? *c : '_');
    char sql[120];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", t->schema);
    if (test_tmpdb_pg_exec(sql))
        return -1;
    snprintf(t->path, sizeof t->path, "%s?options=-csearch_path%%3D%s", getenv("HEARTH_TEST_PG"), t->schema);
    t->pg = 1;
    return 0;
}

static inline void test_tmpdb_remove(test_tmpdb *t)
{
    if (t->pg) {
        char sql[120];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", t->schema);
        test_tmpdb_pg_exec(sql);
    }
    DIR *d = opendir(t->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
                continue;
            char p[900];
            snprintf(p, sizeof p, "%s/%s", t->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(t->dir);
}

#endif
