/*
 * test_link_util.h — what the tests of link/ and import/ both need: a mapping made from JSON text (the test
 * fails with the parser's message if it is refused), and a collector of the rows a reader refuses. Header-only,
 * like test_tmpdb.h; include after <cmocka.h> and "link/link.h".
 */
#ifndef HEARTH_TEST_LINK_UTIL_H
#define HEARTH_TEST_LINK_UTIL_H

#include <stdio.h>
#include <string.h>

/* The first 64 refused rows (line and reason); n counts them all. */
typedef struct rejects {
    size_t n;
    uint64_t line[64];
    char reason[64][320];
} rejects;

static inline void on_reject(void *ctx, uint64_t line, const char *reason)
{
    rejects *r = ctx;
    if (r->n < 64) {
        r->line[r->n] = line;
        snprintf(r->reason[r->n], sizeof r->reason[r->n], "%s", reason);
    }
    r->n++;
}

static inline link_mapping map_of(const char *json)
{
    link_mapping m;
    core_error err;
    if (link_mapping_parse(json, strlen(json), &m, &err))
        fail_msg("mapping %s: %s", json, err.detail);
    return m;
}

#endif
