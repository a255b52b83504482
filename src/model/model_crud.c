/*
 * model_crud.c — the one engine that validates, creates, reads, updates and lists every resource described
 * in model_resource.c (contract in model.h).
 *
 * SQL here is assembled from the static resource table (table and column names written in this program,
 * never taken from a request, appended only through sql_ident()) with every value bound as $N; that is what lets one engine serve two dozen
 * record kinds without two dozen copies of the same four statements. The fixed statements are named
 * constants below.
 */
#include <stdint.h>
#include <time.h>

#include "core/core_clock.h"
#include "core/core_buf.h"
#include "core/core_date.h"
#include "core/core_parse.h"
#include "core/core_log.h"
#include "model/model.h"
#include "model/model_ident.h"

enum { MAX_PARAMS = 64, TEXT_DEFAULT_MAX = 10000, SQL_MAX = 16 * 1024 };

/* 1 when the code is active in the list. */
static const char SQL_REF_CODE_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM ref_code\n"
    " WHERE list = $1\n"
    "   AND code = $2\n"
    "   AND active = 1";

/* 1 when some framework version has this headline code. */
static const char SQL_HEADLINE_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM sf_headline\n"
    " WHERE code = $1";

/* Keep the row as it stood before a change. */
static const char SQL_HISTORY_INSERT[] =
    "INSERT INTO row_history (table_name, row_id, version, changed_at, changed_by, previous)\n"
    "VALUES ($1, $2, $3, $4, $5, $6)";

void model_now(char out[24])
{
    core_clock_iso(0, out);
}

void model_ctx_init(model_ctx *ctx, store *db, core_arena *arena, int64_t user_id)
{
    ctx->db = db;
    ctx->arena = arena;
    ctx->user_id = user_id;
    ctx->see_restricted = 0;
    ctx->link_opens = -1;
    ctx->problems = NULL;
    ctx->before = NULL;
    model_now(ctx->now_buf);
    ctx->now = ctx->now_buf;
}

static void json_release(void *p)
{
    json_decref(p);
}

/* Hand a new JSON reference to the arena: it is released with the arena. */
static json_t *arena_json(core_arena *a, json_t *j)
{
    if (j)
        core_arena_on_release(a, json_release, j);
    return j;
}

static store_value user_value(const model_ctx *ctx)
{
    return ctx->user_id ? store_v_int(ctx->user_id) : store_v_null();
}

int model_ref_code_exists(model_ctx *ctx, const char *list, const char *code, core_error *err)
{
    store_value p[] = {store_v_text(list), store_v_text(code)};
    int64_t n = 0;
    int rc = store_query_int(ctx->db, ctx->arena, SQL_REF_CODE_EXISTS, p, 2, &n, err);
    return rc ? rc : n > 0;
}

/*
 * Generic SQL is assembled from two kinds of piece only: identifiers (table and column names) taken from the
 * static resource table, appended by sql_ident(), which refuses anything but [a-z0-9_] (so nothing from a
 * request can ever become SQL text); and parameter placeholders $N, appended by sql_param(). Values are
 * always bound, never written into the text.
 */
static void sql_ident(core_buf *b, const char *name)
{
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            core_die("an sql identifier in the resource table is not [a-z0-9_]");
    core_buf_adds(b, name);
}

static void sql_param(core_buf *b, size_t n)
{
    char p[24];
    snprintf(p, sizeof(p), "$%zu", n);
    core_buf_adds(b, p);
}

/* A store failure of an insert or update said in the model's words: the database's own text (which names
 * tables, columns and constraints) goes to the log, never to the user. */
static int store_failure(const model_resource *r, int rc, core_error *err)
{
    core_log(CORE_LOG_WARN, "store_write_failed", "resource", r->name, "error", err->message, CORE_LOG_END);
    if (rc == CORE_E_CONFLICT) {
        core_error_set(err, CORE_E_CONFLICT, "this %s record is already recorded", r->name);
        return core_error_hint(err, "GET the existing record instead of recording it again");
    }
    if (rc == CORE_E_BUSY) {
        core_error_set(err, CORE_E_BUSY, "the database is busy");
        return core_error_hint(err, "try again in a moment");
    }
    return core_error_set(err, rc, "the %s record could not be stored", r->name);
}

/* Does the row exist? A restricted person exists only for those who see restricted people (governance):
 * to everyone else a reference to one is refused exactly as a reference to nobody (docs/access.md). */
static int row_exists(model_ctx *ctx, const char *table, int64_t id, core_error *err)
{
    core_buf sql;
    core_buf_init_arena(&sql, ctx->arena, SQL_MAX);
    core_buf_adds(&sql, "SELECT count(*)\n  FROM ");
    sql_ident(&sql, table);
    core_buf_adds(&sql, "\n WHERE id = $1");
    if (strcmp(table, "person") == 0 && !ctx->see_restricted)
        core_buf_adds(&sql, "\n   AND restricted = 0");
    store_value p[] = {store_v_int(id)};
    int64_t n = 0;
    int rc = store_query_int(ctx->db, ctx->arena, sql.data, p, 1, &n, err);
    return rc ? rc : n > 0;
}

