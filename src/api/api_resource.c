/*
 * api_resource.c — the four generic handlers that serve every model_resource: list, create, read, change.
 *
 * The route's data pointer is the model_resource. For a child resource the collection routes carry the
 * parent's id as the first {id} of the path (/api/v1/episodes/{id}/notes); item routes are flat
 * (/api/v1/notes/{id}). Every record read or written is put to access_decide() first.
 */
#include <inttypes.h>
#include <stdint.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "model/model.h"

enum { MAX_FILTERS = 16 };

int api_refusal_audit(http_req *req, const char *perm, const char *table, int64_t id, core_error *err)
{
    json_t *d = json_pack("{s:s,s:s}", "permission", perm, "reason", err->detail);
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    core_error aerr;
    int rc = http_audit(req, "denied", table, id, dj, 1, &aerr);
    free(dj);
    if (rc)
        *err = aerr;
    return err->code;
}

/* The access decision for what, with a refusal audited as 'denied' (and a hidden record named as absent). */
static int api_decide(http_req *req, const access_target *what, const char *name, const char *perm,
                      access_footing *footing, core_error *err)
{
    if (access_decide(req->db, &req->who, perm, what, footing, err) == ACCESS_ALLOW)
        return 0;
    int code = err->code;
    if (api_refusal_audit(req, perm, what->table, what->id, err) == CORE_E_NOT_FOUND && code == CORE_E_NOT_FOUND)
        core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %" PRId64, name, what->id);
    return err->code;
}

int api_access_on(http_req *req, const char *section, const char *table, const char *name, int64_t id,
                  const char *perm, access_footing *footing, core_error *err)
{
    access_target what = {section, table, id, NULL, 0};
    return api_decide(req, &what, name, perm, footing, err);
}

static int api_access(http_req *req, const model_resource *r, int64_t id, const char *perm, access_footing *footing,
                      core_error *err)
{
    return api_access_on(req, r->section, r->table, r->name, id, perm, footing, err);
}

/* The footing as audit detail, with the written fields' names when fields is given. Arena string. */
static const char *footing_detail(http_req *req, const access_footing *f, json_t *fields)
{
    char fj[160];
    access_footing_json(f, fj, sizeof(fj));
    if (!fields)
        return core_arena_strdup(&req->arena, fj);
    json_t *d = json_loads(fj, 0, NULL);
    if (!d) {
        json_decref(fields);
        return NULL;
    }
    json_object_set_new(d, "fields", fields);
    char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    char *out = s ? core_arena_strdup(&req->arena, s) : NULL;
    free(s);
    return out;
}

/* Leave out what the footing does not show: special category fields, and NHS and National Insurance
 * numbers, for a partner without those shares. */
static void shape(const model_resource *r, const access_footing *f, json_t *row)
{
    if ((!f->omit_special && !f->omit_identifiers) || !row)
        return;
    for (size_t i = 0; i < r->nfields; i++)
        if (((r->fields[i].flags & MODEL_F_SPECIAL) && f->omit_special) ||
            ((r->fields[i].flags & MODEL_F_NATIONAL_ID) && f->omit_identifiers))
            json_object_del(row, r->fields[i].name);
}

static void model_ctx_for(model_ctx *ctx, http_req *req)
{
    model_ctx_init(ctx, req->db, &req->arena, req->who.user_id);
    ctx->see_restricted = access_role_of(&req->who) == ACCESS_ROLE_GOVERNANCE;
}

/* ["a","b"]: which fields a write gave (names only, never values). A new reference. */
static json_t *field_names(json_t *body)
{
    json_t *names = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "version") != 0)
            json_array_append_new(names, json_string(key));
    }
    return names;
}

static int reply_or_error(http_req *req, int rc, core_error *err, int status, json_t *body)
{
    if (rc)
        return http_reply_error(req, err);
    return http_reply_json(req, status, body);
}

struct list_params {
    const model_resource *r;
    model_filter filters[MAX_FILTERS];
    size_t nfilters;
    int64_t after;
    int64_t limit;
    core_error *err;
};

