/*
 * link_compare.c — the string comparators of the matching engine (contract in link.h): Jaro-Winkler,
 * Damerau-Levenshtein (optimal string alignment), NYSIIS and token overlap.
 *
 * Why here and not a library: each is a page of code, the engine calls them millions of times per batch, and
 * the exact definition matters (two libraries' "Jaro-Winkler" differ in the boost threshold and the rounding
 * of transpositions), so the one Hearth uses is written down below and pinned by tests.
 *
 * Definitions chosen (all on bytes; inputs are folded names, mostly ASCII — a UTF-8 character is then simply
 * several bytes, which costs a little precision on accented names and nothing else):
 *   Jaro-Winkler  Winkler's strcmp95 definition, the one record-linkage tools use (RapidFuzz, jellyfish, R's
 *                 comparator): match window max(|a|, |b|) / 2 - 1 (at least 0); transpositions = half the
 *                 out-of-order matches, rounded down; the prefix boost (scale 0.1, at most 4 common leading
 *                 bytes) only when the Jaro similarity is above 0.7. Two empty strings are equal (1.0); one
 *                 empty and one not share nothing (0.0). Only the first JW_CAP (256) bytes of each string are
 *                 compared.
 *   Damerau       optimal string alignment: insertions, deletions, substitutions and swaps of two adjacent
 *                 bytes each cost 1, and no substring is edited twice (so "ca" -> "abc" is 3, not 2). The
 *                 common prefix and suffix are dropped first; only a diagonal band of half-width max is
 *                 computed, and the loop stops once a whole row exceeds max. Exact for any lengths when max
 *                 or the distance is at most DL_CAP; above that see link_damerau.
 *   NYSIIS        the original New York State algorithm (Taft, 1970) as commonly described; the code is kept
 *                 up to LINK_PHONETIC_MAX - 1 characters instead of the classic 6, since the engine compares
 *                 codes for equality and longer codes separate more names. See the rules above nysiis_key.
 *   token overlap distinct tokens, |A ∩ B| / min(|A|, |B|), the first TOK_CAP distinct tokens of each side.
 *
 * Invariants
 *   1. Every function is pure: no globals, no heap, bounded stack (under 8 KiB), so any thread may call any
 *      of them at any time.
 *   2. Jaro-Winkler and Damerau read exactly bytes [0, len) of their inputs — they are never NUL-terminated
 *      slices as far as these functions know. NYSIIS and token overlap take NUL-terminated strings.
 *   3. Symmetry: f(a, b) == f(b, a) for Jaro-Winkler, Damerau and token overlap (the tests check it).
 *   4. Bytes are compared as unsigned char; no <ctype.h> (its answers on bytes >= 0x80 depend on the locale).
 */
#include "link/link.h"

#include <limits.h>
#include <stdbool.h>

/* ---- Jaro-Winkler ---- */

enum {
    JW_CAP = 256,      /* bytes of each string compared; the rest is ignored (no name comes near) */
    JW_PREFIX_MAX = 4, /* at most this many common leading bytes earn the boost */
};
#define JW_PREFIX_SCALE    0.1
#define JW_BOOST_THRESHOLD 0.7 /* the boost applies only above this Jaro similarity (strcmp95) */

