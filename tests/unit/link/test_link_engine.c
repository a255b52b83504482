/*
 * test_link_engine.c — the matching engine (src/link/) on a synthetic population made here:
 *   - duplicates made with typical corruptions (a nickname, a surname typo, day and month of birth swapped, a
 *     new postcode, given and family names swapped) are linked, and unrelated people are not, with no labels;
 *   - the front-door case of issue 4: a child re-entered with a nickname, a surname typo and day/month swapped;
 *   - comparison levels for swapped names (mistyped too, and not for names merely alike when crossed), for
 *     day/month swapped, and for dates of birth that were not dates (by their digits; far ones say nothing);
 *   - the same result with one thread or four, and on a second run;
 *   - oversized blocks are skipped and counted;
 *   - every pair compared when all of them fit the pair budget, blocking again past it; the token rules
 *     (address words, name words); the cluster step's links each have a third record linked to both;
 *   - one partner record, one person (a link run): no record of b keeps a link far below its best, the
 *     links held back are exactly those, a namesake in a household is not linked; when a holds people
 *     twice, nothing is held back;
 *   - explanations add up to the match weight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "core/core_date.h"
#include "link/link.h"
#include "link/link_match.h"

static const char *const GIVEN[] = {"william", "margaret", "robert", "elizabeth", "james", "catherine", "thomas",
                                    "alexandra", "siobhan", "dafydd", "priya", "mohammed", "zofia", "kacper",
                                    "ayesha", "oliver", "amelia", "harry", "isla", "jack", "grace", "noah",
                                    "freya", "leo", "ivy", "arthur", "rosie", "theo", "maya", "finley"};
static const char *const NICK[] = {"bill", "peggy", "bob", "liz", "jim", "kate", "tom", "sasha", NULL, NULL,
                                   NULL, NULL, NULL, NULL, NULL, "ollie", "millie", NULL, NULL, NULL, NULL, NULL,
                                   NULL, NULL, NULL, "art", NULL, NULL, NULL, "finn"};
static const char *const FAMILY[] = {"smith", "jones", "taylor", "brown", "williams", "wilson", "johnson",
                                     "davies", "robinson", "wright", "thompson", "evans", "walker", "white",
                                     "roberts", "green", "hall", "wood", "jackson", "clarke", "patel", "khan",
                                     "kowalczyk", "nowak", "oconnor", "macdonald", "llewellyn", "okafor",
                                     "begum", "ahmed", "hughes", "edwards", "lewis", "morgan", "price"};
static const char *const PLACES[] = {"LS1 4AP", "M1 1AE", "B33 8TH", "CF10 1EP", "NE1 7RU", "SW1A 1AA",
                                     "G2 3BZ", "L1 8JQ", "BS1 5TR", "NG1 5FS", "S1 2HE", "LE1 6ZG"};

static uint64_t rng = 42;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

typedef struct person {
    char id[16];
    const char *given, *family, *postcode;
    core_date dob;
    char sex;
    const char *address; /* NULL: none */
} person;

static void add(link_dataset *d, const person *p)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->recs = realloc(d->recs, d->cap * sizeof(*d->recs));
        assert_non_null(d->recs);
    }
    link_record *r = &d->recs[d->n++];
    memset(r, 0, sizeof(*r));
    r->id = core_arena_strdup(&d->arena, p->id);
    r->given = p->given ? link_norm_name(&d->arena, p->given) : NULL;
    r->family = p->family ? link_norm_name(&d->arena, p->family) : NULL;
    if (r->given) {
        size_t n = strcspn(r->given, " ");
        char *first = core_arena_strndup(&d->arena, r->given, n);
        r->given_nick = link_nick_canonical(first);
        link_phonetic(first, r->given_phon);
    }
    if (r->family)
        link_phonetic(r->family, r->family_phon);
    r->dob = core_date_ok(p->dob) ? core_date_to_days(p->dob) : LINK_NO_DATE;
    r->sex = p->sex;
    if (p->address) r->address = link_norm_text(&d->arena, p->address, strlen(p->address));
    if (p->postcode) {
        char buf[32];
        size_t sl = 0, dl = 0, n = link_norm_postcode(p->postcode, buf, sizeof(buf), &sl, &dl);
        r->postcode = n ? core_arena_strndup(&d->arena, buf, n) : NULL;
        r->sector = sl ? core_arena_strndup(&d->arena, buf, sl) : NULL;
        r->district = dl ? core_arena_strndup(&d->arena, buf, dl) : NULL;
    }
}

/* A surname typo: two adjacent letters swapped, or one letter changed. */
static const char *typo(core_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *t = core_arena_strdup(a, s);
    size_t i = 1 + next_u32() % (n - 2);
    if (next_u32() % 2) {
        char c = t[i];
        t[i] = t[i + 1];
        t[i + 1] = c;
    } else {
        t[i] = (char)('a' + (t[i] - 'a' + 1) % 26);
    }
    return t;
}

typedef struct population {
    link_dataset d;
    size_t originals;
} population;

/* N originals, then a duplicate of every fourth original (id "dN" for original "oN") with one or two
 * corruptions. */
