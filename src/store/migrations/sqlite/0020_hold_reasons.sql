-- 0020_hold_reasons.sql — a complaint holds records too (issue 10 part 3: "legal holds (inquiry moratorium,
-- litigation, an open data-subject request, a complaint)").
--
-- While a complaint about the service (to the council, the Local Government and Social Care Ombudsman or the
-- ICO) is open, the records it concerns are kept: governance places a hold with this reason on the person or
-- family and ends it when the complaint is closed.
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('legal_hold_reason', 'COMPLAINT', 'Complaint open (council, Ombudsman or ICO)', NULL, 5);
