/*
 * web_widgets.c — GOV.UK form widgets and page parts (web_widgets.h), each one template call.
 */
#include <string.h>

#include "auth/auth.h"
#include "core/core_date.h"
#include "web/web_widgets.h"

void web_form_init(web_form *f, http_req *req)
{
    f->req = req;
    f->summary = web_buf(req);
    f->fields = web_buf(req);
    f->nerrors = 0;
}

const char *web_form_error(web_form *f, const char *anchor, const char *text)
{
    if (!text)
        return NULL;
    web_tpl_error_summary_item(f->summary, &(web_tpl_error_summary_item_args){anchor, text});
    f->nerrors++;
    return text;
}

web_raw web_form_summary(web_form *f)
{
    if (!f->nerrors)
        return (web_raw){NULL};
    core_buf *s = web_buf(f->req);
    web_tpl_error_summary(s, &(web_tpl_error_summary_args){web_str(WEB_S_ERROR_SUMMARY), web_render(f->summary)});
    return web_render(s);
}

/* aria-describedby for a field with an optional hint and error. */
static const char *described(http_req *req, const char *name, const char *hint, const char *error)
{
    if (hint && error)
        return core_arena_printf(&req->arena, "%s-hint %s-error", name, name);
    if (hint)
        return core_arena_printf(&req->arena, "%s-hint", name);
    if (error)
        return core_arena_printf(&req->arena, "%s-error", name);
    return NULL;
}

void web_form_text(web_form *f, const char *name, const char *label, const char *hint, const char *value,
                   const char *error, const char *width)
{
    web_tpl_text_field(f->fields, &(web_tpl_text_field_args){.error = error,
                                                            .field = name,
                                                            .label = label,
                                                            .hint = hint,
                                                            .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                            .width = width,
                                                            .type = "text",
                                                            .value = value,
                                                            .autocomplete = "off",
                                                            .described_by = described(f->req, name, hint, error)});
}

void web_form_textarea(web_form *f, const char *name, const char *label, const char *hint, const char *value,
                       const char *error)
{
    web_tpl_w_textarea(f->fields, &(web_tpl_w_textarea_args){.error = error,
                                                            .field = name,
                                                            .label = label,
                                                            .hint = hint,
                                                            .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                            .described_by = described(f->req, name, hint, error),
                                                            .value = value});
}

void web_form_radios(web_form *f, const char *name, const char *legend, const char *hint, const web_choice *c,
                     size_t n, const char *value, const char *error)
{
    http_req *req = f->req;
    core_buf *items = web_buf(req);
    for (size_t i = 0; i < n; i++) {
        const char *id = i == 0 ? name : core_arena_printf(&req->arena, "%s-%zu", name, i + 1);
        web_tpl_w_radio(items, &(web_tpl_w_radio_args){.id = id,
                                                       .field = name,
                                                       .value = c[i].value,
                                                       .checked = value && strcmp(value, c[i].value) == 0 ? "1" : NULL,
                                                       .hint = c[i].hint,
                                                       .label = c[i].label});
    }
    web_tpl_w_radios(f->fields, &(web_tpl_w_radios_args){.error = error,
                                                        .described_by = described(req, name, hint, error),
                                                        .legend = legend,
                                                        .hint = hint,
                                                        .field = name,
                                                        .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                        .items = web_render(items)});
}

void web_form_select(web_form *f, const char *name, const char *label, const char *hint, const web_choice *c,
                     size_t n, const char *value, const char *error)
{
    core_buf *opts = web_buf(f->req);
    for (size_t i = 0; i < n; i++)
        web_tpl_w_option(opts, &(web_tpl_w_option_args){.value = c[i].value,
                                                        .selected = value && strcmp(value, c[i].value) == 0 ? "1" : NULL,
                                                        .label = c[i].label});
    web_tpl_w_select(f->fields, &(web_tpl_w_select_args){.error = error,
                                                        .field = name,
                                                        .label = label,
                                                        .hint = hint,
                                                        .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                        .described_by = described(f->req, name, hint, error),
                                                        .options = web_render(opts)});
}

