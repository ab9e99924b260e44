//! Reading the KPI projection (migration 0004): KPI cells per grain, scope and period, and intake
//! volumes by flow, channel and first-level topic. Both grains kept are `day` and `month`;
//! a year is the sum of its months. Period keys are compared as text, which orders ISO dates
//! correctly within one grain. Definitions: docs/kpi.md.

use crate::Store;
use crate::error::StoreError;
use minsheng_core::kpi::{Grain, KpiCounts, KpiKey, KpiRollup, Metric, Scope};
use std::collections::BTreeMap;

/// The grains cells are kept at.
pub const KEPT_GRAINS: [Grain; 2] = [Grain::Day, Grain::Month];

/// The metric name under which a cell counts cases (`KpiCounts::cases`), in `hit`.
pub const CASES: &str = "cases";

/// Which scopes a league table ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Region,
    Unit,
}

impl ScopeKind {
    fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Region => "region",
            ScopeKind::Unit => "unit",
        }
    }
}

/// One intake-volume row: cases registered in a period, by flow, channel and first-level topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeRow {
    pub period: String,
    pub flow: String,
    pub channel: String,
    pub topic: String,
    pub n: u64,
}

pub(crate) fn scope_parts(scope: &Scope) -> (&'static str, &str) {
    match scope {
        Scope::All => ("all", ""),
        Scope::Region(r) => ("region", r.as_str()),
        Scope::Unit(u) => ("unit", u.as_str()),
    }
}

fn scope_of(kind: &str, id: String) -> Result<Scope, StoreError> {
    match kind {
        "all" => Ok(Scope::All),
        "region" => Ok(Scope::Region(id)),
        "unit" => Ok(Scope::Unit(id)),
        other => Err(StoreError::Corrupt(format!("unknown KPI scope {other:?}"))),
    }
}

/// The stored metric name: a `Metric`'s `as_str`, or `CASES`.
pub(crate) fn metric_of(name: &str) -> Option<Metric> {
    Metric::ALL.iter().copied().find(|m| m.as_str() == name)
}

/// Adds one stored row (metric name, hit, basically, miss) to counts.
fn add_row(c: &mut KpiCounts, metric: &str, hit: i64, basically: i64, miss: i64) {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    if metric == CASES {
        c.cases += n(hit);
    } else if let Some(m) = metric_of(metric) {
        let e = c.metrics.entry(m).or_default();
        e.hit += n(hit);
        e.basically += n(basically);
        e.miss += n(miss);
    }
    c.metrics.retain(|_, v| v.total() > 0);
}

/// The grain whose cells answer a query at `grain`: years are read from months.
fn stored(grain: Grain) -> (Grain, usize) {
    match grain {
        Grain::Year => (Grain::Month, 4),
        g => (g, 0),
    }
}

type CellRow = (String, String, i64, i64, i64);

impl Store {
    /// One scope's counts summed over the periods `from..=to` of `grain`.
    pub async fn kpi_counts(
        &self,
        grain: Grain,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> Result<KpiCounts, StoreError> {
        let (g, _) = stored(grain);
        let (kind, id) = scope_parts(scope);
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT metric, CAST(SUM(hit) AS BIGINT), CAST(SUM(basically) AS BIGINT), CAST(SUM(miss) AS BIGINT) FROM kpi_cells \
             WHERE grain = $1 AND scope = $2 AND scope_id = $3 AND period >= $4 AND period <= $5 \
             GROUP BY metric",
        )
        .bind(g.as_str())
        .bind(kind)
        .bind(id.to_string())
        .bind(from.to_string())
        .bind(upper(grain, to))
        .fetch_all(&self.pool)
        .await?;
        let mut c = KpiCounts::default();
        for (m, h, b, x) in rows {
            add_row(&mut c, &m, h, b, x);
        }
        Ok(c)
    }

