/*
 * access.c — the access decision (contract in access.h, policy in docs/access.md).
 *
 * Reading guide. access_decide() answers route-level questions (may this role use this route at all) from a
 * table, then record-level ones in three steps:
 *   1. walk the record up to what access is decided on — a person, a family or a front-door contact —
 *      noting on the way the person it is about (for restriction) and any narrower sharing label
 *      (a police-information case note, an assessment area);
 *   2. find the principal's footing there (family_footing(), person_footing(), contact_footing()): the
 *      relationships of docs/access.md, then live grants (duty, break glass), then "recorder";
 *   3. check the section against the role (and for a partner, the agency type's shares and the family's
 *      consent).
 * Every query is a bound constant below; a local arena holds the statements of one decision so the
 * statement cache is reused across the many decisions of one list request.
 *
 * No footing from what you record yourself (docs/access.md): a link record (a person added to a family or
 * named as a contact's child, a family named by a contact) opens the linked record only when its column
 * opens_person / opens_family says so, which access_link_opens() decided when the link was recorded; and
 * staffing a case (its lead, its team, its Team Around the Family) needs the owning team's manager (or,
 * for the team, the lead).
 */
#include <inttypes.h>
#include <time.h>

#include "core/core_clock.h"
#include "access/access.h"
#include "access/access_cache.h"
#include "core/core_date.h"

/* ---- time ---- */

typedef struct clock_now {
    char now[24];      /* 'YYYY-MM-DDTHH:MM:SSZ' */
    char today[11];    /* 'YYYY-MM-DD' */
} clock_now;

static void clock_read(clock_now *c)
{
    core_clock_iso(0, c->now);
    memcpy(c->today, c->now, 10);
    c->today[10] = '\0';
}

static void days_before(const char *today, int64_t days, char out[11])
{
    core_date d;
    if (core_date_parse(today, 10, &d) != 0 || days < 0 || days > 100000) {
        memcpy(out, "0000-01-01", 11);
        return;
    }
    core_date_format(core_date_add_days(d, (int32_t)-days), out);
}

/* ---- the decision's working state ---- */

typedef struct decision {
    store *db;
    core_arena arena;
    access_principal *who;
    clock_now clock;
    core_error *err;
    int failed;        /* a store error: deny */
    int generation_read; /* 1: generation holds the access generation; -1: it could not be read (no cache) */
    int64_t generation;
} decision;

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

/* Sets of roles, as bit masks. */
#define R(x) (1u << ACCESS_ROLE_##x)
typedef unsigned role_set;

static int role_is(access_principal *w, access_role role)
{
    return access_role_of(w) == role;
}

static int role_in(access_principal *w, role_set set)
{
    access_role r = access_role_of(w);
    return r != ACCESS_ROLE_NONE && (set & (1u << r)) != 0;
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

/* One integer from a query, or fallback when it returns no row; a store error marks the decision failed. */
static int64_t query_int(decision *d, const char *sql, const store_value *v, size_t n, int64_t fallback)
{
    int64_t out = fallback;
    core_error e;
    core_error_clear(&e);
    int rc = store_query_int(d->db, &d->arena, sql, v, n, &out, &e);
    if (rc == CORE_E_NOT_FOUND)
        return fallback;
    if (rc) {
        if (!d->failed)
            *d->err = e;
        d->failed = 1;
        return fallback;
    }
    return out;
}

/* ---- settings ---- */

static const char SQL_SETTING[] =
    "SELECT value\n"
    "  FROM setting\n"
    " WHERE name = $1";

int access_setting(store *db, const char *name, int64_t fallback, int64_t *out, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    *out = fallback;
    store_value p[] = {store_v_text(name)};
    int rc = store_query_int(db, &a, SQL_SETTING, p, 1, out, err);
    core_arena_release(&a);
    if (rc == CORE_E_NOT_FOUND) {
        core_error_clear(err);
        *out = fallback;
        return 0;
    }
    return rc;
}

/* A setting within a decision: a store error fails the decision (and so denies). */
static int64_t setting(decision *d, const char *name, int64_t fallback)
{
    store_value p[] = {store_v_text(name)};
    return query_int(d, SQL_SETTING, p, 1, fallback);
}

/* ---- route level ---- */

static const role_set CASE_ROLES = R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER) | R(PARTNER) | R(GOVERNANCE) |
                                  R(ANALYST) | R(ADMIN);
static const role_set SEARCH_ROLES = R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER) | R(GOVERNANCE);
static const role_set GOVERNANCE_ROLES = R(GOVERNANCE);
static const role_set BREAK_GLASS_ROLES = R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER);
static const role_set SETTINGS_READERS = R(ADMIN) | R(GOVERNANCE);
static const role_set ADMIN_ROLES = R(ADMIN);
static const role_set LINK_RUNNERS = R(GOVERNANCE) | R(ANALYST);
static const role_set MATCH_REVIEWERS = R(FRONT_DOOR) | R(TEAM_MANAGER) | R(GOVERNANCE);
static const role_set IDENTIFIERS = R(TEAM_MANAGER) | R(GOVERNANCE);
/* The returns the council sends and the counts it publishes (src/report/). */
static const role_set RETURNS_ROLES = R(GOVERNANCE) | R(ANALYST);
/* Supporting Families outcome claims: checked, signed off and made (src/report/report_claims.h). */
static const role_set CLAIMS_ROLES = R(TEAM_MANAGER) | R(GOVERNANCE) | R(ANALYST);
static const role_set FRONT_DOOR_ROLES = R(FRONT_DOOR);
static const role_set MANAGERS = R(TEAM_MANAGER);
static const role_set PARTNERS = R(PARTNER);
/* Roles that never open a case record (and so never lead or sit on a Team Around the Family). */
static const role_set NO_CASE_RECORDS = R(ADMIN) | R(ANALYST);

