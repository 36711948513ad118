ALTER TABLE proposals DROP COLUMN deadline_warned_on;
