/*
 * gov_sar.c — what a subject-access pack holds: every record about one person, with other people's
 * information withheld and the reason recorded (contract in gov.h; the pack's files: gov_sar_pack.c).
 *
 * Reading guide: the sets of records (one CTE shared by every section), the sections in the order the pack
 * shows them, the redaction rules, then the chronology that turns dated fields into plain sentences.
 *
 * Whose information is whose (docs/requests.md, "What the pack holds"):
 *   - the person's own records (person, names, addresses, contact details, partners' rows linked to them,
 *     their requests) are theirs in full, special category included; internal search keys are left out;
 *   - their families' shared records (the family, referrals, consents, episodes and everything under them)
 *     are included, because they are about the person too;
 *   - another person's row in a shared list (a sibling's family membership, a sibling named on a contact,
 *     a need or an activity recorded for a sibling) is withheld whole: DPA 2018 sch. 2 part 3 para 16
 *     (third party); a need or a sibling's membership is never shown, so no sibling's special category data
 *     reaches the pack;
 *   - a name that identifies someone as the source of information (a contact, referral or call from a
 *     relative or member of the public) is withheld: para 16 covers identifying someone as the source;
 *     professionals acting in their role (contactor_type/referrer_type/caller_type 'professional', the Team
 *     Around the Family, action owners) are kept, as the ICO advises;
 *   - free text (a contact's reason, assessment narratives, case notes) may mention others: each such field
 *     is listed for a person to read before the pack is released, never silently released or dropped.
 */
#include "gov/gov.h"
#include "gov/gov_internal.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The record sets about person $1: their families, those families' episodes, assessments and plans, and the
 * contacts naming them or their families. Every section's statement begins with these. */
#define SETS                                                                                                   \
    "WITH fam(id) AS (SELECT family_id FROM family_member WHERE person_id = $1),\n"                             \
    "     ep(id) AS (SELECT id FROM episode WHERE family_id IN (SELECT id FROM fam)),\n"                        \
    "     asm(id) AS (SELECT id FROM assessment WHERE episode_id IN (SELECT id FROM ep)),\n"                    \
    "     pl(id) AS (SELECT id FROM plan WHERE episode_id IN (SELECT id FROM ep)),\n"                           \
    "     con(id) AS (SELECT contact_id FROM contact_child WHERE person_id = $1\n"                              \
    "                 UNION SELECT id FROM contact WHERE family_id IN (SELECT id FROM fam))\n"

/* How a section's rows are cut down. */
enum rule {
    R_NONE = 0,
    R_ABOUT = 1,      /* a row about another person (its person_id) is withheld whole */
    R_SOURCE = 2,     /* the name of a non-professional source is withheld */
    R_GIVEN_BY = 4,   /* a consent given by someone else: their name withheld */
    R_MATCH = 8,      /* a review-queue pair: the other person's side withheld */
    R_KEYS = 16,      /* internal search keys left out */
    R_PROVIDED = 32,  /* what the person provided: the portability copy (art. 20) holds only these */
};

typedef struct section {
    const char *table;     /* the record kind, as the audit trail names it */
    const char *title;     /* the pack's heading */
    const char *sql;       /* rows, $1 = the person */
    unsigned rules;
    const char *source_type, *source_name; /* R_SOURCE: the type and name columns */
    const char *free_text; /* comma-separated fields to read before release */
} section;

