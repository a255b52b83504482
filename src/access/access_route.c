/*
 * access_route.c — roles, and the route-level question: may this role (or this scoped token) use a route at
 * all (contract in access.h, policy in docs/access.md). Each permission a route names has one rule below:
 * the roles allowed, and what a refused role is told.
 */
#include "access/access.h"
#include "access/access_internal.h"

/* ---- roles ---- */

static const struct {
    const char *code;
    access_role role;
} role_codes[] = {
    {"front_door", ACCESS_ROLE_FRONT_DOOR}, {"practitioner", ACCESS_ROLE_PRACTITIONER},
    {"team_manager", ACCESS_ROLE_TEAM_MANAGER}, {"partner", ACCESS_ROLE_PARTNER},
    {"governance", ACCESS_ROLE_GOVERNANCE}, {"analyst", ACCESS_ROLE_ANALYST}, {"admin", ACCESS_ROLE_ADMIN},
};

access_role access_role_parse(const char *code)
{
    for (size_t i = 0; code && i < sizeof(role_codes) / sizeof(role_codes[0]); i++)
        if (strcmp(role_codes[i].code, code) == 0)
            return role_codes[i].role;
    return ACCESS_ROLE_NONE;
}

access_role access_role_of(access_principal *who)
{
    if (!who->role_resolved) {
        who->role_kind = access_role_parse(who->role);
        who->role_resolved = 1;
    }
    return who->role_kind;
}

static int in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* ---- route level ---- */

static const access_role_set CASE_ROLES = R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER) | R(PARTNER) |
                                         R(GOVERNANCE) | R(ANALYST) | R(ADMIN);
static const access_role_set SEARCH_ROLES = R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER) | R(GOVERNANCE);
static const access_role_set GOVERNANCE_ROLES = R(GOVERNANCE);
static const access_role_set SETTINGS_READERS = R(ADMIN) | R(GOVERNANCE);
static const access_role_set ADMIN_ROLES = R(ADMIN);
static const access_role_set LINK_RUNNERS = R(GOVERNANCE) | R(ANALYST);
static const access_role_set MATCH_REVIEWERS = R(FRONT_DOOR) | R(TEAM_MANAGER) | R(GOVERNANCE);
static const access_role_set IDENTIFIERS = R(TEAM_MANAGER) | R(GOVERNANCE);
/* The returns the council sends and the counts it publishes (src/report/). */
static const access_role_set RETURNS_ROLES = R(GOVERNANCE) | R(ANALYST);
/* Supporting Families outcome claims: checked, signed off and made (src/report/report_claims.h). */
static const access_role_set CLAIMS_ROLES = R(TEAM_MANAGER) | R(GOVERNANCE) | R(ANALYST);
static const access_role_set FRONT_DOOR_ROLES = R(FRONT_DOOR);
static const access_role_set MANAGERS = R(TEAM_MANAGER);
static const access_role_set PARTNERS = R(PARTNER);

