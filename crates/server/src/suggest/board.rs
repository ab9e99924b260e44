//! The scoreboard (per region and per office) and its league tables, recounted from the stored
//! suggestions with core's `score` functions. Suggestion volumes are small (hundreds a year per
//! city), so a recount per request is cheap and always agrees with the events; a persisted
//! projection like the case KPIs can replace it when volumes call for one.

use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::kpi::{Grain, Scope};
use minsheng_core::region::Level;
use minsheng_core::suggestion::score::{self, LeagueRow, ScoreCounts, Scoreboard};
use std::collections::BTreeSet;

/// One scope of the board with its counts and score.
pub struct Board {
    pub total: LeagueRow,
    /// Offices (征集办), ranked.
    pub offices: Vec<LeagueRow>,
    /// Counties and cities, ranked.
    pub regions: Vec<LeagueRow>,
    pub from: String,
    pub to: String,
}

/// Recounts the board for the years `from`..=`to` (China time, "2026") as of `as_of`.
pub async fn compute(
    st: &AppState,
    from: &str,
    to: &str,
    as_of: DateTime<Utc>,
) -> ApiResult<Board> {
    let dir = st.directory();
    let (board, offices) = tally(st, as_of).await?;
    let national = st.policy.for_chain(&[]);
    let p = &national.suggestion.assessment_score;
    let sum = |scope: Scope| board.sum(&scope, from, to);
    let offices: Vec<(String, ScoreCounts)> = offices
        .into_iter()
        .map(|u| {
            let c = sum(Scope::Unit(u.clone()));
            (u, c)
        })
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let regions: Vec<(String, ScoreCounts)> = dir
        .regions()
        .filter(|r| matches!(r.level, Level::City | Level::County))
        .map(|r| (r.code.clone(), sum(Scope::Region(r.code.clone()))))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let mut total = score::league_table(vec![("all".into(), sum(Scope::All))], p);
    Ok(Board {
        total: total.remove(0),
        offices: score::league_table(offices, p),
        regions: score::league_table(regions, p),
        from: from.into(),
        to: to.into(),
    })
}

/// The counts of one scope (all, a region's subtree, an office) for the years `from`..=`to`:
/// what the annual report prints as suggestions received, adopted and converted.
pub async fn counts(
    st: &AppState,
    scope: &Scope,
    from: &str,
    to: &str,
    as_of: DateTime<Utc>,
) -> ApiResult<ScoreCounts> {
    let (board, _) = tally(st, as_of).await?;
    Ok(board.sum(scope, from, to))
}

/// Every stored suggestion's facts added to a yearly board, and the offices seen.
async fn tally(st: &AppState, as_of: DateTime<Utc>) -> ApiResult<(Scoreboard, BTreeSet<String>)> {
    let dir = st.directory();
    let mut board = Scoreboard::new(Grain::Year);
    let mut offices = BTreeSet::new();
    let mut after = None;
    loop {
        let page = st.store.suggestions_page(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for s in &page {
            let policy = st.policy_for_region(&s.region);
            let facts = score::derive(s, &policy, &st.calendar, as_of);
            offices.insert(s.office_unit.clone());
            board.add(&facts, &dir);
        }
    }
    Ok((board, offices))
}

/// A year filter as typed ("2026"), or the widest range.
pub fn year_or(v: Option<&str>, default: &str) -> String {
    match v.map(str::trim) {
        Some(y) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => y.to_string(),
        _ => default.to_string(),
    }
}