static const section SECTIONS[] = {
    {"person", "Your record", "SELECT * FROM person WHERE id = $1", R_KEYS | R_PROVIDED, NULL, NULL, NULL},
    {"person_former_name", "Former names", "SELECT * FROM person_former_name WHERE person_id = $1 ORDER BY id",
     R_KEYS | R_PROVIDED, NULL, NULL, NULL},
    {"person_address", "Addresses", "SELECT * FROM person_address WHERE person_id = $1 ORDER BY id", R_PROVIDED,
     NULL, NULL, NULL},
    {"person_contact_detail", "Contact details",
     "SELECT * FROM person_contact_detail WHERE person_id = $1 ORDER BY id", R_PROVIDED, NULL, NULL, NULL},
    {"family", "Families you are a member of", SETS "SELECT * FROM family WHERE id IN (SELECT id FROM fam) ORDER BY id",
     R_NONE, NULL, NULL, NULL},
    {"family_member", "Family memberships",
     SETS "SELECT * FROM family_member WHERE family_id IN (SELECT id FROM fam) ORDER BY id", R_ABOUT, NULL, NULL,
     NULL},
    {"contact", "Contacts with the front door", SETS "SELECT * FROM contact WHERE id IN (SELECT id FROM con) ORDER BY id",
     R_SOURCE, "contactor_type", "contactor_name", "reason"},
    {"contact_child", "Children named on those contacts",
     SETS "SELECT * FROM contact_child WHERE contact_id IN (SELECT id FROM con) ORDER BY id", R_ABOUT, NULL, NULL,
     NULL},
    {"phone_call", "Telephone calls about those contacts",
     SETS "SELECT * FROM phone_call WHERE contact_id IN (SELECT id FROM con) ORDER BY id", R_SOURCE, "caller_type",
     "caller_name", "summary"},
    {"referral", "Referrals for support",
     SETS "SELECT * FROM referral WHERE family_id IN (SELECT id FROM fam) ORDER BY id", R_SOURCE, "referrer_type",
     "referrer_name", "reasons"},
    {"consent", "Consent", SETS "SELECT * FROM consent WHERE family_id IN (SELECT id FROM fam)\n"
                                "   AND (person_id IS NULL OR person_id = $1) ORDER BY id",
     R_GIVEN_BY, NULL, NULL, "withdrawn_note"},
    {"sharing_basis", "Sharing without consent, and why",
     SETS "SELECT * FROM sharing_basis WHERE family_id IN (SELECT id FROM fam) ORDER BY id", R_NONE, NULL, NULL,
     "reason"},
    {"episode", "Early Help support", SETS "SELECT * FROM episode WHERE id IN (SELECT id FROM ep) ORDER BY id",
     R_NONE, NULL, NULL, NULL},
    {"episode_member", "The Team Around the Family",
     SETS "SELECT * FROM episode_member WHERE episode_id IN (SELECT id FROM ep) ORDER BY id", R_NONE, NULL, NULL,
     NULL},
    {"assessment", "Assessments", SETS "SELECT * FROM assessment WHERE id IN (SELECT id FROM asm) ORDER BY id",
     R_NONE, NULL, NULL, "summary"},
    {"assessment_area", "What the assessments found",
     SETS "SELECT * FROM assessment_area WHERE assessment_id IN (SELECT id FROM asm) ORDER BY id", R_NONE, NULL,
     NULL, "working_well,worried_about,needs_to_happen"},
    {"assessment_need", "Needs identified",
     SETS "SELECT * FROM assessment_need WHERE assessment_id IN (SELECT id FROM asm) ORDER BY id", R_ABOUT, NULL,
     NULL, "evidence"},
    {"plan", "Plans", SETS "SELECT * FROM plan WHERE id IN (SELECT id FROM pl) ORDER BY id", R_NONE, NULL, NULL,
     NULL},
    {"plan_goal", "Goals", SETS "SELECT * FROM plan_goal WHERE plan_id IN (SELECT id FROM pl) ORDER BY id", R_NONE,
     NULL, NULL, "description"},
    {"plan_action", "Actions", SETS "SELECT * FROM plan_action WHERE plan_id IN (SELECT id FROM pl) ORDER BY id",
     R_NONE, NULL, NULL, "description"},
    {"review", "Reviews", SETS "SELECT * FROM review WHERE episode_id IN (SELECT id FROM ep) ORDER BY id", R_NONE,
     NULL, NULL, "notes"},
    {"activity", "Activities and services", SETS "SELECT * FROM activity WHERE episode_id IN (SELECT id FROM ep) ORDER BY id",
     R_ABOUT, NULL, NULL, NULL},
    {"case_note", "Case notes", SETS "SELECT * FROM case_note WHERE episode_id IN (SELECT id FROM ep) ORDER BY id",
     R_NONE, NULL, NULL, "subject,body"},
    {"supervision", "Supervision of your family's case",
     SETS "SELECT * FROM supervision WHERE episode_id IN (SELECT id FROM ep) ORDER BY id", R_NONE, NULL, NULL,
     "discussion,decisions"},
    {"family_identification", "Supporting Families identification",
     SETS "SELECT * FROM family_identification WHERE family_id IN (SELECT id FROM fam) ORDER BY id", R_NONE, NULL,
     NULL, "reason"},
    {"partner_record", "Records partners shared that were matched to you",
     "SELECT * FROM partner_record WHERE person_id = $1 ORDER BY id", R_KEYS, NULL, NULL, NULL},
    {"match_pair", "Decisions on whether records were yours",
     "SELECT * FROM match_pair WHERE person_id = $1 OR other_person_id = $1 ORDER BY id", R_MATCH, NULL, NULL,
     NULL},
    {"person_merge", "Records of yours that were merged",
     "SELECT * FROM person_merge WHERE survivor_id = $1 OR merged_id = $1 ORDER BY id", R_NONE, NULL, NULL, NULL},
    {"subject_request", "Your requests about your information",
     "SELECT * FROM subject_request WHERE person_id = $1 ORDER BY id", R_NONE, NULL, NULL, NULL},
    {"breach", "Breaches that affected your information",
     "SELECT b.* FROM breach b JOIN breach_person bp ON bp.breach_id = b.id WHERE bp.person_id = $1 ORDER BY b.id",
     R_NONE, NULL, NULL, "what_happened,data_affected,decision_reason,people_told_how"},
    {"disclosure", "Your information sent to national research",
     "SELECT * FROM disclosure WHERE person_id = $1 ORDER BY id", R_NONE, NULL, NULL, NULL},
    {"access_grant", "Emergency and governance access to your family's records",
     SETS "SELECT * FROM access_grant WHERE family_id IN (SELECT id FROM fam) OR person_id = $1 ORDER BY id",
     R_NONE, NULL, NULL, NULL},
};

