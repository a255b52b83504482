/*
 * report_reach.h — service reach and outcomes, counted and made safe to publish (docs/returns.md, "Service
 * reach and outcomes").
 *
 * What it is for: the council counts the families it reaches and how services helped, and publishes the
 * counts. For each calendar quarter of a period (the first and last clipped to it):
 *
 *   families_by_area       families reached (an episode open at some time in the quarter), by area (the
 *                          owning team of their latest episode in it); totals by quarter and by area
 *   families_by_need       families reached with a need identified under each Supporting Families headline
 *                          (a family has several: no totals)
 *   children_by_age        the children of the families reached (under 18 at the quarter's end, unborn, or
 *   children_by_sex        recorded as a child), by age band, by sex, by ethnicity (DfE main code); the three
 *   children_by_ethnicity  share their quarter totals, so they are protected together
 *   episodes_opened        episodes that began in the quarter
 *   episodes_closed        episodes that ended in it, by closure reason (the outcome)
 *   contact_to_decision    front-door contacts decided in it, by days from contact to decision
 *   reviews_on_time        Team Around the Family reviews held in it, on time (on or before the date the
 *                          previous review set) or late
 *
 * Every table goes through report_sdc (counts of 1 to 5 suppressed, secondary suppression, optional rounding
 * to the nearest 5). Tables that publish the same totals are protected together until every copy of a total
 * is suppressed alike. Restricted people are not counted; merged records are not people of their own.
 *
 * What it is not for: anything identified. Nothing here names or numbers a person; the caller (the route's
 * permission, the command line) decides who may ask, and records that they did.
 */
#ifndef HEARTH_REPORT_REACH_H
#define HEARTH_REPORT_REACH_H

#include <jansson.h>

#include "core/core_buf.h"
#include "core/core_error.h"
#include "report/report_sdc.h"
#include "store/store.h"

enum { REPORT_REACH_MAX_QUARTERS = 40 };

typedef struct report_reach {
    char from[11], to[11];
    int rounding;            /* 0, or the base published counts were rounded to (5) */
    report_table *tables;
    size_t ntables;
} report_reach;

/* Count and protect every table for the period from..to (YYYY-MM-DD, inclusive; at most 40 quarters);
 * rounding 0 or 5. CORE_E_INVALID_DATE / CORE_E_INVALID_VALUE for bad arguments; the store's error. */
int report_reach_build(store *s, core_arena *a, const char *from, const char *to, int rounding, report_reach *out,
                       core_error *err);

/* The published tables as JSON (a new reference): suppressed counts are "c". */
json_t *report_reach_json(const report_reach *r);

/* The published tables as CSV: table,unit,period,category,value ("Total" for a total, "c" suppressed). */
void report_reach_csv(const report_reach *r, core_buf *b);

#endif
