/*
 * api_match.c — is this person already known? POST /api/v1/people/matches takes what the front door knows of
 * someone (names, date of birth, sex, postcode, identifiers) and answers the people of the index who may be
 * the same person, best first, each with the probability, the engine's suggestion (link or review) and the
 * evidence field by field. The same check runs when a person is recorded (api_match_duplicates(), used by
 * the create handler), whose answer then carries "possible_duplicates". It only suggests: nothing is merged.
 *
 * Candidates come from indexed lookups (date of birth as given and with day and month swapped, family name
 * key with given name key or with year of birth, and alone when the name is rare, given name key with year
 * of birth, identifiers, current postcode), each capped, so the check costs a few small queries whatever
 * the size of the index (bench/frontdoor: a few milliseconds at a million people); they are scored with the
 * matching engine's comparisons (src/link/link_match.h) under the newest model trained on the index
 * (`hearth link index`), or the generic parameters when none has been, with each exact agreement weighed by
 * how many other people of this index hold the value (pindex_match_freq(): what would be surprising among
 * this many people, not a generic rate), and answered from LINK_MATCH_ANSWER_PROBABILITY up (a duplicate
 * warning on recording from LINK_MATCH_WARN_PROBABILITY). Restricted and
 * merged people are never candidates. Results are index cards, like person search, and each is recorded in
 * the audit trail as read through the index. An answer with nobody says what was searched ("searched": each
 * lookup that ran with the caller's value, the size of the index, the probability an answer needs and how
 * many people were compared), so that "nobody" comes with its reasons; with somebody, the evidence does.
 *
 * The evidence is the caller's to see only as far as their footing goes (docs/access.md): for a candidate the
 * caller has no footing on (access_decide, record.read on the person) the score and the evidence use the index
 * card's fields alone (names, date of birth, sex), so that whether a guessed postcode or identifier agrees
 * with one the caller may not read changes neither the score nor whether the person is answered ("view":
 * "card"); on a footing every field counts ("view": "full") and the read is recorded with that footing. Asked
 * within a contact the front door is triaging (api_contact_match_items(), at the end of this file), what the
 * contact itself carries counts as well ("view": "contact"), and the audit names the contact: its postcode, a
 * child's recorded identifiers, and the family it names (its other people, compared with the people living
 * with each candidate: family_weight()).
 */
#include <inttypes.h>
#include <math.h>

#include "access/access.h"
#include "api/api.h"
#include "core/core_date.h"
#include "link/link_match.h"
#include "model/model.h"
#include "model/model_ident.h"
#include "pindex/pindex.h"

enum { MATCH_MAX = 10, CANDIDATES_PER_KEY = 200, RARE_FAMILY_NAME = 50 };

/* The family a contact names (its other people) as evidence on a candidate: at most FAMILY_LOOKS candidates,
 * the best, are looked at, each when its weight is within FAMILY_REACH bits of an answer (a household's
 * evidence is worth about log2(people / household) bits at most: 18 at a million, less what the family name
 * and postcode already said); a household of more than FAMILY_HOUSEHOLD people is read no further.
 * FAMILY_IN_INDEX: the chance that somebody the contact names besides the person asked about is recorded in
 * the index (living with the person, when the candidate is the person): families mostly live together, but
 * not always, and not every one of them is recorded. */
enum { FAMILY_LOOKS = 32, FAMILY_REACH = 16, FAMILY_HOUSEHOLD = 40, FAMILY_MAX = PINDEX_FAMILY_MAX, POOL = 48 };
#define FAMILY_IN_INDEX 0.5

typedef struct incoming {
    const char *given, *family, *dob, *sex, *postcode, *nhs, *nino, *upn;
    /* Asked within a contact (POST /api/v1/contacts/{id}/matches): the contact, and the comparisons (bits
     * 1 << LINK_C_*) whose incoming value the contact itself carries — its postcode, a recorded child's
     * identifiers — which count whatever the caller's footing on the candidate. 0 and 0 for a free search. */
    int64_t contact;
    unsigned vouched;
    int warn; /* 1: the duplicate warning on recording (answers from LINK_MATCH_WARN_PROBABILITY) */
    /* Within a contact: the other people it names (the family), as the engine reads them, and their ids. */
    const link_record *kin;
    const int64_t *kin_ids;
    int nkin;
} incoming;

