-- The 12345 work-order exchange (server::exchange, docs/exchange.md).
-- Partners: provincial 12345 platforms. The shared secret signs every message both ways, so the
-- server needs it in clear: it is sealed like personal data, not hashed.
CREATE TABLE exchange_partners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    url TEXT NOT NULL,
    secret_enc BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    active BIGINT NOT NULL
);
-- Orders received, by the partner's own id: the same order again gets the same case, the same
-- id with another body is refused. `linked` = joined to a case that already existed.
CREATE TABLE exchange_orders (
    partner_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    case_id TEXT NOT NULL,
    linked BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, order_id)
);
CREATE INDEX exchange_orders_case ON exchange_orders (case_id);
-- Signatures seen inside the timestamp window: a message sent twice is a replay. Rows older
-- than the window are pruned; a timestamp that old is refused anyway.
CREATE TABLE exchange_seen (
    partner_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, signature)
);
CREATE INDEX exchange_seen_at ON exchange_seen (seen_at);
