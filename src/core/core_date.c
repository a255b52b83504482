/*
 * core_date.c — calendar dates: validity, ISO and strftime-style parsing and formatting, day numbers and
 * calendar arithmetic. The contracts are in core_date.h.
 *
 * Day numbers use the well-known "days from civil" construction: shift the year to start on 1 March so the
 * leap day is the last day of the year, then count whole 400-year eras (146097 days each), years within the
 * era and days within the year. All intermediate arithmetic is done in int64_t on validated inputs, so no
 * argument value can overflow (invariant 3 of the header).
 */
#include "core/core_clock.h"
#include "core/core_date.h"

#include <string.h>
#include <time.h>

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* ---- validity ----------------------------------------------------------------------------------------------- */

int core_date_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int core_date_days_in_month(int y, int m)
{
    static const int8_t len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12)
        return 0;
    if (m == 2 && core_date_is_leap(y))
        return 29;
    return len[m - 1];
}

int core_date_valid(int y, int m, int d)
{
    int dim = core_date_days_in_month(y, m);
    return dim > 0 && d >= 1 && d <= dim;
}

int core_date_ok(core_date d)
{
    return core_date_valid(d.y, d.m, d.d);
}

static core_date make_date(int64_t y, int m, int d)
{
    core_date r = {(int32_t)y, (int8_t)m, (int8_t)d};
    return r;
}

/* ---- day numbers -------------------------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365, from 1 March */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* z must be within CORE_DATE_DAYS_MIN..MAX. */
static core_date civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return make_date(y + (m <= 2), m, d);
}

int32_t core_date_to_days(core_date d)
{
    if (!core_date_ok(d))
        return CORE_DATE_DAYS_INVALID;
    return (int32_t)days_from_civil(d.y, d.m, d.d);
}

core_date core_date_from_days(int32_t days)
{
    if (days < CORE_DATE_DAYS_MIN || days > CORE_DATE_DAYS_MAX)
        return CORE_DATE_INVALID;
    return civil_from_days(days);
}

