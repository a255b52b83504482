/*
 * demo_partner.h — synthetic partner datasets about a demo council's people, as partners would send them:
 * CSV files with their own row keys, names recorded with the usual errors, and the attributes family
 * identification reads (migration 0008's example indicators).
 *
 * What it is for: `hearth demo partners`, which script/server uses to give the demo council imported
 * partner data, links and a review queue, and an identification list worth looking at. Everything is
 * synthetic, drawn from the council's own synthetic people plus invented people the council does not know.
 *
 * Files written into dir (created if absent), each with a mapping file NAME.json for `hearth import`:
 *   school_attendance.csv  children of school age (5-15): attendance_pct, persistent_absence
 *   police_incidents.csv   some adults and young people: domestic_abuse (Y/N), offending (Y/N)
 *   dwp_benefits.csv       most adults: out_of_work_benefit (yes/no)
 *   housing.csv            adults of some households: homelessness_risk (yes/no), rent_arrears (pounds)
 * A few families (about 1 in 12) carry needs under several headlines, so that the identification list puts
 * them forward; other families' values are drawn from the usual spread. About 1 row in 10 has an error a
 * partner's system makes (a surname typo, day and month swapped, a missing postcode), and about 1 row in 25
 * is a person the council does not know.
 *
 * Reproducibility: the same database, seed and as-of date write byte-for-byte the same files.
 */
#ifndef HEARTH_DEMO_PARTNER_H
#define HEARTH_DEMO_PARTNER_H

#include <stdint.h>
#include <stdio.h>

#include "core/core_date.h"
#include "core/core_error.h"
#include "store/store.h"

typedef struct demo_partner_stats {
    int64_t rows[4];      /* rows written per file, in the order above */
    int64_t unknown;      /* rows about people the council does not know */
    int64_t altered;      /* rows with a recording error */
} demo_partner_stats;

/* The four dataset names, in the order above. */
extern const char *const demo_partner_datasets[4];

/* Write the four files and their mappings into dir from the people of s, and to truth (may be NULL) a line
 * "ref,person_id" for every row about a person of the council (for measuring linkage). CORE_E_IO when dir or
 * a file cannot be written; CORE_E_INVALID_VALUE when the database holds no families. */
int demo_partner_write(store *s, const char *dir, uint64_t seed, core_date as_of, FILE *truth,
                       demo_partner_stats *st, core_error *err);

#endif
