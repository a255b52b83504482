/*
 * cli_link_synth.c — `hearth link synth`: a synthetic, UK-shaped person index and a partner dataset that
 * re-records most of the index's people with the corruption real partner data carries, plus the truth, for
 * measuring the matching engine at scale (bench/link --speed, bench/link-peer).
 *
 * What it writes (CSV with a header; the columns are mapped by bench/link-mappings/synth.json):
 *   INDEX.csv    N people living in households: couples, children (twins now and then), single parents,
 *                sharers; names from demo_names (the demo council's ethnic mix) with a long tail of family
 *                names made here, so that a million people have a realistic spread of surnames; dates of
 *                birth across all ages; addresses "12 Acacia Road" on streets with UK-shaped postcodes, ~25
 *                people a postcode; NHS numbers (999 test range, unique) for some, NINOs for some adults.
 *   PARTNER.csv  N rows in shuffled order: overlap% of them (default 70) are distinct index people recorded
 *                again by a partner agency, each corruption drawn at its own rate (see corrupt()); the rest
 *                are new people. Ids are unrelated between the files.
 *   TRUTH.csv    index_id,partner_id for every partner row that is an index person.
 *
 * Everything comes from one seed through demo_rng (xoshiro256**), so the same seed gives the same bytes on
 * every machine. Nothing describes a real person: the names are common names and made-up compounds, the
 * streets and towns are the demo council's, the identifiers are unissued or random.
 *
 * Memory: about 60 bytes a person plus the strings (an arena); a million people take ~150 MB and a few
 * seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "core/core_date.h"
#include "core/core_parse.h"
#include "demo/demo_names.h"
#include "model/model_ident.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a long tail of family names ---- */

/* English toponymic surnames are mostly a place word and an ending; these make ~4,600 such names, few of
 * them odd. Drawn with weight 1 / (rank + 150), so the commonest made-up name is about as common as a
 * mid-table real one and the tail is long, as in a real county. */
static const char *const en_pre[] = {
    "Ash",   "Black", "Brad",  "Bram",  "Brook", "Bur",    "Cald",  "Cart",  "Chad",  "Chat",  "Clay",  "Cole",
    "Crom",  "Dal",   "Dar",   "Dun",   "East",  "Ed",     "Elm",   "Fair",  "Farn",  "Fen",   "Gar",   "Glad",
    "Green", "Hal",   "Ham",   "Hart",  "Haw",   "Hay",    "Hol",   "Horn",  "Kirk",  "Lang",  "Lin",   "Lock",
    "Mar",   "Mid",   "Mill",  "Mor",   "New",   "North",  "Nor",   "Oak",   "Old",   "Pen",   "Pick",  "Rad",
    "Ram",   "Red",   "Ring",  "Rod",   "Rom",   "Ros",    "Rud",   "Sal",   "Sand",  "Shel",  "Sher",  "Ship",
    "South", "Stan",  "Star",  "Stock", "Stow",  "Sut",    "Swin",  "Thorn", "Thur",  "Tod",   "War",   "Wash",
    "Wat",   "Wel",   "West",  "Whit",  "Wil",   "Win",    "Wood",  "Wor",   "Yar",   "Ather", "Bar",   "Bel",
    "Bir",   "Brom",  "Bux",   "Cas",   "Dray",  "Gos",    "Hems",  "Mal",   "Pad",   "Sel",   "Tad",   "Ack",
    "Bing",  "Cheet", "Hud",   "Knot",  "Lyd",   "Marsh", "Pres",  "Rush",  "Shaw",  "Tin",
};
static const char *const en_suf[] = {
    "ford",  "ley",   "ton",   "wood",   "well",   "by",     "ham",   "field",  "worth", "bury",  "combe",
    "den",   "hurst", "stone", "thwaite", "wick",  "more",   "cliffe", "dale",  "ridge", "bridge", "croft",
    "land",  "low",   "brook", "borough", "ington", "ingham", "shaw",  "man",   "all",   "lock",  "gate",
    "hall",  "holme", "cott",  "mere",   "wright", "ward",   "ell",   "by",     "stead", "ney",
};
static const char *const ie_pre[] = {"O'", "Mc", "Mac"};
static const char *const ie_stem[] = {
    "Dermott", "Garrity", "Govern",  "Loughlin", "Cann",    "Kenna", "Nally",  "Manus",   "Gowan",  "Ginley",
    "Kiernan", "Hanlon",  "Rourke",  "Driscoll", "Dowd",    "Hare",  "Halloran", "Hagan", "Toole",  "Mara",
    "Leary",   "Dea",     "Grady",   "Hara",     "Keefe",   "Gorman", "Malley", "Neill",   "Keown",  "Closkey",
    "Cabe",    "Kenzie",  "Evoy",    "Guire",    "Shane",   "Nulty",  "Ardle",  "Carron",  "Fadden", "Gettigan",
};
static const char *const pl_stem[] = {
    "Kowal", "Wrob", "Kamin", "Lewand", "Zawad", "Sadow", "Dabrow", "Pawl",  "Jabl",  "Majew",
    "Olsz",  "Jawor", "Grab", "Krawc",  "Szyman", "Wojc", "Mazur",  "Kacz",  "Michal", "Sobc",
    "Strzel", "Ziel", "Gors", "Kubi",   "Ostrow", "Baran", "Czarn", "Kozl",  "Borkow", "Sikor",
};
static const char *const pl_suf[] = {"ski", "ewski", "owski", "czyk", "iak", "ek", "owicz", "ewicz"};
static const char *const ng_pre[] = {"Ade", "Olu", "Ola", "Oye", "Ayo", "Fola", "Bami", "Abi",
                                     "Ibi", "Tope", "Femi", "Dayo", "Ige", "Ako", "Oke", "Ogun"};
