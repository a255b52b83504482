/*
 * report_reach.c — service reach and outcomes (contract in report_reach.h; rules in docs/returns.md).
 *
 * Reading guide: the quarters of the period; the statements (each returns what one kind of count needs,
 * nothing identifying leaves this file); the categories (code lists read from the reference data, so a
 * table shows every category, zeros included); the counting; protection (linked tables together); then the
 * JSON and CSV writers.
 */
#include "report/report_reach.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_date.h"

/* Episodes open at some time in the period, by family, earliest first: the family, dates, owning team's name
 * and the closure reason's label. */
static const char SQL_EPISODES[] =
    "SELECT e.id, e.family_id, e.start_date, e.end_date, t.name, e.closure_reason\n"
    "  FROM episode e\n"
    "  JOIN team t ON t.id = e.owning_team_id\n"
    " WHERE e.start_date <= $2\n"
    "   AND (e.end_date IS NULL OR e.end_date >= $1)\n"
    " ORDER BY e.family_id, e.start_date, e.id";

/* Members of those families who are counted (not restricted, not merged): family, date of birth, expected
 * date, role, sex code (U when none), ethnicity main code (NOBT when none). */
static const char SQL_MEMBERS[] =
    "SELECT fm.family_id, p.date_of_birth, p.expected_date, fm.role, coalesce(p.sex, 'U'),\n"
    "       coalesce((SELECT coalesce(r.parent, r.code) FROM ref_code r\n"
    "                  WHERE r.list = 'ethnicity' AND r.code = p.ethnicity), 'NOBT')\n"
    "  FROM family_member fm\n"
    "  JOIN person p ON p.id = fm.person_id\n"
    " WHERE p.merged_into IS NULL\n"
    "   AND p.restricted = 0\n"
    "   AND fm.family_id IN (SELECT e.family_id FROM episode e\n"
    "                         WHERE e.start_date <= $2 AND (e.end_date IS NULL OR e.end_date >= $1))\n"
    " ORDER BY fm.family_id";

/* The headlines of the needs identified on each of those episodes, with when first identified. */
static const char SQL_NEEDS[] =
    "SELECT s.episode_id, n.headline, min(s.started_on)\n"
    "  FROM assessment_need n\n"
    "  JOIN assessment s ON s.id = n.assessment_id\n"
    "  JOIN episode e ON e.id = s.episode_id\n"
    " WHERE e.start_date <= $2\n"
    "   AND (e.end_date IS NULL OR e.end_date >= $1)\n"
    " GROUP BY s.episode_id, n.headline";

/* Contacts decided in the period: received and decided. */
static const char SQL_CONTACTS[] =
    "SELECT c.received_on, c.decision_date\n"
    "  FROM contact c\n"
    " WHERE c.decision_date >= $1\n"
    "   AND c.decision_date <= $2";

/* Reviews of episodes open in the period, in order within each episode: held on, and the next one's date. */
static const char SQL_REVIEWS[] =
    "SELECT r.episode_id, r.held_on, r.next_review_due\n"
    "  FROM review r\n"
    "  JOIN episode e ON e.id = r.episode_id\n"
    " WHERE e.start_date <= $2\n"
    "   AND (e.end_date IS NULL OR e.end_date >= $1)\n"
    " ORDER BY r.episode_id, r.held_on, r.id";

/* A code list's codes and labels, in order (top-level codes only). */
static const char SQL_CODES[] =
    "SELECT code, label FROM ref_code WHERE list = $1 AND parent IS NULL ORDER BY sort_order, code";

/* The headlines of the framework in force last (the newest effective_from). */
static const char SQL_HEADLINES[] =
    "SELECT h.code, h.label\n"
    "  FROM sf_headline h\n"
    " WHERE h.version = (SELECT f.version FROM sf_framework f ORDER BY f.effective_from DESC LIMIT 1)\n"
    " ORDER BY h.sort_order";

