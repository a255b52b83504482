/*
 * model_consent.c — what a family has agreed to, as the rules that depend on it ask (contract in model.h).
 */
#include "model/model.h"

/* 1 when a consent to support (scope 'support') is recorded for the episode's family and not withdrawn, or
 * when there is no such episode (the model's own check then answers that it does not exist). */
static const char SQL_EPISODE_AGREED[] =
    "SELECT NOT EXISTS (SELECT 1 FROM episode WHERE id = $1)\n"
    "    OR EXISTS (SELECT 1\n"
    "                 FROM episode e\n"
    "                 JOIN consent c ON c.family_id = e.family_id\n"
    "                WHERE e.id = $1\n"
    "                  AND c.scope = 'support'\n"
    "                  AND c.withdrawn_on IS NULL)";

int model_episode_agreed(model_ctx *ctx, int64_t episode, int *agreed, core_error *err)
{
    int64_t n = 0;
    store_value p[] = {store_v_int(episode)};
    int rc = store_query_int(ctx->db, ctx->arena, SQL_EPISODE_AGREED, p, 1, &n, err);
    *agreed = rc == 0 && n > 0;
    return rc;
}
