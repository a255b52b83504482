/*
 * report_claims.c — Supporting Families outcome claims (contract and conditions in report_claims.h; the rules in
 * docs/claims.md).
 *
 * Reading guide: the statements (the candidates, one episode's facts, its needs with their framework entries,
 * the framework's claim rules), check_one() which turns them into conditions and evidence, the list, then the
 * claim's record.
 */
#include "report/report_claims.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_clock.h"
#include "core/core_date.h"

/* Closed programme episodes, ended by $1 (all, or the one $2 names): the episode, family, end date, lead, and
 * the framework version its needs were identified under (the newest, if several). */
static const char SQL_CANDIDATES[] =
    "SELECT e.id, e.family_id, e.end_date, e.lead_user_id,\n"
    "       (SELECT max(n.framework)\n"
    "          FROM assessment_need n\n"
    "          JOIN assessment s ON s.id = n.assessment_id\n"
    "         WHERE s.episode_id = e.id)\n"
    "  FROM episode e\n"
    " WHERE e.programme_id IS NOT NULL\n"
    "   AND e.end_date IS NOT NULL\n"
    "   AND e.end_date <= $1\n"
    "   AND ($2 = 0 OR e.id = $2)\n"
    " ORDER BY e.end_date, e.id";

/* One episode ($1, of family $2, closed on $3 less 18 years = $3, framework $4): completed assessments, plans,
 * support delivered (activities attended and plan actions done), dependent children (born after $3, or
 * expected), and a claim already made for the family under the version (its id, date, who signed it off). */
static const char SQL_FACTS[] =
    "SELECT (SELECT count(*) FROM assessment s WHERE s.episode_id = $1 AND s.completed_on IS NOT NULL),\n"
    "       (SELECT count(*) FROM plan p WHERE p.episode_id = $1),\n"
    "       (SELECT count(*) FROM activity a WHERE a.episode_id = $1 AND a.attended = 1)\n"
    "         + (SELECT count(*) FROM plan_action x JOIN plan p ON p.id = x.plan_id\n"
    "             WHERE p.episode_id = $1 AND x.status = 'done'),\n"
    "       (SELECT count(*) FROM family_member fm JOIN person p ON p.id = fm.person_id\n"
    "         WHERE fm.family_id = $2 AND p.merged_into IS NULL\n"
    "           AND (p.date_of_birth > $3 OR (p.date_of_birth IS NULL AND p.expected_date IS NOT NULL))),\n"
    "       (SELECT c.id FROM sf_claim c WHERE c.family_id = $2 AND c.framework = $4),\n"
    "       (SELECT c.claimed_on FROM sf_claim c WHERE c.family_id = $2 AND c.framework = $4),\n"
    "       (SELECT c.signed_off_name FROM sf_claim c WHERE c.family_id = $2 AND c.framework = $4)";

/* The episode's needs with their outcomes, and from the framework: the need's descriptor, success measure and
 * sustain period (the need's own, else the longest under its headline), and the plan's goals under its
 * headline. */
static const char SQL_NEEDS[] =
    "SELECT n.id, n.headline, n.need_code, n.evidence, n.outcome, n.outcome_on, n.outcome_evidence,\n"
    "       n.sustained_on,\n"
    "       coalesce((SELECT d.sustain_months FROM sf_need d WHERE d.version = n.framework AND d.code = n.need_code),\n"
    "                (SELECT max(d.sustain_months) FROM sf_need d\n"
    "                  WHERE d.version = n.framework AND d.headline = n.headline)),\n"
    "       (SELECT d.descriptor FROM sf_need d WHERE d.version = n.framework AND d.code = n.need_code),\n"
    "       (SELECT d.success_criteria FROM sf_need d WHERE d.version = n.framework AND d.code = n.need_code),\n"
    "       (SELECT count(*) FROM plan_goal g JOIN plan p ON p.id = g.plan_id\n"
    "         WHERE p.episode_id = $1 AND g.headline = n.headline)\n"
    "  FROM assessment_need n\n"
    "  JOIN assessment s ON s.id = n.assessment_id\n"
    " WHERE s.episode_id = $1\n"
    " ORDER BY n.headline, n.id";

