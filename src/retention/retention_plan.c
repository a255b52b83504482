/*
 * retention_plan.c — the retention plan: which class each record takes, when it falls due, and whether a hold
 * keeps it (retention.h is the contract, docs/retention.md the rules in words).
 *
 * How it works. The plan reads each table it needs once, in id order, into flat arrays of compact rows
 * (dates as day numbers), derives each family's aggregates (open episode, latest end, last contact,
 * programme end, first activity) in one pass over episodes, contacts and activities, and then walks the
 * classes in policy order, each over its table's records in id order. A record is planned under class i
 * only when no earlier class matches it (policy.h invariant 3). Lookups by id are binary searches over the
 * sorted arrays, so the whole plan is O(n log n) in the records and never one query per record.
 *
 * Invariants
 *   1. Every array is sorted by the key it is searched on (ids come from the database with ORDER BY).
 *   2. A day number of NO_DAY means "no date"; a stored date that does not parse is NO_DAY (retention.h 2).
 *   3. The scratch arena holds only statements; arrays are malloc'd and freed in plan_release().
 */
#include <stdlib.h>
#include <string.h>

#include "retention/retention.h"

#define NO_DAY CORE_DATE_DAYS_INVALID

/* ---- SQL: one whole-table read each, in the key order the arrays are searched on ------------------------- */

/* Every person's date of birth, or their expected date of delivery when unborn. */
static const char SQL_PERSONS[] =
    "SELECT id,\n"
    "       coalesce(date_of_birth, expected_date)\n"
    "  FROM person\n"
    " ORDER BY id";

/* Family members, grouped by family. */
static const char SQL_MEMBERS[] =
    "SELECT family_id,\n"
    "       person_id,\n"
    "       role\n"
    "  FROM family_member\n"
    " ORDER BY family_id, person_id";

/* Families, with the date the record was made (the reference date of a family with no episode). */
static const char SQL_FAMILIES[] =
    "SELECT id,\n"
    "       substr(created_at, 1, 10)\n"
    "  FROM family\n"
    " ORDER BY id";

/* Episodes and what the selectors and triggers read of them. */
static const char SQL_EPISODES[] =
    "SELECT id,\n"
    "       family_id,\n"
    "       start_date,\n"
    "       end_date,\n"
    "       closure_reason = 'stepped_up',\n"
    "       programme_id IS NOT NULL,\n"
    "       programme_end\n"
    "  FROM episode\n"
    " ORDER BY id";

/* Contacts: decision nfa or advice, and whether a referral names them. */
static const char SQL_CONTACTS[] =
    "SELECT id,\n"
    "       family_id,\n"
    "       received_on,\n"
    "       decision IN ('nfa', 'advice'),\n"
    "       decision_date\n"
    "  FROM contact\n"
    " ORDER BY id";

/* The contacts some referral came from. */
static const char SQL_REFERRED_CONTACTS[] =
    "SELECT DISTINCT contact_id\n"
    "  FROM referral\n"
    " WHERE contact_id IS NOT NULL\n"
    " ORDER BY contact_id";

/* The children each contact concerns, grouped by contact. */
static const char SQL_CONTACT_CHILDREN[] =
    "SELECT contact_id,\n"
    "       person_id\n"
    "  FROM contact_child\n"
    " ORDER BY contact_id, person_id";

/* Each episode's latest activity (any activity row, attended or not). */
static const char SQL_ACTIVITY_LATEST[] =
    "SELECT episode_id,\n"
    "       max(attended_on)\n"
    "  FROM activity\n"
    " GROUP BY episode_id\n"
    " ORDER BY episode_id";

/* Record-level holds in force on $1: started on or before it and not ended on or before it; and, after them,
 * every data-subject request still open (or waiting on the requester) at $1, as a hold SAR-OPEN on its
 * person (its hold id offset past any legal_hold's, so the placed holds come first). */
static const char SQL_HOLDS_IN_FORCE[] =
    "SELECT id,\n"
    "       reason,\n"
    "       scope_table,\n"
    "       scope_id\n"
    "  FROM legal_hold\n"
    " WHERE from_date <= $1\n"
    "   AND (until_date IS NULL OR until_date > $1)\n"
    "UNION ALL\n"
    "SELECT 1000000000000 + id,\n"
    "       'SAR-OPEN',\n"
    "       'person',\n"
    "       person_id\n"
    "  FROM subject_request\n"
    " WHERE received_on <= $1\n"
    "   AND (closed_on IS NULL OR closed_on > $1)\n"
    " ORDER BY 1";

