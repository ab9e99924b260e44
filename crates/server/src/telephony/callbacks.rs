//! The missed-call callback list (漏接回拨, `/staff/callbacks`): open entries for intake agents
//! and coordinators, the longest waiting first, the number masked; an agent records the callback
//! with an outcome note and the entry leaves the list.

use super::stream::may_take_calls;
use crate::error::ApiError;
use crate::routes::{Routes, routes};
use crate::state::AppState;
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use crate::web::forms::FormData;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minsheng_core::petitioner::Phone;

/// The pages; merged into the web router so the CSRF guard covers the form post.
pub fn routes() -> Routes {
    routes![
        "/staff/callbacks" => get(list),
        "/staff/callbacks/{id}/done" => post(done),
    ]
}

pub struct CallbackRow {
    pub id: String,
    pub masked: String,
    pub calls: i64,
    pub first: String,
    pub last: String,
    pub agent: String,
    pub waiting_zh: String,
    pub waiting_en: String,
}

/// How long a caller has been waiting, in words.
pub fn waiting(since: DateTime<Utc>, now: DateTime<Utc>) -> (String, String) {
    let mins = (now - since).num_minutes().max(0);
    let (d, h, m) = (mins / 1440, mins % 1440 / 60, mins % 60);
    match (d, h) {
        (0, 0) => (format!("{m}分钟"), format!("{m} min")),
        (0, h) => (format!("{h}小时{m}分钟"), format!("{h} h {m} min")),
        (d, h) => (format!("{d}天{h}小时"), format!("{d} d {h} h")),
    }
}

#[derive(Template)]
#[template(path = "staff/callbacks.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<CallbackRow>,
}

pub async fn list(State(st): State<AppState>, ws: WebStaff) -> Response {
    let c = ws.c.clone();
    let r = async {
        if !may_take_calls(ws.staff.user.role) {
            return Err(ApiError::Forbidden);
        }
        let now = crate::service::now();
        let rows = st
            .store
            .open_missed_calls(500)
            .await?
            .into_iter()
            .map(|m| {
                let (waiting_zh, waiting_en) = waiting(m.first_at, now);
                CallbackRow {
                    id: m.id.to_string(),
                    masked: Phone::parse(&m.caller)
                        .map(|p| p.masked())
                        .unwrap_or_else(|_| "****".into()),
                    calls: m.calls,
                    first: c.time(&m.first_at),
                    last: c.time(&m.last_at),
                    agent: m.agent.unwrap_or_default(),
                    waiting_zh,
                    waiting_en,
                }
            })
            .collect();
        Ok(render(&ListPage { c: c.clone(), rows }))
    }
    .await;
    respond(&c, r)
}

pub async fn done(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        if !may_take_calls(ws.staff.user.role) {
            return Err(ApiError::Forbidden);
        }
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        let f = FormData::parse(&body)?;
        let outcome: String = f.get("outcome").trim().chars().take(2000).collect();
        if outcome.is_empty() {
            return Err(ApiError::bad(
                "outcome_required",
                "请填写回拨结果",
                "Describe the outcome of the callback",
            ));
        }
        let now = crate::service::now();
        if !st
            .store
            .record_callback(id, &ws.staff.user.username, &outcome, now)
            .await?
        {
            return Err(ApiError::NotFound);
        }
        st.store
            .audit(&ws.staff.user.username, "callback.done", &id.to_string())
            .await?;
        Ok(Redirect::to("/staff/callbacks").into_response())
    }
    .await;
    respond(&c, r)
}

#[cfg(test)]
mod tests {
    use super::waiting;
    use chrono::{Duration, Utc};

    #[test]
    fn waiting_in_words() {
        let now = Utc::now();
        assert_eq!(waiting(now - Duration::minutes(7), now).0, "7分钟");
        assert_eq!(waiting(now - Duration::minutes(125), now).1, "2 h 5 min");
        assert_eq!(waiting(now - Duration::hours(50), now).0, "2天2小时");
        assert_eq!(waiting(now + Duration::minutes(3), now).1, "0 min");
    }
}