static int list_param(void *cls, const char *key, const char *value)
{
    struct list_params *lp = cls;
    if (strcmp(key, "after") == 0) {
        if (core_parse_int64(value, strlen(value), 0, INT64_MAX, &lp->after))
            return core_error_set(lp->err, CORE_E_BAD_PARAMETER, "after must be a cursor from a previous page");
        return 0;
    }
    if (strcmp(key, "limit") == 0) {
        if (core_parse_int64(value, strlen(value), 1, MODEL_LIST_MAX, &lp->limit))
            return core_error_set(lp->err, CORE_E_BAD_PARAMETER, "limit must be between 1 and %d", MODEL_LIST_MAX);
        return 0;
    }
    const model_field *f = model_field_find(lp->r, key);
    if (!f || !(f->flags & MODEL_F_FILTER)) {
        core_error_set(lp->err, CORE_E_BAD_PARAMETER, "%s cannot be filtered on that parameter", lp->r->name);
        return core_error_hint(lp->err, "GET /api/v1/schema/%s shows which fields filter", lp->r->name);
    }
    for (size_t i = 0; i < lp->nfilters; i++)
        if (strcmp(lp->filters[i].field, f->name) == 0)
            return core_error_set(lp->err, CORE_E_BAD_PARAMETER, "filter %s given twice", f->name);
    if (lp->nfilters == MAX_FILTERS)
        return core_error_set(lp->err, CORE_E_BAD_PARAMETER, "too many filters");
    lp->filters[lp->nfilters].field = f->name;
    lp->filters[lp->nfilters].value = value;
    lp->nfilters++;
    return 0;
}

/* {"items":[...],"next":"<cursor>"|null} */
static int reply_page(http_req *req, json_t *items, int64_t next)
{
    json_t *page = json_object();
    json_object_set(page, "items", items);
    json_object_set_new(page, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    int rc = http_reply_json(req, 200, page);
    json_decref(page);
    return rc;
}

/* How many rows one scan of a list asks the model for: the page is filled from as many scans as it takes. */
enum { LIST_SCAN = 200 };

static void json_release(void *p)
{
    json_decref(p);
}

int api_record_list(http_req *req, const model_resource *r, int64_t parent, const model_filter *filters,
                    size_t nfilters, int64_t after, int want, json_t **items_out, int64_t *next_out, core_error *err)
{
    *items_out = NULL;
    *next_out = 0;
    access_footing pf;
    if (r->parent) {
        const model_resource *pr = model_resource_find(r->parent);
        if (api_access(req, pr, parent, "record.read", &pf, err))
            return err->code;
    }
    json_t *shown = json_array();
    core_arena_on_release(&req->arena, json_release, shown);
    if (strcmp(r->section, "directory") != 0) {
        int may = access_may_read_cases(req->db, &req->who, err);
        if (may < 0)
            return err->code;
        if (may == 0) {
            *items_out = shown;
            return 0;
        }
    }
    model_ctx ctx;
    model_ctx_for(&ctx, req);
    if (want <= 0)
        want = MODEL_LIST_DEFAULT;
    int64_t next = 0, withheld = 0, last_shown = 0;
    for (int more = 1; more;) {
        model_list_req lr = {parent, filters, nfilters, after, LIST_SCAN};
        json_t *items;
        int64_t scan_next;
        int rc = model_list(&ctx, r, &lr, &items, &scan_next, err);
        if (rc)
            return rc;
        more = scan_next != 0;
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            int64_t id = json_integer_value(json_object_get(it, "id"));
            after = id;
            access_footing f;
            access_target what = {r->section, r->table, id, NULL, 0};
            if (access_decide(req->db, &req->who, "record.read", &what, &f, err) != ACCESS_ALLOW) {
                if (err->code != CORE_E_FORBIDDEN && err->code != CORE_E_NOT_FOUND)
                    return err->code;
                withheld++;
                continue;
            }
            if ((int)json_array_size(shown) == want) { /* one more readable record: there is a next page */
                next = last_shown;
                more = 0;
                break;
            }
            shape(r, &f, it);
            if (http_audit(req, "read", r->table, id, footing_detail(req, &f, NULL), 0, err))
                return err->code;
            json_array_append(shown, it);
            last_shown = id;
        }
    }
    core_error_clear(err);
    if (withheld) {
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"permission\":\"record.list\",\"withheld\":%" PRId64 "}", withheld);
        if (http_audit(req, "denied", r->table, 0, detail, 1, err))
            return err->code;
    }
    *items_out = shown;
    *next_out = next;
    return 0;
}

