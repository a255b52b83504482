"""practitioner.py — the practitioner's, team manager's and partner's pages of a case, over HTTP (issue 11).

Called by tests/web/run.py with its harness (`checks(h)`), against the same server and demo council: the
episode page, a person's page, the family's chronology for a partner, every question page (renders for
those who may use it; 403/404 exactly as the API answers the record for those who may not; refuses a
missing or wrong CSRF token; shows every error of the form in the summary and beside its field; keeps
hostile text as text), the closure journey (the practitioner asks, with "check your answers"; the manager
signs off from /closures; a practitioner cannot re-open; a note after closure is marked), break glass with
its reason, and that pages write the same audit events as the API reading and writing the same records.
"""
import datetime
import json
import re

EPISODE, FAMILY = 1, 6  # give_work(): practitioner.n1 leads episode 1 of family 6; police and school nursing sit
PARTNER = "partner.police"  # on its Team Around the Family (the demo council's)

FORMS = ["episodes/%d/add-note", "episodes/%d/add-review", "episodes/%d/add-activity", "episodes/%d/add-taf-member",
         "episodes/%d/add-plan", "episodes/%d/add-assessment", "episodes/%d/ask-to-close"]


def errors_of(html):
    """(summary anchors, inline error ids) of a page."""
    return (re.findall(r'<li><a href="#([\w-]+)">', html),
            re.findall(r'<p id="([\w-]+)-error" class="govuk-error-message">', html))


def date_fields(name, iso):
    y, m, d = iso.split("-")
    return {name + "-day": str(int(d)), name + "-month": str(int(m)), name + "-year": y}


def day(h, n):
    return (datetime.date.fromisoformat(h.now[:10]) + datetime.timedelta(days=n)).isoformat()


def hidden_fields(html):
    """The hidden fields inside a page's form (the CSRF token among them), as a browser would send them."""
    form = html[html.find('<form method="post" action="/episodes'):]
    form = form[:form.find("</form>")]
    import html as htmllib
    return {htmllib.unescape(n): htmllib.unescape(v)
            for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form)}


def post_form(h, b, path, form, csrf_from=None):
    """GET the form (for its CSRF token), then POST it."""
    _, _, page = b.go("GET", csrf_from or path)
    return b.go("POST", path, dict(form, csrf_token=h.hidden_csrf(page) or ""))


def events(h, seq):
    """(actor, action, table, detail) after seq: ids aside, so a new record's event compares with its twin's."""
    return sorted((a, act, t, d) for a, act, t, _, d in h.audit_since(h.db, seq))