static const char *const ng_suf[] = {"bayo", "wale", "kunle", "tunde", "yemi", "seun", "bisi", "nuga",
                                     "sanya", "gbola", "kanmi", "mola", "dipe", "lade", "jide", "tola"};

typedef struct tail {
    const char *const *pre, *const *suf;
    size_t npre, nsuf;
    uint32_t *cum; /* cumulative weights of ranks 0..n-1 */
    size_t n;
    int prefix_first; /* 1: pre + suf; the Irish pre is "O'"/"Mc" before a stem */
} tail;

static void tail_init(tail *t, const char *const *pre, size_t npre, const char *const *suf, size_t nsuf)
{
    t->pre = pre;
    t->suf = suf;
    t->npre = npre;
    t->nsuf = nsuf;
    t->n = npre * nsuf;
    t->cum = core_xmalloc(t->n * sizeof(*t->cum));
    uint32_t sum = 0;
    size_t k0 = t->n / 30 + 10;
    for (size_t k = 0; k < t->n; k++) { /* weight 2^20 / (k + k0): integers only, the same everywhere */
        sum += (uint32_t)((1u << 20) / (k + k0));
        t->cum[k] = sum;
    }
}

/* A family name from the tail into buf: rank by the weights, then a fixed scramble of rank to (pre, suf) so
 * that the common names are not all one prefix. */
static const char *tail_pick(const tail *t, demo_rng *r, char *buf, size_t size)
{
    uint32_t x = (uint32_t)demo_rng_below(r, t->cum[t->n - 1]);
    size_t lo = 0, hi = t->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t k = (lo * 7919 + 13) % t->n; /* 7919 is prime and no table size is its multiple */
    snprintf(buf, size, "%s%s", t->pre[k % t->npre], t->suf[k / t->npre]);
    return buf;
}

/* ---- streets and postcodes ---- */

/* A postcode unit: one street, ~10 households. Streets are made from a per-street generator, so a street id
 * always gives the same street, whichever file asks. */
typedef struct street {
    char postcode[9];
    char name[48];      /* "Mill Lane" */
    const char *locality; /* a village or suburb for address_2, or NULL */
    const char *town;
} street;

static const char *const village_suf[] = {"by", "thorpe", "ton", "ham", "wick", "stoke", "field", "worth"};
static const char *const village_add[] = {"", "", "", "", " Magna", " Parva", " on the Hill", " Green"};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return mix64(h);
}

static void street_make(uint64_t seed, uint32_t id, core_arena *a, street *s)
{
    demo_rng r;
    demo_rng_init(&r, seed ^ mix64(0x5354524545540000ULL + id));
    demo_postcode(&r, s->postcode);
    char line[64];
    demo_street(&r, line, sizeof(line));
    const char *p = line; /* "Flat 3, 12 Mill Lane" or "12 Mill Lane": keep "Mill Lane" */
    if (strncmp(p, "Flat ", 5) == 0 && strchr(p, ','))
        p = strchr(p, ',') + 2;
    while (*p >= '0' && *p <= '9')
        p++;
    while (*p == ' ')
        p++;
    size_t len = strlen(p) < sizeof(s->name) - 1 ? strlen(p) : sizeof(s->name) - 1; /* "Mount Pleasant Crescent" fits */
    memcpy(s->name, p, len);
    s->name[len] = 0;
    /* The locality belongs to the postcode sector; the post town to the district. */
    char sector[9];
    size_t sp = strcspn(s->postcode, " ");
    snprintf(sector, sizeof(sector), "%.*s", (int)(sp + 2), s->postcode);
    uint64_t hs = hash_text(sector);
    if (hs % 10 < 4) {
        char v[64];
        snprintf(v, sizeof(v), "%s%s%s", en_pre[(hs >> 8) % COUNT(en_pre)], village_suf[(hs >> 16) % COUNT(village_suf)],
                 village_add[(hs >> 24) % COUNT(village_add)]);
        s->locality = core_arena_strdup(a, v);
    } else {
        s->locality = NULL;
    }
    char district[9];
    snprintf(district, sizeof(district), "%.*s", (int)sp, s->postcode);
    demo_rng rt;
    demo_rng_init(&rt, hash_text(district));
    s->town = demo_town(&rt);
}

