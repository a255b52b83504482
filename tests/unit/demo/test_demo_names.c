/*
 * test_demo_names.c — unit tests for the demo PRNG (demo_rng) and synthetic identities (demo_names).
 *
 * What is checked: the generator matches an independently computed xoshiro256** stream (so output is the same
 * on every machine); identities are reproducible per seed and differ across seeds; every NHS number, NINO,
 * UPN and postcode passes model_ident_check unchanged; NHS numbers are in the 999 test range, phones in the
 * Ofcom drama range, emails at example.*; compound surnames are compound and rare; every string is valid
 * UTF-8; codes come from the documented sets; the origin mix looks like an English county.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "demo/demo_names.h"
#include "demo/demo_rng.h"
#include "model/model_ident.h"

/* ---- helpers --------------------------------------------------------------------------------------------
 */

/* Strict UTF-8 check written independently of demo_names.c: no overlongs, surrogates or values past U+10FFFF,
 * and no C0 control characters. */
static int utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s != '\0') {
        unsigned char c = *s;
        size_t len;
        uint32_t cp;
        if (c < 0x20) return 0;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1Fu;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0Fu;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07u;
        else
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i] & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        s += len;
    }
    return 1;
}

static int in_set(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0) return 1;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *const ethnicity_codes[] = {
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
};
static const char *const religion_codes[] = {"no_religion", "christian", "buddhist", "hindu",     "jewish",
                                             "muslim",      "sikh",      "other",    "not_stated"};

/* Everything one person contributes to a dataset, serialised for the determinism test. */
static void person_line(demo_rng *r, char *out, size_t size)
{
    demo_identity id, kid;
    char pc[9], street[64], nhs[11], nino[10], upn[14], phone[14], email[96], fam[128];
    demo_identity_make(r, 0, &id);
    demo_identity_relative(r, &id, 0, 1, &kid);
    demo_postcode(r, pc);
    demo_street(r, street, sizeof street);
    demo_nhs_number(r, nhs);
    demo_nino(r, nino);
    demo_upn(r, 2018, upn);
    demo_phone_mobile(r, phone);
    demo_email(r, id.given, id.family, email, sizeof email);
    const char *compound = demo_family_name_compound(r, id.origin, fam, sizeof fam);
    int n = snprintf(out, size, "%d|%c|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s",
                     (int)id.origin, id.sex, id.given, id.middle, id.family, id.ethnicity, id.religion,
                     id.language, id.nationality, kid.given, kid.family, pc, street, demo_town(r), nhs, nino,
                     upn, phone, email, compound, demo_given_name(r, id.origin, 'F'));
    assert_true(n > 0 && (size_t)n < size);
}

static void check_ident(model_ident_kind kind, const char *value)
{
    char canon[MODEL_IDENT_MAX];
    const char *reason = NULL;
    int rc = model_ident_check(kind, value, strlen(value), canon, &reason);
    if (rc != 0) fail_msg("%s '%s' refused: %s", model_ident_kind_name(kind), value, reason ? reason : "?");
    assert_string_equal(canon, value); /* generated in canonical form already */
}

/* ---- demo_rng -------------------------------------------------------------------------------------------
 */

static void test_rng_reference_stream(void **state)
{
    (void)state;
    /* Computed with an independent Python implementation of splitmix64 + xoshiro256**. */
    static const uint64_t seed0[] = {UINT64_C(0x99EC5F36CB75F2B4), UINT64_C(0xBF6E1F784956452A),
                                     UINT64_C(0x1A5F849D4933E6E0), UINT64_C(0x6AA594F1262D2D2C)};
    static const uint64_t seed42[] = {UINT64_C(0x15780B2E0C2EC716), UINT64_C(0x6104D9866D113A7E),
                                      UINT64_C(0xAE17533239E499A1), UINT64_C(0xECB8AD4703B360A1)};
    demo_rng a, b;
    demo_rng_init(&a, 0);
    demo_rng_init(&b, 42);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(demo_rng_next(&a), seed0[i]);
        assert_int_equal(demo_rng_next(&b), seed42[i]);
    }
}

static void test_rng_bounds(void **state)
{
    (void)state;
    demo_rng r;
    int seen_lo = 0, seen_hi = 0;
    demo_rng_init(&r, 1);
    for (int i = 0; i < 20000; i++) {
        int v = demo_rng_range(&r, -3, 3);
        assert_in_range(v + 3, 0, 6);
        seen_lo |= v == -3;
        seen_hi |= v == 3;
        assert_true(demo_rng_below(&r, 7) < 7);
        double d = demo_rng_double(&r);
        assert_true(d >= 0.0 && d < 1.0);
    }
    assert_true(seen_lo && seen_hi);
    assert_int_equal(demo_rng_range(&r, 5, 5), 5);
    assert_int_equal(demo_rng_chance(&r, 1000), 1);
    assert_int_equal(demo_rng_chance(&r, 0), 0);
}

