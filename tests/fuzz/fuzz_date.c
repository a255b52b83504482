/*
 * fuzz_date.c — libFuzzer driver for core/core_date's parsers.
 *
 * The first input byte chooses a mode:
 *   0  the rest is given to core_date_parse(); whatever parses must be a valid date and must format back to
 *      exactly the input bytes.
 *   1  the next byte picks a format from a fixed table, the next two a pivot year, and the rest is given to
 *      core_date_parse_fmt().
 *   2  the rest up to the first NUL is the format, the remainder the input to core_date_parse_fmt().
 * In modes 1 and 2, whatever parses must be valid, must format back with core_date_format_fmt() to the input
 * (ignoring letter case, since month names are matched in any case; formats with %e are exempt because " 5",
 * "5" and "05" all parse to the same day) and must re-parse to the same date.
 * Every parsed date is also checked against the day-number and arithmetic invariants.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/core_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FMT 64

static int same_ignoring_case(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

static void check_invariants(core_date d)
{
    assert(core_date_ok(d));
    int32_t n = core_date_to_days(d);
    assert(n >= CORE_DATE_DAYS_MIN && n <= CORE_DATE_DAYS_MAX);
    assert(core_date_cmp(core_date_from_days(n), d) == 0);
    int wd = core_date_weekday(d);
    assert(wd >= 0 && wd <= 6);
    core_date next;
    if (core_date_add_days_checked(d, 1, &next) == 0) {
        assert(core_date_cmp(next, d) > 0);
        assert(core_date_weekday(next) == (wd + 1) % 7);
    }
    core_date m = core_date_add_months(d, 1);
    if (core_date_ok(m))
        assert(core_date_cmp(m, d) > 0 && m.d <= d.d);
    core_date w = core_date_next_working_day(d, NULL, NULL);
    if (core_date_ok(w)) {
        assert(core_date_cmp(w, d) >= 0 && core_date_weekday(w) < 5);
        assert(core_date_to_days(w) - n <= 2);
    }
    assert(core_date_age_on(d, d) == 0);
}

static void check_fmt(const char *s, size_t len, const char *fmt, int pivot)
{
    core_date d = CORE_DATE_INVALID;
    if (core_date_parse_fmt(s, len, fmt, pivot, &d) != 0) {
        assert(core_date_cmp(d, CORE_DATE_INVALID) == 0); /* untouched on failure */
        return;
    }
    check_invariants(d);
    char buf[256];
    int n = core_date_format_fmt(d, fmt, buf, sizeof buf);
    assert(n >= 0);
    if (!strstr(fmt, "%e")) {
        assert((size_t)n == len);
        assert(same_ignoring_case(buf, s, len));
    }
    core_date again = CORE_DATE_INVALID;
    assert(core_date_parse_fmt(buf, (size_t)n, fmt, pivot, &again) == 0);
    assert(core_date_cmp(again, d) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {
        "%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%b-%y", "%e %B %Y", "%B %e, %Y", "%d.%m.%y", "%b %d %Y %%",
    };
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t rest_len = size - 1;

    switch (data[0] % 3) {
    case 0: {
        core_date d = CORE_DATE_INVALID;
        if (core_date_parse(rest, rest_len, &d) == 0) {
            char iso[CORE_DATE_ISO_SIZE];
            check_invariants(d);
            core_date_format(d, iso);
            assert(rest_len == 10 && memcmp(iso, rest, 10) == 0);
            /* the ISO parser and the %Y-%m-%d format agree */
            core_date e = CORE_DATE_INVALID;
            assert(core_date_parse_fmt(rest, rest_len, "%Y-%m-%d", 0, &e) == 0 && core_date_cmp(d, e) == 0);
        } else {
            assert(core_date_cmp(d, CORE_DATE_INVALID) == 0);
        }
        break;
    }
    case 1: {
        if (rest_len < 3)
            return 0;
        const char *fmt = formats[(uint8_t)rest[0] % (sizeof formats / sizeof formats[0])];
        int pivot = (int)(((uint8_t)rest[1] << 8 | (uint8_t)rest[2]) % 10001); /* includes invalid pivots */
        check_fmt(rest + 3, rest_len - 3, fmt, pivot);
        break;
    }
    default: {
        const char *nul = memchr(rest, '\0', rest_len);
        if (!nul || (size_t)(nul - rest) >= FUZZ_MAX_FMT)
            return 0;
        char fmt[FUZZ_MAX_FMT];
        size_t flen = (size_t)(nul - rest);
        memcpy(fmt, rest, flen + 1);
        check_fmt(nul + 1, rest_len - flen - 1, fmt, 1950);
        break;
    }
    }
    return 0;
}
