//! Early warning (苗头性、预警性信息, rules.md §6): rules as pure functions over plain inputs the
//! caller fills (from the store and the text module), thresholds and levels from policy
//! `[alert]`. A rule returns an [`AlertDraft`]: the level, the rule, and the evidence (cases,
//! matched phrases, the count against its threshold). Raising, acknowledging, escalating and
//! closing are in [`lifecycle`].

pub mod lifecycle;

pub use lifecycle::{
    Alert, AlertCommand, AlertError, AlertEvent, AlertStatus, apply, decide, due_escalations,
    report_due,
};

use crate::kpi::CaseFacts;
use crate::policy::AlertPolicy;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which rule raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    RiskLexicon,
    GroupMatter,
    Spike,
    Cluster,
    RepeatPetitioner,
    SkipLevel,
}

impl AlertRule {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::RiskLexicon => "risk_lexicon",
            AlertRule::GroupMatter => "group_matter",
            AlertRule::Spike => "spike",
            AlertRule::Cluster => "cluster",
            AlertRule::RepeatPetitioner => "repeat_petitioner",
            AlertRule::SkipLevel => "skip_level",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            AlertRule::RiskLexicon => "风险词命中",
            AlertRule::GroupMatter => "群体性事项",
            AlertRule::Spike => "诉求激增",
            AlertRule::Cluster => "多人相似诉求",
            AlertRule::RepeatPetitioner => "重复信访人",
            AlertRule::SkipLevel => "越级访",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            AlertRule::RiskLexicon => "Risk phrase",
            AlertRule::GroupMatter => "Group matter",
            AlertRule::Spike => "Spike",
            AlertRule::Cluster => "Near-duplicates from many people",
            AlertRule::RepeatPetitioner => "Repeat petitioner",
            AlertRule::SkipLevel => "Skip-level visit",
        }
    }
}

/// Why an alert was raised, in terms a duty officer can check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub cases: Vec<uuid::Uuid>,
    /// Matched risk phrases, `category:phrase`.
    pub phrases: Vec<String>,
    /// What was counted (people, cases, petitioners) …
    pub count: u32,
    /// … and the threshold it reached.
    pub threshold: u32,
    pub place: Option<String>,
    pub topic: Option<String>,
}

/// An alert a rule wants raised. `key` identifies the situation (rule + subject + window), so the
/// store raises it once and does not re-raise while an alert with that key is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDraft {
    pub rule: AlertRule,
    pub level: u8,
    pub key: String,
    pub evidence: Evidence,
}

/// A risk-lexicon hit as the text module reports it (category and phrase only: core does not
/// depend on minsheng-text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskHit {
    pub category: String,
    pub phrase: String,
}

/// Risk phrases in one case's text: the most severe category sets the level.
pub fn risk_lexicon(p: &AlertPolicy, case: uuid::Uuid, hits: &[RiskHit]) -> Option<AlertDraft> {
    let rule = &p.risk_lexicon;
    let level = hits
        .iter()
        .map(|h| {
            rule.categories
                .get(&h.category)
                .copied()
                .unwrap_or(rule.default_level)
        })
        .min()?;
    let phrases: BTreeSet<String> = hits
        .iter()
        .map(|h| format!("{}:{}", h.category, h.phrase))
        .collect();
    Some(AlertDraft {
        rule: AlertRule::RiskLexicon,
        level,
        key: format!("risk_lexicon:{case}"),
        evidence: Evidence {
            cases: vec![case],
            phrases: phrases.into_iter().collect(),
            count: hits.len() as u32,
            threshold: 1,
            ..Evidence::default()
        },
    })
}

/// One case on a matter, with the people behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterCase {
    pub case: uuid::Uuid,
    pub petitioner: uuid::Uuid,
    /// `group_size` of the registration (1 for a single petitioner).
    pub people: u32,
    pub at: DateTime<Utc>,
}

/// People on one matter: a group visit of N, or several cases on the same matter. A petitioner
/// who comes back is counted once, with the largest group they brought.
fn people(cases: &[MatterCase]) -> u32 {
    let mut by_petitioner: BTreeMap<uuid::Uuid, u32> = BTreeMap::new();
    for c in cases {
        let n = by_petitioner.entry(c.petitioner).or_default();
        *n = (*n).max(c.people);
    }
    by_petitioner.values().sum()
}

/// 群体性事项: at least the first tier's people on one matter (`matter` is the store's key for
/// it, e.g. the merged-case id); the highest tier reached sets the level.
pub fn group_matter(p: &AlertPolicy, matter: &str, cases: &[MatterCase]) -> Option<AlertDraft> {
    let n = people(cases);
    let tier = p.group.iter().rev().find(|t| n >= t.min_people)?;
    Some(AlertDraft {
        rule: AlertRule::GroupMatter,
        level: tier.level,
        key: format!("group_matter:{matter}:{}", tier.min_people),
        evidence: Evidence {
            cases: cases.iter().map(|c| c.case).collect(),
            count: n,
            threshold: tier.min_people,
            ..Evidence::default()
        },
    })
}

