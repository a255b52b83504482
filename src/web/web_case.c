/*
 * web_case.c — `/episodes/{id}`: one episode of support and everything recorded in it; `/closures`: the
 * team manager's closure sign-off list.
 *
 * The episode page reads, as the API reads them and in this order: GET /api/v1/episodes/{id}, GET
 * /api/v1/families/{f}, then the episode's lists (taf-members, assessments with each one's areas and needs,
 * plans with each one's goals and actions, reviews, activities, notes: GET
 * /api/v1/<parent>/{id}/<list>?limit=500). A list the access decision does not open is left out (a partner
 * sees only the sections shared with their agency). Links lead to the question pages (web_case_forms.c);
 * which are offered follows the user's role, but every write is decided again when it is made.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"

int web_case_refused(const core_error *err)
{
    return err->code == CORE_E_FORBIDDEN || err->code == CORE_E_NOT_FOUND;
}

const char *web_case_person_name(http_req *req, json_t *p)
{
    const char *g = web_json_text(req, p, "preferred_name");
    if (!g) g = web_json_text(req, p, "given_name");
    const char *f = web_json_text(req, p, "family_name");
    return core_arena_printf(&req->arena, "%s%s%s", g ? g : "", g && f ? " " : "", f ? f : "");
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

/* A list under parent, or NULL (err cleared) when the user may not read it; *failed set on another error. */
static json_t *list_of(http_req *req, const char *resource, int64_t parent, core_error *err, int *failed)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find(resource), parent, NULL, 0, 0, MODEL_LIST_MAX, &items, &next,
                        err)) {
        if (web_case_refused(err))
            core_error_clear(err);
        else
            *failed = 1;
        return NULL;
    }
    return items;
}

static web_raw table_or_none(http_req *req, json_t *items, const char *caption, const char *const *heads,
                             size_t n, core_buf *rows, web_str_id none)
{
    return json_array_size(items) ? web_table(req, caption, web_th(req, heads, n), web_render(rows))
                                  : web_paragraph(req, web_str(none));
}

static const char *staff_name(http_req *req, json_t *row, const char *field)
{
    json_t *v = json_object_get(row, field);
    if (!json_is_integer(v)) return NULL;
    model_ctx ctx;
    core_error err;
    const char *name = NULL;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    return model_staff_name(&ctx, json_integer_value(v), &name, &err) ? NULL : name;
}

static int partner_of(http_req *req)
{
    return access_role_of(&req->who) == ACCESS_ROLE_PARTNER;
}

static void link_to(http_req *req, core_buf *items, int64_t id, const char *kind, const char *slug,
                    web_str_id text)
{
    web_link_item(items, core_arena_printf(&req->arena, "/%s/%" PRId64 "/%s", kind, id, slug), web_str(text));
}

static int taf(http_req *req, int64_t e, core_buf *out, core_error *err)
{
    int failed = 0;
    json_t *items = list_of(req, "taf-members", e, err, &failed);
    if (!items) return failed ? err->code : 0;
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m)
    {
        core_buf *cells = web_buf(req);
        const char *name = web_json_text(req, m, "name");
        cell(cells, name ? name : staff_name(req, m, "user_id"));
        cell(cells, web_json_text(req, m, "taf_role"));
        cell(cells, web_date_words(req, web_json_text(req, m, "from_date")));
        cell(cells, web_date_words(req, web_json_text(req, m, "to_date")));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_NAME), web_str(WEB_S_CASE_TAF_ROLE),
                                 web_str(WEB_S_CASE_TAF_FROM), web_str(WEB_S_CASE_TAF_TO)};
    add(out,
        web_section(req, "taf", web_str(WEB_S_CASE_TAF), NULL,
                    table_or_none(req, items, web_str(WEB_S_CASE_TAF), heads, 4, rows, WEB_S_CASE_NONE)));
    return 0;
}

