/*
 * test_audit.c — unit tests for audit/ (audit.c, audit_chain.c, audit_verify.c) on temporary database files.
 *
 * One pristine trail is built once (group setup): a migrated database, an audit handle with checkpoints every
 * 64 entries, a queue of 32 (so producers block) and batches of at most 50, and 360 events recorded from 4
 * threads at once. Verification of it must pass with exact counts (360 entries, checkpoints at 64, 128, 192,
 * 256, 320 and the closing one at 360). Then each attack runs on a fresh copy of the files, as an attacker
 * with file access would (dropping the append-only triggers first with raw SQL), and verification must fail
 * naming the right fault and the right first bad seq: a one-byte change to a row's detail, a deleted row,
 * a deleted first row, two rows' contents swapped, a forged row inserted in the middle (later rows
 * renumbered), the tail cut off after the last periodic checkpoint, a checkpoint's signature or hash changed,
 * the checkpoint file removed, and the public key replaced. Also: the triggers refuse UPDATE and DELETE;
 * reopening continues the same chain; audit_record refuses malformed events; a key file others can read is
 * refused; the writer fails closed (audit_flush and audit_record report the error) when it cannot write.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../test_tmpdb.h"
#include "audit/audit.h"
#include "core/core_arena.h"
#include "store/store.h"

enum { THREADS = 4, PER_THREAD = 90, TOTAL = THREADS * PER_THREAD, EVERY = 64 };

typedef struct fixture {
    test_tmpdb pristine;
} fixture;

/* ---- helpers ---- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    struct stat st;
    assert_int_equal(stat(from, &st), 0);
    assert_int_equal(chmod(to, st.st_mode & 0777), 0);
}

/* A fresh copy of every file of the pristine trail (database, key, public key, checkpoints). */
static void copy_trail(const fixture *f, test_tmpdb *dst)
{
    assert_int_equal(test_tmpdb_make(dst), 0);
    DIR *d = opendir(f->pristine.dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char a[900], b[900];
        snprintf(a, sizeof a, "%s/%s", f->pristine.dir, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dst->dir, e->d_name);
        copy_file(a, b);
    }
    closedir(d);
}

static char *path_with(const test_tmpdb *t, const char *suffix)
{
    static char p[700];
    snprintf(p, sizeof p, "%s%s", t->path, suffix);
    return p;
}

/* The trail's own database file (PATH.audit) of the database at db, opened as an attacker with file access
 * would open it. */
static void open_trail(const char *db, store **s)
{
    core_error err;
    char *trail = audit_trail_path(db);
    int rc = store_open(s, trail, &err);
    free(trail);
    assert_ok(rc, err);
}

/* Run raw SQL on the trail as an attacker with file access would. */
static void attack_sql(const char *db, const char *sql)
{
    store *s;
    core_error err;
    open_trail(db, &s);
    assert_ok(store_exec_script(s, sql, &err), err);
    store_close(s);
}

static int64_t query_int(const char *db, const char *sql)
{
    store *s;
    core_error err;
    core_arena a = CORE_ARENA_INIT;
    int64_t v = -1;
    open_trail(db, &s);
    assert_ok(store_query_int(s, &a, sql, NULL, 0, &v, &err), err);
    core_arena_release(&a);
    store_close(s);
    return v;
}

/* Verify with the public key written beside the database (PATH.audit-pubkey) and, when not NULL, an anchor. */
static audit_verify_report verify_anchored(const char *db, const char *anchor)
{
    audit_verify_report r;
    core_error err;
    core_error_clear(&err);
    char pk[700];
    snprintf(pk, sizeof pk, "%s.audit-pubkey", db);
    audit_verify_options o = {pk, anchor};
    assert_ok(audit_verify(db, &o, &r, &err), err);
    return r;
}

static audit_verify_report verify(const char *db)
{
    return verify_anchored(db, NULL);
}

/* audit_verify with the public key beside the database; returns its code. */
static int verify_rc(const char *db, audit_verify_report *r, core_error *err)
{
    char pk[700];
    snprintf(pk, sizeof pk, "%s.audit-pubkey", db);
    audit_verify_options o = {pk, NULL};
    return audit_verify(db, &o, r, err);
}

static void expect_fault(const char *db, audit_fault fault, int64_t seq)
{
    audit_verify_report r = verify(db);
    if (r.fault != fault || r.first_bad_seq != seq)
        fail_msg("expected %s at %lld, got %s at %lld: %s", audit_fault_name(fault), (long long)seq,
                 audit_fault_name(r.fault), (long long)r.first_bad_seq, r.what);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Rewrite the file with one byte at offset changed (to a different hex digit). */
static void flip_file_byte(const char *path, long offset)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    int c = fgetc(fp);
    assert_true(c != EOF);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    fputc(c == 'a' ? 'b' : 'a', fp);
    assert_int_equal(fclose(fp), 0);
}

/* Offset of the start of line `line` (1-based) of a text file. */
static long line_offset(const char *path, int line)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    long off = 0;
    int c, at = 1;
    while (at < line && (c = fgetc(fp)) != EOF) {
        off++;
        if (c == '\n')
            at++;
    }
    fclose(fp);
    assert_int_equal(at, line);
    return off;
}

/* ---- building the pristine trail ---- */

