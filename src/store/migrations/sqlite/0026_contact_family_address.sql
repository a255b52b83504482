-- 0026_contact_family_address.sql — what a contact says of where the family lives and which school the child
-- attends (issue 15, "the front door finds the family it already knows").
--
-- A contact is often the only place the front door can write what the caller said of the family before anyone
-- is recorded: the address ("they live at 4 Mill Lane, LE8 9YU") and the school. A person recorded with the
-- contact has no address yet; the contact does. "Already known?" asked within a contact
-- (POST /api/v1/contacts/{id}/matches) weighs the contact's postcode as evidence, because it is recorded,
-- audited and reviewable, not a guess typed into a free search (docs/access.md, docs/decisions.md).
-- family_postcode is stored canonical ("LE8 9YU"), checked as every postcode is (model_ident.c).
ALTER TABLE contact ADD COLUMN family_address TEXT;
ALTER TABLE contact ADD COLUMN family_postcode TEXT;
ALTER TABLE contact ADD COLUMN school TEXT;
