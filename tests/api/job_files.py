#!/usr/bin/env python3
"""job_files.py — the background jobs that make a file, and the download of it (src/jobs/README.md).

    tests/api/job_files.py --hearth build/hearth [--keep]
    script/with-postgres env HEARTH_TEST_BACKEND=postgres tests/api/job_files.py --hearth build/hearth

Builds a small demo council (on SQLite, or with HEARTH_TEST_BACKEND=postgres in the database HEARTH_TEST_PG
names) and runs servers with Durham's policy on it. Checks, for each kind:

  - sar_pack: POST /api/v1/requests/{id}/pack answers 202 with the job (Location), records the pack on the
    person durably before the job can start, is seen running with its stage as progress (held at its
    progress points while the file HEARTH_TEST_JOB_HOLD names exists), then succeeds; its file is a ZIP that
    holds the pack; its output answers 409 while it runs;
  - annex_a: POST /api/v1/returns/annex-a queues the return (a bad body is refused and queues nothing), one
    at a time (a second waits queued while the first runs), every child recorded as exported by the asker;
    the CSV is the list;
  - research_extract: POST /api/v1/returns/research-extracts {"job": true} queues the sealed extract for
    governance (an analyst is refused before anything is queued); the file opens with the recipient's secret
    key and its digest is the extract's reference;
  - partner_import: POST /api/v1/imports with a mapping and a synthetic partner file (one row broken) is
    refused at once for bad input (nothing queued), else imported by a job: the good rows kept, the bad one
    the job's output with its line, the import on the audit trail, the uploaded bytes deleted once it ran;
  - the download: the one who asked has it (200, the kind's type and file name, the bytes the result counts),
    each download an audit event; governance has the analyst's return; the administrator, who sees every
    job, is refused (403, audited as denied); a practitioner does not see the job (404);
  - cancel: a running job cancelled at its progress point keeps no file (409) and records no export;
  - kill -9 mid-job: the next server fails it as job_interrupted, it has no file, and a new one succeeds;
  - expiry: past the files' time (JOBS_OUTPUT_DAYS) a retention run carried out (`hearth retention run
    --confirm` on an approved plan; a dry run deletes nothing; on SQLite only, where the command runs)
    deletes every file's bytes, keeping the rows; the download answers 410 gone; a file made later goes the
    same way by the server's workers' sweep.

Prints one line per check and finally `job_files: N passed, N failed` (`job_files_pg` on PostgreSQL).
Python 3 standard library only.
"""
import csv
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile

import suite
import testdb
from signin import Checks, call, hearth_cli, header, session_of
from jobs import Server, later, job_processes

HERE = os.path.dirname(os.path.abspath(__file__))
DURHAM = os.path.join(HERE, "..", "..", "policy", "durham.yaml")
SYNTH_MAPPING = os.path.join(HERE, "..", "..", "bench", "link-mappings", "synth.json")
TEST_NOW = os.environ.setdefault("HEARTH_NOW", "2026-11-23T12:00:00Z")
ANALYST, GOVERNANCE, ADMIN, PRACTITIONER = "sfcoordinator", "dpo", "admin", "practitioner.n1"
WAIT = 120  # seconds a job may take to reach a state before the check fails (a deadline, not a timing)
OUTPUT_DAYS = 7  # JOBS_OUTPUT_DAYS (src/jobs/jobs.h)