/* Every code's label, to write the chronology in words. */
static const char SQL_LABELS[] =
    "SELECT list, code, label\n"
    "  FROM ref_code";

static const char *const INTERNAL_KEYS[] = {"given_key", "family_key", "merged_into", NULL};

static void withhold(gov_sar *sar, const char *table, int64_t id, const char *field, const char *reason)
{
    json_array_append_new(sar->redactions, json_pack("{s:s,s:I,s:s,s:s}", "record", table, "record_id",
                                                     (json_int_t)id, "field", field, "reason", reason));
}

/* Apply the section's rules to one row; 0 when the row is withheld whole. */
static int redact(gov_sar *sar, const section *sec, json_t *row)
{
    const char *t = sec->table;
    int64_t id = json_integer_value(json_object_get(row, "id")), me = sar->person_id;
    if (sec->rules & R_ABOUT) {
        json_t *p = json_object_get(row, "person_id");
        if (json_is_integer(p) && json_integer_value(p) != me) {
            withhold(sar, t, id, "*", "third_party");
            return 0;
        }
    }
    if (sec->rules & R_KEYS)
        for (const char *const *k = INTERNAL_KEYS; *k; k++)
            json_object_del(row, *k);
    if (sec->rules & R_SOURCE) {
        const char *type = json_string_value(json_object_get(row, sec->source_type));
        if (json_is_string(json_object_get(row, sec->source_name)) && (!type || strcmp(type, "professional") != 0)) {
            json_object_set_new(row, sec->source_name, json_string("[withheld]"));
            withhold(sar, t, id, sec->source_name, "source_of_information");
        }
    }
    if (sec->rules & R_GIVEN_BY) {
        json_t *by = json_object_get(row, "given_by_id");
        if (!(json_is_integer(by) && json_integer_value(by) == me) && json_is_string(json_object_get(row, "given_by_name"))) {
            json_object_set_new(row, "given_by_name", json_string("[withheld]"));
            withhold(sar, t, id, "given_by_name", "third_party");
        }
        if (json_is_integer(by) && json_integer_value(by) != me)
            json_object_set_new(row, "given_by_id", json_null());
    }
    if (sec->rules & R_MATCH) {
        /* The other side of a pair is someone else's record: its id and the evidence compared are withheld. */
        const char *other = json_integer_value(json_object_get(row, "person_id")) == me ? "other_person_id"
                                                                                         : "person_id";
        if (json_is_integer(json_object_get(row, other))) {
            json_object_set_new(row, other, json_null());
            json_object_set_new(row, "evidence", json_string("[withheld]"));
            withhold(sar, t, id, "evidence", "third_party");
        }
    }
    if (sec->free_text) {
        const char *f = sec->free_text;
        while (*f) {
            size_t n = strcspn(f, ",");
            char field[64];
            snprintf(field, sizeof field, "%.*s", (int)n, f);
            const char *v = json_string_value(json_object_get(row, field));
            if (v && v[0])
                json_array_append_new(sar->review, json_pack("{s:s,s:I,s:s}", "record", t, "record_id",
                                                             (json_int_t)id, "field", field));
            f += n + (f[n] == ',');
        }
    }
    return 1;
}

