//! Open311 GeoReport v2: the form-encoded arguments of POST and GET requests, and the XML our
//! answers carry citizens' text in.

use crate::fixtures;
use minsheng_server::open311::format::{Doc, Fail, Node};
use minsheng_server::open311::requests::{mask_numbers, parse_request, query};
use minsheng_server::open311::{arg, pairs};
use quick_xml::events::Event;

fn check_fail(f: &Fail) {
    assert!(f.status.is_client_error(), "{f:?}");
    let (zh, en) = f
        .description
        .split_once(" / ")
        .expect("a description in both languages");
    assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{f:?}");
}

/// The longest run of ASCII digits in `s`.
pub(crate) fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

pub fn form(data: &[u8]) {
    let p = match pairs(data) {
        Ok(p) => p,
        Err(f) => return check_fail(&f),
    };
    assert!(
        p.iter().all(|(_, v)| !v.trim().is_empty()),
        "empty values are dropped"
    );
    let dir = fixtures::directory();
    match query(dir, &p, fixtures::now()) {
        Err(f) => check_fail(&f),
        Ok(q) => {
            assert!((1..=1000).contains(&q.limit), "page size {}", q.limit);
            if let (Some(from), Some(to)) = (q.from, q.to) {
                assert!(from <= to && to - from <= chrono::Duration::days(90));
            }
            for r in q.regions.iter().flatten() {
                assert!(dir.region(r).is_ok(), "unknown region {r} in a query");
            }
        }
    }
    let input = match parse_request(dir, &p) {
        Ok(i) => i,
        Err(f) => return check_fail(&f),
    };
    let chars = input.request.chars().count();
    assert!(
        (1..=4000).contains(&chars),
        "description of {chars} characters"
    );
    assert!(dir.region(&input.location.region).is_ok());
    assert!(dir.topic(&input.topic).is_ok());
    let office = input.office_unit.as_deref().expect("an office is chosen");
    assert!(dir.unit(office).is_ok());
    let pet = &input.petitioner;
    assert_eq!(pet.anonymous, pet.name.is_none() && pet.phone.is_none());
    if let Some(code) = arg(&p, "service_code") {
        assert!(
            input.topic.starts_with(code),
            "{} under {code}",
            input.topic
        );
    }
    // The description is published by GET requests with long digit runs masked.
    assert!(longest_digit_run(&mask_numbers(&input.request)) < 7);
    // Then the same checks as every channel, as the Open311 client's system actor.
    crate::cases::check_new_case(
        input,
        &minsheng_core::access::Actor::system("Open311：fuzz"),
    );
}

/// Characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The text of every `description` element of an XML document.
fn descriptions(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                inside = e.name().as_ref() == "description";
                if inside {
                    out.push(String::new());
                }
            }
            Event::Text(t) if inside => {
                let s = t.into_inner().into_owned();
                out.last_mut().expect("open").push_str(&s);
            }
            Event::GeneralRef(r) if inside => {
                let name = r.into_inner().into_owned();
                let s = quick_xml::escape::unescape(&format!("&{name};"))
                    .expect("entity")
                    .into_owned();
                out.last_mut().expect("open").push_str(&s);
            }
            Event::End(_) => inside = false,
            Event::Eof => return out,
            _ => {}
        }
    }
}

/// Citizens' text inside our XML stays text: the document is well-formed, holds only XML
/// characters, and reads back as what was written (minus characters XML cannot carry). The
/// JSON encoding of the same tree reads back exactly.
pub fn xml(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let doc = Doc {
        root: "service_requests",
        body: Node::List(vec![Node::Obj(vec![
            ("service_request_id", Node::Text("2026-0615-000001".into())),
            ("description", Node::Text(text.clone())),
            ("lat", Node::Float(f64::from(data.len() as u32) / 7.0)),
        ])]),
    };
    let xml = doc.xml();
    if let Some(bad) = xml.chars().find(|c| !is_xml_char(*c)) {
        panic!("U+{:04X} is not allowed in XML", bad as u32);
    }
    let expected: String = text
        .chars()
        .filter(|c| is_xml_char(*c))
        .collect::<String>()
        .replace('\r', "\n");
    let got = descriptions(&xml);
    assert_eq!(got.len(), 1, "{xml}");
    assert_eq!(got[0].replace('\r', "\n"), expected);
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&doc.body).expect("serialises"))
            .expect("valid JSON");
    assert_eq!(json[0]["description"].as_str(), Some(text.as_str()));
}
