/*
 * web_case_forms.c — the practitioner's question pages: a note, a review, an activity, a Team Around the
 * Family member, a plan with its goals and actions, an assessment with its six areas and its needs, consent,
 * asking to close a case (with "check your answers"), the team manager closing or re-opening it, and break
 * glass.
 *
 * Every form is a row of FORMS: the record the URL names (its kind), the record it creates under it (or the
 * change it makes to it), and its fields (web_qform.h). GET reads the URL's record as GET /api/v1/<kind>/{id}
 * does — so a record the user may not see answers 403 or 404 exactly as the API, naming nothing — and draws
 * the form; POST reads it the same way, then writes through api_record_create()/api_record_update() (the
 * API's decision, rules, validation and audit event), and shows every problem beside its field, or goes back
 * to the record's page with a notification banner. Break glass cannot read the record first (that is why it
 * is asked for): it goes straight to api_break_glass_grant().
 */
#include <inttypes.h>
#include <string.h>

#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"

#define N(a)    (sizeof(a) / sizeof((a)[0]))
#define NO_HINT WEB_S_LANG

static const web_qfield NOTE[] = {
    {"note_type", WEB_F_SELECT, WEB_S_CASE_NOTE_TYPE, NO_HINT, "note_type"},
    {"occurred_at", WEB_F_DATETIME, WEB_S_CASE_OCCURRED, WEB_S_CASE_DATE_HINT, NULL},
    {"subject", WEB_F_TEXT, WEB_S_CASE_SUBJECT, NO_HINT, NULL},
    {"body", WEB_F_TEXTAREA, WEB_S_CASE_NOTE_BODY, NO_HINT, NULL},
};
static const web_qfield REVIEW[] = {
    {"held_on", WEB_F_DATE, WEB_S_CASE_HELD_ON, WEB_S_CASE_DATE_HINT, NULL},
    {"outcome", WEB_F_RADIOS, WEB_S_CASE_OUTCOME, NO_HINT, "review_outcome"},
    {"next_review_due", WEB_F_DATE, WEB_S_CASE_NEXT_REVIEW, NO_HINT, NULL},
    {"notes", WEB_F_TEXTAREA, WEB_S_CASE_REVIEW_NOTES, NO_HINT, NULL},
};
static const web_qfield ACTIVITY[] = {
    {"activity_type", WEB_F_SELECT, WEB_S_CASE_ACTIVITY_TYPE, NO_HINT, "activity_type"},
    {"name", WEB_F_TEXT, WEB_S_CASE_ACTIVITY_NAME, NO_HINT, NULL},
    {"provider", WEB_F_TEXT, WEB_S_CASE_PROVIDER, NO_HINT, NULL},
    {"attended_on", WEB_F_DATE, WEB_S_CASE_ATTENDED_ON, NO_HINT, NULL},
    {"attended", WEB_F_BOOL, WEB_S_CASE_ATTENDED, NO_HINT, NULL},
};
static const web_qfield TAF[] = {
    {"user_id", WEB_F_RECORD, WEB_S_CASE_TAF_USER, WEB_S_CASE_TAF_USER_HINT, NULL},
    {"name", WEB_F_TEXT, WEB_S_CASE_TAF_NAME, WEB_S_CASE_TAF_NAME_HINT, NULL},
    {"taf_role", WEB_F_TEXT, WEB_S_CASE_TAF_ROLE, NO_HINT, NULL},
    {"from_date", WEB_F_DATE, WEB_S_CASE_TAF_FROM, NO_HINT, NULL},
    {"to_date", WEB_F_DATE, WEB_S_CASE_TAF_TO, NO_HINT, NULL},
};
static const web_qfield PLAN[] = {
    {"agreed_on", WEB_F_DATE, WEB_S_CASE_AGREED_ON, NO_HINT, NULL},
    {"ends_on", WEB_F_DATE, WEB_S_CASE_ENDS_ON, NO_HINT, NULL},
};
static const web_qfield GOAL[] = {
    {"description", WEB_F_TEXTAREA, WEB_S_CASE_GOAL, NO_HINT, NULL},
    {"headline", WEB_F_SELECT, WEB_S_CASE_HEADLINE, NO_HINT, "sf_headline"},
};
static const web_qfield ACTION[] = {
    {"description", WEB_F_TEXTAREA, WEB_S_CASE_ACTION, NO_HINT, NULL},
    {"owner_name", WEB_F_TEXT, WEB_S_CASE_OWNER, NO_HINT, NULL},
    {"due_date", WEB_F_DATE, WEB_S_CASE_DUE, NO_HINT, NULL},
};
static const web_qfield ACTION_UPDATE[] = {
    {"status", WEB_F_RADIOS, WEB_S_CASE_STATUS, NO_HINT, "plan_action_status"},
    {"done_on", WEB_F_DATE, WEB_S_CASE_DONE_ON, WEB_S_CASE_DONE_ON_HINT, NULL},
};
static const web_qfield ASSESSMENT[] = {
    {"started_on", WEB_F_DATE, WEB_S_CASE_STARTED_ON, NO_HINT, NULL},
    {"organisation", WEB_F_TEXT, WEB_S_CASE_ORGANISATION, NO_HINT, NULL},
};
static const web_qfield ASSESSMENT_DONE[] = {
    {"completed_on", WEB_F_DATE, WEB_S_CASE_COMPLETED_ON, NO_HINT, NULL},
    {"summary", WEB_F_TEXTAREA, WEB_S_CASE_SUMMARY, NO_HINT, NULL},
};
static const web_qfield AREA[] = {
    {"area", WEB_F_RADIOS, WEB_S_CASE_AREA, NO_HINT, "assessment_area"},
    {"working_well", WEB_F_TEXTAREA, WEB_S_CASE_WORKING_WELL, NO_HINT, NULL},
    {"worried_about", WEB_F_TEXTAREA, WEB_S_CASE_WORRIED, NO_HINT, NULL},
    {"needs_to_happen", WEB_F_TEXTAREA, WEB_S_CASE_NEEDS_HAPPEN, NO_HINT, NULL},
    {"scale", WEB_F_SCALE, WEB_S_CASE_SCALE, WEB_S_CASE_SCALE_HINT, NULL},
};
static const web_qfield NEED[] = {
    {"headline", WEB_F_SELECT, WEB_S_CASE_HEADLINE, NO_HINT, "sf_headline"},
    {"need_code", WEB_F_SELECT, WEB_S_CASE_NEED, NO_HINT, "sf_need"},
    {"person_id", WEB_F_RECORD, WEB_S_CASE_NEED_PERSON, WEB_S_CASE_NEED_PERSON_HINT, NULL},
    {"evidence", WEB_F_TEXTAREA, WEB_S_CASE_EVIDENCE, NO_HINT, NULL},
};
static const web_qfield CONSENT[] = {
    {"scope", WEB_F_RADIOS, WEB_S_CASE_SCOPE, NO_HINT, "consent_scope"},
    {"agency_types", WEB_F_CHECKBOXES, WEB_S_CASE_AGENCY_TYPES, WEB_S_CASE_AGENCY_TYPES_HINT, "agency_type"},
    {"method", WEB_F_SELECT, WEB_S_CASE_METHOD, NO_HINT, "consent_method"},
    {"given_by_name", WEB_F_TEXT, WEB_S_CASE_GIVEN_BY, NO_HINT, NULL},
    {"given_on", WEB_F_DATE, WEB_S_CASE_GIVEN_ON, NO_HINT, NULL},
};
static const web_qfield ASK_CLOSE[] = {
    {"closure_requested_on", WEB_F_DATE, WEB_S_CASE_REQUESTED_ON, NO_HINT, NULL},
    {"closure_request_reason", WEB_F_RADIOS, WEB_S_CASE_CLOSURE_REASON, WEB_S_CASE_STEP_UP_HINT,
     "closure_reason"},
    {"closure_request_note", WEB_F_TEXTAREA, WEB_S_CASE_CLOSURE_NOTE, NO_HINT, NULL},
};
static const web_qfield CLOSE[] = {
    {"end_date", WEB_F_DATE, WEB_S_CASE_END_DATE, NO_HINT, NULL},
    {"closure_reason", WEB_F_RADIOS, WEB_S_CASE_CLOSURE_REASON, WEB_S_CASE_STEP_UP_HINT, "closure_reason"},
    {"open_actions", WEB_F_RADIOS, WEB_S_CASE_OPEN_ACTIONS, WEB_S_CASE_OPEN_ACTIONS_HINT,
     "closure_open_actions"},
};
static const web_qfield REOPEN[] = {
    {"concurrent_reason", WEB_F_TEXT, WEB_S_CASE_CONCURRENT, WEB_S_CASE_CONCURRENT_HINT, NULL},
};
static const web_qfield SUPERVISION[] = {
    {"supervised_on", WEB_F_DATE, WEB_S_SUP_ON, WEB_S_CASE_DATE_HINT, NULL},
    {"practitioner_user_id", WEB_F_RECORD, WEB_S_SUP_PRACTITIONER, WEB_S_SUP_PRACTITIONER_HINT, NULL},
    {"discussion", WEB_F_TEXTAREA, WEB_S_SUP_DISCUSSION, NO_HINT, NULL},
    {"decisions", WEB_F_TEXTAREA, WEB_S_SUP_DECISIONS, NO_HINT, NULL},
    {"next_supervision_on", WEB_F_DATE, WEB_S_SUP_NEXT, NO_HINT, NULL},
};
static const web_qfield GLASS[] = {
    {"reason", WEB_F_RADIOS, WEB_S_CASE_GLASS_REASON, NO_HINT, "break_glass_reason"},
    {"explanation", WEB_F_TEXTAREA, WEB_S_CASE_GLASS_EXPLANATION, WEB_S_CASE_GLASS_HINT, NULL},
};

