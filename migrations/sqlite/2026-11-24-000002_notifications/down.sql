ALTER TABLE clients DROP COLUMN escalated_on;
DROP INDEX outbox_message_id;
ALTER TABLE outbox DROP COLUMN claimed_until;
ALTER TABLE outbox DROP COLUMN subject;
ALTER TABLE outbox DROP COLUMN message_id;
DROP TABLE notification_preferences;
DROP TABLE notifications;
