/*
 * http_server.c — libmicrohttpd glue, route matching and dispatch (contract and lifecycle in http.h).
 *
 * Threading (the rules are in http.h): libmicrohttpd's event loop reads and writes every connection and never
 * runs a handler; the last callback of a request suspends its connection and queues the request; a handler
 * thread runs DISPATCH and resumes the connection; libmicrohttpd then calls on_request once more, which
 * queues the reply it finds ready. While a connection is suspended its event-loop thread does not touch it,
 * so the handler thread may read its headers and query (http_header, http_query); after the resume it never
 * touches the request again (on_completed may already have freed it).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <pthread.h>
#include <semaphore.h>
#include <strings.h>
#include <unistd.h>

#include "access/access.h"
#include "access/access_cache.h"
#include "core/core_log.h"
#include "core/core_parse.h"
#include "http/http.h"
#include "http/http_internal.h"

/* ---- request helpers ---- */

int http_audit(http_req *req, const char *action, const char *table, int64_t id, const char *detail_json,
               int durable, core_error *err)
{
    audit *a = req->server->cfg.audit;
    if (!a)
        return 0;
    audit_event ev = {req->who.user_id, req->who.role,          action, table, id, detail_json,
                      req->client_address && req->client_address[0] ? req->client_address : NULL};
    uint64_t ticket = 0;
    int rc = audit_record_ticket(a, &ev, durable ? AUDIT_DURABLE : 0, &ticket, err);
    if (ticket > req->audit_ticket)
        req->audit_ticket = ticket;
    return rc;
}

int http_audit_write(http_req *req, const char *action, const char *table, int64_t id, const char *detail_json,
                     core_error *err)
{
    if (!req->server->cfg.audit)
        return 0;
    audit_event ev = {req->who.user_id, req->who.role,          action, table, id, detail_json,
                      req->client_address && req->client_address[0] ? req->client_address : NULL};
    int64_t outbox_id = 0;
    int rc = audit_outbox_add(req->db, &ev, &outbox_id, err);
    if (outbox_id > req->audit_outbox_id)
        req->audit_outbox_id = outbox_id;
    return rc;
}

void http_audit_settle(http_req *req)
{
    audit *a = req->server->cfg.audit;
    if (!a)
        return;
    core_error err;
    core_error_clear(&err);
    if (audit_await(a, req->audit_ticket, &err) != 0 && req->audit_outbox_id == 0) {
        http_reply_error(req, &err);
        return;
    }
    if (audit_outbox_await(a, req->audit_outbox_id, &err) != 0)
        core_log(CORE_LOG_WARN, "audit_outbox_pending", "detail", err.detail, CORE_LOG_END);
}

/* {"permission":..., "path":...} for a denial: the route, never the body or query values. */
static const char *denial_detail(http_req *req, const char *reason)
{
    json_t *j = json_pack("{s:s,s:s,s:s}", "reason", reason, "method", req->method,
                          "route", req->route ? req->route->pattern : "");
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        return NULL;
    char *copy = core_arena_strdup(&req->arena, s);
    free(s);
    return copy;
}

const char *http_header(http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_each {
    int (*fn)(void *, const char *, const char *);
    void *ctx;
    int rc;
};

static enum MHD_Result query_each_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct query_each *q = cls;
    q->rc = q->fn(q->ctx, key, value ? value : "");
    return q->rc ? MHD_NO : MHD_YES;
}

int http_query_each(http_req *req, int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    struct query_each q = {fn, ctx, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each_cb, &q);
    return q.rc;
}

/* ---- dispatch ---- */

struct declared_ctx {
    const char *params;
    const char *bad;
};

static int check_declared(void *cls, const char *key, const char *value)
{
    (void)value;
    struct declared_ctx *d = cls;
    size_t kn = strlen(key);
    for (const char *p = d->params; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == kn && memcmp(p, key, n) == 0)
            return 0;
        p += n + (e ? 1 : 0);
    }
    d->bad = key;
    return 1;
}

