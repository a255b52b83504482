/*
 * link_block.c — blocking: which pairs of records are compared at all (step 1 of link_run; the method in
 * README.md, "Blocking"; what the engine's files share in link_internal.h).
 *
 * Each rule (link_rules, in link_rules.c) gives every record a key, a 64-bit hash, or none; records sharing
 * a key form a block, and every pair in a block (dedupe) or across the two datasets in it (pair) is a
 * candidate. Blocks over block_cap records are left out, and so are a rule's largest blocks when it would
 * offer more than its pair budget (rule_pairs). A pair is kept once, by the first rule that offers it, with
 * the mask of all the rules that do (no sort of the rules' pairs: see struct blocking).
 */
#include <stdlib.h>

#include "link/link_internal.h"

/* 1 when rule r is off in this run (an identifier's rule without use_ids). */
static int rule_off(const link_options *o, int r)
{
    return !o->use_ids && link_rules[r].is_id;
}

/* A record's hot row (invariant 4 below): two cache lines, aligned together so that they are fetched
 * together. */
enum { HOT_SIGS = (128 - 4 * LINK_NRULES) / 8 }; /* the token rules with a signature in the row */
_Static_assert(HOT_SIGS >= 2, "a hot row holds a block number a rule and two or more token signatures");
typedef struct hotrow {
    _Alignas(128) uint32_t id[LINK_NRULES];
    uint64_t sig[HOT_SIGS];
} hotrow;

/*
 * The blocking state. Records are numbered together: a's 0..na-1, then b's na..na+nb-1 (dedupe: a's only).
 * Invariants:
 *   1. Rule r owns LINK_RULE_SLOTS(r) slots of keys, from slot0[r], each a column of n keys: keys[(slot0[r]
 *      + k) * n + i] is record i's k-th key under rule r (a rule of one key has one slot; a token rule one
 *      per token), or 0 when it has no such key or the rule is off (identifiers without use_ids). A record's
 *      keys under one rule are distinct. A rule's sort reads its columns from start to end.
 *   2. Once rule r is sorted, its kept blocks are numbered 1, 2, ... in the order of their keys, and ids
 *      holds for each record and key slot (ids[i * nslots + slot0[r] + k]: a record's numbers together) the
 *      number of its block, or 0 when there is no key or its block was left out (too large, or over the
 *      rule's pair budget): two records share a kept block's key under r exactly when they share a number,
 *      and the smaller key has the smaller number. So "rule r offers the pair (i, j)" is exactly "some
 *      nonzero id of i under r is an id of j under r" (offer_mask). The pairs are emitted from the numbers
 *      alone, half the bytes of the keys, which are freed once every rule is sorted.
 *   3. order[r] and oblk[r] list the (record, block number) entries of r's kept blocks, sorted by key and
 *      then by record number: a block is a run of equal numbers, and within it a's records come before b's,
 *      each in ascending number, each once.
 *   4. hot[i], 128 bytes, answers "does rule q offer (i, j)?" for most pairs without reading ids: for a
 *      rule of one key, id[q] is its number (invariant 2), 0 for a token rule; for a token rule among the
 *      first HOT_SIGS, sig[t] has a bit set for each of the record's block numbers, and signatures that do
 *      not meet mean "no" (otherwise ids decides). Emitting a pair asks every rule, and most rules' answer is
 *      "no": one row of each record answers, where ids spreads a record over three cache lines.
 * A pair is emitted once, by the first rule that offers it (the rules' pairs unioned without a sort), and
 * under a token rule by the block of the smallest key the two share, with the mask of every rule that offers
 * it.
 */
typedef struct blocking {
    const link_options *o;
    size_t na, nb, n; /* n = na + nb */
    int dedupe;
    uint32_t cap;    /* block_cap */
    uint64_t budget; /* rule_pairs */
    uint64_t *keys; /* invariant 1; NULL once every rule is sorted */
    uint32_t *ids;  /* invariant 2 */
    hotrow *hot;    /* invariant 4 */
    size_t nslots;  /* keys per record, all rules together */
    int ntok, tok[LINK_NRULES]; /* token rules, and each rule's number among them (-1: one key) */
    int tokrule[LINK_NRULES];   /* the rule of each token rule's number */
    size_t slot0[LINK_NRULES];
    uint32_t *order[LINK_NRULES];
    uint32_t *oblk[LINK_NRULES];
    size_t norder[LINK_NRULES];
    uint64_t offered[LINK_NRULES]; /* pairs in the blocks kept, duplicates included */
    uint32_t skipped[LINK_NRULES], over_budget[LINK_NRULES];
    int failed; /* a rule's sort ran out of memory (set by that rule's thread only) */
} blocking;

