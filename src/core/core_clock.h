/*
 * core_clock.h — the one clock Hearth's decisions read: what "now" and "today" are.
 *
 * What it is for: every rule that depends on the date — a footing that lapses some days after a case closes or
 * a contact is decided, a break-glass grant or duty that expires, a date of birth that may not be in the
 * future, the time stamped on a record or an audit entry — reads the time here, so that a test can set it.
 * What it is not for: measuring durations (CLOCK_MONOTONIC), or the second factor and session time-outs,
 * which follow the wall clock because the user's authenticator does (auth/ reads time() itself).
 *
 * The test clock. A build configured with -Dtest_clock=true (script/test's build) honours the environment
 * variable HEARTH_NOW=YYYY-MM-DDTHH:MM:SSZ: the clock reads that instant when the process first asks and
 * runs on from it at the wall clock's pace, so the suites give the same answers whatever the machine's date
 * (they pass under faketime with the clock moved a year either way). Any other build ignores HEARTH_NOW:
 * a deployed Hearth's clock cannot be set from its environment.
 *
 * Invariants
 *   1. core_clock_now() never goes backwards within a process while the wall clock does not.
 *   2. Without a test clock, core_clock_now() == time(NULL).
 *   3. A HEARTH_NOW that does not parse is ignored (the wall clock is used) and said once on stderr.
 */
#ifndef HEARTH_CORE_CLOCK_H
#define HEARTH_CORE_CLOCK_H

#include <time.h>

/* Seconds since the epoch, UTC. */
time_t core_clock_now(void);

/* 'YYYY-MM-DDTHH:MM:SSZ' into out (at least 21 bytes): now, or now plus offset seconds. */
void core_clock_iso(time_t offset, char out[21]);

/* 'YYYY-MM-DD' into out (at least 11 bytes): today, UTC. */
void core_clock_today(char out[11]);

/* 'YYYY-MM-DDTHH:MM:SSZ' (exactly: UTC, no fraction) into seconds since the epoch: 0, or -1 when it is not
 * such an instant. */
int core_clock_parse(const char *s, time_t *out);

/* 1 when this build honours HEARTH_NOW and it is set and valid. */
int core_clock_is_set(void);

#endif