static const struct route_rule {
    const char *permission;
    role_set roles;
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
    {"access.break_glass", BREAK_GLASS_ROLES, "break glass is for the front door, practitioners and team managers"},
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

static access_result route_decide(access_principal *who, const char *permission, core_error *err)
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
        if (role_in(who, r->roles))
            return ACCESS_ALLOW;
        core_error_set(err, CORE_E_FORBIDDEN, "%s", r->refusal ? r->refusal : "your role does not allow this");
        return ACCESS_DENY;
    }
    core_error_set(err, CORE_E_FORBIDDEN, "no rule allows %s", permission);
    return ACCESS_DENY;
}

/* ---- step 1: walk a record up to a person, family or contact ---- */

/* What access is decided on: the kinds of record a footing is found for. */
typedef enum {
    ANCHOR_NONE = 0,   /* not found */
    ANCHOR_PERSON,
    ANCHOR_FAMILY,
    ANCHOR_CONTACT,
    ANCHOR_DIRECTORY,  /* agencies and teams: not case records */
} anchor_kind;

static const struct {
    const char *table;
    anchor_kind kind;
    const char *found_sql; /* one row when the record exists */
} anchors[] = {
    {"person", ANCHOR_PERSON, "SELECT count(*) FROM person WHERE id = $1"},
    {"family", ANCHOR_FAMILY, "SELECT count(*) FROM family WHERE id = $1"},
    {"contact", ANCHOR_CONTACT, "SELECT count(*) FROM contact WHERE id = $1"},
    {"agency", ANCHOR_DIRECTORY, NULL},
    {"team", ANCHOR_DIRECTORY, NULL},
};

/* Each row: the table, what it hangs off, and a query giving (parent id, person it is about, sharing
 * label) — the last two NULL when the table has none. A need takes the section of the assessment area its
 * headline belongs to (headline_area), as an area does. */
static const struct link {
    const char *table;
    const char *up;
    const char *sql;
} links[] = {
    {"person_former_name", "person", "SELECT person_id, person_id, NULL FROM person_former_name WHERE id = $1"},
    {"person_address", "person", "SELECT person_id, person_id, NULL FROM person_address WHERE id = $1"},
    {"person_contact_detail", "person",
     "SELECT person_id, person_id, NULL FROM person_contact_detail WHERE id = $1"},
    {"family_member", "family", "SELECT family_id, person_id, NULL FROM family_member WHERE id = $1"},
    {"contact_child", "contact", "SELECT contact_id, person_id, NULL FROM contact_child WHERE id = $1"},
    {"phone_call", "contact", "SELECT contact_id, NULL, NULL FROM phone_call WHERE id = $1"},
    {"referral", "family", "SELECT family_id, NULL, NULL FROM referral WHERE id = $1"},
    {"consent", "family", "SELECT family_id, NULL, NULL FROM consent WHERE id = $1"},
    {"sharing_basis", "family", "SELECT family_id, NULL, NULL FROM sharing_basis WHERE id = $1"},
    {"episode", "family", "SELECT family_id, NULL, NULL FROM episode WHERE id = $1"},
    {"episode_member", "episode", "SELECT episode_id, NULL, NULL FROM episode_member WHERE id = $1"},
    {"assessment", "episode", "SELECT episode_id, NULL, NULL FROM assessment WHERE id = $1"},
    {"assessment_area", "assessment",
     "SELECT assessment_id, NULL, 'assessment.' || area FROM assessment_area WHERE id = $1"},
    {"assessment_need", "assessment",
     "SELECT n.assessment_id, NULL, 'assessment.' || h.area\n"
     "  FROM assessment_need n\n"
     "  LEFT JOIN headline_area h ON h.headline = n.headline\n"
     " WHERE n.id = $1"},
    {"plan", "episode", "SELECT episode_id, NULL, NULL FROM plan WHERE id = $1"},
    {"plan_goal", "plan", "SELECT plan_id, NULL, NULL FROM plan_goal WHERE id = $1"},
    {"plan_action", "plan", "SELECT plan_id, NULL, NULL FROM plan_action WHERE id = $1"},
    {"review", "episode", "SELECT episode_id, NULL, NULL FROM review WHERE id = $1"},
    {"activity", "episode", "SELECT episode_id, NULL, NULL FROM activity WHERE id = $1"},
    {"case_note", "episode", "SELECT episode_id, NULL, sharing_label FROM case_note WHERE id = $1"},
    {"supervision", "episode", "SELECT episode_id, NULL, NULL FROM supervision WHERE id = $1"},
};

typedef struct anchor {
    anchor_kind kind;
    int64_t id;            /* 0: a phone call with no contact */
    int64_t person_id;     /* the person the record is about (restriction), 0 if none */
    char label[48];        /* a narrower sharing label than the resource's, or "" */
} anchor;

static const struct link *link_find(const char *table)
{
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        if (strcmp(links[i].table, table) == 0)
            return &links[i];
    return NULL;
}

static int anchor_index(const char *table)
{
    for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
        if (strcmp(anchors[i].table, table) == 0)
            return (int)i;
    return -1;
}