typedef struct case_form {
    const char *key;  /* the route's data: "<kind>:<slug>" */
    const char *kind; /* the record the URL names: episodes, plans, actions, assessments, families, people */
    const char *creates; /* the record created under it, or NULL: a change of the record itself */
    const char *fixed;   /* JSON merged into the body (a re-opening clears the end), or NULL */
    int check_answers;   /* 1: a "check your answers" page before the write */
    web_str_id heading, submit, done;
    const web_qfield *fields;
    size_t n;
} case_form;

static const case_form FORMS[] = {
    {"episodes:add-note", "episodes", "notes", NULL, 0, WEB_S_CASE_ADD_NOTE, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_NOTE, NOTE, N(NOTE)},
    {"episodes:add-review", "episodes", "reviews", NULL, 0, WEB_S_CASE_ADD_REVIEW, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_REVIEW, REVIEW, N(REVIEW)},
    {"episodes:add-activity", "episodes", "activities", NULL, 0, WEB_S_CASE_ADD_ACTIVITY, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_ACTIVITY, ACTIVITY, N(ACTIVITY)},
    {"episodes:add-taf-member", "episodes", "taf-members", NULL, 0, WEB_S_CASE_ADD_TAF, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_TAF, TAF, N(TAF)},
    {"episodes:add-plan", "episodes", "plans", NULL, 0, WEB_S_CASE_ADD_PLAN, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_PLAN, PLAN, N(PLAN)},
    {"episodes:add-assessment", "episodes", "assessments", NULL, 0, WEB_S_CASE_ADD_ASSESSMENT,
     WEB_S_CASE_SAVE, WEB_S_CASE_DONE_ASSESSMENT, ASSESSMENT, N(ASSESSMENT)},
    {"episodes:ask-to-close", "episodes", NULL, NULL, 1, WEB_S_CASE_ASK_CLOSE, WEB_S_CASE_CONTINUE,
     WEB_S_CASE_DONE_ASK_CLOSE, ASK_CLOSE, N(ASK_CLOSE)},
    {"episodes:close", "episodes", NULL, NULL, 0, WEB_S_CASE_CLOSE, WEB_S_CASE_CLOSE_BUTTON,
     WEB_S_CASE_DONE_CLOSE, CLOSE, N(CLOSE)},
    {"episodes:reopen", "episodes", NULL, "{\"end_date\":null,\"closure_reason\":null}", 0, WEB_S_CASE_REOPEN,
     WEB_S_CASE_REOPEN, WEB_S_CASE_DONE_REOPEN, REOPEN, N(REOPEN)},
    {"episodes:add-supervision", "episodes", "supervisions", NULL, 0, WEB_S_SUP_ADD, WEB_S_CASE_SAVE,
     WEB_S_SUP_DONE, SUPERVISION, N(SUPERVISION)},
    /* a saved note or review, edited by its author while the case is open (api_rules.c); the earlier text is
     * kept in the record's history */
    {"notes:edit", "notes", NULL, NULL, 0, WEB_S_EDIT_NOTE, WEB_S_CASE_SAVE, WEB_S_DONE_EDIT, NOTE, N(NOTE)},
    {"reviews:edit", "reviews", NULL, NULL, 0, WEB_S_EDIT_REVIEW, WEB_S_CASE_SAVE, WEB_S_DONE_EDIT, REVIEW,
     N(REVIEW)},
    {"plans:add-goal", "plans", "goals", NULL, 0, WEB_S_CASE_ADD_GOAL, WEB_S_CASE_SAVE, WEB_S_CASE_DONE_GOAL,
     GOAL, N(GOAL)},
    {"plans:add-action", "plans", "actions", NULL, 0, WEB_S_CASE_ADD_ACTION, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_ACTION, ACTION, N(ACTION)},
    {"actions:update", "actions", NULL, NULL, 0, WEB_S_CASE_UPDATE_ACTION, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_ACTION, ACTION_UPDATE, N(ACTION_UPDATE)},
    {"assessments:add-area", "assessments", "areas", NULL, 0, WEB_S_CASE_ADD_AREA, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_AREA, AREA, N(AREA)},
    {"assessments:add-need", "assessments", "needs", "{\"framework\":\"2022-10\"}", 0, WEB_S_CASE_ADD_NEED,
     WEB_S_CASE_SAVE, WEB_S_CASE_DONE_NEED, NEED, N(NEED)},
    {"assessments:complete", "assessments", NULL, NULL, 0, WEB_S_CASE_COMPLETE_ASSESSMENT, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_ASSESSMENT, ASSESSMENT_DONE, N(ASSESSMENT_DONE)},
    {"families:add-consent", "families", "consents", NULL, 0, WEB_S_CASE_ADD_CONSENT, WEB_S_CASE_SAVE,
     WEB_S_CASE_DONE_CONSENT, CONSENT, N(CONSENT)},
    {"families:break-glass", "families", NULL, NULL, 0, WEB_S_CASE_BREAK_GLASS, WEB_S_CASE_BREAK_GLASS_BUTTON,
     WEB_S_CASE_DONE_GLASS, GLASS, N(GLASS)},
    {"people:break-glass", "people", NULL, NULL, 0, WEB_S_CASE_BREAK_GLASS, WEB_S_CASE_BREAK_GLASS_BUTTON,
     WEB_S_CASE_DONE_GLASS, GLASS, N(GLASS)},
};

