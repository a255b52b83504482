/*
 * web_case.h — the practitioner's, team manager's and partner's pages of a case (issue 11): the episode's
 * page, the family's chronology, a person's page, the manager's closure sign-off list, and the question
 * pages that record a case's work (web_case_forms.c).
 */
#ifndef HEARTH_WEB_CASE_H
#define HEARTH_WEB_CASE_H

#include "web/web_internal.h"

int web_episode(http_req *req);        /* GET /episodes/{id} */
int web_closures(http_req *req);       /* GET /closures: the team's requests to close, for its manager */
int web_person(http_req *req);         /* GET /people/{id} */
int web_case_form_get(http_req *req);  /* GET /<kind>/{id}/<form> */
int web_case_form_post(http_req *req); /* POST /<kind>/{id}/<form> */

/* The family page's chronology and its episodes (web_chronology.c): contacts, episodes, assessments, plans,
 * reviews, notes and activities, newest first, each read as its GET reads it; a section the user may not
 * read is left out. 0 or the error's code. */
int web_family_chronology(http_req *req, int64_t family, core_buf *out, core_error *err);

/* The team manager's supervision records and the earlier versions of an edited record (web_supervision.c).
 * web_case_supervision adds the episode's "Supervision" section to out (left out when the access decision
 * does not open it, and when empty for anyone but the case's lead and a manager; manager 1 links to recording
 * one): 0 or the error's code. */
int web_case_supervision(http_req *req, int64_t episode, int64_t lead, int manager, core_buf *out,
                         core_error *err);
int web_team_supervision(http_req *req); /* GET /team/supervision */
int web_record_history(http_req *req);   /* GET /notes/{id}/history, /reviews/{id}/history */

/* The banner text of a form just saved (?done=<slug>), or NULL for anything else. */
const char *web_case_done(const char *slug);

/* 1 when err is a refusal (403, 404) a section is left out for. */
int web_case_refused(const core_error *err);
/* A person's name as a page shows it: preferred or given name, then the family name. */
const char *web_case_person_name(http_req *req, json_t *p);

#endif
