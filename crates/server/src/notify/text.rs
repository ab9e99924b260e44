//! The notices' words, in Chinese and English (templates `notify/*.txt`): the case number, the
//! deadline in words, never the query code (a notice can be forwarded or read over a shoulder;
//! the code is what lets someone act on the case).

use super::producer::Notice;
use crate::state::AppState;
use askama::Template;
use chrono::{Datelike, NaiveDate};
use minsheng_core::workflow::CaseState;

/// A notice ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    /// The e-mail body: Chinese first, then English.
    pub body: String,
    /// The SMS text, both languages in one message.
    pub sms: String,
}

#[derive(Template)]
#[template(path = "notify/email.txt")]
struct EmailText<'a> {
    subject_zh: &'a str,
    subject_en: &'a str,
    line_zh: &'a str,
    line_en: &'a str,
    number: &'a str,
    due_zh: Option<String>,
    due_en: Option<String>,
}

#[derive(Template)]
#[template(path = "notify/sms.txt")]
struct SmsText<'a> {
    line_zh: &'a str,
    line_en: &'a str,
    number: &'a str,
    due_zh: Option<String>,
    due_en: Option<String>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// 2026年12月27日 / 27 December 2026.
pub fn date_words(d: NaiveDate) -> (String, String) {
    (
        format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year()),
    )
}

fn words(n: Notice) -> (&'static str, &'static str, &'static str, &'static str) {
    match n {
        Notice::Accepted => (
            "您反映的事项已受理",
            "Your matter has been accepted",
            "您反映的事项已由承办单位受理，将在期限内出具处理意见。",
            "The responsible unit has accepted your matter and will give its answer within the time limit.",
        ),
        Notice::Declined => (
            "您反映的事项不予受理",
            "Your matter was not accepted",
            "您反映的事项不予受理，理由和救济途径见书面告知。",
            "Your matter was not accepted; the written notice gives the reasons and where to turn.",
        ),
        Notice::Extended => (
            "您反映的事项办理期限已延长",
            "The time limit for your matter was extended",
            "因情况复杂，您反映的事项办理期限已依法延长。",
            "The matter is complex, so the time limit for it was extended as the law allows.",
        ),
        Notice::Decided => (
            "您反映的事项已有处理意见",
            "There is an answer to your matter",
            "您反映的事项已出具处理意见，请用查询码查看；如不服，可在规定期限内申请复查。",
            "The answer to your matter is ready; see it with your query code. If you disagree you may ask for a review within the time limit.",
        ),
        Notice::Alert => (
            "预警通知",
            "Alert",
            "民声发出预警，请登录查看并按时签收。",
            "minsheng raised an alert: sign in to read it and acknowledge it in time.",
        ),
        Notice::Supervised => (
            "督办通知",
            "Supervision order",
            "上级机关已对该事项发出督办，请登录民声查看督办要求，并在期限内报告办理情况。",
            "A supervising office has issued an order on this matter. Sign in to minsheng to read it and report on the handling within the time limit.",
        ),
    }
}

#[derive(Template)]
#[template(path = "notify/alert.txt")]
struct AlertText<'a> {
    rule_zh: &'a str,
    rule_en: &'a str,
    level: u8,
    path: String,
    due_zh: Option<String>,
    due_en: Option<String>,
}

/// The e-mail about an alert: its rule, level, page and report-within time; the evidence stays
/// behind the sign-in.
pub fn render_alert(rec: &minsheng_store::AlertRecord) -> Result<Rendered, askama::Error> {
    let a = &rec.alert;
    let due = rec.report_due.map(|d| {
        d.with_timezone(&minsheng_core::deadline::china())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    });
    let body = AlertText {
        rule_zh: a.rule.zh(),
        rule_en: a.rule.en(),
        level: a.level,
        path: format!("/staff/alerts/{}", a.id),
        due_zh: due.clone(),
        due_en: due,
    }
    .render()
    .map(|b| wrap(&b, 72))?;
    Ok(Rendered {
        subject: format!(
            "预警通知：{}（{}级） / Alert: {} (level {})",
            a.rule.zh(),
            a.level,
            a.rule.en(),
            a.level
        ),
        sms: body.clone(),
        body,
    })
}

/// Breaks lines to at most `max` bytes (at a space when the line has one, else between
/// characters, which is fine for Chinese): mail lines of under 76 bytes can travel as 8-bit
/// text that any client shows as written, instead of base64.
pub fn wrap(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut cur = String::new();
        for ch in line.chars() {
            // A loop, not an `if`: what follows the last space can itself be too long to take
            // the next character (a short word, a space, then a run of Chinese).
            while !cur.is_empty() && cur.len() + ch.len_utf8() > max {
                match cur.rfind(' ').filter(|&p| p > 0) {
                    Some(p) => {
                        let rest = cur[p + 1..].to_string();
                        out.push_str(cur[..p].trim_end());
                        cur = rest;
                    }
                    None => out.push_str(&std::mem::take(&mut cur)),
                }
                out.push('\n');
            }
            cur.push(ch);
        }
        out.push_str(&cur);
    }
    out
}

/// The notice about `case`.
pub fn render(st: &AppState, case: &CaseState, notice: Notice) -> Result<Rendered, askama::Error> {
    let (subject_zh, subject_en, line_zh, line_en) = words(notice);
    let due = match notice {
        Notice::Accepted | Notice::Extended => {
            let policy = st.policy_for_region(&case.location.region);
            minsheng_core::deadline::current_duty(case, &policy, &st.calendar)
                .map(|d| date_words(d.last_day))
        }
        Notice::Supervised => case.supervisions.last().map(|s| {
            let n = s.respond_within_days;
            (format!("{n}日内报告"), format!("report within {n} days"))
        }),
        Notice::Declined | Notice::Decided | Notice::Alert => None,
    };
    let (due_zh, due_en) = match due {
        Some((zh, en)) => (Some(zh), Some(en)),
        None => (None, None),
    };
    let number = case.number.as_str();
    let body = EmailText {
        subject_zh,
        subject_en,
        line_zh,
        line_en,
        number,
        due_zh: due_zh.clone(),
        due_en: due_en.clone(),
    }
    .render()
    .map(|b| wrap(&b, 72))?;
    let sms = SmsText {
        line_zh,
        line_en,
        number,
        due_zh,
        due_en,
    }
    .render()?;
    Ok(Rendered {
        subject: format!("{subject_zh} / {subject_en} ({number})"),
        body,
        sms,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// Wrapping keeps every character in order and no line over the limit.
        #[test]
        fn wrap_keeps_text_and_limit(s in "[a-z 我们的事项，。\\n]{0,300}") {
            let w = super::wrap(&s, 72);
            prop_assert!(w.split('\n').all(|l| l.len() <= 72));
            let strip = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            prop_assert_eq!(strip(&w), strip(&s));
        }
    }

    /// Found by the property above in CI: breaking at the only space left a Chinese run that
    /// was still too long for the next character.
    #[test]
    fn wrap_breaks_again_after_a_space_break() {
        let found = "a 们们的项项，我，我a。的事项，，我，我们项项事的。";
        for s in [found.to_string(), found.repeat(3)] {
            let w = super::wrap(&s, 72);
            assert!(w.split('\n').all(|l| l.len() <= 72), "{w}");
            let strip = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert_eq!(strip(&w), strip(&s));
        }
    }

    #[test]
    fn dates_in_words() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            super::date_words(d),
            ("2026年12月7日".to_string(), "7 December 2026".to_string())
        );
    }
}
