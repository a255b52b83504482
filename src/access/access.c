/*
 * access.c — the access decision (contract in access.h).
 *
 * Foundation stage: every route and record check comes here, but there is no sign-in yet, so the decision
 * is "allow". The function is the single place the policy will live.
 */
#include "access/access.h"

access_result access_decide(const access_principal *who, const char *permission, const access_target *what,
                            core_error *err)
{
    (void)who;
    (void)permission;
    (void)what;
    (void)err;
    return ACCESS_ALLOW;
}
