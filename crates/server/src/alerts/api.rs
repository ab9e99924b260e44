//! Alerts over HTTP: the JSON API (list, one alert with its history, lifecycle steps) and the
//! live stream of server-sent events that the workbench listens to.

use super::{act, command, load_visible, may_view, visible_to};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Path, Query, RawBody, parse_json};
use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use minsheng_core::alert::AlertStatus;
use minsheng_store::{AlertFilter, AlertRecord};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub fn routes() -> Routes {
    routes![
        "/api/v1/alerts" => get(list),
        "/api/v1/alerts/{id}" => get(one),
        "/api/v1/alerts/{id}/{command}" => post(step),
    ]
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub level: String,
}

/// Parses the list filters; unknown values are a 400, never ignored.
pub fn filter(q: &ListQuery) -> ApiResult<AlertFilter> {
    let status = match q.status.as_str() {
        "" => None,
        s => Some(
            [
                AlertStatus::Raised,
                AlertStatus::Acknowledged,
                AlertStatus::Handled,
                AlertStatus::Closed,
            ]
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                ApiError::bad("invalid_status", "预警状态无效", "Invalid alert status")
            })?,
        ),
    };
    let level = match q.level.as_str() {
        "" => None,
        l => Some(
            l.parse::<u8>()
                .ok()
                .filter(|l| (1..=9).contains(l))
                .ok_or_else(|| {
                    ApiError::bad("invalid_level", "预警级别无效", "Invalid alert level")
                })?,
        ),
    };
    Ok(AlertFilter {
        status,
        level,
        limit: 500,
        ..AlertFilter::default()
    })
}

/// The alerts this staff member may see, newest first.
pub async fn visible_alerts(
    st: &AppState,
    actor: &minsheng_core::access::Actor,
    f: &AlertFilter,
) -> ApiResult<Vec<AlertRecord>> {
    if !may_view(actor) {
        return Err(ApiError::Forbidden);
    }
    let mut out = Vec::new();
    for r in st.store.list_alerts(f).await? {
        if visible_to(st, actor, &r).await? {
            out.push(r);
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(("status" = Option<String>, Query, description = "raised, acknowledged, handled or closed"), ("level" = Option<String>, Query, description = "1 (most severe) to 4")), responses((status = 200, body = Vec<Object>, description = "Alerts in the caller's scope, newest first"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<AlertRecord>>> {
    let f = filter(&q)?;
    let actor = staff.actor();
    let mut out = Vec::new();
    for r in visible_alerts(&st, &actor, &f).await? {
        out.push(super::redacted_for(&st, &actor, r).await?);
    }
    Ok(Json(out))
}

#[derive(Serialize)]
struct AlertWithHistory {
    #[serde(flatten)]
    record: AlertRecord,
    events: Vec<minsheng_store::alerts::AlertEventRecord>,
}

#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path, description = "Alert id")), responses((status = 200, body = Object, description = "The alert with its event history"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn one(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let actor = staff.actor();
    let record = super::redacted_for(&st, &actor, load_visible(&st, &actor, &id).await?).await?;
    let mut events = st.store.alert_events(record.alert.id).await?;
    // The raising event carries the evidence as it was drafted: the same cases as the record,
    // so the same redaction (the hashes stay as stored, for auditors with full access).
    for e in &mut events {
        if let minsheng_core::alert::AlertEvent::Raised(draft) = &mut e.event {
            draft
                .evidence
                .cases
                .retain(|c| record.alert.evidence.cases.contains(c));
        }
    }
    Ok(Json(AlertWithHistory { record, events }).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/{command}", tag = "alerts", params(("id" = String, Path, description = "Alert id"), ("command" = String, Path, description = "acknowledge, handle or close")), request_body(content = Object, description = "{\"note\": TEXT} (optional for most steps)"), responses((status = 200, body = Object, description = "The alert after the step"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn step(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, name)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> ApiResult<Json<AlertRecord>> {
    let actor = staff.actor();
    // Access first (404 for an alert out of sight, 403 for a role that may not act), then the
    // command and the note: a refused request is refused the same way whatever it carried.
    super::load_visible(&st, &actor, &id).await?;
    if !super::may_act(&actor) {
        return Err(ApiError::Forbidden);
    }
    // The note is optional for most steps, so an empty body is an empty note.
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        parse_json::<StepBody>(&body)?.note
    };
    let cmd = command(&name, &actor.name, &note)?;
    Ok(Json(
        act(&st, &actor, &id, &cmd, crate::service::now()).await?,
    ))
}

/// What the workbench receives for each alert: enough to show a line and link to the page.
#[derive(Debug, Serialize)]
pub struct AlertNotice {
    pub id: String,
    pub href: String,
    pub level: u8,
    pub status: &'static str,
    pub status_zh: &'static str,
    pub rule: &'static str,
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
    pub cases: usize,
}

pub fn notice(r: &AlertRecord) -> AlertNotice {
    let a = &r.alert;
    AlertNotice {
        id: a.id.to_string(),
        href: format!("/staff/alerts/{}", a.id),
        level: a.level,
        status: a.status.as_str(),
        status_zh: a.status.zh(),
        rule: a.rule.as_str(),
        rule_zh: a.rule.zh(),
        rule_en: a.rule.en(),
        cases: a.evidence.cases.len(),
    }
}

/// `GET /staff/alerts/stream`: server-sent events, one `alert` event per alert raised or
/// changed that this staff member may see. Filtering happens here, per listener, so an alert
/// never leaves the server towards someone outside its scope.
pub async fn stream(State(st): State<AppState>, staff: Staff) -> ApiResult<Response> {
    let actor = staff.actor();
    if !may_view(&actor) {
        return Err(ApiError::Forbidden);
    }
    let rx = st.alerts.subscribe();
    let events = futures_util::stream::unfold((rx, st, actor), |(mut rx, st, actor)| async move {
        loop {
            match rx.recv().await {
                Ok(rec) => {
                    if !visible_to(&st, &actor, &rec).await.unwrap_or(false) {
                        continue;
                    }
                    let Ok(data) = serde_json::to_string(&notice(&rec)) else {
                        continue;
                    };
                    let ev = Event::default().event("alert").data(data);
                    return Some((Ok::<_, std::convert::Infallible>(ev), (rx, st, actor)));
                }
                // A slow listener missed some: carry on with the next ones (the list page has
                // them all).
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
