//! Reads: cases, their events, lists with filters and cursor paging, petitioner records.

use crate::error::StoreError;
use crate::sql::{Arg, Sql};
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::event::EventRecord;
use minsheng_core::workflow::{CaseState, Event};
use sqlx::AssertSqlSafe;

/// Which cases a list may contain (access scope, decided by the server from the actor).
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    /// Cases the unit holds or has held, never accusations against it.
    Unit(String),
    /// Cases located in these regions or held by the unit at some point, never accusations
    /// against the unit.
    Local {
        unit: String,
        regions: Vec<String>,
    },
}

/// List filters; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub unit: Option<String>,
    /// Region codes (the server expands a region to its subtree).
    pub regions: Option<Vec<String>>,
    /// Topic codes (expanded to the subtree likewise).
    pub topics: Option<Vec<String>>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub flow: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
    /// Only cases whose current duty deadline has passed at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub limit: u32,
    pub sort: CaseSort,
}

/// Queue order. `DueSoonest` lists only cases with a running duty deadline, the nearest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Newest,
    Oldest,
    DueSoonest,
}

impl CaseSort {
    pub fn parse(s: &str) -> Option<CaseSort> {
        match s {
            "newest" => Some(CaseSort::Newest),
            "oldest" => Some(CaseSort::Oldest),
            "due" => Some(CaseSort::DueSoonest),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaseSort::Newest => "newest",
            CaseSort::Oldest => "oldest",
            CaseSort::DueSoonest => "due",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CasePage {
    pub items: Vec<CaseState>,
    pub next_cursor: Option<String>,
}

/// A petitioner's personal data, decrypted.
#[derive(Clone, Default)]
pub struct PetitionerRecord {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub address: Option<String>,
}

impl std::fmt::Debug for PetitionerRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PetitionerRecord(..)")
    }
}

/// The case list's statement: access scope, filters, cursor and order, one row beyond the page
/// to tell whether another follows.
fn case_list_sql(scope: &Scope, f: &CaseFilter) -> Result<Sql, StoreError> {
    let (key, dir, cmp) = match f.sort {
        CaseSort::Newest => ("c.registered_at", "DESC", "<"),
        CaseSort::Oldest => ("c.registered_at", "ASC", ">"),
        CaseSort::DueSoonest => ("c.due_at", "ASC", ">"),
    };
    let mut q = Sql::new(&format!(
        "SELECT c.state, {key}, c.id FROM cases c WHERE 1 = 1"
    ));
    if f.sort == CaseSort::DueSoonest {
        q.and("c.due_at IS NOT NULL");
    }
    q.scope(scope);
    for (col, v) in [
        ("c.status", &f.status),
        ("c.current_unit", &f.unit),
        ("c.kind", &f.kind),
        ("c.channel", &f.channel),
        ("c.flow", &f.flow),
    ] {
        if let Some(v) = v {
            let p = q.bind(Arg::Text(v.clone()));
            q.and(&format!("{col} = {p}"));
        }
    }
    if let Some(r) = &f.regions {
        q.in_list("c.region", r);
    }
    if let Some(t) = &f.topics {
        q.in_list("c.topic", t);
    }
    if let Some(t) = f.due_before {
        let p = q.bind(Arg::Int(millis(t)));
        q.and(&format!("c.due_at IS NOT NULL AND c.due_at < {p}"));
    }
    if let Some(t) = f.overdue_at {
        let p = q.bind(Arg::Int(millis(t)));
        q.and(&format!("c.due_at IS NOT NULL AND c.due_at < {p}"));
    }
    if let Some(c) = &f.cursor {
        let (ms, id) = decode_cursor(c).ok_or(StoreError::Corrupt("bad cursor".into()))?;
        let pm = q.bind(Arg::Int(ms));
        let pi = q.bind(Arg::Text(id));
        q.and(&format!(
            "({key} {cmp} {pm} OR ({key} = {pm} AND c.id {cmp} {pi}))"
        ));
    }
    let limit = f.limit.clamp(1, 200);
    let pl = q.bind(Arg::Int(i64::from(limit) + 1));
    q.text
        .push_str(&format!(" ORDER BY {key} {dir}, c.id {dir} LIMIT {pl}"));
    Ok(q)
}

fn decode_cursor(c: &str) -> Option<(i64, String)> {
    let (ms, id) = c.split_once('_')?;
    let ms: i64 = ms.parse().ok()?;
    uuid::Uuid::parse_str(id).ok()?;
    Some((ms, id.to_string()))
}

impl Store {
    pub async fn get_case(&self, id: uuid::Uuid) -> Result<Option<CaseState>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT state FROM cases WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .transpose()
    }

