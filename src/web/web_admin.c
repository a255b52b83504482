/*
 * web_admin.c — `/admin`: the administrator's pages: accounts, teams, agencies and the access settings.
 *
 *   GET  /admin                     users (name, username, role, team, state), teams, agencies, settings
 *   GET  /admin/users/new           the form for a new account
 *   POST /admin/users/new           makes it and shows its one-time password, second-factor secret and
 *                                   recovery codes once, to be handed to the new user
 *   GET  /admin/users/{id}          one account, with forms to change its role and team, disable or enable it,
 *   POST /admin/users/{id}          and reset its password (field "change": role, disable, enable or reset)
 *   GET  /admin/settings/{name}     one access setting and the form changing it (within its bounds)
 *   POST /admin/settings/{name}
 *
 * The pages call what the API's routes call (api_users.c, api_access.c): the same checks (nobody changes
 * their own account; a setting stays within the bounds no administrator can pass), the same sessions ended,
 * the same audit events. Teams and agencies are read as GET /api/v1/teams and /agencies read them, and listed
 * here linking to their own pages (web_admin_dir.c), where the administrator adds and changes them.
 */
#include <inttypes.h>
#include <string.h>

#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_user.h"
#include "web/web_qform.h"
#include "web/web_widgets.h"

enum { NAME_MAX_CHARS = 200 };

static const char *const ROLES[] = {"front_door", "practitioner", "team_manager", "partner",
                                    "governance", "analyst",      "admin"};
enum { NROLES = sizeof(ROLES) / sizeof(ROLES[0]) };

static void cell(core_buf *b, const char *text)
{
    web_tpl_td(b, &(web_tpl_td_args){text});
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

static const char *role_label(const char *role)
{
    for (size_t i = 0; role && i < NROLES; i++)
        if (strcmp(role, ROLES[i]) == 0)
            return web_str((web_str_id)(WEB_S_ADM_ROLE_FRONT_DOOR + i));
    return role;
}

static web_choice *role_choices(http_req *req)
{
    web_choice *c = core_arena_calloc(&req->arena, NROLES, sizeof(*c));
    for (size_t i = 0; i < NROLES; i++)
        c[i] = (web_choice){ROLES[i], role_label(ROLES[i])};
    return c;
}

/* Teams or agencies as GET /api/v1/{what} reads them; refused: an empty list. */
static json_t *directory(http_req *req, const char *what, core_error *err)
{
    json_t *items;
    int64_t next;
    if (api_record_list(req, model_resource_find(what), 0, NULL, 0, 0, MODEL_LIST_MAX, &items, &next, err)) {
        if (err->code != CORE_E_FORBIDDEN && err->code != CORE_E_NOT_FOUND)
            return NULL;
        core_error_clear(err);
        return json_array();
    }
    return items;
}

/* Choices of a directory list, "none" first. */
static web_choice *choices_of(http_req *req, json_t *items, size_t *n)
{
    size_t count = json_array_size(items);
    web_choice *c = core_arena_calloc(&req->arena, count + 1, sizeof(*c));
    c[0] = (web_choice){"", web_str(WEB_S_ADM_NONE)};
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(items, i);
        c[i + 1] = (web_choice){web_json_text(req, it, "id"), web_json_text(req, it, "name")};
    }
    *n = count + 1;
    return c;
}

static const char *name_in(http_req *req, json_t *items, json_t *id)
{
    if (!json_is_integer(id))
        return web_str(WEB_S_ADM_NONE);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (json_integer_value(json_object_get(it, "id")) == json_integer_value(id))
            return web_json_text(req, it, "name");
    }
    return core_arena_printf(&req->arena, "%" PRId64, (int64_t)json_integer_value(id));
}

/* ---- /admin ---- */

