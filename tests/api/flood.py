#!/usr/bin/env python3
"""flood.py — thousands of invalid bodies at every POST collection route of a real Hearth server.

    tests/api/flood.py --hearth build/hearth [--count 3000] [--seed 1]

The POST routes are read from src/api/api_routes.c (so a new route is flooded without editing this file),
their fields from GET /api/v1/schema/{resource}, code lists and row ids from the database with sqlite3.

First one valid base record per route is created (proving each base is valid). Every flooded body is then
that base with exactly one thing broken, or is broken as a whole (random bytes, truncated or garbled JSON,
deep nesting, NUL bytes, invalid UTF-8, duplicate keys, the wrong content type, a size just over the
limit...), so it is invalid by construction: none may create a row. Each answer must be the expected 4xx
with exactly {"error":{"code","message","detail","hint"}}; no 5xx; the server must stay up; and the row
count of every table must be the same after the flood as before it. Prints progress every 500 requests and
finally `flood: N passed, N failed` (one pass per request answered correctly, one for the row counts).
"""
import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import string
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "src")
sys.path.insert(0, HERE)
import run  # noqa: E402  (the server harness and error table reader are shared with the case runner)

VALID_IDENT = {"nhs": "9434765919", "upn": "L201260105001", "nino": "AB123456C", "postcode": "SW1A 2AA"}
STRING_TYPES = ("text", "date", "timestamp", "code", "identifier", "sf_headline")
BAD_DATES = ["2023-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-32", "2026-1-1", "26-01-01",
             "2026/01/01", "01/02/2026", "", " ", "yesterday", "2026-01-01T00:00:00Z", " 2026-01-01",
             "2026-01-01 ", "２０２６-01-01", "+2026-01-01", "2026-02-30", "0000-00-00", "2026-01-0x"]
BAD_TIMES = ["2026-10-01T24:00Z", "2026-10-01T10:60Z", "2026-10-01T10:00:60Z", "2026-10-01T10:00:00",
             "2026-10-01 10:00:00Z", "2026-10-01T10:00:00+01:00", "2026-10-01", "2023-02-29T10:00:00Z",
             "2026-10-01T1:00:00Z", "2026-10-01T10:00:00.5Z", "", "now", "2026-10-01T10Z", "2026-10-01t10:00z"]
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf5\x80\x80\x80",
            b"\x80", b"\xf8\x88\x80\x80\x80", b"\xe0\x80\xaf"]
# Numbers jansson cannot hold (400), and numbers it can but no field accepts as they are (422).
OVERFLOW_NUMBERS = ["1e999", "-1e999", "123456789012345678901234567890", "9223372036854775808",
                    "-9223372036854775809", "1" + "0" * 400]
BIG_NUMBERS = ["9223372036854775807", "-9223372036854775808", "1.7976931348623157e308", "-4.9e-324",
               "1e300", "99999999999"]


# ---- what the program declares -------------------------------------------------------------------------------

def post_routes():
    """[(pattern, resource, body_max)] for every POST route of the route table."""
    with open(os.path.join(SRC, "api", "api_routes.c"), encoding="utf-8") as f:
        text = f.read()
    limits = {m.group(1): eval_product(m.group(2)) for m in re.finditer(r"(\w+)\s*=\s*([\d\s*]+)[,}]", text)}
    size = lambda tok: limits[tok] if tok in limits else eval_product(tok)
    routes = [("/api/v1/" + m.group(1), m.group(2), size(m.group(3)))
              for m in re.finditer(r'COLLECTION\("([^"]+)",\s*"([^"]+)",\s*(\w+)\)', text)]
    for m in re.finditer(r'\{"POST",\s*"(/[^"]+)",\s*\w+,\s*"[^"]*",\s*([\w\s*]+),\s*(?:NULL|"[^"]*"),\s*'
                         r'(NULL|"[^"]*")', text):
        routes.append((m.group(1), m.group(3).strip('"') if m.group(3) != "NULL" else None, size(m.group(2))))
    # Only record routes are flooded: their bodies are described by the schema. Sign-in (POST /api/v1/session,
    # no resource) has its own cases in cases/080-session.http.
    return [r for r in routes if r[1] is not None]


def eval_product(expr):
    n = 1
    for part in expr.split("*"):
        n *= int(part.strip())
    return n


