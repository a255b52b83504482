-- 0030_read_path.sql — the read path at full speed (issue 13). The session generation: one integer that
-- changes whenever a session may have ended or its user's standing changed (src/auth/auth.h, the session
-- cache).
--
-- A server remembers the sessions it has looked up (token hash to principal) across requests, tagged with this
-- number, the way it remembers footings under the access generation (0027). Triggers bump it in the same
-- transaction as every sign-out or revocation, every other change of a session but its last-seen time, a
-- session's deletion, and every change of a user's name, role, team, agency or disabled flag or their deletion.
-- So the next request after such a change, on this server, another server on the same database, or after a
-- CLI command (`hearth user disable`, `hearth token revoke`), reads the session afresh: a signed-out token is
-- refused at once everywhere. A new session (sign-in) needs no bump: nothing is remembered of it yet. Moving
-- last_seen_at (at most once a minute per session) does not bump it: the cache keeps a session for under a
-- minute past the last-seen time it read, so it never serves one the idle time-out has ended.
CREATE TABLE session_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO session_generation (id, n) VALUES (1, 1);

CREATE TRIGGER session_generation_session_update
AFTER UPDATE OF token_hash, user_id, kind, expires_at, idle_seconds, revoked_at, scopes ON session
BEGIN
  UPDATE session_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER session_generation_session_delete AFTER DELETE ON session
BEGIN
  UPDATE session_generation SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER session_generation_user_update
AFTER UPDATE OF username, role, team_id, agency_id, disabled ON app_user
BEGIN
  UPDATE session_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER session_generation_user_delete AFTER DELETE ON app_user
BEGIN
  UPDATE session_generation SET n = n + 1 WHERE id = 1;
END;

-- (The audit trail's unused index by actor is dropped by src/audit/audit.c's schema: on SQLite the trail is a
-- file of its own, PATH.audit, which these migrations do not touch. On PostgreSQL this migration drops it.)
