/*
 * core_log.h — structured logging: one JSON object per line on stderr.
 *
 *   core_log(CORE_LOG_INFO, "server_started", "address", addr, "threads", "4", CORE_LOG_END);
 * writes {"ts":"2026-11-23T09:00:00Z","level":"info","event":"server_started","address":"...","threads":"4"}
 *
 * Invariants: values are JSON-escaped; a line is written with one write() so lines from threads do not
 * interleave; personal data is never logged (log identifiers of rows, not names). Messages below the level set
 * by core_log_set_level() (default info; HEARTH_LOG=debug|info|warn|error overrides) are dropped.
 */
#ifndef HEARTH_CORE_LOG_H
#define HEARTH_CORE_LOG_H

enum core_log_level { CORE_LOG_DEBUG, CORE_LOG_INFO, CORE_LOG_WARN, CORE_LOG_ERROR };

void core_log_set_level(enum core_log_level level);
void core_log_init_from_env(void);
/* Ends the key/value list: a typed null pointer (a bare NULL may be an int in a variadic call). */
#define CORE_LOG_END ((const char *)NULL)

/* event: a short snake_case name; then key, value pairs of strings, ended by CORE_LOG_END. */
void core_log(enum core_log_level level, const char *event, ...) __attribute__((sentinel));

#endif
