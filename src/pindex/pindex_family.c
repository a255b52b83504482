/*
 * pindex_family.c — what the family a contact names is worth on a front-door candidate.
 *
 * Within a contact the front door's check compares each candidate's household in the index (the people whose
 * current address has the candidate's postcode and first line: pindex_household()) with the contact's other
 * people. A relative the contact names is recorded in the index with chance in_index. If the candidate is the
 * person asked about, the relative is then one of the k people living with them (chance 1/k each); if not, the
 * relative is any of the n people of the index (1/n each) — the person may be new to the index while their
 * family is known (a baby, a child come to live with them) — and agrees with a person drawn at random as
 * unrelated people do (a ratio of 1 on average). With L_r the likelihood ratio m/u of the relative against
 * member r under the model, each named relative multiplies the candidate's odds by
 *
 *     (in_index * sum(L_r) / k + (1 - in_index)) / (in_index * sum(L_r) / n + 1)
 *
 * up to about n / k when the relative lives there (the family is found: the person is one of its k members or
 * new), down by at most log2(1 / (1 - in_index)) when nobody there is them. What this says is which household
 * is the family's; the caller (api_match.c) then keeps the larger of it and what the postcode and family name
 * already said of the same. The family name is left out of L_r when it agreed between the person and the
 * candidate (a namesake's household shares its name as often as the person's does). (docs/decisions.md, "The
 * family a contact names counts on its candidates".)
 */
#include <math.h>
#include <string.h>

#include "pindex/pindex.h"

int pindex_family_weight(store *s, core_arena *a, const link_model *model, const link_record *kin, int nkin,
                         int64_t candidate, int family_agreed, double in_index, double people, int64_t household_max,
                         pindex_family *out, core_error *err)
{
    memset(out, 0, sizeof(*out));
    if (nkin > PINDEX_FAMILY_MAX)
        nkin = PINDEX_FAMILY_MAX;
    store_stmt *st;
    int rc = pindex_household(s, a, candidate, household_max, &st, err);
    if (rc)
        return rc;
    double prior = log2(model->lambda / (1 - model->lambda)), sum[PINDEX_FAMILY_MAX] = {0},
           best[PINDEX_FAMILY_MAX] = {0};
    int64_t member[PINDEX_FAMILY_MAX] = {0};
    int home = 0, k = 0;
    while ((rc = store_next(st, err)) == 1) {
        home = 1;
        int64_t id = store_col_int(st, 0);
        if (id == candidate)
            continue;
        link_record r;
        link_record_from(a, &r, "", store_col_text(st, 1, NULL), store_col_text(st, 2, NULL),
                         store_col_text(st, 3, NULL), store_col_text(st, 4, NULL), NULL, NULL, NULL, NULL);
        k++;
        for (int f = 0; f < nkin; f++) {
            double contrib[LINK_NCOMP];
            double w = link_score_pair(model, &kin[f], &r, NULL, contrib) - prior;
            if (family_agreed)
                w -= contrib[LINK_C_FAMILY];
            double l = exp2(w > 60 ? 60 : w);
            sum[f] += l;
            if (l > best[f]) {
                best[f] = l;
                member[f] = id;
            }
        }
    }
    if (rc < 0)
        return rc;
    if (!home)
        return 0;
    out->looked = 1;
    double lead = 0;
    for (int f = 0; f < nkin; f++) {
        double x = log2((in_index * (k ? sum[f] / k : 0) + (1 - in_index)) /
                        (in_index * sum[f] / (people > k ? people : k) + 1));
        out->weight += x;
        if (x > lead) {
            lead = x;
            out->kin = f;
            out->member = member[f];
        }
    }
    return 0;
}
