/*
 * audit_internal.h — what the audit files share: keys, the canonical entry encoding and hash, the
 * checkpoint message, line format and file paths (implemented in audit_chain.c, used by audit_verify.c too);
 * and the writer's state, which audit.c (the queue, the writer thread) and audit_write.c (its transactions)
 * share. Not for callers outside src/audit/.
 */
#ifndef HEARTH_AUDIT_INTERNAL_H
#define HEARTH_AUDIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "audit/audit.h"
#include "core/core_error.h"

enum {
    AUDIT_HASH_BYTES = 32,                                               /* BLAKE2b-256 */
    AUDIT_HASH_HEX = 2 * AUDIT_HASH_BYTES,                               /* 64 hex digits */
    AUDIT_SIG_HEX = 2 * crypto_sign_BYTES,                               /* 128 hex digits */
    AUDIT_CP_LINE_MAX = 20 + 1 + AUDIT_HASH_HEX + 1 + AUDIT_SIG_HEX + 1, /* "SEQ HASH SIG\n" */
    AUDIT_TS_SIZE = 21, /* "YYYY-MM-DDTHH:MM:SSZ" and the NUL */
};

/* The secrets (hash key, Ed25519 key pair). Cleared with audit_keys_clear() (sodium_memzero). */
typedef struct audit_keys {
    unsigned char hash_key[crypto_generichash_KEYBYTES];
    unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
} audit_keys;

/* Load every key the writer needs: the hash key (db_path.audit-key), the signing key (sign_path, from
 * audit_signing_key_path()), and check db_path.audit-pubkey against it (written when absent). With create,
 * missing keys are made (atomically: a link of a finished temporary file, so two processes starting at once
 * share one key) but only while the trail has no entries and no checkpoints (audit_trail_started()); an old
 * combined key file is split. Key files readable by group or others are refused. Returns 0 or CORE_E_IO /
 * CORE_E_NOT_FOUND (a key is absent and may not be made). */
int audit_keys_load(const char *db_path, const char *sign_path, int create, audit_keys *k, core_error *err);
void audit_keys_clear(audit_keys *k);

/* The hash key alone (what a verifier needs besides the public key). sign_path NULL: an old combined key file
 * is refused rather than split (the verifier never reads a signing seed). Returns 0, CORE_E_NOT_FOUND or
 * CORE_E_IO. */
int audit_hash_key_load(const char *db_path, int create, const char *sign_path,
                        unsigned char key[crypto_generichash_KEYBYTES], core_error *err);
/* The Ed25519 key pair from the signing key file sign_path into k->sign_pk / k->sign_sk. */
int audit_sign_key_load(const char *db_path, const char *sign_path, int create, audit_keys *k, core_error *err);
/* An Ed25519 public key in hex (surrounding white space allowed) from path. 0, CORE_E_NOT_FOUND or CORE_E_IO. */
int audit_pubkey_read(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], core_error *err);
/* 1 when the trail of db_path has entries or a non-empty checkpoint file: its keys must not be made anew. */
int audit_trail_started(const char *db_path);


/* A text field of an entry: s NULL is SQL NULL. */
typedef struct audit_text {
    const char *s;
    size_t len;
} audit_text;

/* One entry's fields, as hashed. has_* 0 means SQL NULL. */
typedef struct audit_row {
    int64_t seq;
    audit_text at;
    int has_actor;
    int64_t actor_user_id;
    audit_text actor_role;
    audit_text action;
    audit_text target_table;
    int has_target;
    int64_t target_id;
    audit_text detail;
    audit_text client_address;
} audit_row;

/* hash = BLAKE2b-256 keyed over the canonical encoding of r and prev (see audit_chain.c). */
void audit_entry_hash(const audit_keys *k, const audit_row *r, const unsigned char prev[AUDIT_HASH_BYTES],
                      unsigned char out[AUDIT_HASH_BYTES]);

/* Format a checkpoint line "SEQ HASHHEX SIGHEX\n" signed with k into line (AUDIT_CP_LINE_MAX + 1 bytes);
 * returns its length. */
size_t audit_checkpoint_line(const audit_keys *k, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES],
                             char *line);
/* Parse one checkpoint line (without its newline). Returns 0 and fills seq, hash, sig, or -1 when
 * malformed. */
int audit_checkpoint_parse(const char *line, size_t len, int64_t *seq, unsigned char hash[AUDIT_HASH_BYTES],
                           unsigned char sig[crypto_sign_BYTES]);
