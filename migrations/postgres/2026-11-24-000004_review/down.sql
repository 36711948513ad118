ALTER TABLE proposals DROP COLUMN offer_deadline;
ALTER TABLE proposals DROP COLUMN reason_note;
DROP TABLE contingent_ledger;