enum { T_AREA, T_NEED, T_AGE, T_SEX, T_ETHNICITY, T_OPENED, T_CLOSED, T_DECISION, T_REVIEWS, NTABLES };

static const char *const AGE_BANDS[] = {"Unborn", "0 to 4", "5 to 10", "11 to 15", "16 to 17", "Not known"};
static const char *const DECISION_BANDS[] = {"Same day", "Next day", "2 to 5 days", "Over 5 days"};
static const char *const REVIEW_BANDS[] = {"On time", "Late"};

typedef struct codes {
    const char **code, **label;
    size_t n;
} codes;

static int load_codes(store *s, core_arena *a, const char *sql, const char *list, codes *out, core_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t cap = 64;
    out->code = core_arena_alloc(a, cap * sizeof(char *));
    out->label = core_arena_alloc(a, cap * sizeof(char *));
    store_value p[] = {store_v_text(list)};
    store_stmt *st;
    int rc = store_query(s, a, sql, p, list ? 1 : 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (out->n == cap)
            continue; /* a list longer than a table should be: the rest fall under no column */
        out->code[out->n] = core_arena_strdup(a, store_col_text(st, 0, NULL));
        out->label[out->n++] = core_arena_strdup(a, store_col_text(st, 1, NULL));
    }
    return rc < 0 ? rc : 0;
}

static long code_index(const codes *c, const char *code)
{
    for (size_t i = 0; code && i < c->n; i++)
        if (strcmp(c->code[i], code) == 0)
            return (long)i;
    return -1;
}

/* ---- quarters ---- */

typedef struct quarters {
    size_t n;
    int32_t start[REPORT_REACH_MAX_QUARTERS], end[REPORT_REACH_MAX_QUARTERS]; /* days, clipped to the period */
    const char *label[REPORT_REACH_MAX_QUARTERS];
} quarters;

static int days_of(const char *iso, int32_t *out)
{
    core_date d;
    if (!iso || core_date_parse(iso, strlen(iso), &d))
        return -1;
    *out = core_date_to_days(d);
    return 0;
}

/* The quarter (index) holding day d, or -1. */
static long quarter_of(const quarters *q, int32_t d)
{
    for (size_t i = 0; i < q->n; i++)
        if (d >= q->start[i] && d <= q->end[i])
            return (long)i;
    return -1;
}

static int make_quarters(core_arena *a, const char *from, const char *to, quarters *q, core_error *err)
{
    core_date f, t;
    if (!from || !to || core_date_parse(from, strlen(from), &f) || core_date_parse(to, strlen(to), &t)) {
        core_error_set(err, CORE_E_INVALID_DATE, "the period must be two dates, YYYY-MM-DD");
        return core_error_hint(err, "for example 2025-04-01..2026-03-31");
    }
    if (core_date_cmp(f, t) > 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "the period ends before it starts");
    memset(q, 0, sizeof(*q));
    core_date qs = {f.y, (int8_t)((f.m - 1) / 3 * 3 + 1), 1};
    while (core_date_cmp(qs, t) <= 0) {
        if (q->n == REPORT_REACH_MAX_QUARTERS) {
            core_error_set(err, CORE_E_INVALID_VALUE, "the period is longer than %d quarters",
                           REPORT_REACH_MAX_QUARTERS);
            return core_error_hint(err, "ask for ten years or less at a time");
        }
        core_date next = core_date_add_months(qs, 3);
        int32_t s = core_date_to_days(qs), e = core_date_to_days(next) - 1;
        q->start[q->n] = s < core_date_to_days(f) ? core_date_to_days(f) : s;
        q->end[q->n] = e > core_date_to_days(t) ? core_date_to_days(t) : e;
        q->label[q->n++] = core_arena_printf(a, "%d Q%d", qs.y, (qs.m - 1) / 3 + 1);
        qs = next;
    }
    return 0;
}

/* ---- counting ---- */

typedef struct episode {
    int64_t id, family;
    int32_t start, end; /* end INT32_MAX: open */
    long area;
    long reason;
    uint32_t needs;            /* headlines identified (bits), and when first */
    int32_t need_from[32];
} episode;

