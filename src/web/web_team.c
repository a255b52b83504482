/*
 * web_team.c — the team manager's pages: the worklist's sections for a manager (on `/`), and allocation.
 *
 *   GET  /  (team manager)              unallocated work, reviews overdue across the team, and the team's
 *                                       caseload with the leads' names, sorted by link (?sort=family|opened|
 *                                       lead|review&order=asc|desc) and in pages of TEAM_PAGE (?page=N)
 *   GET  /team/episodes/{id}/allocate   choose a practitioner of the team to lead the case
 *   POST /team/episodes/{id}/allocate   the episode's lead_user_id changed as PATCH /api/v1/episodes/{id} changes
 *                                       it (api_record_update: the manager's footing, the same 'update' event)
 *
 * Each row is read as the API's team worklist reads it (api_worklist_team_page/_unallocated/_overdue: the
 * episode, family and reviews through their GETs, each audited); the staff who may lead come from the
 * directory (model_team_staff). Allocation needs team.allocate (team managers only).
 */
#include <inttypes.h>
#include <string.h>

#include "core/core_parse.h"
#include "model/model.h"
#include "web/web_widgets.h"

enum { TEAM_PAGE = 20, PAGE_MAX = 1000 };

static void add(core_buf *b, web_raw r)
{
    core_buf_adds(b, r.html ? r.html : "");
}

static const char *family_href(http_req *req, json_t *it)
{
    return core_arena_printf(&req->arena, "/families/%" PRId64,
                             (int64_t)json_integer_value(json_object_get(json_object_get(it, "family"), "id")));
}

static const char *lead_name(json_t *it)
{
    json_t *lead = json_object_get(it, "lead");
    return json_is_object(lead) ? json_string_value(json_object_get(lead, "name")) : NULL;
}

static void review_cell(http_req *req, core_buf *cells, json_t *it)
{
    const char *review = json_string_value(json_object_get(it, "review"));
    int overdue = review && strcmp(review, "overdue") == 0, soon = review && strcmp(review, "due") == 0,
        none = !review || strcmp(review, "none") == 0;
    (void)req;
    web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = overdue ? web_str(WEB_S_REVIEW_OVERDUE)
                                                         : soon  ? web_str(WEB_S_REVIEW_DUE)
                                                         : none  ? web_str(WEB_S_REVIEW_NONE)
                                                                 : NULL,
                                                 .tag_class = overdue ? "govuk-tag--red"
                                                              : soon  ? "govuk-tag--yellow"
                                                                      : "govuk-tag--grey"});
}

static web_raw unallocated(http_req *req, json_t *items)
{
    if (!json_array_size(items))
        return web_paragraph(req, web_str(WEB_S_TM_UNALLOCATED_NONE));
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *ep = json_object_get(it, "episode");
        const char *fam = web_json_text(req, json_object_get(it, "family"), "name");
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){.href = family_href(req, it), .text = fam});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, ep, "start_date")});
        web_tpl_tm_td_action(cells, &(web_tpl_tm_td_action_args){
                                        .href = core_arena_printf(&req->arena, "/team/episodes/%s/allocate",
                                                                  web_json_text(req, ep, "id")),
                                        .text = web_str(WEB_S_TM_ALLOCATE),
                                        .hidden = fam});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_COL_EPISODE_START),
                                 web_str(WEB_S_TM_ACTION)};
    return web_table(req, web_str(WEB_S_TM_UNALLOCATED), web_th(req, heads, 3), web_render(rows));
}

static web_raw overdue(http_req *req, json_t *items)
{
    if (!json_array_size(items))
        return web_paragraph(req, web_str(WEB_S_TM_OVERDUE_NONE));
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *lead = lead_name(it);
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){.href = family_href(req, it),
                                                       .text = web_json_text(req, json_object_get(it, "family"),
                                                                             "name")});
        web_tpl_td(cells, &(web_tpl_td_args){lead ? lead : web_str(WEB_S_UNALLOCATED)});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, it, "next_review_due")});
        review_cell(req, cells, it);
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_COL_LEAD), web_str(WEB_S_COL_NEXT_REVIEW),
                                 web_str(WEB_S_COL_REVIEW_STATE)};
    return web_table(req, web_str(WEB_S_TM_OVERDUE), web_th(req, heads, 4), web_render(rows));
}

static const char *const SORT_NAMES[MODEL_TEAM_SORTS] = {
    [MODEL_TEAM_SORT_OPENED] = "opened",
    [MODEL_TEAM_SORT_FAMILY] = "family",
    [MODEL_TEAM_SORT_LEAD] = "lead",
    [MODEL_TEAM_SORT_REVIEW] = "review",
};

/* A sortable column heading: a link that sorts by it (ascending, or the other way when it is the sort now). */
static void sort_head(http_req *req, core_buf *b, model_team_sort col, model_team_sort sort, int desc, web_str_id text)
{
    int current = col == sort;
    web_tpl_w_th_sort(b, &(web_tpl_w_th_sort_args){
                             .sort = current ? (desc ? "descending" : "ascending") : "none",
                             .href = core_arena_printf(&req->arena, "/?sort=%s&order=%s#team-caseload",
                                                       SORT_NAMES[col], current && !desc ? "desc" : "asc"),
                             .text = web_str(text)});
}