static int valid_utf8_text(const char *s, size_t len)
{
    /* jansson has already rejected invalid UTF-8; refuse NUL and control characters other than
     * tab, newline and carriage return, which have no place in a record. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return 0;
    }
    return 1;
}

static int parse_timestamp(const char *s, size_t len, char out[24])
{
    /* YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MMZ */
    core_date d;
    if (len != 20 && len != 17)
        return -1;
    if (core_date_parse(s, 10, &d) || s[10] != 'T' || s[len - 1] != 'Z' || s[13] != ':')
        return -1;
    int64_t hh, mm, ss = 0;
    if (core_parse_int64(s + 11, 2, 0, 23, &hh) || core_parse_int64(s + 14, 2, 0, 59, &mm))
        return -1;
    if (len == 20 && (s[16] != ':' || core_parse_int64(s + 17, 2, 0, 59, &ss)))
        return -1;
    snprintf(out, 24, "%.10sT%02d:%02d:%02dZ", s, (int)hh, (int)mm, (int)ss);
    return 0;
}

/* Check one field's JSON value and return the value to store (a new reference) in *out. */
static int field_validate(model_ctx *ctx, const model_field *f, json_t *v, json_t **out, core_error *err)
{
    if (json_is_null(v)) {
        if (f->flags & MODEL_F_REQUIRED)
            return core_error_set(err, CORE_E_MISSING_FIELD, "field %s is required and cannot be null", f->name);
        if (f->flags & MODEL_F_NOT_NULL) {
            core_error_set(err, CORE_E_INVALID_VALUE, "field %s cannot be null", f->name);
            return core_error_hint(err, "leave it out to keep its current (or default) value");
        }
        *out = json_null();
        return 0;
    }
    switch (f->type) {
    case MODEL_T_INT:
        if (!json_is_integer(v))
            return core_error_set(err, CORE_E_WRONG_TYPE, "field %s must be an integer", f->name);
        if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
            return core_error_set(err, CORE_E_INVALID_VALUE, "field %s must be between %lld and %lld", f->name,
                                  (long long)f->min, (long long)f->max);
        *out = json_incref(v);
        return 0;
    case MODEL_T_REF: {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return core_error_set(err, CORE_E_WRONG_TYPE, "field %s must be a positive integer id", f->name);
        int rc = row_exists(ctx, f->ref, json_integer_value(v), err);
        if (rc < 0)
            return rc;
        if (!rc)
            return core_error_set(err, CORE_E_INVALID_VALUE, "field %s names a %s that does not exist", f->name,
                                  f->ref);
        *out = json_incref(v);
        return 0;
    }
    case MODEL_T_BOOL:
        if (!json_is_boolean(v))
            return core_error_set(err, CORE_E_WRONG_TYPE, "field %s must be true or false", f->name);
        *out = json_incref(v);
        return 0;
    default:
        break;
    }
    if (!json_is_string(v))
        return core_error_set(err, CORE_E_WRONG_TYPE, "field %s must be a string", f->name);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    switch (f->type) {
    case MODEL_T_TEXT: {
        size_t max = f->max ? (size_t)f->max : TEXT_DEFAULT_MAX;
        if (len > max)
            return core_error_set(err, CORE_E_INVALID_VALUE, "field %s is longer than %zu bytes", f->name, max);
        if (!valid_utf8_text(s, len))
            return core_error_set(err, CORE_E_INVALID_VALUE, "field %s contains control characters", f->name);
        if ((f->flags & MODEL_F_REQUIRED) && len == 0)
            return core_error_set(err, CORE_E_MISSING_FIELD, "field %s cannot be empty", f->name);
        *out = json_incref(v);
        return 0;
    }
    case MODEL_T_DATE: {
        core_date d;
        if (core_date_parse(s, len, &d)) {
            core_error_set(err, CORE_E_INVALID_DATE, "field %s is not a real date", f->name);
            return core_error_hint(err, "write dates as YYYY-MM-DD");
        }
        *out = json_incref(v);
        return 0;
    }
    case MODEL_T_TIMESTAMP: {
        char ts[24];
        if (parse_timestamp(s, len, ts)) {
            core_error_set(err, CORE_E_INVALID_DATE, "field %s is not a valid time", f->name);
            return core_error_hint(err, "write times in UTC as YYYY-MM-DDTHH:MM:SSZ");
        }
        *out = json_string(ts);
        return 0;
    }
    case MODEL_T_CODE: {
        if (len > 64 || !valid_utf8_text(s, len))
            return core_error_set(err, CORE_E_INVALID_CODE, "field %s is not a code of list %s", f->name, f->ref);
        int rc = model_ref_code_exists(ctx, f->ref, s, err);
        if (rc < 0)
            return rc;
        if (!rc) {
            core_error_set(err, CORE_E_INVALID_CODE, "field %s is not a code of list %s", f->name, f->ref);
            return core_error_hint(err, "GET /api/v1/reference/%s lists the codes", f->ref);
        }
        *out = json_incref(v);
        return 0;
    }
    case MODEL_T_HEADLINE: {
        store_value p[] = {store_v_textn(s, len)};
        int64_t n = 0;
        int rc = store_query_int(ctx->db, ctx->arena, SQL_HEADLINE_EXISTS, p, 1, &n, err);
        if (rc)
            return rc;
        if (!n)
            return core_error_set(err, CORE_E_INVALID_CODE,
                                  "field %s is not a Supporting Families headline code", f->name);
        *out = json_incref(v);
        return 0;
    }
    case MODEL_T_IDENT: {
        char canon[MODEL_IDENT_MAX];
        const char *reason = NULL;
        if (model_ident_check((model_ident_kind)f->ident, s, len, canon, &reason)) {
            core_error_set(err, CORE_E_INVALID_IDENTIFIER, "field %s: %s", f->name, reason ? reason : "not valid");
            return core_error_hint(err, "check the %s as written on its source document",
                                   model_ident_kind_label((model_ident_kind)f->ident));
        }
        *out = json_string(canon);
        return 0;
    }
    default:
        return core_error_set(err, CORE_E_INTERNAL, "field %s has no validator", f->name);
    }
}