static const case_form *form_of(http_req *req)
{
    const char *key = req->route ? req->route->data : NULL;
    for (size_t i = 0; key && i < N(FORMS); i++)
        if (strcmp(FORMS[i].key, key) == 0) return &FORMS[i];
    return NULL;
}

const char *web_case_done(const char *slug)
{
    for (size_t i = 0; slug && i < N(FORMS); i++) {
        const char *s = strchr(FORMS[i].key, ':') + 1;
        if (strcmp(s, slug) == 0) return web_str(FORMS[i].done);
    }
    return NULL;
}

static int is_glass(const case_form *cf)
{
    return strcmp(strchr(cf->key, ':') + 1, "break-glass") == 0;
}

/* The page a form goes back to: the episode of an episode's, plan's, action's or assessment's form (read
 * through the API's reads), the family's or the person's own page. "" when it cannot be told. */
static const char *home_of(http_req *req, const case_form *cf, int64_t id, json_t *rec, core_error *err)
{
    if (strcmp(cf->kind, "families") == 0 || strcmp(cf->kind, "people") == 0)
        return core_arena_printf(&req->arena, "/%s/%" PRId64, cf->kind, id);
    if (strcmp(cf->kind, "episodes") == 0) return core_arena_printf(&req->arena, "/episodes/%" PRId64, id);
    if (strcmp(cf->kind, "actions") == 0) { /* action -> its plan -> the episode */
        json_t *plan;
        if (api_record_read(req, model_resource_find("plans"),
                            json_integer_value(json_object_get(rec, "plan_id")), &plan, err))
            return NULL;
        rec = plan;
    }
    return core_arena_printf(&req->arena, "/episodes/%" PRId64,
                             (int64_t)json_integer_value(json_object_get(rec, "episode_id")));
}

