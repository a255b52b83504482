-- 0003_list_indexes.sql — indexes for list filters that select few rows in a large council.
-- Every filter the API offers (MODEL_F_FILTER in model/model_resource.c) is either served by an index or
-- selects a large share of its rows (sex, channel, status), where a scan in id order fills a page quickly.
CREATE INDEX person_family_name ON person(family_name);
CREATE INDEX person_given_name ON person(given_name);
CREATE INDEX episode_programme ON episode(programme_id) WHERE programme_id IS NOT NULL;
CREATE INDEX plan_action_owner ON plan_action(owner_user_id) WHERE owner_user_id IS NOT NULL;
