#!/usr/bin/env python3
"""access_matrix.py — the access-matrix test (issue 3): every endpoint against every role and relationship.

    tests/api/access_matrix.py --hearth build/hearth [--keep] [--verbose]

Builds a small council with `hearth init`, `hearth user add --totp` and direct SQL (agencies, teams, six
families with one record of every kind), starts `hearth serve --port 0` and signs every user in. Then, for
every route of src/api/api_routes.c and every principal (a role in a relationship: lead practitioner, Team
Around the Family member, former member, team manager, another team, partner with and without consent, front
door during and after triage, recorder, governance with and without a duty, administrator, analyst, nobody
signed in, break glass), it sends a request and checks the answer against an oracle written from
docs/access.md (not from src/access/): allowed gives 2xx, a denial the status the policy names, and every
denial must leave a `denied` audit entry for that user. Lists must leave out what the principal may not see.

Prints one line per failed cell, one summary line per principal and finally `access: N passed, N failed`.
Exit status 0 only when nothing failed. Python 3 standard library only; reuses run.py's Server, totp() (via
sign_in()) and request().
"""
import argparse
import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import testdb  # the test database on either back end (SQLite or PostgreSQL)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as api  # noqa: E402  (Server, sign_in, request)

ROUTES_C = os.path.join(HERE, "..", "..", "src", "api", "api_routes.c")
PASSWORD = "matrix-password-0123456789"

