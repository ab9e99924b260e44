//! The scoreboard page: league tables of offices and of regions with the weighted score, a bar
//! chart of the same numbers, and the tables as XLSX or CSV.

use crate::error::ApiError;
use crate::state::AppState;
use crate::suggest::board::{self, Board};
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use crate::web::export::{Cell, ExportFormat, Table, download};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use minsheng_core::access::Role;
use minsheng_core::suggestion::Adoption;
use minsheng_core::suggestion::score::LeagueRow;

pub struct Section {
    pub zh: &'static str,
    pub en: &'static str,
    pub id: &'static str,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub rank: u32,
    pub zh: String,
    pub en: String,
    pub received: u64,
    pub accepted: u64,
    pub adopted: u64,
    pub adoption: String,
    pub important: String,
    pub conversions: u64,
    pub reward_yuan: u64,
    pub feedback: String,
    pub score: String,
}

fn row(st: &AppState, r: &LeagueRow) -> Row {
    let dir = st.directory();
    let (zh, en) = if let Ok(u) = dir.unit(&r.id) {
        (u.name_zh.clone(), u.name_en.clone())
    } else if let Ok(g) = dir.region(&r.id) {
        (g.name_zh.clone(), g.name_en.clone())
    } else {
        ("全部".into(), "All".into())
    };
    let c = &r.counts;
    Row {
        rank: r.rank,
        zh,
        en,
        received: c.received,
        accepted: c.accepted,
        adopted: c.outcome(Adoption::Adopted) + c.outcome(Adoption::PartlyAdopted),
        adoption: c.adoption_rate().display(),
        important: c.important_adoption_rate().display(),
        conversions: c.conversions_total(),
        reward_yuan: c.reward_yuan,
        feedback: c.feedback_timeliness().display(),
        score: r.assessment.display(),
    }
}

#[derive(Template)]
#[template(path = "suggest/board.html")]
struct BoardPage {
    c: Chrome,
    total: Row,
    sections: Vec<Section>,
    has_offices: bool,
    from: String,
    to: String,
    chart: String,
    query: String,
}

#[derive(serde::Deserialize)]
pub struct BoardQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    table: Option<String>,
}

/// The chart option as JSON safe inside a `<script type="application/json">` element.
fn chart_json(c: &Chrome, rows: &[Row]) -> String {
    let option = serde_json::json!({
        "animation": false,
        "tooltip": {},
        "grid": {"left": 140, "right": 30, "top": 30, "bottom": 30},
        "xAxis": {"type": "value", "max": 100, "name": c.t("得分", "Score")},
        "yAxis": {"type": "category", "inverse": true,
                  "data": rows.iter().map(|r| c.pick(&r.zh, &r.en)).collect::<Vec<_>>()},
        "series": [{"type": "bar", "name": c.t("考核得分", "Assessment score"),
                    "data": rows.iter().map(|r| r.score.parse::<f64>().unwrap_or(0.0)).collect::<Vec<_>>()}]
    });
    option
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn table(c: &Chrome, name: &str, rows: &[Row]) -> Table {
    let mut t = Table::new(
        name,
        &[
            ("名次", "Rank"),
            ("名称", "Name"),
            ("收到", "Received"),
            ("受理", "Accepted"),
            ("采纳（含部分）", "Adopted (incl. partly)"),
            ("采纳率", "Adoption rate"),
            ("重要建议采纳率", "Important adoption rate"),
            ("成果转化", "Conversions"),
            ("奖励金额（元）", "Rewards (yuan)"),
            ("按期反馈率", "On-time feedback"),
            ("考核得分", "Score"),
        ],
    );
    for r in rows {
        t.push(vec![
            Cell::Int(i64::from(r.rank)),
            Cell::Text(c.pick(&r.zh, &r.en)),
            Cell::Int(r.received as i64),
            Cell::Int(r.accepted as i64),
            Cell::Int(r.adopted as i64),
            Cell::Text(r.adoption.clone()),
            Cell::Text(r.important.clone()),
            Cell::Int(r.conversions as i64),
            Cell::Int(r.reward_yuan as i64),
            Cell::Text(r.feedback.clone()),
            Cell::Num(r.score.parse().unwrap_or(0.0)),
        ]);
    }
    t
}

pub async fn page(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Query(q): Query<BoardQuery>,
) -> Response {
    let r = async {
        if matches!(staff.user.role, Role::Citizen | Role::System) {
            return Err(ApiError::Forbidden);
        }
        let from = board::year_or(q.from.as_deref(), "0000");
        let to = board::year_or(q.to.as_deref(), "9999");
        let Board {
            total,
            offices,
            regions,
            ..
        } = board::compute(&st, &from, &to, crate::service::now()).await?;
        let offices: Vec<Row> = offices.iter().map(|r| row(&st, r)).collect();
        let regions: Vec<Row> = regions.iter().map(|r| row(&st, r)).collect();
        if let Some(fmt) = q.format.as_deref().and_then(ExportFormat::parse) {
            let t = if q.table.as_deref() == Some("regions") {
                table(&c, "suggestion-regions", &regions)
            } else {
                table(&c, "suggestion-offices", &offices)
            };
            return Ok(download(&t, fmt));
        }
        let shown = |y: &str| {
            if y == "0000" || y == "9999" {
                String::new()
            } else {
                y.to_string()
            }
        };
        Ok(render(&BoardPage {
            chart: chart_json(&c, &offices),
            total: row(&st, &total),
            query: format!("from={}&to={}", from, to),
            from: shown(&from),
            to: shown(&to),
            has_offices: !offices.is_empty(),
            sections: vec![
                Section {
                    zh: "征集办排名",
                    en: "Offices",
                    id: "offices",
                    rows: offices,
                },
                Section {
                    zh: "地区排名",
                    en: "Regions",
                    id: "regions",
                    rows: regions,
                },
            ],
            c: c.clone(),
        }))
    }
    .await;
    respond(&c, r)
}
