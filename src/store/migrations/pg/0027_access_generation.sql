-- 0027_access_generation.sql (PostgreSQL) — the access generation: one integer that changes with every row a
-- footing rests on (src/access/access_cache.h; the SQLite migration of the same name says why).
--
-- SQLite has a row trigger per table and operation; here one statement-level trigger per table, calling one
-- function, bumps the number in the same transaction as the change. A change of a family's or person's
-- recorder (created_by) or their deletion counts; a new family or person has no footing remembered yet.
-- Hand-written: triggers have no mechanical translation (src/store/pg_translate.py refuses them).

CREATE TABLE access_generation (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO access_generation (id, n) VALUES (1, 1);

CREATE FUNCTION access_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE access_generation SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER access_generation_setting AFTER INSERT OR UPDATE OR DELETE ON setting
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_episode AFTER INSERT OR UPDATE OR DELETE ON episode
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_episode_member AFTER INSERT OR UPDATE OR DELETE ON episode_member
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_contact AFTER INSERT OR UPDATE OR DELETE ON contact
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_contact_child AFTER INSERT OR UPDATE OR DELETE ON contact_child
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_family_member AFTER INSERT OR UPDATE OR DELETE ON family_member
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_access_grant AFTER INSERT OR UPDATE OR DELETE ON access_grant
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_family AFTER UPDATE OF created_by OR DELETE ON family
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
CREATE TRIGGER access_generation_person AFTER UPDATE OF created_by OR DELETE ON person
  FOR EACH STATEMENT EXECUTE FUNCTION access_generation_bump();
