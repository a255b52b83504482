/*
 * model_seen.c — when a member of staff last looked at an episode (episode_seen, 0028), and what others have
 * added to it since (issue 11: the practitioner's caseload).
 *
 * Marking: opening an episode (its page, its family's page, GET /api/v1/episodes/{id}) sets seen_at to the
 * request clock. A check comes first and the write only follows when the row is missing or more than
 * MODEL_SEEN_TOUCH_SECONDS old, so reading does not cost a durable write each time (as a session's
 * last_seen_at: docs/decisions.md). The write is one portable upsert (ON CONFLICT ... DO UPDATE, which SQLite
 * and PostgreSQL both speak).
 *
 * New since seen: the ids, kind by kind, of the episode's case notes, activities, reviews, assessments, plans
 * and plan actions (through their plan) that someone other than the user created after the user's seen_at —
 * or, never seen, every such record. A record with no creator (created_by NULL: an import) is nobody's
 * addition and is not counted. Only ids: the caller asks the access decision of each and counts only those
 * the user may read, so a count never tells of a record kept from them.
 */
#include <string.h>

#include "core/core_clock.h"
#include "model/model.h"

/* The episodes a mark covers that need a write: no row for the user, or one older than $3. By episode ($1 an
 * episode id) or by family ($1 a family id: its open episodes). */
#define STALE(where)                                                                                         \
    "SELECT count(*)\n"                                                                                      \
    "  FROM episode e\n"                                                                                     \
    "  LEFT JOIN episode_seen s ON s.user_id = $2 AND s.episode_id = e.id\n"                                 \
    " WHERE " where "\n"                                                                                     \
    "   AND (s.seen_at IS NULL OR s.seen_at < $3)"
static const char SQL_STALE_EPISODE[] = STALE("e.id = $1");
static const char SQL_STALE_FAMILY[] = STALE("e.family_id = $1 AND e.end_date IS NULL");

/* Record that user $2 saw the episodes at $3 (the upsert; the WHERE keeps SQLite's parser from reading ON
 * CONFLICT as a join's ON; the casts give PostgreSQL the parameters' types in a SELECT list). */
#define MARK(where)                                                                                          \
    "INSERT INTO episode_seen (user_id, episode_id, seen_at)\n"                                              \
    "SELECT CAST($2 AS BIGINT), e.id, CAST($3 AS TEXT)\n"                                                    \
    "  FROM episode e\n"                                                                                     \
    " WHERE " where "\n"                                                                                     \
    "    ON CONFLICT (user_id, episode_id) DO UPDATE SET seen_at = excluded.seen_at"
static const char SQL_MARK_EPISODE[] = MARK("e.id = $1");
static const char SQL_MARK_FAMILY[] = MARK("e.family_id = $1 AND e.end_date IS NULL");

/* When user $2 last saw episode $1. */
static const char SQL_SEEN_AT[] =
    "SELECT seen_at\n"
    "  FROM episode_seen\n"
    " WHERE episode_id = $1\n"
    "   AND user_id = $2";

/* What others (created_by not $2) added to episode $1 after $3 ('' when never seen: everything), as
 * (table, id), at most $4 rows. */
#define NEW_IN(table)                                                                                        \
    "SELECT '" table "', x.id\n"                                                                             \
    "  FROM " table " x\n"                                                                                   \
    " WHERE x.episode_id = $1\n"                                                                             \
    "   AND x.created_by <> $2\n"                                                                            \
    "   AND x.created_at > $3\n"
/* clang-format off */
static const char SQL_NEW_SINCE[] =
    NEW_IN("case_note") " UNION ALL\n"
    NEW_IN("activity") " UNION ALL\n"
    NEW_IN("review") " UNION ALL\n"
    NEW_IN("assessment") " UNION ALL\n"
    NEW_IN("plan") " UNION ALL\n"
    "SELECT 'plan_action', x.id\n"
    "  FROM plan_action x\n"
    "  JOIN plan p ON p.id = x.plan_id\n"
    " WHERE p.episode_id = $1\n"
    "   AND x.created_by <> $2\n"
    "   AND x.created_at > $3\n"
    " LIMIT $4";
/* clang-format on */

static int mark(model_ctx *ctx, const char *stale_sql, const char *mark_sql, int64_t id, int64_t user_id,
                core_error *err)
{
    char cutoff[21];
    core_clock_iso(-MODEL_SEEN_TOUCH_SECONDS, cutoff);
    store_value p[] = {store_v_int(id), store_v_int(user_id), store_v_text(cutoff)};
    int64_t stale = 0;
    int rc = store_query_int(ctx->db, ctx->arena, stale_sql, p, 3, &stale, err);
    if (rc || !stale) return rc;
    p[2] = store_v_text(ctx->now);
    return store_exec(ctx->db, ctx->arena, mark_sql, p, 3, NULL, err);
}

int model_seen_episode(model_ctx *ctx, int64_t episode_id, int64_t user_id, core_error *err)
{
    return mark(ctx, SQL_STALE_EPISODE, SQL_MARK_EPISODE, episode_id, user_id, err);
}

int model_seen_family(model_ctx *ctx, int64_t family_id, int64_t user_id, core_error *err)
{
    return mark(ctx, SQL_STALE_FAMILY, SQL_MARK_FAMILY, family_id, user_id, err);
}

int model_seen_new(model_ctx *ctx, int64_t episode_id, int64_t user_id, const char **seen_at, int limit,
                   model_seen_item *out, int *count, core_error *err)
{
    *seen_at = NULL;
    *count = 0;
    store_value p[] = {store_v_int(episode_id), store_v_int(user_id), store_v_text(""), store_v_int(limit)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_SEEN_AT, p, 2, &st, err);
    if (rc) return rc;
    if ((rc = store_next(st, err)) == 1) {
        *seen_at = core_arena_strdup(ctx->arena, store_col_text(st, 0, NULL));
        store_done(st);
    }
    if (rc < 0) return rc;
    if (*seen_at) p[2] = store_v_text(*seen_at);
    if ((rc = store_query(ctx->db, ctx->arena, SQL_NEW_SINCE, p, 4, &st, err))) return rc;
    while ((rc = store_next(st, err)) == 1 && *count < limit) {
        out[*count].table = core_arena_strdup(ctx->arena, store_col_text(st, 0, NULL));
        out[*count].id = store_col_int(st, 1);
        (*count)++;
    }
    return rc < 0 ? rc : 0;
}
