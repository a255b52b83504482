-- 0012_audit_outbox.sql — the audit outbox: a write's audit event, committed in the write's own transaction.
--
-- The trail is its own SQLite file (PATH.audit, see 0005_audit.sql), and SQLite in WAL mode cannot commit two
-- files atomically. So a write inserts its audit event here, in the same transaction as the write: both are
-- stored or neither is. The audit writer (src/audit/audit.c) moves rows from here into the hash chain and then
-- deletes them; the trail remembers which outbox ids it has taken (audit_outbox_done in PATH.audit), so a
-- crash between the two steps neither loses nor duplicates an event. A starting server (and every
-- audit_open) drains what a crash left here first. AUTOINCREMENT: an id is never reused after its row is
-- deleted, which that idempotence relies on.
CREATE TABLE audit_outbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,            -- UTC 'YYYY-MM-DDTHH:MM:SSZ' when the write was made
  actor_user_id  INTEGER,                  -- as audit_event (src/audit/audit.c)
  actor_role     TEXT,
  action         TEXT NOT NULL,
  target_table   TEXT,
  target_id      INTEGER,
  detail         TEXT,                     -- JSON object
  client_address TEXT
);
