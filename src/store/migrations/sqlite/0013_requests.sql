-- 0013_requests.sql — the register of data-subject requests (UK GDPR arts 12 and 15-21; issue 10, docs/requests.md).
--
-- One row per request a person (or someone acting for them) makes: what kind, whose data, who asked and how
-- their identity was checked, when it arrived, and where it stands. Its history is a list of events: the
-- clock stopping while Hearth waits for identity, clarification or a fee, the clock restarting, an extension
-- (notified within the first month), and the end (completed, refused with a ground, withdrawn). The
-- deadline is never stored: src/gov/gov_request.c works it out from the events under the ICO's rules
-- (core_date_sar_deadline), so a corrected event corrects the deadline.

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('request_kind', 'Data-subject request kind', 'UK GDPR arts 15-21 and 7(3); issue 10 part 4', 1),
  ('request_state', 'Data-subject request state', 'ICO right of access guidance (clock stops); domain.md §6.1', 1),
  ('request_requester', 'Who made a data-subject request', 'domain.md §6.2 (parental responsibility)', 1),
  ('request_pause_reason', 'Why a request''s clock is stopped', 'ICO right of access guidance; domain.md §6.1', 1);

INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('request_kind', 'access', 'Access to personal data (art. 15)', NULL, 1),
  ('request_kind', 'rectification', 'Rectification (art. 16)', NULL, 2),
  ('request_kind', 'erasure', 'Erasure (art. 17)', NULL, 3),
  ('request_kind', 'restriction', 'Restriction of processing (art. 18)', NULL, 4),
  ('request_kind', 'portability', 'Data portability (art. 20)', NULL, 5),
  ('request_kind', 'objection', 'Objection to processing (art. 21)', NULL, 6),
  ('request_kind', 'consent_withdrawal', 'Withdrawal of consent (art. 7(3))', NULL, 7),
  ('request_state', 'open', 'Open: the clock is running', NULL, 1),
  ('request_state', 'paused', 'Clock stopped: waiting for the requester', NULL, 2),
  ('request_state', 'completed', 'Completed', NULL, 3),
  ('request_state', 'refused', 'Refused', NULL, 4),
  ('request_state', 'withdrawn', 'Withdrawn by the requester', NULL, 5),
  ('request_requester', 'self', 'The person themselves', NULL, 1),
  ('request_requester', 'parent', 'A parent or someone with parental responsibility', NULL, 2),
  ('request_requester', 'representative', 'A representative (solicitor, advocate) with authority', NULL, 3),
  ('request_requester', 'other', 'Someone else with authority', NULL, 4),
  ('request_pause_reason', 'identity', 'Waiting for proof of identity', NULL, 1),
  ('request_pause_reason', 'clarification', 'Waiting for clarification of the request', NULL, 2),
  ('request_pause_reason', 'fee', 'Waiting for a fee (manifestly unfounded or excessive, or further copies)', NULL, 3);

CREATE TABLE subject_request (
  id                  INTEGER PRIMARY KEY,
  kind                TEXT NOT NULL,          -- ref 'request_kind'
  person_id           INTEGER NOT NULL REFERENCES person(id),  -- whose data
  requester           TEXT NOT NULL,          -- ref 'request_requester'
  requester_name      TEXT NOT NULL,          -- as the requester gave it
  received_on         TEXT NOT NULL,          -- YYYY-MM-DD: the day the request arrived
  identity_checked_on TEXT,                   -- YYYY-MM-DD: when proof of identity was accepted
  identity_method     TEXT,                   -- how (free text: "passport seen at the family centre")
  details             TEXT,                   -- what was asked for, in the requester's terms
  state               TEXT NOT NULL DEFAULT 'open',  -- ref 'request_state'
  clock_start         TEXT NOT NULL,          -- YYYY-MM-DD: receipt, or the last restart of the clock
  extended_on         TEXT,                   -- YYYY-MM-DD: when the extension was notified
  extension_reason    TEXT,
  closed_on           TEXT,                   -- YYYY-MM-DD: completed, refused or withdrawn
  outcome             TEXT,                   -- what was done, or why it was refused
  refusal_ground      TEXT,                   -- erasure: ref 'erasure_refusal_ground'
  consent_id          INTEGER REFERENCES consent(id),  -- consent_withdrawal: the consent withdrawn
  version             INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  created_by          INTEGER,
  updated_at          TEXT NOT NULL,
  updated_by          INTEGER,
  CHECK ((closed_on IS NULL) = (state IN ('open', 'paused'))),
  CHECK ((extended_on IS NULL) = (extension_reason IS NULL))
);
CREATE INDEX subject_request_person ON subject_request(person_id);
CREATE INDEX subject_request_open ON subject_request(state, clock_start);
CREATE UNIQUE INDEX subject_request_consent ON subject_request(consent_id) WHERE consent_id IS NOT NULL;

-- What happened to a request, in order: received, pause, resume, identity, extend, complete, refuse,
-- withdraw. `on_date` is the day it happened (the requester's reply arriving, the letter sent).
CREATE TABLE subject_request_event (
  id          INTEGER PRIMARY KEY,
  request_id  INTEGER NOT NULL REFERENCES subject_request(id),
  event       TEXT NOT NULL,
  on_date     TEXT NOT NULL,
  reason      TEXT,                           -- pause: ref 'request_pause_reason'; refuse: the ground
  note        TEXT,
  created_at  TEXT NOT NULL,
  created_by  INTEGER
);
CREATE INDEX subject_request_event_request ON subject_request_event(request_id, id);
