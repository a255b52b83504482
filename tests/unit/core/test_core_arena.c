/*
 * test_core_arena.c — unit tests for the small core modules every other layer stands on:
 *   core_arena  alignment, zero fill, large and zero-size allocations, strdup/printf, cleanups run exactly
 *               once and newest first at reset and release, reuse after reset and release, overflow aborts;
 *               a fallible arena returns NULL instead (alloc, calloc, strndup, block size), is marked failed
 *               until reset, keeps what it gave before and after, and core_arena_fail aborts only a normal
 *               arena;
 *   core_buf    appends, the hard maximum (exactly max fits, one more byte does not) and its sticky error,
 *               NUL termination after an error, reset, detach, arena-backed buffers, HTML and JSON escaping
 *               (JSON output is parsed back with jansson to prove it is a valid literal of the input);
 *   core_error  every row of the table (name, HTTP status, message), unknown codes, set/hint/message/clear,
 *               truncation of long details;
 *   core_parse  core_parse_int64 at INT64_MIN/INT64_MAX, one past each, uint64 overflow, signs, spaces,
 *               leading zeros, lengths that stop short of the string, caller ranges, *out untouched on error;
 *   core_log    lines written are one valid JSON object each, escaped, and levels below the threshold are
 *               dropped (stderr is captured into a temporary file).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_error.h"
#include "core/core_log.h"
#include "core/core_parse.h"

/* ---- core_arena ---- */

static void test_arena_alignment_and_zero_fill(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    for (size_t n = 0; n < 100; n++) {
        unsigned char *p = core_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xAB, n); /* dirty it: a later reset must still hand out zeroed memory */
    }
    assert_true(a.allocated >= 99 * 100 / 2);
    core_arena_reset(&a);
    assert_int_equal(a.allocated, 0);
    for (size_t n = 1; n < 100; n++) {
        unsigned char *p = core_arena_alloc(&a, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xCD, n);
    }
    core_arena_release(&a);
    assert_null(a.head);
}

static void test_arena_distinct_and_large(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    /* Many small allocations spanning several blocks never overlap. */
    enum { N = 5000 };
    uint32_t *ptrs[N];
    for (uint32_t i = 0; i < N; i++) {
        ptrs[i] = core_arena_alloc(&a, 40);
        ptrs[i][0] = i;
        ptrs[i][9] = ~i;
    }
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(ptrs[i][0], i);
        assert_int_equal(ptrs[i][9], ~i);
    }
    /* An allocation larger than the biggest block gets a block of its own. */
    size_t big = (size_t)3 * 1024 * 1024 + 5;
    unsigned char *p = core_arena_alloc(&a, big);
    assert_int_equal(p[0], 0);
    assert_int_equal(p[big - 1], 0);
    p[big - 1] = 1;
    uint32_t *after = core_arena_alloc(&a, 8);
    assert_int_equal(after[0], 0);
    core_arena_release(&a);
    /* Released arena is usable again. */
    char *s = core_arena_strdup(&a, "again");
    assert_string_equal(s, "again");
    core_arena_release(&a);
}

static void test_arena_strings(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    assert_null(core_arena_strdup(&a, NULL));
    assert_null(core_arena_strndup(&a, NULL, 3));
    const char *src = "hello world";
    char *d = core_arena_strdup(&a, src);
    assert_string_equal(d, src);
    assert_ptr_not_equal(d, src);
    char *n = core_arena_strndup(&a, src, 5);
    assert_string_equal(n, "hello");
    char *z = core_arena_strndup(&a, src, 0);
    assert_string_equal(z, "");
    char *f = core_arena_printf(&a, "%s-%d-%05.1f-%c", "x", -42, 3.25, 'z');
    assert_string_equal(f, "x--42-003.2-z");
    /* A formatted string longer than a whole block. */
    char *longf = core_arena_printf(&a, "%*s|", 20000, "end");
    assert_int_equal(strlen(longf), 20001);
    assert_memory_equal(longf + 19997, "end|", 4);
    int *c = core_arena_calloc(&a, 1000, sizeof(int));
    for (int i = 0; i < 1000; i++)
        assert_int_equal(c[i], 0);
    core_arena_release(&a);
}

