/*
 * web_frontdoor.c — the front door's pages: the triage queue, recording a contact, "already known?", and the
 * decision with its rationale.
 *
 *   GET  /front-door                         the queue: undecided contacts, oldest first, days waiting
 *   GET  /front-door/new                     question page: the contact and the child it is about
 *   POST /front-door/new                     the answers checked (every error shown), then "already known?":
 *                                            the matching engine's candidates, each family with its open
 *                                            episodes and the team holding each
 *   POST /front-door/check                   check your answers
 *   POST /front-door/change                  the question page again, filled in
 *   POST /front-door/record                  the records written, then the contact's page
 *   GET  /front-door/contacts/{id}           the contact, triage history, and the decision form while undecided
 *   POST /front-door/contacts/{id}/decision  the decision: no further action, advice, early help (an episode for
 *                                            the team chosen, unless the family already has an open one), step up
 *
 * Without JavaScript the journey is question pages carrying earlier answers as hidden fields; nothing is
 * kept on the server between steps, and every step checks every answer again. Every record is read and
 * written through the API's own functions (api_record_read/_create/_update, api_person_match_items,
 * api_contact_history_read, api_worklist_undecided_items): the same access decisions and audit events as the
 * API. The routes need frontdoor.triage (the front door only).
 */
#include <inttypes.h>
#include <string.h>

#include "core/core_clock.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_ident.h"
#include "web/web_fd.h"
#include "web/web_widgets.h"

enum { NAME_MAX = 200, LINE_MAX = 500, REASON_MAX = 10000, SHORT_MAX = 64 };

static void json_release(void *p)
{
    json_decref(p);
}

static void add(core_buf *b, web_raw r)
{
    core_buf_adds(b, r.html ? r.html : "");
}

/* The codes of reference list `list` as choices (labels from the reference data); NULL on a store error. */
static web_choice *codes(http_req *req, const char *list, size_t *n, core_error *err)
{
    json_t *o;
    *n = 0;
    if (api_reference_codes(req, list, &o, err))
        return NULL;
    json_t *cs = json_object_get(o, "codes");
    web_choice *c = core_arena_calloc(&req->arena, json_array_size(cs) + 1, sizeof(*c));
    size_t i;
    json_t *it;
    json_array_foreach(cs, i, it)
    {
        c[*n].value = core_arena_strdup(&req->arena, json_string_value(json_object_get(it, "code")));
        c[*n].label = core_arena_strdup(&req->arena, json_string_value(json_object_get(it, "label")));
        (*n)++;
    }
    json_decref(o);
    return c;
}

static const char *label_of(const web_choice *c, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(c[i].value, code) == 0)
            return c[i].label;
    return code;
}

static int in_choices(const web_choice *c, size_t n, const char *code)
{
    for (size_t i = 0; code && *code && i < n; i++)
        if (strcmp(c[i].value, code) == 0)
            return 1;
    return 0;
}

/* ---- the queue ---------------------------------------------------------------------------------------------- */

int web_fd_queue(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *items;
    size_t nch;
    web_choice *channels = codes(req, "contact_channel", &nch, &err);
    if (!channels || api_worklist_undecided_items(req, &items, &err))
        return http_reply_error(req, &err);
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *c = json_object_get(it, "contact"), *d = json_object_get(it, "days_waiting");
        int64_t id = json_integer_value(json_object_get(c, "id")), days = json_integer_value(d);
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/front-door/contacts/%" PRId64, id),
                                   .text = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CONTACT_N), id)});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, c, "received_on")});
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){
                                  .text = !json_is_integer(d) ? NULL
                                          : days <= 0         ? web_str(WEB_S_TODAY)
                                                              : core_arena_printf(&req->arena, "%" PRId64 " %s", days,
                                                                                  web_str(days == 1 ? WEB_S_FD_DAY
                                                                                                    : WEB_S_DAYS)),
                                  .tag_class = days >= 3 ? "govuk-tag--red" : days >= 1 ? "govuk-tag--yellow"
                                                                                       : "govuk-tag--grey"});
        web_tpl_td(cells, &(web_tpl_td_args){label_of(channels, nch, web_json_text(req, c, "channel"))});
        web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, c, "reason")});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    core_buf *body = web_buf(req);
    add(body, web_button_link(req, "/front-door/new", web_str(WEB_S_FD_RECORD), 0));
    if (json_array_size(items)) {
        const char *const heads[] = {web_str(WEB_S_COL_CONTACT), web_str(WEB_S_COL_RECEIVED),
                                     web_str(WEB_S_COL_WAITING), web_str(WEB_S_FD_CHANNEL), web_str(WEB_S_COL_REASON)};
        add(body, web_table(req, web_str(WEB_S_FRONT_DOOR), web_th(req, heads, 5), web_render(rows)));
    } else {
        add(body, web_paragraph(req, web_str(WEB_S_FRONT_DOOR_NONE)));
    }
    return web_reply_page(req, 200, web_str(WEB_S_FD_TITLE), 0,
                          web_page(req, "full", (web_raw){NULL}, (web_raw){NULL}, NULL, web_str(WEB_S_FD_TITLE),
                                   web_str(WEB_S_FRONT_DOOR), web_render(body)));
}

web_raw web_fd_queue_link(http_req *req)
{
    return web_button_link(req, "/front-door", web_str(WEB_S_FD_OPEN_QUEUE), 0);
}