static int assessments(http_req *req, int64_t e, core_buf *out, core_error *err)
{
    int failed = 0;
    json_t *items = list_of(req, "assessments", e, err, &failed);
    if (!items) return failed ? err->code : 0;
    core_buf *body = web_buf(req);
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        int64_t id = json_integer_value(json_object_get(a, "id"));
        core_buf *rows = web_buf(req);
        const char *done = web_json_text(req, a, "completed_on");
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_STARTED_ON),
                        web_date_words(req, web_json_text(req, a, "started_on")), NULL, NULL, NULL, NULL);
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_ORGANISATION), web_json_text(req, a, "organisation"),
                        NULL, NULL, NULL, NULL);
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_COMPLETED_ON), done ? web_date_words(req, done) : NULL,
                        done ? NULL : web_str(WEB_S_CASE_IN_PROGRESS), "govuk-tag--blue", NULL, NULL);
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_SUMMARY), web_json_text(req, a, "summary"), NULL, NULL,
                        NULL, NULL);
        add(body, web_qsummary(req, rows));
        json_t *areas = list_of(req, "areas", id, err, &failed);
        if (failed) return err->code;
        if (areas) {
            core_buf *ar = web_buf(req);
            size_t k;
            json_t *x;
            json_array_foreach(areas, k, x)
            {
                core_buf *cells = web_buf(req);
                cell(cells, web_code_label(req, "assessment_area", web_json_text(req, x, "area")));
                cell(cells, web_json_text(req, x, "working_well"));
                cell(cells, web_json_text(req, x, "worried_about"));
                cell(cells, web_json_text(req, x, "needs_to_happen"));
                cell(cells, web_json_text(req, x, "scale"));
                web_tpl_tr(ar, &(web_tpl_tr_args){web_render(cells)});
            }
            const char *const heads[] = {web_str(WEB_S_CASE_AREA), web_str(WEB_S_CASE_WORKING_WELL),
                                         web_str(WEB_S_CASE_WORRIED), web_str(WEB_S_CASE_NEEDS_HAPPEN),
                                         web_str(WEB_S_CASE_SCALE_SHORT)};
            add(body,
                table_or_none(req, areas, web_str(WEB_S_CASE_AREAS), heads, 5, ar, WEB_S_CASE_NO_AREAS));
        }
        json_t *needs = list_of(req, "needs", id, err, &failed);
        if (failed) return err->code;
        if (needs && json_array_size(needs)) {
            core_buf *nr = web_buf(req);
            size_t k;
            json_t *x;
            json_array_foreach(needs, k, x)
            {
                core_buf *cells = web_buf(req);
                cell(cells, web_code_label(req, "sf_headline", web_json_text(req, x, "headline")));
                cell(cells, web_code_label(req, "sf_need", web_json_text(req, x, "need_code")));
                cell(cells, web_json_text(req, x, "evidence"));
                web_tpl_tr(nr, &(web_tpl_tr_args){web_render(cells)});
            }
            const char *const heads[] = {web_str(WEB_S_CASE_HEADLINE), web_str(WEB_S_CASE_NEED),
                                         web_str(WEB_S_CASE_EVIDENCE)};
            add(body, web_table(req, web_str(WEB_S_CASE_NEEDS), web_th(req, heads, 3), web_render(nr)));
        }
        if (!partner_of(req)) { /* the case's structure is the council's (docs/access.md) */
            core_buf *links = web_buf(req);
            link_to(req, links, id, "assessments", "add-area", WEB_S_CASE_ADD_AREA);
            link_to(req, links, id, "assessments", "add-need", WEB_S_CASE_ADD_NEED);
            if (!done) link_to(req, links, id, "assessments", "complete", WEB_S_CASE_COMPLETE_ASSESSMENT);
            add(body, web_links(req, links));
        }
    }
    add(out, web_section(req, "assessments", web_str(WEB_S_CASE_ASSESSMENTS), NULL,
                         json_array_size(items) ? web_render(body)
                                                : web_paragraph(req, web_str(WEB_S_CASE_NONE))));
    return 0;
}

