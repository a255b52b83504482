/*
 * test_model_crud.c — unit tests for the model engine (model/model_crud.c over the resource table in
 * model/model_resource.c), name folding (model/model_text.c) and users (model/model_user.c). Each test gets a
 * new temporary database file with every migration applied.
 *
 * Covers:
 *   - create: identifiers canonicalised (NHS "943 476 5919" -> "9434765919", NINO, postcode on an address
 *     "sw1a2aa" -> "SW1A 2AA"), version 1, created_at, child rows tied to their parent;
 *   - hidden search keys (given_key, family_key) stored but never in any output: create, get, update, list,
 *     person search, a child resource with its own hidden key;
 *   - every validation error with its code (missing, unknown, hidden or internal field, wrong type, bad or
 *     inactive code, invalid or future date, bad timestamp, REF to a missing row, out-of-range integer, text
 *     too long or with control characters, invalid identifier, child under a missing parent), and that a
 *     failing body changes nothing (row counts before and after, in every table);
 *   - update: previous row (as JSON, under its old version) in row_history, version bumped, stale version
 *     refused with nothing written, CREATE_ONLY fields refused, search keys follow the new name, and a failure
 *     at write time (a test trigger) rolled back by the caller's transaction leaves nothing;
 *   - list: paging with limit and cursor visits every row exactly once, limits checked, filters (including an
 *     identifier filter in loose formatting) and refusal of non-filter, hidden and unknown fields;
 *   - restricted people never in model_list, model_person_search or model_get;
 *   - person search by accent-insensitive name, either order of given and family name, multi-word family names,
 *     date of birth, identifier in loose formatting, and paging;
 *   - model_name_key examples;
 *   - model_user_add: Argon2id hash that libsodium verifies, bad username/role/password refused, duplicate
 *     username a conflict, nothing written on failure;
 *   - never-null fields (MODEL_F_NOT_NULL) and the TAF member rule (a user or a name) refused with a 422
 *     before the database could refuse them with a 409;
 *   - the resource table against the schema: every column is a field, the parent key or an engine column; every
 *     field is a column; a NOT NULL column is a required, never-null or internal field; code lists have codes
 *     and referenced tables exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../test_tmpdb.h"
#include "model/model.h"
#include "model/model_user.h"
#include "store/store.h"


typedef struct fixture {
    test_tmpdb tmp;
    store *s;
    core_arena a;
    core_error err;
    model_ctx ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->tmp))
        return -1;
    if (store_open(&f->s, f->tmp.path, &f->err) || store_migrate(f->s, &f->err)) {
        fprintf(stderr, "setup: %s %s\n", f->err.message, f->err.detail);
        return -1;
    }
    model_ctx_init(&f->ctx, f->s, &f->a, 0);
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

static void json_release(void *p)
{
    json_decref(p);
}

/* Parse JSON text (duplicates refused, as the API does); the value lives as long as the fixture's arena. */
static json_t *J(fixture *f, const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("bad test json (%s): %s", jerr.text, text);
    core_arena_on_release(&f->a, json_release, v);
    return v;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("field %s is not an integer", k);
    return json_integer_value(v);
}

static int64_t sql_int(fixture *f, const char *sql, const store_value *p, size_t n)
{
    int64_t v = -1;
    assert_ok(store_query_int(f->s, &f->a, sql, p, n, &v, &f->err), f->err);
    return v;
}

/* Text of the first column of the first row (arena copy), or NULL for SQL NULL. */
static char *sql_text(fixture *f, const char *sql, const store_value *p, size_t n)
{
    store_stmt *st;
    assert_ok(store_query(f->s, &f->a, sql, p, n, &st, &f->err), f->err);
    assert_int_equal(store_next(st, &f->err), 1);
    return core_arena_strdup(&f->a, store_col_text(st, 0, NULL));
}

/* Create and return the new row; fails the test on error. */
static json_t *create(fixture *f, const char *res, int64_t parent, const char *body)
{
    const model_resource *r = model_resource_find(res);
    assert_non_null(r);
    json_t *out = NULL;
    core_error_clear(&f->err);
    int rc = model_create(&f->ctx, r, parent, J(f, body), &out, &f->err);
    if (rc)
        fail_msg("create %s %s: %s (%s / %s)", res, body, core_error_name(rc), f->err.message, f->err.detail);
    assert_non_null(out);
    assert_true(jint(out, "id") > 0);
    return out;
}

static int64_t create_id(fixture *f, const char *res, int64_t parent, const char *body)
{
    return jint(create(f, res, parent, body), "id");
}

/* Every table the model writes, with its row count: a failing call must leave all of them as they were. */
static const char *const all_tables[] = {
    "agency", "team", "app_user", "person", "person_former_name", "person_address", "person_contact_detail",
    "family", "family_member", "contact", "contact_child", "referral", "consent", "episode", "episode_member",
    "assessment", "assessment_area", "assessment_need", "plan", "plan_goal", "plan_action", "review",
    "activity", "case_note", "phone_call", "row_history",
};
#define NTABLES (sizeof all_tables / sizeof all_tables[0])

/* A fingerprint of every table: count and the sum of versions (so an update that bumps a version shows). */
static void snapshot(fixture *f, int64_t out[NTABLES])
{
    for (size_t i = 0; i < NTABLES; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) * 1000000 + coalesce(sum(%s), 0) FROM %s",
                 strcmp(all_tables[i], "row_history") == 0 ? "length(previous)" : "version", all_tables[i]);
        out[i] = sql_int(f, sql, NULL, 0);
    }
}

static void expect_unchanged(fixture *f, const int64_t before[NTABLES], const char *what)
{
    int64_t after[NTABLES];
    snapshot(f, after);
    for (size_t i = 0; i < NTABLES; i++)
        if (before[i] != after[i])
            fail_msg("%s changed table %s", what, all_tables[i]);
}

#define expect_create_fails(f, res, parent, body, want) expect_create_fails_at(f, res, parent, body, want, __LINE__)

static void expect_create_fails_at(fixture *f, const char *res, int64_t parent, const char *body, int want, int line)
{
    const model_resource *r = model_resource_find(res);
    assert_non_null(r);
    int64_t before[NTABLES];
    snapshot(f, before);
    json_t *out = NULL;
    core_error_clear(&f->err);
    int rc = model_create(&f->ctx, r, parent, J(f, body), &out, &f->err);
    if (rc != want)
        fail_msg("line %d: create %s %s gave %s (%s), want %s", line, res, body, core_error_name(rc),
                 f->err.detail, core_error_name(want));
    assert_int_equal(f->err.code, want);
    assert_true(f->err.message[0] != '\0');
    assert_null(out);
    expect_unchanged(f, before, body);
}

#define expect_update_fails(f, res, id, body, want) expect_update_fails_at(f, res, id, body, want, __LINE__)

static void expect_update_fails_at(fixture *f, const char *res, int64_t id, const char *body, int want, int line)
{
    const model_resource *r = model_resource_find(res);
    int64_t before[NTABLES];
    snapshot(f, before);
    json_t *out = NULL;
    core_error_clear(&f->err);
    int rc = model_update(&f->ctx, r, id, J(f, body), &out, &f->err);
    if (rc != want)
        fail_msg("line %d: update %s %lld %s gave %s (%s), want %s", line, res, (long long)id, body,
                 core_error_name(rc), f->err.detail, core_error_name(want));
    assert_null(out);
    expect_unchanged(f, before, body);
}

/* No hidden field of r appears in a row. */
static void expect_no_hidden(const model_resource *r, json_t *row)
{
    assert_true(json_is_object(row));
    for (size_t i = 0; i < r->nfields; i++)
        if ((r->fields[i].flags & MODEL_F_HIDDEN) && json_object_get(row, r->fields[i].name))
            fail_msg("hidden field %s is in the output", r->fields[i].name);
    /* and never under any name ending _key */
    const char *k;
    json_t *v;
    json_object_foreach(row, k, v)
    {
        size_t n = strlen(k);
        if (n >= 4 && strcmp(k + n - 4, "_key") == 0)
            fail_msg("search key %s is in the output", k);
    }
}

