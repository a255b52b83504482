/*
 * link_rules.c — the blocking rules: what key (or keys, for a token rule) each gives a record, and the table
 * of rules (link_rules) in the order their pairs are emitted, with the comparisons each decides by, whether
 * EM trains on its pairs and its share of the pair budget. How the keys make blocks and the blocks make
 * candidate pairs is link_block.c; why each rule is there, README.md ("Blocking").
 *
 * A key is a 64-bit hash of the record's values under the rule, or 0 when the record has none (a value the
 * rule needs is missing). A token rule gives a record up to LINK_RULE_KEYS_MAX distinct nonzero keys.
 */
#include <stdlib.h>

#include "core/core_date.h"
#include "link/link_internal.h"
/* The two names' phonetic codes in sorted order: catches given and family names swapped. */
static uint64_t key_names_phonetic(const link_record *r)
{
    if (!r->given_phon[0] || !r->family_phon[0]) return 0;
    const char *x = r->given_phon, *y = r->family_phon;
    if (strcmp(x, y) > 0) {
        const char *t = x;
        x = y;
        y = t;
    }
    return link_mix(link_hash_str(link_hash_str(LINK_FNV_BASIS ^ 1, x), y));
}

/* Year of birth with day and month in sorted order: catches day and month swapped. */
static uint64_t key_dob(const link_record *r)
{
    if (r->dob == LINK_NO_DATE) return 0;
    core_date d = core_date_from_days(r->dob);
    int lo = d.m < d.d ? d.m : d.d, hi = d.m < d.d ? d.d : d.m;
    int32_t v = d.y * 10000 + lo * 100 + hi;
    return link_mix(link_hash_bytes(LINK_FNV_BASIS ^ 2, &v, sizeof(v)));
}

static uint64_t key_postcode_initial(const link_record *r)
{
    if (!r->postcode || !r->given) return 0;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 3, r->postcode), r->given, 1));
}

static uint64_t key_family_dob_year(const link_record *r)
{
    if (!r->family_phon[0] || r->dob == LINK_NO_DATE) return 0;
    int y = core_date_from_days(r->dob).y;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 4, r->family_phon), &y, sizeof(y)));
}

static uint64_t key_given_dob_month(const link_record *r)
{
    if (!r->given_nick || r->dob == LINK_NO_DATE) return 0;
    core_date d = core_date_from_days(r->dob);
    int32_t v = d.m * 100 + d.d;
    size_t n = link_first_token_len(r->given_nick);
    return link_mix(link_hash_bytes(link_hash_bytes(LINK_FNV_BASIS ^ 5, r->given_nick, n), &v, sizeof(v)));
}

static uint64_t key_address_family(const link_record *r)
{
    if (!r->address || !r->family) return 0;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 6, r->address), r->family, 1));
}

static uint64_t key_family_initial(const link_record *r)
{
    if (!r->family_phon[0] || !r->given) return 0;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 10, r->family_phon), r->given, 1));
}

static uint64_t key_postcode_family(const link_record *r)
{
    if (!r->postcode || !r->family) return 0;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 11, r->postcode), r->family, 1));
}

static uint64_t key_town_dob_year(const link_record *r)
{
    if (!r->town || r->dob == LINK_NO_DATE) return 0;
    int y = core_date_from_days(r->dob).y;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 12, r->town), &y, sizeof(y)));
}

/* The first three letters of the first given name and of the family name: catches pairs whose names are
 * mistyped past their phonetic codes and whose other fields disagree too ("stelio kenney" and "stello
 * kennedy"). */
static uint64_t key_name_prefixes(const link_record *r)
{
    if (!r->given || !r->family) return 0;
    size_t g = link_first_token_len(r->given), f = strlen(r->family);
    return link_mix(link_hash_bytes(link_hash_bytes(LINK_FNV_BASIS ^ 13, r->given, g < 3 ? g : 3), r->family,
                                    f < 3 ? f : 3));
}

/* The first two letters of the first given name and of the family name, in sorted order, with h: names
 * mistyped anywhere past their second letter, or written the other way round, still meet. */
static uint64_t name_pair_prefix(const link_record *r, uint64_t h)
{
    size_t g = link_first_token_len(r->given), f = strlen(r->family);
    const char *x = r->given, *y = r->family;
    size_t lx = g < 2 ? g : 2, ly = f < 2 ? f : 2;
    if (lx > ly || (lx == ly && memcmp(x, y, lx) > 0)) {
        const char *t = x;
        x = y;
        y = t;
        size_t lt = lx;
        lx = ly;
        ly = lt;
    }
    return link_hash_bytes(link_hash_bytes(link_hash_bytes(h, x, lx), "\x1f", 1), y, ly);
}

