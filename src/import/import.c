/*
 * import.c — `hearth import`'s engine: a partner's CSV file, streamed through a mapping, checked row by row
 * and kept as partner_record rows of a dataset (contract and invariants I1-I4 in import.h; design in
 * import/README.md).
 *
 * One import, in order:
 *   1. BEGIN (I1); find the dataset by name, or create it (its section and agency checked against the
 *      reference data); add a partner_import row, whose id marks every row this file holds.
 *   2. link_csv_stream hands over each row that passed the reader's checks (field count, UTF-8, NUL bytes,
 *      empty id, the date format) and reports the rest; row() below checks the person fields, builds the
 *      canonical content and writes it: insert, update (history first), or mark unchanged (I3). A row whose
 *      key an earlier row of this same file already carried is refused, naming that row's line (I2).
 *   3. The import's counts and the dataset's record count; COMMIT. Any error on the way: ROLLBACK.
 *
 * Per-row memory comes from im->row (statements, cleaned strings, old content) and is reset after each row.
 */
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>

#include "core/core_clock.h"
#include "core/core_buf.h"
#include "core/core_date.h"
#include "import/import.h"
#include "model/model_ident.h"

/* ---- SQL ---------------------------------------------------------------------------------------------------- */

/* The dataset with this name: id, section, agency_id (NULL as 0). */
static const char SQL_DATASET_FIND[] =
    "SELECT id, section, agency_id\n"
    "  FROM partner_dataset\n"
    " WHERE name = $1";

/* A new dataset; returns its id. */
static const char SQL_DATASET_INSERT[] =
    "INSERT INTO partner_dataset (name, agency_id, section, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $4)\n"
    "RETURNING id";

/* 1 when $1 is a sharing label (ref list 'section'), else 0. */
static const char SQL_SECTION_KNOWN[] =
    "SELECT count(*)\n"
    "  FROM ref_code\n"
    " WHERE list = 'section'\n"
    "   AND code = $1";

/* 1 when agency $1 exists, else 0. */
static const char SQL_AGENCY_KNOWN[] =
    "SELECT count(*)\n"
    "  FROM agency\n"
    " WHERE id = $1";

/* This run; returns its id. */
static const char SQL_IMPORT_INSERT[] =
    "INSERT INTO partner_import (dataset_id, file, started_at)\n"
    "VALUES ($1, $2, $3)\n"
    "RETURNING id";

/* The run's counts, at its end. */
static const char SQL_IMPORT_FINISH[] =
    "UPDATE partner_import\n"
    "   SET finished_at = $2, rows_read = $3, inserted = $4, updated = $5, unchanged = $6, rejected = $7\n"
    " WHERE id = $1";

/* The dataset's bookkeeping after a run (not a versioned change). */
static const char SQL_DATASET_FINISH[] =
    "UPDATE partner_dataset\n"
    "   SET records = (SELECT count(*) FROM partner_record WHERE dataset_id = $1),\n"
    "       imported_at = $2\n"
    " WHERE id = $1";

/* The stored row of a key: id, import_id, source_line, version, then the content columns in CONTENT order. */
static const char SQL_RECORD_FIND[] =
    "SELECT id, import_id, source_line, version,\n"
    "       given_name, family_name, given_key, family_key, date_of_birth, sex, postcode, address, town, email,\n"
    "       nhs_number, nino, upn, attributes\n"
    "  FROM partner_record\n"
    " WHERE dataset_id = $1\n"
    "   AND row_key = $2";

/* A new row: $1 dataset, $2 key, $3..$16 content, $17 import, $18 line, $19 now. */
static const char SQL_RECORD_INSERT[] =
    "INSERT INTO partner_record (dataset_id, row_key,\n"
    "                            given_name, family_name, given_key, family_key, date_of_birth, sex, postcode,\n"
    "                            address, town, email, nhs_number, nino, upn, attributes,\n"
    "                            import_id, source_line, created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)";