static const char *caption_of(http_req *req, const case_form *cf, int64_t id)
{
    static const struct {
        const char *kind;
        web_str_id s;
    } K[] = {{"episodes", WEB_S_CASE_EPISODE_N}, {"plans", WEB_S_CASE_PLAN_N},
             {"actions", WEB_S_CASE_ACTION_N},   {"assessments", WEB_S_CASE_ASSESSMENT_N},
             {"families", WEB_S_CASE_FAMILY_N},  {"people", WEB_S_CASE_PERSON_N},
             {"notes", WEB_S_CASE_NOTE_N},       {"reviews", WEB_S_CASE_REVIEW_N}};
    for (size_t i = 0; i < N(K); i++)
        if (strcmp(K[i].kind, cf->kind) == 0)
            return core_arena_printf(&req->arena, "%s %" PRId64, web_str(K[i].s), id);
    return "";
}

/* What the intro of a form shows: the lead's request above the manager's closing form. */
static web_raw intro_of(http_req *req, const case_form *cf, json_t *rec)
{
    web_raw none = {NULL};
    if (strcmp(cf->key, "episodes:close") != 0 || !rec) return none;
    const char *on = web_json_text(req, rec, "closure_requested_on");
    if (!on) return web_paragraph(req, web_str(WEB_S_CASE_NO_REQUEST));
    core_buf *rows = web_buf(req);
    web_qsummary_row(req, rows, web_str(WEB_S_CASE_REQUESTED_ON), web_date_words(req, on), NULL, NULL, NULL,
                    NULL);
    const char *by = NULL;
    json_t *who = json_object_get(rec, "closure_requested_by");
    if (json_is_integer(who)) {
        model_ctx ctx;
        core_error err;
        model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
        if (model_staff_name(&ctx, json_integer_value(who), &by, &err)) by = NULL;
    }
    web_qsummary_row(req, rows, web_str(WEB_S_CASE_REQUESTED_BY), by, NULL, NULL, NULL, NULL);
    web_qsummary_row(req, rows, web_str(WEB_S_CASE_CLOSURE_REASON),
                    web_code_label(req, "closure_reason", web_json_text(req, rec, "closure_request_reason")),
                    NULL, NULL, NULL, NULL);
    web_qsummary_row(req, rows, web_str(WEB_S_CASE_CLOSURE_NOTE),
                    web_json_text(req, rec, "closure_request_note"), NULL, NULL, NULL, NULL);
    return web_qsummary(req, rows);
}

