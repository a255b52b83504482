/*
 * model_check.c — the rules across a record's fields: what cannot be true is refused, and every problem of a
 * body is recorded (model_problem), so the API answers them all and a form shows each beside its field.
 *
 * Reading guide: helpers (a problem, dates in order, a date not in the future), then one function per kind of
 * record, in the resource table's order. obj is the merged row (a change: the stored row overlaid with the
 * body; a create: the body, with the parent's id under the parent key); ctx->before is the stored row of a
 * change (NULL for a create). Dates compare as text: ISO 8601 (YYYY-MM-DD, and UTC times ending in Z) sorts
 * as it runs.
 */
#include <stdarg.h>

#include "core/core_buf.h"
#include "model/model_check.h"

static const char *obj_str(json_t *obj, const char *k)
{
    return json_string_value(json_object_get(obj, k));
}

static int64_t obj_int(json_t *obj, const char *k)
{
    return json_integer_value(json_object_get(obj, k));
}

/* Record a problem against field (NULL: the record); 0, or the store's code. */
static int problem(model_ctx *ctx, core_error *err, const char *field, int code, const char *hint, const char *fmt,
                   ...) __attribute__((format(printf, 6, 7)));
static int problem(model_ctx *ctx, core_error *err, const char *field, int code, const char *hint, const char *fmt,
                   ...)
{
    char detail[sizeof(err->detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    core_error_set(err, code, "%s", detail);
    if (hint)
        core_error_hint(err, "%s", hint);
    return model_problem(ctx, field, err);
}

static void set_key(model_ctx *ctx, json_t *obj, const char *from, const char *to)
{
    const char *v = obj_str(obj, from);
    json_object_set_new(obj, to, v ? json_string(model_name_key(ctx->arena, v)) : json_null());
}

/* start <= end when both are present (the problem is the end's). */
static int date_order(model_ctx *ctx, json_t *obj, const char *start, const char *end, core_error *err)
{
    const char *a = obj_str(obj, start), *b = obj_str(obj, end);
    if (a && b && strcmp(a, b) > 0)
        return problem(ctx, err, end, CORE_E_INVALID_DATE, NULL, "%s must be on or after %s", end, start);
    return 0;
}

/* A date (or a time, when whole is 1) that has not happened yet cannot have been recorded as done. */
static int not_future(model_ctx *ctx, json_t *obj, const char *field, int whole, core_error *err)
{
    const char *v = obj_str(obj, field);
    if (v && (whole ? strcmp(v, ctx->now) > 0 : strncmp(v, ctx->now, 10) > 0))
        return problem(ctx, err, field, CORE_E_INVALID_DATE, "a date that has not come yet cannot be recorded as past",
                       "%s cannot be in the future", field);
    return 0;
}

/* Was the field changed by this write (or given on a create)? */
static int changed(model_ctx *ctx, json_t *obj, const char *field)
{
    if (!ctx->before)
        return json_object_get(obj, field) && !json_is_null(json_object_get(obj, field));
    return !json_equal(json_object_get(obj, field), json_object_get(ctx->before, field));
}

int person_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = 0;
    if (!ctx->problems && !obj_str(obj, "given_name") && !obj_str(obj, "family_name") &&
        !obj_str(obj, "date_of_birth") && !obj_str(obj, "expected_date")) /* unless a name given was refused */
        rc = problem(ctx, err, NULL, CORE_E_MISSING_FIELD, NULL,
                     "a person needs a name, a date of birth or an expected date");
    if (!rc && obj_str(obj, "date_of_birth") && obj_str(obj, "expected_date"))
        rc = problem(ctx, err, "expected_date", CORE_E_INVALID_VALUE, NULL,
                     "date_of_birth and expected_date cannot both be set");
    const char *dob = obj_str(obj, "date_of_birth");
    if (!rc && dob && strncmp(dob, ctx->now, 10) > 0)
        rc = problem(ctx, err, "date_of_birth", CORE_E_INVALID_DATE, "for an unborn child record expected_date instead",
                     "date_of_birth cannot be in the future");
    set_key(ctx, obj, "given_name", "given_key");
    set_key(ctx, obj, "family_name", "family_key");
    return rc;
}

int named_key_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    (void)err;
    set_key(ctx, obj, "family_name", "family_key");
    return 0;
}

int dates_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    return date_order(ctx, obj, "from_date", "to_date", err);
}

/* A user who can work a case: enabled, and of a role that opens case records (docs/access.md: never the
 * administrator or an analyst, who can never open the case; governance works cases only on a duty). */
