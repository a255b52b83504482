#!/usr/bin/env python3
"""run.py — two Hearth servers on one PostgreSQL behind nginx: sessions, access, and a kill -9 under load.

    script/with-postgres python3 tests/cluster/run.py --hearth build/hearth [--keep]

Under script/with-postgres (HEARTH_TEST_PG names a throwaway database) it builds the demo council on PostgreSQL,
starts two `hearth serve --db postgres://...` on their own ports with one HEARTH_AUDIT_DIR (the hash key, the
public key and the checkpoint file, which both append whole lines to) and one signing key (--signing-key: both
sign checkpoints with the council's key), and nginx in front of them (unprivileged, `daemon off`, its own
prefix in the temporary directory, the two servers round-robin; see README.md for what nginx does when one
dies). Then it checks, one line per failure and `cluster: N passed, N failed` at the end:

  session_token_on_both        an API token signed in through server A is accepted by A and by B
  session_cookie_on_both       a browser session cookie signed in through B opens a page on A and on B
  access_agrees                the same user reading each of the first people gets the same status from both
                               servers, and both readable and unreadable people are among them
  load_reads_answered          under load through nginx, every read was answered 200 (nginx retries a read
                               the killed server dropped on the other server)
  load_writes_lost_in_flight   at most one write per writer thread was not acknowledged (the ones in flight
                               on the killed server when it died); every other was answered 201
  load_both_servers_used       both servers answered requests before the kill (nginx's round-robin)
  survivor_serves_alone        after the kill, writes and reads through nginx are answered by the survivor
  survivor_moves_outbox        the survivor alone (before the killed server restarts) has moved every stored
                               note's create event from the outbox into the trail
  acknowledged_writes_present  every note answered 201 is in the database (psql)
  stored_writes_audited        every stored note has exactly one create event in the trail
  answered_reads_audited       every read answered 200 has its read event (counted per record)
  killed_server_restarts       the killed server starts again on the same database and answers
  audit_verify                 `hearth audit verify --db postgres://... --public-key` passes (key copied away)
  servers_shutdown             both servers and nginx stop cleanly with SIGTERM/SIGQUIT

Python 3 standard library, psql and nginx (Debian's nginx-light, installed by script/bootstrap).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
os.environ["HEARTH_TEST_BACKEND"] = "postgres"  # the API runner's helpers read the database with psql
import run as api  # noqa: E402  (the API runner's server, sign-in and request functions)

DEMO_ARGS = ["--families", "20", "--seed", "13", "--as-of", "2026-11-23"]
USER = "practitioner.n1"
WRITERS, READERS = 6, 4
MARK = "cluster-trial"
# How long the load runs before and after the kill. Nothing is checked against a time: these only decide how
# many requests are made, and every check holds whatever that number turns out to be.
BEFORE_KILL, AFTER_KILL = 2.0, 2.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(db, query, *params):
    """Rows of query on the database; params are bound by psql as :'p1', :'p2', ... (never formatted in)."""
    args = ["psql", "-qAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", db]
    for i, p in enumerate(params, 1):
        args += ["-v", "p%d=%s" % (i, p)]
    out = subprocess.run(args, input=query, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


class Nginx:
    """nginx in the foreground with its own prefix: config, pid, logs and temporary files in one directory."""

    CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format upstream '$upstream_addr $status';
    access_log {dir}/access.log upstream;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # Round-robin over the two servers. max_fails=1 fail_timeout=10s (nginx's defaults, written out): a server
    # that refused a connection or dropped one is skipped for 10 s, then tried again with one request.
    upstream hearth {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=10s;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://hearth;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            # A request goes to the other server only when the first one failed before answering (error: the
            # connection was refused or dropped; timeout). A POST or PATCH that reached a server is never sent
            # again (nginx leaves out non_idempotent): it may have been written, so the client is told 502 and
            # decides. A GET is sent again, and a connection refused (nothing sent) is retried for any method.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""

    def __init__(self, directory, a, b):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.port = free_port()
        conf = os.path.join(directory, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(self.CONF.format(dir=directory, a=a, b=b, port=self.port))
        self.proc = subprocess.Popen(["nginx", "-p", directory, "-c", conf, "-e", os.path.join(directory, "error.log"),
                                      "-g", "daemon off;"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while True:
            try:
                if api.request(self.port, "GET", "/healthz", {"Authorization": "none"}, b"")[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise SystemExit("cluster: nginx did not start: %s\n%s" % (
                    self.proc.stderr.read().decode(), self.log()))
            time.sleep(0.05)

    def log(self):
        try:
            with open(os.path.join(self.dir, "error.log"), encoding="utf-8") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "nginx did not exit within 10 s of SIGQUIT"
        return None if rc == 0 else "nginx exited with status %d" % rc


def serve(hearth, db, key):
    """hearth serve on a free port with the council's signing key given explicitly (api.Server, --signing-key)."""
    real_popen = subprocess.Popen

    def popen(args, **kw):
        return real_popen(list(args) + ["--signing-key", key], **kw)

    subprocess.Popen = popen
    try:
        return api.Server(hearth, db)
    finally:
        subprocess.Popen = real_popen


