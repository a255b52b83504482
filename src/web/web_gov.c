/*
 * web_gov.c — `/governance`: information governance's work in one place.
 *
 *   GET  /governance                        break-glass accesses waiting for review, suggested matches waiting
 *                                           for a person, the register of data-subject requests, the register
 *                                           of breaches, and the way to a person's access report
 *   GET  /governance/reviews/{id}           one break-glass access and the form recording its review
 *   POST /governance/reviews/{id}
 *   GET  /governance/match-reviews/{id}     one suggested pair: both sides, the evidence as a waterfall chart
 *   POST /governance/match-reviews/{id}     (SVG, drawn here) with a table beside it, and the decision
 *   GET  /governance/access-report?person=  who has seen a person's records, when and on what footing
 *
 * Everything is read and changed through the functions under the API's own routes (api.h: api_review_items,
 * api_match_review_items, api_request_items, api_breach_items, api_access_report_items, api_review_decide,
 * api_match_review_decide_do), so each page is access-checked and writes exactly the audit events the API
 * does. Staff are named through the directory (api_users_items), never by id alone.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_parse.h"
#include "model/model.h"
#include "pindex/pindex.h"
#include "web/web_widgets.h"
#include "web/web_qform.h"

enum { QUEUE_SHOWN = 50, NOTE_MAX = 2000, REASON_MAX_CHARS = 500 };

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

/* A form field, NULL when absent or empty (its length is checked by the caller). */
static const char *field(http_req *req, const char *name)
{
    const char *v = web_field(req, name, 100000);
    return v && *v ? v : NULL;
}

static int refused(const core_error *err)
{
    return err->code == CORE_E_FORBIDDEN || err->code == CORE_E_NOT_FOUND;
}

/* The directory as id -> name (one audited read of it per page). */
typedef struct staff {
    json_t *items;
} staff;

static const char *staff_name(http_req *req, staff *s, json_t *id)
{
    if (!json_is_integer(id))
        return NULL;
    if (!s->items) {
        core_error err;
        core_error_clear(&err);
        if (api_users_items(req, &s->items, &err))
            s->items = json_array();
    }
    size_t i;
    json_t *u;
    json_array_foreach(s->items, i, u)
    {
        if (json_integer_value(json_object_get(u, "id")) == json_integer_value(id))
            return web_json_text(req, u, "name");
    }
    return core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_USER_N), (int64_t)json_integer_value(id));
}

static const char *record_of(http_req *req, json_t *g)
{
    json_t *f = json_object_get(g, "family_id"), *p = json_object_get(g, "person_id");
    if (json_is_integer(f))
        return core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_FAMILY_N), (int64_t)json_integer_value(f));
    if (json_is_integer(p))
        return core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_PERSON_N), (int64_t)json_integer_value(p));
    return NULL;
}

static web_raw table_or(http_req *req, const char *caption, const char *const *heads, size_t n, core_buf *rows,
                        size_t count, web_str_id none)
{
    return count ? web_table(req, caption, web_th(req, heads, n), web_render(rows))
                 : web_paragraph(req, web_str(none));
}

/* ---- /governance ---- */

static int reviews_section(http_req *req, staff *s, core_buf *out, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_review_items(req, 0, 0, QUEUE_SHOWN, &items, &next, err))
        return err->code;
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *g;
    json_array_foreach(items, i, g)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, g, "granted_at"));
        cell(cells, staff_name(req, s, json_object_get(g, "user_id")));
        cell(cells, record_of(req, g));
        cell(cells, web_json_text(req, g, "reason"));
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/governance/reviews/%" PRId64,
                                                             (int64_t)json_integer_value(json_object_get(g, "id"))),
                                   .text = web_str(WEB_S_GOV_REVIEW)});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_GRANTED), web_str(WEB_S_GOV_COL_BY),
                                 web_str(WEB_S_GOV_COL_RECORD), web_str(WEB_S_COL_REASON),
                                 web_str(WEB_S_GOV_COL_ACTION)};
    add(out, web_section(req, "break-glass", web_str(WEB_S_GOV_BREAK_GLASS), NULL,
                         table_or(req, web_str(WEB_S_GOV_BREAK_GLASS), heads, 5, rows, json_array_size(items),
                                  WEB_S_GOV_BREAK_GLASS_NONE)));
    json_decref(items);
    return 0;
}

