/*
 * pindex_list.c — what the person index's pages and API read and record besides runs and decisions (contract
 * in pindex.h): link runs, the review queue's pairs, the cards and partner rows shown beside them, a person's
 * partner rows, merges, and a family identification decision. Rows come as JSON objects, column name ->
 * value; access and audit are the caller's.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "model/model_data.h"
#include "pindex/pindex.h"

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

/* A person's card with the current postcode; no row for a restricted person. */
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

/* The two people of a suggested pair of the index (other_person_id 0 for a partner's row). */
static const char SQL_PAIR_PEOPLE[] =
    "SELECT person_id, coalesce(other_person_id, 0) AS other_person_id\n"
    "  FROM match_pair\n"
    " WHERE id = $1";

/* Merges after a cursor; moved (a JSON array) is counted in C as rows_moved. */
static const char SQL_MERGES[] =
    "SELECT id, survivor_id, merged_id, pair_id, reason, merged_at, merged_by, undone_at, undone_by, undo_reason,\n"
    "       moved\n"
    "  FROM person_merge\n"
    " WHERE id > $1\n"
    " ORDER BY id\n"
    " LIMIT $2";

/* Returns the decision's id. */
static const char SQL_IDENTIFICATION_INSERT[] =
    "INSERT INTO family_identification (family_id, decision, reason, headlines, decided_at, decided_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6)\n"
    "RETURNING id";

/* The candidates for one incoming person: the people found by any of the lookups below, each an index range
 * (0001_schema.sql, 0009_match_indexes.sql), each capped at $11 rows, restricted and merged people left out.
 * A family name alone finds everyone of that name only when the name is rare (fewer than $13 people; for a
 * common one the key compared is NULL, which finds nobody without reading the name's entries): an arbitrary
 * few hundred of a common name's thousands would cost time and find nobody in particular, so a common name
 * is taken with the given name or with the year of birth instead. Returns the person's index card
 * columns, identifiers and current postcode. */
static const char SQL_CANDIDATES[] =
    "SELECT p.id, p.given_name, p.middle_names, p.family_name, p.preferred_name, p.date_of_birth,\n"
    "       p.expected_date, p.sex, p.nhs_number, p.nino, p.upn,\n"
    "       (SELECT a.postcode FROM person_address a\n"
    "         WHERE a.person_id = p.id AND a.to_date IS NULL ORDER BY a.id DESC LIMIT 1)\n"
    "  FROM person p\n"
    " WHERE p.restricted = 0 AND p.merged_into IS NULL AND p.id <> $10\n"
    "   AND p.id IN (SELECT id FROM person WHERE date_of_birth = $1\n"
    "                UNION SELECT id FROM person WHERE date_of_birth = $2\n"
    "                UNION SELECT id FROM (SELECT id FROM person\n"
    "                                       WHERE family_key = (SELECT $3 WHERE (SELECT count(*) FROM (\n"
    "                                               SELECT 1 FROM person WHERE family_key = $3 LIMIT $13) AS n) < $13)\n"
    "                                       LIMIT $11) AS by_family\n"
    "                UNION SELECT id FROM (SELECT id FROM person WHERE family_key = $3 AND given_key = $4\n"
    "                                       LIMIT $11) AS by_names\n"
    "                UNION SELECT id FROM (SELECT id FROM person WHERE family_key = $3\n"
    "                                       AND date_of_birth BETWEEN $5 AND $12 LIMIT $11) AS by_family_year\n"
    "                UNION SELECT id FROM (SELECT id FROM person WHERE given_key = $4\n"
    "                                       AND date_of_birth BETWEEN $5 AND $12 LIMIT $11) AS by_given_year\n"
    "                UNION SELECT id FROM person WHERE nhs_number = $6\n"
    "                UNION SELECT id FROM person WHERE nino = $7\n"
    "                UNION SELECT id FROM person WHERE upn = $8\n"
    "                UNION SELECT person_id FROM (SELECT person_id FROM person_address\n"
    "                                              WHERE postcode = $9 AND to_date IS NULL LIMIT $11) AS by_postcode)\n"
    " LIMIT 2000";

int pindex_candidates(store *s, core_arena *a, const pindex_candidate_keys *k, store_stmt **st, core_error *err)
{
    store_value p[] = {store_v_text(k->dob),
                       store_v_text(k->dob_swapped),
                       store_v_text(k->family_key),
                       store_v_text(k->given_key),
                       store_v_text(k->year_first),
                       store_v_text(k->nhs_number),
                       store_v_text(k->nino),
                       store_v_text(k->upn),
                       store_v_text(k->postcode),
                       store_v_int(k->exclude),
                       store_v_int(k->per_key),
                       store_v_text(k->year_last),
                       store_v_int(k->rare_family)};
    return store_query(s, a, SQL_CANDIDATES, p, sizeof p / sizeof p[0], st, err);
}

