/*
 * audit.h — the append-only, tamper-evident audit trail: who did what to which record, when, and on what
 * footing.
 *
 * What it is for: recording every access to personal data (reads, searches with their terms, writes with the
 * fields changed, exports, disclosures, sign-ins and their failures, denials) so that "who has looked at my
 * record" can be answered, and proving later that the trail was not changed, reordered, shortened or padded.
 * What it is not for: deciding access (access/), application logging (core/core_log.h), or keeping the
 * personal data itself: an entry names a table and a row id, never a name, and `detail` holds only what the
 * access was (search terms are the exception the brief asks for: they are the point of auditing a search).
 *
 * How it is tamper-evident
 *   - Table audit_event in its own SQLite file beside the database, PATH.audit (schema in audit.c), one row
 *     per event, seq 1, 2, 3, ... with no gaps. Triggers refuse UPDATE and DELETE, so the program itself
 *     cannot change history. Its own file, so that the writer's commits do not disturb the connections that
 *     serve reads from PATH (their page caches, their memory maps); the server attaches it read-only in use
 *     as schema "trail" for the access report.
 *   - A keyed hash chain: hash_n = BLAKE2b-256 keyed with a 32-byte secret (libsodium crypto_generichash)
 * over the canonical encoding of entry n (every field length-prefixed, see audit_entry_hash() in
 * audit_chain.c) followed by hash_{n-1}; hash_0 is 32 zero bytes. Both are stored in hex (prev_hash, hash).
 * Changing, removing, reordering or inserting a row breaks the chain at that row; without the key nobody can
 *     recompute it.
 *   - Signed checkpoints: whenever seq reaches a multiple of checkpoint_every (default 1000), and at
 *     audit_close() / audit_checkpoint(), one line "SEQ HASH SIGNATURE" is appended (and fsynced) to
 *     PATH.audit-checkpoints, where SIGNATURE is Ed25519 (crypto_sign_detached) over
 *     "hearth-audit-checkpoint-v1" || seq (8 bytes big-endian) || hash (32 bytes). Cutting rows off the end
 *     of the table is caught because the table no longer reaches the last checkpoint. Entries after the last
 *     checkpoint are protected against change by the chain but not against truncation until the next one.
 *   - Keys: PATH.audit-key (mode 0600, refused when group or others can read it) holds the hash key and the
 *     Ed25519 seed; PATH.audit-pubkey holds the public key in hex. audit_open() creates both when the key
 * file is absent. IN PRODUCTION THESE BELONG IN A SECRETS STORE, not beside the database: anyone who can read
 *     the key file can rewrite the whole trail consistently; keep a copy of the public key somewhere the
 *     database's administrators cannot write.
 *
 * Group commit
 *   audit_record() copies the event into a bounded in-memory queue and returns: it never touches the
 *   database. One writer thread per audit handle (with its own store handle) drains the queue in batches,
 *   each batch one transaction that re-reads the chain's tail inside the transaction (so two processes
 *   appending to one database still make one chain). audit_flush() waits until every event recorded before
 *   the call is committed. When the queue is full, producers block until the writer makes room.
 *
 * Invariants
 *   1. Rows are only ever appended; seq is assigned by the writer inside the inserting transaction as
 *      (the table's last seq) + 1, so seq is gapless and in commit order.
 *   2. An event is durable (committed with synchronous=FULL) once audit_flush() returns 0 after it was
 *      recorded, or once audit_record(..., AUDIT_DURABLE, ...) returns 0.
 *   3. A checkpoint line is written only after the rows it names are committed.
 *   4. Fail closed: when the writer cannot write (database error), the error is sticky: audit_record(),
 *      audit_flush() and audit_close() return it, so the caller refuses the access instead of serving it
 *      unaudited. The writer keeps the unwritten events and retries; if it succeeds later the error clears.
 *   5. Errors follow core_error and never contain event contents (no personal data, no search terms).
 *
 * Ownership: audit_open() returns a handle owned by the caller and given back by audit_close(), which must be
 * called once, after every thread that records has stopped recording. audit_record() copies everything it is
 * given; the caller keeps ownership of the event's strings. audit_verify() owns nothing after it returns.
 */
#ifndef HEARTH_AUDIT_H
#define HEARTH_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_error.h"

typedef struct audit audit;

/* Declared maxima: audit_record() refuses longer fields with CORE_E_INVALID_VALUE. */
#define AUDIT_FIELD_MAX  128  /* actor_role, action, target_table, client_address (bytes) */
#define AUDIT_DETAIL_MAX 8192 /* detail JSON (bytes) */

#define AUDIT_CHECKPOINT_EVERY_DEFAULT 1000
#define AUDIT_QUEUE_MAX_DEFAULT        65536
#define AUDIT_BATCH_MAX_DEFAULT        1024

typedef struct audit_config {
    uint32_t checkpoint_every; /* a checkpoint at every seq that is a multiple of this; 0: the default */
    uint32_t queue_max;        /* events held in memory before producers block; 0: the default */
    uint32_t batch_max;        /* events per transaction at most; 0: the default */
} audit_config;

