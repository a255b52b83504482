/*
 * api_session.c — sign in (POST /api/v1/session) and sign out (DELETE /api/v1/session).
 *
 * Sign-in takes {"username","password","totp"} (totp only when the user has a second factor), or
 * {"username","password","recovery_code"} with one of the user's unused one-time recovery codes in place of
 * the TOTP code, and optionally "kind": "api" (the default) or "browser". It answers
 * {"token":..., "token_type":"Bearer", "expires_in":..., "user":{"id","username","role"}}; every other API
 * call then carries Authorization: Bearer <token>. A browser sign-in also gets "csrf_token" and the cookie
 * hearth_session (HttpOnly, SameSite=Strict), which the browser then sends instead of the header; with it,
 * every request but GET and HEAD must carry X-CSRF-Token: <csrf_token> (http.h). After a recovery code the
 * answer says how many are left ("recovery_codes_left"). A wrong username, password or code gets the same
 * 401. A TOTP code signs in once (auth.h invariant 9): used again, or after a later one, it gets 401 "this
 * code has already been used to sign in", recorded like any failure with "result": "code_already_used".
 *
 * Sign-out revokes the request's session, whichever way it came, and clears the cookie.
 */
#include "api/api.h"
#include <sodium.h>

#include "auth/auth.h"

/* 0 when the body has only sign-in fields, each a string; else the error (not yet answered). */
static int only_strings(json_t *body, core_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "username") && strcmp(key, "password") && strcmp(key, "totp") &&
            strcmp(key, "recovery_code") && strcmp(key, "kind")) {
            return core_error_set(err, CORE_E_UNKNOWN_FIELD, "sign-in takes username, password, totp, "
                                                             "recovery_code and kind only");
        }
        if (!json_is_string(v)) {
            return core_error_set(err, CORE_E_WRONG_TYPE, "username, password, totp, recovery_code and kind "
                                                          "must be strings");
        }
    }
    return 0;
}

int api_sign_in(http_req *req, const auth_sign_in_req *inp, char token[AUTH_TOKEN_CHARS + 1], auth_principal *whop,
                core_error *errp)
{
    auth_sign_in_req in = *inp;
    core_error err = *errp;
    auth_principal who;
    memset(&who, 0, sizeof(who));
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = auth_sign_in(req->db, &req->arena, &in, token, &who, &err);
    if (rc == CORE_E_UNAUTHENTICATED || rc == CORE_E_FORBIDDEN) {
        core_error keep = err; /* the failure was recorded: keep it, then answer */
        if (store_commit(req->db, &err))
            store_rollback(req->db);
        json_t *d = json_pack("{s:s,s:s,s:s}", "username", in.username, "result",
                              rc == CORE_E_FORBIDDEN ? "locked_out"
                              : who.totp_used        ? "code_already_used"
                                                     : "not_accepted",
                              "second_factor",
                              in.recovery_code ? "recovery_code" : in.totp ? "totp" : "none");
        char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        int arc = http_audit(req, "sign_in_failed", "app_user", 0, ds, 1, &err);
        free(ds);
        *errp = arc ? err : keep;
        return errp->code;
    }
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        *errp = err;
        return rc;
    }
    req->who.user_id = who.user_id; /* the sign-in is recorded as the user who signed in */
    req->who.role = who.role;
    json_t *d = who.recovery_code_used
                    ? json_pack("{s:s,s:s,s:i}", "kind", who.kind, "second_factor", "recovery_code",
                                "recovery_codes_left", who.recovery_codes_left)
                    : json_pack("{s:s}", "kind", who.kind);
    char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int arc = http_audit(req, "sign_in", "app_user", who.user_id, ds, 1, &err);
    free(ds);
    if (arc) {
        sodium_memzero(token, AUTH_TOKEN_CHARS + 1);
        *errp = err;
        return arc;
    }
    *whop = who;
    return 0;
}

int api_sign_out(http_req *req, core_error *err)
{
    if (!req->auth.user_id)
        return core_error_set(err, CORE_E_UNAUTHENTICATED, "there is no session to end");
    if (auth_session_revoke(req->db, &req->arena, req->auth.session_id, 0, NULL, err) ||
        http_audit(req, "sign_out", "app_user", req->who.user_id, NULL, 1, err))
        return err->code;
    http_session_cookie(req, NULL);
    return 0;
}

int api_session_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    if (http_body_json(req, &body, &err))
        return http_reply_error(req, &err);
    if (only_strings(body, &err))
        return http_reply_error(req, &err);
    const char *kind = json_string_value(json_object_get(body, "kind"));
    auth_sign_in_req in = {json_string_value(json_object_get(body, "username")),
                           json_string_value(json_object_get(body, "password")),
                           json_string_value(json_object_get(body, "totp")),
                           kind ? kind : "api",
                           req->client_address,
                           0,
                           json_string_value(json_object_get(body, "recovery_code"))};
    if (!in.username || !in.password) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "username and password are required");
        return http_reply_error(req, &err);
    }
    if (in.totp && in.recovery_code) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "send totp or recovery_code, not both");
        core_error_hint(&err, "a recovery code is for when the authenticator is not at hand");
        return http_reply_error(req, &err);
    }
    if (strcmp(in.kind, "api") != 0 && strcmp(in.kind, "browser") != 0) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "kind must be \"api\" or \"browser\"");
        core_error_hint(&err, "a browser session is kept in a cookie and needs X-CSRF-Token on changes");
        return http_reply_error(req, &err);
    }
    int browser = strcmp(in.kind, "browser") == 0;
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    if (api_sign_in(req, &in, token, &who, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:s,s:s,s:i,s:{s:I,s:s,s:s}}", "token", token, "token_type", "Bearer", "expires_in",
                            AUTH_ABSOLUTE_SECONDS_DEFAULT, "user", "id", (json_int_t)who.user_id, "username",
                            who.username, "role", who.role);
    if (browser) {
        char csrf[AUTH_CSRF_CHARS + 1];
        auth_csrf_token(token, csrf);
        json_object_set_new(out, "csrf_token", json_string(csrf));
        http_session_cookie(req, token);
    }
    if (who.recovery_code_used)
        json_object_set_new(out, "recovery_codes_left", json_integer(who.recovery_codes_left));
    sodium_memzero(token, sizeof(token));
    http_reply_json(req, 201, out);
    json_decref(out);
    return 0;
}

int api_session_delete(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (api_sign_out(req, &err)) {
        if (err.code == CORE_E_UNAUTHENTICATED)
            core_error_hint(&err, "send Authorization: Bearer <token>");
        return http_reply_error(req, &err);
    }
    json_t *out = json_pack("{s:b}", "signed_out", 1);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}
