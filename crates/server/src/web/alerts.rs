//! The alert pages: the list (level and status filters, colour by level, the report-within
//! deadline in words) and one alert (evidence, the lifecycle forms, its history).

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::FormData;
use crate::alerts::{self, api::ListQuery};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Actor};
use minsheng_core::alert::AlertStatus;
use minsheng_store::AlertRecord;

/// The report-within deadline in words, with a class for its colour.
pub struct DueWords {
    pub class: &'static str,
    pub zh: String,
    pub en: String,
}

fn span(mins: i64) -> (String, String) {
    let (h, m) = (mins / 60, mins % 60);
    match (h, m) {
        (0, m) => (format!("{m}分钟"), format!("{m} min")),
        (h, 0) => (format!("{h}小时"), format!("{h} h")),
        (h, m) => (format!("{h}小时{m}分钟"), format!("{h} h {m} min")),
    }
}

pub fn due_words(r: &AlertRecord, now: DateTime<Utc>) -> DueWords {
    match (r.alert.status, r.report_due) {
        (AlertStatus::Raised, Some(due)) if now >= due => {
            let (zh, en) = span((now - due).num_minutes().max(1));
            DueWords {
                class: "due-over",
                zh: format!("已超时{zh}未签收"),
                en: format!("{en} past the deadline, not acknowledged"),
            }
        }
        (AlertStatus::Raised, Some(due)) => {
            let (zh, en) = span((due - now).num_minutes().max(1));
            DueWords {
                class: "due-soon",
                zh: format!("须在{zh}内签收上报"),
                en: format!("acknowledge within {en}"),
            }
        }
        (status, _) => DueWords {
            class: "due-ok",
            zh: status.zh().to_string(),
            en: status_en(status).to_string(),
        },
    }
}

pub fn status_en(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Raised => "Raised",
        AlertStatus::Acknowledged => "Acknowledged",
        AlertStatus::Handled => "Handled",
        AlertStatus::Closed => "Closed",
    }
}

/// One line of the list.
pub struct AlertRow {
    pub id: String,
    pub level: u8,
    pub level_class: String,
    pub level_zh: String,
    pub level_en: String,
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub place_zh: String,
    pub place_en: String,
    pub raised: String,
    pub due: DueWords,
    pub escalated: bool,
}

fn row(st: &AppState, c: &Chrome, r: &AlertRecord, now: DateTime<Utc>) -> AlertRow {
    let dir = st.directory();
    let policy = st.policy_for_region(r.region.as_deref().unwrap_or(""));
    let lvl = policy.alert.level(r.alert.level);
    let place = r.region.as_deref().and_then(|code| dir.region(code).ok());
    AlertRow {
        id: r.alert.id.to_string(),
        level: r.alert.level,
        level_class: format!("alert-l{}", r.alert.level.min(4)),
        level_zh: lvl.map_or_else(|| format!("{}级", r.alert.level), |l| l.zh.clone()),
        level_en: lvl.map_or_else(|| format!("Level {}", r.alert.level), |l| l.en.clone()),
        rule_zh: r.alert.rule.zh(),
        rule_en: r.alert.rule.en(),
        status_zh: r.alert.status.zh(),
        status_en: status_en(r.alert.status),
        place_zh: place.map(|p| p.name_zh.clone()).unwrap_or_default(),
        place_en: place.map(|p| p.name_en.clone()).unwrap_or_default(),
        raised: c.time(&r.alert.raised_at),
        due: due_words(r, now),
        escalated: r.alert.escalations > 0,
    }
}

pub struct Opt {
    pub value: String,
    pub zh: String,
    pub en: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/alerts.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<AlertRow>,
    statuses: Vec<Opt>,
    levels: Vec<Opt>,
}

pub async fn list(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(q): Query<ListQuery>,
) -> Response {
    let actor = ws.staff.actor();
    let c = ws.c;
    let r = async {
        let f = alerts::api::filter(&q)?;
        let now = crate::service::now();
        let items = alerts::api::visible_alerts(&st, &actor, &f).await?;
        let rows = items.iter().map(|r| row(&st, &c, r, now)).collect();
        let statuses = [
            AlertStatus::Raised,
            AlertStatus::Acknowledged,
            AlertStatus::Handled,
            AlertStatus::Closed,
        ]
        .into_iter()
        .map(|s| Opt {
            value: s.as_str().into(),
            zh: s.zh().into(),
            en: status_en(s).into(),
            selected: q.status == s.as_str(),
        })
        .collect();
        let levels = st
            .policy
            .national()
            .alert
            .levels
            .iter()
            .map(|l| Opt {
                value: l.level.to_string(),
                zh: l.zh.clone(),
                en: l.en.clone(),
                selected: q.level == l.level.to_string(),
            })
            .collect();
        Ok(render(&ListPage {
            c: c.clone(),
            rows,
            statuses,
            levels,
        }))
    }
    .await;
    respond(&c, r)
}