static const char *side_name(http_req *req, json_t *side)
{
    if (!json_is_object(side))
        return web_str(WEB_S_NOT_SHOWN);
    const char *g = web_json_text(req, side, "given_name"), *f = web_json_text(req, side, "family_name");
    if (!g && !f)
        return web_str(WEB_S_NOT_SHOWN);
    return core_arena_printf(&req->arena, "%s%s%s", g ? g : "", g && f ? " " : "", f ? f : "");
}

static const char *pair_other(json_t *pair)
{
    json_t *o = json_object_get(pair, "other_person");
    return json_is_object(o) ? "other_person" : "partner_record";
}

static int matches_section(http_req *req, core_buf *out, core_error *err)
{
    json_t *page;
    if (api_match_review_items(req, 0, "pending", "", 0, QUEUE_SHOWN, &page, err)) {
        if (!refused(err))
            return err->code;
        core_error_clear(err);
        return 0;
    }
    json_t *items = json_object_get(page, "items");
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p)
    {
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/governance/match-reviews/%" PRId64,
                                                             (int64_t)json_integer_value(json_object_get(p, "id"))),
                                   .text = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_PAIR_N),
                                                             (int64_t)json_integer_value(json_object_get(p, "id")))});
        cell(cells, side_name(req, json_object_get(p, "person")));
        cell(cells, side_name(req, json_object_get(p, pair_other(p))));
        json_t *w = json_object_get(p, "match_weight");
        cell(cells, json_is_number(w) ? core_arena_printf(&req->arena, "%.1f", json_number_value(w)) : NULL);
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_PAIR), web_str(WEB_S_GOV_COL_PERSON),
                                 web_str(WEB_S_GOV_COL_OTHER), web_str(WEB_S_GOV_COL_WEIGHT)};
    add(out, web_section(req, "matches", web_str(WEB_S_GOV_MATCHES), NULL,
                         table_or(req, web_str(WEB_S_GOV_MATCHES), heads, 4, rows, json_array_size(items),
                                  WEB_S_GOV_MATCHES_NONE)));
    json_decref(page);
    return 0;
}

static int requests_section(http_req *req, core_buf *out, core_error *err)
{
    json_t *items;
    if (api_request_items(req, "open", &items, err))
        return err->code;
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r)
    {
        core_buf *cells = web_buf(req);
        cell(cells, core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_REQUEST_N),
                                      (int64_t)json_integer_value(json_object_get(r, "id"))));
        cell(cells, web_json_text(req, r, "kind"));
        cell(cells, web_json_text(req, r, "received_on"));
        cell(cells, web_json_text(req, r, "deadline"));
        int overdue = json_is_true(json_object_get(r, "overdue"));
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = web_str(overdue ? WEB_S_GOV_OVERDUE : WEB_S_GOV_ON_TIME),
                                                     .tag_class = overdue ? "govuk-tag--red" : "govuk-tag--green"});
        /* an access or portability request's pack, made in the background (web_jobs_start.c) */
        const char *kind = web_json_text(req, r, "kind");
        int64_t id = (int64_t)json_integer_value(json_object_get(r, "id"));
        web_raw pack = {NULL};
        if (kind && (strcmp(kind, "access") == 0 || strcmp(kind, "portability") == 0))
            pack = web_button_form(req, core_arena_printf(&req->arena, "/governance/requests/%" PRId64 "/pack", id),
                                   web_str(WEB_S_JOBS_PREPARE_PACK),
                                   core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_JOBS_PACK_FOR), id), 1);
        web_tpl_td_html(cells, &(web_tpl_td_html_args){pack});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_REQUEST), web_str(WEB_S_GOV_COL_KIND),
                                 web_str(WEB_S_COL_RECEIVED),    web_str(WEB_S_GOV_COL_DEADLINE),
                                 web_str(WEB_S_GOV_COL_STATE),   web_str(WEB_S_GOV_COL_ACTION)};
    add(out, web_section(req, "requests", web_str(WEB_S_GOV_REQUESTS), NULL,
                         table_or(req, web_str(WEB_S_GOV_REQUESTS), heads, 6, rows, json_array_size(items),
                                  WEB_S_GOV_REQUESTS_NONE)));
    json_decref(items);
    return 0;
}

