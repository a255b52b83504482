/*
 * api_index.c — the person index over the API (src/pindex/): running the matching engine, the review queue
 * where people decide on what it suggests, merges and their undoing, the partner rows linked to a person, and
 * the family identification list.
 *
 *   POST  /api/v1/link-runs                  run the engine: {"dataset": NAME} against the index, or {} the
 *                                            index against itself (link.run: counts only, no one's details),
 *                                            as a background job: 202 with the job (Location /api/v1/jobs/ID);
 *                                            409 while another link run is queued or running (api_jobs.c)
 *   GET   /api/v1/link-runs                  the runs so far
 *   GET   /api/v1/match-reviews              suggested pairs (?state=pending|linked|same|different|all,
 *                                            kind=index|dataset, after, limit), each side as far as the viewer
 *                                            may see it ("view": "full" or "card")
 *   GET   /api/v1/match-reviews/{id}         one pair with its evidence
 *   PATCH /api/v1/match-reviews/{id}         {"decision": "same"|"different", "reason", "keep"}
 *   POST  /api/v1/merges                     {"keep", "merge", "reason"}: merge two people found otherwise
 *   GET   /api/v1/merges                     merges so far
 *   POST  /api/v1/merges/{id}/undo           {"reason"}
 *   GET   /api/v1/people/{id}/partner-records  a person's linked partner rows (sharing label partner_data)
 *   GET   /api/v1/identification             families with needs under min_headlines (default 3) headlines
 *   POST  /api/v1/families/{id}/identification  {"decision", "reason"}: a person's decision on one of them
 *   GET   /api/v1/identification/indicators  what the list is built from
 *
 * What a side of a pair shows depends on the viewer (docs/access.md): without a footing, the index card only
 * (names, date of birth or expected date, sex) and the evidence on those fields with the overall score; a
 * person's postcode needs a footing on the person's own records (section person), a partner's row's dataset,
 * row key and address a partner_data footing on the pair's person, and the evidence on other fields every side
 * whole. The one access decision (access_decide, record.read) answers each side.
 *
 * Every person and partner row shown is recorded in the audit trail as read, with the footing it was shown on
 * (person_index for a card), what it was read through (via: match_review, partner_records, identification) and
 * for a partner's row the person it was shown about; the access report finds them all (api_report.c). Every
 * decision, merge and undoing is recorded as a change with its reason.
 */
#include <inttypes.h>

#include "access/access.h"
#include "api/api.h"
#include "policy/policy.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "model/model_data.h"
#include "pindex/pindex.h"
#include "jobs/jobs.h"

enum { PAGE_DEFAULT = 50, PAGE_MAX = 500, REASON_MAX = 2000 };

/* ---- small helpers ---- */

static int page(http_req *req, int64_t *after, int64_t *limit, core_error *err)
{
    const char *a = http_query(req, "after"), *l = http_query(req, "limit");
    *after = 0;
    *limit = PAGE_DEFAULT;
    if ((a && core_parse_int64(a, strlen(a), 0, INT64_MAX, after)) ||
        (l && core_parse_int64(l, strlen(l), 1, PAGE_MAX, limit)))
        return core_error_set(err, CORE_E_BAD_PARAMETER, "after is a cursor, limit 1..%d", PAGE_MAX);
    return 0;
}

/* Rows of a paged list (asked for limit + 1 rows; rc what the list returned, called before this) as
 * {items, next}; takes rows. */
static int paged(int rc, json_t *rows, int64_t limit, json_t **out)
{
    if (rc)
        return rc;
    int64_t next = 0;
    if ((int64_t)json_array_size(rows) > limit) { /* one more than a page: there is a next page */
        json_array_remove(rows, (size_t)limit);
        next = json_integer_value(json_object_get(json_array_get(rows, (size_t)limit - 1), "id"));
    }
    *out = json_pack("{s:o,s:o}", "items", rows, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    return 0;
}

static int reply(http_req *req, int status, json_t *out)
{
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

/* What anyone reviewing sees of a person or of a partner's row without a footing: the index card's own fields
 * (names, date of birth or expected date, sex) and the row's id. Everything else (postcode, address, town, the
 * dataset's name and row key, whom a row is linked to) is shown only on a footing (docs/access.md). */
static const char CARD_KEYS[] = ",id,given_name,middle_names,family_name,preferred_name,date_of_birth,expected_date,"
                                "sex,";

static void card_only(http_req *req, json_t *o)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, key, v) {
        if (!strstr(CARD_KEYS, core_arena_printf(&req->arena, ",%s,", key)))
            json_object_del(o, key);
    }
}

