/*
 * web_assets.c — govuk-frontend's built files, read once at start and served from memory under /assets/.
 *
 * From the package's dist/govuk directory: govuk-frontend.min.css and govuk-frontend.min.js, and every file
 * of assets/fonts and assets/images (the stylesheet asks for /assets/fonts/... and /assets/images/...). The
 * stylesheet and scripts are served under names carrying a hash of their bytes
 * (/assets/govuk-frontend-<hash>.min.css), the fonts already carry one, so every asset can be cached for a
 * year as immutable: an upgrade changes the names. The images keep their names (favicon and crest: a stale
 * one is harmless). Hearth's own start-up script (the module that marks the page as JavaScript-capable and
 * starts govuk-frontend's components: CSP forbids inline script) is made here, naming the script's hash.
 * A request is answered only for a path in this table: nothing is ever read from disk while serving.
 */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/core_log.h"
#include "web/web_internal.h"

enum { ASSET_MAX = 8 * 1024 * 1024, ASSETS_MAX = 64 };

static const char CACHE_FOREVER[] = "public, max-age=31536000, immutable";

static const struct {
    const char *ext, *type;
} types[] = {
    {".css", "text/css; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".woff2", "font/woff2"},
    {".woff", "font/woff"},                {".ico", "image/x-icon"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
};

static const char *type_of(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && strcmp(name + n - e, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

static int read_file(const char *path, char **data, size_t *len, core_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return core_error_set(err, CORE_E_IO, "cannot open asset %s: %s", path, strerror(errno));
    core_buf b;
    core_buf_init(&b, ASSET_MAX);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        core_buf_add(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad || !core_buf_ok(&b)) {
        core_buf_release(&b);
        return core_error_set(err, CORE_E_IO, "cannot read asset %s (or it is over %d bytes)", path, ASSET_MAX);
    }
    *data = core_buf_detach(&b, len);
    core_buf_release(&b);
    return 0;
}

static int add(web_app *app, char *url, const char *type, char *data, size_t len, core_error *err)
{
    if (app->nassets == ASSETS_MAX) {
        free(url);
        free(data);
        return core_error_set(err, CORE_E_INVALID_VALUE, "more than %d asset files", ASSETS_MAX);
    }
    app->assets[app->nassets++] = (web_asset){url, type, data, len};
    return 0;
}

static char *hashed(const char *stem, const char *ext, const char *data, size_t len)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof(h), (const unsigned char *)data, len, NULL, 0);
    char hex[sizeof(h) * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    char *url = NULL;
    if (asprintf(&url, "/assets/%s-%s%s", stem, hex, ext) < 0)
        abort();
    return url;
}

/* One built file of dist/govuk, served under a hashed name; *url_out gets that name (owned by the table). */
static int add_hashed(web_app *app, const char *dir, const char *file, const char *stem, const char *ext,
                      char **url_out, core_error *err)
{
    char *path = NULL, *data;
    size_t len;
    if (asprintf(&path, "%s/%s", dir, file) < 0)
        abort();
    int rc = read_file(path, &data, &len, err);
    free(path);
    if (rc)
        return rc;
    char *url = hashed(stem, ext, data, len);
    if (add(app, url, type_of(file), data, len, err))
        return err->code;
    *url_out = url;
    return 0;
}

static int add_dir(web_app *app, const char *dir, const char *sub, core_error *err)
{
    char *path = NULL;
    if (asprintf(&path, "%s/assets/%s", dir, sub) < 0)
        abort();
    DIR *d = opendir(path);
    if (!d) {
        core_error_set(err, CORE_E_IO, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return err->code;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *type = type_of(e->d_name);
        if (e->d_name[0] == '.' || !type)
            continue;
        char *file = NULL, *url = NULL, *data;
        size_t len;
        if (asprintf(&file, "%s/%s", path, e->d_name) < 0 || asprintf(&url, "/assets/%s/%s", sub, e->d_name) < 0)
            abort();
        rc = read_file(file, &data, &len, err);
        free(file);
        if (rc == 0)
            rc = add(app, url, type, data, len, err);
        else
            free(url);
    }
    closedir(d);
    free(path);
    return rc;
}

int web_app_open(web_app **out, const char *assets_dir, const char *council, core_error *err)
{
    web_app *app = core_xmalloc(sizeof(*app));
    memset(app, 0, sizeof(*app));
    app->assets = core_xmalloc(ASSETS_MAX * sizeof(*app->assets));
    app->council = strdup(council ? council : "");
    *out = app;
    if (!assets_dir) {
        core_log(CORE_LOG_WARN, "no_assets", "hint", "start with --assets DIR (govuk-frontend's dist/govuk): pages "
                 "are served unstyled until then", CORE_LOG_END);
        return 0;
    }
    char *js_url = NULL;
    int rc = add_hashed(app, assets_dir, "govuk-frontend.min.css", "govuk-frontend", ".min.css", &app->css_href, err);
    if (rc == 0)
        rc = add_hashed(app, assets_dir, "govuk-frontend.min.js", "govuk-frontend", ".min.js", &js_url, err);
    if (rc == 0)
        rc = add_dir(app, assets_dir, "fonts", err);
    if (rc == 0)
        rc = add_dir(app, assets_dir, "images", err);
    if (rc == 0) { /* the front door's "already known?" script, loaded by the start-up module where it is used */
        const char *known = web_fd_known_script();
        app->known_href = hashed("hearth-known", ".js", known, strlen(known));
        rc = add(app, strdup(app->known_href), "text/javascript; charset=utf-8", strdup(known), strlen(known), err);
    }
    if (rc == 0) { /* background work's progress, kept up to date where it is shown (web_jobs.c) */
        const char *jobs = web_jobs_script();
        app->jobs_href = hashed("hearth-jobs", ".js", jobs, strlen(jobs));
        rc = add(app, strdup(app->jobs_href), "text/javascript; charset=utf-8", strdup(jobs), strlen(jobs), err);
    }
    if (rc == 0) { /* Hearth's start-up module: govuk-frontend's own template does this inline */
        char *init = NULL;
        int n = asprintf(&init,
                         "// Hearth: mark the page as able to run govuk-frontend, then start its components.\n"
                         "import { initAll } from '%s'\n"
                         "document.body.classList.add('js-enabled', 'govuk-frontend-supported')\n"
                         "initAll()\n"
                         "if (document.getElementById('fd-known')) import('%s')\n"
                         "if (document.getElementById('job-live')) import('%s')\n"
                         "// The idle warning: shown before the session's idle time-out, with a button that keeps\n"
                         "// the session (GET /session/alive); at the time-out, the sign-in page.\n"
                         "const idle = document.getElementById('hearth-idle')\n"
                         "if (idle) {\n"
                         "  const total = Number(idle.dataset.idleSeconds) * 1000\n"
                         "  const warn = Number(idle.dataset.warnSeconds) * 1000\n"
                         "  const stay = document.getElementById('hearth-idle-stay')\n"
                         "  let timers = []\n"
                         "  const arm = () => {\n"
                         "    timers.forEach(clearTimeout)\n"
                         "    idle.hidden = true\n"
                         "    idle.removeAttribute('role')\n"
                         "    timers = [setTimeout(() => { idle.hidden = false; idle.setAttribute('role', 'alert'); stay.focus() },\n"
                         "                         total - warn),\n"
                         "              setTimeout(() => { window.location.assign('/sign-in') }, total)]\n"
                         "  }\n"
                         "  stay.addEventListener('click', () => {\n"
                         "    fetch('/session/alive', { credentials: 'same-origin', redirect: 'manual' })\n"
                         "      .then((r) => { if (r.status === 204) arm(); else window.location.assign('/sign-in') })\n"
                         "      .catch(() => window.location.assign('/sign-in'))\n"
                         "  })\n"
                         "  arm()\n"
                         "}\n",
                         js_url, app->known_href, app->jobs_href);
        if (n < 0)
            abort();
        app->init_href = hashed("hearth-init", ".js", init, (size_t)n);
        rc = add(app, strdup(app->init_href), "text/javascript; charset=utf-8", init,
                 (size_t)n, err);
    }
    if (rc) {
        web_app_free(app);
        *out = NULL;
    }
    return rc;
}

void web_app_free(web_app *app)
{
    if (!app)
        return;
    for (size_t i = 0; i < app->nassets; i++) {
        free(app->assets[i].path);
        free(app->assets[i].data);
    }
    free(app->assets);
    free(app->init_href);
    free(app->known_href);
    free(app->jobs_href);
    free(app->council);
    free(app);
}

int web_app_asset_count(const web_app *app)
{
    return app ? (int)app->nassets : 0;
}

int web_asset_get(http_req *req)
{
    const web_app *app = web_app_of(req);
    for (size_t i = 0; app && i < app->nassets; i++) {
        const web_asset *a = &app->assets[i];
        if (strcmp(a->path, req->path) == 0) {
            req->cache_control = CACHE_FOREVER;
            return http_reply_body(req, 200, a->content_type, a->data, a->len);
        }
    }
    core_error err;
    core_error_clear(&err);
    core_error_set(&err, CORE_E_NOT_FOUND, "no such asset");
    return http_reply_error(req, &err);
}
