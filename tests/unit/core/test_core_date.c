/*
 * test_core_date.c — unit tests for core/core_date: ISO and format parsing, day numbers checked against a
 * naive day-by-day calendar walk over all of years 1..9999, month/year arithmetic at month ends and leap days,
 * ages, working days and ICO subject-access deadlines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_date.h"

static core_date D(int y, int m, int d)
{
    core_date r = {(int32_t)y, (int8_t)m, (int8_t)d};
    return r;
}

/* Assert two dates are equal, printing both on failure. */
#define assert_date(actual, y, m, d)                                                                          \
    do {                                                                                                      \
        char got_[CORE_DATE_ISO_SIZE], want_[CORE_DATE_ISO_SIZE];                                             \
        core_date_format((actual), got_);                                                                     \
        core_date_format(D((y), (m), (d)), want_);                                                            \
        assert_string_equal(got_, want_);                                                                     \
        assert_int_equal(core_date_cmp((actual), D((y), (m), (d))), 0);                                       \
    } while (0)

#define assert_invalid(actual) assert_int_equal(core_date_cmp((actual), CORE_DATE_INVALID), 0)

static int parse_str(const char *s, core_date *out)
{
    return core_date_parse(s, strlen(s), out);
}

static int parse_fmt_str(const char *s, const char *fmt, int pivot, core_date *out)
{
    return core_date_parse_fmt(s, strlen(s), fmt, pivot, out);
}

/* ---- validity ------------------------------------------------------------------------------------------------ */

static void test_valid(void **state)
{
    (void)state;
    assert_true(core_date_valid(2024, 2, 29));
    assert_false(core_date_valid(2023, 2, 29));
    assert_false(core_date_valid(1900, 2, 29));
    assert_true(core_date_valid(2000, 2, 29));
    assert_false(core_date_valid(2100, 2, 29));
    assert_true(core_date_valid(1, 1, 1));
    assert_true(core_date_valid(9999, 12, 31));
    assert_false(core_date_valid(0, 1, 1));
    assert_false(core_date_valid(10000, 1, 1));
    assert_false(core_date_valid(2025, 0, 1));
    assert_false(core_date_valid(2025, 13, 1));
    assert_false(core_date_valid(2025, 4, 31));
    assert_false(core_date_valid(2025, 1, 0));
    assert_false(core_date_valid(-2025, 1, 1));
    assert_false(core_date_ok(CORE_DATE_INVALID));
    assert_int_equal(core_date_days_in_month(2025, 2), 28);
    assert_int_equal(core_date_days_in_month(2024, 2), 29);
    assert_int_equal(core_date_days_in_month(2025, 12), 31);
    assert_int_equal(core_date_days_in_month(2025, 11), 30);
    assert_int_equal(core_date_days_in_month(2025, 13), 0);
    assert_int_equal(core_date_days_in_month(0, 1), 0);
}

/* ---- ISO parse and format ------------------------------------------------------------------------------------ */

