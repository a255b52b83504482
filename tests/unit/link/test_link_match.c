/*
 * test_link_match.c — one incoming person against a candidate at the front door (src/link/link_match.c):
 *   - an agreement weighs what it is worth in the index (link_freq): a rare family name agreeing outweighs a
 *     common one, a value nobody else of a million holds is strong, and a small index keeps the generic
 *     weights;
 *   - values held together (names that run in communities, a household's family name and postcode) weigh
 *     their joint chance, never more than the product, and only as far as the size of the index can say;
 *   - a re-entered child found in a million-person index without a postcode, where the generic weights miss;
 *   - an initial for a given name, and names the other way round with a typo besides;
 *   - the evidence adds up to the weight; with no frequencies the weight is the model's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "link/link_match.h"

static double prior(const link_model *m)
{
    return log2(m->lambda / (1 - m->lambda));
}

static double sum(const link_model *m, const double contrib[LINK_NCOMP])
{
    double s = prior(m);
    for (int c = 0; c < LINK_NCOMP; c++)
        s += contrib[c];
    return s;
}

static double answer_weight(void)
{
    return log2(LINK_MATCH_ANSWER_PROBABILITY / (1 - LINK_MATCH_ANSWER_PROBABILITY));
}

/* (others + 1) / (n + 1 / u0): the generic chance in an empty index, the index's own in a large one. */
static void chance_by_size(void **state)
{
    (void)state;
    double u0 = link_freq_prior_u(LINK_C_FAMILY);
    assert_true(u0 > 0 && u0 < 0.1);
    assert_true(fabs(link_freq_chance(0, 0, u0) - u0) < 1e-12);
    /* a name nobody else holds: about one in a million in a million, about the generic rate in thirty */
    assert_true(link_freq_chance(0, 1000000, u0) < 2e-6);
    assert_true(link_freq_chance(0, 30, u0) > 0.8 * u0);
    /* a name one person in a hundred holds is one in a hundred, whatever the generic rate says */
    double smith = link_freq_chance(9999, 1000000, u0);
    assert_true(smith > 0.0095 && smith < 0.0105);
    assert_true(link_freq_chance(-3, 1000, u0) == link_freq_chance(0, 1000, u0));
    assert_true(link_freq_chance(1e12, 10, u0) <= 1.0);
}

/* The same agreement (given name, family name, date of birth exact) weighs more for a family name nobody
 * else of a million holds than for one twelve thousand hold; the evidence adds up to the weight. */
static void rare_name_outweighs_common(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 1000000);
    link_record in, rare, in2, common;
    link_record_from(&a, &in, "", "Zofia", "Wrzesniewska", "1984-02-11", "F", NULL, NULL, NULL, NULL);
    link_record_from(&a, &rare, "1", "Zofia", "Wrzesniewska", "1984-02-11", "F", NULL, NULL, NULL, NULL);
    link_record_from(&a, &in2, "", "Zofia", "Smith", "1984-02-11", "F", NULL, NULL, NULL, NULL);
    link_record_from(&a, &common, "2", "Zofia", "Smith", "1984-02-11", "F", NULL, NULL, NULL, NULL);
    double n = 1000000;
    link_freq fr = {.n = n, .given = link_freq_chance(200, n, link_freq_prior_u(LINK_C_GIVEN)),
                    .family = link_freq_chance(0, n, link_freq_prior_u(LINK_C_FAMILY)),
                    .dob = link_freq_chance(20, n, link_freq_prior_u(LINK_C_DOB))};
    link_freq fc = fr;
    fc.family = link_freq_chance(12000, n, link_freq_prior_u(LINK_C_FAMILY));
    uint8_t lv[LINK_NCOMP];
    double cr[LINK_NCOMP], cc[LINK_NCOMP];
    double wr = link_score_pair_freq(&m, &fr, &in, &rare, lv, cr);
    assert_int_equal(lv[LINK_C_FAMILY], 1);
    double wc = link_score_pair_freq(&m, &fc, &in2, &common, lv, cc);
    assert_int_equal(lv[LINK_C_FAMILY], 1);
    assert_true(cr[LINK_C_FAMILY] > cc[LINK_C_FAMILY] + 10); /* about log2(12,000) bits apart */
    assert_true(wr > wc + 10);
    assert_true(fabs(sum(&m, cr) - wr) < 1e-9);
    assert_true(fabs(sum(&m, cc) - wc) < 1e-9);
    /* the common name weighs less than the generic model says, the rare one more */
    double generic[LINK_NCOMP];
    link_score_pair(&m, &in2, &common, NULL, generic);
    assert_true(cc[LINK_C_FAMILY] < generic[LINK_C_FAMILY]);
    assert_true(cr[LINK_C_FAMILY] > generic[LINK_C_FAMILY]);
    core_arena_release(&a);
}

