/*
 * api_routes.c — THE route table: every endpoint Hearth serves, with its permission and body limit.
 *
 * Collection routes list (GET, with the resource's filters, after and limit) and create (POST); item routes
 * read (GET) and change (PATCH). A child resource's collection hangs off its parent
 * (/api/v1/episodes/{id}/notes); every item is addressed flat (/api/v1/notes/{id}).
 * The data column names the model_resource served (model/model_resource.c).
 */
#include "api/api.h"

enum {
    BODY_SMALL = 64 * 1024,   /* ordinary records */
    BODY_NOTE = 256 * 1024,   /* free text: notes, assessments, plans */
    BODY_IMPORT = 64 * 1024 * 1024, /* a partner's CSV file with its mapping, for an import job */
};

#define COLLECTION(path, res, body)                                                                           \
    {"GET", "/api/v1/" path, api_resource_list, "record.list", 0, NULL, res, HTTP_ROUTE_FILTERS},             \
    {"POST", "/api/v1/" path, api_resource_create, "record.create", body, NULL, res, 0}
#define ITEM(res, body)                                                                                       \
    {"GET", "/api/v1/" res "/{id}", api_resource_get, "record.read", 0, NULL, res, 0},                        \
    {"PATCH", "/api/v1/" res "/{id}", api_resource_update, "record.write", body, NULL, res, 0}

