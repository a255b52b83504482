/*
 * api_disposals.c — erasure carried out, and the disposal records with their certificates (governance;
 * docs/requests.md "Erasure", docs/retention.md "Disposal"):
 *
 *   POST /api/v1/requests/{id}/erase   {"confirm": true}: carry out an erasure request; without confirm, a dry
 *                                      run that says what would go and changes nothing
 *   GET  /api/v1/disposals             disposal records, newest first (?after=, ?limit=)
 *   GET  /api/v1/disposals/{id}        one, with its certificate
 *
 * The removal itself is src/gov/gov_dispose.c. An erasure removes the person's request with the rest of their
 * data; the disposal record keeps the request's id, and the trail keeps the erasure (action erase).
 */
#include <inttypes.h>

#include "api/api.h"
#include "core/core_parse.h"
#include "core/core_clock.h"
#include "gov/gov.h"
#include "retention/retention.h"

enum { DISPOSALS_PAGE_DEFAULT = 50, DISPOSALS_PAGE_MAX = 500 };

int api_request_erase(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t id = req->ids[0];
    if (http_body_json(req, &body, &err) || api_body_only(body, "confirm", &err))
        return http_reply_error(req, &err);
    json_t *c = json_object_get(body, "confirm");
    if (c && !json_is_boolean(c)) {
        core_error_set(&err, CORE_E_WRONG_TYPE, "confirm must be true or false");
        return http_reply_error(req, &err);
    }
    int confirm = json_is_true(c);
    json_t *r;
    if (gov_request_get(req->db, &req->arena, id, &r, &err))
        return http_reply_error(req, &err);
    const char *kind = json_string_value(json_object_get(r, "kind"));
    const char *state = json_string_value(json_object_get(r, "state"));
    int64_t person = json_integer_value(json_object_get(r, "person_id"));
    int fits = kind && strcmp(kind, "erasure") == 0 && state && (strcmp(state, "open") == 0 || strcmp(state, "paused") == 0);
    json_decref(r);
    if (!fits) {
        core_error_set(&err, CORE_E_CONFLICT, "only an open erasure request is carried out");
        return http_reply_error(req, &err);
    }
    /* A legal hold blocks disposal: erasure waits, or is refused on art. 17(3)(e) (legal claims). */
    const char *held = NULL;
    char today[11];
    core_clock_today(today);
    if (retention_person_held(req->db, &req->arena, person, today, &held, &err))
        return http_reply_error(req, &err);
    if (held) {
        core_error_set(&err, CORE_E_CONFLICT, "a legal hold (%s) stands on this person's records", held);
        core_error_hint(&err, "end the hold first, or refuse the request on its ground (event refuse, reason "
                              "art17_3_e for legal claims)");
        return http_reply_error(req, &err);
    }
    gov_disposal d = {.kind = "erasure",
                      .record_table = "person",
                      .record_id = person,
                      .reason = core_arena_printf(&req->arena, "erasure request %" PRId64, id),
                      .request_id = id,
                      .approved_by = req->who.user_id};
    gov_disposal_result res;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"request_id\":%" PRId64 ",\"dry_run\":%s}", id, confirm ? "false" : "true");
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = gov_dispose(req->db, &req->arena, &d, req->who.user_id, &res, &err);
    if (rc == 0 && confirm)
        rc = http_audit_write(req, "erase", "person", person, detail, &err);
    if (rc == 0 && confirm)
        rc = store_commit(req->db, &err);
    else
        store_rollback(req->db); /* a dry run, or a failure: nothing changes */
    if (rc)
        return http_reply_error(req, &err);
    json_t *counts = json_loads(res.counts, 0, NULL);
    json_t *out = json_pack("{s:b,s:I,s:I,s:o,s:o}", "dry_run", !confirm, "person_id", (json_int_t)person,
                            "rows_removed", (json_int_t)res.rows, "counts", counts ? counts : json_object(),
                            "disposal", confirm ? json_string(res.reference) : json_null());
    if (!confirm) /* the dry run is a read of what the person's records hold */
        rc = http_audit(req, "erase_dry_run", "person", person, detail, 0, &err);
    if (rc) {
        json_decref(out);
        return http_reply_error(req, &err);
    }
    rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_disposal_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *a = http_query(req, "after"), *l = http_query(req, "limit");
    int64_t after = 0, limit = DISPOSALS_PAGE_DEFAULT, next = 0;
    if ((a && core_parse_int64(a, strlen(a), 1, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, DISPOSALS_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "after must be a cursor and limit 1..%d", DISPOSALS_PAGE_MAX);
        return http_reply_error(req, &err);
    }
    json_t *items;
    if (gov_disposal_list(req->db, &req->arena, after, limit, &items, &next, &err))
        return http_reply_error(req, &err);
    if (http_audit(req, "read", "disposal", 0, NULL, 0, &err)) {
        json_decref(items);
        return http_reply_error(req, &err);
    }
    json_t *out = json_pack("{s:o,s:o}", "items", items, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_disposal_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (gov_disposal_get(req->db, &req->arena, req->ids[0], &out, &err) ||
        http_audit(req, "read", "disposal", req->ids[0], NULL, 0, &err))
        return http_reply_error(req, &err);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}
