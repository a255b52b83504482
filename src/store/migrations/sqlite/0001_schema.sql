-- 0001_schema.sql — Hearth's domain: who works here, and the people, families and Early Help work they record.
--
-- Conventions (every domain table):
--   id          INTEGER PRIMARY KEY: the row's stable key.
--   version     starts at 1 and goes up by one on every change; an update names the version it read
--               (optimistic locking) and the previous row is kept in row_history first.
--   created_at, created_by, updated_at, updated_by: who recorded and last changed the row, and when
--               (UTC 'YYYY-MM-DDTHH:MM:SSZ'; *_by is an app_user id, NULL for the system itself).
--   source      where the information came from (an agency, a dataset, "family", "practitioner").
-- Dates are TEXT 'YYYY-MM-DD'. Coded values are checked by the model against ref_code (0002_reference.sql).
-- Special-category columns (UK GDPR art. 9) are listed in model/model_resource.c with their category.

-- Agencies: the council itself and its partners (schools, health, police, housing, youth justice, voluntary).
CREATE TABLE agency (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  agency_type TEXT NOT NULL,          -- ref_code list 'agency_type'
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);

-- Teams: early help localities, the front door, partner teams. Families are owned by a team.
CREATE TABLE team (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  agency_id   INTEGER NOT NULL REFERENCES agency(id),
  kind        TEXT NOT NULL,          -- 'front_door', 'early_help', 'partner', 'governance', 'analysis', 'admin'
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);
CREATE INDEX team_agency ON team(agency_id);

-- People who sign in. role is one of the codes of BRIEF section 1.
CREATE TABLE app_user (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('front_door', 'practitioner', 'team_manager', 'partner',
                                              'governance', 'analyst', 'admin')),
  agency_id     INTEGER REFERENCES agency(id),
  team_id       INTEGER REFERENCES team(id),
  password_hash TEXT NOT NULL,        -- Argon2id string (libsodium crypto_pwhash_str)
  totp_secret   TEXT,                 -- base32, set when the second factor is enrolled
  disabled      INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  created_by    INTEGER,
  updated_at    TEXT NOT NULL,
  updated_by    INTEGER
);
CREATE INDEX app_user_team ON app_user(team_id);

