/*
 * core_error.c — lookups over CORE_ERROR_TABLE and the recording helpers (contract in core_error.h).
 */
#include "core/core_error.h"

#include <stdarg.h>

struct error_row {
    int code;
    const char *name;
    int http;
    const char *message;
};

static const struct error_row error_rows[] = {
#define CORE_ERROR_ROW(sym, val, name, http, msg) {val, name, http, msg},
    CORE_ERROR_TABLE(CORE_ERROR_ROW)
#undef CORE_ERROR_ROW
};

static const struct error_row *error_row_find(int code)
{
    for (size_t i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++)
        if (error_rows[i].code == code)
            return &error_rows[i];
    return &error_rows[1]; /* internal */
}

const char *core_error_name(int code)
{
    return error_row_find(code)->name;
}

int core_error_http_status(int code)
{
    return error_row_find(code)->http;
}

const char *core_error_default_message(int code)
{
    return error_row_find(code)->message;
}

void core_error_clear(core_error *err)
{
    if (!err)
        return;
    err->code = CORE_OK;
    err->message[0] = err->detail[0] = err->hint[0] = '\0';
}

int core_error_set(core_error *err, int code, const char *detail_fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->message, sizeof(err->message), "%s", core_error_default_message(code));
    err->detail[0] = '\0';
    err->hint[0] = '\0';
    if (detail_fmt) {
        va_list ap;
        va_start(ap, detail_fmt);
        vsnprintf(err->detail, sizeof(err->detail), detail_fmt, ap);
        va_end(ap);
    }
    return code;
}

int core_error_hint(core_error *err, const char *hint_fmt, ...)
{
    if (!err)
        return CORE_E_INTERNAL;
    va_list ap;
    va_start(ap, hint_fmt);
    vsnprintf(err->hint, sizeof(err->hint), hint_fmt, ap);
    va_end(ap);
    return err->code;
}

int core_error_message(core_error *err, const char *msg_fmt, ...)
{
    if (!err)
        return CORE_E_INTERNAL;
    va_list ap;
    va_start(ap, msg_fmt);
    vsnprintf(err->message, sizeof(err->message), msg_fmt, ap);
    va_end(ap);
    return err->code;
}