int model_is_problem(int code)
{
    switch (code) {
    case CORE_E_UNKNOWN_FIELD:
    case CORE_E_WRONG_TYPE:
    case CORE_E_MISSING_FIELD:
    case CORE_E_INVALID_CODE:
    case CORE_E_INVALID_IDENTIFIER:
    case CORE_E_INVALID_DATE:
    case CORE_E_INVALID_VALUE:
        return 1;
    default:
        return 0;
    }
}

int model_problem(model_ctx *ctx, const char *field, core_error *err)
{
    if (!model_is_problem(err->code))
        return err->code;
    if (!ctx->problems)
        ctx->problems = arena_json(ctx->arena, json_array());
    json_t *p = json_pack("{s:s?,s:s,s:s,s:s,s:s}", "field", field, "code", core_error_name(err->code), "message",
                          err->message, "detail", err->detail, "hint", err->hint);
    if (p)
        json_array_append_new(ctx->problems, p);
    core_error_clear(err);
    return 0;
}

/* Has a problem been recorded against field? */
static int problem_on(model_ctx *ctx, const char *field)
{
    size_t i;
    json_t *p;
    json_array_foreach(ctx->problems, i, p)
    {
        const char *f = json_string_value(json_object_get(p, "field"));
        if (f && strcmp(f, field) == 0)
            return 1;
    }
    return 0;
}

/* The first problem recorded, as the error returned (the API answers it, with every problem beside it). */
static int first_problem(model_ctx *ctx, core_error *err)
{
    json_t *p = json_array_get(ctx->problems, 0);
    const char *name = json_string_value(json_object_get(p, "code"));
    int code = CORE_E_INVALID_VALUE;
    static const int codes[] = {CORE_E_UNKNOWN_FIELD, CORE_E_WRONG_TYPE, CORE_E_MISSING_FIELD, CORE_E_INVALID_CODE,
                                CORE_E_INVALID_IDENTIFIER, CORE_E_INVALID_DATE, CORE_E_INVALID_VALUE};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (name && strcmp(name, core_error_name(codes[i])) == 0)
            code = codes[i];
    core_error_set(err, code, "%s", json_string_value(json_object_get(p, "detail")));
    const char *hint = json_string_value(json_object_get(p, "hint"));
    if (hint && hint[0])
        core_error_hint(err, "%s", hint);
    return code;
}

/*
 * Validate body against r and overlay it on base (a row as JSON; an empty object for a create). On success
 * *merged is a new object (arena-owned) holding base's fields overlaid with the canonical values of the body.
 * *version gets the body's "version" (0 when absent). Every problem of the body is recorded in ctx->problems
 * (a field's own, a required field missing, the rules across fields); the first is returned.
 */
