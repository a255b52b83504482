#!/usr/bin/env python3
"""Run `hearth link dedupe` and `hearth link pair` on small invented CSV files and check what they write, what
they print and how they exit.

usage: tests/cli/run_link.py HEARTH
Prints one line per failure and finally `link: N passed, N failed`.

Pinned down here: PAIRS.csv has exactly the header the issue names and one row per candidate pair with a
decision of link, review or no; people re-entered with a nickname, a surname typo and day and month of birth
swapped are linked, different people are not; bad rows are refused with their line and reason and the good
rows still linked; bad mappings, missing columns and usage errors exit non-zero with a clear message and
write no pairs file. All names are invented.
"""
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

GIVEN = ["William", "Margaret", "Robert", "Elizabeth", "James", "Catherine", "Thomas", "Priya", "Mohammed",
         "Zofia", "Kacper", "Ayesha", "Oliver", "Amelia", "Harry", "Isla", "Grace", "Noah", "Freya", "Leo"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
          "Thompson", "Evans", "Walker", "White", "Roberts", "Patel", "Khan", "Kowalczyk", "Nowak", "Okafor",
          "Begum", "Hughes", "Edwards", "Lewis", "Morgan", "Price", "Llewellyn", "Macdonald"]
POSTCODES = ["LS1 4AP", "M1 1AE", "B33 8TH", "CF10 1EP", "NE1 7RU", "SW1A 1AA", "G2 3BZ", "L1 8JQ", "BS1 5TR"]
MAPPING = {"id": "ref", "given_name": "first", "family_name": "last", "date_of_birth": "dob",
           "date_format": "%d/%m/%Y", "sex": "sex", "postcode": "postcode"}


def people(n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append({"ref": "P%04d" % i, "first": rng.choice(GIVEN), "last": rng.choice(FAMILY),
                    "dob": "%02d/%02d/%04d" % (rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2020)),
                    "sex": rng.choice("MF"), "postcode": rng.choice(POSTCODES)})
    return out


def write_csv(path, rows, header=("ref", "first", "last", "dob", "sex", "postcode"), extra=""):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r[h] for h in header])
        f.write(extra)


