/*
 * model_triage.c — what the front door may see of what a contact names, and the links governance reviews.
 *
 * A contact may name a family, or children, that Hearth already knows. Naming them does not open their
 * records (docs/access.md, "No footing from what you record yourself"); triage needs only their history:
 * who they are (the index card: names, date of birth or expected date, sex), the open episodes and who holds
 * them, and the earlier contacts and their decisions. model_triage_history() answers exactly that and no
 * more. model_linked_list() lists the links that named something already known (contacts naming a known
 * family, people added to a family or named on a contact after they were known), for governance to review.
 *
 * Restricted and merged people are never in either answer.
 */
#include <inttypes.h>
#include <string.h>

#include "model/model.h"

enum { HISTORY_MAX = 500 }; /* rows of one answer: the queries' own LIMITs are lower or equal */

/* The contact's family (0 when it names none). */
static const char SQL_CONTACT_FAMILY[] =
    "SELECT coalesce(family_id, 0)\n"
    "  FROM contact\n"
    " WHERE id = $1";

/* The families in question: the one the contact names, and those its children belong to. */
#define FAMILIES_IN_QUESTION                                                                                     \
    "SELECT $2 AS id\n"                                                                                        \
    " UNION\n"                                                                                                 \
    "SELECT m.family_id\n"                                                                                     \
    "  FROM family_member m\n"                                                                                 \
    "  JOIN contact_child cc ON cc.person_id = m.person_id\n"                                                 \
    " WHERE cc.contact_id = $1"

/* Index cards: the named family's members and the contact's children. */
static const char SQL_HISTORY_PEOPLE[] =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.expected_date, p.sex\n"
    "  FROM person p\n"
    " WHERE p.restricted = 0\n"
    "   AND p.merged_into IS NULL\n"
    "   AND (p.id IN (SELECT person_id FROM family_member WHERE family_id = $2)\n"
    "        OR p.id IN (SELECT person_id FROM contact_child WHERE contact_id = $1))\n"
    " ORDER BY p.id\n"
    " LIMIT 100";

/* Open episodes of the families in question, with the team and the lead. */
static const char SQL_HISTORY_EPISODES[] =
    "SELECT e.id, e.family_id, e.start_date, e.owning_team_id, t.name AS owning_team,\n"
    "       e.lead_user_id, u.display_name AS lead\n"
    "  FROM episode e\n"
    "  JOIN team t ON t.id = e.owning_team_id\n"
    "  LEFT JOIN app_user u ON u.id = e.lead_user_id\n"
    " WHERE e.end_date IS NULL\n"
    "   AND e.family_id IN (" FAMILIES_IN_QUESTION ")\n"
    " ORDER BY e.id\n"
    " LIMIT 100";

/* Earlier contacts about the families in question or the contact's children, newest first. */
static const char SQL_HISTORY_CONTACTS[] =
    "SELECT c.id, c.family_id, c.received_on, c.source_code, c.decision, c.decision_date\n"
    "  FROM contact c\n"
    " WHERE c.id <> $1\n"
    "   AND (c.family_id IN (" FAMILIES_IN_QUESTION ")\n"
    "        OR c.id IN (SELECT cc.contact_id\n"
    "                      FROM contact_child cc\n"
    "                     WHERE cc.person_id IN (SELECT person_id FROM contact_child WHERE contact_id = $1)))\n"
    " ORDER BY c.received_on DESC, c.id DESC\n"
    " LIMIT 100";

static void json_release(void *p)
{
    json_decref(p);
}

/* The rows sql gives as a JSON array of objects (column -> value). */
static int rows_json(model_ctx *ctx, const char *sql, const store_value *p, size_t n, json_t **out, core_error *err)
{
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, sql, p, n, &st, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    core_arena_on_release(ctx->arena, json_release, a);
    while ((rc = store_next(st, err)) == 1 && json_array_size(a) < HISTORY_MAX) {
        json_t *o = json_object();
        for (int i = 0; i < store_col_count(st); i++) {
            store_type t = store_col_type(st, i);
            json_object_set_new(o, store_col_name(st, i), t == STORE_NULL  ? json_null()
                                                          : t == STORE_INT ? json_integer(store_col_int(st, i))
                                                                           : json_string(store_col_text(st, i, NULL)));
        }
        json_array_append_new(a, o);
    }
    if (rc < 0)
        return rc;
    *out = a;
    return 0;
}