static int plans(http_req *req, int64_t e, core_buf *out, core_error *err)
{
    int failed = 0;
    json_t *items = list_of(req, "plans", e, err, &failed);
    if (!items) return failed ? err->code : 0;
    core_buf *body = web_buf(req);
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p)
    {
        int64_t id = json_integer_value(json_object_get(p, "id"));
        core_buf *rows = web_buf(req);
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_AGREED_ON),
                        web_date_words(req, web_json_text(req, p, "agreed_on")), NULL, NULL, NULL, NULL);
        web_qsummary_row(req, rows, web_str(WEB_S_CASE_ENDS_ON),
                        web_date_words(req, web_json_text(req, p, "ends_on")), NULL, NULL, NULL, NULL);
        add(body, web_qsummary(req, rows));
        json_t *goals = list_of(req, "goals", id, err, &failed);
        if (failed) return err->code;
        if (goals && json_array_size(goals)) {
            core_buf *gr = web_buf(req);
            size_t k;
            json_t *g;
            json_array_foreach(goals, k, g)
            {
                core_buf *cells = web_buf(req);
                cell(cells, web_json_text(req, g, "description"));
                cell(cells, web_code_label(req, "sf_headline", web_json_text(req, g, "headline")));
                web_tpl_tr(gr, &(web_tpl_tr_args){web_render(cells)});
            }
            const char *const heads[] = {web_str(WEB_S_CASE_GOAL), web_str(WEB_S_CASE_HEADLINE)};
            add(body, web_table(req, web_str(WEB_S_CASE_GOALS), web_th(req, heads, 2), web_render(gr)));
        }
        json_t *acts = list_of(req, "actions", id, err, &failed);
        if (failed) return err->code;
        if (acts && json_array_size(acts)) {
            core_buf *rr = web_buf(req);
            size_t k;
            json_t *a;
            json_array_foreach(acts, k, a)
            {
                core_buf *cells = web_buf(req);
                const char *st = web_json_text(req, a, "status");
                cell(cells, web_json_text(req, a, "description"));
                const char *owner = web_json_text(req, a, "owner_name");
                cell(cells, owner ? owner : staff_name(req, a, "owner_user_id"));
                cell(cells, web_date_words(req, web_json_text(req, a, "due_date")));
                web_tpl_case_td_tag(
                    cells, &(web_tpl_case_td_tag_args){.text = NULL,
                                                       .tag = web_code_label(req, "plan_action_status", st),
                                                       .tag_class = st && strcmp(st, "done") == 0
                                                                        ? "govuk-tag--green"
                                                                        : "govuk-tag--grey"});
                if (partner_of(req))
                    cell(cells, NULL);
                else
                    web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                               .href = core_arena_printf(
                                                   &req->arena, "/actions/%" PRId64 "/update",
                                                   (int64_t)json_integer_value(json_object_get(a, "id"))),
                                               .text = web_str(WEB_S_CASE_UPDATE)});
                web_tpl_tr(rr, &(web_tpl_tr_args){web_render(cells)});
            }
            const char *const heads[] = {web_str(WEB_S_CASE_ACTION), web_str(WEB_S_CASE_OWNER),
                                         web_str(WEB_S_CASE_DUE), web_str(WEB_S_CASE_STATUS),
                                         web_str(WEB_S_CASE_CHANGE)};
            add(body, web_table(req, web_str(WEB_S_CASE_ACTIONS), web_th(req, heads, 5), web_render(rr)));
        }
        if (!partner_of(req)) {
            core_buf *links = web_buf(req);
            link_to(req, links, id, "plans", "add-goal", WEB_S_CASE_ADD_GOAL);
            link_to(req, links, id, "plans", "add-action", WEB_S_CASE_ADD_ACTION);
            add(body, web_links(req, links));
        }
    }
    add(out, web_section(req, "plans", web_str(WEB_S_CASE_PLANS), NULL,
                         json_array_size(items) ? web_render(body)
                                                : web_paragraph(req, web_str(WEB_S_CASE_NONE))));
    return 0;
}

/* A saved note's or review's links: its author edits it while the case is open (the API's rule,
 * api_rules.c); once edited, it is marked so and its earlier versions are a link away. */
typedef struct edit_links {
    const char *edited, *edit_href, *history_href, *what;
} edit_links;

