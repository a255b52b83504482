/*
 * web_worklist.c — `/`: the signed-in role's worklist.
 *
 * The practitioner sees their caseload: each open episode they lead or are on the Team Around the Family of,
 * its family, and when its next review is due (the latest review's next_review_due: overdue when past, due
 * within 14 days), and how many records others have added to it since the practitioner last opened the episode
 * or its family (a tag, "3 new since you last looked", beside the link to the episode; only records they may
 * read are counted: api_worklist.c). The team manager sees the team's caseload: every open episode the team owns, with its
 * lead practitioner's name or "Not allocated". The front door sees the
 * contacts waiting for a decision, oldest first, with the days since each was received.
 *
 * The rows are those of GET /api/v1/worklist/caseload, /team and /front-door (api_worklist.c: the same functions),
 * which read every record as the API's own GETs do — so the page writes the audit events the API worklist
 * writes, which are those of GET /api/v1/episodes/{e}, /families/{f} and /episodes/{e}/reviews per case, or
 * GET /api/v1/contacts/{c} per contact.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "web/web_internal.h"
#include "web/web_qform.h"

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

/* A table of cases: the caseload's (team 0: "My part") or the team's (team 1: the lead, or "Not allocated"). */
static void cases(http_req *req, json_t *items, int team, core_buf *out)
{
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *ep = json_object_get(it, "episode"), *fam = json_object_get(it, "family");
        const char *review = json_string_value(json_object_get(it, "review"));
        const char *due = json_string_value(json_object_get(it, "next_review_due"));
        int overdue = strcmp(review, "overdue") == 0, soon = strcmp(review, "due") == 0,
            none = strcmp(review, "none") == 0;
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/families/%" PRId64,
                                                             (int64_t)json_integer_value(json_object_get(fam, "id"))),
                                   .text = web_json_text(req, fam, "name")});
        cell(cells, web_json_text(req, ep, "start_date"));
        if (team) {
            json_t *lead = json_object_get(it, "lead");
            if (json_is_object(lead))
                cell(cells, web_json_text(req, lead, "name"));
            else
                web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = web_str(WEB_S_UNALLOCATED),
                                                             .tag_class = "govuk-tag--orange"});
        } else {
            const char *part = json_string_value(json_object_get(it, "part"));
            cell(cells, web_str(part && strcmp(part, "lead") == 0 ? WEB_S_PART_LEAD : WEB_S_PART_TAF));
        }
        cell(cells, due);
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){
                                  .text = overdue ? web_str(WEB_S_REVIEW_OVERDUE)
                                          : soon  ? web_str(WEB_S_REVIEW_DUE)
                                          : none  ? web_str(WEB_S_REVIEW_NONE)
                                                  : NULL,
                                  .tag_class = overdue ? "govuk-tag--red" : soon ? "govuk-tag--yellow" : "govuk-tag--grey"});
        if (!team) { /* what others have added since the practitioner last looked, and the way to it */
            int64_t fresh = 0;
            const char *kind;
            json_t *c;
            json_object_foreach(json_object_get(it, "new_since_seen"), kind, c) fresh += json_integer_value(c);
            web_tpl_td_new(cells, &(web_tpl_td_new_args){
                                      .href = core_arena_printf(&req->arena, "/episodes/%" PRId64,
                                                                (int64_t)json_integer_value(json_object_get(ep, "id"))),
                                      .text = web_str(WEB_S_OPEN_CASE),
                                      .tag = fresh ? core_arena_printf(&req->arena, "%" PRId64 " %s", fresh,
                                                                       web_str(WEB_S_NEW_SINCE))
                                                   : NULL});
        }
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    web_str_id heading = team ? WEB_S_TEAM_CASELOAD : WEB_S_MY_CASELOAD;
    web_raw body;
    if (json_array_size(items)) {
        const char *const heads[] = {web_str(WEB_S_COL_FAMILY),        web_str(WEB_S_COL_EPISODE_START),
                                     web_str(team ? WEB_S_COL_LEAD : WEB_S_COL_MY_PART),
                                     web_str(WEB_S_COL_NEXT_REVIEW),   web_str(WEB_S_COL_REVIEW_STATE),
                                     web_str(WEB_S_COL_NEW)};
        body = web_table(req, web_str(heading), web_th(req, heads, team ? 5 : 6), web_render(rows));
    } else {
        body = web_paragraph(req, web_str(team ? WEB_S_TEAM_CASELOAD_NONE : WEB_S_MY_CASELOAD_NONE));
    }
    web_raw sec = web_section(req, team ? "team-caseload" : "caseload", web_str(heading), NULL, body);
    core_buf_adds(out, sec.html ? sec.html : "");
}

