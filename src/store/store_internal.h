/*
 * store_internal.h — what the back ends share with store.c; not for callers outside src/store/.
 * Each back end's handle and statement structs begin with these common headers.
 */
#ifndef HEARTH_STORE_INTERNAL_H
#define HEARTH_STORE_INTERNAL_H

#include "store/store.h"

#include <pthread.h>

struct store {
    const struct store_backend *be;
    int in_tx;
    pthread_mutex_t *write_lock; /* shared by a pool's handles: writers queue here, in turn, not in SQLite's
                                    busy handler (which sleeps with growing pauses and starves some) */
    struct store_group *group;   /* shared by a pool's handles when the back end can sync its log for many
                                    commits at once (store_group.c); NULL: each commit syncs itself */
};

struct store_stmt {
    store *s;
};

#endif