static web_raw users_table(http_req *req, json_t *users, json_t *teams)
{
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/admin/users/%" PRId64,
                                                             (int64_t)json_integer_value(json_object_get(u, "id"))),
                                   .text = web_json_text(req, u, "name")});
        cell(cells, web_json_text(req, u, "username"));
        cell(cells, role_label(web_json_text(req, u, "role")));
        cell(cells, name_in(req, teams, json_object_get(u, "team_id")));
        int off = json_is_true(json_object_get(u, "disabled"));
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = web_str(off ? WEB_S_ADM_DISABLED : WEB_S_ADM_ACTIVE),
                                                     .tag_class = off ? "govuk-tag--grey" : "govuk-tag--green"});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_NAME), web_str(WEB_S_USERNAME), web_str(WEB_S_COL_ROLE),
                                 web_str(WEB_S_ADM_TEAM), web_str(WEB_S_GOV_COL_STATE)};
    core_buf *b = web_buf(req);
    web_raw add_user = web_button_link(req, "/admin/users/new", web_str(WEB_S_ADM_ADD_USER), 1);
    core_buf_adds(b, add_user.html ? add_user.html : "");
    add(b, web_table(req, web_str(WEB_S_ADM_USERS), web_th(req, heads, 5), web_render(rows)));
    return web_render(b);
}

/* Teams (name, kind, agency) or agencies (name, type), each linking to its page, after the "add" button. */
static web_raw directory_table(http_req *req, json_t *items, json_t *agencies, int teams)
{
    core_buf *b = web_buf(req);
    add(b, web_button_link(req, teams ? "/admin/teams/new" : "/admin/agencies/new",
                           web_str(teams ? WEB_S_ADM_ADD_TEAM : WEB_S_ADM_ADD_AGENCY), 1));
    if (!json_array_size(items)) {
        add(b, web_paragraph(req, web_str(teams ? WEB_S_ADM_TEAMS_NONE : WEB_S_ADM_AGENCIES_NONE)));
        return web_render(b);
    }
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/admin/%s/%" PRId64,
                                                             teams ? "teams" : "agencies",
                                                             (int64_t)json_integer_value(json_object_get(it, "id"))),
                                   .text = web_json_text(req, it, "name")});
        if (teams) {
            cell(cells, web_admin_kind_label(web_json_text(req, it, "kind")));
            cell(cells, name_in(req, agencies, json_object_get(it, "agency_id")));
        } else {
            cell(cells, web_code_label(req, "agency_type", web_json_text(req, it, "agency_type")));
        }
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_COL_NAME), web_str(teams ? WEB_S_ADM_KIND : WEB_S_ADM_AGENCY_TYPE),
                                 web_str(WEB_S_ADM_AGENCY)};
    add(b, web_table(req, web_str(teams ? WEB_S_ADM_TEAMS : WEB_S_ADM_AGENCIES), web_th(req, heads, teams ? 3 : 2),
                     web_render(rows)));
    return web_render(b);
}

static web_raw settings_table(http_req *req, json_t *items)
{
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *s;
    json_array_foreach(items, i, s)
    {
        core_buf *cells = web_buf(req);
        cell(cells, web_json_text(req, s, "description"));
        cell(cells, core_arena_printf(&req->arena, "%s %s", web_json_text(req, s, "value"),
                                      web_json_text(req, s, "unit") ? web_json_text(req, s, "unit") : ""));
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = core_arena_printf(&req->arena, "/admin/settings/%s",
                                                             web_json_text(req, s, "name")),
                                   .text = web_str(WEB_S_ADM_CHANGE)});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
    }
    const char *const heads[] = {web_str(WEB_S_ADM_SETTING), web_str(WEB_S_ADM_VALUE), web_str(WEB_S_GOV_COL_ACTION)};
    return web_table(req, web_str(WEB_S_ADM_SETTINGS), web_th(req, heads, 3), web_render(rows));
}

