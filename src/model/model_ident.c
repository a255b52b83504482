/*
 * model_ident.c — NHS number, UPN, NINO and postcode checks (see model_ident.h for the contracts).
 *
 * Every check runs in two steps:
 *   1. ident_compact() copies the input without the harmless formatting (spaces and tabs; dashes for NHS
 *      numbers), folding ASCII lower case to upper case. Everything else is kept, so a NUL, a control byte or
 *      a non-ASCII byte reaches step 2 and is refused there as an invalid character.
 *   2. A per-kind function checks the compacted string against the exact rules and writes the canonical form.
 * The per-kind functions work on the compacted form only, so re-checking a canonical form takes the same path
 * and gives the same answer: that is why the canonical form is a fixed point (header invariant 2).
 *
 * Reason strings are static and never quote the input (header invariant 3).
 */
#include "model/model_ident.h"

#include <stdint.h>
#include <string.h>

/* ---- character helpers (ASCII only, independent of locale) */

static int ident_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int ident_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static char ident_to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Whether c occurs in the NUL-terminated set (c itself must not be NUL). */
static int ident_in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

/*
 * Copies in[0..len) into buf without spaces and tabs (and without dashes when drop_dash), upper-casing when
 * upcase. buf must hold MODEL_IDENT_INPUT_MAX + 1 bytes and len must already be <= MODEL_IDENT_INPUT_MAX.
 * Returns the compacted length; buf is NUL-terminated (an embedded NUL byte is copied as a character).
 */
static size_t ident_compact(const char *in, size_t len, char *buf, int drop_dash, int upcase)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == ' ' || c == '\t' || (drop_dash && c == '-')) continue;
        buf[n++] = upcase ? ident_to_upper(c) : c;
    }
    buf[n] = '\0';
    return n;
}

/* ---- NHS number: modulus 11 (NHS Data Dictionary, domain.md 3.1) */

int model_ident_nhs_check_digit(const char stem[9])
{
    int total = 0;
    for (int i = 0; i < 9; i++) {
        if (!ident_is_digit(stem[i])) return -1;
        total += (stem[i] - '0') * (10 - i); /* weights 10, 9, ..., 2 */
    }
    int check = 11 - total % 11;
    if (check == 11) return 0;
    if (check == 10) return -1; /* no NHS number is ever issued with this stem */
    return check;
}

static int ident_check_nhs(const char *s, size_t n, char *out, const char **reason)
{
    if (n == 0) {
        *reason = "nhs number is empty";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ident_is_digit(s[i])) {
            *reason = "nhs number may contain only digits, spaces and dashes";
            return -1;
        }
    }
    if (n != 10) {
        *reason = "nhs number must be 10 digits";
        return -1;
    }
    int check = model_ident_nhs_check_digit(s);
    if (check < 0) {
        *reason = "nhs number can never be valid: its first nine digits give check 10 (modulus 11)";
        return -1;
    }
    if (check != s[9] - '0') {
        *reason = "nhs number check digit does not match (modulus 11)";
        return -1;
    }
    memcpy(out, s, 10);
    out[10] = '\0';
    return 0;
}

/* ---- UPN: DfE Unique Pupil Number v2.0 check letter, CIN rule 1530, SSDA903 rule 168 (domain.md 3.2) */

/* Check letters by modulus-23 remainder; also the values of a temporary UPN's final letter. */
static const char upn_alphabet[] = "ABCDEFGHJKLMNPQRTUVWXYZ";

/*
 * Local-authority and pseudo-LA codes allowed in UPN characters 2-4: CIN census validation rule 1530,
 * "characters 2-4 of <UPN> must be a valid post April 1998 LA code or a recognised 'pseudo LA' code".
 * Source: data-to-insight/csc-validator-be-cin, cin_validator/rules/cin2023_24/rule_1530.py (the LA_list the
 * rule builds, which adds 942 and 943 to the 940-941 in its docstring), as quoted in domain.md 3.2 and
 * re-read against the repository. Inclusive ranges, ascending.
 */
