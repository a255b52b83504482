/*
 * fuzz_import.c — libFuzzer driver for `hearth import`'s engine (import/import.c): arbitrary bytes as a CSV
 * file, through a fixed mapping naming every person field and two attributes, into a scratch database.
 *
 * Per input:
 *   1. import the bytes into dataset "fuzz" (empty before). Asserted: the code returned is the code recorded;
 *      on failure it is CORE_E_INVALID_VALUE (the file: absent column, header not UTF-8 or not CSV, a quote
 *      never closed, a field past 64 KiB) and every table is exactly as before (no dataset, no import, no
 *      row: "a failed import leaves no rows"); on success inserted + rejected = read (nothing was held before,
 *      so nothing is updated or unchanged), the dataset holds exactly the inserted rows, every reject line is
 *      within the input's lines and in file order, and every stored row has a non-empty key;
 *   2. after a success, import the same bytes again. Asserted: nothing inserted or updated, every row held
 *      unchanged, the same rows rejected, no history written;
 *   3. the scratch tables are emptied for the next input.
 * The database is a file (WAL needs one) in a scratch directory, with synchronous=OFF: a fuzz run is not
 * about durability, and fsync per input would dominate. Seeds: tests/fuzz/seeds/fuzz_import/; dictionary:
 * tests/fuzz/fuzz_import.dict.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test_tmpdb.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "import/import.h"
#include "link/link.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MAPPING[] =
    "{\"id\":\"id\",\"given_name\":\"given\",\"family_name\":\"family\",\"full_name\":\"name\","
    "\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\",\"sex\":\"sex\",\"postcode\":\"pc\","
    "\"address\":[\"a1\",\"a2\"],\"town\":\"town\",\"email\":\"email\",\"nhs_number\":\"nhs\",\"nino\":\"nino\","
    "\"upn\":\"upn\",\"attributes\":{\"score\":\"score\",\"note\":\"note\"}}";

static test_tmpdb tmp;
static store *db;
static link_mapping mapping;

_Noreturn static void die(const char *what, const core_error *err)
{
    fprintf(stderr, "fuzz_import: %s: %s %s\n", what, err ? err->message : "", err ? err->detail : "");
    abort();
}

static void cleanup(void)
{
    link_mapping_free(&mapping);
    store_close(db);
    test_tmpdb_remove(&tmp);
}

static void init(void)
{
    core_error err;
    if (test_tmpdb_make(&tmp))
        die("no temporary directory", NULL);
    if (store_open(&db, tmp.path, &err) || store_migrate(db, &err) ||
        store_exec_script(db, "PRAGMA synchronous=OFF", &err))
        die("cannot make the database", &err);
    if (link_mapping_parse(MAPPING, sizeof MAPPING - 1, &mapping, &err))
        die("mapping", &err);
    atexit(cleanup);
}

static int64_t count(core_arena *a, const char *sql)
{
    int64_t n = -1;
    core_error err;
    if (store_query_int(db, a, sql, NULL, 0, &n, &err))
        die(sql, &err);
    return n;
}

/* Rows of every table an import writes, as one number (each count is small: inputs are bounded). */
static int64_t fingerprint(core_arena *a)
{
    return count(a, "SELECT (SELECT count(*) FROM partner_dataset) * 1000000000 +\n"
                    "       (SELECT count(*) FROM partner_import) * 1000000 +\n"
                    "       (SELECT count(*) FROM row_history) * 1000 +\n"
                    "       (SELECT count(*) FROM partner_record)");
}

typedef struct seen {
    uint64_t max_line, last_line, n;
} seen;

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    seen *s = ctx;
    assert(line >= 1 && line <= s->max_line);
    assert(line >= s->last_line); /* file order (rows ended by a bare CR share a line: link.h R1) */
    assert(reason && reason[0]);
    s->last_line = line;
    s->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        init();
    const char *csv = (const char *)data;
    uint64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    core_arena a = CORE_ARENA_INIT;
    int64_t before = fingerprint(&a);
    assert(before == 0);

    /* 1. the first import */
    seen s1 = {lines, 0, 0};
    import_options o = {.dataset = "fuzz", .file = "fuzz.csv", .reject = on_reject, .ctx = &s1};
    import_counts c1;
    core_error err;
    core_error_clear(&err);
    int rc = import_csv_mem(db, csv, size, &mapping, &o, &c1, &err);
    if (rc) {
        assert(rc == err.code);
        assert(rc == CORE_E_INVALID_VALUE);
        assert(fingerprint(&a) == before);
        core_arena_release(&a);
        return 0;
    }
    assert(c1.updated == 0 && c1.unchanged == 0);
    assert(c1.inserted + c1.rejected == c1.read);
    assert(s1.n == c1.rejected);
    assert(count(&a, "SELECT count(*) FROM partner_record") == (int64_t)c1.inserted);
    assert(count(&a, "SELECT records FROM partner_dataset") == (int64_t)c1.inserted);
    assert(count(&a, "SELECT count(*) FROM partner_record WHERE length(row_key) = 0") == 0);

    /* 2. the same bytes again: nothing new, nothing changed */
    seen s2 = {lines, 0, 0};
    o.ctx = &s2;
    import_counts c2;
    rc = import_csv_mem(db, csv, size, &mapping, &o, &c2, &err);
    assert(rc == 0);
    assert(c2.read == c1.read);
    assert(c2.inserted == 0 && c2.updated == 0);
    assert(c2.unchanged == c1.inserted);
    assert(c2.rejected == c1.rejected);
    assert(count(&a, "SELECT count(*) FROM row_history") == 0);

    /* 3. empty the scratch tables */
    if (store_exec_script(db,
                          "BEGIN; DELETE FROM partner_record; DELETE FROM partner_import; "
                          "DELETE FROM partner_dataset; COMMIT",
                          &err))
        die("cleaning up", &err);
    core_arena_release(&a);
    return 0;
}
