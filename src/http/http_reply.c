/*
 * http_reply.c — route matching and replies: JSON, bytes, errors rendered from core_error (contract in http.h).
 */
#include <inttypes.h>
#include <microhttpd.h>
#include <strings.h>

#include "core/core_log.h"
#include "core/core_parse.h"
#include "http/http.h"
#include "http/http_internal.h"

/* ---- route matching ---- */

static int seg_is_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

int http_route_match(const char *pattern, const char *path, int64_t *ids, int *nids, const char **names,
                     int *nnames, core_arena *a)
{
    *nids = *nnames = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p != '/' || *u != '/')
            return 0;
        p++, u++;
        const char *pe = strchr(p, '/'), *ue = strchr(u, '/');
        size_t pn = pe ? (size_t)(pe - p) : strlen(p), un = ue ? (size_t)(ue - u) : strlen(u);
        if (pn == 4 && memcmp(p, "{id}", 4) == 0) {
            int64_t v;
            /* canonical decimal only: one URL per row, so "01" and "1" never name the same record twice */
            if (*nids == HTTP_MAX_PATH_PARAMS || un == 0 || u[0] == '0' ||
                core_parse_int64(u, un, 1, INT64_MAX, &v))
                return 0;
            ids[(*nids)++] = v;
        } else if (pn == 6 && memcmp(p, "{name}", 6) == 0) {
            if (*nnames == HTTP_MAX_PATH_PARAMS || !seg_is_name(u, un))
                return 0;
            names[(*nnames)++] = core_arena_strndup(a, u, un);
        } else if (pn != un || memcmp(p, u, pn) != 0) {
            return 0;
        }
        p += pn, u += un;
    }
    return *p == '\0' && *u == '\0';
}

/* ---- replies ---- */

/* The reply's bytes are malloc'd (json_dumps, http_reply_bytes): the request owns them apart from its arena,
 * whose cleanups run before the reply is sent (worker_main gives the store handle back first), and frees them
 * in on_completed, or here when a later reply (an audit error) replaces them. */
static void reply_own(http_req *req, char *heap)
{
    free(req->resp_heap);
    req->resp_heap = heap;
}

int http_reply_json(http_req *req, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    if (!s)
        core_die("out of memory");
    reply_own(req, s);
    req->status = status;
    req->resp = s;
    req->resp_len = strlen(s);
    req->content_type = "application/json; charset=utf-8";
    req->replied = 1;
    return 0;
}

int http_reply_bytes(http_req *req, int status, const char *content_type, const char *filename, char *data,
                     size_t len)
{
    reply_own(req, data);
    req->status = status;
    req->resp = data;
    req->resp_len = len;
    req->content_type = content_type;
    if (filename) {
        for (const char *c = filename; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                  *c == '-' || *c == '_'))
                core_die("http_reply_bytes: a file name outside [A-Za-z0-9._-]");
        req->disposition = core_arena_printf(&req->arena, "attachment; filename=\"%s\"", filename);
    }
    req->replied = 1;
    return 0;
}

int http_reply_body(http_req *req, int status, const char *content_type, const char *body, size_t len)
{
    char *copy = core_arena_alloc(&req->arena, len + 1);
    memcpy(copy, body, len);
    req->status = status;
    req->resp = copy;
    req->resp_len = len;
    req->content_type = content_type;
    req->replied = 1;
    return 0;
}

const void *http_app(const http_req *req)
{
    return req->server ? req->server->cfg.app : NULL;
}

/* Does the detail come from the database engine (its own words name tables, columns and constraints)? */
static int engine_words(const char *detail)
{
    static const char *const marks[] = {"constraint failed", "sqlite", "SQL", "no such table", "no such column",
                                        "syntax error", "database is locked", "disk I/O error", "ERROR:", NULL};
    for (const char *const *m = marks; *m; m++)
        if (strstr(detail, *m))
            return 1;
    return 0;
}

int http_reply_error(http_req *req, const core_error *err)
{
    if (req->route && (req->route->flags & HTTP_ROUTE_PAGE) && req->server->cfg.page_error)
        return req->server->cfg.page_error(req, err);
    /* A server-side failure, or any text of the database engine, is logged, never answered: the user gets
     * what failed in Hearth's words (no SQL, no table or column names). */
    core_error shown = *err;
    int server_side = err->code == CORE_E_INTERNAL || err->code == CORE_E_IO || err->code == CORE_E_STORE;
    if (err->code == CORE_E_STORAGE_FULL) { /* its own words and hint, without the engine's text */
        core_log(CORE_LOG_ERROR, "request_failed", "code", core_error_name(err->code), "detail", err->detail,
                 "route", req->route ? req->route->pattern : "", CORE_LOG_END);
        if (engine_words(err->detail)) {
            char hint[sizeof(shown.hint)];
            snprintf(hint, sizeof(hint), "%s", err->hint);
            core_error_set(&shown, CORE_E_STORAGE_FULL, "the disk holding the database is full");
            core_error_hint(&shown, "%s", hint[0] ? hint : "free space on the server's disk; Hearth recovers");
        }
        err = &shown;
    } else if (server_side || engine_words(err->detail) || engine_words(err->hint)) {
        core_log(CORE_LOG_ERROR, "request_failed", "code", core_error_name(err->code), "detail", err->detail,
                 "route", req->route ? req->route->pattern : "", CORE_LOG_END);
        if (err->code == CORE_E_CONFLICT)
            core_error_set(&shown, CORE_E_CONFLICT, "this record conflicts with one already stored");
        else
            core_error_set(&shown, err->code, "the server could not complete this request");
        core_error_hint(&shown, err->code == CORE_E_CONFLICT ? "GET the existing record instead of recording it "
                                                               "again"
                                                             : "try again; if it goes on, tell the administrator "
                                                               "(the server log has the cause)");
        err = &shown;
    }
    json_t *e = json_pack("{s:{s:s,s:s,s:s,s:s}}", "error", "code", core_error_name(err->code), "message",
                          err->message, "detail", err->detail, "hint", err->hint);
    if (!e) { /* a detail that is not UTF-8 (never expected): answer without it */
        e = json_pack("{s:{s:s,s:s,s:s,s:s}}", "error", "code", core_error_name(err->code), "message",
                      core_error_default_message(err->code), "detail", "", "hint", "");
    }
    if (json_array_size(req->problems) > 1 && core_error_http_status(err->code) == 422) /* every problem, not the first */
        json_object_set(e, "errors", req->problems);
    int rc = http_reply_json(req, core_error_http_status(err->code), e);
    json_decref(e);
    return rc;
}

