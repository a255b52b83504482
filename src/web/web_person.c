/*
 * web_person.c — `/people/{id}`: one person's record — names, date of birth, sex, identifiers, language —
 * with their addresses and contact details.
 *
 * Read as the API reads it, in this order: GET /api/v1/people/{id}, GET /api/v1/people/{id}/addresses and
 * /contact-details (limit 500). The person refused answers 403 or 404 exactly as the API does (a refusal
 * offers break glass to the roles that may ask for it); a list the user may not read is left out; the fields
 * the footing hides (special category, national identifiers for a partner) are not on the page because the
 * read left them out.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

static void row(http_req *req, core_buf *rows, web_str_id key, const char *value)
{
    if (value) web_qsummary_row(req, rows, web_str(key), value, NULL, NULL, NULL, NULL);
}

static int list(http_req *req, int64_t id, const char *resource, web_str_id heading, core_buf *out,
                core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find(resource), id, NULL, 0, 0, MODEL_LIST_MAX, &items, &next,
                        err))
        return web_case_refused(err) ? (core_error_clear(err), 0) : err->code;
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    int addresses = strcmp(resource, "addresses") == 0;
    json_array_foreach(items, i, it)
    {
        core_buf *cells = web_buf(req);
        if (addresses) {
            const char *l2 = web_json_text(req, it, "line2"), *town = web_json_text(req, it, "town");
            const char *pc = web_json_text(req, it, "postcode");
            web_tpl_td(cells, &(web_tpl_td_args){web_code_label(req, "address_type",
                                                                web_json_text(req, it, "address_type"))});
            web_tpl_td(cells, &(web_tpl_td_args){core_arena_printf(
                                  &req->arena, "%s%s%s%s%s%s%s",
                                  web_json_text(req, it, "line1") ? web_json_text(req, it, "line1") : "",
                                  l2 ? ", " : "", l2 ? l2 : "", town ? ", " : "", town ? town : "",
                                  pc ? ", " : "", pc ? pc : "")});
            web_tpl_td(cells, &(web_tpl_td_args){web_date_words(req, web_json_text(req, it, "from_date"))});
        } else {
            web_tpl_td(cells, &(web_tpl_td_args){web_code_label(req, "contact_detail_type",
                                                                web_json_text(req, it, "kind"))});
            web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, it, "value")});
        }
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const a_heads[] = {web_str(WEB_S_CASE_KIND), web_str(WEB_S_CASE_ADDRESS),
                                   web_str(WEB_S_CASE_FROM)};
    const char *const c_heads[] = {web_str(WEB_S_CASE_KIND), web_str(WEB_S_CASE_DETAIL)};
    web_raw body =
        json_array_size(items)
            ? web_table(req, web_str(heading), web_th(req, addresses ? a_heads : c_heads, addresses ? 3 : 2),
                        web_render(rows))
            : web_paragraph(req, web_str(WEB_S_CASE_NONE));
    add(out, web_section(req, resource, web_str(heading), NULL, body));
    return 0;
}

/* A refusal of the person: the error page, with break glass offered to those who may ask for it. */
static int refused_page(http_req *req, int64_t id, const core_error *err)
{
    access_role role = access_role_of(&req->who);
    if (err->code != CORE_E_FORBIDDEN || (role != ACCESS_ROLE_PRACTITIONER &&
                                          role != ACCESS_ROLE_TEAM_MANAGER && role != ACCESS_ROLE_FRONT_DOOR))
        return http_reply_error(req, err);
    core_buf *items = web_buf(req), *b = web_buf(req);
    web_link_item(items, core_arena_printf(&req->arena, "/people/%" PRId64 "/break-glass", id),
                  web_str(WEB_S_CASE_BREAK_GLASS));
    core_buf *sections = web_buf(req);
    add(sections, web_paragraph(req, web_str(WEB_S_CASE_GLASS_OFFER)));
    add(sections, web_links(req, items));
    web_tpl_case_page(
        b, &(web_tpl_case_page_args){.heading = web_str(WEB_S_FORBIDDEN), .sections = web_render(sections)});
    return web_reply_page(req, 403, web_str(WEB_S_FORBIDDEN), 0, web_render(b));
}

int web_person(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *p;
    if (api_record_read(req, model_resource_find("people"), id, &p, &err)) return refused_page(req, id, &err);
    core_buf *rows = web_buf(req), *sections = web_buf(req);
    const char *name = web_case_person_name(req, p);
    row(req, rows, WEB_S_CASE_GIVEN_NAME, web_json_text(req, p, "given_name"));
    row(req, rows, WEB_S_CASE_MIDDLE_NAMES, web_json_text(req, p, "middle_names"));
    row(req, rows, WEB_S_CASE_FAMILY_NAME, web_json_text(req, p, "family_name"));
    row(req, rows, WEB_S_CASE_PREFERRED_NAME, web_json_text(req, p, "preferred_name"));
    row(req, rows, WEB_S_COL_DOB, web_date_words(req, web_json_text(req, p, "date_of_birth")));
    row(req, rows, WEB_S_CASE_EXPECTED, web_date_words(req, web_json_text(req, p, "expected_date")));
    row(req, rows, WEB_S_CASE_SEX, web_code_label(req, "sex", web_json_text(req, p, "sex")));
    row(req, rows, WEB_S_CASE_LANGUAGE, web_json_text(req, p, "language"));
    row(req, rows, WEB_S_CASE_NHS, web_json_text(req, p, "nhs_number"));
    row(req, rows, WEB_S_CASE_NINO, web_json_text(req, p, "nino"));
    row(req, rows, WEB_S_CASE_UPN, web_json_text(req, p, "upn"));
    row(req, rows, WEB_S_CASE_ETHNICITY,
        web_code_label(req, "ethnicity", web_json_text(req, p, "ethnicity")));
    add(sections, web_qsummary(req, rows));
    if (list(req, id, "addresses", WEB_S_CASE_ADDRESSES, sections, &err) ||
        list(req, id, "contact-details", WEB_S_CASE_CONTACT_DETAILS, sections, &err))
        return http_reply_error(req, &err);
    core_buf *b = web_buf(req);
    const char *heading =
        name[0] ? name : core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CASE_PERSON_N), id);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.caption = web_str(WEB_S_CASE_PERSON),
                                                   .heading = heading,
                                                   .banner = web_case_done(http_query(req, "done")),
                                                   .banner_title = web_str(WEB_S_CASE_SUCCESS),
                                                   .sections = web_render(sections)});
    return web_reply_page(req, 200, heading, 0, web_render(b));
}
