//! /open: the public transparency page (信息公开), no sign-in. Per-unit on-time reply and
//! satisfaction rates for the last full year and the current year, volumes by first-level topic,
//! and the typical cases staff chose and wrote up. Only aggregates and staff-written text are
//! shown: no case's own text and no personal data ever reach this page.

use super::chrome::{Chrome, Web, render, respond};
use super::export::{Cell, Table};
use super::statview::{self, Section, SectionView};
use super::typical::outcome_label;
use crate::error::ApiResult;
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use minsheng_core::deadline::local_date;
use minsheng_core::kpi::{Grain, KpiCounts, Metric};
use minsheng_store::ScopeKind;
use serde_json::json;
use std::collections::BTreeMap;

/// How many typical cases the page lists.
const TYPICAL_SHOWN: u32 = 50;

pub struct TypicalView {
    pub title: String,
    pub topic: String,
    pub region: String,
    pub summary: String,
    pub outcome: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "portal/open.html")]
struct OpenPage {
    c: Chrome,
    sections: Vec<SectionView>,
    typical: Vec<TypicalView>,
}

/// Units ranked table: on-time reply and satisfaction, last year and this year.
fn units_section(
    st: &AppState,
    c: &Chrome,
    years: [i32; 2],
    data: [&[(String, KpiCounts)]; 2],
) -> Section {
    let dir = st.directory();
    let basically = super::dashboard::basically(st);
    let h = |y: i32, zh: &str, en: &str| (format!("{y}年{zh}"), format!("{en} {y}"));
    let mut t = Table {
        name: format!("open-units-{}", years[1]),
        columns: vec![
            ("单位".into(), "Unit".into()),
            h(years[0], "按期答复率", "On-time reply rate"),
            h(years[0], "满意率", "Satisfaction rate"),
            h(
                years[1],
                "按期答复率（截至今日）",
                "On-time reply rate (to date)",
            ),
            h(
                years[1],
                "满意率（截至今日）",
                "Satisfaction rate (to date)",
            ),
        ],
        rows: Vec::new(),
    };
    let find = |d: &[(String, KpiCounts)], id: &str| {
        d.iter()
            .find(|(u, _)| u == id)
            .map(|(_, k)| k.clone())
            .unwrap_or_default()
    };
    for u in dir.units() {
        let (a, b) = (find(data[0], &u.id), find(data[1], &u.id));
        let rates = [
            a.rate(Metric::OnTimeAnswer, basically),
            a.rate(Metric::Satisfaction, basically),
            b.rate(Metric::OnTimeAnswer, basically),
            b.rate(Metric::Satisfaction, basically),
        ];
        if rates.iter().all(|r| r.den == 0) {
            continue;
        }
        let mut row: Vec<Cell> = vec![c.pick(&u.name_zh, &u.name_en).into()];
        row.extend(rates.into_iter().map(Cell::from));
        t.push(row);
    }
    let mut s = Section::new(
        "units",
        "各单位按期答复率与满意率",
        "On-time replies and satisfaction by unit",
        t,
    )
    .note(
        "按登记年份统计；“—”表示尚无可计算的数据。",
        "By year of registration; “—” means there is no data to compute yet.",
    );
    let hint = format!(
        "{}；{}",
        statview::metric_hint(c, Metric::OnTimeAnswer),
        statview::metric_hint(c, Metric::Satisfaction)
    );
    s.hints = s
        .table
        .rows
        .iter()
        .map(|_| (hint.clone(), String::new()))
        .collect();
    s
}

fn topics_section(
    st: &AppState,
    c: &Chrome,
    years: [i32; 2],
    counts: [BTreeMap<String, u64>; 2],
) -> Section {
    let dir = st.directory();
    let mut codes: Vec<&String> = counts[0].keys().chain(counts[1].keys()).collect();
    codes.sort();
    codes.dedup();
    // Largest this year first.
    codes.sort_by(|a, b| {
        let n = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
        n(&counts[1], b)
            .cmp(&n(&counts[1], a))
            .then_with(|| n(&counts[0], b).cmp(&n(&counts[0], a)))
            .then_with(|| a.cmp(b))
    });
    let mut t = Table {
        name: format!("open-topics-{}", years[1]),
        columns: vec![
            ("问题分类".into(), "Topic".into()),
            (format!("{}年件数", years[0]), format!("Cases {}", years[0])),
            (
                format!("{}年件数（截至今日）", years[1]),
                format!("Cases {} (to date)", years[1]),
            ),
        ],
        rows: Vec::new(),
    };
    let mut names = Vec::new();
    let mut series: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    for code in codes {
        let name = dir
            .topic(code)
            .map(|t| c.pick(&t.name_zh, &t.name_en))
            .unwrap_or_else(|_| c.pick("未分类", "Unclassified"));
        let a = counts[0].get(code).copied().unwrap_or(0);
        let b = counts[1].get(code).copied().unwrap_or(0);
        t.push(vec![name.clone().into(), a.into(), b.into()]);
        names.push(name);
        series[0].push(a);
        series[1].push(b);
    }
    let option = json!({
        "aria": {"enabled": true}, "animation": false,
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": true},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"type": "bar", "name": years[0].to_string(), "data": series[0]},
            {"type": "bar", "name": years[1].to_string(), "data": series[1]}
        ]
    });
    Section::new("topics", "受理事项问题分类", "Cases by topic", t).chart(option)
}

