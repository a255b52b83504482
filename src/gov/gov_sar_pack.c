/*
 * gov_sar_pack.c — the subject-access pack's files, zipped (contract in gov.h; what goes in: gov_sar.c).
 *
 *   README.txt          what the pack is, what was withheld and why, what must be read before release
 *   report.html         the readable report: the person's chronology in plain sentences, then every record,
 *                       then who has seen them (every value escaped: core_buf_add_html)
 *   report.pdf          the same report as a PDF (gov_sar_pdf.c)
 *   records.json        every record, the withheld list, the fields to review and the access report
 *   records/TABLE.csv   one file per kind of record (RFC 4180, libcsv's quoting)
 *   access-report.csv   who has seen the records, when, and on what footing
 *   withheld.csv        record, record_id, field, reason (`*`: the whole row)
 *   review.csv          free-text fields a person reads before the pack is released
 *
 * The archive is built in memory with libzip and handed to the caller: the API sends it, the CLI writes it.
 */
#include "gov/gov.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/core_buf.h"

enum { PACK_MAX = 512 * 1024 * 1024 };

/* ---- small writers ---- */

static void csv_field(core_buf *b, const char *s)
{
    size_t n = strlen(s), cap = 2 * n + 2;
    char *q = core_xmalloc(cap);
    size_t w = csv_write(q, cap, s, n);
    core_buf_add(b, q, w);
    free(q);
}

/* A JSON value as text for a cell: strings as they are, null as empty, the rest as JSON. */
static const char *cell_text(json_t *v, char **owned)
{
    *owned = NULL;
    if (!v || json_is_null(v))
        return "";
    if (json_is_string(v))
        return json_string_value(v);
    *owned = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return *owned ? *owned : "";
}

/* Rows (objects) as CSV under the union of their keys, in first-seen order. */
static void csv_rows(core_buf *b, json_t *rows, const char *const *fixed)
{
    json_t *cols = json_array();
    if (fixed) {
        for (const char *const *f = fixed; *f; f++)
            json_array_append_new(cols, json_string(*f));
    } else {
        json_t *seen = json_object(), *row;
        size_t i;
        json_array_foreach(rows, i, row)
        {
            const char *k;
            json_t *v;
            json_object_foreach(row, k, v)
            {
                if (!json_object_get(seen, k)) {
                    json_object_set_new(seen, k, json_true());
                    json_array_append_new(cols, json_string(k));
                }
            }
        }
        json_decref(seen);
    }
    size_t c, r;
    json_t *col, *row;
    json_array_foreach(cols, c, col)
    {
        if (c)
            core_buf_addch(b, ',');
        csv_field(b, json_string_value(col));
    }
    core_buf_adds(b, "\r\n");
    json_array_foreach(rows, r, row)
    {
        json_array_foreach(cols, c, col)
        {
            char *owned;
            if (c)
                core_buf_addch(b, ',');
            csv_field(b, cell_text(json_object_get(row, json_string_value(col)), &owned));
            free(owned);
        }
        core_buf_adds(b, "\r\n");
    }
    json_decref(cols);
}

static void html(core_buf *b, const char *s)
{
    core_buf_add_html(b, s, strlen(s));
}

/* ---- the readable report ---- */

static const char *reason_words(const char *reason)
{
    if (strcmp(reason, "third_party") == 0)
        return "about another person (Data Protection Act 2018, schedule 2, part 3, paragraph 16)";
    if (strcmp(reason, "source_of_information") == 0)
        return "it would identify someone who gave information (schedule 2, part 3, paragraph 16)";
    return reason;
}

