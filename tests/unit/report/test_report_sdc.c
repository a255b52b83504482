/*
 * test_report_sdc.c — disclosure control (src/report/report_sdc.h) checked by linear programming, not by the
 * graph argument the module uses.
 *
 * For thousands of random tables (1..7 rows by 1..7 columns, with and without row and column totals, counts
 * drawn so that small ones are common), after report_sdc_protect() every suppressed count is maximised and
 * minimised over the non-negative values consistent with everything published (the published counts fixed,
 * every published total's equation holding): the two must differ, so no suppressed count can be recovered.
 * The checker is shown able to fail: a table with only its primary suppression lets the count be recovered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_sdc.h"

/* ---- a small dense simplex: max c.y subject to A y = b, y >= 0 (two phases, Bland's rule) ---- */

enum { LP_OK = 0, LP_UNBOUNDED = 1, LP_INFEASIBLE = -1 };
#define EPS 1e-9

static void pivot(double *T, int rows, int cols, int pr, int pc)
{
    double p = T[pr * cols + pc];
    for (int j = 0; j < cols; j++)
        T[pr * cols + j] /= p;
    for (int i = 0; i < rows; i++) {
        double f = T[i * cols + pc];
        if (i == pr || fabs(f) < EPS)
            continue;
        for (int j = 0; j < cols; j++)
            T[i * cols + j] -= f * T[pr * cols + j];
    }
}

/* Run the simplex on tableau T (m constraint rows and the objective row m; cols - 1 variables and the right
 * hand side), entering only columns below `allowed`. */
static int run_simplex(double *T, int m, int cols, int *basis, int allowed)
{
    for (int iter = 0; iter < 10000; iter++) {
        int pc = -1;
        for (int j = 0; j < allowed; j++)
            if (T[m * cols + j] < -EPS) {
                pc = j;
                break;
            }
        if (pc < 0)
            return LP_OK;
        int pr = -1;
        double best = 0;
        for (int i = 0; i < m; i++) {
            double a = T[i * cols + pc];
            if (a > EPS) {
                double r = T[i * cols + cols - 1] / a;
                if (pr < 0 || r < best - EPS || (fabs(r - best) <= EPS && basis[i] < basis[pr]))
                    pr = i, best = r;
            }
        }
        if (pr < 0)
            return LP_UNBOUNDED;
        pivot(T, m + 1, cols, pr, pc);
        basis[pr] = pc;
    }
    fail_msg("the simplex did not finish");
    return LP_INFEASIBLE;
}

static int lp_max(int m, int n, const double *A, const double *b, const double *c, double *opt)
{
    int cols = n + m + 1;
    double *T = calloc((size_t)(m + 1) * (size_t)cols, sizeof(double));
    int *basis = calloc((size_t)(m ? m : 1), sizeof(int));
    for (int i = 0; i < m; i++) {
        double s = b[i] < 0 ? -1 : 1;
        for (int j = 0; j < n; j++)
            T[i * cols + j] = s * A[i * n + j];
        T[i * cols + n + i] = 1;
        T[i * cols + cols - 1] = s * b[i];
        basis[i] = n + i;
    }
    /* phase 1: maximise minus the artificials */
    for (int i = 0; i < m; i++)
        for (int j = 0; j < cols; j++)
            if (j < n || j == cols - 1)
                T[m * cols + j] -= T[i * cols + j];
    run_simplex(T, m, cols, basis, n + m);
    int rc = LP_OK;
    if (T[m * cols + cols - 1] < -1e-7) {
        rc = LP_INFEASIBLE;
    } else {
        for (int i = 0; i < m; i++) /* drive artificials at zero out of the basis where possible */
            if (basis[i] >= n)
                for (int j = 0; j < n; j++)
                    if (fabs(T[i * cols + j]) > EPS) {
                        pivot(T, m + 1, cols, i, j);
                        basis[i] = j;
                        break;
                    }
        /* phase 2 */
        for (int j = 0; j < cols; j++)
            T[m * cols + j] = j < n ? -c[j] : 0;
        for (int i = 0; i < m; i++) {
            double f = T[m * cols + basis[i]];
            if (fabs(f) > EPS)
                for (int j = 0; j < cols; j++)
                    T[m * cols + j] -= f * T[i * cols + j];
        }
        rc = run_simplex(T, m, cols, basis, n);
        *opt = T[m * cols + cols - 1];
    }
    free(T);
    free(basis);
    return rc;
}

