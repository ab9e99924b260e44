-- Open311 GeoReport v2 clients: each app gets its own api_key; only a hash of it is kept.
CREATE TABLE open311_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    active BIGINT NOT NULL
);
-- GET requests.{fmt} lists Open311 cases by channel and date.
CREATE INDEX cases_channel ON cases (channel, registered_at DESC);
