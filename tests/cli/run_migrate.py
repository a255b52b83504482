#!/usr/bin/env python3
"""`hearth migrate`: a demo council copied from SQLite to PostgreSQL arrives whole.

usage: script/with-postgres python3 tests/cli/run_migrate.py build-asan/hearth

Builds the demo council on SQLite (the API suite's arguments), reads a person through a SQLite server, migrates
the council into the empty database HEARTH_TEST_PG names, and checks: the command's exit and its table of
counts; every table's rows counted independently (sqlite3 against psql, the trail's audit_event and
audit_outbox_done included); `hearth audit verify` on the target; `hearth serve --db postgres://...` answers
the same person with the same body; a second migrate into the now full target is refused and changes nothing
(counts and audit files alike); a --from that does not exist is a clear error; usage errors and --help.
Prints `migrate: N passed, N failed`.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
os.environ.pop("HEARTH_TEST_BACKEND", None)  # the API runner's helpers read the SQLite side
import run as api  # noqa: E402  (tests/api/run.py: Server, sign-in, the demo's arguments)

RESULTS = {"passed": 0, "failed": 0}


def check(name, ok, why=""):
    if ok:
        RESULTS["passed"] += 1
        print("ok", name)
    else:
        RESULTS["failed"] += 1
        print("FAIL %s: %s" % (name, why))


def sqlite_counts(db, trail):
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%' AND name <> 'schema_migration' ORDER BY name")]
        counts = {n: con.execute('SELECT count(*) FROM "%s"' % n).fetchone()[0] for n in names}
    finally:
        con.close()
    con = sqlite3.connect(trail)
    try:
        for n in ("audit_event", "audit_outbox_done"):
            counts[n] = con.execute("SELECT count(*) FROM %s" % n).fetchone()[0]
    finally:
        con.close()
    return counts


def pg_counts(url, names):
    query = " UNION ALL ".join("SELECT '%s', count(*) FROM \"%s\"" % (n, n) for n in sorted(names))
    out = subprocess.run(["psql", "-qAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", query], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return {a: int(b) for a, b in (line.split("\t") for line in out.splitlines() if line)}


def read_person(hearth, db, logins, pid):
    server = api.Server(hearth, db)
    try:
        token, _ = api.session_of(server.port, logins, api.USER)
        status, _, body = api.request(server.port, "GET", "/api/v1/people/%d" % pid,
                                      {"Authorization": "Bearer " + token}, b"")
    finally:
        problem = server.stop()
    return status, body, problem


def dir_state(d):
    state = {}
    for n in sorted(os.listdir(d)):
        with open(os.path.join(d, n), "rb") as f:
            state[n] = f.read()
    return state


def main():
    hearth = os.path.abspath(sys.argv[1])
    url = os.environ["HEARTH_TEST_PG"]
    os.environ.pop("HEARTH_AUDIT_SIGNING_KEY", None)
    tmp = tempfile.mkdtemp(prefix="hearth-migrate-")
    db, logins = os.path.join(tmp, "council.db"), os.path.join(tmp, "logins.json")
    audit_dir = os.path.join(tmp, "audit")
    os.mkdir(audit_dir)
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + api.DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    api.give_work(db)  # practitioner.n1 leads an open episode with family 1
    con = sqlite3.connect(db)
    pid = con.execute("SELECT min(person_id) FROM family_member WHERE family_id = 1").fetchone()[0]
    con.close()
    status, sq_body, problem = read_person(hearth, db, logins, pid)
    check("sqlite-read", status == 200 and not problem, "status %s %s %s" % (status, sq_body[:200], problem))

    # --help and usage
    p = subprocess.run([hearth, "migrate", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("help", p.returncode == 0 and "usage: hearth migrate --from sqlite:PATH" in p.stdout + p.stderr,
          "exit %d %s" % (p.returncode, p.stdout + p.stderr))
    p = subprocess.run([hearth, "migrate", "--from", db, "--to", url], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check("usage-no-sqlite-prefix", p.returncode == 2 and "sqlite:PATH" in p.stderr, "exit %d %s" %
          (p.returncode, p.stderr))

    # a source that does not exist: a clear error, nothing made
    missing = os.path.join(tmp, "nothing-here.db")
    p = subprocess.run([hearth, "migrate", "--from", "sqlite:" + missing, "--to", url, "--audit-dir", audit_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("bad-from", p.returncode == 1 and "does not exist" in p.stderr and not os.path.exists(missing)
          and os.listdir(audit_dir) == [], "exit %d %s" % (p.returncode, p.stderr))

    # the migration
    p = subprocess.run([hearth, "migrate", "--from", "sqlite:" + db, "--to", url, "--audit-dir", audit_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("migrate", p.returncode == 0 and "audit trail verified" in p.stdout and "DIFFERENT" not in p.stdout,
          "exit %d\n%s\n%s" % (p.returncode, p.stdout, p.stderr[-2000:]))
    check("progress", "hearth migrate: person " in p.stderr and "hearth migrate: audit_event " in p.stderr,
          p.stderr[-500:])
    want = sqlite_counts(db, db + ".audit")
    got = pg_counts(url, want)
    diff = {n: (want[n], got.get(n)) for n in want if want[n] != got.get(n)}
    check("counts", not diff and want["person"] > 0 and want["audit_event"] > 0, "differ: %r" % diff)
    printed = {line.split()[0]: line.split()[1:3] for line in p.stdout.splitlines() if len(line.split()) >= 3}
    check("counts-printed", all(printed.get(n) == [str(want[n]), str(want[n])] for n in want),
          "printed %r" % {n: printed.get(n) for n in want if printed.get(n) != [str(want[n])] * 2})

    env = dict(os.environ, HEARTH_AUDIT_DIR=audit_dir)
    p = subprocess.run([hearth, "audit", "verify", "--db", url, "--public-key",
                        os.path.join(audit_dir, "hearth.audit-pubkey")], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check("audit-verify", p.returncode == 0 and "%d entries verified" % want["audit_event"] in p.stdout,
          "exit %d %s %s" % (p.returncode, p.stdout, p.stderr))
    with open(db + ".audit-pubkey", "rb") as a, open(os.path.join(audit_dir, "hearth.audit-pubkey"), "rb") as b:
        check("same-public-key", a.read() == b.read())

    # the server on PostgreSQL answers the same person alike (and adds to the migrated chain)
    os.environ["HEARTH_AUDIT_DIR"] = audit_dir
    status, pg_body, problem = read_person(hearth, url, logins, pid)
    same = status == 200 and json.loads(pg_body) == json.loads(sq_body) if status == 200 else False
    check("pg-read-same", same and not problem, "status %s\n%s\n%s\n%s" % (status, sq_body[:300], pg_body[:300],
                                                                          problem))
    # ids continue past the copied ones: an identity sequence follows its largest id
    out = subprocess.run(["psql", "-qAt", url, "-c", "SELECT nextval(pg_get_serial_sequence('person', 'id')) > "
                          "(SELECT max(id) FROM person)"], stdout=subprocess.PIPE, text=True).stdout.strip()
    check("sequence-past-max", out == "t", out)

    # a second migrate into the full target: refused, nothing changed
    before, files = pg_counts(url, want), dir_state(audit_dir)
    p = subprocess.run([hearth, "migrate", "--from", "sqlite:" + db, "--to", url, "--audit-dir", audit_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("second-refused", p.returncode == 1 and "already holds data" in p.stderr, "exit %d %s" %
          (p.returncode, p.stderr[-500:]))
    check("second-unchanged", pg_counts(url, want) == before and dir_state(audit_dir) == files)
    shutil.rmtree(tmp)
    print("migrate: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
