/*
 * test_import.c — unit tests for importing partner files (import/import.c) into a migrated scratch database:
 *   rows      every person field stored in canonical form (names cleaned, folded keys, dates ISO, sex codes,
 *             postcodes and identifiers canonical, address columns joined and line breaks kept as ", ",
 *             email lower-cased), attributes as a JSON object in the mapping's order with null for empty,
 *             full_name split at its last space, placeholders kept as given without a key;
 *   rejects   every reason with its line: the reader's (ragged, not UTF-8, date format) and the importer's
 *             (NHS number, NINO, UPN, postcode, sex, email, future date of birth, control characters, lengths,
 *             no person details, a row key repeated within the file naming the earlier line); counts add up
 *             (inserted + updated + unchanged + rejected = read);
 *   re-run    the same file changes nothing (all unchanged, versions kept); a changed row is updated once
 *             (version 2, the previous content in row_history); a new row is inserted; a key that moved
 *             line is not a repeat across runs;
 *   atomicity a mapped column absent from the header, an unclosed quote after good rows, a header that is not
 *             UTF-8, a UTF-16 file, cancellation, a failing before_commit, a section or agency that does not
 *             fit: each returns its error and leaves every table exactly as before (fingerprinted);
 *   sizes     the largest attributes (every character escaped) stored and kept in history on a change; one
 *             byte more refused;
 *   files     a file of several 64 KiB chunks read from disk, progress reported with growing counts.
 * All names are invented; identifiers are test values (NHS 943 476 5919, UPN and NINO built to pass their
 * checks).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../test_tmpdb.h"
#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_error.h"
#include "import/import.h"
#include "link/link.h"
#include "../test_link_util.h"
#include "store/store.h"

/* ---- fixture: a migrated database per test ------------------------------------------------------------------ */

typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    core_error err;
    if (!f || test_tmpdb_make(&f->tmp) || store_open(&f->s, f->tmp.path, &err) || store_migrate(f->s, &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    core_arena_release(&f->a);
    store_close(f->s);
    test_tmpdb_remove(&f->tmp);
    free(f);
    return 0;
}


static const char *MAP =
    "{\"id\":\"ref\",\"given_name\":\"first\",\"family_name\":\"last\",\"date_of_birth\":\"dob\","
    "\"date_format\":\"%d/%m/%Y\",\"sex\":\"sex\",\"postcode\":\"pc\",\"address\":[\"a1\",\"a2\"],\"town\":\"town\","
    "\"email\":\"mail\",\"nhs_number\":\"nhs\",\"nino\":\"ni\",\"upn\":\"upn\","
    "\"attributes\":{\"attendance_pct\":\"Attendance %\",\"year_group\":\"NC Year\"}}";

static const char *HEADER = "ref,first,last,dob,sex,pc,a1,a2,town,mail,nhs,ni,upn,Attendance %,NC Year\n";

/* Import csv (HEADER prepended when with_header) into dataset name; rejects into *rj. */
static int import_text(fixture *f, const char *map, const char *name, const char *csv, int with_header,
                       import_counts *c, rejects *rj, core_error *err)
{
    link_mapping m = map_of(map);
    core_arena a = CORE_ARENA_INIT;
    const char *text = with_header ? core_arena_printf(&a, "%s%s", HEADER, csv) : csv;
    memset(rj, 0, sizeof *rj);
    import_options o = {.dataset = name, .file = "test.csv", .reject = on_reject, .ctx = rj};
    int rc = import_csv_mem(f->s, text, strlen(text), &m, &o, c, err);
    core_arena_release(&a);
    link_mapping_free(&m);
    return rc;
}

/* One column of the partner_record row with this key, as text ("(null)" for NULL). */
static const char *col(fixture *f, const char *key, const char *column)
{
    static const struct {
        const char *name, *sql;
    } q[] = {
#define Q(c) {#c, "SELECT " #c " FROM partner_record WHERE row_key = $1"}
        Q(given_name), Q(family_name), Q(given_key), Q(family_key), Q(date_of_birth), Q(sex), Q(postcode),
        Q(address),    Q(town),        Q(email),     Q(nhs_number), Q(nino),          Q(upn), Q(attributes),
        Q(version),    Q(source_line), Q(import_id), Q(person_id),
#undef Q
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        if (strcmp(q[i].name, column) != 0)
            continue;
        store_value v = store_v_text(key);
        store_stmt *st;
        core_error err;
        assert_ok(store_query(f->s, &f->a, q[i].sql, &v, 1, &st, &err), err);
        int rc = store_next(st, &err);
        if (rc != 1)
            fail_msg("no row with key %s", key);
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        const char *copy = t ? core_arena_strndup(&f->a, t, n) : "(null)";
        store_done(st); /* the import that follows begins a transaction on this handle */
        return copy;
    }
    fail_msg("unknown column %s", column);
    return NULL;
}

static int64_t count(fixture *f, const char *sql)
{
    int64_t n = -1;
    core_error err;
    assert_ok(store_query_int(f->s, &f->a, sql, NULL, 0, &n, &err), err);
    return n;
}

/* Everything an import may touch, as one string: counts, versions, keys, lines, content. */
static const char *fingerprint(fixture *f)
{
    static const char SQL[] =
        "SELECT (SELECT count(*) FROM partner_dataset) || '/' || (SELECT count(*) FROM partner_import) || '/' ||\n"
        "       (SELECT count(*) FROM row_history) || '/' ||\n"
        "       coalesce((SELECT string_agg(r, '|')\n"
        "                   FROM (SELECT row_key || ':' || version || ':' || import_id || ':' || source_line\n"
        "                                || ':' || coalesce(attributes, '') || ':' || coalesce(given_name, '') AS r\n"
        "                           FROM partner_record\n"
        "                          ORDER BY id) rows), '')";
    store_stmt *st;
    core_error err;
    assert_ok(store_query(f->s, &f->a, SQL, NULL, 0, &st, &err), err);
    assert_int_equal(store_next(st, &err), 1);
    size_t n;
    const char *t = store_col_text(st, 0, &n);
    const char *copy = core_arena_strndup(&f->a, t, n);
    store_done(st);
    return copy;
}

static void assert_counts(const import_counts *c, uint64_t read, uint64_t ins, uint64_t upd, uint64_t same,
                          uint64_t rej)
{
    assert_int_equal(c->read, read);
    assert_int_equal(c->inserted, ins);
    assert_int_equal(c->updated, upd);
    assert_int_equal(c->unchanged, same);
    assert_int_equal(c->rejected, rej);
    assert_int_equal(c->inserted + c->updated + c->unchanged + c->rejected, c->read);
}

/* The reject with this line must exist and its reason contain want. */
static void assert_rejected(const rejects *rj, uint64_t line, const char *want)
{
    for (size_t i = 0; i < rj->n && i < 64; i++)
        if (rj->line[i] == line) {
            if (!strstr(rj->reason[i], want))
                fail_msg("line %llu: reason '%s' does not say '%s'", (unsigned long long)line, rj->reason[i], want);
            return;
        }
    fail_msg("line %llu was not rejected (wanted '%s')", (unsigned long long)line, want);
}

/* ---- rows stored ------------------------------------------------------------------------------------------- */

static void test_rows_canonical(void **state)
{
    fixture *f = *state;
    const char *csv =
        "p1,\"  Amara  Jane \",Okonkwo-Reyes,03/09/2014,female,ls6 2qt,\"12 Ashgrove\nFlat B\",,Leeds,"
        " Amara.O@Example.ORG ,943 476 5919,ab 12 34 56 c,H801200001001,91.5,5\n"
        "p2,Baby,Wiśniewski,14/02/2013,m,M1 1AE,,3 Mill Lane,,,,,,,\n"
        "p3,Łucja,Nowak,,U,,,,,,,,,\" 7 \",\n";
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, MAP, "school_attendance", csv, 1, &c, &rj, &err), err);
    assert_counts(&c, 3, 3, 0, 0, 0);
    assert_int_equal(c.dataset_created, 1);
    assert_true(c.dataset_id > 0 && c.import_id > 0);
    assert_string_equal(col(f, "p1", "given_name"), "Amara Jane");
    assert_string_equal(col(f, "p1", "family_name"), "Okonkwo-Reyes");
    assert_string_equal(col(f, "p1", "given_key"), "amara jane");
    assert_string_equal(col(f, "p1", "family_key"), "okonkwo reyes");
    assert_string_equal(col(f, "p1", "date_of_birth"), "2014-09-03");
    assert_string_equal(col(f, "p1", "sex"), "F");
    assert_string_equal(col(f, "p1", "postcode"), "LS6 2QT");
    assert_string_equal(col(f, "p1", "address"), "12 Ashgrove, Flat B");
    assert_string_equal(col(f, "p1", "town"), "Leeds");
    assert_string_equal(col(f, "p1", "email"), "amara.o@example.org");
    assert_string_equal(col(f, "p1", "nhs_number"), "9434765919");
    assert_string_equal(col(f, "p1", "nino"), "AB123456C");
    assert_string_equal(col(f, "p1", "upn"), "H801200001001");
    assert_string_equal(col(f, "p1", "attributes"), "{\"attendance_pct\":\"91.5\",\"year_group\":\"5\"}");
    assert_string_equal(col(f, "p1", "version"), "1");
    assert_string_equal(col(f, "p1", "source_line"), "2");
    assert_string_equal(col(f, "p1", "person_id"), "(null)"); /* linking comes later */
    /* a placeholder is kept as given, without a key; the second address column alone */
    assert_string_equal(col(f, "p2", "given_name"), "Baby");
    assert_string_equal(col(f, "p2", "given_key"), "(null)");
    assert_string_equal(col(f, "p2", "family_key"), "wisniewski");
    assert_string_equal(col(f, "p2", "sex"), "M");
    assert_string_equal(col(f, "p2", "address"), "3 Mill Lane");
    assert_string_equal(col(f, "p2", "email"), "(null)");
    assert_string_equal(col(f, "p2", "attributes"), "{\"attendance_pct\":null,\"year_group\":null}");
    assert_string_equal(col(f, "p2", "source_line"), "4"); /* after p1's two-line address */
    assert_string_equal(col(f, "p3", "date_of_birth"), "(null)");
    assert_string_equal(col(f, "p3", "sex"), "U");
    assert_string_equal(col(f, "p3", "family_key"), "nowak");
    assert_string_equal(col(f, "p3", "attributes"), "{\"attendance_pct\":\"7\",\"year_group\":null}");
    assert_int_equal(count(f, "SELECT records FROM partner_dataset WHERE name = 'school_attendance'"), 3);
    assert_int_equal(count(f, "SELECT count(*) FROM partner_dataset WHERE section = 'partner_data' "
                              "AND imported_at IS NOT NULL"),
                     1);
    assert_int_equal(count(f, "SELECT rows_read * 1000 + inserted * 100 + rejected FROM partner_import"), 3300);
    assert_int_equal(count(f, "SELECT count(*) FROM partner_import WHERE file = 'test.csv' AND finished_at IS NOT "
                              "NULL"),
                     1);
}