static void json_release(void *p)
{
    json_decref(p);
}

/* The members of the family an assessment's episode belongs to, offered as a need's person: read as the
 * family page reads them (GET /api/v1/episodes/{e}, .../members, GET /api/v1/people/{p} each); a member
 * whose record is hidden is not offered. 0 or the error's code (a refusal leaves the list empty). */
static int offer_members(http_req *req, json_t *rec, json_t *offered, core_error *err)
{
    json_t *ep, *members;
    int64_t next;
    if (api_record_read(req, model_resource_find("episodes"),
                        json_integer_value(json_object_get(rec, "episode_id")), &ep, err) ||
        api_record_list(req, model_resource_find("members"),
                        json_integer_value(json_object_get(ep, "family_id")), NULL, 0, 0, MODEL_LIST_MAX,
                        &members, &next, err))
        return web_case_refused(err) ? (core_error_clear(err), 0) : err->code;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        json_t *p;
        int64_t pid = json_integer_value(json_object_get(m, "person_id"));
        if (api_record_read(req, model_resource_find("people"), pid, &p, err)) {
            if (!web_case_refused(err)) return err->code;
            core_error_clear(err);
            continue;
        }
        json_array_append_new(offered,
                              json_pack("{s:s,s:s}", "code", core_arena_printf(&req->arena, "%" PRId64, pid),
                                        "label", web_case_person_name(req, p)));
    }
    return 0;
}

/* A Team Around the Family member from the staff directory (GET /api/v1/users, the same function): those who
 * work cases, by name, with their role; someone outside Hearth is typed in by name instead. */
static int offer_directory(http_req *req, json_t *offered, core_error *err)
{
    static const struct {
        const char *role;
        web_str_id words;
    } WORKS[] = {{"practitioner", WEB_S_ROLE_PRACTITIONER},
                 {"team_manager", WEB_S_ROLE_TEAM_MANAGER},
                 {"partner", WEB_S_ROLE_PARTNER},
                 {"front_door", WEB_S_ROLE_FRONT_DOOR}};
    json_t *users;
    if (api_users_items(req, &users, err)) return err->code;
    core_arena_on_release(&req->arena, json_release, users);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        const char *role = json_string_value(json_object_get(u, "role"));
        for (size_t k = 0; role && k < N(WORKS); k++)
            if (strcmp(role, WORKS[k].role) == 0)
                json_array_append_new(
                    offered, json_pack("{s:s,s:s}", "code", web_json_text(req, u, "id"), "label",
                                       core_arena_printf(&req->arena, "%s (%s)", web_json_text(req, u, "name"),
                                                         web_str(WORKS[k].words))));
    }
    return 0;
}

