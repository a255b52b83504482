/*
 * cli_job_files.c — the kinds of background job that make a file (src/jobs/README.md, "The kinds"), run by
 * `hearth job run` (cli_job.c) in the job's own process:
 *
 *   sar_pack          {"request_id"}                 a subject-access (or portability) pack, as
 *                                                    GET /api/v1/requests/{id}/pack and `hearth sar pack` make it
 *   annex_a           {"as_of", "format", "list"}    Ofsted's Annex A, as GET /api/v1/returns/annex-a and
 *                                                    `hearth return annex-a` make it
 *   research_extract  {"share", "from", "to", "recipient_key", "la_code", "policy"}
 *                                                    a research share sealed to its recipient, as
 *                                                    POST /api/v1/returns/research-extracts and `hearth extract`
 *   partner_import    {"dataset", "mapping", "file_name", "section", "agency_id"} and the file as its input
 *                                                    a partner's file imported as `hearth import` does; the
 *                                                    output is the rows it refused, one "LINE: reason" a line
 *
 * Each does the work with the module that owns it, at progress points where a cancel stops it (before the
 * file is kept, nothing of it is), then keeps the file as the job's output (jobs_output_put, one transaction)
 * for GET /api/v1/jobs/{id}/output. The audit trail gets what the request-bound forms record: the pack's
 * event on the person was recorded by the request that queued it, durably, before the job could read
 * anything (so the pack's access report ends with its own making, as at the command line); Annex A's export
 * per child and the extract's disclosure per person go into the audit outbox inside their own transaction,
 * committed before the file is kept, and the server's audit writer moves them into the chain when the job
 * ends (outbox_high in the result). Results and params hold counts, ids, dates and codes only (jobs.h J6).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "core/core_buf.h"
#include "core/core_clock.h"
#include "gov/gov.h"
#include "import/import.h"
#include "jobs/jobs.h"
#include "link/link.h"
#include "policy/policy.h"
#include "report/report.h"
#include "report/report_annex.h"

static const char SQL_ATTACH_TRAIL[] = "ATTACH DATABASE $1 AS trail";

/* A text parameter: *out, or CORE_E_INVALID_VALUE naming it (optional: absent or null leaves *out NULL). */
static int text_param(const json_t *params, const char *name, int optional, const char **out, core_error *err)
{
    const json_t *v = json_object_get(params, name);
    *out = json_is_string(v) ? json_string_value(v) : NULL;
    if (*out || (optional && (!v || json_is_null(v))))
        return 0;
    return core_error_set(err, CORE_E_INVALID_VALUE, "the job's %s is missing or not text", name);
}

static int out_of_memory(json_t *result, core_error *err)
{
    return result ? 0 : core_error_set(err, CORE_E_INTERNAL, "out of memory");
}

int cli_job_sar_pack(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                     core_error *err)
{
    const json_t *rid = json_object_get(params, "request_id");
    if (!json_is_integer(rid) || json_integer_value(rid) < 1)
        return core_error_set(err, CORE_E_INVALID_VALUE, "a pack's job needs request_id");
    int64_t request = json_integer_value(rid);
    jobs_child_progress(NULL, "reading the request", 0, 3);
    core_arena a = CORE_ARENA_INIT;
    json_t *r = NULL;
    int rc = gov_request_get(j->s, &a, request, &r, err);
    const char *kind = json_string_value(json_object_get(r, "kind"));
    const char *state = json_string_value(json_object_get(r, "state"));
    int64_t person = json_integer_value(json_object_get(r, "person_id"));
    int portability = kind && strcmp(kind, "portability") == 0;
    /* asked for while it fitted; refused still if it was withdrawn or refused since */
    if (rc == 0 && !(kind && (portability || strcmp(kind, "access") == 0) && state &&
                     strcmp(state, "withdrawn") != 0 && strcmp(state, "refused") != 0))
        rc = core_error_set(err, CORE_E_CONFLICT, "request %" PRId64 " is no longer an open access or portability "
                                                  "request", request);
    json_decref(r);
    if (rc == 0 && !store_target_is_pg(j->db)) { /* the access report reads the trail beside the database */
        char *trail = audit_trail_path(j->db);
        store_value p[] = {store_v_text(trail)};
        rc = store_exec(j->s, &a, SQL_ATTACH_TRAIL, p, 1, NULL, err);
        free(trail);
    }
    jobs_child_progress(NULL, "collecting the records", 1, 3);
    gov_sar sar;
    char generated[21], *zip = NULL, name[64];
    size_t len = 0;
    core_clock_iso(0, generated);
    if (rc == 0)
        rc = gov_sar_collect(j->s, &a, person, portability, &sar, err);
    if (rc == 0) {
        jobs_child_progress(NULL, "packing", 2, 3);
        rc = gov_sar_pack(&sar, generated, &zip, &len, err);
        jobs_child_progress(NULL, "keeping the pack", 3, 3); /* a cancel here keeps nothing */
        snprintf(name, sizeof name, "%s-request-%" PRId64 ".zip", portability ? "portability" : "subject-access",
                 request);
        if (rc == 0)
            rc = jobs_output_put(j->s, j->job, name, "application/zip", zip, len, err);
        if (rc == 0)
            *result = json_pack("{s:I,s:s,s:I,s:I,s:I,s:I,s:s}", "request_id", (json_int_t)request, "kind",
                                portability ? "portability" : "access", "records", (json_int_t)sar.records,
                                "withheld", (json_int_t)sar.withheld, "review", (json_int_t)json_array_size(sar.review),
                                "bytes", (json_int_t)len, "name", name);
        free(zip);
        gov_sar_release(&sar);
    }
    core_arena_release(&a);
    if (rc)
        return rc;
    snprintf(ref, refcap, "request/%" PRId64, request);
    return out_of_memory(*result, err);
}

