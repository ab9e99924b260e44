//! `POST /api/v1/telephony/events`: call events from the telephone system, authenticated by
//! the machine token (`Authorization: Bearer …`), not by a staff session.

use super::{CallEvent, CallPop};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{RawBody, parse_json};
use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use minsheng_core::petitioner::Phone;
use serde::{Deserialize, Serialize};

/// How many earlier cases a pop lists.
pub const POP_CASES: u32 = 20;

pub fn routes() -> Routes {
    routes![
        "/api/v1/telephony/events" => post(event),
    ]
}

/// A call event as the telephone system sends it. Unknown fields are ignored: switches add
/// their own.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CallEventBody {
    /// The telephone system's id of the call.
    pub call_id: String,
    /// ringing, answered, ended or missed.
    pub event: String,
    /// The caller's number (mobile or landline, digits with optional +86 and separators).
    pub caller: String,
    /// The staff user name of the agent the call was put through to (absent for a queue).
    #[serde(default)]
    pub agent: Option<String>,
    /// When it happened (RFC 3339); the time of receipt when absent.
    #[serde(default)]
    pub at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallEventAck {
    pub call_id: String,
    pub event: String,
    /// For a missed call: the callback entry it went to, and how many calls that entry holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed_calls: Option<i64>,
    /// For an answered call: whether it settled an open callback entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_closed: Option<bool>,
}

/// A call event, checked.
pub struct Checked {
    pub call_id: String,
    pub event: CallEvent,
    pub caller: Phone,
    pub agent: Option<String>,
    pub at: DateTime<Utc>,
}

fn plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Validates a call event; every refusal names the field in both languages.
pub fn check(b: CallEventBody, now: DateTime<Utc>) -> ApiResult<Checked> {
    let call_id = b.call_id.trim().to_string();
    if call_id.is_empty() || call_id.chars().count() > 100 || !plain(&call_id) {
        return Err(ApiError::bad(
            "invalid_call_id",
            "通话编号须为1至100个字符",
            "call_id must be 1 to 100 characters",
        ));
    }
    let event = CallEvent::parse(b.event.trim()).ok_or_else(|| {
        ApiError::bad(
            "invalid_call_event",
            "通话事件须为 ringing、answered、ended 或 missed",
            "event must be ringing, answered, ended or missed",
        )
    })?;
    let caller = Phone::parse(&b.caller).map_err(|_| {
        ApiError::bad(
            "invalid_caller",
            "来电号码无效",
            "The caller number is not a valid phone number",
        )
    })?;
    let agent = match b.agent.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a) if a.chars().count() <= 64 && plain(a) => Some(a.to_string()),
        Some(_) => {
            return Err(ApiError::bad(
                "invalid_agent",
                "坐席须为不超过64个字符的用户名",
                "agent must be a user name of at most 64 characters",
            ));
        }
    };
    let at = match b.at.as_deref().map(str::trim) {
        None | Some("") => now,
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map_err(|_| {
                ApiError::bad(
                    "invalid_time",
                    "时间须为 RFC 3339 格式，如 2026-11-27T09:30:00+08:00",
                    "at must be RFC 3339, e.g. 2026-11-27T09:30:00+08:00",
                )
            })?
            .with_timezone(&Utc),
    };
    Ok(Checked {
        call_id,
        event,
        caller,
        agent,
        at,
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

#[utoipa::path(post, path = "/api/v1/telephony/events", tag = "telephony",
    request_body = CallEventBody,
    responses((status = 202, body = CallEventAck, description = "Recorded; a ringing or answered call pops on the agent's console"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "Missing or wrong telephony token")),
    security(("bearer" = [])))]
pub async fn event(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    if !bearer(&headers).is_some_and(|t| st.telephony.accepts(t)) {
        return Err(ApiError::Unauthenticated);
    }
    let c = check(parse_json(&body)?, crate::service::now())?;
    let mut ack = CallEventAck {
        call_id: c.call_id.clone(),
        event: c.event.as_str().into(),
        callback_id: None,
        missed_calls: None,
        callback_closed: None,
    };
    match c.event {
        CallEvent::Missed => {
            let entry = st
                .store
                .record_missed_call(&c.caller, &c.call_id, c.agent.as_deref(), c.at)
                .await?;
            ack.callback_id = Some(entry.id.to_string());
            ack.missed_calls = Some(entry.calls);
        }
        CallEvent::Answered => {
            ack.callback_closed = Some(
                st.store
                    .close_missed_by_answer(&c.caller, c.agent.as_deref(), c.at)
                    .await?,
            );
        }
        CallEvent::Ringing | CallEvent::Ended => {}
    }
    if c.event.pops()
        && let Some(agent) = c.agent.clone()
    {
        let cases = st
            .store
            .cases_by_phone_index(&st.store.phone_index(&c.caller), POP_CASES)
            .await?;
        st.telephony.publish(CallPop {
            call_id: c.call_id,
            event: c.event,
            agent,
            caller: c.caller,
            cases,
            at: c.at,
        });
    }
    Ok((StatusCode::ACCEPTED, Json(ack)).into_response())
}
