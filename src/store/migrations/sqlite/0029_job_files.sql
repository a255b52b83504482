-- 0029_job_files.sql — the files of background jobs, kept in the database (src/jobs/README.md,
-- docs/decisions.md): what a job makes (its output) and what a job was given (its input).
--
-- A job that produces a file (a subject-access pack, Ofsted's Annex A, a research extract) keeps it here as its
-- 'output', so that any server of a council running several against one PostgreSQL can serve it, and no
-- server's disk holds a copy. A job started with a file (a partner's CSV uploaded for an import) keeps it here
-- as its 'input' until it has run, so that whichever server's worker claims the job can read it. The bytes
-- are split into chunks of at most 1 MiB, each kept as base64 text: the same column type on both back ends,
-- and no single value near either database's limit. Each file is written whole in one transaction.
--
-- An output is kept JOBS_OUTPUT_DAYS (7) days from its making (expires_at, from the program's clock); past
-- that the download answers 410 Gone, and the chunks are deleted by the job workers' sweep and by every
-- retention run carried out. An input's chunks are deleted by the same sweep once its job has finished. Either
-- way the job_file row stays with deleted_at set, so "it existed and is gone" can still be said (it holds a
-- file name, a size and a digest: no personal data).
CREATE TABLE job_file (
  job_id        INTEGER NOT NULL REFERENCES job(id),
  role          TEXT NOT NULL CHECK (role IN ('input', 'output')),
  name          TEXT NOT NULL,             -- the file name, e.g. 'subject-access-request-12.zip'
  content_type  TEXT NOT NULL,
  size          INTEGER NOT NULL,          -- bytes
  digest        TEXT NOT NULL,             -- BLAKE2b-256 of the bytes, hex: checked when read
  chunks        INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  deleted_at    TEXT,                      -- set when its chunks were deleted
  PRIMARY KEY (job_id, role)
);

CREATE TABLE job_file_chunk (
  job_id  INTEGER NOT NULL,
  role    TEXT NOT NULL,
  seq     INTEGER NOT NULL,                -- 0, 1, ...: the order of the bytes
  data    TEXT NOT NULL,                   -- base64 of at most 1 MiB
  PRIMARY KEY (job_id, role, seq),
  FOREIGN KEY (job_id, role) REFERENCES job_file(job_id, role)
);

-- The sweep finds what has expired and is not yet deleted.
CREATE INDEX job_file_expiry ON job_file (expires_at) WHERE deleted_at IS NULL;
