-- 0019_disclosure.sql — the log of disclosures to national research (issue 12 part 2, docs/extracts.md).
--
-- One row per person in each extract sent: to whom, which research share of the policy, which fields, on what
-- legal basis, when, and when the recipient must destroy it. A person's access report and subject-access pack
-- show their rows, so a family can see that their information went to national research and until when it is
-- kept. The extract itself is never stored: it leaves Hearth encrypted to the recipient's key.
CREATE TABLE disclosure (
  id            INTEGER PRIMARY KEY,
  extract_ref   TEXT NOT NULL,          -- the extract's reference: its file's BLAKE2b-256, hex
  recipient     TEXT NOT NULL,          -- as the policy's research share names it
  dataset       TEXT NOT NULL,          -- the share's code
  person_id     INTEGER NOT NULL,       -- who was disclosed (an id: the log outlives an erasure)
  family_id     INTEGER,
  fields        TEXT NOT NULL,          -- JSON array of the fields sent
  legal_basis   TEXT NOT NULL,
  period_from   TEXT NOT NULL,
  period_to     TEXT NOT NULL,
  disclosed_on  TEXT NOT NULL,
  destroy_due   TEXT,                   -- disclosed_on + the share's destroyed_after
  created_at    TEXT NOT NULL,
  created_by    INTEGER
);
CREATE INDEX disclosure_person ON disclosure(person_id);
CREATE INDEX disclosure_extract ON disclosure(extract_ref);
