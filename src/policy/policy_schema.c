/*
 * policy_schema.c — the shape of a policy file, as data, and the walk that checks a tree against it.
 *
 * Each mapping the file may hold is a `shape`: its fields, each with a kind (text, code, e-mail, date,
 * boolean, period, a code from a list, a mapping of another shape, a list of those) and whether it is
 * required. The walk reports, with the line of the key concerned: a key the shape does not know (a typo must
 * never drop a promise silently), a required key that is missing, a value of the wrong kind. Rules across
 * fields (unique codes, the art 9 / Schedule 1 pairing, date order) are policy.c's. docs/policy.md is the
 * reader's version of the tables below: change both together.
 */
#include <string.h>

#include "core/core_date.h"
#include "policy/policy_internal.h"

/* ---- code lists (code, words): one pair a line, as the tables they are ---- */

/* clang-format off */

const char *const policy_art6_bases[] = {
    "art6_1_a", "consent (UK GDPR Article 6(1)(a))",
    "art6_1_b", "a contract with you (UK GDPR Article 6(1)(b))",
    "art6_1_c", "a legal obligation we are subject to (UK GDPR Article 6(1)(c))",
    "art6_1_d", "protecting someone's vital interests (UK GDPR Article 6(1)(d))",
    "art6_1_e", "a task in the public interest or in the exercise of our official authority (UK GDPR Article 6(1)(e))",
    "art6_1_f", "legitimate interests (UK GDPR Article 6(1)(f))",
    NULL, NULL};

const char *const policy_art9_conditions[] = {
    "art9_2_a", "explicit consent (UK GDPR Article 9(2)(a))",
    "art9_2_b", "employment, social security and social protection law (UK GDPR Article 9(2)(b))",
    "art9_2_c", "protecting someone's vital interests (UK GDPR Article 9(2)(c))",
    "art9_2_d", "the activities of a not-for-profit body (UK GDPR Article 9(2)(d))",
    "art9_2_e", "information you have made public (UK GDPR Article 9(2)(e))",
    "art9_2_f", "legal claims and courts (UK GDPR Article 9(2)(f))",
    "art9_2_g", "reasons of substantial public interest (UK GDPR Article 9(2)(g))",
    "art9_2_h", "health or social care (UK GDPR Article 9(2)(h))",
    "art9_2_i", "public health (UK GDPR Article 9(2)(i))",
    "art9_2_j", "archiving, research and statistics (UK GDPR Article 9(2)(j))",
    NULL, NULL};

/* Data Protection Act 2018, Schedule 1: Part 1 (1-4), Part 2 (6-28: paragraph 5 is the policy-document
 * requirement, not a condition), Part 3 (29-37). */