def resource_tables():
    with open(os.path.join(SRC, "model", "model_resource.c"), encoding="utf-8") as f:
        return dict(re.findall(r'RES\("([^"]+)",\s*"([^"]+)"', f.read()))


def get_json(port, path):
    status, _, raw = run.request(port, "GET", path, {}, b"")
    if status != 200:
        raise SystemExit("flood: GET %s answered %d" % (path, status))
    return json.loads(raw)


# ---- bodies --------------------------------------------------------------------------------------------------

class Target:
    """One POST route: its fields, a valid base record, and the facts needed to break it."""

    def __init__(self, pattern, resource, body_max, schema, db):
        self.pattern, self.resource, self.body_max = pattern, resource, body_max
        self.fields = [f for f in (schema or {}).get("fields", []) if f["writable"]]
        self.names = {f["name"] for f in (schema or {}).get("fields", [])}
        self.db = db
        self.base = {}
        for f in self.fields:
            if f["required"] or f["type"] == "text":
                self.base[f["name"]] = self.valid_value(f)

    def valid_value(self, f):
        t = f["type"]
        if t == "text":
            return "flood"
        if t == "integer":
            return 5
        if t == "boolean":
            return True
        if t == "date":
            return "2020-01-01"
        if t == "timestamp":
            return "2020-01-01T10:00:00Z"
        if t == "code":
            return sorted(self.db.codes[f["code_list"]])[0]
        if t == "sf_headline":
            return sorted(self.db.headlines)[0]
        if t == "identifier":
            return VALID_IDENT[f["identifier"]]
        if t == "reference":
            return self.db.max_id(f["references"])
        raise SystemExit("flood: field type %s is new: teach flood.py a valid value for it" % t)


class Db:
    def __init__(self, path):
        self.con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        self.codes = {}
        for lst, code in self.con.execute("SELECT list, code FROM ref_code WHERE active = 1"):
            self.codes.setdefault(lst, set()).add(code)
        self.headlines = {r[0] for r in self.con.execute("SELECT code FROM sf_headline")}

    def max_id(self, table):
        return self.con.execute("SELECT coalesce(max(id), 0) FROM %s" % table).fetchone()[0]

    def some_ids(self, table, n=20):
        return [r[0] for r in self.con.execute("SELECT id FROM %s ORDER BY random() LIMIT ?" % table, (n,))]

    def counts(self):
        tables = [r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: self.con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in sorted(tables)}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def raw_with(base, key, literal):
    """base as JSON with key set to a raw JSON literal (bytes), key last."""
    obj = dict(base)
    obj.pop(key, None)
    head = dumps(obj)[:-1]
    return head + (b"," if obj else b"") + dumps(key) + b":" + literal + b"}"


def random_text(rng, n):
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_ ") for _ in range(n))


def bad_code(rng, valid):
    while True:
        c = rng.choice([
            lambda: rng.choice(sorted(valid)).swapcase(),
            lambda: rng.choice(sorted(valid)) + rng.choice(["x", " ", "_", "0"]),
            lambda: " " + rng.choice(sorted(valid)),
            lambda: random_text(rng, rng.randint(1, 20)),
            lambda: "x" * rng.randint(65, 300),
            lambda: "",
            lambda: rng.choice(sorted(valid)) + "\t",
            lambda: "é" + rng.choice(sorted(valid)),
        ])()
        if c not in valid:
            return c


