-- 0017_retention.sql — legal holds, and retention plans kept for approval (issue 10, docs/retention.md).
--
-- A legal hold stops a record being disposed of while it stands, whatever its retention class says
-- (domain.md §6.5: "a legal-hold / moratorium flag at record and case level, with reason code"). Standing
-- holds that cover whole kinds of record (the IICSA moratorium) are declared in the policy file; this table
-- holds the ones placed on one record by a person (litigation, an open subject access request, an inquiry).
-- A hold on a person covers every record about them; a hold on a family covers its episodes and contacts
-- (src/retention/retention.h says exactly which records each hold covers).
CREATE TABLE legal_hold (
  id          INTEGER PRIMARY KEY,
  reason      TEXT NOT NULL,          -- ref 'legal_hold_reason' (IICSA-2015, LITIGATION, SAR-OPEN, ...)
  scope_table TEXT NOT NULL CHECK (scope_table IN ('person', 'family', 'episode', 'contact')),
  scope_id    INTEGER NOT NULL,       -- the id of the held row in scope_table
  from_date   TEXT NOT NULL,          -- in force from this date
  until_date  TEXT,                   -- NULL while it stands; ended from this date on (not in force on it)
  note        TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER,
  CHECK (until_date IS NULL OR until_date >= from_date)
);
CREATE INDEX legal_hold_scope ON legal_hold(scope_table, scope_id);

-- A retention plan saved for approval: what `hearth retention plan` computed as of a date under one policy
-- (named by its profile and the digest of the file), in state draft, then approved by a second person, then
-- run. rows_digest is the digest of the plan's rows as written, so an approval is of exactly those rows.
CREATE TABLE retention_plan (
  id             INTEGER PRIMARY KEY,
  as_of          TEXT NOT NULL,
  policy_profile TEXT NOT NULL,
  policy_digest  TEXT NOT NULL,       -- BLAKE2b of the policy file, hex
  state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'approved', 'run')),
  row_count      INTEGER NOT NULL DEFAULT 0,
  rows_digest    TEXT,                -- BLAKE2b of the rows in plan order, hex
  approved_at    TEXT,
  approved_by    INTEGER REFERENCES app_user(id),
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  created_by     INTEGER,
  updated_at     TEXT NOT NULL,
  updated_by     INTEGER,
  CHECK ((state = 'draft') = (approved_at IS NULL))
);

-- One row of a saved plan: the columns of the plan's CSV.
CREATE TABLE retention_plan_row (
  id            INTEGER PRIMARY KEY,
  plan_id       INTEGER NOT NULL REFERENCES retention_plan(id),
  record_class  TEXT NOT NULL,
  record_table  TEXT NOT NULL CHECK (record_table IN ('contact', 'episode', 'family')),
  record_id     INTEGER NOT NULL,
  person_id     INTEGER,
  family_id     INTEGER,
  trigger_code  TEXT NOT NULL,        -- ref 'retention_trigger'
  trigger_date  TEXT,
  due_date      TEXT,
  action        TEXT NOT NULL CHECK (action IN ('keep', 'review', 'dispose')),
  disposal      TEXT NOT NULL CHECK (disposal IN ('destroy', 'archive', 'review')),
  hold          TEXT,                 -- ref 'legal_hold_reason' of the hold shown, NULL when none
  UNIQUE (plan_id, record_table, record_id)
);

-- The plan asks which contacts led to a referral: without this it would read the referral table once per
-- contact.
CREATE INDEX referral_contact ON referral(contact_id) WHERE contact_id IS NOT NULL;
