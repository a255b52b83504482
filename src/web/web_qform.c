/*
 * web_qform.c — question pages from a list of fields (contract in web_qform.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "core/core_parse.h"
#include "web/web_qform.h"

enum { CHECKED_MAX = 64 };

/* The number in the first len bytes of s (0 when it is not one: the callers have checked the digits). */
static int64_t num(const char *s, size_t len)
{
    int64_t v = 0;
    return core_parse_int64(s, len, 0, INT64_MAX, &v) ? 0 : v;
}

static const char *S(web_str_id id)
{
    return id == WEB_S_LANG ? NULL : web_str(id);
}

void web_qform_init(http_req *req, web_qform *f, const web_qfield *fields, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->fields = fields;
    f->n = n;
    const char ***arrays[] = {&f->value, &f->d, &f->m, &f->y, &f->t, &f->error};
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        *arrays[i] = core_arena_calloc(&req->arena, n ? n : 1, sizeof(const char *));
    f->records = core_arena_calloc(&req->arena, n ? n : 1, sizeof(json_t *));
    f->summary = web_buf(req);
}

static int is_date_kind(web_qfield_kind k)
{
    return k == WEB_F_DATE || k == WEB_F_DATETIME;
}

void web_qform_from_row(http_req *req, web_qform *f, json_t *row)
{
    for (size_t i = 0; i < f->n; i++) {
        const web_qfield *w = &f->fields[i];
        json_t *v = json_object_get(row, w->name);
        if (!v || json_is_null(v)) continue;
        if (json_is_boolean(v)) {
            f->value[i] = json_is_true(v) ? "yes" : "no";
            continue;
        }
        const char *s = web_json_text(req, row, w->name);
        if (!s) continue;
        if (is_date_kind(w->kind) && strlen(s) >= 10) {
            f->y[i] = core_arena_strndup(&req->arena, s, 4);
            f->m[i] = core_arena_printf(&req->arena, "%" PRId64, num(s + 5, 2));
            f->d[i] = core_arena_printf(&req->arena, "%" PRId64, num(s + 8, 2));
            if (w->kind == WEB_F_DATETIME && strlen(s) >= 16)
                f->t[i] = core_arena_strndup(&req->arena, s + 11, 5);
        } else {
            f->value[i] = s;
        }
    }
}

static const char *part(http_req *req, const char *name, const char *suffix)
{
    const char *v = http_form(req, core_arena_printf(&req->arena, "%s-%s", name, suffix));
    return v ? v : "";
}

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* Trim spaces from both ends (arena copy). */
static const char *trimmed(http_req *req, const char *s)
{
    if (!s) return "";
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return core_arena_strndup(&req->arena, s, n);
}

/* The date the three parts make, or what was typed (which the model refuses as not a real date). */
static const char *date_of(http_req *req, const char *d, const char *m, const char *y)
{
    if (all_digits(d) && all_digits(m) && all_digits(y) && strlen(y) == 4 && strlen(d) <= 2 && strlen(m) <= 2)
        return core_arena_printf(&req->arena, "%s-%02d-%02d", y, (int)num(m, strlen(m)),
                                 (int)num(d, strlen(d)));
    return core_arena_printf(&req->arena, "%s-%s-%s", y, m, d);
}

static void json_release(void *p)
{
    json_decref(p);
}

