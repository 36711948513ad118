ALTER TABLE proposals DROP COLUMN flipped_on;
ALTER TABLE proposals DROP COLUMN flip_reminded_on;
ALTER TABLE proposals DROP COLUMN planned_flip_on;
ALTER TABLE proposals DROP COLUMN flip_conditions;
