#!/usr/bin/env python3
"""jobs.py — long work as background jobs (src/jobs/README.md), over HTTP against real servers.

    tests/api/jobs.py --hearth build/hearth [--keep]

Builds a small demo council (and a synthetic partner dataset of 100,000 rows for the memory test) and checks:

  - lifecycle and progress: POST /api/v1/link-runs answers 202 with the job and its URL in Location; the job
    is seen running with its stage as progress (held at its first progress point: a test build waits there
    while the file HEARTH_TEST_JOB_HOLD names exists), then succeeded with the run's counts as its result,
    the link_run row it made as result_ref, and the run in the audit trail for the analyst who asked;
  - one link run at a time: a second one while one runs is refused (409, naming the job in the way, with a
    hint); a dataset that does not exist is refused at once (404) and queues nothing;
  - cancel: a running job cancelled stops at its next progress point; nothing it had not finished is kept
    (no link_run row), and the next run goes ahead; a finished job cannot be cancelled (409);
  - access: a practitioner cannot run the engine (403), and sees neither another's job (404, as if absent)
    nor it in their list, nor cancel it; governance and the administrator see every job;
  - restart: the server is killed with -9 while a job runs; its job process dies with it; the next server
    (its clock past the job's lease) fails the job as job_interrupted with a hint to start it again, and a
    new run then succeeds — an interrupted job is not run again by itself (jobs.h J4); a server stopped with
    SIGTERM mid-job fails its job the same way at once and exits cleanly;
  - a retention run as a job: an approved plan carried out through POST /api/v1/retention-plans/{id}/run under
    the server's policy file (a draft refused, a dry run changing nothing, then every due record destroyed,
    each disposal in the audit trail for the governance officer who asked, via the job), the practitioner
    refused;
  - out of memory: on a server whose jobs may use --job-memory MB, a run over the index succeeds, a run
    over the large dataset fails its job as out_of_memory (with the limit in the hint) after it started its
    work, while the server keeps answering, and a run after it succeeds.

Prints one line per check and finally `jobs: N passed, N failed`. Python 3 standard library only.
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time

import suite  # the runners' command line, council and end
import testdb  # the test database on either back end (SQLite or PostgreSQL)
from signin import Checks, call, hearth_cli, header, session_of

HERE = os.path.dirname(os.path.abspath(__file__))
SYNTH_MAPPING = os.path.join(HERE, "..", "..", "bench", "link-mappings", "synth.json")
TEST_NOW = os.environ.setdefault("HEARTH_NOW", "2026-11-23T12:00:00Z")
ANALYST, GOVERNANCE, ADMIN, PRACTITIONER = "sfcoordinator", "dpo", "admin", "practitioner.n1"
# The job memory limit of the out-of-memory server, in MiB: a run over the demo index fits in it and one over
# 100,000 partner rows does not, in a plain build (RLIMIT_DATA: the index run needs under 60 MiB on two cores,
# the large one over 100) and under AddressSanitizer (mmap_limit_mb: under 50, and over 90). RLIMIT_DATA counts
# each engine thread's 8 MiB stack, and the engine runs a thread per processor, so 8 MiB each are added.
JOB_MEMORY_MB = 80 + 8 * (os.cpu_count() or 1)
ROWS = 100000
WAIT = 120  # seconds a job may take to reach a state before the check fails (not a timing: a deadline)


class Server:
    """hearth serve on a free port with extra arguments and environment; stderr kept in a thread."""

    def __init__(self, hearth, db, args=(), env=None):
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([hearth, "serve", "--db", db, "--port", "0"] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=e)
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
        if not started.wait(30) or self.port is None:
            self.proc.kill()
            raise SystemExit("jobs: server did not start:\n" + "\n".join(self.log))

    def stop(self):
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "timeout"

    def kill9(self):
        self.proc.kill()  # SIGKILL
        self.proc.wait()


def later(iso, minutes):
    t = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def job_processes(db):
    """Pids of `hearth job run --db DB` processes still alive."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"job" in argv and b"run" in argv and db.encode() in argv:
            pids.append(int(d))
    return pids