static const link_record *blocking_rec(const link_dataset *a, const link_dataset *b, size_t na, size_t i)
{
    return i < na ? &a->recs[i] : &b->recs[i - na];
}

typedef struct keyjob {
    blocking *bl;
    const link_dataset *a, *b;
    size_t from, to; /* records (keys), or rules (sorting: rules r with r % step == from) */
    int step;
} keyjob;

static void *keys_worker(void *arg)
{
    keyjob *j = arg;
    blocking *bl = j->bl;
    for (size_t i = j->from; i < j->to; i++) {
        const link_record *rec = blocking_rec(j->a, j->b, bl->na, i);
        for (int r = 0; r < LINK_NRULES; r++) {
            uint64_t k[LINK_RULE_KEYS_MAX];
            int nk = LINK_RULE_SLOTS(r), got = 0;
            if (!rule_off(bl->o, r)) {
                if (link_rules[r].keys)
                    got = link_rules[r].keys(rec, k);
                else
                    got = (k[0] = link_rules[r].key(rec)) != 0;
            }
            for (int x = 0; x < nk; x++)
                bl->keys[(bl->slot0[r] + (size_t)x) * bl->n + i] = x < got ? k[x] : 0;
        }
    }
    return NULL;
}

/* Records [from, to)'s hot rows, from their ids (invariant 4). */
static void *hot_worker(void *arg)
{
    keyjob *j = arg;
    blocking *bl = j->bl;
    for (size_t i = j->from; i < j->to; i++) {
        hotrow *h = &bl->hot[i];
        memset(h, 0, sizeof(*h));
        const uint32_t *id = &bl->ids[i * bl->nslots];
        for (int r = 0; r < LINK_NRULES; r++) {
            int t = bl->tok[r];
            if (t < 0)
                h->id[r] = id[bl->slot0[r]];
            else if (t < HOT_SIGS)
                for (int x = 0; x < LINK_RULE_KEYS_MAX && id[bl->slot0[r] + (size_t)x]; x++)
                    h->sig[t] |= 1ULL << ((id[bl->slot0[r] + (size_t)x] * 2654435761u) >> 26);
        }
    }
    return NULL;
}

/* The mask of every rule that offers the pair (i, j): invariants 2 and 4. */
static link_rule_mask offer_mask(const blocking *bl, size_t i, size_t j)
{
    const hotrow *hi = &bl->hot[i], *hj = &bl->hot[j];
    link_rule_mask mask = 0;
    for (int q = 0; q < LINK_NRULES; q++) /* rules of one key (a token rule's id is 0), no branch */
        mask |= (link_rule_mask)((hi->id[q] == hj->id[q]) & (hi->id[q] != 0)) << q;
    for (int t = 0; t < bl->ntok; t++) {
        if (t < HOT_SIGS && !(hi->sig[t] & hj->sig[t])) continue;
        int q = bl->tokrule[t];
        const uint32_t *a = &bl->ids[i * bl->nslots + bl->slot0[q]];
        const uint32_t *b = &bl->ids[j * bl->nslots + bl->slot0[q]];
        int shared = 0;
        for (int x = 0; x < LINK_RULE_KEYS_MAX && a[x] && !shared; x++)
            for (int y = 0; y < LINK_RULE_KEYS_MAX && b[y] && !shared; y++)
                shared = a[x] == b[y];
        mask |= (link_rule_mask)shared << q;
    }
    return mask;
}

/* The block of the smallest key i and j share under token rule r (0: none): the one block of r that emits
 * the pair. */
