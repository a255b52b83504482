/*
 * api_rules.c — the write rules beyond one record's access decision (docs/access.md, "No footing from what
 * you record yourself").
 *
 * The access decision answers "may this user write this record?". Some writes also change who may see what,
 * and for those a footing on the record is not enough:
 *   - a link (a person added to a family or named as a contact's child, a family named by a contact) opens
 *     the linked record only when access_link_opens() says so; the link is recorded either way, and what
 *     existed before it stays behind its own footings;
 *   - a contact is moved to another family only onto a family the user may write (or by the front door
 *     while the contact is in triage, which does not open that family);
 *   - a decided contact is not reopened (its decision cleared, or its date moved later): that would extend
 *     the front door's triage by recording;
 *   - a case is staffed (its lead, its team, its Team Around the Family) by the owning team's manager — the
 *     decision checks that with access_target.staffing — and an episode is recorded by the front door during
 *     triage, or for the user's own team on a family they recorded or work (without a lead: only the team's
 *     manager names one).
 * Every refusal here is audited as 'denied', like the decision's own.
 */
#include <inttypes.h>

#include "access/access.h"
#include "api/api.h"
#include "policy/policy.h"
#include "model/model.h"

/* Record a refusal made here and hand its code back. */
static int refused(http_req *req, const char *table, int64_t id, core_error *err)
{
    return api_refusal_audit(req, "record.write", table, id, err);
}

