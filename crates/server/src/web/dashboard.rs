//! /staff/dashboard: intake trend by channel, topics, deadline health, the KPI table and a
//! league table, and cases by region, for a period and a region the viewer may see. Each chart
//! has its table next to it, and each table downloads as XLSX or CSV (`?table=KEY&format=…`).
//!
//! Who sees what: supervisors and administrators the whole province and any region in it;
//! coordinators their office's region and below; handling officers their own unit only (its
//! KPIs and deadlines: intake volumes are kept by region, not by unit). Intake agents have no
//! dashboard.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::export::{self, ExportFormat};
use super::period::{Period, PeriodKind, PeriodQuery};
use super::present::Choice;
use super::sections::{self, LeagueEntry};
use super::statview::{self, Definition, Section, SectionView};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use minsheng_core::access::{Actor, Role};
use minsheng_core::kpi::{Metric, Scope as KpiScope};
use minsheng_core::region::Directory;
use minsheng_store::ScopeKind;

/// "Due soon" in the deadline-health chart: within three days.
pub const SOON_DAYS: u64 = 3;

#[derive(Debug, Default, serde::Deserialize)]
pub struct DashParams {
    #[serde(flatten)]
    pub period: PeriodQuery,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub table: String,
    #[serde(default)]
    pub format: String,
}

/// What the viewer looks at: a region (None = everything) or their own unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Focus {
    Region(Option<String>),
    Unit(String),
}

impl Focus {
    pub fn kpi_scope(&self) -> KpiScope {
        match self {
            Focus::Region(None) => KpiScope::All,
            Focus::Region(Some(r)) => KpiScope::Region(r.clone()),
            Focus::Unit(u) => KpiScope::Unit(u.clone()),
        }
    }

    fn region(&self) -> Option<&str> {
        match self {
            Focus::Region(r) => r.as_deref(),
            Focus::Unit(_) => None,
        }
    }
}

/// The focus a viewer asked for, if their role allows it; `requested` is a region code or "".
pub fn focus_for(st: &AppState, actor: &Actor, requested: &str) -> ApiResult<Focus> {
    let dir = st.directory();
    if !requested.is_empty() {
        dir.region(requested)?;
    }
    let want = (!requested.is_empty()).then(|| requested.to_string());
    match actor.role {
        Role::Supervisor | Role::Admin | Role::Analyst => Ok(Focus::Region(want)),
        Role::Coordinator => {
            let unit = actor.unit.as_deref().ok_or(ApiError::Forbidden)?;
            let home = dir.unit(unit)?.region.clone();
            match want {
                None => Ok(Focus::Region(Some(home))),
                Some(r) if dir.is_within(&r, &home) => Ok(Focus::Region(Some(r))),
                Some(_) => Err(ApiError::Forbidden),
            }
        }
        Role::Handler => {
            if want.is_some() {
                return Err(ApiError::Forbidden);
            }
            Ok(Focus::Unit(actor.unit.clone().ok_or(ApiError::Forbidden)?))
        }
        _ => Err(ApiError::Forbidden),
    }
}

/// Region codes of a region's subtree (for case-table filters).
pub fn subtree(dir: &Directory, region: &str) -> Vec<String> {
    dir.regions()
        .filter(|r| dir.is_within(&r.code, region))
        .map(|r| r.code.clone())
        .collect()
}

fn children<'a>(
    dir: &'a Directory,
    region: Option<&'a str>,
) -> impl Iterator<Item = &'a minsheng_core::region::Region> + 'a {
    dir.regions().filter(move |r| r.parent.as_deref() == region)
}

pub fn basically(st: &AppState) -> bool {
    st.policy.national().rating.basically_counts_as_satisfied
}

