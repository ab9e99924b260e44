//! Snippets with the matched text marked. The highlighter works on the stored text itself (a
//! case-folded substring search for each query term), not on index offsets: the index finds a
//! term as a chain of bigrams, and the person reading the snippet expects exactly the characters
//! they typed to be marked. Everything is HTML-escaped here, because the text is whatever a
//! citizen submitted and the snippet goes straight into a page.

use super::tokenize::fold_char;
use std::ops::Range;

/// Escapes text for an HTML element body or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Byte ranges of `text` where any of `terms` (already folded, non-empty) occurs, compared
/// after folding; overlapping and touching ranges are merged.
pub(crate) fn find_matches(text: &str, terms: &[Vec<char>]) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text
        .char_indices()
        .map(|(i, c)| (i, fold_char(c)))
        .collect();
    let mut ranges = Vec::new();
    for term in terms.iter().filter(|t| !t.is_empty()) {
        if term.len() > chars.len() {
            continue;
        }
        for i in 0..=chars.len() - term.len() {
            if chars[i..i + term.len()]
                .iter()
                .zip(term)
                .all(|((_, c), t)| c == t)
            {
                let end = chars.get(i + term.len()).map_or(text.len(), |c| c.0);
                ranges.push(chars[i].0..end);
            }
        }
    }
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The whole text, escaped, with every match marked.
pub(crate) fn mark_all(text: &str, terms: &[Vec<char>]) -> String {
    render(text, 0..text.len(), &find_matches(text, terms))
}

/// A window of about `max_chars` characters around the first match (or the start of the text
/// when nothing matches), escaped and marked, with an ellipsis where the text was cut.
pub(crate) fn fragment(text: &str, matches: &[Range<usize>], max_chars: usize) -> String {
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let n = starts.len();
    let byte_at = |ci: usize| starts.get(ci).copied().unwrap_or(text.len());
    let (from, to) = if n <= max_chars {
        (0, n)
    } else {
        let first = matches
            .first()
            .map(|m| starts.partition_point(|&b| b < m.start))
            .unwrap_or(0);
        // Some context before the first hit, the rest after it.
        let from = first.saturating_sub(max_chars / 4).min(n - max_chars);
        (from, from + max_chars)
    };
    let window = byte_at(from)..byte_at(to);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&render(text, window, matches));
    if to < n {
        out.push('…');
    }
    out
}

fn render(text: &str, window: Range<usize>, matches: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(window.len() + 32);
    let mut at = window.start;
    for m in matches {
        let (s, e) = (m.start.max(window.start), m.end.min(window.end));
        if s >= e {
            continue;
        }
        out.push_str(&escape_html(&text[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape_html(&text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    if at < window.end {
        out.push_str(&escape_html(&text[at..window.end]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(ts: &[&str]) -> Vec<Vec<char>> {
        ts.iter()
            .map(|t| t.chars().map(fold_char).collect())
            .collect()
    }

    #[test]
    fn marks_are_the_only_markup() {
        let html = mark_all(
            "<script>alert(1)</script>翠湖苑&3栋",
            &terms(&["翠湖", "３栋"]),
        );
        assert_eq!(
            html,
            "&lt;script&gt;alert(1)&lt;/script&gt;<mark>翠湖</mark>苑&amp;<mark>3栋</mark>"
        );
    }

    #[test]
    fn overlapping_matches_merge_and_windows_cut_with_ellipsis() {
        let text = "前".repeat(100) + "翠湖苑小区" + &"后".repeat(100);
        let m = find_matches(&text, &terms(&["翠湖", "湖苑"]));
        assert_eq!(m.len(), 1);
        let f = fragment(&text, &m, 40);
        assert!(f.starts_with('…') && f.ends_with('…'), "{f}");
        assert!(f.contains("<mark>翠湖苑</mark>"), "{f}");
        assert_eq!(f.chars().filter(|c| *c == '前').count(), 10);
    }
}
