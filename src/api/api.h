/*
 * api.h — the JSON API under /api/v1: the route table and its handlers.
 *
 * Every resource of model/ is served by four generic handlers (list and create on its collection, read and
 * change on its item); a few handlers are special (health, person search, reference lists, schemas).
 * The one route table is api_routes[] in api_routes.c: read it to see every endpoint, its permission and its
 * body limit.
 */
#ifndef HEARTH_API_H
#define HEARTH_API_H

#include "http/http.h"

/* What the handlers need besides the database: http_config.app points at one (http_app() gives it back). */
struct policy;
typedef struct api_app {
    const struct policy *policy; /* the council's loaded policy (GET /privacy), or NULL when none */
    const void *web;             /* the web application's data (web/: web_app), opaque here, or NULL */
    const char *db_path;         /* the database's path (the research key beside it: src/report/), or NULL */
    struct jobs_runner *jobs;    /* the server's job workers (src/jobs/), woken when a job is queued, or NULL */
} api_app;

extern const http_route api_routes[];
extern const size_t api_routes_count;

int api_resource_list(http_req *req);
/* The reads under the generic handlers, shared with the web pages (web/) so that a page reading a record
 * makes exactly the access decisions and audit events the API does (src/web/README.md).
 * api_record_read: record id of r as GET /api/v1/<r>/{id} reads it — the access decision (a refusal audited
 * as 'denied', a hidden record named as absent), the read, the 'read' event with its footing, and the fields
 * the footing hides left out. *out is arena-owned. 0, or the error's code with err set (not answered).
 * api_record_list: up to want (0: MODEL_LIST_DEFAULT) records of r under parent (0 for a top-level resource)
 * the principal may read, after cursor after, as GET /api/v1/<collection> lists them (each read audited,
 * the withheld counted in one 'denied' event). *items arena-owned, *next the next cursor or 0. */
struct model_resource;
struct model_filter;
int api_record_read(http_req *req, const struct model_resource *r, int64_t id, json_t **out, core_error *err);
int api_record_list(http_req *req, const struct model_resource *r, int64_t parent, const struct model_filter *filters,
                    size_t nfilters, int64_t after, int want, json_t **items, int64_t *next, core_error *err);
/* The writes under POST /api/v1/<collection> and PATCH /api/v1/<resource>/{id}, shared with the pages:
 * the same access decision (a refusal audited as 'denied'), the same rules, the record and its 'create' or
 * 'update' event committed together, and the fields the footing hides left out of *out (arena-owned, NULL on
 * error). body is the JSON the API would have been sent. 0, or the error's code with err set (not
 * answered). */
/* The writes under POST /api/v1/<collection> and PATCH /api/v1/<resource>/{id}, shared with the pages: the
 * access decision, the write rules, the model's validation (every problem of the body left in req->problems),
 * the write and its audit event in one transaction. *out arena-owned. 0, or the error's code with err set. */
int api_record_create(http_req *req, const struct model_resource *r, int64_t parent, json_t *body, json_t **out,
                      core_error *err);
int api_record_update(http_req *req, const struct model_resource *r, int64_t id, json_t *body, json_t **out,
                      core_error *err);
/* GET /api/v1/notes/{id}/history and /reviews/{id}/history: the record as api_record_read() reads it (the
 * same decision and 'read' event) with its earlier versions (model_record_history): *out {"current": {...},
 * "earlier": [{version, changed_at, changed_by, previous}]}, arena-owned. 0, or the error's code. */
int api_record_history_read(http_req *req, const struct model_resource *r, int64_t id, json_t **out,
                            core_error *err);
int api_record_history(http_req *req);
int api_resource_create(http_req *req);
int api_resource_get(http_req *req);
int api_resource_update(http_req *req);
int api_person_search(http_req *req);
int api_healthz(http_req *req);
/* GET /privacy: the notice from the server's policy (api_notice.c). */
int api_privacy(http_req *req);
int api_reference_list(http_req *req);
/* The body of GET /api/v1/reference/{list}: *out {"list", "label", "verified", "codes": [{code, label,
 * parent}]} (a new reference). 0, or CORE_E_NOT_FOUND for no such list, or the store's code; err set. */
int api_reference_codes(http_req *req, const char *list, json_t **out, core_error *err);
/* Break glass as POST /api/v1/access/break-glass does with body ({family_id | person_id, reason, explanation}),
 * shared with the page: every problem of the body in req->problems; *grant_id the grant recorded. 0 or the
 * error's code. */