static int cmp_episode_id(const void *x, const void *y)
{
    const episode *a = *(episode *const *)x, *b = *(episode *const *)y;
    return (a->id > b->id) - (a->id < b->id);
}

static void init_table(core_arena *a, report_table *t, const quarters *q, const char *code, const char *title,
                       const char *unit, size_t ncols, const char *const *labels, int row_totals, int col_totals)
{
    report_table_init(a, t, q->n, ncols);
    t->code = code, t->title = title, t->unit = unit;
    t->row_totals = row_totals, t->col_totals = col_totals;
    for (size_t i = 0; i < q->n; i++)
        t->row_labels[i] = q->label[i];
    for (size_t c = 0; c < ncols; c++)
        t->col_labels[c] = labels[c];
}

static void bump(report_table *t, long r, long c)
{
    if (r >= 0 && c >= 0)
        (*report_table_at(t, (size_t)r, (size_t)c))++;
}

/* Protect tables that publish the same quarter totals and grand total together: a total suppressed in one is
 * suppressed in all, and each is protected again, until nothing changes. */
static void protect_linked(report_table **t, size_t n, int threshold)
{
    for (size_t i = 0; i < n; i++)
        report_sdc_protect(t[i], threshold);
    for (int changed = 1; changed;) {
        changed = 0;
        size_t rows = t[0]->nrows;
        for (size_t r = 0; r <= rows; r++) {
            int any = 0;
            for (size_t i = 0; i < n; i++)
                any |= t[i]->sdc[r * (t[i]->ncols + 1) + t[i]->ncols] != 0;
            for (size_t i = 0; any && i < n; i++) {
                unsigned char *m = &t[i]->sdc[r * (t[i]->ncols + 1) + t[i]->ncols];
                if (!*m) {
                    *m = REPORT_SDC_SECONDARY;
                    changed = 1;
                }
            }
        }
        if (changed)
            for (size_t i = 0; i < n; i++)
                report_sdc_protect(t[i], threshold);
    }
}