const char *const policy_dpa_conditions[] = {
    "sch1_para_1", "employment, social security and social protection (DPA 2018 Schedule 1 paragraph 1)",
    "sch1_para_2", "health or social care purposes (DPA 2018 Schedule 1 paragraph 2)",
    "sch1_para_3", "public health (DPA 2018 Schedule 1 paragraph 3)",
    "sch1_para_4", "research (DPA 2018 Schedule 1 paragraph 4)",
    "sch1_para_6", "statutory and government purposes (DPA 2018 Schedule 1 paragraph 6)",
    "sch1_para_7", "administration of justice (DPA 2018 Schedule 1 paragraph 7)",
    "sch1_para_8", "equality of opportunity or treatment (DPA 2018 Schedule 1 paragraph 8)",
    "sch1_para_9", "racial and ethnic diversity at senior levels (DPA 2018 Schedule 1 paragraph 9)",
    "sch1_para_10", "preventing or detecting unlawful acts (DPA 2018 Schedule 1 paragraph 10)",
    "sch1_para_11", "protecting the public (DPA 2018 Schedule 1 paragraph 11)",
    "sch1_para_12", "regulatory requirements (DPA 2018 Schedule 1 paragraph 12)",
    "sch1_para_13", "journalism (DPA 2018 Schedule 1 paragraph 13)",
    "sch1_para_14", "preventing fraud (DPA 2018 Schedule 1 paragraph 14)",
    "sch1_para_15", "suspicion of terrorist financing or money laundering (DPA 2018 Schedule 1 paragraph 15)",
    "sch1_para_16", "support for people with a particular disability or medical condition (DPA 2018 Schedule 1 paragraph 16)",
    "sch1_para_17", "counselling (DPA 2018 Schedule 1 paragraph 17)",
    "sch1_para_18", "safeguarding of children and of individuals at risk (DPA 2018 Schedule 1 paragraph 18)",
    "sch1_para_19", "safeguarding of economic well-being (DPA 2018 Schedule 1 paragraph 19)",
    "sch1_para_20", "insurance (DPA 2018 Schedule 1 paragraph 20)",
    "sch1_para_21", "occupational pensions (DPA 2018 Schedule 1 paragraph 21)",
    "sch1_para_22", "political parties (DPA 2018 Schedule 1 paragraph 22)",
    "sch1_para_23", "elected representatives responding to requests (DPA 2018 Schedule 1 paragraph 23)",
    "sch1_para_24", "disclosure to elected representatives (DPA 2018 Schedule 1 paragraph 24)",
    "sch1_para_25", "informing elected representatives about prisoners (DPA 2018 Schedule 1 paragraph 25)",
    "sch1_para_26", "publication of legal judgments (DPA 2018 Schedule 1 paragraph 26)",
    "sch1_para_27", "anti-doping in sport (DPA 2018 Schedule 1 paragraph 27)",
    "sch1_para_28", "standards of behaviour in sport (DPA 2018 Schedule 1 paragraph 28)",
    "sch1_para_29", "consent (DPA 2018 Schedule 1 paragraph 29)",
    "sch1_para_30", "protecting someone's vital interests (DPA 2018 Schedule 1 paragraph 30)",
    "sch1_para_31", "not-for-profit bodies (DPA 2018 Schedule 1 paragraph 31)",
    "sch1_para_32", "information already made public by you (DPA 2018 Schedule 1 paragraph 32)",
    "sch1_para_33", "legal claims (DPA 2018 Schedule 1 paragraph 33)",
    "sch1_para_34", "judicial acts (DPA 2018 Schedule 1 paragraph 34)",
    "sch1_para_35", "administration of accounts used in indecency offences involving children (DPA 2018 Schedule 1 paragraph 35)",
    "sch1_para_36", "the substantial public interest conditions of Part 2 (DPA 2018 Schedule 1 paragraph 36)",
    "sch1_para_37", "insurance (DPA 2018 Schedule 1 paragraph 37)",
    NULL, NULL};

/* What a research share may carry; the extract (issue 10 part 4) takes exactly these. */
const char *const policy_research_fields[] = {
    "name", "name",
    "date_of_birth", "date of birth",
    "postcode", "postcode",
    "programme_id", "programme ID number",
    "programme_start", "programme start date",
    "programme_end", "programme end date",
    "nino", "National Insurance number",
    "upn", "unique pupil number",
    "nhs_number", "NHS number",
    "family_reference", "a reference number for the family that does not identify anyone",
    "needs", "the issues the family faced",
    "services", "the services and support the family received",
    "outcomes", "the outcomes reached",
    NULL, NULL};

/* The legal_hold_reason reference list (store migration 0002): a hold in a policy names one of these. */
const char *const policy_hold_codes[] = {
    "IICSA-2015", "the Independent Inquiry into Child Sexual Abuse",
    "LITIGATION", "litigation, actual or expected",
    "SAR-OPEN", "a subject access request still open",
    "FUTURE-INQUIRY", "a future or announced inquiry",
    NULL, NULL};

/* clang-format on */

static const char *const kinds[] = {
    "personal",         "personal information",         "special", "special category information",
    "criminal_offence", "criminal offence information", NULL,      NULL};
