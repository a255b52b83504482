/*
 * web_chronology.c — the family page's one chronology (contacts, episodes opened and closed, assessments,
 * plans, reviews, case notes, activities; newest first) and its episodes with their links.
 *
 * Read as the API reads them, in this order: GET /api/v1/contacts?family_id={f}&limit=500, GET
 * /api/v1/families/{f}/episodes?limit=500, then for each episode GET /api/v1/episodes/{e}/assessments,
 * /plans, /reviews, /notes and /activities (limit 500). Need-to-know is the access decision's: a list the
 * user may not read (a partner's unshared section, a note labelled for another agency) is simply not in the
 * chronology, and nothing says it exists.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "web/web_case.h"
#include "web/web_qform.h"

typedef struct chron_item {
    const char *when; /* ISO date or time: the sort key */
    const char *kind; /* the tag */
    const char *tag_class;
    const char *what;
    const char *href; /* the episode's page, or NULL */
    int64_t order;    /* ties: the later recorded first */
} chron_item;

typedef struct chron {
    chron_item *items;
    size_t n, cap;
} chron;

static void push(http_req *req, chron *c, const char *when, web_str_id kind, const char *cls,
                 const char *what, const char *href, int64_t order)
{
    if (!when) return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        chron_item *grown = core_arena_calloc(&req->arena, cap, sizeof(*grown));
        if (c->n) memcpy(grown, c->items, c->n * sizeof(*grown));
        c->items = grown;
        c->cap = cap;
    }
    c->items[c->n++] = (chron_item){when, web_str(kind), cls, what, href, order};
}

static int newest_first(const void *a, const void *b)
{
    const chron_item *x = a, *y = b;
    int cmp = strcmp(y->when, x->when);
    if (cmp) return cmp;
    return y->order > x->order ? 1 : y->order < x->order ? -1 : 0;
}

/* A list, or NULL when the user may not read it (err cleared); *failed on another error. */
static json_t *list_of(http_req *req, const char *resource, int64_t parent, const model_filter *f, size_t nf,
                       core_error *err, int *failed)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find(resource), parent, f, nf, 0, MODEL_LIST_MAX, &items, &next,
                        err)) {
        if (web_case_refused(err))
            core_error_clear(err);
        else
            *failed = 1;
        return NULL;
    }
    return items;
}

static int64_t id_of(json_t *row)
{
    return json_integer_value(json_object_get(row, "id"));
}

static const char *text2(http_req *req, const char *a, const char *b)
{
    if (a && b) return core_arena_printf(&req->arena, "%s: %s", a, b);
    return a ? a : b;
}

