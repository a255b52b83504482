/*
 * api_report.c — the access report over HTTP: GET /api/v1/people/{id}/access-report?after=&limit= (what it
 * covers, and each entry's footing and "via": src/gov/gov_report.c). The report is itself an access, recorded
 * (durably) before the trail is read, so it appears in the report it returns.
 */
#include <inttypes.h>

#include "api/api.h"
#include "core/core_parse.h"
#include "gov/gov.h"

enum { REPORT_PAGE_DEFAULT = 100, REPORT_PAGE_MAX = 1000 };

int api_access_report_items(http_req *req, int64_t person, int64_t after, int64_t limit, json_t **items,
                             int64_t *next, core_error *err)
{
    if (gov_person_exists(req->db, &req->arena, person, err))
        return err->code;
    /* The report is an access too; and everything recorded so far must be in the table before it is read. */
    if (http_audit(req, "access_report", "person", person, NULL, 1, err) ||
        gov_access_report(req->db, &req->arena, person, after, limit, items, next, err))
        return err->code;
    return 0;
}

int api_access_report(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t person = req->ids[0], after = 0, limit = REPORT_PAGE_DEFAULT, next = 0;
    const char *a = http_query(req, "after"), *l = http_query(req, "limit");
    if ((a && core_parse_int64(a, strlen(a), 0, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, REPORT_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "after must be a cursor and limit 1..%d", REPORT_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    json_t *items;
    if (api_access_report_items(req, person, after, limit, &items, &next, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:I,s:o,s:o}", "person_id", (json_int_t)person, "items", items, "next",
                            next ? json_sprintf("%" PRId64, next) : json_null());
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}
