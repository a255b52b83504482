/*
 * pindex_run.c — one run of the matching engine over the person index: a partner's dataset against the index
 * (`hearth link index --dataset NAME`, POST /api/v1/link-runs), or the index against itself.
 *
 * The people (restricted and merged ones never) and the dataset's rows are read into link_datasets in the
 * engine's normal form (link_record_from, plus the current address and town); the engine finds and compares
 * the candidate pairs and learns u from random pairs of these very records; the pairs are weighed with the
 * run's model (run_model below says why its m is not the engine's EM m); and the suggestions are kept, in one
 * transaction, as match_pair rows with their evidence (pindex.h P1, P2). A partner's row with a clear
 * candidate (clear_candidate) is linked to it and its weaker candidates are not queued (a person can still
 * unlink it, and the next run then offers them). The model is kept as a link_model row: the front door's check uses the newest
 * one trained on the index.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "link/link_match.h"
#include "pindex/pindex.h"

static const char SQL_PEOPLE[] =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex, p.nhs_number, p.nino, p.upn,\n"
    "       a.line1, a.line2, a.town, a.postcode\n"
    "  FROM person p\n"
    "  LEFT JOIN person_address a\n"
    "    ON a.id = (SELECT max(x.id) FROM person_address x WHERE x.person_id = p.id AND x.to_date IS NULL)\n"
    " WHERE p.restricted = 0 AND p.merged_into IS NULL\n"
    "   AND p.objects_matching = 0\n"   /* an upheld objection to matching (UK GDPR art. 21) */
    " ORDER BY p.id";

static const char SQL_DATASET[] =
    "SELECT id\n"
    "  FROM partner_dataset\n"
    " WHERE name = $1";

static const char SQL_RECORDS[] =
    "SELECT id, given_name, family_name, date_of_birth, sex, nhs_number, nino, upn, address, NULL, town,\n"
    "       postcode, person_id\n"
    "  FROM partner_record\n"
    " WHERE dataset_id = $1\n"
    " ORDER BY id";

/* Returns the new model's id. */
static const char SQL_MODEL_INSERT[] =
    "INSERT INTO link_model (trained_on, records, pairs, params, created_at, created_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6)\n"
    "RETURNING id";

static const char SQL_MODEL_NEWEST[] =
    "SELECT params\n"
    "  FROM link_model\n"
    " WHERE trained_on = 'index'\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

/* Returns the new run's id. */
static const char SQL_RUN_INSERT[] =
    "INSERT INTO link_run (kind, dataset_id, model_id, started_at, finished_at, people, records,\n"
    "                      candidate_pairs, linked, queued, kept, created_by)\n"
    "VALUES ($1, $2, $3, $4, $4, $5, $6, $7, 0, 0, 0, $8)\n"
    "RETURNING id";

static const char SQL_RUN_FINISH[] =
    "UPDATE link_run\n"
    "   SET finished_at = $2, linked = $3, queued = $4, kept = $5\n"
    " WHERE id = $1";

static const char SQL_PAIR_STATE[] =
    "SELECT id, state\n"
    "  FROM match_pair\n"
    " WHERE pair_key = $1";

static const char SQL_PAIR_INSERT[] =
    "INSERT INTO match_pair (pair_key, kind, run_id, person_id, other_person_id, partner_record_id,\n"
    "                        match_weight, probability, suggestion, evidence, state, decided_at, reason,\n"
    "                        created_at, updated_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)";

static const char SQL_PAIR_REFRESH[] =
    "UPDATE match_pair\n"
    "   SET run_id = $2, match_weight = $3, probability = $4, suggestion = $5, evidence = $6,\n"
    "       state = $7, decided_at = $8, reason = $9, version = version + 1, updated_at = $10\n"
    " WHERE id = $1 AND state = 'pending'";

static const char SQL_RECORD_LINK[] =
    "UPDATE partner_record\n"
    "   SET person_id = $2, version = version + 1, updated_at = $3, updated_by = $4\n"
    " WHERE id = $1 AND person_id IS NULL";

