-- Typical cases (典型案例) shown on the public transparency page (/open). Everything shown to the
-- public is written or chosen by staff (title, summary, outcome); the case is only referenced,
-- never copied, so the petitioner's own words and personal data cannot leak through this table.
-- Withdrawing keeps the row (withdrawn_at) so the publication history stays auditable.
CREATE TABLE typical_cases (
    case_id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    region TEXT NOT NULL,
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX typical_cases_published ON typical_cases (withdrawn_at, published_at);
