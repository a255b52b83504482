/*
 * link_mapping.c — the mapping file: one JSON object, Hearth field -> CSV column, parsed with jansson into a
 * link_mapping (contract in link.h, "the mapping file"; the keys and their rules in link/README.md, "Reading
 * records"). link_input.c reads CSV through it.
 *
 * Invariants
 *   M1. On error nothing is allocated in the mapping the caller gave (it is filled only when the whole file
 *       parsed), and the error names the key, with a hint.
 *   M2. A mapping that parsed has an id and a date format that reads back a date it wrote.
 */
#include <errno.h>
#include <stdint.h>

#include <jansson.h>

#include "core/core_date.h"
#include "link/link.h"

#define LINK_MAPPING_MAX (64 * 1024) /* bytes in a mapping file */

/* The mapping's keys and where each lives in link_mapping (address is handled apart: it may be an array). */
static const struct {
    const char *key;
    size_t off;
} map_keys[] = {
    {"id", offsetof(link_mapping, id)},
    {"given_name", offsetof(link_mapping, given_name)},
    {"family_name", offsetof(link_mapping, family_name)},
    {"full_name", offsetof(link_mapping, full_name)},
    {"date_of_birth", offsetof(link_mapping, date_of_birth)},
    {"date_format", offsetof(link_mapping, date_format)},
    {"sex", offsetof(link_mapping, sex)},
    {"postcode", offsetof(link_mapping, postcode)},
    {"town", offsetof(link_mapping, town)},
    {"email", offsetof(link_mapping, email)},
    {"nhs_number", offsetof(link_mapping, nhs_number)},
    {"nino", offsetof(link_mapping, nino)},
    {"upn", offsetof(link_mapping, upn)},
};
#define MAP_KEYS_HINT                                                                                        \
    "the keys are id, given_name, family_name, full_name, date_of_birth, date_format, sex, postcode, address, " \
    "town, email, nhs_number, nino, upn, invalid_dates, attributes"

static char **map_slot(link_mapping *m, size_t i)
{
    return (char **)((char *)m + map_keys[i].off);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *r = core_xmalloc(n + 1);
    memcpy(r, s, n + 1);
    return r;
}

void link_mapping_free(link_mapping *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < sizeof map_keys / sizeof map_keys[0]; i++)
        free(*map_slot(m, i));
    for (int i = 0; i < m->naddress; i++)
        free(m->address[i]);
    for (int i = 0; i < m->nattr; i++) {
        free(m->attr_name[i]);
        free(m->attr_column[i]);
    }
    memset(m, 0, sizeof *m);
}

/* The string value of key, or an error naming the key. */
static int map_string(const char *key, json_t *v, const char **out, core_error *err)
{
    if (!json_is_string(v)) {
        core_error_set(err, CORE_E_WRONG_TYPE, "mapping key '%s' must be a column name (a string)", key);
        return core_error_hint(err, "write \"%s\": \"the column's name in the CSV header\"", key);
    }
    if (json_string_length(v) == 0) {
        core_error_set(err, CORE_E_INVALID_VALUE, "mapping key '%s' is an empty string", key);
        return core_error_hint(err, "name a column of the CSV header, or leave the key out");
    }
    *out = json_string_value(v);
    return 0;
}

/* A date format is usable when a date written with it reads back as the same date. */
static int date_format_ok(const char *fmt)
{
    core_date d = {2001, 2, 3};
    char buf[128];
    int n = core_date_format_fmt(d, fmt, buf, sizeof buf);
    core_date back;
    return n > 0 && core_date_parse_fmt(buf, (size_t)n, fmt, 1950, &back) == 0 && core_date_cmp(back, d) == 0;
}

/* 1 when name is a usable attribute name: 1..LINK_MAP_ATTRIBUTE_NAME_MAX of [A-Za-z0-9_], a letter first. */
static int attr_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LINK_MAP_ATTRIBUTE_NAME_MAX)
        return 0;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* "attributes": {"name": "column", ...}, kept in the object's order (jansson keeps insertion order). */