pub struct EvidenceCase {
    pub number: String,
    pub title: String,
}

pub struct HistoryRow {
    pub at: String,
    pub who: String,
    pub zh: &'static str,
    pub en: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "staff/alert.html")]
struct AlertPage {
    c: Chrome,
    a: AlertRow,
    cases: Vec<EvidenceCase>,
    /// Cases in the evidence this viewer may not open (counted, never named).
    hidden_cases: usize,
    phrases: Vec<String>,
    count: u32,
    threshold: u32,
    topic: String,
    /// The next lifecycle step this viewer may take: (command, zh, en, note required).
    next: Option<(&'static str, &'static str, &'static str, bool)>,
    history: Vec<HistoryRow>,
    notice: Option<String>,
    error: Option<String>,
}

async fn page(
    st: &AppState,
    c: &Chrome,
    actor: &Actor,
    rec: AlertRecord,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<Response> {
    let dir = st.directory();
    let now = crate::service::now();
    let mut cases = Vec::new();
    let found = st.store.get_cases(&rec.alert.evidence.cases).await?;
    // Evidence cases that no longer exist count as hidden too.
    let mut hidden_cases = rec.alert.evidence.cases.len() - found.len();
    for case in found {
        if access::can_view(actor, &case, &dir) {
            cases.push(EvidenceCase {
                number: case.number.clone(),
                title: case.title.clone(),
            });
        } else {
            hidden_cases += 1;
        }
    }
    let next = if alerts::may_act(actor) {
        match rec.alert.status {
            AlertStatus::Raised => Some(("acknowledge", "签收", "Acknowledge", false)),
            AlertStatus::Acknowledged => Some(("handle", "处置完毕", "Mark handled", true)),
            AlertStatus::Handled => Some(("close", "关闭预警", "Close", false)),
            AlertStatus::Closed => None,
        }
    } else {
        None
    };
    let history = st
        .store
        .alert_events(rec.alert.id)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            at: c.time(&e.at),
            who: e.actor.name.clone(),
            zh: e.event.zh(),
            en: e.event.en(),
            note: e.event.note().unwrap_or("").to_string(),
        })
        .collect();
    let topic = rec
        .alert
        .evidence
        .topic
        .as_deref()
        .and_then(|t| dir.topic(t).ok().map(|x| c.pick(&x.name_zh, &x.name_en)))
        .or_else(|| rec.alert.evidence.topic.clone())
        .unwrap_or_default();
    Ok(render(&AlertPage {
        c: c.clone(),
        a: row(st, c, &rec, now),
        cases,
        hidden_cases,
        // Stored as `category:phrase`; the phrase is what a reader checks against the text.
        phrases: rec
            .alert
            .evidence
            .phrases
            .iter()
            .map(|p| p.split_once(':').map_or(p.as_str(), |(_, x)| x).to_string())
            .collect(),
        count: rec.alert.evidence.count,
        threshold: rec.alert.evidence.threshold,
        topic,
        next,
        history,
        notice,
        error,
    }))
}

pub async fn detail(State(st): State<AppState>, ws: WebStaff, Path(id): Path<String>) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let rec = alerts::load_visible(&st, &actor, &id).await?;
        page(&st, c, &actor, rec, None, None).await
    }
    .await;
    respond(c, r)
}

/// The lifecycle forms post here; a refusal shows the page again with the reason.
pub async fn act(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let rec = alerts::load_visible(&st, &actor, &id).await?;
        // Who may act is settled before what was asked: a refused role learns nothing from
        // the form's validation.
        if !alerts::may_act(&actor) {
            let resp = page(
                &st,
                c,
                &actor,
                rec,
                None,
                Some(c.message(&ApiError::Forbidden)),
            )
            .await?;
            return Ok((axum::http::StatusCode::FORBIDDEN, resp).into_response());
        }
        let f = FormData::parse(&body)?;
        let outcome = match alerts::command(f.get("command"), &actor.name, f.get("note")) {
            Ok(cmd) => alerts::act(&st, &actor, &id, &cmd, crate::service::now()).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(_) => Ok(Redirect::to(&format!("/staff/alerts/{}", rec.alert.id)).into_response()),
            Err(e @ (ApiError::BadRequest { .. } | ApiError::Forbidden)) => {
                let status = e.parts().0;
                let msg = c.message(&e);
                let resp = page(&st, c, &actor, rec, None, Some(msg)).await?;
                Ok((status, resp).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(c, r)
}
