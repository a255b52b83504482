/*
 * test_retention_plan.c — the retention plan over a small invented council, with policies built in C
 * (src/retention/retention.h, docs/retention.md), and legal holds on single records.
 *
 * The fixture (all invented):
 *   people   1 child 2010-02-28; 2 child 2012-02-29; 3 parent 1985-05-05; 4 'other_adult' born 2008-06-01
 *            (a child by age); 5 'sibling' born 1999-01-01 (a child by role); 6 contact child 2015-01-01;
 *            7 parent with no date of birth
 *   families 1 {1,2,3,4}; 2 {3,5}; 3 {7}
 *   contacts 1 nfa decided 2020-03-10 about 6, no family; 2 advice 2024-06-15 family 1 referred (not NFA);
 *            3 early_help; 4 nfa decided 2019-01-05 family 2 about 1; 5 undecided
 *   episodes 1 fam 1 2020-01-10..2021-07-31; 2 fam 1 2022-01-01..2023-03-01 stepped_up;
 *            3 fam 2 2018-05-01..2019-12-31 programme SF1 ended 2020-06-30; 4 fam 3 open since 2024-01-01;
 *            5 fam 2 2019-01-01..2019-06-30 programme SF2 still current
 *   activity episode 1 on 2021-05-05; episode 4 on 2024-02-02
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "../test_tmpdb.h"
#include "core/core_buf.h"
#include "retention/retention.h"

#define T0 "'2026-11-01T09:00:00Z'"

static const char SEED[] =
    "INSERT INTO agency (id, name, agency_type, created_at, updated_at) VALUES (1, 'Council', 'local_authority', "
    T0 ", " T0 ");"
    "INSERT INTO team (id, name, agency_id, kind, created_at, updated_at) VALUES (1, 'EH', 1, 'early_help', " T0
    ", " T0 ");"
    "INSERT INTO person (id, given_name, date_of_birth, created_at, updated_at) VALUES"
    " (1, 'Amy', '2010-02-28', " T0 ", " T0 "), (2, 'Ben', '2012-02-29', " T0 ", " T0 "),"
    " (3, 'Cat', '1985-05-05', " T0 ", " T0 "), (4, 'Dan', '2008-06-01', " T0 ", " T0 "),"
    " (5, 'Eli', '1999-01-01', " T0 ", " T0 "), (6, 'Eve', '2015-01-01', " T0 ", " T0 "),"
    " (7, 'Fay', NULL, " T0 ", " T0 ");"
    "INSERT INTO family (id, name, created_at, updated_at) VALUES (1, 'F1', " T0 ", " T0 "), (2, 'F2', " T0 ", " T0
    "), (3, 'F3', " T0 ", " T0 ");"
    "INSERT INTO family_member (family_id, person_id, role, created_at, updated_at) VALUES"
    " (1, 1, 'child', " T0 ", " T0 "), (1, 2, 'child', " T0 ", " T0 "), (1, 3, 'parent', " T0 ", " T0 "),"
    " (1, 4, 'other_adult', " T0 ", " T0 "), (2, 3, 'parent', " T0 ", " T0 "), (2, 5, 'sibling', " T0 ", " T0 "),"
    " (3, 7, 'parent', " T0 ", " T0 ");"
    "INSERT INTO contact (id, received_on, channel, contactor_type, source_code, reason, family_id, decision,"
    " decision_date, created_at, updated_at) VALUES"
    " (1, '2020-03-01', 'phone', 'professional', '1A', 'r', NULL, 'nfa', '2020-03-10', " T0 ", " T0 "),"
    " (2, '2024-06-01', 'phone', 'professional', '1A', 'r', 1, 'advice', '2024-06-15', " T0 ", " T0 "),"
    " (3, '2024-07-01', 'phone', 'professional', '1A', 'r', 1, 'early_help', '2024-07-02', " T0 ", " T0 "),"
    " (4, '2019-01-01', 'phone', 'professional', '1A', 'r', 2, 'nfa', '2019-01-05', " T0 ", " T0 "),"
    " (5, '2026-10-01', 'phone', 'professional', '1A', 'r', NULL, NULL, NULL, " T0 ", " T0 ");"
    "INSERT INTO contact_child (contact_id, person_id, created_at, updated_at) VALUES"
    " (1, 6, " T0 ", " T0 "), (4, 1, " T0 ", " T0 ");"
    "INSERT INTO referral (id, family_id, contact_id, referred_on, referrer_type, reasons, created_at, updated_at)"
    " VALUES (1, 1, 2, '2024-06-15', 'professional', 'r', " T0 ", " T0 ");"
    "INSERT INTO episode (id, family_id, start_date, end_date, owning_team_id, programme_id, programme_end,"
    " closure_reason, created_at, updated_at) VALUES"
    " (1, 1, '2020-01-10', '2021-07-31', 1, NULL, NULL, 'needs_met', " T0 ", " T0 "),"
    " (2, 1, '2022-01-01', '2023-03-01', 1, NULL, NULL, 'stepped_up', " T0 ", " T0 "),"
    " (3, 2, '2018-05-01', '2019-12-31', 1, 'SF1', '2020-06-30', 'needs_met', " T0 ", " T0 "),"
    " (4, 3, '2024-01-01', NULL, 1, NULL, NULL, NULL, " T0 ", " T0 "),"
    " (5, 2, '2019-01-01', '2019-06-30', 1, 'SF2', NULL, 'needs_met', " T0 ", " T0 ");"
    "INSERT INTO activity (episode_id, activity_type, name, attended_on, created_at, updated_at) VALUES"
    " (1, 'group', 'Stay and play', '2021-05-05', " T0 ", " T0 "),"
    " (4, 'group', 'Stay and play', '2024-02-02', " T0 ", " T0 ");";

static const policy_retention_class CLASSES[] = {
    {.code = "nfa", .records = POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION, .trigger = POLICY_TRIGGER_CASE_CLOSURE,
     .period = {2, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "stepped", .records = POLICY_RECORDS_STEPPED_UP_CASE, .trigger = POLICY_TRIGGER_DATE_OF_BIRTH,
     .period = {25, 0, 0}, .disposal = POLICY_DISPOSAL_REVIEW},
    {.code = "sf", .records = POLICY_RECORDS_SUPPORTING_FAMILIES_CASE, .trigger = POLICY_TRIGGER_PROGRAMME_END,
     .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_ARCHIVE},
    {.code = "eh", .records = POLICY_RECORDS_EARLY_HELP_CASE, .trigger = POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE,
     .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "fc", .records = POLICY_RECORDS_FAMILY_CENTRE_CLIENT, .trigger = POLICY_TRIGGER_LAST_CONTACT,
     .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "eh_again", .records = POLICY_RECORDS_EARLY_HELP_CASE, .trigger = POLICY_TRIGGER_CASE_CLOSURE,
     .period = {1, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
};

typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
    core_error err;
    policy p;
    policy_hold holds[1];
    core_buf out; /* the plan's rows, one per line */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp) || store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err) ||
        store_exec_script(f->s, SEED, &f->err))
        return -1;
    f->p.profile = "test";
    f->p.classes = CLASSES;
    f->p.nclasses = sizeof CLASSES / sizeof CLASSES[0];
    core_buf_init(&f->out, 1 << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_buf_release(&f->out);
    core_arena_release(&f->a);
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}

