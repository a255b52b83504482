#!/usr/bin/env python3
"""gov_admin.py — the governance and administration pages (/governance, /admin) over HTTP, against a real server.

    tests/web/gov_admin.py --hearth build/hearth [--keep]

Builds the demo council of tests/api/run.py (its break-glass access waiting for review), adds a suggested match
between two of its people, and checks, as a browser with JavaScript off would use the pages: who may open each
page; the break-glass review and the match decision (every error of the form, CSRF, the change made and audited
as the API makes it); the evidence drawn as a waterfall chart with the same figures in a table; a person's access
report; the administrator adding a user (whose one-time password and authenticator key then sign in), changing a
role, disabling, enabling and resetting an account, and changing a setting within its bounds; nobody changing
their own account; teams and agencies listed, added and changed
(every error of their forms, CSRF, who may not, the same audit events as the API's); hostile text shown as text. Prints one line per check and `webgov: N passed, N failed`.
Python 3 standard library only; reuses tests/web/run.py's Browser and sign-in.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import testdb  # noqa: E402  (the test database on either back end)
_spec = importlib.util.spec_from_file_location("web_run", os.path.join(HERE, "run.py"))
web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web)
api = web.api

RESULTS = []
EVIL = web.EVIL_TEXT


def check(name, ok, why=""):
    RESULTS.append(bool(ok))
    print(("ok " if ok else "FAIL ") + name + ("" if ok or not why else ": " + str(why)[:600]))
    return ok


def rows(db, sql, args=()):
    con = testdb.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def one(db, sql, args=()):
    r = rows(db, sql, args)
    return r[0][0] if r else None


EVIDENCE = {"prior": -9.5, "comparisons": [
    {"comparison": "given_name", "level": "exact", "contribution": 6.25},
    {"comparison": "family_name", "level": "exact", "contribution": 5.5},
    {"comparison": "date_of_birth", "level": "different", "contribution": -3.0},
    {"comparison": "sex", "level": "same", "contribution": 1.25}]}


def suggest_pair(db):
    """A pending suggestion between two of the demo's people (as a person-index run leaves one)."""
    con = testdb.connect(db)
    try:
        a, b = [r[0] for r in con.execute("SELECT id FROM person ORDER BY id LIMIT 2")]
        now = api.TEST_NOW
        run = con.execute("INSERT INTO link_run (kind, started_at, finished_at, people, records, candidate_pairs, "
                          "linked, queued, kept) VALUES ('index', ?, ?, 2, 0, 1, 0, 1, 1)", (now, now)).lastrowid
        weight = EVIDENCE["prior"] + sum(c["contribution"] for c in EVIDENCE["comparisons"])
        pair = con.execute("INSERT INTO match_pair (pair_key, kind, run_id, person_id, other_person_id, "
                           "match_weight, probability, suggestion, evidence, created_at, updated_at) "
                           "VALUES (?, 'index', ?, ?, ?, ?, 0.9, 'review', ?, ?, ?)",
                           ("p:%d:%d" % (a, b), run, a, b, weight, json.dumps(EVIDENCE), now, now)).lastrowid
        con.commit()
        return pair
    finally:
        con.close()


def errors_of(html):
    return (re.findall(r'<li><a href="#([\w-]+)">', html),
            re.findall(r'<p id="([\w-]+)-error" class="govuk-error-message">', html))


def api_sign_in(port, username, password, secret):
    st, _, raw = api.request(port, "POST", "/api/v1/session", {"Content-Type": "application/json",
                                                                "Authorization": "none"},
                             json.dumps({"username": username, "password": password,
                                         "totp": api.fresh_totp(secret)}).encode())
    return st


def audit_actions(db, since, table):
    return [r[0] for r in rows(testdb.trail(db), "SELECT action FROM audit_event WHERE seq > ? AND target_table = ? "
                                         "ORDER BY seq", (since, table))]


