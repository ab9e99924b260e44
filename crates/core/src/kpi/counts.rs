//! Mergeable KPI counts. A rollup cell holds, per metric, how many outcomes were met, basically
//! met (ratings) and missed; rates are read from those. Adding a case's facts and later removing
//! the same facts leaves the cell as it was, and cells merge by addition, so rollups kept up to
//! date event by event equal a recount from the log.

use super::{CaseFacts, KpiError, Metric};
use crate::deadline::local_date;
use crate::region::Directory;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// An exact rate. A denominator of zero is "no data", never 0 % or 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub num: u64,
    pub den: u64,
}

impl Rate {
    pub fn value(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 / self.den as f64)
    }

    /// Percentage with one decimal ("96.5%"), or "—" without data.
    pub fn display(self) -> String {
        match self.value() {
            Some(v) => format!("{:.1}%", v * 100.0),
            None => "—".into(),
        }
    }

    /// Orders rates exactly (for rankings); `None` if either has no data.
    pub fn compare(self, other: Rate) -> Option<Ordering> {
        if self.den == 0 || other.den == 0 {
            return None;
        }
        let a = u128::from(self.num) * u128::from(other.den);
        let b = u128::from(other.num) * u128::from(self.den);
        Some(a.cmp(&b))
    }
}

/// Outcomes of one metric in one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub hit: u64,
    /// 基本满意 (rating metrics only).
    pub basically: u64,
    pub miss: u64,
}

impl Count {
    pub fn total(self) -> u64 {
        self.hit + self.basically + self.miss
    }

    /// The rate; `basically_counts` is policy `rating.basically_counts_as_satisfied`.
    pub fn rate(self, basically_counts: bool) -> Rate {
        let extra = if basically_counts { self.basically } else { 0 };
        Rate {
            num: self.hit + extra,
            den: self.total(),
        }
    }

    fn is_zero(self) -> bool {
        self.total() == 0
    }
}

/// KPI counts for one cell (a scope in a period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiCounts {
    /// Cases counted in the cell (for a unit: cases it is responsible for, `charged_unit`).
    pub cases: u64,
    /// Metrics with at least one outcome; absent means no data.
    pub metrics: BTreeMap<Metric, Count>,
}

impl KpiCounts {
    pub fn count(&self, metric: Metric) -> Count {
        self.metrics.get(&metric).copied().unwrap_or_default()
    }

    pub fn rate(&self, metric: Metric, basically_counts: bool) -> Rate {
        self.count(metric).rate(basically_counts)
    }

    /// Adds a case's outcomes: all of them (`unit` = `None`, for region and overall cells) or
    /// only those charged to `unit`.
    pub fn add(&mut self, facts: &CaseFacts, unit: Option<&str>) {
        if unit.is_none_or(|u| u == facts.charged_unit) {
            self.cases += 1;
        }
        for t in facts
            .tallies
            .iter()
            .filter(|t| unit.is_none_or(|u| u == t.unit))
        {
            let c = self.metrics.entry(t.metric).or_default();
            match t.hit {
                Some(true) => c.hit += 1,
                None => c.basically += 1,
                Some(false) => c.miss += 1,
            }
        }
    }

    /// Removes what `add` added for the same facts and unit. Refuses (and changes nothing) if
    /// the facts were not counted here: a rollup that went wrong must not go quietly negative.
    pub fn remove(&mut self, facts: &CaseFacts, unit: Option<&str>) -> Result<(), KpiError> {
        let mut next = self.clone();
        let underflow = |metric: &'static str| KpiError::NotCounted {
            case: facts.case_id,
            metric,
            key: unit.unwrap_or("*").to_string(),
        };
        if unit.is_none_or(|u| u == facts.charged_unit) {
            next.cases = next
                .cases
                .checked_sub(1)
                .ok_or_else(|| underflow("cases"))?;
        }
        for t in facts
            .tallies
            .iter()
            .filter(|t| unit.is_none_or(|u| u == t.unit))
        {
            let c = next
                .metrics
                .get_mut(&t.metric)
                .ok_or_else(|| underflow(t.metric.as_str()))?;
            let slot = match t.hit {
                Some(true) => &mut c.hit,
                None => &mut c.basically,
                Some(false) => &mut c.miss,
            };
            *slot = slot
                .checked_sub(1)
                .ok_or_else(|| underflow(t.metric.as_str()))?;
        }
        next.metrics.retain(|_, c| !c.is_zero());
        *self = next;
        Ok(())
    }

    pub fn merge(&mut self, other: &KpiCounts) {
        self.cases += other.cases;
        for (m, c) in &other.metrics {
            let s = self.metrics.entry(*m).or_default();
            s.hit += c.hit;
            s.basically += c.basically;
            s.miss += c.miss;
        }
        self.metrics.retain(|_, c| !c.is_zero());
    }

    pub fn is_empty(&self) -> bool {
        self.cases == 0 && self.metrics.is_empty()
    }
}

/// What a cell is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Scope {
    All,
    /// A region and everything below it.
    Region(String),
    Unit(String),
}

