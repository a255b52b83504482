/*
 * gov_request.c — the register of data-subject requests and their statutory deadlines (contract in gov.h).
 *
 * Reading guide: the SQL first, then the clock (bank holidays and the deadline), then registering, the
 * events that move a request along, and reading it back.
 *
 * The deadline, per the ICO's right-of-access guidance (domain.md §6.1), for every kind alike (art. 12(3)):
 *   clock_start  the day the request arrived; when the clock was stopped for identity, clarification or a fee,
 *                the day what was asked for arrived (the `resume` or `identity` event's date)
 *   deadline     core_date_sar_deadline(clock_start, 1), or 3 months when extended; none while paused
 *   extension    allowed once, notified on or before the one-month deadline
 *   overdue      still open (not paused, not closed) and today is past the deadline
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

/* England and Wales bank holidays, in date order (reference data the council extends each year). */
static const char SQL_HOLIDAYS[] =
    "SELECT day\n"
    "  FROM ref_bank_holiday\n"
    " WHERE region = 'england-and-wales'\n"
    " ORDER BY day";

static const char SQL_INSERT[] =
    "INSERT INTO subject_request (kind, person_id, requester, requester_name, received_on,\n"
    "                             identity_checked_on, identity_method, details, state, clock_start,\n"
    "                             created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $5, $9, $10, $9, $10)\n"
    "RETURNING id";

static const char SQL_EVENT_INSERT[] =
    "INSERT INTO subject_request_event (request_id, event, on_date, reason, note, created_at, created_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

/* One request's row (the columns read_row() takes, in this order). */
#define REQUEST_COLUMNS                                                                                        \
    "id, kind, person_id, requester, requester_name, received_on, identity_checked_on, identity_method,\n"    \
    "       details, state, clock_start, extended_on, extension_reason, closed_on, outcome, refusal_ground,\n" \
    "       consent_id, version, created_at, updated_at"

static const char SQL_ONE[] =
    "SELECT " REQUEST_COLUMNS "\n"
    "  FROM subject_request\n"
    " WHERE id = $1";

/* Every request still open or paused, and the newest closed ones (up to $1). */
static const char SQL_LIST[] =
    "SELECT " REQUEST_COLUMNS "\n"
    "  FROM subject_request\n"
    " WHERE state IN ('open', 'paused')\n"
    "UNION ALL\n"
    "SELECT * FROM (SELECT " REQUEST_COLUMNS "\n"
    "                 FROM subject_request\n"
    "                WHERE state NOT IN ('open', 'paused')\n"
    "                ORDER BY id DESC\n"
    "                LIMIT $1) AS closed";

static const char SQL_EVENTS[] =
    "SELECT event, on_date, reason, note, created_at, created_by\n"
    "  FROM subject_request_event\n"
    " WHERE request_id = $1\n"
    " ORDER BY id";

/* The last pause's reason (what the clock waits for). */
static const char SQL_LAST_PAUSE[] =
    "SELECT reason\n"
    "  FROM subject_request_event\n"
    " WHERE request_id = $1\n"
    "   AND event = 'pause'\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_PERSON_OF[] =
    "SELECT person_id\n"
    "  FROM subject_request\n"
    " WHERE id = $1";

/* Each event's change to the row; $1 id, $2 expected version, $3 date, $4 reason/note, $5 now, $6 user. */
static const char SQL_PAUSE[] =
    "UPDATE subject_request\n"
    "   SET state = 'paused', version = version + 1, updated_at = $5, updated_by = $6\n"
    " WHERE id = $1 AND version = $2";
static const char SQL_RESUME[] =
    "UPDATE subject_request\n"
    "   SET state = 'open', clock_start = $3, version = version + 1, updated_at = $5, updated_by = $6\n"
    " WHERE id = $1 AND version = $2";
static const char SQL_IDENTITY[] =
    "UPDATE subject_request\n"
    "   SET identity_checked_on = $3, identity_method = $4, version = version + 1, updated_at = $5,\n"
    "       updated_by = $6\n"
    " WHERE id = $1 AND version = $2";
static const char SQL_EXTEND[] =
    "UPDATE subject_request\n"
    "   SET extended_on = $3, extension_reason = $4, version = version + 1, updated_at = $5, updated_by = $6\n"
    " WHERE id = $1 AND version = $2";
