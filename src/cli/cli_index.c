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

int cli_link_index(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"dataset", required_argument, NULL, 's'},
                                         {"threads", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *dataset = NULL;
    int64_t threads = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 's')
            dataset = optarg;
        else if (c == 't' && core_parse_int64(optarg, strlen(optarg), 1, 256, &threads) == 0)
            continue;
        else {
            fprintf(stderr, "hearth link index: --threads is a number from 1 to 256\n");
            return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth link index: --db PATH is required (see --help)\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    pindex_run_options o = {.dataset = dataset, .threads = (int)threads, .progress = cli_link_progress};
    pindex_run_counts n;
    int rc = pindex_run(d.s, &o, &n, &err), status = CLI_OK;
    if (rc) {
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
    core_error cerr;
    core_error_clear(&cerr);
    if (cli_db_close(&d, &cerr)) {
        cli_print_error(&cerr);
        status = CLI_FAIL;
    }
    return status;
}

int cli_identify(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"min-headlines", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL;
    int64_t min = 3;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'm' && core_parse_int64(optarg, strlen(optarg), 1, 10, &min) == 0)
            continue;
        else {
            fprintf(stderr, "hearth identify: --min-headlines is a number from 1 to 10\n");
            return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth identify: --db PATH is required (see --help)\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    json_t *list = NULL;
    int status = CLI_OK;
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
    core_error cerr;
    core_error_clear(&cerr);
    if (cli_db_close(&d, &cerr)) {
        cli_print_error(&cerr);
        status = CLI_FAIL;
    }
    return status;
}

int cli_identify_indicators(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"load", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *load = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'l')
            load = optarg;
        else
            return CLI_USAGE;
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth identify indicators: --db PATH is required (see --help)\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    json_t *given = NULL;
    if (load) {
        json_error_t je;
        given = json_load_file(load, JSON_REJECT_DUPLICATES, &je);
        if (!given) {
            fprintf(stderr, "hearth identify indicators: %s:%d: %s\n", load, je.line, je.text);
            return CLI_FAIL;
        }
    }
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        json_decref(given);
        return CLI_FAIL;
    }
    int status = CLI_OK;
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
    core_error cerr;
    core_error_clear(&cerr);
    if (cli_db_close(&d, &cerr)) {
        cli_print_error(&cerr);
        status = CLI_FAIL;
    }
    return status;
}
