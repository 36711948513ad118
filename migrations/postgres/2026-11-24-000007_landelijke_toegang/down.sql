DROP TABLE lt_requests;
