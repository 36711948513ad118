-- The overview's longest waiting and waiting-time bands read ready clients by date.
CREATE INDEX clients_status_ready_since ON clients (status, ready_since);