struct cleanup_log {
    int order[8];
    int n;
};
static struct cleanup_log cleanup_log;

static void cleanup_record(void *p)
{
    int id = (int)(intptr_t)p;
    assert_true(cleanup_log.n < 8);
    cleanup_log.order[cleanup_log.n++] = id;
}

static void test_arena_cleanups(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    memset(&cleanup_log, 0, sizeof cleanup_log);
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)1);
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)2);
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)3);
    assert_int_equal(cleanup_log.n, 0);
    core_arena_reset(&a);
    assert_int_equal(cleanup_log.n, 3);
    assert_int_equal(cleanup_log.order[0], 3); /* newest first */
    assert_int_equal(cleanup_log.order[1], 2);
    assert_int_equal(cleanup_log.order[2], 1);
    /* Exactly once: a second reset and a release run nothing more. */
    core_arena_reset(&a);
    assert_int_equal(cleanup_log.n, 3);
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)4);
    core_arena_release(&a);
    assert_int_equal(cleanup_log.n, 4);
    assert_int_equal(cleanup_log.order[3], 4);
    core_arena_release(&a);
    assert_int_equal(cleanup_log.n, 4);
    /* Run early: the cleanups run once, newest first, and the memory stays valid until the release. */
    char *kept = core_arena_strdup(&a, "still here");
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)5);
    core_arena_on_release(&a, cleanup_record, (void *)(intptr_t)6);
    core_arena_run_cleanups(&a);
    assert_int_equal(cleanup_log.n, 6);
    assert_int_equal(cleanup_log.order[4], 6);
    assert_int_equal(cleanup_log.order[5], 5);
    assert_string_equal(kept, "still here");
    core_arena_release(&a);
    assert_int_equal(cleanup_log.n, 6);
}

/* Run fn in a child process and report whether it died of SIGABRT. */
static int dies_with_abort(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* keep the expected "hearth: fatal" line out of the test output */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
        fn();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void calloc_overflow(void)
{
    core_arena a = CORE_ARENA_INIT;
    (void)core_arena_calloc(&a, SIZE_MAX / 2, 3);
}

static void alloc_overflow(void)
{
    core_arena a = CORE_ARENA_INIT;
    (void)core_arena_alloc(&a, SIZE_MAX - 3);
}

static void no_overflow(void)
{
    core_arena a = CORE_ARENA_INIT;
    (void)core_arena_calloc(&a, 4, 4);
    core_arena_release(&a);
}

static void test_arena_overflow_aborts(void **state)
{
    (void)state;
    assert_true(dies_with_abort(calloc_overflow));
    assert_true(dies_with_abort(alloc_overflow));
    assert_false(dies_with_abort(no_overflow)); /* the harness itself can tell the difference */
}

static void fail_normal_arena(void)
{
    core_arena a = CORE_ARENA_INIT;
    core_arena_fail(&a, "out of memory");
}

static void fail_fallible_arena(void)
{
    core_arena a = CORE_ARENA_INIT;
    core_arena_set_fallible(&a);
    core_arena_fail(&a, "out of memory");
    core_arena_release(&a);
}

static void test_arena_fallible(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    core_arena_set_fallible(&a);
    char *before = core_arena_strdup(&a, "kept");
    assert_false(core_arena_failed(&a));
    assert_null(core_arena_alloc(&a, SIZE_MAX - 3)); /* the size rounded up overflows */
    assert_true(core_arena_failed(&a));
    assert_null(core_arena_calloc(&a, SIZE_MAX / 2, 3));
    assert_null(core_arena_alloc(&a, SIZE_MAX - 20)); /* rounds fine; a block that size cannot be counted */
    assert_null(core_arena_strndup(&a, "x", SIZE_MAX - 1));
    assert_string_equal(before, "kept");   /* what was given before stays */
    char *after = core_arena_printf(&a, "%d", 42); /* and the arena still gives what it can */
    assert_non_null(after);
    assert_string_equal(after, "42");
    assert_true(core_arena_failed(&a)); /* sticky until reset */
    core_arena_reset(&a);
    assert_false(core_arena_failed(&a));
    assert_null(core_arena_alloc(&a, SIZE_MAX - 3)); /* still fallible after reset... */
    core_arena_release(&a);
    assert_false(core_arena_failed(&a));
    assert_null(core_arena_alloc(&a, SIZE_MAX - 3)); /* ...and after release */
    assert_true(core_arena_failed(&a));
    core_arena_release(&a);
    assert_true(dies_with_abort(fail_normal_arena));
    assert_false(dies_with_abort(fail_fallible_arena));
}

/* ---- core_buf ---- */

static void test_buf_basic(void **state)
{
    (void)state;
    core_buf b;
    core_buf_init(&b, 1024);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    core_buf_adds(&b, "abc");
    core_buf_addch(&b, '-');
    core_buf_add(&b, "xyz123", 3);
    core_buf_addf(&b, "[%d:%s]", 7, "q");
    assert_string_equal(b.data, "abc-xyz[7:q]");
    assert_int_equal(b.len, strlen("abc-xyz[7:q]"));
    assert_true(core_buf_ok(&b));
    /* bytes, not strings: an embedded NUL is kept and counted */
    core_buf_add(&b, "a\0b", 3);
    assert_int_equal(b.len, 15);
    assert_memory_equal(b.data + 12, "a\0b", 4);
    core_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* growth well past the initial capacity */
    for (int i = 0; i < 200; i++)
        core_buf_addf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 400);
    assert_int_equal(strlen(b.data), 400);
    assert_true(core_buf_ok(&b));
    core_buf_release(&b);
}