static int method_known(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "POST") || !strcmp(m, "PATCH") || !strcmp(m, "PUT") ||
           !strcmp(m, "DELETE") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS");
}

/* Answer err; first, when reason is not NULL, audit the refusal as a denial (a request whose refusal cannot
 * be recorded is answered with the audit trail's error instead). */
static void refuse(http_req *req, const core_error *err, const char *reason)
{
    core_error aerr;
    core_error_clear(&aerr);
    if (reason && http_audit(req, "denied", NULL, 0, denial_detail(req, reason), 1, &aerr)) {
        http_reply_error(req, &aerr);
        return;
    }
    http_reply_error(req, err);
}

int http_connection_is_tls(http_req *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci != NULL && ci->tls_session != NULL;
}

void http_session_cookie(http_req *req, const char *token)
{
    int secure = req->server->cfg.cookie_secure || http_connection_is_tls(req);
    req->set_cookie = core_arena_printf(&req->arena, "%s=%s; HttpOnly; SameSite=Strict; Path=/%s%s",
                                        HTTP_SESSION_COOKIE, token ? token : "", token ? "" : "; Max-Age=0",
                                        secure ? "; Secure" : "");
}

/* Find the request's session (the DISPATCH step in http.h): Authorization: Bearer, else on a route that needs
 * a session the browser cookie, whose changes must carry the CSRF token. Fills req->auth and req->who. 0 to
 * go on (with a session or with nobody); -1 when a refusal has been answered. */
static int session_resolve(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *cookie = NULL;
    if (!authz && !(req->route->flags & HTTP_ROUTE_PUBLIC))
        cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
    if (!authz && !cookie)
        return 0;
    const char *token = cookie ? cookie : strncmp(authz, "Bearer ", 7) == 0 ? authz + 7 : NULL;
    int rc = CORE_E_UNAUTHENTICATED;
    if (token)
        rc = auth_session_lookup_cached(req->db, &req->arena, req->server->sessions, token, 0, &req->auth, &err);
    if (rc == 0 && cookie && strcmp(req->auth.kind, "browser") != 0) { /* API tokens never ride in cookies */
        memset(&req->auth, 0, sizeof(req->auth));
        rc = CORE_E_UNAUTHENTICATED;
    }
    if (rc != 0) {
        if (rc != CORE_E_UNAUTHENTICATED) { /* a store failure, not a bad token */
            refuse(req, &err, NULL);
            return -1;
        }
        core_error_set(&err, CORE_E_UNAUTHENTICATED, "the session has ended or the token is not valid");
        if (cookie && (req->route->flags & HTTP_ROUTE_PAGE)) { /* a page: forget it, then the sign-in form */
            memset(&req->auth, 0, sizeof(req->auth));
            http_session_cookie(req, NULL);
            return 0;
        }
        if (cookie) {
            core_error_hint(&err, "sign in again: POST /api/v1/session with \"kind\": \"browser\"");
            http_session_cookie(req, NULL); /* and let the browser forget it */
        } else {
            core_error_hint(&err, "send Authorization: Bearer <token> from POST /api/v1/session");
        }
        refuse(req, &err, cookie ? "session cookie not live" : "token not live");
        return -1;
    }
    req->session_token = core_arena_strdup(&req->arena, token);
    req->who.user_id = req->auth.user_id;
    req->who.role = req->auth.role;
    req->who.team_id = req->auth.team_id;
    req->who.agency_id = req->auth.agency_id;
    req->who.scopes = req->auth.scopes;
    req->who.cache = req->server->footings;
    if (cookie) {
        req->session_cookie = 1;
        const char *csrf = http_header(req, "X-CSRF-Token");
        if (!csrf && (req->route->flags & HTTP_ROUTE_PAGE))
            csrf = http_form(req, "csrf_token"); /* a page's form carries it as a hidden field */
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 && !auth_csrf_valid(token, csrf)) {
            core_error_set(&err, CORE_E_FORBIDDEN,
                           "the X-CSRF-Token header is missing or does not match the session");
            core_error_hint(&err, "send X-CSRF-Token: <csrf_token from sign-in> with every request that changes "
                                  "something");
            refuse(req, &err, "csrf token missing or wrong");
            return -1;
        }
    }
    return 0;
}