/* ---- names ----------------------------------------------------------------------------------------------- */

static const char *const action_names[RETENTION_ACTION_COUNT] = {"keep", "review", "dispose"};
static const char *const records_tables[POLICY_RECORDS_COUNT] = {"contact", "episode", "episode", "episode",
                                                                 "family"};
const char *retention_action_name(retention_action a)
{
    return (unsigned)a < RETENTION_ACTION_COUNT ? action_names[a] : NULL;
}
const char *retention_records_table(policy_records r)
{
    return (unsigned)r < POLICY_RECORDS_COUNT ? records_tables[r] : NULL;
}

const char retention_csv_header[] =
    "record_class,record_table,record_id,person_id,family_id,trigger,trigger_date,due_date,action,hold\n";

void retention_row_csv(const retention_row *r, core_buf *out)
{
    char trig[CORE_DATE_ISO_SIZE] = "", due[CORE_DATE_ISO_SIZE] = "";
    if (core_date_ok(r->trigger_date))
        core_date_format(r->trigger_date, trig);
    if (core_date_ok(r->due_date))
        core_date_format(r->due_date, due);
    core_buf_addf(out, "%s,%s,%lld,", r->cls->code, r->record_table, (long long)r->record_id);
    if (r->person_id)
        core_buf_addf(out, "%lld", (long long)r->person_id);
    core_buf_addch(out, ',');
    if (r->family_id)
        core_buf_addf(out, "%lld", (long long)r->family_id);
    core_buf_addf(out, ",%s,%s,%s,%s,", policy_trigger_name(r->cls->trigger), trig, due,
                  retention_action_name(r->action));
    if (r->hold && !strpbrk(r->hold, ",\"\r\n"))
        core_buf_adds(out, r->hold);
    else if (r->hold) {
        core_buf_addch(out, '"');
        for (const char *c = r->hold; *c; c++) {
            if (*c == '"')
                core_buf_addch(out, '"');
            core_buf_addch(out, *c);
        }
        core_buf_addch(out, '"');
    }
    core_buf_addch(out, '\n');
}

core_date retention_period_add(core_date trigger, policy_period period)
{
    core_date d = core_date_add_years(trigger, period.years);
    d = core_date_add_months(d, period.months);
    return core_date_add_days(d, period.days);
}

/* ---- the rows held in memory ------------------------------------------------------------------------------ */

typedef struct pl_person {
    int64_t id;
    int32_t born;       /* date of birth (or expected date); NO_DAY when unknown */
    int32_t adult_from; /* the day they turn 18 (a 29 February birthday: 1 March in common years); NO_DAY */
} pl_person;

typedef struct pl_member {
    int64_t family_id, person_id;
    uint8_t child_role; /* role child, sibling or unborn */
} pl_member;

typedef struct pl_family {
    int64_t id;
    uint32_t mfirst, mcount; /* its members in the member array */
    int32_t created;         /* created_at's date */
    int32_t first_start;     /* earliest episode start; NO_DAY without episodes */
    int32_t last_end;        /* latest episode end; NO_DAY */
    int32_t last_contact;    /* latest contact received_on, activity attended_on, episode end_date; NO_DAY */
    int32_t last_prog_end;   /* latest programme_end of its programme episodes; NO_DAY */
    uint8_t open;            /* an episode without end_date */
    uint8_t has_programme;   /* an episode with a programme_id */
    uint8_t prog_current;    /* a programme episode without programme_end */
    uint8_t has_activity;
} pl_family;

typedef struct pl_episode {
    int64_t id, family_id;
    int32_t start, end, prog_end;
    uint8_t stepped_up, has_programme;
} pl_episode;

typedef struct pl_contact {
    int64_t id, family_id;
    int32_t received, decided;
    uint8_t nfa_or_advice, referred;
    uint32_t cfirst, ccount; /* its children in the contact-child array */
} pl_contact;

typedef struct pl_pair {
    int64_t key, value;
} pl_pair;

