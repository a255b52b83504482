-- 0011_need_to_know.sql — no footing from what you record yourself (issue 9, docs/access.md).
--
-- A record that links two others (a person added to a family, a person named as a contact's child, a family
-- named by a contact) must not open what existed before the link to the user who recorded it. Each link
-- says whether it opens the linked record: set when the link is recorded (src/access/access.c,
-- access_link_opens), 1 only when the linked record is new with the link (recorded by the same user and tied
-- to nothing else yet) or the link was made by someone entitled to allocate (the owning team's manager).
-- Rows recorded before this migration keep opening, as they did.
ALTER TABLE family_member ADD COLUMN opens_person INTEGER NOT NULL DEFAULT 1 CHECK (opens_person IN (0, 1));
ALTER TABLE contact_child ADD COLUMN opens_person INTEGER NOT NULL DEFAULT 1 CHECK (opens_person IN (0, 1));
ALTER TABLE contact ADD COLUMN opens_family INTEGER NOT NULL DEFAULT 1 CHECK (opens_family IN (0, 1));
CREATE INDEX contact_known_family ON contact(opens_family, family_id);

-- Which assessment area each Supporting Families headline's needs belong to: a need is shown only where its
-- area's section is (a school on the Team Around the Family does not see a health need). Reference data the
-- council may edit [U].
CREATE TABLE headline_area (
  headline TEXT PRIMARY KEY,          -- sf_headline.code
  area     TEXT NOT NULL              -- ref 'assessment_area'
) WITHOUT ROWID;
INSERT INTO headline_area (headline, area) VALUES
  ('EDU', 'education_skills'),
  ('EYD', 'life_chances'),
  ('HLT', 'health'),
  ('SUB', 'health'),
  ('REL', 'safe_relationships'),
  ('SAF', 'safe_relationships'),
  ('CRM', 'safe_community'),
  ('DA', 'safe_relationships'),
  ('HOU', 'living_standards'),
  ('FIN', 'living_standards');

-- National identifiers (NHS number, National Insurance number) are a section of their own: a partner sees
-- them only where the council shares 'identifiers' with its agency type (health services and DWP, and the
-- council's own services), so a school on the team does not see parents' NHS numbers.
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('section', 'identifiers', 'National identifiers (NHS number, National Insurance number)', NULL, 21);
INSERT INTO section_share (section, agency_type)
  SELECT 'identifiers', a.code FROM ref_code a
   WHERE a.list = 'agency_type'
     AND a.code IN ('health_visiting', 'school_nursing', 'gp', 'hospital', 'mental_health', 'dwp', 'early_help',
                    'childrens_social_care');

-- A governance duty is limited to its purpose: only these purposes change records (a subject access request
-- reads; a rectification request corrects). Reference data the council may edit.
CREATE TABLE duty_purpose_write (
  purpose TEXT PRIMARY KEY            -- ref 'governance_purpose'
) WITHOUT ROWID;
INSERT INTO duty_purpose_write (purpose) VALUES ('rectification');
