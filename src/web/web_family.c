/*
 * web_family.c — `/families/{id}`: the family's record — members (each linking to their page), one
 * chronology of everything recorded about the family, and its episodes (each linking to its page).
 *
 * Read exactly as the API reads them, in this order: GET /api/v1/families/{id}; GET
 * /api/v1/families/{id}/members and GET /api/v1/people/{person} for each member; then the chronology's reads
 * (web_chronology.c: contacts, episodes, and each episode's assessments, plans, reviews, notes, activities).
 * The family itself refused answers the page 403 or 404 as the API would (a hidden family is named as
 * absent); the chronology is newest first; a section the access decision does not open is left out, and a
 * member whose person record is hidden is shown as "not shown to you", never by name.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"
#include "web/web_internal.h"

static int refused(const core_error *err)
{
    return err->code == CORE_E_FORBIDDEN || err->code == CORE_E_NOT_FOUND;
}

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

static const char *person_name(http_req *req, json_t *p)
{
    const char *g = web_json_text(req, p, "preferred_name");
    if (!g)
        g = web_json_text(req, p, "given_name");
    const char *f = web_json_text(req, p, "family_name");
    return core_arena_printf(&req->arena, "%s%s%s", g ? g : "", g && f ? " " : "", f ? f : "");
}

/* Members: 0, a refusal (section left out, err cleared), or an error's code. */
static int members(http_req *req, int64_t family, core_buf *out, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find("members"), family, NULL, 0, 0, MODEL_LIST_MAX, &items, &next,
                        err))
        return refused(err) ? (core_error_clear(err), 0) : err->code;
    const model_resource *people = model_resource_find("people");
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m)
    {
        json_t *p = NULL;
        int64_t pid = json_integer_value(json_object_get(m, "person_id"));
        if (api_record_read(req, people, pid, &p, err)) {
            if (!refused(err))
                return err->code;
            core_error_clear(err);
            p = NULL;
        }
        core_buf *cells = web_buf(req);
        if (p)
            web_tpl_td_link(cells, &(web_tpl_td_link_args){core_arena_printf(&req->arena, "/people/%" PRId64, pid),
                                                           person_name(req, p)});
        else
            cell(cells, web_str(WEB_S_NOT_SHOWN));
        const char *dob = p ? web_json_text(req, p, "date_of_birth") : NULL;
        cell(cells, dob ? dob : (p ? web_json_text(req, p, "expected_date") : NULL));
        cell(cells, web_json_text(req, m, "role"));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_NAME), web_str(WEB_S_COL_DOB), web_str(WEB_S_COL_ROLE)};
    web_raw body = json_array_size(items) ? web_table(req, web_str(WEB_S_MEMBERS), web_th(req, heads, 3),
                                                      web_render(rows))
                                          : web_paragraph(req, web_str(WEB_S_MEMBERS_NONE));
    add(out, web_section(req, "members", web_str(WEB_S_MEMBERS), NULL, body));
    return 0;
}

int web_family(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *fam;
    if (api_record_read(req, model_resource_find("families"), id, &fam, &err) ||
        api_worklist_seen(req, 0, id, &err)) /* its open episodes' "new since you last looked" starts again */
        return http_reply_error(req, &err);
    core_buf *sections = web_buf(req);
    if (members(req, id, sections, &err) || web_family_chronology(req, id, sections, &err))
        return http_reply_error(req, &err);
    if (access_role_of(&req->who) != ACCESS_ROLE_PARTNER) { /* a partner does not record consent */
        core_buf *links = web_buf(req);
        web_link_item(links, core_arena_printf(&req->arena, "/families/%" PRId64 "/add-consent", id),
                      web_str(WEB_S_CASE_ADD_CONSENT));
        add(sections, web_section(req, "record", web_str(WEB_S_CASE_RECORD), NULL, web_links(req, links)));
    }
    const char *name = web_json_text(req, fam, "name");
    core_buf *b = web_buf(req);
    web_tpl_family(b, &(web_tpl_family_args){web_str(WEB_S_FAMILY), name, web_render(sections)});
    return web_reply_page(req, 200, name ? name : web_str(WEB_S_FAMILY), 0, web_render(b));
}