static void make_population(population *pop, size_t n)
{
    rng = 42;
    memset(pop, 0, sizeof(*pop));
    person *ps = calloc(n, sizeof(*ps));
    assert_non_null(ps);
    for (size_t i = 0; i < n; i++) {
        person *p = &ps[i];
        snprintf(p->id, sizeof(p->id), "o%zu", i);
        size_t g = next_u32() % (sizeof(GIVEN) / sizeof(GIVEN[0]));
        p->given = GIVEN[g];
        p->family = FAMILY[next_u32() % (sizeof(FAMILY) / sizeof(FAMILY[0]))];
        p->postcode = PLACES[next_u32() % (sizeof(PLACES) / sizeof(PLACES[0]))];
        p->dob = (core_date){1950 + (int)(next_u32() % 70), 1 + (int)(next_u32() % 12), 1 + (int)(next_u32() % 28)};
        p->sex = next_u32() % 2 ? 'M' : 'F';
        add(&pop->d, p);
    }
    pop->originals = n;
    for (size_t i = 0; i < n; i += 4) {
        person q = ps[i];
        snprintf(q.id, sizeof(q.id), "d%zu", i);
        size_t g = 0;
        while (strcmp(GIVEN[g], q.given) != 0)
            g++;
        switch ((i / 4) % 5) {
        case 0:
            if (NICK[g])
                q.given = NICK[g];
            q.family = typo(&pop->d.arena, q.family);
            break;
        case 1:
            if (q.dob.d <= 12) {
                int t = q.dob.d;
                q.dob.d = q.dob.m;
                q.dob.m = t;
            } else {
                q.dob.y += 1;
            }
            break;
        case 2: q.postcode = PLACES[(i / 4) % (sizeof(PLACES) / sizeof(PLACES[0]))]; break;
        case 3: {
            const char *t = q.given;
            q.given = q.family;
            q.family = t;
            break;
        }
        default: q.family = typo(&pop->d.arena, q.family); break;
        }
        add(&pop->d, &q);
    }
    free(ps);
}

static int same_person(const link_dataset *d, const link_pair *p)
{
    return strcmp(d->recs[p->left].id + 1, d->recs[p->right].id + 1) == 0;
}

static void test_finds_duplicates_without_labels(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 2000);
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    size_t dups = (pop.originals + 3) / 4, tp = 0, fp = 0;
    for (size_t i = 0; i < r.npairs; i++)
        if (r.pairs[i].decision == LINK_LINK) {
            if (same_person(&pop.d, &r.pairs[i]))
                tp++;
            else
                fp++;
        }
    double precision = tp + fp ? (double)tp / (double)(tp + fp) : 0, recall = (double)tp / (double)dups;
    print_message("synthetic: %zu pairs, lambda %.4f, tp %zu fp %zu, precision %.3f recall %.3f\n", r.npairs,
                  r.model.lambda, tp, fp, precision, recall);
    assert_true(precision >= 0.95);
    assert_true(recall >= 0.95);
    assert_true(r.model.lambda > 0 && r.model.lambda < 1);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

/* The front-door duplicate of issue 4: nickname, a typo in the surname, day and month of birth swapped. */
static void test_front_door_child(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 2000);
    person child = {"o-child", "William", "Kowalczyk-Evans", "LS6 2QT", {2016, 3, 9}, 'M'};
    person again = {"d-child", "Billy", "Kowalcyzk-Evans", "LS6 2QT", {2016, 9, 3}, 'M'};
    add(&pop.d, &child);
    add(&pop.d, &again);
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    const link_pair *found = NULL;
    for (size_t i = 0; i < r.npairs; i++)
        if (r.pairs[i].left == pop.d.n - 2 && r.pairs[i].right == pop.d.n - 1)
            found = &r.pairs[i];
    assert_non_null(found);
    assert_int_equal(found->level[LINK_C_GIVEN], 2);  /* nickname */
    assert_int_equal(found->level[LINK_C_DOB], 2);    /* day and month swapped */
    assert_true(found->level[LINK_C_FAMILY] == 2);    /* similar */
    assert_int_equal(found->decision, LINK_LINK);
    double contrib[LINK_NCOMP], prior = link_explain(&r, &pop.d, NULL, found, contrib), sum = prior;
    for (int c = 0; c < LINK_NCOMP; c++)
        sum += contrib[c];
    assert_true(fabs(sum - found->weight) < 1e-3);
    assert_true(contrib[LINK_C_DOB] > 0 && contrib[LINK_C_GIVEN] > 0);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

static void test_swapped_names(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 400);
    link_options o = {.threads = 1};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    int seen = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        const link_record *a = &pop.d.recs[r.pairs[i].left], *b = &pop.d.recs[r.pairs[i].right];
        if (a->given && b->family && strcmp(a->given, b->family) == 0 && strcmp(a->family, b->given) == 0) {
            assert_int_equal(r.pairs[i].level[LINK_C_GIVEN], 3);
            seen++;
        }
    }
    assert_true(seen > 0);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

/* Names written the other way round and mistyped too: the crossed levels (link_internal.h), never exact, the
 * same whichever record comes first; not for names merely alike crossed, nor when they agree as written. */
static void test_swapped_names_mistyped(void **state)
{
    (void)state;
    static const struct {
        const char *g1, *f1, *g2, *f2;
        int given, family; /* the levels wanted */
    } cases[] = {
        {"William", "Yeates", "Yeates", "Wiliam", LINK_GIVEN_SIMILAR, LINK_FAMILY_SIMILAR},
        {"Harrison", "Tarrant", "Tartant", "Harrison", LINK_GIVEN_SIMILAR, LINK_FAMILY_SIMILAR},
        {"Tristan", "Ravani", "Ravani", "Trusran", LINK_GIVEN_ALIKE, LINK_FAMILY_ALIKE},   /* one close */
        {"Silas", "Harrison", "Harrison", "Sales", LINK_GIVEN_ALIKE, LINK_FAMILY_ALIKE},
        {"William", "Yeates", "William", "Yeates", LINK_GIVEN_EXACT, LINK_FAMILY_EXACT},   /* as written */
        {"Sam", "Aloe", "Oakley", "Samantha", LINK_GIVEN_DIFFERENT, LINK_FAMILY_DIFFERENT}, /* alike only */
        {"Benjamin", "Gill", "Gik", "Benjamin", LINK_GIVEN_ALIKE, LINK_FAMILY_DIFFERENT}, /* one crosses */
        {"Benjamin", "Gill", "Benjamin", "Gik", LINK_GIVEN_EXACT, LINK_FAMILY_DIFFERENT},  /* as written */
        {"John", "Smith", "Smith", "John", LINK_GIVEN_SIMILAR, LINK_FAMILY_SIMILAR},         /* exact swap */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        link_dataset d;
        memset(&d, 0, sizeof(d));
        person p1 = {"p1", cases[i].g1, cases[i].f1, NULL, {0, 0, 0}, 0};
        person p2 = {"p2", cases[i].g2, cases[i].f2, NULL, {0, 0, 0}, 0};
        add(&d, &p1);
        add(&d, &p2);
        uint8_t ab[LINK_NCOMP], ba[LINK_NCOMP];
        link_compare_records(&d.recs[0], &d.recs[1], 0, ab);
        link_compare_records(&d.recs[1], &d.recs[0], 0, ba);
        if (ab[LINK_C_GIVEN] != cases[i].given || ab[LINK_C_FAMILY] != cases[i].family)
            fail_msg("%s %s / %s %s: levels %d %d, wanted %d %d", cases[i].g1, cases[i].f1, cases[i].g2,
                     cases[i].f2, ab[LINK_C_GIVEN], ab[LINK_C_FAMILY], cases[i].given, cases[i].family);
        assert_memory_equal(ab, ba, LINK_NCOMP);
        link_dataset_free(&d);
    }
}