/* Find the route; set early_error when none (404, or 405 when the path exists with another method). */
static void route_find(http_server *s, http_req *req)
{
    int path_seen = 0;
    for (size_t i = 0; i < s->cfg.nroutes; i++) {
        const http_route *r = &s->cfg.routes[i];
        if (r->flags & HTTP_ROUTE_PREFIX) {
            if (strncmp(req->path, r->pattern, strlen(r->pattern)) != 0)
                continue;
        } else if (!http_route_match(r->pattern, req->path, req->ids, &req->nids, req->names, &req->nnames, &req->arena))
            continue;
        path_seen = 1;
        if (strcmp(r->method, req->method) == 0) {
            req->route = r;
            return;
        }
    }
    req->early_error = path_seen && method_known(req->method) ? CORE_E_METHOD : CORE_E_NOT_FOUND;
}

static void dispatch(http_server *s, http_req *req)
{
    core_error err;
    core_error_clear(&err);
    if (req->early_error) {
        if (req->early_error == CORE_E_BODY_TOO_LARGE)
            core_error_set(&err, CORE_E_BODY_TOO_LARGE, "this endpoint accepts at most %zu bytes",
                           req->route ? req->route->body_max : 0);
        else
            core_error_set(&err, req->early_error, "%s %s", req->early_error == CORE_E_METHOD ? "method" : "path",
                           req->early_error == CORE_E_METHOD ? "not allowed here" : "does not exist");
        http_reply_error(req, &err);
        return;
    }
    const http_route *r = req->route;
    if (!(r->flags & HTTP_ROUTE_FILTERS)) {
        struct declared_ctx d = {r->params, NULL};
        if (http_query_each(req, check_declared, &d)) {
            core_error_set(&err, CORE_E_BAD_PARAMETER, "this endpoint does not take that query parameter");
            core_error_hint(&err, "%s%s", r->params ? "allowed: " : "it takes no query parameters",
                            r->params ? r->params : "");
            http_reply_error(req, &err);
            return;
        }
    }
    if (r->body_max > 0 && req->body.len > 0 && (r->flags & HTTP_ROUTE_PAGE)) {
        const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        int upload = (r->flags & HTTP_ROUTE_UPLOAD) && ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
        if (!upload && (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
            core_error_set(&err, CORE_E_MEDIA_TYPE, "a form must be sent as application/x-www-form-urlencoded");
            http_reply_error(req, &err);
            return;
        }
    } else if (r->body_max > 0 && req->body.len > 0) {
        const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (ct && !(strncmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' '))) {
            core_error_set(&err, CORE_E_MEDIA_TYPE, "request body must be application/json");
            http_reply_error(req, &err);
            return;
        }
    }
    /* The handle is given back when DISPATCH ends (store_give_back), after the arena has reset this request's
     * statements: a handle must not reach another thread while statements prepared on it are still live. */
    req->db = store_pool_acquire(s->cfg.pool);
    if (session_resolve(req) != 0)
        return;
    if (!req->who.user_id && !(r->flags & HTTP_ROUTE_PUBLIC) && (r->flags & HTTP_ROUTE_PAGE)) {
        http_reply_redirect(req, HTTP_SIGN_IN_PATH); /* a page: to the sign-in form, not an error */
        return;
    }
    if (!req->who.user_id && !(r->flags & HTTP_ROUTE_PUBLIC)) {
        core_error_set(&err, CORE_E_UNAUTHENTICATED, "this needs a signed-in session");
        core_error_hint(&err, "sign in with POST /api/v1/session and send Authorization: Bearer <token>");
        refuse(req, &err, "not signed in");
        return;
    }
    access_target what = {NULL, NULL, 0};
    if (access_decide(req->db, &req->who, r->permission, &what, NULL, &err) != ACCESS_ALLOW) {
        if (!err.code)
            core_error_set(&err, CORE_E_FORBIDDEN, "you do not have access to this");
        core_error aerr;
        if (http_audit(req, "denied", NULL, 0, denial_detail(req, r->permission), 1, &aerr)) {
            http_reply_error(req, &aerr);
            return;
        }
        http_reply_error(req, &err);
        return;
    }
    int rc = r->handler(req);
    if (!req->replied) {
        core_error_set(&err, rc ? rc : CORE_E_INTERNAL, "the handler did not reply");
        http_reply_error(req, &err);
    }
}

