//! What the statistics pages (dashboard, annual report, transparency page) share: a section is
//! one typed table (`export::Table`, the same one a download writes) with an optional ECharts
//! option; the HTML table view is derived from that table, so the page, the chart and the file
//! always show the same numbers.

use super::chrome::Chrome;
use super::export::{Cell, Table};
use minsheng_core::kpi::Metric;

/// One statistics block.
pub struct Section {
    /// Stable key used in `?table=KEY&format=…` and as the HTML id.
    pub key: &'static str,
    pub title: (String, String),
    /// A remark under the title (scope, limits), both languages; empty for none.
    pub note: (String, String),
    pub table: Table,
    /// The ECharts option, built from the same rows.
    pub chart: Option<serde_json::Value>,
    /// Per row: a tooltip (formula and source) and an in-page anchor for the first cell.
    pub hints: Vec<(String, String)>,
}

impl Section {
    pub fn new(key: &'static str, zh: &str, en: &str, table: Table) -> Self {
        Section {
            key,
            title: (zh.into(), en.into()),
            note: (String::new(), String::new()),
            table,
            chart: None,
            hints: Vec::new(),
        }
    }

    pub fn note(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.note = (zh.into(), en.into());
        self
    }

    pub fn chart(mut self, option: serde_json::Value) -> Self {
        self.chart = Some(option);
        self
    }
}

pub struct CellView {
    pub text: String,
    pub num: bool,
}

pub struct RowView {
    pub cells: Vec<CellView>,
    pub hint: String,
    pub anchor: String,
}

/// A section as a template shows it.
pub struct SectionView {
    pub key: &'static str,
    pub title: String,
    pub note: String,
    pub headers: Vec<String>,
    pub rows: Vec<RowView>,
    pub chart: Option<ChartJson>,
    /// Download links (XLSX, CSV), empty on pages without downloads.
    pub xlsx: String,
    pub csv: String,
}

/// How a cell reads on the page: rates as "96.5%" or "—" (no data is never 0 %).
pub fn cell_text(c: &Chrome, cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => format!("{x:.1}"),
        Cell::Rate(r) => r.display(),
        Cell::Time(t) => c.time(t),
        Cell::Date(d) => c.date(d),
        Cell::Empty => "—".into(),
    }
}

/// The view of a section; `download` is the page's query without `table`/`format` (None: no
/// download links).
pub fn view(c: &Chrome, s: &Section, download: Option<&str>) -> SectionView {
    let rows = s
        .table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (hint, anchor) = s.hints.get(i).cloned().unwrap_or_default();
            RowView {
                cells: row
                    .iter()
                    .map(|cell| CellView {
                        text: cell_text(c, cell),
                        num: matches!(cell, Cell::Int(_) | Cell::Num(_) | Cell::Rate(_)),
                    })
                    .collect(),
                hint,
                anchor,
            }
        })
        .collect();
    let link = |fmt: &str| {
        download
            .map(|q| format!("{}?{q}&table={}&format={fmt}", c.path, s.key))
            .unwrap_or_default()
    };
    SectionView {
        key: s.key,
        title: c.pick(&s.title.0, &s.title.1),
        note: c.pick(&s.note.0, &s.note.1),
        headers: s
            .table
            .columns
            .iter()
            .map(|(zh, en)| c.pick(zh, en))
            .collect(),
        rows,
        chart: s.chart.as_ref().map(ChartJson::new),
        xlsx: link("xlsx"),
        csv: link("csv"),
    }
}

/// An ECharts option serialised for a `<script type="application/json">` block. `<`, `>` and
/// `&` are written as JSON escapes, so no name in the data (regions, topics, units come from the
/// directory) can close the script element; the JSON reads the same after parsing. This is the
/// only text these pages emit unescaped, and it is safe by construction.
pub struct ChartJson(String);

impl ChartJson {
    pub fn new(v: &serde_json::Value) -> Self {
        let s = v
            .to_string()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026");
        ChartJson(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The formula of a metric in words (docs/kpi.md), both languages.
pub fn formula(m: Metric) -> (&'static str, &'static str) {
    match m {
        Metric::TimelyTransfer => (
            "期限内转送、交办、引导或不予受理的次数 ÷ 信访部门应处理的次数",
            "transfers, assignments, diversions and declines by the deadline ÷ times the petition office held a matter",
        ),
        Metric::TimelyAcceptance => (
            "期限内告知受理或不予受理的次数 ÷ 转送交办到单位的次数（异议退回的除外）",
            "acceptance or decline notices by the deadline ÷ transfers and assignments to a unit (except those objected to)",
        ),
        Metric::OnTimeAnswer => (
            "期限（含批准延期）内出具处理意见或调解和解的事项 ÷ 已受理事项",
            "opinions or settlements by the handling deadline (with approved extensions) ÷ accepted matters",
        ),
        Metric::OnTimeReview => (
            "期限内作出的复查复核意见 ÷ 复查复核申请",
            "review and re-review opinions in time ÷ review and re-review requests",
        ),
        Metric::RatingParticipation => (
            "已评价的答复环节 ÷ 已答复且评价期已过或已评价的环节",
            "rated answered stages ÷ answered stages rated or past the rating window",
        ),
        Metric::Satisfaction => (
            "满意（按政策含基本满意）的评价 ÷ 全部评价",
            "satisfied ratings (with basically satisfied where policy says so) ÷ all ratings",
        ),
        Metric::RepeatPetition => (
            "重复信访事项 ÷ 全部信访事项",
            "petitions repeating an earlier matter ÷ all petitions",
        ),
        Metric::FirstTimeResolution => (
            "一次办理即化解的事项 ÷ 办理环节已结束且结果已知的事项",
            "matters resolved at the first handling ÷ matters whose handling ended with a known outcome",
        ),
        Metric::HotlineResponse => (
            "时限内签收或退单的派单 ÷ 派单（含重派、重办）",
            "dispatches signed for or returned in time ÷ dispatches, re-dispatches and reopenings",
        ),
        Metric::HotlineOnTime => (
            "每次答复均在时限内的工单 ÷ 已答复或已超时的工单",
            "orders with every reply in time ÷ orders replied to or past their clock",
        ),
        Metric::HotlineResolution => (
            "最近一次回访为已解决的工单 ÷ 已回访工单",
            "orders resolved at the latest follow-up ÷ orders followed up",
        ),
        Metric::HotlineSatisfaction => (
            "最近一次回访满意的工单 ÷ 有评价的回访工单",
            "orders rated satisfied at the latest follow-up ÷ orders followed up with a rating",
        ),
    }
}

/// The tooltip of a metric: formula and source.
pub fn metric_hint(c: &Chrome, m: Metric) -> String {
    let (zh, en) = formula(m);
    format!(
        "{} = {}（{}）",
        c.t(m.zh(), m.en()),
        c.t(zh, en),
        m.source()
    )
}

/// The definitions block linked from every metric name.
pub struct Definition {
    pub anchor: String,
    pub name: String,
    pub formula: String,
    pub source: &'static str,
}

pub fn definitions(c: &Chrome) -> Vec<Definition> {
    Metric::ALL
        .iter()
        .map(|m| {
            let (zh, en) = formula(*m);
            Definition {
                anchor: format!("def-{}", m.as_str()),
                name: c.pick(m.zh(), m.en()),
                formula: c.pick(zh, en),
                source: m.source(),
            }
        })
        .collect()
}