def main():
    hearth = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="hearth-cli-link-")
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    def run(*args):
        p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        return p.returncode, p.stdout, p.stderr

    def pairs(path):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    try:
        mapping = os.path.join(tmp, "m.json")
        with open(mapping, "w") as f:
            json.dump(MAPPING, f)
        base = people(600, 1)
        # the front-door case: a child re-entered with a nickname, a surname typo, day and month swapped
        child = {"ref": "CHILD-1", "first": "William", "last": "Kowalczyk-Evans", "dob": "03/09/2016", "sex": "M",
                 "postcode": "LS6 2QT"}
        again = {"ref": "CHILD-2", "first": "Billy", "last": "Kowalcyzk-Evans", "dob": "09/03/2016", "sex": "M",
                 "postcode": "LS6 2QT"}
        rows = base + [child, again]
        # duplicates of every tenth person, with one change each
        rng = random.Random(2)
        for i in range(0, 600, 10):
            d = dict(base[i])
            d["ref"] = "D%04d" % i
            d["postcode"] = rng.choice(POSTCODES) if i % 20 else d["postcode"]
            rows.append(d)
        one = os.path.join(tmp, "one.csv")
        write_csv(one, rows, extra='BAD-1,Ann,Le"e,01/01/2000,F,M1 1AE\n'
                                   'BAD-2,Ann,Lee,31/02/2000,F,M1 1AE\n'
                                   'BAD-3,Ann,Lee\n')
        out = os.path.join(tmp, "pairs.csv")
        rejects = os.path.join(tmp, "rejects.txt")
        rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", out, "--rejects", rejects, one)
        check(rc == 0, "dedupe exits 0: %d %s" % (rc, se))
        with open(out, encoding="utf-8") as f:
            header = f.readline().strip()
        check(header == "left_id,right_id,match_weight,probability,decision", "the header: %r" % header)
        got = pairs(out)
        check(len(got) > 0 and all(p["decision"] in ("link", "review", "no") for p in got), "decisions")
        check(all(0 <= float(p["probability"]) <= 1 for p in got), "probabilities in [0, 1]")
        linked = {(p["left_id"], p["right_id"]) for p in got if p["decision"] == "link"}
        check(("CHILD-1", "CHILD-2") in linked or ("CHILD-2", "CHILD-1") in linked,
              "the child re-entered with a nickname, a typo and day/month swapped is linked")
        dup_pairs = {("P%04d" % i, "D%04d" % i) for i in range(0, 600, 10)}
        found = sum(1 for a, b in dup_pairs if (a, b) in linked or (b, a) in linked)
        check(found >= 0.95 * len(dup_pairs), "duplicates linked: %d of %d" % (found, len(dup_pairs)))
        wrong = [(a, b) for a, b in linked if a.lstrip("PD") != b.lstrip("PD") and "CHILD" not in a + b]
        check(len(wrong) <= 2, "different people linked: %r" % wrong[:5])
        with open(rejects, encoding="utf-8") as f:
            rj = f.read()
        first_bad = len(rows) + 2  # line 1 is the header
        check(all("one.csv:%d:" % n in rj for n in (first_bad, first_bad + 1, first_bad + 2)) and "BAD" not in rj,
              "rejects name the file and line, never the row's data: %r" % rj)
        check("31/02/2000" in rj or "date" in rj, "the bad date is given as a reason: %r" % rj)
        check("rejected" in se and "records read" in se, "a summary on stderr: %r" % se)

        # --explain: one column per comparison, and the contributions sum (with the prior) to the weight
        rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", out, "--explain", one)
        got = pairs(out)
        check(rc == 0 and "given_name" in got[0] and "date_of_birth" in got[0], "--explain adds columns")

        # pair: two files, left ids from the first
        a, b = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
        write_csv(a, base[:300])
        moved = [dict(r, ref="B" + r["ref"][1:]) for r in base[:300:3]]
        write_csv(b, moved + people(100, 9))
        rc, so, se = run("link", "pair", "--mapping", mapping, "--out", out, a, b)
        got = pairs(out)
        linked = {(p["left_id"], p["right_id"]) for p in got if p["decision"] == "link"}
        want = {(r["ref"], "B" + r["ref"][1:]) for r in base[:300:3]}
        check(rc == 0 and len(want & linked) >= 0.95 * len(want), "pair links A to B: %d of %d" %
              (len(want & linked), len(want)))
        check(all(p["left_id"].startswith("P") for p in got), "left ids come from the first file")

        # refusals: nothing written, clear message, exit status
        os.unlink(out)
        bad = os.path.join(tmp, "bad.json")
        for text, says in (('{"id": "ref", "nickname": "x"}', "nickname"), ('{"given_name": "first"}', "id"),
                           ("{not json", "json")):
            with open(bad, "w") as f:
                f.write(text)
            rc, so, se = run("link", "dedupe", "--mapping", bad, "--out", out, one)
            check(rc == 1 and says in se.lower() and not os.path.exists(out),
                  "bad mapping %r: exit 1 naming %r, no pairs file: %d %r" % (text, says, rc, se))
        with open(bad, "w") as f:
            json.dump(dict(MAPPING, town="city"), f)
        rc, so, se = run("link", "dedupe", "--mapping", bad, "--out", out, one)
        check(rc == 1 and "city" in se and not os.path.exists(out), "a mapped column not in the file: %r" % se)
        rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", out, os.path.join(tmp, "absent.csv"))
        check(rc == 1 and "absent.csv" in se and not os.path.exists(out), "an absent file: %d %r" % (rc, se))
        for args in (["link", "dedupe", "--out", out, one], ["link", "dedupe", "--mapping", mapping, one],
                     ["link", "pair", "--mapping", mapping, "--out", out, a],
                     ["link", "dedupe", "--mapping", mapping, "--out", out, "--threads", "0", one],
                     ["link", "dedupe", "--mapping", mapping, "--out", out, "--frobnicate", one]):
            rc, so, se = run(*args)
            check(rc == 2 and se and not os.path.exists(out), "usage error %r: exit 2: %d %r" % (args, rc, se))
        for cmd in ("dedupe", "pair"):
            rc, so, se = run("link", cmd, "--help")
            check(rc == 0 and "usage: hearth link " + cmd in so, "link %s --help" % cmd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("link: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
