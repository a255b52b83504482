/*
 * http_internal.h — what the server's files share (http_server.c, http_reply.c, http_form.c); not for callers
 * outside src/http/. The public contract is http.h.
 */
#ifndef HEARTH_HTTP_INTERNAL_H
#define HEARTH_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <semaphore.h>

#include "access/access_cache.h"
#include "auth/auth.h"
#include "http/http.h"

enum { HTTP_FOOTINGS_CACHED = 16384 }; /* footings the server remembers (access_cache.h): about 2 MB */
enum { HTTP_SESSIONS_CACHED = 4096 };  /* sessions the server remembers (auth.h, invariant 10): about 0.5 MB */

/* A handler thread. An idle one waits on its own semaphore and is handed its next request directly (req), so
 * the wake-up neither contends for the queue's mutex nor wakes a thread that finds nothing to do; the most
 * recently idle thread is woken first, so a few threads stay warm and the rest sleep. */
typedef struct http_worker {
    pthread_t thread;
    http_server *server;
    sem_t go;                  /* posted once per hand-over (req set) or at stop (req NULL) */
    http_req *req;             /* the request handed over, under the server's mu */
    struct http_worker *next_idle;
} http_worker;

struct http_server {
    struct MHD_Daemon *d;
    http_config cfg;
    /* the handler queue: requests waiting for a handler thread, oldest first (guarded by mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    http_req *head, *tail;
    int stopping;             /* set by http_server_stop: nothing more is queued */
    http_worker *workers;
    int nworkers;
    http_worker *idle;        /* handler threads waiting for a request, the last to arrive first (mu) */
    access_cache *footings;   /* footings remembered across requests, shared by the handler threads */
    auth_session_cache *sessions; /* sessions remembered across requests (auth.h, invariant 10), likewise */
    int parked;               /* requests whose reply waits for their audit event in the trail's writer (mu) */
};

/* 1 when the request came over TLS (libmicrohttpd's GnuTLS session). */
int http_connection_is_tls(http_req *req);

#endif