/* 0 and out filled; or CORE_E_NOT_FOUND when the record does not exist. */
static int anchor_find(decision *d, const char *table, int64_t id, anchor *out)
{
    memset(out, 0, sizeof(*out));
    for (int depth = 0; depth < 6; depth++) {
        int ai = anchor_index(table);
        if (ai >= 0) {
            out->kind = anchors[ai].kind;
            out->id = id;
            if (!anchors[ai].found_sql)
                return 0;
            store_value p[] = {store_v_int(id)};
            if (query_int(d, anchors[ai].found_sql, p, 1, 0) == 0) {
                out->kind = ANCHOR_NONE;
                return d->failed ? CORE_E_STORE : CORE_E_NOT_FOUND;
            }
            if (out->kind == ANCHOR_PERSON && !out->person_id)
                out->person_id = id;
            return 0;
        }
        const struct link *l = link_find(table);
        if (!l)
            return core_error_set(d->err, CORE_E_INTERNAL, "access has no rule for table %s", table);
        store_value p[] = {store_v_int(id)};
        store_stmt *st;
        int rc = store_query(d->db, &d->arena, l->sql, p, 1, &st, d->err);
        if (rc == 0)
            rc = store_next(st, d->err);
        if (rc < 0) {
            d->failed = 1;
            return rc;
        }
        if (rc == 0)
            return CORE_E_NOT_FOUND;
        int up_null = store_col_type(st, 0) == STORE_NULL;
        int64_t up = store_col_int(st, 0);
        if (!out->person_id && store_col_type(st, 1) != STORE_NULL)
            out->person_id = store_col_int(st, 1);
        const char *label = store_col_text(st, 2, NULL);
        if (label && !out->label[0])
            snprintf(out->label, sizeof(out->label), "%s", label);
        if (up_null) { /* a phone call not (yet) tied to a contact */
            out->kind = ANCHOR_CONTACT;
            out->id = 0;
            return 0;
        }
        table = l->up;
        id = up;
    }
    return core_error_set(d->err, CORE_E_INTERNAL, "access walked too far from %s", table);
}

/* ---- step 2: footings ---- */

static const char SQL_EPISODE_TIES[] =
    "SELECT e.lead_user_id IS NOT DISTINCT FROM $2,\n"
    "       EXISTS (SELECT 1\n"
    "                 FROM episode_member m\n"
    "                WHERE m.episode_id = e.id\n"
    "                  AND m.user_id = $2\n"
    "                  AND (m.to_date IS NULL OR m.to_date >= $4)),\n"
    "       e.owning_team_id IS NOT DISTINCT FROM $3\n"
    "  FROM episode e\n"
    " WHERE e.family_id = $1\n"
    "   AND (e.end_date IS NULL OR e.end_date >= $5)";

/* The front door reaches a family through a contact in triage only when the contact opened it: a family
 * that existed before the contact named it stays behind its own footings (triage sees its history). */
static const char SQL_FAMILY_IN_TRIAGE[] =
    "SELECT count(*)\n"
    "  FROM contact\n"
    " WHERE family_id = $1\n"
    "   AND opens_family = 1\n"
    "   AND (decision IS NULL OR decision_date >= $2)";

static const char SQL_CONTACT_TRIAGE[] =
    "SELECT decision IS NULL OR decision_date >= $2, coalesce(family_id, 0), opens_family\n"
    "  FROM contact\n"
    " WHERE id = $1";

static const char SQL_GRANT_FAMILY[] =
    "SELECT id, kind, reason\n"
    "  FROM access_grant\n"
    " WHERE user_id = $1 AND family_id = $2 AND expires_at > $3\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_GRANT_PERSON[] =
    "SELECT id, kind, reason\n"
    "  FROM access_grant\n"
    " WHERE user_id = $1 AND person_id = $2 AND expires_at > $3\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_FAMILY_RECORDER[] =
    "SELECT count(*)\n"
    "  FROM family f\n"
    " WHERE f.id = $1 AND f.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM episode WHERE family_id = f.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact WHERE family_id = f.id)";

static const char SQL_PERSON_RECORDER[] =
    "SELECT count(*)\n"
    "  FROM person p\n"
    " WHERE p.id = $1 AND p.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM family_member WHERE person_id = p.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact_child WHERE person_id = p.id)";

/* The families and contacts through which a person's own records are reached: only links that opened the
 * person (a person added to a family, or named on a contact, after they were known stays behind their own
 * footings). */
static const char SQL_PERSON_FAMILIES[] =
    "SELECT family_id\n"
    "  FROM family_member\n"
    " WHERE person_id = $1\n"
    "   AND opens_person = 1\n"
    " ORDER BY family_id\n"
    " LIMIT 50";

static const char SQL_PERSON_CONTACTS[] =
    "SELECT contact_id\n"
    "  FROM contact_child\n"
    " WHERE person_id = $1\n"
    "   AND opens_person = 1\n"
    " ORDER BY contact_id DESC\n"
    " LIMIT 50";

static const char SQL_PERSON_RESTRICTED[] =
    "SELECT restricted\n"
    "  FROM person\n"
    " WHERE id = $1";

