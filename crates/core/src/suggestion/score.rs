//! The scoreboard (per region and office) and the weighted assessment (rules.md §4.3 lists the
//! indicators seen in practice: number collected, 采纳率, 重要建议采纳率, conversions, feedback
//! rate, rewards). As for the case KPIs (docs/kpi.md), one [`SuggestionFacts`] record per
//! suggestion, then mergeable [`ScoreCounts`]: add, remove and merge, so a scoreboard kept up to
//! date suggestion by suggestion equals a recount.

use super::workflow::{SuggestionDeadline, SuggestionState, due};
use super::{
    Adoption, AssessmentPolicy, ConversionRoute, MissingData, ScoreComponent, SuggestionStatus,
};
use crate::calendar::Calendar;
use crate::kpi::{Grain, KpiError, KpiKey, Rate, Scope, period_key};
use crate::policy::PolicySet;
use crate::region::Directory;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the scoreboard needs to know about one suggestion as of one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionFacts {
    pub id: uuid::Uuid,
    pub as_of: DateTime<Utc>,
    pub region: String,
    pub office_unit: String,
    pub registered_at: DateTime<Utc>,
    pub status: SuggestionStatus,
    pub important: bool,
    /// Known once every unit answered.
    pub outcome: Option<Adoption>,
    pub conversions: Vec<ConversionRoute>,
    pub reward_yuan: Option<u64>,
    /// `Some(true)` feedback in time, `Some(false)` late or overdue and still missing, `None`
    /// not due yet or no feedback owed.
    pub feedback_on_time: Option<bool>,
    /// Each unit's answer: in time or not (overdue unanswered counts as not), once known.
    pub answers: Vec<(String, bool)>,
    /// The first instant at which these facts may change without an event.
    pub valid_until: Option<DateTime<Utc>>,
    /// A deadline was past the calendar; re-derive after it is extended.
    pub calendar_gap: bool,
}

/// Derives the facts of a suggestion from its current state at `as_of` (not before its last
/// event).
pub fn derive(
    s: &SuggestionState,
    p: &PolicySet,
    cal: &Calendar,
    as_of: DateTime<Utc>,
) -> SuggestionFacts {
    let mut valid_until: Option<DateTime<Utc>> = None;
    let mut gap = false;
    let mut wait = |t: DateTime<Utc>| {
        valid_until = Some(valid_until.map_or(t, |v| v.min(t)));
    };
    // Judges a duty met at `done` (or still open) against its due instant.
    let mut judge = |kind, unit: Option<&str>, done: Option<DateTime<Utc>>| -> Option<bool> {
        match due(s, kind, unit, p, cal) {
            Ok(d) => match done {
                Some(at) => Some(at < d.due),
                None if as_of >= d.due => Some(false),
                None => {
                    wait(d.due);
                    None
                }
            },
            Err(_) => {
                gap = true;
                None
            }
        }
    };
    let answers = s
        .units
        .iter()
        .filter_map(|u| {
            judge(
                SuggestionDeadline::Answer,
                Some(&u.unit),
                u.answer.as_ref().map(|a| a.at),
            )
            .map(|ok| (u.unit.clone(), ok))
        })
        .collect();
    let feedback_on_time = if s.answered_at.is_some() {
        judge(
            SuggestionDeadline::Feedback,
            None,
            s.feedback.as_ref().map(|f| f.at),
        )
    } else {
        None
    };
    SuggestionFacts {
        id: s.id,
        as_of,
        region: s.region.clone(),
        office_unit: s.office_unit.clone(),
        registered_at: s.registered_at,
        status: s.status,
        important: s.important,
        outcome: s.outcome,
        conversions: s.conversions.iter().map(|c| c.route).collect(),
        reward_yuan: s.reward.as_ref().map(|r| r.amount_yuan),
        feedback_on_time,
        answers,
        valid_until,
        calendar_gap: gap,
    }
}