int cli_job_annex_a(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                    core_error *err)
{
    const char *as_of, *format, *list;
    int rc = text_param(params, "as_of", 0, &as_of, err);
    if (rc == 0)
        rc = text_param(params, "format", 0, &format, err);
    if (rc == 0)
        rc = text_param(params, "list", 1, &list, err);
    if (rc)
        return rc;
    int csv = strcmp(format, "csv") == 0;
    if ((!csv && strcmp(format, "xlsx") != 0) || csv != (list != NULL) ||
        (list && strcmp(list, "1") != 0 && strcmp(list, "2") != 0))
        return core_error_set(err, CORE_E_INVALID_VALUE, "the job's format and list do not go together");
    jobs_child_progress(NULL, "collecting the lists", 0, 2);
    core_arena a = CORE_ARENA_INIT;
    report_annex x;
    int64_t high = 0;
    char *data = NULL, name[64];
    size_t len = 0;
    rc = report_annex_collect(j->s, &a, as_of, &x, err);
    if (rc == 0) {
        jobs_child_progress(NULL, "writing the return", 1, 2);
        if (csv) {
            core_buf b;
            core_buf_init(&b, (size_t)JOBS_OUTPUT_MAX);
            report_annex_csv(&x, list[0] - '1', &b);
            if (core_buf_ok(&b))
                data = core_buf_detach(&b, &len);
            else
                rc = core_error_set(err, CORE_E_INVALID_VALUE, "the list is larger than %d MiB", JOBS_OUTPUT_MAX >> 20);
            core_buf_release(&b);
            snprintf(name, sizeof name, "annex-a-%s-list-%s.csv", x.as_of, list);
        } else {
            rc = report_annex_xlsx_bytes(&x, &data, &len, err);
            snprintf(name, sizeof name, "annex-a-%s.xlsx", x.as_of);
        }
    }
    /* every child on the record, committed, before the file is kept (and so before it can leave); the last
     * point a cancel stops it is before both */
    if (rc == 0) {
        jobs_child_progress(NULL, "recording and keeping the return", 2, 2);
        rc = report_annex_log(j->s, &a, &x, &(audit_event){j->user_id, NULL, "export", "person", 0, NULL, NULL},
                              format, &high, err);
    }
    if (rc == 0) {
        rc = jobs_output_put(j->s, j->job, name,
                             csv ? "text/csv; charset=utf-8"
                                 : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             data, len, err);
    }
    if (rc == 0)
        *result = json_pack("{s:s,s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:s,s:I}", "as_of", x.as_of, "format", format, "list",
                            list, "list_1", (json_int_t)x.nrows[0], "list_2", (json_int_t)x.nrows[1], "children",
                            (json_int_t)x.npeople, "restricted", (json_int_t)x.restricted, "bytes", (json_int_t)len,
                            "name", name, "outbox_high", (json_int_t)high);
    free(data);
    core_arena_release(&a);
    if (rc)
        return rc;
    snprintf(ref, refcap, "annex_a/%s", x.as_of);
    return out_of_memory(*result, err);
}

