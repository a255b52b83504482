/*
 * cli_retention_run.c — `hearth retention run --db PATH --plan ID [--policy FILE] [--confirm]`: carry out an
 * approved retention plan (docs/retention.md, "Running a plan").
 *
 * Only a plan governance approved runs, under the very policy file it was made with (its digest is checked).
 * Before anything goes, the plan is worked out again as of today: a record held since the approval (a legal
 * hold placed, a data-subject request opened) or no longer due is left alone and counted. Each remaining row
 * whose action is dispose is then, by its class's disposal, destroyed (src/gov/gov_dispose.c: its personal
 * data removed everywhere, a disposal record kept) or archived (archived_on: out of working lists). A dry run
 * unless --confirm: then it only says what would happen. Each record is its own transaction, so an
 * interrupted run keeps what it finished, and running it again goes on from there (records already destroyed
 * or archived are counted, not repeated); once every row is done the plan is marked run. Each disposal is on
 * the audit trail (action dispose or archive, with the disposal reference); the certificate of each is
 * GET /api/v1/disposals/{id}. A run carried out also deletes the files background jobs kept that are past
 * their time (jobs_files_expire: src/jobs/README.md), so nothing outlives its retention for want of a server.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "jobs/jobs.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "gov/gov.h"
#include "retention/retention.h"

enum { PAGE = 500 };

/* A record's action in the plan worked out again today: sorted by (table, id) for lookup. */
typedef struct fresh_row {
    char table; /* 'c', 'e', 'f' */
    int64_t id;
    retention_action action;
} fresh_row;

typedef struct fresh {
    fresh_row *v;
    size_t n, cap;
} fresh;

static int fresh_add(void *ctx, const retention_row *r, core_error *err)
{
    (void)err;
    fresh *f = ctx;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->v = core_xrealloc(f->v, f->cap * sizeof(*f->v));
    }
    f->v[f->n++] = (fresh_row){r->record_table[0], r->record_id, r->action};
    return 0;
}