/* A date of birth that was not a date (link_record.dob_digits) is compared by its digits: near a date it
 * keeps the level its digits give; far from it, it says nothing (it is known to be mangled), where two dates
 * that far apart are "different". */
static void test_impossible_dates_by_digits(void **state)
{
    (void)state;
    static const struct {
        int32_t a, b; /* YYYYMMDD; a date when it is one, else the digits of one that is not */
        int level;
    } cases[] = {
        {19371223, 19371233, LINK_DOB_ONE_DIGIT},  {19371223, 19371323, LINK_DOB_ONE_DIGIT},
        {19530411, 19531104, LINK_DOB_SWAPPED},    {19530411, 19540911, LINK_DOB_TWO_DIGITS},
        {19200103, 19209103, LINK_DOB_ONE_DIGIT},  {19890504, 19722115, LINK_MISSING},
        {19890504, 19720115, LINK_DOB_DIFFERENT},  {19371233, 19371233, LINK_DOB_EXACT},
        {19371233, 19371234, LINK_DOB_ONE_DIGIT},  {19371233, 18000199, LINK_MISSING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        link_record x, y;
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        int32_t v[2] = {cases[i].a, cases[i].b};
        link_record *r[2] = {&x, &y};
        for (int k = 0; k < 2; k++) {
            int yy = v[k] / 10000, mm = v[k] / 100 % 100, dd = v[k] % 100;
            r[k]->dob = core_date_valid(yy, mm, dd) ? core_date_to_days((core_date){yy, mm, dd}) : LINK_NO_DATE;
            r[k]->dob_digits = r[k]->dob == LINK_NO_DATE ? v[k] : 0;
        }
        uint8_t ab[LINK_NCOMP], ba[LINK_NCOMP];
        link_compare_records(&x, &y, 0, ab);
        link_compare_records(&y, &x, 0, ba);
        if (ab[LINK_C_DOB] != cases[i].level || ba[LINK_C_DOB] != cases[i].level)
            fail_msg("%d / %d: level %d (%d the other way), wanted %d", cases[i].a, cases[i].b, ab[LINK_C_DOB],
                     ba[LINK_C_DOB], cases[i].level);
    }
}

static void test_threads_and_reruns_agree(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 1500);
    link_options one = {.threads = 1}, four = {.threads = 4};
    link_result r1, r4, again;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &one, &r1, &err), 0);
    assert_int_equal(link_run(&pop.d, NULL, &four, &r4, &err), 0);
    assert_int_equal(link_run(&pop.d, NULL, &four, &again, &err), 0);
    assert_int_equal(r1.npairs, r4.npairs);
    assert_int_equal(r4.npairs, again.npairs);
    for (size_t i = 0; i < r1.npairs; i++) {
        assert_int_equal(r1.pairs[i].left, r4.pairs[i].left);
        assert_true(r1.pairs[i].weight == r4.pairs[i].weight);
        assert_true(r4.pairs[i].weight == again.pairs[i].weight);
    }
    link_result_free(&r1);
    link_result_free(&r4);
    link_result_free(&again);
    link_dataset_free(&pop.d);
}

static void test_block_cap(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 1000);
    link_options o = {.threads = 1, .block_cap = 3};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    assert_true(r.blocks_skipped > 0);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

static int rule_number(const char *name)
{
    for (int q = 0; q < link_rule_count(); q++)
        if (strcmp(link_rule_name(q), name) == 0) return q;
    fail_msg("no blocking rule %s", name);
    return -1;
}

/* When every possible pair fits the pair budget, every pair is compared (and says so); the rules still mark
 * which would have offered each pair. Past the budget, blocking chooses again. */
static void test_every_pair_when_it_fits(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 400); /* 500 records: 124,750 pairs, within the default budget of 1,000,000 */
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    size_t n = pop.d.n, dups = 0, swapped_marked = 0;
    assert_int_equal(r.compared_all, 1);
    assert_int_equal(r.npairs, n * (n - 1) / 2);
    int names = rule_number("names_phonetic");
    for (size_t i = 0; i < r.npairs; i++) {
        const link_pair *p = &r.pairs[i];
        assert_true(p->left < p->right);
        if (same_person(&pop.d, p)) {
            dups++;
            const link_record *a = &pop.d.recs[p->left], *b = &pop.d.recs[p->right];
            if (a->given && b->family && strcmp(a->given, b->family) == 0) /* names swapped: still one code pair */
                swapped_marked += p->rules >> names & 1;
        }
    }
    assert_int_equal(dups, 100);
    assert_true(swapped_marked > 0);
    link_result_free(&r);
    o.rule_pairs = 1000; /* now the possible pairs do not fit */
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    assert_int_equal(r.compared_all, 0);
    assert_true(r.npairs > 0 && r.npairs < n * (n - 1) / 2);
    for (size_t i = 0; i < r.npairs; i++)
        assert_true(r.pairs[i].rules != 0); /* every candidate was offered by a rule */
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

