//! Citizen endpoints: no login; a case is reached with its query code (查询码) plus the last
//! four digits of the phone on file. A wrong pair is a plain 404.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::service::{self, NewCaseInput};
use crate::state::AppState;
use crate::views::{self, CitizenView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use minsheng_core::access::Actor;
use minsheng_core::case::Channel;
use minsheng_core::policy::RatingOption;
use minsheng_core::workflow::Command;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub number: String,
    /// Shown once: with it and the last four phone digits the petitioner follows the case.
    pub query_code: Option<String>,
    pub status_zh: String,
    pub status_en: String,
    /// When the submission was declined at the door (e.g. a matter already final).
    pub declined_reason: Option<String>,
    /// The spam screen held it for a reviewer (202): no case number yet; the query code works
    /// once it is released.
    pub held: bool,
}

/// Submit a petition or suggestion online.
#[utoipa::path(post, path = "/api/v1/public/cases", tag = "public", request_body = NewCaseInput,
    responses((status = 201, body = Submitted), (status = 202, body = Submitted), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    crate::extract::RawBody(body): crate::extract::RawBody,
) -> ApiResult<(StatusCode, axum::Json<Submitted>)> {
    let input: NewCaseInput = crate::extract::parse_json(&body)?;
    if input.channel != Channel::Online || input.office_unit.is_some() {
        return Err(ApiError::bad(
            "online_only",
            "网上提交的渠道应为 online，受理单位由系统确定",
            "Online submissions use channel \"online\"; the receiving unit is chosen by the system",
        ));
    }
    let idem = super::cases::idempotency_key(&headers, "public", &body)?;
    crate::abuse::check_submission(&st, &input)?;
    let r = match crate::abuse::held::submit(&st, input, idem).await? {
        crate::abuse::held::Outcome::Registered(r) => r,
        crate::abuse::held::Outcome::Held { query_code, .. } => {
            return Ok((
                StatusCode::ACCEPTED,
                axum::Json(Submitted {
                    number: String::new(),
                    query_code: Some(query_code),
                    status_zh: "内容审核中".into(),
                    status_en: "In content review".into(),
                    declined_reason: None,
                    held: true,
                }),
            ));
        }
    };
    Ok((
        if r.new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        axum::Json(Submitted {
            number: r.case.number.clone(),
            query_code: r.query_code,
            status_zh: r.case.status.zh().into(),
            status_en: r.case.status.en().into(),
            declined_reason: r.case.declined.as_ref().map(|d| d.reason.clone()),
            held: false,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackRequest {
    pub query_code: String,
    /// Last four digits of the phone given at submission (empty when none was given).
    #[serde(default)]
    pub phone_last4: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tracked {
    #[serde(flatten)]
    pub case: CitizenView,
    pub rating_options: Vec<RatingOption>,
}

async fn tracked(st: &AppState, case: minsheng_core::workflow::CaseState) -> ApiResult<Tracked> {
    let records = st.store.events(case.id).await?;
    let policy = st.policy_for_region(&case.location.region);
    Ok(Tracked {
        case: views::citizen_view(st, &case, &records),
        rating_options: policy.rating.options.clone(),
    })
}

/// Follow a case: status in plain words, public timeline, deadlines, the answer.
#[utoipa::path(post, path = "/api/v1/public/track", tag = "public", request_body = TrackRequest,
    responses((status = 200, body = Tracked), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn track(
    State(st): State<AppState>,
    Json(req): Json<TrackRequest>,
) -> ApiResult<axum::Json<Tracked>> {
    let case = service::load_for_citizen(&st, &req.query_code, &req.phone_last4).await?;
    Ok(axum::Json(tracked(&st, case).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenAction {
    pub query_code: String,
    #[serde(default)]
    pub phone_last4: String,
    /// rate | request_review | request_rereview
    pub action: String,
    /// For rate: one of the rating option codes.
    #[serde(default)]
    pub rating: Option<String>,
    #[serde(default)]
    pub comment: String,
    /// For a review request: why the answer is not accepted.
    #[serde(default)]
    pub reason: String,
}

/// Rate the answer, or request review (复查) / re-review (复核) within the window.
#[utoipa::path(post, path = "/api/v1/public/actions", tag = "public", request_body = CitizenAction,
    responses((status = 200, body = Tracked), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(st): State<AppState>,
    Json(req): Json<CitizenAction>,
) -> ApiResult<axum::Json<Tracked>> {
    let case = service::load_for_citizen(&st, &req.query_code, &req.phone_last4).await?;
    let cmd = match req.action.as_str() {
        "rate" => Command::Rate {
            rating: req.rating.unwrap_or_default(),
            comment: req.comment,
        },
        "request_review" => Command::RequestReview { reason: req.reason },
        "request_rereview" => Command::RequestReReview { reason: req.reason },
        _ => {
            return Err(ApiError::bad(
                "unknown_action",
                "操作只能是 rate、request_review 或 request_rereview",
                "action must be rate, request_review or request_rereview",
            ));
        }
    };
    let case = service::execute(&st, &Actor::citizen(), case, &cmd).await?;
    Ok(axum::Json(tracked(&st, case).await?))
}
