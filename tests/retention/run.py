#!/usr/bin/env python3
"""run.py — `hearth retention plan` against an independent calculation, and legal holds end to end.

    tests/retention/run.py --hearth build/hearth [--keep]

Builds a small council with the hearth CLI (`hearth init`, then `hearth demo --families 120 --seed 5`), adds
a few invented records of its own that the demo's recent dates do not reach (closures years ago, a leap-day
birthday, a child by age only, a current programme, a contact naming no family), places legal holds with
`hearth retention hold add/end` and through the API as governance, and then, for the Durham and
Northamptonshire policies (policy/*.yaml) at several --as-of dates, compares the plan's CSV row for row with
a plan computed here, in Python, from the rules of docs/retention.md applied to the policy YAML and to the
database read through tests/api/testdb.py (sqlite3, or psql on PostgreSQL). Also: the JSON format, --out, the
summary on stderr, bad input writing nothing, the IICSA standing hold lapsing after its release period, and a
changed period changing the plan.

Never depends on today's date: every plan names --as-of; the server runs under the suite's HEARTH_NOW.
Prints one line per check and finally `retention: N passed, M failed`. Needs PyYAML to read the policies.
"""
import argparse
import calendar
import collections
import csv
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import testdb  # noqa: E402  (the test database on either back end)


HEADER = "record_class,record_table,record_id,person_id,family_id,trigger,trigger_date,due_date,action,hold"
AS_OF = ["2026-11-23", "2029-12-31", "2033-06-30", "2045-01-01", "2070-01-01"]
PROFILES = ["durham", "northamptonshire", "cumbria", "oldham", "shropshire"]  # the first two are required
TABLE = {"contact_no_further_action": "contact", "early_help_case": "episode", "stepped_up_case": "episode",
         "supporting_families_case": "episode", "family_centre_client": "family"}
CHILD_ROLES = {"child", "sibling", "unborn"}
SEEN = collections.Counter()  # (profile, "action" or "hold", value) over every plan compared


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what, got=None):
        if ok:
            self.passed += 1
            print("ok   " + what)
        else:
            self.failed += 1
            print("FAIL " + what + ("\n     got: %s" % (got,) if got is not None else ""))
        return ok


# ---- dates, written out from docs/retention.md ("Due date") ----------------------------------------------

def d(s):
    return datetime.date.fromisoformat(s) if s else None


def add_months(day, n):
    m = day.month - 1 + n
    y, m = day.year + m // 12, m % 12 + 1
    return datetime.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def add_period(day, p):
    p = p or {}
    day = add_months(day, 12 * int(p.get("years", 0)))
    day = add_months(day, int(p.get("months", 0)))
    return day + datetime.timedelta(days=int(p.get("days", 0)))


def adult_from(born):
    """The day someone born on `born` turns 18; a 29 February birthday is reached on 1 March in a common year."""
    if born is None:
        return None
    if born.month == 2 and born.day == 29 and not calendar.isleap(born.year + 18):
        return datetime.date(born.year + 18, 3, 1)
    return datetime.date(born.year + 18, born.month, born.day)


# ---- the database, read through testdb ------------------------------------------------------------------

class Council:
    def __init__(self, db):
        con = testdb.connect(db)
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        self.born = {pid: d(dob or exp) for pid, dob, exp in q("SELECT id, date_of_birth, expected_date FROM person")}
        self.members = collections.defaultdict(list)
        for fid, pid, role in q("SELECT family_id, person_id, role FROM family_member"):
            self.members[fid].append((pid, role))
        self.families = {fid: d(created[:10]) for fid, created in q("SELECT id, created_at FROM family")}
        self.episodes = {}
        self.fam_episodes = collections.defaultdict(list)
        for row in q("SELECT id, family_id, start_date, end_date, closure_reason, programme_id, programme_end "
                     "FROM episode"):
            e = dict(zip(("id", "family", "start", "end", "closure", "programme", "programme_end"), row))
            for k in ("start", "end", "programme_end"):
                e[k] = d(e[k])
            self.episodes[e["id"]] = e
            self.fam_episodes[e["family"]].append(e)
        self.contacts = {}
        self.fam_contacts = collections.defaultdict(list)
        for row in q("SELECT id, family_id, received_on, decision, decision_date FROM contact"):
            c = dict(zip(("id", "family", "received", "decision", "decided"), row))
            c["received"], c["decided"] = d(c["received"]), d(c["decided"])
            self.contacts[c["id"]] = c
            if c["family"]:
                self.fam_contacts[c["family"]].append(c)
        self.referred = {r[0] for r in q("SELECT contact_id FROM referral WHERE contact_id IS NOT NULL")}
        self.contact_children = collections.defaultdict(list)
        for cid, pid in q("SELECT contact_id, person_id FROM contact_child"):
            self.contact_children[cid].append(pid)
        self.activity = collections.defaultdict(list)  # family -> attended_on dates
        for fid, on in q("SELECT e.family_id, a.attended_on FROM activity a JOIN episode e ON e.id = a.episode_id"):
            self.activity[fid].append(d(on))
        self.holds = q("SELECT id, reason, scope_table, scope_id, from_date, until_date FROM legal_hold ORDER BY id")
        # An open data-subject request holds its person's records (docs/retention.md), after the placed holds.
        self.holds += q("SELECT 1000000000000 + id, 'SAR-OPEN', 'person', person_id, received_on, closed_on"
                        " FROM subject_request ORDER BY id")
        con.close()

    # facts about a family
    def fam_open(self, fid):
        return any(e["end"] is None for e in self.fam_episodes[fid])

    def last_contact(self, fid):
        days = [c["received"] for c in self.fam_contacts[fid]] + self.activity[fid] + \
            [e["end"] for e in self.fam_episodes[fid] if e["end"]]
        return max(days) if days else None

    def children(self, fid, on):
        """The family's members who are children of a record made on `on`."""
        out = []
        for pid, role in self.members[fid]:
            born = self.born.get(pid)
            if role in CHILD_ROLES or (born and on and on < adult_from(born)):
                out.append(pid)
        return out

    def fam_date(self, fid):
        starts = [e["start"] for e in self.fam_episodes[fid]]
        return min(starts) if starts else self.families[fid]


