/*
 * report_national.c — the national evaluation extract and its disclosure log (contract in report.h).
 *
 * Reading guide: the statement that finds the people in scope, the columns each of the share's fields brings,
 * building the CSV and sealing it, then the log.
 *
 * In scope: every member of a family with an episode on the programme (programme_id set) whose programme ran
 * in the period (started on or before its end, and not ended before its start). Merged records are not people
 * of their own. A person on two programmes is one row per programme, and one disclosure.
 */
#include "report/report.h"

#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/core_buf.h"
#include "core/core_clock.h"
#include "core/core_date.h"
#include "model/model.h"

static const char SQL_IN_SCOPE[] =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex, p.nino, p.upn, p.nhs_number,\n"
    "       p.restricted, p.objects_research, fm.family_id, e.programme_id, e.programme_start, e.programme_end,\n"
    "       (SELECT a.postcode\n"
    "          FROM person_address a\n"
    "         WHERE a.person_id = p.id AND a.to_date IS NULL\n"
    "         ORDER BY a.id DESC\n"
    "         LIMIT 1),\n"
    "       (SELECT string_agg(headline, ';')\n"
    "          FROM (SELECT DISTINCT n.headline\n"
    "                  FROM assessment_need n\n"
    "                  JOIN assessment s ON s.id = n.assessment_id\n"
    "                 WHERE s.episode_id = e.id\n"
    "                   AND (n.person_id IS NULL OR n.person_id = p.id)\n"
    "                 ORDER BY n.headline) AS headlines)\n"
    "  FROM episode e\n"
    "  JOIN family_member fm ON fm.family_id = e.family_id\n"
    "  JOIN person p ON p.id = fm.person_id\n"
    " WHERE e.programme_id IS NOT NULL\n"
    "   AND e.programme_start IS NOT NULL\n"
    "   AND e.programme_start <= $2\n"
    "   AND (e.programme_end IS NULL OR e.programme_end >= $1)\n"
    "   AND p.merged_into IS NULL\n"
    " ORDER BY e.id, p.id";

enum { C_ID, C_GIVEN, C_FAMILY_NAME, C_DOB, C_SEX, C_NINO, C_UPN, C_NHS, C_RESTRICTED, C_OBJECTS, C_FAMILY,
       C_PROGRAMME, C_START, C_END, C_POSTCODE, C_NEEDS, C_FAMILY_NEEDS };

static const char SQL_LOG[] =
    "INSERT INTO disclosure (extract_ref, recipient, dataset, person_id, family_id, fields, legal_basis,\n"
    "                        period_from, period_to, disclosed_on, destroy_due, created_at, created_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)\n"
    "RETURNING id";

/* What each of the share's field codes brings to the file: its columns and where they come from. A code the
 * extract cannot fill (services, outcomes) is refused rather than sent empty. */
static const struct field {
    const char *code;
    const char *columns[2];
    int cols[2];
    int direct;       /* a direct identifier: never in a pseudonymised share */
    int person_level; /* about one person (else the family's, or the programme's) */
} FIELDS[] = {
    {"name", {"given_name", "family_name"}, {C_GIVEN, C_FAMILY_NAME}, 1, 1},
    {"date_of_birth", {"date_of_birth", NULL}, {C_DOB, -1}, 0, 1},
    {"postcode", {"postcode", NULL}, {C_POSTCODE, -1}, 0, 1},
    {"programme_id", {NULL, NULL}, {-1, -1}, 0, 0}, /* always there: the programme reference */
    {"programme_start", {"programme_start", NULL}, {C_START, -1}, 0, 0},
    {"programme_end", {"programme_end", NULL}, {C_END, -1}, 0, 0},
    {"nino", {"nino", NULL}, {C_NINO, -1}, 1, 1},
    {"upn", {"upn", NULL}, {C_UPN, -1}, 1, 1},
    {"nhs_number", {"nhs_number", NULL}, {C_NHS, -1}, 1, 1},
    {"family_reference", {NULL, NULL}, {-1, -1}, 0, 0}, /* always there */
    {"needs", {"needs_by_headline", NULL}, {C_NEEDS, -1}, 0, 0},
};

