-- 0030_read_path.sql (PostgreSQL) — the read path at full speed (issue 13): the session generation, one
-- integer that changes whenever a session may have ended or its user's standing changed (src/auth/auth.h; the
-- SQLite migration of the same name says why); and the audit trail's index by actor dropped. One statement-level trigger per table and operation, calling one function, bumps it in the
-- same transaction as the change; last_seen_at and a user's TOTP step are left out, as there.
-- Hand-written: triggers have no mechanical translation (src/store/pg_translate.py refuses them).

CREATE TABLE session_generation (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO session_generation (id, n) VALUES (1, 1);

CREATE FUNCTION session_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE session_generation SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER session_generation_session
  AFTER UPDATE OF token_hash, user_id, kind, expires_at, idle_seconds, revoked_at, scopes OR DELETE ON session
  FOR EACH STATEMENT EXECUTE FUNCTION session_generation_bump();
CREATE TRIGGER session_generation_user
  AFTER UPDATE OF username, role, team_id, agency_id, disabled OR DELETE ON app_user
  FOR EACH STATEMENT EXECUTE FUNCTION session_generation_bump();

-- audit_event_actor (0005_audit.sql): no query reads the trail by actor, and every append changed one of its
-- pages. On SQLite the trail is its own file and its schema is audit.c's, which drops the index there.
DROP INDEX IF EXISTS audit_event_actor;
