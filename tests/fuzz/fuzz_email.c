/*
 * fuzz_email.c — libFuzzer driver for model_email_ok() (model/model_check.c), the check that an email
 * address recorded as a contact detail is one.
 *
 * The input, NUL-terminated, is checked; an address accepted must hold what the check promises: at most 254
 * bytes, exactly one '@' with 1..64 bytes before it, no space or control character, a domain of at least two
 * non-empty dot-separated labels none starting or ending with '-', the last of two or more non-digits; and
 * the same address with a space, a second '@' or a trailing dot added is refused.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_accepted_shape(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    assert(n <= 254 && at && at > s && at - s <= 64 && !strchr(at + 1, '@'));
    for (const char *c = s; *c; c++)
        assert((unsigned char)*c > 0x20 && *c != 0x7f);
    const char *dot = strrchr(at + 1, '.');
    assert(dot && dot > at + 1 && strlen(dot + 1) >= 2);
    for (const char *c = dot + 1; *c; c++)
        assert(!(*c >= '0' && *c <= '9') && *c != '-');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 400) return 0;
    char *s = malloc(size + 3);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (strlen(s) == size && model_email_ok(s)) {
        fuzz_accepted_shape(s);
        static const char *const spoil[] = {" ", "@", "."};
        for (size_t i = 0; i < 3; i++) {
            memcpy(s, data, size);
            s[size] = spoil[i][0];
            s[size + 1] = 0;
            assert(!model_email_ok(s));
        }
    }
    free(s);
    return 0;
}