/// Counts of one scoreboard cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreCounts {
    /// Every submission (收到).
    pub received: u64,
    /// Redirected to the petition or hotline flow (not suggestions).
    pub redirected: u64,
    pub withdrawn: u64,
    /// Screened in as suggestions (受理).
    pub accepted: u64,
    /// With a known outcome, and by outcome.
    pub answered: u64,
    pub outcomes: BTreeMap<Adoption, u64>,
    /// 重要建议 with a known outcome, and those adopted fully or partly.
    pub important_answered: u64,
    pub important_adopted: u64,
    pub conversions: BTreeMap<ConversionRoute, u64>,
    pub rewards: u64,
    pub reward_yuan: u64,
    pub feedback_on_time: u64,
    pub feedback_late: u64,
    pub answers_on_time: u64,
    pub answers_late: u64,
}

impl ScoreCounts {
    pub fn outcome(&self, a: Adoption) -> u64 {
        self.outcomes.get(&a).copied().unwrap_or(0)
    }

    /// 采纳 + 部分采纳.
    pub fn adopted(&self) -> u64 {
        self.outcome(Adoption::Adopted) + self.outcome(Adoption::PartlyAdopted)
    }

    /// 采纳率: adopted fully or partly among suggestions with a known outcome.
    pub fn adoption_rate(&self) -> Rate {
        Rate {
            num: self.adopted(),
            den: self.answered,
        }
    }

    pub fn important_adoption_rate(&self) -> Rate {
        Rate {
            num: self.important_adopted,
            den: self.important_answered,
        }
    }

    pub fn feedback_timeliness(&self) -> Rate {
        Rate {
            num: self.feedback_on_time,
            den: self.feedback_on_time + self.feedback_late,
        }
    }

    pub fn answer_timeliness(&self) -> Rate {
        Rate {
            num: self.answers_on_time,
            den: self.answers_on_time + self.answers_late,
        }
    }

    pub fn conversions_total(&self) -> u64 {
        self.conversions.values().sum()
    }

    /// Adds (`add`) or takes away one suggestion's facts; `None` on underflow.
    fn step(&self, f: &SuggestionFacts, add: bool) -> Option<ScoreCounts> {
        let mut n = self.clone();
        let op = |x: &mut u64, by: u64| -> Option<()> {
            *x = if add {
                x.checked_add(by)?
            } else {
                x.checked_sub(by)?
            };
            Some(())
        };
        op(&mut n.received, 1)?;
        match f.status {
            SuggestionStatus::Redirected => op(&mut n.redirected, 1)?,
            SuggestionStatus::Withdrawn => op(&mut n.withdrawn, 1)?,
            SuggestionStatus::Registered => {}
            _ => op(&mut n.accepted, 1)?,
        }
        if let Some(o) = f.outcome {
            op(&mut n.answered, 1)?;
            op(n.outcomes.entry(o).or_default(), 1)?;
            if f.important {
                op(&mut n.important_answered, 1)?;
                if o.is_adopted() {
                    op(&mut n.important_adopted, 1)?;
                }
            }
        }
        for r in &f.conversions {
            op(n.conversions.entry(*r).or_default(), 1)?;
        }
        if let Some(y) = f.reward_yuan {
            op(&mut n.rewards, 1)?;
            op(&mut n.reward_yuan, y)?;
        }
        match f.feedback_on_time {
            Some(true) => op(&mut n.feedback_on_time, 1)?,
            Some(false) => op(&mut n.feedback_late, 1)?,
            None => {}
        }
        for (_, ok) in &f.answers {
            if *ok {
                op(&mut n.answers_on_time, 1)?;
            } else {
                op(&mut n.answers_late, 1)?;
            }
        }
        n.outcomes.retain(|_, v| *v > 0);
        n.conversions.retain(|_, v| *v > 0);
        Some(n)
    }

    pub fn add(&mut self, f: &SuggestionFacts) {
        if let Some(n) = self.step(f, true) {
            *self = n;
        }
    }

