#!/usr/bin/env python3
"""The national evaluation extract (src/report/, docs/extracts.md), through the `hearth` program and the API.

On a demo council (Durham's policy): one person in scope objects to research under their own objection request
(over the API) and one is restricted; `hearth extract national` must then send exactly the people an
independent reading of the database puts in scope, minus those two (counted on stderr, never named), with
exactly the columns Durham's research share lists, sealed so that only the recipient's secret key opens it
(another key does not, and no name is in the file); one disclosure row per person sent, to be destroyed five
years on; and the disclosure on the person's access report and in their subject-access pack. Bad input writes
nothing.

    python3 tests/extract/run.py --hearth build/hearth
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import testdb  # noqa: E402  (the test database on either back end)
import run as api  # noqa: E402

PERIOD = "2024-01-01..2026-11-23"
# Durham's share lists name, date of birth, postcode, programme id, start and end, NINO and UPN: the columns.
COLUMNS = ["la_code", "programme_id", "family_reference", "person_reference", "given_name", "family_name",
           "date_of_birth", "postcode", "programme_start", "programme_end", "nino", "upn"]
IN_SCOPE = ("SELECT DISTINCT p.id FROM episode e JOIN family_member fm ON fm.family_id = e.family_id"
            " JOIN person p ON p.id = fm.person_id WHERE e.programme_id IS NOT NULL AND e.programme_start <= ?"
            " AND (e.programme_end IS NULL OR e.programme_end >= ?) AND p.merged_into IS NULL")


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print("FAIL %s\n    %s" % (name, "\n    ".join(str(p) for p in problems[:10])))
        else:
            self.passed += 1
            print("ok   %s" % name)


def run(hearth, *args):
    p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    hearth = os.path.abspath(ap.parse_args().hearth)
    res = Results()
    durham = os.path.join(ROOT, "policy", "durham.yaml")
    frm, to = PERIOD.split("..")
    with tempfile.TemporaryDirectory(prefix="hearth-extract-") as tmp:
        db, logins = testdb.council(tmp, "x"), os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + api.DEMO_ARGS, check=True,
                       stdout=subprocess.DEVNULL)
        con = testdb.connect(db)
        scope = [r[0] for r in con.execute(IN_SCOPE + " ORDER BY p.id", (to, frm))]
        res.check("the demo council has people on the programme", [] if len(scope) >= 4 else [scope])
        objector, restricted = scope[0], scope[1]
        with con:
            con.execute("UPDATE person SET restricted = 1 WHERE id = ?", (restricted,))
        names = {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, given_name, family_name FROM person")}
        con.close()

        # The objection, under the person's own request, over the API.
        server = api.Server(hearth, db)
        try:
            gov = {"Authorization": "Bearer " + api.session_of(server.port, logins, "governance1")[0],
                   "Content-Type": "application/json"}
            st, _, raw = api.request(server.port, "POST", "/api/v1/requests", gov, json.dumps(
                {"kind": "objection", "person_id": objector, "requester": "self", "requester_name": "Synthetic",
                 "received_on": "2026-11-20", "details": "no national research"}).encode())
            rid = json.loads(raw).get("id") if st == 201 else 0
            st, _, raw = api.request(server.port, "POST", "/api/v1/people/%d/objections" % objector, gov,
                                     json.dumps({"request_id": rid, "research": True}).encode())
            res.check("an objection to research is upheld over the API",
                      [] if st == 200 and json.loads(raw).get("objects_research") is True else [st, raw[:200]])
        finally:
            server.stop()

        pub, sec = os.path.join(tmp, "ons.pub"), os.path.join(tmp, "ons.sec")
        other_pub, other_sec = os.path.join(tmp, "other.pub"), os.path.join(tmp, "other.sec")
        for p_, s_ in ((pub, sec), (other_pub, other_sec)):
            rc, _, err = run(hearth, "extract", "keypair", "--public", p_, "--secret", s_)
            res.check("a recipient's key pair", [] if rc == 0 and oct(os.stat(s_).st_mode & 0o777) == "0o600"
                      else [rc, err])
        out = os.path.join(tmp, "national.enc")
        rc, _, err = run(hearth, "extract", "national", "--db", db, "--period", PERIOD, "--recipient-key", pub,
                         "--out", out, "--policy", durham, "--la-code", "840")
        want = [p for p in scope if p not in (objector, restricted)]
        res.check("the extract is written, with its counts (not names) on stderr",
                  [] if rc == 0 and "%d people disclosed" % len(want) in err and "1 left out who objected" in err
                  and "1 left out whose processing is restricted" in err else [rc, err])
        sealed = open(out, "rb").read() if os.path.exists(out) else b""
        leaked = [n for n in (names[p][1] for p in want) if n and n.encode() in sealed]
        res.check("the file holds no readable name", leaked)
        rc, _, err = run(hearth, "extract", "open", "--secret-key", other_sec, "--in", out)
        res.check("another key does not open it", [] if rc == 1 and "does not open" in err else [rc, err])
        rc, plain, err = run(hearth, "extract", "open", "--secret-key", sec, "--in", out)
        rows = list(csv.reader(io.StringIO(plain.decode("utf-8")))) if rc == 0 else []
        problems = [] if rc == 0 else [err]
        if rows:
            if rows[0] != COLUMNS:
                problems.append("columns %s" % rows[0])
            sent = sorted({int(r[3][1:]) for r in rows[1:]})
            if sent != sorted(want):
                problems.append("people sent %s, in scope without the objector and the restricted %s" % (sent, want))
            for r in rows[1:]:
                pid = int(r[3][1:])
                if r[0] != "840" or (r[4], r[5]) != names[pid]:
                    problems.append("row %s" % r)
                    break
        res.check("the recipient's key opens it: exactly the people in scope, exactly the share's columns", problems)

        con = testdb.connect(db)
        log = con.execute("SELECT person_id, recipient, dataset, destroy_due, fields FROM disclosure").fetchall()
        con.close()
        problems = []
        if sorted(r[0] for r in log) != sorted(want):
            problems.append("disclosure rows for %s" % sorted(r[0] for r in log))
        if any(r[1] != "the Office for National Statistics" or r[2] != "ons_supporting_families"
               or r[3] != "2031-11-23" for r in log):
            problems.append("a row %s" % (log[:1],))
        res.check("one disclosure row per person sent, to be destroyed five years on", problems)

        # The disclosure is on the person's access report, and in their subject-access pack.
        person = want[0]
        server = api.Server(hearth, db)
        try:
            gov = {"Authorization": "Bearer " + api.session_of(server.port, logins, "governance1")[0]}
            st, _, raw = api.request(server.port, "GET", "/api/v1/people/%d/access-report?limit=1000" % person, gov,
                                     b"")
            items = json.loads(raw).get("items", []) if st == 200 else []
            res.check("the disclosure is on the person's access report",
                      [] if any(i["action"] == "disclose" and i["record"] == "disclosure" for i in items)
                      else [st, items[-3:]])
        finally:
            server.stop()
        pack = os.path.join(tmp, "pack.zip")
        rc, _, err = run(hearth, "sar", "pack", "--db", db, "--person", str(person), "--out", pack)
        problems = [] if rc == 0 else [err]
        if rc == 0:
            with zipfile.ZipFile(pack) as z:
                doc = json.loads(z.read("records.json"))
            rows = [r for s in doc["sections"] if s["record"] == "disclosure" for r in s["rows"]]
            said = [c["text"] for c in doc["chronology"] if c["record"] == "disclosure"]
            if len(rows) != 1 or not said or "destroyed by 2031-11-23" not in said[0]:
                problems.append((rows, said))
        res.check("the disclosure is in the person's subject-access pack, with its destruction date", problems)

        # Pseudonymised shares: Oldham's is family-level (family reference and needs): one row per family, keyed
        # references stable for one recipient and different for another, no name or plain reference.
        def extract(policy_path, name, *more):
            out_ = os.path.join(tmp, name)
            rc_, _, err_ = run(hearth, "extract", "national", "--db", db, "--period", PERIOD, "--recipient-key", pub,
                               "--out", out_, "--policy", policy_path, *more)
            if rc_ != 0:
                return None, err_
            rc_, plain_, err_ = run(hearth, "extract", "open", "--secret-key", sec, "--in", out_)
            return (list(csv.reader(io.StringIO(plain_.decode("utf-8")))) if rc_ == 0 else None), err_
        oldham = os.path.join(ROOT, "policy", "oldham.yaml")
        first, err = extract(oldham, "oldham1.enc")
        again, _ = extract(oldham, "oldham2.enc")
        problems = [] if first and again else [err]
        con = testdb.connect(db)
        families = sorted({r[0] for r in con.execute(
            "SELECT DISTINCT fm.family_id FROM family_member fm WHERE fm.person_id IN (%s)" % ",".join(map(str, want)))})
        con.close()
        if first:
            if first[0] != ["la_code", "programme_id", "family_reference", "needs_by_headline"]:
                problems.append("columns %s" % first[0])
            refs = [r[2] for r in first[1:]]
            if len(refs) != len(set(refs)) or len(refs) != len(families):
                problems.append("%d rows for %d families" % (len(refs), len(families)))
            if not all(len(x) == 32 and all(ch in "0123456789abcdef" for ch in x) for x in refs + [r[1] for r in first[1:]]):
                problems.append("references are not keyed pseudonyms: %s" % refs[:3])
            text = "\n".join(",".join(r) for r in first)
            if any(names[p][1] in text for p in want) or re.search(r"\bF\d+\b|SF-\d", text):
                problems.append("a name or a plain reference is in the pseudonymised file")
            if again and sorted(refs) != sorted(r[2] for r in again[1:]):
                problems.append("the same recipient got different references the second time")
        key_file = testdb.audit_file(db, "research-key")
        if not os.path.exists(key_file) or oct(os.stat(key_file).st_mode & 0o777) != "0o600":
            problems.append("the research key is not beside the database, readable by its owner only")
        res.check("a pseudonymised family-level share: one row per family, stable keyed references, no identity",
                  problems)
        _, js, _ = run(hearth, "notice", "--policy", oldham, "--format", "json")
        pol = json.loads(js)["policy"]
        other = dict(pol, research_shares=[dict(pol["research_shares"][0], recipient="another research team")])
        other_path = os.path.join(tmp, "oldham-other.yaml")
        with open(other_path, "w", encoding="utf-8") as f:
            json.dump(other, f)
        theirs, err = extract(other_path, "other.enc")
        res.check("another recipient gets unrelated references",
                  [] if theirs and first and not ({r[2] for r in theirs[1:]} & {r[2] for r in first[1:]}) else [err])
        person_level = dict(pol, research_shares=[dict(pol["research_shares"][0],
                                                       fields=["family_reference", "date_of_birth", "postcode", "needs"])])
        pl_path = os.path.join(tmp, "oldham-people.yaml")
        with open(pl_path, "w", encoding="utf-8") as f:
            json.dump(person_level, f)
        rows, err = extract(pl_path, "people.enc")
        problems = [] if rows else [err]
        if rows:
            if rows[0] != ["la_code", "programme_id", "family_reference", "person_reference", "date_of_birth",
                           "postcode", "needs_by_headline"]:
                problems.append("columns %s" % rows[0])
            for r in rows[1:]:
                if not re.fullmatch(r"\d{4}-\d{2}", r[4]) or (r[5] and not re.fullmatch(r"[A-Z0-9]{2,4} \d", r[5])):
                    problems.append("not coarsened: %s" % r)
                    break
            if len(rows) - 1 != len(want):
                problems.append("%d rows for %d people" % (len(rows) - 1, len(want)))
        res.check("a pseudonymised person-level share: birth month and postcode sector only", problems)
        named = dict(pol, research_shares=[dict(pol["research_shares"][0], fields=["family_reference", "name"])])
        named_path = os.path.join(tmp, "oldham-named.yaml")
        with open(named_path, "w", encoding="utf-8") as f:
            json.dump(named, f)
        rows, err = extract(named_path, "named.enc")
        res.check("a pseudonymised share that lists names is refused",
                  [] if rows is None and "direct identifier" in err else [err])

        # Bad input writes nothing.
        bad = os.path.join(tmp, "bad.enc")
        for what, args, want_rc in (
                ("a period that ends before it starts", ["--period", "2026-01-01..2025-01-01"], 1),
                ("a share the policy lacks", ["--period", PERIOD, "--share", "no_such_share"], 1),
                ("no period", [], 2)):
            rc, _, err = run(hearth, "extract", "national", "--db", db, "--recipient-key", pub, "--out", bad,
                             "--policy", durham, *args)
            res.check("%s: exit %d, nothing written" % (what, want_rc),
                      [] if rc == want_rc and not os.path.exists(bad) else [rc, err])
        rc, _, err = run(hearth, "extract", "national", "--db", db, "--period", PERIOD, "--recipient-key", sec + "x",
                         "--out", bad, "--policy", durham)
        res.check("an unreadable key: exit 1, nothing written", [] if rc == 1 and not os.path.exists(bad) else [rc, err])
    print("%s: %d passed, %d failed" % (testdb.suite("extract"), res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