/* A list is filtered by what the caller may read, and the page is built from what is left: it holds up to
 * `limit` records the caller may read, and `next` is given only when a further record the caller may read
 * exists (so an empty page never hides records further on, and the cursor tells nothing of records the
 * caller may not see). A caller who could read no case record now (the administrator, the analyst, governance
 * without a duty) is answered at once with no records. */
int api_resource_list(http_req *req)
{
    const model_resource *r = model_resource_find(req->route->data);
    core_error err;
    core_error_clear(&err);
    struct list_params lp = {.r = r, .err = &err};
    if (http_query_each(req, list_param, &lp))
        return http_reply_error(req, &err);
    json_t *items;
    int64_t next;
    if (api_record_list(req, r, r->parent ? req->ids[0] : 0, lp.filters, lp.nfilters, lp.after, (int)lp.limit,
                        &items, &next, &err))
        return http_reply_error(req, &err);
    return reply_page(req, items, next);
}

int api_record_create(http_req *req, const model_resource *r, int64_t parent, json_t *body, json_t **out_row,
                      core_error *err)
{
    json_t *out = NULL;
    *out_row = NULL;
    access_footing f;
    model_ctx ctx;
    model_ctx_for(&ctx, req);
    /* A child record is created "in its section under its parent" — the section it will carry (an area's,
     * a labelled note's) — and a top-level one by role. */
    const model_resource *pr = r->parent ? model_resource_find(r->parent) : NULL;
    const char *label = NULL;
    if (model_record_label(&ctx, r, body, &label, err))
        return err->code;
    access_target what = {label ? label : r->section, pr ? pr->table : r->table, parent, NULL,
                          strcmp(r->table, "episode_member") == 0 ? ACCESS_STAFF_TAF : 0};
    if (api_decide(req, &what, pr ? pr->name : r->name, "record.create", &f, err) ||
        api_create_rules(req, r, parent, body, &ctx, err))
        return err->code;
    int rc = store_begin(req->db, err);
    if (rc == 0) {
        rc = model_create(&ctx, r, parent, body, &out, err);
        req->problems = ctx.problems;
    }
    if (rc == 0 && api_created_rules(req, r, out, &f, err)) {
        store_rollback(req->db); /* refused: nothing stored, then the refusal audited */
        api_refusal_audit(req, "record.create", pr ? pr->table : r->table, parent, err);
        return err->code;
    }
    if (rc == 0) /* in the write's transaction: the record and its event commit together (finding 17) */
        rc = http_audit_write(req, "create", r->table, json_integer_value(json_object_get(out, "id")),
                              footing_detail(req, &f, field_names(body)), err);
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc) {
        store_rollback(req->db);
        return rc;
    }
    /* A person just recorded who may already be known: say so (the evidence is at POST /api/v1/people/matches). */
    if (strcmp(r->table, "person") == 0) {
        json_t *dups = NULL;
        if (api_match_duplicates(req, out, &dups, err))
            return err->code;
        if (json_array_size(dups))
            json_object_set_new(out, "possible_duplicates", dups);
        else
            json_decref(dups);
    }
    /* A child named on a contact: the same warning, with what the contact carries (its family's postcode, the
     * identifiers recorded) counting, for the front door triaging it (POST /api/v1/contacts/{id}/matches). */
    if (strcmp(r->table, "contact_child") == 0) {
        json_t *dups = NULL;
        if (api_match_contact_duplicates(req, parent, json_integer_value(json_object_get(out, "person_id")), &dups,
                                         err))
            return err->code;
        if (json_array_size(dups))
            json_object_set_new(out, "possible_duplicates", dups);
        else
            json_decref(dups);
    }
    shape(r, &f, out);
    *out_row = out;
    return 0;
}

int api_resource_create(http_req *req)
{
    const model_resource *r = model_resource_find(req->route->data);
    core_error err;
    core_error_clear(&err);
    json_t *body, *out = NULL;
    int rc = http_body_json(req, &body, &err);
    if (rc)
        return http_reply_error(req, &err);
    if (api_record_create(req, r, r->parent ? req->ids[0] : 0, body, &out, &err))
        return http_reply_error(req, &err);
    req->location = core_arena_printf(&req->arena, "/api/v1/%s/%" PRId64, r->name,
                                      (int64_t)json_integer_value(json_object_get(out, "id")));
    return reply_or_error(req, 0, &err, 201, out);
}

