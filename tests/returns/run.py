#!/usr/bin/env python3
"""The returns Hearth makes (src/report/, docs/returns.md): Ofsted's Annex A, through `hearth` and the API.

On a demo council: `hearth return annex-a` writes a workbook that is read back here with nothing but zipfile and
the sheet XML, and every column of lists 1 and 2 is checked against the Annex A specification
(annex_a_spec.json beside this file: sheet names, headers and their order, types, which columns may be blank,
the code lists): dates as real dates formatted DD/MM/YYYY, ages as whole numbers, every coded value in its list,
no mandatory cell blank. The rows must be exactly those an independent reading of the database gives for the
window (six months before the census date, plus early help still open), with a restricted child left out and
counted. The CSV holds the same rows. Each child in the return is in the audit trail; the download is for
governance and analysts only and shows on the child's access report; bad input writes nothing.

    python3 tests/returns/run.py --hearth build/hearth
"""
import argparse
import csv
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import testdb  # noqa: E402  (the test database on either back end)
sys.path.append(HERE)
import run as api  # noqa: E402
import lp  # noqa: E402  (tests/returns/lp.py)

SPEC = json.load(open(os.path.join(HERE, "annex_a_spec.json"), encoding="utf-8"))
CENSUS = "2026-11-23"   # the demo council's own date (DEMO below), not the machine's
DEMO = ["--families", "600", "--seed", "11", "--as-of", CENSUS]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print("FAIL %s\n    %s" % (name, "\n    ".join(str(p) for p in problems[:10])))
        else:
            self.passed += 1
            print("ok   %s" % name)


def run(hearth, *args):
    p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


# ---- reading a workbook back: zipfile and the sheet XML only -----------------------------------------------

def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_workbook(data):
    """{sheet name: [rows]}, each row a list of cells (None, or {'v': text, 't': type, 'fmt': number format})."""
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall("m:numFmts/m:numFmt", NS)}
    builtin = {0: "General", 1: "0", 14: "mm-dd-yy"}
    xf_fmt = [fmts.get(int(x.get("numFmtId", 0)), builtin.get(int(x.get("numFmtId", 0)), "?"))
              for x in styles.findall("m:cellXfs/m:xf", NS)]
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for sh in ET.fromstring(z.read("xl/workbook.xml")).findall("m:sheets/m:sheet", NS):
        target = rels[sh.get(R_NS)]
        xml = ET.fromstring(z.read("xl/" + target.lstrip("/").replace("xl/", "", 1)))
        rows = []
        for row in xml.findall("m:sheetData/m:row", NS):
            cells = {}
            for c in row.findall("m:c", NS):
                v = c.find("m:v", NS)
                t = c.get("t", "n")
                if v is None and c.find("m:is", NS) is None:
                    continue
                text = v.text if v is not None else "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
                if t == "s":
                    text = shared[int(text)]
                cells[col_index(c.get("r"))] = {"v": text, "t": t, "fmt": xf_fmt[int(c.get("s", 0))]}
            width = max(cells) + 1 if cells else 0
            rows.append([cells.get(i) for i in range(width)])
        out[sh.get("name")] = rows
    return out