/* ---- people ---- */

typedef struct person {
    const char *given, *middle, *family; /* middle NULL when none */
    int32_t dob;                         /* days since 1970-01-01 */
    uint32_t street;
    uint16_t number;                     /* house number */
    uint8_t flat;                        /* 0: none */
    char sex;
    int32_t nhs, nino;                   /* ordinals of the person's identifiers, -1: none */
} person;

typedef struct synth {
    uint64_t seed;
    demo_rng r;
    core_arena arena;
    street *streets;
    uint32_t nstreets;
    tail en, ie, pl, ng;
    int32_t as_of;                       /* 2026-01-01: ages are taken on it */
    int32_t next_nhs, next_nino;
    char nino_prefix[400][3];
    int nnino_prefix;
} synth;

static const char *arena_str(synth *s, const char *v)
{
    return v && v[0] ? core_arena_strdup(&s->arena, v) : NULL;
}

/* A date of birth for an age in whole years on as_of. */
static int32_t dob_for_age(synth *s, int age)
{
    return s->as_of - age * 365 - (int32_t)(age / 4) - (int32_t)demo_rng_below(&s->r, 365) - 1;
}

/* An adult's age: working ages most, a long old-age tail, as in a county's population pyramid. */
static int adult_age(synth *s)
{
    static const unsigned w[] = {70, 100, 100, 120, 160, 180, 150, 80, 30, 10}; /* 18-24, 25-34, ... 95-99 */
    static const int lo[] = {18, 25, 35, 45, 55, 65, 75, 85, 90, 95}, hi[] = {24, 34, 44, 54, 64, 74, 84, 89, 94, 99};
    size_t b = demo_rng_choose(&s->r, w, COUNT(w));
    return demo_rng_range(&s->r, lo[b], hi[b]);
}

/* The k-th NHS number of the run, unique: stems of the 999 range in a scrambled order, skipping those no
 * check digit makes valid. -1 when the range is used up (after ~909,000). */
static int32_t nhs_next(synth *s)
{
    while (s->next_nhs < 1000000) {
        uint32_t k = (uint32_t)s->next_nhs++;
        char stem[10];
        snprintf(stem, sizeof(stem), "999%06u", (unsigned)((k * 7919u + 4099u) % 1000000u));
        if (model_ident_nhs_check_digit(stem) >= 0)
            return (int32_t)k;
    }
    return -1;
}

static void nhs_format(int32_t k, char out[11])
{
    char stem[10];
    snprintf(stem, sizeof(stem), "999%06u", (unsigned)(((uint32_t)k * 7919u + 4099u) % 1000000u));
    snprintf(out, 11, "%s%d", stem, model_ident_nhs_check_digit(stem));
}

/* The k-th NINO: a valid prefix and a scrambled number, unique for k below prefixes x 10^6 (both scrambles
 * are bijections: a rotation of the prefixes, and a multiplier coprime with 10^6). */
static void nino_format(const synth *s, int32_t k, char out[10])
{
    uint32_t u = (uint32_t)k;
    uint32_t np = (uint32_t)s->nnino_prefix, q = u / np;
    snprintf(out, 10, "%s%06u%c", s->nino_prefix[(u % np + q) % np], (unsigned)((q * 611953u + 381917u) % 1000000u),
             (char)('A' + u % 4));
}

static void nino_prefixes(synth *s)
{
    s->nnino_prefix = 0;
    for (char a = 'A'; a <= 'Z'; a++)
        for (char b = 'A'; b <= 'Z'; b++) {
            char v[10] = {a, b, '1', '2', '3', '4', '5', '6', 'A', 0};
            if (model_ident_nino_strict(v, 9) && s->nnino_prefix < (int)COUNT(s->nino_prefix)) {
                s->nino_prefix[s->nnino_prefix][0] = a;
                s->nino_prefix[s->nnino_prefix][1] = b;
                s->nino_prefix[s->nnino_prefix][2] = 0;
                s->nnino_prefix++;
            }
        }
}

/* The household's family name root: mostly the demo tables' (which keep the real concentration of the
 * commonest names: Smith, Patel, Khan, Kaur), otherwise one from the long tail of the person's origin. */
static void long_tail_root(synth *s, demo_identity *id)
{
    char buf[128];
    const tail *t = NULL;
    unsigned pm = 0;
    switch (id->origin) {
    case DEMO_ORIGIN_BRITISH: t = &s->en, pm = 780; break;
    case DEMO_ORIGIN_IRISH: t = &s->ie, pm = 500; break;
    case DEMO_ORIGIN_EASTERN_EUROPEAN: t = &s->pl, pm = 600; break;
    case DEMO_ORIGIN_AFRICAN: t = &s->ng, pm = 450; break;
    default: t = &s->en, pm = 60; break; /* a few South Asian families with an English name */
    }
    if (!demo_rng_chance(&s->r, pm))
        return;
    tail_pick(t, &s->r, buf, sizeof(buf));
    snprintf(id->family_root, sizeof(id->family_root), "%s", buf);
}

