/*
 * gov_dispose.c — disposal: a record's personal data removed everywhere it lives, and a minimal disposal
 * record kept (contract in gov.h; docs/retention.md "Disposal", docs/requests.md "Erasure").
 *
 * Reading guide: one list of statements per kind of record, children before parents, each a pair — the
 * earlier versions of the rows (row_history) first, then the rows — so nothing a record held survives in its
 * history. Then what follows from a disposal: a family left with nothing goes too, and so does a person left
 * on no record at all. Last, the disposal record.
 *
 * What goes, per kind (every statement takes $1 = the record's id):
 *   episode  its Team Around the Family, assessments with their areas and needs, plans with goals and
 *            actions, reviews, activities, case notes, the episode
 *   contact  its children rows and calls (a referral made from it keeps the referral, without the link), the
 *            contact
 *   family   every episode and contact of the family as above, its referrals, consents, sharing bases,
 *            identification decisions, emergency and governance grants on it, its memberships, the family
 *   person   (erasure) their addresses, contact details, former names, memberships, the contacts' rows naming
 *            them, needs and activities recorded for them, consents for them (and their name as a consent's
 *            giver), partners' rows linked to them, review-queue pairs and merges of theirs, breach links,
 *            grants on them, their requests, the person
 * What stays: the audit trail, append-only, keeps its entries; they name records by id, which now lead only to
 * the disposal record. Free text elsewhere that mentions the person cannot be found by a program: the
 * certificate says so.
 */
#include "gov/gov.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/core_clock.h"
#include "model/model.h"

/* One table's rows to remove: `where` selects them (with $1); the statements are put together at compile
 * time from these constants, the earlier versions (row_history) first, then the rows. */
typedef struct cut {
    const char *table;
    const char *history_sql;
    const char *rows_sql;
} cut;

#define CUT(table, where)                                                                                      \
    {table, "DELETE FROM row_history WHERE table_name = '" table "' AND row_id IN (SELECT id FROM " table      \
            " WHERE " where ")",                                                                              \
     "DELETE FROM " table " WHERE " where}
#define CUT_NO_HISTORY(table, where) {table, NULL, "DELETE FROM " table " WHERE " where}
#define CUT_END {NULL, NULL, NULL}

#define EP_OF_FAMILY "(SELECT id FROM episode WHERE family_id = $1)"
#define CON_OF_FAMILY "(SELECT id FROM contact WHERE family_id = $1)"

static const cut EPISODE[] = {
    CUT("assessment_need", "assessment_id IN (SELECT id FROM assessment WHERE episode_id = $1)"),
    CUT("assessment_area", "assessment_id IN (SELECT id FROM assessment WHERE episode_id = $1)"),
    CUT("assessment", "episode_id = $1"),
    CUT("plan_action", "plan_id IN (SELECT id FROM plan WHERE episode_id = $1)"),
    CUT("plan_goal", "plan_id IN (SELECT id FROM plan WHERE episode_id = $1)"),
    CUT("plan", "episode_id = $1"),
    CUT("review", "episode_id = $1"),
    CUT("activity", "episode_id = $1"),
    CUT("case_note", "episode_id = $1"),
    CUT("supervision", "episode_id = $1"),
    CUT("episode_member", "episode_id = $1"),
    CUT_NO_HISTORY("episode_seen", "episode_id = $1"),
    CUT("episode", "id = $1"),
    CUT_END,
};

static const cut CONTACT[] = {
    CUT("contact_child", "contact_id = $1"),
    CUT("phone_call", "contact_id = $1"),
    CUT("contact", "id = $1"),
    CUT_END,
};