json_t *web_qform_body(http_req *req, web_qform *f)
{
    json_t *body = json_object();
    core_arena_on_release(&req->arena, json_release, body);
    for (size_t i = 0; i < f->n; i++) {
        const web_qfield *w = &f->fields[i];
        if (is_date_kind(w->kind)) {
            f->d[i] = trimmed(req, part(req, w->name, "day"));
            f->m[i] = trimmed(req, part(req, w->name, "month"));
            f->y[i] = trimmed(req, part(req, w->name, "year"));
            f->t[i] = w->kind == WEB_F_DATETIME ? trimmed(req, part(req, w->name, "time")) : "";
            if (!*f->d[i] && !*f->m[i] && !*f->y[i] && !*f->t[i]) continue;
            const char *date = date_of(req, f->d[i], f->m[i], f->y[i]);
            if (w->kind == WEB_F_DATETIME)
                date = core_arena_printf(&req->arena, "%sT%sZ", date, *f->t[i] ? f->t[i] : "00:00");
            json_object_set_new(body, w->name, json_string(date));
            continue;
        }
        if (w->kind == WEB_F_CHECKBOXES) {
            const char *vals[CHECKED_MAX];
            size_t n = http_form_values(req, w->name, vals, CHECKED_MAX);
            core_buf *b = web_buf(req);
            for (size_t k = 0; k < n; k++) {
                if (!vals[k][0]) continue;
                if (b->len) core_buf_adds(b, ",");
                core_buf_adds(b, vals[k]);
            }
            f->value[i] = b->len ? b->data : NULL;
            if (b->len) json_object_set_new(body, w->name, json_string(b->data));
            continue;
        }
        const char *v = http_form(req, w->name);
        v = w->kind == WEB_F_TEXTAREA ? (v ? v : "") : trimmed(req, v);
        /* a browser sends CR LF in a textarea: keep the text as written, with LF line ends */
        f->value[i] = v;
        if (!v[0] || (w->kind == WEB_F_TEXTAREA && !trimmed(req, v)[0])) continue;
        json_t *j;
        if (w->kind == WEB_F_INT || w->kind == WEB_F_SCALE || w->kind == WEB_F_RECORD)
            j = all_digits(v) && strlen(v) < 10 ? json_integer(num(v, strlen(v))) : json_string(v);
        else if (w->kind == WEB_F_BOOL)
            j = strcmp(v, "yes") == 0 ? json_true() : strcmp(v, "no") == 0 ? json_false() : json_string(v);
        else
            j = json_string(v);
        json_object_set_new(body, w->name, j);
    }
    return body;
}

static int field_index(web_qform *f, const char *name)
{
    for (size_t i = 0; name && i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0) return (int)i;
    return -1;
}

/* The anchor of field i: a date's first part, a choice's first item. */
static const char *anchor(http_req *req, web_qform *f, int i)
{
    if (i < 0) i = 0;
    if (f->n == 0) return "main-content";
    const web_qfield *w = &f->fields[i];
    if (is_date_kind(w->kind)) return core_arena_printf(&req->arena, "%s-day", w->name);
    if (w->kind == WEB_F_RADIOS || w->kind == WEB_F_CHECKBOXES || w->kind == WEB_F_SCALE ||
        w->kind == WEB_F_BOOL)
        return core_arena_printf(&req->arena, "%s-1", w->name);
    return w->name;
}

void web_qform_error(http_req *req, web_qform *f, const char *field, const char *text)
{
    int i = field_index(f, field);
    if (i >= 0 && !f->error[i]) f->error[i] = text;
    web_tpl_error_summary_item(f->summary, &(web_tpl_error_summary_item_args){anchor(req, f, i), text});
    f->nerrors++;
}

/* A label inside a sentence: "the " and its first letter in lower case ("Date held" -> "the date held"),
 * unless the text before already says "the", or the label starts with an acronym ("NHS number"). */
static void label_within(core_buf *b, const char *label)
{
    if (!(b->len >= 4 && strncmp(b->data + b->len - 4, "the ", 4) == 0)) core_buf_adds(b, "the ");
    if (label[0] >= 'A' && label[0] <= 'Z' && !(label[1] >= 'A' && label[1] <= 'Z')) {
        char first = (char)(label[0] - 'A' + 'a');
        core_buf_add(b, &first, 1);
        core_buf_adds(b, label + 1);
    } else {
        core_buf_adds(b, label);
    }
}

/* Columns a rule compares with a field of the form, when the form does not ask them itself. */
static const struct {
    const char *column;
    web_str_id words;
} COLUMN_WORDS[] = {
    {"start_date", WEB_S_W_CASE_STARTED},      {"started_on", WEB_S_CASE_STARTED_ON},
    {"programme_start", WEB_S_W_PROGRAMME_STARTED}, {"received_on", WEB_S_W_RECEIVED},
    {"held_on", WEB_S_CASE_HELD_ON},           {"agreed_on", WEB_S_CASE_AGREED_ON},
    {"supervised_on", WEB_S_SUP_ON},           {"user_id", WEB_S_CASE_TAF_USER},
};

/* The model's words with the form's, so that a message never names a column: "field held_on is required" ->
 * "Date held is required", "end_date must be on or after start_date" -> "End date must be on or after the
 * start date". A field of the form takes its label; another name of the record (letters joined by '_') its
 * words. */