int api_break_glass_grant(http_req *req, json_t *body, int64_t *grant_id, core_error *err);
/* The active codes of reference list `list` as [{code, label, parent}] in their order (the framework's lists
 * sf_headline and sf_need too), for a page's choices: reference data, not case records. *codes arena-owned; 0
 * or the error's code. */
int api_reference_code_items(http_req *req, const char *list, json_t **codes, core_error *err);
int api_schema(http_req *req);
int api_session_create(http_req *req);
/* Worklists (api_worklist.c): GET /api/v1/worklist/caseload, /team and /front-door, and the item lists under them
 * (arena-owned arrays), which the web application's `/` renders. 0 or the error's code with err set. */
enum { API_WORKLIST_MAX = 100, API_WORKLIST_REVIEW_SOON_DAYS = 14, API_WORKLIST_NEW_MAX = 100 };
int api_worklist_caseload(http_req *req);
/* Record that the principal has just looked at episode_id (non-zero), or else at each open episode of family_id:
 * the caseload's "new since you last looked" starts again from now. Call only after the record was read
 * through the access decision. Writes at most once a minute per user and episode. 0 or the store's code. */
int api_worklist_seen(http_req *req, int64_t episode_id, int64_t family_id, core_error *err);
int api_worklist_front_door(http_req *req);
int api_worklist_team(http_req *req);
int api_worklist_team_items(http_req *req, json_t **items, core_error *err);
int api_worklist_caseload_items(http_req *req, json_t **items, core_error *err);
int api_worklist_undecided_items(http_req *req, json_t **items, core_error *err);
/* The team manager's pages, read as the team worklist reads its rows (each case's episode, family and reviews
 * as their GETs read them, "lead" with the lead's name): team_page one page of the team's open cases in the
 * order asked (sort: a model_team_sort, desc 1 for descending; offset, limit at most API_WORKLIST_MAX), *total
 * the count of them all; unallocated those nobody leads; overdue those whose next review is past. */
int api_worklist_team_page(http_req *req, int sort, int desc, int offset, int limit, json_t **items, int64_t *total,
                           core_error *err);
int api_worklist_team_unallocated(http_req *req, json_t **items, core_error *err);
int api_worklist_team_overdue(http_req *req, json_t **items, core_error *err);
/* Sign in (api_session.c), shared with the sign-in page: the transaction, the attempt recorded, and the
 * event audited ('sign_in', or 'sign_in_failed' with why) exactly as POST /api/v1/session does. 0 with token
 * (a live session token: wipe it after use) and *who filled; else the error's code with err set. */
int api_sign_in(http_req *req, const auth_sign_in_req *in, char token[AUTH_TOKEN_CHARS + 1], auth_principal *who,
                core_error *err);
/* Sign out: revoke the request's session, audit 'sign_out', clear the cookie. 0 or the error's code. */
int api_sign_out(http_req *req, core_error *err);
int api_session_delete(http_req *req);
int api_access_report(http_req *req);
int api_break_glass(http_req *req);
int api_duty(http_req *req);
int api_review_list(http_req *req);
int api_review_record(http_req *req);
int api_restriction(http_req *req);
int api_settings_list(http_req *req);
int api_person_matches(http_req *req);
/* The body of POST /api/v1/people/matches, shared with the front door's pages: body (a JSON object of the
 * fields a match takes) checked, the terms audited as a search, and *out a JSON array (a new reference) of
 * the candidates, each with "families": [{family_id, open_episodes: [{id, start_date, owning_team_id,
 * owning_team, lead_user_id, lead}]}] and every person and episode shown audited as read; *searched (when not
 * NULL; a new reference) what was looked up, for an answer with nobody in it. 0 or the error's code. */
int api_person_match_items(http_req *req, json_t *body, json_t **out, json_t **searched, core_error *err);
/* The people who may be the same as the person just created (JSON object `created`): *out a JSON array of
 * {id, probability, suggestion} (new reference; empty when none), each audited as read through the index. */
int api_match_duplicates(http_req *req, json_t *created, json_t **out, core_error *err);
/* POST /api/v1/contacts/{id}/matches: "already known?" within a contact (api_match.c). */
int api_contact_matches(http_req *req);
/* Its body's work, shared with the front door's pages: body ({person_id} of one of the contact's children, or
 * the names, date of birth, sex and identifiers of the person being typed) checked, the caller's front-door
 * footing on contact required (403 otherwise, audited), the terms audited as a search naming the contact, and
 * *out the candidates as api_person_match_items() answers them, with the contact's own evidence (its family
 * postcode; a child's recorded identifiers) counted whatever the caller's footing on a candidate ("view":
 * "contact"). *searched (when not NULL) as there, with "contact" and "from_contact". 0 or the error's code. */