def check_against_spec(book):
    """Every problem of the workbook against the specification; and the rows as plain values."""
    problems, values = [], {}
    want_sheets = [l["sheet"] for l in SPEC["lists"]]
    if list(book) != want_sheets:
        problems.append("sheets %s, expected %s" % (list(book), want_sheets))
    for spec in SPEC["lists"]:
        rows = book.get(spec["sheet"], [])
        cols = spec["columns"]
        header = [c["v"] if c else None for c in (rows[0] if rows else [])]
        if header != [c["header"] for c in cols]:
            problems.append("%s headers %s" % (spec["sheet"], header))
            continue
        vals = []
        for n, row in enumerate(rows[1:], start=2):
            row = row + [None] * (len(cols) - len(row))
            if len(row) > len(cols):
                problems.append("%s row %d has %d cells" % (spec["sheet"], n, len(row)))
            out = []
            for c, cell in zip(cols, row):
                where = "%s row %d '%s'" % (spec["sheet"], n, c["header"])
                if cell is None or cell["v"] == "":
                    if not c["blank_allowed"]:
                        problems.append(where + " is blank")
                    out.append(None)
                    continue
                if c["type"] == "date":
                    if cell["t"] != "n" or cell["fmt"].lower() not in ("dd/mm/yyyy", "dd/mm/yyyy;@"):
                        problems.append("%s is not a date formatted DD/MM/YYYY (%s)" % (where, cell))
                        out.append(None)
                        continue
                    serial = float(cell["v"])
                    if serial != int(serial):
                        problems.append(where + " has a time of day")
                    out.append((EXCEL_EPOCH + datetime.timedelta(days=int(serial))).isoformat())
                elif c["type"] == "integer":
                    if cell["t"] != "n" or float(cell["v"]) != int(float(cell["v"])) or int(float(cell["v"])) < 0:
                        problems.append("%s is not a whole number: %s" % (where, cell))
                    out.append(int(float(cell["v"])))
                else:
                    if cell["t"] not in ("s", "str", "inlineStr"):
                        problems.append("%s is not text: %s" % (where, cell))
                    if "codes" in c and cell["v"] not in c["codes"]:
                        problems.append("%s: %r is not in its code list" % (where, cell["v"]))
                    if c["header"] == "Child Unique ID" and not re.fullmatch(r"[A-Za-z0-9]{1,20}", cell["v"]):
                        problems.append("%s: %r is not 1-20 letters and digits" % (where, cell["v"]))
                    out.append(cell["v"])
            vals.append(out)
        values[spec["sheet"]] = vals
    return problems, values


# ---- what the database says, read independently -----------------------------------------------------------

def spec_codes(sheet, header):
    return next(c["codes"] for l in SPEC["lists"] if l["sheet"] == sheet for c in l["columns"] if c["header"] == header)


def source_value(code):
    """The Annex A value of a DfE contact source code, from the specification's list ('q) 6: Police' for 6).
    5D (LA services: early help) is not in Annex A's list: it is reported as 5B, other internal LA services."""
    code = {"5D": "5B"}.get(code, code)
    return next(v for v in spec_codes("List 1", "Contact Source") if v.split(") ", 1)[1].split(":")[0] == code)


def ethnicity_value(con, code):
    if code is None:
        code = "NOBT"
    parent = con.execute("SELECT coalesce(parent, code) FROM ref_code WHERE list = 'ethnicity' AND code = ?",
                         (code,)).fetchone()
    main = parent[0] if parent else code
    return next(v for v in spec_codes("List 1", "Ethnicity") if v.endswith(") " + main))


GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded", None: "c) Not stated/recorded"}


def six_months_before(iso):
    d = datetime.date.fromisoformat(iso)
    y, m = (d.year, d.month - 6) if d.month > 6 else (d.year - 1, d.month + 6)
    last = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return datetime.date(y, m, min(d.day, last)).isoformat()


def age_on(dob, on):
    b, o = datetime.date.fromisoformat(dob), datetime.date.fromisoformat(on)
    return o.year - b.year - ((o.month, o.day) < (b.month, b.day))


def expected(con, census):
    """(list 1 rows, list 2 keys, restricted rows) as an independent reading of the database."""
    frm = six_months_before(census)
    people = {r[0]: r[1:] for r in con.execute(
        "SELECT id, sex, ethnicity, date_of_birth, expected_date, restricted, merged_into FROM person")}
    l1, left_out = [], 0
    for cid, recv, src, pid in con.execute(
            "SELECT c.id, c.received_on, c.source_code, cc.person_id FROM contact c"
            " JOIN contact_child cc ON cc.contact_id = c.id WHERE c.received_on BETWEEN ? AND ?", (frm, census)):
        sex, eth, dob, _, restricted, merged = people[pid]
        if merged:
            continue
        if restricted:
            left_out += 1
            continue
        l1.append([str(pid), GENDER[sex], ethnicity_value(con, eth), dob, age_on(dob, census) if dob else None,
                   recv, source_value(src)])
    # List 2: assessments started in the window; episodes open on the census date (latest assessment, or the
    # episode's own start); each with the family's children.
    starts = set()
    for eid, started in con.execute("SELECT episode_id, started_on FROM assessment WHERE started_on BETWEEN ? AND ?",
                                    (frm, census)):
        starts.add((eid, started))
    for eid, start in con.execute("SELECT id, start_date FROM episode WHERE start_date <= ?"
                                  " AND (end_date IS NULL OR end_date > ?)", (census, census)):
        latest = con.execute("SELECT max(started_on) FROM assessment WHERE episode_id = ? AND started_on <= ?",
                             (eid, census)).fetchone()[0]
        starts.add((eid, latest or start))
    l2 = set()
    for eid, started in starts:
        for pid, role, to_date in con.execute(
                "SELECT fm.person_id, fm.role, fm.to_date FROM episode e JOIN family_member fm"
                " ON fm.family_id = e.family_id WHERE e.id = ?", (eid,)):
            sex, eth, dob, expected_date, restricted, merged = people[pid]
            child = (0 <= age_on(dob, census) < 18) if dob else (expected_date is not None or role in ("child", "unborn"))
            if merged or not child or (to_date and to_date < started):
                continue
            if restricted:
                left_out += 1
                continue
            l2.add((str(pid), started))
    return l1, l2, left_out


