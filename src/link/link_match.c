/*
 * link_match.c — one incoming person against candidates (contract in link_match.h).
 *
 * The default parameters below are for when no model has been trained on a council's own data. They are
 * generic, set by hand from how person records usually behave — not fitted to any benchmark: m (how often a
 * true match shows each level) says that names and dates of birth mostly agree exactly, sometimes with a typo,
 * a nickname or day and month swapped; postcodes agree less (families move); identifiers almost always agree.
 * u (how often two different people show each level) follows from how many values a field takes: a shared
 * date of birth is rare (about 1 in 25,000 pairs), a shared surname about 1 in 200, a shared sex 1 in 2.
 *
 * At the front door those generic u give way, for the incoming person's own values, to the chances the index
 * itself gives (link_score_pair_freq(), link_freq: how many other people of this index hold the value, alone
 * or together with the other agreeing ones): what would be surprising among this many people.
 */
#include <math.h>

#include "core/core_date.h"
#include "link/link_match.h"

static const double DEFAULT_M[LINK_NCOMP][LINK_MAX_LEVELS] = {
    [LINK_C_GIVEN] = {1, 0.85, 0.05, 0.05, 0.03, 0.02},
    [LINK_C_FAMILY] = {1, 0.88, 0.07, 0.03, 0.02},
    [LINK_C_DOB] = {1, 0.85, 0.03, 0.07, 0.03, 0.02},
    [LINK_C_SEX] = {1, 0.98, 0.02},
    [LINK_C_POSTCODE] = {1, 0.70, 0.08, 0.07, 0.15},
    [LINK_C_ADDRESS] = {1, 0.60, 0.15, 0.10, 0.15},
    [LINK_C_TOWN] = {1, 0.80, 0.05, 0.15},
    [LINK_C_ID] = {1, 0.97, 0.02, 0.01},
    [LINK_C_EMAIL] = {1, 0.80, 0.20},
};

static const double DEFAULT_U[LINK_NCOMP][LINK_MAX_LEVELS] = {
    [LINK_C_GIVEN] = {1, 0.01, 0.002, 0.005, 0.02, 0.963},
    [LINK_C_FAMILY] = {1, 0.005, 0.002, 0.01, 0.983},
    [LINK_C_DOB] = {1, 0.00004, 0.00004, 0.002, 0.01, 0.98792},
    [LINK_C_SEX] = {1, 0.5, 0.5},
    [LINK_C_POSTCODE] = {1, 0.0005, 0.005, 0.02, 0.9745},
    [LINK_C_ADDRESS] = {1, 0.0005, 0.002, 0.01, 0.9875},
    [LINK_C_TOWN] = {1, 0.05, 0.01, 0.94},
    [LINK_C_ID] = {1, 0.000001, 0.00001, 0.999989},
    [LINK_C_EMAIL] = {1, 0.00001, 0.99999},
};

void link_model_defaults(link_model *m, uint64_t n)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->m, DEFAULT_M, sizeof(m->m));
    memcpy(m->u, DEFAULT_U, sizeof(m->u));
    m->lambda = 0.5 / (double)(n > 1 ? n : 1);
    m->link_weight = 0;
    m->review_weight = log2(0.05 / 0.95);
}

static const char *norm_postcode(core_arena *a, const char *raw, const char **sector, const char **district)
{
    *sector = *district = NULL;
    if (!raw)
        return NULL;
    char buf[32];
    size_t sl = 0, dl = 0, n = link_norm_postcode(raw, buf, sizeof(buf), &sl, &dl);
    if (!n)
        return NULL;
    if (sl)
        *sector = core_arena_strndup(a, buf, sl);
    if (dl)
        *district = core_arena_strndup(a, buf, dl);
    return core_arena_strndup(a, buf, n);
}

