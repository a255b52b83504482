/*
 * pindex_merge.c — people decide: a decision on a suggested pair, merging two people's records, and undoing a
 * merge (pindex.h P1, P3, P4, P5).
 *
 * A merge keeps both person rows. The rows about the merged person move to the kept one, each recorded in
 * person_merge.moved as [table, id]; the merged row gets merged_into and so leaves search, matching and
 * lists. Undoing moves exactly the recorded rows back and clears merged_into. Rows added to the kept person
 * after the merge stay with it: they were recorded about the one person the merge said there was.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "pindex/pindex.h"

/* The tables whose rows are about one person, by person_id. A membership the kept person already has
 * (the same family, the same contact) stays with the merged record: moving it would make two. */
static const struct moved_table {
    const char *table;
    const char *select;   /* ids of the merged person's rows that can move */
    const char *move;     /* set one row's person */
} MOVED[] = {
    {"person_former_name", "SELECT id FROM person_former_name WHERE person_id = $1",
     "UPDATE person_former_name SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"person_address", "SELECT id FROM person_address WHERE person_id = $1",
     "UPDATE person_address SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"person_contact_detail", "SELECT id FROM person_contact_detail WHERE person_id = $1",
     "UPDATE person_contact_detail SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"family_member",
     "SELECT m.id FROM family_member m WHERE m.person_id = $1\n"
     "   AND NOT EXISTS (SELECT 1 FROM family_member k WHERE k.family_id = m.family_id AND k.person_id = $2)",
     "UPDATE family_member SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"contact_child",
     "SELECT c.id FROM contact_child c WHERE c.person_id = $1\n"
     "   AND NOT EXISTS (SELECT 1 FROM contact_child k WHERE k.contact_id = c.contact_id AND k.person_id = $2)",
     "UPDATE contact_child SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"consent", "SELECT id FROM consent WHERE person_id = $1",
     "UPDATE consent SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"assessment_need", "SELECT id FROM assessment_need WHERE person_id = $1",
     "UPDATE assessment_need SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"activity", "SELECT id FROM activity WHERE person_id = $1",
     "UPDATE activity SET person_id = $2 WHERE id = $1 AND person_id = $3"},
    {"partner_record", "SELECT id FROM partner_record WHERE person_id = $1",
     "UPDATE partner_record SET person_id = $2 WHERE id = $1 AND person_id = $3"},
};

static const char SQL_PERSON[] =
    "SELECT id, restricted, merged_into, nhs_number, nino, upn\n"
    "  FROM person\n"
    " WHERE id = $1";

static const char SQL_MARK_MERGED[] =
    "UPDATE person\n"
    "   SET merged_into = $2, version = version + 1, updated_at = $3, updated_by = $4\n"
    " WHERE id = $1 AND merged_into IS NULL";

static const char SQL_UNMARK_MERGED[] =
    "UPDATE person\n"
    "   SET merged_into = NULL, version = version + 1, updated_at = $2, updated_by = $3\n"
    " WHERE id = $1";

/* Returns the new merge's id. */
static const char SQL_MERGE_INSERT[] =
    "INSERT INTO person_merge (survivor_id, merged_id, pair_id, reason, moved, merged_at, merged_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7)\n"
    "RETURNING id";

static const char SQL_MERGE_GET[] =
    "SELECT g.survivor_id, g.merged_id, g.pair_id, g.moved, g.undone_at, s.merged_into\n"
    "  FROM person_merge g\n"
    "  JOIN person s ON s.id = g.survivor_id\n"
    " WHERE g.id = $1";

static const char SQL_MERGE_UNDO[] =
    "UPDATE person_merge\n"
    "   SET undone_at = $2, undone_by = $3, undo_reason = $4\n"
    " WHERE id = $1 AND undone_at IS NULL";

static const char SQL_PAIR_GET[] =
    "SELECT kind, person_id, other_person_id, partner_record_id, state\n"
    "  FROM match_pair\n"
    " WHERE id = $1";