/* The token rules: a pair whose names were both replaced meets on a word of its address, written in another
 * order and mistyped, and one whose family name lost a part meets on the other part and the year of birth. */
static void test_token_rules(void **state)
{
    (void)state;
    link_dataset d;
    memset(&d, 0, sizeof(d));
    const char *addr[] = {"10 blandon place", "15 place blandonn", "3 high street", "7 other road"};
    const char *town[] = {"ringwood", "ringwood", "ringwood", "leeds"};
    person ps[] = {{"o1", "abbh", "gra", NULL, {1908, 11, 16}, 'M'},
                   {"d1", "thomas", "williams", NULL, {1901, 8, 16}, 'M'},
                   {"o2", "mary", "okonkwo-reyes", NULL, {1980, 1, 2}, 'F'},
                   {"d2", "maria", "reyes", NULL, {1980, 7, 9}, 'F'}};
    for (int k = 0; k < 4; k++) {
        add(&d, &ps[k]);
        d.recs[k].address = link_norm_text(&d.arena, addr[k], strlen(addr[k]));
        d.recs[k].town = link_norm_text(&d.arena, town[k], strlen(town[k]));
    }
    for (int k = 0; k < 60; k++) { /* others with nothing in common with them: the possible pairs pass the budget */
        person f = {"", GIVEN[k % 30], FAMILY[k % 35], NULL, {0, 0, 0}, 0};
        snprintf(f.id, sizeof(f.id), "f%d", k);
        add(&d, &f);
    }
    link_options o = {.threads = 1, .rule_pairs = 400};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&d, NULL, &o, &r, &err), 0);
    assert_int_equal(r.compared_all, 0);
    int words = rule_number("address_words"), names = rule_number("name_words_dob_year"), found = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        const link_pair *p = &r.pairs[i];
        if (p->left == 0 && p->right == 1) {
            found |= 1;
            assert_true(p->rules >> words & 1);
        }
        if (p->left == 2 && p->right == 3) {
            found |= 2;
            assert_true(p->rules >> names & 1);
        }
        assert_false(p->left == 0 && p->right == 3); /* nothing in common: never offered */
    }
    assert_int_equal(found, 3);
    link_result_free(&r);
    link_dataset_free(&d);
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static uint64_t pair_key(size_t a, size_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* The cluster step of a dedupe: every pair linked below the weight of a link has a third record linked, by
 * weight, to both, and had a probability of at least 0.02 on its own weight; the count the result gives is
 * the number of such pairs. People recorded three times here: the third copy mistyped again, its date a year
 * out, its postcode gone. */
static void test_cluster_step(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 3000);
    size_t originals = pop.d.n;
    for (size_t i = 0; i < originals; i++) {
        const link_record *r = &pop.d.recs[i];
        if (r->id[0] != 'o' || i % 4) continue;
        core_date dob = core_date_from_days(r->dob);
        dob.y++;
        person q = {"", r->given, r->family, NULL, dob, r->sex};
        snprintf(q.id, sizeof(q.id), "t%s", r->id + 1);
        q.family = typo(&pop.d.arena, r->family);
        add(&pop.d, &q);
    }
    link_options o = {.threads = 2, .rule_pairs = 20000};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&pop.d, NULL, &o, &r, &err), 0);
    uint64_t *strong = malloc((r.npairs + 1) * sizeof(*strong));
    assert_non_null(strong);
    size_t ns = 0, through = 0;
    for (size_t i = 0; i < r.npairs; i++)
        if (r.pairs[i].decision == LINK_LINK && r.pairs[i].weight >= r.model.link_weight)
            strong[ns++] = pair_key(r.pairs[i].left, r.pairs[i].right);
    qsort(strong, ns, sizeof(*strong), u64_cmp);
    for (size_t i = 0; i < r.npairs; i++) {
        const link_pair *p = &r.pairs[i];
        if (p->decision != LINK_LINK || p->weight >= r.model.link_weight) continue;
        through++;
        assert_true(p->weight >= log2(0.02 / 0.98) - 1e-6); /* CLUSTER_PROBABILITY */
        int third = 0;
        for (size_t x = 0; x < ns && !third; x++) { /* a strong link (p.left, k) and a strong link (k, p.right) */
            size_t a = (size_t)(strong[x] >> 32), b = (size_t)(strong[x] & 0xffffffffu), k;
            if (a == p->left)
                k = b;
            else if (b == p->left)
                k = a;
            else
                continue;
            uint64_t want = pair_key(k, p->right);
            third = k != p->right && bsearch(&want, strong, ns, sizeof(*strong), u64_cmp) != NULL;
        }
        assert_true(third);
    }
    print_message("cluster step: %zu pairs linked through a third record\n", through);
    assert_true(through > 0);
    assert_int_equal(through, r.linked_through);
    free(strong);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

static void test_two_datasets(void **state)
{
    (void)state;
    population pop;
    make_population(&pop, 800);
    /* a: the originals; b: the duplicates */
    link_dataset a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.recs = pop.d.recs;
    a.n = pop.originals;
    b.recs = pop.d.recs + pop.originals;
    b.n = pop.d.n - pop.originals;
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&a, &b, &o, &r, &err), 0);
    size_t tp = 0, fp = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        if (r.pairs[i].decision != LINK_LINK)
            continue;
        if (strcmp(a.recs[r.pairs[i].left].id + 1, b.recs[r.pairs[i].right].id + 1) == 0)
            tp++;
        else
            fp++;
    }
    assert_true((double)tp >= 0.95 * (double)b.n);
    assert_true(fp <= b.n / 20);
    link_result_free(&r);
    link_dataset_free(&pop.d);
}