int web_admin(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *users = NULL, *settings = NULL, *teams = directory(req, "teams", &err), *agencies = NULL;
    if (!teams || !(agencies = directory(req, "agencies", &err)) || api_users_items(req, &users, &err) ||
        api_settings_items(req, &settings, &err)) {
        json_decref(users);
        return http_reply_error(req, &err);
    }
    core_buf *body = web_buf(req);
    add(body, web_section(req, "users", web_str(WEB_S_ADM_USERS), NULL, users_table(req, users, teams)));
    add(body, web_section(req, "teams", web_str(WEB_S_ADM_TEAMS), NULL,
                          directory_table(req, teams, agencies, 1)));
    add(body, web_section(req, "agencies", web_str(WEB_S_ADM_AGENCIES), NULL,
                          directory_table(req, agencies, agencies, 0)));
    add(body, web_section(req, "settings", web_str(WEB_S_ADM_SETTINGS), web_str(WEB_S_ADM_SETTINGS_INTRO),
                          settings_table(req, settings)));
    json_decref(users);
    json_decref(settings);
    web_raw page = web_page(req, "full", (web_raw){NULL}, (web_raw){NULL}, NULL, web_str(WEB_S_ADMIN), NULL,
                            web_render(body));
    return web_reply_page(req, 200, web_str(WEB_S_ADMIN), 0, page);
}

/* ---- a new account ---- */

typedef struct user_form {
    const char *username, *name, *role, *team, *agency;
    const char *e_username, *e_name, *e_role, *e_team, *e_agency, *e_form;
} user_form;

static int new_user_page(http_req *req, const user_form *u)
{
    core_error err;
    core_error_clear(&err);
    json_t *teams = directory(req, "teams", &err), *agencies = teams ? directory(req, "agencies", &err) : NULL;
    if (!agencies)
        return http_reply_error(req, &err);
    size_t nt, na;
    web_choice *t = choices_of(req, teams, &nt), *a = choices_of(req, agencies, &na);
    web_form f;
    web_form_init(&f, req);
    web_form_error(&f, "username", u->e_form);
    web_form_text(&f, "username", web_str(WEB_S_USERNAME), web_str(WEB_S_ADM_USERNAME_HINT), u->username,
                  web_form_error(&f, "username", u->e_username), "govuk-!-width-one-half");
    web_form_text(&f, "name", web_str(WEB_S_ADM_DISPLAY_NAME), NULL, u->name, web_form_error(&f, "name", u->e_name), "govuk-!-width-two-thirds");
    web_form_radios(&f, "role", web_str(WEB_S_COL_ROLE), NULL, role_choices(req), NROLES, u->role, web_form_error(&f, "role", u->e_role));
    web_form_select(&f, "team", web_str(WEB_S_ADM_TEAM), NULL, t, nt, u->team, web_form_error(&f, "team", u->e_team));
    web_form_select(&f, "agency", web_str(WEB_S_ADM_AGENCY), web_str(WEB_S_ADM_AGENCY_HINT), a, na, u->agency,
                    web_form_error(&f, "agency", u->e_agency));
    web_raw form = web_form_render(&f, "/admin/users/new", web_str(WEB_S_ADM_ADD_USER), NULL, NULL);
    return web_reply_form(req, 200, web_str(WEB_S_ADMIN), web_str(WEB_S_ADM_ADD_USER), &f, (web_raw){NULL},
                               form);
}

int web_admin_user_new(http_req *req)
{
    user_form u = {0};
    return new_user_page(req, &u);
}

/* A form field, NULL when absent or empty. */
static const char *field(http_req *req, const char *name)
{
    const char *v = web_field(req, name, 100000);
    return v && *v ? v : NULL;
}

/* An optional id field: 0 when empty; -1 when not an id. */
static int64_t id_field(const char *v)
{
    int64_t id = 0;
    if (!v)
        return 0;
    return core_parse_int64(v, strlen(v), 1, INT64_MAX, &id) ? -1 : id;
}

