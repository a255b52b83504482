/*
 * test_pindex_family.c — the people living with a candidate (pindex_household()) and what the family a contact
 * names is worth on that candidate (pindex_family_weight(), src/pindex/pindex_family.c), on the fixture's people
 * (test_pindex_fixture.h): Amara Okafor (1) and Amara Okafro (2) live at 1 Test Street, AB1 2CD; Tomasz Nowak
 * (3) has no address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "test_pindex_fixture.h"

/* The ids pindex_household() gives for person, as a bit set (ids 1..30). */
static unsigned household_of(fixture *f, int64_t person)
{
    store_stmt *st;
    assert_int_equal(pindex_household(f->s, &f->a, person, 40, &st, &f->err), 0);
    unsigned ids = 0;
    int rc;
    while ((rc = store_next(st, &f->err)) == 1)
        ids |= 1u << store_col_int(st, 0);
    assert_int_equal(rc, 0);
    return ids;
}

static void households(void **state)
{
    fixture *f = *state;
    assert_int_equal(household_of(f, 1), (1u << 1) | (1u << 2));
    assert_int_equal(household_of(f, 2), (1u << 1) | (1u << 2));
    assert_int_equal(household_of(f, 3), 0); /* no address: no household */
    /* a former address is nobody's home; a restricted person is never read for it */
    assert_int_equal(store_exec_script(f->s,
                                       "UPDATE person_address SET to_date = '2026-01-01' WHERE id = 2;"
                                       "INSERT INTO person_address (id, person_id, address_type, line1, postcode,"
                                       " created_at, updated_at) VALUES (3, 4, 'home', ' 1 test street', 'AB1 2CD', " T0
                                       ", " T0 ");",
                                       &f->err),
                     0);
    assert_int_equal(one(f, "SELECT count(*) FROM person_address WHERE postcode = 'AB1 2CD' AND to_date IS NULL"), 2);
    assert_int_equal(household_of(f, 1), (1u << 1) | (1u << 4)); /* the first line compared as written, folded */
    assert_int_equal(store_exec_script(f->s, "UPDATE person SET restricted = 1 WHERE id = 4", &f->err), 0);
    assert_int_equal(household_of(f, 1), 1u << 1);
}

static link_record kin_of(fixture *f, const char *given, const char *family, const char *dob, const char *sex)
{
    link_record r;
    link_record_from(&f->a, &r, "", given, family, dob, sex, NULL, NULL, NULL, NULL);
    return r;
}

static void family_weights(void **state)
{
    fixture *f = *state;
    link_model m;
    link_model_defaults(&m, 1000000);
    double n = 1000000, prior = log2(m.lambda / (1 - m.lambda));
    pindex_family out;
    /* the contact names Amara Okafro (2), who lives with the candidate Amara Okafor (1): k = 1 */
    link_record kin[2] = {kin_of(f, "Jo", "Bloggs", "1970-01-01", "F"),
                          kin_of(f, "Amara", "Okafro", "2015-09-03", "F")};
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, kin, 2, 1, 0, 0.5, n, 40, &out, &f->err), 0);
    link_record two = kin_of(f, "Amara", "Okafro", "2015-09-03", "F"), jo = kin[0];
    double l2 = exp2(link_score_pair(&m, &kin[1], &two, NULL, NULL) - prior),
           l4 = exp2(link_score_pair(&m, &jo, &two, NULL, NULL) - prior);
    double want = log2((0.5 * l2 + 0.5) / (0.5 * l2 / n + 1)) + log2((0.5 * l4 + 0.5) / (0.5 * l4 / n + 1));
    assert_true(out.looked);
    assert_true(fabs(out.weight - want) < 1e-9);
    assert_int_equal(out.kin, 1);
    assert_int_equal(out.member, 2);
    /* found there: about n / k, less a bit for Jo Bloggs, who lives elsewhere */
    assert_true(out.weight > log2(n) - 3 && out.weight < log2(n) + 1);

    /* a bigger index: the same household says more */
    pindex_family small;
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, kin + 1, 1, 1, 0, 0.5, 1000, 40, &small, &f->err), 0);
    assert_true(small.weight < out.weight && small.weight > 0);

    /* nobody the contact names lives there: at most a bit against, per relative */
    link_record stranger = kin_of(f, "Ottoline", "Zzyzx", "1911-01-01", "F");
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, &stranger, 1, 1, 0, 0.5, n, 40, &out, &f->err), 0);
    assert_true(out.looked && out.weight < 0 && out.weight >= -1 - 1e-9);

    /* the family name left out when the person's already agreed with the candidate's */
    pindex_family agreed, apart;
    link_record sibling = kin_of(f, "Chidi", "Okafro", "2012-05-01", "M");
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, &sibling, 1, 1, 1, 0.5, n, 40, &agreed, &f->err), 0);
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, &sibling, 1, 1, 0, 0.5, n, 40, &apart, &f->err), 0);
    assert_true(agreed.weight < apart.weight);

    /* no address: not looked at, no weight */
    assert_int_equal(pindex_family_weight(f->s, &f->a, &m, kin, 2, 3, 0, 0.5, n, 40, &out, &f->err), 0);
    assert_true(!out.looked && out.weight == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(households, setup, teardown),
        cmocka_unit_test_setup_teardown(family_weights, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
