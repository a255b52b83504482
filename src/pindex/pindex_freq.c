/*
 * pindex_freq.c — how many people of the index hold an incoming person's values: what an agreement is worth
 * at the front door, in an index of this size (link_freq, src/link/link_match.h).
 *
 * One count per value, each an index range of the person table (0001_schema.sql: person_family_key,
 * person_given_key, person_dob, person_address_postcode), each capped: a value held by more than FREQ_CAP
 * people is common, and is given no more than the generic weight, so that counting "Smith" in a county of
 * five million never costs more than counting FREQ_CAP index entries. Restricted and merged people are
 * counted like the others: they hold values too, and the question is how common a value is.
 */
#include "link/link_match.h"
#include "pindex/pindex.h"

enum { FREQ_CAP = 5000 };

/* The size of the index: the highest person id (O(1), and every person ever recorded has one). */
static const char SQL_PEOPLE[] = "SELECT coalesce(max(id), 0) FROM person";

/* How many people hold family name key $1 (at most $2). */
static const char SQL_FAMILY_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE family_key = $1\n"
    "                       LIMIT $2) AS hit";

/* How many people hold given name key $1 (at most $2). */
static const char SQL_GIVEN_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE given_key = $1\n"
    "                       LIMIT $2) AS hit";

/* How many people hold family name key $1 and given name key $2 (at most $3). */
static const char SQL_NAMES_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE family_key = $1 AND given_key = $2\n"
    "                       LIMIT $3) AS hit";

/* How many people born on $1 hold given name key $2 / family name key $2 / both $2 and $3 (at most the last
 * parameter): the date's few dozen entries of person_dob, each checked. */
static const char SQL_DOB_GIVEN_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE date_of_birth = $1 AND given_key = $2\n"
    "                       LIMIT $3) AS hit";
static const char SQL_DOB_FAMILY_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE date_of_birth = $1 AND family_key = $2\n"
    "                       LIMIT $3) AS hit";
static const char SQL_DOB_NAMES_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE date_of_birth = $1 AND given_key = $2 AND family_key = $3\n"
    "                       LIMIT $4) AS hit";

/* How many people were born on $1 (at most $2). */
static const char SQL_DOB_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person\n"
    "                       WHERE date_of_birth = $1\n"
    "                       LIMIT $2) AS hit";

/* How many current addresses are at postcode $1 (at most $2). */
static const char SQL_POSTCODE_COUNT[] =
    "SELECT count(*) FROM (SELECT 1 FROM person_address\n"
    "                       WHERE postcode = $1 AND to_date IS NULL\n"
    "                       LIMIT $2) AS hit";

/* How many people live at postcode $1 now and hold family name key $2 (at most $3). */
static const char SQL_FAMILY_AT_POSTCODE[] =
    "SELECT count(*) FROM (SELECT 1 FROM person_address a\n"
    "                        JOIN person p ON p.id = a.person_id\n"
    "                       WHERE a.postcode = $1 AND a.to_date IS NULL AND p.family_key = $2\n"
    "                       LIMIT $3) AS hit";

/* The chance for one value: *out stays 0 (unknown) when it is NULL or empty. */
static int chance(store *s, core_arena *a, const char *sql, const char *value, double n, double self, double u0,
                  double *out, core_error *err)
{
    *out = 0;
    if (!value || !value[0])
        return 0;
    store_value p[] = {store_v_text(value), store_v_int(FREQ_CAP)};
    int64_t count = 0;
    int rc = store_query_int(s, a, sql, p, 2, &count, err);
    if (rc)
        return rc;
    double others = (double)count - 1 - self; /* the candidate holds the value (and so may the excluded one) */
    double c = link_freq_chance(others, n, u0);
    if (count >= FREQ_CAP && c < u0) /* common: counted no further, weighed as the generic model does */
        c = u0;
    *out = c;
    return 0;
}

/* How many people hold the values together, other than the candidate, plus one (link_freq's joints): 0 when
 * a value is NULL or empty. */
static int held(store *s, core_arena *a, const char *sql, int nvalues, const char *v1, const char *v2,
                const char *v3, double self, double *out, core_error *err)
{
    *out = 0;
    if (!v1 || !v1[0] || !v2 || !v2[0] || (nvalues >= 3 && (!v3 || !v3[0])))
        return 0;
    store_value p[4] = {store_v_text(v1), store_v_text(v2), store_v_text(v3)};
    size_t np = (size_t)nvalues;
    p[np++] = store_v_int(FREQ_CAP);
    int64_t count = 0;
    int rc = store_query_int(s, a, sql, p, np, &count, err);
    if (rc)
        return rc;
    double others = (double)count - 1 - self;
    *out = (others > 0 ? others : 0) + 1;
    return 0;
}

int pindex_match_freq(store *s, core_arena *a, const pindex_freq_values *v, link_freq *f, core_error *err)
{
    memset(f, 0, sizeof(*f));
    int64_t n = 0;
    int rc = store_query_int(s, a, SQL_PEOPLE, NULL, 0, &n, err);
    if (rc && rc != CORE_E_NOT_FOUND)
        return rc;
    f->n = (double)(n > 0 ? n : 0);
    double self = v->self_in_index ? 1 : 0;
    const char *gk = v->given_key, *fk = v->family_key, *pc = v->postcode;
    double ug = link_freq_prior_u(LINK_C_GIVEN), uf = link_freq_prior_u(LINK_C_FAMILY),
           ud = link_freq_prior_u(LINK_C_DOB), up = link_freq_prior_u(LINK_C_POSTCODE);
    if ((rc = held(s, a, SQL_DOB_GIVEN_COUNT, 2, v->dob, gk, NULL, self, &f->given_dob, err)) ||
        (rc = held(s, a, SQL_DOB_FAMILY_COUNT, 2, v->dob, fk, NULL, self, &f->family_dob, err)) ||
        (rc = held(s, a, SQL_DOB_NAMES_COUNT, 3, v->dob, gk, fk, self, &f->given_family_dob, err)) ||
        (rc = held(s, a, SQL_NAMES_COUNT, 2, fk, gk, NULL, self, &f->given_family, err)) ||
        (rc = held(s, a, SQL_FAMILY_AT_POSTCODE, 2, pc, fk, NULL, self, &f->family_postcode, err)) ||
        (rc = chance(s, a, SQL_GIVEN_COUNT, gk, f->n, self, ug, &f->given, err)) ||
        (rc = chance(s, a, SQL_FAMILY_COUNT, fk, f->n, self, uf, &f->family, err)) ||
        (rc = chance(s, a, SQL_DOB_COUNT, v->dob, f->n, self, ud, &f->dob, err)) ||
        /* the swapped date: a candidate born on it holds it; the incoming person (if recorded) does not */
        (rc = chance(s, a, SQL_DOB_COUNT, v->dob_swapped, f->n, 0, ud, &f->dob_swapped, err)) ||
        (rc = chance(s, a, SQL_POSTCODE_COUNT, pc, f->n, self, up, &f->postcode, err)))
        return rc;
    return 0;
}
