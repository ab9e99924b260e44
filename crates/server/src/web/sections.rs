//! Builders of the statistics sections: each turns numbers read from the store into one typed
//! table (Chinese and English headers) and the ECharts option drawn from the same rows.

use super::chrome::Chrome;
use super::export::{Cell, Table};
use super::statview::{Section, metric_hint};
use minsheng_core::case::Channel;
use minsheng_core::kpi::{KpiCounts, Metric, Rate};
use minsheng_core::region::Directory;
use minsheng_store::{DeadlineHealth, VolumeRow};
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::BTreeMap;

fn base_option() -> Value {
    json!({
        "aria": {"enabled": true},
        "animation": false,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": true}
    })
}

fn pct(r: Rate) -> Value {
    r.value()
        .map(|v| json!((v * 1000.0).round() / 10.0))
        .unwrap_or(Value::Null)
}

/// The KPI table of one scope: every metric, "—" where there is no data.
pub fn kpi_section(counts: &KpiCounts, basically: bool, c: &Chrome, name: &str) -> Section {
    let mut t = Table::new(
        &format!("kpi-{name}"),
        &[
            ("指标", "Metric"),
            ("达标/满意", "Met / satisfied"),
            ("基本满意", "Basically satisfied"),
            ("未达标/不满意", "Missed / unsatisfied"),
            ("合计", "Total"),
            ("比率", "Rate"),
        ],
    );
    let mut hints = Vec::new();
    for m in Metric::ALL {
        let n = counts.count(*m);
        t.push(vec![
            c.pick(m.zh(), m.en()).into(),
            n.hit.into(),
            n.basically.into(),
            n.miss.into(),
            n.total().into(),
            n.rate(basically).into(),
        ]);
        hints.push((metric_hint(c, *m), format!("def-{}", m.as_str())));
    }
    let mut s = Section::new("kpi", "考核指标", "KPIs", t).note(
        format!(
            "期间内登记的事项 {} 件；比率无数据时显示“—”。",
            counts.cases
        ),
        format!(
            "{} cases registered in the period; a rate without data shows “—”.",
            counts.cases
        ),
    );
    s.hints = hints;
    s
}

/// One ranked row of a league table.
pub struct LeagueEntry {
    pub zh: String,
    pub en: String,
    pub counts: KpiCounts,
}

