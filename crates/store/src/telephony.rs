//! Missed calls waiting to be returned (migration 0013). One open entry per caller: a missed
//! call from a number that already has one adds to its count instead of making a second.

use crate::error::{StoreError, is_unique_violation};
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::petitioner::Phone;

/// How an entry left the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissedStatus {
    Open,
    /// An agent called back and recorded the outcome.
    Returned,
    /// A later answered call with the same number settled it.
    Answered,
}

impl MissedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedStatus::Open => "open",
            MissedStatus::Returned => "returned",
            MissedStatus::Answered => "answered",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "open" => Ok(MissedStatus::Open),
            "returned" => Ok(MissedStatus::Returned),
            "answered" => Ok(MissedStatus::Answered),
            other => Err(StoreError::Corrupt(format!("missed call status {other:?}"))),
        }
    }
}

/// A missed-call entry, opened: `caller` is the number in clear (callers mask it).
#[derive(Debug, Clone)]
pub struct MissedCall {
    pub id: uuid::Uuid,
    pub caller: String,
    pub agent: Option<String>,
    pub first_call_id: String,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub calls: i64,
    pub status: MissedStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
}

type Row = (
    String,
    Vec<u8>,
    Option<String>,
    String,
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "id, caller_enc, agent, first_call_id, first_at, last_at, calls, status, \
                       closed_at, closed_by, outcome";

impl Store {
    fn open_missed(&self, r: Row) -> Result<MissedCall, StoreError> {
        Ok(MissedCall {
            id: uuid::Uuid::parse_str(&r.0).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            caller: self
                .sealer
                .open("phone", &r.1)
                .map_err(|e| StoreError::Crypto(e.to_string()))?,
            agent: r.2,
            first_call_id: r.3,
            first_at: from_millis(r.4),
            last_at: from_millis(r.5),
            calls: r.6,
            status: MissedStatus::parse(&r.7)?,
            closed_at: r.8.map(from_millis),
            closed_by: r.9,
            outcome: r.10,
        })
    }

    /// Records a missed call: adds it to the caller's open entry, or opens one. Returns the
    /// entry as it now stands.
    pub async fn record_missed_call(
        &self,
        caller: &Phone,
        call_id: &str,
        agent: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<MissedCall, StoreError> {
        let index = self.phone_index(caller);
        // Two attempts: a concurrent first missed call from the same number may open the entry
        // between our update and our insert; the unique index turns that into "add to it".
        for _ in 0..2 {
            let bumped = sqlx::query(
                "UPDATE missed_calls SET calls = calls + 1, \
                 last_at = CASE WHEN last_at < $2 THEN $2 ELSE last_at END \
                 WHERE caller_index = $1 AND status = 'open'",
            )
            .bind(index.clone())
            .bind(millis(at))
            .execute(&self.pool)
            .await?;
            if bumped.rows_affected() == 0 {
                let inserted = sqlx::query(
                    "INSERT INTO missed_calls (id, caller_index, caller_enc, agent, first_call_id, \
                     first_at, last_at, calls, status) VALUES ($1, $2, $3, $4, $5, $6, $6, 1, 'open')",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(index.clone())
                .bind(self.sealer.seal("phone", caller.as_str())?)
                .bind(agent.map(str::to_string))
                .bind(call_id.to_string())
                .bind(millis(at))
                .execute(&self.pool)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            return self
                .open_missed_call_for(&index)
                .await?
                .ok_or(StoreError::NotFound);
        }
        Err(StoreError::Conflict)
    }

    async fn open_missed_call_for(&self, index: &str) -> Result<Option<MissedCall>, StoreError> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM missed_calls WHERE caller_index = $1 AND status = 'open'"
        )))
        .bind(index.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_missed(r)).transpose()
    }

    /// Closes the caller's open entry because a call with them was answered; true when there
    /// was one.
    pub async fn close_missed_by_answer(
        &self,
        caller: &Phone,
        agent: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE missed_calls SET status = 'answered', closed_at = $2, closed_by = $3 \
             WHERE caller_index = $1 AND status = 'open'",
        )
        .bind(self.phone_index(caller))
        .bind(millis(at))
        .bind(agent.map(str::to_string))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that an agent returned the call; false when the entry is not open (closed
    /// meanwhile, or no such entry).
    pub async fn record_callback(
        &self,
        id: uuid::Uuid,
        by: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE missed_calls SET status = 'returned', closed_at = $2, closed_by = $3, outcome = $4 \
             WHERE id = $1 AND status = 'open'",
        )
        .bind(id.to_string())
        .bind(millis(at))
        .bind(by.to_string())
        .bind(outcome.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The open entries, the longest waiting first.
    pub async fn open_missed_calls(&self, limit: i64) -> Result<Vec<MissedCall>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM missed_calls WHERE status = 'open' ORDER BY first_at, id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_missed(r)).collect()
    }

    pub async fn missed_call(&self, id: uuid::Uuid) -> Result<Option<MissedCall>, StoreError> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM missed_calls WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_missed(r)).transpose()
    }
}
