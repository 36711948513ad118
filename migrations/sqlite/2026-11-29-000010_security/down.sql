DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
ALTER TABLE clients DROP COLUMN anonymised_at;
ALTER TABLE audit_log DROP COLUMN address;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE login_attempts;