/* ---- the chronology ---- */

static const char *label(const gov_sar *sar, const char *list, json_t *code)
{
    const char *c = json_string_value(code);
    if (!c)
        return NULL;
    const char *l = json_string_value(json_object_get(json_object_get(sar->labels, list), c));
    return l ? l : c;
}

static void say(gov_sar *sar, json_t *date, const char *table, int64_t id, json_t *text)
{
    const char *d = json_string_value(date);
    if (!d || !text) {
        json_decref(text);
        return;
    }
    size_t n = strnlen(d, 10); /* a day, even of a timestamp */
    json_array_append_new(sar->chronology, json_pack("{s:s%,s:s,s:I,s:o}", "date", d, n, "record", table,
                                                     "record_id", (json_int_t)id, "text", text));
}

/* The sentences a row adds to the chronology. Codes are written with their labels; no free text. */
static void chronicle(gov_sar *sar, const char *t, json_t *r)
{
    int64_t id = json_integer_value(json_object_get(r, "id"));
#define GET(k) json_object_get(r, k)
    if (strcmp(t, "contact") == 0) {
        say(sar, GET("received_on"), t, id,
            json_sprintf("The front door received a contact by %s from %s.", label(sar, "contact_channel", GET("channel")),
                         label(sar, "contactor_type", GET("contactor_type"))));
        if (json_is_string(GET("decision")))
            say(sar, GET("decision_date"), t, id,
                json_sprintf("The front door decided: %s.", label(sar, "contact_decision", GET("decision"))));
    } else if (strcmp(t, "referral") == 0) {
        say(sar, GET("referred_on"), t, id, json_sprintf("A referral for support was made by %s.",
                                                         label(sar, "referrer_type", GET("referrer_type"))));
    } else if (strcmp(t, "consent") == 0) {
        say(sar, GET("given_on"), t, id,
            json_sprintf("Consent was recorded: %s.", label(sar, "consent_scope", GET("scope"))));
        say(sar, GET("withdrawn_on"), t, id, json_sprintf("Consent was withdrawn."));
    } else if (strcmp(t, "episode") == 0) {
        say(sar, GET("start_date"), t, id, json_sprintf("Early Help support began."));
        if (json_is_string(GET("end_date")))
            say(sar, GET("end_date"), t, id,
                json_sprintf("Early Help support ended: %s.", label(sar, "closure_reason", GET("closure_reason"))));
    } else if (strcmp(t, "assessment") == 0) {
        say(sar, GET("started_on"), t, id, json_sprintf("An assessment of the family's needs began."));
        say(sar, GET("completed_on"), t, id, json_sprintf("The assessment was completed."));
    } else if (strcmp(t, "plan") == 0) {
        say(sar, GET("agreed_on"), t, id, json_sprintf("A plan was agreed."));
    } else if (strcmp(t, "review") == 0) {
        say(sar, GET("held_on"), t, id, json_sprintf("The plan was reviewed."));
    } else if (strcmp(t, "activity") == 0) {
        const char *n = json_string_value(GET("name"));
        say(sar, GET("attended_on"), t, id,
            json_sprintf("%s: %s.", label(sar, "activity_type", GET("activity_type")), n ? n : "an activity"));
    } else if (strcmp(t, "case_note") == 0) {
        say(sar, GET("occurred_at"), t, id,
            json_sprintf("A case note was written (%s).", label(sar, "note_type", GET("note_type"))));
    } else if (strcmp(t, "supervision") == 0) {
        say(sar, GET("supervised_on"), t, id, json_sprintf("The team manager supervised the work with your family."));
    } else if (strcmp(t, "family_member") == 0) {
        say(sar, GET("from_date"), t, id,
            json_sprintf("You were recorded as a member of a family (%s).", label(sar, "family_role", GET("role"))));
    } else if (strcmp(t, "person_address") == 0) {
        say(sar, GET("from_date"), t, id, json_sprintf("An address of yours was recorded."));
    } else if (strcmp(t, "subject_request") == 0) {
        say(sar, GET("received_on"), t, id,
            json_sprintf("You asked: %s.", label(sar, "request_kind", GET("kind"))));
    } else if (strcmp(t, "disclosure") == 0) {
        const char *due = json_string_value(GET("destroy_due"));
        say(sar, GET("disclosed_on"), t, id,
            json_sprintf("Your information was sent to %s for national research%s%s.",
                         json_string_value(GET("recipient")), due ? "; it is to be destroyed by " : "", due ? due : ""));
    } else if (strcmp(t, "breach") == 0) {
        say(sar, GET("discovered_at"), t, id, json_sprintf("The council found a breach affecting your information."));
        say(sar, GET("people_told_on"), t, id, json_sprintf("You were told about the breach."));
    } else if (strcmp(t, "access_grant") == 0) {
        const char *kind = json_string_value(GET("kind"));
        say(sar, GET("granted_at"), t, id,
            json_sprintf("%s access to the family's records was opened (%s).",
                         kind && strcmp(kind, "duty") == 0 ? "Information governance" : "Emergency",
                         label(sar, "break_glass_reason", GET("reason"))));
    }
#undef GET
}

