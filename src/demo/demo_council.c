/*
 * demo_council.c — the synthetic council (contract in demo_council.h).
 *
 * Shape of what is built, per run:
 *   - the directory: the council and its Early Help service, schools, health visiting and school nursing,
 *     police, housing, youth justice, two voluntary-sector partners and children's social care; a front door,
 *     four Early Help localities, governance, analysis, administration and a team per partner agency;
 *   - users for every role of BRIEF section 1, with generated passwords (written to the logins file);
 *   - N families: single parent, two parents, blended, extended (three generations) and expecting a baby,
 *     with addresses (some with history), contact details and identifiers;
 *   - for each family one to three contacts to the front door over three years, most closed as no further
 *     action; contacts decided "early help" become a referral with consent and an episode, and episodes
 *     stand at every stage: open, assessed, planned, reviewed, closed, stepped up.
 * Rows are written with the named statements below inside one transaction, committed every few thousand
 * families; a per-family arena is reset as it goes so memory stays flat at any size.
 */
#include <inttypes.h>
#include <liboath/oath.h>

#include "core/core_arena.h"
#include "core/core_buf.h"
#include "demo/demo_council.h"
#include "demo/demo_names.h"
#include "demo/demo_rng.h"
#include "model/model.h"
#include "model/model_user.h"

enum { LOCALITIES = 4, COMMIT_EVERY = 2000 };

static const char SQL_AGENCY[] =
    "INSERT INTO agency (name, agency_type, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $3)\n"
    "RETURNING id";

static const char SQL_TEAM[] =
    "INSERT INTO team (name, agency_id, kind, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $4)\n"
    "RETURNING id";

static const char SQL_FAMILY_COUNT[] =
    "SELECT count(*)\n"
    "  FROM family";

static const char SQL_PERSON[] =
    "INSERT INTO person (given_name, middle_names, family_name, given_key, family_key, date_of_birth,\n"
    "                    expected_date, sex, ethnicity, religion, language, nationality, disability,\n"
    "                    send_status, nhs_number, nino, upn, source, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)\n"
    "RETURNING id";

static const char SQL_ADDRESS[] =
    "INSERT INTO person_address (person_id, address_type, line1, town, postcode, from_date, to_date, source,\n"
    "                            created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, 'demo', $8, $8)";

static const char SQL_CONTACT_DETAIL[] =
    "INSERT INTO person_contact_detail (person_id, kind, value, source, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, 'demo', $4, $4)";

static const char SQL_FAMILY[] =
    "INSERT INTO family (name, source, created_at, updated_at)\n"
    "VALUES ($1, 'demo', $2, $2)\n"
    "RETURNING id";

static const char SQL_MEMBER[] =
    "INSERT INTO family_member (family_id, person_id, role, in_household, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $5)";

static const char SQL_CONTACT[] =
    "INSERT INTO contact (received_on, channel, contactor_type, contactor_name, contactor_agency_id,\n"
    "                     source_code, reason, family_id, decision, decision_date, decided_by,\n"
    "                     created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13)\n"
    "RETURNING id";

static const char SQL_CONTACT_CHILD[] =
    "INSERT INTO contact_child (contact_id, person_id, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $3)";

static const char SQL_PHONE_CALL[] =
    "INSERT INTO phone_call (contact_id, called_at, caller_type, caller_name, summary, created_at, created_by,\n"
    "                        updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7)";

static const char SQL_REFERRAL[] =
    "INSERT INTO referral (family_id, contact_id, referred_on, referrer_type, referrer_name, referrer_agency_id,\n"
    "                      reasons, created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)\n"
    "RETURNING id";

static const char SQL_CONSENT[] =
    "INSERT INTO consent (family_id, referral_id, given_by_id, scope, method, given_on, withdrawn_on,\n"
    "                     created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)";

static const char SQL_EPISODE[] =
    "INSERT INTO episode (family_id, referral_id, start_date, end_date, owning_team_id, lead_user_id,\n"
    "                     programme_id, programme_start, programme_end, closure_reason,\n"
    "                     created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $12)\n"
    "RETURNING id";

static const char SQL_TAF[] =
    "INSERT INTO episode_member (episode_id, user_id, agency_id, name, taf_role, from_date, to_date,\n"
    "                            created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

static const char SQL_ASSESSMENT[] =
    "INSERT INTO assessment (episode_id, started_on, completed_on, organisation, organisation_agency_id,\n"
    "                        assessor_user_id, summary, created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)\n"
    "RETURNING id";

static const char SQL_AREA[] =
    "INSERT INTO assessment_area (assessment_id, area, working_well, worried_about, needs_to_happen, scale,\n"
    "                             created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";

static const char SQL_NEED[] =
    "INSERT INTO assessment_need (assessment_id, headline, framework, person_id, evidence, created_at, updated_at)\n"
    "VALUES ($1, $2, '2022-10', $3, $4, $5, $5)";

static const char SQL_PLAN[] =
    "INSERT INTO plan (episode_id, agreed_on, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $3)\n"
    "RETURNING id";

static const char SQL_GOAL[] =
    "INSERT INTO plan_goal (plan_id, description, headline, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $4)\n"
    "RETURNING id";

static const char SQL_ACTION[] =
    "INSERT INTO plan_action (plan_id, goal_id, description, owner_user_id, owner_name, due_date, status,\n"
    "                         done_on, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

static const char SQL_REVIEW[] =
    "INSERT INTO review (episode_id, held_on, outcome, next_review_due, notes, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $6)";

static const char SQL_ACTIVITY[] =
    "INSERT INTO activity (episode_id, person_id, activity_type, name, provider, attended_on, attended,\n"
    "                      created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

static const char SQL_NOTE[] =
    "INSERT INTO case_note (episode_id, note_type, occurred_at, subject, body, sharing_label, created_at,\n"
    "                       created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $7, $3, $6, $3, $6)";

static const char SQL_GRANT[] =
    "INSERT INTO access_grant (user_id, kind, family_id, reason, explanation, granted_at, expires_at,\n"
    "                          review_outcome, review_note, reviewed_by, reviewed_at)\n"
    "VALUES ($1, 'break_glass', $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static const char SQL_RESTRICT[] =
    "UPDATE person\n"
    "   SET restricted = 1\n"
    " WHERE id = $1";

/* ---- the directory ---- */

typedef struct demo_user {
    int64_t id;
    const char *role;
    int64_t team, agency;
} demo_user;