/* The one-time credentials of a new or reset account, in a banner: shown once, never again. */
static web_raw credentials(http_req *req, json_t *user, web_str_id heading)
{
    json_t *c = json_object_get(user, "credentials");
    const char *keys[] = {web_str(WEB_S_USERNAME), web_str(WEB_S_PASSWORD), web_str(WEB_S_ADM_TOTP_SECRET)};
    const char *vals[] = {web_json_text(req, user, "username"), web_json_text(req, c, "password"),
                          web_json_text(req, c, "totp_secret")};
    core_buf *codes = web_buf(req);
    size_t i;
    json_t *code;
    json_array_foreach(json_object_get(c, "recovery_codes"), i, code)
        web_tpl_code_item(codes, &(web_tpl_code_item_args){json_string_value(code)});
    core_buf *list = web_buf(req);
    if (json_array_size(json_object_get(c, "recovery_codes")))
        web_tpl_code_list(list, &(web_tpl_code_list_args){web_render(codes)});
    web_raw parts[] = {web_summary_of(req, keys, vals, vals[2] ? 3 : 2),
                       json_array_size(json_object_get(c, "recovery_codes"))
                           ? web_paragraph(req, web_str(WEB_S_ADM_RECOVERY_CODES))
                           : (web_raw){NULL},
                       web_render(list), web_paragraph(req, web_str(WEB_S_ADM_SHOWN_ONCE))};
    core_buf *b = web_buf(req);
    web_tpl_banner(b, &(web_tpl_banner_args){.success = "1",
                                              .role = "alert",
                                              .title = web_str(WEB_S_ADM_DONE),
                                              .heading = web_str(heading),
                                              .body = web_join(req, parts, 4)});
    return web_render(b);
}

static int credentials_page(http_req *req, json_t *user, web_str_id heading)
{
    web_raw page = web_page(req, "two-thirds", (web_raw){NULL}, credentials(req, user, heading), web_str(WEB_S_ADMIN),
                            web_str(heading), web_json_text(req, user, "name"), (web_raw){NULL});
    int rc = web_reply_page(req, 200, web_str(heading), 0, page);
    json_decref(user);
    return rc;
}

int web_admin_user_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    user_form u = {.username = field(req, "username"),
                   .name = field(req, "name"),
                   .role = field(req, "role"),
                   .team = field(req, "team"),
                   .agency = field(req, "agency")};
    int64_t team = id_field(u.team), agency = id_field(u.agency);
    if (!u.username)
        u.e_username = web_str(WEB_S_ADM_ERR_USERNAME);
    if (!u.name)
        u.e_name = web_str(WEB_S_ADM_ERR_NAME);
    else if (strlen(u.name) > NAME_MAX_CHARS)
        u.e_name = web_str(WEB_S_ADM_ERR_NAME_LONG);
    if (!model_user_role_valid(u.role))
        u.e_role = web_str(WEB_S_ADM_ERR_ROLE);
    if (team < 0)
        u.e_team = web_str(WEB_S_ADM_ERR_TEAM);
    if (agency < 0)
        u.e_agency = web_str(WEB_S_ADM_ERR_AGENCY);
    if (u.e_username || u.e_name || u.e_role || u.e_team || u.e_agency)
        return new_user_page(req, &u);
    model_user_new in = {.username = u.username, .display_name = u.name, .role = u.role, .team_id = team,
                         .agency_id = agency};
    json_t *out;
    if (api_user_create_do(req, &in, &out, &err)) {
        if (err.code != CORE_E_CONFLICT && err.code != CORE_E_INVALID_VALUE && err.code != CORE_E_INVALID_CODE)
            return http_reply_error(req, &err);
        u.e_form = core_arena_strdup(&req->arena, err.detail); /* Hearth's own words, never personal data */
        return new_user_page(req, &u);
    }
    return credentials_page(req, out, WEB_S_ADM_USER_ADDED);
}

/* ---- one account ---- */