void web_form_date(web_form *f, const char *name, const char *legend, const char *hint, const char *day,
                   const char *month, const char *year, const char *error)
{
    web_tpl_w_date(f->fields, &(web_tpl_w_date_args){.error = error,
                                                    .described_by = described(f->req, name, hint, error),
                                                    .legend = legend,
                                                    .hint = hint,
                                                    .field = name,
                                                    .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                    .day_label = web_str(WEB_S_W_DAY),
                                                    .day = day,
                                                    .month_label = web_str(WEB_S_W_MONTH),
                                                    .month = month,
                                                    .year_label = web_str(WEB_S_W_YEAR),
                                                    .year = year});
}

void web_form_hidden(web_form *f, const char *name, const char *value)
{
    web_tpl_w_hidden(f->fields, &(web_tpl_w_hidden_args){name, value});
}

void web_form_add(web_form *f, web_raw html)
{
    core_buf_adds(f->fields, html.html ? html.html : "");
}

void web_form_file(web_form *f, const char *name, const char *label, const char *hint, const char *accept,
                   const char *error)
{
    web_tpl_w_file(f->fields, &(web_tpl_w_file_args){.error = error,
                                                    .field = name,
                                                    .label = label,
                                                    .hint = hint,
                                                    .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                                    .accept = accept,
                                                    .described_by = described(f->req, name, hint, error)});
}

web_raw web_form_render_upload(web_form *f, const char *action, const char *submit)
{
    core_buf *b = web_buf(f->req);
    web_tpl_w_form(b, &(web_tpl_w_form_args){.action = action,
                                             .enctype = "multipart/form-data",
                                             .csrf_token = web_csrf(f->req),
                                             .fields = web_render(f->fields),
                                             .submit = submit});
    return web_render(b);
}

web_raw web_button_form(http_req *req, const char *action, const char *text, const char *label, int secondary)
{
    core_buf *b = web_buf(req);
    web_tpl_w_button_form(b, &(web_tpl_w_button_form_args){.action = action,
                                                           .csrf_token = web_csrf(req),
                                                           .button_class = secondary ? "govuk-button--secondary" : "",
                                                           .label = label,
                                                           .text = text});
    return web_render(b);
}

web_raw web_form_render(web_form *f, const char *action, const char *submit, const char *second_action,
                        const char *second)
{
    core_buf *b = web_buf(f->req);
    web_tpl_w_form(b, &(web_tpl_w_form_args){.action = action,
                                             .csrf_token = web_csrf(f->req),
                                             .fields = web_render(f->fields),
                                             .submit = submit,
                                             .second_action = second_action,
                                             .second = second});
    return web_render(b);
}

const char *web_csrf(http_req *req)
{
    char *csrf = core_arena_alloc(&req->arena, AUTH_CSRF_CHARS + 1);
    csrf[0] = '\0';
    if (req->auth.user_id && req->session_token && req->session_cookie)
        auth_csrf_token(req->session_token, csrf);
    return csrf;
}

const char *web_field(http_req *req, const char *name, size_t max)
{
    const char *v = http_form(req, name);
    if (!v)
        return "";
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    return n > max ? NULL : core_arena_strndup(&req->arena, v, n);
}