static void test_rng_choose(void **state)
{
    (void)state;
    demo_rng r;
    static const unsigned w[] = {0, 10, 0, 30};
    size_t hits[4] = {0};
    demo_rng_init(&r, 2);
    for (int i = 0; i < 8000; i++)
        hits[demo_rng_choose(&r, w, 4)]++;
    assert_int_equal(hits[0], 0);
    assert_int_equal(hits[2], 0);
    assert_true(hits[3] > 2 * hits[1]); /* expected 3x */
    assert_true(hits[1] > 1000);

    size_t ranked[5] = {0};
    for (int i = 0; i < 15000; i++)
        ranked[demo_rng_choose_ranked(&r, 5)]++;
    for (size_t i = 1; i < 5; i++)
        assert_true(ranked[i - 1] > ranked[i]);
}

static void test_rng_shuffle_is_permutation(void **state)
{
    (void)state;
    demo_rng r;
    int v[50], seen[50] = {0};
    int moved = 0;
    demo_rng_init(&r, 3);
    for (int i = 0; i < 50; i++)
        v[i] = i;
    demo_rng_shuffle(&r, v, 50, sizeof v[0]);
    for (int i = 0; i < 50; i++) {
        assert_in_range(v[i], 0, 49);
        seen[v[i]]++;
        moved += v[i] != i;
    }
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 25);
}

/* ---- determinism ----------------------------------------------------------------------------------------
 */

static void test_same_seed_same_people(void **state)
{
    (void)state;
    demo_rng a, b, c;
    char la[1024], lb[1024], lc[1024];
    int differ = 0;
    demo_rng_init(&a, 20240601);
    demo_rng_init(&b, 20240601);
    demo_rng_init(&c, 20240602);
    for (int i = 0; i < 1000; i++) {
        person_line(&a, la, sizeof la);
        person_line(&b, lb, sizeof lb);
        person_line(&c, lc, sizeof lc);
        assert_string_equal(la, lb);
        differ += strcmp(la, lc) != 0;
    }
    assert_true(differ > 990);
}

/* ---- identifiers ----------------------------------------------------------------------------------------
 */

static void test_identifiers_valid(void **state)
{
    (void)state;
    demo_rng r;
    demo_rng_init(&r, 99);
    for (int i = 0; i < 5000; i++) {
        char nhs[11], nino[10], upn[14], pc[9], phone[14];
        demo_nhs_number(&r, nhs);
        assert_int_equal(strlen(nhs), 10);
        assert_memory_equal(nhs, "999", 3);
        check_ident(MODEL_IDENT_NHS, nhs);

        demo_nino(&r, nino);
        assert_int_equal(strlen(nino), 9);
        check_ident(MODEL_IDENT_NINO, nino);
        assert_true(model_ident_nino_strict(nino, strlen(nino)));

        demo_upn(&r, 2000 + i % 25, upn);
        assert_int_equal(strlen(upn), 13);
        check_ident(MODEL_IDENT_UPN, upn);
        assert_true(memcmp(upn + 1, "855", 3) == 0 || memcmp(upn + 1, "856", 3) == 0 ||
                    memcmp(upn + 1, "857", 3) == 0);
        char yy[3];
        snprintf(yy, sizeof yy, "%02d", (2000 + i % 25) % 100);
        assert_memory_equal(upn + 8, yy, 2);

        demo_postcode(&r, pc);
        check_ident(MODEL_IDENT_POSTCODE, pc);

        demo_phone_mobile(&r, phone);
        assert_int_equal(strlen(phone), 12);
        assert_memory_equal(phone, "07700 900", 9);
        for (int k = 9; k < 12; k++)
            assert_true(phone[k] >= '0' && phone[k] <= '9');
    }
}

static void test_nino_prefix_rules(void **state)
{
    (void)state;
    static const char *const refused[] = {"BG", "GB", "KN", "NK", "NT", "TN",
                                          "ZZ", "OO", "CR", "FY", "MW", "NC"};
    demo_rng r;
    demo_rng_init(&r, 5);
    for (int i = 0; i < 20000; i++) {
        char nino[10], prefix[3];
        demo_nino(&r, nino);
        assert_null(strchr("DFIQUV", nino[0]));
        assert_null(strchr("DFIQUVO", nino[1]));
        memcpy(prefix, nino, 2);
        prefix[2] = '\0';
        assert_false(in_set(prefix, refused, sizeof refused / sizeof refused[0]));
        assert_in_range(nino[8], 'A', 'D');
    }
}