typedef struct match {
    int64_t id;
    double weight;
    uint8_t lv[LINK_NCOMP];
    double contrib[LINK_NCOMP];
    json_t *card;
    int footed;             /* 1: the caller has a footing on the person, which the evidence used */
    int from_contact;       /* 1: a value the contact carries (incoming.vouched) agreed, and counted */
    access_footing footing; /* that footing, when footed */
    double family;          /* the weight of the family the contact names (0: not looked at) */
    int64_t family_with;    /* the contact's person who lives with the candidate (0: nobody it names clearly does) */
    int64_t family_member;  /* the person of the index, living with the candidate, they matched */
    int family_looked;      /* 1: the candidate's household was compared with the contact's family */
} match;

/* Score candidate m as the caller may see it. On a footing on the person's own records (the one access
 * decision, record.read, section person) the weight and evidence use every field; otherwise only the index
 * card's (names, date of birth, sex: pindex_card_comparison), so that neither the score, nor whether the person
 * is answered at all, nor the evidence says whether a postcode or identifier the caller guessed agrees with one
 * they may not read. The decision is asked only when it would change the answer: a field beyond the card was
 * compared and the pair reaches the review threshold either way. Returns 1 to answer m, 0 to leave it out. */
static int counts(int c, unsigned vouched)
{
    return pindex_card_comparison(c) || (vouched & (1u << c));
}

static int as_seen(http_req *req, const link_model *model, match *m, unsigned vouched)
{
    double card = m->weight;
    int beyond = 0;
    m->from_contact = 0;
    for (int c = 0; c < LINK_NCOMP; c++) {
        if (!counts(c, vouched) && m->lv[c]) {
            card -= m->contrib[c];
            beyond = 1;
        }
        if (!pindex_card_comparison(c) && (vouched & (1u << c)) && m->lv[c])
            m->from_contact = 1;
    }
    m->footed = 0;
    if (!beyond)
        return m->weight >= model->review_weight;
    if (m->weight < model->review_weight && card < model->review_weight)
        return 0;
    access_target t = {"person", "person", m->id};
    core_error denied;
    core_error_clear(&denied);
    if (access_decide(req->db, &req->who, "record.read", &t, &m->footing, &denied) == ACCESS_ALLOW) {
        m->footed = 1;
        return m->weight >= model->review_weight;
    }
    for (int c = 0; c < LINK_NCOMP; c++)
        if (!counts(c, vouched)) {
            m->lv[c] = 0;
            m->contrib[c] = 0;
        }
    m->weight = card;
    return m->weight >= model->review_weight;
}

