//! Form bodies and query strings of the web pages and the JSON API: `FormData` (portal and
//! staff forms), workflow commands from action forms, the statistics period, the case and
//! alert list filters, and the staff search.

use crate::{assert_client_error, cases, fixtures};
use minsheng_core::case::Channel;
use minsheng_core::workflow::Command;
use minsheng_server::api::cases::{ListParams, case_filter};
use minsheng_server::web::forms::{self, FormData};
use minsheng_server::web::period::{Period, PeriodQuery};
use minsheng_server::web::search::{SearchParams, search_query};
use minsheng_text::search::{SearchError, Visibility};

pub fn form(data: &[u8]) {
    let f = match FormData::parse(data) {
        Ok(f) => f,
        Err(e) => return assert_client_error(&e),
    };
    // What we parsed, encoded again, parses to the same form.
    let again = serde_urlencoded::to_string(&f.0).expect("a map encodes");
    let g = FormData::parse(again.as_bytes()).expect("our own encoding parses");
    assert_eq!(f.0, g.0);
    // The new-case fields, as the portal (citizen) and the intake console (staff) read them,
    // then the whole registration check the JSON API runs.
    for staff in [false, true] {
        match forms::new_case(&f, Channel::Online, staff) {
            Ok(input) => {
                let actor = if staff {
                    fixtures::intake()
                } else {
                    minsheng_core::access::Actor::citizen()
                };
                cases::check_new_case(input, &actor)
            }
            Err(e) => assert_client_error(&e),
        }
    }
    match forms::command(&f) {
        Ok(cmd) => {
            // A command read from a form is one the JSON API would accept as it is.
            let json = serde_json::to_value(&cmd).expect("a command serialises");
            let back: Command = serde_json::from_value(json).expect("and deserialises");
            assert_eq!(back, cmd);
        }
        Err(e) => assert_client_error(&e),
    }
}

/// One query string read as each of the query types that take one.
pub fn query_string(data: &[u8]) {
    let now = fixtures::now();
    if let Ok(q) = serde_urlencoded::from_bytes::<PeriodQuery>(data) {
        match Period::parse(&q, now) {
            Err(e) => assert_client_error(&e),
            Ok(p) => {
                assert!(p.first_day <= p.last_day);
                assert!((p.last_day - p.first_day).num_days() <= 3 * 366);
                assert!(p.start() < p.until());
                let keys = p.trend_keys();
                assert!(!keys.is_empty() && keys.len() <= 3 * 366 + 1);
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "trend keys in order");
                // The period's own link selects it again.
                let q2: PeriodQuery =
                    serde_urlencoded::from_str(&p.query()).expect("our link parses");
                let p2 = Period::parse(&q2, now).expect("our link is valid");
                assert_eq!((p2.first_day, p2.last_day), (p.first_day, p.last_day));
            }
        }
    }
    if let Ok(q) = serde_urlencoded::from_bytes::<ListParams>(data) {
        let dir = fixtures::directory();
        match case_filter(dir, q, now) {
            Err(e) => assert_client_error(&e),
            Ok(f) => {
                for r in f.regions.iter().flatten() {
                    assert!(dir.region(r).is_ok());
                }
                for t in f.topics.iter().flatten() {
                    assert!(dir.topic(t).is_ok());
                }
            }
        }
    }
    if let Ok(q) = serde_urlencoded::from_bytes::<minsheng_server::alerts::api::ListQuery>(data) {
        match minsheng_server::alerts::api::filter(&q) {
            Err(e) => assert_client_error(&e),
            Ok(f) => assert!(f.level.is_none_or(|l| (1..=9).contains(&l))),
        }
    }
}

/// Text as the search page shows it: escaped, with only our `<mark>` tags as markup.
fn assert_inert(html: &str) {
    let plain = html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !plain.contains(['<', '>', '"', '\'']),
        "unescaped markup in {html:?}"
    );
}

pub fn search(data: &[u8]) {
    let Ok(p) = serde_urlencoded::from_bytes::<SearchParams>(data) else {
        return;
    };
    let q = match search_query(fixtures::directory(), Visibility::All, &p) {
        Ok(q) => q,
        Err(e) => return assert_client_error(&e),
    };
    match fixtures::search_index().search(&q) {
        Ok(r) => {
            assert!(r.hits.len() <= q.limit && r.hits.len() <= r.total);
            for h in &r.hits {
                assert!(fixtures::DOCS.iter().any(|(id, _, _)| *id == h.id));
                assert_inert(&h.title_html);
                assert_inert(&h.snippet_html);
                // Phone numbers in the request are never shown in a snippet.
                assert!(crate::open311::longest_digit_run(&h.snippet_html) < 7);
            }
        }
        Err(SearchError::InvalidQuery { zh, en }) => assert!(!zh.is_empty() && !en.is_empty()),
        Err(e) => panic!("search failed on outside input: {e}"),
    }
}
