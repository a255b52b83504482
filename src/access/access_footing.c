/*
 * access_footing.c — steps 1 and 2 of the access decision (access.c has the reading guide):
 *   1. walk a record up to what access is decided on — a person, a family or a front-door contact — noting
 *      the person it is about and any narrower sharing label (access_anchor_find());
 *   2. find the principal's footing there (access_family_footing(), access_person_footing(),
 *      access_contact_footing()): the relationships of docs/access.md, then live grants (duty, break glass),
 *      then "recorder"; footings on families and people are remembered across requests in access_cache under
 *      the access generation, and within a request in the principal.
 * Every query is a bound constant below.
 */
#include "access/access.h"
#include "access/access_cache.h"
#include "access/access_internal.h"

/* ---- step 1: walk a record up to a person, family or contact ---- */

static const struct {
    const char *table;
    access_anchor_kind kind;
    const char *found_sql; /* one row when the record exists */
} anchors[] = {
    {"person", ACCESS_ANCHOR_PERSON, "SELECT count(*) FROM person WHERE id = $1"},
    {"family", ACCESS_ANCHOR_FAMILY, "SELECT count(*) FROM family WHERE id = $1"},
    {"contact", ACCESS_ANCHOR_CONTACT, "SELECT count(*) FROM contact WHERE id = $1"},
    {"agency", ACCESS_ANCHOR_DIRECTORY, NULL},
    {"team", ACCESS_ANCHOR_DIRECTORY, NULL},
};

/* Each row: the table, what it hangs off, and a query giving (parent id, person it is about, sharing
 * label) — the last two NULL when the table has none. A need takes the section of the assessment area its
 * headline belongs to (headline_area), as an area does. */
static const struct link {
    const char *table;
    const char *up;
    const char *sql;
} links[] = {
    {"person_former_name", "person", "SELECT person_id, person_id, NULL FROM person_former_name WHERE id = $1"},
    {"person_address", "person", "SELECT person_id, person_id, NULL FROM person_address WHERE id = $1"},
    {"person_contact_detail", "person",
     "SELECT person_id, person_id, NULL FROM person_contact_detail WHERE id = $1"},
    {"family_member", "family", "SELECT family_id, person_id, NULL FROM family_member WHERE id = $1"},
    {"contact_child", "contact", "SELECT contact_id, person_id, NULL FROM contact_child WHERE id = $1"},
    {"phone_call", "contact", "SELECT contact_id, NULL, NULL FROM phone_call WHERE id = $1"},
    {"referral", "family", "SELECT family_id, NULL, NULL FROM referral WHERE id = $1"},
    {"consent", "family", "SELECT family_id, NULL, NULL FROM consent WHERE id = $1"},
    {"sharing_basis", "family", "SELECT family_id, NULL, NULL FROM sharing_basis WHERE id = $1"},
    {"episode", "family", "SELECT family_id, NULL, NULL FROM episode WHERE id = $1"},
    {"episode_member", "episode", "SELECT episode_id, NULL, NULL FROM episode_member WHERE id = $1"},
    {"assessment", "episode", "SELECT episode_id, NULL, NULL FROM assessment WHERE id = $1"},
    {"assessment_area", "assessment",
     "SELECT assessment_id, NULL, 'assessment.' || area FROM assessment_area WHERE id = $1"},
    {"assessment_need", "assessment",
     "SELECT n.assessment_id, NULL, 'assessment.' || h.area\n"
     "  FROM assessment_need n\n"
     "  LEFT JOIN headline_area h ON h.headline = n.headline\n"
     " WHERE n.id = $1"},
    {"plan", "episode", "SELECT episode_id, NULL, NULL FROM plan WHERE id = $1"},
    {"plan_goal", "plan", "SELECT plan_id, NULL, NULL FROM plan_goal WHERE id = $1"},
    {"plan_action", "plan", "SELECT plan_id, NULL, NULL FROM plan_action WHERE id = $1"},
    {"review", "episode", "SELECT episode_id, NULL, NULL FROM review WHERE id = $1"},
    {"activity", "episode", "SELECT episode_id, NULL, NULL FROM activity WHERE id = $1"},
    {"case_note", "episode", "SELECT episode_id, NULL, sharing_label FROM case_note WHERE id = $1"},
    {"supervision", "episode", "SELECT episode_id, NULL, NULL FROM supervision WHERE id = $1"},
};


