/*
 * model_resource.c — every kind of record Hearth keeps, described once as data (see model.h).
 *
 * Reading guide: one static field table per resource, then the resource table. A field's flags say whether
 * it is required on create, usable as a list filter, fixed after create, special category (UK GDPR art. 9),
 * derived, or never null (a NOT NULL column with a default). Code lists name ref_code lists
 * (0002_reference.sql); identifier fields name their check.
 * Columns every table has (id, version, created_*, updated_*) are not listed: the engine handles them.
 */
#include "model/model.h"
#include "model/model_check.h"
#include "model/model_ident.h"

#define F(name, type, flags) {name, type, flags, NULL, 0, 0, 0}
#define TEXT(name, flags, maxlen) {name, MODEL_T_TEXT, flags, NULL, 0, 0, maxlen}
#define CODE(name, list, flags) {name, MODEL_T_CODE, flags, list, 0, 0, 0}
#define REF(name, table, flags) {name, MODEL_T_REF, flags, table, 0, 0, 0}
#define IDENT(name, kind, flags) {name, MODEL_T_IDENT, flags, NULL, kind, 0, 0}
#define INT(name, flags, lo, hi) {name, MODEL_T_INT, flags, NULL, 0, lo, hi}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { NAME_MAX_LEN = 200, LINE_MAX_LEN = 500, NOTE_MAX_LEN = 100000 };

static const model_field person_fields[] = {
    TEXT("given_name", MODEL_F_FILTER, NAME_MAX_LEN),
    TEXT("middle_names", 0, NAME_MAX_LEN),
    TEXT("family_name", MODEL_F_FILTER, NAME_MAX_LEN),
    TEXT("preferred_name", 0, NAME_MAX_LEN),
    TEXT("given_key", MODEL_F_HIDDEN, 0),
    TEXT("family_key", MODEL_F_HIDDEN, 0),
    F("date_of_birth", MODEL_T_DATE, MODEL_F_FILTER),
    F("expected_date", MODEL_T_DATE, 0),
    CODE("sex", "sex", MODEL_F_REQUIRED | MODEL_F_FILTER),
    CODE("gender_identity", "gender_identity", MODEL_F_SPECIAL),
    CODE("ethnicity", "ethnicity", MODEL_F_SPECIAL),
    CODE("religion", "religion", MODEL_F_SPECIAL),
    TEXT("language", 0, 100),
    TEXT("nationality", 0, 100),
    CODE("disability", "yes_no_unknown", MODEL_F_SPECIAL),
    CODE("send_status", "send_status", MODEL_F_SPECIAL),
    IDENT("nhs_number", MODEL_IDENT_NHS, MODEL_F_FILTER | MODEL_F_NATIONAL_ID),
    IDENT("nino", MODEL_IDENT_NINO, MODEL_F_FILTER | MODEL_F_NATIONAL_ID),
    IDENT("upn", MODEL_IDENT_UPN, MODEL_F_FILTER),
    F("restricted", MODEL_T_BOOL, MODEL_F_INTERNAL),
    F("objects_matching", MODEL_T_BOOL, MODEL_F_INTERNAL), /* set by an upheld objection (src/gov/) */
    F("objects_research", MODEL_T_BOOL, MODEL_F_INTERNAL),
    TEXT("source", 0, NAME_MAX_LEN),
    F("merged_into", MODEL_T_INT, MODEL_F_INTERNAL), /* set by a merge (src/pindex/), cleared by its undoing */
};

static const model_field former_name_fields[] = {
    TEXT("given_name", 0, NAME_MAX_LEN),
    TEXT("family_name", MODEL_F_REQUIRED, NAME_MAX_LEN),
    TEXT("family_key", MODEL_F_HIDDEN, 0),
    F("until_date", MODEL_T_DATE, 0),
    TEXT("source", 0, NAME_MAX_LEN),
};