static const char SQL_CLOSE[] =
    "UPDATE subject_request\n"
    "   SET state = $7, closed_on = $3, outcome = $4, refusal_ground = $8, version = version + 1,\n"
    "       updated_at = $5, updated_by = $6\n"
    " WHERE id = $1 AND version = $2";

enum { NAME_MAX = 200, TEXT_MAX = 20000, CLOSED_SHOWN = 1000, HOLIDAYS_MAX = 2000 };

/* ---- the clock ---- */

typedef struct holidays {
    core_date day[HOLIDAYS_MAX];
    int n;
} holidays;

static int holidays_load(store *s, core_arena *a, holidays *h, core_error *err)
{
    h->n = 0;
    store_stmt *st;
    int rc = store_query(s, a, SQL_HOLIDAYS, NULL, 0, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1) {
        size_t len = 0;
        const char *t = store_col_text(st, 0, &len);
        core_date d;
        if (h->n < HOLIDAYS_MAX && t && core_date_parse(t, len, &d) == 0)
            h->day[h->n++] = d;
    }
    return rc < 0 ? rc : 0;
}

static int is_holiday(core_date d, void *ctx)
{
    const holidays *h = ctx;
    int lo = 0, hi = h->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = core_date_cmp(h->day[mid], d);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

static core_date parse_date(const char *s)
{
    core_date d;
    if (!s || core_date_parse(s, strlen(s), &d) != 0)
        return CORE_DATE_INVALID;
    return d;
}

static core_date today(void)
{
    char t[11];
    core_clock_today(t);
    return parse_date(t);
}

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

/* A date field: valid, not before `floor` (when given) and not after today. */
static int date_ok(const char *value, const char *field, core_date floor, core_date *out, core_error *err)
{
    core_date d = parse_date(value);
    if (!core_date_ok(d)) {
        core_error_set(err, CORE_E_INVALID_DATE, "%s must be a date, YYYY-MM-DD", field);
        return core_error_hint(err, "for example 2026-11-23");
    }
    if (core_date_cmp(d, today()) > 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "%s cannot be in the future", field);
    if (core_date_ok(floor) && core_date_cmp(d, floor) < 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "%s cannot be before the request was received", field);
    *out = d;
    return 0;
}

static int text_ok(const char *value, const char *field, size_t max, core_error *err)
{
    if (value && strlen(value) > max)
        return core_error_set(err, CORE_E_INVALID_VALUE, "%s is longer than %zu bytes", field, max);
    return 0;
}

/* ---- registering ---- */

int gov_request_create(store *s, core_arena *a, const gov_request_new *in, int64_t user_id, int64_t *id,
                       core_error *err)
{
    core_date received, checked;
    int rc;
    if (!in->requester_name || !in->requester_name[0])
        return core_error_set(err, CORE_E_MISSING_FIELD, "requester_name is required");
    if ((rc = code_ok(s, a, "request_kind", in->kind, "kind", err)) ||
        (rc = code_ok(s, a, "request_requester", in->requester, "requester", err)) ||
        (rc = text_ok(in->requester_name, "requester_name", NAME_MAX, err)) ||
        (rc = text_ok(in->details, "details", TEXT_MAX, err)) ||
        (rc = text_ok(in->identity_method, "identity_method", NAME_MAX, err)) ||
        (rc = date_ok(in->received_on, "received_on", CORE_DATE_INVALID, &received, err)))
        return rc;
    if (in->identity_checked_on) {
        if ((rc = date_ok(in->identity_checked_on, "identity_checked_on", received, &checked, err)))
            return rc;
        if (!in->identity_method || !in->identity_method[0])
            return core_error_set(err, CORE_E_MISSING_FIELD, "identity_method is required with identity_checked_on");
    }
    int64_t n = 0;
    store_value pp[] = {store_v_int(in->person_id)};
    if ((rc = store_query_int(s, a, SQL_PERSON_EXISTS, pp, 1, &n, err)))
        return rc;
    if (n == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no people with id %lld", (long long)in->person_id);
    char now[24];
    model_now(now);
    store_value v[] = {store_v_text(in->kind),
                       store_v_int(in->person_id),
                       store_v_text(in->requester),
                       store_v_text(in->requester_name),
                       store_v_text(in->received_on),
                       in->identity_checked_on ? store_v_text(in->identity_checked_on) : store_v_null(),
                       in->identity_checked_on ? store_v_text(in->identity_method) : store_v_null(),
                       in->details ? store_v_text(in->details) : store_v_null(),
                       store_v_text(now),
                       user_id ? store_v_int(user_id) : store_v_null()};
    if ((rc = store_query_int(s, a, SQL_INSERT, v, 10, id, err)))
        return rc;
    store_value e[] = {store_v_int(*id), store_v_text("received"), store_v_text(in->received_on), store_v_null(),
                       store_v_null(), store_v_text(now), user_id ? store_v_int(user_id) : store_v_null()};
    return store_exec(s, a, SQL_EVENT_INSERT, e, 7, NULL, err);
}

/* ---- reading ---- */

/* A request's clock from its row: the deadline (invalid while paused), the last day to notify an extension. */
typedef struct clock_view {
    core_date start, deadline, extend_by;
    int open, paused, overdue;
    int32_t days_left;
} clock_view;

static clock_view clock_of(json_t *row, const holidays *h, core_date now)
{
    clock_view c = {0};
    const char *state = json_string_value(json_object_get(row, "state"));
    c.paused = state && strcmp(state, "paused") == 0;
    c.open = state && strcmp(state, "open") == 0;
    c.start = parse_date(json_string_value(json_object_get(row, "clock_start")));
    int extended = json_is_string(json_object_get(row, "extended_on"));
    c.extend_by = core_date_sar_deadline(c.start, 1, is_holiday, (void *)h);
    c.deadline = c.paused ? CORE_DATE_INVALID : core_date_sar_deadline(c.start, extended ? 3 : 1, is_holiday, (void *)h);
    if (core_date_ok(c.deadline) && core_date_ok(now))
        c.days_left = core_date_to_days(c.deadline) - core_date_to_days(now);
    c.overdue = c.open && core_date_ok(c.deadline) && c.days_left < 0;
    return c;
}

static json_t *date_json(core_date d)
{
    if (!core_date_ok(d))
        return json_null();
    char s[CORE_DATE_ISO_SIZE];
    core_date_format(d, s);
    return json_string(s);
}

json_t *gov_row_json(store_stmt *st)
{
    json_t *o = json_object();
    int n = store_col_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = store_col_name(st, i);
        switch (store_col_type(st, i)) {
        case STORE_NULL: json_object_set_new(o, name, json_null()); break;
        case STORE_INT: json_object_set_new(o, name, json_integer(store_col_int(st, i))); break;
        case STORE_REAL: json_object_set_new(o, name, json_real(store_col_real(st, i))); break;
        default: {
            size_t len = 0;
            const char *t = store_col_text(st, i, &len);
            json_object_set_new(o, name, json_stringn(t ? t : "", len));
        }
        }
    }
    return o;
}

/* The row as JSON with the clock's fields added. */
static json_t *row_json(store_stmt *st, const holidays *h, core_date now)
{
    json_t *o = gov_row_json(st);
    clock_view c = clock_of(o, h, now);
    json_object_set_new(o, "deadline", date_json(c.deadline));
    json_object_set_new(o, "extension_notice_by", date_json(c.open || c.paused ? c.extend_by : CORE_DATE_INVALID));
    json_object_set_new(o, "days_left", c.open && core_date_ok(c.deadline) ? json_integer(c.days_left) : json_null());
    json_object_set_new(o, "overdue", json_boolean(c.overdue));
    const char *closed = json_string_value(json_object_get(o, "closed_on"));
    if (closed && core_date_ok(c.deadline))
        json_object_set_new(o, "on_time", json_boolean(core_date_cmp(parse_date(closed), c.deadline) <= 0));
    return o;
}

static int events_json(store *s, core_arena *a, int64_t id, json_t *into, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_EVENTS, p, 1, &st, err);
    if (rc)
        return rc;
    json_t *events = json_array();
    while ((rc = store_next(st, err)) == 1) {
        json_t *e = json_object();
        const char *names[] = {"event", "on", "reason", "note", "recorded_at"};
        for (int i = 0; i < 5; i++) {
            const char *t = store_col_text(st, i, NULL);
            json_object_set_new(e, names[i], t ? json_string(t) : json_null());
        }
        json_object_set_new(e, "recorded_by", store_col_type(st, 5) == STORE_NULL ? json_null()
                                                                                  : json_integer(store_col_int(st, 5)));
        json_array_append_new(events, e);
    }
    if (rc < 0) {
        json_decref(events);
        return rc;
    }
    json_object_set_new(into, "events", events);
    return 0;
}

