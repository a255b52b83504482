/*
 * report_annex.c — Ofsted's Annex A lists 1 and 2 (contract in report_annex.h; the rules in docs/returns.md).
 *
 * Reading guide: the two layouts; the statements that find each list's rows (the Annex A values come from the
 * reference lists in SQL, so a council's edits to those lists change the return); the collector, which
 * checks every mandatory cell; then the writers (CSV, XLSX) and the audit log.
 */
#include "report/report_annex.h"

#include <csv.h>
#include <jansson.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/core_date.h"

/* The columns, headers exactly as the template (Social Finance's Annex A specification, lists 1 and 2). */
static const report_annex_column LIST1_COLUMNS[] = {
    {"Child Unique ID", REPORT_COL_TEXT, 1},
    {"Gender", REPORT_COL_TEXT, 1},
    {"Ethnicity", REPORT_COL_TEXT, 1},
    {"Date of Birth", REPORT_COL_DATE, 0},
    {"Age of Child (Years)", REPORT_COL_INTEGER, 0},
    {"Date of Contact", REPORT_COL_DATE, 1},
    {"Contact Source", REPORT_COL_TEXT, 1},
};
static const report_annex_column LIST2_COLUMNS[] = {
    {"Child Unique ID", REPORT_COL_TEXT, 1},
    {"Gender", REPORT_COL_TEXT, 1},
    {"Ethnicity", REPORT_COL_TEXT, 1},
    {"Date of Birth", REPORT_COL_DATE, 0},
    {"Age of Child (Years)", REPORT_COL_INTEGER, 0},
    {"Assessment start date", REPORT_COL_DATE, 1},
    {"Assessment completion date", REPORT_COL_DATE, 0},
    {"Organisation completing assessment", REPORT_COL_TEXT, 1},
};

const report_annex_list report_annex_lists[REPORT_ANNEX_LISTS] = {
    {"List 1", "Contacts", sizeof LIST1_COLUMNS / sizeof LIST1_COLUMNS[0], LIST1_COLUMNS},
    {"List 2", "Early help", sizeof LIST2_COLUMNS / sizeof LIST2_COLUMNS[0], LIST2_COLUMNS},
};

/* The child's Annex A gender and ethnicity, shared by both lists: the person's sex through annexa_gender
 * (none recorded: U), and the ethnicity rolled up to its DfE main code (extended codes carry it as parent)
 * through annexa_ethnicity_letter (none recorded: NOBT, information not yet obtained). */
#define SQL_CHILD_CODES                                                                                          \
    "       p.id, p.restricted, coalesce(p.sex, 'U'), coalesce(p.ethnicity, 'NOBT'),\n"                          \
    "       (SELECT g.label FROM ref_code g WHERE g.list = 'annexa_gender' AND g.code = coalesce(p.sex, 'U')),\n" \
    "       (SELECT l.label\n"                                                                                 \
    "          FROM ref_code l\n"                                                                              \
    "         WHERE l.list = 'annexa_ethnicity_letter'\n"                                                     \
    "           AND l.code = coalesce((SELECT coalesce(e.parent, e.code)\n"                                     \
    "                                    FROM ref_code e\n"                                                     \
    "                                   WHERE e.list = 'ethnicity' AND e.code = p.ethnicity),\n"                \
    "                                 p.ethnicity, 'NOBT')),\n"                                                 \
    "       p.date_of_birth, p.expected_date,\n"

enum { C_ID, C_RESTRICTED, C_SEX, C_ETHNICITY, C_GENDER_A, C_ETHNICITY_A, C_DOB, C_EXPECTED, C_FIRST };

/* List 1: every child of every contact received in the window, in the order received. Returns the child's
 * codes, then the date of contact, its DfE source code and that code's Annex A value. */
