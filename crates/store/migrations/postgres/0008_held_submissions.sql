-- Public submissions the spam screen held for review (abuse::screen). Nothing is lost: a
-- reviewer releases a held submission (it is then registered as a case with the query code the
-- citizen was already given) or rejects it. The submission itself, with its personal data, is
-- sealed as one JSON document; only the screen's score and reasons are in clear.
CREATE TABLE held_submissions (
    id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL,
    score BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    input_enc BYTEA NOT NULL,
    query_code_hash TEXT NOT NULL UNIQUE,
    query_code_enc BYTEA NOT NULL,
    status TEXT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    case_id TEXT
);
CREATE INDEX held_submissions_status ON held_submissions (status, received_at);
