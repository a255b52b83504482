"""supervision.py — the team manager's supervision records, edits of saved notes and reviews, a Team Around the
Family member from the staff directory, the step-up at closure, and the words of every form's errors (issue 11).

Called by tests/web/run.py after tests/web/practitioner.py, with its harness and its signed-in browsers (h.n1:
practitioner.n1, the lead of episode 1 of family 6; h.n2: practitioner.n2, who works another family; h.mg:
manager.n, the owning team's manager; h.partner: partner.police, on episode 1's Team Around the Family), since
a TOTP code is accepted once. Checks, over HTTP as a browser without JavaScript:

- supervision: only the manager records it (the lead's POST is refused and writes nothing); every error of the
  form beside its field, in words that name no column; saved, it is on the episode page for the lead and the
  manager, escaped, and on the manager's /team/supervision; a partner on the Team Around the Family and
  another practitioner never see it; the page writes the audit events of the API's reads;
- edits: the author alone is offered and allowed to edit a saved note or review; the edit keeps the earlier
  text (shown at /notes/{id}/history and read through the API), marks the record "edited", and is audited
  as an update; once the case is closed it is refused;
- a Team Around the Family member is offered by name from the staff directory (never as a bare id), or typed
  in as someone outside Hearth;
- closing as stepped up records one contact decided step up about the family, shown in its chronology;
- a form's errors speak to the user: no message names a column (`held_on`, `start_date`);
- the professionals' referral form: a partner sends a request for support (every error of the form shown),
  which reaches the front door's queue as an undecided contact; other roles are refused; a missing CSRF
  token is refused;
- family identification decisions: the list and a family's evidence for team managers (and governance), the
  decision recorded as the API records it (both errors of an empty form shown), refused to a practitioner.
"""
import re

from practitioner import EPISODE, FAMILY, api_get, date_fields, day, errors_of, post_form, events

COLUMN = re.compile(r"\b[a-z]+_[a-z_]+\b")


def error_texts(html):
    """The error summary's messages of a page, as shown."""
    import html as htmllib
    return [htmllib.unescape(t) for t in re.findall(r'<li><a href="#[\w-]+">(.*?)</a></li>', html)]


def user_id(h, username):
    return h.db_rows(h.db, "SELECT id FROM app_user WHERE username = ?", (username,))[0][0]


def checks(h):
    supervision(h)
    edits(h)
    taf_from_directory(h)
    step_up_and_closed_edits(h)
    words(h)
    referral(h)
    identification(h)


