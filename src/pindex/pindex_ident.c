/*
 * pindex_ident.c — family identification: which families' linked members show needs under three or more
 * Supporting Families headlines, from the attributes of partners' datasets (issue 4 §7).
 *
 * The indicators are data (sf_indicator, migration 0008): a dataset, one of its attributes, a test and the
 * family need (sf_need) the test evidences. A partner's row counts once it is linked to a person of the index
 * (by the engine above its upper threshold, or by a person); the person's families take its evidence. The list
 * only puts families forward, with every piece of evidence, for a person to decide on (family_identification):
 * nothing is opened and nobody is contacted from here.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core_date.h"
#include "pindex/pindex.h"

static const char SQL_EVIDENCE[] =
    "SELECT m.family_id, f.name, r.person_id, i.code, i.label, i.need, n.headline, d.name, i.op, i.value,\n"
    "       r.attributes, r.id, i.attribute\n"
    "  FROM sf_indicator i\n"
    "  JOIN sf_need n ON n.version = i.version AND n.code = i.need\n"
    "  JOIN partner_dataset d ON d.name = i.dataset\n"
    "  JOIN partner_record r ON r.dataset_id = d.id AND r.person_id IS NOT NULL\n"
    "  JOIN person p ON p.id = r.person_id AND p.restricted = 0 AND p.merged_into IS NULL\n"
    "  JOIN family_member m ON m.person_id = p.id AND (m.to_date IS NULL OR m.to_date >= $1)\n"
    "  JOIN family f ON f.id = m.family_id\n"
    " ORDER BY m.family_id, r.person_id, i.code, r.id";

static const char SQL_DECISION[] =
    "SELECT id, decision, reason, headlines, decided_at, decided_by\n"
    "  FROM family_identification\n"
    " WHERE family_id = $1\n"
    " ORDER BY id DESC\n"
    " LIMIT 1";

static const char SQL_INDICATORS[] =
    "SELECT i.code, i.label, i.dataset, i.attribute, i.op, i.value, i.need, n.headline\n"
    "  FROM sf_indicator i\n"
    "  JOIN sf_need n ON n.version = i.version AND n.code = i.need\n"
    " ORDER BY i.code";

static const char SQL_INDICATORS_CLEAR[] = "DELETE FROM sf_indicator";

static const char SQL_INDICATOR_INSERT[] =
    "INSERT INTO sf_indicator (code, label, dataset, attribute, op, value, need)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

static const char SQL_NEED_EXISTS[] =
    "SELECT count(*)\n"
    "  FROM sf_need\n"
    " WHERE version = '2022-10' AND code = $1";

/* The value of attribute name in a partner row's attributes (a JSON object of the file's text, null when empty),
 * as text, or NULL when absent or null; read in C so that the SQL is the same on every back end. The text lives
 * in *doc (the caller's to json_decref) or in num. */
static const char *attribute_text(const char *attributes, const char *name, json_t **doc, char num[40])
{
    *doc = attributes && name ? json_loads(attributes, 0, NULL) : NULL;
    json_t *v = json_object_get(*doc, name);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(num, 40, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return num;
    }
    if (json_is_real(v)) {
        snprintf(num, 40, "%.17g", json_real_value(v));
        return num;
    }
    return NULL;
}

/* ---- the tests ---- */

/* A number, allowing spaces around it and a trailing '%'. */
static int number(const char *s, double *out)
{
    if (!s)
        return 0;
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end == '%')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return 0;
    *out = v;
    return 1;
}

/* s without its surrounding spaces, compared case-insensitively with t. */
static int text_is(const char *s, const char *t)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n == strlen(t) && strncasecmp(s, t, n) == 0;
}

int pindex_indicator_met(const char *op, const char *value, const char *v)
{
    if (!op || !v)
        return 0;
    if (strcmp(op, "present") == 0) {
        for (const char *p = v; *p; p++)
            if (!isspace((unsigned char)*p))
                return 1;
        return 0;
    }
    if (strcmp(op, "yes") == 0)
        return text_is(v, "yes") || text_is(v, "y") || text_is(v, "true") || text_is(v, "1");
    if (!value)
        return 0;
    if (strcmp(op, "eq") == 0)
        return text_is(v, value);
    if (strcmp(op, "ne") == 0)
        return !text_is(v, value);
    double x, limit;
    if (!number(v, &x) || !number(value, &limit))
        return 0;
    if (strcmp(op, "lt") == 0)
        return x < limit;
    if (strcmp(op, "le") == 0)
        return x <= limit;
    if (strcmp(op, "gt") == 0)
        return x > limit;
    if (strcmp(op, "ge") == 0)
        return x >= limit;
    return 0;
}

/* ---- the list ---- */