static const char *const records[] = {"contact_no_further_action",
                                      "",
                                      "early_help_case",
                                      "",
                                      "stepped_up_case",
                                      "",
                                      "supporting_families_case",
                                      "",
                                      "family_centre_client",
                                      "",
                                      NULL,
                                      NULL};
static const char *const triggers[] = {"case_closure",
                                       "",
                                       "end_of_year_of_closure",
                                       "",
                                       "date_of_birth",
                                       "",
                                       "last_contact",
                                       "",
                                       "programme_end",
                                       "",
                                       NULL,
                                       NULL};
static const char *const disposals[] = {"destroy", "", "archive", "", "review", "", NULL, NULL};
static const char *const scopes[] = {"children", "", "all", "", NULL, NULL};

const char *policy_code_words(const char *const *pairs, const char *code)
{
    for (size_t i = 0; pairs[i]; i += 2)
        if (strcmp(pairs[i], code) == 0) return pairs[i + 1];
    return NULL;
}

int policy_art9_needs_dpa(const char *code)
{
    static const char *const need[] = {"art9_2_b", "art9_2_g", "art9_2_h", "art9_2_i", "art9_2_j", NULL};
    for (size_t i = 0; need[i]; i++)
        if (strcmp(need[i], code) == 0) return 1;
    return 0;
}

/* ---- shapes ---- */

typedef enum kind {
    K_TEXT,  /* a non-empty string */
    K_WORD,  /* a code: [a-z0-9_]+ */
    K_EMAIL, /* name@domain.tld */
    K_DATE,  /* YYYY-MM-DD, a real date */
    K_DATE_OR_NULL,
    K_BOOL,
    K_INT,     /* 0..200 */
    K_AGE,     /* pregnancy, or 0..30 */
    K_LINES,   /* a list of at least one non-empty string */
    K_CHOICE,  /* a code of `choices` */
    K_CHOICES, /* a list of at least one code of `choices` */
    K_PERIOD,  /* {years, months, days}: non-negative, at least one above zero */
    K_OBJ,     /* a mapping of shape `sub` */
    K_OBJS,    /* a list of at least one mapping of shape `sub` */
} kind;

typedef struct shape shape;
typedef struct field {
    const char *name;
    kind k;
    int required;
    const shape *sub;
    const char *const *choices;
} field;
struct shape {
    const char *what; /* for messages: "a retention class" */
    const field *fields;
};

#define END                                                                                                  \
    {                                                                                                        \
        NULL, K_TEXT, 0, NULL, NULL                                                                          \
    }

static const field f_controller[] = {{"name", K_TEXT, 1, NULL, NULL},
                                     {"address", K_LINES, 0, NULL, NULL},
                                     {"email", K_EMAIL, 0, NULL, NULL},
                                     {"phone", K_TEXT, 0, NULL, NULL},
                                     {"website", K_TEXT, 0, NULL, NULL},
                                     {"ico_registration", K_TEXT, 0, NULL, NULL},
                                     END};
static const shape s_controller = {"the controller", f_controller};
static const field f_contact[] = {{"name", K_TEXT, 1, NULL, NULL},    {"address", K_LINES, 0, NULL, NULL},
                                  {"email", K_EMAIL, 0, NULL, NULL},  {"phone", K_TEXT, 0, NULL, NULL},
                                  {"website", K_TEXT, 0, NULL, NULL}, END};
static const shape s_contact = {"a contact", f_contact};
static const field f_age[] = {{"from", K_AGE, 1, NULL, NULL},
                              {"to", K_INT, 1, NULL, NULL},
                              {"to_with_disability", K_INT, 0, NULL, NULL},
                              END};
static const shape s_age = {"the age range", f_age};
static const field f_category[] = {{"code", K_WORD, 1, NULL, NULL},
                                   {"label", K_TEXT, 1, NULL, NULL},
                                   {"kind", K_CHOICE, 1, NULL, kinds},
                                   {"lawful_bases", K_CHOICES, 1, NULL, policy_art6_bases},
                                   {"art9_condition", K_CHOICE, 0, NULL, policy_art9_conditions},
                                   {"dpa_condition", K_CHOICE, 0, NULL, policy_dpa_conditions},
                                   END};
