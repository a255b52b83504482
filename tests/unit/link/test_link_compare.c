/*
 * test_link_compare.c — unit tests for the comparators of link/link_compare.c:
 *   Jaro-Winkler  published reference pairs (MARTHA/MARHTA, DWAYNE/DUANE, DIXON/DICKSONX, JELLYFISH/
 *                 SMELLYFISH), each checked both against the value computed by hand from the definition and
 *                 against the rounded published figure; the 0.7 boost threshold, the 4-byte prefix limit,
 *                 transpositions rounded down, empty strings, the 256-byte cap, bytes >= 0x80;
 *   Damerau       textbook cases, OSA's "ca"/"abc" = 3, the early exit at max + 1 (and no overflow at
 *                 INT_MAX), and thousands of random pairs against a plain full-matrix OSA written here —
 *                 short ones over a three-letter alphabet (so prefix/suffix stripping, the band and the early
 *                 exit are all exercised) and long ones past the 256 cap;
 *   NYSIIS        examples from the literature worked by hand through the published rules, each rule
 *                 (first letters, last letters, EV, KN, SCH, PH, H, W, the final S, AY and A), non-letters,
 *                 empty input, the 15-character limit;
 *   token overlap distinct counting, min denominator, stray spaces, the 16-token cap;
 *   all           symmetry over a few hundred pseudo-random pairs (fixed seed), and that Jaro-Winkler and
 *                 Damerau read nothing past the lengths given (exact-size heap copies without a NUL, so
 *                 AddressSanitizer would see an over-read, and slices of a larger buffer whose next bytes
 *                 would change the answer).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "link/link.h"

#define EPS 1e-12     /* against a value computed from the definition */
#define PUBLISHED 5e-4 /* against a figure published to three decimals */

static double jw(const char *a, const char *b)
{
    return link_jaro_winkler(a, strlen(a), b, strlen(b));
}

static int dl(const char *a, const char *b, int max)
{
    return link_damerau(a, strlen(a), b, strlen(b), max);
}

/* Winkler's boost of a Jaro similarity j with a common prefix of l bytes (l <= 4), above 0.7. */
static double boost(double j, int l)
{
    return j > 0.7 ? j + l * 0.1 * (1.0 - j) : j;
}

/* A small fixed-seed generator (xorshift64), so every run sees the same pairs. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
    rng_state = s;
}

static uint32_t rng_next(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

/* A random string of length [0, maxlen] over the first nalpha letters of alpha, NUL-terminated. */
static size_t rng_string(char *out, size_t maxlen, const char *alpha, uint32_t nalpha)
{
    size_t n = rng_next((uint32_t)maxlen + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = alpha[rng_next(nalpha)];
    out[n] = '\0';
    return n;
}

/* The optimal string alignment distance by the plain full matrix: link_damerau must agree with it. */
static int osa_reference(const char *a, size_t n, const char *b, size_t m)
{
    int *d = malloc((n + 1) * (m + 1) * sizeof *d);
    assert_non_null(d);
#define D(i, j) d[(i) * (m + 1) + (j)]
    for (size_t i = 0; i <= n; i++)
        D(i, 0) = (int)i;
    for (size_t j = 0; j <= m; j++)
        D(0, j) = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int v = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
            if (D(i - 1, j) + 1 < v)
                v = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < v)
                v = D(i, j - 1) + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < v)
                v = D(i - 2, j - 2) + 1;
            D(i, j) = v;
        }
    }
    int r = D(n, m);
#undef D
    free(d);
    return r;
}

/* ---- Jaro-Winkler ---- */