static edit_links edit_links_of(http_req *req, const char *kind, json_t *row, int open, web_str_id what)
{
    edit_links l = {NULL, NULL, NULL, NULL};
    int64_t id = json_integer_value(json_object_get(row, "id"));
    if (open && json_integer_value(json_object_get(row, "created_by")) == req->who.user_id)
        l.edit_href = core_arena_printf(&req->arena, "/%s/%" PRId64 "/edit", kind, id);
    if (json_integer_value(json_object_get(row, "version")) > 1) {
        l.edited = web_str(WEB_S_EDITED);
        l.history_href = core_arena_printf(&req->arena, "/%s/%" PRId64 "/history", kind, id);
    }
    l.what = core_arena_printf(&req->arena, "%s %" PRId64, web_str(what), id);
    return l;
}

static int reviews_activities_notes(http_req *req, int64_t e, int open, core_buf *out, core_error *err)
{
    int failed = 0;
    json_t *items = list_of(req, "reviews", e, err, &failed);
    if (failed) return err->code;
    if (items) {
        core_buf *rows = web_buf(req);
        size_t i;
        json_t *r;
        json_array_foreach(items, i, r)
        {
            core_buf *cells = web_buf(req);
            cell(cells, web_date_words(req, web_json_text(req, r, "held_on")));
            cell(cells, web_code_label(req, "review_outcome", web_json_text(req, r, "outcome")));
            cell(cells, web_date_words(req, web_json_text(req, r, "next_review_due")));
            cell(cells, web_json_text(req, r, "notes"));
            edit_links l = edit_links_of(req, "reviews", r, open, WEB_S_CASE_REVIEW_N);
            web_tpl_td_edit(cells, &(web_tpl_td_edit_args){.edited = l.edited,
                                                           .edit_href = l.edit_href,
                                                           .edit = web_str(WEB_S_EDIT),
                                                           .history_href = l.history_href,
                                                           .history = web_str(WEB_S_HISTORY),
                                                           .what = l.what});
            web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        }
        const char *const heads[] = {web_str(WEB_S_CASE_HELD_ON), web_str(WEB_S_CASE_OUTCOME),
                                     web_str(WEB_S_CASE_NEXT_REVIEW), web_str(WEB_S_CASE_REVIEW_NOTES),
                                     web_str(WEB_S_CASE_CHANGE)};
        add(out, web_section(req, "reviews", web_str(WEB_S_CASE_REVIEWS), NULL,
                             table_or_none(req, items, web_str(WEB_S_CASE_REVIEWS), heads, 5, rows,
                                           WEB_S_CASE_NONE)));
    }
    items = list_of(req, "activities", e, err, &failed);
    if (failed) return err->code;
    if (items) {
        core_buf *rows = web_buf(req);
        size_t i;
        json_t *a;
        json_array_foreach(items, i, a)
        {
            core_buf *cells = web_buf(req);
            cell(cells, web_date_words(req, web_json_text(req, a, "attended_on")));
            cell(cells, web_code_label(req, "activity_type", web_json_text(req, a, "activity_type")));
            cell(cells, web_json_text(req, a, "name"));
            cell(cells, web_json_text(req, a, "provider"));
            cell(cells, json_is_true(json_object_get(a, "attended")) ? web_str(WEB_S_CASE_YES)
                                                                     : web_str(WEB_S_CASE_NO));
            web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        }
        const char *const heads[] = {web_str(WEB_S_CASE_ATTENDED_ON), web_str(WEB_S_CASE_ACTIVITY_TYPE),
                                     web_str(WEB_S_CASE_ACTIVITY_NAME), web_str(WEB_S_CASE_PROVIDER),
                                     web_str(WEB_S_CASE_ATTENDED)};
        add(out, web_section(req, "activities", web_str(WEB_S_CASE_ACTIVITIES), NULL,
                             table_or_none(req, items, web_str(WEB_S_CASE_ACTIVITIES), heads, 5, rows,
                                           WEB_S_CASE_NONE)));
    }
    items = list_of(req, "notes", e, err, &failed);
    if (failed) return err->code;
    if (items) {
        core_buf *notes = web_buf(req);
        size_t i;
        json_t *n;
        json_array_foreach(items, i, n)
        {
            const char *subject = web_json_text(req, n, "subject");
            const char *type = web_code_label(req, "note_type", web_json_text(req, n, "note_type"));
            const char *label = subject ? core_arena_printf(&req->arena, "%s: %s", type, subject) : type;
            if (json_is_true(json_object_get(n, "after_closure")))
                label = core_arena_printf(&req->arena, "%s (%s)", label, web_str(WEB_S_CASE_AFTER_CLOSURE));
            edit_links l = edit_links_of(req, "notes", n, open, WEB_S_CASE_NOTE_N);
            web_tpl_note(notes,
                         &(web_tpl_note_args){.when = web_date_words(req, web_json_text(req, n, "occurred_at")),
                                              .label = label,
                                              .edited = l.edited,
                                              .text = web_json_text(req, n, "body"),
                                              .edit_href = l.edit_href,
                                              .edit = web_str(WEB_S_EDIT),
                                              .what = l.what,
                                              .history_href = l.history_href,
                                              .history = web_str(WEB_S_HISTORY)});
        }
        add(out, web_section(req, "notes", web_str(WEB_S_NOTES), NULL,
                             json_array_size(items) ? web_render(notes)
                                                    : web_paragraph(req, web_str(WEB_S_NOTES_NONE))));
    }
    return 0;
}

