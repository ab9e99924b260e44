//! /staff/reports/annual?year=YYYY: the annual report of 《信访工作条例》第四十一条 as print-ready
//! HTML: statistics (by flow, channel and kind, and the KPI table), the fields (topics) and the
//! units most complained about, transfers, assignments and supervision, and suggestions. Each
//! table also downloads as XLSX or CSV. Petition offices (coordinators) report on their region,
//! supervisors and administrators on the whole province or a region they pick.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::dashboard::{Focus, basically, download_section, focus_for, parse_format, subtree};
use super::period::Period;
use super::sections;
use super::statview::{Section, SectionView, view};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use minsheng_core::access::Actor;
use minsheng_core::case::{CaseKind, Channel, Flow};
use minsheng_core::suggestion::Adoption;
use minsheng_store::{Breakdown, StatFilter};
use std::collections::BTreeMap;

/// How many units each "most complained about" table lists.
const TOP_UNITS: usize = 10;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AnnualParams {
    #[serde(default)]
    year: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    table: String,
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "staff/annual.html")]
struct AnnualPage {
    c: Chrome,
    year: i32,
    scope_label: String,
    generated: String,
    total: u64,
    sections: Vec<SectionView>,
}

fn labelled<F: Fn(&str) -> Option<(String, String)>>(
    c: &Chrome,
    rows: Vec<(String, u64)>,
    name: F,
) -> Vec<(String, u64)> {
    rows.into_iter()
        .map(|(code, n)| {
            let label = name(&code).map(|(zh, en)| c.pick(&zh, &en)).unwrap_or(code);
            (label, n)
        })
        .collect()
}

