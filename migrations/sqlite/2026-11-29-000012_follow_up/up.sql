-- Follow-up after placement: at 6 and 12 months the provider records whether the person
-- still lives there and, if not, why. No free text: a fixed list of outcomes only.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    months INTEGER NOT NULL CHECK (months IN (6, 12)),
    due_on DATE NOT NULL,
    reminded_on DATE,
    recorded_on DATE,
    outcome TEXT CHECK (outcome IN ('still_housed', 'moved_on', 'eviction', 'admission', 'other')),
    recorded_by INTEGER REFERENCES users(id),
    UNIQUE (proposal_id, months)
);
CREATE INDEX follow_ups_open ON follow_ups (recorded_on, due_on);
-- The placements recorded before this table existed.
INSERT INTO follow_ups (proposal_id, months, due_on)
    SELECT proposal_id, 6, date(signed_on, '+6 months') FROM leases WHERE proposal_id IS NOT NULL;
INSERT INTO follow_ups (proposal_id, months, due_on)
    SELECT proposal_id, 12, date(signed_on, '+12 months') FROM leases WHERE proposal_id IS NOT NULL;
