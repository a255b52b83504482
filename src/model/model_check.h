/*
 * model_check.h — the rules across a record's fields (model_check.c), named by the resource table
 * (model_resource.c). Each is a model_resource.check: it derives hidden and internal columns and records
 * every problem of the merged row with model_problem(); it returns 0, or the store's code.
 */
#ifndef HEARTH_MODEL_CHECK_H
#define HEARTH_MODEL_CHECK_H

#include "model/model.h"

int person_check(model_ctx *ctx, json_t *obj, core_error *err);
int named_key_check(model_ctx *ctx, json_t *obj, core_error *err);
int contact_check(model_ctx *ctx, json_t *obj, core_error *err);
int episode_check(model_ctx *ctx, json_t *obj, core_error *err);
int dates_check(model_ctx *ctx, json_t *obj, core_error *err);
int taf_member_check(model_ctx *ctx, json_t *obj, core_error *err);
int sharing_basis_check(model_ctx *ctx, json_t *obj, core_error *err);
int member_check(model_ctx *ctx, json_t *obj, core_error *err);
int contact_child_check(model_ctx *ctx, json_t *obj, core_error *err);
int contact_detail_check(model_ctx *ctx, json_t *obj, core_error *err);
int consent_check(model_ctx *ctx, json_t *obj, core_error *err);
int assessment_check(model_ctx *ctx, json_t *obj, core_error *err);
int need_check(model_ctx *ctx, json_t *obj, core_error *err);
int plan_check(model_ctx *ctx, json_t *obj, core_error *err);
int action_check(model_ctx *ctx, json_t *obj, core_error *err);
int review_check(model_ctx *ctx, json_t *obj, core_error *err);
int note_check(model_ctx *ctx, json_t *obj, core_error *err);
int supervision_check(model_ctx *ctx, json_t *obj, core_error *err);

/* 1 when s is an email address as people write them: local@domain.tld, no spaces, at most 254 bytes. */
int model_email_ok(const char *s);

#endif
