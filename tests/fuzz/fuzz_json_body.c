/*
 * fuzz_json_body.c — libFuzzer driver for the model engine's handling of request bodies (model_create in
 * model/model_crud.c over every resource of model/model_resource.c), the path every POST of the API takes.
 *
 * Once per process: a temporary directory with one database, every migration applied, and one committed row
 * of every parent and directory kind (agency, team, user, person, family, contact, referral, episode,
 * assessment, plan, goal), so that references to id 1 and friends exist. The directory is removed at exit.
 *
 * Per input:
 *   byte 0    picks the resource: model_resource_at(byte 0 % number of resources);
 *   byte 1..  is the body, parsed with json_loadb(JSON_REJECT_DUPLICATES) as the API does. Byte 1 (the body's
 *             first byte) also picks the parent id of a child resource: an existing parent when it is even
 *             (so a body that starts with a space or a newline, both even, has a real parent), one that does
 *             not exist when it is odd ('{' is odd).
 * A body that parses is given to model_create inside a transaction that is always rolled back, with a fresh
 * arena released afterwards. Asserted:
 *   - on failure, the code returned is the code recorded, and it is a client error of the table (HTTP 4xx):
 *     never CORE_E_INTERNAL, CORE_E_STORE or any other 5xx — a body can be wrong, never break the server;
 *     and CORE_E_CONFLICT only from a UNIQUE rule: a CHECK, NOT NULL or FOREIGN KEY failure coming back from
 *     the database means validation missed something the model should refuse with a 422;
 *   - on success, the row returned is an object with a positive id, version 1, no hidden search key, and its
 *     parent key (for a child resource) is the parent asked for; then the same body is applied to that row
 *     with model_update (the PATCH path), which must succeed with version 2 or fail as above.
 * Seeds: tests/fuzz/seeds/fuzz_json_body/ (a valid body for every resource, with and without its parent);
 * dictionary: tests/fuzz/fuzz_json_body.dict. FUZZ_VERBOSE=1 prints each outcome. See tests/README.md.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "../unit/test_tmpdb.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "model/model.h"
#include "model/model_user.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static test_tmpdb fuzz_tmp;
static store *fuzz_db;
static size_t fuzz_nresources;
static int fuzz_verbose; /* FUZZ_VERBOSE set: print each input's resource and outcome (for checking seeds) */

/* The existing row of each parent resource, by resource name. */
static struct {
    const char *name;
    int64_t id;
} fuzz_parents[8];
static size_t fuzz_nparents;

_Noreturn static void fuzz_die(const char *what, const core_error *err)
{
    fprintf(stderr, "fuzz_json_body: %s: %s %s %s\n", what, err ? err->message : "", err ? err->detail : "",
            err ? err->hint : "");
    abort();
}

static int64_t seed_row(model_ctx *ctx, const char *res, int64_t parent, const char *body)
{
    core_error err;
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    json_t *out = NULL;
    if (!j)
        fuzz_die("bad seed json", NULL);
    if (model_create(ctx, model_resource_find(res), parent, j, &out, &err))
        fuzz_die(res, &err);
    json_decref(j);
    return json_integer_value(json_object_get(out, "id"));
}

/* Record row id as the existing parent for children of resource res. */
static void remember_parent(const char *res, int64_t id)
{
    if (fuzz_nparents == sizeof fuzz_parents / sizeof fuzz_parents[0])
        fuzz_die("too many parents", NULL);
    fuzz_parents[fuzz_nparents].name = res;
    fuzz_parents[fuzz_nparents].id = id;
    fuzz_nparents++;
}

static void fuzz_cleanup(void)
{
    store_close(fuzz_db);
    test_tmpdb_remove(&fuzz_tmp);
}