static void test_full_name_and_no_attributes(void **state)
{
    fixture *f = *state;
    const char *map = "{\"id\":\"id\",\"full_name\":\"name\",\"nhs_number\":\"nhs\"}";
    const char *csv = "id,name,nhs\n"
                      "1,Mary-Jane Okonkwo Reyes,\n"
                      "2,Tarrow,\n"
                      "3,,9434765919\n"
                      "4,,\n";
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, map, "health", csv, 0, &c, &rj, &err), err);
    assert_counts(&c, 4, 3, 0, 0, 1);
    assert_string_equal(col(f, "1", "given_name"), "Mary-Jane Okonkwo");
    assert_string_equal(col(f, "1", "family_name"), "Reyes");
    assert_string_equal(col(f, "1", "attributes"), "(null)");
    assert_string_equal(col(f, "2", "given_name"), "(null)");
    assert_string_equal(col(f, "2", "family_name"), "Tarrow");
    assert_string_equal(col(f, "3", "nhs_number"), "9434765919");
    assert_rejected(&rj, 5, "no person details");

    /* a mapping naming no person field at all: rows need nothing but their key */
    const char *bare = "id,score\nk1,3\nk2,\n";
    assert_ok(import_text(f, "{\"id\":\"id\",\"attributes\":{\"score\":\"score\"}}", "scores", bare, 0, &c, &rj,
                          &err),
              err);
    assert_counts(&c, 2, 2, 0, 0, 0);
}