def checks(h):
    check, db = h.check, h.db
    n1 = h.Browser(h.port)
    h.sign_in(n1, h.logins, "practitioner.n1")
    n2 = h.Browser(h.port)
    h.sign_in(n2, h.logins, "practitioner.n2")
    mg = h.mg  # signed in by run.py; one sign-in per user and TOTP step
    token1 = h.token
    token2 = n2  # the API read with practitioner.n2's browser session (a GET needs no CSRF token)

    # ---- the episode page
    seq = h.audit_seq(db)
    st, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    page_events = events(h, seq)
    check("episode page renders for its lead", st == 200, st)
    h.page_shape("episode page", html, "Case %d" % EPISODE)
    check("episode page names the family as text", h.EVIL not in html and "&lt;script&gt;" in html)
    check("episode page links every question page", all(('href="/%s"' % (f % EPISODE)) in html
                                                        for f in FORMS), re.findall(r'href="(/episodes[^"]*)"', html))
    seq = h.audit_seq(db)
    api_get(h, token1, "/api/v1/episodes/%d" % EPISODE)
    api_get(h, token1, "/api/v1/families/%d" % FAMILY)
    for sub in ("taf-members", "assessments", "plans", "reviews", "activities", "notes"):
        st_, doc = api_get(h, token1, "/api/v1/episodes/%d/%s?limit=500" % (EPISODE, sub))
        for it in (doc or {}).get("items", []):
            if sub == "assessments":
                api_get(h, token1, "/api/v1/assessments/%d/areas?limit=500" % it["id"])
                api_get(h, token1, "/api/v1/assessments/%d/needs?limit=500" % it["id"])
            if sub == "plans":
                api_get(h, token1, "/api/v1/plans/%d/goals?limit=500" % it["id"])
                api_get(h, token1, "/api/v1/plans/%d/actions?limit=500" % it["id"])
    api_events = events(h, seq)
    check("episode page writes the same audit events as the API reading the same records",
          page_events == api_events and len(page_events) >= 8, (len(page_events), len(api_events)))
    st_api, _ = api_get(h, token2, "/api/v1/episodes/%d" % EPISODE)
    st, _, html = n2.go("GET", "/episodes/%d" % EPISODE)
    check("an episode the user may not read answers as the API does", st in (403, 404) and st == st_api,
          (st, st_api))
    check("... naming nothing of it", h.EVIL not in html and "household" not in html)
    st, _, _ = n1.go("GET", "/episodes/999999")
    check("an episode that does not exist answers 404", st == 404, st)

    # ---- a person's page
    pid = h.db_rows(db, "SELECT person_id FROM family_member WHERE family_id = ? ORDER BY id LIMIT 1", (FAMILY,))[0][0]
    seq = h.audit_seq(db)
    st, _, html = n1.go("GET", "/people/%d" % pid)
    page_events = events(h, seq)
    check("a person's page renders for the family's lead", st == 200, st)
    h.page_shape("person page", html, "&lt;script&gt;")
    check("... with hostile names as text", h.EVIL not in html and "O&#39;Brien &quot;&amp;&quot;" in html)
    seq = h.audit_seq(db)
    api_get(h, token1, "/api/v1/people/%d" % pid)
    api_get(h, token1, "/api/v1/people/%d/addresses?limit=500" % pid)
    api_get(h, token1, "/api/v1/people/%d/contact-details?limit=500" % pid)
    check("a person's page writes the same audit events as the API", page_events == events(h, seq),
          (page_events, events(h, seq)))
    st_api, _ = api_get(h, token2, "/api/v1/people/%d" % pid)
    st, _, html = n2.go("GET", "/people/%d" % pid)
    check("a person the user may not read answers as the API does", st == st_api and st in (403, 404), (st, st_api))
    check("... naming nothing, and offering break glass when it is a refusal",
          h.EVIL not in html and (st == 404 or 'href="/people/%d/break-glass"' % pid in html))
    h.page_shape("person refusal page", html, "")

    # ---- every question page: renders, refuses those the API refuses, and refuses a form without its token
    for f in FORMS:
        path = "/" + f % EPISODE
        st, _, html = n1.go("GET", path)
        check("GET %s renders for the lead, with a CSRF token" % path, st == 200 and h.hidden_csrf(html), st)
        h.page_shape("form " + path, html, "")
        st2, _, html2 = n2.go("GET", path)
        check("GET %s answers another practitioner as the API answers the episode" % path, st2 == st_api_ep(h, token2),
              st2)
        st, _, _ = n1.go("POST", path, {"x": "1"})
        check("POST %s without the CSRF token is refused 403" % path, st == 403, st)
        st, _, _ = n1.go("POST", path, {"csrf_token": "0" * 48})
        check("POST %s with a wrong CSRF token is refused 403" % path, st == 403, st)
    count_before = h.db_rows(db, "SELECT count(*) FROM case_note")[0][0]

    # ---- every error of a form, in the summary and beside its field
    st, _, html = post_form(h, n1, "/episodes/%d/add-review" % EPISODE, {})
    summary, inline = errors_of(html)
    check("an empty review shows every error: date held and outcome", st == 422 and
          summary == ["held_on-day", "outcome-1"] and inline == ["held_on", "outcome"], (st, summary, inline))
    check("... with the title starting Error:", "<title>Error: " in html)
    form = dict(date_fields("held_on", day(h, 2)), outcome="progress", **date_fields("next_review_due", day(h, 1)))
    st, _, html = post_form(h, n1, "/episodes/%d/add-review" % EPISODE, form)
    summary, inline = errors_of(html)
    check("a review held in the future with its next review before it: both errors", st == 422 and
          inline == ["held_on", "next_review_due"] and len(summary) == 2, (st, summary, inline))
    check("... and the form keeps what was typed", 'value="%d"' % int(day(h, 2)[8:]) in html)
    form = {"note_type": "case_note", "subject": h.EVIL_TEXT, "body": h.EVIL_TEXT,
            **date_fields("occurred_at", day(h, 3)), "occurred_at-time": "10:00"}
    st, _, html = post_form(h, n1, "/episodes/%d/add-note" % EPISODE, form)
    check("a note dated in the future is refused beside its date", st == 422 and
          errors_of(html)[1] == ["occurred_at"], (st, errors_of(html)))
    check("... and hostile text typed into the form comes back as text", h.EVIL not in html and
          html.count("&quot;&#39;&amp; &lt;script&gt;alert(1)&lt;/script&gt;") >= 2)
    check("nothing was written by the refused forms",
          h.db_rows(db, "SELECT count(*) FROM case_note")[0][0] == count_before)

    # ---- a note written through the page: the same events as the API's read and write, and shown as text
    form["occurred_at-day"], form["occurred_at-month"], form["occurred_at-year"] = \
        str(int(day(h, -1)[8:])), str(int(day(h, -1)[5:7])), day(h, -1)[:4]
    _, _, page = n1.go("GET", "/episodes/%d/add-note" % EPISODE)
    seq = h.audit_seq(db)
    st, hd, _ = n1.go("POST", "/episodes/%d/add-note" % EPISODE, dict(form, csrf_token=h.hidden_csrf(page)))
    page_events = events(h, seq)
    check("a note is saved and the page goes back to the episode with a banner",
          st == 303 and hd.get("location") == "/episodes/%d?done=add-note" % EPISODE, (st, hd.get("location")))
    seq = h.audit_seq(db)
    api_get(h, token1, "/api/v1/episodes/%d" % EPISODE)
    body = {"note_type": "case_note", "occurred_at": day(h, -1) + "T10:00Z", "subject": h.EVIL_TEXT,
            "body": h.EVIL_TEXT}  # in the form's order: the event names the fields given, in order
    api_post(h, token1, "/api/v1/episodes/%d/notes" % EPISODE, body)
    api_events = events(h, seq)
    check("... writing the same audit events as the API reading the episode and recording the note",
          page_events == api_events and any(e[1] == "create" for e in page_events), (page_events, api_events))
    st, _, html = n1.go("GET", "/episodes/%d?done=add-note" % EPISODE)
    check("the episode page shows the success banner and the note as text", st == 200 and
          "govuk-notification-banner--success" in html and h.EVIL not in html and
          "&quot;&#39;&amp; &lt;script&gt;alert(1)&lt;/script&gt;" in html)
    st, _, html = n1.go("GET", "/episodes/%d?done=%%3Cscript%%3E" % EPISODE)
    check("a banner is never made from the address", st == 200 and "notification-banner--success" not in html)

    assessment_plan_action(h, n1, n2)
    escaping(h, n1)
    closure(h, n1, n2, mg, token1)
    partner(h)
    break_glass(h, n2, token2)
    consent(h, n1)
    headers(h, [n1, n2, mg])
    h.n1, h.n2 = n1, n2  # for tests/web/supervision.py: one sign-in per user and TOTP step


