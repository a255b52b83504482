#!/usr/bin/env python3
"""frontdoor.py — the front door's and the team manager's pages over HTTP against a real server.

    tests/web/frontdoor.py --hearth build/hearth [--keep]

On the web suite's demo council (tests/web/run.py: give_work), as a browser with JavaScript off: the triage
queue against the database; recording a contact (every error of the form, dates that cannot be true, the
"already known?" step with each candidate's open episodes and team, asked within the contact recorded once its
details are given so that the family's postcode counts, carried from step to step and never recorded twice, each
candidate's evidence and, with nobody, what was looked for; the live panel's fragment and its script, loaded only
where the panel is; check your answers, the records written);
the decision (every error, early help opening an episode for the team chosen, the rationale kept); the team
manager's unallocated work, overdue reviews, sorted and paged caseload, and allocation (a practitioner of another
team refused); forms without or with a wrong CSRF token refused with nothing changed; a practitioner refused the
front door's pages, its decision and allocation; and that each page writes the same audit events as the API
reading or writing the same records. Prints one line per check and `frontdoor: N passed, N failed`.
Python 3 standard library only.
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
check, Browser, hidden_csrf, sign_in, db_rows = web.check, web.Browser, web.hidden_csrf, web.sign_in, web.db_rows
audit_seq, audit_since, EVIL, EVIL_TEXT = web.audit_seq, web.audit_since, web.EVIL, web.EVIL_TEXT

def parts(field, iso):
    """A GOV.UK date input's three fields for the date iso (YYYY-MM-DD)."""
    y, m, d = iso.split("-")
    return {field + "-day": str(int(d)), field + "-month": str(int(m)), field + "-year": y}


TODAY, RECEIVED = web.day(0), web.day(-3)
CONTACT = {"channel": "phone", **parts("received", RECEIVED),
           "contactor_type": "professional", "contactor_name": "Ms Hart", "source_code": "2A",
           "reason": EVIL_TEXT + " missed school", "given_name": EVIL, "family_name": "Zanzibarr \"'&",
           "dob-day": "3", "dob-month": "9", "dob-year": "2016", "sex": "F", "postcode": ""}
ERROR_FIELDS = ["channel", "contactor_type", "source_code", "reason", "given_name", "family_name", "sex"]


def summary(html):
    return re.findall(r'<li><a href="#([\w-]+)">', html)


def inline(html):
    return re.findall(r'<p id="([\w-]+)-error" class="govuk-error-message">', html)


def api_call(port, token, method, path, body=None):
    st, _, raw = api.request(port, method, path, {"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"},
                             json.dumps(body).encode() if body is not None else b"")
    return st, (json.loads(raw) if raw else None)


def shape(events):
    """(action, table, detail) of each event, sorted, the family a footing names left out: what a write's events
    say, whoever wrote and on whichever family."""
    return sorted((a, t, re.sub(r'"contact":\d+', '"contact":C', re.sub(r'"family":\d+', '"family":F', d)))
                  for (_, a, t, _, d) in events)


