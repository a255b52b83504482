/*
 * model_user.c — users and their password hashes (contract in model_user.h).
 */
#include <sodium.h>
#include <string.h>

#include "model/model.h"
#include "model/model_user.h"

/* A new user; returns its id. */
static const char SQL_USER_INSERT[] =
    "INSERT INTO app_user (username, display_name, role, agency_id, team_id, password_hash, totp_secret,\n"
    "                      created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)\n"
    "RETURNING id";

/* A user by username. */
static const char SQL_USER_FIND[] =
    "SELECT id, username, role, coalesce(team_id, 0), coalesce(agency_id, 0), disabled,\n"
    "       totp_secret IS NOT NULL, display_name\n"
    "  FROM app_user\n"
    " WHERE username = $1";

/* A user by id. */
static const char SQL_USER_GET[] =
    "SELECT id, username, role, coalesce(team_id, 0), coalesce(agency_id, 0), disabled,\n"
    "       totp_secret IS NOT NULL, display_name\n"
    "  FROM app_user\n"
    " WHERE id = $1";

/* Every user, by display name (the staff directory and the administrator's list). */
static const char SQL_USER_LIST[] =
    "SELECT id, username, role, coalesce(team_id, 0), coalesce(agency_id, 0), disabled,\n"
    "       totp_secret IS NOT NULL, display_name\n"
    "  FROM app_user\n"
    " ORDER BY lower(display_name), id";

/* The users among up to MODEL_USER_NAMED_BATCH ids (unused places bound NULL, which match nothing). */
static const char SQL_USER_NAMED[] =
    "SELECT id, username, role, coalesce(team_id, 0), coalesce(agency_id, 0), disabled,\n"
    "       totp_secret IS NOT NULL, display_name\n"
    "  FROM app_user\n"
    " WHERE id IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)\n"
    " ORDER BY id";

static const char SQL_USER_SET_DISABLED[] =
    "UPDATE app_user\n"
    "   SET disabled = $2, version = version + 1, updated_at = $3, updated_by = $4\n"
    " WHERE id = $1";

/* A new password hash; the TOTP secret only when $3 is not NULL. */
static const char SQL_USER_SET_PASSWORD[] =
    "UPDATE app_user\n"
    "   SET password_hash = $2, totp_secret = coalesce($3, totp_secret),\n"
    "       version = version + 1, updated_at = $4, updated_by = $5\n"
    " WHERE id = $1";

/* A new role; team and agency only when given (not NULL). */
static const char SQL_USER_SET_ROLE[] =
    "UPDATE app_user\n"
    "   SET role = $2, team_id = coalesce($3, team_id), agency_id = coalesce($4, agency_id),\n"
    "       version = version + 1, updated_at = $5, updated_by = $6\n"
    " WHERE id = $1";

static const char *const roles[] = {"front_door", "practitioner", "team_manager", "partner",
                                    "governance", "analyst",      "admin"};

