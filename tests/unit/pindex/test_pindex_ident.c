/*
 * test_pindex_ident.c — unit tests for family identification (pindex/pindex_ident.c):
 *   tests      every indicator op on numbers (with a trailing %, spaces), text in any case, yes-like values,
 *              presence; values that are not numbers never meet a numeric test;
 *   the list   a family whose linked members meet indicators under three headlines is listed with each piece
 *              of evidence; with a higher minimum it is not; unlinked rows, restricted and merged people and
 *              members who left count for nothing; the latest decision is shown;
 *   loading    indicators replaced all or nothing: an unknown op, a non-numeric limit, an unknown need, an
 *              unknown field or a bad attribute name is refused and the indicators stay as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_pindex_fixture.h"

static void indicator_tests(void **state)
{
    (void)state;
    assert_true(pindex_indicator_met("lt", "90", "84.5"));
    assert_true(pindex_indicator_met("lt", "90", " 84.5 % "));
    assert_false(pindex_indicator_met("lt", "90", "90"));
    assert_true(pindex_indicator_met("le", "90", "90"));
    assert_true(pindex_indicator_met("gt", "0", "2"));
    assert_false(pindex_indicator_met("gt", "0", "0"));
    assert_true(pindex_indicator_met("ge", "3", "3.0"));
    assert_false(pindex_indicator_met("lt", "90", "ninety"));
    assert_false(pindex_indicator_met("lt", "90", ""));
    assert_false(pindex_indicator_met("lt", "90", "84abc"));
    assert_true(pindex_indicator_met("eq", "Temporary", " temporary "));
    assert_false(pindex_indicator_met("eq", "temporary", "temporary accommodation"));
    assert_true(pindex_indicator_met("ne", "none", "some"));
    assert_true(pindex_indicator_met("yes", NULL, "Y"));
    assert_true(pindex_indicator_met("yes", NULL, "TRUE"));
    assert_true(pindex_indicator_met("yes", NULL, "1"));
    assert_false(pindex_indicator_met("yes", NULL, "no"));
    assert_false(pindex_indicator_met("yes", NULL, "yesterday"));
    assert_true(pindex_indicator_met("present", NULL, "x"));
    assert_false(pindex_indicator_met("present", NULL, "   "));
    assert_false(pindex_indicator_met("present", NULL, NULL));
    assert_false(pindex_indicator_met("sometimes", "1", "1"));
}

/* Partner rows for the fixture's family 1: attendance (EDU) for Amara, domestic abuse (DA) and out-of-work
 * benefits (FIN) for Tomasz; one unlinked row that would meet a fourth headline. */
static const char ROWS[] =
    "INSERT INTO partner_dataset (id, name, created_at, updated_at) VALUES (1, 'school_attendance', " T0 ", " T0
    "), (2, 'police_incidents', " T0 ", " T0 "), (3, 'dwp_benefits', " T0 ", " T0 "), (4, 'housing', " T0 ", " T0
    ");"
    "INSERT INTO partner_import (id, dataset_id, file, started_at) VALUES (1, 1, 'a.csv', " T0 ");"
    "INSERT INTO partner_record (id, dataset_id, row_key, attributes, person_id, import_id, source_line,"
    " created_at, updated_at) VALUES"
    " (1, 1, 'a1', '{\"attendance_pct\":\"84.5%\"}', 1, 1, 2, " T0 ", " T0 "),"
    " (2, 2, 'p1', '{\"domestic_abuse\":\"Y\",\"offending\":\"N\"}', 3, 1, 2, " T0 ", " T0 "),"
    " (3, 3, 'd1', '{\"out_of_work_benefit\":\"yes\"}', 3, 1, 2, " T0 ", " T0 "),"
    " (4, 4, 'h1', '{\"homelessness_risk\":\"yes\"}', NULL, 1, 2, " T0 ", " T0 ");";

static json_t *family(json_t *list, int64_t id)
{
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) if (json_integer_value(json_object_get(f, "family_id")) == id) return f;
    return NULL;
}