/* ---- email ----------------------------------------------------------------------------------------------
 */

static void check_email(const char *email)
{
    const char *at = strchr(email, '@');
    assert_non_null(at);
    assert_true(at > email);
    assert_true(strcmp(at + 1, "example.org") == 0 || strcmp(at + 1, "example.com") == 0 ||
                strcmp(at + 1, "example.net") == 0);
    for (const char *p = email; p < at; p++)
        assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-');
    assert_true(email[0] != '.' && at[-1] != '.');
}

static void test_email(void **state)
{
    (void)state;
    demo_rng r;
    char email[96];
    demo_rng_init(&r, 7);
    for (int i = 0; i < 3000; i++) {
        demo_identity id;
        demo_identity_make(&r, 0, &id);
        demo_email(&r, id.given, id.family, email, sizeof email);
        check_email(email);
    }
    demo_email(&r, NULL, "", email, sizeof email);
    check_email(email);
    assert_memory_equal(email, "person", 6);
    /* A short buffer keeps the whole domain. */
    char small[20];
    demo_email(&r, "Christopher", "Wojciechowski", small, sizeof small);
    check_email(small);
}

static void test_ascii_fold(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(demo_ascii_fold("Łukasz", out, sizeof out), 6);
    assert_string_equal(out, "lukasz");
    demo_ascii_fold("Ó Briain", out, sizeof out);
    assert_string_equal(out, "obriain");
    demo_ascii_fold("O'Sullivan-Dvořák", out, sizeof out);
    assert_string_equal(out, "osullivan-dvorak");
    demo_ascii_fold("Adébáyọ̀", out, sizeof out);
    assert_string_equal(out, "adebayo");
    demo_ascii_fold("Ștefan Lăcătuș", out, sizeof out);
    assert_string_equal(out, "stefanlacatus");
    demo_ascii_fold("Straße", out, sizeof out);
    assert_string_equal(out, "strasse");
    demo_ascii_fold("-.Ann--Marie.", out, sizeof out);
    assert_string_equal(out, "ann-marie");
    demo_ascii_fold("ab\xff\xc3", out, sizeof out); /* invalid bytes skipped */
    assert_string_equal(out, "ab");
    assert_int_equal(demo_ascii_fold("Kowalczyk", out, 4), 3);
    assert_string_equal(out, "kow");
}

/* ---- names ----------------------------------------------------------------------------------------------
 */

static void test_compound_surnames(void **state)
{
    (void)state;
    demo_rng r;
    char buf[128];
    int compound = 0;
    const int draws = 20000;
    demo_rng_init(&r, 11);
    for (int i = 0; i < draws; i++) {
        demo_origin o = (demo_origin)(i % DEMO_ORIGIN_COUNT);
        const char *s = demo_family_name_compound(&r, o, buf, sizeof buf);
        assert_non_null(s);
        assert_true(utf8_valid(s));
        if (s == buf) {
            compound++;
            assert_true(strchr(s, '-') != NULL || strchr(s, ' ') != NULL);
        } else {
            assert_string_equal(buf, "");
        }
    }
    assert_true(compound > draws / 100); /* at least 1% */
    assert_true(compound < draws / 10);  /* at most 10% */

    /* Too small for any compound: always a plain table name. */
    char tiny[3];
    for (int i = 0; i < 2000; i++)
        assert_true(demo_family_name_compound(&r, DEMO_ORIGIN_BRITISH, tiny, sizeof tiny) != tiny);
    assert_non_null(demo_family_name_compound(&r, DEMO_ORIGIN_IRISH, NULL, 0));
}

