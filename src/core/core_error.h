/*
 * core_error.h — Hearth's one error table and the error value every layer returns.
 *
 * Functions return 0 on success or a negative CORE_E_* code from the table below, and fill a core_error
 * with the code, a short primary message (lowercase, says what failed first), a detail (which field, which
 * rule, which line) and a hint (what to do). The API renders it as
 *   {"error":{"code":"invalid_identifier","message":...,"detail":...,"hint":...}}
 * with the table's HTTP status; the CLI prints it and exits with the table's exit status.
 *
 * Invariants
 *   1. Codes, their names and HTTP statuses are generated from CORE_ERROR_TABLE alone: add a row there.
 *   2. Messages, details and hints never contain secrets or personal data (name the field, not its value).
 *   3. A core_error is plain data with fixed-size text fields: it can be copied and needs no release.
 */
#ifndef HEARTH_CORE_ERROR_H
#define HEARTH_CORE_ERROR_H

#include <stddef.h>

/*            symbol                 value  name                    http  message */
#define CORE_ERROR_TABLE(X)                                                                                   \
    X(CORE_OK,                          0, "ok",                    200, "ok")                                \
    X(CORE_E_INTERNAL,                 -1, "internal",              500, "internal error")                    \
    X(CORE_E_IO,                       -2, "io",                    500, "input or output failed")            \
    X(CORE_E_STORE,                    -3, "store",                 500, "database operation failed")         \
    X(CORE_E_BUSY,                     -4, "busy",                  503, "database is busy")                  \
    X(CORE_E_USAGE,                    -5, "usage",                 400, "wrong usage")                       \
    X(CORE_E_INVALID_JSON,             -6, "invalid_json",          400, "request body is not valid json")    \
    X(CORE_E_BODY_TOO_LARGE,           -7, "body_too_large",        413, "request body is too large")         \
    X(CORE_E_UNKNOWN_FIELD,            -8, "unknown_field",         422, "unknown field")                     \
    X(CORE_E_WRONG_TYPE,               -9, "wrong_type",            422, "field has the wrong type")          \
    X(CORE_E_MISSING_FIELD,           -10, "missing_field",         422, "required field is missing")         \
    X(CORE_E_INVALID_CODE,            -11, "invalid_code",          422, "value is not in its code list")     \
    X(CORE_E_INVALID_IDENTIFIER,      -12, "invalid_identifier",    422, "identifier is not valid")           \
    X(CORE_E_INVALID_DATE,            -13, "invalid_date",          422, "date is not valid")                 \
    X(CORE_E_INVALID_VALUE,           -14, "invalid_value",         422, "value is not valid")                \
    X(CORE_E_NOT_FOUND,               -15, "not_found",             404, "not found")                         \
    X(CORE_E_METHOD,                  -16, "method_not_allowed",    405, "method not allowed")                \
    X(CORE_E_CONFLICT,                -17, "conflict",              409, "conflicts with the current state")  \
    X(CORE_E_UNAUTHENTICATED,         -18, "unauthenticated",       401, "sign-in required")                  \
    X(CORE_E_FORBIDDEN,               -19, "forbidden",             403, "access denied")                     \
    X(CORE_E_MEDIA_TYPE,              -20, "unsupported_media_type",415, "unsupported media type")            \
    X(CORE_E_BAD_PARAMETER,           -21, "bad_parameter",         400, "query parameter is not valid")      \
    X(CORE_E_STALE,                   -22, "stale_version",         409, "record was changed by someone else")       \
    X(CORE_E_RESTRICTED,              -23, "restricted",            409, "the person's record is restricted") \
    X(CORE_E_STORAGE_FULL,            -24, "storage_full",          507, "storage is full")                   \
    X(CORE_E_GONE,                    -25, "gone",                  410, "no longer available")

enum core_error_code {
#define CORE_ERROR_ENUM(sym, val, name, http, msg) sym = val,
    CORE_ERROR_TABLE(CORE_ERROR_ENUM)
#undef CORE_ERROR_ENUM
};

typedef struct core_error {
    int code;
    char message[128];
    char detail[256];
    char hint[192];
} core_error;

/* Record an error and return its code, so that `return core_error_set(err, CORE_E_X, "...", ...)` records
 * and returns in one line. The message comes from the table; detail is printf-formatted (may be NULL);
 * err may be NULL (the code is still returned). Clears any hint. */
int core_error_set(core_error *err, int code, const char *detail_fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set the hint of an error already recorded; returns err->code. */
int core_error_hint(core_error *err, const char *hint_fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replace the table's primary message (lowercase, no personal data); returns err->code. */
int core_error_message(core_error *err, const char *msg_fmt, ...) __attribute__((format(printf, 2, 3)));
void core_error_clear(core_error *err);

const char *core_error_name(int code);   /* "invalid_json"; "internal" for unknown codes */
int core_error_http_status(int code);    /* 500 for unknown codes */
const char *core_error_default_message(int code);

#endif
