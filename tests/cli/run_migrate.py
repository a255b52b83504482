#!/usr/bin/env python3
"""`hearth migrate`: a demo council copied from SQLite to PostgreSQL arrives whole.

usage: script/with-postgres python3 tests/cli/run_migrate.py build-asan/hearth

Builds the demo council on SQLite (the API suite's arguments), reads a person through a SQLite server, migrates
the council into the empty database HEARTH_TEST_PG names, and checks: the command's exit and its table of
counts; every table's rows counted independently (sqlite3 against psql, the trail's audit_event and
audit_outbox_done included); `hearth audit verify` on the target; `hearth serve --db postgres://...` answers
the same person with the same body; a second migrate into the now full target is refused and changes nothing
(counts and audit files alike); a pair and a merge that refer to each other (the schema's one cycle) arrive
with both references; a copy that fails on a late table leaves a second, fresh target with nothing (no rows,
no audit files); a --from that does not exist is a clear error; usage errors and --help.
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
# the tables the migrations fill themselves (src/store/migrations/sqlite: every INSERT INTO)
REFERENCE_TABLES = {"access_generation", "session_generation", "duty_purpose_write", "headline_area", "ref_bank_holiday", "ref_code",
                    "ref_list", "section_share", "setting", "sf_framework", "sf_headline", "sf_indicator", "sf_need"}


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
    # a reviewed pair and the merge it made, which refer to each other (the one cycle in the schema)
    a, b = con.execute("SELECT max(id) - 1, max(id) FROM person").fetchone()
    with con:
        con.execute("INSERT INTO link_run (id, kind, started_at, finished_at, people, records, candidate_pairs, "
                    "linked, queued, kept) VALUES (1, 'index', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z', "
                    "2, 0, 1, 0, 1, 0)")
        con.execute("INSERT INTO match_pair (id, pair_key, kind, run_id, person_id, other_person_id, match_weight, "
                    "probability, suggestion, evidence, state, merge_id, created_at, updated_at) VALUES (5, ?, "
                    "'index', 1, ?, ?, 9.5, 0.99, 'review', '{}', 'same', 3, '2026-11-20T10:01:00Z', "
                    "'2026-11-21T09:00:00Z')", ("p:%d:%d" % (a, b), a, b))
        con.execute("INSERT INTO person_merge (id, survivor_id, merged_id, pair_id, reason, moved, merged_at, "
                    "merged_by) VALUES (3, ?, ?, 5, 'same person', '[]', '2026-11-21T09:00:00Z', 4)", (a, b))
    con.close()
    # the research key (made by the first pseudonymised extract): it moves with the trail's files, so research
    # pseudonyms are the same after the move
    key_text = "hearth-research-key-v1\nkey=%s\n" % os.urandom(32).hex()
    fd = os.open(db + ".research-key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key_text)
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
    moved = os.path.join(audit_dir, "hearth.research-key")
    check("same-research-key", os.path.exists(moved) and open(moved).read() == key_text
          and os.stat(moved).st_mode & 0o077 == 0, sorted(os.listdir(audit_dir)))

    # the server on PostgreSQL answers the same person alike (and adds to the migrated chain)
    os.environ["HEARTH_AUDIT_DIR"] = audit_dir
    status, pg_body, problem = read_person(hearth, url, logins, pid)
    same = status == 200 and json.loads(pg_body) == json.loads(sq_body) if status == 200 else False
    check("pg-read-same", same and not problem, "status %s\n%s\n%s\n%s" % (status, sq_body[:300], pg_body[:300],
                                                                          problem))
    out = subprocess.run(["psql", "-qAt", "-F", " ", url, "-c", "SELECT m.merge_id, p.pair_id FROM match_pair m "
                          "JOIN person_merge p ON p.id = m.merge_id"], stdout=subprocess.PIPE, text=True).stdout.strip()
    check("cycle-references", out == "3 5", repr(out))
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
    # all or nothing: a value PostgreSQL refuses in a table copied late fails the copy, and the second target
    # keeps nothing (no rows, no audit files)
    bad, audit2 = os.path.join(tmp, "bad.db"), os.path.join(tmp, "audit2")
    os.mkdir(audit2)
    for suffix in ("", ".audit"):
        src, dst = sqlite3.connect(db + suffix), sqlite3.connect(bad + suffix)
        src.backup(dst)
        src.close()
        dst.close()
    for suffix in (".audit-key", ".audit-pubkey", ".audit-checkpoints", ".audit-signing-key"):
        shutil.copy(db + suffix, bad + suffix)
    con = sqlite3.connect(bad)
    with con:
        con.execute("UPDATE person_merge SET merged_by = 'not a number' WHERE id = 3")
    con.close()
    subprocess.run(["psql", "-q", url, "-c", "CREATE DATABASE hearth_second"], check=True)
    url2 = url.rsplit("/", 1)[0] + "/hearth_second"
    p = subprocess.run([hearth, "migrate", "--from", "sqlite:" + bad, "--to", url2, "--audit-dir", audit2],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("failed-copy", p.returncode == 1 and "hearth migrate: person " in p.stderr and "bigint" in p.stderr
          and "nothing was copied" in p.stderr, "exit %d %s" %
          (p.returncode, p.stderr[-500:]))
    left = {n: c for n, c in pg_counts(url2, want).items() if c and n not in REFERENCE_TABLES}
    check("failed-copy-kept-nothing", not left and os.listdir(audit2) == [], "left %r, files %r" %
          (left, os.listdir(audit2)))
    shutil.rmtree(tmp)
    print("migrate: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