int report_reach_build(store *s, core_arena *a, const char *from, const char *to, int rounding, report_reach *out,
                       core_error *err)
{
    memset(out, 0, sizeof(*out));
    if (rounding != 0 && rounding != 5)
        return core_error_set(err, CORE_E_INVALID_VALUE, "rounding is to the nearest 5, or none");
    quarters q;
    int rc = make_quarters(a, from, to, &q, err);
    if (rc)
        return rc;
    snprintf(out->from, sizeof out->from, "%s", from);
    snprintf(out->to, sizeof out->to, "%s", to);
    out->rounding = rounding;
    codes sex, eth, reason, head, areas = {0};
    if ((rc = load_codes(s, a, SQL_CODES, "sex", &sex, err)) || (rc = load_codes(s, a, SQL_CODES, "ethnicity", &eth, err)) ||
        (rc = load_codes(s, a, SQL_CODES, "closure_reason", &reason, err)) ||
        (rc = load_codes(s, a, SQL_HEADLINES, NULL, &head, err)))
        return rc;
    if (head.n > 32)
        head.n = 32;

    /* Episodes, and the areas (owning teams) they name, in the order met. */
    store_value p[] = {store_v_text(from), store_v_text(to)};
    size_t ne = 0, cap = 1024;
    episode *ep = core_arena_alloc(a, cap * sizeof(*ep)); /* everything on the caller's arena (a request's) */
    areas.code = core_arena_alloc(a, 256 * sizeof(char *));
    areas.label = areas.code;
    store_stmt *st;
    rc = store_query(s, a, SQL_EPISODES, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (ne == cap) {
            episode *more = core_arena_alloc(a, 2 * cap * sizeof(*more));
            memcpy(more, ep, cap * sizeof(*ep));
            ep = more, cap *= 2;
        }
        episode *e = &ep[ne];
        memset(e, 0, sizeof(*e));
        e->id = store_col_int(st, 0);
        e->family = store_col_int(st, 1);
        if (days_of(store_col_text(st, 2, NULL), &e->start))
            continue;
        if (days_of(store_col_text(st, 3, NULL), &e->end))
            e->end = INT32_MAX;
        const char *team = store_col_text(st, 4, NULL);
        e->area = code_index(&areas, team);
        if (e->area < 0 && areas.n < 256) {
            areas.code[areas.n] = core_arena_strdup(a, team);
            e->area = (long)areas.n++;
        }
        e->reason = code_index(&reason, store_col_text(st, 5, NULL));
        ne++;
    }
    /* Needs, onto their episodes (found by id). */
    episode **by_id = core_arena_alloc(a, (ne ? ne : 1) * sizeof(*by_id));
    for (size_t i = 0; i < ne; i++)
        by_id[i] = &ep[i];
    qsort(by_id, ne, sizeof(*by_id), cmp_episode_id);
    if (rc == 0)
        rc = store_query(s, a, SQL_NEEDS, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        episode key = {.id = store_col_int(st, 0)}, *kp = &key;
        episode **hit = bsearch(&kp, by_id, ne, sizeof(*by_id), cmp_episode_id);
        long h = code_index(&head, store_col_text(st, 1, NULL));
        int32_t d;
        if (hit && h >= 0 && days_of(store_col_text(st, 2, NULL), &d) == 0) {
            (*hit)->needs |= 1u << h;
            (*hit)->need_from[h] = d;
        }
    }

    report_table *t = core_arena_calloc(a, NTABLES, sizeof(*t));
    init_table(a, &t[T_AREA], &q, "families_by_area", "Families reached, by area", "families", areas.n, areas.code,
               1, 1);
    init_table(a, &t[T_NEED], &q, "families_by_need", "Families reached, by need identified", "families", head.n,
               head.label, 0, 0);
    init_table(a, &t[T_AGE], &q, "children_by_age", "Children reached, by age", "children", 6, AGE_BANDS, 1, 1);
    init_table(a, &t[T_SEX], &q, "children_by_sex", "Children reached, by sex", "children", sex.n, sex.label, 1, 1);
    init_table(a, &t[T_ETHNICITY], &q, "children_by_ethnicity", "Children reached, by ethnicity", "children", eth.n,
               eth.label, 1, 1);
    static const char *const opened[] = {"Opened"};
    init_table(a, &t[T_OPENED], &q, "episodes_opened", "Early help episodes opened", "episodes", 1, opened, 0, 1);
    init_table(a, &t[T_CLOSED], &q, "episodes_closed", "Early help episodes closed, by outcome", "episodes", reason.n,
               reason.label, 1, 1);
    init_table(a, &t[T_DECISION], &q, "contact_to_decision", "Contacts decided, by time from contact to decision",
               "contacts", 4, DECISION_BANDS, 1, 1);
    init_table(a, &t[T_REVIEWS], &q, "reviews_on_time", "Team Around the Family reviews held, on time or late",
               "reviews", 2, REVIEW_BANDS, 1, 1);

    /* Families by quarter: the latest episode open in the quarter gives the area; needs from all of them. */
    long *fam_area = core_arena_alloc(a, q.n * sizeof(*fam_area));
    uint32_t *fam_needs = core_arena_alloc(a, q.n * sizeof(*fam_needs));
    size_t i = 0;
    if (rc == 0)
        rc = store_query(s, a, SQL_MEMBERS, p, 2, &st, err);
    int have_member = rc == 0 ? store_next(st, err) : 0;
    if (have_member < 0)
        rc = have_member;
    while (rc == 0 && i < ne) {
        size_t j = i;
        int64_t family = ep[i].family;
        for (size_t k = 0; k < q.n; k++)
            fam_area[k] = -1, fam_needs[k] = 0;
        for (; j < ne && ep[j].family == family; j++) {
            episode *e = &ep[j];
            for (size_t k = 0; k < q.n; k++) {
                if (e->start > q.end[k] || e->end < q.start[k])
                    continue;
                fam_area[k] = e->area; /* episodes come earliest first: the last one met is the latest */
                for (size_t h = 0; h < head.n; h++)
                    if ((e->needs >> h & 1u) && e->need_from[h] <= q.end[k])
                        fam_needs[k] |= 1u << h;
            }
            bump(&t[T_OPENED], quarter_of(&q, e->start), 0);
            if (e->end != INT32_MAX)
                bump(&t[T_CLOSED], quarter_of(&q, e->end), e->reason);
        }
        for (size_t k = 0; k < q.n; k++) {
            bump(&t[T_AREA], fam_area[k] >= 0 ? (long)k : -1, fam_area[k]);
            for (size_t h = 0; h < head.n; h++)
                if (fam_needs[k] >> h & 1u)
                    bump(&t[T_NEED], (long)k, (long)h);
        }
        /* The family's members (the statement is ordered by family too). */
        while (have_member == 1 && store_col_int(st, 0) < family)
            have_member = store_next(st, err);
        for (; have_member == 1 && store_col_int(st, 0) == family; have_member = store_next(st, err)) {
            int32_t dob = 0;
            int has_dob = days_of(store_col_text(st, 1, NULL), &dob) == 0;
            int unborn = !has_dob && store_col_text(st, 2, NULL);
            const char *role = store_col_text(st, 3, NULL);
            long sx = code_index(&sex, store_col_text(st, 4, NULL)), et = code_index(&eth, store_col_text(st, 5, NULL));
            for (size_t k = 0; k < q.n; k++) {
                if (fam_area[k] < 0)
                    continue;
                long band;
                if (has_dob) {
                    if (dob > q.end[k])
                        band = 0; /* not born yet at the quarter's end */
                    else {
                        int age = core_date_age_on(core_date_from_days(dob), core_date_from_days(q.end[k]));
                        band = age < 5 ? 1 : age < 11 ? 2 : age < 16 ? 3 : age < 18 ? 4 : -1;
                    }
                } else if (unborn) {
                    band = 0;
                } else {
                    band = role && strcmp(role, "child") == 0 ? 5 : -1;
                }
                if (band < 0)
                    continue; /* an adult */
                bump(&t[T_AGE], (long)k, band);
                bump(&t[T_SEX], (long)k, sx);
                bump(&t[T_ETHNICITY], (long)k, et);
            }
        }
        if (have_member < 0)
            rc = have_member;
        i = j;
    }
    if (have_member == 1)
        store_done(st);
    /* Contacts: days from contact to decision. */
    if (rc == 0)
        rc = store_query(s, a, SQL_CONTACTS, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        int32_t r, d;
        if (days_of(store_col_text(st, 0, NULL), &r) || days_of(store_col_text(st, 1, NULL), &d))
            continue;
        int gap = d - r;
        bump(&t[T_DECISION], quarter_of(&q, d), gap <= 0 ? 0 : gap == 1 ? 1 : gap <= 5 ? 2 : 3);
    }
    /* Reviews: each against the date the previous review of its episode set. */
    int64_t last_episode = 0;
    int32_t due = 0;
    int has_due = 0;
    if (rc == 0)
        rc = store_query(s, a, SQL_REVIEWS, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        int64_t e = store_col_int(st, 0);
        int32_t held;
        if (e != last_episode)
            has_due = 0, last_episode = e;
        if (days_of(store_col_text(st, 1, NULL), &held))
            continue;
        if (has_due)
            bump(&t[T_REVIEWS], quarter_of(&q, held), held <= due ? 0 : 1);
        has_due = days_of(store_col_text(st, 2, NULL), &due) == 0;
    }
    if (rc < 0)
        return rc;

    for (size_t k = 0; k < NTABLES; k++)
        report_table_sum(&t[k]);
    /* Rounded to 5, counts of 6 and 7 would be published as 5: the threshold becomes 7, so the least count
     * published is 10 (NHS Digital's rule: 1 to 7 suppressed, 8 and over rounded to the nearest 5). */
    int threshold = rounding ? REPORT_SDC_THRESHOLD_ROUNDED : REPORT_SDC_THRESHOLD;
    report_table *children[] = {&t[T_AGE], &t[T_SEX], &t[T_ETHNICITY]};
    protect_linked(children, 3, threshold);
    for (size_t k = 0; k < NTABLES; k++) {
        if (k != T_AGE && k != T_SEX && k != T_ETHNICITY)
            report_sdc_protect(&t[k], threshold);
        report_sdc_publish(&t[k], rounding);
    }
    out->tables = t;
    out->ntables = NTABLES;
    return 0;
}