/* 1 when sig is pk's signature over (seq, hash), else 0. */
int audit_checkpoint_signed(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], int64_t seq,
                            const unsigned char hash[AUDIT_HASH_BYTES],
                            const unsigned char sig[crypto_sign_BYTES]);

/* Check the chain from entry from (whose hash is from_hash; 0 and NULL: from genesis) to the end of the
 * table through s, without checkpoints. Faults go into r (r->last_seq: the last good entry). Returns 0 or
 * the store's error. */
struct store;
int audit_chain_check(struct store *s, const audit_keys *k, int64_t from,
                      const unsigned char from_hash[AUDIT_HASH_BYTES], audit_verify_report *r, core_error *err);

/* Parse exactly AUDIT_HASH_HEX lowercase hex digits. Returns 0 or -1. */
int audit_hex_parse(const char *hex, size_t len, unsigned char *out, size_t out_len);

/* ---- the writer's state (audit.c: the queue and the thread; audit_write.c: its transactions) ---- */

#include <pthread.h>

#include "store/store.h"

/* A queued event: one heap block, strings copied after the struct. */
typedef struct qevent {
    int64_t outbox_id; /* 0: from audit_record(); else the audit_outbox row it comes from */
    char at[AUDIT_TS_SIZE];
    int64_t actor_user_id;
    int64_t target_id;
    audit_text actor_role, action, target_table, detail, client_address;
} qevent;

struct audit {
    char *db_path;
    audit_keys keys;
    uint32_t checkpoint_every, cap, batch_max;
    store *db;   /* the writer's own handle on the trail */
    store *main; /* the writer's own handle on the main database (the outbox); NULL: no outbox table */
    int cp_fd; /* db_path.audit-checkpoints, O_APPEND */
    int on_pg; /* the trail is in a PostgreSQL database (its schema made by migration 0005) */
    pthread_t thread;
    int thread_started;

    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, progress;
    qevent **ring;
    uint32_t head, count;
    uint64_t recorded, written;
    uint64_t durable_ticket;  /* the highest ticket a producer waits for (0: none yet) */
    uint64_t sync_ticket;     /* the highest ticket that must reach the disk (fsync) before its wait ends */
    int sync_full;            /* the writer's trail handle is at synchronous=FULL (else NORMAL) */
    int writer_idle;          /* the writer waits on not_empty: a producer must signal it */
    int stopping;
    int fail_code;
    core_error fail_err;
    audit_waiter *waiters; /* audit_await_async() callers not yet told (any order) */
    int64_t outbox_want; /* the highest outbox id a caller waits for */
    int64_t outbox_low;  /* every outbox id up to this is in the chain */
    int outbox_kick;     /* the writer should look at the outbox */

    /* the writer's view of what it last wrote, and what this handle last checkpointed (under mu) */
    int64_t last_seq;
    unsigned char last_hash[AUDIT_HASH_BYTES];
    int64_t cp_seq;

    pthread_mutex_t cp_mu;
    int cp_fail; /* a checkpoint could not be written: returned by audit_checkpoint() and audit_close() */
};

/* ---- checks on what producers give ---- */

/* A checkpoint a batch reached, written after its commit. */
typedef struct cp_pending {
    int64_t seq;
    unsigned char hash[AUDIT_HASH_BYTES];
} cp_pending;

/* The chain's tail: the last entry's seq and hash (none: the empty result). */
extern const char audit_sql_tail[];

/* Check a producer's event (lengths into lens: actor_role, action, target_table, detail, client_address). */
int audit_event_check(const audit_event *ev, size_t lens[5], core_error *err);
/* Copy an event into one heap block (at: an outbox row's time, else now). Aborts on out of memory. */
qevent *audit_qevent_make(const audit_event *ev, const size_t lens[5], const char *at);
/* Append the checkpoint line of (seq, hash) and sync it (invariant 3 of audit.c). CORE_E_IO on failure. */
int audit_write_checkpoint(audit *a, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES]);
/* Append ev[0..n) in one transaction (synced when full); see audit_write.c. */
int audit_write_batch(audit *a, qevent **ev, uint32_t n, int full, int64_t *last_seq,
                      unsigned char last_hash[AUDIT_HASH_BYTES], cp_pending *cps, uint32_t *ncps, core_error *err);
/* Move the outbox into the chain until it is empty; *low: the highest outbox id known to be in it. */
int audit_outbox_drain(audit *a, qevent **batch, cp_pending *cps, int64_t *low, core_error *err);

#endif