static int body_merge(model_ctx *ctx, const model_resource *r, json_t *body, json_t *base, int64_t parent_id,
                      int creating, json_t **merged, int64_t *version, core_error *err)
{
    ctx->problems = NULL;
    if (!json_is_object(body))
        return core_error_set(err, CORE_E_WRONG_TYPE, "request body must be a json object");
    json_t *m = arena_json(ctx->arena, json_deep_copy(base));
    const char *key;
    json_t *v;
    int rc;
    *version = 0;
    json_object_foreach(body, key, v)
    {
        if (!creating && strcmp(key, "version") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                core_error_set(err, CORE_E_WRONG_TYPE, "field version must be a positive integer");
                model_problem(ctx, "version", err);
                continue;
            }
            *version = json_integer_value(v);
            continue;
        }
        const model_field *f = model_field_find(r, key);
        if (!f || (f->flags & (MODEL_F_HIDDEN | MODEL_F_INTERNAL))) {
            /* The name is echoed only when it is printable and short: it came from the client. */
            int printable = strlen(key) <= 40;
            for (const char *c = key; printable && *c; c++)
                printable = (*c >= 'a' && *c <= 'z') || *c == '_' || (*c >= '0' && *c <= '9');
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "%s%s%s is not a field of %s", printable ? "field " : "",
                           printable ? key : "a field", "", r->name);
            core_error_hint(err, "GET /api/v1/schema/%s lists the fields", r->name);
            model_problem(ctx, printable ? key : NULL, err);
            continue;
        }
        if (!creating && (f->flags & MODEL_F_CREATE_ONLY)) {
            core_error_set(err, CORE_E_INVALID_VALUE, "field %s cannot be changed once recorded", f->name);
            model_problem(ctx, f->name, err);
            continue;
        }
        json_t *canon = NULL;
        rc = field_validate(ctx, f, v, &canon, err);
        if (rc) {
            if ((rc = model_problem(ctx, f->name, err)) != 0)
                return rc;
            continue;
        }
        json_object_set_new(m, f->name, canon);
    }
    if (creating) {
        for (size_t i = 0; i < r->nfields; i++) {
            const model_field *f = &r->fields[i];
            json_t *x = json_object_get(m, f->name);
            if ((f->flags & MODEL_F_REQUIRED) && (!x || json_is_null(x)) && !problem_on(ctx, f->name)) {
                core_error_set(err, CORE_E_MISSING_FIELD, "field %s is required", f->name);
                model_problem(ctx, f->name, err);
            }
        }
        /* the parent's id, for rules that look at it (a need's person in the family); never stored from here */
        if (r->parent_key)
            json_object_set_new(m, r->parent_key, json_integer(parent_id));
    }
    if (r->check) {
        ctx->before = creating ? NULL : base;
        rc = r->check(ctx, m, err);
        ctx->before = NULL;
        if (rc && (rc = model_problem(ctx, NULL, err)) != 0)
            return rc;
    }
    if (creating && r->parent_key)
        json_object_del(m, r->parent_key);
    if (ctx->problems)
        return first_problem(ctx, err);
    *merged = m;
    return 0;
}

static store_value json_to_value(json_t *v)
{
    if (!v || json_is_null(v))
        return store_v_null();
    if (json_is_integer(v))
        return store_v_int(json_integer_value(v));
    if (json_is_boolean(v))
        return store_v_int(json_is_true(v) ? 1 : 0);
    if (json_is_real(v))
        return store_v_real(json_real_value(v));
    return store_v_textn(json_string_value(v), json_string_length(v));
}

/* Turn the current row of st into a JSON object. hidden: include MODEL_F_HIDDEN columns (for history). */
static json_t *row_to_json(const model_resource *r, store_stmt *st, int hidden)
{
    json_t *o = json_object();
    int n = store_col_count(st);
    for (int i = 0; i < n; i++) {
        const char *col = store_col_name(st, i);
        const model_field *f = model_field_find(r, col);
        if (f && (f->flags & MODEL_F_HIDDEN) && !hidden)
            continue;
        json_t *v;
        switch (store_col_type(st, i)) {
        case STORE_NULL: v = json_null(); break;
        case STORE_INT:
            v = f && f->type == MODEL_T_BOOL ? json_boolean(store_col_int(st, i)) : json_integer(store_col_int(st, i));
            break;
        case STORE_REAL: v = json_real(store_col_real(st, i)); break;
        default: {
            size_t len;
            const char *t = store_col_text(st, i, &len);
            v = json_stringn(t, len);
            if (!v) /* not valid UTF-8: never expected, never fatal */
                v = json_null();
        }
        }
        json_object_set_new(o, col, v);
    }
    return o;
}

static int row_read(model_ctx *ctx, const model_resource *r, int64_t id, int hidden, json_t **out, core_error *err)
{
    core_buf sql;
    core_buf_init_arena(&sql, ctx->arena, SQL_MAX);
    core_buf_adds(&sql, "SELECT *\n  FROM ");
    sql_ident(&sql, r->table);
    core_buf_adds(&sql, "\n WHERE id = $1");
    store_value p[] = {store_v_int(id)};
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, sql.data, p, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %lld", r->name, (long long)id);
    *out = arena_json(ctx->arena, row_to_json(r, st, hidden));
    store_done(st); /* one row by its key: a write may follow on this handle */
    return 0;
}

int model_get(model_ctx *ctx, const model_resource *r, int64_t id, json_t **out, core_error *err)
{
    int rc = row_read(ctx, r, id, 0, out, err);
    /* A restricted person (UK GDPR art. 18) is not processed: reading one answers as if absent, so the
     * answer does not reveal that the record exists. */
    if (rc == 0 && !ctx->see_restricted && strcmp(r->table, "person") == 0 &&
        json_is_true(json_object_get(*out, "restricted")))
        return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %lld", r->name, (long long)id);
    return rc;
}

