/*
 * policy_notice.h — the privacy notice, made from a loaded policy (`hearth notice`, GET /privacy).
 *
 * What it is for: every sentence of the notice comes from the policy Hearth enforces: who the controller is,
 * what is collected and from whom, why and on what lawful basis, who receives it, how long each kind of
 * record is kept (rendered from each retention class's rule, so changing a period changes the notice) and the
 * holds, the rights and how to use them, the research shares and how to opt out, and how to complain. What it
 * is not for: deciding anything. The notice reads the policy; it never reads the database.
 *
 * Invariants
 *   1. The notice is built once as a list of sections (heading, paragraphs, lists of items: plain strings),
 *      then written out in a format. HTML writes every string through core_buf_add_html (escaped by
 *      construction); JSON through jansson. No policy value is ever concatenated into markup unescaped.
 *   2. The same policy always renders the same bytes (no dates, no clock).
 */
#ifndef HEARTH_POLICY_NOTICE_H
#define HEARTH_POLICY_NOTICE_H

#include "core/core_buf.h"
#include "core/core_error.h"
#include "policy/policy.h"

typedef enum policy_notice_format {
    POLICY_NOTICE_TEXT, /* plain text, wrapped at 78 columns */
    POLICY_NOTICE_HTML, /* a complete HTML page */
    POLICY_NOTICE_JSON, /* {"profile", "title", "sections": [{"heading", "blocks": [{"p"} | {"ul"}]}],
                           "policy"} */
} policy_notice_format;

/* "text", "html" or "json" into *out: 0, or -1 for anything else (*out untouched). */
int policy_notice_format_parse(const char *s, policy_notice_format *out);
/* The Content-Type for a format ("text/plain; charset=utf-8", ...). */
const char *policy_notice_content_type(policy_notice_format f);

/* Append the notice to out. Returns 0, or CORE_E_INTERNAL when out passed its maximum (nothing useful in
 * out then). */
int policy_notice_render(const policy *p, policy_notice_format f, core_buf *out, core_error *err);

/* A period in words: "2 years", "1 year and 6 months", "6 years, 3 months and 2 days". Into the arena. */
const char *policy_period_words(core_arena *a, policy_period p);
/* How the notice states a retention class's rule, one sentence: its notice_text when it has one, else made
 * from its trigger, period and disposal ("Kept for 2 years from the date the case is closed, then securely
 * destroyed."). Into the arena. */
const char *policy_class_rule(core_arena *a, const policy_retention_class *c);

/* The record of processing activities (UK GDPR art. 30(1); policy_ropa.c): one row per data category with
 * the controller and DPO, purposes, data subjects, the category, lawful basis and condition, sources,
 * recipients, research shares, overseas transfers, retention and security, as CSV (html 0) or an HTML page
 * (html 1, every value escaped). 0, or CORE_E_INTERNAL when out passed its maximum. */
int policy_ropa_render(const policy *p, int html, core_buf *out, core_error *err);

#endif
