/*
 * gov_breach.c — the register of personal data breaches and the ICO's 72 hours (contract in gov.h;
 * docs/breaches.md).
 *
 * A breach is registered when information governance learns of it (`discovered_at`, which starts the clock);
 * it is then assessed (`risk`), decided (`decision` report or not_report, always with the reason: art. 33(5)
 * says a breach not reported is still documented), reported (`reported_at`, `ico_reference`), the people
 * told when the risk to them is high (`people_told_on`, `people_told_how`, art. 34), and closed.
 *
 *   ico_deadline   discovered_at + 72 hours
 *   overdue        not closed, not decided not_report, not yet reported, and now past the deadline
 *   tell_people    the risk is high_risk and nobody has been told yet
 *
 * Closing checks that the register is complete: decided; reported when the decision was to report; people
 * told when the risk was high.
 */
#include "gov/gov.h"
#include "gov/gov_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_clock.h"
#include "core/core_date.h"
#include "model/model.h"

static const char SQL_CODE_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM ref_code\n"
    " WHERE list = $1\n"
    "   AND code = $2\n"
    "   AND active = 1";

static const char SQL_PERSON_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM person\n"
    " WHERE id = $1";

static const char SQL_INSERT[] =
    "INSERT INTO breach (title, what_happened, discovered_at, created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $4, $5)\n"
    "RETURNING id";

static const char SQL_ONE[] =
    "SELECT *\n"
    "  FROM breach\n"
    " WHERE id = $1";

static const char SQL_ALL[] =
    "SELECT *\n"
    "  FROM breach\n"
    " ORDER BY id DESC\n"
    " LIMIT $1";

static const char SQL_PEOPLE[] =
    "SELECT person_id\n"
    "  FROM breach_person\n"
    " WHERE breach_id = $1\n"
    " ORDER BY person_id";

static const char SQL_PERSON_ADD[] =
    "INSERT INTO breach_person (breach_id, person_id)\n"
    "VALUES ($1, $2)\n"
    "ON CONFLICT DO NOTHING";

static const char SQL_BUMP[] =
    "UPDATE breach\n"
    "   SET version = version + 1, updated_at = $2, updated_by = $3\n"
    " WHERE id = $1";

/* The columns a change may set, each with its kind, and its UPDATE (one statement per column: the names
 * are constants here, never from input). $1 id, $2 value. */
typedef enum kind { K_TEXT, K_DATE, K_INSTANT, K_COUNT, K_BOOL, K_RISK, K_DECISION } kind;
static const struct column {
    const char *name;
    kind kind;
    size_t max;
    const char *sql;
} COLUMNS[] = {
    {"title", K_TEXT, 200, "UPDATE breach SET title = $2 WHERE id = $1"},
    {"what_happened", K_TEXT, 20000, "UPDATE breach SET what_happened = $2 WHERE id = $1"},
    {"discovered_at", K_INSTANT, 0, "UPDATE breach SET discovered_at = $2 WHERE id = $1"},
    {"occurred_on", K_DATE, 0, "UPDATE breach SET occurred_on = $2 WHERE id = $1"},
    {"data_affected", K_TEXT, 2000, "UPDATE breach SET data_affected = $2 WHERE id = $1"},
    {"special_category", K_BOOL, 0, "UPDATE breach SET special_category = $2 WHERE id = $1"},
    {"people_affected", K_COUNT, 0, "UPDATE breach SET people_affected = $2 WHERE id = $1"},
    {"risk", K_RISK, 0, "UPDATE breach SET risk = $2 WHERE id = $1"},
    {"decision", K_DECISION, 0, "UPDATE breach SET decision = $2, decided_at = $3 WHERE id = $1"},
    {"decision_reason", K_TEXT, 20000, "UPDATE breach SET decision_reason = $2 WHERE id = $1"},
    {"reported_at", K_INSTANT, 0, "UPDATE breach SET reported_at = $2 WHERE id = $1"},
    {"ico_reference", K_TEXT, 100, "UPDATE breach SET ico_reference = $2 WHERE id = $1"},
    {"people_told_on", K_DATE, 0, "UPDATE breach SET people_told_on = $2 WHERE id = $1"},
    {"people_told_how", K_TEXT, 2000, "UPDATE breach SET people_told_how = $2 WHERE id = $1"},
    {"closed_on", K_DATE, 0, "UPDATE breach SET closed_on = $2 WHERE id = $1"},
};

