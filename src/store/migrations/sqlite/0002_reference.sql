-- 0002_reference.sql — Hearth reference data (code lists, Supporting Families outcome framework, bank holidays).
--
-- Applied after 0001_schema.sql. Creates and fills the reference tables only; holds no personal data.
-- Portable SQL: TEXT/INTEGER columns, plain CREATE TABLE, multi-row INSERT ... VALUES (SQLite >= 3.7.11, PostgreSQL).
-- No BEGIN/COMMIT here: the migration runner owns the transaction.
--
-- Provenance: section numbers (§) refer to the product's domain reference (domain.md); "BRIEF" to the product
-- brief; "notices" to the five seed councils' privacy notices the product is built from.
--
-- ref_list.verified:
--   1 = the list is a verified national standard ([V] in domain.md, UK GDPR text) or a vocabulary fixed by the
--       BRIEF that Hearth's logic keys on; change it only with a code change.
--   0 = [U]/[P] or local practice: councils may edit codes and labels (add rows, relabel, set active = 0).
-- Codes are never deleted once used: retire a code with active = 0.

-- ---------------------------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------------------------

-- every coded value Hearth validates against: one row per list
CREATE TABLE ref_list (
  list TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  source TEXT NOT NULL,
  verified INTEGER NOT NULL /* 1 = [V] in domain.md, 0 = [U]/[P]: editable */
);

-- the codes of every list; parent links a detailed code to its roll-up code in the same list
CREATE TABLE ref_code (
  list TEXT NOT NULL REFERENCES ref_list(list),
  code TEXT NOT NULL,
  label TEXT NOT NULL,
  parent TEXT,            -- e.g. extended ethnicity code -> main code; NULL for top level
  sort_order INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (list, code)
);

-- Supporting Families outcome framework versions (versioned reference data, §1.1)
CREATE TABLE sf_framework (
  version TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  source TEXT NOT NULL
);

-- headline outcomes of a framework version (§1.2); alt_label = the later wording councils use
CREATE TABLE sf_headline (
  version TEXT NOT NULL REFERENCES sf_framework(version),
  code TEXT NOT NULL,
  label TEXT NOT NULL,
  alt_label TEXT,
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (version, code)
);

-- family needs (eligibility descriptors) under each headline (§1.3)
CREATE TABLE sf_need (
  version TEXT NOT NULL,
  headline TEXT NOT NULL,
  code TEXT NOT NULL,
  descriptor TEXT NOT NULL,
  data_sources TEXT,
  success_criteria TEXT,
  sustain_months INTEGER,
  verified INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (version, code),
  FOREIGN KEY (version, headline) REFERENCES sf_headline(version, code)
);

-- public holidays, for working-day deadline arithmetic
CREATE TABLE ref_bank_holiday (
  day TEXT PRIMARY KEY /* YYYY-MM-DD */,
  label TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT 'england-and-wales'
);

-- ---------------------------------------------------------------------------------------------------------------
-- Lists
-- ---------------------------------------------------------------------------------------------------------------

INSERT INTO ref_list (list, label, source, verified) VALUES
  ('ethnicity', 'Ethnicity (DfE main and extended codes)', 'DfE codes: CIN rule 4220 main set; gov.uk alternative provision census codes (extended codes); domain.md §2.5, §4.1', 1),
  ('annexa_ethnicity_letter', 'Ofsted Annex A ethnicity value', 'Ofsted ILACS Annex A; lettering a)-t) from the SSD script, confirm against the current template; domain.md §2.5 [V]/[P]', 0),
  ('annexa_gender', 'Ofsted Annex A gender value', 'Ofsted ILACS Annex A (liia-tools data-map.yml); domain.md §2.4', 1),
  ('annexa_contact_source', 'Ofsted Annex A contact/referral source value', 'Ofsted ILACS Annex A lists 1 and 3; p1) label for 5D is the SSD script''s choice; domain.md §2.6 [V]/[P]', 0),
  ('sex', 'Sex', 'DfE CIN census 2024-25 onward, item N00783 (M/F/U); domain.md §4.2', 1),
  ('gender_identity', 'Gender identity (optional, self-described)', 'Local practice; BRIEF §2 (optional gender identity)', 0),
  ('contact_source', 'Contact/referral source', 'DfE CIN census referral source codes incl. 5D (CIN rule 8866); domain.md §2.6', 1),
  ('contact_channel', 'Contact channel', 'Notices (Durham: face to face, secure email, post, telephone, online referral form); BRIEF §1', 0),
  ('contactor_type', 'Who made the contact', 'BRIEF §2 (professional, family, member of the public, anonymous) plus self', 1),
  ('contact_decision', 'Front door decision', 'BRIEF §1 (NFA, advice, early help, step up); undecided = NULL', 1),
  ('closure_reason', 'Episode closure reason', 'BRIEF §2 plus other', 1),
  ('agency_type', 'Agency type', 'Notices (recipients and data sources); BRIEF §1-2', 0),
  ('family_role', 'Role in the family / household', 'BRIEF §2; domain.md §5.3 (significant adults outside the home), §5.2 (support from pregnancy)', 1),
  ('assessment_area', 'Whole family assessment: area of discussion', 'BRIEF §2; Shropshire notice (Whole Family Assessment)', 1),
  ('review_outcome', 'Team Around the Family review outcome', 'BRIEF §2; domain.md §5.2 (Worcestershire: positive change, no change, deterioration)', 1),
  ('consent_scope', 'Scope of consent', 'BRIEF §2-3; Shropshire notice (limited data at identification, consent before fuller sharing)', 1),
  ('consent_method', 'How consent was given', 'Local practice', 0),
  ('data_category', 'Data category (UK GDPR)', 'UK GDPR articles 6, 9 and 10; Oldham notice; BRIEF §2-3', 1),
  ('religion', 'Religion', 'ONS Census 2021 (England and Wales) religion categories', 0),
  ('yes_no_unknown', 'Yes / No / Unknown', 'Common DfE/Annex A pattern (a) Yes, b) No, c) Unknown); domain.md §2.7', 1),
  ('send_status', 'SEND status', 'DfE SEN provision codes (K = SEN support, E = EHC plan); BRIEF §2', 0),
  ('referrer_type', 'Who made the referral', 'Same codes as contactor_type; BRIEF §2', 1),
  ('activity_type', 'Activity or service attended', 'Cumbria notice (activities and services attended); local practice', 0),
  ('plan_action_status', 'Plan action status', 'BRIEF §2 (actions: who, by when, done)', 1),
  ('episode_status', 'Episode stage (derived)', 'domain.md §5.2 lifecycle Consent -> Assessment -> Plan -> Review -> Closure; §5.6 step-up', 0),
  ('note_type', 'Case note type', 'BRIEF §2 (case notes, records of phone calls); Shropshire notice', 0),
  ('address_type', 'Address type', 'BRIEF §2 (addresses with history)', 0),
  ('contact_detail_type', 'Contact detail type', 'BRIEF §2 (contact details)', 0),
  ('cin_primary_need', 'CIN primary need code (step-up records)', 'DfE CIN census; liia-tools data-map.yml; domain.md §4.3', 1),
  ('cin_closure_reason', 'CIN reason for closure (step-up records)', 'DfE CIN census; liia-tools data-map.yml; domain.md §4.3', 1),
  ('legal_hold_reason', 'Legal hold / moratorium reason', 'domain.md §6.5 design requirement (IICSA moratorium [V]/[P])', 0),
  ('erasure_refusal_ground', 'Ground for refusing erasure (UK GDPR art. 17(3))', 'UK GDPR art. 17(3); domain.md §6.3', 1),
  ('retention_trigger', 'Retention period trigger', 'BRIEF §3; Durham and Northamptonshire notices (retention tables)', 1),
  ('break_glass_reason', 'Emergency (break-glass) access reason', 'BRIEF §3', 1);