static void test_jw_reference_pairs(void **state)
{
    (void)state;
    /* MARTHA/MARHTA: 6 matches, the T/H swap is one transposition, prefix MAR. */
    double j = (1.0 + 1.0 + 5.0 / 6.0) / 3.0;
    assert_float_equal(jw("MARTHA", "MARHTA"), boost(j, 3), EPS);
    assert_float_equal(jw("MARTHA", "MARHTA"), 0.961, PUBLISHED);
    /* DWAYNE/DUANE: window 2; D, A, N, E match; prefix D. */
    j = (4.0 / 6.0 + 4.0 / 5.0 + 1.0) / 3.0;
    assert_float_equal(jw("DWAYNE", "DUANE"), boost(j, 1), EPS);
    assert_float_equal(jw("DWAYNE", "DUANE"), 0.840, PUBLISHED);
    /* DIXON/DICKSONX: window 3, so the final X of DICKSONX is too far; D, I, O, N match; prefix DI. */
    j = (4.0 / 5.0 + 4.0 / 8.0 + 1.0) / 3.0;
    assert_float_equal(jw("DIXON", "DICKSONX"), boost(j, 2), EPS);
    assert_float_equal(jw("DIXON", "DICKSONX"), 0.813, PUBLISHED);
    /* JELLYFISH/SMELLYFISH: 8 matches (the leading S of SMELLYFISH is outside the window), no prefix. */
    j = (8.0 / 9.0 + 8.0 / 10.0 + 1.0) / 3.0;
    assert_float_equal(jw("JELLYFISH", "SMELLYFISH"), j, EPS);
    assert_float_equal(jw("JELLYFISH", "SMELLYFISH"), 0.896, PUBLISHED);
    /* Folded names, as the engine passes them. */
    assert_float_equal(jw("martha", "marhta"), jw("MARTHA", "MARHTA"), EPS);
}

static void test_jw_boost_threshold_and_prefix_limit(void **state)
{
    (void)state;
    /* "ab"/"ac": window 0, one match, Jaro 2/3 <= 0.7: no boost although the first byte is shared. */
    assert_float_equal(jw("ab", "ac"), 2.0 / 3.0, EPS);
    /* Seven of eight bytes shared, the first seven in order: the boost counts 4 of them, not 7. */
    double j = (7.0 / 8.0 + 7.0 / 8.0 + 1.0) / 3.0;
    assert_float_equal(jw("abcdefgh", "abcdefgx"), j + 4 * 0.1 * (1.0 - j), EPS);
    /* Never above 1, and 1 exactly for equal strings. */
    assert_float_equal(jw("abcdefgh", "abcdefgh"), 1.0, 0.0);
    assert_true(jw("abcdefgh", "abcdefgx") < 1.0);
}

static void test_jw_transpositions_rounded_down(void **state)
{
    (void)state;
    /* abcdef/bcadef: matched bytes in order are abcdef and bcadef, three positions differ; half of that is
     * rounded down to 1 transposition (strcmp95), giving (1 + 1 + 5/6) / 3, not (1 + 1 + 4.5/6) / 3. */
    assert_float_equal(jw("abcdef", "bcadef"), (2.0 + 5.0 / 6.0) / 3.0, EPS);
}

static void test_jw_edges(void **state)
{
    (void)state;
    assert_float_equal(jw("", ""), 1.0, 0.0); /* two empty strings are equal */
    assert_float_equal(jw("", "a"), 0.0, 0.0);
    assert_float_equal(jw("a", ""), 0.0, 0.0);
    assert_float_equal(jw("a", "a"), 1.0, 0.0);
    assert_float_equal(jw("a", "b"), 0.0, 0.0);
    assert_float_equal(jw("abc", "xyz"), 0.0, 0.0);
    /* Bytes >= 0x80 compare as bytes: "zoë" is 4 bytes, z and o match, prefix 2. */
    double j = (2.0 / 4.0 + 2.0 / 3.0 + 1.0) / 3.0;
    assert_float_equal(jw("zo\xc3\xab", "zoe"), boost(j, 2), EPS);
    assert_float_equal(jw("\xff\x80", "\xff\x80"), 1.0, 0.0);
    assert_float_equal(jw("\xff", "\x7f"), 0.0, 0.0);
}

