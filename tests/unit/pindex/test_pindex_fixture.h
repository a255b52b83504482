/*
 * test_pindex_fixture.h — a migrated scratch database with a few invented people, a family and partner rows,
 * shared by the pindex unit tests (one .c file each, mirroring src/pindex/). Header-only.
 *
 * People (all invented): 1 Amara Okafor 2015-03-09 F at AB1 2CD, member of family 1; 2 Amara Okafro
 * 2015-09-03 F (the same child re-recorded: surname typo, day and month swapped), member of families 1 and 2;
 * 3 Tomasz Nowak 1988-11-30 M, member of family 1; 4 Jo Bloggs 1970-01-01 F, nobody's relation.
 */
#ifndef HEARTH_TEST_PINDEX_FIXTURE_H
#define HEARTH_TEST_PINDEX_FIXTURE_H

#include <stdlib.h>

#include "../test_tmpdb.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "link/link_match.h"
#include "pindex/pindex.h"
#include "store/store.h"

#define T0 "'2026-11-01T09:00:00Z'"

static const char PINDEX_SEED[] =
    "INSERT INTO person (id, given_name, family_name, given_key, family_key, date_of_birth, sex, created_at,"
    " updated_at) VALUES"
    " (1, 'Amara', 'Okafor', 'amara', 'okafor', '2015-03-09', 'F', " T0 ", " T0 "),"
    " (2, 'Amara', 'Okafro', 'amara', 'okafro', '2015-09-03', 'F', " T0 ", " T0 "),"
    " (3, 'Tomasz', 'Nowak', 'tomasz', 'nowak', '1988-11-30', 'M', " T0 ", " T0 "),"
    " (4, 'Jo', 'Bloggs', 'jo', 'bloggs', '1970-01-01', 'F', " T0 ", " T0 ");"
    "INSERT INTO person_address (id, person_id, address_type, line1, postcode, created_at, updated_at) VALUES"
    " (1, 1, 'home', '1 Test Street', 'AB1 2CD', " T0 ", " T0 "),"
    " (2, 2, 'home', '1 Test Street', 'AB1 2CD', " T0 ", " T0 ");"
    "INSERT INTO family (id, name, created_at, updated_at) VALUES (1, 'Okafor-Nowak household', " T0 ", " T0 "),"
    " (2, 'Second household', " T0 ", " T0 ");"
    "INSERT INTO family_member (id, family_id, person_id, role, created_at, updated_at) VALUES"
    " (1, 1, 1, 'child', " T0 ", " T0 "), (2, 1, 2, 'child', " T0 ", " T0 "),"
    " (3, 2, 2, 'child', " T0 ", " T0 "), (4, 1, 3, 'parent', " T0 ", " T0 ");";

typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
    core_error err;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp) || store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err) ||
        store_exec_script(f->s, PINDEX_SEED, &f->err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}

/* One integer from a query with no parameters (-1 when it gives no row). */
static int64_t one(fixture *f, const char *sql)
{
    int64_t v = -1;
    core_error e;
    if (store_query_int(f->s, &f->a, sql, NULL, 0, &v, &e) != 0)
        return -1;
    return v;
}

#endif