/* A changed row: $1 id, $2 the version read, $3..$16 content, $17 import, $18 line, $19 now. */
static const char SQL_RECORD_UPDATE[] =
    "UPDATE partner_record\n"
    "   SET given_name = $3, family_name = $4, given_key = $5, family_key = $6, date_of_birth = $7, sex = $8,\n"
    "       postcode = $9, address = $10, town = $11, email = $12, nhs_number = $13, nino = $14, upn = $15,\n"
    "       attributes = $16, import_id = $17, source_line = $18, version = version + 1, updated_at = $19\n"
    " WHERE id = $1\n"
    "   AND version = $2";

/* An unchanged row: only which import last held it, and where. */
static const char SQL_RECORD_SEEN[] =
    "UPDATE partner_record\n"
    "   SET import_id = $2, source_line = $3\n"
    " WHERE id = $1";

/* The row as it stood before a change (as model_crud.c keeps history). */
static const char SQL_HISTORY_INSERT[] =
    "INSERT INTO row_history (table_name, row_id, version, changed_at, changed_by, previous)\n"
    "VALUES ('partner_record', $1, $2, $3, NULL, $4)";

/* ---- the content of a row ----------------------------------------------------------------------------------- */

/* The content columns, in the order of SQL_RECORD_FIND's columns 4.. and the $3..$16 parameters (I3). */
enum {
    C_GIVEN,
    C_FAMILY,
    C_GIVEN_KEY,
    C_FAMILY_KEY,
    C_DOB,
    C_SEX,
    C_POSTCODE,
    C_ADDRESS,
    C_TOWN,
    C_EMAIL,
    C_NHS,
    C_NINO,
    C_UPN,
    C_ATTRIBUTES,
    C_COUNT
};
static const char *const CONTENT_COLUMNS[C_COUNT] = {
    "given_name", "family_name", "given_key", "family_key", "date_of_birth", "sex", "postcode",
    "address",    "town",        "email",     "nhs_number", "nino",          "upn", "attributes",
};

/* Bytes of a row's attributes as JSON: every value at most IMPORT_ATTRIBUTE_MAX, each byte escaped to at most
 * 6 ("\u0001"), so no row within the per-value limit is ever refused for its JSON; and of the history JSON,
 * which holds that text escaped once more (at most doubled: it is printable by then) and the other columns
 * (each at most IMPORT_ADDRESS_MAX, escaped at most 6 times). Both buffers grow only as far as a row needs. */
#define ATTRIBUTES_JSON_MAX                                                                                    \
    ((size_t)LINK_MAP_ATTRIBUTES_MAX * (6 * IMPORT_ATTRIBUTE_MAX + 6 * LINK_MAP_ATTRIBUTE_NAME_MAX + 16) + 16)
#define HISTORY_JSON_MAX (2 * ATTRIBUTES_JSON_MAX + (size_t)C_COUNT * (6 * IMPORT_ADDRESS_MAX + 32) + \
                          6 * IMPORT_ROW_KEY_MAX + 1024)

typedef struct importer {
    store *s;
    const link_mapping *m;
    const import_options *o;
    import_counts *c;
    core_arena row;       /* per row (reset after each) */
    core_buf json;        /* the row's attributes (at most ATTRIBUTES_JSON_MAX) */
    core_buf history;     /* the previous content for row_history: every column, the attributes' JSON text
                             escaped once more, so up to twice as long plus the rest (HISTORY_JSON_MAX) */
    char now[24];         /* UTC timestamp of the import's start, used for every row */
    int32_t today;        /* days since 1970-01-01: dates of birth after it are refused */
    int person_mapped;    /* the mapping names at least one person field */
    uint64_t batch_rows;  /* rows per transaction (I1) */
    uint64_t in_batch;    /* rows read since the last commit */
} importer;

static void now_utc(char out[24])
{
    core_clock_iso(0, out);
}

int import_dataset_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > IMPORT_DATASET_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* ---- rejects ------------------------------------------------------------------------------------------------ */

static void report(importer *im, uint64_t line, const char *reason)
{
    im->c->rejected++;
    if (im->o->reject)
        im->o->reject(im->o->ctx, line, reason);
}