def supervision(h):
    check, db, n1, n2, mg = h.check, h.db, h.n1, h.n2, h.mg
    path = "/episodes/%d/add-supervision" % EPISODE
    st, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("the lead's episode page has the supervision section, without the manager's link",
          st == 200 and 'id="supervision"' in html and path not in html, st)
    before = h.db_rows(db, "SELECT count(*) FROM supervision")[0][0]
    form = dict(date_fields("supervised_on", day(h, -1)), discussion="Attendance " + h.EVIL_TEXT,
                decisions="Review in two weeks " + h.EVIL_TEXT, **date_fields("next_supervision_on", day(h, 13)))
    st, _, _ = post_form(h, n1, path, form)
    check("the lead cannot record supervision of their own case", st == 403, st)
    check("... and nothing is written", h.db_rows(db, "SELECT count(*) FROM supervision")[0][0] == before)
    st, _, html = mg.go("GET", path)
    lead = user_id(h, "practitioner.n1")
    check("the manager's supervision form offers the team's practitioners by name, the lead chosen",
          st == 200 and re.search(r'<option value="%d" selected>[^<0-9]+</option>' % lead, html) is not None, st)
    h.page_shape("supervision form", html, "Record supervision")
    st, _, html = post_form(h, mg, path, {})
    summary, inline = errors_of(html)
    check("an empty supervision shows every error: its date and what was discussed",
          st == 422 and inline == ["supervised_on", "discussion"] and len(summary) == 2, (st, summary, inline))
    bad = dict(form, **date_fields("supervised_on", day(h, 2)), **date_fields("next_supervision_on", day(h, 1)))
    st, _, html = post_form(h, mg, path, bad)
    texts = error_texts(html)
    check("supervision in the future with the next before it: both beside their fields",
          st == 422 and errors_of(html)[1] == ["supervised_on", "next_supervision_on"], (st, errors_of(html)))
    check("... in words that name no column", texts and not any(COLUMN.search(t) for t in texts) and
          "Date of supervision cannot be in the future" in texts, texts)
    check("... and nothing is written", h.db_rows(db, "SELECT count(*) FROM supervision")[0][0] == before)
    seq = h.audit_seq(db)
    st, hd, _ = post_form(h, mg, path, form)
    check("the manager records supervision and goes back to the case", st == 303 and
          hd.get("location") == "/episodes/%d?done=add-supervision" % EPISODE, (st, hd.get("location")))
    sid = h.db_rows(db, "SELECT max(id) FROM supervision WHERE episode_id = ?", (EPISODE,))[0][0]
    check("... audited as the creation of the supervision record", any(
        e[1] == "create" and e[2] == "supervision" for e in events(h, seq)), events(h, seq))
    for who, name in ((n1, "the lead"), (mg, "the manager")):
        st, _, html = who.go("GET", "/episodes/%d" % EPISODE)
        check("%s sees the supervision on the episode page, as text" % name, st == 200 and
              "Review in two weeks &quot;&#39;&amp; &lt;script&gt;" in html and h.EVIL not in html, st)
    st_api, _ = api_get(h, h.partner, "/api/v1/supervisions/%d" % sid)
    st, _, html = h.partner.go("GET", "/episodes/%d" % EPISODE)
    check("a partner on the Team Around the Family never sees supervision", st_api in (403, 404) and
          'id="supervision"' not in html and "Review in two weeks" not in html, (st_api, st))
    st, _, html = n2.go("GET", "/episodes/%d" % EPISODE)
    st_api, _ = api_get(h, n2, "/api/v1/supervisions/%d" % sid)
    check("another practitioner (on break glass since practitioner.py's check) sees the supervision exactly "
          "when the API shows it", (st_api == 200) == ("Review in two weeks" in html), (st, st_api))
    seq = h.audit_seq(db)
    st, _, html = mg.go("GET", "/team/supervision")
    page_events = events(h, seq)
    check("the manager's /team/supervision lists the record with its family", st == 200 and
          'href="/episodes/%d#supervision"' % EPISODE in html and h.EVIL not in html, st)
    h.page_shape("team supervision page", html, "Supervision records")
    seq = h.audit_seq(db)
    api_get(h, mg, "/api/v1/supervisions/%d" % sid)
    api_events = events(h, seq)
    check("... reading each record as the API reads it (its events among the page's)",
          all(e in page_events for e in api_events) and api_events, (page_events, api_events))
    st, _, _ = n1.go("GET", "/team/supervision")
    check("/team/supervision is the manager's", st == 403, st)
    st, _, _ = mg.go("GET", "/team/supervision?page=0")
    st2, _, html = mg.go("GET", "/team/supervision?page=2")
    check("its pages are numbered from 1; a page past the last says there is nothing", st == 400 and st2 == 200 and
          "No supervision has been recorded" in html, (st, st2))