typedef struct producer {
    audit *a;
    int thread;
    int failures;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char detail[128];
        snprintf(detail, sizeof detail, "{\"thread\":%d,\"n\":%d,\"footing\":\"team_member\"}", p->thread, i);
        audit_event ev = {
            .actor_user_id = 10 + p->thread,
            .actor_role = "practitioner",
            .action = i % 3 == 0 ? "search" : "read",
            .target_table = i % 3 == 0 ? NULL : "person",
            .target_id = i % 3 == 0 ? 0 : 1000 + i,
            .detail = detail,
            .client_address = i % 2 ? "192.0.2.7" : NULL,
        };
        core_error err;
        if (audit_record(p->a, &ev, i % 10 == 9 ? AUDIT_DURABLE : 0, &err) != 0)
            p->failures++;
    }
    return NULL;
}

static int group_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_tmpdb_make(&f->pristine))
        return -1;
    core_error err;
    store *s;
    if (store_open(&s, f->pristine.path, &err) || store_migrate(s, &err)) {
        fprintf(stderr, "migrate: %s %s\n", err.message, err.detail);
        return -1;
    }
    store_close(s);
    audit *a;
    audit_config cfg = {.checkpoint_every = EVERY, .queue_max = 32, .batch_max = 50};
    if (audit_open(&a, f->pristine.path, &cfg, &err)) {
        fprintf(stderr, "audit_open: %s %s\n", err.message, err.detail);
        return -1;
    }
    pthread_t th[THREADS];
    producer p[THREADS];
    for (int i = 0; i < THREADS; i++) {
        p[i] = (producer){a, i, 0};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += p[i].failures;
    }
    if (failures || audit_flush(a, &err) || audit_close(a, &err)) {
        fprintf(stderr, "recording failed (%d): %s %s\n", failures, err.message, err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    test_tmpdb_remove(&f->pristine);
    free(f);
    return 0;
}

/* ---- the intact trail ---- */

static void test_intact_trail_verifies(void **state)
{
    fixture *f = *state;
    audit_verify_report r = verify(f->pristine.path);
    if (r.fault != AUDIT_FAULT_NONE)
        fail_msg("intact trail failed: %s", r.what);
    assert_int_equal(r.entries, TOTAL);
    assert_int_equal(r.last_seq, TOTAL);
    assert_int_equal(r.checkpoints, TOTAL / EVERY + 1); /* 64..320, and the closing one at 360 */
    assert_int_equal(r.last_checkpoint_seq, TOTAL);
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(r.first_bad_seq, 0);

    const char *db = f->pristine.path;
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit_event"), TOTAL);
    assert_int_equal(query_int(db, "SELECT min(seq) FROM audit_event"), 1);
    assert_int_equal(query_int(db, "SELECT max(seq) FROM audit_event"), TOTAL);
    /* every thread's every event is there, once */
    assert_int_equal(query_int(db, "SELECT count(DISTINCT json_extract(detail, '$.thread') || ':' || "
                                   "json_extract(detail, '$.n')) FROM audit_event"),
                     TOTAL);
    /* NULL stays NULL (it is hashed differently from a value) */
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit_event WHERE target_id IS NULL"), THREADS * 30);
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit_event WHERE client_address IS NULL"),
                     TOTAL / 2);
    /* the chain links: each prev_hash is the previous row's hash; the first is 64 zeros */
    assert_int_equal(query_int(db,
                               "SELECT count(*) FROM audit_event e JOIN audit_event p ON p.seq = e.seq - 1 "
                               "WHERE e.prev_hash = p.hash"),
                     TOTAL - 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM audit_event WHERE seq = 1 AND prev_hash = "
                                   "'0000000000000000000000000000000000000000000000000000000000000000'"),
                     1);

    struct stat st;
    assert_int_equal(stat(path_with(&f->pristine, ".audit-key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(path_with(&f->pristine, ".audit-pubkey"), &st), 0);
    assert_int_equal(st.st_size, 65);
    assert_int_equal(stat(path_with(&f->pristine, ".audit-signing-key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_triggers_refuse_update_and_delete(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    store *s;
    core_error err;
    open_trail(t.path, &s);
    core_error_clear(&err);
    assert_int_equal(store_exec_script(s, "UPDATE audit_event SET detail = '{}' WHERE seq = 5", &err),
                     CORE_E_CONFLICT);
    assert_non_null(strstr(err.detail, "append-only"));
    assert_int_equal(store_exec_script(s, "DELETE FROM audit_event WHERE seq = 5", &err), CORE_E_CONFLICT);
    assert_int_equal(store_exec_script(s, "DELETE FROM audit_event", &err), CORE_E_CONFLICT);
    store_close(s);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event"), TOTAL);
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    test_tmpdb_remove(&t);
}

/* ---- attacks on the table ---- */

static const char DROP_TRIGGERS[] = "DROP TRIGGER audit_event_no_update;\n"
                                    "DROP TRIGGER audit_event_no_delete;\n";

static void test_one_byte_change_in_detail(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    /* change one digit of entry 100's detail to another digit: still valid JSON, one byte different */
    store *s;
    core_error err;
    core_arena a = CORE_ARENA_INIT;
    open_trail(t.path, &s);
    store_stmt *st;
    assert_ok(store_query(s, &a, "SELECT detail FROM audit_event WHERE seq = 100", NULL, 0, &st, &err), err);
    assert_int_equal(store_next(st, &err), 1);
    char detail[256];
    size_t len = 0;
    const char *d = store_col_text(st, 0, &len);
    assert_true(len < sizeof detail);
    memcpy(detail, d, len);
    core_arena_reset(&a);
    char *digit = strpbrk(detail, "0123456789");
    assert_non_null(digit);
    *digit = *digit == '9' ? '8' : (char)(*digit + 1);
    store_value p[] = {store_v_textn(detail, len)};
    int64_t changed = 0;
    assert_ok(store_exec(s, &a, "UPDATE audit_event SET detail = $1 WHERE seq = 100", p, 1, &changed, &err),
              err);
    assert_int_equal(changed, 1);
    core_arena_release(&a);
    store_close(s);

    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, 100);
    audit_verify_report r = verify(t.path);
    assert_int_equal(r.entries, 99);
    assert_null(strstr(r.what, "thread")); /* the report does not quote the entry */
    test_tmpdb_remove(&t);
}

static void test_changed_actor_and_timestamp(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "UPDATE audit_event SET actor_user_id = 99 WHERE seq = 250");
    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, 250);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "UPDATE audit_event SET at = '2001-01-01T00:00:00Z' WHERE seq = 7;\n"
                       "UPDATE audit_event SET client_address = NULL WHERE seq = 300");
    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, 7); /* the first of two changes */
    test_tmpdb_remove(&t);
}

