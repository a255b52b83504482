/*
 * test_web_strings.c — the pages' strings in one place, with a Welsh column: English by default; Welsh chosen
 * with web_strings_use("cy") writes the translated strings in Welsh and falls back to English for the rest;
 * an unknown language changes nothing; every English string exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/web_strings.h"

static void english_by_default_and_complete(void **state)
{
    (void)state;
    assert_string_equal(web_str(WEB_S_LANG), "en");
    assert_string_equal(web_str(WEB_S_SIGN_OUT), "Sign out");
    for (int i = 1; i < WEB_S_COUNT_; i++) /* every id has its English (WEB_S_LANG aside, "en") */
        assert_true(web_str((web_str_id)i)[0] != '\0');
    assert_int_equal(web_strings_translated("en"), WEB_S_COUNT_);
    assert_string_equal(web_str(WEB_S_COUNT_), "");
}

static void welsh_with_english_fallback(void **state)
{
    (void)state;
    const char *english_only = web_str(WEB_S_SUP_DISCUSSION);
    assert_int_equal(web_strings_use("cy"), 0);
    assert_string_equal(web_str(WEB_S_LANG), "cy");
    assert_string_equal(web_str(WEB_S_SIGN_OUT), "Allgofnodi");
    assert_string_equal(web_str(WEB_S_ERROR_SUMMARY), "Mae problem wedi codi");
    assert_string_equal(web_str(WEB_S_SUP_DISCUSSION), english_only); /* not translated yet: English */
    size_t cy = web_strings_translated("cy");
    assert_true(cy > 1 && cy < WEB_S_COUNT_);
    assert_int_equal(web_strings_use("fr"), -1); /* no such column: nothing changes */
    assert_string_equal(web_str(WEB_S_LANG), "cy");
    assert_int_equal(web_strings_translated("fr"), 0);
    assert_int_equal(web_strings_use("en"), 0);
    assert_string_equal(web_str(WEB_S_SIGN_OUT), "Sign out");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(english_by_default_and_complete),
        cmocka_unit_test(welsh_with_english_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
