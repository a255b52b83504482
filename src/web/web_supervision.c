/*
 * web_supervision.c — the team manager's supervision records, and the earlier versions of an edited note or
 * review.
 *
 *   the episode page's "Supervision" section   GET /api/v1/episodes/{e}/supervisions (left out when the
 *                                              access decision does not open it: only the lead, the owning
 *                                              team's manager, a governance duty and break glass read it)
 *   GET /team/supervision?page=N               the team's supervision records, most recent first, 25 a page:
 *                                              ids from model_worklist_supervision, each read as GET
 *                                              /api/v1/supervisions/{id} and its episode's family as GET
 *                                              /api/v1/families/{f}; the next supervision due is tagged
 *                                              when it has passed
 *   GET /notes/{id}/history, /reviews/{id}/history
 *                                              the record and what it said before each edit, as GET
 *                                              /api/v1/notes/{id}/history reads them (api_record_history_read)
 *
 * Recording supervision is a question page of web_case_forms.c (episodes:add-supervision); the API's rules
 * (api_rules.c) let only the owning team's manager record or change it.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"

enum { TEAM_SUPERVISION_PAGE = 25, TEAM_SUPERVISION_PAGES = 1000 };

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
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

/* "Overdue" when the next supervision's date has passed (the server's clock, HEARTH_NOW under test). */
static const char *overdue_tag(const char *next)
{
    char today[11];
    core_clock_today(today);
    return next && strcmp(next, today) < 0 ? web_str(WEB_S_SUP_OVERDUE) : NULL;
}

int web_case_supervision(http_req *req, int64_t episode, int64_t lead, int manager, core_buf *out, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find("supervisions"), episode, NULL, 0, 0, MODEL_LIST_MAX, &items,
                        &next, err)) {
        if (!web_case_refused(err)) return err->code;
        core_error_clear(err); /* not the user's to read: the section is left out */
        return 0;
    }
    if (!json_array_size(items) && !manager && lead != req->who.user_id)
        return 0; /* a list comes back empty to those it hides from: no section for a partner or the TAF */
    core_buf *rows = web_buf(req), *body = web_buf(req);
    size_t i;
    json_t *s;
    json_array_foreach(items, i, s)
    {
        core_buf *cells = web_buf(req);
        const char *due = web_json_text(req, s, "next_supervision_on");
        const char *late = overdue_tag(due);
        cell(cells, web_date_words(req, web_json_text(req, s, "supervised_on")));
        cell(cells, staff_name(req, s, "practitioner_user_id"));
        cell(cells, web_json_text(req, s, "discussion"));
        cell(cells, web_json_text(req, s, "decisions"));
        web_tpl_case_td_tag(cells, &(web_tpl_case_td_tag_args){.text = web_date_words(req, due),
                                                               .tag = late,
                                                               .tag_class = "govuk-tag--red"});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_SUP_ON), web_str(WEB_S_SUP_PRACTITIONER),
                                 web_str(WEB_S_SUP_DISCUSSION), web_str(WEB_S_SUP_DECISIONS),
                                 web_str(WEB_S_SUP_NEXT)};
    web_raw shown = json_array_size(items)
                        ? web_table(req, web_str(WEB_S_SUP), web_th(req, heads, 5), web_render(rows))
                        : web_paragraph(req, web_str(WEB_S_SUP_NONE));
    core_buf_adds(body, shown.html ? shown.html : "");
    if (manager) {
        core_buf *links = web_buf(req);
        web_link_item(links, core_arena_printf(&req->arena, "/episodes/%" PRId64 "/add-supervision", episode),
                      web_str(WEB_S_SUP_ADD));
        web_raw l = web_links(req, links);
        core_buf_adds(body, l.html ? l.html : "");
    }
    web_raw section = web_section(req, "supervision", web_str(WEB_S_SUP), NULL, web_render(body));
    core_buf_adds(out, section.html ? section.html : "");
    return 0;
}

