/*
 * demo_council.h — build a reproducible, realistic synthetic council in a new Hearth database.
 *
 * What it is for: the demo that `script/server` loads, fixtures for API tests, and load-test data
 * (100,000 families, about half a million people). Everything is synthetic (demo_names.h): NHS numbers in
 * the 999 test range, Ofcom drama-range phone numbers, example.* email addresses.
 *
 * Reproducibility: the same seed and the same as-of date build byte-for-byte the same rows (dates in the
 * council are placed relative to as_of, which defaults to today). Users' passwords come from the same
 * generator, so they are for demonstration only.
 */
#ifndef HEARTH_DEMO_COUNCIL_H
#define HEARTH_DEMO_COUNCIL_H

#include <stdint.h>
#include <stdio.h>

#include "core/core_date.h"
#include "core/core_error.h"
#include "store/store.h"

typedef struct demo_options {
    int64_t families;     /* 1..1,000,000 */
    uint64_t seed;
    core_date as_of;      /* "today" for the council */
    FILE *logins;         /* JSON array of demo users written here, or NULL */
    int progress;         /* nonzero: show progress on stderr */
} demo_options;

typedef struct demo_stats {
    int64_t people, families, contacts, episodes, notes, users;
} demo_stats;

/* Build the council into an empty, migrated database. CORE_E_CONFLICT when it already holds families. */
int demo_council_build(store *s, const demo_options *o, demo_stats *stats, core_error *err);

#endif
