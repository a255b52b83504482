#!/usr/bin/env python3
"""access_time.py — the access matrix across the time limits (issue 9, item 1): a day either side of each.

    tests/api/access_time.py --hearth build/hearth [--keep]

Builds a small council with `hearth init`, `hearth user add --totp` and direct SQL, starts `hearth serve --port
0` at the suites' clock (run.py's TEST_NOW, passed as HEARTH_NOW) and checks each time limit of docs/access.md
one day (or, for the limits counted in hours, one hour) inside and outside it. The oracle is docs/access.md, not
src/access/; the limits are read from the new database's setting table (and must be what GET /api/v1/settings
reports), so a change of a default moves the fixture with it.

  closed_case_days   two episodes of team A (lead L, Team Around the Family member T, manager M of the owning
                     team), one closed closed_case_days-1 days before today, one closed closed_case_days+1 days
                     before. Inside: each reads the family, a member, the episode and a case note. Outside: each
                     gets 403 forbidden and leaves a `denied` audit entry.
  triage_grace_days  two contacts, decided triage_grace_days-1 and triage_grace_days+1 days before today. The
                     front door reads the contact, its children list and a child row inside; 403 outside.
  break_glass_hours  practitioner PB (no footing: 403 first) breaks glass on a family through the API. The
                     server is restarted on the same database with HEARTH_NOW moved break_glass_hours-1 and
                     break_glass_hours+1 hours on: inside PB reads the family on the footing `break_glass` (the
                     audit entry says so); outside 403 and `denied`. Nothing in the database is edited to fake
                     expiry: the grant expires because the server's clock passed it.
  duty_hours         the same for a governance duty (footing `duty`).
  issue_13           the server remembers footings across requests: T reads the case inside twice, the lead
                     ends T's place on the Team Around the Family (PATCH /api/v1/taf-members/ID), and T's very next
                     reads are refused while the lead's still succeed.
  settings           the administrator (signed in with password and TOTP, as access_matrix.py does) widens
                     closed_case_days and triage_grace_days by two days: the cases just outside become readable;
                     narrows closed_case_days by two: the case just inside is refused; then puts them back.

Every check is named after the issue's item (`item_1_closed_case_days_day_before ...`). Prints one line per
check and finally `access_time: N passed, N failed`; exit status 0 only when nothing failed. Sessions are signed
in once and carried across the restarts (a session's time-outs follow the wall clock, not HEARTH_NOW), so no
second factor code is used twice. Python 3 standard library only; reuses run.py's Server, sign_in() and request().
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import testdb  # the test database on either back end (SQLite or PostgreSQL)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as api  # noqa: E402  (Server, sign_in, request, TEST_NOW)

PASSWORD = "access-time-password-0123456789"
ISO = "%Y-%m-%dT%H:%M:%SZ"
T0 = datetime.datetime.strptime(api.TEST_NOW, ISO).replace(tzinfo=datetime.timezone.utc)
TODAY = T0.date()

# The limits as docs/access.md names them; their values are read from the server.
LIMITS = ("closed_case_days", "triage_grace_days", "break_glass_hours", "duty_hours")

# key, username, role, team, what
USERS = [
    ("L", "time.lead", "practitioner", "A", "team A practitioner, lead of both closed episodes"),
    ("T", "time.taf", "practitioner", "B", "team B practitioner on both episodes' Team Around the Family"),
    ("M", "time.manager", "team_manager", "A", "manager of team A, which owns both episodes"),
    ("FD", "time.fd", "front_door", "front_door", "front door (reads the contacts)"),
    ("FD2", "time.fd2", "front_door", "front_door", "front door who recorded and decided the contacts"),
    ("PB", "time.pb", "practitioner", "B", "team B practitioner who breaks glass"),
    ("G", "time.gov", "governance", "governance", "governance officer who takes a duty"),
    ("ADMIN", "time.admin", "admin", "admin", "administrator (changes the settings)"),
]


def day(offset):
    """TEST_NOW's date plus offset days, 'YYYY-MM-DD' (never the machine's date)."""
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def instant(hours):
    """TEST_NOW plus a number of hours, as HEARTH_NOW takes it."""
    return (T0 + datetime.timedelta(hours=hours)).strftime(ISO)


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, name, why=""):
        if ok:
            self.passed += 1
            print("ok   " + name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        return ok


# ---- the council ------------------------------------------------------------------------------------------------

class Council:
    """hearth init, the users (with TOTP), and every row the checks read, written with SQL before the server
    starts."""

    def __init__(self, hearth, tmp):
        self.hearth, self.db = hearth, testdb.council(tmp, "time")
        self.logins = os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "init", "--db", self.db], check=True, stdout=subprocess.DEVNULL)
        self.con = testdb.connect(self.db, timeout=30)
        self.con.execute("PRAGMA foreign_keys=ON")
        self.uid, self.rec = {}, {}

    def add(self, table, **cols):
        cols.setdefault("created_at", api.TEST_NOW)
        cols.setdefault("updated_at", api.TEST_NOW)
        keys = list(cols)
        cur = self.con.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(keys), ", ".join("?" * len(keys))),
                               [cols[k] for k in keys])
        self.con.commit()
        return cur.lastrowid

    def settings(self):
        return dict(self.con.execute("SELECT name, value FROM setting"))

    def build(self, limits):
        eh = self.add("agency", name="Time Council Early Help", agency_type="early_help")
        team = {k: self.add("team", name=name, agency_id=eh, kind=kind) for k, name, kind in [
            ("front_door", "Front Door", "front_door"), ("A", "Locality A", "early_help"),
            ("B", "Locality B", "early_help"), ("governance", "Information governance", "governance"),
            ("admin", "Systems administration", "admin")]}
        entries = []
        for key, username, role, t, _ in USERS:
            out = subprocess.run([self.hearth, "user", "add", "--db", self.db, "--username", username, "--role", role,
                                  "--name", "Time " + key, "--team", str(team[t]), "--agency", str(eh),
                                  "--password-stdin", "--totp"],
                                 input=(PASSWORD + "\n").encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            text = out.stdout.decode()
            m, s = re.search(r"added with id (\d+)", text), re.search(r"totp secret[^:]*: ([A-Z2-7=]+)", text)
            if out.returncode != 0 or not m or not s:
                raise SystemExit("access_time: hearth user add %s failed: %s %s" % (username, text,
                                                                                   out.stderr.decode()))
            self.uid[key] = int(m.group(1))
            entries.append({"username": username, "password": PASSWORD, "totp_secret": s.group(1)})
        with open(self.logins, "w", encoding="utf-8") as f:
            json.dump(entries, f)
        n, g = limits["closed_case_days"], limits["triage_grace_days"]
        # Two closed cases of team A: one a day inside closed_case_days, one a day outside.
        self.closed_case("inside", "Timeinside", day(-(n - 1)), eh, team["A"])
        self.closed_case("outside", "Timeoutside", day(-(n + 1)), eh, team["A"])
        # Two contacts recorded and decided by FD2: one a day inside triage_grace_days, one a day outside.
        self.contact("triage_inside", "Timetriagein", day(-(g - 1)))
        self.contact("triage_outside", "Timetriageout", day(-(g + 1)))
        # The family the grants name: its only contact was decided long ago, so nobody has a footing on it.
        self.contact("grant", "Timegrant", day(-400))

    def family(self, key, surname, by):
        fid = self.add("family", name="%s household" % surname, source="access_time", created_by=by)
        child = self.add("person", given_name="Child", family_name=surname, given_key="child",
                         family_key=surname.lower(), date_of_birth="2016-03-04", sex="F", created_by=by)
        self.add("family_member", family_id=fid, person_id=child, role="child", created_by=by)
        self.rec[key] = {"family": fid, "person": child}
        return fid, child

    def closed_case(self, key, surname, end_date, agency, team_a):
        u = self.uid
        fid, _ = self.family(key, surname, u["L"])
        ep = self.add("episode", family_id=fid, start_date=day(-300), end_date=end_date, closure_reason="needs_met",
                      owning_team_id=team_a, lead_user_id=u["L"], created_by=u["L"])
        taf = self.add("episode_member", episode_id=ep, user_id=u["T"], agency_id=agency, taf_role="member",
                       from_date=day(-290), created_by=u["L"])
        note = self.add("case_note", episode_id=ep, note_type="visit", occurred_at=day(-200) + "T11:00:00Z",
                        body="Time: home visit.", created_by=u["L"])
        self.rec[key].update(episode=ep, note=note, end_date=end_date, taf_member=taf)

    def contact(self, key, surname, decided_on):
        u = self.uid
        fid, child = self.family(key, surname, u["FD2"])
        ct = self.add("contact", received_on=day(-420) if key == "grant" else decided_on, channel="phone",
                      contactor_type="professional", source_code="2A", reason="Time: worried about attendance.",
                      family_id=fid, decision="nfa", decision_date=decided_on, decided_by=u["FD2"],
                      created_by=u["FD2"])
        cc = self.add("contact_child", contact_id=ct, person_id=child, created_by=u["FD2"])
        self.rec[key].update(contact=ct, contact_child=cc, decided_on=decided_on)


# ---- talking to the server --------------------------------------------------------------------------------------

class Run:
    def __init__(self, hearth, council, check):
        self.hearth, self.c, self.check = hearth, council, check
        self.server, self.token, self.at = None, {}, None
        self.audit = None

    def start(self, at):
        """hearth serve on the council's database with HEARTH_NOW=at (the same database every time)."""
        if self.server:
            self.stop()
        saved = os.environ.get("HEARTH_NOW")
        os.environ["HEARTH_NOW"] = at
        try:
            self.server = api.Server(self.hearth, self.c.db)
        finally:
            if saved is None:
                del os.environ["HEARTH_NOW"]
            else:
                os.environ["HEARTH_NOW"] = saved
        self.at = at
        if self.audit is None:
            self.audit = testdb.connect(testdb.trail(self.c.db))  # the trail's own database file

    def stop(self):
        problem = self.server.stop()
        self.check(problem is None, "server_shutdown at %s" % self.at, problem)
        self.server = None

    def sign_in_all(self):
        for key, username, _, _, _ in USERS:
            if key == "FD2":
                continue
            try:
                api.sign_in(self.server.port, self.c.logins, username)
            except SystemExit as e:
                self.check(False, "sign_in %s" % username, str(e))
                continue
            self.token[key] = api.SESSION["token"]
            self.check(api.SESSION["user_id"] == self.c.uid[key], "sign_in %s" % username,
                       "signed in as user %s, expected %s" % (api.SESSION["user_id"], self.c.uid[key]))
        api.SESSION["token"] = None

    def call(self, who, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token.get(who, "missing")}
        raw = b""
        if body is not None:
            headers["Content-Type"] = "application/json"
            raw = json.dumps(body).encode()
        try:
            status, _, answer = api.request(self.server.port, method, path, headers, raw)
        except OSError as e:
            return 0, {"connection": str(e)}
        try:
            return status, json.loads(answer.decode("utf-8"))
        except ValueError:
            return status, None

    def max_seq(self):
        return self.audit.execute("SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()[0]

    def events(self, who, action, since, wait=3.0):
        """details (parsed) of the audit entries `who` caused with `action` after seq `since`; waits a little
        for the trail's writer, which commits in groups."""
        sql = "SELECT detail FROM audit_event WHERE seq > ? AND actor_user_id = ? AND action = ? ORDER BY seq"
        deadline = time.monotonic() + wait
        while True:
            rows = self.audit.execute(sql, (since, self.c.uid[who], action)).fetchall()
            if rows or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        out = []
        for (detail,) in rows:
            try:
                out.append(json.loads(detail) if detail else {})
            except ValueError:
                out.append({"unparsed": detail})
        return out

    def expect(self, name, who, path, allow, footing=None):
        """One read: allowed (200, and with footing: a `read` audit entry naming it) or 403 forbidden with a
        `denied` audit entry."""
        before = self.max_seq()
        status, doc = self.call(who, "GET", path)
        label = "%s %s GET %s (clock %s)" % (name, who, path, self.at)
        shown = json.dumps(doc)[:300]
        if allow:
            if status != 200:
                return self.check(False, label, "expected 200, got %d: %s" % (status, shown))
            if footing:
                seen = [d.get("footing") for d in self.events(who, "read", before)]
                if footing not in seen:
                    return self.check(False, label, "200, but no read audit entry with footing %r (footings %r)" %
                                      (footing, seen))
            return self.check(True, label)
        err = doc.get("error") if isinstance(doc, dict) and isinstance(doc.get("error"), dict) else {}
        if status != 403 or err.get("code") != "forbidden":
            return self.check(False, label, "expected 403 forbidden, got %d: %s" % (status, shown))
        if not self.events(who, "denied", before):
            return self.check(False, label, "403, but no denied audit entry for %s after seq %d" % (who, before))
        return self.check(True, label)

    def setting(self, name, value):
        status, doc = self.call("ADMIN", "PATCH", "/api/v1/settings/" + name, {"value": value})
        ok = status == 200 and isinstance(doc, dict) and doc.get("value") == value
        return self.check(ok, "item_1_setting %s = %d" % (name, value),
                          "PATCH answered %d: %s" % (status, json.dumps(doc)[:300]))


# ---- the checks -------------------------------------------------------------------------------------------------

def case_reads(rec):
    return ["/api/v1/families/%d" % rec["family"], "/api/v1/people/%d" % rec["person"],
            "/api/v1/episodes/%d" % rec["episode"], "/api/v1/notes/%d" % rec["note"]]


def contact_reads(rec):
    return ["/api/v1/contacts/%d" % rec["contact"], "/api/v1/contacts/%d/children" % rec["contact"],
            "/api/v1/children/%d" % rec["contact_child"]]


def closed_case(r, name, rec, allow, who=("L", "T", "M")):
    footing = {"L": "lead", "T": "taf", "M": "team_manager"}
    for k in who:
        for path in case_reads(rec):
            r.expect(name, k, path, allow, footing[k] if allow else None)


def triage(r, name, rec, allow):
    for path in contact_reads(rec):
        r.expect(name, "FD", path, allow, "front_door" if allow else None)


def grant(r, kind, path, body, check, hours):
    """POST a grant at the current clock; (its id, its expires_at) or (None, None)."""
    who = "PB" if kind == "break_glass" else "G"
    status, doc = r.call(who, "POST", path, body)
    ok = status == 201 and isinstance(doc, dict) and doc.get("kind") == kind
    name = "item_1_%s_granted" % ("break_glass" if kind == "break_glass" else "duty")
    if not check(ok, "%s %s POST %s" % (name, who, path), "answered %d: %s" % (status, json.dumps(doc)[:300])):
        return None
    want = instant(hours)
    got = doc.get("expires_at")
    check(got == want or (isinstance(got, str) and abs(
        (datetime.datetime.strptime(got, ISO) - datetime.datetime.strptime(want, ISO)).total_seconds()) < 120),
        "%s_expires_at %s" % (name, who), "expires_at %r, expected %s (the server's clock plus %d hours)" %
        (got, want, hours))
    return doc.get("id")


def run_checks(r, check, rec, limits):
    """Every check, against one server restarted at moved clocks (the last one is left running)."""
    n, g, bg, duty = (limits[k] for k in LIMITS)
    r.start(api.TEST_NOW)
    r.sign_in_all()
    # The server reports the limits the fixture was built from.
    status, doc = r.call("ADMIN", "GET", "/api/v1/settings")
    served = {it.get("name"): it.get("value") for it in (doc or {}).get("items", [])} if status == 200 else {}
    check(all(served.get(k) == limits[k] for k in LIMITS), "item_1_settings_served",
          "GET /api/v1/settings answered %d: %s" % (status, json.dumps(doc)[:300]))

    # closed_case_days: the lead, a TAF member and the owning team's manager, a day inside and a day outside.
    closed_case(r, "item_1_closed_case_days_day_before", rec["inside"], True)
    closed_case(r, "item_1_closed_case_days_day_after", rec["outside"], False)
    # triage_grace_days: the front door, a day inside and a day outside.
    triage(r, "item_1_triage_grace_days_day_before", rec["triage_inside"], True)
    triage(r, "item_1_triage_grace_days_day_after", rec["triage_outside"], False)

    # The settings move the boundaries, at once.
    fam = "/api/v1/families/%d"
    if r.setting("closed_case_days", n + 2):
        closed_case(r, "item_1_closed_case_days_setting_widened", rec["outside"], True)
    if r.setting("closed_case_days", max(n - 2, 0)):
        closed_case(r, "item_1_closed_case_days_setting_narrowed", rec["inside"], False, who=("L",))
    if r.setting("closed_case_days", n):
        r.expect("item_1_closed_case_days_setting_restored", "L", fam % rec["inside"]["family"], True, "lead")
        r.expect("item_1_closed_case_days_setting_restored", "L", fam % rec["outside"]["family"], False)
    if r.setting("triage_grace_days", g + 2):
        triage(r, "item_1_triage_grace_days_setting_widened", rec["triage_outside"], True)
    if r.setting("triage_grace_days", max(g - 2, 0)):
        r.expect("item_1_triage_grace_days_setting_narrowed", "FD", "/api/v1/contacts/%d" %
                 rec["triage_inside"]["contact"], False)
    r.setting("triage_grace_days", g)

    # Issue 13: the server remembers footings across requests; a change that removes one is seen by the very next
    # request. T reads the case twice (the second from what the server remembers), the lead ends T's place on the
    # Team Around the Family through the API, and T's next read is refused.
    inside = rec["inside"]
    for _ in range(2):
        r.expect("issue_13_taf_footing_before_change", "T", fam % inside["family"], True, "taf")
    status, doc = r.call("L", "PATCH", "/api/v1/taf-members/%d" % inside["taf_member"], {"to_date": day(-n)})
    if check(status == 200, "issue_13_taf_member_ended L PATCH /api/v1/taf-members/%d" % inside["taf_member"],
             "answered %d: %s" % (status, json.dumps(doc)[:300])):
        for path in case_reads(inside):
            r.expect("issue_13_taf_footing_revoked_at_once", "T", path, False)
        r.expect("issue_13_lead_footing_kept", "L", fam % inside["family"], True, "lead")

    # Break glass and a duty on the grant family: refused without them, granted now, then the server is
    # restarted with its clock moved to an hour before and an hour after each expiry.
    gpath = fam % rec["grant"]["family"]
    r.expect("item_1_break_glass_none", "PB", gpath, False)
    r.expect("item_1_duty_none", "G", gpath, False)
    glass = grant(r, "break_glass", "/api/v1/access/break-glass",
                  {"family_id": rec["grant"]["family"], "reason": "serious_risk_of_harm",
                   "explanation": "Time: the police report a child at serious risk tonight."}, check, bg)
    held = grant(r, "duty", "/api/v1/access/duties",
                 {"family_id": rec["grant"]["family"], "purpose": "subject_access",
                  "explanation": "Time: subject access request from the family."}, check, duty)
    if glass:
        r.expect("item_1_break_glass_live", "PB", gpath, True, "break_glass")
    if held:
        r.expect("item_1_duty_live", "G", gpath, True, "duty")
    steps = sorted([(bg - 1, "break_glass", "live", glass), (bg + 1, "break_glass", "expired", glass),
                    (duty - 1, "duty", "live", held), (duty + 1, "duty", "expired", held)])
    for hours, kind, state, gid in steps:
        if gid is None:
            continue
        r.start(instant(hours))
        who = "PB" if kind == "break_glass" else "G"
        r.expect("item_1_%s_%s_%+dh" % (kind, state, hours - (bg if kind == "break_glass" else duty)), who, gpath,
                 state == "live", kind if state == "live" else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True, help="path to the hearth program")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    args = ap.parse_args()
    hearth = os.path.abspath(args.hearth)
    tmp = tempfile.mkdtemp(prefix="hearth-access-time-")
    check = Checks()
    council = Council(hearth, tmp)
    limits = council.settings()
    missing = [n for n in LIMITS if n not in limits]
    if missing:
        raise SystemExit("access_time: the setting table lacks %s" % ", ".join(missing))
    n, g, bg, duty = (limits[k] for k in LIMITS)
    council.build(limits)
    print("# clock %s; closed_case_days %d, triage_grace_days %d, break_glass_hours %d, duty_hours %d" %
          (api.TEST_NOW, n, g, bg, duty))
    for key, username, role, _, what in USERS:
        print("# %-5s %-13s %-12s %s" % (key, username, role, what))
    rec = council.rec
    print("# closed %s (inside) and %s (outside); contacts decided %s (inside) and %s (outside)" % (
        rec["inside"]["end_date"], rec["outside"]["end_date"], rec["triage_inside"]["decided_on"],
        rec["triage_outside"]["decided_on"]))

    r = Run(hearth, council, check)
    try:
        run_checks(r, check, rec, limits)
    except BaseException:
        if r.server and r.server.alive():   # never leave a server behind
            r.server.proc.kill()
        raise

    alive = r.server.alive()
    check(alive, "server_alive", "the server exited (status %s)\n    %s" % (
        r.server.proc.returncode, "\n    ".join(r.server.log[-20:])))
    log = r.server.log
    if alive:
        r.stop()
    v = subprocess.run([hearth, "audit", "verify", "--db", council.db, "--public-key", testdb.pubkey(council.db)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(v.returncode == 0, "audit_verify", "exited %d: %s %s" % (v.returncode, v.stdout.decode().strip(),
                                                                   v.stderr.decode().strip()))
    r.audit.close()
    council.con.close()
    if args.keep:
        with open(os.path.join(tmp, "server.log"), "w", encoding="utf-8") as f:
            f.write("\n".join(log) + "\n")
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d passed, %d failed" % (testdb.suite("access_time"), check.passed, check.failed))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