static void test_jw_long_strings_capped(void **state)
{
    (void)state;
    char a[1000], b[1000];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = b[i] = (char)('a' + i % 26);
    assert_float_equal(link_jaro_winkler(a, sizeof a, b, sizeof b), 1.0, 0.0);
    /* Only the first 256 bytes are compared: a difference after them is not seen, one before them is. */
    b[300] = '#';
    assert_float_equal(link_jaro_winkler(a, sizeof a, b, sizeof b), 1.0, 0.0);
    b[100] = '#';
    double v = link_jaro_winkler(a, sizeof a, b, sizeof b);
    assert_true(v < 1.0);
    assert_float_equal(v, link_jaro_winkler(a, 256, b, 256), 0.0);
    assert_float_equal(link_jaro_winkler(a, 300, b, 1000), link_jaro_winkler(a, 256, b, 256), 0.0);
}

/* ---- Damerau-Levenshtein (OSA) ---- */

static void test_damerau_cases(void **state)
{
    (void)state;
    assert_int_equal(dl("", "", 5), 0);
    assert_int_equal(dl("", "abc", 5), 3);
    assert_int_equal(dl("abc", "", 5), 3);
    assert_int_equal(dl("abc", "abc", 5), 0);
    assert_int_equal(dl("ab", "ba", 5), 1);                /* a transposition is one edit */
    assert_int_equal(dl("MARTHA", "MARHTA", 5), 1);
    assert_int_equal(dl("abcdef", "abdcef", 5), 1);
    assert_int_equal(dl("kitten", "sitting", 5), 3);
    assert_int_equal(dl("ca", "abc", 5), 3); /* OSA: not 2; a swapped pair is not edited again */
    assert_int_equal(dl("abc", "ca", 5), 3);
    assert_int_equal(dl("smith", "smyth", 5), 1);
    assert_int_equal(dl("jon", "john", 5), 1);
    assert_int_equal(dl("o'brien", "obrien", 5), 1);
    assert_int_equal(dl("\xc3\xa9", "e", 5), 2);           /* bytes: é is two of them */
}

static void test_damerau_early_exit(void **state)
{
    (void)state;
    assert_int_equal(dl("kitten", "sitting", 3), 3);
    assert_int_equal(dl("kitten", "sitting", 2), 3);
    assert_int_equal(dl("kitten", "sitting", 0), 1);
    assert_int_equal(dl("abc", "xyz", 1), 2);
    assert_int_equal(dl("a", "abcdefgh", 2), 3);           /* the length difference alone is too much */
    assert_int_equal(dl("abc", "abc", 0), 0);
    assert_int_equal(dl("abc", "abd", -7), 1);             /* a negative max is taken as 0 */
    assert_int_equal(dl("abc", "abc", -7), 0);
    assert_int_equal(dl("abc", "xyz", INT_MAX), 3);        /* no max + 1 overflow when max is never reached */
    assert_int_equal(dl("", "xyz", INT_MAX), 3);
}

static void test_damerau_matches_reference_short(void **state)
{
    (void)state;
    char a[16], b[16];
    rng_seed(0x5eed1234u);
    for (int n = 0; n < 20000; n++) {
        size_t alen = rng_string(a, 12, "abc", 3), blen = rng_string(b, 12, "abc", 3);
        int max = (int)rng_next(16) - 1;
        int ref = osa_reference(a, alen, b, blen);
        int want = ref > (max < 0 ? 0 : max) ? (max < 0 ? 0 : max) + 1 : ref;
        int got = link_damerau(a, alen, b, blen, max);
        if (got != want)
            fail_msg("damerau(\"%s\", \"%s\", %d) = %d, want %d (distance %d)", a, b, max, got, want, ref);
    }
}

/* src into dst with about `edits` random edits (substitute, delete, insert, swap); returns the length. */
static size_t mutate(const char *src, size_t n, char *dst, int edits)
{
    memcpy(dst, src, n);
    for (int e = 0; e < edits && n > 2; e++) {
        size_t at = rng_next((uint32_t)n - 1);
        switch (rng_next(4)) {
        case 0:
            dst[at] = (char)('a' + rng_next(26));
            break;
        case 1:
            memmove(dst + at, dst + at + 1, n - at - 1);
            n--;
            break;
        case 2:
            memmove(dst + at + 1, dst + at, n - at);
            dst[at] = (char)('a' + rng_next(26));
            n++;
            break;
        default: {
            char t = dst[at];
            dst[at] = dst[at + 1];
            dst[at + 1] = t;
        }
        }
    }
    return n;
}

