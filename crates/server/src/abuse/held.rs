//! Holding and reviewing public submissions the spam screen flagged, from every public channel:
//! the web form and the JSON API (cases), Open311 requests and people's suggestions. The citizen
//! is told the submission is waiting for a content review and gets the query code at once; a
//! reviewer releases it (it is registered with that code, through the channel's own path) or
//! rejects it. Nothing is dropped.

use crate::error::{ApiError, ApiResult};
use crate::service::{self, NewCaseInput, Registered};
use crate::state::AppState;
use crate::suggest::service::{self as suggest, NewlySubmitted, SuggestionInput};
use minsheng_core::access::{Actor, Role};
use minsheng_core::ids;
use minsheng_core::suggestion::SuggestionState;
use minsheng_store::IdempotencyKey;
use minsheng_store::held::{HeldKind, HeldStatus, HeldSubmission, Hold};

/// What became of a public case submission.
pub enum Outcome {
    Registered(Box<Registered>),
    /// Held for review: the query code the citizen keeps, and the held row's id (the Open311
    /// `token`).
    Held {
        query_code: String,
        token: uuid::Uuid,
    },
}

/// What became of a public suggestion.
pub enum SuggestionOutcome {
    Submitted(Box<NewlySubmitted>),
    Held { query_code: String },
}

/// What a release registered.
pub enum Released {
    Case(Box<Registered>),
    Suggestion(Box<SuggestionState>),
}

/// The screen's verdict on a case submission's free text.
fn screen_case(input: &NewCaseInput) -> minsheng_text::spam::SpamVerdict {
    minsheng_text::spam::screen(&format!(
        "{}\n{}\n{}",
        input.title, input.request, input.facts_reasons
    ))
}

/// Screens a public case submission (web form, JSON API); registers it, or holds it when the
/// screen says so. A repeated submission with the same idempotency key gets the same answer.
pub async fn submit(
    st: &AppState,
    input: NewCaseInput,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<Outcome> {
    let verdict = screen_case(&input);
    if !verdict.hold {
        return service::register(st, &Actor::citizen(), input, idempotency)
            .await
            .map(|r| Outcome::Registered(Box::new(r)));
    }
    // The same checks as a registration, so a held submission is one that could be released.
    service::preview(st, &Actor::citizen(), input.clone()).await?;
    hold_case(
        st,
        HeldKind::Case,
        None,
        &input,
        &verdict,
        idempotency.as_ref(),
    )
    .await
}

/// Screens an Open311 request; registers it in the client's name, or holds it.
pub async fn submit_open311(
    st: &AppState,
    client: &str,
    input: NewCaseInput,
) -> ApiResult<Outcome> {
    let actor = open311_actor(client);
    let verdict = screen_case(&input);
    if !verdict.hold {
        return service::register(st, &actor, input, None)
            .await
            .map(|r| Outcome::Registered(Box::new(r)));
    }
    service::preview(st, &actor, input.clone()).await?;
    hold_case(st, HeldKind::Open311, Some(client), &input, &verdict, None).await
}

/// The system actor an Open311 client's requests are registered as.
pub fn open311_actor(client: &str) -> Actor {
    Actor::system(&format!("Open311：{client}"))
}

async fn hold_case(
    st: &AppState,
    kind: HeldKind,
    origin: Option<&str>,
    input: &NewCaseInput,
    verdict: &minsheng_text::spam::SpamVerdict,
    idempotency: Option<&IdempotencyKey>,
) -> ApiResult<Outcome> {
    let json = serde_json::to_string(input).map_err(|e| ApiError::Internal(e.to_string()))?;
    let held = hold(st, kind, origin, &json, verdict, idempotency).await?;
    Ok(Outcome::Held {
        query_code: held.query_code,
        token: held.id,
    })
}

/// Screens a public suggestion (portal form, JSON API); submits it, or holds it.
pub async fn submit_suggestion(
    st: &AppState,
    input: SuggestionInput,
) -> ApiResult<SuggestionOutcome> {
    let verdict = minsheng_text::spam::screen(&format!(
        "{}\n{}\n{}",
        input.title, input.reason, input.proposal
    ));
    if !verdict.hold {
        return suggest::submit(st, &Actor::citizen(), input)
            .await
            .map(|r| SuggestionOutcome::Submitted(Box::new(r)));
    }
    suggest::check(st, &Actor::citizen(), input.clone()).await?;
    let json = serde_json::to_string(&input).map_err(|e| ApiError::Internal(e.to_string()))?;
    let held = hold(st, HeldKind::Suggestion, None, &json, &verdict, None).await?;
    Ok(SuggestionOutcome::Held {
        query_code: held.query_code,
    })
}

async fn hold(
    st: &AppState,
    kind: HeldKind,
    origin: Option<&str>,
    json: &str,
    verdict: &minsheng_text::spam::SpamVerdict,
    idempotency: Option<&IdempotencyKey>,
) -> ApiResult<HeldSubmission> {
    let code = service::new_query_code()?;
    let holding = st
        .store
        .hold(Hold {
            kind,
            origin,
            score: i64::from(verdict.score),
            reasons: &verdict.reasons,
            input: json,
            query_code: &code,
            query_code_hash: &ids::query_code_hash(&code),
            idempotency,
        })
        .await?;
    if let minsheng_store::held::Holding::New(_) = &holding {
        tracing::info!(
            score = verdict.score,
            kind = kind.as_str(),
            "public submission held for review"
        );
    }
    Ok(holding.submission().clone())
}

/// Who may review held submissions: the offices that register matters, supervisors, admins.
pub fn may_review(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Coordinator | Role::Intake | Role::Supervisor | Role::Admin
    )
}