def edits(h):
    check, db, n1, mg = h.check, h.db, h.n1, h.mg
    form = {"note_type": "visit", "subject": "Visit", "body": "First words " + h.EVIL_TEXT,
            **date_fields("occurred_at", day(h, -1)), "occurred_at-time": "10:00"}
    st, _, _ = post_form(h, n1, "/episodes/%d/add-note" % EPISODE, form)
    nid = h.db_rows(db, "SELECT max(id) FROM case_note WHERE episode_id = ?", (EPISODE,))[0][0]
    st2, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("the author is offered to edit the note they saved", st == 303 and
          'href="/notes/%d/edit"' % nid in html, st)
    _, _, html = mg.go("GET", "/episodes/%d" % EPISODE)
    check("... and the manager is not", 'href="/notes/%d/edit"' % nid not in html)
    st, _, html = post_form(h, mg, "/notes/%d/edit" % nid, dict(form, body="Manager's words"))
    check("the manager's edit of another's note is refused", st == 403, st)
    st, _, html = n1.go("GET", "/notes/%d/edit" % nid)
    check("the edit form starts with what the note says", st == 200 and "First words &quot;&#39;&amp;" in html, st)
    h.page_shape("edit note form", html, "Edit the note")
    seq = h.audit_seq(db)
    st, hd, _ = post_form(h, n1, "/notes/%d/edit" % nid, dict(form, body="Second words " + h.EVIL_TEXT))
    check("the author's edit is saved", st == 303 and hd.get("location") == "/episodes/%d?done=edit" % EPISODE,
          (st, hd.get("location")))
    check("... audited as an update of the note", any(e[1] == "update" and e[2] == "case_note"
                                                      for e in events(h, seq)), events(h, seq))
    kept = h.db_rows(db, "SELECT previous FROM row_history WHERE table_name = 'case_note' AND row_id = ?", (nid,))
    check("... keeping the earlier text", len(kept) == 1 and "First words" in kept[0][0], kept)
    _, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("the note shows as edited, linking to its earlier versions", "Second words" in html and
          'href="/notes/%d/history"' % nid in html and ">edited<" in html)
    st, _, html = n1.go("GET", "/notes/%d/history" % nid)
    check("its history shows what it said and says, as text", st == 200 and "First words &quot;" in html and
          "Second words &quot;" in html and h.EVIL not in html, st)
    h.page_shape("note history", html, "Note %d" % nid)
    st, doc = api_get(h, n1, "/api/v1/notes/%d/history" % nid)
    check("... as GET /api/v1/notes/{id}/history answers", st == 200 and
          doc["earlier"][0]["previous"]["body"].startswith("First words"), (st, doc))
    # a review: the same rule
    rform = dict(date_fields("held_on", day(h, -2)), outcome="progress", notes="Review words")
    st, _, _ = post_form(h, n1, "/episodes/%d/add-review" % EPISODE, rform)
    rid = h.db_rows(db, "SELECT max(id) FROM review WHERE episode_id = ?", (EPISODE,))[0][0]
    st_m, _, _ = post_form(h, mg, "/reviews/%d/edit" % rid, dict(rform, notes="Manager's"))
    st, _, _ = post_form(h, n1, "/reviews/%d/edit" % rid, dict(rform, notes="Review words, corrected"))
    got = h.db_rows(db, "SELECT notes, version FROM review WHERE id = ?", (rid,))[0]
    check("a review is edited by its author only", st_m == 403 and st == 303 and
          got == ("Review words, corrected", 2), (st_m, st, got))
    h.edited_note, h.note_form = nid, form


def taf_from_directory(h):
    check, db, mg = h.check, h.db, h.mg
    path = "/episodes/%d/add-taf-member" % EPISODE
    st, _, html = mg.go("GET", path)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', html)
    health = user_id(h, "partner.health")
    check("a Team Around the Family member is offered from the staff directory by name",
          st == 200 and any(v == str(health) for v, _ in options) and
          all(label and not label.strip().isdigit() for _, label in options), options[:5])
    before = h.db_rows(db, "SELECT count(*) FROM episode_member WHERE episode_id = ?", (EPISODE,))[0][0]
    st, _, html = post_form(h, mg, path, date_fields("from_date", day(h, 0)))
    check("neither a user nor a name is refused", st == 422 and errors_of(html)[0], (st, errors_of(html)))
    st, _, _ = post_form(h, mg, path, dict(date_fields("from_date", day(h, 0)), user_id=str(health),
                                           taf_role="Health visitor"))
    row = h.db_rows(db, "SELECT user_id, name FROM episode_member WHERE episode_id = ? ORDER BY id DESC LIMIT 1",
                    (EPISODE,))
    check("a user chosen from the directory joins as that user", st == 303 and row == [(health, None)], (st, row))
    st, _, _ = post_form(h, mg, path, dict(date_fields("from_date", day(h, 0)), name="Jo Bloggs, school nurse"))
    row = h.db_rows(db, "SELECT user_id, name FROM episode_member WHERE episode_id = ? ORDER BY id DESC LIMIT 1",
                    (EPISODE,))
    check("someone outside Hearth is typed in by name", st == 303 and row == [(None, "Jo Bloggs, school nurse")],
          (st, row))
    name = h.db_rows(db, "SELECT display_name FROM app_user WHERE id = ?", (health,))[0][0]
    _, _, html = mg.go("GET", "/episodes/%d" % EPISODE)
    check("the episode page names both", name in html and "Jo Bloggs, school nurse" in html and
          h.db_rows(db, "SELECT count(*) FROM episode_member WHERE episode_id = ?", (EPISODE,))[0][0] == before + 2)


