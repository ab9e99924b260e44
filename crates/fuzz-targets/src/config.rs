//! Files an administrator supplies: the policy, the holiday calendar, the topic taxonomy and
//! the risk lexicon. A file is either refused with a bilingual message or yields rules that
//! can be used without panicking.

use crate::{assert_domain_error, fixtures};
use chrono::{Datelike, NaiveDate};
use minsheng_core::DomainError;
use minsheng_core::calendar::Calendar;
use minsheng_core::policy::{Period, Policy};
use minsheng_core::region::{Directory, parse_topics};
use minsheng_text::lexicon::{Assessment, Lexicon};

fn utf8(data: &[u8]) -> Option<&str> {
    // Every one of these files is read with `read_to_string`, which refuses other bytes.
    std::str::from_utf8(data).ok()
}

/// A date computation over outside numbers may fail only because the calendar does not reach.
fn calendar_result<T>(r: Result<T, DomainError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e @ DomainError::CalendarGap { .. }) => {
            assert_domain_error(e);
            None
        }
        Err(e) => panic!("date arithmetic failed with {e:?}"),
    }
}

pub fn policy(data: &[u8]) {
    let Some(text) = utf8(data) else { return };
    // Each line is also tried as a period ("15d", "5wd", "24h"): a parsed period re-parses
    // from its canonical form to itself.
    for line in text.lines().take(8) {
        if let Ok(p) = Period::parse(line) {
            let canonical = match p {
                Period::Days(n) => format!("{n}d"),
                Period::WorkingDays(n) => format!("{n}wd"),
                Period::Hours(n) => format!("{n}h"),
            };
            assert_eq!(Period::parse(&canonical), Ok(p), "{line:?}");
            assert!(!p.label_zh().is_empty() && !p.label_en().is_empty());
        }
    }
    let policy = match Policy::from_toml(text) {
        Ok(p) => p,
        Err(e) => return assert_domain_error(e),
    };
    // Every region chain resolves: each override alone, all of them together, none.
    let regions: Vec<&str> = policy
        .overrides()
        .iter()
        .map(|o| o.region.as_str())
        .collect();
    let mut sets = vec![policy.national(), policy.for_chain(&regions)];
    sets.extend(regions.iter().map(|r| policy.for_chain(&[r])));
    let today = fixtures::now().date_naive();
    for set in &sets {
        for people in [0, 1, 5, 10, 11, 50, u32::MAX] {
            set.max_representatives(people);
        }
        let periods = set
            .petition
            .periods()
            .into_iter()
            .chain(set.hotline.periods());
        for (name, period) in periods {
            // Validated periods are usable: deadlines either fall in the calendar or are a gap.
            let day = match period {
                Period::Days(n) => calendar_result(fixtures::calendar().add_days(today, n)),
                Period::WorkingDays(n) => {
                    calendar_result(fixtures::calendar().add_working_days(today, n))
                }
                Period::Hours(_) => None,
            };
            if let Some(day) = day {
                assert!(day >= today, "{name}: {period:?} ends before it starts");
            }
        }
    }
    assert_eq!(
        policy.override_names(&regions).len(),
        policy.overrides().len()
    );
}

pub fn calendar(data: &[u8]) {
    let Some(text) = utf8(data) else { return };
    let cal = match Calendar::from_toml(text) {
        Ok(c) => c,
        Err(e) => return assert_domain_error(e),
    };
    assert_eq!(cal.last_known_year(), cal.known_years().max());
    for year in cal.known_years().take(4) {
        for (m, d) in [(1, 1), (12, 20)] {
            let Some(start) = NaiveDate::from_ymd_opt(year, m, d) else {
                continue;
            };
            for n in [0, 1, 5, 15, 60] {
                if let Some(end) = calendar_result(cal.add_working_days(start, n)) {
                    assert!(end >= start);
                    assert_eq!(cal.is_working_day(end).ok(), Some(true), "{start}+{n}wd");
                    if n > 0 {
                        assert_eq!(
                            calendar_result(cal.working_days_between(start, end)),
                            Some(n),
                            "{start}..{end}"
                        );
                    }
                }
                if let Some(end) = calendar_result(cal.add_days(start, n)) {
                    // Civil Code: the period ends on its last day, or the next working day.
                    assert!((end - start).num_days() >= i64::from(n), "{start}+{n}d");
                    assert_eq!(cal.is_working_day(end).ok(), Some(true), "{start}+{n}d");
                    assert!(end.year() >= year);
                }
            }
        }
    }
}

pub fn topics(data: &[u8]) {
    let Some(text) = utf8(data) else { return };
    let topics = match parse_topics(text) {
        Ok(t) => t,
        Err(e) => return assert_domain_error(e),
    };
    assert!(topics.len() <= text.lines().count());
    for t in &topics {
        assert!(!t.code.is_empty() && !t.name_zh.is_empty() && !t.name_en.is_empty());
        assert!(!t.code.contains(',') && t.code.trim() == t.code);
    }
    let codes: Vec<String> = topics.iter().map(|t| t.code.clone()).collect();
    let dir = match Directory::new(vec![], vec![], topics, vec![]) {
        Ok(d) => d,
        Err(e) => return assert_domain_error(e),
    };
    for code in &codes {
        let chain = dir.topic_chain(code);
        assert!(
            chain.len() <= 9,
            "the chain is bounded even through a cycle"
        );
        if !chain.is_empty() {
            assert_eq!(chain.last(), Some(&code.as_str()));
        }
    }
}

/// Texts every lexicon is tried on.
const LEXICON_PROBES: &[&str] = &[
    "我们明天去市政府门口聚集，不解决就跳楼",
    "没有聚集，只是咨询",
    "",
    "ＡＢＣ 跳 楼\u{0}\u{202e}",
];

fn check_assessment(text: &str, a: &Assessment) {
    for f in a.flags.iter().chain(&a.suppressed) {
        assert!((1..=4).contains(&f.level), "level {}", f.level);
        assert!(f.start <= f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        assert_eq!(&text[f.start..f.end], f.phrase);
        assert_eq!(text[..f.start].chars().count(), f.char_start);
        assert_eq!(text[..f.end].chars().count(), f.char_end);
    }
    assert_eq!(a.level(), a.flags.iter().map(|f| f.level).min());
}

pub fn lexicon(data: &[u8]) {
    let Some(text) = utf8(data) else { return };
    let lexicon = match Lexicon::from_toml(text) {
        Ok(l) => l,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    for probe in LEXICON_PROBES.iter().copied().chain([text]) {
        check_assessment(probe, &lexicon.assess(probe));
    }
}

/// The built-in lexicon on arbitrary text (used by the text pipeline target).
pub(crate) fn builtin_lexicon_on(text: &str) {
    check_assessment(text, &Lexicon::builtin().assess(text));
}