static const cut FAMILY[] = {
    CUT("assessment_need", "assessment_id IN (SELECT id FROM assessment WHERE episode_id IN " EP_OF_FAMILY ")"),
    CUT("assessment_area", "assessment_id IN (SELECT id FROM assessment WHERE episode_id IN " EP_OF_FAMILY ")"),
    CUT("assessment", "episode_id IN " EP_OF_FAMILY),
    CUT("plan_action", "plan_id IN (SELECT id FROM plan WHERE episode_id IN " EP_OF_FAMILY ")"),
    CUT("plan_goal", "plan_id IN (SELECT id FROM plan WHERE episode_id IN " EP_OF_FAMILY ")"),
    CUT("plan", "episode_id IN " EP_OF_FAMILY),
    CUT("review", "episode_id IN " EP_OF_FAMILY),
    CUT("activity", "episode_id IN " EP_OF_FAMILY),
    CUT("case_note", "episode_id IN " EP_OF_FAMILY),
    CUT("supervision", "episode_id IN " EP_OF_FAMILY),
    CUT("episode_member", "episode_id IN " EP_OF_FAMILY),
    CUT_NO_HISTORY("episode_seen", "episode_id IN " EP_OF_FAMILY),
    CUT("episode", "family_id = $1"),
    CUT("consent", "family_id = $1"),
    CUT("sharing_basis", "family_id = $1"),
    CUT("family_identification", "family_id = $1"),
    CUT("access_grant", "family_id = $1"),
    CUT("referral", "family_id = $1"),
    CUT("contact_child", "contact_id IN " CON_OF_FAMILY),
    CUT("phone_call", "contact_id IN " CON_OF_FAMILY),
    CUT("contact", "family_id = $1"),
    CUT("family_member", "family_id = $1"),
    CUT("family", "id = $1"),
    CUT_END,
};

static const cut PERSON[] = {
    CUT("person_address", "person_id = $1"),
    CUT("person_contact_detail", "person_id = $1"),
    CUT("person_former_name", "person_id = $1"),
    CUT("family_member", "person_id = $1"),
    CUT("contact_child", "person_id = $1"),
    CUT("assessment_need", "person_id = $1"),
    CUT("activity", "person_id = $1"),
    CUT("consent", "person_id = $1"),
    CUT("person_merge", "survivor_id = $1 OR merged_id = $1"),
    CUT("match_pair", "person_id = $1 OR other_person_id = $1 OR partner_record_id IN "
                      "(SELECT id FROM partner_record WHERE person_id = $1)"),
    CUT("partner_record", "person_id = $1"),
    CUT_NO_HISTORY("breach_person", "person_id = $1"),
    CUT("access_grant", "person_id = $1"),
    CUT("subject_request_event", "request_id IN (SELECT id FROM subject_request WHERE person_id = $1)"),
    CUT("subject_request", "person_id = $1"),
    CUT("person", "id = $1"),
    CUT_END,
};

/* Links that outlive what they point at, cleared before a disposal (each takes $1). */
static const char *const UNLINK_CONTACT[] = {
    "UPDATE referral SET contact_id = NULL WHERE contact_id = $1",
    NULL,
};
static const char *const UNLINK_FAMILY[] = {
    "UPDATE referral SET contact_id = NULL WHERE contact_id IN " CON_OF_FAMILY,
    NULL,
};
static const char *const UNLINK_PERSON[] = {
    "UPDATE consent SET given_by_id = NULL, given_by_name = NULL WHERE given_by_id = $1",
    "UPDATE match_pair SET merge_id = NULL WHERE merge_id IN (SELECT id FROM person_merge WHERE survivor_id = $1 "
    "OR merged_id = $1)",
    NULL,
};

/* People tied to a record, read before it goes: they may be left on no record afterwards. */
static const char SQL_PEOPLE_OF_FAMILY[] =
    "SELECT person_id FROM family_member WHERE family_id = $1\n"
    "UNION SELECT cc.person_id FROM contact_child cc JOIN contact c ON c.id = cc.contact_id WHERE c.family_id = $1";
static const char SQL_PEOPLE_OF_CONTACT[] =
    "SELECT person_id FROM contact_child WHERE contact_id = $1";
