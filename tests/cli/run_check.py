#!/usr/bin/env python3
"""Run `hearth check` on every vector of tests/cli/check_vectors.tsv and the CLI's usage errors.

usage: tests/cli/run_check.py HEARTH
Prints one line per failure and finally `cli: N passed, N failed`.
"""
import os
import subprocess
import sys


def run(hearth, args):
    p = subprocess.run([hearth] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def main():
    hearth = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL ' + what)

    with open(os.path.join(here, 'check_vectors.tsv'), encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            kind, value, code, want = line.rstrip('\n').split('\t')
            rc, out, err = run(hearth, ['check', kind, value])
            if want == 'invalid':
                ok = rc == int(code) and out.startswith('invalid: ') and len(out.strip()) > len('invalid:')
            else:
                ok = rc == int(code) and out == want + '\n'
            check(ok, 'check %s %r: want exit %s %r, got exit %d %r %r' % (kind, value, code, want, rc, out, err))

    # usage errors exit 2; --help exits 0 and explains
    for args in (['check'], ['check', 'nhs'], ['check', 'bogus', '1'], ['nosuchcommand'], [],
                 ['serve'], ['demo'], ['init'], ['user', 'add'], ['serve', '--port', 'x', '--db', 'y'], ['audit', 'verify'], ['audit', 'verify', '--bogus'],
                 ['demo', '--families', '0', '--db', 'y']):
        rc, out, err = run(hearth, args)
        check(rc == 2 and err.strip() != '', 'usage error %r: want exit 2 with a message, got %d' % (args, rc))
    # the first word of commands that take more lists them, each with its summary
    for first, one in (('retention', 'retention plan'), ('policy', 'policy ropa'), ('extract', 'extract national'),
                       ('user', 'user add')):
        rc, out, err = run(hearth, [first])
        check(rc == 2 and ('hearth ' + one) in err and 'unknown command' not in err,
              '%r alone: want exit 2 listing its commands, got %d %r' % (first, rc, err[:200]))
    for args in (['--help'], ['check', '--help'], ['demo', '--help'], ['serve', '--help'], ['init', '--help'],
                 ['user', 'add', '--help'], ['audit', 'verify', '--help']):
        rc, out, err = run(hearth, args)
        check(rc == 0 and 'usage:' in out, '%r: want exit 0 and usage text, got %d' % (args, rc))
    print('cli: %d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