static void fuzz_init(void)
{
    core_error err;
    if (test_tmpdb_make(&fuzz_tmp))
        fuzz_die("no temporary directory", NULL);
    if (store_open(&fuzz_db, fuzz_tmp.path, &err) || store_migrate(fuzz_db, &err))
        fuzz_die("cannot make the database", &err);
    atexit(fuzz_cleanup);
    while (model_resource_at(fuzz_nresources))
        fuzz_nresources++;

    core_arena a = CORE_ARENA_INIT;
    model_ctx ctx;
    model_ctx_init(&ctx, fuzz_db, &a, 0);
    if (store_begin(fuzz_db, &err))
        fuzz_die("begin", &err);
    char body[256];
    int64_t agency = seed_row(&ctx, "agencies", 0, "{\"name\":\"Council\",\"agency_type\":\"local_authority\"}");
    snprintf(body, sizeof body, "{\"name\":\"Early Help\",\"agency_id\":%lld,\"kind\":\"early_help\"}",
             (long long)agency);
    int64_t team = seed_row(&ctx, "teams", 0, body);
    model_user_new u = {.username = "fuzz", .role = "practitioner", .password = "fuzz password 1",
                        .agency_id = agency, .team_id = team};
    int64_t user = 0;
    if (model_user_add(fuzz_db, &a, &u, &user, &err))
        fuzz_die("user", &err);
    remember_parent("people", seed_row(&ctx, "people", 0,
                                       "{\"given_name\":\"Ada\",\"family_name\":\"Lovelace\",\"sex\":\"F\","
                                       "\"date_of_birth\":\"2015-12-10\"}"));
    int64_t family = seed_row(&ctx, "families", 0, "{\"name\":\"Lovelace household\"}");
    remember_parent("families", family);
    remember_parent("contacts", seed_row(&ctx, "contacts", 0,
                                         "{\"received_on\":\"2025-01-02\",\"channel\":\"phone\","
                                         "\"contactor_type\":\"professional\",\"source_code\":\"2A\","
                                         "\"reason\":\"School concerned about attendance.\"}"));
    seed_row(&ctx, "referrals", family,
             "{\"referred_on\":\"2025-01-03\",\"referrer_type\":\"professional\",\"reasons\":\"Attendance.\"}");
    snprintf(body, sizeof body, "{\"start_date\":\"2025-01-06\",\"owning_team_id\":%lld,\"lead_user_id\":%lld}",
             (long long)team, (long long)user);
    int64_t episode = seed_row(&ctx, "episodes", family, body);
    remember_parent("episodes", episode);
    remember_parent("assessments", seed_row(&ctx, "assessments", episode,
                                            "{\"started_on\":\"2025-01-10\",\"organisation\":\"Early Help\"}"));
    int64_t plan = seed_row(&ctx, "plans", episode, "{\"agreed_on\":\"2025-01-20\"}");
    remember_parent("plans", plan);
    seed_row(&ctx, "goals", plan, "{\"description\":\"Better attendance\",\"headline\":\"EDU\"}");
    if (store_commit(fuzz_db, &err))
        fuzz_die("commit", &err);
    core_arena_release(&a);
}

static int64_t parent_id(const model_resource *r, int existing)
{
    if (!r->parent)
        return 0;
    for (size_t i = 0; i < fuzz_nparents; i++)
        if (strcmp(fuzz_parents[i].name, r->parent) == 0)
            return existing ? fuzz_parents[i].id : fuzz_parents[i].id + 1000000;
    fuzz_die("no seeded parent for a resource", NULL);
}

static void check_row(const model_resource *r, json_t *out, int64_t parent)
{
    assert(json_is_object(out));
    json_t *id = json_object_get(out, "id");
    assert(json_is_integer(id) && json_integer_value(id) > 0);
    assert(json_integer_value(json_object_get(out, "version")) == 1);
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].flags & MODEL_F_HIDDEN)
            assert(json_object_get(out, r->fields[i].name) == NULL);
    if (r->parent)
        assert(json_integer_value(json_object_get(out, r->parent_key)) == parent);
}

/* A refused body must be the client's fault: see the file comment. */
static void check_failure(const model_resource *r, const char *what, int rc, const core_error *err)
{
    int status = core_error_http_status(rc);
    /* A conflict is only right for a UNIQUE rule; a CHECK, NOT NULL or FOREIGN KEY failure from the database
     * means the model let through a body it should have refused with a 422 naming the field. */
    int unchecked = rc == CORE_E_CONFLICT && !strstr(err->detail, "UNIQUE constraint failed");
    if (rc != err->code || status < 400 || status > 499 || rc == CORE_E_INTERNAL || rc == CORE_E_STORE ||
        unchecked) {
        fprintf(stderr, "fuzz_json_body: %s %s gave %s (%d): %s / %s\n", what, r->name, core_error_name(rc), status,
                err->message, err->detail);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_init();
        fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
        ready = 1;
    }
    if (size < 2)
        return 0;
    const model_resource *r = model_resource_at(data[0] % fuzz_nresources);
    int64_t parent = parent_id(r, data[1] % 2 == 0);
    json_t *body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!body)
        return 0;

    core_arena a = CORE_ARENA_INIT;
    core_error err;
    core_error_clear(&err);
    model_ctx ctx;
    model_ctx_init(&ctx, fuzz_db, &a, 0);
    if (store_begin(fuzz_db, &err))
        fuzz_die("begin", &err);
    json_t *out = NULL;
    int rc = model_create(&ctx, r, parent, body, &out, &err);
    if (fuzz_verbose)
        fprintf(stderr, "fuzz_json_body: %s parent %lld: %s %s\n", r->name, (long long)parent, core_error_name(rc),
                err.detail);
    if (rc == 0) {
        check_row(r, out, parent);
        /* The same body again as a change to the row just made: the PATCH path, same rules. */
        int64_t id = json_integer_value(json_object_get(out, "id"));
        json_t *changed = NULL;
        core_error_clear(&err);
        int urc = model_update(&ctx, r, id, body, &changed, &err);
        if (fuzz_verbose)
            fprintf(stderr, "fuzz_json_body: %s update: %s %s\n", r->name, core_error_name(urc), err.detail);
        if (urc == 0) {
            assert(json_integer_value(json_object_get(changed, "id")) == id);
            assert(json_integer_value(json_object_get(changed, "version")) == 2);
        } else {
            check_failure(r, "update", urc, &err);
            assert(changed == NULL);
        }
    } else {
        check_failure(r, "create", rc, &err);
        assert(out == NULL);
    }
    core_arena_release(&a); /* statements are reset before the rollback */
    store_rollback(fuzz_db);
    json_decref(body);
    return 0;
}