/* The decisions one answer has asked already: a person is a side of several pairs (one per dataset), and is
 * decided once per section. Held in the request's arena. */
typedef struct decided {
    const char *section;
    int64_t person;
    int allowed;
    access_footing footing;
} decided;

typedef struct decisions {
    decided *v;
    size_t n, cap;
} decisions;

/* May the viewer see more of person `person` than the index card: a footing for `section` on the person (the
 * one access decision, record.read)? 1 with *f filled, else 0. Any denial (no footing, a section the role never
 * sees, a store error: access.h invariant 1) leaves the card only, so it is not an error here. memo (may be
 * NULL) keeps the answers of one request. */
static int footing_on(http_req *req, decisions *memo, const char *section, int64_t person, access_footing *f)
{
    for (size_t i = 0; memo && i < memo->n; i++)
        if (memo->v[i].person == person && strcmp(memo->v[i].section, section) == 0) {
            *f = memo->v[i].footing;
            return memo->v[i].allowed;
        }
    access_target t = {section, "person", person};
    core_error denied;
    core_error_clear(&denied);
    int allowed = access_decide(req->db, &req->who, "record.read", &t, f, &denied) == ACCESS_ALLOW;
    if (memo && memo->n < memo->cap)
        memo->v[memo->n++] = (decided){section, person, allowed, *f};
    return allowed;
}

/* The audit detail of a read shown through a view of the index: the footing it was shown on (NULL: the index
 * card only, footing person_index), what it was read through (via) and, for a partner's row, the person it was
 * shown with (0: none). An arena string. */
static const char *read_detail(http_req *req, const access_footing *f, const char *via, int64_t person)
{
    char fj[160] = "{\"footing\":\"person_index\"}";
    if (f)
        access_footing_json(f, fj, sizeof fj);
    json_t *d = json_loads(fj, 0, NULL);
    if (!d)
        d = json_object();
    json_object_set_new(d, "via", json_string(via));
    if (person)
        json_object_set_new(d, "person", json_integer(person));
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    const char *out = core_arena_strdup(&req->arena, text ? text : "{}");
    free(text);
    return out;
}

/* A person as shown through a view of the index (via), recorded as read: the whole card (with the current
 * postcode) on a footing on the person's own records (section person), else the index card only. *full (may
 * be NULL) says which. NULL (err set) when absent or restricted. */
