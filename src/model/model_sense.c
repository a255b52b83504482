/*
 * model_sense.c — what the rules of case data that makes sense look up beyond the record being written
 * (contract in model.h): a family's other open episodes, an episode's open actions and its closure, whether a
 * need's person is in the family, the outcomes framework's codes.
 */
#include <stdlib.h>

#include "model/model.h"

/* Open episodes of a family other than episode $2 (0: none excepted), archived ones aside. */
static const char SQL_OTHER_OPEN_EPISODES[] =
    "SELECT count(*)\n"
    "  FROM episode\n"
    " WHERE family_id = $1\n"
    "   AND id <> $2\n"
    "   AND end_date IS NULL\n"
    "   AND archived_on IS NULL";

/* Actions still open in the plans of an episode. */
static const char SQL_OPEN_ACTIONS[] =
    "SELECT count(*)\n"
    "  FROM plan_action a\n"
    "  JOIN plan p ON p.id = a.plan_id\n"
    " WHERE p.episode_id = $1\n"
    "   AND a.status = 'open'";

/* An episode's open actions marked cancelled (its closure said so), each keeping its version history: the
 * rows as they stood, each kept in row_history as a JSON object made in C (the same on every back end). */
static const char SQL_OPEN_ACTIONS_ROWS[] =
    "SELECT a.id, a.plan_id, a.goal_id, a.description, a.owner_user_id, a.owner_name, a.due_date, a.status,\n"
    "       a.done_on, a.version\n"
    "  FROM plan_action a\n"
    "  JOIN plan p ON p.id = a.plan_id\n"
    " WHERE p.episode_id = $1\n"
    "   AND a.status = 'open'\n"
    " ORDER BY a.id";
static const char SQL_OPEN_ACTIONS_HISTORY[] =
    "INSERT INTO row_history (table_name, row_id, version, changed_at, changed_by, previous)\n"
    "VALUES ('plan_action', $1, $2, $3, $4, $5)";
static const char SQL_OPEN_ACTIONS_CANCEL[] =
    "UPDATE plan_action\n"
    "   SET status = 'cancelled', version = version + 1, updated_at = $2, updated_by = $3\n"
    " WHERE status = 'open'\n"
    "   AND plan_id IN (SELECT id FROM plan WHERE episode_id = $1)";

/* The end date of an episode ('' while open; no row when there is no such episode). */
static const char SQL_EPISODE_END[] =
    "SELECT coalesce(end_date, '')\n"
    "  FROM episode\n"
    " WHERE id = $1";

/* 1 when person $2 is (or was) a member of the family whose episode assessment $1 belongs to. */
static const char SQL_NEED_PERSON_IN_FAMILY[] =
    "SELECT count(*)\n"
    "  FROM assessment a\n"
    "  JOIN episode e ON e.id = a.episode_id\n"
    "  JOIN family_member m ON m.family_id = e.family_id\n"
    " WHERE a.id = $1\n"
    "   AND m.person_id = $2";

/* Does framework version $1 exist; has it headline $2; has that headline need $3? */
static const char SQL_FRAMEWORK_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM sf_framework\n"
    " WHERE version = $1";
static const char SQL_FRAMEWORK_HEADLINE[] =
    "SELECT count(*)\n"
    "  FROM sf_headline\n"
    " WHERE version = $1\n"
    "   AND code = $2";
static const char SQL_FRAMEWORK_NEED[] =
    "SELECT count(*)\n"
    "  FROM sf_need\n"
    " WHERE version = $1\n"
    "   AND headline = $2\n"
    "   AND code = $3";

/* The framework's codes as a reference list: headlines (parent NULL) or needs (parent: their headline). */
static const char SQL_HEADLINES[] =
    "SELECT h.code, h.label, NULL, h.version, f.label\n"
    "  FROM sf_headline h\n"
    "  JOIN sf_framework f ON f.version = h.version\n"
    " ORDER BY h.version DESC, h.sort_order, h.code";
static const char SQL_NEEDS[] =
    "SELECT n.code, n.descriptor, n.headline, n.version, f.label\n"
    "  FROM sf_need n\n"
    "  JOIN sf_framework f ON f.version = n.version\n"
    "  JOIN sf_headline h ON h.version = n.version AND h.code = n.headline\n"
    " ORDER BY n.version DESC, h.sort_order, n.code";

int model_other_open_episodes(model_ctx *ctx, int64_t family, int64_t except, int64_t *n, core_error *err)
{
    store_value p[] = {store_v_int(family), store_v_int(except)};
    return store_query_int(ctx->db, ctx->arena, SQL_OTHER_OPEN_EPISODES, p, 2, n, err);
}

int model_open_actions(model_ctx *ctx, int64_t episode, int64_t *n, core_error *err)
{
    store_value p[] = {store_v_int(episode)};
    return store_query_int(ctx->db, ctx->arena, SQL_OPEN_ACTIONS, p, 1, n, err);
}