static const char SQL_USER_WORKS_CASES[] =
    "SELECT count(*)\n"
    "  FROM app_user\n"
    " WHERE id = $1\n"
    "   AND disabled = 0\n"
    "   AND role IN ('front_door', 'practitioner', 'team_manager', 'partner')";

static int user_works_cases(model_ctx *ctx, json_t *obj, const char *field, core_error *err)
{
    json_t *user = json_object_get(obj, field);
    if (!user || json_is_null(user))
        return 0;
    store_value p[] = {store_v_int(json_integer_value(user))};
    int64_t n = 0;
    int rc = store_query_int(ctx->db, ctx->arena, SQL_USER_WORKS_CASES, p, 1, &n, err);
    if (rc)
        return rc;
    if (n == 0)
        return problem(ctx, err, field, CORE_E_INVALID_VALUE,
                       "choose an enabled practitioner, team manager or partner; administrators and analysts never "
                       "open case records",
                       "field %s names a user who cannot work a case", field);
    return 0;
}

/* The link's opens column, when the caller decided it (model_ctx.link_opens). */
static void link_opens_set(model_ctx *ctx, json_t *obj, const char *column)
{
    if (ctx->link_opens >= 0)
        json_object_set_new(obj, column, json_boolean(ctx->link_opens));
}

int member_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    link_opens_set(ctx, obj, "opens_person");
    return date_order(ctx, obj, "from_date", "to_date", err);
}

int contact_child_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    (void)err;
    link_opens_set(ctx, obj, "opens_person");
    return 0;
}

int model_email_ok(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len > 254 || !at || at == s || at - s > 64 || strchr(at + 1, '@'))
        return 0;
    for (const char *c = s; c < at; c++) /* the local part: printable, no space, no "..", no dot at either end */
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("()<>[]\\,;:\"", *c) ||
            (*c == '.' && (c == s || c + 1 == at || c[1] == '.')))
            return 0;
    /* the domain: dot-separated labels of letters, digits and inner hyphens; at least two; a last of letters */
    const char *label = at + 1, *last = NULL;
    int labels = 0;
    for (const char *c = label;; c++) {
        if (*c == '.' || *c == 0) {
            size_t n = (size_t)(c - label);
            if (n == 0 || n > 63 || label[0] == '-' || c[-1] == '-')
                return 0;
            labels++;
            last = label;
            if (*c == 0)
                break;
            label = c + 1;
            continue;
        }
        unsigned char u = (unsigned char)*c;
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u >= 0x80))
            return 0;
    }
    if (labels < 2 || strlen(last) < 2)
        return 0;
    for (const char *c = last; *c; c++)
        if ((*c >= '0' && *c <= '9') || *c == '-')
            return 0;
    return 1;
}

int contact_detail_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    const char *kind = obj_str(obj, "kind"), *value = obj_str(obj, "value");
    if (kind && value && strcmp(kind, "email") == 0 && !model_email_ok(value))
        return problem(ctx, err, "value", CORE_E_INVALID_VALUE, "write it as name@example.org",
                       "value is not an email address");
    return 0;
}

/* agency_types: the agency_type codes a consent shares with, comma-separated; each checked (a typo would
 * otherwise share with nobody, silently), stored without spaces. Needed for, and only for, scope
 * share_named_agency_types. */
static int agency_types_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    const char *scope = obj_str(obj, "scope"), *types = obj_str(obj, "agency_types");
    int named = scope && strcmp(scope, "share_named_agency_types") == 0;
    if (!types || !types[0]) {
        if (named)
            return problem(ctx, err, "agency_types", CORE_E_MISSING_FIELD,
                           "name the agency types as codes, comma-separated (GET /api/v1/reference/agency_type)",
                           "a consent to share with named agency types names them");
        return 0;
    }
    if (!named)
        return problem(ctx, err, "agency_types", CORE_E_INVALID_VALUE, "leave agency_types out for this scope",
                       "agency_types is only for scope share_named_agency_types");
    core_buf canon;
    core_buf_init_arena(&canon, ctx->arena, 2048);
    const char *p = types;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        char *code = core_arena_strndup(ctx->arena, a, (size_t)(b - a));
        int rc = code[0] ? model_ref_code_exists(ctx, "agency_type", code, err) : 0;
        if (rc < 0)
            return rc;
        if (!rc)
            return problem(ctx, err, "agency_types", CORE_E_INVALID_CODE,
                           "GET /api/v1/reference/agency_type lists the codes",
                           "agency_types names something that is not an agency type code");
        if (canon.len)
            core_buf_adds(&canon, ",");
        core_buf_adds(&canon, code);
        p = *end ? end + 1 : end;
    }
    json_object_set_new(obj, "agency_types", json_string(canon.data));
    return 0;
}