    /// Takes away what `add` added; refuses (changing nothing) if it was never added.
    pub fn remove(&mut self, f: &SuggestionFacts) -> Result<(), KpiError> {
        *self = self.step(f, false).ok_or(KpiError::NotCounted {
            case: f.id,
            metric: "suggestion",
            key: f.office_unit.clone(),
        })?;
        Ok(())
    }

    pub fn merge(&mut self, o: &ScoreCounts) {
        self.received += o.received;
        self.redirected += o.redirected;
        self.withdrawn += o.withdrawn;
        self.accepted += o.accepted;
        self.answered += o.answered;
        for (k, v) in &o.outcomes {
            *self.outcomes.entry(*k).or_default() += v;
        }
        self.important_answered += o.important_answered;
        self.important_adopted += o.important_adopted;
        for (k, v) in &o.conversions {
            *self.conversions.entry(*k).or_default() += v;
        }
        self.rewards += o.rewards;
        self.reward_yuan += o.reward_yuan;
        self.feedback_on_time += o.feedback_on_time;
        self.feedback_late += o.feedback_late;
        self.answers_on_time += o.answers_on_time;
        self.answers_late += o.answers_late;
        self.outcomes.retain(|_, v| *v > 0);
        self.conversions.retain(|_, v| *v > 0);
    }

    pub fn is_empty(&self) -> bool {
        *self == ScoreCounts::default()
    }
}

/// Cells per scope and period: each suggestion counts once overall, in its region and every
/// region above it, and under its office (`Scope::Unit`), in the period of its registration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scoreboard {
    pub grain: Option<Grain>,
    pub cells: BTreeMap<KpiKey, ScoreCounts>,
}

impl Scoreboard {
    pub fn new(grain: Grain) -> Self {
        Scoreboard {
            grain: Some(grain),
            cells: BTreeMap::new(),
        }
    }

    pub fn keys(&self, f: &SuggestionFacts, dir: &Directory) -> Vec<KpiKey> {
        let period = period_key(f.registered_at, self.grain.unwrap_or(Grain::Month));
        let key = |scope| KpiKey {
            scope,
            period: period.clone(),
        };
        let mut chain: Vec<String> = dir
            .chain(&f.region)
            .into_iter()
            .map(str::to_string)
            .collect();
        if chain.is_empty() {
            chain.push(f.region.clone());
        }
        let mut keys = vec![key(Scope::All)];
        keys.extend(chain.into_iter().map(|r| key(Scope::Region(r))));
        keys.push(key(Scope::Unit(f.office_unit.clone())));
        keys
    }

    pub fn add(&mut self, f: &SuggestionFacts, dir: &Directory) {
        for k in self.keys(f, dir) {
            self.cells.entry(k).or_default().add(f);
        }
    }