static void test_buf_max_sticky(void **state)
{
    (void)state;
    core_buf b;
    core_buf_init(&b, 10);
    core_buf_adds(&b, "0123456789"); /* exactly max: fits */
    assert_true(core_buf_ok(&b));
    assert_int_equal(b.len, 10);
    core_buf_addch(&b, 'x'); /* one past: refused, nothing appended */
    assert_false(core_buf_ok(&b));
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    core_buf_reset(&b);
    assert_true(core_buf_ok(&b));

    core_buf_adds(&b, "abcdef");
    core_buf_adds(&b, "ghijk"); /* 11 > 10: refused whole, not truncated */
    assert_false(core_buf_ok(&b));
    assert_string_equal(b.data, "abcdef");
    /* sticky: later appends that would fit are no-ops too, in every append function */
    core_buf_addch(&b, 'z');
    core_buf_adds(&b, "y");
    core_buf_addf(&b, "%d", 1);
    core_buf_add_html(&b, "<", 1);
    core_buf_add_json_string(&b, "", 0);
    assert_false(core_buf_ok(&b));
    assert_string_equal(b.data, "abcdef");
    assert_int_equal(b.len, 6);
    core_buf_release(&b);

    /* addf past max */
    core_buf_init(&b, 8);
    core_buf_addf(&b, "%s", "123456789");
    assert_false(core_buf_ok(&b));
    assert_string_equal(b.data, "");
    core_buf_release(&b);

    /* a huge length cannot wrap the size check */
    core_buf_init(&b, 100);
    core_buf_adds(&b, "ab");
    core_buf_add(&b, "", SIZE_MAX - 1);
    assert_false(core_buf_ok(&b));
    assert_string_equal(b.data, "ab");
    core_buf_release(&b);

    /* max 0: nothing fits, but the empty string does */
    core_buf_init(&b, 0);
    core_buf_add(&b, "", 0);
    assert_true(core_buf_ok(&b));
    core_buf_addch(&b, 'a');
    assert_false(core_buf_ok(&b));
    assert_string_equal(b.data, "");
    core_buf_release(&b);
}