static uint32_t first_shared(const blocking *bl, int r, size_t i, size_t j)
{
    const uint32_t *a = &bl->ids[i * bl->nslots + bl->slot0[r]];
    const uint32_t *b = &bl->ids[j * bl->nslots + bl->slot0[r]];
    int nk = LINK_RULE_SLOTS(r);
    uint32_t best = 0;
    for (int x = 0; x < nk && a[x]; x++)
        for (int y = 0; y < nk && b[y]; y++)
            if (a[x] == b[y] && (!best || a[x] < best)) best = a[x];
    return best;
}

typedef struct keyed {
    uint64_t key;
    uint32_t idx;  /* the record */
    uint32_t slot; /* the key's slot under its rule */
} keyed;

/* Stable LSD radix sort of v[0..n) by key, 16 bits a pass; tmp has room for n. Returns the sorted array (v
 * or tmp). Passes where every key has the same digit are skipped. */
static keyed *radix_sort(keyed *v, keyed *tmp, size_t n, size_t *count)
{
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65537 * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[((v[i].key >> shift) & 0xffff) + 1]++;
        int trivial = 0;
        for (size_t d = 1; d <= 65536; d++)
            if (count[d] == n) trivial = 1;
        if (trivial) continue;
        for (size_t d = 1; d <= 65536; d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].key >> shift) & 0xffff]++] = v[i];
        keyed *t = v;
        v = tmp;
        tmp = t;
    }
    return v;
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* The pairs a block of records [s, e) of order[r] would give; *mid is where b's records start. */
static uint64_t block_pairs(const blocking *bl, const uint32_t *ord, size_t s, size_t e, size_t *mid)
{
    size_t m = s;
    if (bl->dedupe) {
        *mid = e;
        return (uint64_t)(e - s) * (uint64_t)(e - s - 1) / 2;
    }
    while (m < e && ord[m] < bl->na)
        m++;
    *mid = m;
    return (uint64_t)(m - s) * (uint64_t)(e - m);
}

/* A sorted entry's mark: the first entry of a block over the cap (keyed.slot is otherwise under
 * LINK_RULE_KEYS_MAX). */
#define OVER_CAP 0x80000000u

/* Rule r: sort its records by key; leave out blocks over the cap and, when the rule would offer more than the
 * budget, its largest blocks (all blocks of a size or none, so the result depends on nothing but the data);
 * number the blocks kept in ids (invariant 2); keep order[r] and oblk[r] (invariant 3). */
static void block_sort_rule(blocking *bl, int r, keyed *k, keyed *tmp, size_t *count)
{
    size_t n = 0;
    int nk = LINK_RULE_SLOTS(r);
    for (size_t i = 0; i < bl->n; i++)
        for (int x = 0; x < nk; x++) {
            uint64_t h = bl->keys[(bl->slot0[r] + (size_t)x) * bl->n + i];
            if (h) k[n++] = (keyed){h, (uint32_t)i, (uint32_t)x};
        }
    keyed *sorted = radix_sort(k, tmp, n, count);
    uint32_t *ord = malloc((n + 1) * sizeof(*ord));
    uint32_t *oblk = malloc((n + 1) * sizeof(*oblk));
    if (!ord || !oblk) {
        free(ord);
        free(oblk);
        __atomic_store_n(&bl->failed, 1, __ATOMIC_RELAXED);
        return;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = sorted[i].idx;
    /* block sizes in pairs; over the cap: out */
    uint64_t total = 0, *sizes = NULL;
    size_t nsizes = 0, cap_sizes = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1, mid;
        while (e < n && sorted[e].key == sorted[s].key)
            e++;
        uint64_t p = block_pairs(bl, ord, s, e, &mid);
        if (e - s > bl->cap) {
            bl->skipped[r]++;
            sorted[s].slot |= OVER_CAP;
        } else if (p) {
            total += p;
            if (nsizes == cap_sizes) {
                cap_sizes = cap_sizes ? cap_sizes * 2 : 1024;
                uint64_t *grown = realloc(sizes, cap_sizes * sizeof(*sizes));
                if (!grown) {
                    free(sizes);
                    free(ord);
                    free(oblk);
                    __atomic_store_n(&bl->failed, 1, __ATOMIC_RELAXED);
                    return;
                }
                sizes = grown;
            }
            sizes[nsizes++] = p;
        }
        s = e;
    }
    /* over the budget: the smallest size that must go, so that the blocks below it fit */
    uint64_t limit = UINT64_MAX;
    uint64_t budget = bl->budget / (link_rules[r].budget_div > 1 ? link_rules[r].budget_div : 1);
    if (total > budget) {
        qsort(sizes, nsizes, sizeof(*sizes), u64_cmp);
        uint64_t sum = 0;
        for (size_t i = 0; i < nsizes; i++) {
            if (sum + sizes[i] > budget) {
                limit = sizes[i];
                break;
            }
            sum += sizes[i];
        }
    }
    free(sizes);
    uint64_t offered = 0;
    size_t kept = 0;
    uint32_t blk = 0; /* the blocks kept, numbered from 1 (invariant 2): at most the entries, 6 a record of
                         at most two files of 20 million rows, well under 2^32 */
    for (size_t s = 0; s < n;) {
        size_t e = s + 1, mid;
        while (e < n && sorted[e].key == sorted[s].key)
            e++;
        int gone = (sorted[s].slot & OVER_CAP) != 0;
        uint64_t p = block_pairs(bl, ord, s, e, &mid);
        if (!gone && p >= limit) {
            bl->over_budget[r]++;
            gone = 1;
        }
        if (!gone) {
            offered += p;
            blk++;
            for (size_t i = s; i < e; i++) { /* compact: order[r] keeps only the blocks kept */
                bl->ids[(size_t)sorted[i].idx * bl->nslots + bl->slot0[r] + sorted[i].slot] = blk;
                oblk[kept] = blk;
                ord[kept++] = ord[i];
            }
        }
        s = e;
    }
    bl->order[r] = ord;
    bl->oblk[r] = oblk;
    bl->norder[r] = kept;
    bl->offered[r] = offered;
}

