-- The proposal status for which a stall alert went out, so each wait is reported once.
ALTER TABLE proposals ADD COLUMN stall_warned_status TEXT;
