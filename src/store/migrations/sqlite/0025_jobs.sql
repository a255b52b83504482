-- 0025_jobs.sql — long work as durable background jobs (src/jobs/README.md).
--
-- A job is asked for by a request (POST /api/v1/link-runs), queued here, taken by a worker of any server
-- (claimed by a single UPDATE; on PostgreSQL with FOR UPDATE SKIP LOCKED), run one at a time per kind, and
-- finished as succeeded, failed or cancelled. Its worker renews a lease while it runs; a running job whose
-- lease has run out (its server died) is failed as interrupted by the next server that looks.
--
-- States: queued -> running -> succeeded | failed | cancelled; queued -> cancelled. Nothing else.
-- Times are 'YYYY-MM-DDTHH:MM:SSZ' from the program's clock (bound, never computed in SQL), so they compare
-- as text on both back ends.
CREATE TABLE job (
  id                INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL,                -- 'link_run', ...: what the worker runs
  state             TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  exclusive_key     TEXT,                         -- set: at most one queued or running job with this key
  created_by        INTEGER REFERENCES app_user(id),  -- who asked (NULL: the system)
  params            TEXT NOT NULL DEFAULT '{}',   -- what was asked, a JSON object
  progress_done     INTEGER NOT NULL DEFAULT 0,
  progress_total    INTEGER NOT NULL DEFAULT 0,   -- 0: not known yet
  progress_message  TEXT,                         -- the stage, e.g. 'keeping suggestions'
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  cancelled_by      INTEGER REFERENCES app_user(id),
  error_code        TEXT,                         -- failed or cancelled: code, message, detail, hint
  error_message     TEXT,
  error_detail      TEXT,
  error_hint        TEXT,
  result            TEXT,                         -- succeeded: a JSON object (counts, never personal data)
  result_ref        TEXT,                         -- succeeded: the record it made, e.g. 'link_run/12'
  worker            TEXT,                         -- the worker that claimed it (server and process)
  lease_until       TEXT,                         -- running: the worker renews this; past it, the job is lost
  heartbeat_at      TEXT,
  created_at        TEXT NOT NULL,
  started_at        TEXT,
  finished_at       TEXT,
  version           INTEGER NOT NULL DEFAULT 1,
  CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);

-- A worker claims the oldest queued job of its kind.
CREATE INDEX job_queue ON job (kind, state, id);
-- The caller's own jobs, newest first.
CREATE INDEX job_owner ON job (created_by, id);
-- One at a time per kind: a second claim of the same kind while one runs fails on this index (any server).
CREATE UNIQUE INDEX job_one_running ON job (kind) WHERE state = 'running';
-- A kind that refuses a second request while one waits or runs (link runs) sets exclusive_key.
CREATE UNIQUE INDEX job_one_active ON job (exclusive_key)
  WHERE exclusive_key IS NOT NULL AND state IN ('queued', 'running');