int model_create(model_ctx *ctx, const model_resource *r, int64_t parent_id, json_t *body, json_t **out,
                 core_error *err)
{
    const model_resource *parent = r->parent ? model_resource_find(r->parent) : NULL;
    if (parent) {
        int rc = row_exists(ctx, parent->table, parent_id, err);
        if (rc < 0)
            return rc;
        if (!rc)
            return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %lld", parent->name, (long long)parent_id);
    }
    json_t *empty = arena_json(ctx->arena, json_object());
    json_t *row;
    int64_t version;
    int rc = body_merge(ctx, r, body, empty, parent_id, 1, &row, &version, err);
    if (rc)
        return rc;

    store_value p[MAX_PARAMS];
    size_t n = 0;
    core_buf cols, vals, sql;
    core_buf_init_arena(&cols, ctx->arena, SQL_MAX);
    core_buf_init_arena(&vals, ctx->arena, SQL_MAX);
    core_buf_init_arena(&sql, ctx->arena, SQL_MAX);
    if (parent) {
        p[n++] = store_v_int(parent_id);
        sql_ident(&cols, r->parent_key);
        core_buf_adds(&cols, ", ");
        sql_param(&vals, n);
        core_buf_adds(&vals, ", ");
    }
    for (size_t i = 0; i < r->nfields; i++) {
        json_t *v = json_object_get(row, r->fields[i].name);
        if (!v || json_is_null(v))
            continue;
        p[n++] = json_to_value(v);
        sql_ident(&cols, r->fields[i].name);
        core_buf_adds(&cols, ", ");
        sql_param(&vals, n);
        core_buf_adds(&vals, ", ");
    }
    p[n++] = store_v_text(ctx->now);
    p[n++] = user_value(ctx);
    core_buf_adds(&sql, "INSERT INTO ");
    sql_ident(&sql, r->table);
    core_buf_adds(&sql, " (");
    core_buf_add(&sql, cols.data, cols.len);
    core_buf_adds(&sql, "created_at, created_by, updated_at, updated_by)\nVALUES (");
    core_buf_add(&sql, vals.data, vals.len);
    sql_param(&sql, n - 1); /* created_at and updated_at: the request time */
    core_buf_adds(&sql, ", ");
    sql_param(&sql, n); /* created_by and updated_by: the user */
    core_buf_adds(&sql, ", ");
    sql_param(&sql, n - 1);
    core_buf_adds(&sql, ", ");
    sql_param(&sql, n);
    core_buf_adds(&sql, ")\nRETURNING id");
    if (!core_buf_ok(&sql) || n > MAX_PARAMS)
        return core_error_set(err, CORE_E_INTERNAL, "insert statement too large");
    int64_t id = 0;
    rc = store_query_int(ctx->db, ctx->arena, sql.data, p, n, &id, err);
    if (rc)
        return store_failure(r, rc, err);
    return row_read(ctx, r, id, 0, out, err);
}

int model_update(model_ctx *ctx, const model_resource *r, int64_t id, json_t *body, json_t **out, core_error *err)
{
    json_t *old;
    int rc = row_read(ctx, r, id, 1, &old, err);
    if (rc)
        return rc;
    json_t *row;
    int64_t want_version;
    rc = body_merge(ctx, r, body, old, 0, 0, &row, &want_version, err);
    if (rc)
        return rc;
    int64_t old_version = json_integer_value(json_object_get(old, "version"));
    if (want_version && want_version != old_version) {
        core_error_set(err, CORE_E_STALE, "%s %lld is at version %lld, not %lld", r->name, (long long)id,
                       (long long)old_version, (long long)want_version);
        return core_error_hint(err, "read the record again and reapply your change");
    }

    char *previous = json_dumps(old, JSON_COMPACT | JSON_SORT_KEYS);
    if (!previous)
        core_die("out of memory");
    core_arena_on_release(ctx->arena, free, previous);
    store_value hp[] = {store_v_text(r->table), store_v_int(id), store_v_int(old_version), store_v_text(ctx->now),
                        user_value(ctx), store_v_text(previous)};
    rc = store_exec(ctx->db, ctx->arena, SQL_HISTORY_INSERT, hp, 6, NULL, err);
    if (rc)
        return rc;

    store_value p[MAX_PARAMS];
    size_t n = 0;
    core_buf sql;
    core_buf_init_arena(&sql, ctx->arena, SQL_MAX);
    core_buf_adds(&sql, "UPDATE ");
    sql_ident(&sql, r->table);
    core_buf_adds(&sql, "\n   SET ");
    for (size_t i = 0; i < r->nfields; i++) {
        p[n++] = json_to_value(json_object_get(row, r->fields[i].name));
        sql_ident(&sql, r->fields[i].name);
        core_buf_adds(&sql, " = ");
        sql_param(&sql, n);
        core_buf_adds(&sql, ",\n       ");
    }
    p[n++] = store_v_text(ctx->now);
    p[n++] = user_value(ctx);
    p[n++] = store_v_int(id);
    p[n++] = store_v_int(old_version);
    core_buf_adds(&sql, "version = version + 1,\n       updated_at = ");
    sql_param(&sql, n - 3);
    core_buf_adds(&sql, ",\n       updated_by = ");
    sql_param(&sql, n - 2);
    core_buf_adds(&sql, "\n WHERE id = ");
    sql_param(&sql, n - 1);
    core_buf_adds(&sql, "\n   AND version = ");
    sql_param(&sql, n);
    if (!core_buf_ok(&sql) || n > MAX_PARAMS)
        return core_error_set(err, CORE_E_INTERNAL, "update statement too large");
    int64_t changes = 0;
    rc = store_exec(ctx->db, ctx->arena, sql.data, p, n, &changes, err);
    if (rc)
        return store_failure(r, rc, err);
    if (changes != 1)
        return core_error_set(err, CORE_E_STALE, "%s %lld changed while it was being updated", r->name, (long long)id);
    return row_read(ctx, r, id, 0, out, err);
}