/* ---- writers ---- */

static json_t *value(const report_table *t, size_t r, size_t c)
{
    int64_t v = t->published[r * (t->ncols + 1) + c];
    return v < 0 ? json_string("c") : json_integer(v);
}

json_t *report_reach_json(const report_reach *rr)
{
    json_t *tables = json_array();
    for (size_t k = 0; k < rr->ntables; k++) {
        const report_table *t = &rr->tables[k];
        json_t *cats = json_array(), *rows = json_array();
        for (size_t c = 0; c < t->ncols; c++)
            json_array_append_new(cats, json_string(t->col_labels[c]));
        for (size_t r = 0; r <= t->nrows; r++) {
            if (r == t->nrows && !t->col_totals)
                break;
            json_t *vals = json_array();
            for (size_t c = 0; c < t->ncols; c++)
                json_array_append_new(vals, value(t, r, c));
            json_t *row = json_pack("{s:s,s:o}", "period", r < t->nrows ? t->row_labels[r] : "Total", "values", vals);
            if (report_table_has(t, r, t->ncols))
                json_object_set_new(row, "total", value(t, r, t->ncols));
            json_array_append_new(rows, row);
        }
        json_array_append_new(tables, json_pack("{s:s,s:s,s:s,s:b,s:b,s:o,s:o}", "code", t->code, "title", t->title,
                                                "unit", t->unit, "row_totals", t->row_totals, "column_totals",
                                                t->col_totals, "categories", cats, "rows", rows));
    }
    return json_pack("{s:s,s:s,s:i,s:o,s:o,s:o}", "from", rr->from, "to", rr->to, "threshold",
                     rr->rounding ? REPORT_SDC_THRESHOLD_ROUNDED : REPORT_SDC_THRESHOLD,
                     "rounding", rr->rounding ? json_integer(rr->rounding) : json_null(), "suppressed",
                     json_string("c: a small count (1 to the threshold), or one that would reveal such a count "
                                 "from the totals"),
                     "tables", tables);
}

static void cell(core_buf *b, const char *s, int first)
{
    if (!first)
        core_buf_addch(b, ',');
    size_t n = strlen(s), cap = 2 * n + 2;
    char *q = core_xmalloc(cap);
    core_buf_add(b, q, csv_write(q, cap, s, n));
    free(q);
}

void report_reach_csv(const report_reach *rr, core_buf *b)
{
    core_buf_adds(b, "table,unit,period,category,value\r\n");
    for (size_t k = 0; k < rr->ntables; k++) {
        const report_table *t = &rr->tables[k];
        for (size_t r = 0; r <= t->nrows; r++)
            for (size_t c = 0; c <= t->ncols; c++) {
                if (!report_table_has(t, r, c))
                    continue;
                int64_t v = t->published[r * (t->ncols + 1) + c];
                char num[24];
                snprintf(num, sizeof num, "%lld", (long long)v);
                cell(b, t->code, 1);
                cell(b, t->unit, 0);
                cell(b, r < t->nrows ? t->row_labels[r] : "Total", 0);
                cell(b, c < t->ncols ? t->col_labels[c] : "Total", 0);
                cell(b, v < 0 ? "c" : num, 0);
                core_buf_adds(b, "\r\n");
            }
    }
}
