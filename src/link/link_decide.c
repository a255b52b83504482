/*
 * link_decide.c — the steps after the weights (README.md, step 6, "Decision"): the cluster step of a dedupe
 * (link_cluster: a pair in review whose two records are both linked to a third is linked too) and, in a link
 * run, one partner record one person (link_one_person: a link far weaker than its partner record's best goes
 * to review; and, where the first file shows no households, a partner record with no link is linked to its
 * one clear candidate in review). Each reads the decisions the weights made and changes decisions only, never
 * a weight.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "link/link_internal.h"

/* Records linked to each other, as lists of neighbours (CSR): the link graph the cluster step reads. */
typedef struct link_graph {
    size_t *start; /* node v's neighbours are nb[start[v], start[v + 1]), ascending */
    uint32_t *nb;
} link_graph;

/* The graph of a dedupe's pairs decided link, over its records. */
static int graph_build(link_graph *g, const link_result *out, size_t nodes)
{
    size_t links = 0;
    for (size_t i = 0; i < out->npairs; i++)
        links += out->pairs[i].decision == LINK_LINK;
    g->start = calloc(nodes + 2, sizeof(*g->start));
    g->nb = malloc((2 * links + 1) * sizeof(*g->nb));
    if (!g->start || !g->nb) return -1;
    for (size_t i = 0; i < out->npairs; i++)
        if (out->pairs[i].decision == LINK_LINK) {
            g->start[out->pairs[i].left + 2]++;
            g->start[out->pairs[i].right + 2]++;
        }
    for (size_t v = 2; v < nodes + 2; v++)
        g->start[v] += g->start[v - 1];
    for (size_t i = 0; i < out->npairs; i++) /* not in ascending order per record: sorted by the caller */
        if (out->pairs[i].decision == LINK_LINK) {
            size_t l = out->pairs[i].left, r = out->pairs[i].right;
            g->nb[g->start[l + 1]++] = (uint32_t)r;
            g->nb[g->start[r + 1]++] = (uint32_t)l;
        }
    return 0;
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* 1 when the sorted lists x[0, nx) and y[0, ny) share a value. */
static int share(const uint32_t *x, size_t nx, const uint32_t *y, size_t ny)
{
    for (size_t i = 0, j = 0; i < nx && j < ny;) {
        if (x[i] == y[j]) return 1;
        if (x[i] < y[j])
            i++;
        else
            j++;
    }
    return 0;
}

/* A record linked to more than CLUSTER_DEGREE_MAX others is no evidence for a third. CLUSTER_PROBABILITY is
 * the lowest probability a pair may have on its own weight and still be linked through a third record: the
 * two links through the third are most of the evidence. */
enum { CLUSTER_DEGREE_MAX = 32 };
#define CLUSTER_PROBABILITY 0.02

/* The cluster step of a dedupe: a pair in review whose two records are both linked to a third is linked too.
 * People recorded several times are the case: each record is most like some of the others, and a record
 * mistyped past the model's threshold against one duplicate is still linked to the rest. Read from the links
 * the weights decided, before any is added, so the order of the pairs does not matter; a record linked to
 * more than CLUSTER_DEGREE_MAX others is no evidence. Returns how many were linked this way, or -1 when out
 * of memory (nothing changed). */
long link_cluster(link_result *out, size_t nodes)
{
    double floor = log2(CLUSTER_PROBABILITY / (1 - CLUSTER_PROBABILITY));
    link_graph g = {0};
    if (graph_build(&g, out, nodes)) {
        free(g.start);
        free(g.nb);
        return -1;
    }
    size_t *st = g.start + 1; /* after the fill, node v's list is nb[st[v - 1], st[v]) with st[-1] = 0 */
    for (size_t v = 0; v < nodes; v++) {
        size_t from = v ? st[v - 1] : 0;
        qsort(g.nb + from, st[v] - from, sizeof(*g.nb), u32_cmp);
    }
#define NB_FROM(v) ((v) ? st[(v)-1] : 0)
#define NB_LEN(v)  (st[(v)] - NB_FROM(v))
    long added = 0;
    uint8_t *promote = calloc(out->npairs + 1, 1);
    if (!promote) {
        free(g.start);
        free(g.nb);
        return -1;
    }
    for (size_t i = 0; i < out->npairs; i++) {
        const link_pair *p = &out->pairs[i];
        if (p->decision == LINK_LINK || p->weight < floor) continue;
        size_t l = p->left, r = p->right;
        if (NB_LEN(l) == 0 || NB_LEN(r) == 0 || NB_LEN(l) > CLUSTER_DEGREE_MAX ||
            NB_LEN(r) > CLUSTER_DEGREE_MAX)
            continue;
        promote[i] = (uint8_t)share(g.nb + NB_FROM(l), NB_LEN(l), g.nb + NB_FROM(r), NB_LEN(r));
    }
#undef NB_FROM
#undef NB_LEN
    for (size_t i = 0; i < out->npairs; i++)
        if (promote[i]) {
            out->pairs[i].decision = LINK_LINK;
            added++;
        }
    free(promote);
    free(g.start);
    free(g.nb);
    return added;
}

/* One partner record, one person (a link run; README.md, "Decision"). A record of b is one person, so of the
 * records of a it is linked to, at most one is it when a holds each person once: a link whose weight is more
 * than ONE_PERSON_MARGIN bits below the b record's best link has, against that one, odds below 1 to 19 —
 * under the review floor (probability 0.05) had the two been weighed against each other — and is put in
 * review.
 * Whether a holds each person once is read from the links themselves: when at least ONE_PERSON_SHARE of the b
 * records linked are linked to more than one record of a, a holds people more than once (a b record linked to
 * two copies of one person), and nothing is moved. When a holds each person once and shows no households
 * (shared_address_share), the step has a recall counterpart, clear_candidates. Deterministic: maxima and
 * counts do not depend on the order the links are read in. Returns how many links went to review, or -1 when
 * out of memory (nothing changed). */
#define ONE_PERSON_MARGIN 4.25 /* log2(19) */
#define ONE_PERSON_SHARE  0.05 /* README.md: 0.1-3.5% where a holds each person once, 5.3-75% where not */

/* The share of a's records with an address that share it with another record of a (compared by a 64-bit hash
 * of the normalised address) into *share, or -1 there when fewer than half of a's records have an address
 * (households cannot be seen). Returns 0, or -1 when out of memory. Under ONE_PERSON_SHARE, a shows no
 * households: where people live with others (the synthetic council: 94%) records of one address are usually
 * different people; in files without households (FEBRL 4a: 0.04%; dsgen D and F's first files, 0.7-3.1%,
 * collisions of random addresses that grow with the file) they are not. */
static int shared_address_share(const link_dataset *a, double *share)
{
    uint64_t *h = malloc((a->n + 1) * sizeof(*h));
    if (!h) return -1;
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->recs[i].address && a->recs[i].address[0])
            h[n++] = link_mix(link_hash_str(LINK_FNV_BASIS, a->recs[i].address));
    qsort(h, n, sizeof(*h), u64_cmp);
    size_t shared = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && h[e] == h[s])
            e++;
        if (e - s > 1) shared += e - s;
        s = e;
    }
    free(h);
    *share = n && n >= a->n - n ? (double)shared / (double)n : -1;
    return 0;
}

