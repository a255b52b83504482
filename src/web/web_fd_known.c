/*
 * web_fd_known.c — "already known?" at the front door, asked within the contact being recorded.
 *
 *   POST /front-door/known   the panel's fragment: the question page's answers as posted; once the contact's
 *                            own questions are answered and the child has a name, the contact is recorded (or
 *                            brought up to date) and the index asked within it, as the page's Continue does
 *
 * The contact is recorded as soon as its details are given (web_fd_contact_ensure): a front-door contact is
 * recorded whatever comes of it, and asking within it lets what it carries count — the family's postcode the
 * caller gave — where a postcode typed into a free search may not (docs/access.md, finding 8; the lead's
 * decision in docs/decisions.md). Its id travels in the hidden field "contact", so that later steps bring the
 * same contact up to date instead of recording another. Every read and write goes through the API's own
 * functions (api_record_create/_read/_update, api_contact_match_items): the same access decisions and audit.
 *
 * The page works without JavaScript: Continue posts the answers and "already known?" is a page. The script
 * (web_fd_known_script(), served as an asset of its own) only makes the panel answer as the child is typed.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_ident.h"
#include "web/web_fd.h"
#include "web/web_widgets.h"

static void json_release(void *p)
{
    json_decref(p);
}

/* A contact field as the answers give it ("" and NULL alike: not given). */
static const char *given(const char *s)
{
    return s && *s ? s : NULL;
}

/* Does stored field k differ from the answer v? */
static int differs(json_t *stored, const char *k, const char *v)
{
    const char *was = json_string_value(json_object_get(stored, k));
    return (was == NULL) != (v == NULL) || (was && strcmp(was, v) != 0);
}

int web_fd_contact_ensure(http_req *req, fd_contact *c, core_error *err)
{
    const model_resource *r = model_resource_find("contacts");
    struct {
        const char *k, *v;
    } f[] = {{"received_on", c->received},         {"channel", c->channel},
             {"contactor_type", c->contactor_type}, {"contactor_name", given(c->contactor_name)},
             {"source_code", c->source_code},       {"reason", c->reason},
             {"family_postcode", given(c->postcode)}, {"family_address", given(c->address)},
             {"school", given(c->school)}};
    size_t n = sizeof(f) / sizeof(f[0]);
    json_t *body = json_object(), *out;
    int rc;
    if (!c->contact) {
        for (size_t i = 0; i < n; i++)
            if (f[i].v)
                json_object_set_new(body, f[i].k, json_string(f[i].v));
        rc = api_record_create(req, r, 0, body, &out, err);
        json_decref(body);
        if (rc)
            return rc;
        c->contact = json_integer_value(json_object_get(out, "id"));
        c->contact_text = core_arena_printf(&req->arena, "%" PRId64, c->contact);
        return 0;
    }
    json_t *stored;
    if ((rc = api_record_read(req, r, c->contact, &stored, err))) {
        json_decref(body);
        return rc;
    }
    /* the postcode as stored is canonical: compare the answer's canonical form */
    if (f[6].v) {
        char pc[MODEL_IDENT_MAX];
        if (model_ident_check(MODEL_IDENT_POSTCODE, f[6].v, strlen(f[6].v), pc, NULL) == 0)
            f[6].v = core_arena_strdup(&req->arena, pc);
    }
    for (size_t i = 0; i < n; i++)
        if (differs(stored, f[i].k, f[i].v))
            json_object_set_new(body, f[i].k, f[i].v ? json_string(f[i].v) : json_null());
    rc = json_object_size(body) ? api_record_update(req, r, c->contact, body, &out, err) : 0;
    json_decref(body);
    return rc;
}

int web_fd_known_items(http_req *req, fd_contact *c, json_t **items, json_t **searched, core_error *err)
{
    *items = NULL;
    if (searched)
        *searched = NULL;
    int rc = web_fd_contact_ensure(req, c, err);
    if (rc)
        return rc;
    json_t *body = json_object();
    if (given(c->given_name))
        json_object_set_new(body, "given_name", json_string(c->given_name));
    if (given(c->family_name))
        json_object_set_new(body, "family_name", json_string(c->family_name));
    if (c->dob[0])
        json_object_set_new(body, "date_of_birth", json_string(c->dob));
    if (given(c->sex) && !c->e_sex)
        json_object_set_new(body, "sex", json_string(c->sex));
    rc = api_contact_match_items(req, c->contact, body, items, searched, err);
    json_decref(body);
    if (rc == 0 && searched && json_array_size(*items)) {
        json_decref(*searched);
        *searched = NULL;
    }
    return rc;
}

/* "given_name" -> "given name" */
static const char *words(http_req *req, const char *code)
{
    char *s = core_arena_strdup(&req->arena, code ? code : "");
    for (char *p = s; *p; p++)
        if (*p == '_')
            *p = ' ';
    return s;
}

