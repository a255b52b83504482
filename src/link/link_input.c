/*
 * link_input.c — reading records: CSV streamed through libcsv into link_records through a mapping
 * (link_mapping.c), normalised as they are read (contract in link.h, section "reading CSV"; design in
 * link/README.md, "Reading records").
 *
 * The CSV reader is a state machine driven by libcsv's two callbacks: csv_field (one per field) and csv_row
 * (one per row end). Options: CSV_STRICT (a '"' inside an unquoted field, or text after a closing '"', is a
 * parse error rather than a guess), CSV_STRICT_FINI (a quoted field still open at the end of the file is an
 * error), CSV_APPEND_NULL (fields arrive NUL-terminated), CSV_REPALL_NL (every unquoted line end is reported,
 * blank lines too, so that physical lines can be counted). libcsv trims spaces and tabs around unquoted
 * fields itself, which is what FEBRL's ", " separators need.
 *
 * Invariants
 *   R1. line is the physical line (1-based, counted by LF) on which the next row starts: after each row end
 *       it advances by the LFs inside the row's quoted fields plus one when the row ended with an LF. A CR
 *       ends a row but not a line (CRLF files count right; bare-CR files count as one line).
 *   R2. Only the header's names and the mapped columns of the current row are kept (row buffer); a field is
 *       at most LINK_CSV_FIELD_MAX bytes (libcsv's buffer grows through csv_realloc_capped), the header at
 *       most LINK_CSV_COLUMNS_MAX columns; in dataset mode the file is at most LINK_CSV_ROWS_MAX rows: memory
 *       is bounded by the records kept, never by what a file claims. In stream mode nothing outlives its row
 *       (the record's strings live in row_arena, reset after each row), so there is no row limit.
 *   R3. Once a hard error is recorded (failed), callbacks do nothing and the caller frees the dataset:
 *       "nothing read". Rejected rows are not errors: they go to the reject callback and are counted.
 *   R4. The file is read in chunks of LINK_CSV_CHUNK bytes and never held whole.
 *
 * Two modes share every check: dataset mode (link_csv_read*) keeps each accepted row as a link_record in a
 * link_dataset; stream mode (link_csv_stream*) hands each accepted row, normalised and raw, to a callback and
 * keeps nothing. Attribute columns are resolved only in stream mode.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>

#include <csv.h>

#include "core/core_buf.h"
#include "core/core_date.h"
#include "link/link.h"
#include "link/link_internal.h"

#define LINK_CSV_CHUNK (64 * 1024)
#define LINK_CSV_FIELD_MAX (64 * 1024)        /* bytes in one field */
#define LINK_CSV_COLUMNS_MAX 1024             /* columns in the header */
#define LINK_CSV_ROWS_MAX ((size_t)20000000) /* data rows kept from one file */

/* ---- datasets ---------------------------------------------------------------------------------------------- */

void link_dataset_free(link_dataset *d)
{
    if (!d)
        return;
    core_arena_release(&d->arena);
    free(d->recs);
    memset(d, 0, sizeof *d);
}

/* ---- reading CSV -------------------------------------------------------------------------------------------- */

/* The mapped fields are link.h's link_field (LINK_F_*), each read from one column (address from up to
 * LINK_MAP_ADDRESS_MAX); in stream mode the attribute columns follow them: attribute i is LINK_F_COUNT + i. */
enum { WANT_MAX = LINK_F_COUNT + LINK_MAP_ATTRIBUTES_MAX };

