/*
 * api_session.c — sign in (POST /api/v1/session) and sign out (DELETE /api/v1/session).
 *
 * Sign-in takes {"username","password","totp"} (totp only when the user has a second factor) and answers
 * {"token":..., "token_type":"Bearer", "user":{"id","username","role"}}; every other API call then carries
 * Authorization: Bearer <token>. A wrong username, password or code gets the same 401.
 */
#include "api/api.h"
#include <sodium.h>

#include "auth/auth.h"

int api_session_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body;
    if (http_body_json(req, &body, &err))
        return http_reply_error(req, &err);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "username") && strcmp(key, "password") && strcmp(key, "totp")) {
            core_error_set(&err, CORE_E_UNKNOWN_FIELD, "sign-in takes username, password and totp only");
            return http_reply_error(req, &err);
        }
        if (!json_is_string(v)) {
            core_error_set(&err, CORE_E_WRONG_TYPE, "username, password and totp must be strings");
            return http_reply_error(req, &err);
        }
    }
    auth_sign_in_req in = {json_string_value(json_object_get(body, "username")),
                           json_string_value(json_object_get(body, "password")),
                           json_string_value(json_object_get(body, "totp")),
                           "api",
                           req->client_address,
                           0};
    if (!in.username || !in.password) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "username and password are required");
        return http_reply_error(req, &err);
    }
    char token[AUTH_TOKEN_CHARS + 1];
    auth_principal who;
    memset(&who, 0, sizeof(who));
    int rc = store_begin(req->db, &err);
    if (rc == 0)
        rc = auth_sign_in(req->db, &req->arena, &in, token, &who, &err);
    if (rc == CORE_E_UNAUTHENTICATED || rc == CORE_E_FORBIDDEN) {
        core_error keep = err; /* the failure was recorded: keep it, then answer */
        if (store_commit(req->db, &err))
            store_rollback(req->db);
        json_t *d = json_pack("{s:s,s:s}", "username", in.username, "result",
                              rc == CORE_E_FORBIDDEN ? "locked_out" : "not_accepted");
        char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        int arc = http_audit(req, "sign_in_failed", "app_user", 0, ds, 1, &err);
        free(ds);
        return http_reply_error(req, arc ? &err : &keep);
    }
    if (rc == 0)
        rc = store_commit(req->db, &err);
    if (rc) {
        store_rollback(req->db);
        return http_reply_error(req, &err);
    }
    req->who.user_id = who.user_id; /* the sign-in is recorded as the user who signed in */
    req->who.role = who.role;
    if (http_audit(req, "sign_in", "app_user", who.user_id, NULL, 1, &err)) {
        sodium_memzero(token, sizeof(token));
        return http_reply_error(req, &err);
    }
    json_t *out = json_pack("{s:s,s:s,s:i,s:{s:I,s:s,s:s}}", "token", token, "token_type", "Bearer", "expires_in",
                            AUTH_ABSOLUTE_SECONDS_DEFAULT, "user", "id", (json_int_t)who.user_id, "username",
                            who.username, "role", who.role);
    sodium_memzero(token, sizeof(token));
    http_reply_json(req, 201, out);
    json_decref(out);
    return 0;
}

int api_session_delete(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (!req->auth.user_id) {
        core_error_set(&err, CORE_E_UNAUTHENTICATED, "there is no session to end");
        core_error_hint(&err, "send Authorization: Bearer <token>");
        return http_reply_error(req, &err);
    }
    const char *authz = http_header(req, "Authorization");
    if (auth_sign_out(req->db, &req->arena, authz ? authz + 7 : NULL, &err) ||
        http_audit(req, "sign_out", "app_user", req->who.user_id, NULL, 1, &err))
        return http_reply_error(req, &err);
    json_t *out = json_pack("{s:b}", "signed_out", 1);
    http_reply_json(req, 200, out);
    json_decref(out);
    return 0;
}
