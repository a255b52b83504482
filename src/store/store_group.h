/*
 * store_group.h — group commit for the handles of a pool (design in store_group.c); not for callers outside
 * src/store/. store_commit() uses it on a pool's handles when the back end can commit without syncing and sync
 * its log on its own (store_backend.commit_nosync and .sync_log: SQLite); otherwise every commit syncs itself.
 *
 * Invariants
 *   1. Tickets are taken in commit order, under the write lock, after the COMMIT wrote the log.
 *   2. store_group_wait(t) returns 0 only once a sync that began after ticket t was taken has succeeded.
 *   3. At most one sync runs at a time; it covers every ticket taken before it began.
 */
#ifndef HEARTH_STORE_GROUP_H
#define HEARTH_STORE_GROUP_H

#include <stdint.h>

#include "store/store_internal.h"

typedef struct store_group store_group;

store_group *store_group_new(void);
void store_group_free(store_group *g);
/* The ticket of a commit that has just written the log (call while still holding the write lock). */
uint64_t store_group_ticket(store_group *g);
/* Wait until commit ticket is durable, syncing the log through s when no other waiter is. 0, or the sync's
 * error (the commit is stored but may not be on the disk: the caller must not acknowledge it as durable). */
int store_group_wait(store_group *g, store *s, uint64_t ticket, core_error *err);
/* Syncs made so far (tests and benchmarks). */
uint64_t store_group_syncs(store_group *g);

#endif
