/*
 * core_buf.h — the one string builder: a growable byte buffer with a hard maximum and a sticky error.
 *
 * Invariants
 *   1. buf->data is always NUL-terminated (buf->len excludes the NUL), even after an error.
 *   2. buf->len <= buf->max. An append that would pass max appends nothing, sets buf->err, and every later
 *      append is a no-op: callers check core_buf_ok() once at the end instead of after every call.
 *   3. A buffer initialised with core_buf_init() owns heap memory and is given back by core_buf_release();
 *      one made by core_buf_init_arena() takes its storage from the arena (growth copies into a new arena
 *      allocation) and is given back when the arena is reset or released: it needs no release.
 * Lifecycle verbs: _init (ready to use), _reset (empty, keep memory), _release (give back memory),
 * _detach (hand the bytes to the caller, who frees them).
 */
#ifndef HEARTH_CORE_BUF_H
#define HEARTH_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/core_arena.h"

typedef struct core_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;   /* hard maximum length in bytes */
    int err;      /* sticky: nonzero once an append went past max */
    core_arena *arena; /* non-NULL: storage comes from (and goes back with) this arena */
} core_buf;

#define CORE_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

void core_buf_init(core_buf *b, size_t max);
void core_buf_init_arena(core_buf *b, core_arena *a, size_t max);
void core_buf_reset(core_buf *b);
void core_buf_release(core_buf *b);
/* Hand the NUL-terminated bytes to the caller (free() them); the buffer is left empty and usable. An arena
 * buffer hands over a heap copy and stays an arena buffer. After core_buf_release() a buffer may be appended
 * to again (it grows from nothing) and then needs releasing again. */
char *core_buf_detach(core_buf *b, size_t *len);

void core_buf_add(core_buf *b, const void *data, size_t len);
void core_buf_adds(core_buf *b, const char *s);
void core_buf_addch(core_buf *b, char c);
void core_buf_addf(core_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void core_buf_vaddf(core_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append s with HTML special characters (& < > " ') escaped. */
void core_buf_add_html(core_buf *b, const char *s, size_t len);
/* Append s as a JSON string literal, quotes included, with every control character escaped. */
void core_buf_add_json_string(core_buf *b, const char *s, size_t len);

static inline int core_buf_ok(const core_buf *b)
{
    return !b->err;
}

#endif
