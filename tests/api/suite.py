"""suite.py — what the runners that start a council and a server have in common, so each says only what it tests.

    import suite
    args, hearth = suite.command_line(__doc__)           # --hearth (made absolute), --keep
    tmp = suite.workdir("jobs")                          # a new temporary directory, hearth-jobs-XXXX
    db, logins = suite.demo_council(hearth, tmp, "jobs", families=40)   # `hearth demo` and its logins
    ...
    return suite.finish(tmp, args.keep, "jobs", check)   # keep or remove tmp; `jobs: N passed, N failed`

and, for the runners that carry out retention: `suite.retention_policy(hearth, tmp, PROFILE)` writes Durham's
policy with one class (early help cases destroyed a year after closure) and `suite.saved_plan(hearth, db,
policy, as_of, tmp)` saves a plan of it from the command line (so that governance may approve it: nobody
approves their own) and returns its id, its CSV and the digest governance approves.

The council and its trail are on SQLite or PostgreSQL as testdb.py says. Python 3 standard library only.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import testdb

DEMO_SEED, DEMO_AS_OF = "7", "2026-11-23"
DURHAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "policy", "durham.yaml")


def command_line(doc, extra=None):
    """The runner's arguments (--hearth, required; --keep) and the program's absolute path. extra(ap) may add
    arguments of its own."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--hearth", required=True, help="path to the hearth program")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    if extra:
        extra(ap)
    args = ap.parse_args()
    return args, os.path.abspath(args.hearth)


def workdir(name):
    """A new temporary directory for the runner NAME."""
    return tempfile.mkdtemp(prefix="hearth-%s-" % name)


def demo_council(hearth, tmp, name, families, logins_path=None):
    """A demo council NAME (testdb.council) of `families` families, seed 7, as of 2026-11-23; returns its
    address and its logins by username (written to logins_path, by default tmp/logins.json)."""
    db = testdb.council(tmp, name)
    logins_path = logins_path or os.path.join(tmp, "logins.json")
    subprocess.run([hearth, "demo", "--db", db, "--logins", logins_path, "--families", str(families), "--seed",
                    DEMO_SEED, "--as-of", DEMO_AS_OF], check=True, stdout=subprocess.DEVNULL)
    with open(logins_path, encoding="utf-8") as f:
        return db, {u["username"]: u for u in json.load(f)}


def finish(tmp, keep, name, check, server=None):
    """End a runner: keep tmp (with the server's log, when given) or remove it, print `NAME: N passed, N failed`
    (NAME_pg on PostgreSQL) and return the exit status."""
    if keep:
        if server is not None:
            with open(os.path.join(tmp, "server.log"), "w", encoding="utf-8") as f:
                f.write("\n".join(server.log) + "\n")
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d passed, %d failed" % (testdb.suite(name), check.passed, check.failed))
    return 1 if check.failed else 0


def retention_policy(hearth, tmp, profile):
    """Durham's policy with one retention class (early help cases destroyed a year after closure), written as
    tmp/PROFILE.yaml (JSON is YAML); returns its path."""
    proc = subprocess.run([hearth, "notice", "--policy", DURHAM, "--format", "json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=True)
    pol = dict(json.loads(proc.stdout)["policy"], profile=profile, retention={"classes": [
        {"code": "r_eh", "label": "Early help", "records": "early_help_case", "trigger": "case_closure",
         "period": {"years": 1}, "disposal": "destroy"}]})
    path = os.path.join(tmp, profile + ".yaml")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(pol, f)
    return path


def saved_plan(hearth, db, policy_path, as_of, tmp):
    """A retention plan of the policy as of a date, saved by the command line with its CSV in tmp/plan.csv.
    Returns (exit status, stderr, plan id or 0, the CSV's bytes, the rows digest governance approves)."""
    plan_csv = os.path.join(tmp, "plan.csv")
    proc = subprocess.run([hearth, "retention", "plan", "--db", db, "--policy", policy_path, "--as-of", as_of,
                           "--save", "--out", plan_csv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    m = re.search(r"retention plan (\d+) saved", proc.stderr)
    text = b""
    if os.path.exists(plan_csv):
        with open(plan_csv, "rb") as f:
            text = f.read()
    return (proc.returncode, proc.stderr, int(m.group(1)) if m else 0, text,
            hashlib.blake2b(text, digest_size=32).hexdigest())


def wait_for_job(api, user, url, states, stage=None, wait=120):
    """The job at url (its JSON) once its state is one of states and, when stage is given, its progress message
    is stage, asked as user through the runner's api(user, method, path); or the last one seen once wait seconds
    have passed (a deadline for the check that follows, never a timing)."""
    deadline = time.time() + wait
    doc = {}
    while time.time() < deadline:
        st, _, doc = api(user, "GET", url)
        if st == 200 and doc.get("state") in states and (
                stage is None or (doc.get("progress") or {}).get("message") == stage):
            return doc
        time.sleep(0.1)
    return doc
