/*
 * cli_retention.c — `hearth retention hold add|end|list`: legal holds on single records from the command
 * line (src/retention/retention.h). Each change is recorded in the audit trail like one made through the API.
 * The plan itself is `hearth retention plan` (cli_retention_plan.c).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "retention/retention.h"

typedef struct hold_opts {
    const char *db, *reason, *table, *from, *until, *note;
    int64_t scope_id, id, after;
    int all;
} hold_opts;

static const struct option hold_options[] = {{"db", required_argument, NULL, 'd'},
                                             {"reason", required_argument, NULL, 'r'},
                                             {"table", required_argument, NULL, 't'},
                                             {"record", required_argument, NULL, 'i'},
                                             {"from", required_argument, NULL, 'f'},
                                             {"until", required_argument, NULL, 'u'},
                                             {"note", required_argument, NULL, 'n'},
                                             {"id", required_argument, NULL, 'h'},
                                             {"all", no_argument, NULL, 'a'},
                                             {NULL, 0, NULL, 0}};

static int set_hold_opt(int c, const char *arg, void *ctx, const char *command)
{
    hold_opts *o = ctx;
    switch (c) {
    case 'd': o->db = arg; break;
    case 'r': o->reason = arg; break;
    case 't': o->table = arg; break;
    case 'f': o->from = arg; break;
    case 'u': o->until = arg; break;
    case 'n': o->note = arg; break;
    case 'a': o->all = 1; break;
    case 'i': return cli_opt_id(command, hold_options, c, arg, INT64_MAX, &o->scope_id);
    case 'h': return cli_opt_id(command, hold_options, c, arg, INT64_MAX, &o->id);
    }
    return 0;
}

/* Parse argv for command, taking the options whose letters are in takes and needing those in needs. */
static int parse_hold_opts(int argc, char **argv, const char *command, const char *takes, const char *needs,
                           hold_opts *o)
{
    memset(o, 0, sizeof(*o));
    return cli_parse_opts(argc, argv, command, hold_options, takes, needs, set_hold_opt, o);
}

static int finish(cli_db *d, int rc, core_error *err)
{
    if (rc && d->s)
        store_rollback(d->s);
    if (rc)
        cli_print_error(err);
    core_error cerr;
    core_error_clear(&cerr);
    if (d->s && cli_db_close(d, &cerr) != 0) {
        cli_print_error(&cerr);
        return CLI_FAIL;
    }
    return rc ? CLI_FAIL : CLI_OK;
}

int cli_retention_hold_add(int argc, char **argv)
{
    hold_opts o;
    if (parse_hold_opts(argc, argv, "retention hold add", "drtifn", "drti", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    cli_db d;
    int64_t id = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = retention_hold_add(d.s, &d.arena, o.reason, o.table, o.scope_id, o.from, o.note, 0, &id, &err);
    if (rc == 0) {
        printf("legal hold %lld placed on %s %lld\n", (long long)id, o.table, (long long)o.scope_id);
        json_t *detail = json_pack("{s:s,s:s,s:I}", "reason", o.reason, "scope_table", o.table, "scope_id",
                                   (json_int_t)o.scope_id);
        rc = cli_db_record(&d, "legal_hold_add", "legal_hold", id, detail, &err);
    }
    return finish(&d, rc, &err);
}

int cli_retention_hold_end(int argc, char **argv)
{
    hold_opts o;
    if (parse_hold_opts(argc, argv, "retention hold end", "dhu", "dh", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    char today[11];
    if (!o.until) {
        core_clock_today(today);
        o.until = today;
    }
    cli_db d;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = retention_hold_end(d.s, &d.arena, o.id, o.until, 0, 0, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        printf("legal hold %lld ended on %s\n", (long long)o.id, o.until);
        rc = cli_db_record(&d, "legal_hold_end", "legal_hold", o.id, json_pack("{s:s}", "until_date", o.until),
                           &err);
    }
    return finish(&d, rc, &err);
}

int cli_retention_hold_list(int argc, char **argv)
{
    hold_opts o;
    if (parse_hold_opts(argc, argv, "retention hold list", "da", "d", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    cli_db d;
    int rc = cli_db_open(&d, o.db, &err);
    int64_t after = 0;
    printf("id\treason\tscope_table\tscope_id\tfrom_date\tuntil_date\tnote\n");
    while (rc == 0) {
        retention_hold *h;
        size_t n;
        rc = retention_hold_list(d.s, &d.arena, after, 1000, !o.all, &h, &n, &err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            printf("%lld\t%s\t%s\t%lld\t%s\t%s\t", (long long)h[i].id, h[i].reason, h[i].scope_table,
                   (long long)h[i].scope_id, h[i].from_date, h[i].until_date ? h[i].until_date : "-");
            /* A note is free text: tabs and line breaks would break the columns. */
            for (const char *c = h[i].note ? h[i].note : "-"; *c; c++)
                putchar(*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c);
            putchar('\n');
            after = h[i].id;
        }
        core_arena_reset(&d.arena);
        if (rc || n < 1000)
            break;
    }
    return finish(&d, rc, &err);
}