int cli_job_research_extract(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref,
                             size_t refcap, core_error *err)
{
    const char *share, *from, *to, *key, *la, *path;
    int rc = text_param(params, "share", 1, &share, err); /* absent: the policy's first share */
    if (rc == 0)
        rc = text_param(params, "from", 0, &from, err);
    if (rc == 0)
        rc = text_param(params, "to", 0, &to, err);
    if (rc == 0)
        rc = text_param(params, "recipient_key", 0, &key, err);
    if (rc == 0)
        rc = text_param(params, "la_code", 1, &la, err);
    if (rc == 0)
        rc = text_param(params, "policy", 0, &path, err);
    if (rc)
        return rc;
    report_national_options o = {0};
    size_t got = 0;
    if (sodium_hex2bin(o.recipient_pk, sizeof o.recipient_pk, key, strlen(key), NULL, &got, NULL) != 0 ||
        got != sizeof o.recipient_pk)
        return core_error_set(err, CORE_E_INVALID_VALUE, "the job's recipient_key is not 64 hexadecimal characters");
    jobs_child_progress(NULL, "reading the policy", 0, 2);
    policy *pol = NULL;
    rc = policy_load(path, &pol, err);
    if (rc) {
        core_error_hint(err, "the server's policy file could not be read again: restart it with --policy FILE");
        return rc;
    }
    int pseudo = report_share_pseudonymised(pol, share);
    unsigned char research_key[32];
    if (pseudo < 0)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "the policy has no research share '%s'", share ? share : "");
    else if (pseudo)
        rc = report_research_key(j->db, research_key, err);
    o.policy = pol, o.share = share, o.from = from, o.to = to, o.la_code = la, o.user_id = j->user_id;
    o.research_key = pseudo > 0 ? research_key : NULL;
    core_arena a = CORE_ARENA_INIT;
    report_national_result res;
    unsigned char *sealed = NULL;
    size_t len = 0;
    char name[96] = "";
    if (rc == 0) {
        jobs_child_progress(NULL, "building the extract", 1, 2);
        rc = report_national_build(j->s, &a, &o, &sealed, &len, &res, err);
    }
    /* The last point a cancel stops it: from here the disclosures are logged and the file kept. */
    if (rc == 0)
        jobs_child_progress(NULL, "logging and keeping the extract", 2, 2);
    int64_t high = 0;
    if (rc == 0) /* the disclosure log first: nothing is kept, nor leaves, unlogged */
        rc = report_national_log(j->s, &a, &o, &res, &high, err);
    sodium_memzero(research_key, sizeof research_key);
    if (rc == 0) {
        snprintf(name, sizeof name, "%s-%s-%s.sealed", res.share, from, to);
        rc = jobs_output_put(j->s, j->job, name, "application/octet-stream", (const char *)sealed, len, err);
    }
    if (rc == 0)
        *result = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:I,s:s,s:b,s:I}", "share", res.share, "from", from, "to",
                            to, "people", (json_int_t)res.people, "objected", (json_int_t)res.objected, "restricted",
                            (json_int_t)res.restricted, "extract_ref", res.extract_ref, "bytes", (json_int_t)len,
                            "name", name, "pseudonymised", pseudo > 0, "outbox_high", (json_int_t)high);
    free(sealed);
    core_arena_release(&a);
    policy_free(pol);
    if (rc)
        return rc;
    snprintf(ref, refcap, "research_extract/%s", res.extract_ref);
    return out_of_memory(*result, err);
}

/* ---- partner_import: a partner's file uploaded with the job (POST /api/v1/imports, api_import.c) ---- */

typedef struct import_job {
    const cli_job_ctx *j;
    const char *dataset;
    core_buf rejects;  /* "LINE: reason" lines: the job's output */
    size_t len;        /* the file's size, for progress */
    int64_t high;      /* the highest audit outbox row written */
} import_job;

static void job_reject(void *ctx, uint64_t line, const char *reason)
{
    import_job *ij = ctx;
    core_buf_addf(&ij->rejects, "%" PRIu64 ": %s\n", line, reason);
}

/* A progress point every few hundred rows: bytes read of the file's, where a cancel stops it. */
static void job_progress(void *ctx, const import_counts *c)
{
    import_job *ij = ctx;
    jobs_child_progress(NULL, "importing", c->bytes, ij->len);
}