static const shape s_category = {"a data category", f_category};
static const field f_period[] = {
    {"years", K_INT, 0, NULL, NULL}, {"months", K_INT, 0, NULL, NULL}, {"days", K_INT, 0, NULL, NULL}, END};
static const shape s_period = {"a period", f_period};
static const field f_class[] = {
    {"code", K_WORD, 1, NULL, NULL},          {"label", K_TEXT, 1, NULL, NULL},
    {"records", K_CHOICE, 1, NULL, records},  {"trigger", K_CHOICE, 1, NULL, triggers},
    {"period", K_PERIOD, 1, &s_period, NULL}, {"disposal", K_CHOICE, 1, NULL, disposals},
    {"notice_text", K_TEXT, 0, NULL, NULL},   END};
static const shape s_class = {"a retention class", f_class};
static const field f_hold[] = {{"code", K_CHOICE, 1, NULL, policy_hold_codes},
                               {"reason", K_TEXT, 1, NULL, NULL},
                               {"scope", K_CHOICE, 1, NULL, scopes},
                               {"from", K_DATE, 1, NULL, NULL},
                               {"until", K_DATE_OR_NULL, 0, NULL, NULL},
                               {"release_after", K_PERIOD, 1, &s_period, NULL},
                               END};
static const shape s_hold = {"a hold", f_hold};
static const field f_retention[] = {{"schedule", K_TEXT, 0, NULL, NULL},
                                    {"classes", K_OBJS, 1, &s_class, NULL},
                                    {"holds", K_OBJS, 0, &s_hold, NULL},
                                    END};
static const shape s_retention = {"retention", f_retention};
static const field f_rights[] = {{"access", K_TEXT, 1, NULL, NULL},
                                 {"rectification", K_TEXT, 0, NULL, NULL},
                                 {"erasure", K_TEXT, 0, NULL, NULL},
                                 {"restriction", K_TEXT, 0, NULL, NULL},
                                 {"objection", K_TEXT, 0, NULL, NULL},
                                 {"portability", K_TEXT, 0, NULL, NULL},
                                 {"automated_decision", K_TEXT, 0, NULL, NULL},
                                 {"withdraw_consent", K_TEXT, 0, NULL, NULL},
                                 {"how_to_exercise", K_TEXT, 1, NULL, NULL},
                                 END};
static const shape s_rights = {"the rights", f_rights};
static const field f_research[] = {{"code", K_WORD, 1, NULL, NULL},
                                   {"recipient", K_TEXT, 1, NULL, NULL},
                                   {"commissioned_by", K_TEXT, 0, NULL, NULL},
                                   {"purpose", K_TEXT, 1, NULL, NULL},
                                   {"fields", K_CHOICES, 1, NULL, policy_research_fields},
                                   {"pseudonymised", K_BOOL, 1, NULL, NULL},
                                   {"terms", K_LINES, 1, NULL, NULL},
                                   {"destroyed_after", K_PERIOD, 0, &s_period, NULL},
                                   {"destroyed_when", K_TEXT, 0, NULL, NULL},
                                   {"opt_out", K_TEXT, 1, NULL, NULL},
                                   {"opt_out_email", K_EMAIL, 0, NULL, NULL},
                                   END};
