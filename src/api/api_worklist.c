/*
 * api_worklist.c — worklists: GET /api/v1/worklist/caseload and GET /api/v1/worklist/front-door, and the
 * functions under them that the web application's `/` renders (web/web_worklist.c).
 *
 * caseload: the open episodes the principal leads or is a current Team Around the Family member of, oldest
 * first, each {"episode", "family", "part": "lead"|"taf", "next_review_due": date|null, "review":
 * "overdue"|"due"|"later"|"none"} — due within WORKLIST_REVIEW_SOON_DAYS of today; the next review is the one the
 * latest review held set; "seen_at": when the principal last opened the episode (or null), and
 * "new_since_seen": {"case_note": n, "activity": n, ...}, what others have added since that the principal may
 * read (only kinds with a count; never seen: all they may read that others added; at most
 * API_WORKLIST_NEW_MAX looked at). Reading GET /api/v1/episodes/{id} marks the episode seen.
 * team: the open episodes owned by the principal's team, allocated or not, each as a caseload row with "lead":
 * {"id", "name"} or null (unallocated) in place of "part" — for a team manager; another role sees only the
 * cases the access decision opens to them.
 * front-door: the contacts without a decision, oldest received first, each {"contact", "days_waiting"}.
 * Both answer {"items": [...]} of at most WORKLIST_MAX rows (no paging: a worklist longer than that is a
 * problem for a manager, not a page).
 *
 * model_worklist.c chooses the ids; each record is then read exactly as the generic handlers read it
 * (api_record_read, api_record_list): for a case GET /api/v1/episodes/{e}, /families/{f} and
 * /episodes/{e}/reviews; for a contact GET /api/v1/contacts/{c}. A record the access decision refuses is left
 * out, and the refusals are recorded as one 'denied' event with their count, as a list's are.
 */
#include <inttypes.h>
#include <string.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_clock.h"
#include "core/core_date.h"
#include "model/model.h"

static void json_release(void *p)
{
    json_decref(p);
}

/* A new array the arena releases. */
static json_t *arena_array(http_req *req)
{
    json_t *a = json_array();
    core_arena_on_release(&req->arena, json_release, a);
    return a;
}

/* Days from the date at the start of iso to today (the request clock); *ok 0 when iso is not a date. */
static int days_since(const char *iso, int *ok)
{
    core_date d, today;
    char t[11];
    core_clock_today(t);
    *ok = iso && strlen(iso) >= 10 && core_date_parse(iso, 10, &d) == 0 && core_date_parse(t, 10, &today) == 0;
    return *ok ? (int)(core_date_to_days(today) - core_date_to_days(d)) : 0;
}

/* May the principal read record id of r? 1 yes, 0 refused (not audited here), negative on a store error. */
static int readable(http_req *req, const model_resource *r, int64_t id, core_error *err)
{
    access_target what = {r->section, r->table, id, NULL, 0};
    access_footing f;
    if (access_decide(req->db, &req->who, "record.read", &what, &f, err) == ACCESS_ALLOW)
        return 1;
    if (err->code == CORE_E_FORBIDDEN || err->code == CORE_E_NOT_FOUND) {
        core_error_clear(err);
        return 0;
    }
    return err->code;
}

static int withheld_audit(http_req *req, const char *table, int64_t withheld, core_error *err)
{
    if (!withheld)
        return 0;
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"permission\":\"record.list\",\"withheld\":%" PRId64 "}", withheld);
    return http_audit(req, "denied", table, 0, detail, 1, err);
}

/* One case of a worklist: the episode, its family and its reviews read as their own GETs read them, as
 * {"episode", "family", "next_review_due", "review"}; *item NULL when the episode is refused (not audited
 * here: the caller counts it). 0 or the error's code. */