static const struct {
    uint16_t lo, hi;
} upn_la_codes[] = {
    {1, 5},     {201, 213}, {301, 320}, {330, 336}, {340, 344}, {350, 359}, {370, 373}, {380, 384},
    {390, 394}, {420, 420}, {660, 681}, {701, 708}, {800, 803}, {805, 808}, {810, 813}, {815, 816},
    {820, 823}, {825, 826}, {830, 831}, {835, 839}, {840, 841}, {845, 846}, {850, 852}, {855, 857},
    {860, 861}, {865, 896}, {908, 909}, {916, 916}, {919, 919}, {921, 921}, {925, 926}, {928, 929},
    {931, 931}, {933, 933}, {935, 938}, {940, 943},
};

int model_ident_upn_la_known(const char code[3])
{
    int v = 0;
    for (int i = 0; i < 3; i++) {
        if (!ident_is_digit(code[i])) return 0;
        v = v * 10 + (code[i] - '0');
    }
    for (size_t i = 0; i < sizeof upn_la_codes / sizeof upn_la_codes[0]; i++) {
        if (v >= upn_la_codes[i].lo && v <= upn_la_codes[i].hi) return 1;
    }
    return 0;
}

/* Value of an upper-case letter in upn_alphabet, or -1 for I, O, S and anything else. */
static int upn_letter_value(char c)
{
    const char *p = ident_in_set(c, upn_alphabet) ? strchr(upn_alphabet, c) : NULL;
    return p ? (int)(p - upn_alphabet) : -1;
}

char model_ident_upn_check_letter(const char body[12])
{
    int sum = 0;
    for (int i = 0; i < 12; i++) {
        int v = -1;
        if (ident_is_digit(body[i]))
            v = body[i] - '0';
        else if (i == 11)
            v = upn_letter_value(body[i]); /* temporary UPN: the final letter's index in upn_alphabet */
        if (v < 0) return 0;
        sum += v * (i + 2); /* body[i] is UPN position i + 2 */
    }
    return upn_alphabet[sum % 23];
}

static int ident_check_upn(const char *s, size_t n, char *out, const char **reason)
{
    /* SSDA903 rule 168: the unknown-UPN codes UN1..UN5 stand in for a UPN and are kept as themselves. */
    if (n == 3 && s[0] == 'U' && s[1] == 'N' && s[2] >= '1' && s[2] <= '5') {
        memcpy(out, s, 3);
        out[3] = '\0';
        return 0;
    }
    if (n != 13) {
        *reason = "upn must be 13 characters, or one of the unknown codes UN1 to UN5";
        return -1;
    }
    if (upn_letter_value(s[0]) < 0) {
        *reason = "upn must start with a check letter other than I, O or S";
        return -1;
    }
    for (int i = 1; i <= 11; i++) {
        if (!ident_is_digit(s[i])) {
            *reason = "upn characters 2 to 12 must be digits";
            return -1;
        }
    }
    if (!ident_is_digit(s[12]) && upn_letter_value(s[12]) < 0) {
        *reason = "upn character 13 must be a digit or a letter other than I, O or S";
        return -1;
    }
    if (!model_ident_upn_la_known(s + 1)) {
        *reason = "upn characters 2 to 4 are not a recognised la code (cin rule 1530)";
        return -1;
    }
    if (model_ident_upn_check_letter(s + 1) != s[0]) {
        *reason = "upn check letter does not match (modulus 23)";
        return -1;
    }
    memcpy(out, s, 13);
    out[13] = '\0';
    return 0;
}

/* ---- NINO: HMRC National Insurance Manual NIM39110, hmrc/domain Nino.scala (domain.md 3.3) */

/* Prefixes that must never be accepted, each with its own static reason (the prefix is table text, not
 * input). */
static const struct {
    char prefix[3];
    const char *reason;
} nino_bad_prefixes[] = {
    /* NIM39110: "Prefixes BG, GB, KN, NK, NT, TN and ZZ are not to be used." */
    {"BG", "nino prefix BG is not issued"},
    {"GB", "nino prefix GB is not issued"},
    {"KN", "nino prefix KN is not issued"},
    {"NK", "nino prefix NK is not issued"},
    {"NT", "nino prefix NT is not issued"},
    {"TN", "nino prefix TN is not issued"},
    {"ZZ", "nino prefix ZZ is not issued"},
    /* NIM39110: administrative look-alikes that are not NINOs (tax credits, stakeholder pension dummies). */
    {"OO", "nino prefix OO is an administrative reference, not a national insurance number"},
    {"CR", "nino prefix CR is an administrative reference, not a national insurance number"},
    {"FY", "nino prefix FY is an administrative reference, not a national insurance number"},
    {"MW", "nino prefix MW is an administrative reference, not a national insurance number"},
    {"NC", "nino prefix NC is an administrative reference, not a national insurance number"},
};

