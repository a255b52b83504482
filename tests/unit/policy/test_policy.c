/*
 * test_policy.c — unit tests for src/policy/: the loader (policy.c, policy_yaml.c, policy_schema.c) and the
 * notice (policy_notice.c).
 *   loading     a small valid policy, every field of the retention classes and holds as policy.h documents
 *               them, the switches, the names of the enums; the five shipped profiles (policy/NAME.yaml)
 * load, Durham's classes in order with their periods and the IICSA hold, Cumbria's agreement switch errors
 * every kind of error, each with its FILE:LINE (found by searching the text for the line the error is about):
 * unknown key, wrong kind, yes/no for a boolean, missing key, a period of nothing, a negative period, an
 * impossible date, a bad code, a code out of its list, codes used twice, the art 9 / Schedule 1 pairing,
 * criminal offence data with art 9, a hold ending before it starts, a YAML syntax error, a key twice,
 * aliases, tags, an empty file, a list at the top, several errors at once, more than POLICY_MAX_ERRORS, an
 * unreadable file, a file too large; err->code and err->hint in each the notice  rendered from the rules
 * (Durham's phrases), a changed period changing the notice, HTML escaping of a hostile label, JSON that
 * parses and carries the policy The shipped profiles are found through HEARTH_SOURCE_ROOT (tests/meson.build
 * sets it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/core_buf.h"
#include "policy/policy.h"
#include "policy/policy_notice.h"

/* A small valid policy. Tests change one line of it (edit()) and look for the error on that line. */
static const char BASE[] = "# a test council\n"
                           "profile: test\n"
                           "service: Early Help\n"
                           "controller:\n"
                           "  name: Test Council\n"
                           "  email: info@test.example.org\n"
                           "dpo:\n"
                           "  name: Data Protection Officer\n"
                           "  email: dpo@test.example.org\n"
                           "ico:\n"
                           "  name: Information Commissioner's Office\n"
                           "  website: ico.org.uk\n"
                           "age_range:\n"
                           "  from: pregnancy\n"
                           "  to: 19\n"
                           "  to_with_disability: 25\n"
                           "data_categories:\n"
                           "  - code: basic\n"
                           "    label: Name and address\n"
                           "    kind: personal\n"
                           "    lawful_bases: [art6_1_e]\n"
                           "  - code: health\n"
                           "    label: Health information\n"
                           "    kind: special\n"
                           "    lawful_bases: [art6_1_e]\n"
                           "    art9_condition: art9_2_h\n"
                           "    dpa_condition: sch1_para_2\n"
                           "sources: [You and your family]\n"
                           "channels: [Face to face]\n"
                           "purposes: [To support you]\n"
                           "recipients: [Schools]\n"
                           "research_shares:\n"
                           "  - code: ons\n"
                           "    recipient: the Office for National Statistics\n"
                           "    purpose: To evaluate the programme.\n"
                           "    fields: [name, date_of_birth]\n"
                           "    pseudonymised: false\n"
                           "    terms: [Used only for research]\n"
                           "    destroyed_after: {years: 5}\n"
                           "    opt_out: tell your lead worker.\n"
                           "retention:\n"
                           "  classes:\n"
                           "    - code: contact_nfa\n"
                           "      label: Contacts with no further action\n"
                           "      records: contact_no_further_action\n"
                           "      trigger: case_closure\n"
                           "      period: {years: 2}\n"
                           "      disposal: destroy\n"
                           "    - code: early_help\n"
                           "      label: Early Help Services\n"
                           "      records: early_help_case\n"
                           "      trigger: end_of_year_of_closure\n"
                           "      period: {years: 6, months: 3}\n"
                           "      disposal: archive\n"
                           "      notice_text: Kept for a while.\n"
                           "  holds:\n"
                           "    - code: IICSA-2015\n"
                           "      reason: An inquiry.\n"
                           "      scope: children\n"
                           "      from: 2015-03-12\n"
                           "      release_after: {years: 6}\n"
                           "    - code: LITIGATION\n"
                           "      reason: A claim.\n"
                           "      scope: all\n"
                           "      from: 2020-01-01\n"
                           "      until: 2021-06-30\n"
                           "      release_after: {days: 30}\n"
                           "rights:\n"
                           "  access: ask for a copy.\n"
                           "  how_to_exercise: Write to us.\n"
                           "automated_decisions: false\n"
                           "assessment_needs_agreement: true\n"
                           "overseas_transfers: None.\n"
                           "marketing: Never.\n"
                           "complaints: Tell us first.\n";