    pub async fn get_case_by_number(&self, number: &str) -> Result<Option<CaseState>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT state FROM cases WHERE number = $1")
            .bind(number.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .transpose()
    }

    pub async fn case_by_query_code(&self, hash: &str) -> Result<Option<CaseState>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT state FROM cases WHERE query_code_hash = $1")
                .bind(hash.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .transpose()
    }

    pub async fn events(&self, case_id: uuid::Uuid) -> Result<Vec<EventRecord>, StoreError> {
        self.event_rows(&case_id.to_string())
            .await?
            .into_iter()
            .map(record_from_row)
            .collect()
    }

    /// A case's stored events as raw rows, in order.
    pub(crate) async fn event_rows(&self, case_id: &str) -> Result<Vec<EventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT case_id, seq, at, actor, payload, prev_hash, hash FROM case_events \
             WHERE case_id = $1 ORDER BY seq",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Cases filtered and paged (keyset) in the requested order.
    pub async fn list_cases(&self, scope: &Scope, f: &CaseFilter) -> Result<CasePage, StoreError> {
        let q = case_list_sql(scope, f)?;
        let limit = f.limit.clamp(1, 200);
        let mut query = sqlx::query_as::<_, (String, i64, String)>(AssertSqlSafe(q.text));
        for a in q.args {
            query = match a {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let mut rows = query.fetch_all(&self.pool).await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|(_, ms, id)| format!("{ms}_{id}"))
        } else {
            None
        };
        let items = rows
            .into_iter()
            .map(|(s, _, _)| serde_json::from_str(&s).map_err(StoreError::from))
            .collect::<Result<_, _>>()?;
        Ok(CasePage { items, next_cursor })
    }