def api_get(h, who, path):
    """GET an API path as who: a bearer token, or a signed-in Browser (its cookie session)."""
    if isinstance(who, str):
        return h.api_get(h.port, who, path)
    st, _, raw = who.go("GET", path)
    try:
        return st, json.loads(raw)
    except ValueError:
        return st, None


def st_api_ep(h, who):
    return api_get(h, who, "/api/v1/episodes/%d" % EPISODE)[0]


def api_post(h, who, path, body):
    """POST JSON to the API as who: a bearer token, or a Browser (its cookie session and CSRF token)."""
    data = json.dumps(body).encode()
    if isinstance(who, str):
        st, _, raw = h.api.request(h.port, "POST", path, {"Authorization": "Bearer " + who,
                                                          "Content-Type": "application/json"}, data)
    else:
        _, _, page = who.go("GET", "/")
        st, _, raw = who.go("POST", path, None, headers={"Content-Type": "application/json",
                                                         "X-CSRF-Token": h.hidden_csrf(page) or ""}, raw_body=data)
        raw = raw.encode() if isinstance(raw, str) else raw
    return st, (json.loads(raw) if raw else None)


def assessment_plan_action(h, n1, n2):
    check, db = h.check, h.db
    # the whole-family assessment: six areas, working well / worried about / needs to happen, scaling 0-10
    st, hd, _ = post_form(h, n1, "/episodes/%d/add-assessment" % EPISODE,
                          dict(date_fields("started_on", day(h, -3)), organisation=h.EVIL_TEXT))
    check("an assessment is started", st == 303, st)
    aid = h.db_rows(db, "SELECT max(id) FROM assessment WHERE episode_id = ?", (EPISODE,))[0][0]
    st, _, html = n1.go("GET", "/assessments/%d/add-area" % aid)
    check("the area form offers the six areas and a scale of 0 to 10", st == 200 and
          len(re.findall(r'name="area" type="radio"', html)) == 6 and
          len(re.findall(r'name="scale" type="radio"', html)) == 11, st)
    st, _, html = post_form(h, n1, "/assessments/%d/add-area" % aid, {"scale": "11", "working_well": h.EVIL_TEXT})
    summary, inline = errors_of(html)
    check("an area without its area and with a scale of 11: both errors", st == 422 and
          inline == ["area", "scale"] and len(summary) == 2, (st, summary, inline))
    check("... the text typed kept as text", h.EVIL not in html and "&lt;script&gt;" in html)
    st, _, _ = post_form(h, n1, "/assessments/%d/add-area" % aid,
                         {"area": "health", "scale": "4", "working_well": "Mum sees the GP.",
                          "worried_about": h.EVIL_TEXT, "needs_to_happen": "Weekly check-in."})
    check("an area is recorded", st == 303, st)
    st, _, html = post_form(h, n1, "/assessments/%d/add-need" % aid, {"headline": "EDU", "need_code": "HOU_ARREARS"})
    check("a need under the wrong headline is refused beside it", st == 422 and errors_of(html)[1] == ["need_code"],
          (st, errors_of(html)))
    members = [m for (m,) in h.db_rows(db, "SELECT person_id FROM family_member WHERE family_id = ?", (FAMILY,))]
    stranger = h.db_rows(db, "SELECT min(id) FROM person WHERE id NOT IN (SELECT person_id FROM family_member "
                             "WHERE family_id = ?)", (FAMILY,))[0][0]
    st, _, html = n1.go("GET", "/assessments/%d/add-need" % aid)
    offered = sorted(int(x) for x in re.findall(r'<option value="(\d+)"', html))
    check("a need's person is chosen from the family's members, names as text", st == 200 and
          offered == sorted(members) and h.EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html,
          (offered, members))
    st, _, html = post_form(h, n1, "/assessments/%d/add-need" % aid, {"headline": "HOU", "need_code": "HOU_ARREARS",
                                                                      "person_id": str(stranger)})
    check("a need tied to someone outside the family is refused beside the person", st == 422 and
          errors_of(html)[1] == ["person_id"], (st, errors_of(html)))
    st, _, _ = post_form(h, n1, "/assessments/%d/add-need" % aid, {"headline": "HOU", "need_code": "HOU_ARREARS",
                                                                   "person_id": str(members[0])})
    check("a need tied to a member of the family is recorded", st == 303 and h.db_rows(
        db, "SELECT count(*) FROM assessment_need WHERE assessment_id = ? AND person_id = ?",
        (aid, members[0]))[0][0] == 1, st)
    st, _, html = post_form(h, n1, "/assessments/%d/complete" % aid, date_fields("completed_on", day(h, -5)))
    check("an assessment completed before it started is refused", st == 422 and
          errors_of(html)[1] == ["completed_on"], (st, errors_of(html)))
    st, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("the episode page shows the area, its scale and its text as text", st == 200 and
          "Physical and mental health" in html and h.EVIL not in html)
    # a plan, its goal and an action; an action done needs its date
    st, _, html = post_form(h, n1, "/episodes/%d/add-plan" % EPISODE,
                            dict(date_fields("agreed_on", day(h, -2)), **date_fields("ends_on", day(h, -30))))
    check("a plan that ends before it was agreed is refused beside its end", st == 422 and
          errors_of(html)[1] == ["ends_on"], (st, errors_of(html)))
    st, _, _ = post_form(h, n1, "/episodes/%d/add-plan" % EPISODE,
                         dict(date_fields("agreed_on", day(h, -2)), **date_fields("ends_on", day(h, 90))))
    check("a plan is agreed", st == 303, st)
    plan = h.db_rows(db, "SELECT max(id) FROM plan WHERE episode_id = ?", (EPISODE,))[0][0]
    st, _, _ = post_form(h, n1, "/plans/%d/add-goal" % plan, {"description": h.EVIL_TEXT, "headline": "EDU"})
    check("a goal is added", st == 303, st)
    st, _, _ = post_form(h, n1, "/plans/%d/add-action" % plan, dict({"description": "Breakfast club.",
                                                                     "owner_name": h.EVIL_TEXT},
                                                                    **date_fields("due_date", day(h, 10))))
    check("an action is added", st == 303, st)
    act = h.db_rows(db, "SELECT max(id) FROM plan_action WHERE plan_id = ?", (plan,))[0][0]
    st, _, html = post_form(h, n1, "/actions/%d/update" % act, {"status": "done"})
    check("an action marked done without its date is refused beside the date", st == 422 and
          errors_of(html)[1] == ["done_on"], (st, errors_of(html)))
    st, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("the episode page shows the plan's goal and action as text", h.EVIL not in html and
          'href="/actions/%d/update"' % act in html)
    # the question pages under a plan, an action, an assessment and a family: for another practitioner,
    # exactly what the API answers them reading that record; a form without its token refused
    for path, record in (("/plans/%d/add-goal" % plan, "/api/v1/plans/%d" % plan),
                         ("/plans/%d/add-action" % plan, "/api/v1/plans/%d" % plan),
                         ("/actions/%d/update" % act, "/api/v1/actions/%d" % act),
                         ("/assessments/%d/add-area" % aid, "/api/v1/assessments/%d" % aid),
                         ("/assessments/%d/add-need" % aid, "/api/v1/assessments/%d" % aid),
                         ("/assessments/%d/complete" % aid, "/api/v1/assessments/%d" % aid),
                         ("/families/%d/add-consent" % FAMILY, "/api/v1/families/%d" % FAMILY)):
        st, _, html = n1.go("GET", path)
        check("GET %s renders for the lead" % path, st == 200 and h.hidden_csrf(html), st)
        st_api, _ = api_get(h, n2, record)
        st, _, html = n2.go("GET", path)
        check("GET %s answers another practitioner as the API answers %s" % (path, record),
              st == st_api and st in (403, 404) and h.EVIL not in html, (st, st_api))
        st, _, _ = n1.go("POST", path, {"csrf_token": "0" * 48})
        check("POST %s with a wrong CSRF token is refused 403" % path, st == 403, st)