static const struct field *field_named(const char *code)
{
    for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++)
        if (strcmp(FIELDS[i].code, code) == 0)
            return &FIELDS[i];
    return NULL;
}

static const json_t *find_share(const policy *p, const char *code)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(p->doc, "research_shares"), i, s)
    {
        const char *c = json_string_value(json_object_get(s, "code"));
        if (!code || (c && strcmp(c, code) == 0))
            return s;
    }
    return NULL;
}

int report_share_pseudonymised(const policy *p, const char *share)
{
    const json_t *s = find_share(p, share);
    return s ? json_is_true(json_object_get(s, "pseudonymised")) : -1;
}

/* A date of birth as its month; a postcode as its sector (outward code and the inward code's digit). */
static const char *coarsen(core_arena *a, int col, const char *v)
{
    if (!v)
        return "";
    if (col == C_DOB)
        return core_arena_printf(a, "%.7s", v);
    if (col == C_POSTCODE) {
        const char *sp = strchr(v, ' ');
        return sp && sp[1] ? core_arena_printf(a, "%.*s", (int)(sp - v) + 2, v) : "";
    }
    return v;
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

static int check_period(const char *from, const char *to, core_error *err)
{
    core_date f, t;
    if (!from || !to || core_date_parse(from, strlen(from), &f) || core_date_parse(to, strlen(to), &t)) {
        core_error_set(err, CORE_E_INVALID_DATE, "the period must be two dates, YYYY-MM-DD");
        return core_error_hint(err, "for example --period 2025-04-01..2026-03-31");
    }
    if (core_date_cmp(f, t) > 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "the period ends before it starts");
    return 0;
}

/* The people in the extract, for the log (report_national_log): kept on the result's arena. */
typedef struct disclosed {
    int64_t *person, *family;
    size_t n, cap;
} disclosed;

static int disclosed_has_family(const disclosed *d, int64_t family)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->family[i] == family)
            return 1;
    return 0;
}

static void disclosed_add(core_arena *a, disclosed *d, int64_t person, int64_t family)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->person[i] == person)
            return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        int64_t *p = core_arena_alloc(a, cap * sizeof(*p)), *f = core_arena_alloc(a, cap * sizeof(*f));
        if (d->n) {
            memcpy(p, d->person, d->n * sizeof(*p));
            memcpy(f, d->family, d->n * sizeof(*f));
        }
        d->person = p, d->family = f, d->cap = cap;
    }
    d->person[d->n] = person;
    d->family[d->n++] = family;
}

