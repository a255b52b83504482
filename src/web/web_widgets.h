/*
 * web_widgets.h — GOV.UK form widgets for pages that change something: a form collects its fields and its
 * errors in page order, then renders the error summary (every error of the form, each linked to its field)
 * and the form with the session's CSRF token.
 *
 * Invariants
 *   1. Every error added is in the summary and beside its field: web_form_error() records it for the summary
 *      and returns the text the field shows inline.
 *   2. Values are written by the templates (escaped); nothing here builds HTML from strings.
 *   3. Everything lives in the request's arena.
 */
#ifndef HEARTH_WEB_WIDGETS_H
#define HEARTH_WEB_WIDGETS_H

#include "web/web_internal.h"

typedef struct web_choice {
    const char *value, *label, *hint; /* hint may be NULL */
} web_choice;

typedef struct web_form {
    http_req *req;
    core_buf *summary; /* error summary items, in page order */
    core_buf *fields;  /* the rendered fields */
    int nerrors;
} web_form;

void web_form_init(web_form *f, http_req *req);
/* Record error text for the field whose element id is anchor; returns text (for the field's inline error). */
const char *web_form_error(web_form *f, const char *anchor, const char *text);
/* The error summary, or an empty fragment when the form has no error. */
web_raw web_form_summary(web_form *f);

void web_form_text(web_form *f, const char *name, const char *label, const char *hint, const char *value,
                   const char *error, const char *width);
void web_form_textarea(web_form *f, const char *name, const char *label, const char *hint, const char *value,
                       const char *error);
/* Radios: the first item's id is name (the error summary links to it), the others name-2, name-3, ... */
void web_form_radios(web_form *f, const char *name, const char *legend, const char *hint, const web_choice *c,
                     size_t n, const char *value, const char *error);
/* A select; the first choice may be an empty "choose" value. */
void web_form_select(web_form *f, const char *name, const char *label, const char *hint, const web_choice *c,
                     size_t n, const char *value, const char *error);
/* A date input: fields name-day, name-month, name-year; the summary links to name-day. */
void web_form_date(web_form *f, const char *name, const char *legend, const char *hint, const char *day,
                   const char *month, const char *year, const char *error);
void web_form_hidden(web_form *f, const char *name, const char *value);
/* Add a rendered fragment among the fields (a heading, a paragraph, a warning). */
void web_form_add(web_form *f, web_raw html);
/* The form: action, the main button's text, and optionally a secondary button posting the same fields to
 * second_action. */
web_raw web_form_render(web_form *f, const char *action, const char *submit, const char *second_action,
                        const char *second);

/* A file upload field (the form is then rendered with web_form_render_upload: multipart/form-data, for a route
 * marked HTTP_ROUTE_UPLOAD); accept the file types offered (may be NULL). */
void web_form_file(web_form *f, const char *name, const char *label, const char *hint, const char *accept,
                   const char *error);
web_raw web_form_render_upload(web_form *f, const char *action, const char *submit);
/* A form of one button posting to action with the CSRF token (label: its accessible name when the text alone
 * is ambiguous, as in a table's rows; may be NULL). */
web_raw web_button_form(http_req *req, const char *action, const char *text, const char *label, int secondary);

/* The session's CSRF token (an arena string; empty when there is no cookie session). */
const char *web_csrf(http_req *req);
/* A form field trimmed of spaces at both ends, "" when absent; NULL when longer than max bytes. */
const char *web_field(http_req *req, const char *name, size_t max);
/* The date input name (name-day, -month, -year) as YYYY-MM-DD into out: 0 when all three are empty (*out
 * ""), 1 when a real date, -1 when given but not a date. */
int web_field_date(http_req *req, const char *name, char out[11]);

/* Page parts. */
web_raw web_page(http_req *req, const char *width, web_raw errors, web_raw banner, const char *caption,
                 const char *heading, const char *lede, web_raw body);
web_raw web_banner(http_req *req, const char *title, const char *text);
web_raw web_warning(http_req *req, const char *text);
web_raw web_heading(http_req *req, const char *anchor, const char *text);
web_raw web_button_link(http_req *req, const char *href, const char *text, int secondary);
/* A summary list built row by row. */
void web_summary_row(http_req *req, core_buf *rows, const char *key, const char *value);
void web_summary_row_html(http_req *req, core_buf *rows, const char *key, web_raw value);
web_raw web_summary(http_req *req, core_buf *rows);
/* A GOV.UK tag. */
web_raw web_tag(http_req *req, const char *text, const char *cls);
/* A page of one form (web_page, "two-thirds"): the error summary first, before, then the form; answered 400
 * when the form has errors (titled "Error: ..."), else status. */
int web_reply_form(http_req *req, int status, const char *caption, const char *heading, web_form *f, web_raw before,
                   web_raw form);
/* A summary list of n keys and values. */
web_raw web_summary_of(http_req *req, const char *const *keys, const char *const *values, size_t n);
/* Join fragments. */
web_raw web_join(http_req *req, const web_raw *parts, size_t n);

#endif