static const struct link *link_find(const char *table)
{
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        if (strcmp(links[i].table, table) == 0)
            return &links[i];
    return NULL;
}

static int anchor_index(const char *table)
{
    for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
        if (strcmp(anchors[i].table, table) == 0)
            return (int)i;
    return -1;
}

int access_table_is_directory(const char *table)
{
    int i = anchor_index(table);
    return i >= 0 && anchors[i].kind == ACCESS_ANCHOR_DIRECTORY;
}

/* 0 and out filled; or CORE_E_NOT_FOUND when the record does not exist. */
int access_anchor_find(access_decision *d, const char *table, int64_t id, access_anchor *out)
{
    memset(out, 0, sizeof(*out));
    for (int depth = 0; depth < 6; depth++) {
        int ai = anchor_index(table);
        if (ai >= 0) {
            out->kind = anchors[ai].kind;
            out->id = id;
            if (!anchors[ai].found_sql)
                return 0;
            store_value p[] = {store_v_int(id)};
            if (access_query_int(d, anchors[ai].found_sql, p, 1, 0) == 0) {
                out->kind = ACCESS_ANCHOR_NONE;
                return d->failed ? CORE_E_STORE : CORE_E_NOT_FOUND;
            }
            if (out->kind == ACCESS_ANCHOR_PERSON && !out->person_id)
                out->person_id = id;
            return 0;
        }
        const struct link *l = link_find(table);
        if (!l)
            return core_error_set(d->err, CORE_E_INTERNAL, "access has no rule for table %s", table);
        store_value p[] = {store_v_int(id)};
        store_stmt *st;
        int rc = store_query(d->db, &d->arena, l->sql, p, 1, &st, d->err);
        if (rc == 0)
            rc = store_next(st, d->err);
        if (rc < 0) {
            d->failed = 1;
            return rc;
        }
        if (rc == 0)
            return CORE_E_NOT_FOUND;
        int up_null = store_col_type(st, 0) == STORE_NULL;
        int64_t up = store_col_int(st, 0);
        if (!out->person_id && store_col_type(st, 1) != STORE_NULL)
            out->person_id = store_col_int(st, 1);
        const char *label = store_col_text(st, 2, NULL);
        if (label && !out->label[0])
            snprintf(out->label, sizeof(out->label), "%s", label);
        if (up_null) { /* a phone call not (yet) tied to a contact */
            out->kind = ACCESS_ANCHOR_CONTACT;
            out->id = 0;
            return 0;
        }
        table = l->up;
        id = up;
    }
    return core_error_set(d->err, CORE_E_INTERNAL, "access walked too far from %s", table);
}

/* ---- step 2: footings ---- */

static const char SQL_EPISODE_TIES[] =
    "SELECT e.lead_user_id IS NOT DISTINCT FROM $2,\n"
    "       EXISTS (SELECT 1\n"
    "                 FROM episode_member m\n"
    "                WHERE m.episode_id = e.id\n"
    "                  AND m.user_id = $2\n"
    "                  AND (m.to_date IS NULL OR m.to_date >= $4)),\n"
    "       e.owning_team_id IS NOT DISTINCT FROM $3\n"
    "  FROM episode e\n"
    " WHERE e.family_id = $1\n"
    "   AND (e.end_date IS NULL OR e.end_date >= $5)";

/* The front door reaches a family through a contact in triage only when the contact opened it: a family
 * that existed before the contact named it stays behind its own footings (triage sees its history). */
static const char SQL_FAMILY_IN_TRIAGE[] =
    "SELECT count(*)\n"
    "  FROM contact\n"
    " WHERE family_id = $1\n"
    "   AND opens_family = 1\n"
    "   AND (decision IS NULL OR decision_date >= $2)";

