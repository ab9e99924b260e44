//! Early-warning alerts: each alert is a small event log of its own (raised, acknowledged,
//! escalated, handled, closed), hash-chained with the same scheme as a case's events, and the
//! `alerts` row is its projection, written in the same transaction. New alerts are raised at
//! intake, beside the cases, so they go through the group committer with them; the rarer
//! changes by staff and jobs go straight through the pool in a transaction. The SQL is the same
//! text on both backends.

use crate::error::StoreError;
use crate::sql::{Val, insert_rows};
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::alert::{Alert, AlertDraft, AlertEvent, AlertStatus};
use minsheng_core::event::{GENESIS, chain_hash};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

/// An alert with where it belongs: the place (region code) and unit it concerns, which decide
/// who sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    pub alert: Alert,
    pub region: Option<String>,
    pub unit: Option<String>,
    /// When it must be acknowledged at its current level (`None` once acknowledged).
    pub report_due: Option<DateTime<Utc>>,
}

/// A stored alert event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEventRecord {
    pub alert_id: uuid::Uuid,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub event: AlertEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// Canonical bytes of an alert event, as for case events: compact JSON of (alert_id, seq, at in
/// milliseconds, actor, event) in declaration order.
fn canonical(
    alert_id: uuid::Uuid,
    seq: u64,
    at: DateTime<Utc>,
    actor: &Actor,
    e: &AlertEvent,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Canon<'a> {
        alert_id: uuid::Uuid,
        seq: u64,
        at_ms: i64,
        actor: &'a Actor,
        event: &'a AlertEvent,
    }
    serde_json::to_vec(&Canon {
        alert_id,
        seq,
        at_ms: at.timestamp_millis(),
        actor,
        event: e,
    })
    .unwrap_or_default()
}

impl AlertEventRecord {
    fn seal(
        alert_id: uuid::Uuid,
        seq: u64,
        at: DateTime<Utc>,
        actor: Actor,
        event: AlertEvent,
        prev_hash: &str,
    ) -> Self {
        let at = from_millis(millis(at));
        let hash = chain_hash(prev_hash, &canonical(alert_id, seq, at, &actor, &event));
        AlertEventRecord {
            alert_id,
            seq,
            at,
            actor,
            event,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }

    fn recompute(&self) -> String {
        chain_hash(
            &self.prev_hash,
            &canonical(self.alert_id, self.seq, self.at, &self.actor, &self.event),
        )
    }
}

/// What a list of alerts may contain.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<AlertStatus>,
    /// Only alerts at this level or more severe (level 1 is the most severe).
    pub max_level: Option<u8>,
    /// Exactly this level.
    pub level: Option<u8>,
    /// Access scope: alerts in these regions or concerning this unit (`None`: all).
    pub regions: Option<Vec<String>>,
    pub unit: Option<String>,
    pub limit: u32,
}

/// A new alert to raise.
#[derive(Debug, Clone)]
pub struct RaiseAlert {
    pub id: uuid::Uuid,
    pub draft: AlertDraft,
    pub region: Option<String>,
    pub unit: Option<String>,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The report-within deadline at the draft's level (the caller has the policy).
    pub report_due: Option<DateTime<Utc>>,
    /// Notices of the new alert (store::outbox), committed with it; dropped if the key turns
    /// out to be raised already.
    pub notices: Vec<crate::outbox::OutboxMessage>,
}

/// Events to append to an alert at the version it was read at.
#[derive(Debug, Clone)]
pub struct AppendAlert {
    pub id: uuid::Uuid,
    pub expected_version: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub events: Vec<AlertEvent>,
    /// The alert after the events (folded by the caller with `alert::apply`).
    pub next: Alert,
    pub report_due: Option<DateTime<Utc>>,
}

/// One broken alert chain, for `minsheng verify`.
#[derive(Debug, Clone)]
pub struct AlertChainFailure {
    pub alert_id: String,
    pub seq: u64,
    pub reason: String,
}

type AlertRow = (String, Option<String>, Option<String>, Option<i64>);

fn record((state, region, unit, due): AlertRow) -> Result<AlertRecord, StoreError> {
    Ok(AlertRecord {
        alert: serde_json::from_str(&state)?,
        region,
        unit,
        report_due: due.map(from_millis),
    })
}

const COLUMNS: &str = "state, region, unit, report_due";

