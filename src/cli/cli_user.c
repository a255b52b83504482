/*
 * cli_user.c — the account commands: `hearth user add|disable|enable|reset|role|recovery-codes` and
 * `hearth token add|list|revoke`.
 *
 * Every command that changes something runs in one transaction (a refusal — unknown user, bad role, bad
 * scope — changes nothing), then records the change in the audit trail as the command line's (cli_db_record).
 * Secrets (passwords, TOTP secrets, recovery codes, tokens) are printed once on standard output and wiped
 * from memory afterwards; only their hashes are stored, except the TOTP secret, which sign-in needs.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>

#include "api/api.h"
#include "auth/auth.h"
#include "cli/cli.h"
#include "core/core_parse.h"
#include "model/model_user.h"
#include "store/store.h"

/* ---- options: one table, each command names the ones it takes ---- */

typedef struct user_opts {
    const char *db, *username, *role, *name, *scopes;
    int64_t team, agency, days, id;
    int password_stdin, totp;
} user_opts;

static const struct option all_opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"username", required_argument, NULL, 'u'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"team", required_argument, NULL, 't'},
                                         {"agency", required_argument, NULL, 'a'},
                                         {"password-stdin", no_argument, NULL, 'p'},
                                         {"totp", no_argument, NULL, 'o'},
                                         {"scopes", required_argument, NULL, 's'},
                                         {"days", required_argument, NULL, 'y'},
                                         {"id", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};

static int set_user_opt(int c, const char *arg, void *ctx, const char *command)
{
    user_opts *o = ctx;
    switch (c) {
    case 'd': o->db = arg; break;
    case 'u': o->username = arg; break;
    case 'r': o->role = arg; break;
    case 'n': o->name = arg; break;
    case 's': o->scopes = arg; break;
    case 'p': o->password_stdin = 1; break;
    case 'o': o->totp = 1; break;
    case 't': return cli_opt_id(command, all_opts, c, arg, INT64_MAX, &o->team);
    case 'a': return cli_opt_id(command, all_opts, c, arg, INT64_MAX, &o->agency);
    case 'i': return cli_opt_id(command, all_opts, c, arg, INT64_MAX, &o->id);
    case 'y': return cli_opt_id(command, all_opts, c, arg, AUTH_TOKEN_DAYS_MAX, &o->days);
    }
    return 0;
}

/* Parse argv for command, which takes the options whose letters are in takes and needs those in needs.
 * 0, or CLI_USAGE after a message naming what is wrong. */
static int parse_opts(int argc, char **argv, const char *command, const char *takes, const char *needs,
                      user_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->days = AUTH_TOKEN_DAYS_DEFAULT;
    return cli_parse_opts(argc, argv, command, all_opts, takes, needs, set_user_opt, o);
}

/* The first line of standard input into pw (size bytes), or a new random password when not from_stdin. */
static int read_password(int from_stdin, const char *command, char *pw, size_t size)
{
    if (!from_stdin) {
        model_user_random_password(pw, size);
        return 0;
    }
    if (!fgets(pw, (int)size, stdin)) {
        fprintf(stderr, "hearth %s: no password on standard input\n", command);
        return CLI_USAGE;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    return 0;
}

static void print_recovery_codes(char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE])
{
    printf("recovery codes (each signs in once in place of a TOTP code; keep them safe, they are shown only "
           "now):\n");
    for (int i = 0; i < AUTH_RECOVERY_CODES; i++)
        printf("  %s\n", codes[i]);
}

/* "1 session" / "2 sessions" */
static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* End a command: roll back when rc says it failed, close, print the error; the exit status. */
static int finish(cli_db *d, int rc, core_error *err)
{
    if (rc && d->s)
        store_rollback(d->s);
    if (rc)
        cli_print_error(err);
    core_error cerr;
    core_error_clear(&cerr);
    if (cli_db_close(d, &cerr) != 0) {
        cli_print_error(&cerr);
        return CLI_FAIL;
    }
    return rc ? CLI_FAIL : CLI_OK;
}

