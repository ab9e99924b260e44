//! Rewards for adopted suggestions (《信访工作条例》Art. 29; Shanghai Art. 16 优秀人民建议评选;
//! tiers and cycles from rules.md §4.3). The cycle and the tiers are policy
//! (`[suggestion.reward]`); the rules a single suggestion must meet (adopted or partly adopted,
//! never rewarded before, in the cycle of its adoption) are checked by the workflow decider, and
//! the per-cycle quota of a tier by [`check_quota`] over the cycle's awards.

use super::RewardPolicy;
use super::policy::RewardTier;
use crate::error::DomainError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const ARTICLE: &str = "《上海市人民建议征集若干规定》第十六条";

/// Parses "MM-DD" (29 February is refused: a cycle must start on the same day every year).
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    if (m, d) == (2, 29) {
        return None;
    }
    NaiveDate::from_ymd_opt(2025, m, d).map(|_| (m, d))
}

/// One award cycle: `start` to `end` inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardCycle {
    /// "2026" for a calendar-year cycle, else "2025-11-01~2026-10-31".
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The cycle a day falls in. Cycles start on `cycle_start` every `cycle_years` years, counted
/// from year 2000 (so a three-year cycle is 2024–2026, 2027–2029, …).
pub fn cycle_of(day: NaiveDate, p: &RewardPolicy) -> AwardCycle {
    let (m, d) = parse_month_day(&p.cycle_start).unwrap_or((1, 1));
    let years = p.cycle_years.max(1) as i32;
    let start_in = |y: i32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(day);
    // The most recent cycle-start anniversary on or before `day`.
    let mut y = day.year();
    if start_in(y) > day {
        y -= 1;
    }
    let y = y - (y - 2000).rem_euclid(years);
    let start = start_in(y);
    let end = start_in(y + years).pred_opt().unwrap_or(start);
    let label = if (m, d) == (1, 1) && years == 1 {
        y.to_string()
    } else {
        format!("{start}~{end}")
    };
    AwardCycle { label, start, end }
}

pub fn tier<'a>(p: &'a RewardPolicy, code: &str) -> Result<&'a RewardTier, DomainError> {
    p.tiers
        .iter()
        .find(|t| t.code == code)
        .ok_or_else(|| DomainError::Unknown {
            what: "reward_tier",
            id: code.to_string(),
        })
}

/// May one more award of `tier` be made in a cycle that already has `awarded` (the tier codes
/// of the cycle's awards)?
pub fn check_quota(awarded: &[&str], tier_code: &str, p: &RewardPolicy) -> Result<(), DomainError> {
    let t = tier(p, tier_code)?;
    if let Some(q) = t.quota {
        let used = awarded.iter().filter(|c| **c == tier_code).count() as u32;
        if used >= q {
            return Err(DomainError::rule(
                "reward_quota_reached",
                ARTICLE,
                format!("本评选周期{}名额（{q}个）已满", t.zh),
                format!("all {q} {} awards of this cycle are taken", t.en),
            ));
        }
    }
    Ok(())
}

pub(crate) fn article() -> &'static str {
    ARTICLE
}
