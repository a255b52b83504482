/*
 * test_pindex_merge.c — unit tests for decisions and merges (pindex/pindex_merge.c) on a scratch database:
 *   merge      the merged record's rows move to the kept one and each is recorded; a membership the kept
 *              person already has stays where it was; the merged record is kept and marked; audited by the
 *              caller, so only the database is checked here;
 *   undo       exactly the moved rows go back, the mark is cleared, the merge is undone once; a merge whose
 *              kept record was merged since waits for that one to be undone first;
 *   refusals   one person with themselves, a restricted person, an already merged person, disagreeing NHS
 *              numbers, no reason: each refused with its code and nothing changed;
 *   decisions  a pending pair of two people decided same merges them (keep honoured), the pair is decided
 *              once; a partner row's pair decided same links the row, different unlinks an engine link.
 * All names are invented; the NHS numbers are test values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_pindex_fixture.h"

/* A fingerprint of every row a merge may touch: a change anywhere changes it. */
static int64_t fingerprint(fixture *f)
{
    return one(f, "SELECT (SELECT total(id * 7 + person_id) FROM person_address)"
                  "     + (SELECT total(id * 11 + person_id) FROM family_member)"
                  "     + (SELECT total(id * 13 + coalesce(merged_into, 0)) FROM person)"
                  "     + (SELECT count(*) FROM person_merge) * 1000003");
}

