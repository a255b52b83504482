/*
 * link_norm.c — normalisation for matching: folded names and text, placeholders, postcodes
 * (contract in link.h, section "normalisation"; design in link/README.md, "Normalisation").
 *
 * Folding (link_norm_fold) is the one routine behind link_norm_name and link_norm_text:
 *   1. utf8proc decomposes with compatibility mappings (NFKD), case-folds (full folding: "ß" -> "ss"), maps
 *      look-alike punctuation to ASCII (LUMP) and drops default-ignorable characters (soft hyphens, joiners);
 *   2. combining marks are dropped after a Latin, Greek, Cyrillic, Arabic or Hebrew letter ("Zoë" -> "zoe",
 *      "Siân" -> "sian", harakat and niqqud) but kept after letters of other scripts, where they are vowels
 *      and not accents (Devanagari "मोहन" keeps its vowel sign; stripping it would turn it into another name);
 *   3. the rest is recomposed (NFC) and re-encoded;
 *   4. letters with no decomposition that English forms write without their stroke become ASCII by a small
 *      table (fold_letter): ł -> l, ø -> o, đ ð -> d, ħ -> h, ŧ -> t, ı -> i, æ -> ae, œ -> oe, þ -> th, ß -> ss
 *      (utf8proc leaves "Łukasz" as "łukasz": a stroke is part of the letter, not a mark);
 *   5. every run of characters that are neither letters nor digits (hyphens, apostrophes of any kind, dots,
 *      commas, slashes, spaces, controls...) becomes one space; the middle dot of Catalan "l·l" is dropped;
 *      leading and trailing spaces go.
 * Pure ASCII input (nearly every row of nearly every file) takes a fast path with the same result: letters
 * lower-cased, digits kept, everything else a separator.
 *
 * Nicknames are in link_nick.c. link_norm_check reports a broken built-in table of either file (the nickname
 * clusters, the placeholder list), and the unit tests call it: nothing here stops the program, since the
 * engine runs inside the server.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "link/link_internal.h"

/* ---- folding ------------------------------------------------------------------------------------------------ */

/* The ASCII replacement of a letter that has no decomposition (step 4), or NULL. cp is already case-folded. */
static const char *fold_letter(utf8proc_int32_t cp)
{
    switch (cp) {
    case 0x00DF: return "ss"; /* ß (case folding already gives "ss"; kept for safety) */
    case 0x00E6: return "ae"; /* æ */
    case 0x00F0: return "d";  /* ð */
    case 0x00F8: return "o";  /* ø */
    case 0x00FE: return "th"; /* þ */
    case 0x0111: return "d";  /* đ */
    case 0x0127: return "h";  /* ħ */
    case 0x0131: return "i";  /* dotless ı */
    case 0x0142: return "l";  /* ł */
    case 0x0153: return "oe"; /* œ */
    case 0x0167: return "t";  /* ŧ */
    default: return NULL;
    }
}

/* 1 when combining marks after this base letter are accents to drop (step 2). */
static int strips_marks(utf8proc_int32_t base)
{
    return base < 0x0250                        /* Latin, Latin-1, Latin Extended-A/B */
           || (base >= 0x0370 && base < 0x0530) /* Greek, Cyrillic */
           || (base >= 0x0590 && base < 0x0600) /* Hebrew */
           || (base >= 0x0600 && base < 0x0700) /* Arabic */
           || (base >= 0x0750 && base < 0x0780) || (base >= 0x08A0 && base < 0x0900) /* Arabic supplements */
           || (base >= 0x1E00 && base < 0x2000)                                      /* Latin/Greek extended */
           || (base >= 0x2C60 && base < 0x2C80) || (base >= 0xA720 && base < 0xA800);
}

