#!/usr/bin/env python3
"""background.py — the "Background work" pages and starting a job from the web (src/web/web_jobs.c,
web_jobs_start.c), over HTTP against a real server, as a browser with JavaScript off uses them.

    tests/web/background.py --hearth build/hearth [--keep]
    script/with-postgres env HEARTH_TEST_BACKEND=postgres tests/web/background.py --hearth build/hearth

Builds the small demo council (on SQLite, or in the database HEARTH_TEST_PG names) and serves it with Durham's
policy and the job workers, a job held at its progress points while the file HEARTH_TEST_JOB_HOLD names exists.
Checks:

  - who may open each page: /jobs and /jobs/{id} (another's job is 404 to a practitioner, as the API's),
    /returns/annex-a and /imports/new (governance and analysts; 403 to the others), a pack (governance only);
  - the data protection officer's "Prepare the pack" on a request in the governance register: refused without
    the CSRF token (nothing queued), else queued and on to the job's page, which while the job runs shows the
    region a script keeps up to date with a link to check progress (enough without JavaScript) and a cancel
    button, then offers the download; the download is the pack (a ZIP, its name in Content-Disposition) and its audit event equals the
    API's download's; the administrator, who sees the job, is refused its file (403, audited as denied);
  - cancelling from the page (CSRF refused; then the job stops, cancelled);
  - Annex A: every error of the form in the error summary and beside its field, nothing queued; then queued;
  - a partner's file sent as multipart/form-data: each missing or bad part named in the error summary, nothing
    queued, CSRF refused; hostile bodies (no boundary, cut short, a boundary that never comes, empty, a NUL in
    a field) refused with a 4xx and nothing queued; multipart refused (415) by a page that takes no file; then
    imported, its file name (hostile text) shown escaped;
  - a job's error (hostile text put in the database as a job could have it) shown escaped.

Prints one line per check and `background: N passed, N failed` (`background_pg` on PostgreSQL).
Python 3 standard library only; reuses tests/web/run.py's browser and tests/api/jobs.py's server.
"""
from html import escape as html_escape
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import types
import time
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("web_run", os.path.join(HERE, "run.py"))
web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web)
api = web.api
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from jobs import Server  # noqa: E402
import suite  # noqa: E402

DURHAM = os.path.join(HERE, "..", "..", "policy", "durham.yaml")
SYNTH_MAPPING = os.path.join(HERE, "..", "..", "bench", "link-mappings", "synth.json")
GOVERNANCE, ANALYST, ADMIN, PRACTITIONER = "dpo", "sfcoordinator", "admin", "practitioner.n1"
WAIT = 120  # seconds a job may take to reach a state (a deadline for the check, never a timing)
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append(bool(ok))
    print(("ok " if ok else "FAIL ") + name + ("" if ok or not why else ": " + str(why)[:600]))
    return ok


def multipart(fields, files):
    """A multipart/form-data body: fields {name: text}, files {name: (filename, bytes, type)}."""
    boundary = "hearth" + uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, k)).encode())
        out.write(v.encode() + b"\r\n")
    for k, (name, data, ctype) in files.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                   "Content-Type: %s\r\n\r\n" % (boundary, k, name, ctype)).encode())
        out.write(data + b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode())
    return out.getvalue(), "multipart/form-data; boundary=" + boundary


def refreshes(html):
    """Does the page show work going on: the region hearth-jobs.js keeps up to date, and without JavaScript a
    link to check its progress? (Never a meta refresh: a page reloading itself fails WCAG 2.2.1.)"""
    going = re.search(r'<div id="job-live" data-running="true" aria-live="polite">', html) is not None
    return going and "Check progress</a>" in html and 'http-equiv="refresh"' not in html


def main():
    args, hearth = suite.command_line(__doc__)
    tmp = suite.workdir("webjobs")
    hold = os.path.join(tmp, "hold")
    server = None
    try:
        db, logins = suite.demo_council(hearth, tmp, "webjobs", families=40)
        server = Server(hearth, db, args=["--policy", DURHAM], env={"HEARTH_TEST_JOB_HOLD": hold})
        run(hearth, db, tmp, hold, server.port, list(logins.values()))
    finally:
        if server:
            server.stop()
    passed = sum(RESULTS)
    sys.exit(suite.finish(tmp, args.keep, "background", types.SimpleNamespace(passed=passed,
                                                                              failed=len(RESULTS) - passed)))