/* ---- rejects ----------------------------------------------------------------------------------------------- */

static void test_rejects_with_lines_and_reasons(void **state)
{
    fixture *f = *state;
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    core_arena a = CORE_ARENA_INIT;
    const char *csv = core_arena_printf(
        &a,
        "g1,Ada,Lee,01/02/2010,F,,,,,,,,,,\n"                       /* 2 good */
        "r1,Ada,Lee,31/02/2010,F,,,,,,,,,,\n"                       /* 3 date */
        "r2,Ada,Lee,01/02/2010,F,,,,,,943 476 5918,,,,\n"           /* 4 NHS check digit */
        "r3,Ada,Lee,01/02/2010,F,,,,,,,QQ 12 34 56 C,,,\n"          /* 5 NINO prefix */
        "r4,Ada,Lee,01/02/2010,F,,,,,,,,H801200001002,,\n"          /* 6 UPN check letter */
        "r5,Ada,Lee,01/02/2010,F,ZZ1,,,,,,,,,\n"                    /* 7 postcode */
        "r6,Ada,Lee,01/02/2010,Z,,,,,,,,,,\n"                       /* 8 sex */
        "r7,Ada,Lee,01/02/2010,F,,,,,not-an-address,,,,,\n"         /* 9 email */
        "r8,Ada,Lee,01/02/2099,F,,,,,,,,,,\n"                       /* 10 future */
        "r9,\"Ada\x01\",Lee,01/02/2010,F,,,,,,,,,,\n"               /* 11 control character */
        "r10,%s,Lee,01/02/2010,F,,,,,,,,,,\n"                       /* 12 too long */
        "r11,Ada,Lee\n"                                             /* 13 ragged */
        "r12,Ad\xE9,Lee,01/02/2010,F,,,,,,,,,,\n"                   /* 14 not UTF-8 (Latin-1) */
        "g1,Ada,Lee,01/02/2010,F,,,,,,,,,,\n"                       /* 15 key repeats line 2 */
        "r13,,,,,,,,,,,,,5,6\n"                                     /* 16 no person details */
        "\n"                                                        /* 17 blank: not a row */
        "g2,Bo,Li,,M,,,,,,,,,,\n",                                  /* 18 good */
        long_name);
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, MAP, "rejects", csv, 1, &c, &rj, &err), err);
    assert_counts(&c, 16, 2, 0, 0, 14);
    assert_int_equal(c.not_utf8, 1);
    assert_int_equal(rj.n, 14);
    assert_rejected(&rj, 3, "dob '31/02/2010' is not a date in format %d/%m/%Y");
    assert_rejected(&rj, 4, "column 'nhs': nhs number check digit does not match (modulus 11)");
    assert_rejected(&rj, 5, "column 'ni': nino prefix");
    assert_rejected(&rj, 6, "column 'upn': upn check letter does not match");
    assert_rejected(&rj, 7, "column 'pc': postcode");
    assert_rejected(&rj, 8, "column 'sex': 'Z' is not a sex");
    assert_rejected(&rj, 9, "column 'mail' is not an email address");
    assert_rejected(&rj, 10, "column 'dob': 2099-02-01 is in the future");
    assert_rejected(&rj, 11, "column 'first' contains a control character");
    assert_rejected(&rj, 12, "column 'first' is longer than 256 bytes");
    assert_rejected(&rj, 13, "3 fields, the header has 15");
    assert_rejected(&rj, 14, "not valid UTF-8");
    assert_rejected(&rj, 15, "row key 'g1' repeats line 2");
    assert_rejected(&rj, 16, "no person details");
    for (size_t i = 1; i < rj.n; i++)
        assert_true(rj.line[i] > rj.line[i - 1]); /* file order */
    for (size_t i = 0; i < rj.n; i++)
        assert_null(strstr(rj.reason[i], "5918")); /* identifiers are never quoted */
    assert_int_equal(count(f, "SELECT count(*) FROM partner_record"), 2);
    assert_string_equal(col(f, "g2", "source_line"), "18");
    core_arena_release(&a);
}