enum { ICO_HOURS = 72, LIST_MAX = 1000, PEOPLE_MAX = 10000 };

/* ---- checks ---- */

static int code_ok(store *s, core_arena *a, const char *list, const char *code, const char *field, core_error *err)
{
    int64_t n = 0;
    store_value p[] = {store_v_text(list), store_v_text(code)};
    int rc = store_query_int(s, a, SQL_CODE_EXISTS, p, 2, &n, err);
    if (rc)
        return rc;
    if (n == 0) {
        core_error_set(err, CORE_E_INVALID_CODE, "%s is not a code of the list %s", field, list);
        return core_error_hint(err, "GET /api/v1/reference/%s lists the codes", list);
    }
    return 0;
}

/* One field's value, checked, as a store value (strings borrowed from v). */
static int value_of(store *s, core_arena *a, const struct column *c, json_t *v, store_value *out, core_error *err)
{
    if (json_is_null(v)) {
        if (c->kind == K_BOOL || c->kind == K_DECISION || !strcmp(c->name, "title") ||
            !strcmp(c->name, "what_happened") || !strcmp(c->name, "discovered_at"))
            return core_error_set(err, CORE_E_INVALID_VALUE, "%s cannot be cleared", c->name);
        *out = store_v_null();
        return 0;
    }
    const char *t = json_string_value(v);
    time_t when;
    core_date d;
    char today[11];
    switch (c->kind) {
    case K_BOOL:
        if (!json_is_boolean(v))
            return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be true or false", c->name);
        *out = store_v_int(json_is_true(v));
        return 0;
    case K_COUNT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be a whole number, 0 or more", c->name);
        *out = store_v_int(json_integer_value(v));
        return 0;
    default: break;
    }
    if (!t)
        return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be a string", c->name);
    switch (c->kind) {
    case K_TEXT:
        if (!t[0] || strlen(t) > c->max)
            return core_error_set(err, CORE_E_INVALID_VALUE, "%s must be 1 to %zu bytes", c->name, c->max);
        break;
    case K_DATE:
        core_clock_today(today);
        if (core_date_parse(t, strlen(t), &d) != 0) {
            core_error_set(err, CORE_E_INVALID_DATE, "%s must be a date, YYYY-MM-DD", c->name);
            return core_error_hint(err, "for example 2026-11-23");
        }
        if (strcmp(t, today) > 0)
            return core_error_set(err, CORE_E_INVALID_VALUE, "%s cannot be in the future", c->name);
        break;
    case K_INSTANT:
        if (core_clock_parse(t, &when) != 0) {
            core_error_set(err, CORE_E_INVALID_DATE, "%s must be a time, YYYY-MM-DDTHH:MM:SSZ (UTC)", c->name);
            return core_error_hint(err, "for example 2026-11-23T09:30:00Z");
        }
        if (when > core_clock_now() + 60)
            return core_error_set(err, CORE_E_INVALID_VALUE, "%s cannot be in the future", c->name);
        break;
    case K_RISK:
    case K_DECISION: {
        int rc = code_ok(s, a, c->kind == K_RISK ? "breach_risk" : "breach_decision", t, c->name, err);
        if (rc)
            return rc;
        break;
    }
    default: break;
    }
    *out = store_v_text(t);
    return 0;
}