static int breaches_section(http_req *req, core_buf *out, core_error *err)
{
    json_t *items;
    if (api_breach_items(req, &items, err))
        return err->code;
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *b;
    json_array_foreach(items, i, b)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, b, "title"));
        cell(cells, web_json_text(req, b, "discovered_at"));
        cell(cells, web_json_text(req, b, "ico_deadline"));
        cell(cells, web_json_text(req, b, "state"));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_TITLE), web_str(WEB_S_GOV_COL_DISCOVERED),
                                 web_str(WEB_S_GOV_COL_ICO), web_str(WEB_S_GOV_COL_STATE)};
    add(out, web_section(req, "breaches", web_str(WEB_S_GOV_BREACHES), NULL,
                         table_or(req, web_str(WEB_S_GOV_BREACHES), heads, 4, rows, json_array_size(items),
                                  WEB_S_GOV_BREACHES_NONE)));
    json_decref(items);
    return 0;
}

int web_governance(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    staff s = {NULL};
    core_buf *body = web_buf(req);
    int rc = reviews_section(req, &s, body, &err);
    if (rc == 0)
        rc = matches_section(req, body, &err);
    if (rc == 0)
        rc = requests_section(req, body, &err);
    if (rc == 0)
        rc = breaches_section(req, body, &err);
    json_decref(s.items);
    if (rc)
        return http_reply_error(req, &err);
    /* the access report: a GET form (it changes nothing), so no CSRF token */
    core_buf *fields = web_buf(req);
    web_tpl_text_field(fields, &(web_tpl_text_field_args){.field = "person",
                                                           .label = web_str(WEB_S_GOV_PERSON_ID),
                                                           .hint = web_str(WEB_S_GOV_PERSON_ID_HINT),
                                                           .width = "govuk-input--width-10",
                                                           .type = "text",
                                                           .autocomplete = "off",
                                                           .described_by = "person-hint"});
    core_buf *form = web_buf(req);
    core_buf_adds(form, "<form method=\"get\" action=\"/governance/access-report\" novalidate>\n");
    add(form, web_render(fields));
    web_tpl_button_submit(form, &(web_tpl_button_submit_args){web_str(WEB_S_GOV_SHOW_REPORT)});
    core_buf_adds(form, "</form>\n");
    add(body, web_section(req, "access-report", web_str(WEB_S_GOV_ACCESS_REPORT), web_str(WEB_S_GOV_ACCESS_REPORT_INTRO),
                          web_render(form)));
    core_buf *links = web_buf(req); /* family identification decisions (web_ident.c) */
    web_link_item(links, "/governance/identification", web_str(WEB_S_ID_TITLE));
    add(body, web_section(req, "identification", web_str(WEB_S_ID_TITLE), NULL, web_links(req, links)));
    links = web_buf(req); /* background work and what starts it (web_jobs.c, web_jobs_start.c) */
    web_link_item(links, "/jobs", web_str(WEB_S_JOBS_TITLE));
    web_link_item(links, "/returns/annex-a", web_str(WEB_S_ANNEX_TITLE));
    web_link_item(links, "/imports/new", web_str(WEB_S_IMPORT_TITLE));
    add(body, web_section(req, "jobs", web_str(WEB_S_JOBS_TITLE), NULL, web_links(req, links)));
    web_raw page = web_page(req, "full", (web_raw){NULL}, (web_raw){NULL}, NULL, web_str(WEB_S_GOVERNANCE), NULL,
                            web_render(body));
    return web_reply_page(req, 200, web_str(WEB_S_GOVERNANCE), 0, page);
}

