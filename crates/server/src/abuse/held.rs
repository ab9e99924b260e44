//! Holding and reviewing public submissions the spam screen flagged. The citizen is told the
//! submission is waiting for a content review and gets the query code at once; a reviewer
//! releases it (it is registered as a case with that code) or rejects it. Nothing is dropped.

use crate::error::{ApiError, ApiResult};
use crate::service::{self, NewCaseInput, Registered};
use crate::state::AppState;
use minsheng_core::access::{Actor, Role};
use minsheng_core::ids;
use minsheng_store::held::{HeldStatus, HeldSubmission};

/// What became of a public submission.
pub enum Outcome {
    Registered(Box<Registered>),
    /// Held for review: the query code the citizen keeps.
    Held {
        query_code: String,
    },
}

/// Screens a public submission; registers it, or holds it when the screen says so.
pub async fn submit(
    st: &AppState,
    input: NewCaseInput,
    idempotency: Option<minsheng_store::IdempotencyKey>,
) -> ApiResult<Outcome> {
    let text = format!(
        "{}\n{}\n{}",
        input.title, input.request, input.facts_reasons
    );
    let verdict = minsheng_text::spam::screen(&text);
    if !verdict.hold {
        return service::register(st, &Actor::citizen(), input, idempotency)
            .await
            .map(|r| Outcome::Registered(Box::new(r)));
    }
    // The same checks as a registration, so a held submission is one that could be released.
    service::preview(st, &Actor::citizen(), input.clone()).await?;
    let code = service::new_query_code()?;
    let json = serde_json::to_string(&input).map_err(|e| ApiError::Internal(e.to_string()))?;
    st.store
        .hold_submission(
            i64::from(verdict.score),
            &verdict.reasons,
            &json,
            &code,
            &ids::query_code_hash(&code),
        )
        .await?;
    tracing::info!(score = verdict.score, "public submission held for review");
    Ok(Outcome::Held { query_code: code })
}

/// Who may review held submissions: the offices that register matters, supervisors, admins.
pub fn may_review(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Coordinator | Role::Intake | Role::Supervisor | Role::Admin
    )
}

fn parse_input(h: &HeldSubmission) -> ApiResult<NewCaseInput> {
    serde_json::from_str(&h.input).map_err(|e| ApiError::Internal(format!("held input: {e}")))
}

/// Releases a held submission: registers it as the citizen's case with the code they hold.
pub async fn release(st: &AppState, actor: &Actor, id: uuid::Uuid) -> ApiResult<Registered> {
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
    let input = parse_input(&h)?;
    // Claim it first, so two reviewers cannot register it twice.
    st.store
        .decide_held(id, HeldStatus::Released, &actor.name, None)
        .await
        .map_err(|_| already_decided())?;
    match service::register_with_code(st, &Actor::citizen(), input, None, h.query_code.clone())
        .await
    {
        Ok(r) => {
            st.store.set_held_case(id, r.case.id).await?;
            Ok(r)
        }
        Err(e) => {
            st.store.unclaim_held(id).await?;
            Err(e)
        }
    }
}

/// Rejects a held submission (an advert); it stays on record for audit.
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

/// The answer for a query code that has no case: what became of a held submission (after the
/// same last-four-digits check as for cases), else plain not found.
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
    let input = parse_input(&h)?;
    let same = service::last4_matches(input.petitioner.phone.as_deref().unwrap_or(""), last4);
    Ok(same.then_some(h.status))
}
