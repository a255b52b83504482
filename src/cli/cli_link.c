/*
 * cli_link.c — `hearth link dedupe` and `hearth link pair`: the matching engine (src/link/) on plain CSV files,
 * no database. Writes PAIRS.csv with a header and one row per scored candidate pair:
 *   left_id,right_id,match_weight,probability,decision
 * (decision link, review or no), and with --explain one more column per comparison: its contribution to the
 * match weight, and a last column, blocking_rules, naming the rules that offered the pair (joined by +). Rows
 * refused while reading go to --rejects FILE (line and reason) and are counted; progress
 * and a summary go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core_parse.h"
#include "link/link.h"

typedef struct link_opts {
    const char *mapping, *out, *rejects, *nicknames;
    int64_t threads, block_cap, rule_pairs;
    int no_ids, explain, min_decision;
} link_opts;

static int parse(int argc, char **argv, const char *cmd, int nfiles, link_opts *o)
{
    static const struct option opts[] = {{"mapping", required_argument, NULL, 'm'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"rejects", required_argument, NULL, 'r'},
                                         {"nicknames", required_argument, NULL, 'n'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"block-cap", required_argument, NULL, 'b'},
                                         {"no-identifiers", no_argument, NULL, 'i'},
                                         {"explain", no_argument, NULL, 'e'},
                                         {"rule-pairs", required_argument, NULL, 'p'},
                                         {"min-decision", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': o->mapping = optarg; break;
        case 'o': o->out = optarg; break;
        case 'r': o->rejects = optarg; break;
        case 'n': o->nicknames = optarg; break;
        case 'i': o->no_ids = 1; break;
        case 'e': o->explain = 1; break;
        case 'p':
            if (core_parse_int64(optarg, strlen(optarg), 1, INT64_MAX, &o->rule_pairs)) {
                fprintf(stderr, "hearth %s: --rule-pairs wants a whole number from 1\n", cmd);
                return CLI_USAGE;
            }
            break;
        case 'd':
            if (strcmp(optarg, "no") == 0 || strcmp(optarg, "review") == 0 || strcmp(optarg, "link") == 0) {
                o->min_decision = optarg[0] == 'n' ? LINK_NO : optarg[0] == 'r' ? LINK_REVIEW : LINK_LINK;
                break;
            }
            fprintf(stderr, "hearth %s: --min-decision is no, review or link\n", cmd);
            return CLI_USAGE;
        case 't':
        case 'b':
            if (core_parse_int64(optarg, strlen(optarg), 1, c == 't' ? 64 : 10000000,
                                 c == 't' ? &o->threads : &o->block_cap)) {
                fprintf(stderr, "hearth %s: --%s wants a whole number (%s)\n", cmd,
                        c == 't' ? "threads" : "block-cap", c == 't' ? "1 to 64" : "1 to 10000000");
                return CLI_USAGE;
            }
            break;
        default:
            fprintf(stderr, "hearth %s: unknown option %s (see --help)\n", cmd, argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (!o->mapping || !o->out || argc - optind != nfiles) {
        fprintf(stderr, "hearth %s: needs --mapping M --out PAIRS.csv and %s (see --help)\n", cmd,
                nfiles == 1 ? "one CSV file" : "two CSV files");
        return CLI_USAGE;
    }
    return 0;
}

typedef struct rejects {
    FILE *f;
    const char *file;
    uint64_t n;
} rejects;

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    rejects *r = ctx;
    r->n++;
    if (r->f)
        fprintf(r->f, "%s:%" PRIu64 ": %s\n", r->file, line, reason);
}

void cli_link_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\rhearth link: %s %" PRIu64 "/%" PRIu64 "   %s", stage, done, total,
                done == total ? "\n" : "");
}

static int read_file(const char *path, const link_mapping *m, link_dataset *d, rejects *rj, core_error *err)
{
    rj->file = path;
    int rc = link_csv_read(path, m, d, on_reject, rj, err);
    if (rc == 0)
        fprintf(stderr, "hearth link: %s: %zu records read, %zu rejected\n", path, d->n, d->rejected);
    if (rc == 0 && d->invalid_dates)
        fprintf(stderr, "hearth link: %s: %zu dates of birth that are not dates read as missing (the first on line "
                        "%" PRIu64 "; the rows are kept)\n", path, d->invalid_dates, d->invalid_date_line);
    return rc;
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_pairs(const char *path, const link_result *r, const link_dataset *a, const link_dataset *b,
                       int explain, int min_decision, core_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return core_error_set(err, CORE_E_IO, "cannot write %s: %s", path, strerror(errno));
    fputs("left_id,right_id,match_weight,probability,decision", f);
    if (explain)
        for (int c = 0; c < LINK_NCOMP; c++)
            fprintf(f, ",%s", link_comparison_name(c));
    if (explain)
        fputs(",blocking_rules", f);
    fputc('\n', f);
    static const char *const decisions[] = {"no", "review", "link"};
    for (size_t i = 0; i < r->npairs; i++) {
        const link_pair *p = &r->pairs[i];
        if (p->decision < min_decision)
            continue;
        csv_field(f, a->recs[p->left].id);
        fputc(',', f);
        csv_field(f, (b ? b : a)->recs[p->right].id);
        fprintf(f, ",%.4f,%.6f,%s", p->weight, link_probability(p->weight), decisions[p->decision]);
        if (explain) {
            double contrib[LINK_NCOMP];
            link_explain(r, a, b, p, contrib);
            for (int c = 0; c < LINK_NCOMP; c++)
                fprintf(f, ",%.3f", contrib[c]);
            fputc(',', f); /* the rules that offered the pair, joined by '+' (none: every pair was compared) */
            for (int q = 0, first = 1; q < link_rule_count(); q++)
                if (p->rules >> q & 1) {
                    fprintf(f, "%s%s", first ? "" : "+", link_rule_name(q));
                    first = 0;
                }
        }
        fputc('\n', f);
    }
    if (ferror(f) | (fclose(f) != 0))
        return core_error_set(err, CORE_E_IO, "cannot write %s", path);
    return 0;
}