static int by_date(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int c = strcmp(json_string_value(json_object_get(a, "date")), json_string_value(json_object_get(b, "date")));
    if (c)
        return c;
    c = strcmp(json_string_value(json_object_get(a, "record")), json_string_value(json_object_get(b, "record")));
    if (c)
        return c;
    json_int_t ia = json_integer_value(json_object_get(a, "record_id")),
               ib = json_integer_value(json_object_get(b, "record_id"));
    return ia < ib ? -1 : ia > ib;
}

static void sort_chronology(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **v = core_xmalloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), by_date);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
}

/* ---- the readable report's words ---- */

static const struct {
    const char *field, *label;
} FIELD_WORDS[] = {
    {"id", "Reference"},           {"nhs_number", "NHS number"},     {"nino", "National Insurance number"},
    {"upn", "Unique pupil number"}, {"created_at", "Recorded"},       {"updated_at", "Last changed"},
    {"send_status", "Special educational needs"}, {"uprn", "Property reference (UPRN)"},
};

/* Columns the readable report leaves out: bookkeeping, not information about the person. */
static const char *const BOOKKEEPING[] = {"version", "created_by", "updated_by", "opens_person", "opens_family",
                                          "objects_matching", "objects_research", "archived_on", NULL};

const char *gov_sar_field_label(core_arena *a, const char *field)
{
    for (const char *const *b = BOOKKEEPING; *b; b++)
        if (strcmp(*b, field) == 0)
            return NULL;
    for (size_t i = 0; i < sizeof(FIELD_WORDS) / sizeof(FIELD_WORDS[0]); i++)
        if (strcmp(FIELD_WORDS[i].field, field) == 0)
            return FIELD_WORDS[i].label;
    char *w = core_arena_strdup(a, field);
    for (char *c = w; *c; c++)
        if (*c == '_')
            *c = ' ';
    if (w[0] >= 'a' && w[0] <= 'z')
        w[0] = (char)(w[0] - 'a' + 'A');
    return w;
}