    /// Removes a suggestion's earlier facts, from all its cells or none.
    pub fn remove(&mut self, f: &SuggestionFacts, dir: &Directory) -> Result<(), KpiError> {
        let mut updated = Vec::new();
        for k in self.keys(f, dir) {
            let mut cell = self.cells.get(&k).cloned().unwrap_or_default();
            cell.remove(f)?;
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

    pub fn replace(
        &mut self,
        old: &SuggestionFacts,
        new: &SuggestionFacts,
        dir: &Directory,
    ) -> Result<(), KpiError> {
        self.remove(old, dir)?;
        self.add(new, dir);
        Ok(())
    }

    pub fn merge(&mut self, other: &Scoreboard) {
        for (k, c) in &other.cells {
            self.cells.entry(k.clone()).or_default().merge(c);
        }
        self.cells.retain(|_, c| !c.is_empty());
    }

    pub fn get(&self, scope: &Scope, period: &str) -> Option<&ScoreCounts> {
        self.cells.get(&KpiKey {
            scope: scope.clone(),
            period: period.to_string(),
        })
    }

    /// One scope summed over period keys `from..=to`.
    pub fn sum(&self, scope: &Scope, from: &str, to: &str) -> ScoreCounts {
        let mut out = ScoreCounts::default();
        for (k, c) in &self.cells {
            if &k.scope == scope && k.period.as_str() >= from && k.period.as_str() <= to {
                out.merge(c);
            }
        }
        out
    }
}

/// Points are kept in millionths so sums and rankings are exact integers.
pub const MICRO: u64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComponentScore {
    pub component: ScoreComponent,
    /// The value scored (volume components capped at their target).
    pub value: Rate,
    pub weight: u32,
    /// `weight × value`, in millionths of a point, rounded down; 0 without data.
    pub points_micro: u64,
    pub has_data: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub components: Vec<ComponentScore>,
    /// The score in millionths of a point (out of `max_points`).
    pub points_micro: u64,
    pub max_points: u32,
}

impl Assessment {
    /// "87.25".
    pub fn display(&self) -> String {
        let hundredths = self.points_micro / (MICRO / 100);
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

/// The weighted score: `Σ weight × value` over the components with a weight. Rates are 采纳率,
/// 重要建议采纳率 and 按期反馈率; volumes are accepted suggestions and conversions against their
/// targets, capped at 1. A rate without data scores nothing (`missing = "zero"`) or is left out
/// with the total scaled by `Σ all weights / Σ weights with data` (`"reweight"`).
pub fn assess(c: &ScoreCounts, p: &AssessmentPolicy) -> Assessment {
    let capped = |n: u64, target: u64| Rate {
        num: n.min(target),
        den: target,
    };
    let mut components = Vec::new();
    for (&component, &weight) in &p.weights {
        let value = match component {
            ScoreComponent::Received => capped(c.accepted, p.received_target),
            ScoreComponent::Adoption => c.adoption_rate(),
            ScoreComponent::ImportantAdoption => c.important_adoption_rate(),
            ScoreComponent::Conversion => capped(c.conversions_total(), p.conversions_target),
            ScoreComponent::FeedbackTimeliness => c.feedback_timeliness(),
        };
        let has_data = value.den > 0;
        let points_micro = if has_data {
            (u128::from(weight) * u128::from(MICRO) * u128::from(value.num) / u128::from(value.den))
                as u64
        } else {
            0
        };
        components.push(ComponentScore {
            component,
            value,
            weight,
            points_micro,
            has_data,
        });
    }
    let total_w: u64 = components.iter().map(|x| u64::from(x.weight)).sum();
    let data_w: u64 = components
        .iter()
        .filter(|x| x.has_data)
        .map(|x| u64::from(x.weight))
        .sum();
    let sum: u64 = components.iter().map(|x| x.points_micro).sum();
    let points_micro = match p.missing {
        MissingData::Zero => sum,
        MissingData::Reweight if data_w == 0 => 0,
        MissingData::Reweight => {
            (u128::from(sum) * u128::from(total_w) / u128::from(data_w)) as u64
        }
    };
    Assessment {
        components,
        points_micro,
        max_points: total_w as u32,
    }
}

/// One row of the league table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeagueRow {
    /// Competition ranking: equal scores share a rank and the next rank skips (1, 2, 2, 4).
    pub rank: u32,
    pub id: String,
    pub assessment: Assessment,
    pub counts: ScoreCounts,
}

/// Ranks regions or offices by score, highest first; equal scores by id, so the order never
/// depends on the input order.
pub fn league_table(entries: Vec<(String, ScoreCounts)>, p: &AssessmentPolicy) -> Vec<LeagueRow> {
    let mut rows: Vec<LeagueRow> = entries
        .into_iter()
        .map(|(id, counts)| LeagueRow {
            rank: 0,
            assessment: assess(&counts, p),
            id,
            counts,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.assessment
            .points_micro
            .cmp(&a.assessment.points_micro)
            .then_with(|| a.id.cmp(&b.id))
    });
    for i in 0..rows.len() {
        rows[i].rank =
            if i > 0 && rows[i].assessment.points_micro == rows[i - 1].assessment.points_micro {
                rows[i - 1].rank
            } else {
                i as u32 + 1
            };
    }
    rows
}
