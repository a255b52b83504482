/*
 * link_match.h — one incoming person against a handful of candidates: the front door's "is this child already
 * known?" and the duplicate warning when a person is recorded. The same comparisons and weights as the batch
 * engine (link.h), one pair at a time, with a model's parameters given (a trained model, or the generic
 * defaults of link_model_defaults()).
 */
#ifndef HEARTH_LINK_MATCH_H
#define HEARTH_LINK_MATCH_H

#include "link/link.h"

/* The comparison vector of a pair (link_engine.c). */
void link_compare_records(const link_record *a, const link_record *b, int use_ids, uint8_t lv[LINK_NCOMP]);

/* Generic parameters for when no model has been trained on the data: m and u per level, set by hand from the
 * usual behaviour of person records (documented in link_match.c), and lambda for an index of n people (the
 * chance that an incoming record is one particular person of the index, taking half of incoming records to be
 * somebody already known). */
void link_model_defaults(link_model *m, uint64_t n);

/* Fill a link_record from raw values (any may be NULL): names folded, nickname and phonetic codes, date of
 * birth 'YYYY-MM-DD', sex 'M'/'F', postcode, identifiers. Strings in arena a. */
void link_record_from(core_arena *a, link_record *r, const char *id, const char *given, const char *family,
                      const char *dob, const char *sex, const char *postcode, const char *nhs, const char *nino,
                      const char *upn);

/* The match weight of a pair under m (no term-frequency adjustment); lv and contrib (each may be NULL) get the
 * comparison vector and each comparison's contribution. */
double link_score_pair(const link_model *m, const link_record *a, const link_record *b, uint8_t lv[LINK_NCOMP],
                       double contrib[LINK_NCOMP]);

/* ---- what agreement is worth in an index of this size ----
 *
 * A generic u (how often two different people agree on a field) says, for example, that one pair in 200
 * shares a family name: right on average, wrong for "Smith" and for "Kowalczyk", and blind to the size of the
 * index. At the front door the question is sharper: how many people of THIS index other than the candidate
 * share the incoming person's value? Under the front door's prior (the person asked about is somebody of the
 * index with even chances, 0.5 / n for each person) the posterior odds of a candidate are then, up to m, one
 * half over the number of unrelated people of the index expected to agree on everything the candidate agrees
 * on by coincidence: an agreement is worth what it would be surprising to see among n people.
 *
 * link_freq holds those chances for one incoming person, read from the index (src/pindex/pindex_freq.c):
 * each is (others + 1) / (n + 1 / u0), where others is how many people of the index other than the candidate
 * hold the value and u0 the generic u: one pseudo-person at the generic rate, so that a small index (a new
 * council, a test) keeps the generic weights and a large one speaks for itself. 0 means "not known": the
 * model's u is used. */
typedef struct link_freq {
    double n;              /* people in the index */
    /* the chance that somebody else holds the incoming person's value: */
    double given;          /* exact given name */
    double family;         /* exact family name */
    double dob;            /* exact date of birth */
    double dob_swapped;    /* the date with day and month swapped */
    double postcode;       /* exact current postcode */
    /* Values held together, as the number of people of the index other than the candidate holding all of
     * them, plus one (0: not counted). Names run in families and communities ("Mohamed Osman", "Harvinder
     * Gill") and a household shares its family name, its postcode and sometimes a birthday: when several
     * fields agree, what is surprising is how few people hold the values together. Their joint chance is
     * (held) / (n + 1 / u0), u0 the product of the generic chances, as for one value; never below the
     * product of the single chances. So a pair of names nobody else holds is as surprising as a name nobody
     * else holds only in an index large enough to say so, whatever the single chances multiply to. */
    double given_family, given_dob, family_dob, given_family_dob, family_postcode;
} link_freq;

/* The probability from which the front door answers a candidate (POST /api/v1/people/matches and the
 * duplicate warning on recording a person). With u read from the index (link_freq) a candidate's probability
 * means the same at any size of index; at 0.25 one suggestion in four at the threshold is the person. The
 * engine's review band (0.05) suits a queue a person works through; at the front door every answer is put to a
 * practitioner who asked about somebody else, and 0.25 keeps people new to the index answered with somebody
 * about as often as the generic weights did at a million (bench/frontdoor: 0.026 both, with 0.85 of known
 * people answered instead of 0.82). Runs over the index keep the engine's own band (link_model_defaults). */
#define LINK_MATCH_ANSWER_PROBABILITY 0.25
/* The probability from which recording a person warns of a possible duplicate ("possible_duplicates"): the
 * engine's review band. The costs differ from a search's: a warning about somebody else costs the recorder
 * a glance at an index card, while a duplicate missed gives a child two chronologies, and the second
 * practitioner does not see what the first knew. */
#define LINK_MATCH_WARN_PROBABILITY 0.05

/* u0, the chance the generic model gives an exact agreement on field c (LINK_C_*), for link_freq's prior. */
double link_freq_prior_u(int c);
/* (others + 1) / (n + 1 / u0): see link_freq. others < 0 counts as 0. */
double link_freq_chance(double others, double n, double u0);

/* The match weight of a pair as link_score_pair, with u for the exact agreements f knows (f may be NULL: the
 * model's u throughout). A name's nickname, typo or phonetic agreement, a postcode's sector and the like keep
 * the model's u: the index is asked only about the incoming person's own values. Two readings of the names
 * beyond link_compare_records(): a given name written as an initial that agrees with the other's first
 * letter is "alike" rather than "different"; names written the other way round with a typo besides are
 * compared crosswise (each level no better than for names exactly the other way round) when that says
 * more. */
double link_score_pair_freq(const link_model *m, const link_freq *f, const link_record *a, const link_record *b,
                            uint8_t lv[LINK_NCOMP], double contrib[LINK_NCOMP]);

#endif