static int is_mark(utf8proc_category_t c)
{
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* Apostrophe-like modifier letters are separators, like the apostrophe itself. */
static int is_word_char(utf8proc_int32_t cp, utf8proc_category_t c)
{
    if (cp == 0x02B9 || cp == 0x02BB || cp == 0x02BC || cp == 0x02BD)
        return 0;
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND ||
           c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO || is_mark(c);
}

/* Step 5 for ASCII: fold s[0..len) into out (room for len + 1 bytes). Returns the length. */
static size_t fold_ascii(const char *s, size_t len, char *out)
{
    size_t o = 0;
    int space = 1; /* drop leading separators */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') {
            out[o++] = (char)(c - 'A' + 'a');
            space = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out[o++] = (char)c;
            space = 0;
        } else if (!space) {
            out[o++] = ' ';
            space = 1;
        }
    }
    if (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

/* link_internal.h: folding, as the file comment says. */
char *link_norm_fold(const char *s, size_t len, char *stack, size_t cap, size_t *olen, int *oom)
{
    *oom = 0;
    int ascii = 1;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        char *out = len + 1 <= cap ? stack : malloc(len + 1);
        if (!out) {
            *oom = 1;
            return NULL;
        }
        *olen = fold_ascii(s, len, out);
        return out;
    }
    if (len > (size_t)INT32_MAX / 4)
        return NULL;
    const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
                                   UTF8PROC_IGNORE | UTF8PROC_LUMP;
    utf8proc_int32_t small[256];
    utf8proc_int32_t *cps = small;
    utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps, 256, opts);
    if (n > 256) {
        cps = malloc((size_t)n * sizeof *cps);
        if (!cps) {
            *oom = 1;
            return NULL;
        }
        n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps, n, opts);
    }
    if (n < 0) {
        if (cps != small)
            free(cps);
        return NULL;
    }
    /* Step 2: drop accents; then step 3: recompose what is left. */
    utf8proc_ssize_t k = 0;
    utf8proc_int32_t base = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_int32_t cp = cps[i];
        utf8proc_category_t c = utf8proc_category(cp);
        if (is_mark(c)) {
            if (strips_marks(base))
                continue;
        } else {
            base = cp;
        }
        cps[k++] = cp;
    }
    n = utf8proc_normalize_utf32(cps, k, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        n = 0;
    /* Steps 4 and 5. Each code point becomes at most 4 bytes; each replacement is no longer. */
    size_t need = (size_t)n * 4 + 1;
    char *out = need <= cap ? stack : malloc(need);
    if (!out) {
        if (cps != small)
            free(cps);
        *oom = 1;
        return NULL;
    }
    size_t o = 0;
    int space = 1;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_int32_t cp = cps[i];
        utf8proc_category_t c = utf8proc_category(cp);
        const char *rep = fold_letter(cp);
        if (cp == 0x00B7 || cp == 0x0387) /* middle dot (Catalan l·l): joins, does not separate */
            continue;
        if (rep) {
            size_t rl = strlen(rep);
            memcpy(out + o, rep, rl);
            o += rl;
            space = 0;
        } else if (is_word_char(cp, c) && !(is_mark(c) && space)) {
            if (cp < 0x80 && cp >= 'A' && cp <= 'Z')
                cp += 'a' - 'A';
            o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
            space = 0;
        } else if (!space) {
            out[o++] = ' ';
            space = 1;
        }
    }
    if (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (cps != small)
        free(cps);
    *olen = o;
    return out;
}

const char *link_norm_text(core_arena *a, const char *raw, size_t len)
{
    if (!raw)
        return NULL;
    char stack[256];
    size_t n = 0;
    int oom;
    char *f = link_norm_fold(raw, len, stack, sizeof stack, &n, &oom);
    if (oom)
        core_arena_fail(a, "out of memory");
    const char *r = f && n > 0 ? core_arena_strndup(a, f, n) : NULL;
    if (f != stack)
        free(f);
    return r;
}

const char *link_norm_name(core_arena *a, const char *raw)
{
    if (!raw)
        return NULL;
    char stack[256];
    size_t n = 0;
    int oom;
    char *f = link_norm_fold(raw, strlen(raw), stack, sizeof stack, &n, &oom);
    if (oom)
        core_arena_fail(a, "out of memory");
    const char *r = f && n > 0 && !link_is_placeholder(f) ? core_arena_strndup(a, f, n) : NULL;
    if (f != stack)
        free(f);
    return r;
}

/* ---- placeholders ------------------------------------------------------------------------------------------- */