static void summary(const link_result *r)
{
    size_t counts[3] = {0};
    for (size_t i = 0; i < r->npairs; i++)
        counts[r->pairs[i].decision]++;
    if (r->linked_through)
        fprintf(stderr, "hearth link: %zu pairs in review linked because their records are linked through others "
                        "(the cluster step)\n",
                r->linked_through);
    if (r->held_back)
        fprintf(stderr,
                "hearth link: %zu links put in review: their partner record is linked far more strongly to "
                "another record of the first file (one record, one person)\n",
                r->held_back);
    else if (r->partner_linked_several && r->partner_linked_several * 20 >= r->partner_linked)
        fprintf(stderr,
                "hearth link: %zu of %zu linked records of the second file are linked to several records of "
                "the first, which may hold people more than once: every link kept\n",
                r->partner_linked_several, r->partner_linked);
    if (r->clear_candidates)
        fprintf(stderr,
                "hearth link: %zu records of the second file with no link linked to their one clear candidate in "
                "review (the first file holds each person once and shows no households)\n",
                r->clear_candidates);
    if (r->compared_all)
        fprintf(stderr, "hearth link: every pair compared: all %zu possible pairs fit the pair budget "
                        "(--rule-pairs), so blocking chose none out\n",
                r->npairs);
    fprintf(stderr,
            "hearth link: %" PRIu64 " candidate pairs from the blocking rules, %zu distinct; %u oversized blocks "
            "skipped, %u over a rule's pair budget\n"
            "hearth link: model: %.4f of candidates are matches (EM, %d iterations); link at probability >= 0.5, "
            "review from %.3f\n"
            "hearth link: %zu link, %zu review, %zu no; %.2f s blocking, %.2f s training, %.2f s scoring\n",
            r->candidates_before_union, r->npairs, r->blocks_skipped, r->blocks_over_budget, r->model.lambda, r->model.iterations,
            link_probability(r->model.review_weight), counts[LINK_LINK], counts[LINK_REVIEW], counts[LINK_NO],
            r->seconds_blocking, r->seconds_training, r->seconds_scoring);
    if (r->blocks_skipped)
        fprintf(stderr, "hearth link: warning: %u blocks were larger than the block cap and were not compared "
                        "(raise --block-cap to compare them)\n",
                r->blocks_skipped);
    if (r->blocks_over_budget)
        fprintf(stderr, "hearth link: note: %u of the largest blocks were left out to keep each blocking rule within "
                        "its pair budget (--rule-pairs)\n",
                r->blocks_over_budget);
}

static int run(int argc, char **argv, const char *cmd, int nfiles)
{
    link_opts o;
    int rc = parse(argc, argv, cmd, nfiles, &o);
    if (rc)
        return rc;
    core_error err;
    core_error_clear(&err);
    link_mapping m;
    link_dataset a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    int have_m = 0;
    rejects rj = {NULL, NULL, 0};
    if (o.rejects && !(rj.f = fopen(o.rejects, "w"))) {
        core_error_set(&err, CORE_E_IO, "cannot write %s: %s", o.rejects, strerror(errno));
        cli_print_error(&err);
        return CLI_FAIL;
    }
    rc = link_mapping_load(o.mapping, &m, &err);
    have_m = rc == 0;
    if (rc == 0 && o.nicknames && link_nick_load(o.nicknames, &err) < 0)
        rc = err.code ? err.code : CORE_E_IO;
    if (rc == 0)
        rc = read_file(argv[optind], &m, &a, &rj, &err);
    if (rc == 0 && nfiles == 2)
        rc = read_file(argv[optind + 1], &m, &b, &rj, &err);
    link_result r;
    memset(&r, 0, sizeof(r));
    if (rc == 0) {
        link_options lo = {.threads = (int)o.threads, .block_cap = (uint32_t)o.block_cap,
                           .rule_pairs = (uint64_t)o.rule_pairs, .use_ids = !o.no_ids, .progress = cli_link_progress};
        rc = link_run(&a, nfiles == 2 ? &b : NULL, &lo, &r, &err);
    }
    if (rc == 0)
        rc = write_pairs(o.out, &r, &a, nfiles == 2 ? &b : NULL, o.explain, o.min_decision, &err);
    if (rc == 0)
        summary(&r);
    if (rj.f)
        fclose(rj.f);
    link_result_free(&r);
    link_dataset_free(&a);
    link_dataset_free(&b);
    if (have_m)
        link_mapping_free(&m);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_link_dedupe(int argc, char **argv)
{
    return run(argc, argv, "link dedupe", 1);
}

int cli_link_pair(int argc, char **argv)
{
    return run(argc, argv, "link pair", 2);
}