static person *person_add(synth *s, person **v, size_t *n, size_t *cap, const demo_identity *id, int age,
                          uint32_t st, uint16_t number, uint8_t flat)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *v = core_xrealloc(*v, *cap * sizeof(**v));
    }
    person *p = &(*v)[(*n)++];
    p->given = arena_str(s, id->given);
    p->middle = arena_str(s, id->middle);
    p->family = arena_str(s, id->family);
    p->sex = id->sex;
    p->dob = dob_for_age(s, age);
    p->street = st;
    p->number = number;
    p->flat = flat;
    p->nhs = demo_rng_chance(&s->r, 450) ? nhs_next(s) : -1;
    p->nino = age >= 16 && demo_rng_chance(&s->r, 350) ? s->next_nino++ : -1;
    return p;
}

static void address_pick(const synth *s, demo_rng *r, uint32_t *st, uint16_t *number, uint8_t *flat)
{
    *st = (uint32_t)demo_rng_below(r, s->nstreets);
    *number = (uint16_t)(demo_rng_chance(r, 850) ? demo_rng_range(r, 1, 60) : demo_rng_range(r, 61, 240));
    *flat = (uint8_t)(demo_rng_chance(r, 80) ? demo_rng_range(r, 1, 12) : 0);
}

enum { NO_TWIN = INT32_MIN };

/* One household into v (at most `room` people): its shape, then its members. */
static void household(synth *s, person **v, size_t *n, size_t *cap, size_t room)
{
    uint32_t st;
    uint16_t number;
    uint8_t flat;
    address_pick(s, &s->r, &st, &number, &flat);
    demo_identity head, base, m;
    demo_identity_make(&s->r, 0, &head);
    long_tail_root(s, &head);
    base = head;
    demo_identity_relative(&s->r, &base, head.sex, 1, &head); /* the head again, with the root's form */
    int head_age = adult_age(s);
    /* single, couple, couple with children, single parent, sharers */
    static const unsigned shape_w[] = {28, 28, 25, 9, 10};
    size_t shape = demo_rng_choose(&s->r, shape_w, COUNT(shape_w));
    static const unsigned kids_w[] = {40, 40, 15, 5};
    int kids = 0, kid_age[4] = {0};
    if (shape == 2 || shape == 3) { /* children of every age at home, parents 20 to 40 years older */
        kids = (int)demo_rng_choose(&s->r, kids_w, COUNT(kids_w)) + 1;
        int oldest = 0;
        for (int k = 0; k < kids; k++) {
            kid_age[k] = demo_rng_range(&s->r, 0, 17);
            oldest = kid_age[k] > oldest ? kid_age[k] : oldest;
        }
        head_age = oldest + demo_rng_range(&s->r, 20, 40);
    }
    person_add(s, v, n, cap, &head, head_age, st, number, flat);
    size_t left = room - 1;
    if ((shape == 1 || shape == 2) && left > 0) { /* a partner: usually the other sex, often the same name */
        char sex = demo_rng_chance(&s->r, 960) ? (head.sex == 'M' ? 'F' : 'M') : head.sex;
        int same = demo_rng_chance(&s->r, 700);
        demo_identity_relative(&s->r, &head, sex, same, &m);
        int age = head_age + demo_rng_range(&s->r, -8, 8);
        person_add(s, v, n, cap, &m, age < 18 ? 18 : age > 99 ? 99 : age, st, number, flat);
        left--;
    }
    if (kids) {
        int32_t twin_dob = NO_TWIN;
        for (int k = 0; k < kids && left > 0; k++, left--) {
            demo_identity_relative(&s->r, &head, 0, 1, &m);
            person *p = person_add(s, v, n, cap, &m, kid_age[k], st, number, flat);
            if (twin_dob != NO_TWIN)
                p->dob = twin_dob, twin_dob = NO_TWIN;
            else if (k + 1 < kids && demo_rng_chance(&s->r, 30))
                twin_dob = p->dob; /* the next child is a twin */
        }
    }
    if (shape == 4) { /* sharers: unrelated adults */
        int more = demo_rng_range(&s->r, 1, 3);
        for (int k = 0; k < more && left > 0; k++, left--) {
            demo_identity_make(&s->r, 0, &m);
            long_tail_root(s, &m);
            base = m;
            demo_identity_relative(&s->r, &base, m.sex, 1, &m);
            person_add(s, v, n, cap, &m, demo_rng_range(&s->r, 18, 45), st, number, flat);
        }
    }
}

/* ---- writing ---- */

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char header[] = "id,given_name,family_name,sex,date_of_birth,address_1,address_2,town,postcode,"
                             "nhs_number,nino\n";