static const char *in_words(http_req *req, web_qform *f, const char *detail)
{
    core_buf *b = web_buf(req);
    const char *p = detail;
    if (strncmp(p, "field ", 6) == 0) p += 6;
    while (*p) {
        int starts = p == detail || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        size_t len = 0;
        while (starts && (islower((unsigned char)p[len]) || p[len] == '_' || isdigit((unsigned char)p[len]))) len++;
        const char *label = NULL;
        for (size_t i = 0; i < f->n && len && !label; i++)
            if (strlen(f->fields[i].name) == len && strncmp(p, f->fields[i].name, len) == 0)
                label = web_str(f->fields[i].label);
        for (size_t i = 0; i < sizeof(COLUMN_WORDS) / sizeof(COLUMN_WORDS[0]) && len && !label; i++)
            if (strlen(COLUMN_WORDS[i].column) == len && strncmp(p, COLUMN_WORDS[i].column, len) == 0)
                label = web_str(COLUMN_WORDS[i].words);
        if (!label && len && memchr(p, '_', len) && p[len - 1] != '_') { /* another column: its words */
            char *words = core_arena_printf(&req->arena, "%.*s", (int)len, p);
            if (len > 3 && strcmp(words + len - 3, "_id") == 0) words[len - 3] = '\0';
            for (char *c = words; *c; c++)
                if (*c == '_') *c = ' ';
            label = words;
        }
        if (label) {
            if (b->len)
                label_within(b, label);
            else
                core_buf_adds(b, label);
            p += len;
        } else {
            core_buf_add(b, p, len ? len : 1);
            p += len ? len : 1;
        }
    }
    if (b->len && b->data[0] >= 'a' && b->data[0] <= 'z') b->data[0] = (char)(b->data[0] - 'a' + 'A');
    return b->data ? b->data : "";
}

int web_qform_refused(http_req *req, web_qform *f, const core_error *err)
{
    int status = core_error_http_status(err->code);
    if (status != 422 && status != 409) return 0;
    if (json_array_size(req->problems)) {
        size_t i;
        json_t *p;
        json_array_foreach(req->problems, i, p)
        {
            const char *detail = json_string_value(json_object_get(p, "detail"));
            web_qform_error(req, f, json_string_value(json_object_get(p, "field")),
                           in_words(req, f, detail ? detail : ""));
        }
    } else {
        /* one error: a problem the model named a field in, or a rule of the whole record */
        const char *field = NULL;
        for (size_t i = 0; i < f->n && !field; i++)
            if (strstr(err->detail, f->fields[i].name)) field = f->fields[i].name;
        web_qform_error(req, f, field, in_words(req, f, err->detail));
    }
    return 1;
}

static const char *described(http_req *req, const web_qfield *w, const char *error)
{
    const char *hint = S(w->hint);
    if (hint && error) return core_arena_printf(&req->arena, "%s-hint %s-error", w->name, w->name);
    if (hint) return core_arena_printf(&req->arena, "%s-hint", w->name);
    return error ? core_arena_printf(&req->arena, "%s-error", w->name) : NULL;
}

/* Is code among the comma-separated codes of list? */
static int among(const char *list, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, code, n) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The choices of a field as [{code, label}]: its reference list, 0..10, or yes and no. */
static json_t *choices(http_req *req, web_qform *f, size_t i)
{
    const web_qfield *w = &f->fields[i];
    if (w->kind == WEB_F_RECORD && f->records[i]) return f->records[i];
    json_t *codes = NULL;
    if (w->kind == WEB_F_SCALE || w->kind == WEB_F_BOOL) {
        codes = json_array();
        core_arena_on_release(&req->arena, json_release, codes);
        if (w->kind == WEB_F_BOOL) {
            json_array_append_new(codes,
                                  json_pack("{s:s,s:s}", "code", "yes", "label", web_str(WEB_S_CASE_YES)));
            json_array_append_new(codes,
                                  json_pack("{s:s,s:s}", "code", "no", "label", web_str(WEB_S_CASE_NO)));
        } else {
            for (int k = 0; k <= 10; k++) {
                char s[4];
                snprintf(s, sizeof(s), "%d", k);
                json_array_append_new(codes, json_pack("{s:s,s:s}", "code", s, "label", s));
            }
        }
        return codes;
    }
    core_error err;
    core_error_clear(&err);
    if (!w->list || api_reference_code_items(req, w->list, &codes, &err) || !codes) {
        codes = json_array();
        core_arena_on_release(&req->arena, json_release, codes);
    }
    return codes;
}