int api_record_read(http_req *req, const model_resource *r, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    access_footing f;
    if (api_access(req, r, id, "record.read", &f, err))
        return err->code;
    model_ctx ctx;
    model_ctx_for(&ctx, req);
    int rc = model_get(&ctx, r, id, out, err);
    if (rc == 0)
        rc = http_audit(req, "read", r->table, id, footing_detail(req, &f, NULL), 0, err);
    if (rc) {
        *out = NULL;
        return rc;
    }
    shape(r, &f, *out);
    return 0;
}

int api_resource_get(http_req *req)
{
    const model_resource *r = model_resource_find(req->route->data);
    core_error err;
    core_error_clear(&err);
    json_t *out = NULL;
    int rc = api_record_read(req, r, req->ids[0], &out, &err);
    if (rc == 0 && strcmp(r->table, "episode") == 0) /* the caseload's "new since you last looked" */
        rc = api_worklist_seen(req, req->ids[0], 0, &err);
    return reply_or_error(req, rc, &err, 200, out);
}

int api_record_update(http_req *req, const model_resource *r, int64_t id, json_t *body, json_t **out_row,
                      core_error *err)
{
    json_t *out = NULL;
    *out_row = NULL;
    access_footing f;
    model_ctx ctx;
    model_ctx_for(&ctx, req);
    /* A change of the record's sharing label is checked against the label it will carry too. */
    const char *label = NULL;
    if (model_record_label(&ctx, r, body, &label, err))
        return err->code;
    int relabel = json_object_get(body, "sharing_label") || json_object_get(body, "headline");
    access_target what = {r->section, r->table, id, relabel ? (label ? label : r->section) : NULL,
                          api_staffing_write(r, body)};
    if (api_decide(req, &what, r->name, "record.write", &f, err) || api_update_rules(req, r, id, body, &ctx, err))
        return err->code;
    const char *was = NULL; /* an agency's type before the change, for the trail (api_governance.c) */
    int rc = store_begin(req->db, err);
    if (rc == 0)
        rc = api_config_before(req, r->table, id, body, &was, err);
    if (rc == 0) {
        rc = model_update(&ctx, r, id, body, &out, err);
        req->problems = ctx.problems;
    }
    if (rc == 0) /* in the write's transaction (finding 17) */
        rc = http_audit_write(req, "update", r->table, id,
                              api_config_detail(req, footing_detail(req, &f, field_names(body)), was, out), err);
    if (rc == 0 && strcmp(r->table, "consent") == 0) /* a withdrawal is recorded as the person's request too */
        rc = api_consent_withdrawn(req, out, err);
    if (rc == 0) /* a closure that cancelled the plan's open actions (api_rules.c) */
        rc = api_updated_rules(req, r, id, body, out, &ctx, err);
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc) {
        store_rollback(req->db);
        return rc;
    }
    shape(r, &f, out);
    *out_row = out;
    return 0;
}

int api_resource_update(http_req *req)
{
    const model_resource *r = model_resource_find(req->route->data);
    core_error err;
    core_error_clear(&err);
    json_t *body, *out = NULL;
    int rc = http_body_json(req, &body, &err);
    if (rc)
        return http_reply_error(req, &err);
    if (api_record_update(req, r, req->ids[0], body, &out, &err))
        return http_reply_error(req, &err);
    return http_reply_json(req, 200, out);
}

int api_record_history_read(http_req *req, const model_resource *r, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    json_t *row;
    int rc = api_record_read(req, r, id, &row, err); /* the decision and the 'read' event, as GET /{id} */
    if (rc)
        return rc;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *earlier;
    if ((rc = model_record_history(&ctx, r, id, &earlier, err)))
        return rc;
    json_t *o = json_pack("{s:O,s:O}", "current", row, "earlier", earlier);
    core_arena_on_release(&req->arena, json_release, o);
    *out = o;
    return 0;
}

int api_record_history(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (api_record_history_read(req, model_resource_find(req->route->data), req->ids[0], &out, &err))
        return http_reply_error(req, &err);
    return http_reply_json(req, 200, out);
}
