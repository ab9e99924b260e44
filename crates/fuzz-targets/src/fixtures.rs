//! What the targets run against, built once per process: the demo province, the shipped policy
//! and calendar, a segmenter and a small search index. Fuzzing is deterministic: a fixed "now".

use chrono::{DateTime, TimeZone, Utc};
use minsheng_core::access::{Actor, Role};
use minsheng_core::calendar::Calendar;
use minsheng_core::policy::Policy;
use minsheng_core::region::Directory;
use minsheng_text::search::{CaseDoc, SearchIndex};
use minsheng_text::segment::Segmenter;
use std::sync::OnceLock;

/// A weekday inside the shipped calendar (2026-06-15 10:00 China time).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0)
        .single()
        .expect("a valid instant")
}

pub fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| minsheng_server::demo::province().expect("the demo province is valid"))
}

pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::shipped)
}

pub fn calendar() -> &'static Calendar {
    static CALENDAR: OnceLock<Calendar> = OnceLock::new();
    CALENDAR.get_or_init(Calendar::shipped)
}

pub fn segmenter() -> &'static Segmenter {
    static SEG: OnceLock<Segmenter> = OnceLock::new();
    SEG.get_or_init(|| Segmenter::from_directory(directory()))
}

/// An intake agent of the 东湖区 petition office, the role that registers most cases.
pub fn intake() -> Actor {
    Actor {
        user_id: None,
        name: "东湖区信访局 登记员".into(),
        role: Role::Intake,
        unit: Some("990102-xfj".into()),
    }
}

/// Texts the search index holds; the search target checks its hits against them.
pub const DOCS: &[(&str, &str, &str)] = &[
    (
        "d1",
        "翠湖苑小区电梯停运<script>",
        "翠湖苑3栋电梯停运一周，请尽快维修。电话13812345678",
    ),
    (
        "d2",
        "拖欠工资",
        "某公司拖欠工资三个月 & 不给说法，\"请求\"处理",
    ),
    ("d3", "Noise at night", "工地夜间施工噪音扰民 ABC１２３"),
];

pub fn search_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index =
            SearchIndex::open_in_ram(segmenter().clone()).expect("an in-memory index opens");
        for (i, (id, title, request)) in DOCS.iter().enumerate() {
            index
                .upsert(&CaseDoc {
                    id: (*id).into(),
                    title: (*title).into(),
                    request: (*request).into(),
                    facts: String::new(),
                    address: "临江市东湖区".into(),
                    opinion: String::new(),
                    status: "registered".into(),
                    kind: "appeal".into(),
                    channel: "online".into(),
                    handling_unit: Some("990102-xfj".into()),
                    visible_to: vec!["990102-xfj".into()],
                    region_chain: vec!["990000".into(), "990100".into(), "990102".into()],
                    topic_chain: vec!["01".into()],
                    created: now() - chrono::Duration::days(i as i64 + 1),
                })
                .expect("upsert");
        }
        index.commit().expect("commit");
        index
    })
}