static void test_deleted_row(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq = 150");
    expect_fault(t.path, AUDIT_FAULT_GAP, 150);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq = 1");
    expect_fault(t.path, AUDIT_FAULT_SEQ_START, 1);
    test_tmpdb_remove(&t);

    /* deleting a row and renumbering the rest to close the gap breaks the chain at the same place */
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq = 150;\n"
                       "UPDATE audit_event SET seq = -(seq - 1) WHERE seq > 150;\n"
                       "UPDATE audit_event SET seq = -seq WHERE seq < 0");
    expect_fault(t.path, AUDIT_FAULT_PREV_MISMATCH, 150);
    test_tmpdb_remove(&t);
}

static void test_reordered_rows(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    /* swap the contents of entries 120 and 121, each keeping its seq */
    attack_sql(t.path,
               "CREATE TEMP TABLE saved AS SELECT * FROM audit_event WHERE seq IN (120, 121);\n"
               "UPDATE audit_event\n"
               "   SET (at, actor_user_id, actor_role, action, target_table, target_id, detail,\n"
               "        client_address, prev_hash, hash) =\n"
               "       (SELECT at, actor_user_id, actor_role, action, target_table, target_id, detail,\n"
               "               client_address, prev_hash, hash\n"
               "          FROM saved WHERE saved.seq = 241 - audit_event.seq)\n"
               " WHERE seq IN (120, 121)");
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event"), TOTAL);
    expect_fault(t.path, AUDIT_FAULT_PREV_MISMATCH, 120);
    test_tmpdb_remove(&t);

    /* swapping only the details (hashes left in place) is a change to both rows */
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path,
               "CREATE TEMP TABLE saved AS SELECT seq, detail FROM audit_event WHERE seq IN (200, 300);\n"
               "UPDATE audit_event SET detail = (SELECT detail FROM saved WHERE saved.seq = 500 - "
               "audit_event.seq) WHERE seq IN (200, 300)");
    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, 200);
    test_tmpdb_remove(&t);
}

static void test_inserted_row(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    /* make room at 200 (two steps: seq is a primary key), then insert a forged entry that links to 199 */
    attack_sql(t.path,
               "UPDATE audit_event SET seq = -(seq + 1) WHERE seq >= 200;\n"
               "UPDATE audit_event SET seq = -seq WHERE seq < 0;\n"
               "INSERT INTO audit_event (seq, at, actor_user_id, actor_role, action, target_table,\n"
               "                         target_id, detail, client_address, prev_hash, hash)\n"
               "SELECT 200, at, actor_user_id, actor_role, 'read', 'person', 4242, '{}', NULL, hash,\n"
               "       hash\n"
               "  FROM audit_event WHERE seq = 199");
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event"), TOTAL + 1);
    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, 200);
    test_tmpdb_remove(&t);

    /* appending a forged entry at the end is caught the same way */
    copy_trail(*state, &t);
    attack_sql(t.path, "INSERT INTO audit_event (seq, at, action, prev_hash, hash)\n"
                       "SELECT seq + 1, at, 'read', hash, hash FROM audit_event WHERE seq = 360");
    expect_fault(t.path, AUDIT_FAULT_HASH_MISMATCH, TOTAL + 1);
    test_tmpdb_remove(&t);
}

static void test_truncated_tail(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    /* cut off everything after the last periodic checkpoint (320): the closing checkpoint (360) catches it */
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq > 320");
    expect_fault(t.path, AUDIT_FAULT_TRUNCATED, 321);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq > 100");
    expect_fault(t.path, AUDIT_FAULT_TRUNCATED, 101);
    test_tmpdb_remove(&t);

    /* emptying the table entirely */
    copy_trail(*state, &t);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event");
    expect_fault(t.path, AUDIT_FAULT_TRUNCATED, 1);
    test_tmpdb_remove(&t);
}

/* ---- attacks on the checkpoint file and keys ---- */