static const char SQL_CONTACT_TRIAGE[] =
    "SELECT decision IS NULL OR decision_date >= $2, coalesce(family_id, 0), opens_family\n"
    "  FROM contact\n"
    " WHERE id = $1";

static const char SQL_GRANT_FAMILY[] =
    "SELECT id, kind, reason\n"
    "  FROM access_grant\n"
    " WHERE user_id = $1 AND family_id = $2 AND expires_at > $3\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_GRANT_PERSON[] =
    "SELECT id, kind, reason\n"
    "  FROM access_grant\n"
    " WHERE user_id = $1 AND person_id = $2 AND expires_at > $3\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_FAMILY_RECORDER[] =
    "SELECT count(*)\n"
    "  FROM family f\n"
    " WHERE f.id = $1 AND f.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM episode WHERE family_id = f.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact WHERE family_id = f.id)";

static const char SQL_PERSON_RECORDER[] =
    "SELECT count(*)\n"
    "  FROM person p\n"
    " WHERE p.id = $1 AND p.created_by = $2\n"
    "   AND NOT EXISTS (SELECT 1 FROM family_member WHERE person_id = p.id)\n"
    "   AND NOT EXISTS (SELECT 1 FROM contact_child WHERE person_id = p.id)";

/* The families and contacts through which a person's own records are reached: only links that opened the
 * person (a person added to a family, or named on a contact, after they were known stays behind their own
 * footings). */
static const char SQL_PERSON_FAMILIES[] =
    "SELECT family_id\n"
    "  FROM family_member\n"
    " WHERE person_id = $1\n"
    "   AND opens_person = 1\n"
    " ORDER BY family_id\n"
    " LIMIT 50";

static const char SQL_PERSON_CONTACTS[] =
    "SELECT contact_id\n"
    "  FROM contact_child\n"
    " WHERE person_id = $1\n"
    "   AND opens_person = 1\n"
    " ORDER BY contact_id DESC\n"
    " LIMIT 50";

