/*
 * gov_report.c — the access report: who has looked at a person's records, when, and on what footing (contract
 * in gov.h). BRIEF section 3: "A person's access report answers 'who has looked at my record'". It covers the
 * person, the records that are theirs alone (former names, addresses, contact details), their families'
 * records, the contacts that name them, their data-subject requests, and the partners' rows, review-queue
 * pairs and merges the person index holds about them (SQL_ACCESS_REPORT says which). Each entry says what the
 * record was read through ("via": partner_records, identification, match_review, match; null when the read
 * was of the record itself) and the footing the access decision recorded: {"basis": "taf", "family": 12},
 * {"basis": "break_glass", "grant": 3, "reason": "court_order"}, {"basis": "person_index"} for a search
 * result; null for entries that record none (sign-ins, reports). The statements name audit_event unqualified:
 * on SQLite it is found in the trail the server and the CLI attach to every store handle as schema "trail"
 * (audit.h), on PostgreSQL it is a table of the database itself (store/migrations/pg/0005_audit.sql).
 */
#include "gov/gov.h"
#include "model/model_data.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Audit entries about a person's records, oldest first, after a cursor: the person and the records that are
 * theirs alone (names, addresses, contact details), the records of every family they are a member of (the
 * family, its members, referrals, consents, sharing bases, episodes and everything under them: the Team
 * Around the Family, assessments with their areas and needs, plans with goals and actions, reviews,
 * activities, case notes), the front-door contacts that name them or their families with their calls, and
 * what the person index holds about them: partners' rows linked to them, paired with them in the review queue
 * (so a row read there, or unlinked since, still counts) or moved by a merge of theirs, the pairs they are a
 * side of and their merges. One indexed probe of the trail per kind of record (audit_event_target). */
static const char SQL_ACCESS_REPORT[] =
    "WITH fam(id) AS (SELECT family_id FROM family_member WHERE person_id = $1),\n"
    "     ep(id) AS (SELECT id FROM episode WHERE family_id IN (SELECT id FROM fam)),\n"
    "     asm(id) AS (SELECT id FROM assessment WHERE episode_id IN (SELECT id FROM ep)),\n"
    "     pl(id) AS (SELECT id FROM plan WHERE episode_id IN (SELECT id FROM ep)),\n"
    "     con(id) AS (SELECT contact_id FROM contact_child WHERE person_id = $1\n"
    "                 UNION SELECT id FROM contact WHERE family_id IN (SELECT id FROM fam)),\n"
    "     hit(table_name, id) AS (\n"
    "       SELECT 'person', $1\n"
    "       UNION ALL SELECT 'person_address', id FROM person_address WHERE person_id = $1\n"
    "       UNION ALL SELECT 'person_former_name', id FROM person_former_name WHERE person_id = $1\n"
    "       UNION ALL SELECT 'person_contact_detail', id FROM person_contact_detail WHERE person_id = $1\n"
    "       UNION ALL SELECT 'family', id FROM fam\n"
    "       UNION ALL SELECT 'family_member', id FROM family_member WHERE family_id IN (SELECT id FROM fam)\n"
    "       UNION ALL SELECT 'referral', id FROM referral WHERE family_id IN (SELECT id FROM fam)\n"
    "       UNION ALL SELECT 'consent', id FROM consent WHERE family_id IN (SELECT id FROM fam)\n"
    "       UNION ALL SELECT 'sharing_basis', id FROM sharing_basis WHERE family_id IN (SELECT id FROM fam)\n"
    "       UNION ALL SELECT 'episode', id FROM ep\n"
    "       UNION ALL SELECT 'episode_member', id FROM episode_member WHERE episode_id IN (SELECT id FROM ep)\n"
    "       UNION ALL SELECT 'assessment', id FROM asm\n"
    "       UNION ALL SELECT 'assessment_area', id FROM assessment_area WHERE assessment_id IN (SELECT id FROM asm)\n"
    "       UNION ALL SELECT 'assessment_need', id FROM assessment_need WHERE assessment_id IN (SELECT id FROM asm)\n"
    "       UNION ALL SELECT 'plan', id FROM pl\n"
    "       UNION ALL SELECT 'plan_goal', id FROM plan_goal WHERE plan_id IN (SELECT id FROM pl)\n"
    "       UNION ALL SELECT 'plan_action', id FROM plan_action WHERE plan_id IN (SELECT id FROM pl)\n"
    "       UNION ALL SELECT 'review', id FROM review WHERE episode_id IN (SELECT id FROM ep)\n"
    "       UNION ALL SELECT 'activity', id FROM activity WHERE episode_id IN (SELECT id FROM ep)\n"
    "       UNION ALL SELECT 'case_note', id FROM case_note WHERE episode_id IN (SELECT id FROM ep)\n"
    "       UNION ALL SELECT 'contact', id FROM con\n"
    "       UNION ALL SELECT 'contact_child', id FROM contact_child WHERE contact_id IN (SELECT id FROM con)\n"
    "       UNION ALL SELECT 'phone_call', id FROM phone_call WHERE contact_id IN (SELECT id FROM con)\n"
    "       UNION ALL SELECT 'subject_request', id FROM subject_request WHERE person_id = $1\n"
    "       UNION ALL SELECT 'breach', breach_id FROM breach_person WHERE person_id = $1\n"
    "       UNION ALL SELECT 'disclosure', id FROM disclosure WHERE person_id = $1\n"
    "       UNION ALL SELECT 'partner_record', id FROM (\n"
    "                   SELECT id FROM partner_record WHERE person_id = $1\n"
    "                   UNION SELECT partner_record_id FROM match_pair\n"
    "                          WHERE person_id = $1 AND partner_record_id IS NOT NULL\n"
    "                   UNION SELECT id FROM ID_LIST($4)) AS partner_rows\n"
    "       UNION ALL SELECT 'match_pair', id FROM match_pair WHERE person_id = $1\n"
    "       UNION ALL SELECT 'match_pair', id FROM match_pair WHERE other_person_id = $1\n"
    "       UNION ALL SELECT 'person_merge', id FROM person_merge WHERE survivor_id = $1 OR merged_id = $1)\n"
    "SELECT e.seq, e.at, e.actor_user_id, u.username, u.display_name, e.actor_role, e.action,\n"
    "       e.target_table, e.target_id, e.detail\n"
    "  FROM hit h\n"
    "  JOIN audit_event e ON e.target_table = h.table_name AND e.target_id = h.id\n"
    "  LEFT JOIN app_user u ON u.id = e.actor_user_id\n"
    " WHERE e.seq > $2\n"
    " ORDER BY e.seq\n"
    " LIMIT $3";