static const char SQL_FAMILY_OF_EPISODE[] = "SELECT family_id FROM episode WHERE id = $1";
static const char SQL_FAMILY_OF_CONTACT[] = "SELECT family_id FROM contact WHERE id = $1 AND family_id IS NOT NULL";

/* A family with nothing left to keep: no episode, contact, referral or consent. */
static const char SQL_FAMILY_EMPTY[] =
    "SELECT (SELECT count(*) FROM episode WHERE family_id = $1) + (SELECT count(*) FROM contact WHERE family_id = $1)\n"
    "     + (SELECT count(*) FROM referral WHERE family_id = $1) + (SELECT count(*) FROM consent WHERE family_id = $1)";

/* A person on no record: no family, no contact naming them, no request open about them. */
static const char SQL_PERSON_ORPHANED[] =
    "SELECT (SELECT count(*) FROM family_member WHERE person_id = $1)\n"
    "     + (SELECT count(*) FROM contact_child WHERE person_id = $1)\n"
    "     + (SELECT count(*) FROM subject_request WHERE person_id = $1 AND state IN ('open', 'paused'))";

static const char SQL_EXISTS_EPISODE[] = "SELECT count(*) FROM episode WHERE id = $1";
static const char SQL_EXISTS_CONTACT[] = "SELECT count(*) FROM contact WHERE id = $1";
static const char SQL_EXISTS_FAMILY[] = "SELECT count(*) FROM family WHERE id = $1";
static const char SQL_EXISTS_PERSON[] = "SELECT count(*) FROM person WHERE id = $1";

static const char SQL_DISPOSAL_INSERT[] =
    "INSERT INTO disposal (kind, record_table, record_id, record_class, reason, plan_id, request_id, approved_by,\n"
    "                      rows_removed, disposed_at, disposed_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)\n"
    "RETURNING id";

enum { FOLLOW_MAX = 4096 };

static int exec_count(store *s, core_arena *a, const char *sql, int64_t id, int64_t *changed, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    return store_exec(s, a, sql, p, 1, changed, err);
}

/* Remove the rows of each cut (history first), counting per table into counts. */
static int cut_all(store *s, core_arena *a, const char *const *unlink, const cut *cuts, int64_t id, json_t *counts,
                   core_error *err)
{
    int rc = 0;
    for (const char *const *u = unlink; rc == 0 && u && *u; u++)
        rc = exec_count(s, a, *u, id, NULL, err);
    for (const cut *c = cuts; rc == 0 && c->table; c++) {
        int64_t h = 0, n = 0;
        if ((c->history_sql && (rc = exec_count(s, a, c->history_sql, id, &h, err))) ||
            (rc = exec_count(s, a, c->rows_sql, id, &n, err)))
            break;
        if (n) {
            json_int_t was = json_integer_value(json_object_get(counts, c->table));
            json_object_set_new(counts, c->table, json_integer(was + n));
        }
        if (h) {
            json_int_t was = json_integer_value(json_object_get(counts, "row_history"));
            json_object_set_new(counts, "row_history", json_integer(was + h));
        }
    }
    return rc;
}

/* The ids sql gives for $1, appended to ids (at most cap in all). */
static int ids_of(store *s, core_arena *a, const char *sql, int64_t id, int64_t *ids, size_t cap, size_t *n,
                  core_error *err)
{
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, sql, p, 1, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1)
        if (*n < cap && store_col_type(st, 0) != STORE_NULL)
            ids[(*n)++] = store_col_int(st, 0);
    return rc < 0 ? rc : 0;
}

static int count_of(store *s, core_arena *a, const char *sql, int64_t id, int64_t *out, core_error *err)
{
    store_value p[] = {store_v_int(id)};
    return store_query_int(s, a, sql, p, 1, out, err);
}

/* Records merged into a person are the same person's: they go with them (a merge chain is short). */
static const char SQL_MERGED_INTO[] = "SELECT id FROM person WHERE merged_into = $1";

