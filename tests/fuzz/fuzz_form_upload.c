/*
 * fuzz_form_upload.c — libFuzzer driver for a page's form sent as multipart/form-data (http_server.c:
 * form_parse's multipart_parse over libmicrohttpd's post processor, http_form and http_form_file), the path the
 * partner file form (POST /imports/new, HTTP_ROUTE_UPLOAD) takes before its handler sees a byte.
 *
 * Once per process: a scratch database for the server's store pool, and an http_server on a free loopback port
 * whose one route, POST /upload (HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PAGE | HTTP_ROUTE_UPLOAD, 1 MiB), reads the text
 * fields csrf_token and dataset and the file parts mapping and file, as the partner file form's handler does.
 * The server is stopped and the directory removed at exit.
 *
 * Per input: byte 0 chooses the Content-Type (multipart/form-data with boundary "B"; without a boundary; with
 * a long quoted boundary; application/x-www-form-urlencoded; or none); the rest is the body, sent with its
 * Content-Length on a connection of its own. Asserted, in the handler: a text field is NUL-free and no longer
 * than the body; a file part has a name and no more bytes than the body; and, of the answer: it is a whole
 * HTTP response whose status is 200 or a client error (4xx) — a body can be wrong, never break the server.
 * Seeds: tests/fuzz/seeds/fuzz_form_upload/ (a good form, and one cut short). See tests/README.md.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/test_tmpdb.h"
#include "http/http.h"
#include "store/store.h"

enum { UPLOAD_MAX = 1024 * 1024 };

static test_tmpdb fuzz_tmp;
static store_pool *fuzz_pool;
static http_server *fuzz_server;
static int fuzz_port;

static int upload(http_req *req)
{
    const char *fields[] = {"csrf_token", "dataset"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = http_form(req, fields[i]);
        assert(!v || strlen(v) <= req->body.len);
    }
    const char *files[] = {"mapping", "file"};
    for (size_t i = 0; i < 2; i++) {
        const char *name = NULL, *data = NULL;
        size_t len = 0;
        if (http_form_file(req, files[i], &name, &data, &len))
            assert(name && data && len <= req->body.len);
    }
    return http_reply_body(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

static const http_route routes[] = {
    {"POST", "/upload", upload, "public", UPLOAD_MAX, NULL, NULL,
     HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PAGE | HTTP_ROUTE_UPLOAD},
};

static void fuzz_cleanup(void)
{
    if (fuzz_server)
        http_server_stop(fuzz_server);
    if (fuzz_pool)
        store_pool_close(fuzz_pool);
    test_tmpdb_remove(&fuzz_tmp);
}

static int fuzz_setup(void)
{
    core_error err;
    core_error_clear(&err);
    if (test_tmpdb_make(&fuzz_tmp) || store_pool_open(&fuzz_pool, fuzz_tmp.path, 2, &err))
        return -1;
    http_config cfg = {.address = "127.0.0.1", .port = 0, .routes = routes, .nroutes = 1, .pool = fuzz_pool,
                       .threads = 2, .io_threads = 1};
    if (http_server_start(&fuzz_server, &cfg, &fuzz_port, &err)) {
        fprintf(stderr, "fuzz_form_upload: %s: %s\n", err.message, err.detail);
        return -1;
    }
    atexit(fuzz_cleanup);
    return 0;
}

/* Send the request and read the answer to the end; its status, or -1 when the answer is not an HTTP one. */
static int exchange(const char *head, size_t head_len, const uint8_t *body, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fuzz_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    assert(rc == 0);
    size_t off = 0;
    while (off < head_len) {
        ssize_t n = write(fd, head + off, head_len - off);
        assert(n > 0);
        off += (size_t)n;
    }
    off = 0;
    while (off < len) { /* the server may answer and close before it has read it all (413) */
        ssize_t n = write(fd, body + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    char answer[64] = "";
    size_t got = 0;
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        if (got < sizeof answer - 1) {
            size_t k = (size_t)n < sizeof answer - 1 - got ? (size_t)n : sizeof answer - 1 - got;
            memcpy(answer + got, buf, k);
            got += k;
            answer[got] = '\0';
        }
    }
    close(fd);
    if (got < 12 || strncmp(answer, "HTTP/1.1 ", 9) != 0)
        return -1;
    int status = 0;
    for (size_t i = 9; i < 12; i++) {
        if (answer[i] < '0' || answer[i] > '9')
            return -1;
        status = status * 10 + (answer[i] - '0');
    }
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready = -1;
    if (ready < 0)
        ready = fuzz_setup() == 0;
    assert(ready);
    if (size < 1 || size - 1 > UPLOAD_MAX)
        return 0;
    static const char *const types[] = {
        "Content-Type: multipart/form-data; boundary=B\r\n",
        "Content-Type: multipart/form-data\r\n",
        "Content-Type: multipart/form-data; boundary=\"a-rather-long-quoted-boundary-0123456789\"\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "",
    };
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n",
                     types[data[0] % (sizeof types / sizeof types[0])], size - 1);
    assert(n > 0 && (size_t)n < sizeof head);
    int status = exchange(head, (size_t)n, data + 1, size - 1);
    assert(status == 200 || (status >= 400 && status < 500));
    return 0;
}
