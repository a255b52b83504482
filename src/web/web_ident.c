/*
 * web_ident.c — family identification decisions (Supporting Families): the families the identification list
 * puts forward, the evidence for each, and the decision a person makes on it. Nothing is decided by the list
 * itself (BRIEF section 3: no automated decisions); the decision is recorded with the headlines it saw.
 *
 *   GET  /governance/identification        the list (at least three headlines), most headlines first, each
 *                                          family with its headlines and the latest decision
 *   GET  /governance/identification/{id}   one family: each member's evidence (indicator, headline, dataset,
 *                                          value) and the decision form
 *   POST /governance/identification/{id}   the decision, as POST /api/v1/families/{id}/identification makes
 *                                          it (api_identification_decide_do); every problem beside its field
 *
 * Reads are GET /api/v1/identification's (api_identification_items: each member's card and evidence read and
 * audited). The routes ask identification.read and .decide: team managers and governance.
 */
#include <inttypes.h>
#include <string.h>

#include "web/web_case.h"
#include "web/web_qform.h"

enum { IDENT_MIN_HEADLINES = 3 };

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

static void add(core_buf *b, web_raw r)
{
    core_buf_adds(b, r.html ? r.html : "");
}

/* The headlines' labels, comma-separated. */
static const char *headlines_of(http_req *req, json_t *fam)
{
    core_buf *b = web_buf(req);
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(fam, "headlines"), i, h)
    {
        if (i) core_buf_adds(b, ", ");
        const char *label = web_code_label(req, "sf_headline", json_string_value(h));
        core_buf_adds(b, label ? label : "");
    }
    return b->data ? b->data : "";
}

static const char *decision_of(http_req *req, json_t *fam)
{
    json_t *d = json_object_get(fam, "decision");
    return json_is_object(d) ? web_code_label(req, "identification_decision", web_json_text(req, d, "decision"))
                             : NULL;
}

int web_ident_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *list;
    if (api_identification_items(req, IDENT_MIN_HEADLINES, 0, &list, &err)) return http_reply_error(req, &err);
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *fam;
    json_array_foreach(list, i, fam)
    {
        core_buf *cells = web_buf(req);
        const char *decided = decision_of(req, fam);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/governance/identification/%" PRId64,
                                                             (int64_t)json_integer_value(json_object_get(fam, "family_id"))),
                                   .text = web_json_text(req, fam, "family")});
        cell(cells, headlines_of(req, fam));
        cell(cells, core_arena_printf(&req->arena, "%zu", json_array_size(json_object_get(fam, "members"))));
        web_tpl_case_td_tag(cells, &(web_tpl_case_td_tag_args){.text = NULL,
                                                               .tag = decided ? decided : web_str(WEB_S_ID_UNDECIDED),
                                                               .tag_class = decided ? "govuk-tag--green"
                                                                                    : "govuk-tag--yellow"});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_FAMILY), web_str(WEB_S_ID_HEADLINES), web_str(WEB_S_ID_MEMBERS),
                                 web_str(WEB_S_ID_DECISION)};
    web_raw body = json_array_size(list)
                       ? web_table(req, web_str(WEB_S_ID_TITLE), web_th(req, heads, 4), web_render(rows))
                       : web_paragraph(req, web_str(WEB_S_ID_NONE));
    json_decref(list);
    core_buf *b = web_buf(req);
    web_tpl_case_page(b, &(web_tpl_case_page_args){.banner = http_query(req, "done") ? web_str(WEB_S_ID_DONE) : NULL,
                                                   .banner_title = web_str(WEB_S_CASE_SUCCESS),
                                                   .caption = web_str(WEB_S_ID_CAPTION),
                                                   .heading = web_str(WEB_S_ID_TITLE),
                                                   .sections = body});
    return web_reply_page(req, 200, web_str(WEB_S_ID_TITLE), 0, web_render(b));
}

static const web_qfield DECIDE[] = {
    {"decision", WEB_F_RADIOS, WEB_S_ID_DECISION, WEB_S_ID_DECISION_HINT, "identification_decision"},
    {"reason", WEB_F_TEXTAREA, WEB_S_ID_REASON, WEB_S_LANG, NULL},
};

