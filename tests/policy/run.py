#!/usr/bin/env python3
"""The council policies and the notices made from them, through the `hearth` program.

usage: tests/policy/run.py HEARTH

Cases:
  - commitments: for each of the five seed councils, every line of tests/policy/commitments/COUNCIL.tsv is one
    commitment of the original notice (a period, a recipient, a right, the research share and its opt-out,
    the controller's and DPO's contacts) and a phrase that `hearth notice --policy policy/COUNCIL.yaml` must
    contain (case and white space normalised);
  - check: `hearth policy check` passes each profile with a one-line summary, and refuses broken copies of
    policy/durham.yaml with FILE:LINE on the line that was broken (exit 1), an unreadable file (exit 1) and
    usage errors (exit 2); --help explains;
  - follows: a period edited in a temporary copy of durham.yaml changes the notice;
  - formats: --format html is escaped (a hostile label), --format json parses and carries the policy;
  - serve: GET /privacy from `hearth serve --policy`, in each format, without signing in; a server with no
    policy answers 404 with an error saying so; `serve --policy` of a broken file refuses to start;
  - behaviour: the policy drives what Hearth does, not only the notice: under Cumbria's an assessment is refused
    until the family's agreement (a consent to support) is recorded, under Durham's it is not; under Oldham's
    ("all the decisions we make about you involve human intervention") the matching engine links no partner's
    row by itself and queues them for review, under Durham's it links the clear ones.
Prints one line per failure and finally `policy: N passed, N failed`.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
COUNCILS = ("durham", "shropshire", "oldham", "cumbria", "northamptonshire")

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def run(hearth, args, cwd=None):
    p = subprocess.run([hearth] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def flat(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def profile(name):
    return os.path.join(ROOT, "policy", name + ".yaml")


# ---- commitments of the five notices ----

def commitments(hearth):
    for council in COUNCILS:
        rc, out, err = run(hearth, ["notice", "--policy", profile(council)])
        check(rc == 0 and out, "%s: hearth notice exit %d: %s" % (council, rc, err[-500:]))
        text = flat(out)
        with open(os.path.join(HERE, "commitments", council + ".tsv"), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.startswith("#") or not line.strip():
                    continue
                what, phrase = line.rstrip("\n").split("\t")
                check(re.search(phrase, text, re.I) is not None,
                      "%s.tsv:%d: %s: the notice does not say /%s/" % (council, n, what, phrase))


# ---- hearth policy check ----

def edit_line(text, old, new):
    """Replace the first line holding `old` with `new`; return the text and that line's number."""
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        if old in ln:
            lines[i] = ln.replace(old, new)
            return "\n".join(lines), i + 1
    raise SystemExit("policy: %r not in durham.yaml" % old)


BROKEN = [  # (what, old, new, words on stderr)
    ("unknown key", "  email: DPO@durham.gov.uk", "  emial: DPO@durham.gov.uk", "unknown key 'emial'"),
    ("a period of nothing", "period: {years: 2}", "period: {years: 0}", "longer than nothing"),
    ("a negative period", "period: {years: 25}", "period: {years: -25}", "whole number from 0"),
    ("an impossible date", "from: 2015-03-12", "from: 2015-02-30", "not a real date"),
    ("yes for a boolean", "assessment_needs_agreement: false", "assessment_needs_agreement: no", "true or false"),
    ("a trigger out of its list", "trigger: programme_end", "trigger: programme_ending", "is not one of"),
    ("a code used twice", "- code: early_help", "- code: contact_nfa", "already used"),
    ("a code with capitals", "- code: supporting_families", "- code: Supporting-Families", "lower-case"),
    ("a hold code out of its list", "- code: IICSA-2015", "- code: IICSA", "is not one of"),
    ("a YAML syntax error", "service: Early Help Services and Stronger Families", "service: Early: Help",
     "not valid YAML"),
    ("a lawful basis out of its list", "lawful_bases: [art6_1_e]", "lawful_bases: [art6_1_z]", "is not one of"),
]


