#!/usr/bin/env python3
"""Run the account commands (`hearth user ...`, `hearth token ...`) against a scratch database and check what
they print, their exit status, and what they leave in the database.

usage: tests/cli/run_user.py HEARTH
Prints one line per failure and finally `users: N passed, N failed`.

Pinned down here: a refusal (unknown user, bad role, bad scope, unknown token) exits non-zero and changes
nothing; secrets are printed once and stored only as hashes (the TOTP secret excepted); every change is in the
audit trail, which verifies afterwards.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

CODE_RE = re.compile(r"^  ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$", re.M)
TOKEN_RE = re.compile(r"^token \(shown only now.*\): ([A-Za-z0-9_-]{43})$", re.M)


def main():
    hearth = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="hearth-cli-user-")
    db = os.path.join(tmp, "u.db")
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    def run(*args, stdin=None):
        p = subprocess.run([hearth] + list(args), input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        return p.returncode, p.stdout, p.stderr

    def sql(query, *params, path=None):
        con = sqlite3.connect(path or db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def trail_sql(query, *params):  # the audit trail's own database file
        return sql(query, *params, path=db + ".audit")

    def snapshot():
        """Everything the account commands may change."""
        return (sql("SELECT * FROM app_user ORDER BY id"), sql("SELECT * FROM session ORDER BY id"),
                sql("SELECT * FROM recovery_code ORDER BY id"), sql("SELECT * FROM sign_in_failure ORDER BY id"))

    # ---- usage errors exit 2; --help exits 0 and explains ----
    commands = [["user", "disable"], ["user", "enable"], ["user", "reset"], ["user", "role"],
                ["user", "recovery-codes"], ["token", "add"], ["token", "list"], ["token", "revoke"]]
    for c in commands:
        rc, out, err = run(*c, "--help")
        check(rc == 0 and out.startswith("usage: hearth " + " ".join(c)), "%r --help: got %d %r" % (c, rc, out))
        rc, out, err = run(*c)
        check(rc == 2 and "is required" in err and "usage:" in err, "%r without options: got %d %r" % (c, rc, err))
    for args in (["user", "disable", "--db", db, "--username", "x", "--role", "admin"],
                 ["user", "enable", "--db", db, "--username", "x", "extra"],
                 ["user", "role", "--db", db, "--username", "x"],
                 ["user", "role", "--db", db, "--username", "x", "--role", "admin", "--team", "0"],
                 ["token", "add", "--db", db, "--username", "x", "--days", "0"],
                 ["token", "add", "--db", db, "--username", "x", "--days", "366"],
                 ["token", "add", "--db", db, "--username", "x", "--days", "3x"],
                 ["token", "revoke", "--db", db, "--id", "-1"],
                 ["token", "list", "--db", db, "--bogus"],
                 ["user", "reset", "--db", db, "--username", "x", "--scopes", "a"]):
        rc, out, err = run(*args)
        check(rc == 2 and err.strip(), "usage error %r: want exit 2 with a message, got %d %r" % (args, rc, err))
    rc, out, err = run("--help")
    check(all(" ".join(c) in out for c in commands), "hearth --help lists every account command")

    try:
        # ---- user add ----
        rc, out, err = run("init", "--db", db)
        check(rc == 0, "init: %d %s" % (rc, err))
        rc, out, err = run("user", "add", "--db", db, "--username", "alice", "--role", "practitioner", "--totp",
                           "--password-stdin", stdin="alice's long password\n")
        codes = CODE_RE.findall(out)
        secret = re.search(r"^totp secret .*: ([A-Z2-7]{32})$", out, re.M)
        check(rc == 0 and len(codes) == 10 and secret and "password:" not in out,
              "user add --totp --password-stdin: %d %r" % (rc, out))
        hashes = [h for (h,) in sql("SELECT code_hash FROM recovery_code")]
        check(len(hashes) == 10 and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes),
              "ten recovery code hashes stored: %r" % hashes[:2])
        check(not any(c in open(db, "rb").read().decode("latin-1") or c.replace("-", "") in
                      open(db, "rb").read().decode("latin-1") for c in codes), "no recovery code in the database file")
        rc, out, err = run("user", "add", "--db", db, "--username", "bob", "--role", "analyst")
        check(rc == 0 and CODE_RE.search(out) and "needs a second factor" in err,
              "user add without --totp for a role that sees case data enrols TOTP anyway: %r %r" % (out, err))
        rc, out, err = run("user", "add", "--db", db, "--username", "root2", "--role", "admin")
        pw = re.search(r"^password: (\S+)$", out, re.M)
        check(rc == 0 and pw and len(CODE_RE.findall(out)) == 10 and
              re.search(r"^totp secret .*: [A-Z2-7]{32}$", out, re.M) and
              "role admin needs a second factor" in err and
              sql("SELECT totp_secret IS NOT NULL FROM app_user WHERE username = 'root2'") == [(1,)],
              "finding_15_admin_needs_second_factor: user add without --totp (admin) enrols TOTP and prints "
              "recovery codes, like every role: %r %r" % (out, err))
        alice = sql("SELECT id FROM app_user WHERE username = 'alice'")[0][0]
        # an account from before every role needed a second factor (made here by hand: user add enrols one)
        con = sqlite3.connect(db)
        with con:
            con.execute("UPDATE app_user SET totp_secret = NULL WHERE username = 'root2'")
            con.execute("DELETE FROM recovery_code WHERE user_id = (SELECT id FROM app_user WHERE username = 'root2')")
        con.close()

        # ---- refusals change nothing ----
        before = snapshot()
        for args, code, says in (
                (["user", "disable", "--db", db, "--username", "nobody"], 1, "no user has that username"),
                (["user", "enable", "--db", db, "--username", "nobody"], 1, "no user has that username"),
                (["user", "reset", "--db", db, "--username", "nobody", "--totp"], 1, "no user has that username"),
                (["user", "role", "--db", db, "--username", "nobody", "--role", "admin"], 1,
                 "no user has that username"),
                (["user", "role", "--db", db, "--username", "alice", "--role", "boss"], 1, "role is not a hearth role"),
                (["user", "role", "--db", db, "--username", "alice", "--role", "admin", "--team", "999"], 1,
                 "the team or agency does not exist"),
                (["user", "recovery-codes", "--db", db, "--username", "nobody"], 1, "no user has that username"),
                (["user", "recovery-codes", "--db", db, "--username", "root2"], 1, "no second factor"),
                (["token", "add", "--db", db, "--username", "nobody"], 1, "no user has that username"),
                (["token", "add", "--db", db, "--username", "alice", "--scopes", "record.reed"], 1,
                 "not the permission of any route"),
                (["token", "add", "--db", db, "--username", "alice", "--scopes", "record.read,,x"], 1,
                 "scope 2 is empty"),
                (["token", "list", "--db", db, "--username", "nobody"], 1, "no user has that username"),
                (["token", "revoke", "--db", db, "--id", "999"], 1, "no session or token has id 999"),
                (["user", "reset", "--db", db, "--username", "alice", "--password-stdin"], 1,
                 "password must be at least 10 characters")):
            stdin = "short\n" if "--password-stdin" in args else None
            rc, out, err = run(*args, stdin=stdin)
            check(rc == code and says in err and out == "",
                  "%r: want exit %d saying %r, got %d %r %r" % (args[:5], code, says, rc, out, err))
        check(snapshot() == before, "refused commands changed nothing")

        # ---- tokens ----
        rc, out, err = run("token", "add", "--db", db, "--username", "alice", "--scopes", " record.read , record.list")
        m = TOKEN_RE.search(out)
        check(rc == 0 and m and re.match(r"token 1 for alice, scopes record\.read,record\.list, expires ", out),
              "token add: %d %r %r" % (rc, out, err))
        token = m.group(1) if m else "none"
        row = sql("SELECT kind, scopes, idle_seconds, julianday(expires_at) - julianday(created_at), token_hash "
                  "FROM session WHERE id = 1")
        check(row and row[0][:3] == ("api", "record.read,record.list", 30 * 86400) and abs(row[0][3] - 30) < 1e-6
              and row[0][4] != token and len(row[0][4]) == 64,
              "the token's session: kind api, scopes, no idle time-out, 30 days, only a hash: %r" % row)
        rc, out, err = run("token", "add", "--db", db, "--username", "bob", "--days", "365")
        check(rc == 0 and "scopes (all the role allows)" in out, "token add without scopes: %r" % out)
        check(sql("SELECT scopes, julianday(expires_at) - julianday(created_at) FROM session WHERE id = 2")[0][0]
              is None, "no --scopes stores no scopes")
        rc, out, err = run("token", "list", "--db", db)
        lines = out.splitlines()
        check(rc == 0 and lines[0] == "id\tuser\tkind\tscopes\tcreated\texpires\trevoked" and len(lines) == 3
              and lines[1].startswith("1\talice\tapi\trecord.read,record.list\t") and lines[1].endswith("\t-")
              and lines[2].startswith("2\tbob\tapi\t-\t") and token not in out, "token list: %r" % out)
        rc, out, err = run("token", "list", "--db", db, "--username", "bob")
        check(rc == 0 and len(out.splitlines()) == 2 and "\tbob\t" in out, "token list --username: %r" % out)
        rc, out, err = run("token", "revoke", "--db", db, "--id", "2")
        check(rc == 0 and out == "token 2 revoked\n", "token revoke: %r" % out)
        rc, out, err = run("token", "revoke", "--db", db, "--id", "2")
        check(rc == 0 and out == "token 2 was already revoked\n", "token revoke again: %r" % out)
        rc, out, err = run("token", "list", "--db", db, "--username", "bob")
        check(not out.splitlines()[1].endswith("\t-"), "token list shows when it was revoked: %r" % out)

        # ---- disable, enable ----
        sql_write = sqlite3.connect(db)
        with sql_write:
            sql_write.execute("INSERT INTO sign_in_failure (username, client_address, at) VALUES "
                              "('alice', '10.0.0.1', '2026-01-01T00:00:00Z'), ('alice', '10.0.0.1', "
                              "'2026-01-01T00:00:01Z'), ('bob', '10.0.0.1', '2026-01-01T00:00:02Z')")
        sql_write.close()
        rc, out, err = run("user", "disable", "--db", db, "--username", "alice")
        check(rc == 0 and out == "user alice disabled; 1 session revoked\n", "user disable: %r" % out)
        check(sql("SELECT disabled, version, updated_by FROM app_user WHERE id = ?", alice) == [(1, 2, None)]
              and sql("SELECT count(*) FROM session WHERE user_id = ? AND revoked_at IS NULL", alice) == [(0,)],
              "disable sets disabled, bumps version and revokes sessions")
        rc, out, err = run("token", "add", "--db", db, "--username", "alice")
        check(rc == 1 and "the user is disabled" in err, "no token for a disabled user: %r" % err)
        rc, out, err = run("user", "disable", "--db", db, "--username", "alice")
        check(rc == 0 and "(it already was)" in out, "disable twice: %r" % out)
        rc, out, err = run("user", "enable", "--db", db, "--username", "alice")
        check(rc == 0 and out == "user alice enabled\n" and
              sql("SELECT disabled FROM app_user WHERE id = ?", alice) == [(0,)], "user enable: %r" % out)

        # ---- reset ----
        run("token", "add", "--db", db, "--username", "alice")
        old = sql("SELECT password_hash, totp_secret FROM app_user WHERE id = ?", alice)[0]
        rc, out, err = run("user", "reset", "--db", db, "--username", "alice")
        newpw = re.search(r"^password: (\S{20})$", out, re.M)
        now = sql("SELECT password_hash, totp_secret FROM app_user WHERE id = ?", alice)[0]
        check(rc == 0 and newpw and out.startswith("user alice reset: new password; 2 failed sign-ins cleared; "
                                                   "1 session revoked\n") and not CODE_RE.search(out),
              "user reset: %r" % out)
        check(now[0] != old[0] and now[1] == old[1] and
              sql("SELECT count(*) FROM sign_in_failure WHERE username = 'alice'") == [(0,)] and
              sql("SELECT count(*) FROM sign_in_failure WHERE username = 'bob'") == [(1,)] and
              sql("SELECT count(*) FROM recovery_code WHERE user_id = ?", alice) == [(10,)],
              "reset: new password hash, TOTP and codes kept, only alice's failures cleared")
        rc, out, err = run("user", "reset", "--db", db, "--username", "alice", "--totp", "--password-stdin",
                           stdin="another long password\n")
        fresh = CODE_RE.findall(out)
        after = sql("SELECT totp_secret FROM app_user WHERE id = ?", alice)[0][0]
        check(rc == 0 and len(fresh) == 10 and not set(fresh) & set(codes) and after != old[1] and
              after in out and "password:" not in out and
              sql("SELECT code_hash FROM recovery_code WHERE user_id = ?", alice) != [(h,) for h in hashes],
              "user reset --totp: new secret and codes: %r" % out)

        # ---- role ----
        con = sqlite3.connect(db)
        with con:
            con.execute("INSERT INTO agency (id, name, agency_type, created_at, updated_at) VALUES "
                        "(1, 'Brookfield Primary', 'school', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
            con.execute("INSERT INTO team (id, name, agency_id, kind, created_at, updated_at) VALUES "
                        "(1, 'Pastoral team', 1, 'partner', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        con.close()
        run("token", "add", "--db", db, "--username", "alice")
        rc, out, err = run("user", "role", "--db", db, "--username", "alice", "--role", "partner", "--agency", "1",
                           "--team", "1")
        check(rc == 0 and out == "user alice is now partner (was practitioner), team 1, agency 1; 1 session "
                                 "revoked\n", "user role: %r %r" % (out, err))
        check(sql("SELECT role, team_id, agency_id FROM app_user WHERE id = ?", alice) == [("partner", 1, 1)],
              "role, team and agency changed")
        rc, out, err = run("user", "role", "--db", db, "--username", "alice", "--role", "practitioner")
        check(rc == 0 and "team 1, agency 1; 0 sessions revoked" in out and
              sql("SELECT role, team_id, agency_id FROM app_user WHERE id = ?", alice) == [("practitioner", 1, 1)],
              "role without --team/--agency keeps them: %r" % out)

        # ---- recovery-codes ----
        before = sql("SELECT code_hash FROM recovery_code WHERE user_id = ?", alice)
        rc, out, err = run("user", "recovery-codes", "--db", db, "--username", "alice")
        again = CODE_RE.findall(out)
        check(rc == 0 and len(again) == 10 and out.startswith("new recovery codes for alice") and
              not set(before) & set(sql("SELECT code_hash FROM recovery_code WHERE user_id = ?", alice)) and
              sql("SELECT count(*) FROM recovery_code WHERE user_id = ?", alice) == [(10,)],
              "user recovery-codes replaces the set: %r" % out)

        # ---- the audit trail ----
        actions = [a for (a,) in trail_sql("SELECT action FROM audit_event ORDER BY seq")]
        want = ["user_add", "user_add", "user_add", "token_add", "token_add", "token_revoke", "user_disable", "user_disable",
                "user_enable", "token_add", "user_reset", "user_reset", "token_add", "user_role", "user_role",
                "recovery_codes_new"]
        check(actions == want, "audit actions: %r" % actions)
        details = [d for (d,) in trail_sql("SELECT detail FROM audit_event")]
        check(all('"via":"cli"' in d for d in details) and not any(token in d for d in details),
              "audit details say via cli and hold no token")
        # the old value of each account change, for governance's list of changes (GET /api/v1/governance/changes)
        was = [json.loads(d).get("was_disabled") for (d,) in trail_sql(
            "SELECT detail FROM audit_event WHERE action IN ('user_disable', 'user_enable') ORDER BY seq")]
        roles = [(json.loads(d).get("previous_role"), json.loads(d).get("role")) for (d,) in trail_sql(
            "SELECT detail FROM audit_event WHERE action = 'user_role' ORDER BY seq")]
        check(was == [False, True, True] and roles == [("practitioner", "partner"), ("partner", "practitioner")],
              "finding_15_changes_shown_to_governance: disable, enable and role record the old value: %r %r" %
              (was, roles))
        rc, out, err = run("audit", "verify", "--db", db)
        check(rc == 0 and out.startswith("%d entries verified" % len(want)), "audit verify: %d %r %r" % (rc, out, err))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("users: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
