/*
 * core_clock.c — Hearth's clock (contract in core_clock.h).
 *
 * The offset between HEARTH_NOW and the wall clock is worked out once, on first use, under a pthread_once;
 * after that a reading is time(NULL) plus a constant, so threads need no lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_clock.h"
#include "core/core_date.h"

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static time_t clock_offset;
static int clock_set;

int core_clock_parse(const char *s, time_t *out)
{
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    core_date d;
    if (core_date_parse(s, 10, &d) != 0)
        return -1;
    int hh = 0, mm = 0, ss = 0;
    for (int i = 11; i < 19; i++) {
        if (i == 13 || i == 16)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    hh = (s[11] - '0') * 10 + (s[12] - '0');
    mm = (s[14] - '0') * 10 + (s[15] - '0');
    ss = (s[17] - '0') * 10 + (s[18] - '0');
    if (hh > 23 || mm > 59 || ss > 59)
        return -1;
    *out = (time_t)core_date_to_days(d) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

static void clock_init(void)
{
#ifdef HEARTH_TEST_CLOCK
    const char *v = getenv("HEARTH_NOW");
    if (!v || !*v)
        return;
    time_t at;
    if (core_clock_parse(v, &at) != 0) {
        fprintf(stderr, "hearth: HEARTH_NOW is not YYYY-MM-DDTHH:MM:SSZ; using the machine's clock\n");
        return;
    }
    clock_offset = at - time(NULL);
    clock_set = 1;
#endif
}

time_t core_clock_now(void)
{
    pthread_once(&clock_once, clock_init);
    return time(NULL) + clock_offset;
}

int core_clock_is_set(void)
{
    pthread_once(&clock_once, clock_init);
    return clock_set;
}

void core_clock_iso(time_t offset, char out[21])
{
    time_t t = core_clock_now() + offset;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void core_clock_today(char out[11])
{
    char iso[21];
    core_clock_iso(0, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}