/*
 * Checks the 9 characters p[0..9) of a NINO with no spaces, upper case required. Shared by the lenient and
 * the strict check so both apply the same rules. Returns 0 or -1 with *reason set.
 */
static int nino_check_compact(const char *p, const char **reason)
{
    if (!ident_is_upper(p[0]) || !ident_is_upper(p[1])) {
        *reason = "nino must start with two letters";
        return -1;
    }
    for (size_t i = 0; i < sizeof nino_bad_prefixes / sizeof nino_bad_prefixes[0]; i++) {
        if (p[0] == nino_bad_prefixes[i].prefix[0] && p[1] == nino_bad_prefixes[i].prefix[1]) {
            *reason = nino_bad_prefixes[i].reason;
            return -1;
        }
    }
    if (ident_in_set(p[0], "DFIQUV") || ident_in_set(p[1], "DFIQUV")) {
        *reason = "nino prefix letters are never D, F, I, Q, U or V";
        return -1;
    }
    if (p[1] == 'O') {
        *reason = "nino second letter is never O";
        return -1;
    }
    for (int i = 2; i < 8; i++) {
        if (!ident_is_digit(p[i])) {
            *reason = "nino must have six digits after the two-letter prefix";
            return -1;
        }
    }
    if (!ident_in_set(p[8], "ABCD")) {
        *reason = "nino suffix must be A, B, C or D";
        return -1;
    }
    return 0;
}

static int ident_check_nino(const char *s, size_t n, char *out, const char **reason)
{
    if (n != 9) {
        *reason = "nino must be 9 characters: two letters, six digits and a suffix letter";
        return -1;
    }
    if (nino_check_compact(s, reason) != 0) return -1;
    memcpy(out, s, 9);
    out[9] = '\0';
    return 0;
}

int model_ident_nino_strict(const char *in, size_t len)
{
    /* HMRC regex: LL ?DD ?DD ?DD ?S — a single optional space before each digit pair and before the suffix.
     */
    char buf[9];
    size_t j = 0;
    size_t i = 0;
    if (in == NULL || len > 13) /* 9 characters plus at most 4 spaces */
        return 0;
    for (int field = 0; field < 5; field++) {
        size_t width = (field == 0) ? 2 : (field == 4) ? 1 : 2;
        if (field > 0 && i < len && in[i] == ' ') i++;
        for (size_t k = 0; k < width; k++) {
            if (i >= len || in[i] == ' ') return 0;
            buf[j++] = in[i++];
        }
    }
    if (i != len) return 0;
    const char *unused;
    return nino_check_compact(buf, &unused) == 0;
}

/* ---- postcode: BS7666 v2.0 PostCodeType shape (domain.md 3.4) */