int model_triage_history(model_ctx *ctx, int64_t contact_id, json_t **out, core_error *err)
{
    store_value c[] = {store_v_int(contact_id)};
    int64_t family = 0;
    int rc = store_query_int(ctx->db, ctx->arena, SQL_CONTACT_FAMILY, c, 1, &family, err);
    if (rc)
        return rc;
    store_value p[] = {store_v_int(contact_id), family ? store_v_int(family) : store_v_null()};
    json_t *people, *episodes, *contacts;
    if ((rc = rows_json(ctx, SQL_HISTORY_PEOPLE, p, 2, &people, err)) ||
        (rc = rows_json(ctx, SQL_HISTORY_EPISODES, p, 2, &episodes, err)) ||
        (rc = rows_json(ctx, SQL_HISTORY_CONTACTS, p, 2, &contacts, err)))
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "contact_id", json_integer(contact_id));
    json_object_set_new(o, "family_id", family ? json_integer(family) : json_null());
    json_object_set(o, "people", people);
    json_object_set(o, "open_episodes", episodes);
    json_object_set(o, "earlier_contacts", contacts);
    core_arena_on_release(ctx->arena, json_release, o);
    *out = o;
    return 0;
}

/* The families a person is a current member of (archived families left out), each with its open episodes, the
 * team that owns each and its lead: one row per family and open episode (episode columns NULL when the family
 * has none). For "already known?": a second open episode must not be started by mistake. */
static const char SQL_PERSON_FAMILIES[] =
    "SELECT m.family_id, e.id AS episode_id, e.start_date, e.owning_team_id, t.name AS owning_team,\n"
    "       e.lead_user_id, u.display_name AS lead\n"
    "  FROM family_member m\n"
    "  JOIN family f ON f.id = m.family_id AND f.archived_on IS NULL\n"
    "  LEFT JOIN episode e ON e.family_id = m.family_id AND e.end_date IS NULL\n"
    "  LEFT JOIN team t ON t.id = e.owning_team_id\n"
    "  LEFT JOIN app_user u ON u.id = e.lead_user_id\n"
    " WHERE m.person_id = $1\n"
    "   AND (m.to_date IS NULL OR m.to_date >= $2)\n"
    " ORDER BY m.family_id, e.id\n"
    " LIMIT 50";

int model_triage_person_families(model_ctx *ctx, int64_t person_id, json_t **out, core_error *err)
{
    char day[11];
    memcpy(day, ctx->now, 10);
    day[10] = '\0';
    store_value p[] = {store_v_int(person_id), store_v_text(day)};
    json_t *rows;
    int rc = rows_json(ctx, SQL_PERSON_FAMILIES, p, 2, &rows, err);
    if (rc)
        return rc;
    json_t *fams = json_array();
    core_arena_on_release(ctx->arena, json_release, fams);
    json_t *cur = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_int_t fid = json_integer_value(json_object_get(r, "family_id"));
        if (!cur || json_integer_value(json_object_get(cur, "family_id")) != fid) {
            cur = json_pack("{s:I,s:[]}", "family_id", fid, "open_episodes");
            json_array_append_new(fams, cur);
        }
        if (json_is_integer(json_object_get(r, "episode_id"))) {
            json_t *e = json_deep_copy(r);
            json_object_del(e, "family_id");
            json_object_set_new(e, "id", json_incref(json_object_get(r, "episode_id")));
            json_object_del(e, "episode_id");
            json_array_append_new(json_object_get(cur, "open_episodes"), e);
        }
    }
    *out = fams;
    return 0;
}

/* What contact $1 carries of where the family lives, for "already known?" asked within it: the postcode the
 * caller gave (stored canonical), the school and the family it names. One row, or none. */
static const char SQL_CONTACT_EVIDENCE[] =
    "SELECT family_postcode, school, family_id\n"
    "  FROM contact\n"
    " WHERE id = $1";

int model_contact_evidence(model_ctx *ctx, int64_t contact_id, model_contact_ev *ev, core_error *err)
{
    memset(ev, 0, sizeof(*ev));
    store_value p[] = {store_v_int(contact_id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_CONTACT_EVIDENCE, p, 1, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) < 0)
        return rc;
    if (rc == 0) {
        store_done(st);
        return core_error_set(err, CORE_E_NOT_FOUND, "no contacts with id %" PRId64, contact_id);
    }
    const char *pc = store_col_text(st, 0, NULL), *school = store_col_text(st, 1, NULL);
    ev->postcode = pc ? core_arena_strdup(ctx->arena, pc) : NULL;
    ev->school = school ? core_arena_strdup(ctx->arena, school) : NULL;
    ev->family_id = store_col_int(st, 2);
    store_done(st); /* one row: the statement is not left open for a write that follows */
    return 0;
}

