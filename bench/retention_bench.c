/*
 * retention_bench.c — the retention plan over a large synthetic database, timed against a plain scan of the
 * same tables in the same process (bench/README.md, `bench/retention`).
 *
 * usage: retention-bench --db PATH [--families N] [--rounds R]
 *
 * When PATH does not exist it is created, migrated and filled with N families (default 260000) of invented
 * records by SQL alone (deterministic arithmetic, no randomness): per family about 3.6 people, 2 episodes (a
 * quarter of them Supporting Families, one in eight stepped up, one in twenty open), 1.8 contacts (two thirds
 * decided nfa or advice, a fifth of those referred), and an activity. That is about a million records for the
 * plan at the default. Then, R times (default 3): the reference (every row of each table the plan reads,
 * stepped through the store with `SELECT * FROM t`, and `SELECT count(*)` of each), and the plan under a
 * Durham-shaped policy built in C (with the IICSA standing hold, so every record's hold is looked up). Prints
 * each time and the ratio plan / scan.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "core/core_parse.h"
#include "retention/retention.h"

/* The synthetic council, made by SQL alone: $1 is the number of families. Dates come from the row number by
 * fixed arithmetic so that every run builds the same data. */
static const char SQL_FILL[] =
    "INSERT INTO agency (id, name, agency_type, created_at, updated_at)\n"
    "VALUES (1, 'Bench council', 'local_authority', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');\n"
    "INSERT INTO team (id, name, agency_id, kind, created_at, updated_at)\n"
    "VALUES (1, 'Bench team', 1, 'early_help', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');\n"
    "INSERT INTO family (id, name, created_at, updated_at)\n"
    "  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT v FROM bench_size))\n"
    "  SELECT i, 'Family ' || i, '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z' FROM n;\n"
    /* 3 or 4 people per family: a parent and two or three children. Person id = family * 4 + k. */
    "INSERT INTO person (id, given_name, date_of_birth, created_at, updated_at)\n"
    "  SELECT f.id * 4 + k.k, 'P', CASE k.k WHEN 0 THEN date('1975-01-01', '+' || (f.id % 7300) || ' days')\n"
    "                                  ELSE date('2002-01-01', '+' || ((f.id * 37 + k.k * 911) % 7300) || ' days') END,\n"
    "         '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z'\n"
    "    FROM family f, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k\n"
    "   WHERE k.k < 3 OR f.id % 5 < 3;\n"
    "INSERT INTO family_member (family_id, person_id, role, created_at, updated_at)\n"
    "  SELECT id / 4, id, CASE id % 4 WHEN 0 THEN 'parent' WHEN 3 THEN 'other_adult' ELSE 'child' END,\n"
    "         '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z' FROM person;\n"
    /* Two episodes per family. */
    "INSERT INTO episode (id, family_id, start_date, end_date, owning_team_id, programme_id, programme_end,\n"
    "                     closure_reason, created_at, updated_at)\n"
    "  SELECT f.id * 2 + e.e, f.id, date('2012-01-01', '+' || ((f.id * 13 + e.e * 400) % 4000) || ' days'),\n"
    "         CASE WHEN (f.id + e.e) % 20 = 0 THEN NULL\n"
    "              ELSE date('2012-06-01', '+' || ((f.id * 13 + e.e * 400) % 4000 + 200) || ' days') END,\n"
    "         1, CASE WHEN (f.id + e.e) % 4 = 1 THEN 'SF' || f.id END,\n"
    "         CASE WHEN (f.id + e.e) % 4 = 1 AND (f.id + e.e) % 20 <> 0\n"
    "              THEN date('2013-01-01', '+' || ((f.id * 13) % 4000) || ' days') END,\n"
    "         CASE WHEN (f.id + e.e) % 20 = 0 THEN NULL WHEN (f.id + e.e) % 8 = 3 THEN 'stepped_up'\n"
    "              ELSE 'needs_met' END,\n"
    "         '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z'\n"
    "    FROM family f, (SELECT 0 AS e UNION ALL SELECT 1) e;\n"
    "INSERT INTO activity (episode_id, activity_type, name, attended_on, created_at, updated_at)\n"
    "  SELECT id, 'group', 'Stay and play', start_date, '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z'\n"
    "    FROM episode WHERE id % 2 = 0;\n"
    /* 1 or 2 contacts per family. */
    "INSERT INTO contact (id, received_on, channel, contactor_type, source_code, reason, family_id, decision,\n"
    "                     decision_date, created_at, updated_at)\n"
    "  SELECT f.id * 2 + c.c, date('2011-01-01', '+' || ((f.id * 17 + c.c * 300) % 5000) || ' days'), 'phone',\n"
    "         'professional', '1A', 'bench', f.id,\n"
    "         CASE (f.id + c.c) % 6 WHEN 0 THEN 'nfa' WHEN 1 THEN 'advice' WHEN 2 THEN 'nfa' WHEN 3 THEN 'advice'\n"
    "                               WHEN 4 THEN 'early_help' ELSE 'step_up' END,\n"
    "         date('2011-01-08', '+' || ((f.id * 17 + c.c * 300) % 5000) || ' days'),\n"
    "         '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z'\n"
    "    FROM family f, (SELECT 0 AS c UNION ALL SELECT 1) c\n"
    "   WHERE c.c = 0 OR f.id % 5 <> 0;\n"
    "INSERT INTO contact_child (contact_id, person_id, created_at, updated_at)\n"
    "  SELECT id, family_id * 4 + 1, '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z' FROM contact;\n"
    "INSERT INTO referral (family_id, contact_id, referred_on, referrer_type, reasons, created_at, updated_at)\n"
    "  SELECT family_id, id, decision_date, 'professional', 'bench', '2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z'\n"
    "    FROM contact WHERE decision NOT IN ('nfa', 'advice') OR id % 5 = 0;\n"
    "INSERT INTO legal_hold (reason, scope_table, scope_id, from_date, created_at, updated_at)\n"
    "  SELECT 'LITIGATION', 'person', id, '2020-01-01', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'\n"
    "    FROM person WHERE id % 1000 = 1;\n";