/* A positive integer field of body, or 0. */
static int64_t body_id(json_t *body, const char *name)
{
    json_t *v = json_object_get(body, name);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

int api_staffing_write(const model_resource *r, json_t *body)
{
    if (strcmp(r->table, "episode_member") == 0)
        return ACCESS_STAFF_TAF;
    if (strcmp(r->table, "episode") == 0 &&
        (json_object_get(body, "lead_user_id") || json_object_get(body, "owning_team_id")))
        return ACCESS_STAFF_LEAD;
    if (strcmp(r->table, "episode") == 0 &&
        (json_object_get(body, "end_date") || json_object_get(body, "start_date") ||
         json_object_get(body, "closure_reason")))
        return ACCESS_STAFF_TAF; /* closing or reopening a case moves everyone's footing: the lead or manager */
    return 0;
}

/* ctx->link_opens for a link to target through parent. */
static int link_decide(http_req *req, access_link kind, int64_t parent, int64_t target, model_ctx *ctx,
                       core_error *err)
{
    if (!target)
        return 0; /* the model refuses a missing or malformed id */
    int opens = access_link_opens(req->db, &req->who, kind, parent, target, err);
    if (opens < 0)
        return opens;
    ctx->link_opens = opens;
    return 0;
}

/* A council whose policy says an assessment starts only with the family's agreement (Cumbria: "only initiated
 * with your agreement") refuses one until a consent to support is recorded for the family and not withdrawn. */
static int agreement_kept(http_req *req, int64_t episode, model_ctx *ctx, core_error *err)
{
    const api_app *app = http_app(req);
    if (!app || !app->policy || !app->policy->assessment_needs_agreement)
        return 0;
    int agreed = 0;
    int rc = model_episode_agreed(ctx, episode, &agreed, err);
    if (rc || agreed)
        return rc;
    core_error_set(err, CORE_E_CONFLICT, "this council starts an assessment only with the family's agreement, and "
                                         "none is recorded");
    return core_error_hint(err, "record the family's consent to support (scope support) first: POST "
                                "/api/v1/families/{id}/consents");
}

/* Supervision is the owning team's manager's record of supervising the case: recorded and changed by that
 * manager only (the lead reads it, as the access decision's need-to-know section allows). */
static int supervisor_only(http_req *req, int64_t episode, int64_t id, model_ctx *ctx, core_error *err)
{
    json_t *row;
    int rc = model_get(ctx, model_resource_find("episodes"), episode, &row, err);
    if (rc)
        return rc;
    if (access_may_allocate(&req->who, json_integer_value(json_object_get(row, "owning_team_id")), err) ==
        ACCESS_ALLOW)
        return 0;
    core_error_set(err, CORE_E_FORBIDDEN, "supervision is recorded by the manager of the team that owns the case");
    core_error_hint(err, "ask the team manager to record the supervision");
    return refused(req, id ? "supervision" : "episode", id ? id : episode, err);
}

/* Editing a saved case note or review: by its author, while its episode is open. The earlier text is kept
 * (row_history, as every change) and the record shows as edited (version above 1). Governance correcting a
 * record on a rectification duty is the data subject's right, not an edit, and is not held to this. */
static int author_while_open(http_req *req, const model_resource *r, int64_t id, model_ctx *ctx, core_error *err)
{
    if (access_role_of(&req->who) == ACCESS_ROLE_GOVERNANCE)
        return 0; /* a rectification duty corrects what others wrote (the subject's right, docs/access.md) */
    json_t *row, *ep;
    int rc = model_get(ctx, r, id, &row, err);
    if (rc)
        return rc == CORE_E_NOT_FOUND ? (core_error_clear(err), 0) : rc; /* the model answers */
    if (json_integer_value(json_object_get(row, "created_by")) != req->who.user_id) {
        core_error_set(err, CORE_E_FORBIDDEN, "a saved %s is edited only by the person who wrote it",
                       strcmp(r->table, "review") == 0 ? "review" : "note");
        core_error_hint(err, "add a new note that corrects it");
        return refused(req, r->table, id, err);
    }
    rc = model_get(ctx, model_resource_find("episodes"), json_integer_value(json_object_get(row, "episode_id")),
                   &ep, err);
    if (rc)
        return rc;
    if (!json_is_null(json_object_get(ep, "end_date"))) {
        core_error_set(err, CORE_E_CONFLICT, "the case is closed, so its %s can no longer be edited",
                       strcmp(r->table, "review") == 0 ? "reviews" : "notes");
        core_error_hint(err, "add a note after closure instead");
        return refused(req, r->table, id, err);
    }
    return 0;
}

int api_create_rules(http_req *req, const model_resource *r, int64_t parent, json_t *body, model_ctx *ctx,
                     core_error *err)
{
    if (strcmp(r->table, "supervision") == 0)
        return supervisor_only(req, parent, 0, ctx, err);
    if (strcmp(r->table, "family_member") == 0)
        return link_decide(req, ACCESS_LINK_MEMBER, parent, body_id(body, "person_id"), ctx, err);
    if (strcmp(r->table, "contact_child") == 0)
        return link_decide(req, ACCESS_LINK_CONTACT_CHILD, parent, body_id(body, "person_id"), ctx, err);
    if (strcmp(r->table, "contact") == 0)
        return link_decide(req, ACCESS_LINK_CONTACT_FAMILY, 0, body_id(body, "family_id"), ctx, err);
    if (strcmp(r->table, "assessment") == 0)
        return agreement_kept(req, parent, ctx, err);
    return 0;
}

int api_created_rules(http_req *req, const model_resource *r, json_t *row, const struct access_footing *f,
                      core_error *err)
{
    if (strcmp(r->table, "episode") != 0)
        return 0;
    /* An episode hands the family to a team: the front door does so as the outcome of triage; otherwise a
     * member of the team that will own it, on a footing that is not borrowed (the family's recorder, its lead
     * or the team's manager). Only that team's manager names the lead. Decided on the row as stored, so the
     * model's own refusals (an unknown team, a malformed body) come first. */
    int64_t team = json_integer_value(json_object_get(row, "owning_team_id"));
    json_t *lead = json_object_get(row, "lead_user_id");
    if (lead && !json_is_null(lead))
        return access_may_allocate(&req->who, team, err) == ACCESS_ALLOW ? 0 : err->code;
    if (f->basis == ACCESS_ON_FRONT_DOOR)
        return 0;
    int own_team = req->who.team_id && req->who.team_id == team;
    if (!own_team || (f->basis != ACCESS_ON_RECORDER && f->basis != ACCESS_ON_LEAD &&
                      f->basis != ACCESS_ON_TEAM_MANAGER)) {
        core_error_set(err, CORE_E_FORBIDDEN, "an episode is recorded by the front door, or for your own team "
                                              "on a family you recorded or work");
        return core_error_hint(err, "refer the family through the front door");
    }
    return 0;
}

/* A decided contact is not reopened: clearing its decision, or moving its date later, would extend the
 * front door's triage footing by recording (docs/access.md). A new contact is recorded instead. */
static int decision_kept(http_req *req, int64_t id, json_t *body, core_error *err)
{
    json_t *dec = json_object_get(body, "decision"), *date = json_object_get(body, "decision_date");
    if (!dec && !date)
        return 0;
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    char stored[11] = "";
    int rc = model_contact_decided(&ctx, id, stored, err);
    if (rc <= 0)
        return rc; /* undecided (or absent: the model answers) */
    const char *now = json_string_value(date);
    if ((dec && json_is_null(dec)) || (date && (!now || strcmp(now, stored) > 0))) {
        core_error_set(err, CORE_E_CONFLICT, "a decided contact is not reopened");
        core_error_hint(err, "record a new contact if the family comes back to the front door");
        return refused(req, "contact", id, err);
    }
    return 0;
}

/* A case is closed by the owning team's manager, approving the lead's request (closure_requested_on), and
 * re-opened by that manager only: a practitioner does neither alone. */
static int closure_approved(http_req *req, int64_t id, json_t *body, model_ctx *ctx, core_error *err)
{
    json_t *end = json_object_get(body, "end_date");
    if (!end)
        return 0;
    json_t *row;
    int rc = model_get(ctx, model_resource_find("episodes"), id, &row, err);
    if (rc)
        return rc == CORE_E_NOT_FOUND ? (core_error_clear(err), 0) : rc; /* the model answers */
    int was_open = json_is_null(json_object_get(row, "end_date"));
    int closing = was_open && !json_is_null(end), reopening = !was_open && json_is_null(end);
    if (!closing && !reopening)
        return 0;
    if (access_may_allocate(&req->who, json_integer_value(json_object_get(row, "owning_team_id")), err) ==
        ACCESS_ALLOW)
        return 0;
    if (closing) {
        core_error_set(err, CORE_E_FORBIDDEN, "a case is closed by the team manager, approving the lead's request");
        core_error_hint(err, "ask for closure: closure_requested_on with closure_request_reason");
    } else {
        core_error_set(err, CORE_E_FORBIDDEN, "a case is re-opened by the team manager, not by a practitioner alone");
        core_error_hint(err, "ask the team manager to re-open it");
    }
    return refused(req, "episode", id, err);
}

/* A case closed as stepped up to children's social care is referred there: the closure records the step-up as
 * a contact about the family, decided "step up" by the manager who closed it on the day it closed (source 5D,
 * early help, in the DfE's codes), so Annex A and the family's chronology see it. It is written in the
 * closure's transaction and audited as a create made through the closure; the contact is decided, so it gives
 * the front door no triage footing. */
static int step_up_recorded(http_req *req, int64_t episode, json_t *row, model_ctx *ctx, core_error *err)
{
    const char *end = json_string_value(json_object_get(row, "end_date"));
    const char *note = json_string_value(json_object_get(row, "closure_request_note"));
    json_t *team;
    int rc = model_get(ctx, model_resource_find("teams"), json_integer_value(json_object_get(row, "owning_team_id")),
                       &team, err);
    if (rc)
        return rc;
    const char *reason = core_arena_printf(ctx->arena, "Stepped up to children's social care at the closure of early "
                                                       "help case %" PRId64 "%s%s",
                                           episode, note ? ": " : ".", note ? note : "");
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:I,s:s}", "received_on", end, "channel", "online_form",
                          "contactor_type", "professional", "source_code", "5D", "reason", reason, "family_id",
                          json_object_get(row, "family_id"), "decision", "step_up", "decision_date", end,
                          "decided_by", (json_int_t)req->who.user_id, "decision_rationale",
                          "The early help case closed as stepped up to children's social care");
    json_t *agency = json_object_get(team, "agency_id");
    if (json_is_integer(agency))
        json_object_set(c, "contactor_agency_id", agency);
    json_t *out;
    rc = model_create(ctx, model_resource_find("contacts"), 0, c, &out, err);
    json_decref(c);
    if (rc)
        return rc;
    const char *detail = core_arena_printf(ctx->arena, "{\"via\":\"step_up\",\"episode\":%" PRId64 "}", episode);
    return http_audit_write(req, "create", "contact", json_integer_value(json_object_get(out, "id")), detail, err);
}

