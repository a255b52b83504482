/*
 * cli_serve.c — `hearth init` and `hearth serve`.
 *
 * serve sizes the server (src/http/http.h, Threading): --connections open connections at most (the open-file
 * limit is raised to fit them, within the hard limit, and the limit is lowered with a warning when the hard
 * limit is too low), --threads handler threads (the store pool gets one handle each), --idle-timeout seconds
 * of silence before a connection is closed, --per-address-limit connections from one address.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/api.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/core_log.h"
#include "core/core_parse.h"
#include "http/http.h"
#include "store/store.h"

enum {
    CHECKPOINT_SECONDS = 60,
    /* files besides the connections: the listen socket, event-loop descriptors, the log, the audit trail,
     * and per store handle the database, its WAL and shared memory, and the attached trail with its own */
    FILES_BASE = 64,
    FILES_PER_HANDLE = 8,
};

static const char SQL_ATTACH_TRAIL[] = "ATTACH DATABASE $1 AS trail";

int cli_init(int argc, char **argv)
{
    const char *db = cli_db_only(argc, argv, "init");
    if (!db)
        return CLI_USAGE;
    core_error err;
    core_error_clear(&err);
    store *s;
    int rc = store_open(&s, db, &err);
    if (rc == 0)
        rc = store_migrate(s, &err);
    int version = 0;
    if (rc == 0)
        rc = store_schema_version(s, &version, &err);
    audit *trail = NULL; /* creates the audit keys beside the database when they are absent */
    if (rc == 0)
        rc = audit_open(&trail, db, NULL, &err);
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

/* Raise the soft open-file limit to what conns connections and threads store handles need, within the hard
 * limit; when the hard limit is lower, lower conns to fit and warn. Logged either way (event open_files). */
static void files_fit(int64_t *conns, int threads)
{
    rlim_t extra = FILES_BASE + (rlim_t)threads * FILES_PER_HANDLE;
    rlim_t need = (rlim_t)*conns + extra;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    char soft[24], hard[24], before[24], wanted[24], conn[24];
    snprintf(soft, sizeof(soft), "%ju", (uintmax_t)rl.rlim_cur);
    snprintf(hard, sizeof(hard), "%ju", rl.rlim_max == RLIM_INFINITY ? UINTMAX_MAX : (uintmax_t)rl.rlim_max);
    snprintf(before, sizeof(before), "%ju", (uintmax_t)was);
    snprintf(wanted, sizeof(wanted), "%" PRId64, *conns);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        *conns = rl.rlim_cur > extra + 16 ? (int64_t)(rl.rlim_cur - extra) : 16;
        snprintf(conn, sizeof(conn), "%" PRId64, *conns);
        core_log(CORE_LOG_WARN, "open_files", "soft_limit", soft, "hard_limit", hard, "connections_wanted", wanted,
                 "connections", conn, "hint", "raise the hard limit (ulimit -Hn, LimitNOFILE=) to serve more",
                 CORE_LOG_END);
        return;
    }
    core_log(CORE_LOG_INFO, "open_files", "soft_limit", soft, "was", before, "hard_limit", hard, "connections", wanted,
             CORE_LOG_END);
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int cli_serve(int argc, char **argv)
{
    const char *db = NULL, *address = "127.0.0.1";
    int64_t port = 8080, conns = HTTP_DEFAULT_CONNECTIONS, threads = http_default_threads();
    int64_t idle = HTTP_DEFAULT_IDLE_TIMEOUT, per_address = 0;
    int secure_cookies = 0;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"connections", required_argument, NULL, 'c'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"idle-timeout", required_argument, NULL, 'i'},
                                         {"per-address-limit", required_argument, NULL, 'l'},
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
            if (core_parse_int64(optarg, strlen(optarg), 16, 1000000, &conns)) {
                fprintf(stderr, "hearth serve: --connections must be 16..1000000\n");
                return CLI_USAGE;
            }
            break;
        case 't':
            if (core_parse_int64(optarg, strlen(optarg), 1, 256, &threads)) {
                fprintf(stderr, "hearth serve: --threads must be 1..256\n");
                return CLI_USAGE;
            }
            break;
        case 'i':
            if (core_parse_int64(optarg, strlen(optarg), 1, 3600, &idle)) {
                fprintf(stderr, "hearth serve: --idle-timeout must be 1..3600 seconds\n");
                return CLI_USAGE;
            }
            break;
        case 'l':
            if (core_parse_int64(optarg, strlen(optarg), 0, 1000000, &per_address)) {
                fprintf(stderr, "hearth serve: --per-address-limit must be 0 (no limit)..1000000\n");
                return CLI_USAGE;
            }
            break;
        case 's': secure_cookies = 1; break;
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
        rc = store_pool_open(&pool, db, (int)threads, &err); /* one handle per handler thread */
    if (rc == 0)
        rc = audit_open(&trail, db, NULL, &err);
    if (rc == 0) { /* the trail, readable from every handle as schema "trail" (the access report reads it) */
        char *trail_path = audit_trail_path(db);
        store_value p[] = {store_v_text(trail_path)};
        rc = store_pool_exec_each(pool, SQL_ATTACH_TRAIL, p, 1, &err);
        free(trail_path);
    }
    http_server *srv = NULL;
    int bound = 0;
    if (rc == 0) {
        files_fit(&conns, (int)threads);
        http_config cfg = {.address = address,
                           .port = (int)port,
                           .routes = api_routes,
                           .nroutes = api_routes_count,
                           .pool = pool,
                           .audit = trail,
                           .max_connections = (int)conns,
                           .threads = (int)threads,
                           .idle_timeout = (int)idle,
                           .per_address_limit = (int)per_address,
                           .cookie_secure = secure_cookies};
        rc = http_server_start(&srv, &cfg, &bound, &err);
    }
    if (rc) {
        cli_print_error(&err);
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
    char portbuf[16], url[96], nthreads[24], nconns[24], nidle[24], nper[24];
    snprintf(portbuf, sizeof(portbuf), "%d", bound);
    snprintf(url, sizeof(url), "http://%s:%d", address, bound);
    snprintf(nthreads, sizeof(nthreads), "%" PRId64, threads);
    snprintf(nconns, sizeof(nconns), "%" PRId64, conns);
    snprintf(nidle, sizeof(nidle), "%" PRId64, idle);
    snprintf(nper, sizeof(nper), "%" PRId64, per_address);
    core_log(CORE_LOG_INFO, "server_started", "url", url, "port", portbuf, "database", db, "threads", nthreads,
             "connections", nconns, "idle_timeout", nidle, "per_address_limit", nper, CORE_LOG_END);
    /* A signed checkpoint every minute, so that cutting off the newest audit entries is caught. */
    for (int ticks = 0; !stop_requested; ticks++) {
        sleep(1);
        if (ticks % CHECKPOINT_SECONDS == CHECKPOINT_SECONDS - 1 && audit_checkpoint(trail, &err) != 0) {
            core_log(CORE_LOG_ERROR, "audit_checkpoint_failed", "detail", err.detail, CORE_LOG_END);
            break; /* the trail can no longer be trusted: stop serving rather than serve unaudited */
        }
    }
    core_log(CORE_LOG_INFO, "server_stopping", CORE_LOG_END);
    http_server_stop(srv);
    int crc = audit_close(trail, &err);
    store_pool_close(pool);
    if (crc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return stop_requested ? CLI_OK : CLI_FAIL;
}