static const char ENGINE_REASON[] = "the row's clear candidate, above the upper threshold";

/* ---- reading ---- */

/* A row of SQL_PEOPLE or SQL_RECORDS (the same columns 0..11) into the next record of d. */
static void record_from_row(link_dataset *d, store_stmt *st)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->recs = core_xrealloc(d->recs, d->cap * sizeof *d->recs);
    }
    link_record *r = &d->recs[d->n++];
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, store_col_int(st, 0));
    link_record_from(&d->arena, r, id, store_col_text(st, 1, NULL), store_col_text(st, 2, NULL),
                     store_col_text(st, 3, NULL), store_col_text(st, 4, NULL), store_col_text(st, 11, NULL),
                     store_col_text(st, 5, NULL), store_col_text(st, 6, NULL), store_col_text(st, 7, NULL));
    size_t l1 = 0, l2 = 0, lt = 0;
    const char *line1 = store_col_text(st, 8, &l1), *line2 = store_col_text(st, 9, &l2),
               *town = store_col_text(st, 10, &lt);
    if (line1 || line2) {
        char *joined = core_arena_printf(&d->arena, "%s %s", line1 ? line1 : "", line2 ? line2 : "");
        r->address = link_norm_text(&d->arena, joined, strlen(joined));
    }
    if (town)
        r->town = link_norm_text(&d->arena, town, lt);
}

/* Read a query's rows into d; ids[i] the row id of record i. */
static int read_records(store *s, const char *sql, const store_value *p, size_t n, link_dataset *d, int64_t **ids,
                        int64_t **linked, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_stmt *st;
    int rc = store_query(s, &a, sql, p, n, &st, err);
    size_t cap = 0;
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        if (d->n == cap) {
            cap = cap ? cap * 2 : 1024;
            *ids = core_xrealloc(*ids, cap * sizeof **ids);
            if (linked)
                *linked = core_xrealloc(*linked, cap * sizeof **linked);
        }
        (*ids)[d->n] = store_col_int(st, 0);
        if (linked)
            (*linked)[d->n] = store_col_type(st, 12) == STORE_NULL ? 0 : store_col_int(st, 12);
        record_from_row(d, st);
        rc = 0;
    }
    core_arena_release(&a);
    return rc < 0 ? rc : 0;
}

/* ---- the model as JSON ---- */

json_t *pindex_model_json(const link_model *m)
{
    json_t *comps = json_object();
    for (int c = 0; c < LINK_NCOMP; c++) {
        json_t *levels = json_array();
        for (int l = 1; l < link_level_count(c); l++)
            json_array_append_new(levels, json_pack("{s:s,s:f,s:f}", "level", link_level_name(c, l), "m",
                                                    m->m[c][l], "u", m->u[c][l]));
        json_object_set_new(comps, link_comparison_name(c), levels);
    }
    return json_pack("{s:f,s:f,s:f,s:i,s:o}", "lambda", m->lambda, "link_weight", m->link_weight,
                     "review_weight", m->review_weight, "iterations", m->iterations, "comparisons", comps);
}

static int probability_ok(double x)
{
    return isfinite(x) && x > 0 && x < 1;
}

