/*
 * test_core_clock.c — the clock tests set (src/core/core_clock.h).
 *
 * In a -Dtest_clock build, HEARTH_NOW read on first use fixes the clock's start and it runs on at the wall
 * clock's pace; in any other build HEARTH_NOW is ignored. The clock is read once per process, so this program
 * sets HEARTH_NOW before its first reading (whatever the caller's environment says) and checks both builds'
 * behaviour against the one it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/core_clock.h"
#include "core/core_date.h"

static void test_clock_as_set(void **state)
{
    (void)state;
    char today[11], iso[21], later[21];
    core_clock_today(today);
    core_clock_iso(0, iso);
    core_clock_iso(3600, later);
#ifdef HEARTH_TEST_CLOCK
    assert_int_equal(core_clock_is_set(), 1);
    assert_string_equal(today, "2031-02-28");
    assert_memory_equal(iso, "2031-02-28T23:", 14);
    assert_memory_equal(later, "2031-03-01T00:", 14); /* an hour on: the next day, and March */
    core_date d = core_date_today();
    assert_int_equal(d.y, 2031);
    assert_int_equal(d.m, 2);
    assert_int_equal(d.d, 28);
    /* seconds since the epoch agree with the day: 2031-02-28T23:30Z and a moment after */
    time_t t = core_clock_now();
    assert_true(t >= 1930087800 && t < 1930087800 + 600);
#else
    time_t wall = time(NULL);
    assert_int_equal(core_clock_is_set(), 0);
    assert_true(core_clock_now() - wall <= 2 && core_clock_now() >= wall);
    (void)today, (void)iso, (void)later;
#endif
    /* it runs on: never backwards */
    time_t a = core_clock_now(), b = core_clock_now();
    assert_true(b >= a);
}

int main(void)
{
    setenv("HEARTH_NOW", "2031-02-28T23:30:00Z", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_as_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
