#!/usr/bin/env python3
"""signin.py — sign-in beyond the password: recovery codes, browser cookies and CSRF, API tokens, and the
account commands acting on a running server.

    tests/api/signin.py --hearth build/hearth [--keep]

Builds a small demo council, adds a user of its own with `hearth user add --totp` (reading the TOTP secret
and recovery codes it prints) and a scoped API token with `hearth token add`, starts `hearth serve`, and
checks, over HTTP against the real server and with the CLI beside it:

  - a recovery code signs in once in place of the TOTP code (any case, dashes or not), says how many are left,
    and is refused the second time; a wrong code gets the same 401 as a wrong password; totp and
    recovery_code together, or an unknown kind, are refused;
  - "kind": "browser" answers csrf_token and sets the hearth_session cookie (HttpOnly, SameSite=Strict,
    Path=/); the cookie alone is a session for GET; a change with the cookie needs X-CSRF-Token (403 and an
    audited denial otherwise); sign-out clears the cookie; a dead cookie is 401 and cleared; an API session's
    token is never accepted as a cookie; a stale cookie does not stop signing in again;
  - an API token from `hearth token add` works as a bearer token within its scopes and is refused outside
    them, is listed by `token list` without the token itself, and stops working at once after
    `hearth token revoke`;
  - `hearth user disable` ends a live session and refuses sign-in, `user enable` lets the user back,
    `user reset` lifts a lock-out and ends sessions, `user role` ends sessions;
  - a TOTP code signs in once (finding 13): the same code again, or the code of the step before it, is refused
    with "this code has already been used to sign in" and recorded as a failed sign-in, while the next step's
    code still signs in;
  - the administrator signs in with a second factor too (finding 15): `user add --role admin` enrols TOTP,
    the password alone is refused, and an administrator account with none enrolled is refused saying why;
  - the access settings have upper bounds (finding 15): a value past one is 422 with a hint and changes
    nothing; every change of a setting, of an agency's type and of an account at the command line is shown to
    governance with its old and new value (GET /api/v1/governance/changes), newest first, and to no one else;
  - the audit trail records the recovery-code sign-in and the CSRF denial, and verifies with the CLI's
    entries interleaved with the server's.

A user signs in with each TOTP step once, so the sign-ins of USER that are not about the TOTP code use its
recovery codes, and run.fresh_totp() never sends a step this run already used.

Prints one line per check and finally `signin: N passed, N failed`. Python 3 standard library only; the server
helper and TOTP come from run.py.
"""
import http.client
import json
import re
import subprocess
import sys
import time

import suite  # the runners' command line, council and end
import testdb  # the test database on either back end (SQLite or PostgreSQL)
from run import Server, fresh_totp, totp

USER, PASSWORD = "signin.test", "a password for the sign-in tests"
CODE_RE = re.compile(r"^\s+([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$", re.M)
# a GET every role may make, and a change any signed-in user may make (ending their own session)
READ = "/api/v1/reference/sex"
NOT_ACCEPTED = "username, password or code not accepted"


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what, got=None):
        if ok:
            self.passed += 1
            print("ok   " + what)
        else:
            self.failed += 1
            print("FAIL " + what + ("\n     got: %s" % (got,) if got is not None else ""))
        return ok


def call(port, method, path, body=None, headers=None):
    """(status, headers as a list of (lower-case name, value), JSON body or None)."""
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        return r.status, [(k.lower(), v) for k, v in r.getheaders()], doc
    finally:
        conn.close()


def header(headers, name):
    values = [v for k, v in headers if k == name]
    return values[0] if len(values) == 1 else (values or None)


