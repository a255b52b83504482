#!/usr/bin/env python3
"""council.py — the browser tests' council: the small demo council of tests/web/run.py, with its work and
hostile text (give_work), and enough open cases for one team that its caseload needs a second page, in
DIR/browser.db (or, with HEARTH_TEST_BACKEND=postgres under script/with-postgres, a database of that cluster:
tests/api/testdb.py) with the demo users' logins in DIR/logins.json. DIR/council.json says where the council is
({"db": ..., "audit_dir": ...}: audit_dir is the HEARTH_AUDIT_DIR a server on PostgreSQL needs, else null).

    tests/browser/council.py --hearth build/hearth --dir DIR

run.js calls this before it starts the server, so the browser tests and the HTTP tests see the same council
(Python 3 standard library only; Node.js 18 has no SQLite of its own).
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("web_run", os.path.join(HERE, "..", "web", "run.py"))
web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import testdb  # noqa: E402  (the test database on either back end)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    db, logins = testdb.council(args.dir, "browser"), os.path.join(args.dir, "logins.json")
    subprocess.run([args.hearth, "demo", "--db", db, "--logins", logins] + web.api.DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    web.give_work(db)
    more_team_work(db)
    with open(os.path.join(args.dir, "council.json"), "w", encoding="utf-8") as f:
        json.dump({"db": db, "audit_dir": os.environ.get("HEARTH_AUDIT_DIR") if testdb.ON_PG else None}, f)


def more_team_work(db):
    """Enough open cases for Early Help North (team 2) that its caseload runs to a second page: an open episode,
    nobody leading it, for each of 20 families that have none."""
    con = testdb.connect(db)
    try:
        with con:
            fams = [r[0] for r in con.execute(
                "SELECT f.id FROM family f WHERE NOT EXISTS (SELECT 1 FROM episode e WHERE e.family_id = f.id AND "
                "e.end_date IS NULL) ORDER BY f.id LIMIT 20")]
            for i, f in enumerate(fams):
                day = web.day(-300 + 12 * i)  # spread over the year before the test clock
                con.execute("INSERT INTO episode (family_id, start_date, owning_team_id, created_at, updated_at) "
                            "VALUES (?, ?, 2, ?, ?)", (f, day, day + "T09:00:00Z", day + "T09:00:00Z"))
    finally:
        con.close()


if __name__ == "__main__":
    main()