/* The tables the plan reads: the reference scans them. */
static const char *const SCANS[] = {
    "SELECT * FROM person",        "SELECT * FROM family_member", "SELECT * FROM family",
    "SELECT * FROM episode",       "SELECT * FROM contact",       "SELECT * FROM contact_child",
    "SELECT * FROM referral",      "SELECT * FROM activity",      "SELECT * FROM legal_hold",
};
static const char *const COUNTS[] = {
    "SELECT count(*) FROM person",        "SELECT count(*) FROM family_member", "SELECT count(*) FROM family",
    "SELECT count(*) FROM episode",       "SELECT count(*) FROM contact",       "SELECT count(*) FROM contact_child",
    "SELECT count(*) FROM referral",      "SELECT count(*) FROM activity",      "SELECT count(*) FROM legal_hold",
};

/* Durham's classes, in the order its policy lists them (policy/durham.yaml), and the IICSA standing hold. */
static const policy_retention_class CLASSES[] = {
    {.code = "contact_nfa", .records = POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION,
     .trigger = POLICY_TRIGGER_CASE_CLOSURE, .period = {2, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "stepped_up", .records = POLICY_RECORDS_STEPPED_UP_CASE, .trigger = POLICY_TRIGGER_DATE_OF_BIRTH,
     .period = {25, 0, 0}, .disposal = POLICY_DISPOSAL_REVIEW},
    {.code = "supporting_families", .records = POLICY_RECORDS_SUPPORTING_FAMILIES_CASE,
     .trigger = POLICY_TRIGGER_PROGRAMME_END, .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "early_help", .records = POLICY_RECORDS_EARLY_HELP_CASE,
     .trigger = POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE, .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_DESTROY},
    {.code = "family_centre", .records = POLICY_RECORDS_FAMILY_CENTRE_CLIENT, .trigger = POLICY_TRIGGER_LAST_CONTACT,
     .period = {6, 0, 0}, .disposal = POLICY_DISPOSAL_ARCHIVE},
};
static const policy_hold HOLDS[] = {
    {.code = "IICSA-2015", .scope = POLICY_HOLD_CHILDREN, .from = "2015-06-23", .until = "2022-10-20",
     .release_after = {6, 0, 0}},
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count_row(void *ctx, const retention_row *r, core_error *err)
{
    (void)r;
    (void)err;
    ++*(uint64_t *)ctx;
    return 0;
}

static int die(const core_error *err)
{
    fprintf(stderr, "retention-bench: %s: %s\n", err->message, err->detail);
    return 1;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    int64_t families = 260000, rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--db") == 0)
            db = argv[i + 1];
        else if (strcmp(argv[i], "--families") == 0 &&
                 core_parse_int64(argv[i + 1], strlen(argv[i + 1]), 1, 10000000, &families) == 0)
            ;
        else if (strcmp(argv[i], "--rounds") == 0 &&
                 core_parse_int64(argv[i + 1], strlen(argv[i + 1]), 1, 100, &rounds) == 0)
            ;
        else
            db = NULL, i = argc;
    }
    if (!db || argc % 2 == 0) {
        fprintf(stderr, "usage: retention-bench --db PATH [--families N] [--rounds R]\n");
        return 2;
    }
    core_error err;
    core_error_clear(&err);
    int fresh = access(db, F_OK) != 0;
    store *s;
    if (store_open(&s, db, &err) || store_migrate(s, &err))
        return die(&err);
    core_arena a = CORE_ARENA_INIT;
    if (fresh) {
        double t0 = now_s();
        char size[64];
        snprintf(size, sizeof size, "CREATE TEMP TABLE bench_size AS SELECT %lld AS v", (long long)families);
        if (store_exec_script(s, "PRAGMA synchronous = OFF", &err) || store_exec_script(s, size, &err) ||
            store_begin(s, &err) || store_exec_script(s, SQL_FILL, &err) || store_commit(s, &err) ||
            store_exec_script(s, "ANALYZE", &err))
            return die(&err);
        printf("built %s: %lld families in %.1f s\n", db, (long long)families, now_s() - t0);
    }
    int64_t rows = 0, n;
    for (size_t i = 0; i < sizeof COUNTS / sizeof COUNTS[0]; i++) {
        if (store_query_int(s, &a, COUNTS[i], NULL, 0, &n, &err))
            return die(&err);
        printf("  %-40s %lld\n", COUNTS[i], (long long)n);
        rows += n;
    }
    core_arena_reset(&a);
    policy p = {.profile = "bench", .classes = CLASSES, .nclasses = sizeof CLASSES / sizeof CLASSES[0],
                .holds = HOLDS, .nholds = sizeof HOLDS / sizeof HOLDS[0]};
    printf("round  count(*) s  scan s   plan s   plan rows  plan/scan\n");
    double best_plan = 1e9, best_scan = 1e9;
    for (int64_t r = 1; r <= rounds; r++) {
        double t0 = now_s();
        for (size_t i = 0; i < sizeof COUNTS / sizeof COUNTS[0]; i++)
            if (store_query_int(s, &a, COUNTS[i], NULL, 0, &n, &err))
                return die(&err);
        double t1 = now_s();
        uint64_t scanned = 0;
        for (size_t i = 0; i < sizeof SCANS / sizeof SCANS[0]; i++) {
            store_stmt *st;
            int rc = store_query(s, &a, SCANS[i], NULL, 0, &st, &err);
            while (rc == 0 && (rc = store_next(st, &err)) == 1) {
                scanned++;
                rc = 0;
            }
            if (rc < 0)
                return die(&err);
        }
        core_arena_reset(&a);
        double t2 = now_s();
        uint64_t planned = 0;
        retention_summary sum;
        if (retention_plan_build(s, &p, "2026-11-23", count_row, &planned, &sum, &err))
            return die(&err);
        double t3 = now_s();
        printf("%5lld  %10.3f  %7.3f  %7.3f  %10llu  %9.2f\n", (long long)r, t1 - t0, t2 - t1, t3 - t2,
               (unsigned long long)planned, (t3 - t2) / (t2 - t1));
        if (t3 - t2 < best_plan)
            best_plan = t3 - t2;
        if (t2 - t1 < best_scan)
            best_scan = t2 - t1;
        if (r == rounds)
            printf("plan: %llu rows: keep %llu, review %llu, dispose %llu, held %llu\n",
                   (unsigned long long)sum.rows, (unsigned long long)sum.by_action[RETENTION_KEEP],
                   (unsigned long long)sum.by_action[RETENTION_REVIEW],
                   (unsigned long long)sum.by_action[RETENTION_DISPOSE], (unsigned long long)sum.held);
    }
    printf("best: plan %.3f s over %lld stored rows, scan %.3f s: plan/scan %.2f\n", best_plan, (long long)rows,
           best_scan, best_plan / best_scan);
    core_arena_release(&a);
    store_close(s);
    return 0;
}