static json_t *card(http_req *req, decisions *memo, int64_t id, const char *via, int *full, core_error *err)
{
    json_t *o = pindex_card(req->db, &req->arena, id, err);
    if (!o)
        return NULL;
    access_footing f;
    int more = footing_on(req, memo, "person", id, &f);
    if (!more)
        card_only(req, o);
    if (full)
        *full = more;
    if (http_audit(req, "read", "person", id, read_detail(req, more ? &f : NULL, via, 0), 0, err)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A partner's row shown beside person `person` in the review queue, recorded as read: whole (its dataset, row
 * key and address) on a partner_data footing on the person, else its index card only. */
static json_t *partner_row(http_req *req, decisions *memo, int64_t id, int64_t person, int *full, core_error *err)
{
    json_t *o = pindex_partner_row(req->db, &req->arena, id, err);
    if (!o)
        return NULL;
    access_footing f;
    *full = footing_on(req, memo, "partner_data", person, &f);
    if (!*full)
        card_only(req, o);
    if (http_audit(req, "read", "partner_record", id, read_detail(req, *full ? &f : NULL, "match_review", person), 0,
                   err)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A pair row made whole: the evidence parsed, each side shown as far as the viewer may see it. The evidence on
 * fields other than the card's (postcode, address, identifiers, ...) is shown only when every side is shown
 * whole; "view" says which: "full", or "card" when anything was left out. */
static int pair_sides(http_req *req, decisions *memo, json_t *pair, core_error *err)
{
    json_t *ev = json_object_get(pair, "evidence");
    json_error_t je;
    json_t *parsed = json_is_string(ev) ? json_loads(json_string_value(ev), 0, &je) : NULL;
    int64_t person = json_integer_value(json_object_get(pair, "person_id"));
    int full_left = 0, full_right = 0;
    json_t *left = card(req, memo, person, "match_review", &full_left, err);
    if (!left) {
        json_decref(parsed);
        return err->code;
    }
    json_object_set_new(pair, "person", left);
    json_t *other = json_object_get(pair, "other_person_id");
    json_t *right = json_is_integer(other)
                        ? card(req, memo, json_integer_value(other), "match_review", &full_right, err)
                        : partner_row(req, memo, json_integer_value(json_object_get(pair, "partner_record_id")), person,
                                      &full_right, err);
    if (!right) {
        json_decref(parsed);
        return err->code;
    }
    json_object_set_new(pair, json_is_integer(other) ? "other_person" : "partner_record", right);
    int full = full_left && full_right;
    json_t *comps = json_object_get(parsed, "comparisons");
    for (size_t k = json_array_size(comps); !full && k-- > 0;) {
        const char *name = json_string_value(json_object_get(json_array_get(comps, k), "comparison"));
        if (!pindex_card_comparison_named(name))
            json_array_remove(comps, k);
    }
    json_object_set_new(pair, "evidence", parsed ? parsed : json_null());
    json_object_set_new(pair, "view", json_string(full ? "full" : "card"));
    return 0;
}

/* ---- runs ---- */

int api_link_run_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *dataset = NULL;
    if (http_body_json(req, &body, &err) || api_body_only(body, "dataset", &err) ||
        api_body_text(body, "dataset", 0, 1, 64, &dataset, &err))
        return http_reply_error(req, &err);
    int64_t dataset_id = 0;
    if (dataset && pindex_dataset_find(req->db, dataset, &dataset_id, &err))
        return http_reply_error(req, &err);
    /* A council whose policy promises a person in every decision gets every link queued for review. */
    const api_app *app = http_app(req);
    int review_only = app && app->policy && !app->policy->automated_decisions;
    /* The run is a background job (src/jobs/): one link run at a time, refused while one waits or runs. */
    json_t *params = json_pack("{s:s?,s:b}", "dataset", dataset, "review_only", review_only);
    char *text = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (!text) {
        core_error_set(&err, CORE_E_INTERNAL, "out of memory");
        return http_reply_error(req, &err);
    }
    int64_t job = 0;
    int rc = jobs_create(req->db, "link_run", req->who.user_id, text, 1, &job, &err);
    if (rc == 0)
        rc = http_audit(req, "create", "job", job, text, 1, &err);
    free(text);
    if (rc)
        return http_reply_error(req, &err);
    return api_job_accepted(req, job);
}

int api_link_run_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t after, limit;
    json_t *out;
    if (page(req, &after, &limit, &err))
        return http_reply_error(req, &err);
    json_t *rows = NULL;
    int rc = pindex_runs_list(req->db, &req->arena, after, limit + 1, &rows, &err);
    if (paged(rc, rows, limit, &out))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

/* ---- the review queue ---- */

static int pairs_query(http_req *req, int64_t id, const char *state, const char *kind, int64_t after, int64_t limit,
                       json_t **out, core_error *err)
{
    json_t *rows = NULL;
    int rc = pindex_pairs_list(req->db, &req->arena, state, kind, after, limit + 1, id, &rows, err);
    if (paged(rc, rows, limit, out))
        return err->code;
    size_t sides = 2 * json_array_size(json_object_get(*out, "items"));
    decisions memo = {core_arena_alloc(&req->arena, (sides ? sides : 1) * sizeof(decided)), 0, sides};
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(*out, "items"), i, it) {
        if (pair_sides(req, &memo, it, err)) {
            json_decref(*out);
            return err->code;
        }
    }
    return 0;
}

int api_match_review_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *state = http_query(req, "state"), *kind = http_query(req, "kind");
    int64_t after, limit;
    if (page(req, &after, &limit, &err))
        return http_reply_error(req, &err);
    state = state ? state : "pending";
    kind = kind ? kind : "";
    if (!strstr(",pending,linked,same,different,all,", core_arena_printf(&req->arena, ",%s,", state)) ||
        !strstr(",,index,dataset,", core_arena_printf(&req->arena, ",%s,", kind))) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "state is pending, linked, same, different or all; kind is index "
                                                   "or dataset");
        return http_reply_error(req, &err);
    }
    json_t *out;
    if (pairs_query(req, 0, state, kind, after, limit, &out, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

int api_match_review_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out;
    if (pairs_query(req, req->ids[0], "all", "", 0, 1, &out, &err))
        return http_reply_error(req, &err);
    json_t *it = json_incref(json_array_get(json_object_get(out, "items"), 0));
    json_decref(out);
    if (!it) {
        core_error_set(&err, CORE_E_NOT_FOUND, "no suggested pair with id %" PRId64, req->ids[0]);
        return http_reply_error(req, &err);
    }
    return reply(req, 200, it);
}

/* A merge moves one person's records onto the other: outside governance, only someone who may already change
 * both records may make it (otherwise merging would be a way to reach a record one has no footing on). A
 * person the caller may not see — restricted ones included — is refused exactly as anyone unrelated is. */
static int merge_allowed(http_req *req, int64_t a, int64_t b, core_error *err)
{
    if (access_role_of(&req->who) == ACCESS_ROLE_GOVERNANCE)
        return 0;
    access_footing f;
    if (api_access_on(req, "person", "person", "people", a, "record.write", &f, err) ||
        api_access_on(req, "person", "person", "people", b, "record.write", &f, err))
        return err->code;
    return 0;
}

int api_match_review_items(http_req *req, int64_t id, const char *state, const char *kind, int64_t after,
                           int64_t limit, json_t **out, core_error *err)
{
    return pairs_query(req, id, state, kind, after, limit, out, err);
}

int api_match_review_decide_do(http_req *req, const pindex_decision *in, json_t **out, core_error *err)
{
    pindex_decision d = *in;
    int64_t merge_id = 0;
    if (strcmp(d.decision, "same") == 0) { /* a pair of two people: deciding "same" merges them */
        int64_t a = 0, b = 0;
        int rc = pindex_pair_people(req->db, &req->arena, d.pair_id, &a, &b, err);
        if (rc < 0 || (b && merge_allowed(req, a, b, err)))
            return err->code;
    }
    if (pindex_decide(req->db, &d, &merge_id, err))
        return err->code;
    json_t *detail = json_pack("{s:s,s:o}", "decision", d.decision, "merge_id",
                               merge_id ? json_integer(merge_id) : json_null());
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    int rc = http_audit(req, "update", "match_pair", d.pair_id, text, 1, err);
    free(text);
    if (rc == 0 && merge_id)
        rc = http_audit(req, "merge", "person_merge", merge_id, "{\"via\":\"match_review\"}", 1, err);
    json_t *all;
    if (rc || pairs_query(req, d.pair_id, "all", "", 0, 1, &all, err))
        return err->code;
    json_t *it = json_incref(json_array_get(json_object_get(all, "items"), 0));
    json_decref(all);
    *out = it ? it : json_object();
    return 0;
}

int api_match_review_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out;
    pindex_decision d = {.pair_id = req->ids[0], .user_id = req->who.user_id};
    if (http_body_json(req, &body, &err) || api_body_only(body, "decision,reason,keep", &err) ||
        api_body_text(body, "decision", 1, 1, 16, &d.decision, &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &d.reason, &err) ||
        api_body_id(body, "keep", &d.keep, &err) || api_match_review_decide_do(req, &d, &out, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

/* ---- merges ---- */


int api_merge_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    int64_t keep, merge, id = 0;
    const char *reason;
    if (http_body_json(req, &body, &err) || api_body_only(body, "keep,merge,reason", &err) ||
        api_body_id(body, "keep", &keep, &err) || api_body_id(body, "merge", &merge, &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &reason, &err))
        return http_reply_error(req, &err);
    if (!keep || !merge) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "keep and merge are required: the ids of the two people");
        return http_reply_error(req, &err);
    }
    if (merge_allowed(req, keep, merge, &err) ||
        pindex_merge(req->db, keep, merge, 0, reason, req->who.user_id, &id, &err) ||
        http_audit(req, "merge", "person_merge", id, "{\"via\":\"merge\"}", 1, &err))
        return http_reply_error(req, &err);
    return reply(req, 201, json_pack("{s:I,s:I,s:I}", "id", (json_int_t)id, "survivor_id", (json_int_t)keep,
                                     "merged_id", (json_int_t)merge));
}

