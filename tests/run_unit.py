#!/usr/bin/env python3
"""Run every cmocka unit test of a build directory and count the individual tests.

usage: tests/run_unit.py BUILD_DIR [--backend postgres]

With --backend postgres (under script/with-postgres) the programs that take their database from
tests/unit/test_tmpdb.h and test what is above the store run again with HEARTH_TEST_BACKEND=postgres, each test
in a schema of its own on that server (PG_SUITES below), and the line is `unit_pg: N passed, N failed`.

Each test program listed by `meson introspect --tests` is run; cmocka's "[  PASSED  ] N test(s)." and
"[  FAILED  ] N test(s)" lines are summed. A program that exits non-zero without a cmocka failure line (a
crash, a sanitizer report) counts as one failure. Prints the output of failing programs, then one line
`unit: N passed, N failed`; exits 1 when anything failed.
"""
import json
import os
import re
import subprocess
import sys


# The suites run on PostgreSQL too: the store's (its PostgreSQL programs run in both lines), the model's,
# access control's, sign-in's, partner imports' and the retention plan's. Not here: test_store (SQLite's own
# pragmas, WAL and checkpoints) and test_audit (the trail is still an SQLite file beside the database: the
# trail on PostgreSQL is tested by test_store_pg_schema).
PG_SUITES = {'test_store_pg', 'test_store_pg_schema', 'test_model_crud', 'test_access', 'test_auth', 'test_import',
             'test_retention_plan'}


def main():
    build = sys.argv[1]
    on_pg = sys.argv[2:] == ['--backend', 'postgres']
    if len(sys.argv) > 2 and not on_pg:
        sys.exit('usage: tests/run_unit.py BUILD_DIR [--backend postgres]')
    tests = json.loads(subprocess.check_output(['meson', 'introspect', build, '--tests']))
    if on_pg:
        tests = [t for t in tests if t['name'] in PG_SUITES]
        if len(tests) != len(PG_SUITES):
            print('FAIL some PostgreSQL suites are not built: %s' % sorted(PG_SUITES - {t['name'] for t in tests}))
    passed = 0
    failed = 1 if on_pg and len(tests) != len(PG_SUITES) else 0
    for t in tests:
        env = dict(os.environ)
        if on_pg:
            env['HEARTH_TEST_BACKEND'] = 'postgres'
        env.update(t.get('env') or {})
        env['CMOCKA_MESSAGE_OUTPUT'] = 'stdout'
        p = subprocess.run(t['cmd'], cwd=t.get('workdir') or build, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=t.get('timeout') or 300)
        out = p.stdout.decode('utf-8', 'replace')
        ok = sum(int(n) for n in re.findall(r'^\[  PASSED  \] (\d+) test', out, re.M))
        bad = sum(int(n) for n in re.findall(r'^\[  FAILED  \] (\d+) test', out, re.M))
        if p.returncode != 0 and bad == 0:
            bad = 1
        passed += ok
        failed += bad
        status = 'ok' if bad == 0 and p.returncode == 0 else 'FAIL'
        print('%-4s %s (%d passed, %d failed)' % (status, t['name'], ok, bad))
        if status == 'FAIL':
            sys.stdout.write(out[-8000:])
    print('%s: %d passed, %d failed' % ('unit_pg' if on_pg else 'unit', passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
