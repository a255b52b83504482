/*
 * retention_hold.c — legal holds placed on single records: add, end, read, list (retention.h).
 *
 * The table is legal_hold (migration 0017). A hold is never deleted: ending it sets until_date, so the plan
 * as of an earlier date still sees it, and the previous row is kept in row_history like every change.
 */
#include <jansson.h>
#include <string.h>

#include "core/core_clock.h"
#include "retention/retention.h"

/* 1 when $1 is an active legal_hold_reason code. */
static const char SQL_REASON_OK[] =
    "SELECT count(*)\n"
    "  FROM ref_code\n"
    " WHERE list = 'legal_hold_reason'\n"
    "   AND code = $1\n"
    "   AND active = 1";

/* 1 when the held row exists: one statement per table, so no identifier ever comes from input. */
static const char SQL_PERSON_EXISTS[] = "SELECT count(*)\n  FROM person\n WHERE id = $1";
static const char SQL_FAMILY_EXISTS[] = "SELECT count(*)\n  FROM family\n WHERE id = $1";
static const char SQL_EPISODE_EXISTS[] = "SELECT count(*)\n  FROM episode\n WHERE id = $1";
static const char SQL_CONTACT_EXISTS[] = "SELECT count(*)\n  FROM contact\n WHERE id = $1";

/* A new hold; returns its id. */
static const char SQL_HOLD_INSERT[] =
    "INSERT INTO legal_hold (reason, scope_table, scope_id, from_date, note,\n"
    "                        created_at, created_by, updated_at, updated_by)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7)\n"
    "RETURNING id";

/* One hold, every column. */
static const char SQL_HOLD_GET[] =
    "SELECT id, reason, scope_table, scope_id, from_date, until_date, note, version,\n"
    "       created_at, created_by, updated_at, updated_by\n"
    "  FROM legal_hold\n"
    " WHERE id = $1";

/* Holds after $1 by id, at most $2; $3 = 1 keeps only those standing (no until_date). */
static const char SQL_HOLD_LIST[] =
    "SELECT id, reason, scope_table, scope_id, from_date, until_date, note, version,\n"
    "       created_at, created_by, updated_at, updated_by\n"
    "  FROM legal_hold\n"
    " WHERE id > $1\n"
    "   AND ($3 = 0 OR until_date IS NULL)\n"
    " ORDER BY id\n"
    " LIMIT $2";

/* End a hold read at version $3. */
static const char SQL_HOLD_END[] =
    "UPDATE legal_hold\n"
    "   SET until_date = $2,\n"
    "       version = version + 1,\n"
    "       updated_at = $4,\n"
    "       updated_by = $5\n"
    " WHERE id = $1\n"
    "   AND version = $3\n"
    "   AND until_date IS NULL";

/* Keep the row as it stood before a change. */
static const char SQL_HISTORY_INSERT[] =
    "INSERT INTO row_history (table_name, row_id, version, changed_at, changed_by, previous)\n"
    "VALUES ('legal_hold', $1, $2, $3, $4, $5)";

static store_value actor_value(int64_t actor)
{
    return actor > 0 ? store_v_int(actor) : store_v_null();
}

static int check_date(const char *what, const char *s, core_error *err)
{
    core_date d;
    if (!s || core_date_parse(s, strlen(s), &d) != 0) {
        core_error_set(err, CORE_E_INVALID_DATE, "%s is not a date YYYY-MM-DD", what);
        return core_error_hint(err, "write the date as YYYY-MM-DD, e.g. 2026-11-23");
    }
    return 0;
}