def nhs_check(stem):
    total = sum(int(c) * (10 - i) for i, c in enumerate(stem))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def bad_identifier(rng, kind):
    """A string that fails kind's rules by construction (see model/model_ident.h)."""
    common = [lambda: "", lambda: "x" * rng.randint(65, 200), lambda: "#" + VALID_IDENT[kind],
              lambda: VALID_IDENT[kind] + "!", lambda: VALID_IDENT[kind].replace(" ", "") + "\u00e9"]
    if kind == "nhs":
        def wrong_check():
            stem = "".join(rng.choice(string.digits) for _ in range(9))
            good = nhs_check(stem)
            return stem + rng.choice([d for d in string.digits if good is None or int(d) != good])
        own = [wrong_check, lambda: "".join(rng.choice(string.digits) for _ in range(rng.choice([1, 9, 11, 20]))),
               lambda: "943476591A", lambda: "943.476.5919"]
    elif kind == "upn":
        own = [lambda: rng.choice("IOS0") + "201260105001", lambda: "A999260105001", lambda: "A000260105001",
               lambda: rng.choice([c for c in "ABCDEFGHJKMNPQRTUVWXYZ" if c != "L"]) + "201260105001",
               lambda: "L20126010500", lambda: "UN6", lambda: "UN0", lambda: "L2012601050011"]
    elif kind == "nino":
        own = [lambda: "AB123456" + rng.choice("EFGHXYZ"), lambda: rng.choice("DFIQUV") + "A123456C",
               lambda: "AO123456C", lambda: rng.choice(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "OO"]) + "123456A",
               lambda: "AB12345C", lambda: "AB1234567C", lambda: "12AB3456C"]
    else:
        own = [lambda: "SW1A 2A" + rng.choice(string.digits), lambda: "1W1A 2AA",
               lambda: rng.choice("QVX") + "W1A 2AA", lambda: "SW1AB 2AA", lambda: "S 2AA", lambda: "SW1A",
               lambda: "SW1A 2AC"]
    return rng.choice(common + own)()


def wrong_type_value(rng, f):
    if f["type"] in STRING_TYPES:
        return rng.choice([0, 1, -5, 3.25, True, False, [], ["x"], {}, {"value": "x"}, [[["deep"]]]])
    if f["type"] == "boolean":
        return rng.choice([0, 1, "true", "yes", "", [], {}, [True], 1.0])
    # integer and reference: strings, booleans, containers, fractions; references also refuse 0 and below
    choices = ["5", "", True, False, [], [5], {}, {"id": 5}, 2.5, 5.0]
    if f["type"] == "reference":
        choices += [0, -1, -9223372036854775807]
    return rng.choice(choices)


