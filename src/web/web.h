/*
 * web.h — Hearth's web application: HTML pages on the GOV.UK Design System, served by the same server as the
 * API (src/web/README.md).
 *
 * What it is for: the pages staff use (sign-in, the role's worklist, the family's record), govuk-frontend's
 * files under /assets/, and the HTML error page. What it is not for: deciding access, reading the database
 * or auditing — every record a page shows is read through api_record_read()/api_record_list() (api.h),
 * the functions under the API's own handlers, so a page makes the same access decisions and writes the
 * same audit events as the API reading the same records; the few queries that choose which records a
 * worklist starts from live in model/ (model_worklist.c).
 *
 * Invariants
 *   1. HTML is written only by templates compiled from src/web/templates (web_tpl.py): every value is escaped;
 *      only a web_raw (a fragment Hearth rendered) is written as it is.
 *   2. Every page's words come from web_str() (web_strings.c).
 *   3. Every form carries csrf_token; the server refuses a change without the session's (http.h), and the
 *      sign-in form, before there is a session, checks its own double-submitted token.
 *   4. A request's memory is its arena: pages render into arena buffers and free nothing.
 */
#ifndef HEARTH_WEB_H
#define HEARTH_WEB_H

#include "http/http.h"

typedef struct web_app web_app;

/* The page routes (web_routes.c). They are a table of their own, beside api_routes[]: `hearth serve` gives the
 * server both (pages first). tests/api/access_matrix.py reads api_routes[] only; tests/web/run.py covers
 * these. */
extern const http_route web_routes[];
extern const size_t web_routes_count;

/* Load the web application: govuk-frontend's built files from assets_dir (its dist/govuk directory; NULL or
 * unreadable: pages are served unstyled and a warning is logged), and council, the name in every title. *out
 * is freed by web_app_free. 0, or CORE_E_IO/CORE_E_INVALID_VALUE when assets_dir is given but incomplete. */
int web_app_open(web_app **out, const char *assets_dir, const char *council, core_error *err);
void web_app_free(web_app *app);
/* How many asset files are served (for the start-up log). */
int web_app_asset_count(const web_app *app);

/* http_config.page_error: an error on a page route, as an HTML page with the error's status. */
int web_page_error(http_req *req, const core_error *err);

#endif