/* ---- user add ---- */

int cli_user_add(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "user add", "durntapo", "dur", &o))
        return CLI_USAGE;
    model_user_new u = {o.username, o.name, o.role, o.agency, o.team, NULL, NULL};
    char pw[256], totp[33] = "";
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    memset(codes, 0, sizeof(codes));
    if (read_password(o.password_stdin, "user add", pw, sizeof(pw)))
        return CLI_USAGE;
    u.password = pw;
    if (!o.totp && auth_role_needs_second_factor(o.role)) {
        /* Every role that sees case data signs in with a second factor: enrol one now rather than make an
         * account that cannot sign in. */
        fprintf(stderr, "hearth user add: role %s needs a second factor: enrolling TOTP (as with --totp)\n", o.role);
        o.totp = 1;
    }
    if (o.totp) {
        auth_totp_secret_new(totp);
        u.totp_secret = totp;
    }
    core_error err;
    core_error_clear(&err);
    cli_db d;
    int64_t id = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_add(d.s, &d.arena, &u, &id, &err);
    if (rc == 0 && o.totp)
        rc = auth_recovery_codes_new(d.s, &d.arena, id, 0, codes, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        printf("user %s added with id %lld\n", u.username, (long long)id);
        if (!o.password_stdin)
            printf("password: %s\n", pw);
        if (o.totp) {
            printf("totp secret (base32, for the user's authenticator app): %s\n", totp);
            print_recovery_codes(codes);
        }
        rc = cli_db_record(&d, "user_add", "app_user", id,
                           json_pack("{s:s,s:b}", "role", u.role, "totp", o.totp), &err);
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(totp, sizeof(totp));
    sodium_memzero(codes, sizeof(codes));
    return finish(&d, rc, &err);
}

/* ---- user disable, enable ---- */

