-- 0023_case_sense.sql — case data that makes sense (issue 11, "Case data that makes sense").
--
-- An episode: why a second open episode of a family was started (refused without one); the practitioner's
-- request to close it (when, by whom, the proposed reason, a note) which the team manager approves by closing
-- it; and what happened to the plan's actions still open when it closed. A plan: the date it runs to. A case
-- note: recorded after its episode had closed (so the chronology shows it as such).
ALTER TABLE episode ADD COLUMN concurrent_reason TEXT;
ALTER TABLE episode ADD COLUMN closure_requested_on TEXT;
ALTER TABLE episode ADD COLUMN closure_requested_by INTEGER REFERENCES app_user(id);
ALTER TABLE episode ADD COLUMN closure_request_reason TEXT;
ALTER TABLE episode ADD COLUMN closure_request_note TEXT;
ALTER TABLE episode ADD COLUMN open_actions TEXT;
ALTER TABLE plan ADD COLUMN ends_on TEXT;
ALTER TABLE case_note ADD COLUMN after_closure INTEGER NOT NULL DEFAULT 0;

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('closure_open_actions', 'What happens to a plan''s open actions when the episode closes', 'issue 11', 0);
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('closure_open_actions', 'cancelled', 'Cancelled: no longer needed', NULL, 1),
  ('closure_open_actions', 'family', 'The family carries them on', NULL, 2),
  ('closure_open_actions', 'agency', 'Handed to another agency or service', NULL, 3);

-- A partner agency's (or any member's) contribution to the Team Around the Family, recorded as a note.
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('note_type', 'taf_contribution', 'Contribution to the Team Around the Family', NULL, 7);