/* The episode's own records into the chronology. 0 or the error's code. */
static int episode_records(http_req *req, json_t *e, chron *c, core_error *err)
{
    int64_t id = id_of(e);
    const char *href = core_arena_printf(&req->arena, "/episodes/%" PRId64, id);
    int failed = 0;
    size_t i;
    json_t *r, *items;
    if ((items = list_of(req, "assessments", id, NULL, 0, err, &failed))) json_array_foreach(items, i, r)
        {
            push(req, c, web_json_text(req, r, "started_on"), WEB_S_CASE_K_ASSESSMENT, "govuk-tag--purple",
                 text2(req, web_str(WEB_S_CASE_STARTED), web_json_text(req, r, "organisation")), href,
                 id_of(r));
            push(req, c, web_json_text(req, r, "completed_on"), WEB_S_CASE_K_ASSESSMENT, "govuk-tag--purple",
                 text2(req, web_str(WEB_S_CASE_COMPLETED), web_json_text(req, r, "summary")), href, id_of(r));
        }
    if (failed) return err->code;
    if ((items = list_of(req, "plans", id, NULL, 0, err, &failed)))
        json_array_foreach(items, i, r)
            push(req, c, web_json_text(req, r, "agreed_on"), WEB_S_CASE_K_PLAN, "govuk-tag--turquoise",
                 web_str(WEB_S_CASE_PLAN_AGREED), href, id_of(r));
    if (failed) return err->code;
    if ((items = list_of(req, "reviews", id, NULL, 0, err, &failed)))
        json_array_foreach(items, i, r)
            push(req, c, web_json_text(req, r, "held_on"), WEB_S_CASE_K_REVIEW, "govuk-tag--blue",
                 text2(req, web_code_label(req, "review_outcome", web_json_text(req, r, "outcome")),
                       web_json_text(req, r, "notes")),
                 href, id_of(r));
    if (failed) return err->code;
    if ((items = list_of(req, "notes", id, NULL, 0, err, &failed))) json_array_foreach(items, i, r)
        {
            const char *what = text2(req, web_json_text(req, r, "subject"), web_json_text(req, r, "body"));
            if (json_is_true(json_object_get(r, "after_closure")))
                what = core_arena_printf(&req->arena, "%s (%s)", what ? what : "",
                                         web_str(WEB_S_CASE_AFTER_CLOSURE));
            push(req, c, web_json_text(req, r, "occurred_at"), WEB_S_CASE_K_NOTE, "govuk-tag--grey", what,
                 href, id_of(r));
        }
    if (failed) return err->code;
    if ((items = list_of(req, "activities", id, NULL, 0, err, &failed)))
        json_array_foreach(items, i, r)
            push(req, c, web_json_text(req, r, "attended_on"), WEB_S_CASE_K_ACTIVITY, "govuk-tag--pink",
                 text2(req, web_code_label(req, "activity_type", web_json_text(req, r, "activity_type")),
                       web_json_text(req, r, "name")),
                 href, id_of(r));
    return failed ? err->code : 0;
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

int web_family_chronology(http_req *req, int64_t family, core_buf *out, core_error *err)
{
    chron c = {0};
    int failed = 0;
    size_t i;
    json_t *r;
    model_filter f = {"family_id", core_arena_printf(&req->arena, "%" PRId64, family)};
    json_t *contacts = list_of(req, "contacts", 0, &f, 1, err, &failed);
    if (failed) return err->code;
    json_array_foreach(contacts, i, r)
    {
        const char *d = web_json_text(req, r, "decision");
        push(req, &c, web_json_text(req, r, "received_on"), WEB_S_CASE_K_CONTACT, "govuk-tag--yellow",
             text2(req, web_json_text(req, r, "reason"),
                   d ? web_code_label(req, "contact_decision", d) : web_str(WEB_S_UNDECIDED)),
             NULL, id_of(r));
    }
    json_t *eps = list_of(req, "episodes", family, NULL, 0, err, &failed);
    if (failed) return err->code;
    core_buf *rows = web_buf(req);
    json_array_foreach(eps, i, r)
    {
        const char *href = core_arena_printf(&req->arena, "/episodes/%" PRId64, id_of(r));
        push(req, &c, web_json_text(req, r, "start_date"), WEB_S_CASE_K_EPISODE, "govuk-tag--green",
             web_str(WEB_S_CASE_EPISODE_OPENED), href, id_of(r));
        push(req, &c, web_json_text(req, r, "end_date"), WEB_S_CASE_K_EPISODE, "govuk-tag--grey",
             text2(req, web_str(WEB_S_CASE_EPISODE_CLOSED),
                   web_code_label(req, "closure_reason", web_json_text(req, r, "closure_reason"))),
             href, id_of(r));
        if (episode_records(req, r, &c, err)) return err->code;
        core_buf *cells = web_buf(req);
        web_tpl_td_link(
            cells, &(web_tpl_td_link_args){href, core_arena_printf(&req->arena, "%s %" PRId64,
                                                                   web_str(WEB_S_CASE_EPISODE_N), id_of(r))});
        web_tpl_td(cells, &(web_tpl_td_args){web_date_words(req, web_json_text(req, r, "start_date"))});
        const char *end = web_json_text(req, r, "end_date");
        web_tpl_td(cells, &(web_tpl_td_args){end ? web_date_words(req, end) : web_str(WEB_S_OPEN)});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    if (c.n) qsort(c.items, c.n, sizeof(*c.items), newest_first);
    core_buf *crow = web_buf(req);
    for (size_t k = 0; k < c.n; k++) {
        core_buf *cells = web_buf(req);
        web_tpl_td(cells, &(web_tpl_td_args){web_date_words(req, c.items[k].when)});
        web_tpl_case_td_tag(
            cells, &(web_tpl_case_td_tag_args){.tag = c.items[k].kind, .tag_class = c.items[k].tag_class});
        if (c.items[k].href)
            web_tpl_td_link(cells,
                            &(web_tpl_td_link_args){c.items[k].href, c.items[k].what ? c.items[k].what : ""});
        else
            web_tpl_td(cells, &(web_tpl_td_args){c.items[k].what});
        web_tpl_tr(crow, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_CASE_WHEN), web_str(WEB_S_CASE_WHAT_KIND),
                                 web_str(WEB_S_CASE_WHAT)};
    add(out, web_section(
                 req, "chronology", web_str(WEB_S_CASE_CHRONOLOGY), NULL,
                 c.n ? web_table(req, web_str(WEB_S_CASE_CHRONOLOGY), web_th(req, heads, 3), web_render(crow))
                     : web_paragraph(req, web_str(WEB_S_CASE_CHRONOLOGY_NONE))));
    if (eps) {
        const char *const eh[] = {web_str(WEB_S_CASE_EPISODE), web_str(WEB_S_COL_START),
                                  web_str(WEB_S_COL_END)};
        add(out, web_section(req, "episodes", web_str(WEB_S_EPISODES), NULL,
                             json_array_size(eps) ? web_table(req, web_str(WEB_S_EPISODES),
                                                              web_th(req, eh, 3), web_render(rows))
                                                  : web_paragraph(req, web_str(WEB_S_EPISODES_NONE))));
    }
    return 0;
}
