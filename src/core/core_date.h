/*
 * core_date.h — calendar dates without times: parsing, formatting and the arithmetic Hearth's deadlines and
 * retention periods need (subject-access deadlines, ages, "35 years after closure", next working day).
 *
 * What it is for: whole calendar days in the proleptic Gregorian calendar, years 1..9999, with no time zone
 * (a date is the date an officer would write on a form). Depends on nothing but libc.
 * What it is not for: times of day, time zones or timestamps (those are UTC seconds elsewhere); bank holidays
 * (they are reference data held by the caller and passed in as a callback, never hard-coded here).
 *
 * Invariants
 *   1. A valid core_date has 1 <= y <= 9999, 1 <= m <= 12 and 1 <= d <= core_date_days_in_month(y, m);
 *      core_date_valid() / core_date_ok() say whether it has.
 *   2. CORE_DATE_INVALID (all fields zero) is the one "no date" marker. Every function returning a core_date
 *      returns it when its input is not valid or its result would fall outside years 1..9999, so errors
 *      propagate like NaN and are checked once, with core_date_ok(). The *_checked variants return -1
 *      instead, for callers that prefer an error code.
 *   3. Every function is total: any argument values (including invalid dates) give a defined result and no
 *      undefined behaviour; no function allocates, keeps state or is affected by the locale.
 *   4. Day numbers count days since 1970-01-01 (day 0); valid dates map one-to-one onto
 *      CORE_DATE_DAYS_MIN..CORE_DATE_DAYS_MAX, and to_days/from_days are inverse on that range.
 *   5. Month arithmetic keeps the day of the month, or uses the last day of the target month when it has no
 *      such day (31 Jan + 1 month = 28 or 29 Feb). This is the ICO's "corresponding calendar date" rule.
 */
#ifndef HEARTH_CORE_DATE_H
#define HEARTH_CORE_DATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct core_date {
    int32_t y; /* 1..9999 */
    int8_t m;  /* 1..12 */
    int8_t d;  /* 1..28/29/30/31 */
} core_date;

/* The "no date" marker (invariant 2). Compares below every valid date with core_date_cmp(). */
#define CORE_DATE_INVALID ((core_date){0, 0, 0})

/* Day numbers of 0001-01-01 and 9999-12-31 (invariant 4). */
#define CORE_DATE_DAYS_MIN (-719162)
#define CORE_DATE_DAYS_MAX 2932896
/* What core_date_to_days() returns for an invalid date: outside the valid range. */
#define CORE_DATE_DAYS_INVALID INT32_MIN

/* Longest run of consecutive non-working days core_date_next_working_day() will step over before it gives
 * up (a holiday callback that says "holiday" for every date must not hang the server). */
#define CORE_DATE_MAX_NONWORKING_RUN 366

/* Buffer size for core_date_format(): "YYYY-MM-DD" and the NUL. */
#define CORE_DATE_ISO_SIZE 11

/* ---- validity -------------------------------------------------------------------------------------------- */

/* 1 if y-m-d is a real date in years 1..9999 (invariant 1), else 0. */
int core_date_valid(int y, int m, int d);
/* core_date_valid() applied to a core_date. */
int core_date_ok(core_date d);
/* 1 if y is a Gregorian leap year (divisible by 4, except centuries not divisible by 400), else 0. */
int core_date_is_leap(int y);
/* Days in month m of year y (28..31); 0 if y is outside 1..9999 or m outside 1..12. */
int core_date_days_in_month(int y, int m);

/* ---- parsing and formatting -------------------------------------------------------------------------------- */

/* Parse exactly len bytes of s (s need not be NUL-terminated; s may be NULL only when len is 0) as strict
 * ISO 8601 calendar date "YYYY-MM-DD": exactly ten bytes, four-digit year, two-digit month and day, no
 * sign, no spaces, nothing trailing, and a real date in years 1..9999 ("0000-01-01" is refused).
 * Returns 0 and sets *out on success; returns -1 and leaves *out unchanged otherwise. */
int core_date_parse(const char *s, size_t len, core_date *out);

/* Parse exactly len bytes of s with a strftime-style format (fmt is NUL-terminated). Conversions:
 *   %Y  exactly four digits, 0001..9999
 *   %y  exactly two digits; the year is the one in pivot_year..pivot_year+99 ending in those digits (pivot
 *       1950: "49" is 2049, "50" is 1950). pivot_year must be 1..9900 when the format uses %y, else -1;
 *       it is ignored otherwise. There is no "current year" default: the caller chooses.
 *   %m  exactly two digits, 01..12
 *   %d  exactly two digits, 01..31
 *   %e  day of month, one or two digits, optionally preceded by one space when one digit ("5", " 5", "05")
 *   %b  three-letter English month abbreviation, any case ("jan", "Sep")
 *   %B  full English month name, any case ("september")
 *   %%  a literal '%'
 * Any other character in fmt must match the same byte of s exactly (no whitespace folding).
 * Strict: the whole input must be consumed; year, month and day must each be set exactly once (a format that
 * omits one or sets one twice fails); the result must be a real date. An unknown conversion or a trailing
 * lone '%' in fmt fails. Returns 0 and sets *out on success; -1 and leaves *out unchanged otherwise. */
int core_date_parse_fmt(const char *s, size_t len, const char *fmt, int pivot_year, core_date *out);

