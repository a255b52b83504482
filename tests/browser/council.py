#!/usr/bin/env python3
"""council.py — the browser tests' council: the small demo council of tests/web/run.py, with its work and
hostile text (give_work), in DIR/browser.db with the demo users' logins in DIR/logins.json.

    tests/browser/council.py --hearth build/hearth --dir DIR

run.js calls this before it starts the server, so the browser tests and the HTTP tests see the same council
(Python 3 standard library only; Node.js 18 has no SQLite of its own).
"""
import argparse
import importlib.util
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("web_run", os.path.join(HERE, "..", "web", "run.py"))
web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    db, logins = os.path.join(args.dir, "browser.db"), os.path.join(args.dir, "logins.json")
    subprocess.run([args.hearth, "demo", "--db", db, "--logins", logins] + web.api.DEMO_ARGS, check=True,
                   stdout=subprocess.DEVNULL)
    web.give_work(db)


if __name__ == "__main__":
    main()
