-- People's suggestions (人民建议征集): campaigns and suggestions as hash-chained event logs with
-- projections, the expert pool, adviser invitations (token hashes only), public supports (phone
-- as keyed blind index only), one-time support codes and rewards. SQLite dialect.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    office_unit TEXT NOT NULL,
    title TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    closed_at BIGINT,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX campaigns_list ON campaigns (opens_on DESC, id);
CREATE TABLE campaign_events (
    campaign_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (campaign_id, seq)
);
CREATE TABLE campaign_invitations (
    token_hash TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    adviser_id TEXT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE suggestions (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    campaign_id TEXT,
    office_unit TEXT NOT NULL,
    region TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    petitioner_id TEXT NOT NULL,
    query_code_hash TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT,
    supporters BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX suggestions_list ON suggestions (registered_at DESC, id DESC);
CREATE INDEX suggestions_office ON suggestions (office_unit, status);
CREATE INDEX suggestions_campaign ON suggestions (campaign_id);
CREATE INDEX suggestions_query ON suggestions (query_code_hash);
CREATE INDEX suggestions_published ON suggestions (published_at);
CREATE TABLE suggestion_units (
    suggestion_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    PRIMARY KEY (unit, suggestion_id)
);
CREATE TABLE suggestion_events (
    suggestion_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (suggestion_id, seq)
);
CREATE TABLE experts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    unit TEXT,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE suggestion_supports (
    suggestion_id TEXT NOT NULL,
    phone_hash TEXT NOT NULL,
    network TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (suggestion_id, phone_hash)
);
CREATE INDEX suggestion_supports_phone ON suggestion_supports (phone_hash, at);
CREATE INDEX suggestion_supports_network ON suggestion_supports (network, at);
CREATE TABLE support_codes (
    id TEXT PRIMARY KEY,
    suggestion_id TEXT NOT NULL,
    phone_hash TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    network TEXT NOT NULL,
    message_enc BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX support_codes_phone ON support_codes (phone_hash, created_at);
CREATE INDEX support_codes_network ON support_codes (network, created_at);
CREATE TABLE suggestion_rewards (
    suggestion_id TEXT PRIMARY KEY,
    office_unit TEXT NOT NULL,
    cycle TEXT NOT NULL,
    tier TEXT NOT NULL,
    amount_yuan BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX suggestion_rewards_cycle ON suggestion_rewards (office_unit, cycle);
