/*
 * policy.c — policy_load(): read the file, check it whole, and fill the retention classes and holds.
 *
 * The steps (policy_internal.h): the YAML reader builds the tree with every node's line; the schema walk
 * checks kinds, required and unknown keys; then the rules across fields below. Every step adds to one error
 * list, so a DPO fixing a file sees up to POLICY_MAX_ERRORS problems at once, each as "FILE:LINE: ...".
 * Nothing is returned unless every check passed (policy.h invariant 1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core_date.h"
#include "policy/policy_internal.h"

static const char *const records_names[POLICY_RECORDS_COUNT] = {
    "contact_no_further_action", "early_help_case", "stepped_up_case", "supporting_families_case",
    "family_centre_client"};
static const char *const trigger_names[POLICY_TRIGGER_COUNT] = {
    "case_closure", "end_of_year_of_closure", "date_of_birth", "last_contact", "programme_end"};
static const char *const disposal_names[] = {"destroy", "archive", "review"};
static const char *const scope_names[] = {"children", "all"};

const char *policy_records_name(policy_records r)
{
    return (unsigned)r < POLICY_RECORDS_COUNT ? records_names[r] : NULL;
}

const char *policy_trigger_name(policy_trigger t)
{
    return (unsigned)t < POLICY_TRIGGER_COUNT ? trigger_names[t] : NULL;
}

const char *policy_disposal_name(policy_disposal d)
{
    return (unsigned)d < sizeof(disposal_names) / sizeof(disposal_names[0]) ? disposal_names[d] : NULL;
}

const char *policy_hold_scope_name(policy_hold_scope s)
{
    return (unsigned)s < sizeof(scope_names) / sizeof(scope_names[0]) ? scope_names[s] : NULL;
}

/* Index of name in names[0..n), or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* ---- the rules across fields ---- */

typedef struct cross {
    const policy_lines *lines;
    policy_errs *e;
} cross;

static int line_of(const cross *x, const json_t *obj, const char *key)
{
    int l = key ? policy_lines_get(x->lines, obj, key, 0) : 0;
    return l ? l : policy_lines_get(x->lines, obj, NULL, POLICY_LINE_SELF);
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Each item's `code` (key) once in the list. */
static void unique_codes(const cross *x, const json_t *list, const char *what)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        const char *ca = str(a, "code");
        for (size_t j = 0; ca && j < i; j++) {
            const char *cb = str(json_array_get(list, j), "code");
            if (cb && strcmp(ca, cb) == 0) {
                policy_err(x->e, line_of(x, a, "code"),
                           "%s[%zu]: code '%.40s' is already used by %s[%zu] (line %d)", what, i + 1, ca,
                           what, j + 1, line_of(x, json_array_get(list, j), "code"));
                break;
            }
        }
    }
}

static void check_contact(const cross *x, const json_t *c, const char *what)
{
    static const char *const routes[] = {"address", "email", "phone", "website"};
    for (size_t i = 0; i < 4; i++)
        if (json_object_get(c, routes[i])) return;
    policy_err(x->e, line_of(x, c, NULL),
               "%s: give at least one way to reach them (address, email, phone or website)", what);
}

static void check_categories(const cross *x, const json_t *list)
{
    unique_codes(x, list, "data_categories");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *c = json_array_get(list, i);
        const char *kind = str(c, "kind"), *art9 = str(c, "art9_condition"), *dpa = str(c, "dpa_condition");
        int l = line_of(x, c, "kind");
        if (strcmp(kind, "personal") == 0) {
            if (art9 || dpa)
                policy_err(
                    x->e, line_of(x, c, art9 ? "art9_condition" : "dpa_condition"),
                    "data_categories[%zu]: personal information takes no art9_condition or dpa_condition "
                    "(make its kind special or criminal_offence)",
                    i + 1);
        } else if (strcmp(kind, "special") == 0) {
            if (!art9)
                policy_err(x->e, l,
                           "data_categories[%zu]: special category information needs an art9_condition "
                           "(UK GDPR Article 9(2))",
                           i + 1);
            else if (policy_art9_needs_dpa(art9) && !dpa)
                policy_err(x->e, line_of(x, c, "art9_condition"),
                           "data_categories[%zu]: %s needs a dpa_condition as well (DPA 2018 Schedule 1)",
                           i + 1, art9);
        } else { /* criminal_offence: Article 10 and a Schedule 1 condition */
            if (art9)
                policy_err(x->e, line_of(x, c, "art9_condition"),
                           "data_categories[%zu]: criminal offence information is Article 10, not Article 9: "
                           "remove art9_condition",
                           i + 1);
            if (!dpa)
                policy_err(x->e, l,
                           "data_categories[%zu]: criminal offence information needs a dpa_condition "
                           "(UK GDPR Article 10 with DPA 2018 Schedule 1)",
                           i + 1);
        }
    }
}

