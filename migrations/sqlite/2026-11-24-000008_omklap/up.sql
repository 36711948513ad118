-- The omklap lifecycle of a placement in an omklap dwelling: the provider rents it, the
-- lease flips to the client later on the recorded conditions.
ALTER TABLE proposals ADD COLUMN flip_conditions TEXT;
ALTER TABLE proposals ADD COLUMN planned_flip_on DATE;
ALTER TABLE proposals ADD COLUMN flip_reminded_on DATE;
ALTER TABLE proposals ADD COLUMN flipped_on DATE;