static void test_buf_detach(void **state)
{
    (void)state;
    core_buf b;
    core_buf_init(&b, 100);
    core_buf_adds(&b, "detached");
    size_t len = 0;
    char *d = core_buf_detach(&b, &len);
    assert_string_equal(d, "detached");
    assert_int_equal(len, 8);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    core_buf_adds(&b, "still usable");
    assert_string_equal(b.data, "still usable");
    free(d);
    core_buf_release(&b);

    /* An arena buffer hands out a heap copy and stays an arena buffer (needs no release). */
    core_arena a = CORE_ARENA_INIT;
    core_buf_init_arena(&b, &a, 100);
    core_buf_adds(&b, "from arena");
    d = core_buf_detach(&b, NULL);
    assert_string_equal(d, "from arena");
    assert_string_equal(b.data, "");
    assert_ptr_equal(b.arena, &a);
    core_buf_adds(&b, "more");
    assert_string_equal(b.data, "more");
    free(d);
    core_arena_release(&a);
}

static void test_buf_arena(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    core_buf b;
    core_buf_init_arena(&b, &a, 5000);
    assert_string_equal(b.data, "");
    for (int i = 0; i < 1000; i++)
        core_buf_addf(&b, "%04d", i);
    assert_true(core_buf_ok(&b));
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data, "000000010002", 12);
    assert_memory_equal(b.data + 3996, "0999", 5);
    core_buf_adds(&b, "x");
    core_buf_add(&b, "", 0);
    core_buf_addf(&b, "%1000d", 1); /* 4001 + 1000 > 5000 */
    assert_false(core_buf_ok(&b));
    assert_int_equal(b.len, 4001);
    assert_int_equal(b.data[4001], '\0');
    /* release of an arena buffer is harmless; the arena gives the storage back */
    core_buf_release(&b);
    core_arena_release(&a);
}

static void test_buf_reuse_after_release(void **state)
{
    (void)state;
    /* A released buffer grows again from nothing (it used to loop forever doubling a capacity of 0). */
    core_buf b;
    core_buf_init(&b, 100);
    core_buf_adds(&b, "first");
    core_buf_release(&b);
    core_buf_adds(&b, "second");
    assert_string_equal(b.data, "second");
    core_buf_release(&b);

    core_arena a = CORE_ARENA_INIT;
    core_buf_init_arena(&b, &a, 100);
    core_buf_adds(&b, "first");
    core_buf_release(&b);
    core_buf_adds(&b, "second");
    assert_string_equal(b.data, "second");
    core_arena_release(&a);
}

static const char *html(core_buf *b, const char *s, size_t len)
{
    core_buf_reset(b);
    core_buf_add_html(b, s, len);
    assert_true(core_buf_ok(b));
    return b->data;
}

static void test_buf_html(void **state)
{
    (void)state;
    core_buf b;
    core_buf_init(&b, 1000);
    assert_string_equal(html(&b, "", 0), "");
    assert_string_equal(html(&b, "plain text", 10), "plain text");
    assert_string_equal(html(&b, "<script>alert('x')</script>", 27),
                        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    assert_string_equal(html(&b, "a & b \"c\"", 9), "a &amp; b &quot;c&quot;");
    assert_string_equal(html(&b, "&&", 2), "&amp;&amp;");
    assert_string_equal(html(&b, "&amp;", 5), "&amp;amp;"); /* no double-decoding: escaped again */
    assert_string_equal(html(&b, "Se\xc3\xa1n \xc3\x93 Briain", 15), "Se\xc3\xa1n \xc3\x93 Briain");
    /* len bounds the input: the '<' after it is not read */
    assert_string_equal(html(&b, "ab<", 2), "ab");
    /* escaping respects the maximum */
    core_buf c;
    core_buf_init(&c, 6);
    core_buf_add_html(&c, "a<b", 3); /* "a&lt;" is 5 bytes, then "b" makes 6 */
    assert_true(core_buf_ok(&c));
    assert_string_equal(c.data, "a&lt;b");
    core_buf_add_html(&c, "<", 1);
    assert_false(core_buf_ok(&c));
    assert_string_equal(c.data, "a&lt;b");
    core_buf_release(&c);
    core_buf_release(&b);
}

/* Escape s as a JSON string, check the exact text, and check jansson reads back exactly s. */
static void json_round_trip(const char *s, size_t len, const char *want)
{
    core_buf b;
    core_buf_init(&b, 1000);
    core_buf_add_json_string(&b, s, len);
    assert_true(core_buf_ok(&b));
    assert_string_equal(b.data, want);
    json_error_t jerr;
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v)
        fail_msg("jansson refused %s: %s", b.data, jerr.text);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), len);
    assert_memory_equal(json_string_value(v), s, len);
    json_decref(v);
    core_buf_release(&b);
}