typedef struct council {
    store *s;
    core_arena *a;
    demo_rng rng;
    core_date as_of;
    char now[24];
    int64_t la_agency, eh_agency;
    int64_t school_agency[6], hv_agency, nursing_agency, police_agency, housing_agency, yj_agency, vol_agency[2],
        csc_agency;
    int64_t front_door_team, locality_team[LOCALITIES];
    demo_user users[64];
    int nusers;
    int64_t front_door_users[3];
    int64_t practitioners[LOCALITIES][3];
    int64_t managers[LOCALITIES];
    demo_stats *st;
    int64_t programme_seq;
    /* open episodes seen so far (family, locality), for the governance examples at the end */
    int64_t open_family[64];
    int open_locality[64], nopen;
    int64_t governance_user, restrict_candidate;
} council;

static int insert_id(council *c, const char *sql, store_value *p, size_t n, int64_t *id, core_error *err)
{
    return store_query_int(c->s, c->a, sql, p, n, id, err);
}

static int exec(council *c, const char *sql, store_value *p, size_t n, core_error *err)
{
    return store_exec(c->s, c->a, sql, p, n, NULL, err);
}

static int agency(council *c, const char *name, const char *type, int64_t *id, core_error *err)
{
    store_value p[] = {store_v_text(name), store_v_text(type), store_v_text(c->now)};
    return insert_id(c, SQL_AGENCY, p, 3, id, err);
}

static int team(council *c, const char *name, int64_t agency_id, const char *kind, int64_t *id, core_error *err)
{
    store_value p[] = {store_v_text(name), store_v_int(agency_id), store_v_text(kind), store_v_text(c->now)};
    return insert_id(c, SQL_TEAM, p, 4, id, err);
}

static void write_login(FILE *f, int first, const char *username, const char *password, const char *totp,
                        const char *role, const char *agency_name, const char *team_name)
{
    if (!f)
        return;
    core_buf b;
    core_buf_init(&b, 4096);
    core_buf_adds(&b, first ? "[\n  {" : ",\n  {");
    core_buf_adds(&b, "\"username\": ");
    core_buf_add_json_string(&b, username, strlen(username));
    core_buf_adds(&b, ", \"password\": ");
    core_buf_add_json_string(&b, password, strlen(password));
    core_buf_adds(&b, ", \"totp_secret\": ");
    core_buf_add_json_string(&b, totp, strlen(totp));
    core_buf_adds(&b, ", \"role\": ");
    core_buf_add_json_string(&b, role, strlen(role));
    core_buf_adds(&b, ", \"agency\": ");
    core_buf_add_json_string(&b, agency_name, strlen(agency_name));
    core_buf_adds(&b, ", \"team\": ");
    core_buf_add_json_string(&b, team_name, strlen(team_name));
    core_buf_adds(&b, "}");
    fwrite(b.data, 1, b.len, f);
    core_buf_release(&b);
}

/* Add one user with a password and a TOTP secret drawn from the seeded generator (so the council is
 * reproducible: these are demonstration credentials only), and write its login. */
static int login_user(council *c, FILE *f, const char *username, const char *display, const char *role,
                      int64_t agency_id, int64_t team_id, const char *agency_name, const char *team_name,
                      int64_t *id, core_error *err)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    char pw[17], raw[20], totp[33];
    for (int i = 0; i < 16; i++)
        pw[i] = alphabet[demo_rng_below(&c->rng, sizeof(alphabet) - 1)];
    pw[16] = '\0';
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (char)demo_rng_below(&c->rng, 256);
    char *b32 = NULL;
    size_t n = 0;
    if (oath_base32_encode(raw, sizeof(raw), &b32, &n) != OATH_OK || n != 32)
        return core_error_set(err, CORE_E_INTERNAL, "base32 encoding failed");
    memcpy(totp, b32, 32);
    totp[32] = '\0';
    free(b32);
    model_user_new u = {username, display, role, agency_id, team_id, pw, totp};
    int rc = model_user_add(c->s, c->a, &u, id, err);
    if (rc)
        return rc;
    if (c->nusers < (int)(sizeof(c->users) / sizeof(c->users[0])))
        c->users[c->nusers++] = (demo_user){*id, role, team_id, agency_id};
    c->st->users++;
    write_login(f, c->st->users == 1, username, pw, totp, role, agency_name, team_name);
    return 0;
}

static const char *const locality_names[LOCALITIES] = {"North", "South", "East", "West"};
static const char *const school_names[6] = {"Brookfield Primary School", "St Aidan's Catholic Primary School",
                                            "Millbrook Academy", "Hartfield Community Primary School",
                                            "Kingsmead High School", "Riverside Church of England Academy"};

