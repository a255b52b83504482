/*
 * web_internal.h — what the page handlers share: rendering into the layout, small fragments, the app.
 */
#ifndef HEARTH_WEB_INTERNAL_H
#define HEARTH_WEB_INTERNAL_H

#include <jansson.h>

#include "api/api.h"
#include "web/web.h"
#include "web/web_strings.h"
#include "web_templates.h"

enum { WEB_PAGE_MAX = 4 * 1024 * 1024 }; /* the largest page, in bytes */
/* How long before the idle time-out a signed-in page warns that the session is about to end (the warning and
 * its "stay signed in" are hearth-init.js's; without JavaScript the session simply ends). */
enum { WEB_IDLE_WARN_SECONDS = 120 };

typedef struct web_asset {
    char *path;              /* "/assets/fonts/bold-b542beb274-v2.woff2" */
    const char *content_type;
    char *data;
    size_t len;
} web_asset;

struct web_app {
    web_asset *assets;
    size_t nassets;
    char *css_href, *init_href; /* the stylesheet's and the start-up script's paths (named by their hash) */
    char *known_href;           /* the front door's "already known?" script (web_fd_known.c), likewise */
    char *jobs_href;            /* the script that keeps a job's progress up to date (web_jobs.c), likewise */
    char *council;
};

/* The web_app of the request's server (NULL when the server was started without one). */
const web_app *web_app_of(http_req *req);

/* A fresh arena buffer for a fragment; web_render turns it into a web_raw (the one way fragments are made). */
core_buf *web_buf(http_req *req);
web_raw web_render(core_buf *b);

/* Reply status with main inside the layout, titled "PAGE – Hearth – COUNCIL" (with "Error: " first when
 * error is 1). */
int web_reply_page(http_req *req, int status, const char *page_title, int error, web_raw main);

/* Fragments. */
web_raw web_th(http_req *req, const char *const *heads, size_t n);
web_raw web_table(http_req *req, const char *caption, web_raw head, web_raw rows);
web_raw web_section(http_req *req, const char *anchor, const char *heading, const char *intro, web_raw body);
web_raw web_paragraph(http_req *req, const char *text);

/* Text of a JSON member (strings as they are, integers in decimal, else NULL): an arena string. */
const char *web_json_text(http_req *req, json_t *obj, const char *key);

/* Handlers. */
int web_sign_in_form(http_req *req);
int web_sign_in(http_req *req);
int web_sign_out(http_req *req);
int web_worklist(http_req *req);
int web_family(http_req *req);
int web_asset_get(http_req *req);
/* GET /session/alive: 204, the session's idle clock restarted (the idle warning's "stay signed in"). */
int web_session_alive(http_req *req);
/* /governance (web_gov.c) */
int web_governance(http_req *req);
int web_gov_review(http_req *req);
int web_gov_review_post(http_req *req);
int web_gov_match(http_req *req);
int web_gov_match_post(http_req *req);
int web_gov_access_report(http_req *req);
/* /admin (web_admin.c) */
int web_admin(http_req *req);
int web_admin_user_new(http_req *req);
int web_admin_user_create(http_req *req);
int web_admin_user(http_req *req);
int web_admin_user_post(http_req *req);
int web_admin_setting(http_req *req);
int web_admin_setting_post(http_req *req);
/* /admin/teams/..., /admin/agencies/... (web_admin_dir.c; the route's data names the resource) */
int web_admin_dir_new(http_req *req);
int web_admin_dir_create(http_req *req);
int web_admin_dir(http_req *req);
int web_admin_dir_post(http_req *req);
/* A team kind's words (front_door, early_help, ...); the code itself when not one of them. */
const char *web_admin_kind_label(const char *kind);
int web_reach(http_req *req);
/* The professionals' referral form (web_referral.c): GET and POST /referrals/new, GET /referrals/sent. */
int web_referral_form(http_req *req);
int web_referral_send(http_req *req);
int web_referral_sent(http_req *req);
/* Family identification decisions (web_ident.c): the list, one family's evidence and its decision. */
int web_ident_list(http_req *req);
int web_ident_family(http_req *req);
int web_ident_decide(http_req *req);
/* The front door's pages (web_frontdoor.c) and the team manager's (web_team.c). web_team_worklist adds the
 * manager's sections of `/` to out: 0 or the error's code with err set. */
int web_fd_queue(http_req *req);
/* The front door worklist's way to its pages (a button to the queue). */
web_raw web_fd_queue_link(http_req *req);
int web_fd_new_form(http_req *req);
int web_fd_new(http_req *req);
int web_fd_change(http_req *req);
/* POST /front-door/known: the "already known?" panel's fragment (web_fd_known.c). */
int web_fd_known_live(http_req *req);
/* The script that makes that panel live, served as an asset of its own (web_fd_known.c). */
const char *web_fd_known_script(void);
int web_fd_check(http_req *req);
int web_fd_record(http_req *req);
int web_fd_contact(http_req *req);
int web_fd_decide(http_req *req);
int web_team_worklist(http_req *req, core_buf *out, core_error *err);
int web_team_allocate_form(http_req *req);
int web_team_allocate(http_req *req);
/* Background work (web_jobs.c): the jobs one can see, one job (refreshing while it runs), cancelling it, its
 * file; and starting a job where the work is asked for: a request's pack, Annex A, a partner import. */
int web_jobs_list(http_req *req);
/* The script that keeps the progress of running work up to date in place (served as an asset of its own,
 * loaded by the start-up module only on a page with the region #job-live). */
const char *web_jobs_script(void);
int web_job(http_req *req);
int web_job_cancel(http_req *req);
int web_job_output(http_req *req);
int web_job_pack(http_req *req);
int web_annex_a_form(http_req *req);
int web_annex_a_start(http_req *req);
int web_import_form(http_req *req);
int web_import_start(http_req *req);

#endif
