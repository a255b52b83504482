/*
 * fuzz_pindex.c — libFuzzer driver for what the person index reads from outside (pindex/): indicator files
 * (`hearth identify indicators --load`), stored model parameters (link_model.params) and the indicator tests
 * on partners' attribute values.
 *
 * Per input, by its first byte:
 *   0  the rest as an indicators file, loaded into a scratch database. Asserted: on failure the indicators are
 *      exactly as before (fingerprinted); on success they are as many as the array held, and what
 *      pindex_indicators_list prints loads again to the same fingerprint.
 *   1  the rest as model parameters. Asserted: when accepted, every m and u is a probability and lambda too,
 *      and writing the model out and reading it back gives the same numbers.
 *   2  the rest split at the first two NUL bytes into op, limit and value for pindex_indicator_met. Asserted:
 *      the answer is 0 or 1; "present" is 1 exactly when the value holds something other than spaces; "ne" is
 *      the opposite of "eq" when a limit is given; "lt" and "ge" never both hold.
 * The database is a file in a scratch directory with synchronous=OFF. Seeds: tests/fuzz/seeds/fuzz_pindex/.
 */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test_tmpdb.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "link/link.h"
#include "pindex/pindex.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static test_tmpdb tmp;
static store *db;

_Noreturn static void die(const char *what, const core_error *err)
{
    fprintf(stderr, "fuzz_pindex: %s: %s %s\n", what, err ? err->message : "", err ? err->detail : "");
    abort();
}

static void cleanup(void)
{
    store_close(db);
    test_tmpdb_remove(&tmp);
}

static void init(void)
{
    core_error err;
    if (test_tmpdb_make(&tmp) || store_open(&db, tmp.path, &err) || store_migrate(db, &err) ||
        store_exec_script(db, "PRAGMA synchronous = OFF", &err))
        die("scratch database", NULL);
    atexit(cleanup);
}

static char *fingerprint(void)
{
    json_t *list;
    core_error err;
    if (pindex_indicators_list(db, &list, &err))
        die("listing indicators", &err);
    char *text = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(list);
    return text;
}

static void indicators(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    if (!j)
        return;
    char *before = fingerprint();
    core_error err;
    core_error_clear(&err);
    int rc = pindex_indicators_load(db, j, &err);
    char *after = fingerprint();
    if (rc) {
        assert(rc < 0 && err.code == rc);
        assert(strcmp(before, after) == 0);
    } else {
        json_t *list;
        if (pindex_indicators_list(db, &list, &err))
            die("listing indicators", &err);
        assert(json_array_size(list) == json_array_size(j));
        if (pindex_indicators_load(db, list, &err))
            die("loading what was listed", &err);
        json_decref(list);
        char *again = fingerprint();
        assert(strcmp(after, again) == 0);
        free(again);
    }
    free(before);
    free(after);
    json_decref(j);
}

static int probability(double x)
{
    return isfinite(x) && x > 0 && x < 1;
}

static void model(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    if (!j)
        return;
    link_model m, back;
    core_error err;
    if (pindex_model_from_json(j, &m, &err) == 0) {
        assert(probability(m.lambda));
        for (int c = 0; c < LINK_NCOMP; c++)
            for (int l = 1; l < link_level_count(c); l++)
                assert(probability(m.m[c][l]) && probability(m.u[c][l]));
        json_t *out = pindex_model_json(&m);
        char *text = json_dumps(out, JSON_COMPACT);
        json_decref(out);
        json_t *in = json_loads(text, 0, &je);
        assert(in && pindex_model_from_json(in, &back, &err) == 0);
        assert(back.lambda == m.lambda);
        for (int c = 0; c < LINK_NCOMP; c++)
            for (int l = 1; l < link_level_count(c); l++)
                assert(back.m[c][l] == m.m[c][l] && back.u[c][l] == m.u[c][l]);
        json_decref(in);
        free(text);
    }
    json_decref(j);
}

static void tests(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 3);
    memcpy(s, data, size);
    s[size] = s[size + 1] = s[size + 2] = '\0';
    const char *op = s, *limit = op + strlen(op) + 1, *value = limit + strlen(limit) + 1;
    if (limit > s + size)
        limit = s + size + 1;
    if (value > s + size + 1)
        value = s + size + 2;
    int r = pindex_indicator_met(op, limit, value);
    assert(r == 0 || r == 1);
    int blank = 1;
    for (const char *p = value; *p; p++)
        blank &= isspace((unsigned char)*p) != 0;
    assert(pindex_indicator_met("present", NULL, value) == !blank);
    assert(pindex_indicator_met("ne", limit, value) == !pindex_indicator_met("eq", limit, value));
    assert(!(pindex_indicator_met("lt", limit, value) && pindex_indicator_met("ge", limit, value)));
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        init();
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: indicators(data + 1, size - 1); break;
    case 1: model(data + 1, size - 1); break;
    default: tests(data + 1, size - 1); break;
    }
    return 0;
}
