//! Knowledge-base articles. Each save bumps the version; a save against a stale version is a
//! conflict, so two editors cannot silently overwrite each other.

use crate::Store;
use crate::error::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::knowledge::{Article, ArticleState};

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    i64,
);

const COLUMNS: &str =
    "id, title, body, owner_unit, valid_from, valid_until, state, updated_at, updated_by, version";

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad date {s}")))
}

fn article(r: Row) -> Result<Article, StoreError> {
    Ok(Article {
        id: uuid::Uuid::parse_str(&r.0).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        title: r.1,
        body: r.2,
        owner_unit: r.3,
        valid_from: date(&r.4)?,
        valid_until: r.5.as_deref().map(date).transpose()?,
        state: ArticleState::parse(&r.6).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        updated_at: DateTime::<Utc>::from_timestamp_millis(r.7)
            .ok_or_else(|| StoreError::Corrupt("bad time".into()))?,
        updated_by: r.8,
        version: r.9,
    })
}

impl Store {
    /// Inserts (version 1) or updates an article whose stored version is `a.version - 1`.
    pub async fn save_article(&self, a: &Article) -> Result<(), StoreError> {
        let until = a.valid_until.map(|d| d.to_string());
        let done = if a.version == 1 {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO knowledge_articles ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            )))
            .bind(a.id.to_string())
            .bind(a.title.clone())
            .bind(a.body.clone())
            .bind(a.owner_unit.clone())
            .bind(a.valid_from.to_string())
            .bind(until)
            .bind(a.state.as_str())
            .bind(a.updated_at.timestamp_millis())
            .bind(a.updated_by.clone())
            .bind(a.version)
            .execute(&self.pool)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
                e => e.into(),
            })?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE knowledge_articles SET title = $1, body = $2, owner_unit = $3, valid_from = $4, \
                 valid_until = $5, state = $6, updated_at = $7, updated_by = $8, version = $9 \
                 WHERE id = $10 AND version = $11",
            )
            .bind(a.title.clone())
            .bind(a.body.clone())
            .bind(a.owner_unit.clone())
            .bind(a.valid_from.to_string())
            .bind(until)
            .bind(a.state.as_str())
            .bind(a.updated_at.timestamp_millis())
            .bind(a.updated_by.clone())
            .bind(a.version)
            .bind(a.id.to_string())
            .bind(a.version - 1)
            .execute(&self.pool)
            .await?
            .rows_affected()
        };
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    pub async fn article(&self, id: uuid::Uuid) -> Result<Option<Article>, StoreError> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM knowledge_articles WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(article).transpose()
    }

    /// Every article, most recently updated first (the knowledge base is small).
    pub async fn articles(&self) -> Result<Vec<Article>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM knowledge_articles ORDER BY updated_at DESC, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(article).collect()
    }
}
