-- 0022_contact_rationale.sql — the front door's decision on a contact carries its rationale (issue 11: "the
-- decision (no further action, early help, step up to children's social care) with its rationale").
--
-- Why the decision was made is part of the decision: a manager auditing the front door, a practitioner
-- picking up the family and the family itself (a subject access request) read it beside the decision.
ALTER TABLE contact ADD COLUMN decision_rationale TEXT;
