/*
 * auth_admin.c — the account changes an administrator makes, as one step each, shared by the command line
 * (`hearth user ...`, cli_user.c) and the administrator's API and pages (api_users.c, web_admin.c).
 *
 * Each runs in the caller's open transaction, so the change, its sessions' end and the caller's audit event
 * commit together. A change that alters what a user may do (disabling, a new role, a reset) ends every session
 * the user has, so nothing they were allowed before survives the change.
 */
#include <string.h>

#include "auth/auth.h"
#include "model/model_user.h"

int auth_admin_set_disabled(store *s, core_arena *a, int64_t id, int disabled, int64_t by, int64_t *revoked,
                            core_error *err)
{
    *revoked = 0;
    int rc = model_user_set_disabled(s, a, id, disabled, by, err);
    if (rc == 0 && disabled)
        rc = auth_sessions_revoke_user(s, a, id, 0, revoked, err);
    return rc;
}

int auth_admin_set_role(store *s, core_arena *a, int64_t id, const char *role, int64_t team_id, int64_t agency_id,
                        int64_t by, int64_t *revoked, core_error *err)
{
    *revoked = 0;
    int rc = model_user_set_role(s, a, id, role, team_id, agency_id, by, err);
    if (rc == 0)
        rc = auth_sessions_revoke_user(s, a, id, 0, revoked, err);
    return rc;
}

int auth_admin_reset(store *s, core_arena *a, const char *username, int64_t id, const char *password,
                     const char *totp_secret, int64_t by, char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE],
                     int64_t *cleared, int64_t *revoked, core_error *err)
{
    *cleared = *revoked = 0;
    int rc = model_user_set_password(s, a, id, password, totp_secret, by, err);
    if (rc == 0 && totp_secret)
        rc = auth_recovery_codes_new(s, a, id, 0, codes, err);
    if (rc == 0)
        rc = auth_failures_clear(s, a, username, cleared, err);
    if (rc == 0)
        rc = auth_sessions_revoke_user(s, a, id, 0, revoked, err);
    return rc;
}
