/*
 * audit_internal.h — what audit.c and audit_verify.c share: keys, the canonical entry encoding and hash, the
 * checkpoint message, line format and file paths (implemented in audit_chain.c). Not for callers outside
 * src/audit/.
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

#endif