int gov_request_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    holidays *h = core_arena_alloc(a, sizeof(*h));
    int rc = holidays_load(s, a, h, err);
    if (rc)
        return rc;
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    if ((rc = store_query(s, a, SQL_ONE, p, 1, &st, err)))
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no request with id %lld", (long long)id);
    json_t *o = row_json(st, h, today());
    store_done(st);
    if ((rc = events_json(s, a, id, o, err))) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Order: overdue (most overdue first), then open by deadline, then paused by received date, then closed
 * (newest first). */
static int rank(json_t *o)
{
    const char *state = json_string_value(json_object_get(o, "state"));
    if (json_is_true(json_object_get(o, "overdue")))
        return 0;
    if (state && strcmp(state, "open") == 0)
        return 1;
    if (state && strcmp(state, "paused") == 0)
        return 2;
    return 3;
}

static int by_urgency(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int ra = rank(a), rb = rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    const char *key = ra <= 1 ? "deadline" : "received_on";
    const char *da = json_string_value(json_object_get(a, key)), *db = json_string_value(json_object_get(b, key));
    int c = ra == 3 ? 0 : strcmp(da ? da : "", db ? db : "");
    if (c)
        return c;
    json_int_t ia = json_integer_value(json_object_get(a, "id")), ib = json_integer_value(json_object_get(b, "id"));
    return ra == 3 ? (ia > ib ? -1 : ia < ib) : (ia < ib ? -1 : ia > ib);
}

