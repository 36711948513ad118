DROP INDEX proposals_client_status;
DROP INDEX proposals_round;
ALTER TABLE proposals DROP COLUMN contingent_id;
DROP INDEX match_rounds_one_running;
ALTER TABLE organisations DROP COLUMN base_lon;
ALTER TABLE organisations DROP COLUMN base_lat;
