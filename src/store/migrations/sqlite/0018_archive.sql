-- 0018_archive.sql — records archived at the end of their retention period (issue 10 part 3, docs/retention.md).
--
-- Where a council's policy archives rather than destroys (Northamptonshire: "archived or securely destroyed"),
-- `hearth retention run` sets archived_on on the episode, contact or family: it stays, read-only in practice,
-- for information governance, and leaves every working list (the model's lists leave archived rows out for
-- everyone but governance). It is the "stop using" of the notices: used no more once the reason to is over.
ALTER TABLE family ADD COLUMN archived_on TEXT;
ALTER TABLE contact ADD COLUMN archived_on TEXT;
ALTER TABLE episode ADD COLUMN archived_on TEXT;