static void test_parse_iso(void **state)
{
    (void)state;
    core_date d = D(1, 2, 3);
    assert_int_equal(parse_str("2025-06-15", &d), 0);
    assert_date(d, 2025, 6, 15);
    assert_int_equal(parse_str("2024-02-29", &d), 0);
    assert_date(d, 2024, 2, 29);
    assert_int_equal(parse_str("0001-01-01", &d), 0);
    assert_date(d, 1, 1, 1);
    assert_int_equal(parse_str("9999-12-31", &d), 0);
    assert_date(d, 9999, 12, 31);

    static const char *const bad[] = {
        "2023-02-29",   /* not a leap year */
        "1900-02-29",   /* century, not a leap year */
        "0000-01-01",   /* year 0 */
        "2025-00-10",   "2025-13-10", "2025-04-31", "2025-01-00",
        "2025-06-15x",  /* trailing junk */
        "2025-06-15 ",  " 2025-06-15", "2025-06-1", "2025-6-15", "25-06-15", "", "2025",
        "+2025-06-15",  "-2025-06-15", "2025-+6-15", "2025-06--1", "2025-06-+1",
        "2025/06/15",   "2025-06-15T00:00:00", "20250615", "abcd-ef-gh", "2025-0a-15",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = D(1, 2, 3);
        if (parse_str(bad[i], &d) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_date(d, 1, 2, 3); /* unchanged on failure */
    }
    /* length is honoured: a valid prefix of a longer buffer, and no reading past len */
    assert_int_equal(core_date_parse("2025-06-15junk", 10, &d), 0);
    assert_date(d, 2025, 6, 15);
    assert_int_equal(core_date_parse("2025-06-15", 9, &d), -1);
    assert_int_equal(core_date_parse(NULL, 0, &d), -1);
    /* embedded NUL */
    assert_int_equal(core_date_parse("2025-06\0015", 10, &d), -1);
}

static void test_format(void **state)
{
    (void)state;
    char buf[CORE_DATE_ISO_SIZE];
    core_date_format(D(7, 3, 9), buf);
    assert_string_equal(buf, "0007-03-09");
    core_date_format(D(2025, 12, 31), buf);
    assert_string_equal(buf, "2025-12-31");
    core_date_format(D(2023, 2, 29), buf);
    assert_string_equal(buf, "0000-00-00");
    core_date_format(D(-5, 100, -3), buf);
    assert_string_equal(buf, "0000-00-00");

    static const char *const good[] = {"0001-01-01", "1900-02-28", "2000-02-29", "2024-02-29",
                                       "2025-11-30", "9999-12-31", "1970-01-01", "1969-12-31"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        core_date d;
        assert_int_equal(parse_str(good[i], &d), 0);
        core_date_format(d, buf);
        assert_string_equal(buf, good[i]);
    }
}

/* ---- day numbers --------------------------------------------------------------------------------------------- */

static void test_days_known(void **state)
{
    (void)state;
    assert_int_equal(core_date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(core_date_to_days(D(1970, 1, 2)), 1);
    assert_int_equal(core_date_to_days(D(1969, 12, 31)), -1);
    assert_int_equal(core_date_to_days(D(2000, 3, 1)), 11017);
    assert_int_equal(core_date_to_days(D(1900, 1, 1)), -25567);
    assert_int_equal(core_date_to_days(D(2100, 1, 1)), 47482);
    assert_int_equal(core_date_to_days(D(1, 1, 1)), CORE_DATE_DAYS_MIN);
    assert_int_equal(core_date_to_days(D(9999, 12, 31)), CORE_DATE_DAYS_MAX);
    assert_int_equal(core_date_to_days(D(2023, 2, 29)), CORE_DATE_DAYS_INVALID);
    assert_date(core_date_from_days(0), 1970, 1, 1);
    assert_date(core_date_from_days(-25567), 1900, 1, 1);
    assert_date(core_date_from_days(CORE_DATE_DAYS_MIN), 1, 1, 1);
    assert_date(core_date_from_days(CORE_DATE_DAYS_MAX), 9999, 12, 31);
    assert_invalid(core_date_from_days(CORE_DATE_DAYS_MIN - 1));
    assert_invalid(core_date_from_days(CORE_DATE_DAYS_MAX + 1));
    assert_invalid(core_date_from_days(INT32_MIN));
    assert_invalid(core_date_from_days(INT32_MAX));
}

/* Walk every date from 0001-01-01 to 9999-12-31 with a naive "next day" and check the day number increases by
 * exactly one each step, from_days inverts it, and the weekday cycles. Covers 1900, 2000 and 2100 Feb. */
static void test_days_walk(void **state)
{
    (void)state;
    int y = 1, m = 1, d = 1;
    int32_t expect = CORE_DATE_DAYS_MIN;
    int wd = 0; /* 0001-01-01 was a Monday (proleptic Gregorian) */
    for (;;) {
        core_date c = D(y, m, d);
        int32_t n = core_date_to_days(c);
        if (n != expect)
            fail_msg("to_days(%04d-%02d-%02d) = %d, want %d", y, m, d, n, expect);
        core_date back = core_date_from_days(n);
        if (core_date_cmp(back, c) != 0)
            fail_msg("from_days(%d) != %04d-%02d-%02d", n, y, m, d);
        if (core_date_weekday(c) != wd)
            fail_msg("weekday(%04d-%02d-%02d) = %d, want %d", y, m, d, core_date_weekday(c), wd);
        if (y == 9999 && m == 12 && d == 31)
            break;
        int dim = (m == 2) ? (((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28)
                           : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        expect++;
        wd = (wd + 1) % 7;
    }
    assert_int_equal(expect, CORE_DATE_DAYS_MAX);
}

static void test_weekday_known(void **state)
{
    (void)state;
    assert_int_equal(core_date_weekday(D(2026, 11, 23)), 0); /* Monday */
    assert_int_equal(core_date_weekday(D(1970, 1, 1)), 3);   /* Thursday */
    assert_int_equal(core_date_weekday(D(2000, 1, 1)), 5);   /* Saturday */
    assert_int_equal(core_date_weekday(D(1900, 1, 1)), 0);   /* Monday */
    assert_int_equal(core_date_weekday(D(2025, 2, 28)), 4);  /* Friday */
    assert_int_equal(core_date_weekday(D(2025, 3, 1)), 5);   /* Saturday */
    assert_int_equal(core_date_weekday(D(2025, 3, 2)), 6);   /* Sunday */
    assert_int_equal(core_date_weekday(D(2023, 2, 29)), -1);
}

static void test_cmp(void **state)
{
    (void)state;
    assert_true(core_date_cmp(D(2025, 1, 1), D(2024, 12, 31)) > 0);
    assert_true(core_date_cmp(D(2024, 12, 31), D(2025, 1, 1)) < 0);
    assert_true(core_date_cmp(D(2025, 2, 1), D(2025, 1, 31)) > 0);
    assert_true(core_date_cmp(D(2025, 2, 1), D(2025, 2, 2)) < 0);
    assert_int_equal(core_date_cmp(D(2025, 2, 1), D(2025, 2, 1)), 0);
    assert_true(core_date_cmp(CORE_DATE_INVALID, D(1, 1, 1)) < 0);
}

/* ---- arithmetic ---------------------------------------------------------------------------------------------- */

static void test_add_days(void **state)
{
    (void)state;
    core_date r = D(1, 2, 3);
    assert_date(core_date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
    assert_date(core_date_add_days(D(2023, 2, 28), 1), 2023, 3, 1);
    assert_date(core_date_add_days(D(2025, 12, 31), 1), 2026, 1, 1);
    assert_date(core_date_add_days(D(2025, 1, 1), -1), 2024, 12, 31);
    assert_date(core_date_add_days(D(2025, 1, 1), 0), 2025, 1, 1);
    assert_date(core_date_add_days(D(2025, 1, 1), 365), 2026, 1, 1);
    assert_date(core_date_add_days(D(1, 1, 1), CORE_DATE_DAYS_MAX - CORE_DATE_DAYS_MIN), 9999, 12, 31);

    /* range errors: plain form gives the invalid marker, checked form -1 and leaves *out */
    assert_invalid(core_date_add_days(D(9999, 12, 31), 1));
    assert_invalid(core_date_add_days(D(1, 1, 1), -1));
    assert_invalid(core_date_add_days(D(2025, 1, 1), INT32_MAX));
    assert_invalid(core_date_add_days(D(2025, 1, 1), INT32_MIN));
    assert_invalid(core_date_add_days(D(2023, 2, 29), 1));
    assert_invalid(core_date_add_days(CORE_DATE_INVALID, 0));
    assert_int_equal(core_date_add_days_checked(D(9999, 12, 31), 1, &r), -1);
    assert_date(r, 1, 2, 3);
    assert_int_equal(core_date_add_days_checked(D(2025, 1, 1), INT32_MIN, &r), -1);
    assert_int_equal(core_date_add_days_checked(D(2025, 2, 30), 0, &r), -1);
    assert_date(r, 1, 2, 3);
    assert_int_equal(core_date_add_days_checked(D(9999, 12, 30), 1, &r), 0);
    assert_date(r, 9999, 12, 31);
}

static void test_add_months(void **state)
{
    (void)state;
    core_date r = D(1, 2, 3);
    assert_date(core_date_add_months(D(2025, 1, 31), 1), 2025, 2, 28);
    assert_date(core_date_add_months(D(2024, 1, 31), 1), 2024, 2, 29);
    assert_date(core_date_add_months(D(2025, 3, 31), -1), 2025, 2, 28);
    assert_date(core_date_add_months(D(2024, 3, 31), -1), 2024, 2, 29);
    assert_date(core_date_add_months(D(2025, 3, 31), 1), 2025, 4, 30);
    assert_date(core_date_add_months(D(2025, 1, 15), 12), 2026, 1, 15);
    assert_date(core_date_add_months(D(2024, 2, 29), 12), 2025, 2, 28);
    assert_date(core_date_add_months(D(2025, 1, 15), -13), 2023, 12, 15);
    assert_date(core_date_add_months(D(2025, 3, 31), -13), 2024, 2, 29);
    assert_date(core_date_add_months(D(2025, 12, 15), 1), 2026, 1, 15);
    assert_date(core_date_add_months(D(2025, 1, 15), -1), 2024, 12, 15);
    assert_date(core_date_add_months(D(2025, 1, 15), 0), 2025, 1, 15);
    assert_date(core_date_add_months(D(2025, 1, 31), 3), 2025, 4, 30);
    assert_date(core_date_add_months(D(2025, 8, 31), 1), 2025, 9, 30);
    assert_date(core_date_add_months(D(1, 1, 1), 9999 * 12 - 1), 9999, 12, 1);
    assert_invalid(core_date_add_months(D(9999, 12, 1), 1));
    assert_invalid(core_date_add_months(D(1, 1, 31), -1));
    assert_invalid(core_date_add_months(D(2025, 1, 1), INT32_MAX));
    assert_invalid(core_date_add_months(D(2025, 1, 1), INT32_MIN));
    assert_invalid(core_date_add_months(D(2025, 4, 31), 1));
    assert_int_equal(core_date_add_months_checked(D(9999, 12, 1), 1, &r), -1);
    assert_date(r, 1, 2, 3);
    assert_int_equal(core_date_add_months_checked(D(2025, 1, 31), 1, &r), 0);
    assert_date(r, 2025, 2, 28);
}

static void test_add_years(void **state)
{
    (void)state;
    core_date r = D(1, 2, 3);
    assert_date(core_date_add_years(D(2024, 2, 29), 1), 2025, 2, 28);
    assert_date(core_date_add_years(D(2024, 2, 29), 4), 2028, 2, 29);
    assert_date(core_date_add_years(D(2024, 2, 29), -1), 2023, 2, 28);
    assert_date(core_date_add_years(D(2000, 2, 29), 100), 2100, 2, 28);
    assert_date(core_date_add_years(D(2025, 6, 15), 35), 2060, 6, 15);
    assert_date(core_date_add_years(D(2025, 6, 15), -2024), 1, 6, 15);
    assert_invalid(core_date_add_years(D(2025, 6, 15), -2025));
    assert_invalid(core_date_add_years(D(2025, 6, 15), 7975));
    assert_invalid(core_date_add_years(D(2025, 6, 15), INT32_MAX));
    assert_invalid(core_date_add_years(D(2025, 6, 15), INT32_MIN));
    assert_int_equal(core_date_add_years_checked(D(2025, 6, 15), 8000, &r), -1);
    assert_date(r, 1, 2, 3);
    assert_date(core_date_end_of_year(D(2025, 6, 15)), 2025, 12, 31);
    assert_date(core_date_end_of_year(D(2025, 12, 31)), 2025, 12, 31);
    assert_invalid(core_date_end_of_year(D(2025, 2, 29)));
}

static void test_age_on(void **state)
{
    (void)state;
    core_date b = D(2010, 6, 15);
    assert_int_equal(core_date_age_on(b, D(2028, 6, 14)), 17); /* eve of 18th birthday */
    assert_int_equal(core_date_age_on(b, D(2028, 6, 15)), 18); /* 18th birthday */
    assert_int_equal(core_date_age_on(b, D(2028, 6, 16)), 18);
    assert_int_equal(core_date_age_on(b, D(2028, 12, 31)), 18);
    assert_int_equal(core_date_age_on(b, D(2029, 1, 1)), 18);
    assert_int_equal(core_date_age_on(b, b), 0);
    assert_int_equal(core_date_age_on(b, D(2010, 6, 14)), -1);
    assert_int_equal(core_date_age_on(D(2023, 2, 29), b), -1);
    assert_int_equal(core_date_age_on(b, CORE_DATE_INVALID), -1);

    /* leap-day birth: 1 March in common years, 29 February in leap years */
    core_date leap = D(2008, 2, 29);
    assert_int_equal(core_date_age_on(leap, D(2026, 2, 28)), 17);
    assert_int_equal(core_date_age_on(leap, D(2026, 3, 1)), 18);
    assert_int_equal(core_date_age_on(leap, D(2028, 2, 28)), 19);
    assert_int_equal(core_date_age_on(leap, D(2028, 2, 29)), 20);
    assert_int_equal(core_date_age_on(leap, D(2009, 2, 28)), 0);
    assert_int_equal(core_date_age_on(leap, D(2009, 3, 1)), 1);
    /* 28 Feb and 1 Mar births are unaffected by the rule */
    assert_int_equal(core_date_age_on(D(2008, 2, 28), D(2026, 2, 28)), 18);
    assert_int_equal(core_date_age_on(D(2008, 3, 1), D(2026, 2, 28)), 17);
    assert_int_equal(core_date_age_on(D(2008, 3, 1), D(2026, 3, 1)), 18);
}

static void test_today(void **state)
{
    (void)state;
    core_date t = core_date_today();
    assert_true(core_date_ok(t));
    assert_true(core_date_cmp(t, D(2024, 1, 1)) > 0);
    assert_true(core_date_cmp(t, D(2200, 1, 1)) < 0);
}

/* ---- working days and SAR deadlines -------------------------------------------------------------------------- */

typedef struct holidays {
    const core_date *dates;
    size_t n;
    int calls;
} holidays;

static int is_listed_holiday(core_date d, void *ctx)
{
    holidays *h = ctx;
    h->calls++;
    for (size_t i = 0; i < h->n; i++)
        if (core_date_cmp(h->dates[i], d) == 0)
            return 1;
    return 0;
}

static int always_holiday(core_date d, void *ctx)
{
    (void)d;
    (void)ctx;
    return 1;
}

static void test_next_working_day(void **state)
{
    (void)state;
    core_date r = D(1, 2, 3);
    assert_date(core_date_next_working_day(D(2025, 2, 28), NULL, NULL), 2025, 2, 28); /* Friday */
    assert_date(core_date_next_working_day(D(2025, 3, 1), NULL, NULL), 2025, 3, 3);   /* Sat -> Mon */
    assert_date(core_date_next_working_day(D(2025, 3, 2), NULL, NULL), 2025, 3, 3);   /* Sun -> Mon */
    assert_date(core_date_next_working_day(D(2025, 3, 3), NULL, NULL), 2025, 3, 3);

    /* Christmas 2026: Fri 25 Dec, Sat, Sun, Mon 28 Dec (Boxing Day substitute) */
    const core_date xmas[] = {D(2026, 12, 25), D(2026, 12, 28)};
    holidays h = {xmas, 2, 0};
    assert_date(core_date_next_working_day(D(2026, 12, 25), is_listed_holiday, &h), 2026, 12, 29);
    assert_true(h.calls >= 2);
    assert_date(core_date_next_working_day(D(2026, 12, 24), is_listed_holiday, &h), 2026, 12, 24);

    /* a callback that never lets up gives an error rather than hanging */
    assert_invalid(core_date_next_working_day(D(2025, 1, 1), always_holiday, NULL));
    assert_int_equal(core_date_next_working_day_checked(D(2025, 1, 1), always_holiday, NULL, &r), -1);
    assert_date(r, 1, 2, 3);
    /* 9999-12-31 is a Friday and the last date there is: if it is a holiday there is no next working day */
    assert_int_equal(core_date_weekday(D(9999, 12, 31)), 4);
    assert_date(core_date_next_working_day(D(9999, 12, 31), NULL, NULL), 9999, 12, 31);
    const core_date last[] = {D(9999, 12, 31)};
    holidays hl = {last, 1, 0};
    assert_invalid(core_date_next_working_day(D(9999, 12, 31), is_listed_holiday, &hl));
    assert_invalid(core_date_next_working_day(D(2025, 2, 29), NULL, NULL));
}

static void test_sar_deadline(void **state)
{
    (void)state;
    core_date r = D(1, 2, 3);
    /* no corresponding date: last day of the month, a Friday */
    assert_date(core_date_sar_deadline(D(2025, 1, 31), 1, NULL, NULL), 2025, 2, 28);
    assert_date(core_date_sar_deadline(D(2025, 3, 31), 1, NULL, NULL), 2025, 4, 30);
    /* corresponding date */
    assert_date(core_date_sar_deadline(D(2025, 9, 3), 1, NULL, NULL), 2025, 10, 3);
    /* deadline 2025-03-01 is a Saturday: moves to Monday 3 March */
    assert_date(core_date_sar_deadline(D(2025, 2, 1), 1, NULL, NULL), 2025, 3, 3);
    /* ...and further when that Monday is a holiday */
    const core_date hol[] = {D(2025, 3, 3)};
    holidays h = {hol, 1, 0};
    assert_date(core_date_sar_deadline(D(2025, 2, 1), 1, is_listed_holiday, &h), 2025, 3, 4);
    /* spring bank holiday Monday 26 May 2025 */
    const core_date spring[] = {D(2025, 5, 26)};
    holidays hs = {spring, 1, 0};
    assert_date(core_date_sar_deadline(D(2025, 4, 26), 1, is_listed_holiday, &hs), 2025, 5, 27);
    assert_date(core_date_sar_deadline(D(2025, 4, 26), 1, NULL, NULL), 2025, 5, 26);
    /* extension: three months from the original start, not two from the first deadline */
    assert_date(core_date_sar_deadline(D(2025, 1, 31), 3, NULL, NULL), 2025, 4, 30);
    assert_int_equal(core_date_cmp(core_date_add_months(core_date_sar_deadline(D(2025, 1, 31), 1, NULL, NULL), 2),
                                   D(2025, 4, 28)),
                     0); /* what the wrong rule would give */
    /* leap year: received 31 Jan 2024 -> Thu 29 Feb 2024 */
    assert_date(core_date_sar_deadline(D(2024, 1, 31), 1, NULL, NULL), 2024, 2, 29);
    /* year end: 2025-12-27 -> 2026-01-27 (Tuesday) */
    assert_date(core_date_sar_deadline(D(2025, 12, 27), 1, NULL, NULL), 2026, 1, 27);

    /* errors */
    assert_invalid(core_date_sar_deadline(D(2025, 1, 31), 0, NULL, NULL));
    assert_invalid(core_date_sar_deadline(D(2025, 1, 31), 4, NULL, NULL));
    assert_invalid(core_date_sar_deadline(D(2025, 2, 29), 1, NULL, NULL));
    assert_invalid(core_date_sar_deadline(D(9999, 12, 1), 1, NULL, NULL));
    assert_int_equal(core_date_sar_deadline_checked(D(2025, 1, 31), -1, NULL, NULL, &r), -1);
    assert_date(r, 1, 2, 3);
    assert_int_equal(core_date_sar_deadline_checked(D(2025, 1, 31), 1, NULL, NULL, &r), 0);
    assert_date(r, 2025, 2, 28);
}

/* ---- format-driven parse and format -------------------------------------------------------------------------- */

static void test_parse_fmt(void **state)
{
    (void)state;
    core_date d = D(1, 2, 3);
    assert_int_equal(parse_fmt_str("05/03/2025", "%d/%m/%Y", 0, &d), 0);
    assert_date(d, 2025, 3, 5);
    assert_int_equal(parse_fmt_str("29/02/2024", "%d/%m/%Y", 0, &d), 0);
    assert_date(d, 2024, 2, 29);
    assert_int_equal(parse_fmt_str("20250305", "%Y%m%d", 0, &d), 0);
    assert_date(d, 2025, 3, 5);
    assert_int_equal(parse_fmt_str("2025-03-05", "%Y-%m-%d", 0, &d), 0);
    assert_date(d, 2025, 3, 5);

    /* %y with a pivot: the year in pivot..pivot+99 */
    assert_int_equal(parse_fmt_str("05-Mar-25", "%d-%b-%y", 1950, &d), 0);
    assert_date(d, 2025, 3, 5);
    assert_int_equal(parse_fmt_str("05-mar-60", "%d-%b-%y", 1950, &d), 0);
    assert_date(d, 1960, 3, 5);
    assert_int_equal(parse_fmt_str("05-MAR-49", "%d-%b-%y", 1950, &d), 0);
    assert_date(d, 2049, 3, 5);
    assert_int_equal(parse_fmt_str("05-Mar-50", "%d-%b-%y", 1950, &d), 0);
    assert_date(d, 1950, 3, 5);
    assert_int_equal(parse_fmt_str("05-Mar-29", "%d-%b-%y", 1930, &d), 0);
    assert_date(d, 2029, 3, 5);
    assert_int_equal(parse_fmt_str("05-Mar-30", "%d-%b-%y", 1930, &d), 0);
    assert_date(d, 1930, 3, 5);
    assert_int_equal(parse_fmt_str("05-Mar-00", "%d-%b-%y", 2000, &d), 0);
    assert_date(d, 2000, 3, 5);
    assert_int_equal(parse_fmt_str("05-Mar-99", "%d-%b-%y", 2000, &d), 0);
    assert_date(d, 2099, 3, 5);
    assert_int_equal(parse_fmt_str("29-Feb-00", "%d-%b-%y", 1901, &d), 0); /* 2000 is leap */
    assert_date(d, 2000, 2, 29);
    assert_int_equal(parse_fmt_str("29-Feb-00", "%d-%b-%y", 1900, &d), -1); /* 1900 is not */

    /* month names, %e, %% */
    assert_int_equal(parse_fmt_str("5 September 2025", "%e %B %Y", 0, &d), 0);
    assert_date(d, 2025, 9, 5);
    assert_int_equal(parse_fmt_str(" 5 sePTember 2025", "%e %B %Y", 0, &d), 0);
    assert_date(d, 2025, 9, 5);
    assert_int_equal(parse_fmt_str("15 may 2025", "%e %B %Y", 0, &d), 0);
    assert_date(d, 2025, 5, 15);
    assert_int_equal(parse_fmt_str("05 Dec 2025", "%e %b %Y", 0, &d), 0);
    assert_date(d, 2025, 12, 5);
    assert_int_equal(parse_fmt_str("100%2025-01-02", "100%%%Y-%m-%d", 0, &d), 0);
    assert_date(d, 2025, 1, 2);

    /* rejections; *d unchanged */
    struct {
        const char *s, *fmt;
        int pivot;
    } bad[] = {
        {"31/02/2025", "%d/%m/%Y", 0},        /* not a real date */
        {"29/02/2023", "%d/%m/%Y", 0},        /* not a leap year */
        {"5/3/2025", "%d/%m/%Y", 0},          /* %d and %m need two digits */
        {"05/03/25", "%d/%m/%Y", 0},          /* %Y needs four */
        {"05/03/2025 ", "%d/%m/%Y", 0},       /* trailing junk */
        {"05/03/202", "%d/%m/%Y", 0},         /* short */
        {"05-03-2025", "%d/%m/%Y", 0},        /* wrong literal */
        {"05/13/2025", "%d/%m/%Y", 0},        /* month 13 */
        {"00/03/2025", "%d/%m/%Y", 0},        /* day 0 */
        {"05/03/0000", "%d/%m/%Y", 0},        /* year 0 */
        {"+5/03/2025", "%d/%m/%Y", 0},        /* sign */
        {"2025030", "%Y%m%d", 0},             /* short */
        {"202503051", "%Y%m%d", 0},           /* long */
        {"05-Mar-25", "%d-%b-%y", 0},         /* %y needs a valid pivot */
        {"05-Mar-25", "%d-%b-%y", 9901},      /* pivot too late */
        {"05-Mar-25", "%d-%b-%Y", 1950},      /* %Y with two digits */
        {"05-March-25", "%d-%b-%y", 1950},    /* %b is the abbreviation only */
        {"05-Mar-2025", "%d-%B-%Y", 0},       /* %B is the full name only */
        {"05-Mrz-25", "%d-%b-%y", 1950},      /* not an English month */
        {"2025-03", "%Y-%m", 0},              /* no day */
        {"2025-03-05-06", "%Y-%m-%d-%d", 0},  /* day set twice */
        {"2025-03-Mar", "%Y-%m-%b", 0},       /* month set twice */
        {"25-2025-03-05", "%y-%Y-%m-%d", 1950}, /* year set twice */
        {"2025-03-05", "%Y-%m-%q", 0},        /* unknown conversion */
        {"2025-03-05%", "%Y-%m-%d%", 0},      /* lone % at the end */
        {"  5 Mar 2025", "%e %b %Y", 0},      /* two spaces */
        {" 15 Mar 2025", "%e %b %Y", 0},      /* space before two digits */
        {"", "%Y", 0},
        {"", "", 0},                          /* no fields */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = D(1, 2, 3);
        if (parse_fmt_str(bad[i].s, bad[i].fmt, bad[i].pivot, &d) != -1)
            fail_msg("accepted \"%s\" with \"%s\"", bad[i].s, bad[i].fmt);
        assert_date(d, 1, 2, 3);
    }
    /* length honoured */
    assert_int_equal(core_date_parse_fmt("20250305xyz", 8, "%Y%m%d", 0, &d), 0);
    assert_date(d, 2025, 3, 5);
    assert_int_equal(core_date_parse_fmt("20250305", 7, "%Y%m%d", 0, &d), -1);
    assert_int_equal(core_date_parse_fmt("20250305", 8, NULL, 0, &d), -1);
}

static void test_format_fmt(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%d/%m/%Y", buf, sizeof buf), 10);
    assert_string_equal(buf, "05/03/2025");
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%e %B %Y", buf, sizeof buf), 13);
    assert_string_equal(buf, " 5 March 2025");
    assert_int_equal(core_date_format_fmt(D(2025, 12, 15), "%e-%b-%y %%", buf, sizeof buf), 11);
    assert_string_equal(buf, "15-Dec-25 %");
    assert_int_equal(core_date_format_fmt(D(7, 1, 1), "%Y%m%d", buf, sizeof buf), 8);
    assert_string_equal(buf, "00070101");
    /* fits exactly, and one byte too small */
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%Y%m%d", buf, 9), 8);
    assert_string_equal(buf, "20250305");
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%Y%m%d", buf, 8), -1);
    assert_string_equal(buf, "");
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%q", buf, sizeof buf), -1);
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%Y%", buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(core_date_format_fmt(D(2025, 2, 29), "%Y", buf, sizeof buf), -1);
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "%Y", buf, 0), -1);
    assert_int_equal(core_date_format_fmt(D(2025, 3, 5), "", buf, sizeof buf), 0);
    assert_string_equal(buf, "");

    /* every day of 2024 round-trips through a few formats */
    static const char *const fmts[] = {"%d/%m/%Y", "%Y%m%d", "%d-%b-%y", "%e %B %Y", "%B %d, %Y"};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        for (core_date c = D(2024, 1, 1); core_date_cmp(c, D(2025, 1, 1)) < 0; c = core_date_add_days(c, 1)) {
            core_date back = CORE_DATE_INVALID;
            int n = core_date_format_fmt(c, fmts[f], buf, sizeof buf);
            assert_true(n > 0);
            assert_int_equal(core_date_parse_fmt(buf, (size_t)n, fmts[f], 1950, &back), 0);
            assert_int_equal(core_date_cmp(back, c), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),         cmocka_unit_test(test_parse_iso),
        cmocka_unit_test(test_format),        cmocka_unit_test(test_days_known),
        cmocka_unit_test(test_days_walk),     cmocka_unit_test(test_weekday_known),
        cmocka_unit_test(test_cmp),           cmocka_unit_test(test_add_days),
        cmocka_unit_test(test_add_months),    cmocka_unit_test(test_add_years),
        cmocka_unit_test(test_age_on),        cmocka_unit_test(test_today),
        cmocka_unit_test(test_next_working_day), cmocka_unit_test(test_sar_deadline),
        cmocka_unit_test(test_parse_fmt),     cmocka_unit_test(test_format_fmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
