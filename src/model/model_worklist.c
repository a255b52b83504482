/*
 * model_worklist.c — which records each role's worklist starts from (the web application's `/`).
 *
 * These queries choose ids only: the caller (web/, through api_record_read and api_record_list) then reads
 * every record through the access decision and the audit trail, as the API would, so a worklist shows
 * nothing the principal could not read and records every read it shows.
 */
#include <string.h>

#include "model/model.h"

/* A practitioner's caseload: open episodes they lead or sit on the Team Around the Family of (a member row
 * current on $2, the request's day), oldest first. Two halves joined by UNION rather than one WHERE with OR:
 * the OR made the planner scan every episode and probe the user's memberships for each (35 ms of a 50 ms
 * worklist on the 10,000-family council); each half is one index lookup (episode_lead, episode_member_user). */
static const char SQL_CASELOAD[] =
    "SELECT e.id, e.family_id, e.start_date\n"
    "  FROM episode e\n"
    " WHERE e.end_date IS NULL\n"
    "   AND e.lead_user_id = $1\n"
    " UNION\n"
    "SELECT e.id, e.family_id, e.start_date\n"
    "  FROM episode_member m\n"
    "  JOIN episode e ON e.id = m.episode_id\n"
    " WHERE m.user_id = $1\n"
    "   AND m.from_date <= $2\n"
    "   AND (m.to_date IS NULL OR m.to_date >= $2)\n"
    "   AND e.end_date IS NULL\n"
    " ORDER BY start_date, id\n"
    " LIMIT $3";

/* A team's open episodes, allocated or not, oldest first (episode_team). */
static const char SQL_TEAM[] =
    "SELECT e.id, e.family_id\n"
    "  FROM episode e\n"
    " WHERE e.owning_team_id = $1\n"
    "   AND e.end_date IS NULL\n"
    " ORDER BY e.start_date, e.id\n"
    " LIMIT $2";

/* A member of staff's name as the directory shows it (never a case record). */
static const char SQL_STAFF_NAME[] =
    "SELECT display_name\n"
    "  FROM app_user\n"
    " WHERE id = $1";

/* The front door's queue: contacts not yet decided, oldest received first. */
static const char SQL_UNDECIDED[] =
    "SELECT c.id, 0\n"
    "  FROM contact c\n"
    " WHERE c.decision IS NULL\n"
    " ORDER BY c.received_on, c.id\n"
    " LIMIT $1";

static int pairs(model_ctx *ctx, const char *sql, const store_value *p, size_t n, int limit, model_id_pair *out,
                 int *count, core_error *err)
{
    store_stmt *st;
    *count = 0;
    int rc = store_query(ctx->db, ctx->arena, sql, p, n, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1 && *count < limit) {
        out[*count].id = store_col_int(st, 0);
        out[*count].parent_id = store_col_int(st, 1);
        (*count)++;
    }
    return rc < 0 ? rc : 0;
}

int model_worklist_caseload(model_ctx *ctx, int64_t user_id, int limit, model_id_pair *out, int *count,
                            core_error *err)
{
    char day[11];
    memcpy(day, ctx->now, 10);
    day[10] = '\0';
    store_value p[] = {store_v_int(user_id), store_v_text(day), store_v_int(limit)};
    return pairs(ctx, SQL_CASELOAD, p, 3, limit, out, count, err);
}

int model_worklist_team(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count, core_error *err)
{
    store_value p[] = {store_v_int(team_id), store_v_int(limit)};
    return pairs(ctx, SQL_TEAM, p, 2, limit, out, count, err);
}