static void check_age(const cross *x, const json_t *age)
{
    const json_t *from = json_object_get(age, "from");
    json_int_t to = json_integer_value(json_object_get(age, "to"));
    const json_t *dis = json_object_get(age, "to_with_disability");
    if (json_is_integer(from) && json_integer_value(from) > to)
        policy_err(x->e, line_of(x, age, "to"), "age_range: to (%d) is below from (%d)", (int)to,
                   (int)json_integer_value(from));
    if (dis && json_integer_value(dis) < to)
        policy_err(x->e, line_of(x, age, "to_with_disability"),
                   "age_range: to_with_disability (%d) is below to (%d)", (int)json_integer_value(dis),
                   (int)to);
}

static void check_holds(const cross *x, const json_t *holds)
{
    unique_codes(x, holds, "retention.holds");
    for (size_t i = 0; i < json_array_size(holds); i++) {
        const json_t *h = json_array_get(holds, i);
        const char *from = str(h, "from"), *until = str(h, "until");
        if (until && strcmp(until, from) < 0) /* both valid ISO dates: text order is date order */
            policy_err(x->e, line_of(x, h, "until"), "retention.holds[%zu]: until %s is before from %s",
                       i + 1, until, from);
    }
}

static void check_research(const cross *x, const json_t *list)
{
    unique_codes(x, list, "research_shares");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *r = json_array_get(list, i);
        if (json_object_get(r, "destroyed_after") && json_object_get(r, "destroyed_when"))
            policy_err(
                x->e, line_of(x, r, "destroyed_when"),
                "research_shares[%zu]: give destroyed_after (a period) or destroyed_when (words), not both",
                i + 1);
        const json_t *fields = json_object_get(r, "fields");
        for (size_t a = 0; a < json_array_size(fields); a++)
            for (size_t b = 0; b < a; b++)
                if (strcmp(json_string_value(json_array_get(fields, a)),
                           json_string_value(json_array_get(fields, b))) == 0) {
                    policy_err(x->e, policy_lines_get(x->lines, fields, NULL, a),
                               "research_shares[%zu]: field '%s' is listed twice", i + 1,
                               json_string_value(json_array_get(fields, a)));
                    break;
                }
    }
}

static void cross_check(const cross *x, const json_t *doc)
{
    check_contact(x, json_object_get(doc, "controller"), "controller");
    check_contact(x, json_object_get(doc, "dpo"), "dpo");
    check_contact(x, json_object_get(doc, "ico"), "ico");
    if (json_object_get(doc, "age_range")) check_age(x, json_object_get(doc, "age_range"));
    check_categories(x, json_object_get(doc, "data_categories"));
    const json_t *ret = json_object_get(doc, "retention");
    unique_codes(x, json_object_get(ret, "classes"), "retention.classes");
    check_holds(x, json_object_get(ret, "holds"));
    check_research(x, json_object_get(doc, "research_shares"));
}

/* ---- filling the policy ---- */

static policy_period period_of(const json_t *v)
{
    policy_period p;
    p.years = (int)json_integer_value(json_object_get(v, "years"));
    p.months = (int)json_integer_value(json_object_get(v, "months"));
    p.days = (int)json_integer_value(json_object_get(v, "days"));
    return p;
}