static int collect(void *ctx, const retention_row *r, core_error *err)
{
    (void)err;
    core_buf *b = ctx;
    char t[CORE_DATE_ISO_SIZE] = "", d[CORE_DATE_ISO_SIZE] = "";
    if (core_date_ok(r->trigger_date))
        core_date_format(r->trigger_date, t);
    if (core_date_ok(r->due_date))
        core_date_format(r->due_date, d);
    core_buf_addf(b, "%s,%s,%lld,", r->cls->code, r->record_table, (long long)r->record_id);
    if (r->person_id)
        core_buf_addf(b, "%lld", (long long)r->person_id);
    core_buf_addch(b, ',');
    if (r->family_id)
        core_buf_addf(b, "%lld", (long long)r->family_id);
    core_buf_addf(b, ",%s,%s,%s,%s\n", t, d, retention_action_name(r->action), r->hold ? r->hold : "");
    return 0;
}

static const char *plan(fixture *f, const char *as_of, retention_summary *sum)
{
    core_buf_reset(&f->out);
    assert_ok(retention_plan_build(f->s, &f->p, as_of, collect, &f->out, sum, &f->err), f->err);
    assert_true(core_buf_ok(&f->out));
    return f->out.data ? f->out.data : "";
}

static void test_classes_triggers_actions(void **state)
{
    fixture *f = *state;
    retention_summary sum;
    const char *got = plan(f, "2027-01-01", &sum);
    const char *want =
        "nfa,contact,1,,,2020-03-10,2022-03-10,dispose,\n"
        "nfa,contact,4,,2,2019-01-05,2021-01-05,dispose,\n"
        /* the latest child's birthday: person 2, 29 Feb 2012 + 25 years = 28 Feb 2037 */
        "stepped,episode,2,2,1,2012-02-29,2037-02-28,keep,\n"
        "sf,episode,3,,2,2020-06-30,2026-06-30,dispose,\n"
        "sf,episode,5,,2,,,keep,\n"  /* programme still current */
        "eh,episode,1,,1,2021-12-31,2027-12-31,keep,\n"
        "eh,episode,4,,3,,,keep,\n"  /* open */
        "fc,family,1,,1,2024-07-01,2030-07-01,keep,\n"
        "fc,family,3,,3,,,keep,\n";  /* open episode */
    assert_string_equal(got, want);
    assert_int_equal(sum.rows, 9);
    assert_int_equal(sum.by_action[RETENTION_DISPOSE], 3);
    assert_int_equal(sum.by_action[RETENTION_KEEP], 6);
    /* due on the day itself: dispose; the day before: keep */
    got = plan(f, "2026-06-30", NULL);
    assert_non_null(strstr(got, "sf,episode,3,,2,2020-06-30,2026-06-30,dispose,\n"));
    got = plan(f, "2026-06-29", NULL);
    assert_non_null(strstr(got, "sf,episode,3,,2,2020-06-30,2026-06-30,keep,\n"));
}

