/*
 * test_http_stream.c — unit tests for http_reply_stream (http/http_stream.c), a reply read as it is sent:
 *   sent      the reply carries its status and file name, and becomes libmicrohttpd's response (which owns it
 *             from then on: destroying it releases the callback's context once); the bytes read through it
 *             are checked end to end by tests/api/job_files.py's downloads;
 *   replaced  a reply made after the stream (an error) is what is sent: no stream response, and the stream is
 *             released once when the request ends (http_stream_drop), never twice;
 *   again     a second stream reply releases the first at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "http/http.h"

typedef struct source {
    const char *bytes;
    int released;
} source;

static ssize_t read_at(void *ctx, uint64_t pos, char *buf, size_t max)
{
    source *s = ctx;
    size_t len = strlen(s->bytes);
    if (pos >= len)
        return -1;
    size_t n = len - (size_t)pos < max ? len - (size_t)pos : max;
    memcpy(buf, s->bytes + pos, n);
    return (ssize_t)n;
}

static void release(void *ctx)
{
    ((source *)ctx)->released++;
}

static void fresh(http_req *req)
{
    memset(req, 0, sizeof(*req));
}

static void sent(void **state)
{
    (void)state;
    http_req req;
    fresh(&req);
    source src = {"hello, world", 0};
    assert_int_equal(http_reply_stream(&req, 200, "text/plain", "hello.txt", 12, read_at, release, &src), 0);
    assert_true(req.replied);
    assert_int_equal(req.status, 200);
    assert_string_equal(req.disposition, "attachment; filename=\"hello.txt\"");
    struct MHD_Response *resp = http_stream_response(&req);
    assert_non_null(resp);
    assert_null(req.stream); /* libmicrohttpd's now */
    assert_int_equal(src.released, 0);
    MHD_destroy_response(resp);
    assert_int_equal(src.released, 1);
    http_stream_drop(&req); /* nothing left to drop */
    assert_int_equal(src.released, 1);
    core_arena_release(&req.arena);
}

static void replaced(void **state)
{
    (void)state;
    http_req req;
    fresh(&req);
    source src = {"hello", 0};
    http_reply_stream(&req, 200, "text/plain", NULL, 5, read_at, release, &src);
    http_reply_body(&req, 500, "text/plain", "failed", 6); /* e.g. the trail failed after the reply was made */
    assert_null(http_stream_response(&req));
    assert_int_equal(req.status, 500);
    assert_int_equal(src.released, 0);
    http_stream_drop(&req); /* on_completed */
    http_stream_drop(&req);
    assert_int_equal(src.released, 1);
    core_arena_release(&req.arena);
}

static void again(void **state)
{
    (void)state;
    http_req req;
    fresh(&req);
    source first = {"one", 0}, second = {"two", 0};
    http_reply_stream(&req, 200, "text/plain", NULL, 3, read_at, release, &first);
    http_reply_stream(&req, 200, "text/plain", NULL, 3, read_at, release, &second);
    assert_int_equal(first.released, 1);
    assert_int_equal(second.released, 0);
    http_stream_drop(&req);
    assert_int_equal(second.released, 1);
    core_arena_release(&req.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sent),
        cmocka_unit_test(replaced),
        cmocka_unit_test(again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