impl Store {
    /// Raises an alert once per `key`: if an alert with the key exists, nothing is written and
    /// that alert is returned with `false`. The alert goes through the group committer, sharing
    /// its transaction and fsync with the cases of the moment instead of queueing for SQLite's
    /// write lock beside it. Callers that meet existing keys often (the early-warning rules, on
    /// every registration) look them up first with [`Store::alert_keys_present`].
    pub async fn raise_alert(&self, op: RaiseAlert) -> Result<(AlertRecord, bool), StoreError> {
        let raised = self.writer.raise_alert(op).await?;
        self.remember_keys([raised.0.alert.key.clone()]);
        Ok(raised)
    }

    /// Which of these alert keys have been raised. Keys seen before are answered from memory.
    pub async fn alert_keys_present(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        let mut unknown = Vec::new();
        {
            // A poisoned lock only means another thread panicked mid-insert: the set is usable.
            let known = self.raised_keys.lock().unwrap_or_else(|e| e.into_inner());
            for k in keys {
                if known.contains(k) {
                    found.insert(k.clone());
                } else {
                    unknown.push(k.clone());
                }
            }
        }
        for (ph, chunk) in crate::sql::in_lists(self.backend, &unknown) {
            let mut q = sqlx::query_as::<_, (String,)>(AssertSqlSafe(format!(
                "SELECT key FROM alerts WHERE key IN ({ph})"
            )));
            for k in chunk {
                q = q.bind(k.clone());
            }
            let present: Vec<String> = q
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|(k,)| k)
                .collect();
            self.remember_keys(present.iter().cloned());
            found.extend(present);
        }
        Ok(found)
    }

    /// Adds raised keys to the memory of [`Store::alert_keys_present`], which starts afresh
    /// past a bound so that years of keys do not pile up.
    fn remember_keys(&self, keys: impl IntoIterator<Item = String>) {
        const MAX_KEYS: usize = 100_000;
        let mut known = self.raised_keys.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_KEYS {
            known.clear();
        }
        known.extend(keys);
    }

    /// Appends events to an alert if it is still at `expected_version` (else `Conflict`).
    pub async fn append_alert(&self, op: AppendAlert) -> Result<AlertRecord, StoreError> {
        let id = op.id.to_string();
        let mut tx = crate::tx::begin_write(&self.pool).await?;
        let row: Option<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT last_hash, region, unit FROM alerts WHERE id = $1")
                .bind(id.clone())
                .fetch_optional(&mut *tx)
                .await?;
        let (mut prev, region, unit) = row.ok_or(StoreError::NotFound)?;
        for (i, e) in op.events.iter().enumerate() {
            let rec = AlertEventRecord::seal(
                op.id,
                op.expected_version + 1 + i as u64,
                op.at,
                op.actor.clone(),
                e.clone(),
                &prev,
            );
            insert_event(&mut tx, &rec).await?;
            prev = rec.hash;
        }
        let next = &op.next;
        let updated = sqlx::query(
            "UPDATE alerts SET level = $1, status = $2, level_since = $3, report_due = $4, \
             version = $5, last_hash = $6, state = $7 WHERE id = $8 AND version = $9",
        )
        .bind(i64::from(next.level))
        .bind(next.status.as_str())
        .bind(millis(next.level_since))
        .bind(op.report_due.map(millis))
        .bind(next.version as i64)
        .bind(prev)
        .bind(serde_json::to_string(next)?)
        .bind(id)
        .bind(op.expected_version as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await?;
            return Err(StoreError::Conflict);
        }
        tx.commit().await?;
        Ok(AlertRecord {
            alert: op.next,
            region,
            unit,
            report_due: op.report_due,
        })
    }

    pub async fn get_alert(&self, id: uuid::Uuid) -> Result<Option<AlertRecord>, StoreError> {
        let row: Option<AlertRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM alerts WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(record).transpose()
    }

    pub async fn alert_by_key(&self, key: &str) -> Result<Option<AlertRecord>, StoreError> {
        let row: Option<AlertRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM alerts WHERE key = $1"
        )))
        .bind(key.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(record).transpose()
    }

    /// An alert's events, oldest first.
    pub async fn alert_events(&self, id: uuid::Uuid) -> Result<Vec<AlertEventRecord>, StoreError> {
        let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT seq, at, actor, payload, prev_hash, hash FROM alert_events \
             WHERE alert_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(seq, at, actor, payload, prev_hash, hash)| {
                Ok(AlertEventRecord {
                    alert_id: id,
                    seq: seq as u64,
                    at: from_millis(at),
                    actor: serde_json::from_str(&actor)?,
                    event: serde_json::from_str(&payload)?,
                    prev_hash,
                    hash,
                })
            })
            .collect()
    }

    /// Alerts, newest first, narrowed by the filter.
    pub async fn list_alerts(&self, f: &AlertFilter) -> Result<Vec<AlertRecord>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM alerts WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        let bind = |args: &mut Vec<String>, v: String| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(s) = f.status {
            let p = bind(&mut args, s.as_str().to_string());
            sql.push_str(&format!(" AND status = {p}"));
        }
        // Levels are small integers checked by the caller; they go in as numbers.
        if let Some(l) = f.level {
            sql.push_str(&format!(" AND level = {}", i64::from(l)));
        }
        if let Some(l) = f.max_level {
            sql.push_str(&format!(" AND level <= {}", i64::from(l)));
        }
        match (&f.regions, &f.unit) {
            (None, None) => {}
            (regions, unit) => {
                let mut ors = Vec::new();
                for r in regions.iter().flatten() {
                    ors.push(bind(&mut args, r.clone()));
                }
                let mut clause = Vec::new();
                if !ors.is_empty() {
                    clause.push(format!("region IN ({})", ors.join(", ")));
                }
                if let Some(u) = unit {
                    let p = bind(&mut args, u.clone());
                    clause.push(format!("unit = {p}"));
                }
                if clause.is_empty() {
                    clause.push("1 = 0".into());
                }
                sql.push_str(&format!(" AND ({})", clause.join(" OR ")));
            }
        }
        let limit = f.limit.clamp(1, 500);
        sql.push_str(&format!(" ORDER BY raised_at DESC, id DESC LIMIT {limit}"));
        let mut q = sqlx::query_as::<_, AlertRow>(AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Alerts still raised (unacknowledged) whose report-within deadline is at or before `now`.
    pub async fn alerts_due(&self, now: DateTime<Utc>) -> Result<Vec<AlertRecord>, StoreError> {
        let rows: Vec<AlertRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM alerts WHERE status = 'raised' AND report_due IS NOT NULL \
             AND report_due <= $1 ORDER BY report_due LIMIT 1000"
        )))
        .bind(millis(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(record).collect()
    }

    /// The alerts whose evidence names each of these cases (one query per 500 cases).
    pub async fn alerts_for_cases(
        &self,
        cases: &[uuid::Uuid],
    ) -> Result<std::collections::HashMap<uuid::Uuid, Vec<AlertRecord>>, StoreError> {
        let mut out: std::collections::HashMap<uuid::Uuid, Vec<AlertRecord>> =
            std::collections::HashMap::new();
        for chunk in cases.chunks(500) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let cols = COLUMNS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query_as::<
                _,
                (String, String, Option<String>, Option<String>, Option<i64>),
            >(AssertSqlSafe(format!(
                "SELECT ac.case_id, {cols} FROM alert_cases ac JOIN alerts a ON a.id = ac.alert_id \
                     WHERE ac.case_id IN ({}) ORDER BY a.raised_at",
                ph.join(", ")
            )));
            for c in chunk {
                q = q.bind(c.to_string());
            }
            for (case, state, region, unit, due) in q.fetch_all(&self.pool).await? {
                let id = uuid::Uuid::parse_str(&case)
                    .map_err(|e| StoreError::Corrupt(format!("alert case id: {e}")))?;
                out.entry(id)
                    .or_default()
                    .push(record((state, region, unit, due))?);
            }
        }
        Ok(out)
    }

    /// Ids of the cases with an open alert at `max_level` or more severe.
    pub async fn cases_with_open_alerts(
        &self,
        max_level: u8,
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT ac.case_id FROM alert_cases ac JOIN alerts a ON a.id = ac.alert_id \
             WHERE a.status <> 'closed' AND a.level <= $1",
        )
        .bind(i64::from(max_level))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(s,)| uuid::Uuid::parse_str(&s).ok())
            .collect())
    }

    /// Re-walks every alert's chain and checks the projection's head and version.
    pub async fn verify_alerts(&self) -> Result<(u64, Vec<AlertChainFailure>), StoreError> {
        let alerts: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, last_hash, version FROM alerts ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut failures = Vec::new();
        let n = alerts.len() as u64;
        for (id, last_hash, version) in alerts {
            let fail = |seq: u64, reason: &str| AlertChainFailure {
                alert_id: id.clone(),
                seq,
                reason: reason.to_string(),
            };
            let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
                failures.push(fail(0, "alert id is not a UUID"));
                continue;
            };
            let events = match self.alert_events(uuid).await {
                Ok(e) => e,
                Err(e) => {
                    failures.push(fail(0, &format!("events cannot be read: {e}")));
                    continue;
                }
            };
            match verify_alert_chain(&events) {
                Err((seq, reason)) => failures.push(fail(seq, reason)),
                Ok(()) => {
                    if events.last().map(|r| r.hash.as_str()) != Some(last_hash.as_str())
                        || events.len() as i64 != version
                    {
                        failures.push(fail(
                            events.len() as u64,
                            "alert projection does not match the head of its chain",
                        ));
                    }
                }
            }
        }
        Ok((n, failures))
    }
}