static int build_directory(council *c, FILE *f, core_error *err)
{
    int rc = 0;
    int64_t t, id, admin_team, gov_team, an_team;
    rc = rc ? rc : agency(c, "Hearthshire County Council", "local_authority", &c->la_agency, err);
    rc = rc ? rc : agency(c, "Hearthshire Early Help Service", "early_help", &c->eh_agency, err);
    for (int i = 0; i < 6 && !rc; i++)
        rc = agency(c, school_names[i], "school", &c->school_agency[i], err);
    rc = rc ? rc : agency(c, "Hearthshire Health Visiting Service", "health_visiting", &c->hv_agency, err);
    rc = rc ? rc : agency(c, "Hearthshire School Nursing", "school_nursing", &c->nursing_agency, err);
    rc = rc ? rc : agency(c, "Hearthshire Police", "police", &c->police_agency, err);
    rc = rc ? rc : agency(c, "Hearthshire Housing Options", "housing", &c->housing_agency, err);
    rc = rc ? rc : agency(c, "Hearthshire Youth Justice Service", "youth_justice", &c->yj_agency, err);
    rc = rc ? rc : agency(c, "Family Action Hearthshire", "voluntary", &c->vol_agency[0], err);
    rc = rc ? rc : agency(c, "Hearthshire Community Foodbank", "voluntary", &c->vol_agency[1], err);
    rc = rc ? rc : agency(c, "Hearthshire Children's Social Care", "childrens_social_care", &c->csc_agency, err);
    if (rc)
        return rc;

    const char *eh = "Hearthshire Early Help Service", *la = "Hearthshire County Council";
    rc = team(c, "Front Door", c->eh_agency, "front_door", &c->front_door_team, err);
    for (int i = 0; i < 3 && !rc; i++) {
        char u[32], d[200];
        demo_identity p;
        demo_identity_make(&c->rng, demo_rng_chance(&c->rng, 700) ? 'F' : 'M', &p);
        snprintf(u, sizeof(u), "frontdoor%d", i + 1);
        snprintf(d, sizeof(d), "%s %s", p.given, p.family);
        rc = login_user(c, f, u, d, "front_door", c->eh_agency, c->front_door_team, eh, "Front Door",
                        &c->front_door_users[i], err);
    }
    for (int l = 0; l < LOCALITIES && !rc; l++) {
        char tn[64];
        snprintf(tn, sizeof(tn), "Early Help %s", locality_names[l]);
        rc = team(c, tn, c->eh_agency, "early_help", &c->locality_team[l], err);
        for (int i = 0; i < 3 && !rc; i++) {
            char u[32], d[200];
            demo_identity p;
            demo_identity_make(&c->rng, demo_rng_chance(&c->rng, 750) ? 'F' : 'M', &p);
            snprintf(u, sizeof(u), "practitioner.%c%d", locality_names[l][0] + 32, i + 1);
            snprintf(d, sizeof(d), "%s %s", p.given, p.family);
            rc = login_user(c, f, u, d, "practitioner", c->eh_agency, c->locality_team[l], eh, tn,
                            &c->practitioners[l][i], err);
        }
        if (!rc) {
            char u[32], d[200];
            demo_identity p;
            demo_identity_make(&c->rng, 'F', &p);
            snprintf(u, sizeof(u), "manager.%c", locality_names[l][0] + 32);
            snprintf(d, sizeof(d), "%s %s", p.given, p.family);
            rc = login_user(c, f, u, d, "team_manager", c->eh_agency, c->locality_team[l], eh, tn, &c->managers[l],
                            err);
        }
    }
    struct {
        int64_t agency;
        const char *agency_name, *team_name, *username;
    } partners[] = {
        {c->school_agency[0], school_names[0], "Brookfield Primary pastoral team", "partner.school1"},
        {c->school_agency[4], school_names[4], "Kingsmead High safeguarding team", "partner.school2"},
        {c->hv_agency, "Hearthshire Health Visiting Service", "Health Visiting North", "partner.health"},
        {c->nursing_agency, "Hearthshire School Nursing", "School Nursing", "partner.nursing"},
        {c->police_agency, "Hearthshire Police", "Police Early Intervention", "partner.police"},
        {c->housing_agency, "Hearthshire Housing Options", "Housing Options", "partner.housing"},
        {c->yj_agency, "Hearthshire Youth Justice Service", "Youth Justice Prevention", "partner.youthjustice"},
        {c->vol_agency[0], "Family Action Hearthshire", "Family Support Workers", "partner.voluntary"},
    };
    for (size_t i = 0; i < sizeof(partners) / sizeof(partners[0]) && !rc; i++) {
        char d[200];
        demo_identity p;
        demo_identity_make(&c->rng, demo_rng_chance(&c->rng, 600) ? 'F' : 'M', &p);
        snprintf(d, sizeof(d), "%s %s", p.given, p.family);
        rc = team(c, partners[i].team_name, partners[i].agency, "partner", &t, err);
        if (!rc)
            rc = login_user(c, f, partners[i].username, d, "partner", partners[i].agency, t, partners[i].agency_name,
                            partners[i].team_name, &id, err);
    }
    rc = rc ? rc : team(c, "Information Governance", c->la_agency, "governance", &gov_team, err);
    rc = rc ? rc : login_user(c, f, "governance1", "Information Governance Officer", "governance", c->la_agency,
                              gov_team, la, "Information Governance", &c->governance_user, err);
    rc = rc ? rc : login_user(c, f, "dpo", "Data Protection Officer", "governance", c->la_agency, gov_team, la,
                              "Information Governance", &id, err);
    rc = rc ? rc : team(c, "Performance and Analysis", c->la_agency, "analysis", &an_team, err);
    rc = rc ? rc : login_user(c, f, "analyst1", "Data Analyst", "analyst", c->la_agency, an_team, la,
                              "Performance and Analysis", &id, err);
    rc = rc ? rc : login_user(c, f, "sfcoordinator", "Supporting Families Coordinator", "analyst", c->la_agency,
                              an_team, la, "Performance and Analysis", &id, err);
    rc = rc ? rc : team(c, "Systems Administration", c->la_agency, "admin", &admin_team, err);
    rc = rc ? rc : login_user(c, f, "admin", "System Administrator", "admin", c->la_agency, admin_team, la,
                              "Systems Administration", &id, err);
    return rc;
}

/* ---- people and families ---- */

static void date_str(core_date d, char out[CORE_DATE_ISO_SIZE])
{
    core_date_format(d, out);
}

static core_date days_before(council *c, int lo, int hi)
{
    return core_date_add_days(c->as_of, -demo_rng_range(&c->rng, lo, hi));
}

typedef struct member {
    int64_t id;
    int child;
    int age;
    char sex;
    char given[64];
} member;

typedef struct household {
    int64_t family_id;
    member m[12];
    int n;
    char postcode[9];
    char street[128];
    const char *town;
    char family_name[128];
} household;