static const char *text(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int by_weight(const void *x, const void *y)
{
    const match *a = x, *b = y;
    return a->weight < b->weight ? 1 : a->weight > b->weight ? -1 : (a->id > b->id) - (a->id < b->id);
}

/* The day and month swapped, when that is a date: "2016-09-03" for "2016-03-09". */
static void swapped_dob(const char *dob, char out[11])
{
    out[0] = '\0';
    if (!dob || strlen(dob) != 10)
        return;
    char s[11];
    memcpy(s, dob, 4);
    s[4] = '-';
    memcpy(s + 5, dob + 8, 2);
    s[7] = '-';
    memcpy(s + 8, dob + 5, 2);
    s[10] = '\0';
    core_date d;
    if (core_date_parse(s, 10, &d) == 0)
        memcpy(out, s, 11);
}

/* Up to MATCH_MAX people who may be `in`, best first, with probability at least the review threshold; *out is
 * a JSON array (new reference). exclude: a person id never to answer (the one just created), or 0. */
/* What a match searched, for the practitioner to see why nobody (or only these people) came back: the index's
 * size, the probability an answer needs, each lookup that ran with the value it looked for (the caller's own
 * terms), and how many people those lookups found and were compared. A new reference. */
static json_t *searched_json(const incoming *in, const char *swapped, const char *postcode, double people,
                             int64_t compared)
{
    json_t *lookups = json_array();
    struct {
        const char *by, *value;
    } l[] = {{"date_of_birth", in->dob},
             {"date_of_birth with day and month swapped",
              swapped && swapped[0] && (!in->dob || strcmp(swapped, in->dob) != 0) ? swapped : NULL},
             {"family_name and given_name", in->family && in->given ? in->family : NULL},
             {"family_name and year of birth", in->family && in->dob ? in->family : NULL},
             {"given_name and year of birth", in->given && in->dob ? in->given : NULL},
             {"family_name alone, when fewer than 51 people hold it", in->family},
             {"nhs_number", in->nhs},
             {"nino", in->nino},
             {"upn", in->upn},
             {"postcode", postcode && postcode[0] ? postcode : NULL}};
    for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
        if (l[i].value)
            json_array_append_new(lookups, json_pack("{s:s,s:s}", "by", l[i].by, "value", l[i].value));
    return json_pack("{s:I,s:f,s:o,s:I}", "index_people", (json_int_t)people, "answer_probability",
                     LINK_MATCH_ANSWER_PROBABILITY, "lookups", lookups, "candidates_compared", (json_int_t)compared);
}

/* The weight of the family the contact names on candidate m (pindex_family_weight()), added to m->weight. A
 * relative living with m says that m's household is the contact's family; so, in part, do a family name and a
 * postcode that agree (a household shares them), and once the household is known they say nothing more of
 * which of its members the person is. So the larger of the two is kept: the family's weight counts only for
 * what it adds to the agreeing family name and postcode (and a new baby of a known family is answered no more
 * often than before). A relative found nowhere there weighs what it weighs (at most a bit against). */
static double shared_with_household(const match *m, unsigned vouched)
{
    return (m->contrib[LINK_C_FAMILY] > 0 ? m->contrib[LINK_C_FAMILY] : 0) +
           (m->contrib[LINK_C_POSTCODE] > 0 && counts(LINK_C_POSTCODE, vouched) ? m->contrib[LINK_C_POSTCODE] : 0);
}

static int family_weight(http_req *req, const link_model *model, double people, const incoming *in, match *m,
                         core_error *err)
{
    /* A household says at most about log2(people) bits (the family found, and the person one of it): not
     * looked at when that, beyond what the family name and postcode said, cannot bring m to an answer. */
    double most = log2(people > 2 ? people : 2) - shared_with_household(m, in->vouched);
    if (m->weight + (most > 0 ? most : 0) < model->review_weight)
        return 0;
    pindex_family f;
    int rc = pindex_family_weight(req->db, &req->arena, model, in->kin, in->nkin < FAMILY_MAX ? in->nkin : FAMILY_MAX,
                                  m->id, m->contrib[LINK_C_FAMILY] > 0, FAMILY_IN_INDEX, people, FAMILY_HOUSEHOLD,
                                  &f, err);
    if (rc || !f.looked)
        return rc;
    m->family_looked = 1;
    m->family = f.weight;
    if (f.weight > 1) { /* somebody there is the relative, more likely than not */
        double shared = shared_with_household(m, in->vouched);
        m->family = f.weight > shared ? f.weight - shared : 0;
        m->family_with = in->kin_ids[f.kin];
        m->family_member = f.member;
    }
    m->weight += m->family;
    return 0;
}

/* The card weight of m: its weight less the comparisons the caller may not see weighed (see as_seen). */
static double card_weight(const match *m, unsigned vouched)
{
    double card = m->weight;
    for (int c = 0; c < LINK_NCOMP; c++)
        if (!counts(c, vouched) && m->lv[c])
            card -= m->contrib[c];
    return card;
}

static int by_reach(const void *x, const void *y)
{
    const match *a = x, *b = y;
    double wa = a->weight > a->family ? a->weight : a->family, wb = b->weight > b->family ? b->weight : b->family;
    return wa < wb ? 1 : wa > wb ? -1 : (a->id > b->id) - (a->id < b->id);
}

static int find(http_req *req, const incoming *in, int64_t exclude, json_t **out, json_t **searched,
                core_error *err)
{
    *out = NULL;
    if (searched)
        *searched = NULL;
    int64_t compared = 0;
    link_record r;
    link_record_from(&req->arena, &r, "", in->given, in->family, in->dob, in->sex, in->postcode, in->nhs, in->nino,
                     in->upn);
    /* the year of birth as the range of dates it spans: read from the index person_given_dob alone */
    char swapped[11], year_first[11] = "", year_last[11] = "";
    swapped_dob(in->dob, swapped);
    if (in->dob && strlen(in->dob) >= 4) {
        snprintf(year_first, sizeof(year_first), "%.4s-01-01", in->dob);
        snprintf(year_last, sizeof(year_last), "%.4s-12-31", in->dob);
    }
    /* the postcode as addresses are stored, canonical ("LE8 9YU" for "le89yu"); one that is not a postcode
     * is no address's */
    char postcode[MODEL_IDENT_MAX] = "";
    if (in->postcode && model_ident_check(MODEL_IDENT_POSTCODE, in->postcode, strlen(in->postcode), postcode, NULL))
        postcode[0] = '\0';
    const char *fam_key = in->family ? model_name_key(&req->arena, in->family) : NULL,
               *giv_key = in->given ? model_name_key(&req->arena, in->given) : NULL;
    /* What agreeing on each of these values is worth in this index: how many other people hold it. */
    link_freq freq;
    pindex_freq_values fv = {giv_key, fam_key, in->dob, swapped[0] ? swapped : NULL, postcode[0] ? postcode : NULL,
                             exclude != 0};
    int rc = pindex_match_freq(req->db, &req->arena, &fv, &freq, err);
    if (rc)
        return rc;
    /* The newest model trained on the index (`hearth link index`), else the generic one; either way the prior
     * is the front door's: the chance that the person asked about is one particular person of the index. */
    link_model model, trained;
    link_model_defaults(&model, (uint64_t)(freq.n > 0 ? freq.n : 1));
    rc = pindex_model_load(req->db, &trained, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        trained.lambda = model.lambda;
        trained.link_weight = model.link_weight;
        trained.review_weight = model.review_weight;
        model = trained;
    }
    /* The front door answers a candidate from this probability up; recording a person warns of a possible
     * duplicate from a lower one (link_match.h). */
    double from = in->warn ? LINK_MATCH_WARN_PROBABILITY : LINK_MATCH_ANSWER_PROBABILITY;
    model.review_weight = log2(from / (1 - from));
    pindex_candidate_keys keys = {in->dob, swapped[0] ? swapped : NULL, fam_key && fam_key[0] ? fam_key : NULL,
                                  giv_key && giv_key[0] ? giv_key : NULL, year_first[0] ? year_first : NULL,
                                  year_last[0] ? year_last : NULL, r.nhs_number, r.nino, r.upn,
                                  postcode[0] ? postcode : NULL, exclude, CANDIDATES_PER_KEY, RARE_FAMILY_NAME + 1};
    store_stmt *st;
    rc = pindex_candidates(req->db, &req->arena, &keys, &st, err);
    if (rc)
        return rc;
    /* The candidates that may be answered: those whose weight (or card weight) reaches the threshold, or comes
     * within FAMILY_REACH of it when the contact names a family: the best POOL of them kept aside, the
     * households of the first FAMILY_LOOKS looked at once every candidate is scored. */
    match best[MATCH_MAX + 1], pool[POOL + 1];
    int nbest = 0, npool = 0;
    double reach = in->nkin ? FAMILY_REACH : 0;
    while ((rc = store_next(st, err)) == 1) {
        const char *pc = store_col_text(st, 11, NULL);
        link_record c;
        link_record_from(&req->arena, &c, "", store_col_text(st, 1, NULL), store_col_text(st, 3, NULL),
                         store_col_text(st, 5, NULL), store_col_text(st, 7, NULL), pc, store_col_text(st, 8, NULL),
                         store_col_text(st, 9, NULL), store_col_text(st, 10, NULL));
        match m = {0};
        m.id = store_col_int(st, 0);
        m.weight = link_score_pair_freq(&model, &freq, &r, &c, m.lv, m.contrib);
        compared++;
        double card = card_weight(&m, in->vouched);
        if ((m.weight > card ? m.weight : card) + reach < model.review_weight)
            continue;
        m.family = card; /* the pool's order (by_reach) until the family is weighed */
        if (npool == POOL && by_reach(&m, &pool[POOL - 1]) >= 0)
            continue; /* no better than the pool's last: not kept (and no card made) */
        static const char *const cardcols[] = {"id", "given_name", "middle_names", "family_name", "preferred_name",
                                               "date_of_birth", "expected_date", "sex"};
        m.card = json_object();
        for (int k = 0; k < 8; k++) {
            store_type t = store_col_type(st, k);
            json_object_set_new(m.card, cardcols[k], t == STORE_NULL ? json_null()
                                                     : t == STORE_INT ? json_integer(store_col_int(st, k))
                                                                      : json_string(store_col_text(st, k, NULL)));
        }
        int j; /* kept in order: the last one out when full */
        if (npool < POOL) {
            j = npool++;
        } else {
            json_decref(pool[POOL - 1].card);
            j = POOL - 1;
        }
        for (; j > 0 && by_reach(&m, &pool[j - 1]) < 0; j--)
            pool[j] = pool[j - 1];
        pool[j] = m;
    }
    /* then each of the pool: its family weighed (within a contact that names one), as the caller may see it */
    for (int i = 0; rc >= 0 && i < npool; i++) {
        match m = pool[i];
        pool[i].card = NULL;
        m.family = 0;
        int frc = in->nkin && i < FAMILY_LOOKS ? family_weight(req, &model, freq.n, in, &m, err) : 0;
        if (frc) {
            json_decref(m.card);
            for (int j = i + 1; j < npool; j++)
                json_decref(pool[j].card);
            for (int j = 0; j < nbest; j++)
                json_decref(best[j].card);
            return frc;
        }
        if (!as_seen(req, &model, &m, in->vouched)) {
            json_decref(m.card);
            continue;
        }
        if (m.family_with)
            m.from_contact = 1;
        best[nbest++] = m;
        qsort(best, (size_t)nbest, sizeof(best[0]), by_weight);
        if (nbest > MATCH_MAX)
            json_decref(best[--nbest].card);
    }
    if (rc < 0) {
        for (int i = 0; i < npool; i++)
            json_decref(pool[i].card);
        for (int i = 0; i < nbest; i++)
            json_decref(best[i].card);
        return rc;
    }
    json_t *items = json_array();
    for (int i = 0; i < nbest; i++) {
        json_t *evidence = json_array();
        for (int c = 0; c < LINK_NCOMP; c++)
            if (best[i].lv[c])
                json_array_append_new(evidence, json_pack("{s:s,s:s,s:f}", "field", link_comparison_name(c), "level",
                                                          link_level_name(c, best[i].lv[c]), "weight",
                                                          round(best[i].contrib[c] * 100) / 100));
        if (best[i].family_looked)
            json_array_append_new(
                evidence,
                best[i].family_with
                    ? json_pack("{s:s,s:s,s:f,s:I}", "field", "family", "level",
                                "someone the contact names lives with them", "weight",
                                round(best[i].family * 100) / 100, "with", (json_int_t)best[i].family_with)
                    : json_pack("{s:s,s:s,s:f}", "field", "family", "level",
                                "nobody else the contact names lives with them", "weight",
                                round(best[i].family * 100) / 100));
        json_t *it = json_pack("{s:o,s:f,s:f,s:s,s:o,s:s}", "person", best[i].card, "match_weight",
                               round(best[i].weight * 100) / 100, "probability",
                               round(link_probability(best[i].weight) * 10000) / 10000, "suggestion",
                               best[i].weight >= model.link_weight ? "link" : "review", "evidence", evidence,
                               "view", best[i].footed ? "full" : best[i].from_contact ? "contact" : "card");
        json_array_append_new(items, it);
    }
    /* Each person answered is a read through the index: on the footing the evidence used, or as an index card. */
    for (int i = 0; i < nbest; i++) {
        /* within a contact, the entry names it: the evidence it carried is reviewable beside the read */
        char via[64] = "\"via\":\"match\"";
        if (in->contact)
            snprintf(via, sizeof via, "\"via\":\"contact_match\",\"contact\":%" PRId64, in->contact);
        char detail[256];
        snprintf(detail, sizeof detail, "{\"footing\":\"person_index\",%s}", via);
        if (best[i].footed) {
            char fj[160];
            access_footing_json(&best[i].footing, fj, sizeof fj);
            size_t n = strlen(fj);
            snprintf(detail, sizeof detail, "%.*s,%s}", (int)(n ? n - 1 : 0), fj, via);
        }
        if ((rc = http_audit(req, "read", "person", best[i].id, detail, 0, err))) {
            json_decref(items);
            return rc;
        }
        /* the person living with them whom somebody the contact names matched: read through the index too, for
         * the weight it lent (shown as the contact's person it matched, never as a card of its own) */
        if (best[i].family_with && best[i].family_member) {
            char fd[192];
            snprintf(fd, sizeof fd,
                     "{\"footing\":\"person_index\",\"via\":\"contact_match_family\",\"contact\":%" PRId64
                     ",\"candidate\":%" PRId64 "}",
                     in->contact, best[i].id);
            if ((rc = http_audit(req, "read", "person", best[i].family_member, fd, 0, err))) {
                json_decref(items);
                return rc;
            }
        }
    }
    *out = items;
    if (searched)
        *searched = searched_json(in, swapped, postcode, freq.n, compared);
    if (searched && in->contact) {
        /* what the contact carried, counted whatever the caller's footing on a candidate */
        json_t *given = json_array();
        if (postcode[0])
            json_array_append_new(given, json_string("postcode"));
        if ((in->vouched & (1u << LINK_C_ID)) && (r.nhs_number || r.nino || r.upn))
            json_array_append_new(given, json_string("identifiers"));
        if (in->nkin)
            json_array_append_new(given, json_string("family"));
        json_object_set_new(*searched, "contact", json_integer(in->contact));
        json_object_set_new(*searched, "from_contact", given);
    }
    return 0;
}

static const char *const FIELDS[] = {"given_name", "family_name", "date_of_birth", "sex", "postcode",
                                     "nhs_number", "nino", "upn"};

/* Each candidate's families, their open episodes and the team holding each ("families" on every item), so
 * that a second open episode is not started by mistake. Each episode shown is audited as read through the
 * index (via "match_families"), as triage history audits the episodes it shows. */
static int add_families(http_req *req, json_t *items, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *fams;
        int64_t pid = json_integer_value(json_object_get(json_object_get(it, "person"), "id"));
        int rc = model_triage_person_families(&ctx, pid, &fams, err);
        if (rc)
            return rc;
        size_t k, e;
        json_t *f, *ep;
        json_array_foreach(fams, k, f)
        {
            json_array_foreach(json_object_get(f, "open_episodes"), e, ep)
            {
                if ((rc = http_audit(req, "read", "episode", json_integer_value(json_object_get(ep, "id")),
                                     "{\"footing\":\"person_index\",\"via\":\"match_families\"}", 0, err)))
                    return rc;
            }
        }
        json_object_set(it, "families", fams);
    }
    return 0;
}