/// The same checks as a case chain (`minsheng_core::event::verify_links`).
pub fn verify_alert_chain(records: &[AlertEventRecord]) -> Result<(), (u64, &'static str)> {
    minsheng_core::event::verify_links(
        records,
        |r| (r.seq, &r.prev_hash, &r.hash),
        AlertEventRecord::recompute,
    )
    .map_err(|b| (b.seq, b.reason))
}

/// Writes a new alert in the committer's transaction: its row, first event, cases and notices.
/// If the key is already taken (raised meanwhile) nothing is written and that alert is returned.
pub(crate) async fn insert_new(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    op: &RaiseAlert,
    notices: &[crate::outbox::SealedMessage],
) -> Result<(AlertRecord, bool), StoreError> {
    let at = from_millis(millis(op.at));
    let event = AlertEvent::Raised(op.draft.clone());
    let alert = minsheng_core::alert::apply(None, op.id, at, &event)
        .ok_or_else(|| StoreError::Corrupt("raise produced no alert".into()))?;
    let rec = AlertEventRecord::seal(op.id, 1, at, op.actor.clone(), event, GENESIS);
    let inserted = sqlx::query(
        "INSERT INTO alerts (id, key, rule, level, status, region, unit, raised_at, level_since, \
         report_due, version, last_hash, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (key) DO NOTHING",
    )
    .bind(op.id.to_string())
    .bind(alert.key.clone())
    .bind(alert.rule.as_str())
    .bind(i64::from(alert.level))
    .bind(alert.status.as_str())
    .bind(op.region.clone())
    .bind(op.unit.clone())
    .bind(millis(at))
    .bind(millis(at))
    .bind(op.report_due.map(millis))
    .bind(alert.version as i64)
    .bind(rec.hash.clone())
    .bind(serde_json::to_string(&alert)?)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        let row: Option<AlertRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM alerts WHERE key = $1"
        )))
        .bind(alert.key.clone())
        .fetch_optional(&mut **tx)
        .await?;
        let existing = row.map(record).transpose()?.ok_or(StoreError::Conflict)?;
        return Ok((existing, false));
    }
    insert_event(tx, &rec).await?;
    let mut cases: Vec<uuid::Uuid> = alert.evidence.cases.clone();
    cases.sort();
    cases.dedup();
    let rows = cases
        .iter()
        .map(|c| vec![Val::T(c.to_string()), Val::T(op.id.to_string())])
        .collect();
    insert_rows(tx, "INSERT INTO alert_cases (case_id, alert_id)", "", rows).await?;
    crate::outbox::insert(tx, notices, at).await?;
    Ok((
        AlertRecord {
            alert,
            region: op.region.clone(),
            unit: op.unit.clone(),
            report_due: op.report_due,
        },
        true,
    ))
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rec: &AlertEventRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO alert_events (alert_id, seq, at, kind, actor, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(rec.alert_id.to_string())
    .bind(rec.seq as i64)
    .bind(millis(rec.at))
    .bind(rec.event.name())
    .bind(serde_json::to_string(&rec.actor)?)
    .bind(serde_json::to_string(&rec.event)?)
    .bind(rec.prev_hash.clone())
    .bind(rec.hash.clone())
    .execute(&mut **tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => e.into(),
    })?;
    Ok(())
}
