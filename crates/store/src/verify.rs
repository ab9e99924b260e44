//! Re-walks every hash chain (`minsheng verify`).

use crate::Store;
use crate::error::StoreError;
use crate::read::record_from_row;
use minsheng_core::event::{EventRecord, verify_chain};

#[derive(Debug, Clone)]
pub struct VerifyFailure {
    pub case_id: String,
    pub number: String,
    pub seq: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub cases: u64,
    pub events: u64,
    pub failures: Vec<VerifyFailure>,
}

impl Store {
    /// Verifies every case's chain and that the projection's last hash is the chain's head.
    pub async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let cases: Vec<(String, String, String, i64)> =
            sqlx::query_as("SELECT id, number, last_hash, version FROM cases ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut report = VerifyReport::default();
        for (id, number, last_hash, version) in cases {
            report.cases += 1;
            let rows = self.event_rows(&id).await?;
            report.events += rows.len() as u64;
            let mut records: Vec<EventRecord> = Vec::with_capacity(rows.len());
            let mut failure = None;
            for row in rows {
                let seq = row.1 as u64;
                match record_from_row(row) {
                    Ok(r) => records.push(r),
                    Err(e) => {
                        failure = Some((seq, format!("event cannot be read: {e}")));
                        break;
                    }
                }
            }
            if failure.is_none() {
                if let Err(b) = verify_chain(&records) {
                    failure = Some((b.seq, b.reason.to_string()));
                } else if records.last().map(|r| r.hash.as_str()) != Some(last_hash.as_str())
                    || records.len() as i64 != version
                {
                    failure = Some((
                        records.len() as u64,
                        "case projection does not match the head of its chain (event removed?)"
                            .to_string(),
                    ));
                }
            }
            if let Some((seq, reason)) = failure {
                report.failures.push(VerifyFailure {
                    case_id: id,
                    number,
                    seq,
                    reason,
                });
            }
        }
        Ok(report)
    }
}
