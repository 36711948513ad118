-- The register. Written once for both backends; INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, DOUBLE, TIMESTAMP differ per dialect.
CREATE TABLE regions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    policy TEXT NOT NULL DEFAULT '{}',
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE municipalities (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 6 AND code LIKE 'GM%'),
    name TEXT NOT NULL,
    population INTEGER NOT NULL CHECK (population >= 0),
    households INTEGER NOT NULL CHECK (households >= 0),
    centroid_lon DOUBLE NOT NULL,
    centroid_lat DOUBLE NOT NULL,
    boundary TEXT NOT NULL
);

CREATE TABLE region_municipalities (
    region_id INTEGER NOT NULL REFERENCES regions(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    PRIMARY KEY (region_id, municipality_code)
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    region_id INTEGER NOT NULL REFERENCES regions(id),
    kind TEXT NOT NULL CHECK (kind IN ('region_office', 'corporation', 'provider', 'municipality')),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    municipality_code TEXT REFERENCES municipalities(code),
    -- a municipality organisation is exactly one municipality; no other kind has one
    CHECK ((kind = 'municipality') = (municipality_code IS NOT NULL)),
    UNIQUE (region_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'corporation', 'provider', 'municipality', 'admin')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE contingents (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    region_id INTEGER NOT NULL REFERENCES regions(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    corporation_id INTEGER NOT NULL REFERENCES organisations(id),
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    cap INTEGER NOT NULL CHECK (cap >= 0),
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    -- the remaining cap (cap - used) can never go negative
    CHECK (used <= cap),
    CHECK (period_end > period_start),
    UNIQUE (municipality_code, corporation_id, period_start)
);

CREATE TABLE dwellings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    corporation_id INTEGER NOT NULL REFERENCES organisations(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    kind TEXT NOT NULL CHECK (kind IN ('contingent', 'omklap')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'reserved', 'let', 'withdrawn')),
    external_ref TEXT,
    street TEXT NOT NULL,
    house_number TEXT NOT NULL,
    postcode TEXT NOT NULL CHECK (length(postcode) = 7),
    city TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    rooms INTEGER NOT NULL CHECK (rooms BETWEEN 1 AND 12),
    max_household INTEGER NOT NULL CHECK (max_household BETWEEN 1 AND 12),
    rent_cents INTEGER NOT NULL CHECK (rent_cents > 0),
    floor INTEGER NOT NULL CHECK (floor BETWEEN -1 AND 40),
    has_lift BOOLEAN NOT NULL,
    wheelchair_accessible BOOLEAN NOT NULL,
    available_from DATE NOT NULL,
    omklap_provider_id INTEGER REFERENCES organisations(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- an omklap dwelling is rented by exactly one provider; a contingent dwelling by none
    CHECK ((kind = 'omklap') = (omklap_provider_id IS NOT NULL)),
    UNIQUE (corporation_id, external_ref)
);
CREATE INDEX dwellings_corporation_status ON dwellings (corporation_id, status);
CREATE INDEX dwellings_municipality_status ON dwellings (municipality_code, status);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    provider_id INTEGER NOT NULL REFERENCES organisations(id),
    reference TEXT NOT NULL UNIQUE,
    birth_year INTEGER NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    household_size INTEGER NOT NULL CHECK (household_size BETWEEN 1 AND 12),
    binding_municipality TEXT NOT NULL REFERENCES municipalities(code),
    wish_municipality TEXT REFERENCES municipalities(code),
    urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'priority', 'regular')),
    support_level TEXT NOT NULL CHECK (support_level IN ('light', 'moderate', 'intensive')),
    min_rooms INTEGER NOT NULL CHECK (min_rooms BETWEEN 1 AND 12),
    max_rent_cents INTEGER NOT NULL CHECK (max_rent_cents > 0),
    needs_ground_floor BOOLEAN NOT NULL,
    needs_lift BOOLEAN NOT NULL,
    needs_wheelchair BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'ready', 'proposed', 'placed', 'paused', 'withdrawn')),
    ready_since DATE,
    paused_until DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status <> 'ready' OR ready_since IS NOT NULL),
    CHECK (status <> 'paused' OR paused_until IS NOT NULL)
);
CREATE INDEX clients_provider_status ON clients (provider_id, status);
CREATE INDEX clients_binding_status ON clients (binding_municipality, status);

-- Places the client must stay away from (a safety risk at the old place).
CREATE TABLE client_exclusion_zones (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    radius_m INTEGER NOT NULL CHECK (radius_m BETWEEN 50 AND 50000)
);

-- Places the client wants to stay near: network, treatment, work or school.
CREATE TABLE client_anchors (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('network', 'treatment', 'work', 'school')),
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL
);

CREATE TABLE match_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    region_id INTEGER NOT NULL REFERENCES regions(id),
    started_by INTEGER NOT NULL REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    round_date DATE NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    round_id INTEGER NOT NULL REFERENCES match_rounds(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    dwelling_id INTEGER NOT NULL REFERENCES dwellings(id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'offered', 'accepted', 'declined', 'placed', 'expired')),
    tier INTEGER NOT NULL CHECK (tier >= 0),
    score INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- At most one live commitment per dwelling and per client.
CREATE UNIQUE INDEX proposals_one_live_per_dwelling ON proposals (dwelling_id)
    WHERE status IN ('approved', 'offered', 'accepted', 'placed');
CREATE UNIQUE INDEX proposals_one_live_per_client ON proposals (client_id)
    WHERE status IN ('approved', 'offered', 'accepted', 'placed');

-- A signed lease. UNIQUE(dwelling_id): a dwelling is let once.
CREATE TABLE leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dwelling_id INTEGER NOT NULL UNIQUE REFERENCES dwellings(id),
    client_id INTEGER NOT NULL UNIQUE REFERENCES clients(id),
    proposal_id INTEGER REFERENCES proposals(id),
    signed_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_kind TEXT NOT NULL,
    recipient_user_id INTEGER REFERENCES users(id),
    recipient_email TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
