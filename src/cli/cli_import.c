/*
 * cli_import.c — `hearth import`: a partner's CSV file into a named dataset (the engine is src/import/).
 *
 * The command loads the mapping, opens the database and its audit trail (cli_db_open), and runs the import,
 * which is one transaction (import.h I1): a file-level error, a failure to write the rejects file or Ctrl-C
 * leaves the database as it was. Refused rows go to the rejects file, one "LINE: reason" per line, written
 * to a temporary file beside it and renamed into place only when the import is committed (so a failed import
 * leaves an earlier rejects file alone). On a terminal a progress line (rows, percent of bytes) is redrawn at
 * most five times a second on stderr; the summary goes to stdout. The import is recorded in the audit trail
 * with the dataset and the counts, never a row's contents.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/core_parse.h"
#include "import/import.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct import_cli {
    const char *db, *dataset, *mapping, *rejects, *section, *file;
    int64_t agency;
    int64_t batch_rows; /* rows per transaction; 0: the default */
    FILE *rj;           /* the temporary rejects file */
    char *rj_tmp;       /* its name */
    uint64_t size;      /* the input's size, 0 when unknown (not a regular file) */
    int tty;
    double started, last_draw;
} import_cli;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, import_cli *o)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"dataset", required_argument, NULL, 'n'},
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"rejects", required_argument, NULL, 'r'},
                                         {"section", required_argument, NULL, 's'},
                                         {"agency", required_argument, NULL, 'a'},
                                         {"batch-rows", required_argument, NULL, 'b'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'n': o->dataset = optarg; break;
        case 'm': o->mapping = optarg; break;
        case 'r': o->rejects = optarg; break;
        case 's': o->section = optarg; break;
        case 'a':
            if (core_parse_int64(optarg, strlen(optarg), 1, INT64_MAX, &o->agency)) {
                fprintf(stderr, "hearth import: --agency must be a positive id\n");
                return CLI_USAGE;
            }
            break;
        case 'b':
            if (core_parse_int64(optarg, strlen(optarg), 1, 100000000, &o->batch_rows)) {
                fprintf(stderr, "hearth import: --batch-rows must be 1..100000000\n");
                return CLI_USAGE;
            }
            break;
        default:
            fprintf(stderr, "hearth import: unknown option or missing value: %s\n", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (!o->db || !o->dataset || !o->mapping || argc - optind != 1) {
        fprintf(stderr, "hearth import: needs --db PATH --dataset NAME --mapping MAPPING.json and one CSV file\n");
        return CLI_USAGE;
    }
    if (!import_dataset_name_ok(o->dataset)) {
        fprintf(stderr, "hearth import: --dataset must be 1 to %d letters, digits, '_', '-' and '.'\n",
                IMPORT_DATASET_NAME_MAX);
        return CLI_USAGE;
    }
    o->file = argv[optind];
    return 0;
}

/* "1234567" -> "1,234,567" */
static const char *thousands(uint64_t n, char out[32])
{
    char digits[24];
    int k = snprintf(digits, sizeof digits, "%" PRIu64, n), o = 0;
    for (int i = 0; i < k; i++) {
        if (i > 0 && (k - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    import_cli *o = ctx;
    fprintf(o->rj, "%" PRIu64 ": %s\n", line, reason);
}

static void on_progress(void *ctx, const import_counts *c)
{
    import_cli *o = ctx;
    if (!o->tty)
        return;
    double t = now_seconds();
    if (t - o->last_draw < 0.2)
        return;
    o->last_draw = t;
    char rows[32];
    if (o->size)
        fprintf(stderr, "\rhearth import: %s rows, %3d%% of %s   ", thousands(c->read, rows),
                (int)(100.0 * (double)c->bytes / (double)o->size), o->file);
    else
        fprintf(stderr, "\rhearth import: %s rows   ", thousands(c->read, rows));
}

/* The rejects must be on disk before the rows are committed: a write error rolls the import back. */
static int rejects_flush(void *ctx, core_error *err)
{
    import_cli *o = ctx;
    if (fflush(o->rj) != 0 || ferror(o->rj) || fsync(fileno(o->rj)) != 0) {
        core_error_set(err, CORE_E_IO, "cannot write the rejects file %s: %s", o->rejects, strerror(errno));
        return core_error_hint(err, "nothing was imported; free some space or give --rejects another path");
    }
    return 0;
}

/* A temporary rejects file beside the final one. */
static int rejects_open(import_cli *o, core_arena *a, core_error *err)
{
    o->rj_tmp = core_arena_printf(a, "%s.XXXXXX", o->rejects);
    int fd = mkstemp(o->rj_tmp);
    if (fd < 0 || !(o->rj = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        core_error_set(err, CORE_E_IO, "cannot write the rejects file %s: %s", o->rejects, strerror(errno));
        return core_error_hint(err, "give --rejects a path in a directory you can write to");
    }
    return 0;
}

static void summary(const import_cli *o, const import_counts *c)
{
    char b[5][32];
    printf("imported %s into dataset %s%s in %.2f s: %s rows read, %s new, %s updated, %s unchanged, %s "
           "rejected\n",
           o->file, o->dataset, c->dataset_created ? " (new)" : "", now_seconds() - o->started,
           thousands(c->read, b[0]), thousands(c->inserted, b[1]), thousands(c->updated, b[2]),
           thousands(c->unchanged, b[3]), thousands(c->rejected, b[4]));
    printf("rejected rows (LINE: reason): %s\n", o->rejects);
    if (c->not_utf8)
        fprintf(stderr,
                "hint: %" PRIu64 " rows are not valid UTF-8; if the file was saved as Windows-1252 or Latin-1, "
                "convert it and import it again: iconv -f WINDOWS-1252 -t UTF-8 %s > converted.csv\n",
                c->not_utf8, o->file);
}

/* In the first batch's transaction (import.h: in_first_batch): the import's start, with its dataset and run,
 * goes into the audit outbox, so every committed batch is in the trail even if the command dies part-way (the
 * next process that opens the trail moves it there). The final counts follow as the `import` event. */
static int audit_start(void *ctx, store *s, const import_counts *c, core_error *err)
{
    const import_cli *o = ctx;
    json_t *d = json_pack("{s:s,s:I,s:s}", "dataset", o->dataset, "import_id", (json_int_t)c->import_id, "via", "cli");
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return core_error_set(err, CORE_E_INTERNAL, "out of memory");
    audit_event ev = {0, NULL, "import_started", "partner_dataset", c->dataset_id, text, NULL};
    int rc = audit_outbox_add(s, &ev, NULL, err);
    free(text);
    return rc;
}

int cli_import(int argc, char **argv)
{
    import_cli o;
    memset(&o, 0, sizeof o);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    core_error err;
    core_error_clear(&err);
    core_arena a = CORE_ARENA_INIT;
    if (!o.rejects)
        o.rejects = core_arena_printf(&a, "%s.rejects", o.file);
    struct stat sb;
    if (stat(o.file, &sb) == 0 && S_ISREG(sb.st_mode))
        o.size = (uint64_t)sb.st_size;
    o.tty = isatty(STDERR_FILENO);
    o.started = now_seconds();

    link_mapping m;
    cli_db d;
    memset(&d, 0, sizeof d);
    int have_m = 0, have_db = 0;
    rc = link_mapping_load(o.mapping, &m, &err);
    have_m = rc == 0;
    if (rc == 0)
        rc = rejects_open(&o, &a, &err);
    if (rc == 0)
        rc = cli_db_open(&d, o.db, &err);
    have_db = rc == 0;

    import_counts c;
    memset(&c, 0, sizeof c);
    if (rc == 0) {
        struct sigaction sa, old_int, old_term;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        const char *base = strrchr(o.file, '/');
        import_options io = {.dataset = o.dataset,
                             .file = base ? base + 1 : o.file,
                             .section = o.section,
                             .agency_id = o.agency,
                             .batch_rows = (uint64_t)o.batch_rows,
                             .reject = on_reject,
                             .progress = on_progress,
                             .ctx = &o,
                             .cancel = &interrupted,
                             .before_commit = rejects_flush,
                             .in_first_batch = audit_start};
        rc = import_csv_file(d.s, o.file, &m, &io, &c, &err);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        if (o.tty && o.last_draw > 0)
            fprintf(stderr, "\r%*s\r", 78, "");
    }
    int committed = rc == 0, status = CLI_OK;
    if (o.rj) {
        int bad = fclose(o.rj) != 0;
        if (!committed) {
            unlink(o.rj_tmp);
        } else if (bad || rename(o.rj_tmp, o.rejects) != 0) {
            /* rejects_flush saw the lines written before the commit: only the final name is missing */
            core_error_set(&err, CORE_E_IO, "cannot rename %s to %s: %s", o.rj_tmp, o.rejects, strerror(errno));
            core_error_hint(&err, "the import was committed; the rejected rows are listed in %s", o.rj_tmp);
            cli_print_error(&err);
            o.rejects = o.rj_tmp;
            status = CLI_FAIL;
        }
    }
    if (!committed) {
        cli_print_error(&err);
        if (have_db && c.committed == 0)
            fprintf(stderr, "hearth import: nothing was imported; the database is as it was\n");
        status = CLI_FAIL;
    }
    if (!committed && have_db && c.committed > 0) {
        /* Earlier batches were committed (import.h I1): say so, and record what was written. */
        fprintf(stderr,
                "hearth import: the first %" PRIu64 " rows of the file were committed in earlier batches; run the "
                "import again to finish it (rows already imported count as unchanged)\n",
                c.committed);
        json_t *detail = json_pack("{s:s,s:I,s:b,s:I}", "dataset", o.dataset, "import_id", (json_int_t)c.import_id,
                                   "partial", 1, "rows_committed", (json_int_t)c.committed);
        core_error aerr;
        core_error_clear(&aerr);
        if (cli_db_record(&d, "import", "partner_dataset", c.dataset_id, detail, &aerr) != 0)
            cli_print_error(&aerr);
    } else if (committed) {
        summary(&o, &c);
        json_t *detail = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "dataset", o.dataset, "import_id",
                                   (json_int_t)c.import_id, "rows_read", (json_int_t)c.read, "inserted",
                                   (json_int_t)c.inserted, "updated", (json_int_t)c.updated, "unchanged",
                                   (json_int_t)c.unchanged, "rejected", (json_int_t)c.rejected);
        if (cli_db_record(&d, "import", "partner_dataset", c.dataset_id, detail, &err) != 0) {
            cli_print_error(&err);
            status = CLI_FAIL;
        }
    }
    if (have_db) {
        core_error cerr;
        core_error_clear(&cerr);
        if (cli_db_close(&d, &cerr) != 0) {
            cli_print_error(&cerr);
            status = CLI_FAIL;
        }
    }
    if (have_m)
        link_mapping_free(&m);
    core_arena_release(&a);
    return status;
}