/* The people who live with person $1: everyone whose current address has the person's current postcode and
 * first line (as the front door's check compares a candidate's household with the family a contact names),
 * the person among them, restricted and merged people left out. No row when the person has no current address
 * with a postcode. At most $2 rows. */
static const char SQL_HOUSEHOLD[] =
    "WITH home AS (SELECT postcode, lower(trim(line1)) AS line1 FROM person_address\n"
    "               WHERE person_id = $1 AND to_date IS NULL AND postcode IS NOT NULL\n"
    "               ORDER BY id DESC LIMIT 1)\n"
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex\n"
    "  FROM home\n"
    "  JOIN person_address a ON a.postcode = home.postcode AND a.to_date IS NULL\n"
    "                       AND lower(trim(a.line1)) = home.line1\n"
    "  JOIN person p ON p.id = a.person_id\n"
    " WHERE p.restricted = 0 AND p.merged_into IS NULL\n"
    " LIMIT $2";

int pindex_household(store *s, core_arena *a, int64_t person, int64_t limit, store_stmt **st, core_error *err)
{
    store_value p[] = {store_v_int(person), store_v_int(limit)};
    return store_query(s, a, SQL_HOUSEHOLD, p, 2, st, err);
}

int pindex_runs_list(store *s, core_arena *a, int64_t after, int64_t limit, json_t **rows, core_error *err)
{
    store_value p[] = {store_v_int(after), store_v_int(limit)};
    return model_rows_json(s, a, SQL_RUNS, p, 2, rows, err);
}

int pindex_pairs_list(store *s, core_arena *a, const char *state, const char *kind, int64_t after, int64_t limit,
                      int64_t id, json_t **rows, core_error *err)
{
    store_value p[] = {store_v_text(state), store_v_text(kind), store_v_int(after), store_v_int(limit),
                       store_v_int(id)};
    return model_rows_json(s, a, SQL_PAIRS, p, 5, rows, err);
}

json_t *pindex_card(store *s, core_arena *a, int64_t person, core_error *err)
{
    return model_row_by_id(s, a, SQL_CARD, person, "person", err);
}

json_t *pindex_partner_row(store *s, core_arena *a, int64_t id, core_error *err)
{
    return model_row_by_id(s, a, SQL_PARTNER_ROW, id, "partner row", err);
}

int pindex_person_rows(store *s, core_arena *a, int64_t person, json_t **rows, core_error *err)
{
    store_value p[] = {store_v_int(person)};
    return model_rows_json(s, a, SQL_PERSON_ROWS, p, 1, rows, err);
}

int pindex_pair_people(store *s, core_arena *a, int64_t pair, int64_t *person, int64_t *other, core_error *err)
{
    *person = *other = 0;
    store_value p[] = {store_v_int(pair)};
    json_t *rows;
    int rc = model_rows_json(s, a, SQL_PAIR_PEOPLE, p, 1, &rows, err);
    if (rc)
        return rc;
    json_t *r = json_array_get(rows, 0);
    if (r) {
        *person = json_integer_value(json_object_get(r, "person_id"));
        *other = json_integer_value(json_object_get(r, "other_person_id"));
    }
    json_decref(rows);
    return 0;
}

int pindex_merges_list(store *s, core_arena *a, int64_t after, int64_t limit, json_t **rows, core_error *err)
{
    store_value p[] = {store_v_int(after), store_v_int(limit)};
    int rc = model_rows_json(s, a, SQL_MERGES, p, 2, rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rc == 0 ? *rows : NULL, i, r) {
        json_t *moved = json_loads(json_string_value(json_object_get(r, "moved")), 0, NULL);
        json_object_set_new(r, "rows_moved", json_integer((json_int_t)json_array_size(moved)));
        json_object_del(r, "moved");
        json_decref(moved);
    }
    return rc;
}

int pindex_identification_record(store *s, core_arena *a, int64_t family, const char *decision,
                                 const char *reason, const char *headlines, const char *now, int64_t by,
                                 int64_t *id, core_error *err)
{
    store_value v[] = {store_v_int(family), store_v_text(decision), store_v_text(reason), store_v_text(headlines),
                       store_v_text(now), store_v_int(by)};
    return store_query_int(s, a, SQL_IDENTIFICATION_INSERT, v, 6, id, err);
}