def latest_born(council, people):
    """(date, person) of the latest known date of birth; the lower id among people born that day."""
    best = None
    for pid in sorted(people):
        born = council.born.get(pid)
        if born and (best is None or born > best[0]):
            best = (born, pid)
    return best


# ---- the plan, from the rules --------------------------------------------------------------------------

def matches(records, table, rec, council):
    if TABLE[records] != table:
        return False
    if records == "contact_no_further_action":
        return rec["decision"] in ("nfa", "advice") and rec["id"] not in council.referred
    if records == "early_help_case":
        return True
    if records == "stepped_up_case":
        return rec["closure"] == "stepped_up"
    if records == "supporting_families_case":
        return rec["programme"] is not None
    return bool(council.activity[rec["id"]])  # family_centre_client


def facts(council, table, rec):
    """open, closed, (born, person), last contact, programme end (None when none or current), any child,
    family id, the holds' (table, id) keys."""
    if table == "contact":
        fid = rec["family"]
        kids = council.contact_children[rec["id"]]
        any_child = any(council.born.get(p) is None or rec["received"] < adult_from(council.born[p]) for p in kids)
        if fid:
            last = None if council.fam_open(fid) else max(x for x in (council.last_contact(fid), rec["received"]) if x)
        else:
            last = rec["received"]
        keys = [("contact", rec["id"])] + ([("family", fid)] if fid else []) + [("person", p) for p in kids]
        return dict(open=rec["decided"] is None, closed=rec["decided"], born=latest_born(council, kids), last=last,
                    prog=None, any_child=any_child, family=fid, keys=keys)
    if table == "episode":
        fid = rec["family"]
        kids = council.children(fid, rec["start"])
        prog = rec["programme_end"] if rec["programme"] is not None else None
        keys = [("episode", rec["id"]), ("family", fid)] + [("person", p) for p, _ in council.members[fid]]
        return dict(open=rec["end"] is None, closed=rec["end"], born=latest_born(council, kids),
                    last=None if council.fam_open(fid) else council.last_contact(fid), prog=prog,
                    any_child=bool(kids), family=fid, keys=keys)
    fid = rec["id"]
    eps = council.fam_episodes[fid]
    kids = council.children(fid, council.fam_date(fid))
    progs = [e for e in eps if e["programme"] is not None]
    prog = max(e["programme_end"] for e in progs) if progs and all(e["programme_end"] for e in progs) else None
    ends = [e["end"] for e in eps if e["end"]]
    keys = [("family", fid)] + [("person", p) for p, _ in council.members[fid]]
    return dict(open=council.fam_open(fid), closed=max(ends) if ends else None, born=latest_born(council, kids),
                last=council.last_contact(fid), prog=prog, any_child=bool(kids), family=fid, keys=keys)


def expected_plan(council, pol, as_of):
    as_of = d(as_of)
    classes = pol["retention"]["classes"]
    holds = pol["retention"].get("holds") or []
    standing = []
    for h in holds:
        frm, until = d(str(h["from"])), d(str(h["until"])) if h.get("until") else None
        if frm <= as_of and (until is None or as_of < add_period(until, h.get("release_after"))):
            standing.append(h)
    record_holds = {}
    for hid, reason, table, sid, frm, until in council.holds:
        if d(frm) <= as_of and (until is None or d(until) > as_of):
            record_holds.setdefault((table, sid), (hid, reason))
    records = {"contact": council.contacts, "episode": council.episodes,
               "family": {fid: {"id": fid} for fid in council.families}}
    rows = []
    for ci, cls in enumerate(classes):
        table = TABLE[cls["records"]]
        for rid in sorted(records[table]):
            rec = records[table][rid]
            first = next(i for i, c in enumerate(classes) if matches(c["records"], table, rec, council)) \
                if any(matches(c["records"], table, rec, council) for c in classes) else None
            if first != ci:
                continue
            f = facts(council, table, rec)
            trig, person = None, None
            if not f["open"]:
                t = cls["trigger"]
                if t == "case_closure":
                    trig = f["closed"]
                elif t == "end_of_year_of_closure":
                    trig = datetime.date(f["closed"].year, 12, 31) if f["closed"] else None
                elif t == "date_of_birth":
                    trig, person = f["born"] if f["born"] else (None, None)
                elif t == "last_contact":
                    trig = f["last"]
                elif t == "programme_end":
                    trig = f["prog"]
            due = add_period(trig, cls["period"]) if trig else None
            hold = next((h["code"] for h in standing if h["scope"] == "all" or f["any_child"]), None)
            if hold is None:
                found = [record_holds[k] for k in f["keys"] if k in record_holds]
                hold = min(found)[1] if found else None
            if due is None or due > as_of:
                action = "keep"
            elif hold:
                action = "keep"
            else:
                action = "review" if cls["disposal"] == "review" else "dispose"
            rows.append(",".join(str(x) if x is not None else "" for x in (
                cls["code"], table, rid, person, f["family"], cls["trigger"], trig, due, action, hold)))
    return rows


# ---- running hearth --------------------------------------------------------------------------------------

