//! Purging what is past retention (`minsheng purge`). Every kind is removed in batches, one
//! transaction per batch, so a purge of years of logs never holds the write lock for long and a
//! purge stopped half-way has removed whole batches only; running it again finishes the job
//! (idempotent: what is gone is not counted twice).
//!
//! Closed cases keep their events: the hash chain covers `case_events` only, and the events
//! carry masked values (张*, 138****5678), never the sealed originals. What is removed is the
//! petitioner's sealed name, phone, ID number and address with their blind indexes, the case's
//! query-code look-up (so nobody can follow it with an empty phone), the idempotency record and
//! the sealed copy a released held submission kept. `minsheng verify` still passes.

use crate::error::StoreError;
use crate::{Store, millis};
use chrono::{DateTime, Utc};
use minsheng_core::case::Status;
use sqlx::AssertSqlSafe;

/// Rows per transaction.
const BATCH: i64 = 500;

/// Where each kind's retention ends: records older than these instants go.
#[derive(Debug, Clone)]
pub struct Cutoffs {
    pub audit_log: DateTime<Utc>,
    pub expired_sessions: DateTime<Utc>,
    pub rejected_held: DateTime<Utc>,
    pub support_codes: DateTime<Utc>,
    pub closed_cases: DateTime<Utc>,
}

/// What a purge removed (or, in a dry run, would remove), per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    pub audit_log: u64,
    pub expired_sessions: u64,
    pub rejected_held: u64,
    pub support_codes: u64,
    /// Closed cases whose petitioner's personal data was removed.
    pub closed_case_personal_data: u64,
}

impl PurgeReport {
    /// Each kind with its count, in a fixed order (for printing).
    pub fn kinds(&self) -> [(&'static str, u64); 5] {
        [
            ("audit_log", self.audit_log),
            ("expired_sessions", self.expired_sessions),
            ("rejected_held", self.rejected_held),
            ("support_codes", self.support_codes),
            ("closed_case_personal_data", self.closed_case_personal_data),
        ]
    }

    pub fn total(&self) -> u64 {
        self.kinds().iter().map(|(_, n)| n).sum()
    }
}

/// A table's rows past a cutoff, as `FROM … WHERE …` with the cutoff as `$1`.
struct Simple {
    table: &'static str,
    key: &'static str,
    filter: &'static str,
}

const AUDIT: Simple = Simple {
    table: "audit_log",
    key: "id",
    filter: "at < $1",
};
const SESSIONS: Simple = Simple {
    table: "auth_tokens",
    key: "token_hash",
    filter: "expires_at < $1",
};
const REJECTED: Simple = Simple {
    table: "held_submissions",
    key: "id",
    filter: "status = 'rejected' AND decided_at < $1",
};
const CODES: Simple = Simple {
    table: "support_codes",
    key: "id",
    filter: "expires_at < $1",
};

/// Terminal statuses as an SQL list (they come from the domain, not from input).
fn terminal_statuses() -> String {
    Status::ALL
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Closed cases past the cutoff whose personal data is still there, and whose petitioner is
/// not also behind a case still within retention or a suggestion.
fn closed_cases_filter() -> String {
    let terminal = terminal_statuses();
    format!(
        "FROM cases c WHERE c.status IN ({terminal}) AND c.closed_at IS NOT NULL AND c.closed_at < $1 \
         AND c.query_code_hash NOT LIKE 'purged:%' \
         AND NOT EXISTS (SELECT 1 FROM cases o WHERE o.petitioner_id = c.petitioner_id \
             AND (o.status NOT IN ({terminal}) OR o.closed_at IS NULL OR o.closed_at >= $1)) \
         AND NOT EXISTS (SELECT 1 FROM suggestions s WHERE s.petitioner_id = c.petitioner_id)"
    )
}

impl Store {
    /// Removes what is past the cutoffs, or with `dry_run` only counts it. A real purge writes
    /// one audit record with the counts.
    pub async fn purge(
        &self,
        cut: &Cutoffs,
        dry_run: bool,
        actor: &str,
    ) -> Result<PurgeReport, StoreError> {
        let report = PurgeReport {
            audit_log: self.purge_simple(&AUDIT, cut.audit_log, dry_run).await?,
            expired_sessions: self
                .purge_simple(&SESSIONS, cut.expired_sessions, dry_run)
                .await?,
            rejected_held: self
                .purge_simple(&REJECTED, cut.rejected_held, dry_run)
                .await?,
            support_codes: self
                .purge_simple(&CODES, cut.support_codes, dry_run)
                .await?,
            closed_case_personal_data: self.purge_closed_cases(cut.closed_cases, dry_run).await?,
        };
        if !dry_run {
            let detail = serde_json::json!({
                "removed": report,
                "cutoffs": {
                    "audit_log": cut.audit_log,
                    "expired_sessions": cut.expired_sessions,
                    "rejected_held": cut.rejected_held,
                    "support_codes": cut.support_codes,
                    "closed_case_personal_data": cut.closed_cases,
                },
            });
            self.audit(actor, "purge", &detail.to_string()).await?;
        }
        Ok(report)
    }

    async fn count(&self, from_where: &str, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(format!("SELECT COUNT(*) {from_where}")))
            .bind(millis(cutoff))
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }

    async fn purge_simple(
        &self,
        s: &Simple,
        cutoff: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<u64, StoreError> {
        let Simple { table, key, filter } = s;
        if dry_run {
            return self
                .count(&format!("FROM {table} WHERE {filter}"), cutoff)
                .await;
        }
        let sql = format!(
            "DELETE FROM {table} WHERE {key} IN \
             (SELECT {key} FROM {table} WHERE {filter} ORDER BY {key} LIMIT {BATCH})"
        );
        let mut total = 0;
        loop {
            let mut tx = crate::tx::begin_write(&self.pool).await?;
            let n = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(millis(cutoff))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    async fn purge_closed_cases(
        &self,
        cutoff: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<u64, StoreError> {
        let from_where = closed_cases_filter();
        if dry_run {
            return self.count(&from_where, cutoff).await;
        }
        let select =
            format!("SELECT c.id, c.petitioner_id {from_where} ORDER BY c.id LIMIT {BATCH}");
        let mut total = 0;
        loop {
            let mut tx = crate::tx::begin_write(&self.pool).await?;
            // Chosen inside the transaction, so a case that moved on meanwhile is not taken.
            let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(select.clone()))
                .bind(millis(cutoff))
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                tx.commit().await?;
                return Ok(total);
            }
            for (case_id, petitioner_id) in &rows {
                sqlx::query(
                    "UPDATE petitioners SET name_enc = NULL, phone_enc = NULL, phone_hash = NULL, \
                     id_enc = NULL, id_hash = NULL, address_enc = NULL, email_enc = NULL WHERE id = $1",
                )
                .bind(petitioner_id.clone())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE cases SET phone_hash = NULL, query_code_hash = 'purged:' || id WHERE id = $1",
                )
                .bind(case_id.clone())
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM idempotency_keys WHERE case_id = $1")
                    .bind(case_id.clone())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM held_submissions WHERE case_id = $1")
                    .bind(case_id.clone())
                    .execute(&mut *tx)
                    .await?;
                // Settled messages may carry an address or a phone number; waiting ones of a
                // case closed this long are stale anyway.
                sqlx::query("DELETE FROM outbox WHERE case_id = $1")
                    .bind(case_id.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            total += rows.len() as u64;
        }
    }
}
