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

#endif