static const char *text_or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static int add_person(council *c, household *h, const demo_identity *p, int age_years, int unborn,
                      const char *role, int in_household, core_error *err)
{
    char dob[CORE_DATE_ISO_SIZE], exp[CORE_DATE_ISO_SIZE], nhs[11], nino[10], upn[14];
    core_date birth;
    const char *dobp = NULL, *expp = NULL, *ninop = NULL, *upnp = NULL, *nhsp = NULL;
    if (unborn) {
        birth = core_date_add_days(c->as_of, demo_rng_range(&c->rng, 14, 180));
        date_str(birth, exp);
        expp = exp;
    } else {
        birth = core_date_add_days(c->as_of, -(age_years * 365 + demo_rng_range(&c->rng, 0, 364)));
        date_str(birth, dob);
        dobp = dob;
        if (demo_rng_chance(&c->rng, 950)) {
            demo_nhs_number(&c->rng, nhs);
            nhsp = nhs;
        }
        if (age_years >= 16 && demo_rng_chance(&c->rng, 820)) {
            demo_nino(&c->rng, nino);
            ninop = nino;
        }
        if (age_years >= 4 && age_years <= 18 && demo_rng_chance(&c->rng, 900)) {
            demo_upn(&c->rng, birth.y + 5, upn);
            upnp = upn;
        }
    }
    int child = unborn || age_years < 18;
    const char *given = unborn ? NULL : p->given;
    const char *sex = unborn ? "U" : (p->sex == 'F' ? "F" : "M");
    const char *disability = demo_rng_chance(&c->rng, 80) ? "Y" : (demo_rng_chance(&c->rng, 900) ? "N" : "U");
    const char *send = NULL;
    if (child && !unborn && age_years >= 2)
        send = demo_rng_chance(&c->rng, 130) ? (demo_rng_chance(&c->rng, 300) ? "ehcp" : "sen_support") : "none";
    store_value pv[] = {store_v_text(given),
                        store_v_text(unborn ? NULL : text_or_null(p->middle)),
                        store_v_text(p->family),
                        store_v_text(given ? model_name_key(c->a, given) : NULL),
                        store_v_text(model_name_key(c->a, p->family)),
                        store_v_text(dobp),
                        store_v_text(expp),
                        store_v_text(sex),
                        store_v_text(p->ethnicity),
                        store_v_text(child ? NULL : p->religion),
                        store_v_text(p->language),
                        store_v_text(p->nationality),
                        store_v_text(unborn ? NULL : disability),
                        store_v_text(send),
                        store_v_text(nhsp),
                        store_v_text(ninop),
                        store_v_text(upnp),
                        store_v_text("demo"),
                        store_v_text(c->now)};
    int64_t id;
    int rc = insert_id(c, SQL_PERSON, pv, 19, &id, err);
    if (rc)
        return rc;
    c->st->people++;
    c->restrict_candidate = id; /* the last person made is the demo's restricted one */
    store_value mv[] = {store_v_int(h->family_id), store_v_int(id), store_v_text(role), store_v_int(in_household),
                        store_v_text(c->now)};
    rc = exec(c, SQL_MEMBER, mv, 5, err);
    if (rc)
        return rc;
    if (unborn)
        return 0;
    /* The household address; some adults have a previous one too. */
    char from[CORE_DATE_ISO_SIZE];
    date_str(days_before(c, 30, 3000), from);
    if (in_household) {
        store_value av[] = {store_v_int(id),  store_v_text("home"), store_v_text(h->street), store_v_text(h->town),
                            store_v_text(h->postcode), store_v_text(from), store_v_null(), store_v_text(c->now)};
        rc = exec(c, SQL_ADDRESS, av, 8, err);
    } else {
        char street[128], pc[9];
        demo_street(&c->rng, street, sizeof(street));
        demo_postcode(&c->rng, pc);
        store_value av[] = {store_v_int(id),  store_v_text("home"), store_v_text(street), store_v_text(demo_town(&c->rng)),
                            store_v_text(pc), store_v_text(from),   store_v_null(),       store_v_text(c->now)};
        rc = exec(c, SQL_ADDRESS, av, 8, err);
    }
    if (rc == 0 && age_years >= 18 && demo_rng_chance(&c->rng, 300)) {
        char street[128], pc[9], pfrom[CORE_DATE_ISO_SIZE];
        demo_street(&c->rng, street, sizeof(street));
        demo_postcode(&c->rng, pc);
        date_str(core_date_add_days(c->as_of, -demo_rng_range(&c->rng, 3100, 6000)), pfrom);
        store_value av[] = {store_v_int(id),  store_v_text("previous"), store_v_text(street), store_v_text(demo_town(&c->rng)),
                            store_v_text(pc), store_v_text(pfrom),      store_v_text(from),   store_v_text(c->now)};
        rc = exec(c, SQL_ADDRESS, av, 8, err);
    }
    if (rc == 0 && age_years >= 16) {
        char phone[14], email[160];
        demo_phone_mobile(&c->rng, phone);
        store_value cv[] = {store_v_int(id), store_v_text("phone_mobile"), store_v_text(phone), store_v_text(c->now)};
        rc = exec(c, SQL_CONTACT_DETAIL, cv, 4, err);
        if (rc == 0 && demo_rng_chance(&c->rng, 450)) {
            demo_email(&c->rng, p->given, p->family, email, sizeof(email));
            store_value ev[] = {store_v_int(id), store_v_text("email"), store_v_text(email), store_v_text(c->now)};
            rc = exec(c, SQL_CONTACT_DETAIL, ev, 4, err);
        }
    }
    if (rc == 0 && h->n < (int)(sizeof(h->m) / sizeof(h->m[0])) && in_household) {
        member *m = &h->m[h->n++];
        m->id = id;
        m->child = child;
        m->age = age_years;
        m->sex = p->sex;
        snprintf(m->given, sizeof(m->given), "%s", p->given);
    }
    return rc;
}

static int add_children(council *c, household *h, const demo_identity *parent, int n, int same_family,
                        int max_age, core_error *err)
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        demo_identity kid;
        demo_identity_relative(&c->rng, parent, demo_rng_chance(&c->rng, 500) ? 'F' : 'M', same_family, &kid);
        int age = demo_rng_range(&c->rng, 0, max_age);
        rc = add_person(c, h, &kid, age, 0, "child", 1, err);
    }
    return rc;
}

