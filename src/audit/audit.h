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
 *   - Keys, kept apart (finding 19 of issue 9): PATH.audit-key (mode 0600) holds only the 32-byte hash key;
 *     the Ed25519 signing seed is in its own file (mode 0600), at the path given with --signing-key FILE, else
 *     $HEARTH_AUDIT_SIGNING_KEY, else PATH.audit-signing-key (audit_signing_key_path()); in production it
 *     belongs to the service account, in a directory the database's administrators cannot read or write.
 *     PATH.audit-pubkey holds the public key in hex. audit_open() makes missing keys only for a trail that
 *     has neither entries nor checkpoints. Whoever can write the database and read the hash key can
 *     recompute the chain, but not sign: every rewrite of signed entries shows against the checkpoints and
 *     against the anchor (below) the data protection officer keeps. Verification never reads the signing key:
 *     it takes the public key explicitly.
 *   - Anchors: audit_anchor() gives the latest signed checkpoint as a small JSON object to be kept away from
 *     the server; audit_verify() with an anchor fails unless the trail still holds that checkpoint and every
 *     entry up to it, so cutting the tail together with its checkpoint lines is caught.
 *   - A starting audit_open() checks the chain after the last signed checkpoint and signs it, so entries a
 *     crash left unsigned are sealed.
 *
 * Group commit
 *   audit_record() copies the event into a bounded in-memory queue and returns: it never touches the
 *   database. audit_record_ticket() gives back the event's ticket and audit_await() waits for it, so a
 *   server answers a read only once its events are durable while many requests share one commit (the
 *   writer commits whatever has queued while the previous commit was syncing).
 *
 * Outbox (writes)
 *   A write's event is not queued but inserted by the writer of the data into the main database's
 *   audit_outbox table inside the write's own transaction (audit_outbox_add()): the write and its event
 *   commit together or not at all. The audit writer moves outbox rows into the chain (remembering each
 *   outbox id it has taken, in the trail's audit_outbox_done table, in the same trail transaction) and then
 *   deletes them, so a crash between the two neither loses nor duplicates an event. audit_open() drains the
 *   outbox before it returns, so whatever a crash left there is in the trail before a server serves. One writer thread per audit handle (with its own store handle) drains the queue in batches,
 *   each batch one transaction that re-reads the chain's tail inside the transaction (so two processes
 *   appending to one database still make one chain). audit_flush() waits until every event recorded before
 *   the call is committed. When the queue is full, producers block until the writer makes room.
 *
 * Invariants
 *   1. Rows are only ever appended; seq is assigned by the writer inside the inserting transaction as
 *      (the table's last seq) + 1, so seq is gapless and in commit order.
 *   2. An event is durable against a power cut (committed and the log synced: synchronous=FULL) once
 *      audit_flush() returns 0 after it was recorded, or once audit_record(..., AUDIT_DURABLE, ...) returns 0;
 *      outbox rows are moved with a synced commit before they leave the outbox. An event is committed once
 *      audit_await() returns 0 for its ticket: it then survives the process being killed (kill -9, a crash),
 *      and reaches the disk with the next synced commit or WAL checkpoint (a batch that only reads wait for
 *      is committed at synchronous=NORMAL: what a power cut can take is the last moments of read events,
 *      never a write's, a denial's or a sign-in's).
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
    const char *signing_key;   /* the signing key file; NULL: audit_signing_key_path(db_path, NULL) */
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
 * the keys when the trail is new (see Keys above), check the chain after the last signed checkpoint and sign
 * it, move what the outbox holds into the chain, and start the writer thread. cfg may be NULL (defaults).
 * Returns 0 and sets *out, or a negative code with *err filled (CORE_E_IO for key-file problems or a chain
 * that does not verify after its last checkpoint, CORE_E_STORE when a database cannot be used). */
int audit_open(audit **out, const char *db_path, const audit_config *cfg, core_error *err);

/* Queue one event. Thread-safe. Returns 0; CORE_E_INVALID_VALUE for a missing or malformed action, a field
 * over its maximum, or detail that is not a JSON object (nothing is queued); the writer's sticky error
 * (invariant 4); CORE_E_INTERNAL after audit_close() has begun. Blocks while the queue is full, and with
 * AUDIT_DURABLE until the event is committed. In a build configured with -Dbench_no_audit=true (bench/api's
 * audit-off reference, never to be deployed) it records nothing and returns 0. */
int audit_record(audit *a, const audit_event *ev, unsigned flags, core_error *err);

/* As audit_record(), and *ticket (not NULL) is the event's ticket for audit_await(); 0 when nothing was
 * queued (an error, or the bench build). */
int audit_record_ticket(audit *a, const audit_event *ev, unsigned flags, uint64_t *ticket, core_error *err);

/* Wait until the event with this ticket (and every one before it) is committed; ticket 0 returns at once.
 * Thread-safe. Returns 0 or the writer's sticky error. */
int audit_await(audit *a, uint64_t ticket, core_error *err);

/* A wait that does not hold a thread: audit_await_async() calls fn(arg, rc, err) once the event with the given
 * ticket (and every one before it) is committed (rc 0, err NULL), or when the writer fails or the trail
 * closes first (rc the error, err its detail, only valid during the call). The caller owns the
 * audit_waiter and keeps it alive, untouched, until fn has been called. */
typedef void (*audit_done_fn)(void *arg, int rc, const core_error *err);
typedef struct audit_waiter {
    struct audit_waiter *next; /* the trail's list of waiters (owned by the trail while queued) */
    uint64_t ticket;
    audit_done_fn fn;
    void *arg;
} audit_waiter;

/* As audit_await(), without waiting: returns AUDIT_WAITING when w is queued and fn will be called exactly
 * once, from the writer thread (or from audit_close()), under no lock of the trail's; 0 when the ticket is
 * already committed (or is 0), and the writer's sticky error (err filled) when it cannot be: in both cases fn
 * is never called. Thread-safe. A server uses it to answer a read once its event is committed without a
 * handler thread waiting for the commit (http/README.md). */
enum { AUDIT_WAITING = 1 };
int audit_await_async(audit *a, uint64_t ticket, audit_waiter *w, audit_done_fn fn, void *arg, core_error *err);

/* Insert ev into the audit outbox through s, the caller's handle on the main database, inside the caller's
 * open transaction: the event commits with the write or not at all. *id (may be NULL) is the outbox id, for
 * audit_outbox_await(). Returns 0, CORE_E_INVALID_VALUE as audit_record(), or the store's error (the caller
 * rolls back). */
struct store;
int audit_outbox_add(struct store *s, const audit_event *ev, int64_t *id, core_error *err);

/* After the transaction holding outbox row id committed: wake the writer and wait until that row is in the
 * chain. Returns 0 or the writer's sticky error (the event is safe in the outbox either way). */
int audit_outbox_await(audit *a, int64_t id, core_error *err);

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
    AUDIT_FAULT_KEY_MISMATCH,    /* unused since the keys were split (kept so the numbers stay) */
    AUDIT_FAULT_ANCHOR,          /* the anchor's checkpoint is no longer in the checkpoint file or the trail,
                                    or the anchor is not signed by the public key */
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

typedef struct audit_verify_options {
    const char *public_key; /* required: a file holding the Ed25519 public key in hex */
    const char *anchor;     /* NULL, or a file holding an anchor from audit_anchor() */
} audit_verify_options;

/* Verify the audit trail of the database at db_path with the hash key db_path.audit-key, the public key
 * o->public_key and db_path.audit-checkpoints (reading them, writing nothing; never the signing key):
 * recompute the chain from genesis, check seq starts at 1 without gaps, every checkpoint's signature, that
 * each checkpoint's hash matches the table, and that the table reaches the last checkpoint; with an anchor,
 * that it is signed by the public key, that the checkpoint file still holds it, and that the table holds
 * every entry up to it with the anchored hash. Reads the table in one read transaction, so it may run beside
 * a live server. Returns 0 with out->fault set (AUDIT_FAULT_NONE when the trail is good), or a negative code
 * when verification could not be done at all (no database, no audit table, no public key, unreadable key or
 * anchor). */
int audit_verify(const char *db_path, const audit_verify_options *o, audit_verify_report *out, core_error *err);

/* The latest checkpoint of db_path's trail as one line of JSON (malloc'd into *json; the caller frees it):
 * {"format":"hearth-audit-anchor-v1","seq":N,"hash":HEX,"signature":HEX,"public_key":HEX}. Reads the
 * checkpoint file and db_path.audit-pubkey only. CORE_E_NOT_FOUND when there is no checkpoint yet. */
int audit_anchor(const char *db_path, char **json, core_error *err);

/* The signing key file of db_path's trail: configured when not NULL, else $HEARTH_AUDIT_SIGNING_KEY, else
 * db_path.audit-signing-key (malloc'd; the caller frees it). */
char *audit_signing_key_path(const char *db_path, const char *configured);

/* PATH.audit, the trail's database file for the database at db_path (malloc'd; the caller frees it). */
char *audit_trail_path(const char *db_path);
/* The trail's file with this suffix (".audit-key", ".audit-pubkey", ".audit-checkpoints") for the database at
 * db_path: PATH.suffix beside an SQLite file, $HEARTH_AUDIT_DIR/hearth.suffix for PostgreSQL (heap; the caller
 * frees it). `hearth migrate` copies a trail's files with it. */
char *audit_path(const char *db_path, const char *suffix);
/* On PostgreSQL the trail's files (keys, checkpoints) live in $HEARTH_AUDIT_DIR: CORE_E_INVALID_VALUE with a
 * hint when db_path is a postgres:// address and it is unset; 0 otherwise. */
int audit_pg_dir_check(const char *db_path, core_error *err);

/* A short lowercase name for a fault ("hash mismatch", "gap", ...). */
const char *audit_fault_name(audit_fault f);

#endif