/* A live grant (duty for governance, break glass for the roles that may break glass) into f. */
static int grant_footing(decision *d, const char *sql, int64_t target, access_footing *f)
{
    access_principal *w = d->who;
    store_value p[] = {store_v_int(w->user_id), store_v_int(target), store_v_text(d->clock.now)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, sql, p, 3, &st, d->err);
    if (rc == 0)
        rc = store_next(st, d->err);
    if (rc < 0) {
        d->failed = 1;
        return 0;
    }
    if (rc == 0)
        return 0;
    const char *kind = store_col_text(st, 1, NULL), *reason = store_col_text(st, 2, NULL);
    int duty = kind && strcmp(kind, "duty") == 0;
    if (duty ? !role_is(w, ACCESS_ROLE_GOVERNANCE) : !role_in(w, BREAK_GLASS_ROLES))
        return 0;
    f->basis = duty ? ACCESS_ON_DUTY : ACCESS_ON_BREAK_GLASS;
    f->grant_id = store_col_int(st, 0);
    /* Only a code goes into the footing (it is written into audit JSON unescaped). */
    size_t n = 0;
    for (const char *c = reason ? reason : ""; *c && n + 1 < sizeof(f->reason); c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')
            f->reason[n++] = *c;
    f->reason[n] = '\0';
    return 1;
}

static void family_footing_uncached(decision *d, int64_t family, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    f->family_id = family;
    if (role_in(w, NO_CASE_RECORDS))
        return;
    if (!role_is(w, ACCESS_ROLE_GOVERNANCE)) {
        char since[11], triage_since[11];
        days_before(d->clock.today, setting(d, "closed_case_days", 30), since);
        if (d->failed)
            return;
        store_value p[] = {store_v_int(family), store_v_int(w->user_id),
                           w->team_id ? store_v_int(w->team_id) : store_v_null(), store_v_text(d->clock.today),
                           store_v_text(since)};
        store_stmt *st;
        int rc = store_query(d->db, &d->arena, SQL_EPISODE_TIES, p, 5, &st, d->err);
        int lead = 0, taf = 0, manager = 0;
        while (rc == 0 && (rc = store_next(st, d->err)) == 1) {
            rc = 0; /* a row: read on */
            lead |= store_col_int(st, 0) != 0;
            taf |= store_col_int(st, 1) != 0;
            manager |= store_col_int(st, 2) != 0 && role_is(w, ACCESS_ROLE_TEAM_MANAGER);
        }
        if (rc < 0) {
            d->failed = 1;
            return;
        }
        f->basis = lead ? ACCESS_ON_LEAD : taf ? ACCESS_ON_TAF : manager ? ACCESS_ON_TEAM_MANAGER : ACCESS_ON_NONE;
        if (f->basis)
            return;
        if (role_is(w, ACCESS_ROLE_PARTNER))
            return; /* partners reach a family only through its Team Around the Family */
        if (role_is(w, ACCESS_ROLE_FRONT_DOOR)) {
            days_before(d->clock.today, setting(d, "triage_grace_days", 5), triage_since);
            store_value q[] = {store_v_int(family), store_v_text(triage_since)};
            if (!d->failed && query_int(d, SQL_FAMILY_IN_TRIAGE, q, 2, 0) > 0) {
                f->basis = ACCESS_ON_FRONT_DOOR;
                return;
            }
        }
    }
    if (d->failed || grant_footing(d, SQL_GRANT_FAMILY, family, f))
        return;
    if (role_is(w, ACCESS_ROLE_GOVERNANCE))
        return;
    store_value r[] = {store_v_int(family), store_v_int(w->user_id)};
    if (query_int(d, SQL_FAMILY_RECORDER, r, 2, 0) > 0)
        f->basis = ACCESS_ON_RECORDER;
}

/* ---- footings remembered across requests (access_cache.h) ---- */

/* The access generation: bumped by triggers (migration 0027) with every change to a row a footing rests on. */
static const char SQL_ACCESS_GENERATION[] =
    "SELECT n\n"
    "  FROM access_generation\n"
    " WHERE id = 1";

enum { CACHED_FAMILY = 1, CACHED_PERSON = 2 };

/* The key of the principal's footing on a family or person today; 0 when there is no cache to ask. Reads the
 * generation once per decision, before any row the footing is found from (access_cache.h, invariant 2). */
static int cache_key(decision *d, int kind, int64_t id, access_cache_key *k)
{
    access_principal *w = d->who;
    if (!w->cache || d->generation_read < 0)
        return 0;
    if (d->generation_read == 0) {
        core_error e;
        core_error_clear(&e);
        d->generation_read = store_query_int(d->db, &d->arena, SQL_ACCESS_GENERATION, NULL, 0, &d->generation,
                                             &e) == 0
                                 ? 1
                                 : -1; /* a database without the table: decide without the cache */
        if (d->generation_read < 0)
            return 0;
    }
    memset(k, 0, sizeof(*k));
    k->user_id = w->user_id;
    k->team_id = w->team_id;
    k->agency_id = w->agency_id;
    k->id = id;
    k->role = (int32_t)access_role_of(w);
    k->anchor = kind;
    memcpy(k->today, d->clock.today, sizeof(d->clock.today));
    return 1;
}

/* Remember a footing found afresh, unless the decision failed or it rests on a grant (which lapses by the
 * hour, not the day). */
static void cache_put(decision *d, const access_cache_key *k, const access_footing *f)
{
    if (!d->failed && f->basis != ACCESS_ON_DUTY && f->basis != ACCESS_ON_BREAK_GLASS && !f->grant_id)
        access_cache_put(d->who->cache, k, d->generation, f);
}

static void family_footing_remembered(decision *d, int64_t family, access_footing *f)
{
    access_cache_key k;
    int cached = cache_key(d, CACHED_FAMILY, family, &k);
    if (cached && access_cache_get(d->who->cache, &k, d->generation, f))
        return;
    family_footing_uncached(d, family, f);
    if (cached)
        cache_put(d, &k, f);
}

static void family_footing(decision *d, int64_t family, access_footing *f)
{
    access_principal *w = d->who;
    for (int i = 0; i < w->nfamilies; i++)
        if (w->families[i].family_id == family) {
            *f = w->families[i].footing;
            return;
        }
    family_footing_remembered(d, family, f);
    if (!d->failed && w->nfamilies < ACCESS_CACHE) {
        w->families[w->nfamilies].family_id = family;
        w->families[w->nfamilies].footing = *f;
        w->nfamilies++;
    }
}

static void contact_footing(decision *d, int64_t contact, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    if (contact == 0) { /* a phone call not tied to a contact: the front door's own record */
        if (role_is(w, ACCESS_ROLE_FRONT_DOOR))
            f->basis = ACCESS_ON_FRONT_DOOR;
        return;
    }
    char triage_since[11];
    days_before(d->clock.today, setting(d, "triage_grace_days", 5), triage_since);
    if (d->failed)
        return;
    store_value p[] = {store_v_int(contact), store_v_text(triage_since)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, SQL_CONTACT_TRIAGE, p, 2, &st, d->err);
    if (rc == 0)
        rc = store_next(st, d->err);
    if (rc < 0) {
        d->failed = 1;
        return;
    }
    if (rc == 0)
        return;
    int in_triage = store_col_int(st, 0) != 0;
    int64_t family = store_col_int(st, 1);
    int opens_family = store_col_int(st, 2) != 0;
    if (in_triage && role_is(w, ACCESS_ROLE_FRONT_DOOR)) {
        /* The contact itself, its children's rows and its calls; the family only if the contact opened it. */
        f->basis = ACCESS_ON_FRONT_DOOR;
        f->family_id = opens_family ? family : 0;
        return;
    }
    if (family)
        family_footing(d, family, f);
}

static void person_footing_uncached(decision *d, int64_t person, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    if (role_in(w, NO_CASE_RECORDS))
        return;
    if (grant_footing(d, SQL_GRANT_PERSON, person, f) || d->failed)
        return;
    int64_t families[50], contacts[50];
    int nf = 0, nc = 0;
    store_value p[] = {store_v_int(person)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, SQL_PERSON_FAMILIES, p, 1, &st, d->err);
    while (rc == 0 && nf < 50 && (rc = store_next(st, d->err)) == 1) {
        families[nf++] = store_col_int(st, 0);
        rc = 0;
    }
    if (rc == 0)
        rc = store_query(d->db, &d->arena, SQL_PERSON_CONTACTS, p, 1, &st, d->err);
    while (rc == 0 && nc < 50 && (rc = store_next(st, d->err)) == 1) {
        contacts[nc++] = store_col_int(st, 0);
        rc = 0;
    }
    if (rc < 0) {
        d->failed = 1;
        return;
    }
    for (int i = 0; i < nf && !d->failed; i++) {
        family_footing(d, families[i], f);
        if (f->basis)
            return;
    }
    for (int i = 0; i < nc && !d->failed; i++) {
        contact_footing(d, contacts[i], f);
        if (f->basis)
            return;
    }
    memset(f, 0, sizeof(*f));
    if (!d->failed && !role_is(w, ACCESS_ROLE_GOVERNANCE)) {
        store_value r[] = {store_v_int(person), store_v_int(w->user_id)};
        if (query_int(d, SQL_PERSON_RECORDER, r, 2, 0) > 0)
            f->basis = ACCESS_ON_RECORDER;
    }
}

static void person_footing(decision *d, int64_t person, access_footing *f)
{
    access_cache_key k;
    int cached = cache_key(d, CACHED_PERSON, person, &k);
    if (cached && access_cache_get(d->who->cache, &k, d->generation, f))
        return;
    person_footing_uncached(d, person, f);
    if (cached)
        cache_put(d, &k, f);
}

/* ---- step 3: sections ---- */

static const char *const FRONT_DOOR_SECTIONS[] = {"person", "special_category", "family", "contact", "referral",
                                                  "consent", "episode", NULL};
/* Sections a partner never changes: the structure of the case is the council's. */
static const char *const PARTNER_READ_ONLY[] = {"person", "family", "episode", "consent", NULL};
/* Labels kept from those working a family who do not need them (Shropshire's notice: police and health
 * information is "not made generally available to all practitioners working with a family"): within the
 * council, only the lead, the owning team's manager, a governance duty and break glass see them. */
static const char *const NEED_TO_KNOW_LABELS[] = {"police_information", "health_information",
                                                  "supervision" /* the manager's supervision of the lead */, NULL};

static const char SQL_SECTION_SHARED[] =
    "SELECT count(*)\n"
    "  FROM section_share\n"
    " WHERE section = $1 AND agency_type = $2";

/* The family's consent (given, not withdrawn) covers the agency type, or a live sharing basis does. $4 is the
 * agency type as a LIKE pattern "%,TYPE,%" (escaped with a backslash): agency_types is a comma-separated list. */
static const char SQL_SHARING_COVERED[] =
    "SELECT EXISTS (SELECT 1\n"
    "                 FROM consent c\n"
    "                WHERE c.family_id = $1\n"
    "                  AND c.given_on <= $3\n"
    "                  AND (c.withdrawn_on IS NULL OR c.withdrawn_on > $3)\n"
    "                  AND (c.scope = 'share_all_partners'\n"
    "                       OR (c.scope = 'share_named_agency_types'\n"
    "                           AND (',' || replace(c.agency_types, ' ', '') || ',') LIKE $4 ESCAPE '\\')))\n"
    "    OR EXISTS (SELECT 1\n"
    "                 FROM sharing_basis b\n"
    "                WHERE b.family_id = $1\n"
    "                  AND b.recorded_on <= $3\n"
    "                  AND (b.ended_on IS NULL OR b.ended_on > $3)\n"
    "                  AND (b.agency_type IS NULL OR b.agency_type = $2))";

static const char SQL_AGENCY_TYPE[] =
    "SELECT a.agency_type\n"
    "  FROM agency a\n"
    " WHERE a.id = $1";

/* A governance duty whose purpose changes records (duty_purpose_write). */
static const char SQL_DUTY_WRITES[] =
    "SELECT count(*)\n"
    "  FROM duty_purpose_write\n"
    " WHERE purpose = $1";

static const char *agency_type(decision *d)
{
    access_principal *w = d->who;
    if (!w->agency_type_known) {
        w->agency_type[0] = '\0';
        if (w->agency_id) {
            store_value p[] = {store_v_int(w->agency_id)};
            store_stmt *st;
            int rc = store_query(d->db, &d->arena, SQL_AGENCY_TYPE, p, 1, &st, d->err);
            if (rc == 0)
                rc = store_next(st, d->err);
            if (rc < 0) {
                d->failed = 1;
                return "";
            }
            if (rc == 1) {
                const char *t = store_col_text(st, 0, NULL);
                snprintf(w->agency_type, sizeof(w->agency_type), "%s", t ? t : "");
            }
        }
        w->agency_type_known = 1;
    }
    return w->agency_type;
}

/* May a partner see section on family? (shared with the agency type, and consent or a basis covers it) */
static int partner_sees(decision *d, const char *section, int64_t family)
{
    const char *type = agency_type(d);
    if (!type[0] || !family)
        return 0;
    store_value s[] = {store_v_text(section), store_v_text(type)};
    if (query_int(d, SQL_SECTION_SHARED, s, 2, 0) == 0)
        return 0;
    char pattern[2 * 64 + 5], *p = pattern;
    if (strlen(type) > 64) /* agency types are reference codes of a few words */
        return 0;
    *p++ = '%', *p++ = ',';
    for (const char *t = type; *t; t++) {
        if (*t == '%' || *t == '_' || *t == '\\')
            *p++ = '\\';
        *p++ = *t;
    }
    *p++ = ',', *p++ = '%', *p = '\0';
    store_value c[] = {store_v_int(family), store_v_text(type), store_v_text(d->clock.today), store_v_text(pattern)};
    return query_int(d, SQL_SHARING_COVERED, c, 4, 0) != 0;
}

static int str_in(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

/* The section check once a footing is found. Returns ACCESS_ALLOW or sets err. */
static access_result section_decide(decision *d, const char *section, int write, int create, access_footing *f)
{
    access_principal *w = d->who;
    if (role_is(w, ACCESS_ROLE_FRONT_DOOR) && !str_in(section, FRONT_DOOR_SECTIONS)) {
        core_error_set(d->err, CORE_E_FORBIDDEN, "the front door does not see %s records", section);
        return ACCESS_DENY;
    }
    if (role_is(w, ACCESS_ROLE_PARTNER)) {
        if (write && str_in(section, PARTNER_READ_ONLY)) {
            core_error_set(d->err, CORE_E_FORBIDDEN, "partner agencies do not change %s records", section);
            return ACCESS_DENY;
        }
        if (!partner_sees(d, section, f->family_id)) {
            /* Reading: hidden, as if absent. Recording a new one: the parent is visible, so say why. */
            if (create)
                core_error_set(d->err, CORE_E_FORBIDDEN, "%s records of this family are not shared with your agency",
                               section);
            else
                core_error_set(d->err, CORE_E_NOT_FOUND, "not found");
            return ACCESS_DENY;
        }
        f->omit_special = !partner_sees(d, "special_category", f->family_id);
        f->omit_identifiers = !partner_sees(d, "identifiers", f->family_id);
    } else if (str_in(section, NEED_TO_KNOW_LABELS) && f->basis != ACCESS_ON_LEAD &&
               f->basis != ACCESS_ON_TEAM_MANAGER && f->basis != ACCESS_ON_DUTY && f->basis != ACCESS_ON_BREAK_GLASS) {
        if (create)
            core_error_set(d->err, CORE_E_FORBIDDEN, "%s is recorded by the lead practitioner or the team manager",
                           section);
        else
            core_error_set(d->err, CORE_E_NOT_FOUND, "not found");
        return ACCESS_DENY;
    }
    if (write && strcmp(section, "consent") == 0 && (f->basis == ACCESS_ON_TAF || f->basis == ACCESS_ON_BREAK_GLASS)) {
        /* Consent and sharing bases decide what partners see: recorded by those who hold the case (the lead,
         * the manager, the front door in triage, the family's recorder, a rectification duty), not by every
         * member of the team nor on break glass. */
        core_error_set(d->err, CORE_E_FORBIDDEN, "consent and sharing bases are recorded by the lead practitioner or "
                                                 "the team manager");
        core_error_hint(d->err, "ask the family's lead practitioner");
        return ACCESS_DENY;
    }
    if (write && f->basis == ACCESS_ON_DUTY) {
        store_value p[] = {store_v_text(f->reason)};
        if (query_int(d, SQL_DUTY_WRITES, p, 1, 0) == 0) {
            if (!d->failed) {
                core_error_set(d->err, CORE_E_FORBIDDEN, "a %s duty reads records; it does not change them", f->reason);
                core_error_hint(d->err, "to correct a record, state a rectification duty: POST /api/v1/access/duties");
            }
            return ACCESS_DENY;
        }
    }
    return d->failed ? ACCESS_DENY : ACCESS_ALLOW;
}

/* ---- top-level creates (no parent record): which roles record what ---- */

static const struct create_rule {
    const char *table;
    role_set roles;
} create_rules[] = {
    {"person", R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER)},
    {"family", R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER)},
    {"contact", R(FRONT_DOOR)},
    {"phone_call", R(FRONT_DOOR)},
    {"agency", R(ADMIN)},
    {"team", R(ADMIN)},
};