/// Every section of the dashboard for one focus and period.
pub async fn sections(
    st: &AppState,
    actor: &Actor,
    focus: &Focus,
    period: &Period,
    metric: Metric,
    rank_units: bool,
    c: &Chrome,
) -> ApiResult<Vec<Section>> {
    let dir = st.directory();
    let store = &st.store;
    let tag = period.tag();
    let basically = basically(st);
    let mut out = Vec::new();
    if let Focus::Region(region) = focus {
        let trend = store
            .volume(
                period.trend_grain,
                region.as_deref(),
                &period.trend_from,
                &period.trend_to,
            )
            .await?;
        out.push(sections::trend_section(
            &trend,
            period.trend_cut,
            &period.trend_keys(),
            c,
            &tag,
        ));
        let totals = store
            .volume(period.grain, region.as_deref(), &period.from, &period.to)
            .await?;
        out.push(sections::topic_section(&totals, &dir, c, &tag));
    }
    // Deadline health: open cases now, within the viewer's access scope and the focus region.
    let scope = service::stats_scope_for(st, actor)?;
    let regions = focus.region().map(|r| subtree(&dir, r));
    let now = service::now();
    let soon = now + chrono::Duration::days(SOON_DAYS as i64);
    let health = store
        .deadline_health(&scope, regions.as_deref(), now, soon)
        .await?;
    out.push(sections::deadline_section(&health, SOON_DAYS, c, &tag));
    if crate::alerts::may_view(actor) {
        out.push(alert_section(st, actor, focus, period, c, &tag).await?);
    }
    let counts = store
        .kpi_counts(period.grain, &focus.kpi_scope(), &period.from, &period.to)
        .await?;
    out.push(sections::kpi_section(&counts, basically, c, &tag));
    if let Focus::Region(region) = focus {
        let league = if rank_units {
            let rows = store
                .kpi_league(period.grain, ScopeKind::Unit, &period.from, &period.to)
                .await?;
            dir.units()
                .filter(|u| {
                    region
                        .as_deref()
                        .is_none_or(|r| dir.is_within(&u.region, r))
                })
                .map(|u| LeagueEntry {
                    zh: u.name_zh.clone(),
                    en: u.name_en.clone(),
                    counts: rows
                        .iter()
                        .find(|(id, _)| *id == u.id)
                        .map(|(_, k)| k.clone())
                        .unwrap_or_default(),
                })
                .collect()
        } else {
            let rows = store
                .kpi_league(period.grain, ScopeKind::Region, &period.from, &period.to)
                .await?;
            children(&dir, region.as_deref())
                .map(|r| LeagueEntry {
                    zh: r.name_zh.clone(),
                    en: r.name_en.clone(),
                    counts: rows
                        .iter()
                        .find(|(id, _)| *id == r.code)
                        .map(|(_, k)| k.clone())
                        .unwrap_or_default(),
                })
                .collect()
        };
        out.push(sections::league_section(league, metric, basically, c, &tag));
        let volumes = store
            .volume_by_region(period.grain, &period.from, &period.to)
            .await?;
        let entries = children(&dir, region.as_deref())
            .map(|r| {
                let n = volumes
                    .iter()
                    .find(|(code, _)| *code == r.code)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                (r.name_zh.clone(), r.name_en.clone(), n)
            })
            .collect::<Vec<_>>();
        if !entries.is_empty() {
            out.push(sections::region_section(entries, c, &tag));
        }
    }
    Ok(out)
}

/// Alerts raised in the period that the viewer may see, within the focus region, by level.
async fn alert_section(
    st: &AppState,
    actor: &Actor,
    focus: &Focus,
    period: &Period,
    c: &Chrome,
    tag: &str,
) -> ApiResult<Section> {
    let dir = st.directory();
    let levels = st.policy.national().alert.levels.len().max(4);
    let mut counts: Vec<(u8, u64, u64)> = (1..=levels)
        .map(|l| (u8::try_from(l).unwrap_or(u8::MAX), 0, 0))
        .collect();
    let filter = minsheng_store::AlertFilter {
        limit: 20_000,
        ..Default::default()
    };
    for r in crate::alerts::api::visible_alerts(st, actor, &filter).await? {
        let key = minsheng_core::kpi::period_key(r.alert.raised_at, period.grain);
        if key.as_str() < period.from.as_str() || key.as_str() > period.to.as_str() {
            continue;
        }
        if let Some(region) = focus.region()
            && !r
                .region
                .as_deref()
                .is_some_and(|x| dir.is_within(x, region))
        {
            continue;
        }
        if let Some(row) = counts.iter_mut().find(|(l, _, _)| *l == r.alert.level) {
            if r.alert.status == minsheng_core::alert::AlertStatus::Closed {
                row.2 += 1;
            } else {
                row.1 += 1;
            }
        }
    }
    Ok(sections::alert_section(&counts, c, tag))
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    period: Period,
    period_label: String,
    month: String,
    year: String,
    range_from: String,
    range_to: String,
    focus_label: String,
    /// Links to the focus's parent (if any) and its children.
    up: Option<(String, String)>,
    drill: Vec<(String, String)>,
    metrics: Vec<Choice>,
    rank_units: bool,
    sections: Vec<SectionView>,
    definitions: Vec<Definition>,
    is_unit: bool,
    region_code: String,
}

impl DashboardPage {
    fn is_month(&self) -> bool {
        self.period.kind == PeriodKind::Month
    }
    fn is_year(&self) -> bool {
        self.period.kind == PeriodKind::Year
    }
    fn is_range(&self) -> bool {
        self.period.kind == PeriodKind::Range
    }
}

pub fn parse_metric(s: &str) -> ApiResult<Metric> {
    if s.is_empty() {
        return Ok(Metric::OnTimeAnswer);
    }
    Metric::ALL
        .iter()
        .copied()
        .find(|m| m.as_str() == s)
        .ok_or_else(|| ApiError::bad("invalid_metric", "未知的考核指标", "Unknown metric"))
}

