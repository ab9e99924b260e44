//! The transactional outbox (migration 0011): messages to the outside world written with the
//! events that cause them, then delivered by a worker with retries.
//!
//! Rows are claimed with a lease rather than a lock: a claim moves `next_attempt_at` forward
//! only if it still holds the value that was read, so of several nodes (PostgreSQL) exactly one
//! wins, and a node that dies mid-delivery loses its claim when the lease runs out. Messages of
//! one topic about one case go out in the order they were written: a row is due only when no
//! earlier undelivered row of the same topic and case is waiting.

use crate::crypto::Sealer;
use crate::error::StoreError;
use crate::sql::Val;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

/// A message to write, in clear; sealed before it reaches the database.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Time-ordered (UUID v7): messages of one case keep the order they were made in.
    pub id: uuid::Uuid,
    /// Who delivers it, e.g. `exchange:<partner>` or `notify:email`.
    pub topic: String,
    pub case_id: Option<uuid::Uuid>,
    /// JSON chosen by the producer.
    pub payload: String,
}

impl OutboxMessage {
    pub fn new(topic: impl Into<String>, case_id: Option<uuid::Uuid>, payload: String) -> Self {
        OutboxMessage {
            id: uuid::Uuid::now_v7(),
            topic: topic.into(),
            case_id,
            payload,
        }
    }
}

/// A message sealed for the writer.
#[derive(Debug)]
pub(crate) struct SealedMessage {
    id: uuid::Uuid,
    topic: String,
    case_id: Option<uuid::Uuid>,
    payload_enc: Vec<u8>,
}

pub(crate) fn seal_all(
    sealer: &Sealer,
    messages: &[OutboxMessage],
) -> Result<Vec<SealedMessage>, StoreError> {
    messages
        .iter()
        .map(|m| {
            Ok(SealedMessage {
                id: m.id,
                topic: m.topic.clone(),
                case_id: m.case_id,
                payload_enc: sealer.seal("outbox", &m.payload)?,
            })
        })
        .collect()
}

/// Writes sealed messages inside the caller's transaction, due at once.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    messages: &[SealedMessage],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_rows_of(tx, rows(messages, at)).await
}

/// The rows of `messages`, for [`insert_rows_of`] (the writer gathers a batch's).
pub(crate) fn rows(messages: &[SealedMessage], at: DateTime<Utc>) -> Vec<Vec<Val>> {
    messages
        .iter()
        .map(|m| {
            vec![
                Val::T(m.id.to_string()),
                Val::T(m.topic.clone()),
                Val::S(m.case_id.map(|c| c.to_string())),
                Val::B(Some(m.payload_enc.clone())),
                Val::I(millis(at)),
                Val::I(0),
                Val::I(millis(at)),
            ]
        })
        .collect()
}

pub(crate) async fn insert_rows_of(
    tx: &mut Transaction<'_, Any>,
    rows: Vec<Vec<Val>>,
) -> Result<(), StoreError> {
    crate::sql::insert_rows(
        tx,
        "INSERT INTO outbox (id, topic, case_id, payload_enc, created_at, attempts, next_attempt_at)",
        "",
        rows,
    )
    .await
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Given up after the last attempt, or refused for good by the receiver.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }
}

/// A stored message, opened.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: uuid::Uuid,
    pub topic: String,
    pub case_id: Option<uuid::Uuid>,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    /// Attempts made so far (failed ones, and the successful one once delivered).
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub dead_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl OutboxRow {
    pub fn state(&self) -> DeliveryState {
        match (self.delivered_at, self.dead_at) {
            (Some(_), _) => DeliveryState::Delivered,
            (None, Some(_)) => DeliveryState::Dead,
            (None, None) => DeliveryState::Pending,
        }
    }
}

