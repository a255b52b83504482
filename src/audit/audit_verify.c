/*
 * audit_verify.c — checking an audit trail from genesis (contract in audit.h: audit_verify()).
 *
 * Order of work, chosen so that a live server appending meanwhile cannot cause a false alarm:
 *   1. load the hash key (PATH.audit-key) and the public key the caller names; never the signing key;
 *   2. read and check every checkpoint line (signature, shape), and the anchor when one is given (signed by the
 *      public key, still present in the checkpoint file; it then counts as one more checkpoint). Checkpoints
 *      are written only after their rows commit (audit.h invariant 3), so every checkpoint read now names
 *      rows already in the table;
 *   3. in one read transaction, stream audit_event in seq order, recomputing the chain and comparing each
 *      validly signed checkpoint with the entry it names; stop at the first bad entry;
 *   4. the table must reach the highest validly signed checkpoint.
 * The report names the lowest bad seq over every fault found; file-level faults (missing or malformed
 * checkpoint file, a lost or unsigned anchor) come first, since they say the evidence itself is unusable.
 * audit_chain_check() is step 3 from a given entry on, without checkpoints (audit_open uses it to check the
 * unsigned tail before signing it); audit_anchor() prints the newest checkpoint as an anchor.
 */
#include "audit/audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "audit/audit_internal.h"
#include "core/core_arena.h"
#include "store/store.h"

/* Every entry after seq $1, oldest first, with every column the hash covers. */
static const char SQL_ENTRIES[] =
    "SELECT seq, at, actor_user_id, actor_role, action, target_table, target_id, detail, client_address,\n"
    "       prev_hash, hash\n"
    "  FROM audit_event\n"
    " WHERE seq > $1\n"
    " ORDER BY seq";

static const char ANCHOR_FORMAT[] = "hearth-audit-anchor-v1";

typedef struct checkpoint {
    int64_t seq;
    unsigned char hash[AUDIT_HASH_BYTES];
    unsigned char sig[crypto_sign_BYTES];
    int signed_ok;
    size_t line; /* 0: the anchor */
} checkpoint;

const char *audit_fault_name(audit_fault f)
{
    switch (f) {
    case AUDIT_FAULT_NONE:
        return "none";
    case AUDIT_FAULT_GAP:
        return "gap";
    case AUDIT_FAULT_SEQ_START:
        return "does not start at 1";
    case AUDIT_FAULT_PREV_MISMATCH:
        return "broken link";
    case AUDIT_FAULT_HASH_MISMATCH:
        return "hash mismatch";
    case AUDIT_FAULT_MALFORMED:
        return "malformed entry";
    case AUDIT_FAULT_CHECKPOINT_MISMATCH:
        return "checkpoint mismatch";
    case AUDIT_FAULT_TRUNCATED:
        return "missing entries after checkpoint";
    case AUDIT_FAULT_BAD_SIGNATURE:
        return "bad signature";
    case AUDIT_FAULT_CHECKPOINT_FILE:
        return "checkpoint file";
    case AUDIT_FAULT_KEY_MISMATCH:
        return "key mismatch";
    case AUDIT_FAULT_ANCHOR:
        return "anchor";
    }
    return "unknown";
}

static int is_file_fault(audit_fault f)
{
    return f == AUDIT_FAULT_CHECKPOINT_FILE || f == AUDIT_FAULT_KEY_MISMATCH || f == AUDIT_FAULT_ANCHOR;
}

/* Keep the fault that comes first: file faults, then the lowest seq. */
static void fault(audit_verify_report *r, audit_fault f, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fault(audit_verify_report *r, audit_fault f, int64_t seq, const char *fmt, ...)
{
    if (r->fault != AUDIT_FAULT_NONE) {
        if (is_file_fault(r->fault))
            return;
        if (!is_file_fault(f) && r->first_bad_seq <= seq)
            return;
    }
    r->fault = f;
    r->first_bad_seq = is_file_fault(f) ? 0 : seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof r->what, fmt, ap);
    va_end(ap);
}