static void the_list(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, ROWS, &f->err), f->err);
    json_t *list;
    assert_ok(pindex_identify(f->s, 3, &list, &f->err), f->err);
    json_t *fam = family(list, 1);
    assert_non_null(fam);
    assert_int_equal(json_array_size(json_object_get(fam, "headlines")), 3);
    assert_int_equal(json_array_size(json_object_get(fam, "members")), 2);
    json_t *ev = json_array_get(json_object_get(json_array_get(json_object_get(fam, "members"), 0), "evidence"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "indicator")), "attendance_below_90");
    assert_string_equal(json_string_value(json_object_get(ev, "value")), "84.5%");
    assert_string_equal(json_string_value(json_object_get(ev, "headline")), "EDU");
    assert_true(json_is_null(json_object_get(fam, "decision")));
    assert_null(family(list, 2));   /* person 2 is in family 2 but has no linked rows */
    json_decref(list);

    assert_ok(pindex_identify(f->s, 4, &list, &f->err), f->err);
    assert_int_equal(json_array_size(list), 0);   /* the housing row is not linked */
    json_decref(list);

    /* a decision is shown, the latest one */
    assert_ok(store_exec_script(f->s, "INSERT INTO family_identification (family_id, decision, reason, headlines,"
                                      " decided_at, decided_by) VALUES (1, 'not_now', 'a', '[]', " T0 ", 9),"
                                      " (1, 'offer_support', 'b', '[\"EDU\",\"DA\",\"FIN\"]', " T0 ", 9)", &f->err),
              f->err);
    assert_ok(pindex_identify(f->s, 3, &list, &f->err), f->err);
    assert_string_equal(json_string_value(json_object_get(json_object_get(family(list, 1), "decision"), "decision")),
                        "offer_support");
    json_decref(list);

    /* a restricted member's evidence counts for nothing; so does a member who left */
    assert_ok(store_exec_script(f->s, "UPDATE person SET restricted = 1 WHERE id = 1", &f->err), f->err);
    assert_ok(pindex_identify(f->s, 3, &list, &f->err), f->err);
    assert_null(family(list, 1));
    json_decref(list);
    assert_ok(store_exec_script(f->s, "UPDATE person SET restricted = 0 WHERE id = 1;"
                                      "UPDATE family_member SET to_date = '2020-01-01' WHERE id = 4", &f->err),
              f->err);
    assert_ok(pindex_identify(f->s, 1, &list, &f->err), f->err);
    assert_int_equal(json_array_size(json_object_get(family(list, 1), "headlines")), 1);
    json_decref(list);
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    return j;
}

static void loading(void **state)
{
    fixture *f = *state;
    int64_t shipped = one(f, "SELECT count(*) FROM sf_indicator");
    assert_true(shipped >= 5);
    static const char *const BAD[] = {
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"about\",\"value\":\"1\","
        "\"need\":\"EDU_ATTENDANCE\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"lt\",\"value\":\"low\","
        "\"need\":\"EDU_ATTENDANCE\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"yes\",\"value\":\"1\","
        "\"need\":\"EDU_ATTENDANCE\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"yes\",\"need\":\"NOPE\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x.y\",\"op\":\"yes\","
        "\"need\":\"EDU_ATTENDANCE\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"yes\","
        "\"need\":\"EDU_ATTENDANCE\",\"colour\":\"red\"}]",
        "[{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\",\"op\":\"yes\","
        "\"need\":\"EDU_ATTENDANCE\"},{\"code\":\"a\",\"label\":\"A\",\"dataset\":\"d\",\"attribute\":\"x\","
        "\"op\":\"yes\",\"need\":\"EDU_ATTENDANCE\"}]",
        "{\"code\":\"a\"}",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        json_t *j = parse(BAD[i]);
        assert_true(pindex_indicators_load(f->s, j, &f->err) < 0);
        json_decref(j);
        assert_int_equal(one(f, "SELECT count(*) FROM sf_indicator"), shipped);
    }
    json_t *good = parse("[{\"code\":\"temp_acc\",\"label\":\"In temporary accommodation\",\"dataset\":\"housing\","
                         "\"attribute\":\"tenure\",\"op\":\"eq\",\"value\":\"temporary\",\"need\":\"HOU_TEMPORARY\"}]");
    assert_ok(pindex_indicators_load(f->s, good, &f->err), f->err);
    json_decref(good);
    json_t *list;
    assert_ok(pindex_indicators_list(f->s, &list, &f->err), f->err);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "headline")), "HOU");
    /* what the list prints loads again unchanged */
    assert_ok(pindex_indicators_load(f->s, list, &f->err), f->err);
    json_decref(list);
    assert_int_equal(one(f, "SELECT count(*) FROM sf_indicator WHERE code = 'temp_acc'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indicator_tests),
        cmocka_unit_test_setup_teardown(the_list, setup, teardown),
        cmocka_unit_test_setup_teardown(loading, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
