//! What the text machinery adds to intake and the case page: related cases with the reason
//! each matched, and early-warning phrases with their category and level.

use crate::error::ApiResult;
use crate::state::AppState;
use minsheng_core::access::{self, Actor};
use minsheng_text::lexicon::Lexicon;
use minsheng_text::related::{Reason, Related};

pub struct RelatedRow {
    pub number: String,
    pub title: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub reasons_zh: String,
    pub reasons_en: String,
}

pub struct RiskRow {
    pub category_zh: String,
    pub category_en: String,
    pub level: u8,
    pub phrase: String,
    /// The negation that lowered the level ("不会去跳楼"): kept so a reader can judge.
    pub negated_by: Option<String>,
}

/// Related cases this staff member may open, most relevant first.
pub async fn related_rows(
    st: &AppState,
    actor: &Actor,
    related: Vec<Related>,
    limit: usize,
) -> ApiResult<Vec<RelatedRow>> {
    let dir = st.directory();
    let ids: Vec<uuid::Uuid> = related
        .iter()
        .filter_map(|r| uuid::Uuid::parse_str(&r.id).ok())
        .collect();
    let mut found = st.store.cases_by_id(&ids).await?;
    let mut out = Vec::new();
    for r in related {
        if out.len() >= limit {
            break;
        }
        let Some(case) = uuid::Uuid::parse_str(&r.id)
            .ok()
            .and_then(|id| found.remove(&id))
        else {
            continue;
        };
        if !access::can_view(actor, &case, &dir) {
            continue;
        }
        let (zh, en): (Vec<String>, Vec<String>) = r
            .reasons
            .iter()
            .map(|reason| match reason {
                Reason::SameCaller => ("同一来电人".to_string(), "same caller".to_string()),
                Reason::SamePlaceTopic => (
                    "同一地点同类问题".to_string(),
                    "same place and topic".to_string(),
                ),
                Reason::NearDuplicate { similarity } => (
                    format!("内容相近 {:.0}%", similarity * 100.0),
                    format!("similar text {:.0}%", similarity * 100.0),
                ),
            })
            .unzip();
        out.push(RelatedRow {
            number: case.number.clone(),
            title: case.title.clone(),
            status_zh: case.status.zh(),
            status_en: case.status.en(),
            reasons_zh: zh.join("、"),
            reasons_en: en.join(", "),
        });
    }
    Ok(out)
}

/// Early-warning phrases in the text. The lexicon drops most negated phrases; for extreme
/// categories it keeps them at the lowest level, with the negation shown.
pub fn risk_rows(text: &str) -> Vec<RiskRow> {
    let lexicon = Lexicon::builtin();
    lexicon
        .assess(text)
        .flags
        .into_iter()
        .map(|f| {
            let cat = lexicon.category(&f.category);
            RiskRow {
                category_zh: cat
                    .map(|c| c.zh.clone())
                    .unwrap_or_else(|| f.category.clone()),
                category_en: cat
                    .map(|c| c.en.clone())
                    .unwrap_or_else(|| f.category.clone()),
                level: f.level,
                phrase: f.phrase,
                negated_by: f.negated_by,
            }
        })
        .collect()
}

/// The classifier's first-level topic for a text, with its confidence in percent.
pub struct TopicGuess {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub percent: u32,
}

pub fn topic_guess(st: &AppState, title: &str, body: &str) -> Option<TopicGuess> {
    if title.trim().is_empty() && body.trim().is_empty() {
        return None;
    }
    let model = st.classifier()?;
    let s = model.suggest(title, body)?;
    let dir = st.directory();
    let topic = dir.topic(&s.label).ok()?;
    Some(TopicGuess {
        code: s.label.clone(),
        zh: topic.name_zh.clone(),
        en: topic.name_en.clone(),
        percent: (s.confidence * 100.0).round() as u32,
    })
}