static int add_people(store *s, core_arena *a, int64_t id, json_t *people, core_error *err)
{
    if (!people)
        return 0;
    if (!json_is_array(people) || json_array_size(people) > PEOPLE_MAX)
        return core_error_set(err, CORE_E_WRONG_TYPE, "person_ids must be a list of at most %d person ids",
                              PEOPLE_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(people, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return core_error_set(err, CORE_E_WRONG_TYPE, "person_ids must hold person ids");
        int64_t n = 0;
        store_value p[] = {store_v_int(json_integer_value(v))};
        int rc = store_query_int(s, a, SQL_PERSON_EXISTS, p, 1, &n, err);
        if (rc)
            return rc;
        if (!n)
            return core_error_set(err, CORE_E_NOT_FOUND, "no people with id %lld", (long long)json_integer_value(v));
        store_value q[] = {store_v_int(id), store_v_int(json_integer_value(v))};
        if ((rc = store_exec(s, a, SQL_PERSON_ADD, q, 2, NULL, err)))
            return rc;
    }
    return 0;
}

/* Apply every known field of body to breach id (unknown fields are the caller's to refuse). */
static int apply(store *s, core_arena *a, int64_t id, json_t *body, core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    for (size_t i = 0; i < sizeof(COLUMNS) / sizeof(COLUMNS[0]); i++) {
        json_t *v = json_object_get(body, COLUMNS[i].name);
        if (!v)
            continue;
        store_value p[3];
        p[0] = store_v_int(id);
        int rc = value_of(s, a, &COLUMNS[i], v, &p[1], err);
        if (rc)
            return rc;
        p[2] = store_v_text(now);
        if ((rc = store_exec(s, a, COLUMNS[i].sql, p, COLUMNS[i].kind == K_DECISION ? 3 : 2, NULL, err)))
            return rc;
    }
    return add_people(s, a, id, json_object_get(body, "person_ids"), err);
}

/* ---- reading ---- */

/* Whole hours from now to t, rounded up while t is ahead (45 until the 45th hour has begun), down once past. */
static json_int_t hours_until(time_t t, time_t now)
{
    time_t s = t - now;
    return (json_int_t)(s > 0 ? (s + 3599) / 3600 : -((-s + 3599) / 3600));
}

/* The row as JSON with the clock's fields and the people added. */
static int breach_json(store *s, core_arena *a, store_stmt *st, json_t **out, core_error *err)
{
    json_t *o = gov_row_json(st);
    json_object_set_new(o, "special_category", json_boolean(json_integer_value(json_object_get(o, "special_category"))));
    time_t found = 0;
    const char *at = json_string_value(json_object_get(o, "discovered_at"));
    int have = at && core_clock_parse(at, &found) == 0;
    char deadline[21] = "";
    if (have) {
        time_t d = found + ICO_HOURS * 3600, now = core_clock_now();
        struct tm tm;
        gmtime_r(&d, &tm);
        strftime(deadline, sizeof deadline, "%Y-%m-%dT%H:%M:%SZ", &tm);
        const char *decision = json_string_value(json_object_get(o, "decision"));
        int settled = json_is_string(json_object_get(o, "closed_on")) || json_is_string(json_object_get(o, "reported_at")) ||
                      (decision && strcmp(decision, "not_report") == 0);
        json_object_set_new(o, "ico_deadline", json_string(deadline));
        json_object_set_new(o, "hours_left", settled ? json_null() : json_integer(hours_until(d, now)));
        json_object_set_new(o, "overdue", json_boolean(!settled && now > d));
    }
    const char *risk = json_string_value(json_object_get(o, "risk"));
    json_object_set_new(o, "tell_people", json_boolean(risk && strcmp(risk, "high_risk") == 0 &&
                                                       !json_is_string(json_object_get(o, "people_told_on"))));
    int64_t id = json_integer_value(json_object_get(o, "id"));
    store_done(st);
    store_value p[] = {store_v_int(id)};
    store_stmt *pq;
    int rc = store_query(s, a, SQL_PEOPLE, p, 1, &pq, err);
    json_t *people = json_array();
    while (rc == 0 && (rc = store_next(pq, err)) == 1)
        json_array_append_new(people, json_integer(store_col_int(pq, 0)));
    json_object_set_new(o, "person_ids", people);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

int gov_breach_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_ONE, p, 1, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no breach with id %lld", (long long)id);
    return breach_json(s, a, st, out, err);
}

static int urgency(json_t *o)
{
    if (json_is_true(json_object_get(o, "overdue")))
        return 0;
    if (json_is_true(json_object_get(o, "tell_people")))
        return 1;
    return json_is_string(json_object_get(o, "closed_on")) ? 3 : 2;
}

static int by_urgency(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int ua = urgency(a), ub = urgency(b);
    if (ua != ub)
        return ua < ub ? -1 : 1;
    const char *da = json_string_value(json_object_get(a, "discovered_at")),
               *db = json_string_value(json_object_get(b, "discovered_at"));
    int c = strcmp(da ? da : "", db ? db : "");
    return ua == 3 ? -c : c; /* closed: newest first; the rest: oldest (most urgent) first */
}

int gov_breach_list(store *s, core_arena *a, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(LIST_MAX)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_ALL, p, 1, &st, err);
    if (rc)
        return rc;
    /* Ids first: each row's people are read with a statement of their own. */
    int64_t *ids = core_xmalloc(LIST_MAX * sizeof(*ids));
    size_t n = 0;
    while ((rc = store_next(st, err)) == 1 && n < LIST_MAX)
        ids[n++] = store_col_int(st, 0);
    store_done(st);
    json_t **rows = core_xmalloc((n ? n : 1) * sizeof(*rows));
    size_t got = 0;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        rc = gov_breach_get(s, a, ids[i], &rows[got], err);
        if (rc == 0)
            got++;
    }
    free(ids);
    json_t *arr = json_array();
    if (rc >= 0)
        qsort(rows, got, sizeof(*rows), by_urgency);
    for (size_t i = 0; i < got; i++)
        json_array_append_new(arr, rows[i]);
    free(rows);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* ---- changing ---- */

