-- 0005_audit.sql (PostgreSQL) — the audit trail, in the council's own database.
--
-- On SQLite the trail is its own file (PATH.audit, schema in src/audit/audit.c) and 0005 makes nothing. On
-- PostgreSQL there is one database for every Hearth server, so the trail lives here, with the same columns,
-- and what SQLite's triggers and its single writer give is written out in plpgsql:
--   1. append-only: UPDATE, DELETE and TRUNCATE of audit_event are refused (SQLite: RAISE(ABORT) triggers);
--   2. one chain with several servers appending at once: audit_chain_head is a single row holding the last
--      entry's seq and hash; every insert locks it (SELECT ... FOR UPDATE) and must extend it exactly — seq
--      one more, prev_hash its hash — so appenders take turns on that row lock and the chain has no gap and
--      no fork. An appender that read a tail another server has since extended gets SQLSTATE 40001
--      (serialization failure, CORE_E_BUSY in store_pg.c) and tries again with the new tail.
--   3. the head is changed only by that trigger.
-- Hand-written: triggers have no mechanical translation (src/store/pg_translate.py refuses them).

CREATE TABLE audit_event (
  seq            BIGINT PRIMARY KEY,      -- 1, 2, 3, ... without gaps
  at             TEXT NOT NULL,           -- UTC 'YYYY-MM-DDTHH:MM:SSZ' when the event was recorded
  actor_user_id  BIGINT,                  -- app_user id; NULL for the system or nobody signed in
  actor_role     TEXT,
  action         TEXT NOT NULL,
  target_table   TEXT,
  target_id      BIGINT,
  detail         TEXT,                    -- JSON object
  client_address TEXT,
  prev_hash      TEXT NOT NULL,           -- hex of the previous row's hash (64 zeros for seq 1)
  hash           TEXT NOT NULL            -- hex BLAKE2b-256, keyed, over this row's fields and prev_hash
);
CREATE INDEX audit_event_target ON audit_event(target_table, target_id) WHERE target_id IS NOT NULL;
CREATE INDEX audit_event_actor ON audit_event(actor_user_id) WHERE actor_user_id IS NOT NULL;

-- Which audit_outbox rows are in the chain (and as which entry), as in the SQLite trail.
CREATE TABLE audit_outbox_done (
  outbox_id BIGINT PRIMARY KEY,
  seq       BIGINT NOT NULL
);

-- The chain's head: exactly one row.
CREATE TABLE audit_chain_head (
  one  BIGINT PRIMARY KEY DEFAULT 1 CHECK (one = 1),
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (one, seq, hash) VALUES (1, 0, repeat('0', 64));

CREATE FUNCTION audit_event_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head audit_chain_head%ROWTYPE;
BEGIN
  SELECT * INTO head FROM audit_chain_head WHERE one = 1 FOR UPDATE;
  IF NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
    RAISE EXCEPTION 'audit_event must extend the chain: entry % does not follow entry %', NEW.seq, head.seq
      USING ERRCODE = 'serialization_failure',
            HINT = 'another server appended first: read the chain''s tail again and retry';
  END IF;
  UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE one = 1;
  RETURN NEW;
END $$;

CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: rows cannot be %',
    CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END
    USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;

CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'audit_chain_head is moved only by appending to audit_event'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_event_append BEFORE INSERT ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append();
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse();
CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();
