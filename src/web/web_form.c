/*
 * web_form.c — forms the GOV.UK way: every field with its label, hint and inline error, and an error summary
 * at the top listing every error of the form (not only the first), each linking to its field.
 *
 * A handler makes a web_form, adds its fields (each with the error found for it, or NULL), and renders the
 * summary and the form; the form carries the session's CSRF token (auth_csrf_token), which the server checks
 * on every page POST before the handler runs (http.h, HTTP_ROUTE_PAGE).
 */
#include <inttypes.h>
#include <string.h>

#include "auth/auth.h"
#include "web/web_internal.h"

void web_form_init(web_form *f, http_req *req)
{
    memset(f, 0, sizeof(*f));
    f->req = req;
    f->fields = web_buf(req);
    f->summary = web_buf(req);
}

void web_form_error(web_form *f, const char *field, const char *text)
{
    if (!text)
        return;
    web_tpl_error_summary_item(f->summary, &(web_tpl_error_summary_item_args){field, text});
    f->errors++;
}

static const char *described(web_form *f, const char *field, const char *hint, const char *error)
{
    if (!hint && !error)
        return NULL;
    return core_arena_printf(&f->req->arena, "%s%s%s%s%s", hint ? field : "", hint ? "-hint" : "",
                             hint && error ? " " : "", error ? field : "", error ? "-error" : "");
}

void web_form_text(web_form *f, const char *field, const char *label, const char *hint, const char *value,
                   const char *error, const char *width)
{
    web_form_error(f, field, error);
    web_tpl_text_field(f->fields, &(web_tpl_text_field_args){.field = field,
                                                              .label = label,
                                                              .hint = hint,
                                                              .error = error,
                                                              .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                              .width = width,
                                                              .type = "text",
                                                              .value = value,
                                                              .autocomplete = "off",
                                                              .described_by = described(f, field, hint, error)});
}

void web_form_textarea(web_form *f, const char *field, const char *label, const char *hint, const char *value,
                       const char *error)
{
    web_form_error(f, field, error);
    web_tpl_textarea(f->fields, &(web_tpl_textarea_args){.field = field,
                                                          .label = label,
                                                          .hint = hint,
                                                          .error = error,
                                                          .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                          .value = value,
                                                          .described_by = described(f, field, hint, error)});
}

void web_form_radios(web_form *f, const char *field, const char *legend, const char *hint, const web_choice *c,
                     size_t n, const char *checked, const char *error)
{
    web_form_error(f, field, error);
    core_buf *items = web_buf(f->req);
    for (size_t i = 0; i < n; i++) {
        /* the first radio takes the field's own id, so the error summary's link lands on it */
        const char *id = i ? core_arena_printf(&f->req->arena, "%s-%zu", field, i + 1) : field;
        int on = checked && strcmp(checked, c[i].value) == 0;
        web_tpl_radio_item(items, &(web_tpl_radio_item_args){.id = id,
                                                              .field = field,
                                                              .value = c[i].value,
                                                              .checked = on ? "1" : NULL,
                                                              .label = c[i].label});
    }
    web_tpl_radios(f->fields, &(web_tpl_radios_args){.field = field,
                                                      .legend = legend,
                                                      .hint = hint,
                                                      .error = error,
                                                      .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                      .small = n > 4 ? "1" : NULL,
                                                      .items = web_render(items),
                                                      .described_by = described(f, field, hint, error)});
}

void web_form_select(web_form *f, const char *field, const char *label, const char *hint, const web_choice *c,
                     size_t n, const char *selected, const char *error)
{
    web_form_error(f, field, error);
    core_buf *options = web_buf(f->req);
    for (size_t i = 0; i < n; i++)
        web_tpl_option(options, &(web_tpl_option_args){
                                    .value = c[i].value,
                                    .selected = selected && strcmp(selected, c[i].value) == 0 ? "1" : NULL,
                                    .label = c[i].label});
    web_tpl_select(f->fields, &(web_tpl_select_args){.field = field,
                                                      .label = label,
                                                      .hint = hint,
                                                      .error = error,
                                                      .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                      .options = web_render(options),
                                                      .described_by = described(f, field, hint, error)});
}

const char *web_csrf(http_req *req)
{
    if (!req->session_token)
        return "";
    char *out = core_arena_alloc(&req->arena, AUTH_CSRF_CHARS + 1);
    auth_csrf_token(req->session_token, out);
    return out;
}

web_raw web_form_summary(web_form *f)
{
    if (!f->errors)
        return (web_raw){NULL};
    core_buf *b = web_buf(f->req);
    web_tpl_error_summary(b, &(web_tpl_error_summary_args){web_str(WEB_S_ERROR_SUMMARY), web_render(f->summary)});
    return web_render(b);
}

web_raw web_form_render(web_form *f, const char *action, const char *submit, web_button kind)
{
    core_buf *b = web_buf(f->req);
    web_tpl_form(b, &(web_tpl_form_args){.action = action,
                                          .csrf_token = web_csrf(f->req),
                                          .fields = web_render(f->fields),
                                          .secondary = kind == WEB_BUTTON_SECONDARY ? "1" : NULL,
                                          .warning = kind == WEB_BUTTON_WARNING ? "1" : NULL,
                                          .submit = submit});
    return web_render(b);
}

const char *web_field(http_req *req, const char *name)
{
    const char *v = http_form(req, name);
    if (!v)
        return NULL;
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    return n ? core_arena_strndup(&req->arena, v, n) : NULL;
}

web_raw web_summary_list(http_req *req, const char *const *keys, const char *const *values, size_t n)
{
    core_buf *rows = web_buf(req), *b = web_buf(req);
    for (size_t i = 0; i < n; i++)
        web_tpl_summary_row(rows, &(web_tpl_summary_row_args){keys[i], values[i]});
    web_tpl_summary_list(b, &(web_tpl_summary_list_args){web_render(rows)});
    return web_render(b);
}

web_raw web_concat(http_req *req, const web_raw *parts, size_t n)
{
    core_buf *b = web_buf(req);
    for (size_t i = 0; i < n; i++)
        core_buf_adds(b, parts[i].html ? parts[i].html : "");
    return web_render(b);
}

int web_reply_form_page(http_req *req, int status, const char *caption, const char *heading, web_form *f,
                        web_raw before, web_raw form)
{
    web_raw parts[] = {web_form_summary(f), before, form};
    core_buf *b = web_buf(req);
    web_tpl_page(b, &(web_tpl_page_args){.caption = caption, .heading = heading,
                                          .body = web_concat(req, parts, 3)});
    return web_reply_page(req, f->errors ? 400 : status, heading, f->errors > 0, web_render(b));
}