static void front_door(http_req *req, json_t *items, core_buf *out)
{
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *c = json_object_get(it, "contact"), *d = json_object_get(it, "days_waiting");
        int64_t days = json_integer_value(d);
        const char *waiting = !json_is_integer(d) ? NULL
                              : days <= 0         ? web_str(WEB_S_TODAY)
                                                  : core_arena_printf(&req->arena, "%" PRId64 " %s", days,
                                                                      web_str(WEB_S_DAYS));
        core_buf *cells = web_buf(req);
        int64_t cid = (int64_t)json_integer_value(json_object_get(c, "id"));
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/front-door/contacts/%" PRId64, cid),
                                   .text = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CONTACT_N), cid)});
        cell(cells, web_json_text(req, c, "received_on"));
        cell(cells, waiting);
        cell(cells, web_json_text(req, c, "reason"));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    web_raw body;
    if (json_array_size(items)) {
        const char *const heads[] = {web_str(WEB_S_COL_CONTACT), web_str(WEB_S_COL_RECEIVED),
                                     web_str(WEB_S_COL_WAITING), web_str(WEB_S_COL_REASON)};
        body = web_table(req, web_str(WEB_S_FRONT_DOOR), web_th(req, heads, 4), web_render(rows));
    } else {
        body = web_paragraph(req, web_str(WEB_S_FRONT_DOOR_NONE));
    }
    web_raw sec = web_section(req, "front-door", web_str(WEB_S_FRONT_DOOR), NULL, body);
    core_buf_adds(out, sec.html ? sec.html : "");
}

int web_worklist(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    core_buf *sections = web_buf(req);
    json_t *items;
    switch (access_role_of(&req->who)) {
    case ACCESS_ROLE_TEAM_MANAGER: /* unallocated work, reviews overdue, the caseload sorted and paged (web_team.c) */
        if (web_team_worklist(req, sections, &err))
            return http_reply_error(req, &err);
        { /* the manager's other pages: closure sign-off and supervision records */
            core_buf *links = web_buf(req);
            web_link_item(links, "/closures", web_str(WEB_S_CASE_CLOSURES));
            web_link_item(links, "/team/supervision", web_str(WEB_S_SUP_TEAM));
            web_link_item(links, "/governance/identification", web_str(WEB_S_ID_TITLE));
            web_raw l = web_links(req, links);
            core_buf_adds(sections, l.html ? l.html : "");
        }
        break;
    case ACCESS_ROLE_PRACTITIONER:
    case ACCESS_ROLE_PARTNER: /* a partner's: the families whose Team Around the Family they are on */
        if (api_worklist_caseload_items(req, &items, &err))
            return http_reply_error(req, &err);
        cases(req, items, 0, sections);
        if (access_role_of(&req->who) == ACCESS_ROLE_PARTNER) { /* the professionals' referral form */
            core_buf *links = web_buf(req);
            web_link_item(links, "/referrals/new", web_str(WEB_S_REF_LINK));
            web_raw l = web_links(req, links);
            core_buf_adds(sections, l.html ? l.html : "");
        }
        break;
    case ACCESS_ROLE_FRONT_DOOR:
        if (api_worklist_undecided_items(req, &items, &err))
            return http_reply_error(req, &err);
        front_door(req, items, sections);
        { /* the front door's own pages: the queue with its decisions, and recording a contact */
            web_raw go = web_fd_queue_link(req);
            core_buf_adds(sections, go.html ? go.html : "");
        }
        break;
    case ACCESS_ROLE_ANALYST: { /* the analyst's work: returns, partner files, the background work they start */
        core_buf *links = web_buf(req);
        web_link_item(links, "/jobs", web_str(WEB_S_JOBS_TITLE));
        web_link_item(links, "/returns/annex-a", web_str(WEB_S_ANNEX_TITLE));
        web_link_item(links, "/imports/new", web_str(WEB_S_IMPORT_TITLE));
        web_link_item(links, "/reach", web_str(WEB_S_REACH));
        web_raw l = web_links(req, links);
        core_buf_adds(sections, l.html ? l.html : "");
        break;
    }
    default: {
        web_raw p = web_paragraph(req, web_str(WEB_S_NO_WORKLIST));
        core_buf_adds(sections, p.html ? p.html : "");
    }
    }
    core_buf *b = web_buf(req);
    web_tpl_worklist(b, &(web_tpl_worklist_args){web_str(WEB_S_WORKLIST), web_render(sections)});
    return web_reply_page(req, 200, web_str(WEB_S_WORKLIST), 0, web_render(b));
}
