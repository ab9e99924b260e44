//! Personal numbers in free text: phone, identity and bank card numbers that citizens type into
//! a description. Every place that shows text to someone who must not see them (search
//! snippets, Open311's public GET, typical cases on `/open`) finds them here, the same way.
//!
//! Two shapes are found:
//! * a run of seven or more digits (an identity number's final X included) — phone, landline,
//!   identity and card numbers written without spaces;
//! * digit groups joined by single separators (`-`, `.`, spaces) that together spell a mobile
//!   number (11 digits starting 13–19) or an identity number (18 characters): "138-1234-5678",
//!   "138 1234 5678", "110105 19491231 002X". Case numbers ("2026-1126-000123", 14 digits
//!   starting with the year) and dates spell neither, so they stay readable.
//!
//! Full-width digits (１３８…), which Chinese input methods produce, count as digits.

use std::ops::Range;

const MIN_RUN: usize = 7;

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_x(c: char) -> bool {
    matches!(c, 'x' | 'X' | 'ｘ' | 'Ｘ')
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '－' | '.' | ' ' | '\u{3000}' | '\u{a0}')
}

/// The value of a digit, half- or full-width.
fn digit_value(c: char) -> u32 {
    c.to_digit(10)
        .unwrap_or_else(|| (c as u32).wrapping_sub('０' as u32))
}

/// A run of digits: char positions `start..end`, and whether an X follows at `end`.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    x: bool,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// Its span with a following X.
    fn span(&self) -> Range<usize> {
        self.start..self.end + usize::from(self.x)
    }
}

/// Whether the digits of `groups` (in order) spell a mobile or an identity number.
fn spells_a_number(chars: &[char], groups: &[Group]) -> bool {
    let digits: usize = groups.iter().map(Group::len).sum();
    let last_x = groups.last().is_some_and(|g| g.x);
    // An X belongs at the very end of an identity number only.
    if groups[..groups.len() - 1].iter().any(|g| g.x) {
        return false;
    }
    let mut ds = groups
        .iter()
        .flat_map(|g| chars[g.start..g.end].iter().map(|&c| digit_value(c)));
    let (first, second) = (ds.next(), ds.next());
    let mobile = digits == 11 && !last_x && first == Some(1) && second.is_some_and(|d| d >= 3);
    let identity = (digits == 18 && !last_x) || (digits == 17 && last_x);
    mobile || identity
}

/// Where the personal numbers are, as char ranges in order, not overlapping.
pub fn number_spans(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        // A chain of digit groups joined by single separators.
        let mut chain: Vec<Group> = Vec::new();
        loop {
            let start = i;
            while i < chars.len() && is_digit(chars[i]) {
                i += 1;
            }
            let x = i < chars.len() && is_x(chars[i]);
            chain.push(Group { start, end: i, x });
            if x {
                i += 1;
                break;
            }
            if i + 1 < chars.len() && is_separator(chars[i]) && is_digit(chars[i + 1]) {
                i += 1;
                continue;
            }
            break;
        }
        let mut masked = vec![false; chain.len()];
        // Contiguous groups that spell a number together, longest first.
        for width in (2..=chain.len().min(6)).rev() {
            for from in 0..=chain.len() - width {
                let window = &chain[from..from + width];
                if masked[from..from + width].iter().any(|m| *m) {
                    continue;
                }
                if spells_a_number(&chars, window) {
                    spans.push(window[0].start..window[width - 1].span().end);
                    masked[from..from + width]
                        .iter_mut()
                        .for_each(|m| *m = true);
                }
            }
        }
        for (g, m) in chain.iter().zip(&masked) {
            if !m && g.len() >= MIN_RUN {
                spans.push(g.span());
            }
        }
    }
    spans.sort_by_key(|r| r.start);
    spans
}

/// Whether the text carries a personal number.
pub fn has_number(text: &str) -> bool {
    !number_spans(text).is_empty()
}

