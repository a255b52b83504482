/*
 * web_admin_dir.c — the administrator's pages for the directory: teams and agencies, added and changed.
 *
 *   GET  /admin/teams/new           the form for a new team (name, agency, kind)
 *   POST /admin/teams/new           adds it as POST /api/v1/teams does, then shows it with a success banner
 *   GET  /admin/teams/{id}          one team and the form changing it
 *   POST /admin/teams/{id}          changes it as PATCH /api/v1/teams/{id} does
 *   GET  /admin/agencies/new, POST  the same for an agency (name, agency type from the code list)
 *   GET  /admin/agencies/{id}, POST
 *
 * The route's data names the resource ("teams" or "agencies"); one description per resource (DIRS) says
 * which fields its form has. A page never writes the directory itself: a POST becomes the JSON body the API
 * takes and goes to api_record_create() or api_record_update(), so the access decision (only the
 * administrator changes the directory; everyone signed in reads it), the model's checks (a name's length, an
 * agency type from its code list, an agency that exists) and the 'create' or 'update' audit event are the
 * API's own. The page adds only what a form must: an empty field, a team kind outside its six, an agency that
 * is not a number are errors of the form before anything is sent. Every problem the model reports is shown in
 * the error summary and beside its field; any other refusal (403, 404) is the error page the API's would be.
 *
 * The edit form carries the version it read, so a change made meanwhile by someone else is refused (409) and
 * shown as an error of the form rather than silently overwritten; the form then carries the version now
 * stored, so saving again overwrites it knowingly.
 */
#include <inttypes.h>
#include <string.h>

#include "core/core_parse.h"
#include "model/model.h"
#include "web/web_qform.h"
#include "web/web_widgets.h"

/* The kinds of team (the team table's comment in 0001_schema.sql): a list the model keeps as text. */
static const char *const KINDS[] = {"front_door", "early_help", "partner", "governance", "analysis", "admin"};
enum { NKINDS = sizeof(KINDS) / sizeof(KINDS[0]) };

typedef struct dir_kind {
    const char *name;  /* the resource: "teams" or "agencies" */
    const char *slug;  /* the pages' path segment */
    web_str_id noun_add, noun_change, added, saved;
    web_str_id label_name, e_name;
    int team;          /* 1: agency_id and kind; 0: agency_type */
} dir_kind;

static const dir_kind DIRS[] = {
    {"teams", "teams", WEB_S_ADM_ADD_TEAM, WEB_S_ADM_CHANGE_TEAM, WEB_S_ADM_TEAM_ADDED, WEB_S_ADM_TEAM_SAVED,
     WEB_S_ADM_TEAM_NAME, WEB_S_ADM_ERR_TEAM_NAME, 1},
    {"agencies", "agencies", WEB_S_ADM_ADD_AGENCY, WEB_S_ADM_CHANGE_AGENCY, WEB_S_ADM_AGENCY_ADDED,
     WEB_S_ADM_AGENCY_SAVED, WEB_S_ADM_AGENCY_NAME, WEB_S_ADM_ERR_AGENCY_NAME, 0},
};

static const dir_kind *dir_of(http_req *req)
{
    const char *data = req->route->data;
    for (size_t i = 0; data && i < sizeof(DIRS) / sizeof(DIRS[0]); i++)
        if (strcmp(DIRS[i].name, data) == 0)
            return &DIRS[i];
    return &DIRS[0]; /* the route table names one of the two */
}

const char *web_admin_kind_label(const char *kind)
{
    for (size_t i = 0; kind && i < NKINDS; i++)
        if (strcmp(kind, KINDS[i]) == 0)
            return web_str((web_str_id)(WEB_S_ADM_KIND_FRONT_DOOR + i));
    return kind;
}

/* What the form holds: posted, or read from the record; and the error beside each field. */
typedef struct dir_form {
    const char *name, *agency, *kind, *type, *version;
    const char *e_name, *e_agency, *e_kind, *e_type, *e_form;
} dir_form;

/* The choices of the agency select (read as GET /api/v1/agencies reads them), "choose" first. */
static int agency_choices(http_req *req, web_choice **out, size_t *n, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find("agencies"), 0, NULL, 0, 0, MODEL_LIST_MAX, &items, &next, err))
        return err->code;
    size_t count = json_array_size(items);
    web_choice *c = core_arena_calloc(&req->arena, count + 1, sizeof(*c));
    c[0] = (web_choice){"", web_str(WEB_S_ADM_CHOOSE)};
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(items, i);
        c[i + 1] = (web_choice){web_json_text(req, it, "id"), web_json_text(req, it, "name")};
    }
    *out = c;
    *n = count + 1;
    return 0;
}

