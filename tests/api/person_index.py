#!/usr/bin/env python3
"""person_index.py — the person index end to end: partner datasets imported and linked, the index
deduplicated, people deciding in the review queue, merges undone, and family identification.

    tests/api/person_index.py --hearth build/hearth [--keep]

Builds a small demo council, records one child of a family a second time (a surname typo, day and month of
birth swapped), imports three partner datasets about that family with `hearth import` (school attendance,
police incidents, out-of-work benefits: the dataset names the shipped indicators read) plus a malformed row,
starts `hearth serve` and checks, over HTTP and in the database:

  - running the engine is for analysts and governance; a run over the index suggests the re-recorded child
    and keeps a model trained on the index, which the front door's check then uses; a run over a dataset
    links rows with one clear candidate (never merging) and counts what it kept;
  - the review queue shows both sides with the evidence, each side audited as read; outside a footing (the front
    door) each side is its index card only, with no dataset name, postcode or address and evidence on the card's
    fields only, while the family's team manager, on a footing, sees the partner's row whole (finding 7);
  - deciding "same" on two people merges them: the merged record's rows move to the kept one, it leaves
    search, says where it went, and the merge is audited; undoing puts every moved row back and the pair waits
    again; merges are refused for people whose NHS numbers disagree and for a restricted person;
  - deciding "different" on an engine link unlinks the partner's row; a decided pair is not asked again by a
    later run, nor decided twice;
  - a person's linked partner rows are served under the partner_data label to those with a footing only;
  - the identification list puts the family forward with its three headlines and evidence; a decision on it
    is recorded and shown; `hearth identify` prints the same; bad indicators are refused and change nothing;
  - partner rows read directly, through the queue and through the identification list are in the person's
    access report, each saying what it was read through (finding 18);
  - the front door's check and the duplicate warning answer someone the caller has no footing on from the
    index card's fields alone, so a guessed postcode or NHS number changes nothing; the lead, on a footing, is
    answered on every field (finding 8);
  - a match that answers nobody says what was searched: each lookup with its value, the size of the index,
    how many people were compared (issue 15);
  - within a contact the front door is triaging (POST /api/v1/contacts/{id}/matches) the contact's family
    postcode counts (a free guessed postcode still changes nothing), the postcode comes from the contact never
    the request, a caller without the front door's footing on the contact is refused 403, every candidate's
    audit entry names the contact, and naming a child on the contact warns of the duplicate with the
    contact's postcode counting (issue 15, the lead's decision on finding 8).

Prints one line per check and finally `pindex: N passed, N failed`. Python 3 standard library only.
"""
import json
import os
import sys
import time

import suite  # the runners' command line, council and end
import testdb  # the test database on either back end (SQLite or PostgreSQL)
from run import Server, give_work
from signin import Checks, call, hearth_cli, session_of

# the servers' clock (HEARTH_NOW, or today): a contact is received today, whatever the date the suite runs at
TODAY = (os.environ.get("HEARTH_NOW") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))[:10]
FAMILY = 6          # demo seed 7: an open episode led by practitioner.n1 (team 2, managed by manager.n)
MERGER = "dpo"   # governance merges; the front door only with a footing on both people
LEAD = "practitioner.n1"
# what is shown of a person, of a partner's row and of the evidence outside a footing: the index card
PERSON_CARD = {"id", "given_name", "middle_names", "family_name", "preferred_name", "date_of_birth", "expected_date",
               "sex"}
ROW_CARD = {"id", "given_name", "family_name", "date_of_birth", "sex"}
CARD_FIELDS = {"given_name", "family_name", "date_of_birth", "sex"}


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def mapping(attrs):
    return json.dumps({"id": "ref", "given_name": "forename", "family_name": "surname", "date_of_birth": "dob",
                       "date_format": "%d/%m/%Y", "sex": "sex", "postcode": "postcode", "attributes": attrs})


def dmy(iso):
    y, m, d = iso.split("-")
    return "%s/%s/%s" % (d, m, y)


