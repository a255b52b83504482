-- 0024_supervision.sql — the team manager's supervision of a practitioner's case (issue 11).
--
-- A supervision record belongs to an episode: when the manager supervised the case, the practitioner
-- supervised (the case's lead, or another user working it), what was discussed, the decisions and actions
-- agreed, and when the next supervision is due. It is read by the practitioner and the owning team's
-- manager (the access decision's section 'supervision', src/access/access.c), never by a partner agency or
-- the front door, and recorded or changed only by the owning team's manager (src/api/api_rules.c).
CREATE TABLE supervision (
  id                    INTEGER PRIMARY KEY,
  episode_id            INTEGER NOT NULL REFERENCES episode(id),
  supervised_on         TEXT NOT NULL,
  practitioner_user_id  INTEGER REFERENCES app_user(id),
  discussion            TEXT NOT NULL,
  decisions             TEXT,
  next_supervision_on   TEXT,
  version               INTEGER NOT NULL DEFAULT 1,
  created_at            TEXT NOT NULL,
  created_by            INTEGER,
  updated_at            TEXT NOT NULL,
  updated_by            INTEGER
);
CREATE INDEX supervision_episode ON supervision(episode_id);
