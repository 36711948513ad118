-- The day the party that must answer an offer was warned that its deadline is near.
ALTER TABLE proposals ADD COLUMN deadline_warned_on DATE;