/* Directory rows most records need: an agency, a team, a family and an episode. */
typedef struct world {
    int64_t agency, team, family, episode;
} world;

static world make_world(fixture *f)
{
    world w;
    w.agency = create_id(f, "agencies", 0, "{\"name\":\"Northshire Council\",\"agency_type\":\"local_authority\"}");
    char body[200];
    snprintf(body, sizeof body, "{\"name\":\"Early Help North\",\"agency_id\":%lld,\"kind\":\"early_help\"}",
             (long long)w.agency);
    w.team = create_id(f, "teams", 0, body);
    w.family = create_id(f, "families", 0, "{\"name\":\"Smith household\"}");
    snprintf(body, sizeof body, "{\"start_date\":\"2025-01-06\",\"owning_team_id\":%lld}", (long long)w.team);
    w.episode = create_id(f, "episodes", w.family, body);
    return w;
}

/* ---- create ---- */

static void test_create_person_canonical(void **state)
{
    fixture *f = *state;
    const model_resource *people = model_resource_find("people");
    json_t *p = create(f, "people", 0,
                       "{\"given_name\":\"Se\xc3\xa1n\",\"family_name\":\"\xc3\x93 Briain\",\"sex\":\"M\","
                       "\"date_of_birth\":\"2015-03-04\",\"nhs_number\":\"943 476 5919\",\"nino\":\"ab 12 34 56 c\","
                       "\"upn\":\"x845212818005\",\"ethnicity\":\"WIRI\"}");
    int64_t id = jint(p, "id");
    assert_string_equal(jstr(p, "nhs_number"), "9434765919");
    assert_string_equal(jstr(p, "nino"), "AB123456C");
    assert_string_equal(jstr(p, "upn"), "X845212818005");
    assert_string_equal(jstr(p, "given_name"), "Se\xc3\xa1n");
    assert_string_equal(jstr(p, "family_name"), "\xc3\x93 Briain");
    assert_string_equal(jstr(p, "date_of_birth"), "2015-03-04");
    assert_int_equal(jint(p, "version"), 1);
    assert_string_equal(jstr(p, "created_at"), f->ctx.now);
    assert_string_equal(jstr(p, "updated_at"), f->ctx.now);
    assert_true(json_is_null(json_object_get(p, "created_by")));
    assert_true(json_is_false(json_object_get(p, "restricted"))); /* internal: shown, as a boolean */
    assert_true(json_is_null(json_object_get(p, "middle_names")));
    expect_no_hidden(people, p);
    /* the keys are stored, folded */
    store_value pid[] = {store_v_int(id)};
    assert_string_equal(sql_text(f, "SELECT given_key FROM person WHERE id = $1", pid, 1), "sean");
    assert_string_equal(sql_text(f, "SELECT family_key FROM person WHERE id = $1", pid, 1), "o briain");
    assert_string_equal(sql_text(f, "SELECT nhs_number FROM person WHERE id = $1", pid, 1), "9434765919");

    /* model_get: the same row, still without keys */
    json_t *g = NULL;
    assert_ok(model_get(&f->ctx, people, id, &g, &f->err), f->err);
    assert_true(json_equal(g, p));
    expect_no_hidden(people, g);
    assert_int_equal(model_get(&f->ctx, people, id + 100, &g, &f->err), CORE_E_NOT_FOUND);

    /* a child: an address, postcode canonicalised, tied to the person */
    char body[300];
    snprintf(body, sizeof body, "%s", "{\"address_type\":\"home\",\"line1\":\"1 High Street\",\"postcode\":\"sw1a2aa\"}");
    json_t *addr = create(f, "addresses", id, body);
    assert_string_equal(jstr(addr, "postcode"), "SW1A 2AA");
    assert_int_equal(jint(addr, "person_id"), id);
    addr = create(f, "addresses", id, "{\"address_type\":\"previous\",\"line1\":\"2 Low Road\",\"postcode\":\" ec1a 1bb \"}");
    assert_string_equal(jstr(addr, "postcode"), "EC1A 1BB");
    /* a child with its own hidden key */
    json_t *former = create(f, "former-names", id, "{\"family_name\":\"Murphy\",\"given_name\":\"Se\xc3\xa1n\"}");
    expect_no_hidden(model_resource_find("former-names"), former);
    store_value fid[] = {store_v_int(jint(former, "id"))};
    assert_string_equal(sql_text(f, "SELECT family_key FROM person_former_name WHERE id = $1", fid, 1), "murphy");
    /* booleans come back as booleans, defaults apply when a field is left out */
    world w = make_world(f);
    char mb[200];
    snprintf(mb, sizeof mb, "{\"person_id\":%lld,\"role\":\"child\"}", (long long)id);
    json_t *member = create(f, "members", w.family, mb);
    assert_true(json_is_true(json_object_get(member, "in_household")));
    assert_int_equal(jint(member, "family_id"), w.family);
    /* timestamps are stored in full form */
    snprintf(body, sizeof body, "%s",
             "{\"note_type\":\"visit\",\"occurred_at\":\"2025-02-03T10:15Z\",\"body\":\"Home visit.\"}");
    json_t *note = create(f, "notes", w.episode, body);
    assert_string_equal(jstr(note, "occurred_at"), "2025-02-03T10:15:00Z");
    assert_int_equal(jint(note, "episode_id"), w.episode);
    /* a headline code from any framework version */
    int64_t assessment = create_id(f, "assessments", w.episode,
                                   "{\"started_on\":\"2025-02-01\",\"organisation\":\"Early Help\"}");
    json_t *need = create(f, "needs", assessment, "{\"headline\":\"EDU\",\"framework\":\"2022-10\"}");
    assert_string_equal(jstr(need, "headline"), "EDU");
}

/* ---- validation ---- */

