/*
 * policy_ropa.c — the record of processing activities (UK GDPR art. 30(1)), made from the loaded policy
 * (`hearth policy ropa`; contract in policy_notice.h).
 *
 * One row per category of data the policy declares, in file order, with the columns art. 30(1) lists:
 * (a) the controller and the DPO with their contacts; (b) the purposes; (c) the categories of data subjects and
 * of personal data, with the lawful basis and, for special category and criminal offence data, the condition;
 * (d) the recipients, the other times information is shared, and the research shares; (e) transfers outside
 * the UK; (f) the time limits (each retention class's rule, as the notice states it, and the holds); (g) the
 * security measures. Sources and channels are added, as the ICO's template does. Everything comes from the
 * policy file: change it and the record changes with the notice.
 *
 * CSV (RFC 4180, libcsv's quoting) or a complete HTML page whose every value goes through core_buf_add_html.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_notice.h"

static const char *const COLUMNS[] = {
    "controller",      "controller_contact", "dpo_contact",       "purposes",           "data_subjects",
    "data_category",   "category_kind",      "lawful_basis",      "condition",          "sources",
    "recipients",      "research_shares",    "overseas_transfers", "retention",         "security",
};
enum { NCOLUMNS = sizeof(COLUMNS) / sizeof(COLUMNS[0]) };

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A list (array of strings, or a string) joined with "; ". */
static const char *joined(core_arena *a, const json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    core_buf b;
    core_buf_init_arena(&b, a, 1 << 20);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *s = json_is_string(x) ? json_string_value(x) : str(x, "label");
        if (!s[0])
            s = str(x, "name");
        if (b.len)
            core_buf_adds(&b, "; ");
        core_buf_adds(&b, s);
    }
    return b.data ? b.data : "";
}

static const char *contact(core_arena *a, const json_t *who)
{
    const char *addr = joined(a, json_object_get(who, "address"));
    return core_arena_printf(a, "%s%s%s%s%s%s%s", str(who, "name"), addr[0] ? ", " : "", addr,
                             str(who, "email")[0] ? ", " : "", str(who, "email"), str(who, "phone")[0] ? ", " : "",
                             str(who, "phone"));
}

static const char *subjects(core_arena *a, const json_t *doc)
{
    const json_t *r = json_object_get(doc, "age_range");
    const char *from = json_is_string(json_object_get(r, "from")) ? str(r, "from") : NULL;
    json_int_t to = json_integer_value(json_object_get(r, "to"));
    json_int_t dis = json_integer_value(json_object_get(r, "to_with_disability"));
    const char *range = !r ? ""
                        : from ? core_arena_printf(a, " (from %s to %lld%s)", from, (long long)to,
                                                   dis ? core_arena_printf(a, "; %lld with a disability", (long long)dis) : "")
                               : core_arena_printf(a, " (from %lld to %lld)",
                                                   (long long)json_integer_value(json_object_get(r, "from")),
                                                   (long long)to);
    return core_arena_printf(a, "Children and young people%s, their parents, carers and family members, and "
                                "others who are part of their lives",
                             range);
}

static const char *retention_text(core_arena *a, const policy *p)
{
    core_buf b;
    core_buf_init_arena(&b, a, 1 << 20);
    for (uint32_t i = 0; i < p->nclasses; i++)
        core_buf_addf(&b, "%s%s: %s", i ? "; " : "", p->classes[i].label, policy_class_rule(a, &p->classes[i]));
    for (uint32_t i = 0; i < p->nholds; i++)
        core_buf_addf(&b, "; hold %s from %s%s%s", p->holds[i].code, p->holds[i].from, p->holds[i].until ? " to " : "",
                      p->holds[i].until ? p->holds[i].until : " (standing)");
    return b.data ? b.data : "";
}

static const char *research(core_arena *a, const json_t *doc)
{
    core_buf b;
    core_buf_init_arena(&b, a, 1 << 20);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "research_shares"), i, r)
        core_buf_addf(&b, "%s%s (%s)", i ? "; " : "", str(r, "recipient"), str(r, "code"));
    return b.data ? b.data : "";
}