const char *gov_sar_value_text(const gov_sar *sar, core_arena *a, const char *table, const char *field, json_t *v)
{
    const model_resource *r = NULL;
    for (size_t i = 0; (r = model_resource_at(i)) != NULL; i++)
        if (strcmp(r->table, table) == 0)
            break;
    const model_field *f = r ? model_field_find(r, field) : NULL;
    if (f && f->type == MODEL_T_CODE && json_is_string(v)) {
        const char *l = label(sar, f->ref, v);
        return l ? l : json_string_value(v);
    }
    if (f && f->type == MODEL_T_BOOL && (json_is_integer(v) || json_is_boolean(v)))
        return json_is_true(v) || json_integer_value(v) ? "yes" : "no";
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_null(v))
        return "";
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    const char *copy = t ? core_arena_strdup(a, t) : "";
    free(t);
    return copy;
}

/* ---- collecting ---- */

static int load_labels(store *s, core_arena *a, json_t *labels, core_error *err)
{
    store_stmt *st;
    int rc = store_query(s, a, SQL_LABELS, NULL, 0, &st, err);
    if (rc)
        return rc;
    while ((rc = store_next(st, err)) == 1) {
        const char *list = store_col_text(st, 0, NULL);
        json_t *l = json_object_get(labels, list);
        if (!l) {
            l = json_object();
            json_object_set_new(labels, list, l);
        }
        json_object_set_new(l, store_col_text(st, 1, NULL), json_string(store_col_text(st, 2, NULL)));
    }
    return rc < 0 ? rc : 0;
}

enum { ACCESS_PAGE = 1000 };

int gov_sar_collect(store *s, core_arena *a, int64_t person, int portability, gov_sar *sar, core_error *err)
{
    memset(sar, 0, sizeof(*sar));
    sar->person_id = person;
    sar->portability = portability;
    sar->sections = json_array();
    sar->redactions = json_array();
    sar->review = json_array();
    sar->chronology = json_array();
    sar->labels = json_object();
    int rc = gov_person_exists(s, a, person, err);
    if (rc == 0)
        rc = load_labels(s, a, sar->labels, err);
    for (size_t i = 0; rc == 0 && i < sizeof(SECTIONS) / sizeof(SECTIONS[0]); i++) {
        const section *sec = &SECTIONS[i];
        if (portability && !(sec->rules & R_PROVIDED))
            continue;
        store_value p[] = {store_v_int(person)};
        store_stmt *st;
        if ((rc = store_query(s, a, sec->sql, p, 1, &st, err)))
            break;
        json_t *rows = json_array();
        while ((rc = store_next(st, err)) == 1) {
            json_t *row = gov_row_json(st);
            if (redact(sar, sec, row)) {
                chronicle(sar, sec->table, row);
                json_array_append_new(rows, row);
                sar->records++;
            } else {
                json_decref(row);
                sar->withheld++;
            }
        }
        json_array_append_new(sar->sections, json_pack("{s:s,s:s,s:o}", "record", sec->table, "title", sec->title,
                                                       "rows", rows));
        rc = rc < 0 ? rc : 0;
    }
    /* Who has seen these records: the access report, every page. */
    sar->access = json_array();
    for (int64_t after = 0; rc == 0 && !portability;) {
        json_t *page;
        int64_t next = 0;
        if ((rc = gov_access_report(s, a, person, after, ACCESS_PAGE, &page, &next, err)))
            break;
        json_array_extend(sar->access, page);
        json_decref(page);
        if (!next)
            break;
        after = next;
    }
    sort_chronology(sar->chronology);
    if (rc)
        gov_sar_release(sar);
    return rc;
}

void gov_sar_release(gov_sar *sar)
{
    json_decref(sar->sections);
    json_decref(sar->redactions);
    json_decref(sar->review);
    json_decref(sar->chronology);
    json_decref(sar->labels);
    json_decref(sar->access);
    memset(sar, 0, sizeof(*sar));
}