int api_merge_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t after, limit;
    json_t *out;
    if (page(req, &after, &limit, &err))
        return http_reply_error(req, &err);
    json_t *rows = NULL;
    int rc = pindex_merges_list(req->db, &req->arena, after, limit + 1, &rows, &err);
    if (paged(rc, rows, limit, &out))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

int api_merge_undo(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *reason;
    if (http_body_json(req, &body, &err) || api_body_only(body, "reason", &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &reason, &err) ||
        pindex_unmerge(req->db, req->ids[0], reason, req->who.user_id, &err) ||
        http_audit(req, "unmerge", "person_merge", req->ids[0], "{\"via\":\"merge\"}", 1, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, json_pack("{s:I,s:b}", "id", (json_int_t)req->ids[0], "undone", 1));
}

/* ---- a person's partner rows ---- */

int api_person_partner_records(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    access_footing f;
    if (api_access_on(req, "partner_data", "person", "person", req->ids[0], "record.read", &f, &err))
        return http_reply_error(req, &err);
    json_t *items;
    if (pindex_person_rows(req->db, &req->arena, req->ids[0], &items, &err))
        return http_reply_error(req, &err);
    int rc = 0;
    size_t ri;
    json_t *o;
    json_array_foreach(items, ri, o) {
        json_error_t je;
        json_t *attrs = json_loads(json_string_value(json_object_get(o, "attributes")), 0, &je);
        json_object_set_new(o, "attributes", attrs ? attrs : json_null());
    }
    /* A dataset imported under another sharing label (hearth import --section) is shown only where that label
     * is: its rows are left out otherwise, as a list leaves out what its reader may not see. */
    int64_t withheld = 0;
    for (size_t k = json_array_size(items); rc == 0 && k-- > 0;) {
        const char *section = json_string_value(json_object_get(json_array_get(items, k), "section"));
        if (!section || strcmp(section, "partner_data") == 0)
            continue;
        access_target t = {section, "person", req->ids[0]};
        access_footing g;
        core_error denied;
        core_error_clear(&denied);
        if (access_decide(req->db, &req->who, "record.read", &t, &g, &denied) != ACCESS_ALLOW) {
            json_array_remove(items, k);
            withheld++;
        }
    }
    if (rc == 0 && withheld) {
        char detail[96];
        snprintf(detail, sizeof detail, "{\"permission\":\"record.read\",\"withheld\":%" PRId64 "}", withheld);
        rc = http_audit(req, "denied", "partner_record", 0, detail, 1, &err);
    }
    const char *footing = read_detail(req, &f, "partner_records", req->ids[0]);
    size_t i;
    json_t *it;
    json_array_foreach(rc < 0 ? NULL : items, i, it) {
        if ((rc = http_audit(req, "read", "partner_record", json_integer_value(json_object_get(it, "id")), footing, 0,
                             &err)))
            break;
    }
    if (rc < 0) {
        json_decref(items);
        return http_reply_error(req, &err);
    }
    return reply(req, 200, json_pack("{s:o}", "items", items));
}

/* ---- family identification ---- */

/* Each partner's row whose values a member's evidence shows is read, on the list's own permission (footing
 * "role", identification.read), through the identification list, about that member. */
static int identification_evidence_read(http_req *req, int64_t person, json_t *evidence, core_error *err)
{
    static const char base[] = "{\"footing\":\"role\",\"permission\":\"identification.read\"}";
    json_t *d = json_loads(base, 0, NULL);
    json_object_set_new(d, "via", json_string("identification"));
    json_object_set_new(d, "person", json_integer(person));
    char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(evidence, i, e) {
        int64_t row = json_integer_value(json_object_get(e, "partner_record_id"));
        int seen = 0; /* one row evidencing two needs is one read */
        for (size_t j = 0; j < i && !seen; j++)
            seen = row == json_integer_value(json_object_get(json_array_get(evidence, j), "partner_record_id"));
        if (seen)
            continue;
        if ((rc = http_audit(req, "read", "partner_record", row, detail, 0, err)))
            break;
    }
    free(detail);
    return rc;
}

int api_identification_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *m = http_query(req, "min_headlines");
    int64_t min = 3;
    if (m && core_parse_int64(m, strlen(m), 1, 10, &min)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "min_headlines is a number from 1 to 10");
        return http_reply_error(req, &err);
    }
    json_t *list;
    if (api_identification_items(req, (int)min, 0, &list, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, json_pack("{s:I,s:o}", "min_headlines", (json_int_t)min, "items", list));
}

