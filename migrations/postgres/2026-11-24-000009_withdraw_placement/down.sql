ALTER TABLE proposals DROP COLUMN placement_withdrawn_on;