static void test_review_and_age_based_child(void **state)
{
    fixture *f = *state;
    /* Without persons 1 and 2, person 4 ('other_adult') is family 1's only child: by age, 13 on the episode's
     * start (2022-01-01). */
    assert_ok(store_exec_script(f->s, "DELETE FROM family_member WHERE person_id IN (1, 2)", &f->err), f->err);
    const char *got = plan(f, "2040-01-01", NULL);
    assert_non_null(strstr(got, "stepped,episode,2,4,1,2008-06-01,2033-06-01,review,\n"));
    /* A record starting on their 18th birthday: no longer a child, so no child at all and no trigger date. */
    assert_ok(store_exec_script(f->s, "UPDATE episode SET start_date = '2026-06-01' WHERE id = 2", &f->err), f->err);
    got = plan(f, "2040-01-01", NULL);
    assert_non_null(strstr(got, "stepped,episode,2,,1,,,keep,\n"));
    assert_ok(store_exec_script(f->s, "UPDATE episode SET start_date = '2026-05-31' WHERE id = 2", &f->err), f->err);
    got = plan(f, "2040-01-01", NULL);
    assert_non_null(strstr(got, "stepped,episode,2,4,1,2008-06-01,2033-06-01,review,\n"));
}

static void test_policy_hold(void **state)
{
    fixture *f = *state;
    f->holds[0] = (policy_hold){.code = "IICSA-2015", .scope = POLICY_HOLD_CHILDREN, .from = "2015-06-23",
                                .until = "2020-01-01", .release_after = {6, 0, 0}};
    f->p.holds = f->holds;
    f->p.nholds = 1;
    retention_summary sum;
    /* In force until 2020-01-01 + 6 years = 2026-01-01 (not on it). */
    const char *got = plan(f, "2025-12-31", &sum);
    assert_non_null(strstr(got, "nfa,contact,1,,,2020-03-10,2022-03-10,keep,IICSA-2015\n"));
    assert_non_null(strstr(got, "nfa,contact,4,,2,2019-01-05,2021-01-05,keep,IICSA-2015\n"));
    /* family 2 has a 'sibling'; family 3 has no child */
    assert_non_null(strstr(got, "sf,episode,5,,2,,,keep,IICSA-2015\n"));
    assert_non_null(strstr(got, "eh,episode,4,,3,,,keep,\n"));
    assert_non_null(strstr(got, "fc,family,3,,3,,,keep,\n"));
    assert_int_equal(sum.by_action[RETENTION_DISPOSE], 0);
    got = plan(f, "2026-01-01", NULL);
    assert_non_null(strstr(got, "nfa,contact,1,,,2020-03-10,2022-03-10,dispose,\n"));
    /* Standing (no until): in force whatever the date. */
    f->holds[0].until = NULL;
    got = plan(f, "2090-01-01", &sum);
    assert_non_null(strstr(got, "nfa,contact,1,,,2020-03-10,2022-03-10,keep,IICSA-2015\n"));
    assert_non_null(strstr(got, "fc,family,3,,3,,,keep,\n"));
    /* Scope all: every record. */
    f->holds[0].scope = POLICY_HOLD_ALL;
    got = plan(f, "2026-01-01", NULL);
    assert_non_null(strstr(got, "fc,family,3,,3,,,keep,IICSA-2015\n"));
    /* Not yet begun. */
    f->holds[0].from = "2030-01-01";
    got = plan(f, "2026-01-01", NULL);
    assert_null(strstr(got, "IICSA-2015"));
}

