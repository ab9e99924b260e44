//! 就地化解率 (local-resolution rate) per grid, as docs/kpi.md defines it: of the matters placed
//! in a grid and registered in the period, the share its grid worker resolved on the spot.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::deadline::{china, end_of_day};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One grid's row of the report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GridRateRow {
    pub grid_id: String,
    pub grid_name: String,
    pub region: String,
    /// Matters placed in the grid and registered in the period.
    pub matters: i64,
    /// Of those, resolved on the spot.
    pub resolved_on_spot: i64,
    /// resolved_on_spot ÷ matters, in percent with one decimal; none without matters.
    pub rate_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GridRateReport {
    /// First and last China calendar day counted.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<GridRateRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RateQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

fn day(s: &str, field: &'static str) -> ApiResult<Option<NaiveDate>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            ApiError::bad(
                "invalid_date",
                format!("日期格式应为 YYYY-MM-DD（{field}）"),
                format!("dates are YYYY-MM-DD ({field})"),
            )
        })
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.pred_opt()
        .map(end_of_day)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Who reads the rates: statistics readers every grid, a grid worker their own grids.
fn may_read(actor: &Actor) -> bool {
    access::can_read_statistics(actor) || actor.role == Role::GridWorker
}

/// The report for the query's days (default: this month so far, China time).
pub async fn report(st: &AppState, actor: &Actor, q: &RateQuery) -> ApiResult<GridRateReport> {
    if !may_read(actor) {
        return Err(ApiError::Forbidden);
    }
    let today = crate::service::now().with_timezone(&china()).date_naive();
    let to = day(&q.to, "to")?.unwrap_or(today);
    let from = day(&q.from, "from")?.unwrap_or_else(|| today.with_day0(0).unwrap_or(today));
    if from > to || (to - from).num_days() > 3 * 366 {
        return Err(ApiError::bad(
            "invalid_period",
            "起止日期无效（起始不晚于结束，最长三年）",
            "Invalid period (from not after to, at most three years)",
        ));
    }
    let own = if actor.role == Role::GridWorker {
        Some(super::grids_of(st, actor).await?)
    } else {
        None
    };
    let counts = st.store.grid_rates(start_of(from), end_of_day(to)).await?;
    let rows = st
        .store
        .grids()
        .await?
        .into_iter()
        .filter(|g| own.as_ref().is_none_or(|o| o.contains(&g.id)))
        .map(|g| {
            let c = counts.iter().find(|c| c.grid_id == g.id);
            let (matters, on_spot) = c.map(|c| (c.matters, c.on_spot)).unwrap_or((0, 0));
            GridRateRow {
                rate_percent: (matters > 0)
                    .then(|| (on_spot as f64 * 1000.0 / matters as f64).round() / 10.0),
                grid_id: g.id,
                grid_name: g.name,
                region: g.region,
                matters,
                resolved_on_spot: on_spot,
            }
        })
        .collect();
    Ok(GridRateReport { from, to, rows })
}

use chrono::Datelike;