/* The 1-based line of the first line of text that contains needle (0 when none). */
static int line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (!at) return 0;
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* BASE with the first occurrence of `from` replaced by `to` (static storage, one at a time). */
static const char *edit(const char *from, const char *to)
{
    static char out[8192];
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    size_t head = (size_t)(at - BASE), fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
    assert_true(head + tl + rest < sizeof(out));
    memcpy(out, BASE, head);
    memcpy(out + head, to, tl);
    memcpy(out + head + tl, at + fl, rest + 1);
    return out;
}

/* Parse text; expect it refused with an error on `line` whose text contains `words`. */
static void expect_error(const char *text, int line, const char *words)
{
    policy *p = (policy *)1;
    core_error err;
    core_error_clear(&err);
    core_buf all;
    core_buf_init(&all, 1 << 20);
    int rc = policy_parse("t.yaml", text, strlen(text), &p, &err, &all);
    assert_int_equal(rc, CORE_E_INVALID_VALUE);
    assert_int_equal(err.code, CORE_E_INVALID_VALUE);
    assert_null(p);
    assert_true(err.hint[0] != '\0');
    char want[64];
    snprintf(want, sizeof(want), "t.yaml:%d: ", line);
    const char *hit = strstr(all.data, want);
    if (!hit || !strstr(hit, words) || (strchr(hit, '\n') && strstr(hit, words) > strchr(hit, '\n')))
        fail_msg("expected an error at %s mentioning '%s'; got:\n%s", want, words, all.data);
    assert_non_null(strstr(err.detail, "t.yaml:")); /* the detail holds at least the first line */
    core_buf_release(&all);
}

static policy *parse_ok(const char *text)
{
    policy *p = NULL;
    core_error err;
    core_error_clear(&err);
    core_buf all;
    core_buf_init(&all, 1 << 20);
    int rc = policy_parse("t.yaml", text, strlen(text), &p, &err, &all);
    if (rc) fail_msg("expected a valid policy; got:\n%s", all.data);
    core_buf_release(&all);
    assert_non_null(p);
    return p;
}

/* ---- loading ---- */

