/*
 * test_tmpdb.h — assert_ok() for calls returning a core_error code, and a scratch directory for tests that need a real database file (WAL needs a file, so never
 * ":memory:"). Header-only so each test program stays one .c file plus this.
 *
 *   test_tmpdb t;
 *   test_tmpdb_make(&t);          // mkdtemp under $TMPDIR (or /tmp); t.path is "<dir>/hearth.db"
 *   ... store_open(&s, t.path, &err) ...
 *   test_tmpdb_remove(&t);        // deletes every file in the directory, then the directory
 */
#ifndef HEARTH_TEST_TMPDB_H
#define HEARTH_TEST_TMPDB_H

#include <dirent.h>
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
} test_tmpdb;

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
    return 0;
}

static inline void test_tmpdb_remove(test_tmpdb *t)
{
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
