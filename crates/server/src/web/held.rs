//! The review queue of public submissions the spam screen held (/staff/held): a reviewer sees
//! why each was held and releases it (registered with the query code the citizen holds) or
//! rejects it. Text is shown escaped, links are never made clickable, phones are masked.

use crate::abuse::held::{self, Released, may_review};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::petitioner::Phone;
use minsheng_store::held::{HeldKind, HeldStatus};

pub struct HeldRow {
    pub id: String,
    pub received: String,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    pub score: i64,
    pub reasons: String,
    pub title: String,
    pub request: String,
    pub phone: String,
}

fn kind_label(k: HeldKind) -> (&'static str, &'static str) {
    match k {
        HeldKind::Case => ("网上信访", "Online petition"),
        HeldKind::Open311 => ("Open311", "Open311"),
        HeldKind::Suggestion => ("人民建议", "Suggestion"),
    }
}

#[derive(Template)]
#[template(path = "staff/held.html")]
struct HeldPage {
    c: Chrome,
    rows: Vec<HeldRow>,
}

fn excerpt(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

pub async fn queue(State(st): State<AppState>, ws: WebStaff) -> Response {
    let c = ws.c.clone();
    let r = async {
        if !may_review(&ws.staff.actor()) {
            return Err(ApiError::Forbidden);
        }
        let held = st.store.held_submissions(HeldStatus::Held, 200).await?;
        let rows = held
            .into_iter()
            .map(|h| {
                let (title, request, phone) = held::text_of(&h).map_or_else(
                    |_| Default::default(),
                    |t| {
                        (
                            excerpt(&t.title, 80),
                            excerpt(&t.body, 200),
                            t.phone
                                .as_deref()
                                .and_then(|p| Phone::parse(p).ok())
                                .map(|p| p.masked())
                                .unwrap_or_default(),
                        )
                    },
                );
                let (kind_zh, kind_en) = kind_label(h.kind);
                HeldRow {
                    id: h.id.to_string(),
                    received: c.time(&h.received_at),
                    kind_zh,
                    kind_en,
                    score: h.score,
                    reasons: h.reasons.join("、"),
                    title,
                    request,
                    phone,
                }
            })
            .collect();
        Ok(render(&HeldPage { c: c.clone(), rows }))
    }
    .await;
    respond(&c, r)
}

pub async fn release(State(st): State<AppState>, ws: WebStaff, Path(id): Path<String>) -> Response {
    let c = ws.c.clone();
    let r = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        let (number, to) = match held::release(&st, &ws.staff.actor(), id).await? {
            Released::Case(r) => (
                r.case.number.clone(),
                format!("/staff/cases/{}", r.case.number),
            ),
            Released::Suggestion(s) => (s.number.clone(), format!("/staff/suggest/{}", s.number)),
        };
        st.store
            .audit(&ws.staff.user.username, "held.release", &number)
            .await?;
        Ok(Redirect::to(&to).into_response())
    }
    .await;
    respond(&c, r)
}

pub async fn reject(State(st): State<AppState>, ws: WebStaff, Path(id): Path<String>) -> Response {
    let c = ws.c.clone();
    let r = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        held::reject(&st, &ws.staff.actor(), id).await?;
        st.store
            .audit(&ws.staff.user.username, "held.reject", &id.to_string())
            .await?;
        Ok(Redirect::to("/staff/held").into_response())
    }
    .await;
    respond(&c, r)
}