/* ---- one break-glass access ---- */

static int review_page(http_req *req, int64_t id, web_form *f, const char *outcome, const char *note,
                       const char *err_outcome, const char *err_note, core_error *err)
{
    json_t *items, *grant = NULL;
    int64_t next;
    /* the grant as the queue shows it (all of them: one already reviewed is shown with its outcome) */
    int64_t after = id > 0 ? id - 1 : 0;
    if (api_review_items(req, 1, after, 1, &items, &next, err))
        return err->code;
    json_t *g = json_array_get(items, 0);
    if (g && json_integer_value(json_object_get(g, "id")) == id)
        grant = g;
    if (!grant) {
        json_decref(items);
        return core_error_set(err, CORE_E_NOT_FOUND, "no review with id %" PRId64, id);
    }
    staff s = {NULL};
    const char *keys[] = {web_str(WEB_S_GOV_COL_BY), web_str(WEB_S_GOV_COL_RECORD), web_str(WEB_S_COL_REASON),
                          web_str(WEB_S_GOV_EXPLANATION), web_str(WEB_S_GOV_COL_GRANTED),
                          web_str(WEB_S_GOV_EXPIRES), web_str(WEB_S_GOV_OUTCOME)};
    const char *vals[] = {staff_name(req, &s, json_object_get(grant, "user_id")), record_of(req, grant),
                          web_json_text(req, grant, "reason"), web_json_text(req, grant, "explanation"),
                          web_json_text(req, grant, "granted_at"), web_json_text(req, grant, "expires_at"),
                          web_json_text(req, grant, "review_outcome")};
    int reviewed = vals[6] != NULL;
    web_raw summary = web_summary_of(req, keys, vals, reviewed ? 7 : 6);
    json_decref(s.items);
    json_decref(items);
    web_raw form = {NULL};
    if (!reviewed) {
        json_t *list;
        if (api_reference_codes(req, "break_glass_outcome", &list, err))
            return err->code;
        json_t *codes = json_object_get(list, "codes");
        size_t n = json_array_size(codes);
        web_choice *c = core_arena_calloc(&req->arena, n ? n : 1, sizeof(*c));
        for (size_t i = 0; i < n; i++) {
            json_t *code = json_array_get(codes, i);
            c[i].value = core_arena_strdup(&req->arena, json_string_value(json_object_get(code, "code")));
            c[i].label = core_arena_strdup(&req->arena, json_string_value(json_object_get(code, "label")));
        }
        json_decref(list);
        web_form_radios(f, "outcome", web_str(WEB_S_GOV_OUTCOME), NULL, c, n, outcome,
                        web_form_error(f, "outcome", err_outcome));
        web_form_textarea(f, "note", web_str(WEB_S_GOV_NOTE), web_str(WEB_S_GOV_NOTE_HINT), note,
                          web_form_error(f, "note", err_note));
        form = web_form_render(f, core_arena_printf(&req->arena, "/governance/reviews/%" PRId64, id),
                               web_str(WEB_S_GOV_RECORD_REVIEW), NULL, NULL);
    }
    return web_reply_form(req, 200, web_str(WEB_S_GOVERNANCE), web_str(WEB_S_GOV_BREAK_GLASS_ONE), f, summary,
                               form);
}

int web_gov_review(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    web_form f;
    web_form_init(&f, req);
    if (review_page(req, req->ids[0], &f, NULL, NULL, NULL, NULL, &err))
        return http_reply_error(req, &err);
    return 0;
}

