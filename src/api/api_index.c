/*
 * api_index.c — the person index over the API (src/pindex/): running the matching engine, the review queue
 * where people decide on what it suggests, merges and their undoing, the partner rows linked to a person, and
 * the family identification list.
 *
 *   POST  /api/v1/link-runs                  run the engine: {"dataset": NAME} against the index, or {} the
 *                                            index against itself (link.run: counts only, no one's details)
 *   GET   /api/v1/link-runs                  the runs so far
 *   GET   /api/v1/match-reviews              suggested pairs (?state=pending|linked|same|different|all,
 *                                            kind=index|dataset, after, limit), each side as an index card
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
 * Every person and partner row shown is recorded in the audit trail as read (through the index, the review
 * queue or the identification list); every decision, merge and undoing as a change with its reason.
 */
#include <inttypes.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "pindex/pindex.h"

enum { PAGE_DEFAULT = 50, PAGE_MAX = 500, REASON_MAX = 2000 };

static const char SQL_RUNS[] =
    "SELECT r.id, r.kind, d.name AS dataset, r.model_id, r.started_at, r.finished_at, r.people, r.records,\n"
    "       r.candidate_pairs, r.linked, r.queued, r.kept, r.created_by\n"
    "  FROM link_run r\n"
    "  LEFT JOIN partner_dataset d ON d.id = r.dataset_id\n"
    " WHERE r.id > $1\n"
    " ORDER BY r.id\n"
    " LIMIT $2";

/* Pairs whose people are not restricted (a person restricted since the run leaves the queue). */
static const char SQL_PAIRS[] =
    "SELECT m.id, m.kind, m.run_id, m.person_id, m.other_person_id, m.partner_record_id, m.match_weight,\n"
    "       m.probability, m.suggestion, m.state, m.evidence, m.decided_at, m.decided_by, m.reason, m.merge_id,\n"
    "       m.version\n"
    "  FROM match_pair m\n"
    "  JOIN person p ON p.id = m.person_id AND p.restricted = 0\n"
    "  LEFT JOIN person o ON o.id = m.other_person_id\n"
    " WHERE (o.id IS NULL OR o.restricted = 0)\n"
    "   AND ($1 = 'all' OR m.state = $1)\n"
    "   AND ($2 = '' OR m.kind = $2)\n"
    "   AND m.id > $3\n"
    "   AND ($5 = 0 OR m.id = $5)\n"
    " ORDER BY m.id\n"
    " LIMIT $4";

static const char SQL_CARD[] =
    "SELECT p.id, p.given_name, p.middle_names, p.family_name, p.preferred_name, p.date_of_birth,\n"
    "       p.expected_date, p.sex, p.merged_into,\n"
    "       (SELECT a.postcode FROM person_address a\n"
    "         WHERE a.person_id = p.id AND a.to_date IS NULL ORDER BY a.id DESC LIMIT 1) AS postcode\n"
    "  FROM person p\n"
    " WHERE p.id = $1 AND p.restricted = 0";

static const char SQL_PARTNER_ROW[] =
    "SELECT r.id, d.name AS dataset, r.row_key, r.given_name, r.family_name, r.date_of_birth, r.sex,\n"
    "       r.postcode, r.address, r.town, r.person_id\n"
    "  FROM partner_record r\n"
    "  JOIN partner_dataset d ON d.id = r.dataset_id\n"
    " WHERE r.id = $1";

static const char SQL_PERSON_ROWS[] =
    "SELECT r.id, d.name AS dataset, d.section, r.row_key, r.given_name, r.family_name, r.date_of_birth, r.sex,\n"
    "       r.postcode, r.address, r.town, r.email, r.nhs_number, r.nino, r.upn, r.attributes, r.updated_at\n"
    "  FROM partner_record r\n"
    "  JOIN partner_dataset d ON d.id = r.dataset_id\n"
    " WHERE r.person_id = $1\n"
    " ORDER BY d.name, r.id";

static const char SQL_MERGES[] =
    "SELECT id, survivor_id, merged_id, pair_id, reason, merged_at, merged_by, undone_at, undone_by, undo_reason,\n"
    "       json_array_length(moved) AS rows_moved\n"
    "  FROM person_merge\n"
    " WHERE id > $1\n"
    " ORDER BY id\n"
    " LIMIT $2";

static const char SQL_FAMILY_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM family\n"
    " WHERE id = $1";

static const char SQL_IDENTIFICATION_INSERT[] =
    "INSERT INTO family_identification (family_id, decision, reason, headlines, decided_at, decided_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6)";

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

