/*
 * cli_claims.c — Supporting Families outcome claims (src/report/report_claims.h, docs/claims.md):
 *
 *   hearth claims check --db PATH [--as-of DATE] [--episode ID] [--claimable]
 *   hearth claims record --db PATH --episode ID --signed-off-by NAME [--as-of DATE]
 *
 * The check only lists (JSON on stdout); the record re-checks and writes the claim once, with its audit event.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "report/report_claims.h"

typedef struct claims_args {
    const char *db, *as_of, *episode, *name;
    int claimable;
} claims_args;

static int parse(int argc, char **argv, claims_args *c)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"episode", required_argument, NULL, 'e'},
                                         {"signed-off-by", required_argument, NULL, 's'},
                                         {"claimable", no_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd': c->db = optarg; break;
        case 'a': c->as_of = optarg; break;
        case 'e': c->episode = optarg; break;
        case 's': c->name = optarg; break;
        case 'c': c->claimable = 1; break;
        default: return CLI_USAGE;
        }
    }
    return optind == argc && c->db ? CLI_OK : CLI_USAGE;
}

static int episode_of(const claims_args *c, int64_t *out)
{
    *out = 0;
    if (c->episode && core_parse_int64(c->episode, strlen(c->episode), 1, INT64_MAX, out)) {
        fprintf(stderr, "hearth claims: --episode must be an episode id\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_claims_check(int argc, char **argv)
{
    claims_args c = {0};
    int64_t episode;
    if (parse(argc, argv, &c) || c.name || episode_of(&c, &episode)) {
        fprintf(stderr, "hearth claims check: --db PATH is required; --as-of DATE, --episode ID, --claimable\n");
        return CLI_USAGE;
    }
    char today[11];
    core_clock_today(today);
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, c.db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    json_t *list = NULL;
    int rc = report_claims_check(d.s, &d.arena, c.as_of ? c.as_of : today, episode, 1, c.claimable, &list, &err);
    if (rc == 0) {
        json_dumpf(list, stdout, JSON_INDENT(1));
        fputc('\n', stdout);
        size_t n = json_array_size(list), ok = 0, i;
        json_t *it;
        json_array_foreach(list, i, it) ok += json_is_true(json_object_get(it, "claimable"));
        fprintf(stderr, "hearth claims check: %zu episodes checked, %zu claimable\n", n, ok);
        json_decref(list);
        rc = cli_db_record(&d, "claims_check", NULL, 0, json_pack("{s:I}", "episodes", (json_int_t)n), &err);
    }
    int status = rc ? CLI_FAIL : CLI_OK;
    if (rc)
        cli_print_error(&err);
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    return status;
}

int cli_claims_record(int argc, char **argv)
{
    claims_args c = {0};
    int64_t episode;
    if (parse(argc, argv, &c) || !c.episode || !c.name || c.claimable || episode_of(&c, &episode)) {
        fprintf(stderr, "hearth claims record: --db PATH, --episode ID and --signed-off-by NAME are required\n");
        return CLI_USAGE;
    }
    char today[11];
    core_clock_today(today);
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, c.db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    int64_t id = 0;
    int rc = report_claims_record(d.s, &d.arena, c.as_of ? c.as_of : today, episode, 0, c.name, NULL, &id, &err);
    int status = CLI_OK;
    if (rc) {
        cli_print_error(&err);
        status = CLI_FAIL;
    } else {
        printf("%" PRId64 "\n", id);
        fprintf(stderr, "hearth claims record: claim %" PRId64 " for episode %" PRId64 ", signed off by %s\n", id,
                episode, c.name);
    }
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    return status;
}
