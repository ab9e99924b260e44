//! Reads for the dashboards and the annual report that the KPI projection does not answer:
//! deadline health of open cases, case counts by one column (topic, unit, kind…) and workflow
//! event counts (transfers by mode, dispatches, supervision) over a period. All read the case
//! tables directly within the same access scope as the case lists.

use crate::error::StoreError;
use crate::read::Scope;
use crate::sql::{Arg, Sql};
use crate::{Store, millis};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;

/// Open cases by how close their current duty deadline is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeadlineHealth {
    /// The deadline has passed.
    pub overdue: u64,
    /// Due within the window (e.g. three days) from now.
    pub due_soon: u64,
    /// Due later than that.
    pub later: u64,
    /// Open but with no running deadline (awaiting a rating, a review request…).
    pub no_deadline: u64,
}

impl DeadlineHealth {
    pub fn total(&self) -> u64 {
        self.overdue + self.due_soon + self.later + self.no_deadline
    }
}

/// Which cases a statistic counts: the access scope, optionally narrowed to regions (a
/// drill-down, already expanded to the subtree), and an instant range `[from, until)`.
#[derive(Debug, Clone)]
pub struct StatFilter {
    pub scope: Scope,
    pub regions: Option<Vec<String>>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Only these case kinds (codes), when given.
    pub kinds: Option<Vec<String>>,
}

/// The column a case count is broken down by. A closed set, so no column name ever comes from
/// a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Flow,
    Channel,
    Kind,
    Topic,
    Region,
    CurrentUnit,
    /// The unit accused in an accusation (cases without one are left out).
    AccusedUnit,
}

impl Breakdown {
    fn column(self) -> &'static str {
        match self {
            Breakdown::Flow => "c.flow",
            Breakdown::Channel => "c.channel",
            Breakdown::Kind => "c.kind",
            Breakdown::Topic => "c.topic",
            Breakdown::Region => "c.region",
            Breakdown::CurrentUnit => "c.current_unit",
            Breakdown::AccusedUnit => "c.accused_unit",
        }
    }
}

/// Statuses after which a case has no running duty (as `Status::is_terminal`).
const TERMINAL: &str = "('diverted', 'final', 'declined', 'closed', 'merged')";

/// The rows of a (label, count) query.
trait Pairs {
    async fn pairs(self, store: &Store) -> Result<Vec<(String, i64)>, StoreError>;
}

impl Pairs for Sql {
    async fn pairs(self, store: &Store) -> Result<Vec<(String, i64)>, StoreError> {
        let mut q = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(self.text));
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        Ok(q.fetch_all(&store.pool).await?)
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// Open cases in scope (and `regions`, when given) by deadline bucket at `now`; "soon"
    /// means due before `soon`.
    pub async fn deadline_health(
        &self,
        scope: &Scope,
        regions: Option<&[String]>,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> Result<DeadlineHealth, StoreError> {
        let mut q = Sql::new("");
        let pn = q.bind(Arg::Int(millis(now)));
        let ps = q.bind(Arg::Int(millis(soon)));
        q.text = format!(
            "SELECT CASE WHEN c.due_at IS NULL THEN 'none' WHEN c.due_at < {pn} THEN 'overdue' \
             WHEN c.due_at < {ps} THEN 'soon' ELSE 'later' END AS bucket, COUNT(*) \
             FROM cases c WHERE c.status NOT IN {TERMINAL}"
        );
        q.scope(scope);
        if let Some(r) = regions {
            q.in_list("c.region", r);
        }
        q.text.push_str(" GROUP BY 1");
        let mut h = DeadlineHealth::default();
        for (bucket, n) in q.pairs(self).await? {
            let n = count(n);
            match bucket.as_str() {
                "overdue" => h.overdue += n,
                "soon" => h.due_soon += n,
                "later" => h.later += n,
                _ => h.no_deadline += n,
            }
        }
        Ok(h)
    }

    /// Cases registered in `[from, until)` within the filter, counted by one column, largest
    /// first (ties by value).
    pub async fn case_breakdown(
        &self,
        by: Breakdown,
        f: &StatFilter,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let col = by.column();
        let mut q = Sql::new(&format!(
            "SELECT {col}, COUNT(*) FROM cases c WHERE {col} IS NOT NULL"
        ));
        let pf = q.bind(Arg::Int(millis(f.from)));
        let pu = q.bind(Arg::Int(millis(f.until)));
        q.and(&format!(
            "c.registered_at >= {pf} AND c.registered_at < {pu}"
        ));
        q.scope(&f.scope);
        if let Some(r) = &f.regions {
            q.in_list("c.region", r);
        }
        if let Some(k) = &f.kinds {
            q.in_list("c.kind", k);
        }
        q.text.push_str(&format!(" GROUP BY {col}"));
        let mut rows: Vec<(String, u64)> = q
            .pairs(self)
            .await?
            .into_iter()
            .map(|(k, n)| (k, count(n)))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(rows)
    }

    /// Workflow events recorded in `[from, until)` on cases within the filter, by event kind
    /// (`transferred`, `dispatched`, `supervised`…); transfers are also split by mode as
    /// `transferred:transfer` (转送) and `transferred:assign` (交办).
    pub async fn event_counts(&self, f: &StatFilter) -> Result<BTreeMap<String, u64>, StoreError> {
        let filtered = |select: &str, group: &str| {
            let mut q = Sql::new(&format!(
                "SELECT {select} FROM case_events e JOIN cases c ON c.id = e.case_id WHERE 1 = 1"
            ));
            let pf = q.bind(Arg::Int(millis(f.from)));
            let pu = q.bind(Arg::Int(millis(f.until)));
            q.and(&format!("e.at >= {pf} AND e.at < {pu}"));
            q.scope(&f.scope);
            if let Some(r) = &f.regions {
                q.in_list("c.region", r);
            }
            if let Some(k) = &f.kinds {
                q.in_list("c.kind", k);
            }
            q.text.push_str(group);
            q
        };
        let mut out = BTreeMap::new();
        for (kind, n) in filtered("e.kind, COUNT(*)", " GROUP BY e.kind")
            .pairs(self)
            .await?
        {
            out.insert(kind, count(n));
        }
        // The mode is inside the payload; reading the transfers' payloads keeps the SQL the
        // same on both backends (no JSON operators).
        if out.get("transferred").copied().unwrap_or(0) > 0 {
            let mut q = filtered("e.payload, e.seq", "");
            q.and("e.kind = 'transferred'");
            for (payload, _) in q.pairs(self).await? {
                let v: serde_json::Value = serde_json::from_str(&payload)?;
                let mode = v["mode"].as_str().unwrap_or("transfer");
                *out.entry(format!("transferred:{mode}")).or_default() += 1;
            }
        }
        Ok(out)
    }
}
