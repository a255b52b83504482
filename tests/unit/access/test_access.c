/*
 * test_access.c — the access decision (src/access/access.c) against a small fixed council:
 *   - route level: roles that never use a route are refused; token scopes narrow what a session may do;
 *   - footings: lead, Team Around the Family, manager of the owning team, the front door within the triage
 *     window, the recorder of a record nobody works yet, a live duty, a live break-glass grant; another team,
 *     an expired grant, a decided contact past its grace and a long-closed episode give none;
 *   - sections: the front door's few sections, partners' shares within consent, special category fields
 *     omitted, a narrower note label; hidden answers NOT_FOUND, never FORBIDDEN;
 *   - restriction: hidden from all but governance, and unchangeable even by governance;
 *   - admin and analyst see no case records; the directory is everyone's to read and the admin's to change;
 *   - the footing's audit JSON;
 *   - issue 9: roles resolved once (an unknown code is no role); links open only what is new with them;
 *     staffing is the owning team's manager's (TAF members also the lead's); police notes only on the lead's,
 *     the manager's, a duty's or break glass's footing; a duty writes only for a writing purpose; a restricted
 *     person without a footing answers as anyone unrelated; governance without a duty reads no case lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_tmpdb.h"
#include "access/access.h"
#include "access/access_cache.h"
#include "store/store.h"

/* Users: 1 front door, 2 lead (team 2), 3 TAF practitioner (team 2), 4 practitioner of team 3, 5 manager of
 * team 2, 6 manager of team 3, 7 school partner on the TAF, 8 health partner on the TAF, 9 governance,
 * 10 admin, 11 analyst. Family 1: open episode 1 of team 2; consent shares with schools only; person 1 a
 * member, person 2 a restricted member; note 1 ordinary, note 2 police information; plan 1. Family 2: contact
 * 1 in triage. Family 3: contact 2 decided in 2000. Family 4: recorded by user 4, nobody's case yet.
 * Family 5: episode 2 closed in 2000. Family 6: open episodes of team 3 (3, led by user 4) and of team 2
 * (4, led by user 2); person 4 is a member of families 3 and 6. Grants: user 4's break glass on family 1 expired; user 9's duty on
 * person 2 live. */