static void test_buf_json(void **state)
{
    (void)state;
    json_round_trip("", 0, "\"\"");
    json_round_trip("plain", 5, "\"plain\"");
    json_round_trip("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
    json_round_trip("back\\slash", 10, "\"back\\\\slash\"");
    json_round_trip("a\nb\rc\td", 7, "\"a\\nb\\rc\\td\"");
    json_round_trip("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
    json_round_trip("nul\0byte", 8, "\"nul\\u0000byte\"");
    json_round_trip("\b\f", 2, "\"\\u0008\\u000c\"");
    json_round_trip("</script>", 9, "\"</script>\""); /* JSON is not HTML: '/' and '<' pass */
    json_round_trip("Se\xc3\xa1n \xe2\x80\x99", 9, "\"Se\xc3\xa1n \xe2\x80\x99\""); /* UTF-8 passes through */
    /* every byte 0..127 survives a round trip */
    char all[128];
    for (int i = 0; i < 128; i++)
        all[i] = (char)i;
    core_buf b;
    core_buf_init(&b, 2000);
    core_buf_add_json_string(&b, all, sizeof all);
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    assert_non_null(v);
    assert_int_equal(json_string_length(v), 128);
    assert_memory_equal(json_string_value(v), all, 128);
    json_decref(v);
    /* no raw control character in the output */
    for (size_t i = 0; i < b.len; i++)
        assert_true((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] != 0x7f);
    core_buf_release(&b);
}

/* ---- core_error ---- */

static void test_error_table(void **state)
{
    (void)state;
    struct {
        int code;
        const char *name;
        int http;
    } rows[] = {
        {CORE_OK, "ok", 200},
        {CORE_E_INTERNAL, "internal", 500},
        {CORE_E_IO, "io", 500},
        {CORE_E_STORE, "store", 500},
        {CORE_E_BUSY, "busy", 503},
        {CORE_E_USAGE, "usage", 400},
        {CORE_E_INVALID_JSON, "invalid_json", 400},
        {CORE_E_BODY_TOO_LARGE, "body_too_large", 413},
        {CORE_E_UNKNOWN_FIELD, "unknown_field", 422},
        {CORE_E_WRONG_TYPE, "wrong_type", 422},
        {CORE_E_MISSING_FIELD, "missing_field", 422},
        {CORE_E_INVALID_CODE, "invalid_code", 422},
        {CORE_E_INVALID_IDENTIFIER, "invalid_identifier", 422},
        {CORE_E_INVALID_DATE, "invalid_date", 422},
        {CORE_E_INVALID_VALUE, "invalid_value", 422},
        {CORE_E_NOT_FOUND, "not_found", 404},
        {CORE_E_METHOD, "method_not_allowed", 405},
        {CORE_E_CONFLICT, "conflict", 409},
        {CORE_E_UNAUTHENTICATED, "unauthenticated", 401},
        {CORE_E_FORBIDDEN, "forbidden", 403},
        {CORE_E_MEDIA_TYPE, "unsupported_media_type", 415},
        {CORE_E_BAD_PARAMETER, "bad_parameter", 400},
        {CORE_E_STALE, "stale_version", 409},
        {CORE_E_RESTRICTED, "restricted", 409},
        {CORE_E_STORAGE_FULL, "storage_full", 507},
        {CORE_E_GONE, "gone", 410},
    };
    size_t n = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(core_error_name(rows[i].code), rows[i].name);
        assert_int_equal(core_error_http_status(rows[i].code), rows[i].http);
        const char *msg = core_error_default_message(rows[i].code);
        assert_non_null(msg);
        assert_true(msg[0] >= 'a' && msg[0] <= 'z'); /* lowercase first */
        /* names are unique and the codes are 0, -1, -2, ... without gaps */
        assert_int_equal(rows[i].code, -(int)i);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rows[i].name, rows[j].name);
    }
    /* The table has no rows beyond those listed: the next code is unknown. */
    assert_string_equal(core_error_name(-(int)n), "internal");
    /* unknown codes read as internal / 500 */
    assert_string_equal(core_error_name(12345), "internal");
    assert_int_equal(core_error_http_status(12345), 500);
    assert_string_equal(core_error_default_message(-999), "internal error");
    assert_string_equal(core_error_default_message(CORE_E_STALE), "record was changed by someone else");
}