static int cp_cmp(const void *x, const void *y)
{
    const checkpoint *a = x, *b = y;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Read db_path.audit-checkpoints into *cps (heap; caller frees). Sets *present to 0 when the file is absent.
 */
static int read_checkpoints(const char *db_path, const audit_keys *k, checkpoint **cps, size_t *ncps,
                            int *present, audit_verify_report *r, core_error *err)
{
    char *path = audit_path(db_path, ".audit-checkpoints");
    FILE *f = fopen(path, "re");
    *cps = NULL;
    *ncps = 0;
    *present = f != NULL;
    if (!f) {
        int e = errno;
        free(path);
        if (e == ENOENT)
            return 0;
        return core_error_set(err, CORE_E_IO, "cannot open the audit checkpoint file: %s", strerror(e));
    }
    size_t cap = 0, lineno = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        if (len == 0 || line[len - 1] != '\n') {
            /* A torn last line (a crash mid-write is not possible with one O_APPEND write, but a full disk
             * is) is still a fault: say so rather than skip it. */
            fault(r, AUDIT_FAULT_CHECKPOINT_FILE, 0, "checkpoint file line %zu is incomplete", lineno);
            continue;
        }
        checkpoint c = {.line = lineno};
        unsigned char *sig = c.sig;
        if (audit_checkpoint_parse(line, (size_t)len - 1, &c.seq, c.hash, sig) != 0) {
            fault(r, AUDIT_FAULT_CHECKPOINT_FILE, 0, "checkpoint file line %zu is malformed", lineno);
            continue;
        }
        c.signed_ok = audit_checkpoint_signed(k->sign_pk, c.seq, c.hash, sig);
        if (!c.signed_ok)
            fault(r, AUDIT_FAULT_BAD_SIGNATURE, c.seq,
                  "checkpoint for entry %lld (checkpoint file line %zu) has a bad signature",
                  (long long)c.seq, lineno);
        if (*ncps == cap) {
            cap = cap ? cap * 2 : 64;
            *cps = core_xrealloc(*cps, cap * sizeof **cps);
        }
        (*cps)[(*ncps)++] = c;
    }
    int rerr = ferror(f);
    free(line);
    fclose(f);
    free(path);
    if (rerr)
        return core_error_set(err, CORE_E_IO, "cannot read the audit checkpoint file");
    if (*ncps > 1)
        qsort(*cps, *ncps, sizeof **cps, cp_cmp);
    return 0;
}

static int text_col(store_stmt *st, int i, int nullable, audit_text *out)
{
    store_type t = store_col_type(st, i);
    if (t == STORE_NULL && nullable) {
        *out = (audit_text){NULL, 0};
        return 0;
    }
    if (t != STORE_TEXT)
        return -1;
    size_t len = 0;
    const char *s = store_col_text(st, i, &len);
    *out = (audit_text){s ? s : "", s ? len : 0};
    return 0;
}

static int int_col(store_stmt *st, int i, int *present, int64_t *out)
{
    store_type t = store_col_type(st, i);
    *present = t == STORE_INT;
    *out = *present ? store_col_int(st, i) : 0;
    return t == STORE_INT || t == STORE_NULL ? 0 : -1;
}