static int case_item(http_req *req, const model_id_pair *id, json_t **item, core_error *err)
{
    const model_resource *episodes = model_resource_find("episodes"), *families = model_resource_find("families"),
                         *reviews = model_resource_find("reviews");
    *item = NULL;
    int rc = readable(req, episodes, id->id, err);
    if (rc <= 0)
        return rc;
    json_t *ep, *fam, *revs;
    int64_t next;
    if ((rc = api_record_read(req, episodes, id->id, &ep, err)) ||
        (rc = api_record_read(req, families, id->parent_id, &fam, err)) ||
        (rc = api_record_list(req, reviews, id->id, NULL, 0, 0, 0, &revs, &next, err)))
        return rc;
    const char *due = NULL, *held = NULL; /* the latest review held, and the next it set */
    size_t k;
    json_t *r;
    json_array_foreach(revs, k, r)
    {
        const char *h = json_string_value(json_object_get(r, "held_on"));
        if (h && (!held || strcmp(h, held) >= 0)) {
            held = h;
            due = json_string_value(json_object_get(r, "next_review_due"));
        }
    }
    int ok, days = days_since(due, &ok);
    const char *state = !ok ? "none" : days > 0 ? "overdue" : -days <= API_WORKLIST_REVIEW_SOON_DAYS ? "due" : "later";
    *item = json_pack("{s:O,s:O,s:s?,s:s}", "episode", ep, "family", fam, "next_review_due", due, "review", state);
    return 0;
}

/* The kinds a caseload counts as new, by table: the resource each is read as (for its access decision). */
static const struct {
    const char *table, *resource;
} NEW_KINDS[] = {{"case_note", "notes"},        {"activity", "activities"}, {"review", "reviews"},
                 {"assessment", "assessments"}, {"plan", "plans"},          {"plan_action", "actions"}};

/* Sets "seen_at" (the principal's last look at the episode, or null) and "new_since_seen" ({kind: count} of
 * what others added since, only kinds with a count) on item. A record counts only when the access decision
 * lets the principal read it: a count never tells of a record kept from them (a note's need-to-know label, a
 * section their footing does not open). Only the decision is asked, nothing read, so nothing is audited. */
static int new_since_seen(http_req *req, int64_t episode_id, json_t *item, core_error *err)
{
    model_seen_item seen[API_WORKLIST_NEW_MAX];
    const char *seen_at;
    int n, rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if ((rc = model_seen_new(&ctx, episode_id, req->who.user_id, &seen_at, API_WORKLIST_NEW_MAX, seen, &n, err)))
        return rc;
    json_t *counts = json_object();
    for (int i = 0; i < n; i++) {
        const model_resource *r = NULL;
        for (size_t k = 0; k < sizeof(NEW_KINDS) / sizeof(NEW_KINDS[0]) && !r; k++)
            if (strcmp(NEW_KINDS[k].table, seen[i].table) == 0)
                r = model_resource_find(NEW_KINDS[k].resource);
        int may = r ? readable(req, r, seen[i].id, err) : 0;
        if (may < 0) {
            json_decref(counts);
            return may;
        }
        if (may) {
            json_t *c = json_object_get(counts, seen[i].table);
            json_object_set_new(counts, seen[i].table, json_integer(c ? json_integer_value(c) + 1 : 1));
        }
    }
    json_object_set_new(item, "seen_at", seen_at ? json_string(seen_at) : json_null());
    json_object_set_new(item, "new_since_seen", counts);
    return 0;
}

int api_worklist_seen(http_req *req, int64_t episode_id, int64_t family_id, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if (!req->who.user_id)
        return 0;
    return episode_id ? model_seen_episode(&ctx, episode_id, req->who.user_id, err)
                      : model_seen_family(&ctx, family_id, req->who.user_id, err);
}

int api_worklist_caseload_items(http_req *req, json_t **out, core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    int rc = model_worklist_caseload(&ctx, req->who.user_id, API_WORKLIST_MAX, ids, &n, err);
    if (rc)
        return rc;
    json_t *items = arena_array(req);
    int64_t withheld = 0;
    for (int i = 0; i < n; i++) {
        json_t *item;
        if ((rc = case_item(req, &ids[i], &item, err)))
            return rc;
        if (!item) {
            withheld++;
            continue;
        }
        json_t *lead = json_object_get(json_object_get(item, "episode"), "lead_user_id");
        int is_lead = json_is_integer(lead) && json_integer_value(lead) == req->who.user_id;
        json_object_set_new(item, "part", json_string(is_lead ? "lead" : "taf"));
        json_array_append_new(items, item);
        if ((rc = new_since_seen(req, ids[i].id, item, err)))
            return rc;
    }
    if ((rc = withheld_audit(req, "episode", withheld, err)))
        return rc;
    *out = items;
    return 0;
}