static int build_family(council *c, household *h, core_error *err)
{
    memset(h, 0, sizeof(*h));
    demo_identity a, b;
    demo_identity_make(&c->rng, demo_rng_chance(&c->rng, 850) ? 'F' : 'M', &a);
    snprintf(h->family_name, sizeof(h->family_name), "%s", a.family);
    demo_postcode(&c->rng, h->postcode);
    demo_street(&c->rng, h->street, sizeof(h->street));
    h->town = demo_town(&c->rng);
    char label[200];
    snprintf(label, sizeof(label), "%s household", a.family);
    store_value fv[] = {store_v_text(label), store_v_text(c->now)};
    int rc = insert_id(c, SQL_FAMILY, fv, 2, &h->family_id, err);
    if (rc)
        return rc;
    c->st->families++;
    static const unsigned shape_w[] = {35, 33, 12, 10, 10};
    size_t shape = demo_rng_choose(&c->rng, shape_w, 5);
    int parent_age = demo_rng_range(&c->rng, 19, 52);
    rc = add_person(c, h, &a, parent_age, 0, "parent", 1, err);
    int max_child = parent_age - 17 < 17 ? parent_age - 17 : 17;
    switch (shape) {
    case 0: /* single parent */
        rc = rc ? rc : add_children(c, h, &a, demo_rng_range(&c->rng, 1, 4), 1, max_child, err);
        if (!rc && demo_rng_chance(&c->rng, 400)) { /* the other parent, outside the home */
            demo_identity_make(&c->rng, a.sex == 'F' ? 'M' : 'F', &b);
            rc = add_person(c, h, &b, parent_age + demo_rng_range(&c->rng, -3, 6), 0, "significant_adult", 0, err);
        }
        break;
    case 1: /* two parents */
        demo_identity_relative(&c->rng, &a, a.sex == 'F' ? 'M' : 'F', demo_rng_chance(&c->rng, 700), &b);
        b.sex = a.sex == 'F' ? 'M' : 'F';
        rc = rc ? rc : add_person(c, h, &b, parent_age + demo_rng_range(&c->rng, -4, 6), 0, "parent", 1, err);
        rc = rc ? rc : add_children(c, h, &a, demo_rng_range(&c->rng, 1, 5), 1, max_child, err);
        break;
    case 2: /* blended: a step-parent and children with two surnames */
        demo_identity_make(&c->rng, a.sex == 'F' ? 'M' : 'F', &b);
        rc = rc ? rc : add_person(c, h, &b, parent_age + demo_rng_range(&c->rng, -5, 8), 0, "carer", 1, err);
        rc = rc ? rc : add_children(c, h, &a, demo_rng_range(&c->rng, 1, 3), 0, max_child, err);
        rc = rc ? rc : add_children(c, h, &b, demo_rng_range(&c->rng, 1, 2), 1, max_child < 10 ? max_child : 10, err);
        break;
    case 3: { /* extended: a grandparent in the home */
        demo_identity g;
        demo_identity_relative(&c->rng, &a, demo_rng_chance(&c->rng, 700) ? 'F' : 'M', 1, &g);
        rc = rc ? rc : add_person(c, h, &g, parent_age + demo_rng_range(&c->rng, 20, 30), 0, "other_adult", 1, err);
        rc = rc ? rc : add_children(c, h, &a, demo_rng_range(&c->rng, 1, 4), 1, max_child, err);
        break;
    }
    default: { /* expecting a baby: support starts in pregnancy */
        demo_identity mum;
        if (a.sex != 'F') {
            demo_identity_make(&c->rng, 'F', &mum);
            rc = rc ? rc : add_person(c, h, &mum, parent_age, 0, "parent", 1, err);
        } else {
            mum = a;
        }
        if (!rc && parent_age > 22 && demo_rng_chance(&c->rng, 500))
            rc = add_children(c, h, &mum, 1, 1, max_child < 6 ? max_child : 6, err);
        demo_identity baby;
        demo_identity_relative(&c->rng, &mum, 'F', 1, &baby);
        rc = rc ? rc : add_person(c, h, &baby, 0, 1, "unborn", 1, err);
        break;
    }
    }
    return rc;
}

/* ---- front door and Early Help work ---- */

static const char *const contact_reasons[] = {
    "School reports attendance has fallen below 85% this term and the child appears tired and withdrawn.",
    "Health visitor concerned about low mood of parent following the birth and isolation from family support.",
    "Police attended a verbal argument at the address; no offences disclosed; children present.",
    "Parent asked for help with managing the behaviour of their teenage son at home.",
    "Housing report rent arrears and a notice seeking possession; family worried about losing the home.",
    "Neighbour concerned that young children are often outside late in the evening without an adult.",
    "Parent self-referred asking for support with debt and food; has used the foodbank twice this month.",
    "School nurse reports child has disclosed worries about a parent's drinking.",
    "Young person missed several appointments with youth justice prevention worker; parent struggling.",
    "Parent requested parenting support after a diagnosis of autism for their younger child.",
};

static const char *const note_bodies[] = {
    "Home visit completed. Parent engaged well and talked openly about current pressures. Children seen and spoken "
    "with; both said things are better since the new routine started.",
    "Telephone call with school. Attendance has improved to 92% over the last four weeks. School to continue "
    "morning check-ins.",
    "Attended Team Around the Family meeting. Actions reviewed; housing application submitted; referral to "
    "parenting programme accepted.",
    "Parent cancelled today's visit due to illness. Rearranged for next week. Text message sent to confirm.",
    "Supported parent to attend benefits appointment. Universal Credit claim updated with childcare costs.",
    "Spoke with young person alone. Said they feel safer at home and enjoy the youth club on Thursdays.",
    "Case discussed in supervision. Good progress against the plan; consider closure at next review if sustained.",
    "Letter sent to family confirming the actions agreed and the date of the next review.",
};

static const char *const area_codes[] = {"safe_community", "education_skills", "life_chances",
                                         "living_standards", "safe_relationships", "health"};
static const char *const headlines[] = {"EDU", "EYD", "HLT", "SUB", "REL", "SAF", "CRM", "DA", "HOU", "FIN"};
static const char *const source_codes[] = {"1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E",
                                           "3F", "4",  "5A", "5B", "5C", "5D", "6",  "7",  "8",  "9",  "10"};
static const unsigned source_w[] = {8, 3, 4, 1, 22, 4, 5, 9, 3, 2, 2, 1, 5, 3, 3, 1, 2, 14, 2, 4, 1, 1};
static const char *const channels[] = {"phone", "secure_email", "online_form", "face_to_face", "post"};
static const unsigned channel_w[] = {40, 30, 22, 6, 2};

static int64_t pick_user(council *c, int locality)
{
    return c->practitioners[locality][demo_rng_below(&c->rng, 3)];
}