static void test_record_holds(void **state)
{
    fixture *f = *state;
    int64_t id1, id2, id3, id4;
    /* A person hold on the contact child 6; a family hold on family 2; a hold on episode 1 ended 2026-12-01;
     * a later person hold on parent 3 (families 1 and 2). */
    assert_ok(retention_hold_add(f->s, &f->a, "LITIGATION", "person", 6, "2020-01-01", "claim", 0, &id1, &f->err),
              f->err);
    assert_ok(retention_hold_add(f->s, &f->a, "SAR-OPEN", "family", 2, "2020-01-01", NULL, 0, &id2, &f->err),
              f->err);
    assert_ok(retention_hold_add(f->s, &f->a, "FUTURE-INQUIRY", "episode", 1, "2020-01-01", NULL, 0, &id3, &f->err),
              f->err);
    assert_ok(retention_hold_add(f->s, &f->a, "LITIGATION", "person", 3, "2027-06-01", NULL, 0, &id4, &f->err),
              f->err);
    assert_ok(store_begin(f->s, &f->err), f->err);
    assert_ok(retention_hold_end(f->s, &f->a, id3, "2026-12-01", 1, 0, &f->err), f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);

    const char *got = plan(f, "2026-11-30", NULL);
    assert_non_null(strstr(got, "nfa,contact,1,,,2020-03-10,2022-03-10,keep,LITIGATION\n"));
    assert_non_null(strstr(got, "nfa,contact,4,,2,2019-01-05,2021-01-05,keep,SAR-OPEN\n"));
    assert_non_null(strstr(got, "sf,episode,3,,2,2020-06-30,2026-06-30,keep,SAR-OPEN\n"));
    assert_non_null(strstr(got, "eh,episode,1,,1,2021-12-31,2027-12-31,keep,FUTURE-INQUIRY\n"));
    assert_non_null(strstr(got, "fc,family,1,,1,2024-07-01,2030-07-01,keep,\n")); /* an episode hold is not the family's */
    /* The episode hold ended on 2026-12-01: not in force that day. */
    got = plan(f, "2026-12-01", NULL);
    assert_non_null(strstr(got, "eh,episode,1,,1,2021-12-31,2027-12-31,keep,\n"));
    /* From 2027-06-01 the person hold on 3 covers families 1 and 2 and their episodes; on family 2's records
     * the family hold (lower id) is shown. Contact 4 names child 1 only: not covered by 3's hold. */
    got = plan(f, "2027-06-01", NULL);
    assert_non_null(strstr(got, "eh,episode,1,,1,2021-12-31,2027-12-31,keep,LITIGATION\n"));
    assert_non_null(strstr(got, "fc,family,1,,1,2024-07-01,2030-07-01,keep,LITIGATION\n"));
    assert_non_null(strstr(got, "sf,episode,3,,2,2020-06-30,2026-06-30,keep,SAR-OPEN\n"));
    assert_non_null(strstr(got, "eh,episode,4,,3,,,keep,\n"));

    /* The hold functions' checks. */
    int64_t id;
    assert_int_equal(retention_hold_add(f->s, &f->a, "NOPE", "person", 6, NULL, NULL, 0, &id, &f->err),
                     CORE_E_INVALID_CODE);
    assert_int_equal(retention_hold_add(f->s, &f->a, "LITIGATION", "referral", 1, NULL, NULL, 0, &id, &f->err),
                     CORE_E_INVALID_VALUE);
    assert_int_equal(retention_hold_add(f->s, &f->a, "LITIGATION", "person", 999, NULL, NULL, 0, &id, &f->err),
                     CORE_E_NOT_FOUND);
    assert_int_equal(retention_hold_add(f->s, &f->a, "LITIGATION", "person", 6, "2026-02-30", NULL, 0, &id, &f->err),
                     CORE_E_INVALID_DATE);
    assert_int_equal(retention_hold_end(f->s, &f->a, id3, "2027-01-01", 0, 0, &f->err), CORE_E_CONFLICT);
    assert_int_equal(retention_hold_end(f->s, &f->a, id1, "2019-01-01", 0, 0, &f->err), CORE_E_INVALID_VALUE);
    assert_int_equal(retention_hold_end(f->s, &f->a, id1, "2027-01-01", 7, 0, &f->err), CORE_E_STALE);
    assert_int_equal(retention_hold_end(f->s, &f->a, 999, "2027-01-01", 0, 0, &f->err), CORE_E_NOT_FOUND);

    retention_hold h;
    assert_ok(retention_hold_get(f->s, &f->a, id3, &h, &f->err), f->err);
    assert_string_equal(h.until_date, "2026-12-01");
    assert_int_equal(h.version, 2);
    int64_t hist = 0;
    assert_ok(store_query_int(f->s, &f->a,
                              "SELECT count(*) FROM row_history WHERE table_name = 'legal_hold' AND row_id = $1",
                              (store_value[]){store_v_int(id3)}, 1, &hist, &f->err),
              f->err);
    assert_int_equal(hist, 1);
    retention_hold *list;
    size_t n;
    assert_ok(retention_hold_list(f->s, &f->a, 0, 100, 1, &list, &n, &f->err), f->err);
    assert_int_equal(n, 3);
    assert_ok(retention_hold_list(f->s, &f->a, id1, 2, 0, &list, &n, &f->err), f->err);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, id2);
    assert_string_equal(list[0].scope_table, "family");
}