static void test_row_key_limits(void **state)
{
    fixture *f = *state;
    char key[IMPORT_ROW_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    core_arena a = CORE_ARENA_INIT;
    const char *csv = core_arena_printf(&a,
                                        "%s,Ada,Lee,,,,,,,,,,,,\n"
                                        "\"k\tk\",Ada,Lee,,,,,,,,,,,,\n"
                                        "%.*s,Ada,Lee,,,,,,,,,,,,\n",
                                        key, IMPORT_ROW_KEY_MAX, key);
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, MAP, "keys", csv, 1, &c, &rj, &err), err);
    assert_counts(&c, 3, 1, 0, 0, 2);
    assert_rejected(&rj, 2, "is longer than 128 bytes");
    assert_rejected(&rj, 3, "row key in column 'ref' contains a control character");
    core_arena_release(&a);
}

/* ---- running again ------------------------------------------------------------------------------------------ */

static void test_rerun_updates_only_changes(void **state)
{
    fixture *f = *state;
    const char *v1 = "a,Ada,Lee,01/02/2010,F,,,,,,,,,90,5\n"
                     "b,Bo,Li,03/04/2011,M,,,,,,,,,80,6\n"
                     "c,Cy,Ng,05/06/2012,M,,,,,,,,,70,6\n";
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, MAP, "att", v1, 1, &c, &rj, &err), err);
    assert_counts(&c, 3, 3, 0, 0, 0);
    int64_t first_import = c.import_id;
    const char *before = fingerprint(f);

    /* the same file again: nothing new, nothing changed (only which import last held each row) */
    assert_ok(import_text(f, MAP, "att", v1, 1, &c, &rj, &err), err);
    assert_counts(&c, 3, 0, 0, 3, 0);
    assert_int_equal(c.dataset_created, 0);
    assert_true(c.import_id > first_import);
    assert_string_equal(col(f, "a", "version"), "1");
    assert_int_equal(count(f, "SELECT count(*) FROM row_history"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM partner_dataset"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM partner_import"), 2);
    assert_string_not_equal(fingerprint(f), before); /* import ids moved */

    /* a newer file: b's attendance changed, c moved down a line, d is new; a repeated key across runs is fine */
    const char *v2 = "a,Ada,Lee,01/02/2010,F,,,,,,,,,90,5\n"
                     "d,Di,Po,07/08/2013,F,,,,,,,,,60,4\n"
                     "b,Bo,Li,03/04/2011,M,,,,,,,,,85,6\n"
                     "c,Cy,Ng,05/06/2012,M,,,,,,,,,70,6\n";
    assert_ok(import_text(f, MAP, "att", v2, 1, &c, &rj, &err), err);
    assert_counts(&c, 4, 1, 1, 2, 0);
    assert_string_equal(col(f, "b", "version"), "2");
    assert_string_equal(col(f, "b", "attributes"), "{\"attendance_pct\":\"85\",\"year_group\":\"6\"}");
    assert_string_equal(col(f, "c", "version"), "1");
    assert_string_equal(col(f, "c", "source_line"), "5");
    assert_int_equal(count(f, "SELECT count(*) FROM row_history WHERE table_name = 'partner_record' AND version = 1 "
                              "AND previous LIKE '%\"row_key\":\"b\"%' AND previous LIKE '%\\\"80\\\"%' ESCAPE '!'"),
                     1);
    assert_int_equal(count(f, "SELECT records FROM partner_dataset"), 4);
    assert_int_equal(count(f, "SELECT count(DISTINCT import_id) FROM partner_record"), 1);
}