enum { N_ID, N_HEADLINE, N_CODE, N_EVIDENCE, N_OUTCOME, N_OUTCOME_ON, N_OUTCOME_EVIDENCE, N_SUSTAINED_ON,
       N_SUSTAIN_MONTHS, N_DESCRIPTOR, N_SUCCESS, N_GOALS };

/* The framework version's claim rules. */
static const char SQL_FRAMEWORK[] =
    "SELECT f.claim_min_needs, f.claim_distinct_headlines FROM sf_framework f WHERE f.version = $1";

static const char SQL_RECORD[] =
    "INSERT INTO sf_claim (family_id, episode_id, framework, claimed_on, signed_off_by, signed_off_name, evidence,\n"
    "                      created_at)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)\n"
    "RETURNING id";

static void condition(json_t *list, int *all, const char *name, int met, json_t *detail)
{
    json_array_append_new(list, json_pack("{s:s,s:b,s:o}", "condition", name, "met", met, "detail", detail));
    *all &= met;
}

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Check one candidate (the current row of the candidates statement, copied into the arguments). *out: the
 * candidate's object. */
static int check_one(store *s, core_arena *a, const char *as_of, int64_t episode, int64_t family,
                     const char *closed_on, int has_lead, const char *framework, int with_text, json_t **out,
                     core_error *err)
{
    core_date closed, today;
    if (core_date_parse(closed_on, strlen(closed_on), &closed) || core_date_parse(as_of, strlen(as_of), &today))
        return core_error_set(err, CORE_E_INVALID_DATE, "a date is not YYYY-MM-DD");
    char adult_born[11];
    core_date_format(core_date_add_years(closed, -18), adult_born);
    store_value p[] = {store_v_int(episode), store_v_int(family), store_v_text(adult_born),
                       store_v_text(framework ? framework : "")};
    store_stmt *st;
    int rc = store_query(s, a, SQL_FACTS, p, 4, &st, err);
    if (rc || (rc = store_next(st, err)) != 1)
        return rc < 0 ? rc : core_error_set(err, CORE_E_INTERNAL, "the episode's facts were not read");
    int64_t assessed = store_col_int(st, 0), plans = store_col_int(st, 1), support = store_col_int(st, 2),
            children = store_col_int(st, 3);
    json_t *claim = store_col_type(st, 4) == STORE_NULL
                        ? json_null()
                        : json_pack("{s:I,s:s,s:s}", "id", (json_int_t)store_col_int(st, 4), "claimed_on",
                                    store_col_text(st, 5, NULL), "signed_off_by", store_col_text(st, 6, NULL));
    store_done(st);
    int64_t min_needs = 3, distinct_headlines = 0;
    if (framework) {
        store_value f[] = {store_v_text(framework)};
        if ((rc = store_query(s, a, SQL_FRAMEWORK, f, 1, &st, err)) == 0 && (rc = store_next(st, err)) == 1) {
            min_needs = store_col_int(st, 0);
            distinct_headlines = store_col_int(st, 1);
            store_done(st);
            rc = 0;
        }
        if (rc < 0) {
            json_decref(claim);
            return rc;
        }
    }
    /* The needs, with their evidence. */
    json_t *needs = json_array();
    size_t n = 0, met = 0, sustained = 0, planned = 0, distinct = 0, headlines = 0;
    const char *seen[64], *seen_h[16];
    rc = store_query(s, a, SQL_NEEDS, p, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        n++;
        const char *headline = store_col_text(st, N_HEADLINE, NULL), *code = store_col_text(st, N_CODE, NULL);
        const char *key = core_arena_printf(a, "%s/%s", headline, code ? code : "");
        size_t k;
        for (k = 0; k < distinct && strcmp(seen[k], key) != 0; k++)
            ;
        if (k == distinct && distinct < 64)
            seen[distinct++] = key;
        for (k = 0; k < headlines && strcmp(seen_h[k], headline) != 0; k++)
            ;
        if (k == headlines && headlines < 16)
            seen_h[headlines++] = core_arena_strdup(a, headline);
        const char *outcome = store_col_text(st, N_OUTCOME, NULL), *held = store_col_text(st, N_SUSTAINED_ON, NULL);
        int is_met = outcome && strcmp(outcome, "met") == 0;
        int months = store_col_type(st, N_SUSTAIN_MONTHS) == STORE_NULL ? -1 : (int)store_col_int(st, N_SUSTAIN_MONTHS);
        char due[11] = "";
        core_date d = core_date_add_months(closed, months < 0 ? 0 : months), h;
        core_date_format(d, due);
        int is_sustained = is_met && months >= 0 && held && core_date_parse(held, strlen(held), &h) == 0 &&
                           core_date_cmp(h, d) >= 0 && core_date_cmp(h, today) <= 0;
        met += is_met;
        sustained += is_sustained;
        planned += store_col_int(st, N_GOALS) > 0;
        json_t *e = json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}", "need_id",
                              (json_int_t)store_col_int(st, N_ID), "headline", headline, "need_code", text_or_null(code),
                              "descriptor", text_or_null(store_col_text(st, N_DESCRIPTOR, NULL)), "success_measure",
                              text_or_null(store_col_text(st, N_SUCCESS, NULL)), "outcome", text_or_null(outcome),
                              "outcome_on", text_or_null(store_col_text(st, N_OUTCOME_ON, NULL)), "sustain_months",
                              months < 0 ? json_null() : json_integer(months), "sustain_due",
                              months < 0 ? json_null() : json_string(due), "sustained_on", text_or_null(held),
                              "met", is_met, "sustained", is_sustained);
        json_object_set_new(e, "in_plan", json_boolean(store_col_int(st, N_GOALS) > 0));
        if (with_text) {
            json_object_set_new(e, "identified_evidence", text_or_null(store_col_text(st, N_EVIDENCE, NULL)));
            json_object_set_new(e, "outcome_evidence", text_or_null(store_col_text(st, N_OUTCOME_EVIDENCE, NULL)));
        }
        json_array_append_new(needs, e);
    }
    if (rc < 0) {
        json_decref(needs);
        json_decref(claim);
        return rc;
    }
    json_t *conds = json_array();
    int all = 1;
    size_t counted = distinct_headlines ? headlines : distinct;
    condition(conds, &all, "dependent_child", children > 0, json_pack("{s:I}", "children", (json_int_t)children));
    condition(conds, &all, "needs_identified", framework && (int64_t)counted >= min_needs,
              json_pack("{s:I,s:I,s:s}", "identified", (json_int_t)counted, "required", (json_int_t)min_needs, "of",
                        distinct_headlines ? "headlines" : "needs"));
    condition(conds, &all, "lead_practitioner", has_lead, json_null());
    condition(conds, &all, "whole_family_assessment", assessed > 0,
              json_pack("{s:I}", "completed_assessments", (json_int_t)assessed));
    condition(conds, &all, "plan", plans > 0 && n > 0 && planned == n,
              json_pack("{s:I,s:I,s:I}", "plans", (json_int_t)plans, "needs_with_a_goal", (json_int_t)planned, "needs",
                        (json_int_t)n));
    condition(conds, &all, "support_delivered", support > 0, json_pack("{s:I}", "delivered", (json_int_t)support));
    condition(conds, &all, "outcomes_met", n > 0 && met == n,
              json_pack("{s:I,s:I}", "met", (json_int_t)met, "needs", (json_int_t)n));
    condition(conds, &all, "sustained", n > 0 && sustained == n,
              json_pack("{s:I,s:I}", "sustained", (json_int_t)sustained, "needs", (json_int_t)n));
    condition(conds, &all, "not_claimed", json_is_null(claim), json_null());
    *out = json_pack("{s:I,s:I,s:o,s:s,s:b,s:o,s:o,s:o}", "episode_id", (json_int_t)episode, "family_id",
                     (json_int_t)family, "framework", text_or_null(framework), "closed_on", closed_on, "claimable", all,
                     "conditions", conds, "needs", needs, "claim", claim);
    return 0;
}