type RawRow = (
    String,
    String,
    Option<String>,
    Vec<u8>,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const COLUMNS: &str = "id, topic, case_id, payload_enc, created_at, attempts, next_attempt_at, \
                       delivered_at, dead_at, last_error";

/// `o.topic LIKE $first OR …` for `n` prefixes bound from `$first` on.
fn topic_clause(n: usize, first: usize) -> String {
    (0..n)
        .map(|i| format!("o.topic LIKE ${} ESCAPE '\\'", first + i))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A LIKE pattern matching what starts with `prefix`, its wildcards taken literally.
fn like_prefix(prefix: &str) -> String {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

fn uuid(s: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("outbox id {s:?}: {e}")))
}

impl Store {
    fn open_row(&self, r: RawRow) -> Result<OutboxRow, StoreError> {
        let (id, topic, case_id, enc, created, attempts, next, delivered, dead, error) = r;
        Ok(OutboxRow {
            id: uuid(&id)?,
            topic,
            case_id: case_id.as_deref().map(uuid).transpose()?,
            payload: self
                .sealer()
                .open("outbox", &enc)
                .map_err(|e| StoreError::Corrupt(format!("outbox payload: {e}")))?,
            created_at: from_millis(created),
            attempts: attempts.max(0) as u32,
            next_attempt_at: from_millis(next),
            delivered_at: delivered.map(from_millis),
            dead_at: dead.map(from_millis),
            last_error: error,
        })
    }

    /// Writes messages that no case event causes (an alert's notification, say), due at once.
    pub async fn outbox_enqueue(
        &self,
        messages: &[OutboxMessage],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sealed = seal_all(self.sealer(), messages)?;
        let mut tx = crate::tx::begin_write(&self.pool).await?;
        insert(&mut tx, &sealed, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due messages whose topic starts with one of `prefixes`, leasing
    /// each until `lease_until`; a message not settled by then is due again. Only the oldest
    /// waiting message of a topic and case is ever due.
    pub async fn outbox_claim(
        &self,
        prefixes: &[&str],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        if prefixes.is_empty() {
            return Ok(Vec::new());
        }
        let topic_clause = topic_clause(prefixes.len(), 3);
        let sql = format!(
            "SELECT {cols} FROM outbox o \
             WHERE o.delivered_at IS NULL AND o.dead_at IS NULL AND o.next_attempt_at <= $1 \
             AND ({topic_clause}) \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.topic = o.topic AND e.case_id = o.case_id \
                 AND e.delivered_at IS NULL AND e.dead_at IS NULL AND e.id < o.id) \
             ORDER BY o.next_attempt_at, o.id LIMIT $2",
            cols = COLUMNS
                .split(", ")
                .map(|c| format!("o.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query_as::<_, RawRow>(sqlx::AssertSqlSafe(sql))
            .bind(millis(now))
            .bind(limit as i64);
        for p in prefixes {
            q = q.bind(like_prefix(p));
        }
        let candidates = q.fetch_all(&self.pool).await?;
        let mut claimed = Vec::new();
        for raw in candidates {
            let won = sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3 \
                 AND delivered_at IS NULL AND dead_at IS NULL",
            )
            .bind(millis(lease_until))
            .bind(raw.0.clone())
            .bind(raw.6)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if won {
                let mut row = self.open_row(raw)?;
                row.next_attempt_at = lease_until;
                claimed.push(row);
            }
        }
        Ok(claimed)
    }

    /// Marks a claimed message delivered.
    pub async fn outbox_delivered(
        &self,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL \
             WHERE id = $2 AND delivered_at IS NULL",
        )
        .bind(millis(at))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: due again at `retry_at`, or given up (`None`).
    pub async fn outbox_failed(
        &self,
        id: uuid::Uuid,
        at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        match retry_at {
            Some(next) => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
                 WHERE id = $3 AND delivered_at IS NULL",
            )
            .bind(millis(next)),
            None => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, dead_at = $1, last_error = $2 \
                 WHERE id = $3 AND delivered_at IS NULL",
            )
            .bind(millis(at)),
        }
        .bind(error)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every message about one case, oldest first: the delivery state shown on the case.
    pub async fn outbox_for_case(&self, case_id: uuid::Uuid) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<RawRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_row(r)).collect()
    }

    /// The messages of topics starting with `prefix`, newest first (operators' view).
    pub async fn outbox_by_topic(
        &self,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<RawRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox o WHERE {} ORDER BY id DESC LIMIT $2",
            topic_clause(1, 1)
        )))
        .bind(like_prefix(prefix))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_row(r)).collect()
    }

    /// The earliest time a waiting message of topics starting with one of `prefixes` is due,
    /// if any: lets the worker sleep until then.
    pub async fn outbox_next_due(
        &self,
        prefixes: &[&str],
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        if prefixes.is_empty() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT MIN(next_attempt_at) FROM outbox o \
             WHERE o.delivered_at IS NULL AND o.dead_at IS NULL AND ({})",
            topic_clause(prefixes.len(), 1)
        );
        let mut q = sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql));
        for p in prefixes {
            q = q.bind(like_prefix(p));
        }
        Ok(q.fetch_one(&self.pool).await?.map(from_millis))
    }
}