int model_cancel_open_actions(model_ctx *ctx, int64_t episode, core_error *err)
{
    store_value p[] = {store_v_int(episode), store_v_text(ctx->now),
                       ctx->user_id ? store_v_int(ctx->user_id) : store_v_null()};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_OPEN_ACTIONS_ROWS, p, 1, &st, err);
    json_t *rows = json_array();
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        json_t *o = json_object();
        for (int i = 0; i < store_col_count(st); i++) {
            store_type t = store_col_type(st, i);
            json_object_set_new(o, store_col_name(st, i),
                                t == STORE_NULL  ? json_null()
                                : t == STORE_INT ? json_integer(store_col_int(st, i))
                                                 : json_string(store_col_text(st, i, NULL)));
        }
        json_array_append_new(rows, o);
    }
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        if (rc)
            break;
        char *previous = json_dumps(o, JSON_COMPACT);
        store_value h[] = {store_v_int(json_integer_value(json_object_get(o, "id"))),
                           store_v_int(json_integer_value(json_object_get(o, "version"))), p[1], p[2],
                           store_v_text(previous)};
        rc = store_exec(ctx->db, ctx->arena, SQL_OPEN_ACTIONS_HISTORY, h, 5, NULL, err);
        free(previous);
    }
    json_decref(rows);
    return rc ? rc : store_exec(ctx->db, ctx->arena, SQL_OPEN_ACTIONS_CANCEL, p, 3, NULL, err);
}

int model_episode_end(model_ctx *ctx, int64_t episode, char end[11], core_error *err)
{
    end[0] = 0;
    store_value p[] = {store_v_int(episode)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_EPISODE_END, p, 1, &st, err);
    if (rc == 0)
        rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        snprintf(end, 11, "%s", store_col_text(st, 0, NULL) ? store_col_text(st, 0, NULL) : "");
        store_done(st);
    }
    return 0;
}

int model_need_person_in_family(model_ctx *ctx, int64_t assessment, int64_t person, core_error *err)
{
    store_value p[] = {store_v_int(assessment), store_v_int(person)};
    int64_t n = 0;
    int rc = store_query_int(ctx->db, ctx->arena, SQL_NEED_PERSON_IN_FAMILY, p, 2, &n, err);
    return rc ? rc : n > 0;
}

int model_framework_has(model_ctx *ctx, const char *version, const char *headline, const char *need,
                        core_error *err)
{
    store_value p[] = {store_v_text(version), store_v_text(headline ? headline : ""), store_v_text(need ? need : "")};
    const char *sql = need ? SQL_FRAMEWORK_NEED : headline ? SQL_FRAMEWORK_HEADLINE : SQL_FRAMEWORK_EXISTS;
    size_t n = need ? 3 : headline ? 2 : 1;
    int64_t count = 0;
    int rc = store_query_int(ctx->db, ctx->arena, sql, p, n, &count, err);
    return rc ? rc : count > 0;
}

static void json_release(void *p)
{
    json_decref(p);
}

int model_framework_codes(model_ctx *ctx, const char *list, json_t **out, core_error *err)
{
    *out = NULL;
    int needs = strcmp(list, "sf_need") == 0;
    if (!needs && strcmp(list, "sf_headline") != 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no code list of that name");
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, needs ? SQL_NEEDS : SQL_HEADLINES, NULL, 0, &st, err);
    if (rc)
        return rc;
    json_t *codes = json_array();
    core_arena_on_release(ctx->arena, json_release, codes);
    while ((rc = store_next(st, err)) == 1) {
        const char *parent = store_col_text(st, 2, NULL);
        json_array_append_new(codes, json_pack("{s:s,s:s,s:o,s:s,s:s}", "code", store_col_text(st, 0, NULL),
                                               "label", store_col_text(st, 1, NULL), "parent",
                                               parent ? json_string(parent) : json_null(), "framework",
                                               store_col_text(st, 3, NULL), "framework_label",
                                               store_col_text(st, 4, NULL)));
    }
    if (rc < 0)
        return rc;
    *out = codes;
    return 0;
}

/* A team's open episodes whose lead has asked to close them, the oldest request first. */
static const char SQL_CLOSURES_ASKED[] =
    "SELECT id, family_id\n"
    "  FROM episode\n"
    " WHERE owning_team_id = $1\n"
    "   AND end_date IS NULL\n"
    "   AND closure_requested_on IS NOT NULL\n"
    "   AND archived_on IS NULL\n"
    " ORDER BY closure_requested_on, id\n"
    " LIMIT $2";

int model_worklist_closures(model_ctx *ctx, int64_t team_id, int limit, model_id_pair *out, int *count,
                            core_error *err)
{
    *count = 0;
    store_value p[] = {store_v_int(team_id), store_v_int(limit)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, SQL_CLOSURES_ASKED, p, 2, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1 && *count < limit) {
        out[*count].id = store_col_int(st, 0);
        out[*count].parent_id = store_col_int(st, 1);
        (*count)++;
    }
    return rc < 0 ? rc : 0;
}
