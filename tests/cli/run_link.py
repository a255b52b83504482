#!/usr/bin/env python3
"""Run `hearth link dedupe` and `hearth link pair` on small invented CSV files and check what they write, what
they print and how they exit.

usage: tests/cli/run_link.py HEARTH
Prints one line per failure and finally `link: N passed, N failed`.

Pinned down here: PAIRS.csv has exactly the header the issue names and one row per candidate pair with a
decision of link, review or no; people re-entered with a nickname, a surname typo and day and month of birth
swapped are linked, different people are not; bad rows are refused with their line and reason and the good
rows still linked; an impossible date of birth is read as missing, counted and reported with its line (refused
with "invalid_dates": "reject"); repeated ids, header-only and empty files are refused naming the lines, with no
pairs file; full names in one column, "Family, Given" and "Given Family", are split and linked; bad mappings, missing columns and usage errors exit non-zero with a clear message and
write no pairs file; `--min-decision` filters what is written; `hearth link synth` writes its three files with
the right row counts, the same bytes for the same seed, truth ids present in both files, and files that link.
All names are invented.
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
        check(all("one.csv:%d:" % n in rj for n in (first_bad, first_bad + 2)) and "BAD" not in rj,
              "rejects name the file and line, never the row's data: %r" % rj)
        # a date of birth that is not a date: the row is kept, the date read as missing, counted and reported
        check("one.csv:%d:" % (first_bad + 1) not in rj and "31/02/2000" not in rj,
              "a row with an impossible date is not refused: %r" % rj)
        check("1 dates of birth that are not dates read as missing (the first on line %d" % (first_bad + 1) in se,
              "the impossible date is counted with its line: %r" % se)
        check("BAD-2" in {p["left_id"] for p in pairs(out)} | {p["right_id"] for p in pairs(out)},
              "the row with an impossible date is compared on its other fields")
        with open(bad_dates_map := os.path.join(tmp, "reject-dates.json"), "w") as f:
            json.dump(dict(MAPPING, invalid_dates="reject"), f)
        rc, so, se = run("link", "dedupe", "--mapping", bad_dates_map, "--out", out, "--rejects", rejects, one)
        with open(rejects, encoding="utf-8") as f:
            rj = f.read()
        check(rc == 0 and "one.csv:%d: dob '31/02/2000' is not a date" % (first_bad + 1) in rj,
              "invalid_dates \"reject\" refuses the row with its reason: %r" % rj)
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

        # repeated ids in one file, a header-only file, an empty one: refused, naming lines, nothing written
        os.unlink(out)
        rep = os.path.join(tmp, "repeated.csv")
        write_csv(rep, base[:20] + [dict(base[3]), dict(base[7], first="Ann")])
        rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", out, rep)
        check(rc == 1 and "2 rows repeat an id used earlier in the file: line 22 repeats line 5, line 23 repeats "
              "line 9" in se and "P0003" not in se and not os.path.exists(out),
              "repeated ids refused with their lines, no pairs file: %d %r" % (rc, se))
        rc, so, se = run("link", "pair", "--mapping", mapping, "--out", out, a, rep)
        check(rc == 1 and "repeat an id" in se and not os.path.exists(out),
              "repeated ids in pair's second file: refused, no pairs file: %d %r" % (rc, se))
        hdr = os.path.join(tmp, "header-only.csv")
        write_csv(hdr, [])
        empty = os.path.join(tmp, "empty.csv")
        open(empty, "w").close()
        for path, says in ((hdr, "a header and no data rows"), (empty, "no header row")):
            rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", out, path)
            check(rc == 1 and says in se and not os.path.exists(out), "%s refused: %d %r" % (path, rc, se))
            rc, so, se = run("link", "pair", "--mapping", mapping, "--out", out, a, path)
            check(rc == 1 and says in se and not os.path.exists(out), "pair with %s refused: %d %r" % (path, rc, se))

        # full names in one column, "Family, Given" and "Given Family", linked to the same people
        full_a, full_b = os.path.join(tmp, "full-a.csv"), os.path.join(tmp, "full-b.csv")
        hdr_full = ("ref", "name", "dob", "sex", "postcode")
        write_csv(full_a, [dict(r, name="%s, %s" % (r["last"], r["first"])) for r in base[:200]], header=hdr_full)
        write_csv(full_b, [dict(r, ref="B" + r["ref"][1:], name="%s %s" % (r["first"], r["last"]))
                           for r in base[:200:4]], header=hdr_full)
        fm_a, fm_b = os.path.join(tmp, "full-a.json"), os.path.join(tmp, "full-b.json")
        common = {k: v for k, v in MAPPING.items() if k not in ("given_name", "family_name")}
        with open(fm_a, "w") as f:
            json.dump(dict(common, full_name={"column": "name", "order": "family, given"}), f)
        with open(fm_b, "w") as f:
            json.dump(dict(common, full_name="name"), f)
        # one mapping per file is not what the command takes: the "Given Family" file is read with the
        # comma-aware default, which also reads "Family, Given"
        rc, so, se = run("link", "pair", "--mapping", fm_b, "--out", out, "--explain", full_a, full_b)
        got = pairs(out)
        linked = {(p["left_id"], p["right_id"]) for p in got if p["decision"] == "link"}
        want = {(r["ref"], "B" + r["ref"][1:]) for r in base[:200:4]}
        # the names were split right: the true pairs agree on both names (a positive contribution each)
        exact = all(float(p["given_name"]) > 0 and float(p["family_name"]) > 0
                    for p in got if (p["left_id"], p["right_id"]) in want)
        check(rc == 0 and len(want & linked) >= 0.95 * len(want) and exact,
              "full names, family first with a comma and given first, link: %d of %d: %r" %
              (len(want & linked), len(want), se[-200:]))
        rc, so, se = run("link", "dedupe", "--mapping", fm_a, "--out", out, full_a)
        check(rc == 0, "a full_name mapping with its order: %d %r" % (rc, se))
        os.unlink(out)

        # refusals: nothing written, clear message, exit status
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
        for cmd in ("dedupe", "pair", "synth"):
            rc, so, se = run("link", cmd, "--help")
            check(rc == 0 and "usage: hearth link " + cmd in so, "link %s --help" % cmd)

        # --min-decision: only pairs decided at least that are written
        rc, so, se = run("link", "pair", "--mapping", mapping, "--out", out, "--min-decision", "review", a, b)
        got = pairs(out)
        check(rc == 0 and got and all(p["decision"] in ("link", "review") for p in got),
              "--min-decision review writes no 'no' pairs")
        rc, so, se = run("link", "pair", "--mapping", mapping, "--out", out, "--min-decision", "maybe", a, b)
        check(rc == 2 and "min-decision" in se, "--min-decision maybe is a usage error: %d %r" % (rc, se))

        # link synth: files written, row counts, the same seed gives the same bytes, truth ids in both files,
        # and the files link through bench/link-mappings/synth.json
        def synth(tag, n, seed, *extra):
            paths = [os.path.join(tmp, "%s-%s.csv" % (tag, k)) for k in ("index", "partner", "truth")]
            r = run("link", "synth", "--people", str(n), "--seed", str(seed), "--index", paths[0],
                    "--partner", paths[1], "--truth", paths[2], *extra)
            return r, paths

        (rc, so, se), (si, sp, st) = synth("s1", 400, 7)
        check(rc == 0 and all(os.path.exists(x) for x in (si, sp, st)), "synth writes three files: %d %r" % (rc, se))
        idx, par, tru = pairs(si), pairs(sp), pairs(st)
        check(len(idx) == 400 and len(par) == 400, "synth: 400 index and 400 partner rows: %d %d" % (len(idx), len(par)))
        check(len(tru) == 280, "synth: 70%% of the partner rows are index people: %d" % len(tru))
        ids_i, ids_p = {r["id"] for r in idx}, {r["id"] for r in par}
        check(len(ids_i) == 400 and len(ids_p) == 400 and not ids_i & ids_p, "synth: ids unique, unrelated")
        check(all(t["index_id"] in ids_i and t["partner_id"] in ids_p for t in tru), "synth: truth ids exist")
        check(len({t["partner_id"] for t in tru}) == len(tru) and len({t["index_id"] for t in tru}) == len(tru),
              "synth: each person at most once on each side of the truth")
        check(list(idx[0].keys()) == ["id", "given_name", "family_name", "sex", "date_of_birth", "address_1",
                                      "address_2", "town", "postcode", "nhs_number", "nino"], "synth: columns")
        check(all(r["given_name"] and r["family_name"] and r["date_of_birth"] and r["postcode"] for r in idx),
              "synth: index rows are complete")
        nhs = [r["nhs_number"] for r in idx if r["nhs_number"]]
        check(nhs and all(n.startswith("999") and len(n) == 10 for n in nhs) and len(set(nhs)) == len(nhs),
              "synth: NHS numbers unique, in the 999 test range")
        (rc2, _, _), (si2, sp2, st2) = synth("s2", 400, 7)
        same = all(open(x, "rb").read() == open(y, "rb").read() for x, y in ((si, si2), (sp, sp2), (st, st2)))
        check(rc2 == 0 and same, "synth: the same seed gives the same files")
        (rc3, _, _), (si3, _, _) = synth("s3", 400, 8)
        check(rc3 == 0 and open(si, "rb").read() != open(si3, "rb").read(), "synth: another seed, other people")
        (rc4, _, _), (_, _, st4) = synth("s4", 400, 7, "--overlap", "50")
        check(rc4 == 0 and len(pairs(st4)) == 200, "synth --overlap 50")
        synth_map = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "link-mappings",
                                 "synth.json")
        rc, so, se = run("link", "pair", "--mapping", synth_map, "--out", out, si, sp)
        got = pairs(out)
        truth = {(t["index_id"], t["partner_id"]) for t in tru}
        found = sum(1 for p in got if (p["left_id"], p["right_id"]) in truth)
        check(rc == 0 and "0 rejected" in se and found >= 0.95 * len(truth),
              "synth files link: %d of %d true pairs among the candidates: %r" % (found, len(truth), se[-300:]))
        for args in (["link", "synth", "--people", "10", "--index", si], ["link", "synth", "--people", "0",
                     "--index", si, "--partner", sp], ["link", "synth", "--people", "10", "--index", si,
                     "--partner", sp, "--overlap", "101"]):
            rc, so, se = run(*args)
            check(rc == 2 and se, "synth usage error %r: exit 2: %d %r" % (args, rc, se))
        rc, so, se = run("link", "synth", "--people", "10", "--index", os.path.join(tmp, "no", "dir.csv"),
                         "--partner", sp)
        check(rc == 1 and "cannot write" in se, "synth: an unwritable path is a failure: %d %r" % (rc, se))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("link: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
