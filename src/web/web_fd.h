/*
 * web_fd.h — what the front door's two files share (web_frontdoor.c: the queue, the question pages, check
 * your answers, recording, the decision; web_fd_known.c: the contact recorded once its details are entered,
 * "already known?" asked within it, live and as a page, and the script that makes it live).
 */
#ifndef HEARTH_WEB_FD_H
#define HEARTH_WEB_FD_H

#include "web/web_internal.h"

/* The answers of the question page. */
typedef struct fd_contact {
    const char *channel, *contactor_type, *contactor_name, *source_code, *reason;
    const char *given_name, *family_name, *sex, *postcode, *address, *school, *known;
    const char *rd, *rm, *ry, *bd, *bm, *by; /* the date inputs as typed */
    const char *contact_text;                /* the hidden "contact": the contact recorded so far, or "" */
    int64_t contact;                          /* its id (0: none yet) */
    char received[11], dob[11];
    const char *e_channel, *e_received, *e_contactor_type, *e_contactor_name, *e_source, *e_reason, *e_given,
        *e_family, *e_dob, *e_sex, *e_postcode, *e_address, *e_school, *e_known;
    int errors;       /* every error of the page */
    int contact_errors; /* those of the contact's own questions (not the child's) */
} fd_contact;

/* Read and check every answer of the question page into c (web_frontdoor.c). 0, or the error's code when the
 * reference lists cannot be read (err set). */
int web_fd_read(http_req *req, fd_contact *c, core_error *err);

/* The contact the answers describe, recorded the first time its details are all given (api_record_create,
 * as POST /api/v1/contacts) and brought up to date after (only what changed: api_record_update), so that
 * "already known?" is asked within it. Sets c->contact. 0 or the error's code (err set). */
int web_fd_contact_ensure(http_req *req, fd_contact *c, core_error *err);

/* "Already known?" for the child of c, within c's contact (api_contact_match_items: the contact's postcode
 * counts): *items and *searched new references (searched NULL when somebody was answered). 0 or the error's
 * code. */
int web_fd_known_items(http_req *req, fd_contact *c, json_t **items, json_t **searched, core_error *err);

/* Text for the practitioner: a candidate's evidence ("given name exact, date of birth exact, postcode exact
 * (from the contact)"), and what a search that answered nobody looked for. Arena strings. */
const char *web_fd_evidence_text(http_req *req, json_t *item);
const char *web_fd_searched_text(http_req *req, json_t *searched);

/* A candidate's index card as a line ("NAME born DATE"), a family's open episodes as text ("Open episode with
 * TEAM since DATE (LEAD)", or none), and whether c->known is one of the choices the candidates offer
 * ("pPERSONfFAMILY", "pPERSONf0" or "new"). */
const char *web_fd_card_name(http_req *req, json_t *p);
const char *web_fd_episodes_text(http_req *req, json_t *eps);
int web_fd_known_valid(http_req *req, const fd_contact *c, json_t *items);

/* The "already known?" panel of the question page, before anything is asked. */
web_raw web_fd_known_panel(http_req *req);

/* POST /front-door/known and the script that calls it are declared in web_internal.h (routes and assets). */

#endif
