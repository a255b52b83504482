/*
 * report_annex.h — Ofsted's Annex A, lists 1 (contacts) and 2 (early help), as councils submit them
 * (docs/returns.md states every rule).
 *
 * What it is for: on the first morning of an inspection the council sends the inspectors child-level lists of
 * the six months before the census date. Hearth writes lists 1 and 2 in the layout of the Annex A template
 * (the sheets "List 1" and "List 2", the column headers in their order, dates as DD/MM/YYYY, coded values
 * such as "a) Male", "a) WBRI", "q) 6: Police") as an XLSX workbook (libxlsxwriter) or as CSV, one list per
 * file.
 *
 *   List 1: one row per child per contact received in the window.
 *   List 2: one row per child per early help assessment started in the window, and per early help episode
 *           open on the census date (its latest assessment; an episode not yet assessed gives its own start
 *           date and owning team, so an open intervention is never missing).
 *
 * The coded values come from the reference lists (annexa_gender, annexa_ethnicity_letter,
 * annexa_contact_source; extended ethnicity codes roll up to their main code), which a council may edit:
 * nothing of Annex A's lettering is a constant here. A value with no Annex A code is refused, never sent
 * blank.
 *
 * What it is not for: deciding who may run it (the route's permission, or the command line) or recording it
 * (report_annex_log writes one audit event per child; the caller commits it before any byte leaves).
 *
 * Invariants:
 *   1. Every mandatory column of every row is filled (the collector refuses otherwise).
 *   2. People whose processing is restricted (UK GDPR art. 18) are left out and counted; merged records are
 *      not people of their own.
 *   3. The workbook written to a file is written beside it and renamed into place when complete.
 */
#ifndef HEARTH_REPORT_ANNEX_H
#define HEARTH_REPORT_ANNEX_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_error.h"
#include "store/store.h"

enum { REPORT_ANNEX_LISTS = 2, REPORT_ANNEX_MAX_COLUMNS = 8 };

typedef enum { REPORT_COL_TEXT, REPORT_COL_DATE, REPORT_COL_INTEGER } report_col_type;

typedef struct report_annex_column {
    const char *header;     /* exactly as the template */
    report_col_type type;
    int mandatory;          /* 1: never blank */
} report_annex_column;

typedef struct report_annex_list {
    const char *sheet;      /* "List 1" */
    const char *title;      /* "Contacts" */
    size_t ncolumns;
    const report_annex_column *columns;
} report_annex_list;

/* The two lists' layouts (index 0: list 1). */
extern const report_annex_list report_annex_lists[REPORT_ANNEX_LISTS];

/* One row: cells[i] is column i's value as text (dates YYYY-MM-DD, integers in decimal), NULL when blank. */
typedef struct report_annex_row {
    const char *cells[REPORT_ANNEX_MAX_COLUMNS];
    int64_t person_id;
} report_annex_row;

typedef struct report_annex {
    char as_of[11];         /* the census date */
    char from[11];          /* the window's first day: six months before the census date */
    report_annex_row *rows[REPORT_ANNEX_LISTS];
    size_t nrows[REPORT_ANNEX_LISTS];
    uint64_t restricted;    /* rows left out: the child's processing is restricted */
    int64_t *people;        /* the distinct children in either list, ascending (for the audit) */
    size_t npeople;
} report_annex;

/* Collect both lists for the census date as_of (YYYY-MM-DD) into *out, on arena a. CORE_E_INVALID_DATE for a
 * bad date; CORE_E_INVALID_VALUE (with the reference list to fix in the hint) for a value with no Annex A
 * code; the store's error. */
int report_annex_collect(store *s, core_arena *a, const char *as_of, report_annex *out, core_error *err);

/* List `list` (0 or 1) as CSV into b: the header row, then the rows; dates DD/MM/YYYY; CRLF line ends. */
void report_annex_csv(const report_annex *x, int list, core_buf *b);

/* Both lists as an XLSX workbook at path (written to path.part, then renamed). 0 or CORE_E_IO. */
int report_annex_xlsx_file(const report_annex *x, const char *path, core_error *err);

/* Both lists as an XLSX workbook in memory: *data is malloc'd (the caller frees it). libxlsxwriter writes
 * only to files, so the workbook is made in a private directory (mode 0700) of the temporary directory and
 * removed at once. 0 or CORE_E_IO. */
int report_annex_xlsx_bytes(const report_annex *x, char **data, size_t *len, core_error *err);

/* One audit outbox event per child in x (action "export", target the person, detail naming the return, its
 * census date and format) in one transaction on s; ev gives the actor, role and client address (its action,
 * target and detail are ignored). *last_outbox_id (may be NULL) gets the last outbox row's id. The caller
 * sends nothing before this returns 0. */
int report_annex_log(store *s, core_arena *a, const report_annex *x, const audit_event *ev, const char *format,
                     int64_t *last_outbox_id, core_error *err);

#endif