int web_team_supervision(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (access_role_of(&req->who) != ACCESS_ROLE_TEAM_MANAGER) {
        core_error_set(&err, CORE_E_FORBIDDEN, "the team's supervision records are its manager's");
        return http_reply_error(req, &err);
    }
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    int64_t page = 1;
    const char *pg = http_query(req, "page");
    if (pg && core_parse_int64(pg, strlen(pg), 1, TEAM_SUPERVISION_PAGES, &page)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "page is a number from 1 to %d", TEAM_SUPERVISION_PAGES);
        return http_reply_error(req, &err);
    }
    model_id_pair ids[TEAM_SUPERVISION_PAGE + 1]; /* one more: is there a next page? */
    int n = 0;
    if (model_worklist_supervision(&ctx, req->who.team_id, (int)(page - 1) * TEAM_SUPERVISION_PAGE,
                                   TEAM_SUPERVISION_PAGE + 1, ids, &n, &err))
        return http_reply_error(req, &err);
    int more = n > TEAM_SUPERVISION_PAGE;
    if (more) n = TEAM_SUPERVISION_PAGE;
    core_buf *rows = web_buf(req);
    int shown = 0;
    for (int i = 0; i < n; i++) {
        json_t *s, *fam;
        if (api_record_read(req, model_resource_find("supervisions"), ids[i].id, &s, &err) ||
            api_record_read(req, model_resource_find("families"), ids[i].parent_id, &fam, &err)) {
            if (!web_case_refused(&err)) return http_reply_error(req, &err);
            core_error_clear(&err);
            continue;
        }
        core_buf *cells = web_buf(req);
        const char *due = web_json_text(req, s, "next_supervision_on");
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/episodes/%" PRId64 "#supervision",
                                                             (int64_t)json_integer_value(
                                                                 json_object_get(s, "episode_id"))),
                                   .text = web_json_text(req, fam, "name")});
        cell(cells, web_date_words(req, web_json_text(req, s, "supervised_on")));
        cell(cells, staff_name(req, s, "practitioner_user_id"));
        cell(cells, web_json_text(req, s, "decisions"));
        web_tpl_case_td_tag(cells, &(web_tpl_case_td_tag_args){.text = web_date_words(req, due),
                                                               .tag = overdue_tag(due),
                                                               .tag_class = "govuk-tag--red"});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        shown++;
    }
    const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_SUP_ON), web_str(WEB_S_SUP_PRACTITIONER),
                                 web_str(WEB_S_SUP_DECISIONS), web_str(WEB_S_SUP_NEXT)};
    core_buf *body = web_buf(req);
    web_raw table = shown ? web_table(req, web_str(WEB_S_SUP_TEAM), web_th(req, heads, 5), web_render(rows))
                          : web_paragraph(req, web_str(WEB_S_SUP_TEAM_NONE));
    core_buf_adds(body, table.html ? table.html : "");
    if (page > 1 || more) { /* pages by link, as the team caseload's */
        core_buf *links = web_buf(req);
        if (page > 1)
            web_link_item(links, core_arena_printf(&req->arena, "/team/supervision?page=%" PRId64, page - 1),
                          web_str(WEB_S_TM_PREVIOUS));
        if (more)
            web_link_item(links, core_arena_printf(&req->arena, "/team/supervision?page=%" PRId64, page + 1),
                          web_str(WEB_S_TM_NEXT));
        web_raw l = web_links(req, links);
        core_buf_adds(body, l.html ? l.html : "");
    }
    core_buf *b = web_buf(req);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.caption = web_str(WEB_S_TEAM_CASELOAD),
                                                   .heading = web_str(WEB_S_SUP_TEAM),
                                                   .sections = web_render(body)});
    return web_reply_page(req, 200, web_str(WEB_S_SUP_TEAM), 0, web_render(b));
}

/* What a note or a review says, as one line of text. */
static const char *text_of(http_req *req, int review, json_t *row)
{
    if (!review) {
        const char *subject = web_json_text(req, row, "subject"), *body = web_json_text(req, row, "body");
        return subject ? core_arena_printf(&req->arena, "%s: %s", subject, body ? body : "") : body;
    }
    const char *outcome = web_code_label(req, "review_outcome", web_json_text(req, row, "outcome"));
    const char *notes = web_json_text(req, row, "notes");
    return core_arena_printf(&req->arena, "%s, %s%s%s", web_date_words(req, web_json_text(req, row, "held_on")),
                             outcome ? outcome : "", notes ? ": " : "", notes ? notes : "");
}

int web_record_history(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *kind = req->route ? req->route->data : NULL;
    int review = kind && strcmp(kind, "reviews") == 0;
    json_t *h;
    if (!kind || api_record_history_read(req, model_resource_find(kind), req->ids[0], &h, &err))
        return http_reply_error(req, &err);
    json_t *current = json_object_get(h, "current"), *earlier = json_object_get(h, "earlier");
    core_buf *rows = web_buf(req), *sections = web_buf(req);
    web_qsummary_row(req, rows, web_str(WEB_S_HISTORY_CURRENT), text_of(req, review, current), NULL, NULL, NULL,
                    NULL);
    web_raw now = web_qsummary(req, rows);
    core_buf_adds(sections, now.html ? now.html : "");
    core_buf *er = web_buf(req);
    size_t i;
    json_t *v;
    json_array_foreach(earlier, i, v)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, v, "version"));
        cell(cells, web_date_words(req, web_json_text(req, v, "changed_at")));
        cell(cells, staff_name(req, v, "changed_by"));
        cell(cells, text_of(req, review, json_object_get(v, "previous")));
        web_tpl_tr(er, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_HISTORY_VERSION), web_str(WEB_S_HISTORY_CHANGED),
                                 web_str(WEB_S_HISTORY_BY), web_str(WEB_S_HISTORY_TEXT)};
    web_raw list = json_array_size(earlier)
                       ? web_table(req, web_str(WEB_S_HISTORY), web_th(req, heads, 4), web_render(er))
                       : web_paragraph(req, web_str(WEB_S_HISTORY_NONE));
    web_raw section = web_section(req, "history", web_str(WEB_S_HISTORY), NULL, list);
    core_buf_adds(sections, section.html ? section.html : "");
    core_buf *links = web_buf(req);
    web_link_item(links,
                  core_arena_printf(&req->arena, "/episodes/%" PRId64,
                                    (int64_t)json_integer_value(json_object_get(current, "episode_id"))),
                  web_str(WEB_S_CASE_VIEW));
    web_raw back = web_links(req, links);
    core_buf_adds(sections, back.html ? back.html : "");
    const char *heading = core_arena_printf(&req->arena, "%s %" PRId64 ": %s",
                                            web_str(review ? WEB_S_CASE_REVIEW_N : WEB_S_CASE_NOTE_N),
                                            req->ids[0], web_str(WEB_S_HISTORY));
    core_buf *b = web_buf(req);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.heading = heading, .sections = web_render(sections)});
    return web_reply_page(req, 200, heading, 0, web_render(b));
}
