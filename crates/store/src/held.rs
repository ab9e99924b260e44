//! Public submissions held by the spam screen, waiting for a reviewer (migration 0008).

use crate::error::StoreError;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};

/// Where a held submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldStatus {
    Held,
    Released,
    Rejected,
}

impl HeldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldStatus::Held => "held",
            HeldStatus::Released => "released",
            HeldStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "held" => Ok(HeldStatus::Held),
            "released" => Ok(HeldStatus::Released),
            "rejected" => Ok(HeldStatus::Rejected),
            other => Err(StoreError::Corrupt(format!("held status {other:?}"))),
        }
    }
}

/// A held submission, opened: `input` is the submission's JSON in clear (callers mask it).
#[derive(Debug, Clone)]
pub struct HeldSubmission {
    pub id: uuid::Uuid,
    pub received_at: DateTime<Utc>,
    pub score: i64,
    pub reasons: Vec<String>,
    pub input: String,
    pub query_code: String,
    pub status: HeldStatus,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub case_id: Option<uuid::Uuid>,
}

type Row = (
    String,
    i64,
    i64,
    String,
    Vec<u8>,
    Vec<u8>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "id, received_at, score, reasons, input_enc, query_code_enc, status, decided_at, decided_by, case_id";

impl Store {
    fn open_held(&self, r: Row) -> Result<HeldSubmission, StoreError> {
        let uuid =
            |s: &str| uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(e.to_string()));
        Ok(HeldSubmission {
            id: uuid(&r.0)?,
            received_at: from_millis(r.1),
            score: r.2,
            reasons: serde_json::from_str(&r.3)?,
            input: self
                .sealer
                .open("held_input", &r.4)
                .map_err(|e| StoreError::Crypto(e.to_string()))?,
            query_code: self
                .sealer
                .open("query_code", &r.5)
                .map_err(|e| StoreError::Crypto(e.to_string()))?,
            status: HeldStatus::parse(&r.6)?,
            decided_at: r.7.map(from_millis),
            decided_by: r.8,
            case_id: r.9.as_deref().map(uuid).transpose()?,
        })
    }

    /// Holds a submission; `input` (JSON with personal data) is sealed before it is written.
    pub async fn hold_submission(
        &self,
        score: i64,
        reasons: &[String],
        input: &str,
        query_code: &str,
        query_code_hash: &str,
    ) -> Result<uuid::Uuid, StoreError> {
        let id = uuid::Uuid::now_v7();
        sqlx::query(
            "INSERT INTO held_submissions (id, received_at, score, reasons, input_enc, query_code_hash, query_code_enc, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'held')",
        )
        .bind(id.to_string())
        .bind(millis(Utc::now()))
        .bind(score)
        .bind(serde_json::to_string(reasons)?)
        .bind(self.sealer.seal("held_input", input)?)
        .bind(query_code_hash.to_string())
        .bind(self.sealer.seal("query_code", query_code)?)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Held submissions in a status, oldest first (the review queue is first come, first served).
    pub async fn held_submissions(
        &self,
        status: HeldStatus,
        limit: i64,
    ) -> Result<Vec<HeldSubmission>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM held_submissions WHERE status = $1 ORDER BY received_at, id LIMIT $2"
        )))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_held(r)).collect()
    }

    pub async fn held_submission(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<HeldSubmission>, StoreError> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM held_submissions WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_held(r)).transpose()
    }

    /// The held submission a query code belongs to, if the case is not registered yet.
    pub async fn held_by_query_code(
        &self,
        query_code_hash: &str,
    ) -> Result<Option<HeldSubmission>, StoreError> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM held_submissions WHERE query_code_hash = $1"
        )))
        .bind(query_code_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_held(r)).transpose()
    }

    /// Records a reviewer's decision on a submission still held; `Conflict` if someone else
    /// decided first.
    pub async fn decide_held(
        &self,
        id: uuid::Uuid,
        status: HeldStatus,
        by: &str,
        case_id: Option<uuid::Uuid>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE held_submissions SET status = $1, decided_at = $2, decided_by = $3, case_id = $4 \
             WHERE id = $5 AND status = 'held'",
        )
        .bind(status.as_str())
        .bind(millis(Utc::now()))
        .bind(by.to_string())
        .bind(case_id.map(|c| c.to_string()))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// Links a released submission to the case it became.
    pub async fn set_held_case(
        &self,
        id: uuid::Uuid,
        case_id: uuid::Uuid,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE held_submissions SET case_id = $1 WHERE id = $2")
            .bind(case_id.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts a claimed submission back in the queue (its release failed).
    pub async fn unclaim_held(&self, id: uuid::Uuid) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE held_submissions SET status = 'held', decided_at = NULL, decided_by = NULL \
             WHERE id = $1 AND case_id IS NULL",
        )
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
