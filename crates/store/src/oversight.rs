//! Reads for early warning and supervision: case counts per place × topic for the spike rule,
//! cases found by an event kind (supervision orders, leader-owned cases), and the public
//! record of supervision orders.

use crate::error::StoreError;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::workflow::CaseState;
use serde::Serialize;

/// A supervision order as the public transparency page may show it: no names, no text written
/// by or about a person, only who was ordered, when, and whether they reported in time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicSupervision {
    pub case_number: String,
    pub region: String,
    pub topic: String,
    pub unit: String,
    pub ordered_at: DateTime<Utc>,
    pub respond_within_days: u32,
    pub report_due: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Reported after the deadline, or not at all and the deadline has passed.
    pub late: bool,
    pub escalated_to: Option<String>,
}

impl Store {
    /// Cases registered at a place (region code) on a topic (code prefix) in `(from, to]`.
    pub async fn cases_at_place_topic(
        &self,
        region: &str,
        topic_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(uuid::Uuid, DateTime<Utc>)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, registered_at FROM cases WHERE region = $1 AND topic LIKE $2 \
             AND registered_at > $3 AND registered_at <= $4 ORDER BY registered_at LIMIT 5000",
        )
        .bind(region.to_string())
        .bind(format!("{}%", like_escape(topic_prefix)))
        .bind(millis(from))
        .bind(millis(to))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, at)| Some((uuid::Uuid::parse_str(&id).ok()?, from_millis(at))))
            .collect())
    }

    /// How many cases a place had on a topic in `(from, split]` and in `(split, to]` (the spike
    /// baseline and window), in one pass over the place's cases.
    pub async fn counts_at_place_topic(
        &self,
        region: &str,
        topic_prefix: &str,
        from: DateTime<Utc>,
        split: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(u32, u32), StoreError> {
        let (before, after): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN registered_at <= $4 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN registered_at > $4 THEN 1 ELSE 0 END), 0) \
             FROM cases WHERE region = $1 AND topic LIKE $2 \
             AND registered_at > $3 AND registered_at <= $5",
        )
        .bind(region.to_string())
        .bind(format!("{}%", like_escape(topic_prefix)))
        .bind(millis(from))
        .bind(millis(split))
        .bind(millis(to))
        .fetch_one(&self.pool)
        .await?;
        let n = |x: i64| u32::try_from(x).unwrap_or(u32::MAX);
        Ok((n(before), n(after)))
    }

    /// The caller's phone blind index recorded with a case, if any.
    pub async fn phone_hash_of(&self, case: uuid::Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT phone_hash FROM cases WHERE id = $1")
                .bind(case.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(h,)| h))
    }

    /// Every case with at least one event of this kind (e.g. `supervised`, `leader_assigned`),
    /// newest first.
    pub async fn cases_with_event(&self, kind: &str) -> Result<Vec<CaseState>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT state FROM cases WHERE id IN \
             (SELECT case_id FROM case_events WHERE kind = $1) ORDER BY registered_at DESC LIMIT 2000",
        )
        .bind(kind.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// Open cases (not in a terminal status), oldest first, optionally only in these regions
    /// (for the supervision queue).
    pub async fn open_cases(
        &self,
        regions: Option<&[String]>,
        limit: u32,
    ) -> Result<Vec<CaseState>, StoreError> {
        let mut sql = String::from(
            "SELECT state FROM cases WHERE status NOT IN ('diverted', 'final', 'declined', 'closed', 'merged')",
        );
        let mut args = Vec::new();
        if let Some(rs) = regions {
            if rs.is_empty() {
                return Ok(Vec::new());
            }
            let ph: Vec<String> = rs
                .iter()
                .map(|r| {
                    args.push(r.clone());
                    format!("${}", args.len())
                })
                .collect();
            sql.push_str(&format!(" AND region IN ({})", ph.join(", ")));
        }
        sql.push_str(&format!(
            " ORDER BY registered_at LIMIT {}",
            limit.clamp(1, 20_000)
        ));
        let mut q = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// Supervision orders whose record was made public, newest first, without personal fields.
    pub async fn public_supervisions(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<PublicSupervision>, StoreError> {
        let mut out = Vec::new();
        for c in self.cases_with_event("supervision_published").await? {
            for s in c.supervisions.iter().filter(|s| s.public) {
                let due = s.report_due();
                out.push(PublicSupervision {
                    case_number: c.number.clone(),
                    region: c.location.region.clone(),
                    topic: c.topic.clone(),
                    unit: s.unit.clone(),
                    ordered_at: s.at,
                    respond_within_days: s.respond_within_days,
                    report_due: due,
                    answered_at: s.answered_at,
                    late: s.answered_at.map_or(now >= due, |a| a >= due),
                    escalated_to: s.escalated_to.clone(),
                });
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.ordered_at));
        Ok(out)
    }
}

/// Topic codes are digits, but a LIKE pattern must never take `%` or `_` from input.
fn like_escape(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}
