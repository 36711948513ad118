-- Failed and successful logins, for the rate limit and lockout per account and per address.
CREATE TABLE login_attempts (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_address ON login_attempts (address, at);

-- Every API token expires; tokens made before this got 90 days from their creation.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
UPDATE api_tokens SET expires_at = created_at + INTERVAL '90 days';

-- From where each audited action came.
ALTER TABLE audit_log ADD COLUMN address TEXT;

-- The audit log is append-only, whoever asks.
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- When the retention job anonymised a placed or withdrawn client.
ALTER TABLE clients ADD COLUMN anonymised_at TIMESTAMP;