/* Checks link_one_person's contract on a link run's result: no b record keeps a link more than 4.25 bits
 * below its best one, and the links it put in review are exactly those (weights at or above the link threshold,
 * decided review). Returns how many it found held back. */
static size_t check_one_person(const link_result *r, size_t nb)
{
    float *best = malloc((nb + 1) * sizeof(*best));
    assert_non_null(best);
    for (size_t j = 0; j < nb; j++)
        best[j] = -1e30f;
    for (size_t i = 0; i < r->npairs; i++) /* held back or linked: the weights that decided link */
        if (r->pairs[i].weight >= r->model.link_weight && r->pairs[i].weight > best[r->pairs[i].right])
            best[r->pairs[i].right] = r->pairs[i].weight;
    size_t held = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        const link_pair *p = &r->pairs[i];
        if (p->weight < r->model.link_weight) continue;
        int far = (double)p->weight < (double)best[p->right] - 4.25;
        if (r->held_back) assert_int_equal(p->decision, far ? LINK_REVIEW : LINK_LINK);
        held += far;
    }
    free(best);
    return held;
}

/* One partner record, one person (a link run): a record of b linked to two people of a keeps only the
 * link that is far the stronger; the other goes to review. When a holds people twice — a b record linked to
 * two copies of one person — nothing is held back. */
static void test_one_person_links(void **state)
{
    (void)state;
    static const char *const SYL[] = {"ka", "lo", "mer", "tin", "sab", "ro", "vel", "dun", "pa", "shi"};
    /* a: 900 people with family names of their own; for every 90th a son at the same postcode with his
     * father's names, born 25 years later (a household); b: every third person of a recorded again, one
     * field changed. Only the sons make a b record link to two people (10 of 300: few enough that a looks
     * like one record a person). */
    link_dataset a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    rng = 7;
    char fam[32];
    for (size_t i = 0; i < 900; i++) {
        person p = {0};
        snprintf(p.id, sizeof(p.id), "o%zu", i);
        snprintf(fam, sizeof(fam), "%s%s%s", SYL[i % 10], SYL[(i / 10) % 10], SYL[(i / 100) % 10]);
        p.family = core_arena_strdup(&a.arena, fam);
        p.given = GIVEN[next_u32() % (sizeof(GIVEN) / sizeof(GIVEN[0]))];
        p.postcode = PLACES[next_u32() % (sizeof(PLACES) / sizeof(PLACES[0]))];
        p.dob = (core_date){1940 + (int)(next_u32() % 50), 1 + (int)(next_u32() % 12),
                            1 + (int)(next_u32() % 28)};
        p.sex = 'M';
        add(&a, &p);
        if (i % 90 == 0) {
            person son = p;
            snprintf(son.id, sizeof(son.id), "n%zu", i);
            son.dob.y += 25;
            add(&a, &son);
        }
        if (i % 3 == 0) {
            person q = p;
            snprintf(q.id, sizeof(q.id), "d%zu", i);
            switch ((i / 3) % 3) {
            case 0: q.dob.d = q.dob.d % 28 + 1; break;
            case 1: q.postcode = PLACES[(i / 3) % (sizeof(PLACES) / sizeof(PLACES[0]))]; break;
            default: q.family = typo(&b.arena, q.family); break;
            }
            add(&b, &q);
        }
    }
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    assert_int_equal(link_run(&a, &b, &o, &r, &err), 0);
    assert_true(r.held_back > 0);
    assert_int_equal(check_one_person(&r, b.n), r.held_back);
    size_t sons_linked = 0, true_links = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        const link_pair *p = &r.pairs[i];
        if (p->decision != LINK_LINK) continue;
        sons_linked += a.recs[p->left].id[0] == 'n';
        true_links += strcmp(a.recs[p->left].id + 1, b.recs[p->right].id + 1) == 0;
    }
    assert_int_equal(sons_linked, 0);
    assert_true((double)true_links >= 0.95 * (double)b.n);
    link_result_free(&r);

    /* a holding every person of b twice: a's own records and b's (a copy of one person, one field changed) */
    link_dataset a2;
    memset(&a2, 0, sizeof(a2));
    for (size_t i = 0; i < a.n + b.n; i++) {
        if (a2.n == a2.cap) {
            a2.cap = a2.cap ? a2.cap * 2 : 64;
            a2.recs = realloc(a2.recs, a2.cap * sizeof(*a2.recs));
            assert_non_null(a2.recs);
        }
        a2.recs[a2.n++] = i < a.n ? a.recs[i] : b.recs[i - a.n];
    }
    assert_int_equal(link_run(&a2, &b, &o, &r, &err), 0);
    assert_int_equal(r.held_back, 0);
    assert_true(r.partner_linked_several * 20 >= r.partner_linked);
    link_result_free(&r);
    free(a2.recs);
    link_dataset_free(&a);
    link_dataset_free(&b);
}

/* The people of test_clear_candidate's first file: n people, each at an address of their own (no households);
 * with housemates, every fifth person has a second at the same address, another name and date of birth. */