/* ---- the question page -------------------------------------------------------------------------------------- */

/* A text answer: NULL (too long) becomes "" with the error too_long. */
static const char *answer(http_req *req, const char *name, size_t max, const char **error)
{
    const char *v = web_field(req, name, max);
    if (!v) {
        *error = web_str(WEB_S_FD_ERR_TOO_LONG);
        return "";
    }
    return v;
}

/* Read and check every answer; errors counted in c->errors. */
static int read_contact(http_req *req, fd_contact *c, const web_choice *ch, size_t nch, const web_choice *ct,
                        size_t nct, const web_choice *src, size_t nsrc, const web_choice *sex, size_t nsex)
{
    memset(c, 0, sizeof(*c));
    char today[11];
    core_clock_today(today);
    c->channel = answer(req, "channel", SHORT_MAX, &c->e_channel);
    if (!c->e_channel && !in_choices(ch, nch, c->channel))
        c->e_channel = web_str(WEB_S_FD_ERR_CHANNEL);
    c->rd = answer(req, "received-day", 8, &c->e_received);
    c->rm = answer(req, "received-month", 8, &c->e_received);
    c->ry = answer(req, "received-year", 8, &c->e_received);
    int r = web_field_date(req, "received", c->received);
    if (r == 0)
        c->e_received = web_str(WEB_S_FD_ERR_RECEIVED);
    else if (r < 0)
        c->e_received = web_str(WEB_S_FD_ERR_RECEIVED_REAL);
    else if (strcmp(c->received, today) > 0)
        c->e_received = web_str(WEB_S_FD_ERR_RECEIVED_FUTURE);
    c->contactor_type = answer(req, "contactor_type", SHORT_MAX, &c->e_contactor_type);
    if (!c->e_contactor_type && !in_choices(ct, nct, c->contactor_type))
        c->e_contactor_type = web_str(WEB_S_FD_ERR_CONTACTOR_TYPE);
    c->contactor_name = answer(req, "contactor_name", NAME_MAX, &c->e_contactor_name);
    c->source_code = answer(req, "source_code", SHORT_MAX, &c->e_source);
    if (!c->e_source && !in_choices(src, nsrc, c->source_code))
        c->e_source = web_str(WEB_S_FD_ERR_SOURCE);
    c->reason = answer(req, "reason", REASON_MAX, &c->e_reason);
    if (!c->e_reason && !*c->reason)
        c->e_reason = web_str(WEB_S_FD_ERR_REASON);
    c->given_name = answer(req, "given_name", NAME_MAX, &c->e_given);
    if (!c->e_given && !*c->given_name)
        c->e_given = web_str(WEB_S_FD_ERR_GIVEN);
    c->family_name = answer(req, "family_name", NAME_MAX, &c->e_family);
    if (!c->e_family && !*c->family_name)
        c->e_family = web_str(WEB_S_FD_ERR_FAMILY);
    c->bd = answer(req, "dob-day", 8, &c->e_dob);
    c->bm = answer(req, "dob-month", 8, &c->e_dob);
    c->by = answer(req, "dob-year", 8, &c->e_dob);
    r = web_field_date(req, "dob", c->dob);
    if (r < 0)
        c->e_dob = web_str(WEB_S_FD_ERR_DOB_REAL);
    else if (r > 0 && strcmp(c->dob, today) > 0)
        c->e_dob = web_str(WEB_S_FD_ERR_DOB_FUTURE);
    c->sex = answer(req, "sex", SHORT_MAX, &c->e_sex);
    if (!c->e_sex && !in_choices(sex, nsex, c->sex))
        c->e_sex = web_str(WEB_S_FD_ERR_SEX);
    c->postcode = answer(req, "postcode", 16, &c->e_postcode);
    char canonical[MODEL_IDENT_MAX];
    if (!c->e_postcode && *c->postcode &&
        model_ident_check(MODEL_IDENT_POSTCODE, c->postcode, strlen(c->postcode), canonical, NULL))
        c->e_postcode = web_str(WEB_S_FD_ERR_POSTCODE);
    c->address = answer(req, "family_address", LINE_MAX, &c->e_address);
    c->school = answer(req, "school", NAME_MAX, &c->e_school);
    c->known = answer(req, "known", SHORT_MAX, &c->e_known);
    /* the contact recorded by an earlier step (or by the live panel): an id, or nothing */
    c->contact_text = web_field(req, "contact", 24);
    if (!c->contact_text || core_parse_int64(c->contact_text, strlen(c->contact_text), 1, INT64_MAX, &c->contact))
        c->contact = 0, c->contact_text = "";
    const char *const *errs[] = {&c->e_channel, &c->e_received,  &c->e_contactor_type, &c->e_contactor_name,
                                 &c->e_source,  &c->e_reason,    &c->e_postcode,       &c->e_address,
                                 &c->e_school,  &c->e_given,     &c->e_family,         &c->e_dob,
                                 &c->e_sex};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        c->errors += *errs[i] != NULL;
        c->contact_errors += i < 9 && *errs[i] != NULL;
    }
    return c->errors;
}

/* The reference lists the question page offers. */
typedef struct fd_lists {
    web_choice *ch, *ct, *src, *sex;
    size_t nch, nct, nsrc, nsex;
} fd_lists;

