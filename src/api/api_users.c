/*
 * api_users.c — the staff directory and the administrator's account changes.
 *
 *   GET   /api/v1/users              the directory: every user's id, name, role, team and agency, by name;
 *                                    the administrator also sees username, whether disabled, second factor
 *   GET   /api/v1/users/{id}         one user, as the directory shows them
 *   POST  /api/v1/users              {username, display_name, role, team_id?, agency_id?}: a new account with a
 *                                    one-time password, a second factor and recovery codes, shown once (admin)
 *   PATCH /api/v1/users/{id}         {role?, team_id?, agency_id?, disabled?} (admin)
 *   POST  /api/v1/users/{id}/reset   {second_factor?}: a new one-time password (and second factor), shown once
 *                                    (admin)
 *
 * Nobody changes their own account: an administrator's role, team, state and password are changed by another
 * administrator (or at the command line, where the change is the machine's operator's), so access is never
 * granted by the person who gets it. Every change ends the user's sessions, is recorded in the audit trail in
 * its own transaction under the same action names as the command line's (user_add, user_role, user_disable,
 * user_enable, user_reset: governance's list of changes shows both), and never records a password or secret.
 * The pages of /admin (web_admin.c) call the functions below, not the handlers.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "api/api.h"
#include "auth/auth.h"
#include "model/model_user.h"

static json_t *user_json(http_req *req, const model_user_info *u)
{
    json_t *o = json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)u->id, "name", u->display_name, "role", u->role);
    json_object_set_new(o, "team_id", u->team_id ? json_integer(u->team_id) : json_null());
    json_object_set_new(o, "agency_id", u->agency_id ? json_integer(u->agency_id) : json_null());
    if (access_role_of(&req->who) == ACCESS_ROLE_ADMIN) {
        json_object_set_new(o, "username", json_string(u->username));
        json_object_set_new(o, "disabled", json_boolean(u->disabled));
        json_object_set_new(o, "second_factor", json_boolean(u->has_totp));
    }
    return o;
}

int api_users_items(http_req *req, json_t **items, core_error *err)
{
    model_user_info *u;
    size_t n;
    if (model_user_list(req->db, &req->arena, &u, &n, err) ||
        http_audit(req, "read", "app_user", 0, "{\"directory\":true}", 0, err))
        return err->code;
    *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*items, user_json(req, &u[i]));
    return 0;
}

int api_users_named(http_req *req, const int64_t *ids, size_t n, json_t **items, core_error *err)
{
    model_user_info *u;
    size_t found;
    *items = NULL;
    if (model_user_named(req->db, &req->arena, ids, n, &u, &found, err))
        return err->code;
    for (size_t i = 0; i < found; i++)
        if (http_audit(req, "read", "app_user", u[i].id, NULL, 0, err))
            return err->code;
    *items = json_array();
    for (size_t i = 0; i < found; i++)
        json_array_append_new(*items, user_json(req, &u[i]));
    return 0;
}

int api_user_item(http_req *req, int64_t id, json_t **out, core_error *err)
{
    model_user_info u;
    if (model_user_get(req->db, &req->arena, id, &u, err) || http_audit(req, "read", "app_user", id, NULL, 0, err))
        return err->code;
    *out = user_json(req, &u);
    return 0;
}

static int not_self(http_req *req, int64_t id, core_error *err)
{
    if (id != req->who.user_id)
        return 0;
    core_error_set(err, CORE_E_CONFLICT, "nobody changes their own account");
    return core_error_hint(err, "ask another administrator: access is never granted by the person who gets it");
}

/* The one-time credentials of a new or reset account, as JSON (shown once, never stored in clear). */
static json_t *credentials(const char *password, const char *totp,
                           char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE])
{
    json_t *o = json_pack("{s:s}", "password", password);
    if (totp && *totp) {
        json_t *list = json_array();
        for (int i = 0; i < AUTH_RECOVERY_CODES; i++)
            json_array_append_new(list, json_string(codes[i]));
        json_object_set_new(o, "totp_secret", json_string(totp));
        json_object_set_new(o, "recovery_codes", list);
    }
    return o;
}

