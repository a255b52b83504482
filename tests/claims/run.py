#!/usr/bin/env python3
"""Supporting Families outcome claims (src/report/report_claims.h, docs/claims.md), through `hearth` and the API.

On a demo council, invented families are added: one that meets every condition of a claim, and one for each
condition that fails only that condition (no dependent child, two needs, no lead practitioner, no completed
assessment, a need without a goal in the plan, no support delivered, a need not met, a need not sustained for its
period after closure). The checker must find the first claimable and each other failing exactly its condition,
with the evidence per need from the framework; the framework is reference data (changing a version's number of
needs changes the answer); a claim is recorded once, signed off by a person, and never twice; over the API the
list is for team managers, governance and the coordinator (without free text for the analyst), and nobody else.

    python3 tests/claims/run.py --hearth build/hearth
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import testdb  # noqa: E402  (the test database on either back end)
import run as api  # noqa: E402

# Every date from the clock the suites run on (HEARTH_NOW), so the test holds with it moved either way.
TODAY = datetime.date.fromisoformat(api.TEST_NOW[:10])
AS_OF = TODAY.isoformat()
DEMO = ["--families", "60", "--seed", "5", "--as-of", AS_OF]


def day(base, days):
    return (base + datetime.timedelta(days=days)).isoformat()


def plus_months(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    last = [31, 29 if (d.year + y) % 4 == 0 and ((d.year + y) % 100 or (d.year + y) % 400 == 0) else 28, 31, 30,
            31, 30, 31, 31, 30, 31, 30, 31][m]
    return datetime.date(d.year + y, m + 1, min(d.day, last))


CLOSED_D = TODAY - datetime.timedelta(days=390)
CLOSED = CLOSED_D.isoformat()                      # the episodes closed a year and a month ago
START = day(CLOSED_D, -294)
SUSTAIN_DUE = plus_months(CLOSED_D, 6).isoformat()  # six months on
HELD = day(CLOSED_D, 200)                           # checked after the six months: sustained
TOO_SOON = day(CLOSED_D, 120)                       # checked before them: not
T = "2026-01-01T00:00:00Z"
CONDITIONS = ["dependent_child", "needs_identified", "lead_practitioner", "whole_family_assessment", "plan",
              "support_delivered", "outcomes_met", "sustained"]
NEEDS = [("EDU", "EDU_ATTENDANCE"), ("HLT", "HLT_MENTAL"), ("FIN", "FIN_DEBT")]


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
    return p.returncode, p.stdout.decode(), p.stderr.decode("utf-8", "replace")


def insert(con, table, **cols):
    cols.setdefault("created_at", T)
    if table != "sf_claim":
        cols.setdefault("updated_at", T)
    cur = con.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                      list(cols.values()))
    return cur.lastrowid


def family(con, broken=None, n=[0]):
    """An invented family on the programme, closed on CLOSED, failing only `broken` (None: claimable)."""
    n[0] += 1
    team = con.execute("SELECT id FROM team WHERE kind = 'early_help' ORDER BY id LIMIT 1").fetchone()[0]
    lead = con.execute("SELECT id FROM app_user WHERE role = 'practitioner' ORDER BY id LIMIT 1").fetchone()[0]
    f = insert(con, "family", name="Claimtest-%d" % n[0])
    child = insert(con, "person", given_name="Claim%d" % n[0], family_name="Child",
                   date_of_birth=day(TODAY, -25 * 365) if broken == "dependent_child" else day(TODAY, -10 * 365),
                   sex="F")
    parent = insert(con, "person", given_name="Claim%d" % n[0], family_name="Parent", date_of_birth="1985-01-01",
                    sex="M")
    insert(con, "family_member", family_id=f, person_id=child, role="child")
    insert(con, "family_member", family_id=f, person_id=parent, role="parent")
    e = insert(con, "episode", family_id=f, start_date=START, end_date=CLOSED, owning_team_id=team,
               lead_user_id=None if broken == "lead_practitioner" else lead, programme_id="SF-CLAIM-%d" % n[0],
               programme_start=START, programme_end=CLOSED, closure_reason="needs_met")
    a = insert(con, "assessment", episode_id=e, started_on=day(CLOSED_D, -289),
               completed_on=None if broken == "whole_family_assessment" else day(CLOSED_D, -263),
               organisation="Early Help")
    needs = NEEDS[:2] if broken == "needs_identified" else NEEDS
    for i, (headline, code) in enumerate(needs):
        last = i == len(needs) - 1
        insert(con, "assessment_need", assessment_id=a, headline=headline, need_code=code, framework="2022-10",
               person_id=child, evidence="Found at assessment (%s)." % code,
               outcome="not_met" if broken == "outcomes_met" and last else "met", outcome_on=day(CLOSED_D, -31),
               outcome_evidence="Evidence <b>of</b> the outcome for %s." % code,
               sustained_on=TOO_SOON if broken == "sustained" and last else HELD)
    plan = insert(con, "plan", episode_id=e, agreed_on=day(CLOSED_D, -258))
    for i, (headline, _) in enumerate(needs):
        if broken == "plan" and i == len(needs) - 1:
            continue   # a need the plan does not address
        insert(con, "plan_goal", plan_id=plan, description="Goal for %s" % headline, headline=headline)
    insert(con, "plan_action", plan_id=plan, description="Attend sessions", status="open")
    if broken != "support_delivered":
        insert(con, "activity", episode_id=e, person_id=child, activity_type="group_session", name="Stay and play",
               attended_on=day(CLOSED_D, -244), attended=1)
    return f, e


def check(hearth, db, episode, as_of=AS_OF):
    rc, out, err = run(hearth, "claims", "check", "--db", db, "--as-of", as_of, "--episode", str(episode))
    items = json.loads(out) if rc == 0 else []
    return (items[0] if items else None), err


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    hearth = os.path.abspath(ap.parse_args().hearth)
    res = Results()
    with tempfile.TemporaryDirectory(prefix="hearth-claims-") as tmp:
        db, logins = testdb.council(tmp, "c"), os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + DEMO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        con = testdb.connect(db)
        with con:
            good = family(con)
            good2 = family(con)
            good3 = family(con)
            broken = {c: family(con, c) for c in CONDITIONS}
        con.close()

        one, err = check(hearth, db, good[1])
        problems = [] if one else [err]
        if one:
            if not one["claimable"] or [c["condition"] for c in one["conditions"] if not c["met"]]:
                problems.append(one["conditions"])
            needs = one["needs"]
            if sorted(n["need_code"] for n in needs) != sorted(c for _, c in NEEDS):
                problems.append(needs)
            for n in needs:
                if not n["descriptor"] or not n["success_measure"] or n["sustain_months"] != 6 or \
                        n["sustain_due"] != SUSTAIN_DUE or n["sustained_on"] != HELD or \
                        not n["outcome_evidence"] or not n["identified_evidence"]:
                    problems.append(n)
        res.check("a family meeting every condition is claimable, with the framework's evidence per need", problems)

        problems = []
        for cond, (_, ep) in broken.items():
            one, err = check(hearth, db, ep)
            failed = [c["condition"] for c in one["conditions"] if not c["met"]] if one else [err]
            # a need not met cannot have been sustained either
            want = [cond, "sustained"] if cond == "outcomes_met" else [cond]
            if failed != want or one["claimable"]:
                problems.append("broken %s: failed %s" % (cond, failed))
        res.check("a family failing each condition fails exactly that one (%d conditions; an unmet need is not sustained)" % len(CONDITIONS),
                  problems)

        one, _ = check(hearth, db, good[1], day(CLOSED_D, 170))
        res.check("before its sustain period has run, a need is not sustained",
                  [] if one and [c["condition"] for c in one["conditions"] if not c["met"]] == ["sustained"]
                  else [one and one["conditions"]])

        con = testdb.connect(db)
        with con:
            con.execute("UPDATE sf_framework SET claim_min_needs = 2 WHERE version = '2022-10'")
        one, _ = check(hearth, db, broken["needs_identified"][1])
        with con:
            con.execute("UPDATE sf_framework SET claim_min_needs = 3 WHERE version = '2022-10'")
        con.close()
        res.check("the framework is reference data: a version asking for two needs makes the two-need family "
                  "claimable", [] if one and one["claimable"] else [one and one["conditions"]])

        rc, out, err = run(hearth, "claims", "check", "--db", db, "--as-of", AS_OF, "--claimable")
        listed = {e["episode_id"] for e in json.loads(out)} if rc == 0 else set()
        res.check("--claimable lists the claimable families only",
                  [] if {good[1], good2[1], good3[1]} <= listed and not listed & {e for _, e in broken.values()}
                  else [rc, err, sorted(listed)])

        # The claim: signed off by a person, recorded once.
        problems = []
        rc, out, err = run(hearth, "claims", "record", "--db", db, "--episode", str(good[1]), "--as-of", AS_OF,
                           "--signed-off-by", "Supporting Families coordinator")
        if rc != 0 or not out.strip().isdigit():
            problems.append((rc, err))
        rc, _, err = run(hearth, "claims", "record", "--db", db, "--episode", str(good[1]), "--as-of", AS_OF,
                         "--signed-off-by", "Someone Else")
        if rc != 1 or "not_claimed" not in err:
            problems.append(("a second claim", rc, err))
        rc, _, err = run(hearth, "claims", "record", "--db", db, "--episode", str(broken["sustained"][1]),
                         "--as-of", AS_OF, "--signed-off-by", "Supporting Families coordinator")
        if rc != 1 or "sustained" not in err:
            problems.append(("an unsustained family", rc, err))
        rc, _, err = run(hearth, "claims", "record", "--db", db, "--episode", str(good2[1]))
        if rc != 2:
            problems.append(("no --signed-off-by", rc))
        con = testdb.connect(db)
        rows = con.execute("SELECT family_id, signed_off_name, evidence FROM sf_claim").fetchall()
        con.close()
        if len(rows) != 1 or rows[0][0] != good[0] or rows[0][1] != "Supporting Families coordinator" or \
                len(json.loads(rows[0][2])) != 3:
            problems.append(rows)
        one, _ = check(hearth, db, good[1])
        if not one or one["claimable"] or one["claim"] is None:
            problems.append(("the check after the claim", one and one["claim"]))
        res.check("a claim is recorded once, signed off by a person, with its evidence; never twice", problems)

        server = api.Server(hearth, db)
        try:
            tokens = {}

            def call(user, method, path, body=None):
                if user not in tokens:
                    tokens[user] = api.session_of(server.port, logins, user)[0]
                h = {"Authorization": "Bearer " + tokens[user]}
                if body is not None:
                    h["Content-Type"] = "application/json"
                st, _, raw = api.request(server.port, method, path, h, json.dumps(body).encode() if body else b"")
                try:
                    return st, json.loads(raw)
                except ValueError:
                    return st, raw
            problems = []
            st, doc = call("manager.n", "GET", "/api/v1/claims?state=claimable&as_of=%s" % AS_OF)
            eps = {i["episode_id"] for i in doc.get("items", [])} if st == 200 else set()
            if st != 200 or good2[1] not in eps or good[1] in eps:
                problems.append(("team manager", st, sorted(eps)))
            st, doc = call("sfcoordinator", "GET", "/api/v1/claims?episode=%d&as_of=%s" % (good2[1], AS_OF))
            items = doc.get("items", []) if st == 200 else []
            if st != 200 or len(items) != 1 or any("outcome_evidence" in n or "identified_evidence" in n
                                                   for n in items[0]["needs"]):
                problems.append(("the coordinator sees no free text", st, items[:1]))
            for user in ("practitioner.n1", "frontdoor1", "admin", "partner.school1"):
                st, _ = call(user, "GET", "/api/v1/claims")
                if st != 403:
                    problems.append((user, st))
            st, doc = call("governance1", "POST", "/api/v1/claims", {"episode_id": good2[1]})
            if st != 201 or doc.get("signed_off_by") != "governance1":
                problems.append(("a claim over the API", st, doc))
            st, doc = call("sfcoordinator", "POST", "/api/v1/claims", {"episode_id": good2[1]})
            if st != 409:
                problems.append(("the same claim again", st, doc))
            st, doc = call("sfcoordinator", "POST", "/api/v1/claims", {"episode_id": broken["plan"][1]})
            if st != 409 or "plan" not in json.dumps(doc):
                problems.append(("a family without a full plan", st, doc))
            st, doc = call("sfcoordinator", "POST", "/api/v1/claims", {"episode_id": 999999})
            if st != 404:
                problems.append(("no such episode", st, doc))
            st, _ = call("practitioner.n1", "POST", "/api/v1/claims", {"episode_id": good3[1]})
            if st != 403:
                problems.append(("a practitioner claims", st))
            st, doc = call("practitioner.n1", "GET", "/api/v1/schema/needs")
            names = json.dumps(doc)
            if st != 200 or not all(f in names for f in ("outcome_on", "outcome_evidence", "sustained_on",
                                                         "need_outcome")):
                problems.append(("the needs' outcome fields are not in the schema", st))
            res.check("over the API: the list and claims for team managers, governance and the coordinator only; "
                      "a claim once", problems)
        finally:
            server.stop()
        con = testdb.connect(testdb.trail(db))
        claims = con.execute("SELECT count(*) FROM audit_event WHERE action = 'claim'").fetchone()[0]
        con.close()
        res.check("each claim is in the audit trail", [] if claims == 2 else [claims])
    print("%s: %d passed, %d failed" % (testdb.suite("claims"), res.passed, res.failed))
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
