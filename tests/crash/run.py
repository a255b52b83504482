#!/usr/bin/env python3
"""run.py — crash trials: kill -9 the server during concurrent reads and writes, then check what survived.

    tests/crash/run.py --hearth build/hearth [--trials N] [--keep]

Builds a small demo council in a temporary directory (the signing key in a directory of its own, passed with
--signing-key, and the public key copied away as the data protection officer would keep it), then runs N
trials (default 30). Each trial starts `hearth serve`, runs six writer threads (POST /api/v1/episodes/E/notes:
enough at once that the server commits them in groups, issue 13) and reader threads (GET /api/v1/notes/N,
GET /api/v1/families/F) at once, and after a random 0.3-1.2 s sends the server SIGKILL. Then it restarts the
server (which moves the audit outbox into the trail and signs what was left unsigned) and checks, naming each
check after the finding of issue 9 it covers:

  finding_17_acknowledged_writes_present   every note answered 201 is in the database
  finding_17_stored_writes_audited         every note in the database has exactly one `create` event
  finding_16_answered_reads_audited        every read answered 200 has its `read` event (counted per record)
  finding_20_integrity                     PRAGMA integrity_check is ok on the database and on the trail
  finding_19_verify_with_anchor            `hearth audit verify --public-key --anchor` passes with the anchor
                                           taken after the previous trial, and a new anchor is taken

Then a full disk (finding_20_full_disk_*, finding_17_full_disk_*): the server restarted with RLIMIT_FSIZE a
little above its largest file, 90 KB notes until a write is refused: it must be 507 `storage_full` with a
hint, the server must keep answering, nothing refused may be stored, and once the limit is lifted (prlimit on
the running server) writes and reads must succeed again without a restart. At the end the trail is verified
once more with the public key and the last anchor.

Prints one line per failed check, a summary per trial, and `crash: N passed, N failed` (one check = one
pass or fail). Exit status 0 only when nothing failed. Python 3 standard library only.
"""
import argparse
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import run as api  # noqa: E402  (the API runner's server, sign-in and request functions)

DEMO_ARGS = ["--families", "20", "--seed", "11", "--as-of", "2026-11-23"]
USER = "practitioner.n1"
# Six writers, so that commits overlap and the server's group commit (src/store/store_group.c: many
# transactions, one sync of the log) makes several durable at once when the kill comes.
WRITERS, READERS = 6, 4
MARK = "crash-trial"


class Load:
    """Writer and reader threads against one server; what each was answered is kept."""

    def __init__(self, port, token, episode, family, notes, trial):
        self.port, self.token, self.episode, self.family, self.notes = port, token, episode, family, notes
        self.trial = trial
        self.stop = threading.Event()
        self.mu = threading.Lock()
        self.acked = []   # note ids answered 201
        self.reads = {}   # (table, id) -> reads answered 200
        self.errors = {}  # status -> count (other answers while the server was up)
        self.threads = [threading.Thread(target=self.writer, args=(i,), daemon=True) for i in range(WRITERS)]
        self.threads += [threading.Thread(target=self.reader, args=(i,), daemon=True) for i in range(READERS)]

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return api.request(self.port, method, path, headers, json.dumps(body).encode() if body is not None else b"")

    def writer(self, w):
        n = 0
        while not self.stop.is_set():
            n += 1
            body = {"note_type": "visit", "occurred_at": "2026-11-20T10:00Z",
                    "subject": "%s %d %d %d" % (MARK, self.trial, w, n), "body": "synthetic note"}
            try:
                status, _, raw = self.call("POST", "/api/v1/episodes/%d/notes" % self.episode, body)
            except OSError:
                return  # the server is gone
            with self.mu:
                if status == 201:
                    self.acked.append(json.loads(raw)["id"])
                else:
                    self.errors[status] = self.errors.get(status, 0) + 1

    def reader(self, r):
        rnd = random.Random(r * 7919 + self.trial)
        while not self.stop.is_set():
            if rnd.random() < 0.25:
                table, rid, path = "family", self.family, "/api/v1/families/%d" % self.family
            else:
                rid = rnd.choice(self.notes)
                table, path = "case_note", "/api/v1/notes/%d" % rid
            try:
                status, _, _ = self.call("GET", path)
            except OSError:
                return
            with self.mu:
                if status == 200:
                    self.reads[(table, rid)] = self.reads.get((table, rid), 0) + 1
                else:
                    self.errors[status] = self.errors.get(status, 0) + 1

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def serve(hearth, db, key, fsize=None):
    """hearth serve on a free port with the signing key given explicitly (api.Server, with --signing-key); with
    fsize, no file it writes may grow past fsize bytes (RLIMIT_FSIZE: a full disk, without root or a tmpfs)."""
    real_popen = subprocess.Popen

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the server ignores it too; here it holds from exec on
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, resource.RLIM_INFINITY))

    def popen(args, **kw):
        if fsize is not None:
            kw["preexec_fn"] = limit
        return real_popen(list(args) + ["--signing-key", key], **kw)

    subprocess.Popen = popen
    try:
        return api.Server(hearth, db)
    finally:
        subprocess.Popen = real_popen


