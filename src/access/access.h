/*
 * access.h — the one policy decision: may this principal do this to this record, and on what footing?
 *
 * Every route names a permission and every handler asks access_decide() before it reads or writes a
 * record; nothing else in Hearth decides access. The policy is written down in docs/access.md: default
 * deny; a family's (or person's) records are open only on a footing — lead practitioner, Team Around the
 * Family member, manager of the owning team, the front door during triage, the recorder of a record nobody
 * works yet, a governance duty, or break glass — and then only the sections the role (for a partner: the
 * agency type and the family's consent) allows. Restricted people (UK GDPR art. 18) are governance's alone.
 *
 * What it is not for: authenticating (auth/), recording the decision (the caller audits, with the footing
 * this module gives), or shaping what is returned beyond saying which special-category fields to omit.
 *
 * Invariants
 *   1. Anything not allowed by a rule is denied; a store error denies.
 *   2. The decision reads only the store and the principal; it never writes.
 *   3. A denial sets err: CORE_E_FORBIDDEN (no footing, or a role that never does this), CORE_E_NOT_FOUND
 *      (hidden: a section not shared, a restricted person), CORE_E_RESTRICTED (governance changing a
 *      restricted person), with a message fit for the user.
 */
#ifndef HEARTH_ACCESS_H
#define HEARTH_ACCESS_H

#include <stdint.h>

#include "core/core_error.h"
#include "store/store.h"

/* The roles of docs/access.md, resolved once from the role code (a misspelt role does not compile). */
typedef enum {
    ACCESS_ROLE_NONE = 0,  /* not signed in, or a role code Hearth does not know: denied everything */
    ACCESS_ROLE_FRONT_DOOR,
    ACCESS_ROLE_PRACTITIONER,
    ACCESS_ROLE_TEAM_MANAGER,
    ACCESS_ROLE_PARTNER,
    ACCESS_ROLE_GOVERNANCE,
    ACCESS_ROLE_ANALYST,
    ACCESS_ROLE_ADMIN,
} access_role;

typedef enum {
    ACCESS_ON_NONE = 0,
    ACCESS_ON_DIRECTORY,   /* agencies, teams, reference data: not case records */
    ACCESS_ON_ROLE,        /* creating a new top-level record the role may record (people, families, contacts) */
    ACCESS_ON_LEAD,
    ACCESS_ON_TAF,
    ACCESS_ON_TEAM_MANAGER,
    ACCESS_ON_FRONT_DOOR,
    ACCESS_ON_RECORDER,
    ACCESS_ON_DUTY,
    ACCESS_ON_BREAK_GLASS,
} access_basis;

typedef struct access_footing {
    access_basis basis;
    int64_t family_id;     /* the family the footing came through (0: none, or a person/contact footing) */
    int64_t grant_id;      /* duty or break glass */
    char reason[48];       /* the grant's reason or purpose code */
    int omit_special;      /* 1: leave special-category fields out of what is returned (partner) */
    int omit_identifiers;  /* 1: leave NHS and National Insurance numbers out (partner without 'identifiers') */
} access_footing;

enum { ACCESS_CACHE = 32 }; /* families whose footing one request remembers */

struct access_cache;

typedef struct access_principal {
    struct access_cache *cache; /* footings remembered across requests (access_cache.h), or NULL: none */
    int64_t user_id;       /* 0: not signed in */
    const char *role;      /* role code, or NULL (as stored; resolved once into role_kind by access_role_of) */
    int64_t team_id;       /* 0: none */
    int64_t agency_id;     /* 0: none */
    const char *scopes;    /* API token: comma-separated permissions it is limited to; NULL: no limit */
    /* per request: what the decision already worked out (filled by access_decide) */
    access_role role_kind;
    int role_resolved;
    char agency_type[40];
    int agency_type_known;
    int nfamilies;
    struct {
        int64_t family_id;
        access_footing footing; /* basis ACCESS_ON_NONE: no footing */
    } families[ACCESS_CACHE];
} access_principal;

typedef struct access_target {
    const char *section;   /* sharing label of the record kind (model_resource.section), or of the new record */
    const char *table;     /* the table of the record */
    int64_t id;            /* the record, or 0 for a collection or a new record */
    const char *new_label; /* a write that changes the record's sharing label: the label it will carry (else NULL) */
    int staffing;          /* the write allocates people to a case: ACCESS_STAFF_TAF or ACCESS_STAFF_LEAD (else 0) */
} access_target;

/* What a staffing write allocates (access_target.staffing). */
enum {
    ACCESS_STAFF_TAF = 1,  /* a Team Around the Family member, or an episode's dates (closing or reopening it):
                              the lead or the owning team's manager */
    ACCESS_STAFF_LEAD = 2, /* an episode's lead practitioner or owning team: the owning team's manager */
};

typedef enum { ACCESS_DENY = 0, ACCESS_ALLOW = 1 } access_result;

/* The role code's enum (ACCESS_ROLE_NONE for NULL or an unknown code). */
access_role access_role_parse(const char *code);

/* The principal's role, resolved from who->role on first use. */
access_role access_role_of(access_principal *who);

/* Decide. db may be NULL only for route-level questions (what->table NULL). footing (may be NULL) is filled
 * on allow. On deny, err says why (see invariant 3). */
access_result access_decide(store *db, access_principal *who, const char *permission, const access_target *what,
                            access_footing *footing, core_error *err);

/* Could who read any case record now? 0 for the administrator and the analyst, and for governance without a
 * live duty; 1 otherwise (each record is still decided on its own). Negative with err set on a store error.
 * Lists use it to answer at once instead of deciding every record. */
int access_may_read_cases(store *db, access_principal *who, core_error *err);

/* May who allocate a case to team_id (create an episode owned by it with a lead, docs/access.md)? Only the
 * manager of that team. ACCESS_ALLOW, or ACCESS_DENY with err set. */
access_result access_may_allocate(access_principal *who, int64_t team_id, core_error *err);

/* Kinds of record that link two others (see access_link_opens). */
typedef enum {
    ACCESS_LINK_MEMBER = 1,     /* family_member: a person into a family (parent: the family) */
    ACCESS_LINK_CONTACT_CHILD,  /* contact_child: a person named as a contact's child (parent: the contact) */
    ACCESS_LINK_CONTACT_FAMILY, /* contact.family_id: a family named by a contact (parent: the contact, 0 if new) */
} access_link;

/* Does a link recorded now by who open the linked record (target: the person or family) through the parent?
 * 1 when the target is new with the link — recorded by who and tied to nothing else yet — or, for a family
 * member, when who is the manager of a team working the family (an allocation); 0 otherwise: what existed
 * before the link stays behind its own footings (docs/access.md, "No footing from what you record").
 * Negative with err set on a store error. */
int access_link_opens(store *db, access_principal *who, access_link kind, int64_t parent, int64_t target,
                      core_error *err);

/* {"footing":"taf","family":12} / {"footing":"break_glass","grant":3,"reason":"serious_risk_of_harm"}: the
 * footing as a JSON object text for the audit detail, into out (size at least 160). */
void access_footing_json(const access_footing *f, char *out, size_t size);

/* The footing's code ("taf", "duty", ...). */
const char *access_basis_name(access_basis b);

/* A setting from the setting table (docs/access.md) into *out, or fallback when absent. 0, or a negative
 * code with err set on a store error (the caller must not go on with a guess). */
int access_setting(store *db, const char *name, int64_t fallback, int64_t *out, core_error *err);

#endif
