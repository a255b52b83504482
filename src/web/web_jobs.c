/*
 * web_jobs.c — "Background work": the long work Hearth does as jobs (src/jobs/), as its people follow it.
 *
 *   GET  /jobs                 the jobs one can see, newest first: what, who started it, state, progress
 *   GET  /jobs/{id}            one job: its state and progress, what went wrong when it failed, a cancel
 *                              button while it can be cancelled, and the download when it has succeeded and
 *                              made a file
 *
 * While work runs, what shows it is the region #job-live (template job_live.html) with a "Check progress" link
 * to the page itself, so everything works with JavaScript off; with it on, hearth-jobs.js (web_jobs_script)
 * fetches the page again every few seconds and puts the new region's content in place, announced politely,
 * until the work has finished. Not a <meta http-equiv="refresh">: a page that reloads itself on a timer fails
 * WCAG 2.2.1 (timing adjustable), and moves a screen reader back to the top.
 *   POST /jobs/{id}/cancel     cancel it (POST with the CSRF token), then back to its page
 *   GET  /jobs/{id}/output     its file, as the API's download
 *
 * Everything goes through the functions under the API's own routes (api.h: api_job_items, api_job_read,
 * api_job_cancel_do, api_job_output_do): who sees a job (its asker, governance and the administrator; another's
 * is 404), the cancel's audit event, and the download's checks (403 audited, 409 until it succeeds, 410 once
 * its time is past) and its durable "download" event are the API's. A job holds no personal data (jobs.h J6),
 * but its error and an import's file name came from outside Hearth: every value is written by a template,
 * escaped.
 */
#include <inttypes.h>
#include <string.h>

#include "web/web_qform.h"
#include "web/web_widgets.h"

enum { JOBS_SHOWN = 100 };

const char *web_jobs_script(void)
{
    return "// Hearth: the progress of background work, kept up to date in place. The page works without this\n"
           "// script (its \"Check progress\" link); here the page is fetched again every few seconds and the\n"
           "// content of its region #job-live, rendered and escaped by Hearth, replaces this one's, until the\n"
           "// work has finished (data-running is then false).\n"
           "const every = 3000\n"
           "const tick = () => {\n"
           "  const region = document.getElementById('job-live')\n"
           "  if (!region || region.dataset.running !== 'true') return\n"
           "  fetch(window.location.pathname, { credentials: 'same-origin', redirect: 'manual' })\n"
           "    .then((r) => (r.ok ? r.text() : null))\n"
           "    .then((html) => {\n"
           "      if (html === null) return\n"
           "      const next = new DOMParser().parseFromString(html, 'text/html').getElementById('job-live')\n"
           "      if (!next) return\n"
           "      region.innerHTML = next.innerHTML\n"
           "      region.dataset.running = next.dataset.running\n"
           "      setTimeout(tick, every)\n"
           "    })\n"
           "    .catch(() => {})\n"
           "}\n"
           "setTimeout(tick, every)\n";
}

/* The region showing work going on (job_live.html): a link to check its progress while it runs. */
static web_raw live(http_req *req, int going, web_raw body)
{
    core_buf *b = web_buf(req);
    web_tpl_job_live(b, &(web_tpl_job_live_args){.running = going ? "true" : "false",
                                                 .body = body,
                                                 .check_href = going ? req->path : NULL,
                                                 .check_text = web_str(WEB_S_JOBS_CHECK)});
    return web_render(b);
}

static void add(core_buf *out, web_raw r)
{
    core_buf_adds(out, r.html ? r.html : "");
}

/* The words for a kind of job (its code when Hearth has none). */
static const char *kind_words(const char *kind)
{
    static const struct {
        const char *kind;
        web_str_id words;
    } kinds[] = {
        {"sar_pack", WEB_S_JOBS_KIND_SAR_PACK},       {"annex_a", WEB_S_JOBS_KIND_ANNEX_A},
        {"research_extract", WEB_S_JOBS_KIND_RESEARCH}, {"partner_import", WEB_S_JOBS_KIND_IMPORT},
        {"link_run", WEB_S_JOBS_KIND_LINK},           {"retention_run", WEB_S_JOBS_KIND_RETENTION},
    };
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return web_str(kinds[i].words);
    return kind;
}

/* Does a kind of job make a file to download (api_jobs.c's output_permission)? */
static int kind_has_file(const char *kind)
{
    return kind && (strcmp(kind, "sar_pack") == 0 || strcmp(kind, "annex_a") == 0 ||
                    strcmp(kind, "research_extract") == 0 || strcmp(kind, "partner_import") == 0);
}