-- ---------------------------------------------------------------------------------------------------------------
-- ethnicity: the 20 DfE main codes (parent NULL, §2.5 order, sort_order 100..2000) and DfE extended codes
-- (parent = main code, sort_order = parent's + n). Main codes only are valid in the CIN census and Annex A;
-- store the extended code when collected and roll up through parent.
-- Extended codes under WBRI, WOTH, WROM and MWAS were checked against the gov.uk alternative provision census
-- codes page (§4.1); the rest are the DfE approved extended categories as published in the common basic data
-- set - re-check them when the list is next refreshed.
-- ---------------------------------------------------------------------------------------------------------------
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'WBRI', 'White British', NULL, 100),
  ('ethnicity', 'WIRI', 'White Irish', NULL, 200),
  ('ethnicity', 'WIRT', 'Traveller of Irish heritage', NULL, 300),
  ('ethnicity', 'WOTH', 'Any other White background', NULL, 400),
  ('ethnicity', 'WROM', 'Gypsy/Roma', NULL, 500),
  ('ethnicity', 'MWBC', 'White and Black Caribbean', NULL, 600),
  ('ethnicity', 'MWBA', 'White and Black African', NULL, 700),
  ('ethnicity', 'MWAS', 'White and Asian', NULL, 800),
  ('ethnicity', 'MOTH', 'Any other Mixed background', NULL, 900),
  ('ethnicity', 'AIND', 'Indian', NULL, 1000),
  ('ethnicity', 'APKN', 'Pakistani', NULL, 1100),
  ('ethnicity', 'ABAN', 'Bangladeshi', NULL, 1200),
  ('ethnicity', 'AOTH', 'Any other Asian background', NULL, 1300),
  ('ethnicity', 'BCRB', 'Caribbean', NULL, 1400),
  ('ethnicity', 'BAFR', 'African', NULL, 1500),
  ('ethnicity', 'BOTH', 'Any other Black background', NULL, 1600),
  ('ethnicity', 'CHNE', 'Chinese', NULL, 1700),
  ('ethnicity', 'OOTH', 'Any other ethnic group', NULL, 1800),
  ('ethnicity', 'REFU', 'Refused', NULL, 1900),
  ('ethnicity', 'NOBT', 'Information not yet obtained', NULL, 2000);

-- ethnicity extended codes: White British (do not use WBRI once WCOR-WWEL are in use)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'WCOR', 'White - Cornish', 'WBRI', 101),
  ('ethnicity', 'WENG', 'White - English', 'WBRI', 102),
  ('ethnicity', 'WNIR', 'White - Northern Irish', 'WBRI', 103),
  ('ethnicity', 'WSCO', 'White - Scottish', 'WBRI', 104),
  ('ethnicity', 'WWEL', 'White - Welsh', 'WBRI', 105),
  ('ethnicity', 'WOWB', 'Other White British', 'WBRI', 106);

-- ethnicity extended codes: any other White background (do not use WOTH once WALB-WWEU are in use)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'WALB', 'Albanian', 'WOTH', 401),
  ('ethnicity', 'WBOS', 'Bosnian-Herzegovinian', 'WOTH', 402),
  ('ethnicity', 'WCRO', 'Croatian', 'WOTH', 403),
  ('ethnicity', 'WGRE', 'Greek/Greek Cypriot', 'WOTH', 404),
  ('ethnicity', 'WGRK', 'Greek', 'WOTH', 405),
  ('ethnicity', 'WGRC', 'Greek Cypriot', 'WOTH', 406),
  ('ethnicity', 'WITA', 'Italian', 'WOTH', 407),
  ('ethnicity', 'WKOS', 'Kosovan', 'WOTH', 408),
  ('ethnicity', 'WPOR', 'Portuguese', 'WOTH', 409),
  ('ethnicity', 'WSER', 'Serbian', 'WOTH', 410),
  ('ethnicity', 'WTUR', 'Turkish/Turkish Cypriot', 'WOTH', 411),
  ('ethnicity', 'WTUK', 'Turkish', 'WOTH', 412),
  ('ethnicity', 'WTUC', 'Turkish Cypriot', 'WOTH', 413),
  ('ethnicity', 'WEUR', 'White European', 'WOTH', 414),
  ('ethnicity', 'WEEU', 'White Eastern European', 'WOTH', 415),
  ('ethnicity', 'WWEU', 'White Western European', 'WOTH', 416),
  ('ethnicity', 'WOTW', 'White other', 'WOTH', 417);

-- ethnicity extended codes: Gypsy/Roma
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'WROG', 'Gypsy', 'WROM', 501),
  ('ethnicity', 'WROR', 'Roma', 'WROM', 502),
  ('ethnicity', 'WROO', 'Other Gypsy/Roma', 'WROM', 503);

-- ethnicity extended codes: White and Asian
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'MWAP', 'White and Pakistani', 'MWAS', 801),
  ('ethnicity', 'MWAI', 'White and Indian', 'MWAS', 802),
  ('ethnicity', 'MWAO', 'White and any other Asian background', 'MWAS', 803);