static int lists(http_req *req, fd_lists *l, core_error *err)
{
    l->ch = codes(req, "contact_channel", &l->nch, err);
    l->ct = l->ch ? codes(req, "contactor_type", &l->nct, err) : NULL;
    l->src = l->ct ? codes(req, "contact_source", &l->nsrc, err) : NULL;
    l->sex = l->src ? codes(req, "sex", &l->nsex, err) : NULL;
    return l->sex ? 0 : err->code;
}

int web_fd_read(http_req *req, fd_contact *c, core_error *err)
{
    fd_lists l;
    if (lists(req, &l, err))
        return err->code;
    read_contact(req, c, l.ch, l.nch, l.ct, l.nct, l.src, l.nsrc, l.sex, l.nsex);
    return 0;
}

static int question_page(http_req *req, int status, const fd_contact *c, const fd_lists *l, int show_errors)
{
    web_form f;
    web_form_init(&f, req);
    const fd_contact none = {0};
    const fd_contact *e = show_errors ? c : &none;
    web_form_add(&f, web_heading(req, "about-contact", web_str(WEB_S_FD_ABOUT_CONTACT)));
    web_form_radios(&f, "channel", web_str(WEB_S_FD_CHANNEL_Q), NULL, l->ch, l->nch, c->channel,
                    web_form_error(&f, "channel", e->e_channel));
    web_form_date(&f, "received", web_str(WEB_S_FD_RECEIVED_Q), web_str(WEB_S_FD_DATE_HINT), c->rd, c->rm, c->ry,
                  web_form_error(&f, "received-day", e->e_received));
    web_form_radios(&f, "contactor_type", web_str(WEB_S_FD_CONTACTOR_TYPE_Q), NULL, l->ct, l->nct, c->contactor_type,
                    web_form_error(&f, "contactor_type", e->e_contactor_type));
    web_form_text(&f, "contactor_name", web_str(WEB_S_FD_CONTACTOR_NAME_Q), web_str(WEB_S_FD_CONTACTOR_NAME_HINT),
                  c->contactor_name, web_form_error(&f, "contactor_name", e->e_contactor_name),
                  "govuk-!-width-two-thirds");
    web_choice *src = core_arena_calloc(&req->arena, l->nsrc + 1, sizeof(*src));
    src[0] = (web_choice){"", web_str(WEB_S_FD_CHOOSE), NULL};
    memcpy(src + 1, l->src, l->nsrc * sizeof(*src));
    web_form_select(&f, "source_code", web_str(WEB_S_FD_SOURCE_Q), NULL, src, l->nsrc + 1, c->source_code,
                    web_form_error(&f, "source_code", e->e_source));
    web_form_textarea(&f, "reason", web_str(WEB_S_FD_REASON_Q), web_str(WEB_S_FD_REASON_HINT), c->reason,
                      web_form_error(&f, "reason", e->e_reason));
    web_form_add(&f, web_heading(req, "about-child", web_str(WEB_S_FD_ABOUT_CHILD)));
    web_form_text(&f, "given_name", web_str(WEB_S_FD_GIVEN_Q), NULL, c->given_name,
                  web_form_error(&f, "given_name", e->e_given), "govuk-!-width-one-half");
    web_form_text(&f, "family_name", web_str(WEB_S_FD_FAMILY_Q), NULL, c->family_name,
                  web_form_error(&f, "family_name", e->e_family), "govuk-!-width-one-half");
    web_form_date(&f, "dob", web_str(WEB_S_FD_DOB_Q), web_str(WEB_S_FD_DOB_HINT), c->bd, c->bm, c->by,
                  web_form_error(&f, "dob-day", e->e_dob));
    web_form_radios(&f, "sex", web_str(WEB_S_FD_SEX_Q), NULL, l->sex, l->nsex, c->sex,
                    web_form_error(&f, "sex", e->e_sex));
    web_form_text(&f, "postcode", web_str(WEB_S_FD_POSTCODE_Q), web_str(WEB_S_FD_POSTCODE_HINT), c->postcode,
                  web_form_error(&f, "postcode", e->e_postcode), "govuk-input--width-10");
    web_form_text(&f, "family_address", web_str(WEB_S_FD_ADDRESS_Q), web_str(WEB_S_FD_OPTIONAL), c->address,
                  web_form_error(&f, "family_address", e->e_address), NULL);
    web_form_text(&f, "school", web_str(WEB_S_FD_SCHOOL_Q), web_str(WEB_S_FD_OPTIONAL), c->school,
                  web_form_error(&f, "school", e->e_school), "govuk-!-width-two-thirds");
    web_form_hidden(&f, "contact", c->contact_text ? c->contact_text : "");
    /* "already known?" as the child is typed: the script's (web_fd_known.c); without it, Continue asks */
    web_form_add(&f, web_fd_known_panel(req));
    web_raw form = web_form_render(&f, "/front-door/new", web_str(WEB_S_FD_CONTINUE), NULL, NULL);
    int any = show_errors && f.nerrors;
    return web_reply_page(req, status, web_str(WEB_S_FD_RECORD), any,
                          web_page(req, "two-thirds", any ? web_form_summary(&f) : (web_raw){NULL}, (web_raw){NULL},
                                   web_str(WEB_S_FD_TITLE), web_str(WEB_S_FD_RECORD), NULL, form));
}