/* Values held together: when most people called Osman in the index are called Mohamed, "Mohamed Osman"
 * agreeing says little more than "Osman"; a household's postcode says little beyond its family name. Never
 * stronger than the product of the single chances. */
static void joint_chances(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 1000000);
    link_record in, c;
    link_record_from(&a, &in, "", "Mohamed", "Osman", "1969-09-10", "M", "LE5 6NG", NULL, NULL, NULL);
    link_record_from(&a, &c, "1", "Mohamed", "Osman", "2012-05-11", "M", "LE5 6NG", NULL, NULL, NULL);
    double n = 1000000;
    link_freq apart = {.n = n, .given = 2e-3, .family = 4e-4, .postcode = 25 / n};
    link_freq together = apart;
    together.given_family = 300;    /* three in four of the 400 Osmans are Mohamed */
    together.family_postcode = 4;   /* four Osmans at the postcode */
    double ca[LINK_NCOMP], ct[LINK_NCOMP];
    double wa = link_score_pair_freq(&m, &apart, &in, &c, NULL, ca);
    double wt = link_score_pair_freq(&m, &together, &in, &c, NULL, ct);
    assert_true(fabs(ca[LINK_C_FAMILY] - ct[LINK_C_FAMILY]) < 1e-9); /* the family name keeps its weight */
    assert_true(ct[LINK_C_GIVEN] < ca[LINK_C_GIVEN] - 5);
    assert_true(ct[LINK_C_POSTCODE] < ca[LINK_C_POSTCODE] - 1);
    assert_true(wt < wa);
    /* nobody else of a million holding the values together: about what the single chances say, never more */
    link_freq low = apart;
    low.given_family = 1;
    double wl = link_score_pair_freq(&m, &low, &in, &c, NULL, NULL);
    assert_true(wl <= wa + 1e-9 && wl > wa - 0.5);
    core_arena_release(&a);
}

/* Issue 15: a child re-entered at the front door of a county by a nickname and with a typo in the date of
 * birth, a rare family name and no postcode yet. The generic weights, made for any index, leave the child out
 * at a million; the index's own frequencies answer the child, and still not a stranger born that day. */
static void found_at_a_million(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 1000000);
    link_record in, child, stranger;
    link_record_from(&a, &in, "", "Bill", "Okonkwo-Reid", "2016-03-08", "M", NULL, NULL, NULL, NULL);
    link_record_from(&a, &child, "1", "William", "Okonkwo-Reid", "2016-03-09", "M", "LS6 2QT", NULL, NULL,
                     NULL);
    link_record_from(&a, &stranger, "2", "Harry", "Smith", "2016-03-08", "M", NULL, NULL, NULL, NULL);
    double n = 1000000;
    link_freq f = {.n = n, .given = link_freq_chance(300, n, link_freq_prior_u(LINK_C_GIVEN)),
                   .family = link_freq_chance(0, n, link_freq_prior_u(LINK_C_FAMILY)),
                   .dob = link_freq_chance(40, n, link_freq_prior_u(LINK_C_DOB))};
    uint8_t lv[LINK_NCOMP];
    assert_true(link_score_pair(&m, &in, &child, lv, NULL) < answer_weight());
    assert_int_equal(lv[LINK_C_GIVEN], 2);
    assert_int_equal(lv[LINK_C_DOB], 3);
    assert_true(link_score_pair_freq(&m, &f, &in, &child, lv, NULL) >= answer_weight());
    assert_true(link_score_pair_freq(&m, &f, &in, &stranger, NULL, NULL) < answer_weight());
    core_arena_release(&a);
}

/* A pair of names nobody else holds is as surprising as the single chances multiply to only in an index
 * large enough to say so: in thirty people, "nobody else is called Umar Mirza" says little. */
static void joint_by_size(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 30000);
    link_record in, c;
    link_record_from(&a, &in, "", "Umar", "Mirza", "1943-09-30", "M", NULL, NULL, NULL, NULL);
    link_record_from(&a, &c, "1", "Umar", "Mirza", "1986-05-23", "M", NULL, NULL, NULL, NULL);
    double n = 30000;
    link_freq f = {.n = n, .given = link_freq_chance(16, n, link_freq_prior_u(LINK_C_GIVEN)),
                   .family = link_freq_chance(19, n, link_freq_prior_u(LINK_C_FAMILY)), .given_family = 1};
    link_freq unknown = f;
    unknown.given_family = 0;
    double ct[LINK_NCOMP], cu[LINK_NCOMP];
    link_score_pair_freq(&m, &f, &in, &c, NULL, ct);
    link_score_pair_freq(&m, &unknown, &in, &c, NULL, cu);
    assert_true(ct[LINK_C_GIVEN] < cu[LINK_C_GIVEN] - 3);
    /* the two names do not outweigh a date of birth that disagrees altogether */
    assert_true(link_score_pair_freq(&m, &f, &in, &c, NULL, NULL) < answer_weight());
    core_arena_release(&a);
}