int web_gov_review_post(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *outcome = field(req, "outcome"), *note = field(req, "note");
    const char *e_outcome = outcome ? NULL : web_str(WEB_S_GOV_ERR_OUTCOME);
    const char *e_note = !note ? web_str(WEB_S_GOV_ERR_NOTE) : strlen(note) > NOTE_MAX ? web_str(WEB_S_GOV_ERR_NOTE_LONG) : NULL;
    json_t *out = NULL;
    if (!e_outcome && !e_note) {
        model_ctx ctx;
        model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
        int known = model_ref_code_exists(&ctx, "break_glass_outcome", outcome, &err);
        if (known < 0)
            return http_reply_error(req, &err);
        if (!known)
            e_outcome = web_str(WEB_S_GOV_ERR_OUTCOME);
    }
    if (!e_outcome && !e_note) {
        if (api_review_decide(req, req->ids[0], outcome, note, &out, &err))
            return http_reply_error(req, &err);
        json_decref(out);
        return http_reply_redirect(req, "/governance#break-glass");
    }
    web_form f;
    web_form_init(&f, req);
    if (review_page(req, req->ids[0], &f, outcome, note, e_outcome, e_note, &err))
        return http_reply_error(req, &err);
    return 0;
}

/* ---- one suggested pair ---- */

/* The evidence as a waterfall: the prior, then each comparison's contribution, ending at the match weight. */
static web_raw waterfall(http_req *req, json_t *evidence)
{
    json_t *comps = json_object_get(evidence, "comparisons");
    size_t n = json_array_size(comps);
    double prior = json_number_value(json_object_get(evidence, "prior"));
    /* the range of the running total decides the scale */
    double lo = fmin(0, prior), hi = fmax(0, prior), run = prior;
    for (size_t i = 0; i < n; i++) {
        run += json_number_value(json_object_get(json_array_get(comps, i), "contribution"));
        lo = fmin(lo, run), hi = fmax(hi, run);
    }
    const int label_w = 200, plot_w = 420, bar_h = 22, gap = 8;
    double span = hi - lo > 1e-9 ? hi - lo : 1;
    double scale = plot_w / span;
#define X(v) (label_w + ((v) - lo) * scale)
    core_buf *bars = web_buf(req);
    run = 0;
    for (size_t i = 0; i <= n + 1; i++) {
        const char *label;
        double from, to;
        if (i == 0) {
            label = web_str(WEB_S_GOV_PRIOR), from = 0, to = prior;
        } else if (i <= n) {
            json_t *c = json_array_get(comps, i - 1);
            double d = json_number_value(json_object_get(c, "contribution"));
            label = core_arena_printf(&req->arena, "%s: %s", json_string_value(json_object_get(c, "comparison")),
                                      json_string_value(json_object_get(c, "level")));
            from = run, to = run + d;
        } else {
            label = web_str(WEB_S_GOV_TOTAL), from = 0, to = run;
        }
        if (i <= n)
            run = to;
        double x0 = fmin(X(from), X(to)), w = fmax(fabs(X(to) - X(from)), 1);
        int y = 4 + (int)i * (bar_h + gap);
        const char *fill = i == 0 || i == n + 1 ? "#505a5f" : to >= from ? "#00703c" : "#d4351c";
        web_tpl_waterfall_bar(bars, &(web_tpl_waterfall_bar_args){
                                        .x = core_arena_printf(&req->arena, "%.1f", x0),
                                        .y = core_arena_printf(&req->arena, "%d", y),
                                        .w = core_arena_printf(&req->arena, "%.1f", w),
                                        .h = core_arena_printf(&req->arena, "%d", bar_h),
                                        .fill = fill,
                                        .tx = "0",
                                        .ty = core_arena_printf(&req->arena, "%d", y + bar_h - 6),
                                        .label = label});
    }
#undef X
    int height = 8 + (int)(n + 2) * (bar_h + gap);
    core_buf *b = web_buf(req);
    web_tpl_waterfall(b, &(web_tpl_waterfall_args){
                             .width = core_arena_printf(&req->arena, "%d", label_w + plot_w + 10),
                             .height = core_arena_printf(&req->arena, "%d", height),
                             .zero = core_arena_printf(&req->arena, "%.1f", label_w + (0 - lo) * scale),
                             .title = web_str(WEB_S_GOV_WATERFALL),
                             .bars = web_render(bars),
                             .caption = web_str(WEB_S_GOV_WATERFALL_CAPTION)});
    return web_render(b);
}