static void test_validation_errors(void **state)
{
    fixture *f = *state;
    world w = make_world(f);
    int64_t person = create_id(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\"}");

    /* missing */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\"}", CORE_E_MISSING_FIELD);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":null}", CORE_E_MISSING_FIELD);
    expect_create_fails(f, "people", 0, "{\"sex\":\"F\"}", CORE_E_MISSING_FIELD); /* no name or date */
    expect_create_fails(f, "families", 0, "{}", CORE_E_MISSING_FIELD);
    expect_create_fails(f, "families", 0, "{\"name\":\"\"}", CORE_E_MISSING_FIELD);
    assert_non_null(strstr(f->err.detail, "name"));
    expect_create_fails(f, "addresses", person, "{\"address_type\":\"home\"}", CORE_E_MISSING_FIELD);
    assert_non_null(strstr(f->err.detail, "line1"));

    /* unknown, hidden, internal and engine-owned fields */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"shoe_size\":5}",
                        CORE_E_UNKNOWN_FIELD);
    assert_non_null(strstr(f->err.detail, "shoe_size"));
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"given_key\":\"x\"}",
                        CORE_E_UNKNOWN_FIELD);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"restricted\":true}",
                        CORE_E_UNKNOWN_FIELD);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"id\":7}", CORE_E_UNKNOWN_FIELD);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"version\":1}",
                        CORE_E_UNKNOWN_FIELD);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"created_by\":1}",
                        CORE_E_UNKNOWN_FIELD);
    /* an unprintable name is not echoed into the detail */
    expect_create_fails(f, "families", 0, "{\"name\":\"x\",\"<script>\":1}", CORE_E_UNKNOWN_FIELD);
    assert_null(strstr(f->err.detail, "<script>"));

    /* wrong type */
    expect_create_fails(f, "people", 0, "{\"given_name\":5,\"sex\":\"F\"}", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "people", 0, "{\"given_name\":[\"Ada\"],\"sex\":\"F\"}", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":true}", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "families", 0, "[]", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "families", 0, "\"name\"", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "teams", 0, "{\"name\":\"t\",\"agency_id\":\"1\",\"kind\":\"k\"}", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "teams", 0, "{\"name\":\"t\",\"agency_id\":1.0,\"kind\":\"k\"}", CORE_E_WRONG_TYPE);
    expect_create_fails(f, "teams", 0, "{\"name\":\"t\",\"agency_id\":0,\"kind\":\"k\"}", CORE_E_WRONG_TYPE);
    char body[300];
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"role\":\"child\",\"in_household\":\"yes\"}",
             (long long)person);
    expect_create_fails(f, "members", w.family, body, CORE_E_WRONG_TYPE);
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"role\":\"child\",\"in_household\":1}", (long long)person);
    expect_create_fails(f, "members", w.family, body, CORE_E_WRONG_TYPE);

    /* bad codes: unknown, from another list, wrong case, inactive */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"X\"}", CORE_E_INVALID_CODE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"home\"}", CORE_E_INVALID_CODE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"f\"}", CORE_E_INVALID_CODE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"\"}", CORE_E_INVALID_CODE);
    assert_ok(store_exec_script(f->s, "UPDATE ref_code SET active = 0 WHERE list = 'ethnicity' AND code = 'WROM'",
                                &f->err),
              f->err);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"ethnicity\":\"WROM\"}",
                        CORE_E_INVALID_CODE);
    create(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"ethnicity\":\"WIRT\"}");
    expect_create_fails(f, "needs", 0, "{\"headline\":\"EDU\",\"framework\":\"2022-10\"}", CORE_E_NOT_FOUND);
    int64_t assessment = create_id(f, "assessments", w.episode,
                                   "{\"started_on\":\"2025-02-01\",\"organisation\":\"Early Help\"}");
    expect_create_fails(f, "needs", assessment, "{\"headline\":\"NOPE\",\"framework\":\"2022-10\"}",
                        CORE_E_INVALID_CODE);

    /* dates */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"date_of_birth\":\"2015-02-30\"}",
                        CORE_E_INVALID_DATE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"date_of_birth\":\"2015-2-3\"}",
                        CORE_E_INVALID_DATE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"date_of_birth\":\"04/03/2015\"}",
                        CORE_E_INVALID_DATE);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"date_of_birth\":\"2999-01-01\"}",
                        CORE_E_INVALID_DATE); /* in the future */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"date_of_birth\":20150304}",
                        CORE_E_WRONG_TYPE);
    snprintf(body, sizeof body, "%s",
             "{\"address_type\":\"home\",\"line1\":\"x\",\"from_date\":\"2024-05-01\",\"to_date\":\"2024-04-01\"}");
    expect_create_fails(f, "addresses", person, body, CORE_E_INVALID_DATE);
    expect_create_fails(f, "notes", w.episode, "{\"note_type\":\"visit\",\"occurred_at\":\"2025-02-03 10:15\",\"body\":\"b\"}",
                        CORE_E_INVALID_DATE);
    expect_create_fails(f, "notes", w.episode, "{\"note_type\":\"visit\",\"occurred_at\":\"2025-02-03T24:00Z\",\"body\":\"b\"}",
                        CORE_E_INVALID_DATE);

    /* a REF to a row that does not exist */
    expect_create_fails(f, "teams", 0, "{\"name\":\"t\",\"agency_id\":999,\"kind\":\"k\"}", CORE_E_INVALID_VALUE);
    expect_create_fails(f, "members", w.family, "{\"person_id\":424242,\"role\":\"child\"}", CORE_E_INVALID_VALUE);

    /* values out of range */
    expect_create_fails(f, "areas", assessment, "{\"area\":\"nope\"}", CORE_E_INVALID_CODE);
    char area[200];
    const char *area_code = sql_text(f, "SELECT min(code) FROM ref_code WHERE list = 'assessment_area'", NULL, 0);
    snprintf(area, sizeof area, "{\"area\":\"%s\",\"scale\":11}", area_code);
    expect_create_fails(f, "areas", assessment, area, CORE_E_INVALID_VALUE);
    snprintf(area, sizeof area, "{\"area\":\"%s\",\"scale\":-1}", area_code);
    expect_create_fails(f, "areas", assessment, area, CORE_E_INVALID_VALUE);
    snprintf(area, sizeof area, "{\"area\":\"%s\",\"scale\":2.5}", area_code);
    expect_create_fails(f, "areas", assessment, area, CORE_E_WRONG_TYPE);
    snprintf(area, sizeof area, "{\"area\":\"%s\",\"scale\":10}", area_code);
    create(f, "areas", assessment, area);
    /* a second row for the same area breaks a UNIQUE rule: a conflict, and nothing written */
    expect_create_fails(f, "areas", assessment, area, CORE_E_CONFLICT);

    /* text: too long, control characters */
    char name[300];
    memset(name, 'x', sizeof name);
    snprintf(body, sizeof body, "{\"name\":\"%.*s\"}", 201, name); /* NAME_MAX_LEN is 200 bytes */
    expect_create_fails(f, "families", 0, body, CORE_E_INVALID_VALUE);
    snprintf(body, sizeof body, "{\"name\":\"%.*s\"}", 200, name);
    create(f, "families", 0, body);
    expect_create_fails(f, "families", 0, "{\"name\":\"a\\u0001b\"}", CORE_E_INVALID_VALUE);
    expect_create_fails(f, "families", 0, "{\"name\":\"a\\u007fb\"}", CORE_E_INVALID_VALUE);
    create(f, "families", 0, "{\"name\":\"line one\\nline two\\ttabbed\"}");

    /* identifiers */
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"nhs_number\":\"943 476 5918\"}",
                        CORE_E_INVALID_IDENTIFIER);
    expect_create_fails(f, "people", 0, "{\"given_name\":\"Ada\",\"sex\":\"F\",\"nhs_number\":9434765919}",
                        CORE_E_WRONG_TYPE);
    expect_create_fails(f, "addresses", person, "{\"address_type\":\"home\",\"line1\":\"x\",\"postcode\":\"XX\"}",
                        CORE_E_INVALID_IDENTIFIER);

    /* never-null fields: left out they take their default, null is refused */
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"role\":\"child\",\"in_household\":null}", (long long)person);
    expect_create_fails(f, "members", w.family, body, CORE_E_INVALID_VALUE);
    expect_create_fails(f, "activities", w.episode,
                        "{\"activity_type\":\"group_session\",\"name\":\"n\",\"attended_on\":\"2025-01-01\","
                        "\"attended\":null}",
                        CORE_E_INVALID_VALUE);
    json_t *act = create(f, "activities", w.episode,
                         "{\"activity_type\":\"group_session\",\"name\":\"n\",\"attended_on\":\"2025-01-01\"}");
    assert_true(json_is_true(json_object_get(act, "attended")));
    expect_update_fails(f, "activities", jint(act, "id"), "{\"attended\":null}", CORE_E_INVALID_VALUE);
    int64_t plan = create_id(f, "plans", w.episode, "{\"agreed_on\":\"2025-02-01\"}");
    json_t *action = create(f, "actions", plan, "{\"description\":\"Walk to school\"}");
    assert_string_equal(jstr(action, "status"), "open");
    expect_update_fails(f, "actions", jint(action, "id"), "{\"status\":null}", CORE_E_INVALID_VALUE);

    /* a Team Around the Family member is a user or a named person */
    expect_create_fails(f, "taf-members", w.episode, "{\"from_date\":\"2025-01-06\",\"taf_role\":\"x\"}",
                        CORE_E_MISSING_FIELD);
    expect_create_fails(f, "taf-members", w.episode, "{\"from_date\":\"2025-01-06\",\"user_id\":null}",
                        CORE_E_MISSING_FIELD);
    int64_t taf = create_id(f, "taf-members", w.episode, "{\"from_date\":\"2025-01-06\",\"name\":\"School nurse\"}");
    expect_update_fails(f, "taf-members", taf, "{\"name\":null}", CORE_E_MISSING_FIELD);

    /* a child under a parent that does not exist */
    expect_create_fails(f, "addresses", person + 1000,
                        "{\"address_type\":\"home\",\"line1\":\"1 High Street\"}", CORE_E_NOT_FOUND);
    expect_create_fails(f, "addresses", 0, "{\"address_type\":\"home\",\"line1\":\"1 High Street\"}",
                        CORE_E_NOT_FOUND);
    expect_create_fails(f, "notes", -1, "{\"note_type\":\"visit\",\"occurred_at\":\"2025-02-03T10:15Z\",\"body\":\"b\"}",
                        CORE_E_NOT_FOUND);
    /* cross-field rules */
    snprintf(body, sizeof body, "{\"start_date\":\"2025-01-06\",\"owning_team_id\":%lld,\"end_date\":\"2025-03-01\"}",
             (long long)w.team);
    expect_create_fails(f, "episodes", w.family, body, CORE_E_MISSING_FIELD);
    expect_create_fails(f, "people", 0,
                        "{\"sex\":\"U\",\"date_of_birth\":\"2020-01-01\",\"expected_date\":\"2026-01-01\"}",
                        CORE_E_INVALID_VALUE);
}