/// Ranks entries by `metric` (exact comparison; entries without data last, unranked).
pub fn league_section(
    mut entries: Vec<LeagueEntry>,
    metric: Metric,
    basically: bool,
    c: &Chrome,
    name: &str,
) -> Section {
    entries.sort_by(|a, b| {
        let (ra, rb) = (
            a.counts.rate(metric, basically),
            b.counts.rate(metric, basically),
        );
        match (ra.den > 0, rb.den > 0) {
            (true, true) => rb
                .compare(ra)
                .unwrap_or(Ordering::Equal)
                .then_with(|| rb.den.cmp(&ra.den)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => Ordering::Equal,
        }
        .then_with(|| a.zh.cmp(&b.zh))
    });
    let mut t = Table::new(
        &format!("league-{}-{name}", metric.as_str()),
        &[
            ("名次", "Rank"),
            ("名称", "Name"),
            (metric.zh(), metric.en()),
            ("分子", "Numerator"),
            ("分母", "Denominator"),
            ("事项数", "Cases"),
        ],
    );
    let mut rank = 0u64;
    let mut prev: Option<Rate> = None;
    let (mut names, mut values) = (Vec::new(), Vec::new());
    for (i, e) in entries.iter().enumerate() {
        let r = e.counts.rate(metric, basically);
        let place = if r.den == 0 {
            Cell::Empty
        } else {
            // Equal rates share a place (1, 1, 3).
            if prev.is_none_or(|p| p.compare(r) != Some(Ordering::Equal)) {
                rank = i as u64 + 1;
            }
            prev = Some(r);
            rank.into()
        };
        let name = c.pick(&e.zh, &e.en);
        if r.den > 0 {
            names.push(name.clone());
            values.push(pct(r));
        }
        t.push(vec![
            place,
            name.into(),
            r.into(),
            r.num.into(),
            r.den.into(),
            e.counts.cases.into(),
        ]);
    }
    names.reverse();
    values.reverse();
    let mut option = base_option();
    option["xAxis"] = json!({"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}});
    option["yAxis"] = json!({"type": "category", "data": names});
    option["series"] =
        json!([{"type": "bar", "name": c.t(metric.zh(), metric.en()), "data": values}]);
    let mut s = Section::new("league", "考核排名", "League table", t)
        .note(
            format!(
                "按{}排名；无数据者列在最后、不排名次。{}",
                metric.zh(),
                super::statview::formula(metric).0
            ),
            format!(
                "Ranked by {}; entries without data are listed last, unranked. {}",
                metric.en(),
                super::statview::formula(metric).1
            ),
        )
        .chart(option);
    s.hints = entries
        .iter()
        .map(|_| (metric_hint(c, metric), String::new()))
        .collect();
    s
}

fn channel_name(c: &Chrome, code: &str) -> String {
    Channel::parse(code)
        .map(|ch| c.pick(ch.zh(), ch.en()))
        .unwrap_or_else(|_| code.to_string())
}

/// Intake by period and channel (stacked bars); `cut` > 0 sums the periods by their first
/// `cut` characters (days into months); every period in `keys` gets a row, zero if empty.
pub fn trend_section(
    rows: &[VolumeRow],
    cut: usize,
    keys: &[String],
    c: &Chrome,
    name: &str,
) -> Section {
    let mut by: BTreeMap<String, BTreeMap<String, u64>> =
        keys.iter().map(|k| (k.clone(), BTreeMap::new())).collect();
    let mut channels: Vec<String> = Vec::new();
    for r in rows {
        let p = if cut > 0 {
            r.period.chars().take(cut).collect()
        } else {
            r.period.clone()
        };
        *by.entry(p)
            .or_default()
            .entry(r.channel.clone())
            .or_default() += r.n;
        if !channels.contains(&r.channel) {
            channels.push(r.channel.clone());
        }
    }
    // Channels in their fixed order, unknown ones after.
    channels.sort_by_key(|ch| {
        Channel::ALL
            .iter()
            .position(|k| k.as_str() == ch)
            .unwrap_or(usize::MAX)
    });
    let mut cols: Vec<(String, String)> = vec![("期间".into(), "Period".into())];
    for ch in &channels {
        let (zh, en) = Channel::parse(ch)
            .map(|k| (k.zh().to_string(), k.en().to_string()))
            .unwrap_or_else(|_| (ch.clone(), ch.clone()));
        cols.push((zh, en));
    }
    cols.push(("合计".into(), "Total".into()));
    let mut t = Table {
        name: format!("intake-trend-{name}"),
        columns: cols,
        rows: Vec::new(),
    };
    for (p, m) in &by {
        let mut row: Vec<Cell> = vec![p.clone().into()];
        for ch in &channels {
            row.push(m.get(ch).copied().unwrap_or(0).into());
        }
        row.push(m.values().sum::<u64>().into());
        t.push(row);
    }
    let mut option = base_option();
    option["legend"] = json!({"top": 0});
    option["xAxis"] = json!({"type": "category", "data": by.keys().collect::<Vec<_>>()});
    option["yAxis"] = json!({"type": "value", "minInterval": 1});
    option["series"] = Value::Array(
        channels
            .iter()
            .map(|ch| {
                json!({
                    "type": "bar", "stack": "intake", "name": channel_name(c, ch),
                    "data": by.values().map(|m| m.get(ch).copied().unwrap_or(0)).collect::<Vec<_>>()
                })
            })
            .collect(),
    );
    Section::new("trend", "受理趋势（按渠道）", "Intake trend by channel", t).chart(option)
}

/// Intake by first-level topic (pie), largest first, with each one's share.
pub fn topic_section(rows: &[VolumeRow], dir: &Directory, c: &Chrome, name: &str) -> Section {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows {
        *by.entry(r.topic.clone()).or_default() += r.n;
    }
    topic_counts_section(by.into_iter().collect(), dir, c, name)
}

/// Same, from (first-level topic code, count) pairs.
pub fn topic_counts_section(
    mut pairs: Vec<(String, u64)>,
    dir: &Directory,
    c: &Chrome,
    name: &str,
) -> Section {
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: u64 = pairs.iter().map(|p| p.1).sum();
    let mut t = Table::new(
        &format!("topics-{name}"),
        &[("问题分类", "Topic"), ("件数", "Cases"), ("占比", "Share")],
    );
    let mut data = Vec::new();
    for (code, n) in &pairs {
        let label = dir
            .topic(code)
            .map(|t| c.pick(&t.name_zh, &t.name_en))
            .unwrap_or_else(|_| c.pick("未分类", "Unclassified"));
        data.push(json!({"name": label, "value": n}));
        t.push(vec![
            label.into(),
            (*n).into(),
            Rate {
                num: *n,
                den: total,
            }
            .into(),
        ]);
    }
    let mut option = base_option();
    option["tooltip"] = json!({"trigger": "item"});
    option["series"] = json!([{"type": "pie", "radius": ["35%", "70%"], "data": data}]);
    Section::new("topics", "问题分类构成", "Topics", t).chart(option)
}

/// Open cases by deadline bucket.
pub fn deadline_section(h: &DeadlineHealth, soon_days: u64, c: &Chrome, name: &str) -> Section {
    let buckets = [
        ("已超期", "Overdue", h.overdue, "#c0392b"),
        ("3日内到期", "Due within 3 days", h.due_soon, "#e67e22"),
        ("3日后到期", "Due later", h.later, "#27ae60"),
        (
            "无运行中期限",
            "No running deadline",
            h.no_deadline,
            "#7f8c8d",
        ),
    ];
    let mut t = Table::new(
        &format!("deadline-health-{name}"),
        &[("期限状况", "Deadline"), ("在办件数", "Open cases")],
    );
    let mut data = Vec::new();
    let mut names = Vec::new();
    for (zh, en, n, colour) in buckets {
        t.push(vec![c.pick(zh, en).into(), n.into()]);
        names.push(c.pick(zh, en));
        data.push(json!({"value": n, "itemStyle": {"color": colour}}));
    }
    let mut option = base_option();
    option["xAxis"] = json!({"type": "category", "data": names});
    option["yAxis"] = json!({"type": "value", "minInterval": 1});
    option["series"] =
        json!([{"type": "bar", "name": c.t("在办件数", "Open cases"), "data": data}]);
    Section::new("deadlines", "期限健康度", "Deadline health", t)
        .note(
            format!(
                "当前在办事项（不限登记期间），按当前履职期限：已超期、{soon_days}日内到期、更晚、无期限。"
            ),
            format!(
                "Cases open now (whenever registered) by their current duty deadline: overdue, due within {soon_days} days, later, none."
            ),
        )
        .chart(option)
}

/// Cases per region (the children of the current one), as a sorted bar with a colour scale.
pub fn region_section(mut entries: Vec<(String, String, u64)>, c: &Chrome, name: &str) -> Section {
    entries.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let mut t = Table::new(
        &format!("regions-{name}"),
        &[("区域", "Region"), ("件数", "Cases")],
    );
    let max = entries.iter().map(|e| e.2).max().unwrap_or(0).max(1);
    let mut data = Vec::new();
    for (zh, en, n) in entries.iter().rev() {
        data.push(json!([n, c.pick(zh, en)]));
    }
    for (zh, en, n) in &entries {
        t.push(vec![c.pick(zh, en).into(), (*n).into()]);
    }
    let mut option = base_option();
    option["grid"]["bottom"] = json!(48);
    option["visualMap"] = json!({
        "min": 0, "max": max, "dimension": 0, "orient": "horizontal", "left": "center",
        "bottom": 0, "calculable": false, "inRange": {"color": ["#fde8d7", "#e67e22", "#b03a2e"]}
    });
    option["xAxis"] = json!({"type": "value", "minInterval": 1});
    option["yAxis"] = json!({"type": "category"});
    option["series"] = json!([{"type": "bar", "name": c.t("件数", "Cases"), "data": data}]);
    Section::new("regions", "区域热度", "Cases by region", t).chart(option)
}

/// Alerts raised in the period by level (1 most severe), still open or closed.
pub fn alert_section(counts: &[(u8, u64, u64)], c: &Chrome, name: &str) -> Section {
    let mut t = Table::new(
        &format!("alerts-by-level-{name}"),
        &[
            ("预警级别", "Level"),
            ("未关闭", "Open"),
            ("已关闭", "Closed"),
        ],
    );
    let mut labels = Vec::new();
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    for (level, o, cl) in counts {
        let label = c.pick(&format!("{level}级"), &format!("Level {level}"));
        t.push(vec![label.clone().into(), (*o).into(), (*cl).into()]);
        labels.push(label);
        open.push(*o);
        closed.push(*cl);
    }
    let mut option = base_option();
    option["xAxis"] = json!({"type": "category", "data": labels});
    option["yAxis"] = json!({"type": "value", "minInterval": 1});
    option["series"] = json!([
        {"type": "bar", "stack": "a", "name": c.t("未关闭", "Open"), "data": open, "itemStyle": {"color": "#c0392b"}},
        {"type": "bar", "stack": "a", "name": c.t("已关闭", "Closed"), "data": closed, "itemStyle": {"color": "#7f8c8d"}}
    ]);
    Section::new("alerts", "预警分级", "Alerts by level", t)
        .note(
            "本期间内产生、当前用户可见的预警，按当前级别（1级最严重）。",
            "Alerts raised in the period that you may see, by current level (1 is the most severe).",
        )
        .chart(option)
}

/// A plain two-column count table (annual report breakdowns), without a chart.
pub fn count_section(
    key: &'static str,
    title: (&str, &str),
    label: (&str, &str),
    rows: Vec<(String, u64)>,
    name: &str,
) -> Section {
    let mut t = Table::new(&format!("{key}-{name}"), &[label, ("件数", "Count")]);
    for (l, n) in rows {
        t.push(vec![l.into(), n.into()]);
    }
    Section::new(key, title.0, title.1, t)
}
