#!/usr/bin/env python3
"""bench/frontdoor_client.py: the client of bench/frontdoor. It asks Hearth "is this person already known?"
(POST /api/v1/people/matches) one request at a time on one keep-alive connection per server, times each
request from sending it to reading the last byte of the answer, and checks the answers.

Requests are built from a `hearth link synth` PARTNER.csv and TRUTH.csv and the loader's MAP.csv (which index
person each index row became):
  known  partner rows that are index people recorded again with at least one difference in name or date of
         birth (nickname, typo, changed or capitalised family name, day and month swapped, ...); the answer
         should hold the true person (recall in the top answer and in all the answers, at most ten);
  new    partner rows of people not in the index; an answer here is a false suggestion.
Each request carries what the partner row holds: names, date of birth, sex, postcode, NHS number, NINO.

A side named NAME-contact asks within a contact, as the front door does when it records one (docs/access.md,
"already known?" within a contact): before each match it records a contact carrying the address the caller
gave (the partner row's postcode as the contact's family_postcode; a postcode Hearth refuses is left out, as
the front door would) and the child it is about (POST /api/v1/people with the names, date of birth, sex and
identifiers, then POST /api/v1/contacts/{id}/children, whose answer carries the duplicate warning: that is
"recording a known person" on this side), and times POST /api/v1/contacts/{id}/matches {"person_id"}: the
contact's children checked against the index with the contact's postcode and the child's recorded
identifiers counting. The contact names the family too (family_named(): the household's other people the
partner holds, or made-up relatives for a new person), each recorded and named on it, whose likeness to the
people living with a candidate counts. Each block's contacts and children are recorded first, then its checks asked and
timed, as the free search's are, away from the commits and audit batches of the writes just made
(--interleave: each check straight after its own writes). These sides record people, so they ask after the
free-search sides have asked all their questions (a person recorded here would otherwise be a namesake
answered to them). Other sides ask the
free search (POST /api/v1/people/matches with the postcode in the body).

With several servers (--server NAME URL TOKEN SYNTH_DIR, repeated; TOKEN may be @FILE, read from FILE) the
requests go in blocks, alternately, in ABBA order, so that drift during the run falls on every side. Sides on
one SYNTH_DIR (two users of one server) ask the same questions. A warm-up of --warmup requests per server,
not counted, comes first. --creates N then records N known people (POST /api/v1/people) on each server and
times those requests too: a person recorded answers "possible_duplicates", found by the same check.

Fails (exit 1) on any non-2xx answer, or if a restricted or merged person is ever answered. Writes its
figures as JSON (--json) and prints them.
"""
import argparse
import csv
import http.client
import json
import os
import random
import sys
import time
import urllib.parse


def iso(dmy):
    """'16/02/1962' -> '1962-02-16'; None when missing or malformed."""
    if len(dmy) == 10 and dmy[2] == "/" and dmy[5] == "/":
        return dmy[6:] + "-" + dmy[3:5] + "-" + dmy[:2]
    return None


def sex_code(s):
    return {"M": "M", "Male": "M", "F": "F", "Female": "F"}.get(s.strip())


def body_of(row, with_address=True):
    b = {
        "given_name": row["given_name"] or None,
        "family_name": row["family_name"] or None,
        "date_of_birth": iso(row["date_of_birth"]),
        "sex": sex_code(row["sex"]),
        "nhs_number": row["nhs_number"] or None,
        "nino": row["nino"] or None,
    }
    if with_address:
        b["postcode"] = row["postcode"] or None
    return {k: v for k, v in b.items() if v is not None}


def differs(p, i):
    """The kinds of difference between a partner row p and its index row i, as a list of labels."""
    kinds = []
    if p["given_name"].lower() != i["given_name"].lower():
        kinds.append("given name")
    if p["family_name"].lower() != i["family_name"].lower():
        kinds.append("family name")
    if p["date_of_birth"] != i["date_of_birth"]:
        a, b = p["date_of_birth"], i["date_of_birth"]
        swapped = len(a) == 10 and len(b) == 10 and a[:2] == b[3:5] and a[3:5] == b[:2] and a[6:] == b[6:]
        kinds.append("day/month swapped" if swapped else "date of birth")
    return kinds