int api_updated_rules(http_req *req, const model_resource *r, int64_t id, json_t *body, json_t *row,
                      model_ctx *ctx, core_error *err)
{
    if (strcmp(r->table, "episode") != 0 || !json_object_get(body, "end_date") ||
        json_is_null(json_object_get(row, "end_date")))
        return 0;
    json_t *earlier; /* the row as it stood before this change: only a closure, not a closed case re-dated */
    int rc = model_record_history(ctx, r, id, &earlier, err);
    if (rc)
        return rc;
    json_t *was = json_object_get(json_array_get(earlier, 0), "previous");
    if (was && !json_is_null(json_object_get(was, "end_date")))
        return 0;
    const char *what = json_string_value(json_object_get(row, "open_actions"));
    rc = what && strcmp(what, "cancelled") == 0 ? model_cancel_open_actions(ctx, id, err) : 0;
    const char *why = json_string_value(json_object_get(row, "closure_reason"));
    if (rc == 0 && why && strcmp(why, "stepped_up") == 0)
        rc = step_up_recorded(req, id, row, ctx, err);
    return rc;
}

int api_update_rules(http_req *req, const model_resource *r, int64_t id, json_t *body, model_ctx *ctx,
                     core_error *err)
{
    if (strcmp(r->table, "contact") == 0 && decision_kept(req, id, body, err))
        return err->code;
    if (strcmp(r->table, "episode") == 0 && closure_approved(req, id, body, ctx, err))
        return err->code;
    if ((strcmp(r->table, "case_note") == 0 || strcmp(r->table, "review") == 0) &&
        author_while_open(req, r, id, ctx, err))
        return err->code;
    if (strcmp(r->table, "supervision") == 0) {
        json_t *row;
        int rc = model_get(ctx, r, id, &row, err);
        if (rc)
            return rc == CORE_E_NOT_FOUND ? (core_error_clear(err), 0) : rc;
        if (supervisor_only(req, json_integer_value(json_object_get(row, "episode_id")), id, ctx, err))
            return err->code;
    }
    if (strcmp(r->table, "contact") != 0 || !json_object_get(body, "family_id"))
        return 0;
    int64_t family = body_id(body, "family_id");
    if (!family)
        return 0; /* null: the contact names no family; a malformed id is the model's to refuse */
    /* Moving a contact: onto a family the user may already write, or — the front door, while it triages
     * the contact — onto a known family, which the contact then does not open. */
    if (access_role_of(&req->who) != ACCESS_ROLE_FRONT_DOOR) {
        access_target what = {"family", "family", family, NULL, 0};
        access_footing f;
        if (access_decide(req->db, &req->who, "record.write", &what, &f, err) != ACCESS_ALLOW || !f.basis) {
            if (err->code == CORE_E_STORE)
                return err->code;
            core_error_set(err, CORE_E_FORBIDDEN, "a contact is moved only to a family you work with");
            core_error_hint(err, "ask the front door or the family's lead practitioner to correct it");
            return refused(req, "contact", id, err);
        }
    }
    return link_decide(req, ACCESS_LINK_CONTACT_FAMILY, id, family, ctx, err);
}
