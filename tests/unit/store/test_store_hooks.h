/*
 * test_store_hooks.h — one check of the store's dialect hooks, run on both back ends.
 */
#ifndef HEARTH_TEST_STORE_HOOKS_H
#define HEARTH_TEST_STORE_HOOKS_H

/* The two dialect hooks (store.h): ID_LIST($N), a bound JSON array of ids as a table, and string_agg — the
 * same SQL on either back end: test_store.c and test_store_pg.c both run this on their store. The includer
 * defines assert_ok(rc, err). */
static void check_dialect_hooks(store *s, core_arena *a, core_error *err)
{
    assert_ok(store_exec_script(s,
                                "CREATE TABLE hook (id INTEGER PRIMARY KEY, name TEXT);\n"
                                "INSERT INTO hook (id, name) VALUES (1, 'a'), (2, 'b'), (3, NULL), (4, 'd'), (5, 'e')",
                                err),
              *err);
    static const char SQL_NAMES[] = "SELECT string_agg(name, ',')\n"
                                    "  FROM (SELECT name FROM hook\n"
                                    "         WHERE id IN (SELECT id FROM ID_LIST($1))\n"
                                    "            OR id IN (SELECT id FROM ID_LIST($2))\n"
                                    "         ORDER BY id) s";
    struct {
        const char *a, *b, *want; /* want NULL: no names at all */
    } cases[] = {
        {"[4,2,9]", "[]", "b,d"},
        {"[]", "[5,1]", "a,e"},
        {"[3]", "[3,3]", NULL}, /* NULLs are skipped; none left is NULL */
        {"[1,2,3,4,5]", "[]", "a,b,d,e"},
        {"[]", "[]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        store_value p[] = {store_v_text(cases[i].a), store_v_text(cases[i].b)};
        store_stmt *st;
        assert_ok(store_query(s, a, SQL_NAMES, p, 2, &st, err), *err);
        assert_int_equal(store_next(st, err), 1);
        const char *got = store_col_text(st, 0, NULL);
        if (cases[i].want)
            assert_string_equal(got, cases[i].want);
        else
            assert_null(got);
        assert_int_equal(store_next(st, err), 0);
    }
    /* text that only looks like the marker is left as it is */
    store_stmt *st;
    assert_ok(store_query(s, a, "SELECT 'ID_LIST($x) ID_LIST($)'", NULL, 0, &st, err), *err);
    assert_int_equal(store_next(st, err), 1);
    assert_string_equal(store_col_text(st, 0, NULL), "ID_LIST($x) ID_LIST($)");
    store_done(st);
    core_arena_reset(a);
}

#endif