static void clear_candidate_people(link_dataset *a, link_dataset *b, int housemates)
{
    static const char *const SYL[] = {"ka", "lo", "mer", "tin", "sab", "ro", "vel", "dun", "pa", "shi"};
    static const char *const STREETS[] = {"acacia avenue", "bramble close", "cedar grove", "dunstan road",
                                          "elm terrace", "foxglove way", "gorse lane", "heron court"};
    memset(a, 0, sizeof(*a));
    memset(b, 0, sizeof(*b));
    rng = 11;
    char fam[32], addr[64];
    for (size_t i = 0; i < 900; i++) {
        person p = {0};
        snprintf(p.id, sizeof(p.id), "o%zu", i);
        snprintf(fam, sizeof(fam), "%s%s%s", SYL[i % 10], SYL[(i / 10) % 10], SYL[(i / 100) % 10]);
        p.family = core_arena_strdup(&a->arena, fam);
        p.given = GIVEN[next_u32() % (sizeof(GIVEN) / sizeof(GIVEN[0]))];
        p.postcode = PLACES[next_u32() % (sizeof(PLACES) / sizeof(PLACES[0]))];
        p.dob = (core_date){1940 + (int)(next_u32() % 50), 1 + (int)(next_u32() % 12),
                            1 + (int)(next_u32() % 28)};
        p.sex = 'F';
        snprintf(addr, sizeof(addr), "%zu %s", i + 1, STREETS[i % 8]);
        p.address = core_arena_strdup(&a->arena, addr);
        add(a, &p);
        if (housemates && i % 5 == 0) {
            person h = p;
            snprintf(h.id, sizeof(h.id), "h%zu", i);
            snprintf(fam, sizeof(fam), "%s%s%s", SYL[(i / 100) % 10], SYL[i % 10], SYL[(i / 10) % 10]);
            h.family = core_arena_strdup(&a->arena, fam);
            h.given = GIVEN[(i / 5) % (sizeof(GIVEN) / sizeof(GIVEN[0]))];
            h.dob.y = 1940 + (int)(next_u32() % 50);
            add(a, &h);
        }
        if (i % 3 == 0) { /* b: every third person again, a field mistyped or replaced, or (every 12th) the
                             given name and the date both replaced: only the family name and address agree */
            person q = p;
            snprintf(q.id, sizeof(q.id), "d%zu", i);
            const char *other = GIVEN[(i / 3 + 7) % (sizeof(GIVEN) / sizeof(GIVEN[0]))];
            core_date odob = {1921 + (int)(i % 7), 1 + (int)(i % 11), 2 + (int)(i % 26)};
            snprintf(fam, sizeof(fam), "%s%s%s", SYL[(i / 10) % 10], SYL[(i / 100) % 10], SYL[i % 10]);
            const char *ofam = core_arena_strdup(&b->arena, fam);
            switch ((i / 3) % 4) {
            case 0: q.family = ofam; break;
            case 1: q.given = other; break;
            case 2: q.dob = odob; break;
            default:
                q.given = other;
                q.family = typo(&b->arena, q.family);
                q.dob = odob;
                q.sex = 'M'; /* marks the record for the test */
                break;
            }
            add(b, &q);
        }
    }
}

/* One partner record, one person, the other way (a link run): where the first file holds each person once
 * and shows no households, a partner record with no link is linked to its one clear candidate in review — a
 * person recorded again with their names and date replaced, found by the address — and to nothing else;
 * where the first file has households, the same record could be a housemate's, and nothing is linked. */
static void test_clear_candidate(void **state)
{
    (void)state;
    link_dataset a, b;
    link_options o = {.threads = 2};
    link_result r;
    core_error err;
    for (int housemates = 0; housemates < 2; housemates++) {
        clear_candidate_people(&a, &b, housemates);
        assert_int_equal(link_run(&a, &b, &o, &r, &err), 0);
        /* every link below the link threshold is its b record's only link, in review by the weights, more
         * than 4.25 bits above every other candidate of b, and the person's own record */
        float *best = malloc(b.n * sizeof(*best)), *second = malloc(b.n * sizeof(*second));
        size_t *links = calloc(b.n, sizeof(*links));
        assert_true(best && second && links);
        for (size_t j = 0; j < b.n; j++)
            best[j] = second[j] = -1e30f;
        for (size_t i = 0; i < r.npairs; i++) {
            const link_pair *p = &r.pairs[i];
            if (p->weight > best[p->right]) {
                second[p->right] = best[p->right];
                best[p->right] = p->weight;
            } else if (p->weight > second[p->right])
                second[p->right] = p->weight;
            links[p->right] += p->decision == LINK_LINK;
        }
        size_t below = 0, replaced_linked = 0;
        for (size_t i = 0; i < r.npairs; i++) {
            const link_pair *p = &r.pairs[i];
            if (p->decision != LINK_LINK || p->weight >= r.model.link_weight) continue;
            below++;
            assert_int_equal(links[p->right], 1);
            assert_true(p->weight == best[p->right]);
            assert_true((double)second[p->right] < (double)p->weight - 4.25);
            assert_true(p->weight >= r.model.review_weight);
            assert_string_equal(a.recs[p->left].id + 1, b.recs[p->right].id + 1);
            replaced_linked += b.recs[p->right].sex == 'M';
        }
        assert_int_equal(below, r.clear_candidates);
        printf("clear candidates: %s households, %.4f of a's addresses shared, %zu linked, %zu of them "
               "replaced\n", housemates ? "with" : "without", r.index_shared_address, r.clear_candidates,
               replaced_linked);
        if (housemates) {
            assert_true(r.index_shared_address >= 0.05);
            assert_int_equal(r.clear_candidates, 0);
        } else {
            assert_true(r.index_shared_address >= 0 && r.index_shared_address < 0.05);
            assert_true(replaced_linked > 0);
        }
        free(best);
        free(second);
        free(links);
        link_result_free(&r);
        link_dataset_free(&a);
        link_dataset_free(&b);
    }
}

/* One pair at a time under the default parameters (the front door's check): the re-entered child links,
 * someone else does not, and the evidence adds up to the weight. */