static const char FIXTURE[] =
    "INSERT INTO agency (id, name, agency_type, created_at, updated_at) VALUES\n"
    "  (1, 'Council', 'early_help', 'x', 'x'), (2, 'School', 'school', 'x', 'x'),\n"
    "  (3, 'Health visiting', 'health_visiting', 'x', 'x');\n"
    "INSERT INTO team (id, name, agency_id, kind, created_at, updated_at) VALUES\n"
    "  (1, 'Front door', 1, 'front_door', 'x', 'x'), (2, 'North', 1, 'early_help', 'x', 'x'),\n"
    "  (3, 'South', 1, 'early_help', 'x', 'x');\n"
    "INSERT INTO app_user (id, username, display_name, role, agency_id, team_id, password_hash, created_at,\n"
    "                      updated_at) VALUES\n"
    "  (1, 'fd', 'FD', 'front_door', 1, 1, 'h', 'x', 'x'), (2, 'lead', 'L', 'practitioner', 1, 2, 'h', 'x', 'x'),\n"
    "  (3, 'taf', 'T', 'practitioner', 1, 2, 'h', 'x', 'x'), (4, 'other', 'O', 'practitioner', 1, 3, 'h', 'x', 'x'),\n"
    "  (5, 'tm', 'M', 'team_manager', 1, 2, 'h', 'x', 'x'), (6, 'tmb', 'MB', 'team_manager', 1, 3, 'h', 'x', 'x'),\n"
    "  (7, 'school', 'S', 'partner', 2, NULL, 'h', 'x', 'x'), (8, 'health', 'H', 'partner', 3, NULL, 'h', 'x', 'x'),\n"
    "  (9, 'gov', 'G', 'governance', 1, NULL, 'h', 'x', 'x'), (10, 'admin', 'A', 'admin', 1, NULL, 'h', 'x', 'x'),\n"
    "  (11, 'analyst', 'AN', 'analyst', 1, NULL, 'h', 'x', 'x');\n"
    "INSERT INTO family (id, name, created_at, created_by, updated_at) VALUES\n"
    "  (1, 'F1', 'x', 2, 'x'), (2, 'F2', 'x', 1, 'x'), (3, 'F3', 'x', 1, 'x'), (4, 'F4', 'x', 4, 'x'),\n"
    "  (5, 'F5', 'x', 2, 'x'), (6, 'F6', 'x', 2, 'x');\n"
    "INSERT INTO person (id, given_name, ethnicity, restricted, created_at, updated_at) VALUES\n"
    "  (1, 'Child', 'WBRI', 0, 'x', 'x'), (2, 'Kept', NULL, 1, 'x', 'x'), (3, 'Triage', NULL, 0, 'x', 'x'),\n"
    "  (4, 'Two homes', NULL, 0, 'x', 'x');\n"
    "INSERT INTO family_member (family_id, person_id, role, created_at, updated_at) VALUES\n"
    "  (1, 1, 'child', 'x', 'x'), (1, 2, 'child', 'x', 'x'), (3, 4, 'child', 'x', 'x'), (6, 4, 'child', 'x', 'x');\n"
    "INSERT INTO episode (id, family_id, start_date, end_date, closure_reason, owning_team_id, lead_user_id,\n"
    "                     created_at, updated_at) VALUES\n"
    "  (1, 1, '2020-01-01', NULL, NULL, 2, 2, 'x', 'x'),\n"
    "  (2, 5, '1999-01-01', '2000-01-01', 'needs_met', 2, 2, 'x', 'x'),\n"
    "  (3, 6, '2020-01-01', NULL, NULL, 3, 4, 'x', 'x'), (4, 6, '2020-02-01', NULL, NULL, 2, 2, 'x', 'x');\n"
    "INSERT INTO episode_member (episode_id, user_id, from_date, created_at, updated_at) VALUES\n"
    "  (1, 3, '2020-01-01', 'x', 'x'), (1, 7, '2020-01-01', 'x', 'x'), (1, 8, '2020-01-01', 'x', 'x');\n"
    "INSERT INTO consent (family_id, scope, agency_types, method, given_on, created_at, updated_at) VALUES\n"
    "  (1, 'share_named_agency_types', 'school', 'written', '2020-01-01', 'x', 'x');\n"
    "INSERT INTO case_note (id, episode_id, note_type, occurred_at, body, sharing_label, created_at,\n"
    "                       updated_at) VALUES\n"
    "  (1, 1, 'visit', '2020-01-02T10:00:00Z', 'b', NULL, 'x', 'x'),\n"
    "  (2, 1, 'visit', '2020-01-02T10:00:00Z', 'b', 'police_information', 'x', 'x');\n"
    "INSERT INTO plan (id, episode_id, agreed_on, created_at, updated_at) VALUES (1, 1, '2020-01-05', 'x', 'x');\n"
    "INSERT INTO contact (id, received_on, channel, contactor_type, source_code, reason, family_id, decision,\n"
    "                     decision_date, created_at, updated_at) VALUES\n"
    "  (1, '2020-01-01', 'phone', 'professional', '2A', 'r', 2, NULL, NULL, 'x', 'x'),\n"
    "  (2, '2000-01-01', 'phone', 'professional', '2A', 'r', 3, 'nfa', '2000-01-01', 'x', 'x');\n"
    "INSERT INTO contact_child (contact_id, person_id, created_at, updated_at) VALUES (1, 3, 'x', 'x');\n"
    "INSERT INTO access_grant (user_id, kind, family_id, person_id, reason, explanation, granted_at,\n"
    "                          expires_at) VALUES\n"
    "  (4, 'break_glass', 1, NULL, 'serious_risk_of_harm', 'expired', '2000-01-01T00:00:00Z',\n"
    "   '2000-01-02T00:00:00Z'),\n"
    "  (9, 'duty', NULL, 2, 'restriction', 'checking', '2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z');\n";

typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_error err;
    access_cache *cache; /* footings remembered across decisions (access_cache.h), or NULL */
} fixture;

/* The second run of every test goes through a cache of footings, one per fixture (so per database), as a
 * server's decisions do: every answer must be the same as without it. */
static int with_cache;
static access_cache *current_cache;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp))
        return -1;
    if (store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err) ||
        store_exec_script(f->s, FIXTURE, &f->err)) {
        fprintf(stderr, "fixture: %s %s\n", f->err.message, f->err.detail);
        return -1;
    }
    f->cache = with_cache ? access_cache_new(256) : NULL;
    current_cache = f->cache;
    with_cache = 0;
    *state = f;
    return 0;
}

static int setup_cached(void **state)
{
    with_cache = 1;
    return setup(state);
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    access_cache_free(f->cache);
    current_cache = NULL;
    free(f);
    return 0;
}

static const char *const ROLES[] = {NULL, "front_door", "practitioner", "practitioner", "practitioner",
                                    "team_manager", "team_manager", "partner", "partner", "governance", "admin",
                                    "analyst"};