/* The practitioner supervised: the enabled practitioners and managers of the team owning the case (the
 * directory the allocation page offers, model_team_staff); the form starts with the case's lead chosen. */
static int offer_team(http_req *req, json_t *rec, json_t *offered, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *staff;
    if (model_team_staff(&ctx, json_integer_value(json_object_get(rec, "owning_team_id")), &staff, err))
        return err->code;
    size_t i;
    json_t *u;
    json_array_foreach(staff, i, u)
        json_array_append_new(offered, json_pack("{s:s,s:s}", "code", web_json_text(req, u, "id"), "label",
                                                 web_json_text(req, u, "name")));
    return 0;
}

/* The records a form's WEB_F_RECORD field offers: a need's person (the family's members), a Team Around the
 * Family member (the staff directory), the practitioner supervised (the owning team's staff). */
static int offer_records(http_req *req, const case_form *cf, json_t *rec, web_qform *f, core_error *err)
{
    if (!rec) return 0;
    int need = strcmp(cf->key, "assessments:add-need") == 0, taf = strcmp(cf->key, "episodes:add-taf-member") == 0,
        sup = strcmp(cf->key, "episodes:add-supervision") == 0;
    if (!need && !taf && !sup) return 0;
    json_t *offered = json_array();
    core_arena_on_release(&req->arena, json_release, offered);
    for (size_t i = 0; i < f->n; i++)
        if (f->fields[i].kind == WEB_F_RECORD) f->records[i] = offered;
    return need ? offer_members(req, rec, offered, err)
           : taf ? offer_directory(req, offered, err)
                 : offer_team(req, rec, offered, err);
}

/* Read the URL's record as its GET does (NULL for break glass, which has no footing yet). 0 or the code. */
static int read_record(http_req *req, const case_form *cf, int64_t id, json_t **rec, core_error *err)
{
    *rec = NULL;
    if (is_glass(cf)) return 0;
    return api_record_read(req, model_resource_find(cf->kind), id, rec, err);
}

static const char *action_path(http_req *req, const case_form *cf, int64_t id)
{
    return core_arena_printf(&req->arena, "/%s/%" PRId64 "/%s", cf->kind, id, strchr(cf->key, ':') + 1);
}

int web_case_form_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const case_form *cf = form_of(req);
    int64_t id = req->ids[0];
    json_t *rec;
    if (!cf) {
        core_error_set(&err, CORE_E_NOT_FOUND, "no such page");
        return http_reply_error(req, &err);
    }
    if (read_record(req, cf, id, &rec, &err)) return http_reply_error(req, &err);
    const char *home = is_glass(cf) ? core_arena_printf(&req->arena, "/%s/%" PRId64, cf->kind, id)
                                    : home_of(req, cf, id, rec, &err);
    if (!home) return http_reply_error(req, &err);
    web_qform f;
    web_qform_init(req, &f, cf->fields, cf->n);
    if (!cf->creates && rec) web_qform_from_row(req, &f, rec);
    if (offer_records(req, cf, rec, &f, &err)) return http_reply_error(req, &err);
    if (strcmp(cf->key, "episodes:add-supervision") == 0) /* the case's lead, until another is chosen */
        for (size_t i = 0; i < f.n; i++)
            if (strcmp(f.fields[i].name, "practitioner_user_id") == 0) f.value[i] = web_json_text(req, rec, "lead_user_id");
    return web_qform_reply(req, &f, caption_of(req, cf, id), web_str(cf->heading), action_path(req, cf, id),
                          web_str(cf->submit), home, intro_of(req, cf, rec));
}

/* "Check your answers": what the form holds, each with a link back to change it, and the form's values
 * carried in hidden fields to the confirming POST. */