static void test_one_pair_defaults(void **state)
{
    (void)state;
    core_arena a = CORE_ARENA_INIT;
    link_model m;
    link_model_defaults(&m, 1000000);
    link_record child, again, other;
    link_record_from(&a, &child, "1", "William", "Kowalczyk-Evans", "2016-03-09", "M", "LS6 2QT", NULL, NULL, NULL);
    link_record_from(&a, &again, "2", "Billy", "Kowalcyzk-Evans", "2016-09-03", "M", NULL, NULL, NULL, NULL);
    link_record_from(&a, &other, "3", "Zebedee", "Quartermaine", "1933-01-01", "M", NULL, NULL, NULL, NULL);
    uint8_t lv[LINK_NCOMP];
    double contrib[LINK_NCOMP];
    /* in an index of a million, without a postcode to agree on, the child is found for a person to review */
    double w = link_score_pair(&m, &child, &again, lv, contrib);
    assert_true(w >= m.review_weight && w < m.link_weight);
    assert_int_equal(lv[LINK_C_GIVEN], 2);
    assert_int_equal(lv[LINK_C_DOB], 2);
    assert_int_equal(lv[LINK_C_POSTCODE], 0); /* missing on one side: no evidence either way */
    double sum = log2(m.lambda / (1 - m.lambda));
    for (int c = 0; c < LINK_NCOMP; c++)
        sum += contrib[c];
    assert_true(fabs(sum - w) < 1e-9);
    assert_true(link_score_pair(&m, &child, &other, NULL, NULL) < m.review_weight);
    /* with the same postcode as well, the suggestion is to link */
    link_record again_home;
    link_record_from(&a, &again_home, "6", "Billy", "Kowalcyzk-Evans", "2016-09-03", "M", "ls6 2qt", NULL, NULL, NULL);
    assert_true(link_score_pair(&m, &child, &again_home, lv, NULL) >= m.link_weight);
    assert_int_equal(lv[LINK_C_POSTCODE], 1);
    /* the same NHS number is strong evidence even when the names differ */
    link_record id1, id2;
    link_record_from(&a, &id1, "4", "Ann", "Lee", "1990-01-01", "F", NULL, "943 476 5919", NULL, NULL);
    link_record_from(&a, &id2, "5", "Anne", "Li", "1990-01-01", "F", NULL, "9434765919", NULL, NULL);
    assert_true(link_score_pair(&m, &id1, &id2, lv, NULL) >= m.link_weight);
    assert_int_equal(lv[LINK_C_ID], 1);
    core_arena_release(&a);
}

/* ---- the engine's comparisons agree with link_compare_records ---- */

static const char *pick(const char *const *v, size_t n)
{
    return v[next_u32() % n];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

/* s with one change: a letter replaced, two neighbours swapped, one dropped or one doubled. */
static const char *vary(core_arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n < 2)
        return s;
    char *t = core_arena_alloc(a, n + 2);
    size_t i = next_u32() % (n - 1);
    switch (next_u32() % 4) {
    case 0: memcpy(t, s, n + 1); t[i] = t[i] == 'z' || t[i] == '9' ? 'a' : (char)(t[i] + 1); break;
    case 1: memcpy(t, s, n + 1); t[i] = s[i + 1]; t[i + 1] = s[i]; break;
    case 2: memcpy(t, s, i); memcpy(t + i, s + i + 1, n - i); break;
    default: memcpy(t, s, i + 1); memcpy(t + i + 1, s + i, n - i + 1); break;
    }
    return t;
}

/* Records with every field, near-misses of each other, and the odd cases the engine's prepared comparisons
 * must get right: names written the other way round, double-barrelled names, a letter more than 15 times,
 * values over 256 bytes, nicknames and codes that are not what the first token gives (records made by hand),
 * addresses of more than 16 words and with stray spaces, non-UK postcodes, years before 1000, identifiers one
 * character apart. */
