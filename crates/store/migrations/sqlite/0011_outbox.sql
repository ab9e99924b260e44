-- The transactional outbox (store::outbox): messages for the outside world (12345 partners,
-- e-mail, SMS) written in the same transaction as the case events that cause them, so a
-- committed change is never without its message and a rolled-back one never has one. A worker
-- delivers them with retries and exponential back-off, across restarts. The payload is sealed
-- like personal data: a message may carry an address or a phone number.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    case_id TEXT,
    payload_enc BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    dead_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_case ON outbox (case_id, id);
CREATE INDEX outbox_topic ON outbox (topic, id);