static int check_answers(http_req *req, const case_form *cf, int64_t id, web_qform *f, json_t *body)
{
    core_buf *rows = web_buf(req), *hidden = web_buf(req);
    for (size_t i = 0; i < f->n; i++) {
        const web_qfield *w = &f->fields[i];
        const char *v = web_json_text(req, body, w->name);
        const char *shown = w->list                 ? web_code_label(req, w->list, v)
                            : w->kind == WEB_F_DATE ? web_date_words(req, v)
                                                    : v;
        web_qsummary_row(req, rows, web_str(w->label), shown, NULL, NULL, NULL, NULL);
        if (w->kind == WEB_F_DATE) {
            web_tpl_w_hidden(hidden, &(web_tpl_w_hidden_args){
                                            core_arena_printf(&req->arena, "%s-day", w->name), f->d[i]});
            web_tpl_w_hidden(hidden, &(web_tpl_w_hidden_args){
                                            core_arena_printf(&req->arena, "%s-month", w->name), f->m[i]});
            web_tpl_w_hidden(hidden, &(web_tpl_w_hidden_args){
                                            core_arena_printf(&req->arena, "%s-year", w->name), f->y[i]});
        } else {
            web_tpl_w_hidden(hidden, &(web_tpl_w_hidden_args){w->name, f->value[i]});
        }
    }
    web_tpl_w_hidden(hidden, &(web_tpl_w_hidden_args){"confirm", "yes"});
    web_qform none;
    web_qform_init(req, &none, NULL, 0);
    none.hidden = web_render(hidden); /* inside the form: the confirming POST carries the answers */
    none.secondary = web_str(WEB_S_CASE_CHANGE_ANSWERS);
    return web_qform_reply(req, &none, caption_of(req, cf, id), web_str(WEB_S_CASE_CHECK_ANSWERS),
                          action_path(req, cf, id), web_str(WEB_S_CASE_CONFIRM),
                          core_arena_printf(&req->arena, "/episodes/%" PRId64, id), web_qsummary(req, rows));
}

int web_case_form_post(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const case_form *cf = form_of(req);
    int64_t id = req->ids[0];
    if (!cf) {
        core_error_set(&err, CORE_E_NOT_FOUND, "no such page");
        return http_reply_error(req, &err);
    }
    json_t *rec;
    if (read_record(req, cf, id, &rec, &err)) return http_reply_error(req, &err);
    const char *home = is_glass(cf) ? core_arena_printf(&req->arena, "/%s/%" PRId64, cf->kind, id)
                                    : home_of(req, cf, id, rec, &err);
    if (!home) return http_reply_error(req, &err);
    web_qform f;
    web_qform_init(req, &f, cf->fields, cf->n);
    json_t *body = web_qform_body(req, &f);
    if (offer_records(req, cf, rec, &f, &err)) return http_reply_error(req, &err);
    if (cf->fixed) {
        json_t *fixed = json_loads(cf->fixed, 0, NULL);
        json_object_update(body, fixed);
        json_decref(fixed);
    }
    const char *confirm = http_form(req, "confirm"), *edit = http_form(req, "edit");
    if (cf->check_answers && edit && strcmp(edit, "yes") == 0) /* back to the question, the answers kept */
        return web_qform_reply(req, &f, caption_of(req, cf, id), web_str(cf->heading),
                              action_path(req, cf, id), web_str(cf->submit), home, intro_of(req, cf, rec));
    if (cf->check_answers && !(confirm && strcmp(confirm, "yes") == 0))
        return check_answers(req, cf, id, &f, body);
    json_t *out = NULL;
    int rc;
    if (is_glass(cf)) {
        json_object_set_new(body, strcmp(cf->kind, "families") == 0 ? "family_id" : "person_id",
                            json_integer(id));
        int64_t grant = 0;
        rc = api_break_glass_grant(req, body, &grant, &err);
    } else if (cf->creates) {
        rc = api_record_create(req, model_resource_find(cf->creates), id, body, &out, &err);
    } else {
        rc = api_record_update(req, model_resource_find(cf->kind), id, body, &out, &err);
    }
    if (rc) {
        if (!web_qform_refused(req, &f, &err)) return http_reply_error(req, &err);
        return web_qform_reply(req, &f, caption_of(req, cf, id), web_str(cf->heading),
                              action_path(req, cf, id), web_str(cf->submit), home, intro_of(req, cf, rec));
    }
    return http_reply_redirect(req,
                               core_arena_printf(&req->arena, "%s?done=%s", home, strchr(cf->key, ':') + 1));
}
