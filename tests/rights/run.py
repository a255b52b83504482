#!/usr/bin/env python3
"""Subject-access packs (src/gov/gov_sar.c): every record about a person, none of a sibling's.

For demo people chosen to cover the cases (a child with siblings and an open case, a parent, someone with
partners' rows and review-queue pairs), `hearth sar pack` is compared with an independent reading of the
database in Python (tests/api/testdb.py): the pack must hold exactly the rows this file's own rules say are about the
person, withhold every row about another person (listed in withheld.csv), and hold none of a sibling's
special category data or name. Then over HTTP: governance registers an access request and downloads its pack
(a ZIP with the same records), nobody else may, and the pack is on the person's access report.

    python3 tests/rights/run.py --hearth build/hearth
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import testdb  # noqa: E402  (the test database on either back end)
import run as api  # noqa: E402  (the API suite's server, sign-in and request helpers)

SPECIAL = ("ethnicity", "religion", "gender_identity", "disability", "send_status")

# Which rows are about person P, written from docs/requests.md independently of the C code: (table, SQL).
FAM = "(SELECT family_id FROM family_member WHERE person_id = :p)"
EP = "(SELECT id FROM episode WHERE family_id IN %s)" % FAM
ASM = "(SELECT id FROM assessment WHERE episode_id IN %s)" % EP
PL = "(SELECT id FROM plan WHERE episode_id IN %s)" % EP
CON = "(SELECT contact_id FROM contact_child WHERE person_id = :p UNION SELECT id FROM contact WHERE family_id IN %s)" % FAM
ABOUT = {
    "person": "SELECT id FROM person WHERE id = :p",
    "person_address": "SELECT id FROM person_address WHERE person_id = :p",
    "person_contact_detail": "SELECT id FROM person_contact_detail WHERE person_id = :p",
    "person_former_name": "SELECT id FROM person_former_name WHERE person_id = :p",
    "family": "SELECT id FROM family WHERE id IN %s" % FAM,
    "family_member": "SELECT id FROM family_member WHERE family_id IN %s AND person_id = :p" % FAM,
    "contact": "SELECT id FROM contact WHERE id IN %s" % CON,
    "contact_child": "SELECT id FROM contact_child WHERE contact_id IN %s AND person_id = :p" % CON,
    "referral": "SELECT id FROM referral WHERE family_id IN %s" % FAM,
    "episode": "SELECT id FROM episode WHERE id IN %s" % EP,
    "episode_member": "SELECT id FROM episode_member WHERE episode_id IN %s" % EP,
    "assessment": "SELECT id FROM assessment WHERE id IN %s" % ASM,
    "assessment_area": "SELECT id FROM assessment_area WHERE assessment_id IN %s" % ASM,
    "assessment_need": "SELECT id FROM assessment_need WHERE assessment_id IN %s AND (person_id IS NULL OR person_id = :p)" % ASM,
    "plan": "SELECT id FROM plan WHERE id IN %s" % PL,
    "plan_goal": "SELECT id FROM plan_goal WHERE plan_id IN %s" % PL,
    "plan_action": "SELECT id FROM plan_action WHERE plan_id IN %s" % PL,
    "review": "SELECT id FROM review WHERE episode_id IN %s" % EP,
    "activity": "SELECT id FROM activity WHERE episode_id IN %s AND (person_id IS NULL OR person_id = :p)" % EP,
    "case_note": "SELECT id FROM case_note WHERE episode_id IN %s" % EP,
    "partner_record": "SELECT id FROM partner_record WHERE person_id = :p",
    "match_pair": "SELECT id FROM match_pair WHERE person_id = :p OR other_person_id = :p",
    "subject_request": "SELECT id FROM subject_request WHERE person_id = :p",
    "breach": "SELECT breach_id FROM breach_person WHERE person_id = :p",
    "disclosure": "SELECT id FROM disclosure WHERE person_id = :p",
}
# Rows about someone else in the same lists: each must be withheld whole (field "*").
OTHERS = {
    "family_member": "SELECT id FROM family_member WHERE family_id IN %s AND person_id != :p" % FAM,
    "contact_child": "SELECT id FROM contact_child WHERE contact_id IN %s AND person_id != :p" % CON,
    "assessment_need": "SELECT id FROM assessment_need WHERE assessment_id IN %s AND person_id != :p" % ASM,
    "activity": "SELECT id FROM activity WHERE episode_id IN %s AND person_id != :p" % EP,
}


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print("FAIL %s\n    %s" % (name, "\n    ".join(problems[:10])))
        else:
            self.passed += 1
            print("ok   %s" % name)


def pick_people(con):
    """A child with a sibling in a family with an episode, a parent of a family with an assessment need about a
    child, and the person with the most partners' rows or pairs."""
    child = con.execute(
        "SELECT fm.person_id FROM family_member fm JOIN episode e ON e.family_id = fm.family_id"
        " WHERE fm.role = 'child' AND (SELECT count(*) FROM family_member s WHERE s.family_id = fm.family_id"
        "   AND s.role IN ('child', 'sibling') AND s.person_id != fm.person_id) > 0"
        " ORDER BY (SELECT count(*) FROM assessment a WHERE a.episode_id = e.id) DESC, fm.person_id LIMIT 1").fetchone()
    parent = con.execute(
        "SELECT fm.person_id FROM family_member fm WHERE fm.role = 'parent' AND fm.family_id IN"
        " (SELECT e.family_id FROM episode e JOIN assessment a ON a.episode_id = e.id"
        "   JOIN assessment_need n ON n.assessment_id = a.id WHERE n.person_id IS NOT NULL)"
        " ORDER BY fm.person_id LIMIT 1").fetchone()
    linked = con.execute(
        "SELECT person_id FROM (SELECT person_id FROM partner_record WHERE person_id IS NOT NULL"
        " UNION ALL SELECT person_id FROM match_pair WHERE person_id IS NOT NULL) AS x"
        " GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1").fetchone()
    return [("child with siblings", child), ("parent", parent), ("person with partners' rows", linked)]


