/*
 * test_pindex_run.c — unit tests for runs of the engine over the index (pindex/pindex_run.c):
 *   the index   the re-recorded child is suggested with its evidence and waits (never merged); the model
 *               kept is the index's (generic m, learned u) and loads back; a pending pair is refreshed by a
 *               later run and a decided one kept; restricted and merged people take no part;
 *   a dataset   rows with one clear candidate are linked (and their pairs say so), a row already linked is
 *               left alone, an absent dataset and an empty index are errors that keep nothing;
 *   the model   JSON round trip; a stored model that is not this engine's is refused;
 *   the card    which comparisons are the index card's (shown outside a footing: findings 7 and 8).
 * All names are invented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_pindex_fixture.h"

/* More people, so that the engine has random pairs to learn u from: invented names, no relation to anyone. */
static void add_people(fixture *f, int n)
{
    static const char *const GIVEN[] = {"Ada", "Bryn", "Cai", "Dewi", "Efa", "Ffion", "Gwen", "Huw", "Iolo", "Jac"};
    static const char *const FAMILY[] = {"Rees", "Price", "Hughes", "Lloyd", "Morgan", "Parry", "Owen", "Vaughan"};
    for (int i = 0; i < n; i++) {
        char *sql = core_arena_printf(
            &f->a,
            "INSERT INTO person (given_name, family_name, given_key, family_key, date_of_birth, sex, created_at,"
            " updated_at) VALUES ('%s', '%s', lower('%s'), lower('%s'), '%04d-%02d-%02d', '%c', " T0 ", " T0 ")",
            GIVEN[i % 10], FAMILY[(i / 10) % 8], GIVEN[i % 10], FAMILY[(i / 10) % 8], 1950 + i % 60, 1 + i % 12,
            1 + (i * 7) % 28, i % 2 ? 'M' : 'F');
        assert_ok(store_exec_script(f->s, sql, &f->err), f->err);
    }
}

static void the_index(void **state)
{
    fixture *f = *state;
    add_people(f, 200);
    pindex_run_options o = {.user_id = 9, .threads = 2};
    pindex_run_counts c;
    assert_ok(pindex_run(f->s, &o, &c, &f->err), f->err);
    assert_int_equal(c.people, 204);
    assert_int_equal(c.linked, 0);
    assert_true(c.queued >= 1);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE pair_key = 'p:1:2' AND state = 'pending'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM person WHERE merged_into IS NOT NULL"), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE pair_key = 'p:1:2' AND evidence LIKE"
                            " '%day and month swapped%'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM link_run WHERE kind = 'index' AND created_by = 9"), 1);

    link_model m;
    assert_int_equal(pindex_model_load(f->s, &m, &f->err), 1);
    assert_true(m.lambda > 0 && m.lambda < 0.001);
    assert_true(m.m[LINK_C_DOB][1] > 0.5);   /* the generic m: true matches mostly share a date of birth */

    /* a later run: the pending pair refreshed (one row), a decided pair kept */
    assert_ok(store_exec_script(f->s, "UPDATE match_pair SET state = 'different', decided_at = " T0 ","
                                      " reason = 'twins' WHERE pair_key = 'p:1:2'", &f->err),
              f->err);
    assert_ok(pindex_run(f->s, &o, &c, &f->err), f->err);
    assert_true(c.kept >= 1);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE pair_key = 'p:1:2'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE pair_key = 'p:1:2' AND state = 'different'"), 1);

    /* restricted and merged people take no part */
    assert_ok(store_exec_script(f->s, "UPDATE person SET restricted = 1 WHERE id = 1;"
                                      "UPDATE person SET merged_into = 3 WHERE id = 4", &f->err),
              f->err);
    assert_ok(pindex_run(f->s, &o, &c, &f->err), f->err);
    assert_int_equal(c.people, 202);
}

static const char DATASET[] =
    "INSERT INTO partner_dataset (id, name, created_at, updated_at) VALUES (1, 'school_attendance', " T0 ", " T0 ");"
    "INSERT INTO partner_import (id, dataset_id, file, started_at) VALUES (1, 1, 'a.csv', " T0 ");"
    "INSERT INTO partner_record (id, dataset_id, row_key, given_name, family_name, date_of_birth, sex, postcode,"
    " import_id, source_line, person_id, created_at, updated_at) VALUES"
    " (1, 1, 'r1', 'Tomasz', 'Nowak', '1988-11-30', 'M', NULL, 1, 2, NULL, " T0 ", " T0 "),"
    " (2, 1, 'r2', 'Jo', 'Bloggs', '1970-01-01', 'F', NULL, 1, 3, 3, " T0 ", " T0 "),"
    " (3, 1, 'r3', 'Nobody', 'Known', '2001-05-05', 'M', NULL, 1, 4, NULL, " T0 ", " T0 ");";