static void test_base_loads(void **state)
{
    (void)state;
    policy *p = parse_ok(BASE);
    assert_string_equal(p->profile, "test");
    assert_string_equal(p->path, "t.yaml");
    assert_int_equal(p->automated_decisions, 0);
    assert_int_equal(p->assessment_needs_agreement, 1);
    assert_int_equal(p->nclasses, 2);
    const policy_retention_class *c = &p->classes[0];
    assert_string_equal(c->code, "contact_nfa");
    assert_string_equal(c->label, "Contacts with no further action");
    assert_int_equal(c->records, POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION);
    assert_int_equal(c->trigger, POLICY_TRIGGER_CASE_CLOSURE);
    assert_int_equal(c->period.years, 2);
    assert_int_equal(c->period.months, 0);
    assert_int_equal(c->period.days, 0);
    assert_int_equal(c->disposal, POLICY_DISPOSAL_DESTROY);
    assert_null(c->notice_text);
    assert_int_equal(c->line, line_of(BASE, "- code: contact_nfa"));
    c = &p->classes[1];
    assert_int_equal(c->records, POLICY_RECORDS_EARLY_HELP_CASE);
    assert_int_equal(c->trigger, POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE);
    assert_int_equal(c->period.years, 6);
    assert_int_equal(c->period.months, 3);
    assert_int_equal(c->disposal, POLICY_DISPOSAL_ARCHIVE);
    assert_string_equal(c->notice_text, "Kept for a while.");
    assert_int_equal(p->nholds, 2);
    const policy_hold *h = &p->holds[0];
    assert_string_equal(h->code, "IICSA-2015");
    assert_string_equal(h->reason, "An inquiry.");
    assert_int_equal(h->scope, POLICY_HOLD_CHILDREN);
    assert_string_equal(h->from, "2015-03-12");
    assert_null(h->until);
    assert_int_equal(h->release_after.years, 6);
    assert_int_equal(h->line, line_of(BASE, "- code: IICSA-2015"));
    h = &p->holds[1];
    assert_int_equal(h->scope, POLICY_HOLD_ALL);
    assert_string_equal(h->until, "2021-06-30");
    assert_int_equal(h->release_after.days, 30);
    /* the whole file as JSON */
    assert_string_equal(json_string_value(json_object_get(json_object_get(p->doc, "controller"), "name")),
                        "Test Council");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(p->doc, "age_range"), "to")), 19);
    policy_free(p);
    policy_free(NULL);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(policy_records_name(POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION),
                        "contact_no_further_action");
    assert_string_equal(policy_records_name(POLICY_RECORDS_FAMILY_CENTRE_CLIENT), "family_centre_client");
    assert_null(policy_records_name(POLICY_RECORDS_COUNT));
    assert_string_equal(policy_trigger_name(POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE), "end_of_year_of_closure");
    assert_string_equal(policy_trigger_name(POLICY_TRIGGER_PROGRAMME_END), "programme_end");
    assert_null(policy_trigger_name(POLICY_TRIGGER_COUNT));
    assert_string_equal(policy_disposal_name(POLICY_DISPOSAL_REVIEW), "review");
    assert_null(policy_disposal_name((policy_disposal)3));
    assert_string_equal(policy_hold_scope_name(POLICY_HOLD_ALL), "all");
    assert_null(policy_hold_scope_name((policy_hold_scope)2));
    core_arena a = CORE_ARENA_INIT;
    assert_string_equal(policy_period_words(&a, (policy_period){2, 0, 0}), "2 years");
    assert_string_equal(policy_period_words(&a, (policy_period){1, 6, 0}), "1 year and 6 months");
    assert_string_equal(policy_period_words(&a, (policy_period){6, 3, 2}), "6 years, 3 months and 2 days");
    assert_string_equal(policy_period_words(&a, (policy_period){0, 0, 1}), "1 day");
    core_arena_release(&a);
}

static const char *profile_path(const char *name)
{
    static char path[1024];
    const char *root = getenv("HEARTH_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/policy/%s.yaml", root ? root : ".", name);
    return path;
}

static policy *load_profile(const char *name)
{
    policy *p = NULL;
    core_error err;
    core_error_clear(&err);
    if (policy_load(profile_path(name), &p, &err)) fail_msg("%s: %s: %s", name, err.message, err.detail);
    assert_string_equal(p->profile, name);
    return p;
}

static void test_profiles_load(void **state)
{
    (void)state;
    static const char *const names[] = {"durham", "shropshire", "oldham", "cumbria", "northamptonshire"};
    for (size_t i = 0; i < 5; i++) {
        policy *p = load_profile(names[i]);
        assert_true(p->nclasses >= 2);
        assert_int_equal(p->automated_decisions, 0);
        core_buf b;
        core_buf_init(&b, 1 << 20);
        for (int f = POLICY_NOTICE_TEXT; f <= POLICY_NOTICE_JSON; f++) {
            core_buf_reset(&b);
            assert_int_equal(policy_notice_render(p, (policy_notice_format)f, &b, NULL), 0);
            assert_true(b.len > 2000);
        }
        core_buf_release(&b);
        policy_free(p);
    }
}

