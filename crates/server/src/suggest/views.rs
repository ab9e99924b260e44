//! What each audience sees of a suggestion: staff (the whole state, masked suggester, running
//! deadlines), the suggester (outcome, answers, conversions, feedback, public steps) and the
//! public (the office's published summary and the support count only).

use super::service::Rules;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::suggestion::workflow::active_deadlines;
use minsheng_core::suggestion::{SuggestionEvent, SuggestionState};
use minsheng_store::StoredEvent;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueView {
    pub kind: String,
    pub zh: String,
    pub en: String,
    pub unit: Option<String>,
    pub due: Option<DateTime<Utc>>,
    pub last_day: Option<NaiveDate>,
    pub overdue: bool,
    pub error_zh: Option<String>,
    pub error_en: Option<String>,
}

pub fn deadlines(st: &AppState, s: &SuggestionState, now: DateTime<Utc>) -> Vec<DueView> {
    let rules = Rules::for_region(st, &s.region);
    active_deadlines(s, &rules.policy, &st.calendar)
        .into_iter()
        .map(|r| match r {
            Ok(d) => DueView {
                kind: d.kind.as_str().into(),
                zh: d.kind.zh().into(),
                en: d.kind.en().into(),
                unit: d.unit,
                due: Some(d.due),
                last_day: Some(d.last_day),
                overdue: now >= d.due,
                error_zh: None,
                error_en: None,
            },
            Err(e) => DueView {
                kind: String::new(),
                zh: String::new(),
                en: String::new(),
                unit: None,
                due: None,
                last_day: None,
                overdue: false,
                error_zh: Some(e.message_zh()),
                error_en: Some(e.message_en()),
            },
        })
        .collect()
}

/// A staff member's view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    #[schema(value_type = Object)]
    pub suggestion: SuggestionState,
    pub deadlines: Vec<DueView>,
    pub supporters: u32,
}

pub async fn staff_view(
    st: &AppState,
    s: SuggestionState,
) -> Result<StaffView, crate::error::ApiError> {
    let supporters = st.store.supporters(s.id).await?;
    Ok(StaffView {
        deadlines: deadlines(st, &s, crate::service::now()),
        suggestion: s,
        supporters,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerView {
    pub unit: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub outcome: Option<String>,
    pub outcome_zh: Option<String>,
    pub outcome_en: Option<String>,
    pub reply: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversionView {
    pub route: String,
    pub route_zh: String,
    pub route_en: String,
    pub reference: String,
    pub summary: String,
}

/// What the suggester sees with the query code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackView {
    pub id: uuid::Uuid,
    pub number: String,
    pub title: String,
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    pub redirect_reason_zh: Option<String>,
    pub redirect_reason_en: Option<String>,
    pub redirected_to: Option<String>,
    pub outcome: Option<String>,
    pub outcome_zh: Option<String>,
    pub outcome_en: Option<String>,
    pub answers: Vec<AnswerView>,
    pub conversions: Vec<ConversionView>,
    pub feedback: Option<String>,
    pub feedback_mode: Option<String>,
    pub public_answer: Option<String>,
    pub reward_zh: Option<String>,
    /// Still before the units: the suggester may withdraw it.
    pub can_withdraw: bool,
    pub steps: Vec<Step>,
}

pub fn track_view(
    st: &AppState,
    s: &SuggestionState,
    events: &[StoredEvent<SuggestionEvent>],
) -> TrackView {
    let dir = st.directory();
    let unit_name = |u: &str| {
        dir.unit(u)
            .map(|x| (x.name_zh.clone(), x.name_en.clone()))
            .unwrap_or_else(|_| (u.to_string(), u.to_string()))
    };
    TrackView {
        id: s.id,
        number: s.number.clone(),
        title: s.title.clone(),
        status: s.status.as_str().into(),
        status_zh: s.status.zh().into(),
        status_en: s.status.en().into(),
        redirect_reason_zh: s.redirection.as_ref().map(|r| r.reason.clone()),
        redirect_reason_en: s.redirection.as_ref().map(|r| {
            if r.reason_en.is_empty() {
                r.reason.clone()
            } else {
                r.reason_en.clone()
            }
        }),
        redirected_to: s.redirection.as_ref().map(|r| r.to.as_str().into()),
        outcome: s.outcome.map(|o| o.as_str().into()),
        outcome_zh: s.outcome.map(|o| o.zh().into()),
        outcome_en: s.outcome.map(|o| o.en().into()),
        answers: s
            .units
            .iter()
            .map(|u| {
                let (zh, en) = unit_name(&u.unit);
                AnswerView {
                    unit: u.unit.clone(),
                    unit_zh: zh,
                    unit_en: en,
                    outcome: u.answer.as_ref().map(|a| a.outcome.as_str().into()),
                    outcome_zh: u.answer.as_ref().map(|a| a.outcome.zh().into()),
                    outcome_en: u.answer.as_ref().map(|a| a.outcome.en().into()),
                    reply: u
                        .answer
                        .as_ref()
                        .map(|a| a.reply.clone())
                        .unwrap_or_default(),
                    reason: u
                        .answer
                        .as_ref()
                        .map(|a| a.reason.clone())
                        .unwrap_or_default(),
                }
            })
            .collect(),
        conversions: s
            .conversions
            .iter()
            .map(|c| ConversionView {
                route: c.route.as_str().into(),
                route_zh: c.route.zh().into(),
                route_en: c.route.en().into(),
                reference: c.reference.clone(),
                summary: c.summary.clone(),
            })
            .collect(),
        feedback: s.feedback.as_ref().map(|f| f.content.clone()),
        feedback_mode: s.feedback.as_ref().map(|f| f.mode.as_str().into()),
        public_answer: s.public_answer.clone(),
        reward_zh: s
            .reward
            .as_ref()
            .map(|r| format!("{}（{}元）", r.tier_zh, r.amount_yuan)),
        can_withdraw: matches!(
            s.status,
            minsheng_core::suggestion::SuggestionStatus::Registered
                | minsheng_core::suggestion::SuggestionStatus::Assessing
                | minsheng_core::suggestion::SuggestionStatus::Assessed
        ),
        steps: events
            .iter()
            .filter(|e| e.event.is_public())
            .map(|e| Step {
                at: e.at,
                zh: e.event.zh().into(),
                en: e.event.en().into(),
            })
            .collect(),
    }
}

/// A published suggestion as anyone sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicView {
    pub id: uuid::Uuid,
    pub number: String,
    pub title: String,
    pub summary: String,
    pub status_zh: String,
    pub status_en: String,
    pub supporters: u32,
    pub threshold: u32,
    pub public_answer: Option<String>,
}

pub async fn public_view(
    st: &AppState,
    s: &SuggestionState,
) -> Result<PublicView, crate::error::ApiError> {
    let rules = Rules::for_region(st, &s.region);
    Ok(PublicView {
        id: s.id,
        number: s.number.clone(),
        title: s.title.clone(),
        summary: s.public_summary.clone().unwrap_or_default(),
        status_zh: s.status.zh().into(),
        status_en: s.status.en().into(),
        supporters: st.store.supporters(s.id).await?,
        threshold: rules.policy.suggestion.support.threshold,
        public_answer: s.public_answer.clone(),
    })
}