/* Folded values that stand for "no name yet" or "not known" rather than a name, sorted (strcmp) for bsearch.
 * Kept short and exact: a real name must never be here. "child" and "baby" are real but very rare surnames;
 * such a record loses its name for matching (it becomes missing, which is never a disagreement). */
static const char *const placeholders[] = {
    "anon", "anonymous", "baby", "baby 1", "baby 2", "baby 3", "baby a", "baby b", "baby boy", "baby c",
    "baby girl", "baby one", "baby three", "baby two", "boy", "child", "dr", "dummy", "female", "girl",
    "infant", "male", "master", "miss", "mr", "mrs", "ms", "mx", "n a", "n k", "new born", "newborn", "nk",
    "no name", "noname", "none", "not applicable", "not given", "not known", "not recorded", "not stated",
    "refused", "tba", "tbc", "test", "test test", "testing", "triplet", "triplet 1", "triplet 2", "triplet 3",
    "triplet a", "triplet b", "triplet c", "twin", "twin 1", "twin 2", "twin a", "twin b", "twin one",
    "twin two", "unborn", "unk", "unknown", "unnamed", "withheld", "x", "xx", "xxx", "xxxx", "zz", "zzz", "zzzz",
};
#define NPLACEHOLDERS (sizeof placeholders / sizeof placeholders[0])

/* Leading words that make the whole value a placeholder: "baby of ...", "infant of ...", "unborn ...". */
static const char *const placeholder_prefixes[] = {"baby of ", "child of ", "infant of ", "unborn "};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int link_is_placeholder(const char *folded)
{
    if (!folded)
        return 0;
    if (bsearch(&folded, placeholders, NPLACEHOLDERS, sizeof placeholders[0], cmp_str))
        return 1;
    for (size_t i = 0; i < sizeof placeholder_prefixes / sizeof placeholder_prefixes[0]; i++)
        if (strncmp(folded, placeholder_prefixes[i], strlen(placeholder_prefixes[i])) == 0)
            return 1;
    return 0;
}

int link_norm_check(core_error *err)
{
    int rc = link_nick_builtin_check(err);
    if (rc)
        return rc;
    for (size_t i = 1; i < NPLACEHOLDERS; i++)
        if (strcmp(placeholders[i - 1], placeholders[i]) >= 0)
            return core_error_set(err, CORE_E_INTERNAL, "the placeholder list is not sorted at '%s'",
                                  placeholders[i]);
    return 0;
}

/* ---- postcodes ---------------------------------------------------------------------------------------------- */

static int is_alpha(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 when s[0..n) is a UK outward code: A9, A99, AA9, AA99, A9A or AA9A. */
static int uk_outward(const char *s, size_t n)
{
    if (n < 2 || n > 4 || !is_alpha(s[0]))
        return 0;
    size_t i = is_alpha(s[1]) ? 2 : 1; /* one or two area letters */
    if (i >= n || !is_digit(s[i]))
        return 0;
    i++;
    if (i < n && (is_digit(s[i]) || is_alpha(s[i])))
        i++; /* second district digit, or the letter of SW1A, W1D, EC1A */
    return i == n;
}

size_t link_norm_postcode(const char *raw, char *out, size_t cap, size_t *sector_len, size_t *district_len)
{
    size_t o = 0;
    if (sector_len)
        *sector_len = 0;
    if (district_len)
        *district_len = 0;
    if (cap == 0)
        return 0;
    for (const char *p = raw ? raw : ""; *p && o + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x80 && isalnum(c))
            out[o++] = (char)toupper(c);
    }
    out[o] = '\0';
    /* Inward code: a digit and two letters at the end; the outward code is the rest. GIR 0AA is the one
     * historical exception to the outward patterns. */
    if (o >= 5 && o <= 7 && is_digit(out[o - 3]) && is_alpha(out[o - 2]) && is_alpha(out[o - 1]) &&
        (uk_outward(out, o - 3) || (o == 6 && memcmp(out, "GIR0AA", 6) == 0))) {
        if (sector_len)
            *sector_len = o - 2;
        if (district_len)
            *district_len = o - 3;
    }
    return o;
}