static void test_durham(void **state)
{
    (void)state;
    policy *p = load_profile("durham");
    assert_int_equal(p->nclasses, 4);
    /* stepped-up before the general Early Help class: the first class that matches wins */
    static const struct {
        policy_records r;
        policy_trigger t;
        int years;
    } want[] = {{POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION, POLICY_TRIGGER_CASE_CLOSURE, 2},
                {POLICY_RECORDS_STEPPED_UP_CASE, POLICY_TRIGGER_DATE_OF_BIRTH, 25},
                {POLICY_RECORDS_SUPPORTING_FAMILIES_CASE, POLICY_TRIGGER_PROGRAMME_END, 6},
                {POLICY_RECORDS_EARLY_HELP_CASE, POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE, 6}};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(p->classes[i].records, want[i].r);
        assert_int_equal(p->classes[i].trigger, want[i].t);
        assert_int_equal(p->classes[i].period.years, want[i].years);
        assert_int_equal(p->classes[i].period.months, 0);
        assert_int_equal(p->classes[i].disposal, POLICY_DISPOSAL_DESTROY);
        assert_true(p->classes[i].line > 0);
    }
    assert_int_equal(p->nholds, 1);
    assert_string_equal(p->holds[0].code, "IICSA-2015");
    assert_int_equal(p->holds[0].scope, POLICY_HOLD_CHILDREN);
    assert_string_equal(p->holds[0].from, "2015-03-12");
    assert_null(p->holds[0].until);
    assert_int_equal(p->holds[0].release_after.years, 6);
    assert_int_equal(p->assessment_needs_agreement, 0);
    policy_free(p);

    p = load_profile("cumbria");
    assert_int_equal(p->assessment_needs_agreement, 1);
    policy_free(p);
    p = load_profile("oldham");
    assert_int_equal(p->automated_decisions, 0);
    policy_free(p);
    p = load_profile("northamptonshire");
    assert_int_equal(p->classes[0].records, POLICY_RECORDS_EARLY_HELP_CASE);
    assert_int_equal(p->classes[0].trigger, POLICY_TRIGGER_DATE_OF_BIRTH);
    assert_int_equal(p->classes[0].period.years, 25);
    assert_int_equal(p->classes[0].disposal, POLICY_DISPOSAL_ARCHIVE);
    assert_int_equal(p->classes[1].records, POLICY_RECORDS_FAMILY_CENTRE_CLIENT);
    assert_int_equal(p->classes[1].trigger, POLICY_TRIGGER_LAST_CONTACT);
    assert_int_equal(p->classes[1].period.years, 6);
    policy_free(p);
}

/* ---- errors, each with its line ---- */

static void test_error_unknown_key(void **state)
{
    (void)state;
    const char *t = edit("  email: info@test.example.org\n", "  emial: info@test.example.org\n");
    expect_error(t, line_of(t, "emial"), "unknown key 'emial'");
    t = edit("      disposal: destroy\n", "      disposal: destroy\n      perod: {years: 1}\n");
    expect_error(t, line_of(t, "perod"), "unknown key 'perod'");
    t = edit("complaints:", "complaint:");
    expect_error(t, line_of(t, "complaint:"), "unknown key 'complaint'");
}

static void test_error_kinds(void **state)
{
    (void)state;
    const char *t = edit("automated_decisions: false", "automated_decisions: no");
    expect_error(t, line_of(t, "automated_decisions"), "true or false");
    t = edit("  to: 19", "  to: nineteen");
    expect_error(t, line_of(t, "nineteen"), "whole number");
    t = edit("  from: pregnancy", "  from: conception");
    expect_error(t, line_of(t, "conception"), "pregnancy or an age");
    t = edit("sources: [You and your family]", "sources: []");
    expect_error(t, line_of(t, "sources"), "at least one");
    t = edit("recipients: [Schools]", "recipients: Schools");
    expect_error(t, line_of(t, "recipients"), "list");
    t = edit("  email: dpo@test.example.org", "  email: dpo at test");
    expect_error(t, line_of(t, "dpo at test"), "not an e-mail address");
    t = edit("service: Early Help", "service:");
    expect_error(t, line_of(t, "service:"), "should be text");
    t = edit("controller:\n  name: Test Council", "controller:\n  name: '  '");
    expect_error(t, line_of(t, "name: '  '"), "empty");
}

