/*
 * cli_user.c — `hearth user add`.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "core/core_parse.h"
#include "model/model_user.h"
#include "store/store.h"

int cli_user_add(int argc, char **argv)
{
    model_user_new u = {0};
    const char *db = NULL;
    int from_stdin = 0, with_totp = 0;
    char totp[33] = "";
    int64_t team = 0, agency = 0;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"username", required_argument, NULL, 'u'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"team", required_argument, NULL, 't'},
                                         {"agency", required_argument, NULL, 'a'},
                                         {"password-stdin", no_argument, NULL, 'p'},
                                         {"totp", no_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': u.username = optarg; break;
        case 'r': u.role = optarg; break;
        case 'n': u.display_name = optarg; break;
        case 't':
        case 'a':
            if (core_parse_int64(optarg, strlen(optarg), 1, INT64_MAX, c == 't' ? &team : &agency)) {
                fprintf(stderr, "hearth user add: --%s must be a positive id\n", c == 't' ? "team" : "agency");
                return CLI_USAGE;
            }
            break;
        case 'p': from_stdin = 1; break;
        case 'o': with_totp = 1; break;
        default: return CLI_USAGE;
        }
    }
    if (!db || !u.username || !u.role || optind != argc) {
        fprintf(stderr, "hearth user add: --db, --username and --role are required\n");
        return CLI_USAGE;
    }
    u.team_id = team;
    u.agency_id = agency;
    char pw[256];
    if (from_stdin) {
        if (!fgets(pw, sizeof(pw), stdin)) {
            fprintf(stderr, "hearth user add: no password on standard input\n");
            return CLI_USAGE;
        }
        pw[strcspn(pw, "\r\n")] = '\0';
    } else {
        model_user_random_password(pw, sizeof(pw));
    }
    u.password = pw;
    if (with_totp) {
        auth_totp_secret_new(totp);
        u.totp_secret = totp;
    }
    core_error err;
    core_error_clear(&err);
    core_arena a = CORE_ARENA_INIT;
    store *s = NULL;
    int64_t id = 0;
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    if (rc == 0)
        rc = model_user_add(s, &a, &u, &id, &err);
    if (rc == 0) {
        printf("user %s added with id %lld\n", u.username, (long long)id);
        if (!from_stdin)
            printf("password: %s\n", pw);
        if (with_totp)
            printf("totp secret (base32, for the user's authenticator app): %s\n", totp);
    } else {
        cli_print_error(&err);
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(totp, sizeof(totp));
    core_arena_release(&a);
    if (s)
        store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