class Load:
    """Writer and reader threads through nginx; what each was answered is kept, before and after the kill."""

    def __init__(self, port, token, episode, family, notes):
        self.port, self.token, self.episode, self.family, self.notes = port, token, episode, family, notes
        self.stop = threading.Event()
        self.mu = threading.Lock()
        self.acked = []        # note ids answered 201
        self.unacked = []      # (subject, status) of writes answered otherwise
        self.reads = {}        # (table, id) -> reads answered 200
        self.bad_reads = {}    # status -> count
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
            subject = "%s %d %d" % (MARK, w, n)
            body = {"note_type": "visit", "occurred_at": "2026-11-20T10:00Z", "subject": subject,
                    "body": "synthetic note"}
            try:
                status, _, raw = self.call("POST", "/api/v1/episodes/%d/notes" % self.episode, body)
            except OSError as e:
                status, raw = "no answer (%s)" % e.__class__.__name__, b""
            with self.mu:
                if status == 201:
                    self.acked.append(json.loads(raw)["id"])
                else:
                    self.unacked.append((subject, status))

    def reader(self, r):
        rnd = random.Random(r * 7919 + 13)
        while not self.stop.is_set():
            if rnd.random() < 0.25:
                table, rid, path = "family", self.family, "/api/v1/families/%d" % self.family
            else:
                rid = rnd.choice(self.notes)
                table, path = "case_note", "/api/v1/notes/%d" % rid
            try:
                status = self.call("GET", path)[0]
            except OSError as e:
                status = "no answer (%s)" % e.__class__.__name__
            with self.mu:
                if status == 200:
                    self.reads[(table, rid)] = self.reads.get((table, rid), 0) + 1
                else:
                    self.bad_reads[status] = self.bad_reads.get(status, 0) + 1

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def result(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print("ok", name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        return ok


def setup(port, token):
    """A family with one member, an episode USER leads, and five notes for the readers: (family, episode,
    notes)."""
    def call(method, path, body, tok=token, want=201):
        status, _, raw = api.request(port, method, path, {"Authorization": "Bearer " + tok,
                                                          "Content-Type": "application/json"},
                                     json.dumps(body).encode())
        if status != want:
            raise SystemExit("cluster: setup %s %s answered %d %s" % (method, path, status, raw[:200]))
        return json.loads(raw)["id"]

    me = api.SESSION["user_id"]
    family = call("POST", "/api/v1/families", {"name": "Testfamily-Cluster"})
    episode = call("POST", "/api/v1/families/%d/episodes" % family, {"start_date": "2026-09-01", "owning_team_id": 2})
    # the owning team's manager allocates the lead (docs/access.md: nobody allocates a case to themselves)
    call("PATCH", "/api/v1/episodes/%d" % episode, {"lead_user_id": me}, tok=api.acting_as("manager.n")[0], want=200)
    # a member of the family, new with the link, so that USER may read them (docs/access.md: a link opens
    # what is new with it)
    person = call("POST", "/api/v1/people", {"given_name": "Testchild", "family_name": "Cluster", "sex": "U",
                                             "date_of_birth": "2019-05-04"})
    call("POST", "/api/v1/families/%d/members" % family, {"person_id": person, "role": "child"})
    notes = [call("POST", "/api/v1/episodes/%d/notes" % episode,
                  {"note_type": "visit", "occurred_at": "2026-10-01T14:30Z", "subject": "reader %d" % i,
                   "body": "synthetic"}) for i in range(5)]
    return family, episode, notes


def web_sign_in(port, logins, username):
    """Sign in through the web page of the server on port; the hearth_session cookie's value, or None."""
    b = Browser(port)
    _, _, form = b.go("GET", "/sign-in")
    m = re.search(r'name="csrf_token" value="([^"]*)"', form)
    u = next(x for x in logins if x["username"] == username)
    b.go("POST", "/sign-in", {"csrf_token": m.group(1) if m else "", "username": username,
                              "password": u["password"], "code": api.fresh_totp(u["totp_secret"])})
    return b.cookies


class Browser:
    """Just enough of a browser: cookies by name, forms url-encoded."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def go(self, method, path, form=None):
        import urllib.parse
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            raw = r.read()
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    self.cookies[name] = rest.split(";")[0]
        finally:
            conn.close()
        return r.status, dict(r.getheaders()), raw.decode("utf-8", "replace")


def upstream_counts(nginx_dir, ports):
    """Requests each server answered 2xx, from nginx's access log (format `upstream`: $upstream_addr $status)."""
    counts = dict.fromkeys(ports, 0)
    with open(os.path.join(nginx_dir, "access.log"), encoding="utf-8") as f:
        for line in f:
            addr, _, status = line.strip().rpartition(" ")
            last = addr.split(",")[-1].strip()  # a retried request names every server it was sent to
            port = int(last.rpartition(":")[2]) if last.rpartition(":")[2].isdigit() else None
            if port in counts and status.startswith("2"):
                counts[port] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True, help="path to the hearth program")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    hearth = os.path.abspath(args.hearth)
    db = os.environ.get("HEARTH_TEST_PG")
    if not db:
        raise SystemExit("cluster: HEARTH_TEST_PG is not set (run under script/with-postgres)")
    if not shutil.which("nginx"):
        raise SystemExit("cluster: nginx is not installed (run script/bootstrap)")
    tmp = tempfile.mkdtemp(prefix="hearth-cluster-")
    os.environ["HEARTH_AUDIT_DIR"] = os.path.join(tmp, "audit")    # both servers: hash key, pubkey, checkpoints
    os.mkdir(os.environ["HEARTH_AUDIT_DIR"], 0o700)
    keydir = os.path.join(tmp, "keys")                             # the council's signing key, apart
    os.mkdir(keydir, 0o700)
    key = os.path.join(keydir, "audit-signing.key")
    os.environ["HEARTH_AUDIT_SIGNING_KEY"] = key
    logins_path = os.path.join(tmp, "logins.json")
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins_path] + DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    with open(logins_path, encoding="utf-8") as f:
        logins = json.load(f)
    checks = Checks()
    # One after the other, so that the first has made any key the demo did not before the second opens.
    a = serve(hearth, db, key)
    b = serve(hearth, db, key)
    pub = os.path.join(tmp, "dpo-public.key")  # the data protection officer's copy
    shutil.copyfile(os.path.join(os.environ["HEARTH_AUDIT_DIR"], "hearth.audit-pubkey"), pub)
    ngx = Nginx(os.path.join(tmp, "nginx"), a.port, b.port)
    print("servers on %d and %d, nginx on %d" % (a.port, b.port, ngx.port))

    # ---- one session, two servers ----
    api.sign_in(a.port, logins_path, USER)
    token, me = api.SESSION["token"], api.SESSION["user_id"]
    family, episode, notes = setup(ngx.port, token)
    got = [api.request(s.port, "GET", "/api/v1/families/%d" % family, {"Authorization": "Bearer " + token}, b"")[0]
           for s in (a, b)]
    checks.result("session_token_on_both", got == [200, 200], "the token from A answered %r on A and B" % got)
    other = next(u["username"] for u in logins if u["username"].startswith("practitioner.") and u["username"] != USER)
    cookies = web_sign_in(b.port, logins, other)
    got = []
    for s in (a, b):
        br = Browser(s.port)
        br.cookies = dict(cookies)
        got.append(br.go("GET", "/")[0])
    checks.result("session_cookie_on_both", "hearth_session" in cookies and got == [200, 200],
                  "cookies %r; GET / answered %r on A and B" % (sorted(cookies), got))

    # ---- a sign-out through one server ends the session on the other at once: each server remembers the
    # sessions it has looked up (src/auth/auth.h, invariant 10), so A must see B's sign-out ----
    third = next(u["username"] for u in logins
                 if u["username"].startswith("practitioner.") and u["username"] not in (USER, other))
    tok3, _ = api.session_of(a.port, logins_path, third)
    bearer = {"Authorization": "Bearer " + tok3}
    warm = [api.request(s.port, "GET", "/api/v1/worklist/caseload", bearer, b"")[0] for s in (a, b, a, b)]
    out = api.request(b.port, "DELETE", "/api/v1/session", bearer, b"")[0]
    after = [api.request(s.port, "GET", "/api/v1/worklist/caseload", bearer, b"")[0] for s in (a, b)]
    checks.result("signed_out_refused_on_both", warm == [200] * 4 and out in (200, 204) and after == [401, 401],
                  "before the sign-out %r; DELETE on B %r; after it, A and B answered %r" % (warm, out, after))

    # ---- the same access decision from both ----
    # people in the families USER leads an episode of (readable: the one setup made), and the council's first
    # people (not readable: USER leads none of the demo's episodes)
    people = sorted({int(r[0]) for r in psql(db, "SELECT fm.person_id FROM family_member fm JOIN episode e ON "
                                                 "e.family_id = fm.family_id WHERE e.lead_user_id = :'p1' "
                                                 "UNION SELECT id FROM person WHERE id <= 20", me)})
    differ, seen, first = [], set(), {}
    for pid in people:
        got = [api.request(s.port, "GET", "/api/v1/people/%d" % pid, {"Authorization": "Bearer " + token}, b"")[0]
               for s in (a, b)]
        seen.add(got[0])
        first[pid] = got[0]
        if got[0] != got[1]:
            differ.append((pid, got))
    checks.result("access_agrees", not differ and 200 in seen and (seen & {403, 404}),
                  "differing answers %r; answers from A per person %r" % (differ[:5], first))

    # ---- mixed load through nginx, one server killed part-way ----
    load = Load(ngx.port, token, episode, family, notes)
    load.start()
    time.sleep(BEFORE_KILL)
    with load.mu:
        before = (len(load.acked), sum(load.reads.values()))
    used = upstream_counts(ngx.dir, (a.port, b.port))
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    time.sleep(AFTER_KILL)
    load.join()
    print("load: %d writes acknowledged (%d before the kill), %d not; %d reads answered (%d before the kill)%s" % (
        len(load.acked), before[0], len(load.unacked), sum(load.reads.values()), before[1],
        (", other read answers %r" % load.bad_reads) if load.bad_reads else ""))
    checks.result("load_reads_answered", not load.bad_reads, "reads answered otherwise than 200: %r" % load.bad_reads)
    checks.result("load_writes_lost_in_flight", len(load.unacked) <= WRITERS and len(load.acked) > before[0],
                  "%d writes not acknowledged (at most %d may be in flight): %r; %d acknowledged after the kill" % (
                      len(load.unacked), WRITERS, load.unacked[:10], len(load.acked) - before[0]))
    checks.result("load_both_servers_used", all(used.values()),
                  "requests answered 2xx per server port before the kill: %r" % used)

    # The survivor alone: a write and a read through nginx, then every stored note's create event is in the
    # trail (the killed server's outbox rows, committed with their notes, moved by the survivor's writer).
    status, _, raw = load.call("POST", "/api/v1/episodes/%d/notes" % episode,
                               {"note_type": "visit", "occurred_at": "2026-11-20T10:00Z",
                                "subject": "%s after" % MARK, "body": "synthetic"})
    rstatus = load.call("GET", "/api/v1/notes/%d" % json.loads(raw)["id"])[0] if status == 201 else 0
    if status == 201:
        load.acked.append(json.loads(raw)["id"])
    checks.result("survivor_serves_alone", status == 201 and rstatus == 200,
                  "after the kill a write answered %r, its read %r" % (status, rstatus))
    stored = [int(r[0]) for r in psql(db, "SELECT id FROM case_note WHERE subject LIKE :'p1'", MARK + " %")]
    creates = {}
    for tid, n in psql(db, "SELECT target_id, count(*) FROM audit_event WHERE action = 'create' AND "
                           "target_table = 'case_note' GROUP BY target_id"):
        creates[int(tid)] = int(n)
    unaudited = [i for i in stored if creates.get(i, 0) == 0]
    checks.result("survivor_moves_outbox", not unaudited,
                  "%d stored notes have no create event while only the survivor runs: %r" % (
                      len(unaudited), unaudited[:10]))

    # ---- the killed server comes back, both stop, and the database is read ----
    try:
        a = serve(hearth, db, key)
        checks.result("killed_server_restarts", api.request(a.port, "GET", "/api/v1/families/%d" % family,
                                                            {"Authorization": "Bearer " + token}, b"")[0] == 200,
                      "the restarted server does not answer the session")
    except SystemExit as e:
        checks.result("killed_server_restarts", False, str(e))
        a = None
    problems = [p for p in ((a.stop() if a else None), b.stop(), ngx.stop()) if p]
    checks.result("servers_shutdown", not problems, "; ".join(problems))

    stored = [int(r[0]) for r in psql(db, "SELECT id FROM case_note WHERE subject LIKE :'p1'", MARK + " %")]
    stored_set = set(stored)
    missing = [i for i in load.acked if i not in stored_set]
    checks.result("acknowledged_writes_present", not missing,
                  "%d notes answered 201 are not in the database: %r" % (len(missing), missing[:10]))
    creates = {}
    for tid, n in psql(db, "SELECT target_id, count(*) FROM audit_event WHERE action = 'create' AND "
                           "target_table = 'case_note' GROUP BY target_id"):
        creates[int(tid)] = int(n)
    unaudited = [i for i in stored if creates.get(i, 0) == 0]
    doubled = [i for i in stored if creates.get(i, 0) > 1]
    checks.result("stored_writes_audited", not unaudited and not doubled,
                  "%d stored notes have no create event (%r), %d more than one (%r)" % (
                      len(unaudited), unaudited[:10], len(doubled), doubled[:10]))
    got = {}
    for table, tid, n in psql(db, "SELECT target_table, target_id, count(*) FROM audit_event WHERE action = 'read' "
                                  "AND actor_user_id = :'p1' GROUP BY target_table, target_id", me):
        got[(table, int(tid))] = int(n)
    short = {k: (n, got.get(k, 0)) for k, n in load.reads.items() if got.get(k, 0) < n}
    checks.result("answered_reads_audited", not short, "reads answered 200 without a read event: %r" % short)
    v = subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", pub],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checks.result("audit_verify", v.returncode == 0, "audit verify exited %d: %s %s" % (
        v.returncode, v.stdout.decode().strip(), v.stderr.decode().strip()))
    print("cluster: %d notes stored, %d acknowledged, trail: %s" % (
        len(stored), len(load.acked), v.stdout.decode().strip().splitlines()[-1:] or ""))
    if args.keep:
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp)
    print("cluster: %d passed, %d failed" % (checks.passed, checks.failed))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
