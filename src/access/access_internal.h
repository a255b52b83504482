/*
 * access_internal.h — what the files of the access decision share; not for use outside src/access/.
 *
 * The decision is one module in three files (access.c: the decision, sections and the rest of access.h;
 * access_route.c: roles and the route table; access_footing.c: walking a record to its anchor and finding the
 * principal's footing there, with the footings remembered in access_cache). Nothing here is part of the
 * contract: access.h is.
 *
 * Invariants:
 *   1. A store error in any step sets access_decision.failed (and the caller's error once); a failed decision
 *      denies, whatever a later step found.
 *   2. Every statement is prepared on the decision's arena, released when the decision ends.
 */
#ifndef HEARTH_ACCESS_INTERNAL_H
#define HEARTH_ACCESS_INTERNAL_H

#include "access/access.h"

/* The clock read once per decision. */
typedef struct access_clock {
    char now[24];      /* 'YYYY-MM-DDTHH:MM:SSZ' */
    char today[11];    /* 'YYYY-MM-DD' */
} access_clock;

/* The decision's working state. */
typedef struct access_decision {
    store *db;
    core_arena arena;
    access_principal *who;
    access_clock clock;
    core_error *err;
    int failed;        /* a store error: deny */
    int generation_read; /* 1: generation holds the access generation; -1: it could not be read (no cache) */
    int64_t generation;
} access_decision;

/* Sets of roles, as bit masks. */
#define R(x) (1u << ACCESS_ROLE_##x)
typedef unsigned access_role_set;

/* The roles that may break glass. */
#define ACCESS_ROLES_BREAK_GLASS (R(FRONT_DOOR) | R(PRACTITIONER) | R(TEAM_MANAGER))
/* Roles that never open a case record (and so never lead or sit on a Team Around the Family). */
#define ACCESS_ROLES_NO_CASE_RECORDS (R(ADMIN) | R(ANALYST))

static inline int access_role_is(access_principal *w, access_role role)
{
    return access_role_of(w) == role;
}

static inline int access_role_in(access_principal *w, access_role_set set)
{
    access_role r = access_role_of(w);
    return r != ACCESS_ROLE_NONE && (set & (1u << r)) != 0;
}

/* What access is decided on: the kinds of record a footing is found for. */
typedef enum {
    ACCESS_ANCHOR_NONE = 0,   /* not found */
    ACCESS_ANCHOR_PERSON,
    ACCESS_ANCHOR_FAMILY,
    ACCESS_ANCHOR_CONTACT,
    ACCESS_ANCHOR_DIRECTORY,  /* agencies and teams: not case records */
} access_anchor_kind;

typedef struct access_anchor {
    access_anchor_kind kind;
    int64_t id;            /* 0: a phone call with no contact */
    int64_t person_id;     /* the person the record is about (restriction), 0 if none */
    char label[48];        /* a narrower sharing label than the resource's, or "" */
} access_anchor;

/* ---- access.c: time, queries, settings ---- */

void access_clock_read(access_clock *c);
/* out = today minus days ('0000-01-01' when today or days is out of range). */
void access_days_before(const char *today, int64_t days, char out[11]);
/* One integer from a query, or fallback when it returns no row; a store error marks the decision failed. */
int64_t access_query_int(access_decision *d, const char *sql, const store_value *v, size_t n, int64_t fallback);
/* A setting within a decision: a store error fails the decision (and so denies). */
int64_t access_setting_of(access_decision *d, const char *name, int64_t fallback);

/* ---- access_route.c ---- */

/* May this principal use a route naming permission at all? ACCESS_ALLOW, or ACCESS_DENY with err set. */
access_result access_route_decide(access_principal *who, const char *permission, core_error *err);

/* ---- access_footing.c ---- */

/* 1 when table is a directory table (agencies, teams): not a case record. */
int access_table_is_directory(const char *table);
/* Walks the record (table, id) up to its anchor: 0 and out filled; CORE_E_NOT_FOUND when the record does
 * not exist; another code (and d->failed on a store error) otherwise. */
int access_anchor_find(access_decision *d, const char *table, int64_t id, access_anchor *out);
/* The principal's footing on a family, a contact (0: a phone call tied to none) or a person, into f (basis
 * ACCESS_ON_NONE when there is none). On a store error d->failed is set and f must not be used. */
void access_family_footing(access_decision *d, int64_t family, access_footing *f);
void access_contact_footing(access_decision *d, int64_t contact, access_footing *f);
void access_person_footing(access_decision *d, int64_t person, access_footing *f);

#endif