/* Refuse the current row (it was read: the reader counted it). Returns 0: reading goes on. */
static int refuse(importer *im, uint64_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(importer *im, uint64_t line, const char *fmt, ...)
{
    char reason[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    report(im, line, reason);
    return 0;
}

/* At most 40 bytes of v for a reason, cut on a character boundary, control characters as '?' (I4). */
static void quote(const char *v, char out[64])
{
    size_t n = strlen(v), lim = n > 40 ? 40 : n, o = 0;
    while (lim > 0 && lim < n && ((unsigned char)v[lim] & 0xC0) == 0x80)
        lim--;
    for (size_t i = 0; i < lim; i++)
        out[o++] = (unsigned char)v[i] < 0x20 || v[i] == 0x7F ? '?' : v[i];
    if (lim < n)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = '\0';
}

/* ---- cleaning and checking fields --------------------------------------------------------------------------- */

static int is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Trim s and collapse each run of white space to one space — or to ", " when the run holds a line break and
 * lines is set (a multi-line address). *out is NULL when nothing is left. Returns 0, or 1 when s holds another
 * control character (the caller refuses the row). */
static int clean(core_arena *a, const char *s, int lines, const char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    size_t n = strlen(s);
    char *r = core_arena_alloc(a, 2 * n + 1), *o = r;
    size_t i = 0;
    while (i < n && is_ws(s[i]))
        i++;
    while (i < n) {
        if (is_ws(s[i])) {
            int nl = 0;
            while (i < n && is_ws(s[i]))
                nl |= s[i++] == '\n';
            if (i == n)
                break;
            if (nl && lines)
                *o++ = ',';
            *o++ = ' ';
            continue;
        }
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 1;
        *o++ = s[i++];
    }
    *o = '\0';
    *out = o > r ? r : NULL;
    return 0;
}

/* A cleaned text field with its length limit; 1 when the row was refused. */
static int text_field(importer *im, uint64_t line, const char *col, const char *raw, int lines, size_t max,
                      const char **out)
{
    if (clean(&im->row, raw, lines, out))
        return !refuse(im, line, "column '%.64s' contains a control character", col);
    if (*out && strlen(*out) > max)
        return !refuse(im, line, "column '%.64s' is longer than %zu bytes", col, max);
    return 0;
}

/* An identifier or postcode through model_ident_check: its canonical form, or a refusal whose reason names the
 * column and the rule, never the value (I4). */
static int ident_field(importer *im, uint64_t line, const char *col, const char *raw, model_ident_kind kind,
                       const char **out)
{
    *out = NULL;
    const char *v;
    if (clean(&im->row, raw, 0, &v))
        return !refuse(im, line, "column '%.64s' contains a control character", col);
    if (!v)
        return 0;
    char canon[MODEL_IDENT_MAX];
    const char *reason = "not valid";
    if (model_ident_check(kind, v, strlen(v), canon, &reason) != 0)
        return !refuse(im, line, "column '%.64s': %s", col, reason);
    *out = core_arena_strdup(&im->row, canon);
    return 0;
}

/* M, F or U from the usual spellings (any case); NULL when empty; 1 when the row was refused. */
static int sex_field(importer *im, uint64_t line, const char *col, const char *raw, const char **out)
{
    static const struct {
        const char *word;
        const char *code;
    } words[] = {{"m", "M"},       {"male", "M"},          {"f", "F"},          {"female", "F"},
                 {"u", "U"},       {"unknown", "U"},       {"not known", "U"}, {"not stated", "U"},
                 {"nk", "U"},      {"n/k", "U"},           {"i", "U"},          {"indeterminate", "U"}};
    const char *v;
    if (clean(&im->row, raw, 0, &v))
        return !refuse(im, line, "column '%.64s' contains a control character", col);
    *out = NULL;
    if (!v)
        return 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(v, words[i].word) == 0) {
            *out = words[i].code;
            return 0;
        }
    char q[64];
    quote(v, q);
    return !refuse(im, line, "column '%.64s': '%s' is not a sex (M, F or U; male, female or unknown)", col, q);
}

/* A plausible email address: one '@' with text before it, a dot after it (not last), no spaces; lower-cased. */
static int email_field(importer *im, uint64_t line, const char *col, const char *raw, const char **out)
{
    if (text_field(im, line, col, raw, 0, IMPORT_TEXT_MAX, out))
        return 1;
    const char *v = *out;
    if (!v)
        return 0;
    const char *at = strchr(v, '@');
    const char *dot = at ? strrchr(at, '.') : NULL;
    if (!at || at == v || strchr(at + 1, '@') || strchr(v, ' ') || !dot || dot == at + 1 || dot[1] == '\0')
        return !refuse(im, line, "column '%.64s' is not an email address", col);
    for (char *p = (char *)v; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return 0;
}

/* Split a cleaned full name at its last space (the rule link's reader uses): one word is a family name. */
static void split_full(core_arena *a, const char *full, const char **given, const char **family)
{
    const char *sp = strrchr(full, ' ');
    if (!sp) {
        *given = NULL;
        *family = full;
        return;
    }
    *given = core_arena_strndup(a, full, (size_t)(sp - full));
    *family = sp + 1;
}

/* The attributes as one JSON object (mapping order; trimmed text, null when empty) into im->json; 1 when the
 * row was refused. */
static int attributes(importer *im, const link_row *row, const char **out)
{
    *out = NULL;
    if (row->nattr == 0)
        return 0;
    core_buf *j = &im->json;
    core_buf_reset(j);
    core_buf_addch(j, '{');
    for (int i = 0; i < row->nattr; i++) {
        const char *v = row->attr[i];
        size_t n = strlen(v);
        while (n > 0 && is_ws(*v))
            v++, n--;
        while (n > 0 && is_ws(v[n - 1]))
            n--;
        if (n > IMPORT_ATTRIBUTE_MAX)
            return !refuse(im, row->line, "column '%.64s' is longer than %d bytes", im->m->attr_column[i],
                           IMPORT_ATTRIBUTE_MAX);
        if (i)
            core_buf_addch(j, ',');
        core_buf_add_json_string(j, im->m->attr_name[i], strlen(im->m->attr_name[i]));
        core_buf_addch(j, ':');
        if (n)
            core_buf_add_json_string(j, v, n);
        else
            core_buf_adds(j, "null");
    }
    core_buf_addch(j, '}');
    if (!core_buf_ok(j))
        return !refuse(im, row->line, "the attributes are longer than %zu bytes", j->max);
    *out = core_arena_strndup(&im->row, j->data, j->len);
    return 0;
}

/* Check every person field of the row and build its content; 1 when the row was refused (reported). */
static int content_of(importer *im, const link_row *row, const char *v[C_COUNT])
{
    const link_mapping *m = im->m;
    uint64_t line = row->line;
    const char *const *raw = row->value;
    memset(v, 0, C_COUNT * sizeof *v);

    /* names: as given (cleaned), and folded keys as link reads them (placeholders have no key) */
    if (text_field(im, line, m->given_name, raw[LINK_F_GIVEN], 0, IMPORT_TEXT_MAX, &v[C_GIVEN]) ||
        text_field(im, line, m->family_name, raw[LINK_F_FAMILY], 0, IMPORT_TEXT_MAX, &v[C_FAMILY]))
        return 1;
    if (m->full_name && (!m->given_name || !m->family_name)) {
        const char *full, *g, *f;
        if (text_field(im, line, m->full_name, raw[LINK_F_FULL], 0, IMPORT_TEXT_MAX, &full))
            return 1;
        if (full) {
            split_full(&im->row, full, &g, &f);
            if (!m->given_name)
                v[C_GIVEN] = g;
            if (!m->family_name)
                v[C_FAMILY] = f;
        }
    }
    v[C_GIVEN_KEY] = v[C_GIVEN] ? row->rec->given : NULL;
    v[C_FAMILY_KEY] = v[C_FAMILY] ? row->rec->family : NULL;

    /* date of birth: the reader parsed it with date_format; it may not be in the future */
    if (row->rec->dob != LINK_NO_DATE) {
        core_date d = core_date_from_days(row->rec->dob);
        char iso[CORE_DATE_ISO_SIZE];
        core_date_format(d, iso);
        if (row->rec->dob > im->today)
            return !refuse(im, line, "column '%.64s': %s is in the future", m->date_of_birth, iso);
        v[C_DOB] = core_arena_strdup(&im->row, iso);
    }

    if (sex_field(im, line, m->sex, raw[LINK_F_SEX], &v[C_SEX]) ||
        ident_field(im, line, m->postcode, raw[LINK_F_POSTCODE], MODEL_IDENT_POSTCODE, &v[C_POSTCODE]))
        return 1;

    /* address: each column cleaned (line breaks become ", "), the non-empty ones joined with ", " */
    if (m->naddress > 0) {
        core_buf a;
        core_buf_init_arena(&a, &im->row, IMPORT_ADDRESS_MAX);
        for (int i = 0; i < m->naddress; i++) {
            const char *part;
            if (text_field(im, line, m->address[i], raw[LINK_F_ADDRESS + i], 1, IMPORT_ADDRESS_MAX, &part))
                return 1;
            if (part) {
                if (a.len)
                    core_buf_adds(&a, ", ");
                core_buf_adds(&a, part);
            }
        }
        if (!core_buf_ok(&a))
            return !refuse(im, line, "the address is longer than %d bytes", IMPORT_ADDRESS_MAX);
        v[C_ADDRESS] = a.len ? a.data : NULL;
    }
    if (text_field(im, line, m->town, raw[LINK_F_TOWN], 0, IMPORT_TEXT_MAX, &v[C_TOWN]) ||
        email_field(im, line, m->email, raw[LINK_F_EMAIL], &v[C_EMAIL]) ||
        ident_field(im, line, m->nhs_number, raw[LINK_F_NHS], MODEL_IDENT_NHS, &v[C_NHS]) ||
        ident_field(im, line, m->nino, raw[LINK_F_NINO], MODEL_IDENT_NINO, &v[C_NINO]) ||
        ident_field(im, line, m->upn, raw[LINK_F_UPN], MODEL_IDENT_UPN, &v[C_UPN]))
        return 1;

    if (im->person_mapped) {
        int any = 0;
        for (int i = 0; i < C_ATTRIBUTES; i++)
            any |= v[i] != NULL && i != C_SEX;
        if (!any)
            return !refuse(im, line, "no person details: every mapped name, date, address and identifier column "
                                     "is empty");
    }
    return attributes(im, row, &v[C_ATTRIBUTES]);
}

/* ---- writing ------------------------------------------------------------------------------------------------ */

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The previous content as JSON (row_history.previous) into im->history. */
static const char *previous_json(importer *im, const char *key, int64_t version, int64_t import_id, int64_t line,
                                 const char *const old[C_COUNT])
{
    core_buf *j = &im->history;
    core_buf_reset(j);
    core_buf_adds(j, "{\"row_key\":");
    core_buf_add_json_string(j, key, strlen(key));
    core_buf_addf(j, ",\"version\":%lld,\"import_id\":%lld,\"source_line\":%lld", (long long)version,
                  (long long)import_id, (long long)line);
    for (int i = 0; i < C_COUNT; i++) {
        core_buf_addf(j, ",\"%s\":", CONTENT_COLUMNS[i]);
        if (old[i])
            core_buf_add_json_string(j, old[i], strlen(old[i]));
        else
            core_buf_adds(j, "null");
    }
    core_buf_addch(j, '}');
    return core_buf_ok(j) ? j->data : NULL;
}

/* Insert, update or mark unchanged one checked row (I3); a key this file already carried is refused. */
static int write_row(importer *im, const link_row *row, const char *key, const char *const v[C_COUNT],
                     core_error *err)
{
    store_value p[19];
    p[0] = store_v_int(im->c->dataset_id);
    p[1] = store_v_text(key);
    store_stmt *st;
    int rc = store_query(im->s, &im->row, SQL_RECORD_FIND, p, 2, &st, err);
    if (rc == 0)
        rc = store_next(st, err);
    if (rc < 0)
        return rc;
    int found = rc == 1;
    int64_t id = 0, import_id = 0, line = 0, version = 0;
    const char *old[C_COUNT];
    if (found) {
        id = store_col_int(st, 0);
        import_id = store_col_int(st, 1);
        line = store_col_int(st, 2);
        version = store_col_int(st, 3);
        for (int i = 0; i < C_COUNT; i++) {
            size_t n;
            const char *t = store_col_text(st, 4 + i, &n);
            old[i] = t ? core_arena_strndup(&im->row, t, n) : NULL;
        }
        while ((rc = store_next(st, err)) == 1) /* done with it before writing */
            ;
        if (rc < 0)
            return rc;
    }
    if (found && import_id == im->c->import_id) {
        char q[64];
        quote(key, q);
        return refuse(im, row->line, "row key '%s' repeats line %lld", q, (long long)line);
    }
    for (int i = 0; i < C_COUNT; i++)
        p[2 + i] = store_v_text(v[i]);
    p[16] = store_v_int(im->c->import_id);
    p[17] = store_v_int((int64_t)row->line);
    p[18] = store_v_text(im->now);
    if (!found) {
        rc = store_exec(im->s, &im->row, SQL_RECORD_INSERT, p, 19, NULL, err);
        if (rc == 0)
            im->c->inserted++;
        return rc;
    }
    int changed = 0;
    for (int i = 0; i < C_COUNT && !changed; i++)
        changed = !same(old[i], v[i]);
    if (!changed) {
        store_value sp[] = {store_v_int(id), p[16], p[17]};
        rc = store_exec(im->s, &im->row, SQL_RECORD_SEEN, sp, 3, NULL, err);
        if (rc == 0)
            im->c->unchanged++;
        return rc;
    }
    const char *prev = previous_json(im, key, version, import_id, line, old);
    if (!prev)
        return core_error_set(err, CORE_E_INTERNAL, "the previous content of a row does not fit its history");
    store_value hp[] = {store_v_int(id), store_v_int(version), store_v_text(im->now), store_v_text(prev)};
    rc = store_exec(im->s, &im->row, SQL_HISTORY_INSERT, hp, 4, NULL, err);
    if (rc)
        return rc;
    p[0] = store_v_int(id);
    p[1] = store_v_int(version);
    int64_t changes = 0;
    rc = store_exec(im->s, &im->row, SQL_RECORD_UPDATE, p, 19, &changes, err);
    if (rc == 0 && changes != 1)
        rc = core_error_set(err, CORE_E_STALE, "partner record %lld changed during the import", (long long)id);
    if (rc == 0)
        im->c->updated++;
    return rc;
}

/* ---- the stream's callbacks --------------------------------------------------------------------------------- */

static void progress(importer *im, uint64_t offset, int force)
{
    im->c->bytes = offset;
    if (im->o->progress && (force || im->c->read % 256 == 0))
        im->o->progress(im->o->ctx, im->c);
}

/* A row the reader refused (ragged, not UTF-8, ...). */
static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    importer *im = ctx;
    im->c->read++;
    if (strcmp(reason, "not valid UTF-8") == 0)
        im->c->not_utf8++;
    report(im, line, reason);
    progress(im, im->c->bytes, 0);
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return 1;
    return 0;
}

/* A row the reader accepted: check it, write it, reset the row arena. */
static int on_row(void *ctx, const link_row *row, core_error *err)
{
    importer *im = ctx;
    im->c->read++;
    if (im->o->cancel && *im->o->cancel) {
        core_error_set(err, CORE_E_IO, "the import was interrupted at line %llu", (unsigned long long)row->line);
        return core_error_hint(err, "run it again to import the file");
    }
    int rc = 0;
    const char *key = row->rec->id, *v[C_COUNT];
    char q[64];
    if (strlen(key) > IMPORT_ROW_KEY_MAX) {
        quote(key, q);
        refuse(im, row->line, "row key '%s' is longer than %d bytes", q, IMPORT_ROW_KEY_MAX);
    } else if (has_control(key)) {
        refuse(im, row->line, "row key in column '%.64s' contains a control character", im->m->id);
    } else if (!content_of(im, row, v)) {
        rc = write_row(im, row, key, v, err);
    }
    core_arena_reset(&im->row);
    /* I1: a batch commits and the next begins, so the write lock is given up between batches. */
    if (rc == 0 && ++im->in_batch >= im->batch_rows) {
        rc = store_commit(im->s, err);
        if (rc == 0) {
            im->c->committed = im->c->read;
            im->in_batch = 0;
            /* Leave the lock free for a moment: a writer in another process (the server) waits in SQLite's
             * busy handler, which looks again only every 100 ms once it has waited a while; begun again at
             * once, the import would take the lock back before it ever looked. */
            struct timespec pause = {0, (long)IMPORT_YIELD_MS * 1000000L};
            while (nanosleep(&pause, &pause) != 0 && errno == EINTR && !(im->o->cancel && *im->o->cancel))
                ;
            rc = store_begin(im->s, err);
        }
    }
    progress(im, row->offset, 0);
    return rc;
}

/* ---- one import --------------------------------------------------------------------------------------------- */

/* Find the dataset, or create it; check section and agency either way. */
static int dataset_open(importer *im, core_error *err)
{
    const import_options *o = im->o;
    if (!import_dataset_name_ok(o->dataset)) {
        core_error_set(err, CORE_E_USAGE, "dataset name '%.80s' is not usable", o->dataset ? o->dataset : "");
        return core_error_hint(err, "use 1 to %d letters, digits, '_', '-' and '.', e.g. school_attendance_2025",
                               IMPORT_DATASET_NAME_MAX);
    }
    const char *section = o->section ? o->section : IMPORT_SECTION_DEFAULT;
    int64_t known = 0;
    store_value sv = store_v_text(section);
    int rc = store_query_int(im->s, &im->row, SQL_SECTION_KNOWN, &sv, 1, &known, err);
    if (rc)
        return rc;
    if (!known) {
        core_error_set(err, CORE_E_INVALID_CODE, "'%.64s' is not a sharing label (reference list 'section')",
                       section);
        return core_error_hint(err, "leave --section out for 'partner_data', or use a code of "
                                    "GET /api/v1/reference/section");
    }
    if (o->agency_id) {
        store_value av = store_v_int(o->agency_id);
        rc = store_query_int(im->s, &im->row, SQL_AGENCY_KNOWN, &av, 1, &known, err);
        if (rc)
            return rc;
        if (!known) {
            core_error_set(err, CORE_E_NOT_FOUND, "agency %lld does not exist", (long long)o->agency_id);
            return core_error_hint(err, "give the id of an agency (GET /api/v1/agencies)");
        }
    }
    store_value nv = store_v_text(o->dataset);
    store_stmt *st;
    rc = store_query(im->s, &im->row, SQL_DATASET_FIND, &nv, 1, &st, err);
    if (rc == 0)
        rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        im->c->dataset_id = store_col_int(st, 0);
        size_t n;
        const char *have = store_col_text(st, 1, &n);
        int64_t agency = store_col_int(st, 2);
        if (o->section && strcmp(have, o->section) != 0) {
            core_error_set(err, CORE_E_CONFLICT, "dataset '%s' has the sharing label '%.64s', not '%.64s'",
                           o->dataset, have, o->section);
            return core_error_hint(err, "leave --section out to import into it; relabelling a dataset is not "
                                        "done by an import");
        }
        if (o->agency_id && agency != o->agency_id) {
            core_error_set(err, CORE_E_CONFLICT, "dataset '%s' belongs to agency %lld, not %lld", o->dataset,
                           (long long)agency, (long long)o->agency_id);
            return core_error_hint(err, "leave --agency out to import into it, or choose another dataset name");
        }
        return 0;
    }
    store_value dp[] = {store_v_text(o->dataset), o->agency_id ? store_v_int(o->agency_id) : store_v_null(),
                        store_v_text(section), store_v_text(im->now)};
    rc = store_query_int(im->s, &im->row, SQL_DATASET_INSERT, dp, 4, &im->c->dataset_id, err);
    if (rc == 0)
        im->c->dataset_created = 1;
    return rc;
}

