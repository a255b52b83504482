/*
 * fuzz_link_input.c — libFuzzer driver for reading records (link/link_mapping.c, link/link_input.c) and the
 * normalisers of link/link_norm.c, on arbitrary bytes.
 *
 * Per input, all of:
 *   1. the bytes as a mapping (link_mapping_parse). Asserted: success or a client error of the table (never
 *      CORE_E_INTERNAL, the code returned is the code recorded); on success id and date_format are set and
 *      naddress is 1..LINK_MAP_ADDRESS_MAX or 0; on failure the mapping is left all zero. A mapping that
 *      parses is then used to read a small fixed CSV (so absent columns, address arrays and date formats
 *      from the fuzzer meet a real header);
 *   2. the bytes as a CSV file through a fixed mapping that names every field (link_csv_read_mem). Asserted:
 *      on failure the dataset is empty and the error is CORE_E_INVALID_VALUE; on success there is a record,
 *      no id twice, the impossible dates counted are among the records kept, a date's digits kept only when
 *      it did not read and as YYYYMMDD, every record has a non-empty id,
 *      and every normalised string is non-empty and in normal form (no leading, trailing or doubled spaces in
 *      names; postcodes upper-case alphanumerics with sector and district as prefixes); rows kept plus rows
 *      refused are fewer than the row ends the input holds (the header is one); every reject line is within
 *      the input's lines;
 *   3. the bytes as a name (link_norm_name: folding is idempotent), a nickname token (link_nick_canonical:
 *      its canonical is its own canonical) and a postcode (link_norm_postcode: the same checks as in 2).
 * Everything allocated is freed (LeakSanitizer runs at exit). Seeds: tests/fuzz/seeds/fuzz_link_input/
 * (CSV files and mappings); dictionary: tests/fuzz/fuzz_link_input.dict.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "link/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char FIXED_MAPPING[] =
    "{\"id\":\"id\",\"given_name\":\"given\",\"family_name\":\"family\",\"full_name\":\"name\","
    "\"date_of_birth\":\"dob\",\"date_format\":\"%d/%m/%Y\",\"sex\":\"sex\",\"postcode\":\"pc\","
    "\"address\":[\"a1\",\"a2\"],\"town\":\"town\",\"email\":\"email\",\"nhs_number\":\"nhs\",\"nino\":\"nino\","
    "\"upn\":\"upn\"}";

static const char FIXED_CSV[] = "id,given,family,name,dob,sex,pc,a1,a2,town,email,nhs,nino,upn,rec_id,date\n"
                                "1,Ann,Lee,Ann Lee,01/02/2003,F,SW1A 1AA,1 Road,Flat 2,Town,a@b.c,1,AB1,U1,r1,"
                                "2003-02-01\n"
                                "2,Bo,Li,,31/02/2003,m,4223,,,,,,,,r2,x\n";

typedef struct reject_check {
    uint64_t max_line;
    size_t count;
} reject_check;

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    reject_check *c = ctx;
    assert(line >= 1 && line <= c->max_line);
    assert(reason && reason[0]);
    c->count++;
}

/* A folded string in normal form: non-empty, no leading, trailing or doubled spaces, no ASCII upper case. */
static void check_folded(const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    assert(n > 0);
    assert(s[0] != ' ' && s[n - 1] != ' ');
    assert(!strstr(s, "  "));
    for (size_t i = 0; i < n; i++)
        assert(!(s[i] >= 'A' && s[i] <= 'Z'));
}

static void check_postcode(const char *pc, size_t n, size_t sl, size_t dl)
{
    for (size_t i = 0; i < n; i++)
        assert((pc[i] >= 'A' && pc[i] <= 'Z') || (pc[i] >= '0' && pc[i] <= '9'));
    if (sl || dl) {
        assert(n >= 5 && n <= 7);
        assert(dl + 1 == sl && sl + 2 == n);
    }
}