def escaping(h, n1):
    """Hostile text in every text field of the review, activity and TAF forms is saved and shown as text."""
    check = h.check
    esc = "&quot;&#39;&amp; &lt;script&gt;alert(1)&lt;/script&gt;"
    _, _, before = n1.go("GET", "/episodes/%d" % EPISODE)
    for path, form in (
            ("add-review", dict(outcome="progress", notes=h.EVIL_TEXT, **date_fields("held_on", day(h, -1)),
                                **date_fields("next_review_due", day(h, 30)))),
            ("add-activity", dict(activity_type="other", name=h.EVIL_TEXT, provider=h.EVIL_TEXT, attended="yes",
                                  **date_fields("attended_on", day(h, -1)))),
            ("add-taf-member", dict(name=h.EVIL_TEXT, taf_role=h.EVIL_TEXT, **date_fields("from_date", day(h, -1))))):
        st, _, _ = post_form(h, n1, "/episodes/%d/%s" % (EPISODE, path), form)
        check("%s with hostile text in every text field is saved" % path, st == 303, st)
    st, _, html = n1.go("GET", "/episodes/%d" % EPISODE)
    check("... and the episode page shows all five as text", st == 200 and h.EVIL not in html and
          html.count(esc) >= before.count(esc) + 5, (html.count(esc), before.count(esc)))


