/*
 * web_signin.c — the sign-in page (GET and POST /sign-in) and sign-out (POST /sign-out).
 *
 * Sign-in signs in exactly as POST /api/v1/session does with "kind": "browser" (api_sign_in: the same
 * checks, the same audit events), then sets the session cookie and sends the browser to its worklist. The
 * code field takes the six-digit TOTP code or a recovery code (anything that is not six digits).
 *
 * Before there is a session the form cannot carry the session's CSRF token, so the sign-in form carries its
 * own (login CSRF: a forged form must not sign a victim into the forger's account): GET sets a random token
 * in the cookie hearth_sign_in (HttpOnly, SameSite=Strict, Path=/sign-in, Secure as the session cookie is) and
 * in the form; POST is refused
 * (403) unless the two are present and equal.
 */
#include <sodium.h>
#include <string.h>

#include "auth/auth.h"
#include "web/web_internal.h"

#define SIGN_IN_COOKIE "hearth_sign_in"
enum { SIGN_IN_TOKEN_BYTES = 24, FIELD_MAX = 256 };

typedef struct sign_in_form {
    const char *username, *password, *code;
    const char *err_username, *err_password, *err_code; /* inline errors, NULL when the field is right */
    const char *err_form;                               /* an error of the whole form (not accepted) */
} sign_in_form;

static const char *new_token(http_req *req)
{
    unsigned char raw[SIGN_IN_TOKEN_BYTES];
    randombytes_buf(raw, sizeof(raw));
    char *hex = core_arena_alloc(&req->arena, sizeof(raw) * 2 + 1);
    sodium_bin2hex(hex, sizeof(raw) * 2 + 1, raw, sizeof(raw));
    http_set_cookie(req, core_arena_printf(&req->arena, "%s=%s; HttpOnly; SameSite=Strict; Path=/sign-in%s",
                                           SIGN_IN_COOKIE, hex, http_cookie_secure(req) ? "; Secure" : ""));
    return hex;
}

static void field(http_req *req, core_buf *b, const char *name, const char *label, const char *hint,
                  const char *type, const char *value, const char *error, const char *autocomplete, const char *width)
{
    const char *described = NULL;
    if (hint && error)
        described = core_arena_printf(&req->arena, "%s-hint %s-error", name, name);
    else if (hint)
        described = core_arena_printf(&req->arena, "%s-hint", name);
    else if (error)
        described = core_arena_printf(&req->arena, "%s-error", name);
    web_tpl_text_field_args a = {.error = error,
                                 .field = name,
                                 .label = label,
                                 .hint = hint,
                                 .error_prefix = web_str(WEB_S_ERROR_PREFIX),
                                 .width = width,
                                 .type = type,
                                 .value = value,
                                 .autocomplete = autocomplete,
                                 .described_by = described};
    web_tpl_text_field(b, &a);
}

static void summary_item(core_buf *b, const char *field_id, const char *text)
{
    if (text)
        web_tpl_error_summary_item(b, &(web_tpl_error_summary_item_args){field_id, text});
}

static int render(http_req *req, int status, const sign_in_form *f)
{
    int any = f->err_username || f->err_password || f->err_code || f->err_form;
    web_raw summary = {NULL};
    if (any) {
        core_buf *items = web_buf(req);
        summary_item(items, "username", f->err_form);
        summary_item(items, "username", f->err_username);
        summary_item(items, "password", f->err_password);
        summary_item(items, "code", f->err_code);
        core_buf *s = web_buf(req);
        web_tpl_error_summary(s, &(web_tpl_error_summary_args){web_str(WEB_S_ERROR_SUMMARY), web_render(items)});
        summary = web_render(s);
    }
    core_buf *fields = web_buf(req);
    field(req, fields, "username", web_str(WEB_S_USERNAME), NULL, "text", f->username, f->err_username, "username",
          "govuk-!-width-one-half");
    field(req, fields, "password", web_str(WEB_S_PASSWORD), NULL, "password", NULL, f->err_password,
          "current-password", "govuk-!-width-one-half");
    field(req, fields, "code", web_str(WEB_S_CODE), web_str(WEB_S_CODE_HINT), "text", NULL, f->err_code,
          "one-time-code", "govuk-input--width-20");
    core_buf *b = web_buf(req);
    web_tpl_sign_in_args a = {.errors = summary,
                              .heading = web_str(WEB_S_SIGN_IN),
                              .csrf_token = new_token(req),
                              .fields = web_render(fields),
                              .submit = web_str(WEB_S_SIGN_IN_BUTTON)};
    web_tpl_sign_in(b, &a);
    return web_reply_page(req, status, web_str(WEB_S_SIGN_IN), any, web_render(b));
}

int web_sign_in_form(http_req *req)
{
    sign_in_form f;
    memset(&f, 0, sizeof(f));
    return render(req, 200, &f);
}

static int six_digits(const char *s)
{
    if (strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static const char *trimmed(http_req *req, const char *name)
{
    const char *v = http_form(req, name);
    if (!v)
        return "";
    while (*v == ' ')
        v++;
    size_t n = strlen(v);
    while (n && v[n - 1] == ' ')
        n--;
    return n > FIELD_MAX ? "" : core_arena_strndup(&req->arena, v, n);
}

int web_sign_in(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *sent = http_form(req, "csrf_token"), *kept = http_cookie(req, SIGN_IN_COOKIE);
    if (!sent || !kept || strlen(sent) != strlen(kept) || sodium_memcmp(sent, kept, strlen(kept)) != 0) {
        core_error_set(&err, CORE_E_FORBIDDEN, "the sign-in form's token is missing or does not match its cookie");
        if (http_audit(req, "denied", NULL, 0, "{\"reason\":\"sign-in form token missing or wrong\"}", 1, &err))
            return http_reply_error(req, &err);
        core_error_set(&err, CORE_E_FORBIDDEN, "the form's token is missing or does not match");
        return http_reply_error(req, &err);
    }
    sign_in_form f;
    memset(&f, 0, sizeof(f));
    f.username = trimmed(req, "username");
    f.password = http_form(req, "password");
    f.code = trimmed(req, "code");
    if (!*f.username)
        f.err_username = web_str(WEB_S_ERR_USERNAME);
    if (!f.password || !*f.password)
        f.err_password = web_str(WEB_S_ERR_PASSWORD);
    if (!*f.code)
        f.err_code = web_str(WEB_S_ERR_CODE);
    else if (strlen(f.code) < 6)
        f.err_code = web_str(WEB_S_ERR_CODE_FORMAT);
    if (f.err_username || f.err_password || f.err_code)
        return render(req, 400, &f);
    int totp = six_digits(f.code);
    auth_sign_in_req in = {f.username, f.password, totp ? f.code : NULL, "browser", req->client_address, 0,
                           totp ? NULL : f.code};
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    int rc = api_sign_in(req, &in, token, &who, &err);
    if (rc == CORE_E_UNAUTHENTICATED || rc == CORE_E_FORBIDDEN) {
        f.err_form = web_str(rc == CORE_E_FORBIDDEN    ? WEB_S_ERR_LOCKED
                             : strstr(err.detail, "already been used") ? WEB_S_ERR_CODE_USED
                                                                       : WEB_S_ERR_NOT_ACCEPTED);
        return render(req, 401, &f);
    }
    if (rc)
        return http_reply_error(req, &err);
    http_session_cookie(req, token);
    sodium_memzero(token, sizeof(token));
    return http_reply_redirect(req, "/");
}

int web_sign_out(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (api_sign_out(req, &err))
        return http_reply_error(req, &err);
    return http_reply_redirect(req, "/sign-in");
}