def run(hearth, *args, env=None):
    p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def load_policy(hearth, path):
    """The policy as Hearth reads it: `hearth notice --format json` carries the whole file as JSON (so the
    suite needs no YAML library, and reads exactly what the program read)."""
    p = subprocess.run([hearth, "notice", "--policy", path, "--format", "json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    return json.loads(p.stdout)["policy"]


def save_policy(pol, path):
    """Write a policy as YAML's JSON subset (every JSON document is YAML)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(pol, f, indent=1, ensure_ascii=False)


def plan(hearth, db, policy, as_of, *extra):
    return run(hearth, "retention", "plan", "--db", db, "--policy", policy, "--as-of", as_of, *extra)


def enrich(db):
    """Invented records the demo's recent dates do not reach. Returns the ids the checks name."""
    con = testdb.connect(db)
    t0 = "2026-01-01T00:00:00Z"
    team = con.execute("SELECT min(id) FROM team WHERE kind = 'early_help'").fetchone()[0]
    ids = {}

    def insert(sql, *values):
        return con.execute(sql, values).lastrowid

    def person(name, born, expected=None):
        return insert("INSERT INTO person (given_name, family_name, date_of_birth, expected_date, created_at, "
                      "updated_at) VALUES (?, 'Retentiontest', ?, ?, ?, ?)", name, born, expected, t0, t0)

    def family(name, created=t0):
        return insert("INSERT INTO family (name, created_at, updated_at) VALUES (?, ?, ?)", name, created, created)

    def member(fid, pid, role):
        insert("INSERT INTO family_member (family_id, person_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
               fid, pid, role, t0, t0)

    def episode(fid, start, end, reason=None, programme=None, programme_end=None):
        return insert("INSERT INTO episode (family_id, start_date, end_date, owning_team_id, programme_id, "
                      "programme_start, programme_end, closure_reason, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", fid, start, end, team, programme,
                      start if programme else None, programme_end, reason if end else None, t0, t0)

    def contact(fid, received, decision, decided, children):
        cid = insert("INSERT INTO contact (received_on, channel, contactor_type, source_code, reason, family_id, "
                     "decision, decision_date, created_at, updated_at) VALUES (?, 'phone', 'professional', '1A', "
                     "'retention test', ?, ?, ?, ?, ?)", received, fid, decision, decided, t0, t0)
        for p in children:
            insert("INSERT INTO contact_child (contact_id, person_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                   cid, p, t0, t0)
        return cid

    def activity(eid, on):
        insert("INSERT INTO activity (episode_id, activity_type, name, attended_on, created_at, updated_at) "
               "VALUES (?, 'group', 'Stay and play', ?, ?, ?)", eid, on, t0, t0)

    # A family of the 2010s: a leap-day child, an older child, a parent, an 'other_adult' who was 16 then.
    f1 = ids["f_old"] = family("Old household", "2014-05-01T00:00:00Z")
    leap, older, parent, teen = (person("Leap", "2012-02-29"), person("Older", "2006-07-15"),
                                 person("Parent", "1980-03-03"), person("Teen", "2000-01-10"))
    ids["p_leap"], ids["p_parent"] = leap, parent
    member(f1, leap, "child"), member(f1, older, "child"), member(f1, parent, "parent"), member(f1, teen, "other_adult")
    e1 = ids["e_old"] = episode(f1, "2016-03-01", "2019-02-28", "needs_met")
    ids["e_stepped"] = episode(f1, "2017-01-01", "2018-08-31", "stepped_up")
    ids["e_sf"] = episode(f1, "2015-09-01", "2018-06-30", "needs_met", "SF-RT-1", "2018-06-30")
    activity(e1, "2016-04-04"), activity(e1, "2018-11-11")
    contact(f1, "2014-05-01", "nfa", "2014-05-03", [leap])
    # An adults-only family (no child by role or age): no standing children's hold on its records.
    f2 = ids["f_adults"] = family("Adults household", "2015-01-01T00:00:00Z")
    a1, a2 = person("Adult", "1970-01-01"), person("Carer", "1972-02-02")
    ids["p_adult"] = a1
    member(f2, a1, "parent"), member(f2, a2, "carer")
    e2 = ids["e_adults"] = episode(f2, "2015-02-01", "2016-12-31", "moved_away")
    activity(e2, "2015-03-03")
    ids["c_adults"] = contact(f2, "2015-01-10", "advice", "2015-01-20", [])
    # A current programme on a closed episode, and an open episode, in one family.
    f3 = ids["f_current"] = family("Current household", "2019-01-01T00:00:00Z")
    kid = person("Kid", "2018-12-24")
    member(f3, kid, "child")
    ids["e_current_programme"] = episode(f3, "2019-01-01", "2020-01-01", "needs_met", "SF-RT-2", None)
    ids["e_open"] = episode(f3, "2021-01-01", None)
    # A contact naming no family, about a child, decided long ago; one undecided.
    lone = person("Lone", "2009-09-09")
    ids["c_lone"] = contact(None, "2013-02-01", "nfa", "2013-02-02", [lone])
    contact(None, "2026-11-20", None, None, [lone])
    # Someone has opened every episode (the caseload's episode_seen): destroying one takes its marks with it.
    con.execute("INSERT INTO episode_seen (user_id, episode_id, seen_at) "
                "SELECT (SELECT min(id) FROM app_user), id, ? FROM episode", (t0,))
    con.commit()
    con.close()
    return ids


def check_plan(check, hearth, db, policy, name, as_of, council, pol):
    rc, out, err = plan(hearth, db, policy, as_of)
    if not check(rc == 0, "%s %s: exit 0" % (name, as_of), (rc, err[-500:])):
        return None
    lines = out.rstrip("\n").split("\n")
    check(lines[0] == HEADER, "%s %s: the header" % (name, as_of), lines[0])
    want = expected_plan(council, pol, as_of)
    got = lines[1:]
    if not check(got == want, "%s %s: %d rows equal the independent plan" % (name, as_of, len(want)),
                 "\n     ".join(["first difference:"] + next(
                     (["row %d" % i, "hearth: %s" % (g,), "python: %s" % (w,)]
                      for i, (g, w) in enumerate(zip(got + [None] * len(want), want + [None] * len(got)))
                      if g != w), []))):
        return got
    counts = collections.Counter(r.split(",")[8] for r in got)
    for r in got:
        c = r.split(",")
        SEEN[(name.split(" ")[0], "action", c[8])] += 1
        SEEN[(name.split(" ")[0], "hold", c[9])] += 1
    m = re.search(r"(\d+) rows: keep (\d+), review (\d+), dispose (\d+)", err)
    check(m and [int(x) for x in m.groups()] == [len(got), counts["keep"], counts["review"], counts["dispose"]],
          "%s %s: the summary on stderr counts the rows by action" % (name, as_of), err.strip())
    return got


def api_holds(check, hearth, db, logins, ids, saved=None):
    """Governance places, reads, lists and ends a hold over HTTP; a practitioner may not. Returns the id. With
    saved = (plan id, CSV text): governance reads the saved plan and approves it with the CSV's digest."""
    from run import Server, session_of, request
    server = Server(hearth, db)
    hold_id = None
    try:
        gov, _ = session_of(server.port, logins, "dpo")
        prac, _ = session_of(server.port, logins, "practitioner.n1")

        def call(token, method, path, body=None):
            h = {"Authorization": "Bearer " + token}
            raw = b""
            if body is not None:
                h["Content-Type"] = "application/json"
                raw = json.dumps(body).encode()
            status, _, data = request(server.port, method, path, h, raw)
            try:
                return status, json.loads(data) if data else None
            except ValueError:
                return status, data
        body = {"reason": "FUTURE-INQUIRY", "scope_table": "episode", "scope_id": ids["e_adults"],
                "from_date": "2016-01-01", "note": "Synthetic: an inquiry is expected."}
        st, doc = call(prac, "POST", "/api/v1/legal-holds", body)
        check(st == 403, "api: a practitioner may not place a hold", (st, doc))
        st, doc = call(gov, "POST", "/api/v1/legal-holds", body)
        ok = check(st == 201 and doc.get("reason") == "FUTURE-INQUIRY" and doc.get("until_date") is None
                   and doc.get("version") == 1, "api: governance places a hold (201, standing)", (st, doc))
        hold_id = doc.get("id") if ok else None
        st, doc = call(gov, "GET", "/api/v1/legal-holds/%s" % hold_id)
        check(st == 200 and doc.get("scope_id") == ids["e_adults"], "api: governance reads the hold", (st, doc))
        st, doc = call(gov, "GET", "/api/v1/legal-holds?standing=1&limit=500")
        check(st == 200 and hold_id in [h["id"] for h in doc.get("items", [])], "api: it is listed as standing",
              (st, doc))
        st, doc = call(gov, "POST", "/api/v1/legal-holds", dict(body, reason="NOT-A-CODE"))
        check(st == 422 and doc["error"]["code"] == "invalid_code", "api: an unknown reason is refused", (st, doc))
        st, doc = call(gov, "POST", "/api/v1/legal-holds", dict(body, scope_table="referral"))
        check(st == 422, "api: a table that cannot be held is refused", (st, doc))
        st, doc = call(gov, "PATCH", "/api/v1/legal-holds/%s" % hold_id, {"until_date": "2015-01-01"})
        check(st == 422, "api: ending a hold before it began is refused", (st, doc))
        st, doc = call(gov, "PATCH", "/api/v1/legal-holds/%s" % hold_id, {"until_date": "2040-01-01", "version": 1})
        check(st == 200 and doc.get("until_date") == "2040-01-01" and doc.get("version") == 2,
              "api: governance ends the hold on 2040-01-01", (st, doc))
        st, doc = call(gov, "PATCH", "/api/v1/legal-holds/%s" % hold_id, {"until_date": "2041-01-01"})
        check(st == 409, "api: ending it again is a conflict", (st, doc))
        # An open data-subject request holds its person's records (SAR-OPEN) until it closes: an access request
        # by the adults' household member, received 2020-01-01 and completed 2031-05-01.
        adult = ids.get("p_adult")
        if adult:
            st, doc = call(gov, "POST", "/api/v1/requests", {"kind": "access", "person_id": adult, "requester": "self",
                                                            "requester_name": "Synthetic", "received_on": "2020-01-01"})
            check(st == 201, "api: governance registers an access request (it holds the person's records)", (st, doc))
        st, doc = call(prac, "GET", "/api/v1/legal-holds")
        check(st == 403, "api: a practitioner may not list holds", (st, doc))
        if saved:
            plan_id, csv_text = saved
            digest = hashlib.blake2b(csv_text.encode(), digest_size=32).hexdigest()
            rows = csv_text.count("\n") - 1
            st, doc = call(gov, "GET", "/api/v1/retention-plans/%d" % plan_id)
            check(st == 200 and doc.get("state") == "draft" and doc.get("rows_digest") == digest
                  and doc.get("row_count") == rows and sum(doc.get("actions", {}).values()) == rows,
                  "api: the saved plan is a draft whose digest is the CSV's BLAKE2b-256", (st, doc, digest))
            # The rows as saved, page by page, are the CSV's rows.
            got, after, pages = [], None, 0
            while pages < 100:
                st, doc = call(gov, "GET", "/api/v1/retention-plans/%d/rows?limit=40%s"
                               % (plan_id, "&after=" + after if after else ""))
                if st != 200:
                    break
                pages += 1
                for it in doc["items"]:
                    got.append(",".join("" if it[k] is None else str(it[k]) for k in HEADER.split(",")))
                after = doc.get("next")
                if not after:
                    break
            check(got == csv_text.rstrip("\n").split("\n")[1:] and pages > 1,
                  "api: the saved rows, page by page, are the CSV's rows (%d pages)" % pages, (st, got[:2]))
            st, doc = call(gov, "GET", "/api/v1/retention-plans/%d/rows?action=dispose&limit=500" % plan_id)
            want = [r for r in csv_text.split("\n")[1:] if r.split(",")[8:9] == ["dispose"]]
            check(st == 200 and len(doc["items"]) == len(want) and all(it["action"] == "dispose" for it in doc["items"]),
                  "api: ?action=dispose gives the rows to dispose of (%d)" % len(want), (st, doc))
            st, doc = call(gov, "GET", "/api/v1/retention-plans/%d/rows?action=destroy" % plan_id)
            check(st == 400, "api: an unknown action is a bad parameter", (st, doc))
            st, doc = call(prac, "GET", "/api/v1/retention-plans/%d/rows" % plan_id)
            check(st == 403, "api: a practitioner may not read a plan's rows", (st, doc))
            st, doc = call(prac, "POST", "/api/v1/retention-plans/%d/approval" % plan_id, {"rows_digest": digest})
            check(st == 403, "api: a practitioner may not approve a plan", (st, doc))
            st, doc = call(gov, "POST", "/api/v1/retention-plans/%d/approval" % plan_id, {"rows_digest": "0" * 64})
            check(st == 422, "api: approving with another digest is refused", (st, doc))
            st, doc = call(gov, "POST", "/api/v1/retention-plans/%d/approval" % plan_id, {"rows_digest": digest})
            check(st == 200 and doc.get("state") == "approved" and doc.get("approved_by"),
                  "api: governance approves the plan it checked", (st, doc))
            st, doc = call(gov, "POST", "/api/v1/retention-plans/%d/approval" % plan_id, {"rows_digest": digest})
            check(st == 409, "api: a plan is approved once", (st, doc))
    finally:
        problem = server.stop()
        check(problem is None, "api: the server stops cleanly", problem)
    return hold_id


def run_plan(check, hearth, db, logins, base, tmp):
    """`hearth retention run`: an approved plan carried out on a copy of the council. Short periods make the old
    records due today; one due episode is held after the approval and must be spared; a dry run changes
    nothing; the run destroys what its classes destroy (every row under it, earlier versions included, a
    disposal record each) and archives what they archive; a second run finds it all done."""
    import hashlib
    from run import Server, session_of, request
    copy = testdb.copy(db, tmp, "run")  # with its trail and the trail's files; HEARTH_AUDIT_DIR is the copy's
    pol = dict(base, profile="run_test", retention={"classes": [
        {"code": "r_nfa", "label": "Contacts", "records": "contact_no_further_action", "trigger": "case_closure",
         "period": {"years": 1}, "disposal": "destroy"},
        {"code": "r_fc", "label": "Family centre", "records": "family_centre_client", "trigger": "last_contact",
         "period": {"years": 1}, "disposal": "archive"},
        {"code": "r_eh", "label": "Early help", "records": "early_help_case", "trigger": "case_closure",
         "period": {"years": 1}, "disposal": "destroy"}]})
    path = os.path.join(tmp, "run_test.yaml")
    save_policy(pol, path)
    out_csv = os.path.join(tmp, "run_plan.csv")
    rc, out, err = plan(hearth, copy, path, AS_OF[0], "--save", "--out", out_csv)
    m = re.search(r"retention plan (\d+) saved", err)
    if not check(rc == 0 and m, "run: the plan is saved", err[-300:]):
        return
    plan_id = int(m.group(1))
    text = open(out_csv, "rb").read()
    rows = [r.split(",") for r in text.decode().splitlines()[1:]]
    due = [(r[1], int(r[2]), r[0]) for r in rows if r[8] == "dispose"]
    destroy = [(t, i) for t, i, c in due if c != "r_fc"]
    archive = [(t, i) for t, i, c in due if c == "r_fc"]
    check(len(destroy) > 1 and archive, "run: the plan has records to destroy and to archive", (len(destroy), archive))
    rc, _, err = run(hearth, "retention", "run", "--db", copy, "--plan", str(plan_id), "--policy", path)
    check(rc == 1 and "has not been approved" in err, "run: a draft plan does not run", err[-300:])
    server = Server(hearth, copy)
    try:
        gov, _ = session_of(server.port, logins, "dpo")
        digest = hashlib.blake2b(text, digest_size=32).hexdigest()
        st, _, raw = request(server.port, "POST", "/api/v1/retention-plans/%d/approval" % plan_id,
                             {"Authorization": "Bearer " + gov, "Content-Type": "application/json"},
                             json.dumps({"rows_digest": digest}).encode())
        check(st == 200, "run: governance approves the plan", (st, raw[:300]))
    finally:
        server.stop()
    held = next((i for t, i in destroy if t == "episode"), None)
    rc, out, err = run(hearth, "retention", "hold", "add", "--db", copy, "--reason", "LITIGATION", "--table",
                       "episode", "--record", str(held), "--from", "2026-11-01")
    check(rc == 0, "run: a hold placed after the approval", err)

    def count(sql, *args):
        c = testdb.connect(copy)
        try:
            return c.execute(sql, args).fetchone()[0]
        finally:
            c.close()
    tables = ("contact", "episode", "family", "case_note", "assessment", "row_history", "disposal")
    before = {t: count("SELECT count(*) FROM %s" % t) for t in tables}
    other = os.path.join(tmp, "other.yaml")
    save_policy(dict(pol, profile="other"), other)
    rc, _, err = run(hearth, "retention", "run", "--db", copy, "--plan", str(plan_id), "--policy", other)
    check(rc == 1 and "not the policy file" in err, "run: another policy file is refused", err[-300:])
    rc, _, err = run(hearth, "retention", "run", "--db", copy, "--plan", str(plan_id), "--policy", path)
    after_dry = {t: count("SELECT count(*) FROM %s" % t) for t in tables}
    check(rc == 0 and "dry run" in err and after_dry == before, "run: a dry run changes nothing", (err[-300:], before,
                                                                                                after_dry))
    rc, out, err = run(hearth, "retention", "run", "--db", copy, "--plan", str(plan_id), "--policy", path, "--confirm")
    check(rc == 0, "run --confirm", err[-300:])
    gone = [(t, i) for t, i in destroy if (t, i) != ("episode", held)
            and count("SELECT count(*) FROM %s WHERE id = ?" % t, i)]
    check(not gone, "run: every due record destroyed but the held one", gone[:10])
    check(count("SELECT count(*) FROM episode WHERE id = ?", held) == 1, "run: the record held since approval is spared")
    orphans = count("SELECT (SELECT count(*) FROM case_note WHERE episode_id NOT IN (SELECT id FROM episode))"
                    " + (SELECT count(*) FROM assessment WHERE episode_id NOT IN (SELECT id FROM episode))"
                    " + (SELECT count(*) FROM contact_child WHERE contact_id NOT IN (SELECT id FROM contact))"
                    " + (SELECT count(*) FROM row_history h WHERE h.table_name = 'episode'"
                    "    AND h.row_id NOT IN (SELECT id FROM episode))")
    check(orphans == 0, "run: nothing under a destroyed record, nor its earlier versions, is left", orphans)
    disposed = [(t, i) for t, i in destroy if (t, i) != ("episode", held)]
    n_disposal = count("SELECT count(*) FROM disposal WHERE kind = 'retention' AND plan_id = ?", plan_id)
    check(n_disposal >= len(disposed) - sum(1 for t, i in disposed if t == "family"),
          "run: a disposal record per record destroyed (%d for %d)" % (n_disposal, len(disposed)))
    not_archived = [i for t, i in archive if count("SELECT count(*) FROM %s WHERE id = ? AND archived_on IS NULL" % t, i)]
    check(not not_archived, "run: records of an archiving class are archived", not_archived)
    # Archived records leave working lists and searches: the front door no longer finds a member of an archived
    # family, and still finds a member of a family in use (the control).
    fam = archive[0][1] if archive and archive[0][0] == "family" else None
    c = testdb.connect(copy)
    pick = ("SELECT p.id, p.given_name, p.family_name FROM person p JOIN family_member fm ON fm.person_id = p.id"
            " WHERE %s AND p.restricted = 0 AND p.merged_into IS NULL ORDER BY p.id LIMIT 1")
    member = c.execute(pick % "fm.family_id = ? AND NOT EXISTS (SELECT 1 FROM family_member o JOIN family f"
                       " ON f.id = o.family_id WHERE o.person_id = p.id AND f.archived_on IS NULL)", (fam,)).fetchone() \
        if fam else None
    control = c.execute(pick % "fm.family_id IN (SELECT id FROM family WHERE archived_on IS NULL)").fetchone()
    c.close()
    if check(member is not None and control is not None, "run: an archived family has a member to search for", fam):
        server = Server(hearth, copy)
        try:
            token, _ = session_of(server.port, logins, "frontdoor1")
            found = {}
            for who in (member, control):
                q = "/api/v1/people/search?name=%s%%20%s&limit=500" % (who[1].replace(" ", "%20"),
                                                                        who[2].replace(" ", "%20"))
                st, _, raw = request(server.port, "GET", q, {"Authorization": "Bearer " + token}, b"")
                found[who[0]] = st == 200 and who[0] in [i["id"] for i in json.loads(raw).get("items", [])]
            check(not found[member[0]] and found[control[0]],
                  "run: a member of an archived family leaves the front door's search; others are still found", found)
        finally:
            server.stop()
    rc, out2, err = run(hearth, "retention", "run", "--db", copy, "--plan", str(plan_id), "--policy", path, "--confirm")
    check(rc == 0 and re.search(r" 0 destroyed", err) and " 0 archived" in err,
          "run: running it again does nothing more", err[-300:])
    rc, out, err = run(hearth, "audit", "verify", "--db", copy, "--public-key", testdb.pubkey(copy))
    check(rc == 0, "run: the audit trail verifies after the run", (out, err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    hearth = os.path.abspath(a.hearth)
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="hearth-retention-")
    try:
        rc, out, err = run(hearth, "init", "--db", testdb.council(tmp, "empty"))
        check(rc == 0, "hearth init makes an empty database", err)
        db, logins = testdb.council(tmp, "council"), os.path.join(tmp, "logins.json")
        rc, out, err = run(hearth, "demo", "--db", db, "--families", "120", "--seed", "5", "--logins", logins)
        if not check(rc == 0, "hearth demo --families 120 --seed 5", err[-500:]):
            return 1
        ids = enrich(db)

        # Record-level holds from the command line: the leap-day child (a person hold: their contacts and
        # their family's records), the adults' family, and one on the adults' contact that ended in 2020.
        rc, out, err = run(hearth, "retention", "hold", "add", "--db", db, "--reason", "LITIGATION", "--table",
                           "person", "--record", str(ids["p_leap"]), "--from", "2019-01-01", "--note", "Synthetic")
        check(rc == 0 and "legal hold" in out, "hold add on a person", (rc, out, err))
        rc, out, err = run(hearth, "retention", "hold", "add", "--db", db, "--reason", "SAR-OPEN", "--table",
                           "contact", "--record", str(ids["c_adults"]), "--from", "2018-01-01")
        check(rc == 0, "hold add on a contact", (rc, out, err))
        m = re.search(r"legal hold (\d+)", out)
        rc, out, err = run(hearth, "retention", "hold", "end", "--db", db, "--id", m.group(1) if m else "0",
                           "--until", "2020-01-01")
        check(rc == 0, "hold end", (rc, out, err))
        rc, out, err = run(hearth, "retention", "hold", "add", "--db", db, "--reason", "LITIGATION", "--table",
                           "family", "--record", "999999")
        check(rc == 1 and "no family with id 999999" in err, "hold add on a family that does not exist fails", err)
        rc, out, err = run(hearth, "retention", "hold", "list", "--db", db)
        check(rc == 0 and out.count("\n") == 2 and "LITIGATION" in out, "hold list shows the standing hold", out)
        rc, out, err = run(hearth, "retention", "hold", "list", "--db", db, "--all")
        check(rc == 0 and out.count("\n") == 3 and "2020-01-01" in out, "hold list --all shows the ended one too", out)

        # A plan saved for approval (before the API's holds change the records' holds).
        saved_csv = os.path.join(tmp, "saved.csv")
        rc, out, err = run(hearth, "retention", "plan", "--db", db, "--policy",
                           os.path.join(ROOT, "policy", "durham.yaml"), "--as-of", "2040-01-01", "--save",
                           "--out", saved_csv)
        m = re.search(r"retention plan (\d+) saved as a draft: rows digest ([0-9a-f]{64})", err)
        csv_text = open(saved_csv, encoding="utf-8").read() if rc == 0 else ""
        check(rc == 0 and m and m.group(2) == hashlib.blake2b(csv_text.encode(), digest_size=32).hexdigest(),
              "plan --save: a draft whose rows digest is the CSV's BLAKE2b-256", err)
        con = testdb.connect(db)
        stored = con.execute("SELECT count(*) FROM retention_plan_row WHERE plan_id = ?",
                             (int(m.group(1)) if m else 0,)).fetchone()[0]
        con.close()
        check(stored == csv_text.count("\n") - 1, "plan --save keeps every row", (stored, csv_text.count("\n")))

        api_holds(check, hearth, db, logins, ids, (int(m.group(1)), csv_text) if m else None)

        council = Council(db)
        policies = {}
        for name in PROFILES:
            path = os.path.join(ROOT, "policy", name + ".yaml")
            if not check(os.path.exists(path), "policy/%s.yaml exists" % name):
                continue
            policies[name] = (path, load_policy(hearth, path))
        for name, (path, pol) in policies.items():
            for as_of in AS_OF:
                check_plan(check, hearth, db, path, name, as_of, council, pol)
        if "northamptonshire" in policies:
            check(SEEN[("northamptonshire", "action", "dispose")] + SEEN[("northamptonshire", "action", "review")] > 0,
                  "northamptonshire: the plans show records falling due", dict(SEEN))

        # The standing hold with an end: lapses release_after (6 years) after it.
        if "durham" in policies:
            path, pol = policies["durham"]
            text = open(path, encoding="utf-8").read()
            ended = re.sub(r"(\n(\s*)scope: children\n)", r"\1\2until: 2022-10-20\n", text, count=1)
            p2 = os.path.join(tmp, "durham-ended.yaml")
            with open(p2, "w", encoding="utf-8") as f:
                f.write(ended)
            pol2 = load_policy(hearth, p2)
            check(str(pol2["retention"]["holds"][0].get("until")) == "2022-10-20", "the ended hold's copy reads back")
            for as_of in ("2028-10-19", "2028-10-20", "2045-01-01"):
                check_plan(check, hearth, db, p2, "durham (IICSA ended 2022-10-20)", as_of, council, pol2)
            _, before, _ = plan(hearth, db, p2, "2028-10-19")
            _, after, _ = plan(hearth, db, p2, "2028-10-20")
            check("IICSA-2015" in before and "IICSA-2015" not in after,
                  "the IICSA hold is in force until 2022-10-20 + 6 years and not on that day")

            # Changing a period changes the plan: early_help 6 -> 7 years.
            changed = re.sub(r"(- code: early_help\n(?:\s+\w+:.*\n)*?\s+period: )\{years: 6\}", r"\1{years: 7}", text,
                             count=1)
            p3 = os.path.join(tmp, "durham-7.yaml")
            with open(p3, "w", encoding="utf-8") as f:
                f.write(changed)
            pol3 = load_policy(hearth, p3)
            eh = [c for c in pol3["retention"]["classes"] if c["code"] == "early_help"]
            check(eh and eh[0]["period"] == {"years": 7}, "the copy's early_help period is 7 years", eh)
            _, six, _ = plan(hearth, db, path, "2045-01-01")
            got = check_plan(check, hearth, db, p3, "durham (early_help 7 years)", "2045-01-01", council, pol3)
            moved = [(a, b) for a, b in zip(six.split("\n")[1:], (got or [])) if a != b]
            check(moved and all(a.startswith("early_help,") for a, _ in moved) and all(
                  b.split(",")[7] == str(add_period(d(a.split(",")[7]), {"years": 1})) for a, b in moved if a.split(",")[7]),
                  "only early_help rows changed, each due a year later (%d rows)" % len(moved), moved[:3])

            # Formats, --out, summary and bad input.
            rc, js, err = plan(hearth, db, path, "2045-01-01", "--format", "json")
            try:
                doc = json.loads(js)
            except ValueError:
                doc = None
            _, csv_text, _ = plan(hearth, db, path, "2045-01-01")
            rows = list(csv.DictReader(io.StringIO(csv_text)))
            same = doc is not None and len(doc) == len(rows) and all(
                str(j["record_id"]) == r["record_id"] and j["record_class"] == r["record_class"]
                and (j["due_date"] or "") == r["due_date"] and j["action"] == r["action"] and (j["hold"] or "") == r["hold"]
                and j["disposal"] in ("destroy", "archive", "review") for j, r in zip(doc, rows))
            check(rc == 0 and same, "--format json: the same rows, with the disposal kind", (rc, err[-300:]))
            out_file = os.path.join(tmp, "plan.csv")
            rc, out, err = plan(hearth, db, path, "2045-01-01", "--out", out_file)
            check(rc == 0 and out == "" and open(out_file, encoding="utf-8").read() == csv_text,
                  "--out FILE holds exactly what stdout would", (rc, err))
            bad_out = os.path.join(tmp, "bad.csv")
            for what, args, want_rc in (
                    ("an impossible date", ["--as-of", "2045-02-30"], 2),
                    ("a date in another form", ["--as-of", "01/01/2045"], 2),
                    ("an unknown format", ["--as-of", "2045-01-01", "--format", "xml"], 2)):
                rc, out, err = run(hearth, "retention", "plan", "--db", db, "--policy", path, "--out", bad_out, *args)
                check(rc == want_rc and out == "" and not os.path.exists(bad_out) and "hearth" in err,
                      "bad input (%s): exit %d, a message, nothing written" % (what, want_rc), (rc, out[:200], err))
            absent = testdb.absent(tmp, "absent")
            rc, out, err = run(hearth, "retention", "plan", "--db", absent, "--policy", path,
                               "--as-of", "2045-01-01", "--out", bad_out)
            check(rc == 1 and not testdb.exists(absent) and not os.path.exists(bad_out),
                  "a database that does not exist: an error, nothing created", err)
            broken = os.path.join(tmp, "broken.yaml")
            with open(broken, "w", encoding="utf-8") as f:
                f.write(text.replace("trigger: case_closure", "trigger: case_closed", 1))
            rc, out, err = run(hearth, "retention", "plan", "--db", db, "--policy", broken, "--as-of", "2045-01-01",
                               "--out", bad_out)
            check(rc == 1 and out == "" and not os.path.exists(bad_out) and "broken.yaml:" in err,
                  "an invalid policy: the file and line, nothing written", err)
            env = dict(os.environ, HEARTH_NOW="2026-11-23T12:00:00Z")
            rc, out, err = run(hearth, "retention", "plan", "--db", db, "--policy", path, env=env)
            _, dated, _ = plan(hearth, db, path, "2026-11-23")
            check(rc == 0 and out == dated, "--as-of defaults to today by the clock", err[-300:])
        # Every trigger on every kind of record: policies made here from the Northamptonshire test profile,
        # one per trigger, each with a class for every selector (periods in years, months and days; review,
        # archive and destroy), one with a standing hold on all records that lapses.
        base_path = os.path.join(ROOT, "policy", "northamptonshire.yaml")
        base = load_policy(hearth, base_path)
        for trig in ("case_closure", "end_of_year_of_closure", "date_of_birth", "last_contact", "programme_end"):
            classes = [
                {"code": "c_nfa", "label": "Contacts", "records": "contact_no_further_action",
                 "period": {"years": 3, "months": 5, "days": 10}, "disposal": "review"},
                {"code": "c_stepped", "label": "Stepped up", "records": "stepped_up_case",
                 "period": {"years": 2, "months": 1}, "disposal": "archive"},
                {"code": "c_sf", "label": "Programme", "records": "supporting_families_case",
                 "period": {"years": 2, "months": 6}, "disposal": "destroy"},
                {"code": "c_eh", "label": "Early help", "records": "early_help_case",
                 "period": {"years": 1, "days": 45}, "disposal": "review"},
                {"code": "c_fc", "label": "Family centre", "records": "family_centre_client",
                 "period": {"years": 4}, "disposal": "destroy"}]
            if trig == "programme_end":  # a contact has no programme: the plan refuses the class
                classes = classes[1:]
            for c in classes:
                c["trigger"] = trig
            pol = dict(base, profile="every_" + trig, retention={"classes": classes})
            if trig == "last_contact":
                pol["retention"]["holds"] = [{"code": "FUTURE-INQUIRY", "reason": "An inquiry.", "scope": "all",
                                              "from": "2010-01-01", "until": "2030-06-30",
                                              "release_after": {"months": 6}}]
            path = os.path.join(tmp, "every_%s.yaml" % trig)
            save_policy(pol, path)
            pol = load_policy(hearth, path)
            for as_of in ("2026-11-23", "2031-01-01", "2040-01-01"):
                check_plan(check, hearth, db, path, "trigger %s" % trig, as_of, council, pol)
        bad = dict(base, retention={"classes": [{"code": "c_nfa", "label": "Contacts",
                                                 "records": "contact_no_further_action", "trigger": "programme_end",
                                                 "period": {"years": 1}, "disposal": "destroy"}]})
        path = os.path.join(tmp, "contact_programme.yaml")
        save_policy(bad, path)
        rc, out, err = plan(hearth, db, path, "2040-01-01")
        check(rc == 1 and "programme_end does not apply to contact" in err and out == "",
              "a contact class triggered by programme_end is refused", (rc, out[:200], err))
        for what in ("review", "dispose"):
            check(sum(SEEN[(k, "action", what)] for k in ("trigger",)) > 0, "the trigger plans include %s" % what)
        check(SEEN[("trigger", "hold", "FUTURE-INQUIRY")] > 0, "the trigger plans include the standing hold on all")

        # The plans above must have met what they are meant to test.
        if "durham" in policies:
            check(SEEN[("durham", "hold", "IICSA-2015")] > 0 and SEEN[("durham", "hold", "LITIGATION")] > 0
                  and SEEN[("durham", "hold", "FUTURE-INQUIRY")] > 0 and SEEN[("durham", "action", "dispose")] > 0,
                  "durham: the plans show the IICSA hold, record holds and disposals", dict(SEEN))
        check(sum(v for (k, what, code), v in SEEN.items() if what == "hold" and code == "SAR-OPEN") > 0,
              "an open data-subject request holds its person's records (SAR-OPEN)", dict(SEEN))
        empty = testdb.where(tmp, "empty")
        rc, out, err = plan(hearth, empty, base_path, "2040-01-01")
        check(rc == 0 and out == HEADER + "\n" and "0 rows" in err, "an empty database: the header alone", (rc, out, err))
        rc, out, err = plan(hearth, empty, base_path, "2040-01-01", "--format", "json")
        check(rc == 0 and json.loads(out) == [], "an empty database as json: []", (rc, out, err))
        rc, out, err = run(hearth, "retention", "plan", "--help")
        check(rc == 0 and "--as-of" in out and "record_class" in out, "--help explains the command", out[:200])
        run_plan(check, hearth, db, logins, base, tmp)
    finally:
        if a.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d passed, %d failed" % (testdb.suite("retention"), check.passed, check.failed))
    return 0 if check.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