def closure(h, n1, n2, mg, token1):
    check, db = h.check, h.db
    # the practitioner asks, with check your answers; the manager signs off
    form = dict(date_fields("closure_requested_on", day(h, 0)), closure_request_reason="stepped_up",
                closure_request_note=h.EVIL_TEXT)
    st, _, html = post_form(h, n1, "/episodes/%d/ask-to-close" % EPISODE, form)
    check("asking to close shows check your answers first", st == 200 and "Check your answers" in html and
          'name="confirm" value="yes"' in html and h.EVIL not in html, st)
    check("... and writes nothing yet", h.db_rows(db, "SELECT closure_requested_on FROM episode WHERE id = ?",
                                                  (EPISODE,))[0][0] is None)
    carried = hidden_fields(html)
    st, _, again = n1.go("POST", "/episodes/%d/ask-to-close" % EPISODE, dict(carried, edit="yes"))
    check("changing the answers goes back to the question with them kept", st == 200 and
          'name="closure_request_reason" type="radio" value="stepped_up" checked' in again and
          h.EVIL not in again and "&quot;&#39;&amp; &lt;script&gt;" in again, st)
    st, hd, _ = n1.go("POST", "/episodes/%d/ask-to-close" % EPISODE, carried)
    check("confirming sends the request", st == 303 and "done=ask-to-close" in hd.get("location", ""), st)
    st, _, html = n1.go("GET", "/closures")
    check("the closure sign-off list is the team manager's", st == 403, st)
    st, _, html = mg.go("GET", "/closures")
    check("the team manager sees the request on the closure sign-off list", st == 200 and
          'href="/episodes/%d/close"' % EPISODE in html and h.EVIL not in html, st)
    h.page_shape("closures page", html, "Requests to close cases")
    st, _, html = post_form(h, n1, "/episodes/%d/close" % EPISODE, dict(date_fields("end_date", day(h, 0)),
                                                                        closure_reason="stepped_up"))
    check("a practitioner cannot close the case", st == 403, st)
    st_api, _ = api_get(h, mg, "/api/v1/episodes/%d" % EPISODE)
    st, _, html = mg.go("GET", "/episodes/%d" % EPISODE)
    check("the team manager's episode page renders as the API answers, offering to close, not to ask",
          st == st_api == 200 and 'href="/episodes/%d/close"' % EPISODE in html and "ask-to-close" not in html and
          "Closure requested" in html, (st, st_api))
    st, _, html = mg.go("GET", "/episodes/%d/close" % EPISODE)
    check("the manager's closing page shows the request", st == 200 and "Stepped up" in html and
          "&quot;&#39;&amp; &lt;script&gt;" in html, st)
    open_actions = h.db_rows(db, "SELECT count(*) FROM plan_action a JOIN plan p ON p.id = a.plan_id WHERE "
                                 "p.episode_id = ? AND a.status = 'open'", (EPISODE,))[0][0]
    st, _, html = post_form(h, mg, "/episodes/%d/close" % EPISODE, dict(date_fields("end_date", day(h, 0)),
                                                                        closure_reason="stepped_up"))
    check("closing with actions open asks what happens to them", open_actions > 0 and st == 422 and
          errors_of(html)[1] == ["open_actions"], (open_actions, st, errors_of(html)))
    st, _, _ = post_form(h, mg, "/episodes/%d/close" % EPISODE, dict(date_fields("end_date", day(h, 0)),
                                                                     closure_reason="stepped_up",
                                                                     open_actions="cancelled"))
    check("the manager closes the case", st == 303, st)
    check("... and the open actions are cancelled", h.db_rows(
        db, "SELECT count(*) FROM plan_action a JOIN plan p ON p.id = a.plan_id WHERE p.episode_id = ? AND "
            "a.status = 'open'", (EPISODE,))[0][0] == 0)
    st, _, _ = post_form(h, n1, "/episodes/%d/add-note" % EPISODE,
                         {"note_type": "phone_call", "body": "Handover to social care.",
                          **date_fields("occurred_at", day(h, 0)), "occurred_at-time": "09:00"})
    st2, _, html = n1.go("GET", "/families/%d" % FAMILY)
    check("a note after closure is marked as such in the chronology", st == 303 and st2 == 200 and
          "recorded after the case closed" in html, (st, st2))
    st, _, html = post_form(h, n1, "/episodes/%d/reopen" % EPISODE, {}, csrf_from="/episodes/%d" % EPISODE)
    check("a practitioner cannot re-open the case alone", st == 403, st)
    st, _, _ = post_form(h, mg, "/episodes/%d/reopen" % EPISODE, {})
    check("the manager re-opens it", st == 303 and h.db_rows(db, "SELECT end_date FROM episode WHERE id = ?",
                                                             (EPISODE,))[0][0] is None, st)