/* ---- update ---- */

static void test_update_history(void **state)
{
    fixture *f = *state;
    const model_resource *families = model_resource_find("families");
    int64_t fam = create_id(f, "families", 0, "{\"name\":\"Jones household\",\"source\":\"front door\"}");

    json_t *out = NULL;
    assert_ok(model_update(&f->ctx, families, fam, J(f, "{\"name\":\"Jones-Evans household\",\"version\":1}"), &out,
                           &f->err),
              f->err);
    assert_string_equal(jstr(out, "name"), "Jones-Evans household");
    assert_string_equal(jstr(out, "source"), "front door"); /* untouched fields kept */
    assert_int_equal(jint(out, "version"), 2);
    store_value hp[] = {store_v_text("family"), store_v_int(fam)};
    assert_int_equal(sql_int(f, "SELECT count(*) FROM row_history WHERE table_name = $1 AND row_id = $2", hp, 2), 1);
    assert_int_equal(sql_int(f, "SELECT version FROM row_history WHERE table_name = $1 AND row_id = $2", hp, 2), 1);
    json_t *prev = J(f, sql_text(f, "SELECT previous FROM row_history WHERE table_name = $1 AND row_id = $2", hp, 2));
    assert_string_equal(jstr(prev, "name"), "Jones household");
    assert_int_equal(jint(prev, "version"), 1);
    assert_int_equal(jint(prev, "id"), fam);

    /* without a version: applied to whatever is current */
    assert_ok(model_update(&f->ctx, families, fam, J(f, "{\"source\":null}"), &out, &f->err), f->err);
    assert_int_equal(jint(out, "version"), 3);
    assert_true(json_is_null(json_object_get(out, "source")));
    assert_int_equal(sql_int(f, "SELECT count(*) FROM row_history WHERE table_name = $1 AND row_id = $2", hp, 2), 2);
    prev = J(f, sql_text(f,
                         "SELECT previous FROM row_history WHERE table_name = $1 AND row_id = $2 AND version = 2", hp,
                         2));
    assert_string_equal(jstr(prev, "name"), "Jones-Evans household");
    assert_string_equal(jstr(prev, "source"), "front door");

    /* stale: nothing written */
    expect_update_fails(f, "families", fam, "{\"name\":\"Stale\",\"version\":1}", CORE_E_STALE);
    expect_update_fails(f, "families", fam, "{\"name\":\"Stale\",\"version\":4}", CORE_E_STALE);
    expect_update_fails(f, "families", fam, "{\"name\":\"Bad\",\"version\":0}", CORE_E_WRONG_TYPE);
    expect_update_fails(f, "families", fam, "{\"name\":\"Bad\",\"version\":\"3\"}", CORE_E_WRONG_TYPE);
    expect_update_fails(f, "families", fam, "{\"name\":null}", CORE_E_MISSING_FIELD);
    expect_update_fails(f, "families", fam, "{\"name\":\"\"}", CORE_E_MISSING_FIELD);
    expect_update_fails(f, "families", fam, "{\"nickname\":\"x\"}", CORE_E_UNKNOWN_FIELD);
    expect_update_fails(f, "families", fam, "{\"id\":99}", CORE_E_UNKNOWN_FIELD);
    expect_update_fails(f, "families", fam + 50, "{\"name\":\"x\"}", CORE_E_NOT_FOUND);
    expect_update_fails(f, "families", fam, "[]", CORE_E_WRONG_TYPE);
    assert_ok(model_get(&f->ctx, families, fam, &out, &f->err), f->err);
    assert_string_equal(jstr(out, "name"), "Jones-Evans household");
    assert_int_equal(jint(out, "version"), 3);
    assert_ok(model_update(&f->ctx, families, fam, J(f, "{\"name\":\"Evans household\",\"version\":3}"), &out,
                           &f->err),
              f->err);
    assert_int_equal(jint(out, "version"), 4);

    /* CREATE_ONLY fields cannot change; the others can */
    int64_t a = create_id(f, "people", 0, "{\"given_name\":\"Ann\",\"sex\":\"F\"}");
    int64_t b = create_id(f, "people", 0, "{\"given_name\":\"Bea\",\"sex\":\"F\"}");
    char body[200];
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"role\":\"child\"}", (long long)a);
    int64_t member = create_id(f, "members", fam, body);
    snprintf(body, sizeof body, "{\"person_id\":%lld}", (long long)b);
    expect_update_fails(f, "members", member, body, CORE_E_INVALID_VALUE);
    snprintf(body, sizeof body, "{\"person_id\":%lld}", (long long)a); /* even to the same value */
    expect_update_fails(f, "members", member, body, CORE_E_INVALID_VALUE);
    assert_ok(model_update(&f->ctx, model_resource_find("members"), member,
                           J(f, "{\"role\":\"sibling\",\"in_household\":false}"), &out, &f->err),
              f->err);
    assert_string_equal(jstr(out, "role"), "sibling");
    assert_true(json_is_false(json_object_get(out, "in_household")));
    assert_int_equal(jint(out, "person_id"), a);
    assert_int_equal(jint(out, "family_id"), fam);
}

static void test_update_person_keys(void **state)
{
    fixture *f = *state;
    const model_resource *people = model_resource_find("people");
    int64_t id = create_id(f, "people", 0, "{\"given_name\":\"Jon\",\"family_name\":\"Smyth\",\"sex\":\"M\"}");
    json_t *out = NULL;
    assert_ok(model_update(&f->ctx, people, id, J(f, "{\"family_name\":\"Sm\xc3\xaeth\",\"nhs_number\":\"943-476-5919\"}"),
                           &out, &f->err),
              f->err);
    expect_no_hidden(people, out);
    assert_string_equal(jstr(out, "nhs_number"), "9434765919");
    store_value pid[] = {store_v_int(id)};
    assert_string_equal(sql_text(f, "SELECT family_key FROM person WHERE id = $1", pid, 1), "smith");
    assert_string_equal(sql_text(f, "SELECT given_key FROM person WHERE id = $1", pid, 1), "jon");
    /* history keeps the row as it stood, search keys included (it is the whole row) */
    json_t *prev = J(f, sql_text(f, "SELECT previous FROM row_history WHERE table_name = 'person' AND row_id = $1",
                                 pid, 1));
    assert_string_equal(jstr(prev, "family_name"), "Smyth");
    assert_string_equal(jstr(prev, "family_key"), "smyth");
    /* search follows the new name */
    model_person_query q = {.name = "smith"};
    json_t *items;
    int64_t next;
    assert_ok(model_person_search(&f->ctx, &q, &items, &next, &f->err), f->err);
    assert_int_equal(json_array_size(items), 1);
    q.name = "smyth";
    assert_ok(model_person_search(&f->ctx, &q, &items, &next, &f->err), f->err);
    assert_int_equal(json_array_size(items), 0);
    /* the cross-field rule sees the merged row */
    expect_update_fails(f, "people", id, "{\"given_name\":null,\"family_name\":null}", CORE_E_MISSING_FIELD);
    expect_update_fails(f, "people", id, "{\"restricted\":true}", CORE_E_UNKNOWN_FIELD);
    expect_update_fails(f, "people", id, "{\"family_key\":\"x\"}", CORE_E_UNKNOWN_FIELD);
}