int web_fd_new_form(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_lists l;
    if (lists(req, &l, &err))
        return http_reply_error(req, &err);
    fd_contact c;
    memset(&c, 0, sizeof(c));
    char today[11];
    core_clock_today(today); /* received today, unless the user says otherwise */
    c.rd = core_arena_printf(&req->arena, "%d", (today[8] - '0') * 10 + (today[9] - '0'));
    c.rm = core_arena_printf(&req->arena, "%d", (today[5] - '0') * 10 + (today[6] - '0'));
    c.ry = core_arena_strndup(&req->arena, today, 4);
    return question_page(req, 200, &c, &l, 0);
}

/* The answers so far as hidden fields. */
static void hidden(web_form *f, const fd_contact *c, int with_known)
{
    struct {
        const char *n, *v;
    } h[] = {{"channel", c->channel},         {"received-day", c->rd},      {"received-month", c->rm},
             {"received-year", c->ry},        {"contactor_type", c->contactor_type},
             {"contactor_name", c->contactor_name}, {"source_code", c->source_code}, {"reason", c->reason},
             {"given_name", c->given_name},   {"family_name", c->family_name}, {"dob-day", c->bd},
             {"dob-month", c->bm},            {"dob-year", c->by},          {"sex", c->sex},
             {"postcode", c->postcode},       {"family_address", c->address},
             {"school", c->school},           {"contact", c->contact_text},
             {"known", with_known ? c->known : NULL}};
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
        if (h[i].v)
            web_form_hidden(f, h[i].n, h[i].v);
}

/* ---- already known? ----------------------------------------------------------------------------------------- */

/* "Already known?" within the contact the answers describe (recorded, or brought up to date, first): its
 * family postcode counts (web_fd_known.c). *searched (may be NULL) what was looked up when nobody answered. */
static int match(http_req *req, fd_contact *c, json_t **items, json_t **searched, core_error *err)
{
    json_t *s = NULL;
    int rc = web_fd_known_items(req, c, items, &s, err);
    if (rc == 0 && searched) {
        *searched = s;
        core_arena_on_release(&req->arena, json_release, s);
    } else
        json_decref(s);
    return rc;
}

/* The known page: the candidates as choices "pPERSONfFAMILY" (f0: a new family for a known person), then "new". */
static int known_page(http_req *req, int status, const fd_contact *c, json_t *items, json_t *searched,
                      const char *error)
{
    size_t n = 1;
    size_t i, k;
    json_t *it, *fam;
    json_array_foreach(items, i, it)
    {
        size_t nf = json_array_size(json_object_get(it, "families"));
        n += nf ? nf : 1;
    }
    web_choice *ch = core_arena_calloc(&req->arena, n, sizeof(*ch));
    size_t m = 0;
    json_array_foreach(items, i, it)
    {
        json_t *p = json_object_get(it, "person"), *fams = json_object_get(it, "families");
        int64_t pid = json_integer_value(json_object_get(p, "id"));
        const char *who = web_fd_card_name(req, p), *why = web_fd_evidence_text(req, it);
        json_array_foreach(fams, k, fam)
        {
            ch[m++] = (web_choice){core_arena_printf(&req->arena, "p%" PRId64 "f%" PRId64, pid,
                                                     (int64_t)json_integer_value(json_object_get(fam, "family_id"))),
                                   core_arena_printf(&req->arena, "%s: %s", who, web_str(WEB_S_FD_THEIR_FAMILY)),
                                   core_arena_printf(&req->arena, "%s. %s",
                                                     web_fd_episodes_text(req, json_object_get(fam, "open_episodes")), why)};
        }
        if (!json_array_size(fams))
            ch[m++] = (web_choice){core_arena_printf(&req->arena, "p%" PRId64 "f0", pid),
                                   core_arena_printf(&req->arena, "%s: %s", who, web_str(WEB_S_FD_NEW_FAMILY_FOR)),
                                   core_arena_printf(&req->arena, "%s. %s", web_str(WEB_S_FD_NOT_IN_FAMILY), why)};
    }
    ch[m++] = (web_choice){"new", web_str(WEB_S_FD_NONE_OF_THESE), NULL};
    web_form f;
    web_form_init(&f, req);
    hidden(&f, c, 0);
    web_form_add(&f, web_paragraph(req, web_str(json_array_size(items) ? WEB_S_FD_KNOWN_INTRO : WEB_S_FD_KNOWN_NONE)));
    if (!json_array_size(items) && searched) /* nobody: what was looked for, so that "nobody" has its reasons */
        web_form_add(&f, web_paragraph(req, web_fd_searched_text(req, searched)));
    web_form_radios(&f, "known", web_str(WEB_S_FD_KNOWN_Q), NULL, ch, m, c->known,
                    web_form_error(&f, "known", error));
    web_raw form = web_form_render(&f, "/front-door/check", web_str(WEB_S_FD_CONTINUE), "/front-door/change",
                                   web_str(WEB_S_FD_CHANGE));
    return web_reply_page(req, status, web_str(WEB_S_FD_KNOWN), error != NULL,
                          web_page(req, "two-thirds", web_form_summary(&f), (web_raw){NULL}, web_str(WEB_S_FD_RECORD),
                                   web_str(WEB_S_FD_KNOWN), NULL, form));
}


