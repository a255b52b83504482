/*
 * retention_store.c — saved retention plans: keeping a plan for approval, reading it back, approving it
 * (retention.h, docs/retention.md "Saving and approving a plan").
 *
 * A saved plan is the plan's rows as computed (retention_plan_row) and, on the plan (retention_plan), the
 * policy file's digest and the digest of the plan's CSV, so that an approval is of exactly the rows the
 * approver was shown. State: draft --approve (a second person, digest matching)--> approved --run--> run
 * (running is for later).
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/core_clock.h"
#include "retention/retention.h"

/* A new draft plan; returns its id. */
static const char SQL_PLAN_INSERT[] =
    "INSERT INTO retention_plan (as_of, policy_profile, policy_digest, state, created_at, created_by,\n"
    "                            updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, 'draft', $4, $5, $4, $5)\n"
    "RETURNING id";

/* One row of a saved plan. */
static const char SQL_ROW_INSERT[] =
    "INSERT INTO retention_plan_row (plan_id, record_class, record_table, record_id, person_id, family_id,\n"
    "                                trigger_code, trigger_date, due_date, action, disposal, hold)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/* The plan's count and digest, once every row is in. */
static const char SQL_PLAN_FINISH[] =
    "UPDATE retention_plan\n"
    "   SET row_count = $2,\n"
    "       rows_digest = $3\n"
    " WHERE id = $1";

/* A saved plan with its rows counted by action. */
static const char SQL_PLAN_GET[] =
    "SELECT p.id, p.as_of, p.policy_profile, p.policy_digest, p.state, p.rows_digest, p.row_count,\n"
    "       p.created_at, p.created_by, p.approved_at, p.approved_by,\n"
    "       (SELECT count(*) FROM retention_plan_row r WHERE r.plan_id = p.id AND r.action = 'keep'),\n"
    "       (SELECT count(*) FROM retention_plan_row r WHERE r.plan_id = p.id AND r.action = 'review'),\n"
    "       (SELECT count(*) FROM retention_plan_row r WHERE r.plan_id = p.id AND r.action = 'dispose')\n"
    "  FROM retention_plan p\n"
    " WHERE p.id = $1";

/* 1 when plan $1 exists. */
static const char SQL_PLAN_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM retention_plan\n"
    " WHERE id = $1";

/* A page of a saved plan's rows in plan order (rows were inserted in it); $4 NULL for every action. */
static const char SQL_PLAN_ROWS[] =
    "SELECT id, record_class, record_table, record_id, person_id, family_id, trigger_code, trigger_date,\n"
    "       due_date, action, disposal, hold\n"
    "  FROM retention_plan_row\n"
    " WHERE plan_id = $1\n"
    "   AND id > $2\n"
    "   AND ($4 IS NULL OR action = $4)\n"
    " ORDER BY id\n"
    " LIMIT $3";

/* Approve a draft plan whose digest is $2, by $3 at $4. */
static const char SQL_PLAN_APPROVE[] =
    "UPDATE retention_plan\n"
    "   SET state = 'approved',\n"
    "       approved_at = $4,\n"
    "       approved_by = $3,\n"
    "       version = version + 1,\n"
    "       updated_at = $4,\n"
    "       updated_by = $3\n"
    " WHERE id = $1\n"
    "   AND state = 'draft'\n"
    "   AND rows_digest = $2";

static void hex_digest(crypto_generichash_state *h, char out[RETENTION_DIGEST_HEX])
{
    unsigned char d[32];
    crypto_generichash_final(h, d, sizeof d);
    sodium_bin2hex(out, RETENTION_DIGEST_HEX, d, sizeof d);
}