static int set_disabled(int argc, char **argv, int disabled)
{
    const char *command = disabled ? "user disable" : "user enable";
    user_opts o;
    if (parse_opts(argc, argv, command, "du", "du", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    cli_db d;
    model_user_info u;
    int64_t revoked = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_find(d.s, &d.arena, o.username, &u, &err);
    if (rc == 0)
        rc = auth_admin_set_disabled(d.s, &d.arena, u.id, disabled, 0, &revoked, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        const char *was = u.disabled == disabled ? " (it already was)" : "";
        if (disabled)
            printf("user %s disabled%s; %lld %s revoked\n", u.username, was, (long long)revoked,
                   plural(revoked, "session", "sessions"));
        else
            printf("user %s enabled%s\n", u.username, was);
        /* was_disabled: the old value, for governance's list of changes (GET /api/v1/governance/changes) */
        json_t *detail = disabled ? json_pack("{s:b,s:I}", "was_disabled", u.disabled, "sessions_revoked",
                                              (json_int_t)revoked)
                                  : json_pack("{s:b}", "was_disabled", u.disabled);
        rc = cli_db_record(&d, disabled ? "user_disable" : "user_enable", "app_user", u.id, detail, &err);
    }
    return finish(&d, rc, &err);
}

int cli_user_disable(int argc, char **argv)
{
    return set_disabled(argc, argv, 1);
}

int cli_user_enable(int argc, char **argv)
{
    return set_disabled(argc, argv, 0);
}

/* ---- user reset ---- */

int cli_user_reset(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "user reset", "dupo", "du", &o))
        return CLI_USAGE;
    char pw[256], totp[33] = "";
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    memset(codes, 0, sizeof(codes));
    if (read_password(o.password_stdin, "user reset", pw, sizeof(pw)))
        return CLI_USAGE;
    if (o.totp)
        auth_totp_secret_new(totp);
    core_error err;
    core_error_clear(&err);
    cli_db d;
    model_user_info u;
    int64_t revoked = 0, cleared = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_find(d.s, &d.arena, o.username, &u, &err);
    if (rc == 0)
        rc = auth_admin_reset(d.s, &d.arena, u.username, u.id, pw, o.totp ? totp : NULL, 0, codes, &cleared,
                              &revoked, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        printf("user %s reset: new password%s; %lld failed %s cleared; %lld %s revoked\n", u.username,
               o.totp ? ", TOTP secret and recovery codes" : "", (long long)cleared,
               plural(cleared, "sign-in", "sign-ins"), (long long)revoked,
               plural(revoked, "session", "sessions"));
        if (!o.password_stdin)
            printf("password: %s\n", pw);
        if (o.totp) {
            printf("totp secret (base32, for the user's authenticator app): %s\n", totp);
            print_recovery_codes(codes);
        }
        rc = cli_db_record(&d, "user_reset", "app_user", u.id,
                           json_pack("{s:b,s:I,s:I}", "totp", o.totp, "sessions_revoked", (json_int_t)revoked,
                                     "failures_cleared", (json_int_t)cleared),
                           &err);
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(totp, sizeof(totp));
    sodium_memzero(codes, sizeof(codes));
    return finish(&d, rc, &err);
}

/* ---- user role ---- */

int cli_user_role(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "user role", "durta", "dur", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    cli_db d;
    model_user_info u;
    int64_t revoked = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_find(d.s, &d.arena, o.username, &u, &err);
    if (rc == 0)
        rc = auth_admin_set_role(d.s, &d.arena, u.id, o.role, o.team, o.agency, 0, &revoked, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        int64_t team = o.team ? o.team : u.team_id, agency = o.agency ? o.agency : u.agency_id;
        char ts[24] = "none", as[24] = "none";
        if (team)
            snprintf(ts, sizeof(ts), "%lld", (long long)team);
        if (agency)
            snprintf(as, sizeof(as), "%lld", (long long)agency);
        printf("user %s is now %s (was %s), team %s, agency %s; %lld %s revoked\n", u.username, o.role,
               u.role, ts, as, (long long)revoked, plural(revoked, "session", "sessions"));
        json_t *detail = json_pack("{s:s,s:s,s:I,s:I,s:I}", "role", o.role, "previous_role", u.role, "team",
                                   (json_int_t)team, "agency", (json_int_t)agency, "sessions_revoked",
                                   (json_int_t)revoked);
        rc = cli_db_record(&d, "user_role", "app_user", u.id, detail, &err);
    }
    return finish(&d, rc, &err);
}

/* ---- user recovery-codes ---- */

int cli_user_recovery_codes(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "user recovery-codes", "du", "du", &o))
        return CLI_USAGE;
    char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
    memset(codes, 0, sizeof(codes));
    core_error err;
    core_error_clear(&err);
    cli_db d;
    model_user_info u;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_find(d.s, &d.arena, o.username, &u, &err);
    if (rc == 0 && !u.has_totp) {
        core_error_set(&err, CORE_E_CONFLICT,
                       "the user has no second factor, so recovery codes would not be used");
        rc = core_error_hint(&err, "enrol one with: hearth user reset --totp");
    }
    if (rc == 0)
        rc = auth_recovery_codes_new(d.s, &d.arena, u.id, 0, codes, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        printf("new recovery codes for %s; the previous ones no longer work\n", u.username);
        print_recovery_codes(codes);
        rc = cli_db_record(&d, "recovery_codes_new", "app_user", u.id,
                           json_pack("{s:i}", "codes", AUTH_RECOVERY_CODES), &err);
    }
    sodium_memzero(codes, sizeof(codes));
    return finish(&d, rc, &err);
}

/* ---- token add, list, revoke ---- */

/* 0 when every item of a canonical scope list is the permission of some route; else CORE_E_INVALID_VALUE
 * naming the first one that is not (a permission name is not a secret). */