const char *web_fd_evidence_text(http_req *req, json_t *item)
{
    core_buf *b = web_buf(req);
    core_buf_adds(b, web_str(WEB_S_FD_EVIDENCE));
    size_t i;
    json_t *e;
    int contact = strcmp(web_json_text(req, item, "view") ? web_json_text(req, item, "view") : "", "contact") == 0;
    json_array_foreach(json_object_get(item, "evidence"), i, e)
    {
        const char *field = web_json_text(req, e, "field");
        core_buf_adds(b, core_arena_printf(&req->arena, "%s%s %s%s", i ? ", " : ": ", words(req, field),
                                           web_json_text(req, e, "level") ? web_json_text(req, e, "level") : "",
                                           contact && field && strcmp(field, "postcode") == 0
                                               ? web_str(WEB_S_FD_FROM_CONTACT)
                                               : ""));
    }
    double p = json_number_value(json_object_get(item, "probability"));
    core_buf_adds(b, core_arena_printf(&req->arena, " (%s %.0f%%)", web_str(WEB_S_FD_LIKELIHOOD), floor(p * 100)));
    return core_buf_ok(b) ? b->data : "";
}

const char *web_fd_searched_text(http_req *req, json_t *searched)
{
    core_buf *b = web_buf(req);
    core_buf_adds(b, core_arena_printf(&req->arena, "%s %" PRId64 " %s", web_str(WEB_S_FD_SEARCHED_AMONG),
                                       (int64_t)json_integer_value(json_object_get(searched, "index_people")),
                                       web_str(WEB_S_FD_SEARCHED_BY)));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(searched, "lookups"), i, l)
    {
        core_buf_adds(b, core_arena_printf(&req->arena, "%s%s %s", i ? "; " : " ", words(req, web_json_text(req, l, "by")),
                                           web_json_text(req, l, "value") ? web_json_text(req, l, "value") : ""));
    }
    core_buf_adds(b, ".");
    return core_buf_ok(b) ? b->data : "";
}

/* The panel: what the page shows in it before anything is asked (the script replaces its contents). */
web_raw web_fd_known_panel(http_req *req)
{
    core_buf *b = web_buf(req);
    web_tpl_fd_known_panel(b, &(web_tpl_fd_known_panel_args){.heading = web_str(WEB_S_FD_LIVE_HEADING),
                                                             .text = web_str(WEB_S_FD_LIVE_WAITING)});
    return web_render(b);
}

/* The panel's answer: heading, a sentence, the candidates (each with their families' open episodes and the
 * evidence), and the contact it was asked within (data-contact, for the script to carry). */
static int reply_panel(http_req *req, int64_t contact, const char *text, json_t *items)
{
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *p = json_object_get(it, "person");
        const char *g = web_json_text(req, p, "given_name"), *f = web_json_text(req, p, "family_name"),
                   *d = web_json_text(req, p, "date_of_birth");
        size_t k, e;
        json_t *fam, *ep;
        core_buf *eps = web_buf(req);
        json_array_foreach(json_object_get(it, "families"), k, fam)
        {
            json_array_foreach(json_object_get(fam, "open_episodes"), e, ep)
            {
                const char *lead = web_json_text(req, ep, "lead");
                core_buf_adds(eps, core_arena_printf(&req->arena, "%s %s %s %s (%s). ",
                                                     web_str(WEB_S_FD_OPEN_EPISODE_WITH),
                                                     web_json_text(req, ep, "owning_team"), web_str(WEB_S_FD_SINCE),
                                                     web_json_text(req, ep, "start_date"),
                                                     lead ? lead : web_str(WEB_S_UNALLOCATED)));
            }
        }
        web_tpl_fd_known_item(rows, &(web_tpl_fd_known_item_args){
                                        .who = core_arena_printf(&req->arena, "%s %s%s%s", g ? g : "", f ? f : "",
                                                                 d ? web_str(WEB_S_FD_BORN) : "", d ? d : ""),
                                        .episodes = core_buf_ok(eps) ? eps->data : "",
                                        .evidence = web_fd_evidence_text(req, it)});
    }
    core_buf *b = web_buf(req);
    web_tpl_fd_known_result(b, &(web_tpl_fd_known_result_args){
                                   .contact = contact ? core_arena_printf(&req->arena, "%" PRId64, contact) : "",
                                   .heading = web_str(WEB_S_FD_LIVE_HEADING), .text = text,
                                   .items = json_array_size(items) ? web_render(rows) : (web_raw){NULL}});
    web_raw html = web_render(b);
    return http_reply_body(req, 200, "text/html; charset=utf-8", html.html ? html.html : "",
                           html.html ? strlen(html.html) : 0);
}

