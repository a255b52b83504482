/*
 * test_link_input.c — unit tests for reading records (link/link_mapping.c, link/link_input.c) and
 * normalisation (link/link_norm.c, link/link_nick.c):
 *   mapping   every key read; address as a string and as an array (1..8); unknown key named; id required;
 *             not JSON, duplicate keys, wrong types, empty strings, a date format that cannot read a date,
 *             invalid_dates; "nothing allocated on error"; loading from a file and from a missing one;
 *   CSV       quoted fields holding commas and newlines; physical line numbers in rejects (rows after a
 *             multi-line field, blank lines, CRLF); ragged rows ("N fields, the header has M"); invalid UTF-8
 *             and NUL bytes in a row (rejected) and in the header (an error); the byte-order mark; a mapped
 *             column missing from the header (an error naming it, nothing read, no reject); header names
 *             trimmed; date formats (%Y%m%d, %d/%m/%Y, %e %B %Y, %y) and the exact reject reason; an empty
 *             date is missing; a date that is not one read as missing and counted (the default) or refused
 *             (invalid_dates "reject"); empty id; full_name split into given and family, with placeholders, in
 *             each order ("family, given", "family given", a comma); header-only, empty and all-refused files
 *             and repeated ids (errors naming the lines); FEBRL's ", " separators; a stray quote (row rejected, reading goes on); a quoted
 *             field never closed and a field past 64 KiB (errors); a file read in 64 KiB chunks with
 *             multi-line fields across chunk boundaries; every field of a record normalised; the FEBRL files,
 *             when ../shared/data is present (skipped otherwise); a UTF-16 byte-order mark named as such;
 *   import    the mapping's attributes (order, names, limits, errors); streaming rows to a callback with raw
 *             values, attributes, lines and offsets, rejects between them, attribute columns required only
 *             when streaming, a callback stopping the read, a hard error after rows were streamed, files;
 *   norm      accents (Zoë, Siân, Dvořák, Nguyễn), letters utf8proc leaves alone (ł, ø, æ, œ, ß, þ, đ, ı),
 *             compatibility forms (full-width, ligatures), marks kept in Devanagari, hyphens, apostrophes
 *             (straight and curly), dots, placeholders (exact and "baby of ..."), link_norm_text;
 *   nicknames the built-in table (English, Welsh, Scottish, Irish, South Asian and Somali spellings, Polish,
 *             Romanian), unfolded input, short forms that stay themselves, idempotence (invariant N1);
 *             lookup files in both formats, ambiguity (invariant N3), built-in precedence (N2);
 *   postcodes full, sector and district for each UK outward shape; GIR 0AA; non-UK codes; truncation;
 *   memory    a row made into a record in a fallible arena (link_record.c): the record as the reader keeps
 *             it, and -1 once the arena has failed (the reader's "out of memory", never the program's end).
 * All names are invented or are ordinary given names; no row describes a real person.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core_date.h"
#include "link/link.h"
#include "link/link_internal.h"
#include "../test_link_util.h"

/* ---- helpers -------------------------------------------------------------------------------------------- */


/* Read csv through the mapping json; returns the code; rejects collected in *rj. */
static int read_csv(const char *json, const char *csv, size_t len, link_dataset *d, rejects *rj, core_error *err)
{
    link_mapping m = map_of(json);
    memset(rj, 0, sizeof *rj);
    int rc = link_csv_read_mem(csv, len, &m, d, on_reject, rj, err);
    link_mapping_free(&m);
    return rc;
}

static int32_t days(int y, int mo, int dd)
{
    core_date date = {(int32_t)y, (int8_t)mo, (int8_t)dd};
    return core_date_to_days(date);
}

/* A temporary file holding text; its path is written into path (removed by the caller). */
static void temp_file(char *path, size_t cap, const char *text, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/hearth-link-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

#define NAME(raw) link_norm_name(&a, (raw))
#define assert_null_string(x) assert_null((const void *)(x))

/* ---- the mapping file -------------------------------------------------------------------------------------- */

static void test_mapping_every_key(void **state)
{
    (void)state;
    link_mapping m = map_of("{\"id\":\"ref\",\"given_name\":\"first\",\"family_name\":\"last\",\"full_name\":\"name\","
                            "\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\",\"sex\":\"gender\","
                            "\"postcode\":\"pc\",\"address\":[\"line1\",\"line2\",\"line3\"],\"town\":\"city\","
                            "\"email\":\"mail\",\"nhs_number\":\"nhs\",\"nino\":\"ni\",\"upn\":\"pupil\","
                            "\"invalid_dates\":\"missing\"}");
    assert_string_equal(m.id, "ref");
    assert_string_equal(m.given_name, "first");
    assert_string_equal(m.family_name, "last");
    assert_string_equal(m.full_name, "name");
    assert_string_equal(m.date_of_birth, "dob");
    assert_string_equal(m.date_format, "%d/%m/%Y");
    assert_string_equal(m.sex, "gender");
    assert_string_equal(m.postcode, "pc");
    assert_int_equal(m.naddress, 3);
    assert_string_equal(m.address[0], "line1");
    assert_string_equal(m.address[2], "line3");
    assert_string_equal(m.town, "city");
    assert_string_equal(m.email, "mail");
    assert_string_equal(m.nhs_number, "nhs");
    assert_string_equal(m.nino, "ni");
    assert_string_equal(m.upn, "pupil");
    assert_int_equal(m.invalid_dates_missing, 1);
    link_mapping_free(&m);
    assert_null(m.id);
    assert_int_equal(m.naddress, 0);

    /* the smallest mapping: id alone; the default date format; address as one string */
    m = map_of("{\"id\":\"ref\"}");
    assert_string_equal(m.date_format, "%Y-%m-%d");
    assert_int_equal(m.naddress, 0);
    assert_int_equal(m.invalid_dates_missing, 0);
    link_mapping_free(&m);
    m = map_of("{\"id\":\"ref\",\"address\":\"addr\",\"invalid_dates\":\"reject\"}");
    assert_int_equal(m.naddress, 1);
    assert_string_equal(m.address[0], "addr");
    assert_int_equal(m.invalid_dates_missing, 0);
    link_mapping_free(&m);
}

/* Parse json expecting failure with code; the error's detail must contain want; m must be left empty. */
static void mapping_fails(const char *json, int code, const char *want)
{
    link_mapping m;
    memset(&m, 0x5a, sizeof m);
    core_error err;
    int rc = link_mapping_parse(json, strlen(json), &m, &err);
    if (rc != code || !strstr(err.detail, want))
        fail_msg("%s: got %s '%s', wanted %s with '%s'", json, core_error_name(rc), err.detail, core_error_name(code),
                 want);
    assert_int_equal(err.code, code);
    assert_true(err.hint[0] != '\0');
    link_mapping empty;
    memset(&empty, 0, sizeof empty);
    assert_memory_equal(&m, &empty, sizeof m); /* nothing allocated, nothing left behind */
}

static void test_mapping_errors(void **state)
{
    (void)state;
    mapping_fails("{\"id\":\"ref\",\"surname\":\"last\"}", CORE_E_UNKNOWN_FIELD, "unknown mapping key 'surname'");
    mapping_fails("{\"given_name\":\"first\"}", CORE_E_MISSING_FIELD, "no 'id' key");
    mapping_fails("{\"id\":\"ref\",", CORE_E_INVALID_JSON, "not JSON");
    mapping_fails("", CORE_E_INVALID_JSON, "not JSON");
    mapping_fails("{\"id\":\"a\",\"id\":\"b\"}", CORE_E_INVALID_JSON, "duplicate");
    mapping_fails("[\"id\"]", CORE_E_WRONG_TYPE, "JSON object");
    mapping_fails("{\"id\":7}", CORE_E_WRONG_TYPE, "'id' must be a column name");
    mapping_fails("{\"id\":\"ref\",\"town\":null}", CORE_E_WRONG_TYPE, "'town'");
    mapping_fails("{\"id\":\"\"}", CORE_E_INVALID_VALUE, "'id' is an empty string");
    mapping_fails("{\"id\":\"ref\",\"address\":[]}", CORE_E_INVALID_VALUE, "lists 0 columns");
    mapping_fails("{\"id\":\"ref\",\"address\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}",
                  CORE_E_INVALID_VALUE, "lists 9 columns");
    mapping_fails("{\"id\":\"ref\",\"address\":[\"line1\",3]}", CORE_E_WRONG_TYPE, "'address'");
    mapping_fails("{\"id\":\"ref\",\"address\":[\"line1\",\"\"]}", CORE_E_INVALID_VALUE, "'address' is an empty");
    mapping_fails("{\"id\":\"ref\",\"address\":{\"a\":\"b\"}}", CORE_E_WRONG_TYPE, "'address'");
    mapping_fails("{\"id\":\"ref\",\"date_format\":\"%Y-%m\"}", CORE_E_INVALID_VALUE, "date_format '%Y-%m'");
    mapping_fails("{\"id\":\"ref\",\"date_format\":\"%Y-%m-%d %H\"}", CORE_E_INVALID_VALUE, "cannot read a date");
    mapping_fails("{\"id\":\"ref\",\"invalid_dates\":\"skip\"}", CORE_E_INVALID_VALUE, "'invalid_dates'");
    /* an unknown key comes first in the object: still named, and the address array before it is freed */
    mapping_fails("{\"address\":[\"a\",\"b\"],\"id\":\"ref\",\"dob\":\"x\"}", CORE_E_UNKNOWN_FIELD, "'dob'");
}

static void test_mapping_load(void **state)
{
    (void)state;
    char path[256];
    const char *json = "{\"id\":\"rec_id\",\"full_name\":\"name\"}\n";
    temp_file(path, sizeof path, json, strlen(json));
    link_mapping m;
    core_error err;
    assert_int_equal(link_mapping_load(path, &m, &err), 0);
    assert_string_equal(m.id, "rec_id");
    assert_string_equal(m.full_name, "name");
    link_mapping_free(&m);
    unlink(path);
    assert_int_equal(link_mapping_load(path, &m, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "cannot open mapping file"));
    assert_null(m.id);
}

/* ---- reading CSV ----------------------------------------------------------------------------------------------- */

static const char *MAP_BASIC = "{\"id\":\"id\",\"given_name\":\"given\",\"family_name\":\"family\","
                               "\"address\":\"address\"}";

static void test_csv_quoted_newlines_and_commas(void **state)
{
    (void)state;
    const char *csv = "id,given,family,address\n"                          /* line 1 */
                      "a1,Ada,Quill,\"12, Fenwick Row\nFlat 2\nUpper Hatch\"\n" /* lines 2-4 */
                      "a2,\"Bea, Jo\",\"Marr\"\"ow\",\"\"\n"              /* line 5 */
                      "a3,Cy,Dunn\n"                                         /* line 6: 3 fields */
                      "\"a4\",\"Di\nNa\",Ebb,\"x\"\n"                       /* lines 7-8 */
                      "a5,Eve\n";                                            /* line 9: 2 fields */
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(MAP_BASIC, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.recs[0].id, "a1");
    assert_string_equal(d.recs[0].address, "12 fenwick row flat 2 upper hatch");
    assert_string_equal(d.recs[1].given, "bea jo");
    assert_string_equal(d.recs[1].given_nick, "bea");
    assert_string_equal(d.recs[1].family, "marr ow"); /* the doubled quote is a quote, then a separator */
    assert_null(d.recs[1].address);                    /* "" is missing */
    assert_string_equal(d.recs[2].id, "a4");
    assert_string_equal(d.recs[2].given, "di na");
    assert_int_equal(rj.n, 2);
    assert_int_equal(rj.line[0], 6);
    assert_string_equal(rj.reason[0], "3 fields, the header has 4");
    assert_int_equal(rj.line[1], 9);
    assert_string_equal(rj.reason[1], "2 fields, the header has 4");
    assert_int_equal(d.rejected, 2);
    link_dataset_free(&d);
    assert_null(d.recs);
    assert_int_equal(d.n, 0);
}

static void test_csv_ragged_blank_lines_and_crlf(void **state)
{
    (void)state;
    const char *csv = "id,given,family,address\r\n" /* 1 */
                      "\r\n"                        /* 2 */
                      "b1,Ana,Ross,here\r\n"        /* 3 */
                      "b2,Ana,Ross,here,extra\r\n"  /* 4 */
                      "   \r\n"                     /* 5 */
                      "\n"                          /* 6 */
                      "b3\r\n"                      /* 7 */
                      "b4,,,\r\n"                   /* 8: four empty-ish fields: kept */
                      ",Ann,Rye,there\r\n"          /* 9: empty id */
                      "b5,Ola,Nye,\"a\r\nb\"\r\n"   /* 10-11 */
                      "b6,Una,Poe,x";               /* 12, no newline at the end */
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(MAP_BASIC, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 4);
    assert_string_equal(d.recs[0].id, "b1");
    assert_string_equal(d.recs[1].id, "b4");
    assert_null(d.recs[1].given);
    assert_null(d.recs[1].given_nick);
    assert_string_equal(d.recs[1].given_phon, "");
    assert_string_equal(d.recs[2].id, "b5");
    assert_string_equal(d.recs[2].address, "a b");
    assert_string_equal(d.recs[3].id, "b6");
    assert_string_equal(d.recs[3].family, "poe");
    assert_int_equal(rj.n, 3);
    assert_int_equal(rj.line[0], 4);
    assert_string_equal(rj.reason[0], "5 fields, the header has 4");
    assert_int_equal(rj.line[1], 7);
    assert_string_equal(rj.reason[1], "1 field, the header has 4");
    assert_int_equal(rj.line[2], 9);
    assert_string_equal(rj.reason[2], "the id column 'id' is empty");
    link_dataset_free(&d);
}

static void test_csv_invalid_utf8_and_nul(void **state)
{
    (void)state;
    static const char csv[] = "id,given,family,address\n"
                              "c1,Zo\xc3\xab,Ames,\n"      /* 2: valid (ë) */
                              "c2,Zo\xeb,Ames,\n"          /* 3: Latin-1 ë */
                              "c3,Ann,Ames,\xed\xa0\x80\n" /* 4: a UTF-16 surrogate */
                              "c4,Ann,Ames,\xc0\xaf\n"     /* 5: overlong '/' */
                              "c5,Ann,A\0es,\n"            /* 6: a NUL byte */
                              "c6,\xf0\x9f\x98\x80,Ames,\n"; /* 7: an emoji: valid, and not a letter */
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(MAP_BASIC, csv, sizeof csv - 1, &d, &rj, &err), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.recs[0].given, "zoe");
    assert_string_equal(d.recs[1].id, "c6");
    assert_null(d.recs[1].given);
    assert_int_equal(rj.n, 4);
    assert_int_equal(rj.line[0], 3);
    assert_string_equal(rj.reason[0], "not valid UTF-8");
    assert_int_equal(rj.line[1], 4);
    assert_int_equal(rj.line[2], 5);
    assert_string_equal(rj.reason[2], "not valid UTF-8");
    assert_int_equal(rj.line[3], 6);
    assert_string_equal(rj.reason[3], "contains a NUL byte");
    link_dataset_free(&d);

    /* in the header it is an error */
    static const char bad_header[] = "id,giv\xe9n,family,address\nc1,a,b,c\n";
    assert_int_equal(read_csv(MAP_BASIC, bad_header, sizeof bad_header - 1, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "header row (line 1) is not valid UTF-8"));
    assert_int_equal(d.n, 0);
    assert_null(d.recs);
}

