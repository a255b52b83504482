#!/usr/bin/env python3
"""job_download.py — the memory `hearth serve` uses to send a large job file: its peak RSS before and after one download.

usage: bench/job_download.py --hearth build/hearth [--mib N]
       script/with-postgres env HEARTH_TEST_BACKEND=postgres bench/job_download.py --hearth build/hearth

Builds a small council, keeps an N MiB file (default 256, random bytes; the largest a job keeps is 512) as a
succeeded Annex A job's output in the database exactly as a job process keeps it (1 MiB chunks of base64, the
BLAKE2b-256 digest beside them), starts `hearth serve`, and has the analyst who asked for it download it, reading
the reply 1 MiB at a time and checking its size and digest. Prints the server's peak resident memory (VmHWM of
/proc/PID/status) before and after the download, which on SQLite includes the database pages it maps, and the
highest private memory (RssAnon, sampled every 5 ms during the download) against before, as a fraction of the
file's size: 1 or more when the file is held whole in memory, near 0 when it is sent chunk by chunk. Run it with two builds to compare; the
figures in src/jobs/README.md come from here.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
import testdb  # noqa: E402
from jobs import Server  # noqa: E402
from signin import session_of  # noqa: E402

ANALYST = "sfcoordinator"
CHUNK = 1 << 20


def status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class AnonPeak:
    """The highest RssAnon of a process, sampled every few milliseconds in a thread: the private memory (heap,
    buffers), without the database file SQLite maps (RssFile, page cache the kernel takes back at will)."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, status_kib(pid, "RssAnon"), threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, status_kib(self.pid, "RssAnon"))
            time.sleep(0.005)

    def end(self):
        self.stop.set()
        self.thread.join()
        return self.peak


def keep_file(db, owner, mib):
    """A succeeded job with an N MiB output; returns (job id, size, digest hex)."""
    con = testdb.connect(db)
    now = "2026-11-23T12:00:00Z"
    cur = con.execute("INSERT INTO job (kind, state, created_by, params, created_at, started_at, finished_at, result)"
                      " VALUES ('annex_a', 'succeeded', ?, '{}', ?, ?, ?, '{}')", (owner, now, now, now))
    job = cur.lastrowid
    h = hashlib.blake2b(digest_size=32)
    size = 0
    for seq in range(mib):
        data = os.urandom(CHUNK)
        h.update(data)
        size += len(data)
        if seq == 0:
            con.execute("INSERT INTO job_file (job_id, role, name, content_type, size, digest, chunks, created_at,"
                        " expires_at) VALUES (?, 'output', 'bench.bin', 'application/octet-stream', 0, '', ?, ?,"
                        " '9999-12-31T00:00:00Z')", (job, mib, now))
        con.execute("INSERT INTO job_file_chunk (job_id, role, seq, data) VALUES (?, 'output', ?, ?)",
                    (job, seq, base64.b64encode(data).decode("ascii")))
    con.execute("UPDATE job_file SET size = ?, digest = ? WHERE job_id = ? AND role = 'output'",
                (size, h.hexdigest(), job))
    con.commit()
    con.close()
    return job, size, h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--mib", type=int, default=256)
    args = ap.parse_args()
    if not 1 <= args.mib <= 512:
        sys.exit("job_download: --mib is 1..512 (the largest file a job keeps)")
    hearth = os.path.abspath(args.hearth)
    tmp = tempfile.mkdtemp(prefix="hearth-download-")
    server = None
    try:
        db = testdb.council(tmp, "download")
        logins = os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "demo", "--db", db, "--logins", logins, "--families", "5", "--seed", "7"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(logins, encoding="utf-8") as f:
            login = {u["username"]: u for u in json.load(f)}[ANALYST]
        con = testdb.connect(db)
        owner = con.execute("SELECT id FROM app_user WHERE username = ?", (ANALYST,)).fetchone()[0]
        con.close()
        print("keeping a %d MiB file as a job's output ..." % args.mib, flush=True)
        job, size, digest = keep_file(db, owner, args.mib)
        server = Server(hearth, db)
        token = session_of(server.port, login)
        before = status_kib(server.proc.pid, "VmHWM")
        anon_before = status_kib(server.proc.pid, "RssAnon")
        sampler = AnonPeak(server.proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        conn.request("GET", "/api/v1/jobs/%d/output" % job, headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        h, got = hashlib.blake2b(digest_size=32), 0
        while True:
            block = r.read(CHUNK)
            if not block:
                break
            h.update(block)
            got += len(block)
        conn.close()
        anon_peak = sampler.end()
        after = status_kib(server.proc.pid, "VmHWM")
        ok = r.status == 200 and got == size and h.hexdigest() == digest
        print("download: status %d, %d bytes, digest %s" % (r.status, got, "matches" if ok else "DIFFERS"))
        print("server peak RSS (VmHWM, with the pages SQLite maps): %.1f MiB before, %.1f MiB after the download "
              "of %.0f MiB" % (before / 1024, after / 1024, size / 1048576))
        print("server private memory (RssAnon): %.1f MiB before, at most %.1f MiB during the download" %
              (anon_before / 1024, anon_peak / 1024))
        print("private memory growth / file size: %.3f" % ((anon_peak - anon_before) * 1024 / size))
        if not ok:
            sys.exit(1)
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
