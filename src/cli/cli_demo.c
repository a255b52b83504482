/*
 * cli_demo.c — `hearth demo`: build the synthetic council into a new database.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core_parse.h"
#include "demo/demo_council.h"
#include "demo/demo_partner.h"
#include "store/store.h"

int cli_demo(int argc, char **argv)
{
    const char *db = NULL, *logins = NULL, *as_of = NULL;
    int64_t families = 1000, seed = 1;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"families", required_argument, NULL, 'f'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"logins", required_argument, NULL, 'l'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': logins = optarg; break;
        case 'a': as_of = optarg; break;
        case 'f':
            if (core_parse_int64(optarg, strlen(optarg), 1, 1000000, &families)) {
                fprintf(stderr, "hearth demo: --families must be 1..1000000\n");
                return CLI_USAGE;
            }
            break;
        case 's':
            if (core_parse_int64(optarg, strlen(optarg), 0, INT64_MAX, &seed)) {
                fprintf(stderr, "hearth demo: --seed must be a non-negative integer\n");
                return CLI_USAGE;
            }
            break;
        default: return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth demo: --db PATH is required\n");
        return CLI_USAGE;
    }
    demo_options o = {families, (uint64_t)seed, core_date_today(), NULL, isatty(STDERR_FILENO)};
    if (as_of && core_date_parse(as_of, strlen(as_of), &o.as_of)) {
        fprintf(stderr, "hearth demo: --as-of must be a date YYYY-MM-DD\n");
        return CLI_USAGE;
    }
    struct stat sb;
    if (stat(db, &sb) == 0) {
        fprintf(stderr, "hearth demo: %s already exists\nhint: the demo council is built into a new database\n", db);
        return CLI_FAIL;
    }
    if (logins && !(o.logins = fopen(logins, "w"))) {
        fprintf(stderr, "hearth demo: cannot write %s\n", logins);
        return CLI_FAIL;
    }
    core_error err;
    core_error_clear(&err);
    store *s = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    demo_stats st;
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    if (rc == 0)
        rc = demo_council_build(s, &o, &st, &err);
    if (s)
        store_close(s);
    if (o.logins && fclose(o.logins) != 0 && rc == 0) {
        fprintf(stderr, "hearth demo: writing %s failed\n", logins);
        rc = CORE_E_IO;
    }
    if (rc) {
        cli_print_error(&err);
        unlink(db); /* nothing half-built is left behind */
        return CLI_FAIL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("demo council built in %.1f s: %lld families, %lld people, %lld contacts, %lld episodes, %lld notes, %lld users\n",
           secs, (long long)st.families, (long long)st.people, (long long)st.contacts, (long long)st.episodes,
           (long long)st.notes, (long long)st.users);
    if (logins)
        printf("demo logins written to %s\n", logins);
    return CLI_OK;
}

int cli_demo_partners(int argc, char **argv)
{
    const char *db = NULL, *dir = NULL, *as_of = NULL, *truth_path = NULL;
    int64_t seed = 1;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"truth", required_argument, NULL, 't'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': dir = optarg; break;
        case 't': truth_path = optarg; break;
        case 'a': as_of = optarg; break;
        case 's':
            if (core_parse_int64(optarg, strlen(optarg), 0, INT64_MAX, &seed)) {
                fprintf(stderr, "hearth demo partners: --seed must be a non-negative integer\n");
                return CLI_USAGE;
            }
            break;
        default: return CLI_USAGE;
        }
    }
    core_date day = core_date_today();
    if (!db || !dir || optind != argc || (as_of && core_date_parse(as_of, strlen(as_of), &day))) {
        fprintf(stderr, "hearth demo partners: --db PATH and --out DIR are required; --as-of is YYYY-MM-DD\n");
        return CLI_USAGE;
    }
    struct stat sb; /* a PostgreSQL address is no file: a missing database fails to open below */
    if (!store_target_is_pg(db) && stat(db, &sb) != 0) {
        fprintf(stderr, "hearth demo partners: %s does not exist\nhint: build the council first: hearth demo --db %s\n",
                db, db);
        return CLI_FAIL;
    }
    core_error err;
    core_error_clear(&err);
    store *s = NULL;
    demo_partner_stats st;
    FILE *truth = NULL;
    if (truth_path && !(truth = fopen(truth_path, "w"))) {
        fprintf(stderr, "hearth demo partners: cannot write %s\n", truth_path);
        return CLI_FAIL;
    }
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = demo_partner_write(s, dir, (uint64_t)seed, day, truth, &st, &err);
    if (s)
        store_close(s);
    if (truth && fclose(truth) != 0 && rc == 0)
        rc = core_error_set(&err, CORE_E_IO, "cannot write %s", truth_path);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    for (int i = 0; i < 4; i++)
        printf("%s/%s.csv: %" PRId64 " rows (mapping %s/%s.json)\n", dir, demo_partner_datasets[i], st.rows[i], dir,
               demo_partner_datasets[i]);
    printf("%" PRId64 " rows about people the council does not know, %" PRId64 " with a recording error\n",
           st.unknown, st.altered);
    return CLI_OK;
}