/* Parse a filter value from a query string into a bindable value, per the field's type. */
static int filter_value(model_ctx *ctx, const model_field *f, const char *s, store_value *out, core_error *err)
{
    size_t len = strlen(s);
    switch (f->type) {
    case MODEL_T_INT:
    case MODEL_T_REF: {
        int64_t v;
        if (core_parse_int64(s, len, INT64_MIN, INT64_MAX, &v))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "filter %s must be an integer", f->name);
        *out = store_v_int(v);
        return 0;
    }
    case MODEL_T_BOOL:
        if (strcmp(s, "true") && strcmp(s, "false"))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "filter %s must be true or false", f->name);
        *out = store_v_int(s[0] == 't');
        return 0;
    case MODEL_T_DATE: {
        core_date d;
        if (core_date_parse(s, len, &d))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "filter %s must be a date YYYY-MM-DD", f->name);
        *out = store_v_textn(s, len);
        return 0;
    }
    case MODEL_T_IDENT: {
        char canon[MODEL_IDENT_MAX];
        const char *reason;
        if (model_ident_check((model_ident_kind)f->ident, s, len, canon, &reason))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "filter %s: %s", f->name, reason);
        *out = store_v_text(core_arena_strdup(ctx->arena, canon));
        return 0;
    }
    default:
        *out = store_v_textn(s, len);
        return 0;
    }
}

static int list_run(model_ctx *ctx, const model_resource *r, const char *sql, store_value *p, size_t n, int limit,
                    json_t **items, int64_t *next, core_error *err)
{
    store_stmt *st;
    int rc = store_query(ctx->db, ctx->arena, sql, p, n, &st, err);
    if (rc)
        return rc;
    json_t *arr = arena_json(ctx->arena, json_array());
    int count = 0;
    *next = 0;
    while ((rc = store_next(st, err)) == 1) {
        if (count == limit) {
            /* one row more than asked: there is a next page, starting after the last row returned */
            *next = json_integer_value(json_object_get(json_array_get(arr, (size_t)count - 1), "id"));
            break;
        }
        json_array_append_new(arr, row_to_json(r, st, 0));
        count++;
    }
    if (rc < 0)
        return rc;
    *items = arr;
    return 0;
}

int model_list(model_ctx *ctx, const model_resource *r, const model_list_req *req, json_t **items, int64_t *next,
               core_error *err)
{
    int limit = req->limit ? req->limit : MODEL_LIST_DEFAULT;
    if (limit < 1 || limit > MODEL_LIST_MAX)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "limit must be between 1 and %d", MODEL_LIST_MAX);
    store_value p[MAX_PARAMS];
    size_t n = 0;
    core_buf sql;
    core_buf_init_arena(&sql, ctx->arena, SQL_MAX);
    core_buf_adds(&sql, "SELECT *\n  FROM ");
    sql_ident(&sql, r->table);
    core_buf_adds(&sql, "\n WHERE id > $1");
    p[n++] = store_v_int(req->after);
    if (r->parent) {
        const model_resource *parent = model_resource_find(r->parent);
        int rc = row_exists(ctx, parent->table, req->parent_id, err);
        if (rc < 0)
            return rc;
        if (!rc)
            return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %lld", parent->name,
                                  (long long)req->parent_id);
        p[n++] = store_v_int(req->parent_id);
        core_buf_adds(&sql, "\n   AND ");
        sql_ident(&sql, r->parent_key);
        core_buf_adds(&sql, " = ");
        sql_param(&sql, n);
    }
    if (strcmp(r->table, "person") == 0)
        core_buf_adds(&sql, "\n   AND restricted = 0 AND merged_into IS NULL");
    /* An archived record (its retention period over, the policy archiving it) leaves working lists; governance
     * still lists it. */
    if (!ctx->see_restricted && (strcmp(r->table, "episode") == 0 || strcmp(r->table, "contact") == 0 ||
                                 strcmp(r->table, "family") == 0))
        core_buf_adds(&sql, "\n   AND archived_on IS NULL");
    if (!ctx->see_restricted && strcmp(r->table, "person") == 0) /* as LIVE_PERSON below, for a list */
        core_buf_adds(&sql, "\n   AND (NOT EXISTS (SELECT 1 FROM family_member fm WHERE fm.person_id = person.id)"
                            "\n        OR EXISTS (SELECT 1 FROM family_member fm JOIN family f ON f.id = fm.family_id"
                            "\n                    WHERE fm.person_id = person.id AND f.archived_on IS NULL))");
    for (size_t i = 0; i < req->nfilters; i++) {
        const model_field *f = model_field_find(r, req->filters[i].field);
        if (!f || !(f->flags & MODEL_F_FILTER))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "%s cannot be filtered on that parameter", r->name);
        if (n >= MAX_PARAMS - 1)
            return core_error_set(err, CORE_E_BAD_PARAMETER, "too many filters");
        int rc = filter_value(ctx, f, req->filters[i].value, &p[n], err);
        if (rc)
            return rc;
        n++;
        core_buf_adds(&sql, "\n   AND ");
        sql_ident(&sql, f->name);
        core_buf_adds(&sql, " = ");
        sql_param(&sql, n);
    }
    p[n++] = store_v_int(limit + 1);
    core_buf_adds(&sql, "\n ORDER BY id\n LIMIT ");
    sql_param(&sql, n);
    if (!core_buf_ok(&sql))
        return core_error_set(err, CORE_E_INTERNAL, "list statement too large");
    return list_run(ctx, r, sql.data, p, n, limit, items, next, err);
}

