/*
 * link_match.c — one incoming person against candidates (contract in link_match.h).
 *
 * The default parameters below are for when no model has been trained on a council's own data. They are
 * generic, set by hand from how person records usually behave — not fitted to any benchmark: m (how often a
 * true match shows each level) says that names and dates of birth mostly agree exactly, sometimes with a typo,
 * a nickname or day and month swapped; postcodes agree less (families move); identifiers almost always agree.
 * u (how often two different people show each level) follows from how many values a field takes: a shared
 * date of birth is rare (about 1 in 25,000 pairs), a shared surname about 1 in 200, a shared sex 1 in 2.
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