/* The active codes of the agency_type list, "choose" first. */
static int type_choices(http_req *req, web_choice **out, size_t *n, core_error *err)
{
    json_t *codes;
    if (api_reference_code_items(req, "agency_type", &codes, err))
        return err->code;
    size_t count = json_array_size(codes);
    web_choice *c = core_arena_calloc(&req->arena, count + 1, sizeof(*c));
    c[0] = (web_choice){"", web_str(WEB_S_ADM_CHOOSE)};
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(codes, i);
        c[i + 1] = (web_choice){web_json_text(req, it, "code"), web_json_text(req, it, "label")};
    }
    *out = c;
    *n = count + 1;
    return 0;
}

/* The form page: new (id 0) or one record's, with a success banner when done names one (0, WEB_S_LANG, is
 * never a banner: none). */
static int dir_page(http_req *req, const dir_kind *d, int64_t id, const dir_form *v, web_str_id done)
{
    core_error err;
    core_error_clear(&err);
    web_form f;
    web_form_init(&f, req);
    web_form_error(&f, "name", v->e_form);
    web_form_text(&f, "name", web_str(d->label_name), NULL, v->name, web_form_error(&f, "name", v->e_name),
                  "govuk-!-width-two-thirds");
    if (d->team) {
        web_choice *a = NULL;
        size_t na = 0;
        if (agency_choices(req, &a, &na, &err))
            return http_reply_error(req, &err);
        web_form_select(&f, "agency_id", web_str(WEB_S_ADM_AGENCY), web_str(WEB_S_ADM_TEAM_AGENCY_HINT), a, na,
                        v->agency, web_form_error(&f, "agency_id", v->e_agency));
        web_choice *k = core_arena_calloc(&req->arena, NKINDS, sizeof(*k));
        for (size_t i = 0; i < NKINDS; i++)
            k[i] = (web_choice){KINDS[i], web_admin_kind_label(KINDS[i])};
        web_form_radios(&f, "kind", web_str(WEB_S_ADM_KIND), NULL, k, NKINDS, v->kind,
                        web_form_error(&f, "kind", v->e_kind));
    } else {
        web_choice *t = NULL;
        size_t nt = 0;
        if (type_choices(req, &t, &nt, &err))
            return http_reply_error(req, &err);
        web_form_select(&f, "agency_type", web_str(WEB_S_ADM_AGENCY_TYPE), web_str(WEB_S_ADM_AGENCY_TYPE_HINT), t,
                        nt, v->type, web_form_error(&f, "agency_type", v->e_type));
    }
    if (id)
        web_form_hidden(&f, "version", v->version);
    const char *action = id ? core_arena_printf(&req->arena, "/admin/%s/%" PRId64, d->slug, id)
                            : core_arena_printf(&req->arena, "/admin/%s/new", d->slug);
    web_raw form = web_form_render(&f, action, web_str(id ? WEB_S_ADM_SAVE : d->noun_add), NULL, NULL);
    web_raw banner = done ? web_banner(req, web_str(WEB_S_ADM_DONE), web_str(done)) : (web_raw){NULL};
    return web_reply_form(req, 200, web_str(WEB_S_ADMIN), web_str(id ? d->noun_change : d->noun_add), &f, banner,
                          form);
}

/* A form field, NULL when absent or empty (the route's body limit keeps it short of web_field's maximum; the
 * model says when a name is too long). */
static const char *field(http_req *req, const char *name)
{
    const char *v = web_field(req, name, 100000);
    return v && *v ? v : NULL;
}

/* The posted form, checked for what only a form can get wrong, as the body the API takes. NULL when the form
 * has an error of its own (set in v). */
static json_t *posted(http_req *req, const dir_kind *d, int64_t id, dir_form *v)
{
    v->name = field(req, "name");
    v->version = field(req, "version");
    if (!v->name)
        v->e_name = web_str(d->e_name);
    int64_t agency = 0, version = 0;
    if (d->team) {
        v->agency = field(req, "agency_id");
        v->kind = field(req, "kind");
        if (!v->agency || core_parse_int64(v->agency, strlen(v->agency), 1, INT64_MAX, &agency))
            v->e_agency = web_str(WEB_S_ADM_ERR_TEAM_AGENCY);
        int known = 0;
        for (size_t i = 0; v->kind && i < NKINDS; i++)
            known |= strcmp(v->kind, KINDS[i]) == 0;
        if (!known)
            v->e_kind = web_str(WEB_S_ADM_ERR_KIND);
    } else {
        v->type = field(req, "agency_type");
        if (!v->type)
            v->e_type = web_str(WEB_S_ADM_ERR_AGENCY_TYPE);
    }
    if (id && v->version && core_parse_int64(v->version, strlen(v->version), 1, INT64_MAX, &version))
        v->version = NULL;
    if (v->e_name || v->e_agency || v->e_kind || v->e_type)
        return NULL;
    json_t *body = json_object();
    json_object_set_new(body, "name", json_string(v->name));
    if (d->team) {
        json_object_set_new(body, "agency_id", json_integer(agency));
        json_object_set_new(body, "kind", json_string(v->kind));
    } else {
        json_object_set_new(body, "agency_type", json_string(v->type));
    }
    if (version)
        json_object_set_new(body, "version", json_integer(version));
    return body;
}