/* The recall counterpart of one person's rule: a b record with no link (count[r] == 0) whose best candidate
 * is in review and more than ONE_PERSON_MARGIN bits above every other candidate of it is linked to that one.
 * A b record is one person; in a file holding each person once and showing no households, a record that
 * agrees with b clearly better than every other is b's person or nobody's, and among the candidates the
 * model already put in review (probability at least 0.05), the evidence that made it a candidate — an
 * address, a name, a date, with the rest mistyped or replaced — is the person's own: the alternative, a
 * member of the household at that address, is what the first file shows not to exist. best[] is scratch.
 * Returns how many pairs it linked, or -1 when out of memory (nothing changed). */
static long clear_candidates(link_result *out, size_t nb, const uint8_t *count, float *best)
{
    float *second = malloc((nb + 1) * sizeof(*second));
    size_t *at = malloc((nb + 1) * sizeof(*at));
    if (!second || !at) {
        free(second);
        free(at);
        return -1;
    }
    for (size_t r = 0; r < nb; r++) {
        best[r] = second[r] = -INFINITY;
        at[r] = SIZE_MAX;
    }
    for (size_t i = 0; i < out->npairs; i++) { /* ties: the first pair, so the pass is deterministic */
        const link_pair *p = &out->pairs[i];
        size_t r = p->right;
        if (count[r]) continue;
        if (p->weight > best[r]) {
            second[r] = best[r];
            best[r] = p->weight;
            at[r] = i;
        } else if (p->weight > second[r])
            second[r] = p->weight;
    }
    long found = 0;
    for (size_t r = 0; r < nb; r++) {
        if (at[r] == SIZE_MAX) continue;
        link_pair *p = &out->pairs[at[r]];
        if (p->decision == LINK_REVIEW && (double)second[r] < (double)best[r] - ONE_PERSON_MARGIN) {
            p->decision = LINK_LINK;
            found++;
        }
    }
    free(second);
    free(at);
    return found;
}

long link_one_person(link_result *out, const link_dataset *a, size_t nb, const size_t *const links[],
                     const size_t nlinks[], int nt)
{
    float *best = malloc((nb + 1) * sizeof(*best));
    uint8_t *count = calloc(nb + 1, 1);
    if (!best || !count) {
        free(best);
        free(count);
        return -1;
    }
    for (size_t r = 0; r < nb; r++)
        best[r] = -INFINITY;
    for (int t = 0; t < nt; t++)
        for (size_t k = 0; k < nlinks[t]; k++) {
            const link_pair *p = &out->pairs[links[t][k]];
            if (p->weight > best[p->right]) best[p->right] = p->weight;
            if (count[p->right] < 2) count[p->right]++;
        }
    size_t linked = 0, several = 0;
    for (size_t r = 0; r < nb; r++) {
        linked += count[r] > 0;
        several += count[r] > 1;
    }
    out->partner_linked = linked;
    out->partner_linked_several = several;
    long moved = 0;
    int once = (double)several < ONE_PERSON_SHARE * (double)linked;
    if (once)
        for (int t = 0; t < nt; t++)
            for (size_t k = 0; k < nlinks[t]; k++) {
                link_pair *p = &out->pairs[links[t][k]];
                if ((double)p->weight < (double)best[p->right] - ONE_PERSON_MARGIN) {
                    p->decision = LINK_REVIEW;
                    moved++;
                }
            }
    /* the recall counterpart, where a holds each person once and shows no households */
    long found = 0;
    out->index_shared_address = -1;
    if (once && shared_address_share(a, &out->index_shared_address) < 0)
        found = -1;
    else if (once && out->index_shared_address >= 0 && out->index_shared_address < ONE_PERSON_SHARE)
        found = clear_candidates(out, nb, count, best);
    if (found < 0) { /* out of memory: undo the moves above, so that nothing has changed */
        for (int t = 0; t < nt; t++)
            for (size_t k = 0; k < nlinks[t]; k++)
                out->pairs[links[t][k]].decision = LINK_LINK;
        moved = -1;
    } else
        out->clear_candidates = (size_t)found;
    free(best);
    free(count);
    return moved;
}