/* In the first batch's transaction: the import's start, as `hearth import` records it (via job). */
static int job_import_started(void *ctx, store *s, const import_counts *c, core_error *err)
{
    import_job *ij = ctx;
    json_t *d = json_pack("{s:s,s:I,s:s,s:I}", "dataset", ij->dataset, "import_id", (json_int_t)c->import_id, "via",
                          "job", "job", (json_int_t)ij->j->job);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    audit_event ev = {ij->j->user_id, NULL, "import_started", "partner_dataset", c->dataset_id, text, NULL};
    int64_t row = 0;
    int rc = audit_outbox_add(s, &ev, &row, err);
    free(text);
    if (rc == 0 && row > ij->high)
        ij->high = row;
    return rc;
}

int cli_job_import(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                   core_error *err)
{
    const char *dataset, *file, *section;
    int rc = text_param(params, "dataset", 0, &dataset, err);
    if (rc == 0)
        rc = text_param(params, "file_name", 0, &file, err);
    if (rc == 0)
        rc = text_param(params, "section", 1, &section, err);
    const json_t *mapping = json_object_get(params, "mapping");
    if (rc == 0 && !json_is_object(mapping))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "the job's mapping is missing");
    if (rc)
        return rc;
    jobs_child_progress(NULL, "reading the file", 0, 0);
    char *mj = json_dumps(mapping, JSON_COMPACT), *csv = NULL;
    link_mapping m;
    rc = mj ? link_mapping_parse(mj, strlen(mj), &m, err) : core_error_set(err, CORE_E_INTERNAL, "out of memory");
    free(mj);
    if (rc)
        return rc;
    import_job ij = {.j = j, .dataset = dataset};
    core_buf_init(&ij.rejects, (size_t)JOBS_OUTPUT_MAX);
    rc = jobs_input_read(j->s, j->job, &csv, &ij.len, err);
    import_counts c = {0};
    if (rc == 0) {
        import_options io = {.dataset = dataset,
                             .file = file,
                             .section = section,
                             .agency_id = json_integer_value(json_object_get(params, "agency_id")),
                             .reject = job_reject,
                             .progress = job_progress,
                             .ctx = &ij,
                             .in_first_batch = job_import_started};
        jobs_child_progress(NULL, "importing", 0, ij.len);
        rc = import_csv_mem(j->s, csv, ij.len, &m, &io, &c, err);
    }
    free(csv);
    link_mapping_free(&m);
    if (rc == 0 && !core_buf_ok(&ij.rejects))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "the list of refused rows is larger than %d MiB",
                            JOBS_OUTPUT_MAX >> 20);
    /* the counts on the trail, as the command records them: never a row's contents */
    json_t *counts = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "dataset", dataset, "import_id",
                               (json_int_t)c.import_id, "read", (json_int_t)c.read, "inserted", (json_int_t)c.inserted,
                               "updated", (json_int_t)c.updated, "unchanged", (json_int_t)c.unchanged, "rejected",
                               (json_int_t)c.rejected, "not_utf8", (json_int_t)c.not_utf8, "dataset_created",
                               c.dataset_created);
    if (rc == 0) {
        jobs_child_progress(NULL, "keeping the refused rows", ij.len, ij.len);
        json_t *d = json_deep_copy(counts);
        json_object_set_new(d, "via", json_string("job"));
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        audit_event ev = {j->user_id, NULL, "import", "partner_dataset", c.dataset_id, text, NULL};
        int64_t row = 0;
        rc = store_begin(j->s, err);
        if (rc == 0)
            rc = audit_outbox_add(j->s, &ev, &row, err);
        if (rc == 0)
            rc = store_commit(j->s, err);
        else
            store_rollback(j->s);
        free(text);
        if (rc == 0 && row > ij.high)
            ij.high = row;
    }
    size_t rlen = 0;
    char *rejects = rc == 0 ? core_buf_detach(&ij.rejects, &rlen) : NULL;
    core_buf_release(&ij.rejects);
    if (rc == 0) {
        char name[96];
        snprintf(name, sizeof name, "%s-import-%" PRId64 "-rejects.txt", dataset, c.import_id);
        rc = jobs_output_put(j->s, j->job, name, "text/plain; charset=utf-8", rejects ? rejects : "", rlen, err);
    }
    free(rejects);
    if (rc == 0) {
        json_object_set_new(counts, "outbox_high", json_integer(ij.high));
        json_object_set_new(counts, "dataset_id", json_integer(c.dataset_id));
        *result = counts;
        counts = NULL;
        snprintf(ref, refcap, "partner_import/%" PRId64, c.import_id);
    }
    json_decref(counts);
    if (rc)
        return rc;
    return out_of_memory(*result, err);
}