static void test_error_missing(void **state)
{
    (void)state;
    const char *t = edit("    - code: contact_nfa\n      label: Contacts with no further action\n",
                         "    - code: contact_nfa\n");
    expect_error(t, line_of(t, "- code: contact_nfa"), "has no 'label'");
    t = edit("marketing: Never.\n", "");
    expect_error(t, line_of(t, "profile: test"), "has no 'marketing'"); /* the top mapping starts there */
    t = edit("dpo:\n  name: Data Protection Officer\n", "dpo:\n");
    expect_error(t, line_of(t, "dpo:"), "has no 'name'");
}

static void test_error_periods(void **state)
{
    (void)state;
    const char *t = edit("period: {years: 2}", "period: {years: 0, months: 0}");
    expect_error(t, line_of(t, "{years: 0"), "longer than nothing");
    t = edit("period: {years: 2}", "period: {years: -2}");
    expect_error(t, line_of(t, "{years: -2"), "whole number from 0");
    t = edit("period: {years: 2}", "period: 2 years");
    expect_error(t, line_of(t, "2 years"), "period such as");
    t = edit("release_after: {years: 6}", "release_after: {}");
    expect_error(t, line_of(t, "release_after: {}"), "longer than nothing");
}

static void test_error_dates(void **state)
{
    (void)state;
    const char *t = edit("from: 2015-03-12", "from: 2015-02-30");
    expect_error(t, line_of(t, "2015-02-30"), "not a real date");
    t = edit("from: 2015-03-12", "from: 12/03/2015");
    expect_error(t, line_of(t, "12/03/2015"), "YYYY-MM-DD");
    t = edit("until: 2021-06-30", "until: 2019-06-30");
    expect_error(t, line_of(t, "2019-06-30"), "before from");
}

static void test_error_codes(void **state)
{
    (void)state;
    const char *t = edit("- code: early_help", "- code: Early-Help");
    expect_error(t, line_of(t, "Early-Help"), "lower-case letters");
    t = edit("- code: early_help", "- code: contact_nfa");
    expect_error(t, line_of(t, "- code: contact_nfa\n      label: Early"), "already used");
    t = edit("records: early_help_case", "records: early_help_cases");
    expect_error(t, line_of(t, "early_help_cases"), "is not one of");
    t = edit("trigger: case_closure", "trigger: closure");
    expect_error(t, line_of(t, "trigger: closure"), "is not one of");
    t = edit("disposal: archive", "disposal: shred");
    expect_error(t, line_of(t, "shred"), "is not one of");
    t = edit("- code: LITIGATION", "- code: INQUIRY");
    expect_error(t, line_of(t, "INQUIRY"), "is not one of");
    t = edit("- code: LITIGATION", "- code: IICSA-2015");
    expect_error(t, line_of(t, "- code: IICSA-2015\n      reason: A claim"), "already used");
    t = edit("scope: all", "scope: adults");
    expect_error(t, line_of(t, "adults"), "is not one of");
    t = edit("lawful_bases: [art6_1_e]", "lawful_bases: [art6_1_e, art6_1_x]");
    expect_error(t, line_of(t, "art6_1_x"), "'art6_1_x' is not one of");
    t = edit("fields: [name, date_of_birth]", "fields: [name, shoe_size]");
    expect_error(t, line_of(t, "shoe_size"), "is not one of");
    t = edit("fields: [name, date_of_birth]", "fields: [name, name]");
    expect_error(t, line_of(t, "fields: [name, name]"), "listed twice");
}