static const char SQL_LIST1[] =
    "SELECT\n" SQL_CHILD_CODES
    "       c.received_on, c.source_code,\n"
    "       (SELECT s.label FROM ref_code s WHERE s.list = 'annexa_contact_source' AND s.code = c.source_code)\n"
    "  FROM contact c\n"
    "  JOIN contact_child cc ON cc.contact_id = c.id\n"
    "  JOIN person p ON p.id = cc.person_id\n"
    " WHERE c.received_on >= $1\n"
    "   AND c.received_on <= $2\n"
    "   AND p.merged_into IS NULL\n"
    " ORDER BY c.received_on, c.id, p.id";

enum { L1_RECEIVED = C_FIRST, L1_SOURCE, L1_SOURCE_A };

/* List 2: the assessments started in the window; for each episode open on the census date its latest
 * assessment begun by then, or, not yet assessed, the episode itself (its start and its owning team); each
 * with every member of the family, and the member's role (the collector keeps the children). Returns the
 * member's codes, then the role, the assessment's start, completion and organisation. */
static const char SQL_LIST2[] =
    "WITH open_episode AS (\n"
    "  SELECT e.id, e.start_date, e.owning_team_id\n"
    "    FROM episode e\n"
    "   WHERE e.start_date <= $2\n"
    "     AND (e.end_date IS NULL OR e.end_date > $2)\n"
    "), chosen AS (\n"
    "  SELECT s.episode_id, s.started_on, s.completed_on, s.organisation\n"
    "    FROM assessment s\n"
    "   WHERE s.started_on >= $1\n"
    "     AND s.started_on <= $2\n"
    "  UNION\n"
    "  SELECT s.episode_id, s.started_on, s.completed_on, s.organisation\n"
    "    FROM open_episode o\n"
    "    JOIN assessment s ON s.episode_id = o.id\n"
    "   WHERE s.started_on = (SELECT max(s2.started_on)\n"
    "                           FROM assessment s2\n"
    "                          WHERE s2.episode_id = o.id AND s2.started_on <= $2)\n"
    "  UNION\n"
    "  SELECT o.id, o.start_date, NULL, t.name\n"
    "    FROM open_episode o\n"
    "    JOIN team t ON t.id = o.owning_team_id\n"
    "   WHERE NOT EXISTS (SELECT 1 FROM assessment s WHERE s.episode_id = o.id AND s.started_on <= $2)\n"
    ")\n"
    "SELECT DISTINCT\n" SQL_CHILD_CODES
    "       fm.role, ch.started_on, ch.completed_on, ch.organisation\n"
    "  FROM chosen ch\n"
    "  JOIN episode e ON e.id = ch.episode_id\n"
    "  JOIN family_member fm ON fm.family_id = e.family_id\n"
    "  JOIN person p ON p.id = fm.person_id\n"
    " WHERE p.merged_into IS NULL\n"
    "   AND (fm.to_date IS NULL OR fm.to_date >= ch.started_on)\n"
    " ORDER BY ch.started_on, p.id";

enum { L2_ROLE = C_FIRST, L2_STARTED, L2_COMPLETED, L2_ORGANISATION };

typedef struct rows {
    report_annex_row *v;
    size_t n, cap;
} rows;

static report_annex_row *rows_push(core_arena *a, rows *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        report_annex_row *v = core_arena_alloc(a, cap * sizeof(*v));
        if (r->n)
            memcpy(v, r->v, r->n * sizeof(*v));
        r->v = v, r->cap = cap;
    }
    report_annex_row *row = &r->v[r->n++];
    memset(row, 0, sizeof(*row));
    return row;
}

static const char *text(core_arena *a, store_stmt *st, int col)
{
    const char *v = store_col_text(st, col, NULL);
    return v && v[0] ? core_arena_strdup(a, v) : NULL;
}

/* A value with no Annex A code: refused, naming the reference list to add it to (never the person). */
static int unmapped(core_error *err, const char *what, const char *code, const char *list)
{
    core_error_set(err, CORE_E_INVALID_VALUE, "the %s code '%s' has no Annex A value", what, code);
    return core_error_hint(err, "add it to the reference list %s (GET /api/v1/reference/%s)", list, list);
}