static access_result create_decide(decision *d, const char *table, access_footing *f)
{
    for (size_t i = 0; i < sizeof(create_rules) / sizeof(create_rules[0]); i++) {
        if (strcmp(create_rules[i].table, table) != 0)
            continue;
        if (role_in(d->who, create_rules[i].roles)) {
            f->basis = anchor_index(table) >= 0 && anchors[anchor_index(table)].kind == ANCHOR_DIRECTORY
                           ? ACCESS_ON_DIRECTORY
                           : ACCESS_ON_ROLE;
            return ACCESS_ALLOW;
        }
        core_error_set(d->err, CORE_E_FORBIDDEN, "your role does not record new %s records", table);
        return ACCESS_DENY;
    }
    core_error_set(d->err, CORE_E_FORBIDDEN, "%s records are created under their parent record", table);
    return ACCESS_DENY;
}

/* ---- staffing: who allocates people to a case ---- */

/* The lead, the owning team and the Team Around the Family are allocations: the owning team's manager makes
 * them, and the lead may add and change Team Around the Family members. Nobody staffs a case on a footing
 * of recording, triage, a duty or break glass. */
static access_result staffing_decide(decision *d, int staffing, const access_footing *f)
{
    if (f->basis == ACCESS_ON_TEAM_MANAGER)
        return ACCESS_ALLOW;
    if (f->basis == ACCESS_ON_LEAD && staffing == ACCESS_STAFF_TAF)
        return ACCESS_ALLOW;
    core_error_set(d->err, CORE_E_FORBIDDEN, "staffing a case is for the manager of the team that owns it");
    core_error_hint(d->err, staffing == ACCESS_STAFF_TAF ? "ask the lead practitioner or the team manager to add "
                                                           "the member"
                                                         : "ask the team manager to allocate the case");
    return ACCESS_DENY;
}