# ---- service reach: what can be worked out of the published tables, and what they should say ----------------

LINKED = {"children_by_age", "children_by_sex", "children_by_ethnicity"}   # they publish the same totals


def recoverable(doc):
    """Every suppressed count of every published table (all tables at once, shared totals as one unknown) whose
    least and greatest possible values coincide, given everything published: [(table, period, category, value)]."""
    var, eqs = {}, []

    def term(code, r, c, v):
        key = ("children" if code in LINKED and c == "total" else code, r, c)
        if v == "c":
            return var.setdefault(key, len(var)), None
        return None, v

    for t in doc["tables"]:
        rows = t["rows"]
        periods = [r for r in rows if r["period"] != "Total"]
        lines = []
        if t["row_totals"]:
            for i, r in enumerate(rows):
                lines.append([(i, j, v, 1) for j, v in enumerate(r["values"])] + [(i, "total", r["total"], -1)])
        if t["column_totals"]:
            tot = len(rows) - 1
            for j in range(len(t["categories"])):
                lines.append([(i, j, r["values"][j], 1) for i, r in enumerate(periods)] +
                             [(tot, j, rows[tot]["values"][j], -1)])
            if t["row_totals"]:
                lines.append([(i, "total", r["total"], 1) for i, r in enumerate(periods)] +
                             [(tot, "total", rows[tot]["total"], -1)])
        for line in lines:
            eq, const = {}, 0
            for r, c, v, coef in line:
                k, known = term(t["code"], r, c, v)
                if k is None:
                    const += coef * known
                else:
                    eq[k] = eq.get(k, 0) + coef
            eqs.append((eq, -const))
    n = len(var)
    A = [[eq.get(k, 0.0) for k in range(n)] for eq, _ in eqs if eq]
    b = [float(c) for eq, c in eqs if eq]
    found = []
    for key, k in var.items():
        lo, hi = lp.interval(A, b, k)
        if hi is not None and hi - lo < 1 - 1e-6:
            found.append((key, lo, hi))
    return found, n


