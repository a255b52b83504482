/*
 * demo_names.h — synthetic identities for Hearth's demo and test data.
 *
 * What it is for: filling a demo database with people who look like the residents of an ordinary English
 * county (names, ethnicity, religion, language, nationality, address, NHS number, NINO, UPN, phone, email),
 * reproducibly from a demo_rng seed. What it is not for: anything real. Every table here is a list of
 * common, everyday names or words (public knowledge); no row describes a real person, and the identifiers are
 * drawn from ranges that are never issued wherever such a range exists:
 *   - NHS numbers come from the 999 test range (999 000 0000 – 999 999 9999), with a valid check digit;
 *   - phone numbers come from Ofcom's drama range 07700 900000 – 07700 900999;
 *   - email addresses use only example.org, example.com and example.net (RFC 2606);
 *   - NINOs and UPNs have no reserved test range that also passes validation, so they are random but
 *     well-formed; together with a synthetic name they identify nobody.
 *
 * Cultures. Each origin is split internally into a few cultures (for example South Asian into Gujarati
 * Indian, Punjabi Sikh, Pakistani and Bangladeshi), each with its own names, languages, religions and
 * nationalities. The per-field functions below (demo_given_name(), demo_religion_for(), ...) each pick a
 * culture of the origin independently, so a caller that wants a coherent person — a Sikh name with Punjabi,
 * Kaur and sikh — should use demo_identity_make(), which picks the culture once.
 *
 * Strings. Every string returned or written is valid UTF-8 and NUL-terminated. Returned `const char *` point
 * at static tables and live for the whole program; callers must not free them. Output buffers are written
 * with snprintf or checked memcpy only and are always terminated.
 *
 * All functions take the generator explicitly; there is no hidden state, so the same seed and the same
 * sequence of calls give the same output on every machine.
 */
#ifndef HEARTH_DEMO_NAMES_H
#define HEARTH_DEMO_NAMES_H

#include <stddef.h>

#include "demo/demo_rng.h"

typedef enum {
    DEMO_ORIGIN_BRITISH,
    DEMO_ORIGIN_IRISH,
    DEMO_ORIGIN_SOUTH_ASIAN,
    DEMO_ORIGIN_EASTERN_EUROPEAN,
    DEMO_ORIGIN_AFRICAN,
    DEMO_ORIGIN_COUNT
} demo_origin;

/* A short lowercase name for an origin ("british", "irish", "south_asian", "eastern_european", "african"),
 * or "unknown" for an out-of-range value. */
const char *demo_origin_name(demo_origin o);

/* An origin weighted roughly like an English Midlands county: about 78% British, then South Asian,
 * Eastern European, African and Irish. */
demo_origin demo_origin_pick(demo_rng *r);

/* A given name for origin o and sex 'M' or 'F' (any other sex value picks either at random).
 * An out-of-range origin is treated as British. Never NULL. */
const char *demo_given_name(demo_rng *r, demo_origin o, char sex);

/* A family name for origin o, common names more often. Never NULL. */
const char *demo_family_name(demo_rng *r, demo_origin o);

/* Usually (about 96%) the same as demo_family_name(); a few percent of the time a compound surname of two
 * different family names, joined by '-' (mostly) or ' ' (double-barrelled), written into buf. Returns buf
 * when it wrote a compound name, otherwise a pointer into the static tables (buf is then left holding the
 * empty string). If buf is NULL or too small for a compound, a plain family name is returned. Never NULL. */
const char *demo_family_name_compound(demo_rng *r, demo_origin o, char *buf, size_t bufsize);

/* A DfE main ethnicity code plausible for the origin (e.g. WBRI, WIRI, AIND, APKN, ABAN, WOTH, WROM, BAFR),
 * occasionally a mixed code (MWBC, MWBA, MWAS, MOTH) and rarely NOBT or REFU. Never NULL. */
const char *demo_ethnicity_for(demo_rng *r, demo_origin o);

/* A religion code: one of no_religion christian buddhist hindu jewish muslim sikh other not_stated. */
const char *demo_religion_for(demo_rng *r, demo_origin o);

/* A first language in English ("English", "Polish", "Urdu", "Twi", ...). Never NULL. */
const char *demo_language_for(demo_rng *r, demo_origin o);