static void test_damerau_long_strings(void **state)
{
    (void)state;
    enum { LEN = 700 };
    static char a[LEN + 1], b[2 * LEN];
    rng_seed(42);
    for (int n = 0; n < 60; n++) {
        size_t alen = 257 + rng_next(LEN - 257);
        for (size_t i = 0; i < alen; i++)
            a[i] = (char)('a' + rng_next(n % 2 ? 3 : 26));
        size_t blen = mutate(a, alen, b, (int)rng_next(400));
        int max = (int)rng_next(600);
        int ref = osa_reference(a, alen, b, blen);
        int got = link_damerau(a, alen, b, blen, max);
        int capped = ref > max ? max + 1 : ref;
        if (max <= 256 || ref <= 256)
            assert_int_equal(got, capped); /* exact: the band covers it */
        else
            assert_true(got >= capped);     /* documented: an upper bound beyond 256 */
    }
    /* One swap in the middle of 1000 bytes, and 1000 bytes with nothing in common. */
    static char x[1000], y[1000];
    for (size_t i = 0; i < sizeof x; i++)
        x[i] = y[i] = (char)('a' + i % 26);
    y[500] = x[501], y[501] = x[500];
    assert_int_equal(link_damerau(x, sizeof x, y, sizeof y, 2), 1);
    memset(x, 'p', sizeof x);
    memset(y, 'q', sizeof y);
    assert_int_equal(link_damerau(x, sizeof x, y, sizeof y, 3), 4);
    assert_int_equal(link_damerau(x, sizeof x, y, sizeof y, INT_MAX), 1000);
}

/* ---- NYSIIS ---- */

static void assert_phonetic(const char *name, const char *want)
{
    char out[LINK_PHONETIC_MAX];
    memset(out, '#', sizeof out);
    link_phonetic(name, out);
    if (strcmp(out, want) != 0)
        fail_msg("nysiis(\"%s\") = \"%s\", want \"%s\"", name, out, want);
}

static void test_nysiis_literature(void **state)
{
    (void)state;
    /* The examples usually given with the algorithm. */
    assert_phonetic("macintosh", "MCANT");
    assert_phonetic("knight", "NAGT");
    assert_phonetic("brown", "BRAN");
    assert_phonetic("knuth", "NAT");
    assert_phonetic("schmidt", "SNAD");
    assert_phonetic("mclaughlin", "MCLAGLAN");
    assert_phonetic("mitchell", "MATCAL");
    assert_phonetic("richards", "RACARD");
    assert_phonetic("lawrence", "LARANC");
    assert_phonetic("greene", "GRAN");
    assert_phonetic("jacobs", "JACAB");
    assert_phonetic("wheeler", "WALAR");
    assert_phonetic("phillips", "FALAP");
    /* Classic NYSIIS stops at 6 characters (FRANCL); Hearth keeps up to 15. */
    assert_phonetic("franklin", "FRANCLAN");
    /* Upper-case input is the same. */
    assert_phonetic("BROWN", "BRAN");
}