/* ---- all or nothing ----------------------------------------------------------------------------------------- */

static int fail_before_commit(void *ctx, core_error *err)
{
    (void)ctx;
    return core_error_set(err, CORE_E_IO, "the test refuses to commit");
}

static void test_file_errors_change_nothing(void **state)
{
    fixture *f = *state;
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, MAP, "att", "a,Ada,Lee,01/02/2010,F,,,,,,,,,90,5\n", 1, &c, &rj, &err), err);
    const char *before = fingerprint(f);

    /* a mapped column absent from the header: nothing read, nothing rejected */
    const char *absent = "ref,first,last,dob,sex,pc,a1,a2,town,mail,nhs,ni,upn,Attendance %\nz,A,B,,,,,,,,,,,1\n";
    assert_int_equal(import_text(f, MAP, "att", absent, 0, &c, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "column 'NC Year', which is not in the header"));
    assert_int_equal(rj.n, 0);
    assert_string_equal(fingerprint(f), before);

    /* the same into a new dataset: the dataset is not created either */
    assert_int_equal(import_text(f, MAP, "fresh", absent, 0, &c, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(fingerprint(f), before);

    /* good rows, a change and a reject, then a quote never closed: every one of them undone */
    const char *unclosed = "a,Ada,Lee,01/02/2010,F,,,,,,,,,99,5\n"
                           "n,New,Row,01/02/2010,F,,,,,,,,,1,1\n"
                           "bad,Ada,Lee,31/02/2010,F,,,,,,,,,,\n"
                           "q,\"Never closed,Lee,01/02/2010,F,,,,,,,,,,\n";
    assert_int_equal(import_text(f, MAP, "att", unclosed, 1, &c, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "never closed"));
    assert_int_equal(c.inserted, 1); /* seen before the error ... */
    assert_int_equal(c.updated, 1);
    assert_string_equal(fingerprint(f), before); /* ... and rolled back */

    /* a header that is not UTF-8; a UTF-16 file */
    const char *latin1 = "ref,first,last,dob,sex,pc,a1,a2,town,mail,nhs,ni,upn,Attendance %,NC Ye\xE4r\n";
    assert_int_equal(import_text(f, MAP, "att", latin1, 0, &c, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "not valid UTF-8"));
    const char utf16[] = "\xFF\xFEr\0e\0f\0\n\0";
    link_mapping m = map_of(MAP);
    import_options o = {.dataset = "att"};
    assert_int_equal(import_csv_mem(f->s, utf16, sizeof utf16 - 1, &m, &o, &c, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "UTF-16"));
    assert_string_equal(fingerprint(f), before);

    /* cancelled (Ctrl-C), and a before_commit hook that fails (the rejects file could not be written) */
    const char *more = core_arena_printf(&f->a, "%sb,Bo,Li,,,,,,,,,,,1,1\n", HEADER);
    volatile sig_atomic_t stop = 1;
    o.cancel = &stop;
    assert_int_equal(import_csv_mem(f->s, more, strlen(more), &m, &o, &c, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "interrupted"));
    o.cancel = NULL;
    o.before_commit = fail_before_commit;
    assert_int_equal(import_csv_mem(f->s, more, strlen(more), &m, &o, &c, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "refuses to commit"));
    assert_string_equal(fingerprint(f), before);

    /* the handle is usable afterwards (no transaction left open) */
    o.before_commit = NULL;
    assert_ok(import_csv_mem(f->s, more, strlen(more), &m, &o, &c, &err), err);
    assert_counts(&c, 1, 1, 0, 0, 0);
    link_mapping_free(&m);
}

static void test_dataset_options(void **state)
{
    fixture *f = *state;
    link_mapping m = map_of(MAP);
    const char *csv = core_arena_printf(&f->a, "%sa,Ada,Lee,,,,,,,,,,,1,1\n", HEADER);
    size_t len = strlen(csv);
    import_counts c;
    core_error err;
    const char *before = fingerprint(f);

    import_options o = {.dataset = "bad name"};
    assert_int_equal(import_csv_mem(f->s, csv, len, &m, &o, &c, &err), CORE_E_USAGE);
    assert_false(import_dataset_name_ok("a/b"));
    assert_false(import_dataset_name_ok(""));
    assert_true(import_dataset_name_ok("School_Attendance-2025.v2"));
    o.dataset = "police";
    o.section = "no_such_label";
    assert_int_equal(import_csv_mem(f->s, csv, len, &m, &o, &c, &err), CORE_E_INVALID_CODE);
    o.section = "police_information";
    o.agency_id = 12345;
    assert_int_equal(import_csv_mem(f->s, csv, len, &m, &o, &c, &err), CORE_E_NOT_FOUND);
    assert_string_equal(fingerprint(f), before);

    /* a labelled dataset of an agency */
    assert_ok(store_exec_script(f->s,
                                "INSERT INTO agency (id, name, agency_type, created_at, updated_at) VALUES "
                                "(7, 'Northshire Police', 'police', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),"
                                "(8, 'Northshire Health', 'gp', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
                                &err),
              err);
    o.agency_id = 7;
    assert_ok(import_csv_mem(f->s, csv, len, &m, &o, &c, &err), err);
    assert_int_equal(count(f, "SELECT count(*) FROM partner_dataset WHERE name = 'police' AND agency_id = 7 "
                              "AND section = 'police_information'"),
                     1);
    before = fingerprint(f);
    /* importing into it again: the label and agency may be left out or repeated, never changed */
    import_options again = {.dataset = "police"};
    assert_ok(import_csv_mem(f->s, csv, len, &m, &again, &c, &err), err);
    assert_int_equal(c.unchanged, 1);
    before = fingerprint(f);
    again.section = "partner_data";
    assert_int_equal(import_csv_mem(f->s, csv, len, &m, &again, &c, &err), CORE_E_CONFLICT);
    assert_non_null(strstr(err.detail, "'police_information', not 'partner_data'"));
    again.section = NULL;
    again.agency_id = 8;
    assert_int_equal(import_csv_mem(f->s, csv, len, &m, &again, &c, &err), CORE_E_CONFLICT);
    assert_string_equal(fingerprint(f), before);
    link_mapping_free(&m);
}

/* The largest attributes: 40 columns of 8 KiB of '"' each (every one escaped in the JSON, and again in the
 * history), a changed row's previous content still fits its history; one byte more is a reject. */
static void test_large_attributes(void **state)
{
    fixture *f = *state;
    core_buf map, csv;
    core_buf_init(&map, 1 << 20);
    core_buf_init(&csv, 8 << 20);
    core_buf_adds(&map, "{\"id\":\"id\",\"attributes\":{");
    core_buf_adds(&csv, "id");
    for (int i = 0; i < 40; i++) {
        core_buf_addf(&map, "%s\"a%d\":\"c%d\"", i ? "," : "", i, i);
        core_buf_addf(&csv, ",c%d", i);
    }
    core_buf_adds(&map, "}}");
    core_buf_addch(&csv, '\n');
    for (int row = 0; row < 2; row++) {
        core_buf_addf(&csv, "r%d", row);
        for (int i = 0; i < 40; i++) {
            core_buf_adds(&csv, ",\"");
            for (int k = 0; k < IMPORT_ATTRIBUTE_MAX + (row == 1 && i == 39); k++)
                core_buf_adds(&csv, "\"\"");
            core_buf_addch(&csv, '"');
        }
        core_buf_addch(&csv, '\n');
    }
    assert_true(core_buf_ok(&map) && core_buf_ok(&csv));
    import_counts c;
    rejects rj;
    core_error err;
    assert_ok(import_text(f, map.data, "wide", csv.data, 0, &c, &rj, &err), err);
    assert_counts(&c, 2, 1, 0, 0, 1);
    assert_rejected(&rj, 3, "column 'c39' is longer than 8192 bytes");
    /* change r0's last attribute to one character shorter: an update whose history holds the old text */
    char *last = strrchr(csv.data, '\n');
    *last = '\0';
    last = strrchr(csv.data, '\n') + 1; /* the start of r1's row: drop it */
    *last = '\0';
    char *tail = strrchr(csv.data, ',');
    memmove(tail + 2, tail + 4, strlen(tail + 4) + 1); /* one '""' fewer in r0's last field */
    assert_ok(import_text(f, map.data, "wide", csv.data, 0, &c, &rj, &err), err);
    assert_counts(&c, 1, 0, 1, 0, 0);
    assert_true(count(f, "SELECT length(previous) FROM row_history") > 2 * 40 * 2 * IMPORT_ATTRIBUTE_MAX);
    core_buf_release(&map);
    core_buf_release(&csv);
}

/* ---- files -------------------------------------------------------------------------------------------------- */

typedef struct seen_progress {
    size_t calls;
    uint64_t last_read, last_bytes;
    int monotonic;
} seen_progress;

static void on_progress(void *ctx, const import_counts *c)
{
    seen_progress *p = ctx;
    if (c->read < p->last_read || c->bytes < p->last_bytes)
        p->monotonic = 0;
    p->last_read = c->read;
    p->last_bytes = c->bytes;
    p->calls++;
}

static void test_file_in_chunks(void **state)
{
    fixture *f = *state;
    char path[700];
    snprintf(path, sizeof path, "%s/partner.csv", f->tmp.dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(HEADER, out);
    int rows = 6000, bad = 0;
    for (int i = 0; i < rows; i++) {
        if (i % 500 == 7) {
            fprintf(out, "k%d,Short\n", i);
            bad++;
        } else {
            fprintf(out, "k%d,Given%d,\"Family\nName\",%02d/%02d/20%02d,%c,,\"%d Long Lane\",,Town,,,,,%d.5,%d\n", i,
                    i, 1 + i % 28, 1 + i % 12, i % 20, "MF"[i % 2], i, i % 100, i % 11);
        }
    }
    fclose(out);
    link_mapping m = map_of(MAP);
    seen_progress p = {0, 0, 0, 1};
    import_options o = {.dataset = "big", .file = "partner.csv", .progress = on_progress, .ctx = &p};
    import_counts c;
    core_error err;
    assert_ok(import_csv_file(f->s, path, &m, &o, &c, &err), err);
    assert_counts(&c, (uint64_t)rows, (uint64_t)(rows - bad), 0, 0, (uint64_t)bad);
    assert_true(c.bytes > 3 * 65536);
    assert_true(p.calls >= (size_t)rows / 256);
    assert_true(p.monotonic);
    assert_string_equal(col(f, "k5999", "family_name"), "Family Name");
    assert_string_equal(col(f, "k5999", "source_line"), "11988"); /* 2 + 5999 * 2 - the 12 one-line rows before it */
    assert_int_equal(count(f, "SELECT records FROM partner_dataset WHERE name = 'big'"), rows - bad);

    unlink(path);
    assert_int_equal(import_csv_file(f->s, path, &m, &o, &c, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "cannot open"));
    link_mapping_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_name_and_no_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_with_lines_and_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_key_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerun_updates_only_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_in_chunks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