/* One row as written: strings may be NULL (an empty field). */
typedef struct row {
    const char *given, *family, *sex, *address_1, *address_2, *town, *postcode, *nhs, *nino;
    char dob[16];
} row;

static void row_write(FILE *f, const char *id, const row *w)
{
    const char *v[] = {id, w->given, w->family, w->sex, w->dob, w->address_1, w->address_2, w->town, w->postcode,
                       w->nhs, w->nino};
    for (size_t i = 0; i < COUNT(v); i++) {
        if (i)
            fputc(',', f);
        csv_field(f, v[i]);
    }
    fputc('\n', f);
}

static void dob_text(int32_t days, char out[16])
{
    core_date d = core_date_from_days(days);
    snprintf(out, 16, "%02d/%02d/%04d", d.d, d.m, (int)d.y);
}

/* The row of a person as the index holds it, into w (strings in bufs). */
typedef struct rowbufs {
    char address_1[80], postcode[12], nhs[16], nino[16], given[160], family[160];
} rowbufs;

static void row_of(const synth *s, const person *p, row *w, rowbufs *b)
{
    const street *st = &s->streets[p->street];
    memset(w, 0, sizeof(*w));
    w->given = p->given;
    w->family = p->family;
    w->sex = p->sex == 'F' ? "F" : "M";
    dob_text(p->dob, w->dob);
    if (p->flat)
        snprintf(b->address_1, sizeof(b->address_1), "Flat %u, %u %s", p->flat, p->number, st->name);
    else
        snprintf(b->address_1, sizeof(b->address_1), "%u %s", p->number, st->name);
    w->address_1 = b->address_1;
    w->address_2 = st->locality;
    w->town = st->town;
    snprintf(b->postcode, sizeof(b->postcode), "%s", st->postcode);
    w->postcode = b->postcode;
    if (p->nhs >= 0) {
        nhs_format(p->nhs, b->nhs);
        w->nhs = b->nhs;
    }
    if (p->nino >= 0) {
        nino_format(s, p->nino, b->nino);
        w->nino = b->nino;
    }
}

/* ---- corruption ---- */

/* Nicknames and spelling variants a partner may write for a given name in the demo tables. */
static const char *const nick[][2] = {
    {"William", "Bill"},     {"William", "Will"},      {"Thomas", "Tom"},       {"James", "Jim"},
    {"James", "Jamie"},      {"Robert", "Bob"},        {"Joseph", "Joe"},       {"Daniel", "Danny"},
    {"Matthew", "Matt"},     {"Christopher", "Chris"}, {"Michael", "Mike"},     {"Andrew", "Andy"},
    {"Stephen", "Steve"},    {"Edward", "Ted"},        {"Benjamin", "Ben"},     {"Samuel", "Sam"},
    {"Alexander", "Alex"},   {"Jessica", "Jess"},      {"Rebecca", "Becky"},    {"Nicola", "Nicky"},
    {"Isabella", "Bella"},   {"Elizabeth", "Liz"},     {"Catherine", "Kate"},   {"Margaret", "Maggie"},
    {"Henry", "Harry"},      {"Jacob", "Jake"},        {"Kenneth", "Ken"},      {"Patrick", "Paddy"},
    {"Muhammad", "Mohammed"}, {"Mohammed", "Mohamed"}, {"Katarzyna", "Kasia"},  {"Aleksandra", "Ola"},
    {"Piotr", "Peter"},      {"Seán", "Sean"},         {"Siobhán", "Siobhan"},  {"Zoë", "Zoe"},
    {"Siân", "Sian"},        {"David", "Dave"},        {"Anthony", "Tony"},     {"Richard", "Rick"},
    {"Charlotte", "Lottie"}, {"Jennifer", "Jenny"},    {"Victoria", "Vicky"},   {"Dafydd", "David"},
};

static const char *nickname_of(demo_rng *r, const char *given)
{
    const char *found[4];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(nick) && n < COUNT(found); i++)
        if (strcmp(nick[i][0], given) == 0)
            found[n++] = nick[i][1];
    return n ? found[demo_rng_below(r, n)] : NULL;
}

/* One keying error in an ASCII letter of s (into out): a neighbouring key, a letter dropped, doubled, or two
 * letters swapped. Names with non-ASCII letters are left alone when the chosen byte is not ASCII. */