static web_raw evidence_table(http_req *req, json_t *evidence)
{
    core_buf *rows = web_buf(req);
    core_buf *cells = web_buf(req);
    cell(cells, web_str(WEB_S_GOV_PRIOR));
    cell(cells, NULL);
    cell(cells, core_arena_printf(&req->arena, "%+.2f", json_number_value(json_object_get(evidence, "prior"))));
    web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(evidence, "comparisons"), i, c)
    {
        cells = web_buf(req);
        cell(cells, web_json_text(req, c, "comparison"));
        cell(cells, web_json_text(req, c, "level"));
        cell(cells, core_arena_printf(&req->arena, "%+.2f", json_number_value(json_object_get(c, "contribution"))));
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_COMPARISON), web_str(WEB_S_GOV_COL_LEVEL),
                                 web_str(WEB_S_GOV_COL_WEIGHT)};
    return web_table(req, web_str(WEB_S_GOV_EVIDENCE), web_th(req, heads, 3), web_render(rows));
}

static web_raw side_list(http_req *req, json_t *side)
{
    static const char *const keys[] = {"given_name", "family_name", "date_of_birth", "sex", "postcode"};
    const char *k[5], *v[5];
    size_t n = 0;
    for (size_t i = 0; i < 5; i++) {
        const char *val = web_json_text(req, side, keys[i]);
        if (val) {
            k[n] = keys[i];
            v[n++] = val;
        }
    }
    if (!n)
        return web_paragraph(req, web_str(WEB_S_NOT_SHOWN));
    return web_summary_of(req, k, v, n);
}

static int match_page(http_req *req, int64_t id, web_form *f, const char *decision, const char *reason,
                      const char *e_decision, const char *e_reason, core_error *err)
{
    json_t *page;
    if (api_match_review_items(req, id, "all", "", 0, 1, &page, err))
        return err->code;
    json_t *p = json_array_get(json_object_get(page, "items"), 0);
    if (!p) {
        json_decref(page);
        return core_error_set(err, CORE_E_NOT_FOUND, "no suggested pair with id %" PRId64, id);
    }
    json_t *ev = json_object_get(p, "evidence");
    web_raw parts[] = {
        web_section(req, "person", web_str(WEB_S_GOV_COL_PERSON), NULL, side_list(req, json_object_get(p, "person"))),
        web_section(req, "other", web_str(WEB_S_GOV_COL_OTHER), NULL,
                    side_list(req, json_object_get(p, pair_other(p)))),
        json_is_object(ev) ? web_section(req, "evidence", web_str(WEB_S_GOV_EVIDENCE), NULL,
                                         web_join(req, (web_raw[]){waterfall(req, ev), evidence_table(req, ev)}, 2))
                           : (web_raw){NULL},
    };
    const char *state = core_arena_strdup(&req->arena, web_json_text(req, p, "state"));
    int pending = state && strcmp(state, "pending") == 0;
    json_decref(page);
    web_raw form = {NULL};
    if (pending) {
        web_choice c[2] = {{"same", web_str(WEB_S_GOV_SAME)}, {"different", web_str(WEB_S_GOV_DIFFERENT)}};
        web_form_radios(f, "decision", web_str(WEB_S_GOV_DECISION), NULL, c, 2, decision,
                        web_form_error(f, "decision", e_decision));
        web_form_textarea(f, "reason", web_str(WEB_S_GOV_REASON), NULL, reason, web_form_error(f, "reason", e_reason));
        form = web_form_render(f, core_arena_printf(&req->arena, "/governance/match-reviews/%" PRId64, id),
                               web_str(WEB_S_GOV_RECORD_DECISION), NULL, NULL);
    } else {
        form = web_paragraph(req, core_arena_printf(&req->arena, "%s: %s", web_str(WEB_S_GOV_COL_STATE), state ? state : ""));
    }
    return web_reply_form(req, 200, web_str(WEB_S_GOVERNANCE),
                               core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_GOV_PAIR_N), id), f,
                               web_join(req, parts, 3), form);
}

int web_gov_match(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    web_form f;
    web_form_init(&f, req);
    if (match_page(req, req->ids[0], &f, NULL, NULL, NULL, NULL, &err))
        return http_reply_error(req, &err);
    return 0;
}