/* Person $2 as contact $1 names them among its children: what the front door recorded of the child (index
 * card and identifiers). No row when $2 is not a child of $1, or is restricted or merged. */
static const char SQL_CONTACT_CHILD[] =
    "SELECT p.given_name, p.family_name, p.date_of_birth, p.sex, p.nhs_number, p.nino, p.upn\n"
    "  FROM contact_child cc\n"
    "  JOIN person p ON p.id = cc.person_id\n"
    " WHERE cc.contact_id = $1\n"
    "   AND cc.person_id = $2\n"
    "   AND p.restricted = 0\n"
    "   AND p.merged_into IS NULL";

int model_contact_child(model_ctx *ctx, int64_t contact_id, int64_t person_id, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(contact_id), store_v_int(person_id)};
    json_t *rows;
    int rc = rows_json(ctx, SQL_CONTACT_CHILD, p, 2, &rows, err);
    if (rc)
        return rc;
    if (!json_array_size(rows))
        return core_error_set(err, CORE_E_NOT_FOUND, "person %" PRId64 " is not a child of contact %" PRId64,
                              person_id, contact_id);
    *out = json_array_get(rows, 0);
    return 0;
}

/* The other children contact $1 names besides person $2, as recorded (names, date of birth, sex): the family
 * the contact names, for "already known?" asked about one of them. Restricted and merged people left out. */
static const char SQL_CONTACT_OTHERS[] =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex\n"
    "  FROM contact_child cc\n"
    "  JOIN person p ON p.id = cc.person_id\n"
    " WHERE cc.contact_id = $1\n"
    "   AND cc.person_id <> $2\n"
    "   AND p.restricted = 0\n"
    "   AND p.merged_into IS NULL\n"
    " ORDER BY cc.id\n"
    " LIMIT 20";

int model_contact_others(model_ctx *ctx, int64_t contact_id, int64_t person_id, json_t **out, core_error *err)
{
    store_value p[] = {store_v_int(contact_id), store_v_int(person_id)};
    return rows_json(ctx, SQL_CONTACT_OTHERS, p, 2, out, err);
}

static const char SQL_CONTACT_DECISION[] =
    "SELECT decision_date\n"
    "  FROM contact\n"
    " WHERE id = $1 AND decision IS NOT NULL";

int model_contact_decided(model_ctx *ctx, int64_t contact_id, char date[11], core_error *err)
{
    store_value p[] = {store_v_int(contact_id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_CONTACT_DECISION, p, 1, &st, err);
    if (rc == 0)
        rc = store_next(st, err);
    if (rc <= 0)
        return rc;
    const char *d = store_col_text(st, 0, NULL);
    snprintf(date, 11, "%s", d ? d : "");
    store_next(st, err); /* finish the statement */
    return 1;
}

/* Links that named something already known, newest first: a contact naming a family it did not open, a
 * person added to a family or named on a contact without opening them. */
static const char SQL_LINKED[] =
    "SELECT kind, id, family_id, contact_id, person_id, created_by, created_at\n"
    "  FROM (SELECT 'contact_family' AS kind, c.id, c.family_id, c.id AS contact_id, NULL AS person_id,\n"
    "               c.created_by, c.created_at\n"
    "          FROM contact c\n"
    "         WHERE c.opens_family = 0 AND c.family_id IS NOT NULL\n"
    "        UNION ALL\n"
    "        SELECT 'family_member', m.id, m.family_id, NULL, m.person_id, m.created_by, m.created_at\n"
    "          FROM family_member m\n"
    "         WHERE m.opens_person = 0\n"
    "        UNION ALL\n"
    "        SELECT 'contact_child', cc.id, c.family_id, cc.contact_id, cc.person_id, cc.created_by, cc.created_at\n"
    "          FROM contact_child cc\n"
    "          JOIN contact c ON c.id = cc.contact_id\n"
    "         WHERE cc.opens_person = 0) AS linked\n"
    " ORDER BY created_at DESC, kind, id DESC\n"
    " LIMIT $1";

int model_linked_list(model_ctx *ctx, int limit, json_t **items, core_error *err)
{
    store_value p[] = {store_v_int(limit)};
    return rows_json(ctx, SQL_LINKED, p, 1, items, err);
}