static void test_update_failure_in_transaction(void **state)
{
    fixture *f = *state;
    /* A failure at write time, after the history row is written, is undone by the caller's transaction, as the
     * API runs every write. No body reaches such a failure any more (the model checks first), so a trigger
     * stands in for one. */
    world w = make_world(f);
    int64_t plan = create_id(f, "plans", w.episode, "{\"agreed_on\":\"2025-02-01\"}");
    assert_ok(store_exec_script(f->s,
                                f->tmp.pg ? "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                                            "BEGIN RAISE EXCEPTION 'refused by test trigger'\n"
                                            "  USING ERRCODE = 'check_violation'; END $$;\n"
                                            "CREATE TRIGGER test_refuse BEFORE UPDATE ON family\n"
                                            "  FOR EACH ROW EXECUTE FUNCTION test_refuse()"
                                          : "CREATE TRIGGER test_refuse BEFORE UPDATE ON family\n"
                                            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END",
                                &f->err),
              f->err);
    int64_t before[NTABLES];
    snapshot(f, before);
    assert_ok(store_begin(f->s, &f->err), f->err);
    json_t *out = NULL;
    int rc = model_update(&f->ctx, model_resource_find("families"), w.family, J(f, "{\"name\":\"Renamed\"}"), &out,
                          &f->err);
    assert_int_equal(rc, CORE_E_CONFLICT);
    assert_null(out);
    /* inside the transaction the history row had been written */
    store_value hp[] = {store_v_int(w.family)};
    assert_int_equal(sql_int(f, "SELECT count(*) FROM row_history WHERE table_name = 'family' AND row_id = $1", hp, 1),
                     1);
    core_arena_reset(&f->a);
    assert_int_equal(store_rollback(f->s), 0);
    expect_unchanged(f, before, "failed update");
    assert_ok(store_exec_script(f->s, f->tmp.pg ? "DROP TRIGGER test_refuse ON family" : "DROP TRIGGER test_refuse",
                                &f->err),
              f->err);

    /* and a successful create committed the way the API does it, with the arena's statements still open */
    assert_ok(store_begin(f->s, &f->err), f->err);
    json_t *goal = NULL;
    assert_ok(model_create(&f->ctx, model_resource_find("goals"), plan, J(f, "{\"description\":\"Goal\"}"), &goal,
                           &f->err),
              f->err);
    assert_ok(store_commit(f->s, &f->err), f->err);
    store_value p[] = {store_v_int(jint(goal, "id"))};
    assert_int_equal(sql_int(f, "SELECT count(*) FROM plan_goal WHERE id = $1", p, 1), 1);
}

/* ---- list ---- */

/* Walk every page of a list; return the ids seen (arena array) and their count. */
static int64_t *list_all(fixture *f, const model_resource *r, model_list_req req, size_t *count, size_t *pages)
{
    size_t cap = 64, n = 0;
    int64_t *ids = core_arena_alloc(&f->a, cap * sizeof *ids);
    *pages = 0;
    for (;;) {
        json_t *items = NULL;
        int64_t next = -1;
        assert_ok(model_list(&f->ctx, r, &req, &items, &next, &f->err), f->err);
        (*pages)++;
        assert_true(*pages < 1000);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            expect_no_hidden(r, it);
            if (n == cap) {
                int64_t *bigger = core_arena_alloc(&f->a, cap * 2 * sizeof *ids);
                memcpy(bigger, ids, cap * sizeof *ids);
                ids = bigger;
                cap *= 2;
            }
            ids[n++] = jint(it, "id");
        }
        assert_true((int)json_array_size(items) <= (req.limit ? req.limit : MODEL_LIST_DEFAULT));
        if (next == 0)
            break;
        assert_int_equal((int)json_array_size(items), req.limit); /* only a full page has a next */
        assert_int_equal(next, ids[n - 1]);
        req.after = next;
    }
    *count = n;
    return ids;
}

static void test_list_paging(void **state)
{
    fixture *f = *state;
    const model_resource *families = model_resource_find("families");
    enum { N = 23 };
    int64_t made[N];
    for (int i = 0; i < N; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"name\":\"Family %d\"}", i);
        made[i] = create_id(f, "families", 0, body);
    }
    for (int limit = 1; limit <= 25; limit++) {
        model_list_req req = {.limit = limit};
        size_t n = 0, pages = 0;
        int64_t *ids = list_all(f, families, req, &n, &pages);
        assert_int_equal(n, N);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ids[i], made[i]); /* each exactly once, in id order */
        assert_int_equal(pages, (N + limit - 1) / limit); /* no empty page at the end */
        core_arena_reset(&f->a);
    }
    /* default limit, a cursor past the end, bad limits */
    model_list_req req = {0};
    json_t *items;
    int64_t next = -1;
    assert_ok(model_list(&f->ctx, families, &req, &items, &next, &f->err), f->err);
    assert_int_equal(json_array_size(items), N);
    assert_int_equal(next, 0);
    req.after = made[N - 1];
    assert_ok(model_list(&f->ctx, families, &req, &items, &next, &f->err), f->err);
    assert_int_equal(json_array_size(items), 0);
    assert_int_equal(next, 0);
    req.after = made[10];
    req.limit = 5;
    assert_ok(model_list(&f->ctx, families, &req, &items, &next, &f->err), f->err);
    assert_int_equal(jint(json_array_get(items, 0), "id"), made[11]);
    assert_int_equal(next, made[15]);
    req.limit = -1;
    assert_int_equal(model_list(&f->ctx, families, &req, &items, &next, &f->err), CORE_E_BAD_PARAMETER);
    req.limit = MODEL_LIST_MAX + 1;
    assert_int_equal(model_list(&f->ctx, families, &req, &items, &next, &f->err), CORE_E_BAD_PARAMETER);
    req.limit = MODEL_LIST_MAX;
    assert_ok(model_list(&f->ctx, families, &req, &items, &next, &f->err), f->err);

    /* children: only the parent's rows; a missing parent is not found */
    const model_resource *addresses = model_resource_find("addresses");
    int64_t p1 = create_id(f, "people", 0, "{\"given_name\":\"One\",\"sex\":\"F\"}");
    int64_t p2 = create_id(f, "people", 0, "{\"given_name\":\"Two\",\"sex\":\"F\"}");
    for (int i = 0; i < 7; i++) {
        create(f, "addresses", i % 2 ? p1 : p2, "{\"address_type\":\"home\",\"line1\":\"x\"}");
    }
    model_list_req creq = {.parent_id = p1, .limit = 2};
    size_t n = 0, pages = 0;
    list_all(f, addresses, creq, &n, &pages);
    assert_int_equal(n, 3);
    assert_int_equal(pages, 2);
    creq.parent_id = p2;
    list_all(f, addresses, creq, &n, &pages);
    assert_int_equal(n, 4);
    creq.parent_id = p2 + 100;
    assert_int_equal(model_list(&f->ctx, addresses, &creq, &items, &next, &f->err), CORE_E_NOT_FOUND);
}

static size_t list_count(fixture *f, const char *res, const model_filter *filters, size_t nfilters, int *rc)
{
    model_list_req req = {.filters = filters, .nfilters = nfilters, .limit = MODEL_LIST_MAX};
    json_t *items = NULL;
    int64_t next = 0;
    core_error_clear(&f->err);
    *rc = model_list(&f->ctx, model_resource_find(res), &req, &items, &next, &f->err);
    return *rc ? 0 : json_array_size(items);
}