int consent_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = agency_types_check(ctx, obj, err);
    if (rc == 0)
        rc = not_future(ctx, obj, "given_on", 0, err);
    if (rc == 0)
        rc = date_order(ctx, obj, "given_on", "withdrawn_on", err);
    return rc;
}

int taf_member_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    json_t *user = json_object_get(obj, "user_id");
    int rc = 0;
    if ((!user || json_is_null(user)) && !obj_str(obj, "name"))
        rc = problem(ctx, err, "name", CORE_E_MISSING_FIELD, NULL, "a team member needs user_id or name");
    if (rc == 0)
        rc = user_works_cases(ctx, obj, "user_id", err);
    if (rc == 0)
        rc = date_order(ctx, obj, "from_date", "to_date", err);
    return rc;
}

int sharing_basis_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    return date_order(ctx, obj, "recorded_on", "ended_on", err);
}

int contact_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    link_opens_set(ctx, obj, "opens_family");
    int has_decision = obj_str(obj, "decision") != NULL, has_date = obj_str(obj, "decision_date") != NULL;
    int rc = 0;
    if (has_decision != has_date)
        rc = problem(ctx, err, has_decision ? "decision_date" : "decision", CORE_E_MISSING_FIELD, NULL,
                     "decision and decision_date go together");
    if (rc == 0)
        rc = not_future(ctx, obj, "received_on", 0, err);
    if (rc == 0)
        rc = not_future(ctx, obj, "decision_date", 0, err);
    if (rc == 0)
        rc = date_order(ctx, obj, "received_on", "decision_date", err);
    return rc;
}

/* A case closes when the team manager approves the lead's request; a second open episode of a family needs a
 * reason; the plan's actions still open at closure are said what becomes of them. */
static int episode_closure_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int64_t id = obj_int(obj, "id"), family = obj_int(obj, "family_id");
    int open = obj_str(obj, "end_date") == NULL;
    int was_open = !ctx->before || obj_str(ctx->before, "end_date") == NULL;
    int rc = 0;
    if (open && (!ctx->before || !was_open)) { /* opened, or re-opened */
        int64_t others = 0;
        rc = model_other_open_episodes(ctx, family, id, &others, err);
        if (rc)
            return rc;
        const char *why = obj_str(obj, "concurrent_reason");
        if (others && (!why || !why[0]))
            rc = problem(ctx, err, "concurrent_reason", CORE_E_INVALID_VALUE,
                         "work within the open episode, or say in concurrent_reason why a second one is needed",
                         "the family already has an open episode");
    }
    if (rc == 0 && !open && was_open && ctx->before) { /* closing */
        int64_t n = 0;
        rc = model_open_actions(ctx, id, &n, err);
        if (rc)
            return rc;
        if (n && !obj_str(obj, "open_actions"))
            rc = problem(ctx, err, "open_actions", CORE_E_MISSING_FIELD,
                         "open_actions: cancelled, family or agency (GET /api/v1/reference/closure_open_actions)",
                         "%lld action%s of the plan %s still open: say what happens to %s", (long long)n,
                         n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "it" : "them");
    }
    if (rc == 0 && obj_str(obj, "closure_requested_on")) {
        if (!obj_str(obj, "closure_request_reason"))
            rc = problem(ctx, err, "closure_request_reason", CORE_E_MISSING_FIELD, NULL,
                         "a request to close names the reason proposed");
        if (rc == 0)
            rc = not_future(ctx, obj, "closure_requested_on", 0, err);
        if (rc == 0)
            rc = date_order(ctx, obj, "start_date", "closure_requested_on", err);
    }
    if (changed(ctx, obj, "closure_requested_on"))
        json_object_set_new(obj, "closure_requested_by", obj_str(obj, "closure_requested_on") && ctx->user_id
                                                             ? json_integer(ctx->user_id)
                                                             : json_null());
    return rc;
}

int episode_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = user_works_cases(ctx, obj, "lead_user_id", err);
    int has_end = obj_str(obj, "end_date") != NULL, has_reason = obj_str(obj, "closure_reason") != NULL;
    if (rc == 0 && has_end != has_reason)
        rc = problem(ctx, err, has_end ? "closure_reason" : "end_date", CORE_E_MISSING_FIELD, NULL,
                     "end_date and closure_reason go together");
    if (rc == 0)
        rc = date_order(ctx, obj, "start_date", "end_date", err);
    if (rc == 0)
        rc = not_future(ctx, obj, "end_date", 0, err);
    if (rc == 0)
        rc = date_order(ctx, obj, "programme_start", "programme_end", err);
    return rc ? rc : episode_closure_check(ctx, obj, err);
}