static void test_first_class_wins(void **state)
{
    fixture *f = *state;
    /* eh_again never gets a row: eh comes first. Swap them and eh_again takes episodes 1 and 4. */
    const char *got = plan(f, "2027-01-01", NULL);
    assert_null(strstr(got, "eh_again"));
    policy_retention_class swapped[6];
    memcpy(swapped, CLASSES, sizeof swapped);
    swapped[3] = CLASSES[5];
    swapped[5] = CLASSES[3];
    f->p.classes = swapped;
    got = plan(f, "2027-01-01", NULL);
    assert_non_null(strstr(got, "eh_again,episode,1,,1,2021-07-31,2022-07-31,dispose,\n"));
    assert_null(strstr(got, "eh,episode"));
    f->p.classes = CLASSES;
}

static void test_errors_and_periods(void **state)
{
    fixture *f = *state;
    assert_int_equal(retention_plan_build(f->s, &f->p, "2026-02-30", collect, &f->out, NULL, &f->err),
                     CORE_E_INVALID_DATE);
    assert_int_equal(retention_plan_build(f->s, &f->p, "yesterday", collect, &f->out, NULL, &f->err),
                     CORE_E_INVALID_DATE);
    policy_retention_class bad = CLASSES[0];
    bad.trigger = POLICY_TRIGGER_PROGRAMME_END;
    policy p = f->p;
    p.classes = &bad;
    p.nclasses = 1;
    assert_int_equal(retention_plan_build(f->s, &p, "2026-01-01", collect, &f->out, NULL, &f->err),
                     CORE_E_INVALID_VALUE);

    core_date d;
    char s[CORE_DATE_ISO_SIZE];
    struct {
        const char *from;
        policy_period p;
        const char *want;
    } cases[] = {
        {"2024-02-29", {1, 0, 0}, "2025-02-28"}, {"2024-02-29", {4, 0, 0}, "2028-02-29"},
        {"2025-01-31", {0, 1, 1}, "2025-03-01"}, {"2020-01-31", {1, 1, 0}, "2021-02-28"},
        {"2021-12-31", {6, 0, 0}, "2027-12-31"}, {"2019-03-31", {0, 0, 400}, "2020-05-04"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(core_date_parse(cases[i].from, 10, &d), 0);
        core_date_format(retention_period_add(d, cases[i].p), s);
        assert_string_equal(s, cases[i].want);
    }
}

static int csv_row(void *ctx, const retention_row *r, core_error *err)
{
    (void)err;
    retention_row_csv(r, ctx);
    return 0;
}

static void test_save_and_approve(void **state)
{
    fixture *f = *state;
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO app_user (id, username, display_name, role, password_hash, created_at,"
                                " updated_at) VALUES (5, 'gov.a', 'A', 'governance', 'x', " T0 ", " T0 "),"
                                " (6, 'gov.b', 'B', 'governance', 'x', " T0 ", " T0 ")",
                                &f->err),
              f->err);
    core_buf csv;
    core_buf_init(&csv, 1 << 20);
    core_buf_adds(&csv, retention_csv_header);
    retention_summary sum;
    int64_t id = 0;
    char digest[RETENTION_DIGEST_HEX];
    assert_ok(retention_plan_save(f->s, &f->p, "policy-digest", "2027-01-01", 5, csv_row, &csv, &sum, &id, digest,
                                  &f->err),
              f->err);
    /* The rows digest is BLAKE2b-256 of the CSV exactly as written. */
    unsigned char h[32];
    char want[RETENTION_DIGEST_HEX];
    crypto_generichash(h, sizeof h, (const unsigned char *)csv.data, csv.len, NULL, 0);
    sodium_bin2hex(want, sizeof want, h, sizeof h);
    assert_string_equal(digest, want);
    retention_plan_info info;
    assert_ok(retention_plan_get(f->s, &f->a, id, &info, &f->err), f->err);
    assert_string_equal(info.state, "draft");
    assert_int_equal(info.row_count, 9);
    assert_int_equal(info.keep + info.review + info.dispose, 9);
    assert_int_equal(info.dispose, 3);
    assert_string_equal(info.policy_profile, "test");

    assert_int_equal(retention_plan_approve(f->s, &f->a, id, digest, 5, &f->err), CORE_E_CONFLICT); /* four eyes */
    assert_int_equal(retention_plan_approve(f->s, &f->a, id, "00", 6, &f->err), CORE_E_INVALID_VALUE);
    assert_ok(retention_plan_approve(f->s, &f->a, id, digest, 6, &f->err), f->err);
    assert_ok(retention_plan_get(f->s, &f->a, id, &info, &f->err), f->err);
    assert_string_equal(info.state, "approved");
    assert_int_equal(info.approved_by, 6);
    assert_int_equal(retention_plan_approve(f->s, &f->a, id, digest, 6, &f->err), CORE_E_CONFLICT);
    assert_int_equal(retention_plan_get(f->s, &f->a, id + 1, &info, &f->err), CORE_E_NOT_FOUND);
    /* A failed save keeps nothing. */
    int64_t before = 0, after = 0;
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM retention_plan_row", NULL, 0, &before, &f->err),
              f->err);
    assert_int_equal(retention_plan_save(f->s, &f->p, "d", "2027-02-30", 5, NULL, NULL, NULL, &id, NULL, &f->err),
                     CORE_E_INVALID_DATE);
    policy_retention_class bad = CLASSES[0];
    bad.trigger = POLICY_TRIGGER_PROGRAMME_END;
    policy p = f->p;
    p.classes = &bad;
    p.nclasses = 1;
    assert_int_equal(retention_plan_save(f->s, &p, "d", "2027-01-01", 5, NULL, NULL, NULL, &id, NULL, &f->err),
                     CORE_E_INVALID_VALUE);
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM retention_plan_row", NULL, 0, &after, &f->err),
              f->err);
    assert_int_equal(before, after);
    assert_ok(store_query_int(f->s, &f->a, "SELECT count(*) FROM retention_plan", NULL, 0, &after, &f->err), f->err);
    assert_int_equal(after, 1);
    core_buf_release(&csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_classes_triggers_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_and_age_based_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_class_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_and_periods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_and_approve, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
