/*
 * core_arena.h — memory by lifetime: a bump allocator owning everything made for one request, one batch or
 * one command.
 *
 * What it is for: every HTTP request, CLI command and import batch owns one arena; whatever it allocates
 * (strings, JSON, statement handles) lives exactly as long as that unit of work and is given back at once by
 * core_arena_release(). Handlers never call free().
 * What it is not for: long-lived caches, or anything shared between threads (an arena is single-threaded).
 *
 * Invariants
 *   1. Memory from core_arena_alloc() is aligned to 16 bytes and valid until core_arena_reset() or
 *      core_arena_release() on the same arena.
 *   2. Cleanups registered with core_arena_on_release() run exactly once, newest first, at reset or release
 *      (or earlier, at core_arena_run_cleanups()).
 *   3. Internal allocation failure aborts the process (core_die): sizes that come from outside the program
 *      must be checked against a declared maximum before they reach the arena. A *fallible* arena
 *      (core_arena_set_fallible) is the exception, for work that must end in an error rather than the
 *      program's end (the matching engine's reading, which runs inside the server's jobs): there an
 *      allocation that fails returns NULL (strdup, strndup and printf too) and marks the arena failed,
 *      sticky until reset or release, so that its user checks core_arena_failed() once per unit of work
 *      instead of after every call. Only the allocation of a new block can fail; the bump within a block is
 *      the same code either way.
 *   4. A zero-initialised core_arena (CORE_ARENA_INIT) is a valid empty arena (not fallible).
 */
#ifndef HEARTH_CORE_ARENA_H
#define HEARTH_CORE_ARENA_H

#include <stddef.h>

typedef struct core_arena_block core_arena_block;
typedef struct core_arena_cleanup core_arena_cleanup;

typedef struct core_arena {
    core_arena_block *head;      /* newest block; older ones follow */
    core_arena_cleanup *cleanups;/* newest first */
    size_t allocated;            /* bytes handed out since the last reset (for statistics and limits) */
    unsigned char fallible;      /* invariant 3: out of memory returns NULL instead of aborting */
    unsigned char failed;        /* a fallible arena's allocation failed since the last reset */
} core_arena;

#define CORE_ARENA_INIT {0}

/* Make a's allocations fail with NULL instead of aborting (invariant 3); kept across reset and release. */
void core_arena_set_fallible(core_arena *a);
/* 1 when a fallible arena's allocation failed since its last reset or release, else 0. */
static inline int core_arena_failed(const core_arena *a)
{
    return a->failed;
}
/* Record a failure the arena's user met on its own (out of memory for scratch space whose result was to go
 * into a): a fallible arena is marked failed; any other arena aborts, as its own allocation would. */
void core_arena_fail(core_arena *a, const char *what);

/* Allocate n bytes (n may be 0), zero-filled. Never returns NULL (aborts on out-of-memory), except in a
 * fallible arena. */
void *core_arena_alloc(core_arena *a, size_t n);
/* Allocate count * size bytes, aborting on overflow as on out-of-memory. */
void *core_arena_calloc(core_arena *a, size_t count, size_t size);
/* Copy a NUL-terminated string / the first n bytes of s (NUL added) into the arena. s NULL gives NULL. */
char *core_arena_strdup(core_arena *a, const char *s);
char *core_arena_strndup(core_arena *a, const char *s, size_t n);
/* Format into the arena (printf rules); never NULL, except in a fallible arena out of memory. */
char *core_arena_printf(core_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run fn(ptr) when the arena is reset or released (e.g. finalize a statement, free a jansson value). Aborts
 * on out-of-memory even in a fallible arena: a cleanup must never be lost. */
void core_arena_on_release(core_arena *a, void (*fn)(void *), void *ptr);
/* Run the cleanups registered so far (newest first) and forget them; the memory stays valid until reset or
 * release. For a unit of work that must give back what its cleanups hold (statements on a store handle) before
 * the rest of its memory is done with (an HTTP request's response, sent later). */
void core_arena_run_cleanups(core_arena *a);
/* Run cleanups and give back all memory but keep one block for reuse. */
void core_arena_reset(core_arena *a);
/* Run cleanups and give back all memory; the arena is empty and may be used again. */
void core_arena_release(core_arena *a);

/* Print a message to stderr and abort: for impossible states and internal out-of-memory only. */
_Noreturn void core_die(const char *what);
/* malloc/realloc that abort on failure, for internal sizes only. */
void *core_xmalloc(size_t n);
void *core_xrealloc(void *p, size_t n);

#endif