static void test_tampered_checkpoint_file(void **state)
{
    test_tmpdb t;
    /* one hex digit of the signature on line 2 (entry 128) */
    copy_trail(*state, &t);
    const char *cp = path_with(&t, ".audit-checkpoints");
    flip_file_byte(cp, line_offset(cp, 2) + 4 + 64 + 1 + 10);
    expect_fault(t.path, AUDIT_FAULT_BAD_SIGNATURE, 128);
    test_tmpdb_remove(&t);

    /* one hex digit of the hash on line 3 (entry 192) */
    copy_trail(*state, &t);
    cp = path_with(&t, ".audit-checkpoints");
    flip_file_byte(cp, line_offset(cp, 3) + 4 + 5);
    expect_fault(t.path, AUDIT_FAULT_BAD_SIGNATURE, 192);
    test_tmpdb_remove(&t);

    /* a malformed line */
    copy_trail(*state, &t);
    cp = path_with(&t, ".audit-checkpoints");
    FILE *fp = fopen(cp, "ab");
    assert_non_null(fp);
    fputs("400 not-a-hash\n", fp);
    fclose(fp);
    expect_fault(t.path, AUDIT_FAULT_CHECKPOINT_FILE, 0);
    test_tmpdb_remove(&t);

    /* the file removed */
    copy_trail(*state, &t);
    assert_int_equal(unlink(path_with(&t, ".audit-checkpoints")), 0);
    expect_fault(t.path, AUDIT_FAULT_CHECKPOINT_FILE, 0);
    test_tmpdb_remove(&t);
}

static void test_rewritten_table_against_checkpoint(void **state)
{
    /* A checkpoint naming a different hash for an entry whose own chain is consistent: here the checkpoint
     * file of one trail is put beside another trail that uses the same key. */
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    /* grow the copy by 100 entries; its checkpoint file then names 384 and 448 for it */
    audit_config cfg = {.checkpoint_every = EVERY};
    assert_ok(audit_open(&a, t.path, &cfg, &err), err);
    for (int i = 0; i < 100; i++) {
        audit_event ev = {.action = "read", .target_table = "family", .target_id = 1 + i};
        assert_ok(audit_record(a, &ev, 0, &err), err);
    }
    assert_ok(audit_close(a, &err), err);
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    /* now rewrite entry 384 and everything after it with the key (the attacker who stole the hash key but
     * not the checkpoint history): here, simply re-record different events after truncating */
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq > 380");
    cfg.checkpoint_every = 100000; /* no new periodic checkpoints */
    assert_ok(audit_open(&a, t.path, &cfg, &err), err);
    for (int i = 0; i < 80; i++) {
        audit_event ev = {.action = "search", .detail = "{\"q\":\"other\"}"};
        assert_ok(audit_record(a, &ev, 0, &err), err);
    }
    assert_ok(audit_close(a, &err), err);
    /* the chain is consistent, but the signed checkpoint for 384 names the old entry */
    expect_fault(t.path, AUDIT_FAULT_CHECKPOINT_MISMATCH, 384);
    test_tmpdb_remove(&t);
}

static void test_replaced_public_key(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    flip_file_byte(path_with(&t, ".audit-pubkey"), 3);
    /* no checkpoint is signed by the replaced key: the first one is named */
    expect_fault(t.path, AUDIT_FAULT_BAD_SIGNATURE, EVERY);
    /* audit_open refuses to write with a mismatched pair */
    audit *a = NULL;
    core_error err;
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_IO);
    assert_null(a);
    test_tmpdb_remove(&t);
}

static void test_key_file_readable_by_others_is_refused(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    assert_int_equal(chmod(path_with(&t, ".audit-key"), 0644), 0);
    audit *a = NULL;
    core_error err;
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "read by others"));
    audit_verify_report r;
    assert_int_equal(verify_rc(t.path, &r, &err), CORE_E_IO);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    assert_int_equal(chmod(path_with(&t, ".audit-signing-key"), 0640), 0);
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_IO);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    assert_int_equal(unlink(path_with(&t, ".audit-key")), 0);
    assert_int_equal(verify_rc(t.path, &r, &err), CORE_E_NOT_FOUND);
    /* a started trail never gets a new key made for it */
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_NOT_FOUND);
    test_tmpdb_remove(&t);

    copy_trail(*state, &t);
    assert_int_equal(unlink(path_with(&t, ".audit-signing-key")), 0);
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_NOT_FOUND);
    test_tmpdb_remove(&t);
}

static void test_verify_without_a_trail(void **state)
{
    (void)state;
    audit_verify_report r;
    core_error err;
    assert_int_equal(verify_rc("/nonexistent/hearth.db", &r, &err), CORE_E_NOT_FOUND);

    /* a migrated database nobody has audited yet (no key, no checkpoints) verifies as empty */
    test_tmpdb t;
    assert_int_equal(test_tmpdb_make(&t), 0);
    store *s;
    assert_ok(store_open(&s, t.path, &err), err);
    assert_ok(store_migrate(s, &err), err);
    store_close(s);
    /* the public key is required even so */
    audit_verify_options none = {NULL, NULL};
    assert_int_equal(audit_verify(t.path, &none, &r, &err), CORE_E_USAGE);
    write_text(path_with(&t, ".audit-pubkey"), "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29\n");
    assert_ok(verify_rc(t.path, &r, &err), err);
    assert_int_equal(r.fault, AUDIT_FAULT_NONE);
    assert_int_equal(r.entries, 0);
    assert_int_equal(r.checkpoints, 0);
    /* ... but not once it has an entry and the key is gone */
    attack_sql(t.path, "CREATE TABLE audit_event (seq INTEGER PRIMARY KEY, at TEXT, action TEXT, prev_hash TEXT,\n"
                       "                          hash TEXT);\n"
                       "INSERT INTO audit_event (seq, at, action, prev_hash, hash) VALUES (1, 'x', 'read', '', '')");
    assert_int_equal(verify_rc(t.path, &r, &err), CORE_E_NOT_FOUND);
    test_tmpdb_remove(&t);
}