/// `format=` as a download format, refusing anything else that is not empty.
pub fn parse_format(s: &str) -> ApiResult<Option<ExportFormat>> {
    if s.is_empty() {
        return Ok(None);
    }
    ExportFormat::parse(s).map(Some).ok_or_else(|| {
        ApiError::bad(
            "invalid_format",
            "下载格式应为 xlsx 或 csv",
            "The download format is xlsx or csv",
        )
    })
}

/// The section named by `table=` as a download.
pub fn download_section(
    sections: &[Section],
    key: &str,
    format: ExportFormat,
) -> ApiResult<Response> {
    let s = sections.iter().find(|s| s.key == key).ok_or_else(|| {
        ApiError::bad(
            "invalid_table",
            "没有这张统计表",
            "There is no such table on this page",
        )
    })?;
    Ok(export::download(&s.table, format))
}

pub async fn dashboard(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(p): Query<DashParams>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let actor = ws.staff.actor();
        let focus = focus_for(&st, &actor, &p.region)?;
        let period = Period::parse(&p.period, service::now())?;
        let metric = parse_metric(&p.metric)?;
        let rank_units = match p.rank.as_str() {
            "" | "regions" => false,
            "units" => true,
            _ => {
                return Err(ApiError::bad(
                    "invalid_rank",
                    "排名对象应为 regions 或 units",
                    "Rank regions or units",
                ));
            }
        };
        let format = parse_format(&p.format)?;
        let secs = sections(&st, &actor, &focus, &period, metric, rank_units, &c).await?;
        if let Some(f) = format {
            return download_section(&secs, &p.table, f);
        }
        let dir = st.directory();
        let rest = format!(
            "{}&metric={}&rank={}",
            period.query(),
            metric.as_str(),
            if rank_units { "units" } else { "regions" }
        );
        let region_q = |r: &str| {
            format!(
                "/staff/dashboard?{rest}&region={}",
                super::chrome::urlencode(r)
            )
        };
        let query = format!(
            "{rest}&region={}",
            super::chrome::urlencode(focus.region().unwrap_or(""))
        );
        let focus_label = match &focus {
            Focus::Region(None) => c.pick("全部地区", "All regions"),
            Focus::Region(Some(r)) => dir
                .region(r)
                .map(|r| c.pick(&r.name_zh, &r.name_en))
                .unwrap_or_default(),
            Focus::Unit(u) => dir
                .unit(u)
                .map(|u| c.pick(&u.name_zh, &u.name_en))
                .unwrap_or_default(),
        };
        // Going up stops where the viewer's own view starts (a coordinator's home region).
        let up = match (&focus, actor.role) {
            (Focus::Region(Some(r)), role) => {
                let parent = dir.region(r).ok().and_then(|x| x.parent.clone());
                let allowed = |code: &str| focus_for(&st, &actor, code).is_ok();
                match parent {
                    Some(pc) if allowed(&pc) => {
                        let name = dir
                            .region(&pc)
                            .map(|x| c.pick(&x.name_zh, &x.name_en))
                            .unwrap_or_default();
                        Some((region_q(&pc), name))
                    }
                    None if matches!(role, Role::Supervisor | Role::Admin | Role::Analyst) => {
                        Some((region_q(""), c.pick("全部地区", "All regions")))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let drill = children(&dir, focus.region())
            .filter(|_| matches!(focus, Focus::Region(_)))
            .map(|r| (region_q(&r.code), c.pick(&r.name_zh, &r.name_en)))
            .collect();
        let (label_zh, label_en) = period.label();
        let views = secs
            .iter()
            .map(|s| statview::view(&c, s, Some(&query)))
            .collect();
        let page = DashboardPage {
            period_label: c.pick(&label_zh, &label_en),
            month: if period.kind == PeriodKind::Month {
                period.from.clone()
            } else {
                period.first_day.format("%Y-%m").to_string()
            },
            year: period.first_day.format("%Y").to_string(),
            range_from: period.first_day.format("%Y-%m-%d").to_string(),
            range_to: period.last_day.format("%Y-%m-%d").to_string(),
            focus_label,
            up,
            drill,
            metrics: Metric::ALL
                .iter()
                .map(|m| Choice {
                    value: m.as_str().into(),
                    zh: m.zh().into(),
                    en: m.en().into(),
                    selected: *m == metric,
                })
                .collect(),
            rank_units,
            is_unit: matches!(focus, Focus::Unit(_)),
            region_code: focus.region().unwrap_or("").to_string(),
            sections: views,
            definitions: statview::definitions(&c),
            period,
            c: c.clone(),
        };
        Ok(render(&page))
    }
    .await;
    respond(&c, r)
}
