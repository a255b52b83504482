/*
 * report_pseudo.c — the key behind research pseudonyms, and the pseudonyms (contract in report.h).
 *
 * The key is 32 random bytes in PATH.research-key beside an SQLite database, or for PostgreSQL in
 * $HEARTH_AUDIT_DIR/hearth.research-key beside the trail's keys (audit_path()) (text "hearth-research-key-v1\nkey=<64
 * hex>\n", mode 0600, refused when group or others may read it), made on first use. It never leaves Hearth:
 * only pseudonyms made with it do. A pseudonym is BLAKE2b-128 keyed by it over the recipient, the kind of
 * reference and the id, so one family has the same reference in every extract for one recipient and an
 * unrelated one for another, and nobody without the key can go back from a reference to the family.
 */
#include "report/report.h"
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MAGIC[] = "hearth-research-key-v1\nkey=";

static int key_read(const char *path, unsigned char key[32], core_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 1 : core_error_set(err, CORE_E_IO, "cannot read %s", path);
    struct stat st;
    char text[160];
    ssize_t n = fstat(fd, &st) == 0 && !(st.st_mode & 077) ? read(fd, text, sizeof text - 1) : -2;
    close(fd);
    if (n == -2) {
        core_error_set(err, CORE_E_IO, "%s may be read by others than its owner", path);
        return core_error_hint(err, "chmod 600 %s", path);
    }
    text[n > 0 ? n : 0] = '\0';
    size_t m = strlen(MAGIC), got = 0;
    if (n < (ssize_t)(m + 64) || strncmp(text, MAGIC, m) != 0 ||
        sodium_hex2bin(key, 32, text + m, 64, NULL, &got, NULL) != 0 || got != 32)
        return core_error_set(err, CORE_E_IO, "%s is not a research key file", path);
    return 0;
}

int report_research_key(const char *db_path, unsigned char key[32], core_error *err)
{
    int dir_rc = audit_pg_dir_check(db_path, err); /* PostgreSQL: no "beside", HEARTH_AUDIT_DIR must be set */
    if (dir_rc != 0)
        return dir_rc;
    char *path = audit_path(db_path, ".research-key");
    int rc = key_read(path, key, err);
    if (rc == 1) { /* none yet: make it, exclusively, so two first uses cannot make two keys */
        randombytes_buf(key, 32);
        char hex[65], text[160];
        sodium_bin2hex(hex, sizeof hex, key, 32);
        int n = snprintf(text, sizeof text, "%s%s\n", MAGIC, hex);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            rc = write(fd, text, (size_t)n) == n && fsync(fd) == 0 ? 0 : core_error_set(err, CORE_E_IO, "cannot "
                                                                                        "write %s", path);
            close(fd);
        } else if (errno == EEXIST) {
            rc = key_read(path, key, err); /* another process made it first: use theirs */
        } else {
            rc = core_error_set(err, CORE_E_IO, "cannot create %s", path);
        }
        sodium_memzero(hex, sizeof hex);
        sodium_memzero(text, sizeof text);
    }
    free(path);
    return rc;
}

void report_pseudonym(const unsigned char key[32], const char *recipient, const char *kind, int64_t id,
                      char out[REPORT_PSEUDONYM_SIZE])
{
    crypto_generichash_state st;
    unsigned char h[16];
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    crypto_generichash_init(&st, key, 32, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)recipient, strlen(recipient) + 1); /* its NUL too */
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_generichash_update(&st, (const unsigned char *)idtext, strlen(idtext));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, REPORT_PSEUDONYM_SIZE, h, sizeof h);
}
