#!/usr/bin/env python3
"""Run `hearth import` on small invented CSV files against a scratch database and check what it stores, what it
writes, what it prints and how it exits.

usage: tests/cli/run_import.py HEARTH
Prints one line per failure and finally `import: N passed, N failed`.

Pinned down here: a malformed CSV imports nothing but its good rows, and the rejects file (default FILE.rejects,
or --rejects) says which lines were refused and why, one "LINE: reason" per line, in file order; line numbers
count the lines of embedded newlines; running the same file again imports nothing new, a changed row is
updated (version 2) and a new one inserted; a key repeated within the file is refused naming its first line;
a mapped column absent from the header, a header that is not UTF-8, a UTF-16 file and a quote never closed each
exit 1 with a clear message, leave the database exactly as it was and leave an earlier rejects file alone;
rows that are not UTF-8 are refused and the summary suggests iconv; the summary names the counts and the
rejects file; a progress line is drawn only on a terminal; the import is in the audit trail with the dataset
and counts but no row contents, and the trail verifies; the same mapping (with its attributes) drives
`hearth link dedupe`; --help and usage errors (exit 2); the import commits in batches (--batch-rows), a late
error keeps the committed batches and a second run finishes the job (finding 20 of issue 9). All names are
invented.
"""
import csv
import json
import os
import pty
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HEADER = ["Pupil ref", "Forename", "Surname", "DOB", "Gender", "Postcode", "Addr 1", "Addr 2", "Town", "UPN",
          "NHS", "Attendance %", "NC Year"]
MAPPING = {"id": "Pupil ref", "given_name": "Forename", "family_name": "Surname", "date_of_birth": "DOB",
           "date_format": "%d/%m/%Y", "sex": "Gender", "postcode": "Postcode", "address": ["Addr 1", "Addr 2"],
           "town": "Town", "upn": "UPN", "nhs_number": "NHS",
           "attributes": {"attendance_pct": "Attendance %", "year_group": "NC Year"}}
GOOD = [
    ["S001", "Amara", "Okonkwo-Reyes", "03/09/2014", "F", "ls6 2qt", "12 Ashgrove\nFlat B", "", "Leeds",
     "H801200001001", "943 476 5919", "91.5", "5"],
    ["S002", "Tomasz", "Wiśniewski", "14/02/2013", "M", "M1 1AE", "3 Mill Lane", "", "Manchester", "", "", "88",
     "6"],
    ["S003", "Siân", "Llewellyn", "30/11/2012", "female", "CF10 1EP", "", "", "Cardiff", "", "", "97.2", "6"],
]


def write_csv(path, rows, header=HEADER, extra=b""):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
    if extra:
        with open(path, "ab") as f:
            f.write(extra)


