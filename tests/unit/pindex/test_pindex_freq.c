/*
 * test_pindex_freq.c — how many people of the index hold an incoming person's values
 * (src/pindex/pindex_freq.c), on the fixture's four people (test_pindex_fixture.h): each chance is
 * link_freq_chance() of the people other than the candidate holding the value (and other than the person just
 * recorded, on recording); values held together are counted together; a value not given stays unknown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "test_pindex_fixture.h"

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-12 * (want > 1 ? want : 1))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void counts_of_the_index(void **state)
{
    fixture *f = *state;
    pindex_freq_values v = {"amara", "okafor", "2015-03-09", "2015-09-03", "AB1 2CD", 0};
    link_freq q;
    assert_int_equal(pindex_match_freq(f->s, &f->a, &v, &q, &f->err), 0);
    double n = 4, ug = link_freq_prior_u(LINK_C_GIVEN), uf = link_freq_prior_u(LINK_C_FAMILY),
           ud = link_freq_prior_u(LINK_C_DOB), up = link_freq_prior_u(LINK_C_POSTCODE);
    near(q.n, n);
    near(q.given, link_freq_chance(1, n, ug));       /* two Amaras: one besides the candidate */
    near(q.family, link_freq_chance(0, n, uf));      /* one Okafor: the candidate */
    near(q.given_family, 1); /* values held together: the others holding them, plus one */
    near(q.dob, link_freq_chance(0, n, ud));
    near(q.dob_swapped, link_freq_chance(0, n, ud)); /* person 2, the candidate born on the swapped date */
    near(q.given_dob, 1);
    near(q.family_dob, 1);
    near(q.given_family_dob, 1);
    near(q.postcode, link_freq_chance(1, n, up));    /* two people live at AB1 2CD */
    near(q.family_postcode, 1);
    v.family_key = "okafro"; /* Amara Okafro lives at AB1 2CD too: one Amara (the candidate) of that name */
    assert_int_equal(pindex_match_freq(f->s, &f->a, &v, &q, &f->err), 0);
    near(q.given_family, 1);
    v.family_key = "okafor";
    v.given_key = NULL;
    v.dob = "2015-03-09";
    assert_int_equal(pindex_match_freq(f->s, &f->a, &v, &q, &f->err), 0);
    assert_true(q.given == 0 && q.given_family == 0 && q.given_dob == 0 && q.given_family_dob == 0);
    near(q.family_dob, 1);
    v.given_key = "amara";
    /* a small index keeps about the generic chances */
    assert_true(q.family > 0.9 * uf && q.family <= uf);

    /* recording: the person just recorded holds every value too, and is nobody's coincidence */
    v.self_in_index = 1;
    assert_int_equal(pindex_match_freq(f->s, &f->a, &v, &q, &f->err), 0);
    near(q.given, link_freq_chance(0, n, ug));
    near(q.postcode, link_freq_chance(0, n, up));
    near(q.dob_swapped, link_freq_chance(0, n, ud)); /* the swapped date is not the recorded person's */
}

static void values_not_given(void **state)
{
    fixture *f = *state;
    pindex_freq_values v = {NULL, "", "1970-01-01", NULL, NULL, 0};
    link_freq q;
    assert_int_equal(pindex_match_freq(f->s, &f->a, &v, &q, &f->err), 0);
    near(q.n, 4);
    assert_true(q.given == 0 && q.family == 0 && q.given_family == 0 && q.dob_swapped == 0);
    assert_true(q.postcode == 0 && q.family_postcode == 0 && q.given_dob == 0 && q.family_dob == 0);
    assert_true(q.given_family_dob == 0);
    near(q.dob, link_freq_chance(0, 4, link_freq_prior_u(LINK_C_DOB)));
    /* a value nobody holds counts as one nobody else holds */
    pindex_freq_values w = {"zebedee", NULL, NULL, NULL, NULL, 0};
    assert_int_equal(pindex_match_freq(f->s, &f->a, &w, &q, &f->err), 0);
    near(q.given, link_freq_chance(0, 4, link_freq_prior_u(LINK_C_GIVEN)));
}

/* The index grows: a family name many hold weighs less than one nobody else holds. */
static void common_and_rare(void **state)
{
    fixture *f = *state;
    static const char MORE_SMITHS[] =
        "WITH RECURSIVE c(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM c WHERE i < 2099)\n"
        "INSERT INTO person (id, given_name, family_name, given_key, family_key, date_of_birth, sex,\n"
        "                    created_at, updated_at)\n"
        "SELECT i, 'Sam', 'Smith', 'sam', 'smith', '2001-01-01', 'M', " T0 ", " T0 " FROM c";
    assert_int_equal(store_exec_script(f->s, MORE_SMITHS, &f->err), 0);
    pindex_freq_values smith = {NULL, "smith", NULL, NULL, NULL, 0};
    pindex_freq_values nowak = {NULL, "nowak", NULL, NULL, NULL, 0};
    link_freq qs, qn;
    assert_int_equal(pindex_match_freq(f->s, &f->a, &smith, &qs, &f->err), 0);
    assert_int_equal(pindex_match_freq(f->s, &f->a, &nowak, &qn, &f->err), 0);
    near(qs.n, 2099);
    assert_int_equal(one(f, "SELECT count(*) FROM person WHERE family_key = 'smith'"), 2000);
    near(qs.family, link_freq_chance(1999, 2099, link_freq_prior_u(LINK_C_FAMILY)));
    assert_true(qs.family > 100 * qn.family);
    assert_true(qn.family < link_freq_prior_u(LINK_C_FAMILY));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_of_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(values_not_given, setup, teardown),
        cmocka_unit_test_setup_teardown(common_and_rare, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