-- ethnicity extended codes: any other Mixed background
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'MAOE', 'Asian and any other ethnic group', 'MOTH', 901),
  ('ethnicity', 'MABL', 'Asian and Black', 'MOTH', 902),
  ('ethnicity', 'MACH', 'Asian and Chinese', 'MOTH', 903),
  ('ethnicity', 'MBOE', 'Black and any other ethnic group', 'MOTH', 904),
  ('ethnicity', 'MBCH', 'Black and Chinese', 'MOTH', 905),
  ('ethnicity', 'MCOE', 'Chinese and any other ethnic group', 'MOTH', 906),
  ('ethnicity', 'MWOE', 'White and any other ethnic group', 'MOTH', 907),
  ('ethnicity', 'MWCH', 'White and Chinese', 'MOTH', 908),
  ('ethnicity', 'MOTM', 'Other mixed background', 'MOTH', 909);

-- ethnicity extended codes: Pakistani
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'AMPK', 'Mirpuri Pakistani', 'APKN', 1101),
  ('ethnicity', 'AKPA', 'Kashmiri Pakistani', 'APKN', 1102),
  ('ethnicity', 'AOPK', 'Other Pakistani', 'APKN', 1103);

-- ethnicity extended codes: any other Asian background
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'AAFR', 'African Asian', 'AOTH', 1301),
  ('ethnicity', 'AKAO', 'Kashmiri other', 'AOTH', 1302),
  ('ethnicity', 'ANEP', 'Nepali', 'AOTH', 1303),
  ('ethnicity', 'ASNL', 'Sri Lankan Sinhalese', 'AOTH', 1304),
  ('ethnicity', 'ASLT', 'Sri Lankan Tamil', 'AOTH', 1305),
  ('ethnicity', 'ASRO', 'Sri Lankan other', 'AOTH', 1306),
  ('ethnicity', 'AOTA', 'Other Asian', 'AOTH', 1307);

-- ethnicity extended codes: African
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'BANN', 'Angolan', 'BAFR', 1501),
  ('ethnicity', 'BCON', 'Congolese', 'BAFR', 1502),
  ('ethnicity', 'BGHA', 'Ghanaian', 'BAFR', 1503),
  ('ethnicity', 'BNGN', 'Nigerian', 'BAFR', 1504),
  ('ethnicity', 'BSLN', 'Sierra Leonean', 'BAFR', 1505),
  ('ethnicity', 'BSOM', 'Somali', 'BAFR', 1506),
  ('ethnicity', 'BSUD', 'Sudanese', 'BAFR', 1507),
  ('ethnicity', 'BAOF', 'Other Black African', 'BAFR', 1508);

-- ethnicity extended codes: any other Black background
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'BEUR', 'Black European', 'BOTH', 1601),
  ('ethnicity', 'BNAM', 'Black North American', 'BOTH', 1602),
  ('ethnicity', 'BOTB', 'Other Black', 'BOTH', 1603);

-- ethnicity extended codes: Chinese
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'CHKC', 'Hong Kong Chinese', 'CHNE', 1701),
  ('ethnicity', 'CMAL', 'Malaysian Chinese', 'CHNE', 1702),
  ('ethnicity', 'CSNG', 'Singaporean Chinese', 'CHNE', 1703),
  ('ethnicity', 'CTWN', 'Taiwanese', 'CHNE', 1704),
  ('ethnicity', 'COCH', 'Other Chinese', 'CHNE', 1705);

-- ethnicity extended codes: any other ethnic group
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('ethnicity', 'OAFG', 'Afghan', 'OOTH', 1801),
  ('ethnicity', 'OARA', 'Arab other', 'OOTH', 1802),
  ('ethnicity', 'OEGY', 'Egyptian', 'OOTH', 1803),
  ('ethnicity', 'OFIL', 'Filipino', 'OOTH', 1804),
  ('ethnicity', 'OIRN', 'Iranian', 'OOTH', 1805),
  ('ethnicity', 'OIRQ', 'Iraqi', 'OOTH', 1806),
  ('ethnicity', 'OJPN', 'Japanese', 'OOTH', 1807),
  ('ethnicity', 'OKOR', 'Korean', 'OOTH', 1808),
  ('ethnicity', 'OKRD', 'Kurdish', 'OOTH', 1809),
  ('ethnicity', 'OLAM', 'Latin/South/Central American', 'OOTH', 1810),
  ('ethnicity', 'OLEB', 'Lebanese', 'OOTH', 1811),
  ('ethnicity', 'OLIB', 'Libyan', 'OOTH', 1812),
  ('ethnicity', 'OMAL', 'Malay', 'OOTH', 1813),
  ('ethnicity', 'OMRC', 'Moroccan', 'OOTH', 1814),
  ('ethnicity', 'OPOL', 'Polynesian', 'OOTH', 1815),
  ('ethnicity', 'OTHA', 'Thai', 'OOTH', 1816),
  ('ethnicity', 'OVIE', 'Vietnamese', 'OOTH', 1817),
  ('ethnicity', 'OYEM', 'Yemeni', 'OOTH', 1818),
  ('ethnicity', 'OOEG', 'Other ethnic group', 'OOTH', 1819);

-- annexa_ethnicity_letter: code = DfE main code, label = the Annex A cell value (§2.5 order; NOBT is t), not s))
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('annexa_ethnicity_letter', 'WBRI', 'a) WBRI', NULL, 1),
  ('annexa_ethnicity_letter', 'WIRI', 'b) WIRI', NULL, 2),
  ('annexa_ethnicity_letter', 'WIRT', 'c) WIRT', NULL, 3),
  ('annexa_ethnicity_letter', 'WOTH', 'd) WOTH', NULL, 4),
  ('annexa_ethnicity_letter', 'WROM', 'e) WROM', NULL, 5),
  ('annexa_ethnicity_letter', 'MWBC', 'f) MWBC', NULL, 6),
  ('annexa_ethnicity_letter', 'MWBA', 'g) MWBA', NULL, 7),
  ('annexa_ethnicity_letter', 'MWAS', 'h) MWAS', NULL, 8),
  ('annexa_ethnicity_letter', 'MOTH', 'i) MOTH', NULL, 9),
  ('annexa_ethnicity_letter', 'AIND', 'j) AIND', NULL, 10),
  ('annexa_ethnicity_letter', 'APKN', 'k) APKN', NULL, 11),
  ('annexa_ethnicity_letter', 'ABAN', 'l) ABAN', NULL, 12),
  ('annexa_ethnicity_letter', 'AOTH', 'm) AOTH', NULL, 13),
  ('annexa_ethnicity_letter', 'BCRB', 'n) BCRB', NULL, 14),
  ('annexa_ethnicity_letter', 'BAFR', 'o) BAFR', NULL, 15),
  ('annexa_ethnicity_letter', 'BOTH', 'p) BOTH', NULL, 16),
  ('annexa_ethnicity_letter', 'CHNE', 'q) CHNE', NULL, 17),
  ('annexa_ethnicity_letter', 'OOTH', 'r) OOTH', NULL, 18),
  ('annexa_ethnicity_letter', 'REFU', 's) REFU', NULL, 19),
  ('annexa_ethnicity_letter', 'NOBT', 't) NOBT', NULL, 20);

