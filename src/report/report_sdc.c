/*
 * report_sdc.c — statistical disclosure control of a published table (the method, and why it protects, in
 * report_sdc.h).
 *
 * Reading guide: the graph of equations (which node each count joins), finding a bridge among the suppressed
 * counts (Tarjan's low-link, by edge so that parallel edges and self-loops are never bridges), the cheapest
 * path that closes a cycle through a bridge (Dijkstra over the counts not yet suppressed), then protect and
 * publish. Tables are small (tens of rows and columns): every step is recomputed from scratch.
 */
#include "report/report_sdc.h"

#include <stdlib.h>
#include <string.h>

void report_table_init(core_arena *a, report_table *t, size_t nrows, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->nrows = nrows;
    t->ncols = ncols;
    size_t n = (nrows + 1) * (ncols + 1);
    t->v = core_arena_calloc(a, n, sizeof(*t->v));
    t->sdc = core_arena_calloc(a, n, sizeof(*t->sdc));
    t->published = core_arena_calloc(a, n, sizeof(*t->published));
    t->row_labels = core_arena_calloc(a, nrows ? nrows : 1, sizeof(*t->row_labels));
    t->col_labels = core_arena_calloc(a, ncols ? ncols : 1, sizeof(*t->col_labels));
}

int report_table_has(const report_table *t, size_t r, size_t c)
{
    if (r < t->nrows && c < t->ncols)
        return 1;
    if (r < t->nrows) /* c == ncols: a row total */
        return t->row_totals;
    if (c < t->ncols) /* a column total */
        return t->col_totals;
    return t->row_totals && t->col_totals;
}

void report_table_sum(report_table *t)
{
    for (size_t r = 0; r <= t->nrows; r++)
        *report_table_at(t, r, t->ncols) = 0;
    for (size_t c = 0; c <= t->ncols; c++)
        *report_table_at(t, t->nrows, c) = 0;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            int64_t x = *report_table_at(t, r, c);
            *report_table_at(t, r, t->ncols) += x;
            *report_table_at(t, t->nrows, c) += x;
            *report_table_at(t, t->nrows, t->ncols) += x;
        }
}

/* ---- the graph: a node per equation, and one for none ---- */

typedef struct graph {
    const report_table *t;
    size_t nodes, ground;
} graph;

/* The equations count (r, c) is in: its row's (when the table has row totals) and its column's (with column
 * totals); "ground" stands for none. The totals row is the equation "column totals sum to the grand total",
 * the totals column "row totals sum to it": both exist only with the grand total, which the rule gives. */
static void ends(const graph *g, size_t r, size_t c, size_t *u, size_t *v)
{
    *u = g->t->row_totals ? r : g->ground;
    *v = g->t->col_totals ? (g->t->nrows + 1) + c : g->ground;
}

typedef struct bridge_search {
    const graph *g;
    size_t *disc, *low;
    size_t time;
    long found; /* index of a bridge count, or -1 */
} bridge_search;

/* Depth-first search from node x, entered by count `via` (-1 at a root): low-link by edge. */
static void dfs(bridge_search *b, size_t x, long via)
{
    const report_table *t = b->g->t;
    b->disc[x] = b->low[x] = ++b->time;
    size_t w = t->ncols + 1;
    for (size_t r = 0; r <= t->nrows && b->found < 0; r++)
        for (size_t c = 0; c <= t->ncols && b->found < 0; c++) {
            long id = (long)(r * w + c);
            if (!t->sdc[id] || id == via || !report_table_has(t, r, c))
                continue;
            size_t u, v;
            ends(b->g, r, c, &u, &v);
            if (u != x && v != x)
                continue;
            size_t y = u == x ? v : u; /* a self-loop (u == v == x) leads back to x: never a bridge */
            if (!b->disc[y]) {
                dfs(b, y, id);
                if (b->low[y] < b->low[x])
                    b->low[x] = b->low[y];
                if (b->low[y] > b->disc[x] && b->found < 0)
                    b->found = id;
            } else if (b->disc[y] < b->low[x]) {
                b->low[x] = b->disc[y];
            }
        }
}

