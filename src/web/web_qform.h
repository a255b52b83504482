/*
 * web_qform.h — question pages built from a list of fields: read a posted form into the JSON body the API
 * takes, show every problem the model found beside its field and in the error summary, and draw the fields
 * (GOV.UK text input, textarea, date input, select, radios, checkboxes).
 *
 * A form never validates on its own: the body goes to api_record_create()/api_record_update() (or another
 * shared function), and the problems it answers (http_req.problems) are the form's errors, so a page and the
 * API refuse exactly the same things. A date is sent as the three fields make it ("2026-11-03", or as typed
 * when it is not a date, which the model then refuses), so nothing typed is silently dropped.
 */
#ifndef HEARTH_WEB_QFORM_H
#define HEARTH_WEB_QFORM_H

#include "web/web_internal.h"

typedef enum {
    WEB_F_TEXT,       /* one line */
    WEB_F_TEXTAREA,   /* free text */
    WEB_F_DATE,       /* day, month, year: "YYYY-MM-DD" */
    WEB_F_DATETIME,   /* day, month, year and a time HH:MM (UTC): "YYYY-MM-DDTHH:MMZ" */
    WEB_F_SELECT,     /* one code of `list` */
    WEB_F_RADIOS,     /* one code of `list` */
    WEB_F_CHECKBOXES, /* codes of `list`, sent comma-separated */
    WEB_F_INT,        /* a whole number */
    WEB_F_SCALE,      /* 0 to 10, as radios */
    WEB_F_BOOL,       /* yes or no, as radios: true or false */
    WEB_F_RECORD,     /* one record of those the page offers (web_qform.records), sent as its id */
} web_qfield_kind;

typedef struct web_qfield {
    const char *name; /* the record's field, and the form field's name (a date's parts: NAME-day, ...) */
    web_qfield_kind kind;
    web_str_id label;
    web_str_id hint;  /* WEB_S_LANG: none */
    const char *list; /* the reference list of a SELECT, RADIOS or CHECKBOXES */
} web_qfield;

typedef struct web_qform {
    const web_qfield *fields;
    size_t n;
    const char **value; /* per field: as shown back (a date's parts in d, m, y; a time in t) */
    const char **d, **m, **y, **t;
    const char **error;    /* per field: the inline error, or NULL */
    json_t **records;      /* per WEB_F_RECORD field: the records offered, [{code: id as text, label}] */
    web_raw hidden;        /* hidden fields carried inside the form (check your answers), or none */
    const char *secondary; /* a second button, name "edit" (check your answers: change them), or NULL */
    core_buf *summary;     /* the error summary's items */
    int nerrors;
} web_qform;

void web_qform_init(http_req *req, web_qform *f, const web_qfield *fields, size_t n);
/* Fill the form from a stored record (a change's form shows what is there). */
void web_qform_from_row(http_req *req, web_qform *f, json_t *row);
/* Read the posted form into f and return the JSON body (arena-owned): empty fields are left out. */
json_t *web_qform_body(http_req *req, web_qform *f);
/* Turn the refusal of a write into the form's errors: every problem of req->problems (or, when there are
 * none, err itself: a conflict, a rule of the whole record) against its field, said with the field's label.
 * Returns 1 when err is something a form shows (422, 409), 0 when the page should answer it as an error. */
int web_qform_refused(http_req *req, web_qform *f, const core_error *err);
/* Add an error of the form's own against field (NULL: the first field). */
void web_qform_error(http_req *req, web_qform *f, const char *field, const char *text);

/* Reply the question page: status 200 (or 422 with the errors, "Error: " in its title). */
int web_qform_reply(http_req *req, web_qform *f, const char *caption, const char *heading, const char *action,
                   const char *submit, const char *cancel_href, web_raw intro);

/* The label of code in reference list `list` (the code itself when unknown, NULL for NULL). */
const char *web_code_label(http_req *req, const char *list, const char *code);

/* Small pieces the record pages share. */
void web_qsummary_row(http_req *req, core_buf *b, const char *key, const char *value, const char *tag,
                     const char *tag_class, const char *href, const char *action);
web_raw web_qsummary(http_req *req, core_buf *rows);
void web_link_item(core_buf *b, const char *href, const char *text);
web_raw web_links(http_req *req, core_buf *items);
/* A date "YYYY-MM-DD" (or the start of a time) as "3 November 2026"; NULL for NULL. */
const char *web_date_words(http_req *req, const char *iso);

#endif