static json_t *decision_of(store *s, core_arena *a, int64_t family, core_error *err)
{
    store_value v[] = {store_v_int(family)};
    store_stmt *st;
    if (store_query(s, a, SQL_DECISION, v, 1, &st, err))
        return NULL;
    int rc = store_next(st, err);
    if (rc < 0)
        return NULL;
    if (rc == 0)
        return json_null();
    json_error_t je;
    json_t *h = json_loads(store_col_text(st, 3, NULL), 0, &je);
    json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:s,s:I}", "id", (json_int_t)store_col_int(st, 0), "decision",
                          store_col_text(st, 1, NULL), "reason", store_col_text(st, 2, NULL), "headlines",
                          h ? h : json_array(), "decided_at", store_col_text(st, 4, NULL), "decided_by",
                          (json_int_t)store_col_int(st, 5));
    store_next(st, err);
    return o;
}

static int by_headlines(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    size_t na = json_array_size(json_object_get(a, "headlines")), nb = json_array_size(json_object_get(b, "headlines"));
    if (na != nb)
        return na > nb ? -1 : 1;
    json_int_t fa = json_integer_value(json_object_get(a, "family_id")),
               fb = json_integer_value(json_object_get(b, "family_id"));
    return (fa > fb) - (fa < fb);
}

/* Add a headline code to a family's list once. */
static void add_headline(json_t *headlines, const char *code)
{
    size_t i;
    json_t *h;
    json_array_foreach(headlines, i, h) if (strcmp(json_string_value(h), code) == 0) return;
    json_array_append_new(headlines, json_string(code));
}

int pindex_identify(store *s, int min_headlines, json_t **out, core_error *err)
{
    *out = NULL;
    core_arena a = CORE_ARENA_INIT;
    char today[CORE_DATE_ISO_SIZE];
    core_date_format(core_date_today(), today);
    store_value v[] = {store_v_text(today)};
    store_stmt *st;
    int rc = store_query(s, &a, SQL_EVIDENCE, v, 1, &st, err);
    json_t *families = json_array(), *fam = NULL, *member = NULL;
    int64_t fam_id = 0, person_id = 0;
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        json_t *doc = NULL;
        char num[40];
        const char *op = store_col_text(st, 8, NULL), *limit = store_col_text(st, 9, NULL),
                   *value = attribute_text(store_col_text(st, 10, NULL), store_col_text(st, 12, NULL), &doc, num);
        if (!pindex_indicator_met(op, limit, value)) {
            json_decref(doc);
            continue;
        }
        int64_t f = store_col_int(st, 0), p = store_col_int(st, 2);
        if (!fam || f != fam_id) {
            fam = json_pack("{s:I,s:s,s:[],s:[]}", "family_id", (json_int_t)f, "family", store_col_text(st, 1, NULL),
                            "headlines", "members");
            json_array_append_new(families, fam);
            fam_id = f;
            member = NULL;
        }
        if (!member || p != person_id) {
            member = json_pack("{s:I,s:[]}", "person_id", (json_int_t)p, "evidence");
            json_array_append_new(json_object_get(fam, "members"), member);
            person_id = p;
        }
        add_headline(json_object_get(fam, "headlines"), store_col_text(st, 6, NULL));
        json_array_append_new(json_object_get(member, "evidence"),
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "indicator", store_col_text(st, 3, NULL),
                                        "label", store_col_text(st, 4, NULL), "need", store_col_text(st, 5, NULL),
                                        "headline", store_col_text(st, 6, NULL), "dataset",
                                        store_col_text(st, 7, NULL), "value", value,
                                        "partner_record_id", (json_int_t)store_col_int(st, 11)));
        json_decref(doc);
    }
    core_arena_reset(&a);
    json_t *kept = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(rc == 0 ? families : NULL, i, f) {
        if ((int)json_array_size(json_object_get(f, "headlines")) < min_headlines)
            continue;
        json_t *d = decision_of(s, &a, json_integer_value(json_object_get(f, "family_id")), err);
        if (!d) {
            rc = err->code ? err->code : CORE_E_STORE;
            break;
        }
        json_object_set_new(f, "decision", d);
        json_array_append(kept, f);
    }
    json_decref(families);
    core_arena_release(&a);
    if (rc < 0) {
        json_decref(kept);
        return rc;
    }
    size_t n = json_array_size(kept);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    for (i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(kept, i));
    qsort(items, n, sizeof *items, by_headlines);
    json_array_clear(kept);
    for (i = 0; i < n; i++)
        json_array_append_new(kept, items[i]);
    free(items);
    *out = kept;
    return 0;
}

/* ---- the indicators ---- */

