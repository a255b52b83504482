-- 0006_access.sql — what the access policy (src/access/) decides from, besides relationships already in the
-- domain (Team Around the Family membership, lead practitioner, owning team, front door contacts).
--
--   setting         the council's tunable numbers: triage grace, break-glass and duty lengths, how long a
--                   closed case stays open to its team.
--   section_share   which sections (sharing labels) each partner agency type may see, within consent.
--   sharing_basis   a recorded safeguarding basis to share with partners without (or beyond) consent.
--   access_grant    break glass and governance duties: time-limited access on a stated reason; break glass
--                   waits in the governance review queue until its outcome is recorded.
--   recovery_code   one-time codes to sign in when the second-factor device is lost (hashes only).

CREATE TABLE setting (
  name        TEXT PRIMARY KEY,
  value       INTEGER NOT NULL,
  unit        TEXT NOT NULL,
  description TEXT NOT NULL
);
INSERT INTO setting (name, value, unit, description) VALUES
  ('triage_grace_days', 5, 'days',
   'The front door keeps access to a contact, its children and its family for this long after the decision.'),
  ('closed_case_days', 30, 'days',
   'An episode''s team (Team Around the Family, lead, team manager) keeps access this long after it closes.'),
  ('break_glass_hours', 24, 'hours', 'How long break-glass access lasts.'),
  ('duty_hours', 8, 'hours', 'How long a governance duty (access for a stated purpose) lasts.');

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('section', 'Sharing label of a kind of record', 'BRIEF §3 (partners see only the sections shared with their agency type); issue 3', 0),
  ('note_section', 'Sharing label of a case note (when not ordinary case notes)', 'issue 3 (police information, health information)', 0),
  ('governance_purpose', 'Purpose of a governance duty', 'BRIEF §1 (data-subject requests, retention, legal holds, disposal, breaches, audit)', 0),
  ('break_glass_outcome', 'Outcome of the governance review of a break-glass access', 'Local practice', 0),
  ('sharing_basis', 'Basis for sharing without consent', 'BRIEF §3 (a recorded safeguarding basis)', 0);

INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('section', 'person', 'Identity and contact details', NULL, 1),
  ('section', 'special_category', 'Special category fields (ethnicity, religion, disability, SEND, gender identity)', NULL, 2),
  ('section', 'family', 'Family and household', NULL, 3),
  ('section', 'contact', 'Front door contacts and calls', NULL, 4),
  ('section', 'referral', 'Referrals', NULL, 5),
  ('section', 'consent', 'Consent and sharing bases', NULL, 6),
  ('section', 'episode', 'Episodes and Team Around the Family', NULL, 7),
  ('section', 'assessment', 'Assessments and needs identified', NULL, 8),
  ('section', 'assessment.safe_community', 'Assessment: staying safe in the community', NULL, 9),
  ('section', 'assessment.education_skills', 'Assessment: education and skills', NULL, 10),
  ('section', 'assessment.life_chances', 'Assessment: children''s life chances', NULL, 11),
  ('section', 'assessment.living_standards', 'Assessment: living standards, work, money and housing', NULL, 12),
  ('section', 'assessment.safe_relationships', 'Assessment: safe relationships', NULL, 13),
  ('section', 'assessment.health', 'Assessment: physical and mental health', NULL, 14),
  ('section', 'plan', 'Family plan, goals and actions', NULL, 15),
  ('section', 'review', 'Reviews', NULL, 16),
  ('section', 'activity', 'Activities and services attended', NULL, 17),
  ('section', 'case_note', 'Case notes', NULL, 18),
  ('section', 'police_information', 'Police information', NULL, 19),
  ('section', 'health_information', 'Health information', NULL, 20),
  ('note_section', 'police_information', 'Police information', NULL, 1),
  ('note_section', 'health_information', 'Health information', NULL, 2),
  ('governance_purpose', 'subject_access', 'Subject access request', NULL, 1),
  ('governance_purpose', 'rectification', 'Rectification request', NULL, 2),
  ('governance_purpose', 'erasure', 'Erasure request', NULL, 3),
  ('governance_purpose', 'restriction', 'Restriction request', NULL, 4),
  ('governance_purpose', 'objection', 'Objection', NULL, 5),
  ('governance_purpose', 'complaint', 'Complaint', NULL, 6),
  ('governance_purpose', 'breach', 'Data breach investigation', NULL, 7),
  ('governance_purpose', 'retention_review', 'Retention review or disposal', NULL, 8),
  ('governance_purpose', 'break_glass_review', 'Review of a break-glass access', NULL, 9),
  ('governance_purpose', 'legal', 'Legal claim or court', NULL, 10),
  ('break_glass_outcome', 'justified', 'Justified', NULL, 1),
  ('break_glass_outcome', 'not_justified', 'Not justified: advice given', NULL, 2),
  ('break_glass_outcome', 'escalated', 'Not justified: escalated', NULL, 3),
  ('sharing_basis', 'safeguarding', 'Safeguarding: sharing without consent to protect a child or adult', NULL, 1),
  ('sharing_basis', 'crime', 'Prevention or detection of crime', NULL, 2),
  ('sharing_basis', 'legal_duty', 'A legal duty or court order', NULL, 3);