static int running(const char *state)
{
    return state && (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0);
}

/* The state's words and its GOV.UK tag's class. */
static void state_of(json_t *job, const char **words, const char **cls)
{
    const char *state = json_string_value(json_object_get(job, "state"));
    static const struct {
        const char *state, *cls;
        web_str_id words;
    } tags[] = {
        {"queued", "govuk-tag--grey", WEB_S_JOBS_QUEUED},        {"running", "govuk-tag--blue", WEB_S_JOBS_RUNNING},
        {"succeeded", "govuk-tag--green", WEB_S_JOBS_SUCCEEDED}, {"failed", "govuk-tag--red", WEB_S_JOBS_FAILED},
        {"cancelled", "govuk-tag--yellow", WEB_S_JOBS_CANCELLED},
    };
    *words = state ? state : "", *cls = "govuk-tag--grey";
    if (json_is_true(json_object_get(job, "cancel_requested")) && running(state)) {
        *words = web_str(WEB_S_JOBS_STOPPING), *cls = "govuk-tag--orange";
        return;
    }
    for (size_t i = 0; state && i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(tags[i].state, state) == 0)
            *words = web_str(tags[i].words), *cls = tags[i].cls;
}

static web_raw state_tag(http_req *req, json_t *job)
{
    const char *words, *cls;
    state_of(job, &words, &cls);
    return web_tag(req, words, cls);
}

/* "done of total" (or "done" when the total is not known), NULL before any progress. */
static const char *progress_words(http_req *req, json_t *job)
{
    json_t *p = json_object_get(job, "progress");
    json_t *done = json_object_get(p, "done"), *total = json_object_get(p, "total");
    if (!json_is_integer(done))
        return NULL;
    if (json_is_integer(total) && json_integer_value(total) > 0)
        return core_arena_printf(&req->arena, "%" PRId64 " %s %" PRId64, (int64_t)json_integer_value(done),
                                 web_str(WEB_S_JOBS_OF), (int64_t)json_integer_value(total));
    return core_arena_printf(&req->arena, "%" PRId64, (int64_t)json_integer_value(done));
}

/* Who started a job: "You", a name from the directory when the user may read it, else "User N". Only the
 * staff the jobs shown name are read (api_users_named: one audited read each), and only by governance and
 * the administrator, who see others' jobs. */
typedef struct staff {
    json_t *items;
} staff;

/* Read the staff who started jobs (each of them another's), for a page showing them. */
static void staff_read(http_req *req, staff *s, json_t *const *jobs, size_t njobs)
{
    s->items = NULL;
    if (access_role_of(&req->who) != ACCESS_ROLE_GOVERNANCE && access_role_of(&req->who) != ACCESS_ROLE_ADMIN)
        return;
    int64_t *ids = core_arena_alloc(&req->arena, (njobs ? njobs : 1) * sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < njobs; i++) {
        json_t *id = json_object_get(jobs[i], "created_by");
        if (!json_is_integer(id) || json_integer_value(id) == req->who.user_id)
            continue;
        int64_t uid = json_integer_value(id);
        size_t k = 0;
        while (k < n && ids[k] != uid)
            k++;
        if (k == n)
            ids[n++] = uid;
    }
    core_error err;
    core_error_clear(&err);
    if (n && api_users_named(req, ids, n, &s->items, &err))
        s->items = NULL; /* shown as "User N" */
}

static const char *started_by(http_req *req, const staff *s, json_t *job)
{
    json_t *id = json_object_get(job, "created_by");
    if (!json_is_integer(id))
        return NULL;
    int64_t uid = json_integer_value(id);
    if (uid == req->who.user_id)
        return web_str(WEB_S_JOBS_YOU);
    size_t i;
    json_t *u;
    json_array_foreach(s->items, i, u)
    {
        if (json_integer_value(json_object_get(u, "id")) == uid)
            return web_json_text(req, u, "name");
    }
    return core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_JOBS_USER_N), uid);
}

static const char *job_href(http_req *req, int64_t id)
{
    return core_arena_printf(&req->arena, "/jobs/%" PRId64, id);
}

