/*
 * cli_serve.c — `hearth init` and `hearth serve`.
 *
 * serve sizes the server (src/http/http.h, Threading): --connections open connections at most (the open-file
 * limit is raised to fit them, within the hard limit, and the limit is lowered with a warning when the hard
 * limit is too low), --threads handler threads (the store pool gets one handle each), --idle-timeout seconds
 * of silence before a connection is closed, --per-address-limit connections from one address.
 * --policy FILE is the council's policy (GET /privacy renders it); without it the server looks for
 * DEFAULT_POLICY in the working directory, then in the source tree the program was built in (the program
 * is BUILD_DIR/hearth, the profiles ../policy/), and serves without a policy (GET /privacy answers 404,
 * and a warning is logged) when neither exists.
 * --assets DIR is govuk-frontend's built files (node_modules/govuk-frontend/dist/govuk, installed by
 * script/bootstrap from package-lock.json), served under /assets/; without it the server looks for
 * DEFAULT_ASSETS the same way as the policy (the working directory, then the source tree), and serves pages
 * unstyled (a warning is logged) when neither exists. The web pages' routes (web/web_routes.c) come first in
 * the one array the server matches, then the API's.
 * Long work runs as background jobs (src/jobs/README.md): a worker thread per kind (cli_job_kinds) claims
 * queued jobs and runs each in a `hearth job run` process limited to --job-memory MB of private memory
 * (default half the machine's memory; src/jobs/README.md), so a job that runs out of memory fails alone; a
 * link run that succeeds is recorded in the audit trail for the user who asked for it, and the events a job
 * left in the audit outbox are moved into the chain (on_job_finished).
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
#include "jobs/jobs.h"
#include "policy/policy.h"
#include "store/store.h"
#include "web/web.h"
#include "web/web_strings.h"

enum {
    CHECKPOINT_SECONDS = 60,
    WAL_KEEPER_MS = 2000,
    WAL_TRUNCATE_FRAMES = 4096,
    /* files besides the connections: the listen socket, event-loop descriptors, the log, the audit trail,
     * and per store handle the database, its WAL and shared memory, and the attached trail with its own */
    FILES_BASE = 64,
    FILES_PER_HANDLE = 8,
};

static const char DEFAULT_ASSETS[] = "node_modules/govuk-frontend/dist/govuk";


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

/* The default memory limit of a job's process: half the machine's memory, at least 256 MiB. */
static int64_t job_memory_default(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    int64_t mb = pages > 0 && size > 0 ? (int64_t)((uint64_t)pages * (uint64_t)size / 2 >> 20) : 0;
    return mb < 256 ? 256 : mb;
}

/* A job that finished well is recorded in the audit trail for whoever asked for it, as the request that ran
 * the work used to record it: a link run as "link_run" on its link_run row with the counts. */