class Gen:
    """Each method returns (body bytes, statuses, codes, kind); kind 'semantic' means a JSON object that a
    missing parent would turn into 404."""

    def __init__(self, rng, target):
        self.rng, self.t = rng, target

    def fields_of(self, *types):
        return [f for f in self.t.fields if f["type"] in types]

    def base_without_required(self):
        req = [f["name"] for f in self.t.fields if f["required"]]
        obj = dict(self.t.base)
        if req:
            obj.pop(self.rng.choice(req))
        else:  # no required field: an unknown field breaks it instead
            obj["flood_unknown"] = 1
        return obj

    # -- broken as a whole
    def random_bytes(self):
        first = self.rng.choice([b for b in range(256) if b not in b"{ \t\r\n"])
        body = bytes([first]) + os.urandom(self.rng.randint(0, 2000))
        return body, {400, 422}, {"invalid_json", "wrong_type"}, "parse"

    def truncated(self):
        whole = dumps(self.t.base)
        return whole[:self.rng.randrange(0, len(whole) - 1)], {400}, {"invalid_json"}, "parse"

    def garbled(self):
        whole = bytearray(dumps(self.t.base))
        while True:
            b = bytearray(whole)
            for _ in range(self.rng.randint(1, 4)):
                at = self.rng.randrange(len(b))
                op = self.rng.randrange(3)
                junk = self.rng.choice(b'{}[]:,"\\x0 tfn-.eE')
                if op == 0:
                    b[at] = junk
                elif op == 1:
                    b.insert(at, junk)
                elif len(b) > 1:
                    del b[at]
            try:
                json.loads(bytes(b).decode("utf-8"), parse_constant=lambda c: 1 / 0)
            except (ValueError, ZeroDivisionError):
                return bytes(b), {400}, {"invalid_json"}, "parse"

    def deep_nesting(self):
        room = (self.t.body_max - 200) // 2
        depth = self.rng.choice([self.rng.randint(1, 100), self.rng.randint(2000, 2100),
                                 self.rng.randint(2100, max(2101, min(room, 40000)))])
        opener, closer = self.rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        nest = opener * depth + b"1" + closer * depth
        texts = self.fields_of("text")
        if texts and self.rng.random() < 0.7:
            body = raw_with(self.t.base, self.rng.choice(texts)["name"], nest)
        else:
            body = nest
        # shallow enough to parse, an object is judged after its parent is found: "either"
        return body, {400, 422}, {"invalid_json", "wrong_type", "unknown_field"}, \
            "either" if body.startswith(b"{") else "parse"

    def huge_number(self):
        f = self.rng.choice(self.t.fields)
        if self.rng.random() < 0.5:
            return raw_with(self.t.base, f["name"], self.rng.choice(OVERFLOW_NUMBERS).encode()), {400}, \
                {"invalid_json"}, "parse"
        lit = self.rng.choice(BIG_NUMBERS)
        codes = {"wrong_type", "invalid_value"}
        return raw_with(self.t.base, f["name"], lit.encode()), {422}, codes, "semantic"

    def nul_byte(self):
        whole = dumps(self.t.base)
        if self.rng.random() < 0.5:
            at = self.rng.randrange(len(whole) + 1)
            return whole[:at] + b"\x00" + whole[at:], {400}, {"invalid_json"}, "parse"
        texts = self.fields_of(*STRING_TYPES)
        f = self.rng.choice(texts) if texts else {"name": "flood"}
        return raw_with(self.t.base, f["name"], b'"a\\u0000b"'), {400}, {"invalid_json"}, "parse"

    def invalid_utf8(self):
        bad = self.rng.choice(BAD_UTF8)
        texts = self.fields_of("text", "code")
        if texts and self.rng.random() < 0.7:
            return raw_with(self.t.base, self.rng.choice(texts)["name"], b'"ab' + bad + b'cd"'), {400}, \
                {"invalid_json"}, "parse"
        return raw_with(self.t.base, "k" + "é", b"1").replace("é".encode(), bad), {400}, {"invalid_json"}, "parse"

    def duplicate_key(self):
        whole = dumps(self.t.base)
        key = self.rng.choice(sorted(self.t.base)) if self.t.base else "name"
        value = dumps(self.t.base.get(key, "x"))
        return whole[:-1] + (b"," if self.t.base else b"") + dumps(key) + b":" + value + b"}", {400}, \
            {"invalid_json"}, "parse"

    def not_an_object(self):
        body = self.rng.choice([dumps([self.t.base]), b"[]", b'"text"', b"42", b"null", b"true", b"[1,2,3]"])
        return body, {400, 422}, {"invalid_json", "wrong_type"}, "parse"

    def wrong_media_type(self):
        body = dumps(self.base_without_required())
        ct = self.rng.choice(["text/plain", "application/xml", "application/x-www-form-urlencoded",
                              "multipart/form-data; boundary=x", "text/json", "application/jso"])
        return body, {415}, {"unsupported_media_type"}, "media", ct

    def just_over_limit(self):
        body = dumps(self.base_without_required())
        size = self.t.body_max + self.rng.choice([1, 2, self.rng.randint(3, 100), self.t.body_max])
        return body[:-1] + b" " * (size - len(body)) + b"}", {413}, {"body_too_large"}, "size"

    def just_under_limit(self):
        body = dumps(self.base_without_required())
        size = self.t.body_max - self.rng.choice([0, 0, 1, self.rng.randint(2, 100)])
        return body[:-1] + b" " * (size - len(body)) + b"}", {422}, {"missing_field", "unknown_field"}, "semantic"

    # -- a valid base with exactly one field broken
    def missing_required(self):
        req = [f for f in self.t.fields if f["required"]]
        if not req:
            return self.unknown_field()
        f = self.rng.choice(req)
        obj = dict(self.t.base)
        how = self.rng.randrange(3)
        if how == 0:
            obj.pop(f["name"])
        elif how == 1:
            obj[f["name"]] = None
        elif f["type"] == "text":
            obj[f["name"]] = ""
        else:
            obj.pop(f["name"])
        return dumps(obj), {422}, {"missing_field"}, "semantic"

    def wrong_type(self):
        f = self.rng.choice(self.t.fields)
        return dumps({**self.t.base, f["name"]: wrong_type_value(self.rng, f)}), {422}, {"wrong_type"}, "semantic"

    def unknown_field(self):
        while True:
            key = self.rng.choice([random_text(self.rng, self.rng.randint(1, 30)), "id", "version", "created_at",
                                   "updated_by", "given_key", "family_key", "restricted", "", "Name", "ñame",
                                   "<script>", "a" * 300, "family_id", "person_id ", "__proto__"])
            if key not in self.t.names or key in ("given_key", "family_key", "restricted"):
                break
        return dumps({**self.t.base, key: self.rng.choice(["x", 1, None, True])}), {422}, {"unknown_field"}, \
            "semantic"

    def invalid_code(self):
        codes = self.fields_of("code", "sf_headline")
        if not codes:
            return self.wrong_type()
        f = self.rng.choice(codes)
        valid = self.t.db.headlines if f["type"] == "sf_headline" else self.t.db.codes[f["code_list"]]
        return dumps({**self.t.base, f["name"]: bad_code(self.rng, valid)}), {422}, {"invalid_code"}, "semantic"

    def invalid_identifier(self):
        idents = self.fields_of("identifier")
        if not idents:
            return self.invalid_date()
        f = self.rng.choice(idents)
        return dumps({**self.t.base, f["name"]: bad_identifier(self.rng, f["identifier"])}), {422}, \
            {"invalid_identifier"}, "semantic"

    def invalid_date(self):
        dates = self.fields_of("date", "timestamp")
        if not dates:
            return self.control_character()
        f = self.rng.choice(dates)
        value = self.rng.choice(BAD_DATES if f["type"] == "date" else BAD_TIMES)
        if f["name"] == "date_of_birth" and self.rng.random() < 0.3:
            value = "2999-12-31"  # valid date, but in the future
        return dumps({**self.t.base, f["name"]: value}), {422}, {"invalid_date"}, "semantic"

    def control_character(self):
        texts = self.fields_of("text")
        if not texts:
            return self.wrong_type()
        f = self.rng.choice(texts)
        c = self.rng.choice([c for c in range(1, 32) if c not in (9, 10, 13)] + [0x7f])
        if self.rng.random() < 0.5:  # escaped: valid JSON, refused by the model
            return dumps({**self.t.base, f["name"]: "ab" + chr(c) + "cd"}), {422}, {"invalid_value"}, "semantic"
        body = raw_with(self.t.base, f["name"], b'"ab' + bytes([c]) + b'cd"')
        if c == 0x7f:  # DEL may stand raw in a JSON string: the model refuses it
            return body, {422}, {"invalid_value"}, "semantic"
        return body, {400}, {"invalid_json"}, "parse"

    def too_long_or_out_of_range(self):
        ints = self.fields_of("integer")
        if ints and self.rng.random() < 0.3:
            f = self.rng.choice(ints)
            return dumps({**self.t.base, f["name"]: self.rng.choice([-1, 11, 1000, -2**63])}), {422}, \
                {"invalid_value"}, "semantic"
        refs = self.fields_of("reference")
        if refs and self.rng.random() < 0.4:
            f = self.rng.choice(refs)
            missing = self.t.db.max_id(f["references"]) + self.rng.randint(1, 10**6)
            return dumps({**self.t.base, f["name"]: missing}), {422}, {"invalid_value"}, "semantic"
        texts = self.fields_of("text")
        if not texts:
            return self.wrong_type()
        f = self.rng.choice(texts)
        limit = {"uprn": 12}.get(f["name"])  # schema does not publish lengths: longer than any text allows
        n = (limit or 100000) + self.rng.randint(1, 50)
        return dumps({**self.t.base, f["name"]: "y" * n}), {422}, {"invalid_value"}, "semantic"

    ALL = ["random_bytes", "truncated", "garbled", "deep_nesting", "huge_number", "nul_byte", "invalid_utf8",
           "duplicate_key", "not_an_object", "wrong_media_type", "just_over_limit", "just_under_limit",
           "missing_required", "wrong_type", "unknown_field", "invalid_code", "invalid_identifier",
           "invalid_date", "control_character", "too_long_or_out_of_range"]
    SCHEMA_FREE = ALL[:12]


