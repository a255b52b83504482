/*
 * cli_audit.c — `hearth audit verify --db PATH`: check the audit trail's hash chain and signed checkpoints
 * (audit/audit.h: audit_verify()).
 *
 * Exit 0 and "N entries verified, M checkpoints" when the trail is intact; 1 naming the first bad entry when
 * it is not (or when it cannot be checked at all); 2 on usage errors.
 */
#include <stdio.h>

#include "audit/audit.h"
#include "cli/cli.h"

int cli_audit_verify(int argc, char **argv)
{
    const char *db = cli_db_only(argc, argv, "audit verify");
    if (!db)
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    audit_verify_report r;
    if (audit_verify(db, &r, &err) != 0) {
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
    printf("%lld entries verified, %lld checkpoints\n", (long long)r.entries, (long long)r.checkpoints);
    if (r.unsealed > 0)
        printf("note: the last %lld entries come after the last signed checkpoint (entry %lld): the chain "
               "protects "
               "them against change, but cutting them off would not be noticed until the next checkpoint\n",
               (long long)r.unsealed, (long long)r.last_checkpoint_seq);
    return CLI_OK;
}
