//! minsheng-text: Chinese text for minsheng: segmentation with a domain dictionary, the
//! same-matter similarity, the topic classifier, the risk lexicon and hotspot clustering.
//! Full-text search ([`search`]) and related/duplicate cases at intake ([`related`]).

pub mod classify;
pub mod hotspot;
pub mod lexicon;
pub mod messages;
pub mod numbers;
pub mod related;
pub mod search;
pub mod segment;
pub mod spam;

use std::collections::HashSet;

/// Folds full-width ASCII to half-width, lowercases, and keeps only letters and digits (CJK
/// included), so punctuation and spacing do not make two texts differ.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = normalize(text).chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How well an article answers a draft: the share of the draft's character pairs found in the
/// article, a pair in the title counting three times (so the score can exceed 1). `None` when
/// the draft is too short to judge.
pub fn answer_score(draft: &str, title: &str, body: &str) -> Option<f64> {
    let want = bigrams(draft);
    if want.len() < 2 {
        return None;
    }
    let (t, b) = (bigrams(title), bigrams(body));
    let hits: usize = want
        .iter()
        .map(|g| {
            if t.contains(g) {
                3
            } else {
                usize::from(b.contains(g))
            }
        })
        .sum();
    Some(hits as f64 / want.len() as f64)
}

/// Jaccard similarity of character bigrams, 0.0–1.0.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() && y.is_empty() {
        return if normalize(a) == normalize(b) {
            1.0
        } else {
            0.0
        };
    }
    let inter = x.intersection(&y).count() as f64;
    let union = (x.len() + y.len()) as f64 - inter;
    if union == 0.0 { 0.0 } else { inter / union }
}

/// Threshold above which two requests on the same topic from the same person are treated as
/// the same matter on the same facts and grounds. Chosen on generated paraphrases: rewording a
/// sentence keeps most bigrams; a different matter on the same topic shares few.
pub const SAME_MATTER_THRESHOLD: f64 = 0.45;

pub fn same_matter(a: &str, b: &str) -> bool {
    similarity(a, b) >= SAME_MATTER_THRESHOLD
}

#[cfg(test)]
mod tests {

    #[test]
    fn answer_score_weighs_title_pairs() {
        let draft = "电梯停运找谁报修";
        let in_title = answer_score(draft, "电梯停运报修指南", "").unwrap();
        let in_body = answer_score(draft, "指南", "电梯停运报修指南").unwrap();
        let unrelated = answer_score(draft, "拖欠工资", "劳动监察").unwrap();
        assert!(
            in_title > in_body && in_body > unrelated,
            "{in_title} {in_body} {unrelated}"
        );
        assert_eq!(unrelated, 0.0);
        assert_eq!(answer_score("电", "电梯", ""), None);
    }
    use super::*;

    #[test]
    fn normalises_full_width_and_punctuation() {
        assert_eq!(normalize("ＡＢＣ，１２３！"), "abc123");
        assert_eq!(normalize("翠湖苑 3 栋。"), "翠湖苑3栋");
    }

    #[test]
    fn similarity_separates_same_and_different_matters() {
        let a = "翠湖苑小区3栋电梯长期故障，物业不予维修，请求责令物业公司尽快修复电梯。";
        let b = "翠湖苑小区3栋的电梯长期故障，物业一直不予维修，请求责令物业尽快修复。";
        let c = "村里征地补偿款至今没有发放到位，请求核查补偿标准并尽快发放。";
        assert!(same_matter(a, b), "{}", similarity(a, b));
        assert!(!same_matter(a, c), "{}", similarity(a, c));
        assert_eq!(similarity(a, a), 1.0);
    }
}