def main():
    args, hearth = suite.command_line(__doc__)
    tmp = suite.workdir("jobfiles")
    check = Checks()
    db, logins = suite.demo_council(hearth, tmp, "jobfiles", families=40)
    trail_db = testdb.trail(db)
    hold = os.path.join(tmp, "hold")

    def rows(database, query, params=()):
        """Rows of query on the main database or the trail, whichever back end (values as text)."""
        con = testdb.connect(database)
        try:
            return [tuple("" if v is None else str(v) for v in r) for r in con.execute(query, params)]
        finally:
            con.close()

    def count(database, query, params=()):
        return int(rows(database, query, params)[0][0])

    def user_id(name):
        return int(rows(db, "SELECT id FROM app_user WHERE username = ?", (name,))[0][0])

    env = {"HEARTH_TEST_JOB_HOLD": hold}
    state = {}

    def start(extra_env=None, policy=DURHAM):
        e = dict(env)
        e.update(extra_env or {})
        state["server"] = Server(hearth, db, args=["--policy", policy], env=e)
        state["tok"] = {u: session_of(state["server"].port, logins[u]) for u in (ANALYST, GOVERNANCE, ADMIN,
                                                                                  PRACTITIONER)}

    def api(user, method, path, body=None):
        st, hdrs, doc = call(state["server"].port, method, path, body,
                             {"Authorization": "Bearer " + state["tok"][user]})
        return st, hdrs, doc or {}

    def download(user, job_id):
        """(status, headers, raw bytes) of GET /api/v1/jobs/{id}/output."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", state["server"].port, timeout=60)
        try:
            conn.request("GET", "/api/v1/jobs/%s/output" % job_id,
                         headers={"Authorization": "Bearer " + state["tok"][user]})
            r = conn.getresponse()
            return r.status, [(k.lower(), v) for k, v in r.getheaders()], r.read()
        finally:
            conn.close()

    def error_of(raw):
        try:
            return (json.loads(raw) or {}).get("error") or {}
        except ValueError:
            return {}

    def wait_for(url, states, user, stage=None):
        return suite.wait_for_job(api, user, url, states, stage, WAIT)

    done = ("succeeded", "failed", "cancelled")
    gov_id, analyst_id, admin_id = user_id(GOVERNANCE), user_id(ANALYST), user_id(ADMIN)
    person = int(rows(db, "SELECT min(person_id) FROM family_member")[0][0])
    start()

    # ---- a subject-access pack as a job
    st, _, reqdoc = api(GOVERNANCE, "POST", "/api/v1/requests",
                        {"kind": "access", "person_id": person, "requester": "self", "requester_name": "The person",
                         "received_on": TEST_NOW[:10]})
    rid = reqdoc.get("id")
    check(st == 201 and rid, "governance registers an access request", (st, reqdoc))
    open(hold, "w").close()
    packs_before = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'subject_access_pack' "
                                   "AND target_id = ?", (person,))
    st, hdrs, job = api(GOVERNANCE, "POST", "/api/v1/requests/%s/pack" % rid)
    url = "/api/v1/jobs/%s" % job.get("id")
    pack_job = job.get("id")
    check(st == 202 and header(hdrs, "location") == url and job.get("kind") == "sar_pack"
          and job.get("state") in ("queued", "running"), "a pack is accepted as a job: 202, its URL in Location",
          (st, hdrs, job))
    packs_after = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'subject_access_pack' "
                                  "AND target_id = ? AND detail LIKE ?", (person, '%"job":' + str(pack_job) + '%'))
    check(packs_after == 1 and packs_before == 0,
          "the pack is on the person's record, naming the job, before the job can start", (packs_before, packs_after))
    doc = wait_for(url, ("running",), GOVERNANCE, stage="reading the request")
    check(doc.get("state") == "running" and doc.get("progress", {}).get("total") == 3,
          "the pack's job is seen running, its stage and steps as progress", doc)
    st, _, raw = download(GOVERNANCE, pack_job)
    check(st == 409 and error_of(raw).get("code") == "conflict" and url in error_of(raw).get("hint", ""),
          "its file is not there while it runs (409, with the job's URL)", (st, raw[:300]))
    st, _, doc = api(ANALYST, "POST", "/api/v1/requests/%s/pack" % rid)
    check(st == 403, "an analyst does not make packs", (st, doc))
    jobs_before = count(db, "SELECT count(*) FROM job")
    st, _, doc = api(GOVERNANCE, "POST", "/api/v1/requests/%s/pack" % rid, {"portable": True})
    st2, _, doc2 = api(GOVERNANCE, "POST", "/api/v1/requests/999999/pack")
    check(st == 422 and (doc.get("error") or {}).get("code") == "unknown_field" and st2 == 404
          and count(db, "SELECT count(*) FROM job") == jobs_before,
          "a pack asked for with fields, or for no request, is refused and queues nothing", (st, doc, st2, doc2))
    os.remove(hold)
    doc = wait_for(url, done, GOVERNANCE)
    res = doc.get("result") or {}
    check(doc.get("state") == "succeeded" and res.get("request_id") == rid and res.get("bytes", 0) > 0
          and doc.get("result_ref") == "request/%s" % rid, "the pack's job succeeds", doc)
    st, hdrs, raw = download(GOVERNANCE, pack_job)
    names = []
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except zipfile.BadZipFile:
        pass
    check(st == 200 and header(hdrs, "content-type") == "application/zip"
          and ("subject-access-request-%s.zip" % rid) in (header(hdrs, "content-disposition") or "")
          and len(raw) == res.get("bytes") and len(names) > 1,
          "whoever asked downloads the pack: a ZIP of %d files, the size the result says" % len(names),
          (st, hdrs, len(raw), names[:5]))
    downloads = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'download' AND target_table = 'job' "
                                "AND target_id = ? AND actor_user_id = ?", (pack_job, gov_id))
    check(downloads == 1, "the download is an audit event for the one who downloaded", downloads)
    st, _, raw = download(PRACTITIONER, pack_job)
    check(st == 404, "a practitioner does not see the pack's job (404)", (st, raw[:200]))
    st, _, raw = download(ANALYST, pack_job)
    check(st == 404, "nor does an analyst", (st, raw[:200]))
    denied_before = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'denied' AND actor_user_id = ?",
                          (admin_id,))
    st, _, raw = download(ADMIN, pack_job)
    denied_after = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'denied' AND actor_user_id = ?",
                         (admin_id,))
    check(st == 403 and error_of(raw).get("code") == "forbidden" and denied_after == denied_before + 1,
          "the administrator sees the job but not its file (403, audited as denied)", (st, raw[:300]))

    # ---- Annex A as a job: one at a time, bad input refused
    jobs_before = count(db, "SELECT count(*) FROM job")
    st, _, doc = api(ANALYST, "POST", "/api/v1/returns/annex-a", {"format": "pdf"})
    st2, _, doc2 = api(ANALYST, "POST", "/api/v1/returns/annex-a", {"as_of": "2026-13-45"})
    st3, _, doc3 = api(ANALYST, "POST", "/api/v1/returns/annex-a", {"format": "csv"})
    check(st == 422 and st2 == 422 and (doc2.get("error") or {}).get("code") == "invalid_date" and st3 == 422
          and "list" in (doc3.get("error") or {}).get("detail", "")
          and count(db, "SELECT count(*) FROM job") == jobs_before,
          "a bad format, date or list is refused and queues nothing", (st, doc, st2, doc2, st3, doc3))
    st, _, doc = api(PRACTITIONER, "POST", "/api/v1/returns/annex-a", {})
    check(st == 403, "a practitioner does not make the return", (st, doc))
    open(hold, "w").close()
    exports_before = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'export' AND actor_user_id = ?",
                           (analyst_id,))
    st, _, first = api(ANALYST, "POST", "/api/v1/returns/annex-a", {"as_of": TEST_NOW[:10], "format": "csv",
                                                                     "list": "2"})
    st2, _, second = api(ANALYST, "POST", "/api/v1/returns/annex-a", {})
    a1, a2 = first.get("url", "/api/v1/jobs/0"), second.get("url", "/api/v1/jobs/0")
    d1 = wait_for(a1, ("running",), ANALYST, stage="collecting the lists")
    time.sleep(1.5)  # a worker looks for queued jobs every second: give it the chance to (wrongly) take the second
    _, _, d2 = api(ANALYST, "GET", a2)
    check(st == 202 and st2 == 202 and d1.get("state") == "running" and d2.get("state") == "queued",
          "one return at a time: a second waits queued while the first runs", (d1, d2))
    os.remove(hold)
    d1, d2 = wait_for(a1, done, ANALYST), wait_for(a2, done, ANALYST)
    r1, r2 = d1.get("result") or {}, d2.get("result") or {}
    check(d1.get("state") == "succeeded" and d2.get("state") == "succeeded" and r1.get("list") == "2"
          and r2.get("format") == "xlsx" and r1.get("children", 0) > 0,
          "both then run, one after the other, and succeed", (d1, d2))
    exports_after = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'export' AND actor_user_id = ?",
                          (analyst_id,))
    check(exports_after - exports_before == r1.get("children", 0) + r2.get("children", -1),
          "every child of each return is recorded as exported by the analyst", (exports_before, exports_after, r1, r2))
    st, hdrs, raw = download(ANALYST, first.get("id"))
    table = list(csv.reader(io.StringIO(raw.decode("utf-8", "replace"))))
    check(st == 200 and header(hdrs, "content-type").startswith("text/csv") and len(table) == r1.get("list_2") + 1
          and len(raw) == r1.get("bytes"), "the analyst downloads list 2: a header and a row per child", (st, table[:2]))
    st, hdrs, raw = download(GOVERNANCE, second.get("id"))
    check(st == 200 and raw[:2] == b"PK" and "spreadsheetml" in header(hdrs, "content-type"),
          "governance downloads the analyst's workbook", (st, hdrs))
    st, _, raw = download(ADMIN, second.get("id"))
    check(st == 403, "the administrator does not", (st, raw[:200]))
    # a damaged file is never handed out: its digest is checked chunk by chunk before a byte is sent
    seq0 = rows(db, "SELECT data FROM job_file_chunk WHERE job_id = ? AND role = 'output' AND seq = 0",
                (second.get("id"),))[0][0]
    con = testdb.connect(db)
    try:
        con.execute("UPDATE job_file_chunk SET data = ? WHERE job_id = ? AND role = 'output' AND seq = 0",
                    ("QUJD" + seq0[4:], second.get("id")))
        con.commit()
        st, hdrs, raw = download(GOVERNANCE, second.get("id"))
        check(st == 500 and header(hdrs, "content-type").startswith("application/json") and b"PK" not in raw
              and "damaged" not in raw.decode("utf-8", "replace"),
              "a file whose bytes no longer match its digest is refused (500), none of it sent", (st, hdrs, raw[:300]))
        con.execute("UPDATE job_file_chunk SET data = ? WHERE job_id = ? AND role = 'output' AND seq = 0",
                    (seq0, second.get("id")))
        con.commit()
    finally:
        con.close()
    st, _, raw = download(GOVERNANCE, second.get("id"))
    check(st == 200 and raw[:2] == b"PK", "mended, it downloads again", (st, raw[:20]))

    # ---- a research extract as a job
    pub, sec = os.path.join(tmp, "r.pub"), os.path.join(tmp, "r.sec")
    rc, _, err = hearth_cli(hearth, "extract", "keypair", "--public", pub, "--secret", sec)
    with open(pub, encoding="utf-8") as f:
        key = f.read().strip()
    body = {"from": "2024-01-01", "to": TEST_NOW[:10], "recipient_key": key, "job": True}
    jobs_before = count(db, "SELECT count(*) FROM job")
    st, _, doc = api(ANALYST, "POST", "/api/v1/returns/research-extracts", body)
    check(st == 403 and count(db, "SELECT count(*) FROM job") == jobs_before,
          "an analyst is refused Durham's identified share before anything is queued", (st, doc))
    st, _, doc = api(GOVERNANCE, "POST", "/api/v1/returns/research-extracts", dict(body, job="yes"))
    check(st == 422 and (doc.get("error") or {}).get("code") == "wrong_type", "job must be true or false", (st, doc))
    st, _, job = api(GOVERNANCE, "POST", "/api/v1/returns/research-extracts", body)
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), done, GOVERNANCE)
    res = doc.get("result") or {}
    st2, hdrs, raw = download(GOVERNANCE, job.get("id"))
    sealed = os.path.join(tmp, "extract.sealed")
    with open(sealed, "wb") as f:
        f.write(raw)
    rc, plain, err = hearth_cli(hearth, "extract", "open", "--secret-key", sec, "--in", sealed)
    table = list(csv.reader(io.StringIO(plain))) if rc == 0 else []
    check(st == 202 and job.get("kind") == "research_extract" and doc.get("state") == "succeeded" and st2 == 200
          and hashlib.blake2b(raw, digest_size=32).hexdigest() == res.get("extract_ref")
          and table and "given_name" in table[0] and len(table) == res.get("people", -1) + 1,
          "governance's extract job: the sealed file opens with the recipient's key, one row a person", (st, doc, rc,
                                                                                                       err[-200:]))
    disclosed = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'disclose' AND actor_user_id = ? "
                                "AND detail LIKE ?", (gov_id, "%" + res.get("extract_ref", "x")[:16] + "%"))
    check(disclosed == res.get("people"), "each person disclosed is in the audit trail", (disclosed, res))

    # ---- a partner's file imported from the web
    index_csv, partner_csv = os.path.join(tmp, "index.csv"), os.path.join(tmp, "partner.csv")
    rc, _, err = hearth_cli(hearth, "link", "synth", "--people", "400", "--index", index_csv, "--partner",
                            partner_csv, "--seed", "5")
    with open(SYNTH_MAPPING, encoding="utf-8") as f:
        mapping = json.load(f)
    with open(partner_csv, encoding="utf-8") as f:
        text = f.read()
    good = len(text.splitlines()) - 1
    text += "only,three,fields\n"  # a row the import refuses, with its line
    upload = {"dataset": "web_upload", "mapping": mapping, "csv": text, "file_name": "partner.csv"}
    jobs_before = count(db, "SELECT count(*) FROM job")
    st, _, doc = api(ANALYST, "POST", "/api/v1/imports", dict(upload, dataset="bad name!"))
    st2, _, doc2 = api(ANALYST, "POST", "/api/v1/imports", dict(upload, csv="a,b\n1,2\n"))
    st3, _, doc3 = api(ANALYST, "POST", "/api/v1/imports", dict(upload, mapping={"nonsense": 1}))
    st4, _, doc4 = api(PRACTITIONER, "POST", "/api/v1/imports", upload)
    check(st == 422 and st2 == 422 and "not in the header" in (doc2.get("error") or {}).get("detail", "")
          and st3 in (400, 422) and st4 == 403 and count(db, "SELECT count(*) FROM job") == jobs_before,
          "a bad dataset name, a file without the mapping's columns, a bad mapping, a practitioner: refused, "
          "nothing queued", (st, doc, st2, doc2, st3, doc3, st4))
    st, _, job = api(ANALYST, "POST", "/api/v1/imports", upload)
    url = job.get("url", "/api/v1/jobs/0")
    doc = wait_for(url, done, ANALYST)
    res = doc.get("result") or {}
    stored = count(db, "SELECT count(*) FROM partner_record r JOIN partner_dataset d ON d.id = r.dataset_id "
                       "WHERE d.name = 'web_upload'")
    check(st == 202 and job.get("kind") == "partner_import" and doc.get("state") == "succeeded"
          and res.get("read") == good + 1 and res.get("rejected") == 1 and res.get("inserted") == good
          and stored == good and doc.get("result_ref") == "partner_import/%s" % res.get("import_id"),
          "an analyst's upload is imported by a job: %d rows kept, the bad one refused" % good, (st, doc, stored))
    st, hdrs, raw = download(ANALYST, job.get("id"))
    lines = raw.decode("utf-8", "replace").splitlines()
    check(st == 200 and len(lines) == 1 and lines[0].startswith("%d: " % (good + 2)),
          "its output is the refused row, with its line and reason", (st, lines[:3]))
    imported = count(trail_db, "SELECT count(*) FROM audit_event WHERE action IN ('import', 'import_started') "
                               "AND actor_user_id = ? AND detail LIKE ?", (analyst_id, '%"via":"job"%'))
    check(imported == 2, "the import's start and its counts are in the audit trail for the analyst", imported)
    deadline = time.time() + WAIT
    left = None
    while time.time() < deadline:
        left = count(db, "SELECT count(*) FROM job_file_chunk WHERE role = 'input' AND job_id = ?", (job.get("id"),))
        if left == 0:
            break
        time.sleep(0.2)
    check(left == 0, "once the job has finished, the uploaded file's bytes are deleted by the sweep", left)

    # ---- cancel: nothing kept, nothing exported
    open(hold, "w").close()
    exports_before = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'export' AND actor_user_id = ?",
                           (analyst_id,))
    st, _, job = api(ANALYST, "POST", "/api/v1/returns/annex-a", {})
    url = job.get("url", "/api/v1/jobs/0")
    wait_for(url, ("running",), ANALYST, stage="collecting the lists")
    st, _, doc = api(ANALYST, "POST", url + "/cancel", {})
    check(st == 202 and doc.get("cancel_requested") is True, "cancelling a running return: 202, flagged", (st, doc))
    doc = wait_for(url, done, ANALYST)  # held at its progress point until the cancel reaches it
    os.remove(hold)
    st, _, raw = download(ANALYST, job.get("id"))
    exports_after = count(trail_db, "SELECT count(*) FROM audit_event WHERE action = 'export' AND actor_user_id = ?",
                          (analyst_id,))
    check(doc.get("state") == "cancelled" and st == 409 and exports_after == exports_before
          and count(db, "SELECT count(*) FROM job_file WHERE role = 'output' AND job_id = ?",
                    (job.get("id"),)) == 0,
          "it stops at its progress point: no file, no export recorded", (doc, st, exports_before, exports_after))

    # ---- kill -9 mid-job
    open(hold, "w").close()
    st, _, job = api(GOVERNANCE, "POST", "/api/v1/requests/%s/pack" % rid)
    url = job.get("url", "/api/v1/jobs/0")
    doc = wait_for(url, ("running",), GOVERNANCE, stage="reading the request")
    check(doc.get("state") == "running" and len(job_processes(db)) == 1, "a pack's job runs in its own process",
          (doc, job_processes(db)))
    state["server"].kill9()
    deadline = time.time() + WAIT
    while job_processes(db) and time.time() < deadline:
        time.sleep(0.1)
    os.remove(hold)
    start({"HEARTH_NOW": later(TEST_NOW, 30)})
    doc = wait_for(url, done, GOVERNANCE)
    st, _, raw = download(GOVERNANCE, job.get("id"))
    check(doc.get("state") == "failed" and (doc.get("error") or {}).get("code") == "job_interrupted" and st == 409,
          "killed with -9, the next server fails it as interrupted, with no file", (doc, st))
    st, _, job = api(GOVERNANCE, "POST", "/api/v1/requests/%s/pack" % rid)
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), done, GOVERNANCE)
    st2, _, raw = download(GOVERNANCE, job.get("id"))
    check(st == 202 and doc.get("state") == "succeeded" and st2 == 200 and raw[:2] == b"PK",
          "a new pack after it succeeds and downloads", (st, doc, st2))
    state["server"].stop()

    def retention_deletes():
        """A retention run carried out deletes the files past their time (the command line, on SQLite: `hearth
        retention plan` and `run` read SQLite databases only)."""
        # a policy whose early help cases go a year after closure, and a plan of it, approved by governance
        policy_path = suite.retention_policy(hearth, tmp, "job_files_test")
        rc, err, plan_id, _, rows_digest = suite.saved_plan(hearth, db, policy_path, TEST_NOW[:10], tmp)
        start({"HEARTH_NOW": later(TEST_NOW, 31)}, policy=policy_path)
        st, _, doc = api(GOVERNANCE, "POST", "/api/v1/retention-plans/%d/approval" % plan_id,
                         {"rows_digest": rows_digest})
        check(rc == 0 and plan_id and st == 200 and doc.get("state") == "approved", "a retention plan is approved",
              (rc, err[-300:], st, doc))
        state["server"].stop()
        expired_env = dict(os.environ, HEARTH_NOW=later(TEST_NOW, (OUTPUT_DAYS * 24 + 1) * 60))
        chunks = lambda: count(db, "SELECT count(*) FROM job_file_chunk WHERE role = 'output'")
        kept = count(db, "SELECT count(*) FROM job_file WHERE role = 'output' AND deleted_at IS NULL")
        before = chunks()
        dry = subprocess.run([hearth, "retention", "run", "--db", db, "--plan", str(plan_id), "--policy", policy_path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=expired_env)
        after_dry = chunks()
        run_ = subprocess.run([hearth, "retention", "run", "--db", db, "--plan", str(plan_id), "--policy", policy_path,
                               "--confirm"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=expired_env)
        gone = count(db, "SELECT count(*) FROM job_file WHERE role = 'output' AND deleted_at IS NOT NULL")
        check(dry.returncode == 0 and after_dry == before > 0 and run_.returncode == 0
              and ("%d expired job files deleted" % kept) in run_.stderr and kept >= 5 and chunks() == 0 and gone == kept,
              "past %d days, a retention run carried out deletes every file's bytes (a dry run none), keeping the rows"
              % OUTPUT_DAYS, (dry.returncode, before, after_dry, run_.returncode, run_.stderr[-400:], kept, gone))


    retention_deletes()

    # ---- expiry: 410, and the workers' sweep
    start({"HEARTH_NOW": later(TEST_NOW, (OUTPUT_DAYS * 24 + 1) * 60)})
    st, _, raw = download(GOVERNANCE, pack_job)
    err = error_of(raw)
    check(st == 410 and err.get("code") == "gone" and "%d days" % OUTPUT_DAYS in err.get("hint", ""),
          "the pack's file is gone: 410, with a hint", (st, raw[:300]))
    st, _, job = api(ANALYST, "POST", "/api/v1/returns/annex-a", {"format": "csv", "list": "1"})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), done, ANALYST)
    st2, _, raw = download(ANALYST, job.get("id"))
    check(doc.get("state") == "succeeded" and st2 == 200, "a return made now downloads", (doc, st2))
    state["server"].stop()
    start({"HEARTH_NOW": later(TEST_NOW, (2 * OUTPUT_DAYS * 24 + 2) * 60)})
    st, _, raw = download(ANALYST, job.get("id"))
    check(st == 410 and error_of(raw).get("code") == "gone", "%d days on, it is gone too (410)" % OUTPUT_DAYS,
          (st, raw[:300]))
    deadline = time.time() + WAIT
    left = None
    while time.time() < deadline:
        left = count(db, "SELECT count(*) FROM job_file_chunk WHERE role = 'output' AND job_id = ?",
                     (job.get("id"),))
        if left == 0:
            break
        time.sleep(0.2)
    row = rows(db, "SELECT deleted_at FROM job_file WHERE role = 'output' AND job_id = ?", (job.get("id"),))
    check(left == 0 and row and row[0][0], "the workers' sweep deletes its bytes, keeping the row with deleted_at",
          (left, row))
    rc = state["server"].stop()
    check(rc == 0, "the server stops cleanly", (rc, state["server"].log[-5:]))
    v = subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", testdb.pubkey(db)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    check(v.returncode == 0, "the audit trail verifies", (v.stdout[-300:], v.stderr[-300:]))

    return suite.finish(tmp, args.keep, "job_files", check)


if __name__ == "__main__":
    sys.exit(main())