static int add_episode(council *c, household *h, int64_t contact_id, core_date start, int locality, int stage,
                       core_error *err)
{
    char d_start[11], d_ref[11], d_end[11], buf[11];
    int64_t lead = pick_user(c, locality), referral, episode;
    date_str(start, d_start);
    date_str(core_date_add_days(start, -demo_rng_range(&c->rng, 1, 10)), d_ref);
    store_value rv[] = {store_v_int(h->family_id), store_v_int(contact_id), store_v_text(d_ref),
                        store_v_text("professional"), store_v_null(), store_v_int(c->school_agency[demo_rng_below(&c->rng, 6)]),
                        store_v_text("Family would benefit from coordinated early help support across school, home and health."),
                        store_v_text(c->now), store_v_int(lead)};
    int rc = insert_id(c, SQL_REFERRAL, rv, 9, &referral, err);
    if (rc)
        return rc;
    /* Stages: 0 open, 1 assessed, 2 planned, 3 reviewed, 4 closed, 5 stepped up. */
    int closed = stage >= 4;
    int withdrawn = closed && demo_rng_chance(&c->rng, 60);
    core_date end = core_date_add_days(start, demo_rng_range(&c->rng, 90, 300));
    if (core_date_cmp(end, c->as_of) > 0)
        end = c->as_of;
    date_str(end, d_end);
    store_value cv[] = {store_v_int(h->family_id), store_v_int(referral), store_v_int(h->m[0].id),
                        store_v_text(demo_rng_chance(&c->rng, 850) ? "share_all_partners" : "support"),
                        store_v_text(demo_rng_chance(&c->rng, 700) ? "written" : "verbal"), store_v_text(d_start),
                        store_v_text(withdrawn ? d_end : NULL), store_v_text(c->now), store_v_int(lead)};
    rc = exec(c, SQL_CONSENT, cv, 9, err);
    if (rc)
        return rc;
    const char *reason = NULL;
    if (stage == 5)
        reason = "stepped_up";
    else if (closed)
        reason = withdrawn ? "consent_withdrawn"
                           : (const char *[]){"needs_met", "needs_met", "needs_met", "moved_away", "disengaged",
                                              "transferred"}[demo_rng_below(&c->rng, 6)];
    char prog[32], pstart[11], pend[11];
    int on_programme = demo_rng_chance(&c->rng, 450);
    if (on_programme) {
        snprintf(prog, sizeof(prog), "SF-%06" PRId64, ++c->programme_seq);
        date_str(start, pstart);
        if (closed)
            date_str(end, pend);
    }
    store_value ev[] = {store_v_int(h->family_id), store_v_int(referral), store_v_text(d_start),
                        store_v_text(closed ? d_end : NULL), store_v_int(c->locality_team[locality]),
                        store_v_int(lead), store_v_text(on_programme ? prog : NULL),
                        store_v_text(on_programme ? pstart : NULL), store_v_text(on_programme && closed ? pend : NULL),
                        store_v_text(reason), store_v_text(c->now), store_v_int(lead)};
    rc = insert_id(c, SQL_EPISODE, ev, 12, &episode, err);
    if (rc)
        return rc;
    c->st->episodes++;
    if (!closed) { /* remember some open work for the governance examples (a ring of the latest) */
        c->open_family[c->nopen % 64] = h->family_id;
        c->open_locality[c->nopen % 64] = locality;
        c->nopen++;
    }
    /* Team Around the Family: the lead, and partners. */
    store_value tv[] = {store_v_int(episode), store_v_int(lead), store_v_int(c->eh_agency), store_v_null(),
                        store_v_text("lead practitioner"), store_v_text(d_start), store_v_null(), store_v_text(c->now)};
    rc = exec(c, SQL_TAF, tv, 8, err);
    for (int i = 0, n = demo_rng_range(&c->rng, 1, 3); i < n && !rc; i++) {
        const demo_user *u = NULL;
        for (int tries = 0; tries < 20 && !u; tries++) {
            const demo_user *cand = &c->users[demo_rng_below(&c->rng, (uint64_t)c->nusers)];
            if (strcmp(cand->role, "partner") == 0)
                u = cand;
        }
        if (!u)
            break;
        store_value pv[] = {store_v_int(episode), store_v_int(u->id), store_v_int(u->agency), store_v_null(),
                            store_v_text("TAF member"), store_v_text(d_start), store_v_null(), store_v_text(c->now)};
        rc = exec(c, SQL_TAF, pv, 8, err);
    }
    if (rc)
        return rc;
    /* Case notes for every stage. */
    int nnotes = demo_rng_range(&c->rng, 2, 8);
    int span = core_date_to_days(closed ? end : c->as_of) - core_date_to_days(start);
    if (span < 1)
        span = 1;
    for (int i = 0; i < nnotes && !rc; i++) {
        core_date d = core_date_add_days(start, demo_rng_range(&c->rng, 0, span));
        char ts[24];
        date_str(d, buf);
        snprintf(ts, sizeof(ts), "%sT%02d:%02d:00Z", buf, demo_rng_range(&c->rng, 8, 17), demo_rng_range(&c->rng, 0, 59));
        static const char *const types[] = {"visit", "phone_call", "meeting", "case_note", "email"};
        /* A few notes carry information from the police or health, shared more narrowly (docs/access.md). */
        unsigned label = (unsigned)demo_rng_below(&c->rng, 100);
        const char *sharing = label < 4 ? "police_information" : label < 8 ? "health_information" : NULL;
        store_value nv[] = {store_v_int(episode), store_v_text(types[demo_rng_below(&c->rng, 5)]), store_v_text(ts),
                            store_v_text("Update"), store_v_text(note_bodies[demo_rng_below(&c->rng, 8)]),
                            store_v_int(lead), store_v_text(sharing)};
        rc = exec(c, SQL_NOTE, nv, 7, err);
        c->st->notes++;
    }
    if (rc || stage == 0)
        return rc;
    /* Assessment: started soon after the episode, completed for every stage past "open". */
    core_date as = core_date_add_days(start, demo_rng_range(&c->rng, 0, 10));
    core_date ac = core_date_add_days(as, demo_rng_range(&c->rng, 10, 40));
    if (core_date_cmp(ac, c->as_of) > 0)
        ac = c->as_of;
    char d_as[11], d_ac[11];
    date_str(as, d_as);
    date_str(ac, d_ac);
    int64_t assessment;
    int school_led = demo_rng_chance(&c->rng, 150);
    int64_t school = c->school_agency[demo_rng_below(&c->rng, 6)];
    char org[64];
    snprintf(org, sizeof(org), "Early Help %s", locality_names[locality]);
    store_value av[] = {store_v_int(episode), store_v_text(d_as), store_v_text(d_ac),
                        store_v_text(school_led ? school_names[0] : org),
                        store_v_int(school_led ? school : c->eh_agency), store_v_int(lead),
                        store_v_text("Whole family assessment completed with the family and partners."),
                        store_v_text(c->now), store_v_int(lead)};
    rc = insert_id(c, SQL_ASSESSMENT, av, 9, &assessment, err);
    for (int i = 0; i < 6 && !rc; i++) {
        store_value arv[] = {store_v_int(assessment), store_v_text(area_codes[i]),
                             store_v_text("Family are warm and loving; good links with school."),
                             store_v_text("Pressures at home are affecting routines and attendance."),
                             store_v_text("Agree a morning routine; link family with support services."),
                             store_v_int(demo_rng_range(&c->rng, 2, 9)), store_v_text(c->now)};
        rc = exec(c, SQL_AREA, arv, 7, err);
    }
    int nneeds = demo_rng_range(&c->rng, 2, 5);
    const char *chosen[5];
    for (int i = 0; i < nneeds && !rc; i++) {
        chosen[i] = headlines[demo_rng_below(&c->rng, 10)];
        store_value nv[] = {store_v_int(assessment), store_v_text(chosen[i]), store_v_int(h->m[0].id),
                            store_v_text("Identified at assessment from family and partner information."),
                            store_v_text(c->now)};
        rc = exec(c, SQL_NEED, nv, 5, err);
    }
    if (rc || stage == 1)
        return rc;
    /* Plan with goals and SMART actions. */
    int64_t plan, goal;
    char d_plan[11];
    date_str(core_date_add_days(ac, demo_rng_range(&c->rng, 0, 7)), d_plan);
    store_value pv[] = {store_v_int(episode), store_v_text(d_plan), store_v_text(c->now)};
    rc = insert_id(c, SQL_PLAN, pv, 3, &plan, err);
    for (int i = 0; i < nneeds && !rc; i++) {
        store_value gv[] = {store_v_int(plan), store_v_text("Family will see sustained improvement in this area."),
                            store_v_text(chosen[i]), store_v_text(c->now)};
        rc = insert_id(c, SQL_GOAL, gv, 4, &goal, err);
        for (int j = 0, n = demo_rng_range(&c->rng, 1, 3); j < n && !rc; j++) {
            char due[11], done[11];
            core_date dd = core_date_add_days(ac, demo_rng_range(&c->rng, 14, 90));
            date_str(dd, due);
            int is_done = closed || (core_date_cmp(dd, c->as_of) < 0 && demo_rng_chance(&c->rng, 700));
            if (is_done)
                date_str(core_date_cmp(dd, c->as_of) < 0 ? dd : c->as_of, done);
            int by_partner = demo_rng_chance(&c->rng, 300);
            store_value acv[] = {store_v_int(plan), store_v_int(goal),
                                 store_v_text("Attend the agreed sessions and review progress with the lead practitioner."),
                                 by_partner ? store_v_null() : store_v_int(lead),
                                 store_v_text(by_partner ? "School pastoral lead" : NULL), store_v_text(due),
                                 store_v_text(is_done ? "done" : "open"), store_v_text(is_done ? done : NULL),
                                 store_v_text(c->now)};
            rc = exec(c, SQL_ACTION, acv, 9, err);
        }
    }
    if (rc || stage == 2)
        return rc;
    /* Reviews every 6 to 12 weeks. */
    core_date rd = core_date_add_days(ac, demo_rng_range(&c->rng, 42, 84));
    core_date last = closed ? end : c->as_of;
    static const char *const outcomes[] = {"progress", "progress", "progress", "no_change", "deterioration"};
    for (int i = 0; i < 6 && core_date_cmp(rd, last) <= 0 && !rc; i++) {
        char held[11], next[11];
        date_str(rd, held);
        core_date nd = core_date_add_days(rd, demo_rng_range(&c->rng, 42, 84));
        date_str(nd, next);
        store_value rvv[] = {store_v_int(episode), store_v_text(held),
                             store_v_text(stage == 5 && i > 0 ? "deterioration" : outcomes[demo_rng_below(&c->rng, 5)]),
                             store_v_text(next), store_v_text("Team Around the Family review held with the family."),
                             store_v_text(c->now)};
        rc = exec(c, SQL_REVIEW, rvv, 6, err);
        rd = nd;
    }
    /* Activities and services attended. */
    static const char *const acts[][3] = {{"parenting_programme", "Incredible Years parenting group", "Family Action Hearthshire"},
                                          {"group_session", "Stay and play", "Hearthshire Family Hub"},
                                          {"one_to_one", "Money and debt advice", "Hearthshire Community Foodbank"},
                                          {"family_centre_session", "Baby massage", "Hearthshire Family Hub"}};
    for (int i = 0, n = demo_rng_range(&c->rng, 0, 3); i < n && !rc; i++) {
        int k = (int)demo_rng_below(&c->rng, 4);
        char on[11];
        date_str(core_date_add_days(ac, demo_rng_range(&c->rng, 7, 60)), on);
        if (strcmp(on, d_end) > 0 && closed)
            continue;
        const member *m = &h->m[demo_rng_below(&c->rng, (uint64_t)h->n)];
        store_value acv[] = {store_v_int(episode), store_v_int(m->id), store_v_text(acts[k][0]), store_v_text(acts[k][1]),
                             store_v_text(acts[k][2]), store_v_text(on), store_v_int(demo_rng_chance(&c->rng, 850)),
                             store_v_text(c->now)};
        rc = exec(c, SQL_ACTIVITY, acv, 8, err);
    }
    return rc;
}

