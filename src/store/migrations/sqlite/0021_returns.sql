-- 0021_returns.sql — what Hearth's returns count (issue 12: Ofsted's Annex A).
--
-- Annex A's contact-source list (the lists 1 and 3 template, and the specification councils' returns are checked
-- against) has no 5D: a contact from the council's early help service is a contact from "LA SERVICES – other
-- internal (department other than social care in local authorities ...)", which Annex A reports as
-- o) 5B. Hearth keeps the DfE code 5D on the contact (the CIN census takes it); only its Annex A value
-- changes. annexa_contact_source is editable reference data (verified = 0): a council whose template carries
-- 5D sets this label back to its own lettering.
UPDATE ref_code
   SET label = 'o) 5B: LA services'
 WHERE list = 'annexa_contact_source'
   AND code = '5D';