static const model_field address_fields[] = {
    CODE("address_type", "address_type", MODEL_F_REQUIRED | MODEL_F_FILTER),
    TEXT("line1", MODEL_F_REQUIRED, LINE_MAX_LEN),
    TEXT("line2", 0, LINE_MAX_LEN),
    TEXT("town", 0, NAME_MAX_LEN),
    IDENT("postcode", MODEL_IDENT_POSTCODE, MODEL_F_FILTER),
    TEXT("uprn", 0, 12),
    F("from_date", MODEL_T_DATE, 0),
    F("to_date", MODEL_T_DATE, 0),
    TEXT("source", 0, NAME_MAX_LEN),
};

static const model_field contact_detail_fields[] = {
    CODE("kind", "contact_detail_type", MODEL_F_REQUIRED),
    TEXT("value", MODEL_F_REQUIRED, 320),
    TEXT("source", 0, NAME_MAX_LEN),
};

static const model_field family_fields[] = {
    TEXT("name", MODEL_F_REQUIRED, NAME_MAX_LEN),
    TEXT("source", 0, NAME_MAX_LEN),
    F("archived_on", MODEL_T_DATE, MODEL_F_HIDDEN | MODEL_F_INTERNAL), /* set by a retention run (archive) */
};

static const model_field family_member_fields[] = {
    REF("person_id", "person", MODEL_F_REQUIRED | MODEL_F_CREATE_ONLY | MODEL_F_FILTER),
    CODE("role", "family_role", MODEL_F_REQUIRED | MODEL_F_FILTER),
    F("in_household", MODEL_T_BOOL, MODEL_F_NOT_NULL),
    F("from_date", MODEL_T_DATE, 0),
    F("to_date", MODEL_T_DATE, 0),
    F("opens_person", MODEL_T_BOOL, MODEL_F_INTERNAL), /* the link opens the person's records (access_link_opens) */
};