/* An initial agrees "alike" with the name it begins; names the other way round with a typo besides are read
 * crosswise, never better than names exactly the other way round. */
static void initials_and_crosswise(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 30000);
    link_record in, c;
    uint8_t lv[LINK_NCOMP];
    link_record_from(&a, &in, "", "R", "Javed", "1956-11-11", "M", NULL, NULL, NULL, NULL);
    link_record_from(&a, &c, "1", "Rayyan", "Javed", "1956-11-11", "M", NULL, NULL, NULL, NULL);
    link_score_pair(&m, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 5);
    link_score_pair_freq(&m, NULL, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 4);
    link_record_from(&a, &in, "", "S", "Javed", "1956-11-11", "M", NULL, NULL, NULL, NULL);
    link_score_pair_freq(&m, NULL, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 5); /* another letter stays different */

    link_record_from(&a, &in, "", "Knnotdale", "Logan", "2006-11-14", "M", NULL, NULL, NULL, NULL);
    link_record_from(&a, &c, "1", "Logan", "Knotdale", "2006-11-14", "M", NULL, NULL, NULL, NULL);
    double straight = link_score_pair(&m, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 3);  /* the engine itself reads these crosswise: "logan" = "logan", */
    assert_int_equal(lv[LINK_C_FAMILY], 2); /* capped at "similar"; "knnotdale" ~ "knotdale" */
    double across = link_score_pair_freq(&m, NULL, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 3);
    assert_int_equal(lv[LINK_C_FAMILY], 2);
    assert_true(fabs(across - straight) < 1e-9);
    /* two names merely alike crossed: not for the engine (link_internal.h), but the front door's model may
     * find them worth more that way */
    link_record_from(&a, &in, "", "Gnotdail", "Logen", "2006-11-14", "M", NULL, NULL, NULL, NULL);
    straight = link_score_pair(&m, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 5);
    assert_int_equal(lv[LINK_C_FAMILY], 4);
    across = link_score_pair_freq(&m, NULL, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 4);  /* "logen" ~ "logan" */
    assert_int_equal(lv[LINK_C_FAMILY], 3); /* "gnotdail" ~ "knotdale" */
    assert_true(across > straight + 5);
    /* exactly the other way round: the engine's own levels, unchanged */
    link_record_from(&a, &in, "", "Knotdale", "Logan", "2006-11-14", "M", NULL, NULL, NULL, NULL);
    link_score_pair(&m, &in, &c, lv, NULL);
    uint8_t lv2[LINK_NCOMP];
    link_score_pair_freq(&m, NULL, &in, &c, lv2, NULL);
    assert_memory_equal(lv, lv2, LINK_NCOMP);
    /* names that agree straight are not read crosswise */
    link_record_from(&a, &in, "", "Logan", "Knotdale", "2006-11-14", "M", NULL, NULL, NULL, NULL);
    link_score_pair_freq(&m, NULL, &in, &c, lv, NULL);
    assert_int_equal(lv[LINK_C_GIVEN], 1);
    assert_int_equal(lv[LINK_C_FAMILY], 1);
    core_arena_release(&a);
}

/* With no frequencies (and names that need no second reading) the weight is the model's, contribution by
 * contribution. */
static void no_frequencies_is_the_model(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 5000);
    link_record x, y;
    link_record_from(&a, &x, "", "William", "Kowalczyk-Evans", "2016-03-09", "M", "LS6 2QT", "9434765919", NULL,
                     NULL);
    link_record_from(&a, &y, "1", "Billy", "Kowalcyzk-Evans", "2016-09-03", "M", "LS6 2QU", NULL, NULL, NULL);
    double c1[LINK_NCOMP], c2[LINK_NCOMP];
    uint8_t l1[LINK_NCOMP], l2[LINK_NCOMP];
    double w1 = link_score_pair(&m, &x, &y, l1, c1), w2 = link_score_pair_freq(&m, NULL, &x, &y, l2, c2);
    assert_true(fabs(w1 - w2) < 1e-9);
    assert_memory_equal(l1, l2, LINK_NCOMP);
    for (int c = 0; c < LINK_NCOMP; c++)
        assert_true(fabs(c1[c] - c2[c]) < 1e-9);
    core_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chance_by_size),
        cmocka_unit_test(rare_name_outweighs_common),
        cmocka_unit_test(joint_chances),
        cmocka_unit_test(found_at_a_million),
        cmocka_unit_test(joint_by_size),
        cmocka_unit_test(initials_and_crosswise),
        cmocka_unit_test(no_frequencies_is_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