int core_date_cmp(core_date a, core_date b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

int core_date_weekday(core_date d)
{
    if (!core_date_ok(d))
        return -1;
    /* 1970-01-01 was a Thursday (3); shift so the modulus is taken of a non-negative number. */
    int64_t n = (int64_t)core_date_to_days(d) - CORE_DATE_DAYS_MIN; /* 0001-01-01 was a Monday */
    return (int)(n % 7);
}

core_date core_date_today(void)
{
    time_t t = core_clock_now();
    if (t == (time_t)-1)
        return CORE_DATE_INVALID;
    int64_t secs = (int64_t)t;
    int64_t days = secs / 86400 - (secs % 86400 < 0); /* floor division */
    if (days < CORE_DATE_DAYS_MIN || days > CORE_DATE_DAYS_MAX)
        return CORE_DATE_INVALID;
    return civil_from_days(days);
}

/* ---- arithmetic --------------------------------------------------------------------------------------------- */

int core_date_add_days_checked(core_date d, int32_t n, core_date *out)
{
    if (!core_date_ok(d))
        return -1;
    int64_t z = (int64_t)core_date_to_days(d) + n;
    if (z < CORE_DATE_DAYS_MIN || z > CORE_DATE_DAYS_MAX)
        return -1;
    *out = civil_from_days(z);
    return 0;
}

core_date core_date_add_days(core_date d, int32_t n)
{
    core_date r = CORE_DATE_INVALID;
    (void)core_date_add_days_checked(d, n, &r);
    return r;
}

int core_date_add_months_checked(core_date d, int32_t n, core_date *out)
{
    if (!core_date_ok(d))
        return -1;
    int64_t total = (int64_t)d.y * 12 + (d.m - 1) + n; /* months since 0000-01 */
    if (total < 12 || total > (int64_t)9999 * 12 + 11)
        return -1;
    int64_t y = total / 12;
    int m = (int)(total % 12) + 1;
    int dim = core_date_days_in_month((int)y, m);
    *out = make_date(y, m, d.d > dim ? dim : d.d);
    return 0;
}

core_date core_date_add_months(core_date d, int32_t n)
{
    core_date r = CORE_DATE_INVALID;
    (void)core_date_add_months_checked(d, n, &r);
    return r;
}

int core_date_add_years_checked(core_date d, int32_t n, core_date *out)
{
    /* 12n cannot be formed in int32_t for large n; anything beyond 9999 years is out of range anyway. */
    if (n > 10000 || n < -10000)
        return -1;
    return core_date_add_months_checked(d, n * 12, out);
}

core_date core_date_add_years(core_date d, int32_t n)
{
    core_date r = CORE_DATE_INVALID;
    (void)core_date_add_years_checked(d, n, &r);
    return r;
}

core_date core_date_end_of_year(core_date d)
{
    if (!core_date_ok(d))
        return CORE_DATE_INVALID;
    return make_date(d.y, 12, 31);
}

int core_date_age_on(core_date birth, core_date on)
{
    if (!core_date_ok(birth) || !core_date_ok(on) || core_date_cmp(on, birth) < 0)
        return -1;
    /* the anniversary in on's year; a 29 Feb birthday falls on 1 Mar in common years (UK legal convention,
     * see the header) */
    int am = birth.m, ad = birth.d;
    if (am == 2 && ad == 29 && !core_date_is_leap(on.y)) {
        am = 3;
        ad = 1;
    }
    int age = on.y - birth.y;
    if (on.m < am || (on.m == am && on.d < ad))
        age--;
    return age;
}

/* ---- working days and deadlines ----------------------------------------------------------------------------- */

int core_date_next_working_day_checked(core_date d, core_date_holiday_fn is_holiday, void *ctx, core_date *out)
{
    if (!core_date_ok(d))
        return -1;
    int64_t z = core_date_to_days(d);
    int wd = core_date_weekday(d);
    for (int run = 0; run <= CORE_DATE_MAX_NONWORKING_RUN; run++) {
        if (z > CORE_DATE_DAYS_MAX)
            return -1;
        core_date c = civil_from_days(z);
        if (wd < 5 && !(is_holiday && is_holiday(c, ctx) == 1)) {
            *out = c;
            return 0;
        }
        z++;
        wd = (wd + 1) % 7;
    }
    return -1;
}

core_date core_date_next_working_day(core_date d, core_date_holiday_fn is_holiday, void *ctx)
{
    core_date r = CORE_DATE_INVALID;
    (void)core_date_next_working_day_checked(d, is_holiday, ctx, &r);
    return r;
}

int core_date_sar_deadline_checked(core_date received, int months, core_date_holiday_fn is_holiday, void *ctx,
                                   core_date *out)
{
    core_date due;
    if (months < 1 || months > 3)
        return -1;
    /* "corresponding calendar date, or the last day of that month" is exactly add_months (invariant 5) */
    if (core_date_add_months_checked(received, months, &due) != 0)
        return -1;
    return core_date_next_working_day_checked(due, is_holiday, ctx, out);
}

core_date core_date_sar_deadline(core_date received, int months, core_date_holiday_fn is_holiday, void *ctx)
{
    core_date r = CORE_DATE_INVALID;
    (void)core_date_sar_deadline_checked(received, months, is_holiday, ctx, &r);
    return r;
}

/* ---- parsing ------------------------------------------------------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Read exactly n digits at s[*pos] (within len) into *val. 0 or -1. */
static int read_digits(const char *s, size_t len, size_t *pos, int n, int *val)
{
    int v = 0;
    if (len - *pos < (size_t)n)
        return -1;
    for (int i = 0; i < n; i++) {
        char c = s[*pos + (size_t)i];
        if (!is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
    }
    *pos += (size_t)n;
    *val = v;
    return 0;
}

/* Match an English month name (full, or its first three letters when abbrev) case-insensitively. */
static int read_month_name(const char *s, size_t len, size_t *pos, int abbrev, int *val)
{
    for (int i = 0; i < 12; i++) {
        const char *name = month_names[i];
        size_t n = abbrev ? 3 : strlen(name);
        if (len - *pos < n)
            continue;
        size_t k = 0;
        while (k < n && ascii_lower(s[*pos + k]) == ascii_lower(name[k]))
            k++;
        if (k == n) {
            *pos += n;
            *val = i + 1;
            return 0;
        }
    }
    return -1;
}

int core_date_parse(const char *s, size_t len, core_date *out)
{
    size_t pos = 0;
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (read_digits(s, len, &pos, 4, &y) != 0)
        return -1;
    pos++;
    if (read_digits(s, len, &pos, 2, &m) != 0)
        return -1;
    pos++;
    if (read_digits(s, len, &pos, 2, &d) != 0)
        return -1;
    if (!core_date_valid(y, m, d))
        return -1;
    *out = make_date(y, m, d);
    return 0;
}

/* Record a field, failing if it was already set. */
static int set_field(int *field, int value)
{
    if (*field >= 0)
        return -1;
    *field = value;
    return 0;
}

int core_date_parse_fmt(const char *s, size_t len, const char *fmt, int pivot_year, core_date *out)
{
    int y = -1, m = -1, d = -1, v;
    size_t pos = 0;
    if (!fmt || (!s && len > 0))
        return -1;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (pos >= len || s[pos] != *f)
                return -1;
            pos++;
            continue;
        }
        f++;
        switch (*f) {
        case 'Y':
            if (read_digits(s, len, &pos, 4, &v) != 0 || set_field(&y, v) != 0)
                return -1;
            break;
        case 'y':
            if (pivot_year < 1 || pivot_year > 9900)
                return -1;
            if (read_digits(s, len, &pos, 2, &v) != 0)
                return -1;
            /* the year in pivot..pivot+99 whose last two digits are v */
            v = pivot_year + ((v - pivot_year % 100) + 100) % 100;
            if (set_field(&y, v) != 0)
                return -1;
            break;
        case 'm':
            if (read_digits(s, len, &pos, 2, &v) != 0 || set_field(&m, v) != 0)
                return -1;
            break;
        case 'd':
            if (read_digits(s, len, &pos, 2, &v) != 0 || set_field(&d, v) != 0)
                return -1;
            break;
        case 'e':
            if (pos < len && s[pos] == ' ') {
                /* a space pads a single digit only */
                pos++;
                if (read_digits(s, len, &pos, 1, &v) != 0)
                    return -1;
            } else if (read_digits(s, len, &pos, 2, &v) != 0 && read_digits(s, len, &pos, 1, &v) != 0) {
                return -1;
            }
            if (set_field(&d, v) != 0)
                return -1;
            break;
        case 'b':
        case 'B':
            if (read_month_name(s, len, &pos, *f == 'b', &v) != 0 || set_field(&m, v) != 0)
                return -1;
            break;
        case '%':
            if (pos >= len || s[pos] != '%')
                return -1;
            pos++;
            break;
        default: /* unknown conversion, or '%' at the end of fmt */
            return -1;
        }
    }
    if (pos != len || !core_date_valid(y, m, d))
        return -1;
    *out = make_date(y, m, d);
    return 0;
}

