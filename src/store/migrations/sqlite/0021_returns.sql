-- 0021_returns.sql — what Hearth's returns count (issue 12: Ofsted's Annex A).
--
-- Annex A's contact-source list (the lists 1 and 3 template, and the specification councils' returns are checked
-- against) has no 5D: a contact from the council's early help service is a contact from "LA SERVICES – other
-- internal (department other than social care in local authorities ...)", which Annex A reports as
-- o) 5B. Hearth keeps the DfE code 5D on the contact (the CIN census takes it); only its Annex A value
-- changes. annexa_contact_source is editable reference data (verified = 0): a council whose template carries
-- 5D sets this label back to its own lettering.
UPDATE ref_code
   SET label = 'o) 5B: LA services'
 WHERE list = 'annexa_contact_source'
   AND code = '5D';

-- Supporting Families outcome claims (issue 12 part 5; docs/claims.md).
--
-- Each identified need's outcome, recorded by the practitioner on the need itself (PATCH /api/v1/needs/{id}):
-- met or not met, when, and what evidences it (the framework's success measure, sf_need.success_criteria);
-- and sustained_on, the day a later check found the outcome still held. A claim needs every need met and each
-- still holding its need's sustain period (sf_need.sustain_months) after the episode closed.
ALTER TABLE assessment_need ADD COLUMN outcome TEXT;            -- ref 'need_outcome'; NULL: not judged yet
ALTER TABLE assessment_need ADD COLUMN outcome_on TEXT;
ALTER TABLE assessment_need ADD COLUMN outcome_evidence TEXT;
ALTER TABLE assessment_need ADD COLUMN sustained_on TEXT;

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('need_outcome', 'Outcome of an identified family need', 'Supporting Families outcome framework: every identified need must evidence a positive outcome (domain.md §1.4)', 1);
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('need_outcome', 'met', 'Outcome met', NULL, 1),
  ('need_outcome', 'not_met', 'Outcome not met', NULL, 2);

-- How many needs a claim needs, per framework version (2022-25: three, domain.md §1.4; whether they must span
-- three headlines is unconfirmed, so a version may ask for distinct headlines instead of needs).
ALTER TABLE sf_framework ADD COLUMN claim_min_needs INTEGER NOT NULL DEFAULT 3;
ALTER TABLE sf_framework ADD COLUMN claim_distinct_headlines INTEGER NOT NULL DEFAULT 0;

-- A results claim once made: one per family and framework version, never twice. signed_off_by is the person
-- who checked the evidence and made it; evidence is the checker's account (JSON) as it stood then.
CREATE TABLE sf_claim (
  id            INTEGER PRIMARY KEY,
  family_id     INTEGER NOT NULL,   -- no REFERENCES: the claim outlives the family's disposal (ids only)
  episode_id    INTEGER NOT NULL,
  framework     TEXT NOT NULL REFERENCES sf_framework(version),
  claimed_on    TEXT NOT NULL,
  signed_off_by INTEGER REFERENCES app_user(id),   -- NULL: made from the command line (the system)
  signed_off_name TEXT NOT NULL,
  evidence      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  UNIQUE (family_id, framework)
);
CREATE INDEX sf_claim_episode ON sf_claim(episode_id);
