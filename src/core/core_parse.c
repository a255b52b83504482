/*
 * core_parse.c — checked integer parsing (contract in core_parse.h).
 */
#include "core/core_parse.h"

int core_parse_int64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    if (!s || len == 0 || len > 20)
        return -1;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1)
            return -1;
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    int64_t r;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return -1;
        r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -1;
        r = (int64_t)v;
    }
    if (r < min || r > max)
        return -1;
    *out = r;
    return 0;
}