def run(hearth, tmp):
    db, logins_path = testdb.council(tmp, "web"), os.path.join(tmp, "logins.json")
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins_path] + api.DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    web.give_work(db)
    with open(logins_path, encoding="utf-8") as f:
        logins = json.load(f)
    users = dict(db_rows(db, "SELECT username, id FROM app_user"))
    server = api.Server(hearth, db)
    port = server.port
    try:
        fd = Browser(port)
        sign_in(fd, logins, "frontdoor1")
        # the queue
        st, _, html = fd.go("GET", "/front-door")
        want = [i for (i,) in db_rows(db, "SELECT id FROM contact WHERE decision IS NULL ORDER BY received_on, id")]
        got = [int(x) for x in re.findall(r'href="/front-door/contacts/(\d+)"', html)]
        check("the front door's queue lists the undecided contacts, oldest first", st == 200 and got == want,
              (got, want))
        check("... with the days each has waited, and hostile text as text",
              re.search(r">\d+ days<", html) and EVIL not in html and "&lt;script&gt;" in html)
        web.page_shape("front door queue", html, "Front door \u2013 Hearth")
        # CSRF: a form without or with a wrong token changes nothing
        _, _, form = fd.go("GET", "/front-door/new")
        token = hidden_csrf(form)
        before = db_rows(db, "SELECT count(*) FROM contact")[0][0]
        for what, extra in (("without", {}), ("with a wrong", {"csrf_token": "0" * len(token or "0")})):
            st, _, html = fd.go("POST", "/front-door/record", dict(CONTACT, known="new", **extra))
            check("recording a contact %s CSRF token is refused 403" % what, st == 403 and "<h1" in html, st)
            st, _, _ = fd.go("POST", "/front-door/contacts/%d/decision" % want[0],
                             dict({"decision": "nfa", "rationale": "x", **parts("decided", TODAY)}, **extra))
            check("a decision %s CSRF token is refused 403" % what, st == 403, st)
        check("... and nothing was recorded or decided", db_rows(db, "SELECT count(*) FROM contact")[0][0] == before
              and db_rows(db, "SELECT decision FROM contact WHERE id = ?", (want[0],))[0][0] is None)
        # every error of the form
        st, _, html = fd.go("POST", "/front-door/new", {"csrf_token": token})
        check("an empty contact is refused with every error in the summary, in page order",
              st == 400 and summary(html) == ERROR_FIELDS[:1] + ["received-day"] + ERROR_FIELDS[1:], (st, summary(html)))
        check("... each beside its field", inline(html) == ERROR_FIELDS[:1] + ["received"] + ERROR_FIELDS[1:],
              inline(html))
        web.page_shape("contact with errors", html, "Error: Record a contact")
        bad = dict(CONTACT, csrf_token=token, **parts("received", web.day(1)), **{"dob-day": "31", "dob-month": "2"})
        st, _, html = fd.go("POST", "/front-door/new", bad)
        check("a contact received tomorrow and a 31 February birth are refused",
              st == 400 and summary(html) == ["received-day", "dob-day"] and "today or in the past" in html and
              "real date" in html, summary(html))
        # already known? the hostile member of family 6, whose family has an open episode
        _, _, _ = fd.go("GET", "/")
        seq = audit_seq(db)
        known = dict(CONTACT, csrf_token=token, given_name=EVIL, family_name="O'Brien \"&\"", **{
            "dob-day": "16", "dob-month": "4", "dob-year": "1999"})
        st, _, html = fd.go("POST", "/front-door/new", known)
        page_events = audit_since(db, seq)
        fam6 = re.search(r'value="p(\d+)f6"', html)
        team = db_rows(db, "SELECT t.name FROM episode e JOIN team t ON t.id = e.owning_team_id "
                           "WHERE e.family_id = 6 AND e.end_date IS NULL")[0][0]
        check("\"already known?\" offers the known child's family with its open episode and team",
              st == 200 and fam6 and ("Open episode with " + team) in html, (st, re.findall(r"Open episode.{0,80}", html)))
        check("... naming the child as text", EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien" in html)
        token2 = api_token_wait(port, logins, "frontdoor2")
        seq2 = audit_seq(db)
        _, c0 = api_call(port, token2, "POST", "/api/v1/contacts", {
            "received_on": RECEIVED, "channel": "phone", "contactor_type": "professional",
            "contactor_name": "Ms Hart", "source_code": "2A", "reason": EVIL_TEXT + " missed school"})
        api_call(port, token2, "POST", "/api/v1/contacts/%d/matches" % c0["id"],
                 {"given_name": EVIL, "family_name": "O'Brien \"&\"", "date_of_birth": "1999-04-16", "sex": "F"})
        api_events = audit_since(db, seq2)
        check("... asked within the contact, recorded once its details are given: the same audit events as "
              "POST /api/v1/contacts and POST /api/v1/contacts/{id}/matches", shape(page_events) ==
              shape(api_events) and any("match_families" in e[4] for e in page_events),
              (shape(page_events), shape(api_events)))
        # check your answers, then recording
        st, _, html = fd.go("POST", "/front-door/check", dict(CONTACT, csrf_token=token))
        check("continuing without choosing a family is an error", st == 400 and summary(html) == ["known"],
              summary(html))
        st, _, html = fd.go("POST", "/front-door/check", dict(CONTACT, csrf_token=token, known="new"))
        check("check your answers shows every answer, hostile text as text",
              st == 200 and "govuk-summary-list" in html and "&lt;script&gt;alert(1)&lt;/script&gt; Zanzibarr" in html
              and EVIL not in html, st)
        seq = audit_seq(db)
        st, h, _ = fd.go("POST", "/front-door/record", dict(CONTACT, csrf_token=token, known="new"))
        page_events = audit_since(db, seq)
        m = re.match(r"/front-door/contacts/(\d+)\?recorded=1$", h.get("location", ""))
        check("recording the contact redirects to its page", st == 303 and m, (st, h.get("location")))
        cid = int(m.group(1)) if m else 0
        row = db_rows(db, "SELECT c.channel, c.received_on, c.source_code, c.reason, c.family_id, f.name, "
                          "p.given_name, p.date_of_birth FROM contact c JOIN family f ON f.id = c.family_id "
                          "JOIN contact_child cc ON cc.contact_id = c.id JOIN person p ON p.id = cc.person_id "
                          "JOIN family_member fm ON fm.family_id = f.id AND fm.person_id = p.id WHERE c.id = ?", (cid,))
        check("... with the contact, a new family, the child, their membership and the contact's child row",
              row and row[0][:4] == ("phone", RECEIVED, "2A", EVIL_TEXT + " missed school") and
              row[0][6:] == (EVIL, "2016-09-03"), row)
        family = row[0][4] if row else 0
        seq2 = audit_seq(db)
        _, p = api_call(port, token2, "POST", "/api/v1/people", {"given_name": EVIL, "family_name": "Zanzibarr \"'&",
                                                                 "sex": "F", "date_of_birth": "2016-09-03"})
        _, f = api_call(port, token2, "POST", "/api/v1/families", {"name": "Zanzibarr \"'& family"})
        api_call(port, token2, "POST", "/api/v1/families/%d/members" % f["id"], {"person_id": p["id"], "role": "child"})
        _, c = api_call(port, token2, "POST", "/api/v1/contacts", {
            "received_on": RECEIVED, "channel": "phone", "contactor_type": "professional",
            "contactor_name": "Ms Hart", "source_code": "2A", "reason": EVIL_TEXT + " missed school"})
        api_call(port, token2, "PATCH", "/api/v1/contacts/%d" % c["id"], {"family_id": f["id"]})
        api_call(port, token2, "POST", "/api/v1/contacts/%d/children" % c["id"], {"person_id": p["id"]})
        # the API's child is found as a possible duplicate of the page's, recorded a moment before: not a
        # difference between the two
        child = db_rows(db, "SELECT person_id FROM contact_child WHERE contact_id = ?", (cid,))[0][0]
        api_events = [e for e in audit_since(db, seq2) if not (e[1] == "read" and e[2] == "person" and e[3] == child)]
        check("recording writes the same audit events as the API's creates", shape(page_events) == shape(api_events)
              and len(page_events) >= 5, (set(shape(page_events)) ^ set(shape(api_events)), len(page_events),
                                          len(api_events)))
        # the contact's page and its reads
        seq = audit_seq(db)
        st, _, html = fd.go("GET", "/front-door/contacts/%d?recorded=1" % cid)
        page_events = audit_since(db, seq)
        check("the contact's page shows it with a success banner and the decision form", st == 200 and
              "govuk-notification-banner--success" in html and 'action="/front-door/contacts/%d/decision"' % cid in html)
        web.page_shape("contact page", html, "Contact %d \u2013 Hearth" % cid)
        seq2 = audit_seq(db)
        api_call(port, token2, "GET", "/api/v1/teams?kind=early_help&limit=500")
        api_call(port, token2, "GET", "/api/v1/contacts/%d" % cid)
        api_call(port, token2, "GET", "/api/v1/contacts/%d/history" % cid)
        api_events = audit_since(db, seq2)
        check("the contact's page writes the same audit events as the API reading the same records",
              sorted(shape(page_events)) == sorted(shape(api_events)) and page_events,
              (shape(page_events), shape(api_events)))
        # the decision: every error, then early help to a team
        dec = {"csrf_token": token, "decided-day": "", "decided-month": "", "decided-year": ""}
        st, _, html = fd.go("POST", "/front-door/contacts/%d/decision" % cid, dec)
        check("a decision without answers lists every error", st == 400 and
              summary(html) == ["decision", "decided-day", "rationale"], summary(html))
        dec = dict(dec, decision="early_help", rationale="Attendance falling; school asks for help.",
                   **parts("decided", web.day(-4)))
        st, _, html = fd.go("POST", "/front-door/contacts/%d/decision" % cid, dec)
        check("early help without a team, dated before the contact was received, is refused",
              st == 400 and summary(html) == ["team", "decided-day"], summary(html))
        north = db_rows(db, "SELECT id FROM team WHERE name = 'Early Help North'")[0][0]
        dec = dict(dec, team=str(north), **parts("decided", TODAY))
        seq = audit_seq(db)
        st, h, _ = fd.go("POST", "/front-door/contacts/%d/decision" % cid, dec)
        page_events = audit_since(db, seq)
        check("early help is recorded", st == 303 and h.get("location", "").endswith("?sent=1"), (st, h))
        got = db_rows(db, "SELECT decision, decision_date, decided_by, decision_rationale FROM contact WHERE id = ?", (cid,))
        check("... with its date, who decided and the rationale",
              got == [("early_help", TODAY, users["frontdoor1"], "Attendance falling; school asks for help.")], got)
        ep = db_rows(db, "SELECT id, owning_team_id, lead_user_id, start_date FROM episode WHERE family_id = ? AND "
                         "end_date IS NULL", (family,))
        check("... and an episode opened for the team chosen, nobody leading it yet",
              len(ep) == 1 and ep[0][1:] == (north, None, TODAY), ep)
        seq2 = audit_seq(db)
        api_call(port, token2, "POST", "/api/v1/families/%d/episodes" % f["id"],
                 {"start_date": TODAY, "owning_team_id": north})
        api_call(port, token2, "PATCH", "/api/v1/contacts/%d" % c["id"], {
            "decision": "early_help", "decision_date": TODAY, "decided_by": users["frontdoor2"],
            "decision_rationale": "Attendance falling; school asks for help."})
        api_events = audit_since(db, seq2)
        check("the decision writes the same audit events as the API's create and change",
              [e for e in shape(page_events) if e[0] != "read"] == shape(api_events),
              (shape(page_events), shape(api_events)))
        # issue 15: "already known?" is asked within the contact, recorded once its details are given, so that the
        # family's postcode the caller gave counts (docs/access.md); live as the child is typed, with JavaScript
        kid = db_rows(db, "SELECT p.id, (SELECT a.postcode FROM person_address a WHERE a.person_id = p.id AND "
                          "a.to_date IS NULL ORDER BY a.id DESC LIMIT 1) FROM family_member m JOIN person p ON "
                          "p.id = m.person_id WHERE m.family_id = 6 AND p.date_of_birth = '1999-04-16'")[0]
        ask = dict(CONTACT, csrf_token=token, given_name=EVIL, family_name="O'Brien \"&\"", postcode=kid[1],
                   school="Hillside <Primary>", **{"dob-day": "16", "dob-month": "4", "dob-year": "1999"})
        count = lambda: db_rows(db, "SELECT count(*) FROM contact")[0][0]
        _, _, html = fd.go("GET", "/front-door/new")
        init = re.search(r'src="(/assets/hearth-init-[0-9a-f]+\.js)"', html)
        st_i, _, init_js = fd.go("GET", init.group(1)) if init else (0, {}, "")
        live = re.search(r"import\('(/assets/hearth-known-[0-9a-f]+\.js)'\)", init_js)
        st_k, hk, known_js = fd.go("GET", live.group(1)) if live else (0, {}, "")
        check("the question page has the \"already known?\" panel; the start-up script loads its own script for it",
              'id="fd-known"' in html and 'name="contact"' in html and st_i == 200 and live and st_k == 200
              and "javascript" in hk.get("content-type", "") and "/front-door/known" in known_js,
              (init and init.group(1), live and live.group(1), st_k))
        before = count()
        st, _, _ = fd.go("POST", "/front-door/known", {k: v for k, v in ask.items() if k != "csrf_token"})
        check("the live panel without the CSRF token is refused 403, nothing recorded", st == 403 and count() == before,
              st)
        st, _, frag = fd.go("POST", "/front-door/known", {"csrf_token": token, "given_name": "Ann"})
        check("... before the contact's details are given it records nothing and says what it needs",
              st == 200 and 'id="fd-known-result" data-contact=""' in frag and count() == before, (st, frag[:300]))
        seq = audit_seq(db)
        st, _, frag = fd.go("POST", "/front-door/known", ask)
        m = re.search(r'data-contact="(\d+)"', frag)
        live_c = int(m.group(1)) if m else 0
        stored = db_rows(db, "SELECT family_postcode, school FROM contact WHERE id = ?", (live_c,))
        events = audit_since(db, seq)
        check("... then records the contact with the family's postcode and answers the known person, the postcode "
              "counting as the contact's evidence", st == 200 and count() == before + 1 and stored ==
              [(kid[1], "Hillside <Primary>")] and "postcode exact (the contact" in frag and "O&#39;Brien" in frag
              and EVIL not in frag and "Open episode with" in frag, (st, frag[:600], stored))
        check("... every candidate's read audited naming the contact", any(
            e[1] == "read" and e[2] == "person" and e[3] == kid[0] and '"contact":%d' % live_c in e[4]
            for e in events), events)
        st, _, frag = fd.go("POST", "/front-door/known", dict(ask, contact=str(live_c), school="Oak Academy"))
        check("... asking again carries the contact: brought up to date, never recorded twice", st == 200 and
              count() == before + 1 and db_rows(db, "SELECT school FROM contact WHERE id = ?", (live_c,)) ==
              [("Oak Academy",)], (st, count(), before))
        st, _, html = fd.go("POST", "/front-door/new", dict(ask, contact=str(live_c), school="Oak Academy"))
        check("without JavaScript, Continue asks within the same contact and carries it on",
              st == 200 and count() == before + 1 and 'name="contact" value="%d"' % live_c in html
              and "postcode exact (the contact" in html, (st, count()))
        choice = re.search(r'value="(p%df6)"' % kid[0], html)
        st, h, _ = fd.go("POST", "/front-door/record", dict(ask, contact=str(live_c), school="Oak Academy",
                                                            known=choice.group(1) if choice else "new"))
        named = db_rows(db, "SELECT family_id FROM contact WHERE id = ?", (live_c,))
        check("recording with the known family chosen names it on that same contact, with the child",
              st == 303 and h.get("location", "").startswith("/front-door/contacts/%d?" % live_c) and
              named == [(6,)] and count() == before + 1 and
              db_rows(db, "SELECT person_id FROM contact_child WHERE contact_id = ?", (live_c,)) == [(kid[0],)],
              (st, h.get("location"), named, count(), before))
        st, _, html = fd.go("POST", "/front-door/new", dict(ask, postcode="not a postcode"))
        check("a postcode that is not one is an error beside its field, nothing recorded",
              st == 400 and summary(html) == ["postcode"] and count() == before + 1, (st, summary(html)))
        st, _, html = fd.go("POST", "/front-door/new", dict(ask, given_name="Zebedee", family_name="Quartermaine",
                                                            **{"dob-year": "1931"}))
        check("when nobody is answered the page says what was looked for and among how many people",
              st == 200 and "Nobody matches among the" in html and "date of birth 1931-04-16" in html and
              "postcode " + kid[1] in html, (st, re.findall(r"Nobody matches[^<]*", html)))
        # a practitioner cannot reach the front door's pages, its decision, or allocation
        pr = Browser(port)
        sign_in(pr, logins, "practitioner.n1")
        _, _, html = pr.go("GET", "/")
        ptoken = hidden_csrf(html)
        seq = audit_seq(db)
        for method, path, form in (("GET", "/front-door", None), ("GET", "/front-door/new", None),
                                   ("POST", "/front-door/known", {"csrf_token": ptoken, "given_name": "Ann"}),
                                   ("GET", "/front-door/contacts/%d" % want[0], None),
                                   ("POST", "/front-door/contacts/%d/decision" % want[0],
                                    {"csrf_token": ptoken, "decision": "nfa", "rationale": "x", **parts("decided", TODAY)}),
                                   ("GET", "/team/episodes/%d/allocate" % ep[0][0], None),
                                   ("POST", "/team/episodes/%d/allocate" % ep[0][0],
                                    {"csrf_token": ptoken, "lead": str(users["practitioner.n1"])})):
            st, _, html = pr.go(method, path, form)
            check("a practitioner is refused %s %s (403)" % (method, path), st == 403 and "<h1" in html, st)
        denied = [e for e in audit_since(db, seq) if e[1] == "denied"]
        check("... each refusal audited, nothing changed", len(denied) == 7 and
              db_rows(db, "SELECT decision FROM contact WHERE id = ?", (want[0],))[0][0] is None and
              db_rows(db, "SELECT lead_user_id FROM episode WHERE id = ?", (ep[0][0],))[0][0] is None, denied)
        # the team manager
        mg = Browser(port)
        sign_in(mg, logins, "manager.n")
        st, _, html = mg.go("GET", "/")
        un = html[html.find('id="unallocated"'):html.find('id="overdue"')]
        check("the team manager's unallocated work lists the family the front door sent",
              st == 200 and "/team/episodes/%d/allocate" % ep[0][0] in un, st)
        od = html[html.find('id="overdue"'):html.find('id="team-caseload"')]
        want_od = db_rows(db, "SELECT e.family_id FROM episode e WHERE e.owning_team_id = ? AND e.end_date IS NULL "
                              "AND (SELECT r.next_review_due FROM review r WHERE r.episode_id = e.id ORDER BY "
                              "r.held_on DESC, r.id DESC LIMIT 1) < ?", (north, TODAY))
        check("... and the reviews overdue across the team", sorted(int(x) for x in re.findall(
            r'href="/families/(\d+)"', od)) == sorted(f for (f,) in want_od) and want_od, (od[:300], want_od))
        st, _, html = mg.go("GET", "/?sort=family&order=desc")
        cl = html[html.find('id="team-caseload"'):]
        names = re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" href="/families/\d+">([^<]*)</a>', cl)
        want_names = [n for (n,) in db_rows(db, "SELECT f.name FROM episode e JOIN family f ON f.id = e.family_id "
                                                "WHERE e.owning_team_id = ? AND e.end_date IS NULL ORDER BY "
                                                "lower(f.name) DESC, e.id LIMIT 20", (north,))]
        import html as htmlmod
        check("the caseload sorts by family name when its heading is followed",
              [htmlmod.unescape(n) for n in names] == want_names and 'aria-sort="descending"' in cl,
              ([htmlmod.unescape(n) for n in names], want_names))
        st, _, html = mg.go("GET", "/?sort=bogus&page=99999")
        check("an unknown sort or page is the default order, not an error", st == 200, st)
        # allocation: CSRF, errors, a practitioner of another team refused, then a practitioner of the team
        _, _, html = mg.go("GET", "/team/episodes/%d/allocate" % ep[0][0])
        mtoken = hidden_csrf(html)
        web.page_shape("allocation page", html, "Allocate a case \u2013 Hearth")
        st, _, _ = mg.go("POST", "/team/episodes/%d/allocate" % ep[0][0], {"lead": str(users["practitioner.n1"])})
        check("allocation without the CSRF token is refused 403", st == 403, st)
        st, _, html = mg.go("POST", "/team/episodes/%d/allocate" % ep[0][0], {"csrf_token": mtoken})
        check("allocation without a choice is an error", st == 400 and summary(html) == ["lead"], summary(html))
        st, _, html = mg.go("POST", "/team/episodes/%d/allocate" % ep[0][0],
                            {"csrf_token": mtoken, "lead": str(users["practitioner.s1"])})
        check("allocation to a practitioner of another team is refused", st == 400 and
              db_rows(db, "SELECT lead_user_id FROM episode WHERE id = ?", (ep[0][0],))[0][0] is None, st)
        seq = audit_seq(db)
        st, h, _ = mg.go("POST", "/team/episodes/%d/allocate" % ep[0][0],
                         {"csrf_token": mtoken, "lead": str(users["practitioner.n1"])})
        page_events = [e for e in audit_since(db, seq) if e[1] != "read"]
        check("allocation sets the lead and returns to the worklist", st == 303 and h.get("location") ==
              "/?allocated=1" and db_rows(db, "SELECT lead_user_id FROM episode WHERE id = ?", (ep[0][0],))[0][0] ==
              users["practitioner.n1"], (st, h))
        mtok = api_token_wait(port, logins, "manager.n")
        other = db_rows(db, "SELECT id FROM episode WHERE owning_team_id = ? AND end_date IS NULL AND lead_user_id IS "
                            "NULL ORDER BY id LIMIT 1", (north,))[0][0]
        seq2 = audit_seq(db)
        api_call(port, mtok, "PATCH", "/api/v1/episodes/%d" % other, {"lead_user_id": users["practitioner.n1"]})
        check("allocation writes the same audit event as PATCH /api/v1/episodes/{id}",
              shape(page_events) == shape(audit_since(db, seq2)) and page_events,
              (shape(page_events), shape(audit_since(db, seq2))))
        st, _, html = mg.go("GET", "/?allocated=1")
        check("... with a success banner", "govuk-notification-banner--success" in html)
    finally:
        why = server.stop()
        check("server stops cleanly", why is None, why)


def api_token_wait(port, logins, username):
    """An API session for username (waits for a fresh TOTP step when the page used this one)."""
    return web.api_token(port, logins, username)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hearth-frontdoor-")
    try:
        run(os.path.abspath(args.hearth), tmp)
    finally:
        if args.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(web.RESULTS)
    failed = len(web.RESULTS) - passed
    print("%s: %d passed, %d failed" % (testdb.suite("frontdoor"), passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
