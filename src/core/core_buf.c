/*
 * core_buf.c — the string builder (contract in core_buf.h).
 */
#include "core/core_buf.h"

#include <stdint.h>

void core_buf_init(core_buf *b, size_t max)
{
    b->cap = 64;
    b->data = core_xmalloc(b->cap);
    b->data[0] = '\0';
    b->len = 0;
    b->max = max;
    b->err = 0;
    b->arena = NULL;
}

void core_buf_init_arena(core_buf *b, core_arena *a, size_t max)
{
    b->cap = 64;
    b->data = core_arena_alloc(a, b->cap);
    b->len = 0;
    b->max = max;
    b->err = 0;
    b->arena = a;
}

void core_buf_reset(core_buf *b)
{
    b->len = 0;
    b->err = 0;
    b->data[0] = '\0';
}

void core_buf_release(core_buf *b)
{
    if (!b->arena) {
        free(b->data);
        b->data = NULL;
    }
    b->len = b->cap = 0;
}

char *core_buf_detach(core_buf *b, size_t *len)
{
    char *d = b->data;
    if (len)
        *len = b->len;
    if (b->arena) { /* arena storage cannot be handed over: give a heap copy; the buffer stays in the arena */
        d = memcpy(core_xmalloc(b->len + 1), b->data, b->len + 1);
        core_buf_init_arena(b, b->arena, b->max);
    } else {
        core_buf_init(b, b->max);
    }
    return d;
}

static int buf_grow(core_buf *b, size_t extra)
{
    if (b->err)
        return -1;
    if (extra > b->max || b->len > b->max - extra) {
        b->err = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64; /* 0 after core_buf_release(): doubling 0 would never end */
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (b->arena) { /* the old storage goes back with the arena */
            char *d = core_arena_alloc(b->arena, cap);
            memcpy(d, b->data, b->len + 1);
            b->data = d;
        } else {
            b->data = core_xrealloc(b->data, cap);
        }
        b->cap = cap;
    }
    return 0;
}

void core_buf_add(core_buf *b, const void *data, size_t len)
{
    if (buf_grow(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void core_buf_adds(core_buf *b, const char *s)
{
    core_buf_add(b, s, strlen(s));
}

void core_buf_addch(core_buf *b, char c)
{
    core_buf_add(b, &c, 1);
}

void core_buf_vaddf(core_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = 1;
        return;
    }
    if (buf_grow(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void core_buf_addf(core_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    core_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void core_buf_add_html(core_buf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        core_buf_add(b, s + start, i - start);
        core_buf_adds(b, rep);
        start = i + 1;
    }
    core_buf_add(b, s + start, len - start);
}

void core_buf_add_json_string(core_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    core_buf_addch(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t n = 2;
        esc[0] = '\\';
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
        } else if (c == '\n') {
            esc[1] = 'n';
        } else if (c == '\r') {
            esc[1] = 'r';
        } else if (c == '\t') {
            esc[1] = 't';
        } else if (c < 0x20 || c == 0x7f) {
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        } else {
            continue;
        }
        core_buf_add(b, s + start, i - start);
        core_buf_add(b, esc, n);
        start = i + 1;
    }
    core_buf_add(b, s + start, len - start);
    core_buf_addch(b, '"');
}
