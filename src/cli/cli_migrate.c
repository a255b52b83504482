/*
 * cli_migrate.c — `hearth migrate --from sqlite:PATH --to postgres://... [--audit-dir DIR]`: copy a council
 * from its SQLite database to an empty PostgreSQL database, and prove it arrived whole.
 *
 * Steps, each stopping the command with exit 1 and a clear error when it fails:
 *   1. the source: PATH and its trail PATH.audit exist, with the trail's keys, at the current schema;
 *   2. the target: migrated to the current schema, then refused unless it is empty: no audit entry and no
 *      row in any table but those the migrations fill themselves (reference rows, replaced by the source's);
 *   3. one transaction on the target (all or nothing): every table in dependency order (store_copy.h), ids
 *      kept, progress per table on stderr; the trail's audit_event in seq order (the target's trigger checks
 *      each entry extends the chain and moves audit_chain_head to it) and audit_outbox_done; every identity
 *      sequence moved past its largest id (store_pg_identity_sync, as after every migration);
 *   4. the trail's files — hash key, public key, checkpoints and (unless $HEARTH_AUDIT_SIGNING_KEY names one
 *      elsewhere) the signing key — copied into the audit directory (written beside as NAME.migrating and
 *      renamed only after the commit), so the chain verifies with the same keys;
 *   5. row counts compared table by table (a table of counts on stdout; any difference fails);
 *   6. the target's trail verified with audit_verify(), as `hearth audit verify` does.
 * The source is only read, inside a transaction on it and on its trail that holds their write locks from the
 * copy to the counts (and is rolled back), so a server left running waits rather than skewing the counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/store_copy.h"

/* The trail's tables, copied from PATH.audit after the council's own. */
static const char *const migrate_trail_tables[] = {"audit_event", "audit_outbox_done"};

/* The trail's files, by suffix (audit_path() puts them beside PATH, or in the audit directory), and the research
 * key (report_research_key(): the same place), so research pseudonyms stay the same after the move. */
static const char *const migrate_trail_files[] = {".audit-key", ".audit-pubkey", ".audit-checkpoints",
                                                  ".research-key"};

static void migrate_progress(void *ctx, const char *table, int64_t rows)
{
    (void)ctx;
    fprintf(stderr, "hearth migrate: %s %lld rows\n", table, (long long)rows);
}

static int migrate_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Copy the file from to to.migrating (mode 0600 for keys, as audit_chain.c writes them). */
static int migrate_file_stage(const char *from, const char *to, core_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in) {
        core_error_set(err, CORE_E_IO, "cannot read the audit file %s: %s", from, strerror(errno));
        return core_error_hint(err, "the source's audit keys live beside it (src/audit/README.md)");
    }
    size_t n = strlen(to);
    char *tmp = malloc(n + sizeof ".migrating");
    if (!tmp)
        abort();
    memcpy(tmp, to, n);
    memcpy(tmp + n, ".migrating", sizeof ".migrating");
    FILE *out = NULL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0)
        out = fdopen(fd, "wb");
    int rc = 0;
    if (!out) {
        rc = core_error_set(err, CORE_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
    } else {
        char buf[8192];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, got, out) != got)
                break;
        if (ferror(in) || fflush(out) != 0 || fsync(fileno(out)) != 0)
            rc = core_error_set(err, CORE_E_IO, "cannot copy %s to %s", from, tmp);
        if (fclose(out) != 0 && rc == 0)
            rc = core_error_set(err, CORE_E_IO, "cannot write %s", tmp);
    }
    fclose(in);
    free(tmp);
    return rc;
}

static int migrate_file_commit(const char *to, int keep, core_error *err)
{
    size_t n = strlen(to);
    char *tmp = malloc(n + sizeof ".migrating");
    if (!tmp)
        abort();
    memcpy(tmp, to, n);
    memcpy(tmp + n, ".migrating", sizeof ".migrating");
    int rc = 0;
    if (!keep)
        unlink(tmp);
    else if (rename(tmp, to) != 0)
        rc = core_error_set(err, CORE_E_IO, "cannot move %s into place: %s", to, strerror(errno));
    free(tmp);
    return rc;
}

typedef struct migrate_run {
    const char *from;   /* the SQLite path (after "sqlite:") */
    const char *to;     /* the PostgreSQL address */
    store *src, *trail, *dst;
    char **tables;
    size_t ntables;
    store_copy_deferred deferred; /* references closing a cycle, set after every table is copied */
    char *files_from[5], *files_to[5]; /* migrate_trail_files and the signing key */
    size_t nfiles;
} migrate_run;