def run(hearth, db, tmp, hold, port, logins):
    rows = web.db_rows
    trail = web.trail_of(db)

    def jobs_count():
        return rows(db, "SELECT count(*) FROM job")[0][0]

    browsers = {}
    for name in (GOVERNANCE, ANALYST, ADMIN, PRACTITIONER):
        b = web.Browser(port)
        st, _, _ = web.sign_in(b, logins, name)
        check("%s signs in" % name, st == 303, st)
        browsers[name] = b
    dpo, analyst, admin, prac = (browsers[n] for n in (GOVERNANCE, ANALYST, ADMIN, PRACTITIONER))
    dpo_csrf = web.hidden_csrf(dpo.go("GET", "/jobs")[2])

    def api_call(method, path, body=None):
        """The API as the DPO's browser session calls it (the cookie, and the CSRF token as its header)."""
        st, hdrs, raw = dpo.go(method, path, headers={"Content-Type": "application/json", "X-CSRF-Token": dpo_csrf},
                               raw_body=json.dumps(body).encode() if body is not None else None)
        try:
            return st, hdrs, json.loads(raw) if raw else None
        except ValueError:
            return st, hdrs, raw

    def wait_page(b, path, pattern):
        """The job's page once it shows pattern (a deadline, never a timing)."""
        deadline = time.time() + WAIT
        html = ""
        while time.time() < deadline:
            st, _, html = b.go("GET", path)
            if st == 200 and re.search(pattern, html):
                return html
            time.sleep(0.2)
        return html

    # ---- who may open each page
    for who, b, want in ((GOVERNANCE, dpo, 200), (ANALYST, analyst, 200), (ADMIN, admin, 200),
                         (PRACTITIONER, prac, 200)):
        st, _, html = b.go("GET", "/jobs")
        check("/jobs as %s answers %d" % (who, want), st == want, st)
    for path in ("/returns/annex-a", "/imports/new"):
        for who, b, want in ((GOVERNANCE, dpo, 200), (ANALYST, analyst, 200), (ADMIN, admin, 403),
                             (PRACTITIONER, prac, 403)):
            st, _, _ = b.go("GET", path)
            check("%s as %s answers %d" % (path, who, want), st == want, st)
    st, _, html = analyst.go("GET", "/")
    check("the analyst's worklist leads to the background work and what starts it",
          st == 200 and 'href="/jobs"' in html and 'href="/imports/new"' in html and 'href="/returns/annex-a"' in html)

    # ---- the DPO prepares a pack from the governance register
    person = rows(db, "SELECT min(person_id) FROM family_member")[0][0]
    st, _, req = api_call("POST", "/api/v1/requests", {"kind": "access", "person_id": person, "requester": "self",
                                                       "requester_name": "The person",
                                                       "received_on": api.TEST_NOW[:10]})
    rid = (req or {}).get("id")
    check("governance registers an access request over the API", st == 201 and rid, (st, req))
    st, _, html = dpo.go("GET", "/governance")
    action = "/governance/requests/%s/pack" % rid
    check("the register offers \"Prepare the pack\" on the request", st == 200 and
          'action="%s"' % action in html and "Prepare the pack" in html, st)
    web.page_shape("/governance", html, "Information governance")
    csrf = web.hidden_csrf(html)
    before = jobs_count()
    st, _, _ = dpo.go("POST", action, {})
    check("a pack without the CSRF token is refused (403) and queues nothing", st == 403 and jobs_count() == before,
          st)
    st, _, _ = analyst.go("POST", action, {"csrf_token": web.hidden_csrf(analyst.go("GET", "/jobs")[2])})
    check("an analyst may not prepare a pack (403), nothing queued", st == 403 and jobs_count() == before, st)
    open(hold, "w").close()
    st, hdrs, _ = dpo.go("POST", action, {"csrf_token": csrf})
    loc = hdrs.get("location", "")
    m = re.fullmatch(r"/jobs/(\d+)", loc)
    check("preparing the pack queues it and goes to the job's page (303)", st == 303 and m, (st, loc))
    job = int(m.group(1)) if m else 0
    check("the pack is recorded on the person, naming the job, before it can start",
          rows(trail, "SELECT count(*) FROM audit_event WHERE action = 'subject_access_pack' AND target_id = ? "
                      "AND detail LIKE ?", (person, '%"job":' + str(job) + '%'))[0][0] == 1)
    html = wait_page(dpo, loc, r"Running")
    check("the running job's page shows it going on, with a link to check its progress (no script needed)", refreshes(html), html[:300])
    web.page_shape("/jobs/{id}", html, "Job %d" % job)
    check("the running job's page offers a cancel button (POST, CSRF)",
          'action="/jobs/%d/cancel"' % job in html and web.hidden_csrf(html))
    check("the running job's page offers no download yet", "/jobs/%d/output" % job not in html)
    st, _, _ = dpo.go("GET", "/jobs/%d/output" % job)
    check("its file answers 409 while it runs", st == 409, st)
    st, _, lst = dpo.go("GET", "/jobs")
    check("/jobs lists it, who started it, its state, and a link to check progress while it runs",
          st == 200 and 'href="/jobs/%d"' % job in lst and "Subject access pack" in lst and "You" in lst
          and refreshes(lst))
    st, _, _ = prac.go("GET", "/jobs/%d" % job)
    check("another's job is not found by a practitioner (404)", st == 404, st)
    st, _, _ = prac.go("GET", "/jobs/%d/output" % job)
    check("nor its file (404)", st == 404, st)
    st, _, plist = prac.go("GET", "/jobs")
    check("the practitioner's /jobs does not list it", 'href="/jobs/%d"' % job not in plist)
    os.remove(hold)
    html = wait_page(dpo, loc, r"Download the file|Failed")
    check("the finished job's page no longer asks to be checked and offers the download",
          not refreshes(html) and 'href="/jobs/%d/output"' % job in html and "Done" in html, html[-1500:])
    seq = web.audit_seq(db)
    st, hdrs, raw = dpo.go("GET", "/jobs/%d/output" % job)
    page_events = web.audit_since(db, seq)
    dispo = hdrs.get("content-disposition", "")
    check("the download is the pack: 200, a ZIP (application/zip), its file name",
          st == 200 and raw[:2] == "PK" and hdrs.get("content-type", "").startswith("application/zip")
          and re.fullmatch(r'attachment; filename="subject-access-request-%s\.zip"' % rid, dispo), (st, hdrs))
    check("the download is recorded as one 'download' event on the job",
          [e[1:4] for e in page_events if e[1] == "download"] == [("download", "job", job)], page_events)
    seq = web.audit_seq(db)
    st, _, _ = api_call("GET", "/api/v1/jobs/%d/output" % job)
    api_events = web.audit_since(db, seq)
    check("the page's download event equals the API's", st == 200 and
          [e for e in page_events if e[1] == "download"] == [e for e in api_events if e[1] == "download"],
          (page_events, api_events))
    (dpo_id, dpo_name), = rows(db, "SELECT id, display_name FROM app_user WHERE username = ?", (GOVERNANCE,))
    seq = web.audit_seq(db)
    st, _, html = admin.go("GET", "/jobs/%d" % job)
    check("the administrator sees the job", st == 200 and "/jobs/%d/output" % job in html, st)
    read = [e[1:4] for e in web.audit_since(db, seq) if e[2] == "app_user"]
    check("its page names who started it, reading only them from the directory (one audited read)",
          html_escape(dpo_name) in html and read == [("read", "app_user", dpo_id)], (read, dpo_name))
    seq = web.audit_seq(db)
    st, _, lst = admin.go("GET", "/jobs")
    starters = {r[0] for r in rows(db, "SELECT DISTINCT created_by FROM job WHERE created_by <> "
                                       "(SELECT id FROM app_user WHERE username = ?)", (ADMIN,))}
    read = sorted(e[3] for e in web.audit_since(db, seq) if e[2] == "app_user")
    check("/jobs reads from the directory only those who started the jobs listed, once each",
          st == 200 and html_escape(dpo_name) in lst and read == sorted(starters) and dpo_id in read,
          (read, starters))
    seq = web.audit_seq(db)
    st, _, _ = admin.go("GET", "/jobs/%d/output" % job)
    denied = [e for e in web.audit_since(db, seq) if e[1] == "denied"]
    check("but is refused its file (403), audited as denied", st == 403 and denied, (st, denied))

    # ---- cancelling from the page
    open(hold, "w").close()
    _, _, html = dpo.go("GET", "/governance")
    st, hdrs, _ = dpo.go("POST", action, {"csrf_token": web.hidden_csrf(html)})
    m = re.fullmatch(r"/jobs/(\d+)", hdrs.get("location", ""))
    second = int(m.group(1)) if m else 0
    html = wait_page(dpo, "/jobs/%d" % second, r"Running|Waiting to start")
    st, _, _ = dpo.go("POST", "/jobs/%d/cancel" % second, {})
    check("cancelling without the CSRF token is refused (403)", st == 403 and
          rows(db, "SELECT state FROM job WHERE id = ?", (second,))[0][0] in ("queued", "running"), st)
    st, hdrs, _ = dpo.go("POST", "/jobs/%d/cancel" % second, {"csrf_token": web.hidden_csrf(html)})
    check("cancelling goes back to the job's page", st == 303 and hdrs.get("location") == "/jobs/%d" % second,
          (st, hdrs))
    check("the cancel is audited", rows(trail, "SELECT count(*) FROM audit_event WHERE action = 'cancel' AND "
                                               "target_table = 'job' AND target_id = ?", (second,))[0][0] == 1)
    html = wait_page(dpo, "/jobs/%d" % second, r"Cancelled")  # held at its progress point until the cancel comes
    os.remove(hold)
    check("the cancelled job shows so, with no download and nothing to check",
          "Cancelled" in html and "/jobs/%d/output" % second not in html and not refreshes(html),
          rows(db, "SELECT state, error_code, cancel_requested FROM job WHERE id = ?", (second,)))

    # ---- Annex A
    _, _, form = analyst.go("GET", "/returns/annex-a")
    csrf = web.hidden_csrf(form)
    web.page_shape("/returns/annex-a", form, "Make the Annex A return")
    before = jobs_count()
    st, _, html = analyst.go("POST", "/returns/annex-a", {"csrf_token": csrf, "as_of-day": "31", "as_of-month": "2",
                                                          "as_of-year": "2026", "format": "pdf"})
    check("Annex A with a date that is not a date and an unknown format: 400, both in the error summary",
          st == 400 and "There is a problem" in html and 'href="#as_of-day"' in html and 'href="#format"' in html
          and "must be a real date" in html and "Select what kind of file" in html and jobs_count() == before,
          (st, html[-2000:]))
    check("the error page's title starts Error:", "<title>Error: " in html)
    st, _, _ = analyst.go("POST", "/returns/annex-a", {"as_of-day": "1", "as_of-month": "11", "as_of-year": "2026",
                                                       "format": "xlsx"})
    check("Annex A without the CSRF token is refused (403), nothing queued", st == 403 and jobs_count() == before)
    st, hdrs, _ = analyst.go("POST", "/returns/annex-a", {"csrf_token": csrf, "as_of-day": "", "as_of-month": "",
                                                          "as_of-year": "", "format": "csv2"})
    m = re.fullmatch(r"/jobs/(\d+)", hdrs.get("location", ""))
    check("Annex A as of today, list 2 as CSV: queued, on to its page", st == 303 and m, (st, hdrs))
    if m:
        params = rows(db, "SELECT kind, params FROM job WHERE id = ?", (int(m.group(1)),))[0]
        check("the job is the API's annex_a with the form's choices", params[0] == "annex_a" and
              json.loads(params[1]) == {"as_of": api.TEST_NOW[:10], "format": "csv", "list": "2"}, params)
        html = wait_page(analyst, hdrs["location"], r"Download the file|Failed")
        check("the return is made and offered for download", "Download the file" in html, html[-1500:])

    # ---- a partner's file
    _, _, form = analyst.go("GET", "/imports/new")
    csrf = web.hidden_csrf(form)
    web.page_shape("/imports/new", form, "Import a partner file")
    check("the import form is multipart/form-data with two file inputs",
          'enctype="multipart/form-data"' in form and form.count('type="file"') == 2)
    partner = os.path.join(tmp, "partner.csv")
    index = os.path.join(tmp, "index.csv")
    subprocess.run([hearth, "link", "synth", "--people", "60", "--index", index, "--partner", partner, "--seed", "5"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(partner, "rb") as f:
        csv_bytes = f.read()
    with open(SYNTH_MAPPING, "rb") as f:
        mapping = f.read()

    def upload(b, fields, files):
        body, ctype = multipart(fields, files)
        return b.go("POST", "/imports/new", headers={"Content-Type": ctype}, raw_body=body)

    before = jobs_count()
    st, _, html = upload(analyst, {"csrf_token": csrf, "dataset": ""}, {})
    check("an import with nothing chosen: 400, the dataset and both files in the error summary, nothing queued",
          st == 400 and 'href="#dataset"' in html and 'href="#mapping"' in html and 'href="#file"' in html
          and jobs_count() == before, (st, html[-1500:]))
    st, _, html = upload(analyst, {"csrf_token": csrf, "dataset": "bad name!"},
                         {"mapping": ("m.json", b"{not json", "application/json"),
                          "file": ("p.csv", csv_bytes, "text/csv")})
    check("a bad dataset name and a mapping that is not JSON are named, nothing queued",
          st == 400 and "The dataset&#39;s name must be" in html.replace("&#x27;", "&#39;")
          and "not a mapping Hearth can use" in html and jobs_count() == before, (st, html[-1500:]))
    st, _, html = upload(analyst, {"csrf_token": csrf, "dataset": "web_upload"},
                         {"mapping": ("m.json", mapping, "application/json"),
                          "file": ("p.csv", b"a,b\n1,2\n", "text/csv")})
    check("a file without the mapping's columns is refused with the reader's reason, nothing queued",
          st == 400 and 'href="#file"' in html and "cannot be imported" in html and jobs_count() == before,
          (st, html[-1500:]))
    st, _, _ = upload(analyst, {"dataset": "web_upload"}, {"mapping": ("m.json", mapping, "application/json"),
                                                           "file": ("p.csv", csv_bytes, "text/csv")})
    check("an upload without the CSRF token is refused (403), nothing queued", st == 403 and jobs_count() == before,
          st)
    evil_name = "<b>x</b>&\"'.csv"
    st, hdrs, _ = upload(analyst, {"csrf_token": csrf, "dataset": "web_upload"},
                         {"mapping": ("m.json", mapping, "application/json"),
                          "file": (evil_name.replace('"', "%22"), csv_bytes, "text/csv")})
    m = re.fullmatch(r"/jobs/(\d+)", hdrs.get("location", ""))
    check("a good upload is queued as the API's partner_import and goes to its page", st == 303 and m, (st, hdrs))
    if m:
        kind, params = rows(db, "SELECT kind, params FROM job WHERE id = ?", (int(m.group(1)),))[0]
        check("the job's parameters are the dataset and the mapping, never a row",
              kind == "partner_import" and json.loads(params)["dataset"] == "web_upload"
              and json.loads(params)["mapping"] == json.loads(mapping), params[:300])
        html = wait_page(analyst, hdrs["location"], r"Download the file|Failed")
        check("the import runs to the end", "Download the file" in html, html[-1500:])
        check("the file's name from the browser is shown escaped",
              "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html, html[-1500:])
    # hostile multipart bodies: refused, never a server error, nothing queued
    before = jobs_count()
    body, ctype = multipart({"csrf_token": csrf, "dataset": "web_upload"},
                            {"mapping": ("m.json", mapping, "application/json"), "file": ("p.csv", csv_bytes,
                                                                                         "text/csv")})
    hostile = [("no boundary", "multipart/form-data", body),
               ("a body cut short", ctype, body[:len(body) // 2]),
               ("a boundary that never comes", ctype.replace("boundary=", "boundary=x"), body),
               ("an empty body", ctype, b"")]
    for what, ct, raw in hostile:
        st, _, _ = analyst.go("POST", "/imports/new", headers={"Content-Type": ct}, raw_body=raw)
        check("an upload with %s is refused (4xx), nothing queued" % what, 400 <= st < 500 and jobs_count() == before,
              st)
    st, _, html = upload(analyst, {"csrf_token": csrf, "dataset": "web\u0000upload"},
                         {"mapping": ("m.json", mapping, "application/json"), "file": ("p.csv", csv_bytes, "text/csv")})
    check("a dataset name holding a NUL byte is refused in the error summary, nothing queued",
          st == 400 and 'href="#dataset"' in html and jobs_count() == before, st)
    st, _, _ = analyst.go("POST", "/returns/annex-a", headers={"Content-Type": ctype}, raw_body=body)
    check("a page that takes no file refuses multipart/form-data (415)", st == 415, st)
    st, _, _ = upload(prac, {"csrf_token": web.hidden_csrf(prac.go("GET", "/jobs")[2]), "dataset": "web_upload"},
                      {"mapping": ("m.json", mapping, "application/json"), "file": ("p.csv", csv_bytes, "text/csv")})
    check("a practitioner's upload is refused (403)", st == 403, st)

    # ---- a job's error, shown escaped
    evil = web.EVIL_TEXT
    rows(db, "UPDATE job SET state = 'failed', error_code = 'invalid_value', error_message = ?, error_detail = ?, "
             "finished_at = ? WHERE id = ?", (evil, evil, api.TEST_NOW, second))
    st, _, html = dpo.go("GET", "/jobs/%d" % second)
    check("a job's error message and detail are shown escaped", st == 200 and web.EVIL not in html
          and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, html[-1500:])


if __name__ == "__main__":
    main()
