-- 0007_partner_data.sql — partners' datasets imported from CSV files (`hearth import`, src/import/).
--
--   partner_dataset  one named dataset (e.g. 'school_attendance_2025'): whose it is, its sharing label.
--   partner_import   one run of `hearth import` into a dataset: the file's name, when, and what it did.
--   partner_record   one row of a dataset, keyed by (dataset, row key): the person's details in canonical
--                    form, the dataset's own columns as JSON, and the person it is linked to (NULL until
--                    linking, which comes later; a person decides).
--
-- Conventions as in 0001: id, version (partner_record: up by one when an import changes the row's content,
-- the previous content kept in row_history), created_at/created_by, updated_at/updated_by. An import that
-- fails writes nothing at all (one transaction), so every row here came from a complete import.

-- Partner datasets carry a sharing label (issue 3): the section that decides which partners may see them.
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('section', 'partner_data', 'Partner datasets (imported files)', NULL, 21);

CREATE TABLE partner_dataset (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,   -- 1..64 of [A-Za-z0-9_.-], given with hearth import --dataset
  agency_id   INTEGER REFERENCES agency(id), -- whose data it is; NULL when not said
  section     TEXT NOT NULL DEFAULT 'partner_data', -- ref 'section': the sharing label
  records     INTEGER NOT NULL DEFAULT 0, -- rows held after the last import (bookkeeping: no version change)
  imported_at TEXT,                   -- when the last import finished (bookkeeping: no version change)
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);

-- One row per import that completed; the counts are those of its summary. Never the rows' contents.
CREATE TABLE partner_import (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES partner_dataset(id),
  file        TEXT NOT NULL,          -- the file's name, without its directory
  started_at  TEXT NOT NULL,
  finished_at TEXT,                   -- set in the same transaction, so never NULL once committed
  rows_read   INTEGER NOT NULL DEFAULT 0,
  inserted    INTEGER NOT NULL DEFAULT 0,
  updated     INTEGER NOT NULL DEFAULT 0,
  unchanged   INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0,
  created_by  INTEGER
);
CREATE INDEX partner_import_dataset ON partner_import(dataset_id);

-- A partner's row. Person fields are canonical: names trimmed with inner spaces collapsed (given_key and
-- family_key folded as in person, for search and linking), dates 'YYYY-MM-DD', sex M/F/U, postcode
-- "AB1 2CD", NHS number 10 digits, NINO "AB123456C", UPN 13 characters; NULL when empty or not mapped.
CREATE TABLE partner_record (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER NOT NULL REFERENCES partner_dataset(id),
  row_key       TEXT NOT NULL,        -- the mapping's id column, trimmed
  given_name    TEXT,
  family_name   TEXT,
  given_key     TEXT,
  family_key    TEXT,
  date_of_birth TEXT,
  sex           TEXT,                 -- ref 'sex' M/F/U
  postcode      TEXT,
  address       TEXT,                 -- the address column(s), joined with ", "
  town          TEXT,
  email         TEXT,
  nhs_number    TEXT,
  nino          TEXT,
  upn           TEXT,
  attributes    TEXT,                 -- JSON object: attribute -> text as in the file (null when empty)
  person_id     INTEGER REFERENCES person(id), -- NULL until linked
  import_id     INTEGER NOT NULL REFERENCES partner_import(id), -- the last import whose file held the row
  source_line   INTEGER NOT NULL,     -- the line the row starts on in that file
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  created_by    INTEGER,
  updated_at    TEXT NOT NULL,
  updated_by    INTEGER,
  UNIQUE (dataset_id, row_key)
);
CREATE INDEX partner_record_import ON partner_record(import_id);
CREATE INDEX partner_record_person ON partner_record(person_id) WHERE person_id IS NOT NULL;
