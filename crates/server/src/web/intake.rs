//! The intake console for phone calls, letters and visits: while the agent types the caller's
//! phone it lists that caller's earlier cases; before saving it shows the deadlines the case
//! would run against; group visits record their size and representatives.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::{self, FormData};
use super::present::{self, Choice, ChoiceGroup, DeadlineRow, DueBadge, due_badge};
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minsheng_core::access::{self, Role};
use minsheng_core::case::{CaseKind, Channel};
use minsheng_core::petitioner::Phone;
use minsheng_store::IdempotencyKey;
use sha2::{Digest, Sha256};

const INTAKE_CHANNELS: &[Channel] = &[
    Channel::Phone,
    Channel::Visit,
    Channel::Letter,
    Channel::Fax,
    Channel::Hotline12345,
];

#[derive(Template)]
#[template(path = "staff/intake.html")]
struct Console {
    c: Chrome,
    f: FormData,
    channels: Vec<Choice>,
    kinds: Vec<Choice>,
    topics: Vec<ChoiceGroup>,
    regions: Vec<Choice>,
    error: Option<String>,
    form_token: String,
}

fn console_page(st: &AppState, c: Chrome, f: FormData, error: Option<String>) -> Console {
    let dir = st.directory();
    let channel = if f.get("channel").is_empty() {
        "phone"
    } else {
        f.get("channel")
    };
    let kind = if f.get("kind").is_empty() {
        "appeal"
    } else {
        f.get("kind")
    };
    let token: [u8; 16] = minsheng_store::crypto::random_bytes().unwrap_or([0; 16]);
    Console {
        channels: INTAKE_CHANNELS
            .iter()
            .map(|ch| Choice {
                value: ch.as_str().into(),
                zh: ch.zh().into(),
                en: ch.en().into(),
                selected: ch.as_str() == channel,
            })
            .collect(),
        kinds: CaseKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                zh: k.zh().into(),
                en: k.en().into(),
                selected: k.as_str() == kind,
            })
            .collect(),
        topics: present::topic_groups(&dir, f.get("topic")),
        regions: present::region_choices(&dir, f.get("region")),
        form_token: f.opt("form_token").unwrap_or_else(|| hex::encode(token)),
        f,
        c,
        error,
    }
}

