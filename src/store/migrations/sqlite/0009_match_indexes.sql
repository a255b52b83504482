-- 0009_match_indexes.sql — an index for the front door's match (src/api/api_match.c, POST
-- /api/v1/people/matches and the duplicate warning on recording a person), which must answer in a few
-- milliseconds on an index of a million people.
--
-- One of its candidate lookups is a given name with a year of birth. With person_given_key alone, SQLite
-- read the row of every person with that given name to test the year: a common given name has ~10,000
-- people in a million, so one lookup cost tens of milliseconds. Here the year is a range within the given
-- name's entries of the index, and the ids come from the index alone.
CREATE INDEX person_given_dob ON person(given_key, date_of_birth);

-- A family name with a year of birth: the match takes a common family name (thousands of people in a
-- million) with the given name (person_family_key) or with the year of birth (this one), never alone.
CREATE INDEX person_family_dob ON person(family_key, date_of_birth);
