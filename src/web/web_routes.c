/*
 * web_routes.c — the page routes: the web application's table, beside the API's (api_routes.c).
 *
 * Why a second table: pages and the API differ in what an error and a missing session look like (an HTML
 * page and a redirect to /sign-in, not JSON and 401) and in how a form carries its CSRF token, which the
 * HTTP_ROUTE_PAGE flag tells the server; keeping them apart also keeps tests/api/access_matrix.py, which
 * checks every API route as every role, about the API. The server is given one array, pages first then
 * the API's (cli_serve.c), and matches it in order. Every page names the permission the route-level access
 * decision is asked, as API routes do; the records on a page are then decided one by one.
 */
#include "web/web_case.h"
#include "web/web_internal.h"

enum { FORM_SMALL = 8 * 1024, FORM_CONTACT = 64 * 1024 };
enum { FORM_CASE = 256 * 1024 /* free text: notes, assessments (as the API's) */ };

const http_route web_routes[] = {
    /* method  pattern         handler              permission     body        params  data  flags */
    {"GET", "/sign-in", web_sign_in_form, "public", 0, NULL, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PAGE},
    {"POST", "/sign-in", web_sign_in, "public", FORM_SMALL, NULL, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PAGE},
    {"POST", "/sign-out", web_sign_out, "session.end", FORM_SMALL, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/session/alive", web_session_alive, "session.end", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/", web_worklist, "record.list", 0, "sort,order,page,allocated", NULL, HTTP_ROUTE_PAGE},
    {"GET", "/families/{id}", web_family, "record.read", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    /* information governance (web_gov.c) and administration (web_admin.c) */
    {"GET", "/governance", web_governance, "governance.review", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/governance/reviews/{id}", web_gov_review, "governance.review", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/governance/reviews/{id}", web_gov_review_post, "governance.review", FORM_SMALL, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/governance/match-reviews/{id}", web_gov_match, "match.review", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/governance/match-reviews/{id}", web_gov_match_post, "match.review", FORM_SMALL, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/governance/access-report", web_gov_access_report, "governance.access_report", 0, "person", NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/admin", web_admin, "users.admin", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/admin/users/new", web_admin_user_new, "users.admin", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/admin/users/new", web_admin_user_create, "users.admin", FORM_SMALL, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/admin/users/{id}", web_admin_user, "users.admin", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/admin/users/{id}", web_admin_user_post, "users.admin", FORM_SMALL, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/admin/settings/{name}", web_admin_setting, "users.admin", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/admin/settings/{name}", web_admin_setting_post, "settings.write", FORM_SMALL, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/governance/identification", web_ident_list, "identification.read", 0, "done", NULL, HTTP_ROUTE_PAGE},
    {"GET", "/governance/identification/{id}", web_ident_family, "identification.read", 0, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"POST", "/governance/identification/{id}", web_ident_decide, "identification.decide", FORM_SMALL, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/referrals/new", web_referral_form, "referral.submit", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/referrals/new", web_referral_send, "referral.submit", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/referrals/sent", web_referral_sent, "referral.submit", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/reach", web_reach, "returns.counts", 0, "from,to,round", NULL, HTTP_ROUTE_PAGE},
    /* the front door's pages and the team manager's allocation (web_frontdoor.c, web_team.c) */
    {"GET", "/front-door", web_fd_queue, "frontdoor.triage", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/front-door/new", web_fd_new_form, "frontdoor.triage", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/front-door/new", web_fd_new, "frontdoor.triage", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/front-door/change", web_fd_change, "frontdoor.triage", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/front-door/known", web_fd_known_live, "frontdoor.triage", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/front-door/check", web_fd_check, "frontdoor.triage", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/front-door/record", web_fd_record, "frontdoor.triage", FORM_CONTACT, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/front-door/contacts/{id}", web_fd_contact, "frontdoor.triage", 0, "recorded,decided,sent", NULL,
     HTTP_ROUTE_PAGE},
    {"POST", "/front-door/contacts/{id}/decision", web_fd_decide, "frontdoor.triage", FORM_CONTACT, NULL, NULL,
     HTTP_ROUTE_PAGE},
    {"GET", "/team/episodes/{id}/allocate", web_team_allocate_form, "team.allocate", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"POST", "/team/episodes/{id}/allocate", web_team_allocate, "team.allocate", FORM_SMALL, NULL, NULL,
     HTTP_ROUTE_PAGE},
    /* the practitioner's, team manager's and partner's pages of a case (web_case.h) */
    {"GET", "/episodes/{id}", web_episode, "record.read", 0, "done", NULL, HTTP_ROUTE_PAGE},
    {"GET", "/people/{id}", web_person, "record.read", 0, "done", NULL, HTTP_ROUTE_PAGE},
    {"GET", "/closures", web_closures, "record.list", 0, NULL, NULL, HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-note", web_case_form_get, "record.read", 0, NULL, "episodes:add-note", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-note", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-note", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-review", web_case_form_get, "record.read", 0, NULL, "episodes:add-review", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-review", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-review", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-activity", web_case_form_get, "record.read", 0, NULL, "episodes:add-activity", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-activity", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-activity", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-taf-member", web_case_form_get, "record.read", 0, NULL, "episodes:add-taf-member", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-taf-member", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-taf-member", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-plan", web_case_form_get, "record.read", 0, NULL, "episodes:add-plan", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-plan", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-plan", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-assessment", web_case_form_get, "record.read", 0, NULL, "episodes:add-assessment", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-assessment", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-assessment", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/ask-to-close", web_case_form_get, "record.read", 0, NULL, "episodes:ask-to-close", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/ask-to-close", web_case_form_post, "record.write", FORM_CASE, NULL, "episodes:ask-to-close", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/close", web_case_form_get, "record.read", 0, NULL, "episodes:close", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/close", web_case_form_post, "record.write", FORM_CASE, NULL, "episodes:close", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/reopen", web_case_form_get, "record.read", 0, NULL, "episodes:reopen", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/reopen", web_case_form_post, "record.write", FORM_CASE, NULL, "episodes:reopen", HTTP_ROUTE_PAGE},
    {"GET", "/episodes/{id}/add-supervision", web_case_form_get, "record.read", 0, NULL, "episodes:add-supervision", HTTP_ROUTE_PAGE},
    {"POST", "/episodes/{id}/add-supervision", web_case_form_post, "record.create", FORM_CASE, NULL, "episodes:add-supervision", HTTP_ROUTE_PAGE},
    {"GET", "/notes/{id}/edit", web_case_form_get, "record.read", 0, NULL, "notes:edit", HTTP_ROUTE_PAGE},
    {"POST", "/notes/{id}/edit", web_case_form_post, "record.write", FORM_CASE, NULL, "notes:edit", HTTP_ROUTE_PAGE},
    {"GET", "/reviews/{id}/edit", web_case_form_get, "record.read", 0, NULL, "reviews:edit", HTTP_ROUTE_PAGE},
    {"POST", "/reviews/{id}/edit", web_case_form_post, "record.write", FORM_CASE, NULL, "reviews:edit", HTTP_ROUTE_PAGE},
    {"GET", "/notes/{id}/history", web_record_history, "record.read", 0, NULL, "notes", HTTP_ROUTE_PAGE},
    {"GET", "/reviews/{id}/history", web_record_history, "record.read", 0, NULL, "reviews", HTTP_ROUTE_PAGE},
    {"GET", "/team/supervision", web_team_supervision, "team.allocate", 0, "page", NULL, HTTP_ROUTE_PAGE},
    {"GET", "/plans/{id}/add-goal", web_case_form_get, "record.read", 0, NULL, "plans:add-goal", HTTP_ROUTE_PAGE},
    {"POST", "/plans/{id}/add-goal", web_case_form_post, "record.create", FORM_CASE, NULL, "plans:add-goal", HTTP_ROUTE_PAGE},
    {"GET", "/plans/{id}/add-action", web_case_form_get, "record.read", 0, NULL, "plans:add-action", HTTP_ROUTE_PAGE},
    {"POST", "/plans/{id}/add-action", web_case_form_post, "record.create", FORM_CASE, NULL, "plans:add-action", HTTP_ROUTE_PAGE},
    {"GET", "/actions/{id}/update", web_case_form_get, "record.read", 0, NULL, "actions:update", HTTP_ROUTE_PAGE},
    {"POST", "/actions/{id}/update", web_case_form_post, "record.write", FORM_CASE, NULL, "actions:update", HTTP_ROUTE_PAGE},
    {"GET", "/assessments/{id}/add-area", web_case_form_get, "record.read", 0, NULL, "assessments:add-area", HTTP_ROUTE_PAGE},
    {"POST", "/assessments/{id}/add-area", web_case_form_post, "record.create", FORM_CASE, NULL, "assessments:add-area", HTTP_ROUTE_PAGE},
    {"GET", "/assessments/{id}/add-need", web_case_form_get, "record.read", 0, NULL, "assessments:add-need", HTTP_ROUTE_PAGE},
    {"POST", "/assessments/{id}/add-need", web_case_form_post, "record.create", FORM_CASE, NULL, "assessments:add-need", HTTP_ROUTE_PAGE},
    {"GET", "/assessments/{id}/complete", web_case_form_get, "record.read", 0, NULL, "assessments:complete", HTTP_ROUTE_PAGE},
    {"POST", "/assessments/{id}/complete", web_case_form_post, "record.write", FORM_CASE, NULL, "assessments:complete", HTTP_ROUTE_PAGE},
    {"GET", "/families/{id}/add-consent", web_case_form_get, "record.read", 0, NULL, "families:add-consent", HTTP_ROUTE_PAGE},
    {"POST", "/families/{id}/add-consent", web_case_form_post, "record.create", FORM_CASE, NULL, "families:add-consent", HTTP_ROUTE_PAGE},
    {"GET", "/families/{id}/break-glass", web_case_form_get, "access.break_glass", 0, NULL, "families:break-glass", HTTP_ROUTE_PAGE},
    {"POST", "/families/{id}/break-glass", web_case_form_post, "access.break_glass", FORM_CASE, NULL, "families:break-glass", HTTP_ROUTE_PAGE},
    {"GET", "/people/{id}/break-glass", web_case_form_get, "access.break_glass", 0, NULL, "people:break-glass", HTTP_ROUTE_PAGE},
    {"POST", "/people/{id}/break-glass", web_case_form_post, "access.break_glass", FORM_CASE, NULL, "people:break-glass", HTTP_ROUTE_PAGE},
    {"GET", "/assets/", web_asset_get, "public", 0, NULL, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PREFIX},
};

const size_t web_routes_count = sizeof(web_routes) / sizeof(web_routes[0]);
