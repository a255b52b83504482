/*
 * cli_retention_plan.c — `hearth retention plan`: the retention plan of a policy file over a database, as CSV
 * or JSON (docs/retention.md). Only reads: the database is neither migrated nor changed, and every check of
 * the input (options, policy, date, database) is made before the first row is written; --out FILE is written
 * beside FILE and renamed into place only when the whole plan succeeded.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core_clock.h"
#include "retention/retention.h"

typedef struct plan_out {
    FILE *f;
    int json;
    uint64_t n;
    core_buf line; /* one CSV row */
} plan_out;

static void date_text(core_date d, char out[CORE_DATE_ISO_SIZE])
{
    if (core_date_ok(d))
        core_date_format(d, out);
    else
        out[0] = '\0';
}

/* The header goes out with the first row (or after a plan of none), so that an error found while the plan
 * reads the database leaves standard output empty. */
static void write_header(plan_out *o)
{
    fputs(o->json ? "[" : retention_csv_header, o->f);
}

static int write_row(void *ctx, const retention_row *r, core_error *err)
{
    plan_out *o = ctx;
    if (o->n == 0)
        write_header(o);
    char trig[CORE_DATE_ISO_SIZE], due[CORE_DATE_ISO_SIZE];
    date_text(r->trigger_date, trig);
    date_text(r->due_date, due);
    int w;
    if (!o->json) {
        core_buf_reset(&o->line);
        retention_row_csv(r, &o->line);
        w = fputs(o->line.data, o->f) == EOF ? -1 : 0;
    } else {
        json_t *row = json_pack("{s:s,s:s,s:I,s:o,s:o,s:s,s:o,s:o,s:s,s:o,s:s,s:o}", "record_class", r->cls->code,
                                "record_table", r->record_table, "record_id", (json_int_t)r->record_id,
                                "person_id", r->person_id ? json_integer(r->person_id) : json_null(),
                                "family_id", r->family_id ? json_integer(r->family_id) : json_null(),
                                "trigger", policy_trigger_name(r->cls->trigger),
                                "trigger_date", trig[0] ? json_string(trig) : json_null(),
                                "due_date", due[0] ? json_string(due) : json_null(),
                                "action", retention_action_name(r->action),
                                "hold", r->hold ? json_string(r->hold) : json_null(),
                                "disposal", policy_disposal_name(r->cls->disposal),
                                "label", r->cls->label ? json_string(r->cls->label) : json_null());
        char *text = row ? json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(row);
        if (!text)
            return core_error_set(err, CORE_E_INTERNAL, "cannot write a plan row as json");
        w = fprintf(o->f, "%s\n  %s", o->n ? "," : "", text);
        free(text);
    }
    o->n++;
    if (w < 0)
        return core_error_set(err, CORE_E_IO, "cannot write the plan");
    return 0;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "hearth retention plan: %s%s\n", msg, arg ? arg : "");
    return CLI_USAGE;
}

