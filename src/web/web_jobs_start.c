/*
 * web_jobs_start.c — starting long work where it is asked for; each start goes on to the job's page (web_jobs.c).
 *
 *   POST /governance/requests/{id}/pack   "Prepare the pack" on a subject-access (or portability) request in the
 *                                         governance page's register: as POST /api/v1/requests/{id}/pack
 *   GET  /returns/annex-a                 "Make the Annex A return": the date it is as of and the kind of file
 *   POST /returns/annex-a                 as POST /api/v1/returns/annex-a
 *   GET  /imports/new                     "Import a partner file": the dataset, the mapping file and the
 *   POST /imports/new                     partner's CSV, sent as multipart/form-data (HTTP_ROUTE_UPLOAD), as
 *                                         POST /api/v1/imports
 *
 * Each start calls the function under the API's own route (api_request_pack_job_do, api_return_annex_a_job_do,
 * api_import_create_do): the same access decision, the same checks before anything is queued, the same audit
 * events. A form's own problems (a date that is not a date, no file chosen, a mapping Hearth cannot use, a file
 * the import's reader refuses) are found first and shown in the error summary and beside the field, in the
 * form's words, and nothing is queued; a refusal that is not the form's (403, 404, 409) is the error page, as the
 * API would answer.
 */
#include <inttypes.h>
#include <string.h>

#include "import/import.h"
#include "link/link.h"
#include "web/web_qform.h"
#include "web/web_widgets.h"

enum { MAPPING_MAX = 1024 * 1024 /* a mapping file, as `hearth import --mapping` reads one */ };

static int go_to_job(http_req *req, int64_t job)
{
    api_job_wake(req);
    return http_reply_redirect(req, core_arena_printf(&req->arena, "/jobs/%" PRId64, job));
}

/* ---- a request's pack ---- */

int web_job_pack(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t job = 0;
    if (api_request_pack_job_do(req, req->ids[0], &job, &err))
        return http_reply_error(req, &err);
    return go_to_job(req, job);
}

/* ---- Annex A ---- */

typedef struct annex_answers {
    const char *day, *month, *year, *format;
    const char *e_date, *e_format;
} annex_answers;

static int annex_page(http_req *req, const annex_answers *a)
{
    web_form f;
    web_form_init(&f, req);
    web_form_date(&f, "as_of", web_str(WEB_S_ANNEX_AS_OF), web_str(WEB_S_ANNEX_AS_OF_HINT), a->day, a->month,
                  a->year, a->e_date ? web_form_error(&f, "as_of-day", a->e_date) : NULL);
    web_choice c[] = {{"xlsx", web_str(WEB_S_ANNEX_XLSX), NULL},
                      {"csv1", web_str(WEB_S_ANNEX_CSV1), NULL},
                      {"csv2", web_str(WEB_S_ANNEX_CSV2), NULL}};
    web_form_radios(&f, "format", web_str(WEB_S_ANNEX_FORMAT), NULL, c, 3, a->format ? a->format : "xlsx",
                    a->e_format ? web_form_error(&f, "format", a->e_format) : NULL);
    web_raw form = web_form_render(&f, "/returns/annex-a", web_str(WEB_S_ANNEX_SUBMIT), NULL, NULL);
    return web_reply_form(req, 200, web_str(WEB_S_ANNEX_CAPTION), web_str(WEB_S_ANNEX_TITLE), &f,
                          web_paragraph(req, web_str(WEB_S_ANNEX_INTRO)), form);
}

int web_annex_a_form(http_req *req)
{
    annex_answers a = {0};
    return annex_page(req, &a);
}

int web_annex_a_start(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    annex_answers a = {web_field(req, "as_of-day", 10), web_field(req, "as_of-month", 10),
                       web_field(req, "as_of-year", 10), web_field(req, "format", 10), NULL, NULL};
    char as_of[11];
    int date = web_field_date(req, "as_of", as_of);
    if (date < 0)
        a.e_date = web_str(WEB_S_ANNEX_ERR_DATE);
    const char *format = NULL, *list = NULL;
    if (a.format && strcmp(a.format, "xlsx") == 0)
        format = "xlsx";
    else if (a.format && strcmp(a.format, "csv1") == 0)
        format = "csv", list = "1";
    else if (a.format && strcmp(a.format, "csv2") == 0)
        format = "csv", list = "2";
    else
        a.e_format = web_str(WEB_S_ANNEX_ERR_FORMAT);
    if (a.e_date || a.e_format)
        return annex_page(req, &a);
    json_t *body = json_pack("{s:s,s:s?,s:s?}", "format", format, "list", list, "as_of", date > 0 ? as_of : NULL);
    int64_t job = 0;
    int rc = api_return_annex_a_job_do(req, body, &job, &err);
    json_decref(body);
    if (rc == CORE_E_INVALID_DATE || rc == CORE_E_INVALID_VALUE) { /* a date the return cannot be made as of */
        a.e_date = web_str(WEB_S_ANNEX_ERR_DATE);
        return annex_page(req, &a);
    }
    if (rc)
        return http_reply_error(req, &err);
    return go_to_job(req, job);
}

/* ---- a partner file ---- */

typedef struct import_answers {
    const char *dataset;
    const char *e_dataset, *e_mapping, *e_file;
    const char *why; /* the reader's or the mapping's reason, Hearth's own words */
} import_answers;