int pindex_model_from_json(const json_t *j, link_model *m, core_error *err)
{
    memset(m, 0, sizeof *m);
    json_t *comps = json_object_get(j, "comparisons");
    m->lambda = json_number_value(json_object_get(j, "lambda"));
    m->link_weight = json_number_value(json_object_get(j, "link_weight"));
    m->review_weight = json_number_value(json_object_get(j, "review_weight"));
    m->iterations = (int)json_integer_value(json_object_get(j, "iterations"));
    if (!json_is_object(comps) || !probability_ok(m->lambda))
        return core_error_set(err, CORE_E_INVALID_VALUE, "a stored matching model is not well formed");
    for (int c = 0; c < LINK_NCOMP; c++) {
        json_t *levels = json_object_get(comps, link_comparison_name(c));
        if (!json_is_array(levels) || (int)json_array_size(levels) != link_level_count(c) - 1)
            return core_error_set(err, CORE_E_INVALID_VALUE, "a stored matching model has no levels for %s",
                                  link_comparison_name(c));
        for (int l = 1; l < link_level_count(c); l++) {
            json_t *lv = json_array_get(levels, (size_t)l - 1);
            const char *name = json_string_value(json_object_get(lv, "level"));
            m->m[c][l] = json_number_value(json_object_get(lv, "m"));
            m->u[c][l] = json_number_value(json_object_get(lv, "u"));
            if (!name || strcmp(name, link_level_name(c, l)) != 0 || !probability_ok(m->m[c][l]) ||
                !probability_ok(m->u[c][l]))
                return core_error_set(err, CORE_E_INVALID_VALUE,
                                      "a stored matching model's %s levels are not this engine's",
                                      link_comparison_name(c));
        }
    }
    return 0;
}

int pindex_model_load(store *s, link_model *m, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_stmt *st;
    int rc = store_query(s, &a, SQL_MODEL_NEWEST, NULL, 0, &st, err), found = 0;
    if (rc == 0 && (rc = store_next(st, err)) == 1) {
        size_t len = 0;
        const char *text = store_col_text(st, 0, &len);
        json_error_t je;
        json_t *j = json_loadb(text, len, 0, &je);
        rc = j ? pindex_model_from_json(j, m, err)
               : core_error_set(err, CORE_E_INVALID_VALUE, "a stored matching model is not JSON");
        json_decref(j);
        found = rc == 0;
    }
    core_arena_release(&a);
    return rc < 0 ? rc : found;
}

/* ---- keeping the suggestions ---- */

/* The model a run keeps and scores with. Against the person index, EM has too little to go on: a curated
 * index has few duplicates, and a partner's file about families puts each record beside its household (one
 * postcode, one family name, other given names and dates of birth) more often than beside its true match. EM
 * then settles on households as "matches" — on the demo council's school file it linked siblings at
 * probability 0.86. So runs over the index take m, how true matches behave, from the engine's generic m
 * (link_match.c), and learn u, how often two different people of this council agree by chance (its names,
 * its postcodes), from the engine's random pairs of these very records. The prior: for a partner's row, a
 * half chance that it is somebody of the index (lambda = 0.5 / n, as at the front door); within the index,
 * about one record in twenty with a duplicate (0.05 / n). The thresholds are the engine's defaults. */
static void run_model(const link_result *res, size_t n, int dataset, link_model *m)
{
    link_model_defaults(m, n);
    memcpy(m->u, res->model.u, sizeof m->u);
    m->lambda = (dataset ? 0.5 : 0.05) / (double)(n > 1 ? n : 1);
    m->iterations = 0;
}

/* How common each given and family name is among the people of the index, for the term-frequency
 * adjustment: two records agreeing exactly on a common name ("Noah", "Jones", "Kaur") are weaker evidence
 * than the average exact agreement, so for an exact name the pair's u is the name's own frequency when that
 * is larger than the average u. It is never made smaller: a rare family name shared within one household is
 * no sign of one person (the engine's README, "households"). */
typedef struct name_freq {
    const char **v;    /* the names, sorted */
    size_t n;
} name_freq;

typedef struct run_tf {
    const link_dataset *people;
    name_freq given, family;
    int exact_given, exact_family;   /* the level called "exact" of each comparison */
} run_tf;

static int by_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void freq_build(name_freq *f, const link_dataset *d, int family)
{
    f->v = core_xmalloc((d->n ? d->n : 1) * sizeof *f->v);
    f->n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const char *s = family ? d->recs[i].family : d->recs[i].given;
        if (s)
            f->v[f->n++] = s;
    }
    qsort(f->v, f->n, sizeof *f->v, by_str);
}