/// Supervision orders the office chose to publish (督办公开): the unit, the matter's topic and
/// county, when it was ordered, its deadline and whether the unit reported in time. No case
/// number, no petitioner: the record is about the unit's conduct.
fn supervision_section(
    st: &AppState,
    c: &Chrome,
    orders: &[minsheng_store::PublicSupervision],
) -> Section {
    let dir = st.directory();
    let mut t = Table::new(
        "open-supervision",
        &[
            ("被督办单位", "Unit supervised"),
            ("问题分类", "Topic"),
            ("地区", "Region"),
            ("督办时间", "Ordered"),
            ("报告期限", "Report due"),
            ("报告时间", "Reported"),
            ("是否逾期", "Late"),
        ],
    );
    for o in orders {
        let unit = dir
            .unit(&o.unit)
            .map(|u| c.pick(&u.name_zh, &u.name_en))
            .unwrap_or_default();
        let topic = dir
            .topic(&o.topic)
            .map(|x| c.pick(&x.name_zh, &x.name_en))
            .unwrap_or_default();
        // County level at most: a village or community could point at a person.
        let chain = dir.chain(&o.region);
        let county = chain
            .get(chain.len().min(3).saturating_sub(1))
            .and_then(|r| dir.region(r).ok())
            .map(|r| c.pick(&r.name_zh, &r.name_en))
            .unwrap_or_default();
        t.push(vec![
            unit.into(),
            topic.into(),
            county.into(),
            o.ordered_at.into(),
            o.report_due.into(),
            o.answered_at.into(),
            c.pick(
                if o.late { "是" } else { "否" },
                if o.late { "yes" } else { "no" },
            )
            .into(),
        ]);
    }
    Section::new("supervision", "督办公开", "Published supervision orders", t).note(
        "督查督办部门决定公开的督办记录：被督办单位是否按期报告办理情况。",
        "Supervision orders the supervising office chose to publish: whether the unit reported in time.",
    )
}

pub async fn open_page(State(st): State<AppState>, Web(c): Web) -> Response {
    let r: ApiResult<Response> = async {
        let this = local_date(service::now()).year();
        let years = [this - 1, this];
        let mut league = Vec::new();
        let mut topics: [BTreeMap<String, u64>; 2] = [BTreeMap::new(), BTreeMap::new()];
        for (i, y) in years.iter().enumerate() {
            let y = y.to_string();
            league.push(
                st.store
                    .kpi_league(Grain::Year, ScopeKind::Unit, &y, &y)
                    .await?,
            );
            for row in st.store.volume(Grain::Year, None, &y, &y).await? {
                *topics[i].entry(row.topic).or_default() += row.n;
            }
        }
        let dir = st.directory();
        let orders = st.store.public_supervisions(service::now()).await?;
        let mut sections = vec![
            units_section(&st, &c, years, [&league[0], &league[1]]),
            topics_section(&st, &c, years, topics),
        ];
        if !orders.is_empty() {
            sections.push(supervision_section(&st, &c, &orders));
        }
        let typical = st
            .store
            .published_typical_cases(TYPICAL_SHOWN)
            .await?
            .into_iter()
            .map(|t| {
                let (oz, oe) = outcome_label(&t.outcome);
                TypicalView {
                    topic: dir
                        .topic(&t.topic)
                        .map(|x| c.pick(&x.name_zh, &x.name_en))
                        .unwrap_or_default(),
                    region: dir
                        .region(&t.region)
                        .map(|x| c.pick(&x.name_zh, &x.name_en))
                        .unwrap_or_default(),
                    outcome: c.pick(oz, oe),
                    date: c.date(&local_date(t.published_at)),
                    title: t.title,
                    summary: t.summary,
                }
            })
            .collect();
        Ok(render(&OpenPage {
            sections: sections
                .iter()
                .map(|s| statview::view(&c, s, None))
                .collect(),
            typical,
            c: c.clone(),
        }))
    }
    .await;
    respond(&c, r)
}