static void typo(demo_rng *r, const char *s, char *out, size_t size)
{
    static const char *const near[26] = {"qsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb",
                                         "ujko", "huikmn", "jiolm", "kop", "njk", "bhjm", "iklp", "ol",
                                         "wa", "edft", "awedxz", "rfgy", "yhji", "cfgb", "qase", "zsdc",
                                         "tghu", "asx"};
    size_t len = strlen(s);
    snprintf(out, size, "%s", s);
    if (len < 3 || len + 2 > size)
        return;
    size_t i = 1 + (size_t)demo_rng_below(r, len - 1); /* keep the first letter: it is seldom mistyped */
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80 || c < 'A')
        return;
    int kind = (int)demo_rng_below(r, 4);
    int upper = c >= 'A' && c <= 'Z';
    int lc = upper ? c - 'A' + 'a' : c;
    if (lc < 'a' || lc > 'z')
        return;
    if (kind == 0) { /* neighbouring key */
        const char *k = near[lc - 'a'];
        char nc = k[demo_rng_below(r, strlen(k))];
        out[i] = upper ? (char)(nc - 'a' + 'A') : nc;
    } else if (kind == 1) { /* dropped */
        memmove(out + i, out + i + 1, len - i);
    } else if (kind == 2) { /* doubled */
        memmove(out + i + 1, out + i, len - i + 1);
    } else if (i + 1 < len && (unsigned char)s[i + 1] < 0x80) { /* swapped with the next */
        out[i] = s[i + 1];
        out[i + 1] = s[i];
    }
}

static void upper_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* A partner's record of p: each corruption at its own rate (per mille), independently, as partner data
 * drifts from the index: name changes, keying errors and missing fields. The rates are of the order reported
 * for English administrative data (e.g. ONS and NHS linkage studies): most records agree on everything. */
static void corrupt(synth *s, demo_rng *r, const person *p, row *w, rowbufs *b)
{
    row_of(s, p, w, b);
    /* given name: nickname 6%, middle name added 3%, typo 3%, initial only 0.5%, missing 0.5% */
    if (w->given) {
        const char *nk = demo_rng_chance(r, 60) ? nickname_of(r, w->given) : NULL;
        if (nk) {
            w->given = nk;
        } else if (p->middle && demo_rng_chance(r, 30)) {
            snprintf(b->given, sizeof(b->given), "%s %s", w->given, p->middle);
            w->given = b->given;
        } else if (demo_rng_chance(r, 30)) {
            typo(r, w->given, b->given, sizeof(b->given));
            w->given = b->given;
        } else if (demo_rng_chance(r, 5) && (unsigned char)w->given[0] < 0x80) {
            snprintf(b->given, sizeof(b->given), "%c", w->given[0]);
            w->given = b->given;
        }
        if (demo_rng_chance(r, 5))
            w->given = NULL;
    }
    /* family name: changed (marriage, separation) 3% of adult women, a double-barrelled part dropped 40%,
     * typo 3%, missing 0.5% */
    if (w->family) {
        int32_t age = (s->as_of - p->dob) / 365;
        const char *sep = strpbrk(w->family, "- ");
        if (p->sex == 'F' && age >= 20 && demo_rng_chance(r, 30)) {
            tail_pick(&s->en, r, b->family, sizeof(b->family));
            w->family = b->family;
        } else if (sep && strncmp(w->family, "O'", 2) != 0 && demo_rng_chance(r, 400)) {
            if (demo_rng_chance(r, 500))
                snprintf(b->family, sizeof(b->family), "%.*s", (int)(sep - w->family), w->family);
            else
                snprintf(b->family, sizeof(b->family), "%s", sep + 1);
            w->family = b->family;
        } else if (demo_rng_chance(r, 30)) {
            typo(r, w->family, b->family, sizeof(b->family));
            w->family = b->family;
        }
        if (demo_rng_chance(r, 5))
            w->family = NULL;
    }
    if (w->given && w->family && demo_rng_chance(r, 10)) { /* given and family swapped 1% */
        const char *t = w->given;
        w->given = w->family;
        w->family = t;
    }
    if (w->family && demo_rng_chance(r, 250)) { /* upper case, as many systems store surnames */
        if (w->family != b->family)
            snprintf(b->family, sizeof(b->family), "%s", w->family);
        upper_ascii(b->family);
        w->family = b->family;
    }
    /* date of birth: day and month swapped 1.5% (when both can be months), year off by one 1%, a digit
     * mistyped 1%, missing 1.5% */
    core_date d = core_date_from_days(p->dob);
    if (d.d <= 12 && d.d != d.m && demo_rng_chance(r, 15)) {
        int8_t t = d.d;
        d.d = d.m;
        d.m = t;
    } else if (demo_rng_chance(r, 10)) {
        d.y += demo_rng_chance(r, 500) ? 1 : -1;
        if (!core_date_ok(d))
            d.d = 28;
    } else if (demo_rng_chance(r, 10)) {
        int nd = (d.d / 10) * 10 + demo_rng_range(r, 0, 9);
        if (nd >= 1 && nd <= core_date_days_in_month(d.y, d.m))
            d.d = (int8_t)nd;
    }
    snprintf(w->dob, sizeof(w->dob), "%02d/%02d/%04d", d.d, d.m, (int)d.y);
    if (demo_rng_chance(r, 15))
        w->dob[0] = 0;
    /* sex: written out 30%, missing 2%, wrong 0.3% */
    if (demo_rng_chance(r, 3))
        w->sex = p->sex == 'F' ? "M" : "F";
    if (demo_rng_chance(r, 300))
        w->sex = w->sex[0] == 'F' ? "Female" : "Male";
    if (demo_rng_chance(r, 20))
        w->sex = NULL;
    /* address: moved 10% (a new street and number), "Road" -> "Rd" 8%, locality and town left out 30% and
     * 8%; postcode mistyped 1%, missing 4%, written without its space 30% */
    if (demo_rng_chance(r, 100)) {
        person q = *p;
        address_pick(s, r, &q.street, &q.number, &q.flat);
        rowbufs tmp;
        row moved;
        row_of(s, &q, &moved, &tmp);
        memcpy(b->address_1, tmp.address_1, sizeof(b->address_1));
        memcpy(b->postcode, tmp.postcode, sizeof(b->postcode));
        w->address_2 = moved.address_2;
        w->town = moved.town;
    }
    if (demo_rng_chance(r, 80)) {
        static const char *const ab[][2] = {{" Road", " Rd"}, {" Street", " St"}, {" Avenue", " Ave"},
                                            {" Close", " Cl"}, {" Lane", " Ln"},   {" Drive", " Dr"}};
        for (size_t i = 0; i < COUNT(ab); i++) {
            char *at = strstr(b->address_1, ab[i][0]);
            if (at && at[strlen(ab[i][0])] == 0) {
                snprintf(at, sizeof(b->address_1) - (size_t)(at - b->address_1), "%s", ab[i][1]);
                break;
            }
        }
    }
    if (demo_rng_chance(r, 300))
        w->address_2 = NULL;
    if (demo_rng_chance(r, 80))
        w->town = NULL;
    if (demo_rng_chance(r, 10)) {
        size_t len = strlen(b->postcode);
        size_t i = len - 1 - (size_t)demo_rng_below(r, 2);
        b->postcode[i] = "ABDEFGHJLNPQRSTUWXYZ"[demo_rng_below(r, 20)];
    }
    if (demo_rng_chance(r, 300)) {
        char *sp = strchr(b->postcode, ' ');
        if (sp)
            memmove(sp, sp + 1, strlen(sp));
    }
    if (demo_rng_chance(r, 40))
        w->postcode = NULL;
    /* identifiers: a partner holds the NHS number of 35% of those who have one (mistyped 0.5%), the NINO of
     * 25% */
    if (w->nhs && !demo_rng_chance(r, 350))
        w->nhs = NULL;
    else if (w->nhs && demo_rng_chance(r, 5))
        b->nhs[3 + demo_rng_below(r, 7)] = (char)('0' + demo_rng_below(r, 10));
    if (w->nino && !demo_rng_chance(r, 250))
        w->nino = NULL;
}