/// Cases on one place × topic: those in the current window, and how many the same place had in
/// the `baseline_days` before the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpikeInput {
    pub place: String,
    pub topic: String,
    pub window_cases: Vec<uuid::Uuid>,
    pub baseline_cases: u32,
}

/// The key of a place × topic's spike alert on `now`'s day (China time): one alert a day.
pub fn spike_key(place: &str, topic: &str, now: DateTime<Utc>) -> String {
    format!("spike:{place}:{topic}:{}", crate::deadline::local_date(now))
}

/// 诉求激增: the window holds at least `min_cases`, and at least `factor_percent` % of what the
/// place's own baseline rate predicts for a window of that length. Exact integer arithmetic, so
/// a threshold is met exactly at the threshold.
pub fn spike(p: &AlertPolicy, input: &SpikeInput, now: DateTime<Utc>) -> Option<AlertDraft> {
    let r = &p.spike;
    let n = input.window_cases.len() as u64;
    if !spike_fires(p, n, input.baseline_cases) {
        return None;
    }
    let rhs =
        u64::from(r.factor_percent) * u64::from(input.baseline_cases) * u64::from(r.window_days);
    // The fewest cases that would have fired, shown as the threshold reached.
    let needed = rhs.div_ceil(u64::from(r.baseline_days) * 100) as u32;
    Some(AlertDraft {
        rule: AlertRule::Spike,
        level: r.level,
        key: spike_key(&input.place, &input.topic, now),
        evidence: Evidence {
            cases: input.window_cases.clone(),
            count: n as u32,
            threshold: r.min_cases.max(needed),
            place: Some(input.place.clone()),
            topic: Some(input.topic.clone()),
            ..Evidence::default()
        },
    })
}

/// Whether `window` cases in the window against `baseline` cases before it fire [`spike`], so
/// that the window's case list is read only when it does.
pub fn spike_fires(p: &AlertPolicy, window: u64, baseline: u32) -> bool {
    let r = &p.spike;
    // window / window_days ≥ factor × baseline / baseline_days
    window >= u64::from(r.min_cases)
        && window * u64::from(r.baseline_days) * 100
            >= u64::from(r.factor_percent) * u64::from(baseline) * u64::from(r.window_days)
}

/// "Within the last M days": `(now - M days, now]`.
fn in_window(at: DateTime<Utc>, now: DateTime<Utc>, days: u32) -> bool {
    at <= now && at > now - Duration::days(i64::from(days))
}

/// 多人相似诉求: near-duplicate texts (grouped by the text module; `cluster` is its id) from at
/// least `min_petitioners` different people within the window.
pub fn cluster(
    p: &AlertPolicy,
    cluster: &str,
    cases: &[MatterCase],
    now: DateTime<Utc>,
) -> Option<AlertDraft> {
    let r = &p.cluster;
    let recent: Vec<&MatterCase> = cases
        .iter()
        .filter(|c| in_window(c.at, now, r.window_days))
        .collect();
    let petitioners: BTreeSet<uuid::Uuid> = recent.iter().map(|c| c.petitioner).collect();
    let n = petitioners.len() as u32;
    if n < r.min_petitioners {
        return None;
    }
    Some(AlertDraft {
        rule: AlertRule::Cluster,
        level: r.level,
        key: format!("cluster:{cluster}"),
        evidence: Evidence {
            cases: recent.iter().map(|c| c.case).collect(),
            count: n,
            threshold: r.min_petitioners,
            ..Evidence::default()
        },
    })
}

/// 重复信访人: at least `cases` cases from one petitioner within the last `days` days.
pub fn repeat_petitioner(
    p: &AlertPolicy,
    petitioner: uuid::Uuid,
    cases: &[(uuid::Uuid, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Option<AlertDraft> {
    let r = &p.repeat_petitioner;
    let recent: Vec<uuid::Uuid> = cases
        .iter()
        .filter(|(_, at)| in_window(*at, now, r.days))
        .map(|(c, _)| *c)
        .collect();
    let n = recent.len() as u32;
    if n < r.cases {
        return None;
    }
    Some(AlertDraft {
        rule: AlertRule::RepeatPetitioner,
        level: r.level,
        // One alert per petitioner per day the threshold is reached.
        key: format!(
            "repeat_petitioner:{petitioner}:{}",
            crate::deadline::local_date(now)
        ),
        evidence: Evidence {
            cases: recent,
            count: n,
            threshold: r.cases,
            ..Evidence::default()
        },
    })
}

/// 越级访: registration flagged the visit as skipping a level (rules.md §1.7).
pub fn skip_level(p: &AlertPolicy, facts: &CaseFacts) -> Option<AlertDraft> {
    facts.skip_level.then(|| AlertDraft {
        rule: AlertRule::SkipLevel,
        level: p.skip_level.level,
        key: format!("skip_level:{}", facts.case_id),
        evidence: Evidence {
            cases: vec![facts.case_id],
            count: 1,
            threshold: 1,
            place: Some(facts.region.clone()),
            topic: Some(facts.topic.clone()),
            ..Evidence::default()
        },
    })
}
