//! `minsheng hotspots`: groups the messages of a CSV export into hotspots (热点问题) and prints
//! the hottest as a table.
//!
//! The CSV has a header row with at least `id,user,title,time,body,likes` (`dislikes` and any
//! other columns are ignored), as the 12345 and message-board exports have. Times without a
//! zone are China Standard Time.

use anyhow::Context;
use chrono::{DateTime, Utc};
use minsheng_core::deadline::china;
use minsheng_text::hotspot::{Hotspot, HotspotConfig, Message, find_hotspots};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// CSV with the columns id,user,title,time,body,likes (dislikes optional).
    #[arg(long)]
    pub data: PathBuf,
    /// How many hotspots to print.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Link two messages only if posted at most this many days apart.
    #[arg(long, default_value_t = 30)]
    pub window_days: i64,
    /// Known place names, one per line (estates, villages, roads the suffix rules might miss).
    #[arg(long)]
    pub places: Option<PathBuf>,
    /// Print every message id instead of the first 20 of each hotspot.
    #[arg(long)]
    pub all_ids: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let messages = read_messages(&a.data)?;
    let places = match &a.places {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the place list {}", p.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect(),
        None => Vec::new(),
    };
    let config = HotspotConfig {
        window_days: a.window_days,
        places,
        ..HotspotConfig::default()
    };
    let started = std::time::Instant::now();
    let hotspots = find_hotspots(&messages, &config);
    println!(
        "{} messages, {} hotspots of {} or more people, in {:.2} s\n",
        messages.len(),
        hotspots.len(),
        config.min_people,
        started.elapsed().as_secs_f64()
    );
    let ids = if a.all_ids { usize::MAX } else { 20 };
    print!("{}", render(&hotspots, a.top, ids));
    Ok(ExitCode::SUCCESS)
}

/// Reads the export, refusing it with the line number of the first row that cannot be read.
pub fn read_messages(path: &Path) -> anyhow::Result<Vec<Message>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    minsheng_text::messages::read_messages(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A Markdown table, so the output reads in a terminal and pastes into a report as it is.
pub fn render(hotspots: &[Hotspot], top: usize, max_ids: usize) -> String {
    let mut out = String::from(
        "| # | heat | time span | place | people | messages | likes | issue | message ids |\n\
         |---|---:|---|---|---:|---:|---:|---|---|\n",
    );
    for (rank, h) in hotspots.iter().take(top).enumerate() {
        let day = |t: DateTime<Utc>| t.with_timezone(&china()).format("%Y-%m-%d").to_string();
        let mut ids = h
            .message_ids
            .iter()
            .take(max_ids)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if h.message_ids.len() > max_ids {
            let _ = write!(ids, " … (+{})", h.message_ids.len() - max_ids);
        }
        let place = if h.place.is_empty() { "—" } else { &h.place };
        let issue = if h.keywords.is_empty() {
            "—".to_string()
        } else {
            h.keywords.join("、")
        };
        let _ = writeln!(
            out,
            "| {} | {:.2} | {} – {} | {} | {} | {} | {} | {} | {} |",
            rank + 1,
            h.heat,
            day(h.start),
            day(h.end),
            cell(place),
            h.people,
            h.messages,
            h.likes,
            cell(&issue),
            ids
        );
    }
    out
}

/// Citizens' text must not break the table.
fn cell(s: &str) -> String {
    s.replace('|', "｜").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("minsheng-hotspots-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    const HEADER: &str = "id,user,title,time,body,likes,dislikes\n";

    #[test]
    fn reads_an_export_and_prints_a_table() {
        let mut csv = HEADER.to_string();
        let rows = [
            (
                "1",
                "u1",
                "翠湖苑小区电梯故障",
                "2024-03-01 09:00:00",
                "电梯又坏了，物业不修。",
                "3",
            ),
            (
                "2",
                "u2",
                "翠湖苑电梯故障没人修",
                "2024-03-02 10:30:00",
                "电梯故障一周，请督促维修。",
                "",
            ),
            (
                "3",
                "u3",
                "翠湖苑小区电梯经常故障",
                "2024-03-04 20:15",
                "电梯故障，老人下不了楼。",
                "1",
            ),
            (
                "4",
                "u4",
                "咨询社保卡补办",
                "2024/03/05 08:00:00",
                "社保卡丢了，去哪里补办？",
                "0",
            ),
        ];
        for (id, user, title, time, body, likes) in rows {
            csv.push_str(&format!(
                "{id},{user},{title},{time},\"{body}\",{likes},0\n"
            ));
        }
        // Unrelated questions, so that word weights are those of a real batch.
        let others = [
            "公交线路调整",
            "医保报销比例",
            "孩子入学材料",
            "公积金提取",
            "路灯不亮",
            "自来水浑浊",
            "噪音扰民",
            "停车收费",
            "垃圾清运",
            "落户政策",
        ];
        for (k, topic) in others.iter().enumerate() {
            csv.push_str(&format!(
                "{},z{k},咨询{topic},2024-03-0{} 12:00:00,关于{topic}的问题,0,0\n",
                10 + k,
                1 + k % 9
            ));
        }
        let path = fixture("messages.csv", &csv);
        let messages = read_messages(&path).expect("parse");
        assert_eq!(messages.len(), 14);
        assert_eq!(messages[1].likes, 0, "an empty count is zero");
        // China Standard Time is eight hours ahead of UTC.
        assert_eq!(messages[0].time.to_rfc3339(), "2024-03-01T01:00:00+00:00");
        assert_eq!(messages[2].time.to_rfc3339(), "2024-03-04T12:15:00+00:00");

        let hotspots = find_hotspots(&messages, &HotspotConfig::default());
        let table = render(&hotspots, 5, 2);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[2].starts_with("| 1 | "), "{table}");
        assert!(lines[2].contains("2024-03-01 – 2024-03-04"), "{table}");
        assert!(lines[2].contains("翠湖苑"), "{table}");
        assert!(lines[2].contains("| 3 | 3 | 4 |"), "{table}");
        assert!(lines[2].ends_with("| 1, 2 … (+1) |"), "{table}");
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        let cases = [
            (
                format!(
                    "{HEADER}1,u1,标题,2024-03-01 09:00:00,正文,1,0\n2,u2,标题,昨天,正文,1,0\n"
                ),
                "line 3: time \"昨天\"",
            ),
            (
                format!("{HEADER}1,u1,标题,2024-03-01 09:00:00,正文,很多,0\n"),
                "line 2: likes \"很多\"",
            ),
            (
                format!("{HEADER}1,u1,标题,2024-03-01 09:00:00,正文,1,0\n2,u2,标题\n"),
                "line 3",
            ),
            (
                format!("{HEADER},u1,标题,2024-03-01 09:00:00,正文,1,0\n"),
                "line 2: empty id",
            ),
            (
                "id,user,title,body,likes\n1,u1,标题,正文,1\n".to_string(),
                "no column \"time\"",
            ),
        ];
        for (text, needle) in cases {
            let path = fixture("bad.csv", &text);
            let e = read_messages(&path).expect_err(needle).to_string();
            assert!(e.contains(needle), "{needle}: {e}");
        }
        let missing = std::env::temp_dir().join("minsheng-no-such-file.csv");
        let e = read_messages(&missing).expect_err("missing").to_string();
        assert!(e.contains("cannot open"), "{e}");
    }

    #[test]
    fn table_cells_cannot_be_broken_by_message_text() {
        assert_eq!(cell("甲|乙\n丙"), "甲｜乙 丙");
    }
}
