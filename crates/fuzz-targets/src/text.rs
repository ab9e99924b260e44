//! The text pipeline on arbitrary UTF-8 (segmentation, similarity, the spam screen, the risk
//! lexicon, HTML escaping, masking of personal data) and the identifiers people type (phone and
//! ID numbers, query codes, enum codes).

use crate::{config, fixtures, open311};
use minsheng_core::case::{CaseKind, Channel, Flow, Status};
use minsheng_core::ids::parse_query_code;
use minsheng_core::petitioner::{IdNumber, Phone, clean_text, mask_address, mask_name};
use minsheng_server::open311::requests::mask_numbers;
use minsheng_text::search::{escape_html, mask_digit_runs};
use minsheng_text::spam::{HOLD_AT, screen};

/// ASCII and full-width digits, which a reader takes for the same thing.
fn fold_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// A mask leaves no run of seven digits, ASCII or full-width: no phone, ID or card number
/// survives it whole.
fn assert_no_number(masked: &str, what: &str) {
    let run = open311::longest_digit_run(&fold_digits(masked));
    assert!(run < 7, "{what} left a run of {run} digits: {masked:?}");
    assert!(
        !minsheng_text::numbers::has_number(masked),
        "{what} left a separated number: {masked:?}"
    );
}

pub fn pipeline(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let (a, b) = text.split_at(text.floor_char_boundary(text.len() / 2));

    // Segmentation: every word is the slice of the text it claims to be, in order.
    let seg = fixtures::segmenter();
    let words = seg.words(text);
    let mut end = 0;
    for w in &words {
        assert!(
            w.start >= end && w.start < w.end,
            "words overlap or are empty"
        );
        assert_eq!(&text[w.start..w.end], w.text);
        end = w.end;
    }
    assert_eq!(
        seg.cut(text),
        words.iter().map(|w| w.text).collect::<Vec<_>>()
    );
    for w in seg.cut_for_search(text) {
        assert_eq!(text.get(w.start..w.end), Some(w.text));
    }

    // Similarity is a bounded, symmetric score; a text is the same matter as itself.
    let n = minsheng_text::normalize(text);
    assert_eq!(minsheng_text::normalize(&n), n, "normalising is idempotent");
    let s = minsheng_text::similarity(a, b);
    assert!((0.0..=1.0).contains(&s), "similarity {s}");
    assert_eq!(s, minsheng_text::similarity(b, a));
    assert_eq!(minsheng_text::similarity(text, text), 1.0);
    if let Some(score) = minsheng_text::answer_score(a, b, text) {
        assert!((0.0..=3.0).contains(&score), "answer score {score}");
    }

    // The spam screen and the risk lexicon.
    let verdict = screen(text);
    assert_eq!(verdict.hold, verdict.score >= HOLD_AT);
    config::builtin_lexicon_on(text);

    // Escaping: nothing that could open markup or close an attribute survives, and the text
    // reads back.
    let escaped = escape_html(text);
    assert!(!escaped.contains(['<', '>', '"', '\'']));
    let back = escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    assert_eq!(back, text);

    // Masks for search snippets and for Open311's public GET.
    let masked = mask_digit_runs(text);
    assert_eq!(masked.chars().count(), text.chars().count());
    for (m, t) in masked.chars().zip(text.chars()) {
        assert!(m == t || m == '*', "the mask changed {t:?} into {m:?}");
    }
    assert_no_number(&masked, "mask_digit_runs");
    assert_no_number(&mask_numbers(text), "Open311 mask_numbers");

    // Personal-data masks for lists: only the first character of a name, the first six of an
    // address stay.
    let name = mask_name(a);
    assert!(name.chars().skip(1).all(|c| c == '*'));
    assert_eq!(name.chars().next(), a.chars().next());
    let addr = mask_address(b);
    assert!(addr.chars().skip(6).all(|c| c == '*'));
    if b.chars().count() <= 6 {
        assert!(addr.chars().all(|c| c == '*'));
    }
    if let Ok(clean) = clean_text("text", text, 0, usize::MAX) {
        assert!(clean.chars().all(|c| !c.is_control() || c == '\n'));
    }
}

pub fn identifiers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    if let Ok(p) = Phone::parse(text) {
        let digits = p.as_str();
        assert!(digits.bytes().all(|b| b.is_ascii_digit()) && (10..=12).contains(&digits.len()));
        assert_eq!(
            Phone::parse(digits).ok(),
            Some(p.clone()),
            "parsing is idempotent"
        );
        let masked = p.masked();
        assert_eq!(masked.len(), digits.len());
        // The last four stay (citizens confirm with them); at least four digits are hidden.
        assert!(masked.ends_with(p.last4()), "{masked}");
        assert!(
            masked.bytes().filter(|b| *b == b'*').count() >= 4,
            "{masked}"
        );
        assert!(
            !format!("{p:?}").contains(digits),
            "Debug prints the number"
        );
    }
    if let Ok(id) = IdNumber::parse(text) {
        let s = id.as_str();
        assert_eq!(IdNumber::with_check_digit(&s[..17]).as_ref(), Some(&id));
        let masked = id.masked();
        assert_eq!(masked.chars().filter(|c| *c != '*').count(), 7);
        assert!(!format!("{id:?}").contains(s), "Debug prints the number");
    }
    if let Ok(code) = parse_query_code(text) {
        assert_eq!(code.len(), 10);
        assert_eq!(
            parse_query_code(&code.to_lowercase()).ok(),
            Some(code.clone())
        );
    }
    let t = text.trim();
    if let Ok(k) = CaseKind::parse(t) {
        assert_eq!(CaseKind::parse(k.as_str()).ok(), Some(k));
    }
    if let Ok(c) = Channel::parse(t) {
        assert_eq!(Channel::parse(c.as_str()).ok(), Some(c));
    }
    if let Ok(f) = Flow::parse(t) {
        assert_eq!(Flow::parse(f.as_str()).ok(), Some(f));
    }
    if let Ok(s) = Status::parse(t) {
        assert_eq!(Status::parse(s.as_str()).ok(), Some(s));
    }
    // The last-four check of tracking never panics on any phone or any answer.
    let (a, b) = text.split_at(text.floor_char_boundary(text.len() / 2));
    minsheng_server::service::last4_matches(a, b);
}
