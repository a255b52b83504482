/*
 * web_page.c — the layout every page is drawn in, small fragments, and the HTML error page.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "auth/auth.h"
#include "web/web_internal.h"

const web_app *web_app_of(http_req *req)
{
    const api_app *app = http_app(req);
    return app ? app->web : NULL;
}

core_buf *web_buf(http_req *req)
{
    core_buf *b = core_arena_alloc(&req->arena, sizeof(*b));
    core_buf_init_arena(b, &req->arena, WEB_PAGE_MAX);
    return b;
}

web_raw web_render(core_buf *b)
{
    return (web_raw){core_buf_ok(b) ? b->data : NULL};
}

static const char *role_words(http_req *req)
{
    switch (access_role_of(&req->who)) {
    case ACCESS_ROLE_FRONT_DOOR: return web_str(WEB_S_ROLE_FRONT_DOOR);
    case ACCESS_ROLE_PRACTITIONER: return web_str(WEB_S_ROLE_PRACTITIONER);
    case ACCESS_ROLE_TEAM_MANAGER: return web_str(WEB_S_ROLE_TEAM_MANAGER);
    case ACCESS_ROLE_PARTNER: return web_str(WEB_S_ROLE_PARTNER);
    case ACCESS_ROLE_GOVERNANCE: return web_str(WEB_S_ROLE_GOVERNANCE);
    case ACCESS_ROLE_ANALYST: return web_str(WEB_S_ROLE_ANALYST);
    case ACCESS_ROLE_ADMIN: return web_str(WEB_S_ROLE_ADMIN);
    default: return "";
    }
}

int web_reply_page(http_req *req, int status, const char *page_title, int error, web_raw main)
{
    const web_app *app = web_app_of(req);
    const char *council = app && app->council ? app->council : "";
    char csrf[AUTH_CSRF_CHARS + 1] = "";
    const char *user = NULL;
    if (req->auth.user_id && req->session_token && req->session_cookie) {
        auth_csrf_token(req->session_token, csrf);
        user = req->auth.username;
    }
    const char *title = core_arena_printf(&req->arena, "%s%s \xe2\x80\x93 %s%s%s",
                                          error ? web_str(WEB_S_TITLE_ERROR_PREFIX) : "", page_title,
                                          web_str(WEB_S_SERVICE), *council ? " \xe2\x80\x93 " : "", council);
    web_tpl_layout_args a = {
        .lang = web_str(WEB_S_LANG),
        .title = title,
        .css_href = app && app->css_href ? app->css_href : "/assets/govuk-frontend.min.css",
        .skip_link = web_str(WEB_S_SKIP_LINK),
        .service = web_str(WEB_S_SERVICE),
        .council = council,
        .user = user,
        .signed_in_as = web_str(WEB_S_SIGNED_IN_AS),
        .role = role_words(req),
        .csrf_token = csrf,
        .idle_seconds = core_arena_printf(&req->arena, "%d", AUTH_IDLE_SECONDS_DEFAULT),
        .warn_seconds = core_arena_printf(&req->arena, "%d", WEB_IDLE_WARN_SECONDS),
        .idle_title = web_str(WEB_S_IDLE_TITLE),
        .idle_text = web_str(WEB_S_IDLE_TEXT),
        .idle_stay = web_str(WEB_S_IDLE_STAY),
        .sign_out = web_str(WEB_S_SIGN_OUT),
        .main = main,
        .support_links = web_str(WEB_S_SUPPORT_LINKS),
        .privacy = web_str(WEB_S_PRIVACY),
        .init_href = app && app->init_href ? app->init_href : "/assets/hearth-init.js",
    };
    core_buf *b = web_buf(req);
    web_tpl_layout(b, &a);
    if (!core_buf_ok(b)) {
        core_error err;
        core_error_clear(&err);
        core_error_set(&err, CORE_E_INTERNAL, "the page is larger than %d bytes", WEB_PAGE_MAX);
        req->route = NULL; /* answer as JSON: the HTML page could not be made */
        return http_reply_error(req, &err);
    }
    return http_reply_body(req, status, "text/html; charset=utf-8", b->data, b->len);
}

int web_session_alive(http_req *req)
{
    /* the session was found and its last use moved to now before the handler ran (http.h): nothing to say */
    return http_reply_body(req, 204, "text/plain; charset=utf-8", "", 0);
}

int web_page_error(http_req *req, const core_error *err)
{
    int status = core_error_http_status(err->code);
    web_str_id heading = WEB_S_PROBLEM, body = WEB_S_PROBLEM_BODY;
    const char *hint = NULL;
    if (status == 404 || status == 405) {
        heading = WEB_S_PAGE_NOT_FOUND, body = WEB_S_PAGE_NOT_FOUND_BODY;
    } else if (status == 403) {
        heading = WEB_S_FORBIDDEN;
        body = strstr(err->detail, "X-CSRF-Token") || strstr(err->detail, "form") ? WEB_S_CSRF_BODY
                                                                                   : WEB_S_FORBIDDEN_BODY;
    } else if (status == 400 || status == 413 || status == 415 || status == 422) {
        heading = WEB_S_BAD_REQUEST, body = WEB_S_PROBLEM_BODY;
        hint = err->detail; /* Hearth's own words: never personal data (core_error.h) */
    }
    web_tpl_error_page_args a = {web_str(heading), web_str(body), hint, web_str(WEB_S_HOME)};
    core_buf *b = web_buf(req);
    web_tpl_error_page(b, &a);
    return web_reply_page(req, status, web_str(heading), 0, web_render(b));
}

web_raw web_th(http_req *req, const char *const *heads, size_t n)
{
    core_buf *b = web_buf(req);
    for (size_t i = 0; i < n; i++)
        web_tpl_th(b, &(web_tpl_th_args){heads[i]});
    return web_render(b);
}

web_raw web_table(http_req *req, const char *caption, web_raw head, web_raw rows)
{
    core_buf *b = web_buf(req);
    web_tpl_table(b, &(web_tpl_table_args){.caption = caption, .head = head, .rows = rows});
    return web_render(b);
}

web_raw web_section(http_req *req, const char *anchor, const char *heading, const char *intro, web_raw body)
{
    core_buf *b = web_buf(req);
    web_tpl_section(b, &(web_tpl_section_args){.anchor = anchor, .heading = heading, .intro = intro, .body = body});
    return web_render(b);
}

web_raw web_paragraph(http_req *req, const char *text)
{
    core_buf *b = web_buf(req);
    web_tpl_paragraph(b, &(web_tpl_paragraph_args){text});
    return web_render(b);
}

const char *web_json_text(http_req *req, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return core_arena_printf(&req->arena, "%" PRId64, (int64_t)json_integer_value(v));
    return NULL;
}