/* ---- formatting --------------------------------------------------------------------------------------------- */

/* Append n bytes to out (capacity cap, keeping room for the NUL). 0 or -1 if they do not fit. */
static int put(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
    if (cap == 0 || n > cap - 1 - *len)
        return -1;
    memcpy(out + *len, p, n);
    *len += n;
    return 0;
}

/* Write v as exactly `width` digits, zero-padded (v must be non-negative and fit). */
static void digits(char *buf, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        buf[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void core_date_format(core_date d, char out[CORE_DATE_ISO_SIZE])
{
    if (!core_date_ok(d))
        d = CORE_DATE_INVALID;
    digits(out, d.y, 4);
    out[4] = '-';
    digits(out + 5, d.m, 2);
    out[7] = '-';
    digits(out + 8, d.d, 2);
    out[10] = '\0';
}

int core_date_format_fmt(core_date d, const char *fmt, char *out, size_t cap)
{
    size_t len = 0;
    char buf[4];
    int rc = 0;
    if (!out || cap == 0)
        return -1;
    out[0] = '\0';
    if (!fmt || !core_date_ok(d))
        return -1;
    for (const char *f = fmt; rc == 0 && *f; f++) {
        if (*f != '%') {
            rc = put(out, cap, &len, f, 1);
            continue;
        }
        f++;
        switch (*f) {
        case 'Y':
            digits(buf, d.y, 4);
            rc = put(out, cap, &len, buf, 4);
            break;
        case 'y':
            digits(buf, d.y % 100, 2);
            rc = put(out, cap, &len, buf, 2);
            break;
        case 'm':
            digits(buf, d.m, 2);
            rc = put(out, cap, &len, buf, 2);
            break;
        case 'd':
            digits(buf, d.d, 2);
            rc = put(out, cap, &len, buf, 2);
            break;
        case 'e':
            digits(buf, d.d, 2);
            if (buf[0] == '0')
                buf[0] = ' ';
            rc = put(out, cap, &len, buf, 2);
            break;
        case 'b':
            rc = put(out, cap, &len, month_names[d.m - 1], 3);
            break;
        case 'B':
            rc = put(out, cap, &len, month_names[d.m - 1], strlen(month_names[d.m - 1]));
            break;
        case '%':
            rc = put(out, cap, &len, "%", 1);
            break;
        default:
            rc = -1;
            break;
        }
    }
    if (rc != 0) {
        out[0] = '\0';
        return -1;
    }
    out[len] = '\0';
    return (int)len;
}