int retention_digest_file(const char *path, char out[RETENTION_DIGEST_HEX], core_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return core_error_set(err, CORE_E_IO, "cannot read %s", path);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_generichash_update(&h, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return core_error_set(err, CORE_E_IO, "cannot read %s", path);
    hex_digest(&h, out);
    return 0;
}

typedef struct saver {
    store *s;
    core_arena rows; /* the insert statement, reset per row */
    int64_t plan_id;
    crypto_generichash_state h;
    core_buf line;
    retention_row_fn fn;
    void *ctx;
} saver;

static int save_row(void *ctx, const retention_row *r, core_error *err)
{
    saver *v = ctx;
    core_buf_reset(&v->line);
    retention_row_csv(r, &v->line);
    if (!core_buf_ok(&v->line))
        return core_error_set(err, CORE_E_INTERNAL, "a plan row is too long");
    crypto_generichash_update(&v->h, (const unsigned char *)v->line.data, v->line.len);
    char trig[CORE_DATE_ISO_SIZE], due[CORE_DATE_ISO_SIZE];
    core_date_format(r->trigger_date, trig);
    core_date_format(r->due_date, due);
    int has_trig = core_date_ok(r->trigger_date), has_due = core_date_ok(r->due_date);
    store_value p[] = {store_v_int(v->plan_id),
                       store_v_text(r->cls->code),
                       store_v_text(r->record_table),
                       store_v_int(r->record_id),
                       r->person_id ? store_v_int(r->person_id) : store_v_null(),
                       r->family_id ? store_v_int(r->family_id) : store_v_null(),
                       store_v_text(policy_trigger_name(r->cls->trigger)),
                       has_trig ? store_v_text(trig) : store_v_null(),
                       has_due ? store_v_text(due) : store_v_null(),
                       store_v_text(retention_action_name(r->action)),
                       store_v_text(policy_disposal_name(r->cls->disposal)),
                       store_v_text(r->hold)};
    int rc = store_exec(v->s, &v->rows, SQL_ROW_INSERT, p, sizeof p / sizeof p[0], NULL, err);
    core_arena_reset(&v->rows);
    if (rc == 0 && v->fn)
        rc = v->fn(v->ctx, r, err);
    return rc;
}

int retention_plan_save(store *s, const policy *p, const char *policy_digest, const char *as_of, int64_t actor,
                        retention_row_fn fn, void *ctx, retention_summary *sum, int64_t *plan_id,
                        char rows_digest[RETENTION_DIGEST_HEX], core_error *err)
{
    retention_summary local;
    if (!sum)
        sum = &local;
    core_date d;
    if (!as_of || core_date_parse(as_of, strlen(as_of), &d) != 0)
        return core_error_set(err, CORE_E_INVALID_DATE, "as-of date '%s' is not YYYY-MM-DD", as_of ? as_of : "");
    saver v = {.s = s, .fn = fn, .ctx = ctx};
    core_buf_init(&v.line, 64 * 1024);
    crypto_generichash_init(&v.h, NULL, 0, 32);
    crypto_generichash_update(&v.h, (const unsigned char *)retention_csv_header, strlen(retention_csv_header));
    core_arena a = CORE_ARENA_INIT;
    char now[21], digest[RETENTION_DIGEST_HEX];
    core_clock_iso(0, now);
    int rc = store_begin(s, err);
    if (rc == 0) {
        store_value pv[] = {store_v_text(as_of), store_v_text(p->profile ? p->profile : ""),
                            store_v_text(policy_digest ? policy_digest : ""), store_v_text(now),
                            actor > 0 ? store_v_int(actor) : store_v_null()};
        rc = store_query_int(s, &a, SQL_PLAN_INSERT, pv, 5, &v.plan_id, err);
    }
    if (rc == 0)
        rc = retention_plan_build(s, p, as_of, save_row, &v, sum, err);
    if (rc == 0) {
        hex_digest(&v.h, digest);
        store_value fv[] = {store_v_int(v.plan_id), store_v_int((int64_t)sum->rows), store_v_text(digest)};
        rc = store_exec(s, &a, SQL_PLAN_FINISH, fv, 3, NULL, err);
    }
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    else {
        *plan_id = v.plan_id;
        if (rows_digest)
            memcpy(rows_digest, digest, RETENTION_DIGEST_HEX);
    }
    core_arena_release(&v.rows);
    core_arena_release(&a);
    core_buf_release(&v.line);
    return rc;
}

int retention_plan_get(store *s, core_arena *a, int64_t id, retention_plan_info *out, core_error *err)
{
    store_stmt *st;
    int rc = store_query(s, a, SQL_PLAN_GET, (store_value[]){store_v_int(id)}, 1, &st, err);
    if (rc < 0 || (rc = store_next(st, err)) < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no retention plan with id %lld", (long long)id);
    out->id = store_col_int(st, 0);
    out->as_of = core_arena_strdup(a, store_col_text(st, 1, NULL));
    out->policy_profile = core_arena_strdup(a, store_col_text(st, 2, NULL));
    out->policy_digest = core_arena_strdup(a, store_col_text(st, 3, NULL));
    out->state = core_arena_strdup(a, store_col_text(st, 4, NULL));
    out->rows_digest = core_arena_strdup(a, store_col_text(st, 5, NULL));
    out->row_count = store_col_int(st, 6);
    out->created_at = core_arena_strdup(a, store_col_text(st, 7, NULL));
    out->created_by = store_col_type(st, 8) == STORE_NULL ? 0 : store_col_int(st, 8);
    out->approved_at = core_arena_strdup(a, store_col_text(st, 9, NULL));
    out->approved_by = store_col_type(st, 10) == STORE_NULL ? 0 : store_col_int(st, 10);
    out->keep = store_col_int(st, 11);
    out->review = store_col_int(st, 12);
    out->dispose = store_col_int(st, 13);
    store_done(st);
    return 0;
}

int retention_plan_approve(store *s, core_arena *a, int64_t id, const char *rows_digest, int64_t actor,
                           core_error *err)
{
    retention_plan_info info;
    int rc = retention_plan_get(s, a, id, &info, err);
    if (rc < 0)
        return rc;
    if (strcmp(info.state, "draft") != 0)
        return core_error_set(err, CORE_E_CONFLICT, "retention plan %lld is %s, not a draft", (long long)id,
                              info.state);
    if (actor > 0 && info.created_by == actor) {
        core_error_set(err, CORE_E_CONFLICT, "a plan is approved by someone other than the person who saved it");
        return core_error_hint(err, "ask another member of information governance to approve it");
    }
    if (!rows_digest || !info.rows_digest || strcmp(rows_digest, info.rows_digest) != 0) {
        core_error_set(err, CORE_E_INVALID_VALUE, "rows_digest is not the digest of this plan's rows");
        return core_error_hint(err, "approve the plan you checked: b2sum -l 256 of its CSV is its rows_digest");
    }
    char now[21];
    core_clock_iso(0, now);
    int64_t changed = 0;
    store_value v[] = {store_v_int(id), store_v_text(info.rows_digest), actor > 0 ? store_v_int(actor) : store_v_null(),
                       store_v_text(core_arena_strdup(a, now))};
    if ((rc = store_exec(s, a, SQL_PLAN_APPROVE, v, 4, &changed, err)) < 0)
        return rc;
    if (changed != 1)
        return core_error_set(err, CORE_E_CONFLICT, "retention plan %lld changed meanwhile", (long long)id);
    return 0;
}

int retention_plan_rows(store *s, core_arena *a, int64_t plan_id, int64_t after, int limit, const char *action,
                        retention_saved_row **out, size_t *n, core_error *err)
{
    if (limit < 1 || limit > 1000)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "limit must be 1..1000");
    if (action && strcmp(action, "keep") != 0 && strcmp(action, "review") != 0 && strcmp(action, "dispose") != 0)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "action is keep, review or dispose");
    int64_t exists = 0;
    int rc = store_query_int(s, a, SQL_PLAN_EXISTS, (store_value[]){store_v_int(plan_id)}, 1, &exists, err);
    if (rc < 0)
        return rc;
    if (!exists)
        return core_error_set(err, CORE_E_NOT_FOUND, "no retention plan with id %lld", (long long)plan_id);
    store_stmt *st;
    const char *act = action ? core_arena_strdup(a, action) : NULL;
    store_value v[] = {store_v_int(plan_id), store_v_int(after), store_v_int(limit), store_v_text(act)};
    if ((rc = store_query(s, a, SQL_PLAN_ROWS, v, 4, &st, err)) < 0)
        return rc;
    *out = core_arena_calloc(a, (size_t)limit, sizeof **out);
    *n = 0;
    while ((rc = store_next(st, err)) == 1) {
        retention_saved_row *r = &(*out)[(*n)++];
        r->row_id = store_col_int(st, 0);
        r->record_class = core_arena_strdup(a, store_col_text(st, 1, NULL));
        r->record_table = core_arena_strdup(a, store_col_text(st, 2, NULL));
        r->record_id = store_col_int(st, 3);
        r->person_id = store_col_type(st, 4) == STORE_NULL ? 0 : store_col_int(st, 4);
        r->family_id = store_col_type(st, 5) == STORE_NULL ? 0 : store_col_int(st, 5);
        r->trigger = core_arena_strdup(a, store_col_text(st, 6, NULL));
        r->trigger_date = core_arena_strdup(a, store_col_text(st, 7, NULL));
        r->due_date = core_arena_strdup(a, store_col_text(st, 8, NULL));
        r->action = core_arena_strdup(a, store_col_text(st, 9, NULL));
        r->disposal = core_arena_strdup(a, store_col_text(st, 10, NULL));
        r->hold = core_arena_strdup(a, store_col_text(st, 11, NULL));
    }
    return rc < 0 ? rc : 0;
}

