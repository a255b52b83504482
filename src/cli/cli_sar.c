/*
 * cli_sar.c — `hearth sar pack --db PATH --person ID --out FILE.zip [--portable]`: a person's subject-access
 * pack, or with --portable the portable copy of what they provided (src/gov/gov_sar.c says what each holds,
 * docs/requests.md why).
 *
 * The pack is recorded in the audit trail (action subject_access_pack on the person) before the records are
 * read, so the access report inside it ends with its own making. The file is written beside FILE and renamed
 * over it only when complete: a failed run leaves nothing half-written. A summary goes to stdout.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/core_clock.h"
#include "core/core_parse.h"
#include "gov/gov.h"

static const char SQL_ATTACH_TRAIL[] = "ATTACH DATABASE $1 AS trail";

static int write_file(const char *path, const char *data, size_t len, core_error *err)
{
    size_t n = strlen(path) + 8;
    char *tmp = core_xmalloc(n);
    snprintf(tmp, n, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        remove(tmp);
        core_error_set(err, CORE_E_IO, "cannot write %s", path);
        core_error_hint(err, "check that the directory exists and is writable");
    }
    free(tmp);
    return ok ? 0 : CORE_E_IO;
}

int cli_sar_pack(int argc, char **argv)
{
    const char *db = NULL, *out = NULL, *person_arg = NULL;
    int portable = 0;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"person", required_argument, NULL, 'p'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"portable", no_argument, NULL, 'P'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': person_arg = optarg; break;
        case 'o': out = optarg; break;
        case 'P': portable = 1; break;
        default: return CLI_USAGE;
        }
    }
    int64_t person = 0;
    if (!db || !out || !person_arg || optind != argc ||
        core_parse_int64(person_arg, strlen(person_arg), 1, INT64_MAX, &person)) {
        fprintf(stderr, "hearth sar pack: --db PATH, --person ID (a person's id) and --out FILE.zip are required\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    char *trail = audit_trail_path(db);
    store_value p[] = {store_v_text(trail)};
    gov_sar sar;
    char *zip = NULL;
    size_t zip_len = 0;
    char generated[21];
    core_clock_iso(0, generated);
    int rc = store_target_is_pg(db) ? 0 : store_exec(d.s, &d.arena, SQL_ATTACH_TRAIL, p, 1, NULL, &err);
    free(trail);
    if (rc == 0)
        rc = gov_person_exists(d.s, &d.arena, person, &err);
    if (rc == 0)
        rc = cli_db_record(&d, "subject_access_pack", "person", person, NULL, &err);
    if (rc == 0)
        rc = gov_sar_collect(d.s, &d.arena, person, portable, &sar, &err);
    if (rc == 0) {
        rc = gov_sar_pack(&sar, generated, &zip, &zip_len, &err);
        if (rc == 0)
            rc = write_file(out, zip, zip_len, &err);
        if (rc == 0)
            printf("%s: %" PRIu64 " records, %" PRIu64 " withheld whole, %zu items withheld in all, %zu free-text "
                   "fields to read before release, %zu access-report entries (%zu bytes)\n",
                   out, sar.records, sar.withheld, json_array_size(sar.redactions), json_array_size(sar.review),
                   json_array_size(sar.access), zip_len);
        free(zip);
        gov_sar_release(&sar);
    }
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