typedef struct reader {
    struct csv_parser p;
    const link_mapping *m;
    link_dataset *d;       /* dataset mode (link_csv_read*): records kept here; NULL in stream mode */
    link_row_fn row_fn;    /* stream mode (link_csv_stream*): each accepted row handed over here */
    core_arena row_arena;  /* stream mode: the current record's strings, reset after each row (R4) */
    uint64_t offset;       /* bytes of the input given to the parser, this chunk included */
    link_reject_fn reject;
    void *ctx;
    core_error *err;
    int failed;       /* R3 */
    int have_header;
    uint64_t line;    /* R1 */
    uint64_t row_lf;  /* LFs inside the current row's fields */
    uint64_t raw_lf;  /* LFs in the bytes fully given to the parser (for the line of a parse error) */
    int32_t pivot;    /* %y: years pivot..pivot+99 */
    const char *date_format;

    /* the header, until it is matched against the mapping */
    char **hdr;
    size_t nhdr;

    /* the mapping resolved against the header */
    const char *want[WANT_MAX]; /* column name of each mapped field, NULL when not mapped */
    int nwant;                  /* LINK_F_COUNT, plus the attributes in stream mode */
    int *slot_of_col;           /* for each header column: its slot in the row buffer, or -1 when not mapped */
    int col_of_field[WANT_MAX]; /* for each mapped field: its column, or -1 */

    /* the current row */
    size_t nfields;
    int bad_utf8, has_nul;
    core_buf row;          /* the mapped columns' values, each NUL-terminated */
    size_t *off, *len;     /* per slot (slot count = nhdr at most); complete once nfields == nhdr */
    core_buf scratch;

    /* dataset mode: the line each kept record starts on, for the repeated-id check at the end */
    uint64_t *lines;
    size_t nlines;
} reader;

/* libcsv grows a field's buffer with this; past the maximum it gets NULL and reports CSV_ENOMEM (R2). The
 * slack holds what libcsv keeps in the buffer until the field ends (a closing quote, the NUL); csv_field
 * refuses a longer field that fits in it, so the limit is exactly LINK_CSV_FIELD_MAX either way. */
static void *csv_realloc_capped(void *p, size_t n)
{
    return n > LINK_CSV_FIELD_MAX + 64 ? NULL : realloc(p, n);
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07;
        else
            return 0;
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += k + 1;
    }
    return 1;
}

static uint64_t count_lf(const char *s, size_t n)
{
    uint64_t k = 0;
    for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        k++;
    return k;
}

