/*
 * api_access.c — the endpoints of the access policy itself (docs/access.md): break glass, governance duties,
 * the governance review queue of break-glass accesses, and restriction of processing (UK GDPR art. 18).
 *
 * A grant (break glass or duty) names one family or one person, a reason from a fixed list and an
 * explanation in the user's words; it lasts the hours the setting table says. Granting, reviewing and
 * restricting are recorded durably in the audit trail before they are answered.
 */
#include <inttypes.h>
#include <time.h>

#include "core/core_clock.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_data.h"

enum { EXPLANATION_MIN = 10, EXPLANATION_MAX = 2000, REVIEW_PAGE_DEFAULT = 50, REVIEW_PAGE_MAX = 500 };

/* ---- time ---- */

/* The UTC time `hours` from now, as an ISO timestamp. */
static void utc_after_hours(int64_t hours, char out[24])
{
    core_clock_iso((time_t)hours * 3600, out);
}

/* The grant (or review item) id as JSON. */
static json_t *grant_json(http_req *req, int64_t id, core_error *err)
{
    return model_grant_get(req->db, &req->arena, id, err);
}

/* ---- break glass and duties ---- */

static void grant_json_release(void *p)
{
    json_decref(p);
}

/* Keep a problem of a grant's body (req->problems, as the model keeps a record's) and go on; 0 or a code
 * that is not the body's. */
static int grant_problem(http_req *req, const char *field, int rc, core_error *err)
{
    if (core_error_http_status(rc) != 422)
        return rc;
    if (!req->problems) {
        req->problems = json_array();
        core_arena_on_release(&req->arena, grant_json_release, req->problems);
    }
    json_array_append_new(req->problems, json_pack("{s:s,s:s,s:s,s:s,s:s}", "field", field, "code",
                                                   core_error_name(err->code), "message", err->message, "detail",
                                                   err->detail, "hint", err->hint));
    return 0;
}

static int grant_body(http_req *req, json_t *body, const char *kind, const char *reason_field,
                      const char *reason_list, const char *hours_setting, int64_t hours_default, int64_t *grant_id,
                      core_error *err);

static int grant(http_req *req, const char *kind, const char *reason_field, const char *reason_list,
                 const char *hours_setting, int64_t hours_default)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id = 0;
    if (http_body_json(req, &body, &err) ||
        grant_body(req, body, kind, reason_field, reason_list, hours_setting, hours_default, &id, &err))
        return http_reply_error(req, &err);
    json_t *out = grant_json(req, id, &err);
    if (!out)
        return http_reply_error(req, &err);
    req->location = core_arena_printf(&req->arena, "/api/v1/governance/reviews/%" PRId64, id);
    int r = http_reply_json(req, 201, out);
    json_decref(out);
    return r;
}

int api_break_glass_grant(http_req *req, json_t *body, int64_t *grant_id, core_error *err)
{
    return grant_body(req, body, "break_glass", "reason", "break_glass_reason", "break_glass_hours", 24, grant_id,
                      err);
}

/* Check a grant's body (every problem of it kept in req->problems), record the grant and its event. */
static int grant_body(http_req *req, json_t *body, const char *kind, const char *reason_field,
                      const char *reason_list, const char *hours_setting, int64_t hours_default, int64_t *grant_id,
                      core_error *err)
{
    int64_t family = 0, person = 0;
    const char *reason = NULL, *explanation = NULL;
    char allowed[96];
    snprintf(allowed, sizeof(allowed), "family_id,person_id,%s,explanation", reason_field);
    req->problems = NULL;
    int rc = api_body_only(body, allowed, err);
    if (rc == 0)
        rc = api_body_id(body, "family_id", &family, err);
    if (rc == 0)
        rc = api_body_id(body, "person_id", &person, err);
    if (rc)
        return rc;
    core_error first;
    core_error_clear(&first);
    if ((rc = api_body_code(req, body, reason_field, reason_list, &reason, err)) != 0) {
        first = *err;
        if ((rc = grant_problem(req, reason_field, rc, err)) != 0)
            return rc;
    }
    if ((rc = api_body_text(body, "explanation", 1, EXPLANATION_MIN, EXPLANATION_MAX, &explanation, err)) != 0) {
        if (!first.code)
            first = *err;
        if ((rc = grant_problem(req, "explanation", rc, err)) != 0)
            return rc;
    }
    if (first.code) {
        *err = first;
        return err->code;
    }
    if (!family == !person)
        return core_error_set(err, CORE_E_MISSING_FIELD, "name one family_id or one person_id");
    int n = 0;
    if (family) {
        if (model_family_exists(req->db, &req->arena, family, &n, err))
            return err->code;
        if (!n) {
            core_error_set(err, CORE_E_NOT_FOUND, "no families with id %" PRId64, family);
            return err->code;
        }
    } else {
        rc = model_person_restricted(req->db, &req->arena, person, &n, err);
        /* A restricted person is no one's but governance's: break glass does not reach them. */
        if (rc == CORE_E_NOT_FOUND || (rc == 0 && n && strcmp(kind, "duty") != 0)) {
            core_error_set(err, CORE_E_NOT_FOUND, "no people with id %" PRId64, person);
            return err->code;
        }
        if (rc)
            return err->code;
    }
    char now[24], expires[24];
    model_now(now);
    int64_t hours = 0;
    if (access_setting(req->db, hours_setting, hours_default, &hours, err))
        return err->code;
    utc_after_hours(hours, expires);
    model_grant_new g = {req->who.user_id, kind, family, person, reason, explanation, now, expires};
    int64_t id = 0;
    char detail[160];
    rc = store_begin(req->db, err);
    if (rc == 0)
        rc = model_grant_add(req->db, &req->arena, &g, &id, err);
    if (rc == 0) { /* in the write's transaction (finding 17) */
        snprintf(detail, sizeof(detail), "{\"grant\":%" PRId64 ",\"reason\":\"%s\",\"%s\":%" PRId64 "}", id, reason,
                 family ? "family" : "person", family ? family : person); /* reason is a checked code */
        rc = http_audit_write(req, kind, family ? "family" : "person", family ? family : person, detail, err);
    }
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc) {
        store_rollback(req->db);
        return err->code;
    }
    *grant_id = id;
    return 0;
}