/* The share of named records that carry s (0 when none). */
static double freq_of(const name_freq *f, const char *s)
{
    if (!s || !f->n)
        return 0;
    size_t lo = 0, hi = f->n;   /* first index with v >= s */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(f->v[mid], s) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < f->n && strcmp(f->v[end], s) == 0)
        end++;
    return (double)(end - lo) / (double)f->n;
}

static int level_named(int c, const char *name)
{
    for (int l = 1; l < link_level_count(c); l++)
        if (strcmp(link_level_name(c, l), name) == 0)
            return l;
    return -1;
}

static void tf_build(run_tf *t, const link_dataset *people)
{
    t->people = people;
    freq_build(&t->given, people, 0);
    freq_build(&t->family, people, 1);
    t->exact_given = level_named(LINK_C_GIVEN, "exact");
    t->exact_family = level_named(LINK_C_FAMILY, "exact");
}

static void tf_free(run_tf *t)
{
    free(t->given.v);
    free(t->family.v);
}

/* Re-weigh a pair under m (names adjusted by tf): its weight and decision, and each comparison's
 * contribution. The pair's left record is a person of the index. */
static void run_score(const link_model *m, const run_tf *tf, link_pair *p, double contrib[LINK_NCOMP])
{
    const link_record *l = &tf->people->recs[p->left];
    double w = log2(m->lambda / (1 - m->lambda));
    for (int c = 0; c < LINK_NCOMP; c++) {
        int lv = p->level[c];
        double u = m->u[c][lv];
        if (c == LINK_C_GIVEN && lv == tf->exact_given)
            u = fmax(u, freq_of(&tf->given, l->given));
        else if (c == LINK_C_FAMILY && lv == tf->exact_family)
            u = fmax(u, freq_of(&tf->family, l->family));
        contrib[c] = lv ? log2(m->m[c][lv] / u) : 0;
        w += contrib[c];
    }
    p->weight = (float)w;
    p->decision = w >= m->link_weight ? LINK_LINK : w >= m->review_weight ? LINK_REVIEW : LINK_NO;
}

int pindex_card_comparison(int c)
{
    return c == LINK_C_GIVEN || c == LINK_C_FAMILY || c == LINK_C_DOB || c == LINK_C_SEX;
}

int pindex_card_comparison_named(const char *name)
{
    for (int c = 0; name && c < LINK_NCOMP; c++)
        if (strcmp(name, link_comparison_name(c)) == 0)
            return pindex_card_comparison(c);
    return 0;
}