-- annexa_gender: Annex A's own four values (§2.4); code = Hearth-side key (sex M/F/U; N = neither, SSD's I)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('annexa_gender', 'M', 'a) Male', NULL, 1),
  ('annexa_gender', 'F', 'b) Female', NULL, 2),
  ('annexa_gender', 'U', 'c) Not stated/recorded', NULL, 3),
  ('annexa_gender', 'N', 'd) Neither', NULL, 4);

-- annexa_contact_source: code = DfE contact source code, label = Annex A cell value (§2.6)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('annexa_contact_source', '1A', 'a) 1A: Individual', NULL, 1),
  ('annexa_contact_source', '1B', 'b) 1B: Individual', NULL, 2),
  ('annexa_contact_source', '1C', 'c) 1C: Individual', NULL, 3),
  ('annexa_contact_source', '1D', 'd) 1D: Individual', NULL, 4),
  ('annexa_contact_source', '2A', 'e) 2A: Schools', NULL, 5),
  ('annexa_contact_source', '2B', 'f) 2B: Education services', NULL, 6),
  ('annexa_contact_source', '3A', 'g) 3A: Health services', NULL, 7),
  ('annexa_contact_source', '3B', 'h) 3B: Health services', NULL, 8),
  ('annexa_contact_source', '3C', 'i) 3C: Health services', NULL, 9),
  ('annexa_contact_source', '3D', 'j) 3D: Health services', NULL, 10),
  ('annexa_contact_source', '3E', 'k) 3E: Health services', NULL, 11),
  ('annexa_contact_source', '3F', 'l) 3F: Health services', NULL, 12),
  ('annexa_contact_source', '4', 'm) 4: Housing', NULL, 13),
  ('annexa_contact_source', '5A', 'n) 5A: LA services', NULL, 14),
  ('annexa_contact_source', '5B', 'o) 5B: LA services', NULL, 15),
  ('annexa_contact_source', '5C', 'p) 5C: LA services', NULL, 16),
  ('annexa_contact_source', '5D', 'p1) 5D: LA services', NULL, 17),
  ('annexa_contact_source', '6', 'q) 6: Police', NULL, 18),
  ('annexa_contact_source', '7', 'r) 7: Other legal agency', NULL, 19),
  ('annexa_contact_source', '8', 's) 8: Other', NULL, 20),
  ('annexa_contact_source', '9', 't) 9: Anonymous', NULL, 21),
  ('annexa_contact_source', '10', 'u) 10: Unknown', NULL, 22);

-- sex: DfE 2024-25 meanings (§4.2); U is also the value for an unborn child (CIN rule 8750)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('sex', 'M', 'Male', NULL, 1),
  ('sex', 'F', 'Female', NULL, 2),
  ('sex', 'U', 'Unknown (not asked, not known, or unborn)', NULL, 3);

-- gender_identity: optional, separate from sex; councils may extend
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('gender_identity', 'woman', 'Woman or girl', NULL, 1),
  ('gender_identity', 'man', 'Man or boy', NULL, 2),
  ('gender_identity', 'non_binary', 'Non-binary', NULL, 3),
  ('gender_identity', 'other', 'Other (self-described)', NULL, 4),
  ('gender_identity', 'prefer_not_to_say', 'Prefer not to say', NULL, 5);

-- contact_source: DfE contact/referral source codes (§2.6)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('contact_source', '1A', 'Individual - family member, relative or carer', NULL, 1),
  ('contact_source', '1B', 'Individual - acquaintance (including neighbours and child minders)', NULL, 2),
  ('contact_source', '1C', 'Individual - self', NULL, 3),
  ('contact_source', '1D', 'Individual - other (including strangers or MPs)', NULL, 4),
  ('contact_source', '2A', 'Schools', NULL, 5),
  ('contact_source', '2B', 'Education services', NULL, 6),
  ('contact_source', '3A', 'Health - GP', NULL, 7),
  ('contact_source', '3B', 'Health - health visitor', NULL, 8),
  ('contact_source', '3C', 'Health - school nurse', NULL, 9),
  ('contact_source', '3D', 'Health - other primary health services', NULL, 10),
  ('contact_source', '3E', 'Health - A&E', NULL, 11),
  ('contact_source', '3F', 'Health - other (e.g. hospice)', NULL, 12),
  ('contact_source', '4', 'Housing - LA housing or housing association', NULL, 13),
  ('contact_source', '5A', 'LA services - social care (e.g. adult social care)', NULL, 14),
  ('contact_source', '5B', 'LA services - other internal, not social care or early help', NULL, 15),
  ('contact_source', '5C', 'LA services - external (another LA''s services)', NULL, 16),
  ('contact_source', '5D', 'LA services - early help', NULL, 17),
  ('contact_source', '6', 'Police', NULL, 18),
  ('contact_source', '7', 'Other legal agency (courts, probation, immigration, Cafcass, prison)', NULL, 19),
  ('contact_source', '8', 'Other (children''s centres, independent providers, voluntary organisations)', NULL, 20),
  ('contact_source', '9', 'Anonymous', NULL, 21),
  ('contact_source', '10', 'Unknown', NULL, 22);

-- contact_channel: how a contact reached the front door (notices)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('contact_channel', 'face_to_face', 'Face to face', NULL, 1),
  ('contact_channel', 'phone', 'Telephone', NULL, 2),
  ('contact_channel', 'secure_email', 'Secure email', NULL, 3),
  ('contact_channel', 'post', 'Post', NULL, 4),
  ('contact_channel', 'online_form', 'Online referral form', NULL, 5);

-- contactor_type: who made a contact
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('contactor_type', 'professional', 'Professional', NULL, 1),
  ('contactor_type', 'family', 'Family member, relative or carer', NULL, 2),
  ('contactor_type', 'public', 'Member of the public', NULL, 3),
  ('contactor_type', 'anonymous', 'Anonymous', NULL, 4),
  ('contactor_type', 'self', 'The child or young person themself', NULL, 5);

-- contact_decision: the front door decision; NULL on the contact while undecided.
-- The notices do not mention signposting, so there is no signpost code; a council may add one.
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('contact_decision', 'nfa', 'No further action', NULL, 1),
  ('contact_decision', 'advice', 'Advice', NULL, 2),
  ('contact_decision', 'early_help', 'Early help', NULL, 3),
  ('contact_decision', 'step_up', 'Step up to children''s social care', NULL, 4);