/* The answer of a check: each candidate's families added, then items in *out and what was searched in
 * *searched (or freed when searched is NULL); both freed on an error. */
static int answer(http_req *req, json_t *items, json_t *found_by, json_t **out, json_t **searched, core_error *err)
{
    int rc = add_families(req, items, err);
    if (rc) {
        json_decref(items);
        json_decref(found_by);
        return rc;
    }
    *out = items;
    if (searched)
        *searched = found_by;
    else
        json_decref(found_by);
    return 0;
}

int api_person_match_items(http_req *req, json_t *body, json_t **out, json_t **searched, core_error *err)
{
    *out = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int known = 0;
        for (size_t k = 0; k < sizeof(FIELDS) / sizeof(FIELDS[0]); k++)
            known |= strcmp(key, FIELDS[k]) == 0;
        if (!known) {
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "unknown field %s", key);
            return core_error_hint(err, "a match takes given_name, family_name, date_of_birth, sex, postcode, "
                                        "nhs_number, nino and upn");
        }
        if (!json_is_string(v) && !json_is_null(v))
            return core_error_set(err, CORE_E_WRONG_TYPE, "%s must be text", key);
    }
    incoming in = {text(body, "given_name"), text(body, "family_name"), text(body, "date_of_birth"),
                   text(body, "sex"),        text(body, "postcode"),    text(body, "nhs_number"),
                   text(body, "nino"),       text(body, "upn")};
    core_date d;
    if (in.dob && core_date_parse(in.dob, strlen(in.dob), &d) != 0)
        return core_error_set(err, CORE_E_INVALID_DATE, "date_of_birth must be a date YYYY-MM-DD");
    if (!in.given && !in.family && !in.dob && !in.nhs && !in.nino && !in.upn)
        return core_error_set(err, CORE_E_MISSING_FIELD, "a match needs a name, a date of birth or an identifier");
    /* The terms are recorded before the search runs, as for person search. */
    char *terms = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = http_audit(req, "search", "person", 0, terms, 0, err);
    free(terms);
    if (rc)
        return rc;
    json_t *items, *found_by;
    if ((rc = find(req, &in, 0, &items, &found_by, err)))
        return rc;
    return answer(req, items, found_by, out, searched, err);
}