    /// One scope's counts per period of `grain` within `from..=to` (oldest first), for trends.
    /// Periods without cases are absent.
    pub async fn kpi_series(
        &self,
        grain: Grain,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, KpiCounts)>, StoreError> {
        let (g, cut) = stored(grain);
        let (kind, id) = scope_parts(scope);
        let rows: Vec<CellRow> = sqlx::query_as(
            "SELECT period, metric, hit, basically, miss FROM kpi_cells \
             WHERE grain = $1 AND scope = $2 AND scope_id = $3 AND period >= $4 AND period <= $5",
        )
        .bind(g.as_str())
        .bind(kind)
        .bind(id.to_string())
        .bind(from.to_string())
        .bind(upper(grain, to))
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<String, KpiCounts> = BTreeMap::new();
        for (p, m, h, b, x) in rows {
            let key = if cut > 0 {
                p[..cut.min(p.len())].to_string()
            } else {
                p
            };
            add_row(out.entry(key).or_default(), &m, h, b, x);
        }
        Ok(out.into_iter().collect())
    }

    /// Every region or every unit with cells in `from..=to`, each summed: the rows of a league
    /// table (the caller keeps the regions or units it ranks, e.g. the children of one region).
    pub async fn kpi_league(
        &self,
        grain: Grain,
        kind: ScopeKind,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, KpiCounts)>, StoreError> {
        let (g, _) = stored(grain);
        let rows: Vec<CellRow> = sqlx::query_as(
            "SELECT scope_id, metric, CAST(SUM(hit) AS BIGINT), CAST(SUM(basically) AS BIGINT), CAST(SUM(miss) AS BIGINT) FROM kpi_cells \
             WHERE grain = $1 AND scope = $2 AND period >= $3 AND period <= $4 \
             GROUP BY scope_id, metric",
        )
        .bind(g.as_str())
        .bind(kind.as_str())
        .bind(from.to_string())
        .bind(upper(grain, to))
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<String, KpiCounts> = BTreeMap::new();
        for (id, m, h, b, x) in rows {
            add_row(out.entry(id).or_default(), &m, h, b, x);
        }
        Ok(out.into_iter().collect())
    }

    /// Every kept cell of one grain, as a rollup (for comparing with a recount).
    pub async fn kpi_rollup(&self, grain: Grain) -> Result<KpiRollup, StoreError> {
        let (g, _) = stored(grain);
        let rows: Vec<(String, String, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT scope, scope_id, period, metric, hit, basically, miss FROM kpi_cells WHERE grain = $1",
        )
        .bind(g.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut r = KpiRollup::new(g);
        for (kind, id, period, m, h, b, x) in rows {
            let key = KpiKey {
                scope: scope_of(&kind, id)?,
                period,
            };
            add_row(r.cells.entry(key).or_default(), &m, h, b, x);
        }
        r.cells.retain(|_, c| !c.is_empty());
        Ok(r)
    }

    /// Intake volumes in `from..=to`, for the whole province (`region` = `None`) or one region
    /// and everything below it, by period, flow, channel and first-level topic.
    pub async fn volume(
        &self,
        grain: Grain,
        region: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<VolumeRow>, StoreError> {
        let (g, cut) = stored(grain);
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT period, flow, channel, topic, n FROM volume_cells \
             WHERE grain = $1 AND region = $2 AND period >= $3 AND period <= $4",
        )
        .bind(g.as_str())
        .bind(region.unwrap_or("").to_string())
        .bind(from.to_string())
        .bind(upper(grain, to))
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
        for (p, flow, channel, topic, n) in rows {
            let p = if cut > 0 {
                p[..cut.min(p.len())].to_string()
            } else {
                p
            };
            *out.entry((p, flow, channel, topic)).or_default() += u64::try_from(n).unwrap_or(0);
        }
        Ok(out
            .into_iter()
            .map(|((period, flow, channel, topic), n)| VolumeRow {
                period,
                flow,
                channel,
                topic,
                n,
            })
            .collect())
    }

    /// Cases registered in `from..=to` per region (every level), for the heat map; the caller
    /// keeps the regions it shows.
    pub async fn volume_by_region(
        &self,
        grain: Grain,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let (g, _) = stored(grain);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT region, CAST(SUM(n) AS BIGINT) FROM volume_cells \
             WHERE grain = $1 AND region <> '' AND period >= $2 AND period <= $3 GROUP BY region",
        )
        .bind(g.as_str())
        .bind(from.to_string())
        .bind(upper(grain, to))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(r, n)| (r, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// The inclusive upper bound in stored keys: a year "2026" read from months must take
/// "2026-12", so it is extended past every month of that year.
fn upper(grain: Grain, to: &str) -> String {
    match grain {
        Grain::Year => format!("{to}-99"),
        _ => to.to_string(),
    }
}