static int user_page(http_req *req, int64_t id, const char *e_form)
{
    core_error err;
    core_error_clear(&err);
    json_t *user, *teams = directory(req, "teams", &err), *agencies = teams ? directory(req, "agencies", &err) : NULL;
    if (!agencies || api_user_item(req, id, &user, &err))
        return http_reply_error(req, &err);
    int off = json_is_true(json_object_get(user, "disabled"));
    const char *keys[] = {web_str(WEB_S_USERNAME), web_str(WEB_S_COL_ROLE), web_str(WEB_S_ADM_TEAM),
                          web_str(WEB_S_ADM_AGENCY), web_str(WEB_S_GOV_COL_STATE), web_str(WEB_S_ADM_SECOND_FACTOR)};
    const char *vals[] = {web_json_text(req, user, "username"), role_label(web_json_text(req, user, "role")),
                          name_in(req, teams, json_object_get(user, "team_id")),
                          name_in(req, agencies, json_object_get(user, "agency_id")),
                          web_str(off ? WEB_S_ADM_DISABLED : WEB_S_ADM_ACTIVE),
                          web_str(json_is_true(json_object_get(user, "second_factor")) ? WEB_S_ADM_YES : WEB_S_ADM_NO)};
    const char *name = core_arena_strdup(&req->arena, web_json_text(req, user, "name"));
    const char *action = core_arena_printf(&req->arena, "/admin/users/%" PRId64, id);
    web_form f;
    web_form_init(&f, req);
    web_form_error(&f, "role", e_form);
    web_raw forms[4] = {{NULL}, {NULL}, {NULL}, {NULL}};
    if (id == req->who.user_id) {
        forms[0] = web_paragraph(req, web_str(WEB_S_ADM_NOT_SELF));
    } else {
        size_t nt, na;
        web_choice *t = choices_of(req, teams, &nt), *a = choices_of(req, agencies, &na);
        web_form role;
        web_form_init(&role, req);
        core_buf_adds(role.fields, "<input type=\"hidden\" name=\"change\" value=\"role\">\n");
        web_form_radios(&role, "role", web_str(WEB_S_COL_ROLE), web_str(WEB_S_ADM_ROLE_HINT), role_choices(req),
                        NROLES, web_json_text(req, user, "role"), NULL);
        web_form_select(&role, "team", web_str(WEB_S_ADM_TEAM), NULL, t, nt, web_json_text(req, user, "team_id"),
                        NULL);
        web_form_select(&role, "agency", web_str(WEB_S_ADM_AGENCY), NULL, a, na,
                        web_json_text(req, user, "agency_id"), NULL);
        forms[0] = web_section(req, "role-form", web_str(WEB_S_ADM_CHANGE_ROLE), NULL,
                               web_form_render(&role, action, web_str(WEB_S_ADM_SAVE), NULL, NULL));
        web_form state;
        web_form_init(&state, req);
        core_buf_adds(state.fields, off ? "<input type=\"hidden\" name=\"change\" value=\"enable\">\n"
                                        : "<input type=\"hidden\" name=\"change\" value=\"disable\">\n");
        forms[1] = web_section(req, "state-form", web_str(off ? WEB_S_ADM_ENABLE : WEB_S_ADM_DISABLE),
                               web_str(off ? WEB_S_ADM_ENABLE_INTRO : WEB_S_ADM_DISABLE_INTRO),
                               web_form_render(&state, action, web_str(off ? WEB_S_ADM_ENABLE : WEB_S_ADM_DISABLE), NULL, NULL));
        web_form reset;
        web_form_init(&reset, req);
        core_buf_adds(reset.fields, "<input type=\"hidden\" name=\"change\" value=\"reset\">\n");
        web_choice sf[2] = {{"yes", web_str(WEB_S_ADM_RESET_TOTP_YES)}, {"no", web_str(WEB_S_ADM_RESET_TOTP_NO)}};
        web_form_radios(&reset, "second_factor", web_str(WEB_S_ADM_RESET_TOTP), NULL, sf, 2, "no", NULL);
        forms[2] = web_section(req, "reset-form", web_str(WEB_S_ADM_RESET), web_str(WEB_S_ADM_RESET_INTRO),
                               web_form_render(&reset, action, web_str(WEB_S_ADM_RESET), NULL, NULL));
    }
    forms[3] = web_summary_of(req, keys, vals, 6);
    web_raw parts[] = {forms[3], forms[0], forms[1], forms[2]};
    json_decref(user);
    return web_reply_form(req, 200, web_str(WEB_S_ADMIN), name ? name : web_str(WEB_S_ADM_USERS), &f,
                               web_join(req, parts, 4), (web_raw){NULL});
}