/* Commit a change whose audit event (action, detail) goes in its transaction; roll back on any error. */
static int finish(http_req *req, int rc, const char *action, int64_t id, json_t *detail, core_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (rc == 0 && action)
        rc = http_audit_write(req, action, "app_user", id, text, err);
    free(text);
    if (rc == 0)
        rc = store_commit(req->db, err);
    if (rc)
        store_rollback(req->db);
    return rc;
}

int api_user_create_do(http_req *req, const model_user_new *in, json_t **out, core_error *err)
{
    char pw[24], totp[33];
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    model_user_random_password(pw, sizeof(pw));
    auth_totp_secret_new(totp);
    model_user_new u = *in;
    u.password = pw;
    u.totp_secret = totp;
    int64_t id = 0;
    int rc = store_begin(req->db, err);
    if (rc == 0)
        rc = model_user_add(req->db, &req->arena, &u, &id, err);
    if (rc == 0)
        rc = auth_recovery_codes_new(req->db, &req->arena, id, 0, codes, err);
    if (rc == 0) {
        json_t *detail = json_pack("{s:s,s:s,s:I,s:I}", "username", u.username, "role", u.role, "team",
                                   (json_int_t)u.team_id, "agency", (json_int_t)u.agency_id);
        rc = finish(req, 0, "user_add", id, detail, err);
    } else {
        store_rollback(req->db);
    }
    model_user_info made;
    if (rc == 0)
        rc = model_user_get(req->db, &req->arena, id, &made, err);
    if (rc == 0) {
        *out = user_json(req, &made);
        json_object_set_new(*out, "credentials", credentials(pw, totp, codes));
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(totp, sizeof(totp));
    sodium_memzero(codes, sizeof(codes));
    return rc;
}

int api_user_change_do(http_req *req, int64_t id, const api_user_change *c, json_t **out, core_error *err)
{
    model_user_info u;
    if (not_self(req, id, err) || model_user_get(req->db, &req->arena, id, &u, err))
        return err->code;
    int64_t revoked = 0, more = 0;
    int rc = store_begin(req->db, err);
    if (rc)
        return rc;
    if (c->role || c->team_id || c->agency_id) {
        const char *role = c->role ? c->role : u.role;
        rc = auth_admin_set_role(req->db, &req->arena, id, role, c->team_id, c->agency_id, req->who.user_id,
                                 &revoked, err);
        json_t *detail = json_pack("{s:s,s:s,s:I,s:I,s:I}", "role", role, "previous_role", u.role, "team",
                                   (json_int_t)(c->team_id ? c->team_id : u.team_id), "agency",
                                   (json_int_t)(c->agency_id ? c->agency_id : u.agency_id), "sessions_revoked",
                                   (json_int_t)revoked);
        char *text = json_dumps(detail, JSON_COMPACT);
        json_decref(detail);
        if (rc == 0)
            rc = http_audit_write(req, "user_role", "app_user", id, text, err);
        free(text);
    }
    if (rc == 0 && c->disabled >= 0) {
        rc = auth_admin_set_disabled(req->db, &req->arena, id, c->disabled, req->who.user_id, &more, err);
        json_t *detail = c->disabled ? json_pack("{s:b,s:I}", "was_disabled", u.disabled, "sessions_revoked",
                                                 (json_int_t)more)
                                     : json_pack("{s:b}", "was_disabled", u.disabled);
        rc = finish(req, rc, c->disabled ? "user_disable" : "user_enable", id, detail, err);
    } else {
        rc = finish(req, rc, NULL, id, NULL, err);
    }
    return rc ? rc : api_user_item(req, id, out, err);
}

int api_user_reset_do(http_req *req, int64_t id, int second_factor, json_t **out, core_error *err)
{
    model_user_info u;
    if (not_self(req, id, err) || model_user_get(req->db, &req->arena, id, &u, err))
        return err->code;
    char pw[24], totp[33] = "";
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    model_user_random_password(pw, sizeof(pw));
    if (second_factor)
        auth_totp_secret_new(totp);
    int64_t cleared = 0, revoked = 0;
    int rc = store_begin(req->db, err);
    if (rc == 0) {
        rc = auth_admin_reset(req->db, &req->arena, u.username, id, pw, second_factor ? totp : NULL,
                              req->who.user_id, codes, &cleared, &revoked, err);
        rc = finish(req, rc, "user_reset", id,
                    json_pack("{s:b,s:I,s:I}", "totp", second_factor, "sessions_revoked", (json_int_t)revoked,
                              "failures_cleared", (json_int_t)cleared),
                    err);
    }
    if (rc == 0 && (rc = api_user_item(req, id, out, err)) == 0)
        json_object_set_new(*out, "credentials", credentials(pw, totp, codes));
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(totp, sizeof(totp));
    sodium_memzero(codes, sizeof(codes));
    return rc;
}

/* ---- the handlers ---- */

static int reply(http_req *req, int status, int rc, json_t *out, core_error *err)
{
    if (rc)
        return http_reply_error(req, err);
    rc = http_reply_json(req, status, out);
    json_decref(out);
    return rc;
}

int api_user_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *items = NULL;
    int rc = api_users_items(req, &items, &err);
    return reply(req, 200, rc, rc ? NULL : json_pack("{s:o}", "items", items), &err);
}