def main():
    hearth = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="hearth-cli-import-")
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    def run(*args):
        p = subprocess.run([hearth] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    db = os.path.join(tmp, "hearth.db")

    def query(sql, *args):
        con = sqlite3.connect(db)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def fingerprint():
        return query("SELECT (SELECT count(*) FROM partner_dataset), (SELECT count(*) FROM partner_import),"
                     "       (SELECT count(*) FROM row_history),"
                     "       (SELECT group_concat(row_key || ':' || version || ':' || import_id || ':' || source_line"
                     "                            || ':' || coalesce(attributes, ''), '|') FROM partner_record)")

    def rejects_of(path):
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()

    try:
        mapping = os.path.join(tmp, "m.json")
        with open(mapping, "w") as f:
            json.dump(MAPPING, f)
        rc, so, se = run("init", "--db", db)
        check(rc == 0, "init: %d %s" % (rc, se))

        # 1. a malformed CSV: its good rows imported, every bad line named with its reason
        pupils = os.path.join(tmp, "pupils.csv")
        bad = [
            # line 1 is the header, S001 takes lines 2 and 3 (a two-line address), S002 4, S003 5
            ["S004", "Bad", "Date", "31/02/2013", "M", "M1 1AE", "", "", "", "", "", "70", "6"],   # line 6
            ["S005", "Bad", "Nhs", "01/01/2013", "M", "M1 1AE", "", "", "", "", "943 476 5918", "70", "6"],  # 7
            ["S006", "Short", "Row"],                                                             # 8 ragged
            ["S001", "Again", "Dup", "01/01/2013", "F", "", "", "", "", "", "", "1", "1"],          # 9 repeat
            ["S007", "Bad", "Sex", "01/01/2013", "Q", "", "", "", "", "", "", "1", "1"],            # 10
            ["S008", "Bad", "Post", "01/01/2013", "F", "ZZ", "", "", "", "", "", "1", "1"],         # 11
            ["S009", "Bad", "Upn", "01/01/2013", "F", "", "", "", "", "H801200001002", "", "1", "1"],  # 12
        ]
        good_after = ["S010", "Ola", "Nowak", "05/05/2015", "F", "B33 8TH", "7 Elm Road", "", "Birmingham", "", "",
                      "99", "3"]  # line 14 (after the Latin-1 row on 13)
        write_csv(pupils, GOOD + bad)
        with open(pupils, "ab") as f:
            f.write(b"S011,Jos\xe9,Latin,01/01/2013,M,,,,,,,1,1\n")
        with open(pupils, "a", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerow(good_after)
        rc, so, se = run("import", "--db", db, "--dataset", "school_attendance", "--mapping", mapping, pupils)
        check(rc == 0, "import exits 0 with rejects: %d %r" % (rc, se))
        check("12 rows read, 4 new, 0 updated, 0 unchanged, 8 rejected" in so, "the summary counts: %r" % so)
        check("dataset school_attendance (new)" in so and pupils + ".rejects" in so, "summary names: %r" % so)
        check("\r" not in se, "no progress line when stderr is not a terminal: %r" % se)
        check("iconv" in se, "a row that is not UTF-8 brings the iconv hint: %r" % se)
        rj = rejects_of(pupils + ".rejects")
        want = [
            "6: DOB '31/02/2013' is not a date in format %d/%m/%Y",
            "7: column 'NHS': nhs number check digit does not match (modulus 11)",
            "8: 3 fields, the header has 13",
            "9: row key 'S001' repeats line 2",
            "10: column 'Gender': 'Q' is not a sex (M, F or U; male, female or unknown)",
            "11: column 'Postcode': postcode must be 5 to 7 letters and digits, not counting spaces",
            "12: column 'UPN': upn check letter does not match (modulus 23)",
            "13: not valid UTF-8",
        ]
        check(rj == want, "the rejects file, line by line: %r" % rj)
        rows = query("SELECT row_key, given_name, family_name, family_key, date_of_birth, sex, postcode, address,"
                     "       upn, nhs_number, attributes, source_line, version, person_id"
                     "  FROM partner_record ORDER BY row_key")
        check([r[0] for r in rows] == ["S001", "S002", "S003", "S010"], "the good rows: %r" % rows)
        check(rows[0][1:11] == ("Amara", "Okonkwo-Reyes", "okonkwo reyes", "2014-09-03", "F", "LS6 2QT",
                                "12 Ashgrove, Flat B", "H801200001001", "9434765919",
                                '{"attendance_pct":"91.5","year_group":"5"}'), "S001 canonical: %r" % (rows[0],))
        check(rows[2][5] == "F" and rows[2][1] == "Siân", "female is F, accents kept as given: %r" % (rows[2],))
        check(rows[3][11] == 14, "a line after an embedded newline and the rejects: %r" % (rows[3],))
        check(all(r[12] == 1 and r[13] is None for r in rows), "version 1, no person linked yet")
        check(query("SELECT name, section, records FROM partner_dataset") == [("school_attendance", "partner_data", 4)],
              "the dataset row")
        check(query("SELECT file, rows_read, inserted, updated, unchanged, rejected FROM partner_import") ==
              [("pupils.csv", 12, 4, 0, 0, 8)], "the import row")

        # 2. the same file again: nothing new
        before = fingerprint()
        rc, so, se = run("import", "--db", db, "--dataset", "school_attendance", "--mapping", mapping, pupils)
        check(rc == 0 and "12 rows read, 0 new, 0 updated, 4 unchanged, 8 rejected" in so, "re-run: %r %r" % (so, se))
        check(query("SELECT count(*) FROM partner_record") == [(4,)], "re-run adds no rows")
        check(query("SELECT count(*) FROM row_history") == [(0,)], "re-run writes no history")

        # 3. a newer file: one row changed, one new; the old rejects file is replaced
        newer = os.path.join(tmp, "pupils-2.csv")
        changed = [list(r) for r in GOOD]
        changed[1][11] = "90"
        write_csv(newer, changed + [["S012", "Kacper", "Kowalczyk", "09/09/2016", "M", "G2 3BZ", "", "", "Glasgow",
                                     "", "", "93", "2"]])
        rj_path = os.path.join(tmp, "newer.rejects")
        rc, so, se = run("import", "--db", db, "--dataset", "school_attendance", "--mapping", mapping,
                         "--rejects", rj_path, newer)
        check(rc == 0 and "4 rows read, 1 new, 1 updated, 2 unchanged, 0 rejected" in so, "newer: %r %r" % (so, se))
        check(rejects_of(rj_path) == [], "an empty rejects file when nothing was refused")
        check(query("SELECT version, attributes FROM partner_record WHERE row_key = 'S002'") ==
              [(2, '{"attendance_pct":"90","year_group":"6"}')], "the changed row is updated to version 2")
        check(query("SELECT count(*) FROM row_history WHERE table_name = 'partner_record'") == [(1,)],
              "the previous content kept in row_history")

        # 4. file-level errors: exit 1, a clear message, nothing imported, the earlier rejects file kept
        before = fingerprint()
        with open(pupils + ".rejects", "rb") as f:
            old_rejects = f.read()

        def refused(path, says, what):
            rc, so, se = run("import", "--db", db, "--dataset", "school_attendance", "--mapping", mapping, path)
            check(rc == 1 and says in se and "nothing was imported" in se, "%s: exit 1 saying %r: %d %r" %
                  (what, says, rc, se))
            check(fingerprint() == before, "%s: the database is unchanged" % what)

        absent = os.path.join(tmp, "absent.csv")
        write_csv(absent, [r[:12] for r in GOOD], header=HEADER[:12])
        refused(absent, "column 'NC Year', which is not in the header", "a mapped column absent")
        unclosed = os.path.join(tmp, "unclosed.csv")
        write_csv(unclosed, changed, extra=b'S099,"Never,closed,01/01/2013,F,,,,,,,1,1\n')
        refused(unclosed, "never closed", "a quote never closed after good rows")
        latin = os.path.join(tmp, "latin.csv")
        with open(latin, "wb") as f:
            f.write(",".join(HEADER).replace("Surname", "Nom de famille").encode() + b",Ann\xe9e\n")
        refused(latin, "not valid UTF-8", "a header that is not UTF-8")
        utf16 = os.path.join(tmp, "utf16.csv")
        with open(utf16, "wb") as f:
            f.write((",".join(HEADER) + "\n").encode("utf-16"))
        refused(utf16, "UTF-16", "a UTF-16 file")
        refused(os.path.join(tmp, "missing.csv"), "missing.csv", "an absent file")
        with open(pupils + ".rejects", "rb") as f:
            check(f.read() == old_rejects, "a failed import leaves the earlier rejects file alone")
        check(not [n for n in os.listdir(tmp) if ".rejects." in n], "no temporary rejects file left behind")
        bad_map = os.path.join(tmp, "bad.json")
        with open(bad_map, "w") as f:
            json.dump(dict(MAPPING, surname="Surname"), f)
        rc, so, se = run("import", "--db", db, "--dataset", "school_attendance", "--mapping", bad_map, pupils)
        check(rc == 1 and "unknown mapping key 'surname'" in se, "an unknown mapping key: %d %r" % (rc, se))

        # 5. the audit trail: one entry per import with the dataset and counts, never a row's contents
        rc, so, se = run("audit", "verify", "--db", db, "--public-key", db + ".audit-pubkey")
        check(rc == 0, "the audit trail verifies: %r %r" % (so, se))
        trail = sqlite3.connect(db + ".audit")
        entries = trail.execute("SELECT action, target_table, detail FROM audit_event WHERE action = 'import'"
                                " ORDER BY seq").fetchall()
        trail.close()
        check(len(entries) == 3, "three imports in the trail: %r" % entries)
        first = json.loads(entries[0][2]) if entries else {}
        check(first.get("dataset") == "school_attendance" and first.get("inserted") == 4 and
              first.get("rejected") == 8 and first.get("via") == "cli" and entries[0][1] == "partner_dataset",
              "the first entry's detail: %r" % first)
        check(not any(w in json.dumps(entries) for w in ("Amara", "S001", "Okonkwo", "9434765919")),
              "no row contents in the trail")

        # 6. a progress line on a terminal
        big = os.path.join(tmp, "big.csv")
        write_csv(big, [["B%05d" % i, "Given", "Family", "01/01/2010", "M", "", "", "", "", "", "", str(i % 100),
                         "1"] for i in range(3000)])
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(hearth, [hearth, "import", "--db", db, "--dataset", "big", "--mapping", mapping, big])
        out = b""
        while True:
            r, _, _ = select.select([fd], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        text = out.decode("utf-8", "replace")
        check(os.waitstatus_to_exitcode(status) == 0 and "rows," in text and "% of " + big in text and "\r" in text,
              "a progress line on a terminal: %r" % text[:300])

        # 7. the same mapping, attributes and all, drives hearth link dedupe
        pairs = os.path.join(tmp, "pairs.csv")
        rc, so, se = run("link", "dedupe", "--mapping", mapping, "--out", pairs, newer)
        check(rc == 0 and os.path.exists(pairs), "link dedupe reads the import mapping: %d %r" % (rc, se))

        # 8. --help and usage errors: exit 2, nothing imported
        rc, so, se = run("import", "--help")
        check(rc == 0 and "usage: hearth import" in so and "LINE: reason" in so, "import --help")
        before = fingerprint()
        for args in (["--db", db, "--mapping", mapping, pupils],
                     ["--db", db, "--dataset", "x", pupils],
                     ["--dataset", "x", "--mapping", mapping, pupils],
                     ["--db", db, "--dataset", "x", "--mapping", mapping],
                     ["--db", db, "--dataset", "x", "--mapping", mapping, pupils, newer],
                     ["--db", db, "--dataset", "no spaces", "--mapping", mapping, pupils],
                     ["--db", db, "--dataset", "x", "--mapping", mapping, "--agency", "zero", pupils],
                     ["--db", db, "--dataset", "x", "--mapping", mapping, "--frobnicate", pupils]):
            rc, so, se = run("import", *args)
            check(rc == 2 and se and "usage: hearth import" in se, "usage error %r: exit 2: %d %r" % (args, rc, se))
        check(fingerprint() == before, "usage errors import nothing")

        # 9. finding_20_import_commits_in_batches: a long import gives up the write lock between batches
        # (--batch-rows 100 here; 10,000 by default). An error late in the file keeps the committed batches,
        # says so and records them in the trail as partial; running it again finishes the job. A file of one
        # batch stays all or nothing.
        rows = [["P%04d" % i, "Given", "Family", "01/01/2013", "F", "", "", "", "", "", "", "1", "1"]
                for i in range(250)]
        late = os.path.join(tmp, "late-error.csv")
        write_csv(late, rows, extra=b'P9999,"Never,closed,01/01/2013,F,,,,,,,1,1\n')
        rc, so, se = run("import", "--db", db, "--dataset", "finding_20_batches", "--mapping", mapping,
                         "--batch-rows", "100", late)
        check(rc == 1 and "the first 200 rows of the file were committed" in se and "nothing was imported" not in se,
              "finding_20: a late error keeps the committed batches and says so: %d %r" % (rc, se))
        held = query("SELECT count(*) FROM partner_record r JOIN partner_dataset d ON d.id = r.dataset_id"
                     " WHERE d.name = 'finding_20_batches'")[0][0]
        check(held == 200, "finding_20: two batches of 100 committed, the third rolled back: %d rows" % held)
        trail = sqlite3.connect(db + ".audit")
        partial = trail.execute("SELECT detail FROM audit_event WHERE action = 'import' ORDER BY seq DESC"
                                " LIMIT 1").fetchone()
        trail.close()
        detail = json.loads(partial[0]) if partial else {}
        check(detail.get("partial") is True and detail.get("rows_committed") == 200,
              "finding_20: the partial import is in the trail: %r" % detail)
        whole = os.path.join(tmp, "whole.csv")
        write_csv(whole, rows)
        rc, so, se = run("import", "--db", db, "--dataset", "finding_20_batches", "--mapping", mapping,
                         "--batch-rows", "100", whole)
        check(rc == 0 and "250 rows read, 50 new, 0 updated, 200 unchanged" in so,
              "finding_20: running it again finishes the job: %d %r %r" % (rc, so, se))
        rc, so, se = run("import", "--db", db, "--dataset", "finding_20_one_batch", "--mapping", mapping, late)
        held = query("SELECT count(*) FROM partner_dataset WHERE name = 'finding_20_one_batch'")[0][0]
        check(rc == 1 and "nothing was imported" in se and held == 0,
              "finding_20: a file of one batch is all or nothing: %d %r, %d datasets" % (rc, se, held))
        rc, so, se = run("audit", "verify", "--db", db, "--public-key", db + ".audit-pubkey")
        check(rc == 0, "finding_20: the trail verifies after the partial import: %r %r" % (so, se))
        # finding_17: each run's start is in the trail, committed with its first batch (through the outbox):
        # the two runs that stored rows have one, the one that stored nothing has none
        trail = sqlite3.connect(db + ".audit")
        started = [json.loads(d)["dataset"] for (d,) in trail.execute(
            "SELECT detail FROM audit_event WHERE action = 'import_started'")]
        trail.close()
        check(started.count("finding_20_batches") == 2 and "finding_20_one_batch" not in started,
              "finding_17: import_started with the first batch, not without it: %r" % started)
        check(query("SELECT count(*) FROM audit_outbox")[0][0] == 0, "finding_17: the outbox is empty after")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("import: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
