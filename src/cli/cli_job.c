/*
 * cli_job.c — `hearth job run`: the process a server's job worker starts to run one job (src/jobs/README.md).
 *
 * The worker has claimed the job (state running) and gives this process the job's id, a pipe on descriptor
 * JOBS_CHILD_FD for its messages and a memory limit. It reads the job's parameters, runs the kind's work with
 * the module that owns it, sends progress at the work's progress points (where a cancel stops it), and ends
 * with one result or error line. It never writes the job row: the worker does (jobs.h, J1). Whatever ends
 * this process early — out of memory, a crash — ends only it (J3).
 *
 * The kinds, in one table: link_run — pindex_run over {"dataset": NAME} or the index, {"review_only": bool}
 * from the council's policy as the request found it; retention_run — an approved retention plan
 * {"plan_id", "confirm", "policy": the server's policy file} carried out as `hearth retention run` does
 * (cli_retention_run.c), its events through the audit outbox (the server's audit writer owns the trail);
 * sar_pack, annex_a, research_extract and partner_import — the kinds that make a file, kept as the job's output
 * (cli_job_files.c; an import's file is its input).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core_parse.h"
#include "jobs/jobs.h"
#include "pindex/pindex.h"
#include "policy/policy.h"

/* A link run: the engine over the index (and a dataset); the run's counts are the result. */
static int run_link(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                    core_error *err)
{
    store *s = j->s;
    int64_t user_id = j->user_id;
    const json_t *ds = json_object_get(params, "dataset");
    if (ds && !json_is_string(ds) && !json_is_null(ds))
        return core_error_set(err, CORE_E_WRONG_TYPE, "the link run's dataset is not text");
    const char *dataset = json_is_string(ds) ? json_string_value(ds) : NULL;
    pindex_run_options o = {.dataset = dataset,
                            .user_id = user_id,
                            .progress = jobs_child_progress,
                            .review_only = json_is_true(json_object_get(params, "review_only"))};
    pindex_run_counts c;
    int rc = pindex_run(s, &o, &c, err);
    if (rc)
        return rc;
    *result = json_pack("{s:I,s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "id", (json_int_t)c.run_id, "kind",
                        dataset ? "dataset" : "index", "dataset", dataset, "model_id", (json_int_t)c.model_id,
                        "people", (json_int_t)c.people, "records", (json_int_t)c.records, "candidate_pairs",
                        (json_int_t)c.candidates, "linked", (json_int_t)c.linked, "queued", (json_int_t)c.queued,
                        "kept", (json_int_t)c.kept, "seconds", c.seconds);
    snprintf(ref, refcap, "link_run/%" PRId64, c.run_id);
    return *result ? 0 : core_error_set(err, CORE_E_INTERNAL, "out of memory");
}

/* A retention run: an approved plan carried out (or tried, dry) under the policy file the server loaded, as
 * `hearth retention run` does; each disposal's event in the audit outbox with the disposal, for the server's
 * audit writer (outbox_high in the result says how far). */
static int run_retention(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                         core_error *err)
{
    store *s = j->s;
    int64_t user_id = j->user_id;
    const json_t *plan = json_object_get(params, "plan_id"), *path = json_object_get(params, "policy");
    if (!json_is_integer(plan) || json_integer_value(plan) < 1 || !json_is_string(path))
        return core_error_set(err, CORE_E_INVALID_VALUE, "a retention run needs plan_id and policy");
    policy *pol = NULL;
    int rc = policy_load(json_string_value(path), &pol, err);
    if (rc) {
        core_error_hint(err, "the server's policy file could not be read again: restart it with --policy FILE");
        return rc;
    }
    cli_db d = {.s = s, .trail = NULL, .arena = CORE_ARENA_INIT};
    cli_retention_run_opts o = {.plan_id = json_integer_value(plan),
                                .confirm = json_is_true(json_object_get(params, "confirm")),
                                .actor = user_id,
                                .progress = jobs_child_progress};
    cli_retention_counts c;
    int64_t high = 0;
    rc = cli_retention_carry_out(&d, pol, &o, &c, &high, err);
    core_arena_release(&d.arena);
    policy_free(pol);
    if (rc)
        return rc;
    *result = json_pack("{s:I,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "plan_id", (json_int_t)o.plan_id, "confirm",
                        o.confirm, "due", (json_int_t)c.due, "destroyed", (json_int_t)c.destroyed, "rows_removed",
                        (json_int_t)c.rows_removed, "archived", (json_int_t)c.archived, "done_before",
                        (json_int_t)c.already, "spared", (json_int_t)c.held_since, "outbox_high", (json_int_t)high,
                        "job_outputs_deleted", (json_int_t)c.job_outputs_deleted);
    snprintf(ref, refcap, "retention_plan/%" PRId64, o.plan_id);
    return *result ? 0 : core_error_set(err, CORE_E_INTERNAL, "out of memory");
}

static const struct job_kind {
    const char *kind;
    int (*run)(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
               core_error *err);
} kinds[] = {
    {"link_run", run_link},
    {"retention_run", run_retention},
    {"sar_pack", cli_job_sar_pack},
    {"annex_a", cli_job_annex_a},
    {"research_extract", cli_job_research_extract},
    {"partner_import", cli_job_import},
};

/* The kinds `hearth serve` runs, NULL-terminated (jobs_runner_config.kinds). */
const char *const cli_job_kinds[] = {"link_run", "retention_run", "sar_pack", "annex_a", "research_extract",
                                     "partner_import", NULL};

int cli_job_run(int argc, char **argv)
{
    const char *db = NULL;
    int64_t id = 0;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"job", required_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'j':
            if (core_parse_int64(optarg, strlen(optarg), 1, INT64_MAX, &id)) {
                fprintf(stderr, "hearth job run: --job is a job's id\n");
                return CLI_USAGE;
            }
            break;
        default: return CLI_USAGE;
        }
    }
    if (!db || !id || optind != argc) {
        fprintf(stderr, "hearth job run: --db PATH and --job ID are required\n");
        return CLI_USAGE;
    }
    jobs_child_init(JOBS_CHILD_FD);
    core_error err;
    core_error_clear(&err);
    store *s = NULL;
    json_t *job = NULL, *result = NULL;
    char ref[128] = "";
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = jobs_get(s, id, &job, &err);
    const char *state = json_string_value(json_object_get(job, "state"));
    const char *kind = json_string_value(json_object_get(job, "kind"));
    if (rc == 0 && (!state || strcmp(state, "running") != 0))
        rc = core_error_set(&err, CORE_E_CONFLICT, "job %" PRId64 " is %s, not running", id,
                            state ? state : "unknown");
    const struct job_kind *k = NULL;
    for (size_t i = 0; rc == 0 && kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            k = &kinds[i];
    if (rc == 0 && !k)
        rc = core_error_set(&err, CORE_E_INVALID_VALUE, "there is no kind of job named %s", kind ? kind : "");
    if (rc == 0) {
        cli_job_ctx j = {.s = s, .db = db, .job = id,
                         .user_id = json_integer_value(json_object_get(job, "created_by"))};
        rc = k->run(&j, json_object_get(job, "params"), &result, ref, sizeof ref, &err);
    }
    int sent = rc == 0 ? jobs_child_result(result, ref[0] ? ref : NULL) : jobs_child_error(&err);
    if (rc)
        cli_print_error(&err);
    json_decref(result);
    json_decref(job);
    if (s)
        store_close(s);
    return sent == 0 ? CLI_OK : CLI_FAIL;
}
