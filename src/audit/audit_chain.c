/*
 * audit_chain.c — the cryptography of the audit trail: key file, canonical entry encoding and keyed hash,
 * checkpoint signatures and their one-line format (contracts in audit_internal.h; design in audit.h).
 *
 * Canonical encoding of an entry (hashed with BLAKE2b-256 keyed by the 32-byte hash key):
 *
 *   "hearth-audit-entry-v1"                           domain tag, as a text field (below)
 *   seq                                               8 bytes, big-endian two's complement
 *   at, actor_user_id, actor_role, action,            each field: one tag byte, then
 *   target_table, target_id, detail, client_address     0x00           SQL NULL (nothing follows)
 *                                                       0x01 len bytes text: len 8 bytes big-endian
 *                                                       0x02 value     integer: 8 bytes big-endian
 *   prev_hash                                         32 raw bytes
 *
 * Every field carries its type and length, so no two different entries encode to the same bytes (moving a
 * byte from one field to the next, or NULL versus empty text, changes the encoding).
 *
 * Checkpoint signature: Ed25519 over "hearth-audit-checkpoint-v1" || seq (8 bytes big-endian) || hash.
 *
 * Key files (text, mode 0600; refused when group or others can read them):
 *   PATH.audit-key, beside the database      hearth-audit-hash-key-v2\n hash_key=<64 hex>\n
 *   the signing key, kept apart (see below)  hearth-audit-signing-key-v1\n sign_seed=<64 hex>\n
 *                                            (the Ed25519 key pair is derived from the seed)
 * Public key file: the Ed25519 public key in hex and a newline (PATH.audit-pubkey, written on first open).
 * The signing key's path is --signing-key FILE, else $HEARTH_AUDIT_SIGNING_KEY, else PATH.audit-signing-key
 * (audit_signing_key_path()). An old combined file (hearth-audit-key-v1: hash_key= and sign_seed= together)
 * is split into the two on the first open that may write. A key is made only for a trail that has no
 * entries and no checkpoints: a missing key for a started trail is an error, never silently replaced.
 */
#include "audit/audit.h"
#include "audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_log.h"
#include "store/store.h"

static const char KEY_V1_MAGIC[] = "hearth-audit-key-v1"; /* the old combined layout, split on open */
static const char HASH_MAGIC[] = "hearth-audit-hash-key-v2";
static const char SIGN_MAGIC[] = "hearth-audit-signing-key-v1";

/* How many entries the trail holds (audit_trail_started()). */
static const char SQL_TRAIL_COUNT[] = "SELECT count(*)\n"
                                      "  FROM audit_event";
static const char ENTRY_TAG[] = "hearth-audit-entry-v1";
static const char CP_TAG[] = "hearth-audit-checkpoint-v1";

enum { KEY_FILE_MAX = 4096 };

char *audit_path(const char *db_path, const char *suffix)
{
    /* A PostgreSQL database has no "beside": the trail's files live in $HEARTH_AUDIT_DIR, as hearth.audit-key,
     * hearth.audit-pubkey, hearth.audit-checkpoints, ... (audit_pg_dir_check says when it is unset). */
    if (store_target_is_pg(db_path)) {
        const char *dir = getenv("HEARTH_AUDIT_DIR");
        size_t n = strlen(dir ? dir : "");
        char *base = core_xmalloc(n + sizeof "/hearth");
        memcpy(base, dir ? dir : "", n);
        memcpy(base + n, "/hearth", sizeof "/hearth");
        char *p = audit_path(base, suffix);
        free(base);
        return p;
    }
    size_t a = strlen(db_path), b = strlen(suffix);
    char *p = core_xmalloc(a + b + 1);
    memcpy(p, db_path, a);
    memcpy(p + a, suffix, b + 1);
    return p;
}

char *audit_trail_path(const char *db_path)
{
    if (store_target_is_pg(db_path)) { /* the trail is in the council's database (pg/0005_audit.sql) */
        char *p = core_xmalloc(strlen(db_path) + 1);
        memcpy(p, db_path, strlen(db_path) + 1);
        return p;
    }
    return audit_path(db_path, ".audit");
}

