#!/usr/bin/env python3
"""job_connections.py — the PostgreSQL connections one idle `hearth serve` holds, and how many its job workers hold.

usage: script/with-postgres bench/job_connections.py --hearth build/hearth [--samples N]

Builds a small council on the throwaway cluster (HEARTH_TEST_PG), starts `hearth serve` on it, and once the
count has settled reads `SELECT count(*) FROM pg_stat_activity` for the council's database (this script's own
connection left out) N times a second apart, and prints the highest. Run it with two builds (before and after a
change to the job workers) to see what they hold. A count of connections, not a speed: the figure in
src/jobs/README.md comes from here.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
import testdb  # noqa: E402
from jobs import Server  # noqa: E402

COUNT = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
         " AND backend_type = 'client backend'")


def held(db, samples):
    con = testdb.connect(db)
    last, same = -1, 0
    for _ in range(30):  # settle: the workers open theirs as they start
        n = con.execute(COUNT).fetchone()[0]
        same = same + 1 if n == last else 0
        last = n
        if same >= 2:
            break
        time.sleep(1)
    most = 0
    for _ in range(samples):
        most = max(most, con.execute(COUNT).fetchone()[0])
        time.sleep(1)
    con.close()
    return most


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--samples", type=int, default=5)
    args = ap.parse_args()
    if not testdb.ON_PG:
        os.environ["HEARTH_TEST_BACKEND"] = "postgres"
        testdb.ON_PG = True
    hearth = os.path.abspath(args.hearth)
    tmp = tempfile.mkdtemp(prefix="hearth-conns-")
    db = testdb.council(tmp, "conns")
    subprocess.run([hearth, "demo", "--db", db, "--families", "5", "--seed", "7"], check=True,
                   stdout=subprocess.DEVNULL)
    server = Server(hearth, db)
    try:
        idle = held(db, args.samples)
    finally:
        server.stop()
    print("idle server: %d PostgreSQL connections held" % idle)

if __name__ == "__main__":
    main()