/* The trail's file removed whole (keys and checkpoints still there) is caught and named. */
static void test_deleted_trail_file(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    assert_int_equal(unlink(path_with(&t, ".audit")), 0);
    audit_verify_report r;
    core_error err;
    assert_int_equal(verify_rc(t.path, &r, &err), CORE_E_NOT_FOUND);
    assert_non_null(strstr(err.detail, ".audit is absent"));
    test_tmpdb_remove(&t);
}

/* ---- recording ---- */

static void test_reopen_continues_the_chain(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    for (int round = 0; round < 2; round++) {
        audit *a;
        core_error err;
        assert_ok(audit_open(&a, t.path, NULL, &err), err);
        for (int i = 0; i < 10; i++) {
            audit_event ev = {.actor_user_id = 3,
                              .actor_role = "governance",
                              .action = "export",
                              .detail = "{\"purpose\":\"subject_access\"}"};
            assert_ok(audit_record(a, &ev, AUDIT_DURABLE, &err), err);
            /* durable: already in the table when audit_record returns */
            assert_int_equal(query_int(t.path, "SELECT max(seq) FROM audit_event"),
                             TOTAL + round * 10 + i + 1);
        }
        assert_ok(audit_close(a, &err), err);
    }
    audit_verify_report r = verify(t.path);
    assert_int_equal(r.fault, AUDIT_FAULT_NONE);
    assert_int_equal(r.entries, TOTAL + 20);
    assert_int_equal(r.checkpoints, TOTAL / EVERY + 3); /* one more at each close */
    assert_int_equal(r.unsealed, 0);

    /* an open with nothing recorded adds no checkpoint */
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    assert_ok(audit_close(a, &err), err);
    assert_int_equal(verify(t.path).checkpoints, TOTAL / EVERY + 3);
    test_tmpdb_remove(&t);
}

static void test_record_refuses_malformed_events(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    audit_event none = {.actor_role = "practitioner"};
    assert_int_equal(audit_record(a, &none, 0, &err), CORE_E_INVALID_VALUE);
    audit_event upper = {.action = "Read"};
    assert_int_equal(audit_record(a, &upper, 0, &err), CORE_E_INVALID_VALUE);
    audit_event notjson = {.action = "search", .detail = "name=Smith"};
    assert_int_equal(audit_record(a, &notjson, 0, &err), CORE_E_INVALID_VALUE);
    assert_null(strstr(err.detail, "Smith")); /* the terms are not echoed */
    audit_event array = {.action = "search", .detail = "[1]"};
    assert_int_equal(audit_record(a, &array, 0, &err), CORE_E_INVALID_VALUE);
    audit_event orphan = {.action = "read", .target_id = 5};
    assert_int_equal(audit_record(a, &orphan, 0, &err), CORE_E_INVALID_VALUE);
    char *big = malloc(AUDIT_DETAIL_MAX + 16);
    assert_non_null(big);
    memset(big, ' ', AUDIT_DETAIL_MAX + 15);
    big[0] = '{';
    big[AUDIT_DETAIL_MAX + 14] = '}';
    big[AUDIT_DETAIL_MAX + 15] = '\0';
    audit_event huge = {.action = "search", .detail = big};
    assert_int_equal(audit_record(a, &huge, 0, &err), CORE_E_INVALID_VALUE);
    free(big);
    assert_ok(audit_flush(a, &err), err);
    assert_ok(audit_close(a, &err), err);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event"), TOTAL); /* nothing was queued */
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    test_tmpdb_remove(&t);
}

static void test_writer_fails_closed(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    audit_event ev = {.action = "read", .target_table = "person", .target_id = 1};
    assert_ok(audit_record(a, &ev, AUDIT_DURABLE, &err), err);
    /* the table disappears under the writer */
    attack_sql(t.path, "DROP TABLE audit_event");
    assert_ok(audit_record(a, &ev, 0, &err), err); /* queued: the failure is not known yet */
    core_error_clear(&err);
    assert_int_equal(audit_flush(a, &err), CORE_E_STORE);
    assert_string_equal(err.message, "audit trail cannot be written");
    assert_int_equal(audit_record(a, &ev, 0, &err), CORE_E_STORE); /* sticky: accesses are refused */
    assert_int_equal(audit_close(a, &err), CORE_E_STORE);          /* and the loss is reported */
    test_tmpdb_remove(&t);
}

/* ---- finding 19: keys kept apart, anchors, a starting server seals what a crash left unsigned ---- */

/* Drop the checkpoint file's lines after the first keep lines (what cutting the tail together with its
 * checkpoints does). */
static void keep_checkpoint_lines(const char *db, int keep)
{
    char path[700];
    snprintf(path, sizeof path, "%s.audit-checkpoints", db);
    long off = line_offset(path, keep + 1);
    assert_int_equal(truncate(path, off), 0);
}

static void anchor_to_file(const char *db, const char *file)
{
    char *json = NULL;
    core_error err;
    assert_ok(audit_anchor(db, &json, &err), err);
    FILE *fp = fopen(file, "wb");
    assert_non_null(fp);
    fputs(json, fp);
    fclose(fp);
    free(json);
}

