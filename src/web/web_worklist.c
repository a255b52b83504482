/*
 * web_worklist.c — `/`: the signed-in role's worklist.
 *
 * The practitioner (and the team manager, for the cases they lead or sit on) sees their caseload: each open
 * episode they lead or are on the Team Around the Family of, its family, and when its next review is due
 * (the latest review's next_review_due: overdue when past, due within 14 days). The front door sees the
 * contacts waiting for a decision, oldest first, with the days since each was received.
 *
 * model_worklist.c chooses which records; every record shown is then read as the API reads it: for a case,
 * GET /api/v1/episodes/{id}, GET /api/v1/families/{family} and GET /api/v1/episodes/{id}/reviews; for a
 * contact, GET /api/v1/contacts/{id} — so the audit trail holds the same events as those calls would
 * write, and a record the access decision refuses is left out (its refusal audited as the API's would be).
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "model/model.h"
#include "web/web_internal.h"

enum { WORKLIST_MAX = 100, REVIEW_SOON_DAYS = 14 };

/* A refusal of one record leaves it out; anything else is an error of the page. */
static int refused(const core_error *err)
{
    return err->code == CORE_E_FORBIDDEN || err->code == CORE_E_NOT_FOUND;
}

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

static int caseload(http_req *req, model_ctx *ctx, core_buf *out, core_error *err)
{
    model_id_pair ids[WORKLIST_MAX];
    int n;
    if (model_worklist_caseload(ctx, req->who.user_id, WORKLIST_MAX, ids, &n, err))
        return err->code;
    const model_resource *episodes = model_resource_find("episodes"), *families = model_resource_find("families"),
                         *reviews = model_resource_find("reviews");
    core_buf *rows = web_buf(req);
    int shown = 0;
    for (int i = 0; i < n; i++) {
        json_t *ep, *fam, *revs;
        int64_t next;
        core_error_clear(err);
        if (api_record_read(req, episodes, ids[i].id, &ep, err) ||
            api_record_read(req, families, ids[i].parent_id, &fam, err) ||
            api_record_list(req, reviews, ids[i].id, NULL, 0, 0, 0, &revs, &next, err)) {
            if (refused(err))
                continue;
            return err->code;
        }
        const char *due = NULL, *held = NULL; /* the latest review held, and the next it set */
        size_t k;
        json_t *r;
        json_array_foreach(revs, k, r)
        {
            const char *h = web_json_text(req, r, "held_on");
            if (h && (!held || strcmp(h, held) >= 0)) {
                held = h;
                due = web_json_text(req, r, "next_review_due");
            }
        }
        int ok, days = web_days_since(due, &ok);
        const char *state = !due ? web_str(WEB_S_REVIEW_NONE)
                            : days > 0 ? web_str(WEB_S_REVIEW_OVERDUE)
                            : -days <= REVIEW_SOON_DAYS ? web_str(WEB_S_REVIEW_DUE)
                                                        : NULL;
        const char *tag = !due ? "govuk-tag--grey" : days > 0 ? "govuk-tag--red" : "govuk-tag--yellow";
        json_t *lead = json_object_get(ep, "lead_user_id");
        int is_lead = json_is_integer(lead) && json_integer_value(lead) == req->who.user_id;
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   core_arena_printf(&req->arena, "/families/%" PRId64, ids[i].parent_id),
                                   web_json_text(req, fam, "name")});
        cell(cells, web_json_text(req, ep, "start_date"));
        cell(cells, web_str(is_lead ? WEB_S_PART_LEAD : WEB_S_PART_TAF));
        cell(cells, due ? due : "");
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){state, tag});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        shown++;
    }
    core_error_clear(err);
    web_raw body;
    if (shown) {
        const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_COL_EPISODE_START),
                                     web_str(WEB_S_COL_MY_PART), web_str(WEB_S_COL_NEXT_REVIEW),
                                     web_str(WEB_S_COL_REVIEW_STATE)};
        body = web_table(req, web_str(WEB_S_MY_CASELOAD), web_th(req, heads, 5), web_render(rows));
    } else {
        body = web_paragraph(req, web_str(WEB_S_MY_CASELOAD_NONE));
    }
    web_raw sec = web_section(req, "caseload", web_str(WEB_S_MY_CASELOAD), NULL, body);
    core_buf_adds(out, sec.html ? sec.html : "");
    return 0;
}

static int front_door(http_req *req, model_ctx *ctx, core_buf *out, core_error *err)
{
    model_id_pair ids[WORKLIST_MAX];
    int n;
    if (model_worklist_undecided(ctx, WORKLIST_MAX, ids, &n, err))
        return err->code;
    const model_resource *contacts = model_resource_find("contacts");
    core_buf *rows = web_buf(req);
    int shown = 0;
    for (int i = 0; i < n; i++) {
        json_t *c;
        core_error_clear(err);
        if (api_record_read(req, contacts, ids[i].id, &c, err)) {
            if (refused(err))
                continue;
            return err->code;
        }
        const char *received = web_json_text(req, c, "received_on");
        int ok, days = web_days_since(received, &ok);
        const char *waiting = !ok ? "" : days <= 0 ? web_str(WEB_S_TODAY)
                                                   : core_arena_printf(&req->arena, "%d %s", days, web_str(WEB_S_DAYS));
        core_buf *cells = web_buf(req);
        cell(cells, core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CONTACT_N), ids[i].id));
        cell(cells, received);
        cell(cells, waiting);
        cell(cells, web_json_text(req, c, "reason"));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        shown++;
    }
    core_error_clear(err);
    web_raw body;
    if (shown) {
        const char *const heads[] = {web_str(WEB_S_COL_CONTACT), web_str(WEB_S_COL_RECEIVED),
                                     web_str(WEB_S_COL_WAITING), web_str(WEB_S_COL_REASON)};
        body = web_table(req, web_str(WEB_S_FRONT_DOOR), web_th(req, heads, 4), web_render(rows));
    } else {
        body = web_paragraph(req, web_str(WEB_S_FRONT_DOOR_NONE));
    }
    web_raw sec = web_section(req, "front-door", web_str(WEB_S_FRONT_DOOR), NULL, body);
    core_buf_adds(out, sec.html ? sec.html : "");
    return 0;
}

int web_worklist(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    core_buf *sections = web_buf(req);
    int rc = 0;
    switch (access_role_of(&req->who)) {
    case ACCESS_ROLE_PRACTITIONER:
    case ACCESS_ROLE_TEAM_MANAGER: rc = caseload(req, &ctx, sections, &err); break;
    case ACCESS_ROLE_FRONT_DOOR: rc = front_door(req, &ctx, sections, &err); break;
    default: {
        web_raw p = web_paragraph(req, web_str(WEB_S_NO_WORKLIST));
        core_buf_adds(sections, p.html ? p.html : "");
    }
    }
    if (rc)
        return http_reply_error(req, &err);
    core_buf *b = web_buf(req);
    web_tpl_worklist(b, &(web_tpl_worklist_args){web_str(WEB_S_WORKLIST), web_render(sections)});
    return web_reply_page(req, 200, web_str(WEB_S_WORKLIST), 0, web_render(b));
}