/* Stream the table; returns 0 (faults go into r) or a negative code when the table cannot be read. */
static int check_entries(store *s, const audit_keys *k, const checkpoint *cps, size_t ncps, int64_t from,
                         const unsigned char from_hash[AUDIT_HASH_BYTES], audit_verify_report *r, int *complete,
                         core_error *err)
{
    core_arena ar = CORE_ARENA_INIT;
    store_stmt *st;
    unsigned char prev[AUDIT_HASH_BYTES] = {0};
    if (from_hash)
        memcpy(prev, from_hash, sizeof prev);
    int64_t expect = from + 1;
    size_t ci = 0;
    *complete = 0;
    int stopped = 1; /* set to 0 only when the table was read to its end */
    store_value p[] = {store_v_int(from)};
    int rc = store_query(s, &ar, SQL_ENTRIES, p, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        audit_row row = {0};
        audit_text prevx, hashx;
        int has_seq = 0;
        if (int_col(st, 0, &has_seq, &row.seq) || !has_seq) {
            fault(r, AUDIT_FAULT_MALFORMED, expect, "entry after %lld has no integer seq",
                  (long long)(expect - 1));
            break;
        }
        if (row.seq != expect) {
            if (expect == 1 && from == 0)
                fault(r, AUDIT_FAULT_SEQ_START, 1, "entry 1 is missing: the trail starts at entry %lld",
                      (long long)row.seq);
            else
                fault(r, AUDIT_FAULT_GAP, expect,
                      "entry %lld is missing: entry %lld is followed by entry %lld", (long long)expect,
                      (long long)(expect - 1), (long long)row.seq);
            break;
        }
        if (text_col(st, 1, 0, &row.at) || int_col(st, 2, &row.has_actor, &row.actor_user_id) ||
            text_col(st, 3, 1, &row.actor_role) || text_col(st, 4, 0, &row.action) ||
            text_col(st, 5, 1, &row.target_table) || int_col(st, 6, &row.has_target, &row.target_id) ||
            text_col(st, 7, 1, &row.detail) || text_col(st, 8, 1, &row.client_address) ||
            text_col(st, 9, 0, &prevx) || text_col(st, 10, 0, &hashx)) {
            fault(r, AUDIT_FAULT_MALFORMED, row.seq, "entry %lld has a field of the wrong type",
                  (long long)row.seq);
            break;
        }
        unsigned char stored_prev[AUDIT_HASH_BYTES], stored[AUDIT_HASH_BYTES], computed[AUDIT_HASH_BYTES];
        if (audit_hex_parse(prevx.s, prevx.len, stored_prev, sizeof stored_prev) ||
            audit_hex_parse(hashx.s, hashx.len, stored, sizeof stored)) {
            fault(r, AUDIT_FAULT_MALFORMED, row.seq, "entry %lld has a hash that is not 64 hex digits",
                  (long long)row.seq);
            break;
        }
        audit_entry_hash(k, &row, prev, computed);
        if (sodium_memcmp(computed, stored, sizeof stored) != 0) {
            if (sodium_memcmp(stored_prev, prev, sizeof prev) != 0)
                fault(r, AUDIT_FAULT_PREV_MISMATCH, row.seq,
                      "entry %lld does not follow entry %lld: entries were removed, reordered or inserted",
                      (long long)row.seq, (long long)(row.seq - 1));
            else
                fault(r, AUDIT_FAULT_HASH_MISMATCH, row.seq,
                      "entry %lld does not match its hash: it was changed or forged", (long long)row.seq);
            break;
        }
        for (; ci < ncps && cps[ci].seq <= row.seq; ci++)
            if (cps[ci].seq == row.seq && cps[ci].signed_ok &&
                sodium_memcmp(cps[ci].hash, stored, sizeof stored))
                fault(
                    r, AUDIT_FAULT_CHECKPOINT_MISMATCH, row.seq,
                    "entry %lld differs from its signed %s (line %zu): the trail was rewritten",
                    (long long)row.seq, cps[ci].line ? "checkpoint" : "anchor", cps[ci].line);
        memcpy(prev, stored, sizeof prev);
        r->entries++;
        r->last_seq = row.seq;
        expect++;
    }
    if (rc == 0)
        stopped = 0; /* store_next said "done": every row was checked */
    *complete = !stopped;
    core_arena_release(&ar);
    return rc < 0 ? rc : 0;
}

int audit_chain_check(store *s, const audit_keys *k, int64_t from, const unsigned char from_hash[AUDIT_HASH_BYTES],
                      audit_verify_report *r, core_error *err)
{
    int complete = 0;
    r->last_seq = from;
    int rc = check_entries(s, k, NULL, 0, from, from_hash, r, &complete, err);
    if (rc == 0 && !complete && r->fault == AUDIT_FAULT_NONE)
        fault(r, AUDIT_FAULT_MALFORMED, r->last_seq + 1, "the trail could not be read to its end");
    return rc;
}