fn require_intake(ws: &WebStaff) -> Result<(), ApiError> {
    if matches!(ws.staff.user.role, Role::Intake | Role::Coordinator) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

pub async fn console(State(st): State<AppState>, ws: WebStaff) -> Response {
    if let Err(e) = require_intake(&ws) {
        return ws.c.error_page(e);
    }
    render(&console_page(&st, ws.c.clone(), FormData::default(), None))
}

#[derive(Template)]
#[template(path = "staff/registered.html")]
struct Registered {
    c: Chrome,
    number: String,
    query_code: String,
    status_zh: String,
    status_en: String,
    declined_reason: Option<String>,
}

pub async fn register(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = ws.c.clone();
    if let Err(e) = require_intake(&ws) {
        return c.error_page(e);
    }
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let actor = ws.staff.actor();
    let result = async {
        let channel = Channel::parse(f.get("channel"))?;
        let input = forms::new_case(&f, channel, true)?;
        let idem = f.opt("form_token").map(|k| IdempotencyKey {
            scope: format!("web-intake-{}", ws.staff.user.id),
            key: k.chars().take(64).collect(),
            request_hash: hex::encode(Sha256::digest(&body)),
        });
        service::register(&st, &actor, input, idem).await
    }
    .await;
    match result {
        Ok(r) => render(&Registered {
            c,
            number: r.case.number.clone(),
            query_code: r.query_code.unwrap_or_default(),
            status_zh: r.case.status.zh().into(),
            status_en: r.case.status.en().into(),
            declined_reason: r.case.declined.as_ref().map(|d| d.reason.clone()),
        }),
        Err(e) if super::portal::is_user_error(&e) => {
            let status = e.parts().0;
            let msg = c.message(&e);
            (status, render(&console_page(&st, c, f, Some(msg)))).into_response()
        }
        Err(e) => c.error_page(e),
    }
}

/// One earlier case of the caller.
pub struct HistoryRow {
    pub number: String,
    pub title: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub registered: String,
    pub due: Option<DueBadge>,
}

#[derive(Template)]
#[template(path = "staff/history.html")]
struct History {
    c: Chrome,
    rows: Vec<HistoryRow>,
    message: Option<String>,
}

/// The caller's earlier cases (htmx fragment), looked up by the keyed hash of the phone.
pub async fn history(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = ws.c.clone();
    let r = async {
        require_intake(&ws)?;
        let f = FormData::parse(&body)?;
        let raw = f.get("phone");
        let digits = raw.chars().filter(char::is_ascii_digit).count();
        let phone = match Phone::parse(raw) {
            Ok(p) => p,
            Err(_) => {
                let message = (digits > 0).then(|| {
                    c.pick(
                        "号码未输完整，输完后显示来电人的历史事项",
                        "Finish typing the number to see the caller's earlier cases",
                    )
                });
                return Ok(render(&History {
                    c: c.clone(),
                    rows: vec![],
                    message,
                }));
            }
        };
        let actor = ws.staff.actor();
        let dir = st.directory();
        let now = service::now();
        let cases = st
            .store
            .cases_by_phone_index(&st.store.phone_index(&phone), 20)
            .await?;
        let rows: Vec<HistoryRow> = cases
            .iter()
            .filter(|s| access::can_view(&actor, s, &dir))
            .map(|s| {
                let policy = st.policy_for_region(&s.location.region);
                HistoryRow {
                    number: s.number.clone(),
                    title: s.title.clone(),
                    status_zh: s.status.zh(),
                    status_en: s.status.en(),
                    registered: c.time(&s.registered_at),
                    due: minsheng_core::deadline::current_duty(s, &policy, &st.calendar)
                        .map(|d| due_badge(&d, now)),
                }
            })
            .collect();
        let message = rows.is_empty().then(|| {
            c.pick(
                "该号码没有可查看的历史事项",
                "No earlier cases you may see for this number",
            )
        });
        Ok(render(&History {
            c: c.clone(),
            rows,
            message,
        }))
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "staff/preview.html")]
struct Preview {
    c: Chrome,
    status_zh: String,
    status_en: String,
    deadlines: Vec<DeadlineRow>,
    declined: Option<String>,
    problem: Option<String>,
    related: Vec<super::insight::RelatedRow>,
    risks: Vec<super::insight::RiskRow>,
    suggested_unit: Option<(String, String)>,
    articles: Vec<(String, String)>,
    topic_guess: Option<super::insight::TopicGuess>,
}

/// The deadlines the draft would run against if saved now (htmx fragment); nothing is written.
pub async fn preview(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = ws.c.clone();
    if let Err(e) = require_intake(&ws) {
        return c.error_page(e);
    }
    let actor = ws.staff.actor();
    let outcome = async {
        let f = FormData::parse(&body)?;
        let channel = Channel::parse(f.get("channel"))?;
        let input = forms::new_case(&f, channel, true)?;
        let phone = Phone::parse(f.get("phone")).ok();
        let case = service::preview(&st, &actor, input).await?;
        let draft = minsheng_text::related::Draft {
            text: crate::textindex::case_text(&case),
            caller_key: phone.map(|p| st.store.phone_index(&p)),
            place_key: crate::textindex::place_key(&case.location.address),
            topic: Some(crate::textindex::topic_group(&case.topic)),
            at: service::now(),
        };
        let related =
            super::insight::related_rows(&st, &actor, st.text.find_related(&draft), 8).await?;
        let articles =
            super::knowledge::suggest(&st, &format!("{}{}", case.title, case.request), 3).await?;
        Ok::<_, ApiError>((case, related, articles))
    }
    .await;
    let dir = st.directory();
    let topic_guess = FormData::parse(&body).ok().and_then(|f| {
        super::insight::topic_guess(
            &st,
            f.get("title"),
            &format!("{}{}", f.get("request"), f.get("facts_reasons")),
        )
    });
    let page = match outcome {
        Ok((case, related, articles)) => {
            let policy = st.policy_for_region(&case.location.region);
            Preview {
                risks: super::insight::risk_rows(&crate::textindex::case_text(&case)),
                suggested_unit: dir
                    .dispatch_unit(&case.location.region, &case.topic)
                    .map(|u| (u.name_zh.clone(), u.name_en.clone())),
                related,
                articles,
                topic_guess,
                status_zh: case.status.zh().into(),
                status_en: case.status.en().into(),
                deadlines: present::deadline_rows(
                    &minsheng_core::deadline::active(&case, &policy, &st.calendar),
                    service::now(),
                ),
                declined: case.declined.as_ref().map(|d| d.reason.clone()),
                problem: None,
                c: c.clone(),
            }
        }
        Err(e) if super::portal::is_user_error(&e) => Preview {
            status_zh: String::new(),
            status_en: String::new(),
            deadlines: vec![],
            declined: None,
            problem: Some(c.message(&e)),
            related: vec![],
            articles: vec![],
            topic_guess,
            risks: vec![],
            suggested_unit: None,
            c: c.clone(),
        },
        Err(e) => return c.error_page(e),
    };
    (StatusCode::OK, render(&page)).into_response()
}
