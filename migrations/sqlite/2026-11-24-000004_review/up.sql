-- The contingent ledger: every use of a contingent and every return, with its reason.
-- contingents.used is the running sum, kept in the same transaction.
CREATE TABLE contingent_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contingent_id INTEGER NOT NULL REFERENCES contingents(id),
    proposal_id INTEGER REFERENCES proposals(id),
    change INTEGER NOT NULL CHECK (change IN (-1, 1)),
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contingent_ledger_contingent ON contingent_ledger (contingent_id);

ALTER TABLE proposals ADD COLUMN reason_note TEXT;
ALTER TABLE proposals ADD COLUMN offer_deadline DATE;