int web_fd_new(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_lists l;
    fd_contact c;
    if (lists(req, &l, &err))
        return http_reply_error(req, &err);
    if (read_contact(req, &c, l.ch, l.nch, l.ct, l.nct, l.src, l.nsrc, l.sex, l.nsex))
        return question_page(req, 400, &c, &l, 1);
    json_t *items, *searched;
    if (match(req, &c, &items, &searched, &err))
        return http_reply_error(req, &err);
    core_arena_on_release(&req->arena, json_release, items);
    c.known = json_array_size(items) ? NULL : "new";
    return known_page(req, 200, &c, items, searched, NULL);
}

int web_fd_change(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_lists l;
    fd_contact c;
    if (lists(req, &l, &err))
        return http_reply_error(req, &err);
    read_contact(req, &c, l.ch, l.nch, l.ct, l.nct, l.src, l.nsrc, l.sex, l.nsex);
    return question_page(req, 200, &c, &l, 0);
}

/* ---- check your answers ------------------------------------------------------------------------------------- */

static const char *or_none(const char *s)
{
    return s && *s ? s : web_str(WEB_S_FD_NOT_GIVEN);
}

int web_fd_check(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_lists l;
    fd_contact c;
    if (lists(req, &l, &err))
        return http_reply_error(req, &err);
    if (read_contact(req, &c, l.ch, l.nch, l.ct, l.nct, l.src, l.nsrc, l.sex, l.nsex))
        return question_page(req, 400, &c, &l, 1);
    json_t *items, *searched;
    if (match(req, &c, &items, &searched, &err))
        return http_reply_error(req, &err);
    core_arena_on_release(&req->arena, json_release, items);
    if (!*c.known || !web_fd_known_valid(req, &c, items))
        return known_page(req, 400, &c, items, searched, web_str(WEB_S_FD_ERR_KNOWN));
    const char *known_text = web_str(WEB_S_FD_NONE_OF_THESE);
    size_t i, k;
    json_t *it, *fam;
    json_array_foreach(items, i, it)
    {
        json_t *p = json_object_get(it, "person");
        int64_t pid = json_integer_value(json_object_get(p, "id"));
        if (strcmp(c.known, core_arena_printf(&req->arena, "p%" PRId64 "f0", pid)) == 0)
            known_text = core_arena_printf(&req->arena, "%s: %s", web_fd_card_name(req, p), web_str(WEB_S_FD_NEW_FAMILY_FOR));
        json_array_foreach(json_object_get(it, "families"), k, fam)
        {
            if (strcmp(c.known, core_arena_printf(&req->arena, "p%" PRId64 "f%" PRId64, pid,
                                                   (int64_t)json_integer_value(json_object_get(fam, "family_id")))) == 0)
                known_text = core_arena_printf(&req->arena, "%s: %s. %s", web_fd_card_name(req, p),
                                               web_str(WEB_S_FD_THEIR_FAMILY),
                                               web_fd_episodes_text(req, json_object_get(fam, "open_episodes")));
        }
    }
    core_buf *rows = web_buf(req);
    web_summary_row(req, rows, web_str(WEB_S_FD_CHANNEL), label_of(l.ch, l.nch, c.channel));
    web_summary_row(req, rows, web_str(WEB_S_COL_RECEIVED), c.received);
    web_summary_row(req, rows, web_str(WEB_S_FD_FROM), label_of(l.ct, l.nct, c.contactor_type));
    web_summary_row(req, rows, web_str(WEB_S_FD_CONTACTOR_NAME), or_none(c.contactor_name));
    web_summary_row(req, rows, web_str(WEB_S_FD_SOURCE), label_of(l.src, l.nsrc, c.source_code));
    web_summary_row(req, rows, web_str(WEB_S_COL_REASON), c.reason);
    web_summary_row(req, rows, web_str(WEB_S_FD_CHILD), core_arena_printf(&req->arena, "%s %s", c.given_name, c.family_name));
    web_summary_row(req, rows, web_str(WEB_S_COL_DOB), or_none(c.dob));
    web_summary_row(req, rows, web_str(WEB_S_FD_SEX), label_of(l.sex, l.nsex, c.sex));
    web_summary_row(req, rows, web_str(WEB_S_FD_POSTCODE), or_none(c.postcode));
    web_summary_row(req, rows, web_str(WEB_S_FD_ADDRESS), or_none(c.address));
    web_summary_row(req, rows, web_str(WEB_S_FD_SCHOOL), or_none(c.school));
    web_summary_row(req, rows, web_str(WEB_S_FD_KNOWN_ANSWER), known_text);
    web_form f;
    web_form_init(&f, req);
    hidden(&f, &c, 1);
    web_raw parts[] = {web_summary(req, rows),
                       web_form_render(&f, "/front-door/record", web_str(WEB_S_FD_RECORD_BUTTON), "/front-door/change",
                                       web_str(WEB_S_FD_CHANGE))};
    return web_reply_page(req, 200, web_str(WEB_S_FD_CHECK), 0,
                          web_page(req, "two-thirds", (web_raw){NULL}, (web_raw){NULL}, web_str(WEB_S_FD_RECORD),
                                   web_str(WEB_S_FD_CHECK), NULL, web_join(req, parts, 2)));
}

/* ---- recording ---------------------------------------------------------------------------------------------- */

static int create(http_req *req, const char *res, int64_t parent, json_t *body, int64_t *id, core_error *err)
{
    json_t *out;
    int rc = api_record_create(req, model_resource_find(res), parent, body, &out, err);
    json_decref(body);
    if (rc == 0 && id)
        *id = json_integer_value(json_object_get(out, "id"));
    return rc;
}