/// Replaces each personal number's characters with what `mask` makes of them (separators
/// included, so the mask can keep them).
pub fn mask_numbers_with(text: &str, mut mask: impl FnMut(&[char]) -> String) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in number_spans(text) {
        out.extend(&chars[at..r.start]);
        out.push_str(&mask(&chars[r.clone()]));
        at = r.end;
    }
    out.extend(&chars[at..]);
    out
}

/// Every character of each personal number becomes `*` (search index and snippets).
pub fn mask_all(text: &str) -> String {
    mask_numbers_with(text, |cs| "*".repeat(cs.len()))
}

/// The first three and last two characters stay, the digits between become `*`, separators
/// stay: enough for a caller to recognise their own number, too little to dial it. Should the
/// kept ends join neighbouring digit groups into something that spells a number, that is
/// masked whole.
pub fn mask_middle(text: &str) -> String {
    let once = mask_numbers_with(text, |cs| {
        let n = cs.len();
        cs.iter()
            .enumerate()
            .map(|(i, &c)| {
                if i < 3 || i + 2 >= n || is_separator(c) {
                    c
                } else {
                    '*'
                }
            })
            .collect()
    });
    if has_number(&once) {
        mask_all(&once)
    } else {
        once
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runs_and_separated_numbers() {
        assert_eq!(
            mask_all("电话13812345678，身份证11010519491231002X，3栋2单元"),
            "电话***********，身份证******************，3栋2单元"
        );
        assert_eq!(
            mask_all("请回电138-1234-5678谢谢"),
            "请回电*************谢谢"
        );
        assert_eq!(mask_all("手机 138 1234 5678。"), "手机 *************。");
        assert_eq!(mask_all("１３８－１２３４－５６７８"), "*************");
        assert_eq!(
            mask_all("证件110105 19491231 002X"),
            "证件********************"
        );
        assert_eq!(
            mask_all("编号2026-1126-000123 回电138-1234-5678"),
            "编号2026-1126-000123 回电*************"
        );
        assert_eq!(mask_middle("回电138-1234-5678"), "回电138-****-**78");
        assert_eq!(
            mask_middle("电话13712345678请回电"),
            "电话137******78请回电"
        );
    }

    #[test]
    fn ordinary_numbers_stay() {
        for s in [
            "2026-1126-000123",
            "2026-11-26 13:45",
            "3栋2单元101室",
            "共12户 45人",
            "金额 1.5 万元",
            "0571-8888",
            "第3.1.2条",
        ] {
            assert_eq!(mask_all(s), s, "{s}");
            assert!(!has_number(s), "{s}");
        }
        // A landline's eight-digit number is a run; the area code alone says nothing.
        assert_eq!(mask_all("0571-88881234"), "0571-********");
    }

    fn mobile() -> impl Strategy<Value = String> {
        (3u32..=9, 0u64..1_000_000_000).prop_map(|(b, rest)| format!("1{b}{rest:09}"))
    }

    proptest! {
        /// However a mobile number is split into groups by separators, none of its digits
        /// survive, and the text around it is untouched.
        #[test]
        fn separated_mobiles_never_leak(
            m in mobile(),
            cuts in proptest::collection::btree_set(1usize..11, 0..4),
            sep in prop::sample::select(vec!["-", " ", ".", "－", "\u{3000}"]),
            before in "[一-龥]{0,5}",
            after in "[一-龥]{0,5}",
        ) {
            let mut written = String::new();
            for (i, c) in m.chars().enumerate() {
                if cuts.contains(&i) {
                    written.push_str(sep);
                }
                written.push(c);
            }
            let text = format!("{before}{written}{after}");
            let masked = mask_all(&text);
            prop_assert!(masked.starts_with(&before) && masked.ends_with(&after), "{masked}");
            prop_assert!(!masked.chars().any(|c| c.is_ascii_digit()), "{masked}");
            prop_assert_eq!(masked.chars().count(), text.chars().count());
        }
    }
}
