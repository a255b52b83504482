/*
 * cli.h — the `hearth` command: one table of commands, each with its own --help.
 *
 * Exit status: 0 success; 1 the command ran and the answer is "no" or it failed (e.g. an invalid
 * identifier, a database error); 2 usage error (unknown command or option, missing argument).
 */
#ifndef HEARTH_CLI_H
#define HEARTH_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_command {
    const char *name;      /* "check", "user add" */
    const char *summary;   /* one line for `hearth --help` */
    const char *usage;     /* full --help text */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cli_main(int argc, char **argv);

/* Print an error in the house shape to stderr. */
void cli_print_error(const core_error *err);
/* Parse a command whose only option is --db PATH; returns the path, or NULL after printing a usage message
 * naming the command. */
const char *cli_db_only(int argc, char **argv, const char *command);
/* 1 when argv has -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Options shared by a family of commands (cli_opts.c): one getopt_long table whose val is a letter; each command
 * names the letters it takes and those it needs. set is called for each option given (arg NULL for a flag) and
 * returns 0, or nonzero after printing what is wrong. 0, or CLI_USAGE after a message naming the command and the
 * option (unknown, not taken, missing value, required, an argument left over). */
struct option;
typedef int (*cli_opt_set)(int c, const char *arg, void *ctx, const char *command);
int cli_parse_opts(int argc, char **argv, const char *command, const struct option *table, const char *takes,
                   const char *needs, cli_opt_set set, void *ctx);
/* The long name of the option whose letter is c in table, or "?". */
const char *cli_opt_name(const struct option *table, int c);
/* arg as an integer 1..max into *out; else CLI_USAGE after "--NAME must be a positive id" (max INT64_MAX) or
 * "--NAME must be 1..max". */
int cli_opt_id(const char *command, const struct option *table, int c, const char *arg, int64_t max,
               int64_t *out);

/* A database opened by a command that changes it: the store, migrated, and its audit trail, so that the
 * change is recorded like any change made through the API. The command line acts as the system: actor 0, no
 * role, detail {"via":"cli", ...}. */
typedef struct cli_db {
    store *s;
    audit *trail;
    core_arena arena;
} cli_db;

/* Open and migrate the database at path and open its audit trail (creating the audit keys beside it when
 * absent). On failure everything opened is closed again. */
int cli_db_open(cli_db *d, const char *path, core_error *err);
/* Record a committed change in the audit trail and wait until it is durable. detail is a JSON object (may be
 * NULL) and is consumed; "via":"cli" is added to it. */
int cli_db_record(cli_db *d, const char *action, const char *table, int64_t id, json_t *detail, core_error *err);
/* Close the audit trail (final checkpoint) and the store. Returns 0 or the audit trail's error. */
int cli_db_close(cli_db *d, core_error *err);

/* A file or directory the program ships with, given relative to the source tree ("policy/durham.yaml"):
 * found in the working directory, else beside the program's build directory (BUILD_DIR/../RELATIVE). A heap
 * copy of the path the caller frees, or NULL when it is in neither place. */
char *cli_find_default(const char *relative);

struct policy;
/* The council's policy for a command: path, or without one the default (policy/durham.yaml in the working
 * directory, else beside the program's source tree); *out NULL when there is none. CLI_FAIL after printing
 * every FILE:LINE error when it does not load. The caller frees *out with policy_free(). */
int cli_policy_open(const char *path, struct policy **out);

int cli_check(int argc, char **argv);
int cli_policy_check(int argc, char **argv);
int cli_notice(int argc, char **argv);
int cli_audit_verify(int argc, char **argv);
int cli_audit_anchor(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_user_add(int argc, char **argv);
int cli_user_disable(int argc, char **argv);
int cli_user_enable(int argc, char **argv);
int cli_user_reset(int argc, char **argv);
int cli_user_role(int argc, char **argv);
int cli_user_recovery_codes(int argc, char **argv);
int cli_token_add(int argc, char **argv);
int cli_token_list(int argc, char **argv);
int cli_token_revoke(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_demo_partners(int argc, char **argv);
int cli_link_dedupe(int argc, char **argv);
int cli_link_pair(int argc, char **argv);
int cli_link_synth(int argc, char **argv);
int cli_link_index(int argc, char **argv);
/* Carrying out an approved retention plan (cli_retention_run.c), for `hearth retention run` and the job
 * retention_run. Each record is its own transaction; its event goes into the trail after the commit when
 * d->trail is set (the command line, actor 0, via cli), else into the audit outbox inside the transaction (a job
 * process, actor o->actor, via job), *outbox_high the highest outbox row written. progress (may be NULL) is
 * called between records. 0 or the error, *c counting what was done either way. */
typedef struct cli_retention_counts {
    uint64_t due, destroyed, archived, already, held_since, rows_removed;
    uint64_t job_outputs_deleted; /* carried out: the expired files of jobs deleted (jobs_files_expire) */
} cli_retention_counts;
typedef struct cli_retention_run_opts {
    int64_t plan_id;
    int confirm;      /* 0: a dry run (each disposal rolled back) */
    int64_t actor;    /* who asked (a job's asker); 0: the system */
    FILE *out;        /* a line per disposal, or NULL */
    void (*progress)(void *ctx, const char *stage, uint64_t done, uint64_t total);
    void *progress_ctx;
} cli_retention_run_opts;
struct policy;
int cli_retention_carry_out(cli_db *d, const struct policy *pol, const cli_retention_run_opts *o,
                            cli_retention_counts *c, int64_t *outbox_high, core_error *err);

/* `hearth job run` (cli_job.c), and the kinds of job it runs, NULL-terminated, for the server's workers. */
int cli_job_run(int argc, char **argv);
extern const char *const cli_job_kinds[];
/* What a kind of job is given: the job process's database handle and target, the job, who asked for it. */
typedef struct cli_job_ctx {
    store *s;
    const char *db;
    int64_t job, user_id;
} cli_job_ctx;
/* The kinds that make a file (cli_job_files.c): each runs its work with the module that owns it, keeps the
 * file as the job's output (jobs_output_put) and sets *result (counts and ids, never personal data) and ref
 * (the record it was made for). 0 or the error, nothing kept on an error. */
int cli_job_sar_pack(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                     core_error *err);
int cli_job_annex_a(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                    core_error *err);
int cli_job_research_extract(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                             core_error *err);
int cli_job_import(const cli_job_ctx *j, const json_t *params, json_t **result, char *ref, size_t refcap,
                   core_error *err);
int cli_identify(int argc, char **argv);
int cli_sar_pack(int argc, char **argv);
int cli_retention_run(int argc, char **argv);
int cli_policy_ropa(int argc, char **argv);
int cli_extract_national(int argc, char **argv);
int cli_extract_keypair(int argc, char **argv);
int cli_extract_open(int argc, char **argv);
int cli_identify_indicators(int argc, char **argv);
int cli_retention_plan(int argc, char **argv);
int cli_retention_hold_add(int argc, char **argv);
int cli_retention_hold_end(int argc, char **argv);
int cli_retention_hold_list(int argc, char **argv);
int cli_return_annex_a(int argc, char **argv);
int cli_return_reach(int argc, char **argv);
int cli_claims_check(int argc, char **argv);
int cli_claims_record(int argc, char **argv);
/* The matching engine's progress on stderr when it is a terminal: "hearth link: STAGE DONE/TOTAL". */
void cli_link_progress(void *ctx, const char *stage, uint64_t done, uint64_t total);

#endif
