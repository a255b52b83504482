/*
 * fuzz_ident.c — libFuzzer driver for model/model_ident (NHS number, UPN, NINO, postcode checks).
 *
 * The first byte selects a kind (low two bits) and the rest is the input; every kind and the strict NINO
 * check also see the whole buffer, so no byte is wasted. For each check it asserts the invariants in
 * model_ident.h:
 *   - out is always NUL-terminated inside MODEL_IDENT_MAX; "" on failure, with a non-empty static reason;
 *   - a valid result's canonical form is printable ASCII without lower case, re-checks as valid and is a
 * fixed point, and agrees with the exported check-digit / check-letter / LA-code helpers;
 *   - whatever model_ident_nino_strict accepts, the lenient NINO check accepts with the same characters.
 * Build: clang -g -fsanitize=fuzzer,address,undefined -include src/core/banned.h -Isrc
 *        src/model/model_ident.c tests/fuzz/fuzz_ident.c
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/model_ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const model_ident_kind fuzz_kinds[] = {MODEL_IDENT_NHS, MODEL_IDENT_UPN, MODEL_IDENT_NINO,
                                              MODEL_IDENT_POSTCODE};

/* Asserts the shape every canonical form of this kind must have. */
static void fuzz_check_canonical(model_ident_kind kind, const char *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert(c[i] > ' ' ? (c[i] < 0x7f && !(c[i] >= 'a' && c[i] <= 'z')) : c[i] == ' ');
    switch (kind) {
    case MODEL_IDENT_NHS:
        assert(n == 10);
        assert(model_ident_nhs_check_digit(c) == c[9] - '0');
        break;
    case MODEL_IDENT_UPN:
        assert(n == 13 || (n == 3 && c[0] == 'U' && c[1] == 'N' && c[2] >= '1' && c[2] <= '5'));
        if (n == 13) {
            assert(model_ident_upn_check_letter(c + 1) == c[0]);
            assert(model_ident_upn_la_known(c + 1));
        }
        break;
    case MODEL_IDENT_NINO:
        assert(n == 9);
        assert(model_ident_nino_strict(c, n) == 1);
        break;
    case MODEL_IDENT_POSTCODE:
        assert(n >= 6 && n <= 8);
        assert(c[n - 4] == ' ' && memchr(c, ' ', n - 4) == NULL);
        break;
    }
}

/* Runs one check and asserts its invariants. Returns the check's result. */
static int fuzz_one(model_ident_kind kind, const char *in, size_t len, char out[MODEL_IDENT_MAX])
{
    const char *reason = NULL;
    memset(out, 'x', MODEL_IDENT_MAX);
    int rc = model_ident_check(kind, in, len, out, &reason);
    assert(rc == 0 || rc == -1);
    assert(memchr(out, '\0', MODEL_IDENT_MAX) != NULL);
    if (rc != 0) {
        assert(out[0] == '\0');
        assert(reason != NULL && reason[0] >= 'a' && reason[0] <= 'z');
        return rc;
    }
    assert(len <= MODEL_IDENT_INPUT_MAX);
    size_t n = strlen(out);
    assert(n > 0 && n < MODEL_IDENT_MAX);
    fuzz_check_canonical(kind, out, n);

    /* Fixed point: the canonical form checks as valid and canonicalises to itself. */
    char again[MODEL_IDENT_MAX];
    const char *reason2 = NULL;
    assert(model_ident_check(kind, out, n, again, &reason2) == 0);
    assert(strcmp(again, out) == 0);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[MODEL_IDENT_MAX];
    const char *all = (const char *)data;

    /* The first byte picks a kind for the rest of the input. */
    if (size > 0) (void)fuzz_one(fuzz_kinds[data[0] & 3], all + 1, size - 1, out);

    /* Every check also sees the whole buffer. */
    for (size_t k = 0; k < sizeof fuzz_kinds / sizeof fuzz_kinds[0]; k++)
        (void)fuzz_one(fuzz_kinds[k], all, size, out);

    /* Strict NINO acceptance implies lenient acceptance with the spaces dropped. */
    if (model_ident_nino_strict(all, size)) {
        assert(fuzz_one(MODEL_IDENT_NINO, all, size, out) == 0);
        char squeezed[MODEL_IDENT_MAX];
        size_t n = 0;
        for (size_t i = 0; i < size; i++) {
            if (all[i] != ' ') {
                assert(n < 9);
                squeezed[n++] = all[i];
            }
        }
        squeezed[n] = '\0';
        assert(strcmp(squeezed, out) == 0);
    }

    /* The helpers with fixed-size arguments must cope with any bytes. */
    if (size >= 12) {
        char letter = model_ident_upn_check_letter(all);
        assert(letter == 0 || strchr("ABCDEFGHJKLMNPQRTUVWXYZ", letter) != NULL);
    }
    if (size >= 9) {
        int d = model_ident_nhs_check_digit(all);
        assert(d >= -1 && d <= 9);
    }
    if (size >= 3) (void)model_ident_upn_la_known(all);
    return 0;
}
