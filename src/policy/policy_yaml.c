/*
 * policy_yaml.c — a policy file's YAML read into a jansson tree, with the line of every node kept aside.
 *
 * libyaml's event parser gives a start mark (line and column) for every scalar, mapping and sequence; the
 * tree is built from the events with an explicit stack, so a hostile file cannot recurse the C stack, and
 * each node's line goes into the line table (policy_internal.h) keyed by its container and key or index.
 *
 * What the reader accepts is deliberately smaller than YAML:
 *   - one document whose top is a mapping; keys are scalars, each once per mapping;
 *   - no anchors, aliases or tags (an alias can multiply a small file into a huge tree, and a DPO never
 *     needs them);
 *   - unquoted scalars become: true/false -> boolean, null/~/empty -> null, decimal integers -> integer;
 *     everything else, and every quoted scalar, is a string. YAML 1.1's yes/no/on/off stay strings, so
 *     `automated_decisions: no` is an error that says to write false, not a silent boolean.
 * Limits: POLICY_MAX_DEPTH levels of nesting and POLICY_MAX_NODES nodes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "core/core_parse.h"
#include "policy/policy_internal.h"

/* ---- the line table ---- */

static size_t line_hash(const json_t *c, const char *key, size_t index)
{
    uint64_t h = (uint64_t)(uintptr_t)c * 0x9E3779B97F4A7C15ull ^ (uint64_t)index * 0xC2B2AE3D27D4EB4Full;
    if (key)
        for (const unsigned char *k = (const unsigned char *)key; *k; k++)
            h = (h ^ *k) * 0x100000001B3ull;
    return (size_t)(h ^ (h >> 29));
}

static int line_same(const policy_line_entry *s, const json_t *c, const char *key, size_t index)
{
    if (s->container != c || s->index != index) return 0;
    if (!s->key || !key) return s->key == key;
    return strcmp(s->key, key) == 0;
}

void policy_lines_put(policy_lines *t, const json_t *container, const char *key, size_t index, int line)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        policy_line_entry *old = t->slots;
        size_t oldcap = t->cap;
        t->slots = core_xmalloc(cap * sizeof(*t->slots));
        memset(t->slots, 0, cap * sizeof(*t->slots));
        t->cap = cap;
        t->n = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].container) {
                size_t j = line_hash(old[i].container, old[i].key, old[i].index) & (cap - 1);
                while (t->slots[j].container)
                    j = (j + 1) & (cap - 1);
                t->slots[j] = old[i];
                t->n++;
            }
        free(old);
    }
    size_t j = line_hash(container, key, index) & (t->cap - 1);
    while (t->slots[j].container) {
        if (line_same(&t->slots[j], container, key, index)) {
            t->slots[j].line = line;
            return;
        }
        j = (j + 1) & (t->cap - 1);
    }
    char *k = NULL;
    if (key) {
        size_t n = strlen(key);
        k = core_xmalloc(n + 1);
        memcpy(k, key, n + 1);
    }
    t->slots[j] = (policy_line_entry){container, k, index, line};
    t->n++;
}

int policy_lines_get(const policy_lines *t, const json_t *container, const char *key, size_t index)
{
    if (!t->cap) return 0;
    size_t j = line_hash(container, key, index) & (t->cap - 1);
    while (t->slots[j].container) {
        if (line_same(&t->slots[j], container, key, index)) return t->slots[j].line;
        j = (j + 1) & (t->cap - 1);
    }
    return 0;
}

void policy_lines_release(policy_lines *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free((char *)t->slots[i].key);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* ---- errors ---- */

void policy_err(policy_errs *e, int line, const char *fmt, ...)
{
    e->count++;
    if (e->count > POLICY_MAX_ERRORS) return;
    core_buf_addf(&e->text, "%s:%d: ", e->name, line);
    size_t from = e->text.len;
    va_list ap;
    va_start(ap, fmt);
    core_buf_vaddf(&e->text, fmt, ap);
    va_end(ap);
    /* One error, one line: a value quoted in the message may hold line breaks or other control bytes. */
    for (size_t i = from; i < e->text.len; i++)
        if ((unsigned char)e->text.data[i] < 0x20 || e->text.data[i] == 0x7f) e->text.data[i] = '?';
    core_buf_addch(&e->text, '\n');
}

/* ---- the reader ---- */

typedef struct frame {
    json_t *node;
    int is_map;
    char *key; /* a mapping's key waiting for its value (heap), or NULL */
    int key_line;
} frame;

typedef struct reader {
    frame stack[POLICY_MAX_DEPTH + 1];
    int depth; /* frames in use */
    long nodes;
    json_t *root;
    policy_lines *lines;
    policy_errs *e;
} reader;

/* The JSON value of a scalar (a new reference), or NULL after an error. */
static json_t *scalar_value(reader *r, const yaml_event_t *ev, int line)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if ((n == 4 && memcmp(s, "true", 4) == 0)) return json_true();
        if ((n == 5 && memcmp(s, "false", 5) == 0)) return json_false();
        if (n == 0 || (n == 1 && s[0] == '~') || (n == 4 && memcmp(s, "null", 4) == 0)) return json_null();
        int digits = n > 0 && n <= 18;
        for (size_t i = 0; digits && i < n; i++)
            digits = (s[i] >= '0' && s[i] <= '9') || (i == 0 && s[i] == '-' && n > 1);
        int64_t v;
        if (digits && core_parse_int64(s, n, -999999999, 999999999, &v) == 0) return json_integer(v);
    }
    json_t *j = json_stringn(s, n);
    if (!j) policy_err(r->e, line, "text is not valid UTF-8 or holds a NUL byte");
    return j;
}

