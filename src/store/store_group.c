/*
 * store_group.c — group commit for a pool's handles: many transactions, one sync of the log.
 *
 * Why. With synchronous=FULL every COMMIT syncs the write-ahead log (about half a millisecond on the
 * machine Hearth is measured on) while holding the one write lock, so writers commit one sync at a time and
 * queue behind each other (issue 13: about 550 note writes a second, p99 about 130 ms). Here a pool's
 * handle commits without the sync (synchronous=NORMAL for that one COMMIT: the transaction is in the log
 * and visible, not yet on the disk), gives the write lock to the next writer at once, and then waits until
 * the log has been synced past its commit. Whichever waiter finds no sync running syncs the log once for
 * every commit made so far; the others wait for it. So while one sync runs, the writers behind it commit and
 * queue, and the next sync makes all of them durable together: concurrent requests' writes are committed
 * together, one sync for the group.
 *
 * What it keeps. store_commit() still returns only once the transaction is durable (invariant 4 of
 * store.h): a caller that answers after store_commit() answers after its write — and the audit event that
 * the same transaction put in the outbox (audit.h) — is on the disk. Each transaction is its own: one that
 * fails (a conflict, a full disk) rolls back alone and never touches another's. If the sync itself fails,
 * every commit waiting on it gets the error (nothing is acknowledged that may not be durable), and the next
 * sync is tried afresh.
 *
 * Tickets. Commits take a ticket, in commit order, while still holding the write lock, after their COMMIT
 * has written the log: so a sync that starts after ticket t was taken covers commit t. synced is the
 * highest ticket known durable; a sync covers every ticket taken before it starts.
 */
#include "store/store_group.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_arena.h"

struct store_group {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t committed; /* the last ticket taken */
    uint64_t synced;    /* every ticket up to this is durable */
    uint64_t failed_upto; /* tickets up to this were covered by a sync that failed */
    int syncing;        /* a waiter is syncing the log now */
    core_error fail;    /* the error of the last failed sync */
    uint64_t syncs;     /* how many syncs were made (for tests and benchmarks) */
};

store_group *store_group_new(void)
{
    store_group *g = core_xmalloc(sizeof(*g));
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    return g;
}

void store_group_free(store_group *g)
{
    if (!g)
        return;
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

uint64_t store_group_ticket(store_group *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t t = ++g->committed;
    pthread_mutex_unlock(&g->mu);
    return t;
}

int store_group_wait(store_group *g, store *s, uint64_t ticket, core_error *err)
{
    pthread_mutex_lock(&g->mu);
    for (;;) {
        if (g->synced >= ticket) {
            pthread_mutex_unlock(&g->mu);
            return 0;
        }
        if (g->failed_upto >= ticket) { /* the sync that covered this commit failed */
            if (err)
                *err = g->fail;
            pthread_mutex_unlock(&g->mu);
            return g->fail.code ? g->fail.code : CORE_E_IO;
        }
        if (!g->syncing)
            break; /* lead: sync for everyone committed so far */
        pthread_cond_wait(&g->cv, &g->mu);
    }
    g->syncing = 1;
    uint64_t upto = g->committed;
    pthread_mutex_unlock(&g->mu);

    core_error e;
    core_error_clear(&e);
    int rc = s->be->sync_log(s, &e);

    pthread_mutex_lock(&g->mu);
    g->syncing = 0;
    g->syncs++;
    if (rc == 0) {
        if (upto > g->synced)
            g->synced = upto;
    } else {
        if (upto > g->failed_upto)
            g->failed_upto = upto;
        g->fail = e;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (rc && err)
        *err = e;
    return rc;
}

uint64_t store_group_syncs(store_group *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t n = g->syncs;
    pthread_mutex_unlock(&g->mu);
    return n;
}
