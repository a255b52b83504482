/*
 * frontdoor_load.c — bench/frontdoor's loader: the people of a `hearth link synth` INDEX.csv into the person
 * index of a Hearth database, fast enough for a million.
 *
 * usage: frontdoor-load --db PATH --index INDEX.csv --map MAP.csv [--batch N]
 *
 * Each row becomes a person and their current home address through the model (model_create() on "people",
 * then on "addresses" under that person), exactly as the API records them: names kept as given and their
 * search keys (given_key, family_key) folded by the model, codes checked, identifiers and the postcode made
 * canonical. What differs from the API is only the wrapping: no HTTP, no session, no audit event, and one
 * transaction per batch of rows (default 20,000) instead of one durable commit per person.
 *
 * So that the benchmark can check that they are never answered, one person in every thousand is then
 * restricted (UK GDPR art. 18) and one in every thousand merged into the person recorded before them: both
 * set by one bound UPDATE each, as the restriction and merge paths leave those rows.
 *
 * MAP.csv gets "index_id,person_id,state" for every row (state: "", "restricted" or "merged"), in the order
 * of INDEX.csv. Dates in INDEX.csv are DD/MM/YYYY (synth.json's date_format). Exit 0, or 1 with the row and
 * the model's error on stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "core/core_parse.h"
#include "model/model.h"
#include "store/store.h"

enum { NCOLS = 11, FIELD_MAX = 256, SPECIAL_EVERY = 1000 };

/* INDEX.csv's columns, in `hearth link synth`'s order (checked against the header). */
static const char *const COLS[NCOLS] = {"id",        "given_name", "family_name", "sex",        "date_of_birth",
                                        "address_1", "address_2",  "town",        "postcode",   "nhs_number",
                                        "nino"};
enum { C_ID, C_GIVEN, C_FAMILY, C_SEX, C_DOB, C_ADDR1, C_ADDR2, C_TOWN, C_POSTCODE, C_NHS, C_NINO };

static const char SQL_RESTRICT[] =
    "UPDATE person\n"
    "   SET restricted = 1\n"
    " WHERE id = $1";

static const char SQL_MERGE[] =
    "UPDATE person\n"
    "   SET merged_into = $2\n"
    " WHERE id = $1";

typedef struct loader {
    store *db;
    core_arena row_arena; /* one row's JSON, SQL and results: reset after every row */
    model_ctx ctx;
    const model_resource *people, *addresses;
    FILE *map;
    char field[NCOLS][FIELD_MAX];
    int col;             /* the next field's column */
    int64_t rows;        /* data rows loaded */
    int64_t in_batch;    /* rows in the open transaction */
    int64_t batch;       /* rows per transaction */
    int64_t prev_id;     /* the person recorded before this one (a merge target) */
    int header_done, failed;
    core_error err;
} loader;

static void set_text(json_t *o, const char *k, const char *v)
{
    if (v && v[0])
        json_object_set_new(o, k, json_string(v));
}

/* "16/02/1962" -> "1962-02-16" into out[11]; "" when it is not of that shape (the model then refuses it). */
static void iso_date(const char *dmy, char out[11])
{
    out[0] = '\0';
    if (strlen(dmy) == 10 && dmy[2] == '/' && dmy[5] == '/')
        snprintf(out, 11, "%.4s-%.2s-%.2s", dmy + 6, dmy + 3, dmy);
}