static void fill(policy *p, const policy_lines *lines)
{
    core_arena *a = &p->arena;
    p->profile = core_arena_strdup(a, str(p->doc, "profile"));
    p->automated_decisions = json_is_true(json_object_get(p->doc, "automated_decisions"));
    p->assessment_needs_agreement = json_is_true(json_object_get(p->doc, "assessment_needs_agreement"));
    const json_t *ret = json_object_get(p->doc, "retention");
    const json_t *classes = json_object_get(ret, "classes"), *holds = json_object_get(ret, "holds");
    size_t nc = json_array_size(classes), nh = json_array_size(holds);
    policy_retention_class *c = core_arena_calloc(a, nc ? nc : 1, sizeof(*c));
    for (size_t i = 0; i < nc; i++) {
        const json_t *j = json_array_get(classes, i);
        c[i].code = core_arena_strdup(a, str(j, "code"));
        c[i].label = core_arena_strdup(a, str(j, "label"));
        c[i].records = (policy_records)index_of(records_names, POLICY_RECORDS_COUNT, str(j, "records"));
        c[i].trigger = (policy_trigger)index_of(trigger_names, POLICY_TRIGGER_COUNT, str(j, "trigger"));
        c[i].period = period_of(json_object_get(j, "period"));
        c[i].disposal = (policy_disposal)index_of(disposal_names, 3, str(j, "disposal"));
        c[i].notice_text = core_arena_strdup(a, str(j, "notice_text"));
        c[i].line = policy_lines_get(lines, classes, NULL, i);
    }
    policy_hold *h = core_arena_calloc(a, nh ? nh : 1, sizeof(*h));
    for (size_t i = 0; i < nh; i++) {
        const json_t *j = json_array_get(holds, i);
        h[i].code = core_arena_strdup(a, str(j, "code"));
        h[i].reason = core_arena_strdup(a, str(j, "reason"));
        h[i].scope = (policy_hold_scope)index_of(scope_names, 2, str(j, "scope"));
        h[i].from = core_arena_strdup(a, str(j, "from"));
        h[i].until = core_arena_strdup(a, str(j, "until")); /* NULL when absent or empty */
        h[i].release_after = period_of(json_object_get(j, "release_after"));
        h[i].line = policy_lines_get(lines, holds, NULL, i);
    }
    p->classes = c;
    p->nclasses = (uint32_t)nc;
    p->holds = h;
    p->nholds = (uint32_t)nh;
}

/* ---- errors out ---- */

/* One error line of the list: where it starts, its length with the newline, its line number. */
typedef struct err_line {
    const char *s;
    size_t len;
    long line;
    size_t order; /* found order, so that errors on one line keep it */
} err_line;

static int err_line_cmp(const void *a, const void *b)
{
    const err_line *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Put the error lines in file order (each "NAME:LINE: ..."): the steps find them in their own order. */
static void sort_by_line(policy_errs *e)
{
    err_line lines[POLICY_MAX_ERRORS];
    size_t n = 0, skip = strlen(e->name) + 1;
    for (const char *s = e->text.data; *s && n < POLICY_MAX_ERRORS;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) + 1 : strlen(s);
        lines[n] = (err_line){s, len, len > skip ? strtol(s + skip, NULL, 10) : 0, n};
        n++;
        s += len;
    }
    qsort(lines, n, sizeof(lines[0]), err_line_cmp);
    core_buf sorted;
    core_buf_init(&sorted, e->text.max);
    for (size_t i = 0; i < n; i++)
        core_buf_add(&sorted, lines[i].s, lines[i].len);
    core_buf_release(&e->text);
    e->text = sorted;
}