/* The child's first five columns: ID, gender, ethnicity, date of birth, age on the census date. */
static int child_cells(core_arena *a, store_stmt *st, core_date census, report_annex_row *row, core_error *err)
{
    row->person_id = store_col_int(st, C_ID);
    row->cells[0] = core_arena_printf(a, "%" PRId64, row->person_id);
    if (!(row->cells[1] = text(a, st, C_GENDER_A)))
        return unmapped(err, "sex", store_col_text(st, C_SEX, NULL), "annexa_gender");
    if (!(row->cells[2] = text(a, st, C_ETHNICITY_A)))
        return unmapped(err, "ethnicity", store_col_text(st, C_ETHNICITY, NULL), "annexa_ethnicity_letter");
    const char *dob = store_col_text(st, C_DOB, NULL);
    core_date b;
    if (dob && core_date_parse(dob, strlen(dob), &b) == 0) {
        row->cells[3] = core_arena_strdup(a, dob);
        int age = core_date_age_on(b, census);
        if (age >= 0)
            row->cells[4] = core_arena_printf(a, "%d", age);
    }
    return 0;
}

/* Is the family member a child on the census date? Under 18 by date of birth; an unborn child; without a
 * date of birth, one recorded as the family's child. */
static int is_child(store_stmt *st, core_date census)
{
    const char *dob = store_col_text(st, C_DOB, NULL);
    core_date b;
    if (dob && core_date_parse(dob, strlen(dob), &b) == 0)
        return core_date_age_on(b, census) >= 0 && core_date_age_on(b, census) < 18;
    if (store_col_text(st, C_EXPECTED, NULL))
        return 1;
    const char *role = store_col_text(st, L2_ROLE, NULL);
    return role && (strcmp(role, "child") == 0 || strcmp(role, "unborn") == 0);
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

int report_annex_collect(store *s, core_arena *a, const char *as_of, report_annex *out, core_error *err)
{
    memset(out, 0, sizeof(*out));
    core_date census;
    if (!as_of || core_date_parse(as_of, strlen(as_of), &census)) {
        core_error_set(err, CORE_E_INVALID_DATE, "the census date must be a date, YYYY-MM-DD");
        return core_error_hint(err, "for example 2026-11-23");
    }
    core_date from;
    if (core_date_add_months_checked(census, -6, &from))
        return core_error_set(err, CORE_E_INVALID_DATE, "the census date is too early");
    core_date_format(census, out->as_of);
    core_date_format(from, out->from);
    store_value p[] = {store_v_text(out->from), store_v_text(out->as_of)};
    rows r[REPORT_ANNEX_LISTS] = {{0}};
    store_stmt *st;
    int rc = store_query(s, a, SQL_LIST1, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (store_col_int(st, C_RESTRICTED)) {
            out->restricted++;
            continue;
        }
        report_annex_row *row = rows_push(a, &r[0]);
        if ((rc = child_cells(a, st, census, row, err)))
            break;
        row->cells[5] = text(a, st, L1_RECEIVED);
        if (!(row->cells[6] = text(a, st, L1_SOURCE)) || !(row->cells[6] = text(a, st, L1_SOURCE_A)))
            rc = unmapped(err, "contact source", store_col_text(st, L1_SOURCE, NULL) ? store_col_text(st, L1_SOURCE, NULL)
                                                                                    : "(none)",
                          "annexa_contact_source");
    }
    if (rc > 0)
        rc = 0;
    if (rc == 0)
        rc = store_query(s, a, SQL_LIST2, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (!is_child(st, census))
            continue;
        if (store_col_int(st, C_RESTRICTED)) {
            out->restricted++;
            continue;
        }
        report_annex_row *row = rows_push(a, &r[1]);
        if ((rc = child_cells(a, st, census, row, err)))
            break;
        row->cells[5] = text(a, st, L2_STARTED);
        const char *done = store_col_text(st, L2_COMPLETED, NULL);
        /* Completed after the census date: still open on it. */
        row->cells[6] = done && strcmp(done, out->as_of) <= 0 ? core_arena_strdup(a, done) : NULL;
        row->cells[7] = text(a, st, L2_ORGANISATION);
    }
    if (rc > 0)
        rc = 0;
    if (rc) {
        store_done(st);
        return rc;
    }
    /* Invariant 1: no mandatory cell blank. */
    for (int l = 0; l < REPORT_ANNEX_LISTS; l++)
        for (size_t i = 0; i < r[l].n; i++)
            for (size_t c = 0; c < report_annex_lists[l].ncolumns; c++)
                if (report_annex_lists[l].columns[c].mandatory && !r[l].v[i].cells[c]) {
                    core_error_set(err, CORE_E_INVALID_VALUE, "%s: '%s' is blank for a row",
                                   report_annex_lists[l].sheet, report_annex_lists[l].columns[c].header);
                    return core_error_hint(err, "record it on the child's record (person %" PRId64 ")",
                                           r[l].v[i].person_id);
                }
    size_t n = r[0].n + r[1].n, k = 0;
    int64_t *ids = core_arena_alloc(a, (n ? n : 1) * sizeof(*ids));
    for (int l = 0; l < REPORT_ANNEX_LISTS; l++) {
        out->rows[l] = r[l].v;
        out->nrows[l] = r[l].n;
        for (size_t i = 0; i < r[l].n; i++)
            ids[k++] = r[l].v[i].person_id;
    }
    qsort(ids, n, sizeof(*ids), cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || ids[u - 1] != ids[i])
            ids[u++] = ids[i];
    out->people = ids;
    out->npeople = u;
    return 0;
}

/* ---- writers ---- */

/* YYYY-MM-DD as DD/MM/YYYY. */
static void dmy(const char *iso, char out[11])
{
    snprintf(out, 11, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
}

static void csv_cell(core_buf *b, const char *s, int first)
{
    if (!first)
        core_buf_addch(b, ',');
    size_t n = strlen(s), cap = 2 * n + 2;
    char *q = core_xmalloc(cap);
    core_buf_add(b, q, csv_write(q, cap, s, n));
    free(q);
}

void report_annex_csv(const report_annex *x, int list, core_buf *b)
{
    const report_annex_list *l = &report_annex_lists[list];
    for (size_t c = 0; c < l->ncolumns; c++)
        csv_cell(b, l->columns[c].header, c == 0);
    core_buf_adds(b, "\r\n");
    for (size_t i = 0; i < x->nrows[list]; i++) {
        for (size_t c = 0; c < l->ncolumns; c++) {
            const char *v = x->rows[list][i].cells[c];
            char d[11];
            if (v && l->columns[c].type == REPORT_COL_DATE) {
                dmy(v, d);
                v = d;
            }
            csv_cell(b, v ? v : "", c == 0);
        }
        core_buf_adds(b, "\r\n");
    }
}

static int write_workbook(const report_annex *x, const char *path, core_error *err)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return core_error_set(err, CORE_E_IO, "cannot create the workbook");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd/mm/yyyy");
    lxw_error e = LXW_NO_ERROR;
    for (int l = 0; l < REPORT_ANNEX_LISTS && e == LXW_NO_ERROR; l++) {
        const report_annex_list *list = &report_annex_lists[l];
        lxw_worksheet *ws = workbook_add_worksheet(wb, list->sheet);
        if (!ws) {
            e = LXW_ERROR_MEMORY_MALLOC_FAILED;
            break;
        }
        for (size_t c = 0; c < list->ncolumns && e == LXW_NO_ERROR; c++) {
            double width = (double)strlen(list->columns[c].header) + 2;
            worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width < 12 ? 12 : width, NULL);
            e = worksheet_write_string(ws, 0, (lxw_col_t)c, list->columns[c].header, NULL);
        }
        for (size_t i = 0; i < x->nrows[l] && e == LXW_NO_ERROR; i++) {
            lxw_row_t r = (lxw_row_t)(i + 1);
            for (size_t c = 0; c < list->ncolumns && e == LXW_NO_ERROR; c++) {
                const char *v = x->rows[l][i].cells[c];
                if (!v)
                    continue; /* a blank cell */
                if (list->columns[c].type == REPORT_COL_DATE) {
                    lxw_datetime dt = {0};
                    dt.year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
                    dt.month = (v[5] - '0') * 10 + (v[6] - '0');
                    dt.day = (v[8] - '0') * 10 + (v[9] - '0');
                    e = worksheet_write_datetime(ws, r, (lxw_col_t)c, &dt, date);
                } else if (list->columns[c].type == REPORT_COL_INTEGER) {
                    e = worksheet_write_number(ws, r, (lxw_col_t)c, (double)strtol(v, NULL, 10), NULL);
                } else {
                    e = worksheet_write_string(ws, r, (lxw_col_t)c, v, NULL);
                }
            }
        }
    }
    lxw_error closed = workbook_close(wb);
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR)
        return core_error_set(err, CORE_E_IO, "cannot write the workbook: %s", lxw_strerror(e));
    return 0;
}