static int fresh_cmp(const void *x, const void *y)
{
    const fresh_row *a = x, *b = y;
    if (a->table != b->table)
        return a->table < b->table ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The record's action today, or -1 when the fresh plan no longer covers it. */
static int fresh_action(const fresh *f, const char *table, int64_t id)
{
    fresh_row key = {table[0], id, RETENTION_KEEP};
    fresh_row *hit = bsearch(&key, f->v, f->n, sizeof(*f->v), fresh_cmp);
    return hit ? (int)hit->action : -1;
}

typedef cli_retention_counts run_counts;

/* The event of a disposal: after its commit into the trail (the command line), or, without a trail (a job
 * process: src/jobs/), into the audit outbox inside the disposal's own transaction, for the server's audit
 * writer to move into the chain; *outbox_high the highest outbox row written. detail is consumed. */
static int record(cli_db *d, const cli_retention_run_opts *o, const char *action, const char *table, int64_t id,
                  json_t *detail, int64_t *outbox_high, core_error *err)
{
    if (d->trail)
        return cli_db_record(d, action, table, id, detail, err);
    json_object_set_new(detail, "via", json_string("job"));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    audit_event ev = {o->actor, NULL, action, table, id, text, NULL};
    int64_t row = 0;
    int rc = audit_outbox_add(d->s, &ev, &row, err);
    free(text);
    if (rc == 0 && row > *outbox_high)
        *outbox_high = row;
    return rc;
}

/* One row: destroy or archive it (dry: inside a transaction rolled back). */
static int one(cli_db *d, const cli_retention_run_opts *o, const retention_plan_info *plan,
               const retention_saved_row *r, run_counts *c, int64_t *outbox_high, core_error *err)
{
    int confirm = o->confirm;
    core_arena a = CORE_ARENA_INIT;
    int archive = r->disposal && strcmp(r->disposal, "archive") == 0;
    gov_disposal g = {.kind = "retention",
                      .record_table = r->record_table,
                      .record_id = r->record_id,
                      .record_class = r->record_class,
                      .reason = core_arena_printf(&a, "due %s under %s", r->due_date ? r->due_date : "?",
                                                  r->record_class),
                      .plan_id = plan->id,
                      .approved_by = plan->approved_by};
    gov_disposal_result res = {0};
    int archived = 0;
    int rc = store_begin(d->s, err);
    if (rc == 0)
        rc = archive ? gov_archive(d->s, &a, r->record_table, r->record_id, &archived, err)
                     : gov_dispose(d->s, &a, &g, 0, &res, err);
    if (rc == CORE_E_NOT_FOUND || (rc == 0 && archive && !archived)) { /* done by an earlier run (or with its family) */
        store_rollback(d->s);
        c->already++;
        core_arena_release(&a);
        core_error_clear(err);
        return 0;
    }
    json_t *detail = rc == 0 && confirm ? json_pack("{s:I,s:s,s:s?}", "plan_id", (json_int_t)plan->id, "class",
                                                    r->record_class, "disposal", archive ? NULL : res.reference)
                                        : NULL;
    if (rc == 0 && confirm && !d->trail) /* a job: the event in the disposal's own transaction */
        rc = record(d, o, archive ? "archive" : "dispose", r->record_table, r->record_id, detail, outbox_high, err);
    if (rc == 0 && confirm)
        rc = store_commit(d->s, err);
    else
        store_rollback(d->s);
    if (rc == 0) {
        if (archive) {
            c->archived++;
        } else {
            c->destroyed++;
            c->rows_removed += (uint64_t)res.rows;
        }
        if (confirm && d->trail) /* the command line: into the trail once committed */
            rc = record(d, o, archive ? "archive" : "dispose", r->record_table, r->record_id, detail, outbox_high,
                        err);
        if (rc == 0 && confirm && o->out && !archive)
            fprintf(o->out, "%s  %s %" PRId64 "  %s  %" PRId64 " rows\n", res.reference, r->record_table,
                    r->record_id, r->record_class, res.rows);
        else if (rc == 0 && confirm && o->out)
            fprintf(o->out, "archived  %s %" PRId64 "  %s\n", r->record_table, r->record_id, r->record_class);
    } else if (d->trail) {
        json_decref(detail);
    }
    core_arena_release(&a);
    return rc;
}

int cli_retention_carry_out(cli_db *d, const policy *pol, const cli_retention_run_opts *o,
                            cli_retention_counts *c, int64_t *outbox_high, core_error *err)
{
    int64_t plan_id = o->plan_id;
    int rc = 0;
    retention_plan_info plan;
    char today[11];
    core_clock_today(today);
    fresh f = {0};
    memset(c, 0, sizeof *c);
    *outbox_high = 0;
    rc = retention_plan_runnable(d->s, &d->arena, pol, plan_id, &plan, err);
    if (rc == 0) /* the plan again, as of today: holds placed since, and records no longer due, are spared */
        rc = retention_plan_build(d->s, pol, today, fresh_add, &f, NULL, err);
    if (rc == 0)
        qsort(f.v, f.n, sizeof(*f.v), fresh_cmp);
    uint64_t total = rc == 0 ? (uint64_t)plan.dispose : 0;
    if (rc == 0 && o->progress)
        o->progress(o->progress_ctx, "disposing", 0, total);
    for (int64_t after = 0; rc == 0;) {
        retention_saved_row *rows;
        size_t n = 0;
        core_arena page = CORE_ARENA_INIT;
        rc = retention_plan_rows(d->s, &page, plan_id, after, PAGE, "dispose", &rows, &n, err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            c->due++;
            if (fresh_action(&f, rows[i].record_table, rows[i].record_id) != RETENTION_DISPOSE)
                c->held_since++;
            else
                rc = one(d, o, &plan, &rows[i], c, outbox_high, err);
            if (rc == 0 && o->progress) /* between records: each is its own transaction */
                o->progress(o->progress_ctx, "disposing", c->due, total);
        }
        if (n)
            after = rows[n - 1].row_id;
        core_arena_release(&page);
        if (n < PAGE)
            break;
    }
    if (rc == 0 && o->confirm && c->held_since == 0) /* every row done: the plan has run */
        rc = retention_plan_mark_run(d->s, &d->arena, plan_id, 0, err);
    int64_t gone = 0; /* the files jobs kept, past their time (src/jobs/README.md): deleted by every run */
    if (rc == 0 && o->confirm)
        rc = jobs_files_expire(d->s, &gone, err);
    c->job_outputs_deleted = (uint64_t)gone;
    free(f.v);
    return rc;
}

int cli_retention_run(int argc, char **argv)
{
    const char *db = NULL, *policy_path = NULL, *plan_arg = NULL;
    int confirm = 0;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"plan", required_argument, NULL, 'p'},
                                         {"policy", required_argument, NULL, 'P'},
                                         {"confirm", no_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'p': plan_arg = optarg; break;
        case 'P': policy_path = optarg; break;
        case 'c': confirm = 1; break;
        default: return CLI_USAGE;
        }
    }
    int64_t plan_id = 0;
    if (!db || !plan_arg || optind != argc || core_parse_int64(plan_arg, strlen(plan_arg), 1, INT64_MAX, &plan_id)) {
        fprintf(stderr, "hearth retention run: --db PATH and --plan ID are required (see --help)\n");
        return CLI_USAGE;
    }
    policy *pol = NULL;
    if (cli_policy_open(policy_path, &pol) != CLI_OK)
        return CLI_FAIL;
    core_error err;
    core_error_clear(&err);
    if (!pol) {
        core_error_set(&err, CORE_E_USAGE, "no policy file: the plan runs under the policy it was made with");
        core_error_hint(&err, "give it with --policy FILE");
        cli_print_error(&err);
        return CLI_FAIL;
    }
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        policy_free(pol);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    cli_retention_run_opts o = {.plan_id = plan_id, .confirm = confirm, .out = stdout};
    run_counts c;
    int64_t outbox_high = 0;
    if (cli_retention_carry_out(&d, pol, &o, &c, &outbox_high, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    fprintf(stderr,
            "hearth retention run: plan %" PRId64 "%s: %" PRIu64 " due for disposal; %s %" PRIu64 " destroyed (%" PRIu64
            " rows removed), %" PRIu64 " archived; %" PRIu64 " done before; %" PRIu64 " spared (held or no longer due "
            "today); %" PRIu64 " expired job files deleted\n",
            plan_id, confirm ? "" : " (dry run: nothing changed; --confirm to carry it out)", c.due,
            confirm ? "" : "would be", c.destroyed, c.rows_removed, c.archived, c.already, c.held_since,
            c.job_outputs_deleted);
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    policy_free(pol);
    return status;
}