int api_contact_match_items(http_req *req, int64_t contact, json_t *body, json_t **out, json_t **searched,
                            core_error *err);
/* The duplicate warning for child person just named on contact: as api_match_duplicates(), with the contact's
 * evidence counting; an empty answer (not an error) when the caller has no front-door footing on the contact. */
int api_match_contact_duplicates(http_req *req, int64_t contact, int64_t person, json_t **out, core_error *err);
int api_setting_update(http_req *req);
/* Ask the access decision about record (table, id) of section for permission perm (api_resource.c); a denial
 * is recorded (durably) before it is answered, and a hidden record answers exactly as an absent one would
 * ("no NAME with id ID"). Returns 0 (footing filled) or the error's code. */
struct access_footing;
/* Audit err (a refusal of perm on record table/id) as 'denied', durably, and return its code (the audit's
 * own error instead, when recording fails). */
int api_refusal_audit(http_req *req, const char *perm, const char *table, int64_t id, core_error *err);
int api_access_on(http_req *req, const char *section, const char *table, const char *name, int64_t id,
                  const char *perm, struct access_footing *footing, core_error *err);
/* The write rules beyond one record's access decision (api_rules.c): links, moving a contact, staffing. */
struct model_resource;
struct model_ctx;
/* What a write of body to a record of r allocates (access_target.staffing: ACCESS_STAFF_TAF for TAF members,
 * ACCESS_STAFF_LEAD for an episode's lead or team), or 0. */
int api_staffing_write(const struct model_resource *r, json_t *body);
/* Before creating a record of r under parent with body: decide what a link opens (into ctx->link_opens).
 * 0 or the error's code. */
int api_create_rules(http_req *req, const struct model_resource *r, int64_t parent, json_t *body,
                     struct model_ctx *ctx, core_error *err);
/* After creating a record of r (row: as stored), inside the write's transaction: refuse an episode the user
 * may not record (the owning team, the lead). 0, or the error's code with err set and nothing audited: the
 * caller rolls back, then audits the refusal (api_refusal_audit). */
int api_created_rules(http_req *req, const struct model_resource *r, json_t *row, const struct access_footing *f,
                      core_error *err);
/* After changing record id of r with body (in the write's transaction): an episode closed with its open
 * actions cancelled cancels them. 0 or the error's code. */
int api_updated_rules(http_req *req, const struct model_resource *r, int64_t id, json_t *body, json_t *row,
                      struct model_ctx *ctx, core_error *err);
/* Before changing record id of r with body: a contact moved to another family. 0 or the error's code. */
int api_update_rules(http_req *req, const struct model_resource *r, int64_t id, json_t *body,
                     struct model_ctx *ctx, core_error *err);
/* Triage's view of what a contact names; governance's list of links to known records (api_triage.c). */
int api_contact_history(http_req *req);
/* The body of GET /api/v1/contacts/{id}/history, shared with the front door's contact page: the access
 * decision on the contact, then *out (arena-owned) with every card, episode and contact audited as read. 0 or
 * the error's code with err set. */
int api_contact_history_read(http_req *req, int64_t contact, json_t **out, core_error *err);
int api_linked_records(http_req *req);
/* The person index (api_index.c). */
int api_link_run_create(http_req *req);
/* Background jobs (api_jobs.c): GET /api/v1/jobs, GET /api/v1/jobs/{id}, POST /api/v1/jobs/{id}/cancel; and
 * the 202 Accepted a route that queued job id answers with (the job, Location /api/v1/jobs/{id}). */
int api_job_list(http_req *req);
int api_job_get(http_req *req);
int api_job_cancel(http_req *req);
int api_job_accepted(http_req *req, int64_t id);
int api_job_output(http_req *req);
/* What those routes do, shared with the pages (web_jobs.c), each with the API's own access decision and audit
 * events. api_job_items: GET /api/v1/jobs's page (mine: only the caller's, as ?mine=true; else what the caller
 * sees), *out a new reference {"items", "next"}. api_job_read: one job the caller may see (*out a new
 * reference; CORE_E_NOT_FOUND for another's). api_job_cancel_do: POST .../cancel, *out the job after it (a new
 * reference), *state "cancelled" or "running". api_job_output_do: GET .../output's checks and its durable
 * "download" event, then the file (data malloc'd, the caller's: http_reply_bytes takes it; names arena
 * strings). api_job_wake: wake the server's job workers after a job is queued. Each 0, or the code with err
 * set. */
