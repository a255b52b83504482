#!/usr/bin/env python3
"""Link the demo council's synthetic partner datasets to its person index from the command line, and measure
how well it was done against the truth `hearth demo partners --truth` writes.

usage: tests/cli/run_pindex.py HEARTH
Prints one line per check and finally `pindexcli: N passed, N failed`.

Pinned down here: `hearth demo partners` writes the four files and their mappings, the same bytes for the same
seed; each file imports with no rejects; `hearth link index` over each dataset links rows to people with
precision at least 0.99 and recall at least 0.97 against the truth (households, namesakes, siblings with
similar names, surname typos, day and month swapped, missing postcodes and people the council does not know
are all in these files), never links a row about a person the council does not know to anybody, and merges
nobody; running it again links nothing new and keeps what was decided; `hearth link index` over the index
alone queues pairs and links nothing; `hearth identify` lists families with three or more headlines, each
backed by evidence from linked rows; the audit trail records every run and verifies. All data is synthetic.
"""
import csv
import filecmp
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

DATASETS = ("school_attendance", "police_incidents", "dwp_benefits", "housing")


def main():
    hearth = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="hearth-pindexcli-")
    passed = failed = 0

    def check(ok, what, got=None):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok   " + what)
        else:
            failed += 1
            print("FAIL " + what + ("\n     got: %s" % (got,) if got is not None else ""))

    def run(*args):
        p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        return p.returncode, p.stdout, p.stderr

    db = os.path.join(tmp, "c.db")
    rc, out, err = run("demo", "--db", db, "--families", "600", "--seed", "3", "--as-of", "2026-11-23")
    check(rc == 0, "demo council built", err)
    parts, again = os.path.join(tmp, "partners"), os.path.join(tmp, "again")
    truth_path = os.path.join(tmp, "truth.csv")
    rc, out, err = run("demo", "partners", "--db", db, "--out", parts, "--truth", truth_path, "--seed", "3",
                       "--as-of", "2026-11-23")
    check(rc == 0 and all(os.path.exists(os.path.join(parts, d + ext)) for d in DATASETS for ext in (".csv", ".json")),
          "demo partners writes four files and their mappings", (rc, out, err))
    rc2, _, _ = run("demo", "partners", "--db", db, "--out", again, "--seed", "3", "--as-of", "2026-11-23")
    check(rc2 == 0 and all(filecmp.cmp(os.path.join(parts, d + ".csv"), os.path.join(again, d + ".csv"), shallow=False)
                           for d in DATASETS), "the same seed writes the same bytes")
    rc, out, err = run("demo", "partners", "--db", os.path.join(tmp, "absent.db"), "--out", again)
    check(rc == 1 and "does not exist" in err, "demo partners names a database that does not exist", (rc, err))

    for d in DATASETS:
        rc, out, err = run("import", "--db", db, "--dataset", d, "--mapping", os.path.join(parts, d + ".json"),
                           os.path.join(parts, d + ".csv"))
        check(rc == 0 and " 0 rejected" in out, "import %s: no rejects" % d, (rc, out, err))

    rc, out, err = run("link", "index", "--db", db)
    check(rc == 0 and "pairs waiting for review" in out, "link index over the index queues pairs", (rc, out, err))
    for d in DATASETS:
        rc, out, err = run("link", "index", "--db", db, "--dataset", d)
        check(rc == 0 and " linked to a person" in out, "link index --dataset %s" % d, (rc, out, err))

    truth = {}
    with open(truth_path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[r["ref"]] = int(r["person_id"])
    con = sqlite3.connect(db)
    tp = fp = fn = unknown_linked = 0
    for ref, pid in con.execute("SELECT row_key, person_id FROM partner_record"):
        t = truth.get(ref)
        if pid is not None:
            if pid == t:
                tp += 1
            else:
                fp += 1
                unknown_linked += t is None
        if t is not None and pid != t:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0
    recall = tp / (tp + fn) if tp + fn else 0
    print("     linked %d rows correctly, %d wrongly, missed %d: precision %.4f recall %.4f" %
          (tp, fp, fn, precision, recall))
    check(tp > 1000 and precision >= 0.99 and recall >= 0.97,
          "rows linked with precision >= 0.99 and recall >= 0.97", (tp, fp, fn))
    check(unknown_linked == 0, "no row about someone the council does not know is linked", unknown_linked)
    merged = con.execute("SELECT count(*) FROM person WHERE merged_into IS NOT NULL").fetchone()[0]
    check(merged == 0, "nobody was merged by the engine", merged)
    index_links = con.execute("SELECT count(*) FROM match_pair WHERE kind = 'index' AND state <> 'pending'"
                              ).fetchone()[0]
    check(index_links == 0, "pairs of the index are only ever queued", index_links)

    before = con.execute("SELECT count(*) FROM partner_record WHERE person_id IS NOT NULL").fetchone()[0]
    rc, out, err = run("link", "index", "--db", db, "--dataset", "school_attendance")
    after = con.execute("SELECT count(*) FROM partner_record WHERE person_id IS NOT NULL").fetchone()[0]
    check(rc == 0 and " 0 rows linked" in out and after == before,
          "running again links nothing new and keeps what was linked", (out, before, after))

    rc, out, err = run("identify", "--db", db)
    try:
        listed = json.loads(out)
    except ValueError:
        listed = None
    ok = isinstance(listed, list) and len(listed) > 0 and all(
        len(f["headlines"]) >= 3 and all(e["partner_record_id"] for m in f["members"] for e in m["evidence"])
        for f in listed)
    check(rc == 0 and ok, "identify lists families with three or more headlines and their evidence",
          (rc, err, out[:300]))
    linked_rows = {r for (r,) in con.execute("SELECT id FROM partner_record WHERE person_id IS NOT NULL")}
    ev_rows = {e["partner_record_id"] for f in (listed or []) for m in f["members"] for e in m["evidence"]}
    check(ev_rows <= linked_rows, "every piece of evidence is a linked row", len(ev_rows - linked_rows))

    trail = sqlite3.connect(db + ".audit")
    runs = trail.execute("SELECT count(*) FROM audit_event WHERE action = 'link_run'").fetchone()[0]
    check(runs == 6, "every run is in the audit trail", runs)
    rc, out, err = run("audit", "verify", "--db", db, "--public-key", db + ".audit-pubkey")
    check(rc == 0, "the audit trail verifies", (rc, out, err))
    rc, out, err = run("link", "index", "--db", db, "--threads", "0")
    check(rc == 2, "a bad option is a usage error", (rc, err))

    shutil.rmtree(tmp, ignore_errors=True)
    print("pindexcli: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