/* The Jaro similarity of two non-empty strings of at most JW_CAP bytes. */
static double jaro(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    bool amatch[JW_CAP] = {false}, bmatch[JW_CAP] = {false};
    size_t longest = alen > blen ? alen : blen;
    size_t window = longest / 2 > 0 ? longest / 2 - 1 : 0;
    size_t m = 0;

    for (size_t i = 0; i < alen; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < blen ? i + window + 1 : blen;
        for (size_t j = lo; j < hi; j++) {
            if (!bmatch[j] && a[i] == b[j]) {
                amatch[i] = bmatch[j] = true;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;

    /* Walk the matched bytes of both in order; each position where they differ is half a transposition. */
    size_t out_of_order = 0;
    for (size_t i = 0, j = 0; i < alen; i++) {
        if (!amatch[i])
            continue;
        while (!bmatch[j])
            j++;
        if (a[i] != b[j])
            out_of_order++;
        j++;
    }
    double md = (double)m, t = (double)(out_of_order / 2);
    return (md / (double)alen + md / (double)blen + (md - t) / md) / 3.0;
}

double link_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
    if (alen > JW_CAP)
        alen = JW_CAP;
    if (blen > JW_CAP)
        blen = JW_CAP;
    if (alen == 0 || blen == 0)
        return alen == blen ? 1.0 : 0.0;

    double j = jaro(ua, alen, ub, blen);
    if (j <= JW_BOOST_THRESHOLD)
        return j;
    size_t prefix = 0;
    while (prefix < JW_PREFIX_MAX && prefix < alen && prefix < blen && ua[prefix] == ub[prefix])
        prefix++;
    return j + (double)prefix * JW_PREFIX_SCALE * (1.0 - j);
}

/* ---- Damerau-Levenshtein (optimal string alignment) ---- */

enum {
    DL_CAP = 256,         /* the largest band half-width computed: distances up to this are exact */
    DL_INF = INT_MAX / 4, /* a cell outside the band: further than any distance computed */
};

/*
 * The OSA distance of two non-empty strings when it is at most k, else k + 1; needs |alen - blen| <= k <=
 * DL_CAP. Only cells (i, j) with |i - j| <= k are kept (any path through another cell costs more than k), in
 * rows indexed by diagonal: cell (i, j) of row i lives at index j - i + k + 1, so its diagonal neighbours
 * (i-1, j-1) and (i-2, j-2) sit at the same index of the rows above, (i-1, j) one to the right and (i, j-1)
 * one to the left. Index 0 and 2k + 2 are sentinels at DL_INF. A row minimum never decreases from one row
 * to the next (each cell is at least a cell of the row above, or its left neighbour plus one), so once a
 * whole row exceeds k the answer is known.
 */
static int osa_banded(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen, int k)
{
    int rows[3][2 * DL_CAP + 3];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t width = 2 * (size_t)k + 1;

    for (size_t p = 0; p < width + 2; p++) /* row 0: D[0][j] = j */
        prev[p] = prev2[p] = cur[p] = DL_INF;
    for (size_t j = 0; j <= (size_t)k && j <= blen; j++)
        prev[j + (size_t)k + 1] = (int)j;

    for (size_t i = 1; i <= alen; i++) {
        int row_min = DL_INF;
        for (size_t p = 1; p <= width; p++) {
            /* column j = i + (p - 1) - k, outside [0, blen] means outside the matrix */
            if (i + p - 1 < (size_t)k || i + p - 1 - (size_t)k > blen) {
                cur[p] = DL_INF;
                continue;
            }
            size_t j = i + p - 1 - (size_t)k;
            int v;
            if (j == 0) {
                v = (int)i;
            } else {
                v = prev[p] + (a[i - 1] != b[j - 1]);
                if (prev[p + 1] + 1 < v)
                    v = prev[p + 1] + 1;
                if (cur[p - 1] + 1 < v)
                    v = cur[p - 1] + 1;
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[p] + 1 < v)
                    v = prev2[p] + 1;
            }
            cur[p] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > k)
            return k + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    int d = prev[(size_t)k + 1 + blen - alen]; /* D[alen][blen]; never below index 1 as |alen - blen| <= k */
    return d > k ? k + 1 : d;
}

/*
 * Exact, for strings of any length, whenever max <= DL_CAP (256) or the distance is at most DL_CAP. The one
 * inexact case is a distance above 256 with a max above 256 (no name comes near): the answer is then the
 * longer length once the common prefix and suffix are dropped, or max + 1 when that exceeds max — never less
 * than the true distance capped at max + 1. A negative max is taken as 0.
 */
int link_damerau(const char *a, size_t alen, const char *b, size_t blen, int max)
{
    const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
    if (max < 0)
        max = 0;
    while (alen > 0 && blen > 0 && ua[0] == ub[0]) { /* a shared prefix or suffix costs nothing */
        ua++, ub++;
        alen--, blen--;
    }
    while (alen > 0 && blen > 0 && ua[alen - 1] == ub[blen - 1])
        alen--, blen--;

    size_t longest = alen > blen ? alen : blen;
    size_t diff = alen > blen ? alen - blen : blen - alen;
    if (diff > (size_t)max) /* covers one side empty too: the distance is then the other's length */
        return max + 1;
    if (alen == 0 || blen == 0)
        return (int)longest;

    /* The distance never exceeds the longer length, so a max above it changes nothing. */
    int k = longest < (size_t)max ? (int)longest : max;
    if (k <= DL_CAP)
        return osa_banded(ua, alen, ub, blen, k);
    if (diff <= DL_CAP) {
        int d = osa_banded(ua, alen, ub, blen, DL_CAP);
        if (d <= DL_CAP)
            return d;
    }
    return longest > (size_t)max ? max + 1 : (int)longest;
}

/* ---- NYSIIS ---- */

enum {
    NY_LETTERS_MAX = 64, /* letters of a name considered; the rest is ignored */
};

static bool ny_is_vowel(char c)
{
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/* The ASCII letters of name, upper-cased, into buf (other bytes skipped). Returns how many. */
static size_t ny_letters(const char *name, char buf[NY_LETTERS_MAX])
{
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s && n < NY_LETTERS_MAX; s++) {
        if (*s >= 'a' && *s <= 'z')
            buf[n++] = (char)(*s - 'a' + 'A');
        else if (*s >= 'A' && *s <= 'Z')
            buf[n++] = (char)*s;
    }
    return n;
}

static bool ny_starts(const char *buf, size_t n, const char *s)
{
    size_t len = strlen(s);
    return n >= len && memcmp(buf, s, len) == 0;
}

static bool ny_ends(const char *buf, size_t n, const char *s)
{
    size_t len = strlen(s);
    return n >= len && memcmp(buf + n - len, s, len) == 0;
}

/* Steps 1 and 2: the first and last letters. Returns the new length. */
static size_t ny_ends_rewrite(char *buf, size_t n)
{
    if (ny_starts(buf, n, "MAC"))
        buf[1] = 'C';
    else if (ny_starts(buf, n, "KN"))
        buf[0] = 'N';
    else if (ny_starts(buf, n, "K"))
        buf[0] = 'C';
    else if (ny_starts(buf, n, "PH") || ny_starts(buf, n, "PF"))
        buf[0] = buf[1] = 'F';
    else if (ny_starts(buf, n, "SCH"))
        buf[1] = buf[2] = 'S';

    if (ny_ends(buf, n, "EE") || ny_ends(buf, n, "IE")) {
        buf[n - 2] = 'Y';
        n--;
    } else if (ny_ends(buf, n, "DT") || ny_ends(buf, n, "RT") || ny_ends(buf, n, "RD") ||
               ny_ends(buf, n, "NT") || ny_ends(buf, n, "ND")) {
        buf[n - 2] = 'D';
        n--;
    }
    return n;
}

/* Step 4: rewrite buf[i] (and perhaps the letters after it) in place; buf[i - 1] is already rewritten. */
static void ny_translate(char *buf, size_t n, size_t i)
{
    char c = buf[i], next = i + 1 < n ? buf[i + 1] : '\0', prev = buf[i - 1];
    if (c == 'E' && next == 'V')
        buf[i] = 'A', buf[i + 1] = 'F';
    else if (ny_is_vowel(c))
        buf[i] = 'A';
    else if (c == 'Q')
        buf[i] = 'G';
    else if (c == 'Z')
        buf[i] = 'S';
    else if (c == 'M')
        buf[i] = 'N';
    else if (c == 'K')
        buf[i] = next == 'N' ? 'N' : 'C';
    else if (c == 'S' && next == 'C' && i + 2 < n && buf[i + 2] == 'H')
        buf[i + 1] = buf[i + 2] = 'S';
    else if (c == 'P' && next == 'H')
        buf[i] = buf[i + 1] = 'F';
    else if (c == 'H' && (!ny_is_vowel(prev) || !ny_is_vowel(next)))
        buf[i] = prev;
    else if (c == 'W' && ny_is_vowel(prev))
        buf[i] = 'A';
}

/*
 * NYSIIS, the rules as commonly published (e.g. Taft 1970 via Wikipedia and the US National Institute of
 * Standards' dictionary), on the upper-cased letters:
 *   1. Leading MAC -> MCC, KN -> NN, K -> C, PH or PF -> FF, SCH -> SSS.
 *   2. Trailing EE or IE -> Y; DT, RT, RD, NT or ND -> D.
 *   3. The key starts with the first letter.
 *   4. Each later letter in turn is rewritten in place (ny_translate): EV -> AF, else a vowel -> A; Q -> G,
 *      Z -> S, M -> N; KN -> N(N), else K -> C; SCH -> SSS; PH -> FF; H -> the letter before it when either
 *      neighbour is not a vowel; W -> A after a vowel. The rewritten letter is added to the key unless
 *      the key already ends with it.
 *   5-7. A trailing S is dropped, a trailing AY becomes Y, then a trailing A is dropped — never the key's
 *      first letter.
 * Returns the key's length (at most n).
 */
static size_t nysiis_key(char *buf, size_t n, char key[NY_LETTERS_MAX])
{
    n = ny_ends_rewrite(buf, n);
    size_t k = 0;
    key[k++] = buf[0];
    for (size_t i = 1; i < n; i++) {
        ny_translate(buf, n, i);
        if (buf[i] != key[k - 1])
            key[k++] = buf[i];
    }
    if (k > 1 && key[k - 1] == 'S')
        k--;
    if (k > 2 && key[k - 2] == 'A' && key[k - 1] == 'Y')
        key[k - 2] = 'Y', k--;
    if (k > 1 && key[k - 1] == 'A')
        k--;
    return k;
}

void link_phonetic(const char *name, char out[LINK_PHONETIC_MAX])
{
    char buf[NY_LETTERS_MAX], key[NY_LETTERS_MAX];
    size_t n = ny_letters(name, buf);
    size_t k = n > 0 ? nysiis_key(buf, n, key) : 0;
    if (k > LINK_PHONETIC_MAX - 1)
        k = LINK_PHONETIC_MAX - 1;
    memcpy(out, key, k);
    out[k] = '\0';
}

/* ---- token overlap ---- */

enum {
    TOK_CAP = 16, /* distinct tokens kept per side; later ones are ignored */
};

typedef struct tok {
    const char *s;
    size_t len;
} tok;

static bool tok_in(const tok *set, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (set[i].len == len && memcmp(set[i].s, s, len) == 0)
            return true;
    return false;
}

/* The distinct space-separated tokens of s (empty ones, from stray spaces, skipped). Returns how many. */
static size_t tok_split(const char *s, tok set[TOK_CAP])
{
    size_t n = 0;
    while (*s && n < TOK_CAP) {
        size_t len = 0;
        while (s[len] && s[len] != ' ')
            len++;
        if (len > 0 && !tok_in(set, n, s, len))
            set[n++] = (tok){s, len};
        s += len;
        if (*s == ' ')
            s++;
    }
    return n;
}

double link_token_overlap(const char *a, const char *b)
{
    tok ta[TOK_CAP], tb[TOK_CAP];
    size_t na = tok_split(a, ta), nb = tok_split(b, tb);
    if (na == 0 || nb == 0)
        return 0.0;
    size_t common = 0;
    for (size_t i = 0; i < na; i++)
        common += tok_in(tb, nb, ta[i].s, ta[i].len);
    return (double)common / (double)(na < nb ? na : nb);
}