def step_up_and_closed_edits(h):
    check, db, n1, mg = h.check, h.db, h.n1, h.mg
    contacts = "SELECT count(*) FROM contact WHERE family_id = ? AND decision = 'step_up'"
    before = h.db_rows(db, contacts, (FAMILY,))[0][0]
    post_form(h, n1, "/episodes/%d/ask-to-close" % EPISODE, dict(
        date_fields("closure_requested_on", day(h, 0)), closure_request_reason="stepped_up", confirm="yes"))
    st, _, _ = post_form(h, mg, "/episodes/%d/close" % EPISODE, dict(
        date_fields("end_date", day(h, 0)), closure_reason="stepped_up", open_actions="cancelled"))
    row = h.db_rows(db, "SELECT received_on, source_code, decision_date, decided_by FROM contact WHERE family_id = ?"
                        " AND decision = 'step_up' ORDER BY id DESC LIMIT 1", (FAMILY,))
    check("closing as stepped up records the step-up as a contact decided step up", st == 303 and
          h.db_rows(db, contacts, (FAMILY,))[0][0] == before + 1 and
          row == [(day(h, 0), "5D", day(h, 0), user_id(h, "manager.n"))], (st, row))
    _, _, html = mg.go("GET", "/families/%d" % FAMILY)
    check("... shown in the family's chronology", "Stepped up to children&#39;s social care" in html)
    nid = h.edited_note
    st, _, html = post_form(h, n1, "/notes/%d/edit" % nid, dict(h.note_form, body="Too late"))
    check("a note of a closed case is not edited, with the reason on the form", st == 422 and
          "the case is closed" in html.lower(), st)
    _, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("... nor offered", 'href="/notes/%d/edit"' % nid not in html)
    st, _, _ = post_form(h, mg, "/episodes/%d/reopen" % EPISODE, {})
    check("the manager re-opens it", st == 303, st)