static int build_contacts(council *c, household *h, int locality, core_error *err)
{
    int ncontacts = demo_rng_chance(&c->rng, 700) ? 1 : demo_rng_range(&c->rng, 2, 3);
    int has_child = 0;
    for (int i = 0; i < h->n; i++)
        has_child |= h->m[i].child;
    int rc = 0;
    int open_episode = 0;
    for (int k = 0; k < ncontacts && !rc; k++) {
        core_date received = days_before(c, 0, 3 * 365);
        char d_recv[11], d_dec[11];
        date_str(received, d_recv);
        const char *channel = channels[demo_rng_choose(&c->rng, channel_w, 5)];
        const char *source = source_codes[demo_rng_choose(&c->rng, source_w, 22)];
        int in_triage = core_date_to_days(c->as_of) - core_date_to_days(received) < 3 && demo_rng_chance(&c->rng, 600);
        static const char *const decisions[] = {"nfa", "advice", "early_help", "step_up"};
        static const unsigned decision_w[] = {55, 17, 23, 5};
        const char *decision = in_triage ? NULL : decisions[demo_rng_choose(&c->rng, decision_w, 4)];
        if (decision)
            date_str(core_date_add_days(received, demo_rng_range(&c->rng, 0, 2)), d_dec);
        if (decision && strcmp(d_dec, "") && core_date_cmp(core_date_add_days(received, 2), c->as_of) > 0)
            date_str(received, d_dec);
        int64_t fd_user = c->front_door_users[demo_rng_below(&c->rng, 3)];
        const char *contactor_type = source[0] == '1' ? (strcmp(source, "1C") == 0 ? "self" : "family")
                                     : strcmp(source, "9") == 0 ? "anonymous"
                                                                : "professional";
        store_value cv[] = {store_v_text(d_recv), store_v_text(channel), store_v_text(contactor_type),
                            store_v_null(), store_v_null(), store_v_text(source),
                            store_v_text(contact_reasons[demo_rng_below(&c->rng, 10)]), store_v_int(h->family_id),
                            store_v_text(decision), store_v_text(decision ? d_dec : NULL),
                            decision ? store_v_int(fd_user) : store_v_null(), store_v_text(c->now), store_v_int(fd_user)};
        int64_t contact;
        rc = insert_id(c, SQL_CONTACT, cv, 13, &contact, err);
        if (rc)
            return rc;
        c->st->contacts++;
        for (int i = 0; i < h->n && !rc; i++) {
            if (!h->m[i].child)
                continue;
            store_value ccv[] = {store_v_int(contact), store_v_int(h->m[i].id), store_v_text(c->now)};
            rc = exec(c, SQL_CONTACT_CHILD, ccv, 3, err);
        }
        if (!rc && strcmp(channel, "phone") == 0) {
            char ts[24];
            snprintf(ts, sizeof(ts), "%sT%02d:%02d:00Z", d_recv, demo_rng_range(&c->rng, 8, 17), demo_rng_range(&c->rng, 0, 59));
            store_value pv[] = {store_v_int(contact), store_v_text(ts), store_v_text(contactor_type), store_v_null(),
                                store_v_text("Caller described the concerns; details recorded on the contact."),
                                store_v_text(c->now), store_v_int(fd_user)};
            rc = exec(c, SQL_PHONE_CALL, pv, 7, err);
        }
        if (!rc && decision && has_child && !open_episode &&
            (strcmp(decision, "early_help") == 0 || strcmp(decision, "step_up") == 0)) {
            core_date dec;
            core_date_parse(d_dec, 10, &dec);
            int age = core_date_to_days(c->as_of) - core_date_to_days(dec);
            int stage;
            if (strcmp(decision, "step_up") == 0 && demo_rng_chance(&c->rng, 300))
                stage = 5; /* stepped up after early help began */
            else if (strcmp(decision, "step_up") == 0)
                continue;   /* went straight to children's social care */
            else if (age > 330)
                stage = 4;
            else if (age < 20)
                stage = 0;
            else if (age < 50)
                stage = demo_rng_range(&c->rng, 0, 1);
            else if (age < 110)
                stage = demo_rng_range(&c->rng, 1, 2);
            else
                stage = demo_rng_range(&c->rng, 2, 4);
            core_date start = core_date_add_days(dec, demo_rng_range(&c->rng, 1, 7));
            if (core_date_cmp(start, c->as_of) > 0)
                start = c->as_of;
            rc = add_episode(c, h, contact, start, locality, stage, err);
            open_episode = stage < 4;
        }
    }
    return rc;
}