static void draw_field(http_req *req, core_buf *b, web_qform *f, size_t i)
{
    const web_qfield *w = &f->fields[i];
    const char *error = f->error[i], *hint = S(w->hint), *prefix = web_str(WEB_S_ERROR_PREFIX);
    const char *label = web_str(w->label), *by = described(req, w, error);
    switch (w->kind) {
    case WEB_F_TEXTAREA:
        web_tpl_w_textarea(b, &(web_tpl_w_textarea_args){.error = error,
                                                               .field = w->name,
                                                               .label = label,
                                                               .hint = hint,
                                                               .error_prefix = prefix,
                                                               .described_by = by,
                                                               .value = f->value[i]});
        return;
    case WEB_F_DATE:
    case WEB_F_DATETIME: {
        web_tpl_case_date(b, &(web_tpl_case_date_args){.error = error,
                                                       .field = w->name,
                                                       .label = label,
                                                       .hint = hint,
                                                       .error_prefix = prefix,
                                                       .described_by = by,
                                                       .day = web_str(WEB_S_CASE_DAY),
                                                       .month = web_str(WEB_S_CASE_MONTH),
                                                       .year = web_str(WEB_S_CASE_YEAR),
                                                       .d = f->d[i],
                                                       .m = f->m[i],
                                                       .y = f->y[i]});
        if (w->kind == WEB_F_DATETIME)
            web_tpl_case_input(
                b, &(web_tpl_case_input_args){.field = core_arena_printf(&req->arena, "%s-time", w->name),
                                              .label = web_str(WEB_S_CASE_TIME),
                                              .hint = NULL,
                                              .width = "govuk-input--width-5",
                                              .value = f->t[i]});
        return;
    }
    case WEB_F_SELECT:
    case WEB_F_RECORD: {
        json_t *codes = choices(req, f, i);
        core_buf *opts = web_buf(req);
        size_t k;
        json_t *c;
        json_array_foreach(codes, k, c)
        {
            const char *code = json_string_value(json_object_get(c, "code"));
            web_tpl_w_option(
                opts, &(web_tpl_w_option_args){
                          .value = code,
                          .label = json_string_value(json_object_get(c, "label")),
                          .selected = f->value[i] && code && strcmp(f->value[i], code) == 0 ? "1" : NULL});
        }
        web_tpl_case_select(b, &(web_tpl_case_select_args){.error = error,
                                                           .field = w->name,
                                                           .label = label,
                                                           .hint = hint,
                                                           .error_prefix = prefix,
                                                           .described_by = by,
                                                           .choose = web_str(WEB_S_CASE_CHOOSE),
                                                           .options = web_render(opts)});
        return;
    }
    case WEB_F_RADIOS:
    case WEB_F_CHECKBOXES:
    case WEB_F_SCALE:
    case WEB_F_BOOL: {
        int boxes = w->kind == WEB_F_CHECKBOXES;
        const char *kind = boxes ? "checkboxes" : "radios";
        json_t *codes = choices(req, f, i);
        core_buf *items = web_buf(req);
        size_t k;
        json_t *c;
        json_array_foreach(codes, k, c)
        {
            const char *code = json_string_value(json_object_get(c, "code"));
            int on =
                f->value[i] && code && (boxes ? among(f->value[i], code) : strcmp(f->value[i], code) == 0);
            web_tpl_case_choice(items, &(web_tpl_case_choice_args){
                                           .kind = kind,
                                           .id = core_arena_printf(&req->arena, "%s-%zu", w->name, k + 1),
                                           .field = w->name,
                                           .type = boxes ? "checkbox" : "radio",
                                           .value = code,
                                           .checked = on ? "1" : NULL,
                                           .label = json_string_value(json_object_get(c, "label"))});
        }
        web_tpl_case_choices(b, &(web_tpl_case_choices_args){.error = error,
                                                             .field = w->name,
                                                             .label = label,
                                                             .hint = hint,
                                                             .error_prefix = prefix,
                                                             .described_by = by,
                                                             .kind = kind,
                                                             .items = web_render(items)});
        return;
    }
    default:
        web_tpl_case_input(
            b, &(web_tpl_case_input_args){.error = error,
                                          .field = w->name,
                                          .label = label,
                                          .hint = hint,
                                          .error_prefix = prefix,
                                          .described_by = by,
                                          .value = f->value[i],
                                          .width = w->kind == WEB_F_INT ? "govuk-input--width-4" : NULL,
                                          .inputmode = w->kind == WEB_F_INT ? "numeric" : NULL});
    }
}

