-- 0004_session.sql — signed-in sessions and API tokens.
-- A token is 256 random bits given to the client once; only its BLAKE2b-256 hash is stored, so a copy of the
-- database does not let anyone sign in. A session ends at expires_at (absolute time-out), after idle_seconds
-- without use (idle time-out), or when revoked (sign-out, user disabled).
CREATE TABLE session (
  id            INTEGER PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,    -- hex of BLAKE2b-256(token)
  user_id       INTEGER NOT NULL REFERENCES app_user(id),
  kind          TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  idle_seconds  INTEGER NOT NULL,
  revoked_at    TEXT,
  client_address TEXT
);
CREATE INDEX session_user ON session(user_id);