-- closure_reason: why an Early Help episode closed (BRIEF §2 plus other)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('closure_reason', 'needs_met', 'Needs met', NULL, 1),
  ('closure_reason', 'stepped_up', 'Stepped up to children''s social care', NULL, 2),
  ('closure_reason', 'moved_away', 'Moved away', NULL, 3),
  ('closure_reason', 'consent_withdrawn', 'Consent withdrawn', NULL, 4),
  ('closure_reason', 'disengaged', 'Family disengaged', NULL, 5),
  ('closure_reason', 'transferred', 'Transferred to another service', NULL, 6),
  ('closure_reason', 'other', 'Other', NULL, 7);

-- agency_type: kinds of partner agency (drives what each agency may see)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('agency_type', 'school', 'School or college', NULL, 1),
  ('agency_type', 'early_years', 'Early years provider', NULL, 2),
  ('agency_type', 'health_visiting', 'Health visiting', NULL, 3),
  ('agency_type', 'school_nursing', 'School nursing', NULL, 4),
  ('agency_type', 'gp', 'GP practice', NULL, 5),
  ('agency_type', 'hospital', 'Hospital', NULL, 6),
  ('agency_type', 'mental_health', 'Mental health service', NULL, 7),
  ('agency_type', 'police', 'Police', NULL, 8),
  ('agency_type', 'probation', 'Probation', NULL, 9),
  ('agency_type', 'youth_justice', 'Youth justice service', NULL, 10),
  ('agency_type', 'housing', 'Housing', NULL, 11),
  ('agency_type', 'dwp', 'Department for Work and Pensions / Jobcentre Plus', NULL, 12),
  ('agency_type', 'voluntary', 'Voluntary or community sector', NULL, 13),
  ('agency_type', 'local_authority', 'Local authority (other service)', NULL, 14),
  ('agency_type', 'early_help', 'Early Help service', NULL, 15),
  ('agency_type', 'childrens_social_care', 'Children''s social care', NULL, 16),
  ('agency_type', 'adult_social_care', 'Adult social care', NULL, 17),
  ('agency_type', 'other', 'Other', NULL, 18);

-- family_role: a member's role in the family / household
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('family_role', 'child', 'Child', NULL, 1),
  ('family_role', 'parent', 'Parent', NULL, 2),
  ('family_role', 'carer', 'Carer', NULL, 3),
  ('family_role', 'sibling', 'Sibling', NULL, 4),
  ('family_role', 'other_adult', 'Other adult in the household', NULL, 5),
  ('family_role', 'significant_adult', 'Significant adult outside the home', NULL, 6),
  ('family_role', 'unborn', 'Unborn child', NULL, 7);

-- assessment_area: the six areas of discussion of the whole family assessment
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('assessment_area', 'safe_community', 'Staying safe in the community', NULL, 1),
  ('assessment_area', 'education_skills', 'Education and skills', NULL, 2),
  ('assessment_area', 'life_chances', 'Children''s life chances', NULL, 3),
  ('assessment_area', 'living_standards', 'Living standards, work, money and housing', NULL, 4),
  ('assessment_area', 'safe_relationships', 'Safe relationships', NULL, 5),
  ('assessment_area', 'health', 'Physical and mental health', NULL, 6);

-- review_outcome: result of a Team Around the Family review
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('review_outcome', 'progress', 'Progress (positive change)', NULL, 1),
  ('review_outcome', 'no_change', 'No change', NULL, 2),
  ('review_outcome', 'deterioration', 'Deterioration', NULL, 3);

-- consent_scope: what a consent covers
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('consent_scope', 'support', 'Receiving early help support', NULL, 1),
  ('consent_scope', 'share_all_partners', 'Sharing with all partner agencies involved', NULL, 2),
  ('consent_scope', 'share_named_agency_types', 'Sharing with named agency types only', NULL, 3),
  ('consent_scope', 'research', 'National evaluation and research', NULL, 4),
  ('consent_scope', 'none', 'No consent', NULL, 5);

-- consent_method: how consent was given
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('consent_method', 'written', 'Written (signed)', NULL, 1),
  ('consent_method', 'verbal', 'Verbal, recorded by the practitioner', NULL, 2),
  ('consent_method', 'online', 'Online form', NULL, 3),
  ('consent_method', 'via_professional', 'Given through the referring professional', NULL, 4);

-- data_category: UK GDPR category of each field, which fixes its lawful-basis article
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('data_category', 'personal', 'Personal data (UK GDPR art. 6)', NULL, 1),
  ('data_category', 'special_category', 'Special category data (UK GDPR art. 9)', NULL, 2),
  ('data_category', 'criminal_offence', 'Criminal offence data (UK GDPR art. 10)', NULL, 3);

-- religion: Census 2021 (England and Wales) categories
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('religion', 'no_religion', 'No religion', NULL, 1),
  ('religion', 'christian', 'Christian', NULL, 2),
  ('religion', 'buddhist', 'Buddhist', NULL, 3),
  ('religion', 'hindu', 'Hindu', NULL, 4),
  ('religion', 'jewish', 'Jewish', NULL, 5),
  ('religion', 'muslim', 'Muslim', NULL, 6),
  ('religion', 'sikh', 'Sikh', NULL, 7),
  ('religion', 'other', 'Any other religion', NULL, 8),
  ('religion', 'not_stated', 'Not stated', NULL, 9);

-- yes_no_unknown: generic tri-state answer
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('yes_no_unknown', 'Y', 'Yes', NULL, 1),
  ('yes_no_unknown', 'N', 'No', NULL, 2),
  ('yes_no_unknown', 'U', 'Unknown', NULL, 3);

-- send_status: special educational needs and disability status (DfE SEN provision letter in the label)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('send_status', 'none', 'No special educational needs', NULL, 1),
  ('send_status', 'sen_support', 'SEN support (K)', NULL, 2),
  ('send_status', 'ehcp', 'Education, health and care plan (E)', NULL, 3),
  ('send_status', 'assessment', 'Under assessment for an EHC plan', NULL, 4),
  ('send_status', 'unknown', 'Not known', NULL, 5);

-- referrer_type: who made a referral / request for support (same codes as contactor_type)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('referrer_type', 'professional', 'Professional', NULL, 1),
  ('referrer_type', 'family', 'Family member, relative or carer', NULL, 2),
  ('referrer_type', 'public', 'Member of the public', NULL, 3),
  ('referrer_type', 'anonymous', 'Anonymous', NULL, 4),
  ('referrer_type', 'self', 'The child or young person themself', NULL, 5);