int web_qform_reply(http_req *req, web_qform *f, const char *caption, const char *heading, const char *action,
                   const char *submit, const char *cancel_href, web_raw intro)
{
    core_buf *fields = web_buf(req), *errors = web_buf(req);
    for (size_t i = 0; i < f->n; i++)
        draw_field(req, fields, f, i);
    if (f->nerrors)
        web_tpl_error_summary(
            errors, &(web_tpl_error_summary_args){web_str(WEB_S_ERROR_SUMMARY), web_render(f->summary)});
    char csrf[AUTH_CSRF_CHARS + 1] = "";
    if (req->session_token) auth_csrf_token(req->session_token, csrf);
    core_buf *b = web_buf(req);
    web_tpl_case_form(b, &(web_tpl_case_form_args){.errors = web_render(errors),
                                                   .caption = caption,
                                                   .heading = heading,
                                                   .intro = intro,
                                                   .action = action,
                                                   .csrf_token = csrf,
                                                   .hidden = f->hidden,
                                                   .secondary = f->secondary,
                                                   .fields = web_render(fields),
                                                   .submit = submit,
                                                   .cancel_href = cancel_href,
                                                   .cancel = web_str(WEB_S_CASE_CANCEL)});
    return web_reply_page(req, f->nerrors ? 422 : 200, heading, f->nerrors > 0, web_render(b));
}

const char *web_code_label(http_req *req, const char *list, const char *code)
{
    if (!code) return NULL;
    json_t *codes = NULL;
    core_error err;
    core_error_clear(&err);
    if (api_reference_code_items(req, list, &codes, &err) == 0) {
        size_t i;
        json_t *c;
        json_array_foreach(codes, i, c)
        {
            const char *cc = json_string_value(json_object_get(c, "code"));
            if (cc && strcmp(cc, code) == 0) return json_string_value(json_object_get(c, "label"));
        }
    }
    return code;
}

void web_qsummary_row(http_req *req, core_buf *b, const char *key, const char *value, const char *tag,
                     const char *tag_class, const char *href, const char *action)
{
    (void)req;
    web_tpl_case_summary_row(b, &(web_tpl_case_summary_row_args){.no_action = href ? NULL : "1",
                                                                 .key = key,
                                                                 .value = value,
                                                                 .tag = tag,
                                                                 .tag_class = tag_class,
                                                                 .href = href,
                                                                 .action = action});
}

web_raw web_qsummary(http_req *req, core_buf *rows)
{
    core_buf *b = web_buf(req);
    web_tpl_case_summary(b, &(web_tpl_case_summary_args){web_render(rows)});
    return web_render(b);
}

void web_link_item(core_buf *b, const char *href, const char *text)
{
    web_tpl_case_link_item(b, &(web_tpl_case_link_item_args){href, text});
}

web_raw web_links(http_req *req, core_buf *items)
{
    core_buf *b = web_buf(req);
    web_tpl_case_links(b, &(web_tpl_case_links_args){web_render(items)});
    return web_render(b);
}

const char *web_date_words(http_req *req, const char *iso)
{
    static const web_str_id months[12] = {WEB_S_CASE_JAN, WEB_S_CASE_FEB, WEB_S_CASE_MAR, WEB_S_CASE_APR,
                                          WEB_S_CASE_MAY, WEB_S_CASE_JUN, WEB_S_CASE_JUL, WEB_S_CASE_AUG,
                                          WEB_S_CASE_SEP, WEB_S_CASE_OCT, WEB_S_CASE_NOV, WEB_S_CASE_DEC};
    if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-') return iso;
    int m = (int)num(iso + 5, 2), d = (int)num(iso + 8, 2);
    if (m < 1 || m > 12) return iso;
    const char *words = core_arena_printf(&req->arena, "%d %s %.4s", d, web_str(months[m - 1]), iso);
    if (strlen(iso) >= 16 && iso[10] == 'T')
        words = core_arena_printf(&req->arena, "%s, %.5s", words, iso + 11);
    return words;
}