def hearth_cli(hearth, *args, stdin=None):
    p = subprocess.run([hearth] + list(args), input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


def sign_in(port, body):
    return call(port, "POST", "/api/v1/session", body)


def session_of(port, login):
    """A token of a fresh sign-in as a demo user (password and TOTP from the logins file)."""
    st, _, doc = sign_in(port, {"username": login["username"], "password": login["password"],
                                "totp": fresh_totp(login["totp_secret"])})
    return doc["token"] if st == 201 else ""


def bearer(token):
    return {"Authorization": "Bearer " + token}


def finding_13(check, port, login):
    """A TOTP code signs in once; after it the code of the step before is refused."""
    secret = login["totp_secret"]
    body = {"username": login["username"], "password": login["password"]}
    code = fresh_totp(secret, margin=10)  # the current step, with room for the three sign-ins below
    step = int(time.time() // 30)
    st, _, doc = sign_in(port, dict(body, totp=code))
    check(st == 201, "finding_13: a fresh code signs in", (st, doc))
    st, _, doc = sign_in(port, dict(body, totp=code))
    check(st == 401 and doc["error"]["detail"] == "this code has already been used to sign in" and
          "next code" in doc["error"]["hint"],
          "finding_13_code_used_once: the same code again is refused, saying why", (st, doc))
    earlier = totp(secret, (step - 1) * 30)
    st, _, doc = sign_in(port, dict(body, totp=earlier))
    check(st == 401 and earlier != code,
          "finding_13_neighbouring_step_after_use_refused: the step before a used one is refused", (st, doc))


def finding_13_next_step(check, port, login):
    """At the end of the run (a step or more later, so seldom a wait): a later step's code still signs in."""
    st, _, doc = sign_in(port, {"username": login["username"], "password": login["password"],
                                "totp": fresh_totp(login["totp_secret"])})
    check(st == 201, "finding_13: after a used code, the next step's code signs in", (st, doc))


def finding_15_admin_needs_second_factor(check, hearth, db, port, login):
    """An administrator added at the command line gets a second factor like every role and cannot sign in with
    the password alone; an administrator account without one (made before) is refused, saying why. The demo's
    administrator signs in with the TOTP code of its login. Returns that session's token."""
    password = "the second administrator's password"
    rc, out, err = hearth_cli(hearth, "user", "add", "--db", db, "--username", "admin.two", "--role", "admin",
                              "--password-stdin", stdin=password + "\n")
    secret = re.search(r"^totp secret .*: ([A-Z2-7]{32})$", out, re.M)
    check(rc == 0 and secret and len(CODE_RE.findall(out)) == 10,
          "finding_15_admin_needs_second_factor: user add --role admin enrols TOTP without --totp", (rc, out, err))
    body = {"username": "admin.two", "password": password}
    st, _, doc = sign_in(port, body)
    check(st == 401 and doc["error"]["detail"] == NOT_ACCEPTED,
          "finding_15_admin_needs_second_factor: the administrator's password alone is refused", (st, doc))
    st, _, doc = sign_in(port, dict(body, totp=fresh_totp(secret.group(1)) if secret else ""))
    check(st == 201 and doc["user"]["role"] == "admin", "... and with the TOTP code it signs in", (st, doc))
    con = testdb.connect(db)  # an administrator account from before every role needed a second factor
    with con:
        con.execute("UPDATE app_user SET totp_secret = NULL WHERE username = 'admin.two'")
    con.close()
    st, _, doc = sign_in(port, body)
    check(st == 403 and "no second factor" in doc["error"]["detail"] and "user reset --totp" in doc["error"]["hint"],
          "finding_15_admin_needs_second_factor: an administrator without a second factor is refused, told why",
          (st, doc))
    body = {"username": login["username"], "password": login["password"]}
    st, _, doc = sign_in(port, body)
    check(st == 401 and login.get("totp_secret"), "the demo administrator's password alone is refused", (st, doc))
    st, _, doc = sign_in(port, dict(body, totp=fresh_totp(login["totp_secret"])))
    check(st == 201 and doc["user"]["role"] == "admin", "... and the TOTP secret of its demo login signs in",
          (st, doc))
    return (doc or {}).get("token", "")


SETTING_MAX = {"triage_grace_days": 30, "closed_case_days": 365, "break_glass_hours": 72, "duty_hours": 24}


def settings_now(port, token):
    st, _, doc = call(port, "GET", "/api/v1/settings", headers=bearer(token))
    return {it["name"]: it["value"] for it in (doc or {}).get("items", [])} if st == 200 else {}


def finding_15_settings_bounds(check, port, admin):
    """Past its upper bound a setting is refused 422 with a hint and nothing changes; at the bound it is set."""
    before = settings_now(port, admin)
    for name, top in SETTING_MAX.items():
        st, _, doc = call(port, "PATCH", "/api/v1/settings/" + name, {"value": top + 1}, bearer(admin))
        err = (doc or {}).get("error", {})
        check(st == 422 and err.get("code") == "invalid_value" and "to %d" % top in err.get("detail", "") and
              len(err.get("hint", "")) > 20 and settings_now(port, admin) == before,
              "finding_15_settings_bounds: %s %d is refused with a hint, nothing changed" % (name, top + 1), (st, doc))
    st, _, doc = call(port, "PATCH", "/api/v1/settings/triage_grace_days", {"value": 30}, bearer(admin))
    check(st == 200 and doc["value"] == 30, "finding_15_settings_bounds: at its bound a setting is set", (st, doc))
    st, _, doc = call(port, "PATCH", "/api/v1/settings/triage_grace_days", {"value": before.get("triage_grace_days")},
                      bearer(admin))
    check(st == 200 and settings_now(port, admin) == before, "... and set back", (st, doc))


def finding_15_changes_shown_to_governance(check, port, db, admin, gov, practitioner):
    """Settings, agency types and account changes at the command line, with old and new, newest first."""
    con = testdb.connect(db)
    agency, version, kind = con.execute("SELECT id, version, agency_type FROM agency WHERE agency_type = 'school' "
                                        "ORDER BY id LIMIT 1").fetchone()
    con.close()
    path = "/api/v1/agencies/%d" % agency
    st1, _, doc = call(port, "PATCH", path, {"version": version, "agency_type": "early_years"}, bearer(admin))
    st2, _, doc = call(port, "PATCH", path, {"version": version + 1, "agency_type": kind}, bearer(admin))
    st3, _, _ = call(port, "PATCH", path, {"version": version + 2, "name": "Renamed, not retyped"}, bearer(admin))
    check(st1 == st2 == st3 == 200, "the administrator changes an agency's type and back, then its name",
          (st1, st2, st3, doc))
    st, _, doc = call(port, "GET", "/api/v1/governance/changes?limit=100", headers=bearer(gov))
    items = (doc or {}).get("items", []) if st == 200 else []
    seqs = [it.get("seq") for it in items]
    check(st == 200 and seqs == sorted(seqs, reverse=True) and len(items) >= 10,
          "finding_15_changes_shown_to_governance: governance lists the changes, newest first", (st, doc))
    got = [(it.get("what"), it.get("name"), it.get("old"), it.get("new"), (it.get("by") or {}).get("username"),
            (it.get("by") or {}).get("via")) for it in items]
    want = [("agency_type", None, "early_years", kind, "admin", "api"),
            ("agency_type", None, kind, "early_years", "admin", "api"),
            ("setting", "triage_grace_days", 30, 5, "admin", "api"),
            ("setting", "triage_grace_days", 5, 30, "admin", "api"),
            ("user_add", None, None, "admin", None, "cli"),
            ("user_role", None, "practitioner", "team_manager", None, "cli"),
            ("user_reset", None, None, "password", None, "cli"),
            ("user_enable", None, "disabled", "enabled", None, "cli"),
            ("user_disable", None, "enabled", "disabled", None, "cli"),
            ("user_add", None, None, "practitioner", None, "cli")]
    check(got == want, "finding_15_changes_shown_to_governance: each change with who, old and new value "
          "(an agency update that left the type is not one)", got)
    check(all(it.get("at") and it.get("record") in ("agency", "setting", "app_user") for it in items),
          "... with when and which record", items[:2])
    if len(items) >= 2:
        st, _, page = call(port, "GET", "/api/v1/governance/changes?limit=1", headers=bearer(gov))
        st2, _, page2 = call(port, "GET", "/api/v1/governance/changes?limit=1&after=" + str((page or {}).get("next")),
                             headers=bearer(gov))
        check(st == st2 == 200 and page["items"] == items[:1] and page["next"] == str(items[0]["seq"]) and
              page2["items"] == items[1:2], "the changes page with limit and after", (page, page2))
    for who, token in (("the administrator", admin), ("a practitioner", practitioner)):
        st, _, doc = call(port, "GET", "/api/v1/governance/changes", headers=bearer(token))
        check(st == 403, "finding_15_changes_shown_to_governance: %s may not list them" % who, (st, doc))
    st, _, doc = call(port, "GET", "/api/v1/governance/changes?limit=0", headers=bearer(gov))
    check(st == 400, "a limit out of range: 400", (st, doc))


def main():
    args, hearth = suite.command_line(__doc__)
    tmp = suite.workdir("signin")
    check = Checks()
    db, logins = suite.demo_council(hearth, tmp, "signin", families=5)
    n1 = logins["practitioner.n1"]

    rc, out, err = hearth_cli(hearth, "user", "add", "--db", db, "--username", USER, "--role", "practitioner",
                              "--team", "2", "--totp", "--password-stdin", stdin=PASSWORD + "\n")
    secret = re.search(r"^totp secret .*: ([A-Z2-7]{32})$", out, re.M)
    codes = CODE_RE.findall(out)
    check(rc == 0 and secret and len(codes) == 10 and len(set(codes)) == 10,
          "user add --totp prints a TOTP secret and ten different recovery codes", (rc, out, err))
    secret = secret.group(1) if secret else ""
    rc, out, err = hearth_cli(hearth, "token", "add", "--db", db, "--username", "practitioner.n1", "--scopes",
                              "reference.read,record.read", "--days", "2")
    m = re.search(r"^token \(shown only now.*\): ([A-Za-z0-9_-]{43})$", out, re.M)
    check(rc == 0 and m, "token add prints a token once", (rc, out, err))
    api_token = m.group(1) if m else ""
    rc, out, err = hearth_cli(hearth, "token", "list", "--db", db)
    check(rc == 0 and api_token and api_token not in out and "\treference.read,record.read\t" in out,
          "token list shows the token's scopes but never the token", out)

    server = Server(hearth, db)
    port = server.port
    tok = btok = btok2 = atok = live = n1_token = ""
    try:
        finding_13(check, port, logins["practitioner.s1"])

        # ---- recovery codes ----
        st, h, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[0]})
        check(st == 201 and doc.get("recovery_codes_left") == 9 and len(doc.get("token", "")) == 43,
              "a recovery code signs in and says nine are left", (st, doc))
        tok = (doc or {}).get("token", "")
        st, _, _ = call(port, "GET", READ, headers={"Authorization": "Bearer " + tok})
        check(st == 200, "the session opened by a recovery code works", st)
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[0]})
        check(st == 401 and doc["error"]["detail"] == NOT_ACCEPTED, "a used recovery code is refused", (st, doc))
        typed = codes[1].replace("-", "").lower()
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": typed})
        check(st == 201 and doc.get("recovery_codes_left") == 8,
              "a recovery code typed in lower case without dashes signs in", (st, doc))
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": "ABCD-EFGH-JKMN-PQRS"})
        check(st == 401 and doc["error"]["detail"] == NOT_ACCEPTED,
              "a wrong recovery code gets the same 401 as any wrong credential", (st, doc))
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[2],
                                    "totp": totp(secret)})
        check(st == 422 and doc["error"]["code"] == "invalid_value", "totp and recovery_code together: 422",
              (st, doc))
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "totp": totp(secret), "kind": "phone"})
        check(st == 422 and doc["error"]["code"] == "invalid_value", "an unknown kind: 422", (st, doc))
        con = testdb.connect(db)
        used = con.execute("SELECT count(*) FROM recovery_code r JOIN app_user u ON u.id = r.user_id "
                           "WHERE u.username = ? AND used_at IS NOT NULL", (USER,)).fetchone()[0]
        stored = [r[0] for r in con.execute("SELECT code_hash FROM recovery_code")]
        con.close()
        check(used == 2 and all(len(x) == 64 and x not in codes for x in stored),
              "two codes are marked used; only 64-hex-digit hashes are stored", (used, stored[:2]))

        # ---- browser sessions: cookie and CSRF ----
        st, h, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[4],
                                    "kind": "browser"})
        btok, csrf = (doc or {}).get("token", ""), (doc or {}).get("csrf_token", "")
        check(st == 201 and len(csrf) == 43 and csrf != btok, "a browser sign-in answers a csrf_token", (st, doc))
        check(header(h, "set-cookie") == "hearth_session=%s; HttpOnly; SameSite=Strict; Path=/" % btok,
              "a browser sign-in sets the hearth_session cookie: HttpOnly, SameSite=Strict, Path=/",
              header(h, "set-cookie"))
        cookie = {"Cookie": "hearth_session=" + btok}
        st, _, doc = call(port, "GET", READ, headers=cookie)
        check(st == 200, "the cookie alone is a session for GET", (st, doc))
        st, _, doc = call(port, "POST", "/api/v1/families", {"name": "Forged family"}, headers=cookie)
        check(st == 403 and doc["error"]["code"] == "forbidden" and "X-CSRF-Token" in doc["error"]["detail"],
              "a change with the cookie but no X-CSRF-Token: 403 forbidden", (st, doc))
        st, _, doc = call(port, "DELETE", "/api/v1/session", headers=dict(cookie, **{"X-CSRF-Token": csrf[:-1] + (
            "A" if csrf[-1] != "A" else "B")}))
        check(st == 403 and "X-CSRF-Token" in doc["error"]["detail"], "a wrong X-CSRF-Token: 403", (st, doc))
        st, _, doc = call(port, "DELETE", "/api/v1/session", headers=dict(cookie, **{"X-CSRF-Token": btok}))
        check(st == 403, "the session token itself is not the CSRF token", (st, doc))
        st, _, doc = call(port, "GET", READ, headers=cookie)
        check(st == 200, "refused changes leave the session live", st)
        st, h, doc = call(port, "DELETE", "/api/v1/session", headers=dict(cookie, **{"X-CSRF-Token": csrf}))
        check(st == 200 and doc == {"signed_out": True}, "sign-out with the cookie and X-CSRF-Token", (st, doc))
        check(header(h, "set-cookie") == "hearth_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
              "sign-out clears the cookie (Max-Age=0)", header(h, "set-cookie"))
        st, h, doc = call(port, "GET", READ, headers=cookie)
        check(st == 401 and header(h, "set-cookie", ) == "hearth_session=; HttpOnly; SameSite=Strict; Path=/; "
              "Max-Age=0", "a signed-out cookie: 401, and the browser is told to forget it", (st, doc))
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[5]})
        atok = (doc or {}).get("token", "")
        check(st == 201 and "csrf_token" not in doc, "an API sign-in (the default kind) has no csrf_token", doc)
        st, _, doc = call(port, "GET", READ, headers={"Cookie": "hearth_session=" + atok})
        check(st == 401, "an API session's token is not accepted as a cookie", (st, doc))
        st, _, doc = call(port, "GET", READ, headers={"Authorization": "Bearer " + atok})
        check(st == 200, "... while it works as a bearer token", st)
        st, _, doc = call(port, "POST", "/api/v1/session", {"username": USER, "password": PASSWORD,
                                                             "recovery_code": codes[6], "kind": "browser"},
                          headers=cookie)
        check(st == 201, "a stale cookie does not stop signing in again", (st, doc))
        btok2 = (doc or {}).get("token", "")

        # ---- API tokens from the command line ----
        st, _, doc = call(port, "GET", READ, headers={"Authorization": "Bearer " + api_token})
        check(st == 200, "an API token from token add works as a bearer token", (st, doc))
        st, _, doc = call(port, "POST", "/api/v1/families", {"name": "Made by a partner system"},
                          headers={"Authorization": "Bearer " + api_token})
        check(st == 403 and doc["error"]["detail"] == "this token is not allowed record.create",
              "the token's scopes are enforced: a permission outside them is refused", (st, doc))
        st, _, doc = call(port, "GET", "/api/v1/people?limit=1", headers={"Authorization": "Bearer " + api_token})
        check(st == 403, "... also record.list, which the same user's sign-in may use", (st, doc))
        n1_token = session_of(port, n1)
        st, _, doc = call(port, "GET", "/api/v1/people?limit=1", headers={"Authorization": "Bearer " + n1_token})
        check(st == 200, "... (the same user signed in: 200)", (st, doc))
        con = testdb.connect(db)
        tid = con.execute("SELECT id FROM session WHERE scopes IS NOT NULL").fetchone()[0]
        con.close()
        rc, out, err = hearth_cli(hearth, "token", "revoke", "--db", db, "--id", str(tid))
        check(rc == 0 and out == "token %d revoked\n" % tid, "token revoke beside the running server", (rc, out, err))
        st, _, doc = call(port, "GET", READ, headers={"Authorization": "Bearer " + api_token})
        check(st == 401, "a revoked API token is refused at once", (st, doc))

        # ---- account commands acting on live sessions ----
        rc, out, err = hearth_cli(hearth, "user", "disable", "--db", db, "--username", USER)
        check(rc == 0 and re.search(r"disabled; [1-9]\d* sessions? revoked", out), "user disable", (rc, out, err))
        st, _, _ = call(port, "GET", READ, headers={"Cookie": "hearth_session=" + btok2})
        check(st == 401, "disabling ends the user's live browser session", st)
        st, _, _ = call(port, "GET", READ, headers={"Authorization": "Bearer " + atok})
        check(st == 401, "... and API session", st)
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "totp": totp(secret)})
        check(st == 401 and doc["error"]["detail"] == NOT_ACCEPTED, "a disabled user cannot sign in", (st, doc))
        rc, out, err = hearth_cli(hearth, "user", "enable", "--db", db, "--username", USER)
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "recovery_code": codes[7]})
        check(rc == 0 and st == 201, "user enable lets the user sign in again", (rc, out, st, doc))
        live = (doc or {}).get("token", "")
        # failures so far: the used code, the wrong code, the disabled sign-in; now five more and the locked try
        for _ in range(5):
            sign_in(port, {"username": USER, "password": "wrong password", "totp": totp(secret)})
        st, _, doc = sign_in(port, {"username": USER, "password": PASSWORD, "totp": totp(secret)})
        check(st == 403, "five wrong passwords lock the account", (st, doc))
        rc, out, err = hearth_cli(hearth, "user", "reset", "--db", db, "--username", USER, "--password-stdin",
                                  stdin="a brand new password\n")
        check(rc == 0 and "9 failed sign-ins cleared; 1 session revoked" in out and "password:" not in out,
              "user reset clears the failures and ends the session", (rc, out, err))
        st, _, _ = call(port, "GET", READ, headers={"Authorization": "Bearer " + live})
        check(st == 401, "the session before the reset is over", st)
        st, _, doc = sign_in(port, {"username": USER, "password": "a brand new password",
                                    "totp": fresh_totp(secret)})
        check(st == 201, "after the reset: the new password and the kept TOTP secret sign in", (st, doc))
        live = (doc or {}).get("token", "")
        rc, out, err = hearth_cli(hearth, "user", "role", "--db", db, "--username", USER, "--role", "team_manager")
        st, _, doc = sign_in(port, {"username": USER, "password": "a brand new password",
                                    "recovery_code": codes[8]})
        st0, _, _ = call(port, "GET", READ, headers={"Authorization": "Bearer " + live})
        check(rc == 0 and st0 == 401 and st == 201 and doc["user"]["role"] == "team_manager",
              "user role ends sessions; the next sign-in has the new role", (rc, out, st0, st, doc))
        rc, out, err = hearth_cli(hearth, "user", "recovery-codes", "--db", db, "--username", USER)
        fresh = CODE_RE.findall(out)
        st_old, _, _ = sign_in(port, {"username": USER, "password": "a brand new password",
                                      "recovery_code": codes[3]})
        st_new, _, _ = sign_in(port, {"username": USER, "password": "a brand new password",
                                      "recovery_code": fresh[0] if fresh else ""})
        check(rc == 0 and len(fresh) == 10 and st_old == 401 and st_new == 201,
              "user recovery-codes: a new set works and the old one does not", (rc, out, st_old, st_new))

        admin = finding_15_admin_needs_second_factor(check, hearth, db, port, logins["admin"])
        finding_15_settings_bounds(check, port, admin)
        finding_15_changes_shown_to_governance(check, port, db, admin, session_of(port, logins["dpo"]),
                                               n1_token)
        finding_13_next_step(check, port, logins["practitioner.s1"])
    finally:
        problem = server.stop()
    check(problem is None, "server stops cleanly", problem)

    con = testdb.connect(testdb.trail(db))  # the trail's own database file
    try:
        rows = con.execute("SELECT action, detail FROM audit_event").fetchall()
    finally:
        con.close()
    details = [(a, json.loads(d) if d else {}) for a, d in rows]
    check(any(a == "sign_in" and d.get("second_factor") == "recovery_code" and d.get("recovery_codes_left") == 9
              for a, d in details), "the audit trail says a recovery code signed in", None)
    check(any(a == "denied" and d.get("reason") == "csrf token missing or wrong" for a, d in details),
          "the CSRF refusal is an audited denial", None)
    check(sum(1 for a, d in details if a == "sign_in_failed" and d.get("result") == "code_already_used") == 2,
          "finding_13_code_used_once: each used code is an audited failed sign-in (result code_already_used)",
          [d for a, d in details if a == "sign_in_failed"])
    tokens = [t for t in (tok, btok, btok2, atok, live, api_token) if t]
    check(len(tokens) == 6 and not any(t in (d or "") for t in tokens for _, d in rows),
          "no token appears in the audit trail", None)
    wanted = {"user_add", "token_add", "token_revoke", "user_disable", "user_enable", "user_reset", "user_role",
              "recovery_codes_new"}
    check(wanted <= {a for a, _ in details}, "every account command is in the audit trail",
          sorted(wanted - {a for a, _ in details}))
    rc, out, err = hearth_cli(hearth, "audit", "verify", "--db", db, "--public-key", testdb.pubkey(db))
    check(rc == 0, "the audit trail verifies with the command line's entries among the server's", (rc, out, err))

    return suite.finish(tmp, args.keep, "signin", check, server)


if __name__ == "__main__":
    sys.exit(main())