/* One table's record-level holds in force, one entry per held id: the lowest hold id on it. */
typedef struct pl_hold {
    int64_t scope_id, hold_id;
    const char *reason;
} pl_hold;

enum { HOLD_PERSON, HOLD_FAMILY, HOLD_EPISODE, HOLD_CONTACT, HOLD_TABLES };
static const char *const hold_tables[HOLD_TABLES] = {"person", "family", "episode", "contact"};

#define VEC(T)                                                                                                \
    struct {                                                                                                  \
        T *v;                                                                                                 \
        size_t n, cap;                                                                                        \
    }

typedef struct plan {
    store *s;
    core_arena scratch; /* statements, hold reasons */
    const policy *p;
    int32_t as_of;
    VEC(pl_person) persons;
    VEC(pl_member) members;
    VEC(pl_family) families;
    VEC(pl_episode) episodes;
    VEC(pl_contact) contacts;
    VEC(int64_t) referred;
    VEC(pl_pair) cchildren; /* contact_id -> person_id */
    VEC(pl_hold) holds[HOLD_TABLES];
    uint8_t *policy_hold_on; /* per policy hold: in force at as_of */
} plan;

#define VEC_PUSH(vec)                                                                                         \
    (((vec).n == (vec).cap                                                                                    \
          ? ((vec).cap = (vec).cap ? (vec).cap * 2 : 1024,                                                    \
             (vec).v = core_xrealloc((vec).v, (vec).cap * sizeof *(vec).v))                                   \
          : 0),                                                                                               \
     memset(&(vec).v[(vec).n], 0, sizeof *(vec).v), &(vec).v[(vec).n++])

static void plan_release(plan *pl)
{
    free(pl->persons.v);
    free(pl->members.v);
    free(pl->families.v);
    free(pl->episodes.v);
    free(pl->contacts.v);
    free(pl->referred.v);
    free(pl->cchildren.v);
    for (int i = 0; i < HOLD_TABLES; i++)
        free(pl->holds[i].v);
    free(pl->policy_hold_on);
    core_arena_release(&pl->scratch);
}

/* A stored date as a day number; NO_DAY for NULL or anything that does not parse. */
static int32_t col_day(store_stmt *st, int i)
{
    size_t len = 0;
    const char *t = store_col_text(st, i, &len);
    core_date d;
    if (!t || core_date_parse(t, len, &d) != 0)
        return NO_DAY;
    return core_date_to_days(d);
}

static int64_t col_id(store_stmt *st, int i)
{
    return store_col_type(st, i) == STORE_NULL ? 0 : store_col_int(st, i);
}

static core_date day_date(int32_t day)
{
    return day == NO_DAY ? CORE_DATE_INVALID : core_date_from_days(day);
}

static int32_t max_day(int32_t a, int32_t b)
{
    if (a == NO_DAY)
        return b;
    if (b == NO_DAY)
        return a;
    return a > b ? a : b;
}

/* The first day on which someone born on `born` is 18 (core_date_age_on's convention). */
static int32_t adult_from(int32_t born)
{
    if (born == NO_DAY)
        return NO_DAY;
    core_date b = core_date_from_days(born);
    core_date d = core_date_add_years(b, 18);
    if (!core_date_ok(d))
        return NO_DAY;
    if (b.m == 2 && b.d == 29 && d.d == 28)
        d = core_date_add_days(d, 1);
    return core_date_to_days(d);
}

/* ---- loading ----------------------------------------------------------------------------------------------- */

static int run_query(plan *pl, const char *sql, const store_value *params, size_t n, store_stmt **st,
                     core_error *err)
{
    return store_query(pl->s, &pl->scratch, sql, params, n, st, err);
}