int gov_request_list(store *s, core_arena *a, const char *which, json_t **out, core_error *err)
{
    *out = NULL;
    int all = which && strcmp(which, "all") == 0, overdue = which && strcmp(which, "overdue") == 0;
    if (which && !all && !overdue && strcmp(which, "open") != 0)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "state is open, overdue or all");
    holidays *h = core_arena_alloc(a, sizeof(*h));
    int rc = holidays_load(s, a, h, err);
    if (rc)
        return rc;
    store_value p[] = {store_v_int(all ? CLOSED_SHOWN : 0)};
    store_stmt *st;
    if ((rc = store_query(s, a, SQL_LIST, p, 1, &st, err)))
        return rc;
    core_date now = today();
    size_t n = 0, cap = 64;
    json_t **rows = core_xmalloc(cap * sizeof(*rows));
    while ((rc = store_next(st, err)) == 1) {
        json_t *o = row_json(st, h, now);
        if (overdue && !json_is_true(json_object_get(o, "overdue"))) {
            json_decref(o);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            rows = core_xrealloc(rows, cap * sizeof(*rows));
        }
        rows[n++] = o;
    }
    json_t *arr = json_array();
    if (rc == 0) {
        qsort(rows, n, sizeof(*rows), by_urgency);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, rows[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            json_decref(rows[i]);
    }
    free(rows);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int gov_request_person(store *s, core_arena *a, int64_t id, int64_t *person_id, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    int rc = store_query_int(s, a, SQL_PERSON_OF, p, 1, person_id, err);
    if (rc == CORE_E_NOT_FOUND)
        core_error_set(err, CORE_E_NOT_FOUND, "no request with id %lld", (long long)id);
    return rc;
}

/* ---- events ---- */

static int refuse_ground(store *s, core_arena *a, const char *kind, const gov_request_event *ev, core_error *err)
{
    if (!ev->reason || !ev->reason[0])
        return core_error_set(err, CORE_E_MISSING_FIELD, "reason is required to refuse a request");
    if (strcmp(kind, "erasure") == 0) /* art. 17(3): the ground relied on, as a code */
        return code_ok(s, a, "erasure_refusal_ground", ev->reason, "reason", err);
    return text_ok(ev->reason, "reason", NAME_MAX, err);
}

int gov_request_apply(store *s, core_arena *a, int64_t id, const gov_request_event *ev, int64_t user_id,
                      core_error *err)
{
    json_t *row = NULL;
    int rc = gov_request_get(s, a, id, &row, err);
    if (rc)
        return rc;
    const char *state = json_string_value(json_object_get(row, "state"));
    const char *kind = json_string_value(json_object_get(row, "kind"));
    int64_t version = json_integer_value(json_object_get(row, "version"));
    core_date received = parse_date(json_string_value(json_object_get(row, "received_on")));
    core_date extend_by = parse_date(json_string_value(json_object_get(row, "extension_notice_by")));
    int extended = json_is_string(json_object_get(row, "extended_on"));
    int paused = strcmp(state, "paused") == 0, open = strcmp(state, "open") == 0;
    kind = core_arena_strdup(a, kind); /* both outlive the row */
    state = core_arena_strdup(a, state);
    json_decref(row);

    char day[CORE_DATE_ISO_SIZE];
    core_clock_today(day);
    const char *on = ev->on ? ev->on : day;
    core_date d;
    if ((rc = date_ok(on, "on", received, &d, err)) || (rc = text_ok(ev->note, "note", TEXT_MAX, err)))
        return rc;
    if (!open && !paused) {
        core_error_set(err, CORE_E_CONFLICT, "this request is %s: nothing more can be recorded on it", state);
        return core_error_hint(err, "register a new request if the person asks again");
    }
    const char *sql = NULL, *reason = ev->reason, *close_state = NULL, *ground = NULL, *text = ev->note;
    const char *e = ev->event ? ev->event : "";
    if (strcmp(e, "pause") == 0) {
        if (!open)
            return core_error_set(err, CORE_E_CONFLICT, "the clock is already stopped");
        if (!reason)
            return core_error_set(err, CORE_E_MISSING_FIELD, "reason is required: identity, clarification or fee");
        if ((rc = code_ok(s, a, "request_pause_reason", reason, "reason", err)))
            return rc;
        sql = SQL_PAUSE;
    } else if (strcmp(e, "resume") == 0) {
        if (!paused)
            return core_error_set(err, CORE_E_CONFLICT, "the clock is not stopped");
        sql = SQL_RESUME;
        reason = NULL;
    } else if (strcmp(e, "identity") == 0) {
        if (!ev->note || !ev->note[0])
            return core_error_set(err, CORE_E_MISSING_FIELD, "note is required: how identity was checked");
        if ((rc = text_ok(ev->note, "note", NAME_MAX, err)))
            return rc;
        sql = SQL_IDENTITY;
        reason = NULL;
    } else if (strcmp(e, "extend") == 0) {
        if (extended)
            return core_error_set(err, CORE_E_CONFLICT, "this request has been extended already");
        if (!reason || !reason[0])
            return core_error_set(err, CORE_E_MISSING_FIELD, "reason is required: why the request is complex");
        if ((rc = text_ok(reason, "reason", TEXT_MAX, err)))
            return rc;
        if (core_date_ok(extend_by) && core_date_cmp(d, extend_by) > 0) {
            core_error_set(err, CORE_E_CONFLICT, "an extension must be notified within the first month");
            return core_error_hint(err, "the last day to notify this one was the one-month deadline");
        }
        sql = SQL_EXTEND;
        text = reason;
    } else if (strcmp(e, "complete") == 0 || strcmp(e, "refuse") == 0 || strcmp(e, "withdraw") == 0) {
        int refuse = e[0] == 'r', complete = e[0] == 'c';
        if (refuse && (rc = refuse_ground(s, a, kind, ev, err)))
            return rc;
        if (complete && (!ev->note || !ev->note[0]))
            return core_error_set(err, CORE_E_MISSING_FIELD, "note is required: what was done");
        close_state = complete ? "completed" : refuse ? "refused" : "withdrawn";
        ground = refuse && strcmp(kind, "erasure") == 0 ? reason : NULL;
        if (refuse && !ground) /* a refusal that is not of erasure keeps its reason as the outcome */
            text = ev->note ? core_arena_printf(a, "%s: %s", reason, ev->note) : reason;
        sql = SQL_CLOSE;
    } else {
        core_error_set(err, CORE_E_INVALID_VALUE, "event must be pause, resume, identity, extend, complete, refuse "
                                                  "or withdraw");
        return core_error_hint(err, "see docs/requests.md");
    }

    char now[24];
    model_now(now);
    int64_t changed = 0;
    store_value v[] = {store_v_int(id),
                       store_v_int(version),
                       store_v_text(on),
                       text ? store_v_text(text) : store_v_null(),
                       store_v_text(now),
                       user_id ? store_v_int(user_id) : store_v_null(),
                       close_state ? store_v_text(close_state) : store_v_null(),
                       ground ? store_v_text(ground) : store_v_null()};
    size_t nv = sql == SQL_CLOSE ? 8 : 6;
    if ((rc = store_exec(s, a, sql, v, nv, &changed, err)))
        return rc;
    if (changed == 0)
        return core_error_set(err, CORE_E_CONFLICT, "the request changed meanwhile: read it again");
    if (sql == SQL_IDENTITY && paused) { /* proof of identity restarts a clock stopped for it */
        int64_t one = 0;
        store_value q[] = {store_v_int(id)};
        store_stmt *st;
        if ((rc = store_query(s, a, SQL_LAST_PAUSE, q, 1, &st, err)))
            return rc;
        if ((rc = store_next(st, err)) == 1)
            one = strcmp(store_col_text(st, 0, NULL), "identity") == 0;
        store_done(st);
        if (rc < 0)
            return rc;
        if (one) {
            store_value r[] = {store_v_int(id), store_v_int(version + 1), store_v_text(on), store_v_null(),
                               store_v_text(now), user_id ? store_v_int(user_id) : store_v_null()};
            if ((rc = store_exec(s, a, SQL_RESUME, r, 6, NULL, err)))
                return rc;
        }
    }
    store_value ev_row[] = {store_v_int(id),
                            store_v_text(e),
                            store_v_text(on),
                            reason ? store_v_text(reason) : store_v_null(),
                            ev->note ? store_v_text(ev->note) : store_v_null(),
                            store_v_text(now),
                            user_id ? store_v_int(user_id) : store_v_null()};
    return store_exec(s, a, SQL_EVENT_INSERT, ev_row, 7, NULL, err);
}

/* ---- a withdrawal of consent, recorded as a request ---- */

/* A completed consent_withdrawal for consent $1, unless one is registered already. */
static const char SQL_WITHDRAWAL[] =
    "INSERT INTO subject_request (kind, person_id, requester, requester_name, received_on, state, clock_start,\n"
    "                             closed_on, outcome, consent_id, created_at, created_by, updated_at, updated_by)\n"
    "SELECT 'consent_withdrawal', $2, $3, $4, $5, 'completed', $5, $5,\n"
    "       'consent withdrawn: sharing on it ended at once', $1, $6, $7, $6, $7\n"
    " WHERE NOT EXISTS (SELECT 1 FROM subject_request WHERE consent_id = $1)\n"
    "RETURNING id";

int gov_consent_withdrawal(store *s, core_arena *a, json_t *consent, int64_t user_id, int64_t *id, core_error *err)
{
    *id = 0;
    const char *on = json_string_value(json_object_get(consent, "withdrawn_on"));
    json_t *for_whom = json_object_get(consent, "person_id"), *by = json_object_get(consent, "given_by_id");
    int64_t person = json_is_integer(for_whom) ? json_integer_value(for_whom)
                     : json_is_integer(by)      ? json_integer_value(by)
                                                : 0;
    if (!on || !person)
        return 0; /* not withdrawn, or a family's consent given by someone not on the records */
    const char *name = json_string_value(json_object_get(consent, "given_by_name"));
    int self = json_is_integer(by) && json_integer_value(by) == person;
    char now[24];
    model_now(now);
    store_value v[] = {store_v_int(json_integer_value(json_object_get(consent, "id"))),
                       store_v_int(person),
                       store_v_text(self ? "self" : "parent"),
                       store_v_text(name ? name : "as recorded on the consent"),
                       store_v_text(on),
                       store_v_text(now),
                       user_id ? store_v_int(user_id) : store_v_null()};
    store_stmt *st;
    int rc = store_query(s, a, SQL_WITHDRAWAL, v, 7, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) == 1)
        *id = store_col_int(st, 0);
    while (rc == 1)
        rc = store_next(st, err);
    if (rc < 0 || !*id)
        return rc < 0 ? rc : 0;
    const char *events[] = {"received", "complete"};
    for (int i = 0; i < 2; i++) {
        store_value e[] = {store_v_int(*id), store_v_text(events[i]), store_v_text(on), store_v_null(),
                           store_v_null(), store_v_text(now), user_id ? store_v_int(user_id) : store_v_null()};
        if ((rc = store_exec(s, a, SQL_EVENT_INSERT, e, 7, NULL, err)))
            return rc;
    }
    return 0;
}
