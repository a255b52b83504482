-- 0008_linkage.sql — the person index and what the matching engine (src/link/) suggests about it
-- (src/pindex/): linking partner datasets to the index, deduplicating it, the people who decide, reversible
-- merges, the model trained on the council's own index, and family identification from dataset attributes.
--
--   link_model        parameters the engine estimated on the council's data (m, u, prior, thresholds): the
--                     front door's check uses the newest one trained on the index.
--   link_run          one run of the engine: a dataset against the index, or the index against itself.
--   match_pair        a pair the engine suggested, with its evidence, waiting for or carrying a person's
--                     decision. One row per pair, ever (pair_key): a pair decided "different" is not asked
--                     again, a pending pair is refreshed by a later run.
--   person_merge      one merge of two people's records and, when undone, its undoing: which rows moved, so
--                     that the undoing puts every one of them back.
--   sf_indicator      which dataset attribute values evidence which Supporting Families family need (data,
--                     editable: the council's datasets are named by the council).
--   family_identification  a person's decision on a family the identification list put forward.
--
-- Nothing here is done without a person: the engine links a partner's row to a person only when that person
-- is the row's clear candidate above the upper threshold (src/pindex/pindex_run.c), and that link is a match_pair row
-- with its evidence, undone by deciding the pair "different". People are merged only by a person.

-- The person a merged record was merged into (NULL: not merged). A merged record is kept, never deleted:
-- it leaves search, matching and lists; reading it by id says where it went.
ALTER TABLE person ADD COLUMN merged_into INTEGER REFERENCES person(id);

CREATE TABLE link_model (
  id          INTEGER PRIMARY KEY,
  trained_on  TEXT NOT NULL,          -- 'index', or 'dataset:NAME' for a dataset against the index
  records     INTEGER NOT NULL,       -- records on each side together
  pairs       INTEGER NOT NULL,       -- candidate pairs it was estimated from
  params      TEXT NOT NULL,          -- JSON: lambda, m and u per comparison and level, thresholds, iterations
  created_at  TEXT NOT NULL,
  created_by  INTEGER
);

CREATE TABLE link_run (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('dataset', 'index')),
  dataset_id      INTEGER REFERENCES partner_dataset(id),  -- kind 'dataset'
  model_id        INTEGER REFERENCES link_model(id),
  started_at      TEXT NOT NULL,
  finished_at     TEXT NOT NULL,
  people          INTEGER NOT NULL,   -- people of the index taken part (restricted and merged ones never do)
  records         INTEGER NOT NULL,   -- dataset rows taken part (0 for the index)
  candidate_pairs INTEGER NOT NULL,
  linked          INTEGER NOT NULL,   -- rows linked by this run (dataset runs only)
  queued          INTEGER NOT NULL,   -- pairs waiting for review after this run (new or refreshed)
  kept            INTEGER NOT NULL,   -- pairs already decided by a person, left as they were
  created_by      INTEGER,
  CHECK ((kind = 'dataset') = (dataset_id IS NOT NULL))
);

CREATE TABLE match_pair (
  id                INTEGER PRIMARY KEY,
  pair_key          TEXT NOT NULL UNIQUE, -- 'p:LOW:HIGH' for two people, 'r:PERSON:RECORD' for a partner row
  kind              TEXT NOT NULL CHECK (kind IN ('dataset', 'index')),
  run_id            INTEGER NOT NULL REFERENCES link_run(id), -- the run that last suggested it
  person_id         INTEGER NOT NULL REFERENCES person(id),   -- index: the lower id
  other_person_id   INTEGER REFERENCES person(id),            -- index: the higher id
  partner_record_id INTEGER REFERENCES partner_record(id),    -- dataset: the partner's row
  match_weight      REAL NOT NULL,
  probability       REAL NOT NULL,
  suggestion        TEXT NOT NULL CHECK (suggestion IN ('link', 'review')),
  evidence          TEXT NOT NULL,   -- JSON: prior and, per comparison, its level and contribution (log2)
  state             TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'linked', 'same', 'different')),
  -- linked: a partner's row linked by the engine (above the upper threshold, one candidate); same: a person
  -- said they are one person (the row linked, or the two people merged); different: a person said they are
  -- not (an engine link undone)
  decided_at        TEXT,
  decided_by        INTEGER,         -- NULL with state 'linked': the engine, in the run of run_id
  reason            TEXT,
  merge_id          INTEGER REFERENCES person_merge(id), -- the merge a 'same' decision on two people made
  version           INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  CHECK ((kind = 'index') = (other_person_id IS NOT NULL)),
  CHECK ((kind = 'dataset') = (partner_record_id IS NOT NULL))
);
CREATE INDEX match_pair_queue ON match_pair(state, kind, probability);
CREATE INDEX match_pair_person ON match_pair(person_id);
CREATE INDEX match_pair_other ON match_pair(other_person_id) WHERE other_person_id IS NOT NULL;
CREATE INDEX match_pair_record ON match_pair(partner_record_id) WHERE partner_record_id IS NOT NULL;