static void test_error_set_hint(void **state)
{
    (void)state;
    core_error e;
    core_error_clear(&e);
    assert_int_equal(e.code, CORE_OK);
    assert_string_equal(e.message, "");
    int rc = core_error_set(&e, CORE_E_INVALID_DATE, "field %s on line %d", "date_of_birth", 7);
    assert_int_equal(rc, CORE_E_INVALID_DATE);
    assert_int_equal(e.code, CORE_E_INVALID_DATE);
    assert_string_equal(e.message, "date is not valid");
    assert_string_equal(e.detail, "field date_of_birth on line 7");
    assert_string_equal(e.hint, "");
    assert_int_equal(core_error_hint(&e, "write dates as %s", "YYYY-MM-DD"), CORE_E_INVALID_DATE);
    assert_string_equal(e.hint, "write dates as YYYY-MM-DD");
    /* set again: a new detail and the old hint cleared */
    assert_int_equal(core_error_set(&e, CORE_E_NOT_FOUND, NULL), CORE_E_NOT_FOUND);
    assert_string_equal(e.detail, "");
    assert_string_equal(e.hint, "");
    assert_string_equal(e.message, "not found");
    assert_int_equal(core_error_message(&e, "no %s here", "family"), CORE_E_NOT_FOUND);
    assert_string_equal(e.message, "no family here");
    /* NULL err: the code still comes back */
    assert_int_equal(core_error_set(NULL, CORE_E_CONFLICT, "x"), CORE_E_CONFLICT);
    assert_int_equal(core_error_hint(NULL, "x"), CORE_E_INTERNAL);
    assert_int_equal(core_error_message(NULL, "x"), CORE_E_INTERNAL);
    core_error_clear(NULL);
    /* a detail longer than the field is truncated and terminated */
    char longs[1000];
    memset(longs, 'd', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    core_error_set(&e, CORE_E_USAGE, "%s", longs);
    assert_int_equal(strlen(e.detail), sizeof e.detail - 1);
    core_error_hint(&e, "%s", longs);
    assert_int_equal(strlen(e.hint), sizeof e.hint - 1);
    core_error_message(&e, "%s", longs);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    /* a core_error is plain data: copies are independent */
    core_error copy = e;
    core_error_clear(&e);
    assert_int_equal(copy.code, CORE_E_USAGE);
    assert_int_equal(strlen(copy.detail), sizeof copy.detail - 1);
}

/* ---- core_parse ---- */

static int parse(const char *s, int64_t *out)
{
    return core_parse_int64(s, strlen(s), INT64_MIN, INT64_MAX, out);
}

static void expect_int(const char *s, int64_t want)
{
    int64_t v = 12345;
    if (parse(s, &v) != 0)
        fail_msg("\"%s\" refused", s);
    assert_int_equal(v, want);
}

static void expect_refused(const char *s)
{
    int64_t v = 777;
    if (parse(s, &v) != -1)
        fail_msg("\"%s\" accepted as %lld", s, (long long)v);
    assert_int_equal(v, 777); /* untouched */
}

static void test_parse_int64(void **state)
{
    (void)state;
    expect_int("0", 0);
    expect_int("-0", 0);
    expect_int("7", 7);
    expect_int("-7", -7);
    expect_int("1234567890", 1234567890);
    expect_int("9223372036854775807", INT64_MAX);
    expect_int("-9223372036854775808", INT64_MIN);
    expect_int("9223372036854775806", INT64_MAX - 1);
    expect_int("-9223372036854775807", INT64_MIN + 1);
    /* leading zeros are accepted as decimal (not octal) while the whole text is at most 20 bytes, the length
     * of INT64_MIN written out; longer text is refused unread */
    expect_int("007", 7);
    expect_int("010", 10);
    expect_int("00000000000000000001", 1);   /* 20 bytes */
    expect_int("-0000000000000000001", -1);  /* 20 bytes */
    expect_refused("000000000000000000001"); /* 21 bytes */
    expect_refused("-00000000000000000001");

    expect_refused("9223372036854775808");   /* INT64_MAX + 1 */
    expect_refused("-9223372036854775809");  /* INT64_MIN - 1 */
    expect_refused("18446744073709551615");  /* UINT64_MAX */
    expect_refused("18446744073709551616");  /* UINT64_MAX + 1 */
    expect_refused("99999999999999999999");
    expect_refused("-99999999999999999999");
    expect_refused("123456789012345678901234567890");
    expect_refused("");
    expect_refused("-");
    expect_refused("+1");
    expect_refused("--1");
    expect_refused(" 1");
    expect_refused("1 ");
    expect_refused("1a");
    expect_refused("0x10");
    expect_refused("1e3");
    expect_refused("1.0");
    expect_refused("\xd9\xa1"); /* Arabic-Indic digit one */

    int64_t v = 99;
    assert_int_equal(core_parse_int64(NULL, 0, 0, 10, &v), -1);
    assert_int_equal(core_parse_int64(NULL, 3, 0, 10, &v), -1);
    assert_int_equal(v, 99);
    /* len, not NUL, ends the text */
    assert_int_equal(core_parse_int64("12345", 3, 0, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(core_parse_int64("42abc", 2, 0, 1000, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(core_parse_int64("1\0002", 3, 0, 1000, &v), -1);
    assert_int_equal(v, 42);
    /* caller's range, both ends inclusive */
    assert_int_equal(core_parse_int64("10", 2, 1, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(core_parse_int64("1", 1, 1, 10, &v), 0);
    assert_int_equal(v, 1);
    v = 55;
    assert_int_equal(core_parse_int64("11", 2, 1, 10, &v), -1);
    assert_int_equal(core_parse_int64("0", 1, 1, 10, &v), -1);
    assert_int_equal(core_parse_int64("-1", 2, 0, 10, &v), -1);
    assert_int_equal(v, 55);
    assert_int_equal(core_parse_int64("-5", 2, -5, -5, &v), 0);
    assert_int_equal(v, -5);
}

/* ---- core_log ---- */

/* Run fn with stderr redirected to a temporary file; return what it wrote (caller frees). */
static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/hearth-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    fn();
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    assert_true(size >= 0);
    char *out = calloc((size_t)size + 1, 1);
    assert_non_null(out);
    assert_int_equal(pread(fd, out, (size_t)size, 0), size);
    close(fd);
    return out;
}

static void log_some(void)
{
    core_log_set_level(CORE_LOG_INFO);
    core_log(CORE_LOG_DEBUG, "dropped_debug", "k", "v", CORE_LOG_END);
    core_log(CORE_LOG_INFO, "server_started", "address", "127.0.0.1", "threads", "4", CORE_LOG_END);
    core_log(CORE_LOG_WARN, "odd \"value\"", "text", "line\nbreak\t\x01 \\ \"q\"", "missing", NULL, CORE_LOG_END);
    core_log(CORE_LOG_ERROR, "no_pairs", CORE_LOG_END);
    core_log_set_level(CORE_LOG_ERROR);
    core_log(CORE_LOG_WARN, "dropped_warn", CORE_LOG_END);
    core_log_set_level(CORE_LOG_DEBUG);
    core_log(CORE_LOG_DEBUG, "kept_debug", CORE_LOG_END);
    /* a value larger than the line limit: the line is dropped whole, never cut */
    static char huge[20000];
    memset(huge, 'h', sizeof huge - 1);
    core_log(CORE_LOG_INFO, "too_long", "v", huge, CORE_LOG_END);
    core_log_set_level(CORE_LOG_INFO);
}

static void test_log_lines(void **state)
{
    (void)state;
    char *out = capture_stderr(log_some);
    const char *want_events[] = {"server_started", "odd \"value\"", "no_pairs", "kept_debug"};
    const char *want_levels[] = {"info", "warn", "error", "debug"};
    size_t nlines = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), nlines++) {
        json_error_t jerr;
        json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        if (!o)
            fail_msg("log line is not json (%s): %s", jerr.text, line);
        assert_true(nlines < 4);
        assert_string_equal(json_string_value(json_object_get(o, "event")), want_events[nlines]);
        assert_string_equal(json_string_value(json_object_get(o, "level")), want_levels[nlines]);
        const char *ts = json_string_value(json_object_get(o, "ts"));
        assert_non_null(ts);
        assert_int_equal(strlen(ts), 20);
        assert_int_equal(ts[10], 'T');
        assert_int_equal(ts[19], 'Z');
        if (nlines == 0) {
            assert_string_equal(json_string_value(json_object_get(o, "address")), "127.0.0.1");
            assert_string_equal(json_string_value(json_object_get(o, "threads")), "4");
            assert_int_equal(json_object_size(o), 5);
        } else if (nlines == 1) {
            assert_string_equal(json_string_value(json_object_get(o, "text")), "line\nbreak\t\x01 \\ \"q\"");
            assert_true(json_is_null(json_object_get(o, "missing")));
        }
        json_decref(o);
    }
    assert_int_equal(nlines, 4);
    free(out);
}

static void log_from_env(void)
{
    setenv("HEARTH_LOG", "error", 1);
    core_log_init_from_env();
    core_log(CORE_LOG_WARN, "dropped", CORE_LOG_END);
    core_log(CORE_LOG_ERROR, "kept", CORE_LOG_END);
    setenv("HEARTH_LOG", "nonsense", 1); /* unknown value: level unchanged */
    core_log_init_from_env();
    core_log(CORE_LOG_INFO, "dropped_too", CORE_LOG_END);
    unsetenv("HEARTH_LOG");
    core_log_init_from_env();
    core_log_set_level(CORE_LOG_INFO);
}

static void test_log_env(void **state)
{
    (void)state;
    char *out = capture_stderr(log_from_env);
    assert_non_null(strstr(out, "\"event\":\"kept\""));
    assert_null(strstr(out, "dropped"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment_and_zero_fill),
        cmocka_unit_test(test_arena_distinct_and_large),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_cleanups),
        cmocka_unit_test(test_arena_overflow_aborts),
        cmocka_unit_test(test_arena_fallible),
        cmocka_unit_test(test_buf_basic),
        cmocka_unit_test(test_buf_max_sticky),
        cmocka_unit_test(test_buf_detach),
        cmocka_unit_test(test_buf_arena),
        cmocka_unit_test(test_buf_reuse_after_release),
        cmocka_unit_test(test_buf_html),
        cmocka_unit_test(test_buf_json),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_error_set_hint),
        cmocka_unit_test(test_parse_int64),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_log_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