int model_staff_name(model_ctx *ctx, int64_t user_id, const char **name, core_error *err)
{
    *name = NULL;
    store_value p[] = {store_v_int(user_id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_STAFF_NAME, p, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc == 1) {
        *name = core_arena_strdup(ctx->arena, store_col_text(st, 0, NULL));
        store_done(st); /* one row: finish the read, so a write may follow on this handle */
    }
    return rc < 0 ? rc : 0;
}

int model_worklist_undecided(model_ctx *ctx, int limit, model_id_pair *out, int *count, core_error *err)
{
    store_value p[] = {store_v_int(limit)};
    return pairs(ctx, SQL_UNDECIDED, p, 1, limit, out, count, err);
}

/* ---- the team manager's pages --------------------------------------------------------------------------- */

/* A team's open episodes, one page of them in the order the manager chose: by family name, date opened, lead
 * practitioner's name (unallocated first) or next review due (the one the latest review set; none first),
 * then by id. One statement per order, so no part of the SQL comes from the request. */
#define TEAM_PAGE(order)                                                                                       \
    "SELECT e.id, e.family_id\n"                                                                                \
    "  FROM episode e\n"                                                                                       \
    "  JOIN family f ON f.id = e.family_id\n"                                                                  \
    "  LEFT JOIN app_user u ON u.id = e.lead_user_id\n"                                                        \
    " WHERE e.owning_team_id = $1\n"                                                                           \
    "   AND e.end_date IS NULL\n"                                                                              \
    " ORDER BY " order ", e.id\n"                                                                              \
    " LIMIT $2 OFFSET $3"
#define NEXT_REVIEW                                                                                            \
    "(SELECT r.next_review_due FROM review r WHERE r.episode_id = e.id ORDER BY r.held_on DESC, r.id DESC LIMIT 1)"

static const char *const SQL_TEAM_PAGE[MODEL_TEAM_SORTS][2] = {
    [MODEL_TEAM_SORT_OPENED] = {TEAM_PAGE("e.start_date ASC"), TEAM_PAGE("e.start_date DESC")},
    /* lower() for case-blind order on both back ends; NULLs (no lead) first going up, as SQLite puts them */
    [MODEL_TEAM_SORT_FAMILY] = {TEAM_PAGE("lower(f.name) ASC"), TEAM_PAGE("lower(f.name) DESC")},
    [MODEL_TEAM_SORT_LEAD] = {TEAM_PAGE("lower(u.display_name) ASC NULLS FIRST"),
                              TEAM_PAGE("lower(u.display_name) DESC NULLS LAST")},
    [MODEL_TEAM_SORT_REVIEW] = {TEAM_PAGE(NEXT_REVIEW " ASC NULLS FIRST"), TEAM_PAGE(NEXT_REVIEW " DESC NULLS LAST")},
};

/* How many open episodes the team owns. */
static const char SQL_TEAM_COUNT[] =
    "SELECT count(*)\n"
    "  FROM episode e\n"
    " WHERE e.owning_team_id = $1\n"
    "   AND e.end_date IS NULL";

/* The team's open episodes nobody leads yet, oldest first. */
static const char SQL_TEAM_UNALLOCATED[] =
    "SELECT e.id, e.family_id\n"
    "  FROM episode e\n"
    " WHERE e.owning_team_id = $1\n"
    "   AND e.end_date IS NULL\n"
    "   AND e.lead_user_id IS NULL\n"
    " ORDER BY e.start_date, e.id\n"
    " LIMIT $2";

/* The team's open episodes whose next review (the one the latest review set) is before $2, most overdue first. */
static const char SQL_TEAM_OVERDUE[] =
    "SELECT id, family_id\n"
    "  FROM (SELECT e.id, e.family_id, " NEXT_REVIEW " AS due\n"
    "          FROM episode e\n"
    "         WHERE e.owning_team_id = $1\n"
    "           AND e.end_date IS NULL) AS open_episode\n"
    " WHERE due < $2\n"
    " ORDER BY due, id\n"
    " LIMIT $3";

/* The team's staff who can lead a case, with how many open cases each leads now. */
static const char SQL_TEAM_STAFF[] =
    "SELECT u.id, u.display_name, u.role,\n"
    "       (SELECT count(*) FROM episode e WHERE e.lead_user_id = u.id AND e.end_date IS NULL) AS open_cases\n"
    "  FROM app_user u\n"
    " WHERE u.team_id = $1\n"
    "   AND u.disabled = 0\n"
    "   AND u.role IN ('practitioner', 'team_manager')\n"
    " ORDER BY u.display_name, u.id\n"
    " LIMIT 200";

int model_worklist_team_page(model_ctx *ctx, int64_t team_id, model_team_sort sort, int desc, int offset, int limit,
                             model_id_pair *out, int *count, int64_t *total, core_error *err)
{
    if ((unsigned)sort >= MODEL_TEAM_SORTS)
        sort = MODEL_TEAM_SORT_OPENED;
    store_value c[] = {store_v_int(team_id)};
    int rc = store_query_int(ctx->db, ctx->arena, SQL_TEAM_COUNT, c, 1, total, err);
    if (rc)
        return rc;
    store_value p[] = {store_v_int(team_id), store_v_int(limit), store_v_int(offset)};
    return pairs(ctx, SQL_TEAM_PAGE[sort][desc ? 1 : 0], p, 3, limit, out, count, err);
}

int model_worklist_team_unallocated(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                                    core_error *err)
{
    store_value p[] = {store_v_int(team_id), store_v_int(limit)};
    return pairs(ctx, SQL_TEAM_UNALLOCATED, p, 2, limit, out, count, err);
}

int model_worklist_team_overdue(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                                core_error *err)
{
    char day[11];
    memcpy(day, ctx->now, 10);
    day[10] = '\0';
    store_value p[] = {store_v_int(team_id), store_v_text(day), store_v_int(limit)};
    return pairs(ctx, SQL_TEAM_OVERDUE, p, 3, limit, out, count, err);
}

static void json_release(void *p)
{
    json_decref(p);
}

int model_team_staff(model_ctx *ctx, int64_t team_id, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_int(team_id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_TEAM_STAFF, p, 1, &st, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    core_arena_on_release(ctx->arena, json_release, a);
    while ((rc = store_next(st, err)) == 1)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)store_col_int(st, 0), "name",
                                           store_col_text(st, 1, NULL), "role", store_col_text(st, 2, NULL),
                                           "open_cases", (json_int_t)store_col_int(st, 3)));
    if (rc < 0)
        return rc;
    *out = a;
    return 0;
}