static void test_csv_bom_and_header_spaces(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBF"
                      "id , given,\" family \",address\n"
                      "d1,Ivo,Lund,1 Pine Walk\n";
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(MAP_BASIC, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.recs[0].id, "d1");
    assert_string_equal(d.recs[0].family, "lund");
    link_dataset_free(&d);

    /* a BOM anywhere else is data: here it makes the first column "\xEF\xBB\xBFid", and id is missing */
    const char *late = "\n\xEF\xBB\xBFid,given,family,address\nd1,a,b,c\n";
    assert_int_equal(read_csv(MAP_BASIC, late, strlen(late), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "column 'id'"));
}

static void test_csv_missing_column(void **state)
{
    (void)state;
    const char *csv = "rec_id,given_name,surname\n"
                      "e1,Ann,Lee\n"
                      "e2,Bob\n";
    link_dataset d;
    rejects rj;
    core_error err;
    int rc = read_csv("{\"id\":\"rec_id\",\"given_name\":\"given_name\",\"family_name\":\"family_name\"}", csv,
                      strlen(csv), &d, &rj, &err);
    assert_int_equal(rc, CORE_E_INVALID_VALUE);
    assert_int_equal(err.code, CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "the mapping names column 'family_name', which is not in the header");
    assert_string_equal(err.hint, "the header has: 'rec_id', 'given_name', 'surname'");
    assert_int_equal(d.n, 0);
    assert_int_equal(d.rejected, 0);
    assert_null(d.recs);
    assert_int_equal(rj.n, 0); /* nothing read: not even the ragged row was looked at */

    /* a column named twice in the header is ambiguous */
    const char *twice = "id,given,family,given,address\ne1,a,b,c,d\n";
    assert_int_equal(read_csv(MAP_BASIC, twice, strlen(twice), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "column 'given' appears twice"));

    /* no header at all */
    assert_int_equal(read_csv(MAP_BASIC, "\n\n  \n", 5, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "the file has no header row");
}

static void test_csv_dates(void **state)
{
    (void)state;
    const char *csv = "id,dob\n"
                      "f1,03/02/2011\n"
                      "f2,31/02/1990\n"
                      "f3,\n"
                      "f4,  \n"
                      "f5,2011-02-03\n"
                      "f6, 29/02/2024 \n";
    link_dataset d;
    rejects rj;
    core_error err;
    /* by default a date that is not a date is missing, counted with the line of the first; the row is kept */
    const char *map = "{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\"}";
    assert_int_equal(read_csv(map, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 6);
    assert_int_equal(rj.n, 0);
    assert_int_equal(d.invalid_dates, 2);
    assert_int_equal(d.invalid_date_line, 3);
    assert_int_equal(d.recs[0].dob, days(2011, 2, 3));
    assert_int_equal(d.recs[1].dob, LINK_NO_DATE);
    assert_int_equal(d.recs[4].dob, LINK_NO_DATE);
    assert_int_equal(d.recs[5].dob, days(2024, 2, 29));
    /* an impossible date keeps its digits for comparing, as YYYYMMDD; one of another shape, a date, or no
     * value keeps none */
    assert_int_equal(d.recs[1].dob_digits, 19900231);
    assert_int_equal(d.recs[4].dob_digits, 0);
    assert_int_equal(d.recs[0].dob_digits, 0);
    assert_int_equal(d.recs[2].dob_digits, 0);
    link_dataset_free(&d);

    /* the digits as the format places them: %Y%m%d, %e with a space or one digit, a bad shape, %y and %b */
    static const struct {
        const char *fmt, *value;
        int32_t digits;
    } shapes[] = {
        {"%Y%m%d", "19371233", 19371233}, {"%Y%m%d", "19209103", 19209103}, {"%Y%m%d", "1937123", 0},
        {"%Y%m%d", "193712334", 0},       {"%e/%m/%Y", " 9/13/2001", 20011309}, {"%e/%m/%Y", "9/13/2001", 20011309},
        {"%d.%m.%Y", "00.00.1990", 19900000}, {"%d/%m/%Y", "3l/02/1990", 0},  {"%d/%m/%y", "31/02/90", 0},
        {"%d %b %Y", "31 Feb 1990", 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char mapping[200], rows[100];
        snprintf(mapping, sizeof mapping,
                 "{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%s\"}", shapes[i].fmt);
        snprintf(rows, sizeof rows, "id,dob\nx1,\"%s\"\n", shapes[i].value);
        assert_int_equal(read_csv(mapping, rows, strlen(rows), &d, &rj, &err), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.recs[0].dob, LINK_NO_DATE);
        if (d.recs[0].dob_digits != shapes[i].digits)
            fail_msg("'%s' in %s: %d, wanted %d", shapes[i].value, shapes[i].fmt, d.recs[0].dob_digits,
                     shapes[i].digits);
        link_dataset_free(&d);
    }

    /* invalid_dates "reject": such rows are refused with their reason */
    map = "{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\",\"invalid_dates\":\"reject\"}";
    assert_int_equal(read_csv(map, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.invalid_dates, 0);
    assert_int_equal(d.recs[0].dob, days(2011, 2, 3));
    assert_int_equal(d.recs[1].dob, LINK_NO_DATE);
    assert_int_equal(d.recs[2].dob, LINK_NO_DATE);
    assert_int_equal(d.recs[3].dob, days(2024, 2, 29));
    assert_int_equal(rj.n, 2);
    assert_int_equal(rj.line[0], 3);
    assert_string_equal(rj.reason[0], "dob '31/02/1990' is not a date in format %d/%m/%Y");
    assert_int_equal(rj.line[1], 6);
    assert_string_equal(rj.reason[1], "dob '2011-02-03' is not a date in format %d/%m/%Y");
    link_dataset_free(&d);

    /* invalid_dates "missing": the same rows are kept without their dates */
    map = "{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\",\"invalid_dates\":\"missing\"}";
    assert_int_equal(read_csv(map, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 6);
    assert_int_equal(rj.n, 0);
    assert_int_equal(d.invalid_dates, 2);
    assert_int_equal(d.recs[1].dob, LINK_NO_DATE);
    assert_int_equal(d.recs[5].dob, days(2024, 2, 29));
    link_dataset_free(&d);

    /* FEBRL's %Y%m%d, the default ISO format, month names, a two-digit year (never in the future) */
    const char *febrl = "id,dob\ng1,19081209\ng2,19371233\n";
    assert_int_equal(read_csv("{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%Y%m%d\","
                              "\"invalid_dates\":\"reject\"}",
                              febrl,
                              strlen(febrl), &d, &rj, &err),
                     0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.recs[0].dob, days(1908, 12, 9));
    assert_string_equal(rj.reason[0], "dob '19371233' is not a date in format %Y%m%d");
    link_dataset_free(&d);
    const char *iso = "id,dob\nh1,1999-12-31\n";
    assert_int_equal(read_csv("{\"id\":\"id\",\"date_of_birth\":\"dob\"}", iso, strlen(iso), &d, &rj, &err), 0);
    assert_int_equal(d.recs[0].dob, days(1999, 12, 31));
    link_dataset_free(&d);
    const char *named = "id,dob\ni1,\"5 March 2015\"\ni2,14 july 2009\n";
    assert_int_equal(read_csv("{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%e %B %Y\"}", named,
                              strlen(named), &d, &rj, &err),
                     0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.recs[0].dob, days(2015, 3, 5));
    assert_int_equal(d.recs[1].dob, days(2009, 7, 14));
    link_dataset_free(&d);
    const char *yy = "id,dob\nj1,03/02/05\n";
    assert_int_equal(read_csv("{\"id\":\"id\",\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%y\"}", yy,
                              strlen(yy), &d, &rj, &err),
                     0);
    assert_int_equal(d.recs[0].dob, days(2005, 2, 3));
    link_dataset_free(&d);

    /* a long bad value is cut in the reason */
    const char *longv = "id,dob\nk1,0123456789012345678901234567890123456789TAIL\nk2,2001-01-01\n";
    assert_int_equal(read_csv("{\"id\":\"id\",\"date_of_birth\":\"dob\",\"invalid_dates\":\"reject\"}", longv,
                              strlen(longv), &d, &rj, &err),
                     0);
    assert_string_equal(rj.reason[0], "dob '0123456789012345678901234567890123456789...' is not a date in format "
                                      "%Y-%m-%d");
    link_dataset_free(&d);
}

static void test_csv_full_name(void **state)
{
    (void)state;
    const char *csv = "ref,name\n"
                      "n1,Mary-Jane  Okonkwo-Reyes\n"
                      "n2,Baby Tarrow\n"
                      "n3,Vell\n"
                      "n4,Bill Hask\n"
                      "n5,Unknown\n"
                      "n6,Twin 1 Brack\n"
                      "n7,Ned O'Dare\n";
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv("{\"id\":\"ref\",\"full_name\":\"name\"}", csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 7);
    assert_string_equal(d.recs[0].given, "mary jane");
    assert_string_equal(d.recs[0].family, "okonkwo reyes"); /* split before folding: the hyphen holds */
    assert_string_equal(d.recs[0].given_nick, "mary");
    assert_null(d.recs[1].given); /* "baby" is a placeholder */
    assert_string_equal(d.recs[1].family, "tarrow");
    assert_null(d.recs[2].given); /* one token: the family name */
    assert_string_equal(d.recs[2].family, "vell");
    assert_string_equal(d.recs[3].given, "bill");
    assert_string_equal(d.recs[3].given_nick, "william");
    assert_null(d.recs[4].given);
    assert_null(d.recs[4].family);
    assert_null(d.recs[5].given); /* "twin 1" */
    assert_string_equal(d.recs[5].family, "brack");
    assert_string_equal(d.recs[6].given, "ned");
    assert_string_equal(d.recs[6].given_nick, "edward");
    assert_string_equal(d.recs[6].family, "o dare");
    link_dataset_free(&d);

    /* given_name mapped as well: full_name gives only the family name */
    const char *both = "ref,first,name\nm1,Tobias,Tobias Quell\n";
    assert_int_equal(read_csv("{\"id\":\"ref\",\"given_name\":\"first\",\"full_name\":\"name\"}", both,
                              strlen(both), &d, &rj, &err),
                     0);
    assert_string_equal(d.recs[0].given, "tobias");
    assert_string_equal(d.recs[0].family, "quell");
    link_dataset_free(&d);
}

/* Full names in one column, in each order the mapping can say; a comma always splits "Family, Given". */
static void test_csv_full_name_orders(void **state)
{
    (void)state;
    const char *csv = "ref,name\n"
                      "o1,\"Okonkwo-Reyes, Mary Jane\"\n"
                      "o2,Tarrow Ned\n"
                      "o3,Vell\n"
                      "o4,\"  Hask ,  Bill \"\n"
                      "o5,\"Brack,\"\n"
                      "o6,\"Unknown, Baby\"\n";
    link_dataset d;
    rejects rj;
    core_error err;
    /* "family given": the first word is the family name */
    assert_int_equal(read_csv("{\"id\":\"ref\",\"full_name\":{\"column\":\"name\",\"order\":\"family given\"}}", csv,
                              strlen(csv), &d, &rj, &err),
                     0);
    assert_int_equal(d.n, 6);
    assert_string_equal(d.recs[0].family, "okonkwo reyes");
    assert_string_equal(d.recs[0].given, "mary jane");
    assert_string_equal(d.recs[1].family, "tarrow");
    assert_string_equal(d.recs[1].given, "ned");
    assert_string_equal(d.recs[1].given_nick, "edward");
    assert_string_equal(d.recs[2].family, "vell");
    assert_null(d.recs[2].given);
    assert_string_equal(d.recs[3].family, "hask");
    assert_string_equal(d.recs[3].given, "bill");
    assert_string_equal(d.recs[4].family, "brack");
    assert_null(d.recs[4].given);
    assert_null(d.recs[5].family); /* placeholders on both sides of the comma */
    assert_null(d.recs[5].given);
    assert_string_equal(d.recs[1].family_phon, "TAR");
    link_dataset_free(&d);
    /* "family, given" reads the same; "given family" (the default) still splits at a comma */
    const char *orders[] = {"{\"id\":\"ref\",\"full_name\":{\"column\":\"name\",\"order\":\"family, given\"}}",
                            "{\"id\":\"ref\",\"full_name\":{\"order\":\"given family\",\"column\":\"name\"}}",
                            "{\"id\":\"ref\",\"full_name\":\"name\"}"};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(read_csv(orders[k], csv, strlen(csv), &d, &rj, &err), 0);
        assert_string_equal(d.recs[0].family, "okonkwo reyes");
        assert_string_equal(d.recs[0].given, "mary jane");
        assert_string_equal(d.recs[3].family, "hask");
        if (k == 0) {
            assert_string_equal(d.recs[1].family, "tarrow");
        } else { /* without a comma, "given family" takes the last word */
            assert_string_equal(d.recs[1].family, "ned");
            assert_string_equal(d.recs[1].given, "tarrow");
        }
        link_dataset_free(&d);
    }
    /* the mapping's full_name object: its keys checked */
    link_mapping m;
    memset(&m, 0, sizeof m);
    const char *bad[] = {"{\"id\":\"r\",\"full_name\":{\"order\":\"family given\"}}",
                         "{\"id\":\"r\",\"full_name\":{\"column\":\"n\",\"order\":\"surname first\"}}",
                         "{\"id\":\"r\",\"full_name\":{\"column\":\"n\",\"sep\":\",\"}}",
                         "{\"id\":\"r\",\"full_name\":{\"column\":7}}"};
    const int code[] = {CORE_E_MISSING_FIELD, CORE_E_INVALID_VALUE, CORE_E_UNKNOWN_FIELD, CORE_E_WRONG_TYPE};
    for (size_t k = 0; k < 4; k++) {
        core_error_clear(&err);
        assert_int_equal(link_mapping_parse(bad[k], strlen(bad[k]), &m, &err), code[k]);
        assert_non_null(strstr(err.detail, "full_name"));
        assert_true(err.hint[0] || code[k] == CORE_E_WRONG_TYPE);
        assert_null(m.full_name); /* nothing allocated on error */
    }
    m = map_of("{\"id\":\"r\",\"full_name\":{\"column\":\"n\",\"order\":\"family, given\"}}");
    assert_string_equal(m.full_name, "n");
    assert_int_equal(m.full_name_order, LINK_ORDER_FAMILY_COMMA_GIVEN);
    link_mapping_free(&m);
}

static int count_rows(void *ctx, const link_row *row, core_error *err)
{
    (void)err;
    (void)row;
    if (ctx)
        ++*(int *)ctx;
    return 0;
}

/* What a dataset must be: at least one record, and no id twice (refused naming the lines, never the ids). */
static void test_csv_dataset_checks(void **state)
{
    (void)state;
    link_dataset d;
    rejects rj;
    core_error err;
    const char *map = "{\"id\":\"ref\",\"given_name\":\"first\"}";
    const char *header_only = "ref,first\n";
    assert_int_equal(read_csv(map, header_only, strlen(header_only), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "the file has a header and no data rows");
    assert_int_equal(d.n, 0);
    assert_null(d.recs);
    assert_int_equal(read_csv(map, "", 0, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "the file has no header row");
    const char *all_bad = "ref,first\n,Ann\n r2\n";
    assert_int_equal(read_csv(map, all_bad, strlen(all_bad), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "none of the file's 2 data rows was accepted");
    assert_int_equal(rj.n, 2);
    const char *repeated = "ref,first\nP1,Ann\nP2,Bob\nP1,Ann\n\nP3,Cy\n\"P2\",Bob\nP1,Di\n";
    assert_int_equal(read_csv(map, repeated, strlen(repeated), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "3 rows repeat an id used earlier in the file: line 4 repeats line 2, line 7 "
                                    "repeats line 3, line 8 repeats line 2");
    assert_null(strstr(err.detail, "P1"));
    assert_non_null(strstr(err.hint, "unique"));
    assert_int_equal(d.n, 0);
    /* ids that differ only by spaces around them are one id (ids are trimmed) */
    const char *spaced = "ref,first\nP1,Ann\n P1 ,Ann\n";
    assert_int_equal(read_csv(map, spaced, strlen(spaced), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "1 row repeat an id used earlier in the file: line 3 repeats line 2");
    /* many repeats: five named, the rest counted */
    char big[2048] = "ref,first\n";
    for (int i = 0; i < 40; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "Q%d,X\n", i % 30);
    assert_int_equal(read_csv(map, big, strlen(big), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "10 rows repeat an id used earlier in the file: line 32 repeats line 2, "));
    assert_non_null(strstr(err.detail, ", ..."));
    /* streaming (hearth import) is left to its caller: it has its own rules for keys */
    link_mapping m = map_of(map);
    int rows = 0;
    assert_int_equal(link_csv_stream_mem(repeated, strlen(repeated), &m, count_rows, NULL, &rows, &err), 0);
    assert_int_equal(rows, 6);
    link_mapping_free(&m);
}

static void test_csv_febrl_separators(void **state)
{
    (void)state;
    const char *csv = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, "
                      "date_of_birth, soc_sec_id\n"
                      "rec-1-org, , wexley, 6, tullow street, kirrama, st brides, 4011, wa, 19081209, 6988048\n"
                      "rec-1-dup-0, jaxon , wexly,  6 , tullow st, \" kirrama \", st brides, 4011, wa, , 6988 048\n";
    const char *map = "{\"id\":\"rec_id\",\"given_name\":\"given_name\",\"family_name\":\"surname\","
                      "\"date_of_birth\":\"date_of_birth\",\"date_format\":\"%Y%m%d\",\"postcode\":\"postcode\","
                      "\"address\":[\"street_number\",\"address_1\",\"address_2\"],\"town\":\"suburb\","
                      "\"nhs_number\":\"soc_sec_id\"}";
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(map, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(rj.n, 0);
    assert_int_equal(d.n, 2);
    const link_record *r = &d.recs[0];
    assert_string_equal(r->id, "rec-1-org");
    assert_null(r->given);
    assert_string_equal(r->family, "wexley");
    assert_string_equal(r->address, "6 tullow street kirrama");
    assert_string_equal(r->town, "st brides");
    assert_string_equal(r->postcode, "4011");
    assert_null(r->sector);
    assert_null(r->district);
    assert_int_equal(r->dob, days(1908, 12, 9));
    assert_string_equal(r->nhs_number, "6988048");
    r = &d.recs[1];
    assert_string_equal(r->id, "rec-1-dup-0");
    assert_string_equal(r->given, "jaxon");
    assert_string_equal(r->address, "6 tullow st kirrama");
    assert_int_equal(r->dob, LINK_NO_DATE);
    assert_string_equal(r->nhs_number, "6988048");
    link_dataset_free(&d);
}

static void test_csv_stray_and_unclosed_quotes(void **state)
{
    (void)state;
    const char *csv = "id,given,family,address\n" /* 1 */
                      "p1,Al\"ex,Hart,x\n"        /* 2: a quote inside an unquoted field */
                      "p2,\"Bo\"b,Hart,x\n"       /* 3: text after a closing quote */
                      "p3,\"Cy\nz\"q,Hart,x\n"    /* 4-5: the same, after a newline inside the field */
                      "p4,Dee,Hart,x\n";          /* 6 */
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(MAP_BASIC, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.recs[0].id, "p4");
    assert_int_equal(rj.n, 3);
    assert_int_equal(rj.line[0], 2);
    assert_non_null(strstr(rj.reason[0], "stray '\"' on line 2"));
    assert_int_equal(rj.line[1], 3);
    assert_int_equal(rj.line[2], 4);
    assert_non_null(strstr(rj.reason[2], "on line 5"));
    link_dataset_free(&d);

    const char *unclosed = "id,given,family,address\nq1,Ann,Lee,x\nq2,\"Ann,Lee,x\nq3,Bo,Li,y\n";
    assert_int_equal(read_csv(MAP_BASIC, unclosed, strlen(unclosed), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "a quoted field in the row starting on line 3 is never closed");
    assert_int_equal(d.n, 0);
    assert_null(d.recs);

    /* a field past 64 KiB: an error (most often a quote never closed), not a buffer that grows without end */
    size_t big = 70000;
    char *huge = malloc(big + 64);
    assert_non_null(huge);
    int k = snprintf(huge, 64, "id,given,family,address\nq1,Ann,Lee,\"");
    memset(huge + k, 'a', big);
    memcpy(huge + k + big, "\"\n", 2);
    assert_int_equal(read_csv(MAP_BASIC, huge, (size_t)k + big + 2, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "a field longer than 65536 bytes in the row starting on line 2");
    assert_int_equal(d.n, 0);
    /* at the limit it is read */
    memset(huge + k, 'a', 65536);
    memcpy(huge + k + 65536, "\"\n", 2);
    assert_int_equal(read_csv(MAP_BASIC, huge, (size_t)k + 65536 + 2, &d, &rj, &err), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(strlen(d.recs[0].address), 65536);
    link_dataset_free(&d);
    memset(huge + k, 'a', 65537); /* one past, within libcsv's slack: refused all the same */
    memcpy(huge + k + 65537, "\"\n", 2);
    assert_int_equal(read_csv(MAP_BASIC, huge, (size_t)k + 65537 + 2, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_string_equal(err.detail, "a field longer than 65536 bytes in the row starting on line 2");
    free(huge);

    const char *header = "id,gi\"ven,family,address\nq1,Ann,Lee,x\n";
    assert_int_equal(read_csv(MAP_BASIC, header, strlen(header), &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "header row is not valid CSV"));
}

static void test_csv_file_in_chunks(void **state)
{
    (void)state;
    /* About 200 KiB: several 64 KiB chunks, with multi-line quoted fields and rejects all along, so chunk
     * boundaries fall inside fields and rows. Every 7th row is ragged; its expected line is tracked here. */
    size_t cap = 400000, n = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    n += (size_t)snprintf(csv + n, cap - n, "id,given,family,address\n");
    uint64_t line = 2, expect[4000];
    size_t nexpect = 0;
    for (int i = 0; i < 4000; i++) {
        if (i % 7 == 3) {
            expect[nexpect++] = line;
            n += (size_t)snprintf(csv + n, cap - n, "r%d,Ragged,Row\n", i);
            line += 1;
        } else {
            n += (size_t)snprintf(csv + n, cap - n,
                                  "r%d,Name%d,Family,\"%d Long Lane\nSecond Line Of The Address\n\"\n", i, i, i);
            line += 3;
        }
    }
    assert_true(n > 3 * 65536);
    char path[256];
    temp_file(path, sizeof path, csv, n);
    link_mapping m = map_of(MAP_BASIC);
    link_dataset d;
    rejects rj = {0};
    core_error err;
    assert_int_equal(link_csv_read(path, &m, &d, on_reject, &rj, &err), 0);
    assert_int_equal(d.n + d.rejected, 4000);
    assert_int_equal(d.rejected, nexpect);
    for (size_t i = 0; i < nexpect && i < 32; i++)
        assert_int_equal(rj.line[i], expect[i]);
    assert_string_equal(d.recs[d.n - 1].id, "r3999");
    assert_string_equal(d.recs[d.n - 1].address, "3999 long lane second line of the address");
    link_dataset_free(&d);

    /* the same bytes from memory give the same records */
    link_dataset dm;
    rejects rm = {0};
    assert_int_equal(link_csv_read_mem(csv, n, &m, &dm, on_reject, &rm, &err), 0);
    assert_int_equal(dm.n, 4000 - nexpect);
    assert_int_equal(rm.n, nexpect);
    link_dataset_free(&dm);

    unlink(path);
    assert_int_equal(link_csv_read(path, &m, &d, on_reject, &rj, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "cannot open"));
    link_mapping_free(&m);
    free(csv);
}

static void test_csv_record_normalised(void **state)
{
    (void)state;
    const char *csv = "ref,first,last,sex,dob,pc,a1,a2,town,mail,nhs,ni,upn\n"
                      "s1,\"  Siôn  Rhys\",Kowalczyk-Evans,Male,2014-06-01,sw1a 1aa,\"Flat 3, 14 Orchard Ct.\",,"
                      "Newcastle-upon-Tyne, Sam.Tide@Example.ORG ,943 476 5919,ab 12 34 56 c,h801200001001\n"
                      "s2,ZOË,O’Brien,f,,M1 1AE,,,,,,,\n"
                      "s3,,,x,,4223,,,,,,,\n"
                      "s4,Łukasz,Nowak,FEMALE,,,,,,,,,\n";
    const char *map = "{\"id\":\"ref\",\"given_name\":\"first\",\"family_name\":\"last\",\"sex\":\"sex\","
                      "\"date_of_birth\":\"dob\",\"postcode\":\"pc\",\"address\":[\"a1\",\"a2\"],\"town\":\"town\","
                      "\"email\":\"mail\",\"nhs_number\":\"nhs\",\"nino\":\"ni\",\"upn\":\"upn\"}";
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv(map, csv, strlen(csv), &d, &rj, &err), 0);
    assert_int_equal(rj.n, 0);
    assert_int_equal(d.n, 4);
    const link_record *r = &d.recs[0];
    assert_string_equal(r->given, "sion rhys");
    assert_string_equal(r->given_nick, "john");
    assert_string_equal(r->family, "kowalczyk evans");
    char phon[LINK_PHONETIC_MAX];
    link_phonetic("sion", phon);
    assert_string_equal(r->given_phon, phon);
    link_phonetic("kowalczykevans", phon);
    assert_string_equal(r->family_phon, phon);
    assert_true(r->family_phon[0] != '\0');
    assert_int_equal(r->sex, 'M');
    assert_int_equal(r->dob, days(2014, 6, 1));
    assert_string_equal(r->postcode, "SW1A1AA");
    assert_string_equal(r->sector, "SW1A1");
    assert_string_equal(r->district, "SW1A");
    assert_string_equal(r->address, "flat 3 14 orchard ct");
    assert_string_equal(r->town, "newcastle upon tyne");
    assert_string_equal(r->email, "sam.tide@example.org");
    assert_string_equal(r->nhs_number, "9434765919");
    assert_string_equal(r->nino, "AB123456C");
    assert_string_equal(r->upn, "H801200001001");
    r = &d.recs[1];
    assert_string_equal(r->given, "zoe");
    assert_string_equal(r->given_nick, "zoe");
    assert_string_equal(r->family, "o brien");
    assert_int_equal(r->sex, 'F');
    assert_string_equal(r->postcode, "M11AE");
    assert_string_equal(r->sector, "M11");
    assert_string_equal(r->district, "M1");
    assert_null(r->address);
    assert_null(r->town);
    assert_null(r->email);
    assert_null(r->nhs_number);
    r = &d.recs[2];
    assert_null(r->given);
    assert_null(r->family);
    assert_string_equal(r->family_phon, "");
    assert_int_equal(r->sex, 0);
    assert_string_equal(r->postcode, "4223");
    assert_null(r->sector);
    r = &d.recs[3];
    assert_string_equal(r->given, "lukasz");
    assert_string_equal(r->given_nick, "luke");
    assert_int_equal(r->sex, 'F');
    assert_null(r->postcode);
    link_dataset_free(&d);
}

/* The FEBRL files, when the shared data is beside the repository (skipped otherwise). */
static FILE *open_shared(const char *rel, char *path, size_t cap)
{
    const char *env = getenv("HEARTH_SHARED_DATA");
    const char *roots[] = {env, "../shared/data", "../../shared/data", "../../../shared/data"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        if (!roots[i])
            continue;
        snprintf(path, cap, "%s/%s", roots[i], rel);
        FILE *f = fopen(path, "rb");
        if (f)
            return f;
    }
    /* relative to this source file (the build passes its path relative to the build directory) */
    const char *src = __FILE__;
    const char *cut = strstr(src, "tests/unit/link/");
    if (cut) {
        snprintf(path, cap, "%.*s../shared/data/%s", (int)(cut - src), src, rel);
        FILE *f = fopen(path, "rb");
        if (f)
            return f;
    }
    return NULL;
}

static void test_csv_febrl_files(void **state)
{
    (void)state;
    char path[1024];
    FILE *f = open_shared("linkage/febrl/dataset4a.csv", path, sizeof path);
    if (!f)
        skip();
    fclose(f);
    const char *map = "{\"id\":\"rec_id\",\"given_name\":\"given_name\",\"family_name\":\"surname\","
                      "\"date_of_birth\":\"date_of_birth\",\"date_format\":\"%Y%m%d\",\"postcode\":\"postcode\","
                      "\"address\":[\"street_number\",\"address_1\",\"address_2\"],\"town\":\"suburb\","
                      "\"nhs_number\":\"soc_sec_id\"}";
    link_mapping m = map_of(map);
    link_dataset d;
    rejects rj = {0};
    core_error err;
    assert_int_equal(link_csv_read(path, &m, &d, on_reject, &rj, &err), 0);
    assert_int_equal(d.n, 5000); /* dataset4a holds the originals: every date is valid */
    assert_int_equal(d.rejected, 0);
    assert_string_equal(d.recs[0].id, "rec-1070-org");
    assert_string_equal(d.recs[0].given, "michaela");
    assert_string_equal(d.recs[0].address, "8 stanley street miami");
    assert_int_equal(d.recs[0].dob, days(1915, 11, 11));
    link_dataset_free(&d);

    /* dataset1 has corrupted dates: kept without a date by default (and counted), refused with
     * invalid_dates "reject" */
    f = open_shared("linkage/febrl/dataset1.csv", path, sizeof path);
    assert_non_null(f);
    fclose(f);
    memset(&rj, 0, sizeof rj);
    assert_int_equal(link_csv_read(path, &m, &d, on_reject, &rj, &err), 0);
    assert_int_equal(d.n, 1000);
    assert_int_equal(d.rejected, 0);
    assert_true(d.invalid_dates > 0);
    size_t invalid = d.invalid_dates;
    link_dataset_free(&d);
    m.invalid_dates_reject = 1;
    assert_int_equal(link_csv_read(path, &m, &d, on_reject, &rj, &err), 0);
    assert_int_equal(d.n + d.rejected, 1000);
    assert_int_equal(d.rejected, invalid);
    for (size_t i = 0; i < rj.n && i < 32; i++)
        assert_non_null(strstr(rj.reason[i], "is not a date in format %Y%m%d"));
    link_dataset_free(&d);
    link_mapping_free(&m);
}

/* ---- normalisation ---------------------------------------------------------------------------------------- */

static void test_norm_accents_and_letters(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    assert_string_equal(NAME("Zoë"), "zoe");
    assert_string_equal(NAME("Siân"), "sian");
    assert_string_equal(NAME("SIÔN"), "sion");
    assert_string_equal(NAME("Dvořák"), "dvorak");
    assert_string_equal(NAME("NGUYỄN"), "nguyen");
    assert_string_equal(NAME("Seán Ó Briain"), "sean o briain");
    assert_string_equal(NAME("Zoe\xcc\x88"), "zoe"); /* decomposed e + combining diaeresis */
    /* letters with a stroke or a ligature: utf8proc keeps them; the table makes them ASCII */
    assert_string_equal(NAME("Łukasz"), "lukasz");
    assert_string_equal(NAME("MAŁGORZATA"), "malgorzata");
    assert_string_equal(NAME("Søren Østby"), "soren ostby");
    assert_string_equal(NAME("Æsa"), "aesa");
    assert_string_equal(NAME("Cœur"), "coeur");
    assert_string_equal(NAME("Straße"), "strasse");
    assert_string_equal(NAME("Þóra"), "thora");
    assert_string_equal(NAME("Đorđe"), "dorde");
    assert_string_equal(NAME("Işıl"), "isil");
    assert_string_equal(NAME("İsmail"), "ismail");
    /* compatibility forms */
    assert_string_equal(NAME("Ｊｏｈｎ"), "john");
    assert_string_equal(NAME("ﬁona"), "fiona");
    /* other scripts: case-folded, accents of Cyrillic dropped, Devanagari vowel signs kept */
    assert_string_equal(NAME("ДМИТРИЙ"), "дмитрии");
    assert_string_equal(NAME("मोहन"), "मोहन");
    /* not UTF-8: nothing */
    assert_null_string(NAME("Zo\xeb"));
    core_arena_release(&a);
}

static void test_norm_punctuation(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    assert_string_equal(NAME("Kowalczyk-Evans"), "kowalczyk evans");
    assert_string_equal(NAME("O'Brien"), "o brien");
    assert_string_equal(NAME("O’Brien"), "o brien");
    assert_string_equal(NAME("Ng\xca\xbc"), "ng"); /* modifier letter apostrophe */
    assert_string_equal(NAME("  Mary   Jane  "), "mary jane");
    assert_string_equal(NAME("St. John-Smith,"), "st john smith");
    assert_string_equal(NAME("J.R.R."), "j r r");
    assert_string_equal(NAME("Anne\tMarie\n"), "anne marie");
    assert_string_equal(NAME("Smith–Jones"), "smith jones"); /* en dash */
    assert_string_equal(NAME("Hen\xc2\xadry"), "henry");     /* soft hyphen: ignorable */
    assert_string_equal(NAME("Paral·lel"), "parallel");
    assert_null_string(NAME(""));
    assert_null_string(NAME(" - ' . "));
    assert_null_string(NAME(NULL));
    assert_string_equal(link_norm_text(&a, "12, High St.", 12), "12 high st");
    assert_string_equal(link_norm_text(&a, "Unknown", 7), "unknown"); /* no placeholder check */
    assert_string_equal(link_norm_text(&a, "Flat 1Xjunk", 6), "flat 1");
    assert_null_string(link_norm_text(&a, ",,", 2));
    core_arena_release(&a);
}

static void test_placeholders(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    static const char *const yes[] = {
        "Baby",   "BABY BOY", "baby-girl", "Baby 2",   "Unborn", "Unborn Baby", "unborn child of Jay Lee",
        "Infant", "Newborn",  "Twin 1",    "TWIN B",   "twin",   "Triplet 3",   "Unknown",
        "Not Known", "NK",    "N/K",       "n.k.",     "N/A",    "Child",       "Male",
        "FEMALE", "Test",     "X",         "xxx",      "ZZZ",    "Baby of Ellery", "Infant of Rowe",
        "Mr",     "Not stated", "none",    "Anon",     "TBC",    "unk",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (NAME(yes[i]))
            fail_msg("'%s' should be a placeholder, folded to '%s'", yes[i], NAME(yes[i]));
    static const char *const no[] = {"Babette", "Twinkle", "Childs", "Nkechi", "Tess", "Max", "Xander",
                                     "Testa", "Infanta", "Unity", "Mrs Ivy Lark"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (!NAME(no[i]))
            fail_msg("'%s' is a name, not a placeholder", no[i]);
    assert_true(link_is_placeholder("n k"));
    assert_true(link_is_placeholder("twin 2"));
    assert_false(link_is_placeholder("twin 3"));
    assert_false(link_is_placeholder("twins"));
    assert_false(link_is_placeholder(""));
    assert_false(link_is_placeholder(NULL));
    core_arena_release(&a);
}

static void test_nicknames_builtin(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"bill", "william"},     {"billy", "william"},     {"will", "william"},       {"liam", "william"},
        {"gwilym", "william"},   {"bob", "robert"},        {"rob", "robert"},         {"robbie", "robert"},
        {"peggy", "margaret"},   {"maggie", "margaret"},   {"meg", "margaret"},       {"marged", "margaret"},
        {"sion", "john"},        {"sionyn", "john"},       {"ieuan", "john"},         {"iwan", "john"},
        {"sean", "john"},        {"shaun", "john"},        {"shawn", "john"},         {"ion", "john"},
        {"ionut", "john"},       {"dafydd", "david"},      {"dai", "david"},          {"iain", "ian"},
        {"hamish", "james"},     {"seumas", "james"},      {"seamus", "james"},       {"eilidh", "helen"},
        {"siobhan", "joan"},     {"padraig", "patrick"},   {"paddy", "patrick"},      {"niamh", "niamh"},
        {"neve", "niamh"},       {"mohammed", "muhammad"}, {"mohamed", "muhammad"},   {"mohd", "muhammad"},
        {"md", "muhammad"},      {"maxamed", "muhammad"},  {"abdirahman", "abdulrahman"}, {"abdool", "abdul"},
        {"aleksandra", "alexandra"}, {"ola", "alexandra"}, {"katarzyna", "katherine"}, {"kasia", "katherine"},
        {"malgorzata", "margaret"}, {"gosia", "margaret"}, {"piotr", "peter"},        {"pawel", "paul"},
        {"andrzej", "andrew"},   {"tomasz", "thomas"},     {"tomek", "thomas"},       {"mihai", "michael"},
        {"william", "william"},  {"zoey", "zoe"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(link_nick_canonical(pairs[i][0]), pairs[i][1]) != 0)
            fail_msg("%s -> %s, wanted %s", pairs[i][0], link_nick_canonical(pairs[i][0]), pairs[i][1]);
    /* not yet folded: folded first, first token only */
    assert_string_equal(link_nick_canonical("Siôn"), "john");
    assert_string_equal(link_nick_canonical("BILL"), "william");
    assert_string_equal(link_nick_canonical("Małgorzata"), "margaret");
    assert_string_equal(link_nick_canonical("Seán Óg"), "john");
    /* no entry, and short forms of several names: the token itself (the very pointer) */
    const char *own[] = {"alex", "sam", "chris", "jo", "pat", "jan", "quorra", "Quorra", "", "ellie"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        assert_ptr_equal(link_nick_canonical(own[i]), own[i]);
    assert_null(link_nick_canonical(NULL));
    /* male and female forms stay apart */
    assert_string_not_equal(link_nick_canonical("alexander"), link_nick_canonical("alexandra"));
    assert_string_not_equal(link_nick_canonical("nicholas"), link_nick_canonical("nikki"));
    /* N1: a canonical is its own canonical */
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const char *c = link_nick_canonical(pairs[i][0]);
        assert_string_equal(link_nick_canonical(c), c);
    }
}

/* The built-in tables are checked by link_norm_check, not at run time (nothing in the engine may stop the
 * program); the checker itself finds each kind of broken table. */
static void test_nicknames_tables_checked(void **state)
{
    (void)state;
    core_error err = {0};
    if (link_norm_check(&err) != 0)
        fail_msg("built-in tables: %s", err.detail);
    static const char *const self[] = {"al", "sam"};
    static const char *const good[] = {"william: bill will", "robert: bob rob"};
    assert_int_equal(link_nick_table_check(good, 2, self, 2, &err), 0);
    static const char *const twice[] = {"william: bill will", "wilfred: will fred"};
    assert_int_equal(link_nick_table_check(twice, 2, self, 2, &err), CORE_E_INTERNAL);
    assert_non_null(strstr(err.detail, "'will' is listed twice"));
    static const char *const canon_as_variant[] = {"william: bill", "robert: bob william"};
    assert_int_equal(link_nick_table_check(canon_as_variant, 2, self, 2, &err), CORE_E_INTERNAL);
    assert_non_null(strstr(err.detail, "'william' is listed twice"));
    static const char *const self_in_cluster[] = {"samuel: sam"};
    assert_int_equal(link_nick_table_check(self_in_cluster, 1, self, 2, &err), CORE_E_INTERNAL);
    assert_non_null(strstr(err.detail, "'sam' is listed twice"));
    static const char *const no_colon[] = {"william: bill", "robert bob"};
    assert_int_equal(link_nick_table_check(no_colon, 2, self, 2, &err), CORE_E_INTERNAL);
    assert_non_null(strstr(err.detail, "cluster 2 has no ':'"));
    static const char *const no_variant[] = {"robert:"};
    assert_int_equal(link_nick_table_check(no_variant, 1, self, 2, &err), CORE_E_INTERNAL);
    assert_non_null(strstr(err.detail, "'robert' has no variant"));
}

static void test_nicknames_carltonnorthern_file(void **state)
{
    (void)state;
    const char *text = "name1,relationship,name2\n"
                       "quenby,has_nickname,quen\n"
                       "quenby,has_nickname,quenny\n"
                       "zebedee,has_nickname,zeb\n"
                       "zebulon,has_nickname,zeb\n"   /* zeb: now ambiguous */
                       "zebulon,has_nickname,zebby\n"
                       "bartholomew,has_nickname,tolly\n" /* a built-in canonical as head */
                       "bart,has_nickname,barty\n"        /* a built-in variant as head */
                       "quendolyn,has_nickname,bill\n"    /* bill is built-in: stays william */
                       "quendolyn,has_nickname,alex\n"    /* alex is built-in self: stays alex */
                       "quendolyn,has_nickname,quenby\n"  /* quenby is a canonical: no chaining */
                       "quenby,has_nickname,quen\n"       /* the same pair again: nothing new */
                       "Rosalind,has_nickname,Rozzy\n"    /* case folded */
                       "rosalind,is_not,rozzer\n";        /* other relationships ignored */
    char path[256];
    temp_file(path, sizeof path, text, strlen(text));
    core_error err;
    int added = link_nick_load(path, &err);
    unlink(path);
    assert_int_equal(added, 7); /* quen, quenny, zeb, zebby, tolly, barty, rozzy */
    assert_string_equal(link_nick_canonical("quen"), "quenby");
    assert_string_equal(link_nick_canonical("quenny"), "quenby");
    assert_string_equal(link_nick_canonical("quenby"), "quenby");
    const char *zeb = "zeb";
    assert_ptr_equal(link_nick_canonical(zeb), zeb);
    assert_string_equal(link_nick_canonical("zebby"), "zebulon");
    assert_string_equal(link_nick_canonical("tolly"), "bartholomew");
    assert_string_equal(link_nick_canonical("barty"), "bartholomew");
    assert_string_equal(link_nick_canonical("bill"), "william");
    assert_string_equal(link_nick_canonical("alex"), "alex");
    assert_string_equal(link_nick_canonical("rozzy"), "rosalind");
    assert_string_equal(link_nick_canonical("Rozzy"), "rosalind");
    assert_string_equal(link_nick_canonical("rozzer"), "rozzer");
    assert_string_equal(link_nick_canonical("quendolyn"), "quendolyn");
}

static void test_nicknames_nhs_file(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "ottoline,otty,lina,,,,,,,,,,,,,\n"
                       "ysolde,issy,,,,,,,,,,,,,,\n"
                       "ysolda,ysolde,,,,,,,,,,,,,,\n" /* ysolde is a canonical: not made a nickname */
                       "caroline,lina,,,,,,,,,,,,,,\n"  /* lina: ambiguous from here on */
                       "carolina,linny,,,,,,,,,,,,,,\n" /* carolina is a built-in variant of caroline */
                       "\"thibault\",\"tibby\",\"Mary Ann\",,\n"; /* a two-word entry is skipped */
    char path[256];
    temp_file(path, sizeof path, text, strlen(text));
    core_error err;
    int added = link_nick_load(path, &err);
    unlink(path);
    assert_int_equal(added, 5); /* otty, lina, issy, linny, tibby */
    assert_string_equal(link_nick_canonical("otty"), "ottoline");
    assert_string_equal(link_nick_canonical("lina"), "lina");
    assert_string_equal(link_nick_canonical("issy"), "ysolde");
    assert_string_equal(link_nick_canonical("ysolde"), "ysolde");
    assert_string_equal(link_nick_canonical("linny"), "caroline");
    assert_string_equal(link_nick_canonical("tibby"), "thibault");
    assert_true(link_nick_load("/nonexistent/names.csv", &err) < 0);
    assert_int_equal(err.code, CORE_E_IO);
}

static void test_nicknames_shared_files(void **state)
{
    (void)state;
    char path[1024];
    const char *files[] = {"linkage/name-lookups/carltonnorthern-nicknames/names.csv",
                           "linkage/name-lookups/nhse-names/names.csv"};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = open_shared(files[i], path, sizeof path);
        if (!f)
            skip();
        fclose(f);
        core_error err;
        int n = link_nick_load(path, &err);
        if (n < 0)
            fail_msg("%s: %s", path, err.detail);
    }
    /* built-in entries keep their canonicals; N1 holds over a sample of the loaded names */
    assert_string_equal(link_nick_canonical("bill"), "william");
    assert_string_equal(link_nick_canonical("alex"), "alex");
    const char *sample[] = {"abe", "abby", "ron", "ronnie", "jack", "jackie", "peggy", "sally", "zach", "liz",
                            "hank", "bert", "trudy", "sandy", "bess", "kit", "dick", "fanny", "teddy", "ozzy"};
    for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++) {
        const char *c = link_nick_canonical(sample[i]);
        assert_string_equal(link_nick_canonical(c), c);
    }
}

/* ---- postcodes ---------------------------------------------------------------------------------------------- */

static void postcode_is(const char *raw, const char *full, const char *sector, const char *district)
{
    char out[32];
    size_t sl = 99, dl = 99;
    size_t n = link_norm_postcode(raw, out, sizeof out, &sl, &dl);
    assert_int_equal(n, strlen(full));
    assert_string_equal(out, full);
    if (sector) {
        assert_int_equal(sl, strlen(sector));
        assert_memory_equal(out, sector, sl);
        assert_int_equal(dl, strlen(district));
        assert_memory_equal(out, district, dl);
    } else {
        assert_int_equal(sl, 0);
        assert_int_equal(dl, 0);
    }
}

static void test_postcodes(void **state)
{
    (void)state;
    postcode_is("sw1a 1aa", "SW1A1AA", "SW1A1", "SW1A");   /* AA9A 9AA */
    postcode_is("M1 1AE", "M11AE", "M11", "M1");           /* A9 9AA */
    postcode_is("b33 8th", "B338TH", "B338", "B33");       /* A99 9AA */
    postcode_is("CR2 6XH", "CR26XH", "CR26", "CR2");       /* AA9 9AA */
    postcode_is("DN55-1PT", "DN551PT", "DN551", "DN55");   /* AA99 9AA */
    postcode_is("W1A 0AX", "W1A0AX", "W1A0", "W1A");       /* A9A 9AA */
    postcode_is(" ec1a 1bb ", "EC1A1BB", "EC1A1", "EC1A");
    postcode_is("GIR 0AA", "GIR0AA", "GIR0", "GIR");
    postcode_is("4223", "4223", NULL, NULL);               /* FEBRL (Australian) */
    postcode_is("75008", "75008", NULL, NULL);
    postcode_is("SW1A 1A", "SW1A1A", NULL, NULL);          /* inward code incomplete */
    postcode_is("1AA 1AA", "1AA1AA", NULL, NULL);          /* outward must start with a letter */
    postcode_is("SWAA 1AA", "SWAA1AA", NULL, NULL);
    postcode_is("SW1AA 1AA", "SW1AA1AA", NULL, NULL);      /* 8 characters */
    postcode_is("", "", NULL, NULL);
    postcode_is(" ,-", "", NULL, NULL);
    postcode_is("sw1\xc3\xa9 1aa", "SW11AA", "SW11", "SW1"); /* non-ASCII dropped */
    char small[4];
    size_t sl, dl;
    assert_int_equal(link_norm_postcode("SW1A 1AA", small, sizeof small, &sl, &dl), 3);
    assert_string_equal(small, "SW1");
    assert_int_equal(sl, 0);
    assert_int_equal(link_norm_postcode(NULL, small, sizeof small, &sl, &dl), 0);
    assert_string_equal(small, "");
}


/* ---- attributes and streaming (hearth import) ------------------------------------------------------------ */

static void test_mapping_attributes(void **state)
{
    (void)state;
    link_mapping m = map_of("{\"id\":\"ref\",\"attributes\":{\"attendance_pct\":\"Attendance %\","
                            "\"Year_group\":\"NC Year\",\"a1\":\"ref\"}}");
    assert_int_equal(m.nattr, 3);
    assert_string_equal(m.attr_name[0], "attendance_pct"); /* the mapping's order */
    assert_string_equal(m.attr_column[0], "Attendance %");
    assert_string_equal(m.attr_name[1], "Year_group");
    assert_string_equal(m.attr_column[1], "NC Year");
    assert_string_equal(m.attr_name[2], "a1");
    assert_string_equal(m.attr_column[2], "ref"); /* a column may serve the id and an attribute */
    link_mapping_free(&m);
    assert_int_equal(m.nattr, 0);
    assert_null(m.attr_name[0]);

    mapping_fails("{\"id\":\"ref\",\"attributes\":[\"a\"]}", CORE_E_WRONG_TYPE, "'attributes' must be an object");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{}}", CORE_E_INVALID_VALUE, "names 0 attributes");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"1st\":\"x\"}}", CORE_E_INVALID_VALUE, "'1st' is not usable");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"a b\":\"x\"}}", CORE_E_INVALID_VALUE, "'a b'");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"\":\"x\"}}", CORE_E_INVALID_VALUE, "not usable");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"a\":3}}", CORE_E_WRONG_TYPE, "attribute 'a' must name a column");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"a\":\"\"}}", CORE_E_INVALID_VALUE, "attribute 'a'");
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"a\":\"x\",\"a\":\"y\"}}", CORE_E_INVALID_JSON, "duplicate");
    /* an error after some attributes were taken frees them (mapping_fails checks nothing is left) */
    mapping_fails("{\"id\":\"ref\",\"attributes\":{\"a\":\"x\",\"b\":\"y\"},\"surname\":\"z\"}",
                  CORE_E_UNKNOWN_FIELD, "'surname'");
    char json[4096];
    size_t n = (size_t)snprintf(json, sizeof json, "{\"id\":\"ref\",\"attributes\":{");
    for (int i = 0; i <= LINK_MAP_ATTRIBUTES_MAX; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"a%d\":\"c%d\"", i ? "," : "", i, i);
    snprintf(json + n, sizeof json - n, "}}");
    mapping_fails(json, CORE_E_INVALID_VALUE, "names 65 attributes");
    char name[LINK_MAP_ATTRIBUTE_NAME_MAX + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(json, sizeof json, "{\"id\":\"ref\",\"attributes\":{\"%s\":\"x\"}}", name);
    mapping_fails(json, CORE_E_INVALID_VALUE, "not usable");
    name[LINK_MAP_ATTRIBUTE_NAME_MAX] = '\0'; /* exactly the longest name */
    snprintf(json, sizeof json, "{\"id\":\"ref\",\"attributes\":{\"%s\":\"x\"}}", name);
    m = map_of(json);
    assert_int_equal(m.nattr, 1);
    link_mapping_free(&m);
}

/* What a stream callback saw: up to 8 rows' line, id, raw given name, normalised family, first attribute. */
typedef struct streamed {
    size_t n;
    uint64_t line[8], offset[8];
    char id[8][32], given_raw[8][64], family[8][64], attr0[8][64], attr1[8][64];
    int stop_at; /* return CORE_E_CONFLICT on this row (1-based); 0: never */
    rejects rj;  /* the reject callback shares the row callback's context */
} streamed;

static void on_stream_reject(void *ctx, uint64_t line, const char *reason)
{
    on_reject(&((streamed *)ctx)->rj, line, reason);
}

static void copy_or_null(char *out, size_t cap, const char *s)
{
    snprintf(out, cap, "%s", s ? s : "(null)");
}

static int on_row(void *ctx, const link_row *row, core_error *err)
{
    streamed *st = ctx;
    size_t i = st->n++;
    if (st->stop_at && (int)st->n == st->stop_at)
        return core_error_set(err, CORE_E_CONFLICT, "stopped by the test at line %llu",
                              (unsigned long long)row->line);
    if (i < 8) {
        st->line[i] = row->line;
        st->offset[i] = row->offset;
        copy_or_null(st->id[i], sizeof st->id[i], row->rec->id);
        copy_or_null(st->given_raw[i], sizeof st->given_raw[i], row->value[LINK_F_GIVEN]);
        copy_or_null(st->family[i], sizeof st->family[i], row->rec->family);
        copy_or_null(st->attr0[i], sizeof st->attr0[i], row->nattr > 0 ? row->attr[0] : NULL);
        copy_or_null(st->attr1[i], sizeof st->attr1[i], row->nattr > 1 ? row->attr[1] : NULL);
    }
    assert_null(row->value[LINK_F_TOWN]); /* not mapped */
    return 0;
}

static const char *MAP_ATTR = "{\"id\":\"ref\",\"given_name\":\"first\",\"family_name\":\"last\","
                              "\"attributes\":{\"attendance_pct\":\"Attendance %\",\"note\":\"Note\"}}";

static void test_csv_stream(void **state)
{
    (void)state;
    const char *csv = "ref,first,last,Attendance %,Note\n"
                      "p1,\"  Zoë \",Kowalczyk-Evans,91.5,\"two\nlines\"\n"
                      "p2,Ann,Lee,88\n"  /* ragged: rejected by the reader, never streamed */
                      "p3,Bo,Li,,\n";
    link_mapping m = map_of(MAP_ATTR);
    streamed st;
    memset(&st, 0, sizeof st);
    core_error err;
    assert_int_equal(link_csv_stream_mem(csv, strlen(csv), &m, on_row, on_stream_reject, &st, &err), 0);
    assert_int_equal(st.n, 2);
    assert_int_equal(st.line[0], 2);
    assert_string_equal(st.id[0], "p1");
    assert_string_equal(st.given_raw[0], "  Zoë "); /* raw: as in the file (quoted, so not trimmed) */
    assert_string_equal(st.family[0], "kowalczyk evans"); /* normalised as link reads it */
    assert_string_equal(st.attr0[0], "91.5");
    assert_string_equal(st.attr1[0], "two\nlines");
    assert_int_equal(st.offset[0], strlen(csv));
    assert_int_equal(st.line[1], 5);
    assert_string_equal(st.id[1], "p3");
    assert_string_equal(st.attr0[1], ""); /* empty, not missing: the column is mapped */
    assert_int_equal(st.rj.n, 1);
    assert_int_equal(st.rj.line[0], 4);
    assert_string_equal(st.rj.reason[0], "4 fields, the header has 5");

    /* an attribute column absent from the header: an error in stream mode, nothing streamed ... */
    const char *noattr = "ref,first,last,Attendance %\np1,Ann,Lee,90\n";
    memset(&st, 0, sizeof st);
    assert_int_equal(link_csv_stream_mem(noattr, strlen(noattr), &m, on_row, NULL, &st, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "column 'Note'"));
    assert_int_equal(st.n, 0);
    /* ... and ignored by the link commands' reader */
    link_dataset d;
    assert_int_equal(link_csv_read_mem(noattr, strlen(noattr), &m, &d, NULL, NULL, &err), 0);
    assert_int_equal(d.n, 1);
    link_dataset_free(&d);

    /* the callback stops the stream with its own error */
    memset(&st, 0, sizeof st);
    st.stop_at = 2;
    assert_int_equal(link_csv_stream_mem(csv, strlen(csv), &m, on_row, NULL, &st, &err), CORE_E_CONFLICT);
    assert_non_null(strstr(err.detail, "stopped by the test at line 5"));
    assert_int_equal(st.n, 2);

    /* a hard error after rows were streamed is still an error (the caller undoes what it did) */
    const char *unclosed = "ref,first,last,Attendance %,Note\np1,Ann,Lee,90,x\np2,Bo,\"Li,80,y\n";
    memset(&st, 0, sizeof st);
    assert_int_equal(link_csv_stream_mem(unclosed, strlen(unclosed), &m, on_row, NULL, &st, &err),
                     CORE_E_INVALID_VALUE);
    assert_int_equal(st.n, 1);
    assert_non_null(strstr(err.detail, "never closed"));

    /* from a file, in chunks: offsets grow to the file's size; memory does not grow with rows (R2) */
    size_t cap = 300000, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    n += (size_t)snprintf(big + n, cap - n, "ref,first,last,Attendance %%,Note\n");
    for (int i = 0; n + 64 < cap; i++)
        n += (size_t)snprintf(big + n, cap - n, "r%d,Given%d,Family,%d.5,note\n", i, i, i % 100);
    char path[256];
    temp_file(path, sizeof path, big, n);
    memset(&st, 0, sizeof st);
    assert_int_equal(link_csv_stream(path, &m, on_row, NULL, &st, &err), 0);
    assert_true(st.n > 5000);
    assert_int_equal(st.offset[0], 65536); /* the first chunk */
    assert_string_equal(st.attr0[7], "7.5");
    unlink(path);
    assert_int_equal(link_csv_stream(path, &m, on_row, NULL, &st, &err), CORE_E_IO);
    free(big);
    link_mapping_free(&m);
}

static void test_csv_utf16_bom(void **state)
{
    (void)state;
    const char le[] = "\xFF\xFEi\0d\0\n\0";
    const char be[] = "\xFE\xFF\0i\0d\0\n";
    link_dataset d;
    rejects rj;
    core_error err;
    assert_int_equal(read_csv("{\"id\":\"id\"}", le, sizeof le - 1, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "UTF-16"));
    assert_non_null(strstr(err.hint, "iconv"));
    assert_int_equal(read_csv("{\"id\":\"id\"}", be, sizeof be - 1, &d, &rj, &err), CORE_E_INVALID_VALUE);
    assert_non_null(strstr(err.detail, "UTF-16"));
    assert_int_equal(d.n, 0);
    assert_int_equal(rj.n, 0);
}

/* link_record_make reports a fallible arena's failure instead of keeping a record with holes in it. */
static void test_record_out_of_memory(void **state)
{
    (void)state;
    link_mapping m = map_of("{\"id\":\"id\",\"given_name\":\"g\",\"family_name\":\"f\",\"postcode\":\"p\","
                            "\"nhs_number\":\"n\"}");
    link_fields f = {0};
    const char *vals[][2] = {{"P1", 0}, {"Bill", 0}, {"O'Brien", 0}, {"sw1a 1aa", 0}, {"943 476 5919", 0}};
    int fields[] = {LINK_F_ID, LINK_F_GIVEN, LINK_F_FAMILY, LINK_F_POSTCODE, LINK_F_NHS};
    for (int i = 0; i < 5; i++) {
        f.value[fields[i]] = vals[i][0];
        f.len[fields[i]] = strlen(vals[i][0]);
    }
    core_arena a = CORE_ARENA_INIT;
    core_arena_set_fallible(&a);
    core_buf scratch;
    core_buf_init(&scratch, 1024);
    link_record rec;
    assert_int_equal(link_record_make(&rec, &a, &scratch, &m, &f, LINK_NO_DATE, 0), 0);
    assert_string_equal(rec.id, "P1");
    assert_string_equal(rec.given, "bill");
    assert_string_equal(rec.given_nick, "william");
    assert_string_equal(rec.family, "o brien");
    assert_string_equal(rec.postcode, "SW1A1AA");
    assert_string_equal(rec.district, "SW1A");
    assert_string_equal(rec.nhs_number, "9434765919");
    assert_null(core_arena_alloc(&a, SIZE_MAX - 3)); /* the arena runs out */
    assert_int_equal(link_record_make(&rec, &a, &scratch, &m, &f, LINK_NO_DATE, 0), -1);
    core_arena_reset(&a); /* the next row starts afresh (stream mode) */
    assert_int_equal(link_record_make(&rec, &a, &scratch, &m, &f, LINK_NO_DATE, 0), 0);
    assert_string_equal(rec.family, "o brien");
    core_buf_release(&scratch);
    core_arena_release(&a);
    link_mapping_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping_every_key),
        cmocka_unit_test(test_mapping_errors),
        cmocka_unit_test(test_mapping_load),
        cmocka_unit_test(test_csv_quoted_newlines_and_commas),
        cmocka_unit_test(test_csv_ragged_blank_lines_and_crlf),
        cmocka_unit_test(test_csv_invalid_utf8_and_nul),
        cmocka_unit_test(test_csv_bom_and_header_spaces),
        cmocka_unit_test(test_csv_missing_column),
        cmocka_unit_test(test_csv_dates),
        cmocka_unit_test(test_csv_full_name),
        cmocka_unit_test(test_csv_full_name_orders),
        cmocka_unit_test(test_csv_dataset_checks),
        cmocka_unit_test(test_csv_febrl_separators),
        cmocka_unit_test(test_csv_stray_and_unclosed_quotes),
        cmocka_unit_test(test_csv_file_in_chunks),
        cmocka_unit_test(test_csv_record_normalised),
        cmocka_unit_test(test_csv_febrl_files),
        cmocka_unit_test(test_norm_accents_and_letters),
        cmocka_unit_test(test_norm_punctuation),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_nicknames_builtin),
        cmocka_unit_test(test_nicknames_tables_checked),
        cmocka_unit_test(test_nicknames_carltonnorthern_file),
        cmocka_unit_test(test_nicknames_nhs_file),
        cmocka_unit_test(test_nicknames_shared_files),
        cmocka_unit_test(test_postcodes),
        cmocka_unit_test(test_mapping_attributes),
        cmocka_unit_test(test_csv_stream),
        cmocka_unit_test(test_csv_utf16_bom),
        cmocka_unit_test(test_record_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
