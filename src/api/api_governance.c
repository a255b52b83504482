/*
 * api_governance.c — what governance is shown of changes to the configuration: GET /api/v1/governance/changes.
 *
 * The changes that decide who may see what, besides the case work itself, are made by the administrator:
 * an access setting (PATCH /api/v1/settings/{name}: how long a front-door triage, a closed case, break glass
 * or a duty keeps access open), an agency's type (PATCH /api/v1/agencies/{id}: which sections its staff see,
 * section_share), and at the command line a user's account (`hearth user add`, `role`, `disable`, `enable`,
 * `reset`). Each is already an entry of the audit trail; this route lists those entries, newest first, with
 * who made the change, when, what it was, and the value before and after:
 *
 *   {"items": [{"seq", "at", "by": {"user_id", "username", "name", "role", "via"}, "what", "record",
 *               "record_id", "name", "old", "new"}], "next": "SEQ" or null}
 *
 *   what              entry of the trail                      old, new
 *   setting           update of table setting                 the whole-number values
 *   agency_type       update of table agency that changed     the agency_type codes
 *                     its type (detail "changes")
 *   user_add          user_add (command line)                 null, the role
 *   user_role         user_role (command line)                the roles
 *   user_disable      user_disable (command line)             "enabled", "disabled" (old as it was)
 *   user_enable       user_enable (command line)              "disabled", "enabled" (old as it was)
 *   user_reset        user_reset (command line)               null, "password" or "password and totp"
 *
 * `after` is the cursor from `next`: the next page holds older entries (seq below it). `limit` 1..500,
 * default 50. The route's permission is governance.review (governance's, like the break-glass queue); the
 * listing is itself recorded (action governance_changes). The entries name users and agencies, never a
 * person's record.
 *
 * An agency's old type is recorded by the generic PATCH handler (api_resource.c) through
 * api_config_before() and api_config_detail() below, so the trail says what the type was, not only that the
 * field changed.
 */
#include <inttypes.h>

#include "api/api.h"
#include "core/core_parse.h"
#include "gov/gov.h"
#include "model/model_data.h"

enum { CHANGES_PAGE_DEFAULT = 50, CHANGES_PAGE_MAX = 500 };

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int api_config_before(http_req *req, const char *table, int64_t id, json_t *body, const char **was,
                      core_error *err)
{
    *was = NULL;
    if (!table || strcmp(table, "agency") != 0 || !json_object_get(body, "agency_type"))
        return 0;
    return model_agency_type(req->db, &req->arena, id, was, err);
}

const char *api_config_detail(http_req *req, const char *detail, const char *was, json_t *row)
{
    const char *now = json_string_value(json_object_get(row, "agency_type"));
    if (!was || !now || strcmp(was, now) == 0 || !detail)
        return detail;
    json_t *d = json_loads(detail, 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        return detail;
    }
    json_object_set_new(d, "changes", json_pack("{s:{s:s,s:s}}", "agency_type", "old", was, "new", now));
    char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    const char *out = s ? core_arena_strdup(&req->arena, s) : detail;
    free(s);
    return out;
}

/* One entry of the trail as a change: what, name, old and new from its action and detail. NULL when the
 * entry is not a change to show (an agency update that left the type as it was). New reference. */
