-- 0028_episode_seen.sql — when each member of staff last looked at each episode (issue 11: the caseload's
-- "what others have added since I last looked").
--
-- Written when a user opens the episode's page or its family's page in the web application, or reads the episode
-- through GET /api/v1/episodes/{id}; moved at most once a minute per user and episode (model_seen.c), so reading
-- does not cost a durable write each time. seen_at is the request clock, 'YYYY-MM-DDTHH:MM:SSZ', compared with
-- the created_at of the episode's records. Nothing here is personal data about a family: only that a member of
-- staff looked, and when.
CREATE TABLE episode_seen (
  user_id    INTEGER NOT NULL REFERENCES app_user(id),
  episode_id INTEGER NOT NULL REFERENCES episode(id),
  seen_at    TEXT NOT NULL,
  PRIMARY KEY (user_id, episode_id)
);
CREATE INDEX episode_seen_episode ON episode_seen(episode_id);