def partner(h):
    check, db = h.check, h.db
    p = h.Browser(h.port)
    h.sign_in(p, h.logins, PARTNER)
    token = p
    st, _, html = p.go("GET", "/")
    shown = sorted(set(int(x) for x in re.findall(r'href="/families/(\d+)"', html)))
    _, doc = api_get(h, token, "/api/v1/worklist/caseload")
    want = sorted(set(it["family"]["id"] for it in (doc or {}).get("items", [])))
    check("a partner's worklist lists the families shared with them", st == 200 and shown == want and
          FAMILY in shown, (shown, want))
    st, _, html = p.go("GET", "/families/%d" % FAMILY)
    check("a partner's family page renders", st == 200, st)
    # only the sections shared: a list the API refuses the partner is not on the page
    for sub, mark in (("notes", "Note</strong>"), ("reviews", "Review</strong>"), ("plans", "Plan</strong>")):
        st_api, _ = api_get(h, token, "/api/v1/episodes/%d/%s" % (EPISODE, sub))
        on_page = mark in html
        check("a partner sees %s on the family page only when the API shares them" % sub,
              st_api == 200 or not on_page, (st_api, on_page))
    st_api, _ = api_get(h, token, "/api/v1/episodes/%d" % EPISODE)
    st, _, html = p.go("GET", "/episodes/%d" % EPISODE)
    check("a partner's episode page answers as the API does", st == st_api, (st, st_api))
    if st == 200:
        check("... offering a contribution to the Team Around the Family, not the case's structure",
              'href="/episodes/%d/add-note"' % EPISODE in html and "ask-to-close" not in html and
              "add-plan" not in html and "add-area" not in html and "/update" not in html)
    form = {"note_type": "taf_contribution", "body": "Police: no further call-outs. " + h.EVIL_TEXT,
            **date_fields("occurred_at", day(h, -1)), "occurred_at-time": "11:00"}
    st_api, _ = api_post(h, token, "/api/v1/episodes/%d/notes" % EPISODE, dict(
        note_type="taf_contribution", body="Police: via the API.", occurred_at=day(h, -1) + "T11:00Z"))
    st, _, _ = post_form(h, p, "/episodes/%d/add-note" % EPISODE, form)
    check("a partner's contribution to the Team Around the Family is recorded as the API records it",
          (st_api == 201 and st == 303) or (st_api in (403, 404) and st == st_api), (st, st_api))
    h.seen_browsers.append(p)
    h.partner = p


