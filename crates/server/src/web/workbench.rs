//! The staff workbench entry: sign-in, sign-out and the queue (my cases, filtered, sorted and
//! paged, with each running deadline in colour and words).

use super::chrome::{Chrome, Web, WebStaff, render, respond, urlencode};
use super::forms::FormData;
use super::present::{Choice, DueBadge, choices, due_badge};
use crate::api::auth::{CLEAR_SESSION_COOKIE, session_cookie, sign_in};
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::case::{CaseKind, Channel, Flow, Status};
use minsheng_store::{CaseFilter, CaseSort};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only our own staff pages are valid places to return to after signing in.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/staff") && !n.contains("//") && !n.contains('\\'))
        .unwrap_or("/staff")
        .to_string()
}

pub async fn login_form(Web(c): Web, Query(q): Query<NextQuery>) -> Response {
    render(&LoginPage {
        c,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    })
}

pub async fn login(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let next = safe_next(Some(f.get("next")));
    match sign_in(&st, f.get("username"), f.get("password").to_string()).await {
        Ok((token, _)) => {
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&token)) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(ApiError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            render(&LoginPage {
                error: Some(c.pick(
                    "用户名或密码不正确",
                    "The user name or password is not right",
                )),
                c,
                next,
                username: f.get("username").chars().take(100).collect(),
            }),
        )
            .into_response(),
        Err(e @ ApiError::TooManyAttempts { .. }) => (
            e.parts().0,
            render(&LoginPage {
                error: Some(c.message(&e)),
                c,
                next,
                username: f.get("username").chars().take(100).collect(),
            }),
        )
            .into_response(),
        Err(e) => c.error_page(e),
    }
}

pub async fn logout(State(st): State<AppState>, ws: WebStaff) -> Response {
    st.store.delete_token(&ws.staff.token_hash).await.ok();
    let mut resp = Redirect::to("/staff/login").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(CLEAR_SESSION_COOKIE),
    );
    resp
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    flow: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    format: String,
}

/// One line of the queue.
pub struct QueueRow {
    pub number: String,
    pub title: String,
    pub urgent: bool,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub unit_zh: String,
    pub unit_en: String,
    pub petitioner: String,
    pub registered: String,
    pub due: Option<DueBadge>,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    flows: Vec<Choice>,
    sorts: Vec<Choice>,
    overdue: bool,
    next_href: Option<String>,
    first_page: bool,
    /// The same filters as a download (without `format`).
    export_query: String,
}

pub async fn queue(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(p): Query<QueueParams>,
) -> Response {
    let c = ws.c.clone();
    if ws.staff.user.role == minsheng_core::access::Role::GridWorker {
        return Redirect::to("/staff/grid").into_response();
    }
    if !minsheng_core::access::reads_cases(&ws.staff.actor()) {
        // The analyst has no queue: its workbench is the dashboard.
        return Redirect::to("/staff/dashboard").into_response();
    }
    let r = async {
        let actor = ws.staff.actor();
        let dir = st.directory();
        let none = |s: &str| (!s.is_empty()).then(|| s.to_string());
        if !p.status.is_empty() {
            Status::parse(&p.status)?;
        }
        if !p.kind.is_empty() {
            CaseKind::parse(&p.kind)?;
        }
        if !p.channel.is_empty() {
            Channel::parse(&p.channel)?;
        }
        if !p.flow.is_empty() {
            Flow::parse(&p.flow)?;
        }
        let sort = if p.sort.is_empty() {
            CaseSort::DueSoonest
        } else {
            CaseSort::parse(&p.sort).ok_or_else(|| {
                ApiError::bad("invalid_sort", "排序方式无效", "Invalid sort order")
            })?
        };
        let now = service::now();
        let overdue = p.overdue == "1";
        let filter = CaseFilter {
            status: none(&p.status),
            kind: none(&p.kind),
            channel: none(&p.channel),
            flow: none(&p.flow),
            overdue_at: overdue.then_some(now),
            cursor: none(&p.cursor).filter(|c| c.len() <= 80),
            limit: 25,
            sort,
            ..Default::default()
        };
        let scope = service::scope_for(&st, &actor)?;
        if let Some(f) = super::dashboard::parse_format(&p.format)? {
            return super::listexport::queue_download(&st, &actor, &scope, filter, f).await;
        }
        let page = service::list_visible(&st, &actor, &scope, &filter).await?;
        let rows = page
            .items
            .iter()
            .map(|s| {
                let sum = crate::views::case_summary(&st, &dir, &actor, s);
                QueueRow {
                    number: s.number.clone(),
                    title: s.title.clone(),
                    urgent: s.urgent,
                    kind_zh: s.kind.zh(),
                    kind_en: s.kind.en(),
                    status_zh: s.status.zh(),
                    status_en: s.status.en(),
                    unit_zh: sum.current_unit.name_zh,
                    unit_en: sum.current_unit.name_en,
                    petitioner: sum.petitioner_name_masked.unwrap_or_else(|| "—".into()),
                    registered: c.time(&s.registered_at),
                    due: sum.due.as_ref().map(|d| due_badge(d, now)),
                }
            })
            .collect();
        let next_href = page.next_cursor.map(|cur| {
            format!(
                "/staff?status={}&kind={}&channel={}&flow={}&sort={}&overdue={}&cursor={}",
                urlencode(&p.status),
                urlencode(&p.kind),
                urlencode(&p.channel),
                urlencode(&p.flow),
                sort.as_str(),
                if overdue { "1" } else { "" },
                urlencode(&cur)
            )
        });
        let sorts = [
            ("due", "期限最近", "Nearest deadline"),
            ("newest", "最新登记", "Newest"),
            ("oldest", "最早登记", "Oldest"),
        ]
        .iter()
        .map(|(v, zh, en)| Choice {
            value: (*v).into(),
            zh: (*zh).into(),
            en: (*en).into(),
            selected: *v == sort.as_str(),
        })
        .collect();
        use Status::*;
        let page = QueuePage {
            rows,
            statuses: choices(
                &[
                    Registered,
                    AwaitingAcceptance,
                    Handling,
                    Answered,
                    UnderReview,
                    UnderReReview,
                    Dispatched,
                    InProgress,
                    Returned,
                    Replied,
                    Final,
                    Declined,
                    Diverted,
                    Closed,
                ],
                &p.status,
                Status::as_str,
                Status::zh,
                Status::en,
            ),
            kinds: choices(
                CaseKind::ALL,
                &p.kind,
                CaseKind::as_str,
                CaseKind::zh,
                CaseKind::en,
            ),
            channels: choices(
                Channel::ALL,
                &p.channel,
                Channel::as_str,
                Channel::zh,
                Channel::en,
            ),
            flows: choices(Flow::ALL, &p.flow, Flow::as_str, Flow::zh, Flow::en),
            sorts,
            overdue,
            next_href,
            first_page: p.cursor.is_empty(),
            export_query: format!(
                "status={}&kind={}&channel={}&flow={}&sort={}&overdue={}",
                urlencode(&p.status),
                urlencode(&p.kind),
                urlencode(&p.channel),
                urlencode(&p.flow),
                sort.as_str(),
                if overdue { "1" } else { "" }
            ),
            c: c.clone(),
        };
        Ok(render(&page))
    }
    .await;
    respond(&c, r)
}