# ---- sending ---------------------------------------------------------------------------------------------------

# Who sends to each route: the flood tests input handling, so each route is sent to as a user the access
# policy lets through (docs/access.md); every other route as the API cases' user.
ROUTE_USER = {
    "/api/v1/contacts": "frontdoor1",
    "/api/v1/contacts/{id}/children": "frontdoor1",
    "/api/v1/phone-calls": "frontdoor1",
    "/api/v1/agencies": "admin",
    "/api/v1/teams": "admin",
    "/api/v1/access/duties": "governance1",
    "/api/v1/people/{id}/restriction": "governance1",
    "/api/v1/link-runs": "sfcoordinator",
    "/api/v1/merges": "frontdoor1",
    "/api/v1/merges/{id}/undo": "frontdoor1",
    "/api/v1/families/{id}/identification": "manager.n",
    "/api/v1/families/{id}/episodes": "manager.n",   # records an episode for team 2, and names its lead
    "/api/v1/episodes/{id}/supervisions": "manager.n",  # only the owning team's manager records supervision
}


# Base values a route needs beyond "any valid value": an episode is recorded for the sender's own team
# (manager.n's is team 2 of the demo council; docs/access.md, staffing).
BASE_OVERRIDES = {
    "/api/v1/families/{id}/episodes": {"owning_team_id": 2, "concurrent_reason": "Flood: a second strand."},
    # values that make sense together (model/model_check.c): an email address that is one, a consent naming
    # agency types only for that scope, a need of the framework in use
    "/api/v1/people/{id}/contact-details": {"kind": "phone_mobile", "value": "07700 900123"},
    "/api/v1/families/{id}/consents": {"scope": "share_named_agency_types", "agency_types": "school,police"},
    "/api/v1/assessments/{id}/needs": {"framework": "2022-10", "headline": "EDU", "need_code": "EDU_ATTENDANCE"},
}