int api_person_matches(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *items, *searched;
    if (http_body_json(req, &body, &err) || api_person_match_items(req, body, &items, &searched, &err))
        return http_reply_error(req, &err);
    /* what was searched, when nobody is answered (with someone answered, the evidence says why) */
    json_t *out = json_array_size(items) ? json_pack("{s:o}", "items", items)
                                         : json_pack("{s:o,s:o}", "items", items, "searched", searched);
    if (json_array_size(items))
        json_decref(searched);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_match_duplicates(http_req *req, json_t *created, json_t **out, core_error *err)
{
    *out = NULL;
    char dob[11] = "";
    const char *d = text(created, "date_of_birth");
    if (d)
        snprintf(dob, sizeof(dob), "%s", d);
    incoming in = {text(created, "given_name"), text(created, "family_name"), d ? dob : NULL, text(created, "sex"),
                   NULL, text(created, "nhs_number"), text(created, "nino"), text(created, "upn"), 0, 0, 1};
    if (!in.given && !in.family && !in.dob && !in.nhs && !in.nino && !in.upn)
        return 0;
    json_t *items;
    int rc = find(req, &in, json_integer_value(json_object_get(created, "id")), &items, NULL, err);
    if (rc)
        return rc;
    /* the warning is short: who, how likely, and where to see the evidence */
    json_t *list = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *person = json_object_get(it, "person");
        json_array_append_new(list, json_pack("{s:O,s:O,s:O}", "id", json_object_get(person, "id"), "probability",
                                              json_object_get(it, "probability"), "suggestion",
                                              json_object_get(it, "suggestion")));
    }
    json_decref(items);
    *out = list;
    return 0;
}