static void report_html(core_buf *b, const gov_sar *sar, const char *generated_at)
{
    json_t *person = json_array_get(json_object_get(json_array_get(sar->sections, 0), "rows"), 0);
    const char *given = json_string_value(json_object_get(person, "given_name"));
    const char *family = json_string_value(json_object_get(person, "family_name"));
    core_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Your information: ");
    html(b, given ? given : "");
    core_buf_addch(b, ' ');
    html(b, family ? family : "");
    core_buf_adds(b, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
                     "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #b1b4b6;"
                     "padding:.3em .5em;text-align:left;vertical-align:top}</style>\n</head>\n<body>\n<h1>The "
                     "information we hold about ");
    html(b, given ? given : "");
    core_buf_addch(b, ' ');
    html(b, family ? family : "");
    core_buf_adds(b, "</h1>\n<p>Prepared on ");
    html(b, generated_at);
    core_buf_addf(b, " in answer to a request for your information. It holds %zu records about you",
                  (size_t)sar->records);
    core_buf_addf(b, "; %zu pieces of information about other people were left out (listed at the end, with the "
                     "reason).</p>\n",
                  json_array_size(sar->redactions));

    core_buf_adds(b, "<h2>What happened, in date order</h2>\n<table>\n<tr><th>Date</th><th>What</th></tr>\n");
    size_t i;
    json_t *e;
    json_array_foreach(sar->chronology, i, e)
    {
        core_buf_adds(b, "<tr><td>");
        html(b, json_string_value(json_object_get(e, "date")));
        core_buf_adds(b, "</td><td>");
        html(b, json_string_value(json_object_get(e, "text")));
        core_buf_adds(b, "</td></tr>\n");
    }
    core_buf_adds(b, "</table>\n");

    json_t *sec;
    json_array_foreach(sar->sections, i, sec)
    {
        json_t *rows = json_object_get(sec, "rows");
        if (json_array_size(rows) == 0)
            continue;
        core_buf_adds(b, "<h2>");
        html(b, json_string_value(json_object_get(sec, "title")));
        core_buf_adds(b, "</h2>\n");
        const char *table = json_string_value(json_object_get(sec, "record"));
        size_t r;
        json_t *row;
        json_array_foreach(rows, r, row)
        {
            core_arena words = CORE_ARENA_INIT;
            core_buf_adds(b, "<table>\n");
            const char *k;
            json_t *v;
            json_object_foreach(row, k, v)
            {
                const char *label = gov_sar_field_label(&words, k); /* NULL: bookkeeping */
                const char *t = label ? gov_sar_value_text(sar, &words, table, k, v) : "";
                if (t[0]) {
                    core_buf_adds(b, "<tr><th>");
                    html(b, label);
                    core_buf_adds(b, "</th><td>");
                    html(b, t);
                    core_buf_adds(b, "</td></tr>\n");
                }
            }
            core_buf_adds(b, "</table>\n");
            core_arena_release(&words);
        }
    }

    core_buf_adds(b, "<h2>Who has looked at these records</h2>\n<table>\n<tr><th>When</th><th>Who</th><th>Role</th>"
                     "<th>What</th><th>Record</th></tr>\n");
    json_array_foreach(sar->access, i, e)
    {
        json_t *by = json_object_get(e, "by");
        const char *name = json_string_value(json_object_get(by, "name"));
        const char *role = json_string_value(json_object_get(by, "role"));
        core_buf_adds(b, "<tr><td>");
        html(b, json_string_value(json_object_get(e, "at")));
        core_buf_adds(b, "</td><td>");
        html(b, name ? name : "the system");
        core_buf_adds(b, "</td><td>");
        html(b, role ? role : "");
        core_buf_adds(b, "</td><td>");
        html(b, json_string_value(json_object_get(e, "action")));
        core_buf_adds(b, "</td><td>");
        html(b, json_string_value(json_object_get(e, "record")));
        core_buf_addf(b, " %lld</td></tr>\n", (long long)json_integer_value(json_object_get(e, "record_id")));
    }
    core_buf_adds(b, "</table>\n<h2>What was left out, and why</h2>\n<table>\n<tr><th>Record</th><th>What</th>"
                     "<th>Why</th></tr>\n");
    json_array_foreach(sar->redactions, i, e)
    {
        const char *field = json_string_value(json_object_get(e, "field"));
        core_buf_adds(b, "<tr><td>");
        html(b, json_string_value(json_object_get(e, "record")));
        core_buf_addf(b, " %lld</td><td>", (long long)json_integer_value(json_object_get(e, "record_id")));
        html(b, strcmp(field, "*") == 0 ? "the whole record" : field);
        core_buf_adds(b, "</td><td>");
        html(b, reason_words(json_string_value(json_object_get(e, "reason"))));
        core_buf_adds(b, "</td></tr>\n");
    }
    core_buf_adds(b, "</table>\n<p>If you think something is wrong or missing, you can ask us to correct it, and you "
                     "can complain to the Information Commissioner's Office.</p>\n</body>\n</html>\n");
}