static void test_finding_19_signing_key_is_its_own_file(void **state)
{
    fixture *f = *state;
    /* the hash key file holds no signing seed, and verification needs no signing key at all */
    const char *hk = read_text(path_with(&f->pristine, ".audit-key"));
    assert_null(strstr(hk, "sign_seed"));
    assert_non_null(strstr(hk, "hearth-audit-hash-key-v2\nhash_key="));
    test_tmpdb t;
    copy_trail(f, &t);
    assert_int_equal(unlink(path_with(&t, ".audit-signing-key")), 0);
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    test_tmpdb_remove(&t);

    /* a configured signing key path: made there (0600), nothing beside the database */
    assert_int_equal(test_tmpdb_make(&t), 0);
    core_error err;
    store *s;
    assert_ok(store_open(&s, t.path, &err), err);
    assert_ok(store_migrate(s, &err), err);
    store_close(s);
    char keyfile[700];
    snprintf(keyfile, sizeof keyfile, "%s/elsewhere.key", t.dir);
    audit_config cfg = {.signing_key = keyfile};
    audit *a;
    assert_ok(audit_open(&a, t.path, &cfg, &err), err);
    audit_event ev = {.action = "read", .target_table = "person", .target_id = 7};
    assert_ok(audit_record(a, &ev, 0, &err), err);
    assert_ok(audit_close(a, &err), err);
    struct stat st;
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_non_null(strstr(read_text(keyfile), "hearth-audit-signing-key-v1\nsign_seed="));
    assert_int_not_equal(stat(path_with(&t, ".audit-signing-key"), &st), 0);
    assert_int_equal(verify(t.path).entries, 1);
    /* opening without it (the default path has no key) is refused, not answered with a new key */
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_NOT_FOUND);
    test_tmpdb_remove(&t);
}

static void test_finding_19_old_combined_key_file_is_split(void **state)
{
    (void)state;
    test_tmpdb t;
    assert_int_equal(test_tmpdb_make(&t), 0);
    core_error err;
    store *s;
    assert_ok(store_open(&s, t.path, &err), err);
    assert_ok(store_migrate(s, &err), err);
    store_close(s);
    const char *v1 = "hearth-audit-key-v1\n"
                     "hash_key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
                     "sign_seed=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    write_text(path_with(&t, ".audit-key"), v1);
    assert_int_equal(chmod(path_with(&t, ".audit-key"), 0600), 0);
    /* the verifier does not read a seed, even to split it */
    audit_verify_report r;
    write_text(path_with(&t, ".audit-pubkey"), "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29\n");
    assert_int_equal(verify_rc(t.path, &r, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "still holds the signing seed"));
    assert_int_equal(unlink(path_with(&t, ".audit-pubkey")), 0);
    audit *a;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    audit_event ev = {.action = "read", .target_table = "person", .target_id = 1};
    assert_ok(audit_record(a, &ev, 0, &err), err);
    assert_ok(audit_close(a, &err), err);
    assert_null(strstr(read_text(path_with(&t, ".audit-key")), "sign_seed"));
    assert_non_null(strstr(read_text(path_with(&t, ".audit-signing-key")),
                           "sign_seed=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"));
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    test_tmpdb_remove(&t);
}

static void test_finding_19_anchor_catches_a_cut_tail(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    char anchor[700];
    snprintf(anchor, sizeof anchor, "%s/anchor.json", t.dir);
    anchor_to_file(t.path, anchor);
    const char *a = read_text(anchor);
    assert_non_null(strstr(a, "\"format\":\"hearth-audit-anchor-v1\""));
    assert_non_null(strstr(a, "\"seq\":360"));
    assert_int_equal(verify_anchored(t.path, anchor).fault, AUDIT_FAULT_NONE);

    /* cut entries 321..360 and the checkpoint line for 360: without the anchor this passes (the hole of
     * finding 19); with it, it fails */
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq > 320");
    keep_checkpoint_lines(t.path, 5);
    assert_int_equal(verify(t.path).fault, AUDIT_FAULT_NONE);
    audit_verify_report r = verify_anchored(t.path, anchor);
    assert_int_equal(r.fault, AUDIT_FAULT_ANCHOR);
    test_tmpdb_remove(&t);

    /* the checkpoint line kept but the entries cut: truncated up to the anchor */
    copy_trail(*state, &t);
    snprintf(anchor, sizeof anchor, "%s/anchor.json", t.dir);
    anchor_to_file(t.path, anchor);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "DELETE FROM audit_event WHERE seq > 300");
    expect_fault(t.path, AUDIT_FAULT_TRUNCATED, 301);
    test_tmpdb_remove(&t);

    /* an anchor from another key (or a forged one) is refused */
    copy_trail(*state, &t);
    snprintf(anchor, sizeof anchor, "%s/anchor.json", t.dir);
    anchor_to_file(t.path, anchor);
    char *text = strdup(read_text(anchor));
    char *sig = strstr(text, "\"signature\":\"");
    assert_non_null(sig);
    sig[14] = sig[14] == '0' ? '1' : '0';
    write_text(anchor, text);
    free(text);
    assert_int_equal(verify_anchored(t.path, anchor).fault, AUDIT_FAULT_ANCHOR);
    test_tmpdb_remove(&t);
}