int api_break_glass(http_req *req)
{
    return grant(req, "break_glass", "reason", "break_glass_reason", "break_glass_hours", 24);
}

int api_duty(http_req *req)
{
    return grant(req, "duty", "purpose", "governance_purpose", "duty_hours", 8);
}

/* ---- the governance review queue ---- */

int api_review_items(http_req *req, int all, int64_t after, int64_t limit, json_t **items, int64_t *next,
                     core_error *err)
{
    json_t *rows;
    if (model_grant_reviews(req->db, &req->arena, all, after, limit + 1, &rows, err))
        return err->code;
    *next = 0;
    if ((int64_t)json_array_size(rows) > limit) { /* one more than a page: there is a next page */
        json_array_remove(rows, (size_t)limit);
        *next = json_integer_value(json_object_get(json_array_get(rows, (size_t)limit - 1), "id"));
    }
    *items = rows;
    if (http_audit(req, "read", "access_grant", 0, all ? "{\"queue\":\"all\"}" : "{\"queue\":\"open\"}", 0, err)) {
        json_decref(*items);
        return err->code;
    }
    return 0;
}

int api_review_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *state = http_query(req, "state"), *a = http_query(req, "after"), *l = http_query(req, "limit");
    int64_t after = 0, limit = REVIEW_PAGE_DEFAULT;
    if ((state && strcmp(state, "open") != 0 && strcmp(state, "all") != 0) ||
        (a && core_parse_int64(a, strlen(a), 0, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, REVIEW_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "state is open or all, after a cursor, limit 1..%d",
                       REVIEW_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    json_t *items;
    int64_t next;
    if (api_review_items(req, state && strcmp(state, "all") == 0, after, limit, &items, &next, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:o,s:o}", "items", items, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_review_decide(http_req *req, int64_t id, const char *outcome, const char *note, json_t **out,
                      core_error *err)
{
    json_t *before = grant_json(req, id, err);
    if (!before)
        return err->code;
    const char *kind = json_string_value(json_object_get(before, "kind"));
    int is_break_glass = kind && strcmp(kind, "break_glass") == 0;
    int reviewed = !json_is_null(json_object_get(before, "review_outcome"));
    json_decref(before);
    if (!is_break_glass)
        return core_error_set(err, CORE_E_NOT_FOUND, "no review with id %" PRId64, id);
    if (reviewed)
        return core_error_set(err, CORE_E_CONFLICT, "this break-glass access has already been reviewed");
    char now[24];
    model_now(now);
    int64_t changed = 0;
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"outcome\":\"%s\"}", outcome); /* a checked code */
    int rc = store_begin(req->db, err);
    if (rc == 0)
        rc = model_grant_review_record(req->db, &req->arena, id, outcome, note, req->who.user_id, now, &changed, err);
    if (rc == 0 && changed == 0)
        rc = core_error_set(err, CORE_E_CONFLICT, "this break-glass access has already been reviewed");
    if (rc == 0) /* in the write's transaction (finding 17) */
        rc = http_audit_write(req, "review", "access_grant", id, detail, err);
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc) {
        store_rollback(req->db);
        return rc;
    }
    *out = grant_json(req, id, err);
    return *out ? 0 : err->code;
}

int api_review_record(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out;
    const char *outcome, *note;
    if (http_body_json(req, &body, &err) || api_body_only(body, "outcome,note", &err) ||
        api_body_code(req, body, "outcome", "break_glass_outcome", &outcome, &err) ||
        api_body_text(body, "note", 1, 1, EXPLANATION_MAX, &note, &err) ||
        api_review_decide(req, req->ids[0], outcome, note, &out, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

/* ---- restriction (UK GDPR art. 18) ---- */

int api_restriction(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *reason;
    int64_t person = req->ids[0];
    if (http_body_json(req, &body, &err) || api_body_only(body, "restricted,reason", &err) ||
        api_body_text(body, "reason", 1, EXPLANATION_MIN, EXPLANATION_MAX, &reason, &err))
        return http_reply_error(req, &err);
    json_t *flag = json_object_get(body, "restricted");
    if (!flag) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "restricted is required");
        return http_reply_error(req, &err);
    }
    if (!json_is_boolean(flag)) {
        core_error_set(&err, CORE_E_WRONG_TYPE, "restricted must be true or false");
        return http_reply_error(req, &err);
    }
    int on = json_is_true(flag);
    char now[24];
    model_now(now);
    int64_t changed = 0;
    json_t *d = json_pack("{s:b,s:s}", "restricted", on, "reason", reason);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = model_person_set_restricted(req->db, &req->arena, person, on, now, req->who.user_id, &changed, &err);
    if (rc == 0 && changed == 0)
        rc = core_error_set(&err, CORE_E_NOT_FOUND, "no people with id %" PRId64, person);
    if (rc == 0) /* in the write's transaction (finding 17) */
        rc = http_audit_write(req, on ? "restrict" : "unrestrict", "person", person, dj, &err);
    free(dj);
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    json_t *out = json_pack("{s:I,s:b}", "id", (json_int_t)person, "restricted", on);
    rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

/* ---- settings (the administrator's configuration of the policy) ---- */

enum { SETTING_MAX = 100000 }; /* a setting the bounds below do not name */

/* The range of each setting (docs/access.md, "Settings"). Every one of them widens access as it grows, so
 * each has an upper bound that no administrator can pass: a stolen or careless admin account cannot hold
 * cases open to their old teams for years, or make break glass a standing permission. */
static const struct setting_bounds {
    const char *name;
    int64_t min, max;
    const char *why; /* the hint when a value is refused */
} SETTING_BOUNDS[] = {
    {"triage_grace_days", 0, 30, "triage is a matter of days; a family needing longer is allocated to a team"},
    {"closed_case_days", 0, 365, "a year covers a case stepped down and re-referred; older cases are a team's "
                                 "only through a new episode"},
    {"break_glass_hours", 1, 72, "break glass is for an emergency (a weekend at most); longer needs an "
                                 "allocation or a governance duty"},
    {"duty_hours", 1, 24, "a duty is for one task in a working day; take another duty to go on"},
};

static const struct setting_bounds *setting_bounds_of(const char *name)
{
    for (size_t i = 0; i < sizeof(SETTING_BOUNDS) / sizeof(SETTING_BOUNDS[0]); i++)
        if (strcmp(SETTING_BOUNDS[i].name, name) == 0)
            return &SETTING_BOUNDS[i];
    return NULL;
}

int api_settings_items(http_req *req, json_t **items, core_error *err)
{
    return model_settings(req->db, &req->arena, items, err);
}

int api_settings_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *items;
    if (api_settings_items(req, &items, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:o}", "items", items);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_setting_set_do(http_req *req, const char *name, int64_t value, core_error *err)
{
    if (value < 0 || value > SETTING_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "value must be a whole number from 0 to %d", SETTING_MAX);
    int64_t changed = 0, old = 0;
    const char *unit = NULL;
    int rc = store_begin(req->db, err);
    json_t *before = NULL;
    /* the value before, for the trail; and whether there is such a setting at all */
    if (rc == 0 && (rc = model_setting_get(req->db, &req->arena, name, &before, err)) == CORE_E_NOT_FOUND)
        core_error_hint(err, "GET /api/v1/settings lists them");
    if (rc == 0) {
        old = json_integer_value(json_object_get(before, "value"));
        const char *u = json_string_value(json_object_get(before, "unit"));
        unit = core_arena_strdup(&req->arena, u ? u : "");
        json_decref(before);
    }
    const struct setting_bounds *b = rc == 0 ? setting_bounds_of(name) : NULL;
    if (b && (value < b->min || value > b->max)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "%s must be from %" PRId64 " to %" PRId64 " %s", name, b->min,
                       b->max, unit);
        rc = core_error_hint(err, "%s", b->why);
    }
    if (rc == 0)
        rc = model_setting_set(req->db, &req->arena, name, value, &changed, err);
    if (rc == 0) { /* old and new, in the write's transaction (finding 17): governance sees every change */
        json_t *d = json_pack("{s:s,s:I,s:I}", "setting", name, "old", (json_int_t)old, "new", (json_int_t)value);
        char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        rc = http_audit_write(req, "update", "setting", 0, dj, err);
        free(dj);
    }
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc)
        store_rollback(req->db);
    return rc;
}

int api_setting_update(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    if (http_body_json(req, &body, &err) || api_body_only(body, "value", &err))
        return http_reply_error(req, &err);
    json_t *v = json_object_get(body, "value");
    if (!v) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "value is required");
        return http_reply_error(req, &err);
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > SETTING_MAX) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "value must be a whole number from 0 to %d", SETTING_MAX);
        return http_reply_error(req, &err);
    }
    int64_t value = json_integer_value(v);
    const char *name = req->names[0];
    if (api_setting_set_do(req, name, value, &err))
        return http_reply_error(req, &err);
    json_t *out;
    if (model_setting_get(req->db, &req->arena, name, &out, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}