access_result access_may_allocate(access_principal *who, int64_t team_id, core_error *err)
{
    core_error_clear(err);
    if (role_is(who, ACCESS_ROLE_TEAM_MANAGER) && who->team_id && who->team_id == team_id)
        return ACCESS_ALLOW;
    core_error_set(err, CORE_E_FORBIDDEN, "allocating a lead practitioner is for the manager of the owning team");
    core_error_hint(err, "record the episode without lead_user_id; the team manager allocates the lead");
    return ACCESS_DENY;
}

/* ---- record level ---- */

static access_result no_footing(decision *d, anchor_kind kind)
{
    access_principal *w = d->who;
    core_error_set(d->err, CORE_E_FORBIDDEN, "you have no relationship to this %s",
                   kind == ANCHOR_FAMILY ? "family" : kind == ANCHOR_PERSON ? "person" : "contact");
    if (role_in(w, BREAK_GLASS_ROLES))
        core_error_hint(d->err, "if a child or adult is at risk, record why and break glass: "
                                "POST /api/v1/access/break-glass");
    else if (role_is(w, ACCESS_ROLE_GOVERNANCE))
        core_error_hint(d->err, "state your purpose first: POST /api/v1/access/duties");
    return ACCESS_DENY;
}

static access_result record_decide(decision *d, const char *permission, const access_target *what,
                                   access_footing *f)
{
    access_principal *w = d->who;
    int create = strcmp(permission, "record.create") == 0;
    int write = create || strcmp(permission, "record.write") == 0;
    if (create && what->id == 0)
        return create_decide(d, what->table, f);

    anchor a;
    int rc = anchor_find(d, what->table, what->id, &a);
    if (rc == CORE_E_NOT_FOUND) {
        /* Nothing to protect: the handler answers "not found" as it would for anyone. */
        f->basis = ACCESS_ON_NONE;
        return ACCESS_ALLOW;
    }
    if (rc)
        return ACCESS_DENY;

    if (a.kind == ANCHOR_DIRECTORY) {
        f->basis = ACCESS_ON_DIRECTORY;
        if (!write || role_is(w, ACCESS_ROLE_ADMIN))
            return ACCESS_ALLOW;
        core_error_set(d->err, CORE_E_FORBIDDEN, "only the administrator changes agencies and teams");
        return ACCESS_DENY;
    }
    if (role_in(w, NO_CASE_RECORDS)) {
        core_error_set(d->err, CORE_E_FORBIDDEN, "your role does not give access to case records");
        return ACCESS_DENY;
    }
    int64_t restricted = 0;
    if (a.person_id) {
        store_value p[] = {store_v_int(a.person_id)};
        restricted = query_int(d, SQL_PERSON_RESTRICTED, p, 1, 0);
        if (d->failed)
            return ACCESS_DENY;
    }

    if (a.kind == ANCHOR_FAMILY)
        family_footing(d, a.id, f);
    else if (a.kind == ANCHOR_CONTACT)
        contact_footing(d, a.id, f);
    else
        person_footing(d, a.id, f);
    if (d->failed)
        return ACCESS_DENY;
    if (!f->basis)
        return no_footing(d, a.kind); /* a restricted person too: the same answer as anyone unrelated gets */
    if (restricted && !role_is(w, ACCESS_ROLE_GOVERNANCE)) {
        /* Art. 18: kept, not processed; answered as if absent to everyone but governance. */
        core_error_set(d->err, CORE_E_NOT_FOUND, "not found");
        return ACCESS_DENY;
    }
    if (restricted && write) {
        core_error_set(d->err, CORE_E_RESTRICTED,
                       "this person's record is restricted (UK GDPR article 18): it is kept but not changed");
        core_error_hint(d->err, "lift the restriction first: POST /api/v1/people/%" PRId64 "/restriction",
                        a.person_id);
        return ACCESS_DENY;
    }
    const char *section = a.label[0] && what->id && !create ? a.label : what->section;
    if (section_decide(d, section ? section : "", write, create, f) != ACCESS_ALLOW)
        return ACCESS_DENY;
    if (write && what->new_label && what->new_label[0] && (!section || strcmp(what->new_label, section) != 0) &&
        section_decide(d, what->new_label, write, 1, f) != ACCESS_ALLOW)
        return ACCESS_DENY;
    if (write && what->staffing)
        return staffing_decide(d, what->staffing, f);
    return ACCESS_ALLOW;
}