/* ---- "already known?" within a contact ------------------------------------------------------------------------
 *
 * POST /api/v1/contacts/{id}/matches: the check asked for one of the contact's children, or for the person
 * being typed into it, with what the contact carries counting whatever the caller's footing on a candidate:
 * the family's postcode as the caller gave it (contact.family_postcode) and, for a child recorded on the
 * contact, the identifiers recorded with them. That evidence comes from the stored contact, never from the
 * request body: the contact is recorded, audited and reviewable by governance, where a postcode typed into a
 * free search is a guess, which must not locate anybody (docs/access.md, finding 8; docs/decisions.md). Only
 * the front door triaging the contact (footing front_door: undecided, or in its grace period) may ask; the
 * search and every candidate's audit entry name the contact. */

static const char *const CONTACT_FIELDS[] = {"person_id",  "given_name", "family_name", "date_of_birth",
                                             "sex",        "nhs_number", "nino",        "upn"};

/* The caller's footing on contact: the front door's (access_decide, record.read); another footing, or none, is
 * refused (audited) with err set. 0 or the error's code. */
static int contact_footing(http_req *req, int64_t contact, access_footing *f, core_error *err)
{
    if (api_access_on(req, "contact", "contact", "contacts", contact, "record.read", f, err))
        return err->code;
    if (f->basis == ACCESS_ON_FRONT_DOOR)
        return 0;
    model_ctx ctx; /* an absent contact answers as absent, whatever the role may create */
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    model_contact_ev ev;
    int rc = model_contact_evidence(&ctx, contact, &ev, err);
    if (rc)
        return rc;
    core_error_set(err, CORE_E_FORBIDDEN, "\"already known?\" within a contact is for the front door triaging it");
    core_error_hint(err, "a contact's evidence counts for the front door while the contact is undecided or in its "
                         "grace period; search the index with POST /api/v1/people/matches instead");
    return api_refusal_audit(req, "person.search", "contact", contact, err);
}