/* The row of one data category, into cells[NCOLUMNS]. */
static void row(core_arena *a, const policy *p, const json_t *cat, const char **cells)
{
    const json_t *doc = p->doc;
    cells[0] = str(json_object_get(doc, "controller"), "name");
    cells[1] = contact(a, json_object_get(doc, "controller"));
    cells[2] = contact(a, json_object_get(doc, "dpo"));
    cells[3] = joined(a, json_object_get(doc, "purposes"));
    cells[4] = subjects(a, doc);
    cells[5] = str(cat, "label");
    cells[6] = str(cat, "kind");
    cells[7] = joined(a, json_object_get(cat, "lawful_bases"));
    const char *art9 = str(cat, "art9_condition"), *dpa = str(cat, "dpa_condition");
    cells[8] = core_arena_printf(a, "%s%s%s", art9, art9[0] && dpa[0] ? "; " : "", dpa);
    cells[9] = core_arena_printf(a, "%s; channels: %s", joined(a, json_object_get(doc, "sources")),
                                 joined(a, json_object_get(doc, "channels")));
    cells[10] = core_arena_printf(a, "%s; also: %s", joined(a, json_object_get(doc, "recipients")),
                                  joined(a, json_object_get(doc, "other_sharing")));
    cells[11] = research(a, doc);
    cells[12] = str(doc, "overseas_transfers");
    cells[13] = retention_text(a, p);
    cells[14] = str(doc, "security");
}

static void csv_cell(core_buf *b, const char *s)
{
    size_t n = strlen(s), cap = 2 * n + 2;
    char *q = core_xmalloc(cap);
    core_buf_add(b, q, csv_write(q, cap, s, n));
    free(q);
}

int policy_ropa_render(const policy *p, int html, core_buf *out, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    const char *cells[NCOLUMNS];
    const json_t *cats = json_object_get(p->doc, "data_categories");
    size_t i;
    const json_t *cat;
    if (!html) {
        for (int c = 0; c < NCOLUMNS; c++) {
            if (c)
                core_buf_addch(out, ',');
            csv_cell(out, COLUMNS[c]);
        }
        core_buf_adds(out, "\r\n");
        json_array_foreach(cats, i, cat)
        {
            row(&a, p, cat, cells);
            for (int c = 0; c < NCOLUMNS; c++) {
                if (c)
                    core_buf_addch(out, ',');
                csv_cell(out, cells[c]);
            }
            core_buf_adds(out, "\r\n");
        }
    } else {
        const char *name = str(json_object_get(p->doc, "controller"), "name");
        core_buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Record of "
                           "processing: ");
        core_buf_add_html(out, name, strlen(name));
        core_buf_adds(out, "</title>\n</head>\n<body>\n<h1>Record of processing activities (UK GDPR article 30): ");
        core_buf_add_html(out, name, strlen(name));
        core_buf_adds(out, "</h1>\n");
        json_array_foreach(cats, i, cat)
        {
            row(&a, p, cat, cells);
            core_buf_adds(out, "<h2>");
            core_buf_add_html(out, cells[5], strlen(cells[5]));
            core_buf_adds(out, "</h2>\n<table>\n");
            for (int c = 0; c < NCOLUMNS; c++) {
                core_buf_adds(out, "<tr><th>");
                core_buf_add_html(out, COLUMNS[c], strlen(COLUMNS[c]));
                core_buf_adds(out, "</th><td>");
                core_buf_add_html(out, cells[c], strlen(cells[c]));
                core_buf_adds(out, "</td></tr>\n");
            }
            core_buf_adds(out, "</table>\n");
        }
        core_buf_adds(out, "</body>\n</html>\n");
    }
    core_arena_release(&a);
    if (!core_buf_ok(out))
        return core_error_set(err, CORE_E_INTERNAL, "the record of processing is larger than its buffer");
    return 0;
}