/* The family's evidence, member by member, as the intro of the decision form. */
static web_raw evidence(http_req *req, json_t *fam)
{
    core_buf *out = web_buf(req), *rows = web_buf(req);
    web_qsummary_row(req, rows, web_str(WEB_S_ID_HEADLINES), headlines_of(req, fam), NULL, NULL, NULL, NULL);
    json_t *d = json_object_get(fam, "decision");
    if (json_is_object(d))
        web_qsummary_row(req, rows, web_str(WEB_S_ID_LATEST), core_arena_printf(&req->arena, "%s: %s",
                                                                                decision_of(req, fam),
                                                                                web_json_text(req, d, "reason")),
                        NULL, NULL, NULL, NULL);
    add(out, web_qsummary(req, rows));
    core_buf *er = web_buf(req);
    size_t i, j;
    json_t *m, *e;
    json_array_foreach(json_object_get(fam, "members"), i, m)
    {
        const char *who = web_case_person_name(req, json_object_get(m, "person"));
        json_array_foreach(json_object_get(m, "evidence"), j, e)
        {
            core_buf *cells = web_buf(req);
            cell(cells, who);
            cell(cells, web_json_text(req, e, "label"));
            cell(cells, web_code_label(req, "sf_headline", web_json_text(req, e, "headline")));
            cell(cells, web_json_text(req, e, "dataset"));
            cell(cells, web_json_text(req, e, "value"));
            web_tpl_tr(er, &(web_tpl_tr_args){web_render(cells)});
        }
    }
    const char *const heads[] = {web_str(WEB_S_COL_NAME), web_str(WEB_S_ID_INDICATOR), web_str(WEB_S_CASE_HEADLINE),
                                 web_str(WEB_S_ID_DATASET), web_str(WEB_S_ID_VALUE)};
    add(out, web_table(req, web_str(WEB_S_ID_EVIDENCE), web_th(req, heads, 5), web_render(er)));
    return web_render(out);
}

/* The family's entry in the list (any number of headlines, so a decided family stays reachable). */
static int family_entry(http_req *req, json_t **fam, core_error *err)
{
    json_t *list;
    *fam = NULL;
    if (api_identification_items(req, 1, req->ids[0], &list, err)) return err->code;
    core_arena_on_release(&req->arena, (void (*)(void *))json_decref, list);
    *fam = json_array_get(list, 0);
    if (!*fam) {
        core_error_set(err, CORE_E_NOT_FOUND, "the identification list does not put this family forward");
        return err->code;
    }
    return 0;
}

static int decide_reply(http_req *req, web_qform *f, json_t *fam)
{
    const char *action = core_arena_printf(&req->arena, "/governance/identification/%" PRId64, req->ids[0]);
    return web_qform_reply(req, f, web_json_text(req, fam, "family"), web_str(WEB_S_ID_DECIDE), action,
                          web_str(WEB_S_CASE_SAVE), "/governance/identification", evidence(req, fam));
}

int web_ident_family(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *fam;
    if (family_entry(req, &fam, &err)) return http_reply_error(req, &err);
    web_qform f;
    web_qform_init(req, &f, DECIDE, sizeof(DECIDE) / sizeof(DECIDE[0]));
    return decide_reply(req, &f, fam);
}

int web_ident_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *fam, *out;
    if (family_entry(req, &fam, &err)) return http_reply_error(req, &err);
    web_qform f;
    web_qform_init(req, &f, DECIDE, sizeof(DECIDE) / sizeof(DECIDE[0]));
    json_t *body = web_qform_body(req, &f);
    if (api_identification_decide_do(req, req->ids[0], body, &out, &err)) {
        int shown = 0;
        if (core_error_http_status(err.code) == 422 || core_error_http_status(err.code) == 400) {
            /* the API names one problem at a time: put it beside the field it names */
            const char *field = strstr(err.detail, "reason") ? "reason" : "decision";
            web_qform_error(req, &f, field, web_str(strcmp(field, "reason") == 0 ? WEB_S_ID_ERR_REASON
                                                                                   : WEB_S_ID_ERR_DECISION));
            shown = 1;
        }
        if (!shown) return http_reply_error(req, &err);
        if (!f.error[1] && !web_json_text(req, body, "reason"))
            web_qform_error(req, &f, "reason", web_str(WEB_S_ID_ERR_REASON));
        return decide_reply(req, &f, fam);
    }
    json_decref(out);
    return http_reply_redirect(req, "/governance/identification?done=1");
}
