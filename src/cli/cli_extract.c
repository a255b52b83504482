/*
 * cli_extract.c — the national evaluation extract (src/report/, docs/extracts.md):
 *
 *   hearth extract national --db PATH --period FROM..TO --recipient-key FILE --out FILE
 *                           [--policy FILE] [--share CODE] [--la-code CODE]
 *   hearth extract keypair --public FILE --secret FILE     a recipient's key pair (for a recipient without one)
 *   hearth extract open --secret-key FILE --in FILE        what the recipient does: the extract, decrypted
 *
 * Keys are files of 64 hexadecimal characters (32 bytes), a newline allowed. The extract is written beside
 * FILE and renamed into place when complete, then the disclosure log is written; if the log cannot be
 * written the file is removed, so no extract leaves unlogged. Counts go to stderr, never names.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "report/report.h"

enum { KEY_FILE_MAX = 256, EXTRACT_MAX = 512 * 1024 * 1024 };

static int read_key(const char *path, unsigned char *key, size_t len, const char *what)
{
    FILE *f = fopen(path, "rb");
    char text[KEY_FILE_MAX + 1];
    size_t n = f ? fread(text, 1, KEY_FILE_MAX, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        text[--n] = '\0';
    size_t got = 0;
    if (!f || n != 2 * len || sodium_hex2bin(key, len, text, n, NULL, &got, NULL) != 0 || got != len) {
        fprintf(stderr, "hearth extract: %s %s is not %zu hexadecimal characters\n", what, path, 2 * len);
        return -1;
    }
    return 0;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    size_t n = strlen(path) + 8;
    char *tmp = core_xmalloc(n);
    snprintf(tmp, n, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok)
        chmod(tmp, mode);
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok)
        remove(tmp);
    free(tmp);
    if (!ok)
        fprintf(stderr, "hearth extract: cannot write %s\n", path);
    return ok ? 0 : -1;
}

int cli_extract_keypair(int argc, char **argv)
{
    const char *pub = NULL, *sec = NULL;
    static const struct option opts[] = {{"public", required_argument, NULL, 'p'},
                                         {"secret", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p')
            pub = optarg;
        else if (c == 's')
            sec = optarg;
        else
            return CLI_USAGE;
    }
    if (!pub || !sec || optind != argc) {
        fprintf(stderr, "hearth extract keypair: --public FILE and --secret FILE are required\n");
        return CLI_USAGE;
    }
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    char hp[2 * sizeof pk + 2], hs[2 * sizeof sk + 2];
    sodium_bin2hex(hp, sizeof hp - 1, pk, sizeof pk);
    sodium_bin2hex(hs, sizeof hs - 1, sk, sizeof sk);
    hp[2 * sizeof pk] = '\n', hp[2 * sizeof pk + 1] = '\0';
    hs[2 * sizeof sk] = '\n', hs[2 * sizeof sk + 1] = '\0';
    int rc = write_file(sec, hs, strlen(hs), 0600) || write_file(pub, hp, strlen(hp), 0644);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(hs, sizeof hs);
    return rc ? CLI_FAIL : CLI_OK;
}

int cli_extract_open(int argc, char **argv)
{
    const char *key = NULL, *in = NULL;
    static const struct option opts[] = {{"secret-key", required_argument, NULL, 'k'},
                                         {"in", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k')
            key = optarg;
        else if (c == 'i')
            in = optarg;
        else
            return CLI_USAGE;
    }
    if (!key || !in || optind != argc) {
        fprintf(stderr, "hearth extract open: --secret-key FILE and --in FILE are required\n");
        return CLI_USAGE;
    }
    unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
    if (read_key(key, sk, sizeof sk, "secret key"))
        return CLI_FAIL;
    crypto_scalarmult_base(pk, sk);
    FILE *f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "hearth extract open: cannot read %s\n", in);
        return CLI_FAIL;
    }
    core_buf b;
    core_buf_init(&b, EXTRACT_MAX);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        core_buf_add(&b, chunk, n);
    fclose(f);
    int status = CLI_OK;
    if (!core_buf_ok(&b) || b.len < crypto_box_SEALBYTES) {
        fprintf(stderr, "hearth extract open: %s is not an extract\n", in);
        status = CLI_FAIL;
    } else {
        size_t len = b.len - crypto_box_SEALBYTES;
        unsigned char *plain = core_xmalloc(len + 1);
        if (crypto_box_seal_open(plain, (const unsigned char *)b.data, b.len, pk, sk) != 0) {
            fprintf(stderr, "hearth extract open: this key does not open %s\n", in);
            status = CLI_FAIL;
        } else if (fwrite(plain, 1, len, stdout) != len) {
            status = CLI_FAIL;
        }
        sodium_memzero(plain, len);
        free(plain);
    }
    core_buf_release(&b);
    sodium_memzero(sk, sizeof sk);
    return status;
}

int cli_extract_national(int argc, char **argv)
{
    const char *db = NULL, *period = NULL, *key = NULL, *out = NULL, *policy_path = NULL;
    report_national_options o = {0};
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"recipient-key", required_argument, NULL, 'k'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"policy", required_argument, NULL, 'P'},
                                         {"share", required_argument, NULL, 's'},
                                         {"la-code", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': period = optarg; break;
        case 'k': key = optarg; break;
        case 'o': out = optarg; break;
        case 'P': policy_path = optarg; break;
        case 's': o.share = optarg; break;
        case 'l': o.la_code = optarg; break;
        default: return CLI_USAGE;
        }
    }
    const char *dots = period ? strstr(period, "..") : NULL;
    if (!db || !dots || !key || !out || optind != argc) {
        fprintf(stderr, "hearth extract national: --db PATH, --period FROM..TO, --recipient-key FILE and --out FILE "
                        "are required (see --help)\n");
        return CLI_USAGE;
    }
    char from[16] = "", to[16] = "";
    snprintf(from, sizeof from, "%.*s", (int)(dots - period) < 15 ? (int)(dots - period) : 15, period);
    snprintf(to, sizeof to, "%s", dots + 2);
    o.from = from;
    o.to = to;
    if (read_key(key, o.recipient_pk, sizeof o.recipient_pk, "recipient key"))
        return CLI_FAIL;
    policy *pol = NULL;
    if (cli_policy_open(policy_path, &pol) != CLI_OK)
        return CLI_FAIL;
    core_error err;
    core_error_clear(&err);
    if (!pol) {
        core_error_set(&err, CORE_E_USAGE, "no policy file: the extract sends what the policy's research share lists");
        core_error_hint(&err, "give it with --policy FILE");
        cli_print_error(&err);
        return CLI_FAIL;
    }
    o.policy = pol;
    cli_db d;
    if (cli_db_open(&d, db, &err)) {
        cli_print_error(&err);
        policy_free(pol);
        return CLI_FAIL;
    }
    /* A pseudonymised share's references are keyed with the research key beside the database. */
    unsigned char research_key[32];
    if (report_share_pseudonymised(pol, o.share) == 1) {
        if (report_research_key(db, research_key, &err)) {
            cli_print_error(&err);
            core_error_clear(&err);
            cli_db_close(&d, &err);
            policy_free(pol);
            return CLI_FAIL;
        }
        o.research_key = research_key;
    }
    report_national_result res;
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    int rc = report_national_build(d.s, &d.arena, &o, &sealed, &sealed_len, &res, &err);
    int status = CLI_OK;
    if (rc == 0 && write_file(out, sealed, sealed_len, 0600) != 0)
        rc = core_error_set(&err, CORE_E_IO, "cannot write %s", out);
    if (rc == 0 && (rc = report_national_log(d.s, &d.arena, &o, &res, NULL, &err)) != 0)
        remove(out); /* no extract leaves unlogged */
    free(sealed);
    sodium_memzero(research_key, sizeof research_key);
    if (rc) {
        cli_print_error(&err);
        status = CLI_FAIL;
    } else {
        fprintf(stderr,
                "hearth extract national: %s for %s, %s..%s: %" PRIu64 " people disclosed (logged), %" PRIu64
                " left out who objected, %" PRIu64 " left out whose processing is restricted; destroy by %s; "
                "extract %.16s\n",
                res.share, res.recipient ? res.recipient : "?", from, to, res.people, res.objected, res.restricted,
                res.destroy_due[0] ? res.destroy_due : "(not set)", res.extract_ref);
        json_t *detail = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "dataset", res.share, "from", from, "to", to,
                                   "people", (json_int_t)res.people, "objected", (json_int_t)res.objected,
                                   "restricted", (json_int_t)res.restricted, "extract", res.extract_ref);
        if (cli_db_record(&d, "extract_national", "disclosure", 0, detail, &err)) {
            cli_print_error(&err);
            status = CLI_FAIL;
        }
    }
    core_error_clear(&err);
    if (cli_db_close(&d, &err)) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    policy_free(pol);
    return status;
}
