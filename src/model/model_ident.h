/*
 * model_ident.h — checking and canonicalising the four national identifiers Hearth records.
 *
 * What this module is for: deciding whether a string a person typed or a file supplied is a well-formed NHS
 * number, DfE Unique Pupil Number (UPN), National Insurance number (NINO) or UK postcode, and turning it into
 * the one canonical spelling Hearth stores, compares and matches on. The rules and their test vectors are in
 * section 3 of the project's domain reference, domain.md (NHS Data Dictionary modulus 11; DfE UPN v2.0 check
 * letter plus CIN rule 1530 LA codes and SSDA903 rule 168 unknown codes; HMRC NIM39110 prefixes; BS7666
 * postcode shape).
 *
 * What it is not for: existence. A valid result says the shape and check character are right, never that the
 * number was issued or that the postcode is delivered to (use the ONS Postcode Directory for that). It does
 * not classify NHS number ranges (England/Scotland/test) and does not judge UN1..UN5 against a child's age.
 *
 * Invariants (the fuzz driver tests/fuzz/fuzz_ident.c asserts 1-4):
 *   1. model_ident_check never reads past in[len - 1], never writes past out[MODEL_IDENT_MAX - 1], and always
 *      leaves out NUL-terminated: the canonical form on success, the empty string on failure.
 *   2. On success the canonical form is printable ASCII, shorter than MODEL_IDENT_MAX, and is itself valid:
 *      checking it again yields the same canonical form (a fixed point).
 *   3. On failure *reason is a static, lowercase-led English sentence naming the rule broken; it never quotes
 *      the input (the input may be personal data), only fixed fragments such as a NINO prefix from a table.
 *   4. Anything model_ident_nino_strict accepts, model_ident_check(MODEL_IDENT_NINO, ...) accepts too.
 *   5. No function allocates, keeps state, or calls anything but pure helpers: all are thread-safe.
 *
 * Ownership: callers own every buffer; reasons and kind names are static strings that must not be freed.
 */
#ifndef HEARTH_MODEL_IDENT_H
#define HEARTH_MODEL_IDENT_H

#include <stddef.h>

typedef enum { MODEL_IDENT_NHS, MODEL_IDENT_UPN, MODEL_IDENT_NINO, MODEL_IDENT_POSTCODE } model_ident_kind;

/* Size of a canonical-form buffer, NUL included. The longest canonical form is 13 (a UPN). */
#define MODEL_IDENT_MAX 16

/* Longest input model_ident_check looks at; anything longer is refused before it is scanned. */
#define MODEL_IDENT_INPUT_MAX 64

/*
 * Lenient check used for all input to Hearth. Accepts harmless formatting and writes the canonical form:
 *   - spaces and tabs anywhere (surrounding or inner) are ignored, for every kind;
 *   - dashes are ignored in NHS numbers only ("943-476-5919");
 *   - ASCII lower case is folded to upper case (UPN, NINO, postcode).
 * Canonical forms: NHS "9434765919" (10 digits); UPN 13 upper-case characters, or "UN1".."UN5" as
 * themselves; NINO "AB123456C"; postcode upper case with exactly one space before the last three
 * characters ("SW1A 2AA", "GIR 0AA").
 * `in` is arbitrary bytes of length len (NULs and non-ASCII bytes are simply invalid characters); `in` may be
 * NULL only when len is 0. Inputs longer than MODEL_IDENT_INPUT_MAX bytes are refused without being scanned.
 * `out` must not be NULL. `reason` may be NULL when the caller does not want it.
 * Returns 0 when valid (out holds the canonical form; *reason is left untouched); -1 when not (out is "",
 * *reason is a static sentence such as "nhs number check digit does not match (modulus 11)"). An unknown
 * kind is refused with -1 and reason "unknown identifier kind".
 */
int model_ident_check(model_ident_kind kind, const char *in, size_t len, char out[MODEL_IDENT_MAX],
                      const char **reason);

/* The kind's short name: "nhs", "upn", "nino" or "postcode"; "unknown" for a value outside the enum. */
const char *model_ident_kind_name(model_ident_kind kind);

/*
 * Parses a short name as returned by model_ident_kind_name (exact, lower case) into *out.
 * Returns 0 on success; -1 when name is NULL or not one of the four names (then *out is untouched).
 */
/* A label for people: "NHS number", "unique pupil number", "National Insurance number", "postcode". */
const char *model_ident_kind_label(model_ident_kind kind);
int model_ident_kind_parse(const char *name, model_ident_kind *out);

/*
 * Strict HMRC NINO format, as the regex in hmrc/domain Nino.scala: two prefix letters, then three pairs of
 * digits and a suffix A-D, with at most one space allowed before each digit pair and before the suffix; no
 * lower case, no leading, trailing, doubled or tab whitespace. The prefix rules are the same as the lenient
 * check's (including the administrative prefixes OO, CR, FY, MW, NC), so strict acceptance implies lenient.
 * Used to prove the domain.md 3.3 vectors about strictness; Hearth itself uses model_ident_check.
 * `in` may be NULL only when len is 0. Returns 1 when valid, 0 when not.
 */
int model_ident_nino_strict(const char *in, size_t len);

/*
 * Check digit for a 9-digit NHS number stem (reads exactly 9 bytes): 0..9, or -1 when a byte is not an
 * ASCII digit or the stem can never be valid (modulus 11 gives check 10). stem must not be NULL.
 */
int model_ident_nhs_check_digit(const char stem[9]);

/*
 * Check letter for a 12-character UPN body, i.e. UPN positions 2..13 (reads exactly 12 bytes). The body is
 * well formed when its first 11 bytes are ASCII digits and the last is a digit (permanent UPN) or an
 * upper-case letter other than I, O, S (temporary UPN). The LA code (body[0..2]) is NOT checked here. Returns
 * the check letter (one of ABCDEFGHJKLMNPQRTUVWXYZ), or 0 when the body is malformed. body must not be NULL.
 */
char model_ident_upn_check_letter(const char body[12]);

/*
 * Whether a three-digit string is a local-authority or pseudo-LA code accepted in UPN characters 2-4
 * (CIN census rule 1530, 2023-24). Reads exactly 3 bytes; code must not be NULL. Returns 1 when known, else
 * 0.
 */
int model_ident_upn_la_known(const char code[3]);

#endif