static int ident_check_postcode(const char *s, size_t n, char *out, const char **reason)
{
    if (n < 5 || n > 7) {
        *reason = "postcode must be 5 to 7 letters and digits, not counting spaces";
        return -1;
    }
    size_t on = n - 3; /* outward code length, 2..4 */
    const char *in = s + on;
    if (!(on == 3 && memcmp(s, "GIR0AA", 6) == 0)) { /* GIR 0AA: the one historic exception (Girobank) */
        if (!ident_is_digit(in[0]) || !ident_is_upper(in[1]) || !ident_is_upper(in[2])) {
            *reason = "postcode inward code must be a digit followed by two letters";
            return -1;
        }
        if (ident_in_set(in[1], "CIKMOV") || ident_in_set(in[2], "CIKMOV")) {
            *reason = "postcode inward code letters are never C, I, K, M, O or V";
            return -1;
        }
        if (!ident_is_upper(s[0])) {
            *reason = "postcode must start with a letter";
            return -1;
        }
        if (ident_in_set(s[0], "QVX")) {
            *reason = "postcode first letter is never Q, V or X";
            return -1;
        }
        /* Outward shapes: A9, A99, A9A, AA9, AA99, AA9A. */
        char shape[5] = {0};
        for (size_t i = 0; i < on; i++)
            shape[i] = ident_is_digit(s[i]) ? '9' : ident_is_upper(s[i]) ? 'A' : '?';
        if (strcmp(shape, "A9") != 0 && strcmp(shape, "A99") != 0 && strcmp(shape, "A9A") != 0 &&
            strcmp(shape, "AA9") != 0 && strcmp(shape, "AA99") != 0 && strcmp(shape, "AA9A") != 0) {
            *reason = "postcode outward code is not one of the shapes A9, A99, A9A, AA9, AA99, AA9A";
            return -1;
        }
        if (shape[1] == 'A' && ident_in_set(s[1], "IJZ")) {
            *reason = "postcode second letter is never I, J or Z";
            return -1;
        }
        /*
         * A9A: the XSD class is A-HJKSTUW; P is allowed as well, as in the PCRE used for the domain.md
         * verification run, because the non-geographic district N1P is a real outward code.
         */
        if (strcmp(shape, "A9A") == 0 && !ident_in_set(s[2], "ABCDEFGHJKPSTUW")) {
            *reason =
                "postcode letter after the district digit (A9A) must be one of A-H, J, K, P, S, T, U, W";
            return -1;
        }
        if (strcmp(shape, "AA9A") == 0 && !ident_in_set(s[3], "ABEHMNPRVWXY")) {
            *reason =
                "postcode letter after the district digit (AA9A) must be one of A, B, E, H, M, N, P, R, V-Y";
            return -1;
        }
    }
    memcpy(out, s, on);
    out[on] = ' ';
    memcpy(out + on + 1, in, 3);
    out[n + 1] = '\0';
    return 0;
}

/* ---- public entry points */

int model_ident_check(model_ident_kind kind, const char *in, size_t len, char out[MODEL_IDENT_MAX],
                      const char **reason)
{
    const char *ignored;
    char buf[MODEL_IDENT_INPUT_MAX + 1];
    int rc;

    if (reason == NULL) reason = &ignored;
    out[0] = '\0';
    if (len > MODEL_IDENT_INPUT_MAX) {
        *reason = "identifier is longer than 64 bytes";
        return -1;
    }
    if (in == NULL && len > 0) {
        *reason = "identifier is missing";
        return -1;
    }
    switch (kind) {
    case MODEL_IDENT_NHS:
        rc = ident_check_nhs(buf, ident_compact(in, len, buf, 1, 0), out, reason);
        break;
    case MODEL_IDENT_UPN:
        rc = ident_check_upn(buf, ident_compact(in, len, buf, 0, 1), out, reason);
        break;
    case MODEL_IDENT_NINO:
        rc = ident_check_nino(buf, ident_compact(in, len, buf, 0, 1), out, reason);
        break;
    case MODEL_IDENT_POSTCODE:
        rc = ident_check_postcode(buf, ident_compact(in, len, buf, 0, 1), out, reason);
        break;
    default:
        *reason = "unknown identifier kind";
        return -1;
    }
    if (rc != 0) out[0] = '\0';
    return rc;
}

static const char *const ident_kind_names[] = {"nhs", "upn", "nino", "postcode"};

const char *model_ident_kind_name(model_ident_kind kind)
{
    if ((unsigned)kind < sizeof ident_kind_names / sizeof ident_kind_names[0]) return ident_kind_names[kind];
    return "unknown";
}

const char *model_ident_kind_label(model_ident_kind kind)
{
    static const char *const labels[] = {"NHS number", "unique pupil number", "National Insurance number",
                                         "postcode"};
    if ((unsigned)kind < sizeof labels / sizeof labels[0]) return labels[kind];
    return "identifier";
}

int model_ident_kind_parse(const char *name, model_ident_kind *out)
{
    if (name == NULL) return -1;
    for (size_t i = 0; i < sizeof ident_kind_names / sizeof ident_kind_names[0]; i++) {
        if (strcmp(name, ident_kind_names[i]) == 0) {
            *out = (model_ident_kind)i;
            return 0;
        }
    }
    return -1;
}