def token_for(pattern):
    user = ROUTE_USER.get(pattern)
    return run.acting_as(user)[0] if user else run.SESSION["token"]


def reachable(port, token, pattern, ids):
    """The ids among ids whose parent record (the {id} of pattern) the token's user may read."""
    parent = "/".join(pattern.split("/{id}")[0].split("/")[:4])  # /api/v1/<parent resource>
    out = []
    for i in ids:
        status, _, _ = run.request(port, "GET", "%s/%d" % (parent, i), {"Authorization": "Bearer " + token}, b"")
        if status == 200:
            out.append(i)
    return out


def send(port, path, body, content_type, chunked, token):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": content_type, "Authorization": "Bearer " + token}
        if chunked:
            conn.request("POST", path, body=iter([body[i:i + 8192] for i in range(0, len(body), 8192)]),
                         headers=headers, encode_chunked=True)
        else:
            conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


def judge(status, ctype, raw, statuses, codes, error_status):
    """None when the answer is right, else what is wrong."""
    if status >= 500:
        return "server error %d" % status
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError:
        return "status %d with a body that is not JSON: %r" % (status, raw[:200])
    err = doc.get("error") if isinstance(doc, dict) and run.error_keys_ok(doc) else None
    if not isinstance(err, dict) or sorted(err) != run.ERROR_KEYS or not all(isinstance(v, str) for v in err.values()):
        return "status %d, body is not the error shape: %s" % (status, raw[:300])
    if ctype != "application/json; charset=utf-8":
        return "Content-Type %r" % ctype
    if status not in statuses or err["code"] not in codes:
        return "got %d %s (%s), expected %s %s" % (status, err["code"], err["detail"], sorted(statuses),
                                                    sorted(codes))
    if error_status.get(err["code"]) != status:
        return "code %s answered with status %d" % (err["code"], status)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1, help="random seed (the same seed sends the same bodies)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="hearth-flood-")
    dbpath = os.path.join(tmp, "flood.db")
    logins = os.path.join(tmp, "logins.json")
    subprocess.run([os.path.abspath(args.hearth), "demo", "--db", dbpath, "--logins", logins] + run.DEMO_ARGS,
                   check=True, stdout=subprocess.DEVNULL)
    run.give_work(dbpath)
    server = run.Server(os.path.abspath(args.hearth), dbpath)
    run.sign_in(server.port, logins, run.USER)
    db, tables, error_status = Db(dbpath), resource_tables(), run.error_statuses()
    passed = failed = 0

    def fail(text):
        nonlocal failed
        failed += 1
        if failed <= 25:
            print("FAIL " + text)

    # One valid base record per route, parents first (the route table lists parents before children).
    targets = []
    for pattern, resource, body_max in post_routes():
        schema = get_json(server.port, "/api/v1/schema/" + resource) if resource else None
        t = Target(pattern, resource, body_max, schema, db)
        t.base.update(BASE_OVERRIDES.get(pattern, {}))
        parent = pattern.split("/{id}")[0].rsplit("/", 1)[1] if "{id}" in pattern else None
        t.parent_table = tables[parent] if parent else None
        t.token = token_for(pattern)
        base_parent = reachable(server.port, t.token, pattern, list(dict.fromkeys(
            [db.max_id(t.parent_table)] + db.some_ids(t.parent_table, 400))))[:1] if parent else []
        if parent and not base_parent:
            fail("no %s record that %s may write under, for POST %s" % (parent, ROUTE_USER.get(pattern, run.USER),
                                                                       pattern))
            continue
        if schema:
            path = pattern.replace("{id}", str(base_parent[0])) if parent else pattern
            status, _, raw = run.request(server.port, "POST", path, {"Content-Type": "application/json",
                                                                     "Authorization": "Bearer " + t.token},
                                         dumps(t.base))
            if status != 201:
                fail("base record for POST %s was refused (%d %s): the flood would not break one thing at a "
                     "time there" % (pattern, status, raw[:300]))
        targets.append(t)
    # Parents to send to, once every base record is made (a record's footing can change as records are added:
    # a family stops being its recorder's alone once an episode is opened on it).
    for t in targets:
        t.parent_ids = reachable(server.port, t.token, t.pattern, db.some_ids(t.parent_table, 400))[:20] \
            if t.parent_table else []
        if t.parent_table and not t.parent_ids:
            fail("no %s record that %s may write under, for POST %s" % (t.parent_table,
                                                                       ROUTE_USER.get(t.pattern, run.USER), t.pattern))
    targets = [t for t in targets if t.parent_ids or not t.parent_table]
    print("flood: %d POST routes, seed %d" % (len(targets), args.seed))

    # The reads above are audited by the server's writer thread, which may lag: count once it has caught up.
    before = db.counts()
    for _ in range(50):
        time.sleep(0.1)
        again = db.counts()
        if again == before:
            break
        before = again
    for i in range(args.count):
        t = targets[i % len(targets)]
        g = Gen(rng, t)
        name = rng.choice(Gen.ALL if t.fields else Gen.SCHEMA_FREE)
        out = getattr(g, name)()
        body, statuses, codes, kind = out[:4]
        ctype = out[4] if len(out) > 4 else "application/json"
        path, missing_parent = t.pattern, False
        if t.parent_table:
            missing_parent = rng.random() < 0.15
            pid = rng.choice([db.max_id(t.parent_table) + rng.randint(1, 10**6), 2**63 - 1]) if missing_parent \
                else rng.choice(t.parent_ids)
            path = t.pattern.replace("{id}", str(pid))
        if len(body) > t.body_max:
            statuses, codes = {413}, {"body_too_large"}
        elif missing_parent and kind == "semantic":
            statuses, codes = {404}, {"not_found"}
        elif missing_parent and kind == "either":
            statuses, codes = statuses | {404}, codes | {"not_found"}
        chunked = rng.random() < 0.1
        try:
            status, got_ctype, raw = send(server.port, path, body, ctype, chunked, t.token)
        except OSError as e:
            fail("#%d %s %s: no answer (%s)" % (i, name, path, e))
            if not server.alive():
                break
            continue
        problem = judge(status, got_ctype, raw, statuses, codes, error_status)
        if problem:
            fail("#%d %s POST %s (%d bytes%s): %s\n    body: %r" % (i, name, path, len(body),
                 ", chunked" if chunked else "", problem, body[:200]))
        else:
            passed += 1
        if (i + 1) % 500 == 0:
            print("flood: %d/%d sent, %d failed" % (i + 1, args.count, failed))

    if not server.alive():
        fail("the server died (status %s):\n    %s" % (server.proc.returncode, "\n    ".join(server.log[-20:])))
    elif run.request(server.port, "GET", "/healthz", {}, b"")[0] != 200:
        fail("GET /healthz does not answer 200 after the flood")
    after = db.counts()
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    if changed or set(after) != set(before):
        fail("row counts changed (table: before, after): %s" % changed)
    else:
        passed += 1
    db.con.close()
    problem = server.stop()
    if problem:
        fail(problem)
    for n in os.listdir(tmp):
        os.unlink(os.path.join(tmp, n))
    os.rmdir(tmp)
    if failed > 25:
        print("(%d more failures not shown)" % (failed - 25))
    print("flood: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