static json_t *change_json(const char *action, const char *table, json_t *d)
{
    json_t *name = json_null(), *old = json_null(), *new_ = json_null();
    const char *what = action;
    if (strcmp(action, "update") == 0 && strcmp(table, "setting") == 0) {
        what = "setting";
        name = json_incref(json_object_get(d, "setting"));
        /* entries before bounds were added recorded only "value" */
        if (json_object_get(d, "old"))
            old = json_incref(json_object_get(d, "old"));
        new_ = json_incref(json_object_get(d, json_object_get(d, "new") ? "new" : "value"));
    } else if (strcmp(action, "update") == 0) {
        json_t *c = json_object_get(json_object_get(d, "changes"), "agency_type");
        if (!c)
            return NULL;
        what = "agency_type";
        old = json_incref(json_object_get(c, "old"));
        new_ = json_incref(json_object_get(c, "new"));
    } else if (strcmp(action, "user_add") == 0) {
        new_ = json_incref(json_object_get(d, "role"));
    } else if (strcmp(action, "user_role") == 0) {
        old = json_incref(json_object_get(d, "previous_role"));
        new_ = json_incref(json_object_get(d, "role"));
    } else if (strcmp(action, "user_disable") == 0 || strcmp(action, "user_enable") == 0) {
        int off = strcmp(action, "user_disable") == 0;
        json_t *was = json_object_get(d, "was_disabled");
        old = json_is_boolean(was) ? json_string(json_is_true(was) ? "disabled" : "enabled") : json_null();
        new_ = json_string(off ? "disabled" : "enabled");
    } else if (strcmp(action, "user_reset") == 0) {
        new_ = json_string(json_is_true(json_object_get(d, "totp")) ? "password and totp" : "password");
    }
    return json_pack("{s:s,s:o,s:o,s:o}", "what", what, "name", name ? name : json_null(), "old",
                     old ? old : json_null(), "new", new_ ? new_ : json_null());
}

/* A page of configuration changes being filled (gov_config_changes calls change_add per trail entry). */
typedef struct changes_page {
    json_t *items;
    int64_t limit, count, last, next;
} changes_page;

static int change_add(json_t *e, void *arg)
{
    changes_page *pg = arg;
    if (pg->count == pg->limit) { /* one more: there is a next page */
        pg->next = pg->last;
        json_decref(e);
        return 1;
    }
    json_t *d = json_is_string(json_object_get(e, "detail"))
                    ? json_loads(json_string_value(json_object_get(e, "detail")), 0, NULL)
                    : NULL;
    const char *table = json_string_value(json_object_get(e, "target_table"));
    json_t *c = change_json(json_string_value(json_object_get(e, "action")), table, d);
    const char *via = json_string_value(json_object_get(d, "via"));
    json_t *by = json_pack("{s:O,s:O,s:O,s:O,s:s}", "user_id", json_object_get(e, "actor_user_id"), "username",
                           json_object_get(e, "username"), "name", json_object_get(e, "display_name"), "role",
                           json_object_get(e, "actor_role"), "via", via ? via : "api");
    json_decref(d);
    if (!c) {
        json_decref(by);
        json_decref(e);
        return 0;
    }
    pg->last = json_integer_value(json_object_get(e, "seq"));
    json_object_set_new(c, "seq", json_integer(pg->last));
    json_object_set(c, "at", json_object_get(e, "at"));
    json_object_set_new(c, "by", by);
    json_object_set_new(c, "record", string_or_null(table));
    json_object_set(c, "record_id", json_object_get(e, "target_id"));
    json_array_append_new(pg->items, c);
    pg->count++;
    json_decref(e);
    return 0;
}

int api_governance_changes(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t after = INT64_MAX, limit = CHANGES_PAGE_DEFAULT;
    const char *a = http_query(req, "after"), *l = http_query(req, "limit");
    if ((a && core_parse_int64(a, strlen(a), 1, INT64_MAX, &after)) ||
        (l && core_parse_int64(l, strlen(l), 1, CHANGES_PAGE_MAX, &limit))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "after must be a cursor and limit 1..%d", CHANGES_PAGE_MAX);
        core_error_hint(&err, "after is the next of the page before");
        return http_reply_error(req, &err);
    }
    /* The listing is an access too; and every change recorded so far must be in the table before it is read. */
    if (http_audit(req, "governance_changes", NULL, 0, NULL, 1, &err))
        return http_reply_error(req, &err);
    changes_page page = {json_array(), limit, 0, 0, 0};
    if (gov_config_changes(req->db, &req->arena, after, change_add, &page, &err)) {
        json_decref(page.items);
        return http_reply_error(req, &err);
    }
    json_t *items = page.items;
    int64_t next = page.next;
    json_t *out = json_pack("{s:o,s:o}", "items", items, "next",
                            next ? json_sprintf("%" PRId64, next) : json_null());
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}