static void merge_moves_rows_and_keeps_both(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    assert_ok(pindex_merge(f->s, 1, 2, 0, "the same child", 9, &id, &f->err), f->err);
    assert_true(id > 0);
    assert_int_equal(one(f, "SELECT person_id FROM person_address WHERE id = 2"), 1);
    /* family 1: person 1 is already a member, so person 2's membership stays; family 2's moves */
    assert_int_equal(one(f, "SELECT person_id FROM family_member WHERE id = 2"), 2);
    assert_int_equal(one(f, "SELECT person_id FROM family_member WHERE id = 3"), 1);
    assert_int_equal(one(f, "SELECT merged_into FROM person WHERE id = 2"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM person WHERE id = 2"), 1);
    assert_int_equal(one(f, "SELECT json_array_length(moved) FROM person_merge"), 2);
    assert_int_equal(one(f, "SELECT merged_by FROM person_merge"), 9);
}

static void undo_puts_back_exactly_what_moved(void **state)
{
    fixture *f = *state;
    int64_t before = fingerprint(f), id = 0;
    assert_ok(pindex_merge(f->s, 1, 2, 0, "the same child", 9, &id, &f->err), f->err);
    /* an address added to the kept record after the merge stays with it */
    assert_ok(store_exec_script(f->s, "INSERT INTO person_address (id, person_id, address_type, line1, created_at,"
                                      " updated_at) VALUES (3, 1, 'home', '2 Test Street', " T0 ", " T0 ")",
                                &f->err),
              f->err);
    assert_ok(pindex_unmerge(f->s, id, "twins, not one child", 9, &f->err), f->err);
    assert_int_equal(one(f, "SELECT person_id FROM person_address WHERE id = 2"), 2);
    assert_int_equal(one(f, "SELECT person_id FROM person_address WHERE id = 3"), 1);
    assert_int_equal(one(f, "SELECT person_id FROM family_member WHERE id = 3"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM person WHERE merged_into IS NOT NULL"), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM person_merge WHERE undone_at IS NOT NULL AND undone_by = 9"), 1);
    assert_ok(store_exec_script(f->s, "DELETE FROM person_address WHERE id = 3", &f->err), f->err);
    assert_int_equal(fingerprint(f) - 1000003, before);   /* the person_merge row stays, as history */
    assert_int_equal(pindex_unmerge(f->s, id, "again", 9, &f->err), CORE_E_CONFLICT);
}

static void undo_waits_for_a_later_merge(void **state)
{
    fixture *f = *state;
    int64_t first = 0, second = 0;
    assert_ok(pindex_merge(f->s, 1, 2, 0, "the same child", 9, &first, &f->err), f->err);
    assert_ok(pindex_merge(f->s, 4, 1, 0, "a test of chains", 9, &second, &f->err), f->err);
    assert_int_equal(pindex_unmerge(f->s, first, "undo the first", 9, &f->err), CORE_E_CONFLICT);
    assert_non_null(strstr(f->err.hint, "undo that merge first"));
    assert_ok(pindex_unmerge(f->s, second, "undo the second", 9, &f->err), f->err);
    assert_ok(pindex_unmerge(f->s, first, "undo the first", 9, &f->err), f->err);
    assert_int_equal(one(f, "SELECT person_id FROM person_address WHERE id = 2"), 2);
    assert_int_equal(one(f, "SELECT person_id FROM person_address WHERE id = 1"), 1);
}

static void refusals_change_nothing(void **state)
{
    fixture *f = *state;
    int64_t before = fingerprint(f), id = 0;
    assert_int_equal(pindex_merge(f->s, 1, 1, 0, "self", 9, &id, &f->err), CORE_E_CONFLICT);
    assert_int_equal(pindex_merge(f->s, 1, 2, 0, "", 9, &id, &f->err), CORE_E_MISSING_FIELD);
    assert_int_equal(pindex_merge(f->s, 1, 99, 0, "absent", 9, &id, &f->err), CORE_E_NOT_FOUND);
    assert_ok(store_exec_script(f->s, "UPDATE person SET nhs_number = '9434765919' WHERE id = 1;"
                                      "UPDATE person SET nhs_number = '9434765870' WHERE id = 2", &f->err),
              f->err);
    assert_int_equal(pindex_merge(f->s, 1, 2, 0, "identifiers", 9, &id, &f->err), CORE_E_CONFLICT);
    assert_non_null(strstr(f->err.detail, "NHS numbers"));
    assert_ok(store_exec_script(f->s, "UPDATE person SET nhs_number = NULL; UPDATE person SET restricted = 1"
                                      " WHERE id = 2", &f->err),
              f->err);
    assert_int_equal(pindex_merge(f->s, 1, 2, 0, "restricted", 9, &id, &f->err), CORE_E_RESTRICTED);
    assert_ok(store_exec_script(f->s, "UPDATE person SET restricted = 0", &f->err), f->err);
    assert_int_equal(fingerprint(f), before);
    assert_ok(pindex_merge(f->s, 1, 2, 0, "the same child", 9, &id, &f->err), f->err);
    assert_int_equal(pindex_merge(f->s, 3, 2, 0, "merged already", 9, &id, &f->err), CORE_E_CONFLICT);
    assert_non_null(strstr(f->err.detail, "already been merged"));
}

static const char PAIRS[] =
    "INSERT INTO link_model (id, trained_on, records, pairs, params, created_at) VALUES (1, 'index', 4, 1, '{}',"
    " " T0 ");"
    "INSERT INTO link_run (id, kind, model_id, started_at, finished_at, people, records, candidate_pairs, linked,"
    " queued, kept) VALUES (1, 'index', 1, " T0 ", " T0 ", 4, 0, 1, 0, 1, 0);"
    "INSERT INTO match_pair (id, pair_key, kind, run_id, person_id, other_person_id, match_weight, probability,"
    " suggestion, evidence, created_at, updated_at) VALUES (1, 'p:1:2', 'index', 1, 1, 2, 9.5, 0.998, 'link',"
    " '{}', " T0 ", " T0 ");"
    "INSERT INTO partner_dataset (id, name, created_at, updated_at) VALUES (1, 'school_attendance', " T0 ", " T0 ");"
    "INSERT INTO partner_import (id, dataset_id, file, started_at) VALUES (1, 1, 'a.csv', " T0 ");"
    "INSERT INTO partner_record (id, dataset_id, row_key, given_name, family_name, import_id, source_line,"
    " person_id, created_at, updated_at) VALUES (1, 1, 'r1', 'Tomasz', 'Nowak', 1, 2, 3, " T0 ", " T0 "),"
    " (2, 1, 'r2', 'Jo', 'Bloggs', 1, 3, NULL, " T0 ", " T0 ");"
    "INSERT INTO link_run (id, kind, dataset_id, model_id, started_at, finished_at, people, records,"
    " candidate_pairs, linked, queued, kept) VALUES (2, 'dataset', 1, 1, " T0 ", " T0 ", 4, 2, 2, 1, 1, 0);"
    "INSERT INTO match_pair (id, pair_key, kind, run_id, person_id, partner_record_id, match_weight, probability,"
    " suggestion, evidence, state, decided_at, created_at, updated_at) VALUES"
    " (2, 'r:3:1', 'dataset', 2, 3, 1, 12, 0.9998, 'link', '{}', 'linked', " T0 ", " T0 ", " T0 "),"
    " (3, 'r:4:2', 'dataset', 2, 4, 2, 1, 0.6, 'review', '{}', 'pending', NULL, " T0 ", " T0 ");";

static void deciding_pairs(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s, PAIRS, &f->err), f->err);
    int64_t merge = 0;
    pindex_decision d = {.pair_id = 1, .decision = "same", .reason = "checked with the school", .keep = 2,
                         .user_id = 9};
    assert_ok(pindex_decide(f->s, &d, &merge, &f->err), f->err);
    assert_true(merge > 0);
    assert_int_equal(one(f, "SELECT merged_into FROM person WHERE id = 1"), 2);   /* keep honoured */
    assert_int_equal(one(f, "SELECT merge_id FROM match_pair WHERE id = 1"), merge);
    int64_t m2 = 0;
    d.decision = "different";
    assert_int_equal(pindex_decide(f->s, &d, &m2, &f->err), CORE_E_CONFLICT);

    /* undoing the merge reopens the pair */
    assert_ok(pindex_unmerge(f->s, merge, "twins", 9, &f->err), f->err);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE id = 1 AND state = 'pending'"), 1);

    /* a partner row: review pair decided same links it; an engine link decided different unlinks */
    pindex_decision r = {.pair_id = 3, .decision = "same", .reason = "the same Jo", .user_id = 9};
    assert_ok(pindex_decide(f->s, &r, &m2, &f->err), f->err);
    assert_int_equal(m2, 0);
    assert_int_equal(one(f, "SELECT person_id FROM partner_record WHERE id = 2"), 4);
    pindex_decision u = {.pair_id = 2, .decision = "different", .reason = "another Tomasz", .user_id = 9};
    assert_ok(pindex_decide(f->s, &u, &m2, &f->err), f->err);
    assert_int_equal(one(f, "SELECT count(*) FROM partner_record WHERE id = 1 AND person_id IS NULL"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM match_pair WHERE id = 2 AND state = 'different'"), 1);

    pindex_decision bad = {.pair_id = 3, .decision = "maybe", .reason = "x", .user_id = 9};
    assert_int_equal(pindex_decide(f->s, &bad, &m2, &f->err), CORE_E_INVALID_VALUE);
    pindex_decision none = {.pair_id = 99, .decision = "same", .reason = "x", .user_id = 9};
    assert_int_equal(pindex_decide(f->s, &none, &m2, &f->err), CORE_E_NOT_FOUND);
    pindex_decision keep = {.pair_id = 1, .decision = "same", .reason = "x", .keep = 4, .user_id = 9};
    assert_int_equal(pindex_decide(f->s, &keep, &m2, &f->err), CORE_E_INVALID_VALUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(merge_moves_rows_and_keeps_both, setup, teardown),
        cmocka_unit_test_setup_teardown(undo_puts_back_exactly_what_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(undo_waits_for_a_later_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(deciding_pairs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
