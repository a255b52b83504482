/*
 * web_reach.c — `/reach`: service reach and outcomes as pages, for analysts and governance.
 *
 * The counts are GET /api/v1/returns/reach's (api_reach_counts(): the same tables, the same disclosure
 * control, the same audit event); a count the control withholds is shown as "c" and drawn as no bar. Each
 * table is a figure: a bar chart drawn here as SVG (no script; every label and number through the templates'
 * escaping) and, beside it, the same numbers as a table. The downloads are the API's own CSV and JSON.
 *
 * What each chart shows: a table of one category, its quarters; a table with totals by category, those
 * totals over the whole period; otherwise (needs: a family has several, so there are no totals) the latest
 * quarter.
 */
#include <inttypes.h>
#include <string.h>

#include "core/core_clock.h"
#include "core/core_date.h"
#include "report/report_reach.h"
#include "web/web_internal.h"

enum { CHART_W = 480, LABEL_W = 190, BAR_MAX = 230, ROW_H = 24 };

static const char *num(http_req *req, int64_t v)
{
    return v < 0 ? web_str(WEB_S_SUPPRESSED) : core_arena_printf(&req->arena, "%" PRId64, v);
}

static web_raw figure(http_req *req, const report_table *t)
{
    size_t w = t->ncols + 1, n;
    const char **labels;
    const int64_t *vals;
    size_t stride;
    const char *caption;
    if (t->ncols == 1) { /* its quarters */
        n = t->nrows, labels = t->row_labels, vals = &t->published[0], stride = w;
        caption = web_str(WEB_S_REACH_BY_QUARTER);
    } else if (t->col_totals) { /* its categories over the whole period */
        n = t->ncols, labels = t->col_labels, vals = &t->published[t->nrows * w], stride = 1;
        caption = web_str(WEB_S_REACH_WHOLE_PERIOD);
    } else { /* its categories in the latest quarter */
        n = t->ncols, labels = t->col_labels, vals = &t->published[(t->nrows ? t->nrows - 1 : 0) * w], stride = 1;
        caption = t->nrows ? core_arena_printf(&req->arena, "%s: %s.", web_str(WEB_S_REACH_LATEST),
                                               t->row_labels[t->nrows - 1])
                           : "";
    }
    int64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (vals[i * stride] > max)
            max = vals[i * stride];
    core_buf *bars = web_buf(req), *rows = web_buf(req);
    for (size_t i = 0; i < n; i++) {
        int64_t v = vals[i * stride];
        int bw = v > 0 ? (int)(v * BAR_MAX / max) : 0;
        if (v > 0 && bw < 1)
            bw = 1;
        int y = (int)i * ROW_H;
        web_tpl_chart_bar(bars, &(web_tpl_chart_bar_args){
                                    .label = labels[i],
                                    .value = num(req, v),
                                    .text_y = core_arena_printf(&req->arena, "%d", y + 16),
                                    .bar_x = core_arena_printf(&req->arena, "%d", LABEL_W),
                                    .bar_y = core_arena_printf(&req->arena, "%d", y + 4),
                                    .bar_w = core_arena_printf(&req->arena, "%d", bw),
                                    .bar_h = core_arena_printf(&req->arena, "%d", ROW_H - 8),
                                    .value_x = core_arena_printf(&req->arena, "%d", LABEL_W + bw + 6),
                                    .fill = "#1d70b8"});
        core_buf *cells = web_buf(req);
        web_tpl_td(cells, &(web_tpl_td_args){labels[i]});
        web_tpl_td(cells, &(web_tpl_td_args){num(req, v)});
        web_tpl_tr(rows, &(web_tpl_tr_args){.cells = web_render(cells)});
    }
    core_buf *chart = web_buf(req);
    web_tpl_chart(chart, &(web_tpl_chart_args){
                             .id = core_arena_printf(&req->arena, "chart-%s", t->code),
                             .title = t->title,
                             .width = core_arena_printf(&req->arena, "%d", CHART_W),
                             .height = core_arena_printf(&req->arena, "%d", (int)n * ROW_H + 8),
                             .bars = web_render(bars)});
    const char *heads[] = {web_str(t->ncols == 1 ? WEB_S_REACH_QUARTER : WEB_S_REACH_CATEGORY), t->unit};
    core_buf *b = web_buf(req);
    web_tpl_reach_figure(b, &(web_tpl_reach_figure_args){
                                .anchor = t->code,
                                .heading = t->title,
                                .caption = caption,
                                .chart = web_render(chart),
                                .table = web_table(req, t->title, web_th(req, heads, 2), web_render(rows))});
    return web_render(b);
}

int web_reach(http_req *req)
{
    core_error err;
    core_error_clear(&err);
    const char *from = http_query(req, "from"), *to = http_query(req, "to"), *round = http_query(req, "round");
    char today[11], start[11];
    if (!to) {
        core_clock_today(today);
        to = today;
    }
    core_date t;
    if (!from && core_date_parse(to, strlen(to), &t) == 0) { /* default: the last four quarters and this one */
        core_date f = core_date_add_months(t, -12);
        f.m = (int8_t)((f.m - 1) / 3 * 3 + 1), f.d = 1;
        core_date_format(f, start);
        from = start;
    }
    int rounding = round && strcmp(round, "5") == 0 ? 5 : 0;
    if (round && !rounding && strcmp(round, "0") != 0) {
        core_error_set(&err, CORE_E_BAD_PARAMETER, "round must be 5 or 0");
        return web_page_error(req, &err);
    }
    report_reach r;
    if (api_reach_counts(req, from, to, rounding, &r, &err))
        return web_page_error(req, &err);
    core_buf *figs = web_buf(req);
    for (size_t i = 0; i < r.ntables; i++) {
        web_raw f = figure(req, &r.tables[i]);
        if (f.html)
            core_buf_adds(figs, f.html);
    }
    const char *q = core_arena_printf(&req->arena, "from=%s&to=%s", r.from, r.to); /* dates: checked digits */
    core_buf *b = web_buf(req);
    web_tpl_reach(b, &(web_tpl_reach_args){
                         .heading = web_str(WEB_S_REACH),
                         .period = core_arena_printf(&req->arena, "%s %s %s %s.", web_str(WEB_S_REACH_FROM), r.from,
                                                     web_str(WEB_S_REACH_TO), r.to),
                         .sdc = web_str(rounding ? WEB_S_REACH_SDC_ROUNDED : WEB_S_REACH_SDC),
                         .csv_href = core_arena_printf(&req->arena, "/api/v1/returns/reach?%s&round=%d&format=csv", q,
                                                       rounding),
                         .csv_text = web_str(WEB_S_REACH_CSV),
                         .json_href = core_arena_printf(&req->arena, "/api/v1/returns/reach?%s&round=%d", q, rounding),
                         .json_text = web_str(WEB_S_REACH_JSON),
                         .toggle_href = core_arena_printf(&req->arena, "/reach?%s&round=%d", q, rounding ? 0 : 5),
                         .toggle_text = web_str(rounding ? WEB_S_REACH_UNROUND : WEB_S_REACH_ROUND),
                         .figures = web_render(figs)});
    return web_reply_page(req, 200, web_str(WEB_S_REACH), 0, web_render(b));
}