def pack_problems(con, person, z):
    problems = []
    doc = json.loads(z.read("records.json"))
    got = {s["record"]: sorted(r["id"] for r in s["rows"]) for s in doc["sections"]}
    for table, sql in ABOUT.items():
        want = sorted(r[0] for r in con.execute(sql, {"p": person}))
        if got.get(table, []) != want:
            problems.append("%s: pack has ids %s, the database says %s" % (table, got.get(table), want))
    withheld = {(w["record"], int(w["record_id"])) for w in csv.DictReader(io.TextIOWrapper(z.open("withheld.csv"), "utf-8"))
                if w["field"] == "*"}
    for table, sql in OTHERS.items():
        for (rid,) in con.execute(sql, {"p": person}):
            if (table, rid) not in withheld:
                problems.append("%s %d (another person's) is not listed as withheld" % (table, rid))
    # No other member of their families: no name, no special category value tied to them, no row of theirs.
    text = "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if not n.endswith(".pdf"))
    others = con.execute("SELECT DISTINCT p.* FROM person p JOIN family_member fm ON fm.person_id = p.id"
                         " WHERE fm.family_id IN %s AND p.id != :p" % FAM, {"p": person}).fetchall()
    cols = [d[0] for d in con.execute("SELECT * FROM person LIMIT 0").description]
    me = dict(zip(cols, con.execute("SELECT * FROM person WHERE id = ?", (person,)).fetchone()))
    for row in others:
        o = dict(zip(cols, row))
        full = "%s %s" % (o["given_name"], o["family_name"])
        if o["given_name"] and o["given_name"] != me["given_name"] and '"given_name": "%s"' % o["given_name"] in text:
            problems.append("another member's given name %r is in the pack" % o["given_name"])
        if full in text:
            problems.append("another member's full name %r is in the pack" % full)
    for sec in doc["sections"]:
        if sec["record"] == "person":
            ids = [r["id"] for r in sec["rows"]]
            if ids != [person]:
                problems.append("the person section holds %s" % ids)
    needs = [r for s in doc["sections"] if s["record"] == "assessment_need" for r in s["rows"]]
    for n in needs:
        if n.get("person_id") not in (None, person):
            problems.append("need %s about person %s is in the pack" % (n["id"], n["person_id"]))
    # The readable report is there, escaped, and names the person.
    html = z.read("report.html").decode("utf-8")
    if me["given_name"] not in html or "<h1>" not in html:
        problems.append("report.html does not name the person")
    pdf = z.read("report.pdf")
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-64:]:
        problems.append("report.pdf is not a whole PDF")
    return problems, doc