static const int64_t TEAMS[] = {0, 1, 2, 2, 3, 2, 3, 0, 0, 0, 0, 0};
static const int64_t AGENCIES[] = {0, 1, 1, 1, 1, 1, 1, 2, 3, 1, 1, 1};

static access_principal who(int user)
{
    access_principal p;
    memset(&p, 0, sizeof p);
    p.user_id = user;
    p.role = ROLES[user];
    p.team_id = TEAMS[user];
    p.agency_id = AGENCIES[user];
    p.cache = current_cache;
    return p;
}

/* The decision for user on (section, table, id); *code gets the error code on deny (0 on allow). */
static access_result ask(fixture *f, int user, const char *perm, const char *section, const char *table, int64_t id,
                         access_footing *out, int *code)
{
    access_principal p = who(user);
    access_target t = {section, table, id, NULL, 0};
    access_footing scratch;
    access_result r = access_decide(f->s, &p, perm, &t, out ? out : &scratch, &f->err);
    *code = r == ACCESS_ALLOW ? 0 : f->err.code;
    return r;
}

#define ALLOWED(user, perm, section, table, id)                                                               \
    do {                                                                                                      \
        int code_;                                                                                            \
        if (ask(f, user, perm, section, table, id, NULL, &code_) != ACCESS_ALLOW)                              \
            fail_msg("user %d %s %s %d: denied (%s)", user, perm, table, (int)(id), f->err.detail);           \
    } while (0)

#define DENIED(user, perm, section, table, id, want)                                                          \
    do {                                                                                                      \
        int code_;                                                                                            \
        if (ask(f, user, perm, section, table, id, NULL, &code_) == ACCESS_ALLOW)                              \
            fail_msg("user %d %s %s %d: allowed", user, perm, table, (int)(id));                              \
        if (code_ != (want))                                                                                  \
            fail_msg("user %d %s %s %d: %s, expected %s", user, perm, table, (int)(id), core_error_name(code_),  \
                     core_error_name(want));                                                                  \
    } while (0)

static void test_routes(void **state)
{
    fixture *f = *state;
    access_principal p = who(11);
    assert_int_equal(access_decide(NULL, &p, "person.search", NULL, NULL, &f->err), ACCESS_DENY);
    assert_int_equal(f->err.code, CORE_E_FORBIDDEN);
    p = who(9);
    assert_int_equal(access_decide(NULL, &p, "governance.access_report", NULL, NULL, &f->err), ACCESS_ALLOW);
    p = who(2);
    assert_int_equal(access_decide(NULL, &p, "governance.access_report", NULL, NULL, &f->err), ACCESS_DENY);
    assert_int_equal(access_decide(NULL, &p, "access.break_glass", NULL, NULL, &f->err), ACCESS_ALLOW);
    assert_int_equal(access_decide(NULL, &p, "no.such.permission", NULL, NULL, &f->err), ACCESS_DENY);
    p = who(7);
    assert_int_equal(access_decide(NULL, &p, "access.break_glass", NULL, NULL, &f->err), ACCESS_DENY);
    /* A token scoped to reading cannot write, but may always sign out. */
    p = who(2);
    p.scopes = "record.read,record.list";
    assert_int_equal(access_decide(NULL, &p, "record.read", NULL, NULL, &f->err), ACCESS_ALLOW);
    assert_int_equal(access_decide(NULL, &p, "record.write", NULL, NULL, &f->err), ACCESS_DENY);
    assert_int_equal(access_decide(NULL, &p, "session.end", NULL, NULL, &f->err), ACCESS_ALLOW);
    /* Nobody signed in. */
    p = who(0);
    assert_int_equal(access_decide(NULL, &p, "record.read", NULL, NULL, &f->err), ACCESS_DENY);
    assert_int_equal(f->err.code, CORE_E_UNAUTHENTICATED);
}