/* An approved plan, marked run once every row due for disposal has been disposed of. */
static const char SQL_PLAN_RUN[] =
    "UPDATE retention_plan\n"
    "   SET state = 'run', version = version + 1, updated_at = $2, updated_by = $3\n"
    " WHERE id = $1\n"
    "   AND state = 'approved'";

int retention_plan_mark_run(store *s, core_arena *a, int64_t id, int64_t actor, core_error *err)
{
    char now[21];
    core_clock_iso(0, now);
    store_value v[] = {store_v_int(id), store_v_text(core_arena_strdup(a, now)),
                       actor > 0 ? store_v_int(actor) : store_v_null()};
    return store_exec(s, a, SQL_PLAN_RUN, v, 3, NULL, err);
}

int retention_plan_runnable(store *s, core_arena *a, const policy *pol, int64_t plan_id,
                                retention_plan_info *plan, core_error *err)
{
    char digest[RETENTION_DIGEST_HEX], today[11];
    core_clock_today(today);
    int rc = retention_plan_get(s, a, plan_id, plan, err);
    if (rc == 0 && strcmp(plan->state, "draft") == 0) {
        core_error_set(err, CORE_E_CONFLICT, "retention plan %" PRId64 " has not been approved", plan_id);
        rc = core_error_hint(err, "governance approves it first: POST /api/v1/retention-plans/%" PRId64 "/approval",
                             plan_id);
    }
    if (rc == 0 && strcmp(today, plan->as_of) < 0)
        rc = core_error_set(err, CORE_E_CONFLICT, "retention plan %" PRId64 " is as of %s, which has not come",
                            plan_id, plan->as_of);
    if (rc == 0)
        rc = retention_digest_file(pol->path, digest, err);
    if (rc == 0 && strcmp(digest, plan->policy_digest) != 0) {
        core_error_set(err, CORE_E_CONFLICT, "%s is not the policy file plan %" PRId64 " was made with", pol->path,
                       plan_id);
        rc = core_error_hint(err, "run it with the same file (its BLAKE2b digest is %.16s...), or make and approve "
                                  "a new plan", plan->policy_digest);
    }
    return rc;
}