/* What governance finds waiting: break-glass accesses of the last few days (two waiting for review, one
 * reviewed), and one person whose record is restricted (UK GDPR art. 18). */
static int governance_examples(council *c, core_error *err)
{
    static const char *const reasons[] = {"serious_risk_of_harm", "welfare_of_child", "crime_prevention_detection"};
    static const char *const why[] = {
        "Police called out of hours about a child at this address; needed the family's contacts and plan.",
        "School raised an urgent welfare concern late on Friday; the lead practitioner was on leave.",
        "Police requested information under the crime and disorder information-sharing protocol.",
    };
    int n = c->nopen < 64 ? c->nopen : 64;
    int rc = 0;
    for (int i = 0; i < 3 && i < n && rc == 0; i++) {
        int k = (int)demo_rng_below(&c->rng, (uint64_t)n);
        int other = (c->open_locality[k] + 1 + i % (LOCALITIES - 1)) % LOCALITIES; /* another locality */
        char granted[24], expires[24], day[11];
        core_date d = core_date_add_days(c->as_of, -(i + 1));
        core_date_format(d, day);
        snprintf(granted, sizeof(granted), "%sT%02d:15:00Z", day, 17 + i);
        core_date_format(core_date_add_days(d, 1), day);
        snprintf(expires, sizeof(expires), "%sT%02d:15:00Z", day, 17 + i);
        int reviewed = i == 2;
        store_value v[] = {store_v_int(pick_user(c, other)), store_v_int(c->open_family[k]), store_v_text(reasons[i]),
                           store_v_text(why[i]), store_v_text(granted), store_v_text(expires),
                           store_v_text(reviewed ? "justified" : NULL),
                           store_v_text(reviewed ? "Checked with the police log: access was proportionate." : NULL),
                           reviewed ? store_v_int(c->governance_user) : store_v_null(),
                           store_v_text(reviewed ? c->now : NULL)};
        rc = exec(c, SQL_GRANT, v, 10, err);
    }
    if (rc == 0 && c->restrict_candidate) {
        store_value v[] = {store_v_int(c->restrict_candidate)};
        rc = exec(c, SQL_RESTRICT, v, 1, err);
    }
    return rc;
}

int demo_council_build(store *s, const demo_options *o, demo_stats *stats, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    council *c = core_xmalloc(sizeof(*c));
    memset(c, 0, sizeof(*c));
    memset(stats, 0, sizeof(*stats));
    c->s = s;
    c->a = &a;
    c->st = stats;
    c->as_of = o->as_of;
    demo_rng_init(&c->rng, o->seed);
    char day[11];
    core_date_format(o->as_of, day);
    snprintf(c->now, sizeof(c->now), "%sT09:00:00Z", day);

    int64_t existing = 0;
    int rc = store_query_int(s, &a, SQL_FAMILY_COUNT, NULL, 0, &existing, err);
    if (rc == 0 && existing > 0) {
        core_error_set(err, CORE_E_CONFLICT, "the database already holds %lld families", (long long)existing);
        core_error_hint(err, "build the demo council into a new database");
        rc = CORE_E_CONFLICT;
    }
    if (rc == 0)
        rc = store_begin(s, err);
    if (rc == 0)
        rc = build_directory(c, o->logins, err);
    if (o->logins)
        fputs(stats->users ? "\n]\n" : "[]\n", o->logins);
    core_arena_reset(&a);
    household *h = core_xmalloc(sizeof(*h));
    for (int64_t i = 0; i < o->families && rc == 0; i++) {
        int locality = (int)demo_rng_below(&c->rng, LOCALITIES);
        rc = build_family(c, h, err);
        if (rc == 0)
            rc = build_contacts(c, h, locality, err);
        core_arena_reset(&a);
        if (rc == 0 && (i + 1) % COMMIT_EVERY == 0) {
            rc = store_commit(s, err);
            if (rc == 0)
                rc = store_begin(s, err);
        }
        if (o->progress && ((i + 1) % 500 == 0 || i + 1 == o->families)) {
            fprintf(stderr, "\rdemo: %lld of %lld families (%3d%%)", (long long)(i + 1), (long long)o->families,
                    (int)((i + 1) * 100 / o->families));
            if (i + 1 == o->families)
                fputc('\n', stderr);
        }
    }
    if (rc == 0)
        rc = governance_examples(c, err);
    core_arena_reset(&a);
    if (rc == 0)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    free(h);
    free(c);
    core_arena_release(&a);
    return rc;
}