/* The model's refusal of a body as errors of the form: each problem beside its field (the form's fields
 * have the model's names), a rule of the whole record (a conflict) at the top. 0 when not the form's. */
static int refused(http_req *req, const dir_kind *d, const core_error *err, dir_form *v)
{
    int status = core_error_http_status(err->code);
    if (status != 422 && status != 409)
        return 0;
    size_t i;
    json_t *p;
    json_array_foreach(req->problems, i, p)
    {
        const char *fld = json_string_value(json_object_get(p, "field"));
        const char *detail = json_string_value(json_object_get(p, "detail"));
        detail = detail ? core_arena_strdup(&req->arena, detail) : "";
        if (fld && strcmp(fld, "name") == 0)
            v->e_name = detail;
        else if (fld && strcmp(fld, "agency_id") == 0 && d->team)
            v->e_agency = detail;
        else if (fld && strcmp(fld, "kind") == 0 && d->team)
            v->e_kind = detail;
        else if (fld && strcmp(fld, "agency_type") == 0 && !d->team)
            v->e_type = detail;
        else if (!v->e_form)
            v->e_form = detail;
    }
    if (!json_array_size(req->problems))
        v->e_form = core_arena_strdup(&req->arena, err->detail); /* Hearth's own words, never personal data */
    return 1;
}

int web_admin_dir_new(http_req *req)
{
    dir_form v = {0};
    return dir_page(req, dir_of(req), 0, &v, 0);
}

int web_admin_dir_create(http_req *req)
{
    const dir_kind *d = dir_of(req);
    core_error err;
    core_error_clear(&err);
    dir_form v = {0};
    json_t *body = posted(req, d, 0, &v), *out = NULL;
    if (!body)
        return dir_page(req, d, 0, &v, 0);
    int rc = api_record_create(req, model_resource_find(d->name), 0, body, &out, &err);
    json_decref(body);
    if (rc) {
        if (!refused(req, d, &err, &v))
            return http_reply_error(req, &err);
        return dir_page(req, d, 0, &v, 0);
    }
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/admin/%s/%" PRId64 "?done=added", d->slug,
                                                      (int64_t)json_integer_value(json_object_get(out, "id"))));
}

int web_admin_dir(http_req *req)
{
    const dir_kind *d = dir_of(req);
    core_error err;
    core_error_clear(&err);
    json_t *rec;
    if (api_record_read(req, model_resource_find(d->name), req->ids[0], &rec, &err))
        return http_reply_error(req, &err);
    dir_form v = {.name = web_json_text(req, rec, "name"),
                  .agency = web_json_text(req, rec, "agency_id"),
                  .kind = web_json_text(req, rec, "kind"),
                  .type = web_json_text(req, rec, "agency_type"),
                  .version = web_json_text(req, rec, "version")};
    const char *done = http_query(req, "done"); /* a fixed table's banner, never text from the address */
    web_str_id banner = 0;
    if (done && strcmp(done, "added") == 0)
        banner = d->added;
    else if (done && strcmp(done, "saved") == 0)
        banner = d->saved;
    return dir_page(req, d, req->ids[0], &v, banner);
}

int web_admin_dir_post(http_req *req)
{
    const dir_kind *d = dir_of(req);
    int64_t id = req->ids[0];
    core_error err;
    core_error_clear(&err);
    dir_form v = {0};
    json_t *body = posted(req, d, id, &v), *out = NULL;
    if (!body)
        return dir_page(req, d, id, &v, 0);
    int rc = api_record_update(req, model_resource_find(d->name), id, body, &out, &err);
    json_decref(body);
    if (rc == CORE_E_STALE) {
        /* Changed meanwhile: say so, and carry the version now stored, so saving again is a choice made
         * knowing it (the record's read is audited as the page's GET would audit it). */
        json_t *now;
        core_error_clear(&err);
        if (api_record_read(req, model_resource_find(d->name), id, &now, &err))
            return http_reply_error(req, &err);
        v.version = web_json_text(req, now, "version");
        v.e_form = web_str(WEB_S_ADM_ERR_STALE);
        return dir_page(req, d, id, &v, 0);
    }
    if (rc) {
        if (!refused(req, d, &err, &v))
            return http_reply_error(req, &err);
        return dir_page(req, d, id, &v, 0);
    }
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/admin/%s/%" PRId64 "?done=saved", d->slug, id));
}
