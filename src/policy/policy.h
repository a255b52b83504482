/*
 * policy.h — a council's information-governance policy: the file a data protection officer edits, which
 * Hearth both enforces and renders as the privacy notice.
 *
 * What it is for: one policy per council (policy/<profile>.yaml, documented in docs/policy.md) says who the
 * controller is, what is collected and on what lawful basis, who receives it, how long each kind of record
 * lives (retention classes and legal holds), the rights and how to use them, the research shares and how to
 * object, and the switches that change behaviour (automated decisions, agreement before assessment). The
 * notice (`hearth notice`, GET /privacy), the retention plan and the record of processing are all made from
 * the one loaded policy, so changing a period changes the notice and the plan together.
 *
 * What it is not for: the data itself. Nothing here reads the database.
 *
 * Invariants:
 *   1. A loaded policy has passed every check: policy_load() never returns a half-valid policy.
 *   2. Every string in it lives in the policy's own arena and lives as long as the policy.
 *   3. Retention classes are kept in file order, and a record takes the FIRST class whose records selector
 *      matches it (docs/policy.md, "Which class a record takes").
 *   4. Errors name the file and line: "FILE:LINE: what is wrong" in err->detail, with a hint.
 */
#ifndef HEARTH_POLICY_H
#define HEARTH_POLICY_H

#include <jansson.h>
#include <stdint.h>

#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_error.h"

/* The Hearth records a retention class can cover (its `records:` key in the file). Each names a record table
 * and the rows of it that belong to the class; docs/policy.md says exactly which rows. */
typedef enum policy_records {
    POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION, /* "contact_no_further_action": contact rows decided nfa or
                                                 advice that led to no referral */
    POLICY_RECORDS_EARLY_HELP_CASE,           /* "early_help_case": episode rows (any closure reason) */
    POLICY_RECORDS_STEPPED_UP_CASE,           /* "stepped_up_case": episode rows closed 'stepped_up' */
    POLICY_RECORDS_SUPPORTING_FAMILIES_CASE,  /* "supporting_families_case": episode rows with a programme_id */
    POLICY_RECORDS_FAMILY_CENTRE_CLIENT,      /* "family_centre_client": family rows with an activity */
    POLICY_RECORDS_COUNT
} policy_records;

/* The date a period runs from (its `trigger:` key; codes of the retention_trigger code list). */
typedef enum policy_trigger {
    POLICY_TRIGGER_CASE_CLOSURE,           /* "case_closure": the contact's decision date, the episode's end */
    POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE, /* "end_of_year_of_closure": 31 December of the closure's year */
    POLICY_TRIGGER_DATE_OF_BIRTH,          /* "date_of_birth": the youngest child's (see docs/policy.md) */
    POLICY_TRIGGER_LAST_CONTACT,           /* "last_contact": the latest contact, activity or episode end */
    POLICY_TRIGGER_PROGRAMME_END,          /* "programme_end": the episode's programme_end */
    POLICY_TRIGGER_COUNT
} policy_trigger;

/* What happens when a record falls due (its `disposal:` key). */
typedef enum policy_disposal {
    POLICY_DISPOSAL_DESTROY, /* "destroy": personal data removed everywhere, a disposal record kept */
    POLICY_DISPOSAL_ARCHIVE, /* "archive": moved out of working lists and searches, kept read-only */
    POLICY_DISPOSAL_REVIEW,  /* "review": a person decides (the plan's action is `review`) */
} policy_disposal;

typedef struct policy_period {
    int years, months, days;
} policy_period;

typedef struct policy_retention_class {
    const char *code;  /* "early_help_case_durham": unique in the file, [a-z0-9_]+ */
    const char *label; /* the notice's words for the kind of record: "Early Help Services" */
    policy_records records;
    policy_trigger trigger;
    policy_period period;
    policy_disposal disposal;
    const char *notice_text; /* optional: how the notice states the period (else rendered from the rule) */
    int line;                /* where it is in the file, for messages */
} policy_retention_class;

/* A standing hold the policy declares (an inquiry's moratorium): records in its scope are kept while it
 * stands and for `release_after` after it ends, or for their normal period, whichever is later. */
typedef enum policy_hold_scope {
    POLICY_HOLD_CHILDREN, /* "children": records about anyone who was under 18 when the record was made */
    POLICY_HOLD_ALL,      /* "all" */
} policy_hold_scope;

typedef struct policy_hold {
    const char *code;   /* a legal_hold_reason code: "IICSA-2015" */
    const char *reason; /* the notice's words */
    policy_hold_scope scope;
    const char *from;  /* YYYY-MM-DD */
    const char *until; /* YYYY-MM-DD, or NULL while it stands */
    policy_period release_after;
    int line;
} policy_hold;

typedef struct policy {
    core_arena arena; /* everything below lives here */
    const char *path;
    const char *profile;  /* "durham" */
    json_t *doc;          /* the whole file as JSON (owned), for the notice and `--format json` */
    /* Switches that change behaviour. */
    int automated_decisions;          /* 0: every engine link waits for a person's review */
    int assessment_needs_agreement;   /* 1: no assessment without recorded agreement (a consent) */
    /* Retention. */
    const policy_retention_class *classes;
    uint32_t nclasses;
    const policy_hold *holds;
    uint32_t nholds;
} policy;

/* Read, parse and check FILE. On success *out is a policy the caller frees with policy_free(). On error
 * returns CORE_E_INVALID_VALUE (or CORE_E_IO when unreadable) with "FILE:LINE: ..." in err->detail; *out is
 * NULL. */
int policy_load(const char *path, policy **out, core_error *err);
void policy_free(policy *p);

/* Added with the loader (the functions above keep their meaning):
 *
 * A file's checks find every error they can, up to POLICY_MAX_ERRORS, in file order of discovery; err->detail
 * (256 bytes) holds as many whole "FILE:LINE: ..." lines as fit, newline-separated, and says how many more
 * there were. A caller that wants them all passes a core_buf as `errors`: every error line is appended to it,
 * each ending in a newline. A file larger than POLICY_MAX_BYTES is refused unread. */
#define POLICY_MAX_ERRORS 20
#define POLICY_MAX_BYTES ((size_t)1024 * 1024)

/* policy_load() with every error line appended to errors (may be NULL). */
int policy_load_ex(const char *path, policy **out, core_error *err, core_buf *errors);
/* The same checks on len bytes of text already in memory (need not be NUL-terminated), named `name` in
 * messages (the fuzz driver and the tests use it). p->path is name. */
int policy_parse(const char *name, const char *text, size_t len, policy **out, core_error *err,
                 core_buf *errors);

/* Codes as the file writes them; NULL for a value out of range. */
const char *policy_records_name(policy_records r);
const char *policy_trigger_name(policy_trigger t);
const char *policy_disposal_name(policy_disposal d);
/* Added: "children", "all"; NULL for a value out of range. */
const char *policy_hold_scope_name(policy_hold_scope s);

#endif