/* What the person's merges moved: each a JSON array of [table, row id] (pindex_merge.c). The partner rows
 * among them are bound to SQL_ACCESS_REPORT as $4, a JSON array of ids. */
static const char SQL_MERGES_MOVED[] =
    "SELECT moved\n"
    "  FROM person_merge\n"
    " WHERE merged_id = $1 OR survivor_id = $1";

/* The partner_record ids the person's merges moved, as a JSON array (in a); NULL with err set on failure. */
static const char *merged_partner_rows(store *s, core_arena *a, int64_t person, core_error *err)
{
    store_value p[] = {store_v_int(person)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_MERGES_MOVED, p, 1, &st, err);
    json_t *ids = json_array();
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        json_t *moved = json_loads(store_col_text(st, 0, NULL), 0, NULL), *row;
        size_t i;
        json_array_foreach(moved, i, row) {
            const char *table = json_string_value(json_array_get(row, 0));
            if (table && strcmp(table, "partner_record") == 0 && json_is_integer(json_array_get(row, 1)))
                json_array_append(ids, json_array_get(row, 1));
        }
        json_decref(moved);
    }
    char *text = rc < 0 ? NULL : json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    const char *out = text ? core_arena_strdup(a, text) : NULL;
    free(text);
    return out;
}

/* Configuration entries of the trail, newest first, below a cursor, with the acting user where there is one.
 * Agency updates that did not change the type are left out by the caller (their detail has no "changes"). */
static const char SQL_CHANGES[] =
    "SELECT e.seq, e.at, e.actor_user_id, u.username, u.display_name, e.actor_role, e.action,\n"
    "       e.target_table, e.target_id, e.detail\n"
    "  FROM audit_event e\n"
    "  LEFT JOIN app_user u ON u.id = e.actor_user_id\n"
    " WHERE e.seq < $1\n"
    "   AND ((e.action = 'update' AND e.target_table IN ('setting', 'agency'))\n"
    "        OR e.action IN ('user_add', 'user_role', 'user_disable', 'user_enable', 'user_reset'))\n"
    " ORDER BY e.seq DESC";

int gov_config_changes(store *s, core_arena *a, int64_t before, int (*each)(json_t *entry, void *arg), void *arg,
                       core_error *err)
{
    store_value p[] = {store_v_int(before)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_CHANGES, p, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1)
        rc = each(model_row_json(st), arg) ? 1 : 0;
    store_done(st); /* stopped early: no read left open */
    return rc < 0 ? rc : 0;
}

static const char SQL_PERSON_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM person\n"
    " WHERE id = $1";

int gov_person_exists(store *s, core_arena *a, int64_t person, core_error *err)
{
    store_value pe[] = {store_v_int(person)};
    int64_t n = 0;
    int rc = store_query_int(s, a, SQL_PERSON_EXISTS, pe, 1, &n, err);
    if (rc)
        return rc;
    if (!n)
        return core_error_set(err, CORE_E_NOT_FOUND, "no people with id %" PRId64, person);
    return 0;
}