static const shape s_research = {"a research share", f_research};
static const field f_top[] = {{"profile", K_WORD, 1, NULL, NULL},
                              {"service", K_TEXT, 1, NULL, NULL},
                              {"about", K_TEXT, 0, NULL, NULL},
                              {"controller", K_OBJ, 1, &s_controller, NULL},
                              {"dpo", K_OBJ, 1, &s_contact, NULL},
                              {"ico", K_OBJ, 1, &s_contact, NULL},
                              {"age_range", K_OBJ, 0, &s_age, NULL},
                              {"data_categories", K_OBJS, 1, &s_category, NULL},
                              {"sources", K_LINES, 1, NULL, NULL},
                              {"channels", K_LINES, 1, NULL, NULL},
                              {"purposes", K_LINES, 1, NULL, NULL},
                              {"legislation", K_LINES, 0, NULL, NULL},
                              {"recipients", K_LINES, 1, NULL, NULL},
                              {"other_sharing", K_LINES, 0, NULL, NULL},
                              {"other_uses", K_LINES, 0, NULL, NULL},
                              {"research_shares", K_OBJS, 0, &s_research, NULL},
                              {"retention", K_OBJ, 1, &s_retention, NULL},
                              {"rights", K_OBJ, 1, &s_rights, NULL},
                              {"automated_decisions", K_BOOL, 1, NULL, NULL},
                              {"automated_decisions_text", K_TEXT, 0, NULL, NULL},
                              {"assessment_needs_agreement", K_BOOL, 1, NULL, NULL},
                              {"overseas_transfers", K_TEXT, 1, NULL, NULL},
                              {"marketing", K_TEXT, 1, NULL, NULL},
                              {"security", K_TEXT, 0, NULL, NULL},
                              {"complaints", K_TEXT, 1, NULL, NULL},
                              END};
static const shape s_top = {"the policy", f_top};

/* ---- the walk ---- */

typedef struct walk {
    const policy_lines *lines;
    policy_errs *e;
} walk;

static int is_word(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0') return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"') return 0;
    return 1;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return 0;
    return 1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "text";
    case JSON_INTEGER:
        return "a number";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true/false";
    case JSON_NULL:
        return "empty";
    }
    return "unknown";
}

/* The choices of a list as "a, b, c" for a message (cut short when long). */
static void choices_text(const char *const *pairs, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; pairs[i] && n + 1 < cap; i += 2) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", pairs[i]);
        if (w < 0 || (size_t)w >= cap - n) {
            if (cap > 4) memcpy(out + cap - 4, "...", 4);
            return;
        }
        n += (size_t)w;
    }
}

static void check_shape(walk *w, const shape *s, const json_t *obj, const char *path);

static void check_choice(walk *w, const char *const *choices, const json_t *v, const char *full, int line)
{
    if (!json_is_string(v)) {
        policy_err(w->e, line, "%s should be a code, not %s", full, type_name(v));
        return;
    }
    if (!policy_code_words(choices, json_string_value(v))) {
        char list[160];
        choices_text(choices, list, sizeof(list));
        policy_err(w->e, line, "%s: '%.40s' is not one of: %s", full, json_string_value(v), list);
    }
}

static void check_period(walk *w, const json_t *v, const char *path, int line)
{
    if (!json_is_object(v)) {
        policy_err(w->e, line, "%s should be a period such as {years: 6}, not %s", path, type_name(v));
        return;
    }
    int before = w->e->count;
    check_shape(w, &s_period, v, path);
    if (w->e->count != before) return;
    json_int_t sum = 0;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) sum += json_integer_value(x);
    if (sum == 0)
        policy_err(w->e, line, "%s must be longer than nothing: give years, months or days above zero", path);
}