/* The episode's state: open, closure asked for, or closed (with its reason). */
static void state_of(http_req *req, json_t *ep, const char **text, const char **tag, const char **cls)
{
    const char *end = web_json_text(req, ep, "end_date");
    *text = NULL;
    if (end) {
        *tag = web_str(WEB_S_CASE_CLOSED);
        *cls = "govuk-tag--grey";
        *text = core_arena_printf(
            &req->arena, "%s, %s", web_date_words(req, end),
            web_code_label(req, "closure_reason", web_json_text(req, ep, "closure_reason")));
    } else if (web_json_text(req, ep, "closure_requested_on")) {
        *tag = web_str(WEB_S_CASE_CLOSURE_ASKED);
        *cls = "govuk-tag--yellow";
    } else {
        *tag = web_str(WEB_S_OPEN);
        *cls = "govuk-tag--green";
    }
}

int web_episode(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *ep, *fam = NULL;
    if (api_record_read(req, model_resource_find("episodes"), id, &ep, &err) ||
        api_worklist_seen(req, id, 0, &err)) /* the caseload's "new since you last looked" starts again */
        return http_reply_error(req, &err);
    int64_t family = json_integer_value(json_object_get(ep, "family_id"));
    if (api_record_read(req, model_resource_find("families"), family, &fam, &err)) {
        if (!web_case_refused(&err)) return http_reply_error(req, &err);
        core_error_clear(&err);
    }
    const char *fname = fam ? web_json_text(req, fam, "name") : NULL;
    core_buf *rows = web_buf(req), *sections = web_buf(req), *links = web_buf(req);
    const char *state, *tag, *cls;
    state_of(req, ep, &state, &tag, &cls);
    web_qsummary_row(req, rows, web_str(WEB_S_COL_FAMILY), fname ? fname : web_str(WEB_S_NOT_SHOWN), NULL,
                    NULL, core_arena_printf(&req->arena, "/families/%" PRId64, family),
                    web_str(WEB_S_CASE_VIEW));
    web_qsummary_row(req, rows, web_str(WEB_S_COL_START),
                    web_date_words(req, web_json_text(req, ep, "start_date")), NULL, NULL, NULL, NULL);
    const char *lead = staff_name(req, ep, "lead_user_id");
    web_qsummary_row(req, rows, web_str(WEB_S_COL_LEAD), lead ? lead : web_str(WEB_S_UNALLOCATED), NULL, NULL,
                    NULL, NULL);
    web_qsummary_row(req, rows, web_str(WEB_S_CASE_STATE), state, tag, cls, NULL, NULL);
    add(sections, web_qsummary(req, rows));
    int open = json_is_null(json_object_get(ep, "end_date")),
        manager = access_role_of(&req->who) == ACCESS_ROLE_TEAM_MANAGER;
    int partner = access_role_of(&req->who) == ACCESS_ROLE_PARTNER;
    link_to(req, links, id, "episodes", "add-note",
            partner ? WEB_S_CASE_ADD_CONTRIBUTION : WEB_S_CASE_ADD_NOTE);
    if (!partner) {
        link_to(req, links, id, "episodes", "add-review", WEB_S_CASE_ADD_REVIEW);
        link_to(req, links, id, "episodes", "add-activity", WEB_S_CASE_ADD_ACTIVITY);
        link_to(req, links, id, "episodes", "add-taf-member", WEB_S_CASE_ADD_TAF);
        link_to(req, links, id, "episodes", "add-assessment", WEB_S_CASE_ADD_ASSESSMENT);
        link_to(req, links, id, "episodes", "add-plan", WEB_S_CASE_ADD_PLAN);
        if (open && manager)
            link_to(req, links, id, "episodes", "close", WEB_S_CASE_CLOSE);
        else if (open)
            link_to(req, links, id, "episodes", "ask-to-close", WEB_S_CASE_ASK_CLOSE);
        else if (manager)
            link_to(req, links, id, "episodes", "reopen", WEB_S_CASE_REOPEN);
    }
    add(sections, web_section(req, "record", web_str(WEB_S_CASE_RECORD), NULL, web_links(req, links)));
    if (taf(req, id, sections, &err) || assessments(req, id, sections, &err) ||
        plans(req, id, sections, &err) || reviews_activities_notes(req, id, open, sections, &err) ||
        web_case_supervision(req, id, json_integer_value(json_object_get(ep, "lead_user_id")), open && manager,
                             sections, &err))
        return http_reply_error(req, &err);
    const char *done = web_case_done(http_query(req, "done"));
    core_buf *b = web_buf(req);
    const char *heading = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CASE_EPISODE_N), id);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.banner = done,
                                                   .banner_title = web_str(WEB_S_CASE_SUCCESS),
                                                   .notice = !open ? web_str(WEB_S_CASE_CLOSED_NOTICE) : NULL,
                                                   .notice_title = web_str(WEB_S_CASE_IMPORTANT),
                                                   .caption = fname,
                                                   .heading = heading,
                                                   .sections = web_render(sections)});
    return web_reply_page(req, 200, heading, 0, web_render(b));
}