/* A person still in use: governance ($N = 1) sees everyone; others see a person unless every family they belong
 * to is archived (their records' retention period over and the policy archiving them: docs/retention.md). */
#define LIVE_PERSON(n)                                                                                         \
    "   AND ($" #n " = 1 OR NOT EXISTS (SELECT 1 FROM family_member fm WHERE fm.person_id = person.id)\n"          \
    "        OR EXISTS (SELECT 1 FROM family_member fm JOIN family f ON f.id = fm.family_id\n"                      \
    "                    WHERE fm.person_id = person.id AND f.archived_on IS NULL))\n"

/* People whose identifiers match, in id order (restricted people never). */
static const char SQL_PERSON_BY_IDENT[] =
    "SELECT *\n"
    "  FROM person\n"
    " WHERE (nhs_number = $1 OR nino = $2 OR upn = $3)\n"
    "   AND id > $4\n"
    "   AND restricted = 0 AND merged_into IS NULL\n"
    "   AND ($5 = '' OR date_of_birth = $5)\n"
    LIVE_PERSON(7)
    " ORDER BY id\n"
    " LIMIT $6";

/* People whose family or given name key starts with one token: two index ranges, in id order. */
static const char SQL_PERSON_BY_ONE_NAME[] =
    "SELECT *\n"
    "  FROM person\n"
    " WHERE ((family_key >= $1 AND family_key < $2) OR (given_key >= $1 AND given_key < $2))\n"
    "   AND id > $3\n"
    "   AND restricted = 0 AND merged_into IS NULL\n"
    "   AND ($4 = '' OR date_of_birth = $4)\n"
    LIVE_PERSON(6)
    " ORDER BY id\n"
    " LIMIT $5";

/* A query of several words, split two ways: at the first space ($1..$2 the first word, $3..$4 the rest) and at
 * the last ($5..$6 all but the last word, $7..$8 the last). Either split's two parts are prefixes of the given
 * and family names, either way round; or the whole query ($9..$10) is a prefix of one name, for names with a
 * space in them ("o bri" for Ó Briain, "mary ann"). */
static const char SQL_PERSON_BY_TWO_NAMES[] =
    "SELECT *\n"
    "  FROM person\n"
    " WHERE ((family_key >= $3 AND family_key < $4 AND given_key >= $1 AND given_key < $2)\n"
    "     OR (family_key >= $1 AND family_key < $2 AND given_key >= $3 AND given_key < $4)\n"
    "     OR (family_key >= $7 AND family_key < $8 AND given_key >= $5 AND given_key < $6)\n"
    "     OR (family_key >= $5 AND family_key < $6 AND given_key >= $7 AND given_key < $8)\n"
    "     OR (family_key >= $9 AND family_key < $10)\n"
    "     OR (given_key >= $9 AND given_key < $10))\n"
    "   AND id > $11\n"
    "   AND restricted = 0 AND merged_into IS NULL\n"
    "   AND ($12 = '' OR date_of_birth = $12)\n"
    LIVE_PERSON(14)
    " ORDER BY id\n"
    " LIMIT $13";

/* People born on a date. */
static const char SQL_PERSON_BY_DOB[] =
    "SELECT *\n"
    "  FROM person\n"
    " WHERE date_of_birth = $1\n"
    "   AND id > $2\n"
    "   AND restricted = 0 AND merged_into IS NULL\n"
    LIVE_PERSON(4)
    " ORDER BY id\n"
    " LIMIT $3";

static char *prefix_end(core_arena *a, const char *prefix)
{
    /* U+10FFFF, the largest code point: every key starting with prefix sorts below prefix + it. */
    return core_arena_printf(a, "%s\xf4\x8f\xbf\xbf", prefix);
}