static void test_relationships(void **state)
{
    fixture *f = *state;
    access_footing ft;
    int code;
    assert_int_equal(ask(f, 2, "record.read", "case_note", "case_note", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_LEAD);
    assert_int_equal(ft.family_id, 1);
    assert_int_equal(ask(f, 3, "record.write", "case_note", "case_note", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_TAF);
    assert_int_equal(ask(f, 5, "record.read", "plan", "plan", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_TEAM_MANAGER);
    DENIED(4, "record.read", "case_note", "case_note", 1, CORE_E_FORBIDDEN);  /* another team */
    DENIED(6, "record.read", "family", "family", 1, CORE_E_FORBIDDEN);        /* another team's manager */
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);        /* expired break glass */
    DENIED(2, "record.read", "family", "family", 5, CORE_E_FORBIDDEN);        /* closed long ago */
    /* The recorder of a family nobody works yet, and nobody else. */
    assert_int_equal(ask(f, 4, "record.write", "family", "family", 4, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_RECORDER);
    DENIED(2, "record.read", "family", "family", 4, CORE_E_FORBIDDEN);
    /* Every episode of a family counts, not only the first; every family of a person, not only the first. */
    assert_int_equal(ask(f, 2, "record.read", "family", "family", 6, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_LEAD);
    assert_int_equal(ask(f, 4, "record.read", "family", "family", 6, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_LEAD);
    assert_int_equal(ask(f, 2, "record.read", "person", "person", 4, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.family_id, 6);
    /* A record that does not exist is left to the handler to answer "not found". */
    ALLOWED(2, "record.read", "case_note", "case_note", 999);
}

static void test_front_door(void **state)
{
    fixture *f = *state;
    access_footing ft;
    int code;
    assert_int_equal(ask(f, 1, "record.write", "contact", "contact", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_FRONT_DOOR);
    ALLOWED(1, "record.read", "family", "family", 2);   /* the family a contact in triage names */
    ALLOWED(1, "record.read", "person", "person", 3);   /* a child of a contact in triage */
    DENIED(1, "record.read", "contact", "contact", 2, CORE_E_FORBIDDEN); /* decided in 2000 */
    DENIED(1, "record.read", "family", "family", 3, CORE_E_FORBIDDEN);
    DENIED(2, "record.read", "contact", "contact", 1, CORE_E_FORBIDDEN); /* triage is the front door's */
    /* Creating: contacts are the front door's to record; a family by any case role. */
    ALLOWED(1, "record.create", "contact", "contact", 0);
    DENIED(2, "record.create", "contact", "contact", 0, CORE_E_FORBIDDEN);
    ALLOWED(2, "record.create", "family", "family", 0);
    DENIED(7, "record.create", "family", "family", 0, CORE_E_FORBIDDEN);
}

static void test_partners(void **state)
{
    fixture *f = *state;
    access_footing ft;
    int code;
    /* The school is on the team and the consent names schools: shared sections show, special fields do not. */
    assert_int_equal(ask(f, 7, "record.read", "person", "person", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.omit_special, 1);
    ALLOWED(7, "record.read", "plan", "plan", 1);
    DENIED(7, "record.read", "case_note", "case_note", 1, CORE_E_NOT_FOUND);  /* not shared with schools */
    DENIED(7, "record.write", "family", "family", 1, CORE_E_FORBIDDEN);       /* partners do not change it */
    DENIED(7, "record.create", "case_note", "episode", 1, CORE_E_FORBIDDEN);  /* no notes to schools */
    /* Health visiting is on the team but outside the consent: everything hidden. */
    DENIED(8, "record.read", "family", "family", 1, CORE_E_NOT_FOUND);
    DENIED(8, "record.read", "person", "person", 1, CORE_E_NOT_FOUND);
    /* A safeguarding basis for health visiting opens what health visiting may see, and nothing more. */
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO sharing_basis (family_id, basis, agency_type, reason, recorded_on,\n"
                                "  created_at, updated_at)\n"
                                "VALUES (1, 'safeguarding', 'health_visiting', 'r', '2020-01-01', 'x', 'x');",
                                &f->err),
              f->err);
    assert_int_equal(ask(f, 8, "record.read", "person", "person", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.omit_special, 0); /* special category is shared with health agencies */
    DENIED(8, "record.read", "case_note", "case_note", 2, CORE_E_NOT_FOUND); /* police information */
    /* Consent withdrawn: the school loses sight at once. */
    assert_ok(store_exec_script(f->s, "UPDATE consent SET withdrawn_on = '2020-06-01';", &f->err), f->err);
    DENIED(7, "record.read", "plan", "plan", 1, CORE_E_NOT_FOUND);
}

static void test_restriction_and_governance(void **state)
{
    fixture *f = *state;
    access_footing ft;
    int code;
    DENIED(2, "record.read", "person", "person", 2, CORE_E_NOT_FOUND);       /* even the lead */
    DENIED(2, "record.read", "family", "family_member", 2, CORE_E_NOT_FOUND); /* their membership too */
    assert_int_equal(ask(f, 9, "record.read", "person", "person", 2, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_DUTY);
    assert_string_equal(ft.reason, "restriction");
    DENIED(9, "record.write", "person", "person", 2, CORE_E_RESTRICTED);
    DENIED(9, "record.create", "person", "person", 2, CORE_E_RESTRICTED);   /* a new address for them */
    /* Governance without a duty on the family sees nothing of it. */
    DENIED(9, "record.read", "case_note", "case_note", 1, CORE_E_FORBIDDEN);
}

static void test_break_glass(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO access_grant (user_id, kind, family_id, reason, explanation,\n"
                                "  granted_at, expires_at)\n"
                                "VALUES (4, 'break_glass', 1, 'court_order', 'e', '2020-01-01T00:00:00Z',\n"
                                "        '2999-01-01T00:00:00Z');",
                                &f->err),
              f->err);
    access_footing ft;
    int code;
    assert_int_equal(ask(f, 4, "record.read", "case_note", "case_note", 1, &ft, &code), ACCESS_ALLOW);
    assert_int_equal(ft.basis, ACCESS_ON_BREAK_GLASS);
    assert_string_equal(ft.reason, "court_order");
    assert_true(ft.grant_id > 0);
    ALLOWED(4, "record.read", "person", "person", 1); /* the family's grant covers its members */
    DENIED(4, "record.read", "person", "person", 2, CORE_E_NOT_FOUND); /* but never a restricted one */
    char json[160];
    access_footing_json(&ft, json, sizeof json);
    char want[160];
    snprintf(want, sizeof want, "{\"footing\":\"break_glass\",\"grant\":%lld,\"reason\":\"court_order\"}",
             (long long)ft.grant_id);
    assert_string_equal(json, want);
}

static void test_admin_analyst_directory(void **state)
{
    fixture *f = *state;
    DENIED(10, "record.read", "case_note", "case_note", 1, CORE_E_FORBIDDEN);
    DENIED(10, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);
    DENIED(11, "record.read", "family", "family", 1, CORE_E_FORBIDDEN);
    ALLOWED(10, "record.write", "directory", "team", 2);
    ALLOWED(10, "record.create", "directory", "agency", 0);
    ALLOWED(7, "record.read", "directory", "agency", 1);
    DENIED(2, "record.write", "directory", "team", 2, CORE_E_FORBIDDEN);
    DENIED(2, "record.create", "directory", "team", 0, CORE_E_FORBIDDEN);
}

static void test_settings(void **state)
{
    fixture *f = *state;
    int64_t v = 0;
    assert_ok(access_setting(f->s, "break_glass_hours", 1, &v, &f->err), f->err);
    assert_int_equal(v, 24);
    assert_ok(access_setting(f->s, "no_such_setting", 7, &v, &f->err), f->err);
    assert_int_equal(v, 7);
    /* A longer closed-case window reopens family 5 to its team (closed in 2000). */
    assert_ok(store_exec_script(f->s, "UPDATE setting SET value = 100000 WHERE name = 'closed_case_days';", &f->err),
              f->err);
    ALLOWED(2, "record.read", "family", "family", 5);
}


static void test_roles_typed(void **state)
{
    (void)state;
    assert_int_equal(access_role_parse("front_door"), ACCESS_ROLE_FRONT_DOOR);
    assert_int_equal(access_role_parse("admin"), ACCESS_ROLE_ADMIN);
    assert_int_equal(access_role_parse("Admin"), ACCESS_ROLE_NONE);
    assert_int_equal(access_role_parse("governence"), ACCESS_ROLE_NONE);
    assert_int_equal(access_role_parse(NULL), ACCESS_ROLE_NONE);
    access_principal p;
    memset(&p, 0, sizeof p);
    p.user_id = 1;
    p.role = "superuser"; /* not a role: denied everything, even reference data */
    core_error err;
    assert_int_equal(access_decide(NULL, &p, "reference.read", NULL, NULL, &err), ACCESS_DENY);
    assert_int_equal(err.code, CORE_E_UNAUTHENTICATED);
}

static void test_link_opens(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO person (id, given_name, created_by, created_at, updated_at) VALUES\n"
                                "  (10, 'Mine', 2, 'x', 'x'), (11, 'Theirs', 4, 'x', 'x');\n"
                                "INSERT INTO family (id, name, created_at, created_by, updated_at) VALUES\n"
                                "  (10, 'Mine', 'x', 1, 'x');",
                                &f->err),
              f->err);
    access_principal lead = who(2), tm = who(5), fd = who(1);
    /* finding 1: a person recorded by the user and tied to nothing opens; anyone else's person does not */
    assert_int_equal(access_link_opens(f->s, &lead, ACCESS_LINK_MEMBER, 1, 10, &f->err), 1);
    assert_int_equal(access_link_opens(f->s, &lead, ACCESS_LINK_MEMBER, 1, 11, &f->err), 0);
    assert_int_equal(access_link_opens(f->s, &lead, ACCESS_LINK_MEMBER, 1, 1, &f->err), 0); /* in family 1 */
    /* the owning team's manager allocates: an existing person added to the family opens */
    assert_int_equal(access_link_opens(f->s, &tm, ACCESS_LINK_MEMBER, 1, 11, &f->err), 1);
    assert_int_equal(access_link_opens(f->s, &tm, ACCESS_LINK_CONTACT_CHILD, 1, 11, &f->err), 0);
    /* finding 2: a family the front door just recorded opens; a known family does not */
    assert_int_equal(access_link_opens(f->s, &fd, ACCESS_LINK_CONTACT_FAMILY, 0, 10, &f->err), 1);
    assert_int_equal(access_link_opens(f->s, &fd, ACCESS_LINK_CONTACT_FAMILY, 0, 1, &f->err), 0);
    assert_int_equal(access_link_opens(f->s, &fd, ACCESS_LINK_CONTACT_FAMILY, 0, 2, &f->err), 0); /* contact 1 */
    assert_int_equal(access_link_opens(f->s, &fd, ACCESS_LINK_CONTACT_FAMILY, 1, 2, &f->err), 1); /* its own */
    /* a link that did not open leaves the person behind their own footings */
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO family_member (family_id, person_id, role, opens_person, created_at,\n"
                                "                           updated_at) VALUES (4, 1, 'child', 0, 'x', 'x');",
                                &f->err),
              f->err);
    ALLOWED(4, "record.read", "family", "family", 4);      /* user 4 recorded family 4 */
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);
}

static void test_staffing(void **state)
{
    fixture *f = *state;
    access_footing fo;
    access_principal p;
    access_target taf = {"episode", "episode", 1, NULL, ACCESS_STAFF_TAF};
    access_target lead = {"episode", "episode", 1, NULL, ACCESS_STAFF_LEAD};
    p = who(5); /* the owning team's manager */
    assert_int_equal(access_decide(f->s, &p, "record.write", &lead, &fo, &f->err), ACCESS_ALLOW);
    p = who(2); /* the lead: TAF members, not the lead */
    assert_int_equal(access_decide(f->s, &p, "record.create", &taf, &fo, &f->err), ACCESS_ALLOW);
    assert_int_equal(access_decide(f->s, &p, "record.write", &lead, &fo, &f->err), ACCESS_DENY);
    assert_int_equal(f->err.code, CORE_E_FORBIDDEN);
    p = who(3); /* on the TAF: neither */
    assert_int_equal(access_decide(f->s, &p, "record.create", &taf, &fo, &f->err), ACCESS_DENY);
    p = who(6); /* another team's manager: no footing at all */
    assert_int_equal(access_decide(f->s, &p, "record.write", &lead, &fo, &f->err), ACCESS_DENY);
    p = who(5);
    assert_int_equal(access_may_allocate(&p, 2, &f->err), ACCESS_ALLOW);
    assert_int_equal(access_may_allocate(&p, 3, &f->err), ACCESS_DENY);
    p = who(2);
    assert_int_equal(access_may_allocate(&p, 2, &f->err), ACCESS_DENY);
}

static void test_need_to_know(void **state)
{
    fixture *f = *state;
    /* finding 11: the police note: the lead and the manager, not the TAF practitioner */
    ALLOWED(2, "record.read", "case_note", "case_note", 2);
    ALLOWED(5, "record.read", "case_note", "case_note", 2);
    DENIED(3, "record.read", "case_note", "case_note", 2, CORE_E_NOT_FOUND);
    ALLOWED(3, "record.read", "case_note", "case_note", 1);
    /* a need takes its headline's area: a school sees an education need, not a health one */
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO assessment (id, episode_id, started_on, organisation, created_at,\n"
                                "                        updated_at) VALUES (1, 1, '2020-01-01', 'x', 'x', 'x');\n"
                                "INSERT INTO assessment_need (id, assessment_id, headline, framework, created_at,\n"
                                "                             updated_at) VALUES\n"
                                "  (1, 1, 'EDU', '2022-10', 'x', 'x'), (2, 1, 'HLT', '2022-10', 'x', 'x');",
                                &f->err),
              f->err);
    ALLOWED(7, "record.read", "assessment", "assessment_need", 1);
    DENIED(7, "record.read", "assessment", "assessment_need", 2, CORE_E_NOT_FOUND);
    /* finding 5: recording an area in a section not shared is refused */
    access_principal p = who(7);
    access_footing fo;
    access_target area = {"assessment.health", "assessment", 1, NULL, 0};
    assert_int_equal(access_decide(f->s, &p, "record.create", &area, &fo, &f->err), ACCESS_DENY);
    assert_int_equal(f->err.code, CORE_E_FORBIDDEN);
    access_target edu = {"assessment.education_skills", "assessment", 1, NULL, 0};
    assert_int_equal(access_decide(f->s, &p, "record.create", &edu, &fo, &f->err), ACCESS_ALLOW);
    /* the school reads the child without NHS and National Insurance numbers */
    assert_int_equal(access_decide(f->s, &p, "record.read", &(access_target){"person", "person", 1, NULL, 0}, &fo,
                                   &f->err),
                     ACCESS_ALLOW);
    assert_int_equal(fo.omit_identifiers, 1);
}

static void test_duty_purpose(void **state)
{
    fixture *f = *state;
    /* finding 12: a duty whose purpose reads (restriction) does not change; rectification does */
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO access_grant (user_id, kind, family_id, reason, explanation, granted_at,\n"
                                "                          expires_at) VALUES\n"
                                "  (9, 'duty', 5, 'subject_access', 'sar', '2020-01-01T00:00:00Z',\n"
                                "   '2999-01-01T00:00:00Z');",
                                &f->err),
              f->err);
    ALLOWED(9, "record.read", "family", "family", 5);
    DENIED(9, "record.write", "family", "family", 5, CORE_E_FORBIDDEN);
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO access_grant (user_id, kind, family_id, reason, explanation, granted_at,\n"
                                "                          expires_at) VALUES\n"
                                "  (9, 'duty', 5, 'rectification', 'fix', '2020-01-01T00:00:00Z',\n"
                                "   '2999-01-01T00:00:00Z');",
                                &f->err),
              f->err);
    ALLOWED(9, "record.write", "family", "family", 5);
}

static void test_restricted_as_unrelated(void **state)
{
    fixture *f = *state;
    /* finding 10: without a footing a restricted person answers as anyone unrelated (403), with one as if
     * absent (404) */
    DENIED(4, "record.read", "person", "person", 2, CORE_E_FORBIDDEN);
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);
    DENIED(2, "record.read", "person", "person", 2, CORE_E_NOT_FOUND);
    /* governance without a duty on the family reads no case lists; with one it may */
    access_principal g = who(9);
    assert_int_equal(access_may_read_cases(f->s, &g, &f->err), 1); /* the live duty on person 2 */
    assert_ok(store_exec_script(f->s, "DELETE FROM access_grant WHERE kind = 'duty';", &f->err), f->err);
    g = who(9);
    assert_int_equal(access_may_read_cases(f->s, &g, &f->err), 0);
    access_principal a = who(10);
    assert_int_equal(access_may_read_cases(f->s, &a, &f->err), 0);
    access_principal l = who(2);
    assert_int_equal(access_may_read_cases(f->s, &l, &f->err), 1);
}