static void on_job_finished(void *ctx, const jobs_outcome *o)
{
    audit *trail = ctx;
    if (strcmp(o->state, "succeeded") != 0 || !o->result)
        return;
    json_error_t je;
    json_t *res = json_loads(o->result, 0, &je);
    /* a job that wrote events into the audit outbox (a retention run's disposals): into the chain now */
    int64_t high = json_integer_value(json_object_get(res, "outbox_high"));
    core_error werr;
    core_error_clear(&werr);
    if (high > 0 && audit_outbox_await(trail, high, &werr) != 0)
        core_log(CORE_LOG_ERROR, "job_events_not_moved", "detail", werr.detail, "hint",
                 "they are safe in the audit outbox: the next server start moves them", CORE_LOG_END);
    if (strcmp(o->kind, "link_run") != 0) {
        json_decref(res);
        return;
    }
    int64_t run = json_integer_value(json_object_get(res, "id"));
    json_object_set_new(res, "job", json_integer(o->id));
    char *detail = res ? json_dumps(res, JSON_COMPACT) : NULL;
    json_decref(res);
    audit_event ev = {o->created_by, NULL, "link_run", "link_run", run, detail, NULL};
    core_error err;
    core_error_clear(&err);
    if (audit_record(trail, &ev, AUDIT_DURABLE, &err) != 0)
        core_log(CORE_LOG_ERROR, "job_not_audited", "detail", err.detail, CORE_LOG_END);
    free(detail);
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
    int64_t idle = HTTP_DEFAULT_IDLE_TIMEOUT, per_address = 0, job_memory = job_memory_default();
    int secure_cookies = 0;
    const char *policy_path = NULL, *assets_dir = NULL;
    audit_config acfg = {0};
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"signing-key", required_argument, NULL, 'k'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"connections", required_argument, NULL, 'c'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"idle-timeout", required_argument, NULL, 'i'},
                                         {"per-address-limit", required_argument, NULL, 'l'},
                                         {"secure-cookies", no_argument, NULL, 's'},
                                         {"policy", required_argument, NULL, 'P'},
                                         {"assets", required_argument, NULL, 'A'},
                                         {"job-memory", required_argument, NULL, 'M'},
                                         {"lang", required_argument, NULL, 'L'},
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
        case 'k': acfg.signing_key = optarg; break;
        case 'P': policy_path = optarg; break;
        case 'A': assets_dir = optarg; break;
        case 'M':
            if (core_parse_int64(optarg, strlen(optarg), 0, INT64_C(1) << 30, &job_memory)) {
                fprintf(stderr, "hearth serve: --job-memory is a number of MiB (0: no limit)\n");
                return CLI_USAGE;
            }
            break;
        case 'L':
            if (web_strings_use(optarg)) { /* before any thread starts: the pages' language */
                fprintf(stderr, "hearth serve: --lang is en or cy\n");
                return CLI_USAGE;
            }
            break;
        default: return CLI_USAGE;
        }
    }
    if (!db || optind != argc) {
        fprintf(stderr, "hearth serve: --db PATH is required\n");
        return CLI_USAGE;
    }
    core_error err;
    core_error_clear(&err);
    /* The council's policy first: a policy that does not load stops the server before anything is opened. */
    policy *pol = NULL;
    if (cli_policy_open(policy_path, &pol) != CLI_OK)
        return CLI_FAIL;
    if (pol)
        core_log(CORE_LOG_INFO, "policy_loaded", "policy", pol->path, "profile", pol->profile, CORE_LOG_END);
    else
        core_log(CORE_LOG_WARN, "no_policy", "hint", "start with --policy FILE: GET /privacy answers 404 until then",
                 CORE_LOG_END);
    /* The web application: govuk-frontend's files, and the council's name for every page title. */
    char *found_assets = assets_dir ? NULL : cli_find_default(DEFAULT_ASSETS);
    const char *council = pol ? json_string_value(json_object_get(json_object_get(pol->doc, "controller"), "name"))
                              : NULL;
    web_app *web = NULL;
    if (web_app_open(&web, assets_dir ? assets_dir : found_assets, council, &err) != 0) {
        free(found_assets);
        cli_print_error(&err);
        policy_free(pol);
        return CLI_FAIL;
    }
    free(found_assets);
    char nassets[16];
    snprintf(nassets, sizeof(nassets), "%d", web_app_asset_count(web));
    core_log(CORE_LOG_INFO, "web_assets_loaded", "files", nassets, CORE_LOG_END);
    api_app app = {pol, web, db};
    /* One route array for the server: the pages, then the API. */
    size_t nroutes = web_routes_count + api_routes_count;
    http_route *routes = core_xmalloc(nroutes * sizeof(*routes));
    memcpy(routes, web_routes, web_routes_count * sizeof(*routes));
    memcpy(routes + web_routes_count, api_routes, api_routes_count * sizeof(*routes));
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
        rc = audit_open(&trail, db, &acfg, &err);
    int on_pg = store_target_is_pg(db); /* there the trail is in the database itself: nothing to attach or keep */
    if (rc == 0 && !on_pg) { /* the trail, readable from every handle as schema "trail" (the access report reads it) */
        char *trail_path = audit_trail_path(db);
        store_value p[] = {store_v_text(trail_path)};
        rc = store_pool_exec_each(pool, SQL_ATTACH_TRAIL, p, 1, &err);
        free(trail_path);
    }
    /* The write-ahead logs of the database and the trail are checkpointed while serving (finding 20). */
    store_wal_keeper *keep_db = NULL, *keep_trail = NULL;
    if (rc == 0 && !on_pg)
        rc = store_wal_keeper_start(&keep_db, db, WAL_KEEPER_MS, WAL_TRUNCATE_FRAMES, &err);
    if (rc == 0 && !on_pg) {
        char *trail_path = audit_trail_path(db);
        rc = store_wal_keeper_start(&keep_trail, trail_path, WAL_KEEPER_MS, WAL_TRUNCATE_FRAMES, &err);
        free(trail_path);
    }
    /* The job workers, before the server takes requests that queue jobs. */
    jobs_runner *runner = NULL;
    if (rc == 0) {
        jobs_runner_config jc = {.db = db, .kinds = cli_job_kinds, .memory_mb = (uint64_t)job_memory,
                                 .on_finish = on_job_finished, .ctx = trail};
        rc = jobs_runner_start(&runner, &jc, &err);
        app.jobs = runner;
    }
    http_server *srv = NULL;
    int bound = 0;
    if (rc == 0) {
        files_fit(&conns, (int)threads);
        http_config cfg = {.address = address,
                           .port = (int)port,
                           .routes = routes,
                           .nroutes = nroutes,
                           .page_error = web_page_error,
                           .pool = pool,
                           .audit = trail,
                           .max_connections = (int)conns,
                           .threads = (int)threads,
                           .idle_timeout = (int)idle,
                           .per_address_limit = (int)per_address,
                           .cookie_secure = secure_cookies,
                           .app = &app};
        rc = http_server_start(&srv, &cfg, &bound, &err);
    }
    if (rc) {
        cli_print_error(&err);
        jobs_runner_stop(runner);
        store_wal_keeper_stop(keep_db);
        store_wal_keeper_stop(keep_trail);
        audit_close(trail, NULL);
        store_pool_close(pool);
        policy_free(pol);
        web_app_free(web);
        free(routes);
        return CLI_FAIL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a full disk (storage_full), not a reason to die */
    char portbuf[16], url[96], nthreads[24], nconns[24], nidle[24], nper[24];
    snprintf(portbuf, sizeof(portbuf), "%d", bound);
    snprintf(url, sizeof(url), "http://%s:%d", address, bound);
    snprintf(nthreads, sizeof(nthreads), "%" PRId64, threads);
    snprintf(nconns, sizeof(nconns), "%" PRId64, conns);
    snprintf(nidle, sizeof(nidle), "%" PRId64, idle);
    snprintf(nper, sizeof(nper), "%" PRId64, per_address);
    char njobmem[24];
    snprintf(njobmem, sizeof(njobmem), "%" PRId64, job_memory);
    core_log(CORE_LOG_INFO, "server_started", "url", url, "port", portbuf, "database", db, "threads", nthreads,
             "connections", nconns, "idle_timeout", nidle, "per_address_limit", nper, "job_memory_mb", njobmem,
             CORE_LOG_END);
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
    jobs_runner_stop(runner);
    store_wal_keeper_stop(keep_db);
    store_wal_keeper_stop(keep_trail);
    int crc = audit_close(trail, &err);
    store_pool_close(pool);
    policy_free(pol);
    web_app_free(web);
    free(routes);
    if (crc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return stop_requested ? CLI_OK : CLI_FAIL;
}
