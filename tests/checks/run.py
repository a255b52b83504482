#!/usr/bin/env python3
"""tests/checks/run.py — rules of the house that a reading of the source can check.

  no_sql   src/api and src/web hold no SQL: no string literal that is (or holds) an SQL statement, and no call
           that runs one (store_query, store_query_int, store_exec, store_exec_script). SQL lives as named
           constants in the module that owns the data (model/, pindex/, gov/, access/, ...).

Each rule first proves it can fail: it is run on samples that must be caught and samples that must not.

usage: tests/checks/run.py [ROOT]      prints `checks: N passed, N failed`
"""
import os
import re
import sys

STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# A statement's opening words, or a clause no prose has, in capitals as Hearth writes SQL.
SQL = re.compile(r'^\s*(SELECT\b|INSERT\s+INTO\b|UPDATE\s+\w+(\s|\\n)+SET\b|DELETE\s+FROM\b|WITH\s+(RECURSIVE\s+)?\w+'
                 r'(\(.*\))?\s+AS\s*\(|CREATE\s+(TABLE|INDEX|UNIQUE|TEMP)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX)|PRAGMA\b)'
                 r'|\b(FROM|JOIN)\s+\w+((\s|\\n)+\w+)?(\s|\\n)+(WHERE|ON|ORDER|GROUP|LIMIT|JOIN)\b|\bVALUES\s*\(\$\d|\bRETURNING\s+id\b'
                 r'|\bWHERE\s+\w+(\.\w+)?\s*=\s*\$\d')
CALL = re.compile(r'\b(store_query|store_query_int|store_exec|store_exec_script)\s*\(')


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group().count('\n'), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def sql_findings(text):
    """(line, what) for each SQL literal or SQL call in C source text."""
    out = []
    code = strip_comments(text)
    for n, line in enumerate(code.split('\n'), 1):
        for m in STRING.finditer(line):
            if SQL.search(m.group(1)):
                out.append((n, 'SQL in a string: "%s"' % m.group(1)[:60]))
        m = CALL.search(line)
        if m:
            out.append((n, 'runs SQL: %s()' % m.group(1)))
    return out


CAUGHT = [
    'static const char Q[] = "SELECT id\\n" "  FROM person\\n";',
    'x = "INSERT INTO note (a) VALUES ($1)";',
    'x = "UPDATE person\\n   SET restricted = $2";',
    'x = "DELETE FROM access_grant WHERE id = $1";',
    'x = "  FROM person p\\n  JOIN family f ON f.id = p.id";',
    'x = "WITH fam(id) AS (SELECT 1)";',
    'rc = store_query(req->db, &req->arena, q, p, 1, &st, &err);',
    'rc = store_exec(db, a, SQL_X, NULL, 0, NULL, err);',
    'x = " WHERE id = $1";',
]
LEFT = [
    '{"DELETE", "/api/v1/session", api_session_delete, "session.end", 0, NULL, NULL, 0},',
    'x = "Update the action";',
    '/* SELECT id FROM person WHERE id = $1 */',
    'x = "select a team from the list";',
    'core_error_set(err, CORE_E_NOT_FOUND, "no setting named %s", name);',
    'rc = model_setting_set(req->db, &req->arena, name, value, &changed, err);',
]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL ' + what)

    for sample in CAUGHT:
        check(bool(sql_findings(sample)), 'no_sql misses: ' + sample)
    for sample in LEFT:
        check(not sql_findings(sample), 'no_sql wrongly flags: ' + sample)
    files = 0
    for d in ('src/api', 'src/web'):
        for name in sorted(os.listdir(os.path.join(root, d))):
            if not name.endswith(('.c', '.h')):
                continue
            files += 1
            path = os.path.join(d, name)
            with open(os.path.join(root, path), encoding='utf-8') as fh:
                found = sql_findings(fh.read())
            for line, what in found:
                print('%s:%d: %s' % (path, line, what))
            check(not found, 'no_sql: %s holds SQL (move it to the module that owns the data)' % path)
    check(files > 20, 'no_sql: found only %d files under src/api and src/web' % files)
    print('checks: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