access_result access_decide(store *db, access_principal *who, const char *permission, const access_target *what,
                            access_footing *footing, core_error *err)
{
    access_footing scratch;
    access_footing *f = footing ? footing : &scratch;
    memset(f, 0, sizeof(*f));
    core_error_clear(err);
    if (route_decide(who, permission, err) != ACCESS_ALLOW)
        return ACCESS_DENY;
    if (!what || !what->table)
        return ACCESS_ALLOW;
    if (!db) {
        core_error_set(err, CORE_E_INTERNAL, "a record decision needs the store");
        return ACCESS_DENY;
    }
    decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    clock_read(&d.clock);
    access_result r = record_decide(&d, permission, what, f);
    core_arena_release(&d.arena);
    if (d.failed) {
        if (!err->code || err->code == CORE_E_NOT_FOUND || err->code == CORE_E_FORBIDDEN)
            core_error_set(err, CORE_E_STORE, "the access decision could not be made");
        memset(f, 0, sizeof(*f));
        return ACCESS_DENY;
    }
    if (r != ACCESS_ALLOW && !err->code)
        core_error_set(err, CORE_E_FORBIDDEN, "you do not have access to this record");
    return r;
}

/* ---- links: does recording one open what it links? ---- */

/* The person is new with the link: recorded by this user and tied to nothing yet (no family, no contact,
 * no partner row). */