int gov_access_report(store *s, core_arena *a, int64_t person, int64_t after, int64_t limit, json_t **out,
                      int64_t *next_out, core_error *err)
{
    *out = NULL;
    *next_out = 0;
    const char *merged = merged_partner_rows(s, a, person, err);
    if (!merged)
        return err->code ? err->code : CORE_E_STORE;
    store_value p[] = {store_v_int(person), store_v_int(after), store_v_int(limit + 1), store_v_text(merged)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_ACCESS_REPORT, p, 4, &st, err);
    if (rc)
        return rc;
    json_t *items = json_array();
    int count = 0;
    int64_t next = 0, last = 0;
    while ((rc = store_next(st, err)) == 1) {
        if (count == limit) {
            next = last;
            break;
        }
        const char *detail = store_col_text(st, 9, NULL);
        json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
        /* The footing recorded with the access: its basis, and the grant and reason for a duty or break glass. */
        json_t *footing = json_null(), *via = json_null();
        if (d && json_is_string(json_object_get(d, "footing"))) {
            footing = json_pack("{s:O}", "basis", json_object_get(d, "footing"));
            static const char *const keys[] = {"family", "grant", "reason"};
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                if (json_object_get(d, keys[k]))
                    json_object_set(footing, keys[k], json_object_get(d, keys[k]));
        }
        /* What the record was read through: partner_records, identification, match_review, match, ... */
        if (d && json_is_string(json_object_get(d, "via")))
            via = json_incref(json_object_get(d, "via"));
        json_decref(d);
        const char *who = store_col_text(st, 3, NULL), *name = store_col_text(st, 4, NULL),
                   *role = store_col_text(st, 5, NULL);
        last = store_col_int(st, 0);
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:{s:o,s:o,s:o,s:o},s:s,s:s,s:I,s:o,s:o}", "seq", (json_int_t)last, "at",
                             store_col_text(st, 1, NULL), "by", "user_id",
                             store_col_type(st, 2) == STORE_NULL ? json_null() : json_integer(store_col_int(st, 2)),
                             "username", who ? json_string(who) : json_null(), "name",
                             name ? json_string(name) : json_null(), "role", role ? json_string(role) : json_null(),
                             "action", store_col_text(st, 6, NULL), "record", store_col_text(st, 7, NULL), "record_id",
                             (json_int_t)store_col_int(st, 8), "footing", footing, "via", via));
        count++;
    }
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = items;
    *next_out = next;
    return 0;
}

/* Earlier versions of the records that are the person's alone, oldest change first, with who changed them.
 * previous is the whole row as it stood before (model_crud.c writes it). */
static const char SQL_HISTORY[] =
    "WITH mine(table_name, id) AS (\n"
    "       SELECT 'person', $1\n"
    "       UNION ALL SELECT 'person_address', id FROM person_address WHERE person_id = $1\n"
    "       UNION ALL SELECT 'person_contact_detail', id FROM person_contact_detail WHERE person_id = $1\n"
    "       UNION ALL SELECT 'person_former_name', id FROM person_former_name WHERE person_id = $1)\n"
    "SELECT h.table_name, h.row_id, h.version, h.changed_at, h.changed_by, u.username, u.display_name, h.previous\n"
    "  FROM mine m\n"
    "  JOIN row_history h ON h.table_name = m.table_name AND h.row_id = m.id\n"
    "  LEFT JOIN app_user u ON u.id = h.changed_by\n"
    " ORDER BY h.changed_at, h.id";

static const char *const HIDDEN_KEYS[] = {"given_key", "family_key", NULL};

int gov_person_history(store *s, core_arena *a, int64_t person, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(person)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_HISTORY, p, 1, &st, err);
    if (rc)
        return rc;
    json_t *items = json_array();
    while ((rc = store_next(st, err)) == 1) {
        size_t len = 0;
        const char *prev = store_col_text(st, 7, &len);
        json_t *was = prev ? json_loadb(prev, len, 0, NULL) : NULL;
        for (const char *const *k = HIDDEN_KEYS; was && *k; k++)
            json_object_del(was, *k);
        const char *who = store_col_text(st, 5, NULL), *name = store_col_text(st, 6, NULL);
        json_array_append_new(
            items, json_pack("{s:s,s:I,s:I,s:s,s:{s:o,s:o,s:o},s:o}", "record", store_col_text(st, 0, NULL),
                             "record_id", (json_int_t)store_col_int(st, 1), "version", (json_int_t)store_col_int(st, 2),
                             "changed_at", store_col_text(st, 3, NULL), "changed_by", "user_id",
                             store_col_type(st, 4) == STORE_NULL ? json_null() : json_integer(store_col_int(st, 4)),
                             "username", who ? json_string(who) : json_null(), "name",
                             name ? json_string(name) : json_null(), "previous", was ? was : json_null()));
    }
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return 0;
}