static int map_attributes(json_t *v, link_mapping *m, core_error *err)
{
    if (!json_is_object(v)) {
        core_error_set(err, CORE_E_WRONG_TYPE, "mapping key 'attributes' must be an object");
        return core_error_hint(err, "write \"attributes\": {\"attendance_pct\": \"Attendance %%\", ...}: attribute "
                                    "name -> column");
    }
    size_t n = json_object_size(v);
    if (n < 1 || n > LINK_MAP_ATTRIBUTES_MAX) {
        core_error_set(err, CORE_E_INVALID_VALUE, "mapping key 'attributes' names %zu attributes", n);
        return core_error_hint(err, "give 1 to %d attributes, or leave the key out", LINK_MAP_ATTRIBUTES_MAX);
    }
    const char *name;
    json_t *col;
    json_object_foreach(v, name, col) {
        if (!attr_name_ok(name)) {
            core_error_set(err, CORE_E_INVALID_VALUE, "attribute name '%.64s' is not usable", name);
            return core_error_hint(err, "an attribute name is 1 to %d letters, digits and '_', starting with a "
                                        "letter (e.g. attendance_pct)",
                                   LINK_MAP_ATTRIBUTE_NAME_MAX);
        }
        if (!json_is_string(col) || json_string_length(col) == 0) {
            core_error_set(err, json_is_string(col) ? CORE_E_INVALID_VALUE : CORE_E_WRONG_TYPE,
                           "attribute '%s' must name a column (a non-empty string)", name);
            return core_error_hint(err, "write \"%s\": \"the column's name in the CSV header\"", name);
        }
        m->attr_name[m->nattr] = xstrdup(name);
        m->attr_column[m->nattr] = xstrdup(json_string_value(col));
        m->nattr++;
    }
    return 0;
}

/* "full_name": {"column": C, "order": O}: the column and how the name in it is written. */
static int map_full_name(json_t *v, link_mapping *m, core_error *err)
{
    static const char *const orders[] = {[LINK_ORDER_GIVEN_FAMILY] = "given family",
                                         [LINK_ORDER_FAMILY_GIVEN] = "family given",
                                         [LINK_ORDER_FAMILY_COMMA_GIVEN] = "family, given"};
    const char *key, *s = NULL;
    json_t *x;
    json_object_foreach(v, key, x) {
        if (strcmp(key, "column") == 0) {
            if (map_string("full_name.column", x, &s, err))
                return err ? err->code : CORE_E_WRONG_TYPE;
            free(m->full_name);
            m->full_name = xstrdup(s);
        } else if (strcmp(key, "order") == 0) {
            if (map_string("full_name.order", x, &s, err))
                return err ? err->code : CORE_E_WRONG_TYPE;
            size_t i = 0;
            while (i < sizeof orders / sizeof orders[0] && strcmp(orders[i], s) != 0)
                i++;
            if (i == sizeof orders / sizeof orders[0]) {
                core_error_set(err, CORE_E_INVALID_VALUE, "mapping key 'full_name.order' is '%.32s'", s);
                return core_error_hint(err, "write \"given family\", \"family given\" or \"family, given\"");
            }
            m->full_name_order = (link_full_name_order)i;
        } else {
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "unknown mapping key 'full_name.%.64s'", key);
            return core_error_hint(err, "full_name is a column name, or {\"column\": \"Name\", \"order\": "
                                        "\"family, given\"}");
        }
    }
    if (!m->full_name) {
        core_error_set(err, CORE_E_MISSING_FIELD, "mapping key 'full_name' has no 'column'");
        return core_error_hint(err, "write {\"column\": \"Name\", \"order\": \"family, given\"}");
    }
    return 0;
}