def trail_max_seq(db):
    con = sqlite3.connect("file:%s.audit?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()[0]
    finally:
        con.close()


def integrity(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def result(self, name, ok, why=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        return ok


def check_trial(hearth, db, pub, anchor, load, since_seq, me, checks):
    """The checks after a restart (the server has drained the outbox and sealed the tail before it serves)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        stored = [r[0] for r in con.execute("SELECT id FROM case_note WHERE subject LIKE ?", (MARK + " %",))]
    finally:
        con.close()
    stored_set = set(stored)
    missing = [i for i in load.acked if i not in stored_set]
    checks.result("finding_17_acknowledged_writes_present", not missing,
                  "%d notes answered 201 are not in the database: %s" % (len(missing), missing[:10]))
    tr = sqlite3.connect("file:%s.audit?mode=ro" % db, uri=True)
    try:
        creates = {}
        for (tid,) in tr.execute("SELECT target_id FROM audit_event WHERE action = 'create' AND "
                                 "target_table = 'case_note'"):
            creates[tid] = creates.get(tid, 0) + 1
        unaudited = [i for i in stored if creates.get(i, 0) == 0]
        doubled = [i for i in stored if creates.get(i, 0) > 1]
        checks.result("finding_17_stored_writes_audited", not unaudited and not doubled,
                      "%d stored notes have no create event (%s), %d have more than one (%s)" % (
                          len(unaudited), unaudited[:10], len(doubled), doubled[:10]))
        got = {}
        for table, tid in tr.execute("SELECT target_table, target_id FROM audit_event WHERE action = 'read' AND "
                                     "seq > ? AND actor_user_id = ?", (since_seq, me)):
            got[(table, tid)] = got.get((table, tid), 0) + 1
    finally:
        tr.close()
    short = {k: (n, got.get(k, 0)) for k, n in load.reads.items() if got.get(k, 0) < n}
    lost = sum(n - g for n, g in short.values())
    checks.result("finding_16_answered_reads_audited", not short,
                  "%d reads answered 200 have no read event (answered, recorded per record: %s)" % (
                      lost, dict(list(short.items())[:5])))
    for path in (db, db + ".audit"):
        res = integrity(path)
        checks.result("finding_20_integrity", res == "ok", "%s: %s" % (os.path.basename(path), res))
    v = subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", pub] +
                       (["--anchor", anchor] if os.path.exists(anchor) else []),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checks.result("finding_19_verify_with_anchor", v.returncode == 0, "audit verify exited %d: %s %s" % (
        v.returncode, v.stdout.decode().strip(), v.stderr.decode().strip()))
    a = subprocess.run([hearth, "audit", "anchor", "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if checks.result("finding_19_anchor", a.returncode == 0, "audit anchor exited %d: %s" % (
            a.returncode, a.stderr.decode().strip())):
        with open(anchor, "wb") as f:
            f.write(a.stdout)
    return len(stored)


def full_disk(hearth, db, key, token, episode, checks):
    """finding_20_full_disk: with no room to grow any file (RLIMIT_FSIZE a little above the largest file now), a
    write is answered 507 storage_full with a hint and stores nothing, the server keeps answering, and once
    the limit is lifted (room again) writes and reads succeed without a restart; nothing answered 507 is stored
    and every stored note has its create event."""
    sizes = [os.path.getsize(p) for p in (db, db + "-wal", db + ".audit", db + ".audit-wal",
                                          db + ".audit-checkpoints") if os.path.exists(p)]
    server = serve(hearth, db, key, fsize=max(sizes) + 256 * 1024)
    load = Load(server.port, token, episode, 0, [1], 0)
    big = "z" * 90000
    answers, full_error, refused, stored_ok = [], None, [], []
    for n in range(200):
        subject = "%s full %d" % (MARK, n)
        status, _, raw = load.call("POST", "/api/v1/episodes/%d/notes" % episode,
                                   {"note_type": "visit", "occurred_at": "2026-11-20T10:00Z", "subject": subject,
                                    "body": big})
        answers.append(status)
        if status == 201:
            stored_ok.append(json.loads(raw)["id"])
        else:
            refused.append(subject)
            if full_error is None:
                full_error = (status, json.loads(raw).get("error", {}))
            if len(refused) >= 3:
                break
    ok = full_error is not None and full_error[0] == 507 and full_error[1].get("code") == "storage_full" and \
        "full" in full_error[1].get("hint", "")
    checks.result("finding_20_full_disk_error", ok, "no storage_full answer with a hint after %d notes: %r" % (
        len(answers), full_error))
    time.sleep(3)  # the checkpoint thread and the audit writer run into the limit meanwhile
    alive = server.alive()
    health = api.request(server.port, "GET", "/healthz", {"Authorization": "none"}, b"")[0] if alive else 0
    checks.result("finding_20_full_disk_keeps_serving", alive and health == 200,
                  "server alive %s, /healthz %s" % (alive, health))
    if not alive:
        return
    resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    status = 0
    for _ in range(50):  # the audit writer retries every 200 ms
        status, _, raw = load.call("POST", "/api/v1/episodes/%d/notes" % episode,
                                   {"note_type": "visit", "occurred_at": "2026-11-20T10:00Z",
                                    "subject": "%s full recovered" % MARK, "body": "synthetic"})
        if status == 201:
            stored_ok.append(json.loads(raw)["id"])
            status = load.call("GET", "/api/v1/notes/%d" % stored_ok[-1])[0]
            if status == 200:
                break
        time.sleep(0.2)
    checks.result("finding_20_full_disk_recovers", status == 200,
                  "after the limit was lifted the server still answers %d" % status)
    problem = server.stop()
    checks.result("finding_20_full_disk_shutdown", problem is None, problem or "")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        kept = [r[0] for r in con.execute("SELECT subject FROM case_note WHERE subject LIKE ?",
                                           (MARK + " full %",))]
        ids = [r[0] for r in con.execute("SELECT id FROM case_note WHERE subject LIKE ?", (MARK + " full %",))]
    finally:
        con.close()
    stored_refused = [x for x in refused if x in kept]
    checks.result("finding_17_full_disk_refused_writes_not_stored", not stored_refused and
                  all(i in ids for i in stored_ok),
                  "answered 507 but stored: %r; answered 201 but absent: %r" % (
                      stored_refused, [i for i in stored_ok if i not in ids]))
    tr = sqlite3.connect("file:%s.audit?mode=ro" % db, uri=True)
    try:
        audited = {r[0] for r in tr.execute("SELECT target_id FROM audit_event WHERE action = 'create' AND "
                                            "target_table = 'case_note'")}
    finally:
        tr.close()
    checks.result("finding_17_full_disk_stored_writes_audited", all(i in audited for i in ids),
                  "stored without a create event: %r" % [i for i in ids if i not in audited])
    print("full disk: %d notes stored before the limit, %d refused, answered %r" % (
        len(stored_ok), len(refused), full_error))


def setup(port, token):
    """A family, an episode practitioner.n1 leads, and five notes for the readers: ids (family, episode, notes)."""
    def call(method, path, body):
        status, _, raw = api.request(port, method, path, {"Authorization": "Bearer " + token,
                                                          "Content-Type": "application/json"},
                                     json.dumps(body).encode())
        if status != 201:
            raise SystemExit("crash: setup %s %s answered %d %s" % (method, path, status, raw[:200]))
        return json.loads(raw)["id"]

    me = api.SESSION["user_id"]
    family = call("POST", "/api/v1/families", {"name": "Testfamily-Crash"})
    episode = call("POST", "/api/v1/families/%d/episodes" % family, {"start_date": "2026-09-01", "owning_team_id": 2})
    # the owning team's manager allocates the lead (docs/access.md: nobody allocates a case to themselves)
    mtoken = api.acting_as("manager.n")[0]
    status, _, raw = api.request(port, "PATCH", "/api/v1/episodes/%d" % episode,
                                 {"Authorization": "Bearer " + mtoken, "Content-Type": "application/json"},
                                 json.dumps({"lead_user_id": me}).encode())
    if status != 200:
        raise SystemExit("crash: setup allocating the lead answered %d %s" % (status, raw[:200]))
    notes = [call("POST", "/api/v1/episodes/%d/notes" % episode,
                  {"note_type": "visit", "occurred_at": "2026-10-01T14:30Z", "subject": "reader %d" % i,
                   "body": "synthetic"}) for i in range(5)]
    return family, episode, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True, help="path to the hearth program")
    ap.add_argument("--trials", type=int, default=30, help="kill -9 trials (default 30)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    hearth = os.path.abspath(args.hearth)
    tmp = tempfile.mkdtemp(prefix="hearth-crash-")
    db = os.path.join(tmp, "crash.db")
    logins = os.path.join(tmp, "logins.json")
    keydir = os.path.join(tmp, "keys")          # the signing key, apart from the database
    os.mkdir(keydir, 0o700)
    key = os.path.join(keydir, "audit-signing.key")
    os.environ["HEARTH_AUDIT_SIGNING_KEY"] = key  # for any command that records
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    checks = Checks()
    server = serve(hearth, db, key)  # the first start makes the audit keys
    pub = os.path.join(tmp, "dpo-public.key")    # the data protection officer's copy
    shutil.copyfile(db + ".audit-pubkey", pub)
    anchor = os.path.join(tmp, "dpo-anchor.json")
    api.sign_in(server.port, logins, USER)
    token, me = api.SESSION["token"], api.SESSION["user_id"]
    family, episode, notes = setup(server.port, token)
    rnd = random.Random(20261123)
    totals = {"acked": 0, "reads": 0, "stored": 0}
    started = time.time()
    for trial in range(1, args.trials + 1):
        since = trail_max_seq(db)
        load = Load(server.port, token, episode, family, notes, trial)
        load.start()
        time.sleep(rnd.uniform(0.3, 1.2))
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        load.join()
        server = serve(hearth, db, key)
        stored = check_trial(hearth, db, pub, anchor, load, since, me, checks)
        nreads = sum(load.reads.values())
        totals["acked"] += len(load.acked)
        totals["reads"] += nreads
        totals["stored"] = stored
        print("trial %d: %d writes acknowledged, %d reads answered, %d notes stored in all%s" % (
            trial, len(load.acked), nreads, stored,
            (", other answers %r" % load.errors) if load.errors else ""))
    problem = server.stop()
    checks.result("server_shutdown", problem is None, problem or "")
    full_disk(hearth, db, key, token, episode, checks)
    v = subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", pub, "--anchor", anchor],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checks.result("finding_19_verify_after_shutdown", v.returncode == 0, v.stdout.decode() + v.stderr.decode())
    print("crash: %d trials in %.0f s: %d writes acknowledged, %d reads answered" % (
        args.trials, time.time() - started, totals["acked"], totals["reads"]))
    if args.keep:
        with open(os.path.join(tmp, "server.log"), "w", encoding="utf-8") as f:
            f.write("\n".join(server.log) + "\n")
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp)
    print("crash: %d passed, %d failed" % (checks.passed, checks.failed))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