int web_fd_record(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_lists l;
    fd_contact c;
    if (lists(req, &l, &err))
        return http_reply_error(req, &err);
    if (read_contact(req, &c, l.ch, l.nch, l.ct, l.nct, l.src, l.nsrc, l.sex, l.nsex))
        return question_page(req, 400, &c, &l, 1);
    int64_t person = 0, family = 0, contact = 0;
    if (strcmp(c.known, "new") != 0) {
        json_t *items;
        if (match(req, &c, &items, NULL, &err))
            return http_reply_error(req, &err);
        int ok = web_fd_known_valid(req, &c, items);
        json_decref(items);
        const char *f = ok ? strchr(c.known, 'f') : NULL; /* "pPERSONfFAMILY", one of the choices offered */
        if (!f || core_parse_int64(c.known + 1, (size_t)(f - c.known - 1), 1, INT64_MAX, &person) ||
            core_parse_int64(f + 1, strlen(f + 1), 0, INT64_MAX, &family)) {
            core_error_set(&err, CORE_E_BAD_PARAMETER, "the family chosen is not one of those offered");
            return http_reply_error(req, &err);
        }
    }
    int rc = 0;
    if (!person) {
        json_t *p = json_pack("{s:s,s:s,s:s}", "given_name", c.given_name, "family_name", c.family_name, "sex", c.sex);
        if (c.dob[0])
            json_object_set_new(p, "date_of_birth", json_string(c.dob));
        rc = create(req, "people", 0, p, &person, &err);
    }
    if (rc == 0 && !family) {
        rc = create(req, "families", 0,
                    json_pack("{s:s}", "name",
                              core_arena_printf(&req->arena, "%s %s", c.family_name, web_str(WEB_S_FD_FAMILY_SUFFIX))),
                    &family, &err);
        if (rc == 0)
            rc = create(req, "members", family, json_pack("{s:I,s:s}", "person_id", (json_int_t)person, "role", "child"),
                        NULL, &err);
    }
    if (rc == 0) /* the contact recorded when its details were entered (or now): it names the family */
        rc = web_fd_contact_ensure(req, &c, &err);
    if (rc == 0) {
        json_t *out, *body = json_pack("{s:I}", "family_id", (json_int_t)family);
        contact = c.contact;
        rc = api_record_update(req, model_resource_find("contacts"), contact, body, &out, &err);
        json_decref(body);
    }
    if (rc == 0)
        rc = create(req, "children", contact, json_pack("{s:I}", "person_id", (json_int_t)person), NULL, &err);
    if (rc)
        return http_reply_error(req, &err);
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/front-door/contacts/%" PRId64 "?recorded=1",
                                                      contact));
}

/* ---- the contact and its decision --------------------------------------------------------------------------- */

typedef struct fd_decision {
    const char *decision, *team, *rationale, *dd, *dm, *dy;
    char date[11];
    const char *e_decision, *e_team, *e_date, *e_rationale;
} fd_decision;

/* The early help teams (the directory, read as GET /api/v1/teams?kind=early_help reads it), as choices with
 * an empty first one. */
static web_choice *eh_teams(http_req *req, size_t *n, core_error *err)
{
    json_t *items;
    int64_t next;
    model_filter kind = {"kind", "early_help"};
    *n = 0;
    if (api_record_list(req, model_resource_find("teams"), 0, &kind, 1, 0, MODEL_LIST_MAX, &items, &next, err))
        return NULL;
    web_choice *c = core_arena_calloc(&req->arena, json_array_size(items) + 1, sizeof(*c));
    c[(*n)++] = (web_choice){"", web_str(WEB_S_FD_CHOOSE), NULL};
    size_t i;
    json_t *t;
    json_array_foreach(items, i, t)
        c[(*n)++] = (web_choice){web_json_text(req, t, "id"), web_json_text(req, t, "name"), NULL};
    return c;
}