/* The check for `in` within contact (the caller's footing on it already decided): the contact's postcode counts;
 * exclude is the child asked about (0: a person being typed). *out, *searched as find(). */
static int contact_find(http_req *req, int64_t contact, incoming *in, int64_t exclude, json_t **out,
                        json_t **searched, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    model_contact_ev ev;
    int rc = model_contact_evidence(&ctx, contact, &ev, err);
    if (rc)
        return rc;
    in->contact = contact;
    in->postcode = ev.postcode;
    in->vouched |= 1u << LINK_C_POSTCODE;
    /* the family the contact names: its other people, as recorded (the caller's own records on the contact) */
    json_t *others;
    if ((rc = model_contact_others(&ctx, contact, exclude, &others, err)))
        return rc;
    size_t n = json_array_size(others);
    if (n > FAMILY_MAX)
        n = FAMILY_MAX;
    link_record *fam = n ? core_arena_alloc(&req->arena, n * sizeof(*fam)) : NULL;
    int64_t *ids = n ? core_arena_alloc(&req->arena, n * sizeof(*ids)) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(others, i);
        ids[i] = json_integer_value(json_object_get(o, "id"));
        link_record_from(&req->arena, &fam[i], "", text(o, "given_name"), text(o, "family_name"),
                         text(o, "date_of_birth"), text(o, "sex"), NULL, NULL, NULL, NULL);
    }
    in->kin = fam;
    in->kin_ids = ids;
    in->nkin = (int)n;
    return find(req, in, exclude, out, searched, err);
}

/* A child of the contact as the check's incoming person: their recorded names, date of birth, sex and
 * identifiers (the identifiers count: the front door recorded them with the contact). The read is audited
 * on the contact's footing. */
static int contact_child_in(http_req *req, int64_t contact, int64_t person, const access_footing *f,
                            incoming *in, core_error *err)
{
    model_ctx ctx;
    model_ctx_init(&ctx, req->db, &req->arena, req->who.user_id);
    json_t *c;
    int rc = model_contact_child(&ctx, contact, person, &c, err);
    if (rc)
        return rc;
    char fj[160];
    access_footing_json(f, fj, sizeof fj);
    size_t n = strlen(fj);
    const char *detail = core_arena_printf(&req->arena, "%.*s,\"via\":\"contact_match\",\"contact\":%" PRId64 "}",
                                           (int)(n ? n - 1 : 0), fj, contact);
    if ((rc = http_audit(req, "read", "person", person, detail, 0, err)))
        return rc;
    *in = (incoming){text(c, "given_name"), text(c, "family_name"), text(c, "date_of_birth"), text(c, "sex"),
                     NULL, text(c, "nhs_number"), text(c, "nino"), text(c, "upn"), 0, 1u << LINK_C_ID};
    return 0;
}