/* The supervision records of the team's cases, most recent first (issue 11: the team manager's page). */
static const char SQL_TEAM_SUPERVISION[] =
    "SELECT s.id, e.family_id\n"
    "  FROM supervision s\n"
    "  JOIN episode e ON e.id = s.episode_id\n"
    " WHERE e.owning_team_id = $1\n"
    "   AND e.archived_on IS NULL\n"
    " ORDER BY s.supervised_on DESC, s.id DESC\n"
    " LIMIT $2 OFFSET $3";

int model_worklist_supervision(model_ctx *ctx, int64_t team_id, int offset, int limit, model_id_pair *out,
                               int *count, core_error *err)
{
    *count = 0;
    store_value p[] = {store_v_int(team_id), store_v_int(limit), store_v_int(offset)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_TEAM_SUPERVISION, p, 3, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1 && *count < limit) {
        out[*count].id = store_col_int(st, 0);
        out[*count].parent_id = store_col_int(st, 1);
        (*count)++;
    }
    return rc < 0 ? rc : 0;
}

/* The earlier versions of a record, newest first: what row_history kept at each change. */
static const char SQL_ROW_HISTORY[] =
    "SELECT version, changed_at, changed_by, previous\n"
    "  FROM row_history\n"
    " WHERE table_name = $1\n"
    "   AND row_id = $2\n"
    " ORDER BY version DESC";

int model_record_history(model_ctx *ctx, const model_resource *r, int64_t id, json_t **out, core_error *err)
{
    *out = NULL;
    store_value p[] = {store_v_text(r->table), store_v_int(id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_ROW_HISTORY, p, 2, &st, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    core_arena_on_release(ctx->arena, json_release, a);
    while ((rc = store_next(st, err)) == 1) {
        const char *prev = store_col_text(st, 3, NULL);
        json_t *row = prev ? json_loads(prev, 0, NULL) : NULL;
        json_t *keep = json_object();
        /* only the record's own fields: the engine's columns and hidden ones stay behind */
        for (size_t i = 0; row && i < r->nfields; i++) {
            const model_field *f = &r->fields[i];
            if (f->flags & MODEL_F_HIDDEN)
                continue;
            json_t *v = json_object_get(row, f->name);
            if (v)
                json_object_set(keep, f->name, v);
        }
        json_decref(row);
        json_array_append_new(a, json_pack("{s:I,s:s?,s:I,s:o}", "version", (json_int_t)store_col_int(st, 0),
                                           "changed_at", store_col_text(st, 1, NULL), "changed_by",
                                           (json_int_t)store_col_int(st, 2), "previous", keep));
    }
    if (rc < 0)
        return rc;
    *out = a;
    return 0;
}
