-- The knowledge base (知识库): articles with an owner unit, validity dates and a review state.
CREATE TABLE knowledge_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    owner_unit TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX knowledge_articles_state ON knowledge_articles (state);