static void add_varied(link_dataset *d, size_t n)
{
    static const char *const STREETS[] = {"high street", "church road", "station road", "mill lane",
                                          "the crescent", "church rd", "high st", "park view"};
    static const char *const TOWNS[] = {"leeds", "leeds", "bradford", "bradfrod", "halifax", "otley", "ilkley"};
    static const char *const POSTS[] = {"LS6 2QT", "LS6 2QU", "LS6 3AB", "LS7 1AA", "BD1 1AA", "4223", "4224",
                                        "42231", "HX1"};
    static const char *const ODD_FAMILY[] = {"smith jones", "jones", "okonkwo reyes", "reyes okonkwo",
                                             "aaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaab", "de la cruz", "cruz"};
    char buf[700];
    for (size_t i = 0; i < n; i++) {
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 64;
            d->recs = realloc(d->recs, d->cap * sizeof(*d->recs));
            assert_non_null(d->recs);
        }
        link_record *r = &d->recs[d->n++];
        memset(r, 0, sizeof(*r));
        core_arena *a = &d->arena;
        snprintf(buf, sizeof(buf), "v%zu", d->n);
        r->id = core_arena_strdup(a, buf);
        unsigned k = next_u32() % 20;
        const char *given = k == 0 ? NULL : k < 3 ? PICK(NICK) : PICK(GIVEN);
        if (given && k == 3)
            given = vary(a, given);
        if (given && k == 4) {
            snprintf(buf, sizeof(buf), "%s %s", given, PICK(GIVEN));
            given = core_arena_strdup(a, buf);
        }
        const char *family = k == 5 ? NULL : k < 9 ? PICK(ODD_FAMILY) : PICK(FAMILY);
        if (family && k == 9)
            family = vary(a, family);
        if (k == 10 || k == 15) { /* the other way round; mistyped too */
            const char *t = given;
            given = family;
            family = t && k == 15 ? vary(a, t) : t;
        }
        r->given = given ? core_arena_strdup(a, given) : NULL;
        r->family = family ? core_arena_strdup(a, family) : NULL;
        if (r->given) {
            char *first = core_arena_strndup(a, r->given, strcspn(r->given, " "));
            r->given_nick = k == 11 ? NULL : k == 12 ? "william" : link_nick_canonical(first);
            link_phonetic(k == 13 ? "smith" : first, r->given_phon);
        }
        if (r->family)
            link_phonetic(k == 14 ? "jones" : r->family, r->family_phon);
        if (next_u32() % 10) {
            unsigned y = next_u32() % 8; /* mostly a few years, so that dates come close; some far apart */
            int year = y < 5 ? 1990 + (int)(next_u32() % 4)
                       : y < 7 ? 1900 + (int)(next_u32() % 200)
                               : 900 + (int)(next_u32() % 200);
            core_date dt = {year, 1 + (int)(next_u32() % 12), 1 + (int)(next_u32() % (y < 5 ? 12 : 28))};
            r->dob = core_date_to_days(dt);
        } else {
            r->dob = LINK_NO_DATE;
            if (next_u32() % 2) /* a date of birth that was not a date: its digits (day or month past 31, 12) */
                r->dob_digits = (1990 + (int32_t)(next_u32() % 4)) * 10000 + (int32_t)(next_u32() % 100) * 100 +
                                (int32_t)(next_u32() % 100);
        }
        r->sex = "MF\0"[next_u32() % 3];
        if (next_u32() % 8) {
            size_t sl = 0, dl = 0, pn = link_norm_postcode(PICK(POSTS), buf, sizeof(buf), &sl, &dl);
            r->postcode = core_arena_strndup(a, buf, pn);
            r->sector = sl ? core_arena_strndup(a, buf, sl) : NULL;
            r->district = dl ? core_arena_strndup(a, buf, dl) : NULL;
        }
        unsigned h = next_u32() % 12;
        if (h == 0) {
            r->address = NULL;
        } else if (h == 1) { /* more than 16 words, some repeated */
            size_t at = 0;
            for (int w = 0; w < 22; w++)
                at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%sw%u", w ? " " : "", next_u32() % 18);
            r->address = core_arena_strdup(a, buf);
        } else if (h == 2) { /* over 256 bytes */
            memset(buf, 'a' + (int)(next_u32() % 3), 300);
            buf[300] = '\0';
            r->address = core_arena_strdup(a, buf);
        } else if (h == 3) { /* stray spaces, as a record made by hand might have */
            snprintf(buf, sizeof(buf), " %u  %s ", 1 + next_u32() % 3, PICK(STREETS));
            r->address = core_arena_strdup(a, buf);
        } else {
            snprintf(buf, sizeof(buf), "%u %s", 1 + next_u32() % 6, PICK(STREETS));
            r->address = h == 4 ? vary(a, buf) : core_arena_strdup(a, buf);
        }
        r->town = next_u32() % 6 ? PICK(TOWNS) : NULL;
        r->email = next_u32() % 3 == 0 ? (next_u32() % 2 ? "a@example.org" : "b@example.org") : NULL;
        static const char *const NHS[] = {"9434765919", "9434765991", "943476591", "94347659190", "9434765918",
                                          "4934765919"};
        r->nhs_number = next_u32() % 3 == 0 ? PICK(NHS) : NULL;
        r->nino = next_u32() % 4 == 0 ? (next_u32() % 2 ? "AB123456C" : "AB123456D") : NULL;
        r->upn = next_u32() % 6 == 0 ? "A801200005001" : NULL;
    }
}

static void check_levels(const link_dataset *a, const link_dataset *b, const link_result *r, int use_ids)
{
    size_t differ = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        const link_pair *p = &r->pairs[i];
        uint8_t lv[LINK_NCOMP];
        link_compare_records(&a->recs[p->left], b ? &b->recs[p->right] : &a->recs[p->right], use_ids, lv);
        if (memcmp(lv, p->level, LINK_NCOMP) != 0 && differ++ < 5)
            print_message("pair %zu (%u, %u): levels differ\n", i, p->left, p->right);
    }
    assert_int_equal(differ, 0);
}

static void test_levels_as_link_compare_records(void **state)
{
    (void)state;
    rng = 7;
    link_dataset d;
    memset(&d, 0, sizeof(d));
    add_varied(&d, 3000);
    core_error err;
    for (int use_ids = 0; use_ids <= 1; use_ids++) {
        /* a budget under the 4,498,500 possible pairs, so that blocking still chooses, with large blocks */
        link_options o = {.threads = 2, .block_cap = 100000, .rule_pairs = 1000000, .random_pairs = 20000,
                          .use_ids = use_ids};
        link_result r;
        assert_int_equal(link_run(&d, NULL, &o, &r, &err), 0);
        assert_true(r.npairs > 100000);
        check_levels(&d, NULL, &r, use_ids);
        link_result_free(&r);
    }
    link_dataset a = d, b = d; /* the two halves, linked */
    a.n = d.n / 2;
    b.recs = d.recs + a.n;
    b.n = d.n - a.n;
    link_options o = {.threads = 3, .block_cap = 100000, .rule_pairs = 1000000, .random_pairs = 20000,
                      .use_ids = 1};
    link_result r;
    assert_int_equal(link_run(&a, &b, &o, &r, &err), 0);
    assert_true(r.npairs > 10000);
    check_levels(&a, &b, &r, 1);
    link_result_free(&r);
    link_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_duplicates_without_labels),
        cmocka_unit_test(test_front_door_child),
        cmocka_unit_test(test_swapped_names),
        cmocka_unit_test(test_swapped_names_mistyped),
        cmocka_unit_test(test_impossible_dates_by_digits),
        cmocka_unit_test(test_threads_and_reruns_agree),
        cmocka_unit_test(test_block_cap),
        cmocka_unit_test(test_every_pair_when_it_fits),
        cmocka_unit_test(test_token_rules),
        cmocka_unit_test(test_cluster_step),
        cmocka_unit_test(test_two_datasets),
        cmocka_unit_test(test_one_person_links),
        cmocka_unit_test(test_clear_candidate),
        cmocka_unit_test(test_one_pair_defaults),
        cmocka_unit_test(test_levels_as_link_compare_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
