-- Early-warning alerts (docs/kpi.md "Early warning"). Each alert is an event log of its own,
-- hash-chained like case_events; the alerts row is its projection, written in the same
-- transaction. `key` names the situation (rule + subject + window) so it is raised once.
-- alert_cases lists the cases an alert's evidence names (the supervision queue looks alerts up
-- by case). Times are Unix milliseconds; JSON is TEXT.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    level BIGINT NOT NULL,
    status TEXT NOT NULL,
    region TEXT,
    unit TEXT,
    raised_at BIGINT NOT NULL,
    level_since BIGINT NOT NULL,
    report_due BIGINT,
    version BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX alerts_list ON alerts (raised_at DESC, id DESC);
CREATE INDEX alerts_status ON alerts (status, level);
CREATE INDEX alerts_due ON alerts (report_due);
CREATE TABLE alert_events (
    alert_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (alert_id, seq)
);
CREATE TABLE alert_cases (
    case_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    PRIMARY KEY (case_id, alert_id)
);
-- Supervision orders and leader-owned cases are found by their case events.
CREATE INDEX case_events_kind ON case_events (kind, case_id);
