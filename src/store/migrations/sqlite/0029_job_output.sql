-- 0029_job_output.sql — the files jobs make, kept in the database (src/jobs/README.md, docs/decisions.md).
--
-- A job that produces a file (a subject-access pack, Ofsted's Annex A, a research extract) keeps it here, so
-- that any server of a council running several against one PostgreSQL can serve it, and a server's disk holds
-- no copy of it. The bytes are split into chunks of at most 1 MiB, each kept as base64 text: the same column
-- type on both back ends, and no single value near either database's limit. The job process writes the output
-- and its chunks in one transaction, before it reports its result; GET /api/v1/jobs/{id}/output serves it to
-- whoever may have it, and records each download in the audit trail.
--
-- Kept JOBS_OUTPUT_DAYS (7) days from its making (expires_at, from the program's clock). Past that the
-- download answers 410 Gone, and the chunks are deleted by the job workers' sweep and by every retention run
-- carried out; the job_output row stays with deleted_at set, so "it existed and is gone" can still be said
-- (it holds a file name, a size and a digest: no personal data).
CREATE TABLE job_output (
  job_id        INTEGER NOT NULL PRIMARY KEY REFERENCES job(id),
  name          TEXT NOT NULL,             -- the file name offered, e.g. 'subject-access-request-12.zip'
  content_type  TEXT NOT NULL,
  size          INTEGER NOT NULL,          -- bytes
  digest        TEXT NOT NULL,             -- BLAKE2b-256 of the bytes, hex: checked when served
  chunks        INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  deleted_at    TEXT                       -- set when its chunks were deleted (expired)
);

CREATE TABLE job_output_chunk (
  job_id  INTEGER NOT NULL REFERENCES job_output(job_id),
  seq     INTEGER NOT NULL,                -- 0, 1, ...: the order of the bytes
  data    TEXT NOT NULL,                   -- base64 of at most 1 MiB
  PRIMARY KEY (job_id, seq)
);

-- The sweep finds what has expired and is not yet deleted.
CREATE INDEX job_output_expiry ON job_output (expires_at) WHERE deleted_at IS NULL;