/* Copy at most 40 bytes of a value into out for a reject reason, on a character boundary, controls as '?'. */
static void quote_value(const char *v, char *out, size_t cap)
{
    size_t n = strlen(v), o = 0, lim = n > 40 ? 40 : n;
    while (lim > 0 && lim < n && ((unsigned char)v[lim] & 0xC0) == 0x80)
        lim--;
    for (size_t i = 0; i < lim && o + 4 < cap; i++)
        out[o++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
    if (lim < n && o + 4 < cap)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = '\0';
}

static void reject_row(reader *r, uint64_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reject_row(reader *r, uint64_t line, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (r->d)
        r->d->rejected++;
    if (r->reject)
        r->reject(r->ctx, line, reason);
}

static void fail(reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(reader *r, int code, const char *fmt, ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    core_error_set(r->err, code, "%s", detail);
    r->failed = 1;
}

static void field_too_long(reader *r)
{
    fail(r, CORE_E_INVALID_VALUE, "a field longer than %d bytes in the row starting on line %llu",
         LINK_CSV_FIELD_MAX, (unsigned long long)r->line);
    core_error_hint(r->err, "look for a '\"' that opens a quoted field and is never closed");
}

static void reset_row(reader *r)
{
    r->nfields = 0;
    r->bad_utf8 = r->has_nul = 0;
    r->row_lf = 0;
    core_buf_reset(&r->row);
}

static void csv_field(void *data, size_t len, void *ctx)
{
    reader *r = ctx;
    if (r->failed)
        return;
    if (len > LINK_CSV_FIELD_MAX) {
        field_too_long(r);
        return;
    }
    size_t i = r->nfields++;
    r->row_lf += count_lf(data, len);
    if (!r->has_nul && memchr(data, '\0', len))
        r->has_nul = 1;
    if (!r->bad_utf8 && !utf8_valid(data, len))
        r->bad_utf8 = 1;
    if (!r->have_header) {
        if (i >= LINK_CSV_COLUMNS_MAX) {
            fail(r, CORE_E_INVALID_VALUE, "the header row has more than %d columns", LINK_CSV_COLUMNS_MAX);
            return;
        }
        const char *s = data;
        while (len > 0 && link_is_space(*s))
            s++, len--;
        while (len > 0 && link_is_space(s[len - 1]))
            len--;
        r->hdr = core_xrealloc(r->hdr, (i + 1) * sizeof *r->hdr);
        r->hdr[i] = core_xmalloc(len + 1);
        memcpy(r->hdr[i], s, len);
        r->hdr[i][len] = '\0';
        r->nhdr = i + 1;
        return;
    }
    if (i >= r->nhdr || r->slot_of_col[i] < 0)
        return;
    int s = r->slot_of_col[i];
    r->off[s] = r->row.len;
    r->len[s] = len;
    core_buf_add(&r->row, data, len);
    core_buf_addch(&r->row, '\0');
}

/* Match the header against the mapping (R3 on failure). */
static void take_header(reader *r, uint64_t line)
{
    if (r->bad_utf8 || r->has_nul) {
        fail(r, CORE_E_INVALID_VALUE, "the header row (line %llu) is not valid UTF-8", (unsigned long long)line);
        core_error_hint(r->err, "save the file as UTF-8");
        return;
    }
    r->slot_of_col = core_xmalloc(r->nhdr * sizeof *r->slot_of_col);
    for (size_t c = 0; c < r->nhdr; c++)
        r->slot_of_col[c] = -1;
    int nslots = 0;
    for (int f = 0; f < r->nwant; f++) {
        r->col_of_field[f] = -1;
        if (!r->want[f])
            continue;
        int found = -1;
        for (size_t c = 0; c < r->nhdr; c++) {
            if (strcmp(r->hdr[c], r->want[f]) != 0)
                continue;
            if (found >= 0) {
                fail(r, CORE_E_INVALID_VALUE, "column '%.64s' appears twice in the header (line %llu)", r->want[f],
                     (unsigned long long)line);
                core_error_hint(r->err, "rename one of them in the file");
                return;
            }
            found = (int)c;
        }
        if (found < 0) {
            fail(r, CORE_E_INVALID_VALUE, "the mapping names column '%.64s', which is not in the header",
                 r->want[f]);
            /* the hint lists the header, as far as it fits */
            core_buf h;
            core_buf_init(&h, sizeof r->err->hint - 1);
            core_buf_adds(&h, "the header has:");
            for (size_t c = 0; c < r->nhdr && core_buf_ok(&h); c++)
                core_buf_addf(&h, "%s '%.40s'", c ? "," : "", r->hdr[c]);
            core_error_hint(r->err, "%s%s", h.data, core_buf_ok(&h) ? "" : "...");
            core_buf_release(&h);
            return;
        }
        r->col_of_field[f] = found;
        if (r->slot_of_col[found] < 0)
            r->slot_of_col[found] = nslots++;
    }
    r->off = core_xmalloc(r->nhdr * sizeof *r->off);
    r->len = core_xmalloc(r->nhdr * sizeof *r->len);
    r->have_header = 1;
}

/* The value of a mapped field in the current row (NUL-terminated), or NULL when the field is not mapped. */
static const char *value(const reader *r, int f, size_t *len)
{
    int c = r->col_of_field[f];
    if (c < 0)
        return NULL;
    int s = r->slot_of_col[c];
    *len = r->len[s];
    return r->row.data + r->off[s];
}

/* Normalise the current row into rec, its strings in a (link_record.c); 0, or -1 with the reader failed when
 * the arena is out of memory (R3). */
static int make_record(reader *r, uint64_t line, link_record *rec, core_arena *a, int32_t dob,
                       int32_t dob_digits)
{
    link_fields f;
    for (int i = 0; i < LINK_F_COUNT; i++)
        f.value[i] = value(r, i, &f.len[i]);
    if (link_record_make(rec, a, &r->scratch, r->m, &f, dob, dob_digits) == 0)
        return 0;
    fail(r, CORE_E_INTERNAL, "out of memory for the record on line %llu", (unsigned long long)line);
    core_error_hint(r->err, "give the program more memory, or read the file in parts");
    return -1;
}

/* Stream mode: normalise the row and hand it over with its raw values; a negative answer stops reading (R3). */
static void stream_row(reader *r, uint64_t line, int32_t dob, int32_t dob_digits)
{
    link_record rec;
    if (make_record(r, line, &rec, &r->row_arena, dob, dob_digits) < 0)
        return;
    const char *attr[LINK_MAP_ATTRIBUTES_MAX];
    link_row row = {.line = line, .offset = r->offset, .rec = &rec, .attr = attr, .nattr = r->m->nattr};
    size_t n;
    for (int f = 0; f < LINK_F_COUNT; f++)
        row.value[f] = value(r, f, &n);
    for (int i = 0; i < r->m->nattr; i++)
        attr[i] = value(r, LINK_F_COUNT + i, &n);
    int rc = r->row_fn(r->ctx, &row, r->err);
    core_arena_reset(&r->row_arena);
    if (rc < 0) {
        if (r->err->code != rc)
            core_error_set(r->err, rc, "reading stopped at line %llu", (unsigned long long)line);
        r->failed = 1;
    }
}

/* Check one data row and keep it, or reject it with its reason. */
static void take_row(reader *r, uint64_t line)
{
    if (r->nfields != r->nhdr) {
        reject_row(r, line, "%zu field%s, the header has %zu", r->nfields, r->nfields == 1 ? "" : "s", r->nhdr);
        return;
    }
    if (r->bad_utf8) {
        reject_row(r, line, "not valid UTF-8");
        return;
    }
    if (r->has_nul) {
        reject_row(r, line, "contains a NUL byte");
        return;
    }
    if (!core_buf_ok(&r->row)) {
        reject_row(r, line, "the row is too long");
        return;
    }
    size_t idlen = 0;
    const char *id = value(r, LINK_F_ID, &idlen);
    size_t k = 0;
    while (k < idlen && link_is_space(id[k]))
        k++;
    if (k == idlen) {
        reject_row(r, line, "the id column '%.64s' is empty", r->m->id);
        return;
    }
    int32_t dob = LINK_NO_DATE, dob_digits = 0;
    size_t dlen = 0;
    const char *dv = value(r, LINK_F_DOB, &dlen);
    if (dv) {
        while (dlen > 0 && link_is_space(*dv))
            dv++, dlen--;
        while (dlen > 0 && link_is_space(dv[dlen - 1]))
            dlen--;
    }
    if (dv && dlen > 0) {
        core_date date;
        if (core_date_parse_fmt(dv, dlen, r->date_format, r->pivot, &date) == 0)
            dob = core_date_to_days(date);
        else if (r->d ? r->m->invalid_dates_reject : !r->m->invalid_dates_missing) {
            char q[64];
            char *tmp = core_xmalloc(dlen + 1);
            memcpy(tmp, dv, dlen);
            tmp[dlen] = '\0';
            quote_value(tmp, q, sizeof q);
            free(tmp);
            reject_row(r, line, "%s '%s' is not a date in format %s", r->m->date_of_birth, q, r->date_format);
            return;
        } else {
            dob_digits = link_date_digits(dv, dlen, r->date_format); /* for comparing, digit by digit */
            if (r->d && !r->d->invalid_dates++) /* kept without its date, and counted */
                r->d->invalid_date_line = line;
        }
    }
    if (r->row_fn) {
        stream_row(r, line, dob, dob_digits);
        return;
    }
    link_dataset *d = r->d;
    if (d->n >= LINK_CSV_ROWS_MAX) {
        fail(r, CORE_E_INVALID_VALUE, "more than %zu rows", LINK_CSV_ROWS_MAX);
        core_error_hint(r->err, "split the file");
        return;
    }
    if (d->n == d->cap) { /* grows with the file: out of memory is an error, not the program's end */
        size_t cap = d->cap ? d->cap * 2 : 1024;
        link_record *recs = realloc(d->recs, cap * sizeof *d->recs);
        if (recs)
            d->recs = recs;
        uint64_t *lines = recs ? realloc(r->lines, cap * sizeof *r->lines) : NULL;
        if (lines)
            r->lines = lines;
        if (!recs || !lines) {
            fail(r, CORE_E_INTERNAL, "out of memory for %zu records at line %llu", cap,
                 (unsigned long long)line);
            core_error_hint(r->err, "give the program more memory, or read the file in parts");
            return;
        }
        d->cap = cap;
    }
    r->lines[d->n] = line;
    if (make_record(r, line, &d->recs[d->n], &d->arena, dob, dob_digits) == 0)
        d->n++;
}

static void csv_row(int c, void *ctx)
{
    reader *r = ctx;
    if (r->failed)
        return;
    uint64_t line = r->line;
    r->line += r->row_lf + (c == '\n');
    if (r->nfields > 0) {
        if (r->have_header)
            take_row(r, line);
        else
            take_header(r, line);
    }
    reset_row(r);
}

/* Dataset mode when d is set, stream mode (row_fn) otherwise. */
static void reader_init(reader *r, const link_mapping *m, link_dataset *d, link_row_fn row_fn,
                        link_reject_fn reject, void *ctx, core_error *err)
{
    memset(r, 0, sizeof *r);
    if (d) {
        memset(d, 0, sizeof *d);
        core_arena_set_fallible(&d->arena); /* the records' strings: out of memory is an error (R3) */
    }
    core_arena_set_fallible(&r->row_arena);
    r->m = m;
    r->d = d;
    r->row_fn = d ? NULL : row_fn;
    r->reject = reject;
    r->ctx = ctx;
    r->err = err;
    r->line = 1;
    core_date today = core_date_today();
    r->pivot = core_date_ok(today) ? today.y - 99 : 1926; /* a two-digit birth year is never in the future */
    r->date_format = m->date_format ? m->date_format : LINK_DATE_FORMAT_DEFAULT;
    r->want[LINK_F_ID] = m->id;
    r->want[LINK_F_GIVEN] = m->given_name;
    r->want[LINK_F_FAMILY] = m->family_name;
    r->want[LINK_F_FULL] = m->full_name;
    r->want[LINK_F_DOB] = m->date_of_birth;
    r->want[LINK_F_SEX] = m->sex;
    r->want[LINK_F_POSTCODE] = m->postcode;
    r->want[LINK_F_TOWN] = m->town;
    r->want[LINK_F_EMAIL] = m->email;
    r->want[LINK_F_NHS] = m->nhs_number;
    r->want[LINK_F_NINO] = m->nino;
    r->want[LINK_F_UPN] = m->upn;
    for (int i = 0; i < m->naddress && i < LINK_MAP_ADDRESS_MAX; i++)
        r->want[LINK_F_ADDRESS + i] = m->address[i];
    r->nwant = LINK_F_COUNT;
    if (r->row_fn) /* the link commands ignore attributes: their columns need not even exist */
        for (int i = 0; i < m->nattr && i < LINK_MAP_ATTRIBUTES_MAX; i++)
            r->want[r->nwant++] = m->attr_column[i];
    core_buf_init(&r->row, (size_t)r->nwant * (LINK_CSV_FIELD_MAX + 1));
    core_buf_init(&r->scratch, (size_t)LINK_MAP_ADDRESS_MAX * (LINK_CSV_FIELD_MAX + 1));
    csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_REPALL_NL);
    csv_set_realloc_func(&r->p, csv_realloc_capped);
    csv_set_blk_size(&r->p, 4096);
}

static void reader_release(reader *r)
{
    csv_free(&r->p);
    for (size_t i = 0; i < r->nhdr; i++)
        free(r->hdr[i]);
    free(r->hdr);
    free(r->slot_of_col);
    free(r->off);
    free(r->len);
    core_buf_release(&r->row);
    core_buf_release(&r->scratch);
    core_arena_release(&r->row_arena);
    free(r->lines);
}

/* Give bytes to libcsv, recovering from a strict-mode parse error by rejecting the row and skipping to the
 * end of the line where the error is (R1: line restarts there). *skipping carries that skip across chunks. */
static void feed(reader *r, const char *data, size_t len, int *skipping)
{
    while (len > 0 && !r->failed) {
        if (*skipping) {
            const char *nl = memchr(data, '\n', len);
            if (!nl)
                return;
            size_t k = (size_t)(nl - data) + 1;
            r->raw_lf++;
            r->line = r->raw_lf + 1;
            data += k;
            len -= k;
            *skipping = 0;
            continue;
        }
        size_t n = csv_parse(&r->p, data, len, csv_field, csv_row, r);
        if (r->failed)
            return;
        if (n == len) {
            r->raw_lf += count_lf(data, len);
            return;
        }
        int status = csv_error(&r->p);
        uint64_t at = r->raw_lf + count_lf(data, n) + 1; /* the line of the offending byte */
        if (status != CSV_EPARSE) {
            field_too_long(r);
            return;
        }
        if (!r->have_header) {
            fail(r, CORE_E_INVALID_VALUE, "the header row is not valid CSV: a stray '\"' on line %llu",
                 (unsigned long long)at);
            core_error_hint(r->err, "a field with a '\"' must be quoted as a whole, the '\"' written twice");
            return;
        }
        reject_row(r, r->line, "not valid CSV: a stray '\"' on line %llu (quote the whole field and double the "
                               "'\"' inside)",
                   (unsigned long long)at);
        reset_row(r);
        csv_fini(&r->p, NULL, NULL, NULL); /* back to "no row begun" */
        r->raw_lf += count_lf(data, n);
        data += n;
        len -= n;
        *skipping = 1;
    }
}

/* Dataset mode, once every row is read: at least one record, and no id twice (which of two rows with one id
 * is the person is not for the engine to guess, and a dedupe would pair the id with itself). The error names
 * lines, never ids: an id may be an identifier. */
static void check_dataset(reader *r)
{
    link_dataset *d = r->d;
    if (d->n == 0) {
        if (d->rejected == 0) {
            fail(r, CORE_E_INVALID_VALUE, "the file has a header and no data rows");
            core_error_hint(r->err, "give a file with at least one record under its header");
        } else {
            fail(r, CORE_E_INVALID_VALUE, "none of the file's %zu data rows was accepted", d->rejected);
            core_error_hint(r->err, "the rejects (--rejects FILE) say why each row was refused");
        }
        return;
    }
    size_t cap = 16;
    while (cap < d->n * 2)
        cap <<= 1;
    uint32_t *slot = calloc(cap, sizeof *slot); /* record number + 1; 0: empty */
    if (!slot) {
        fail(r, CORE_E_INTERNAL, "out of memory checking the ids of %zu records", d->n);
        return;
    }
    size_t repeats = 0, shown = 0;
    char where[160] = "";
    for (size_t i = 0; i < d->n; i++) {
        const char *id = d->recs[i].id;
        uint64_t h = 14695981039346656037ULL;
        for (const char *p = id; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        size_t j = (size_t)(h ^ (h >> 29)) & (cap - 1);
        while (slot[j] && strcmp(d->recs[slot[j] - 1].id, id) != 0)
            j = (j + 1) & (cap - 1);
        if (!slot[j]) {
            slot[j] = (uint32_t)(i + 1);
            continue;
        }
        repeats++;
        size_t len = strlen(where);
        if (shown < 5 && len + 48 < sizeof where) {
            snprintf(where + len, sizeof where - len, "%sline %" PRIu64 " repeats line %" PRIu64, shown ? ", " : "",
                     r->lines[i], r->lines[slot[j] - 1]);
            shown++;
        }
    }
    free(slot);
    if (repeats) {
        fail(r, CORE_E_INVALID_VALUE, "%zu row%s repeat an id used earlier in the file: %s%s", repeats,
             repeats == 1 ? "" : "s", where, repeats > shown ? ", ..." : "");
        core_error_hint(r->err, "each row's id must be unique in its file: remove or renumber the repeated rows");
    }
}

/* The end of the input: the last row, and the checks that need the whole file. */
static int finish(reader *r, int skipping)
{
    if (!r->failed && !skipping && csv_fini(&r->p, csv_field, csv_row, r) != 0 && !r->failed) {
        fail(r, CORE_E_INVALID_VALUE, "a quoted field in the row starting on line %llu is never closed",
             (unsigned long long)r->line);
        core_error_hint(r->err, "look for a '\"' that opens a field and has no closing '\"'");
    }
    if (!r->failed && !r->have_header) {
        fail(r, CORE_E_INVALID_VALUE, "the file has no header row");
        core_error_hint(r->err, "the first row must name the columns");
    }
    if (!r->failed && r->d)
        check_dataset(r);
    int rc = r->failed ? (r->err ? r->err->code : CORE_E_INVALID_VALUE) : 0;
    reader_release(r);
    if (rc)
        link_dataset_free(r->d);
    return rc;
}

/* The start of the input: a UTF-8 byte-order mark is skipped; a UTF-16 or UTF-32 one is an error (R3), so
 * that such a file is named for what it is rather than as "not valid UTF-8". Returns the bytes to skip. */
static size_t start_input(reader *r, const char *data, size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        return 3;
    if ((len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) ||
        (len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF)) {
        fail(r, CORE_E_INVALID_VALUE, "the file is UTF-16 or UTF-32 (it begins with such a byte-order mark), not "
                                      "UTF-8");
        core_error_hint(r->err, "convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 FILE.csv > FILE-utf8.csv");
        return len;
    }
    return 0;
}

static int run_mem(reader *r, const char *data, size_t len)
{
    size_t b = start_input(r, data, len);
    int skipping = 0;
    r->offset = len;
    feed(r, data + b, len - b, &skipping);
    return finish(r, skipping);
}

/* Read up to cap bytes, looping over short reads; returns the count (0 at the end or on error). */
static size_t read_full(FILE *f, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    return n;
}

static FILE *open_input(const char *path, core_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        core_error_set(err, CORE_E_IO, "cannot open '%s': %s", path, strerror(errno));
        core_error_hint(err, "check the path and that the file can be read");
    }
    return f;
}

/* Stream an open file through the reader in LINK_CSV_CHUNK pieces (R4); closes f. */
static int run_file(reader *r, FILE *f, const char *path)
{
    char *buf = core_xmalloc(LINK_CSV_CHUNK);
    int skipping = 0, first = 1;
    size_t n;
    while (!r->failed && (n = read_full(f, buf, LINK_CSV_CHUNK)) > 0) {
        size_t b = first ? start_input(r, buf, n) : 0;
        first = 0;
        r->offset += n;
        feed(r, buf + b, n - b, &skipping);
    }
    if (!r->failed && ferror(f))
        fail(r, CORE_E_IO, "cannot read '%s': %s", path, strerror(errno));
    free(buf);
    fclose(f);
    return finish(r, skipping);
}

int link_csv_read_mem(const char *data, size_t len, const link_mapping *m, link_dataset *d, link_reject_fn reject,
                      void *ctx, core_error *err)
{
    core_error local;
    if (!m->id) {
        memset(d, 0, sizeof *d);
        return core_error_set(err, CORE_E_USAGE, "the mapping has no id column");
    }
    reader r;
    reader_init(&r, m, d, NULL, reject, ctx, err ? err : &local);
    return run_mem(&r, data, len);
}

int link_csv_read(const char *path, const link_mapping *m, link_dataset *d, link_reject_fn reject, void *ctx,
                  core_error *err)
{
    core_error local;
    if (!err)
        err = &local;
    memset(d, 0, sizeof *d);
    if (!m->id)
        return core_error_set(err, CORE_E_USAGE, "the mapping has no id column");
    FILE *f = open_input(path, err);
    if (!f)
        return err->code;
    reader r;
    reader_init(&r, m, d, NULL, reject, ctx, err);
    return run_file(&r, f, path);
}

int link_csv_stream_mem(const char *data, size_t len, const link_mapping *m, link_row_fn row,
                        link_reject_fn reject, void *ctx, core_error *err)
{
    core_error local;
    if (!m->id || !row)
        return core_error_set(err, CORE_E_USAGE, "the mapping has no id column, or no row callback was given");
    reader r;
    reader_init(&r, m, NULL, row, reject, ctx, err ? err : &local);
    return run_mem(&r, data, len);
}

int link_csv_stream(const char *path, const link_mapping *m, link_row_fn row, link_reject_fn reject, void *ctx,
                    core_error *err)
{
    core_error local;
    if (!err)
        err = &local;
    if (!m->id || !row)
        return core_error_set(err, CORE_E_USAGE, "the mapping has no id column, or no row callback was given");
    FILE *f = open_input(path, err);
    if (!f)
        return err->code;
    reader r;
    reader_init(&r, m, NULL, row, reject, ctx, err);
    return run_file(&r, f, path);
}
