-- 0016_disposal.sql — what disposal keeps of a record it removed (issue 10 parts 3 and 4; src/gov/gov_dispose.c).
--
-- When a record's personal data is removed — its retention period over and the plan approved, or a person's
-- erasure carried out — one row here says what kind of record it was, its id, why it went (the retention
-- class and the approved plan, or the request), who approved it, when, and how many rows of each kind were
-- removed. Nothing personal: the record's id leads here and nowhere else. Its `reference` (D-000123) is the
-- disposal certificate's.
CREATE TABLE disposal (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('retention', 'erasure')),
  record_table  TEXT NOT NULL,          -- episode, contact, family or person
  record_id     INTEGER NOT NULL,
  record_class  TEXT,                   -- the retention class (policy), for kind retention
  reason        TEXT,                   -- "due 2026-01-01 under early_help_case", "erasure request 12"
  plan_id       INTEGER,                -- the approved retention plan
  request_id    INTEGER,                -- the erasure request (kept here: the request itself goes with the person)
  approved_by   INTEGER REFERENCES app_user(id),
  rows_removed  TEXT NOT NULL,          -- JSON object: table -> rows removed
  disposed_at   TEXT NOT NULL,
  disposed_by   INTEGER,
  UNIQUE (record_table, record_id)
);
CREATE INDEX disposal_plan ON disposal(plan_id) WHERE plan_id IS NOT NULL;
