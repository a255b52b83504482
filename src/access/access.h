/*
 * access.h — the one policy decision: may this principal do this to this record?
 *
 * Every route names a permission and every handler asks access_decide() before it reads or writes a
 * record; nothing else in Hearth decides access. Today (foundation) the decision has no sign-in to work
 * from, so it allows every request; the next piece of work (sign-in, relationships, consent, restriction,
 * break glass) fills in this function without any handler changing. Default deny will be the rule then.
 */
#ifndef HEARTH_ACCESS_H
#define HEARTH_ACCESS_H

#include <stdint.h>

#include "core/core_error.h"

typedef struct access_principal {
    int64_t user_id;     /* 0: not signed in */
    const char *role;    /* role code, or NULL */
} access_principal;

typedef struct access_target {
    const char *section; /* sharing label of the record kind (model_resource.section) */
    const char *table;   /* the table of the record */
    int64_t id;          /* the record, or 0 for a collection or a new record */
} access_target;

typedef enum { ACCESS_DENY = 0, ACCESS_ALLOW = 1 } access_result;

/* Decide. On deny, err (may be NULL) says why in words fit for the user. */
access_result access_decide(const access_principal *who, const char *permission, const access_target *what,
                            core_error *err);

#endif
