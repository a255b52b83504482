/*
 * policy_notice.c — the privacy notice from the policy: built as sections of plain strings, then written as
 * text, HTML or JSON (policy_notice.h).
 *
 * The sentences around the policy's values are Hearth's; the facts (names, periods, recipients, contacts)
 * are the policy's. A section with nothing in the policy to say is left out rather than filled with a
 * promise the council did not make.
 */
#include <stdarg.h>
#include <string.h>

#include "core/core_date.h"
#include "policy/policy_internal.h"
#include "policy/policy_notice.h"

/* ---- building the sections ---- */

typedef struct notice {
    core_arena arena;
    const json_t *doc;
    json_t *sections; /* [{"heading": s, "blocks": [{"p": s} | {"ul": [s, ...]}]}] */
    json_t *cur;      /* the blocks of the section being written */
} notice;

static const char *fmt(notice *n, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(notice *n, const char *f, ...)
{
    core_buf b;
    core_buf_init_arena(&b, &n->arena, 1024 * 1024);
    va_list ap;
    va_start(ap, f);
    core_buf_vaddf(&b, f, ap);
    va_end(ap);
    return b.data;
}

static const char *get(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void section(notice *n, const char *heading)
{
    json_t *s = json_pack("{s:s,s:[]}", "heading", heading, "blocks");
    json_array_append_new(n->sections, s);
    n->cur = json_object_get(s, "blocks");
}

/* A paragraph; text with blank lines in it (a YAML block) becomes one paragraph per block. */
static void para(notice *n, const char *text)
{
    const char *s = text;
    while (*s) {
        const char *end = strstr(s, "\n\n");
        size_t len = end ? (size_t)(end - s) : strlen(s);
        json_t *t = json_stringn(s, len);
        if (t && json_string_length(t) > 0)
            json_array_append_new(n->cur, json_pack("{s:o}", "p", t));
        else
            json_decref(t);
        s += len;
        while (*s == '\n')
            s++;
    }
}

static json_t *list(notice *n)
{
    json_t *ul = json_array();
    json_array_append_new(n->cur, json_pack("{s:o}", "ul", ul));
    return ul;
}

static void item(json_t *ul, const char *text)
{
    json_array_append_new(ul, json_string(text));
}

/* Every string of a list in the policy as one item each. */
static void list_of(notice *n, const json_t *strings)
{
    json_t *ul = list(n);
    for (size_t i = 0; i < json_array_size(strings); i++)
        item(ul, json_string_value(json_array_get(strings, i)));
}

static const char *joined(notice *n, const json_t *strings, const char *sep)
{
    core_buf b;
    core_buf_init_arena(&b, &n->arena, 1024 * 1024);
    for (size_t i = 0; i < json_array_size(strings); i++) {
        if (i) core_buf_adds(&b, sep);
        core_buf_adds(&b, json_string_value(json_array_get(strings, i)));
    }
    return b.data;
}

/* "12 March 2015" for a valid YYYY-MM-DD. */
static const char *date_words(notice *n, const char *iso)
{
    core_date d;
    char month[32];
    if (core_date_parse(iso, strlen(iso), &d) || core_date_format_fmt(d, "%B %Y", month, sizeof(month)) < 0)
        return iso;
    return fmt(n, "%d %s", d.d, month);
}

const char *policy_period_words(core_arena *a, policy_period p)
{
    const char *parts[3];
    int k = 0;
    char *y = NULL, *m = NULL, *d = NULL;
    if (p.years) parts[k++] = y = core_arena_printf(a, "%d year%s", p.years, p.years == 1 ? "" : "s");
    if (p.months) parts[k++] = m = core_arena_printf(a, "%d month%s", p.months, p.months == 1 ? "" : "s");
    if (p.days) parts[k++] = d = core_arena_printf(a, "%d day%s", p.days, p.days == 1 ? "" : "s");
    (void)y, (void)m, (void)d;
    if (k == 0) return "no time";
    if (k == 1) return parts[0];
    if (k == 2) return core_arena_printf(a, "%s and %s", parts[0], parts[1]);
    return core_arena_printf(a, "%s, %s and %s", parts[0], parts[1], parts[2]);
}

const char *policy_class_rule(core_arena *a, const policy_retention_class *c)
{
    if (c->notice_text) return c->notice_text;
    const char *per = policy_period_words(a, c->period);
    const char *rule = "";
    switch (c->trigger) {
    case POLICY_TRIGGER_CASE_CLOSURE:
        rule = core_arena_printf(a, "Kept for %s from the date the case is closed", per);
        break;
    case POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE:
        rule =
            core_arena_printf(a,
                              "Kept for %s plus the current year from the date the case is closed (that is, "
                              "%s from the end of the year in which it closed)",
                              per, per);
        break;
    case POLICY_TRIGGER_DATE_OF_BIRTH:
        rule = core_arena_printf(a, "Kept until %s from the child's date of birth", per);
        break;
    case POLICY_TRIGGER_LAST_CONTACT:
        rule = core_arena_printf(a, "Kept for %s from our last contact with you", per);
        break;
    case POLICY_TRIGGER_PROGRAMME_END:
        rule = core_arena_printf(a,
                                 "Kept while the case is current and part of the programme, plus %s after it "
                                 "ends",
                                 per);
        break;
    case POLICY_TRIGGER_COUNT:
        break;
    }
    const char *then =
        c->disposal == POLICY_DISPOSAL_ARCHIVE  ? "then archived (kept read-only, out of everyday use)"
        : c->disposal == POLICY_DISPOSAL_REVIEW ? "then reviewed by a person, who decides whether it "
                                                  "is kept longer or destroyed"
                                                : "then securely destroyed";
    return core_arena_printf(a, "%s, %s.", rule, then);
}

/* A contact's routes as list items: "Address: ...", "E-mail: ...", ... */
static void contact(notice *n, const json_t *c)
{
    json_t *ul = list(n);
    if (json_object_get(c, "address"))
        item(ul, fmt(n, "Address: %s", joined(n, json_object_get(c, "address"), ", ")));
    if (get(c, "email")) item(ul, fmt(n, "E-mail: %s", get(c, "email")));
    if (get(c, "phone")) item(ul, fmt(n, "Telephone: %s", get(c, "phone")));
    if (get(c, "website")) item(ul, fmt(n, "Website: %s", get(c, "website")));
}

static const char *age_words(notice *n, const json_t *v)
{
    return json_is_integer(v) ? fmt(n, "%d", (int)json_integer_value(v)) : "pregnancy";
}

static void who_we_are(notice *n)
{
    const json_t *d = n->doc, *ctl = json_object_get(d, "controller"), *age = json_object_get(d, "age_range");
    section(n, "Who we are");
    if (get(d, "about")) para(n, get(d, "about"));
    if (age) {
        const json_t *from = json_object_get(age, "from");
        const char *start =
            json_is_integer(from) ? fmt(n, "from the age of %s", age_words(n, from)) : "from pregnancy";
        int to = (int)json_integer_value(json_object_get(age, "to"));
        const json_t *dis = json_object_get(age, "to_with_disability");
        if (dis)
            para(n, fmt(n,
                        "We support children, young people and families %s until the young person is %d, and "
                        "until %d for a young person with a disability.",
                        start, to, (int)json_integer_value(dis)));
        else
            para(n, fmt(n, "We support children, young people and families %s until the young person is %d.",
                        start, to));
    }
    if (get(ctl, "ico_registration"))
        para(n, fmt(n,
                    "%s is the data controller for your information (registered with the Information "
                    "Commissioner as %s). You can reach the council:",
                    get(ctl, "name"), get(ctl, "ico_registration")));
    else
        para(n, fmt(n, "%s is the data controller for your information. You can reach the council:",
                    get(ctl, "name")));
    contact(n, ctl);
}

static void what_we_collect(notice *n)
{
    static const char *const kinds[][2] = {
        {"personal", "Personal information:"},
        {"special", "Special category information, which is more sensitive and which the law protects more:"},
        {"criminal_offence", "Information about offences and alleged offences:"}};
    const json_t *cats = json_object_get(n->doc, "data_categories");
    section(n, "What information we collect");
    for (size_t k = 0; k < 3; k++) {
        json_t *ul = NULL;
        for (size_t i = 0; i < json_array_size(cats); i++) {
            const json_t *c = json_array_get(cats, i);
            if (strcmp(get(c, "kind"), kinds[k][0]) != 0) continue;
            if (!ul) {
                para(n, kinds[k][1]);
                ul = list(n);
            }
            item(ul, get(c, "label"));
        }
    }
    section(n, "Where the information comes from");
    para(n, "We get information from:");
    list_of(n, json_object_get(n->doc, "sources"));
    para(n, "We collect it:");
    list_of(n, json_object_get(n->doc, "channels"));
}

/* "a and b", "a, b and c" of the words of codes in pairs. */
static const char *codes_words(notice *n, const json_t *codes, const char *const *pairs)
{
    core_buf b;
    core_buf_init_arena(&b, &n->arena, 64 * 1024);
    size_t k = json_array_size(codes);
    for (size_t i = 0; i < k; i++) {
        if (i) core_buf_adds(&b, i + 1 == k ? " and " : ", ");
        const char *w = policy_code_words(pairs, json_string_value(json_array_get(codes, i)));
        core_buf_adds(&b, w ? w : json_string_value(json_array_get(codes, i)));
    }
    return b.data;
}

/* What makes two categories' bases the same: kind, the art 6 bases, the art 9 and Schedule 1 conditions. */
static const char *basis_signature(notice *n, const json_t *c)
{
    const char *art9 = get(c, "art9_condition"), *dpa = get(c, "dpa_condition");
    return fmt(n, "%s|%s|%s|%s", get(c, "kind"), joined(n, json_object_get(c, "lawful_bases"), ","),
               art9 ? art9 : "", dpa ? dpa : "");
}

static void why_and_basis(notice *n)
{
    const json_t *d = n->doc, *cats = json_object_get(d, "data_categories");
    section(n, "Why we use it");
    list_of(n, json_object_get(d, "purposes"));
    section(n, "Our lawful basis");
    para(n, "For each kind of information, the law that allows us to use it:");
    json_t *ul = list(n);
    size_t k = json_array_size(cats);
    char *done = core_arena_alloc(&n->arena, k + 1);
    for (size_t i = 0; i < k; i++) { /* categories with the same bases and conditions share one item */
        if (done[i]) continue;
        const json_t *c = json_array_get(cats, i);
        const char *sig = basis_signature(n, c);
        core_buf labels;
        core_buf_init_arena(&labels, &n->arena, 256 * 1024);
        for (size_t j = i; j < k; j++)
            if (!done[j] && strcmp(sig, basis_signature(n, json_array_get(cats, j))) == 0) {
                core_buf_adds(&labels, labels.len ? "; " : "");
                core_buf_adds(&labels, get(json_array_get(cats, j), "label"));
                done[j] = 1;
            }
        const char *bases = codes_words(n, json_object_get(c, "lawful_bases"), policy_art6_bases);
        const char *kind = get(c, "kind"), *art9 = get(c, "art9_condition"), *dpa = get(c, "dpa_condition");
        const char *dpaw = dpa ? policy_code_words(policy_dpa_conditions, dpa) : NULL;
        if (strcmp(kind, "special") == 0 && dpaw)
            item(ul, fmt(n, "%s: %s; and, as special category information, %s, with the condition of %s.",
                         labels.data, bases, policy_code_words(policy_art9_conditions, art9), dpaw));
        else if (strcmp(kind, "special") == 0)
            item(ul, fmt(n, "%s: %s; and, as special category information, %s.", labels.data, bases,
                         policy_code_words(policy_art9_conditions, art9)));
        else if (strcmp(kind, "criminal_offence") == 0)
            item(ul,
                 fmt(n,
                     "%s: %s; and, as criminal offence information (UK GDPR Article 10), the condition of "
                     "%s.",
                     labels.data, bases, dpaw));
        else
            item(ul, fmt(n, "%s: %s.", labels.data, bases));
    }
    if (json_object_get(d, "legislation")) {
        para(n, "The laws that give us these tasks include:");
        list_of(n, json_object_get(d, "legislation"));
    }
}

static void sharing(notice *n)
{
    const json_t *d = n->doc;
    section(n, "Who we share it with");
    para(n,
         "We share only what is relevant, with those involved in supporting you or where the law allows it. "
         "They may include:");
    list_of(n, json_object_get(d, "recipients"));
    if (json_object_get(d, "other_sharing")) {
        para(n, "We may also need to share information at other times, not linked to your support:");
        list_of(n, json_object_get(d, "other_sharing"));
    }
    if (json_object_get(d, "other_uses")) {
        para(n, "Your information is also used:");
        list_of(n, json_object_get(d, "other_uses"));
    }
}

static void research(notice *n)
{
    const json_t *shares = json_object_get(n->doc, "research_shares");
    for (size_t i = 0; i < json_array_size(shares); i++) {
        const json_t *r = json_array_get(shares, i);
        section(n, fmt(n, "Research: information shared with %s", get(r, "recipient")));
        if (get(r, "commissioned_by"))
            para(n, fmt(n, "%s has asked %s to carry out this research.", get(r, "commissioned_by"),
                        get(r, "recipient")));
        para(n, get(r, "purpose"));
        json_t *fields = json_object_get(r, "fields");
        para(n, fmt(n, "What we share: %s.", codes_words(n, fields, policy_research_fields)));
        para(n,
             json_is_true(json_object_get(r, "pseudonymised"))
                 ? "The information is pseudonymised before it leaves us: it carries a reference number, not "
                   "anyone's identity."
                 : "The information identifies you when we share it, so that it can be linked with other "
                   "public "
                   "records.");
        para(n, "The researchers work to these terms:");
        list_of(n, json_object_get(r, "terms"));
        if (json_object_get(r, "destroyed_after")) {
            policy_period p;
            const json_t *v = json_object_get(r, "destroyed_after");
            p.years = (int)json_integer_value(json_object_get(v, "years"));
            p.months = (int)json_integer_value(json_object_get(v, "months"));
            p.days = (int)json_integer_value(json_object_get(v, "days"));
            para(n, fmt(n, "The data is destroyed after %s.", policy_period_words(&n->arena, p)));
        } else if (get(r, "destroyed_when")) {
            para(n, fmt(n, "The data is destroyed %s.", get(r, "destroyed_when")));
        }
        para(n,
             fmt(n, "If you do not want your information shared for this research: %s", get(r, "opt_out")));
        if (get(r, "opt_out_email")) para(n, fmt(n, "E-mail: %s", get(r, "opt_out_email")));
    }
}

static void retention(notice *n, const policy *p)
{
    const json_t *ret = json_object_get(n->doc, "retention");
    section(n, "How long we keep it");
    if (get(ret, "schedule")) para(n, get(ret, "schedule"));
    para(n, "How long depends on the kind of record:");
    json_t *ul = list(n);
    for (uint32_t i = 0; i < p->nclasses; i++)
        item(ul, fmt(n, "%s: %s", p->classes[i].label, policy_class_rule(&n->arena, &p->classes[i])));
    for (uint32_t i = 0; i < p->nholds; i++) {
        const policy_hold *h = &p->holds[i];
        const char *who = h->scope == POLICY_HOLD_CHILDREN ? "records about children" : "records";
        const char *after = policy_period_words(&n->arena, h->release_after);
        if (h->until)
            para(n,
                 fmt(n,
                     "%s From %s to %s, %s were not destroyed; they are kept until %s after %s, or for their "
                     "normal period, whichever is later.",
                     h->reason, date_words(n, h->from), date_words(n, h->until), who, after,
                     date_words(n, h->until)));
        else
            para(n,
                 fmt(n,
                     "%s Since %s, %s are not destroyed; they will be kept until %s after this ends, or for "
                     "their normal period, whichever is later.",
                     h->reason, date_words(n, h->from), who, after));
    }
}

static void decisions(notice *n, const policy *p)
{
    const json_t *d = n->doc;
    section(n, "Decisions about you");
    if (!p->automated_decisions)
        para(
            n,
            "We do not make decisions about you by automated means: every decision about you and your family "
            "is made by a person.");
    else
        para(n, "Some decisions are made by automated means. You can ask for a person to look at any such "
                "decision "
                "again.");
    if (get(d, "automated_decisions_text")) para(n, get(d, "automated_decisions_text"));
    if (p->assessment_needs_agreement)
        para(n, "An assessment of your family's needs only starts with your agreement, and we record that "
                "agreement.");
    section(n, "Outside the UK, marketing and security");
    para(n, get(d, "overseas_transfers"));
    para(n, get(d, "marketing"));
    if (get(d, "security")) para(n, get(d, "security"));
}

static void rights(notice *n)
{
    static const char *const names[][2] = {{"access", "Access"},
                                           {"rectification", "Correction"},
                                           {"erasure", "Erasure"},
                                           {"restriction", "Restriction"},
                                           {"objection", "Objection"},
                                           {"portability", "Portability"},
                                           {"automated_decision", "Decisions made without a person"},
                                           {"withdraw_consent", "Consent"}};
    const json_t *r = json_object_get(n->doc, "rights");
    section(n, "Your rights");
    para(n, "Subject to some exceptions in the law, you have the right to:");
    json_t *ul = list(n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (get(r, names[i][0])) item(ul, fmt(n, "%s: %s", names[i][1], get(r, names[i][0])));
    para(n, get(r, "how_to_exercise"));
}

static void contacts(notice *n)
{
    const json_t *d = n->doc, *dpo = json_object_get(d, "dpo"), *ico = json_object_get(d, "ico");
    section(n, "Contact the Data Protection Officer");
    para(n, fmt(n, "If you have a question about how we use your information, contact the %s:",
                get(dpo, "name")));
    contact(n, dpo);
    section(n, "Complaints");
    para(n, get(d, "complaints"));
    para(n, fmt(n, "You can also complain to the %s, which regulates data protection:", get(ico, "name")));
    contact(n, ico);
}

/* ---- writing it out ---- */

/* Append text wrapped at 78 columns, each line after the first indented by `indent` spaces, words split on
 * runs of white space (a YAML folded or literal block reads as one paragraph). */
static void wrap(core_buf *b, const char *text, const char *first, int indent)
{
    size_t col = strlen(first);
    core_buf_adds(b, first);
    int at_start = 1;
    const char *s = text;
    while (*s) {
        while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
            s++;
        const char *w = s;
        while (*s && *s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            s++;
        size_t len = (size_t)(s - w);
        if (!len) break;
        if (!at_start && col + 1 + len > 78) {
            core_buf_addf(b, "\n%*s", indent, "");
            col = (size_t)indent;
        } else if (!at_start) {
            core_buf_addch(b, ' ');
            col++;
        }
        core_buf_add(b, w, len);
        col += len;
        at_start = 0;
    }
    core_buf_addch(b, '\n');
}

static void underline(core_buf *b, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        core_buf_addch(b, c);
    core_buf_addch(b, '\n');
}

static void write_text(core_buf *b, const char *title, const json_t *sections)
{
    core_buf_adds(b, title);
    core_buf_addch(b, '\n');
    underline(b, strlen(title), '=');
    size_t i;
    json_t *s;
    json_array_foreach(sections, i, s)
    {
        const char *h = get(s, "heading");
        core_buf_addf(b, "\n%s\n", h);
        underline(b, strlen(h), '-');
        size_t j;
        json_t *blk;
        json_array_foreach(json_object_get(s, "blocks"), j, blk)
        {
            if (get(blk, "p")) {
                core_buf_addch(b, '\n');
                wrap(b, get(blk, "p"), "", 0);
            } else {
                size_t k;
                json_t *li;
                json_array_foreach(json_object_get(blk, "ul"), k, li)
                {
                    wrap(b, json_string_value(li), "  - ", 4);
                }
            }
        }
    }
}

static void html_text(core_buf *b, const char *s)
{
    core_buf_add_html(b, s, strlen(s));
}

static void write_html(core_buf *b, const char *title, const json_t *sections)
{
    core_buf_adds(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(b, title);
    core_buf_adds(b, "</title>\n</head>\n<body>\n<main>\n<h1>");
    html_text(b, title);
    core_buf_adds(b, "</h1>\n");
    size_t i;
    json_t *s;
    json_array_foreach(sections, i, s)
    {
        core_buf_adds(b, "<section>\n<h2>");
        html_text(b, get(s, "heading"));
        core_buf_adds(b, "</h2>\n");
        size_t j;
        json_t *blk;
        json_array_foreach(json_object_get(s, "blocks"), j, blk)
        {
            if (get(blk, "p")) {
                core_buf_adds(b, "<p>");
                html_text(b, get(blk, "p"));
                core_buf_adds(b, "</p>\n");
            } else {
                core_buf_adds(b, "<ul>\n");
                size_t k;
                json_t *li;
                json_array_foreach(json_object_get(blk, "ul"), k, li)
                {
                    core_buf_adds(b, "<li>");
                    html_text(b, json_string_value(li));
                    core_buf_adds(b, "</li>\n");
                }
                core_buf_adds(b, "</ul>\n");
            }
        }
        core_buf_adds(b, "</section>\n");
    }
    core_buf_adds(b, "</main>\n</body>\n</html>\n");
}

int policy_notice_format_parse(const char *s, policy_notice_format *out)
{
    if (!s) return -1;
    if (strcmp(s, "text") == 0)
        *out = POLICY_NOTICE_TEXT;
    else if (strcmp(s, "html") == 0)
        *out = POLICY_NOTICE_HTML;
    else if (strcmp(s, "json") == 0)
        *out = POLICY_NOTICE_JSON;
    else
        return -1;
    return 0;
}

const char *policy_notice_content_type(policy_notice_format f)
{
    return f == POLICY_NOTICE_HTML   ? "text/html; charset=utf-8"
           : f == POLICY_NOTICE_JSON ? "application/json; charset=utf-8"
                                     : "text/plain; charset=utf-8";
}

int policy_notice_render(const policy *p, policy_notice_format f, core_buf *out, core_error *err)
{
    notice n;
    memset(&n, 0, sizeof(n));
    n.doc = p->doc;
    n.sections = json_array();
    const char *title = fmt(&n, "Privacy notice: %s", get(p->doc, "service"));
    who_we_are(&n);
    what_we_collect(&n);
    why_and_basis(&n);
    sharing(&n);
    research(&n);
    retention(&n, p);
    decisions(&n, p);
    rights(&n);
    contacts(&n);
    if (f == POLICY_NOTICE_TEXT) {
        write_text(out, title, n.sections);
    } else if (f == POLICY_NOTICE_HTML) {
        write_html(out, title, n.sections);
    } else {
        json_t *j = json_pack("{s:s,s:s,s:O,s:O}", "profile", p->profile, "title", title, "sections",
                              n.sections, "policy", p->doc);
        char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        if (!s) core_die("out of memory");
        core_buf_adds(out, s);
        core_buf_addch(out, '\n');
        free(s);
        json_decref(j);
    }
    json_decref(n.sections);
    core_arena_release(&n.arena);
    if (!core_buf_ok(out))
        return core_error_set(err, CORE_E_INTERNAL, "the notice is longer than its buffer allows");
    return 0;
}