static void test_strings_utf8_and_codes(void **state)
{
    (void)state;
    demo_rng r;
    char buf[128];
    int non_ascii = 0;
    demo_rng_init(&r, 13);
    for (int o = 0; o < DEMO_ORIGIN_COUNT; o++) {
        for (int i = 0; i < 4000; i++) {
            const char *s[] = {
                demo_given_name(&r, (demo_origin)o, 'M'),
                demo_given_name(&r, (demo_origin)o, 'F'),
                demo_given_name(&r, (demo_origin)o, '?'),
                demo_family_name(&r, (demo_origin)o),
                demo_family_name_compound(&r, (demo_origin)o, buf, sizeof buf),
                demo_language_for(&r, (demo_origin)o),
                demo_nationality_for(&r, (demo_origin)o),
                demo_town(&r),
            };
            for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
                assert_non_null(s[k]);
                assert_true(s[k][0] != '\0');
                if (!utf8_valid(s[k])) fail_msg("invalid UTF-8 in '%s'", s[k]);
                for (const unsigned char *p = (const unsigned char *)s[k]; *p; p++)
                    non_ascii += *p >= 0x80;
            }
            const char *eth = demo_ethnicity_for(&r, (demo_origin)o);
            if (!in_set(eth, ethnicity_codes, sizeof ethnicity_codes / sizeof ethnicity_codes[0]))
                fail_msg("unknown ethnicity code %s", eth);
            const char *rel = demo_religion_for(&r, (demo_origin)o);
            if (!in_set(rel, religion_codes, sizeof religion_codes / sizeof religion_codes[0]))
                fail_msg("unknown religion code %s", rel);
            char street[64];
            demo_street(&r, street, sizeof street);
            assert_true(utf8_valid(street));
            assert_true((street[0] >= '1' && street[0] <= '9') || strncmp(street, "Flat ", 5) == 0);
        }
    }
    assert_true(non_ascii > 0); /* the tables do carry diacritics */
    /* Out-of-range origin is treated as British, not a crash. */
    assert_non_null(demo_given_name(&r, DEMO_ORIGIN_COUNT, 'F'));
    assert_string_equal(demo_origin_name(DEMO_ORIGIN_COUNT), "unknown");
}

static void test_identity_coherence(void **state)
{
    (void)state;
    demo_rng r;
    int polish_f = 0, irish_gaelic_f = 0;
    demo_rng_init(&r, 17);
    for (int i = 0; i < 20000; i++) {
        demo_identity id, kid;
        demo_identity_make(&r, i % 2 ? 'F' : 'M', &id);
        assert_int_equal(id.sex, i % 2 ? 'F' : 'M');
        const char *strs[] = {id.given,     id.middle,   id.family,   id.family_root,
                              id.ethnicity, id.religion, id.language, id.nationality};
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            assert_true(utf8_valid(strs[k]));
        assert_true(
            in_set(id.ethnicity, ethnicity_codes, sizeof ethnicity_codes / sizeof ethnicity_codes[0]));
        assert_true(in_set(id.religion, religion_codes, sizeof religion_codes / sizeof religion_codes[0]));
        if (id.sex == 'M') {
            assert_string_equal(id.family, id.family_root);
        } else if (ends_with(id.family_root, "ski")) {
            assert_true(ends_with(id.family, "ska"));
            polish_f++;
        } else if (strncmp(id.family_root, "Ó ", strlen("Ó ")) == 0) {
            assert_true(strncmp(id.family, "Ní ", strlen("Ní ")) == 0);
            irish_gaelic_f++;
        }
        assert_string_not_equal(id.middle, id.given);

        demo_identity_relative(&r, &id, 'F', 1, &kid);
        assert_int_equal(kid.origin, id.origin);
        assert_int_equal(kid.culture, id.culture);
        assert_string_equal(kid.family_root, id.family_root);
        assert_true(utf8_valid(kid.family));
    }
    assert_true(polish_f > 0);
    assert_true(irish_gaelic_f > 0);
}

static void test_origin_distribution(void **state)
{
    (void)state;
    demo_rng r;
    int count[DEMO_ORIGIN_COUNT] = {0};
    demo_rng_init(&r, 23);
    for (int i = 0; i < 10000; i++) {
        demo_origin o = demo_origin_pick(&r);
        assert_in_range(o, 0, DEMO_ORIGIN_COUNT - 1);
        count[o]++;
    }
    for (int o = 0; o < DEMO_ORIGIN_COUNT; o++) {
        assert_true(count[o] > 0);
        if (o != DEMO_ORIGIN_BRITISH) assert_true(count[DEMO_ORIGIN_BRITISH] > count[o]);
    }
    assert_true(count[DEMO_ORIGIN_BRITISH] > 6000);
    assert_true(count[DEMO_ORIGIN_BRITISH] < 9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reference_stream),
        cmocka_unit_test(test_rng_bounds),
        cmocka_unit_test(test_rng_choose),
        cmocka_unit_test(test_rng_shuffle_is_permutation),
        cmocka_unit_test(test_same_seed_same_people),
        cmocka_unit_test(test_identifiers_valid),
        cmocka_unit_test(test_nino_prefix_rules),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_ascii_fold),
        cmocka_unit_test(test_compound_surnames),
        cmocka_unit_test(test_strings_utf8_and_codes),
        cmocka_unit_test(test_identity_coherence),
        cmocka_unit_test(test_origin_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