int api_identification_items(http_req *req, int min, int64_t family, json_t **out, core_error *err)
{
    *out = NULL;
    json_t *list;
    if (pindex_identify(req->db, min, &list, err))
        return err->code;
    if (family) { /* one family's entry: only its members are read */
        json_t *one = json_array();
        size_t k;
        json_t *f;
        json_array_foreach(list, k, f) if (json_integer_value(json_object_get(f, "family_id")) == family)
            json_array_append(one, f);
        json_decref(list);
        list = one;
    }
    size_t i, j;
    json_t *fam, *mem;
    json_array_foreach(list, i, fam) {
        json_array_foreach(json_object_get(fam, "members"), j, mem) {
            int64_t person = json_integer_value(json_object_get(mem, "person_id"));
            json_t *c = card(req, NULL, person, "identification", NULL, err);
            if (!c || identification_evidence_read(req, person, json_object_get(mem, "evidence"), err)) {
                json_decref(c);
                json_decref(list);
                return err->code;
            }
            json_object_set_new(mem, "person", c);
        }
    }
    *out = list;
    return 0;
}

int api_identification_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out;
    if (http_body_json(req, &body, &err) || api_identification_decide_do(req, req->ids[0], body, &out, &err))
        return http_reply_error(req, &err);
    return reply(req, 201, out);
}