/* One event as given to audit_record(). Strings are NUL-terminated and copied; NULL means SQL NULL. */
typedef struct audit_event {
    int64_t actor_user_id;      /* app_user id; 0: none (the system, or nobody signed in) */
    const char *actor_role;     /* the role acted in, e.g. "practitioner" */
    const char *action;         /* required, [a-z_]+: read, search, create, update, export, disclosure,
                                   sign_in, sign_in_failed, denied, ... */
    const char *target_table;   /* e.g. "person"; NULL when the action has no single target (a search) */
    int64_t target_id;          /* row id in target_table; 0: none */
    const char *detail;         /* a JSON object or NULL: search terms, changed field names, the footing
                                   ("team_member", a break-glass reason) — built with a JSON writer */
    const char *client_address; /* the client's IP address, or NULL */
} audit_event;

/* Flags for audit_record(). */
enum { AUDIT_DURABLE = 1 }; /* return only after this event (and every one before it) is committed */

/* Open the audit trail of the database at db_path, which must already be migrated (store_migrate), creating
 * db_path.audit-key and db_path.audit-pubkey when the key file is absent, and start the writer thread.
 * cfg may be NULL (defaults). Returns 0 and sets *out, or a negative code with *err filled (CORE_E_IO for
 * key-file problems, CORE_E_STORE when the database or its audit_event table cannot be used). */
int audit_open(audit **out, const char *db_path, const audit_config *cfg, core_error *err);

/* Queue one event. Thread-safe. Returns 0; CORE_E_INVALID_VALUE for a missing or malformed action, a field
 * over its maximum, or detail that is not a JSON object (nothing is queued); the writer's sticky error
 * (invariant 4); CORE_E_INTERNAL after audit_close() has begun. Blocks while the queue is full, and with
 * AUDIT_DURABLE until the event is committed. In a build configured with -Dbench_no_audit=true (bench/api's
 * audit-off reference, never to be deployed) it records nothing and returns 0. */
int audit_record(audit *a, const audit_event *ev, unsigned flags, core_error *err);

/* Wait until every event recorded before this call is committed. Thread-safe. Returns 0 or the writer's
 * sticky error. */
int audit_flush(audit *a, core_error *err);

/* Flush, then append a signed checkpoint for the last entry this handle wrote (nothing when it has written
 * nothing since its last checkpoint). Thread-safe. Returns 0 or a negative code. */
int audit_checkpoint(audit *a, core_error *err);

/* Flush, write a final checkpoint, stop the writer and give back everything. a may be NULL. Returns 0, or
 * the error that kept events from being written (those events are lost and their number is logged). */
int audit_close(audit *a, core_error *err);

/* ---- verification -------------------------------------------------------------------------------------- */

typedef enum audit_fault {
    AUDIT_FAULT_NONE = 0,
    AUDIT_FAULT_GAP,           /* entry `seq` is missing: the table jumps from seq-1 to a later seq */
    AUDIT_FAULT_SEQ_START,     /* the table does not start at seq 1 (`seq` is 1) */
    AUDIT_FAULT_PREV_MISMATCH, /* entry's prev_hash is not the previous entry's hash */
    AUDIT_FAULT_HASH_MISMATCH, /* entry's contents do not give its hash: changed, reordered or forged */
    AUDIT_FAULT_MALFORMED,     /* entry's stored hash is not 64 hex digits, or a field has the wrong type */
    AUDIT_FAULT_CHECKPOINT_MISMATCH, /* a validly signed checkpoint names a different hash for `seq` */
    AUDIT_FAULT_TRUNCATED,           /* entries from `seq` up to a checkpoint are missing from the end */
    AUDIT_FAULT_BAD_SIGNATURE,       /* the checkpoint for `seq` is not signed by the audit key */
    AUDIT_FAULT_CHECKPOINT_FILE, /* checkpoint file missing (with entries present) or a line is malformed */
    AUDIT_FAULT_KEY_MISMATCH,    /* the public key file does not match the key file */
} audit_fault;

typedef struct audit_verify_report {
    int64_t entries;     /* entries read and checked (up to the first fault) */
    int64_t last_seq;    /* seq of the last entry in the table */
    int64_t checkpoints; /* checkpoint lines checked */
    int64_t last_checkpoint_seq;
    int64_t unsealed;      /* entries after the last checkpoint (protected by the chain only) */
    audit_fault fault;     /* AUDIT_FAULT_NONE when everything verified */
    int64_t first_bad_seq; /* the first bad entry (lowest seq over all faults found); 0 for file faults */
    char what[256];        /* one line saying what is wrong with it; no entry contents */
} audit_verify_report;

/* Verify the audit trail of the database at db_path against db_path.audit-key, .audit-pubkey and
 * .audit-checkpoints (reading them, writing nothing): recompute the chain from genesis, check seq starts at
 * 1 without gaps, every checkpoint's signature, that each checkpoint's hash matches the table, and that the
 * table reaches the last checkpoint. Reads the table in one read transaction, so it may run beside a live
 * server. Returns 0 with out->fault set (AUDIT_FAULT_NONE when the trail is good), or a negative code when
 * verification could not be done at all (no database, no audit table, unreadable key). */
int audit_verify(const char *db_path, audit_verify_report *out, core_error *err);

/* PATH.audit, the trail's database file for the database at db_path (malloc'd; the caller frees it). */
char *audit_trail_path(const char *db_path);

/* A short lowercase name for a fault ("hash mismatch", "gap", ...). */
const char *audit_fault_name(audit_fault f);

#endif
