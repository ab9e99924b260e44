//! Public submissions held by the spam screen, waiting for a reviewer (migrations 0008, 0010).

use crate::error::{StoreError, is_unique_violation};
use crate::{IdempotencyKey, Store, from_millis, millis};
use chrono::{DateTime, Utc};

/// Which public channel a held submission came through; it decides how a release registers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldKind {
    /// The web form or the JSON API: a case.
    Case,
    /// An Open311 POST: a case registered in the client's name.
    Open311,
    /// A people's suggestion (人民建议).
    Suggestion,
}

impl HeldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldKind::Case => "case",
            HeldKind::Open311 => "open311",
            HeldKind::Suggestion => "suggestion",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "case" => Ok(HeldKind::Case),
            "open311" => Ok(HeldKind::Open311),
            "suggestion" => Ok(HeldKind::Suggestion),
            other => Err(StoreError::Corrupt(format!("held kind {other:?}"))),
        }
    }
}

/// A submission to hold; `input` (JSON with personal data) is sealed before it is written.
pub struct Hold<'a> {
    pub kind: HeldKind,
    /// The Open311 client's name for an Open311 request.
    pub origin: Option<&'a str>,
    pub score: i64,
    pub reasons: &'a [String],
    pub input: &'a str,
    pub query_code: &'a str,
    pub query_code_hash: &'a str,
    /// A repeated submission with the same key finds the first one instead of holding twice.
    pub idempotency: Option<&'a IdempotencyKey>,
}

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
    pub kind: HeldKind,
    pub origin: Option<String>,
}

/// What `hold` did: held it now, or found the same submission held before under its key.
#[derive(Debug, Clone)]
pub enum Holding {
    New(HeldSubmission),
    Existing(HeldSubmission),
}

impl Holding {
    pub fn submission(&self) -> &HeldSubmission {
        match self {
            Holding::New(h) | Holding::Existing(h) => h,
        }
    }
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
    String,
    Option<String>,
);

const COLUMNS: &str = "id, received_at, score, reasons, input_enc, query_code_enc, status, decided_at, decided_by, case_id, kind, origin";

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
            kind: HeldKind::parse(&r.10)?,
            origin: r.11,
        })
    }

    /// Holds a submission. With an idempotency key seen before, the submission held then is
    /// returned (the same query code) and nothing is written; the same key with another
    /// request is `IdempotencyMismatch`. Two concurrent first tries meet at the unique index.
    pub async fn hold(&self, h: Hold<'_>) -> Result<Holding, StoreError> {
        if let Some(k) = h.idempotency
            && let Some(found) = self.held_by_key(k).await?
        {
            return Ok(Holding::Existing(found));
        }
        let id = uuid::Uuid::now_v7();
        let k = h.idempotency;
        let inserted = sqlx::query(
            "INSERT INTO held_submissions (id, received_at, score, reasons, input_enc, query_code_hash, \
             query_code_enc, status, kind, origin, idem_scope, idem_key, request_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8, $9, $10, $11, $12)",
        )
        .bind(id.to_string())
        .bind(millis(Utc::now()))
        .bind(h.score)
        .bind(serde_json::to_string(h.reasons)?)
        .bind(self.sealer.seal("held_input", h.input)?)
        .bind(h.query_code_hash.to_string())
        .bind(self.sealer.seal("query_code", h.query_code)?)
        .bind(h.kind.as_str())
        .bind(h.origin.map(str::to_string))
        .bind(k.map(|k| k.scope.clone()))
        .bind(k.map(|k| k.key.clone()))
        .bind(k.map(|k| k.request_hash.clone()))
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                if let Some(k) = k
                    && let Some(found) = self.held_by_key(k).await?
                {
                    return Ok(Holding::Existing(found));
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        let held = self
            .held_submission(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Holding::New(held))
    }

    /// The submission held under an idempotency key; `IdempotencyMismatch` when the key came
    /// with another request.
    async fn held_by_key(&self, k: &IdempotencyKey) -> Result<Option<HeldSubmission>, StoreError> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT request_hash FROM held_submissions WHERE idem_scope = $1 AND idem_key = $2",
        )
        .bind(k.scope.clone())
        .bind(k.key.clone())
        .fetch_optional(&self.pool)
        .await?;
        let Some((hash,)) = row else {
            return Ok(None);
        };
        if hash.as_deref() != Some(k.request_hash.as_str()) {
            return Err(StoreError::IdempotencyMismatch);
        }
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM held_submissions WHERE idem_scope = $1 AND idem_key = $2"
        )))
        .bind(k.scope.clone())
        .bind(k.key.clone())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_held(r)).transpose()
    }

    /// How many held submissions are on record, in any status.
    pub async fn count_held(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM held_submissions")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
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