static int contact_page(http_req *req, int status, int64_t id, const fd_decision *d, int show_errors,
                        const char *banner)
{
    core_error err;
    core_error_clear(&err);
    json_t *c, *h;
    size_t nch, nct, nsrc, ndec, nteams;
    web_choice *ch = codes(req, "contact_channel", &nch, &err), *ct = ch ? codes(req, "contactor_type", &nct, &err) : NULL,
               *src = ct ? codes(req, "contact_source", &nsrc, &err) : NULL,
               *dec = src ? codes(req, "contact_decision", &ndec, &err) : NULL,
               *teams = dec ? eh_teams(req, &nteams, &err) : NULL;
    if (!teams || api_record_read(req, model_resource_find("contacts"), id, &c, &err) ||
        api_contact_history_read(req, id, &h, &err))
        return http_reply_error(req, &err);
    const char *decision = web_json_text(req, c, "decision");
    core_buf *rows = web_buf(req);
    web_summary_row(req, rows, web_str(WEB_S_COL_RECEIVED), web_json_text(req, c, "received_on"));
    web_summary_row(req, rows, web_str(WEB_S_FD_CHANNEL), label_of(ch, nch, web_json_text(req, c, "channel")));
    web_summary_row(req, rows, web_str(WEB_S_FD_FROM), label_of(ct, nct, web_json_text(req, c, "contactor_type")));
    web_summary_row(req, rows, web_str(WEB_S_FD_CONTACTOR_NAME), or_none(web_json_text(req, c, "contactor_name")));
    web_summary_row(req, rows, web_str(WEB_S_FD_SOURCE), label_of(src, nsrc, web_json_text(req, c, "source_code")));
    web_summary_row(req, rows, web_str(WEB_S_COL_REASON), web_json_text(req, c, "reason"));
    size_t i;
    json_t *p;
    core_buf *people = web_buf(req);
    json_array_foreach(json_object_get(h, "people"), i, p)
        core_buf_adds(people, core_arena_printf(&req->arena, "%s%s", i ? "; " : "", web_fd_card_name(req, p)));
    web_summary_row(req, rows, web_str(WEB_S_FD_PEOPLE), core_buf_ok(people) && people->len ? people->data : NULL);
    web_summary_row_html(req, rows, web_str(WEB_S_COL_DECISION),
                         decision ? web_tag(req, label_of(dec, ndec, decision), "govuk-tag--green")
                                  : web_tag(req, web_str(WEB_S_UNDECIDED), "govuk-tag--yellow"));
    if (decision) {
        web_summary_row(req, rows, web_str(WEB_S_FD_DECIDED_ON), web_json_text(req, c, "decision_date"));
        web_summary_row(req, rows, web_str(WEB_S_FD_RATIONALE), or_none(web_json_text(req, c, "decision_rationale")));
    }
    core_buf *body = web_buf(req);
    add(body, web_summary(req, rows));
    /* open episodes of the family: who holds it now */
    json_t *eps = json_object_get(h, "open_episodes");
    add(body, web_heading(req, "open-episodes", web_str(WEB_S_FD_OPEN_EPISODES)));
    if (json_array_size(eps)) {
        core_buf *er = web_buf(req);
        json_t *e;
        json_array_foreach(eps, i, e)
        {
            core_buf *cells = web_buf(req);
            const char *lead = web_json_text(req, e, "lead");
            web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, e, "owning_team")});
            web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, e, "start_date")});
            web_tpl_td(cells, &(web_tpl_td_args){lead ? lead : web_str(WEB_S_UNALLOCATED)});
            web_tpl_tr(er, &(web_tpl_tr_args){web_render(cells)});
        }
        const char *const heads[] = {web_str(WEB_S_FD_TEAM), web_str(WEB_S_COL_START), web_str(WEB_S_COL_LEAD)};
        add(body, web_table(req, web_str(WEB_S_FD_OPEN_EPISODES), web_th(req, heads, 3), web_render(er)));
    } else {
        add(body, web_paragraph(req, web_str(WEB_S_FD_NO_OPEN_EPISODES)));
    }
    json_t *earlier = json_object_get(h, "earlier_contacts");
    if (json_array_size(earlier)) {
        add(body, web_heading(req, "earlier-contacts", web_str(WEB_S_FD_EARLIER)));
        core_buf *cr = web_buf(req);
        json_t *e;
        json_array_foreach(earlier, i, e)
        {
            core_buf *cells = web_buf(req);
            const char *dd = web_json_text(req, e, "decision");
            web_tpl_td(cells, &(web_tpl_td_args){web_json_text(req, e, "received_on")});
            web_tpl_td(cells, &(web_tpl_td_args){label_of(src, nsrc, web_json_text(req, e, "source_code"))});
            web_tpl_td(cells, &(web_tpl_td_args){dd ? label_of(dec, ndec, dd) : web_str(WEB_S_UNDECIDED)});
            web_tpl_tr(cr, &(web_tpl_tr_args){web_render(cells)});
        }
        const char *const heads[] = {web_str(WEB_S_COL_RECEIVED), web_str(WEB_S_FD_SOURCE), web_str(WEB_S_COL_DECISION)};
        add(body, web_table(req, web_str(WEB_S_FD_EARLIER), web_th(req, heads, 3), web_render(cr)));
    }
    web_raw summary = {NULL};
    int any = 0;
    if (!decision) {
        web_form f;
        web_form_init(&f, req);
        const fd_decision none = {0};
        const fd_decision *e = show_errors ? d : &none;
        web_form_add(&f, web_heading(req, "decision", web_str(WEB_S_FD_DECISION_HEADING)));
        if (json_array_size(eps))
            web_form_add(&f, web_warning(req, web_str(WEB_S_FD_ALREADY_OPEN)));
        web_form_radios(&f, "decision", web_str(WEB_S_FD_DECISION_Q), NULL, dec, ndec, d->decision,
                        web_form_error(&f, "decision", e->e_decision));
        web_form_select(&f, "team", web_str(WEB_S_FD_TEAM_Q), web_str(WEB_S_FD_TEAM_HINT), teams, nteams, d->team,
                        web_form_error(&f, "team", e->e_team));
        web_form_date(&f, "decided", web_str(WEB_S_FD_DECIDED_Q), web_str(WEB_S_FD_DATE_HINT), d->dd, d->dm, d->dy,
                      web_form_error(&f, "decided-day", e->e_date));
        web_form_textarea(&f, "rationale", web_str(WEB_S_FD_RATIONALE_Q), web_str(WEB_S_FD_RATIONALE_HINT), d->rationale,
                          web_form_error(&f, "rationale", e->e_rationale));
        add(body, web_form_render(&f, core_arena_printf(&req->arena, "/front-door/contacts/%" PRId64 "/decision", id),
                                  web_str(WEB_S_FD_DECIDE_BUTTON), NULL, NULL));
        any = show_errors && f.nerrors;
        if (any)
            summary = web_form_summary(&f);
    }
    const char *title = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_CONTACT_N), id);
    return web_reply_page(req, status, title, any,
                          web_page(req, "two-thirds", summary,
                                   banner ? web_banner(req, web_str(WEB_S_FD_SUCCESS), banner) : (web_raw){NULL},
                                   web_str(WEB_S_FD_TITLE), title, NULL, web_render(body)));
}