typedef struct api_job_file {
    const char *content_type, *name;
    int fd;      /* the file, checked, in an unlinked temporary file (jobs_output_spool): the caller's to close */
    size_t len;
} api_job_file;
int api_job_items(http_req *req, int mine, int64_t after, int64_t limit, json_t **out, core_error *err);
int api_job_read(http_req *req, int64_t id, json_t **out, core_error *err);
int api_job_cancel_do(http_req *req, int64_t id, json_t **out, const char **state, core_error *err);
int api_job_output_do(http_req *req, int64_t id, api_job_file *file, core_error *err);
void api_job_wake(http_req *req);
/* The routes that queue a job, shared with the pages: a request's pack (POST /api/v1/requests/{id}/pack),
 * Annex A (POST /api/v1/returns/annex-a, body {as_of?, format?, list?}) and a partner import (POST
 * /api/v1/imports, the API's body): the same checks, the same audit events; *job the job queued (the caller
 * wakes the workers: api_job_wake). 0, or the code with err set (and req->problems unset): nothing queued. */
int api_request_pack_job_do(http_req *req, int64_t request, int64_t *job, core_error *err);
int api_return_annex_a_job_do(http_req *req, json_t *body, int64_t *job, core_error *err);
int api_import_create_do(http_req *req, json_t *body, int64_t *job, core_error *err);
int api_import_create(http_req *req);
/* POST /api/v1/retention-plans/{id}/run (api_retention.c): an approved plan carried out as a job. */
int api_retention_plan_run(http_req *req);
int api_link_run_list(http_req *req);
int api_match_review_list(http_req *req);
int api_match_review_get(http_req *req);
int api_match_review_decide(http_req *req);
int api_merge_create(http_req *req);
int api_merge_list(http_req *req);
int api_merge_undo(http_req *req);
int api_person_partner_records(http_req *req);
int api_identification_list(http_req *req);
int api_identification_decide(http_req *req);
/* What GET /api/v1/identification and POST /api/v1/families/{id}/identification do, shared with the pages:
 * the families put forward with at least min headlines (family 0: all; else only that family's entry, only
 * its members read), each member's card and evidence read and audited as the list reads them (*out a new
 * reference); and a decision {decision, reason} on a family, recorded with the headlines it had and audited
 * (*out the decision, a new reference). 0, or the error's code with err set. */
int api_identification_items(http_req *req, int min, int64_t family, json_t **out, core_error *err);
int api_identification_decide_do(http_req *req, int64_t family, json_t *body, json_t **out, core_error *err);
int api_identification_indicators(http_req *req);
/* Configuration changes shown to governance (api_governance.c): GET /api/v1/governance/changes, and what the
 * generic PATCH records of an agency's type. api_config_before: *was is set to (an arena string) the
 * agency_type of agency id before a PATCH whose body names it, else NULL; run it in the write's transaction. 0 or the
 * store's code. api_config_detail: detail (an audit detail JSON object) with "changes":
 * {"agency_type": {"old", "new"}} added when row's agency_type differs from was; else detail itself. */
int api_governance_changes(http_req *req);
/* The register of data-subject requests (api_requests.c, src/gov/). */
int api_request_create(http_req *req);
int api_request_list(http_req *req);
int api_request_get(http_req *req);
int api_request_event(http_req *req);
int api_request_pack(http_req *req);
int api_request_pack_job(http_req *req);
int api_objection(http_req *req);
int api_person_history(http_req *req);
/* Erasure carried out and the disposal records (api_disposals.c, src/gov/gov_dispose.c). */
int api_request_erase(http_req *req);
int api_disposal_list(http_req *req);
int api_disposal_get(http_req *req);
/* After a consent is updated (in the write's transaction): a withdrawal is registered as the person's
 * consent_withdrawal request, and audited. 0 or the store's code. */
int api_consent_withdrawn(http_req *req, json_t *consent, core_error *err);
/* The returns the council sends (api_returns.c, src/report/report_annex.h). */
int api_return_annex_a(http_req *req);
int api_return_annex_a_job(http_req *req);
int api_return_reach(http_req *req);
int api_return_research_extract(http_req *req);
int api_claims_list(http_req *req);
int api_claims_create(http_req *req);
/* The published counts for from..to (rounding 0 or 5), built and recorded in the audit trail as the API's
 * GET /api/v1/returns/reach does (the web page's counts too). 0 or the error's code. */
struct report_reach;
int api_reach_counts(http_req *req, const char *from, const char *to, int rounding, struct report_reach *r,
                     core_error *err);
