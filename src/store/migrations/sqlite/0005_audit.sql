-- 0005_audit.sql — the append-only audit trail (contract and chain in src/audit/audit.h).
--
-- One row per access: reads, searches (with their terms), writes (the fields changed), exports,
-- disclosures, sign-ins and failures, denials. Rows name a table and a row id, never a person's details.
-- Each row is chained to the one before by a keyed hash (BLAKE2b, key outside the database); signed
-- checkpoints live in a separate file. seq is assigned by the audit writer (last seq + 1, in the inserting
-- transaction), so it is gapless; rows are never updated or deleted, and the triggers below refuse both.
-- STRICT: a value stored with another type would hash differently from what was written, so SQLite refuses
-- it here rather than leaving verification to trip over it.
CREATE TABLE audit_event (
  seq            INTEGER PRIMARY KEY,     -- 1, 2, 3, ... without gaps
  at             TEXT NOT NULL,           -- UTC 'YYYY-MM-DDTHH:MM:SSZ' when the event was recorded
  actor_user_id  INTEGER,                 -- app_user id; NULL for the system or nobody signed in
  actor_role     TEXT,                    -- the role acted in
  action         TEXT NOT NULL,           -- read, search, create, update, export, disclosure, sign_in,
                                          -- sign_in_failed, denied, ...
  target_table   TEXT,                    -- e.g. 'person'; NULL when there is no single target
  target_id      INTEGER,                 -- row id in target_table
  detail         TEXT,                    -- JSON object: search terms, changed field names, footing
                                          -- ('team_member', a break-glass reason), ...
  client_address TEXT,                    -- client IP address
  prev_hash      TEXT NOT NULL,           -- hex of the previous row's hash (64 zeros for seq 1)
  hash           TEXT NOT NULL            -- hex BLAKE2b-256, keyed, over this row's fields and prev_hash
) STRICT;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
  SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be changed');
END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
  SELECT RAISE(ABORT, 'audit_event is append-only: rows cannot be deleted');
END;

-- The access report ("who has looked at my record") and a user's own activity.
CREATE INDEX audit_event_target ON audit_event(target_table, target_id) WHERE target_id IS NOT NULL;
CREATE INDEX audit_event_actor ON audit_event(actor_user_id) WHERE actor_user_id IS NOT NULL;