/* A nationality as an adjective/demonym in English ("British", "Irish", "Polish", "Nigerian", ...). */
const char *demo_nationality_for(demo_rng *r, demo_origin o);

/* A full postcode "LE11 3AB" (outward code from a table of about 40 Leicestershire-area districts, inward
 * code digit + two letters from ABDEFGHJLNPQRSTUWXYZ as BS 7666 requires), at most 8 characters + NUL. */
void demo_postcode(demo_rng *r, char out[9]);

/* A first address line such as "27 Mill Lane", or now and then "Flat 3, 12 Station Road". Truncated
 * (still terminated, possibly mid-word) if outsize is too small; outsize 48 always suffices. Does nothing if
 * outsize is 0. */
void demo_street(demo_rng *r, char *out, size_t outsize);

/* A town from a table of fictional-sounding town names. Never NULL. */
const char *demo_town(demo_rng *r);

/* A 10-digit NHS number "999NNNNNNC" from the never-issued 999 range, with a valid modulus-11 check digit
 * (computed by model_ident_nhs_check_digit()). */
void demo_nhs_number(demo_rng *r, char out[11]);

/* A National Insurance number "AB123456C" without spaces: prefix valid under HMRC rules (neither letter in
 * D F I Q U V, second letter not O, prefix not BG GB KN NK NT TN ZZ, OO CR FY MW NC), suffix A–D. */
void demo_nino(demo_rng *r, char out[10]);

/* A permanent UPN "X8552034150123": check letter (model_ident_upn_check_letter()) + LA code 855, 856 or 857
 * + 4-digit establishment number (2000–4999) + the last two digits of academic_year + 3 random digits. */
void demo_upn(demo_rng *r, int academic_year, char out[14]);

/* A mobile number "07700 900NNN" from Ofcom's drama range (12 characters + NUL). */
void demo_phone_mobile(demo_rng *r, char out[14]);

/* An email address built from given and family (either may be NULL or empty) folded to lowercase ASCII
 * (diacritics removed, spaces and apostrophes dropped), at example.org, example.com or example.net.
 * Falls back to "person" for an empty local part. Truncates the local part rather than the domain if
 * outsize is short; if outsize is under 32 the result may be cut (still terminated). Does nothing if
 * outsize is 0. */
void demo_email(demo_rng *r, const char *given, const char *family, char *out, size_t outsize);

/* Fold a UTF-8 string to lowercase ASCII letters and digits for identifiers such as email local parts:
 * Latin letters lose their diacritics (Ł→l, ß→ss, Æ→ae), combining marks and other characters are dropped,
 * and '-' and '.' are kept only between letters. Writes at most outsize-1 bytes plus NUL; returns the length
 * written. Invalid UTF-8 bytes are skipped. */
size_t demo_ascii_fold(const char *in, char *out, size_t outsize);

/* A coherent synthetic person: one culture chosen for everything. */
typedef struct demo_identity {
    demo_origin origin;
    int culture; /* internal culture index, for demo_identity_relative() */
    char sex;    /* 'M' or 'F' */
    char given[64];
    char middle[64];       /* may be empty */
    char family[128];      /* as used by this person: may be compound or a feminine form (Kowalska) */
    char family_root[128]; /* the family's dictionary form (Kowalski), which relatives derive theirs from */
    const char *ethnicity;
    const char *religion;
    const char *language;
    const char *nationality;
} demo_identity;

/* Fill out with a new person. sex is 'M' or 'F', or anything else for a random sex. */
void demo_identity_make(demo_rng *r, char sex, demo_identity *out);

/* Fill out with a relative of base (a child or sibling): same origin and culture, a new given name, sex as
 * for demo_identity_make(), and base's family root when same_family is non-zero (otherwise a new family name
 * of the culture). Where the language has gendered surnames the relative gets the form for their sex, and
 * for Lithuanian the daughter's form (-aitė, -ytė) rather than the married one (-ienė). Ethnicity and
 * religion follow base's about 85% of the time; language and nationality are drawn again. */
void demo_identity_relative(demo_rng *r, const demo_identity *base, char sex, int same_family,
                            demo_identity *out);

#endif
