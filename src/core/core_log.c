/*
 * core_log.c — JSON-lines logging to stderr (contract in core_log.h).
 */
#include "core/core_log.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "core/core_buf.h"

static enum core_log_level log_level = CORE_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void core_log_set_level(enum core_log_level level)
{
    log_level = level;
}

void core_log_init_from_env(void)
{
    const char *v = getenv("HEARTH_LOG");
    if (!v)
        return;
    for (int i = 0; i < 4; i++)
        if (strcmp(v, level_names[i]) == 0)
            log_level = (enum core_log_level)i;
}

void core_log(enum core_log_level level, const char *event, ...)
{
    if (level < log_level)
        return;
    char ts[32];
    time_t now = time(NULL); /* the machine's clock, not core_clock: logs line up with the machine's other logs */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

    core_buf b;
    core_buf_init(&b, 16 * 1024);
    core_buf_addf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_names[level]);
    core_buf_add_json_string(&b, event, strlen(event));
    va_list ap;
    va_start(ap, event);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        core_buf_addch(&b, ',');
        core_buf_add_json_string(&b, k, strlen(k));
        core_buf_addch(&b, ':');
        if (v)
            core_buf_add_json_string(&b, v, strlen(v));
        else
            core_buf_adds(&b, "null");
    }
    va_end(ap);
    core_buf_adds(&b, "}\n");
    if (core_buf_ok(&b)) {
        ssize_t r = write(STDERR_FILENO, b.data, b.len);
        (void)r;
    }
    core_buf_release(&b);
}
