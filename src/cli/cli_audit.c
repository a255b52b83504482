/*
 * cli_audit.c — `hearth audit verify --db PATH --public-key FILE [--anchor FILE]`: check the audit trail's hash
 * chain and signed checkpoints (audit/audit.h: audit_verify()); `hearth audit anchor --db PATH`: print the
 * latest signed checkpoint for the data protection officer to keep elsewhere (audit_anchor()).
 *
 * verify: exit 0 and "N entries verified, M checkpoints" when the trail is intact; 1 naming the first bad
 * entry (or the anchor that is no longer in the trail) when it is not, or when it cannot be checked at all; 2
 * on usage errors. It never reads the signing key: the public key is given explicitly.
 * anchor: exit 0 and one line of JSON; 1 when there is no checkpoint yet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "cli/cli.h"

int cli_audit_verify(int argc, char **argv)
{
    const char *db = NULL;
    audit_verify_options o = {NULL, NULL};
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"public-key", required_argument, NULL, 'p'},
                                         {"anchor", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': o.public_key = optarg; break;
        case 'a': o.anchor = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (!db || !o.public_key || optind != argc) {
        fprintf(stderr, "hearth audit verify: --db PATH and --public-key FILE are required (--anchor FILE "
                        "optional)\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    audit_verify_report r;
    if (audit_verify(db, &o, &r, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (r.fault != AUDIT_FAULT_NONE) {
        if (r.first_bad_seq > 0)
            printf("audit trail FAILED verification: first bad entry %lld (%s): %s\n",
                   (long long)r.first_bad_seq, audit_fault_name(r.fault), r.what);
        else
            printf("audit trail FAILED verification (%s): %s\n", audit_fault_name(r.fault), r.what);
        return CLI_FAIL;
    }
    printf("%lld entries verified, %lld checkpoints%s\n", (long long)r.entries, (long long)r.checkpoints,
           o.anchor ? ", anchor held" : "");
    if (r.unsealed > 0)
        printf("note: the last %lld entries come after the last signed checkpoint (entry %lld): the chain "
               "protects them against change, and a starting server signs them\n",
               (long long)r.unsealed, (long long)r.last_checkpoint_seq);
    return CLI_OK;
}

int cli_audit_anchor(int argc, char **argv)
{
    const char *db = cli_db_only(argc, argv, "audit anchor");
    if (!db)
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    char *json = NULL;
    if (audit_anchor(db, &json, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    printf("%s\n", json);
    free(json);
    return CLI_OK;
}