CREATE TABLE person_merge (
  id          INTEGER PRIMARY KEY,
  survivor_id INTEGER NOT NULL REFERENCES person(id),  -- the record kept
  merged_id   INTEGER NOT NULL REFERENCES person(id),  -- the record merged into it (kept, marked merged_into)
  pair_id     INTEGER REFERENCES match_pair(id),       -- the reviewed pair, when the merge came from one
  reason      TEXT NOT NULL,
  moved       TEXT NOT NULL,   -- JSON array of [table, row id]: the rows whose person moved to the survivor
  merged_at   TEXT NOT NULL,
  merged_by   INTEGER NOT NULL,
  undone_at   TEXT,
  undone_by   INTEGER,
  undo_reason TEXT,
  CHECK (survivor_id <> merged_id)
);
CREATE INDEX person_merge_survivor ON person_merge(survivor_id);
CREATE INDEX person_merge_merged ON person_merge(merged_id);
CREATE INDEX person_merged_into ON person(merged_into) WHERE merged_into IS NOT NULL;

-- Indicators: a dataset's attribute, a test, and the family need it evidences. op: lt, le, gt, ge (numeric:
-- the attribute's text read as a number; a value that is not a number does not meet the test), eq, ne (text,
-- compared case-insensitively), yes (the value is one of yes, y, true, 1), present (any value at all).
-- The rows below are examples for datasets named as a council commonly names them; a council replaces them
-- with its own (`hearth identify indicators --load FILE.json`), and every need they point to is [U] (0002).
CREATE TABLE sf_indicator (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  label       TEXT NOT NULL,
  dataset     TEXT NOT NULL,          -- partner_dataset.name
  attribute   TEXT NOT NULL,          -- a key of partner_record.attributes
  op          TEXT NOT NULL CHECK (op IN ('lt', 'le', 'gt', 'ge', 'eq', 'ne', 'yes', 'present')),
  value       TEXT,                   -- NULL for yes and present
  version     TEXT NOT NULL DEFAULT '2022-10',
  need        TEXT NOT NULL,          -- sf_need.code
  CHECK ((op IN ('yes', 'present')) = (value IS NULL)),
  FOREIGN KEY (version, need) REFERENCES sf_need(version, code)
);

INSERT INTO sf_indicator (code, label, dataset, attribute, op, value, need) VALUES
  ('attendance_below_90', 'School attendance below 90%', 'school_attendance', 'attendance_pct', 'lt', '90',
   'EDU_ATTENDANCE'),
  ('suspended_or_excluded', 'Suspended or excluded from school', 'school_exclusions', 'suspensions', 'gt', '0',
   'EDU_EXCLUSION'),
  ('neet', 'Not in education, employment or training', 'neet', 'neet', 'yes', NULL, 'EDU_NEET'),
  ('domestic_abuse_incident', 'A domestic abuse incident recorded by the police', 'police_incidents',
   'domestic_abuse', 'yes', NULL, 'DA_HOUSEHOLD'),
  ('offending', 'Offending or anti-social behaviour recorded by the police', 'police_incidents', 'offending',
   'yes', NULL, 'CRM_OFFENDING'),
  ('out_of_work_benefits', 'Receiving out-of-work benefits', 'dwp_benefits', 'out_of_work_benefit', 'yes', NULL,
   'FIN_WORKLESS'),
  ('homelessness_risk', 'Homeless or at risk of homelessness', 'housing', 'homelessness_risk', 'yes', NULL,
   'HOU_HOMELESS'),
  ('rent_arrears', 'Rent arrears', 'housing', 'rent_arrears', 'gt', '0', 'HOU_ARREARS'),
  ('substance_treatment', 'In drug or alcohol treatment', 'substance_treatment', 'in_treatment', 'yes', NULL,
   'SUB_PROBLEM_USE'),
  ('mental_health_referral', 'Referred to mental health services', 'health', 'mental_health_referral', 'yes',
   NULL, 'HLT_MENTAL');

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('identification_decision', 'A decision on a family the identification list put forward', 'issue 4', 0);
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('identification_decision', 'offer_support', 'Offer the family early help', NULL, 1),
  ('identification_decision', 'already_supported', 'Already supported (here or by another service)', NULL, 2),
  ('identification_decision', 'not_now', 'Not now: look again at the next identification', NULL, 3),
  ('identification_decision', 'not_eligible', 'Not eligible: the evidence does not hold', NULL, 4);

CREATE TABLE family_identification (
  id          INTEGER PRIMARY KEY,
  family_id   INTEGER NOT NULL REFERENCES family(id),
  decision    TEXT NOT NULL,          -- ref 'identification_decision'
  reason      TEXT NOT NULL,
  headlines   TEXT NOT NULL,          -- JSON array: the headline codes the list showed when it was decided
  decided_at  TEXT NOT NULL,
  decided_by  INTEGER NOT NULL
);
CREATE INDEX family_identification_family ON family_identification(family_id, id);
