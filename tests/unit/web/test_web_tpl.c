/*
 * test_web_tpl.c — unit tests for the templates compiled by src/web/web_tpl.py: every {{value}} is escaped,
 * in text and in quoted attributes; only a web_raw is written as it is; {{#if}} takes NULL and "" as absent;
 * a NULL value writes nothing. The compiler's refusals (raw and escaped use of one name, values inside
 * <script>, unquoted attributes, unclosed {{#if}}) are checked by tests/web/run.py, which runs the compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_buf.h"
#include "web_templates.h"

static const char EVIL[] = "<script>alert(1)</script>\"'&";
static const char EVIL_ESCAPED[] = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";

static core_buf b;

static int setup(void **state)
{
    (void)state;
    core_buf_init(&b, 1 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    core_buf_release(&b);
    return 0;
}

static void text_is_escaped(void **state)
{
    (void)state;
    web_tpl_td(&b, &(web_tpl_td_args){EVIL});
    assert_non_null(strstr(b.data, EVIL_ESCAPED));
    assert_null(strstr(b.data, "<script>"));
    assert_true(core_buf_ok(&b));
}

static void attribute_is_escaped(void **state)
{
    (void)state;
    web_tpl_td_link(&b, &(web_tpl_td_link_args){.href = "\" onclick=\"alert(1)", .text = EVIL});
    assert_non_null(strstr(b.data, "href=\"&quot; onclick=&quot;alert(1)\""));
    assert_null(strstr(b.data, "\" onclick"));
    assert_non_null(strstr(b.data, EVIL_ESCAPED));
}

static void every_field_of_a_form_is_escaped(void **state)
{
    (void)state;
    web_tpl_text_field_args a = {.field = "username", .label = EVIL, .hint = EVIL, .error = EVIL,
                                 .error_prefix = "Error:", .type = "text", .value = EVIL,
                                 .autocomplete = "username", .described_by = "username-hint username-error"};
    web_tpl_text_field(&b, &a);
    assert_null(strstr(b.data, "<script>"));
    /* label, hint, error and value: four escaped copies */
    int n = 0;
    for (const char *p = b.data; (p = strstr(p, EVIL_ESCAPED)) != NULL; p++)
        n++;
    assert_int_equal(n, 4);
    assert_non_null(strstr(b.data, "value=\"&lt;script&gt;"));
}

static void raw_is_written_as_it_is(void **state)
{
    (void)state;
    web_tpl_section_args a = {.anchor = "a", .heading = EVIL, .intro = NULL,
                              .body = web_raw_const("<p class=\"govuk-body\">kept</p>")};
    web_tpl_section(&b, &a);
    assert_non_null(strstr(b.data, "<p class=\"govuk-body\">kept</p>"));
    assert_non_null(strstr(b.data, EVIL_ESCAPED)); /* the heading beside it is still escaped */
}

static void if_takes_null_and_empty_as_absent(void **state)
{
    (void)state;
    web_tpl_td_tag(&b, &(web_tpl_td_tag_args){.text = NULL, .tag_class = "govuk-tag--red"});
    assert_null(strstr(b.data, "govuk-tag"));
    web_tpl_td_tag(&b, &(web_tpl_td_tag_args){.text = "", .tag_class = "govuk-tag--red"});
    assert_null(strstr(b.data, "govuk-tag"));
    web_tpl_td_tag(&b, &(web_tpl_td_tag_args){.text = "Overdue", .tag_class = "govuk-tag--red"});
    assert_non_null(strstr(b.data, "<strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>"));
}

static void null_writes_nothing(void **state)
{
    (void)state;
    web_tpl_td(&b, &(web_tpl_td_args){NULL});
    assert_non_null(strstr(b.data, "<td class=\"govuk-table__cell\"></td>"));
}

static void the_maximum_is_sticky(void **state)
{
    (void)state;
    core_buf small;
    core_buf_init(&small, 64);
    web_tpl_td(&small, &(web_tpl_td_args){EVIL});
    web_tpl_td(&small, &(web_tpl_td_args){"x"});
    assert_false(core_buf_ok(&small));
    assert_true(small.len <= 64);
    core_buf_release(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(text_is_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(attribute_is_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(every_field_of_a_form_is_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(raw_is_written_as_it_is, setup, teardown),
        cmocka_unit_test_setup_teardown(if_takes_null_and_empty_as_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(null_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(the_maximum_is_sticky, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