/* The register of breaches (api_breaches.c, src/gov/gov_breach.c). */
int api_breach_create(http_req *req);
int api_breach_update(http_req *req);
int api_breach_list(http_req *req);
int api_breach_get(http_req *req);
/* Legal holds on single records, for governance (api_retention.c; the SQL is src/retention/'s). */
int api_legal_hold_create(http_req *req);
int api_legal_hold_list(http_req *req);
int api_legal_hold_get(http_req *req);
int api_legal_hold_end(http_req *req);
int api_retention_plan_get(http_req *req);
int api_retention_plan_rows(http_req *req);
int api_retention_plan_approve(http_req *req);
int api_config_before(http_req *req, const char *table, int64_t id, json_t *body, const char **was,
                      core_error *err);
const char *api_config_detail(http_req *req, const char *detail, const char *was, json_t *row);

/* What the /governance and /admin pages share with the handlers (api_access.c): the break-glass review
 * queue (audited as the list is), a review's outcome, the settings and a change to one. */
int api_review_items(http_req *req, int all, int64_t after, int64_t limit, json_t **items, int64_t *next,
                     core_error *err);
int api_review_decide(http_req *req, int64_t id, const char *outcome, const char *note, json_t **out,
                      core_error *err);
int api_settings_items(http_req *req, json_t **items, core_error *err);
/* Suggested pairs as GET /api/v1/match-reviews lists them (id 0) or one pair (id, state "all"): {items, next};
 * and a decision on one, as PATCH /api/v1/match-reviews/{id} makes it (api_index.c). */
struct pindex_decision;
int api_match_review_items(http_req *req, int64_t id, const char *state, const char *kind, int64_t after,
                           int64_t limit, json_t **out, core_error *err);
int api_match_review_decide_do(http_req *req, const struct pindex_decision *d, json_t **out, core_error *err);
/* A person's access report (itself recorded first), the request and breach registers: as the GETs answer. */
int api_access_report_items(http_req *req, int64_t person, int64_t after, int64_t limit, json_t **items,
                             int64_t *next, core_error *err);
int api_request_items(http_req *req, const char *state, json_t **items, core_error *err);
int api_breach_items(http_req *req, json_t **items, core_error *err);
int api_setting_set_do(http_req *req, const char *name, int64_t value, core_error *err);

/* The staff directory and account changes (api_users.c); the *_do and *_item(s) functions are what the
 * handlers and the /admin pages share. */
struct model_user_new;
typedef struct api_user_change {
    const char *role;          /* NULL: unchanged */
    int64_t team_id, agency_id; /* 0: unchanged */
    int disabled;              /* -1 unchanged, 0 enable, 1 disable */
} api_user_change;
int api_users_items(http_req *req, json_t **items, core_error *err);
/* Only the users among ids (n of them), as the directory shows them: each one read is audited as GET
 * /api/v1/users/{id} is (read on app_user), nobody else is read. *items (a new array) is the caller's. */
int api_users_named(http_req *req, const int64_t *ids, size_t n, json_t **items, core_error *err);
int api_user_item(http_req *req, int64_t id, json_t **out, core_error *err);
int api_user_create_do(http_req *req, const struct model_user_new *in, json_t **out, core_error *err);
int api_user_change_do(http_req *req, int64_t id, const api_user_change *c, json_t **out, core_error *err);
int api_user_reset_do(http_req *req, int64_t id, int second_factor, json_t **out, core_error *err);
int api_user_list(http_req *req);
/* The professionals' referral form (api_referral.c): POST /api/v1/referral-form, and what it and the partner's
 * page share: the answers (JSON) checked (every problem in req->problems) and sent to the front door as an
 * undecided contact; *contact its id. 0, or the error's code with err set. */
int api_referral_form_send(http_req *req, json_t *body, int64_t *contact, core_error *err);
int api_referral_form(http_req *req);
int api_user_get(http_req *req);
int api_user_create(http_req *req);
int api_user_update(http_req *req);
int api_user_reset(http_req *req);

/* Request bodies and result rows (api_json.c). Each returns 0 or a negative code with err filled. */
/* Refuse a field not in allowed (comma-separated names). */
int api_body_only(json_t *body, const char *allowed, core_error *err);
/* A text field of min..max bytes into *out (NULL when absent or null and not required). */
int api_body_text(json_t *body, const char *name, int required, size_t min, size_t max, const char **out,
                  core_error *err);
/* A required code of reference list `list`. */
int api_body_code(http_req *req, json_t *body, const char *name, const char *list, const char **out,
                  core_error *err);
/* A record id (positive integer) into *out; 0 when absent or null. */
int api_body_id(json_t *body, const char *name, int64_t *out, core_error *err);

#endif