def break_glass(h, n2, token2):
    check, db = h.check, h.db
    st, _, html = n2.go("GET", "/families/%d/break-glass" % FAMILY)
    check("the break glass form renders with its reasons", st == 200 and 'name="reason" type="radio"' in html, st)
    st, _, html = post_form(h, n2, "/families/%d/break-glass" % FAMILY, {})
    summary, inline = errors_of(html)
    check("break glass without a reason or an explanation shows both errors", st == 422 and
          inline == ["reason", "explanation"] and len(summary) == 2, (st, summary, inline))
    seq = h.audit_seq(db)
    st, hd, _ = post_form(h, n2, "/families/%d/break-glass" % FAMILY,
                          {"reason": "welfare_of_child", "explanation": "Child at risk tonight; " + h.EVIL_TEXT})
    check("break glass with its reason goes to the family", st == 303 and
          hd.get("location", "").startswith("/families/%d" % FAMILY), (st, hd.get("location")))
    check("... audited as break glass", any(e[1] == "break_glass" for e in events(h, seq)), events(h, seq))
    st, _, html = n2.go("GET", "/families/%d" % FAMILY)
    check("... and the family page now opens", st == 200 and h.EVIL not in html, st)


def consent(h, n1):
    check = h.check
    st, _, html = n1.go("GET", "/families/%d/add-consent" % FAMILY)
    check("the consent form offers agency types as checkboxes", st == 200 and
          'name="agency_types" type="checkbox" value="police"' in html, st)
    st, _, html = post_form(h, n1, "/families/%d/add-consent" % FAMILY,
                            dict({"scope": "share_named_agency_types", "method": "written"},
                                 **date_fields("given_on", day(h, -1))))
    check("consent to share with named agencies naming none is refused beside them", st == 422 and
          errors_of(html)[1] == ["agency_types"], (st, errors_of(html)))
    _, _, page = n1.go("GET", "/families/%d/add-consent" % FAMILY)
    body = "&".join(["csrf_token=" + h.hidden_csrf(page), "scope=share_named_agency_types", "method=written",
                     "agency_types=school", "agency_types=police", "given_by_name=%26lt%3B",
                     "given_on-day=%d" % int(day(h, -1)[8:]), "given_on-month=%d" % int(day(h, -1)[5:7]),
                     "given_on-year=" + day(h, -1)[:4]])
    st, _, _ = raw_post(h, n1, "/families/%d/add-consent" % FAMILY, body)
    got = h.db_rows(h.db, "SELECT agency_types FROM consent WHERE family_id = ? ORDER BY id DESC LIMIT 1", (FAMILY,))
    check("consent naming two agency types is stored as their codes", st == 303 and got and
          got[0][0] == "school,police", (st, got))


def raw_post(h, b, path, body):
    import urllib.parse  # noqa: F401
    return b.go("POST", path, None, headers={"Content-Type": "application/x-www-form-urlencoded"},
                raw_body=body.encode())


def headers(h, browsers):
    bad = []
    for b in browsers + h.seen_browsers:
        for method, path, st, hd in b.seen:
            csp = hd.get("content-security-policy", "")
            if not (all(x in csp for x in h.CSP_NEEDS) and "unsafe-inline" not in csp and
                    hd.get("x-content-type-options") == "nosniff" and hd.get("x-frame-options") == "DENY"):
                bad.append((method, path, st))
    h.check("every response of the case pages carries the security headers", not bad, bad)
