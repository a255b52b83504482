/*
 * api_triage.c — triage's view of what a contact names, and governance's list of links to known records.
 *
 * GET /api/v1/contacts/{id}/history: for anyone with a footing on the contact (the front door while it is in
 * triage, or those working the family), the history triage needs and nothing more (model_triage_history):
 * index cards, open episodes and who holds them, earlier contacts and their decisions. Each card, episode
 * and contact shown is audited as read on the contact's footing, with "via": "triage_history".
 *
 * GET /api/v1/governance/linked-records: governance reviews the contacts that named a family already known
 * and the people added to a family or named on a contact after they were known (docs/access.md).
 */
#include <inttypes.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "model/model.h"

enum { LINKED_DEFAULT = 100, LINKED_MAX = 500 };

/* Audit each row of items (a JSON array of objects with "id") as a read of table. */
static int audit_rows(http_req *req, json_t *items, const char *table, const char *detail, core_error *err)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        int64_t id = json_integer_value(json_object_get(it, "id"));
        if (http_audit(req, "read", table, id, detail, 0, err))
            return err->code;
    }
    return 0;
}

int api_contact_history_read(http_req *req, int64_t contact, json_t **out, core_error *err)
{
    *out = NULL;
    access_footing f;
    if (api_access_on(req, "contact", "contact", "contacts", contact, "record.read", &f, err))
        return err->code;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *h;
    int rc = model_triage_history(&ctx, contact, &h, err);
    if (rc == CORE_E_NOT_FOUND)
        core_error_set(err, CORE_E_NOT_FOUND, "no contacts with id %" PRId64, contact);
    if (rc)
        return rc;
    char fj[160];
    access_footing_json(&f, fj, sizeof(fj));
    /* {"footing":...} with "via" added: the footing's JSON is an object of codes, so splice before '}'. */
    const char *detail = core_arena_printf(&req->arena, "%.*s,\"via\":\"triage_history\"}", (int)strlen(fj) - 1, fj);
    if ((rc = audit_rows(req, json_object_get(h, "people"), "person", detail, err)) ||
        (rc = audit_rows(req, json_object_get(h, "open_episodes"), "episode", detail, err)) ||
        (rc = audit_rows(req, json_object_get(h, "earlier_contacts"), "contact", detail, err)))
        return rc;
    *out = h;
    return 0;
}

int api_contact_history(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (api_contact_history_read(req, req->ids[0], &out, &err))
        return http_reply_error(req, &err);
    return http_reply_json(req, 200, out);
}

int api_linked_records(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t limit = LINKED_DEFAULT;
    const char *l = http_query(req, "limit");
    if (l && core_parse_int64(l, strlen(l), 1, LINKED_MAX, &limit)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "limit must be between 1 and %d", LINKED_MAX);
        return http_reply_error(req, &err);
    }
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *items;
    if (model_linked_list(&ctx, (int)limit, &items, &err))
        return http_reply_error(req, &err);
    if (http_audit(req, "read", "linked_records", 0, "{\"footing\":\"role\",\"via\":\"governance_review\"}", 0,
                   &err))
        return http_reply_error(req, &err);
    json_t *page = json_object();
    json_object_set(page, "items", items);
    json_object_set_new(page, "next", json_null());
    int rc = http_reply_json(req, 200, page);
    json_decref(page);
    return rc;
}