static int migrate_check_source(migrate_run *m, core_error *err)
{
    if (!migrate_exists(m->from)) {
        core_error_set(err, CORE_E_NOT_FOUND, "the source database %s does not exist", m->from);
        return core_error_hint(err, "give --from sqlite:PATH, the council's SQLite database file");
    }
    char *trail = audit_trail_path(m->from);
    int have = migrate_exists(trail);
    int rc = 0;
    if (!have) {
        core_error_set(err, CORE_E_NOT_FOUND, "the source has no audit trail %s", trail);
        rc = core_error_hint(err, "a Hearth database keeps its audit trail beside it as PATH.audit; one that "
                                  "never had a server (a fresh demo) starts it with `hearth init --db PATH`");
    }
    if (rc == 0)
        rc = store_open(&m->src, m->from, err);
    if (rc == 0)
        rc = store_open(&m->trail, trail, err);
    free(trail);
    int version = 0;
    if (rc == 0)
        rc = store_schema_version(m->src, &version, err);
    size_t count = 0;
    const struct store_migration *list = store_migrations_for(&store_sqlite_backend, &count);
    if (rc == 0 && (count == 0 || version != list[count - 1].version)) {
        core_error_set(err, CORE_E_CONFLICT, "the source database is at schema %d, not %d", version,
                       count ? list[count - 1].version : 0);
        rc = core_error_hint(err, "bring it up to date first with `hearth init --db %s`", m->from);
    }
    if (rc == 0)
        rc = store_copy_tables(m->src, &m->tables, &m->ntables, &m->deferred, err);
    return rc;
}

/* The target, migrated, must hold nothing but what its migrations put there. */
static int migrate_check_target(migrate_run *m, core_error *err)
{
    int rc = store_open(&m->dst, m->to, err);
    if (rc == 0)
        rc = store_migrate(m->dst, err);
    for (size_t i = 0; rc == 0 && i < m->ntables + 2; i++) {
        const char *t = i < m->ntables ? m->tables[i] : migrate_trail_tables[i - m->ntables];
        int64_t n = 0;
        if (store_copy_is_reference(t))
            continue;
        rc = store_copy_count(m->dst, t, &n, err);
        if (rc == 0 && n > 0) {
            core_error_set(err, CORE_E_CONFLICT, "the target database already holds data: table %s has %lld rows",
                           t, (long long)n);
            rc = core_error_hint(err, "migrate only into an empty database (nothing was changed)");
        }
    }
    return rc;
}

/* Stage the trail's files for the audit directory; nothing is replaced yet. */
static int migrate_stage_files(migrate_run *m, core_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof migrate_trail_files / sizeof *migrate_trail_files && rc == 0; i++) {
        char *from = audit_path(m->from, migrate_trail_files[i]);
        if (!migrate_exists(from) && (strcmp(migrate_trail_files[i], ".audit-checkpoints") == 0 ||
                                      strcmp(migrate_trail_files[i], ".research-key") == 0)) {
            free(from); /* a trail never closed has no checkpoints yet; a council never extracted, no key */
            continue;
        }
        m->files_from[m->nfiles] = from;
        m->files_to[m->nfiles] = audit_path(m->to, migrate_trail_files[i]);
        rc = migrate_file_stage(from, m->files_to[m->nfiles], err);
        m->nfiles++;
    }
    const char *env = getenv("HEARTH_AUDIT_SIGNING_KEY");
    if (rc == 0 && !(env && *env)) { /* else the one named signing key serves both */
        m->files_from[m->nfiles] = audit_signing_key_path(m->from, NULL);
        m->files_to[m->nfiles] = audit_signing_key_path(m->to, NULL);
        rc = migrate_file_stage(m->files_from[m->nfiles], m->files_to[m->nfiles], err);
        m->nfiles++;
    }
    return rc;
}

static int migrate_copy(migrate_run *m, core_error *err)
{
    int rc = store_begin(m->dst, err);
    /* Reference rows the target's migrations made give way to the source's (children first). */
    for (size_t i = m->ntables; rc == 0 && i-- > 0;)
        if (store_copy_is_reference(m->tables[i]))
            rc = store_copy_clear(m->dst, m->tables[i], err);
    int64_t rows;
    for (size_t i = 0; rc == 0 && i < m->ntables; i++)
        rc = store_copy_table(m->src, m->dst, m->tables[i], &m->deferred, &rows, migrate_progress, NULL, err);
    for (size_t i = 0; rc == 0 && i < m->deferred.n; i++) {
        rc = store_copy_fixup(m->src, m->dst, m->deferred.table[i], m->deferred.column[i], &rows, err);
        if (rc == 0)
            fprintf(stderr, "hearth migrate: %s.%s set in %lld rows\n", m->deferred.table[i], m->deferred.column[i],
                    (long long)rows);
    }
    for (size_t i = 0; rc == 0 && i < 2; i++)
        rc = store_copy_table(m->trail, m->dst, migrate_trail_tables[i], NULL, &rows, migrate_progress, NULL, err);
    if (rc == 0)
        rc = store_exec_script(m->dst, store_pg_identity_sync, err);
    if (rc == 0)
        rc = store_commit(m->dst, err);
    if (rc) {
        store_rollback(m->dst);
        if (!err->hint[0])
            core_error_hint(err, "nothing was copied: the target is as it was (the table that failed is the one "
                                 "after the last progress line)");
    }
    return rc;
}