int audit_pg_dir_check(const char *db_path, core_error *err)
{
    const char *dir = getenv("HEARTH_AUDIT_DIR");
    if (!store_target_is_pg(db_path) || (dir && *dir))
        return 0;
    core_error_set(err, CORE_E_INVALID_VALUE, "HEARTH_AUDIT_DIR is not set");
    return core_error_hint(err, "on PostgreSQL the audit trail's keys and checkpoints live in the directory "
                                "HEARTH_AUDIT_DIR names (hearth.audit-key, hearth.audit-pubkey, ...): set it");
}

void audit_keys_clear(audit_keys *k)
{
    sodium_memzero(k, sizeof *k);
}

int audit_hex_parse(const char *hex, size_t len, unsigned char *out, size_t out_len)
{
    if (len != 2 * out_len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1; /* lowercase only: one spelling per value */
    }
    size_t got = 0;
    if (sodium_hex2bin(out, out_len, hex, len, NULL, &got, NULL) != 0 || got != out_len)
        return -1;
    return 0;
}

/* ---- key file ---- */

static int read_small_file(const char *path, char *buf, size_t cap, size_t *len, struct stat *st,
                           core_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return core_error_set(err, CORE_E_NOT_FOUND, "file %s is absent", path);
        return core_error_set(err, CORE_E_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (fstat(fd, st) != 0) {
        close(fd);
        return core_error_set(err, CORE_E_IO, "cannot stat %s: %s", path, strerror(errno));
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            close(fd);
            return core_error_set(err, CORE_E_IO, "file %s is longer than %zu bytes", path, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            return core_error_set(err, CORE_E_IO, "cannot read %s: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync the directory holding path, so a new name in it survives a power cut. */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    int fd;
    if (!slash) {
        fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        size_t n = (size_t)(slash - path);
        char *d = core_xmalloc(n + 2);
        memcpy(d, path, n);
        if (n == 0)
            d[n++] = '/';
        d[n] = '\0';
        fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(d);
    }
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Write bytes to a fresh temporary file beside final (mode 0600), fsync it, and give its name back. */
static int write_temp(const char *final, const char *data, size_t len, char **tmp_out, core_error *err)
{
    char *tmp = NULL;
    int fd = -1;
    for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
        free(tmp);
        char suffix[64];
        snprintf(suffix, sizeof suffix, ".tmp-%ld-%08x", (long)getpid(), (unsigned)randombytes_random());
        tmp = audit_path(final, suffix);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return core_error_set(err, CORE_E_IO, "cannot create a file beside %s: %s", final, strerror(e));
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return core_error_set(err, CORE_E_IO, "cannot write a file beside %s: %s", final, strerror(e));
    }
    close(fd);
    *tmp_out = tmp;
    return 0;
}

/* Parse "MAGIC\nNAME=<64 hex>\n" exactly: anything else is refused, not guessed at. */
static int parse_one_key(const char *text, size_t len, const char *magic, const char *name, unsigned char *out,
                         size_t out_len)
{
    size_t ml = strlen(magic), nl = strlen(name);
    if (len != ml + 1 + nl + 1 + 2 * out_len + 1 || memcmp(text, magic, ml) != 0 || text[ml] != '\n' ||
        memcmp(text + ml + 1, name, nl) != 0 || text[ml + 1 + nl] != '=' || text[len - 1] != '\n')
        return -1;
    return audit_hex_parse(text + ml + 1 + nl + 1, 2 * out_len, out, out_len);
}

/* The old layout (hearth-audit-key-v1): hash key and signing seed in one file. */
static int parse_v1_key_file(const char *text, size_t len, unsigned char hk[crypto_generichash_KEYBYTES],
                             unsigned char seed[crypto_sign_SEEDBYTES])
{
    const size_t magic_len = sizeof KEY_V1_MAGIC - 1;
    const size_t want = magic_len + 1 + 9 + AUDIT_HASH_HEX + 1 + 10 + AUDIT_HASH_HEX + 1;
    if (len != want || memcmp(text, KEY_V1_MAGIC, magic_len) != 0 || text[magic_len] != '\n')
        return -1;
    const char *p = text + magic_len + 1;
    if (memcmp(p, "hash_key=", 9) != 0 || audit_hex_parse(p + 9, AUDIT_HASH_HEX, hk, crypto_generichash_KEYBYTES))
        return -1;
    p += 9 + AUDIT_HASH_HEX;
    if (*p++ != '\n' || memcmp(p, "sign_seed=", 10) != 0 ||
        audit_hex_parse(p + 10, AUDIT_HASH_HEX, seed, crypto_sign_SEEDBYTES))
        return -1;
    return p[10 + AUDIT_HASH_HEX] == '\n' ? 0 : -1;
}

/* Write "MAGIC\nNAME=<hex of key>\n" to path with mode 0600, atomically (link of a finished temporary file).
 * With exclusive, an existing file wins (EEXIST: another process made it first); without, path is replaced. */
static int write_key_file(const char *path, const char *magic, const char *name, const unsigned char *key,
                          size_t key_len, int exclusive, core_error *err)
{
    char hex[2 * 64 + 1];
    sodium_bin2hex(hex, sizeof hex, key, key_len);
    char text[256];
    int n = snprintf(text, sizeof text, "%s\n%s=%s\n", magic, name, hex);
    sodium_memzero(hex, sizeof hex);
    if (n < 0 || (size_t)n >= sizeof text)
        return core_error_set(err, CORE_E_INTERNAL, "audit key text does not fit");
    char *tmp = NULL;
    int rc = write_temp(path, text, (size_t)n, &tmp, err);
    sodium_memzero(text, sizeof text);
    if (rc)
        return rc;
    if (exclusive ? link(tmp, path) != 0 && errno != EEXIST : rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return core_error_set(err, CORE_E_IO, "cannot create audit key file %s: %s", path, strerror(e));
    }
    if (exclusive)
        unlink(tmp);
    free(tmp);
    sync_dir_of(path);
    return 0;
}

/* Read a key file, refusing one that group or others can read. */
static int read_key_file(const char *path, char *text, size_t cap, size_t *len, core_error *err)
{
    struct stat st;
    int rc = read_small_file(path, text, cap, len, &st, err);
    if (rc == 0 && (st.st_mode & 077)) {
        sodium_memzero(text, cap);
        rc = core_error_set(err, CORE_E_IO, "audit key file %s can be read by others (mode %03o)", path,
                            (unsigned)(st.st_mode & 0777));
        core_error_hint(
            err, "chmod 600 it, and treat the key as disclosed: anyone holding it can rewrite the trail");
    }
    return rc;
}

int audit_trail_started(const char *db_path)
{
    char *cp = audit_path(db_path, ".audit-checkpoints");
    struct stat sb;
    int started = stat(cp, &sb) == 0 && sb.st_size > 0;
    free(cp);
    if (started)
        return 1;
    char *trail = audit_trail_path(db_path);
    if (stat(trail, &sb) == 0 && sb.st_size > 0) {
        store *s = NULL;
        core_arena ar = CORE_ARENA_INIT;
        int64_t n = 0;
        /* A trail file that cannot be read, or has no table, counts as started only when it has rows. */
        if (store_open(&s, trail, NULL) == 0 && store_query_int(s, &ar, SQL_TRAIL_COUNT, NULL, 0, &n, NULL) == 0)
            started = n > 0;
        core_arena_release(&ar);
        store_close(s);
    }
    free(trail);
    return started;
}

/* Move an old combined key file (hash key and signing seed together) into the split layout: the seed into
 * sign_path (unless a signing key is already there), then the hash key file rewritten without it. */
static int split_v1_key_file(const char *key_path, const char *sign_path, const char *text, size_t len,
                             core_error *err)
{
    unsigned char hk[crypto_generichash_KEYBYTES], seed[crypto_sign_SEEDBYTES];
    int rc = 0;
    if (parse_v1_key_file(text, len, hk, seed) != 0) {
        rc = core_error_set(err, CORE_E_IO, "audit key file %s is malformed", key_path);
        core_error_hint(err, "restore it from the secrets store; a new key cannot verify the old trail");
    }
    if (rc == 0)
        rc = write_key_file(sign_path, SIGN_MAGIC, "sign_seed", seed, sizeof seed, 1, err);
    if (rc == 0)
        rc = write_key_file(key_path, HASH_MAGIC, "hash_key", hk, sizeof hk, 0, err);
    if (rc == 0)
        core_log(CORE_LOG_WARN, "audit_keys_split", "message",
                 "the audit signing seed was moved out of the hash key file into its own file", "signing_key",
                 sign_path, CORE_LOG_END);
    sodium_memzero(hk, sizeof hk);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int audit_hash_key_load(const char *db_path, int create, const char *sign_path,
                        unsigned char key[crypto_generichash_KEYBYTES], core_error *err)
{
    if (sodium_init() < 0)
        return core_error_set(err, CORE_E_INTERNAL, "libsodium cannot start");
    char *path = audit_path(db_path, ".audit-key");
    char text[KEY_FILE_MAX];
    size_t len = 0;
    int rc = read_key_file(path, text, sizeof text, &len, err);
    if (rc == CORE_E_NOT_FOUND && create && !audit_trail_started(db_path)) {
        unsigned char k[crypto_generichash_KEYBYTES];
        randombytes_buf(k, sizeof k);
        rc = write_key_file(path, HASH_MAGIC, "hash_key", k, sizeof k, 1, err);
        sodium_memzero(k, sizeof k);
        if (rc == 0)
            rc = read_key_file(path, text, sizeof text, &len, err);
    }
    if (rc == CORE_E_NOT_FOUND)
        core_error_hint(err, "the audit hash key lives beside the database as PATH.audit-key: restore it from "
                             "backup; a new key cannot verify the old trail");
    if (rc == 0 && len > sizeof KEY_V1_MAGIC && memcmp(text, KEY_V1_MAGIC, sizeof KEY_V1_MAGIC - 1) == 0 &&
        text[sizeof KEY_V1_MAGIC - 1] == '\n') {
        if (!sign_path) { /* the verifier never reads a signing seed: say what to do instead */
            rc = core_error_set(err, CORE_E_IO, "audit key file %s still holds the signing seed", path);
            core_error_hint(err, "run `hearth init --db PATH` once to move the seed into its own file");
        } else {
            rc = split_v1_key_file(path, sign_path, text, len, err);
            if (rc == 0)
                rc = read_key_file(path, text, sizeof text, &len, err);
        }
    }
    if (rc == 0 && parse_one_key(text, len, HASH_MAGIC, "hash_key", key, crypto_generichash_KEYBYTES) != 0) {
        rc = core_error_set(err, CORE_E_IO, "audit key file %s is malformed", path);
        core_error_hint(err, "restore it from backup; a new key cannot verify the old trail");
    }
    sodium_memzero(text, sizeof text);
    free(path);
    return rc;
}

char *audit_signing_key_path(const char *db_path, const char *configured)
{
    if (configured && configured[0])
        return audit_path(configured, "");
    const char *env = getenv("HEARTH_AUDIT_SIGNING_KEY");
    if (env && env[0])
        return audit_path(env, "");
    return audit_path(db_path, ".audit-signing-key");
}

int audit_sign_key_load(const char *db_path, const char *sign_path, int create, audit_keys *k, core_error *err)
{
    char text[KEY_FILE_MAX];
    size_t len = 0;
    int rc = read_key_file(sign_path, text, sizeof text, &len, err);
    if (rc == CORE_E_NOT_FOUND && create && !audit_trail_started(db_path)) {
        unsigned char seed[crypto_sign_SEEDBYTES];
        randombytes_buf(seed, sizeof seed);
        rc = write_key_file(sign_path, SIGN_MAGIC, "sign_seed", seed, sizeof seed, 1, err);
        sodium_memzero(seed, sizeof seed);
        if (rc == 0)
            rc = read_key_file(sign_path, text, sizeof text, &len, err);
    }
    if (rc == CORE_E_NOT_FOUND)
        core_error_hint(err, "the trail has entries already: give the signing key that signed it with "
                             "--signing-key FILE (or HEARTH_AUDIT_SIGNING_KEY); a new key is made only for a "
                             "new trail");
    unsigned char seed[crypto_sign_SEEDBYTES];
    if (rc == 0 && parse_one_key(text, len, SIGN_MAGIC, "sign_seed", seed, sizeof seed) != 0) {
        rc = core_error_set(err, CORE_E_IO, "audit signing key file %s is malformed", sign_path);
        core_error_hint(err, "restore it from the secrets store");
    }
    if (rc == 0)
        crypto_sign_seed_keypair(k->sign_pk, k->sign_sk, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    return rc;
}

int audit_pubkey_read(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], core_error *err)
{
    char have[256];
    size_t len = 0;
    struct stat st;
    int rc = read_small_file(path, have, sizeof have, &len, &st, err);
    if (rc == 0) {
        while (len > 0 && (have[len - 1] == '\n' || have[len - 1] == '\r' || have[len - 1] == ' '))
            len--;
        if (audit_hex_parse(have, len, pk, crypto_sign_PUBLICKEYBYTES) != 0)
            rc = core_error_set(err, CORE_E_IO, "public key file %s does not hold one public key in hex",
                                path);
    }
    return rc;
}

/* PATH.audit-pubkey: written when absent; when present it must be the signing key's (else someone replaced
 * one of the two). */
static int check_pubkey_file(const char *db_path, const audit_keys *k, core_error *err)
{
    char *path = audit_path(db_path, ".audit-pubkey");
    unsigned char have[crypto_sign_PUBLICKEYBYTES];
    core_error e2;
    int rc = audit_pubkey_read(path, have, &e2);
    if (rc == CORE_E_NOT_FOUND) {
        char want[AUDIT_HASH_HEX + 2];
        sodium_bin2hex(want, sizeof want, k->sign_pk, sizeof k->sign_pk);
        want[AUDIT_HASH_HEX] = '\n';
        char *tmp = NULL;
        rc = write_temp(path, want, AUDIT_HASH_HEX + 1, &tmp, err);
        if (rc == 0) {
            chmod(tmp, 0644);
            if (rename(tmp, path) != 0) {
                rc = core_error_set(err, CORE_E_IO, "cannot create %s: %s", path, strerror(errno));
                unlink(tmp);
            }
            free(tmp);
            sync_dir_of(path);
        }
    } else if (rc) {
        *err = e2;
    } else if (sodium_memcmp(have, k->sign_pk, sizeof have) != 0) {
        rc = core_error_set(err, CORE_E_IO, "audit public key file %s does not match the signing key", path);
        core_error_hint(err, "one of the two was replaced: restore both from the secrets store");
    }
    free(path);
    return rc;
}

int audit_keys_load(const char *db_path, const char *sign_path, int create, audit_keys *k, core_error *err)
{
    memset(k, 0, sizeof *k);
    int rc = audit_hash_key_load(db_path, create, sign_path, k->hash_key, err);
    if (rc == 0)
        rc = audit_sign_key_load(db_path, sign_path, create, k, err);
    if (rc == 0)
        rc = check_pubkey_file(db_path, k, err);
    if (rc)
        audit_keys_clear(k);
    return rc;
}

/* ---- the entry hash ---- */

static void put_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    crypto_generichash_update(h, b, sizeof b);
}

static void put_text(crypto_generichash_state *h, audit_text t)
{
    unsigned char tag = t.s ? 1 : 0;
    crypto_generichash_update(h, &tag, 1);
    if (t.s) {
        put_u64(h, (uint64_t)t.len);
        crypto_generichash_update(h, (const unsigned char *)t.s, t.len);
    }
}

static void put_int(crypto_generichash_state *h, int present, int64_t v)
{
    unsigned char tag = present ? 2 : 0;
    crypto_generichash_update(h, &tag, 1);
    if (present)
        put_u64(h, (uint64_t)v);
}

void audit_entry_hash(const audit_keys *k, const audit_row *r, const unsigned char prev[AUDIT_HASH_BYTES],
                      unsigned char out[AUDIT_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, k->hash_key, sizeof k->hash_key, AUDIT_HASH_BYTES);
    put_text(&h, (audit_text){ENTRY_TAG, sizeof ENTRY_TAG - 1});
    put_u64(&h, (uint64_t)r->seq);
    put_text(&h, r->at);
    put_int(&h, r->has_actor, r->actor_user_id);
    put_text(&h, r->actor_role);
    put_text(&h, r->action);
    put_text(&h, r->target_table);
    put_int(&h, r->has_target, r->target_id);
    put_text(&h, r->detail);
    put_text(&h, r->client_address);
    crypto_generichash_update(&h, prev, AUDIT_HASH_BYTES);
    crypto_generichash_final(&h, out, AUDIT_HASH_BYTES);
}

/* ---- checkpoints ---- */

static void cp_message(int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES],
                       unsigned char msg[sizeof CP_TAG - 1 + 8 + AUDIT_HASH_BYTES])
{
    memcpy(msg, CP_TAG, sizeof CP_TAG - 1);
    uint64_t v = (uint64_t)seq;
    for (int i = 7; i >= 0; i--) {
        msg[sizeof CP_TAG - 1 + (size_t)i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    memcpy(msg + sizeof CP_TAG - 1 + 8, hash, AUDIT_HASH_BYTES);
}

size_t audit_checkpoint_line(const audit_keys *k, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES],
                             char *line)
{
    unsigned char msg[sizeof CP_TAG - 1 + 8 + AUDIT_HASH_BYTES];
    unsigned char sig[crypto_sign_BYTES];
    cp_message(seq, hash, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k->sign_sk);
    char hx[AUDIT_HASH_HEX + 1], sx[AUDIT_SIG_HEX + 1];
    sodium_bin2hex(hx, sizeof hx, hash, AUDIT_HASH_BYTES);
    sodium_bin2hex(sx, sizeof sx, sig, sizeof sig);
    int n = snprintf(line, AUDIT_CP_LINE_MAX + 1, "%lld %s %s\n", (long long)seq, hx, sx);
    if (n < 0 || n > AUDIT_CP_LINE_MAX)
        core_die("audit checkpoint line does not fit");
    return (size_t)n;
}

int audit_checkpoint_parse(const char *line, size_t len, int64_t *seq, unsigned char hash[AUDIT_HASH_BYTES],
                           unsigned char sig[crypto_sign_BYTES])
{
    size_t i = 0;
    int64_t v = 0;
    if (len == 0 || line[0] < '1' || line[0] > '9')
        return -1;
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        if (i >= 18) /* keeps v below INT64_MAX */
            return -1;
        v = v * 10 + (line[i] - '0');
        i++;
    }
    if (len - i != 1 + AUDIT_HASH_HEX + 1 + AUDIT_SIG_HEX || line[i] != ' ' ||
        line[i + 1 + AUDIT_HASH_HEX] != ' ')
        return -1;
    if (audit_hex_parse(line + i + 1, AUDIT_HASH_HEX, hash, AUDIT_HASH_BYTES) != 0 ||
        audit_hex_parse(line + i + 2 + AUDIT_HASH_HEX, AUDIT_SIG_HEX, sig, crypto_sign_BYTES) != 0)
        return -1;
    *seq = v;
    return 0;
}

int audit_checkpoint_signed(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], int64_t seq,
                            const unsigned char hash[AUDIT_HASH_BYTES],
                            const unsigned char sig[crypto_sign_BYTES])
{
    unsigned char msg[sizeof CP_TAG - 1 + 8 + AUDIT_HASH_BYTES];
    cp_message(seq, hash, msg);
    return crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0;
}