/* The names' two-letter prefixes (sorted) and the year of birth: heavily mistyped names whose year holds. */
static uint64_t key_name_pairs_dob_year(const link_record *r)
{
    if (!r->given || !r->family || r->dob == LINK_NO_DATE) return 0;
    int y = core_date_from_days(r->dob).y;
    return link_mix(link_hash_bytes(name_pair_prefix(r, LINK_FNV_BASIS ^ 14), &y, sizeof(y)));
}

/* The names' two-letter prefixes (sorted) and the first three letters of the town. */
static uint64_t key_name_pairs_town(const link_record *r)
{
    if (!r->given || !r->family || !r->town) return 0;
    size_t t = strlen(r->town);
    return link_mix(link_hash_bytes(name_pair_prefix(r, LINK_FNV_BASIS ^ 15), r->town, t < 3 ? t : 3));
}

/* Postcode and year of birth: one person whose names were both mistyped or left out, at one address. */
static uint64_t key_postcode_dob_year(const link_record *r)
{
    if (!r->postcode || r->dob == LINK_NO_DATE) return 0;
    int y = core_date_from_days(r->dob).y;
    return link_mix(link_hash_bytes(link_hash_str(LINK_FNV_BASIS ^ 16, r->postcode), &y, sizeof(y)));
}

/* The start of the address: its first eight bytes ("17 pollo"), when it has a word past them; a house number
 * and a street mistyped past their first letters still meet. */
static uint64_t key_address_prefix(const link_record *r)
{
    if (!r->address || strlen(r->address) < 10) return 0;
    return link_mix(link_hash_bytes(LINK_FNV_BASIS ^ 17, r->address, 8));
}

/* Add key k to out[0, n) unless it is there (or 0, or out is full); returns the new count. */
static int add_key(uint64_t out[LINK_RULE_KEYS_MAX], int n, uint64_t k)
{
    if (!k || n == LINK_RULE_KEYS_MAX) return n;
    for (int x = 0; x < n; x++)
        if (out[x] == k) return n;
    out[n] = k;
    return n + 1;
}

/* Token rule: each word of the address that is not a number and has four bytes or more, by its first five.
 * Addresses written with their words in another order, mistyped past a word's fifth letter or run together
 * ("sherbrooke street", "street sherbrooktstreet") still share a word, whatever the town and postcode say
 * (often missing, mistyped or in each other's column). A common word ("stree") makes a block past the cap
 * or the rule's pair budget, which is left out: the rare words are the evidence. */
static int keys_address_words(const link_record *r, uint64_t out[LINK_RULE_KEYS_MAX])
{
    if (!r->address) return 0;
    int n = 0;
    for (const char *w = r->address; *w;) {
        size_t len = 0, digits = 0;
        while (w[len] && w[len] != ' ')
            digits += w[len] >= '0' && w[len] <= '9', len++;
        if (len >= 4 && digits < len)
            n = add_key(out, n, link_mix(link_hash_bytes(LINK_FNV_BASIS ^ 18, w, len < 5 ? len : 5)));
        w += len;
        while (*w == ' ')
            w++;
    }
    return n;
}

/* Token rule: each word of the given and family names, by its first four bytes, in either position, with the
 * year of birth: a middle name or one part of a double-barrelled name written alone, names swapped. */
static int keys_name_words(const link_record *r, uint64_t out[LINK_RULE_KEYS_MAX])
{
    if (r->dob == LINK_NO_DATE || (!r->given && !r->family)) return 0;
    int y = core_date_from_days(r->dob).y, n = 0;
    const char *names[2] = {r->given, r->family};
    for (int k = 0; k < 2; k++)
        for (const char *w = names[k]; w && *w;) {
            size_t len = 0;
            while (w[len] && w[len] != ' ')
                len++;
            if (len >= 2)
                n = add_key(out, n,
                            link_mix(link_hash_bytes(link_hash_bytes(LINK_FNV_BASIS ^ 19, &y, sizeof(y)), w,
                                                     len < 4 ? len : 4)));
            w += len;
            while (*w == ' ')
                w++;
        }
    return n;
}

/* Token rule: each word of the given and family names, by its first three bytes, in either position, with the
 * first three letters of the town: names mistyped from their fourth letter, whatever the date of birth says.
 */
