ALTER TABLE proposals DROP COLUMN stall_warned_status;
