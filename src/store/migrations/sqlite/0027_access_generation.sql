-- 0027_access_generation.sql — the access generation: one integer that changes with every row a footing rests on
-- (src/access/access_cache.h).
--
-- A server remembers the footings it finds (who may read which family or person, and on what basis) across
-- requests, tagged with this number. Triggers bump it in the same transaction as every insert, update or delete
-- of the rows a footing is found from, so the very next decision after such a change, in this server, another
-- server on the same database or a CLI command, sees a new generation and decides afresh: a revoked footing is
-- refused at once. Nothing else reads or writes it. (PostgreSQL needs the same triggers: a statement-level
-- trigger function per table suffices.)
CREATE TABLE access_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO access_generation (id, n) VALUES (1, 1);


-- setting: the access settings (closed_case_days, triage_grace_days, ...).
CREATE TRIGGER access_generation_setting_insert AFTER INSERT ON setting
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_setting_update AFTER UPDATE ON setting
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_setting_delete AFTER DELETE ON setting
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- episode: its family, lead, owning team and end date.
CREATE TRIGGER access_generation_episode_insert AFTER INSERT ON episode
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_episode_update AFTER UPDATE ON episode
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_episode_delete AFTER DELETE ON episode
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- episode_member: the Team Around the Family and when each member left it.
CREATE TRIGGER access_generation_episode_member_insert AFTER INSERT ON episode_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_episode_member_update AFTER UPDATE ON episode_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_episode_member_delete AFTER DELETE ON episode_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- contact: its family, whether it opened it, and its decision and date (triage).
CREATE TRIGGER access_generation_contact_insert AFTER INSERT ON contact
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_contact_update AFTER UPDATE ON contact
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_contact_delete AFTER DELETE ON contact
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- contact_child: a person named on a contact, and whether that opened them.
CREATE TRIGGER access_generation_contact_child_insert AFTER INSERT ON contact_child
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_contact_child_update AFTER UPDATE ON contact_child
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_contact_child_delete AFTER DELETE ON contact_child
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- family_member: a person in a family, and whether that opened them.
CREATE TRIGGER access_generation_family_member_insert AFTER INSERT ON family_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_family_member_update AFTER UPDATE ON family_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_family_member_delete AFTER DELETE ON family_member
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- access_grant: break glass and governance duties.
CREATE TRIGGER access_generation_access_grant_insert AFTER INSERT ON access_grant
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_access_grant_update AFTER UPDATE ON access_grant
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_access_grant_delete AFTER DELETE ON access_grant
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- family: who recorded it (the recorder's footing); a new family has no footing remembered yet, so only a change of recorder or a deletion (after which its id could come back) counts.
CREATE TRIGGER access_generation_family_update AFTER UPDATE OF created_by ON family
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_family_delete AFTER DELETE ON family
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;

-- person: the same for a person (a person's restriction is checked afresh by every decision, never remembered).
CREATE TRIGGER access_generation_person_update AFTER UPDATE OF created_by ON person
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER access_generation_person_delete AFTER DELETE ON person
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
END;
