/*
 * http_stream.c — a reply whose bytes are read as the connection takes them (contract in http.h:
 * http_reply_stream), for a download too large to hold in memory.
 *
 * The handler replies with a size and a read callback instead of a buffer; send_reply (http_server.c) asks
 * http_stream_response() for libmicrohttpd's response first and falls back to the buffer. The callback runs
 * on the event loop, which must never block: it reads what the handler already made ready (a local file, a
 * buffer), never the database. Ownership: the stream is the request's until send_reply hands it to
 * libmicrohttpd (which calls release when it is done with the response); a reply made after it (an audit
 * error replacing it) sets req->resp, so the stream is not sent, and on_completed releases it.
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

struct http_stream {
    uint64_t size;
    http_stream_read read;
    http_stream_release release;
    void *ctx;
};

enum { STREAM_BLOCK = 64 * 1024 };

static void stream_free(void *cls)
{
    http_stream *st = cls;
    if (st->release)
        st->release(st->ctx);
    free(st);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    http_stream *st = cls;
    if (pos >= st->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (max > st->size - pos)
        max = (size_t)(st->size - pos);
    ssize_t n = st->read(st->ctx, pos, buf, max);
    /* nothing read before the end would make the event loop ask again at once: end the reply instead (the
     * client sees a body shorter than its Content-Length) */
    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

int http_reply_stream(http_req *req, int status, const char *content_type, const char *filename, uint64_t size,
                      http_stream_read read, http_stream_release release, void *ctx)
{
    http_stream_drop(req);
    if (filename) {
        for (const char *c = filename; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                  *c == '-' || *c == '_'))
                core_die("http_reply_stream: a file name outside [A-Za-z0-9._-]");
        req->disposition = core_arena_printf(&req->arena, "attachment; filename=\"%s\"", filename);
    }
    http_stream *st = core_xmalloc(sizeof *st);
    *st = (http_stream){size, read, release, ctx};
    req->stream = st;
    req->status = status;
    req->resp = NULL; /* a later reply sets it, and is sent instead */
    req->resp_len = 0;
    req->content_type = content_type;
    req->replied = 1;
    return 0;
}

void *http_stream_response(http_req *req)
{
    if (!req->stream || req->resp)
        return NULL;
    http_stream *st = req->stream;
    req->stream = NULL; /* libmicrohttpd's from here: stream_free when it is done */
    struct MHD_Response *resp = MHD_create_response_from_callback(st->size, STREAM_BLOCK, stream_reader, st,
                                                                   stream_free);
    if (!resp)
        stream_free(st);
    return resp;
}

void http_stream_drop(http_req *req)
{
    if (req->stream) {
        stream_free(req->stream);
        req->stream = NULL;
    }
}
