//! Typical cases (典型案例) for the public transparency page (migration 0007). The public text
//! is written by staff; withdrawing keeps the row with `withdrawn_at` set.

use crate::error::StoreError;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};

/// A typical case as published: every text field is staff-written or chosen from a fixed list.
#[derive(Debug, Clone, PartialEq)]
pub struct TypicalCase {
    pub case_id: uuid::Uuid,
    pub number: String,
    pub title: String,
    /// Topic code (the case's).
    pub topic: String,
    /// County-level region code.
    pub region: String,
    pub summary: String,
    /// Outcome code (the server's fixed list).
    pub outcome: String,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "case_id, number, title, topic, region, summary, outcome, published_by, \
                       published_at, withdrawn_at";

fn from_row(r: Row) -> Result<TypicalCase, StoreError> {
    let (case_id, number, title, topic, region, summary, outcome, by, at, withdrawn) = r;
    Ok(TypicalCase {
        case_id: uuid::Uuid::parse_str(&case_id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        number,
        title,
        topic,
        region,
        summary,
        outcome,
        published_by: by,
        published_at: from_millis(at),
        withdrawn_at: withdrawn.map(from_millis),
    })
}

impl Store {
    /// Publishes (or re-publishes, replacing the text of) a typical case.
    pub async fn publish_typical(&self, t: &TypicalCase) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO typical_cases (case_id, number, title, topic, region, summary, outcome, \
             published_by, published_at, withdrawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) \
             ON CONFLICT (case_id) DO UPDATE SET title = excluded.title, topic = excluded.topic, \
             region = excluded.region, summary = excluded.summary, outcome = excluded.outcome, \
             published_by = excluded.published_by, published_at = excluded.published_at, \
             withdrawn_at = NULL",
        )
        .bind(t.case_id.to_string())
        .bind(t.number.clone())
        .bind(t.title.clone())
        .bind(t.topic.clone())
        .bind(t.region.clone())
        .bind(t.summary.clone())
        .bind(t.outcome.clone())
        .bind(t.published_by.clone())
        .bind(millis(t.published_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Withdraws a published typical case; `false` if it was not published.
    pub async fn withdraw_typical(
        &self,
        case_id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE typical_cases SET withdrawn_at = $1 WHERE case_id = $2 AND withdrawn_at IS NULL",
        )
        .bind(millis(at))
        .bind(case_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The typical-case record of a case, published or withdrawn.
    pub async fn typical_case(
        &self,
        case_id: uuid::Uuid,
    ) -> Result<Option<TypicalCase>, StoreError> {
        let row: Option<Row> = sqlx::query_as(AssertSql::text(&format!(
            "SELECT {COLUMNS} FROM typical_cases WHERE case_id = $1"
        )))
        .bind(case_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// Published typical cases, newest first.
    pub async fn published_typical_cases(
        &self,
        limit: u32,
    ) -> Result<Vec<TypicalCase>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(AssertSql::text(&format!(
            "SELECT {COLUMNS} FROM typical_cases WHERE withdrawn_at IS NULL \
             ORDER BY published_at DESC, case_id LIMIT $1"
        )))
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }
}

/// SQL assembled from constants only (the column list), never from input.
struct AssertSql;

impl AssertSql {
    fn text(s: &str) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(s.to_string())
    }
}