/* 1..2 or 4 digits: the number, else -1. */
static int number(const char *s, size_t maxlen)
{
    size_t n = strlen(s);
    if (n == 0 || n > maxlen)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int web_field_date(http_req *req, const char *name, char out[11])
{
    out[0] = '\0';
    const char *d = web_field(req, core_arena_printf(&req->arena, "%s-day", name), 8),
               *m = web_field(req, core_arena_printf(&req->arena, "%s-month", name), 8),
               *y = web_field(req, core_arena_printf(&req->arena, "%s-year", name), 8);
    if (d && m && y && !*d && !*m && !*y)
        return 0;
    int dd = d ? number(d, 2) : -1, mm = m ? number(m, 2) : -1, yy = y ? number(y, 4) : -1;
    if (dd < 1 || mm < 1 || yy < 1000 || strlen(y) != 4)
        return -1;
    char s[48];
    snprintf(s, sizeof(s), "%04d-%02d-%02d", yy, mm, dd);
    core_date cd;
    if (core_date_parse(s, 10, &cd) != 0)
        return -1;
    memcpy(out, s, 11);
    return 1;
}

web_raw web_page(http_req *req, const char *width, web_raw errors, web_raw banner, const char *caption,
                 const char *heading, const char *lede, web_raw body)
{
    core_buf *b = web_buf(req);
    web_tpl_w_page(b, &(web_tpl_w_page_args){.width = width,
                                             .errors = errors,
                                             .banner = banner,
                                             .caption = caption,
                                             .heading = heading,
                                             .lede = lede,
                                             .body = body});
    return web_render(b);
}

web_raw web_banner(http_req *req, const char *title, const char *text)
{
    core_buf *b = web_buf(req);
    web_tpl_w_banner(b, &(web_tpl_w_banner_args){title, text});
    return web_render(b);
}

web_raw web_warning(http_req *req, const char *text)
{
    core_buf *b = web_buf(req);
    web_tpl_w_warning(b, &(web_tpl_w_warning_args){web_str(WEB_S_W_WARNING), text});
    return web_render(b);
}

web_raw web_heading(http_req *req, const char *anchor, const char *text)
{
    core_buf *b = web_buf(req);
    web_tpl_w_heading(b, &(web_tpl_w_heading_args){anchor, text});
    return web_render(b);
}

web_raw web_button_link(http_req *req, const char *href, const char *text, int secondary)
{
    core_buf *b = web_buf(req);
    web_tpl_w_button_link(b, &(web_tpl_w_button_link_args){href, secondary ? "1" : NULL, text});
    return web_render(b);
}

void web_summary_row(http_req *req, core_buf *rows, const char *key, const char *value)
{
    (void)req;
    web_tpl_w_summary_row(rows, &(web_tpl_w_summary_row_args){.key = key, .value = value});
}

void web_summary_row_html(http_req *req, core_buf *rows, const char *key, web_raw value)
{
    (void)req;
    web_tpl_w_summary_row(rows, &(web_tpl_w_summary_row_args){.key = key, .value_html = value});
}

web_raw web_summary(http_req *req, core_buf *rows)
{
    core_buf *b = web_buf(req);
    web_tpl_w_summary(b, &(web_tpl_w_summary_args){web_render(rows)});
    return web_render(b);
}

web_raw web_tag(http_req *req, const char *text, const char *cls)
{
    core_buf *b = web_buf(req);
    web_tpl_w_tag(b, &(web_tpl_w_tag_args){cls, text});
    return web_render(b);
}

web_raw web_join(http_req *req, const web_raw *parts, size_t n)
{
    core_buf *b = web_buf(req);
    for (size_t i = 0; i < n; i++)
        core_buf_adds(b, parts[i].html ? parts[i].html : "");
    return web_render(b);
}

int web_reply_form(http_req *req, int status, const char *caption, const char *heading, web_form *f, web_raw before,
                   web_raw form)
{
    web_raw parts[] = {before, form};
    web_raw page = web_page(req, "two-thirds", web_form_summary(f), (web_raw){NULL}, caption, heading, NULL,
                            web_join(req, parts, 2));
    return web_reply_page(req, f->nerrors ? 400 : status, heading, f->nerrors > 0, page);
}

web_raw web_summary_of(http_req *req, const char *const *keys, const char *const *values, size_t n)
{
    core_buf *rows = web_buf(req);
    for (size_t i = 0; i < n; i++)
        web_summary_row(req, rows, keys[i], values[i]);
    return web_summary(req, rows);
}