static void *sort_worker(void *arg)
{
    keyjob *j = arg;
    blocking *bl = j->bl;
    keyed *k = NULL, *tmp = NULL;
    size_t cap = 0;
    size_t *count = core_xmalloc(65537 * sizeof(*count));
    for (size_t r = j->from; r < LINK_NRULES; r += (size_t)j->step) {
        if (rule_off(bl->o, (int)r)) continue;
        size_t need =
            1; /* the rule's entries: n for a rule of one key, what the records have for a token rule */
        if (LINK_RULE_SLOTS(r) == 1)
            need += bl->n;
        else
            for (size_t i = 0; i < bl->n; i++)
                for (int x = 0; x < LINK_RULE_SLOTS(r); x++)
                    need += bl->keys[(bl->slot0[r] + (size_t)x) * bl->n + i] != 0;
        if (need > cap) {
            free(k);
            free(tmp);
            k = malloc(need * sizeof(*k));
            tmp = malloc(need * sizeof(*tmp));
            cap = need;
        }
        if (!k || !tmp) {
            __atomic_store_n(&bl->failed, 1, __ATOMIC_RELAXED);
            break;
        }
        block_sort_rule(bl, (int)r, k, tmp, count);
    }
    free(k);
    free(tmp);
    free(count);
    return NULL;
}

/* A growing array of pairs. */
typedef struct pairvec {
    link_pair *v;
    size_t n, cap;
    int failed; /* out of memory: pairs were lost, the run fails */
} pairvec;

