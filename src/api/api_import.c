/*
 * api_import.c — a partner's file imported from the web, as a background job (src/import/, src/jobs/):
 *
 *   POST /api/v1/imports
 *   {"dataset": NAME, "mapping": {...}, "csv": TEXT, "file_name"?: TEXT, "section"?: CODE, "agency_id"?: ID}
 *
 * The same import as `hearth import --dataset NAME --mapping FILE [--section CODE] [--agency ID] FILE`: the
 * mapping is the object the command reads from its file (link.h), the CSV the file's text (UTF-8, as JSON
 * carries it), up to 64 MiB in all. For information governance and analysts (permission partner.import). What
 * can be checked at once is, before anything is queued — the dataset's name, the mapping, and the file read by
 * the import's own reader up to its first accepted row (the header holding every column the mapping names) —
 * so bad input changes nothing; the job (kind partner_import) is then
 * queued with the file as its input in one transaction (jobs_create_with_input) and the answer is 202 with
 * the job. Its result is the import's counts; its output, the rows it refused, one "LINE: reason" a line
 * (GET /api/v1/jobs/{id}/output). The file's rows are never in the job's params or result (jobs.h J6).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "import/import.h"
#include "jobs/jobs.h"
#include "link/link.h"

enum { IMPORT_NAME_MAX = 120 };

/* The reader's first accepted row: enough to know the header fits the mapping. */
static int first_row(void *ctx, const link_row *row, core_error *err)
{
    (void)row;
    *(int *)ctx = 1;
    return core_error_set(err, CORE_E_CONFLICT, "stop"); /* not an error: stop reading */
}

/* The file as the import will read it (link_csv_stream_mem), up to its first accepted row: a header without a
 * column the mapping names, a file that is not CSV, and one with no row the reader accepts are refused here,
 * with the reader's own reasons, before anything is queued. */
static int file_fits(const char *csv, size_t len, const link_mapping *m, core_error *err)
{
    int reached = 0;
    int rc = link_csv_stream_mem(csv, len, m, first_row, NULL, &reached, err);
    if (reached) {
        core_error_clear(err);
        return 0;
    }
    if (rc == 0) /* read to the end without a row: the reader says none was accepted, or the file has none */
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "the file has no row to import");
    return core_error_hint(err, "the first line of the file names its columns, as the mapping does");
}

int api_import_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t job = 0;
    if (http_body_json(req, &body, &err) || api_import_create_do(req, body, &job, &err))
        return http_reply_error(req, &err);
    return api_job_accepted(req, job);
}

int api_import_create_do(http_req *req, json_t *body, int64_t *job, core_error *err)
{
    *job = 0;
    const char *dataset = NULL, *csv = NULL, *file = NULL, *section = NULL;
    int64_t agency = 0;
    if (api_body_only(body, "dataset,mapping,csv,file_name,section,agency_id", err) ||
        api_body_text(body, "dataset", 1, 1, 64, &dataset, err) ||
        api_body_text(body, "file_name", 0, 1, IMPORT_NAME_MAX, &file, err) ||
        api_body_text(body, "section", 0, 1, 64, &section, err) || api_body_id(body, "agency_id", &agency, err))
        return err->code;
    json_t *mapping = json_object_get(body, "mapping"), *text = json_object_get(body, "csv");
    if (!json_is_object(mapping) || !json_is_string(text)) {
        core_error_set(err, mapping && text ? CORE_E_WRONG_TYPE : CORE_E_MISSING_FIELD,
                       "mapping (an object) and csv (the file's text) are required");
        core_error_hint(err, "the mapping is what `hearth import --mapping FILE` reads; csv is the file, as UTF-8");
        return err->code;
    }
    if (!import_dataset_name_ok(dataset)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "dataset is not a usable dataset name");
        core_error_hint(err, "letters, digits, '_', '-' and '.', at most %d", IMPORT_DATASET_NAME_MAX);
        return err->code;
    }
    csv = json_string_value(text);
    size_t len = json_string_length(text);
    if (memchr(csv, 0, len)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "csv holds a NUL character");
        return err->code;
    }
    char *mj = json_dumps(mapping, JSON_COMPACT);
    link_mapping m;
    int rc = mj ? link_mapping_parse(mj, strlen(mj), &m, err) : core_error_set(err, CORE_E_INTERNAL, "out of memory");
    if (rc == 0) {
        rc = file_fits(csv, len, &m, err);
        link_mapping_free(&m);
    }
    json_t *params = NULL;
    if (rc == 0)
        params = json_pack("{s:s,s:O,s:s,s:s?,s:I}", "dataset", dataset, "mapping", mapping, "file_name",
                           file ? file : "upload.csv", "section", section, "agency_id", (json_int_t)agency);
    char *pj = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    free(mj);
    if (rc == 0 && !pj)
        rc = core_error_set(err, CORE_E_INTERNAL, "out of memory");
    if (rc == 0)
        rc = jobs_create_with_input(req->db, "partner_import", req->who.user_id, pj, file ? file : "upload.csv",
                                    "text/csv; charset=utf-8", csv, len, job, err);
    if (rc == 0) { /* the parameters say which dataset and mapping, never a row */
        json_t *d = json_pack("{s:s,s:I}", "dataset", dataset, "bytes", (json_int_t)len);
        char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        rc = http_audit(req, "create", "job", *job, dj, 1, err);
        free(dj);
    }
    free(pj);
    return rc ? err->code : 0;
}