static void test_error_conditions(void **state)
{
    (void)state;
    const char *t = edit("    art9_condition: art9_2_h\n", "");
    expect_error(t, line_of(t, "kind: special"), "needs an art9_condition");
    t = edit("    dpa_condition: sch1_para_2\n", "");
    expect_error(t, line_of(t, "art9_condition: art9_2_h"), "needs a dpa_condition");
    t = edit("    kind: personal\n", "    kind: personal\n    art9_condition: art9_2_h\n");
    expect_error(t, line_of(t, "art9_condition: art9_2_h"), "takes no art9_condition");
    t = edit("    kind: special\n", "    kind: criminal_offence\n");
    expect_error(t, line_of(t, "art9_condition"), "Article 10, not Article 9");
    t = edit("    kind: personal\n", "    kind: criminal_offence\n");
    expect_error(t, line_of(t, "kind: criminal_offence"), "needs a dpa_condition");
    t = edit("    art9_condition: art9_2_h\n    dpa_condition: sch1_para_2\n",
             "    art9_condition: art9_2_a\n");
    policy_free(parse_ok(t)); /* explicit consent needs no Schedule 1 condition */
    t = edit("  to: 19", "  to: 12\n  from_x: 1");
    expect_error(t, line_of(t, "from_x"), "unknown key");
    t = edit("  to_with_disability: 25", "  to_with_disability: 18");
    expect_error(t, line_of(t, "to_with_disability"), "below to");
    t = edit("  email: dpo@test.example.org\n", "");
    expect_error(t, line_of(t, "dpo:"), "at least one way to reach");
    t = edit("    destroyed_after: {years: 5}\n",
             "    destroyed_after: {years: 5}\n    destroyed_when: later\n");
    expect_error(t, line_of(t, "destroyed_when"), "not both");
}

static void test_error_yaml(void **state)
{
    (void)state;
    const char *t = edit("service: Early Help\n", "service: Early Help\nservice: Again\n");
    expect_error(t, line_of(t, "service: Again"), "appears twice");
    t = edit("  name: Test Council\n", "  name: [Test Council\n");
    expect_error(t, line_of(t, "  email: info@"), "not valid YAML");
    t = edit("    label: Name and address\n", "   label: Name and address\n");
    expect_error(t, line_of(t, "   label: Name"), "not valid YAML");
    t = edit("profile: test\n", "profile: &p test\n");
    expect_error(t, line_of(t, "&p"), "anchors");
    t = edit("  name: Test Council\n", "  name: *p\n");
    expect_error(t, line_of(t, "*p"), "aliases");
    t = edit("profile: test\n", "profile: &p test\nother: *p\n");
    expect_error(t, line_of(t, "&p"), "anchors");
    t = edit("profile: test\n", "profile: !!str test\n");
    expect_error(t, line_of(t, "!!str"), "tags");
    expect_error("", 1, "empty");
    expect_error("# only a comment\n", 1, "empty");
    expect_error("- a\n- b\n", 1, "mapping of keys");
    expect_error("just text\n", 1, "mapping of keys");
    t = edit("complaints: Tell us first.\n", "complaints: Tell us first.\n---\nprofile: x\n");
    expect_error(t, line_of(t, "---"), "one document");
    expect_error("a:\n  ? [x]\n  : y\n", 2, "key must be a word");
    /* nesting past the limit */
    char deep[600];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "a: ");
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    for (int i = 0; i < 40; i++)
        deep[n++] = ']';
    deep[n++] = '\n';
    deep[n] = '\0';
    expect_error(deep, 1, "nested more than");
    /* text that is not UTF-8 */
    expect_error("profile: \"\\xff\"\nservice: x\n", 1, "");
}

