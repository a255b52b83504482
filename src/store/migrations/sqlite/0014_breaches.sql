-- 0014_breaches.sql — the register of personal data breaches (UK GDPR arts 33 and 34; issue 10 part 5,
-- docs/breaches.md).
--
-- One row per breach information governance learns of: what happened, what data and how many people, when it
-- was found (the ICO's 72 hours run from then), the assessed risk, the decision on reporting it and why, when
-- it was reported and the ICO's reference, and when and how the people affected were told. The people a breach
-- is known to have affected are listed in breach_person, so a person's access report and subject-access pack
-- show it. The deadline is worked out by src/gov/gov_breach.c, never stored.

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('breach_risk', 'Risk a breach poses to people''s rights and freedoms', 'UK GDPR arts 33(1), 34(1); ICO breach guidance', 1),
  ('breach_decision', 'Decision on reporting a breach to the ICO', 'UK GDPR art. 33(1), (5)', 1);

INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('breach_risk', 'unlikely', 'Unlikely to result in a risk to people', NULL, 1),
  ('breach_risk', 'risk', 'A risk to people: report to the ICO', NULL, 2),
  ('breach_risk', 'high_risk', 'A high risk to people: report, and tell the people affected', NULL, 3),
  ('breach_decision', 'report', 'Reported to the ICO', NULL, 1),
  ('breach_decision', 'not_report', 'Not reported (reason recorded)', NULL, 2);

CREATE TABLE breach (
  id               INTEGER PRIMARY KEY,
  title            TEXT NOT NULL,
  what_happened    TEXT NOT NULL,
  discovered_at    TEXT NOT NULL,        -- ISO UTC timestamp: when the council became aware
  occurred_on      TEXT,                 -- YYYY-MM-DD, when known
  data_affected    TEXT,                 -- what kinds of data, in words
  special_category INTEGER NOT NULL DEFAULT 0 CHECK (special_category IN (0, 1)),
  people_affected  INTEGER CHECK (people_affected >= 0),  -- how many, as far as known
  risk             TEXT,                 -- ref 'breach_risk'; NULL until assessed
  decision         TEXT,                 -- ref 'breach_decision'; NULL until decided
  decision_reason  TEXT,
  decided_at       TEXT,
  reported_at      TEXT,                 -- ISO UTC timestamp
  ico_reference    TEXT,
  people_told_on   TEXT,                 -- YYYY-MM-DD
  people_told_how  TEXT,
  closed_on        TEXT,                 -- YYYY-MM-DD
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  created_by       INTEGER,
  updated_at       TEXT NOT NULL,
  updated_by       INTEGER,
  CHECK ((decision IS NULL) = (decided_at IS NULL)),
  CHECK (reported_at IS NULL OR decision = 'report')
);

CREATE TABLE breach_person (
  breach_id  INTEGER NOT NULL REFERENCES breach(id),
  person_id  INTEGER NOT NULL REFERENCES person(id),
  PRIMARY KEY (breach_id, person_id)
) WITHOUT ROWID;
CREATE INDEX breach_person_person ON breach_person(person_id);
