/*
 * test_http_route.c — unit tests for http_route_match (http/http_server.c), the path matcher behind the one
 * route table, and for the tables themselves (api/api_routes.c, and the pages' web/web_routes.c).
 *
 * Decisions these tests pin down (documented in http.h):
 *   - {id} is a positive integer in canonical decimal: 1..INT64_MAX, digits only, no sign and no leading
 *     zero. "0", "-1", "+1", "01", "1e3", "0x1", " 1" and anything past INT64_MAX are refused, so one row
 *     has exactly one URL ("01" would otherwise name record 1 a second way past caches and audit).
 *   - {name} is 1..64 of [a-z0-9_-]; upper case, dots, spaces and percent escapes are refused.
 *   - Segments compare exactly: a trailing slash, a doubled slash (an empty segment), a missing leading slash,
 *     an extra or a missing segment is no match. Nothing is percent-decoded.
 *   - At most HTTP_MAX_PATH_PARAMS ids and names: a pattern with more never matches and never writes past the
 *     caller's arrays.
 * The table test builds a concrete path for every route, checks it matches its own pattern, and checks that
 * no other route with the same method matches it too (no route is shadowed or ambiguous).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "core/core_arena.h"
#include "core/core_buf.h"
#include "http/http.h"
#include "model/model.h"
#include "web/web.h"

typedef struct match {
    int ok;
    int64_t ids[HTTP_MAX_PATH_PARAMS + 1]; /* one guard slot past the limit */
    const char *names[HTTP_MAX_PATH_PARAMS + 1];
    int nids, nnames;
} match;

static core_arena arena;

static match run(const char *pattern, const char *path)
{
    match m;
    memset(&m, 0, sizeof m);
    m.ids[HTTP_MAX_PATH_PARAMS] = -77;
    m.names[HTTP_MAX_PATH_PARAMS] = "guard";
    m.nids = m.nnames = 99; /* must be reset by the matcher */
    m.ok = http_route_match(pattern, path, m.ids, &m.nids, m.names, &m.nnames, &arena);
    assert_int_equal(m.ids[HTTP_MAX_PATH_PARAMS], -77);
    assert_string_equal(m.names[HTTP_MAX_PATH_PARAMS], "guard");
    assert_true(m.nids >= 0 && m.nids <= HTTP_MAX_PATH_PARAMS);
    assert_true(m.nnames >= 0 && m.nnames <= HTTP_MAX_PATH_PARAMS);
    return m;
}

#define expect_match(pattern, path)                                                                           \
    do {                                                                                                      \
        if (!run((pattern), (path)).ok)                                                                       \
            fail_msg("\"%s\" should match \"%s\"", (path), (pattern));                                        \
    } while (0)
#define expect_no_match(pattern, path)                                                                        \
    do {                                                                                                      \
        if (run((pattern), (path)).ok)                                                                        \
            fail_msg("\"%s\" should not match \"%s\"", (path), (pattern));                                    \
    } while (0)

static void test_literal(void **state)
{
    (void)state;
    const char *p = "/api/v1/healthz";
    match m = run(p, "/api/v1/healthz");
    assert_true(m.ok);
    assert_int_equal(m.nids, 0);
    assert_int_equal(m.nnames, 0);
    expect_no_match(p, "/api/v1/healthz/");  /* trailing slash */
    expect_no_match(p, "/api/v1/healthzz");  /* longer segment */
    expect_no_match(p, "/api/v1/health");    /* shorter segment */
    expect_no_match(p, "/api/v1/Healthz");   /* case matters */
    expect_no_match(p, "/api//v1/healthz");  /* doubled slash: an empty segment */
    expect_no_match(p, "//api/v1/healthz");
    expect_no_match(p, "/api/v1//healthz");
    expect_no_match(p, "api/v1/healthz");    /* no leading slash */
    expect_no_match(p, "/api/v1");           /* missing segment */
    expect_no_match(p, "/api/v1/");
    expect_no_match(p, "/api/v1/healthz/x"); /* extra segment */
    expect_no_match(p, "/api/v2/healthz");
    expect_no_match(p, "/api/v1/health%7a"); /* no percent-decoding */
    expect_no_match(p, "");
    expect_no_match(p, "/");
    /* the root */
    expect_match("/", "/");
    expect_no_match("/", "");
    expect_no_match("/", "//");
    expect_no_match("/", "/x");
    expect_no_match("/x", "/");
    /* a segment that merely looks like a placeholder is literal */
    expect_match("/a/{idx}", "/a/{idx}");
    expect_no_match("/a/{idx}", "/a/1");
}