/* Links to start the work the user may start (each page checks again). */
static web_raw start_links(http_req *req)
{
    core_buf *links = web_buf(req);
    access_target none = {0};
    core_error why;
    core_error_clear(&why);
    int n = 0;
    if (access_decide(NULL, &req->who, "returns.annex_a", &none, NULL, &why) == ACCESS_ALLOW)
        web_link_item(links, "/returns/annex-a", web_str(WEB_S_ANNEX_TITLE)), n++;
    core_error_clear(&why);
    if (access_decide(NULL, &req->who, "partner.import", &none, NULL, &why) == ACCESS_ALLOW)
        web_link_item(links, "/imports/new", web_str(WEB_S_IMPORT_TITLE)), n++;
    if (!n)
        return (web_raw){NULL};
    return web_section(req, "start", web_str(WEB_S_JOBS_START), NULL, web_links(req, links));
}

int web_jobs_list(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *page;
    if (api_job_items(req, 0, 0, JOBS_SHOWN, &page, &err))
        return http_reply_error(req, &err);
    core_buf *rows = web_buf(req);
    size_t i;
    json_t *j;
    json_t *items = json_object_get(page, "items");
    json_t **shown = core_arena_alloc(&req->arena, (json_array_size(items) + 1) * sizeof(*shown));
    json_array_foreach(items, i, j)
        shown[i] = j;
    staff s;
    staff_read(req, &s, shown, json_array_size(items));
    int any_running = 0;
    json_array_foreach(items, i, j)
    {
        int64_t id = json_integer_value(json_object_get(j, "id"));
        core_buf *cells = web_buf(req);
        web_tpl_td_link(cells, &(web_tpl_td_link_args){
                                   .href = job_href(req, id),
                                   .text = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_JOBS_JOB_N), id)});
        web_tpl_td(cells, &(web_tpl_td_args){kind_words(web_json_text(req, j, "kind"))});
        web_tpl_td(cells, &(web_tpl_td_args){started_by(req, &s, j)});
        const char *words, *cls;
        state_of(j, &words, &cls);
        web_tpl_td_tag(cells, &(web_tpl_td_tag_args){.text = words, .tag_class = cls});
        web_tpl_td(cells, &(web_tpl_td_args){progress_words(req, j)});
        web_tpl_td(cells, &(web_tpl_td_args){web_date_words(req, web_json_text(req, j, "created_at"))});
        web_tpl_tr(rows, &(web_tpl_tr_args){web_render(cells)});
        any_running |= running(json_string_value(json_object_get(j, "state")));
    }
    const char *const heads[] = {web_str(WEB_S_JOBS_COL_JOB),   web_str(WEB_S_JOBS_COL_KIND),
                                 web_str(WEB_S_JOBS_COL_BY),    web_str(WEB_S_JOBS_COL_STATE),
                                 web_str(WEB_S_JOBS_COL_PROGRESS), web_str(WEB_S_JOBS_COL_ASKED)};
    web_raw table = json_array_size(items)
                        ? web_table(req, web_str(WEB_S_JOBS_TITLE), web_th(req, heads, 6), web_render(rows))
                        : web_paragraph(req, web_str(WEB_S_JOBS_NONE));
    web_raw parts[] = {live(req, any_running, table), start_links(req)};
    web_raw body = web_join(req, parts, 2);
    json_decref(s.items);
    json_decref(page);
    web_raw pg = web_page(req, "full", (web_raw){NULL}, (web_raw){NULL}, NULL, web_str(WEB_S_JOBS_TITLE),
                          web_str(WEB_S_JOBS_INTRO), body);
    return web_reply_page(req, 200, web_str(WEB_S_JOBS_TITLE), 0, pg);
}

/* What the job was asked to do, from its params: a file's name, a dataset, a date (never personal data). */
static void params_rows(http_req *req, core_buf *rows, json_t *job)
{
    json_t *p = json_object_get(job, "params");
    if (!json_is_object(p))
        return;
    const char *v;
    if ((v = web_json_text(req, p, "dataset")))
        web_summary_row(req, rows, web_str(WEB_S_JOBS_DATASET), v);
    if ((v = web_json_text(req, p, "file_name")))
        web_summary_row(req, rows, web_str(WEB_S_JOBS_FILE_NAME), v);
    if ((v = web_json_text(req, p, "as_of")))
        web_summary_row(req, rows, web_str(WEB_S_JOBS_AS_OF), web_date_words(req, v));
    if ((v = web_json_text(req, p, "request_id")))
        web_summary_row(req, rows, web_str(WEB_S_GOV_COL_REQUEST),
                        core_arena_printf(&req->arena, "%s %s", web_str(WEB_S_GOV_REQUEST_N), v));
}