/// Every section of the report.
async fn report_sections(
    st: &AppState,
    actor: &Actor,
    focus: &Focus,
    period: &Period,
    c: &Chrome,
) -> ApiResult<(u64, Vec<Section>)> {
    let dir = st.directory();
    let store = &st.store;
    let name = period.tag();
    let region = match focus {
        Focus::Region(r) => r.clone(),
        Focus::Unit(_) => return Err(ApiError::Forbidden),
    };
    let filter = StatFilter {
        scope: service::stats_scope_for(st, actor)?,
        regions: region.as_deref().map(|r| subtree(&dir, r)),
        from: period.start(),
        until: period.until(),
        kinds: None,
    };
    let by = |b| store.case_breakdown(b, &filter);
    let flows = by(Breakdown::Flow).await?;
    let total: u64 = flows.iter().map(|f| f.1).sum();
    let kinds = by(Breakdown::Kind).await?;
    let mut out = vec![
        sections::count_section(
            "flows",
            ("按流程", "By flow"),
            ("流程", "Flow"),
            labelled(c, flows, |s| {
                Flow::parse(s).ok().map(|f| (f.zh().into(), f.en().into()))
            }),
            &name,
        ),
        sections::count_section(
            "channels",
            ("按渠道", "By channel"),
            ("渠道", "Channel"),
            labelled(c, by(Breakdown::Channel).await?, |s| {
                Channel::parse(s)
                    .ok()
                    .map(|f| (f.zh().into(), f.en().into()))
            }),
            &name,
        ),
        sections::count_section(
            "kinds",
            ("按类别", "By kind"),
            ("类别", "Kind"),
            labelled(c, kinds.clone(), |s| {
                CaseKind::parse(s)
                    .ok()
                    .map(|f| (f.zh().into(), f.en().into()))
            }),
            &name,
        ),
    ];
    let counts = store
        .kpi_counts(period.grain, &focus.kpi_scope(), &period.from, &period.to)
        .await?;
    out.push(sections::kpi_section(&counts, basically(st), c, &name));
    // Fields: first-level topics.
    let mut first: BTreeMap<String, u64> = BTreeMap::new();
    for (code, n) in by(Breakdown::Topic).await? {
        let top = dir
            .topic_chain(&code)
            .first()
            .map(|s| s.to_string())
            .unwrap_or(code);
        *first.entry(top).or_default() += n;
    }
    let mut topics = sections::topic_counts_section(first.into_iter().collect(), &dir, c, &name);
    topics.chart = None;
    topics.title = (
        "涉及领域（一级问题分类）".into(),
        "Fields (first-level topics)".into(),
    );
    out.push(topics);
    let unit_name = |id: &str| {
        dir.unit(id)
            .ok()
            .map(|u| (u.name_zh.clone(), u.name_en.clone()))
    };
    let mut accused = by(Breakdown::AccusedUnit).await?;
    accused.truncate(TOP_UNITS);
    out.push(
        sections::count_section(
            "accused",
            ("被检举控告较多的单位", "Units most accused"),
            ("单位", "Unit"),
            labelled(c, accused, unit_name),
            &name,
        )
        .note(
            format!("检举控告事项所涉单位，前{TOP_UNITS}名。"),
            format!("Units named in accusations, top {TOP_UNITS}."),
        ),
    );
    let complaints = StatFilter {
        kinds: Some(vec![
            CaseKind::Complaint.as_str().into(),
            CaseKind::Appeal.as_str().into(),
        ]),
        ..filter.clone()
    };
    let mut complained = store
        .case_breakdown(Breakdown::CurrentUnit, &complaints)
        .await?;
    complained.truncate(TOP_UNITS);
    out.push(
        sections::count_section(
            "complained",
            ("投诉、申诉求决较多的单位", "Units most complained about"),
            ("单位", "Unit"),
            labelled(c, complained, unit_name),
            &name,
        )
        .note(
            format!("投诉和申诉求决事项按当前办理单位统计，前{TOP_UNITS}名。"),
            format!("Complaints and appeals by the unit now handling them, top {TOP_UNITS}."),
        ),
    );
    let events = store.event_counts(&filter).await?;
    let ev = |k: &str| events.get(k).copied().unwrap_or(0);
    let mut rows = Vec::new();
    for (key, zh, en) in [
        ("transferred:transfer", "转送", "Transfers"),
        ("transferred:assign", "交办", "Assignments"),
        ("dispatched", "派单（12345）", "Dispatches (12345)"),
        ("objected", "异议退回", "Objections"),
        (
            "returned_by_unit",
            "退单（12345）",
            "Returned orders (12345)",
        ),
        ("supervised", "督查督办", "Supervision orders"),
        ("supervision_answered", "督办回复", "Supervision answers"),
    ] {
        rows.push((c.pick(zh, en), ev(key)));
    }
    out.push(
        sections::count_section(
            "handling",
            (
                "转送、交办和督办情况",
                "Transfers, assignments and supervision",
            ),
            ("事项", "Item"),
            rows,
            &name,
        )
        .note(
            "按办理行为发生的时间统计。",
            "Counted by when the action was taken.",
        ),
    );
    let suggestion_cases = kinds
        .iter()
        .find(|(k, _)| k == CaseKind::Suggestion.as_str())
        .map(|(_, n)| *n)
        .unwrap_or(0);
    // Suggestions are counted by the year they were received, as the scoreboard counts them.
    let year = period.first_day.year().to_string();
    let last_year = period.last_day.year().to_string();
    let s =
        crate::suggest::board::counts(st, &focus.kpi_scope(), &year, &last_year, service::now())
            .await?;
    let adopted = s.outcome(Adoption::Adopted);
    let partly = s.outcome(Adoption::PartlyAdopted);
    let converted: u64 = s.conversions.values().sum();
    out.push(
        sections::count_section(
            "suggestions",
            ("建议及采纳情况", "Suggestions and adoption"),
            ("事项", "Item"),
            vec![
                (c.pick("收到人民建议", "People's suggestions received"), s.received),
                (c.pick("受理为建议", "Accepted as suggestions"), s.accepted),
                (c.pick("已答复", "Answered"), s.answered),
                (c.pick("采纳", "Adopted"), adopted),
                (c.pick("部分采纳", "Partly adopted"), partly),
                (c.pick("转化为政策或工作成果", "Converted into policy or work"), converted),
                (c.pick("给予奖励", "Rewarded"), s.rewards),
                (
                    c.pick("信访、12345中的建议意见类事项", "Cases of kind suggestion (petitions, 12345)"),
                    suggestion_cases,
                ),
            ],
            &name,
        )
        .note(
            "人民建议按收到年度统计，“采纳”指完全采纳，部分采纳另列；建议意见类事项是经信访和12345渠道登记的案件。",
            "People's suggestions are counted by the year received; adopted means fully adopted, partly adopted is shown apart; cases of kind suggestion are those registered through the petition and 12345 channels.",
        ),
    );
    Ok((total, out))
}

pub async fn annual(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(p): Query<AnnualParams>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let actor = ws.staff.actor();
        let focus = focus_for(&st, &actor, &p.region)?;
        let now = service::now();
        let year = if p.year.is_empty() {
            // The last full year by default: that is the one reported on.
            minsheng_core::deadline::local_date(now).year() - 1
        } else {
            p.year
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| {
                    ApiError::bad(
                        "invalid_period",
                        "年份应为 2000–2100",
                        "The year is between 2000 and 2100",
                    )
                })?
        };
        let period = Period::year(year)?;
        let format = parse_format(&p.format)?;
        let (total, secs) = report_sections(&st, &actor, &focus, &period, &c).await?;
        if let Some(f) = format {
            return download_section(&secs, &p.table, f);
        }
        let dir = st.directory();
        let scope_label = match &focus {
            Focus::Region(Some(r)) => dir
                .region(r)
                .map(|r| c.pick(&r.name_zh, &r.name_en))
                .unwrap_or_default(),
            _ => c.pick("全部地区", "All regions"),
        };
        let query = format!(
            "year={year}&region={}",
            super::chrome::urlencode(match &focus {
                Focus::Region(Some(r)) if !p.region.is_empty() => r.as_str(),
                _ => "",
            })
        );
        Ok(render(&AnnualPage {
            year,
            scope_label,
            generated: c.time(&now),
            total,
            sections: secs.iter().map(|s| view(&c, s, Some(&query))).collect(),
            c: c.clone(),
        }))
    }
    .await;
    respond(&c, r)
}