static int keys_name_words_town(const link_record *r, uint64_t out[LINK_RULE_KEYS_MAX])
{
    if (!r->town || (!r->given && !r->family)) return 0;
    size_t t = strlen(r->town);
    uint64_t h0 = link_hash_bytes(LINK_FNV_BASIS ^ 20, r->town, t < 3 ? t : 3);
    int n = 0;
    const char *names[2] = {r->given, r->family};
    for (int k = 0; k < 2; k++)
        for (const char *w = names[k]; w && *w;) {
            size_t len = 0;
            while (w[len] && w[len] != ' ')
                len++;
            if (len >= 2)
                n = add_key(out, n,
                            link_mix(link_hash_bytes(link_hash_bytes(h0, "\x1f", 1), w, len < 3 ? len : 3)));
            w += len;
            while (*w == ' ')
                w++;
        }
    return n;
}

static uint64_t key_id(const link_record *r, const char *v, uint64_t salt)
{
    (void)r;
    return v ? link_mix(link_hash_str(LINK_FNV_BASIS ^ salt, v)) : 0;
}

static uint64_t key_nhs(const link_record *r)
{
    return key_id(r, r->nhs_number, 7);
}

static uint64_t key_nino(const link_record *r)
{
    return key_id(r, r->nino, 8);
}

static uint64_t key_upn(const link_record *r)
{
    return key_id(r, r->upn, 9);
}

#define USES(c) (1u << LINK_C_##c)

/* The rules, in the order their pairs are emitted. uses: the comparisons each rule decides by: their
 * agreement among the rule's pairs is made by the rule, not evidence of a match, so EM over that rule's pairs
 * must not estimate them. trains: the rules whose pairs EM learns m from, those that block on the person
 * (names, date of birth, identifiers). A rule that blocks on where people live (postcode, address, town)
 * gathers households — partners, siblings, twins, who share address, family name and town but not given name
 * or date of birth — and EM over its pairs takes "same household" for "same person": m of a different given
 * name or date of birth comes out high and neighbours are linked. Those rules still offer candidates. */
const link_rule link_rules[LINK_NRULES] = {
    {"names_phonetic", key_names_phonetic, USES(GIVEN) | USES(FAMILY), 1, 0},
    {"dob", key_dob, USES(DOB), 1, 0},
    {"postcode_given_initial", key_postcode_initial, USES(POSTCODE) | USES(GIVEN), 0, 0},
    {"family_dob_year", key_family_dob_year, USES(FAMILY) | USES(DOB), 1, 0},
    {"given_day_month", key_given_dob_month, USES(GIVEN) | USES(DOB), 1, 0},
    {"address_family_initial", key_address_family, USES(ADDRESS) | USES(FAMILY), 0, 0},
    {"family_given_initial", key_family_initial, USES(FAMILY) | USES(GIVEN), 1, 0},
    {"postcode_family_initial", key_postcode_family, USES(POSTCODE) | USES(FAMILY), 0, 0},
    {"town_dob_year", key_town_dob_year, USES(TOWN) | USES(DOB), 0, 0},
    {"nhs_number", key_nhs, USES(ID), 1, 1},
    {"nino", key_nino, USES(ID), 1, 1},
    {"upn", key_upn, USES(ID), 1, 1},
    {"name_prefixes", key_name_prefixes, USES(GIVEN) | USES(FAMILY), 1, 0},
    {"name_pairs_dob_year", key_name_pairs_dob_year, USES(GIVEN) | USES(FAMILY) | USES(DOB), 0, 0, NULL, 4},
    {"name_pairs_town", key_name_pairs_town, USES(GIVEN) | USES(FAMILY) | USES(TOWN), 0, 0, NULL, 4},
    {"postcode_dob_year", key_postcode_dob_year, USES(POSTCODE) | USES(DOB), 0, 0, NULL, 4},
    {"address_prefix", key_address_prefix, USES(ADDRESS), 0, 0, NULL, 4},
    {"address_words", NULL, USES(ADDRESS), 0, 0, keys_address_words, 4},
    {"name_words_dob_year", NULL, USES(GIVEN) | USES(FAMILY) | USES(DOB), 0, 0, keys_name_words, 4},
    {"name_words_town", NULL, USES(GIVEN) | USES(FAMILY) | USES(TOWN), 0, 0, keys_name_words_town, 4},
};
_Static_assert(LINK_NRULES <= 31,
               "a pair's rules are a mask below the pattern's flag bit (link_pattern_pack)");

const char *link_rule_name(int r)
{
    return r >= 0 && r < LINK_NRULES ? link_rules[r].name : "";
}

int link_rule_count(void)
{
    return LINK_NRULES;
}
