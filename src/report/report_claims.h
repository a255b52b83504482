/*
 * report_claims.h — Supporting Families outcome claims: which families may be claimed for, with the evidence
 * per need, and the claim once a person has signed it off (docs/claims.md).
 *
 * What it is for: the outcome framework is versioned reference data (sf_framework, sf_headline, sf_need: the
 * needs under each headline, what evidences each outcome, how long it must be sustained). A family's closed
 * episode on the programme is claimable when every condition holds:
 *
 *   dependent_child          a member under 18 when the episode closed, or an unborn child
 *   needs_identified         at least the framework's claim_min_needs needs (distinct headlines when the
 *                            version says so)
 *   lead_practitioner        a lead practitioner recorded
 *   whole_family_assessment  an assessment completed
 *   plan                     a plan, with a goal under every need's headline
 *   support_delivered        an activity attended, or a plan action done
 *   outcomes_met             every identified need's outcome recorded as met
 *   sustained                every need checked still met (sustained_on) at least its sustain period after
 *                            the episode closed, and that date reached
 *   not_claimed              no claim yet for the family under this framework version
 *
 * The checker only lists; a person decides. report_claims_record() re-checks and records the claim in one
 * transaction (sf_claim is unique per family and version), so a family is never claimed twice.
 *
 * Invariants: the checker reads and never writes; a claim is recorded only when every condition holds at the
 * moment it is recorded; free text (the recorded evidence) is included only when the caller asks.
 */
#ifndef HEARTH_REPORT_CLAIMS_H
#define HEARTH_REPORT_CLAIMS_H

#include <jansson.h>
#include <stdint.h>

#include "audit/audit.h"
#include "core/core_arena.h"
#include "core/core_error.h"
#include "store/store.h"

/* The closed programme episodes (one when episode is non-zero) as of as_of, each checked: *out is a new JSON
 * array of {episode_id, family_id, framework, closed_on, claimable, conditions:[{condition, met, detail}],
 * needs:[...evidence...], claim:null|{id, claimed_on, signed_off_by}}. with_text: include the free-text
 * evidence recorded on the needs. only_claimable: leave the others out. 0 or a negative code. */
int report_claims_check(store *s, core_arena *a, const char *as_of, int64_t episode, int with_text,
                        int only_claimable, json_t **out, core_error *err);

/* Record the claim for episode as of as_of, signed off by user_id (0: the command line) named name: re-checks
 * it inside one transaction and writes the sf_claim row and its audit outbox event (actor from ev). 0 and
 * *claim_id; CORE_E_NOT_FOUND (no such closed programme episode), CORE_E_CONFLICT (a condition fails, named in
 * the detail; or already claimed). */
int report_claims_record(store *s, core_arena *a, const char *as_of, int64_t episode, int64_t user_id,
                         const char *name, const audit_event *ev, int64_t *claim_id, core_error *err);

#endif