static int scopes_known(const char *scopes, core_error *err)
{
    for (const char *q = scopes; *q;) {
        const char *e = strchr(q, ',');
        size_t n = e ? (size_t)(e - q) : strlen(q);
        int found = 0;
        for (size_t i = 0; i < api_routes_count && !found; i++) {
            const char *perm = api_routes[i].permission;
            found = perm && strcmp(perm, "public") != 0 && strlen(perm) == n && memcmp(perm, q, n) == 0;
        }
        if (!found) {
            core_error_set(err, CORE_E_INVALID_VALUE, "scope %.*s is not the permission of any route", (int)n, q);
            return core_error_hint(err, "hearth token add --help; the permissions are in src/api/api_routes.c");
        }
        q += n + (e ? 1 : 0);
    }
    return 0;
}

int cli_token_add(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "token add", "dusy", "du", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    char scopes[AUTH_SCOPES_SIZE];
    if (o.scopes &&
        (auth_scopes_parse(o.scopes, scopes, sizeof(scopes), &err) || scopes_known(scopes, &err))) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char token[AUTH_TOKEN_CHARS + 1] = "";
    cli_db d;
    model_user_info u;
    int64_t id = 0;
    time_t now = time(NULL);
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = model_user_find(d.s, &d.arena, o.username, &u, &err);
    if (rc == 0 && u.disabled) {
        core_error_set(&err, CORE_E_CONFLICT, "the user is disabled");
        rc = core_error_hint(&err, "hearth user enable first, if they should act again");
    }
    if (rc == 0) {
        auth_token_req t = {u.id, o.scopes ? scopes : NULL, (int)o.days, now};
        rc = auth_token_add(d.s, &d.arena, &t, token, &id, &err);
    }
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        char expires[24];
        time_t end = now + (time_t)o.days * 24 * 60 * 60;
        struct tm tm;
        gmtime_r(&end, &tm);
        strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("token %lld for %s, scopes %s, expires %s\n", (long long)id, u.username,
               o.scopes ? scopes : "(all the role allows)", expires);
        printf("token (shown only now; send it as Authorization: Bearer <token>): %s\n", token);
        json_t *detail = json_pack("{s:I,s:s?,s:I}", "user", (json_int_t)u.id, "scopes", o.scopes ? scopes : NULL,
                                   "days", (json_int_t)o.days);
        rc = cli_db_record(&d, "token_add", "session", id, detail, &err);
    }
    sodium_memzero(token, sizeof(token));
    return finish(&d, rc, &err);
}

static int print_session(void *ctx, const auth_session_info *i)
{
    (void)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)i->id, i->username, i->kind, i->scopes ? i->scopes : "-",
           i->created_at, i->expires_at, i->revoked_at ? i->revoked_at : "-");
    return 0;
}

int cli_token_list(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "token list", "du", "d", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    core_arena a = CORE_ARENA_INIT;
    store *s = NULL;
    model_user_info u = {0};
    int rc = store_open(&s, o.db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    if (rc == 0 && o.username)
        rc = model_user_find(s, &a, o.username, &u, &err);
    if (rc == 0) {
        printf("id\tuser\tkind\tscopes\tcreated\texpires\trevoked\n");
        rc = auth_session_each(s, &a, u.id, print_session, NULL, &err);
    }
    if (rc)
        cli_print_error(&err);
    core_arena_release(&a);
    if (s)
        store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}

int cli_token_revoke(int argc, char **argv)
{
    user_opts o;
    if (parse_opts(argc, argv, "token revoke", "di", "di", &o))
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    cli_db d;
    int64_t revoked = 0;
    int rc = cli_db_open(&d, o.db, &err);
    if (rc == 0)
        rc = store_begin(d.s, &err);
    if (rc == 0)
        rc = auth_session_revoke(d.s, &d.arena, o.id, 0, &revoked, &err);
    if (rc == 0)
        rc = store_commit(d.s, &err);
    if (rc == 0) {
        printf("token %lld %s\n", (long long)o.id, revoked ? "revoked" : "was already revoked");
        if (revoked)
            rc = cli_db_record(&d, "token_revoke", "session", o.id, NULL, &err);
    }
    return finish(&d, rc, &err);
}