int web_fd_contact(http_req *req)
{
    fd_decision d;
    memset(&d, 0, sizeof(d));
    char today[11];
    core_clock_today(today);
    d.dd = core_arena_printf(&req->arena, "%d", (today[8] - '0') * 10 + (today[9] - '0'));
    d.dm = core_arena_printf(&req->arena, "%d", (today[5] - '0') * 10 + (today[6] - '0'));
    d.dy = core_arena_strndup(&req->arena, today, 4);
    const char *banner = NULL;
    if (http_query(req, "recorded"))
        banner = web_str(WEB_S_FD_RECORDED);
    else if (http_query(req, "decided"))
        banner = web_str(WEB_S_FD_DECIDED);
    else if (http_query(req, "sent"))
        banner = web_str(WEB_S_FD_SENT);
    return contact_page(req, 200, req->ids[0], &d, 0, banner);
}

int web_fd_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *c, *h;
    size_t ndec, nteams;
    web_choice *dec = codes(req, "contact_decision", &ndec, &err), *teams = dec ? eh_teams(req, &nteams, &err) : NULL;
    if (!teams || api_record_read(req, model_resource_find("contacts"), id, &c, &err) ||
        api_contact_history_read(req, id, &h, &err))
        return http_reply_error(req, &err);
    fd_decision d;
    memset(&d, 0, sizeof(d));
    const char *toolong = NULL;
    d.decision = answer(req, "decision", SHORT_MAX, &toolong);
    d.team = answer(req, "team", SHORT_MAX, &toolong);
    d.dd = answer(req, "decided-day", 8, &d.e_date);
    d.dm = answer(req, "decided-month", 8, &d.e_date);
    d.dy = answer(req, "decided-year", 8, &d.e_date);
    d.rationale = answer(req, "rationale", REASON_MAX, &d.e_rationale);
    char today[11];
    core_clock_today(today);
    const char *received = web_json_text(req, c, "received_on");
    int open = json_array_size(json_object_get(h, "open_episodes")) > 0;
    int early_help = strcmp(d.decision, "early_help") == 0;
    if (!in_choices(dec, ndec, d.decision))
        d.e_decision = web_str(WEB_S_FD_ERR_DECISION);
    if (early_help && !open && !in_choices(teams, nteams, d.team))
        d.e_team = web_str(WEB_S_FD_ERR_TEAM);
    if (early_help && !web_json_text(req, c, "family_id"))
        d.e_decision = web_str(WEB_S_FD_ERR_NO_FAMILY);
    int r = web_field_date(req, "decided", d.date);
    if (!d.e_date) {
        if (r == 0)
            d.e_date = web_str(WEB_S_FD_ERR_DECIDED);
        else if (r < 0)
            d.e_date = web_str(WEB_S_FD_ERR_DECIDED_REAL);
        else if (strcmp(d.date, today) > 0)
            d.e_date = web_str(WEB_S_FD_ERR_DECIDED_FUTURE);
        else if (received && strcmp(d.date, received) < 0)
            d.e_date = web_str(WEB_S_FD_ERR_DECIDED_BEFORE);
    }
    if (!d.e_rationale && !*d.rationale)
        d.e_rationale = web_str(WEB_S_FD_ERR_RATIONALE);
    if (d.e_decision || d.e_team || d.e_date || d.e_rationale)
        return contact_page(req, 400, id, &d, 1, NULL);
    int rc = 0;
    if (early_help && !open) { /* early help: a new episode for the team chosen, nobody leading it yet */
        json_t *ep;
        int64_t team = 0;
        if (core_parse_int64(d.team, strlen(d.team), 1, INT64_MAX, &team)) { /* one of the choices: cannot fail */
            core_error_set(&err, CORE_E_BAD_PARAMETER, "the team chosen is not one of those offered");
            return http_reply_error(req, &err);
        }
        json_t *body = json_pack("{s:s,s:I}", "start_date", d.date, "owning_team_id", (json_int_t)team);
        rc = api_record_create(req, model_resource_find("episodes"),
                               json_integer_value(json_object_get(c, "family_id")), body, &ep, &err);
        json_decref(body);
    }
    if (rc == 0) {
        json_t *out, *body = json_pack("{s:s,s:s,s:I,s:s}", "decision", d.decision, "decision_date", d.date,
                                       "decided_by", (json_int_t)req->who.user_id, "decision_rationale", d.rationale);
        rc = api_record_update(req, model_resource_find("contacts"), id, body, &out, &err);
        json_decref(body);
    }
    if (rc)
        return http_reply_error(req, &err);
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/front-door/contacts/%" PRId64 "?%s=1", id,
                                                      early_help && !open ? "sent" : "decided"));
}