static const char SQL_PAIR_DECIDE[] =
    "UPDATE match_pair\n"
    "   SET state = $2, decided_at = $3, decided_by = $4, reason = $5, merge_id = $6, version = version + 1,\n"
    "       updated_at = $3\n"
    " WHERE id = $1";

static const char SQL_PAIR_REOPEN[] =
    "UPDATE match_pair\n"
    "   SET state = 'pending', decided_at = NULL, decided_by = NULL, reason = NULL, merge_id = NULL,\n"
    "       version = version + 1, updated_at = $2\n"
    " WHERE id = $1 AND state = 'same'";

static const char SQL_RECORD_PERSON[] =
    "SELECT person_id\n"
    "  FROM partner_record\n"
    " WHERE id = $1";

static const char SQL_RECORD_SET[] =
    "UPDATE partner_record\n"
    "   SET person_id = $2, version = version + 1, updated_at = $3, updated_by = $4\n"
    " WHERE id = $1";

typedef struct person_row {
    int64_t id, merged_into;
    int restricted;
    const char *nhs, *nino, *upn;
} person_row;

static int person_get(store *s, core_arena *a, int64_t id, person_row *p, core_error *err)
{
    memset(p, 0, sizeof *p);
    store_value v[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_PERSON, v, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no person with id %" PRId64, id);
    p->id = id;
    p->restricted = (int)store_col_int(st, 1);
    p->merged_into = store_col_type(st, 2) == STORE_NULL ? 0 : store_col_int(st, 2);
    const char *t;
    p->nhs = (t = store_col_text(st, 3, NULL)) ? core_arena_strdup(a, t) : NULL;
    p->nino = (t = store_col_text(st, 4, NULL)) ? core_arena_strdup(a, t) : NULL;
    p->upn = (t = store_col_text(st, 5, NULL)) ? core_arena_strdup(a, t) : NULL;
    store_next(st, err); /* finish the statement */
    return 0;
}

static int disagree(const char *x, const char *y)
{
    return x && y && strcmp(x, y) != 0;
}

/* The merge itself, inside the caller's transaction. */
static int merge_in_tx(store *s, core_arena *a, int64_t keep, int64_t merge, int64_t pair_id, const char *reason,
                       int64_t user_id, int64_t *merge_id, core_error *err)
{
    person_row k, m;
    int rc;
    if (keep == merge)
        return core_error_set(err, CORE_E_CONFLICT, "a person cannot be merged with themselves");
    if ((rc = person_get(s, a, keep, &k, err)) || (rc = person_get(s, a, merge, &m, err)))
        return rc;
    if (k.restricted || m.restricted) {
        core_error_set(err, CORE_E_RESTRICTED, "person %" PRId64 "'s processing is restricted",
                       k.restricted ? keep : merge);
        return core_error_hint(err, "a restricted record is kept as it is until the restriction is lifted");
    }
    if (k.merged_into || m.merged_into) {
        const person_row *x = k.merged_into ? &k : &m;
        core_error_set(err, CORE_E_CONFLICT, "person %" PRId64 " has already been merged into person %" PRId64,
                       x->id, x->merged_into);
        return core_error_hint(err, "merge with person %" PRId64 " instead", x->merged_into);
    }
    const char *which = disagree(k.nhs, m.nhs) ? "NHS numbers" : disagree(k.nino, m.nino) ? "National Insurance numbers"
                        : disagree(k.upn, m.upn) ? "unique pupil numbers" : NULL;
    if (which) {
        core_error_set(err, CORE_E_CONFLICT, "the two people have different %s", which);
        return core_error_hint(err, "check the identifiers with their source and correct the wrong one first");
    }
    json_t *moved = json_array();
    for (size_t t = 0; rc == 0 && t < sizeof MOVED / sizeof MOVED[0]; t++) {
        store_value v[] = {store_v_int(merge), store_v_int(keep)};
        store_stmt *st;
        int64_t ids_n = 0, ids_cap = 16, *ids = core_arena_alloc(a, (size_t)ids_cap * sizeof *ids);
        rc = store_query(s, a, MOVED[t].select, v, 2, &st, err);
        while (rc == 0 && (rc = store_next(st, err)) == 1) {
            if (ids_n == ids_cap) {
                int64_t *more = core_arena_alloc(a, (size_t)ids_cap * 2 * sizeof *ids);
                memcpy(more, ids, (size_t)ids_n * sizeof *ids);
                ids = more;
                ids_cap *= 2;
            }
            ids[ids_n++] = store_col_int(st, 0);
            rc = 0;
        }
        if (rc > 0)
            rc = 0;
        for (int64_t i = 0; rc == 0 && i < ids_n; i++) {
            store_value u[] = {store_v_int(ids[i]), store_v_int(keep), store_v_int(merge)};
            rc = store_exec(s, a, MOVED[t].move, u, 3, NULL, err);
            if (rc == 0)
                json_array_append_new(moved, json_pack("[s,I]", MOVED[t].table, (json_int_t)ids[i]));
        }
    }
    char now[24];
    model_now(now);
    char *moved_text = json_dumps(moved, JSON_COMPACT);
    json_decref(moved);
    if (rc == 0) {
        int64_t changed = 0;
        store_value v[] = {store_v_int(merge), store_v_int(keep), store_v_text(now), store_v_int(user_id)};
        rc = store_exec(s, a, SQL_MARK_MERGED, v, 4, &changed, err);
        if (rc == 0 && changed != 1)
            rc = core_error_set(err, CORE_E_CONFLICT, "person %" PRId64 " was merged by someone else", merge);
    }
    if (rc == 0) {
        store_value v[] = {store_v_int(keep), store_v_int(merge), pair_id ? store_v_int(pair_id) : store_v_null(),
                           store_v_text(reason), store_v_text(moved_text), store_v_text(now), store_v_int(user_id)};
        rc = store_query_int(s, a, SQL_MERGE_INSERT, v, 7, merge_id, err);
    }
    free(moved_text);
    return rc;
}

static int reason_ok(const char *reason, core_error *err)
{
    if (!reason || !*reason)
        return core_error_set(err, CORE_E_MISSING_FIELD, "a reason is required");
    return 0;
}

int pindex_merge(store *s, int64_t keep, int64_t merge, int64_t pair_id, const char *reason, int64_t user_id,
                 int64_t *merge_id, core_error *err)
{
    int rc = reason_ok(reason, err);
    if (rc)
        return rc;
    core_arena a = CORE_ARENA_INIT;
    if ((rc = store_begin(s, err)) == 0) {
        rc = merge_in_tx(s, &a, keep, merge, pair_id, reason, user_id, merge_id, err);
        rc = rc == 0 ? store_commit(s, err) : (store_rollback(s), rc);
    }
    core_arena_release(&a);
    return rc;
}

int pindex_unmerge(store *s, int64_t merge_id, const char *reason, int64_t user_id, core_error *err)
{
    int rc = reason_ok(reason, err);
    if (rc)
        return rc;
    core_arena a = CORE_ARENA_INIT;
    if ((rc = store_begin(s, err))) {
        core_arena_release(&a);
        return rc;
    }
    store_value v[] = {store_v_int(merge_id)};
    store_stmt *st;
    int64_t keep = 0, merged = 0, pair = 0, survivor_merged = 0;
    const char *moved_text = NULL;
    int undone = 0;
    rc = store_query(s, &a, SQL_MERGE_GET, v, 1, &st, err);
    if (rc == 0 && (rc = store_next(st, err)) == 1) {
        keep = store_col_int(st, 0);
        merged = store_col_int(st, 1);
        pair = store_col_type(st, 2) == STORE_NULL ? 0 : store_col_int(st, 2);
        moved_text = core_arena_strdup(&a, store_col_text(st, 3, NULL));
        undone = store_col_type(st, 4) != STORE_NULL;
        survivor_merged = store_col_type(st, 5) == STORE_NULL ? 0 : store_col_int(st, 5);
        store_next(st, err);
        rc = 0;
    } else if (rc == 0) {
        rc = core_error_set(err, CORE_E_NOT_FOUND, "no merge with id %" PRId64, merge_id);
    }
    if (rc == 0 && undone)
        rc = core_error_set(err, CORE_E_CONFLICT, "merge %" PRId64 " has already been undone", merge_id);
    if (rc == 0 && survivor_merged) {
        core_error_set(err, CORE_E_CONFLICT, "person %" PRId64 " has since been merged into person %" PRId64, keep,
                       survivor_merged);
        rc = core_error_hint(err, "undo that merge first");
    }
    json_error_t je;
    json_t *moved = rc == 0 ? json_loads(moved_text, 0, &je) : NULL;
    if (rc == 0 && !json_is_array(moved))
        rc = core_error_set(err, CORE_E_INTERNAL, "merge %" PRId64 " has no readable list of moved rows", merge_id);
    size_t i;
    json_t *row;
    json_array_foreach(rc == 0 ? moved : NULL, i, row) {
        const char *table = json_string_value(json_array_get(row, 0));
        int64_t id = json_integer_value(json_array_get(row, 1));
        const char *sql = NULL;
        for (size_t t = 0; t < sizeof MOVED / sizeof MOVED[0]; t++)
            if (table && strcmp(MOVED[t].table, table) == 0)
                sql = MOVED[t].move;
        if (!sql) {
            rc = core_error_set(err, CORE_E_INTERNAL, "merge %" PRId64 " moved a row of an unknown table", merge_id);
            break;
        }
        /* the row goes back only from the kept person: a row changed by hand since stays as it is */
        store_value u[] = {store_v_int(id), store_v_int(merged), store_v_int(keep)};
        if ((rc = store_exec(s, &a, sql, u, 3, NULL, err)))
            break;
    }
    json_decref(moved);
    char now[24];
    model_now(now);
    if (rc == 0) {
        store_value u[] = {store_v_int(merged), store_v_text(now), store_v_int(user_id)};
        rc = store_exec(s, &a, SQL_UNMARK_MERGED, u, 3, NULL, err);
    }
    if (rc == 0) {
        store_value u[] = {store_v_int(merge_id), store_v_text(now), store_v_int(user_id), store_v_text(reason)};
        rc = store_exec(s, &a, SQL_MERGE_UNDO, u, 4, NULL, err);
    }
    if (rc == 0 && pair) {
        store_value u[] = {store_v_int(pair), store_v_text(now)};
        rc = store_exec(s, &a, SQL_PAIR_REOPEN, u, 2, NULL, err);
    }
    rc = rc == 0 ? store_commit(s, err) : (store_rollback(s), rc);
    core_arena_release(&a);
    return rc;
}

int pindex_decide(store *s, const pindex_decision *d, int64_t *merge_id, core_error *err)
{
    *merge_id = 0;
    int same = d->decision && strcmp(d->decision, "same") == 0;
    if (!same && !(d->decision && strcmp(d->decision, "different") == 0))
        return core_error_set(err, CORE_E_INVALID_VALUE, "decision is same or different");
    int rc = reason_ok(d->reason, err);
    if (rc)
        return rc;
    core_arena a = CORE_ARENA_INIT;
    if ((rc = store_begin(s, err))) {
        core_arena_release(&a);
        return rc;
    }
    store_value v[] = {store_v_int(d->pair_id)};
    store_stmt *st;
    int64_t person = 0, other = 0, record = 0;
    const char *kind = NULL, *state = NULL;
    rc = store_query(s, &a, SQL_PAIR_GET, v, 1, &st, err);
    if (rc == 0 && (rc = store_next(st, err)) == 1) {
        kind = core_arena_strdup(&a, store_col_text(st, 0, NULL));
        person = store_col_int(st, 1);
        other = store_col_type(st, 2) == STORE_NULL ? 0 : store_col_int(st, 2);
        record = store_col_type(st, 3) == STORE_NULL ? 0 : store_col_int(st, 3);
        state = core_arena_strdup(&a, store_col_text(st, 4, NULL));
        store_next(st, err);
        rc = 0;
    } else if (rc == 0) {
        rc = core_error_set(err, CORE_E_NOT_FOUND, "no suggested pair with id %" PRId64, d->pair_id);
    }
    /* pending, or an engine link a person now confirms or undoes: anything else was decided by a person */
    if (rc == 0 && (!state || !kind))
        rc = core_error_set(err, CORE_E_INTERNAL, "pair %" PRId64 " has no state", d->pair_id);
    if (rc == 0 && strcmp(state, "pending") != 0 && strcmp(state, "linked") != 0) {
        core_error_set(err, CORE_E_CONFLICT, "this pair has already been decided (%s)", state);
        rc = core_error_hint(err, strcmp(state, "same") == 0 && !record
                                      ? "undo the merge it made to decide again"
                                      : "a decision stands; record a new one on the person or the partner row");
    }
    int is_index = rc == 0 && strcmp(kind, "index") == 0;
    if (rc == 0 && is_index && d->keep && d->keep != person && d->keep != other)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "keep is one of the pair: %" PRId64 " or %" PRId64, person,
                            other);
    if (rc == 0 && !is_index) {
        person_row p;
        rc = person_get(s, &a, person, &p, err);
        if (rc == 0 && p.restricted)
            rc = core_error_set(err, CORE_E_RESTRICTED, "person %" PRId64 "'s processing is restricted", person);
        if (rc == 0 && same && p.merged_into) {
            core_error_set(err, CORE_E_CONFLICT, "person %" PRId64 " has been merged into person %" PRId64, person,
                           p.merged_into);
            rc = core_error_hint(err, "the row can be linked to person %" PRId64 " instead", p.merged_into);
        }
    }
    char now[24];
    model_now(now);
    if (rc == 0 && is_index && same) {
        int64_t keep = d->keep ? d->keep : person, gone = keep == person ? other : person;
        rc = merge_in_tx(s, &a, keep, gone, d->pair_id, d->reason, d->user_id, merge_id, err);
    } else if (rc == 0 && !is_index) {
        int64_t current = 0;
        store_value q[] = {store_v_int(record)};
        rc = store_query_int(s, &a, SQL_RECORD_PERSON, q, 1, &current, err);
        if (rc == 0 && same && current && current != person) {
            core_error_set(err, CORE_E_CONFLICT, "the partner's row is already linked to person %" PRId64, current);
            rc = core_error_hint(err, "decide that pair different first");
        }
        int64_t target = same ? person : (current == person ? 0 : current);
        if (rc == 0 && target != current) {
            store_value u[] = {store_v_int(record), target ? store_v_int(target) : store_v_null(), store_v_text(now),
                               store_v_int(d->user_id)};
            rc = store_exec(s, &a, SQL_RECORD_SET, u, 4, NULL, err);
        }
    }
    if (rc == 0) {
        store_value u[] = {store_v_int(d->pair_id), store_v_text(same ? "same" : "different"), store_v_text(now),
                           store_v_int(d->user_id), store_v_text(d->reason),
                           *merge_id ? store_v_int(*merge_id) : store_v_null()};
        rc = store_exec(s, &a, SQL_PAIR_DECIDE, u, 6, NULL, err);
    }
    rc = rc == 0 ? store_commit(s, err) : (store_rollback(s), rc);
    core_arena_release(&a);
    return rc;
}