int api_user_get(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *out = NULL;
    int rc = api_user_item(req, req->ids[0], &out, &err);
    return reply(req, 200, rc, out, &err);
}

int api_user_create(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out = NULL;
    model_user_new u = {0};
    if (http_body_json(req, &body, &err) ||
        api_body_only(body, "username,display_name,role,team_id,agency_id", &err) ||
        api_body_text(body, "username", 1, 1, 64, &u.username, &err) ||
        api_body_text(body, "display_name", 1, 1, 200, &u.display_name, &err) ||
        api_body_text(body, "role", 1, 1, 32, &u.role, &err) || api_body_id(body, "team_id", &u.team_id, &err) ||
        api_body_id(body, "agency_id", &u.agency_id, &err))
        return http_reply_error(req, &err);
    int rc = api_user_create_do(req, &u, &out, &err);
    return reply(req, 201, rc, out, &err);
}

int api_user_update(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out = NULL;
    api_user_change c = {.disabled = -1};
    if (http_body_json(req, &body, &err) || api_body_only(body, "role,team_id,agency_id,disabled", &err) ||
        api_body_text(body, "role", 0, 1, 32, &c.role, &err) || api_body_id(body, "team_id", &c.team_id, &err) ||
        api_body_id(body, "agency_id", &c.agency_id, &err))
        return http_reply_error(req, &err);
    json_t *d = json_object_get(body, "disabled");
    if (d && !json_is_boolean(d)) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "disabled is true or false");
        return http_reply_error(req, &err);
    }
    if (d)
        c.disabled = json_is_true(d);
    if (!c.role && !c.team_id && !c.agency_id && c.disabled < 0) {
        core_error_set(&err, CORE_E_MISSING_FIELD, "name what changes: role, team_id, agency_id or disabled");
        return http_reply_error(req, &err);
    }
    int rc = api_user_change_do(req, req->ids[0], &c, &out, &err);
    return reply(req, 200, rc, out, &err);
}

int api_user_reset(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *out = NULL;
    if (http_body_json(req, &body, &err) || api_body_only(body, "second_factor", &err))
        return http_reply_error(req, &err);
    json_t *sf = json_object_get(body, "second_factor");
    if (sf && !json_is_boolean(sf)) {
        core_error_set(&err, CORE_E_INVALID_VALUE, "second_factor is true or false");
        return http_reply_error(req, &err);
    }
    int rc = api_user_reset_do(req, req->ids[0], sf ? json_is_true(sf) : 0, &out, &err);
    return reply(req, 200, rc, out, &err);
}