static int import_page(http_req *req, const import_answers *a)
{
    web_form f;
    web_form_init(&f, req);
    web_form_text(&f, "dataset", web_str(WEB_S_IMPORT_DATASET), web_str(WEB_S_IMPORT_DATASET_HINT), a->dataset,
                  a->e_dataset ? web_form_error(&f, "dataset", a->e_dataset) : NULL, "govuk-input--width-20");
    web_form_file(&f, "mapping", web_str(WEB_S_IMPORT_MAPPING), web_str(WEB_S_IMPORT_MAPPING_HINT),
                  ".json,application/json", a->e_mapping ? web_form_error(&f, "mapping", a->e_mapping) : NULL);
    web_form_file(&f, "file", web_str(WEB_S_IMPORT_FILE), web_str(WEB_S_IMPORT_FILE_HINT), ".csv,text/csv",
                  a->e_file ? web_form_error(&f, "file", a->e_file) : NULL);
    web_raw form = web_form_render_upload(&f, "/imports/new", web_str(WEB_S_IMPORT_SUBMIT));
    web_raw before[] = {web_paragraph(req, web_str(WEB_S_IMPORT_INTRO)),
                        a->why ? web_warning(req, a->why) : (web_raw){NULL}};
    return web_reply_form(req, 200, web_str(WEB_S_IMPORT_CAPTION), web_str(WEB_S_IMPORT_TITLE), &f,
                          web_join(req, before, 2), form);
}

int web_import_form(http_req *req)
{
    import_answers a = {0};
    return import_page(req, &a);
}

/* The reason of an error, in Hearth's words (core_error.h: never personal data): "message: detail". */
static const char *reason_of(http_req *req, const core_error *err)
{
    return core_arena_printf(&req->arena, "%s%s%s", err->message, *err->detail ? ": " : "", err->detail);
}

/* Is a refusal of the import's checks about the file (the reader's reasons, its size), not the user's right? */
static int file_problem(int code)
{
    return code == CORE_E_INVALID_VALUE || code == CORE_E_WRONG_TYPE || code == CORE_E_INVALID_JSON ||
           code == CORE_E_INVALID_CODE || code == CORE_E_INVALID_DATE || code == CORE_E_INVALID_IDENTIFIER ||
           code == CORE_E_MISSING_FIELD || code == CORE_E_BODY_TOO_LARGE;
}

int web_import_start(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    import_answers a = {0};
    a.dataset = web_field(req, "dataset", IMPORT_DATASET_NAME_MAX * 4);
    if (a.dataset && !*a.dataset)
        a.e_dataset = web_str(WEB_S_IMPORT_ERR_DATASET);
    else if (!a.dataset || !import_dataset_name_ok(a.dataset)) /* NULL: far longer than any name */
        a.e_dataset = web_str(WEB_S_IMPORT_ERR_DATASET_BAD);
    const char *mname = NULL, *mdata = NULL, *fname = NULL, *fdata = NULL;
    size_t mlen = 0, flen = 0;
    json_t *mapping = NULL;
    if (!http_form_file(req, "mapping", &mname, &mdata, &mlen) || mlen == 0) {
        a.e_mapping = web_str(WEB_S_IMPORT_ERR_MAPPING);
    } else {
        json_error_t je;
        mapping = mlen <= MAPPING_MAX ? json_loadb(mdata, mlen, JSON_REJECT_DUPLICATES, &je) : NULL;
        link_mapping m;
        core_error merr;
        core_error_clear(&merr);
        if (!json_is_object(mapping)) {
            a.e_mapping = web_str(WEB_S_IMPORT_ERR_MAPPING_BAD);
        } else if (link_mapping_parse(mdata, mlen, &m, &merr)) {
            a.e_mapping = web_str(WEB_S_IMPORT_ERR_MAPPING_BAD);
            a.why = reason_of(req, &merr);
        } else {
            link_mapping_free(&m);
        }
    }
    if (!http_form_file(req, "file", &fname, &fdata, &flen) || flen == 0)
        a.e_file = web_str(WEB_S_IMPORT_ERR_FILE);
    else if (memchr(fdata, '\0', flen))
        a.e_file = web_str(WEB_S_IMPORT_ERR_FILE_BAD);
    if (a.e_dataset || a.e_mapping || a.e_file) {
        json_decref(mapping);
        return import_page(req, &a);
    }
    /* The browser's name for the file is kept as the job's file_name (shown escaped); the API limits it. */
    size_t nlen = strlen(fname);
    json_t *body = json_pack("{s:s,s:O,s:s%,s:s?}", "dataset", a.dataset, "mapping", mapping, "csv", fdata, flen,
                             "file_name", nlen > 0 && nlen <= 120 ? fname : NULL);
    int64_t job = 0;
    int rc = body ? api_import_create_do(req, body, &job, &err)
                  : core_error_set(&err, CORE_E_INVALID_VALUE, "the file is not UTF-8 text");
    json_decref(body);
    json_decref(mapping);
    if (file_problem(rc)) {
        a.e_file = web_str(WEB_S_IMPORT_ERR_FILE_BAD);
        a.why = reason_of(req, &err);
        return import_page(req, &a);
    }
    if (rc)
        return http_reply_error(req, &err);
    return go_to_job(req, job);
}