/* Counts table by table on stdout; 1 when any differs. */
static int migrate_compare(migrate_run *m, int *differ, core_error *err)
{
    *differ = 0;
    printf("%-32s %10s %10s\n", "table", "sqlite", "postgres");
    for (size_t i = 0; i < m->ntables + 2; i++) {
        int trail = i >= m->ntables;
        const char *t = trail ? migrate_trail_tables[i - m->ntables] : m->tables[i];
        int64_t a = 0, b = 0;
        int rc = store_copy_count(trail ? m->trail : m->src, t, &a, err);
        if (rc == 0)
            rc = store_copy_count(m->dst, t, &b, err);
        if (rc)
            return rc;
        printf("%-32s %10lld %10lld%s\n", t, (long long)a, (long long)b, a == b ? "" : "  DIFFERENT");
        if (a != b)
            *differ = 1;
    }
    return 0;
}

static int migrate_verify(migrate_run *m, core_error *err)
{
    char *pub = audit_path(m->to, ".audit-pubkey");
    audit_verify_options o = {pub, NULL};
    audit_verify_report r;
    int rc = audit_verify(m->to, &o, &r, err);
    free(pub);
    if (rc)
        return rc;
    if (r.fault != AUDIT_FAULT_NONE) {
        core_error_set(err, CORE_E_IO, "the migrated audit trail does not verify: entry %lld (%s): %s",
                       (long long)r.first_bad_seq, audit_fault_name(r.fault), r.what);
        return core_error_hint(err, "the target now holds the copy: inspect it with `hearth audit verify`");
    }
    printf("audit trail: %lld entries verified, %lld checkpoints\n", (long long)r.entries,
           (long long)r.checkpoints);
    return 0;
}

static void migrate_release(migrate_run *m)
{
    for (size_t i = 0; i < m->nfiles; i++) {
        free(m->files_from[i]);
        free(m->files_to[i]);
    }
    store_copy_names_free(m->tables, m->ntables);
    store_copy_deferred_free(&m->deferred);
    if (m->dst)
        store_close(m->dst);
    if (m->trail) {
        store_rollback(m->trail);
        store_close(m->trail);
    }
    if (m->src) {
        store_rollback(m->src);
        store_close(m->src);
    }
}

int cli_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *dir = NULL;
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"audit-dir", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'a': dir = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (!from || !to || optind != argc) {
        fprintf(stderr, "hearth migrate: --from sqlite:PATH and --to postgres://... are required\n");
        return CLI_USAGE;
    }
    if (strncmp(from, "sqlite:", 7) != 0 || !from[7]) {
        fprintf(stderr, "hearth migrate: --from must be sqlite:PATH (the council's SQLite database)\n");
        return CLI_USAGE;
    }
    if (!store_target_is_pg(to)) {
        fprintf(stderr, "hearth migrate: --to must be a PostgreSQL address (postgres://...)\n");
        return CLI_USAGE;
    }
    if (dir && setenv("HEARTH_AUDIT_DIR", dir, 1) != 0) { /* where audit_path() puts the target's files */
        fprintf(stderr, "hearth migrate: cannot set the audit directory\n");
        return CLI_FAIL;
    }
    core_error err;
    core_error_clear(&err);
    migrate_run m = {.from = from + 7, .to = to};
    int rc = audit_pg_dir_check(to, &err);
    if (rc == 0)
        rc = migrate_check_source(&m, &err);
    if (rc == 0)
        rc = migrate_check_target(&m, &err);
    /* Hold the source still while it is copied and counted: its write lock (and the trail's) until the end,
     * so a writer that was not stopped waits instead of making the counts differ. Rolled back: only read. */
    if (rc == 0)
        rc = store_begin(m.src, &err);
    if (rc == 0)
        rc = store_begin(m.trail, &err);
    if (rc == 0)
        rc = migrate_stage_files(&m, &err);
    if (rc == 0)
        rc = migrate_copy(&m, &err);
    for (size_t i = 0; i < m.nfiles; i++) { /* in place after the commit; staged copies removed otherwise */
        core_error ferr;
        core_error_clear(&ferr);
        if (migrate_file_commit(m.files_to[i], rc == 0, &ferr) != 0 && rc == 0) {
            err = ferr;
            rc = ferr.code;
        }
    }
    int differ = 0;
    if (rc == 0)
        rc = migrate_compare(&m, &differ, &err);
    if (rc == 0 && differ) {
        core_error_set(&err, CORE_E_CONFLICT, "row counts differ between the source and the target");
        rc = core_error_hint(&err, "see the table above; the target holds the copy as committed");
    }
    if (rc == 0)
        rc = migrate_verify(&m, &err);
    migrate_release(&m);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    printf("migrated %s to PostgreSQL: counts match, audit trail verified\n", m.from);
    return CLI_OK;
}