def words(h):
    """A form's errors name no column: every rule of case data that makes sense, through the pages."""
    check, n1, mg = h.check, h.n1, h.mg
    t, y, tm = day(h, 0), day(h, -1), day(h, 2)
    cases = [
        ("a TAF member leaving before joining", mg, "/episodes/%d/add-taf-member" % EPISODE,
         dict(name="Nurse", **date_fields("from_date", t), **date_fields("to_date", y)),
         "Date they left the team must be on or after the date they joined the team"),
        ("a plan ending before it was agreed", n1, "/episodes/%d/add-plan" % EPISODE,
         dict(date_fields("agreed_on", t), **date_fields("ends_on", y)),
         "Date the plan runs to must be on or after the date the plan was agreed"),
        ("a review held in the future", n1, "/episodes/%d/add-review" % EPISODE,
         dict(date_fields("held_on", tm), outcome="progress"), "Date the review was held cannot be in the future"),
        ("a next review before the one held", n1, "/episodes/%d/add-review" % EPISODE,
         dict(date_fields("held_on", y), outcome="progress", **date_fields("next_review_due", y)),
         "Date of the next review must be after the date the review was held"),
        ("a note dated in the future", n1, "/episodes/%d/add-note" % EPISODE,
         dict(note_type="visit", body="x", **date_fields("occurred_at", tm), **{"occurred_at-time": "10:00"}),
         "When it happened cannot be in the future"),
    ]
    rows = lambda sql, *a: h.db_rows(h.db, sql, a)  # noqa: E731
    a = rows("SELECT max(id) FROM assessment WHERE episode_id = ?", EPISODE)[0][0]
    act = rows("SELECT max(a.id) FROM plan_action a JOIN plan p ON p.id = a.plan_id WHERE p.episode_id = ?",
               EPISODE)[0][0]
    started = rows("SELECT started_on FROM assessment WHERE id = ?", a)[0][0]
    stranger = rows("SELECT max(id) FROM person WHERE id NOT IN (SELECT person_id FROM family_member "
                    "WHERE family_id = ?)", FAMILY)[0][0]
    check("the episode has an assessment and an action to try the rules on", a and act, (a, act))
    cases += [
        ("an assessment completed before it started", n1, "/assessments/%d/complete" % a,
         dict(date_fields("completed_on", "2000-01-01")),
         "Date the assessment was completed must be on or after the date the assessment started"),
        ("a done action without its date", n1, "/actions/%d/update" % act, {"status": "done"},
         "A done action needs the date it was done"),
        ("a need outside the outcomes framework", n1, "/assessments/%d/add-need" % a,
         {"headline": "EDU", "need_code": "HOU_ARREARS"}, None),
        ("a need tied to someone outside the family", n1, "/assessments/%d/add-need" % a,
         {"headline": "EDU", "person_id": str(stranger)}, None),
        ("a case closed before it started", mg, "/episodes/%d/close" % EPISODE,
         dict(date_fields("end_date", "2000-01-01"), closure_reason="needs_met", open_actions="cancelled"),
         "Date the case closed must be on or after the date the case started"),
    ]
    for name, who, path, form, want in cases:
        st, _, html = post_form(h, who, path, form)
        texts = error_texts(html)
        check("%s: refused in words that name no column" % name, st == 422 and (want is None or want in texts) and
              texts and not any(COLUMN.search(x) for x in texts), (st, texts))
    check("... and nothing of them was written", rows("SELECT CASE WHEN completed_on IS NULL OR completed_on >= ? "
                                                      "THEN 1 ELSE 0 END FROM assessment WHERE id = ?",
                                                      started, a)[0][0] == 1 and
          rows("SELECT end_date FROM episode WHERE id = ?", EPISODE)[0][0] is None)


def referral(h):
    check, db, p = h.check, h.db, h.partner
    st, _, html = p.go("GET", "/")
    check("a partner's worklist links the professionals' referral form", st == 200 and
          'href="/referrals/new"' in html, st)
    st, _, html = p.go("GET", "/referrals/new")
    check("the referral form renders for a partner", st == 200 and h.hidden_csrf(html), st)
    h.page_shape("referral form", html, "Send a request for support")
    st, _, _ = h.n1.go("GET", "/referrals/new")
    check("the referral form is for partner agencies", st == 403, st)
    st, _, _ = p.go("POST", "/referrals/new", {"reason": "x"})
    check("a referral without its CSRF token is refused", st == 403, st)
    before = h.db_rows(db, "SELECT count(*) FROM contact")[0][0]
    st, _, html = post_form(h, p, "/referrals/new", {"postcode": "NOT A POSTCODE"})
    summary, inline = errors_of(html)
    check("an empty referral shows every error beside its field",
          st == 422 and inline == ["child_family_name", "postcode", "reason", "family_agrees"] and
          len(summary) == 4, (st, summary, inline))
    check("... in words that name no column", not any(COLUMN.search(t) for t in error_texts(html)),
          error_texts(html))
    seq = h.audit_seq(db)
    st, hd, _ = post_form(h, p, "/referrals/new", dict(
        child_given_name=h.EVIL_TEXT, child_family_name="Referred", postcode="m1 1ae", family_agrees="yes",
        reason="Attendance has fallen " + h.EVIL_TEXT, **date_fields("child_date_of_birth", day(h, -3000))))
    check("a partner's request is sent", st == 303 and hd.get("location") == "/referrals/sent",
          (st, hd.get("location")))
    row = h.db_rows(db, "SELECT channel, contactor_type, decision, received_on, reason FROM contact "
                        "ORDER BY id DESC LIMIT 1")
    check("... as an undecided contact from the online referral form, received today", st == 303 and
          h.db_rows(db, "SELECT count(*) FROM contact")[0][0] == before + 1 and
          row[0][:4] == ("online_form", "professional", None, day(h, 0)) and "Attendance has fallen" in row[0][4],
          row)
    check("... audited as a contact made through the form", any(
        e[1] == "create" and e[2] == "contact" and "referral_form" in e[3] for e in events(h, seq)), events(h, seq))
    st, _, html = p.go("GET", "/referrals/sent")
    check("the confirmation page says it was sent", st == 200 and "Request for support sent" in html, st)
    h.page_shape("referral sent", html, "Request for support sent")