def main():
    args, hearth = suite.command_line(__doc__)
    tmp = suite.workdir("pindex")
    check = Checks()
    db, logins = suite.demo_council(hearth, tmp, "index", families=20)
    give_work(db)   # practitioner.n1 leads open work with family 6
    sql = testdb.connect(db, timeout=30)
    members = sql.execute(
        "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.sex,"
        "       (SELECT postcode FROM person_address a WHERE a.person_id = p.id AND a.to_date IS NULL)"
        "  FROM family_member m JOIN person p ON p.id = m.person_id WHERE m.family_id = ? ORDER BY p.id",
        (FAMILY,)).fetchall()
    check(len(members) >= 3, "the demo family has at least three members", members)
    adult, child = members[0], members[2]

    # three partner datasets about the family, one row per member, and a malformed row
    rows = {"school_attendance": ("attendance_pct", lambda i: "84.5" if i else "97"),
            "police_incidents": ("domestic_abuse", lambda i: "Y" if i == 0 else "N"),
            "dwp_benefits": ("out_of_work_benefit", lambda i: "yes" if i == 0 else "no")}
    for name, (attr, value) in rows.items():
        lines = ["ref,forename,surname,dob,sex,postcode,%s" % attr]
        for i, (pid, given, family, dob, sex, pc) in enumerate(members):
            lines.append("%s-%d,%s,%s,%s,%s,%s,%s" % (name[:3], pid, given, family, dmy(dob), sex, pc or "",
                                                     value(i)))
        lines.append("%s-bad,Nobody,Known,31/02/2010,F,,1" % name[:3])
        csv = os.path.join(tmp, name + ".csv")
        write(csv, "\n".join(lines) + "\n")
        write(csv + ".json", mapping({attr: attr}))
        rc, out, err = hearth_cli(hearth, "import", "--db", db, "--dataset", name, "--mapping", csv + ".json", csv)
        with open(csv + ".rejects", encoding="utf-8") as f:
            rejects = f.read()
        check(rc == 0 and "%d: dob" % (len(members) + 2) in rejects,
              "import %s: the good rows in, the malformed row rejected with its line and reason" % name,
              (rc, out, err, rejects))

    server = Server(hearth, db)
    port = server.port
    tok = {u: session_of(port, logins[u]) for u in ("sfcoordinator", "frontdoor1", "manager.n", LEAD, "dpo",
                                                     "practitioner.s1")}

    def api(user, method, path, body=None):
        st, _, doc = call(port, method, path, body, {"Authorization": "Bearer " + tok[user]})
        return st, doc

    def link_run(user, body):
        """POST /api/v1/link-runs, a background job (src/jobs/): (201, the run's counts) once the job has
        succeeded, else (the status, the answer or the job as it ended)."""
        st, job = api(user, "POST", "/api/v1/link-runs", body)
        if st != 202:
            return st, job
        deadline = time.time() + 300
        while job.get("state") in ("queued", "running") and time.time() < deadline:
            time.sleep(0.05)
            st, job = api(user, "GET", job.get("url", "/api/v1/jobs/0"))
        return (201, job.get("result") or {}) if job.get("state") == "succeeded" else (500, job)

    try:
        # the child recorded again: a typo in the surname, day and month of birth swapped
        pid, given, family, dob, sex, pc = child
        y, m, d = dob.split("-")
        swapped = "%s-%s-%s" % (y, d, m) if int(d) <= 12 and d != m else dob
        typo = family[:-2] + family[-1] + family[-2]
        st, doc = api(LEAD, "POST", "/api/v1/people", {"given_name": given, "family_name": typo,
                                                         "date_of_birth": swapped, "sex": sex})
        check(st == 201, "the lead records the child again (surname typo, day and month swapped)", (st, doc))
        twin = doc.get("id") if isinstance(doc, dict) else None
        dupes = [x.get("id") for x in (doc or {}).get("possible_duplicates", [])]
        check(pid in dupes, "the duplicate warning on create names the child already known", doc)

        st, doc = link_run("frontdoor1", {})
        check(st == 403, "the front door does not run the engine", (st, doc))
        st, doc = link_run("sfcoordinator", {})
        check(st == 201 and doc.get("kind") == "index" and doc.get("queued", 0) >= 1 and doc.get("linked") == 0,
              "an analyst runs the engine over the index: pairs queued, none linked", (st, doc))
        model = sql.execute("SELECT trained_on, params FROM link_model ORDER BY id DESC LIMIT 1").fetchone()
        check(model and model[0] == "index" and "date_of_birth" in model[1],
              "the run keeps a model trained on the index", model)
        st, doc = api("frontdoor1", "POST", "/api/v1/people/matches",
                      {"given_name": given, "family_name": family, "date_of_birth": dob})
        check(st == 200 and any((it.get("person") or {}).get("id") == pid for it in doc.get("items", [])),
              "the front door's check answers with the trained model", (st, doc))

        st, doc = api("frontdoor1", "GET", "/api/v1/match-reviews?kind=index")
        pair = next((it for it in (doc or {}).get("items", [])
                     if {it.get("person_id"), it.get("other_person_id")} == {pid, twin}), None)
        check(st == 200 and pair is not None, "the review queue holds the child and their second record", (st, doc))
        pair = pair or {}
        ev = pair.get("evidence") or {}
        check(pair.get("person", {}).get("id") == pid and pair.get("other_person", {}).get("given_name") == given
              and any(c.get("comparison") == "date_of_birth" and c.get("level") == "day and month swapped"
                      for c in ev.get("comparisons", [])),
              "the pair shows both index cards and the evidence (date of birth: day and month swapped)", pair)

        # Merges move one person's records onto another: governance makes them, or someone who may already
        # change both records; the front door, with no footing on either child, may not (issue 9: no footing
        # from what you record).
        st, doc = api("frontdoor1", "POST", "/api/v1/merges", {"keep": pid, "merge": twin, "reason": "Same child."})
        check(st == 403 and doc.get("error", {}).get("code") == "forbidden",
              "finding_1 a merge needs a footing on both people (or governance)", (st, doc))

        # a merge refused: NHS numbers disagree
        sql.execute("UPDATE person SET nhs_number = '9434765919' WHERE id = ?", (twin,))
        sql.commit()
        st, doc = api(MERGER, "PATCH", "/api/v1/match-reviews/%d" % pair.get("id", 0),
                      {"decision": "same", "reason": "Same child: checked with the school."})
        check(st == 409 and "NHS" in json.dumps(doc), "a merge is refused when the NHS numbers disagree", (st, doc))
        sql.execute("UPDATE person SET nhs_number = NULL WHERE id = ?", (twin,))
        sql.commit()

        # the second record gets an address of its own, so that something moves
        st, doc = api(LEAD, "POST", "/api/v1/people/%d/addresses" % twin,
                      {"address_type": "home", "line1": "2 Test Row", "postcode": pc or "LE13 7SP"})
        addr = doc.get("id") if st == 201 else None
        check(addr, "the second record has an address", (st, doc))
        st, doc = api(MERGER, "PATCH", "/api/v1/match-reviews/%d" % pair.get("id", 0),
                      {"decision": "same", "reason": "Same child: checked with the school.", "keep": pid})
        check(st == 200 and doc.get("state") == "same" and doc.get("merge_id"),
              "deciding 'same' merges the two records, keeping the first", (st, doc))
        merge_id = (doc or {}).get("merge_id") or 0
        moved = sql.execute("SELECT person_id FROM person_address WHERE id = ?", (addr,)).fetchone()
        merged = sql.execute("SELECT merged_into FROM person WHERE id = ?", (twin,)).fetchone()
        check(moved == (pid,) and merged == (pid,), "the address moved to the kept record; the other says where "
              "it went", (moved, merged))
        st, doc = api(LEAD, "GET", "/api/v1/people/search?name=%s" % typo)
        check(st == 200 and twin not in [it.get("id") for it in doc.get("items", [])],
              "a merged record leaves search", (st, doc))
        st, doc = api(LEAD, "GET", "/api/v1/people/%d" % twin)
        check(st in (200, 403) and (st == 403 or doc.get("merged_into") == pid),
              "a merged record read by id says where it went", (st, doc))
        audit = testdb.connect(testdb.trail(db))   # the merge was recorded durably, and all before it
        n = audit.execute("SELECT count(*) FROM audit_event WHERE action = 'merge' AND target_id = ?",
                          (merge_id,)).fetchone()[0]
        check(n == 1, "the merge is in the audit trail", n)
        reads = audit.execute("SELECT count(*) FROM audit_event WHERE action = 'read' AND target_table = 'person'"
                              " AND target_id = ? AND detail LIKE '%match_review%'", (twin,)).fetchone()[0]
        check(reads >= 1, "each side shown in the queue is audited as read", reads)
        st, doc = api(MERGER, "PATCH", "/api/v1/match-reviews/%d" % pair.get("id", 0),
                      {"decision": "different", "reason": "Second thoughts."})
        check(st == 409, "a decided pair is not decided again", (st, doc))

        st, doc = api(MERGER, "POST", "/api/v1/merges/%d/undo" % merge_id, {"reason": "Twins, not one child."})
        check(st == 200, "the merge is undone", (st, doc))
        moved = sql.execute("SELECT person_id FROM person_address WHERE id = ?", (addr,)).fetchone()
        merged = sql.execute("SELECT merged_into FROM person WHERE id = ?", (twin,)).fetchone()
        state = sql.execute("SELECT state FROM match_pair WHERE id = ?", (pair.get("id", 0),)).fetchone()
        check(moved == (twin,) and merged == (None,) and state == ("pending",),
              "undoing puts the address back, the record is no longer merged and the pair waits again",
              (moved, merged, state))
        st, doc = api(MERGER, "POST", "/api/v1/merges/%d/undo" % merge_id, {"reason": "Again."})
        check(st == 409, "a merge is undone once", (st, doc))
        st, doc = api("dpo", "POST", "/api/v1/people/%d/restriction" % twin,
                      {"restricted": True, "reason": "The family asked us to stop using this record."})
        st2, doc2 = api(MERGER, "POST", "/api/v1/merges",
                        {"keep": pid, "merge": twin, "reason": "Same child."})
        check(st == 200 and st2 == 409 and "restricted" in json.dumps(doc2),
              "a restricted person cannot be merged", (st, doc, st2, doc2))
        # finding 10: to anyone but governance the refusal is the one anyone unrelated gets, naming nothing
        st3, doc3 = api("frontdoor1", "POST", "/api/v1/merges", {"keep": pid, "merge": twin, "reason": "Same child."})
        check(st3 == 403 and "restrict" not in json.dumps(doc3),
              "finding_10 a merge refusal does not name the restriction", (st3, doc3))
        api("dpo", "POST", "/api/v1/people/%d/restriction" % twin, {"restricted": False, "reason": "Lifted."})

        # datasets against the index
        st, doc = link_run("sfcoordinator", {"dataset": "school_attendance"})
        check(st == 201 and doc.get("linked", 0) >= len(members) - 1,
              "a dataset run links the rows with one clear candidate", (st, doc))
        for name in ("police_incidents", "dwp_benefits"):
            link_run("sfcoordinator", {"dataset": name})
        linked = sql.execute("SELECT count(*) FROM partner_record WHERE person_id IN (%s)"
                             % ",".join(str(m[0]) for m in members)).fetchone()[0]
        check(linked >= 3 * (len(members) - 1), "rows of all three datasets are linked to the family", linked)
        # finding 7: outside a footing the queue shows index cards only (no dataset, row, postcode or address, and
        # evidence on the card's fields only); the family's team manager, on a footing, sees the partner's row
        st, doc = api("frontdoor1", "GET", "/api/v1/match-reviews?state=all&kind=dataset")
        items = (doc or {}).get("items", [])
        text = json.dumps(doc)
        leaks = [it for it in items
                 if set(it.get("person") or {"?": 1}) - PERSON_CARD or set(it.get("partner_record") or {"?": 1}) - ROW_CARD
                 or {c.get("comparison") for c in (it.get("evidence") or {}).get("comparisons", [])} - CARD_FIELDS
                 or it.get("view") != "card"]
        check(st == 200 and len(items) >= 3 * (len(members) - 1) and not leaks
              and not any(name in text for name in rows) and (adult[5] or "LE") not in text,
              "finding_7_front_door_queue_without_footing_shows_index_cards_only", (st, leaks[:2] or text[:600]))
        fd_pair = items[0] if items else {}
        st, doc = api("frontdoor1", "GET", "/api/v1/match-reviews/%d" % fd_pair.get("id", 0))
        text = json.dumps(doc)
        check(st == 200 and set((doc or {}).get("partner_record") or {"?": 1}) <= ROW_CARD
              and not any(name in text for name in rows) and (adult[5] or "LE") not in text,
              "finding_7_front_door_one_pair_without_footing_shows_index_cards_only", (st, doc))
        st, doc = api("manager.n", "GET", "/api/v1/match-reviews?state=linked&kind=dataset")
        link_pair = next((it for it in (doc or {}).get("items", [])
                          if it.get("person_id") == adult[0]
                          and (it.get("partner_record") or {}).get("dataset") == "school_attendance"), None)
        check(st == 200 and link_pair and link_pair.get("partner_record", {}).get("person_id") == adult[0],
              "engine links are listed with the partner's row", (st, doc))
        link_pair = link_pair or {}
        comps = {c.get("comparison") for c in (link_pair.get("evidence") or {}).get("comparisons", [])}
        check(link_pair.get("view") == "full" and link_pair.get("partner_record", {}).get("postcode") == adult[5]
              and link_pair.get("person", {}).get("postcode") == adult[5] and "postcode" in comps,
              "finding_7_team_manager_on_a_footing_sees_dataset_postcode_and_all_evidence", link_pair)
        st, doc = api("manager.n", "GET", "/api/v1/match-reviews/%d" % fd_pair.get("id", 0))
        check(st == 200 and (doc.get("partner_record") or {}).get("dataset") in rows and doc.get("view") == "full",
              "finding_7_team_manager_on_a_footing_sees_one_pair_whole", (st, doc))
        st, doc = api("frontdoor1", "PATCH", "/api/v1/match-reviews/%d" % link_pair.get("id", 0),
                      {"decision": "different", "reason": "A different person: the school checked."})
        row = sql.execute("SELECT person_id FROM partner_record WHERE id = ?",
                          (link_pair.get("partner_record_id"),)).fetchone()
        check(st == 200 and row == (None,), "deciding 'different' unlinks the partner's row", (st, doc, row))
        st, doc = link_run("sfcoordinator", {"dataset": "school_attendance"})
        row = sql.execute("SELECT person_id FROM partner_record WHERE id = ?",
                          (link_pair.get("partner_record_id"),)).fetchone()
        check(st == 201 and doc.get("kept", 0) >= 1 and row == (None,),
              "a later run keeps the decision: the row is not linked again", (st, doc, row))
        # put it back, as a person would
        st, doc = api("frontdoor1", "GET", "/api/v1/match-reviews/%d" % link_pair.get("id", 0))
        check(st == 200 and doc.get("state") == "different", "the decided pair reads back as decided", (st, doc))

        # a person's partner rows: with a footing only
        st, doc = api(LEAD, "GET", "/api/v1/people/%d/partner-records" % child[0])
        check(st == 200 and {it.get("dataset") for it in doc.get("items", [])} >= {"school_attendance"}
              and all(isinstance(it.get("attributes"), dict) for it in doc.get("items", [])),
              "the lead practitioner sees the child's partner rows with their attributes", (st, doc))
        st, doc = api("practitioner.s1", "GET", "/api/v1/people/%d/partner-records" % child[0])
        check(st == 403, "a practitioner with no footing does not", (st, doc))

        # a partner on the Team Around the Family, with the family's consent: partner rows only once the council
        # shares partner_data with schools, and a dataset under the police label never
        school = sql.execute("SELECT id, agency_id FROM app_user WHERE username = 'partner.school1'").fetchone()
        sql.execute("INSERT INTO episode_member (episode_id, user_id, agency_id, from_date, created_at, updated_at)"
                    " VALUES (1, ?, ?, '2026-10-01', '2026-10-01T09:00:00Z', '2026-10-01T09:00:00Z')", school)
        sql.execute("INSERT INTO consent (family_id, scope, method, given_on, created_at, updated_at) VALUES"
                    " (?, 'share_all_partners', 'verbal', '2026-10-01', '2026-10-01T09:00:00Z',"
                    " '2026-10-01T09:00:00Z')", (FAMILY,))
        sql.commit()
        tok["partner.school1"] = session_of(port, logins["partner.school1"])
        path = "/api/v1/people/%d/partner-records" % adult[0]
        st, doc = api("partner.school1", "GET", path)
        check(st == 404, "a partner sees no partner rows while partner_data is not shared with them", (st, doc))
        sql.execute("INSERT INTO section_share (section, agency_type) VALUES ('partner_data', 'school')")
        sql.commit()
        intel = os.path.join(tmp, "police_intel.csv")
        write(intel, "ref,forename,surname,dob,sex,postcode,domestic_abuse\n"
                     "int-1,%s,%s,%s,%s,%s,Y\n" % (adult[1], adult[2], dmy(adult[3]), adult[4], adult[5] or ""))
        write(intel + ".json", mapping({"domestic_abuse": "domestic_abuse"}))
        rc, out, err = hearth_cli(hearth, "import", "--db", db, "--dataset", "police_intel", "--section",
                                  "police_information", "--mapping", intel + ".json", intel)
        link_run("sfcoordinator", {"dataset": "police_intel"})
        st, doc = api("partner.school1", "GET", path)
        seen = {it.get("dataset") for it in (doc or {}).get("items", [])}
        check(rc == 0 and st == 200 and "dwp_benefits" in seen and "police_intel" not in seen,
              "once shared, the partner sees the rows, but not a dataset under the police label", (rc, err, st, doc))
        st, doc = api(LEAD, "GET", path)
        seen = {it.get("dataset") for it in (doc or {}).get("items", [])}
        check(st == 200 and "police_intel" in seen, "the lead practitioner sees the police-labelled rows", (st, doc))

        # identification: attendance (EDU) for the children, the adult's domestic abuse (DA) and benefits (FIN)
        # the adult's attendance row was unlinked above; the children's rows carry EDU
        st, doc = api("manager.n", "GET", "/api/v1/identification")
        fam = next((it for it in (doc or {}).get("items", []) if it.get("family_id") == FAMILY), None)
        check(st == 200 and fam and set(fam.get("headlines", [])) >= {"EDU", "DA", "FIN"},
              "the family is put forward with three headlines", (st, doc))
        fam = fam or {}
        ev = [e for m in fam.get("members", []) for e in m.get("evidence", [])]
        check(any(e.get("indicator") == "attendance_below_90" and e.get("value") == "84.5" for e in ev)
              and all((m.get("person") or {}).get("id") for m in fam.get("members", [])),
              "each member's evidence names the indicator and the value, with an index card", fam)
        st, doc = api("manager.n", "POST", "/api/v1/families/%d/identification" % FAMILY,
                      {"decision": "offer_support", "reason": "Three needs; the school has concerns too."})
        check(st == 201 and set(doc.get("headlines", [])) >= {"EDU", "DA", "FIN"},
              "a decision on the family is recorded with the headlines it saw", (st, doc))
        st, doc = api("manager.n", "POST", "/api/v1/families/%d/identification" % FAMILY,
                      {"decision": "adopt_them", "reason": "x"})
        check(st == 422, "an unknown decision is refused", (st, doc))
        st, doc = api("manager.n", "GET", "/api/v1/identification")
        fam = next((it for it in (doc or {}).get("items", []) if it.get("family_id") == FAMILY), {})
        check((fam.get("decision") or {}).get("decision") == "offer_support", "the list shows the decision", fam)
        opened = sql.execute("SELECT count(*) FROM episode WHERE family_id = ?", (FAMILY,)).fetchone()[0]
        check(opened == 1, "nothing was opened by the list", opened)

        # finding 18: partner rows read directly, through the review queue and through the identification list are
        # each in the person's access report, saying what they were read through
        st, doc = api("dpo", "GET", "/api/v1/people/%d/access-report?limit=1000" % child[0])
        reads = {(it.get("record"), it.get("via"), (it.get("by") or {}).get("username"))
                 for it in (doc or {}).get("items", []) if it.get("action") == "read"}
        check(st == 200 and ("partner_record", "partner_records", LEAD) in reads,
              "finding_18_partner_records_read_is_in_the_access_report", (st, sorted(map(str, reads))))
        check(("partner_record", "match_review", "frontdoor1") in reads
              and ("partner_record", "match_review", "manager.n") in reads
              and ("person", "match_review", "frontdoor1") in reads,
              "finding_18_match_review_cards_and_rows_are_in_the_access_report", sorted(map(str, reads)))
        check(("partner_record", "identification", "manager.n") in reads
              and ("person", "identification", "manager.n") in reads,
              "finding_18_identification_evidence_is_in_the_access_report", sorted(map(str, reads)))
        lead_read = next((it for it in (doc or {}).get("items", []) if it.get("via") == "partner_records"), {})
        check((lead_read.get("footing") or {}).get("basis") == "lead",
              "finding_18_the_report_gives_the_footing_of_a_partner_records_read", lead_read)

        # finding 8: outside a footing the check answers the index card and a score from the card's fields alone, so
        # a guessed postcode or NHS number changes nothing; on a footing the evidence uses every field
        apid, agiven, afamily, adob, asex, apc = adult
        nhs = sql.execute("SELECT nhs_number FROM person WHERE id = ?", (apid,)).fetchone()[0]
        probe = {"given_name": agiven, "family_name": afamily, "date_of_birth": adob, "sex": asex}

        def answer(user, **extra):
            st, doc = api(user, "POST", "/api/v1/people/matches", dict(probe, **extra))
            it = next((x for x in (doc or {}).get("items", []) if (x.get("person") or {}).get("id") == apid), None)
            return st, it

        st1, right = answer("frontdoor1", postcode=apc, nhs_number=nhs)
        st2, wrong = answer("frontdoor1", postcode="ZZ99 9ZZ", nhs_number="9434765919")
        st3, none = answer("frontdoor1")
        fields = {e.get("field") for x in (right, wrong) for e in (x or {}).get("evidence", [])}
        check(st1 == st2 == st3 == 200 and right and right == wrong == none and fields <= CARD_FIELDS
              and set(right.get("person", {})) <= PERSON_CARD,
              "finding_8_matches_without_footing_say_nothing_of_a_guessed_postcode_or_nhs_number",
              (st1, right, st2, wrong))
        st1, right = answer(LEAD, postcode=apc, nhs_number=nhs)
        st2, wrong = answer(LEAD, postcode="ZZ99 9ZZ", nhs_number="9434765919")
        levels = {e.get("field"): e.get("level") for e in (right or {}).get("evidence", [])}
        check(st1 == st2 == 200 and right and levels.get("postcode") == "exact" and levels.get("identifier") == "exact"
              and right.get("view") == "full" and (not wrong or wrong.get("probability") < right.get("probability")),
              "finding_8_matches_on_a_footing_show_evidence_on_every_field", (st1, right, st2, wrong))
        dupes = []
        for number in (nhs, "9434765919"):
            st, doc = api("frontdoor1", "POST", "/api/v1/people", dict(probe, nhs_number=number))
            dupes.append((st, next((d for d in (doc or {}).get("possible_duplicates", []) if d.get("id") == apid),
                                   None)))
        check(dupes[0][0] == dupes[1][0] == 201 and dupes[0][1] and dupes[0][1] == dupes[1][1],
              "finding_8_possible_duplicates_without_footing_say_nothing_of_a_guessed_nhs_number", dupes)

        # issue 15: when nobody is answered, the answer says what was searched: every lookup that ran with the
        # value it looked for, the size of the index and how many people were compared; with somebody answered
        # it does not (the evidence says why, and a caller without a footing reads nothing beyond the cards)
        nobody = {"given_name": "Zebedee", "family_name": "Quartermaine-Oyelaran", "date_of_birth": "1931-02-03",
                  "postcode": "le13 9zq"}
        st, doc = api("frontdoor1", "POST", "/api/v1/people/matches", nobody)
        searched = (doc or {}).get("searched") or {}
        lookups = {(x.get("by"), x.get("value")) for x in searched.get("lookups", [])}
        people = sql.execute("SELECT max(id) FROM person").fetchone()[0]
        check(st == 200 and doc.get("items") == [] and searched.get("index_people") == people
              and ("date_of_birth", "1931-02-03") in lookups
              and ("date_of_birth with day and month swapped", "1931-03-02") in lookups
              and ("family_name and given_name", "Quartermaine-Oyelaran") in lookups
              and ("given_name and year of birth", "Zebedee") in lookups and ("postcode", "LE13 9ZQ") in lookups
              and isinstance(searched.get("candidates_compared"), int)
              and 0 < searched.get("answer_probability", 0) < 1,
              "issue_15_nobody_answered_says_what_was_searched", (st, doc))
        nobody_within = dict(nobody)
        del nobody_within["postcode"]
        st, doc = api("frontdoor1", "POST", "/api/v1/people/matches", {"date_of_birth": "1900-01-02"})
        searched = (doc or {}).get("searched") or {}
        check(st == 200 and [x.get("by") for x in searched.get("lookups", [])]
              == ["date_of_birth", "date_of_birth with day and month swapped"],
              "issue_15_searched_lists_only_the_lookups_that_ran", (st, doc))
        st, doc = api("frontdoor1", "POST", "/api/v1/people/matches", probe)
        check(st == 200 and doc.get("items") and "searched" not in doc,
              "issue_15_an_answer_with_somebody_has_their_evidence_not_the_search", (st, doc))

        # issue 15, the lead's decision on finding 8: within a contact the front door is triaging, what the
        # contact carries (the family's postcode as the caller gave it) counts, bound to the recorded contact and
        # named in every audit entry; a postcode typed into a free search still changes nothing
        def contact(user, **extra):
            body = {"received_on": TODAY, "channel": "phone", "contactor_type": "professional",
                    "source_code": "1A", "reason": "A school is worried about the family."}
            body.update(extra)
            return api(user, "POST", "/api/v1/contacts", body)

        def within(user, cid, body):
            st, doc = api(user, "POST", "/api/v1/contacts/%d/matches" % cid, body)
            it = next((x for x in (doc or {}).get("items", []) if (x.get("person") or {}).get("id") == apid), None)
            return st, doc, it

        st, doc = contact("frontdoor1", family_postcode=apc.lower().replace(" ", ""), family_address="4 Mill Lane",
                          school="Hillside Primary")
        right_c = (doc or {}).get("id", 0)
        check(st == 201 and doc.get("family_postcode") == apc and doc.get("school") == "Hillside Primary",
              "issue_15_a_contact_keeps_the_family_postcode_canonical_and_the_school", (st, doc))
        st, doc = contact("frontdoor1", family_postcode="not a postcode")
        check(st == 422 and (doc or {}).get("error", {}).get("code") == "invalid_identifier",
              "issue_15_a_contact_with_a_malformed_postcode_is_refused", (st, doc))
        wrong_c = (contact("frontdoor1", family_postcode="SW1A 2AA" if apc != "SW1A 2AA" else "LE1 1AA")[1]
                   or {}).get("id", 0)
        plain_c = (contact("frontdoor1")[1] or {}).get("id", 0)
        seq = testdb.connect(testdb.trail(db)).execute(
            "SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()[0]
        st1, _, right = within("frontdoor1", right_c, probe)
        st2, _, wrong = within("frontdoor1", wrong_c, probe)
        st3, _, plain = within("frontdoor1", plain_c, probe)
        _, free = answer("frontdoor1", postcode=apc)
        _, none = answer("frontdoor1")
        levels = {e.get("field"): e.get("level") for e in (right or {}).get("evidence", [])}
        check(st1 == st2 == st3 == 200 and right and levels.get("postcode") == "exact" and right.get("view") == "contact"
              and plain and free and right.get("match_weight") > plain.get("match_weight")
              and plain.get("match_weight") == free.get("match_weight") and plain.get("view") == "card"
              and (not wrong or wrong.get("match_weight") < right.get("match_weight")),
              "issue_15_the_contacts_postcode_counts_within_the_contact", (right, wrong, plain, free))
        check(none == free, "issue_15_a_free_guessed_postcode_still_changes_nothing", (none, free))
        st, doc, _ = within("frontdoor1", right_c, dict(probe, postcode=apc))
        check(st == 422 and (doc or {}).get("error", {}).get("code") == "unknown_field",
              "issue_15_the_postcode_comes_from_the_contact_never_the_request", (st, doc))
        st, doc, _ = within(LEAD, right_c, probe)
        check(st == 403, "issue_15_a_contact_the_caller_has_no_footing_on_is_403", (st, doc))
        st, doc, _ = within("frontdoor1", 999999, probe)
        check(st == 404, "issue_15_a_contact_that_does_not_exist_is_404", (st, doc))
        trail = testdb.connect(testdb.trail(db))
        uid = sql.execute("SELECT id FROM app_user WHERE username = 'frontdoor1'").fetchone()[0]
        for _ in range(30):  # the trail's writer commits in groups
            reads = [json.loads(d) for (d,) in trail.execute(
                "SELECT detail FROM audit_event WHERE seq > ? AND actor_user_id = ? AND action = 'read'"
                " AND target_table = 'person' AND target_id = ?", (seq, uid, apid))]
            searches = [json.loads(d) for (d,) in trail.execute(
                "SELECT detail FROM audit_event WHERE seq > ? AND actor_user_id = ? AND action = 'search'",
                (seq, uid))]
            if len(reads) >= 3:
                break
            time.sleep(0.1)
        named = {r.get("contact") for r in reads if r.get("via") == "contact_match"}
        check(named >= {right_c, wrong_c, plain_c} and all(r.get("footing") for r in reads)
              and any(s_.get("contact") == right_c for s_ in searches),
              "issue_15_the_audit_of_each_candidate_names_the_contact", (reads, searches))
        # the duplicate warning when the person is recorded within the contact: a new person has no address,
        # the contact does
        st, doc = api("frontdoor1", "POST", "/api/v1/people", dict(probe, family_name=afamily + "e"))
        newp = (doc or {}).get("id")
        st, doc = api("frontdoor1", "POST", "/api/v1/contacts/%d/children" % right_c, {"person_id": newp})
        warned = next((d for d in (doc or {}).get("possible_duplicates", []) if d.get("id") == apid), None)
        st2, doc2 = api("frontdoor1", "POST", "/api/v1/contacts/%d/matches" % right_c, {"person_id": newp})
        it = next((x for x in (doc2 or {}).get("items", []) if (x.get("person") or {}).get("id") == apid), {})
        levels = {e.get("field"): e.get("level") for e in it.get("evidence", [])}
        check(st == 201 and warned and st2 == 200 and it.get("view") == "contact" and levels.get("postcode") == "exact"
              and newp not in [(x.get("person") or {}).get("id") for x in doc2.get("items", [])],
              "issue_15_recording_a_child_within_a_contact_warns_with_the_contacts_postcode", (st, doc, st2, doc2))
        st, doc = api("frontdoor1", "POST", "/api/v1/contacts/%d/matches" % right_c, {"person_id": pid})
        check(st == 404, "issue_15_person_id_must_be_a_child_of_the_contact", (st, doc))
        st, doc = api("frontdoor1", "POST", "/api/v1/contacts/%d/matches" % right_c, nobody_within)
        searched = (doc or {}).get("searched") or {}
        lookups = {(x.get("by"), x.get("value")) for x in searched.get("lookups", [])}
        check(st == 200 and doc.get("items") == [] and searched.get("contact") == right_c
              and searched.get("from_contact") == ["postcode", "family"] and ("postcode", apc) in lookups,
              "issue_15_nobody_answered_within_a_contact_says_what_was_searched", (st, doc))

        # issue 15: the family a contact names (its other people) weighs on each candidate: one of them living
        # with the candidate in the index (the same current address) lends its weight ("family", naming the
        # contact's person it matched, never the one it matched in the index), one living elsewhere takes a
        # little away, and the person it matched is read through the index in the audit trail
        line1 = sql.execute("SELECT line1 FROM person_address WHERE person_id = ? AND to_date IS NULL"
                            " ORDER BY id DESC LIMIT 1", (apid,)).fetchone()[0]
        mate_body = {"given_name": "Tamsin", "family_name": afamily, "date_of_birth": "2015-04-09", "sex": "F"}
        st, doc = api(LEAD, "POST", "/api/v1/people", mate_body)
        mate = (doc or {}).get("id", 0)
        st2, doc2 = api(LEAD, "POST", "/api/v1/people/%d/addresses" % mate,
                        {"address_type": "home", "line1": line1, "postcode": apc})
        check(st == st2 == 201, "issue_15_a_relative_recorded_at_the_candidates_address", (st, doc, st2, doc2))
        moved = dict(probe, family_name="Quillfeather-Amadi")  # a new family name, and a new address
        elsewhere = "SW1A 2AA" if apc != "SW1A 2AA" else "LE1 1AA"
        seq = trail.execute("SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()[0]

        def contact_naming(*people):
            cid = (contact("frontdoor1", family_postcode=elsewhere)[1] or {}).get("id", 0)
            ids = []
            for body in people:
                pid_ = (api("frontdoor1", "POST", "/api/v1/people", body)[1] or {}).get("id", 0)
                api("frontdoor1", "POST", "/api/v1/contacts/%d/children" % cid, {"person_id": pid_})
                ids.append(pid_)
            return cid, ids

        lone_c, _ = contact_naming()
        fam_c, (named_mate,) = contact_naming(dict(mate_body, given_name="Tamsyn"))  # as the caller spelt it
        far_c, _ = contact_naming({"given_name": "Ottoline", "family_name": "Zzyzx", "date_of_birth": "1911-01-01",
                                   "sex": "F"})
        st1, _, lone = within("frontdoor1", lone_c, moved)
        st2, doc2, fam = within("frontdoor1", fam_c, moved)
        st3, _, far = within("frontdoor1", far_c, moved)
        ev = {e.get("field"): e for e in (fam or {}).get("evidence", [])}
        check(st1 == st2 == st3 == 200 and fam and fam.get("view") == "contact"
              and (ev.get("family") or {}).get("weight", 0) > 0 and ev["family"].get("with") == named_mate
              and mate not in ev["family"].values()
              and (not lone or (lone.get("match_weight") < fam.get("match_weight")
                                and "family" not in {e.get("field") for e in lone.get("evidence", [])}))
              and mate not in [(x.get("person") or {}).get("id") for x in doc2.get("items", [])],
              "issue_15_a_relative_the_contact_names_living_with_the_candidate_counts", (lone, fam, doc2))
        far_ev = {e.get("field"): e for e in (far or {}).get("evidence", [])}
        check(not far or ((far_ev.get("family") or {}).get("weight", 0) < 0
                          and far.get("match_weight") < fam.get("match_weight")),
              "issue_15_a_relative_living_elsewhere_takes_a_little_away", far)
        for _ in range(30):  # the trail's writer commits in groups
            mate_reads = [json.loads(d) for (d,) in trail.execute(
                "SELECT detail FROM audit_event WHERE seq > ? AND action = 'read' AND target_table = 'person'"
                " AND target_id = ?", (seq, mate))]
            if mate_reads:
                break
            time.sleep(0.1)
        check(any(r.get("via") == "contact_match_family" and r.get("contact") == fam_c and r.get("candidate") == apid
                  for r in mate_reads),
              "issue_15_the_relative_matched_in_the_index_is_read_in_the_audit_trail", mate_reads)
    finally:
        problem = server.stop()
        check(problem is None, "the server stops cleanly", problem)

    rc, out, err = hearth_cli(hearth, "identify", "--db", db)
    try:
        listed = json.loads(out)
    except ValueError:
        listed = []
    check(rc == 0 and any(it.get("family_id") == FAMILY for it in listed), "hearth identify prints the family",
          (rc, err))
    bad = os.path.join(tmp, "bad.json")
    write(bad, json.dumps([{"code": "x", "label": "X", "dataset": "d", "attribute": "a", "op": "lt",
                            "value": "ninety", "need": "EDU_ATTENDANCE"}]))
    before = sql.execute("SELECT count(*) FROM sf_indicator").fetchone()[0]
    rc, out, err = hearth_cli(hearth, "identify", "indicators", "--db", db, "--load", bad)
    after = sql.execute("SELECT count(*) FROM sf_indicator").fetchone()[0]
    check(rc == 1 and "number" in err and before == after and before > 0,
          "bad indicators are refused and the indicators are as they were", (rc, err, before, after))
    rc, out, err = hearth_cli(hearth, "link", "index", "--db", db, "--dataset", "no_such")
    check(rc == 1 and "no dataset" in err, "link index names a dataset that does not exist", (rc, err))
    rc, out, err = hearth_cli(hearth, "audit", "verify", "--db", db, "--public-key", testdb.pubkey(db))
    check(rc == 0, "the audit trail verifies", (rc, out, err))

    return suite.finish(tmp, args.keep, "pindex", check)


if __name__ == "__main__":
    sys.exit(main())
