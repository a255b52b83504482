"""seen.py — the caseload's "what others have added since I last looked" (issue 11), over HTTP.

Called by tests/web/run.py after practitioner.py, on its server, demo council and browsers. practitioner.n1 (id
4) leads episode 1 and sits on the Team Around the Family of episode 5 (led by practitioner.n3, id 6). Each check
sets when n1 last looked (episode_seen) two days before the test clock, adds records by others and by n1 after
it, and compares the caseload's counts — API item and page — with what n1 may read of those records, asked of
the API record by record. Dates come from the test clock (HEARTH_NOW), never today's.
"""
import re

N1, N3 = 4, 6
EP_LEAD, EP_TAF = 1, 5
# table -> the API's resource, to ask whether the reader may read a record
RESOURCE = {"case_note": "notes", "activity": "activities", "review": "reviews", "assessment": "assessments",
            "plan": "plans", "plan_action": "actions"}
NEW_SQL = (" UNION ALL ".join(
    "SELECT '%s', id FROM %s WHERE episode_id = ? AND created_by <> ? AND created_at > ?" % (t, t)
    for t in ("case_note", "activity", "review", "assessment", "plan")) +
    " UNION ALL SELECT 'plan_action', a.id FROM plan_action a JOIN plan p ON p.id = a.plan_id "
    "WHERE p.episode_id = ? AND a.created_by <> ? AND a.created_at > ?")


def add_note(h, episode, by, when, label=None):
    h.db_rows(h.db, "INSERT INTO case_note (episode_id, note_type, occurred_at, body, created_at, created_by, "
                    "updated_at, sharing_label) SELECT ?, note_type, ?, 'Synthetic note.', ?, ?, ?, ? FROM case_note "
                    "LIMIT 1", (episode, when, when, by, when, label))
    return h.db_rows(h.db, "SELECT max(id) FROM case_note")[0][0]


def looked(h, user, episode, when):
    """user last looked at episode at when."""
    h.db_rows(h.db, "DELETE FROM episode_seen WHERE user_id = ? AND episode_id = ?", (user, episode))
    h.db_rows(h.db, "INSERT INTO episode_seen (user_id, episode_id, seen_at) VALUES (?, ?, ?)", (user, episode, when))


def expected(h, who, user, episode, since):
    """{table: n} of what others added to episode after since that who may read (the API's answer, one by one)."""
    out = {}
    for table, rid in h.db_rows(h.db, NEW_SQL, (episode, user, since) * 6):
        st, _ = h.get(who, "/api/v1/%s/%d" % (RESOURCE[table], rid))
        if st == 200:
            out[table] = out.get(table, 0) + 1
    return out


def item_of(h, who, episode):
    st, doc = h.get(who, "/api/v1/worklist/caseload")
    for it in (doc or {}).get("items", []):
        if it["episode"]["id"] == episode:
            return it
    return None


def tag_of(html, episode):
    """The "N new since you last looked" tag on the caseload row linking to the episode, or None."""
    m = re.search(r'href="/episodes/%d">[^<]*</a>(?: <strong class="govuk-tag govuk-tag--blue">([^<]*)</strong>)?'
                  % episode, html)
    return m and m.group(1)


def checks(h):
    check, n1 = h.check, h.n1
    since = h.at(-2)
    # ---- the lead: others' notes counted, the lead's own never
    looked(h, N1, EP_LEAD, since)
    add_note(h, EP_LEAD, N3, h.at(-1))
    add_note(h, EP_LEAD, N1, h.at(-1))  # n1's own: never new to n1
    want = expected(h, n1, N1, EP_LEAD, since)
    it = item_of(h, n1, EP_LEAD)
    check("the caseload counts what others added since the lead last looked",
          it is not None and it.get("new_since_seen") == want and want.get("case_note", 0) >= 1 and
          it.get("seen_at") == since, (it and it.get("new_since_seen"), it and it.get("seen_at"), want))
    own = h.db_rows(h.db, "SELECT count(*) FROM case_note WHERE episode_id = ? AND created_by = ? AND created_at > ?",
                    (EP_LEAD, N1, since))[0][0]
    check("... never the lead's own additions", own >= 1 and it is not None and
          sum(it["new_since_seen"].values()) == sum(want.values()), (own, it and it.get("new_since_seen")))
    st, _, html = n1.go("GET", "/")
    n = sum(want.values())
    check("the caseload page shows it as a tag beside the episode's link",
          st == 200 and tag_of(html, EP_LEAD) == "%d new since you last looked" % n, (st, tag_of(html, EP_LEAD)))
    # ---- opening the episode page: nothing new any more
    st, _, _ = n1.go("GET", "/episodes/%d" % EP_LEAD)
    it = item_of(h, n1, EP_LEAD)
    check("after the lead opens the episode page nothing is new", st == 200 and it is not None and
          it.get("new_since_seen") == {} and (it.get("seen_at") or "") > since, (st, it and it.get("seen_at")))
    _, _, html = n1.go("GET", "/")
    check("... and the page shows no tag for it", 'href="/episodes/%d"' % EP_LEAD in html and
          tag_of(html, EP_LEAD) is None, tag_of(html, EP_LEAD))
    # ---- the family's page marks its episodes seen too
    looked(h, N1, EP_LEAD, since)
    check("(a note of another's shows again once the last look is moved back)",
          (item_of(h, n1, EP_LEAD) or {}).get("new_since_seen", {}).get("case_note", 0) >= 1)
    fam = h.db_rows(h.db, "SELECT family_id FROM episode WHERE id = ?", (EP_LEAD,))[0][0]
    st, _, _ = n1.go("GET", "/families/%d" % fam)
    check("after the lead opens the family's page nothing is new", st == 200 and
          (item_of(h, n1, EP_LEAD) or {}).get("new_since_seen") == {}, st)
    # ---- a kind of record the reader may not read is not counted: a health note on a case n1 is TAF on
    looked(h, N1, EP_TAF, since)
    plain = add_note(h, EP_TAF, N3, h.at(-1))
    health = add_note(h, EP_TAF, N3, h.at(-1), "health_information")
    st_plain, _ = h.get(n1, "/api/v1/notes/%d" % plain)
    st_health, _ = h.get(n1, "/api/v1/notes/%d" % health)
    check("(a TAF member reads an ordinary note but not a health note of the case)",
          st_plain == 200 and st_health in (403, 404), (st_plain, st_health))
    want = expected(h, n1, N1, EP_TAF, since)
    it = item_of(h, n1, EP_TAF)
    check("a note the reader may not read is left out of the count", it is not None and
          it.get("new_since_seen") == want and want.get("case_note", 0) >= 1, (it and it.get("new_since_seen"), want))
    st, _, html = n1.go("GET", "/")
    check("... on the page too", tag_of(html, EP_TAF) == "%d new since you last looked" % sum(want.values()),
          tag_of(html, EP_TAF))
