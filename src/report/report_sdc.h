/*
 * report_sdc.h — published tables of counts, and the statistical disclosure control every one goes through
 * (docs/returns.md, "Disclosure control").
 *
 * What it is for: a table of counts (rows by columns, e.g. quarters by ethnicity) with, optionally, its row
 * totals, its column totals and (with both) the grand total. Before anything is published:
 *
 *   1. Primary suppression: every count (cell or total) from 1 to the threshold (5) is suppressed. Zero is
 *      published: it is not a small number of people.
 *   2. Secondary suppression: no suppressed count may be worked out from the totals. The published totals are
 *      linear equations over the counts (a row's cells sum to its total, ...). Seen as a graph — one node per
 *      equation (a row or column that has a total), one more for "no equation", and one edge per count
 *      joining the equations it is in — a suppressed count can be recovered exactly when its edge is a
 *      bridge of the graph of suppressed counts (cut it and the equations on one side give it). So while a
 *      suppressed edge is a bridge, the cheapest path of further counts that closes a cycle through it is
 *      suppressed too (cheapest: the smallest non-zero counts; zeros are never chosen, so every suppressed
 *      count is at least 1). Then every suppressed count lies on a cycle of suppressed counts, each at least 1:
 *      moving 1 around the cycle (+1, -1, ...) keeps every published total and every count non-negative, so
 *      each suppressed count has at least two values consistent with what is published.
 *   3. Optional rounding of every published count to the nearest multiple of a base (5), after suppression.
 *
 * Invariants:
 *   1. After report_sdc_protect() no count from 1 to the threshold is published, and no suppressed count's
 *      edge is a bridge.
 *   2. Suppression only grows: counts suppressed before the call (linked tables sharing totals) stay so.
 */
#ifndef HEARTH_REPORT_SDC_H
#define HEARTH_REPORT_SDC_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_arena.h"

enum {
    REPORT_SDC_THRESHOLD = 5,         /* DfE: counts of 1 to 5 suppressed */
    REPORT_SDC_THRESHOLD_ROUNDED = 7, /* with rounding to 5 (NHS Digital): 1 to 7, so nothing is published as 5 */
};

/* Why a count is not published. */
enum { REPORT_SDC_SHOWN = 0, REPORT_SDC_PRIMARY = 1, REPORT_SDC_SECONDARY = 2 };

typedef struct report_table {
    const char *code;           /* "children_by_ethnicity" */
    const char *title;          /* "Children reached, by ethnicity" */
    const char *unit;           /* "children" */
    size_t nrows, ncols;
    const char **row_labels;    /* nrows */
    const char **col_labels;    /* ncols */
    int row_totals, col_totals; /* which margins are published (the grand total with both) */
    /* (nrows + 1) x (ncols + 1), row-major: the counts, row nrows the column totals, column ncols the row
     * totals, [nrows][ncols] the grand total. */
    int64_t *v;
    unsigned char *sdc;         /* REPORT_SDC_* per count, same shape */
    int64_t *published;         /* what is published: the count, rounded when asked; -1 when suppressed */
} report_table;

/* A table of nrows x ncols counts, all zero, on a. */
void report_table_init(core_arena *a, report_table *t, size_t nrows, size_t ncols);
/* The count at (r, c); r == nrows and c == ncols address the totals. */
static inline int64_t *report_table_at(const report_table *t, size_t r, size_t c)
{
    return &t->v[r * (t->ncols + 1) + c];
}
/* Is (r, c) published at all (a cell, or a total the table has)? */
int report_table_has(const report_table *t, size_t r, size_t c);
/* Fill in the totals from the cells. */
void report_table_sum(report_table *t);

/* Suppress: primary (1..threshold) and secondary (see above), keeping what is suppressed already. Returns the
 * number of counts suppressed in all. */
size_t report_sdc_protect(report_table *t, int threshold);

/* Fill t->published: suppressed counts -1, others rounded to the nearest multiple of base (0 or 1: as they
 * are; halves round up). */
void report_sdc_publish(report_table *t, int base);

#endif