/// Period granularity. Cells of a finer grain sum to the coarser one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Month,
    Year,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Month => "month",
            Grain::Year => "year",
        }
    }
}

/// The period a case counts in: its registration date in China time ("2026-03", "2026-03-02",
/// "2026"). A case never moves between periods as it progresses.
pub fn period_key(registered_at: DateTime<Utc>, grain: Grain) -> String {
    let d = local_date(registered_at);
    match grain {
        Grain::Day => d.format("%Y-%m-%d").to_string(),
        Grain::Month => d.format("%Y-%m").to_string(),
        Grain::Year => d.year().to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiKey {
    pub scope: Scope,
    pub period: String,
}

/// The cells a case counts in at one grain: overall, its region `chain` (top first, as
/// `Directory::chain` gives it; empty when the directory no longer knows the region, which then
/// counts as itself) and each unit charged with one of its outcomes. The store keeps the chain
/// with the facts, so removing old facts touches exactly the cells adding them touched.
pub fn cell_keys(
    facts: &CaseFacts,
    chain: &[String],
    grain: Grain,
) -> Vec<(KpiKey, Option<String>)> {
    let period = period_key(facts.registered_at, grain);
    let key = |scope| KpiKey {
        scope,
        period: period.clone(),
    };
    let mut keys = vec![(key(Scope::All), None)];
    if chain.is_empty() {
        keys.push((key(Scope::Region(facts.region.clone())), None));
    }
    keys.extend(chain.iter().map(|r| (key(Scope::Region(r.clone())), None)));
    let mut units: Vec<&str> = facts.tallies.iter().map(|t| t.unit.as_str()).collect();
    units.push(&facts.charged_unit);
    units.sort_unstable();
    units.dedup();
    keys.extend(
        units
            .into_iter()
            .map(|u| (key(Scope::Unit(u.to_string())), Some(u.to_string()))),
    );
    keys
}

/// A set of cells kept in step with the cases: every case counts once in the overall cell, in
/// its region and each region above it, and in each unit charged with one of its outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiRollup {
    pub grain: Option<Grain>,
    pub cells: BTreeMap<KpiKey, KpiCounts>,
}

impl KpiRollup {
    pub fn new(grain: Grain) -> Self {
        KpiRollup {
            grain: Some(grain),
            cells: BTreeMap::new(),
        }
    }

    fn grain(&self) -> Grain {
        self.grain.unwrap_or(Grain::Month)
    }

    /// The cells a case touches, with the unit filter each uses.
    pub fn keys(&self, facts: &CaseFacts, dir: &Directory) -> Vec<(KpiKey, Option<String>)> {
        let chain: Vec<String> = dir
            .chain(&facts.region)
            .into_iter()
            .map(str::to_string)
            .collect();
        cell_keys(facts, &chain, self.grain())
    }

    pub fn add(&mut self, facts: &CaseFacts, dir: &Directory) {
        for (k, unit) in self.keys(facts, dir) {
            self.cells.entry(k).or_default().add(facts, unit.as_deref());
        }
    }

    /// Removes a case's earlier facts, all cells or none.
    pub fn remove(&mut self, facts: &CaseFacts, dir: &Directory) -> Result<(), KpiError> {
        let mut updated = Vec::new();
        for (k, unit) in self.keys(facts, dir) {
            let mut cell = self.cells.get(&k).cloned().unwrap_or_default();
            cell.remove(facts, unit.as_deref()).map_err(|e| match e {
                KpiError::NotCounted { case, metric, .. } => KpiError::NotCounted {
                    case,
                    metric,
                    key: format!("{:?}@{}", k.scope, k.period),
                },
                other => other,
            })?;
            updated.push((k, cell));
        }
        for (k, cell) in updated {
            if cell.is_empty() {
                self.cells.remove(&k);
            } else {
                self.cells.insert(k, cell);
            }
        }
        Ok(())
    }

    /// Replaces a case's facts after a new event, a link change or a passed `valid_until`.
    pub fn replace(
        &mut self,
        old: &CaseFacts,
        new: &CaseFacts,
        dir: &Directory,
    ) -> Result<(), KpiError> {
        self.remove(old, dir)?;
        self.add(new, dir);
        Ok(())
    }

    pub fn merge(&mut self, other: &KpiRollup) {
        for (k, c) in &other.cells {
            self.cells.entry(k.clone()).or_default().merge(c);
        }
        self.cells.retain(|_, c| !c.is_empty());
    }

    pub fn get(&self, scope: &Scope, period: &str) -> Option<&KpiCounts> {
        self.cells.get(&KpiKey {
            scope: scope.clone(),
            period: period.to_string(),
        })
    }

    /// One scope summed over a range of period keys (inclusive, compared as text, which orders
    /// ISO dates correctly within one grain).
    pub fn sum(&self, scope: &Scope, from: &str, to: &str) -> KpiCounts {
        let mut out = KpiCounts::default();
        for (k, c) in &self.cells {
            if &k.scope == scope && k.period.as_str() >= from && k.period.as_str() <= to {
                out.merge(c);
            }
        }
        out
    }
}