# The server's clock (run.py sets HEARTH_NOW for everything the suites start), never the machine's.
_now = datetime.datetime.strptime(api.TEST_NOW, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
TODAY = _now.date()
NOW_TS = _now.strftime("%Y-%m-%dT%H:%M:%SZ")
NOW_MINUTE = _now.strftime("%Y-%m-%dT%H:%MZ")


def day(offset):
    """Today (UTC) plus offset days, as 'YYYY-MM-DD': the fixture never ages."""
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


# ---- the policy, as docs/access.md writes it ---------------------------------------------------------------

BG_ROLES = ("front_door", "practitioner", "team_manager")   # case roles; the ones that may break glass
FD_SECTIONS = {"person", "special_category", "family", "contact", "referral", "consent", "episode"}
NO_PARTNER_WRITE = {"person", "family", "episode", "consent"}
SPECIAL_FIELDS = ("gender_identity", "ethnicity", "religion", "disability", "send_status")

# Every kind of record: name, parent resource, collection path under /api/v1/, section (docs/access.md and
# the 'section' code list of 0006_access.sql). Areas take the section of their area
# ('assessment.health', ...), case notes their sharing label when they have one.
RESOURCES = [
    ("people", None, "people", "person"),
    ("former-names", "people", "people/{id}/former-names", "person"),
    ("addresses", "people", "people/{id}/addresses", "person"),
    ("contact-details", "people", "people/{id}/contact-details", "person"),
    ("families", None, "families", "family"),
    ("members", "families", "families/{id}/members", "family"),
    ("contacts", None, "contacts", "contact"),
    ("children", "contacts", "contacts/{id}/children", "contact"),
    ("phone-calls", None, "phone-calls", "contact"),
    ("referrals", "families", "families/{id}/referrals", "referral"),
    ("consents", "families", "families/{id}/consents", "consent"),
    ("sharing-bases", "families", "families/{id}/sharing-bases", "consent"),
    ("episodes", "families", "families/{id}/episodes", "episode"),
    ("taf-members", "episodes", "episodes/{id}/taf-members", "episode"),
    ("assessments", "episodes", "episodes/{id}/assessments", "assessment"),
    ("areas", "assessments", "assessments/{id}/areas", "assessment"),
    ("needs", "assessments", "assessments/{id}/needs", "assessment"),
    ("plans", "episodes", "episodes/{id}/plans", "plan"),
    ("goals", "plans", "plans/{id}/goals", "plan"),
    ("actions", "plans", "plans/{id}/actions", "plan"),
    ("reviews", "episodes", "episodes/{id}/reviews", "review"),
    ("activities", "episodes", "episodes/{id}/activities", "activity"),
    ("notes", "episodes", "episodes/{id}/notes", "case_note"),
    ("supervisions", "episodes", "episodes/{id}/supervisions", "supervision"),
    ("agencies", None, "agencies", "directory"),
    ("teams", None, "teams", "directory"),
]
RES = {r[0]: {"parent": r[1], "collection": r[2], "section": r[3]} for r in RESOURCES}

# The routes of the policy itself (docs/access.md, "Endpoints of the policy") and the others that are not
# resources. Public routes answer without a session.
FIXED_ROUTES = [
    "GET /healthz", "GET /api/v1/healthz", "GET /privacy", "POST /api/v1/session", "DELETE /api/v1/session",
    "GET /api/v1/people/search", "GET /api/v1/people/{id}/access-report", "GET /api/v1/reference/{name}",
    "GET /api/v1/schema/{name}", "POST /api/v1/access/break-glass", "POST /api/v1/access/duties",
    "GET /api/v1/governance/reviews", "PATCH /api/v1/governance/reviews/{id}", "GET /api/v1/governance/changes",
    "POST /api/v1/people/{id}/restriction", "GET /api/v1/settings", "PATCH /api/v1/settings/{name}",
    "POST /api/v1/people/matches",
    "POST /api/v1/link-runs", "GET /api/v1/link-runs", "GET /api/v1/match-reviews", "GET /api/v1/match-reviews/{id}",
    "PATCH /api/v1/match-reviews/{id}", "POST /api/v1/merges", "GET /api/v1/merges", "POST /api/v1/merges/{id}/undo",
    "GET /api/v1/people/{id}/partner-records", "GET /api/v1/identification",
    "GET /api/v1/identification/indicators", "POST /api/v1/families/{id}/identification",
    "GET /api/v1/worklist/caseload", "GET /api/v1/worklist/team", "GET /api/v1/worklist/front-door",
    "GET /api/v1/contacts/{id}/history", "POST /api/v1/contacts/{id}/matches", "GET /api/v1/governance/linked-records",
    "GET /api/v1/notes/{id}/history", "GET /api/v1/reviews/{id}/history", "POST /api/v1/referral-form",
    "POST /api/v1/requests", "GET /api/v1/requests", "GET /api/v1/requests/{id}", "POST /api/v1/requests/{id}/events",
    "GET /api/v1/requests/{id}/pack", "POST /api/v1/requests/{id}/pack", "POST /api/v1/people/{id}/objections",
    "GET /api/v1/people/{id}/history", "POST /api/v1/requests/{id}/erase", "GET /api/v1/disposals",
    "GET /api/v1/disposals/{id}",
    "POST /api/v1/breaches", "GET /api/v1/breaches", "GET /api/v1/breaches/{id}", "PATCH /api/v1/breaches/{id}",
    "POST /api/v1/legal-holds", "GET /api/v1/legal-holds", "GET /api/v1/legal-holds/{id}",
    "PATCH /api/v1/legal-holds/{id}", "GET /api/v1/retention-plans/{id}",
    "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{id}", "PATCH /api/v1/users/{id}",
    "POST /api/v1/users/{id}/reset",
    "GET /api/v1/retention-plans/{id}/rows", "POST /api/v1/retention-plans/{id}/approval",
    # the returns the council sends and the counts it publishes (docs/returns.md): governance and analysts
    "GET /api/v1/returns/annex-a", "POST /api/v1/returns/annex-a", "GET /api/v1/returns/reach",
    "POST /api/v1/returns/research-extracts",
    "GET /api/v1/claims", "POST /api/v1/claims",
    # background jobs (src/jobs/): every signed-in role, each job its asker's (and governance's and the admin's)
    "GET /api/v1/jobs", "GET /api/v1/jobs/{id}", "POST /api/v1/jobs/{id}/cancel", "GET /api/v1/jobs/{id}/output",
    "POST /api/v1/imports",
    "POST /api/v1/retention-plans/{id}/run",
]
LINK_RUNNERS = ("governance", "analyst")
MATCH_REVIEWERS = ("front_door", "team_manager", "governance")
IDENTIFIERS = ("team_manager", "governance")
RETURNS_ROLES = ("governance", "analyst")
CLAIMS_ROLES = ("team_manager", "governance", "analyst")
# a recipient's public key (X25519, any valid one: the matrix never opens what is sealed to it)
RECIPIENT_KEY = "400203b46ee688e45be72dee1c84bbc029006f05b1124e2762b6a733a1740015"
PUBLIC = {"GET /healthz", "GET /api/v1/healthz", "GET /privacy", "POST /api/v1/session"}


def matrix_routes():
    """Every route this test has a row for: the fixed ones and four per resource."""
    out = list(FIXED_ROUTES)
    for name, _, coll, _ in RESOURCES:
        out += ["GET /api/v1/" + coll, "POST /api/v1/" + coll, "GET /api/v1/%s/{id}" % name,
                "PATCH /api/v1/%s/{id}" % name]
    return out


def table_routes(path=ROUTES_C):
    """METHOD PATTERN of every entry of the route table, with COLLECTION() and ITEM() expanded."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    lines, skip = [], False           # drop #define blocks (they continue with a trailing backslash)
    for ln in text.split("\n"):
        if ln.lstrip().startswith("#define") or skip:
            skip = ln.rstrip().endswith("\\")
            continue
        lines.append(ln)
    m = re.search(r"api_routes\[\]\s*=\s*\{(.*)\};", "\n".join(lines), re.S)
    if not m:
        raise SystemExit("access: cannot find api_routes[] in " + path)
    body = m.group(1)
    routes = []
    for m in re.finditer(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]*)"\s*,|\b([A-Z_]+)\s*\(\s*"([^"]*)"\s*,\s*(?:"([^"]*)")?',
                         body):
        if m.group(1):
            routes.append("%s %s" % (m.group(1), m.group(2)))
        elif m.group(3) == "COLLECTION":
            routes += ["GET /api/v1/" + m.group(4), "POST /api/v1/" + m.group(4)]
        elif m.group(3) == "ITEM":
            routes += ["GET /api/v1/%s/{id}" % m.group(4), "PATCH /api/v1/%s/{id}" % m.group(4)]
        else:
            raise SystemExit("access: the route table uses %s(), which this test cannot expand" % m.group(3))
    return routes


class Expect:
    """What the oracle says: allowed (2xx), or denied with exactly one status (and the error code `err`).

    amb names a point docs/access.md once left open and now settles; the note and the server's answers are
    printed. Every cell expects exactly one answer (issue 9, item 6): a set of codes is refused here."""

    def __init__(self, allow, codes=(), why="", err=None, hint=False, amb=None, alt=(), audited=True):
        self.allow, self.codes, self.why, self.err, self.hint, self.amb, self.alt = (
            allow, set(codes), why, err, hint, amb, set(alt))
        if len(self.codes) > 1 or self.alt:
            raise AssertionError("a cell must expect exactly one answer: %s" % why)
        self.audited = audited   # False only for a refusal that is not about access (a second review)

    def __str__(self):
        if self.allow:
            return "allow (%s)%s" % (self.why, " or %s" % "/".join(map(str, sorted(self.alt))) if self.alt else "")
        return "deny %s (%s)" % ("/".join(map(str, sorted(self.codes))), self.why)


def ALLOW(why, **kw):
    return Expect(True, why=why, **kw)


def DENY(codes, why, **kw):
    return Expect(False, codes, why, **kw)


# Points docs/access.md does not settle; a cell touching one accepts each reading (printed at the end).
AMB = {
    "admin_restricted": "admin/analyst on a restricted person: 403 (a role that never reads case records) or "
                        "404 (a restricted person for anyone but governance)",
    "gov_restricted_no_duty": "governance without a duty on a restricted person: reads 403 (no footing) or 404 "
                              "(the brief: 404 for everyone but governance with a duty); changes also 409 "
                              "restricted ('409 restricted, also for governance')",
    "fd_section": "front door on a section it does not see: 403 (a role that never does this) or 404 (hidden, "
                  "the partner rule); lists may leave such records out (200) or refuse",
    "partner_write_hidden": "partner writing into a section not shared with them, or under a record they may "
                            "not see: 403 or 404",
    "h1_no_consent": "partner on the Team Around the Family without consent or sharing basis: 404 (no section "
                     "visible) or 403 (taken as no footing)",
    "gov_create": "governance creating a new person or family (no family for a duty to name): asserted 403",
    "contact_write": "adding a child to a contact, or changing a contact, a contact child or a call, by a case "
                     "role other than the front door that has a footing on the family: allowed, or 403 ('only "
                     "front_door records contacts and phone calls' may mean creating them only)",
    "top_list_none": "admin/analyst listing people, families, contacts or calls: 403 (a role that never reads "
                     "case records) or 200 with none of them",
    "top_list": "top-level lists (people, families, contacts, phone-calls): asserted 200 leaving out what the "
                "principal may not read (the spec only says so for hidden sections and restricted people)",
    "gov_no_duty_routes": "governance without a duty: the access report and restriction asserted allowed "
                          "('the access report ... and restriction are theirs')",
    "reference": "reference lists and schemas: asserted readable by every signed-in role (the spec names "
                 "only the analyst)",
    "area_section": "assessment areas asserted to carry the section 'assessment.<area>' (section_share "
                    "lists per-area sections); a partner sees only the areas shared with their type",
    "restricted_member": "a restricted person's family membership changed by a case role: with a footing 404 "
                         "(hidden) or 409 (restricted), without one 403 or 404; governance with a duty: 409",
}


class Principal:
    def __init__(self, key, username, role, team, agency, what):
        self.key, self.username, self.role, self.team, self.agency, self.what = (
            key, username, role, team, agency, what)
        self.label = key
        self.user_id, self.token, self.secret, self.agency_type = None, None, None, None
        self.duties, self.glass = set(), set()


ANON = Principal("anon", None, None, None, None, "nobody signed in")


# ---- the council ---------------------------------------------------------------------------------------------

class Fixture:
    """The database: built with the CLI and SQL before the server starts; fresh rows added while it runs."""

    def __init__(self, hearth, tmp):
        self.hearth, self.db = hearth, testdb.council(tmp, "access")
        subprocess.run([hearth, "init", "--db", self.db], check=True, stdout=subprocess.DEVNULL)
        self.con = testdb.connect(self.db, timeout=30)
        self.con.execute("PRAGMA foreign_keys=ON")
        self.rec = {}        # family key -> {resource: id of the target record, plus named extras}
        self.fam = {}        # family key -> what the oracle needs: team, lead, taf, triage, consent, ...
        self.known = {}      # (resource, id) -> descriptor: family, section, parent, restricted, ...
        self.agency, self.team, self.users = {}, {}, {}
        self.duty_purpose = "subject_access"

    def add(self, table, **cols):
        cols.setdefault("created_at", NOW_TS)
        cols.setdefault("updated_at", NOW_TS)
        keys = list(cols)
        cur = self.con.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(keys), ", ".join("?" * len(keys))),
                               [cols[k] for k in keys])
        self.con.commit()
        return cur.lastrowid

    def know(self, res, rid, family, parent=None, **extra):
        d = {"res": res, "id": rid, "family": family, "parent": parent, "section": RES[res]["section"]}
        d.update(extra)
        self.known[(res, rid)] = d
        return rid

    def build(self, principals, logins):
        a = self.agency
        a["eh"] = self.add("agency", name="Matrix Council Early Help", agency_type="early_help")
        a["school"] = self.add("agency", name="Matrix Primary School", agency_type="school")
        a["hv"] = self.add("agency", name="Matrix Health Visiting", agency_type="health_visiting")
        t = self.team
        for key, name, ag, kind in [("front_door", "Front Door", "eh", "front_door"),
                                    ("A", "Locality A", "eh", "early_help"), ("B", "Locality B", "eh", "early_help"),
                                    ("school", "School pastoral team", "school", "partner"),
                                    ("hv", "Health visiting team", "hv", "partner"),
                                    ("governance", "Information governance", "eh", "governance"),
                                    ("admin", "Systems administration", "eh", "admin"),
                                    ("analysis", "Performance and analysis", "eh", "analysis")]:
            t[key] = self.add("team", name=name, agency_id=a[ag], kind=kind)
        types = {"eh": "early_help", "school": "school", "hv": "health_visiting"}  # of the agencies above
        entries = []
        for p in principals:
            out = subprocess.run([self.hearth, "user", "add", "--db", self.db, "--username", p.username, "--role",
                                  p.role, "--name", "Matrix " + p.key, "--team", str(t[p.team]), "--agency",
                                  str(a[p.agency]), "--password-stdin", "--totp"],
                                 input=(PASSWORD + "\n").encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            text = out.stdout.decode()
            m, s = re.search(r"added with id (\d+)", text), re.search(r"totp secret[^:]*: ([A-Z2-7=]+)", text)
            if out.returncode != 0 or not m or not s:
                raise SystemExit("access: hearth user add %s failed: %s %s" % (p.username, text, out.stderr.decode()))
            p.user_id, p.secret, p.agency_type = int(m.group(1)), s.group(1), types[p.agency]
            self.users[p.key] = p
            entries.append({"username": p.username, "password": PASSWORD, "totp_secret": p.secret})
        with open(logins, "w", encoding="utf-8") as f:
            json.dump(entries, f)
        self.share = collections.defaultdict(set)
        for sec, at in self.con.execute("SELECT section, agency_type FROM section_share"):
            self.share[at].add(sec)
        # F1: team A's case. Lead P1; TAF: P2, the school (S1, consent) and health visiting (H1, no consent);
        # P3 left the TAF ten days ago. A restricted person is a member. The contact was decided long ago.
        self.family("F1", "Matrixone", team="A", lead="P1", taf=["P2", "S1", "H1"], former_taf=["P3"],
                    contact=("early_help", -100), recorder="P1", consent_types={"school"}, restricted=True)
        # F2: a contact still in triage, no episode. F3: a contact decided 60 days ago.
        self.family("F2", "Matrixtwo", contact=(None, -2), recorder="FD")
        self.family("F3", "Matrixthree", contact=("nfa", -60), recorder="FD")
        # F4: team B's case, lead PB.
        self.family("F4", "Matrixfour", team="B", lead="PB", contact=("early_help", -200), recorder="PB")
        # F5: recorded by P1, nobody's case yet (no episode, no contact).
        self.family("F5", "Matrixfive", recorder="P1", minimal=True)
        # F6: back at the front door (contact in triage) while an episode of team A is open.
        self.family("F6", "Matrixsix", team="A", lead="P2", contact=(None, -1), recorder="FD")

    def family(self, key, surname, team=None, lead=None, taf=(), former_taf=(), contact=None, recorder=None,
               consent_types=None, restricted=False, minimal=False):
        u = {k: p.user_id for k, p in self.users.items()}
        by = u[recorder]
        r = self.rec[key] = {}
        fid = r["families"] = self.add("family", name="%s household" % surname, source="matrix", created_by=by)
        self.know("families", fid, key)

        def person(given, dob, **kw):
            return self.add("person", given_name=given, family_name=surname, given_key=given.lower(),
                            family_key=surname.lower(), date_of_birth=dob, sex="F", created_by=by, **kw)

        child = r["people"] = person("Child", "2016-03-04", ethnicity="WBRI", disability="N", nhs_number="9434765919")
        parent = r["parent"] = person("Parent", "1988-07-08")
        for pid in (child, parent):
            self.know("people", pid, key)
        r["members"] = self.add("family_member", family_id=fid, person_id=child, role="child", created_by=by)
        self.know("members", r["members"], key, fid)
        self.know("members", self.add("family_member", family_id=fid, person_id=parent, role="parent",
                                      created_by=by), key, fid)
        r["former-names"] = self.add("person_former_name", person_id=child, family_name="Oldname",
                                     family_key="oldname", created_by=by)
        r["addresses"] = self.add("person_address", person_id=child, address_type="home", line1="1 Matrix Street",
                                  postcode="M1 1AE", from_date=day(-400), created_by=by)
        r["contact-details"] = self.add("person_contact_detail", person_id=child, kind="email",
                                        value="matrix@example.org", created_by=by)
        for res in ("former-names", "addresses", "contact-details"):
            self.know(res, r[res], key, child)
        self.fam[key] = {"id": fid, "team": team, "lead": lead, "taf": set(taf), "episode": False,
                         "triage": False, "has_contact": False, "recorder": recorder,
                         "consent": set(consent_types or ()), "basis": set(), "child": child}
        if restricted:
            rp = r["restricted"] = person("Restricted", "2012-01-01", restricted=1)
            self.know("people", rp, key, restricted=True)
            r["restricted_member"] = self.add("family_member", family_id=fid, person_id=rp, role="child",
                                              created_by=by)
            self.know("members", r["restricted_member"], key, fid, restricted_member=True)
            for res, table, cols in [("former-names", "person_former_name", {"family_name": "Hidden",
                                                                             "family_key": "hidden"}),
                                     ("addresses", "person_address", {"address_type": "home",
                                                                      "line1": "2 Hidden Lane"}),
                                     ("contact-details", "person_contact_detail", {"kind": "phone_mobile",
                                                                                   "value": "07700 900999"})]:
                rid = r["restricted_" + res] = self.add(table, person_id=rp, created_by=by, **cols)
                self.know(res, rid, key, rp, restricted=True)
        if minimal:
            return
        ct = None
        if contact:
            decision, offset = contact
            ct = r["contacts"] = self.add(
                "contact", received_on=day(offset - 2 if decision else offset), channel="phone",
                contactor_type="professional", source_code="2A", reason="Matrix: worried about attendance.",
                family_id=fid, decision=decision, decision_date=day(offset) if decision else None,
                decided_by=u["FD"] if decision else None, created_by=u["FD"])
            self.know("contacts", ct, key)
            r["children"] = self.add("contact_child", contact_id=ct, person_id=child, created_by=u["FD"])
            self.know("children", r["children"], key, ct)
            r["phone-calls"] = self.add("phone_call", contact_id=ct, called_at=day(offset - 2) + "T10:00:00Z",
                                        caller_type="professional", summary="Matrix: call about the child.",
                                        created_by=u["FD"])
            self.know("phone-calls", r["phone-calls"], key)
            self.fam[key]["has_contact"] = True
            self.fam[key]["triage"] = decision is None or offset > -5
        ref = r["referrals"] = self.add("referral", family_id=fid, contact_id=ct, referred_on=day(-95),
                                        referrer_type="professional", reasons="Matrix: support needed.",
                                        created_by=by)
        self.know("referrals", ref, key, fid)
        r["consents"] = self.add("consent", family_id=fid, referral_id=ref, scope="support", method="written",
                                 given_on=day(-94), given_by_id=parent, created_by=by)
        self.know("consents", r["consents"], key, fid)
        if consent_types:
            r["consent_share"] = self.add("consent", family_id=fid, referral_id=ref, scope="share_named_agency_types",
                                          agency_types=",".join(sorted(consent_types)), method="written",
                                          given_on=day(-94), given_by_id=parent, created_by=by)
            self.know("consents", r["consent_share"], key, fid)
        r["sharing-bases"] = self.add("sharing_basis", family_id=fid, basis="safeguarding", agency_type="police",
                                      reason="Matrix: police share on safeguarding grounds.", recorded_on=day(-30),
                                      created_by=by)
        self.know("sharing-bases", r["sharing-bases"], key, fid)
        if not team:
            return
        ep = r["episodes"] = self.add("episode", family_id=fid, referral_id=ref, start_date=day(-90),
                                      owning_team_id=self.team[team], lead_user_id=u[lead], created_by=by)
        self.know("episodes", ep, key, fid)
        self.fam[key]["episode"] = True
        agency_of = {p.key: self.agency[p.agency] for p in self.users.values()}
        for k in taf:
            self.know("taf-members", self.add("episode_member", episode_id=ep, user_id=u[k], agency_id=agency_of[k],
                                              taf_role="member", from_date=day(-80), created_by=by), key, ep)
        for k in former_taf:
            self.know("taf-members", self.add("episode_member", episode_id=ep, user_id=u[k], agency_id=agency_of[k],
                                              taf_role="former member", from_date=day(-80), to_date=day(-10),
                                              created_by=by), key, ep)
        r["taf-members"] = self.add("episode_member", episode_id=ep, name="Dr Named Professional", taf_role="GP",
                                    from_date=day(-80), created_by=by)
        self.know("taf-members", r["taf-members"], key, ep)
        a = r["assessments"] = self.add("assessment", episode_id=ep, started_on=day(-60), organisation="Matrix EH",
                                        assessor_user_id=u[lead], created_by=by)
        self.know("assessments", a, key, ep)
        r["areas"] = self.add("assessment_area", assessment_id=a, area="education_skills", scale=6, created_by=by)
        self.know("areas", r["areas"], key, a, section="assessment.education_skills")
        r["area_safe_community"] = self.add("assessment_area", assessment_id=a, area="safe_community", scale=3,
                                            created_by=by)
        self.know("areas", r["area_safe_community"], key, a, section="assessment.safe_community")
        r["needs"] = self.add("assessment_need", assessment_id=a, headline="EDU", need_code="EDU_ATTENDANCE",
                              framework="2022-10", person_id=child, created_by=by)
        self.know("needs", r["needs"], key, a, section="assessment.education_skills")   # EDU: headline_area
        pl = r["plans"] = self.add("plan", episode_id=ep, agreed_on=day(-50), created_by=by)
        self.know("plans", pl, key, ep)
        r["goals"] = self.add("plan_goal", plan_id=pl, description="Matrix: attend every day.", headline="EDU",
                              created_by=by)
        self.know("goals", r["goals"], key, pl)
        r["actions"] = self.add("plan_action", plan_id=pl, goal_id=r["goals"], description="Matrix: morning routine.",
                                owner_user_id=u[lead], due_date=day(20), status="open", created_by=by)
        self.know("actions", r["actions"], key, pl)
        r["reviews"] = self.add("review", episode_id=ep, held_on=day(-20), outcome="progress", created_by=by)
        self.know("reviews", r["reviews"], key, ep, creator=by)
        r["activities"] = self.add("activity", episode_id=ep, person_id=child, activity_type="one_to_one",
                                   name="Matrix session", attended_on=day(-15), attended=1, created_by=by)
        self.know("activities", r["activities"], key, ep)
        r["notes"] = self.add("case_note", episode_id=ep, note_type="visit", occurred_at=day(-14) + "T11:00:00Z",
                              body="Matrix: home visit.", created_by=by)
        self.know("notes", r["notes"], key, ep, creator=by)
        r["supervisions"] = self.add("supervision", episode_id=ep, supervised_on=day(-10), practitioner_user_id=u[lead],
                                     discussion="Matrix: supervision of the case.", created_by=by)
        self.know("supervisions", r["supervisions"], key, ep)
        for label in ("health_information", "police_information"):
            r["note_" + label] = self.add("case_note", episode_id=ep, note_type="case_note", sharing_label=label,
                                          occurred_at=day(-13) + "T11:00:00Z", body="Matrix: " + label,
                                          created_by=by)
            self.know("notes", r["note_" + label], key, ep, section=label, creator=by)

    # Fresh rows for creates that would otherwise collide with a UNIQUE constraint (an area per assessment,
    # a person per family or contact), added while the server runs (WAL: the server's connections see them).
    def fresh_person(self, by_user_id, fam=None):
        pid = self.add("person", given_name="Fresh", family_name="Matrixfresh", given_key="fresh",
                       family_key="matrixfresh", date_of_birth="2019-09-09", sex="U", created_by=by_user_id)
        ct = self.rec.get(fam, {}).get("contacts") if fam else None
        if ct:   # named as a child of the family's contact, so it is reached through the family
            self.add("contact_child", contact_id=ct, person_id=pid, created_by=by_user_id)
        return pid

    def fresh_assessment(self, episode, by_user_id):
        return self.add("assessment", episode_id=episode, started_on=day(-1), organisation="Matrix fresh",
                        created_by=by_user_id)


# ---- the oracle ------------------------------------------------------------------------------------------------

# Labels within the council only for the lead, the owning team's manager, a duty and break glass.
NEED_TO_KNOW = {"police_information", "health_information", "supervision"}
# Duty purposes that change records (duty_purpose_write); the matrix's duties are for subject access.
DUTY_WRITES = {"rectification"}


def chosen(foot):
    """The one footing the decision settles on when a user has several (docs/access.md: the relationship
    first, then triage, then a grant, then recording)."""
    for b in ("lead", "taf", "team_manager", "front_door", "duty", "break_glass", "recorder"):
        if b in foot:
            return b
    return None


class Oracle:
    def __init__(self, fx):
        self.fx = fx

    def family_footings(self, p, fam):
        f, out = self.fx.fam[fam], set()
        if f["episode"]:
            if f["lead"] == p.key:
                out.add("lead")
            if p.key in f["taf"]:
                out.add("taf")
            if p.role == "team_manager" and p.team == f["team"]:
                out.add("team_manager")
        if p.role == "front_door" and f["triage"]:
            out.add("front_door")
        if f["recorder"] == p.key and not (f["episode"] or f["has_contact"]):
            out.add("recorder")
        if fam in p.duties:
            out.add("duty")
        if fam in p.glass and p.role in BG_ROLES:
            out.add("break_glass")
        if p.role == "partner":
            return out & {"lead", "taf"}
        if p.role == "governance":
            return out & {"duty"}
        if p.role in ("admin", "analyst"):
            return set()
        return out - {"duty"}

    def footings(self, p, d):
        out = self.family_footings(p, d["family"]) if d.get("family") else set()
        if d.get("recorder") == p.key and p.role in BG_ROLES:
            out.add("recorder")
        if d.get("triage") and p.role == "front_door":
            out.add("front_door")
        return out

    def partner_sees(self, p, fam, section):
        f = self.fx.fam[fam]
        covered = p.agency_type in f["consent"] or p.agency_type in f["basis"] or None in f["basis"]
        return covered and section in self.fx.share[p.agency_type]

    def decide(self, p, action, d):
        """action: read, write (change) or create (d describes the new record)."""
        sec = d["section"]
        if p is ANON:
            return DENY({401}, "not signed in", err="unauthenticated")
        if sec == "directory":
            if action == "read" or p.role == "admin":
                return ALLOW("directory")
            return DENY({403}, "only admin changes agencies and teams")
        if p.role in ("admin", "analyst"):
            return DENY({403}, "%s has no case records" % p.role,
                        amb="admin_restricted" if d.get("restricted") else None)
        if action == "create" and d.get("top"):
            if sec == "contact":
                if p.role == "front_door":
                    return ALLOW("front door records contacts and calls")
                return DENY({403}, "only the front door records contacts and phone calls")
            if p.role in BG_ROLES:
                return ALLOW("a new record")
            if p.role == "governance":
                return DENY({403}, "governance: case records only on a duty", amb="gov_create")
            return DENY({403}, "partners do not write person or family records")
        foot = self.footings(p, d)
        if not foot:   # a restricted person too: answered as anyone unrelated is answered
            return DENY({403}, "no footing", hint=p.role in BG_ROLES,
                        amb="gov_restricted_no_duty" if d.get("restricted") else None)
        if d.get("restricted"):
            if p.role != "governance":
                return DENY({404}, "restricted person")
            if action == "read":
                return ALLOW("duty")
            return DENY({409}, "change to a restricted person", err="restricted")
        basis = chosen(foot)
        base = sec.split(".")[0]
        if p.role == "front_door" and sec not in FD_SECTIONS:
            return DENY({403}, "front door does not see %s" % sec, amb="fd_section")
        if p.role == "partner":
            visible = self.partner_sees(p, d["family"], sec)
            if action != "read" and base in NO_PARTNER_WRITE:
                return DENY({403}, "partners do not write %s records" % base)
            if not visible:
                if action == "create":
                    return DENY({403}, "section %s not shared: recording one is refused" % sec,
                                amb="partner_write_hidden")
                return DENY({404}, "section %s not shared" % sec, amb="h1_no_consent" if action == "read" else
                            "partner_write_hidden")
        elif sec in NEED_TO_KNOW and basis not in ("lead", "team_manager", "duty", "break_glass"):
            if action == "create":
                return DENY({403}, "%s is recorded by the lead or the manager" % sec)
            return DENY({404}, "%s: not for footing %s" % (sec, basis))
        if action != "read" and sec == "supervision" and "team_manager" not in foot:
            return DENY({403}, "supervision is recorded by the owning team's manager")
        if action != "read" and base == "consent" and basis in ("taf", "break_glass"):
            return DENY({403}, "consent and sharing bases are the lead's or the manager's to record")
        if action != "read" and basis == "duty" and self.fx.duty_purpose not in DUTY_WRITES:
            return DENY({403}, "a %s duty reads; it does not change records" % self.fx.duty_purpose)
        if action != "read" and d.get("staffing") and not (basis == "team_manager" or
                                                            (basis == "lead" and d["staffing"] == "taf")):
            return DENY({403}, "staffing is for the owning team's manager (TAF members: or the lead)")
        if action == "create" and d.get("res") == "episodes":
            if basis != "front_door" and not (p.team == d.get("team") and basis in ("recorder", "lead",
                                                                                     "team_manager")):
                return DENY({403}, "an episode is recorded by the front door or for one's own team")
        if (action == "write" and d.get("res") in ("notes", "reviews") and p.role != "governance" and
                d.get("creator") != p.user_id):
            return DENY({403}, "a saved note or review is edited by its author only")
        if action != "read" and sec == "contact" and p.role != "front_door":
            return ALLOW("footing %s: a contact is corrected on any footing on its family" % basis,
                         amb="contact_write")
        return ALLOW("footing " + "+".join(sorted(foot)))


# ---- running the cells -----------------------------------------------------------------------------------------

class Cell:
    def __init__(self, p, route, method, path, expect, body=None, check=None, register=None, note=None):
        self.p, self.route, self.method, self.path, self.expect, self.body, self.check, self.register = (
            p, route, method, path, expect, body, check, register)
        self.note = note


class Matrix:
    def __init__(self, fx, server, verbose):
        self.fx, self.server, self.verbose = fx, server, verbose
        self.oracle = Oracle(fx)
        self.passed, self.failed = 0, 0
        self.per = collections.OrderedDict()      # principal label -> [passed, failed]
        self.route_cells = collections.Counter()
        self.sent = set()                         # (route, principal key) pairs sent at least once
        self.amb_seen = collections.defaultdict(collections.Counter)   # ambiguity -> statuses the server gave
        self.skipped = []
        self.audit = testdb.connect(testdb.trail(fx.db))  # the trail's own database file

    # -- bookkeeping
    def max_seq(self):
        return self.audit.execute("SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()[0]

    def denied_since(self, seq, p):
        if p is ANON:
            sql = "SELECT count(*) FROM audit_event WHERE seq > ? AND action = 'denied' AND actor_user_id IS NULL"
            return self.audit.execute(sql, (seq,)).fetchone()[0]
        sql = "SELECT count(*) FROM audit_event WHERE seq > ? AND action = 'denied' AND actor_user_id = ?"
        return self.audit.execute(sql, (seq, p.user_id)).fetchone()[0]

    def result(self, label, ok, text=None):
        counts = self.per.setdefault(label, [0, 0])
        if ok:
            self.passed += 1
            counts[0] += 1
        else:
            self.failed += 1
            counts[1] += 1
            print("FAIL " + text)

    def skip(self, who, route, why):
        self.skipped.append((who, route, why))

    # -- one cell
    def run(self, c):
        if not self.server.alive():
            return
        p = c.p
        exp = c.expect() if callable(c.expect) else c.expect
        body = c.body() if callable(c.body) else c.body
        if callable(c.path):   # a path naming a row the body made (a fresh assessment)
            c.path = c.path()
        headers = {"Authorization": "Bearer " + p.token if p.token else "none"}
        raw_body = b""
        if body is not None:
            headers["Content-Type"] = "application/json"
            raw_body = json.dumps(body).encode()
        before = self.max_seq()
        try:
            status, _, raw = api.request(self.server.port, c.method, c.path, headers, raw_body)
        except OSError as e:
            status, raw = 0, str(e).encode()
        try:
            doc = json.loads(raw.decode("utf-8"))
        except ValueError:
            doc = None
        err = doc.get("error") if isinstance(doc, dict) and isinstance(doc.get("error"), dict) else {}
        problems = []
        if exp.allow and not 200 <= status < 300 and status not in exp.alt:
            problems.append("expected %s, got %d" % (exp, status))
        if not exp.allow and status not in exp.codes:
            problems.append("expected %s, got %d" % (exp, status))
        denied = status in exp.codes or status in exp.alt
        if status in exp.codes | exp.alt and exp.err is None and status in (403, 404, 409):
            want = {403: "forbidden", 404: "not_found", 409: "restricted"}[status]
            if err.get("code") != want:
                problems.append("error code %r, expected %r" % (err.get("code"), want))
        if not exp.allow and status in exp.codes and exp.err and err.get("code") != exp.err:
            problems.append("error code %r, expected %r" % (err.get("code"), exp.err))
        if exp.hint and status == 403 and "break" not in (err.get("hint") or "").lower():
            problems.append("the refusal's hint does not name break glass (hint %r)" % err.get("hint"))
        if denied and status >= 400 and exp.audited and self.denied_since(before, p) == 0:
            problems.append("denial not audited (no 'denied' audit entry for %s after seq %d)" % (p.label, before))
        if 200 <= status < 300 and exp.allow and c.check:
            problems += c.check(doc) or []
        if 200 <= status < 300 and c.register is not None and isinstance(doc, dict) and "id" in doc:
            reg = dict(c.register)
            res, fam = reg.pop("res"), reg.pop("family", None)
            self.fx.know(res, doc["id"], fam, **reg)
            if res == "episodes" and fam:   # a new episode: the owning team's manager gains a footing, the
                f = self.fx.fam[fam]         # recorder loses theirs (docs/access.md)
                f["episode"], f["team"] = True, f["team"] or body_team(self.fx, body)
        for key in (exp.amb, c.note):
            if key:
                self.amb_seen[key][status] += 1
        self.route_cells[c.route] += 1
        self.sent.add((c.route, p.key))
        line = "%s %s %s" % (p.label, c.method, c.path)
        if problems:
            detail = ""
            if err:
                detail = "  [error %s: %s%s]" % (err.get("code"), err.get("message"),
                                                 "; hint: " + err["hint"] if err.get("hint") else "")
            self.result(p.label, False, "%s: %s%s" % (line, "; ".join(problems), detail))
        else:
            self.result(p.label, True)
            if self.verbose:
                print("ok   %s -> %d (%s)" % (line, status, exp))
        return status, doc

    # -- checks on answers
    def list_check(self, p, res, parent):
        """Lists leave out what p may not read; a child list shows everything p may read."""
        def check(doc):
            items = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(items, list):
                return ["the answer has no items list"]
            ids = {it.get("id") for it in items if isinstance(it, dict)}
            out = []
            for (r, rid), d in list(self.fx.known.items()):
                if r != res or (parent is not None and d.get("parent") != parent) or d.get("restricted_member"):
                    continue
                e = self.oracle.decide(p, "read", d)
                if e.allow and parent is not None and rid not in ids:
                    out.append("%s %d (readable: %s) is missing from the list" % (res, rid, e.why))
                if not e.allow and rid in ids:
                    out.append("%s %d is listed but must be left out (%s)" % (res, rid, e.why))
            if res == "people":
                for it in items:
                    if isinstance(it, dict):
                        out += self.special_problems(p, it)
            return out if len(out) <= 4 else out[:4] + ["... and %d more" % (len(out) - 4)]
        return check

    def special_problems(self, p, doc):
        """A partner without the special_category section reads no special-category field; others do."""
        d = self.fx.known.get(("people", doc.get("id") if isinstance(doc, dict) else None))
        if not d or d.get("restricted") or not isinstance(doc, dict):
            return []
        fam = d["family"]
        child = self.fx.fam.get(fam, {}).get("child") if fam else None
        if doc.get("id") != child:
            return []
        if p.role == "partner" and not self.oracle.partner_sees(p, fam, "identifiers") and "nhs_number" in doc:
            return ["finding 11: the NHS number was returned to a partner without the 'identifiers' section"]
        if (p.role != "partner" or self.oracle.partner_sees(p, fam, "identifiers")) and \
                doc.get("nhs_number") != "9434765919":
            return ["nhs_number is %r, expected '9434765919' for this reader" % doc.get("nhs_number")]
        if p.role == "partner" and not self.oracle.partner_sees(p, fam, "special_category"):
            leaked = [f for f in SPECIAL_FIELDS if doc.get(f) is not None]
            return ["special-category field %s returned to a partner without that section" % ", ".join(leaked)] \
                if leaked else []
        if doc.get("ethnicity") != "WBRI":
            return ["ethnicity is %r, expected 'WBRI' (special category shown to this reader)" % doc.get("ethnicity")]
        return []

    # -- the cells of the resource routes for one principal on one family
    def resource_cells(self, p, fam, top, reads_only=False):
        fx, o, r = self.fx, self.oracle, self.fx.rec[fam]
        cells = []

        def desc(res, rid):
            return fx.known[(res, rid)]

        for name, parent, coll, section in RESOURCES:
            is_dir = section == "directory"
            if parent is None:
                if top:
                    route = "GET /api/v1/" + coll
                    if p is ANON:
                        exp = DENY({401}, "not signed in", err="unauthenticated")
                    elif is_dir:
                        exp = ALLOW("directory")
                    elif p.role in ("admin", "analyst"):
                        exp = ALLOW("an empty list", amb="top_list_none")
                    else:
                        exp = ALLOW("list, leaving out what may not be read", amb="top_list")
                    cells.append(Cell(p, route, "GET", "/api/v1/%s?limit=500" % coll, exp,
                                      check=self.list_check(p, name, None)))
                    if not reads_only:
                        nd = {"res": name, "section": section, "top": True}
                        exp = (lambda nd=nd: o.decide(p, "create", nd)) if p is not ANON else \
                            DENY({401}, "not signed in", err="unauthenticated")
                        reg = None
                        if name in ("people", "families"):
                            reg = {"res": name, "family": None, "recorder": p.key}
                        elif name == "contacts":
                            reg = {"res": name, "family": None, "triage": True}
                        elif is_dir:
                            reg = {"res": name, "family": None}
                        cells.append(Cell(p, "POST /api/v1/" + coll, "POST", "/api/v1/" + coll,
                                          exp, body=self.create_body(p, fam, name, None), register=reg))
            else:
                pid = r.get(parent)
                if pid is not None:
                    pd = desc(parent, pid)
                    path = "/api/v1/" + coll.replace("{id}", str(pid))
                    cells.append(Cell(p, "GET /api/v1/" + coll, "GET", path + "?limit=500",
                                      self.list_expect(p, name, pd), check=self.list_check(p, name, pid)))
                    if not reads_only:
                        cells.append(self.create_cell(p, fam, name, coll, pd, pid))
            # the item
            if is_dir:
                rid = fx.agency["eh"] if name == "agencies" else fx.team["A"]
                if not top:
                    continue
                d = {"res": name, "section": section, "family": None}
            else:
                rid = r.get(name)
                if rid is None:
                    continue
                d = desc(name, rid)
            cells += self.item_cells(p, name, rid, d, reads_only)
        # the records of F1 beyond one of each kind: the restricted person and theirs, the area and notes a
        # partner may not see, the restricted person's membership
        if fam == "F1":
            rp = r["restricted"]
            cells += self.item_cells(p, "people", rp, desc("people", rp), reads_only)
            for res in ("former-names", "addresses", "contact-details"):
                coll = RES[res]["collection"]
                path = "/api/v1/" + coll.replace("{id}", str(rp))
                cells.append(Cell(p, "GET /api/v1/" + coll, "GET", path + "?limit=500",
                                  self.list_expect(p, res, desc("people", rp)), check=self.list_check(p, res, rp)))
                if not reads_only:
                    cells.append(self.create_cell(p, fam, res, coll, desc("people", rp), rp))
                rid = r["restricted_" + res]
                cells += self.item_cells(p, res, rid, desc(res, rid), reads_only)
            area = r["area_safe_community"]
            cells += self.item_cells(p, "areas", area, desc("areas", area), True,
                                     note="area_section" if p.role == "partner" else None)
            for label in ("health_information", "police_information"):
                nid = r["note_" + label]
                cells += self.item_cells(p, "notes", nid, desc("notes", nid), True)
            if not reads_only and p.role in BG_ROLES + ("governance",):
                m = r["restricted_member"]

                def member_expect(p=p, m=m):
                    foot = o.footings(p, desc("members", m))
                    if not foot:
                        return DENY({403}, "membership of a restricted person, no footing", amb="restricted_member")
                    if p.role == "governance":
                        return DENY({409}, "membership of a restricted person", err="restricted")
                    return DENY({404}, "membership of a restricted person", amb="restricted_member")
                cells.append(Cell(p, "PATCH /api/v1/members/{id}", "PATCH", "/api/v1/members/%d" % m,
                                  member_expect, body={"in_household": True}))
        return cells

    def list_expect(self, p, res, parent_desc):
        """A child list: the parent must be readable; a front door list of a section it does not see may be
        refused or come back without those records."""
        def exp():
            e = self.oracle.decide(p, "read", parent_desc)
            if not e.allow:
                return e
            sec = RES[res]["section"]
            if p is not ANON and p.role == "front_door" and sec not in FD_SECTIONS:
                return ALLOW("list without the hidden section", amb="fd_section")
            return ALLOW("parent readable: " + e.why)
        return exp

    def item_cells(self, p, name, rid, d, reads_only, note=None):
        cells = [Cell(p, "GET /api/v1/%s/{id}" % name, "GET", "/api/v1/%s/%d" % (name, rid),
                      lambda: self.oracle.decide(p, "read", d), note=note,
                      check=(lambda doc: self.special_problems(p, doc)) if name == "people" else None)]
        if not reads_only:
            wd = dict(d, staffing="taf") if name == "taf-members" else d
            cells.append(Cell(p, "PATCH /api/v1/%s/{id}" % name, "PATCH", "/api/v1/%s/%d" % (name, rid),
                              lambda: self.oracle.decide(p, "write", wd), body=PATCH_BODY[name]))
        if name in ("notes", "reviews"):   # the earlier versions: read as the record is read
            cells.append(Cell(p, "GET /api/v1/%s/{id}/history" % name, "GET", "/api/v1/%s/%d/history" % (name, rid),
                              lambda: self.oracle.decide(p, "read", d), note=note))
        return cells

    def create_cell(self, p, fam, name, coll, pd, pid):
        section = RES[name]["section"]
        nd = {"res": name, "family": pd.get("family"), "parent": pid, "section": section,
              "restricted": pd.get("restricted", False)}
        if name in ("areas", "needs"):
            nd["section"] = "assessment.education_skills"
        if name == "taf-members":
            nd["staffing"] = "taf"
        if name == "episodes":
            nd["team"] = self.fx.fam.get(fam, {}).get("team") or "A"

        def exp():
            if pd.get("restricted"):   # under a restricted person: the change rule decides (404, 409, ...)
                return self.oracle.decide(p, "create", nd)
            e = self.oracle.decide(p, "read", pd)
            if not e.allow:
                if p is not ANON and p.role == "partner" and e.codes == {404}:
                    # On the team but the parent's section is not shared: recording under it is refused
                    # with the reason (the partner knows the family; the new record's section is not theirs).
                    return DENY({403}, e.why + ": recording under it is refused", amb="partner_write_hidden")
                return e
            return self.oracle.decide(p, "create", nd)
        holder = {}

        def body():
            if name == "areas":   # a fresh assessment in the same episode: one area of a kind per assessment
                holder["parent"] = self.fx.fresh_assessment(pd["parent"], p.user_id or None)
                self.fx.know("assessments", holder["parent"], pd["family"], pd["parent"])
            return self.create_body(p, fam, name, pid)()

        def path():
            return "/api/v1/" + coll.replace("{id}", str(holder.get("parent", pid)))
        return Cell(p, "POST /api/v1/" + coll, "POST", path, exp, body=body,
                    register=None if name == "areas" else dict(nd, res=name))

    def create_body(self, p, fam, name, parent_id):
        fx = self.fx

        def make():
            uid = p.user_id or None
            team = fx.fam.get(fam, {}).get("team") or "A"
            if name == "members":
                return {"person_id": fx.fresh_person(uid, fam), "role": "other_adult"}
            if name == "children":
                return {"person_id": fx.fresh_person(uid)}
            if name == "episodes":   # the family's own team, no lead: no footing changes hands (a second open
                return {"start_date": day(0), "owning_team_id": fx.team[team],  # episode says why)
                        "concurrent_reason": "Matrix: a second strand of work."}
            if name == "teams":
                return {"name": "Matrix new team", "agency_id": fx.agency["eh"], "kind": "partner"}
            return dict(CREATE_BODY[name])
        return make

    # -- the other routes, for one principal (once, on F1)
    def fixed_cells(self, p, stage):
        """stage: 'base' (before any grant), 'duty' (G with a duty), 'glass' (PB with break glass)."""
        fx, r = self.fx, self.fx.rec
        child1, parent1 = r["F1"]["people"], r["F1"]["parent"]
        cells = []
        anon = p is ANON
        unauth = DENY({401}, "not signed in", err="unauthenticated")
        for route in ("GET /healthz", "GET /api/v1/healthz", "GET /privacy"):
            cells.append(Cell(p, route, "GET", route.split(" ")[1], ALLOW("public")))
        cells.append(Cell(p, "GET /api/v1/reference/{name}", "GET", "/api/v1/reference/sex",
                          unauth if anon else ALLOW("reference data", amb="reference")))
        cells.append(Cell(p, "GET /api/v1/schema/{name}", "GET", "/api/v1/schema/people",
                          unauth if anon else ALLOW("reference data", amb="reference")))
        searchers = BG_ROLES + ("governance",)
        if anon:
            exp = unauth
        elif p.role in searchers:
            exp = ALLOW("person search")
        else:
            exp = DENY({403}, "%s does not search the person index" % p.role)
        restricted = r["F1"]["restricted"]

        def no_restricted(doc):
            ids = {it.get("id") for it in (doc or {}).get("items", []) if isinstance(it, dict)}
            return ["search returned the restricted person %d" % restricted] if restricted in ids else []
        cells.append(Cell(p, "GET /api/v1/people/search", "GET", "/api/v1/people/search?name=matrixone", exp,
                          check=no_restricted))

        def no_restricted_match(doc):
            ids = {(it.get("person") or {}).get("id") for it in (doc or {}).get("items", []) if isinstance(it, dict)}
            return ["a match answered the restricted person %d" % restricted] if restricted in ids else []
        # the front door's "already known?" check is a search of the index: the same people may use it
        cells.append(Cell(p, "POST /api/v1/people/matches", "POST", "/api/v1/people/matches", exp,
                          body={"given_name": "matrixone"}, check=no_restricted_match))
        if anon:
            exp = unauth
        elif p.role == "governance":
            exp = ALLOW("the access report is governance's", amb="gov_no_duty_routes" if stage == "base" else None)
        else:
            exp = DENY({403}, "only governance reads the access report")
        cells.append(Cell(p, "GET /api/v1/people/{id}/access-report", "GET",
                          "/api/v1/people/%d/access-report" % child1, exp))
        exp = unauth if anon else (ALLOW("the review queue is governance's") if p.role == "governance"
                                   else DENY({403}, "only governance reads the review queue"))
        cells.append(Cell(p, "GET /api/v1/governance/reviews", "GET", "/api/v1/governance/reviews", exp))
        exp = unauth if anon else (ALLOW("configuration changes are shown to governance") if p.role == "governance"
                                   else DENY({403}, "only governance lists configuration changes"))
        cells.append(Cell(p, "GET /api/v1/governance/changes", "GET", "/api/v1/governance/changes", exp))
        if anon or p.role != "governance":
            cells.append(Cell(p, "POST /api/v1/access/duties", "POST", "/api/v1/access/duties",
                              unauth if anon else DENY({403}, "only governance takes a duty"),
                              body=duty_body(fx.fam["F1"]["id"])))
        elif stage == "duty":   # a second duty on the same family: allowed
            cells.append(Cell(p, "POST /api/v1/access/duties", "POST", "/api/v1/access/duties",
                              ALLOW("governance takes a duty"), body=duty_body(fx.fam["F1"]["id"]),
                              check=grant_check("duty", fx.fam["F1"]["id"])))
        if anon or p.role not in BG_ROLES:
            cells.append(Cell(p, "POST /api/v1/access/break-glass", "POST", "/api/v1/access/break-glass",
                              unauth if anon else DENY({403}, "%s cannot break glass" % p.role),
                              body=glass_body(fx.fam["F1"]["id"])))
        # the staff directory: every signed-in role reads names for ids; only the administrator sees usernames
        # and changes accounts, and not their own (a change to oneself is refused 409 before anything moves)
        def directory_check(admin):
            def check(doc):
                items = (doc or {}).get("items", [doc]) if isinstance(doc, dict) else []
                if not items or not all(isinstance(it, dict) and it.get("name") for it in items):
                    return ["the directory lacks names: %s" % json.dumps(doc)[:200]]
                shown = any("username" in it for it in items)
                return [] if shown == admin else ["usernames %s to %s" % ("hidden" if admin else "shown", p.role)]
            return check
        exp = unauth if anon else ALLOW("the directory names colleagues")
        cells.append(Cell(p, "GET /api/v1/users", "GET", "/api/v1/users", exp,
                          check=directory_check(not anon and p.role == "admin")))
        cells.append(Cell(p, "GET /api/v1/users/{id}", "GET", "/api/v1/users/1", exp,
                          check=directory_check(not anon and p.role == "admin")))
        if anon or p.role != "admin":
            exp = unauth if anon else DENY({403}, "only the administrator adds and changes accounts")
            cells.append(Cell(p, "POST /api/v1/users", "POST", "/api/v1/users", exp,
                              body={"username": "matrix.nobody", "display_name": "Nobody", "role": "admin"}))
            cells.append(Cell(p, "PATCH /api/v1/users/{id}", "PATCH", "/api/v1/users/1", exp,
                              body={"role": "admin"}))
            cells.append(Cell(p, "POST /api/v1/users/{id}/reset", "POST", "/api/v1/users/1/reset", exp, body={}))
        else:
            made = re.sub(r"[^a-z0-9.-]", "-", "matrix.new.%s.%s" % (stage, p.label.lower()))[:64]
            cells.append(Cell(p, "POST /api/v1/users", "POST", "/api/v1/users", ALLOW("the administrator adds"),
                              body={"username": made, "display_name": "Matrix New", "role": "analyst"},
                              check=lambda doc: [] if isinstance(doc, dict) and doc.get("credentials", {}).get(
                                  "totp_secret") else ["no one-time credentials: %s" % json.dumps(doc)[:200]]))
            mine = DENY({409}, "nobody changes their own account", err="conflict", audited=False)
            cells.append(Cell(p, "PATCH /api/v1/users/{id}", "PATCH", "/api/v1/users/%d" % p.user_id, mine,
                              body={"role": "governance"}))
            cells.append(Cell(p, "POST /api/v1/users/{id}/reset", "POST", "/api/v1/users/%d/reset" % p.user_id,
                              mine, body={}))
        # settings: admin and governance read them, admin changes them (to the value they have: nothing moves)
        if anon:
            exp = unauth
        elif p.role in ("admin", "governance"):
            exp = ALLOW("settings are read by admin and governance")
        else:
            exp = DENY({403}, "settings are for admin and governance")

        def has_settings(doc):
            names = {it.get("name") for it in (doc or {}).get("items", []) if isinstance(it, dict)}
            want = {"triage_grace_days", "closed_case_days", "break_glass_hours", "duty_hours"}
            return [] if want <= names else ["settings list lacks %s" % ", ".join(sorted(want - names))]
        cells.append(Cell(p, "GET /api/v1/settings", "GET", "/api/v1/settings", exp, check=has_settings))
        exp = unauth if anon else (ALLOW("admin changes settings") if p.role == "admin"
                                   else DENY({403}, "only admin changes settings"))
        cells.append(Cell(p, "PATCH /api/v1/settings/{name}", "PATCH", "/api/v1/settings/triage_grace_days", exp,
                          body={"value": 5},
                          check=lambda doc: [] if isinstance(doc, dict) and doc.get("value") == 5 else
                          ["the answer is not the setting with value 5: %s" % json.dumps(doc)[:200]]))
        if anon or p.role != "governance":
            cells.append(Cell(p, "POST /api/v1/people/{id}/restriction", "POST",
                              "/api/v1/people/%d/restriction" % parent1,
                              unauth if anon else DENY({403}, "only governance restricts"),
                              body={"restricted": False, "reason": "Matrix: not theirs to change."}))
        elif stage == "base":
            f4child = r["F4"]["people"]
            cells.append(Cell(p, "POST /api/v1/people/{id}/restriction", "POST",
                              "/api/v1/people/%d/restriction" % f4child,
                              ALLOW("restriction is governance's", amb="gov_no_duty_routes"),
                              body={"restricted": False, "reason": "Matrix: nothing to lift."},
                              check=lambda doc: [] if isinstance(doc, dict) and doc.get("restricted") is False
                              else ["answer is not {\"id\", \"restricted\": false}: %s" % json.dumps(doc)[:200]]))
        # triage's view of a contact in triage (F2): on the contact's footing; governance's list of links
        ct = r["F2"]["contacts"]
        cells.append(Cell(p, "GET /api/v1/contacts/{id}/history", "GET", "/api/v1/contacts/%d/history" % ct,
                          unauth if anon else self.oracle.decide(p, "read", fx.known[("contacts", ct)])))
        # "already known?" within a contact (issue 15): only the front door triaging it, on its footing there
        cells.append(Cell(p, "POST /api/v1/contacts/{id}/matches", "POST", "/api/v1/contacts/%d/matches" % ct,
                          unauth if anon else (self.oracle.decide(p, "read", fx.known[("contacts", ct)])
                                               if p.role == "front_door" else
                                               DENY({403}, "only the front door triaging a contact asks within it")),
                          body={"given_name": "matrixone"}, check=no_restricted_match))
        cells.append(Cell(p, "GET /api/v1/governance/linked-records", "GET", "/api/v1/governance/linked-records",
                          unauth if anon else (ALLOW("governance reviews links to known records")
                                               if p.role == "governance" else
                                               DENY({403}, "the review of links is governance's"))))
        # legal holds (docs/retention.md): governance's alone. Changes name records that do not exist, so
        # governance gets 404 and nothing changes; what the routes do is tested by tests/retention/run.py.
        holds = unauth if anon else (ALLOW("legal holds are governance's") if p.role == "governance"
                                     else DENY({403}, "legal holds are for information governance"))
        hold_missing = DENY({404}, "legal holds: no such record", audited=False) if holds.allow else holds
        cells.append(Cell(p, "GET /api/v1/legal-holds", "GET", "/api/v1/legal-holds", holds))
        cells.append(Cell(p, "POST /api/v1/legal-holds", "POST", "/api/v1/legal-holds", hold_missing,
                          body={"reason": "LITIGATION", "scope_table": "family", "scope_id": 999999}))
        cells.append(Cell(p, "GET /api/v1/legal-holds/{id}", "GET", "/api/v1/legal-holds/999999", hold_missing))
        cells.append(Cell(p, "PATCH /api/v1/legal-holds/{id}", "PATCH", "/api/v1/legal-holds/999999", hold_missing,
                          body={"until_date": "2026-11-23"}))
        cells.append(Cell(p, "GET /api/v1/retention-plans/{id}", "GET", "/api/v1/retention-plans/999999",
                          hold_missing))
        cells.append(Cell(p, "GET /api/v1/retention-plans/{id}/rows", "GET", "/api/v1/retention-plans/999999/rows",
                          hold_missing))
        cells.append(Cell(p, "POST /api/v1/retention-plans/{id}/approval", "POST",
                          "/api/v1/retention-plans/999999/approval", hold_missing, body={"rows_digest": "0" * 64}))
        cells.append(Cell(p, "POST /api/v1/retention-plans/{id}/run", "POST", "/api/v1/retention-plans/999999/run",
                          hold_missing, body={"confirm": False}))
        cells += self.index_cells(p, unauth)
        return cells

    def index_cells(self, p, unauth):
        """The person index routes (api_index.c): role gates, and partner rows under the partner_data label.
        Changes are sent with ids that do not exist, so an allowed role gets 404 and nothing changes; what the
        routes do is tested by the API cases (130-133)."""
        anon, cells = p is ANON, []
        child1 = self.fx.rec["F1"]["people"]

        def gate(roles, what):
            if anon:
                return unauth
            if p.role in roles:
                return ALLOW(what)
            return DENY({403}, "%s: not for %s" % (what, p.role))

        def gate_missing(roles, what):
            e = gate(roles, what)
            return DENY({404}, what + ": no such record", audited=False) if e.allow else e

        runs = gate(LINK_RUNNERS, "running the matching engine")
        cells.append(Cell(p, "GET /api/v1/link-runs", "GET", "/api/v1/link-runs", runs))
        if anon or p.role not in LINK_RUNNERS:   # a run is sent once, by the runners' own test (API case 130)
            cells.append(Cell(p, "POST /api/v1/link-runs", "POST", "/api/v1/link-runs", runs, body={}))
        cells.append(Cell(p, "POST /api/v1/link-runs", "POST", "/api/v1/link-runs",
                          gate_missing(LINK_RUNNERS, "running the matching engine")
                          if not anon and p.role in LINK_RUNNERS else runs,
                          body={"dataset": "matrix_no_such_dataset"}))
        # a partner's file imported from the web, as a job (what it does: tests/api/job_files.py): a one-row upload
        cells.append(Cell(p, "POST /api/v1/imports", "POST", "/api/v1/imports",
                          gate(LINK_RUNNERS, "importing partner data"),
                          body={"dataset": "matrix_upload", "mapping": {"id": "id", "family_name": "family_name"},
                                "csv": "id,family_name\nm1,Matrix\n"}))
        # background jobs (api_jobs.c): anyone signed in lists their own; a job that is not there, or is
        # another's, is absent (what they do: tests/api/jobs.py)
        mine = unauth if anon else ALLOW("the caller's own jobs")
        cells.append(Cell(p, "GET /api/v1/jobs", "GET", "/api/v1/jobs", mine))
        absent = unauth if anon else DENY({404}, "no such job", audited=False)
        cells.append(Cell(p, "GET /api/v1/jobs/{id}", "GET", "/api/v1/jobs/999999", absent))
        cells.append(Cell(p, "POST /api/v1/jobs/{id}/cancel", "POST", "/api/v1/jobs/999999/cancel", absent))
        cells.append(Cell(p, "GET /api/v1/jobs/{id}/output", "GET", "/api/v1/jobs/999999/output", absent))
        # the register of data-subject requests: governance's alone (what it does: API case 124)
        reg = gate(("governance",), "the register of data-subject requests")
        cells.append(Cell(p, "GET /api/v1/requests", "GET", "/api/v1/requests", reg))
        cells.append(Cell(p, "POST /api/v1/requests", "POST", "/api/v1/requests", reg,
                          body={"kind": "access", "person_id": child1, "requester": "parent",
                                "requester_name": "Matrix Parent", "received_on": "2026-11-20"}))
        reg_missing = gate_missing(("governance",), "the register of data-subject requests")
        cells.append(Cell(p, "GET /api/v1/requests/{id}", "GET", "/api/v1/requests/999999", reg_missing))
        cells.append(Cell(p, "POST /api/v1/requests/{id}/events", "POST", "/api/v1/requests/999999/events",
                          reg_missing, body={"event": "withdraw"}))
        cells.append(Cell(p, "GET /api/v1/requests/{id}/pack", "GET", "/api/v1/requests/999999/pack", reg_missing))
        cells.append(Cell(p, "POST /api/v1/requests/{id}/pack", "POST", "/api/v1/requests/999999/pack", reg_missing))
        cells.append(Cell(p, "POST /api/v1/people/{id}/objections", "POST", "/api/v1/people/%d/objections" % child1,
                          reg_missing, body={"request_id": 999999, "matching": True}))
        cells.append(Cell(p, "GET /api/v1/people/{id}/history", "GET", "/api/v1/people/999999/history", reg_missing))
        cells.append(Cell(p, "POST /api/v1/requests/{id}/erase", "POST", "/api/v1/requests/999999/erase", reg_missing,
                          body={"confirm": False}))
        cells.append(Cell(p, "GET /api/v1/disposals", "GET", "/api/v1/disposals", reg))
        cells.append(Cell(p, "GET /api/v1/disposals/{id}", "GET", "/api/v1/disposals/999999", reg_missing))
        # the register of breaches: governance's alone (API case 127)
        breaches = gate(("governance",), "the register of breaches")
        cells.append(Cell(p, "GET /api/v1/breaches", "GET", "/api/v1/breaches", breaches))
        cells.append(Cell(p, "POST /api/v1/breaches", "POST", "/api/v1/breaches", breaches,
                          body={"title": "Matrix", "what_happened": "Matrix: a breach registered.",
                                "discovered_at": "2026-11-20T09:00:00Z"}))
        b_missing = gate_missing(("governance",), "the register of breaches")
        cells.append(Cell(p, "GET /api/v1/breaches/{id}", "GET", "/api/v1/breaches/999999", b_missing))
        cells.append(Cell(p, "PATCH /api/v1/breaches/{id}", "PATCH", "/api/v1/breaches/999999", b_missing,
                          body={"title": "Matrix"}))
        review = gate(MATCH_REVIEWERS, "the match review queue")
        cells.append(Cell(p, "GET /api/v1/match-reviews", "GET", "/api/v1/match-reviews", review))
        cells.append(Cell(p, "GET /api/v1/merges", "GET", "/api/v1/merges", review))
        missing = gate_missing(MATCH_REVIEWERS, "the match review queue")
        cells.append(Cell(p, "GET /api/v1/match-reviews/{id}", "GET", "/api/v1/match-reviews/999999", missing))
        cells.append(Cell(p, "PATCH /api/v1/match-reviews/{id}", "PATCH", "/api/v1/match-reviews/999999", missing,
                          body={"decision": "different", "reason": "Matrix: not the same person."}))
        cells.append(Cell(p, "POST /api/v1/merges", "POST", "/api/v1/merges", missing,
                          body={"keep": 999998, "merge": 999999, "reason": "Matrix: the same person twice."}))
        cells.append(Cell(p, "POST /api/v1/merges/{id}/undo", "POST", "/api/v1/merges/999999/undo", missing,
                          body={"reason": "Matrix: merged by mistake."}))
        ident = gate(IDENTIFIERS, "the family identification list")
        cells.append(Cell(p, "GET /api/v1/identification", "GET", "/api/v1/identification", ident))
        cells.append(Cell(p, "POST /api/v1/families/{id}/identification", "POST",
                          "/api/v1/families/999999/identification",
                          gate_missing(IDENTIFIERS, "decisions on identified families"),
                          body={"decision": "not_now", "reason": "Matrix: look again next time."}))
        # the professionals' referral form: partner agencies send requests for support to the front door
        cells.append(Cell(p, "POST /api/v1/referral-form", "POST", "/api/v1/referral-form",
                          gate(("partner",), "the professionals' referral form"),
                          body={"child_given_name": "Matrix", "child_family_name": "Referred", "family_agrees": "yes",
                                "reason": "Matrix: the family asked for help with school attendance."}))
        cells.append(Cell(p, "GET /api/v1/identification/indicators", "GET", "/api/v1/identification/indicators",
                          unauth if anon else ALLOW("reference data", amb="reference")))
        # the returns (docs/returns.md): Ofsted's Annex A for governance and analysts, as a workbook or one list
        annex = gate(RETURNS_ROLES, "Ofsted's Annex A")
        cells.append(Cell(p, "GET /api/v1/returns/annex-a", "GET", "/api/v1/returns/annex-a?as_of=%s" % day(0), annex))
        cells.append(Cell(p, "GET /api/v1/returns/annex-a", "GET",
                          "/api/v1/returns/annex-a?as_of=%s&format=csv&list=2" % day(0), annex))
        # the same as a background job (tests/api/job_files.py: what it does): queued, 202
        cells.append(Cell(p, "POST /api/v1/returns/annex-a", "POST", "/api/v1/returns/annex-a", annex,
                          body={"as_of": day(0), "format": "csv", "list": "1"}))
        counts = gate(RETURNS_ROLES, "the published counts")
        cells.append(Cell(p, "GET /api/v1/returns/reach", "GET",
                          "/api/v1/returns/reach?from=%s&to=%s" % (day(-365), day(0)), counts,
                          check=lambda doc: [] if isinstance(doc, dict) and isinstance(doc.get("tables"), list)
                          else ["the answer has no tables: %s" % json.dumps(doc)[:200]]))
        # a research extract of the policy's first share (Durham's is identified): governance sends it; an
        # analyst works on pseudonymised shares only (refused, audited); nobody else
        research = (unauth if anon else ALLOW("governance sends the identified share") if p.role == "governance"
                    else DENY({403}, "an identified share: not for %s" % p.role))
        cells.append(Cell(p, "POST /api/v1/returns/research-extracts", "POST", "/api/v1/returns/research-extracts",
                          research, body={"from": day(-365), "to": day(0), "recipient_key": RECIPIENT_KEY}))
        # Supporting Families claims: the list, and a claim (for an episode that does not exist: 404, nothing made)
        cells.append(Cell(p, "GET /api/v1/claims", "GET", "/api/v1/claims", gate(CLAIMS_ROLES, "outcome claims")))
        cells.append(Cell(p, "POST /api/v1/claims", "POST", "/api/v1/claims",
                          gate_missing(CLAIMS_ROLES, "outcome claims"), body={"episode_id": 999999}))
        # worklists: every signed-in role may ask; each record on them is decided on its own (tests/web/run.py
        # checks what each role's list holds)
        for wl in ("caseload", "team", "front-door"):
            cells.append(Cell(p, "GET /api/v1/worklist/" + wl, "GET", "/api/v1/worklist/" + wl,
                              unauth if anon else ALLOW("a worklist: each record on it decided on its own"),
                              check=lambda doc: [] if isinstance(doc, dict) and isinstance(doc.get("items"), list)
                              else ["the answer is not {\"items\": [...]}: %s" % json.dumps(doc)[:200]]))
        d = dict(self.fx.known[("people", child1)], section="partner_data")
        cells.append(Cell(p, "GET /api/v1/people/{id}/partner-records", "GET",
                          "/api/v1/people/%d/partner-records" % child1, self.oracle.decide(p, "read", d)))
        return cells

    def run_all(self, cells):
        for c in cells:
            self.run(c)


def body_team(fx, body):
    """The team key of a created episode's owning_team_id."""
    return next(k for k, v in fx.team.items() if v == body.get("owning_team_id"))


def duty_body(family_id):
    return {"family_id": family_id, "purpose": "subject_access",
            "explanation": "Matrix: subject access request from the family."}


def glass_body(family_id):
    return {"family_id": family_id, "reason": "serious_risk_of_harm",
            "explanation": "Matrix: the police report a child at serious risk tonight."}


def grant_check(kind, family_id):
    def check(doc):
        if not isinstance(doc, dict):
            return ["the grant is not a JSON object"]
        missing = [k for k in ("id", "kind", "family_id", "person_id", "reason", "explanation", "granted_at",
                               "expires_at") if k not in doc]
        out = ["the grant lacks %s" % ", ".join(missing)] if missing else []
        if doc.get("kind") != kind or doc.get("family_id") != family_id:
            out.append("the grant is %r on family %r, expected %r on %r" % (doc.get("kind"), doc.get("family_id"),
                                                                            kind, family_id))
        return out
    return check


CREATE_BODY = {
    "people": {"given_name": "New", "family_name": "Matrixcreated", "sex": "F", "date_of_birth": "2015-01-01"},
    "former-names": {"family_name": "Formername"},
    "addresses": {"address_type": "previous", "line1": "3 Matrix Road"},
    "contact-details": {"kind": "email", "value": "matrix.new@example.org"},
    "families": {"name": "Matrixcreated household"},
    "contacts": {"received_on": day(0), "channel": "phone", "contactor_type": "public", "source_code": "9",
                 "reason": "Matrix: a new contact."},
    "phone-calls": {"called_at": NOW_MINUTE, "caller_type": "public", "summary": "Matrix: a new call."},
    "referrals": {"referred_on": day(0), "referrer_type": "self", "reasons": "Matrix: a new referral."},
    "consents": {"scope": "support", "method": "verbal", "given_on": day(0)},
    "sharing-bases": {"basis": "crime", "agency_type": "police", "reason": "Matrix: a new basis.",
                      "recorded_on": day(0)},
    "taf-members": {"name": "Matrix Named Professional", "from_date": day(0)},
    "assessments": {"started_on": day(0), "organisation": "Matrix"},
    "areas": {"area": "education_skills", "scale": 4},
    "needs": {"headline": "EDU", "framework": "2022-10"},
    "plans": {"agreed_on": day(0)},
    "goals": {"description": "Matrix: a new goal."},
    "actions": {"description": "Matrix: a new action."},
    "reviews": {"held_on": day(0), "outcome": "no_change"},
    "activities": {"activity_type": "one_to_one", "name": "Matrix new session", "attended_on": day(0)},
    "notes": {"note_type": "case_note", "occurred_at": NOW_MINUTE, "body": "Matrix: a new note."},
    "supervisions": {"supervised_on": day(0), "discussion": "Matrix: a new supervision."},
    "agencies": {"name": "Matrix new agency", "agency_type": "voluntary"},
}

# Harmless changes: nothing that moves a footing (no lead, team, TAF user, consent scope or dates).
PATCH_BODY = {
    "people": {"preferred_name": "Matrixpatched"},
    "former-names": {"source": "matrix patch"},
    "addresses": {"town": "Matrixtown"},
    "contact-details": {"source": "matrix patch"},
    "families": {"source": "matrix patch"},
    "members": {"in_household": True},
    "contacts": {"contactor_name": "Matrix Patched"},
    "children": {},
    "phone-calls": {"caller_name": "Matrix Patched"},
    "referrals": {"referrer_name": "Matrix Patched"},
    "consents": {"given_by_name": "Matrix Patched"},
    "sharing-bases": {"reason": "Matrix: reason patched."},
    "episodes": {"programme_id": "SF-MATRIX-1"},
    "taf-members": {"taf_role": "GP (patched)"},
    "assessments": {"summary": "Matrix: summary patched."},
    "areas": {"scale": 5},
    "needs": {"evidence": "Matrix: evidence patched."},
    "plans": {"agreed_on": day(-50)},
    "goals": {"description": "Matrix: goal patched."},
    "actions": {"owner_name": "Matrix Patched"},
    "reviews": {"notes": "Matrix: review patched."},
    "activities": {"provider": "Matrix provider"},
    "notes": {"subject": "Matrix: subject patched"},
    "supervisions": {"decisions": "Matrix: decisions patched."},
    "agencies": {"name": "Matrix Council Early Help"},
    "teams": {"name": "Locality A"},
}


# ---- the findings of issue 9: each a scenario that failed before the fix ----------------------------------------

def run_findings(m, fx, by):
    """Nobody widens their own or anyone else's access by recording something, and what lists and errors give
    away (issue 9, findings 1-6 and 9-12). Each scenario's cells are counted under 'finding N'."""
    F = {k: v["id"] for k, v in fx.fam.items()}
    r = fx.rec

    def cell(n, p, method, path, expect, body=None, check=None):
        saved, p.label = p.label, "finding %d %s" % (n, p.key)
        route = "%s %s" % (method, re.sub(r"/\d+", "/{id}", path.split("?")[0]))
        out = m.run(Cell(p, route, method, path, expect, body=body, check=check)) or (None, None)
        p.label = saved
        return out[1] if isinstance(out, tuple) else None

    def new_family(n, p, name):
        doc = cell(n, p, "POST", "/api/v1/families", ALLOW("a new family"), body={"name": name})
        return doc.get("id") if isinstance(doc, dict) else 0

    no_footing = DENY({403}, "no footing: what existed before the link stays behind its own footings")
    f4_child, f4_parent = r["F4"]["people"], r["F4"]["parent"]
    f4_address = r["F4"]["addresses"]

    # 1. Adding an existing person to a family one records opens nothing of theirs (a practitioner, a team
    #    manager, the front door); a person recorded with the family still opens to its recorder.
    for k, person in (("P1", f4_child), ("TM_A", f4_child), ("FD", f4_parent)):
        p = by[k]
        fam = new_family(1, p, "Finding one %s household" % k)
        cell(1, p, "POST", "/api/v1/families/%d/members" % fam, ALLOW("the link is recorded"),
             body={"person_id": person, "role": "other_adult"})
        cell(1, p, "GET", "/api/v1/people/%d" % person, no_footing)
        cell(1, p, "GET", "/api/v1/people/%d/addresses" % person, no_footing)
        cell(1, p, "GET", "/api/v1/addresses/%d" % f4_address, no_footing)
        cell(1, p, "GET", "/api/v1/people/%d/partner-records" % person, no_footing)
    p1 = by["P1"]
    fam = new_family(1, p1, "Finding one new household")
    doc = cell(1, p1, "POST", "/api/v1/people", ALLOW("a new person"),
               body={"given_name": "Newborn", "family_name": "Findingone", "sex": "F", "date_of_birth": day(-3)})
    newborn = doc.get("id") if isinstance(doc, dict) else 0
    cell(1, p1, "POST", "/api/v1/families/%d/members" % fam, ALLOW("the recorder's own person"),
         body={"person_id": newborn, "role": "child"})
    cell(1, p1, "GET", "/api/v1/people/%d" % newborn, ALLOW("recorded together: the recorder reads them"))

    # 2. A contact naming a known family opens nothing of it; triage sees its history only, and governance
    #    sees the contact in its list of links to known records.
    fd, g = by["FD"], by["G"]
    doc = cell(2, fd, "POST", "/api/v1/contacts", ALLOW("the front door records a contact"),
               body={"received_on": day(0), "channel": "phone", "contactor_type": "public", "source_code": "9",
                     "reason": "x", "family_id": F["F4"]})
    c2 = doc.get("id") if isinstance(doc, dict) else 0
    cell(2, fd, "GET", "/api/v1/families/%d" % F["F4"], no_footing)
    cell(2, fd, "GET", "/api/v1/families/%d/members" % F["F4"], no_footing)
    cell(2, fd, "GET", "/api/v1/people/%d" % f4_child, no_footing)
    cell(2, fd, "GET", "/api/v1/contacts/%d" % c2, ALLOW("the front door's own contact in triage"))

    def history_is_cards(doc):
        people = (doc or {}).get("people") or []
        ids = {x.get("id") for x in people}
        out = [] if {f4_child, f4_parent} <= ids else ["the history lacks F4's index cards: %r" % sorted(ids)]
        extra = {k for x in people for k in x} - {"id", "given_name", "family_name", "date_of_birth",
                                                   "expected_date", "sex"}
        if extra:
            out.append("the history shows more than index cards: %s" % ", ".join(sorted(extra)))
        eps = {e.get("id") for e in (doc or {}).get("open_episodes") or []}
        if r["F4"]["episodes"] not in eps:
            out.append("the history lacks F4's open episode")
        if r["F4"]["contacts"] not in {c.get("id") for c in (doc or {}).get("earlier_contacts") or []}:
            out.append("the history lacks F4's earlier contact")
        return out
    cell(2, fd, "GET", "/api/v1/contacts/%d/history" % c2, ALLOW("triage's history of what it names"),
         check=history_is_cards)
    cell(2, g, "GET", "/api/v1/governance/linked-records", ALLOW("governance's list"),
         check=lambda doc: [] if any(x.get("kind") == "contact_family" and x.get("id") == c2
                                     for x in (doc or {}).get("items") or [])
         else ["the contact naming a known family is not in governance's list"])

    # 3. The front door does not staff a case: no TAF member, no lead; the owning team's manager does.
    ep6 = r["F6"]["episodes"]
    cell(3, fd, "POST", "/api/v1/episodes/%d/taf-members" % ep6, DENY({403}, "the front door does not staff"),
         body={"user_id": by["PB"].user_id, "taf_role": "member", "from_date": day(0)})
    cell(3, fd, "PATCH", "/api/v1/episodes/%d" % ep6, DENY({403}, "the front door does not allocate"),
         body={"lead_user_id": by["PB"].user_id})
    cell(3, by["PB"], "GET", "/api/v1/episodes/%d/notes" % ep6, no_footing)
    cell(3, by["TM_A"], "POST", "/api/v1/episodes/%d/taf-members" % ep6, ALLOW("the owning team's manager"),
         body={"user_id": by["P3"].user_id, "taf_role": "member", "from_date": day(0)})

    # 4. A contact is not moved into a family its user does not work.
    ct1 = r["F1"]["contacts"]
    cell(4, p1, "PATCH", "/api/v1/contacts/%d" % ct1, DENY({403}, "moving a contact to an unrelated family"),
         body={"family_id": F["F4"]})
    cell(4, p1, "GET", "/api/v1/contacts/%d" % ct1, ALLOW("the contact still names F1"),
         check=lambda doc: [] if (doc or {}).get("family_id") == F["F1"] else ["the contact was moved"])

    # 5. A partner records nothing in a section not shared with its agency type: health visiting, on F1's team
    #    with a sharing basis since step 7, records a health area but no education one, no education need and
    #    no police information.
    h1 = by["H1"]
    a1 = r["F1"]["assessments"]
    cell(5, h1, "POST", "/api/v1/assessments/%d/areas" % a1, DENY({403}, "education is not health visiting's"),
         body={"area": "education_skills", "scale": 3})
    cell(5, h1, "POST", "/api/v1/assessments/%d/needs" % a1, DENY({403}, "an education need is not health's"),
         body={"headline": "EDU", "framework": "2022-10"})
    cell(5, h1, "POST", "/api/v1/episodes/%d/notes" % r["F1"]["episodes"],
         DENY({403}, "police information is not health visiting's"),
         body={"note_type": "case_note", "occurred_at": NOW_MINUTE, "body": "x", "sharing_label": "police_information"})
    cell(5, h1, "POST", "/api/v1/assessments/%d/areas" % a1, ALLOW("health is shared with health visiting"),
         body={"area": "health", "scale": 3})

    # 6. A lead or team member is someone who can work the case.
    tm = by["TM_A"]
    for k in ("ADMIN", "AN"):
        cell(6, tm, "PATCH", "/api/v1/episodes/%d" % r["F1"]["episodes"],
             DENY({422}, "%s can never open the case" % k, err="invalid_value", audited=False),
             body={"lead_user_id": by[k].user_id})
        cell(6, tm, "POST", "/api/v1/episodes/%d/taf-members" % r["F1"]["episodes"],
             DENY({422}, "%s can never open the case" % k, err="invalid_value", audited=False),
             body={"user_id": by[k].user_id, "taf_role": "member", "from_date": day(0)})

    # 1-3, by other routes: consent and sharing bases (which decide what partners see), an episode's dates
    #    (closing or reopening it) and a contact's decision (the front door's window) are not for everyone
    #    with a footing.
    p2 = by["P2"]
    cell(3, p2, "POST", "/api/v1/families/%d/sharing-bases" % F["F1"],
         DENY({403}, "a TAF member does not open the family to partners"),
         body={"basis": "crime", "agency_type": "police", "reason": "Matrix: widened by a member.",
               "recorded_on": day(0)})
    cell(3, by["P2"], "PATCH", "/api/v1/episodes/%d" % r["F1"]["episodes"],
         DENY({403}, "closing a case is the lead's or the manager's"),
         body={"end_date": day(0), "closure_reason": "needs_met"})
    ct2 = r["F2"]["contacts"]
    cell(2, fd, "PATCH", "/api/v1/contacts/%d" % ct2, ALLOW("the front door decides the contact"),
         body={"decision": "nfa", "decision_date": day(0), "decided_by": fd.user_id})
    cell(2, fd, "PATCH", "/api/v1/contacts/%d" % ct2, DENY({409}, "a decided contact is not reopened",
                                                         err="conflict"),
         body={"decision": None, "decision_date": None})
    cell(2, fd, "PATCH", "/api/v1/contacts/%d" % ct2, DENY({409}, "nor its decision moved later", err="conflict"),
         body={"decision_date": day(30)})

    # 9. A list page and its cursor tell nothing of records the caller may not see.
    def page(items, nxt):
        return lambda doc: [] if (len((doc or {}).get("items") or []) == items and (doc or {}).get("next") == nxt) \
            else ["expected %d items and next %r: %s" % (items, nxt, json.dumps(doc)[:200])]
    for k in ("AN", "ADMIN", "S1"):
        cell(9, by[k], "GET", "/api/v1/people?limit=1&after=0&family_name=Matrixfour", ALLOW("nothing visible"),
             check=page(0, None))
    cell(9, by["TM_B"], "GET", "/api/v1/people?limit=1&family_name=Matrixone", ALLOW("nothing visible"),
         check=page(0, None))
    cell(9, p1, "GET", "/api/v1/people?limit=1&family_name=Matrixone", ALLOW("the first page is never empty"),
         check=page(1, str(r["F1"]["people"])))

    # 10. A restricted person is answered as nobody would be, for everyone but governance.
    rp = r["F1"]["restricted"]
    f5 = new_family(10, p1, "Finding ten household")
    got = {}
    for pid in (rp, 99999999):
        doc = cell(10, p1, "POST", "/api/v1/families/%d/members" % f5,
                   DENY({422}, "a restricted person is refused as an unknown one", err="invalid_value",
                        audited=False),
                   body={"person_id": pid, "role": "child"})
        got[pid] = ((doc or {}).get("error") or {}).get("detail")
    if got[rp] != got[99999999]:
        m.result("finding 10", False, "finding 10: the refusal for a restricted person (%r) differs from an "
                                      "unknown one (%r)" % (got[rp], got[99999999]))
    else:
        m.result("finding 10", True)
    cell(10, by["S1"], "GET", "/api/v1/people/%d" % rp, DENY({404}, "restricted: as if absent, on a footing"))
    cell(10, by["TM_B"], "GET", "/api/v1/people/%d" % rp, DENY({403}, "restricted: as anyone unrelated"))
    cell(10, by["TM_B"], "GET", "/api/v1/people/%d" % r["F1"]["parent"], DENY({403}, "unrelated"))
    doc = cell(10, p1, "POST", "/api/v1/families/%d/members" % F["F1"],
               DENY({409}, "already a member", err="conflict", audited=False),
               body={"person_id": r["F1"]["parent"], "role": "parent"})
    text = json.dumps(doc or {})
    m.result("finding 10", not re.search(r"UNIQUE|constraint|SQL|sqlite|family_member\.", text),
             "finding 10: an error carries SQL text: %s" % text[:200])

    # 11. Police and health notes reach only those whose role needs them.
    for label in ("police_information", "health_information"):
        nid = r["F1"]["note_" + label]
        cell(11, by["P2"], "GET", "/api/v1/notes/%d" % nid, DENY({404}, "a TAF practitioner does not see %s" % label))
        cell(11, p1, "GET", "/api/v1/notes/%d" % nid, ALLOW("the lead sees %s" % label))
        cell(11, by["TM_A"], "GET", "/api/v1/notes/%d" % nid, ALLOW("the manager sees %s" % label))

    # 12. A duty is limited to its purpose: subject access reads and does not edit; rectification corrects.
    g4 = dict(family_id=F["F4"], explanation="Matrix: the family asked for a copy of their records.")
    cell(12, g, "POST", "/api/v1/access/duties", ALLOW("a subject access duty"), body=dict(g4, purpose="subject_access"))
    note4 = r["F4"]["notes"]
    cell(12, g, "GET", "/api/v1/notes/%d" % note4, ALLOW("subject access reads"))
    cell(12, g, "PATCH", "/api/v1/notes/%d" % note4, DENY({403}, "subject access does not edit"),
         body={"subject": "Matrix: edited under subject access"})
    cell(12, g, "POST", "/api/v1/access/duties", ALLOW("a rectification duty"),
         body=dict(g4, purpose="rectification", explanation="Matrix: the family asked for a correction."))
    cell(12, g, "PATCH", "/api/v1/notes/%d" % note4, ALLOW("rectification corrects"),
         body={"subject": "Matrix: corrected on request"})


# ---- the run ---------------------------------------------------------------------------------------------------

def principals():
    P = Principal
    return [
        P("P1", "matrix.p1", "practitioner", "A", "eh", "team A practitioner, lead of F1, recorder of F5"),
        P("P2", "matrix.p2", "practitioner", "A", "eh", "team A practitioner on F1's Team Around the Family"),
        P("P3", "matrix.p3", "practitioner", "A", "eh", "team A practitioner who left F1's TAF 10 days ago"),
        P("PB", "matrix.pb", "practitioner", "B", "eh", "team B practitioner (another team), lead of F4"),
        P("TM_A", "matrix.tma", "team_manager", "A", "eh", "manager of team A (owns F1)"),
        P("TM_B", "matrix.tmb", "team_manager", "B", "eh", "manager of team B (owns F4)"),
        P("S1", "matrix.s1", "partner", "school", "school", "school partner on F1's TAF, consent covers school"),
        P("H1", "matrix.h1", "partner", "hv", "hv", "health visitor on F1's TAF, no consent for the type"),
        P("FD", "matrix.fd", "front_door", "front_door", "eh", "front door: F2 in triage, F3 decided 60 days ago"),
        P("G", "matrix.gov", "governance", "governance", "eh", "governance, first without a duty"),
        P("ADMIN", "matrix.admin", "admin", "admin", "eh", "administrator"),
        P("AN", "matrix.an", "analyst", "analysis", "eh", "analyst"),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True, help="path to the hearth program")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    ap.add_argument("--verbose", action="store_true", help="print every cell, not only the failures")
    args = ap.parse_args()
    hearth = os.path.abspath(args.hearth)
    tmp = tempfile.mkdtemp(prefix="hearth-access-")
    logins = os.path.join(tmp, "logins.json")
    ps = principals()
    by = {p.key: p for p in ps}
    fx = Fixture(hearth, tmp)
    fx.build(ps, logins)
    fx.con.commit()
    server = api.Server(hearth, fx.db)
    m = Matrix(fx, server, args.verbose)
    for p in ps:
        print("# %-5s %-13s %s" % (p.key, p.role, p.what))
    F = {k: v["id"] for k, v in fx.fam.items()}
    print("# families: F1 %d (team A), F2 %d (in triage), F3 %d (decided 60 days ago), F4 %d (team B), "
          "F5 %d (recorded by P1), F6 %d (in triage, episode open); restricted person %d" %
          (F["F1"], F["F2"], F["F3"], F["F4"], F["F5"], F["F6"], fx.rec["F1"]["restricted"]))

    # 1. Everyone signs in (POST /api/v1/session is public: each sign-in is that route's cell for its user).
    for p in ps:
        try:
            api.sign_in(server.port, logins, p.username)
            p.token = api.SESSION["token"]
            ok = api.SESSION["user_id"] == p.user_id
            m.result(p.label, ok, "%s POST /api/v1/session: signed in as user %s, expected %s" %
                     (p.label, api.SESSION["user_id"], p.user_id))
        except SystemExit as e:
            m.result(p.label, False, "%s POST /api/v1/session: %s" % (p.label, e))
        m.route_cells["POST /api/v1/session"] += 1
        m.sent.add(("POST /api/v1/session", p.key))
    api.SESSION["token"] = None
    m.skip("anon", "POST /api/v1/session", "signing in is each user's first cell")
    m.skip("anon", "DELETE /api/v1/session", "nobody signed in has no session to end")
    m.skip("anon", "PATCH /api/v1/governance/reviews/{id}", "sent only once a grant exists: see each user's row")

    # 2. Nobody signed in: every route but the public ones answers 401, audited.
    m.run_all(m.fixed_cells(ANON, "base") + m.resource_cells(ANON, "F1", True))

    # 3. Every principal before any grant: F1 for all; the other families where the relationship is about them.
    extra = {"P1": ["F4", "F5"], "P2": ["F5"], "PB": ["F4"], "TM_A": ["F4"], "TM_B": ["F4"],
             "FD": ["F2", "F3", "F6"]}
    for p in ps:
        m.run_all(m.fixed_cells(p, "base") + m.resource_cells(p, "F1", True))
        for fam in extra.get(p.key, []):
            m.run_all(m.resource_cells(p, fam, False))

    # 4. Break glass: PB (denied on F1 above) breaks glass on F1, then works F1.
    pb, g = by["PB"], by["G"]
    _, grant = m.run(Cell(pb, "POST /api/v1/access/break-glass", "POST", "/api/v1/access/break-glass",
                          ALLOW("practitioner breaks glass"), body=glass_body(F["F1"]),
                          check=grant_check("break_glass", F["F1"]))) or (None, None)
    grant_id = grant.get("id") if isinstance(grant, dict) else None
    pb.glass.add("F1")
    pb.label = "PB+glass"
    m.run_all(m.fixed_cells(pb, "glass") + m.resource_cells(pb, "F1", True))

    # 5. The review queue: G (still without a duty) sees the grant and records an outcome; nobody else may.
    def queue_has_grant(doc):
        items = (doc or {}).get("items") if isinstance(doc, dict) else None
        hit = [it for it in items or [] if isinstance(it, dict) and it.get("id") == grant_id]
        if not hit:
            return ["break-glass grant %s is not in the open review queue" % grant_id]
        return [] if hit[0].get("user_id") == pb.user_id else ["grant %s shows user_id %r, expected %d" % (
            grant_id, hit[0].get("user_id"), pb.user_id)]
    m.run(Cell(g, "GET /api/v1/governance/reviews", "GET", "/api/v1/governance/reviews",
               ALLOW("governance reads the queue"), check=queue_has_grant))
    review_path = "/api/v1/governance/reviews/%s" % (grant_id or 0)
    review = {"outcome": "justified", "note": "Matrix: police report confirmed."}
    m.run(Cell(g, "PATCH /api/v1/governance/reviews/{id}", "PATCH", review_path, ALLOW("governance reviews"),
               body=review, check=lambda doc: [] if isinstance(doc, dict) and doc.get("review_outcome") == "justified"
               else ["the answer does not show review_outcome justified: %s" % json.dumps(doc)[:200]]))
    for p in ps:
        if p.role != "governance":
            m.run(Cell(p, "PATCH /api/v1/governance/reviews/{id}", "PATCH", review_path,
                       DENY({403}, "only governance reviews break glass"), body=review))

    # 6. G takes a duty on F1, then works F1 (and not F4); a second review of the same grant is a conflict.
    m.run(Cell(g, "POST /api/v1/access/duties", "POST", "/api/v1/access/duties", ALLOW("governance takes a duty"),
               body=duty_body(F["F1"]), check=grant_check("duty", F["F1"])))
    g.duties.add("F1")
    g.label = "G+duty"
    m.run(Cell(g, "PATCH /api/v1/governance/reviews/{id}", "PATCH", review_path,
               Expect(False, {409}, "already reviewed", err="conflict", audited=False), body=review))
    m.run_all(m.fixed_cells(g, "duty") + m.resource_cells(g, "F1", True) + m.resource_cells(g, "F4", False))

    # 7. A sharing basis for health visiting opens F1 to H1 (its shared sections only).
    p1, h1, s1 = by["P1"], by["H1"], by["S1"]
    m.run(Cell(p1, "POST /api/v1/families/{id}/sharing-bases", "POST", "/api/v1/families/%d/sharing-bases" % F["F1"],
               ALLOW("lead records a sharing basis"),
               body={"basis": "safeguarding", "agency_type": "health_visiting",
                     "reason": "Matrix: health visitor must know of the risk.", "recorded_on": day(0)},
               register={"res": "sharing-bases", "family": "F1", "parent": F["F1"]}))
    fx.fam["F1"]["basis"].add("health_visiting")
    h1.label = "H1+basis"
    m.run_all(m.resource_cells(h1, "F1", False, reads_only=True))

    # 8. The school's consent is withdrawn: S1 loses F1 at once.
    m.run(Cell(p1, "PATCH /api/v1/consents/{id}", "PATCH", "/api/v1/consents/%d" % fx.rec["F1"]["consent_share"],
               ALLOW("lead records the withdrawal"), body={"withdrawn_on": day(0)}))
    fx.fam["F1"]["consent"].discard("school")
    s1.label = "S1-consent"
    m.run_all(m.resource_cells(s1, "F1", False, reads_only=True))

    # 9. Restriction: lifting it opens the person to the lead at once; restricting again hides them.
    rp = fx.rec["F1"]["restricted"]
    rpath = "/api/v1/people/%d/restriction" % rp

    def answers(value):
        return lambda doc: [] if isinstance(doc, dict) and doc.get("restricted") is value and doc.get("id") == rp \
            else ["the answer is not {\"id\": %d, \"restricted\": %s}: %s" % (rp, json.dumps(value),
                                                                            json.dumps(doc)[:200])]
    m.run(Cell(g, "POST /api/v1/people/{id}/restriction", "POST", rpath, ALLOW("governance lifts the restriction"),
               body={"restricted": False, "reason": "Matrix: lifted."}, check=answers(False)))
    p1.label = "P1"
    m.run(Cell(p1, "GET /api/v1/people/{id}", "GET", "/api/v1/people/%d" % rp, ALLOW("lifted: lead reads")))
    m.run(Cell(g, "POST /api/v1/people/{id}/restriction", "POST", rpath, ALLOW("governance restricts"),
               body={"restricted": True, "reason": "Matrix: restricted again."}, check=answers(True)))
    m.run(Cell(p1, "GET /api/v1/people/{id}", "GET", "/api/v1/people/%d" % rp, DENY({404}, "restricted again")))

    # 10. Every other case role may break glass too (on F3, which nobody else touches afterwards).
    for k in ("P1", "P2", "P3", "TM_A", "TM_B", "FD"):
        m.run(Cell(by[k], "POST /api/v1/access/break-glass", "POST", "/api/v1/access/break-glass",
                   ALLOW("%s breaks glass" % by[k].role), body=glass_body(F["F3"]),
                   check=grant_check("break_glass", F["F3"])))

    # 10b. The findings of issue 9, each a scenario of its own.
    run_findings(m, fx, by)

    # 11. Everyone signs out.
    for p in ps:
        m.run(Cell(p, "DELETE /api/v1/session", "DELETE", "/api/v1/session", ALLOW("sign out")))

    # Every route of the table has cells; every row of the matrix is a route of the table.
    try:
        table = table_routes()
    except SystemExit as e:
        table = []
        m.result("routes", False, str(e))
    for route in table:
        if route not in m.route_cells:
            m.result("routes", False, "route %s has no access-matrix row" % route)
    # ... and every principal was sent every route (or the reason it was not is printed above).
    skipped = {(route, who) for who, route, _ in m.skipped}
    for route in table:
        for p in [ANON] + ps:
            if (route, p.key) not in m.sent and (route, p.key) not in skipped:
                m.result("routes", False, "route %s was never sent as %s" % (route, p.key))
    missing = [r for r in matrix_routes() if r not in table]
    for route in missing:
        print("note: route %s (docs/access.md) is not in src/api/api_routes.c yet: its cells were sent anyway" % route)

    alive = server.alive()
    if not alive:
        m.result("server", False, "server: it exited (status %s) during the run\n    %s" %
                 (server.proc.returncode, "\n    ".join(server.log[-20:])))
    problem = server.stop() if alive else None
    m.result("server", problem is None, "server-shutdown: %s" % problem)
    v = subprocess.run([hearth, "audit", "verify", "--db", fx.db, "--public-key", testdb.pubkey(fx.db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    m.result("audit", v.returncode == 0, "audit verify exited %d: %s %s" % (v.returncode, v.stdout.decode().strip(),
                                                                            v.stderr.decode().strip()))

    for who, route, why in m.skipped:
        print("not sent: %s %s (%s)" % (who, route, why))
    for key in sorted(m.amb_seen):
        seen = ", ".join("%d x%d" % sc for sc in sorted(m.amb_seen[key].items()))
        print("open in docs/access.md: %s [server answered %s]" % (AMB[key], seen))
    for label, (ok, bad) in m.per.items():
        print("principal %s: %d passed, %d failed" % (label, ok, bad))
    if args.keep:
        with open(os.path.join(tmp, "server.log"), "w", encoding="utf-8") as f:
            f.write("\n".join(server.log) + "\n")
        print("kept " + tmp)
    else:
        m.audit.close()
        fx.con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d passed, %d failed" % (testdb.suite("access"), m.passed, m.failed))
    return 1 if m.failed else 0


if __name__ == "__main__":
    sys.exit(main())