static void test_error_many(void **state)
{
    (void)state;
    /* three errors on three lines: all three reported, in the detail too */
    const char *t = "profile: Test\nservice: 1\nautomated_decisions: yes\n";
    policy *p = NULL;
    core_error err;
    core_error_clear(&err);
    core_buf all;
    core_buf_init(&all, 1 << 20);
    assert_int_equal(policy_parse("t.yaml", t, strlen(t), &p, &err, &all), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(all.data, "t.yaml:1: profile"));
    assert_non_null(strstr(all.data, "t.yaml:2: service"));
    assert_non_null(strstr(all.data, "t.yaml:3: automated_decisions"));
    assert_non_null(strstr(err.detail, "t.yaml:1: profile"));
    /* in file order, though the missing keys (line 1) were found after the wrong kinds */
    assert_true(strstr(all.data, "t.yaml:1: profile") < strstr(all.data, "t.yaml:2: service"));
    assert_true(strstr(all.data, "t.yaml:1: the policy has no 'controller'") < strstr(all.data, "t.yaml:2: "));
    assert_true(strstr(all.data, "t.yaml:2: service") < strstr(all.data, "t.yaml:3: automated_decisions"));
    assert_non_null(strstr(err.message, "not valid"));
    core_buf_release(&all);

    /* forty unknown keys: POLICY_MAX_ERRORS lines, then a count of the rest */
    core_buf big;
    core_buf_init(&big, 1 << 20);
    core_buf_adds(&big, BASE);
    for (int i = 0; i < 40; i++)
        core_buf_addf(&big, "extra_%d: x\n", i);
    core_buf_init(&all, 1 << 20);
    core_error_clear(&err);
    assert_int_equal(policy_parse("t.yaml", big.data, big.len, &p, &err, &all), CORE_E_INVALID_VALUE);
    int lines = 0;
    for (const char *s = all.data; *s; s++)
        lines += *s == '\n';
    assert_int_equal(lines, POLICY_MAX_ERRORS + 1);
    assert_non_null(strstr(all.data, "20 more errors not shown"));
    assert_non_null(strstr(err.message, "40 errors"));
    assert_non_null(strstr(err.detail, "more)"));
    assert_true(strlen(err.detail) < sizeof(err.detail));
    core_buf_release(&all);
    core_buf_release(&big);
}

static void test_error_files(void **state)
{
    (void)state;
    policy *p = (policy *)1;
    core_error err;
    core_error_clear(&err);
    assert_int_equal(policy_load("/nonexistent/policy.yaml", &p, &err), CORE_E_IO);
    assert_null(p);
    assert_non_null(strstr(err.detail, "/nonexistent/policy.yaml"));
    assert_true(err.hint[0] != '\0');
    assert_int_equal(policy_load("/", &p, &err), CORE_E_IO); /* a directory */
    /* too large: refused unread */
    size_t n = POLICY_MAX_BYTES + 10;
    char *big = malloc(n);
    memset(big, '#', n);
    core_error_clear(&err);
    assert_int_equal(policy_parse("big.yaml", big, n, &p, &err, NULL), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "big.yaml:1: the file is larger"));
    free(big);
}

/* ---- the notice ---- */

static char *render(policy *p, policy_notice_format f)
{
    core_buf b;
    core_buf_init(&b, 1 << 22);
    assert_int_equal(policy_notice_render(p, f, &b, NULL), 0);
    char *s = core_buf_detach(&b, NULL);
    core_buf_release(&b);
    return s;
}

/* The text with runs of white space made one space. */
static char *flat(char *s)
{
    size_t j = 0;
    for (size_t i = 0; s[i]; i++) {
        int ws = s[i] == ' ' || s[i] == '\n';
        if (ws && j > 0 && s[j - 1] == ' ') continue;
        s[j++] = ws ? ' ' : s[i];
    }
    s[j] = '\0';
    return s;
}