-- activity_type: activities and services a family member attended
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('activity_type', 'parenting_programme', 'Parenting programme', NULL, 1),
  ('activity_type', 'group_session', 'Group session', NULL, 2),
  ('activity_type', 'one_to_one', 'One-to-one session', NULL, 3),
  ('activity_type', 'home_visit', 'Home visit', NULL, 4),
  ('activity_type', 'family_centre_session', 'Family centre session', NULL, 5),
  ('activity_type', 'school_meeting', 'School meeting', NULL, 6),
  ('activity_type', 'health_appointment', 'Health appointment', NULL, 7),
  ('activity_type', 'other', 'Other', NULL, 8);

-- plan_action_status: state of one action in a family plan
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('plan_action_status', 'open', 'Open', NULL, 1),
  ('plan_action_status', 'done', 'Done', NULL, 2),
  ('plan_action_status', 'cancelled', 'Cancelled', NULL, 3);

-- episode_status: derived stage of an Early Help episode (for display and filtering)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('episode_status', 'open', 'Open', NULL, 1),
  ('episode_status', 'assessed', 'Assessed', NULL, 2),
  ('episode_status', 'planned', 'Plan in place', NULL, 3),
  ('episode_status', 'reviewed', 'Reviewed', NULL, 4),
  ('episode_status', 'closed', 'Closed', NULL, 5),
  ('episode_status', 'stepped_up', 'Stepped up to children''s social care', NULL, 6);

-- note_type: kinds of case note
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('note_type', 'case_note', 'Case note', NULL, 1),
  ('note_type', 'phone_call', 'Phone call', NULL, 2),
  ('note_type', 'visit', 'Visit', NULL, 3),
  ('note_type', 'meeting', 'Meeting', NULL, 4),
  ('note_type', 'email', 'Email', NULL, 5),
  ('note_type', 'letter', 'Letter', NULL, 6);

-- address_type: kinds of address held against a person
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('address_type', 'home', 'Home', NULL, 1),
  ('address_type', 'previous', 'Previous', NULL, 2),
  ('address_type', 'correspondence', 'Correspondence', NULL, 3),
  ('address_type', 'temporary', 'Temporary', NULL, 4);

-- contact_detail_type: kinds of phone/email contact detail
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('contact_detail_type', 'phone_mobile', 'Mobile phone', NULL, 1),
  ('contact_detail_type', 'phone_home', 'Home phone', NULL, 2),
  ('contact_detail_type', 'email', 'Email', NULL, 3);

-- cin_primary_need: DfE CIN census primary need codes, for step-up records (§4.3)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('cin_primary_need', 'N1', 'Abuse or neglect', NULL, 1),
  ('cin_primary_need', 'N2', 'Child''s disability', NULL, 2),
  ('cin_primary_need', 'N3', 'Parental disability or illness', NULL, 3),
  ('cin_primary_need', 'N4', 'Family in acute stress', NULL, 4),
  ('cin_primary_need', 'N5', 'Family dysfunction', NULL, 5),
  ('cin_primary_need', 'N6', 'Socially unacceptable behaviour', NULL, 6),
  ('cin_primary_need', 'N7', 'Low income', NULL, 7),
  ('cin_primary_need', 'N8', 'Absent parenting', NULL, 8),
  ('cin_primary_need', 'N9', 'Cases other than children in need', NULL, 9),
  ('cin_primary_need', 'N0', 'Not stated', NULL, 10);

-- cin_closure_reason: DfE CIN census reason for closure codes (§4.3)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('cin_closure_reason', 'RC1', 'Adopted', NULL, 1),
  ('cin_closure_reason', 'RC2', 'Died', NULL, 2),
  ('cin_closure_reason', 'RC3', 'Child arrangements order', NULL, 3),
  ('cin_closure_reason', 'RC4', 'Special guardianship order', NULL, 4),
  ('cin_closure_reason', 'RC5', 'Transferred to another local authority', NULL, 5),
  ('cin_closure_reason', 'RC6', 'Transferred to adult social care', NULL, 6),
  ('cin_closure_reason', 'RC7', 'Services ceased for any other reason, including no longer in need', NULL, 7),
  ('cin_closure_reason', 'RC8', 'Case closed after assessment, no further action', NULL, 8);

-- legal_hold_reason: why a record or case must not be destroyed or erased (§6.5)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('legal_hold_reason', 'IICSA-2015', 'Independent Inquiry into Child Sexual Abuse retention moratorium (2015)', NULL, 1),
  ('legal_hold_reason', 'LITIGATION', 'Litigation, actual or expected', NULL, 2),
  ('legal_hold_reason', 'SAR-OPEN', 'Subject access request open', NULL, 3),
  ('legal_hold_reason', 'FUTURE-INQUIRY', 'Future or announced inquiry', NULL, 4);

-- erasure_refusal_ground: the UK GDPR art. 17(3) ground relied on when erasure is refused (§6.3)
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('erasure_refusal_ground', 'art17_3_a', 'Art. 17(3)(a): freedom of expression and information', NULL, 1),
  ('erasure_refusal_ground', 'art17_3_b', 'Art. 17(3)(b): legal obligation, or public task / official authority', NULL, 2),
  ('erasure_refusal_ground', 'art17_3_c', 'Art. 17(3)(c): public health (art. 9(2)(h), (i) and 9(3))', NULL, 3),
  ('erasure_refusal_ground', 'art17_3_d', 'Art. 17(3)(d): archiving in the public interest, research or statistics', NULL, 4),
  ('erasure_refusal_ground', 'art17_3_e', 'Art. 17(3)(e): establishment, exercise or defence of legal claims', NULL, 5);

-- retention_trigger: the date a retention period runs from
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('retention_trigger', 'case_closure', 'Case closure', NULL, 1),
  ('retention_trigger', 'date_of_birth', 'Date of birth', NULL, 2),
  ('retention_trigger', 'last_contact', 'Last contact', NULL, 3),
  ('retention_trigger', 'programme_end', 'End of programme', NULL, 4),
  ('retention_trigger', 'end_of_year_of_closure', 'End of the calendar year of closure', NULL, 5);

-- break_glass_reason: recorded reason for time-limited emergency access
INSERT INTO ref_code (list, code, label, parent, sort_order) VALUES
  ('break_glass_reason', 'serious_risk_of_harm', 'Serious risk of harm', NULL, 1),
  ('break_glass_reason', 'welfare_of_child', 'Welfare of a child', NULL, 2),
  ('break_glass_reason', 'crime_prevention_detection', 'Prevention or detection of crime', NULL, 3),
  ('break_glass_reason', 'court_order', 'Court order', NULL, 4);

