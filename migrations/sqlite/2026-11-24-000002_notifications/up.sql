-- Notifications: one row per event and recipient, shown in the service; mails go
-- through the outbox, immediately or in the daily digest.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('immediate', 'digest', 'off')),
    created_at TIMESTAMP NOT NULL,
    digested_at TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_digest ON notifications (delivery, digested_at);

CREATE TABLE notification_preferences (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('immediate', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- A stable id per mail: a resend after a crash carries the same Message-ID, and a
-- digest for one user and day is written once however many workers run.
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP;
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);

-- The day a client was reported as waiting past the escalation age, so it is reported once.
ALTER TABLE clients ADD COLUMN escalated_on DATE;