/* Rows of a paged query (its last two parameters after and limit + 1) as {items, next}. */
static int paged(http_req *req, const char *sql, store_value *p, size_t n, int64_t limit, json_t **out,
                 core_error *err)
{
    store_stmt *st;
    int rc = store_query(req->db, &req->arena, sql, p, n, &st, err);
    if (rc)
        return rc;
    json_t *items = json_array();
    int64_t count = 0, last = 0, next = 0;
    while ((rc = store_next(st, err)) == 1) {
        if (count == limit) {
            next = last;
            while ((rc = store_next(st, err)) == 1) {
            }
            break;
        }
        last = store_col_int(st, 0);
        json_array_append_new(items, api_row_json(st));
        count++;
    }
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o,s:o}", "items", items, "next", next ? json_sprintf("%" PRId64, next) : json_null());
    return 0;
}

static int reply(http_req *req, int status, json_t *out)
{
    int rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

/* An index card of a person, recorded as read (via names the way it was shown); NULL (err set) when absent
 * or restricted. */
static json_t *card(http_req *req, int64_t id, const char *via, core_error *err)
{
    json_t *o = api_row_by_id(req, SQL_CARD, id, "person", err);
    char detail[96];
    snprintf(detail, sizeof detail, "{\"footing\":\"person_index\",\"via\":\"%s\"}", via);
    if (o && http_audit(req, "read", "person", id, detail, 0, err)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *partner_row(http_req *req, int64_t id, core_error *err)
{
    json_t *o = api_row_by_id(req, SQL_PARTNER_ROW, id, "partner row", err);
    if (o && http_audit(req, "read", "partner_record", id, "{\"via\":\"match_review\"}", 0, err)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A pair row made whole: the evidence parsed, each side shown. */
static int pair_sides(http_req *req, json_t *pair, core_error *err)
{
    json_t *ev = json_object_get(pair, "evidence");
    json_error_t je;
    json_t *parsed = json_is_string(ev) ? json_loads(json_string_value(ev), 0, &je) : NULL;
    json_object_set_new(pair, "evidence", parsed ? parsed : json_null());
    json_t *left = card(req, json_integer_value(json_object_get(pair, "person_id")), "match_review", err);
    if (!left)
        return err->code;
    json_object_set_new(pair, "person", left);
    json_t *other = json_object_get(pair, "other_person_id");
    json_t *right = json_is_integer(other) ? card(req, json_integer_value(other), "match_review", err)
                                           : partner_row(req, json_integer_value(json_object_get(pair,
                                                                                   "partner_record_id")), err);
    if (!right)
        return err->code;
    json_object_set_new(pair, json_is_integer(other) ? "other_person" : "partner_record", right);
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
    pindex_run_options o = {.dataset = dataset, .user_id = req->who.user_id};
    pindex_run_counts c;
    if (pindex_run(req->db, &o, &c, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:I,s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "id", (json_int_t)c.run_id, "kind",
                            dataset ? "dataset" : "index", "dataset", dataset, "model_id", (json_int_t)c.model_id,
                            "people", (json_int_t)c.people, "records", (json_int_t)c.records, "candidate_pairs",
                            (json_int_t)c.candidates, "linked", (json_int_t)c.linked, "queued",
                            (json_int_t)c.queued, "kept", (json_int_t)c.kept, "seconds", c.seconds);
    char *detail = json_dumps(out, JSON_COMPACT);
    int rc = http_audit(req, "link_run", "link_run", c.run_id, detail, 1, &err);
    free(detail);
    if (rc) {
        json_decref(out);
        return http_reply_error(req, &err);
    }
    return reply(req, 201, out);
}

int api_link_run_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t after, limit;
    json_t *out;
    if (page(req, &after, &limit, &err))
        return http_reply_error(req, &err);
    store_value p[] = {store_v_int(after), store_v_int(limit + 1)};
    if (paged(req, SQL_RUNS, p, 2, limit, &out, &err))
        return http_reply_error(req, &err);
    return reply(req, 200, out);
}

/* ---- the review queue ---- */

static int pairs_query(http_req *req, int64_t id, const char *state, const char *kind, int64_t after, int64_t limit,
                       json_t **out, core_error *err)
{
    store_value p[] = {store_v_text(state), store_v_text(kind), store_v_int(after), store_v_int(limit + 1),
                       store_v_int(id)};
    if (paged(req, SQL_PAIRS, p, 5, limit, out, err))
        return err->code;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(*out, "items"), i, it) {
        if (pair_sides(req, it, err)) {
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

int api_match_review_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    pindex_decision d = {.pair_id = req->ids[0], .user_id = req->who.user_id};
    if (http_body_json(req, &body, &err) || api_body_only(body, "decision,reason,keep", &err) ||
        api_body_text(body, "decision", 1, 1, 16, &d.decision, &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &d.reason, &err) || api_body_id(body, "keep", &d.keep, &err))
        return http_reply_error(req, &err);
    int64_t merge_id = 0;
    if (pindex_decide(req->db, &d, &merge_id, &err))
        return http_reply_error(req, &err);
    json_t *detail = json_pack("{s:s,s:o}", "decision", d.decision, "merge_id",
                               merge_id ? json_integer(merge_id) : json_null());
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    int rc = http_audit(req, "update", "match_pair", d.pair_id, text, 1, &err);
    free(text);
    if (rc == 0 && merge_id)
        rc = http_audit(req, "merge", "person_merge", merge_id, "{\"via\":\"match_review\"}", 1, &err);
    json_t *out;
    if (rc || pairs_query(req, d.pair_id, "all", "", 0, 1, &out, &err))
        return http_reply_error(req, &err);
    json_t *it = json_incref(json_array_get(json_object_get(out, "items"), 0));
    json_decref(out);
    return reply(req, 200, it ? it : json_object());
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
    if (pindex_merge(req->db, keep, merge, 0, reason, req->who.user_id, &id, &err) ||
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
    store_value p[] = {store_v_int(after), store_v_int(limit + 1)};
    if (paged(req, SQL_MERGES, p, 2, limit, &out, &err))
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
    store_value p[] = {store_v_int(req->ids[0])};
    store_stmt *st;
    if (store_query(req->db, &req->arena, SQL_PERSON_ROWS, p, 1, &st, &err))
        return http_reply_error(req, &err);
    json_t *items = json_array();
    int rc;
    while ((rc = store_next(st, &err)) == 1) {
        json_t *o = api_row_json(st);
        json_error_t je;
        json_t *attrs = json_loads(json_string_value(json_object_get(o, "attributes")), 0, &je);
        json_object_set_new(o, "attributes", attrs ? attrs : json_null());
        json_array_append_new(items, o);
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
    char footing[160];
    access_footing_json(&f, footing, sizeof footing);
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
    if (pindex_identify(req->db, (int)min, &list, &err))
        return http_reply_error(req, &err);
    size_t i, j;
    json_t *fam, *mem;
    json_array_foreach(list, i, fam) {
        json_array_foreach(json_object_get(fam, "members"), j, mem) {
            json_t *c = card(req, json_integer_value(json_object_get(mem, "person_id")), "identification", &err);
            if (!c) {
                json_decref(list);
                return http_reply_error(req, &err);
            }
            json_object_set_new(mem, "person", c);
        }
    }
    return reply(req, 200, json_pack("{s:I,s:o}", "min_headlines", (json_int_t)min, "items", list));
}

int api_identification_decide(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    const char *decision, *reason;
    int64_t family = req->ids[0], exists = 0;
    store_value q[] = {store_v_int(family)};
    if (http_body_json(req, &body, &err) || api_body_only(body, "decision,reason", &err) ||
        api_body_code(req, body, "decision", "identification_decision", &decision, &err) ||
        api_body_text(body, "reason", 1, 1, REASON_MAX, &reason, &err) ||
        store_query_int(req->db, &req->arena, SQL_FAMILY_EXISTS, q, 1, &exists, &err))
        return http_reply_error(req, &err);
    if (!exists) {
        core_error_set(&err, CORE_E_NOT_FOUND, "no family with id %" PRId64, family);
        return http_reply_error(req, &err);
    }
    /* the headlines the list shows for the family now, kept with the decision */
    json_t *list, *headlines = NULL;
    if (pindex_identify(req->db, 1, &list, &err))
        return http_reply_error(req, &err);
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
    store_value v[] = {store_v_int(family), store_v_text(decision), store_v_text(reason), store_v_text(htext),
                       store_v_text(now), store_v_int(req->who.user_id)};
    int64_t id = 0;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"family\":%" PRId64 "}", family);
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = store_exec(req->db, &req->arena, SQL_IDENTIFICATION_INSERT, v, 6, NULL, &err);
    if (rc == 0)
        rc = store_query_int(req->db, &req->arena, "SELECT last_insert_rowid()", NULL, 0, &id, &err);
    if (rc == 0) /* in the write's transaction (finding 17) */
        rc = http_audit_write(req, "create", "family_identification", id, detail, &err);
    rc = rc == 0 ? store_commit(req->db, &err) : (store_rollback(req->db), rc);
    if (rc)
        store_rollback(req->db); /* a failed commit leaves the transaction open */
    free(htext);
    if (rc) {
        json_decref(headlines);
        return http_reply_error(req, &err);
    }
    return reply(req, 201, json_pack("{s:I,s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)id, "family_id",
                                     (json_int_t)family, "decision", decision, "reason", reason, "headlines",
                                     headlines, "decided_at", now));
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