int cli_retention_plan(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"save", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *policy_path = NULL, *as_of = NULL, *format = "csv", *out = NULL;
    int c, save = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': policy_path = optarg; break;
        case 'a': as_of = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 's': save = 1; break;
        default: return usage_error("unknown option or missing value: ", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return usage_error("unexpected argument: ", argv[optind]);
    if (!db || !policy_path)
        return usage_error("--db PATH and --policy FILE are required", NULL);
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage_error("--format is csv or json, not ", format);
    char today[11];
    if (!as_of) {
        core_clock_today(today);
        as_of = today;
    }
    core_error err;
    core_error_clear(&err);
    core_date d;
    if (core_date_parse(as_of, strlen(as_of), &d) != 0) {
        core_error_set(&err, CORE_E_INVALID_DATE, "--as-of '%s' is not a date YYYY-MM-DD", as_of);
        core_error_hint(&err, "give a real calendar date, e.g. --as-of 2026-11-23");
        cli_print_error(&err);
        return CLI_USAGE;
    }

    policy *p = NULL;
    if (policy_load(policy_path, &p, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    /* Opening a missing path would create an empty database: refuse instead, and never migrate. A PostgreSQL
     * address is no file: a database that is not there fails to connect, one without Hearth's schema is at
     * version 0 below. */
    store *s = NULL;
    int schema = 0, rc;
    if (!store_target_is_pg(db) && access(db, R_OK) != 0) {
        rc = core_error_set(&err, CORE_E_IO, "cannot read the database %s", db);
        core_error_hint(&err, "create it with hearth init --db PATH");
    } else
        rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_schema_version(s, &schema, &err);
    if (rc == 0 && (size_t)schema < store_migrations_count) {
        rc = core_error_set(&err, CORE_E_INVALID_VALUE, "the database is at schema version %d, not %d", schema,
                            (int)store_migrations_count);
        core_error_hint(&err, "run hearth init --db %s to bring it up to date", db);
    }

    /* Saving writes: the database is opened as every changing command opens it, with its audit trail. */
    cli_db dbh = {0};
    char policy_digest[RETENTION_DIGEST_HEX], rows_digest[RETENTION_DIGEST_HEX];
    int64_t plan_id = 0;
    if (rc == 0 && save) {
        store_close(s);
        s = NULL;
        rc = retention_digest_file(policy_path, policy_digest, &err);
        if (rc == 0 && (rc = cli_db_open(&dbh, db, &err)) == 0)
            s = dbh.s;
    }

    plan_out o = {.f = stdout, .json = strcmp(format, "json") == 0};
    core_buf_init(&o.line, 64 * 1024);
    char *tmp = NULL;
    if (rc == 0 && out) {
        tmp = core_arena_printf(&p->arena, "%s.partial", out);
        if (!(o.f = fopen(tmp, "w")))
            rc = core_error_set(&err, CORE_E_IO, "cannot write %s", tmp);
    }
    retention_summary sum = {0};
    if (rc == 0) {
        if (save)
            rc = retention_plan_save(s, p, policy_digest, as_of, 0, write_row, &o, &sum, &plan_id, rows_digest, &err);
        else
            rc = retention_plan_build(s, p, as_of, write_row, &o, &sum, &err);
        if (rc == 0 && o.n == 0)
            write_header(&o);
        if (rc == 0 && o.json)
            fputs(o.n ? "\n]\n" : "]\n", o.f);
        if (fflush(o.f) != 0 && rc == 0)
            rc = core_error_set(&err, CORE_E_IO, "cannot write the plan");
    }
    if (tmp && o.f) {
        if (fclose(o.f) != 0 && rc == 0)
            rc = core_error_set(&err, CORE_E_IO, "cannot write %s", tmp);
        if (rc == 0 && rename(tmp, out) != 0)
            rc = core_error_set(&err, CORE_E_IO, "cannot rename %s to %s", tmp, out);
        if (rc)
            unlink(tmp);
    }
    if (rc == 0)
        fprintf(stderr,
                "retention plan as of %s (%s): %llu rows: keep %llu, review %llu, dispose %llu; held %llu (%llu "
                "due but kept by the hold)\n",
                as_of, p->profile ? p->profile : "policy", (unsigned long long)sum.rows,
                (unsigned long long)sum.by_action[RETENTION_KEEP], (unsigned long long)sum.by_action[RETENTION_REVIEW],
                (unsigned long long)sum.by_action[RETENTION_DISPOSE], (unsigned long long)sum.held,
                (unsigned long long)sum.held_due);
    if (rc == 0 && save) {
        fprintf(stderr, "retention plan %lld saved as a draft: rows digest %s (b2sum -l 256 of the CSV)\n",
                (long long)plan_id, rows_digest);
        rc = cli_db_record(&dbh, "retention_plan_save", "retention_plan", plan_id,
                           json_pack("{s:s,s:s,s:s,s:I,s:s}", "as_of", as_of, "policy_profile",
                                     p->profile ? p->profile : "", "policy_digest", policy_digest, "rows",
                                     (json_int_t)sum.rows, "rows_digest", rows_digest),
                           &err);
    }
    if (rc)
        cli_print_error(&err);
    if (dbh.s) {
        core_error cerr;
        core_error_clear(&cerr);
        if (cli_db_close(&dbh, &cerr) != 0) {
            cli_print_error(&cerr);
            rc = rc ? rc : CORE_E_IO;
        }
    } else if (s)
        store_close(s);
    core_buf_release(&o.line);
    policy_free(p);
    return rc ? CLI_FAIL : CLI_OK;
}