static web_raw pagination(http_req *req, model_team_sort sort, int desc, int page, int pages)
{
    if (pages <= 1)
        return (web_raw){NULL};
    const char *base = core_arena_printf(&req->arena, "/?sort=%s&order=%s", SORT_NAMES[sort], desc ? "desc" : "asc");
    core_buf *items = web_buf(req);
    for (int p = 1; p <= pages; p++) {
        /* GOV.UK pagination: the first and last pages, the current one and its neighbours, "…" between */
        if (p != 1 && p != pages && (p < page - 1 || p > page + 1)) {
            if (p == 2 || p == pages - 1)
                web_tpl_w_pagination_gap(items, &(web_tpl_w_pagination_gap_args){0});
            continue;
        }
        web_tpl_w_pagination_item(items, &(web_tpl_w_pagination_item_args){
                                             .current = p == page ? "1" : NULL,
                                             .href = core_arena_printf(&req->arena, "%s&page=%d#team-caseload", base, p),
                                             .aria = core_arena_printf(&req->arena, "%s %d", web_str(WEB_S_TM_PAGE), p),
                                             .text = core_arena_printf(&req->arena, "%d", p)});
    }
    core_buf *b = web_buf(req);
    web_tpl_w_pagination(b, &(web_tpl_w_pagination_args){
                                .label = web_str(WEB_S_TM_PAGES),
                                .prev_href = page > 1 ? core_arena_printf(&req->arena, "%s&page=%d#team-caseload", base,
                                                                          page - 1)
                                                      : NULL,
                                .prev = web_str(WEB_S_TM_PREVIOUS),
                                .pages = web_render(items),
                                .next_href = page < pages ? core_arena_printf(&req->arena, "%s&page=%d#team-caseload",
                                                                              base, page + 1)
                                                          : NULL,
                                .next = web_str(WEB_S_TM_NEXT)});
    return web_render(b);
}

static web_raw caseload(http_req *req, json_t *items, model_team_sort sort, int desc, int page, int64_t total)
{
    if (!total)
        return web_paragraph(req, web_str(WEB_S_TEAM_CASELOAD_NONE));
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *lead = lead_name(it);
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){.href = family_href(req, it),
                                                       .text = web_json_text(req, json_object_get(it, "family"),
                                                                             "name")});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, json_object_get(it, "episode"), "start_date")});
        if (lead)
            web_tpl_td(cells, &(web_tpl_td_args){lead});
        else
            web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = web_str(WEB_S_UNALLOCATED),
                                                         .tag_class = "govuk-tag--orange"});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, it, "next_review_due")});
        review_cell(req, cells, it);
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    core_buf *head = web_buf(req);
    sort_head(req, head, MODEL_TEAM_SORT_FAMILY, sort, desc, WEB_S_COL_FAMILY);
    sort_head(req, head, MODEL_TEAM_SORT_OPENED, sort, desc, WEB_S_COL_EPISODE_START);
    sort_head(req, head, MODEL_TEAM_SORT_LEAD, sort, desc, WEB_S_COL_LEAD);
    sort_head(req, head, MODEL_TEAM_SORT_REVIEW, sort, desc, WEB_S_COL_NEXT_REVIEW);
    web_tpl_th(head, &(web_tpl_th_args){web_str(WEB_S_COL_REVIEW_STATE)});
    int pages = (int)((total + TEAM_PAGE - 1) / TEAM_PAGE);
    web_raw parts[] = {
        web_paragraph(req, core_arena_printf(&req->arena, "%s %d %s %d %s %d %s", web_str(WEB_S_TM_SHOWING),
                                             (page - 1) * TEAM_PAGE + 1,
                                             web_str(WEB_S_TM_TO), (page - 1) * TEAM_PAGE + (int)json_array_size(items),
                                             web_str(WEB_S_TM_OF), (int)total, web_str(WEB_S_TM_CASES))),
        web_table(req, web_str(WEB_S_TEAM_CASELOAD), web_render(head), web_render(rows)),
        pagination(req, sort, desc, page, pages)};
    return web_join(req, parts, 3);
}