static void test_id(void **state)
{
    (void)state;
    const char *p = "/api/v1/people/{id}";
    match m = run(p, "/api/v1/people/1");
    assert_true(m.ok);
    assert_int_equal(m.nids, 1);
    assert_int_equal(m.ids[0], 1);
    m = run(p, "/api/v1/people/1234567");
    assert_true(m.ok);
    assert_int_equal(m.ids[0], 1234567);
    m = run(p, "/api/v1/people/9223372036854775807");
    assert_true(m.ok);
    assert_int_equal(m.ids[0], INT64_MAX);
    m = run(p, "/api/v1/people/10");
    assert_true(m.ok);
    assert_int_equal(m.ids[0], 10);

    expect_no_match(p, "/api/v1/people/0");
    expect_no_match(p, "/api/v1/people/-1");
    expect_no_match(p, "/api/v1/people/-0");
    expect_no_match(p, "/api/v1/people/+1");
    expect_no_match(p, "/api/v1/people/01");  /* leading zero: not canonical */
    expect_no_match(p, "/api/v1/people/007");
    expect_no_match(p, "/api/v1/people/00");
    expect_no_match(p, "/api/v1/people/1e3");
    expect_no_match(p, "/api/v1/people/1.0");
    expect_no_match(p, "/api/v1/people/0x1f");
    expect_no_match(p, "/api/v1/people/ 1");
    expect_no_match(p, "/api/v1/people/1 ");
    expect_no_match(p, "/api/v1/people/%31");
    expect_no_match(p, "/api/v1/people/one");
    expect_no_match(p, "/api/v1/people/9223372036854775808");  /* INT64_MAX + 1 */
    expect_no_match(p, "/api/v1/people/18446744073709551617"); /* wraps uint64 */
    expect_no_match(p, "/api/v1/people/99999999999999999999999999999");
    expect_no_match(p, "/api/v1/people/");    /* empty id */
    expect_no_match(p, "/api/v1/people//1");
    expect_no_match(p, "/api/v1/people/1/");  /* trailing slash */
    expect_no_match(p, "/api/v1/people/1/x"); /* extra segment */
    expect_no_match(p, "/api/v1/people");     /* missing segment */

    /* several ids, in order */
    const char *q = "/api/v1/families/{id}/episodes/{id}";
    m = run(q, "/api/v1/families/42/episodes/7");
    assert_true(m.ok);
    assert_int_equal(m.nids, 2);
    assert_int_equal(m.ids[0], 42);
    assert_int_equal(m.ids[1], 7);
    expect_no_match(q, "/api/v1/families/42/episodes");
    expect_no_match(q, "/api/v1/families/42/episodes/");
    expect_no_match(q, "/api/v1/families/42/episode/7");
    expect_no_match(q, "/api/v1/families//episodes/7");
    expect_no_match(q, "/api/v1/families/42/episodes/7/notes");
}

static void test_name(void **state)
{
    (void)state;
    const char *p = "/api/v1/reference/{name}";
    match m = run(p, "/api/v1/reference/contact_source");
    assert_true(m.ok);
    assert_int_equal(m.nnames, 1);
    assert_int_equal(m.nids, 0);
    assert_string_equal(m.names[0], "contact_source");
    m = run(p, "/api/v1/reference/yes-no-2");
    assert_true(m.ok);
    assert_string_equal(m.names[0], "yes-no-2");
    m = run(p, "/api/v1/reference/0");
    assert_true(m.ok);
    assert_string_equal(m.names[0], "0");
    /* the name is a NUL-terminated copy, not a pointer into the path */
    char path[] = "/api/v1/reference/sex/";
    path[strlen(path) - 1] = '\0';
    m = run(p, path);
    assert_true(m.ok);
    assert_ptr_not_equal(m.names[0], path + 18);
    path[18] = 'X';
    assert_string_equal(m.names[0], "sex");

    char longest[100] = "/api/v1/reference/";
    size_t base = strlen(longest);
    memset(longest + base, 'a', 64);
    longest[base + 64] = '\0';
    m = run(p, longest);
    assert_true(m.ok);
    assert_int_equal(strlen(m.names[0]), 64);
    longest[base + 64] = 'a'; /* 65 characters */
    longest[base + 65] = '\0';
    expect_no_match(p, longest);

    expect_no_match(p, "/api/v1/reference/");
    expect_no_match(p, "/api/v1/reference/Sex");
    expect_no_match(p, "/api/v1/reference/a.b");
    expect_no_match(p, "/api/v1/reference/..");
    expect_no_match(p, "/api/v1/reference/a b");
    expect_no_match(p, "/api/v1/reference/a%20b");
    expect_no_match(p, "/api/v1/reference/s\xc3\xa9x");
    expect_no_match(p, "/api/v1/reference/sex/");
    expect_no_match(p, "/api/v1/reference/sex/extra");
    expect_no_match(p, "/api/v1/reference");

    /* ids and names together */
    m = run("/x/{id}/{name}/{id}", "/x/5/abc/6");
    assert_true(m.ok);
    assert_int_equal(m.nids, 2);
    assert_int_equal(m.nnames, 1);
    assert_int_equal(m.ids[0], 5);
    assert_int_equal(m.ids[1], 6);
    assert_string_equal(m.names[0], "abc");
}