static void check_dataset(const link_dataset *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const link_record *r = &d->recs[i];
        assert(r->id && r->id[0]);
        check_folded(r->given);
        check_folded(r->family);
        check_folded(r->address);
        check_folded(r->town);
        assert(!r->given == !r->given_nick);
        assert(r->sex == 0 || r->sex == 'M' || r->sex == 'F');
        /* the digits of a date that did not read: only then, and YYYYMMDD (year <= 9999, month and day <= 99) */
        assert(r->dob_digits == 0 || r->dob == LINK_NO_DATE);
        assert(r->dob_digits >= 0 && r->dob_digits <= 99999999);
        if (r->postcode) {
            size_t n = strlen(r->postcode);
            assert(n > 0);
            check_postcode(r->postcode, n, r->sector ? strlen(r->sector) : 0,
                           r->district ? strlen(r->district) : 0);
            assert(!r->sector || strncmp(r->postcode, r->sector, strlen(r->sector)) == 0);
            assert(!r->district || strncmp(r->postcode, r->district, strlen(r->district)) == 0);
        } else {
            assert(!r->sector && !r->district);
        }
    }
}

static void read_csv(const char *csv, size_t len, const link_mapping *m)
{
    uint64_t lines = 1, ends = 1; /* lines are counted by LF; a CR ends a row too */
    for (size_t i = 0; i < len; i++) {
        lines += csv[i] == '\n';
        ends += csv[i] == '\n' || csv[i] == '\r';
    }
    reject_check rc = {lines, 0};
    link_dataset d;
    core_error err;
    core_error_clear(&err);
    int r = link_csv_read_mem(csv, len, m, &d, on_reject, &rc, &err);
    if (r) {
        assert(r == err.code);
        assert(r == CORE_E_INVALID_VALUE);
        assert(d.n == 0 && d.recs == NULL);
    } else {
        assert(rc.count == d.rejected);
        assert(d.n + d.rejected < ends); /* the header is a row too */
        assert(d.n > 0);                 /* a file with no record is an error */
        assert(d.invalid_dates <= d.n);
        assert(!d.invalid_dates == !d.invalid_date_line && d.invalid_date_line <= lines);
        for (size_t i = 0; i < d.n && i < 256; i++) /* repeated ids are an error */
            for (size_t j = i + 1; j < d.n && j < 256; j++)
                assert(strcmp(d.recs[i].id, d.recs[j].id) != 0);
        check_dataset(&d);
    }
    link_dataset_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;

    /* 1. the bytes as a mapping */
    link_mapping m;
    core_error err;
    core_error_clear(&err);
    int rc = link_mapping_parse(s, size, &m, &err);
    if (rc == 0) {
        assert(m.id && m.id[0] && m.date_format);
        assert(m.naddress >= 0 && m.naddress <= LINK_MAP_ADDRESS_MAX);
        assert(m.full_name_order >= LINK_ORDER_GIVEN_FAMILY && m.full_name_order <= LINK_ORDER_FAMILY_COMMA_GIVEN);
        assert(!(m.invalid_dates_missing && m.invalid_dates_reject));
        read_csv(FIXED_CSV, sizeof FIXED_CSV - 1, &m);
        link_mapping_free(&m);
    } else {
        assert(rc == err.code);
        int status = core_error_http_status(rc);
        assert(status >= 400 && status <= 499);
        link_mapping zero;
        memset(&zero, 0, sizeof zero);
        assert(memcmp(&m, &zero, sizeof m) == 0);
    }

    /* 2. the bytes as CSV, through a mapping naming every field */
    link_mapping fixed;
    rc = link_mapping_parse(FIXED_MAPPING, sizeof FIXED_MAPPING - 1, &fixed, &err);
    assert(rc == 0);
    read_csv(s, size, &fixed);
    link_mapping_free(&fixed);

    /* 3. the bytes as a name, a nickname token and a postcode (NUL-terminated copies, at most 4 KiB) */
    size_t n = size < 4096 ? size : 4096;
    char *str = core_xmalloc(n + 1);
    memcpy(str, data, n);
    str[n] = '\0';
    core_arena a = CORE_ARENA_INIT;
    const char *name = link_norm_name(&a, str);
    check_folded(name);
    if (name) {
        const char *again = link_norm_name(&a, name);
        assert(again && strcmp(again, name) == 0);
    }
    const char *text = link_norm_text(&a, str, n);
    check_folded(text);
    const char *canon = link_nick_canonical(str);
    assert(canon);
    if (canon != str) {
        const char *c2 = link_nick_canonical(canon);
        assert(strcmp(c2, canon) == 0);
    }
    char *pc = core_xmalloc(n + 1);
    size_t sl, dl;
    size_t pl = link_norm_postcode(str, pc, n + 1, &sl, &dl);
    assert(pl == strlen(pc));
    check_postcode(pc, pl, sl, dl);
    free(pc);
    core_arena_release(&a);
    free(str);
    return 0;
}