static const char SQL_PERSON_NEW_WITH_LINK[] =
    "SELECT count(*)\n"
    "  FROM person p\n"
    " WHERE p.id = $1 AND p.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM family_member WHERE person_id = p.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact_child WHERE person_id = p.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM partner_record WHERE person_id = p.id)";

/* The family is new with the contact: recorded by this user, with no episode and named by no other contact. */
static const char SQL_FAMILY_NEW_WITH_CONTACT[] =
    "SELECT count(*)\n"
    "  FROM family f\n"
    " WHERE f.id = $1 AND f.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM episode WHERE family_id = f.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact WHERE family_id = f.id AND id IS DISTINCT FROM $3)";

int access_link_opens(store *db, access_principal *who, access_link kind, int64_t parent, int64_t target,
                      core_error *err)
{
    core_error_clear(err);
    decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    clock_read(&d.clock);
    int64_t opens = 0;
    if (kind == ACCESS_LINK_CONTACT_FAMILY) {
        store_value p[] = {store_v_int(target), store_v_int(who->user_id), parent ? store_v_int(parent)
                                                                                  : store_v_null()};
        opens = query_int(&d, SQL_FAMILY_NEW_WITH_CONTACT, p, 3, 0) > 0;
    } else {
        store_value p[] = {store_v_int(target), store_v_int(who->user_id)};
        opens = query_int(&d, SQL_PERSON_NEW_WITH_LINK, p, 2, 0) > 0;
        if (!opens && !d.failed && kind == ACCESS_LINK_MEMBER && role_is(who, ACCESS_ROLE_TEAM_MANAGER)) {
            /* The manager of a team working the family decides who is in the case: an allocation. */
            access_footing f;
            family_footing(&d, parent, &f);
            opens = f.basis == ACCESS_ON_TEAM_MANAGER;
        }
    }
    core_arena_release(&d.arena);
    if (d.failed)
        return err->code ? err->code : core_error_set(err, CORE_E_STORE, "could not decide what the link opens");
    return (int)opens;
}

/* A live duty of the user's (governance reads case records only on one). */
static const char SQL_LIVE_DUTY[] =
    "SELECT count(*)\n"
    "  FROM access_grant\n"
    " WHERE user_id = $1 AND kind = 'duty' AND expires_at > $2";

int access_may_read_cases(store *db, access_principal *who, core_error *err)
{
    core_error_clear(err);
    if (role_in(who, NO_CASE_RECORDS) || access_role_of(who) == ACCESS_ROLE_NONE)
        return 0;
    if (!role_is(who, ACCESS_ROLE_GOVERNANCE))
        return 1;
    decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    clock_read(&d.clock);
    store_value p[] = {store_v_int(who->user_id), store_v_text(d.clock.now)};
    int64_t n = query_int(&d, SQL_LIVE_DUTY, p, 2, 0);
    core_arena_release(&d.arena);
    if (d.failed)
        return err->code ? err->code : core_error_set(err, CORE_E_STORE, "could not read the duties");
    return n > 0;
}

const char *access_basis_name(access_basis b)
{
    static const char *const names[] = {"none", "directory", "role", "lead", "taf", "team_manager",
                                        "front_door", "recorder", "duty", "break_glass"};
    return (size_t)b < sizeof(names) / sizeof(names[0]) ? names[b] : "none";
}

void access_footing_json(const access_footing *f, char *out, size_t size)
{
    /* Codes only (reason codes come from ref_code lists of [a-z_]), so no escaping is needed. */
    if (f->grant_id)
        snprintf(out, size, "{\"footing\":\"%s\",\"grant\":%" PRId64 ",\"reason\":\"%s\"}", access_basis_name(f->basis),
                 f->grant_id, f->reason);
    else if (f->family_id)
        snprintf(out, size, "{\"footing\":\"%s\",\"family\":%" PRId64 "}", access_basis_name(f->basis), f->family_id);
    else
        snprintf(out, size, "{\"footing\":\"%s\"}", access_basis_name(f->basis));
}