static int report(policy_errs *e, core_error *err, core_buf *errors)
{
    sort_by_line(e);
    if (errors) {
        core_buf_add(errors, e->text.data, e->text.len);
        if (e->count > POLICY_MAX_ERRORS)
            core_buf_addf(errors, "%s: %d more errors not shown (fix these and check again)\n", e->name,
                          e->count - POLICY_MAX_ERRORS);
    }
    core_error_set(err, CORE_E_INVALID_VALUE, "%s", "");
    core_error_message(err, "policy file is not valid (%d error%s)", e->count, e->count == 1 ? "" : "s");
    if (err) { /* whole lines that fit, then how many more */
        size_t cap = sizeof(err->detail) - 24, n = 0, shown = 0;
        const char *s = e->text.data;
        while (s[n]) {
            const char *nl = strchr(s + n, '\n');
            size_t end = nl ? (size_t)(nl - s) : strlen(s);
            if (end > cap) break;
            n = nl ? end + 1 : end;
            shown++;
        }
        if (shown == 0) { /* even the first line is too long: cut it */
            snprintf(err->detail, sizeof(err->detail), "%.*s", (int)cap, s);
            shown = 1;
        } else {
            snprintf(err->detail, sizeof(err->detail), "%.*s", (int)(n && s[n - 1] == '\n' ? n - 1 : n), s);
        }
        if ((int)shown < e->count) {
            size_t len = strlen(err->detail);
            snprintf(err->detail + len, sizeof(err->detail) - len, "\n(and %d more)", e->count - (int)shown);
        }
    }
    core_error_hint(err, "fix each line named (docs/policy.md describes every key), then run "
                         "`hearth policy check FILE` until it passes");
    return CORE_E_INVALID_VALUE;
}

int policy_parse(const char *name, const char *text, size_t len, policy **out, core_error *err,
                 core_buf *errors)
{
    *out = NULL;
    policy_errs e;
    e.name = name;
    e.count = 0;
    core_buf_init(&e.text, 64 * 1024);
    policy_lines lines = {0};
    json_t *doc = NULL;
    int rc = 0;
    if (len > POLICY_MAX_BYTES)
        policy_err(&e, 1, "the file is larger than %zu bytes: this is not a policy file", POLICY_MAX_BYTES);
    else if (policy_yaml_read(text, len, &doc, &lines, &e) == 0 &&
             policy_schema_check(doc, &lines, &e) == 0) {
        cross x = {&lines, &e};
        cross_check(&x, doc);
    }
    if (e.count) {
        rc = report(&e, err, errors);
        json_decref(doc);
    } else {
        policy *p = core_xmalloc(sizeof(*p));
        memset(p, 0, sizeof(*p));
        p->path = core_arena_strdup(&p->arena, name);
        p->doc = doc;
        fill(p, &lines);
        *out = p;
    }
    policy_lines_release(&lines);
    core_buf_release(&e.text);
    return rc;
}

int policy_load_ex(const char *path, policy **out, core_error *err, core_buf *errors)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        int saved = f ? EISDIR : errno; /* opened but not a regular file: a directory, most likely */
        if (f) fclose(f);
        core_error_set(err, CORE_E_IO, "%s: cannot be read (%s)", path, strerror(saved));
        core_error_message(err, "policy file cannot be read");
        core_error_hint(err, "give the path of a policy file, such as policy/durham.yaml");
        if (errors) core_buf_addf(errors, "%s: cannot be read (%s)\n", path, strerror(saved));
        return CORE_E_IO;
    }
    size_t size = st.st_size > (off_t)POLICY_MAX_BYTES ? POLICY_MAX_BYTES + 1 : (size_t)st.st_size;
    char *text = core_xmalloc(size + 1);
    size_t got = fread(text, 1, size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        core_error_set(err, CORE_E_IO, "%s: reading failed", path);
        core_error_message(err, "policy file cannot be read");
        if (errors) core_buf_addf(errors, "%s: reading failed\n", path);
        return CORE_E_IO;
    }
    int rc = policy_parse(path, text, st.st_size > (off_t)POLICY_MAX_BYTES ? POLICY_MAX_BYTES + 1 : got, out,
                          err, errors);
    free(text);
    return rc;
}

int policy_load(const char *path, policy **out, core_error *err)
{
    return policy_load_ex(path, out, err, NULL);
}

void policy_free(policy *p)
{
    if (!p) return;
    json_decref(p->doc);
    core_arena_release(&p->arena);
    free(p);
}