static void readme(core_buf *b, const gov_sar *sar, const char *generated_at)
{
    if (sar->portability) {
        core_buf_addf(b, "Portable copy (UK GDPR art. 20) for person %lld, prepared %s: the information the person "
                         "provided (their details, names, addresses and contact details), as JSON (records.json) and "
                         "CSV (records/TABLE.csv), for use in another system.\r\n",
                      (long long)sar->person_id, generated_at);
        return;
    }
    core_buf_addf(b, "Subject-access pack for person %lld, prepared %s.\r\n\r\n", (long long)sar->person_id,
                  generated_at);
    core_buf_addf(b, "%zu records about the person are included; %zu whole records about other people were left "
                     "out, and %zu pieces of information in all are listed in withheld.csv with the reason.\r\n",
                  (size_t)sar->records, (size_t)sar->withheld, json_array_size(sar->redactions));
    core_buf_addf(b, "%zu entries of the access report say who has looked at these records.\r\n\r\n",
                  json_array_size(sar->access));
    core_buf_addf(b, "BEFORE RELEASE: %zu free-text fields (listed in review.csv) may mention other people. Read each "
                     "one and withhold what is about someone else (Data Protection Act 2018, schedule 2, part 3, "
                     "paragraph 16) or likely to cause serious harm (schedule 3, part 3, paragraph 7), recording "
                     "why.\r\n\r\n",
                  json_array_size(sar->review));
    core_buf_adds(b, "report.html          the readable report (report.pdf: the same, to print)\r\n"
                     "records.json         every record, the withheld list, the fields to review, the access report\r\n"
                     "records/TABLE.csv    one file per kind of record\r\n"
                     "access-report.csv    who has seen the records\r\n"
                     "withheld.csv         what was left out and why (field * = the whole record)\r\n"
                     "review.csv           free-text fields to read before release\r\n");
}

/* ---- the archive ---- */

static int add(zip_t *z, const char *name, core_buf *b, core_error *err)
{
    if (!core_buf_ok(b)) {
        core_buf_release(b);
        return core_error_set(err, CORE_E_INTERNAL, "the pack's %s is larger than %d bytes", name, PACK_MAX);
    }
    size_t len;
    char *data = core_buf_detach(b, &len);
    core_buf_release(b); /* detach leaves it ready for more */
    zip_source_t *src = zip_source_buffer(z, data, len, 1);
    if (!src) {
        free(data);
        return core_error_set(err, CORE_E_INTERNAL, "cannot add %s to the pack: %s", name, zip_strerror(z));
    }
    if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        return core_error_set(err, CORE_E_INTERNAL, "cannot add %s to the pack: %s", name, zip_strerror(z));
    }
    return 0;
}

static const char *const ACCESS_COLUMNS[] = {"seq", "at", "by", "action", "record", "record_id", "footing", "via", NULL};
static const char *const WITHHELD_COLUMNS[] = {"record", "record_id", "field", "reason", NULL};
static const char *const REVIEW_COLUMNS[] = {"record", "record_id", "field", NULL};

