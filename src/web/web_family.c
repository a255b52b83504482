/*
 * web_family.c — `/families/{id}`: the family's record — members, the contacts about it, its episodes, and
 * each episode's case notes.
 *
 * Read exactly as the API reads them, in this order: GET /api/v1/families/{id}; GET
 * /api/v1/families/{id}/members and GET /api/v1/people/{person} for each member; GET
 * /api/v1/contacts?family_id={id}; GET /api/v1/families/{id}/episodes; GET /api/v1/episodes/{e}/notes for
 * each episode. The family itself refused answers the page 403 or 404 as the API would (a hidden family is
 * named as absent); contacts are shown newest first; a section the access decision does not open is left out, and a member whose person
 * record is hidden is shown as "not shown to you", never by name.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
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
        cell(cells, p ? person_name(req, p) : web_str(WEB_S_NOT_SHOWN));
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

/* qsort: received_on descending, then id descending. */
static int newest_first(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *dx = json_string_value(json_object_get(x, "received_on"));
    const char *dy = json_string_value(json_object_get(y, "received_on"));
    int c = strcmp(dy ? dy : "", dx ? dx : "");
    if (c)
        return c;
    json_int_t ix = json_integer_value(json_object_get(x, "id")), iy = json_integer_value(json_object_get(y, "id"));
    return iy > ix ? 1 : iy < ix ? -1 : 0;
}

static int contacts(http_req *req, int64_t family, core_buf *out, core_error *err)
{
    json_t *items;
    int64_t next;
    model_filter f = {"family_id", core_arena_printf(&req->arena, "%" PRId64, family)};
    if (api_record_list(req, model_resource_find("contacts"), 0, &f, 1, 0, MODEL_LIST_MAX, &items, &next, err))
        return refused(err) ? (core_error_clear(err), 0) : err->code;
    /* a chronology: newest first (the API lists in id order) */
    size_t n = json_array_size(items);
    json_t **sorted = core_arena_calloc(&req->arena, n ? n : 1, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(items, i);
    qsort(sorted, n, sizeof(*sorted), newest_first);
    core_buf *rows = web_buf(req);
    for (size_t i = 0; i < n; i++) {
        json_t *c = sorted[i];
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, c, "received_on"));
        cell(cells, web_json_text(req, c, "reason"));
        const char *d = web_json_text(req, c, "decision");
        cell(cells, d ? d : web_str(WEB_S_UNDECIDED));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_RECEIVED), web_str(WEB_S_COL_REASON),
                                 web_str(WEB_S_COL_DECISION)};
    web_raw body = json_array_size(items) ? web_table(req, web_str(WEB_S_CHRONOLOGY), web_th(req, heads, 3),
                                                      web_render(rows))
                                          : web_paragraph(req, web_str(WEB_S_CHRONOLOGY_NONE));
    add(out, web_section(req, "contacts", web_str(WEB_S_CHRONOLOGY), NULL, body));
    return 0;
}

static int episodes(http_req *req, int64_t family, core_buf *out, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find("episodes"), family, NULL, 0, 0, MODEL_LIST_MAX, &items, &next,
                        err))
        return refused(err) ? (core_error_clear(err), 0) : err->code;
    core_buf *rows = web_buf(req), *notes = web_buf(req);
    const model_resource *note_res = model_resource_find("notes");
    int nnotes = 0, notes_open = 0;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, e, "start_date"));
        const char *end = web_json_text(req, e, "end_date");
        cell(cells, end ? end : web_str(WEB_S_OPEN));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        json_t *ns;
        if (api_record_list(req, note_res, json_integer_value(json_object_get(e, "id")), NULL, 0, 0, MODEL_LIST_MAX,
                            &ns, &next, err)) {
            if (!refused(err))
                return err->code;
            core_error_clear(err);
            continue;
        }
        notes_open = 1;
        size_t k;
        json_t *n;
        json_array_foreach(ns, k, n)
        {
            const char *subject = web_json_text(req, n, "subject"), *body = web_json_text(req, n, "body");
            web_tpl_note(notes, &(web_tpl_note_args){.when = web_json_text(req, n, "occurred_at"), .label = subject,
                                                      .text = body});
            nnotes++;
        }
    }
    const char *const heads[] = {web_str(WEB_S_COL_START), web_str(WEB_S_COL_END)};
    web_raw body = json_array_size(items) ? web_table(req, web_str(WEB_S_EPISODES), web_th(req, heads, 2),
                                                      web_render(rows))
                                          : web_paragraph(req, web_str(WEB_S_EPISODES_NONE));
    add(out, web_section(req, "episodes", web_str(WEB_S_EPISODES), NULL, body));
    if (notes_open)
        add(out, web_section(req, "notes", web_str(WEB_S_NOTES), NULL,
                             nnotes ? web_render(notes) : web_paragraph(req, web_str(WEB_S_NOTES_NONE))));
    return 0;
}

int web_family(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *fam;
    if (api_record_read(req, model_resource_find("families"), id, &fam, &err))
        return http_reply_error(req, &err);
    core_buf *sections = web_buf(req);
    if (members(req, id, sections, &err) || contacts(req, id, sections, &err) || episodes(req, id, sections, &err))
        return http_reply_error(req, &err);
    const char *name = web_json_text(req, fam, "name");
    core_buf *b = web_buf(req);
    web_tpl_family(b, &(web_tpl_family_args){web_str(WEB_S_FAMILY), name, web_render(sections)});
    return web_reply_page(req, 200, name ? name : web_str(WEB_S_FAMILY), 0, web_render(b));
}