int retention_hold_add(store *s, core_arena *a, const char *reason, const char *scope_table, int64_t scope_id,
                       const char *from_date, const char *note, int64_t actor, int64_t *id_out, core_error *err)
{
    int64_t n = 0;
    int rc;
    if (!reason || !reason[0])
        return core_error_set(err, CORE_E_MISSING_FIELD, "reason");
    if ((rc = store_query_int(s, a, SQL_REASON_OK, (store_value[]){store_v_text(reason)}, 1, &n, err)) < 0)
        return rc;
    if (n == 0) {
        core_error_set(err, CORE_E_INVALID_CODE, "reason is not a code of legal_hold_reason");
        return core_error_hint(err, "GET /api/v1/reference/legal_hold_reason lists the codes");
    }
    const char *exists = NULL;
    if (scope_table && strcmp(scope_table, "person") == 0)
        exists = SQL_PERSON_EXISTS;
    else if (scope_table && strcmp(scope_table, "family") == 0)
        exists = SQL_FAMILY_EXISTS;
    else if (scope_table && strcmp(scope_table, "episode") == 0)
        exists = SQL_EPISODE_EXISTS;
    else if (scope_table && strcmp(scope_table, "contact") == 0)
        exists = SQL_CONTACT_EXISTS;
    if (!exists) {
        core_error_set(err, CORE_E_INVALID_VALUE, "scope_table must be person, family, episode or contact");
        return core_error_hint(err, "a hold on a family covers its episodes and contacts; on a person, every "
                                    "record about them");
    }
    if (scope_id <= 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "scope_id must be a positive id");
    char today[11];
    if (!from_date) {
        core_clock_today(today);
        from_date = today;
    }
    if ((rc = check_date("from_date", from_date, err)) < 0)
        return rc;
    if (note && strlen(note) > RETENTION_HOLD_NOTE_MAX)
        return core_error_set(err, CORE_E_INVALID_VALUE, "note is longer than %d bytes", RETENTION_HOLD_NOTE_MAX);
    if ((rc = store_query_int(s, a, exists, (store_value[]){store_v_int(scope_id)}, 1, &n, err)) < 0)
        return rc;
    if (n == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no %s with id %lld", scope_table, (long long)scope_id);
    char now[21];
    core_clock_iso(0, now);
    /* Copies: the statement binds without copying, and the caller's strings may not outlive it. */
    const char *r = core_arena_strdup(a, reason), *t = core_arena_strdup(a, scope_table),
               *f = core_arena_strdup(a, from_date), *nt = core_arena_strdup(a, note),
               *at = core_arena_strdup(a, now);
    store_value v[] = {store_v_text(r),  store_v_text(t),  store_v_int(scope_id), store_v_text(f),
                       store_v_text(nt), store_v_text(at), actor_value(actor)};
    return store_query_int(s, a, SQL_HOLD_INSERT, v, 7, id_out, err);
}

static void hold_from_row(core_arena *a, store_stmt *st, retention_hold *h)
{
    h->id = store_col_int(st, 0);
    h->reason = core_arena_strdup(a, store_col_text(st, 1, NULL));
    h->scope_table = core_arena_strdup(a, store_col_text(st, 2, NULL));
    h->scope_id = store_col_int(st, 3);
    h->from_date = core_arena_strdup(a, store_col_text(st, 4, NULL));
    h->until_date = core_arena_strdup(a, store_col_text(st, 5, NULL));
    h->note = core_arena_strdup(a, store_col_text(st, 6, NULL));
    h->version = store_col_int(st, 7);
    h->created_at = core_arena_strdup(a, store_col_text(st, 8, NULL));
    h->created_by = store_col_type(st, 9) == STORE_NULL ? 0 : store_col_int(st, 9);
    h->updated_at = core_arena_strdup(a, store_col_text(st, 10, NULL));
    h->updated_by = store_col_type(st, 11) == STORE_NULL ? 0 : store_col_int(st, 11);
}

int retention_hold_get(store *s, core_arena *a, int64_t id, retention_hold *out, core_error *err)
{
    store_stmt *st;
    int rc = store_query(s, a, SQL_HOLD_GET, (store_value[]){store_v_int(id)}, 1, &st, err);
    if (rc < 0)
        return rc;
    rc = store_next(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return core_error_set(err, CORE_E_NOT_FOUND, "no legal hold with id %lld", (long long)id);
    hold_from_row(a, st, out);
    store_done(st);
    return 0;
}

int retention_hold_list(store *s, core_arena *a, int64_t after, int limit, int standing_only, retention_hold **out,
                        size_t *n, core_error *err)
{
    if (limit < 1 || limit > 1000)
        return core_error_set(err, CORE_E_BAD_PARAMETER, "limit must be 1..1000");
    store_stmt *st;
    store_value v[] = {store_v_int(after), store_v_int(limit), store_v_int(standing_only ? 1 : 0)};
    int rc = store_query(s, a, SQL_HOLD_LIST, v, 3, &st, err);
    if (rc < 0)
        return rc;
    *out = core_arena_calloc(a, (size_t)limit, sizeof **out);
    *n = 0;
    while ((rc = store_next(st, err)) == 1)
        hold_from_row(a, st, &(*out)[(*n)++]);
    return rc < 0 ? rc : 0;
}

/* The row as JSON text, for row_history. */
static char *hold_json(core_arena *a, const retention_hold *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(h->id));
    json_object_set_new(o, "reason", json_string(h->reason));
    json_object_set_new(o, "scope_table", json_string(h->scope_table));
    json_object_set_new(o, "scope_id", json_integer(h->scope_id));
    json_object_set_new(o, "from_date", json_string(h->from_date));
    json_object_set_new(o, "until_date", h->until_date ? json_string(h->until_date) : json_null());
    json_object_set_new(o, "note", h->note ? json_string(h->note) : json_null());
    json_object_set_new(o, "version", json_integer(h->version));
    json_object_set_new(o, "created_at", json_string(h->created_at));
    json_object_set_new(o, "created_by", h->created_by ? json_integer(h->created_by) : json_null());
    json_object_set_new(o, "updated_at", json_string(h->updated_at));
    json_object_set_new(o, "updated_by", h->updated_by ? json_integer(h->updated_by) : json_null());
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!text)
        core_die("retention: json_dumps");
    char *copy = core_arena_strdup(a, text);
    free(text);
    return copy;
}