-- ---------------------------------------------------------------------------------------------------------------
-- Supporting Families outcome framework 2022-25 (§1.1-1.3)
-- ---------------------------------------------------------------------------------------------------------------

-- framework version: in effect from 3 October 2022; no end date recorded (PbR machinery historic from April 2025)
INSERT INTO sf_framework (version, label, effective_from, effective_to, source) VALUES
  ('2022-10', 'National Supporting Families Outcome Framework 2022–25', '2022-10-03', NULL,
   'gov.uk Supporting Families programme guidance 2022 to 2025: chapter 3 (National Supporting Families Outcome Framework) and chapter 5 (Evidencing successful family outcomes); domain.md §1.1-1.3');

-- the ten headline outcomes [V]: label = 2022 guidance wording, alt_label = later wording used by councils
INSERT INTO sf_headline (version, code, label, alt_label, sort_order) VALUES
  ('2022-10', 'EDU', 'Getting a good education', 'Getting a Good Education', 1),
  ('2022-10', 'EYD', 'Good early years development', 'Good Early Years Development', 2),
  ('2022-10', 'HLT', 'Improved mental and physical health', 'Improved Mental and Physical Health', 3),
  ('2022-10', 'SUB', 'Better managed substance use', 'Promoting Recovery and Reducing Harm from Substance Use', 4),
  ('2022-10', 'REL', 'Improved family relationships', 'Improved Family Relationships', 5),
  ('2022-10', 'SAF', 'Children safe from abuse and exploitation', 'Children Safe from Abuse and Exploitation', 6),
  ('2022-10', 'CRM', 'Families diverted from crime', 'Crime Prevention and Tackling Crime', 7),
  ('2022-10', 'DA', 'Safe from domestic abuse', 'Safe from Domestic Abuse', 8),
  ('2022-10', 'HOU', 'Secure housing', 'Secure Housing', 9),
  ('2022-10', 'FIN', 'Financial stability', 'Financial Stability', 10);

-- family needs [U]: §1.3 is a paraphrase, not the published descriptor table, so every row is verified = 0 and
-- must be replaced from the published framework. success_criteria takes the §1.3 success clause that fits the
-- need; data_sources names the partner datasets (Shropshire notice list) that would evidence it; both [U].
-- sustain_months = 6: outcomes must be sustained six months after closure (§1.4).

-- needs under EDU: getting a good education
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'EDU', 'EDU_ATTENDANCE', 'Child not attending school regularly (persistent absence, below 90% attendance)', 'School attendance', 'Sustained improvement in attendance', 6, 0),
  ('2022-10', 'EDU', 'EDU_EXCLUSION', 'Child suspended or excluded, at risk of exclusion, or in alternative provision', 'School exclusions and suspensions; alternative provision', 'No further suspensions or exclusions', 6, 0),
  ('2022-10', 'EDU', 'EDU_MISSING', 'Child missing education, or in unsuitable elective home education', 'Children missing education; elective home education', 'Back in suitable education', 6, 0),
  ('2022-10', 'EDU', 'EDU_NEET', 'Young person aged 16-18 not in education, employment or training (NEET), or at risk of NEET', 'NEET tracking', 'In education, employment or training', 6, 0),
  ('2022-10', 'EDU', 'EDU_SEND', 'Child with special educational needs or disability whose needs are not being met', 'EHCP/SEN', 'Back in suitable education, with needs met', 6, 0);

-- needs under EYD: good early years development
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'EYD', 'EYD_PERINATAL', 'Expectant or new parents needing support, including perinatal mental health', 'Health visiting; midwifery', 'Parent engaged with support', 6, 0),
  ('2022-10', 'EYD', 'EYD_DEVELOPMENT', 'Child not meeting developmental milestones (e.g. 2-2½-year review, ASQ-3)', 'Health visiting 2-2½-year review (ASQ-3)', 'Improved development scores', 6, 0),
  ('2022-10', 'EYD', 'EYD_EARLY_EDUCATION', 'Eligible child not taking up funded early education', 'Early years take-up', 'Take-up of the entitlement', 6, 0),
  ('2022-10', 'EYD', 'EYD_PARENT_INFANT', 'Concerns about the parent-infant relationship', 'Health visiting; family centres', 'Parent engaged with support', 6, 0);

-- needs under HLT: improved mental and physical health
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'HLT', 'HLT_MENTAL', 'Adult or child with a mental health need', 'Health services; schools', 'Engagement with services or improvement on a validated scale (e.g. WEMWBS, SDQ)', 6, 0),
  ('2022-10', 'HLT', 'HLT_PHYSICAL', 'Adult or child with a physical health need or disability affecting family functioning', 'Health services; adult social care', 'Engagement with services or improvement on a validated scale', 6, 0);

-- needs under SUB: better managed substance use
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'SUB', 'SUB_PROBLEM_USE', 'Adult or young person with problematic drug or alcohol use, including harm to children', 'Drug and alcohol treatment services', 'Engaged in treatment or reduced use, sustained', 6, 0);

-- needs under REL: improved family relationships
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'REL', 'REL_PARENTAL_CONFLICT', 'Harmful conflict between parents', 'Early help; schools; health services', 'Reduced conflict (validated measure)', 6, 0),
  ('2022-10', 'REL', 'REL_PARENTING', 'Parenting or child-behaviour difficulties', 'Early help; schools', 'Improved parenting', 6, 0),
  ('2022-10', 'REL', 'REL_YOUNG_CARER', 'Young carer', 'Schools; young carers services', 'Reduced conflict (validated measure); improved parenting', 6, 0),
  ('2022-10', 'REL', 'REL_BREAKDOWN', 'Risk of family breakdown', 'Social care; early help', 'Reduced conflict (validated measure); improved parenting', 6, 0);

-- needs under SAF: children safe from abuse and exploitation
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'SAF', 'SAF_NEGLECT_ABUSE', 'Child at risk of, or experiencing, neglect or abuse', 'Social care', 'Risk reduced, stepped down, no re-referral within the period', 6, 0),
  ('2022-10', 'SAF', 'SAF_EXPLOITATION', 'Child at risk of, or experiencing, sexual or criminal exploitation (including county lines)', 'Police; social care; youth justice', 'Risk reduced, stepped down, no re-referral within the period', 6, 0),
  ('2022-10', 'SAF', 'SAF_MISSING', 'Child with missing episodes', 'Police; social care', 'Risk reduced, stepped down, no re-referral within the period', 6, 0),
  ('2022-10', 'SAF', 'SAF_RADICALISATION', 'Child at risk of radicalisation', 'Police; social care', 'Risk reduced, stepped down, no re-referral within the period', 6, 0),
  ('2022-10', 'SAF', 'SAF_CSC_CONCERN', 'Open child in need or child protection concerns', 'Social care', 'Risk reduced, stepped down, no re-referral within the period', 6, 0);

