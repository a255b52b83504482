#!/usr/bin/env python3
"""Import a generated partner file of a few hundred MB and show that `hearth import`'s memory stays flat.

usage: tests/cli/big_import.py HEARTH [ROWS] [--again]
  ROWS     data rows to generate (default 2,000,000: about 250 MB)
  --again  import the same file a second time (every row unchanged) and measure that too

Not part of script/test (it takes minutes and a few GB of disk for the file, the database and its WAL); run it
by hand, preferably against the optimised build (build/hearth), after changing the reader or the importer.
It writes the file into a scratch directory, runs the import while sampling the process's resident memory
from /proc every 0.2 s, and prints it after each tenth of the run with the peak: the heap (RssAnon: the
program's own memory, SQLite's page cache included) and, apart, the database file's pages that SQLite reads
through its memory map and the WAL index (RssFile + RssShmem: the kernel's page cache, shared and dropped
under pressure; they grow with the database, not with the file being read). It fails when the heap passes
256 MB, or grows by more than 32 MB over the second half of the run compared with a quarter in: memory must
not grow with the file (src/import/README.md, "Size"). Every 1000th row is bad (a
date that does not exist), so rejects are written all along. All names are invented.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

GIVEN = ["Amara", "Tomasz", "Siân", "Kacper", "Priya", "Oliver", "Isla", "Mohammed", "Zofia", "Freya", "Noah"]
FAMILY = ["Okonkwo", "Wiśniewski", "Llewellyn", "Kowalczyk", "Patel", "Hughes", "Begum", "Nowak", "Price"]
MAPPING = ('{"id": "ref", "given_name": "first", "family_name": "last", "date_of_birth": "dob",'
           ' "date_format": "%d/%m/%Y", "sex": "sex", "postcode": "postcode", "address": "address",'
           ' "town": "town", "attributes": {"attendance_pct": "attendance", "year_group": "year"}}')
POSTCODES = ["LS6 2QT", "M1 1AE", "B33 8TH", "CF10 1EP", "NE1 7RU", "G2 3BZ", "L1 8JQ", "BS1 5TR"]


def generate(path, rows):
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as f:
        f.write("ref,first,last,dob,sex,postcode,address,town,attendance,year\n")
        for i in range(rows):
            day = 31 if i % 1000 == 999 else rng.randint(1, 28)
            f.write('P%08d,%s,%s,%02d/%02d/%04d,%s,%s,"%d %s Road\nFlat %d",Town %d,%d.%d,%d\n' % (
                i, rng.choice(GIVEN), rng.choice(FAMILY), day, 2 if day == 31 else rng.randint(1, 12),
                rng.randint(2005, 2020), rng.choice("MF"), rng.choice(POSTCODES), rng.randint(1, 300),
                rng.choice(FAMILY), rng.randint(1, 9), i % 50, rng.randint(50, 100), rng.randint(0, 9),
                rng.randint(1, 13)))


def rss_kb(pid):
    """(anonymous, file-backed and shared resident kB) of a process, or None once it has gone."""
    got = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("RssAnon", "RssFile", "RssShmem"):
                    got[key] = int(line.split()[1])
    except OSError:
        return None
    return (got["RssAnon"], got["RssFile"], got["RssShmem"]) if len(got) == 3 else None


def measure(hearth, db, mapping, csv_path, size):
    p = subprocess.Popen([hearth, "import", "--db", db, "--dataset", "big", "--mapping", mapping, csv_path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    samples = []  # (seconds, (anonymous, file-backed, shared) resident kB)
    start = time.time()
    while p.poll() is None:
        r = rss_kb(p.pid)
        if r:
            samples.append((time.time() - start, r))
        time.sleep(0.2)
    out, err = p.communicate()
    return p.returncode, out.decode(), err.decode(), samples, time.time() - start


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hearth = os.path.abspath(args[0])
    rows = int(args[1]) if len(args) > 1 else 2000000
    tmp = tempfile.mkdtemp(prefix="hearth-big-import-")
    ok = True
    try:
        csv_path = os.path.join(tmp, "partner.csv")
        mapping = os.path.join(tmp, "m.json")
        with open(mapping, "w") as f:
            f.write(MAPPING)
        t = time.time()
        generate(csv_path, rows)
        size = os.path.getsize(csv_path)
        print("generated %d rows, %.0f MB, in %.0f s" % (rows, size / 1e6, time.time() - t))
        db = os.path.join(tmp, "hearth.db")
        subprocess.run([hearth, "init", "--db", db], check=True, stdout=subprocess.DEVNULL)
        for run in (["first"] + (["again"] if "--again" in sys.argv else [])):
            rc, out, err, samples, secs = measure(hearth, db, mapping, csv_path, size)
            print("%s import: exit %d in %.0f s (%.0f rows/s)\n  %s" % (run, rc, secs, rows / secs, out.strip()))
            if rc != 0:
                print(err)
                ok = False
                continue
            anon = [s[1][0] for s in samples]
            files = [s[1][1] + s[1][2] for s in samples]
            tenths = [min(len(samples) - 1, len(samples) * k // 10) for k in range(1, 10)]
            print("  heap (RssAnon) at each tenth of the run (MB): %s; peak %.1f MB" %
                  (" ".join("%.1f" % (anon[i] / 1024) for i in tenths), max(anon) / 1024))
            print("  mapped database and wal-index pages (RssFile + RssShmem, MB): %s; peak %.1f MB" %
                  (" ".join("%.1f" % (files[i] / 1024) for i in tenths), max(files) / 1024))
            growth = (max(anon[len(anon) // 2:]) - anon[len(anon) // 4]) / 1024
            print("  heap growth over the second half compared with a quarter in: %.1f MB" % growth)
            if max(anon) > 256 * 1024 or growth > 32:
                print("FAIL memory grows with the file")
                ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("big_import: %d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