int report_national_build(store *s, core_arena *a, const report_national_options *o, unsigned char **sealed,
                          size_t *sealed_len, report_national_result *res, core_error *err)
{
    memset(res, 0, sizeof(*res));
    *sealed = NULL;
    *sealed_len = 0;
    int rc = check_period(o->from, o->to, err);
    if (rc)
        return rc;
    const json_t *share = find_share(o->policy, o->share);
    if (!share) {
        core_error_set(err, CORE_E_INVALID_VALUE, o->share ? "the policy has no research share '%s'"
                                                           : "the policy has no research share%s",
                       o->share ? o->share : "");
        return core_error_hint(err, "a council's research shares are declared in its policy file (docs/policy.md)");
    }
    res->share = json_string_value(json_object_get(share, "code"));
    res->recipient = json_string_value(json_object_get(share, "recipient"));
    /* The columns: the references always, then exactly the share's fields, in its order. */
    const struct field *fields[32];
    size_t nf = 0;
    size_t i;
    json_t *f;
    int pseudo = json_is_true(json_object_get(share, "pseudonymised")), person_level = 0;
    if (pseudo && !o->research_key)
        return core_error_set(err, CORE_E_INTERNAL, "a pseudonymised share needs the research key");
    json_array_foreach(json_object_get(share, "fields"), i, f)
    {
        const struct field *x = field_named(json_string_value(f));
        if (!x)
            return core_error_set(err, CORE_E_INVALID_VALUE, "the share's field '%s' is not one an extract can fill",
                                  json_string_value(f));
        if (pseudo && x->direct) {
            core_error_set(err, CORE_E_INVALID_VALUE, "the share is pseudonymised but lists '%s', a direct "
                                                      "identifier", x->code);
            return core_error_hint(err, "take it out of the share's fields in the policy, or mark the share not "
                                        "pseudonymised (and say so in the notice)");
        }
        person_level |= x->person_level;
        if (nf < sizeof(fields) / sizeof(fields[0]))
            fields[nf++] = x;
    }
    core_buf csv;
    core_buf_init(&csv, (size_t)256 * 1024 * 1024);
    /* A pseudonymised share of family-level fields only is one row per family: no person reference. */
    int per_family = pseudo && !person_level;
    const char *fixed[] = {"la_code", "programme_id", "family_reference", "person_reference"};
    for (int k = 0; k < (per_family ? 3 : 4); k++)
        csv_cell(&csv, fixed[k], k == 0);
    for (size_t k = 0; k < nf; k++)
        for (int c = 0; c < 2; c++)
            if (fields[k]->columns[c])
                csv_cell(&csv, fields[k]->columns[c], 0);
    core_buf_adds(&csv, "\r\n");

    disclosed *d = core_arena_alloc(a, sizeof(*d));
    memset(d, 0, sizeof(*d));
    store_value p[] = {store_v_text(o->from), store_v_text(o->to)};
    store_stmt *st;
    if ((rc = store_query(s, a, SQL_IN_SCOPE, p, 2, &st, err))) {
        core_buf_release(&csv);
        return rc;
    }
    while ((rc = store_next(st, err)) == 1) {
        if (store_col_int(st, C_RESTRICTED)) {
            res->restricted++;
            continue;
        }
        if (store_col_int(st, C_OBJECTS)) {
            res->objected++;
            continue;
        }
        int64_t person = store_col_int(st, C_ID), family = store_col_int(st, C_FAMILY);
        const char *prog = store_col_text(st, C_PROGRAMME, NULL);
        int64_t episode_key = 0; /* a programme id pseudonymised: by its text's position is not stable, so by hash */
        char fref[REPORT_PSEUDONYM_SIZE + 8], pref[REPORT_PSEUDONYM_SIZE + 8], gref[REPORT_PSEUDONYM_SIZE + 8];
        if (pseudo) {
            unsigned char h[8];
            crypto_generichash(h, sizeof h, (const unsigned char *)(prog ? prog : ""), prog ? strlen(prog) : 0, NULL,
                               0);
            memcpy(&episode_key, h, sizeof episode_key);
            report_pseudonym(o->research_key, res->recipient ? res->recipient : "", "programme", episode_key, gref);
            report_pseudonym(o->research_key, res->recipient ? res->recipient : "", "family", family, fref);
            report_pseudonym(o->research_key, res->recipient ? res->recipient : "", "person", person, pref);
        } else {
            snprintf(gref, sizeof gref, "%s", prog ? prog : "");
            snprintf(fref, sizeof fref, "F%" PRId64, family);
            snprintf(pref, sizeof pref, "P%" PRId64, person);
        }
        int first_of_family = !per_family || !disclosed_has_family(d, family);
        disclosed_add(a, d, person, family);
        if (!first_of_family)
            continue;
        csv_cell(&csv, o->la_code ? o->la_code : "", 1);
        csv_cell(&csv, gref, 0);
        csv_cell(&csv, fref, 0);
        if (!per_family)
            csv_cell(&csv, pref, 0);
        for (size_t k = 0; k < nf; k++)
            for (int c = 0; c < 2; c++)
                if (fields[k]->columns[c]) {
                    int col = per_family && fields[k]->cols[c] == C_NEEDS ? C_FAMILY_NEEDS : fields[k]->cols[c];
                    const char *v = store_col_text(st, col, NULL);
                    csv_cell(&csv, pseudo ? coarsen(a, col, v) : (v ? v : ""), 0);
                }
        core_buf_adds(&csv, "\r\n");
    }
    if (rc < 0 || !core_buf_ok(&csv)) {
        sodium_memzero(csv.data, csv.len);
        core_buf_release(&csv);
        return rc < 0 ? rc : core_error_set(err, CORE_E_INTERNAL, "the extract is larger than 256 MiB");
    }
    res->people = d->n;
    res->persons = d->person;
    res->families = d->family;
    /* Sealed to the recipient: only their secret key opens it. */
    *sealed_len = csv.len + crypto_box_SEALBYTES;
    *sealed = core_xmalloc(*sealed_len);
    rc = crypto_box_seal(*sealed, (const unsigned char *)csv.data, csv.len, o->recipient_pk);
    sodium_memzero(csv.data, csv.len);
    core_buf_release(&csv);
    if (rc != 0) {
        free(*sealed);
        *sealed = NULL;
        return core_error_set(err, CORE_E_INVALID_VALUE, "the recipient's public key cannot seal the extract");
    }
    unsigned char h[32];
    crypto_generichash(h, sizeof h, *sealed, *sealed_len, NULL, 0);
    sodium_bin2hex(res->extract_ref, sizeof res->extract_ref, h, sizeof h);
    /* When the recipient must destroy it: today plus the share's destroyed_after. */
    const json_t *after = json_object_get(share, "destroyed_after");
    char today[11];
    core_clock_today(today);
    core_date t;
    if (after && core_date_parse(today, strlen(today), &t) == 0) {
        core_date due = core_date_add_years(t, (int32_t)json_integer_value(json_object_get(after, "years")));
        due = core_date_add_months(due, (int32_t)json_integer_value(json_object_get(after, "months")));
        due = core_date_add_days(due, (int32_t)json_integer_value(json_object_get(after, "days")));
        if (core_date_ok(due))
            core_date_format(due, res->destroy_due);
    }
    return 0;
}