static enum MHD_Result send_reply(struct MHD_Connection *c, http_req *req)
{
    struct MHD_Response *resp = http_stream_response(req);
    if (!resp)
        resp = MHD_create_response_from_buffer(req->resp_len, req->resp ? req->resp : (char *)"",
                                               MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, req->cache_control ? req->cache_control : "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", HTTP_CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (req->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, req->location);
    if (req->set_cookie)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, req->set_cookie);
    if (req->disposition)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, req->disposition);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* ---- the handler threads ---- */

int http_default_threads(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    /* Eight per core, at least 16: a writer waits for the sync of the log (group commit, store_group.c) and
     * a reader for its audit event, so more requests waiting together keep the disk and the cores busy
     * (issue 13: note writes at 32 connections, 8 threads about 1,650/s, 16 threads about 2,250/s). */
    return cores * 8 < 16 ? 16 : cores * 8 > 64 ? 64 : (int)(cores * 8);
}

/* Called from on_request (the only place libmicrohttpd allows a suspend): suspend the connection and queue
 * the request. 0 when queued; -1 when the server is stopping (nothing suspended, nothing queued). The
 * suspend comes before the request is visible to a handler thread, so a resume never precedes it. */
static int queue_push(http_server *s, http_req *req)
{
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    MHD_suspend_connection(req->conn);
    http_worker *w = s->idle;
    if (w) { /* the queue is empty: hand it to the thread idle last */
        s->idle = w->next_idle;
        w->req = req;
        pthread_mutex_unlock(&s->mu);
        sem_post(&w->go);
        return 0;
    }
    req->queue_next = NULL;
    if (s->tail)
        s->tail->queue_next = req;
    else
        s->head = req;
    s->tail = req;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* Give the request's store handle back: statements are reset by the arena's cleanups (the reply's bytes are
 * not the arena's: reply_own). Done when DISPATCH ends, not once the reply is sent: holding it until
 * on_completed left handler threads waiting in store_pool_acquire for the event loop to send replies. */
static void store_give_back(http_server *s, http_req *req)
{
    core_arena_run_cleanups(&req->arena);
    if (req->db) {
        store_pool_release(s->cfg.pool, req->db);
        req->db = NULL;
    }
}

static void unpark(http_server *s)
{
    pthread_mutex_lock(&s->mu);
    if (--s->parked == 0 && s->stopping)
        pthread_cond_broadcast(&s->cv); /* workers_stop waits for the last one */
    pthread_mutex_unlock(&s->mu);
}

/* audit_await_async's callback, on the trail's writer thread: the request's events are committed (rc 0), or
 * the trail failed (the reply becomes its error: fail closed). Then the reply may go. */
static void settled(void *arg, int rc, const core_error *err)
{
    http_req *req = arg;
    http_server *s = req->server;
    struct MHD_Connection *c = req->conn;
    if (rc)
        http_reply_error(req, err);
    req->dispatched = 1;
    MHD_resume_connection(c); /* from here on req belongs to the event loop again */
    unpark(s);
}

/* A request that only waits for queued events (a read: no outbox row) leaves the wait to the trail's writer,
 * which resumes the connection once they are committed: the handler thread goes on to the next request
 * instead of sleeping through the commit, and every read queued meanwhile shares it. The promise is
 * http_audit_settle's, unchanged: the reply is queued only after the events are committed. Returns 1 when
 * the request is parked (the caller must not touch it again), 0 when it is settled here (answered with the
 * trail's error if the wait failed). */
static int settle_later(http_server *s, http_req *req)
{
    audit *a = s->cfg.audit;
    if (!a || req->audit_outbox_id || !req->audit_ticket)
        return 0;
    store_give_back(s, req);
    pthread_mutex_lock(&s->mu);
    s->parked++;
    pthread_mutex_unlock(&s->mu);
    core_error err;
    core_error_clear(&err);
    int rc = audit_await_async(a, req->audit_ticket, &req->audit_wait, settled, req, &err);
    if (rc == AUDIT_WAITING)
        return 1;
    unpark(s);
    if (rc)
        http_reply_error(req, &err);
    req->audit_ticket = 0; /* settled */
    return 0;
}

/* A handler thread: take the oldest request, run DISPATCH, resume its connection. Exits once the server is
 * stopping and the queue is empty, so every suspended connection has been resumed by the time all have
 * exited. */
static void *worker_main(void *arg)
{
    http_worker *w = arg;
    http_server *s = w->server;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        http_req *req = s->head;
        if (req) {
            s->head = req->queue_next;
            if (!s->head)
                s->tail = NULL;
        } else if (!s->stopping) { /* idle: wait to be handed one (queue_push) or stopped (workers_stop) */
            w->req = NULL;
            w->next_idle = s->idle;
            s->idle = w;
            pthread_mutex_unlock(&s->mu);
            while (sem_wait(&w->go) != 0)
                ; /* EINTR */
            pthread_mutex_lock(&s->mu);
            req = w->req;
        }
        pthread_mutex_unlock(&s->mu);
        if (!req)
            return NULL; /* stopping, and the queue is empty */
        struct MHD_Connection *c = req->conn;
        dispatch(s, req);
        if (settle_later(s, req))
            continue; /* the trail's writer resumes it */
        http_audit_settle(req); /* every audited event of the request is durable before the answer goes */
        store_give_back(s, req);
        req->dispatched = 1;
        MHD_resume_connection(c); /* from here on req belongs to the event loop again */
    }
}

/* Stop the handler threads: the queue is drained first (see worker_main). */
static void workers_stop(http_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    for (http_worker *w = s->idle; w; w = w->next_idle)
        sem_post(&w->go); /* with req NULL: stop (the queue is empty while any thread is idle) */
    s->idle = NULL;
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nworkers; i++) {
        pthread_join(s->workers[i].thread, NULL);
        sem_destroy(&s->workers[i].go);
    }
    s->nworkers = 0;
    pthread_mutex_lock(&s->mu); /* and every parked request resumed by the trail's writer */
    while (s->parked > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server *s = cls;
    http_req *req = *con_cls;
    if (!req) {
        req = core_xmalloc(sizeof(*req));
        memset(req, 0, sizeof(*req));
        req->conn = c;
        req->server = s;
        req->method = core_arena_strdup(&req->arena, method);
        req->path = core_arena_strdup(&req->arena, url);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "";
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr, sizeof(addr));
        req->client_address = core_arena_strdup(&req->arena, addr);
        route_find(s, req);
        size_t max = req->route ? req->route->body_max : 0;
        core_buf_init_arena(&req->body, &req->arena, max);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        int64_t n;
        if (req->route && cl && core_parse_int64(cl, strlen(cl), 0, INT64_MAX, &n) == 0 && (uint64_t)n > max)
            req->early_error = CORE_E_BODY_TOO_LARGE;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!req->early_error) {
            core_buf_add(&req->body, upload, *upload_size);
            if (!core_buf_ok(&req->body))
                req->early_error = CORE_E_BODY_TOO_LARGE;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->dispatched) /* resumed: a handler thread has replied */
        return send_reply(c, req);
    if (!req->early_error && queue_push(s, req) == 0)
        return MHD_YES; /* suspended until a handler thread has replied */
    if (!req->early_error) { /* stopping: refuse without running the handler */
        core_error err;
        core_error_clear(&err);
        core_error_set(&err, CORE_E_BUSY, "the server is stopping");
        core_error_hint(&err, "try again in a moment");
        http_reply_error(req, &err);
    } else {
        dispatch(s, req); /* an early error is answered without the store or a handler */
        http_audit_settle(req); /* its denial, if audited, is durable before the answer goes */
    }
    return send_reply(c, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)toe;
    http_server *s = cls;
    http_req *req = *con_cls;
    if (!req)
        return;
    core_arena_release(&req->arena);
    if (req->db)
        store_pool_release(s->cfg.pool, req->db);
    free(req->resp_heap);
    http_stream_drop(req);
    free(req);
    *con_cls = NULL;
}