int assessment_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = date_order(ctx, obj, "started_on", "completed_on", err);
    return rc ? rc : not_future(ctx, obj, "completed_on", 0, err);
}

/* A need is a code of the outcomes framework (its version, its headline, the need under that headline) and
 * is tied, if to anyone, to a member of the family assessed. */
int need_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    const char *fw = obj_str(obj, "framework"), *headline = obj_str(obj, "headline"), *need = obj_str(obj, "need_code");
    int rc;
    if (fw) {
        rc = model_framework_has(ctx, fw, NULL, NULL, err);
        if (rc < 0)
            return rc;
        if (!rc) {
            rc = problem(ctx, err, "framework", CORE_E_INVALID_CODE, "the framework in use is 2022-10",
                         "framework is not a version of the Supporting Families outcome framework");
            if (rc)
                return rc;
            fw = NULL;
        }
    }
    if (fw && headline) {
        rc = model_framework_has(ctx, fw, headline, NULL, err);
        if (rc < 0)
            return rc;
        if (!rc && (rc = problem(ctx, err, "headline", CORE_E_INVALID_CODE,
                                 "GET /api/v1/reference/sf_headline lists the codes",
                                 "headline is not a headline of framework %s", fw)))
            return rc;
        if (need) {
            rc = model_framework_has(ctx, fw, headline, need, err);
            if (rc < 0)
                return rc;
            if (!rc && (rc = problem(ctx, err, "need_code", CORE_E_INVALID_CODE,
                                     "GET /api/v1/reference/sf_need lists the needs under each headline",
                                     "need_code is not a need under headline %s", headline)))
                return rc;
        }
    }
    json_t *person = json_object_get(obj, "person_id");
    if (json_is_integer(person)) {
        rc = model_need_person_in_family(ctx, obj_int(obj, "assessment_id"), json_integer_value(person), err);
        if (rc < 0)
            return rc;
        if (!rc)
            return problem(ctx, err, "person_id", CORE_E_INVALID_VALUE,
                           "add the person to the family first, or record the need for the family as a whole",
                           "person_id names someone who is not a member of the family assessed");
    }
    return 0;
}

int plan_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    return date_order(ctx, obj, "agreed_on", "ends_on", err);
}

int action_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    const char *status = obj_str(obj, "status");
    int rc = 0;
    if (status && strcmp(status, "done") == 0 && !obj_str(obj, "done_on"))
        rc = problem(ctx, err, "done_on", CORE_E_MISSING_FIELD, "give done_on, the date it was done",
                     "a done action needs the date it was done");
    if (rc == 0)
        rc = not_future(ctx, obj, "done_on", 0, err);
    return rc;
}

int review_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = not_future(ctx, obj, "held_on", 0, err);
    const char *held = obj_str(obj, "held_on"), *next = obj_str(obj, "next_review_due");
    if (rc == 0 && held && next && strcmp(next, held) <= 0)
        rc = problem(ctx, err, "next_review_due", CORE_E_INVALID_DATE, NULL,
                     "next_review_due must be after held_on");
    return rc;
}

int note_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = not_future(ctx, obj, "occurred_at", 1, err);
    if (rc || ctx->before)
        return rc;
    char end[11];
    rc = model_episode_end(ctx, obj_int(obj, "episode_id"), end, err);
    if (rc)
        return rc;
    json_object_set_new(obj, "after_closure", json_boolean(end[0] != 0));
    return 0;
}

/* A supervision: held, so not in the future; the next one after it; the practitioner supervised one who can
 * work a case. */
int supervision_check(model_ctx *ctx, json_t *obj, core_error *err)
{
    int rc = not_future(ctx, obj, "supervised_on", 0, err);
    const char *held = obj_str(obj, "supervised_on"), *next = obj_str(obj, "next_supervision_on");
    if (rc == 0 && held && next && strcmp(next, held) <= 0)
        rc = problem(ctx, err, "next_supervision_on", CORE_E_INVALID_DATE, NULL,
                     "next_supervision_on must be after supervised_on");
    if (rc == 0)
        rc = user_works_cases(ctx, obj, "practitioner_user_id", err);
    return rc;
}