/* Issue 13: footings remembered across requests are forgotten by the very next decision after any change that
 * removes (or gives) one: a Team Around the Family member leaving, a lead or owning team changed, an episode
 * closed, a contact decided, a setting changed, a person taken out of a family, a family becoming someone's
 * case, a grant recorded. Each is first decided twice (the second from the cache, as the counters show), then
 * changed, then decided again. One change is made through another connection, as another server or a CLI
 * command would make it. */
static void change(fixture *f, const char *sql)
{
    assert_ok(store_exec_script(f->s, sql, &f->err), f->err);
}

static void cached_twice(fixture *f, int user, const char *table, int64_t id, access_basis want)
{
    for (int i = 0; i < 2; i++) {
        access_footing ft;
        int code;
        if (ask(f, user, "record.read", table, table, id, &ft, &code) != ACCESS_ALLOW)
            fail_msg("user %d %s %d: denied before the change (%s)", user, table, (int)id, f->err.detail);
        if (ft.basis != want)
            fail_msg("user %d %s %d: footing %s, expected %s", user, table, (int)id, access_basis_name(ft.basis),
                     access_basis_name(want));
    }
}

static void test_cached_footing_revoked_at_once(void **state)
{
    fixture *f = *state;
    assert_non_null(f->cache);
    uint64_t hits0, misses0, hits, misses;
    access_cache_stats(f->cache, &hits0, &misses0);

    cached_twice(f, 3, "case_note", 1, ACCESS_ON_TAF); /* a member leaves the Team Around the Family */
    change(f, "UPDATE episode_member SET to_date = '2000-01-01' WHERE user_id = 3;");
    DENIED(3, "record.read", "case_note", "case_note", 1, CORE_E_FORBIDDEN);
    access_cache_stats(f->cache, &hits, &misses);
    assert_true(hits > hits0); /* the second decision above came from the cache */

    cached_twice(f, 5, "plan", 1, ACCESS_ON_TEAM_MANAGER); /* the case moves to another team */
    change(f, "UPDATE episode SET owning_team_id = 3 WHERE id = 1;");
    DENIED(5, "record.read", "plan", "plan", 1, CORE_E_FORBIDDEN);

    cached_twice(f, 2, "family", 1, ACCESS_ON_LEAD); /* a new lead practitioner */
    change(f, "UPDATE episode SET lead_user_id = NULL WHERE id = 1;");
    DENIED(2, "record.read", "family", "family", 1, CORE_E_FORBIDDEN);

    cached_twice(f, 4, "family", 6, ACCESS_ON_LEAD); /* the episode closed long ago */
    change(f, "UPDATE episode SET end_date = '2000-01-01', closure_reason = 'needs_met' WHERE id = 3;");
    DENIED(4, "record.read", "family", "family", 6, CORE_E_FORBIDDEN);

    cached_twice(f, 2, "person", 4, ACCESS_ON_LEAD); /* a person taken out of the family that opened them */
    change(f, "DELETE FROM family_member WHERE person_id = 4 AND family_id = 6;");
    DENIED(2, "record.read", "person", "person", 4, CORE_E_FORBIDDEN);

    cached_twice(f, 4, "family", 4, ACCESS_ON_RECORDER); /* the recorder's family becomes a team's case */
    /* an explicit id: the fixture's rows carry theirs, which PostgreSQL's identity does not count */
    change(f, "INSERT INTO episode (id, family_id, start_date, owning_team_id, lead_user_id, created_at, updated_at)\n"
              "VALUES (100, 4, '2020-01-01', 2, 2, 'x', 'x');");
    DENIED(4, "record.read", "family", "family", 4, CORE_E_FORBIDDEN);

    /* A denial remembered is forgotten as soon as a grant or a setting gives a footing. */
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);
    change(f, "INSERT INTO access_grant (user_id, kind, family_id, reason, explanation, granted_at, expires_at)\n"
              "VALUES (4, 'break_glass', 1, 'court_order', 'e', '2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z');");
    ALLOWED(4, "record.read", "person", "person", 1);
    DENIED(2, "record.read", "family", "family", 5, CORE_E_FORBIDDEN);
    DENIED(2, "record.read", "family", "family", 5, CORE_E_FORBIDDEN);
    change(f, "UPDATE setting SET value = 20000 WHERE name = 'closed_case_days';");
    ALLOWED(2, "record.read", "family", "family", 5);
    /* and the break glass, once ended, is gone at once (grants are never remembered) */
    change(f, "UPDATE access_grant SET expires_at = '2000-01-01T00:00:00Z' WHERE reason = 'court_order';");
    DENIED(4, "record.read", "person", "person", 1, CORE_E_FORBIDDEN);

    /* A change made through another connection (another server, a CLI command) is seen just the same. */
    cached_twice(f, 6, "family", 1, ACCESS_ON_TEAM_MANAGER); /* team 3 has owned the case since above */
    store *other = NULL;
    assert_ok(store_open(&other, f->tmp.path, &f->err), f->err);
    assert_ok(store_exec_script(other, "UPDATE episode SET owning_team_id = 2 WHERE id = 1;", &f->err), f->err);
    store_close(other);
    DENIED(6, "record.read", "family", "family", 1, CORE_E_FORBIDDEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relationships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_front_door, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restriction_and_governance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_break_glass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_analyst_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_typed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staffing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_need_to_know, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duty_purpose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restricted_as_unrelated, setup, teardown),
    };
    const struct CMUnitTest cached[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_relationships, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_front_door, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_partners, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_restriction_and_governance, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_break_glass, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_admin_analyst_directory, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_roles_typed, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_link_opens, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_staffing, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_need_to_know, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_duty_purpose, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_restricted_as_unrelated, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cached_footing_revoked_at_once, setup_cached, teardown),
    };
    int failed = cmocka_run_group_tests_name("access", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("access with footings cached", cached, NULL, NULL);
}
