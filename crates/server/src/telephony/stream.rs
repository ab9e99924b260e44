//! `GET /staff/intake/calls`: server-sent events for the signed-in agent's console, one `call`
//! event per ringing or answered call the telephone system put through to this agent. The
//! filtering happens here, per listener: another agent's calls never leave the server towards
//! this one, and of the caller's earlier cases only those this agent may open are listed.

use super::CallPop;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use minsheng_core::access::{self, Actor, Role};
use serde::Serialize;
use std::time::Duration;

/// Who has an intake console (and so may listen for calls).
pub fn may_take_calls(role: Role) -> bool {
    matches!(role, Role::Intake | Role::Coordinator)
}

#[derive(Debug, Serialize)]
pub struct PopCase {
    pub number: String,
    pub title: String,
    pub status: &'static str,
    pub status_zh: &'static str,
    pub status_en: &'static str,
}

/// The event as one agent receives it.
#[derive(Debug, Serialize)]
pub struct PopNotice {
    pub call_id: String,
    pub event: &'static str,
    /// For display.
    pub masked: String,
    /// Only to pre-fill the console's phone field (see the module documentation of
    /// `telephony` for why the addressed agent may have it).
    pub phone: String,
    pub at: String,
    pub cases: Vec<PopCase>,
}

/// The pop as `agent` may see it; `None` when it is not addressed to them.
pub fn notice_for(
    pop: &CallPop,
    username: &str,
    actor: &Actor,
    st: &AppState,
) -> Option<PopNotice> {
    if pop.agent != username {
        return None;
    }
    let dir = st.directory();
    Some(PopNotice {
        call_id: pop.call_id.clone(),
        event: pop.event.as_str(),
        masked: pop.caller.masked(),
        phone: pop.caller.as_str().to_string(),
        at: pop.at.to_rfc3339(),
        cases: pop
            .cases
            .iter()
            .filter(|c| access::can_view(actor, c, &dir))
            .map(|c| PopCase {
                number: c.number.clone(),
                title: c.title.clone(),
                status: c.status.as_str(),
                status_zh: c.status.zh(),
                status_en: c.status.en(),
            })
            .collect(),
    })
}

pub async fn stream(State(st): State<AppState>, staff: Staff) -> ApiResult<Response> {
    if !may_take_calls(staff.user.role) {
        return Err(ApiError::Forbidden);
    }
    let actor = staff.actor();
    let username = staff.user.username.clone();
    let rx = st.telephony.subscribe();
    let events = futures_util::stream::unfold(
        (rx, st, actor, username),
        |(mut rx, st, actor, username)| async move {
            loop {
                match rx.recv().await {
                    Ok(pop) => {
                        let Some(n) = notice_for(&pop, &username, &actor, &st) else {
                            continue;
                        };
                        let Ok(data) = serde_json::to_string(&n) else {
                            continue;
                        };
                        let ev = Event::default().event("call").data(data);
                        return Some((
                            Ok::<_, std::convert::Infallible>(ev),
                            (rx, st, actor, username),
                        ));
                    }
                    // A slow console missed some: the agent still has the phone field.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