int gov_breach_create(store *s, core_arena *a, json_t *body, int64_t user_id, int64_t *id, core_error *err)
{
    static const struct column *need[] = {&COLUMNS[0], &COLUMNS[1], &COLUMNS[2]}; /* title, what, when */
    store_value v[3];
    for (int i = 0; i < 3; i++) {
        json_t *f = json_object_get(body, need[i]->name);
        if (!f)
            return core_error_set(err, CORE_E_MISSING_FIELD, "%s is required", need[i]->name);
        int rc = value_of(s, a, need[i], f, &v[i], err);
        if (rc)
            return rc;
    }
    char now[24];
    model_now(now);
    store_value p[] = {v[0], v[1], v[2], store_v_text(now), user_id ? store_v_int(user_id) : store_v_null()};
    int rc = store_query_int(s, a, SQL_INSERT, p, 5, id, err);
    return rc ? rc : apply(s, a, *id, body, err);
}

int gov_breach_update(store *s, core_arena *a, int64_t id, json_t *body, int64_t user_id, core_error *err)
{
    json_t *before;
    int rc = gov_breach_get(s, a, id, &before, err);
    if (rc)
        return rc;
    int closed = json_is_string(json_object_get(before, "closed_on"));
    json_decref(before);
    if (closed && !json_is_null(json_object_get(body, "closed_on"))) {
        core_error_set(err, CORE_E_CONFLICT, "this breach is closed");
        return core_error_hint(err, "reopen it first: send closed_on null");
    }
    if ((rc = apply(s, a, id, body, err)))
        return rc;
    char now[24];
    model_now(now);
    store_value p[] = {store_v_int(id), store_v_text(now), user_id ? store_v_int(user_id) : store_v_null()};
    if ((rc = store_exec(s, a, SQL_BUMP, p, 3, NULL, err)))
        return rc;
    /* The register as it now stands must hang together. */
    json_t *after;
    if ((rc = gov_breach_get(s, a, id, &after, err)))
        return rc;
#define STR(k) json_string_value(json_object_get(after, k))
    const char *decision = STR("decision"), *risk = STR("risk");
    if (decision && !STR("decision_reason"))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a decision needs its reason (decision_reason)");
    else if (STR("reported_at") && (!decision || strcmp(decision, "report") != 0))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "reported_at needs the decision report");
    else if (decision && strcmp(decision, "not_report") == 0 && risk && strcmp(risk, "unlikely") != 0)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a breach assessed as a risk to people must be reported");
    else if (STR("closed_on") && !decision)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a breach is closed only once the decision on reporting "
                                                       "it is recorded");
    else if (STR("closed_on") && strcmp(decision, "report") == 0 && !STR("reported_at"))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a breach to be reported is closed only once reported "
                                                       "(reported_at)");
    else if (STR("closed_on") && json_is_true(json_object_get(after, "tell_people")))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "a high-risk breach is closed only once the people "
                                                       "affected are told (people_told_on)");
#undef STR
    json_decref(after);
    return rc;
}