int retention_hold_end(store *s, core_arena *a, int64_t id, const char *until_date, int64_t expected_version,
                       int64_t actor, core_error *err)
{
    int rc = check_date("until_date", until_date, err);
    if (rc < 0)
        return rc;
    retention_hold h;
    if ((rc = retention_hold_get(s, a, id, &h, err)) < 0)
        return rc;
    if (expected_version > 0 && expected_version != h.version) {
        core_error_set(err, CORE_E_STALE, "legal hold %lld is at version %lld", (long long)id,
                       (long long)h.version);
        return core_error_hint(err, "read it again and send the version you read");
    }
    if (h.until_date)
        return core_error_set(err, CORE_E_CONFLICT, "legal hold %lld already ended on %s", (long long)id,
                              h.until_date);
    if (strcmp(until_date, h.from_date) < 0)
        return core_error_set(err, CORE_E_INVALID_VALUE, "until_date is before the hold's from_date %s",
                              h.from_date);
    char now[21];
    core_clock_iso(0, now);
    const char *at = core_arena_strdup(a, now), *u = core_arena_strdup(a, until_date);
    const char *previous = hold_json(a, &h);
    store_value hv[] = {store_v_int(id), store_v_int(h.version), store_v_text(at), actor_value(actor),
                        store_v_text(previous)};
    if ((rc = store_exec(s, a, SQL_HISTORY_INSERT, hv, 5, NULL, err)) < 0)
        return rc;
    int64_t changed = 0;
    store_value v[] = {store_v_int(id), store_v_text(u), store_v_int(h.version), store_v_text(at),
                       actor_value(actor)};
    if ((rc = store_exec(s, a, SQL_HOLD_END, v, 5, &changed, err)) < 0)
        return rc;
    if (changed != 1)
        return core_error_set(err, CORE_E_STALE, "legal hold %lld changed meanwhile", (long long)id);
    return 0;
}

/* The first legal hold in force on $2 over person $1 or a family they are a member of. */
static const char SQL_PERSON_HELD[] =
    "SELECT h.reason\n"
    "  FROM legal_hold h\n"
    " WHERE h.from_date <= $2\n"
    "   AND (h.until_date IS NULL OR h.until_date > $2)\n"
    "   AND ((h.scope_table = 'person' AND h.scope_id = $1)\n"
    "        OR (h.scope_table = 'family' AND h.scope_id IN (SELECT family_id FROM family_member\n"
    "                                                         WHERE person_id = $1)))\n"
    " ORDER BY h.id\n"
    " LIMIT 1";

int retention_person_held(store *s, core_arena *a, int64_t person, const char *on, const char **reason,
                          core_error *err)
{
    *reason = NULL;
    store_value p[] = {store_v_int(person), store_v_text(on)};
    store_stmt *st;
    int rc = store_query(s, a, SQL_PERSON_HELD, p, 2, &st, err);
    if (rc)
        return rc;
    if ((rc = store_next(st, err)) == 1)
        *reason = core_arena_strdup(a, store_col_text(st, 0, NULL));
    store_done(st);
    return rc < 0 ? rc : 0;
}