int api_contact_match_items(http_req *req, int64_t contact, json_t *body, json_t **out, json_t **searched,
                            core_error *err)
{
    *out = NULL;
    if (searched)
        *searched = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int known = 0;
        for (size_t k = 0; k < sizeof(CONTACT_FIELDS) / sizeof(CONTACT_FIELDS[0]); k++)
            known |= strcmp(key, CONTACT_FIELDS[k]) == 0;
        if (!known) {
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "unknown field %s", key);
            if (strcmp(key, "postcode") == 0)
                return core_error_hint(err, "within a contact the family's postcode is the contact's own "
                                            "(family_postcode): record it on the contact");
            return core_error_hint(err, "a match within a contact takes person_id (one of its children), or "
                                        "given_name, family_name, date_of_birth, sex, nhs_number, nino and upn");
        }
        if (strcmp(key, "person_id") == 0 ? !json_is_integer(v) || json_integer_value(v) < 1
                                          : !json_is_string(v) && !json_is_null(v))
            return core_error_set(err, CORE_E_WRONG_TYPE, strcmp(key, "person_id") == 0 ? "%s must be a record id"
                                                                                        : "%s must be text",
                                  key);
    }
    int64_t person = json_integer_value(json_object_get(body, "person_id"));
    if (person && json_object_size(body) > 1)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "person_id is asked about as recorded: give it alone");
    incoming in = {text(body, "given_name"), text(body, "family_name"), text(body, "date_of_birth"),
                   text(body, "sex"),        NULL,                      text(body, "nhs_number"),
                   text(body, "nino"),       text(body, "upn"),         0,
                   0};
    core_date d;
    if (in.dob && core_date_parse(in.dob, strlen(in.dob), &d) != 0)
        return core_error_set(err, CORE_E_INVALID_DATE, "date_of_birth must be a date YYYY-MM-DD");
    if (!person && !in.given && !in.family && !in.dob && !in.nhs && !in.nino && !in.upn)
        return core_error_set(err, CORE_E_MISSING_FIELD,
                              "a match needs person_id, a name, a date of birth or an identifier");
    access_footing f;
    int rc = contact_footing(req, contact, &f, err);
    if (rc)
        return rc;
    /* The terms are recorded before the search runs, with the contact that lends its evidence. */
    json_t *terms = json_deep_copy(body);
    json_object_set_new(terms, "contact", json_integer(contact));
    char *t = json_dumps(terms, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(terms);
    rc = http_audit(req, "search", "person", 0, t, 0, err);
    free(t);
    if (rc)
        return rc;
    if (person && (rc = contact_child_in(req, contact, person, &f, &in, err)))
        return rc;
    json_t *items, *found_by;
    if ((rc = contact_find(req, contact, &in, person, &items, &found_by, err)))
        return rc;
    return answer(req, items, found_by, out, searched, err);
}

int api_contact_matches(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *body, *items, *searched;
    if (http_body_json(req, &body, &err) || api_contact_match_items(req, req->ids[0], body, &items, &searched, &err))
        return http_reply_error(req, &err);
    json_t *out = json_array_size(items) ? json_pack("{s:o}", "items", items)
                                         : json_pack("{s:o,s:o}", "items", items, "searched", searched);
    if (json_array_size(items))
        json_decref(searched);
    int rc = http_reply_json(req, 200, out);
    json_decref(out);
    return rc;
}

int api_match_contact_duplicates(http_req *req, int64_t contact, int64_t person, json_t **out, core_error *err)
{
    *out = NULL;
    /* asked quietly: a writer without the front door's footing gets no warning, and no refusal either */
    access_footing f;
    access_target t = {"contact", "contact", contact, NULL, 0};
    core_error denied;
    core_error_clear(&denied);
    if (access_decide(req->db, &req->who, "record.read", &t, &f, &denied) != ACCESS_ALLOW ||
        f.basis != ACCESS_ON_FRONT_DOOR)
        return 0;
    incoming in;
    int rc = contact_child_in(req, contact, person, &f, &in, err);
    if (rc == CORE_E_NOT_FOUND) { /* restricted or merged: nobody to warn of */
        core_error_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    json_t *items;
    in.warn = 1;
    if ((rc = contact_find(req, contact, &in, person, &items, NULL, err)))
        return rc;
    json_t *list = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *p = json_object_get(it, "person");
        json_array_append_new(list, json_pack("{s:O,s:O,s:O}", "id", json_object_get(p, "id"), "probability",
                                              json_object_get(it, "probability"), "suggestion",
                                              json_object_get(it, "suggestion")));
    }
    json_decref(items);
    *out = list;
    return 0;
}