/* ---- the command ---- */

typedef struct synth_opts {
    int64_t people, seed, overlap;
    const char *index, *partner, *truth;
} synth_opts;

static int parse(int argc, char **argv, synth_opts *o)
{
    static const struct option opts[] = {{"people", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"overlap", required_argument, NULL, 'v'},
                                         {"index", required_argument, NULL, 'i'},
                                         {"partner", required_argument, NULL, 'p'},
                                         {"truth", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->overlap = 70;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int64_t *dst = c == 'n' ? &o->people : c == 's' ? &o->seed : c == 'v' ? &o->overlap : NULL;
        if (dst) {
            int64_t lo = c == 's' ? 0 : c == 'v' ? 0 : 1, hi = c == 's' ? INT64_MAX : c == 'v' ? 100 : 20000000;
            if (core_parse_int64(optarg, strlen(optarg), lo, hi, dst)) {
                fprintf(stderr, "hearth link synth: --%s wants a whole number from %" PRId64 " to %" PRId64 "\n",
                        c == 'n' ? "people" : c == 's' ? "seed" : "overlap", lo, hi);
                return CLI_USAGE;
            }
            continue;
        }
        switch (c) {
        case 'i': o->index = optarg; break;
        case 'p': o->partner = optarg; break;
        case 't': o->truth = optarg; break;
        default:
            fprintf(stderr, "hearth link synth: unknown option %s (see --help)\n", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (!o->people || !o->index || !o->partner || optind != argc) {
        fprintf(stderr, "hearth link synth: needs --people N --index INDEX.csv --partner PARTNER.csv\n");
        return CLI_USAGE;
    }
    return 0;
}

static FILE *open_out(const char *path, core_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        core_error_set(err, CORE_E_IO, "cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int close_out(FILE *f, const char *path, core_error *err)
{
    if (!f)
        return 0;
    int bad = ferror(f) | (fclose(f) != 0);
    return bad ? core_error_set(err, CORE_E_IO, "cannot write %s", path) : 0;
}

/* Ids that say nothing about order or about the other file: a prefix and the row number scrambled by a
 * bijection of [0, 9e9) (the multiplier is prime, so coprime with 9e9), hence unique within a file. */
static void id_text(char prefix, uint64_t salt, size_t i, char out[24])
{
    uint64_t v = ((uint64_t)i * 2654435761u + salt % 9000000000u) % 9000000000u;
    snprintf(out, 24, "%c%010" PRIu64, prefix, (uint64_t)(v + 1000000000u));
}

int cli_link_synth(int argc, char **argv)
{
    synth_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    synth s;
    memset(&s, 0, sizeof(s));
    s.seed = (uint64_t)o.seed;
    demo_rng_init(&s.r, s.seed);
    core_date asof = {2026, 1, 1};
    s.as_of = core_date_to_days(asof);
    nino_prefixes(&s);
    tail_init(&s.en, en_pre, COUNT(en_pre), en_suf, COUNT(en_suf));
    tail_init(&s.ie, ie_pre, COUNT(ie_pre), ie_stem, COUNT(ie_stem));
    tail_init(&s.pl, pl_stem, COUNT(pl_stem), pl_suf, COUNT(pl_suf));
    tail_init(&s.ng, ng_pre, COUNT(ng_pre), ng_suf, COUNT(ng_suf));
    size_t n = (size_t)o.people;
    s.nstreets = (uint32_t)(n / 25 + 1);
    s.streets = core_xmalloc(s.nstreets * sizeof(*s.streets));
    for (uint32_t i = 0; i < s.nstreets; i++)
        street_make(s.seed, i, &s.arena, &s.streets[i]);

    /* the index: households until N people */
    person *idx = NULL;
    size_t nidx = 0, cap = 0;
    while (nidx < n)
        household(&s, &idx, &nidx, &cap, n - nidx);
    /* the partner's new people: singles at addresses of the same county */
    size_t nmatch = n * (size_t)o.overlap / 100, nnew = n - nmatch;
    person *fresh = NULL;
    size_t nfresh = 0, fcap = 0;
    while (nfresh < nnew)
        household(&s, &fresh, &nfresh, &fcap, 1);

    core_error err;
    core_error_clear(&err);
    FILE *fi = open_out(o.index, &err), *fp = fi ? open_out(o.partner, &err) : NULL,
         *ft = fp && o.truth ? open_out(o.truth, &err) : NULL;
    if (fi && fp && (!o.truth || ft)) {
        row w;
        rowbufs b;
        char id[24], pid[24];
        fputs(header, fi);
        for (size_t i = 0; i < nidx; i++) {
            row_of(&s, &idx[i], &w, &b);
            id_text('H', s.seed ^ 0x494e444558ULL, i, id);
            row_write(fi, id, &w);
        }
        /* which index people the partner holds: the first nmatch of a shuffle; then the partner's rows (index
         * people and new people) in another shuffled order */
        uint32_t *pick = core_xmalloc(nidx * sizeof(*pick));
        for (size_t i = 0; i < nidx; i++)
            pick[i] = (uint32_t)i;
        demo_rng pr;
        demo_rng_init(&pr, s.seed ^ 0x504152544e4552ULL);
        for (size_t i = 0; i < nmatch; i++) { /* partial Fisher-Yates */
            size_t j = i + (size_t)demo_rng_below(&pr, nidx - i);
            uint32_t t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        uint32_t *order = core_xmalloc((n + 1) * sizeof(*order)); /* < nidx: index person; else a new one */
        for (size_t i = 0; i < nmatch; i++)
            order[i] = pick[i];
        for (size_t i = 0; i < nnew; i++)
            order[nmatch + i] = (uint32_t)(nidx + i);
        demo_rng_shuffle(&pr, order, n, sizeof(*order));
        fputs(header, fp);
        if (ft)
            fputs("index_id,partner_id\n", ft);
        for (size_t i = 0; i < n; i++) {
            id_text('P', s.seed ^ 0x50415254ULL, i, pid);
            if (order[i] < nidx) {
                corrupt(&s, &pr, &idx[order[i]], &w, &b);
                if (ft) {
                    id_text('H', s.seed ^ 0x494e444558ULL, order[i], id);
                    fprintf(ft, "%s,%s\n", id, pid);
                }
            } else {
                row_of(&s, &fresh[order[i] - nidx], &w, &b);
                if (fresh[order[i] - nidx].nhs >= 0 && !demo_rng_chance(&pr, 350))
                    w.nhs = NULL;
                if (w.nino && !demo_rng_chance(&pr, 250))
                    w.nino = NULL;
            }
            row_write(fp, pid, &w);
        }
        free(pick);
        free(order);
        fprintf(stderr, "hearth link synth: %zu index rows, %zu partner rows (%zu of them index people), seed %" PRId64
                        "\n",
                nidx, n, nmatch, o.seed);
    }
    rc = 0;
    if (close_out(fi, o.index, &err) | close_out(fp, o.partner, &err) | close_out(ft, o.truth, &err))
        rc = -1;
    if (!fi || !fp || (o.truth && !ft))
        rc = -1;
    free(idx);
    free(fresh);
    free(s.streets);
    free(s.en.cum);
    free(s.ie.cum);
    free(s.pl.cum);
    free(s.ng.cum);
    core_arena_release(&s.arena);
    if (rc) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