def main():
    args, hearth = suite.command_line(__doc__)
    tmp = suite.workdir("jobs")
    hold = os.path.join(tmp, "hold")
    check = Checks()
    db, logins = suite.demo_council(hearth, tmp, "jobs", families=40)
    index, partner = os.path.join(tmp, "index.csv"), os.path.join(tmp, "partner.csv")
    rc, out, err = hearth_cli(hearth, "link", "synth", "--people", str(ROWS), "--index", index, "--partner",
                              partner, "--seed", "3")
    check(rc == 0, "a synthetic partner dataset of %d rows is written" % ROWS, (rc, err))
    rc, out, err = hearth_cli(hearth, "import", "--db", db, "--dataset", "large", "--mapping", SYNTH_MAPPING,
                              partner)
    check(rc == 0, "it is imported as dataset 'large'", (rc, out, err))
    sql = testdb.connect(db, timeout=30)
    env = {"HEARTH_TEST_JOB_HOLD": hold}
    server = Server(hearth, db, env=env)
    port = server.port
    tok = {u: session_of(port, logins[u]) for u in (ANALYST, GOVERNANCE, ADMIN, PRACTITIONER)}

    def api(user, method, path, body=None):
        st, hdrs, doc = call(port, method, path, body, {"Authorization": "Bearer " + tok[user]})
        return st, hdrs, doc or {}

    def wait_for(url, states, user=ANALYST, stage=None):
        """The job once its state is one of states (and its stage is stage, when given), or the last seen."""
        return suite.wait_for_job(api, user, url, states, stage, WAIT)

    def runs():
        return sql.execute("SELECT count(*) FROM link_run").fetchone()[0]

    # ---- lifecycle and progress
    open(hold, "w").close()
    st, hdrs, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    url = "/api/v1/jobs/%s" % job.get("id")
    check(st == 202 and header(hdrs, "location") == url and job.get("url") == url and job.get("kind") == "link_run"
          and job.get("state") in ("queued", "running"),
          "a link run is accepted as a job: 202, its URL in Location", (st, hdrs, job))
    doc = wait_for(url, ("running",), stage="reading the index")
    check(doc.get("state") == "running" and doc.get("started_at") and doc.get("finished_at") is None
          and doc.get("progress", {}).get("message") == "reading the index",
          "the job is seen running, its stage as progress", doc)
    first = job.get("id")

    # ---- one at a time
    st, _, doc = api(ANALYST, "POST", "/api/v1/link-runs", {"dataset": "large"})
    err = doc.get("error") or {}
    check(st == 409 and err.get("code") == "conflict" and ("job %s" % first) in err.get("detail", "")
          and url in err.get("hint", ""),
          "a second link run while one runs is refused, naming the job in the way", (st, doc))
    before = sql.execute("SELECT count(*) FROM job").fetchone()[0]
    st, _, doc = api(ANALYST, "POST", "/api/v1/link-runs", {"dataset": "no_such_dataset"})
    after = sql.execute("SELECT count(*) FROM job").fetchone()[0]
    check(st == 404 and (doc.get("error") or {}).get("hint", "").startswith("import it first") and before == after,
          "a dataset that does not exist is refused at once and queues nothing", (st, doc, before, after))

    # ---- access
    st, _, doc = api(PRACTITIONER, "GET", url)
    check(st == 404, "a practitioner does not see an analyst's job", (st, doc))
    st, _, doc = api(PRACTITIONER, "GET", "/api/v1/jobs")
    check(st == 200 and all(it.get("id") != first for it in doc.get("items", [])),
          "nor finds it in their list of jobs", (st, doc))
    st, _, doc = api(PRACTITIONER, "POST", url + "/cancel")
    check(st == 404 and wait_for(url, ("running",)).get("cancel_requested") is False,
          "nor cancels it", (st, doc))
    st, _, doc = api(PRACTITIONER, "POST", "/api/v1/link-runs", {})
    check(st == 403, "a practitioner does not run the engine", (st, doc))
    for user in (GOVERNANCE, ADMIN):
        st, _, doc = api(user, "GET", url)
        st2, _, lst = api(user, "GET", "/api/v1/jobs")
        check(st == 200 and doc.get("id") == first and any(it.get("id") == first for it in lst.get("items", [])),
              "%s sees the analyst's job, and in the list" % user, (st, doc, st2, lst))
    st, _, lst = api(ANALYST, "GET", "/api/v1/jobs?mine=true&limit=1")
    check(st == 200 and [it.get("id") for it in lst.get("items", [])] == [first],
          "the analyst lists their own jobs", (st, lst))
    st, _, doc = api(ANALYST, "GET", "/api/v1/jobs?limit=0")
    check(st == 400, "a bad limit is refused", (st, doc))

    # ---- it finishes
    os.remove(hold)
    doc = wait_for(url, ("succeeded", "failed", "cancelled"))
    res = doc.get("result") or {}
    row = sql.execute("SELECT id, candidate_pairs FROM link_run WHERE id = ?", (res.get("id"),)).fetchone()
    check(doc.get("state") == "succeeded" and doc.get("error") is None and res.get("kind") == "index"
          and res.get("people", 0) > 2 and doc.get("result_ref") == "link_run/%s" % res.get("id")
          and row == (res.get("id"), res.get("candidate_pairs")) and doc.get("finished_at")
          and doc["progress"]["message"] == "keeping suggestions",
          "the job succeeds with the run's counts as its result and the link_run it made", (doc, row))
    server.stop()
    trail = testdb.connect(testdb.trail(db))
    user_id = sql.execute("SELECT id FROM app_user WHERE username = ?", (ANALYST,)).fetchone()[0]
    audited = trail.execute("SELECT count(*) FROM audit_event WHERE action = 'link_run' AND target_id = ? "
                            "AND actor_user_id = ?", (res.get("id"), user_id)).fetchone()[0]
    queued = trail.execute("SELECT count(*) FROM audit_event WHERE action = 'create' AND target_table = 'job' "
                           "AND target_id = ?", (first,)).fetchone()[0]
    check(audited == 1 and queued == 1,
          "the request and the run are in the audit trail, for the analyst who asked", (audited, queued))
    trail.close()
    server = Server(hearth, db, env=env)
    port = server.port

    # ---- cancel
    open(hold, "w").close()
    n = runs()
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    url = job.get("url", "/api/v1/jobs/0")
    wait_for(url, ("running",), stage="reading the index")
    st, _, doc = api(ANALYST, "POST", url + "/cancel", {"reason": "x"})
    check(st == 422 and (doc.get("error") or {}).get("code") == "unknown_field"
          and wait_for(url, ("running",)).get("cancel_requested") is False,
          "a cancel with fields is refused and changes nothing", (st, doc))
    st, _, doc = api(ANALYST, "POST", url + "/cancel", {})
    check(st == 202 and doc.get("state") == "running" and doc.get("cancel_requested") is True,
          "cancelling a running job: 202, flagged", (st, doc))
    doc = wait_for(url, ("succeeded", "failed", "cancelled"))
    check(doc.get("state") == "cancelled" and (doc.get("error") or {}).get("code") == "cancelled" and runs() == n,
          "it stops at its next progress point, cancelled, and keeps nothing", (doc, runs(), n))
    st, _, doc = api(ANALYST, "POST", url + "/cancel")
    check(st == 409 and (doc.get("error") or {}).get("code") == "conflict",
          "a finished job cannot be cancelled", (st, doc))
    os.remove(hold)
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), ("succeeded", "failed", "cancelled"))
    check(st == 202 and doc.get("state") == "succeeded" and runs() == n + 1,
          "the next link run goes ahead and succeeds", (st, doc))

    # ---- restart: killed with -9 mid-job
    open(hold, "w").close()
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    url = job.get("url", "/api/v1/jobs/0")
    doc = wait_for(url, ("running",), stage="reading the index")
    children = job_processes(db)
    check(doc.get("state") == "running" and len(children) == 1, "a job is running in its own process",
          (doc, children))
    server.kill9()
    deadline = time.time() + WAIT
    while job_processes(db) and time.time() < deadline:
        time.sleep(0.1)
    check(not job_processes(db), "killing the server with -9 ends its job process too", job_processes(db))
    os.remove(hold)
    state = sql.execute("SELECT state FROM job WHERE id = ?", (job.get("id"),)).fetchone()
    check(state == ("running",), "the job is left running in the database", state)
    # the next server's clock is past the dead worker's lease (JOBS_LEASE_SECONDS)
    server = Server(hearth, db, env={"HEARTH_NOW": later(TEST_NOW, 30), "HEARTH_TEST_JOB_HOLD": hold})
    port = server.port
    doc = wait_for(url, ("succeeded", "failed", "cancelled"))
    err = doc.get("error") or {}
    check(doc.get("state") == "failed" and err.get("code") == "job_interrupted" and err.get("hint") == "start it again"
          and err.get("message"), "the next server fails it as interrupted, with a hint to start it again", doc)
    check(any('"jobs_interrupted"' in line for line in server.log), "and says so in its log", server.log[-5:])
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), ("succeeded", "failed", "cancelled"))
    check(st == 202 and doc.get("state") == "succeeded", "a new link run after it succeeds", (st, doc))
    # stopped with SIGTERM mid-job: the server stops its job and fails it at once, then exits cleanly
    open(hold, "w").close()
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    wait_for(job.get("url", "/api/v1/jobs/0"), ("running",), stage="reading the index")
    rc = server.stop()
    row = sql.execute("SELECT state, error_code FROM job WHERE id = ?", (job.get("id"),)).fetchone()
    check(rc == 0 and row == ("failed", "job_interrupted") and not job_processes(db),
          "a server stopped mid-job fails its job as interrupted and exits cleanly", (rc, row, server.log[-3:]))
    os.remove(hold)

    # ---- a retention run as a job
    # a policy whose early help cases go a year after closure, and a plan of it as of today, saved by the command
    # line (so that governance may approve it: nobody approves their own)
    policy_path = suite.retention_policy(hearth, tmp, "jobs_test")
    rc, err, plan_id, text, rows_digest = suite.saved_plan(hearth, db, policy_path, TEST_NOW[:10], tmp)
    check(rc == 0 and plan_id, "a retention plan is saved", err[-300:])
    due = [r.split(",") for r in text.decode().splitlines()[1:] if r.split(",")[8] == "dispose"]
    episodes = [int(r[2]) for r in due if r[1] == "episode"]
    check(len(episodes) > 0, "it has closed cases due for destruction", len(due))
    server = Server(hearth, db, args=["--policy", policy_path])
    port = server.port
    run_url = "/api/v1/retention-plans/%d/run" % plan_id
    st, _, doc = api(GOVERNANCE, "POST", run_url, {"confirm": True})
    check(st == 409 and "approved" in (doc.get("error") or {}).get("detail", ""), "a draft plan does not run",
          (st, doc))
    st, _, doc = api(GOVERNANCE, "POST", run_url, {})
    check(st == 422 and (doc.get("error") or {}).get("code") == "missing_field", "confirm must be said", (st, doc))
    st, _, doc = api(GOVERNANCE, "POST", "/api/v1/retention-plans/%d/approval" % plan_id,
                     {"rows_digest": rows_digest})
    check(st == 200 and doc.get("state") == "approved", "governance approves the plan", (st, doc))
    st, _, doc = api(PRACTITIONER, "POST", run_url, {"confirm": True})
    check(st == 403, "a practitioner does not run a retention plan", (st, doc))
    marks = ",".join("?" * len(episodes))
    left = lambda: sql.execute("SELECT count(*) FROM episode WHERE id IN (%s)" % marks, episodes).fetchone()[0]
    st, hdrs, job = api(GOVERNANCE, "POST", run_url, {"confirm": False})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), ("succeeded", "failed", "cancelled"), user=GOVERNANCE)
    res = doc.get("result") or {}
    check(st == 202 and doc.get("state") == "succeeded" and res.get("confirm") is False
          and res.get("due") == len(due) and res.get("destroyed", 0) >= len(episodes) and left() == len(episodes)
          and doc.get("result_ref") == "retention_plan/%d" % plan_id,
          "a dry run as a job counts what would go and changes nothing", (st, doc, left()))
    st, hdrs, job = api(GOVERNANCE, "POST", run_url, {"confirm": True})
    url = job.get("url", "/api/v1/jobs/0")
    doc = wait_for(url, ("succeeded", "failed", "cancelled"), user=GOVERNANCE)
    res = doc.get("result") or {}
    check(st == 202 and doc.get("state") == "succeeded" and res.get("confirm") is True and left() == 0
          and res.get("destroyed", 0) >= len(episodes) and doc.get("progress", {}).get("message") == "disposing"
          and doc["progress"]["done"] == len(due),
          "carried out as a job, every due case is destroyed", (st, doc, left()))
    gov_id = sql.execute("SELECT id FROM app_user WHERE username = ?", (GOVERNANCE,)).fetchone()[0]
    disposals = sql.execute("SELECT count(*) FROM disposal WHERE plan_id = ?", (plan_id,)).fetchone()[0]
    # The disposals' events were written to the audit outbox with the disposals; the server's writer moves
    # them into the chain when the job ends, which may be just after its state reads "succeeded".
    trail = testdb.connect(testdb.trail(db))
    deadline = time.time() + WAIT
    while True:
        events = trail.execute("SELECT count(*) FROM audit_event WHERE action = 'dispose' AND actor_user_id = ? "
                               "AND detail LIKE '%\"via\":\"job\"%'", (gov_id,)).fetchone()[0]
        if events >= res.get("destroyed", 0) or time.time() > deadline:
            break
        time.sleep(0.1)
    trail.close()
    check(disposals > 0 and events == res.get("destroyed"),
          "each disposal is in the audit trail for the officer who asked, via the job", (disposals, events, res))
    server.stop()
    v = subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", testdb.pubkey(db)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(v.returncode == 0, "the audit trail verifies", (v.stdout[-300:], v.stderr[-300:]))

    # ---- out of memory
    server = Server(hearth, db, args=["--job-memory", str(JOB_MEMORY_MB)])
    port = server.port
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), ("succeeded", "failed", "cancelled"))
    check(doc.get("state") == "succeeded",
          "under a %d MiB job limit a run over the index succeeds" % JOB_MEMORY_MB, doc)
    n = runs()
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {"dataset": "large"})
    url = job.get("url", "/api/v1/jobs/0")
    doc = wait_for(url, ("succeeded", "failed", "cancelled"))
    err = doc.get("error") or {}
    check(doc.get("state") == "failed" and err.get("code") == "out_of_memory"
          and ("%d MiB" % JOB_MEMORY_MB) in err.get("hint", "") and err.get("detail") and runs() == n,
          "a run over %d rows fails its job as out of memory, and keeps nothing" % ROWS, doc)
    check(doc.get("progress", {}).get("message") not in (None, "reading the index"),
          "after it had started its work (the limit, not the start-up, stopped it)", doc.get("progress"))
    st, _, _ = call(port, "GET", "/healthz")
    st2, _, lst = api(GOVERNANCE, "GET", "/api/v1/jobs")
    check(st == 200 and st2 == 200 and server.proc.poll() is None and lst.get("items", [{}])[0].get("state") == "failed",
          "the server keeps answering", (st, st2))
    st, _, job = api(ANALYST, "POST", "/api/v1/link-runs", {})
    doc = wait_for(job.get("url", "/api/v1/jobs/0"), ("succeeded", "failed", "cancelled"))
    check(st == 202 and doc.get("state") == "succeeded", "and the next run succeeds", (st, doc))
    rc = server.stop()
    check(rc == 0, "the server stops cleanly", (rc, server.log[-5:]))

    rc, out, err = hearth_cli(hearth, "job", "run", "--help")
    check(rc == 0 and "usage: hearth job run" in out, "hearth job run --help", (rc, out, err))
    sql.close()
    return suite.finish(tmp, args.keep, "jobs", check)


if __name__ == "__main__":
    sys.exit(main())
