/*
 * model_user.c — users and their password hashes (contract in model_user.h).
 */
#include <sodium.h>

#include "model/model.h"
#include "model/model_user.h"

/* A new user; returns its id. */
static const char SQL_USER_INSERT[] =
    "INSERT INTO app_user (username, display_name, role, agency_id, team_id, password_hash, totp_secret,\n"
    "                      created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)\n"
    "RETURNING id";

static const char *const roles[] = {"front_door", "practitioner", "team_manager", "partner",
                                    "governance", "analyst",      "admin"};

int model_user_role_valid(const char *role)
{
    for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

static int username_valid(const char *u)
{
    size_t n = strlen(u);
    if (n < 3 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') || u[i] == '.' || u[i] == '_' ||
              u[i] == '-'))
            return 0;
    return 1;
}

void model_user_random_password(char *out, size_t size)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    size_t n = size > 21 ? 20 : size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof(alphabet) - 1))];
    out[n] = '\0';
}

int model_user_hash_password(const char *password, char *out, size_t size, core_error *err)
{
    if (sodium_init() < 0 || size < crypto_pwhash_STRBYTES)
        return core_error_set(err, CORE_E_INTERNAL, "password hashing is unavailable");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return core_error_set(err, CORE_E_INTERNAL, "password hashing ran out of memory");
    return 0;
}

int model_user_add(store *s, core_arena *a, const model_user_new *u, int64_t *id, core_error *err)
{
    if (!u->username || !username_valid(u->username)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "username must be 3 to 64 characters");
        return core_error_hint(err, "use lower-case letters, digits, '.', '_' or '-'");
    }
    if (!model_user_role_valid(u->role)) {
        core_error_set(err, CORE_E_INVALID_CODE, "role is not a hearth role");
        return core_error_hint(err,
                               "one of front_door, practitioner, team_manager, partner, governance, analyst, admin");
    }
    if (!u->password || strlen(u->password) < 10)
        return core_error_set(err, CORE_E_INVALID_VALUE, "password must be at least 10 characters");
    char hash[crypto_pwhash_STRBYTES];
    int rc = model_user_hash_password(u->password, hash, sizeof(hash), err);
    if (rc)
        return rc;
    char now[24];
    model_now(now);
    store_value p[] = {store_v_text(u->username),
                       store_v_text(u->display_name ? u->display_name : u->username),
                       store_v_text(u->role),
                       u->agency_id ? store_v_int(u->agency_id) : store_v_null(),
                       u->team_id ? store_v_int(u->team_id) : store_v_null(),
                       store_v_text(hash),
                       store_v_text(u->totp_secret),
                       store_v_text(now)};
    rc = store_query_int(s, a, SQL_USER_INSERT, p, 8, id, err);
    if (rc == CORE_E_CONFLICT) {
        core_error_set(err, CORE_E_CONFLICT, "a user with that username already exists, or the team or agency does not");
        return core_error_hint(err, "choose another username, or check the --team and --agency ids");
    }
    return rc;
}