int web_admin_user(http_req *req)
{
    return user_page(req, req->ids[0], NULL);
}

int web_admin_user_post(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    const char *change = field(req, "change");
    json_t *out = NULL;
    int rc;
    if (change && strcmp(change, "reset") == 0) {
        const char *sf = field(req, "second_factor");
        rc = api_user_reset_do(req, id, sf && strcmp(sf, "yes") == 0, &out, &err);
        if (rc == 0)
            return credentials_page(req, out, WEB_S_ADM_RESET_DONE);
    } else if (change && (strcmp(change, "disable") == 0 || strcmp(change, "enable") == 0)) {
        api_user_change c = {.disabled = strcmp(change, "disable") == 0};
        rc = api_user_change_do(req, id, &c, &out, &err);
    } else if (change && strcmp(change, "role") == 0) {
        const char *team = field(req, "team"), *agency = field(req, "agency");
        api_user_change c = {.role = field(req, "role"), .team_id = id_field(team),
                             .agency_id = id_field(agency), .disabled = -1};
        if (!model_user_role_valid(c.role) || c.team_id < 0 || c.agency_id < 0)
            return user_page(req, id, web_str(WEB_S_ADM_ERR_ROLE));
        rc = api_user_change_do(req, id, &c, &out, &err);
    } else {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "change is role, disable, enable or reset");
        return http_reply_error(req, &err);
    }
    if (rc) {
        if (err.code == CORE_E_CONFLICT || err.code == CORE_E_INVALID_CODE)
            return user_page(req, id, core_arena_strdup(&req->arena, err.detail));
        return http_reply_error(req, &err);
    }
    json_decref(out);
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/admin/users/%" PRId64, id));
}

/* ---- one setting ---- */

static int setting_page(http_req *req, const char *name, const char *value, const char *e_value)
{
    core_error err;
    core_error_clear(&err);
    json_t *items, *s = NULL;
    if (api_settings_items(req, &items, &err))
        return http_reply_error(req, &err);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *n = web_json_text(req, it, "name");
        if (n && strcmp(n, name) == 0)
            s = it;
    }
    if (!s) {
        json_decref(items);
        core_error_set(&err, CORE_E_NOT_FOUND, "no setting of that name");
        return http_reply_error(req, &err);
    }
    const char *desc = web_json_text(req, s, "description"), *unit = web_json_text(req, s, "unit");
    web_form f;
    web_form_init(&f, req);
    web_form_text(&f, "value", core_arena_printf(&req->arena, "%s (%s)", web_str(WEB_S_ADM_VALUE), unit ? unit : ""),
                  desc, value ? value : web_json_text(req, s, "value"), web_form_error(&f, "value", e_value), "govuk-input--width-5");
    web_raw form = web_form_render(&f, core_arena_printf(&req->arena, "/admin/settings/%s", name),
                                   web_str(WEB_S_ADM_SAVE), NULL, NULL);
    const char *heading = core_arena_strdup(&req->arena, name);
    json_decref(items);
    return web_reply_form(req, 200, web_str(WEB_S_ADM_SETTINGS), heading, &f, (web_raw){NULL}, form);
}

int web_admin_setting(http_req *req)
{
    return setting_page(req, req->names[0], NULL, NULL);
}

int web_admin_setting_post(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *v = field(req, "value");
    int64_t value = 0;
    if (!v || core_parse_int64(v, strlen(v), 0, INT64_MAX, &value))
        return setting_page(req, req->names[0], v, web_str(WEB_S_ADM_ERR_VALUE));
    if (api_setting_set_do(req, req->names[0], value, &err)) {
        if (err.code != CORE_E_INVALID_VALUE)
            return http_reply_error(req, &err);
        return setting_page(req, req->names[0], v, core_arena_strdup(&req->arena, err.detail));
    }
    return http_reply_redirect(req, "/admin#settings");
}
