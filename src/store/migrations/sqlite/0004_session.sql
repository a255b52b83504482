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

-- Failed sign-ins, for rate limiting and lock-out: an account or an address with too many recent failures
-- is refused for a while even with the right credentials (auth.h says how many and how long).
CREATE TABLE sign_in_failure (
  id             INTEGER PRIMARY KEY,
  username       TEXT NOT NULL,
  client_address TEXT,
  at             TEXT NOT NULL
);
CREATE INDEX sign_in_failure_user ON sign_in_failure(username, at);
CREATE INDEX sign_in_failure_address ON sign_in_failure(client_address, at);