int api_identification_decide_do(http_req *req, int64_t family, json_t *body, json_t **out, core_error *errp)
{
    core_error err;
    core_error_clear(&err);
    *out = NULL;
    const char *decision, *reason;
    int exists = 0;
    if (api_body_only(body, "decision,reason", &err) ||
        api_body_code(req, body, "decision", "identification_decision", &decision, &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &reason, &err) ||
        model_family_exists(req->db, &req->arena, family, &exists, &err))
        return *errp = err, err.code;
    if (!exists) {
        core_error_set(&err, CORE_E_NOT_FOUND, "no family with id %" PRId64, family);
        return *errp = err, err.code;
    }
    /* the headlines the list shows for the family now, kept with the decision */
    json_t *list, *headlines = NULL;
    if (pindex_identify(req->db, 1, &list, &err))
        return *errp = err, err.code;
    size_t i;
    json_t *fam;
    json_array_foreach(list, i, fam) if (json_integer_value(json_object_get(fam, "family_id")) == family) headlines =
        json_incref(json_object_get(fam, "headlines"));
    json_decref(list);
    if (!headlines)
        headlines = json_array();
    char *htext = json_dumps(headlines, JSON_COMPACT);
    char now[24];
    model_now(now);
    int64_t id = 0;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"family\":%" PRId64 "}", family);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = pindex_identification_record(req->db, &req->arena, family, decision, reason, htext, now,
                                          req->who.user_id, &id, &err);
    if (rc == 0) /* in the write's transaction (finding 17) */
        rc = http_audit_write(req, "create", "family_identification", id, detail, &err);
    rc = rc == 0 ? store_commit(req->db, &err) : (store_rollback(req->db), rc);
    if (rc)
        store_rollback(req->db); /* a failed commit leaves the transaction open */
    free(htext);
    if (rc) {
        json_decref(headlines);
        return *errp = err, err.code;
    }
    *out = json_pack("{s:I,s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)id, "family_id", (json_int_t)family, "decision",
                     decision, "reason", reason, "headlines", headlines, "decided_at", now);
    return 0;
}

int api_identification_indicators(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *list;
    if (pindex_indicators_list(req->db, &list, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, json_pack("{s:o}", "items", list));
}