/* Write d as "YYYY-MM-DD" and a NUL into out. An invalid d writes "0000-00-00" (never a plausible date, and
 * refused by core_date_parse()). */
void core_date_format(core_date d, char out[CORE_DATE_ISO_SIZE]);

/* Format d with the conversions core_date_parse_fmt() accepts (%e pads with a space, %y writes the last two
 * digits of the year, %b/%B write "Jan"/"January"), writing at most cap bytes including the NUL.
 * Returns the length written (excluding the NUL). Returns -1 if d is invalid, fmt has an unknown conversion
 * or the result does not fit; out then holds "" when cap > 0. */
int core_date_format_fmt(core_date d, const char *fmt, char *out, size_t cap);

/* ---- conversion and comparison ----------------------------------------------------------------------------- */

/* Days since 1970-01-01 (negative before). CORE_DATE_DAYS_INVALID if d is invalid. */
int32_t core_date_to_days(core_date d);
/* Inverse of core_date_to_days(); CORE_DATE_INVALID if days is outside CORE_DATE_DAYS_MIN..MAX. */
core_date core_date_from_days(int32_t days);
/* Order by year, then month, then day: <0, 0 or >0. Works on any values (CORE_DATE_INVALID sorts first). */
int core_date_cmp(core_date a, core_date b);
/* ISO weekday: 0 = Monday .. 6 = Sunday; -1 if d is invalid. */
int core_date_weekday(core_date d);
/* Today's date in UTC; CORE_DATE_INVALID if the clock cannot be read. */
core_date core_date_today(void);

/* ---- arithmetic ------------------------------------------------------------------------------------------------ */

/* d plus n days (n may be negative). On an invalid d or a result outside years 1..9999: the checked form
 * returns -1 and leaves *out unchanged; the plain form returns CORE_DATE_INVALID (it never clamps, so an
 * overflow cannot turn into a plausible but wrong date). The checked form returns 0 on success. */
int core_date_add_days_checked(core_date d, int32_t n, core_date *out);
core_date core_date_add_days(core_date d, int32_t n);

/* d plus n calendar months (n may be negative): the same day of the month in the target month, or that
 * month's last day when it has no such day (2025-01-31 + 1 = 2025-02-28; 2024-01-31 + 1 = 2024-02-29;
 * 2025-03-31 - 1 = 2025-02-28). Errors as for the add_days pair. */
int core_date_add_months_checked(core_date d, int32_t n, core_date *out);
core_date core_date_add_months(core_date d, int32_t n);

/* d plus n years, i.e. plus 12n months: 29 Feb + 1 year = 28 Feb. (Contrast core_date_age_on(), which
 * follows the legal convention for birthdays.) Errors as for the add_days pair. */
int core_date_add_years_checked(core_date d, int32_t n, core_date *out);
core_date core_date_add_years(core_date d, int32_t n);

/* 31 December of d's year; CORE_DATE_INVALID if d is invalid. */
core_date core_date_end_of_year(core_date d);

/* Age in whole years on date `on` of someone born on `birth`. A birthday is reached at the start of the
 * anniversary date. Someone born on 29 February reaches each new age on 1 March in non-leap years (the
 * convention generally applied in UK law, where a person attains an age at the start of the relevant
 * anniversary of their birth and a common year has no 29 February). Returns -1 if on < birth or either
 * date is invalid. */
int core_date_age_on(core_date birth, core_date on);

/* ---- working days and deadlines ------------------------------------------------------------------------------- */

/* Callback saying whether a date is a public holiday: 1 yes, 0 no. ctx is passed through untouched. */
typedef int (*core_date_holiday_fn)(core_date d, void *ctx);

/* The first working day on or after d: skips Saturdays, Sundays and any date for which is_holiday returns 1
 * (is_holiday may be NULL: weekends only). Holidays are reference data supplied by the caller.
 * The checked form returns 0 and sets *out, or -1 (leaving *out unchanged) if d is invalid, the search passes
 * 9999-12-31, or more than CORE_DATE_MAX_NONWORKING_RUN consecutive days are non-working. The plain form
 * returns CORE_DATE_INVALID in those cases. */
int core_date_next_working_day_checked(core_date d, core_date_holiday_fn is_holiday, void *ctx, core_date *out);
core_date core_date_next_working_day(core_date d, core_date_holiday_fn is_holiday, void *ctx);

/* Subject-access-request deadline under the ICO rules (UK GDPR Art 12(3)): from the date of receipt (or of
 * the ID, fee or clarification that restarted the clock) to the corresponding calendar date `months` later,
 * or the last day of that month when it has no corresponding date, then moved to the next working day if it
 * falls on a weekend or public holiday. months is 1 normally and 3 when extended (the extension is counted as
 * three months from the original start, not two months from the first deadline); 1..3 are accepted.
 * Received 2025-01-31, 1 month: 2025-02-28 (a Friday); 3 months: 2025-04-30.
 * Pauses while awaiting clarification are the caller's business: pass the date the clock restarted.
 * Errors as for core_date_next_working_day(), and also for months outside 1..3. */
int core_date_sar_deadline_checked(core_date received, int months, core_date_holiday_fn is_holiday, void *ctx,
                                   core_date *out);
core_date core_date_sar_deadline(core_date received, int months, core_date_holiday_fn is_holiday, void *ctx);

#endif