static int load_row(loader *l)
{
    char (*f)[FIELD_MAX] = l->field;
    char dob[11];
    iso_date(f[C_DOB], dob);
    json_t *person = json_object();
    set_text(person, "given_name", f[C_GIVEN]);
    set_text(person, "family_name", f[C_FAMILY]);
    set_text(person, "sex", f[C_SEX]);
    set_text(person, "date_of_birth", dob);
    set_text(person, "nhs_number", f[C_NHS]);
    set_text(person, "nino", f[C_NINO]);
    set_text(person, "source", "synth");
    json_t *created = NULL;
    int rc = model_create(&l->ctx, l->people, 0, person, &created, &l->err);
    json_decref(person);
    if (rc)
        return rc;
    int64_t id = json_integer_value(json_object_get(created, "id"));
    json_t *address = json_object();
    set_text(address, "address_type", "home");
    set_text(address, "line1", f[C_ADDR1]);
    set_text(address, "line2", f[C_ADDR2]);
    set_text(address, "town", f[C_TOWN]);
    set_text(address, "postcode", f[C_POSTCODE]);
    set_text(address, "source", "synth");
    rc = model_create(&l->ctx, l->addresses, id, address, &created, &l->err);
    json_decref(address);
    if (rc)
        return rc;
    const char *state = "";
    if (l->rows % SPECIAL_EVERY == SPECIAL_EVERY / 2) {
        store_value p[] = {store_v_int(id)};
        rc = store_exec(l->db, &l->row_arena, SQL_RESTRICT, p, 1, NULL, &l->err);
        state = "restricted";
    } else if (l->rows % SPECIAL_EVERY == SPECIAL_EVERY - 1 && l->prev_id) {
        store_value p[] = {store_v_int(id), store_v_int(l->prev_id)};
        rc = store_exec(l->db, &l->row_arena, SQL_MERGE, p, 2, NULL, &l->err);
        state = "merged";
    }
    if (rc)
        return rc;
    fprintf(l->map, "%s,%" PRId64 ",%s\n", f[C_ID], id, state);
    l->prev_id = id;
    return 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
    loader *l = ctx;
    if (l->failed)
        return;
    if (l->col >= NCOLS || len >= FIELD_MAX) {
        l->failed = core_error_set(&l->err, CORE_E_INVALID_VALUE, "row %" PRId64 ": more than %d columns or a field "
                                   "over %d bytes", l->rows + 1, NCOLS, FIELD_MAX - 1);
        return;
    }
    memcpy(l->field[l->col], data, len);
    l->field[l->col][len] = '\0';
    l->col++;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    loader *l = ctx;
    int cols = l->col;
    l->col = 0;
    if (l->failed)
        return;
    if (cols != NCOLS) {
        l->failed = core_error_set(&l->err, CORE_E_INVALID_VALUE, "row %" PRId64 " has %d columns, not %d",
                                   l->rows + 1, cols, NCOLS);
        return;
    }
    if (!l->header_done) {
        for (int i = 0; i < NCOLS; i++)
            if (strcmp(l->field[i], COLS[i]) != 0) {
                l->failed = core_error_set(&l->err, CORE_E_INVALID_VALUE, "column %d is %s, not %s (not a "
                                           "hearth link synth INDEX.csv?)", i + 1, l->field[i], COLS[i]);
                return;
            }
        l->header_done = 1;
        return;
    }
    if (l->in_batch == 0 && (l->failed = store_begin(l->db, &l->err)) != 0)
        return;
    int rc = load_row(l);
    core_arena_reset(&l->row_arena);
    if (rc) {
        core_error_hint(&l->err, "index row %" PRId64 " (id %s)", l->rows + 1, l->field[C_ID]);
        l->failed = rc;
        return;
    }
    l->rows++;
    if (++l->in_batch == l->batch) {
        l->in_batch = 0;
        l->failed = store_commit(l->db, &l->err);
        if (l->rows % 100000 == 0)
            fprintf(stderr, "frontdoor-load: %" PRId64 " people\n", l->rows);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: frontdoor-load --db PATH --index INDEX.csv --map MAP.csv [--batch N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"index", required_argument, NULL, 'i'},
                                         {"map", required_argument, NULL, 'm'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dbpath = NULL, *index = NULL, *mappath = NULL;
    int64_t batch = 20000;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dbpath = optarg; break;
        case 'i': index = optarg; break;
        case 'm': mappath = optarg; break;
        case 'b':
            if (core_parse_int64(optarg, strlen(optarg), 1, 1000000, &batch))
                return usage();
            break;
        case 'h': usage(); return 0;
        default: return usage();
        }
    }
    if (!dbpath || !index || !mappath || optind != argc)
        return usage();

    loader l;
    memset(&l, 0, sizeof(l));
    l.batch = batch;
    core_error_clear(&l.err);
    FILE *in = fopen(index, "r");
    if (!in) {
        fprintf(stderr, "frontdoor-load: cannot read %s\n", index);
        return 1;
    }
    l.map = fopen(mappath, "w");
    if (!l.map) {
        fprintf(stderr, "frontdoor-load: cannot write %s\n", mappath);
        fclose(in);
        return 1;
    }
    fputs("index_id,person_id,state\n", l.map);
    int rc = store_open(&l.db, dbpath, &l.err);
    if (rc == 0)
        rc = store_migrate(l.db, &l.err);
    if (rc == 0) {
        model_ctx_init(&l.ctx, l.db, &l.row_arena, 0);
        l.people = model_resource_find("people");
        l.addresses = model_resource_find("addresses");
        struct csv_parser p;
        csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
        char buf[65536];
        size_t n;
        while (!l.failed && (n = fread(buf, 1, sizeof(buf), in)) > 0)
            if (csv_parse(&p, buf, n, on_field, on_row, &l) != n && !l.failed)
                l.failed = core_error_set(&l.err, CORE_E_INVALID_VALUE, "%s: %s", index,
                                          csv_strerror(csv_error(&p)));
        if (!l.failed)
            csv_fini(&p, on_field, on_row, &l);
        csv_free(&p);
        if (!l.failed && l.in_batch)
            l.failed = store_commit(l.db, &l.err);
        if (l.failed)
            store_rollback(l.db);
        rc = l.failed;
    }
    core_arena_release(&l.row_arena);
    if (l.db)
        store_close(l.db);
    fclose(in);
    if (fclose(l.map) != 0 && rc == 0)
        rc = core_error_set(&l.err, CORE_E_IO, "cannot write %s", mappath);
    if (rc) {
        fprintf(stderr, "frontdoor-load: %s: %s%s%s\n", l.err.message, l.err.detail, l.err.hint[0] ? "; " : "",
                l.err.hint);
        return 1;
    }
    fprintf(stderr, "frontdoor-load: %" PRId64 " people with their home addresses into %s\n", l.rows, dbpath);
    return 0;
}
