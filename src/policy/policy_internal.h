/*
 * policy_internal.h — what the policy loader's files share: the error list, the line table and the reader.
 *
 * Not a public interface: only src/policy/ includes it.
 *
 * The loading pipeline, one file per step:
 *   policy_yaml.c    YAML text (libyaml events) -> a jansson tree, remembering the line of every node
 *   policy_schema.c  the tree against the schema's shapes: types, required keys, unknown keys, code lists
 *   policy.c         the checks across fields (unique codes, periods, dates, the art 9 / DPA conditions) and
 *                    the retention classes and holds filled in as policy.h documents them
 * Each step adds to one error list (policy_errs) and the next runs only when the earlier ones found nothing
 * (a tree that failed its types is not worth cross-checking).
 */
#ifndef HEARTH_POLICY_INTERNAL_H
#define HEARTH_POLICY_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "core/core_buf.h"
#include "policy/policy.h"

/* Deepest nesting the reader accepts, and most nodes (scalars, mappings, sequences) in one file. */
#define POLICY_MAX_DEPTH 32
#define POLICY_MAX_NODES 50000

/* Where each node of the tree came from. A member of a mapping is found by (mapping, key), an item of a
 * sequence by (sequence, index), and a mapping or sequence itself by (itself, NULL, POLICY_LINE_SELF). Keyed
 * by the container, never by the value: jansson shares true, false and null between trees. */
#define POLICY_LINE_SELF ((size_t)-1)

typedef struct policy_line_entry {
    const json_t *container;
    const char *key; /* NULL for sequence items and for the container itself */
    size_t index;
    int line;
} policy_line_entry;

typedef struct policy_lines {
    policy_line_entry *slots; /* open addressing, a power of two in size */
    size_t cap, n;
} policy_lines;

void policy_lines_put(policy_lines *t, const json_t *container, const char *key, size_t index, int line);
/* The line, or 0 when unknown. */
int policy_lines_get(const policy_lines *t, const json_t *container, const char *key, size_t index);
void policy_lines_release(policy_lines *t);

/* The errors found so far: each "NAME:LINE: message\n" appended to text, up to POLICY_MAX_ERRORS kept. */
typedef struct policy_errs {
    const char *name; /* the file's name as messages give it */
    core_buf text;
    int count; /* found, including those past the maximum */
} policy_errs;

void policy_err(policy_errs *e, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parse len bytes of YAML into *doc (a new reference: a mapping at the top) and record every node's line in
 * lines. Returns 0, or -1 after adding the errors to e (*doc is then NULL). */
int policy_yaml_read(const char *text, size_t len, json_t **doc, policy_lines *lines, policy_errs *e);

/* Check the tree against the schema (docs/policy.md). Adds an error for each problem; returns their number.
 */
int policy_schema_check(const json_t *doc, const policy_lines *lines, policy_errs *e);

/* Code lists the schema and the notice share (NULL-terminated pairs: code, words). */
extern const char *const policy_art6_bases[];
extern const char *const policy_art9_conditions[];
extern const char *const policy_dpa_conditions[];
extern const char *const policy_research_fields[];
extern const char *const policy_hold_codes[];
/* The words for code in a pair list, or NULL when code is not in it. */
const char *policy_code_words(const char *const *pairs, const char *code);
/* 1 when art 9(2) condition `code` needs a DPA 2018 Schedule 1 condition as well (b, g, h, i, j). */
int policy_art9_needs_dpa(const char *code);

#endif
