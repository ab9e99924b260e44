-- minsheng schema, SQLite dialect. Times are Unix milliseconds (BIGINT); JSON is TEXT.
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT,
    ord BIGINT NOT NULL
);
CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    ord BIGINT NOT NULL
);
CREATE TABLE topics (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent TEXT,
    ord BIGINT NOT NULL
);
CREATE TABLE dispatch_rules (
    region TEXT NOT NULL,
    topic TEXT NOT NULL,
    unit TEXT NOT NULL,
    PRIMARY KEY (region, topic)
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);
CREATE TABLE petitioners (
    id TEXT PRIMARY KEY,
    name_enc BLOB,
    phone_enc BLOB,
    phone_hash TEXT,
    id_enc BLOB,
    id_hash TEXT,
    address_enc BLOB,
    created_at BIGINT NOT NULL
);
CREATE INDEX petitioners_phone ON petitioners (phone_hash);
CREATE INDEX petitioners_id ON petitioners (id_hash);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    flow TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    region TEXT NOT NULL,
    office_unit TEXT NOT NULL,
    current_unit TEXT NOT NULL,
    accused_unit TEXT,
    petitioner_id TEXT NOT NULL,
    phone_hash TEXT,
    query_code_hash TEXT NOT NULL,
    query_code_enc BLOB NOT NULL,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_at BIGINT,
    due_kind TEXT,
    closed_at BIGINT,
    version BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX cases_list ON cases (registered_at DESC, id DESC);
CREATE INDEX cases_status ON cases (status, registered_at DESC);
CREATE INDEX cases_unit ON cases (current_unit, registered_at DESC);
CREATE INDEX cases_due ON cases (due_at);
CREATE INDEX cases_phone ON cases (phone_hash);
CREATE INDEX cases_petitioner ON cases (petitioner_id);
CREATE INDEX cases_query ON cases (query_code_hash);
CREATE INDEX cases_topic_region ON cases (topic, region);
CREATE TABLE case_units (
    case_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    PRIMARY KEY (unit, case_id)
);
CREATE TABLE case_events (
    case_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
