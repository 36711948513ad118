-- Where a provider's ambulant team starts from: clients with intensive support must
-- live within the policy's distance of it.
ALTER TABLE organisations ADD COLUMN base_lat DOUBLE;
ALTER TABLE organisations ADD COLUMN base_lon DOUBLE;

-- The round lock: at most one running round per region, held by the database itself so
-- it holds across service instances.
CREATE UNIQUE INDEX match_rounds_one_running ON match_rounds (region_id) WHERE status = 'running';
-- The contingent a proposal would use, so open proposals count against it.
ALTER TABLE proposals ADD COLUMN contingent_id INTEGER REFERENCES contingents(id);
CREATE INDEX proposals_round ON proposals (round_id);
CREATE INDEX proposals_client_status ON proposals (client_id, status);
