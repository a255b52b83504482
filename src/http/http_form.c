/*
 * http_form.c — request bodies: page forms (urlencoded and multipart/form-data through libmicrohttpd's post
 * processor), cookies, redirects and JSON bodies (contract in http.h).
 */
#include <microhttpd.h>
#include <strings.h>

#include "core/core_log.h"
#include "core/core_parse.h"
#include "http/http.h"
#include "http/http_internal.h"

/* ---- forms and cookies ---- */

struct http_form_field {
    const char *name, *value;
    const char *filename; /* a file's name as the browser gave it (multipart/form-data), else NULL */
    size_t len;           /* value's length in bytes (a file may hold NUL bytes; value is then NULL) */
    core_buf *data;       /* while a multipart body is read: the value so far */
    struct http_form_field *next;
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode n bytes of s ('+' is a space, %XX a byte) into an arena string; NULL when it holds a NUL byte or a
 * broken escape. */
static char *form_decode(core_arena *a, const char *s, size_t n)
{
    char *out = core_arena_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[j++] = ' ';
        } else if (s[i] == '%') {
            if (n - i < 3) /* fewer than two characters follow */
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* Is the request's body multipart/form-data (a page route marked HTTP_ROUTE_UPLOAD)? */
static int form_is_multipart(http_req *req)
{
    const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    return ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
}

struct multipart_ctx {
    http_req *req;
    struct http_form_field **tail, *cur;
    int bad;
};

/* libmicrohttpd's post processor gives each part's bytes in pieces, off counting from the part's start. */
static enum MHD_Result multipart_piece(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                       const char *content_type, const char *transfer_encoding, const char *data,
                                       uint64_t off, size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    struct multipart_ctx *m = cls;
    http_req *req = m->req;
    if (!key)
        return MHD_YES;
    struct http_form_field *f = m->cur;
    if (!f || strcmp(f->name, key) != 0 || (off == 0 && f->data->len > 0)) {
        f = core_arena_calloc(&req->arena, 1, sizeof(*f));
        f->name = core_arena_strdup(&req->arena, key);
        f->filename = filename ? core_arena_strdup(&req->arena, filename) : NULL;
        f->data = core_arena_alloc(&req->arena, sizeof(*f->data));
        core_buf_init_arena(f->data, &req->arena, req->route ? req->route->body_max + 1 : 1);
        *m->tail = f;
        m->tail = &f->next;
        m->cur = f;
    }
    if (size)
        core_buf_add(f->data, data, size);
    if (!core_buf_ok(f->data)) {
        m->bad = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

/* A multipart/form-data body, read with libmicrohttpd's post processor: each part a field (a file's part with
 * its file name). A body the processor refuses leaves no field, so the CSRF check fails and nothing is done. */
static void multipart_parse(http_req *req)
{
    struct multipart_ctx m = {req, &req->form, NULL, 0};
    struct MHD_PostProcessor *pp = MHD_create_post_processor(req->conn, 64 * 1024, multipart_piece, &m);
    if (!pp) {
        req->form = NULL;
        return;
    }
    enum MHD_Result r = req->body.len ? MHD_post_process(pp, req->body.data, req->body.len) : MHD_YES;
    if (MHD_destroy_post_processor(pp) != MHD_YES || r != MHD_YES || m.bad) {
        req->form = NULL;
        return;
    }
    for (struct http_form_field *f = req->form; f; f = f->next) { /* a file's bytes are http_form_file's only */
        const char *v = f->data->len ? f->data->data : "";
        f->len = f->data->len;
        f->value = f->filename || memchr(v, '\0', f->len) ? NULL : core_arena_strndup(&req->arena, v, f->len);
    }
}

static void form_parse(http_req *req)
{
    req->form_parsed = 1;
    if (form_is_multipart(req)) {
        multipart_parse(req);
        return;
    }
    const char *p = req->body.data, *end = p ? p + req->body.len : NULL;
    struct http_form_field **tail = &req->form;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && eq > p) {
            struct http_form_field *f = core_arena_alloc(&req->arena, sizeof(*f));
            f->name = form_decode(&req->arena, p, (size_t)(eq - p));
            f->value = form_decode(&req->arena, eq + 1, (size_t)(stop - eq - 1));
            f->next = NULL;
            f->filename = NULL;
            f->data = NULL;
            f->len = f->value ? strlen(f->value) : 0;
            if (f->name) {
                *tail = f;
                tail = &f->next;
            }
        }
        p = amp ? amp + 1 : end;
    }
}

const char *http_form(http_req *req, const char *name)
{
    if (!req->form_parsed)
        form_parse(req);
    for (struct http_form_field *f = req->form; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f->value;
    return NULL;
}

int http_form_file(http_req *req, const char *name, const char **filename, const char **data, size_t *len)
{
    if (!req->form_parsed)
        form_parse(req);
    for (struct http_form_field *f = req->form; f; f = f->next)
        if (strcmp(f->name, name) == 0 && f->filename) {
            *filename = f->filename;
            *data = f->data && f->data->len ? f->data->data : "";
            *len = f->len;
            return 1;
        }
    return 0;
}

size_t http_form_values(http_req *req, const char *name, const char **out, size_t max)
{
    if (!req->form_parsed)
        form_parse(req);
    size_t n = 0;
    for (struct http_form_field *f = req->form; f; f = f->next)
        if (strcmp(f->name, name) == 0 && n < max)
            out[n++] = f->value;
    return n;
}

const char *http_cookie(http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

int http_reply_redirect(http_req *req, const char *location)
{
    req->location = core_arena_strdup(&req->arena, location);
    static const char body[] = "See other\n";
    return http_reply_body(req, 303, "text/plain; charset=utf-8", body, sizeof(body) - 1);
}


int http_cookie_secure(http_req *req)
{
    return req->server->cfg.cookie_secure || http_connection_is_tls(req);
}

void http_set_cookie(http_req *req, const char *value)
{
    req->set_cookie = core_arena_strdup(&req->arena, value);
}

static void json_release(void *p)
{
    json_decref(p);
}

int http_body_json(http_req *req, json_t **out, core_error *err)
{
    if (req->body.len == 0)
        return core_error_set(err, CORE_E_INVALID_JSON, "request body is empty");
    /* jansson skips a NUL that follows a number or literal; a JSON text never holds a raw NUL. */
    if (memchr(req->body.data, '\0', req->body.len)) {
        core_error_set(err, CORE_E_INVALID_JSON, "request body contains a NUL byte");
        return core_error_hint(err, "send one json object, utf-8 encoded");
    }
    json_error_t je;
    json_t *j = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        /* Only the position and the kind of fault: jansson's own text quotes the body, which may hold
         * personal data. */
        static const char *const kinds[] = {
            [json_error_invalid_syntax] = "invalid syntax",       [json_error_invalid_format] = "invalid format",
            [json_error_premature_end_of_input] = "unexpected end", [json_error_end_of_input_expected] = "text after the value",
            [json_error_invalid_utf8] = "invalid utf-8",          [json_error_duplicate_key] = "a key appears twice",
            [json_error_null_character] = "a NUL character",      [json_error_null_byte_in_key] = "a NUL character in a key",
            [json_error_numeric_overflow] = "a number too large", [json_error_item_not_found] = "invalid syntax",
        };
        enum json_error_code code = json_error_code(&je);
        const char *kind = (unsigned)code < sizeof(kinds) / sizeof(kinds[0]) && kinds[code] ? kinds[code] : "invalid json";
        core_error_set(err, CORE_E_INVALID_JSON, "line %d column %d: %s", je.line, je.column, kind);
        return core_error_hint(err, "send one json object, utf-8 encoded");
    }
    core_arena_on_release(&req->arena, json_release, j);
    if (!json_is_object(j))
        return core_error_set(err, CORE_E_WRONG_TYPE, "request body must be a json object");
    *out = j;
    return 0;
}

