-- A request to settle in a wish municipality (landelijke toegang), its assessment on the
-- LT criteria and how a disagreement was settled. One per client.
CREATE TABLE lt_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    client_id INTEGER NOT NULL UNIQUE REFERENCES clients(id),
    wish_municipality TEXT NOT NULL REFERENCES municipalities(code),
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_on DATE NOT NULL,
    assessed BOOLEAN NOT NULL DEFAULT FALSE,
    social_network BOOLEAN NOT NULL DEFAULT FALSE,
    work_or_school BOOLEAN NOT NULL DEFAULT FALSE,
    treatment BOOLEAN NOT NULL DEFAULT FALSE,
    safety_risk_at_origin BOOLEAN NOT NULL DEFAULT FALSE,
    specific_facilities BOOLEAN NOT NULL DEFAULT FALSE,
    wish_agrees BOOLEAN,
    regioadviseur TEXT CHECK (regioadviseur IN ('origin', 'wish')),
    geschillencommissie TEXT CHECK (geschillencommissie IN ('origin', 'wish')),
    CHECK (assessed OR wish_agrees IS NULL)
);
