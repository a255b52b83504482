/*
 * test_http_form.c — unit tests for http_form (http/http_server.c): the application/x-www-form-urlencoded
 * body of a page's form. '+' is a space and %XX a byte; the first of a repeated field wins; a field whose
 * name or value holds %00 or a broken escape is dropped (NULL), never cut short; a field without '=' is
 * ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static http_req req;

static const char *field(const char *body, const char *name)
{
    core_arena_release(&req.arena);
    memset(&req, 0, sizeof(req));
    core_buf_init_arena(&req.body, &req.arena, 4096);
    core_buf_adds(&req.body, body);
    return http_form(&req, name);
}

static void decodes(void **state)
{
    (void)state;
    assert_string_equal(field("username=a+b%20c&password=p%26q%3D", "username"), "a b c");
    assert_string_equal(field("username=a+b%20c&password=p%26q%3D", "password"), "p&q=");
    assert_string_equal(field("code=%3Cscript%3E", "code"), "<script>");
    assert_string_equal(field("empty=&x=1", "empty"), "");
}

static void first_wins_and_absent_is_null(void **state)
{
    (void)state;
    assert_string_equal(field("a=1&a=2", "a"), "1");
    assert_null(field("a=1", "b"));
    assert_null(field("", "a"));
    assert_null(field("a", "a"));
}

static void broken_is_dropped(void **state)
{
    (void)state;
    assert_null(field("a=%00x", "a"));
    assert_null(field("a=%4", "a"));
    assert_null(field("a=%zz", "a"));
    assert_null(field("a%00=1", "a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes),
        cmocka_unit_test(first_wins_and_absent_is_null),
        cmocka_unit_test(broken_is_dropped),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    core_arena_release(&req.arena);
    return rc;
}