int web_team_worklist(http_req *req, core_buf *out, core_error *err)
{
    model_team_sort sort = MODEL_TEAM_SORT_OPENED;
    const char *s = http_query(req, "sort"), *o = http_query(req, "order"), *p = http_query(req, "page");
    for (int i = 0; s && i < MODEL_TEAM_SORTS; i++)
        if (strcmp(s, SORT_NAMES[i]) == 0)
            sort = (model_team_sort)i;
    int desc = o && strcmp(o, "desc") == 0;
    int64_t page = 1;
    if (p && core_parse_int64(p, strlen(p), 1, PAGE_MAX, &page))
        page = 1;
    json_t *un, *od, *cl;
    int64_t total;
    int rc;
    if ((rc = api_worklist_team_unallocated(req, &un, err)) || (rc = api_worklist_team_overdue(req, &od, err)) ||
        (rc = api_worklist_team_page(req, sort, desc, (int)(page - 1) * TEAM_PAGE, TEAM_PAGE, &cl, &total, err)))
        return rc;
    if (page > 1 && json_array_size(cl) == 0 && total > 0) { /* past the last page: show the last */
        page = (total + TEAM_PAGE - 1) / TEAM_PAGE;
        if ((rc = api_worklist_team_page(req, sort, desc, (int)(page - 1) * TEAM_PAGE, TEAM_PAGE, &cl, &total, err)))
            return rc;
    }
    if (http_query(req, "allocated"))
        add(out, web_banner(req, web_str(WEB_S_FD_SUCCESS), web_str(WEB_S_TM_ALLOCATED)));
    add(out, web_section(req, "unallocated", web_str(WEB_S_TM_UNALLOCATED), NULL, unallocated(req, un)));
    add(out, web_section(req, "overdue", web_str(WEB_S_TM_OVERDUE), NULL, overdue(req, od)));
    add(out, web_section(req, "team-caseload", web_str(WEB_S_TEAM_CASELOAD), NULL,
                         caseload(req, cl, sort, desc, (int)page, total)));
    return 0;
}

/* ---- allocation ---------------------------------------------------------------------------------------------- */

/* The team's staff as choices "Name (N open cases)". */
static web_choice *staff(http_req *req, size_t *n, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *items;
    *n = 0;
    if (model_team_staff(&ctx, req->who.team_id, &items, err))
        return NULL;
    web_choice *c = core_arena_calloc(&req->arena, json_array_size(items) + 1, sizeof(*c));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_int_t cases = json_integer_value(json_object_get(it, "open_cases"));
        c[(*n)++] = (web_choice){web_json_text(req, it, "id"), web_json_text(req, it, "name"),
                                 core_arena_printf(&req->arena, "%lld %s", (long long)cases,
                                                   web_str(cases == 1 ? WEB_S_TM_OPEN_CASE : WEB_S_TM_OPEN_CASES))};
    }
    return c;
}

static int allocate_page(http_req *req, int status, const char *chosen, const char *error)
{
    core_error err;
    core_error_clear(&err);
    json_t *ep, *fam;
    size_t n;
    web_choice *c = staff(req, &n, &err);
    if (!c || api_record_read(req, model_resource_find("episodes"), req->ids[0], &ep, &err) ||
        api_record_read(req, model_resource_find("families"), json_integer_value(json_object_get(ep, "family_id")),
                        &fam, &err))
        return http_reply_error(req, &err);
    const char *lead = web_json_text(req, ep, "lead_user_id");
    if (!chosen)
        chosen = lead;
    core_buf *rows = web_buf(req);
    web_summary_row(req, rows, web_str(WEB_S_COL_EPISODE_START), web_json_text(req, ep, "start_date"));
    const char *lead_now = NULL;
    for (size_t i = 0; lead && i < n; i++)
        if (strcmp(c[i].value, lead) == 0)
            lead_now = c[i].label;
    web_summary_row(req, rows, web_str(WEB_S_COL_LEAD), lead_now ? lead_now : web_str(WEB_S_UNALLOCATED));
    web_form f;
    web_form_init(&f, req);
    web_form_radios(&f, "lead", web_str(WEB_S_TM_WHO_Q), web_str(WEB_S_TM_WHO_HINT), c, n, chosen,
                    web_form_error(&f, "lead", error));
    web_raw parts[] = {web_summary(req, rows),
                       web_form_render(&f, core_arena_printf(&req->arena, "/team/episodes/%" PRId64 "/allocate",
                                                             req->ids[0]),
                                       web_str(WEB_S_TM_ALLOCATE_BUTTON), NULL, NULL)};
    const char *name = web_json_text(req, fam, "name");
    return web_reply_page(req, status, web_str(WEB_S_TM_ALLOCATE_TITLE), error != NULL,
                          web_page(req, "two-thirds", web_form_summary(&f), (web_raw){NULL},
                                   web_str(WEB_S_TM_ALLOCATE_TITLE), name, NULL, web_join(req, parts, 2)));
}

int web_team_allocate_form(http_req *req)
{
    return allocate_page(req, 200, NULL, NULL);
}

int web_team_allocate(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    size_t n;
    web_choice *c = staff(req, &n, &err);
    if (!c)
        return http_reply_error(req, &err);
    const char *lead = web_field(req, "lead", 32);
    int64_t id = 0;
    for (size_t i = 0; lead && i < n; i++)
        if (strcmp(c[i].value, lead) == 0)
            core_parse_int64(lead, strlen(lead), 1, INT64_MAX, &id);
    if (!id)
        return allocate_page(req, 400, NULL, web_str(WEB_S_TM_ERR_WHO));
    json_t *out, *body = json_pack("{s:I}", "lead_user_id", (json_int_t)id);
    int rc = api_record_update(req, model_resource_find("episodes"), req->ids[0], body, &out, &err);
    json_decref(body);
    if (rc)
        return http_reply_error(req, &err);
    return http_reply_redirect(req, "/?allocated=1");
}
