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

/* Load the key file of db_path (db_path.audit-key). With create, make it (and db_path.audit-pubkey) when
 * absent, atomically (link of a finished temporary file), so two processes starting at once share one key.
 * A key file readable by group or others is refused. A public key file that does not match the key file is
 * refused (CORE_E_IO) when pubkey_mismatch is NULL; otherwise *pubkey_mismatch is set to 1 and the key
 * file's own public key is used. Returns 0 or CORE_E_IO / CORE_E_NOT_FOUND (no key file and !create). */
int audit_keys_load(const char *db_path, int create, int *pubkey_mismatch, audit_keys *k, core_error *err);
void audit_keys_clear(audit_keys *k);

/* db_path followed by suffix (".audit-key", ...), on the heap: the caller frees it. */
char *audit_path(const char *db_path, const char *suffix);

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

/* Parse exactly AUDIT_HASH_HEX lowercase hex digits. Returns 0 or -1. */
int audit_hex_parse(const char *hex, size_t len, unsigned char *out, size_t out_len);

#endif