int report_annex_xlsx_file(const report_annex *x, const char *path, core_error *err)
{
    size_t n = strlen(path) + 8;
    char *tmp = core_xmalloc(n);
    snprintf(tmp, n, "%s.part", path);
    int rc = write_workbook(x, tmp, err);
    if (rc == 0 && (chmod(tmp, 0600) != 0 || rename(tmp, path) != 0))
        rc = core_error_set(err, CORE_E_IO, "cannot write %s", path);
    if (rc)
        remove(tmp);
    free(tmp);
    return rc;
}

int report_annex_xlsx_bytes(const report_annex *x, char **data, size_t *len, core_error *err)
{
    *data = NULL;
    *len = 0;
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/hearth-annex-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) /* mode 0700: nobody else reads the workbook while it exists */
        return core_error_set(err, CORE_E_IO, "cannot make a private temporary directory for the workbook");
    char path[4200];
    snprintf(path, sizeof path, "%s/annex-a.xlsx", dir);
    int rc = write_workbook(x, path, err);
    if (rc == 0) {
        FILE *f = fopen(path, "rb");
        core_buf b;
        core_buf_init(&b, (size_t)512 * 1024 * 1024);
        char chunk[65536];
        size_t got;
        while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
            core_buf_add(&b, chunk, got);
        if (!f || ferror(f) || !core_buf_ok(&b)) {
            rc = core_error_set(err, CORE_E_IO, "cannot read the workbook back");
            core_buf_release(&b);
        } else {
            *data = core_buf_detach(&b, len);
            core_buf_release(&b); /* detach leaves it empty, still to be released */
        }
        if (f)
            fclose(f);
    }
    remove(path);
    rmdir(dir);
    return rc;
}

/* ---- the audit ---- */

int report_annex_log(store *s, core_arena *a, const report_annex *x, const audit_event *ev, const char *format,
                     int64_t *last_outbox_id, core_error *err)
{
    json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s}", "via", "annex_a", "return", "annex_a", "as_of", x->as_of,
                          "from", x->from, "format", format);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!dj)
        return core_error_set(err, CORE_E_INTERNAL, "cannot describe the export for the audit trail");
    const char *detail = core_arena_strdup(a, dj);
    free(dj);
    int rc = store_begin(s, err);
    for (size_t i = 0; rc == 0 && i < x->npeople; i++) {
        audit_event e = {ev ? ev->actor_user_id : 0, ev ? ev->actor_role : NULL, "export", "person",
                         x->people[i], detail, ev ? ev->client_address : NULL};
        int64_t id = 0;
        rc = audit_outbox_add(s, &e, &id, err);
        if (rc == 0 && last_outbox_id && id > *last_outbox_id)
            *last_outbox_id = id;
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    return rc;
}
