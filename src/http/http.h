/*
 * http.h — Hearth's HTTP server: libmicrohttpd underneath, one route table on top.
 *
 * What it is for: accepting connections, matching each request against the route table (method, path
 * pattern, handler, permission, body limit, declared query parameters), enforcing the body limit before a
 * byte is buffered past it, refusing undeclared query parameters, running the access hook, calling the
 * handler with a per-request arena, and writing the response with safe headers.
 * What it is not for: JSON resources and their rules (api/), or deciding access (access/).
 *
 * Request lifecycle (one state per step; a request only moves forward):
 *   NEW      first callback: route matched (or not), Content-Length checked against the route's limit
 *   BODY     upload chunks appended to req->body up to the limit; past it the request is marked too large
 *   DISPATCH last callback: errors found so far are answered; else query parameters are checked, a store
 *            handle is taken from the pool, the session is resolved to its principal, the access hook runs,
 *            then the handler. The session comes from Authorization: Bearer <token>, or, when there is no
 *            Authorization header and the route is not HTTP_ROUTE_PUBLIC, from the HTTP_SESSION_COOKIE cookie
 *            of a browser session. A token or cookie presented but not live is answered 401; a route that is
 *            not HTTP_ROUTE_PUBLIC answers 401 to a request without a session; a cookie-authenticated request
 *            other than GET or HEAD must carry X-CSRF-Token equal to the session's CSRF token
 *            (auth_csrf_token), else 403 (CSRF: a browser sends the cookie on a forged cross-site request,
 *            but the forger cannot read the cookie to work out the header). Each refusal is audited. On an
 *            HTTP_ROUTE_PAGE route the token may come as the form field csrf_token instead, a visitor
 *            without a live session is redirected to HTTP_SIGN_IN_PATH, and errors are HTML pages.
 *            DISPATCH does not run on the thread that reads the socket: the connection is suspended and the
 *            request queued for a handler thread, which resumes the connection when it has replied (see
 *            Threading). A request refused before DISPATCH (no route, body too large) is answered at once.
 *            When the handler has replied, the arena's cleanups run (statements reset, JSON values freed;
 *            the reply's bytes are kept apart, in resp_heap) and the store handle goes back to the pool.
 *   SETTLE   the reply waits until the request's audit events are committed (http_audit_settle; audit.h
 *            invariant 2). A request with only queued events (a read) is parked: the handler thread moves
 *            on, and the trail's writer resumes the connection once they are committed, or replaces the
 *            reply by the trail's error (fail closed). A write waits for its outbox row on its thread.
 *   DONE     the completion callback releases the arena and frees the reply's bytes
 *
 * Threading (why: a thread per connection let 512 idle sockets take every thread, and /healthz timed out)
 *   - libmicrohttpd's event loop (epoll on Linux) in io_threads threads reads and writes every connection;
 *     an idle or slow connection costs a socket and a little memory, never a thread. A connection that
 *     sends nothing for idle_timeout seconds is closed (a request being handled is not timed out).
 *   - threads handler threads take queued requests in arrival order and run DISPATCH, which may block
 *     (SQLite, Argon2id at sign-in). The store pool has one handle per handler thread and a handle is held
 *     only during DISPATCH, so a handler never waits for a handle, and one slow handler holds one thread,
 *     not the server. An idle handler thread waits on its own semaphore and is handed the next request
 *     directly (the most recently idle first).
 *   - connection_limit bounds open connections (past it new ones wait in the listen queue);
 *     per_address_limit, when not 0, bounds them per client address (past it a new one is closed at once).
 *   - http_server_stop: requests already queued are handled and answered; a request that arrives after the
 *     stop began is answered 503 without running its handler; then every connection is closed.
 *
 * Invariants
 *   1. A handler never sees a body larger than its route's body_max, nor an undeclared query parameter.
 *   2. Every response carries Content-Type, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
 *      Content-Security-Policy: HTTP_CSP, X-Frame-Options: DENY, and Cache-Control: no-store unless the
 *      handler set req->cache_control (static assets only: immutable, a year).
 *   3. Handlers allocate only from req->arena and reply exactly once through http_reply_*.
 *   4. A session token is never logged nor audited; it leaves the server only in the sign-in answer and its
 *      Set-Cookie header.
 */
