//! Presentation helpers shared by pages: deadline state in colour and words, deadline rows,
//! option lists for topics, regions and units.

use chrono::{DateTime, Utc};
use minsheng_core::deadline::{self, Deadline, Due};
use minsheng_core::region::Directory;

/// A deadline as a badge: the CSS class carries the colour, the words carry the meaning (never
/// colour alone).
#[derive(Debug, Clone)]
pub struct DueBadge {
    pub class: &'static str,
    pub zh: String,
    pub en: String,
    pub date: String,
    pub provisional: bool,
}

/// Whole days between today and the last day, both in China time.
pub fn due_badge(due: &Due, now: DateTime<Utc>) -> DueBadge {
    let today = deadline::local_date(now);
    let days = (due.last_day - today).num_days();
    let (class, zh, en) = if now >= due.due {
        let late = (today - due.last_day).num_days().max(1);
        (
            "due-over",
            format!("已超期{late}天"),
            format!("overdue by {late} day{}", plural(late)),
        )
    } else if days <= 0 {
        ("due-today", "今天到期".to_string(), "due today".to_string())
    } else if days <= 3 {
        (
            "due-soon",
            format!("还剩{days}天"),
            format!("due in {days} day{}", plural(days)),
        )
    } else {
        (
            "due-ok",
            format!("还剩{days}天"),
            format!("due in {days} day{}", plural(days)),
        )
    };
    DueBadge {
        class,
        zh,
        en,
        date: due.last_day.format("%Y-%m-%d").to_string(),
        provisional: due.provisional,
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One row of a deadline table.
#[derive(Debug, Clone)]
pub struct DeadlineRow {
    pub label_zh: String,
    pub label_en: String,
    pub article: String,
    pub duty: bool,
    pub badge: Option<DueBadge>,
    pub error_zh: String,
    pub error_en: String,
}

pub fn deadline_rows(ds: &[Deadline], now: DateTime<Utc>) -> Vec<DeadlineRow> {
    ds.iter()
        .map(|d| DeadlineRow {
            label_zh: d.label_zh.clone(),
            label_en: d.label_en.clone(),
            article: d.article.clone(),
            duty: d.duty,
            badge: d.due.as_ref().map(|due| due_badge(due, now)),
            error_zh: d.error_zh.clone().unwrap_or_default(),
            error_en: d.error_en.clone().unwrap_or_default(),
        })
        .collect()
}

/// An `<option>` with a bilingual label.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub zh: String,
    pub en: String,
    pub selected: bool,
}

/// An `<optgroup>` of choices.
#[derive(Debug, Clone)]
pub struct ChoiceGroup {
    pub zh: String,
    pub en: String,
    pub choices: Vec<Choice>,
}

/// Options for an enum's values, each labelled in both languages.
pub fn choices<T: Copy>(
    all: &[T],
    selected: &str,
    code: impl Fn(T) -> &'static str,
    zh: impl Fn(T) -> &'static str,
    en: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice {
            value: code(v).into(),
            zh: zh(v).into(),
            en: en(v).into(),
            selected: code(v) == selected,
        })
        .collect()
}

/// The three-level topic tree as one keyboard-friendly select: first level as groups, second and
/// third levels as options ("二级 › 三级"), so it works without scripts.
pub fn topic_groups(dir: &Directory, selected: &str) -> Vec<ChoiceGroup> {
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for t in dir.topics() {
        let chain = dir.topic_chain(&t.code);
        match chain.len() {
            1 => groups.push(ChoiceGroup {
                zh: t.name_zh.clone(),
                en: t.name_en.clone(),
                choices: Vec::new(),
            }),
            n => {
                let Some(g) = groups.last_mut() else { continue };
                let (zh, en) = if n == 2 {
                    (t.name_zh.clone(), t.name_en.clone())
                } else {
                    let parent = chain
                        .get(1)
                        .and_then(|p| dir.topic(p).ok())
                        .map(|p| (p.name_zh.clone(), p.name_en.clone()))
                        .unwrap_or_default();
                    (
                        format!("{} › {}", parent.0, t.name_zh),
                        format!("{} › {}", parent.1, t.name_en),
                    )
                };
                g.choices.push(Choice {
                    value: t.code.clone(),
                    zh,
                    en,
                    selected: t.code == selected,
                });
            }
        }
    }
    groups
}

/// Regions indented by level, for the location picker.
pub fn region_choices(dir: &Directory, selected: &str) -> Vec<Choice> {
    let mut out: Vec<Choice> = dir
        .regions()
        .map(|r| {
            let depth = dir.chain(&r.code).len().saturating_sub(1);
            let pad = "\u{3000}".repeat(depth);
            Choice {
                value: r.code.clone(),
                zh: format!("{pad}{}", r.name_zh),
                en: format!("{pad}{}", r.name_en),
                selected: r.code == selected,
            }
        })
        .collect();
    // Keep each region under its parent: sort by the chain of codes.
    out.sort_by_key(|c| {
        dir.chain(&c.value)
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    });
    out
}

pub fn unit_choices(dir: &Directory, selected: &str) -> Vec<Choice> {
    let mut out: Vec<Choice> = dir
        .units()
        .map(|u| Choice {
            value: u.id.clone(),
            zh: u.name_zh.clone(),
            en: u.name_en.clone(),
            selected: u.id == selected,
        })
        .collect();
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn due_on(y: i32, m: u32, d: u32) -> Due {
        let last = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Due {
            kind: deadline::DeadlineKind::Handling,
            due: deadline::end_of_day(last),
            last_day: last,
            provisional: false,
            period: "60d".into(),
        }
    }

    #[test]
    fn badges_in_words() {
        // 2026-03-10 10:00 China time.
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
        assert_eq!(due_badge(&due_on(2026, 3, 10), now).zh, "今天到期");
        assert_eq!(due_badge(&due_on(2026, 3, 12), now).en, "due in 2 days");
        assert_eq!(due_badge(&due_on(2026, 3, 20), now).class, "due-ok");
        let over = due_badge(&due_on(2026, 3, 9), now);
        assert_eq!((over.class, over.zh.as_str()), ("due-over", "已超期1天"));
        assert_eq!(due_badge(&due_on(2026, 3, 1), now).en, "overdue by 9 days");
    }
}
