/*
 * cli_index.c — the person index from the command line (src/pindex/): `hearth link index` runs the matching
 * engine over a dataset and the index, or the index against itself, and keeps its suggestions for review;
 * `hearth identify` prints the family identification list; `hearth identify indicators` shows or replaces
 * the indicators it is built from. Each change is recorded in the audit trail with counts, never a person's
 * details; the list itself is a read of personal data and is recorded as one.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core_parse.h"
#include "pindex/pindex.h"
#include "policy/policy.h"

/* index_args.policy before parse(): the command takes --policy FILE. */
static const char POLICY_OPTION[] = "";

/* The options of these commands: --db PATH, at most one text option and at most one number option. */
typedef struct index_args {
    const char *db;
    const char *policy;   /* --policy FILE (link index only), or NULL */
    const char *text;     /* the text option's value, or NULL */
    int64_t number;       /* the number option's value, or its default */
} index_args;

/* Parse argv: text_opt and num_opt name the command's options (NULL: none), num_opt taking lo..hi. Returns
 * CLI_OK, or CLI_USAGE after saying why. */
static int parse(int argc, char **argv, const char *command, const char *text_opt, const char *num_opt, int64_t lo,
                 int64_t hi, index_args *a)
{
    struct option opts[5] = {{"db", required_argument, NULL, 'd'}};
    int k = 1, c;
    if (text_opt)
        opts[k++] = (struct option){text_opt, required_argument, NULL, 's'};
    if (num_opt)
        opts[k++] = (struct option){num_opt, required_argument, NULL, 'n'};
    if (a->policy == POLICY_OPTION) /* the commands that take the council's policy */
        opts[k++] = (struct option){"policy", required_argument, NULL, 'P'};
    a->policy = NULL;
    opts[k] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd') {
            a->db = optarg;
        } else if (c == 'P') {
            a->policy = optarg;
        } else if (c == 's') {
            a->text = optarg;
        } else if (c == 'n') {
            if (core_parse_int64(optarg, strlen(optarg), lo, hi, &a->number)) {
                fprintf(stderr, "hearth %s: --%s is a number from %" PRId64 " to %" PRId64 "\n", command, num_opt,
                        lo, hi);
                return CLI_USAGE;
            }
        } else {
            return CLI_USAGE;
        }
    }
    if (!a->db || optind != argc) {
        fprintf(stderr, "hearth %s: --db PATH is required (see --help)\n", command);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int open_db(cli_db *d, const char *path)
{
    core_error err;
    core_error_clear(&err);
    if (cli_db_open(d, path, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Close d (the trail's final checkpoint); status, or CLI_FAIL when closing fails. */
static int close_db(cli_db *d, int status)
{
    core_error err;
    core_error_clear(&err);
    if (cli_db_close(d, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return status;
}

int cli_link_index(int argc, char **argv)
{
    index_args args = {.policy = POLICY_OPTION};
    cli_db d;
    int status = parse(argc, argv, "link index", "dataset", "threads", 1, 256, &args);
    if (status != CLI_OK)
        return status;
    policy *pol = NULL;
    if (cli_policy_open(args.policy, &pol) != CLI_OK)
        return CLI_FAIL;
    int review_only = pol && !pol->automated_decisions;
    policy_free(pol);
    if ((status = open_db(&d, args.db)) != CLI_OK)
        return status;
    const char *dataset = args.text;
    core_error err;
    core_error_clear(&err);
    pindex_run_options o = {.dataset = dataset,
                            .threads = (int)args.number,
                            .progress = cli_link_progress,
                            .review_only = review_only};
    pindex_run_counts n;
    if (pindex_run(d.s, &o, &n, &err)) {
        cli_print_error(&err);
        fprintf(stderr, "hearth link index: nothing was kept; the database is as it was\n");
        status = CLI_FAIL;
    } else {
        if (dataset)
            printf("run %" PRId64 ": %" PRIu64 " people and %" PRIu64 " rows of %s, %" PRIu64
                   " candidate pairs in %.1f s\n", n.run_id, n.people, n.records, dataset, n.candidates, n.seconds);
        else
            printf("run %" PRId64 ": %" PRIu64 " people of the index against each other, %" PRIu64
                   " candidate pairs in %.1f s\n", n.run_id, n.people, n.candidates, n.seconds);
        if (dataset)
            printf("  %" PRIu64 " row%s linked to a person (each its row's one clear candidate)\n", n.linked,
                   n.linked == 1 ? "" : "s");
        printf("  %" PRIu64 " pair%s waiting for review\n", n.queued, n.queued == 1 ? "" : "s");
        printf("  %" PRIu64 " pair%s already decided, left as they were\n", n.kept, n.kept == 1 ? "" : "s");
        json_t *detail = json_pack("{s:I,s:s?,s:I,s:I,s:I,s:I,s:I,s:I}", "run_id", (json_int_t)n.run_id, "dataset",
                                   dataset, "people", (json_int_t)n.people, "records", (json_int_t)n.records,
                                   "candidate_pairs", (json_int_t)n.candidates, "linked", (json_int_t)n.linked,
                                   "queued", (json_int_t)n.queued, "kept", (json_int_t)n.kept);
        if (cli_db_record(&d, "link_run", "link_run", n.run_id, detail, &err)) {
            cli_print_error(&err);
            status = CLI_FAIL;
        }
    }
    return close_db(&d, status);
}

int cli_identify(int argc, char **argv)
{
    index_args args = {.number = 3};
    cli_db d;
    int status = parse(argc, argv, "identify", NULL, "min-headlines", 1, 10, &args);
    if (status != CLI_OK || (status = open_db(&d, args.db)) != CLI_OK)
        return status;
    int64_t min = args.number;
    core_error err;
    core_error_clear(&err);
    json_t *list = NULL;
    if (pindex_identify(d.s, (int)min, &list, &err) ||
        cli_db_record(&d, "read", "family_identification", 0,
                      json_pack("{s:s,s:I,s:I}", "list", "identification", "min_headlines", (json_int_t)min,
                                "families", (json_int_t)json_array_size(list)),
                      &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    } else {
        json_dumpf(list, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        fprintf(stderr, "hearth identify: %zu families with needs under %" PRId64 " or more headlines\n",
                json_array_size(list), min);
    }
    json_decref(list);
    return close_db(&d, status);
}

int cli_identify_indicators(int argc, char **argv)
{
    index_args args = {0};
    int status = parse(argc, argv, "identify indicators", "load", NULL, 0, 0, &args);
    if (status != CLI_OK)
        return status;
    json_t *given = NULL;
    if (args.text) {
        json_error_t je;
        given = json_load_file(args.text, JSON_REJECT_DUPLICATES, &je);
        if (!given) {
            fprintf(stderr, "hearth identify indicators: %s:%d: %s\n", args.text, je.line, je.text);
            return CLI_FAIL;
        }
    }
    cli_db d;
    if ((status = open_db(&d, args.db)) != CLI_OK) {
        json_decref(given);
        return status;
    }
    core_error err;
    core_error_clear(&err);
    json_t *list = NULL;
    if (given && (pindex_indicators_load(d.s, given, &err) ||
                  cli_db_record(&d, "update", "sf_indicator", 0,
                                json_pack("{s:I}", "indicators", (json_int_t)json_array_size(given)), &err))) {
        cli_print_error(&err);
        fprintf(stderr, "hearth identify indicators: the indicators are as they were\n");
        status = CLI_FAIL;
    } else if (pindex_indicators_list(d.s, &list, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    } else {
        json_dumpf(list, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(list);
    json_decref(given);
    return close_db(&d, status);
}