/* Put a finished value into the container on top of the stack (or make it the root). Takes the reference. */
static int attach(reader *r, json_t *v, int line)
{
    if (r->depth == 0) {
        if (!json_is_object(v)) {
            policy_err(r->e, line, "the file must be a mapping of keys (controller:, dpo:, ...) at the top");
            json_decref(v);
            return -1;
        }
        r->root = v;
        return 0;
    }
    frame *f = &r->stack[r->depth - 1];
    if (!f->is_map) {
        size_t i = json_array_size(f->node);
        json_array_append_new(f->node, v);
        policy_lines_put(r->lines, f->node, NULL, i, line);
        return 0;
    }
    if (!f->key) { /* this node is a key */
        if (!json_is_string(v)) {
            const char *what = json_is_object(v) || json_is_array(v) ? "a mapping or list" : "not text";
            policy_err(r->e, line, "a key must be a word (this one is %s)", what);
            json_decref(v);
            return -1;
        }
        const char *k = json_string_value(v);
        if (strlen(k) != json_string_length(v) || k[0] == '\0') {
            policy_err(r->e, line, "a key must be a non-empty word");
            json_decref(v);
            return -1;
        }
        if (json_object_get(f->node, k)) {
            policy_err(r->e, line, "key '%.60s' appears twice in this mapping (first at line %d)", k,
                       policy_lines_get(r->lines, f->node, k, 0));
            json_decref(v);
            return -1;
        }
        size_t n = strlen(k);
        f->key = core_xmalloc(n + 1);
        memcpy(f->key, k, n + 1);
        f->key_line = line;
        json_decref(v);
        return 0;
    }
    json_object_set_new(f->node, f->key, v);
    policy_lines_put(r->lines, f->node, f->key, 0, f->key_line);
    free(f->key);
    f->key = NULL;
    return 0;
}

static int push(reader *r, json_t *node, int is_map, int line)
{
    if (r->depth >= POLICY_MAX_DEPTH) {
        policy_err(r->e, line, "nested more than %d levels deep", POLICY_MAX_DEPTH);
        json_decref(node);
        return -1;
    }
    /* A mapping or list that is a member's value is placed at its key ("dpo:"), where a reader looks for
     * it, rather than at its first entry (libyaml's start mark for a block mapping). */
    if (r->depth > 0 && r->stack[r->depth - 1].is_map && r->stack[r->depth - 1].key)
        line = r->stack[r->depth - 1].key_line;
    policy_lines_put(r->lines, node, NULL, POLICY_LINE_SELF, line);
    r->stack[r->depth++] = (frame){node, is_map, NULL, 0};
    return 0;
}

static int pop(reader *r)
{
    frame f = r->stack[--r->depth];
    int line = policy_lines_get(r->lines, f.node, NULL, POLICY_LINE_SELF);
    free(f.key); /* a mapping cannot end between a key and its value, but be safe */
    return attach(r, f.node, line);
}

/* Returns 1 to go on, 0 at the end of the stream, -1 on error. */
static int on_event(reader *r, const yaml_event_t *ev, int *documents)
{
    int line = (int)ev->start_mark.line + 1;
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return 1;
    case YAML_STREAM_END_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++*documents > 1) {
            policy_err(r->e, line, "a policy file holds one document (remove this '---' and what follows)");
            return -1;
        }
        return 1;
    case YAML_ALIAS_EVENT:
        policy_err(r->e, line, "aliases (*name) are not used in a policy file: write the value out");
        return -1;
    default:
        break;
    }
    if (++r->nodes > POLICY_MAX_NODES) {
        policy_err(r->e, line, "more than %d values: this is not a policy file", POLICY_MAX_NODES);
        return -1;
    }
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    }
    if (anchor) {
        policy_err(r->e, line, "anchors (&name) are not used in a policy file");
        return -1;
    }
    if (tag) {
        policy_err(r->e, line, "tags (!name) are not used in a policy file: quote text instead");
        return -1;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        json_t *v = scalar_value(r, ev, line);
        return v && attach(r, v, line) == 0 ? 1 : -1;
    }
    case YAML_MAPPING_START_EVENT:
        return push(r, json_object(), 1, line) == 0 ? 1 : -1;
    case YAML_SEQUENCE_START_EVENT:
        return push(r, json_array(), 0, line) == 0 ? 1 : -1;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return pop(r) == 0 ? 1 : -1;
    default:
        return 1;
    }
}

int policy_yaml_read(const char *text, size_t len, json_t **doc, policy_lines *lines, policy_errs *e)
{
    *doc = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) core_die("out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    reader r;
    memset(&r, 0, sizeof(r));
    r.lines = lines;
    r.e = e;
    int documents = 0, rc = 1;
    while (rc == 1) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            int line = (int)parser.problem_mark.line + 1;
            if (parser.error == YAML_MEMORY_ERROR) core_die("out of memory");
            if (parser.context) /* where what was being read began: an unclosed [ is found lines later */
                policy_err(e, line, "not valid YAML: %s %s that starts on line %d",
                           parser.problem ? parser.problem : "unreadable", parser.context,
                           (int)parser.context_mark.line + 1);
            else
                policy_err(e, line, "not valid YAML: %s", parser.problem ? parser.problem : "unreadable");
            rc = -1;
            break;
        }
        rc = on_event(&r, &ev, &documents);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    while (r.depth > 0) { /* an error part-way: give back what was being built */
        frame *f = &r.stack[--r.depth];
        free(f->key);
        json_decref(f->node);
    }
    if (rc < 0 || !r.root) {
        if (rc == 0) policy_err(e, 1, "the file is empty: a policy starts with profile:, controller:, ...");
        json_decref(r.root);
        return -1;
    }
    *doc = r.root;
    return 0;
}