enum { CLOSURES_MAX = 100 };

int web_closures(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (access_role_of(&req->who) != ACCESS_ROLE_TEAM_MANAGER) {
        core_error_set(&err, CORE_E_FORBIDDEN, "closure sign-off is the team manager's");
        return http_reply_error(req, &err);
    }
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    model_id_pair ids[CLOSURES_MAX];
    int n = 0;
    if (model_worklist_closures(&ctx, req->who.team_id, CLOSURES_MAX, ids, &n, &err))
        return http_reply_error(req, &err);
    core_buf *rows = web_buf(req);
    int shown = 0;
    for (int i = 0; i < n; i++) {
        json_t *ep, *fam;
        if (api_record_read(req, model_resource_find("episodes"), ids[i].id, &ep, &err) ||
            api_record_read(req, model_resource_find("families"), ids[i].parent_id, &fam, &err)) {
            if (!web_case_refused(&err)) return http_reply_error(req, &err);
            core_error_clear(&err);
            continue;
        }
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells,
                        &(web_tpl_td_link_args){
                            .href = core_arena_printf(&req->arena, "/episodes/%" PRId64 "/close", ids[i].id),
                            .text = web_json_text(req, fam, "name")});
        cell(cells, web_date_words(req, web_json_text(req, ep, "closure_requested_on")));
        cell(cells, staff_name(req, ep, "closure_requested_by"));
        cell(cells, web_code_label(req, "closure_reason", web_json_text(req, ep, "closure_request_reason")));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        shown++;
    }
    const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_CASE_REQUESTED_ON),
                                 web_str(WEB_S_CASE_REQUESTED_BY), web_str(WEB_S_CASE_CLOSURE_REASON)};
    web_raw body = shown
                       ? web_table(req, web_str(WEB_S_CASE_CLOSURES), web_th(req, heads, 4), web_render(rows))
                       : web_paragraph(req, web_str(WEB_S_CASE_CLOSURES_NONE));
    core_buf *b = web_buf(req);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.caption = web_str(WEB_S_TEAM_CASELOAD),
                                                   .heading = web_str(WEB_S_CASE_CLOSURES),
                                                   .sections = body});
    return web_reply_page(req, 200, web_str(WEB_S_CASE_CLOSURES), 0, web_render(b));
}