int report_national_log(store *s, core_arena *a, const report_national_options *o,
                        const report_national_result *res, int64_t *outbox_high, core_error *err)
{
    if (res->people && !res->persons)
        return core_error_set(err, CORE_E_INTERNAL, "no extract was built");
    const json_t *share = find_share(o->policy, res->share);
    json_t *fields = json_deep_copy(json_object_get(share, "fields"));
    json_array_insert_new(fields, 0, json_string("family_reference"));
    json_array_insert_new(fields, 0, json_string("programme_id"));
    char *fj = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    const char *basis = json_string_value(json_object_get(share, "legal_basis"));
    if (!basis) /* the policy's basis for its data, as the notice states it */
        basis = json_string_value(json_array_get(
            json_object_get(json_array_get(json_object_get(o->policy->doc, "data_categories"), 0), "lawful_bases"), 0));
    char today[11], now[24];
    core_clock_today(today);
    model_now(now);
    int rc = store_begin(s, err);
    for (uint64_t i = 0; rc == 0 && i < res->people; i++) {
        store_value v[] = {store_v_text(res->extract_ref),
                           store_v_text(res->recipient ? res->recipient : ""),
                           store_v_text(res->share),
                           store_v_int(res->persons[i]),
                           res->families[i] ? store_v_int(res->families[i]) : store_v_null(),
                           store_v_text(fj ? fj : "[]"),
                           store_v_text(basis ? basis : "art6_1_e"),
                           store_v_text(o->from),
                           store_v_text(o->to),
                           store_v_text(today),
                           res->destroy_due[0] ? store_v_text(res->destroy_due) : store_v_null(),
                           store_v_text(now),
                           o->user_id ? store_v_int(o->user_id) : store_v_null()};
        int64_t id = 0;
        rc = store_query_int(s, a, SQL_LOG, v, 13, &id, err);
        if (rc == 0) {
            char detail[160];
            snprintf(detail, sizeof detail, "{\"dataset\":\"%s\",\"person_id\":%" PRId64 ",\"extract\":\"%.16s\"}",
                     res->share, res->persons[i], res->extract_ref); /* a policy code: [a-z0-9_] */
            audit_event ev = {o->user_id, NULL, "disclose", "disclosure", id, detail, NULL};
            int64_t row = 0;
            rc = audit_outbox_add(s, &ev, &row, err);
            if (rc == 0 && outbox_high && row > *outbox_high)
                *outbox_high = row;
        }
    }
    free(fj);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    return rc;
}