static const struct route_rule {
    const char *permission;
    access_role_set roles;
    const char *refusal;
} route_rules[] = {
    {"session.end", CASE_ROLES, NULL},
    {"reference.read", CASE_ROLES, NULL},
    {"record.list", CASE_ROLES, NULL},   /* each record is decided on its own */
    {"record.read", CASE_ROLES, NULL},
    {"record.create", CASE_ROLES, NULL},
    {"record.write", CASE_ROLES, NULL},
    {"person.search", SEARCH_ROLES, "searching the person index is for the front door, practitioners, team managers "
                                    "and governance"},
    {"governance.access_report", GOVERNANCE_ROLES, "access reports are for information governance"},
    {"governance.review", GOVERNANCE_ROLES, "the break-glass review queue is for information governance"},
    {"governance.restrict", GOVERNANCE_ROLES, "restricting processing is for information governance"},
    {"governance.duty", GOVERNANCE_ROLES, "governance duties are for information governance"},
    {"governance.requests", GOVERNANCE_ROLES, "the register of data-subject requests is for information governance"},
    {"governance.breaches", GOVERNANCE_ROLES, "the register of breaches is for information governance"},
    {"governance.hold", GOVERNANCE_ROLES, "legal holds are for information governance"},
    {"governance.retention", GOVERNANCE_ROLES, "retention plans are approved by information governance"},
    {"settings.read", SETTINGS_READERS, "the access settings are for the administrator and governance"},
    {"settings.write", ADMIN_ROLES, "only the administrator changes settings"},
    {"users.read", CASE_ROLES, NULL}, /* the staff directory: names for the ids records carry */
    {"users.admin", ADMIN_ROLES, "only the administrator adds and changes accounts"},
    {"access.break_glass", ACCESS_ROLES_BREAK_GLASS,
     "break glass is for the front door, practitioners and team managers"},
    {"link.run", LINK_RUNNERS, "running the matching engine is for information governance and analysts"},
    {"partner.import", LINK_RUNNERS, "importing partner data is for information governance and analysts"},
    {"jobs.read", CASE_ROLES, NULL},   /* each job: its asker, governance and the administrator (api_jobs.c) */
    {"jobs.cancel", CASE_ROLES, NULL},
    {"match.review", MATCH_REVIEWERS, "the match review queue and merges are for the front door, team managers "
                                      "and governance"},
    {"identification.read", IDENTIFIERS, "the family identification list is for team managers and governance"},
    {"identification.decide", IDENTIFIERS, "decisions on identified families are for team managers and governance"},
    {"returns.annex_a", RETURNS_ROLES, "Ofsted's Annex A is for information governance and analysts"},
    {"returns.counts", RETURNS_ROLES, "the published counts are prepared by information governance and analysts"},
    {"returns.research", RETURNS_ROLES, "research extracts are sent by information governance and analysts"},
    {"claims.read", CLAIMS_ROLES, "outcome claims are for team managers, governance and the Supporting Families "
                                  "coordinator"},
    {"claims.decide", CLAIMS_ROLES, "outcome claims are made by team managers, governance and the Supporting "
                                    "Families coordinator"},
    /* the web application's work pages (src/web/): the records under them are decided one by one as ever */
    {"frontdoor.triage", FRONT_DOOR_ROLES, "recording and deciding contacts is for the front door"},
    {"team.allocate", MANAGERS, "allocating work is for team managers"},
    /* the professionals' referral form: a partner agency's request for support, to the front door */
    {"referral.submit", PARTNERS, "the professionals' referral form is for partner agencies"},
};

access_result access_route_decide(access_principal *who, const char *permission, core_error *err)
{
    if (permission && strcmp(permission, "public") == 0)
        return ACCESS_ALLOW;
    if (!who->user_id || access_role_of(who) == ACCESS_ROLE_NONE) {
        core_error_set(err, CORE_E_UNAUTHENTICATED, "this needs a signed-in session");
        return ACCESS_DENY;
    }
    if (!permission) {
        core_error_set(err, CORE_E_FORBIDDEN, "this route names no permission");
        return ACCESS_DENY;
    }
    if (who->scopes && strcmp(permission, "session.end") != 0 && !in_list(who->scopes, permission)) {
        core_error_set(err, CORE_E_FORBIDDEN, "this token is not allowed %s", permission);
        core_error_hint(err, "ask the administrator for a token whose scopes include %s", permission);
        return ACCESS_DENY;
    }
    for (size_t i = 0; i < sizeof(route_rules) / sizeof(route_rules[0]); i++) {
        const struct route_rule *r = &route_rules[i];
        if (strcmp(r->permission, permission) != 0)
            continue;
        if (access_role_in(who, r->roles))
            return ACCESS_ALLOW;
        core_error_set(err, CORE_E_FORBIDDEN, "%s", r->refusal ? r->refusal : "your role does not allow this");
        return ACCESS_DENY;
    }
    core_error_set(err, CORE_E_FORBIDDEN, "no rule allows %s", permission);
    return ACCESS_DENY;
}