def quarters(frm, to):
    f, t = datetime.date.fromisoformat(frm), datetime.date.fromisoformat(to)
    q, out = datetime.date(f.year, (f.month - 1) // 3 * 3 + 1, 1), []
    while q <= t:
        nxt = datetime.date(q.year + (q.month + 2) // 12, (q.month + 2) % 12 + 1, 1)
        out.append(("%d Q%d" % (q.year, (q.month - 1) // 3 + 1), max(q, f).isoformat(),
                    min(nxt - datetime.timedelta(days=1), t).isoformat()))
        q = nxt
    return out


def reach_truth(con, frm, to):
    """Families reached, episodes opened, children by sex, per quarter, read independently."""
    qs = quarters(frm, to)
    eps = con.execute("SELECT family_id, start_date, end_date FROM episode").fetchall()
    fams, opened = {}, {}
    for label, s, e in qs:
        fams[label] = {f for f, a, b in eps if a <= e and (b is None or b >= s)}
        opened[label] = sum(1 for f, a, b in eps if s <= a <= e)
    sex_label = dict(con.execute("SELECT code, label FROM ref_code WHERE list = 'sex'"))
    members = con.execute("SELECT fm.family_id, p.date_of_birth, p.expected_date, fm.role, coalesce(p.sex, 'U')"
                          " FROM family_member fm JOIN person p ON p.id = fm.person_id"
                          " WHERE p.restricted = 0 AND p.merged_into IS NULL").fetchall()
    by_sex = {}
    for label, s, e in qs:
        cnt = {}
        for f, dob, exp, role, sex in members:
            if f not in fams[label]:
                continue
            child = (dob > e or age_on(dob, e) < 18) if dob else (exp is not None or role == "child")
            if child:
                cnt[sex_label[sex]] = cnt.get(sex_label[sex], 0) + 1
        by_sex[label] = cnt
    return {q[0]: len(fams[q[0]]) for q in qs}, opened, by_sex


def reach_problems(doc, con, frm, to, rounded):
    problems = []
    for t in doc["tables"]:
        for r in t["rows"]:
            for v in r["values"] + ([r["total"]] if "total" in r else []):
                if v != "c" and 1 <= v <= 5:
                    problems.append("%s %s publishes %d" % (t["code"], r["period"], v))
                if rounded and v != "c" and (v % 5 or 0 < v < 10):
                    problems.append("%s %s publishes %d, not rounded to 5" % (t["code"], r["period"], v))
    if rounded:
        return problems
    fams, opened, by_sex = reach_truth(con, frm, to)
    tabs = {t["code"]: t for t in doc["tables"]}
    for r in tabs["families_by_area"]["rows"]:
        if r["period"] in fams and r["total"] != "c" and r["total"] != fams[r["period"]]:
            problems.append("families reached in %s: %s, expected %d" % (r["period"], r["total"], fams[r["period"]]))
    for r in tabs["episodes_opened"]["rows"]:
        if r["period"] in opened and r["values"][0] not in ("c", opened[r["period"]]):
            problems.append("opened in %s: %s, expected %d" % (r["period"], r["values"][0], opened[r["period"]]))
    sexes = tabs["children_by_sex"]["categories"]
    for r in tabs["children_by_sex"]["rows"]:
        for cat, v in zip(sexes, r["values"]):
            if r["period"] in by_sex and v != "c" and v != by_sex[r["period"]].get(cat, 0):
                problems.append("children (%s) in %s: %s, expected %d" % (cat, r["period"], v,
                                                                          by_sex[r["period"]].get(cat, 0)))
    return problems


class PolicyServer(api.Server):
    """run.py's server, started with the council's policy FILE."""

    def __init__(self, hearth, db, policy):
        real = subprocess.Popen

        def popen(args, **kw):
            return real(list(args) + ["--policy", policy], **kw)
        subprocess.Popen = popen
        try:
            super().__init__(hearth, db)
        finally:
            subprocess.Popen = real


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hearth", required=True)
    hearth = os.path.abspath(ap.parse_args().hearth)
    res = Results()
    with tempfile.TemporaryDirectory(prefix="hearth-returns-") as tmp:
        db, logins = testdb.council(tmp, "c"), os.path.join(tmp, "logins.json")
        subprocess.run([hearth, "demo", "--db", db, "--logins", logins] + DEMO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        con = testdb.connect(db)
        # One child of a contact in the window is restricted: left out, and counted.
        restricted = con.execute(
            "SELECT cc.person_id FROM contact c JOIN contact_child cc ON cc.contact_id = c.id"
            " WHERE c.received_on BETWEEN ? AND ? ORDER BY cc.person_id LIMIT 1",
            (six_months_before(CENSUS), CENSUS)).fetchone()[0]
        with con:
            con.execute("UPDATE person SET restricted = 1 WHERE id = ?", (restricted,))
        l1_want, l2_want, left_out = expected(con, CENSUS)
        con.close()
        res.check("the demo council has rows for both lists",
                  [] if len(l1_want) >= 20 and len(l2_want) >= 10 else [len(l1_want), len(l2_want)])

        out = os.path.join(tmp, "annex-a.xlsx")
        rc, _, err = run(hearth, "return", "annex-a", "--db", db, "--as-of", CENSUS, "--out", out)
        res.check("hearth return annex-a writes the workbook, readable by its owner only, counts on stderr",
                  [] if rc == 0 and os.path.exists(out) and oct(os.stat(out).st_mode & 0o777) == "0o600"
                  and "%d rows in List 1, %d in List 2" % (len(l1_want), len(l2_want)) in err
                  and "%d rows left out whose processing is restricted" % left_out in err else [rc, err])
        data = open(out, "rb").read() if os.path.exists(out) else b""
        book = read_workbook(data) if data else {}
        problems, values = check_against_spec(book)
        res.check("every column of lists 1 and 2 against the specification: sheets, headers, order, dates "
                  "DD/MM/YYYY, whole ages, code lists, no blank mandatory cell", problems)

        got1 = values.get("List 1", [])
        problems = []
        if sorted(map(repr, got1)) != sorted(map(repr, l1_want)):
            problems.append("%d rows, expected %d; first differences: %s" % (
                len(got1), len(l1_want), [r for r in got1 if r not in l1_want][:3] +
                [r for r in l1_want if r not in got1][:3]))
        if [r[5] for r in got1] != sorted(r[5] for r in got1):
            problems.append("not in the order contacts were received")
        if any(r[0] == str(restricted) for r in got1):
            problems.append("the restricted child is in List 1")
        res.check("List 1 is every child of every contact in the six months, coded from the record", problems)

        got2 = values.get("List 2", [])
        keys = {(r[0], r[5]) for r in got2}
        problems = []
        if keys != l2_want or len(keys) != len(got2):
            problems.append("%d rows (%d distinct), expected %d; missing %s; extra %s" % (
                len(got2), len(keys), len(l2_want), sorted(l2_want - keys)[:3], sorted(keys - l2_want)[:3]))
        if any(r[6] and (r[6] < r[5] or r[6] > CENSUS) for r in got2):
            problems.append("a completion date before its start or after the census date")
        res.check("List 2 is every child of every assessment in the window and every open early help", problems)

        # The CSV: the same rows, dates as DD/MM/YYYY text.
        problems = []
        for n, sheet, want in ((1, "List 1", got1), (2, "List 2", got2)):
            path = os.path.join(tmp, "list%d.csv" % n)
            rc, _, err = run(hearth, "return", "annex-a", "--db", db, "--as-of", CENSUS, "--out", path,
                             "--format", "csv", "--list", str(n))
            rows = list(csv.reader(open(path, encoding="utf-8", newline=""))) if rc == 0 else []
            spec = next(l for l in SPEC["lists"] if l["sheet"] == sheet)
            if not rows or rows[0] != [c["header"] for c in spec["columns"]]:
                problems.append("%s: header %s (%s)" % (sheet, rows[:1], err))
                continue
            plain = []
            for r in rows[1:]:
                cells = []
                for c, v in zip(spec["columns"], r):
                    if v == "":
                        v = None
                    elif c["type"] == "date":
                        if not re.fullmatch(r"\d\d/\d\d/\d{4}", v):
                            problems.append("%s: date %r" % (sheet, v))
                        v = "%s-%s-%s" % (v[6:], v[3:5], v[:2])
                    elif c["type"] == "integer":
                        v = int(v)
                    cells.append(v)
                plain.append(cells)
            if plain != want:
                problems.append("%s: the CSV's rows differ from the workbook's" % sheet)
        res.check("the CSV of each list holds the workbook's rows, dates DD/MM/YYYY", problems)

        # Every child in the return is on the audit trail, as an export.
        con = testdb.connect(testdb.trail(db))
        exported = {r[0] for r in con.execute(
            "SELECT target_id FROM audit_event WHERE action = 'export' AND target_table = 'person'")}
        con.close()
        children = {int(r[0]) for r in got1 + got2}
        res.check("each child in the return is recorded in the audit trail",
                  [] if children and children <= exported else [sorted(children - exported)[:5]])

        # Bad input: a clear error, and nothing written.
        problems = []
        bad = os.path.join(tmp, "bad.xlsx")
        for args, want_rc, says in (
                (["--as-of", "2026-13-01"], 1, "census date"),
                (["--as-of", CENSUS, "--format", "csv"], 2, "--list"),
                (["--as-of", CENSUS, "--format", "pdf"], 2, "--format"),
                (["--as-of", CENSUS, "--list", "3"], 2, "--list")):
            rc, _, err = run(hearth, "return", "annex-a", "--db", db, "--out", bad, *args)
            if rc != want_rc or says not in err or os.path.exists(bad):
                problems.append((args, rc, err.strip()))
        rc, _, err = run(hearth, "return", "annex-a", "--help")
        if rc != 0 or "usage: hearth return annex-a" not in err + _.decode():
            problems.append(("--help", rc))
        con = testdb.connect(db)
        child = int(got1[0][0]) if got1 else 0
        with con:
            con.execute("UPDATE person SET sex = 'X' WHERE id = ?", (child,))
        rc, _, err = run(hearth, "return", "annex-a", "--db", db, "--as-of", CENSUS, "--out", bad)
        if rc != 1 or "annexa_gender" not in err or os.path.exists(bad):
            problems.append(("a sex with no Annex A value", rc, err.strip()))
        with con:
            con.execute("UPDATE person SET sex = 'F' WHERE id = ?", (child,))
        con.close()
        res.check("bad input gets a clear error and writes nothing; a value with no Annex A code is refused",
                  problems)

        # Service reach: published counts against an independent count; nothing from 1 to 5, directly or by
        # working it out from the totals of every table at once (linear programming over what is published).
        frm, to = "2025-01-01", CENSUS
        con = testdb.connect(db)
        rc, out_, err = run(hearth, "return", "reach", "--db", db, "--period", "%s..%s" % (frm, to), "--format", "json")
        doc = json.loads(out_) if rc == 0 else None
        res.check("hearth return reach: every table counted as an independent reading of the database says",
                  reach_problems(doc, con, frm, to, False) if doc else [rc, err])
        found, unknowns = recoverable(doc) if doc else ([], 0)
        res.check("no suppressed count of the demo council's tables can be worked out from what is published "
                  "(%d suppressed counts, each maximised and minimised)" % unknowns,
                  found if unknowns >= 10 else ["only %d suppressed counts: the check proves little" % unknowns])
        # The checker can fail: a table where only the small count is withheld gives it away.
        naive = {"tables": [{"code": "t", "row_totals": True, "column_totals": True, "categories": ["a", "b"],
                             "rows": [{"period": "p1", "values": ["c", 20], "total": 23},
                                      {"period": "p2", "values": [17, 30], "total": 47},
                                      {"period": "Total", "values": [20, 50], "total": 70}]}]}
        caught, _ = recoverable(naive)
        res.check("the checker finds a count left recoverable by primary suppression alone",
                  [] if len(caught) == 1 and abs(caught[0][1] - 3) < 1e-6 else [caught])
        rc, out_, err = run(hearth, "return", "reach", "--db", db, "--period", "%s..%s" % (frm, to), "--format", "json",
                            "--round", "5")
        res.check("--round 5: counts of 1 to 7 suppressed, the rest rounded to multiples of 5 (none below 10)",
                  reach_problems(json.loads(out_), con, frm, to, True) if rc == 0 else [rc, err])
        rc, out_, err = run(hearth, "return", "reach", "--db", db, "--period", "%s..%s" % (frm, to))
        rows = list(csv.reader(io.StringIO(out_.decode()))) if rc == 0 else []
        flat = {(r[0], r[2], r[3]): r[4] for r in rows[1:]}
        want = {(t["code"], row["period"], cat): str(v) for t in doc["tables"] for row in t["rows"]
                for cat, v in list(zip(t["categories"], row["values"])) + ([("Total", row["total"])] if "total" in row
                                                                           else [])} if doc else {}
        res.check("the CSV holds the JSON's counts", [] if rows and rows[0] == ["table", "unit", "period", "category",
                                                                            "value"] and flat == want else [rc, err])
        problems = []
        for args in (["--period", "2026-01-01..2025-01-01"], ["--period", "2026-02-30..2026-03-01"],
                     ["--period", "1990-01-01..2026-01-01"]):
            rc, _, err = run(hearth, "return", "reach", "--db", db, *args)
            if rc != 1 or "period" not in err:
                problems.append((args, rc, err.strip()))
        rc, _, err = run(hearth, "return", "reach", "--db", db, "--period", "%s..%s" % (frm, to), "--round", "3")
        if rc != 2:
            problems.append(("--round 3", rc))
        res.check("a bad period or rounding gets a clear error", problems)
        con.close()
        # Over the API: governance and analysts download it; others are refused; the child's access report shows it.
        server = api.Server(hearth, db)
        try:
            tokens = {}

            def get(user, path):   # each user signs in once (a TOTP code is used once)
                if user not in tokens:
                    tokens[user] = api.session_of(server.port, logins, user)[0]
                return api.request(server.port, "GET", path, {"Authorization": "Bearer " + tokens[user]}, b"")
            problems = []
            for user in ("governance1", "analyst1"):
                st, hdrs, raw = get(user, "/api/v1/returns/annex-a?as_of=%s" % CENSUS)
                if st != 200:
                    problems.append((user, st, raw[:200]))
                    continue
                p_, v_ = check_against_spec(read_workbook(raw))
                if p_ or v_ != values:
                    problems.append((user, "the download differs from the command's workbook", p_[:3]))
            st, _, raw = get("analyst1", "/api/v1/returns/annex-a?as_of=%s&format=csv&list=1" % CENSUS)
            if st != 200 or len(list(csv.reader(io.StringIO(raw.decode())))) != len(got1) + 1:
                problems.append(("csv", st, raw[:200]))
            for user in ("practitioner.n1", "manager.n", "frontdoor1", "admin", "partner.school1"):
                st, _, raw = get(user, "/api/v1/returns/annex-a?as_of=%s" % CENSUS)
                if st != 403:
                    problems.append((user, st))
            st, _, raw = get("governance1", "/api/v1/returns/annex-a?as_of=2026-02-30")
            if st not in (400, 422) or json.loads(raw)["error"]["code"] != "invalid_date":
                problems.append(("a bad date", st, raw[:200]))
            st, _, raw = get("governance1", "/api/v1/returns/annex-a?as_of=%s&colour=red" % CENSUS)
            if st != 400:
                problems.append(("an undeclared parameter", st))
            res.check("the download is for governance and analysts, the same workbook; others are refused", problems)
            st, _, raw = get("governance1", "/api/v1/people/%d/access-report?limit=1000" % child)
            items = json.loads(raw).get("items", []) if st == 200 else []
            analyst = [i for i in items if i.get("action") == "export" and i.get("by", {}).get("role") == "analyst"
                       and i.get("via") == "annex_a"]
            problems = []
            st, _, raw = get("analyst1", "/api/v1/returns/reach?from=2025-01-01&to=%s" % CENSUS)
            if st != 200 or json.loads(raw) != doc:
                problems.append(("analyst json", st, raw[:200]))
            st, _, raw = get("governance1", "/api/v1/returns/reach?from=2025-01-01&to=%s&format=csv&round=5" % CENSUS)
            if st != 200 or not raw.startswith(b"table,unit,period,category,value"):
                problems.append(("governance csv", st, raw[:200]))
            for user in ("practitioner.n1", "manager.n", "frontdoor1", "admin", "partner.school1"):
                st, _, raw = get(user, "/api/v1/returns/reach?from=2025-01-01&to=%s" % CENSUS)
                if st != 403:
                    problems.append((user, st))
            res.check("the counts are for analysts and governance, the same as the command's", problems)
            # The page: a chart and a table for every table, drawn server-side, escaped, no script of its own;
            # a team named with markup, to see the page escape what the database holds.
            con = testdb.connect(db, timeout=30)
            with con:
                team = con.execute("SELECT owning_team_id FROM episode ORDER BY id LIMIT 1").fetchone()[0]
                con.execute("UPDATE team SET name = ? WHERE id = ?", ('North <b>"&\' Team', team))
            con.close()
            st, hdrs, raw = get("analyst1", "/reach?from=2025-01-01&to=%s" % CENSUS)
            page = raw.decode("utf-8", "replace")
            problems = [] if st == 200 else [st, page[:200]]
            main_ = page[page.find("<main"):page.find("</main>")]
            for t in doc["tables"] if doc else []:
                fig = main_[main_.find('id="%s"' % t["code"]):]
                fig = fig[:fig.find("<h2", 10)] if "<h2" in fig[10:] else fig
                if "<svg" not in fig or "<table" not in fig:
                    problems.append("%s: no chart and table" % t["code"])
                bars = re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', fig)
                cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">'
                                   r'([^<]*)</td>', fig)
                if len(bars) != len(cells) or any((w == "0") != (v in ("c", "0")) for w, (_, v) in zip(bars, cells)):
                    problems.append("%s: bars %s against the table %s" % (t["code"], bars[:5], cells[:5]))
            if "<script" in main_ or "<b>" in page or "North &lt;b&gt;&quot;&amp;&#39; Team" not in page:
                problems.append("markup from the database is not escaped, or the page has a script")
            st, _, _ = get("practitioner.n1", "/reach")
            if st != 403:
                problems.append(("a practitioner", st))
            res.check("the page: an SVG chart with a table beside it for every table, escaped, for analysts only",
                      problems)
            # Research extracts over the API: Durham's share is identified, so governance's alone.
            pub, sec = os.path.join(tmp, "r.pub"), os.path.join(tmp, "r.sec")
            run(hearth, "extract", "keypair", "--public", pub, "--secret", sec)
            key = open(pub).read().strip()
            body = json.dumps({"from": "2024-01-01", "to": CENSUS, "recipient_key": key}).encode()

            def post(user, body_):
                if user not in tokens:
                    tokens[user] = api.session_of(server.port, logins, user)[0]
                return api.request(server.port, "POST", "/api/v1/returns/research-extracts",
                                   {"Authorization": "Bearer " + tokens[user], "Content-Type": "application/json"},
                                   body_)
            problems = []
            st, _, raw = post("analyst1", body)
            if st != 403 or b"pseudonymised" not in raw:
                problems.append(("analyst, identified share", st, raw[:200]))
            st, _, raw = post("governance1", body)
            sealed = os.path.join(tmp, "durham.sealed")
            open(sealed, "wb").write(raw if st == 200 else b"")
            rc, plain, err = run(hearth, "extract", "open", "--secret-key", sec, "--in", sealed)
            rows = list(csv.reader(io.StringIO(plain.decode()))) if rc == 0 else []
            if st != 200 or not rows or "given_name" not in rows[0] or len(rows) < 2:
                problems.append(("governance, identified share", st, err, rows[:1]))
            st, _, raw = post("governance1", json.dumps({"from": "2024-01-01", "to": CENSUS,
                                                          "recipient_key": "zz" * 32}).encode())
            if st not in (400, 422):
                problems.append(("a bad key", st))
            res.check("research extracts over the API: the identified share is governance's, sealed to the key",
                      problems)
            res.check("the child's access report shows the analyst's export",
                      [] if analyst else [st, items[-3:]])
        finally:
            server.stop()
        # The analyst's pseudonymised share (Oldham's: family references and needs), and its disclosure log.
        server = PolicyServer(hearth, db, os.path.join(ROOT, "policy", "oldham.yaml"))
        try:
            tok = api.session_of(server.port, logins, "analyst1")
            con = testdb.connect(db, timeout=30)
            before = con.execute("SELECT count(*) FROM disclosure WHERE created_by = ?", (tok[1],)).fetchone()[0]
            con.close()
            st, _, raw = api.request(server.port, "POST", "/api/v1/returns/research-extracts",
                                     {"Authorization": "Bearer " + tok[0], "Content-Type": "application/json"},
                                     json.dumps({"from": "2024-01-01", "to": CENSUS,
                                                 "recipient_key": key}).encode())
            sealed = os.path.join(tmp, "oldham.sealed")
            open(sealed, "wb").write(raw if st == 200 else b"")
            rc, plain, err = run(hearth, "extract", "open", "--secret-key", sec, "--in", sealed)
            rows = list(csv.reader(io.StringIO(plain.decode()))) if rc == 0 else []
            problems = [] if st == 200 and rows else [st, raw[:200], err]
            if rows and (rows[0] != ["la_code", "programme_id", "family_reference", "needs_by_headline"] or
                         not all(re.fullmatch(r"[0-9a-f]{32}", r[2]) for r in rows[1:])):
                problems.append(("not pseudonymised", rows[:2]))
            con = testdb.connect(db, timeout=30)
            after = con.execute("SELECT count(*) FROM disclosure WHERE created_by = ?", (tok[1],)).fetchone()[0]
            con.close()
            if rows and after - before < len(rows) - 1:
                problems.append(("disclosure rows", before, after, len(rows) - 1))
            res.check("an analyst sends a pseudonymised share: keyed references only, each person's disclosure logged",
                      problems)
        finally:
            server.stop()
    print("%s: %d passed, %d failed" % (testdb.suite("returns"), res.passed, res.failed))
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
