/*
 * api_notice.c — GET /privacy: the council's privacy notice, made from the policy the server enforces.
 *
 * Public (no sign-in): a family must be able to read it before they have any account. The policy is the one
 * `hearth serve --policy FILE` loaded (api_app); a server without one answers 404 with an error that says
 * so. ?format=text (default), html or json (policy/policy_notice.h); HTML is escaped by construction.
 */
#include <string.h>

#include "api/api.h"
#include "policy/policy_notice.h"

int api_privacy(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const api_app *app = http_app(req);
    if (!app || !app->policy) {
        core_error_set(&err, CORE_E_NOT_FOUND, "this server was started without a policy file");
        core_error_message(&err, "no privacy notice is configured");
        core_error_hint(&err, "start the server with `hearth serve --policy FILE` (see policy/README.md)");
        return http_reply_error(req, &err);
    }
    policy_notice_format f = POLICY_NOTICE_TEXT;
    const char *want = http_query(req, "format");
    if (want && policy_notice_format_parse(want, &f)) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "format must be text, html or json");
        return http_reply_error(req, &err);
    }
    core_buf out;
    core_buf_init_arena(&out, &req->arena, 4 * 1024 * 1024);
    if (policy_notice_render(app->policy, f, &out, &err)) return http_reply_error(req, &err);
    return http_reply_body(req, 200, policy_notice_content_type(f), out.data, out.len);
}
