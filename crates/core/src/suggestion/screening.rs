//! Is it a suggestion at all? Shanghai Art. 10: 个人诉求 (personal requests) and matters for
//! litigation, arbitration or reconsideration are not suggestions and go to the petition or
//! hotline flow, with the citizen told why. A pure function: phrase rules from policy
//! (`[suggestion.screening_rules]`) plus an optional classifier score the caller supplies (the
//! text module's classifier; core does not depend on it).

use super::{NotASuggestion, ScreeningPolicy};
use crate::case::Flow;
use serde::{Deserialize, Serialize};

/// A classifier's probabilities, in whole percent, that the text is each kind of non-suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClassifierScore {
    pub personal_request: u8,
    pub litigation: u8,
}

/// What screening concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A suggestion: nothing found.
    Suggestion,
    /// Unclear: the office decides.
    Review,
    /// Not a suggestion: redirect.
    Redirect,
}

impl Verdict {
    pub fn zh(self) -> &'static str {
        match self {
            Verdict::Suggestion => "属于人民建议",
            Verdict::Review => "需人工甄别",
            Verdict::Redirect => "不属于人民建议",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Verdict::Suggestion => "A suggestion",
            Verdict::Review => "To be checked by the office",
            Verdict::Redirect => "Not a suggestion",
        }
    }
}

/// The screening result, with its evidence (recorded on the submission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Screening {
    pub verdict: Verdict,
    /// The kind with the higher score (litigation on a tie); `None` for a suggestion.
    pub kind: Option<NotASuggestion>,
    /// Final scores, 0–100.
    pub personal_request: u32,
    pub litigation: u32,
    /// Ids of the rules that matched, and the phrases that matched them.
    pub rules: Vec<String>,
    pub phrases: Vec<String>,
    /// Public-interest markers found (they lower the scores).
    pub markers: Vec<String>,
    pub classifier: Option<ClassifierScore>,
    /// What the citizen is told when redirected (from the matched rules of `kind`).
    pub reason_zh: String,
    pub reason_en: String,
}

impl Screening {
    /// The flow a redirected submission goes to.
    pub fn target(&self, p: &ScreeningPolicy) -> Option<Flow> {
        self.kind.map(|k| target_flow(k, p))
    }
}

/// The flow the policy sends a kind of non-suggestion to.
pub fn target_flow(kind: NotASuggestion, p: &ScreeningPolicy) -> Flow {
    let to = match kind {
        NotASuggestion::PersonalRequest => &p.personal_request_to,
        NotASuggestion::Litigation => &p.litigation_to,
    };
    if to == "hotline" {
        Flow::Hotline
    } else {
        Flow::Petition
    }
}

/// Text as matched: no whitespace, ASCII lower-cased, full-width ASCII folded.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Screens a submission's text (主题 + 主要事由 + 对策建议). Per kind, the rule score is the sum of
/// the weights of its matching rules (each rule counts once), capped at 100, less the
/// public-interest discount; with a classifier score `c` and weight `w`%, the final score is
/// `(rule × (100 − w) + c × w) / 100`, rounded down. The verdict compares the higher of the two
/// scores with `review_at` and `redirect_at`.
pub fn screen(
    texts: &[&str],
    p: &ScreeningPolicy,
    classifier: Option<ClassifierScore>,
) -> Screening {
    let text = normalise(&texts.join("\n"));
    let mut raw = [0u32; 2];
    let mut rules = Vec::new();
    let mut phrases = Vec::new();
    let mut reasons: [Vec<(&str, &str)>; 2] = [Vec::new(), Vec::new()];
    let idx = |k: NotASuggestion| match k {
        NotASuggestion::PersonalRequest => 0,
        NotASuggestion::Litigation => 1,
    };
    for rule in &p.rules {
        let hits: Vec<&String> = rule
            .phrases
            .iter()
            .filter(|ph| text.contains(&normalise(ph)))
            .collect();
        if hits.is_empty() {
            continue;
        }
        raw[idx(rule.kind)] += rule.weight;
        rules.push(rule.id.clone());
        phrases.extend(hits.into_iter().cloned());
        reasons[idx(rule.kind)].push((&rule.reason_zh, &rule.reason_en));
    }
    let markers: Vec<String> = p
        .public_interest_markers
        .iter()
        .filter(|m| text.contains(&normalise(m)))
        .cloned()
        .collect();
    let discount = (markers.len() as u32)
        .saturating_mul(p.marker_discount)
        .min(p.max_discount);
    let w = p.classifier_weight_percent.min(100);
    let fin = |i: usize, c: u8| {
        let rule = raw[i].min(100).saturating_sub(discount);
        match classifier {
            Some(_) => (rule * (100 - w) + u32::from(c.min(100)) * w) / 100,
            None => rule,
        }
    };
    let personal = fin(0, classifier.map_or(0, |c| c.personal_request));
    let litigation = fin(1, classifier.map_or(0, |c| c.litigation));
    let (kind, top) = if litigation >= personal {
        (NotASuggestion::Litigation, litigation)
    } else {
        (NotASuggestion::PersonalRequest, personal)
    };
    let verdict = if top >= p.redirect_at {
        Verdict::Redirect
    } else if top >= p.review_at {
        Verdict::Review
    } else {
        Verdict::Suggestion
    };
    let kind = (verdict != Verdict::Suggestion).then_some(kind);
    let (reason_zh, reason_en) = match kind {
        Some(k) => {
            let rs = &reasons[idx(k)];
            if rs.is_empty() {
                (
                    format!("经识别，所提事项属于{}", k.zh()),
                    format!("it was recognised as a {}", k.en().to_lowercase()),
                )
            } else {
                (
                    rs.iter().map(|r| r.0).collect::<Vec<_>>().join("；"),
                    rs.iter().map(|r| r.1).collect::<Vec<_>>().join("; "),
                )
            }
        }
        None => (String::new(), String::new()),
    };
    Screening {
        verdict,
        kind,
        personal_request: personal,
        litigation,
        rules,
        phrases,
        markers,
        classifier,
        reason_zh,
        reason_en,
    }
}