def governance(port, db, logins, users):
    b = web.Browser(port)
    web.sign_in(b, logins, "governance1")
    st, _, html = b.go("GET", "/governance")
    check("governance opens /governance", st == 200, st)
    web.page_shape("the governance page", html, "Information governance \u2013 Hearth")
    for anchor in ("break-glass", "matches", "requests", "breaches", "access-report"):
        check("... with its section #%s" % anchor, 'id="%s"' % anchor in html)
    grant = one(db, "SELECT id FROM access_grant WHERE kind = 'break_glass' AND review_outcome IS NULL")
    who = one(db, "SELECT u.display_name FROM access_grant g JOIN app_user u ON u.id = g.user_id WHERE g.id = ?",
              (grant,))
    check("the break-glass queue names who broke glass, not their id", who and who in html, who)
    check("... and links to the review", 'href="/governance/reviews/%d"' % grant in html)

    # the review: every error, the CSRF token, then the review recorded and audited as the API records it
    st, _, form = b.go("GET", "/governance/reviews/%d" % grant)
    check("the review page renders with its form", st == 200 and 'name="outcome"' in form, st)
    token = web.hidden_csrf(form)
    st, _, _ = b.go("POST", "/governance/reviews/%d" % grant, {"outcome": "justified", "note": "x"})
    check("a review without the form's token is refused 403", st == 403, st)
    st, _, html = b.go("POST", "/governance/reviews/%d" % grant, {"csrf_token": token, "note": ""})
    summary, inline = errors_of(html)
    check("an empty review shows both errors, in the summary and beside each field",
          st == 400 and summary == ["outcome", "note"] and inline == ["outcome", "note"], (st, summary, inline))
    st, _, html = b.go("POST", "/governance/reviews/%d" % grant, {"csrf_token": token, "outcome": "not-a-code",
                                                                  "note": "Checked."})
    check("an outcome outside the code list is an error of the form", st == 400 and errors_of(html)[0] == ["outcome"],
          st)
    check("... and nothing is recorded", one(db, "SELECT review_outcome FROM access_grant WHERE id = ?", (grant,))
          is None)
    outcome = one(db, "SELECT code FROM ref_code WHERE list = 'break_glass_outcome' ORDER BY code LIMIT 1")
    seq = web.audit_seq(db)
    st, h, _ = b.go("POST", "/governance/reviews/%d" % grant, {"csrf_token": token, "outcome": outcome,
                                                               "note": "Checked the call log. " + EVIL})
    check("the review is recorded and the page goes back to the queue",
          st == 303 and h.get("location", "").startswith("/governance"), (st, h.get("location")))
    got = rows(db, "SELECT review_outcome, review_note, reviewed_by FROM access_grant WHERE id = ?", (grant,))[0]
    check("... with its outcome, note and reviewer", got == (outcome, "Checked the call log. " + EVIL,
                                                              users["governance1"]), got)
    check("... and a 'review' audit event as the API writes", "review" in audit_actions(db, seq, "access_grant"))
    st, _, html = b.go("GET", "/governance/reviews/%d" % grant)
    check("a reviewed access shows its outcome and no form", st == 200 and 'name="outcome"' not in html, st)
    check("... the hostile note as text", web.EVIL not in html)

    # the match review: both sides, the waterfall and the table, then the decision
    pair = suggest_pair(db)
    st, _, html = b.go("GET", "/governance")
    check("the pending suggestion is listed", 'href="/governance/match-reviews/%d"' % pair in html)
    st, _, html = b.go("GET", "/governance/match-reviews/%d" % pair)
    check("the suggestion page renders", st == 200, st)
    svg = re.search(r"<svg[^>]*>(.*?)</svg>", html, re.S)
    check("the evidence is drawn as an SVG waterfall", bool(svg))
    if svg:
        bars = re.findall(r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"', svg.group(1))
        check("... one bar for the prior, one per comparison and one for the total",
              len(bars) == len(EVIDENCE["comparisons"]) + 2, len(bars))
        check("... a green bar for agreement and a red one for disagreement",
              svg.group(1).count('fill="#00703c"') == 3 and svg.group(1).count('fill="#d4351c"') == 1)
        widths = [float(w) for _, _, w in bars]
        steps = [abs(EVIDENCE["prior"])] + [abs(c["contribution"]) for c in EVIDENCE["comparisons"]]
        ratio = [w / s for w, s in zip(widths, steps)]
        check("... each bar as long as its weight (one scale for all)", max(ratio) - min(ratio) < 0.05, ratio)
    for c in EVIDENCE["comparisons"]:
        check("the table beside it gives %s's weight" % c["comparison"], "%+.2f" % c["contribution"] in html)
    token = web.hidden_csrf(html)
    st, _, html = b.go("POST", "/governance/match-reviews/%d" % pair, {"csrf_token": token})
    summary, inline = errors_of(html)
    check("an empty decision shows both errors", st == 400 and summary == ["decision", "reason"], (st, summary))
    seq = web.audit_seq(db)
    st, h, _ = b.go("POST", "/governance/match-reviews/%d" % pair, {"csrf_token": token, "decision": "different",
                                                                    "reason": "Different dates of birth."})
    check("the decision is recorded", st == 303 and one(db, "SELECT state FROM match_pair WHERE id = ?", (pair,))
          == "different", st)
    check("... and audited as the API audits it", "update" in audit_actions(db, seq, "match_pair"))

    # the access report: a bad number is an error of the form; a good one is recorded before it is shown
    st, _, html = b.go("GET", "/governance/access-report?person=abc")
    check("an access report for 'abc' asks for a number", st == 400 and errors_of(html)[0] == ["person"], st)
    person = one(db, "SELECT id FROM person ORDER BY id LIMIT 1")
    seq = web.audit_seq(db)
    st, _, html = b.go("GET", "/governance/access-report?person=%d" % person)
    check("a person's access report renders", st == 200 and "<table" in html, st)
    check("... and asking for it is itself in the trail", "access_report" in audit_actions(db, seq, "person"))

    # who may not
    for user, path in (("practitioner.n1", "/governance"), ("admin", "/governance"),
                       ("practitioner.n1", "/governance/access-report?person=%d" % person)):
        o = web.Browser(port)
        web.sign_in(o, logins, user)
        st, _, html = o.go("GET", path)
        check("%s is refused %s with a page" % (user, path), st == 403 and "<h1" in html, st)


def idle(port, db, logins):
    """The idle warning's parts: on every signed-in page, hidden until hearth-init.js shows it; /session/alive."""
    b = web.Browser(port)
    st, h, _ = b.go("GET", "/session/alive")
    check("signed out, /session/alive sends to /sign-in", st == 303 and h.get("location") == "/sign-in", st)
    web.sign_in(b, logins, "governance1")
    _, _, html = b.go("GET", "/governance")
    m = re.search(r'<div class="govuk-notification-banner" id="hearth-idle"[^>]*data-idle-seconds="(\d+)" '
                  r'data-warn-seconds="(\d+)" hidden>', html)
    check("a signed-in page carries the idle warning, hidden, with the time-out and the warning's lead",
          m and int(m.group(1)) == 1800 and 0 < int(m.group(2)) < int(m.group(1)), m and m.groups())
    check("... and its button to stay signed in", 'id="hearth-idle-stay"' in html)
    before = one(db, "SELECT max(last_seen_at) FROM session WHERE user_id = (SELECT id FROM app_user WHERE "
                     "username = 'governance1')")
    st, _, body = b.go("GET", "/session/alive")
    check("signed in, /session/alive answers 204 with nothing", st == 204 and body == "", st)
    after = one(db, "SELECT max(last_seen_at) FROM session WHERE user_id = (SELECT id FROM app_user WHERE "
                    "username = 'governance1')")
    check("... and the session's last use is now", after is not None and after >= before, (before, after))
    _, _, html = web.Browser(port).go("GET", "/sign-in")
    check("the sign-in page has no idle warning", 'id="hearth-idle"' not in html)


def admin(port, db, logins, users):
    b = web.Browser(port)
    web.sign_in(b, logins, "admin")
    st, _, html = b.go("GET", "/admin")
    check("the administrator opens /admin", st == 200, st)
    web.page_shape("the administration page", html, "Administration \u2013 Hearth")
    for anchor in ("users", "teams", "agencies", "settings"):
        check("... with its section #%s" % anchor, 'id="%s"' % anchor in html)
    check("... listing every user by username", all(u in html for u in ("practitioner.n1", "governance1", "dpo")))
    # a new account: every error, then made, and its one-time credentials sign in
    st, _, form = b.go("GET", "/admin/users/new")
    token = web.hidden_csrf(form)
    st, _, html = b.go("POST", "/admin/users/new", {"csrf_token": token, "username": "", "name": "", "team": "x"})
    summary, inline = errors_of(html)
    check("an empty new-user form shows every error", st == 400 and summary == ["username", "name", "role", "team"],
          (st, summary))
    check("... each beside its field", inline == ["username", "name", "role", "team"], inline)
    st, _, html = b.go("POST", "/admin/users/new", {"csrf_token": token, "username": "practitioner.n1",
                                                    "name": "Dup", "role": "practitioner"})
    check("a username already taken is an error of the form", st == 400 and "already exists" in html, st)
    team = one(db, "SELECT id FROM team WHERE name = 'Early Help North'")
    st, _, html = b.go("POST", "/admin/users/new", {"csrf_token": token, "username": "sam.new", "name": EVIL,
                                                    "role": "practitioner", "team": str(team)})
    check("a new user is added", st == 200 and one(db, "SELECT role FROM app_user WHERE username = 'sam.new'")
          == "practitioner", st)
    pw = re.search(r"Password</dt>\s*<dd[^>]*>([^<]+)</dd>", html)
    key = re.search(r"Authenticator app key</dt>\s*<dd[^>]*>([A-Z2-7]+)</dd>", html)
    codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", html)
    check("... its one-time password, authenticator key and ten recovery codes are shown once",
          pw and key and len(codes) == 10, (bool(pw), bool(key), len(codes)))
    check("... the hostile name shown as text", web.EVIL not in html)
    new_id = one(db, "SELECT id FROM app_user WHERE username = 'sam.new'")
    check("... and the password is kept only as a hash", pw and one(db, "SELECT count(*) FROM app_user WHERE "
                                                                     "password_hash LIKE ?", ("%" + pw.group(1) + "%",)) == 0)
    if pw and key:
        check("the new user signs in with them", api_sign_in(port, "sam.new", pw.group(1), key.group(1)) == 201)
    st, _, html = b.go("GET", "/admin")
    check("the user list shows the hostile name as text", st == 200 and web.EVIL not in html and
          "&lt;script&gt;" in html)
    # role, disable, enable, reset: each audited under the command line's names, each ending sessions
    seq = web.audit_seq(db)
    st, _, page = b.go("GET", "/admin/users/%d" % new_id)
    token = web.hidden_csrf(page)
    st, _, _ = b.go("POST", "/admin/users/%d" % new_id, {"csrf_token": token, "change": "role",
                                                         "role": "team_manager", "team": str(team)})
    check("the role is changed", st == 303 and one(db, "SELECT role FROM app_user WHERE id = ?", (new_id,))
          == "team_manager", st)
    st, _, _ = b.go("POST", "/admin/users/%d" % new_id, {"csrf_token": token, "change": "disable"})
    check("the account is disabled", st == 303 and one(db, "SELECT disabled FROM app_user WHERE id = ?", (new_id,))
          == 1, st)
    if pw and key:
        check("... and cannot sign in", api_sign_in(port, "sam.new", pw.group(1), key.group(1)) != 201)
    st, _, _ = b.go("POST", "/admin/users/%d" % new_id, {"csrf_token": token, "change": "enable"})
    check("the account is enabled again", st == 303 and one(db, "SELECT disabled FROM app_user WHERE id = ?",
                                                            (new_id,)) == 0, st)
    st, _, html = b.go("POST", "/admin/users/%d" % new_id, {"csrf_token": token, "change": "reset",
                                                            "second_factor": "no"})
    pw2 = re.search(r"Password</dt>\s*<dd[^>]*>([^<]+)</dd>", html)
    check("a reset shows a new one-time password", st == 200 and pw2 and (not pw or pw2.group(1) != pw.group(1)), st)
    if pw and pw2 and key:
        check("... the old password no longer signs in", api_sign_in(port, "sam.new", pw.group(1), key.group(1))
              != 201)
        check("... the new one does", api_sign_in(port, "sam.new", pw2.group(1), key.group(1)) == 201)
    got = [r[0] for r in rows(testdb.trail(db), "SELECT action FROM audit_event WHERE seq > ? AND target_table = "
                                             "'app_user' AND target_id = ? AND action LIKE 'user_%' ORDER BY seq",
                              (seq, new_id))]
    check("each change is in the audit trail as the command line records it",
          got == ["user_role", "user_disable", "user_enable", "user_reset"], got)
    # nobody changes their own account
    me = users["admin"]
    st, _, html = b.go("GET", "/admin/users/%d" % me)
    check("the administrator's own page offers no change", st == 200 and 'name="change"' not in html, st)
    st, _, html = b.go("POST", "/admin/users/%d" % me, {"csrf_token": token, "change": "role", "role": "governance"})
    check("... and a forged change to oneself is refused", st == 400 and
          one(db, "SELECT role FROM app_user WHERE id = ?", (me,)) == "admin", st)
    # a setting within its bounds
    st, _, html = b.go("GET", "/admin/settings/break_glass_hours")
    check("a setting's page renders", st == 200 and 'name="value"' in html, st)
    st, _, html = b.go("POST", "/admin/settings/break_glass_hours", {"csrf_token": token, "value": "500"})
    check("a value past the setting's bounds is an error of the form", st == 400 and
          errors_of(html)[0] == ["value"] and one(db, "SELECT value FROM setting WHERE name = 'break_glass_hours'")
          != 500, st)
    st, _, html = b.go("POST", "/admin/settings/break_glass_hours", {"csrf_token": token, "value": "ten"})
    check("a value that is not a number is an error of the form", st == 400, st)
    st, _, _ = b.go("POST", "/admin/settings/break_glass_hours", {"csrf_token": token, "value": "48"})
    check("a value within bounds is saved", st == 303 and
          one(db, "SELECT value FROM setting WHERE name = 'break_glass_hours'") == 48, st)
    # who may not
    for user in ("governance1", "practitioner.n1", "analyst1"):
        o = web.Browser(port)
        web.sign_in(o, logins, user)
        st, _, html = o.go("GET", "/admin")
        check("%s is refused /admin with a page" % user, st == 403 and "<h1" in html, st)


def directory(port, db, logins, users):
    """Teams and agencies: listed on /admin, added and changed through the API's own writes."""
    b = web.Browser(port)
    web.sign_in(b, logins, "admin")
    st, _, html = b.go("GET", "/admin")
    team = one(db, "SELECT id FROM team WHERE name = 'Early Help North'")
    agency = one(db, "SELECT agency_id FROM team WHERE id = ?", (team,))
    check("/admin lists the teams, each linking to its page", 'href="/admin/teams/%d"' % team in html and
          "Early Help North" in html)
    check("... and the agencies, each linking to its page", 'href="/admin/agencies/%d"' % agency in html)
    check("... with buttons to add a team and an agency", 'href="/admin/teams/new"' in html and
          'href="/admin/agencies/new"' in html)
    teams, agencies = one(db, "SELECT count(*) FROM team"), one(db, "SELECT count(*) FROM agency")

    def unchanged():
        return (one(db, "SELECT count(*) FROM team"), one(db, "SELECT count(*) FROM agency")) == (teams, agencies)

    st, _, form = b.go("GET", "/admin/teams/new")
    check("the new-team form renders with the session's token", st == 200 and web.hidden_csrf(form), st)
    token = web.hidden_csrf(form)
    good_team = {"name": "Early Help Coast", "agency_id": str(agency), "kind": "early_help"}
    st, _, _ = b.go("POST", "/admin/teams/new", dict(good_team))
    check("a new team without the form's token is refused 403, nothing added", st == 403 and unchanged(), st)
    st, _, _ = b.go("POST", "/admin/teams/new", dict(good_team, csrf_token="x" * 43))
    check("... and with a wrong token too", st == 403 and unchanged(), st)
    st, _, html = b.go("POST", "/admin/teams/new", {"csrf_token": token})
    summary, inline = errors_of(html)
    check("an empty new-team form shows every error", st == 400 and summary == ["name", "agency_id", "kind"],
          (st, summary))
    check("... each beside its field", inline == ["name", "agency_id", "kind"], inline)
    check("... titled as an error", "<title>Error:" in html)
    st, _, html = b.go("POST", "/admin/teams/new", dict(good_team, csrf_token=token, agency_id="abc", kind="king"))
    check("an agency that is not a number and a kind not in the list are errors of the form",
          st == 400 and errors_of(html)[0] == ["agency_id", "kind"] and unchanged(), (st, errors_of(html)))
    st, _, html = b.go("POST", "/admin/teams/new", dict(good_team, csrf_token=token, agency_id="999999"))
    check("an agency that does not exist is the model's error beside the field",
          st == 400 and errors_of(html)[0] == ["agency_id"] and unchanged(), (st, errors_of(html)))
    st, _, html = b.go("POST", "/admin/teams/new", dict(good_team, csrf_token=token, name="n" * 300))
    check("a name longer than the model allows is its error beside the name",
          st == 400 and errors_of(html)[0] == ["name"] and unchanged(), (st, errors_of(html)))

    # the agency form: empty, a type outside the code list
    st, _, form = b.go("GET", "/admin/agencies/new")
    check("the new-agency form renders, its types from the code list", st == 200 and 'value="school"' in form, st)
    st, _, html = b.go("POST", "/admin/agencies/new", {"csrf_token": token})
    summary, inline = errors_of(html)
    check("an empty new-agency form shows every error", st == 400 and summary == ["name", "agency_type"] and
          inline == ["name", "agency_type"], (st, summary, inline))
    st, _, html = b.go("POST", "/admin/agencies/new", {"csrf_token": token, "name": "X", "agency_type": "castle"})
    check("a type outside the code list is the model's error beside the field",
          st == 400 and errors_of(html)[0] == ["agency_type"] and unchanged(), (st, errors_of(html)))
    st, _, _ = b.go("POST", "/admin/agencies/new", {"name": "X", "agency_type": "school"})
    check("a new agency without the form's token is refused 403, nothing added", st == 403 and unchanged(), st)

    # added: the hostile name as text, the banner, the same audit events as the API's
    seq = web.audit_seq(db)
    st, h, _ = b.go("POST", "/admin/agencies/new", {"csrf_token": token, "name": EVIL, "agency_type": "school"})
    new_agency = one(db, "SELECT id FROM agency WHERE name = ?", (EVIL,))
    check("an agency is added and the page goes to it", st == 303 and new_agency and
          h.get("location") == "/admin/agencies/%s?done=added" % new_agency, (st, h.get("location")))
    page_events = [e[:3] + e[4:] for e in web.audit_since(db, seq)]
    st, _, html = b.go("GET", "/admin/agencies/%s?done=added" % new_agency)
    check("... with a success banner", st == 200 and "The agency has been added" in html and
          "govuk-notification-banner--success" in html, st)
    check("... the hostile name shown as text", web.EVIL not in html and "&lt;script&gt;" in html)
    st, _, html = b.go("GET", "/admin")
    check("... and in the list as text", web.EVIL not in html and 'href="/admin/agencies/%s"' % new_agency in html)
    tok = web.api_token(port, logins, "admin")
    seq = web.audit_seq(db)
    st, _, _ = api.request(port, "POST", "/api/v1/agencies", {"Authorization": "Bearer " + tok,
                                                               "Content-Type": "application/json"},
                           json.dumps({"name": EVIL, "agency_type": "school"}).encode())
    api_events = [e[:3] + e[4:] for e in web.audit_since(db, seq)]
    check("the page writes the audit events POST /api/v1/agencies writes", st == 201 and page_events and
          page_events == api_events, (st, page_events, api_events))
    agencies += 2

    seq = web.audit_seq(db)
    st, h, _ = b.go("POST", "/admin/teams/new", dict(good_team, csrf_token=token, agency_id=str(new_agency)))
    m = re.fullmatch(r"/admin/teams/(\d+)\?done=added", h.get("location", ""))
    new_team = int(m.group(1)) if m else 0
    check("a team is added in the new agency", st == 303 and new_team and
          rows(db, "SELECT agency_id, kind FROM team WHERE id = ?", (new_team,)) == [(new_agency, "early_help")],
          (st, h.get("location")))
    page_events = [e[:3] + e[4:] for e in web.audit_since(db, seq)]
    seq = web.audit_seq(db)
    st, _, _ = api.request(port, "POST", "/api/v1/teams", {"Authorization": "Bearer " + tok,
                                                            "Content-Type": "application/json"},
                           json.dumps({"name": "Early Help Coast", "agency_id": new_agency,
                                       "kind": "early_help"}).encode())
    api_events = [e[:3] + e[4:] for e in web.audit_since(db, seq)]
    check("the page writes the audit events POST /api/v1/teams writes", st == 201 and page_events and
          page_events == api_events, (st, page_events, api_events))
    teams += 2

    # changed: the form holds the record; a change is saved, a stale one refused
    st, _, form = b.go("GET", "/admin/teams/%d" % new_team)
    check("the team's page holds its name, agency and kind", st == 200 and 'value="Early Help Coast"' in form and
          re.search(r'value="early_help"[^>]*checked', form), st)
    version = re.search(r'name="version" value="(\d+)"', form)
    seq = web.audit_seq(db)
    st, h, _ = b.go("POST", "/admin/teams/%d" % new_team, dict(good_team, csrf_token=token, name="Early Help South",
                                                                agency_id=str(new_agency),
                                                                version=version.group(1) if version else ""))
    check("the team is changed and the page says so", st == 303 and h.get("location", "").endswith("?done=saved")
          and one(db, "SELECT name FROM team WHERE id = ?", (new_team,)) == "Early Help South", st)
    check("... with an 'update' event as PATCH /api/v1/teams writes",
          [e[1:3] for e in web.audit_since(db, seq)] == [("update", "team")], web.audit_since(db, seq))
    st, _, html = b.go("POST", "/admin/teams/%d" % new_team, dict(good_team, csrf_token=token, name="Stale",
                                                                   agency_id=str(new_agency),
                                                                   version=version.group(1) if version else ""))
    check("a change from a form read before that change is refused as an error of the form", st == 400 and
          "Someone else changed this record" in html and
          one(db, "SELECT name FROM team WHERE id = ?", (new_team,)) == "Early Help South", st)
    again = re.search(r'name="version" value="(\d+)"', html)
    check("... the form now carrying the version stored", again and version and
          int(again.group(1)) == int(version.group(1)) + 1, again and again.group(1))
    st, _, html = b.go("POST", "/admin/teams/%d" % new_team, {"csrf_token": token, "name": "", "kind": "early_help",
                                                               "agency_id": str(new_agency)})
    check("an emptied name is an error of the form", st == 400 and errors_of(html)[0] == ["name"], st)
    st, _, html = b.go("POST", "/admin/agencies/%s" % new_agency, {"csrf_token": token, "name": "Renamed",
                                                                   "agency_type": "castle"})
    check("an agency changed to a type outside the list is refused beside the field", st == 400 and
          errors_of(html)[0] == ["agency_type"] and one(db, "SELECT name FROM agency WHERE id = ?",
                                                         (new_agency,)) == EVIL, st)
    st, _, _ = b.go("GET", "/admin/teams/999999")
    check("a team that does not exist is 404", st == 404, st)

    # who may not: everyone signed in reads the directory, only the administrator changes it
    for user in ("practitioner.n1", "governance1"):
        o = web.Browser(port)
        web.sign_in(o, logins, user)
        st, _, home = o.go("GET", "/")
        theirs = web.hidden_csrf(home)
        st, _, html = o.go("GET", "/admin/teams/new")
        check("%s is refused the new-team form with a page" % user, st == 403 and "<h1" in html, st)
        st, _, _ = o.go("POST", "/admin/teams/new", dict(good_team, csrf_token=theirs, name="Mine"))
        check("... and refused 403 adding a team, nothing added", theirs and st == 403 and unchanged(), st)
        st, _, _ = o.go("POST", "/admin/agencies/%s" % new_agency, {"csrf_token": theirs, "name": "Mine",
                                                                    "agency_type": "school"})
        check("... and refused 403 changing an agency, nothing changed", st == 403 and
              one(db, "SELECT name FROM agency WHERE id = ?", (new_agency,)) == EVIL, st)


def api_users(port, db, logins, users):
    """The same account changes through the API: what the pages call, with JSON's own errors."""
    token = web.api_token(port, logins, "admin")

    def call(method, path, body):
        st, _, raw = api.request(port, method, path, {"Authorization": "Bearer " + token,
                                                      "Content-Type": "application/json"},
                                 json.dumps(body).encode())
        return st, (json.loads(raw) if raw else None)
    st, doc = call("POST", "/api/v1/users", {"username": "api.new", "display_name": "Api New", "role": "analyst"})
    creds = (doc or {}).get("credentials", {})
    check("POST /api/v1/users adds an account with one-time credentials",
          st == 201 and creds.get("password") and len(creds.get("recovery_codes", [])) == 10, (st, doc))
    check("... which sign in", st == 201 and api_sign_in(port, "api.new", creds["password"],
                                                         creds["totp_secret"]) == 201)
    st, doc = call("POST", "/api/v1/users", {"username": "x", "display_name": "X", "role": "analyst"})
    check("a username too short is refused 422 and nothing is added", st == 422 and
          one(db, "SELECT count(*) FROM app_user WHERE username = 'x'") == 0, st)
    st, doc = call("POST", "/api/v1/users", {"username": "api.other", "display_name": "O", "role": "king"})
    check("a role that is not one of the seven is refused", st == 422 and
          one(db, "SELECT count(*) FROM app_user WHERE username = 'api.other'") == 0, st)
    new = one(db, "SELECT id FROM app_user WHERE username = 'api.new'")
    st, doc = call("PATCH", "/api/v1/users/%d" % new, {"disabled": True})
    check("PATCH disables", st == 200 and doc.get("disabled") is True, (st, doc))
    st, doc = call("PATCH", "/api/v1/users/%d" % new, {"disabled": "yes"})
    check("... 'yes' is not a boolean", st == 422, st)
    st, doc = call("PATCH", "/api/v1/users/%d" % new, {})
    check("... an empty change names what may change", st == 422, st)
    st, doc = call("PATCH", "/api/v1/users/%d" % users["admin"], {"disabled": True})
    check("... the administrator's own account is refused 409", st == 409 and
          one(db, "SELECT disabled FROM app_user WHERE username = 'admin'") == 0, st)
    st, doc = call("POST", "/api/v1/users/%d/reset" % new, {"second_factor": True})
    check("a reset with a new second factor answers new credentials", st == 200 and
          doc.get("credentials", {}).get("totp_secret") not in (None, creds.get("totp_secret")), st)
    st, doc = call("POST", "/api/v1/users/999999/reset", {})
    check("a reset of nobody is 404", st == 404, st)


def run(hearth, tmp):
    db, logins_path = testdb.council(tmp, "gov"), os.path.join(tmp, "logins.json")
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins_path] + api.DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    with open(logins_path, encoding="utf-8") as f:
        logins = json.load(f)
    users = dict(rows(db, "SELECT username, id FROM app_user"))
    server = api.Server(hearth, db)
    try:
        governance(server.port, db, logins, users)
        idle(server.port, db, logins)
        admin(server.port, db, logins, users)
        directory(server.port, db, logins, users)
        api_users(server.port, db, logins, users)
    finally:
        problem = server.stop()
        if not check("the server stopped cleanly", problem is None, problem):
            print("\n".join(server.log))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hearth-webgov-")
    try:
        run(os.path.abspath(args.hearth), tmp)
    finally:
        if args.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(RESULTS) + sum(web.RESULTS)
    failed = len(RESULTS) + len(web.RESULTS) - passed
    print("%s: %d passed, %d failed" % (testdb.suite("webgov"), passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
