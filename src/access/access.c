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
 * Steps 1 and 2 live in access_footing.c, the route table in access_route.c, what they share in
 * access_internal.h. Every query is a bound constant beside the step that asks it; a local arena holds the
 * statements of one decision so the statement cache is reused across the many decisions of one list request.
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
#include "access/access_internal.h"
#include "core/core_date.h"

/* ---- time ---- */

void access_clock_read(access_clock *c)
{
    core_clock_iso(0, c->now);
    memcpy(c->today, c->now, 10);
    c->today[10] = '\0';
}

void access_days_before(const char *today, int64_t days, char out[11])
{
    core_date d;
    if (core_date_parse(today, 10, &d) != 0 || days < 0 || days > 100000) {
        memcpy(out, "0000-01-01", 11);
        return;
    }
    core_date_format(core_date_add_days(d, (int32_t)-days), out);
}

int64_t access_query_int(access_decision *d, const char *sql, const store_value *v, size_t n, int64_t fallback)
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

int64_t access_setting_of(access_decision *d, const char *name, int64_t fallback)
{
    store_value p[] = {store_v_text(name)};
    return access_query_int(d, SQL_SETTING, p, 1, fallback);
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

static const char *agency_type(access_decision *d)
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
static int partner_sees(access_decision *d, const char *section, int64_t family)
{
    const char *type = agency_type(d);
    if (!type[0] || !family)
        return 0;
    store_value s[] = {store_v_text(section), store_v_text(type)};
    if (access_query_int(d, SQL_SECTION_SHARED, s, 2, 0) == 0)
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
    return access_query_int(d, SQL_SHARING_COVERED, c, 4, 0) != 0;
}

static int str_in(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

/* The section check once a footing is found. Returns ACCESS_ALLOW or sets err. */
static access_result section_decide(access_decision *d, const char *section, int write, int create, access_footing *f)
{
    access_principal *w = d->who;
    if (access_role_is(w, ACCESS_ROLE_FRONT_DOOR) && !str_in(section, FRONT_DOOR_SECTIONS)) {
        core_error_set(d->err, CORE_E_FORBIDDEN, "the front door does not see %s records", section);
        return ACCESS_DENY;
    }
    if (access_role_is(w, ACCESS_ROLE_PARTNER)) {
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
        if (access_query_int(d, SQL_DUTY_WRITES, p, 1, 0) == 0) {
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
    access_role_set roles;
} create_rules[] = {
    {"person", R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER)},
    {"family", R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER)},
    {"contact", R(FRONT_DOOR)},
    {"phone_call", R(FRONT_DOOR)},
    {"agency", R(ADMIN)},
    {"team", R(ADMIN)},
};

static access_result create_decide(access_decision *d, const char *table, access_footing *f)
{
    for (size_t i = 0; i < sizeof(create_rules) / sizeof(create_rules[0]); i++) {
        if (strcmp(create_rules[i].table, table) != 0)
            continue;
        if (access_role_in(d->who, create_rules[i].roles)) {
            f->basis = access_table_is_directory(table) ? ACCESS_ON_DIRECTORY : ACCESS_ON_ROLE;
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
static access_result staffing_decide(access_decision *d, int staffing, const access_footing *f)
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
    if (access_role_is(who, ACCESS_ROLE_TEAM_MANAGER) && who->team_id && who->team_id == team_id)
        return ACCESS_ALLOW;
    core_error_set(err, CORE_E_FORBIDDEN, "allocating a lead practitioner is for the manager of the owning team");
    core_error_hint(err, "record the episode without lead_user_id; the team manager allocates the lead");
    return ACCESS_DENY;
}

/* ---- record level ---- */

static const char SQL_PERSON_RESTRICTED[] =
    "SELECT restricted\n"
    "  FROM person\n"
    " WHERE id = $1";

static access_result no_footing(access_decision *d, access_anchor_kind kind)
{
    access_principal *w = d->who;
    core_error_set(d->err, CORE_E_FORBIDDEN, "you have no relationship to this %s",
                   kind == ACCESS_ANCHOR_FAMILY ? "family" : kind == ACCESS_ANCHOR_PERSON ? "person" : "contact");
    if (access_role_in(w, ACCESS_ROLES_BREAK_GLASS))
        core_error_hint(d->err, "if a child or adult is at risk, record why and break glass: "
                                "POST /api/v1/access/break-glass");
    else if (access_role_is(w, ACCESS_ROLE_GOVERNANCE))
        core_error_hint(d->err, "state your purpose first: POST /api/v1/access/duties");
    return ACCESS_DENY;
}

static access_result record_decide(access_decision *d, const char *permission, const access_target *what,
                                   access_footing *f)
{
    access_principal *w = d->who;
    int create = strcmp(permission, "record.create") == 0;
    int write = create || strcmp(permission, "record.write") == 0;
    if (create && what->id == 0)
        return create_decide(d, what->table, f);

    access_anchor a;
    int rc = access_anchor_find(d, what->table, what->id, &a);
    if (rc == CORE_E_NOT_FOUND) {
        /* Nothing to protect: the handler answers "not found" as it would for anyone. */
        f->basis = ACCESS_ON_NONE;
        return ACCESS_ALLOW;
    }
    if (rc)
        return ACCESS_DENY;

    if (a.kind == ACCESS_ANCHOR_DIRECTORY) {
        f->basis = ACCESS_ON_DIRECTORY;
        if (!write || access_role_is(w, ACCESS_ROLE_ADMIN))
            return ACCESS_ALLOW;
        core_error_set(d->err, CORE_E_FORBIDDEN, "only the administrator changes agencies and teams");
        return ACCESS_DENY;
    }
    if (access_role_in(w, ACCESS_ROLES_NO_CASE_RECORDS)) {
        core_error_set(d->err, CORE_E_FORBIDDEN, "your role does not give access to case records");
        return ACCESS_DENY;
    }
    int64_t restricted = 0;
    if (a.person_id) {
        store_value p[] = {store_v_int(a.person_id)};
        restricted = access_query_int(d, SQL_PERSON_RESTRICTED, p, 1, 0);
        if (d->failed)
            return ACCESS_DENY;
    }

    if (a.kind == ACCESS_ANCHOR_FAMILY)
        access_family_footing(d, a.id, f);
    else if (a.kind == ACCESS_ANCHOR_CONTACT)
        access_contact_footing(d, a.id, f);
    else
        access_person_footing(d, a.id, f);
    if (d->failed)
        return ACCESS_DENY;
    if (!f->basis)
        return no_footing(d, a.kind); /* a restricted person too: the same answer as anyone unrelated gets */
    if (restricted && !access_role_is(w, ACCESS_ROLE_GOVERNANCE)) {
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
    if (access_route_decide(who, permission, err) != ACCESS_ALLOW)
        return ACCESS_DENY;
    if (!what || !what->table)
        return ACCESS_ALLOW;
    if (!db) {
        core_error_set(err, CORE_E_INTERNAL, "a record decision needs the store");
        return ACCESS_DENY;
    }
    access_decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    access_clock_read(&d.clock);
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
    access_decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    access_clock_read(&d.clock);
    int64_t opens = 0;
    if (kind == ACCESS_LINK_CONTACT_FAMILY) {
        store_value p[] = {store_v_int(target), store_v_int(who->user_id), parent ? store_v_int(parent)
                                                                                  : store_v_null()};
        opens = access_query_int(&d, SQL_FAMILY_NEW_WITH_CONTACT, p, 3, 0) > 0;
    } else {
        store_value p[] = {store_v_int(target), store_v_int(who->user_id)};
        opens = access_query_int(&d, SQL_PERSON_NEW_WITH_LINK, p, 2, 0) > 0;
        if (!opens && !d.failed && kind == ACCESS_LINK_MEMBER && access_role_is(who, ACCESS_ROLE_TEAM_MANAGER)) {
            /* The manager of a team working the family decides who is in the case: an allocation. */
            access_footing f;
            access_family_footing(&d, parent, &f);
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
    if (access_role_in(who, ACCESS_ROLES_NO_CASE_RECORDS) || access_role_of(who) == ACCESS_ROLE_NONE)
        return 0;
    if (!access_role_is(who, ACCESS_ROLE_GOVERNANCE))
        return 1;
    access_decision d = {.db = db, .arena = CORE_ARENA_INIT, .who = who, .err = err};
    access_clock_read(&d.clock);
    store_value p[] = {store_v_int(who->user_id), store_v_text(d.clock.now)};
    int64_t n = access_query_int(&d, SQL_LIVE_DUTY, p, 2, 0);
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

