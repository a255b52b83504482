/*
 * cli_serve.c — `hearth init` and `hearth serve`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "api/api.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/core_log.h"
#include "core/core_parse.h"
#include "http/http.h"
#include "store/store.h"

enum { POOL_SIZE = 16, CHECKPOINT_SECONDS = 60, WAL_KEEPER_MS = 2000, WAL_TRUNCATE_FRAMES = 4096 };

static const char SQL_ATTACH_TRAIL[] = "ATTACH DATABASE $1 AS trail";

int cli_init(int argc, char **argv)
{
    const char *db = NULL;
    audit_config acfg = {0};
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"signing-key", required_argument, NULL, 'k'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': acfg.signing_key = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth init: --db PATH is required (--signing-key FILE optional)\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    store *s;
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    int version = 0;
    if (rc == 0)
        rc = store_schema_version(s, &version, &err);
    audit *trail = NULL; /* creates the audit keys when they are absent (src/audit/README.md: Keys) */
    if (rc == 0)
        rc = audit_open(&trail, db, &acfg, &err);
    if (rc == 0)
        rc = audit_close(trail, &err);
    if (rc == 0)
        printf("database %s is at schema version %d\n", db, version);
    else
        cli_print_error(&err);
    if (s)
        store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int cli_serve(int argc, char **argv)
{
    const char *db = NULL, *address = "127.0.0.1";
    int64_t port = 8080, conns = 512;
    int secure_cookies = 0;
    audit_config acfg = {0};
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"signing-key", required_argument, NULL, 'k'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"connections", required_argument, NULL, 'c'},
                                         {"secure-cookies", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': address = optarg; break;
        case 'p':
            if (core_parse_int64(optarg, strlen(optarg), 0, 65535, &port)) {
                fprintf(stderr, "hearth serve: --port must be 0..65535\n");
                return CLI_USAGE;
            }
            break;
        case 'c':
            if (core_parse_int64(optarg, strlen(optarg), 1, 10000, &conns)) {
                fprintf(stderr, "hearth serve: --connections must be 1..10000\n");
                return CLI_USAGE;
            }
            break;
        case 's': secure_cookies = 1; break;
        case 'k': acfg.signing_key = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth serve: --db PATH is required\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    store *s = NULL;
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    if (s)
        store_close(s);
    store_pool *pool = NULL;
    audit *trail = NULL;
    if (rc == 0)
        rc = store_pool_open(&pool, db, POOL_SIZE, &err);
    if (rc == 0)
        rc = audit_open(&trail, db, &acfg, &err);
    if (rc == 0) { /* the trail, readable from every handle as schema "trail" (the access report reads it) */
        char *trail_path = audit_trail_path(db);
        store_value p[] = {store_v_text(trail_path)};
        rc = store_pool_exec_each(pool, SQL_ATTACH_TRAIL, p, 1, &err);
        free(trail_path);
    }
    /* The write-ahead logs of the database and the trail are checkpointed while serving (finding 20). */
    store_wal_keeper *keep_db = NULL, *keep_trail = NULL;
    if (rc == 0)
        rc = store_wal_keeper_start(&keep_db, db, WAL_KEEPER_MS, WAL_TRUNCATE_FRAMES, &err);
    if (rc == 0) {
        char *trail_path = audit_trail_path(db);
        rc = store_wal_keeper_start(&keep_trail, trail_path, WAL_KEEPER_MS, WAL_TRUNCATE_FRAMES, &err);
        free(trail_path);
    }
    http_server *srv = NULL;
    int bound = 0;
    if (rc == 0) {
        http_config cfg = {address, (int)port, api_routes,     api_routes_count,
                           pool,    trail,     (int)conns, secure_cookies};
        rc = http_server_start(&srv, &cfg, &bound, &err);
    }
    if (rc) {
        cli_print_error(&err);
        store_wal_keeper_stop(keep_db);
        store_wal_keeper_stop(keep_trail);
        audit_close(trail, NULL);
        store_pool_close(pool);
        return CLI_FAIL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a full disk (storage_full), not a reason to die */
    char portbuf[16], url[96];
    snprintf(portbuf, sizeof(portbuf), "%d", bound);
    snprintf(url, sizeof(url), "http://%s:%d", address, bound);
    core_log(CORE_LOG_INFO, "server_started", "url", url, "port", portbuf, "database", db, CORE_LOG_END);
    /* A signed checkpoint every minute, so that cutting off the newest audit entries is caught. A checkpoint
     * that cannot be written (a full disk) is logged and tried again at the next tick: the server keeps
     * running, and the audit writer's sticky error already refuses reads it cannot record (fail closed), so
     * stopping would only turn a recoverable full disk into an outage (finding 20 of issue 9). */
    int cp_failing = 0;
    for (int ticks = 0; !stop_requested; ticks++) {
        sleep(1);
        if (ticks % CHECKPOINT_SECONDS == CHECKPOINT_SECONDS - 1) {
            if (audit_checkpoint(trail, &err) != 0) {
                if (!cp_failing)
                    core_log(CORE_LOG_ERROR, "audit_checkpoint_failed", "detail", err.detail, CORE_LOG_END);
                cp_failing = 1;
            } else if (cp_failing) {
                core_log(CORE_LOG_INFO, "audit_checkpoint_recovered", CORE_LOG_END);
                cp_failing = 0;
            }
        }
    }
    core_log(CORE_LOG_INFO, "server_stopping", CORE_LOG_END);
    http_server_stop(srv);
    store_wal_keeper_stop(keep_db);
    store_wal_keeper_stop(keep_trail);
    int crc = audit_close(trail, &err);
    store_pool_close(pool);
    if (crc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return stop_requested ? CLI_OK : CLI_FAIL;
}
