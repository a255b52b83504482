/*
 * cli_return.c — the returns the council sends (src/report/report_annex.h, docs/returns.md):
 *
 *   hearth return annex-a --db PATH --as-of DATE --out FILE [--format xlsx|csv] [--list 1|2]
 *
 * Ofsted's Annex A lists 1 and 2 for the census date: an XLSX workbook (both lists, one sheet each), or one
 * list as CSV. Each child in the return is recorded in the audit trail (action "export") before the file is
 * in place; the file is written beside FILE, readable by its owner only, and renamed when complete. Counts go
 * to stderr, never names.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "report/report_annex.h"
#include "report/report_reach.h"

static int write_csv(const char *path, const core_buf *b, core_error *err)
{
    size_t n = strlen(path) + 8;
    char *tmp = core_xmalloc(n);
    snprintf(tmp, n, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && (chmod(tmp, 0600) != 0 || rename(tmp, path) != 0))
        ok = 0;
    if (!ok)
        remove(tmp);
    free(tmp);
    return ok ? 0 : core_error_set(err, CORE_E_IO, "cannot write %s", path);
}

int cli_return_annex_a(int argc, char **argv)
{
    const char *db = NULL, *as_of = NULL, *out = NULL, *format = "xlsx", *list = NULL;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"list", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': as_of = optarg; break;
        case 'o': out = optarg; break;
        case 'f': format = optarg; break;
        case 'l': list = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (!db || !as_of || !out || optind != argc) {
        fprintf(stderr, "hearth return annex-a: --db PATH, --as-of DATE and --out FILE are required (see --help)\n");
        return CLI_USAGE;
    }
    int csv = strcmp(format, "csv") == 0;
    if (!csv && strcmp(format, "xlsx") != 0) {
        fprintf(stderr, "hearth return annex-a: --format is xlsx or csv\n");
        return CLI_USAGE;
    }
    if (csv != (list != NULL) || (list && strcmp(list, "1") != 0 && strcmp(list, "2") != 0)) {
        fprintf(stderr, "hearth return annex-a: --list 1 or --list 2 goes with --format csv (one list a file); "
                        "the workbook holds both\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    report_annex x;
    int64_t last = 0;
    int rc = report_annex_collect(d.s, &d.arena, as_of, &x, &err);
    core_buf b;
    core_buf_init(&b, (size_t)512 * 1024 * 1024);
    if (rc == 0 && csv) {
        report_annex_csv(&x, list[0] - '1', &b);
        if (!core_buf_ok(&b))
            rc = core_error_set(&err, CORE_E_INTERNAL, "the list is larger than 512 MiB");
    }
    /* On the record before the file is in place. */
    audit_event ev = {0, NULL, "export", "person", 0, NULL, NULL};
    if (rc == 0)
        rc = report_annex_log(d.s, &d.arena, &x, &ev, format, &last, &err);
    if (rc == 0 && last)
        rc = audit_outbox_await(d.trail, last, &err);
    if (rc == 0)
        rc = csv ? write_csv(out, &b, &err) : report_annex_xlsx_file(&x, out, &err);
    core_buf_release(&b);
    int status = CLI_OK;
    if (rc) {
        cli_print_error(&err);
        status = CLI_FAIL;
    } else {
        fprintf(stderr,
                "hearth return annex-a: census date %s, window %s..%s: %zu rows in List 1, %zu in List 2, %zu "
                "children; %" PRIu64 " rows left out whose processing is restricted; written to %s\n",
                x.as_of, x.from, x.as_of, x.nrows[0], x.nrows[1], x.npeople, x.restricted, out);
    }
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    return status;
}

/*
 *   hearth return reach --db PATH --period FROM..TO [--round 5] [--format csv|json] [--out FILE]
 *
 * Service reach and outcomes by quarter, every count through disclosure control (report_reach.h). Counts, not
 * people: nothing identifying is read out; the run is recorded in the audit trail.
 */
int cli_return_reach(int argc, char **argv)
{
    const char *db = NULL, *period = NULL, *format = "csv", *out = NULL, *round = NULL;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"round", required_argument, NULL, 'r'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': period = optarg; break;
        case 'r': round = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        default: return CLI_USAGE;
        }
    }
    const char *dots = period ? strstr(period, "..") : NULL;
    if (!db || !dots || optind != argc) {
        fprintf(stderr, "hearth return reach: --db PATH and --period FROM..TO are required (see --help)\n");
        return CLI_USAGE;
    }
    int json = strcmp(format, "json") == 0;
    if ((!json && strcmp(format, "csv") != 0) || (round && strcmp(round, "5") != 0 && strcmp(round, "0") != 0)) {
        fprintf(stderr, "hearth return reach: --format is csv or json, --round 5 (or 0)\n");
        return CLI_USAGE;
    }
    char from[16] = "", to[16] = "";
    snprintf(from, sizeof from, "%.*s", (int)(dots - period) < 15 ? (int)(dots - period) : 15, period);
    snprintf(to, sizeof to, "%.15s", dots + 2);
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    report_reach r;
    core_buf b;
    core_buf_init(&b, (size_t)64 * 1024 * 1024);
    int rc = report_reach_build(d.s, &d.arena, from, to, round && round[0] == '5' ? 5 : 0, &r, &err);
    if (rc == 0) {
        if (json) {
            json_t *j = report_reach_json(&r);
            char *s = json_dumps(j, JSON_INDENT(1));
            core_buf_adds(&b, s ? s : "");
            core_buf_addch(&b, '\n');
            free(s);
            json_decref(j);
        } else {
            report_reach_csv(&r, &b);
        }
        json_t *detail = json_pack("{s:s,s:s,s:s,s:i}", "return", "reach", "from", from, "to", to, "rounding",
                                   r.rounding);
        rc = cli_db_record(&d, "statistics", NULL, 0, detail, &err);
    }
    if (rc == 0 && out)
        rc = write_csv(out, &b, &err);
    else if (rc == 0 && fwrite(b.data, 1, b.len, stdout) != b.len)
        rc = core_error_set(&err, CORE_E_IO, "cannot write to standard output");
    core_buf_release(&b);
    int status = CLI_OK;
    if (rc) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    return status;
}