#ifndef HEARTH_HTTP_H
#define HEARTH_HTTP_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "access/access.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "core/core_arena.h"
#include "core/core_buf.h"
#include "core/core_error.h"
#include "store/store.h"

typedef struct http_req http_req;
typedef struct http_server http_server;
typedef int (*http_handler)(http_req *req);

enum {
    HTTP_ROUTE_FILTERS = 1 << 0, /* the handler validates its own query parameters (resource filters) */
    HTTP_ROUTE_PUBLIC = 1 << 1,  /* no sign-in needed (health check) */
    HTTP_ROUTE_PAGE = 1 << 2,    /* an HTML page (web/): a body is a form (application/x-www-form-urlencoded) and
                                    a cookie session's change carries the CSRF token as the form field csrf_token
                                    (or X-CSRF-Token); nobody signed in is sent to HTTP_SIGN_IN_PATH (303); errors
                                    are answered by http_config.page_error as an HTML page */
    HTTP_ROUTE_PREFIX = 1 << 3,  /* the pattern is a prefix ending in '/': every path under it matches (static
                                    assets; the handler looks the path up in a fixed table, never on disk) */
    HTTP_ROUTE_UPLOAD = 1 << 4,  /* a page whose form may also come as multipart/form-data (a file upload): read
                                    with libmicrohttpd's post processor, fields by http_form, files by
                                    http_form_file; the CSRF token is its csrf_token part */
};

/* Where HTTP_ROUTE_PAGE routes send a visitor who is not signed in. */
#define HTTP_SIGN_IN_PATH "/sign-in"

/* Sent on every response (invariant 2): no inline script or style, no framing, nothing but Hearth's own
 * origin. */
#define HTTP_CSP                                                                                                 \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "            \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


typedef struct http_route {
    const char *method;       /* "GET", "POST", "PATCH" */
    const char *pattern;      /* "/api/v1/families/{id}/episodes": {id} a positive integer in canonical decimal
                                 (1..INT64_MAX, no sign, no leading zero), {name} 1..64 of [a-z0-9_-] */
    http_handler handler;
    const char *permission;   /* what the access hook is asked, e.g. "record.read" */
    size_t body_max;          /* largest body accepted, in bytes (0: no body allowed) */
    const char *params;       /* comma-separated query parameters allowed, or NULL for none */
    const void *data;         /* handler data, e.g. the model_resource served */
    unsigned flags;
} http_route;

#define HTTP_MAX_PATH_PARAMS 4

struct http_req {
    core_arena arena;
    const http_route *route;
    const char *method;
    const char *path;
    int64_t ids[HTTP_MAX_PATH_PARAMS]; /* {id} segments in order */
    const char *names[HTTP_MAX_PATH_PARAMS]; /* {name} segments in order */
    int nids, nnames;
    core_buf body;
    store *db;
    auth_principal auth;      /* who signed in (user_id 0: nobody): from Authorization: Bearer, or the cookie */
    const char *session_token; /* the token the session was found by (arena copy), or NULL: never logged */
    int session_cookie;       /* 1 when it came from the session cookie (CSRF checked) */
    access_principal who;     /* the same, as the access decision sees it */
    const char *client_address;
    void *conn;               /* struct MHD_Connection */
    http_server *server;
    /* the response */
    int status;
    char *resp;
    char *resp_heap;          /* resp when it is malloc'd (a JSON reply, http_reply_bytes): freed at the end */
    size_t resp_len;
    const char *content_type;
    const char *location;
    const char *set_cookie;   /* a Set-Cookie header value (http_session_cookie), or NULL */
    const char *disposition;  /* a Content-Disposition header value (http_reply_bytes), or NULL */
    struct http_stream *stream; /* a reply read as it is sent (http_reply_stream), or NULL */
    const char *cache_control; /* NULL: no-store; else this Cache-Control value (static assets) */
    json_t *problems;         /* every problem of the body refused (model_ctx.problems), or NULL: an error reply
                                 carries them as "errors" beside "error" when there is more than one */
    struct http_form_field *form; /* the parsed form body (http_form), or NULL before it is parsed */
    int form_parsed;
    /* state of the request (see the lifecycle above) */
    int early_error;          /* a CORE_E_* code found before dispatch (no route, body too large) */
    int replied;
    int dispatched;           /* 1 once a handler thread has run DISPATCH: the resumed connection sends the reply */
    http_req *queue_next;     /* the handler queue's link (owned by the server while queued) */
    uint64_t audit_ticket;    /* the last event http_audit() queued (http_audit_settle() waits for it) */
    audit_waiter audit_wait;  /* a read's wait for it, left to the trail's writer (http_server.c) */
    int64_t audit_outbox_id;  /* the last outbox row http_audit_write() inserted */
};