int web_fd_known_live(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    fd_contact c;
    if (web_fd_read(req, &c, &err))
        return http_reply_error(req, &err);
    /* the contact's own questions first, and a name for the child: until then nothing is recorded or asked */
    if (c.contact_errors || (!given(c.given_name) && !given(c.family_name)) || c.e_given || c.e_family || c.e_dob)
        return reply_panel(req, c.contact, web_str(WEB_S_FD_LIVE_WAITING), NULL);
    json_t *items, *searched;
    if (web_fd_known_items(req, &c, &items, &searched, &err))
        return http_reply_error(req, &err);
    core_arena_on_release(&req->arena, json_release, items);
    if (searched)
        core_arena_on_release(&req->arena, json_release, searched);
    return reply_panel(req, c.contact,
                       json_array_size(items) ? web_str(WEB_S_FD_KNOWN_INTRO) : web_fd_searched_text(req, searched),
                       items);
}

/* ---- the choices of the known page (web_frontdoor.c) ---- */

const char *web_fd_card_name(http_req *req, json_t *p)
{
    const char *g = web_json_text(req, p, "given_name"), *f = web_json_text(req, p, "family_name"),
               *d = web_json_text(req, p, "date_of_birth");
    return core_arena_printf(&req->arena, "%s %s%s%s", g ? g : "", f ? f : "", d ? web_str(WEB_S_FD_BORN) : "",
                             d ? d : "");
}

/* What a family's open episodes say: "Open episode with TEAM since DATE (lead NAME)", or none. */
const char *web_fd_episodes_text(http_req *req, json_t *eps)
{
    if (!json_array_size(eps))
        return web_str(WEB_S_FD_NO_OPEN_EPISODE);
    core_buf *b = web_buf(req);
    size_t i;
    json_t *e;
    json_array_foreach(eps, i, e)
    {
        const char *lead = web_json_text(req, e, "lead");
        core_buf_adds(b, core_arena_printf(&req->arena, "%s%s %s %s %s (%s)", i ? "; " : "",
                                           web_str(WEB_S_FD_OPEN_EPISODE_WITH), web_json_text(req, e, "owning_team"),
                                           web_str(WEB_S_FD_SINCE), web_json_text(req, e, "start_date"),
                                           lead ? lead : web_str(WEB_S_UNALLOCATED)));
    }
    return core_buf_ok(b) ? b->data : "";
}

/* Is c->known one of the choices items offers? */
int web_fd_known_valid(http_req *req, const fd_contact *c, json_t *items)
{
    if (strcmp(c->known, "new") == 0)
        return 1;
    size_t i, k;
    json_t *it, *fam;
    json_array_foreach(items, i, it)
    {
        int64_t pid = json_integer_value(json_object_get(json_object_get(it, "person"), "id"));
        json_t *fams = json_object_get(it, "families");
        if (!json_array_size(fams) && strcmp(c->known, core_arena_printf(&req->arena, "p%" PRId64 "f0", pid)) == 0)
            return 1;
        json_array_foreach(fams, k, fam)
        {
            if (strcmp(c->known, core_arena_printf(&req->arena, "p%" PRId64 "f%" PRId64, pid,
                                                    (int64_t)json_integer_value(json_object_get(fam, "family_id")))) == 0)
                return 1;
        }
    }
    return 0;
}

const char *web_fd_known_script(void)
{
    return "// Hearth: \"already known?\" as the front door types. The question page works without this script:\n"
           "// Continue asks the same, as a page. The answers are posted as the form would post them to\n"
           "// /front-door/known, whose answer is the panel's HTML, rendered and escaped by Hearth; the contact it\n"
           "// recorded is carried in the form's hidden field \"contact\", so that Continue does not record another.\n"
           "const panel = document.getElementById('fd-known')\n"
           "const form = panel && panel.closest('form')\n"
           "if (form) {\n"
           "  let timer = null\n"
           "  let asked = 0\n"
           "  const ask = () => {\n"
           "    const mine = ++asked\n"
           "    fetch('/front-door/known', { method: 'POST', credentials: 'same-origin',\n"
           "                                 body: new URLSearchParams(new FormData(form)) })\n"
           "      .then((r) => (r.ok ? r.text() : null))\n"
           "      .then((html) => {\n"
           "        if (html === null || mine !== asked) return\n"
           "        const result = new DOMParser().parseFromString(html, 'text/html').getElementById('fd-known-result')\n"
           "        if (!result) return\n"
           "        panel.replaceChildren(document.importNode(result, true))\n"
           "        if (result.dataset.contact) form.elements.contact.value = result.dataset.contact\n"
           "      })\n"
           "      .catch(() => {})\n"
           "  }\n"
           "  const soon = () => {\n"
           "    clearTimeout(timer)\n"
           "    timer = setTimeout(ask, 400)\n"
           "  }\n"
           "  form.addEventListener('input', soon)\n"
           "  form.addEventListener('change', soon)\n"
           "}\n";
}