-- A person in the index: child, parent, carer or other adult, or an unborn child (expected_date set,
-- date_of_birth NULL). *_key columns are lower-cased, accent-folded forms kept for indexed name search.
CREATE TABLE person (
  id              INTEGER PRIMARY KEY,
  given_name      TEXT,
  middle_names    TEXT,
  family_name     TEXT,
  preferred_name  TEXT,
  given_key       TEXT,
  family_key      TEXT,
  date_of_birth   TEXT,
  expected_date   TEXT,               -- expected date of delivery for an unborn child
  sex             TEXT,               -- ref 'sex' M/F/U
  gender_identity TEXT,               -- ref 'gender_identity', optional
  ethnicity       TEXT,               -- ref 'ethnicity' (main or extended DfE code)   special category
  religion        TEXT,               -- ref 'religion'                                special category
  language        TEXT,
  nationality     TEXT,
  disability      TEXT,               -- ref 'yes_no_unknown'                          special category
  send_status     TEXT,               -- ref 'send_status'                             special category
  nhs_number      TEXT,               -- canonical 10 digits
  nino            TEXT,               -- canonical, no spaces
  upn             TEXT,               -- canonical 13 characters
  restricted      INTEGER NOT NULL DEFAULT 0,  -- UK GDPR art. 18: kept, not processed
  source          TEXT,
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  created_by      INTEGER,
  updated_at      TEXT NOT NULL,
  updated_by      INTEGER,
  CHECK (date_of_birth IS NOT NULL OR expected_date IS NOT NULL OR given_name IS NOT NULL OR family_name IS NOT NULL)
);
CREATE INDEX person_family_key ON person(family_key, given_key);
CREATE INDEX person_given_key ON person(given_key);
CREATE INDEX person_dob ON person(date_of_birth);
CREATE INDEX person_nhs ON person(nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX person_nino ON person(nino) WHERE nino IS NOT NULL;
CREATE INDEX person_upn ON person(upn) WHERE upn IS NOT NULL;

-- Names a person was known by before (BRIEF: former names).
CREATE TABLE person_former_name (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES person(id),
  given_name  TEXT,
  family_name TEXT,
  family_key  TEXT,
  until_date  TEXT,
  source      TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);
CREATE INDEX person_former_name_person ON person_former_name(person_id);
CREATE INDEX person_former_name_key ON person_former_name(family_key);

-- Address history: the current address has to_date NULL.
CREATE TABLE person_address (
  id           INTEGER PRIMARY KEY,
  person_id    INTEGER NOT NULL REFERENCES person(id),
  address_type TEXT NOT NULL,         -- ref 'address_type'
  line1        TEXT NOT NULL,
  line2        TEXT,
  town         TEXT,
  postcode     TEXT,                  -- canonical "AB1 2CD"
  uprn         TEXT,
  from_date    TEXT,
  to_date      TEXT,
  source       TEXT,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  created_by   INTEGER,
  updated_at   TEXT NOT NULL,
  updated_by   INTEGER
);
CREATE INDEX person_address_person ON person_address(person_id);
CREATE INDEX person_address_postcode ON person_address(postcode);

-- Phone numbers and email addresses.
CREATE TABLE person_contact_detail (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES person(id),
  kind        TEXT NOT NULL,          -- ref 'contact_detail_type'
  value       TEXT NOT NULL,
  source      TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);
CREATE INDEX person_contact_detail_person ON person_contact_detail(person_id);

-- A family or household: the unit of Early Help work.
CREATE TABLE family (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,          -- a working label, e.g. "Kowalczyk-Evans household"
  source      TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);

-- Members of a family with their role; in_household 0 marks a significant adult outside the home.
CREATE TABLE family_member (
  id           INTEGER PRIMARY KEY,
  family_id    INTEGER NOT NULL REFERENCES family(id),
  person_id    INTEGER NOT NULL REFERENCES person(id),
  role         TEXT NOT NULL,         -- ref 'family_role'
  in_household INTEGER NOT NULL DEFAULT 1,
  from_date    TEXT,
  to_date      TEXT,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  created_by   INTEGER,
  updated_at   TEXT NOT NULL,
  updated_by   INTEGER,
  UNIQUE (family_id, person_id)
);
CREATE INDEX family_member_person ON family_member(person_id);

-- A contact to the front door and its decision.
CREATE TABLE contact (
  id                  INTEGER PRIMARY KEY,
  received_on         TEXT NOT NULL,
  channel             TEXT NOT NULL,  -- ref 'contact_channel'
  contactor_type      TEXT NOT NULL,  -- ref 'contactor_type'
  contactor_name      TEXT,
  contactor_agency_id INTEGER REFERENCES agency(id),
  source_code         TEXT NOT NULL,  -- ref 'contact_source' (DfE)
  reason              TEXT NOT NULL,
  family_id           INTEGER REFERENCES family(id),
  decision            TEXT,           -- ref 'contact_decision'; NULL while in triage
  decision_date       TEXT,
  decided_by          INTEGER REFERENCES app_user(id),
  version             INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  created_by          INTEGER,
  updated_at          TEXT NOT NULL,
  updated_by          INTEGER,
  CHECK ((decision IS NULL) = (decision_date IS NULL))
);
CREATE INDEX contact_received ON contact(received_on);
CREATE INDEX contact_family ON contact(family_id);
CREATE INDEX contact_decision ON contact(decision);

-- The children a contact concerns (Annex A list 1 has one row per child).
CREATE TABLE contact_child (
  id          INTEGER PRIMARY KEY,
  contact_id  INTEGER NOT NULL REFERENCES contact(id),
  person_id   INTEGER NOT NULL REFERENCES person(id),
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER,
  UNIQUE (contact_id, person_id)
);
CREATE INDEX contact_child_person ON contact_child(person_id);

-- A referral / request for support.
CREATE TABLE referral (
  id                  INTEGER PRIMARY KEY,
  family_id           INTEGER NOT NULL REFERENCES family(id),
  contact_id          INTEGER REFERENCES contact(id),
  referred_on         TEXT NOT NULL,
  referrer_type       TEXT NOT NULL,  -- ref 'referrer_type'
  referrer_name       TEXT,
  referrer_agency_id  INTEGER REFERENCES agency(id),
  reasons             TEXT NOT NULL,
  version             INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  created_by          INTEGER,
  updated_at          TEXT NOT NULL,
  updated_by          INTEGER
);
CREATE INDEX referral_family ON referral(family_id);

-- Consent to support and to sharing: who gave it, for whom, its scope, when and how; withdrawal narrows
-- access at once (access/ reads withdrawn_on).
CREATE TABLE consent (
  id             INTEGER PRIMARY KEY,
  family_id      INTEGER NOT NULL REFERENCES family(id),
  referral_id    INTEGER REFERENCES referral(id),
  person_id      INTEGER REFERENCES person(id),       -- for whom (NULL: the whole family)
  given_by_id    INTEGER REFERENCES person(id),       -- who gave it
  given_by_name  TEXT,
  scope          TEXT NOT NULL,     -- ref 'consent_scope'
  agency_types   TEXT,              -- for share_named_agency_types: comma-separated ref 'agency_type' codes
  method         TEXT NOT NULL,     -- ref 'consent_method'
  given_on       TEXT NOT NULL,
  withdrawn_on   TEXT,
  withdrawn_note TEXT,
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  created_by     INTEGER,
  updated_at     TEXT NOT NULL,
  updated_by     INTEGER
);
CREATE INDEX consent_family ON consent(family_id);

-- An Early Help intervention with a family.
CREATE TABLE episode (
  id                 INTEGER PRIMARY KEY,
  family_id          INTEGER NOT NULL REFERENCES family(id),
  referral_id        INTEGER REFERENCES referral(id),
  start_date         TEXT NOT NULL,
  end_date           TEXT,
  owning_team_id     INTEGER NOT NULL REFERENCES team(id),
  lead_user_id       INTEGER REFERENCES app_user(id),
  programme_id       TEXT,            -- Supporting Families programme identifier
  programme_start    TEXT,
  programme_end      TEXT,
  closure_reason     TEXT,            -- ref 'closure_reason'
  version            INTEGER NOT NULL DEFAULT 1,
  created_at         TEXT NOT NULL,
  created_by         INTEGER,
  updated_at         TEXT NOT NULL,
  updated_by         INTEGER,
  CHECK ((end_date IS NULL) = (closure_reason IS NULL))
);
CREATE INDEX episode_family ON episode(family_id);
CREATE INDEX episode_team ON episode(owning_team_id, end_date);
CREATE INDEX episode_lead ON episode(lead_user_id);

-- Team Around the Family: members from any agency (a Hearth user, or a named professional).
CREATE TABLE episode_member (
  id          INTEGER PRIMARY KEY,
  episode_id  INTEGER NOT NULL REFERENCES episode(id),
  user_id     INTEGER REFERENCES app_user(id),
  agency_id   INTEGER REFERENCES agency(id),
  name        TEXT,
  taf_role    TEXT,
  from_date   TEXT NOT NULL,
  to_date     TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER,
  CHECK (user_id IS NOT NULL OR name IS NOT NULL)
);
CREATE INDEX episode_member_episode ON episode_member(episode_id);
CREATE INDEX episode_member_user ON episode_member(user_id);

-- Early Help / whole family assessment.
CREATE TABLE assessment (
  id                  INTEGER PRIMARY KEY,
  episode_id          INTEGER NOT NULL REFERENCES episode(id),
  started_on          TEXT NOT NULL,
  completed_on        TEXT,
  organisation        TEXT NOT NULL,  -- Annex A list 2 "Organisation completing assessment"
  organisation_agency_id INTEGER REFERENCES agency(id),
  assessor_user_id    INTEGER REFERENCES app_user(id),
  summary             TEXT,
  version             INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  created_by          INTEGER,
  updated_at          TEXT NOT NULL,
  updated_by          INTEGER
);
CREATE INDEX assessment_episode ON assessment(episode_id);
CREATE INDEX assessment_started ON assessment(started_on);

-- One area of discussion of an assessment (six areas, ref 'assessment_area').
CREATE TABLE assessment_area (
  id              INTEGER PRIMARY KEY,
  assessment_id   INTEGER NOT NULL REFERENCES assessment(id),
  area            TEXT NOT NULL,
  working_well    TEXT,
  worried_about   TEXT,
  needs_to_happen TEXT,
  scale           INTEGER CHECK (scale BETWEEN 0 AND 10),
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  created_by      INTEGER,
  updated_at      TEXT NOT NULL,
  updated_by      INTEGER,
  UNIQUE (assessment_id, area)
);

-- Needs identified, mapped to the Supporting Families headline outcomes (sf_headline / sf_need).
CREATE TABLE assessment_need (
  id             INTEGER PRIMARY KEY,
  assessment_id  INTEGER NOT NULL REFERENCES assessment(id),
  headline       TEXT NOT NULL,       -- sf_headline.code
  need_code      TEXT,                -- sf_need.code
  framework      TEXT NOT NULL,       -- sf_framework.version
  person_id      INTEGER REFERENCES person(id),
  evidence       TEXT,
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  created_by     INTEGER,
  updated_at     TEXT NOT NULL,
  updated_by     INTEGER
);
CREATE INDEX assessment_need_assessment ON assessment_need(assessment_id);

-- The family plan.
CREATE TABLE plan (
  id          INTEGER PRIMARY KEY,
  episode_id  INTEGER NOT NULL REFERENCES episode(id),
  agreed_on   TEXT NOT NULL,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);
CREATE INDEX plan_episode ON plan(episode_id);

CREATE TABLE plan_goal (
  id          INTEGER PRIMARY KEY,
  plan_id     INTEGER NOT NULL REFERENCES plan(id),
  description TEXT NOT NULL,
  headline    TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  created_by  INTEGER,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER
);
CREATE INDEX plan_goal_plan ON plan_goal(plan_id);

-- SMART actions: who, by when, done.
CREATE TABLE plan_action (
  id            INTEGER PRIMARY KEY,
  plan_id       INTEGER NOT NULL REFERENCES plan(id),
  goal_id       INTEGER REFERENCES plan_goal(id),
  description   TEXT NOT NULL,
  owner_user_id INTEGER REFERENCES app_user(id),
  owner_name    TEXT,
  due_date      TEXT,
  status        TEXT NOT NULL DEFAULT 'open',   -- ref 'plan_action_status'
  done_on       TEXT,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  created_by    INTEGER,
  updated_at    TEXT NOT NULL,
  updated_by    INTEGER
);
CREATE INDEX plan_action_plan ON plan_action(plan_id);
CREATE INDEX plan_action_due ON plan_action(due_date) WHERE done_on IS NULL;

-- Team Around the Family reviews (every 6-12 weeks) and their outcome.
CREATE TABLE review (
  id               INTEGER PRIMARY KEY,
  episode_id       INTEGER NOT NULL REFERENCES episode(id),
  held_on          TEXT NOT NULL,
  outcome          TEXT NOT NULL,     -- ref 'review_outcome'
  next_review_due  TEXT,
  notes            TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  created_by       INTEGER,
  updated_at       TEXT NOT NULL,
  updated_by       INTEGER
);
CREATE INDEX review_episode ON review(episode_id);

-- Activities and services attended.
CREATE TABLE activity (
  id             INTEGER PRIMARY KEY,
  episode_id     INTEGER NOT NULL REFERENCES episode(id),
  person_id      INTEGER REFERENCES person(id),
  activity_type  TEXT NOT NULL,       -- ref 'activity_type'
  name           TEXT NOT NULL,
  provider       TEXT,
  attended_on    TEXT NOT NULL,
  attended       INTEGER NOT NULL DEFAULT 1,
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  created_by     INTEGER,
  updated_at     TEXT NOT NULL,
  updated_by     INTEGER
);
CREATE INDEX activity_episode ON activity(episode_id);

-- Case notes (including notes of visits, meetings and calls during an episode).
CREATE TABLE case_note (
  id           INTEGER PRIMARY KEY,
  episode_id   INTEGER NOT NULL REFERENCES episode(id),
  note_type    TEXT NOT NULL,         -- ref 'note_type'
  occurred_at  TEXT NOT NULL,
  subject      TEXT,
  body         TEXT NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  created_by   INTEGER,
  updated_at   TEXT NOT NULL,
  updated_by   INTEGER
);
CREATE INDEX case_note_episode ON case_note(episode_id, occurred_at);

-- Records of phone calls to the front door (a call may or may not become a contact).
CREATE TABLE phone_call (
  id           INTEGER PRIMARY KEY,
  contact_id   INTEGER REFERENCES contact(id),
  called_at    TEXT NOT NULL,
  caller_type  TEXT NOT NULL,         -- ref 'contactor_type'
  caller_name  TEXT,
  summary      TEXT NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  created_by   INTEGER,
  updated_at   TEXT NOT NULL,
  updated_by   INTEGER
);
CREATE INDEX phone_call_contact ON phone_call(contact_id);
CREATE INDEX phone_call_at ON phone_call(called_at);

-- The previous value of every changed row (rectification keeps history; audit depends on it). previous is
-- the whole row as JSON as it stood before the change recorded at changed_at by changed_by.
CREATE TABLE row_history (
  id          INTEGER PRIMARY KEY,
  table_name  TEXT NOT NULL,
  row_id      INTEGER NOT NULL,
  version     INTEGER NOT NULL,       -- the version that was replaced
  changed_at  TEXT NOT NULL,
  changed_by  INTEGER,
  previous    TEXT NOT NULL,
  UNIQUE (table_name, row_id, version)
);