    /// Every case with its phone blind index, in id order, a page at a time (for rebuilding the
    /// text projections): pass the last id of the previous page.
    pub async fn cases_for_index(
        &self,
        after: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<(CaseState, Option<String>)>, StoreError> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT state, phone_hash FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.map(|u| u.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s, h)| Ok((serde_json::from_str(&s)?, h)))
            .collect()
    }

    /// A caller's cases by the keyed hash of their phone, newest first.
    pub async fn cases_by_phone_index(
        &self,
        phone_hash: &str,
        limit: u32,
    ) -> Result<Vec<CaseState>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT state FROM cases WHERE phone_hash = $1 ORDER BY registered_at DESC LIMIT $2",
        )
        .bind(phone_hash.to_string())
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// When a caller's cases were registered (id, time), newest first: what the repeat-caller
    /// rule counts, without reading the cases.
    pub async fn case_times_by_phone_index(
        &self,
        phone_hash: &str,
        limit: u32,
    ) -> Result<Vec<(uuid::Uuid, DateTime<Utc>)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, registered_at FROM cases WHERE phone_hash = $1 \
             ORDER BY registered_at DESC LIMIT $2",
        )
        .bind(phone_hash.to_string())
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, at)| Ok((crate::batch::parse_id(&id)?, from_millis(at))))
            .collect()
    }

    /// A person's cases by phone or ID-number index (for the prior-matter rules).
    pub async fn cases_of_person(
        &self,
        phone_hash: Option<&str>,
        id_hash: Option<&str>,
    ) -> Result<Vec<CaseState>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT c.state FROM cases c JOIN petitioners p ON p.id = c.petitioner_id \
             WHERE (p.phone_hash IS NOT NULL AND p.phone_hash = $1) OR (p.id_hash IS NOT NULL AND p.id_hash = $2) \
             ORDER BY c.registered_at DESC LIMIT 200",
        )
        .bind(phone_hash.map(str::to_string))
        .bind(id_hash.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// Decrypts a petitioner's record.
    pub async fn petitioner(&self, id: uuid::Uuid) -> Result<Option<PetitionerRecord>, StoreError> {
        type Row = (
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT name_enc, phone_enc, id_enc, address_enc FROM petitioners WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some((name, phone, idn, addr)) = row else {
            return Ok(None);
        };
        let open = |field: &str, v: Option<Vec<u8>>| -> Result<Option<String>, StoreError> {
            v.map(|b| {
                self.sealer
                    .open(field, &b)
                    .map_err(|e| StoreError::Crypto(e.to_string()))
            })
            .transpose()
        };
        Ok(Some(PetitionerRecord {
            name: open("name", name)?,
            phone: open("phone", phone)?,
            id_number: open("id_number", idn)?,
            address: open("address", addr)?,
        }))
    }

    /// The case's query code in clear (to hand it out again to its petitioner).
    pub async fn query_code(&self, id: uuid::Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT query_code_enc FROM cases WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(b,)| {
            self.sealer
                .open("query_code", &b)
                .map_err(|e| StoreError::Crypto(e.to_string()))
        })
        .transpose()
    }

    pub async fn count_cases(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}

/// case_id, seq, at, actor, payload, prev_hash, hash
pub(crate) type EventRow = (String, i64, i64, String, String, String, String);

pub(crate) fn record_from_row(
    (case_id, seq, at, actor, payload, prev_hash, hash): EventRow,
) -> Result<EventRecord, StoreError> {
    let actor: Actor = serde_json::from_str(&actor)?;
    let event: Event = serde_json::from_str(&payload)?;
    Ok(EventRecord {
        case_id: uuid::Uuid::parse_str(&case_id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        seq: seq as u64,
        at: from_millis(at),
        actor,
        event,
        prev_hash,
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// Every order of the case list, first page and later, is read from an index: SQLite's plan
    /// for the statement `list_cases` runs names an index and no temporary sort. Before
    /// migration 0017 the due-date order sorted every case sharing a due date (2.5 s a page at
    /// 1M cases).
    #[tokio::test]
    async fn case_list_orders_come_from_indexes_sqlite() {
        let dir = std::env::temp_dir().join(format!("minsheng-read-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/minsheng.db", dir.display());
        let store = Store::open(&url, crate::Sealer::from_master(&[42; 32]))
            .await
            .unwrap();
        let later = format!("5_{}", uuid::Uuid::nil());
        for sort in [CaseSort::Newest, CaseSort::Oldest, CaseSort::DueSoonest] {
            for cursor in [None, Some(later.clone())] {
                let f = CaseFilter {
                    sort,
                    cursor,
                    limit: 50,
                    ..CaseFilter::default()
                };
                let q = case_list_sql(&Scope::All, &f).unwrap();
                let explain = format!("EXPLAIN QUERY PLAN {}", q.text);
                let mut query = sqlx::query(AssertSqlSafe(explain));
                for a in q.args {
                    query = match a {
                        Arg::Text(s) => query.bind(s),
                        Arg::Int(i) => query.bind(i),
                    };
                }
                let plan: Vec<String> = query
                    .fetch_all(&store.pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>(3))
                    .collect();
                assert!(
                    plan.iter().any(|d| d.contains("USING INDEX")),
                    "{:?}: {plan:?}",
                    f.sort
                );
                assert!(
                    !plan.iter().any(|d| d.contains("TEMP B-TREE")),
                    "{:?} sorts per page: {plan:?}",
                    f.sort
                );
            }
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