-- needs under CRM: families diverted from crime
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'CRM', 'CRM_OFFENDING', 'Adult or child offending, or involved in anti-social behaviour', 'Police; youth justice', 'No proven offending or anti-social behaviour over the sustain period', 6, 0),
  ('2022-10', 'CRM', 'CRM_AT_RISK', 'Adult or child at risk of offending', 'Police; youth justice', 'No proven offending or anti-social behaviour over the sustain period', 6, 0),
  ('2022-10', 'CRM', 'CRM_CUSTODY', 'Parent in custody or on licence', 'Police; probation', 'No proven offending or anti-social behaviour over the sustain period', 6, 0);

-- needs under DA: safe from domestic abuse
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'DA', 'DA_HOUSEHOLD', 'Victim or perpetrator of domestic abuse in the household', 'Domestic abuse; police', 'No further incidents; engaged with support; safety plan in place', 6, 0),
  ('2022-10', 'DA', 'DA_CHILD_TO_PARENT', 'Child-to-parent violence', 'Domestic abuse; police; early help', 'No further incidents; engaged with support; safety plan in place', 6, 0),
  ('2022-10', 'DA', 'DA_TEEN_RELATIONSHIP', 'Teenage relationship abuse', 'Domestic abuse; police; schools', 'No further incidents; engaged with support; safety plan in place', 6, 0);

-- needs under HOU: secure housing
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'HOU', 'HOU_HOMELESS', 'Family homeless or at risk of homelessness (statutory duty)', 'Housing', 'Homelessness prevented or relieved; settled accommodation', 6, 0),
  ('2022-10', 'HOU', 'HOU_TEMPORARY', 'Family in temporary accommodation', 'Housing', 'Settled accommodation', 6, 0),
  ('2022-10', 'HOU', 'HOU_UNSUITABLE', 'Family in unsuitable or overcrowded housing', 'Housing', 'Settled accommodation', 6, 0),
  ('2022-10', 'HOU', 'HOU_ARREARS', 'Rent arrears or risk of eviction', 'Housing', 'Homelessness prevented; settled accommodation', 6, 0);

-- needs under FIN: financial stability
INSERT INTO sf_need (version, headline, code, descriptor, data_sources, success_criteria, sustain_months, verified) VALUES
  ('2022-10', 'FIN', 'FIN_WORKLESS', 'Adult out of work or on out-of-work benefits', 'DWP out-of-work benefits', 'Moved into or towards work', 6, 0),
  ('2022-10', 'FIN', 'FIN_DEBT', 'Problem debt or financial difficulty', 'Housing; free school meals; advice services', 'Debt managed; income maximised', 6, 0),
  ('2022-10', 'FIN', 'FIN_YOUNG_NEET', 'Young adult not in education, employment or training', 'NEET tracking; DWP out-of-work benefits', 'Moved into or towards work', 6, 0);

-- ---------------------------------------------------------------------------------------------------------------
-- Bank holidays, England and Wales, 2024-2027 (editable reference data).
-- KEEP CURRENT: add each new year from gov.uk/bank-holidays before it starts, and add any one-off holiday
-- proclaimed later; working-day deadlines are wrong for dates beyond the last year loaded.
-- When a holiday falls at a weekend the substitute weekday is listed instead (2026-12-28, 2027-12-27/28).
-- ---------------------------------------------------------------------------------------------------------------

-- 2024
INSERT INTO ref_bank_holiday (day, label, region) VALUES
  ('2024-01-01', 'New Year''s Day', 'england-and-wales'),
  ('2024-03-29', 'Good Friday', 'england-and-wales'),
  ('2024-04-01', 'Easter Monday', 'england-and-wales'),
  ('2024-05-06', 'Early May bank holiday', 'england-and-wales'),
  ('2024-05-27', 'Spring bank holiday', 'england-and-wales'),
  ('2024-08-26', 'Summer bank holiday', 'england-and-wales'),
  ('2024-12-25', 'Christmas Day', 'england-and-wales'),
  ('2024-12-26', 'Boxing Day', 'england-and-wales');

-- 2025
INSERT INTO ref_bank_holiday (day, label, region) VALUES
  ('2025-01-01', 'New Year''s Day', 'england-and-wales'),
  ('2025-04-18', 'Good Friday', 'england-and-wales'),
  ('2025-04-21', 'Easter Monday', 'england-and-wales'),
  ('2025-05-05', 'Early May bank holiday', 'england-and-wales'),
  ('2025-05-26', 'Spring bank holiday', 'england-and-wales'),
  ('2025-08-25', 'Summer bank holiday', 'england-and-wales'),
  ('2025-12-25', 'Christmas Day', 'england-and-wales'),
  ('2025-12-26', 'Boxing Day', 'england-and-wales');

-- 2026 (Boxing Day is a Saturday: substitute Monday 28 December)
INSERT INTO ref_bank_holiday (day, label, region) VALUES
  ('2026-01-01', 'New Year''s Day', 'england-and-wales'),
  ('2026-04-03', 'Good Friday', 'england-and-wales'),
  ('2026-04-06', 'Easter Monday', 'england-and-wales'),
  ('2026-05-04', 'Early May bank holiday', 'england-and-wales'),
  ('2026-05-25', 'Spring bank holiday', 'england-and-wales'),
  ('2026-08-31', 'Summer bank holiday', 'england-and-wales'),
  ('2026-12-25', 'Christmas Day', 'england-and-wales'),
  ('2026-12-28', 'Boxing Day (substitute day)', 'england-and-wales');

-- 2027 (Christmas Day Saturday, Boxing Day Sunday: substitutes Monday 27 and Tuesday 28 December)
INSERT INTO ref_bank_holiday (day, label, region) VALUES
  ('2027-01-01', 'New Year''s Day', 'england-and-wales'),
  ('2027-03-26', 'Good Friday', 'england-and-wales'),
  ('2027-03-29', 'Easter Monday', 'england-and-wales'),
  ('2027-05-03', 'Early May bank holiday', 'england-and-wales'),
  ('2027-05-31', 'Spring bank holiday', 'england-and-wales'),
  ('2027-08-30', 'Summer bank holiday', 'england-and-wales'),
  ('2027-12-27', 'Christmas Day (substitute day)', 'england-and-wales'),
  ('2027-12-28', 'Boxing Day (substitute day)', 'england-and-wales');
