-- 0015_objections.sql — a person's objection to processing (UK GDPR art. 21; issue 10 part 4,
-- docs/requests.md "Objection").
--
-- When governance upholds an objection, the processing it names stops for that person: `objects_matching`
-- keeps them out of every run of the matching engine against partners' data and the index (src/pindex/), and
-- `objects_research` out of the national research shares (the extracts leave them out and count them). Both
-- are set and cleared only through POST /api/v1/people/{id}/objections, audited, never by a generic write.
ALTER TABLE person ADD COLUMN objects_matching INTEGER NOT NULL DEFAULT 0 CHECK (objects_matching IN (0, 1));
ALTER TABLE person ADD COLUMN objects_research INTEGER NOT NULL DEFAULT 0 CHECK (objects_research IN (0, 1));