static void pairvec_push(pairvec *p, uint32_t left, uint32_t right, link_rule_mask mask)
{
    if (p->failed) return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1 << 16;
        link_pair *v = realloc(p->v, cap * sizeof(*p->v));
        if (!v) {
            p->failed = 1;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    link_pair *q = &p->v[p->n++];
    memset(q, 0, sizeof(*q));
    q->left = left;
    q->right = right;
    q->rules = mask;
}

typedef struct emitjob {
    const blocking *bl;
    int r;
    size_t from, to; /* positions in order[r], on block boundaries */
    pairvec out;
} emitjob;

/* The pairs of rule r's blocks in [from, to) that no earlier rule offers, with the mask of the rules that
 * offer each. */
static void *emit_worker(void *arg)
{
    emitjob *j = arg;
    const blocking *bl = j->bl;
    const uint32_t *ord = bl->order[j->r];
    const uint32_t *oblk = bl->oblk[j->r];
    int r = j->r, tokens = LINK_RULE_SLOTS(r) > 1;
    link_rule_mask earlier = ((link_rule_mask)1 << r) - 1; /* a pair one of these offers is theirs */
    for (size_t s = j->from; s < j->to;) {
        size_t e = s + 1, mid;
        uint32_t key = oblk[s];
        while (e < j->to && oblk[e] == key)
            e++;
        block_pairs(bl, ord, s, e, &mid);
        for (size_t x = s; x < (bl->dedupe ? e : mid); x++) {
            for (size_t y = bl->dedupe ? x + 1 : mid; y < e; y++) {
                if (y + 4 < e) {
                    __builtin_prefetch(&bl->hot[ord[y + 4]]);
                    __builtin_prefetch((const char *)&bl->hot[ord[y + 4]] + 64);
                }
                link_rule_mask mask = offer_mask(bl, ord[x], ord[y]);
                if ((mask & earlier) || (tokens && first_shared(bl, r, ord[x], ord[y]) != key)) continue;
                pairvec_push(&j->out, ord[x], (uint32_t)(ord[y] - (bl->dedupe ? 0 : bl->na)), mask);
            }
        }
        s = e;
    }
    return NULL;
}

/* Free what blocking made. */
static void blocking_release(blocking *bl)
{
    for (int r = 0; r < LINK_NRULES; r++) {
        free(bl->order[r]);
        free(bl->oblk[r]);
    }
    free(bl->keys);
    free(bl->ids);
    free(bl->hot);
}

/* When every possible pair fits the budget, blocking does not choose: every pair is a candidate, in the order
 * left, then right, each with the mask of the rules that would have offered it (EM still trains per rule). */
static int emit_every_pair(const blocking *bl, link_result *out, uint64_t possible, core_error *err)
{
    link_pair *v = link_alloc((size_t)(possible + 1) * sizeof(*v), "every pair", err);
    if (!v) return err->code;
    size_t n = 0;
    for (size_t i = 0; i < bl->na; i++) {
        for (size_t j = bl->dedupe ? i + 1 : bl->na; j < (bl->dedupe ? bl->na : bl->n); j++) {
            link_rule_mask mask = offer_mask(bl, i, j);
            link_pair *p = &v[n++];
            memset(p, 0, sizeof(*p));
            p->left = (uint32_t)i;
            p->right = (uint32_t)(j - (bl->dedupe ? 0 : bl->na));
            p->rules = mask;
        }
    }
    for (int r = 0; r < LINK_NRULES; r++) {
        out->candidates_before_union += bl->offered[r];
        out->blocks_skipped += bl->skipped[r];
        out->blocks_over_budget += bl->over_budget[r];
    }
    out->pairs = v;
    out->npairs = n;
    out->compared_all = 1;
    return 0;
}

/* Blocking: every candidate pair once, in the order rule, block, then record. The same data gives the same
 * pairs in the same order whatever the number of threads. */
int link_block_all(const link_dataset *a, const link_dataset *b, const link_options *o, link_result *out,
                   core_error *err)
{
    blocking bl;
    memset(&bl, 0, sizeof(bl));
    bl.o = o;
    bl.na = a->n;
    bl.nb = b ? b->n : 0;
    bl.n = bl.na + bl.nb;
    bl.dedupe = b == NULL;
    bl.cap = o->block_cap ? o->block_cap : 2000;
    bl.budget = o->rule_pairs ? o->rule_pairs : (uint64_t)bl.n * 4 > 1000000 ? (uint64_t)bl.n * 4 : 1000000;
    for (int r = 0; r < LINK_NRULES; r++) {
        bl.slot0[r] = bl.nslots;
        bl.nslots += (size_t)LINK_RULE_SLOTS(r);
        bl.tok[r] = link_rules[r].keys ? bl.ntok++ : -1;
        if (bl.tok[r] >= 0) bl.tokrule[bl.tok[r]] = r;
    }
    bl.keys = link_alloc((bl.n * bl.nslots + 1) * sizeof(*bl.keys), "blocking keys", err);
    if (!bl.keys) return err->code;
    bl.ids = calloc(bl.n * bl.nslots + 1, sizeof(*bl.ids));
    if (!bl.ids) {
        free(bl.keys);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for blocking keys");
    }
    int nt = link_thread_count(o);
    if ((size_t)nt > bl.n / 4096 + 1) nt = (int)(bl.n / 4096 + 1);
    keyjob kj[LINK_MAX_THREADS];
    for (int t = 0; t < nt; t++) /* 1. every record's keys */
        kj[t] = (keyjob){&bl, a, b, bl.n * (size_t)t / (size_t)nt, bl.n * (size_t)(t + 1) / (size_t)nt, 0};
    link_fanout(nt, keys_worker, kj, sizeof(kj[0]));
    /* 2. each rule's blocks, the rules shared out among the threads. A rule writes only its own slots of
     * ids, so the threads never write the same id. */
    int ns = nt < LINK_NRULES ? nt : LINK_NRULES;
    for (int t = 0; t < ns; t++)
        kj[t] = (keyjob){&bl, a, b, (size_t)t, 0, ns};
    link_fanout(ns, sort_worker, kj, sizeof(kj[0]));
    if (bl.failed) {
        blocking_release(&bl);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for blocking %zu records", bl.n);
    }
    free(bl.keys); /* the pairs come from ids alone (invariant 2) */
    bl.keys = NULL;
    bl.hot = aligned_alloc(sizeof(*bl.hot), (bl.n + 1) * sizeof(*bl.hot));
    if (!bl.hot) {
        blocking_release(&bl);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for blocking %zu records", bl.n);
    }
    for (int t = 0; t < nt; t++) /* 3. every record's hot row */
        kj[t] = (keyjob){&bl, a, b, bl.n * (size_t)t / (size_t)nt, bl.n * (size_t)(t + 1) / (size_t)nt, 0};
    link_fanout(nt, hot_worker, kj, sizeof(kj[0]));
    link_progress(o, "blocking", 1, 2);
    uint64_t possible = bl.dedupe ? (uint64_t)bl.na * (bl.na - 1) / 2 : (uint64_t)bl.na * bl.nb;
    if (possible <= bl.budget) {
        int rc = emit_every_pair(&bl, out, possible, err);
        blocking_release(&bl);
        return rc;
    }
    /* 4. the pairs, rule by rule; within a rule its blocks are shared out in runs of about equal length */
    pairvec all = {0};
    emitjob ej[LINK_MAX_THREADS];
    memset(ej, 0, sizeof(ej));
    int failed = 0;
    for (int r = 0; r < LINK_NRULES && !failed; r++) {
        size_t n = bl.norder[r];
        if (!bl.order[r] || n == 0) continue;
        size_t from = 0;
        for (int t = 0; t < nt; t++) {
            size_t to = t == nt - 1 ? n : n * (size_t)(t + 1) / (size_t)nt;
            if (to < from) to = from;
            while (to > from && to < n && bl.oblk[r][to] == bl.oblk[r][to - 1])
                to++;
            ej[t].bl = &bl;
            ej[t].r = r;
            ej[t].from = from;
            ej[t].to = to;
            ej[t].out.n = 0;
            from = to;
        }
        link_fanout(nt, emit_worker, ej, sizeof(ej[0]));
        for (int t = 0; t < nt && !failed; t++) {
            failed = ej[t].out.failed;
            if (failed || !ej[t].out.n) continue;
            if (all.n + ej[t].out.n > all.cap) {
                size_t cap = all.n + ej[t].out.n > all.cap * 3 / 2 ? all.n + ej[t].out.n : all.cap * 3 / 2;
                link_pair *v = realloc(all.v, cap * sizeof(*all.v));
                if (!v) {
                    failed = 1;
                    break;
                }
                all.v = v;
                all.cap = cap;
            }
            memcpy(all.v + all.n, ej[t].out.v, ej[t].out.n * sizeof(*all.v));
            all.n += ej[t].out.n;
        }
        out->candidates_before_union += bl.offered[r];
        out->blocks_skipped += bl.skipped[r];
        out->blocks_over_budget += bl.over_budget[r];
    }
    for (int t = 0; t < nt; t++)
        free(ej[t].out.v);
    blocking_release(&bl);
    if (failed) {
        free(all.v);
        return core_error_set(err, CORE_E_INTERNAL, "out of memory for the candidate pairs (%zu so far)",
                              all.n);
    }
    out->pairs = all.v ? all.v : core_xmalloc(sizeof(link_pair));
    out->npairs = all.n;
    return 0;
}