static const model_field contact_fields[] = {
    F("received_on", MODEL_T_DATE, MODEL_F_REQUIRED | MODEL_F_FILTER),
    CODE("channel", "contact_channel", MODEL_F_REQUIRED | MODEL_F_FILTER),
    CODE("contactor_type", "contactor_type", MODEL_F_REQUIRED),
    TEXT("contactor_name", 0, NAME_MAX_LEN),
    REF("contactor_agency_id", "agency", 0),
    CODE("source_code", "contact_source", MODEL_F_REQUIRED | MODEL_F_FILTER),
    TEXT("reason", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    REF("family_id", "family", MODEL_F_FILTER),
    CODE("decision", "contact_decision", MODEL_F_FILTER),
    F("decision_date", MODEL_T_DATE, 0),
    REF("decided_by", "app_user", 0),
    TEXT("decision_rationale", 0, NOTE_MAX_LEN), /* why the front door decided as it did (0022) */
    /* what the caller said of where the family lives and the child's school (0026): the contact's own
     * evidence for "already known?" asked within it (POST /api/v1/contacts/{id}/matches) */
    TEXT("family_address", 0, LINE_MAX_LEN),
    IDENT("family_postcode", MODEL_IDENT_POSTCODE, 0),
    TEXT("school", 0, NAME_MAX_LEN),
    F("opens_family", MODEL_T_BOOL, MODEL_F_INTERNAL), /* the contact opens the family it names (access_link_opens) */
    F("archived_on", MODEL_T_DATE, MODEL_F_HIDDEN | MODEL_F_INTERNAL), /* set by a retention run (archive) */
};

static const model_field contact_child_fields[] = {
    REF("person_id", "person", MODEL_F_REQUIRED | MODEL_F_CREATE_ONLY | MODEL_F_FILTER),
    F("opens_person", MODEL_T_BOOL, MODEL_F_INTERNAL), /* the link opens the person's records (access_link_opens) */
};

static const model_field phone_call_fields[] = {
    REF("contact_id", "contact", MODEL_F_FILTER),
    {"called_at", MODEL_T_TIMESTAMP, MODEL_F_REQUIRED, NULL, 0, 0, 0},
    CODE("caller_type", "contactor_type", MODEL_F_REQUIRED),
    TEXT("caller_name", 0, NAME_MAX_LEN),
    TEXT("summary", MODEL_F_REQUIRED, NOTE_MAX_LEN),
};

static const model_field referral_fields[] = {
    REF("contact_id", "contact", 0),
    F("referred_on", MODEL_T_DATE, MODEL_F_REQUIRED | MODEL_F_FILTER),
    CODE("referrer_type", "referrer_type", MODEL_F_REQUIRED),
    TEXT("referrer_name", 0, NAME_MAX_LEN),
    REF("referrer_agency_id", "agency", 0),
    TEXT("reasons", MODEL_F_REQUIRED, NOTE_MAX_LEN),
};

static const model_field consent_fields[] = {
    REF("referral_id", "referral", 0),
    REF("person_id", "person", MODEL_F_FILTER),
    REF("given_by_id", "person", 0),
    TEXT("given_by_name", 0, NAME_MAX_LEN),
    CODE("scope", "consent_scope", MODEL_F_REQUIRED | MODEL_F_FILTER),
    TEXT("agency_types", 0, 1000),
    CODE("method", "consent_method", MODEL_F_REQUIRED),
    F("given_on", MODEL_T_DATE, MODEL_F_REQUIRED),
    F("withdrawn_on", MODEL_T_DATE, 0),
    TEXT("withdrawn_note", 0, LINE_MAX_LEN),
};

static const model_field episode_fields[] = {
    REF("referral_id", "referral", 0),
    F("start_date", MODEL_T_DATE, MODEL_F_REQUIRED | MODEL_F_FILTER),
    F("end_date", MODEL_T_DATE, 0),
    REF("owning_team_id", "team", MODEL_F_REQUIRED | MODEL_F_FILTER),
    REF("lead_user_id", "app_user", MODEL_F_FILTER),
    TEXT("programme_id", MODEL_F_FILTER, 50),
    F("programme_start", MODEL_T_DATE, 0),
    F("programme_end", MODEL_T_DATE, 0),
    CODE("closure_reason", "closure_reason", MODEL_F_FILTER),
    F("archived_on", MODEL_T_DATE, MODEL_F_HIDDEN | MODEL_F_INTERNAL), /* set by a retention run (archive) */
    TEXT("concurrent_reason", 0, LINE_MAX_LEN), /* why a second open episode of the family */
    F("closure_requested_on", MODEL_T_DATE, 0), /* the lead asks; the team manager closes */
    REF("closure_requested_by", "app_user", MODEL_F_INTERNAL),
    CODE("closure_request_reason", "closure_reason", 0),
    TEXT("closure_request_note", 0, NOTE_MAX_LEN),
    CODE("open_actions", "closure_open_actions", 0), /* what became of the plan's open actions at closure */
};

static const model_field episode_member_fields[] = {
    REF("user_id", "app_user", MODEL_F_FILTER),
    REF("agency_id", "agency", 0),
    TEXT("name", 0, NAME_MAX_LEN),
    TEXT("taf_role", 0, NAME_MAX_LEN),
    F("from_date", MODEL_T_DATE, MODEL_F_REQUIRED),
    F("to_date", MODEL_T_DATE, 0),
};

static const model_field assessment_fields[] = {
    F("started_on", MODEL_T_DATE, MODEL_F_REQUIRED | MODEL_F_FILTER),
    F("completed_on", MODEL_T_DATE, 0),
    TEXT("organisation", MODEL_F_REQUIRED, NAME_MAX_LEN),
    REF("organisation_agency_id", "agency", 0),
    REF("assessor_user_id", "app_user", 0),
    TEXT("summary", 0, NOTE_MAX_LEN),
};

static const model_field assessment_area_fields[] = {
    CODE("area", "assessment_area", MODEL_F_REQUIRED | MODEL_F_CREATE_ONLY | MODEL_F_FILTER),
    TEXT("working_well", 0, NOTE_MAX_LEN),
    TEXT("worried_about", 0, NOTE_MAX_LEN),
    TEXT("needs_to_happen", 0, NOTE_MAX_LEN),
    INT("scale", 0, 0, 10),
};

static const model_field assessment_need_fields[] = {
    {"headline", MODEL_T_HEADLINE, MODEL_F_REQUIRED | MODEL_F_FILTER, NULL, 0, 0, 0},
    TEXT("need_code", 0, 50),
    TEXT("framework", MODEL_F_REQUIRED, 20),
    REF("person_id", "person", 0),
    TEXT("evidence", 0, NOTE_MAX_LEN),
    /* the need's outcome, for a Supporting Families claim (docs/claims.md) */
    CODE("outcome", "need_outcome", MODEL_F_FILTER),
    F("outcome_on", MODEL_T_DATE, 0),
    TEXT("outcome_evidence", 0, NOTE_MAX_LEN),
    F("sustained_on", MODEL_T_DATE, 0),
};

static const model_field plan_fields[] = {
    F("agreed_on", MODEL_T_DATE, MODEL_F_REQUIRED),
    F("ends_on", MODEL_T_DATE, 0),
};

static const model_field plan_goal_fields[] = {
    TEXT("description", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    {"headline", MODEL_T_HEADLINE, MODEL_F_FILTER, NULL, 0, 0, 0},
};

static const model_field plan_action_fields[] = {
    REF("goal_id", "plan_goal", 0),
    TEXT("description", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    REF("owner_user_id", "app_user", MODEL_F_FILTER),
    TEXT("owner_name", 0, NAME_MAX_LEN),
    F("due_date", MODEL_T_DATE, 0),
    CODE("status", "plan_action_status", MODEL_F_FILTER | MODEL_F_NOT_NULL),
    F("done_on", MODEL_T_DATE, 0),
};

static const model_field review_fields[] = {
    F("held_on", MODEL_T_DATE, MODEL_F_REQUIRED),
    CODE("outcome", "review_outcome", MODEL_F_REQUIRED | MODEL_F_FILTER),
    F("next_review_due", MODEL_T_DATE, 0),
    TEXT("notes", 0, NOTE_MAX_LEN),
};

static const model_field activity_fields[] = {
    REF("person_id", "person", MODEL_F_FILTER),
    CODE("activity_type", "activity_type", MODEL_F_REQUIRED | MODEL_F_FILTER),
    TEXT("name", MODEL_F_REQUIRED, NAME_MAX_LEN),
    TEXT("provider", 0, NAME_MAX_LEN),
    F("attended_on", MODEL_T_DATE, MODEL_F_REQUIRED),
    F("attended", MODEL_T_BOOL, MODEL_F_NOT_NULL),
};

static const model_field case_note_fields[] = {
    CODE("note_type", "note_type", MODEL_F_REQUIRED | MODEL_F_FILTER),
    {"occurred_at", MODEL_T_TIMESTAMP, MODEL_F_REQUIRED, NULL, 0, 0, 0},
    TEXT("subject", 0, NAME_MAX_LEN),
    TEXT("body", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    CODE("sharing_label", "note_section", MODEL_F_FILTER), /* narrower than ordinary case notes (docs/access.md) */
    F("after_closure", MODEL_T_BOOL, MODEL_F_INTERNAL), /* recorded after its episode closed */
};

/* The team manager's supervision of a practitioner's case (0024). */
static const model_field supervision_fields[] = {
    F("supervised_on", MODEL_T_DATE, MODEL_F_REQUIRED | MODEL_F_FILTER),
    REF("practitioner_user_id", "app_user", MODEL_F_FILTER),
    TEXT("discussion", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    TEXT("decisions", 0, NOTE_MAX_LEN),
    F("next_supervision_on", MODEL_T_DATE, 0),
};

static const model_field sharing_basis_fields[] = {
    CODE("basis", "sharing_basis", MODEL_F_REQUIRED | MODEL_F_FILTER),
    CODE("agency_type", "agency_type", 0),
    TEXT("reason", MODEL_F_REQUIRED, NOTE_MAX_LEN),
    F("recorded_on", MODEL_T_DATE, MODEL_F_REQUIRED),
    F("ended_on", MODEL_T_DATE, 0),
};

static const model_field agency_fields[] = {
    TEXT("name", MODEL_F_REQUIRED, NAME_MAX_LEN),
    CODE("agency_type", "agency_type", MODEL_F_REQUIRED | MODEL_F_FILTER),
};

static const model_field team_fields[] = {
    TEXT("name", MODEL_F_REQUIRED, NAME_MAX_LEN),
    REF("agency_id", "agency", MODEL_F_REQUIRED | MODEL_F_FILTER),
    TEXT("kind", MODEL_F_REQUIRED | MODEL_F_FILTER, 30),
};

#define RES(n, t, p, pk, sec, f, chk) {n, t, p, pk, sec, f, COUNT(f), chk}

static const model_resource resources[] = {
    RES("people", "person", NULL, NULL, "person", person_fields, person_check),
    RES("former-names", "person_former_name", "people", "person_id", "person", former_name_fields, named_key_check),
    RES("addresses", "person_address", "people", "person_id", "person", address_fields, dates_check),
    RES("contact-details", "person_contact_detail", "people", "person_id", "person", contact_detail_fields, contact_detail_check),
    RES("families", "family", NULL, NULL, "family", family_fields, NULL),
    RES("members", "family_member", "families", "family_id", "family", family_member_fields, member_check),
    RES("contacts", "contact", NULL, NULL, "contact", contact_fields, contact_check),
    RES("children", "contact_child", "contacts", "contact_id", "contact", contact_child_fields, contact_child_check),
    RES("phone-calls", "phone_call", NULL, NULL, "contact", phone_call_fields, NULL),
    RES("referrals", "referral", "families", "family_id", "referral", referral_fields, NULL),
    RES("consents", "consent", "families", "family_id", "consent", consent_fields, consent_check),
    RES("sharing-bases", "sharing_basis", "families", "family_id", "consent", sharing_basis_fields, sharing_basis_check),
    RES("episodes", "episode", "families", "family_id", "episode", episode_fields, episode_check),
    RES("taf-members", "episode_member", "episodes", "episode_id", "episode", episode_member_fields, taf_member_check),
    RES("assessments", "assessment", "episodes", "episode_id", "assessment", assessment_fields, assessment_check),
    RES("areas", "assessment_area", "assessments", "assessment_id", "assessment", assessment_area_fields, NULL),
    RES("needs", "assessment_need", "assessments", "assessment_id", "assessment", assessment_need_fields, need_check),
    RES("plans", "plan", "episodes", "episode_id", "plan", plan_fields, plan_check),
    RES("goals", "plan_goal", "plans", "plan_id", "plan", plan_goal_fields, NULL),
    RES("actions", "plan_action", "plans", "plan_id", "plan", plan_action_fields, action_check),
    RES("reviews", "review", "episodes", "episode_id", "review", review_fields, review_check),
    RES("activities", "activity", "episodes", "episode_id", "activity", activity_fields, NULL),
    RES("notes", "case_note", "episodes", "episode_id", "case_note", case_note_fields, note_check),
    RES("supervisions", "supervision", "episodes", "episode_id", "supervision", supervision_fields, supervision_check),
    RES("agencies", "agency", NULL, NULL, "directory", agency_fields, NULL),
    RES("teams", "team", NULL, NULL, "directory", team_fields, NULL),
};

const model_resource *model_resource_at(size_t i)
{
    return i < COUNT(resources) ? &resources[i] : NULL;
}

const model_resource *model_resource_find(const char *name)
{
    for (size_t i = 0; i < COUNT(resources); i++)
        if (strcmp(resources[i].name, name) == 0)
            return &resources[i];
    return NULL;
}

const model_field *model_field_find(const model_resource *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0)
            return &r->fields[i];
    return NULL;
}

/* The rules across fields are in model_check.c. */