static const char *norm_id(core_arena *a, const char *raw)
{
    if (!raw)
        return NULL;
    char *out = core_arena_alloc(a, strlen(raw) + 1);
    size_t n = 0;
    for (const char *p = raw; *p; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    out[n] = '\0';
    return n ? out : NULL;
}

void link_record_from(core_arena *a, link_record *r, const char *id, const char *given, const char *family,
                      const char *dob, const char *sex, const char *postcode, const char *nhs, const char *nino,
                      const char *upn)
{
    memset(r, 0, sizeof(*r));
    r->id = id ? core_arena_strdup(a, id) : "";
    r->given = given ? link_norm_name(a, given) : NULL;
    r->family = family ? link_norm_name(a, family) : NULL;
    if (r->given) {
        char *first = core_arena_strndup(a, r->given, strcspn(r->given, " "));
        r->given_nick = link_nick_canonical(first);
        link_phonetic(first, r->given_phon);
    }
    if (r->family)
        link_phonetic(r->family, r->family_phon);
    core_date d;
    r->dob = dob && core_date_parse(dob, strlen(dob), &d) == 0 ? core_date_to_days(d) : LINK_NO_DATE;
    r->sex = sex && (sex[0] == 'M' || sex[0] == 'F') ? sex[0] : 0;
    r->postcode = norm_postcode(a, postcode, &r->sector, &r->district);
    r->nhs_number = norm_id(a, nhs);
    r->nino = norm_id(a, nino);
    r->upn = norm_id(a, upn);
}

double link_score_pair(const link_model *m, const link_record *a, const link_record *b, uint8_t lv[LINK_NCOMP],
                       double contrib[LINK_NCOMP])
{
    uint8_t v[LINK_NCOMP];
    link_compare_records(a, b, 1, v);
    double w = log2(m->lambda / (1 - m->lambda));
    for (int c = 0; c < LINK_NCOMP; c++) {
        double x = v[c] ? log2(m->m[c][v[c]] / m->u[c][v[c]]) : 0;
        if (contrib)
            contrib[c] = x;
        w += x;
    }
    if (lv)
        memcpy(lv, v, LINK_NCOMP);
    return w;
}

/* ---- what agreement is worth in an index of this size (link_freq in link_match.h) ---- */

double link_freq_prior_u(int c)
{
    return c >= 0 && c < LINK_NCOMP ? DEFAULT_U[c][1] : 1;
}

double link_freq_chance(double others, double n, double u0)
{
    if (others < 0)
        others = 0;
    if (n < 0)
        n = 0;
    double p = (others + 1) / (n + 1 / u0);
    return p < 1 ? p : 1;
}

/* The length of the first token of a folded given name. */
static size_t first_len(const char *s)
{
    return strcspn(s, " ");
}

/* A given name written as an initial ("R" for "Rayyan"): the level a comparison of the names would give to a
 * name that merely looks alike (4), instead of "different". */
static void initial_level(const link_record *a, const link_record *b, uint8_t v[LINK_NCOMP])
{
    if (v[LINK_C_GIVEN] != 5 || !a->given || !b->given)
        return;
    size_t la = first_len(a->given), lb = first_len(b->given);
    if ((la == 1 || lb == 1) && a->given[0] == b->given[0])
        v[LINK_C_GIVEN] = 4;
}

/* The names written the other way round with a difference besides ("Knnotdale Logan" for "Logan Knotdale"):
 * a compared crosswise, each level no better than the engine gives names that are exactly the other way
 * round (given "similar", family "similar"), kept when the two names say more that way. */
static void crosswise(const link_model *m, const link_record *a, const link_record *b, uint8_t v[LINK_NCOMP])
{
    if (!a->given || !a->family || !b->given || !b->family)
        return;
    link_record x = *a;
    x.given = a->family;
    x.family = a->given;
    char first[64];
    size_t n = first_len(x.given);
    if (n >= sizeof(first))
        return;
    memcpy(first, x.given, n);
    first[n] = '\0';
    x.given_nick = link_nick_canonical(first);
    link_phonetic(first, x.given_phon);
    link_phonetic(x.family, x.family_phon);
    uint8_t w[LINK_NCOMP];
    link_compare_records(&x, b, 0, w);
    if (!w[LINK_C_GIVEN] || !w[LINK_C_FAMILY])
        return;
    int g = w[LINK_C_GIVEN] < 3 ? 3 : w[LINK_C_GIVEN], f = w[LINK_C_FAMILY] < 2 ? 2 : w[LINK_C_FAMILY];
    double straight = log2(m->m[LINK_C_GIVEN][v[LINK_C_GIVEN]] / m->u[LINK_C_GIVEN][v[LINK_C_GIVEN]]) +
                      log2(m->m[LINK_C_FAMILY][v[LINK_C_FAMILY]] / m->u[LINK_C_FAMILY][v[LINK_C_FAMILY]]),
           across = log2(m->m[LINK_C_GIVEN][g] / m->u[LINK_C_GIVEN][g]) +
                    log2(m->m[LINK_C_FAMILY][f] / m->u[LINK_C_FAMILY][f]);
    if (across > straight) {
        v[LINK_C_GIVEN] = (uint8_t)g;
        v[LINK_C_FAMILY] = (uint8_t)f;
    }
}

/* The joint chance of what agrees so far (acc, whose generic chance is acc0) once a field of chance own
 * (generic own0) agrees too, given how many people of the index hold the values together (held, link_freq; 0:
 * not counted): (held) / (n + 1 / (acc0 own0)), one pseudo-person at the generic joint rate as for a single
 * value, and never below the product of the single chances. */
static double together(double acc, double acc0, double own, double own0, double held, double n)
{
    double both = acc * own;
    if (held > 0) {
        double joint = held / (n + 1 / (acc0 * own0));
        if (joint > both)
            both = joint;
    }
    return both < 1 ? both : 1;
}

double link_score_pair_freq(const link_model *m, const link_freq *f, const link_record *a, const link_record *b,
                            uint8_t lv[LINK_NCOMP], double contrib[LINK_NCOMP])
{
    uint8_t v[LINK_NCOMP];
    link_compare_records(a, b, 1, v);
    initial_level(a, b, v);
    crosswise(m, a, b, v);
    double u[LINK_NCOMP];
    for (int k = 0; k < LINK_NCOMP; k++)
        u[k] = v[k] ? m->u[k][v[k]] : 1;
    if (f) {
        /* The incoming person's own values, where the index said how many others hold them. Names run in
         * families and communities ("Mohamed Osman", "Harvinder Gill") and a household shares its family
         * name, its postcode and sometimes a birthday (twins): what is surprising is how few people hold
         * the agreeing values together, not the product of their chances. So the agreements are taken in
         * turn, family name, given name, date of birth, each weighing what it adds to the ones before (the
         * index's count of the set when it has one, never less than the product: never stronger than
         * either view), then the postcode beyond the family name. */
        int fam = v[LINK_C_FAMILY] == 1 && f->family > 0, giv = v[LINK_C_GIVEN] == 1 && f->given > 0,
            dob = v[LINK_C_DOB] == 1 && f->dob > 0;
        double acc = 1, acc0 = 1, next;
        double g0 = link_freq_prior_u(LINK_C_GIVEN), f0 = link_freq_prior_u(LINK_C_FAMILY),
               d0 = link_freq_prior_u(LINK_C_DOB), p0 = link_freq_prior_u(LINK_C_POSTCODE);
        if (fam) {
            u[LINK_C_FAMILY] = f->family;
            acc = f->family;
            acc0 = f0;
        }
        if (giv) {
            next = together(acc, acc0, f->given, g0, fam ? f->given_family : 0, f->n);
            u[LINK_C_GIVEN] = next / acc;
            acc = next;
            acc0 *= g0;
        }
        if (dob) {
            double held = fam && giv ? f->given_family_dob : fam ? f->family_dob : giv ? f->given_dob : 0;
            next = together(acc, acc0, f->dob, d0, held, f->n);
            u[LINK_C_DOB] = next / acc;
        } else if (v[LINK_C_DOB] == 2 && f->dob_swapped > 0) {
            u[LINK_C_DOB] = f->dob_swapped;
        }
        if (v[LINK_C_POSTCODE] == 1 && f->postcode > 0) {
            u[LINK_C_POSTCODE] = f->postcode;
            if (fam && f->family_postcode > 0)
                u[LINK_C_POSTCODE] =
                    together(f->family, f0, f->postcode, p0, f->family_postcode, f->n) / f->family;
        }
    }
    double w = log2(m->lambda / (1 - m->lambda));
    for (int k = 0; k < LINK_NCOMP; k++) {
        double x = v[k] ? log2(m->m[k][v[k]] / u[k]) : 0;
        if (contrib)
            contrib[k] = x;
        w += x;
    }
    if (lv)
        memcpy(lv, v, LINK_NCOMP);
    return w;
}
