DROP INDEX dwellings_status_municipality;
DROP INDEX clients_status_binding;