int web_job(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    int64_t id = req->ids[0];
    json_t *job;
    if (api_job_read(req, id, &job, &err))
        return http_reply_error(req, &err);
    staff s;
    staff_read(req, &s, &job, 1);
    const char *kind = web_json_text(req, job, "kind"), *state = web_json_text(req, job, "state");
    int live_now = running(state), asked = json_is_true(json_object_get(job, "cancel_requested"));
    core_buf *rows = web_buf(req);
    web_summary_row(req, rows, web_str(WEB_S_JOBS_COL_KIND), kind_words(kind));
    web_summary_row(req, rows, web_str(WEB_S_JOBS_COL_BY), started_by(req, &s, job));
    web_summary_row_html(req, rows, web_str(WEB_S_JOBS_COL_STATE), state_tag(req, job));
    params_rows(req, rows, job);
    const char *progress = progress_words(req, job);
    if (progress)
        web_summary_row(req, rows, web_str(WEB_S_JOBS_COL_PROGRESS), progress);
    json_t *p = json_object_get(job, "progress");
    const char *step = web_json_text(req, p, "message");
    if (step && live_now)
        web_summary_row(req, rows, web_str(WEB_S_JOBS_STEP), step);
    web_summary_row(req, rows, web_str(WEB_S_JOBS_COL_ASKED), web_json_text(req, job, "created_at"));
    const char *t;
    if ((t = web_json_text(req, job, "started_at")))
        web_summary_row(req, rows, web_str(WEB_S_JOBS_STARTED), t);
    if ((t = web_json_text(req, job, "finished_at")))
        web_summary_row(req, rows, web_str(WEB_S_JOBS_FINISHED), t);
    json_t *e = json_object_get(job, "error");
    if (json_is_object(e)) {
        web_summary_row(req, rows, web_str(WEB_S_JOBS_ERROR), web_json_text(req, e, "message"));
        if ((t = web_json_text(req, e, "detail")) && *t)
            web_summary_row(req, rows, web_str(WEB_S_JOBS_ERROR_DETAIL), t);
        if ((t = web_json_text(req, e, "hint")) && *t)
            web_summary_row(req, rows, web_str(WEB_S_JOBS_ERROR_HINT), t);
    }
    core_buf *body = web_buf(req);
    if (live_now)
        add(body, web_paragraph(req, web_str(asked ? WEB_S_JOBS_CANCEL_ASKED : WEB_S_JOBS_REFRESHING)));
    add(body, web_summary(req, rows));
    if (state && strcmp(state, "succeeded") == 0 && kind_has_file(kind)) {
        add(body, web_button_link(req, core_arena_printf(&req->arena, "/jobs/%" PRId64 "/output", id),
                                  web_str(WEB_S_JOBS_DOWNLOAD), 0));
        add(body, web_paragraph(req, web_str(WEB_S_JOBS_DOWNLOAD_NOTE)));
    }
    if (live_now && !asked)
        add(body, web_button_form(req, core_arena_printf(&req->arena, "/jobs/%" PRId64 "/cancel", id),
                                  web_str(WEB_S_JOBS_CANCEL), NULL, 1));
    web_raw shown = live(req, live_now, web_render(body));
    body = web_buf(req);
    add(body, shown);
    core_buf *links = web_buf(req);
    web_link_item(links, "/jobs", web_str(WEB_S_JOBS_ALL));
    add(body, web_links(req, links));
    const char *heading = core_arena_printf(&req->arena, "%s %" PRId64, web_str(WEB_S_JOBS_JOB_N), id);
    web_raw pg = web_page(req, "two-thirds", (web_raw){NULL}, (web_raw){NULL}, web_str(WEB_S_JOBS_TITLE), heading,
                          NULL, web_render(body));
    json_decref(s.items);
    json_decref(job);
    return web_reply_page(req, 200, heading, 0, pg);
}

int web_job_cancel(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    json_t *job;
    const char *state;
    if (api_job_cancel_do(req, req->ids[0], &job, &state, &err))
        return http_reply_error(req, &err);
    json_decref(job);
    return http_reply_redirect(req, job_href(req, req->ids[0]));
}

/* The page's download is the API's: the same check, audit event and reply. */
int web_job_output(http_req *req)
{
    return api_job_output(req);
}
