/*
 * report.h — what leaves Hearth for others: the national evaluation extract (issue 12 part 2; docs/extracts.md).
 *
 * What it is for: the council's policy declares its research shares (policy/<profile>.yaml, research_shares: the
 * recipient, the fields the notice promises, how long the recipient keeps them, how to opt out). An extract
 * for one share holds, for every person of a family on the Supporting Families programme in the period, the
 * share's fields and no others; people who objected (an upheld objection, gov_person_object) and restricted
 * people are left out and counted, never named. The extract leaves Hearth encrypted to the recipient's public
 * key (libsodium's sealed box): Hearth keeps no readable copy. Each person sent is one row of the disclosure
 * log, which their access report and subject-access pack show.
 *
 * What it is not for: pseudonymised research files and published counts (later parts of issue 12).
 *
 * Invariants:
 *   1. Only fields the share lists leave: the notice's promise is the extract's column list.
 *   2. The plain extract exists only in memory, and is wiped (sodium_memzero) once sealed.
 *   3. The disclosure rows and their audit events are written in one transaction, after the sealed file is
 *      complete; a failure leaves no log row for a file that was not written, and removes the file.
 */
#ifndef HEARTH_REPORT_H
#define HEARTH_REPORT_H

#include <sodium.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_error.h"
#include "policy/policy.h"
#include "store/store.h"

typedef struct report_national_options {
    const policy *policy;
    const char *share;       /* the research share's code; NULL: the policy's first share */
    const char *from, *to;   /* the period, YYYY-MM-DD, inclusive */
    const char *la_code;     /* the DfE local-authority code for the la_code column (may be NULL: left empty) */
    unsigned char recipient_pk[crypto_box_PUBLICKEYBYTES];
    int64_t user_id;         /* who ran it (0: the command line) */
    const unsigned char *research_key; /* for a pseudonymised share: report_research_key()'s (else NULL) */
} report_national_options;

typedef struct report_national_result {
    uint64_t people;         /* people disclosed */
    uint64_t objected;       /* left out: an upheld objection to research */
    uint64_t restricted;     /* left out: processing restricted */
    char extract_ref[65];    /* BLAKE2b-256 of the sealed file, hex */
    const char *share;       /* the share's code (policy string) */
    const char *recipient;
    char destroy_due[11];    /* YYYY-MM-DD, or "" when the share sets no period */
    const int64_t *persons;  /* the people disclosed and their families (on the build's arena), for the log */
    const int64_t *families;
} report_national_result;

/* Build the extract, seal it to the recipient's key, and hand the sealed bytes to the caller in *sealed
 * (malloc'd; the caller writes and frees them) — the disclosure log is NOT written yet. CORE_E_INVALID_VALUE
 * for a bad period or a share the policy lacks. */
int report_national_build(store *s, core_arena *a, const report_national_options *o, unsigned char **sealed,
                          size_t *sealed_len, report_national_result *res, core_error *err);

/* Write the disclosure log of the extract res describes (a row for every person in it) and one audit outbox
 * event per person, in one transaction on s. Call after the sealed file is safely written. *outbox_high (may
 * be NULL) the highest outbox row written, for audit_outbox_await(). */
int report_national_log(store *s, core_arena *a, const report_national_options *o,
                        const report_national_result *res, int64_t *outbox_high, core_error *err);

/* ---- pseudonymised shares (report_pseudo.c) ----
 *
 * A share the policy marks pseudonymised leaves no direct identifier: its references (programme, family,
 * person) are keyed pseudonyms, stable per recipient and different between recipients; date of birth goes as
 * the month (YYYY-MM), postcode as its sector ("LE13 7"); names and national identifiers are refused; free text
 * is never an extract field. A share whose fields are all family-level (family_reference, needs) is one row per
 * family. */

#define REPORT_PSEUDONYM_SIZE 33 /* 32 hex characters and a NUL */

/* The research key beside the database (PATH.research-key; for PostgreSQL $HEARTH_AUDIT_DIR/hearth.research-key),
 * made on first use. 0, CORE_E_IO, or CORE_E_INVALID_VALUE on PostgreSQL without HEARTH_AUDIT_DIR. */
int report_research_key(const char *db_path, unsigned char key[32], core_error *err);
/* The pseudonym of (recipient, kind, id) under key. */
void report_pseudonym(const unsigned char key[32], const char *recipient, const char *kind, int64_t id,
                      char out[REPORT_PSEUDONYM_SIZE]);
/* 1 when the share (by code, or the default) is pseudonymised, 0 when not, -1 when the policy lacks it. */
int report_share_pseudonymised(const policy *p, const char *share);

#endif