static long find_bridge(const graph *g)
{
    bridge_search b = {g, core_xmalloc(g->nodes * sizeof(size_t)), core_xmalloc(g->nodes * sizeof(size_t)), 0, -1};
    memset(b.disc, 0, g->nodes * sizeof(size_t));
    for (size_t x = 0; x < g->nodes && b.found < 0; x++)
        if (!b.disc[x])
            dfs(&b, x, -1);
    free(b.disc);
    free(b.low);
    return b.found;
}

/* Suppress the cheapest path from node `from` to node `to` that does not use count `skip`: suppressed counts
 * cost nothing, others their value, zeros are never taken. 0 when a path was suppressed, -1 when none exists. */
static int close_cycle(graph *g, report_table *t, size_t from, size_t to, long skip)
{
    size_t n = g->nodes, w = t->ncols + 1;
    int64_t *dist = core_xmalloc(n * sizeof(*dist));
    long *prev = core_xmalloc(n * sizeof(*prev));
    unsigned char *done = core_xmalloc(n);
    memset(done, 0, n);
    for (size_t i = 0; i < n; i++)
        dist[i] = -1, prev[i] = -1;
    dist[from] = 0;
    for (;;) {
        size_t x = n;
        for (size_t i = 0; i < n; i++)
            if (!done[i] && dist[i] >= 0 && (x == n || dist[i] < dist[x]))
                x = i;
        if (x == n || x == to)
            break;
        done[x] = 1;
        for (size_t r = 0; r <= t->nrows; r++)
            for (size_t c = 0; c <= t->ncols; c++) {
                long id = (long)(r * w + c);
                int64_t val = t->v[id];
                if (id == skip || !report_table_has(t, r, c) || (!t->sdc[id] && val <= 0))
                    continue;
                size_t u, v;
                ends(g, r, c, &u, &v);
                if (u != x && v != x)
                    continue;
                size_t y = u == x ? v : u;
                int64_t d = dist[x] + (t->sdc[id] ? 0 : val);
                if (!done[y] && (dist[y] < 0 || d < dist[y]))
                    dist[y] = d, prev[y] = id;
            }
    }
    int rc = -1;
    if (dist[to] >= 0) {
        rc = 0;
        for (size_t y = to; y != from;) {
            long id = prev[y];
            if (!t->sdc[id])
                t->sdc[id] = REPORT_SDC_SECONDARY;
            size_t u, v;
            ends(g, (size_t)id / w, (size_t)id % w, &u, &v);
            y = u == y ? v : u;
        }
    }
    free(dist);
    free(prev);
    free(done);
    return rc;
}

size_t report_sdc_protect(report_table *t, int threshold)
{
    size_t w = t->ncols + 1;
    for (size_t r = 0; r <= t->nrows; r++)
        for (size_t c = 0; c <= t->ncols; c++) {
            int64_t x = *report_table_at(t, r, c);
            if (report_table_has(t, r, c) && x >= 1 && x <= threshold && !t->sdc[r * w + c])
                t->sdc[r * w + c] = REPORT_SDC_PRIMARY;
        }
    graph g = {t, (t->nrows + 1) + (t->ncols + 1) + 1, (t->nrows + 1) + (t->ncols + 1)};
    long b;
    while ((b = find_bridge(&g)) >= 0) {
        size_t u, v;
        ends(&g, (size_t)b / w, (size_t)b % w, &u, &v);
        if (close_cycle(&g, t, u, v, b) != 0) {
            /* No path of non-zero counts (cannot happen while every suppressed count is at least 1: its row
             * and column totals are too). Withhold the whole table rather than publish a recoverable count. */
            for (size_t r = 0; r <= t->nrows; r++)
                for (size_t c = 0; c <= t->ncols; c++)
                    if (report_table_has(t, r, c) && !t->sdc[r * w + c] && *report_table_at(t, r, c) > 0)
                        t->sdc[r * w + c] = REPORT_SDC_SECONDARY;
            break;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < (t->nrows + 1) * w; i++)
        n += t->sdc[i] != 0;
    return n;
}

void report_sdc_publish(report_table *t, int base)
{
    size_t w = t->ncols + 1;
    for (size_t i = 0; i < (t->nrows + 1) * w; i++) {
        int64_t x = t->v[i];
        if (t->sdc[i])
            t->published[i] = -1;
        else if (base > 1)
            t->published[i] = (x + base / 2) / base * base;
        else
            t->published[i] = x;
    }
}