/* A live grant (duty for governance, break glass for the roles that may break glass) into f. */
static int grant_footing(access_decision *d, const char *sql, int64_t target, access_footing *f)
{
    access_principal *w = d->who;
    store_value p[] = {store_v_int(w->user_id), store_v_int(target), store_v_text(d->clock.now)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, sql, p, 3, &st, d->err);
    if (rc == 0)
        rc = store_next(st, d->err);
    if (rc < 0) {
        d->failed = 1;
        return 0;
    }
    if (rc == 0)
        return 0;
    const char *kind = store_col_text(st, 1, NULL), *reason = store_col_text(st, 2, NULL);
    int duty = kind && strcmp(kind, "duty") == 0;
    if (duty ? !access_role_is(w, ACCESS_ROLE_GOVERNANCE) : !access_role_in(w, ACCESS_ROLES_BREAK_GLASS))
        return 0;
    f->basis = duty ? ACCESS_ON_DUTY : ACCESS_ON_BREAK_GLASS;
    f->grant_id = store_col_int(st, 0);
    /* Only a code goes into the footing (it is written into audit JSON unescaped). */
    size_t n = 0;
    for (const char *c = reason ? reason : ""; *c && n + 1 < sizeof(f->reason); c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')
            f->reason[n++] = *c;
    f->reason[n] = '\0';
    return 1;
}

static void family_footing_uncached(access_decision *d, int64_t family, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    f->family_id = family;
    if (access_role_in(w, ACCESS_ROLES_NO_CASE_RECORDS))
        return;
    if (!access_role_is(w, ACCESS_ROLE_GOVERNANCE)) {
        char since[11], triage_since[11];
        access_days_before(d->clock.today, access_setting_of(d, "closed_case_days", 30), since);
        if (d->failed)
            return;
        store_value p[] = {store_v_int(family), store_v_int(w->user_id),
                           w->team_id ? store_v_int(w->team_id) : store_v_null(), store_v_text(d->clock.today),
                           store_v_text(since)};
        store_stmt *st;
        int rc = store_query(d->db, &d->arena, SQL_EPISODE_TIES, p, 5, &st, d->err);
        int lead = 0, taf = 0, manager = 0;
        while (rc == 0 && (rc = store_next(st, d->err)) == 1) {
            rc = 0; /* a row: read on */
            lead |= store_col_int(st, 0) != 0;
            taf |= store_col_int(st, 1) != 0;
            manager |= store_col_int(st, 2) != 0 && access_role_is(w, ACCESS_ROLE_TEAM_MANAGER);
        }
        if (rc < 0) {
            d->failed = 1;
            return;
        }
        f->basis = lead ? ACCESS_ON_LEAD : taf ? ACCESS_ON_TAF : manager ? ACCESS_ON_TEAM_MANAGER : ACCESS_ON_NONE;
        if (f->basis)
            return;
        if (access_role_is(w, ACCESS_ROLE_PARTNER))
            return; /* partners reach a family only through its Team Around the Family */
        if (access_role_is(w, ACCESS_ROLE_FRONT_DOOR)) {
            access_days_before(d->clock.today, access_setting_of(d, "triage_grace_days", 5), triage_since);
            store_value q[] = {store_v_int(family), store_v_text(triage_since)};
            if (!d->failed && access_query_int(d, SQL_FAMILY_IN_TRIAGE, q, 2, 0) > 0) {
                f->basis = ACCESS_ON_FRONT_DOOR;
                return;
            }
        }
    }
    if (d->failed || grant_footing(d, SQL_GRANT_FAMILY, family, f))
        return;
    if (access_role_is(w, ACCESS_ROLE_GOVERNANCE))
        return;
    store_value r[] = {store_v_int(family), store_v_int(w->user_id)};
    if (access_query_int(d, SQL_FAMILY_RECORDER, r, 2, 0) > 0)
        f->basis = ACCESS_ON_RECORDER;
}

/* ---- footings remembered across requests (access_cache.h) ---- */

/* The access generation: bumped by triggers (migration 0027) with every change to a row a footing rests on. */
static const char SQL_ACCESS_GENERATION[] =
    "SELECT n\n"
    "  FROM access_generation\n"
    " WHERE id = 1";

enum { CACHED_FAMILY = 1, CACHED_PERSON = 2 };

/* The key of the principal's footing on a family or person today; 0 when there is no cache to ask. Reads the
 * generation once per decision, before any row the footing is found from (access_cache.h, invariant 2). */
static int cache_key(access_decision *d, int kind, int64_t id, access_cache_key *k)
{
    access_principal *w = d->who;
    if (!w->cache || d->generation_read < 0)
        return 0;
    if (d->generation_read == 0) {
        core_error e;
        core_error_clear(&e);
        d->generation_read = store_query_int(d->db, &d->arena, SQL_ACCESS_GENERATION, NULL, 0, &d->generation,
                                             &e) == 0
                                 ? 1
                                 : -1; /* a database without the table: decide without the cache */
        if (d->generation_read < 0)
            return 0;
    }
    memset(k, 0, sizeof(*k));
    k->user_id = w->user_id;
    k->team_id = w->team_id;
    k->agency_id = w->agency_id;
    k->id = id;
    k->role = (int32_t)access_role_of(w);
    k->anchor = kind;
    memcpy(k->today, d->clock.today, sizeof(d->clock.today));
    return 1;
}

/* Remember a footing found afresh, unless the decision failed or it rests on a grant (which lapses by the
 * hour, not the day). */
static void cache_put(access_decision *d, const access_cache_key *k, const access_footing *f)
{
    if (!d->failed && f->basis != ACCESS_ON_DUTY && f->basis != ACCESS_ON_BREAK_GLASS && !f->grant_id)
        access_cache_put(d->who->cache, k, d->generation, f);
}

static void family_footing_remembered(access_decision *d, int64_t family, access_footing *f)
{
    access_cache_key k;
    int cached = cache_key(d, CACHED_FAMILY, family, &k);
    if (cached && access_cache_get(d->who->cache, &k, d->generation, f))
        return;
    family_footing_uncached(d, family, f);
    if (cached)
        cache_put(d, &k, f);
}

void access_family_footing(access_decision *d, int64_t family, access_footing *f)
{
    access_principal *w = d->who;
    for (int i = 0; i < w->nfamilies; i++)
        if (w->families[i].family_id == family) {
            *f = w->families[i].footing;
            return;
        }
    family_footing_remembered(d, family, f);
    if (!d->failed && w->nfamilies < ACCESS_CACHE) {
        w->families[w->nfamilies].family_id = family;
        w->families[w->nfamilies].footing = *f;
        w->nfamilies++;
    }
}

void access_contact_footing(access_decision *d, int64_t contact, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    if (contact == 0) { /* a phone call not tied to a contact: the front door's own record */
        if (access_role_is(w, ACCESS_ROLE_FRONT_DOOR))
            f->basis = ACCESS_ON_FRONT_DOOR;
        return;
    }
    char triage_since[11];
    access_days_before(d->clock.today, access_setting_of(d, "triage_grace_days", 5), triage_since);
    if (d->failed)
        return;
    store_value p[] = {store_v_int(contact), store_v_text(triage_since)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, SQL_CONTACT_TRIAGE, p, 2, &st, d->err);
    if (rc == 0)
        rc = store_next(st, d->err);
    if (rc < 0) {
        d->failed = 1;
        return;
    }
    if (rc == 0)
        return;
    int in_triage = store_col_int(st, 0) != 0;
    int64_t family = store_col_int(st, 1);
    int opens_family = store_col_int(st, 2) != 0;
    if (in_triage && access_role_is(w, ACCESS_ROLE_FRONT_DOOR)) {
        /* The contact itself, its children's rows and its calls; the family only if the contact opened it. */
        f->basis = ACCESS_ON_FRONT_DOOR;
        f->family_id = opens_family ? family : 0;
        return;
    }
    if (family)
        access_family_footing(d, family, f);
}

static void person_footing_uncached(access_decision *d, int64_t person, access_footing *f)
{
    access_principal *w = d->who;
    memset(f, 0, sizeof(*f));
    if (access_role_in(w, ACCESS_ROLES_NO_CASE_RECORDS))
        return;
    if (grant_footing(d, SQL_GRANT_PERSON, person, f) || d->failed)
        return;
    int64_t families[50], contacts[50];
    int nf = 0, nc = 0;
    store_value p[] = {store_v_int(person)};
    store_stmt *st;
    int rc = store_query(d->db, &d->arena, SQL_PERSON_FAMILIES, p, 1, &st, d->err);
    while (rc == 0 && nf < 50 && (rc = store_next(st, d->err)) == 1) {
        families[nf++] = store_col_int(st, 0);
        rc = 0;
    }
    if (rc == 0)
        rc = store_query(d->db, &d->arena, SQL_PERSON_CONTACTS, p, 1, &st, d->err);
    while (rc == 0 && nc < 50 && (rc = store_next(st, d->err)) == 1) {
        contacts[nc++] = store_col_int(st, 0);
        rc = 0;
    }
    if (rc < 0) {
        d->failed = 1;
        return;
    }
    for (int i = 0; i < nf && !d->failed; i++) {
        access_family_footing(d, families[i], f);
        if (f->basis)
            return;
    }
    for (int i = 0; i < nc && !d->failed; i++) {
        access_contact_footing(d, contacts[i], f);
        if (f->basis)
            return;
    }
    memset(f, 0, sizeof(*f));
    if (!d->failed && !access_role_is(w, ACCESS_ROLE_GOVERNANCE)) {
        store_value r[] = {store_v_int(person), store_v_int(w->user_id)};
        if (access_query_int(d, SQL_PERSON_RECORDER, r, 2, 0) > 0)
            f->basis = ACCESS_ON_RECORDER;
    }
}

void access_person_footing(access_decision *d, int64_t person, access_footing *f)
{
    access_cache_key k;
    int cached = cache_key(d, CACHED_PERSON, person, &k);
    if (cached && access_cache_get(d->who->cache, &k, d->generation, f))
        return;
    person_footing_uncached(d, person, f);
    if (cached)
        cache_put(d, &k, f);
}

