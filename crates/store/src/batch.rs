//! Reads for many cases at once. Pages that look at hundreds of cases (the supervision queue)
//! use these instead of one query per case: a few queries per chunk of ids, whatever the count.

use crate::Store;
use crate::error::StoreError;
use crate::read::{EventRow, record_from_row};
use crate::sql::in_lists;
use minsheng_core::event::EventRecord;
use minsheng_core::workflow::CaseState;
use std::collections::HashMap;

pub(crate) fn parse_id(s: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("case id {s:?}: {e}")))
}

impl Store {
    /// These cases, in the order of `ids` (unknown ids are left out).
    pub async fn get_cases(&self, ids: &[uuid::Uuid]) -> Result<Vec<CaseState>, StoreError> {
        let mut found = self.cases_by_id(ids).await?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// These cases by id (unknown ids are absent).
    pub async fn cases_by_id(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, CaseState>, StoreError> {
        let mut found: HashMap<uuid::Uuid, CaseState> = HashMap::with_capacity(ids.len());
        for (ph, chunk) in in_lists(self.backend, ids) {
            let sql = format!("SELECT state FROM cases WHERE id IN ({})", ph);
            let mut q = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for (state,) in q.fetch_all(&self.pool).await? {
                let case: CaseState = serde_json::from_str(&state)?;
                found.insert(case.id, case);
            }
        }
        Ok(found)
    }

    /// The stored events of each case, in order.
    pub async fn events_of_cases(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, Vec<EventRecord>>, StoreError> {
        let mut out: HashMap<uuid::Uuid, Vec<EventRecord>> = HashMap::new();
        for (ph, chunk) in in_lists(self.backend, ids) {
            let sql = format!(
                "SELECT case_id, seq, at, actor, payload, prev_hash, hash FROM case_events \
                 WHERE case_id IN ({}) ORDER BY case_id, seq",
                ph
            );
            let mut q = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(&self.pool).await? {
                let rec = record_from_row(row)?;
                out.entry(rec.case_id).or_default().push(rec);
            }
        }
        Ok(out)
    }

    /// The caller's phone blind index of each case that has one.
    pub async fn phone_hashes_of(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, String>, StoreError> {
        let mut out = HashMap::new();
        for (ph, chunk) in in_lists(self.backend, ids) {
            let sql = format!(
                "SELECT id, phone_hash FROM cases WHERE phone_hash IS NOT NULL AND id IN ({})",
                ph
            );
            let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for (id, hash) in q.fetch_all(&self.pool).await? {
                out.insert(parse_id(&id)?, hash);
            }
        }
        Ok(out)
    }

    /// Every case of each of these callers (phone blind indexes), grouped by index.
    pub async fn cases_by_phone_indexes(
        &self,
        hashes: &[String],
    ) -> Result<HashMap<String, Vec<CaseState>>, StoreError> {
        let mut out: HashMap<String, Vec<CaseState>> = HashMap::new();
        for (ph, chunk) in in_lists(self.backend, hashes) {
            let sql = format!(
                "SELECT phone_hash, state FROM cases WHERE phone_hash IN ({})",
                ph
            );
            let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
            for h in chunk {
                q = q.bind((*h).clone());
            }
            for (hash, state) in q.fetch_all(&self.pool).await? {
                out.entry(hash)
                    .or_default()
                    .push(serde_json::from_str(&state)?);
            }
        }
        Ok(out)
    }
}