def partner_rows(h, family):
    """Partner rows linked to the family's members meeting three headlines (EDU, FIN, HOU), as an import and a
    link run would leave them (on SQLite in WAL, the server's connections see them; on PostgreSQL through psql)."""
    import json
    people = [r[0] for r in h.db_rows(h.db, "SELECT person_id FROM family_member WHERE family_id = ?", (family,))]
    for n, (dataset, attrs) in enumerate([("school_attendance", {"attendance_pct": "84.5"}),
                                          ("dwp_benefits", {"out_of_work_benefit": "Y"}),
                                          ("housing", {"rent_arrears": "310"})]):
        h.db_rows(h.db, "INSERT INTO partner_dataset (name, created_at, updated_at) SELECT ?, ?, ? WHERE NOT EXISTS "
                        "(SELECT 1 FROM partner_dataset WHERE name = ?)", (dataset, h.now, h.now, dataset))
        ds = h.db_rows(h.db, "SELECT id FROM partner_dataset WHERE name = ?", (dataset,))[0][0]
        imp = h.db_rows(h.db, "INSERT INTO partner_import (dataset_id, file, started_at, finished_at) VALUES "
                              "(?, 'web-test.csv', ?, ?) RETURNING id", (ds, h.now, h.now))[0][0]
        h.db_rows(h.db, "INSERT INTO partner_record (dataset_id, row_key, attributes, person_id, import_id, "
                        "source_line, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 2, ?, ?)",
                  (ds, "web-%d-%d" % (family, n), json.dumps(attrs), people[n % len(people)], imp, h.now, h.now))


def identification(h):
    check, db, mg = h.check, h.db, h.mg
    partner_rows(h, FAMILY)
    st, _, _ = h.n1.go("GET", "/governance/identification")
    check("family identification decisions are not a practitioner's", st == 403, st)
    seq = h.audit_seq(db)
    st, _, html = mg.go("GET", "/governance/identification")
    check("the manager's family identification page renders", st == 200, st)
    h.page_shape("identification list", html, "Family identification decisions")
    st_api, doc = api_get(h, mg, "/api/v1/identification")
    listed = sorted(int(x) for x in re.findall(r'href="/governance/identification/(\d+)"', html))
    want = sorted(it["family_id"] for it in (doc or {}).get("items", []))
    check("... listing the families the API puts forward", st_api == 200 and listed == want, (listed, want))
    check("... among them the family given three headlines of partner data", FAMILY in want, want)
    fam = FAMILY
    path = "/governance/identification/%d" % fam
    st, _, html = mg.go("GET", path)
    check("a family's evidence and the decision form render", st == 200 and "Evidence" in html and
          'name="decision" type="radio"' in html, st)
    h.page_shape("identification family", html, "Decide on this family")
    before = h.db_rows(db, "SELECT count(*) FROM family_identification")[0][0]
    st, _, html = post_form(h, mg, path, {})
    check("an empty decision shows both errors", st == 422 and errors_of(html)[1] == ["decision", "reason"],
          (st, errors_of(html)))
    st, hd, _ = post_form(h, mg, path, {"decision": "not_now", "reason": "Look again next quarter " + h.EVIL_TEXT})
    check("the decision is recorded and the list says so", st == 303 and
          h.db_rows(db, "SELECT count(*) FROM family_identification")[0][0] == before + 1, st)
    _, _, html = mg.go("GET", "/governance/identification")
    check("... and the family shows its decision", "Not now" in html and h.EVIL not in html)