int model_user_role_valid(const char *role)
{
    for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

static int role_refused(core_error *err)
{
    core_error_set(err, CORE_E_INVALID_CODE, "role is not a hearth role");
    return core_error_hint(err,
                           "one of front_door, practitioner, team_manager, partner, governance, analyst, admin");
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

static void user_row(store_stmt *st, core_arena *a, model_user_info *out)
{
    out->id = store_col_int(st, 0);
    out->username = core_arena_strdup(a, store_col_text(st, 1, NULL));
    out->role = core_arena_strdup(a, store_col_text(st, 2, NULL));
    out->team_id = store_col_int(st, 3);
    out->agency_id = store_col_int(st, 4);
    out->disabled = (int)store_col_int(st, 5);
    out->has_totp = (int)store_col_int(st, 6);
    out->display_name = core_arena_strdup(a, store_col_text(st, 7, NULL));
}

/* One user by the query sql with one parameter; missing: the error's message. */
static int user_one(store *s, core_arena *a, const char *sql, store_value key, const char *missing,
                    model_user_info *out, core_error *err)
{
    memset(out, 0, sizeof(*out));
    store_stmt *st;
    int rc = store_query(s, a, sql, &key, 1, &st, err);
    if (rc)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        core_error_set(err, CORE_E_NOT_FOUND, "%s", missing);
        return core_error_hint(err, "check the spelling: usernames are lower case");
    }
    user_row(st, a, out);
    while ((rc = store_next(st, err)) == 1)
        ;
    return rc;
}

int model_user_find(store *s, core_arena *a, const char *username, model_user_info *out, core_error *err)
{
    return user_one(s, a, SQL_USER_FIND, store_v_text(username), "no user has that username", out, err);
}

int model_user_get(store *s, core_arena *a, int64_t id, model_user_info *out, core_error *err)
{
    return user_one(s, a, SQL_USER_GET, store_v_int(id), "no user has that id", out, err);
}

int model_user_list(store *s, core_arena *a, model_user_info **out, size_t *n, core_error *err)
{
    *out = NULL;
    *n = 0;
    store_stmt *st;
    int rc = store_query(s, a, SQL_USER_LIST, NULL, 0, &st, err);
    if (rc)
        return rc;
    size_t cap = 0;
    while ((rc = store_next(st, err)) == 1) {
        if (*n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            model_user_info *grown = core_arena_alloc(a, ncap * sizeof(*grown));
            if (*n)
                memcpy(grown, *out, *n * sizeof(*grown));
            *out = grown, cap = ncap;
        }
        user_row(st, a, &(*out)[(*n)++]);
    }
    return rc < 0 ? rc : 0;
}

int model_user_named(store *s, core_arena *a, const int64_t *ids, size_t n, model_user_info **out, size_t *nout,
                     core_error *err)
{
    *out = n ? core_arena_alloc(a, n * sizeof(**out)) : NULL;
    *nout = 0;
    for (size_t from = 0; from < n; from += MODEL_USER_NAMED_BATCH) {
        store_value p[MODEL_USER_NAMED_BATCH];
        for (size_t i = 0; i < MODEL_USER_NAMED_BATCH; i++)
            p[i] = from + i < n ? store_v_int(ids[from + i]) : store_v_null();
        store_stmt *st;
        int rc = store_query(s, a, SQL_USER_NAMED, p, MODEL_USER_NAMED_BATCH, &st, err);
        while (rc == 0 && (rc = store_next(st, err)) == 1) {
            rc = 0;
            if (*nout < n) /* a repeated id matches once; never more rows than ids */
                user_row(st, a, &(*out)[(*nout)++]);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Run one UPDATE of a user; CORE_E_NOT_FOUND when it changed no row. */
static int user_update(store *s, core_arena *a, const char *sql, const store_value *p, size_t n, core_error *err)
{
    int64_t changed = 0;
    int rc = store_exec(s, a, sql, p, n, &changed, err);
    if (rc == 0 && changed == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no user has that id");
    return rc;
}

int model_user_set_disabled(store *s, core_arena *a, int64_t id, int disabled, int64_t by, core_error *err)
{
    char now[24];
    model_now(now);
    store_value p[] = {store_v_int(id), store_v_int(disabled ? 1 : 0), store_v_text(now),
                       by ? store_v_int(by) : store_v_null()};
    return user_update(s, a, SQL_USER_SET_DISABLED, p, 4, err);
}

int model_user_set_password(store *s, core_arena *a, int64_t id, const char *password, const char *totp_secret,
                            int64_t by, core_error *err)
{
    if (!password || strlen(password) < 10)
        return core_error_set(err, CORE_E_INVALID_VALUE, "password must be at least 10 characters");
    char hash[crypto_pwhash_STRBYTES];
    int rc = model_user_hash_password(password, hash, sizeof(hash), err);
    if (rc)
        return rc;
    char now[24];
    model_now(now);
    store_value p[] = {store_v_int(id), store_v_text(hash), store_v_text(totp_secret), store_v_text(now),
                       by ? store_v_int(by) : store_v_null()};
    return user_update(s, a, SQL_USER_SET_PASSWORD, p, 5, err);
}

int model_user_set_role(store *s, core_arena *a, int64_t id, const char *role, int64_t team_id, int64_t agency_id,
                        int64_t by, core_error *err)
{
    if (!model_user_role_valid(role)) {
        return role_refused(err);
    }
    char now[24];
    model_now(now);
    store_value p[] = {store_v_int(id),
                       store_v_text(role),
                       team_id ? store_v_int(team_id) : store_v_null(),
                       agency_id ? store_v_int(agency_id) : store_v_null(),
                       store_v_text(now),
                       by ? store_v_int(by) : store_v_null()};
    int rc = user_update(s, a, SQL_USER_SET_ROLE, p, 6, err);
    if (rc == CORE_E_CONFLICT) {
        core_error_set(err, CORE_E_CONFLICT, "the team or agency does not exist");
        return core_error_hint(err, "check the --team and --agency ids");
    }
    return rc;
}

int model_user_add(store *s, core_arena *a, const model_user_new *u, int64_t *id, core_error *err)
{
    if (!u->username || !username_valid(u->username)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "username must be 3 to 64 characters");
        return core_error_hint(err, "use lower-case letters, digits, '.', '_' or '-'");
    }
    if (!model_user_role_valid(u->role)) {
        return role_refused(err);
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