const http_route api_routes[] = {
    /* method  pattern                          handler             permission      body  params / data */
    {"GET", "/healthz", api_healthz, "public", 0, NULL, NULL, HTTP_ROUTE_PUBLIC},
    {"GET", "/api/v1/healthz", api_healthz, "public", 0, NULL, NULL, HTTP_ROUTE_PUBLIC},
    {"GET", "/privacy", api_privacy, "public", 0, "format", NULL, HTTP_ROUTE_PUBLIC},
    {"POST", "/api/v1/session", api_session_create, "public", 4096, NULL, NULL, HTTP_ROUTE_PUBLIC},
    {"DELETE", "/api/v1/session", api_session_delete, "session.end", 0, NULL, NULL, 0},
    {"GET", "/api/v1/people/search", api_person_search, "person.search", 0, "name,date_of_birth,identifier,after,limit",
     NULL, 0},
    {"POST", "/api/v1/people/matches", api_person_matches, "person.search", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/people/{id}/access-report", api_access_report, "governance.access_report", 0, "after,limit",
     NULL, 0},
    {"POST", "/api/v1/access/break-glass", api_break_glass, "access.break_glass", 16384, NULL, NULL, 0},
    {"POST", "/api/v1/access/duties", api_duty, "governance.duty", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/governance/reviews", api_review_list, "governance.review", 0, "state,after,limit", NULL, 0},
    {"PATCH", "/api/v1/governance/reviews/{id}", api_review_record, "governance.review", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/governance/changes", api_governance_changes, "governance.review", 0, "after,limit", NULL, 0},
    {"POST", "/api/v1/people/{id}/restriction", api_restriction, "governance.restrict", 16384, NULL, NULL, 0},
    {"POST", "/api/v1/requests", api_request_create, "governance.requests", BODY_SMALL, NULL, NULL, 0},
    {"GET", "/api/v1/requests", api_request_list, "governance.requests", 0, "state", NULL, 0},
    {"GET", "/api/v1/requests/{id}", api_request_get, "governance.requests", 0, NULL, NULL, 0},
    {"POST", "/api/v1/requests/{id}/events", api_request_event, "governance.requests", BODY_SMALL, NULL, NULL, 0},
    {"GET", "/api/v1/people/{id}/history", api_person_history, "governance.requests", 0, NULL, NULL, 0},
    {"POST", "/api/v1/people/{id}/objections", api_objection, "governance.requests", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/requests/{id}/pack", api_request_pack, "governance.requests", 0, NULL, NULL, 0},
    {"POST", "/api/v1/requests/{id}/pack", api_request_pack_job, "governance.requests", 4096, NULL, NULL, 0},
    {"POST", "/api/v1/requests/{id}/erase", api_request_erase, "governance.requests", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/disposals", api_disposal_list, "governance.requests", 0, "after,limit", NULL, 0},
    {"GET", "/api/v1/disposals/{id}", api_disposal_get, "governance.requests", 0, NULL, NULL, 0},
    {"POST", "/api/v1/breaches", api_breach_create, "governance.breaches", BODY_SMALL, NULL, NULL, 0},
    {"GET", "/api/v1/breaches", api_breach_list, "governance.breaches", 0, NULL, NULL, 0},
    {"GET", "/api/v1/breaches/{id}", api_breach_get, "governance.breaches", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/breaches/{id}", api_breach_update, "governance.breaches", BODY_SMALL, NULL, NULL, 0},
    {"GET", "/api/v1/contacts/{id}/history", api_contact_history, "record.read", 0, NULL, NULL, 0},
    {"POST", "/api/v1/contacts/{id}/matches", api_contact_matches, "person.search", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/governance/linked-records", api_linked_records, "governance.review", 0, "limit", NULL, 0},
    {"POST", "/api/v1/legal-holds", api_legal_hold_create, "governance.hold", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/legal-holds", api_legal_hold_list, "governance.hold", 0, "standing,after,limit", NULL, 0},
    {"GET", "/api/v1/legal-holds/{id}", api_legal_hold_get, "governance.hold", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/legal-holds/{id}", api_legal_hold_end, "governance.hold", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/retention-plans/{id}", api_retention_plan_get, "governance.retention", 0, NULL, NULL, 0},
    {"GET", "/api/v1/retention-plans/{id}/rows", api_retention_plan_rows, "governance.retention", 0,
     "action,after,limit", NULL, 0},
    {"POST", "/api/v1/retention-plans/{id}/approval", api_retention_plan_approve, "governance.retention", 4096, NULL,
     NULL, 0},
    {"POST", "/api/v1/retention-plans/{id}/run", api_retention_plan_run, "governance.retention", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/settings", api_settings_list, "settings.read", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/settings/{name}", api_setting_update, "settings.write", 4096, NULL, NULL, 0},
    {"POST", "/api/v1/link-runs", api_link_run_create, "link.run", 4096, NULL, NULL, 0},
    {"POST", "/api/v1/imports", api_import_create, "partner.import", BODY_IMPORT, NULL, NULL, 0},
    {"GET", "/api/v1/link-runs", api_link_run_list, "link.run", 0, "after,limit", NULL, 0},
    {"GET", "/api/v1/jobs", api_job_list, "jobs.read", 0, "after,limit,mine", NULL, 0},
    {"GET", "/api/v1/jobs/{id}", api_job_get, "jobs.read", 0, NULL, NULL, 0},
    {"POST", "/api/v1/jobs/{id}/cancel", api_job_cancel, "jobs.cancel", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/jobs/{id}/output", api_job_output, "jobs.read", 0, NULL, NULL, 0},
    {"GET", "/api/v1/match-reviews", api_match_review_list, "match.review", 0, "state,kind,after,limit", NULL, 0},
    {"GET", "/api/v1/match-reviews/{id}", api_match_review_get, "match.review", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/match-reviews/{id}", api_match_review_decide, "match.review", 16384, NULL, NULL, 0},
    {"POST", "/api/v1/merges", api_merge_create, "match.review", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/merges", api_merge_list, "match.review", 0, "after,limit", NULL, 0},
    {"POST", "/api/v1/merges/{id}/undo", api_merge_undo, "match.review", 16384, NULL, NULL, 0},
    {"GET", "/api/v1/people/{id}/partner-records", api_person_partner_records, "record.read", 0, NULL, NULL, 0},
    {"GET", "/api/v1/identification", api_identification_list, "identification.read", 0, "min_headlines", NULL, 0},
    {"GET", "/api/v1/identification/indicators", api_identification_indicators, "reference.read", 0, NULL, NULL, 0},
    {"POST", "/api/v1/families/{id}/identification", api_identification_decide, "identification.decide", 16384,
     NULL, NULL, 0},
    {"GET", "/api/v1/worklist/caseload", api_worklist_caseload, "record.list", 0, NULL, NULL, 0},
    {"GET", "/api/v1/worklist/team", api_worklist_team, "record.list", 0, NULL, NULL, 0},
    {"GET", "/api/v1/worklist/front-door", api_worklist_front_door, "record.list", 0, NULL, NULL, 0},
    {"GET", "/api/v1/users", api_user_list, "users.read", 0, NULL, NULL, 0},
    {"POST", "/api/v1/users", api_user_create, "users.admin", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/users/{id}", api_user_get, "users.read", 0, NULL, NULL, 0},
    {"PATCH", "/api/v1/users/{id}", api_user_update, "users.admin", 4096, NULL, NULL, 0},
    {"POST", "/api/v1/users/{id}/reset", api_user_reset, "users.admin", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/returns/annex-a", api_return_annex_a, "returns.annex_a", 0, "as_of,format,list", NULL, 0},
    {"POST", "/api/v1/returns/annex-a", api_return_annex_a_job, "returns.annex_a", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/returns/reach", api_return_reach, "returns.counts", 0, "from,to,round,format", NULL, 0},
    {"POST", "/api/v1/returns/research-extracts", api_return_research_extract, "returns.research", 4096, NULL, NULL, 0},
    {"GET", "/api/v1/claims", api_claims_list, "claims.read", 0, "as_of,episode,state", NULL, 0},
    {"POST", "/api/v1/claims", api_claims_create, "claims.decide", 4096, NULL, NULL, 0},
    {"POST", "/api/v1/referral-form", api_referral_form, "referral.submit", 32768, NULL, NULL, 0},
    {"GET", "/api/v1/reference/{name}", api_reference_list, "reference.read", 0, NULL, NULL, 0},
    {"GET", "/api/v1/schema/{name}", api_schema, "reference.read", 0, NULL, NULL, 0},

    COLLECTION("people", "people", BODY_SMALL),                 ITEM("people", BODY_SMALL),
    COLLECTION("people/{id}/former-names", "former-names", BODY_SMALL), ITEM("former-names", BODY_SMALL),
    COLLECTION("people/{id}/addresses", "addresses", BODY_SMALL), ITEM("addresses", BODY_SMALL),
    COLLECTION("people/{id}/contact-details", "contact-details", BODY_SMALL), ITEM("contact-details", BODY_SMALL),
    COLLECTION("families", "families", BODY_SMALL),             ITEM("families", BODY_SMALL),
    COLLECTION("families/{id}/members", "members", BODY_SMALL), ITEM("members", BODY_SMALL),
    COLLECTION("contacts", "contacts", BODY_NOTE),              ITEM("contacts", BODY_NOTE),
    COLLECTION("contacts/{id}/children", "children", BODY_SMALL), ITEM("children", BODY_SMALL),
    COLLECTION("phone-calls", "phone-calls", BODY_NOTE),        ITEM("phone-calls", BODY_NOTE),
    COLLECTION("families/{id}/referrals", "referrals", BODY_NOTE), ITEM("referrals", BODY_NOTE),
    COLLECTION("families/{id}/consents", "consents", BODY_SMALL), ITEM("consents", BODY_SMALL),
    COLLECTION("families/{id}/sharing-bases", "sharing-bases", BODY_NOTE), ITEM("sharing-bases", BODY_NOTE),
    COLLECTION("families/{id}/episodes", "episodes", BODY_SMALL), ITEM("episodes", BODY_SMALL),
    COLLECTION("episodes/{id}/taf-members", "taf-members", BODY_SMALL), ITEM("taf-members", BODY_SMALL),
    COLLECTION("episodes/{id}/assessments", "assessments", BODY_NOTE), ITEM("assessments", BODY_NOTE),
    COLLECTION("assessments/{id}/areas", "areas", BODY_NOTE),   ITEM("areas", BODY_NOTE),
    COLLECTION("assessments/{id}/needs", "needs", BODY_NOTE),   ITEM("needs", BODY_NOTE),
    COLLECTION("episodes/{id}/plans", "plans", BODY_SMALL),     ITEM("plans", BODY_SMALL),
    COLLECTION("plans/{id}/goals", "goals", BODY_NOTE),         ITEM("goals", BODY_NOTE),
    COLLECTION("plans/{id}/actions", "actions", BODY_NOTE),     ITEM("actions", BODY_NOTE),
    COLLECTION("episodes/{id}/reviews", "reviews", BODY_NOTE),  ITEM("reviews", BODY_NOTE),
    COLLECTION("episodes/{id}/activities", "activities", BODY_SMALL), ITEM("activities", BODY_SMALL),
    COLLECTION("episodes/{id}/notes", "notes", BODY_NOTE),      ITEM("notes", BODY_NOTE),
    /* a saved note or review edited by its author: the earlier versions (api_record_history) */
    {"GET", "/api/v1/notes/{id}/history", api_record_history, "record.read", 0, NULL, "notes", 0},
    {"GET", "/api/v1/reviews/{id}/history", api_record_history, "record.read", 0, NULL, "reviews", 0},
    COLLECTION("episodes/{id}/supervisions", "supervisions", BODY_NOTE), ITEM("supervisions", BODY_NOTE),
    COLLECTION("agencies", "agencies", BODY_SMALL),             ITEM("agencies", BODY_SMALL),
    COLLECTION("teams", "teams", BODY_SMALL),                   ITEM("teams", BODY_SMALL),
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