static void test_notice_rules(void **state)
{
    (void)state;
    policy *p = load_profile("durham");
    char *t = flat(render(p, POLICY_NOTICE_TEXT));
    assert_non_null(strstr(t, "Kept for 2 years from the date the case is closed"));
    assert_non_null(strstr(t, "Kept until 25 years from the child's date of birth"));
    assert_non_null(strstr(t, "Kept for 6 years plus the current year from the date the case is closed"));
    assert_non_null(strstr(t, "plus 6 years after it ends"));
    assert_non_null(strstr(t, "Since 12 March 2015, records about children are not destroyed"));
    assert_non_null(strstr(t, "until 6 years after this ends"));
    assert_non_null(strstr(t, "The data is destroyed after 5 years."));
    assert_non_null(strstr(t, "every decision about you and your family is made by a person"));
    assert_null(strstr(t, "only starts with your agreement"));
    free(t);
    policy_free(p);

    p = parse_ok(BASE);
    t = flat(render(p, POLICY_NOTICE_TEXT));
    assert_non_null(strstr(t, "Early Help Services: Kept for a while.")); /* notice_text wins */
    assert_non_null(strstr(t, "only starts with your agreement"));
    assert_non_null(strstr(t, "From 1 January 2020 to 30 June 2021, records were not destroyed"));
    assert_non_null(strstr(t, "from pregnancy until the young person is 19, and until 25"));
    free(t);
    policy_free(p);
}

static void test_notice_follows_period(void **state)
{
    (void)state;
    policy *p = parse_ok(BASE);
    char *before = flat(render(p, POLICY_NOTICE_TEXT));
    policy_free(p);
    p = parse_ok(edit("period: {years: 2}", "period: {years: 3, months: 1}"));
    char *after = flat(render(p, POLICY_NOTICE_TEXT));
    policy_free(p);
    assert_non_null(strstr(before, "Kept for 2 years from the date the case is closed"));
    assert_null(strstr(after, "Kept for 2 years"));
    assert_non_null(strstr(after, "Kept for 3 years and 1 month from the date the case is closed"));
    free(before);
    free(after);
}

static void test_notice_html_escaped(void **state)
{
    (void)state;
    policy *p =
        parse_ok(edit("label: Name and address", "label: \"<script>alert('x')</script> & \\\"more\\\"\""));
    char *h = render(p, POLICY_NOTICE_HTML);
    assert_null(strstr(h, "<script>"));
    assert_non_null(strstr(h, "&lt;script&gt;alert("));
    assert_non_null(strstr(h, "&amp;"));
    assert_non_null(strstr(h, "<!doctype html>"));
    free(h);
    char *j = render(p, POLICY_NOTICE_JSON);
    json_error_t e;
    json_t *doc = json_loads(j, 0, &e);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "profile")), "test");
    assert_true(json_array_size(json_object_get(doc, "sections")) > 5);
    assert_non_null(json_object_get(json_object_get(doc, "policy"), "retention"));
    json_decref(doc);
    free(j);
    policy_free(p);
    policy_notice_format f;
    assert_int_equal(policy_notice_format_parse("html", &f), 0);
    assert_int_equal(f, POLICY_NOTICE_HTML);
    assert_int_equal(policy_notice_format_parse("pdf", &f), -1);
    assert_int_equal(policy_notice_format_parse(NULL, &f), -1);
    assert_non_null(strstr(policy_notice_content_type(POLICY_NOTICE_HTML), "text/html"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_loads),          cmocka_unit_test(test_names),
        cmocka_unit_test(test_profiles_load),       cmocka_unit_test(test_durham),
        cmocka_unit_test(test_error_unknown_key),   cmocka_unit_test(test_error_kinds),
        cmocka_unit_test(test_error_missing),       cmocka_unit_test(test_error_periods),
        cmocka_unit_test(test_error_dates),         cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_error_conditions),    cmocka_unit_test(test_error_yaml),
        cmocka_unit_test(test_error_many),          cmocka_unit_test(test_error_files),
        cmocka_unit_test(test_notice_rules),        cmocka_unit_test(test_notice_follows_period),
        cmocka_unit_test(test_notice_html_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