static void check_value(walk *w, const field *f, const json_t *v, const char *path, int line)
{
    char sub[192], full[192];
    snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "", f->name);
    switch (f->k) {
    case K_TEXT:
    case K_WORD:
    case K_EMAIL:
    case K_DATE:
    case K_DATE_OR_NULL:
        if (f->k == K_DATE_OR_NULL && json_is_null(v)) return;
        if (!json_is_string(v)) {
            policy_err(w->e, line, "%s should be text, not %s%s", full, type_name(v),
                       json_is_null(v) ? " (give a value or remove the key)" : "");
            return;
        }
        {
            const char *t = json_string_value(v);
            if (is_blank(t))
                policy_err(w->e, line, "%s is empty", full);
            else if (f->k == K_WORD && !is_word(t))
                policy_err(w->e, line, "%s: '%.40s' must be lower-case letters, digits and _ only", full, t);
            else if (f->k == K_EMAIL && !is_email(t))
                policy_err(w->e, line, "%s: '%.60s' is not an e-mail address", full, t);
            else if ((f->k == K_DATE || f->k == K_DATE_OR_NULL)) {
                core_date d;
                if (core_date_parse(t, json_string_length(v), &d))
                    policy_err(w->e, line, "%s: '%.20s' is not a real date written YYYY-MM-DD", full, t);
            }
        }
        return;
    case K_BOOL:
        if (!json_is_boolean(v))
            policy_err(w->e, line, "%s should be true or false, not %s%s", full, type_name(v),
                       json_is_string(v) ? " (yes/no/on/off are not used: write true or false)" : "");
        return;
    case K_INT:
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 200)
            policy_err(w->e, line, "%s should be a whole number from 0 to 200", full);
        return;
    case K_AGE:
        if (json_is_string(v) && strcmp(json_string_value(v), "pregnancy") == 0) return;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 30)
            policy_err(w->e, line, "%s should be pregnancy or an age from 0 to 30", full);
        return;
    case K_LINES:
    case K_CHOICES:
    case K_OBJS:
        if (!json_is_array(v) || json_array_size(v) == 0) {
            policy_err(w->e, line, "%s should be a list of at least one item, not %s", full,
                       json_is_array(v) ? "an empty list" : type_name(v));
            return;
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *x = json_array_get(v, i);
            int xl = policy_lines_get(w->lines, v, NULL, i);
            snprintf(sub, sizeof(sub), "%s%s%s[%zu]", path, *path ? "." : "", f->name, i + 1);
            if (f->k == K_LINES) {
                if (!json_is_string(x) || is_blank(json_string_value(x)))
                    policy_err(w->e, xl, "%s should be text, not %s", sub,
                               json_is_string(x) ? "empty" : type_name(x));
            } else if (f->k == K_CHOICES) {
                check_choice(w, f->choices, x, sub, xl);
            } else if (!json_is_object(x)) {
                policy_err(w->e, xl, "%s should be %s (a mapping of keys), not %s", sub, f->sub->what,
                           type_name(x));
            } else {
                check_shape(w, f->sub, x, sub);
            }
        }
        return;
    case K_CHOICE:
        check_choice(w, f->choices, v, full, line);
        return;
    case K_PERIOD:
        check_period(w, v, full, line);
        return;
    case K_OBJ:
        if (!json_is_object(v))
            policy_err(w->e, line, "%s should be %s (a mapping of keys), not %s", full, f->sub->what,
                       type_name(v));
        else
            check_shape(w, f->sub, v, full);
        return;
    }
}

static void check_shape(walk *w, const shape *s, const json_t *obj, const char *path)
{
    int self = policy_lines_get(w->lines, obj, NULL, POLICY_LINE_SELF);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        const field *f = s->fields;
        while (f->name && strcmp(f->name, k) != 0)
            f++;
        int line = policy_lines_get(w->lines, obj, k, 0);
        if (!f->name) {
            char list[200];
            size_t n = 0;
            list[0] = '\0';
            for (const field *g = s->fields; g->name && n + 1 < sizeof(list); g++) {
                int c = snprintf(list + n, sizeof(list) - n, "%s%s", g == s->fields ? "" : ", ", g->name);
                if (c < 0 || (size_t)c >= sizeof(list) - n) break;
                n += (size_t)c;
            }
            if (*path)
                policy_err(w->e, line, "%s: unknown key '%.40s' (%s has: %s)", path, k, s->what, list);
            else
                policy_err(w->e, line, "unknown key '%.40s' at the top level (the policy has: %s)", k, list);
            continue;
        }
        check_value(w, f, v, path, line);
    }
    for (const field *f = s->fields; f->name; f++)
        if (f->required && !json_object_get(obj, f->name))
            policy_err(w->e, self, "%s%s%s has no '%s'", path, *path ? ": " : "", s->what, f->name);
}

int policy_schema_check(const json_t *doc, const policy_lines *lines, policy_errs *e)
{
    walk w = {lines, e};
    int before = e->count;
    check_shape(&w, &s_top, doc, "");
    return e->count - before;
}