/* ---- what an attacker can work out of a published table ---- */

/* The interval of suppressed count k (an index into t->v) over everything published: *lo and *hi (hi =
 * INFINITY when unbounded). */
static void interval(const report_table *t, size_t k, double *lo, double *hi)
{
    size_t w = t->ncols + 1, N = (t->nrows + 1) * w;
    int *var = malloc(N * sizeof(int)); /* the unknown's column, or -1 for a published count */
    int n = 0;
    for (size_t i = 0; i < N; i++)
        var[i] = report_table_has(t, i / w, i % w) && t->sdc[i] ? n++ : -1;
    /* equations: row r's cells minus its total; column c's cells minus its total; totals to the grand total */
    int maxeq = (int)(t->nrows + t->ncols + 2);
    double *A = calloc((size_t)maxeq * (size_t)n, sizeof(double)), *b = calloc((size_t)maxeq, sizeof(double));
    int m = 0;
    for (int pass = 0; pass < 2; pass++) {
        int by_row = pass == 0;
        if (by_row ? !t->row_totals : !t->col_totals)
            continue;
        size_t lines = by_row ? t->nrows + (t->col_totals ? 1 : 0) : t->ncols + (t->row_totals ? 1 : 0);
        size_t len = by_row ? t->ncols : t->nrows;
        for (size_t l = 0; l < lines; l++, m++)
            for (size_t e = 0; e <= len; e++) {
                size_t r = by_row ? l : e, c = by_row ? e : l;
                double coef = e == len ? -1 : 1;
                size_t i = r * w + c;
                if (var[i] >= 0)
                    A[m * n + var[i]] += coef;
                else
                    b[m] -= coef * (double)t->v[i];
            }
    }
    double *obj = calloc((size_t)n, sizeof(double));
    obj[var[k]] = 1;
    double mx = 0, mn = 0;
    int r1 = lp_max(m, n, A, b, obj, &mx);
    obj[var[k]] = -1;
    int r2 = lp_max(m, n, A, b, obj, &mn);
    assert_int_not_equal(r1, LP_INFEASIBLE); /* the true values are a solution */
    assert_int_not_equal(r2, LP_INFEASIBLE);
    *hi = r1 == LP_UNBOUNDED ? INFINITY : mx;
    *lo = r2 == LP_UNBOUNDED ? -INFINITY : -mn;
    free(var);
    free(A);
    free(b);
    free(obj);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t draw(void)
{
    int k = (int)(next() % 100);
    if (k < 25)
        return 0;
    if (k < 65)
        return 1 + (int64_t)(next() % 5);
    return 6 + (int64_t)(next() % 40);
}

/* Every suppressed count of t has an interval of two or more values. Returns how many were checked. */
static size_t assert_protected(const report_table *t)
{
    size_t w = t->ncols + 1, checked = 0;
    for (size_t i = 0; i < (t->nrows + 1) * w; i++) {
        if (!report_table_has(t, i / w, i % w))
            continue;
        if (!t->sdc[i]) {
            if (t->v[i] >= 1 && t->v[i] <= REPORT_SDC_THRESHOLD)
                fail_msg("a count of %lld is published", (long long)t->v[i]);
            continue;
        }
        assert_true(t->v[i] >= 1); /* zeros are never suppressed */
        double lo, hi;
        interval(t, i, &lo, &hi);
        if (hi - lo < 1 - 1e-6)
            fail_msg("suppressed count %zu (%lld) of a %zux%zu table (totals %d/%d) is recoverable: [%g, %g]", i,
                     (long long)t->v[i], t->nrows, t->ncols, t->row_totals, t->col_totals, lo, hi);
        checked++;
    }
    return checked;
}

static void random_tables(void **state)
{
    (void)state;
    size_t checked = 0, tables = 0;
    for (int k = 0; k < 3000; k++) {
        core_arena a = CORE_ARENA_INIT;
        report_table t;
        report_table_init(&a, &t, 1 + next() % 7, 1 + next() % 7);
        t.row_totals = (int)(next() % 4 != 0);
        t.col_totals = (int)(next() % 4 != 0);
        for (size_t r = 0; r < t.nrows; r++)
            for (size_t c = 0; c < t.ncols; c++)
                *report_table_at(&t, r, c) = draw();
        report_table_sum(&t);
        report_sdc_protect(&t, REPORT_SDC_THRESHOLD);
        checked += assert_protected(&t);
        tables++;
        core_arena_release(&a);
    }
    print_message("%zu tables, %zu suppressed counts each with two or more possible values\n", tables, checked);
    assert_true(checked > 1000);
}

/* The checker can fail: one small count and only its primary suppression is recovered from the totals. */
static void checker_catches_primary_only(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    report_table t;
    report_table_init(&a, &t, 2, 2);
    t.row_totals = t.col_totals = 1;
    int64_t v[] = {3, 20, 17, 30};
    for (int i = 0; i < 4; i++)
        *report_table_at(&t, (size_t)i / 2, (size_t)i % 2) = v[i];
    report_table_sum(&t);
    t.sdc[0] = REPORT_SDC_PRIMARY;
    double lo, hi;
    interval(&t, 0, &lo, &hi);
    assert_true(fabs(lo - 3) < 1e-6 && fabs(hi - 3) < 1e-6);
    /* protected, the same table hides it: the cheapest cycle is the other small counts */
    t.sdc[0] = 0;
    assert_true(report_sdc_protect(&t, REPORT_SDC_THRESHOLD) >= 4);
    assert_protected(&t);
    core_arena_release(&a);
}

/* What was suppressed before (a linked table's shared total) stays suppressed and stays protected. */
static void forced_stays(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    report_table t;
    report_table_init(&a, &t, 3, 3);
    t.row_totals = t.col_totals = 1;
    for (size_t r = 0; r < 3; r++)
        for (size_t c = 0; c < 3; c++)
            *report_table_at(&t, r, c) = 10 + (int64_t)(r * 3 + c);
    report_table_sum(&t);
    t.sdc[1 * 4 + 3] = REPORT_SDC_SECONDARY; /* row 1's total */
    report_sdc_protect(&t, REPORT_SDC_THRESHOLD);
    assert_int_equal(t.sdc[1 * 4 + 3], REPORT_SDC_SECONDARY);
    assert_protected(&t);
    core_arena_release(&a);
}

static void rounding(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    report_table t;
    report_table_init(&a, &t, 1, 4);
    t.col_totals = 1;
    int64_t v[] = {0, 7, 12, 13};
    for (int i = 0; i < 4; i++)
        *report_table_at(&t, 0, (size_t)i) = v[i];
    report_table_sum(&t);
    report_sdc_protect(&t, REPORT_SDC_THRESHOLD);
    report_sdc_publish(&t, 5);
    assert_int_equal(t.published[0], 0);
    assert_int_equal(t.published[1], 5);
    assert_int_equal(t.published[2], 10);
    assert_int_equal(t.published[3], 15);
    report_sdc_publish(&t, 0);
    assert_int_equal(t.published[3], 13);
    core_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_tables),
        cmocka_unit_test(checker_catches_primary_only),
        cmocka_unit_test(forced_stays),
        cmocka_unit_test(rounding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