static void a_dataset(void **state)
{
    fixture *f = *state;
    add_people(f, 200);
    assert_ok(store_exec_script(f->s, DATASET, &f->err), f->err);
    pindex_run_options o = {.dataset = "school_attendance", .user_id = 9, .threads = 1};
    pindex_run_counts c;
    assert_ok(pindex_run(f->s, &o, &c, &f->err), f->err);
    assert_int_equal(c.records, 3);
    assert_int_equal(one(f, "SELECT person_id FROM partner_record WHERE id = 1"), 3);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE pair_key = 'r:3:1' AND state = 'linked'"
                            " AND decided_by IS NULL"), 1);
    assert_int_equal(one(f, "SELECT person_id FROM partner_record WHERE id = 2"), 3);   /* already linked: kept */
    assert_int_equal(one(f, "SELECT count(*) FROM partner_record WHERE id = 3 AND person_id IS NULL"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM link_model WHERE trained_on = 'dataset:school_attendance'"), 1);
    assert_int_equal(pindex_model_load(f->s, &(link_model){0}, &f->err), 0);   /* no index model yet */

    int64_t runs = one(f, "SELECT count(*) FROM link_run");
    o.dataset = "no_such_dataset";
    assert_int_equal(pindex_run(f->s, &o, &c, &f->err), CORE_E_NOT_FOUND);
    assert_int_equal(one(f, "SELECT count(*) FROM link_run"), runs);
    assert_ok(store_exec_script(f->s, "UPDATE person SET restricted = 1", &f->err), f->err);
    o.dataset = NULL;
    assert_int_equal(pindex_run(f->s, &o, &c, &f->err), CORE_E_INVALID_VALUE);
    assert_int_equal(one(f, "SELECT count(*) FROM link_run"), runs);
}

static void the_model(void **state)
{
    fixture *f = *state;
    link_model m, back;
    link_model_defaults(&m, 1000);
    json_t *j = pindex_model_json(&m);
    assert_ok(pindex_model_from_json(j, &back, &f->err), f->err);
    for (int c = 0; c < LINK_NCOMP; c++)
        for (int l = 1; l < link_level_count(c); l++) {
            assert_float_equal(back.m[c][l], m.m[c][l], 1e-12);
            assert_float_equal(back.u[c][l], m.u[c][l], 1e-12);
        }
    assert_float_equal(back.lambda, m.lambda, 1e-15);
    /* a level renamed, a probability out of range, levels missing: refused */
    json_t *given = json_object_get(json_object_get(j, "comparisons"), "given_name");
    json_object_set_new(json_array_get(given, 0), "level", json_string("renamed"));
    assert_int_equal(pindex_model_from_json(j, &back, &f->err), CORE_E_INVALID_VALUE);
    json_object_set_new(json_array_get(given, 0), "level", json_string(link_level_name(LINK_C_GIVEN, 1)));
    json_object_set_new(json_array_get(given, 0), "m", json_real(1.5));
    assert_int_equal(pindex_model_from_json(j, &back, &f->err), CORE_E_INVALID_VALUE);
    json_array_remove(given, 0);
    assert_int_equal(pindex_model_from_json(j, &back, &f->err), CORE_E_INVALID_VALUE);
    json_decref(j);
    assert_ok(store_exec_script(f->s, "INSERT INTO link_model (trained_on, records, pairs, params, created_at)"
                                      " VALUES ('index', 1, 1, 'not json', " T0 ")", &f->err),
              f->err);
    assert_int_equal(pindex_model_load(f->s, &back, &f->err), CORE_E_INVALID_VALUE);
}

/* Findings 7 and 8: the evidence shown outside a footing is the index card's fields, by enum and by the name
 * the evidence writes; everything else (postcode, address, town, identifiers, email) is not. */
static void finding_8_card_comparisons(void **state)
{
    (void)state;
    int card = 0;
    for (int c = 0; c < LINK_NCOMP; c++) {
        int expected = c == LINK_C_GIVEN || c == LINK_C_FAMILY || c == LINK_C_DOB || c == LINK_C_SEX;
        assert_int_equal(pindex_card_comparison(c), expected);
        assert_int_equal(pindex_card_comparison_named(link_comparison_name(c)), expected);
        card += expected;
    }
    assert_int_equal(card, 4);
    assert_int_equal(pindex_card_comparison_named("date_of_birth"), 1);
    assert_int_equal(pindex_card_comparison_named("postcode"), 0);
    assert_int_equal(pindex_card_comparison_named("identifier"), 0);
    assert_int_equal(pindex_card_comparison_named(NULL), 0);
    assert_int_equal(pindex_card_comparison_named("nhs_number"), 0);
    assert_int_equal(pindex_card_comparison(-1), 0);
    assert_int_equal(pindex_card_comparison(LINK_NCOMP), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(a_dataset, setup, teardown),
        cmocka_unit_test_setup_teardown(the_model, setup, teardown),
        cmocka_unit_test(finding_8_card_comparisons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