/* The anchor file: one JSON object from audit_anchor(). Fills c (line 0) and checks its signature. */
static int read_anchor(const char *path, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], checkpoint *c,
                       core_error *err)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        core_error_set(err, CORE_E_IO, "anchor file %s cannot be read as json", path);
        return core_error_hint(err, "give the file `hearth audit anchor` printed");
    }
    const char *format = json_string_value(json_object_get(j, "format"));
    json_t *seq = json_object_get(j, "seq");
    const char *hash = json_string_value(json_object_get(j, "hash"));
    const char *sig = json_string_value(json_object_get(j, "signature"));
    memset(c, 0, sizeof *c);
    int ok = format && strcmp(format, ANCHOR_FORMAT) == 0 && json_is_integer(seq) && json_integer_value(seq) > 0 &&
             hash && sig && audit_hex_parse(hash, strlen(hash), c->hash, sizeof c->hash) == 0 &&
             audit_hex_parse(sig, strlen(sig), c->sig, sizeof c->sig) == 0;
    if (ok)
        c->seq = (int64_t)json_integer_value(seq);
    json_decref(j);
    if (!ok) {
        core_error_set(err, CORE_E_IO, "anchor file %s is not a hearth audit anchor", path);
        return core_error_hint(err, "give the file `hearth audit anchor` printed");
    }
    c->signed_ok = audit_checkpoint_signed(pk, c->seq, c->hash, c->sig);
    return 0;
}

int audit_verify(const char *db_path, const audit_verify_options *o, audit_verify_report *out, core_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (store_target_is_pg(db_path)) {
        int rc = audit_pg_dir_check(db_path, err);
        if (rc)
            return rc;
    } else if (stat(db_path, &sb) != 0) {
        core_error_set(err, CORE_E_NOT_FOUND, "database file is absent");
        return core_error_hint(err, "give the path of an existing Hearth database with --db");
    }
    if (!o || !o->public_key) {
        core_error_set(err, CORE_E_USAGE, "verification needs the audit public key");
        return core_error_hint(err, "give --public-key FILE: a copy kept where the database's administrators "
                                    "cannot write (PATH.audit-pubkey is written when the trail starts)");
    }
    audit_keys k;
    memset(&k, 0, sizeof k);
    int rc = audit_pubkey_read(o->public_key, k.sign_pk, err);
    if (rc)
        return rc;
    rc = audit_hash_key_load(db_path, 0, NULL, k.hash_key, err);
    if (rc == CORE_E_NOT_FOUND && !audit_trail_started(db_path) && !o->anchor)
        return 0; /* nothing recorded yet (the key is made by the first audit_open): nothing to verify */
    if (rc) {
        audit_keys_clear(&k);
        return rc;
    }

    checkpoint *cps = NULL;
    size_t ncps = 0;
    int present = 0;
    store *s = NULL;
    checkpoint anchor;
    rc = read_checkpoints(db_path, &k, &cps, &ncps, &present, out, err);
    if (rc == 0 && o->anchor)
        rc = read_anchor(o->anchor, k.sign_pk, &anchor, err);
    if (rc == 0 && o->anchor) {
        if (!anchor.signed_ok)
            fault(out, AUDIT_FAULT_ANCHOR, 0, "the anchor (entry %lld) is not signed by this public key",
                  (long long)anchor.seq);
        int in_file = 0;
        for (size_t i = 0; i < ncps; i++)
            if (cps[i].seq == anchor.seq && cps[i].signed_ok &&
                sodium_memcmp(cps[i].hash, anchor.hash, sizeof anchor.hash) == 0)
                in_file = 1;
        if (!in_file)
            fault(out, AUDIT_FAULT_ANCHOR, 0,
                  "the checkpoint file no longer holds the anchored checkpoint (entry %lld): it was cut or "
                  "rewritten",
                  (long long)anchor.seq);
        if (anchor.signed_ok) { /* the trail must reach it and agree with it, like a checkpoint */
            cps = core_xrealloc(cps, (ncps + 1) * sizeof *cps);
            cps[ncps++] = anchor;
            qsort(cps, ncps, sizeof *cps, cp_cmp);
        }
    }
    char *trail = audit_trail_path(db_path);
    if (rc == 0 && !store_target_is_pg(db_path) && stat(trail, &sb) != 0) {
        core_error_set(err, CORE_E_NOT_FOUND, "the audit trail file %s is absent, but its keys are present", trail);
        rc = core_error_hint(err, "restore it from backup: a trail that was recorded cannot be verified without it");
    }
    if (rc == 0)
        rc = store_open(&s, trail, err);
    free(trail);
    int complete = 0;
    if (rc == 0) /* one snapshot for the whole read */
        rc = store_exec_script(s, "BEGIN", err);
    if (rc == 0) {
        rc = check_entries(s, &k, cps, ncps, 0, NULL, out, &complete, err);
        store_exec_script(s, "COMMIT", NULL);
        if (rc == CORE_E_STORE && strstr(err->detail, "no such table"))
            core_error_hint(err, "the audit trail file has no audit_event table: it is not a Hearth trail");
    }
    if (rc == 0) {
        int64_t top = 0, files = 0;
        for (size_t i = 0; i < ncps; i++) {
            if (cps[i].line)
                files++;
            if (cps[i].signed_ok && cps[i].seq > top)
                top = cps[i].seq;
        }
        out->checkpoints = files;
        out->last_checkpoint_seq = top;
        if (complete && top > out->last_seq)
            fault(out, AUDIT_FAULT_TRUNCATED, out->last_seq + 1,
                  "entries %lld to %lld are missing: the table ends at entry %lld but a signed checkpoint "
                  "names entry %lld",
                  (long long)(out->last_seq + 1), (long long)top, (long long)out->last_seq, (long long)top);
        if (!present && out->last_seq > 0)
            fault(out, AUDIT_FAULT_CHECKPOINT_FILE, 0,
                  "the checkpoint file is missing but the trail has entries");
        out->unsealed = out->last_seq > top ? out->last_seq - top : 0;
    }
    store_close(s);
    free(cps);
    audit_keys_clear(&k);
    return rc;
}