static void test_list_filters(void **state)
{
    fixture *f = *state;
    create(f, "people", 0,
           "{\"given_name\":\"Ann\",\"family_name\":\"Lee\",\"sex\":\"F\",\"date_of_birth\":\"2010-01-01\","
           "\"nhs_number\":\"9434765919\"}");
    create(f, "people", 0, "{\"given_name\":\"Bob\",\"family_name\":\"Lee\",\"sex\":\"M\",\"date_of_birth\":\"2012-02-02\"}");
    create(f, "people", 0, "{\"given_name\":\"Cat\",\"family_name\":\"Ray\",\"sex\":\"F\",\"date_of_birth\":\"2012-02-02\"}");
    int rc;
    assert_int_equal(list_count(f, "people", NULL, 0, &rc), 3);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"sex", "F"}}, 1, &rc), 2);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"family_name", "Lee"}}, 1, &rc), 2);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"family_name", "Lee"}, {"sex", "F"}}, 2, &rc), 1);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"date_of_birth", "2012-02-02"}}, 1, &rc), 2);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"sex", "U"}}, 1, &rc), 0);
    assert_int_equal(rc, 0);
    /* an identifier filter is canonicalised like the stored value */
    assert_int_equal(list_count(f, "people", (model_filter[]){{"nhs_number", "943 476 5919"}}, 1, &rc), 1);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"nhs_number", "943-476-5919"}}, 1, &rc), 1);
    /* refused: not a filter, hidden, unknown, badly typed */
    list_count(f, "people", (model_filter[]){{"middle_names", "x"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "people", (model_filter[]){{"family_key", "lee"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "people", (model_filter[]){{"restricted", "false"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "people", (model_filter[]){{"no_such_field", "x"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "people", (model_filter[]){{"date_of_birth", "2012-02-30"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "people", (model_filter[]){{"nhs_number", "123"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    /* integer and boolean filters */
    world w = make_world(f);
    char tf[32];
    snprintf(tf, sizeof tf, "%lld", (long long)w.agency);
    assert_int_equal(list_count(f, "teams", (model_filter[]){{"agency_id", tf}}, 1, &rc), 1);
    assert_int_equal(list_count(f, "teams", (model_filter[]){{"agency_id", "999"}}, 1, &rc), 0);
    list_count(f, "teams", (model_filter[]){{"agency_id", "one"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    list_count(f, "teams", (model_filter[]){{"agency_id", "1 OR 1=1"}}, 1, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    /* a text filter value is bound, never spliced into SQL */
    assert_int_equal(list_count(f, "people", (model_filter[]){{"family_name", "Lee' OR '1'='1"}}, 1, &rc), 0);
    assert_int_equal(rc, 0);
}

/* ---- restricted people ---- */

static size_t search_count(fixture *f, model_person_query q, int *rc)
{
    json_t *items = NULL;
    int64_t next = 0;
    core_error_clear(&f->err);
    *rc = model_person_search(&f->ctx, &q, &items, &next, &f->err);
    if (*rc)
        return 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        expect_no_hidden(model_resource_find("people"), it);
    return json_array_size(items);
}

static void test_restricted(void **state)
{
    fixture *f = *state;
    int64_t open = create_id(f, "people", 0,
                             "{\"given_name\":\"Se\xc3\xa1n\",\"family_name\":\"Kelly\",\"sex\":\"M\","
                             "\"date_of_birth\":\"2014-05-06\",\"nhs_number\":\"9876543210\"}");
    int64_t hidden = create_id(f, "people", 0,
                               "{\"given_name\":\"Se\xc3\xa1n\",\"family_name\":\"\xc3\x93 Briain\",\"sex\":\"M\","
                               "\"date_of_birth\":\"2014-05-06\",\"nhs_number\":\"9434765919\",\"nino\":\"AB123456C\"}");
    int rc;
    assert_int_equal(search_count(f, (model_person_query){.name = "sean"}, &rc), 2);
    store_value p[] = {store_v_int(hidden)};
    assert_ok(store_exec(f->s, &f->a, "UPDATE person SET restricted = 1 WHERE id = $1", p, 1, NULL, &f->err), f->err);

    model_list_req req = {.limit = 100};
    json_t *items;
    int64_t next;
    assert_ok(model_list(&f->ctx, model_resource_find("people"), &req, &items, &next, &f->err), f->err);
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(jint(json_array_get(items, 0), "id"), open);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"nhs_number", "9434765919"}}, 1, &rc), 0);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"family_name", "\xc3\x93 Briain"}}, 1, &rc), 0);
    assert_int_equal(list_count(f, "people", (model_filter[]){{"sex", "M"}}, 1, &rc), 1);

    assert_int_equal(search_count(f, (model_person_query){.name = "sean"}, &rc), 1);
    assert_int_equal(search_count(f, (model_person_query){.name = "o briain"}, &rc), 0);
    assert_int_equal(search_count(f, (model_person_query){.name = "sean o"}, &rc), 0);
    assert_int_equal(search_count(f, (model_person_query){.date_of_birth = "2014-05-06"}, &rc), 1);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "9434765919"}, &rc), 0);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "AB123456C"}, &rc), 0);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "9876543210"}, &rc), 1);
    assert_int_equal(rc, 0);
    json_t *got = NULL;
    assert_int_equal(model_get(&f->ctx, model_resource_find("people"), hidden, &got, &f->err), CORE_E_NOT_FOUND);
    assert_ok(model_get(&f->ctx, model_resource_find("people"), open, &got, &f->err), f->err);
    /* lifting the restriction brings them back */
    assert_ok(store_exec(f->s, &f->a, "UPDATE person SET restricted = 0 WHERE id = $1", p, 1, NULL, &f->err), f->err);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "AB123456C"}, &rc), 1);
}

/* ---- person search ---- */