_drawn = {}


def draw(synth, nknown, nnew, ncreate, rng):
    """The restricted and merged people, the people to record and the match requests for one synth dir: drawn
    once per dir (two users of one server ask the same questions), reading the files a row at a time where it
    can, so that a five-million-person index fits in memory."""
    if synth in _drawn:
        return _drawn[synth]
    person_of, special = {}, set()
    with open(synth + "/map.csv", newline="") as f:
        for r in csv.DictReader(f):
            person_of[r["index_id"]] = int(r["person_id"])
            if r["state"]:
                special.add(int(r["person_id"]))
    truth = {}
    with open(synth + "/truth.csv", newline="") as f:
        for r in csv.DictReader(f):
            truth[r["partner_id"]] = r["index_id"]
    with open(synth + "/partner.csv", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        partner = [tuple(r) for r in rows]  # tuples: a fifth of the memory of dicts at five million
    rng.shuffle(partner)
    at = header.index("id")
    # The known people: index people whose partner row differs from their index row in name or date of
    # birth (about one in seven of them; the others differ only in address or identifiers, or not at all),
    # looked for among the first of the shuffled rows (fifty times as many as wanted, then all of them).
    known_candidates = []
    for r in partner:
        if r[at] in truth and person_of[truth[r[at]]] not in special:
            known_candidates.append(dict(zip(header, r)))
            if len(known_candidates) == 50 * (nknown + ncreate):
                break
    want = {truth[p["id"]] for p in known_candidates}
    index = {}
    with open(synth + "/index.csv", newline="") as f:
        for r in csv.reader(f):
            if r[0] in want:
                index[r[0]] = {"given_name": r[1], "family_name": r[2], "date_of_birth": r[4]}
    known = []
    for p in known_candidates:
        kinds = differs(p, index[truth[p["id"]]])
        if kinds:
            known.append((p, person_of[truth[p["id"]]], kinds))
            if len(known) == nknown + ncreate:
                break
    if len(known) < nknown + ncreate:
        sys.exit("frontdoor_client: only %d index people re-entered with a difference in name or date of birth "
                 "in %s (wanted %d: --known plus --creates); make that index bigger or ask for fewer"
                 % (len(known), synth, nknown + ncreate))
    new, others = [], []  # others: new people never asked about, whom made-up relatives are drawn from
    for r in partner:
        if len(others) == nnew:
            break
        if r[at] not in truth:
            (new if len(new) < nnew else others).append(dict(zip(header, r)))
    if len(new) < nnew:
        sys.exit("frontdoor_client: only %d new people in %s (wanted %d)" % (len(new), synth, nnew))
    creates = known[nknown:nknown + ncreate]
    family = family_named(synth, header, partner, truth, [truth[p["id"]] for p, _, _ in known[:nknown]],
                          {truth[p["id"]] for p, _, _ in known}, new, others or new, rng)
    requests = [("known", body_of(p), pid, kinds, fam) for (p, pid, kinds), fam in zip(known[:nknown], family)]
    requests += [("new", body_of(p), None, [], fam) for p, fam in zip(new, family[nknown:])]
    rng.shuffle(requests)
    del partner, person_of, truth, index, known_candidates
    _drawn[synth] = (special, creates, requests)
    return _drawn[synth]


def family_named(synth, header, partner, truth, known_ids, asked, new, others, rng):
    """The family each contact names besides the person asked about, for the contact sides: for a known person,
    the other people of their household (people of the index at the same address: parents, children, partners)
    that the partner's file holds, as its rows say (with their own errors); for a new person, as many made-up
    relatives, drawn in the same proportions: the given names, dates of birth and sex of new people not asked
    about (others) under the new person's family name. Nobody asked about (asked: the index ids of the known
    people and those recorded) is named as a relative: a relative is recorded, and would be answered when asked
    about later. A list of request bodies per known person (in the order of known_ids), then per new person.
    """
    homes = {}
    want = set(known_ids)
    with open(synth + "/index.csv", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for r in rows:
            if r[0] in want:
                homes[r[0]] = (r[5], r[8])
    keys = set(homes.values())
    members = {}
    with open(synth + "/index.csv", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for r in rows:
            if (r[5], r[8]) in keys:
                members.setdefault((r[5], r[8]), []).append(r[0])
    held = {}  # index id -> partner row id, for the members only
    needed = {m for ms in members.values() for m in ms}
    for pid, iid in truth.items():
        if iid in needed:
            held[iid] = pid
    at = header.index("id")
    hv = set(held.values())
    rows_of = {r[at]: dict(zip(header, r)) for r in partner if r[at] in hv}
    out = []
    for iid in known_ids:
        out.append([body_of(rows_of[held[m]], with_address=False)
                    for m in members.get(homes[iid], []) if m != iid and m in held and m not in asked])
    sizes = [len(f) for f in out] or [0]
    for p in new:
        k = rng.choice(sizes)
        made = []
        for c in rng.sample(others, k) if k < len(others) else []:
            b = body_of(c, with_address=False)
            if p["family_name"]:
                b["family_name"] = p["family_name"]
            b.pop("nhs_number", None)
            b.pop("nino", None)
            made.append(b)
        out.append(made)
    return out


class Side:
    """One server and the requests made for its index."""

    def __init__(self, name, url, token, synth, nknown, nnew, ncreate, rng):
        self.name = name
        self.contact_path = name.endswith("-contact")
        self.misses = []
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        if token.startswith("@"):  # @FILE: the token is in FILE
            with open(token[1:]) as f:
                token = f.read().strip()
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.special, self.creates, self.requests = draw(synth, nknown, nnew, ncreate, rng)
        self.lat = {"known": [], "new": [], "create": []}
        self.found_top = self.found_any = 0
        self.by_kind = {}  # difference -> [requests, found in the answers]
        self.new_answered = self.new_linked = 0
        self.answers = 0
        self.create_found = 0

    def post(self, path, body, refused=()):
        data = json.dumps(body).encode()
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        for attempt in (1, 2):
            t0 = time.perf_counter_ns()
            try:
                self.conn.request("POST", path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # the server closes a connection idle for longer than its time-out (while the other sides
                # ask): open another, and time the request again from the start
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        t1 = time.perf_counter_ns()
        if r.status // 100 != 2 and r.status in refused:
            return None, json.loads(raw)
        if r.status // 100 != 2:
            sys.exit("frontdoor_client: %s: POST %s answered %d: %s (body %s)"
                     % (self.name, path, r.status, raw[:300].decode(errors="replace"), json.dumps(body)))
        return (t1 - t0) / 1e6, json.loads(raw)

    def contact(self, postcode):
        """A contact recorded as the front door records one, carrying the family's postcode the caller gave;
        its id. Not timed: the match and the warning are."""
        body = {"received_on": time.strftime("%Y-%m-%d", time.gmtime()), "channel": "phone", "contactor_type": "professional",
                "source_code": "1A", "reason": "Worried about the child (bench/frontdoor)."}
        if postcode:
            body["family_postcode"] = postcode
        ms, out = self.post("/api/v1/contacts", body, refused=(422,))
        if ms is None and postcode:  # a mistyped postcode Hearth refuses: recorded without it
            del body["family_postcode"]
            ms, out = self.post("/api/v1/contacts", body)
        elif ms is None:
            sys.exit("frontdoor_client: %s: POST /api/v1/contacts answered 422: %s" % (self.name, json.dumps(out)))
        return out["id"]

    def person(self, body):
        """Record a person (POST /api/v1/people) from body (no address); their id and the answer."""
        body = dict(body)
        body.pop("postcode", None)
        body.setdefault("sex", "U")  # required when recording a person; a partner row may not have it
        ms, out = self.post("/api/v1/people", body, refused=(422,))
        if ms is None and out.get("error", {}).get("code") == "invalid_identifier":
            # a partner's row may carry a mistyped identifier that fails its check digit: Hearth refuses it,
            # and the person is recorded without it, as the front door would
            for k in ("nhs_number", "nino"):
                body.pop(k, None)
            ms, out = self.post("/api/v1/people", body)
        elif ms is None:
            sys.exit("frontdoor_client: %s: POST /api/v1/people answered 422: %s (body %s)"
                     % (self.name, json.dumps(out)[:300], json.dumps(body)))
        return out["id"], ms, out

    def record(self, req):
        """The front door's writes before its check, for a contact side: the contact carrying the postcode the
        caller gave, the child recorded and named on it. (contact id, child id)."""
        body = req[1]
        cid = self.contact(body.get("postcode"))
        child = self.person(body)[0]
        self.post("/api/v1/contacts/%d/children" % cid, {"person_id": child})
        for other in req[4]:  # the family the contact names besides them: the household's other children
            self.post("/api/v1/contacts/%d/children" % cid, {"person_id": self.person(other)[0]})
        return cid, child

    def match(self, req, count=True, recorded=None):
        kind, body, pid, kinds = req[:4]
        if self.contact_path and not count:
            # a warm-up asks about the person being typed, recording nobody: the counted request records them
            within = {k: v for k, v in body.items() if k != "postcode"}
            self.post("/api/v1/contacts/%d/matches" % self.contact(body.get("postcode")), within)
            return
        if self.contact_path:
            cid, child = recorded or self.record(req)
            ms, out = self.post("/api/v1/contacts/%d/matches" % cid, {"person_id": child})
        else:
            ms, out = self.post("/api/v1/people/matches", body)
        if not count:
            return
        ids = [it["person"]["id"] for it in out["items"]]
        bad = self.special.intersection(ids)
        if bad:
            sys.exit("frontdoor_client: %s: restricted or merged people answered: %s" % (self.name, sorted(bad)))
        self.lat[kind].append(ms)
        self.answers += len(ids)
        if (kind == "known" and pid not in ids) or (kind == "new" and ids):
            self.misses.append({"side": self.name, "kind": kind, "request": body, "expected": pid,
                                "differs": kinds, "answer": out})
        if kind == "known":
            self.found_top += bool(ids) and ids[0] == pid
            self.found_any += pid in ids
            for k in kinds:
                c = self.by_kind.setdefault(k, [0, 0])
                c[0] += 1
                c[1] += pid in ids
        else:
            self.new_answered += bool(ids)
            self.new_linked += any(it["suggestion"] == "link" for it in out["items"])

    def create(self, p, pid):
        body = body_of(p, with_address=False)
        new_id, ms, out = self.person(body)
        if self.contact_path:  # named a child of a contact carrying the postcode: the warning to judge
            cid = self.contact(p["postcode"] or None)
            ms, out = self.post("/api/v1/contacts/%d/children" % cid, {"person_id": new_id})
        ids = [d["id"] for d in out.get("possible_duplicates", [])]
        bad = self.special.intersection(ids)
        if bad:
            sys.exit("frontdoor_client: %s: restricted or merged people warned of: %s" % (self.name, sorted(bad)))
        self.lat["create"].append(ms)
        self.create_found += pid in ids
        if pid not in ids:
            self.misses.append({"side": self.name, "kind": "create", "request": body, "expected": pid,
                                "answer": out.get("possible_duplicates", [])})


def pct(xs, q):
    """The q-th percentile (nearest rank) of xs."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(-(-q * len(s) // 100)) - 1))]


def summary(xs):
    return {"n": len(xs), "p50": pct(xs, 50), "p95": pct(xs, 95), "p99": pct(xs, 99), "max": max(xs),
            "mean": sum(xs) / len(xs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", nargs=4, action="append", required=True,
                    metavar=("NAME", "URL", "TOKEN", "SYNTH_DIR"))
    ap.add_argument("--known", type=int, default=2000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--creates", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--block", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--interleave", action="store_true",
                    help="contact sides: record each contact and child straight before its check, instead of a "
                    "block's writes first and then its checks")
    ap.add_argument("--json")
    ap.add_argument("--misses", help="write each known request whose answers miss the true person, and each new "
                    "person answered with someone, as JSON lines (request, expected person, answer) to this file")
    a = ap.parse_args()
    # each side draws its requests from a generator of its own, seeded by --seed and its synth dir's name: two sides
    # on one index (two users of one server) ask the same questions
    sides = [Side(n, u, t, d, a.known, a.new, a.creates,
                  random.Random("%d:%s" % (a.seed, os.path.basename(os.path.normpath(d)))))
             for n, u, t, d in a.server]

    for s in sides:  # warm-up: the first requests of each kind, again later, not counted
        for req in s.requests[: a.warmup]:
            s.match(req, count=False)
    total = len(sides[0].requests)
    # the free-search sides first, then the contact sides (which record people), each group in ABBA blocks
    for group in ([s for s in sides if not s.contact_path], [s for s in sides if s.contact_path]):
        for b, start in enumerate(range(0, total, a.block)):
            order = group if b % 2 == 0 else group[::-1]
            for s in order:
                block = s.requests[start:start + a.block]
                # a contact side records its block's contacts and children first, then asks: the checks are
                # timed as the free search's are, not in the wake of the commits and audit batches of the
                # writes just made (the figure with a write straight before each check: --interleave)
                recorded = [s.record(req) for req in block] if s.contact_path and not a.interleave else []
                for i, req in enumerate(block):
                    s.match(req, recorded=recorded[i] if recorded else None)
    for b, start in enumerate(range(0, a.creates, max(1, a.block // 4))):
        order = sides if b % 2 == 0 else sides[::-1]
        for s in order:
            for p, pid, _ in s.creates[start:start + max(1, a.block // 4)]:
                s.create(p, pid)

    out = {}
    for s in sides:
        allm = s.lat["known"] + s.lat["new"]
        nk = len(s.lat["known"])
        out[s.name] = {
            "match": summary(allm),
            "match_known": summary(s.lat["known"]),
            "match_new": summary(s.lat["new"]),
            "create": summary(s.lat["create"]) if s.lat["create"] else None,
            "recall_top": s.found_top / nk,
            "recall_any": s.found_any / nk,
            "recall_by_difference": {k: {"requests": v[0], "found": v[1]} for k, v in sorted(s.by_kind.items())},
            "new_answered": s.new_answered / len(s.lat["new"]),
            "new_linked": s.new_linked / len(s.lat["new"]),
            "answers_per_request": s.answers / len(allm),
            "create_warned": s.create_found / len(s.lat["create"]) if s.lat["create"] else None,
        }
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    if a.misses:
        with open(a.misses, "w") as f:
            for s in sides:
                for m in s.misses:
                    f.write(json.dumps(m) + "\n")
    for name, o in out.items():
        print("%s: %d match requests (%d known, %d new), %.2f answers each"
              % (name, o["match"]["n"], o["match_known"]["n"], o["match_new"]["n"], o["answers_per_request"]))
        for label in ("match", "match_known", "match_new", "create"):
            m = o[label]
            if m:
                print("  %-12s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (n %d)"
                      % (label.replace("match_", "  "), m["p50"], m["p95"], m["p99"], m["max"], m["n"]))
        print("  known people: true person first %.4f, among the answers %.4f"
              % (o["recall_top"], o["recall_any"]))
        for k, v in o["recall_by_difference"].items():
            print("    %-18s %5d requests, found %.4f" % (k, v["requests"], v["found"] / v["requests"]))
        print("  new people: answered with someone %.4f, with a 'link' suggestion %.4f"
              % (o["new_answered"], o["new_linked"]))
        if o["create"]:
            print("  recording a known person: warned of the true person %.4f" % o["create_warned"])


if __name__ == "__main__":
    main()