typedef struct candidate {
    int64_t episode, family;
    const char *closed_on, *framework;
    int has_lead;
} candidate;

static int candidates(store *s, core_arena *a, const char *as_of, int64_t episode, candidate **out, size_t *n,
                      core_error *err)
{
    size_t cap = 64;
    *out = core_arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    store_value p[] = {store_v_text(as_of), store_v_int(episode)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_CANDIDATES, p, 2, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        if (*n == cap) {
            candidate *more = core_arena_alloc(a, 2 * cap * sizeof(*more));
            memcpy(more, *out, cap * sizeof(*more));
            *out = more, cap *= 2;
        }
        candidate *c = &(*out)[(*n)++];
        c->episode = store_col_int(st, 0);
        c->family = store_col_int(st, 1);
        c->closed_on = core_arena_strdup(a, store_col_text(st, 2, NULL));
        c->has_lead = store_col_type(st, 3) != STORE_NULL;
        const char *f = store_col_text(st, 4, NULL);
        c->framework = f ? core_arena_strdup(a, f) : NULL;
    }
    return rc < 0 ? rc : 0;
}

int report_claims_check(store *s, core_arena *a, const char *as_of, int64_t episode, int with_text,
                        int only_claimable, json_t **out, core_error *err)
{
    core_date d;
    if (!as_of || core_date_parse(as_of, strlen(as_of), &d))
        return core_error_set(err, CORE_E_INVALID_DATE, "the date to check on must be YYYY-MM-DD");
    candidate *c;
    size_t n;
    int rc = candidates(s, a, as_of, episode, &c, &n, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *one = NULL;
        rc = check_one(s, a, as_of, c[i].episode, c[i].family, c[i].closed_on, c[i].has_lead, c[i].framework,
                       with_text, &one, err);
        if (rc == 0 && (!only_claimable || json_is_true(json_object_get(one, "claimable"))))
            json_array_append(list, one);
        json_decref(one);
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}

int report_claims_record(store *s, core_arena *a, const char *as_of, int64_t episode, int64_t user_id,
                         const char *name, const audit_event *ev, int64_t *claim_id, core_error *err)
{
    *claim_id = 0;
    if (!name || !name[0])
        return core_error_set(err, CORE_E_INVALID_VALUE, "a claim is signed off by a named person");
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    json_t *list = NULL;
    rc = report_claims_check(s, a, as_of, episode, 1, 0, &list, err);
    json_t *one = rc == 0 ? json_array_get(list, 0) : NULL;
    if (rc == 0 && !one) {
        core_error_set(err, CORE_E_NOT_FOUND, "no closed programme episode %" PRId64 " as of %s", episode, as_of);
        rc = core_error_hint(err, "a claim is for an episode on the programme that has closed");
    }
    if (rc == 0 && !json_is_true(json_object_get(one, "claimable"))) {
        char failed[200] = "";
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(one, "conditions"), i, c)
        {
            if (json_is_true(json_object_get(c, "met")))
                continue;
            size_t l = strlen(failed);
            snprintf(failed + l, sizeof failed - l, "%s%s", l ? ", " : "",
                     json_string_value(json_object_get(c, "condition")));
        }
        core_error_set(err, CORE_E_CONFLICT, "the family is not claimable: %s", failed);
        rc = core_error_hint(err, "GET /api/v1/claims lists each condition with its evidence");
    }
    if (rc == 0) {
        char today[11], now[21];
        core_clock_today(today);
        core_clock_iso(0, now);
        char *evidence = json_dumps(json_object_get(one, "needs"), JSON_COMPACT);
        int64_t family = json_integer_value(json_object_get(one, "family_id"));
        const char *framework = json_string_value(json_object_get(one, "framework"));
        store_value v[] = {store_v_int(family), store_v_int(episode), store_v_text(framework), store_v_text(today),
                           user_id ? store_v_int(user_id) : store_v_null(), store_v_text(name),
                           store_v_text(evidence ? evidence : "[]"), store_v_text(now)};
        rc = store_query_int(s, a, SQL_RECORD, v, 8, claim_id, err);
        free(evidence);
        if (rc == 0) {
            char detail[160];
            snprintf(detail, sizeof detail, "{\"family_id\":%" PRId64 ",\"episode_id\":%" PRId64 "}", family, episode);
            audit_event e = {ev ? ev->actor_user_id : 0, ev ? ev->actor_role : NULL, "claim", "sf_claim", *claim_id,
                             detail, ev ? ev->client_address : NULL};
            rc = audit_outbox_add(s, &e, NULL, err);
        }
    }
    json_decref(list);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    return rc;
}