enum { MERGED_MAX = 64, MERGE_DEPTH = 8 };

static int dispose_person_depth(store *s, core_arena *a, int64_t person, json_t *counts, int depth, core_error *err)
{
    int64_t merged[MERGED_MAX];
    size_t n = 0;
    int rc = ids_of(s, a, SQL_MERGED_INTO, person, merged, MERGED_MAX, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = depth < MERGE_DEPTH ? dispose_person_depth(s, a, merged[i], counts, depth + 1, err)
                                 : core_error_set(err, CORE_E_CONFLICT, "a chain of merges deeper than %d",
                                                  MERGE_DEPTH);
    return rc ? rc : cut_all(s, a, UNLINK_PERSON, PERSON, person, counts, err);
}

static int dispose_person(store *s, core_arena *a, int64_t person, json_t *counts, core_error *err)
{
    return dispose_person_depth(s, a, person, counts, 0, err);
}

/* People in people[0..n) now on no record go too. */
static int orphans(store *s, core_arena *a, const int64_t *people, size_t n, json_t *counts, core_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int64_t left = 0, exists = 0;
        int rc = count_of(s, a, SQL_EXISTS_PERSON, people[i], &exists, err);
        if (rc == 0 && exists)
            rc = count_of(s, a, SQL_PERSON_ORPHANED, people[i], &left, err);
        if (rc == 0 && exists && left == 0)
            rc = dispose_person(s, a, people[i], counts, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int dispose_family(store *s, core_arena *a, int64_t family, json_t *counts, core_error *err)
{
    int64_t *people = core_arena_alloc(a, FOLLOW_MAX * sizeof(*people));
    size_t n = 0;
    int rc = ids_of(s, a, SQL_PEOPLE_OF_FAMILY, family, people, FOLLOW_MAX, &n, err);
    if (rc == 0)
        rc = cut_all(s, a, UNLINK_FAMILY, FAMILY, family, counts, err);
    return rc ? rc : orphans(s, a, people, n, counts, err);
}

/* After an episode or contact: its family goes too when nothing is left in it. */
static int family_if_empty(store *s, core_arena *a, int64_t family, json_t *counts, core_error *err)
{
    int64_t left = 0, exists = 0;
    int rc = count_of(s, a, SQL_EXISTS_FAMILY, family, &exists, err);
    if (rc == 0 && exists)
        rc = count_of(s, a, SQL_FAMILY_EMPTY, family, &left, err);
    if (rc == 0 && exists && left == 0)
        rc = dispose_family(s, a, family, counts, err);
    return rc;
}

int gov_dispose(store *s, core_arena *a, const gov_disposal *d, int64_t user_id, gov_disposal_result *out,
                core_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *t = d->record_table;
    const char *exists_sql = !t                            ? NULL
                             : strcmp(t, "episode") == 0 ? SQL_EXISTS_EPISODE
                             : strcmp(t, "contact") == 0 ? SQL_EXISTS_CONTACT
                             : strcmp(t, "family") == 0  ? SQL_EXISTS_FAMILY
                             : strcmp(t, "person") == 0  ? SQL_EXISTS_PERSON
                                                         : NULL;
    if (!exists_sql)
        return core_error_set(err, CORE_E_INVALID_VALUE, "records of kind %s are not disposed of",
                              t ? t : "(none)");
    int64_t exists = 0;
    int rc = count_of(s, a, exists_sql, d->record_id, &exists, err);
    if (rc)
        return rc;
    if (!exists)
        return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %" PRId64 " (disposed of already?)", t,
                              d->record_id);
    json_t *counts = json_object();
    int64_t *people = core_arena_alloc(a, FOLLOW_MAX * sizeof(*people)), family = 0;
    size_t n = 0, nf = 0;
    if (strcmp(t, "episode") == 0) {
        rc = ids_of(s, a, SQL_FAMILY_OF_EPISODE, d->record_id, &family, 1, &nf, err);
        if (rc == 0)
            rc = cut_all(s, a, NULL, EPISODE, d->record_id, counts, err);
        if (rc == 0 && nf)
            rc = family_if_empty(s, a, family, counts, err);
    } else if (strcmp(t, "contact") == 0) {
        rc = ids_of(s, a, SQL_PEOPLE_OF_CONTACT, d->record_id, people, FOLLOW_MAX, &n, err);
        if (rc == 0)
            rc = ids_of(s, a, SQL_FAMILY_OF_CONTACT, d->record_id, &family, 1, &nf, err);
        if (rc == 0)
            rc = cut_all(s, a, UNLINK_CONTACT, CONTACT, d->record_id, counts, err);
        if (rc == 0 && nf)
            rc = family_if_empty(s, a, family, counts, err);
        if (rc == 0)
            rc = orphans(s, a, people, n, counts, err);
    } else if (strcmp(t, "family") == 0) {
        rc = dispose_family(s, a, d->record_id, counts, err);
    } else {
        rc = dispose_person(s, a, d->record_id, counts, err);
    }
    if (rc) {
        json_decref(counts);
        return rc;
    }
    const char *k;
    json_t *v;
    json_object_foreach(counts, k, v) out->rows += json_integer_value(v);
    char *cj = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(counts);
    char now[24];
    model_now(now);
    store_value p[] = {store_v_text(d->kind),
                       store_v_text(t),
                       store_v_int(d->record_id),
                       d->record_class ? store_v_text(d->record_class) : store_v_null(),
                       d->reason ? store_v_text(d->reason) : store_v_null(),
                       d->plan_id ? store_v_int(d->plan_id) : store_v_null(),
                       d->request_id ? store_v_int(d->request_id) : store_v_null(),
                       d->approved_by ? store_v_int(d->approved_by) : store_v_null(),
                       store_v_text(cj ? cj : "{}"),
                       store_v_text(now),
                       user_id ? store_v_int(user_id) : store_v_null()};
    rc = store_query_int(s, a, SQL_DISPOSAL_INSERT, p, 11, &out->disposal_id, err);
    out->counts = cj ? core_arena_strdup(a, cj) : "{}";
    free(cj);
    if (rc == 0)
        snprintf(out->reference, sizeof out->reference, "D-%06" PRId64, out->disposal_id);
    return rc;
}

/* ---- the disposal record and its certificate ---- */

static const char SQL_DISPOSAL_ONE[] =
    "SELECT d.id, d.kind, d.record_table, d.record_id, d.record_class, d.reason, d.plan_id, d.request_id,\n"
    "       d.approved_by, u.username, d.rows_removed, d.disposed_at, d.disposed_by\n"
    "  FROM disposal d\n"
    "  LEFT JOIN app_user u ON u.id = d.approved_by\n"
    " WHERE d.id = $1";

static const char SQL_DISPOSAL_IDS[] =
    "SELECT id\n"
    "  FROM disposal\n"
    " WHERE id < $1\n"
    " ORDER BY id DESC\n"
    " LIMIT $2";

static const char CERTIFICATE[] =
    "The personal data of this record, everything recorded under it and their earlier versions were removed from "
    "Hearth's database on the date shown. The audit trail, which cannot be altered, keeps its entries about the "
    "record; they name it only by its id, which now leads to this disposal record alone. Free text in other "
    "records that may mention the person cannot be found by a program and is not covered by this certificate.";

int gov_disposal_get(store *s, core_arena *a, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_DISPOSAL_ONE, p, 1, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no disposal with id %" PRId64, id);
    size_t len = 0;
    const char *counts = store_col_text(st, 10, &len);
    json_t *rows = counts ? json_loadb(counts, len, 0, NULL) : NULL;
    char ref[24];
    snprintf(ref, sizeof ref, "D-%06" PRId64, store_col_int(st, 0));
#define TEXT_OR_NULL(i) (store_col_type(st, i) == STORE_NULL ? json_null() : json_string(store_col_text(st, i, NULL)))
#define INT_OR_NULL(i) (store_col_type(st, i) == STORE_NULL ? json_null() : json_integer(store_col_int(st, i)))
    *out = json_pack("{s:I,s:s,s:s,s:{s:s,s:I},s:o,s:o,s:o,s:o,s:{s:o,s:o},s:o,s:s,s:o,s:s}", "id",
                     (json_int_t)store_col_int(st, 0), "reference", ref, "kind", store_col_text(st, 1, NULL),
                     "record", "table", store_col_text(st, 2, NULL), "id", (json_int_t)store_col_int(st, 3),
                     "record_class", TEXT_OR_NULL(4), "reason", TEXT_OR_NULL(5), "plan_id", INT_OR_NULL(6),
                     "request_id", INT_OR_NULL(7), "approved_by", "user_id", INT_OR_NULL(8), "username",
                     TEXT_OR_NULL(9), "rows_removed", rows ? rows : json_object(), "disposed_at",
                     store_col_text(st, 11, NULL), "disposed_by", INT_OR_NULL(12), "certificate", CERTIFICATE);
#undef TEXT_OR_NULL
#undef INT_OR_NULL
    store_done(st);
    return *out ? 0 : core_error_set(err, CORE_E_INTERNAL, "cannot write the disposal record");
}

int gov_disposal_list(store *s, core_arena *a, int64_t before, int64_t limit, json_t **out, int64_t *next,
                      core_error *err)
{
    *out = NULL;
    *next = 0;
    store_value p[] = {store_v_int(before > 0 ? before : INT64_MAX), store_v_int(limit + 1)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_DISPOSAL_IDS, p, 2, &st, err);
    if (rc)
        return rc;
    int64_t *ids = core_arena_alloc(a, (size_t)(limit + 1) * sizeof(*ids));
    int64_t n = 0;
    while ((rc = store_next(st, err)) == 1)
        ids[n++] = store_col_int(st, 0);
    if (rc < 0)
        return rc;
    json_t *items = json_array();
    for (int64_t i = 0; i < n && i < limit; i++) {
        json_t *d;
        if ((rc = gov_disposal_get(s, a, ids[i], &d, err))) {
            json_decref(items);
            return rc;
        }
        json_array_append_new(items, d);
    }
    if (n > limit)
        *next = ids[limit - 1];
    *out = items;
    return 0;
}

/* ---- archiving ---- */

static const char SQL_ARCHIVE_EPISODE[] = "UPDATE episode SET archived_on = $2 WHERE id = $1 AND archived_on IS NULL";
static const char SQL_ARCHIVE_CONTACT[] = "UPDATE contact SET archived_on = $2 WHERE id = $1 AND archived_on IS NULL";
static const char SQL_ARCHIVE_FAMILY[] = "UPDATE family SET archived_on = $2 WHERE id = $1 AND archived_on IS NULL";

int gov_archive(store *s, core_arena *a, const char *table, int64_t id, int *archived, core_error *err)
{
    *archived = 0;
    const char *sql = strcmp(table, "episode") == 0   ? SQL_ARCHIVE_EPISODE
                      : strcmp(table, "contact") == 0 ? SQL_ARCHIVE_CONTACT
                      : strcmp(table, "family") == 0  ? SQL_ARCHIVE_FAMILY
                                                      : NULL;
    if (!sql)
        return core_error_set(err, CORE_E_INVALID_VALUE, "records of kind %s are not archived", table);
    char today[11];
    core_clock_today(today);
    int64_t changed = 0;
    store_value p[] = {store_v_int(id), store_v_text(today)};
    int rc = store_exec(s, a, sql, p, 2, &changed, err);
    *archived = changed == 1;
    return rc;
}