int web_gov_match_post(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *decision = field(req, "decision"), *reason = field(req, "reason");
    const char *e_decision = decision && (strcmp(decision, "same") == 0 || strcmp(decision, "different") == 0)
                                 ? NULL
                                 : web_str(WEB_S_GOV_ERR_DECISION);
    const char *e_reason = !reason                            ? web_str(WEB_S_GOV_ERR_REASON)
                           : strlen(reason) > REASON_MAX_CHARS ? web_str(WEB_S_GOV_ERR_REASON_LONG)
                                                               : NULL;
    if (!e_decision && !e_reason) {
        pindex_decision d = {.pair_id = req->ids[0], .user_id = req->who.user_id, .decision = decision,
                             .reason = reason};
        json_t *out;
        if (api_match_review_decide_do(req, &d, &out, &err))
            return http_reply_error(req, &err);
        json_decref(out);
        return http_reply_redirect(req, "/governance#matches");
    }
    web_form f;
    web_form_init(&f, req);
    if (match_page(req, req->ids[0], &f, decision, reason, e_decision, e_reason, &err))
        return http_reply_error(req, &err);
    return 0;
}

/* ---- a person's access report ---- */

int web_gov_access_report(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *p = http_query(req, "person");
    int64_t person = 0;
    if (!p || core_parse_int64(p, strlen(p), 1, INT64_MAX, &person)) {
        web_form f;
        web_form_init(&f, req);
        web_form_text(&f, "person", web_str(WEB_S_GOV_PERSON_ID), web_str(WEB_S_GOV_PERSON_ID_HINT), p,
                      web_form_error(&f, "person", web_str(WEB_S_GOV_ERR_PERSON)), "govuk-input--width-10");
        core_buf *form = web_buf(req);
        core_buf_adds(form, "<form method=\"get\" action=\"/governance/access-report\" novalidate>\n");
        add(form, web_render(f.fields));
        web_tpl_button_submit(form, &(web_tpl_button_submit_args){web_str(WEB_S_GOV_SHOW_REPORT)});
        core_buf_adds(form, "</form>\n");
        return web_reply_form(req, 200, web_str(WEB_S_GOVERNANCE), web_str(WEB_S_GOV_ACCESS_REPORT), &f,
                                   (web_raw){NULL}, web_render(form));
    }
    json_t *items;
    int64_t next;
    if (api_access_report_items(req, person, 0, 1000, &items, &next, &err))
        return http_reply_error(req, &err);
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, e, "at"));
        json_t *by = json_object_get(e, "by");
        cell(cells, json_is_object(by) ? web_json_text(req, by, "name") : web_json_text(req, e, "by"));
        cell(cells, web_json_text(req, e, "action"));
        cell(cells, core_arena_printf(&req->arena, "%s %s", web_json_text(req, e, "record") ?: "",
                                      web_json_text(req, e, "record_id") ?: ""));
        json_t *footing = json_object_get(e, "footing");
        cell(cells, json_is_object(footing) ? web_json_text(req, footing, "basis") : NULL);
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_GOV_COL_WHEN), web_str(WEB_S_GOV_COL_BY), web_str(WEB_S_GOV_COL_WHAT),
                                 web_str(WEB_S_GOV_COL_RECORD), web_str(WEB_S_GOV_COL_FOOTING)};
    web_raw body = table_or(req, web_str(WEB_S_GOV_ACCESS_REPORT), heads, 5, rows, json_array_size(items),
                            WEB_S_GOV_ACCESS_REPORT_NONE);
    json_decref(items);
    const char *heading = core_arena_printf(&req->arena, "%s: %s %" PRId64, web_str(WEB_S_GOV_ACCESS_REPORT),
                                            web_str(WEB_S_GOV_PERSON_N), person);
    web_raw page = web_page(req, "full", (web_raw){NULL}, (web_raw){NULL}, web_str(WEB_S_GOVERNANCE), heading, NULL,
                            body);
    return web_reply_page(req, 200, heading, 0, page);
}