/* The evidence of a pair (re-weighed under im): the prior and, per comparison, its level and contribution. */
static char *evidence_json(const link_model *im, const run_tf *tf, const link_pair *p)
{
    double contrib[LINK_NCOMP];
    link_pair copy = *p;
    run_score(im, tf, &copy, contrib);
    double prior = log2(im->lambda / (1 - im->lambda));
    json_t *comps = json_array();
    for (int c = 0; c < LINK_NCOMP; c++)
        json_array_append_new(comps, json_pack("{s:s,s:s,s:f}", "comparison", link_comparison_name(c), "level",
                                               link_level_name(c, p->level[c]), "contribution",
                                               p->level[c] ? round(contrib[c] * 1000) / 1000 : 0.0));
    json_t *o = json_pack("{s:f,s:o}", "prior", round(prior * 1000) / 1000, "comparisons", comps);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

typedef struct keeper {
    store *s;
    core_arena *a;
    const char *kind;
    int64_t run_id, user_id;
    const char *now;
    pindex_run_counts *c;
} keeper;

/* Keep one suggestion: insert it, refresh it if pending, or leave it when a person (or the engine) has decided.
 * link: the engine links the partner's row (dataset pairs only). */
static int keep_pair(keeper *k, const char *key, int64_t person, int64_t other, int64_t record, const link_pair *p,
                     const char *evidence, int link, core_error *err)
{
    store_value q[] = {store_v_text(key)};
    store_stmt *st;
    int rc = store_query(k->s, k->a, SQL_PAIR_STATE, q, 1, &st, err);
    if (rc)
        return rc;
    int64_t existing = 0;
    const char *state = NULL;
    if ((rc = store_next(st, err)) == 1) {
        existing = store_col_int(st, 0);
        state = core_arena_strdup(k->a, store_col_text(st, 1, NULL));
    } else if (rc < 0) {
        return rc;
    }
    if (existing && strcmp(state, "pending") != 0) {
        k->c->kept++;
        return 0;
    }
    if (link) {   /* the row may have been linked since it was read: only an unlinked row is linked */
        int64_t changed = 0;
        store_value v[] = {store_v_int(record), store_v_int(person), store_v_text(k->now), store_v_int(k->user_id)};
        if ((rc = store_exec(k->s, k->a, SQL_RECORD_LINK, v, 4, &changed, err)))
            return rc;
        link = changed == 1;
    }
    double prob = link_probability(p->weight);
    const char *suggestion = p->decision == LINK_LINK ? "link" : "review";
    if (existing) {
        store_value v[] = {store_v_int(existing), store_v_int(k->run_id), store_v_real(p->weight),
                           store_v_real(prob), store_v_text(suggestion), store_v_text(evidence),
                           store_v_text(link ? "linked" : "pending"), link ? store_v_text(k->now) : store_v_null(),
                           link ? store_v_text(ENGINE_REASON) : store_v_null(), store_v_text(k->now)};
        rc = store_exec(k->s, k->a, SQL_PAIR_REFRESH, v, 10, NULL, err);
    } else {
        store_value v[] = {store_v_text(key), store_v_text(k->kind), store_v_int(k->run_id), store_v_int(person),
                           other ? store_v_int(other) : store_v_null(), record ? store_v_int(record) : store_v_null(),
                           store_v_real(p->weight), store_v_real(prob), store_v_text(suggestion),
                           store_v_text(evidence), store_v_text(link ? "linked" : "pending"),
                           link ? store_v_text(k->now) : store_v_null(),
                           link ? store_v_text(ENGINE_REASON) : store_v_null(), store_v_text(k->now)};
        rc = store_exec(k->s, k->a, SQL_PAIR_INSERT, v, 14, NULL, err);
    }
    if (rc == 0) {
        if (link)
            k->c->linked++;
        else
            k->c->queued++;
    }
    return rc;
}

/* The candidate of one partner's row (pairs p[0..n), all of that row) that the engine may link: under the
 * assumption that the row is at most one person of the index, candidate i is the person with probability
 * O_i / (1 + sum of every O_j), O being a pair's posterior odds; the best candidate is clear when that is at
 * least the link threshold's probability, i.e. when O_best / (1 + the other O_j) reaches 2^link_weight. Two
 * strong candidates (namesakes, twins) then leave the row for a person to decide. NULL when none is clear. */
static const link_pair *clear_candidate(const link_model *m, const link_pair **p, size_t n)
{
    const link_pair *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (!best || p[i]->weight > best->weight)
            best = p[i];
    if (!best || best->decision != LINK_LINK)
        return NULL;
    double others = 1; /* "none of them", in units of the best's odds below */
    for (size_t i = 0; i < n; i++)
        if (p[i] != best)
            others += exp2((double)p[i]->weight);
    return (double)best->weight - log2(others) >= m->link_weight ? best : NULL;
}

static int by_right(const void *x, const void *y)
{
    const link_pair *a = *(const link_pair *const *)x, *b = *(const link_pair *const *)y;
    if (a->right != b->right)
        return a->right < b->right ? -1 : 1;
    return a->left < b->left ? -1 : a->left > b->left;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int pindex_run(store *s, const pindex_run_options *o, pindex_run_counts *c, core_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(c, 0, sizeof *c);
    char started[24];
    model_now(started);
    core_arena a = CORE_ARENA_INIT;
    link_dataset people = {.arena = CORE_ARENA_INIT}, rows = {.arena = CORE_ARENA_INIT};
    int64_t *person_ids = NULL, *row_ids = NULL, *row_linked = NULL;
    link_result res;
    memset(&res, 0, sizeof res);
    int rc = 0, have_result = 0;

    if (o->dataset) {
        store_value p[] = {store_v_text(o->dataset)};
        rc = store_query_int(s, &a, SQL_DATASET, p, 1, &c->dataset_id, err);
        if (rc == CORE_E_NOT_FOUND)
            rc = 0;
        if (rc == 0 && !c->dataset_id)
            rc = core_error_set(err, CORE_E_NOT_FOUND, "there is no dataset named %s", o->dataset);
        if (rc)
            core_error_hint(err, "import it first: hearth import --dataset %s", o->dataset);
    }
    if (rc == 0 && o->progress)
        o->progress(o->progress_ctx, "reading the index", 0, 0);
    if (rc == 0)
        rc = read_records(s, SQL_PEOPLE, NULL, 0, &people, &person_ids, NULL, err);
    if (rc == 0 && o->dataset) {
        if (o->progress)
            o->progress(o->progress_ctx, "reading the dataset", 0, 0);
        store_value p[] = {store_v_int(c->dataset_id)};
        rc = read_records(s, SQL_RECORDS, p, 1, &rows, &row_ids, &row_linked, err);
    }
    c->people = people.n;
    c->records = rows.n;
    if (rc == 0 && (people.n < 2 || (o->dataset && rows.n == 0)))
        rc = core_error_set(err, CORE_E_INVALID_VALUE, o->dataset ? "the index or the dataset is empty"
                                                                 : "the index has fewer than two people to compare");
    if (rc == 0) {
        link_options lo = {.threads = o->threads, .use_ids = 1, .progress = o->progress,
                           .progress_ctx = o->progress_ctx};
        rc = link_run(&people, o->dataset ? &rows : NULL, &lo, &res, err);
        have_result = rc == 0;
        c->candidates = res.npairs;
    }
    link_model im;
    run_tf tf;
    memset(&tf, 0, sizeof tf);
    if (rc == 0) {
        run_model(&res, people.n, o->dataset != NULL, &im);
        tf_build(&tf, &people);
        double contrib[LINK_NCOMP];
        for (size_t i = 0; i < res.npairs; i++)
            run_score(&im, &tf, &res.pairs[i], contrib);
    }

    /* Everything below is one transaction: the model, the run and its pairs, or nothing. */
    char now[24];
    model_now(now);
    int in_tx = 0;
    if (rc == 0 && (rc = store_begin(s, err)) == 0)
        in_tx = 1;
    if (rc == 0) {
        json_t *mj = pindex_model_json(&im);
        char *params = json_dumps(mj, JSON_COMPACT);
        json_decref(mj);
        const char *on = o->dataset ? core_arena_printf(&a, "dataset:%s", o->dataset) : "index";
        store_value v[] = {store_v_text(on), store_v_int((int64_t)(people.n + rows.n)),
                           store_v_int((int64_t)res.npairs), store_v_text(params), store_v_text(now),
                           o->user_id ? store_v_int(o->user_id) : store_v_null()};
        rc = store_query_int(s, &a, SQL_MODEL_INSERT, v, 6, &c->model_id, err);
        free(params);
    }
    if (rc == 0) {
        store_value v[] = {store_v_text(o->dataset ? "dataset" : "index"),
                           o->dataset ? store_v_int(c->dataset_id) : store_v_null(), store_v_int(c->model_id),
                           store_v_text(started), store_v_int((int64_t)c->people), store_v_int((int64_t)c->records),
                           store_v_int((int64_t)c->candidates), o->user_id ? store_v_int(o->user_id) : store_v_null()};
        rc = store_query_int(s, &a, SQL_RUN_INSERT, v, 8, &c->run_id, err);
    }

    /* The suggestions, grouped by the partner's row for a dataset (a row links only with one candidate). */
    size_t nsug = 0;
    const link_pair **sug = NULL;
    if (rc == 0) {
        sug = core_xmalloc((res.npairs ? res.npairs : 1) * sizeof *sug);
        for (size_t i = 0; i < res.npairs; i++)
            if (res.pairs[i].decision != LINK_NO)
                sug[nsug++] = &res.pairs[i];
        if (o->dataset)
            qsort(sug, nsug, sizeof *sug, by_right);
    }
    keeper k = {.s = s, .a = &a, .kind = o->dataset ? "dataset" : "index", .run_id = c->run_id,
                .user_id = o->user_id, .now = now, .c = c};
    for (size_t i = 0; rc == 0 && i < nsug;) {
        size_t j = i + 1;
        if (o->dataset)
            while (j < nsug && sug[j]->right == sug[i]->right)
                j++;
        /* A partner's row is one person at most: its clear candidate, if any, is the one whose odds beat those
         * of "none of them" and of every other candidate together (clear_candidate below). */
        const link_pair *clear = o->dataset && !o->review_only ? clear_candidate(&im, sug + i, j - i) : NULL;
        for (size_t x = i; rc == 0 && x < j; x++) {
            const link_pair *p = sug[x];
            core_arena_reset(&a);
            char *ev = evidence_json(&im, &tf, p);
            char key[64];
            if (o->dataset) {
                int64_t person = person_ids[p->left], record = row_ids[p->right];
                if (row_linked[p->right]) { /* already linked (by a person or an earlier run): left alone */
                    c->kept++;
                    free(ev);
                    continue;
                }
                if (clear && p != clear) { /* the row has its clear candidate: the others are not asked */
                    free(ev);
                    continue;
                }
                snprintf(key, sizeof key, "r:%" PRId64 ":%" PRId64, person, record);
                rc = keep_pair(&k, key, person, 0, record, p, ev, p == clear, err);
            } else {
                int64_t lo = person_ids[p->left], hi = person_ids[p->right];
                if (lo > hi) {
                    int64_t t = lo;
                    lo = hi;
                    hi = t;
                }
                snprintf(key, sizeof key, "p:%" PRId64 ":%" PRId64, lo, hi);
                rc = keep_pair(&k, key, lo, hi, 0, p, ev, 0, err);
            }
            free(ev);
        }
        if (o->progress && (i / 1000 != j / 1000 || j == nsug))
            o->progress(o->progress_ctx, "keeping suggestions", j, nsug);
        i = j;
    }
    free(sug);
    if (rc == 0) {
        core_arena_reset(&a);
        model_now(now);
        store_value v[] = {store_v_int(c->run_id), store_v_text(now), store_v_int((int64_t)c->linked),
                           store_v_int((int64_t)c->queued), store_v_int((int64_t)c->kept)};
        rc = store_exec(s, &a, SQL_RUN_FINISH, v, 5, NULL, err);
    }
    if (rc == 0 && in_tx)
        rc = store_commit(s, err);
    if (rc && in_tx)
        store_rollback(s);

    tf_free(&tf);
    if (have_result)
        link_result_free(&res);
    link_dataset_free(&people);
    link_dataset_free(&rows);
    free(person_ids);
    free(row_ids);
    free(row_linked);
    core_arena_release(&a);
    c->seconds = seconds_since(&t0);
    return rc;
}

int pindex_dataset_find(store *s, const char *name, int64_t *id, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_value p[] = {store_v_text(name)};
    *id = 0;
    int rc = store_query_int(s, &a, SQL_DATASET, p, 1, id, err);
    core_arena_release(&a);
    if (rc == CORE_E_NOT_FOUND || (rc == 0 && !*id)) {
        core_error_set(err, CORE_E_NOT_FOUND, "there is no dataset named %s", name);
        rc = core_error_hint(err, "import it first: hearth import --dataset %s", name);
    }
    return rc;
}