static void test_nysiis_rules(void **state)
{
    (void)state;
    assert_phonetic("kate", "CAT");        /* leading K -> C */
    assert_phonetic("pfister", "FASTAR");  /* leading PF -> FF */
    assert_phonetic("marie", "MARY");      /* trailing IE -> Y */
    assert_phonetic("lee", "LY");          /* trailing EE -> Y */
    assert_phonetic("brandt", "BRAND");    /* trailing DT -> D */
    assert_phonetic("grant", "GRAD");      /* trailing NT -> D */
    assert_phonetic("evans", "EVAN");      /* EV only after the first letter; trailing S dropped */
    assert_phonetic("steven", "STAFAN");   /* EV -> AF */
    assert_phonetic("quinn", "QAN");       /* Q -> G only after the first letter; NN -> N */
    assert_phonetic("ozzy", "OSY");        /* Z -> S, SS -> S */
    assert_phonetic("emma", "EN");         /* M -> N, then the trailing A */
    assert_phonetic("dickens", "DACAN");   /* K -> C, C + C -> C */
    assert_phonetic("akner", "ANAR");      /* KN -> N in the middle */
    assert_phonetic("bischoff", "BASAF");  /* SCH -> SSS in the middle */
    assert_phonetic("stephen", "STAFAN");  /* PH -> FF in the middle */
    assert_phonetic("ahab", "AHAB");       /* H between vowels stays */
    assert_phonetic("bowie", "BY");        /* W after a vowel -> A; trailing IE -> Y; AY -> Y */
    assert_phonetic("ray", "RY");          /* trailing AY -> Y */
    assert_phonetic("anna", "AN");         /* trailing A */
    assert_phonetic("a", "A");             /* the first letter is never dropped */
    assert_phonetic("s", "S");
    assert_phonetic("ay", "AY");
}

static void test_nysiis_edges(void **state)
{
    (void)state;
    assert_phonetic("", "");
    assert_phonetic("   ", "");
    assert_phonetic("123 '-", "");
    assert_phonetic("\xc3\xa9", "");            /* bytes >= 0x80 are not letters */
    assert_phonetic("o brien", "OBRAN");         /* spaces skipped: a family name's tokens run together */
    assert_phonetic("obrien", "OBRAN");
    assert_phonetic("zo\xc3\xab", "Z");
    /* The code is cut at LINK_PHONETIC_MAX - 1 = 15 characters. */
    char name[81];
    for (size_t i = 0; i < 80; i++)
        name[i] = i % 2 ? 'd' : 'b';
    name[80] = '\0';
    assert_phonetic(name, "BDBDBDBDBDBDBDB");
}

/* ---- token overlap ---- */

static void test_token_overlap(void **state)
{
    (void)state;
    assert_float_equal(link_token_overlap("john paul", "paul"), 1.0, 0.0);
    assert_float_equal(link_token_overlap("a b c", "c d"), 0.5, 0.0);
    assert_float_equal(link_token_overlap("a b", "c d"), 0.0, 0.0);
    assert_float_equal(link_token_overlap("mary ann", "mary ann"), 1.0, 0.0);
    assert_float_equal(link_token_overlap("ann", "anne"), 0.0, 0.0);      /* whole tokens only */
    assert_float_equal(link_token_overlap("anne", "ann anne"), 1.0, 0.0);
    assert_float_equal(link_token_overlap("a a b", "a c"), 0.5, 0.0);     /* each distinct token once */
    assert_float_equal(link_token_overlap("a a", "a b"), 1.0, 0.0);
    assert_float_equal(link_token_overlap(" a  b ", "b"), 1.0, 0.0);       /* stray spaces are no tokens */
    assert_float_equal(link_token_overlap("", "a"), 0.0, 0.0);
    assert_float_equal(link_token_overlap("a", ""), 0.0, 0.0);
    assert_float_equal(link_token_overlap("", ""), 0.0, 0.0);
    assert_float_equal(link_token_overlap("   ", "   "), 0.0, 0.0);
    assert_float_equal(link_token_overlap("\xc3\xa9mile", "\xc3\xa9mile x"), 1.0, 0.0);
}

static void test_token_overlap_cap(void **state)
{
    (void)state;
    /* 20 distinct tokens: only the first 16 are kept. */
    const char *many = "t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15 t16 t17 t18 t19 t20";
    assert_float_equal(link_token_overlap(many, "t03"), 1.0, 0.0);
    assert_float_equal(link_token_overlap(many, "t16"), 1.0, 0.0);
    assert_float_equal(link_token_overlap(many, "t17"), 0.0, 0.0);
    assert_float_equal(link_token_overlap("t18", many), 0.0, 0.0);
    assert_float_equal(link_token_overlap(many, many), 1.0, 0.0);
}

/* ---- properties over random pairs ---- */