# Columns that name a person, table by table: after an erasure none may name them.
PERSON_COLUMNS = [("person", "id"), ("person", "merged_into"), ("person_address", "person_id"),
                  ("person_contact_detail", "person_id"), ("person_former_name", "person_id"),
                  ("family_member", "person_id"), ("contact_child", "person_id"), ("assessment_need", "person_id"),
                  ("activity", "person_id"), ("consent", "person_id"), ("consent", "given_by_id"),
                  ("partner_record", "person_id"), ("match_pair", "person_id"), ("match_pair", "other_person_id"),
                  ("person_merge", "survivor_id"), ("person_merge", "merged_id"), ("subject_request", "person_id"),
                  ("breach_person", "person_id"), ("access_grant", "person_id")]


def erasure_problems(port, gov_token, prac_token, db, person):
    if not person:
        return ["no person to erase"]
    con = testdb.connect(db)
    me = con.execute("SELECT given_name, family_name, nhs_number FROM person WHERE id = ?", (person,)).fetchone()
    con.close()
    gov = {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"}
    body = json.dumps({"kind": "erasure", "person_id": person, "requester": "self", "requester_name": "The person",
                       "received_on": "2026-11-20"}).encode()
    st, _, raw = api.request(port, "POST", "/api/v1/requests", gov, body)
    if st != 201:
        return ["register: %d %s" % (st, raw[:200])]
    rid = json.loads(raw)["id"]
    problems = []
    st, _, raw = api.request(port, "POST", "/api/v1/requests/%d/erase" % rid,
                             {"Authorization": "Bearer " + prac_token, "Content-Type": "application/json"},
                             b'{"confirm": true}')
    if st != 403:
        problems.append("a practitioner's erase answered %d" % st)
    st, _, raw = api.request(port, "POST", "/api/v1/requests/%d/erase" % rid, gov, b"{}")
    dry = json.loads(raw) if st == 200 else {}
    if st != 200 or dry.get("dry_run") is not True or not dry.get("rows_removed"):
        problems.append("dry run: %d %s" % (st, raw[:300]))
    con = testdb.connect(db)
    if not con.execute("SELECT count(*) FROM person WHERE id = ?", (person,)).fetchone()[0]:
        problems.append("the dry run removed the person")
    con.close()
    # A legal hold on the person blocks the erasure until it ends.
    st, _, raw = api.request(port, "POST", "/api/v1/legal-holds", gov, json.dumps(
        {"reason": "LITIGATION", "scope_table": "person", "scope_id": person, "from_date": "2026-11-01",
         "note": "Synthetic: a claim is expected."}).encode())
    hold = json.loads(raw) if st == 201 else {}
    st, _, raw = api.request(port, "POST", "/api/v1/requests/%d/erase" % rid, gov, b'{"confirm": true}')
    if st != 409 or "LITIGATION" not in raw.decode():
        problems.append("erasure under a legal hold answered %d %s" % (st, raw[:200]))
    st, _, raw = api.request(port, "PATCH", "/api/v1/legal-holds/%s" % hold.get("id"), gov, json.dumps(
        {"until_date": "2026-11-23", "version": hold.get("version", 1)}).encode())
    if st != 200:
        problems.append("ending the hold: %d %s" % (st, raw[:200]))
    st, _, raw = api.request(port, "POST", "/api/v1/requests/%d/erase" % rid, gov, b'{"confirm": true}')
    done = json.loads(raw) if st == 200 else {}
    if st != 200 or done.get("dry_run") is not False or not done.get("disposal"):
        return problems + ["erase: %d %s" % (st, raw[:300])]
    if done.get("rows_removed") != dry.get("rows_removed"):
        problems.append("the dry run said %s rows, the erasure removed %s" % (dry.get("rows_removed"),
                                                                               done.get("rows_removed")))
    con = testdb.connect(db)
    for table, col in PERSON_COLUMNS:
        n = con.execute("SELECT count(*) FROM %s WHERE %s = ?" % (table, col), (person,)).fetchone()[0]
        if n:
            problems.append("%s.%s still names the person (%d rows)" % (table, col, n))
    history = con.execute("SELECT count(*) FROM row_history WHERE previous LIKE ? OR previous LIKE ?",
                          ("%%\"nhs_number\":\"%s\"%%" % me[2] if me[2] else "%%no-such%%",
                           "%%\"person_id\":%d,%%" % person)).fetchone()[0]
    if history:
        problems.append("%d earlier versions of the person's rows are left" % history)
    n = con.execute("SELECT count(*) FROM partner_record WHERE given_name = ? AND family_name = ?"
                    " AND person_id IS NULL", (me[0], me[1])).fetchone()[0]
    if n:
        problems.append("%d unlinked partner rows still carry the person's name" % n)
    con.close()
    st, _, raw = api.request(port, "GET", "/api/v1/disposals", gov, b"")
    items = json.loads(raw).get("items", []) if st == 200 else []
    mine = [d for d in items if d.get("reference") == done["disposal"]]
    if not mine or mine[0].get("kind") != "erasure" or mine[0].get("record") != {"table": "person", "id": person} \
            or mine[0].get("request_id") != rid or "certificate" not in mine[0]:
        problems.append("disposal record: %s" % (mine[0] if mine else items[:1]))
    st, _, raw = api.request(port, "POST", "/api/v1/requests/%d/erase" % rid, gov, b'{"confirm": true}')
    if st != 404:
        problems.append("erasing again answered %d, not 404 (the request went with the person)" % st)
    return problems


def link_dataset(hearth, db, parts, name):
    """Import a demo partner file into dataset `name` and run the matching engine over it."""
    subprocess.run([hearth, "import", "--db", db, "--dataset", name, "--mapping", os.path.join(parts, name + ".json"),
                    os.path.join(parts, name + ".csv")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([hearth, "link", "index", "--db", db, "--dataset", name], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    args = ap.parse_args()
    hearth = os.path.abspath(args.hearth)
    res = Results()
    with tempfile.TemporaryDirectory(prefix="hearth-rights-") as tmp:
        db = testdb.council(tmp, "r")
        logins = os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + api.DEMO_ARGS, check=True,
                       stdout=subprocess.DEVNULL)
        # One partner's file imported and linked, so people have partners' rows and review-queue pairs.
        parts = os.path.join(tmp, "partners")
        subprocess.run([hearth, "demo", "partners", "--db", db, "--out", parts, "--seed", "7", "--as-of",
                        "2026-11-23"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        link_dataset(hearth, db, parts, "police_incidents")
        con = testdb.connect(db)
        people = pick_people(con)
        for what, row in people:
            if not row:
                res.check("pack for a %s" % what, ["the demo council has no such person"])
                continue
            person = row[0]
            out = os.path.join(tmp, "p%d.zip" % person)
            p = subprocess.run([hearth, "sar", "pack", "--db", db, "--person", str(person), "--out", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode != 0:
                res.check("pack for a %s (%d)" % (what, person), ["exit %d: %s" % (p.returncode, p.stderr.decode())])
                continue
            with zipfile.ZipFile(out) as z:
                problems, _ = pack_problems(con, person, z)
            res.check("pack for a %s (person %d): every record about them, nobody else's" % (what, person), problems)
        # The portable copy (art. 20): what the person provided, as data; nothing else.
        child0 = people[0][1][0] if people[0][1] else 1
        out = os.path.join(tmp, "portable.zip")
        p = subprocess.run([hearth, "sar", "pack", "--db", db, "--person", str(child0), "--out", out, "--portable"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        problems = [] if p.returncode == 0 else ["exit %d: %s" % (p.returncode, p.stderr.decode())]
        if not problems:
            with zipfile.ZipFile(out) as z:
                doc = json.loads(z.read("records.json"))
                kinds = [s_["record"] for s_ in doc["sections"]]
                if kinds != ["person", "person_former_name", "person_address", "person_contact_detail"]:
                    problems.append("portable copy holds %s" % kinds)
                if "report.html" in z.namelist() or doc["access_report"]:
                    problems.append("portable copy holds a report or an access report")
                for t in ("person_address", "person_contact_detail"):
                    want = sorted(r[0] for r in con.execute(ABOUT[t], {"p": child0}))
                    got = sorted(r["id"] for s_ in doc["sections"] if s_["record"] == t for r in s_["rows"])
                    if got != want:
                        problems.append("%s: %s, expected %s" % (t, got, want))
        res.check("portable copy (art. 20): the person's own details as data, nothing else", problems)
        # Bad input: an unknown person, a missing option; nothing written.
        out = os.path.join(tmp, "none.zip")
        p = subprocess.run([hearth, "sar", "pack", "--db", db, "--person", "999999", "--out", out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        res.check("unknown person: exit 1, nothing written",
                  [] if p.returncode == 1 and not os.path.exists(out) else ["exit %d, file %s" % (p.returncode, os.path.exists(out))])
        p = subprocess.run([hearth, "sar", "pack", "--db", db, "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        res.check("no --person: usage error", [] if p.returncode == 2 else ["exit %d" % p.returncode])

        # Over HTTP: the pack of an access request, governance's only, and on the access report.
        child = people[0][1][0] if people[0][1] else 1
        con.close()
        server = api.Server(hearth, db)
        try:
            gov_token = api.session_of(server.port, logins, "governance1")[0]
            prac_token = api.session_of(server.port, logins, "practitioner.n1")[0]
            body = json.dumps({"kind": "access", "person_id": child, "requester": "parent",
                               "requester_name": "A Parent", "received_on": "2026-11-20"}).encode()
            st, _, raw = api.request(server.port, "POST", "/api/v1/requests",
                                     {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"}, body)
            rid = json.loads(raw).get("id") if st == 201 else None
            res.check("governance registers an access request", [] if rid else ["status %d: %s" % (st, raw[:200])])
            body = json.dumps({"title": "Letter to the wrong address", "what_happened": "Sent to a neighbour.",
                               "discovered_at": "2026-11-21T09:00:00Z", "person_ids": [child]}).encode()
            st, _, raw = api.request(server.port, "POST", "/api/v1/breaches",
                                     {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"}, body)
            res.check("governance registers a breach affecting the child", [] if st == 201 else ["status %d" % st])
            st, headers, raw = api.request(server.port, "GET", "/api/v1/requests/%s/pack" % rid,
                                           {"Authorization": "Bearer " + gov_token}, b"")
            problems = []
            if st != 200 or headers.get("content-type") != "application/zip":
                problems.append("status %d, content type %r" % (st, headers.get("content-type")))
            else:
                if 'filename="subject-access-request-%s.zip"' % rid not in headers.get("content-disposition", ""):
                    problems.append("content-disposition %r" % headers.get("content-disposition"))
                con = testdb.connect(db)
                with zipfile.ZipFile(io.BytesIO(raw)) as z:
                    more, doc = pack_problems(con, child, z)
                    problems += more
                    if not any(e["action"] == "subject_access_pack" for e in doc["access_report"]):
                        problems.append("the pack's own making is not in its access report")
                con.close()
            res.check("governance downloads the pack over HTTP (a ZIP of the same records)", problems)
            st, _, _ = api.request(server.port, "GET", "/api/v1/requests/%s/pack" % rid,
                                   {"Authorization": "Bearer " + prac_token}, b"")
            res.check("a practitioner may not download a pack", [] if st == 403 else ["status %d" % st])
            # Erasure carried out: a dry run changes nothing; confirmed, the person's data goes everywhere, and a
            # disposal record with its certificate stays.
            res.check("erasure of a person with family and partners' records", erasure_problems(
                server.port, gov_token, prac_token, db, people[2][1][0] if people[2][1] else 0))
            # An objection to matching (art. 21), upheld under the person's own request: the engine leaves them
            # out. The person is the one a copy of the council (no objection) links most in a new partner file.
            base = testdb.copy(db, tmp, "base")
            link_dataset(hearth, base, parts, "dwp_benefits")
            testdb.use(db)
            bc = testdb.connect(base)
            row = bc.execute("SELECT person_id, count(*) FROM (SELECT person_id FROM match_pair WHERE person_id IS NOT NULL"
                             " AND partner_record_id IN (SELECT r.id FROM partner_record r JOIN partner_dataset d"
                             " ON d.id = r.dataset_id WHERE d.name = 'dwp_benefits')"
                             " UNION ALL SELECT r.person_id FROM partner_record r JOIN partner_dataset d ON d.id = r.dataset_id"
                             " WHERE d.name = 'dwp_benefits' AND r.person_id IS NOT NULL) AS x GROUP BY person_id"
                             " ORDER BY count(*) DESC, person_id LIMIT 1").fetchone()
            bc.close()
            problems = [] if row else ["the copy without objections links nobody in dwp_benefits"]
            if row:
                objector, base_count = row
                body = json.dumps({"kind": "objection", "person_id": objector, "requester": "self",
                                   "requester_name": "The person", "received_on": "2026-11-20",
                                   "details": "I object to my records being matched with other organisations' data"}).encode()
                st, _, raw = api.request(server.port, "POST", "/api/v1/requests",
                                         {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"}, body)
                oid = json.loads(raw).get("id") if st == 201 else 0
                st, _, raw = api.request(server.port, "POST", "/api/v1/people/%d/objections" % objector,
                                         {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"},
                                         json.dumps({"request_id": oid, "matching": True}).encode())
                doc = json.loads(raw) if raw else {}
                if st != 200 or doc.get("objects_matching") is not True:
                    problems.append("objection: status %d %s" % (st, raw[:200]))
                st, _, _ = api.request(server.port, "POST", "/api/v1/people/%d/objections" % objector,
                                       {"Authorization": "Bearer " + gov_token, "Content-Type": "application/json"},
                                       json.dumps({"request_id": rid, "matching": True}).encode())
                if st != 409:
                    problems.append("an objection under an access request answered %d, not 409" % st)
        finally:
            problem = server.stop()
            res.check("server shutdown", [problem] if problem else [])
        if row and not problems:
            link_dataset(hearth, db, parts, "dwp_benefits")
            con = testdb.connect(db)
            after = con.execute("SELECT (SELECT count(*) FROM match_pair WHERE person_id = ? AND partner_record_id IN"
                                " (SELECT r.id FROM partner_record r JOIN partner_dataset d ON d.id = r.dataset_id"
                                "  WHERE d.name = 'dwp_benefits')) + (SELECT count(*) FROM partner_record r JOIN"
                                " partner_dataset d ON d.id = r.dataset_id WHERE d.name = 'dwp_benefits' AND r.person_id = ?)",
                                (objector, objector)).fetchone()[0]
            con.close()
            if after:
                problems.append("person %d objected, yet the engine gave them %d pairs or links (%d without the "
                                "objection)" % (objector, after, base_count))
        res.check("an upheld objection keeps the person out of matching (%s pairs or links without it)" %
                  (row[1] if row else "no"), problems)
    print("%s: %d passed, %d failed" % (testdb.suite("rights"), res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