static int map_fill(json_t *root, link_mapping *m, core_error *err)
{
    if (!json_is_object(root)) {
        core_error_set(err, CORE_E_WRONG_TYPE, "the mapping must be a JSON object");
        return core_error_hint(err, "write {\"id\": \"rec_id\", \"given_name\": \"given_name\", ...}");
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        const char *s = NULL;
        if (strcmp(key, "address") == 0) {
            if (json_is_array(v)) {
                size_t n = json_array_size(v);
                if (n < 1 || n > LINK_MAP_ADDRESS_MAX) {
                    core_error_set(err, CORE_E_INVALID_VALUE, "mapping key 'address' lists %zu columns", n);
                    return core_error_hint(err, "give 1 to %d column names, joined in that order",
                                           LINK_MAP_ADDRESS_MAX);
                }
                for (size_t i = 0; i < n; i++) {
                    if (map_string("address", json_array_get(v, i), &s, err))
                        return err ? err->code : CORE_E_INVALID_VALUE;
                    m->address[m->naddress++] = xstrdup(s);
                }
                continue;
            }
            if (map_string("address", v, &s, err)) {
                if (err && err->code == CORE_E_WRONG_TYPE)
                    core_error_hint(err, "write a column name or an array of 1 to %d column names",
                                    LINK_MAP_ADDRESS_MAX);
                return err ? err->code : CORE_E_WRONG_TYPE;
            }
            m->address[m->naddress++] = xstrdup(s);
            continue;
        }
        if (strcmp(key, "attributes") == 0) {
            int rc = map_attributes(v, m, err);
            if (rc)
                return rc;
            continue;
        }
        if (strcmp(key, "invalid_dates") == 0) {
            if (map_string(key, v, &s, err))
                return err ? err->code : CORE_E_WRONG_TYPE;
            if (strcmp(s, "reject") != 0 && strcmp(s, "missing") != 0) {
                core_error_set(err, CORE_E_INVALID_VALUE, "mapping key 'invalid_dates' is '%.32s'", s);
                return core_error_hint(err, "write \"reject\" (refuse the row) or \"missing\" (keep the row "
                                            "without its date)");
            }
            m->invalid_dates_missing = strcmp(s, "missing") == 0;
            m->invalid_dates_reject = !m->invalid_dates_missing;
            continue;
        }
        if (strcmp(key, "full_name") == 0 && json_is_object(v)) {
            int rc = map_full_name(v, m, err);
            if (rc)
                return rc;
            continue;
        }
        size_t i = 0;
        while (i < sizeof map_keys / sizeof map_keys[0] && strcmp(map_keys[i].key, key) != 0)
            i++;
        if (i == sizeof map_keys / sizeof map_keys[0]) {
            core_error_set(err, CORE_E_UNKNOWN_FIELD, "unknown mapping key '%.64s'", key);
            return core_error_hint(err, MAP_KEYS_HINT);
        }
        int rc = map_string(key, v, &s, err);
        if (rc)
            return rc;
        *map_slot(m, i) = xstrdup(s);
    }
    if (!m->id) {
        core_error_set(err, CORE_E_MISSING_FIELD, "the mapping has no 'id' key");
        return core_error_hint(err, "add \"id\": \"<the column holding each row's identifier>\"");
    }
    if (m->date_format && !date_format_ok(m->date_format)) {
        core_error_set(err, CORE_E_INVALID_VALUE, "date_format '%.64s' cannot read a date", m->date_format);
        return core_error_hint(err, "use %%Y or %%y, %%m, %%b or %%B, and %%d or %%e once each, e.g. %%d/%%m/%%Y "
                                    "or %%Y%%m%%d");
    }
    if (!m->date_format)
        m->date_format = xstrdup(LINK_DATE_FORMAT_DEFAULT);
    return 0;
}

int link_mapping_parse(const char *json, size_t len, link_mapping *m, core_error *err)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        core_error_set(err, CORE_E_INVALID_JSON, "the mapping is not JSON: line %d column %d: %.120s", je.line,
                       je.column, je.text);
        return core_error_hint(err, "a mapping is one JSON object of Hearth field -> CSV column name");
    }
    link_mapping tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc = map_fill(root, &tmp, err);
    json_decref(root);
    if (rc) {
        link_mapping_free(&tmp);
        return rc;
    }
    *m = tmp;
    return 0;
}

int link_mapping_load(const char *path, link_mapping *m, core_error *err)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) {
        core_error_set(err, CORE_E_IO, "cannot open mapping file '%s': %s", path, strerror(errno));
        return core_error_hint(err, "check the path given with --mapping");
    }
    char *buf = core_xmalloc(LINK_MAPPING_MAX + 1);
    size_t n = fread(buf, 1, LINK_MAPPING_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = core_error_set(err, CORE_E_IO, "cannot read mapping file '%s'", path);
    else if (n > LINK_MAPPING_MAX)
        rc = core_error_set(err, CORE_E_INVALID_VALUE, "mapping file '%s' is larger than %d bytes", path,
                            LINK_MAPPING_MAX);
    else
        rc = link_mapping_parse(buf, n, m, err);
    free(buf);
    return rc;
}