typedef struct http_config {
    const char *address;      /* "127.0.0.1" */
    int port;                 /* 0: any free port (the chosen one is reported) */
    const http_route *routes;
    size_t nroutes;
    store_pool *pool;
    audit *audit;             /* every access is recorded here (NULL only in tests that do not audit) */
    int max_connections;      /* open connections at most (0: HTTP_DEFAULT_CONNECTIONS); needs as many files */
    int threads;              /* handler threads (0: http_default_threads()); the store pool needs as many
                                 handles */
    int io_threads;           /* event-loop threads (0: one per core, at most 4) */
    int idle_timeout;         /* seconds a connection may send nothing before it is closed (0: 30) */
    int per_address_limit;    /* open connections per client address at most (0: no limit) */
    int cookie_secure;        /* 1: clients reach the server over HTTPS (a TLS-terminating proxy in front), so
                                 the session cookie is marked Secure; it is also marked on a TLS connection */
    const void *app;          /* what the handlers need besides the database, opaque here (api/: api_app, the
                                 council's loaded policy); read-only while serving, owned by the caller */
    /* Answers an error on an HTTP_ROUTE_PAGE route as an HTML page (web/: web_page_error); NULL: as JSON. */
    int (*page_error)(http_req *req, const core_error *err);
} http_config;

/* The browser session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (not sent on cross-site
 * requests), Path=/, and Secure when the request came over TLS or cookie_secure is set. Hearth itself
 * serves plain HTTP today and does not trust X-Forwarded-Proto, so Secure comes from cookie_secure
 * (`hearth serve --secure-cookies`) behind a TLS proxy. */
#define HTTP_SESSION_COOKIE "hearth_session"

enum { HTTP_DEFAULT_CONNECTIONS = 8192, HTTP_DEFAULT_IDLE_TIMEOUT = 30 };

/* Handler threads by default: eight per core (handlers mostly wait on the database and the disk), 16..64. */
int http_default_threads(void);

/* Start serving in background threads. *port_out gets the port actually bound. */
int http_server_start(http_server **out, const http_config *cfg, int *port_out, core_error *err);
/* Stop: answer what is queued, refuse what comes after (503), close every connection, join every thread. */
void http_server_stop(http_server *s);

/* Record an access by the request's principal (action "read", "search", "create", "update", "denied",
 * "sign_in", ...). durable: return only once it is committed (writes, sign-ins, denials). Returns 0 or the
 * audit trail's error: a request whose access cannot be recorded must not be answered with data. */
int http_audit(http_req *req, const char *action, const char *table, int64_t id, const char *detail_json,
               int durable, core_error *err);
/* Record a write's event in the audit outbox inside the write's open transaction on req->db (audit.h:
 * audit_outbox_add()), so the write and its event commit together or not at all: call it before
 * store_commit(), and on an error roll back. Returns 0 or the error. */
int http_audit_write(http_req *req, const char *action, const char *table, int64_t id, const char *detail_json,
                     core_error *err);
/* Before the response is queued: wait until every event the request recorded is durable (one group commit
 * shared by concurrent requests) and its outbox rows are in the chain. When a read's events cannot be made
 * durable the response is replaced by the audit trail's error; a committed write keeps its answer (its event
 * is safe in the outbox, and an error would make the client repeat the write). */
void http_audit_settle(http_req *req);
/* Set the session cookie to token on the response, or clear it (Max-Age=0) when token is NULL. */
void http_session_cookie(http_req *req, const char *token);
/* Value of request header name, or NULL. */
const char *http_header(http_req *req, const char *name);
/* Value of query parameter name, or NULL. */
const char *http_query(http_req *req, const char *name);
/* Call fn for every query parameter; stops at the first nonzero return and returns it. */
int http_query_each(http_req *req, int (*fn)(void *ctx, const char *key, const char *value), void *ctx);