static int finish(importer *im, core_error *err)
{
    const import_counts *c = im->c;
    char done[24];
    now_utc(done);
    store_value ip[] = {store_v_int(c->import_id), store_v_text(done),           store_v_int((int64_t)c->read),
                        store_v_int((int64_t)c->inserted), store_v_int((int64_t)c->updated),
                        store_v_int((int64_t)c->unchanged), store_v_int((int64_t)c->rejected)};
    int rc = store_exec(im->s, &im->row, SQL_IMPORT_FINISH, ip, 7, NULL, err);
    if (rc)
        return rc;
    store_value dp[] = {store_v_int(c->dataset_id), store_v_text(done)};
    return store_exec(im->s, &im->row, SQL_DATASET_FINISH, dp, 2, NULL, err);
}

/* Everything but the reading itself, which path (a file) or data (memory) chooses. */
static int run(store *s, const char *path, const char *data, size_t len, const link_mapping *m,
               const import_options *o, import_counts *out, core_error *err)
{
    core_error local;
    if (!err)
        err = &local;
    core_error_clear(err);
    memset(out, 0, sizeof *out);
    importer im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.m = m;
    im.o = o;
    im.c = out;
    now_utc(im.now);
    im.today = core_date_to_days(core_date_today());
    im.person_mapped = m->given_name || m->family_name || m->full_name || m->date_of_birth || m->postcode ||
                       m->naddress > 0 || m->town || m->email || m->nhs_number || m->nino || m->upn;
    im.batch_rows = o->batch_rows ? o->batch_rows : IMPORT_BATCH_ROWS_DEFAULT;
    core_buf_init(&im.json, ATTRIBUTES_JSON_MAX);
    core_buf_init(&im.history, HISTORY_JSON_MAX);

    int rc = store_begin(s, err);
    if (rc == 0)
        rc = dataset_open(&im, err);
    if (rc == 0) {
        store_value p[] = {store_v_int(out->dataset_id), store_v_text(o->file ? o->file : "-"),
                           store_v_text(im.now)};
        rc = store_query_int(s, &im.row, SQL_IMPORT_INSERT, p, 3, &out->import_id, err);
    }
    core_arena_reset(&im.row);
    if (rc == 0 && o->in_first_batch)
        rc = o->in_first_batch(o->ctx, s, out, err);
    if (rc == 0)
        rc = path ? link_csv_stream(path, m, on_row, on_reject, &im, err)
                  : link_csv_stream_mem(data, len, m, on_row, on_reject, &im, err);
    if (rc == 0 && o->cancel && *o->cancel) {
        core_error_set(err, CORE_E_IO, "the import was interrupted");
        rc = core_error_hint(err, "run it again to import the file");
    }
    if (rc == 0)
        rc = finish(&im, err);
    if (rc == 0 && o->before_commit && (rc = o->before_commit(o->ctx, err)) != 0 && err->code != rc)
        core_error_set(err, rc, "the import was stopped before it was committed");
    core_arena_reset(&im.row); /* statements back before COMMIT or ROLLBACK */
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    if (rc == 0)
        out->committed = out->read;
    if (rc == 0)
        progress(&im, out->bytes, 1);
    core_arena_release(&im.row);
    core_buf_release(&im.json);
    core_buf_release(&im.history);
    return rc;
}

int import_csv_file(store *s, const char *path, const link_mapping *m, const import_options *o,
                    import_counts *out, core_error *err)
{
    return run(s, path, NULL, 0, m, o, out, err);
}

int import_csv_mem(store *s, const char *data, size_t len, const link_mapping *m, const import_options *o,
                   import_counts *out, core_error *err)
{
    return run(s, NULL, data, len, m, o, out, err);
}