static void test_limits(void **state)
{
    (void)state;
    /* HTTP_MAX_PATH_PARAMS ids fit; one more never matches (and never writes past the arrays) */
    match m = run("/{id}/{id}/{id}/{id}", "/1/2/3/4");
    assert_true(m.ok);
    assert_int_equal(m.nids, 4);
    assert_int_equal(m.ids[3], 4);
    expect_no_match("/{id}/{id}/{id}/{id}/{id}", "/1/2/3/4/5");
    m = run("/{name}/{name}/{name}/{name}", "/a/b/c/d");
    assert_true(m.ok);
    assert_int_equal(m.nnames, 4);
    assert_string_equal(m.names[3], "d");
    expect_no_match("/{name}/{name}/{name}/{name}/{name}", "/a/b/c/d/e");
    /* a mismatch after an id has been read is still no match */
    m = run("/a/{id}/b", "/a/3/c");
    assert_false(m.ok);
    /* very long paths are fine */
    core_buf b;
    core_buf_init(&b, 100000);
    for (int i = 0; i < 5000; i++)
        core_buf_adds(&b, "/seg");
    expect_no_match("/seg", b.data);
    expect_match(b.data, b.data);
    core_buf_release(&b);
}

/* Build a concrete path for a pattern: {id} -> 12, {name} -> sex. */
static char *concrete(const char *pattern)
{
    core_buf b;
    core_buf_init_arena(&b, &arena, 1000);
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{id}", 4) == 0) {
            core_buf_adds(&b, "12");
            p += 4;
        } else if (strncmp(p, "{name}", 6) == 0) {
            core_buf_adds(&b, "sex");
            p += 6;
        } else {
            core_buf_addch(&b, *p++);
        }
    }
    assert_true(core_buf_ok(&b));
    return b.data;
}

static void test_route_table(void **state)
{
    (void)state;
    assert_true(api_routes_count > 10);
    for (size_t i = 0; i < api_routes_count; i++) {
        const http_route *r = &api_routes[i];
        assert_non_null(r->method);
        assert_non_null(r->pattern);
        assert_non_null(r->handler);
        assert_non_null(r->permission);
        assert_int_equal(r->pattern[0], '/');
        const char *path = concrete(r->pattern);
        if (!run(r->pattern, path).ok)
            fail_msg("route %s %s does not match its own example %s", r->method, r->pattern, path);
        /* the first route in table order that matches must be this one (nothing shadows it) */
        for (size_t j = 0; j < api_routes_count; j++) {
            if (j == i || strcmp(api_routes[j].method, r->method) != 0)
                continue;
            if (run(api_routes[j].pattern, path).ok)
                fail_msg("%s %s matches both %s and %s", r->method, path, r->pattern, api_routes[j].pattern);
        }
        /* resource routes name a resource that exists */
        if (r->data && !model_resource_find((const char *)r->data))
            fail_msg("route %s %s serves unknown resource %s", r->method, r->pattern, (const char *)r->data);
        /* bodies only where a body is expected (GET reads, DELETE ends something) */
        if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "DELETE") == 0)
            assert_int_equal(r->body_max, 0);
        else
            assert_true(r->body_max > 0);
    }
    /* "search" is not an id: the search route and the item route do not collide */
    match m = run("/api/v1/people/{id}", "/api/v1/people/search");
    assert_false(m.ok);
}

/* The page routes (web/web_routes.c), served in one array with the API's (pages first): every page is a
 * page route, none matches an API path, no API route matches a page's path, and only the assets' route is a
 * prefix (of paths no page or API route has). */
static void test_web_route_table(void **state)
{
    (void)state;
    assert_true(web_routes_count >= 5);
    for (size_t i = 0; i < web_routes_count; i++) {
        const http_route *r = &web_routes[i];
        assert_non_null(r->handler);
        assert_non_null(r->permission);
        if (r->flags & HTTP_ROUTE_PREFIX) {
            assert_int_equal(r->pattern[strlen(r->pattern) - 1], '/');
            for (size_t j = 0; j < api_routes_count; j++)
                assert_int_not_equal(strncmp(api_routes[j].pattern, r->pattern, strlen(r->pattern)), 0);
            continue;
        }
        assert_true(r->flags & HTTP_ROUTE_PAGE);
        assert_int_not_equal(strncmp(r->pattern, "/api/", 5), 0);
        const char *path = concrete(r->pattern);
        assert_true(run(r->pattern, path).ok);
        for (size_t j = 0; j < api_routes_count; j++)
            if (run(api_routes[j].pattern, path).ok)
                fail_msg("page %s is also the API's %s", path, api_routes[j].pattern);
        for (size_t j = 0; j < web_routes_count; j++)
            if (j != i && !strcmp(web_routes[j].method, r->method) && !(web_routes[j].flags & HTTP_ROUTE_PREFIX) &&
                run(web_routes[j].pattern, path).ok)
                fail_msg("%s %s matches two page routes", r->method, path);
        if (strcmp(r->method, "GET") == 0)
            assert_int_equal(r->body_max, 0);
        else
            assert_true(r->body_max > 0);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    core_arena_release(&arena);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_web_route_table),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_route_table),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
