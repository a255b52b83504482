/*
 * fuzz_policy.c — libFuzzer driver for the policy loader (src/policy/: libyaml events into a tree with lines,
 * the schema walk, the rules across fields) and the notice made from what it accepts.
 *
 * Per input, the bytes are a policy file. Asserted:
 *   - refused: the code is CORE_E_INVALID_VALUE, nothing is returned, every error line names the file and a
 *     line within the input ("f.yaml:N: ..." with 1 <= N <= lines + 1, lines counted as YAML breaks them),
 * there are at most POLICY_MAX_ERRORS of them (then one line counting the rest), and err->detail is
 * NUL-terminated and starts with the first;
 *   - accepted: every retention class and hold is filled as policy.h documents (codes set, enums in range,
 *     periods non-negative with one above zero, dates YYYY-MM-DD), and the notice renders in all three
 *     formats: the HTML has no '<' that the renderer did not write (every value escaped), the JSON parses.
 * Seeds: tests/fuzz/seeds/fuzz_policy/ (the five shipped profiles); dictionary: fuzz_policy.dict.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/core_buf.h"
#include "core/core_date.h"
#include "policy/policy.h"
#include "policy/policy_notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errors(const char *text, size_t size, const char *errors, const core_error *err)
{
    /* YAML breaks lines at \n, \r, and (in UTF-8) NEL, LS and PS: count every byte that can end one */
    int lines = 1;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        lines += c == '\n' || c == '\r' || c == 0x85 || c == 0xA8 || c == 0xA9;
    }
    int n = 0;
    for (const char *s = errors; *s;) {
        const char *nl = strchr(s, '\n');
        assert(nl); /* every line ends in a newline */
        if (strncmp(s, "f.yaml:", 7) == 0 && s[7] >= '0' && s[7] <= '9') {
            long line = strtol(s + 7, NULL, 10);
            assert(line >= 1 && line <= lines + 1);
            n++;
        } else {
            assert(strstr(s, "more errors not shown") && strstr(s, "more errors not shown") < nl);
        }
        s = nl + 1;
    }
    assert(n >= 1 && n <= POLICY_MAX_ERRORS);
    assert(memchr(err->detail, '\0', sizeof(err->detail)));
    assert(strncmp(err->detail, "f.yaml:", 7) == 0);
}

static void check_policy(const policy *p)
{
    for (uint32_t i = 0; i < p->nclasses; i++) {
        const policy_retention_class *c = &p->classes[i];
        assert(c->code && c->code[0] && c->label && c->label[0]);
        assert(policy_records_name(c->records) && policy_trigger_name(c->trigger) &&
               policy_disposal_name(c->disposal));
        assert(c->period.years >= 0 && c->period.months >= 0 && c->period.days >= 0);
        assert(c->period.years + c->period.months + c->period.days > 0);
        assert(c->line >= 1);
    }
    for (uint32_t i = 0; i < p->nholds; i++) {
        const policy_hold *h = &p->holds[i];
        core_date d;
        assert(core_date_parse(h->from, strlen(h->from), &d) == 0);
        assert(!h->until || core_date_parse(h->until, strlen(h->until), &d) == 0);
        assert(policy_hold_scope_name(h->scope));
    }
    core_buf b;
    core_buf_init(&b, 1 << 24);
    assert(policy_notice_render(p, POLICY_NOTICE_TEXT, &b, NULL) == 0);
    core_buf_reset(&b);
    assert(policy_notice_render(p, POLICY_NOTICE_HTML, &b, NULL) == 0);
    /* every '<' in the page opens a tag the renderer writes */
    static const char *const tags[] = {
        "<!doctype", "<html", "</html", "<head", "</head", "<meta", "<title", "</title",  "<body",
        "</body",    "<main", "</main", "<h1",   "</h1",   "<h2",   "</h2",   "<section", "</section",
        "<p>",       "</p>",  "<ul>",   "</ul>", "<li>",   "</li>", NULL};
    for (const char *s = strchr(b.data, '<'); s; s = strchr(s + 1, '<')) {
        int known = 0;
        for (size_t i = 0; tags[i] && !known; i++)
            known = strncmp(s, tags[i], strlen(tags[i])) == 0;
        assert(known);
    }
    core_buf_reset(&b);
    assert(policy_notice_render(p, POLICY_NOTICE_JSON, &b, NULL) == 0);
    json_t *j = json_loads(b.data, 0, NULL);
    assert(j);
    json_decref(j);
    core_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    policy *p = NULL;
    core_error err;
    core_error_clear(&err);
    core_buf errors;
    core_buf_init(&errors, 1 << 20);
    int rc = policy_parse("f.yaml", text, size, &p, &err, &errors);
    if (rc) {
        assert(rc == CORE_E_INVALID_VALUE && err.code == rc && !p);
        check_errors(text, size, errors.data, &err);
    } else {
        assert(p && errors.len == 0);
        check_policy(p);
        policy_free(p);
    }
    core_buf_release(&errors);
    return 0;
}
