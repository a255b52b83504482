/*
 * core_parse.h — checked number parsing (atoi and friends are banned: they cannot report errors).
 */
#ifndef HEARTH_CORE_PARSE_H
#define HEARTH_CORE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a whole decimal integer (optional leading '-', digits only, no spaces) in [min, max].
 * s need not be NUL-terminated. Returns 0 and sets *out, or -1 (nothing set). */
int core_parse_int64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

#endif