def policy_check(hearth, tmp):
    for council in COUNCILS:
        rc, out, err = run(hearth, ["policy", "check", profile(council)])
        check(rc == 0 and out.count("\n") == 1 and "valid policy '%s'" % council in out and err == "",
              "policy check %s: want exit 0 and one line, got %d %r %r" % (council, rc, out, err))
    with open(profile("durham"), encoding="utf-8") as f:
        durham = f.read()
    for what, old, new, words in BROKEN:
        text, line = edit_line(durham, old, new)
        path = os.path.join(tmp, "broken.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        rc, out, err = run(hearth, ["policy", "check", path])
        want = "%s:%d: " % (path, line)
        hit = [ln for ln in err.split("\n") if ln.startswith(want)]
        check(rc == 1 and out == "" and hit and words in hit[0] and "hint:" in err,
              "policy check (%s): want exit 1 and %s...%s on stderr, got %d:\n%s" % (what, want, words, rc, err))
    # several errors at once, each on its own line
    text, l1 = edit_line(durham, "  email: DPO@durham.gov.uk", "  emial: DPO@durham.gov.uk")
    text, l2 = edit_line(text, "period: {years: 2}", "period: {years: 0}")
    path = os.path.join(tmp, "broken.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    rc, out, err = run(hearth, ["policy", "check", path])
    check(rc == 1 and "%s:%d: " % (path, l1) in err and "%s:%d: " % (path, l2) in err and "(2 errors)" in err,
          "policy check with two errors: want both lines, got %d:\n%s" % (rc, err))
    # an unclosed bracket is found lines later: the message names the line it opened on
    text, line = edit_line(durham, "service: Early Help Services and Stronger Families", "service: [Early Help")
    unclosed = os.path.join(tmp, "unclosed.yaml")
    with open(unclosed, "w", encoding="utf-8") as f:
        f.write(text)
    rc, out, err = run(hearth, ["policy", "check", unclosed])
    check(rc == 1 and "not valid YAML" in err and "starts on line %d" % line in err,
          "policy check of an unclosed [: names the line it opened on, got %d:\n%s" % (rc, err))
    rc, out, err = run(hearth, ["policy", "check", os.path.join(tmp, "absent.yaml")])
    check(rc == 1 and "cannot be read" in err, "policy check of an absent file: got %d %r" % (rc, err))
    for args in (["policy", "check"], ["policy", "check", "a", "b"], ["policy", "check", "--bogus"],
                 ["notice"], ["notice", "--policy"], ["notice", "--policy", profile("durham"), "--format", "pdf"],
                 ["notice", "--policy", profile("durham"), "extra"]):
        rc, out, err = run(hearth, args)
        check(rc == 2 and err.strip(), "usage error %r: want exit 2 with a message, got %d" % (args, rc))
    for args in (["policy", "check", "--help"], ["notice", "--help"]):
        rc, out, err = run(hearth, args)
        check(rc == 0 and "usage:" in out, "%r: want exit 0 and usage, got %d" % (args, rc))
    rc, out, err = run(hearth, ["notice", "--policy", path])
    check(rc == 1 and "%s:%d: " % (path, l1) in err, "notice of a broken policy: want exit 1 and FILE:LINE")


# ---- the notice follows the policy ----

def follows(hearth, tmp):
    with open(profile("durham"), encoding="utf-8") as f:
        durham = f.read()
    rc, before, _ = run(hearth, ["notice", "--policy", profile("durham")])
    text, _ = edit_line(durham, "period: {years: 2}", "period: {years: 3, months: 6}")
    path = os.path.join(tmp, "durham.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    rc2, after, err = run(hearth, ["notice", "--policy", path])
    b, a = flat(before), flat(after)
    check(rc == 0 and rc2 == 0, "notice of the edited copy: exit %d %s" % (rc2, err))
    check("kept for 2 years from the date the case is closed" in b and
          "kept for 2 years from the date the case is closed" not in a,
          "the old period is gone from the notice once the policy changes")
    check("kept for 3 years and 6 months from the date the case is closed" in a,
          "the new period is in the notice once the policy changes")
    # the hold's release period too
    text, _ = edit_line(durham, "release_after: {years: 6}", "release_after: {years: 10}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    rc, after, err = run(hearth, ["notice", "--policy", path])
    check("until 10 years after this ends" in flat(after), "the hold's release period follows the policy")


# ---- formats ----

def formats(hearth, tmp):
    with open(profile("durham"), encoding="utf-8") as f:
        durham = f.read()
    text, _ = edit_line(durham, "label: Housing records", "label: \"<script>alert('x')</script> & <b>\"")
    path = os.path.join(tmp, "hostile.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    rc, out, err = run(hearth, ["notice", "--policy", path, "--format", "html"])
    check(rc == 0 and out.startswith("<!doctype html>") and "<script>" not in out and "<b>" not in out and
          "&lt;script&gt;alert(" in out and "&amp; &lt;b&gt;" in out,
          "html notice: every value escaped (exit %d)" % rc)
    rc, out, err = run(hearth, ["notice", "--policy", profile("durham"), "--format", "json"])
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    check(rc == 0 and doc.get("profile") == "durham" and len(doc.get("sections", [])) > 8 and
          doc.get("policy", {}).get("retention", {}).get("classes", [{}])[0].get("period") == {"years": 2},
          "json notice: parses, with its sections and the policy")
    rc, out, err = run(hearth, ["notice", "--policy", profile("durham"), "--format", "text"])
    rc2, out2, _ = run(hearth, ["notice", "--policy", profile("durham")])
    check(rc == 0 and out == out2 and max(len(ln) for ln in out.split("\n")) <= 78,
          "text is the default format, wrapped at 78 columns")


# ---- GET /privacy ----

class Server:
    def __init__(self, hearth, db, extra, cwd=None):
        self.proc = subprocess.Popen([hearth, "serve", "--db", db, "--port", "0"] + extra, cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log, self.port = [], None
        started = threading.Event()

        def drain():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.log.append(line)
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("event") == "server_started":
                    self.port = int(ev["port"])
                    started.set()
            started.set()

        threading.Thread(target=drain, daemon=True).start()
        started.wait(30)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, r.getheader("Content-Type"), body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return "did not stop"
        return None if self.proc.returncode == 0 else "exited %s" % self.proc.returncode


def serve(hearth, tmp):
    db = os.path.join(tmp, "hearth.db")
    rc, out, err = run(hearth, ["init", "--db", db])
    check(rc == 0, "hearth init: %s" % err)
    s = Server(hearth, db, ["--policy", profile("oldham")])
    if s.port is None:
        check(False, "serve --policy oldham did not start:\n" + "\n".join(s.log[-20:]))
    else:
        st, ctype, body = s.get("/privacy")
        check(st == 200 and ctype.startswith("text/plain") and "oldham council is the data controller" in flat(body),
              "GET /privacy: the server's policy as text without signing in (got %s %s)" % (st, ctype))
        rc, cli, _ = run(hearth, ["notice", "--policy", profile("oldham")])
        check(body == cli, "GET /privacy is the same notice as `hearth notice`")
        st, ctype, body = s.get("/privacy?format=html")
        check(st == 200 and ctype.startswith("text/html") and "<h1>Privacy notice: Targeted Early Help Service</h1>"
              in body, "GET /privacy?format=html (got %s %s)" % (st, ctype))
        st, ctype, body = s.get("/privacy?format=json")
        check(st == 200 and ctype.startswith("application/json") and json.loads(body)["profile"] == "oldham",
              "GET /privacy?format=json (got %s %s)" % (st, ctype))
        st, ctype, body = s.get("/privacy?format=pdf")
        check(st == 400 and json.loads(body)["error"]["code"] == "bad_parameter",
              "GET /privacy?format=pdf answers 400 (got %s)" % st)
        st, ctype, body = s.get("/privacy?lang=cy")
        check(st == 400, "GET /privacy with an undeclared parameter answers 400 (got %s)" % st)
        check(any('"policy_loaded"' in ln and "oldham" in ln for ln in s.log), "the server logs the policy it loaded")
        stop = s.stop()
        check(stop is None, "server stops cleanly: %s" % stop)

    # No policy: a copy of the program outside the source tree, run where there is no policy/ directory.
    lone = os.path.join(tmp, "bin")
    os.makedirs(lone, exist_ok=True)
    shutil.copy(hearth, os.path.join(lone, "hearth"))
    s = Server(os.path.join(lone, "hearth"), db, [], cwd=tmp)
    if s.port is None:
        check(False, "serve without a policy did not start:\n" + "\n".join(s.log[-20:]))
    else:
        st, ctype, body = s.get("/privacy")
        err = json.loads(body).get("error", {}) if st == 404 else {}
        check(st == 404 and err.get("code") == "not_found" and "policy" in err.get("detail", "") and
              "--policy" in err.get("hint", ""), "GET /privacy without a policy: 404 saying so (got %s %s)" % (st, body))
        check(any('"no_policy"' in ln for ln in s.log), "a server without a policy logs a warning")
        st, _, _ = s.get("/healthz")
        check(st == 200, "a server without a policy still serves")
        stop = s.stop()
        check(stop is None, "server stops cleanly: %s" % stop)

    # The default: policy/durham.yaml from the working directory.
    s = Server(os.path.join(lone, "hearth"), db, [], cwd=ROOT)
    if s.port is None:
        check(False, "serve with the default policy did not start:\n" + "\n".join(s.log[-20:]))
    else:
        st, _, body = s.get("/privacy")
        check(st == 200 and "durham county council is the data controller" in flat(body),
              "without --policy the server serves policy/durham.yaml of the working directory (got %s)" % st)
        s.stop()

    # A broken policy stops the server before it serves.
    with open(profile("durham"), encoding="utf-8") as f:
        text, line = edit_line(f.read(), "from: 2015-03-12", "from: 2015-13-12")
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w", encoding="utf-8") as f:
        f.write(text)
    p = subprocess.run([hearth, "serve", "--db", db, "--port", "0", "--policy", bad], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    e = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 1 and "%s:%d: " % (bad, line) in e,
          "serve --policy with a broken file: exit 1 and FILE:LINE (got %d %s)" % (p.returncode, e[-400:]))


def ropa(hearth, tmp):
    """`hearth policy ropa`: the article 30 record, one row per data category, following the policy."""
    import csv
    import io
    for council in COUNCILS:
        rc, out, err = run(hearth, ["policy", "ropa", "--policy", profile(council)])
        rows = list(csv.DictReader(io.StringIO(out))) if rc == 0 else []
        rc2, js, _ = run(hearth, ["notice", "--policy", profile(council), "--format", "json"])
        doc = json.loads(js)["policy"] if rc2 == 0 else {}
        cats = [c["label"] for c in doc.get("data_categories", [])]
        check(rc == 0 and [r["data_category"] for r in rows] == cats and all(
            r["controller"] == doc["controller"]["name"] and r["retention"] and r["lawful_basis"] for r in rows),
            "%s: the record of processing has a row per data category with controller, basis and retention (%s)"
            % (council, err[-200:]))
    with open(profile("durham"), encoding="utf-8") as f:
        text, _ = edit_line(f.read(), "period: {years: 2}", "period: {years: 3}")
    changed = os.path.join(tmp, "ropa-durham.yaml")
    with open(changed, "w", encoding="utf-8") as f:
        f.write(text)
    _, before, _ = run(hearth, ["policy", "ropa", "--policy", profile("durham")])
    _, after, _ = run(hearth, ["policy", "ropa", "--policy", changed])
    check("Kept for 2 years" in before and "Kept for 3 years" in after and "Kept for 2 years" not in after,
          "a period changed in the policy changes the record of processing")
    rc, html, _ = run(hearth, ["policy", "ropa", "--policy", profile("durham"), "--format", "html"])
    check(rc == 0 and html.startswith("<!DOCTYPE html>") and "<h1>Record of processing activities" in html,
          "--format html writes a page")
    rc, _, _ = run(hearth, ["policy", "ropa", "--format", "pdf"])
    check(rc == 2, "ropa --format pdf is a usage error")


def behaviour(hearth, tmp):
    sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
    import run as api  # the API suite's sign-in and request helpers
    import sqlite3
    db = os.path.join(tmp, "behaviour.db")
    logins = os.path.join(tmp, "logins.json")
    rc, _, err = run(hearth, ["demo", "--db", db, "--logins", logins] + api.DEMO_ARGS)
    check(rc == 0, "hearth demo: %s" % err)
    con = sqlite3.connect(db)
    # An open episode and its lead practitioner; its family's agreement to support is withdrawn for the test.
    row = con.execute("SELECT e.id, e.family_id, u.username FROM episode e JOIN app_user u ON u.id = e.lead_user_id"
                      " WHERE e.end_date IS NULL AND u.role = 'practitioner' ORDER BY e.id LIMIT 1").fetchone()
    check(row is not None, "the demo has an open episode with a lead practitioner")
    if row is None:
        return
    episode, family, lead = row
    with con:
        con.execute("UPDATE consent SET withdrawn_on = '2026-11-01' WHERE family_id = ? AND scope = 'support'"
                    " AND withdrawn_on IS NULL", (family,))
    con.close()
    body = json.dumps({"started_on": "2026-11-20", "organisation": "Early Help", "summary": "Policy test."}).encode()
    results = {}
    for council in ("durham", "cumbria"):
        s = Server(hearth, db, ["--policy", profile(council)])
        if s.port is None:
            check(False, "serve --policy %s did not start" % council)
            continue
        token = api.session_of(s.port, logins, lead)[0]
        hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        st, _, raw = api.request(s.port, "POST", "/api/v1/episodes/%d/assessments" % episode, hdr, body)
        results[council] = (st, raw)
        if council == "cumbria":
            detail = json.loads(raw).get("error", {}).get("detail", "") if st == 409 else ""
            check(st == 409 and "agreement" in detail,
                  "cumbria: an assessment without the family's agreement is refused (got %d %s)" % (st, raw[:200]))
            consent = json.dumps({"scope": "support", "method": "verbal", "given_on": "2026-11-21",
                                  "given_by_name": "The family"}).encode()
            st, _, raw = api.request(s.port, "POST", "/api/v1/families/%d/consents" % family, hdr, consent)
            check(st == 201, "cumbria: the family's agreement is recorded (got %d %s)" % (st, raw[:200]))
            st, _, raw = api.request(s.port, "POST", "/api/v1/episodes/%d/assessments" % episode, hdr, body)
            check(st == 201, "cumbria: with the agreement recorded the assessment starts (got %d %s)" % (st, raw[:200]))
        else:
            check(st == 201, "durham: an assessment needs no recorded agreement (got %d %s)" % (st, raw[:200]))
        stop = s.stop()
        check(stop is None, "server stops cleanly: %s" % stop)

    # Linking partners' rows: Oldham's policy keeps a person in every decision; Durham's lets the engine link.
    parts = os.path.join(tmp, "partners")
    rc, _, err = run(hearth, ["demo", "partners", "--db", db, "--out", parts, "--seed", "7", "--as-of", "2026-11-23"])
    check(rc == 0, "hearth demo partners: %s" % err)
    counts = {}
    for council in ("oldham", "durham"):
        copy = os.path.join(tmp, "link-%s.db" % council)
        sqlite3.connect(db).backup(sqlite3.connect(copy))
        rc, _, err = run(hearth, ["import", "--db", copy, "--dataset", "police", "--mapping",
                                  os.path.join(parts, "police_incidents.json"),
                                  os.path.join(parts, "police_incidents.csv")])
        check(rc == 0, "import police_incidents: %s" % err)
        rc, out, err = run(hearth, ["link", "index", "--db", copy, "--dataset", "police", "--policy", profile(council)])
        check(rc == 0, "link index --policy %s: %s" % (council, err))
        c = sqlite3.connect(copy)
        counts[council] = c.execute("SELECT (SELECT count(*) FROM partner_record WHERE person_id IS NOT NULL),"
                                    " (SELECT count(*) FROM match_pair WHERE state = 'pending')").fetchone()
        c.close()
    linked, queued = counts.get("oldham", (None, None))
    check(linked == 0 and queued, "oldham: the engine links nothing by itself and queues its suggestions for review "
          "(linked %s, queued %s)" % (linked, queued))
    d_linked, d_queued = counts.get("durham", (0, 0))
    check(d_linked > 0 and queued >= d_linked + d_queued - 0 if queued else False,
          "durham: the engine links the clear candidates itself (linked %s, queued %s; oldham queued %s)" %
          (d_linked, d_queued, queued))


def main():
    hearth = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="hearth-policy-")
    try:
        commitments(hearth)
        policy_check(hearth, tmp)
        follows(hearth, tmp)
        formats(hearth, tmp)
        serve(hearth, tmp)
        ropa(hearth, tmp)
        behaviour(hearth, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("policy: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