-- Which sections each partner agency type sees (the council's configuration; change it with SQL or later
-- through the administration pages). A partner sees a section of a family only when it is listed here for
-- their agency type AND the family's consent (or a sharing basis) covers their agency type.
CREATE TABLE section_share (
  section     TEXT NOT NULL,          -- ref 'section'
  agency_type TEXT NOT NULL,          -- ref 'agency_type'
  PRIMARY KEY (section, agency_type)
) WITHOUT ROWID;
INSERT INTO section_share (section, agency_type)
  SELECT s.code, a.code FROM ref_code s, ref_code a
   WHERE s.list = 'section' AND a.list = 'agency_type'
     AND s.code IN ('person', 'family', 'episode', 'assessment', 'plan', 'review', 'activity');
INSERT INTO section_share (section, agency_type)
  SELECT s.code, a.code FROM ref_code s, ref_code a
   WHERE s.list = 'section' AND a.list = 'agency_type'
     AND ((a.code IN ('school', 'early_years') AND s.code IN ('assessment.education_skills', 'assessment.life_chances'))
       OR (a.code IN ('health_visiting', 'school_nursing', 'gp', 'hospital', 'mental_health')
           AND s.code IN ('assessment.health', 'health_information', 'special_category'))
       OR (a.code IN ('police', 'probation', 'youth_justice')
           AND s.code IN ('assessment.safe_community', 'assessment.safe_relationships', 'police_information'))
       OR (a.code IN ('housing', 'dwp') AND s.code IN ('assessment.living_standards'))
       OR (a.code IN ('early_help', 'childrens_social_care') AND s.code NOT IN ('person', 'family', 'episode',
           'assessment', 'plan', 'review', 'activity')));

-- Case notes may carry a narrower sharing label than ordinary case notes.
ALTER TABLE case_note ADD COLUMN sharing_label TEXT;  -- ref 'note_section'; NULL: ordinary case note

-- A recorded basis to share a family's information with partners beyond consent (BRIEF §3).
CREATE TABLE sharing_basis (
  id           INTEGER PRIMARY KEY,
  family_id    INTEGER NOT NULL REFERENCES family(id),
  basis        TEXT NOT NULL,         -- ref 'sharing_basis'
  agency_type  TEXT,                  -- ref 'agency_type'; NULL: every partner on the family's team
  reason       TEXT NOT NULL,
  recorded_on  TEXT NOT NULL,
  ended_on     TEXT,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  created_by   INTEGER,
  updated_at   TEXT NOT NULL,
  updated_by   INTEGER
);
CREATE INDEX sharing_basis_family ON sharing_basis(family_id);

-- Break glass and governance duties. Exactly one of family_id, person_id. A break-glass grant is in the
-- governance review queue while review_outcome is NULL.
CREATE TABLE access_grant (
  id              INTEGER PRIMARY KEY,
  user_id         INTEGER NOT NULL REFERENCES app_user(id),
  kind            TEXT NOT NULL CHECK (kind IN ('break_glass', 'duty')),
  family_id       INTEGER REFERENCES family(id),
  person_id       INTEGER REFERENCES person(id),
  reason          TEXT NOT NULL,      -- ref 'break_glass_reason' or 'governance_purpose'
  explanation     TEXT NOT NULL,
  granted_at      TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  review_outcome  TEXT,               -- ref 'break_glass_outcome'
  review_note     TEXT,
  reviewed_by     INTEGER REFERENCES app_user(id),
  reviewed_at     TEXT,
  CHECK ((family_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX access_grant_user ON access_grant(user_id, expires_at);
CREATE INDEX access_grant_review ON access_grant(kind, review_outcome);

CREATE TABLE recovery_code (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES app_user(id),
  code_hash   TEXT NOT NULL UNIQUE,   -- hex of BLAKE2b-256 of the normalised code
  created_at  TEXT NOT NULL,
  used_at     TEXT
);
CREATE INDEX recovery_code_user ON recovery_code(user_id);

-- API clients: a token may be narrowed to some permissions (comma-separated route permissions; NULL: all
-- the user's role allows).
ALTER TABLE session ADD COLUMN scopes TEXT;
