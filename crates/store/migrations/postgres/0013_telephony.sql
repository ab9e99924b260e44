-- Missed calls waiting to be returned (漏接回拨, server::telephony). The caller's number is
-- sealed like every other phone number and found again by its keyed hash: repeated missed calls
-- from one number fold into the one open entry (the partial unique index), and an answered call
-- from that number later closes it.
CREATE TABLE missed_calls (
    id TEXT PRIMARY KEY,
    caller_index TEXT NOT NULL,
    caller_enc BYTEA NOT NULL,
    agent TEXT,
    first_call_id TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    status TEXT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT,
    outcome TEXT
);
CREATE UNIQUE INDEX missed_calls_one_open ON missed_calls (caller_index) WHERE status = 'open';
CREATE INDEX missed_calls_status ON missed_calls (status, first_at);