/// What a reviewer sees of a held submission: its text, and the phone to be masked.
pub struct HeldText {
    pub title: String,
    pub body: String,
    pub phone: Option<String>,
}

fn internal(e: serde_json::Error) -> ApiError {
    ApiError::Internal(format!("held input: {e}"))
}

fn case_input(h: &HeldSubmission) -> ApiResult<NewCaseInput> {
    serde_json::from_str(&h.input).map_err(internal)
}

fn suggestion_input(h: &HeldSubmission) -> ApiResult<SuggestionInput> {
    serde_json::from_str(&h.input).map_err(internal)
}

/// The held submission's text for the review queue, whatever its channel.
pub fn text_of(h: &HeldSubmission) -> ApiResult<HeldText> {
    Ok(match h.kind {
        HeldKind::Case | HeldKind::Open311 => {
            let i = case_input(h)?;
            HeldText {
                title: i.title,
                body: i.request,
                phone: i.petitioner.phone,
            }
        }
        HeldKind::Suggestion => {
            let i = suggestion_input(h)?;
            HeldText {
                title: i.title,
                body: i.proposal,
                phone: Some(i.suggester.phone),
            }
        }
    })
}

/// Releases a held submission: registers it through its channel's path with the code the
/// citizen holds.
pub async fn release(st: &AppState, actor: &Actor, id: uuid::Uuid) -> ApiResult<Released> {
    if !may_review(actor) {
        return Err(ApiError::Forbidden);
    }
    let h = st
        .store
        .held_submission(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if h.status != HeldStatus::Held {
        return Err(already_decided());
    }
    // Parse before claiming, so a broken row stays in the queue.
    text_of(&h)?;
    // Claim it first, so two reviewers cannot register it twice.
    st.store
        .decide_held(id, HeldStatus::Released, &actor.name, None)
        .await
        .map_err(|_| already_decided())?;
    let code = h.query_code.clone();
    let registered = match h.kind {
        HeldKind::Case => {
            service::register_with_code(st, &Actor::citizen(), case_input(&h)?, None, code)
                .await
                .map(|r| (r.case.id, Released::Case(Box::new(r))))
        }
        HeldKind::Open311 => {
            let actor = open311_actor(h.origin.as_deref().unwrap_or("?"));
            service::register_with_code(st, &actor, case_input(&h)?, None, code)
                .await
                .map(|r| (r.case.id, Released::Case(Box::new(r))))
        }
        HeldKind::Suggestion => {
            suggest::submit_with_code(st, &Actor::citizen(), suggestion_input(&h)?, code)
                .await
                .map(|r| (r.state.id, Released::Suggestion(Box::new(r.state))))
        }
    };
    match registered {
        Ok((target, r)) => {
            st.store.set_held_case(id, target).await?;
            Ok(r)
        }
        Err(e) => {
            st.store.unclaim_held(id).await?;
            Err(e)
        }
    }
}

/// Rejects a held submission (an advert); it stays on record for audit until the retention
/// policy's `rejected_held` period has passed (`minsheng purge`).
pub async fn reject(st: &AppState, actor: &Actor, id: uuid::Uuid) -> ApiResult<()> {
    if !may_review(actor) {
        return Err(ApiError::Forbidden);
    }
    st.store
        .held_submission(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    st.store
        .decide_held(id, HeldStatus::Rejected, &actor.name, None)
        .await
        .map_err(|_| already_decided())
}

fn already_decided() -> ApiError {
    ApiError::bad(
        "already_decided",
        "该提交已由他人处理",
        "Someone else has already decided on this submission",
    )
}

/// The answer for a query code that has no case or suggestion: what became of a held
/// submission (after the same last-four-digits check), else plain not found.
pub async fn not_registered_yet(st: &AppState, code: &str, last4: &str) -> ApiResult<ApiError> {
    Ok(match status_for_citizen(st, code, last4).await? {
        Some(HeldStatus::Held | HeldStatus::Released) => ApiError::bad(
            "submission_held",
            "您的提交正在进行内容审核，审核通过后即正式登记，请稍后再查询",
            "Your submission is in a content review; once released it is registered. Please check again later",
        ),
        Some(HeldStatus::Rejected) => ApiError::bad(
            "submission_rejected",
            "您的提交经审核被认定为广告或垃圾信息，未予登记；如有误，请重新提交或拨打12345",
            "Your submission was judged to be advertising or spam and was not registered; if this is wrong, submit again or call 12345",
        ),
        None => ApiError::NotFound,
    })
}

/// The state of the held submission a query code belongs to, if the last four digits match.
pub async fn status_for_citizen(
    st: &AppState,
    code: &str,
    last4: &str,
) -> ApiResult<Option<HeldStatus>> {
    let Ok(code) = ids::parse_query_code(code) else {
        return Ok(None);
    };
    let Some(h) = st
        .store
        .held_by_query_code(&ids::query_code_hash(&code))
        .await?
    else {
        return Ok(None);
    };
    let phone = text_of(&h)?.phone;
    let same = service::last4_matches(phone.as_deref().unwrap_or(""), last4);
    Ok(same.then_some(h.status))
}
