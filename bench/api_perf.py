#!/usr/bin/env python3
"""api_perf.py — where a person read's server CPU goes, from bench/api --perf FILE.

usage: bench/api_perf.py PERF_DATA [CPU_US_PER_READ]

Reads `perf script` of the recording and puts each sample to the innermost function on its stack that one
of the categories below names (the same rule as bench/README.md's per-read table): a sample in SQLite under
the session lookup is the session's, one in the kernel's scheduler under a handler thread's wait is the
hand-off's. Prints each category's share of the samples and, given the server's CPU per read (bench/api
prints it: "us server CPU/req"), its microseconds per read.
"""
import collections
import subprocess
import sys

# (category, function names), innermost match wins; a name ending in * matches by prefix.
CATEGORIES = [
    ("session lookup (auth_session_lookup_cached)", ["auth_session_lookup_cached", "auth_session_lookup"]),
    ("access decision (access_decide)", ["access_decide*", "access_check*"]),
    ("the person's row (model_get)", ["model_get"]),
    ("JSON (row_to_json, json_dumps)", ["row_to_json", "json_dumps", "model_row_json"]),
    ("audit append (http_audit)", ["http_audit", "audit_record_ticket"]),
    ("waiting for the audit commit (http_audit_settle)", ["http_audit_settle", "audit_await"]),
    ("the audit writer's commit (audit_write_batch)", ["audit_write_batch"]),
    ("the audit writer otherwise", ["writer_main", "waiters_fire", "settled"]),
    ("store handle (store_pool_acquire)", ["store_pool_acquire"]),
    ("arena cleanups", ["core_arena_run_cleanups", "core_arena_release", "core_arena_reset"]),
    ("hand-off to a handler thread (queue, wake-up)", ["queue_push", "worker_main", "settle_later", "unpark",
                                                        "store_give_back"]),
    ("HTTP: libmicrohttpd, parsing, routing, sending", ["on_request", "send_reply", "on_completed", "dispatch",
                                                        "session_resolve", "route_find", "MHD_*", "MHD_*",
                                                        "epoll_wait", "__libc_accept*"]),
]


def match(sym, names):
    for n in names:
        if n.endswith("*") and sym.startswith(n[:-1]):
            return True
        if sym == n:
            return True
    return False


def category(stack):
    for sym, dso in stack:  # innermost first
        for name, names in CATEGORIES:
            if match(sym, names):
                return name
        if "libmicrohttpd" in dso:
            return CATEGORIES[-1][0]
    return "other (kernel and libraries with no Hearth frame)"


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2])
    cpu = float(sys.argv[2]) if len(sys.argv) == 3 else None
    out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,tid,ip,sym,dso"],
                         capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        sys.exit("api_perf: perf script failed: " + out.stderr.strip()[:400])
    counts = collections.Counter()
    stack, total = [], 0
    for line in out.stdout.splitlines() + [""]:
        if line.startswith((" ", "\t")):
            parts = line.split(None, 2)
            if len(parts) >= 2:
                sym = parts[1].split("+0x")[0]
                dso = parts[2] if len(parts) > 2 else ""
                stack.append((sym, dso))
        elif stack or not line.strip():
            if stack:
                counts[category(stack)] += 1
                total += 1
            stack = []
    if total == 0:
        sys.exit("api_perf: no samples with call graphs in " + sys.argv[1])
    print("%d samples" % total)
    for name, _ in CATEGORIES + [("other (kernel and libraries with no Hearth frame)", None)]:
        share = counts[name] / total
        print("%-52s %5.1f%%%s" % (name, 100 * share, "  %5.1f us" % (share * cpu) if cpu else ""))


if __name__ == "__main__":
    main()