int audit_anchor(const char *db_path, char **json, core_error *err)
{
    *json = NULL;
    checkpoint *cps = NULL;
    size_t ncps = 0;
    int present = 0;
    audit_verify_report r;
    memset(&r, 0, sizeof r);
    audit_keys k;
    memset(&k, 0, sizeof k);
    char *pub = audit_path(db_path, ".audit-pubkey");
    int has_pk = audit_pubkey_read(pub, k.sign_pk, NULL) == 0;
    free(pub);
    int rc = read_checkpoints(db_path, &k, &cps, &ncps, &present, &r, err);
    const checkpoint *best = NULL;
    for (size_t i = 0; rc == 0 && i < ncps; i++) /* the newest one the trail's key signed */
        if ((!has_pk || cps[i].signed_ok) && (!best || cps[i].seq >= best->seq))
            best = &cps[i];
    if (rc == 0 && !best) {
        core_error_set(err, CORE_E_NOT_FOUND, "the audit trail has no signed checkpoint yet");
        rc = core_error_hint(err, "a server signs one every minute and at start and stop; try again later");
    }
    if (rc == 0) {
        char hx[AUDIT_HASH_HEX + 1], sx[AUDIT_SIG_HEX + 1], px[AUDIT_HASH_HEX + 1];
        sodium_bin2hex(hx, sizeof hx, best->hash, sizeof best->hash);
        sodium_bin2hex(sx, sizeof sx, best->sig, sizeof best->sig);
        sodium_bin2hex(px, sizeof px, k.sign_pk, sizeof k.sign_pk);
        json_t *j = json_pack("{s:s,s:I,s:s,s:s}", "format", ANCHOR_FORMAT, "seq", (json_int_t)best->seq, "hash",
                              hx, "signature", sx);
        if (j && has_pk)
            json_object_set_new(j, "public_key", json_string(px));
        *json = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!*json)
            rc = core_error_set(err, CORE_E_INTERNAL, "out of memory");
    }
    free(cps);
    return rc;
}