/* libmicrohttpd's messages: fmt is its own printf format (the attribute lets -Wformat=2 check the call) */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    core_log(CORE_LOG_WARN, "http_library", "message", msg, CORE_LOG_END);
}

static void server_free(http_server *s)
{
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    access_cache_free(s->footings);
    auth_session_cache_free(s->sessions);
    free(s->workers);
    free(s);
}

int http_server_start(http_server **out, const http_config *cfg, int *port_out, core_error *err)
{
    http_server *s = core_xmalloc(sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    http_config *k = &s->cfg;
    if (k->max_connections <= 0)
        k->max_connections = HTTP_DEFAULT_CONNECTIONS;
    if (k->threads <= 0)
        k->threads = http_default_threads();
    if (k->io_threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        k->io_threads = cores < 1 ? 1 : cores > 4 ? 4 : (int)cores;
    }
    if (k->io_threads > k->max_connections)
        k->io_threads = k->max_connections; /* each event-loop thread takes a share of the connections */
    if (k->idle_timeout <= 0)
        k->idle_timeout = HTTP_DEFAULT_IDLE_TIMEOUT;
    if (k->per_address_limit < 0)
        k->per_address_limit = 0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->footings = access_cache_new(HTTP_FOOTINGS_CACHED);
    s->sessions = auth_session_cache_new(HTTP_SESSIONS_CACHED);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)k->port);
    if (inet_pton(AF_INET, k->address, &sa.sin_addr) != 1) {
        core_error_set(err, CORE_E_USAGE, "address %s is not an IPv4 address", k->address);
        server_free(s);
        return err->code;
    }
    s->workers = core_xmalloc(sizeof(*s->workers) * (size_t)k->threads);
    for (int i = 0; i < k->threads; i++) {
        http_worker *w = &s->workers[i];
        memset(w, 0, sizeof(*w));
        w->server = s;
        sem_init(&w->go, 0, 0);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            sem_destroy(&w->go);
            workers_stop(s);
            core_error_set(err, CORE_E_INTERNAL, "cannot start handler thread %d of %d", i + 1, k->threads);
            core_error_hint(err, "start with fewer --threads");
            server_free(s);
            return err->code;
        }
        s->nworkers++;
    }
    /* MHD_USE_AUTO: epoll on Linux (poll elsewhere), never select, whose descriptors stop at 1024. */
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
                                MHD_USE_ERROR_LOG,
                            (uint16_t)k->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)k->io_threads,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)k->idle_timeout,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)k->max_connections,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)k->per_address_limit, MHD_OPTION_END);
    if (!s->d) {
        workers_stop(s);
        server_free(s);
        core_error_set(err, CORE_E_IO, "cannot listen on %s port %d", cfg->address, cfg->port);
        return core_error_hint(err, "is another program using that port? choose one with --port");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (port_out)
        *port_out = info ? info->port : k->port;
    *out = s;
    return 0;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    /* Handler threads first: once they have drained the queue every suspended connection has been resumed,
     * which libmicrohttpd requires before MHD_stop_daemon. Requests completed meanwhile are answered 503. */
    workers_stop(s);
    MHD_stop_daemon(s->d);
    server_free(s);
}