/* Value of form field name in an application/x-www-form-urlencoded body ('+' and %XX decoded; the first
 * when repeated), or NULL. The body is parsed once, into the arena. A value holding a NUL byte is NULL. */
const char *http_form(http_req *req, const char *name);
/* A file part of a multipart/form-data body (HTTP_ROUTE_UPLOAD): 1 with *filename (as the browser gave it:
 * untrusted text), *data and *len (the bytes, which may hold NUL; arena-owned), or 0 when there is no file
 * part called name. */
int http_form_file(http_req *req, const char *name, const char **filename, const char **data, size_t *len);
/* Every value of a form field given more than once (checkboxes), in order, at most max into out; the count. */
size_t http_form_values(http_req *req, const char *name, const char **out, size_t max);
/* Value of cookie name, or NULL. */
const char *http_cookie(http_req *req, const char *name);
/* Reply 303 See Other to location (a path on this server, from Hearth's own code, never from input). */
int http_reply_redirect(http_req *req, const char *location);
/* 1 when cookies set on this request should be marked Secure (TLS, or http_config.cookie_secure). */
int http_cookie_secure(http_req *req);
/* Set a Set-Cookie header value of the caller's making (HttpOnly and SameSite=Strict are the caller's to
 * include); replaces any set before. */
void http_set_cookie(http_req *req, const char *value);

/* Parse the body as a JSON object (duplicate keys refused). The value is owned by the arena. */
int http_body_json(http_req *req, json_t **out, core_error *err);

/* Reply with a JSON value (not consumed: the caller's reference stays with the arena or the caller). */
int http_reply_json(http_req *req, int status, json_t *body);
/* Reply with bytes of a content type, as a download named filename (a plain file name: letters, digits, '.',
 * '-' and '_'; NULL: shown inline). Takes ownership of data (malloc'd), freed with the request's arena. */
int http_reply_bytes(http_req *req, int status, const char *content_type, const char *filename, char *data,
                     size_t len);
/* Reply with size bytes read by read(ctx, pos, buf, max) as the connection takes them (http_stream.c): a
 * download too large to hold in memory. read runs on the event loop and must not block (read a local file or
 * memory, never the database); it returns the bytes it put in buf (1..max), or -1 to end the reply early.
 * release(ctx) is called once, when the reply is done or dropped (NULL: nothing to release). filename as for
 * http_reply_bytes. A later reply (an error) replaces it. */
typedef struct http_stream http_stream;
typedef ssize_t (*http_stream_read)(void *ctx, uint64_t pos, char *buf, size_t max);
typedef void (*http_stream_release)(void *ctx);
int http_reply_stream(http_req *req, int status, const char *content_type, const char *filename, uint64_t size,
                      http_stream_read read, http_stream_release release, void *ctx);
/* For http_server.c: the libmicrohttpd response (struct MHD_Response *) of a stream reply, which takes the
 * stream; NULL when the reply is not a stream. */
void *http_stream_response(http_req *req);
/* Release a stream reply not sent (nothing when there is none). */
void http_stream_drop(http_req *req);
/* Reply with len bytes of body (copied into the arena) as content_type, e.g. "text/html; charset=utf-8".
 * An HTML body must have been written with core_buf_add_html() for every value in it. */
int http_reply_body(http_req *req, int status, const char *content_type, const char *body, size_t len);
/* The server's http_config.app (NULL when it has none). */
const void *http_app(const http_req *req);
/* Reply {"error":{"code","message","detail","hint"}} with the error's HTTP status. */
int http_reply_error(http_req *req, const core_error *err);

/* Match a path against a pattern; fills ids/names (names are copied into a). 1 on match, 0 otherwise.
 * Segments are compared exactly: no trailing slash, no empty segment, no percent-decoding. Exposed for tests. */
int http_route_match(const char *pattern, const char *path, int64_t *ids, int *nids, const char **names,
                     int *nnames, core_arena *a);

#endif