static void test_finding_19_open_signs_what_a_crash_left_unsigned(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    /* 360 entries, the last checkpoint line (360) lost as in a crash: 40 entries unsigned */
    keep_checkpoint_lines(t.path, 5);
    audit_verify_report r = verify(t.path);
    assert_int_equal(r.fault, AUDIT_FAULT_NONE);
    assert_int_equal(r.unsealed, 40);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    r = verify(t.path); /* signed at open, before anything is recorded */
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(r.last_checkpoint_seq, TOTAL);
    assert_ok(audit_close(a, &err), err);
    test_tmpdb_remove(&t);

    /* an unsigned tail that was changed is not sealed: the open is refused */
    copy_trail(*state, &t);
    keep_checkpoint_lines(t.path, 5);
    attack_sql(t.path, DROP_TRIGGERS);
    attack_sql(t.path, "UPDATE audit_event SET detail = '{\"thread\":9}' WHERE seq = 350");
    assert_int_equal(audit_open(&a, t.path, NULL, &err), CORE_E_IO);
    assert_non_null(strstr(err.detail, "does not verify"));
    test_tmpdb_remove(&t);
}

/* ---- finding 16: a ticket per event, awaited before an answer goes ---- */

static void test_finding_16_await_makes_the_event_durable(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    audit_config cfg = {.batch_max = 1024};
    assert_ok(audit_open(&a, t.path, &cfg, &err), err);
    uint64_t last = 0;
    for (int i = 0; i < 5; i++) {
        audit_event ev = {.action = "read", .target_table = "person", .target_id = 900000 + i};
        uint64_t ticket = 0;
        assert_ok(audit_record_ticket(a, &ev, 0, &ticket, &err), err);
        assert_true(ticket > last);
        last = ticket;
    }
    assert_ok(audit_await(a, last, &err), err);
    /* committed when audit_await returns: all five, in one or more shared commits */
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event WHERE target_id >= 900000"), 5);
    assert_ok(audit_await(a, 0, &err), err); /* nothing to wait for */
    assert_ok(audit_close(a, &err), err);
    test_tmpdb_remove(&t);
}

/* audit_await_async: told once, from the writer, only after the events are committed (a server's parked
 * reads, http/README.md); or told the writer's error (fail closed). */
typedef struct told {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls, rc;
    int64_t rows_then; /* the events in the trail when told */
    const char *path;
} told;

static void told_fn(void *arg, int rc, const core_error *err)
{
    told *t = arg;
    int64_t rows = rc == 0 ? query_int(t->path, "SELECT count(*) FROM audit_event WHERE target_id >= 910000") : -1;
    if (rc)
        assert_non_null(err);
    pthread_mutex_lock(&t->mu);
    t->calls++;
    t->rc = rc;
    t->rows_then = rows;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static void told_wait(told *t)
{
    pthread_mutex_lock(&t->mu);
    while (t->calls == 0)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

static void test_finding_16_async_wait_is_told_once_committed(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    told tl = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, -1, -1, t.path};
    uint64_t last = 0;
    for (int i = 0; i < 5; i++) {
        audit_event ev = {.action = "read", .target_table = "person", .target_id = 910000 + i};
        assert_ok(audit_record_ticket(a, &ev, 0, &last, &err), err);
    }
    audit_waiter w;
    int rc = audit_await_async(a, last, &w, told_fn, &tl, &err);
    assert_true(rc == AUDIT_WAITING || rc == 0);
    if (rc == AUDIT_WAITING) {
        told_wait(&tl);
        assert_int_equal(tl.rc, 0);
        assert_int_equal(tl.rows_then, 5); /* all five committed before it was told */
    }
    /* already committed, or nothing to wait for: answered at once, never told */
    int calls = tl.calls;
    assert_int_equal(audit_await_async(a, last, &w, told_fn, &tl, &err), 0);
    assert_int_equal(audit_await_async(a, 0, &w, told_fn, &tl, &err), 0);
    assert_ok(audit_flush(a, &err), err);
    assert_int_equal(tl.calls, calls);

    /* the table disappears under the writer: the wait ends with the writer's error */
    attack_sql(t.path, "DROP TABLE audit_event");
    audit_event ev = {.action = "read", .target_table = "person", .target_id = 1};
    assert_ok(audit_record_ticket(a, &ev, 0, &last, &err), err);
    told tf = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, -1, -1, t.path};
    core_error_clear(&err);
    rc = audit_await_async(a, last, &w, told_fn, &tf, &err);
    int queued = rc == AUDIT_WAITING; /* or the failure was already known: answered at once */
    if (queued) {
        told_wait(&tf);
        rc = tf.rc;
    }
    assert_int_equal(rc, CORE_E_STORE);
    assert_int_equal(audit_close(a, &err), CORE_E_STORE);
    assert_int_equal(tf.calls, queued); /* told exactly once when queued, never otherwise */
    test_tmpdb_remove(&t);
}

/* ---- finding 17: a write's event in the outbox, committed with the write ---- */

static int64_t main_int(const char *db, const char *sql)
{
    store *s;
    core_error err;
    core_arena ar = CORE_ARENA_INIT;
    int64_t v = -1;
    assert_ok(store_open(&s, db, &err), err);
    assert_ok(store_query_int(s, &ar, sql, NULL, 0, &v, &err), err);
    core_arena_release(&ar);
    store_close(s);
    return v;
}

static void outbox_write(const char *db, int64_t target, int commit)
{
    store *s;
    core_error err;
    assert_ok(store_open(&s, db, &err), err);
    assert_ok(store_begin(s, &err), err);
    audit_event ev = {.actor_user_id = 2, .actor_role = "practitioner", .action = "create",
                      .target_table = "case_note", .target_id = target, .detail = "{\"fields\":[\"body\"]}"};
    int64_t id = 0;
    assert_ok(audit_outbox_add(s, &ev, &id, &err), err);
    assert_true(id > 0);
    if (commit)
        assert_ok(store_commit(s, &err), err);
    else
        store_rollback(s);
    store_close(s);
}