static void test_symmetry_random(void **state)
{
    (void)state;
    char a[24], b[24];
    rng_seed(20240917);
    for (int n = 0; n < 500; n++) {
        /* Small alphabets (with a space for the tokens) so that pairs share bytes and tokens. */
        size_t alen = rng_string(a, 20, "aabcde \xc3", 8), blen = rng_string(b, 20, "aabcde \xc3", 8);
        double ab = link_jaro_winkler(a, alen, b, blen), ba = link_jaro_winkler(b, blen, a, alen);
        assert_float_equal(ab, ba, EPS);
        assert_true(ab >= 0.0 && ab <= 1.0);
        int max = (int)rng_next(8);
        assert_int_equal(link_damerau(a, alen, b, blen, max), link_damerau(b, blen, a, alen, max));
        double to = link_token_overlap(a, b);
        assert_float_equal(to, link_token_overlap(b, a), 0.0);
        assert_true(to >= 0.0 && to <= 1.0);
        /* Identity: each string against itself. */
        assert_float_equal(link_jaro_winkler(a, alen, a, alen), 1.0, 0.0);
        assert_int_equal(link_damerau(a, alen, a, alen, 0), 0);
    }
}

/* Copies of s in heap blocks of exactly len bytes, without a NUL: any read past len is an ASan error. */
static char *exact_copy(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    assert_non_null(p);
    memcpy(p, s, len);
    return p;
}

static void test_no_read_past_length(void **state)
{
    (void)state;
    static const char *pairs[][2] = {{"MARTHA", "MARHTA"}, {"DWAYNE", "DUANE"}, {"ca", "abc"}, {"a", "b"},
                                     {"kitten", "sitting"}, {"abcdef", "bcadef"}, {"x", "x"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t alen = strlen(pairs[i][0]), blen = strlen(pairs[i][1]);
        char *a = exact_copy(pairs[i][0], alen), *b = exact_copy(pairs[i][1], blen);
        assert_float_equal(link_jaro_winkler(a, alen, b, blen), jw(pairs[i][0], pairs[i][1]), 0.0);
        assert_int_equal(link_damerau(a, alen, b, blen, 9), dl(pairs[i][0], pairs[i][1], 9));
        assert_int_equal(link_damerau(a, alen, b, blen, 0), dl(pairs[i][0], pairs[i][1], 0));
        free(a);
        free(b);
    }
    /* Slices of one buffer: "smith" and "smyth" followed by bytes that would change every answer. */
    const char buf[] = "smithsmythhhhh";
    assert_float_equal(link_jaro_winkler(buf, 5, buf + 5, 5), jw("smith", "smyth"), 0.0);
    assert_int_equal(link_damerau(buf, 5, buf + 5, 5, 3), 1);
    assert_int_equal(link_damerau(buf, 4, buf + 5, 4, 3), 1);     /* "smit" / "smyt" */
    assert_int_equal(link_damerau(buf + 5, 0, buf, 0, 3), 0);      /* empty slices */
    assert_float_equal(link_jaro_winkler(buf + 5, 0, buf, 0), 1.0, 0.0);
    /* Damerau's suffix stripping walks back from the end: the byte before a slice is never looked at. */
    assert_int_equal(link_damerau(buf + 1, 4, buf + 6, 4, 3), 1);  /* "mith" / "myth" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jw_reference_pairs),
        cmocka_unit_test(test_jw_boost_threshold_and_prefix_limit),
        cmocka_unit_test(test_jw_transpositions_rounded_down),
        cmocka_unit_test(test_jw_edges),
        cmocka_unit_test(test_jw_long_strings_capped),
        cmocka_unit_test(test_damerau_cases),
        cmocka_unit_test(test_damerau_early_exit),
        cmocka_unit_test(test_damerau_matches_reference_short),
        cmocka_unit_test(test_damerau_long_strings),
        cmocka_unit_test(test_nysiis_literature),
        cmocka_unit_test(test_nysiis_rules),
        cmocka_unit_test(test_nysiis_edges),
        cmocka_unit_test(test_token_overlap),
        cmocka_unit_test(test_token_overlap_cap),
        cmocka_unit_test(test_symmetry_random),
        cmocka_unit_test(test_no_read_past_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