/* The cases of ids as team rows (each with "lead": {id, name} or null), the refused counted in one 'denied'. */
static int team_rows(http_req *req, const model_id_pair *ids, int n, json_t **out, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *items = arena_array(req);
    int64_t withheld = 0;
    int rc;
    for (int i = 0; i < n; i++) {
        json_t *item;
        if ((rc = case_item(req, &ids[i], &item, err)))
            return rc;
        if (!item) {
            withheld++;
            continue;
        }
        json_t *lead = json_object_get(json_object_get(item, "episode"), "lead_user_id");
        const char *name = NULL;
        if (json_is_integer(lead) && (rc = model_staff_name(&ctx, json_integer_value(lead), &name, err)))
            return rc;
        json_object_set_new(item, "lead",
                            json_is_integer(lead) ? json_pack("{s:I,s:s?}", "id", (json_int_t)json_integer_value(lead),
                                                              "name", name)
                                                  : json_null());
        json_array_append_new(items, item);
    }
    if ((rc = withheld_audit(req, "episode", withheld, err)))
        return rc;
    *out = items;
    return 0;
}

int api_worklist_team_items(http_req *req, json_t **out, core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n = 0, rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if (req->who.team_id && (rc = model_worklist_team(&ctx, req->who.team_id, API_WORKLIST_MAX, ids, &n, err)))
        return rc;
    return team_rows(req, ids, n, out, err);
}

int api_worklist_team_page(http_req *req, int sort, int desc, int offset, int limit, json_t **out, int64_t *total,
                           core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n = 0, rc;
    *total = 0;
    if (limit < 1 || limit > API_WORKLIST_MAX)
        limit = API_WORKLIST_MAX;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if (req->who.team_id && (rc = model_worklist_team_page(&ctx, req->who.team_id, (model_team_sort)sort, desc,
                                                           offset, limit, ids, &n, total, err)))
        return rc;
    return team_rows(req, ids, n, out, err);
}

int api_worklist_team_unallocated(http_req *req, json_t **out, core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n = 0, rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if (req->who.team_id &&
        (rc = model_worklist_team_unallocated(&ctx, req->who.team_id, API_WORKLIST_MAX, ids, &n, err)))
        return rc;
    return team_rows(req, ids, n, out, err);
}

int api_worklist_team_overdue(http_req *req, json_t **out, core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n = 0, rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    if (req->who.team_id &&
        (rc = model_worklist_team_overdue(&ctx, req->who.team_id, API_WORKLIST_MAX, ids, &n, err)))
        return rc;
    return team_rows(req, ids, n, out, err);
}

int api_worklist_undecided_items(http_req *req, json_t **out, core_error *err)
{
    model_id_pair ids[API_WORKLIST_MAX];
    int n;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    int rc = model_worklist_undecided(&ctx, API_WORKLIST_MAX, ids, &n, err);
    if (rc)
        return rc;
    const model_resource *contacts = model_resource_find("contacts");
    json_t *items = arena_array(req);
    int64_t withheld = 0;
    for (int i = 0; i < n; i++) {
        int may = readable(req, contacts, ids[i].id, err);
        if (may < 0)
            return may;
        if (may == 0) {
            withheld++;
            continue;
        }
        json_t *c;
        if ((rc = api_record_read(req, contacts, ids[i].id, &c, err)))
            return rc;
        int ok, days = days_since(json_string_value(json_object_get(c, "received_on")), &ok);
        json_array_append_new(items, json_pack("{s:O,s:o}", "contact", c, "days_waiting",
                                               ok ? json_integer(days) : json_null()));
    }
    if ((rc = withheld_audit(req, "contact", withheld, err)))
        return rc;
    *out = items;
    return 0;
}

static int reply_items(http_req *req, int (*fn)(http_req *, json_t **, core_error *))
{
    core_error err;
    core_error_clear(&err);
    json_t *items;
    if (fn(req, &items, &err))
        return http_reply_error(req, &err);
    json_t *page = json_pack("{s:O}", "items", items);
    int rc = http_reply_json(req, 200, page);
    json_decref(page);
    return rc;
}

int api_worklist_caseload(http_req *req)
{
    return reply_items(req, api_worklist_caseload_items);
}

int api_worklist_team(http_req *req)
{
    return reply_items(req, api_worklist_team_items);
}

int api_worklist_front_door(http_req *req)
{
    return reply_items(req, api_worklist_undecided_items);
}
