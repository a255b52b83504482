/*
 * core_arena.c — the bump allocator behind every request's memory (see core_arena.h for the contract).
 *
 * Blocks are malloc'd in sizes that double from 8 KiB up to 1 MiB; a request larger than a block's free
 * space gets a block of its own. Reset keeps the smallest block so a request loop does not call malloc at all
 * in the common case.
 */
#include "core/core_arena.h"

#include <stdarg.h>
#include <stdint.h>

struct core_arena_block {
    core_arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct core_arena_cleanup {
    core_arena_cleanup *next;
    void (*fn)(void *);
    void *ptr;
};

enum { ARENA_MIN_BLOCK = 8 * 1024, ARENA_MAX_BLOCK = 1024 * 1024, ARENA_ALIGN = 16 };

_Noreturn void core_die(const char *what)
{
    fprintf(stderr, "hearth: fatal: %s\n", what);
    abort();
}

void *core_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        core_die("out of memory");
    return p;
}

void *core_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        core_die("out of memory");
    return q;
}

void core_arena_set_fallible(core_arena *a)
{
    a->fallible = 1;
}

void core_arena_fail(core_arena *a, const char *what)
{
    if (!a->fallible)
        core_die(what);
    a->failed = 1;
}

/* A new block, or NULL when a fallible arena is out of memory (marked failed); aborts otherwise. */
static core_arena_block *arena_block_new(core_arena *a, size_t size)
{
    core_arena_block *b = size > SIZE_MAX - sizeof(core_arena_block) ? NULL : malloc(sizeof(*b) + size);
    if (!b) {
        core_arena_fail(a, size > SIZE_MAX - sizeof(core_arena_block) ? "arena block size overflow"
                                                                      : "out of memory");
        return NULL;
    }
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *core_arena_alloc(core_arena *a, size_t n)
{
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) {
        core_arena_fail(a, "arena allocation overflow");
        return NULL;
    }
    core_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (size > ARENA_MAX_BLOCK)
            size = ARENA_MAX_BLOCK;
        if (size < need)
            size = need;
        core_arena_block *nb = arena_block_new(a, size);
        if (!nb)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->allocated += need;
    memset(p, 0, n);
    return p;
}

void *core_arena_calloc(core_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        core_arena_fail(a, "arena allocation overflow");
        return NULL;
    }
    return core_arena_alloc(a, count * size);
}

char *core_arena_strndup(core_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = core_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *core_arena_strdup(core_arena *a, const char *s)
{
    return s ? core_arena_strndup(a, s, strlen(s)) : NULL;
}

char *core_arena_printf(core_arena *a, const char *fmt, ...)
{
    /* Said out loud for GCC: with -fsanitize=undefined it otherwise warns of a "null format string" on the
     * path its nonnull check adds (a false positive that -Werror turns into a failed build). */
    if (!fmt)
        core_die("null format");
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        core_die("bad format");
    char *p = core_arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void core_arena_on_release(core_arena *a, void (*fn)(void *), void *ptr)
{
    unsigned char fallible = a->fallible;
    a->fallible = 0; /* a cleanup is never lost: out of memory here aborts */
    core_arena_cleanup *c = core_arena_alloc(a, sizeof(*c));
    a->fallible = fallible;
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

void core_arena_run_cleanups(core_arena *a)
{
    /* A cleanup may not allocate from this arena: the list is detached first so it runs exactly once. */
    core_arena_cleanup *c = a->cleanups;
    a->cleanups = NULL;
    for (; c; c = c->next)
        c->fn(c->ptr);
}

void core_arena_reset(core_arena *a)
{
    core_arena_run_cleanups(a);
    core_arena_block *keep = NULL;
    for (core_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (!next) { /* the oldest, smallest block is kept */
            keep = b;
            break;
        }
        free(b);
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->allocated = 0;
    a->failed = 0;
}

void core_arena_release(core_arena *a)
{
    core_arena_run_cleanups(a);
    for (core_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->allocated = 0;
    a->failed = 0;
}