static int add_files(zip_t *z, const gov_sar *sar, const char *generated_at, core_error *err)
{
    core_buf b;
    int rc = 0;
    core_buf_init(&b, PACK_MAX);
    readme(&b, sar, generated_at);
    if ((rc = add(z, "README.txt", &b, err)))
        return rc;
    if (!sar->portability) { /* the portability copy is data for another system, not a report */
        core_buf_init(&b, PACK_MAX);
        report_html(&b, sar, generated_at);
        if ((rc = add(z, "report.html", &b, err)))
            return rc;
        char *pdf;
        size_t pdf_len;
        if ((rc = gov_sar_pdf(sar, generated_at, &pdf, &pdf_len, err)))
            return rc;
        core_buf_init(&b, PACK_MAX);
        core_buf_add(&b, pdf, pdf_len);
        free(pdf);
        if ((rc = add(z, "report.pdf", &b, err)))
            return rc;
    }
    json_t *all = json_pack("{s:I,s:s,s:O,s:O,s:O,s:O,s:O}", "person_id", (json_int_t)sar->person_id,
                            "generated_at", generated_at, "sections", sar->sections, "chronology", sar->chronology,
                            "withheld", sar->redactions, "to_review", sar->review, "access_report", sar->access);
    char *j = json_dumps(all, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    json_decref(all);
    if (!j)
        return core_error_set(err, CORE_E_INTERNAL, "cannot write records.json");
    core_buf_init(&b, PACK_MAX);
    core_buf_adds(&b, j);
    free(j);
    if ((rc = add(z, "records.json", &b, err)))
        return rc;
    size_t i;
    json_t *sec;
    json_array_foreach(sar->sections, i, sec)
    {
        char name[96];
        snprintf(name, sizeof name, "records/%s.csv", json_string_value(json_object_get(sec, "record")));
        core_buf_init(&b, PACK_MAX);
        csv_rows(&b, json_object_get(sec, "rows"), NULL);
        if ((rc = add(z, name, &b, err)))
            return rc;
    }
    if (sar->portability)
        return 0;
    core_buf_init(&b, PACK_MAX);
    csv_rows(&b, sar->access, ACCESS_COLUMNS);
    if ((rc = add(z, "access-report.csv", &b, err)))
        return rc;
    core_buf_init(&b, PACK_MAX);
    csv_rows(&b, sar->redactions, WITHHELD_COLUMNS);
    if ((rc = add(z, "withheld.csv", &b, err)))
        return rc;
    core_buf_init(&b, PACK_MAX);
    csv_rows(&b, sar->review, REVIEW_COLUMNS);
    return add(z, "review.csv", &b, err);
}

int gov_sar_pack(const gov_sar *sar, const char *generated_at, char **out, size_t *out_len, core_error *err)
{
    *out = NULL;
    *out_len = 0;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    if (!z) {
        core_error_set(err, CORE_E_INTERNAL, "cannot start the pack: %s", zip_error_strerror(&ze));
        zip_source_free(mem);
        zip_error_fini(&ze);
        return CORE_E_INTERNAL;
    }
    zip_source_keep(mem); /* zip_close() writes into it; we read it back after */
    int rc = add_files(z, sar, generated_at, err);
    if (rc) {
        zip_discard(z);
        zip_source_free(mem);
        zip_error_fini(&ze);
        return rc;
    }
    if (zip_close(z) < 0) {
        core_error_set(err, CORE_E_INTERNAL, "cannot finish the pack: %s", zip_strerror(z));
        zip_discard(z);
        zip_source_free(mem);
        zip_error_fini(&ze);
        return CORE_E_INTERNAL;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(mem, &st) < 0 || zip_source_open(mem) < 0) {
        zip_source_free(mem);
        zip_error_fini(&ze);
        return core_error_set(err, CORE_E_INTERNAL, "cannot read the pack back");
    }
    char *data = core_xmalloc(st.size ? st.size : 1);
    zip_int64_t got = zip_source_read(mem, data, st.size);
    zip_source_close(mem);
    zip_source_free(mem);
    zip_error_fini(&ze);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(data);
        return core_error_set(err, CORE_E_INTERNAL, "cannot read the pack back");
    }
    *out = data;
    *out_len = (size_t)st.size;
    return 0;
}