static void test_finding_17_outbox_commits_with_the_write(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    /* a write that rolls back leaves no event anywhere */
    outbox_write(t.path, 501, 0);
    assert_int_equal(main_int(t.path, "SELECT count(*) FROM audit_outbox"), 0);
    /* a committed one is moved into the chain when awaited, and leaves the outbox */
    store *s;
    assert_ok(store_open(&s, t.path, &err), err);
    assert_ok(store_begin(s, &err), err);
    audit_event ev = {.action = "create", .target_table = "case_note", .target_id = 502};
    int64_t id = 0;
    assert_ok(audit_outbox_add(s, &ev, &id, &err), err);
    assert_ok(store_commit(s, &err), err);
    store_close(s);
    assert_ok(audit_outbox_await(a, id, &err), err);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event WHERE target_id = 502"), 1);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_outbox_done"), 1);
    /* a malformed event is refused before it is stored */
    assert_ok(store_open(&s, t.path, &err), err);
    audit_event bad = {.action = "Create"};
    assert_int_equal(audit_outbox_add(s, &bad, NULL, &err), CORE_E_INVALID_VALUE);
    store_close(s);
    assert_ok(audit_close(a, &err), err);
    /* the row leaves the outbox once it is in the chain (waiters are let go before that delete) */
    assert_int_equal(main_int(t.path, "SELECT count(*) FROM audit_outbox"), 0);
    assert_int_equal(verify(t.path).entries, TOTAL + 1);
    test_tmpdb_remove(&t);
}

static void test_finding_17_open_drains_a_crashed_outbox_once(void **state)
{
    test_tmpdb t;
    copy_trail(*state, &t);
    /* writes committed while no audit writer ran (as when the server died before moving them) */
    outbox_write(t.path, 601, 1);
    outbox_write(t.path, 602, 1);
    outbox_write(t.path, 603, 1);
    audit *a;
    core_error err;
    assert_ok(audit_open(&a, t.path, NULL, &err), err); /* drained before it returns */
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event WHERE target_id BETWEEN 601 AND 603"),
                     3);
    assert_int_equal(main_int(t.path, "SELECT count(*) FROM audit_outbox"), 0);
    assert_ok(audit_close(a, &err), err);

    /* a crash after the trail committed but before the outbox rows were deleted: put one back as it was (its
     * id is in audit_outbox_done); the next open must not append it again */
    store *s;
    core_arena ar = CORE_ARENA_INIT;
    assert_ok(store_open(&s, t.path, &err), err);
    assert_ok(store_exec_script(s,
                                "INSERT INTO audit_outbox (id, at, action, target_table, target_id)\n"
                                "VALUES (2, '2026-11-23T12:00:00Z', 'create', 'case_note', 602)",
                                &err),
              err);
    core_arena_release(&ar);
    store_close(s);
    outbox_write(t.path, 604, 1);
    assert_ok(audit_open(&a, t.path, NULL, &err), err);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event WHERE target_id = 602"), 1);
    assert_int_equal(query_int(t.path, "SELECT count(*) FROM audit_event WHERE target_id = 604"), 1);
    assert_int_equal(main_int(t.path, "SELECT count(*) FROM audit_outbox"), 0);
    assert_ok(audit_close(a, &err), err);
    audit_verify_report r = verify(t.path);
    assert_int_equal(r.fault, AUDIT_FAULT_NONE);
    assert_int_equal(r.entries, TOTAL + 4);
    test_tmpdb_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact_trail_verifies),
        cmocka_unit_test(test_triggers_refuse_update_and_delete),
        cmocka_unit_test(test_one_byte_change_in_detail),
        cmocka_unit_test(test_changed_actor_and_timestamp),
        cmocka_unit_test(test_deleted_row),
        cmocka_unit_test(test_reordered_rows),
        cmocka_unit_test(test_inserted_row),
        cmocka_unit_test(test_truncated_tail),
        cmocka_unit_test(test_tampered_checkpoint_file),
        cmocka_unit_test(test_rewritten_table_against_checkpoint),
        cmocka_unit_test(test_replaced_public_key),
        cmocka_unit_test(test_key_file_readable_by_others_is_refused),
        cmocka_unit_test(test_verify_without_a_trail),
        cmocka_unit_test(test_deleted_trail_file),
        cmocka_unit_test(test_reopen_continues_the_chain),
        cmocka_unit_test(test_record_refuses_malformed_events),
        cmocka_unit_test(test_writer_fails_closed),
        cmocka_unit_test(test_finding_19_signing_key_is_its_own_file),
        cmocka_unit_test(test_finding_19_old_combined_key_file_is_split),
        cmocka_unit_test(test_finding_19_anchor_catches_a_cut_tail),
        cmocka_unit_test(test_finding_19_open_signs_what_a_crash_left_unsigned),
        cmocka_unit_test(test_finding_16_await_makes_the_event_durable),
        cmocka_unit_test(test_finding_16_async_wait_is_told_once_committed),
        cmocka_unit_test(test_finding_17_outbox_commits_with_the_write),
        cmocka_unit_test(test_finding_17_open_drains_a_crashed_outbox_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
