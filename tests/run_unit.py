#!/usr/bin/env python3
"""Run every cmocka unit test of a build directory and count the individual tests.

usage: tests/run_unit.py BUILD_DIR

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


def main():
    build = sys.argv[1]
    tests = json.loads(subprocess.check_output(['meson', 'introspect', build, '--tests']))
    passed = failed = 0
    for t in tests:
        env = dict(os.environ)
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
    print('unit: %d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