int model_person_search(model_ctx *ctx, const model_person_query *q, json_t **items, int64_t *next,
                        core_error *err)
{
    const model_resource *r = model_resource_find("people");
    int limit = q->limit ? q->limit : MODEL_LIST_DEFAULT;
    if (limit < 1 || limit > MODEL_LIST_MAX)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "limit must be between 1 and %d", MODEL_LIST_MAX);
    const char *dob = "";
    if (q->date_of_birth) {
        core_date d;
        if (core_date_parse(q->date_of_birth, strlen(q->date_of_birth), &d))
            return core_error_set(err, CORE_E_BAD_PARAMETER, "date_of_birth must be a date YYYY-MM-DD");
        dob = q->date_of_birth;
    }
    if (q->identifier) {
        char canon[3][MODEL_IDENT_MAX];
        store_value p[7];
        int any = 0;
        model_ident_kind kinds[3] = {MODEL_IDENT_NHS, MODEL_IDENT_NINO, MODEL_IDENT_UPN};
        for (int k = 0; k < 3; k++) {
            const char *reason;
            /* "UN1".."UN5" say why a child has no UPN: a placeholder many children share, never one person's
             * identifier, so searching by one would list every child with that reason. */
            if (model_ident_check(kinds[k], q->identifier, strlen(q->identifier), canon[k], &reason) == 0 &&
                !(kinds[k] == MODEL_IDENT_UPN && strlen(canon[k]) < 13)) {
                p[k] = store_v_text(canon[k]);
                any = 1;
            } else {
                p[k] = store_v_null();
            }
        }
        if (!any) {
            core_error_set(err, CORE_E_INVALID_IDENTIFIER, "identifier is not a valid nhs number, nino or upn");
            return core_error_hint(err, "check the identifier as written on its source document");
        }
        p[3] = store_v_int(q->after);
        p[4] = store_v_text(dob);
        p[5] = store_v_int(limit + 1);
        p[6] = store_v_int(ctx->see_restricted);
        return list_run(ctx, r, SQL_PERSON_BY_IDENT, p, 7, limit, items, next, err);
    }
    if (q->name) {
        /* One word: a prefix of the family or the given name. More: see SQL_PERSON_BY_TWO_NAMES ("sean o bri",
         * "o briain sean", "smith john" and "o bri" all find Seán Ó Briain or John Smith). */
        char *key = model_name_key(ctx->arena, q->name);
        if (!key[0])
            return core_error_set(err, CORE_E_BAD_PARAMETER, "name has no letters to search for");
        const char *first = strchr(key, ' '), *last = strrchr(key, ' ');
        if (!first) {
            store_value p[] = {store_v_text(key), store_v_text(prefix_end(ctx->arena, key)),
                               store_v_int(q->after), store_v_text(dob), store_v_int(limit + 1),
                               store_v_int(ctx->see_restricted)};
            return list_run(ctx, r, SQL_PERSON_BY_ONE_NAME, p, 6, limit, items, next, err);
        }
        const char *tok[4] = {core_arena_strndup(ctx->arena, key, (size_t)(first - key)), first + 1,
                              core_arena_strndup(ctx->arena, key, (size_t)(last - key)), last + 1};
        store_value p[14];
        for (int i = 0; i < 4; i++) {
            p[2 * i] = store_v_text(tok[i]);
            p[2 * i + 1] = store_v_text(prefix_end(ctx->arena, tok[i]));
        }
        p[8] = store_v_text(key);
        p[9] = store_v_text(prefix_end(ctx->arena, key));
        p[10] = store_v_int(q->after);
        p[11] = store_v_text(dob);
        p[12] = store_v_int(limit + 1);
        p[13] = store_v_int(ctx->see_restricted);
        return list_run(ctx, r, SQL_PERSON_BY_TWO_NAMES, p, 14, limit, items, next, err);
    }
    if (q->date_of_birth) {
        store_value p[] = {store_v_text(dob), store_v_int(q->after), store_v_int(limit + 1),
                           store_v_int(ctx->see_restricted)};
        return list_run(ctx, r, SQL_PERSON_BY_DOB, p, 4, limit, items, next, err);
    }
    return core_error_set(err, CORE_E_BAD_PARAMETER, "search needs name, date_of_birth or identifier");
}

/* ---- a record's sharing label ---- */

/* The assessment area a Supporting Families headline's needs belong to. */
static const char SQL_HEADLINE_AREA[] =
    "SELECT area\n"
    "  FROM headline_area\n"
    " WHERE headline = $1";

int model_record_label(model_ctx *ctx, const model_resource *r, json_t *obj, const char **label, core_error *err)
{
    *label = NULL;
    if (strcmp(r->table, "assessment_area") == 0) {
        const char *area = json_string_value(json_object_get(obj, "area"));
        if (area)
            *label = core_arena_printf(ctx->arena, "assessment.%s", area);
    } else if (strcmp(r->table, "case_note") == 0) {
        const char *l = json_string_value(json_object_get(obj, "sharing_label"));
        if (l)
            *label = core_arena_strdup(ctx->arena, l);
    } else if (strcmp(r->table, "assessment_need") == 0) {
        const char *headline = json_string_value(json_object_get(obj, "headline"));
        if (!headline)
            return 0;
        store_value p[] = {store_v_text(headline)};
        store_stmt *st;
        int rc = store_query(ctx->db, ctx->arena, SQL_HEADLINE_AREA, p, 1, &st, err);
        if (rc == 0)
            rc = store_next(st, err);
        if (rc < 0)
            return rc;
        const char *area = rc == 1 ? store_col_text(st, 0, NULL) : NULL;
        if (area)
            *label = core_arena_printf(ctx->arena, "assessment.%s", area);
        store_done(st);
    }
    return 0;
}
