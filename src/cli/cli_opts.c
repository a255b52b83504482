/*
 * cli_opts.c — the option parsing shared by families of commands that take one table of long options and
 * each name the ones they take and the ones they need (`hearth user ...`, `hearth retention hold ...`).
 *
 * Every refusal is one line on standard error naming the command and the option, and CLI_USAGE.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core_parse.h"

const char *cli_opt_name(const struct option *table, int c)
{
    for (const struct option *o = table; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

int cli_opt_id(const char *command, const struct option *table, int c, const char *arg, int64_t max,
               int64_t *out)
{
    if (core_parse_int64(arg, strlen(arg), 1, max, out) == 0)
        return 0;
    if (max == INT64_MAX)
        fprintf(stderr, "hearth %s: --%s must be a positive id\n", command, cli_opt_name(table, c));
    else
        fprintf(stderr, "hearth %s: --%s must be 1..%lld\n", command, cli_opt_name(table, c), (long long)max);
    return CLI_USAGE;
}

int cli_parse_opts(int argc, char **argv, const char *command, const struct option *table, const char *takes,
                   const char *needs, cli_opt_set set, void *ctx)
{
    char seen[32] = "";
    size_t nseen = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", table, NULL)) != -1) {
        if (c == '?' || c == ':') {
            fprintf(stderr, "hearth %s: unknown option or missing value: %s\n", command, argv[optind - 1]);
            return CLI_USAGE;
        }
        if (!strchr(takes, c)) {
            fprintf(stderr, "hearth %s: --%s is not an option of this command\n", command,
                    cli_opt_name(table, c));
            return CLI_USAGE;
        }
        if (nseen + 1 < sizeof(seen) && !strchr(seen, c))
            seen[nseen++] = (char)c;
        if (set(c, optarg, ctx, command) != 0)
            return CLI_USAGE;
    }
    if (optind != argc) {
        fprintf(stderr, "hearth %s: unexpected argument: %s\n", command, argv[optind]);
        return CLI_USAGE;
    }
    for (const char *n = needs; *n; n++)
        if (!strchr(seen, *n)) {
            fprintf(stderr, "hearth %s: --%s is required\n", command, cli_opt_name(table, *n));
            return CLI_USAGE;
        }
    return 0;
}