static void test_person_search(void **state)
{
    fixture *f = *state;
    int64_t sean = create_id(f, "people", 0,
                             "{\"given_name\":\"Se\xc3\xa1n\",\"family_name\":\"\xc3\x93 Briain\",\"sex\":\"M\","
                             "\"date_of_birth\":\"2015-03-04\",\"nhs_number\":\"9434765919\"}");
    int64_t john = create_id(f, "people", 0,
                             "{\"given_name\":\"John\",\"family_name\":\"Smith\",\"sex\":\"M\","
                             "\"date_of_birth\":\"1980-01-01\",\"nino\":\"AB123456C\",\"upn\":\"X845212818005\"}");
    int64_t zoe = create_id(f, "people", 0,
                            "{\"given_name\":\"Zo\xc3\xab\",\"family_name\":\"O\xe2\x80\x99Neill\",\"sex\":\"F\","
                            "\"date_of_birth\":\"2015-03-04\"}");
    int64_t mary = create_id(f, "people", 0,
                             "{\"given_name\":\"Mary Ann\",\"family_name\":\"Smithson\",\"sex\":\"F\"}");
    int rc;
    struct {
        const char *name;
        int64_t want[4];
    } cases[] = {
        {"sean", {sean}},
        {"SE\xc3\x81N", {sean}},          /* upper case with an accent */
        {"Se", {sean}},
        {"o bri", {sean}},                /* a family name with a space, by its prefix */
        {"\xc3\x93 Briain", {sean}},
        {"sean o bri", {sean}},           /* given then family */
        {"o briain sean", {sean}},        /* family (two words) then given */
        {"briain", {0}},                  /* not a prefix of either name */
        {"john smith", {john}},
        {"smith john", {john}},           /* swapped order */
        {"jo sm", {john}},
        {"smith", {john, mary}},          /* prefix of Smithson too */
        {"smith, john", {john}},          /* punctuation is a separator */
        {"zoe", {zoe}},
        {"o'neill", {zoe}},               /* typed apostrophe matches the curly one stored */
        {"mary ann", {mary}},             /* a given name with a space */
        {"mary ann smithson", {mary}},
        {"smithson mary", {mary}},
        {"nobody", {0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *items = NULL;
        int64_t next = -1;
        model_person_query q = {.name = cases[i].name};
        rc = model_person_search(&f->ctx, &q, &items, &next, &f->err);
        if (rc)
            fail_msg("search \"%s\": %s %s", cases[i].name, core_error_name(rc), f->err.detail);
        size_t want_n = 0;
        while (want_n < 4 && cases[i].want[want_n])
            want_n++;
        if (json_array_size(items) != want_n)
            fail_msg("search \"%s\" found %zu people, want %zu", cases[i].name, json_array_size(items), want_n);
        for (size_t k = 0; k < want_n; k++)
            assert_int_equal(jint(json_array_get(items, k), "id"), cases[i].want[k]);
        assert_int_equal(next, 0);
    }
    /* date of birth, alone and with a name */
    assert_int_equal(search_count(f, (model_person_query){.date_of_birth = "2015-03-04"}, &rc), 2);
    assert_int_equal(search_count(f, (model_person_query){.name = "zoe", .date_of_birth = "2015-03-04"}, &rc), 1);
    assert_int_equal(search_count(f, (model_person_query){.name = "john", .date_of_birth = "2015-03-04"}, &rc), 0);
    assert_int_equal(search_count(f, (model_person_query){.date_of_birth = "1999-09-09"}, &rc), 0);
    search_count(f, (model_person_query){.date_of_birth = "2015-02-30"}, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    /* identifiers in loose formatting */
    const char *sean_ids[] = {"9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 "};
    for (size_t i = 0; i < 4; i++) {
        json_t *items;
        int64_t next;
        model_person_query q = {.identifier = sean_ids[i]};
        assert_ok(model_person_search(&f->ctx, &q, &items, &next, &f->err), f->err);
        assert_int_equal(json_array_size(items), 1);
        assert_int_equal(jint(json_array_get(items, 0), "id"), sean);
    }
    assert_int_equal(search_count(f, (model_person_query){.identifier = "ab 12 34 56 c"}, &rc), 1);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "x845212818005"}, &rc), 1);
    assert_int_equal(search_count(f, (model_person_query){.identifier = "9434765919", .date_of_birth = "1980-01-01"},
                                  &rc),
                     0);
    search_count(f, (model_person_query){.identifier = "9434765918"}, &rc);
    assert_int_equal(rc, CORE_E_INVALID_IDENTIFIER);
    /* "UN1".."UN5" (why a child has no UPN) are shared placeholders, not identifiers: never a search key */
    create(f, "people", 0, "{\"given_name\":\"Una\",\"sex\":\"F\",\"upn\":\"UN3\"}");
    create(f, "people", 0, "{\"given_name\":\"Ula\",\"sex\":\"F\",\"upn\":\"un3\"}");
    assert_int_equal(list_count(f, "people", (model_filter[]){{"upn", "UN3"}}, 1, &rc), 2); /* a filter may */
    search_count(f, (model_person_query){.identifier = "UN3"}, &rc);
    assert_int_equal(rc, CORE_E_INVALID_IDENTIFIER);
    /* nothing to search for */
    search_count(f, (model_person_query){0}, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    search_count(f, (model_person_query){.name = " ,.! "}, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);
    search_count(f, (model_person_query){.name = "x", .limit = MODEL_LIST_MAX + 1}, &rc);
    assert_int_equal(rc, CORE_E_BAD_PARAMETER);

    /* paging through a search */
    int64_t made[7];
    for (int i = 0; i < 7; i++) {
        char body[100];
        snprintf(body, sizeof body, "{\"given_name\":\"Pat\",\"family_name\":\"Page%d\",\"sex\":\"U\"}", i);
        made[i] = create_id(f, "people", 0, body);
    }
    model_person_query q = {.name = "pat", .limit = 3};
    int seen = 0, pages = 0;
    for (;;) {
        json_t *items;
        int64_t next;
        assert_ok(model_person_search(&f->ctx, &q, &items, &next, &f->err), f->err);
        pages++;
        for (size_t i = 0; i < json_array_size(items); i++)
            assert_int_equal(jint(json_array_get(items, i), "id"), made[seen++]);
        if (!next)
            break;
        q.after = next;
    }
    assert_int_equal(seen, 7);
    assert_int_equal(pages, 3);
}

/* ---- name keys ---- */

static void test_name_key(void **state)
{
    fixture *f = *state;
    struct {
        const char *in, *want;
    } cases[] = {
        {"Se\xc3\xa1n \xc3\x93 Briain", "sean o briain"},
        {"  SEAN   o'briain ", "sean o'briain"},
        {"O\xe2\x80\x99" "Brien", "o'brien"},         /* right single quotation mark */
        {"Anne-Marie", "anne-marie"},
        {"Zo\xc3\xab", "zoe"},
        {"Zoe\xcc\x88", "zoe"},                        /* decomposed diaeresis */
        {"Nguy\xe1\xbb\x85n", "nguyen"},
        {"Stra\xc3\x9f" "e", "strasse"},               /* case folding */
        {"\xc5\x81ukasz", "\xc5\x82ukasz"},            /* a stroke is not an accent: kept, lower-cased */
        {"\xef\xbc\xaa\xef\xbd\x8f\xef\xbd\x88\xef\xbd\x8e", "john"}, /* full-width: compatibility form */
        {"Smith, John", "smith john"},
        {"Mary\xc2\xa0" "Ann", "mary ann"},            /* no-break space */
        {"tab\tand\nnewline", "tab and newline"},
        {"Room 101", "room 101"},
        {"", ""},
        {" ,.! ", ""},
        {"---", "---"},
        {"\xff\xfe", ""},                              /* not UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *k = model_name_key(&f->a, cases[i].in);
        if (strcmp(k, cases[i].want) != 0)
            fail_msg("model_name_key(\"%s\") = \"%s\", want \"%s\"", cases[i].in, k, cases[i].want);
    }
    assert_string_equal(model_name_key(&f->a, NULL), "");
}

/* ---- users ---- */

static void test_user_add(void **state)
{
    fixture *f = *state;
    assert_true(sodium_init() >= 0);
    world w = make_world(f);
    int64_t id = 0;
    model_user_new u = {.username = "alice.smith-2", .role = "practitioner", .password = "correct horse battery",
                        .team_id = w.team, .agency_id = w.agency};
    assert_ok(model_user_add(f->s, &f->a, &u, &id, &f->err), f->err);
    assert_true(id > 0);
    store_value p[] = {store_v_int(id)};
    const char *hash = sql_text(f, "SELECT password_hash FROM app_user WHERE id = $1", p, 1);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_null(strstr(hash, "correct horse battery"));
    assert_int_equal(crypto_pwhash_str_verify(hash, "correct horse battery", strlen("correct horse battery")), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "correct horse batterY", strlen("correct horse batterY")), 0);
    assert_string_equal(sql_text(f, "SELECT display_name FROM app_user WHERE id = $1", p, 1), "alice.smith-2");
    assert_string_equal(sql_text(f, "SELECT role FROM app_user WHERE id = $1", p, 1), "practitioner");
    assert_int_equal(sql_int(f, "SELECT team_id FROM app_user WHERE id = $1", p, 1), w.team);

    int64_t users = sql_int(f, "SELECT count(*) FROM app_user", NULL, 0);
    struct {
        model_user_new u;
        int want;
    } bad[] = {
        {{.username = "alice.smith-2", .role = "admin", .password = "another long one"}, CORE_E_CONFLICT},
        {{.username = "bob", .role = "emperor", .password = "long enough pw"}, CORE_E_INVALID_CODE},
        {{.username = "bob", .role = NULL, .password = "long enough pw"}, CORE_E_INVALID_CODE},
        {{.username = "bob", .role = "Admin", .password = "long enough pw"}, CORE_E_INVALID_CODE},
        {{.username = "bob", .role = "admin", .password = "123456789"}, CORE_E_INVALID_VALUE},
        {{.username = "bob", .role = "admin", .password = ""}, CORE_E_INVALID_VALUE},
        {{.username = "bob", .role = "admin", .password = NULL}, CORE_E_INVALID_VALUE},
        {{.username = "Bob", .role = "admin", .password = "long enough pw"}, CORE_E_INVALID_VALUE},
        {{.username = "bo", .role = "admin", .password = "long enough pw"}, CORE_E_INVALID_VALUE},
        {{.username = "bob smith", .role = "admin", .password = "long enough pw"}, CORE_E_INVALID_VALUE},
        {{.username = NULL, .role = "admin", .password = "long enough pw"}, CORE_E_INVALID_VALUE},
        {{.username = "bob", .role = "admin", .password = "long enough pw", .team_id = 999}, CORE_E_CONFLICT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t got = -5;
        core_error_clear(&f->err);
        int rc = model_user_add(f->s, &f->a, &bad[i].u, &got, &f->err);
        if (rc != bad[i].want)
            fail_msg("case %zu (%s): %s, want %s", i, bad[i].u.username ? bad[i].u.username : "(null)",
                     core_error_name(rc), core_error_name(bad[i].want));
        assert_int_equal(got, -5);
        assert_null(strstr(f->err.detail, "long enough"));
        assert_null(strstr(f->err.message, "long enough"));
    }
    assert_int_equal(sql_int(f, "SELECT count(*) FROM app_user", NULL, 0), users);

    /* 64 characters is the longest username; exactly 10 characters the shortest password */
    char longest[65];
    memset(longest, 'a', 64);
    longest[64] = '\0';
    model_user_new edge = {.username = longest, .role = "admin", .password = "0123456789", .display_name = "Edge"};
    assert_ok(model_user_add(f->s, &f->a, &edge, &id, &f->err), f->err);
    store_value p2[] = {store_v_int(id)};
    assert_string_equal(sql_text(f, "SELECT display_name FROM app_user WHERE id = $1", p2, 1), "Edge");
    char too_long[66];
    memset(too_long, 'b', 65);
    too_long[65] = '\0';
    edge.username = too_long;
    assert_int_equal(model_user_add(f->s, &f->a, &edge, &id, &f->err), CORE_E_INVALID_VALUE);

    /* every role code is accepted by the check */
    const char *roles[] = {"front_door", "practitioner", "team_manager", "partner", "governance", "analyst", "admin"};
    for (size_t i = 0; i < 7; i++)
        assert_true(model_user_role_valid(roles[i]));
    assert_false(model_user_role_valid("root"));
    assert_false(model_user_role_valid(NULL));
    assert_false(model_user_role_valid(""));

    /* random passwords: the length asked for, from the alphabet, and different each time */
    char a[32], b[32], small[5];
    model_user_random_password(a, sizeof a);
    model_user_random_password(b, sizeof b);
    assert_int_equal(strlen(a), 20);
    assert_string_not_equal(a, b);
    for (const char *c = a; *c; c++)
        assert_non_null(strchr("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", *c));
    model_user_random_password(small, sizeof small);
    assert_int_equal(strlen(small), 4);
}

/* ---- the resource table against the schema ---- */

/* Columns every table has and the engine fills. */
static int engine_column(const char *col)
{
    static const char *const cols[] = {"id", "version", "created_at", "created_by", "updated_at", "updated_by"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (strcmp(col, cols[i]) == 0)
            return 1;
    return 0;
}

/* A table's columns (name, not null, default) and whether a table exists, in each back end's catalogue. */
static const char *const SQL_COLUMNS[2] = {
    "SELECT name, \"notnull\", dflt_value FROM pragma_table_info($1)",
    "SELECT column_name::text AS name, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END, column_default::text\n"
    "  FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"};
static const char *const SQL_COLUMN_COUNT[2] = {
    "SELECT count(*) FROM pragma_table_info($1) WHERE name = $2",
    "SELECT count(*) FROM information_schema.columns\n"
    " WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2"};
static const char *const SQL_TABLE_COUNT[2] = {
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"};

static void test_resources_match_schema(void **state)
{
    fixture *f = *state;
    const int pg = f->tmp.pg;
    for (size_t i = 0; model_resource_at(i); i++) {
        const model_resource *r = model_resource_at(i);
        assert_ptr_equal(model_resource_find(r->name), r);
        if (r->parent) {
            assert_non_null(model_resource_find(r->parent));
            assert_non_null(r->parent_key);
        }
        /* every column is a field, the parent key or an engine column; NOT NULL ones can never be null */
        store_value p[] = {store_v_text(r->table)};
        store_stmt *st;
        assert_ok(store_query(f->s, &f->a, SQL_COLUMNS[pg], p, 1, &st, &f->err), f->err);
        int ncols = 0;
        while (store_next(st, &f->err) == 1) {
            ncols++;
            const char *col = store_col_text(st, 0, NULL);
            int notnull = (int)store_col_int(st, 1);
            if (engine_column(col) || (r->parent_key && strcmp(col, r->parent_key) == 0))
                continue;
            const model_field *fl = model_field_find(r, col);
            if (!fl)
                fail_msg("column %s.%s has no field in resource %s", r->table, col, r->name);
            if (notnull && !(fl->flags & (MODEL_F_REQUIRED | MODEL_F_NOT_NULL | MODEL_F_INTERNAL)))
                fail_msg("column %s.%s is NOT NULL but field %s/%s may be null", r->table, col, r->name, col);
        }
        assert_true(ncols > 0); /* the table exists */
        core_arena_reset(&f->a);
        /* every field is a column; code lists and referenced tables exist */
        for (size_t k = 0; k < r->nfields; k++) {
            const model_field *fl = &r->fields[k];
            store_value q[] = {store_v_text(r->table), store_v_text(fl->name)};
            if (sql_int(f, SQL_COLUMN_COUNT[pg], q, 2) != 1)
                fail_msg("field %s/%s has no column", r->name, fl->name);
            if (fl->type == MODEL_T_CODE) {
                store_value l[] = {store_v_text(fl->ref)};
                if (sql_int(f, "SELECT count(*) FROM ref_code WHERE list = $1 AND active = 1", l, 1) < 1)
                    fail_msg("field %s/%s names code list %s, which has no codes", r->name, fl->name, fl->ref);
            }
            if (fl->type == MODEL_T_REF) {
                store_value t[] = {store_v_text(fl->ref)};
                if (sql_int(f, SQL_TABLE_COUNT[pg], t, 1) != 1)
                    fail_msg("field %s/%s refers to table %s, which does not exist", r->name, fl->name, fl->ref);
            }
            if ((fl->flags & MODEL_F_REQUIRED) && (fl->flags & (MODEL_F_HIDDEN | MODEL_F_INTERNAL)))
                fail_msg("field %s/%s is required but cannot be given", r->name, fl->name);
            assert_ptr_equal(model_field_find(r, fl->name), fl); /* names are unique */
        }
        core_arena_reset(&f->a);
    }
}

/* model_user_named: only the users asked for, across more than one batch of bound ids; an id with no user is
 * left out. */
static void test_user_named(void **state)
{
    fixture *f = *state;
    enum { N = MODEL_USER_NAMED_BATCH + 5 };
    int64_t ids[N + 1];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "named.%02d", i);
        store_value p[] = {store_v_text(name)};
        assert_ok(store_query_int(f->s, &f->a,
                                  "INSERT INTO app_user (username, display_name, role, password_hash, created_at,"
                                  " updated_at) VALUES ($1, $1, 'practitioner', 'x', '2026-01-01T00:00:00Z',"
                                  " '2026-01-01T00:00:00Z') RETURNING id",
                                  p, 1, &ids[i], &f->err),
                  f->err);
    }
    ids[N] = ids[N - 1] + 1000; /* nobody */
    /* every other one, and the missing id, across two batches */
    int64_t ask[N + 1];
    size_t n = 0;
    for (int i = 0; i < N; i += 2)
        ask[n++] = ids[i];
    ask[n++] = ids[N];
    for (int i = 1; i < N; i += 2)
        ask[n++] = ids[i];
    assert_true(n > MODEL_USER_NAMED_BATCH);
    model_user_info *u;
    size_t found;
    assert_ok(model_user_named(f->s, &f->a, ask, n, &u, &found, &f->err), f->err);
    assert_int_equal(found, N);
    int seen[N] = {0};
    for (size_t k = 0; k < found; k++) {
        int i = 0;
        while (i < N && ids[i] != u[k].id)
            i++;
        assert_true(i < N);
        assert_false(seen[i]);
        seen[i] = 1;
        char name[32];
        snprintf(name, sizeof name, "named.%02d", i);
        assert_string_equal(u[k].display_name, name);
    }
    /* only one asked for: only that one */
    assert_ok(model_user_named(f->s, &f->a, &ids[3], 1, &u, &found, &f->err), f->err);
    assert_int_equal(found, 1);
    assert_int_equal(u[0].id, ids[3]);
    assert_ok(model_user_named(f->s, &f->a, NULL, 0, &u, &found, &f->err), f->err);
    assert_int_equal(found, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_person_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_person_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_failure_in_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restricted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resources_match_schema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