static int load_persons(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_PERSONS, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_person *p = VEC_PUSH(pl->persons);
        p->id = store_col_int(st, 0);
        p->born = col_day(st, 1);
        p->adult_from = adult_from(p->born);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_members(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_MEMBERS, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_member *m = VEC_PUSH(pl->members);
        m->family_id = store_col_int(st, 0);
        m->person_id = store_col_int(st, 1);
        const char *role = store_col_text(st, 2, NULL);
        m->child_role = role && (strcmp(role, "child") == 0 || strcmp(role, "sibling") == 0 ||
                                 strcmp(role, "unborn") == 0);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_families(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_FAMILIES, NULL, 0, &st, err);
    size_t m = 0;
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_family *f = VEC_PUSH(pl->families);
        f->id = store_col_int(st, 0);
        f->created = col_day(st, 1);
        f->first_start = f->last_end = f->last_contact = f->last_prog_end = NO_DAY;
        /* Members are sorted by family as families are by id: walk both together. */
        while (m < pl->members.n && pl->members.v[m].family_id < f->id)
            m++;
        f->mfirst = (uint32_t)m;
        while (m < pl->members.n && pl->members.v[m].family_id == f->id)
            m++;
        f->mcount = (uint32_t)(m - f->mfirst);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static pl_family *find_family(plan *pl, int64_t id)
{
    size_t lo = 0, hi = pl->families.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pl->families.v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pl->families.n && pl->families.v[lo].id == id ? &pl->families.v[lo] : NULL;
}

static pl_episode *find_episode(plan *pl, int64_t id)
{
    size_t lo = 0, hi = pl->episodes.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pl->episodes.v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pl->episodes.n && pl->episodes.v[lo].id == id ? &pl->episodes.v[lo] : NULL;
}

static const pl_person *find_person(const plan *pl, int64_t id)
{
    size_t lo = 0, hi = pl->persons.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pl->persons.v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pl->persons.n && pl->persons.v[lo].id == id ? &pl->persons.v[lo] : NULL;
}

static int is_referred(const plan *pl, int64_t contact_id)
{
    size_t lo = 0, hi = pl->referred.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pl->referred.v[mid] < contact_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pl->referred.n && pl->referred.v[lo] == contact_id;
}

static int load_episodes(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_EPISODES, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_episode *e = VEC_PUSH(pl->episodes);
        e->id = store_col_int(st, 0);
        e->family_id = store_col_int(st, 1);
        e->start = col_day(st, 2);
        e->end = col_day(st, 3);
        e->stepped_up = store_col_type(st, 4) != STORE_NULL && store_col_int(st, 4) != 0;
        e->has_programme = store_col_int(st, 5) != 0;
        e->prog_end = col_day(st, 6);
        pl_family *f = find_family(pl, e->family_id);
        if (f) {
            if (e->end == NO_DAY)
                f->open = 1;
            if (f->first_start == NO_DAY || (e->start != NO_DAY && e->start < f->first_start))
                f->first_start = e->start;
            f->last_end = max_day(f->last_end, e->end);
            f->last_contact = max_day(f->last_contact, e->end);
            if (e->has_programme) {
                f->has_programme = 1;
                if (e->prog_end == NO_DAY)
                    f->prog_current = 1;
                f->last_prog_end = max_day(f->last_prog_end, e->prog_end);
            }
        }
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_referred(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_REFERRED_CONTACTS, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        *VEC_PUSH(pl->referred) = store_col_int(st, 0);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_contact_children(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_CONTACT_CHILDREN, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_pair *c = VEC_PUSH(pl->cchildren);
        c->key = store_col_int(st, 0);
        c->value = store_col_int(st, 1);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_contacts(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_CONTACTS, NULL, 0, &st, err);
    size_t c = 0;
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_contact *k = VEC_PUSH(pl->contacts);
        k->id = store_col_int(st, 0);
        k->family_id = col_id(st, 1);
        k->received = col_day(st, 2);
        k->nfa_or_advice = store_col_type(st, 3) != STORE_NULL && store_col_int(st, 3) != 0;
        k->decided = col_day(st, 4);
        k->referred = (uint8_t)is_referred(pl, k->id);
        while (c < pl->cchildren.n && pl->cchildren.v[c].key < k->id)
            c++;
        k->cfirst = (uint32_t)c;
        while (c < pl->cchildren.n && pl->cchildren.v[c].key == k->id)
            c++;
        k->ccount = (uint32_t)(c - k->cfirst);
        pl_family *f = k->family_id ? find_family(pl, k->family_id) : NULL;
        if (f)
            f->last_contact = max_day(f->last_contact, k->received);
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int load_activity(plan *pl, core_error *err)
{
    store_stmt *st;
    int rc = run_query(pl, SQL_ACTIVITY_LATEST, NULL, 0, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        pl_episode *e = find_episode(pl, store_col_int(st, 0));
        pl_family *f = e ? find_family(pl, e->family_id) : NULL;
        if (f) {
            f->has_activity = 1;
            f->last_contact = max_day(f->last_contact, col_day(st, 1));
        }
        rc = 0;
    }
    return rc < 0 ? rc : 0;
}

static int hold_cmp(const void *a, const void *b)
{
    const pl_hold *x = a, *y = b;
    if (x->scope_id != y->scope_id)
        return x->scope_id < y->scope_id ? -1 : 1;
    return x->hold_id < y->hold_id ? -1 : x->hold_id > y->hold_id;
}

static int load_holds(plan *pl, const char *as_of, core_error *err)
{
    store_stmt *st;
    store_value v[] = {store_v_text(as_of)};
    int rc = run_query(pl, SQL_HOLDS_IN_FORCE, v, 1, &st, err);
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        const char *table = store_col_text(st, 2, NULL);
        rc = 0;
        for (int t = 0; t < HOLD_TABLES; t++) {
            if (table && strcmp(table, hold_tables[t]) == 0) {
                pl_hold *h = VEC_PUSH(pl->holds[t]);
                h->hold_id = store_col_int(st, 0);
                h->reason = core_arena_strdup(&pl->scratch, store_col_text(st, 1, NULL));
                h->scope_id = store_col_int(st, 3);
            }
        }
    }
    if (rc < 0)
        return rc;
    /* Sort by held id, then hold id, and keep the lowest hold id per held id. */
    for (int t = 0; t < HOLD_TABLES; t++) {
        size_t n = pl->holds[t].n, out = 0;
        pl_hold *h = pl->holds[t].v;
        if (n == 0)
            continue;
        qsort(h, n, sizeof *h, hold_cmp);
        for (size_t i = 0; i < n; i++)
            if (out == 0 || h[out - 1].scope_id != h[i].scope_id)
                h[out++] = h[i];
        pl->holds[t].n = out;
    }
    return 0;
}

/* The lowest hold id on (table, id), folded into *best; *reason gets its code. */
static void hold_check(const plan *pl, int table, int64_t id, int64_t *best, const char **reason)
{
    size_t lo = 0, hi = pl->holds[table].n;
    const pl_hold *h = pl->holds[table].v;
    if (hi == 0 || id == 0)
        return;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid].scope_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < pl->holds[table].n && h[lo].scope_id == id && (*best == 0 || h[lo].hold_id < *best)) {
        *best = h[lo].hold_id;
        *reason = h[lo].reason;
    }
}

/* ---- the rules ---------------------------------------------------------------------------------------------- */

/* A family member is a child of a record made on `on`: a child, sibling or unborn role, or under 18 on `on`. */
static int member_is_child(const plan *pl, const pl_member *m, int32_t on, const pl_person **who)
{
    const pl_person *p = find_person(pl, m->person_id);
    *who = p;
    if (m->child_role)
        return 1;
    return p && p->adult_from != NO_DAY && on != NO_DAY && on < p->adult_from;
}

/* The latest date of birth among the family's children (of a record made on `on`); *person_id the child's
 * (the lowest id among children born the same day). Returns NO_DAY when no child has a known date. Also
 * says whether the family has a child at all (for a policy hold's "children" scope). */
static int32_t family_children(const plan *pl, const pl_family *f, int32_t on, int64_t *person_id, int *any_child)
{
    int32_t latest = NO_DAY;
    *person_id = 0;
    *any_child = 0;
    if (!f)
        return NO_DAY;
    for (uint32_t i = 0; i < f->mcount; i++) {
        const pl_member *m = &pl->members.v[f->mfirst + i];
        const pl_person *p;
        if (!member_is_child(pl, m, on, &p))
            continue;
        *any_child = 1;
        if (p && p->born != NO_DAY && (latest == NO_DAY || p->born > latest)) {
            latest = p->born;
            *person_id = p->id;
        }
    }
    return latest;
}

/* The same for a contact: the children it names (contact_child). A named child counts for the "children"
 * scope when under 18 on the day the contact was received, or when their date of birth is unknown. */
static int32_t contact_children(const plan *pl, const pl_contact *k, int64_t *person_id, int *any_child)
{
    int32_t latest = NO_DAY;
    *person_id = 0;
    *any_child = 0;
    for (uint32_t i = 0; i < k->ccount; i++) {
        const pl_person *p = find_person(pl, pl->cchildren.v[k->cfirst + i].value);
        if (!p)
            continue;
        if (p->adult_from == NO_DAY || k->received == NO_DAY || k->received < p->adult_from)
            *any_child = 1;
        if (p->born != NO_DAY && (latest == NO_DAY || p->born > latest)) {
            latest = p->born;
            *person_id = p->id;
        }
    }
    return latest;
}

/* Does selector r match this record? */
static int contact_matches(policy_records r, const pl_contact *k)
{
    return r == POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION && k->nfa_or_advice && !k->referred;
}
static int episode_matches(policy_records r, const pl_episode *e)
{
    switch (r) {
    case POLICY_RECORDS_EARLY_HELP_CASE: return 1;
    case POLICY_RECORDS_STEPPED_UP_CASE: return e->stepped_up;
    case POLICY_RECORDS_SUPPORTING_FAMILIES_CASE: return e->has_programme;
    default: return 0;
    }
}
static int family_matches(policy_records r, const pl_family *f)
{
    return r == POLICY_RECORDS_FAMILY_CENTRE_CLIENT && f->has_activity;
}

/* The facts about one record that the trigger, the due date and the holds read. */
typedef struct pl_facts {
    int open;               /* an open case: no trigger date for any trigger */
    int32_t closed;         /* its closure date */
    int32_t born;           /* latest child's date of birth */
    int64_t born_person;
    int32_t last_contact;
    int prog_applies;       /* programme_end means something for it */
    int prog_current;       /* a programme still running */
    int32_t prog_end;
    int any_child;          /* for a policy hold's "children" scope */
} pl_facts;

static int32_t trigger_day(const pl_facts *x, policy_trigger t, int64_t *person_id)
{
    *person_id = 0;
    if (x->open)
        return NO_DAY;
    switch (t) {
    case POLICY_TRIGGER_CASE_CLOSURE: return x->closed;
    case POLICY_TRIGGER_END_OF_YEAR_OF_CLOSURE:
        return x->closed == NO_DAY ? NO_DAY : core_date_to_days(core_date_end_of_year(core_date_from_days(x->closed)));
    case POLICY_TRIGGER_DATE_OF_BIRTH:
        *person_id = x->born == NO_DAY ? 0 : x->born_person;
        return x->born;
    case POLICY_TRIGGER_LAST_CONTACT: return x->last_contact;
    case POLICY_TRIGGER_PROGRAMME_END:
        return !x->prog_applies || x->prog_current ? NO_DAY : x->prog_end;
    default: return NO_DAY;
    }
}

static int emit(plan *pl, uint32_t ci, const char *table, int64_t id, int64_t family_id, const pl_facts *x,
                int64_t hold_best, const char *hold_reason, retention_row_fn fn, void *ctx, retention_summary *sum,
                core_error *err)
{
    const policy_retention_class *c = &pl->p->classes[ci];
    retention_row row = {.class_index = ci, .cls = c, .record_table = table, .record_id = id,
                         .family_id = family_id};
    int32_t trig = trigger_day(x, c->trigger, &row.person_id);
    row.trigger_date = day_date(trig);
    row.due_date = trig == NO_DAY ? CORE_DATE_INVALID : retention_period_add(row.trigger_date, c->period);

    /* The first hold in force: the policy's standing holds in file order, then the record's by id. */
    for (uint32_t h = 0; h < pl->p->nholds && !row.hold; h++)
        if (pl->policy_hold_on[h] && (pl->p->holds[h].scope == POLICY_HOLD_ALL || x->any_child))
            row.hold = pl->p->holds[h].code;
    if (!row.hold && hold_best)
        row.hold = hold_reason;

    if (!core_date_ok(row.due_date) || core_date_to_days(row.due_date) > pl->as_of)
        row.action = RETENTION_KEEP;
    else if (row.hold) {
        row.action = RETENTION_KEEP;
        if (sum)
            sum->held_due++;
    } else
        row.action = c->disposal == POLICY_DISPOSAL_REVIEW ? RETENTION_REVIEW : RETENTION_DISPOSE;
    if (sum) {
        sum->rows++;
        sum->by_action[row.action]++;
        if (row.hold)
            sum->held++;
    }
    return fn(ctx, &row, err);
}

/* The first class (index) matching a record, by the given matcher; nclasses when none. */
#define FIRST_CLASS(pl, matcher, rec, out)                                                                    \
    do {                                                                                                      \
        (out) = (pl)->p->nclasses;                                                                            \
        for (uint32_t j_ = 0; j_ < (pl)->p->nclasses; j_++)                                                   \
            if (matcher((pl)->p->classes[j_].records, (rec))) {                                               \
                (out) = j_;                                                                                   \
                break;                                                                                        \
            }                                                                                                 \
    } while (0)

static int plan_contacts(plan *pl, uint32_t ci, retention_row_fn fn, void *ctx, retention_summary *sum,
                         core_error *err)
{
    for (size_t i = 0; i < pl->contacts.n; i++) {
        const pl_contact *k = &pl->contacts.v[i];
        uint32_t first;
        FIRST_CLASS(pl, contact_matches, k, first);
        if (first != ci)
            continue;
        pl_facts x = {0};
        const pl_family *f = k->family_id ? find_family(pl, k->family_id) : NULL;
        x.open = k->decided == NO_DAY;
        x.closed = k->decided;
        x.born = contact_children(pl, k, &x.born_person, &x.any_child);
        /* Its family's last contact while the family has no open case; its own received_on without a family. */
        if (f) {
            x.last_contact = f->open ? NO_DAY : max_day(f->last_contact, k->received);
        } else
            x.last_contact = k->received;
        int64_t best = 0;
        const char *reason = NULL;
        hold_check(pl, HOLD_CONTACT, k->id, &best, &reason);
        hold_check(pl, HOLD_FAMILY, k->family_id, &best, &reason);
        for (uint32_t c = 0; c < k->ccount; c++)
            hold_check(pl, HOLD_PERSON, pl->cchildren.v[k->cfirst + c].value, &best, &reason);
        int rc = emit(pl, ci, "contact", k->id, k->family_id, &x, best, reason, fn, ctx, sum, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void family_person_holds(const plan *pl, const pl_family *f, int64_t *best, const char **reason)
{
    if (!f || pl->holds[HOLD_PERSON].n == 0)
        return;
    for (uint32_t m = 0; m < f->mcount; m++)
        hold_check(pl, HOLD_PERSON, pl->members.v[f->mfirst + m].person_id, best, reason);
}

static int plan_episodes(plan *pl, uint32_t ci, retention_row_fn fn, void *ctx, retention_summary *sum,
                         core_error *err)
{
    for (size_t i = 0; i < pl->episodes.n; i++) {
        const pl_episode *e = &pl->episodes.v[i];
        uint32_t first;
        FIRST_CLASS(pl, episode_matches, e, first);
        if (first != ci)
            continue;
        const pl_family *f = find_family(pl, e->family_id);
        pl_facts x = {0};
        x.open = e->end == NO_DAY;
        x.closed = e->end;
        x.born = family_children(pl, f, e->start, &x.born_person, &x.any_child);
        x.last_contact = !f || f->open ? NO_DAY : f->last_contact;
        x.prog_applies = e->has_programme;
        x.prog_current = e->has_programme && e->prog_end == NO_DAY;
        x.prog_end = e->prog_end;
        int64_t best = 0;
        const char *reason = NULL;
        hold_check(pl, HOLD_EPISODE, e->id, &best, &reason);
        hold_check(pl, HOLD_FAMILY, e->family_id, &best, &reason);
        family_person_holds(pl, f, &best, &reason);
        int rc = emit(pl, ci, "episode", e->id, e->family_id, &x, best, reason, fn, ctx, sum, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int plan_families(plan *pl, uint32_t ci, retention_row_fn fn, void *ctx, retention_summary *sum,
                         core_error *err)
{
    for (size_t i = 0; i < pl->families.n; i++) {
        const pl_family *f = &pl->families.v[i];
        uint32_t first;
        FIRST_CLASS(pl, family_matches, f, first);
        if (first != ci)
            continue;
        pl_facts x = {0};
        x.open = f->open;
        x.closed = f->last_end;
        x.born = family_children(pl, f, f->first_start != NO_DAY ? f->first_start : f->created, &x.born_person,
                                 &x.any_child);
        x.last_contact = f->last_contact;
        x.prog_applies = f->has_programme;
        x.prog_current = f->prog_current;
        x.prog_end = f->last_prog_end;
        int64_t best = 0;
        const char *reason = NULL;
        hold_check(pl, HOLD_FAMILY, f->id, &best, &reason);
        family_person_holds(pl, f, &best, &reason);
        int rc = emit(pl, ci, "family", f->id, f->id, &x, best, reason, fn, ctx, sum, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A class whose trigger cannot apply to its records is a policy the plan refuses rather than keeping every
 * such record silently. */
static int check_policy(const policy *p, core_error *err)
{
    for (uint32_t i = 0; i < p->nclasses; i++) {
        const policy_retention_class *c = &p->classes[i];
        if (!retention_records_table(c->records) || !policy_trigger_name(c->trigger) ||
            !policy_disposal_name(c->disposal))
            return core_error_set(err, CORE_E_INVALID_VALUE, "retention class %s: records, trigger or disposal "
                                  "out of range", c->code ? c->code : "?");
        if (c->records == POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION && c->trigger == POLICY_TRIGGER_PROGRAMME_END) {
            core_error_set(err, CORE_E_INVALID_VALUE,
                           "retention class %s: trigger programme_end does not apply to contact records",
                           c->code ? c->code : "?");
            return core_error_hint(err, "use case_closure, end_of_year_of_closure, date_of_birth or last_contact");
        }
    }
    return 0;
}

int retention_plan_build(store *s, const policy *p, const char *as_of, retention_row_fn fn, void *ctx,
                         retention_summary *sum, core_error *err)
{
    core_date as_of_date;
    if (!as_of || core_date_parse(as_of, strlen(as_of), &as_of_date) != 0) {
        core_error_set(err, CORE_E_INVALID_DATE, "as-of date '%s' is not YYYY-MM-DD", as_of ? as_of : "");
        return core_error_hint(err, "give a real calendar date, e.g. 2026-11-23");
    }
    int rc = check_policy(p, err);
    if (rc < 0)
        return rc;
    if (sum)
        memset(sum, 0, sizeof *sum);

    plan pl = {.s = s, .p = p, .as_of = core_date_to_days(as_of_date)};
    pl.policy_hold_on = core_xmalloc(p->nholds ? p->nholds : 1);
    for (uint32_t h = 0; h < p->nholds; h++) {
        const policy_hold *ph = &p->holds[h];
        core_date from, until;
        int on = ph->from && core_date_parse(ph->from, strlen(ph->from), &from) == 0 &&
                 core_date_cmp(from, as_of_date) <= 0;
        if (on && ph->until) {
            /* In force while as_of < until + release_after. */
            on = core_date_parse(ph->until, strlen(ph->until), &until) == 0;
            core_date release = on ? retention_period_add(until, ph->release_after) : CORE_DATE_INVALID;
            on = on && (!core_date_ok(release) || core_date_cmp(as_of_date, release) < 0);
        }
        pl.policy_hold_on[h] = (uint8_t)on;
    }

    /* Members before families (families point into them); families before what aggregates into them;
     * episodes before activities (an activity finds its family through its episode); contact children and
     * referrals before contacts. */
    if ((rc = load_persons(&pl, err)) < 0 || (rc = load_members(&pl, err)) < 0 ||
        (rc = load_families(&pl, err)) < 0 || (rc = load_episodes(&pl, err)) < 0 ||
        (rc = load_referred(&pl, err)) < 0 || (rc = load_contact_children(&pl, err)) < 0 ||
        (rc = load_contacts(&pl, err)) < 0 || (rc = load_activity(&pl, err)) < 0 ||
        (rc = load_holds(&pl, as_of, err)) < 0)
        goto out;

    for (uint32_t ci = 0; ci < p->nclasses && rc == 0; ci++) {
        switch (p->classes[ci].records) {
        case POLICY_RECORDS_CONTACT_NO_FURTHER_ACTION: rc = plan_contacts(&pl, ci, fn, ctx, sum, err); break;
        case POLICY_RECORDS_FAMILY_CENTRE_CLIENT: rc = plan_families(&pl, ci, fn, ctx, sum, err); break;
        default: rc = plan_episodes(&pl, ci, fn, ctx, sum, err); break;
        }
    }
out:
    plan_release(&pl);
    return rc;
}