static int name_ok(const char *s, size_t max)
{
    if (!s || !*s || strlen(s) > max || !isalpha((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

static int attribute_ok(const char *s)
{
    if (!name_ok(s, 64))
        return 0;
    for (; *s; s++)
        if (*s == '.' || *s == '-')
            return 0;
    return 1;
}

int pindex_indicators_load(store *s, const json_t *list, core_error *err)
{
    static const char *const OPS[] = {"lt", "le", "gt", "ge", "eq", "ne", "yes", "present", NULL};
    if (!json_is_array(list))
        return core_error_set(err, CORE_E_WRONG_TYPE, "the indicators are a JSON array of objects");
    core_arena a = CORE_ARENA_INIT;
    int rc = store_begin(s, err);
    if (rc == 0)
        rc = store_exec(s, &a, SQL_INDICATORS_CLEAR, NULL, 0, NULL, err);
    size_t i;
    json_t *o;
    json_array_foreach(rc == 0 ? list : NULL, i, o) {
        const char *code = json_string_value(json_object_get(o, "code")),
                   *label = json_string_value(json_object_get(o, "label")),
                   *dataset = json_string_value(json_object_get(o, "dataset")),
                   *attribute = json_string_value(json_object_get(o, "attribute")),
                   *op = json_string_value(json_object_get(o, "op")),
                   *value = json_string_value(json_object_get(o, "value")),
                   *need = json_string_value(json_object_get(o, "need"));
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)o, key, x) {
            if (!strstr(",code,label,dataset,attribute,op,value,need,headline,", core_arena_printf(&a, ",%s,", key))) {
                rc = core_error_set(err, CORE_E_UNKNOWN_FIELD, "indicator %zu has an unknown field %s", i + 1, key);
                break;
            }
        }
        if (rc)
            break;
        int known_op = 0;
        for (const char *const *p = OPS; op && *p; p++)
            known_op |= strcmp(*p, op) == 0;
        int numeric = known_op && op[0] != 'e' && op[0] != 'n' && op[0] != 'y' && op[0] != 'p';
        int takes_value = known_op && strcmp(op, "yes") != 0 && strcmp(op, "present") != 0;
        double dummy;
        if (!name_ok(code, 64) || !label || !*label || !name_ok(dataset, 64) || !attribute_ok(attribute)) {
            rc = core_error_set(err, CORE_E_INVALID_VALUE,
                                "indicator %zu needs code, label, dataset and attribute (names of letters, digits "
                                "and _)", i + 1);
        } else if (!known_op) {
            rc = core_error_set(err, CORE_E_INVALID_VALUE, "indicator %s: op is lt, le, gt, ge, eq, ne, yes or present",
                                code);
        } else if (takes_value != (value != NULL) || (numeric && !number(value, &dummy))) {
            rc = core_error_set(err, CORE_E_INVALID_VALUE, "indicator %s: %s", code,
                                !takes_value ? "yes and present take no value"
                                : numeric    ? "lt, le, gt and ge take a number as value"
                                             : "eq and ne take a value");
        } else {
            int64_t known = 0;
            store_value q[] = {store_v_text(need)};
            if (!need || (rc = store_query_int(s, &a, SQL_NEED_EXISTS, q, 1, &known, err)) != 0 || !known) {
                if (rc == 0)
                    rc = core_error_set(err, CORE_E_INVALID_CODE, "indicator %s: need is not a family need of the "
                                                                 "framework", code);
                core_error_hint(err, "the needs are the sf_need codes, e.g. EDU_ATTENDANCE, DA_HOUSEHOLD");
            }
        }
        if (rc == 0) {
            store_value v[] = {store_v_text(code), store_v_text(label), store_v_text(dataset), store_v_text(attribute),
                               store_v_text(op), store_v_text(value), store_v_text(need)};
            rc = store_exec(s, &a, SQL_INDICATOR_INSERT, v, 7, NULL, err);
            if (rc)
                core_error_hint(err, "each indicator's code is used once");
        }
        if (rc)
            break;
    }
    rc = rc == 0 ? store_commit(s, err) : (store_rollback(s), rc);
    core_arena_release(&a);
    return rc;
}

int pindex_indicators_list(store *s, json_t **out, core_error *err)
{
    core_arena a = CORE_ARENA_INIT;
    store_stmt *st;
    int rc = store_query(s, &a, SQL_INDICATORS, NULL, 0, &st, err);
    json_t *list = json_array();
    while (rc == 0 && (rc = store_next(st, err)) == 1) {
        rc = 0;
        const char *value = store_col_text(st, 5, NULL);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "code", store_col_text(st, 0, NULL),
                                              "label", store_col_text(st, 1, NULL), "dataset",
                                              store_col_text(st, 2, NULL), "attribute", store_col_text(st, 3, NULL),
                                              "op", store_col_text(st, 4, NULL), "value",
                                              value ? json_string(value) : json_null(), "need",
                                              store_col_text(st, 6, NULL), "headline", store_col_text(st, 7, NULL)));
    }
    core_arena_release(&a);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}
