//! Typical cases (典型案例): supervisors, coordinators and administrators choose a finished case
//! for the public transparency page and write its public title and summary themselves. Nothing
//! of the petitioner's is copied: the text is staff-written, checked for digit runs (phone and
//! ID numbers) and for the petitioner's own name, phone and address, and the page shows only the
//! county-level region. Publishing and withdrawing are audited.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::FormData;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::case::{CaseKind, Status};
use minsheng_core::region::{Directory, Level};
use minsheng_core::workflow::CaseState;
use minsheng_store::TypicalCase;

/// The outcomes a typical case may show: (code, 中文, English).
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("supported", "支持诉求", "Request supported"),
    ("partly", "部分支持", "Partly supported"),
    ("explained", "解释说明", "Explained"),
    ("not_supported", "不予支持", "Not supported"),
    ("mediated", "调解和解", "Settled by mediation"),
    ("resolved", "问题已解决", "Resolved"),
];

pub fn outcome_label(code: &str) -> (&'static str, &'static str) {
    OUTCOMES
        .iter()
        .find(|o| o.0 == code)
        .map(|o| (o.1, o.2))
        .unwrap_or(("—", "—"))
}

const TITLE_MAX: usize = 60;
const SUMMARY_MIN: usize = 20;
const SUMMARY_MAX: usize = 2000;

pub fn may_publish(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Supervisor | Role::Coordinator | Role::Admin
    )
}

/// A case with an outcome to show: answered, reviewed or closed. Accusations are never
/// published (the accuser could be recognised from the story).
fn publishable(case: &CaseState) -> Result<(), ApiError> {
    if case.kind == CaseKind::Accusation {
        return Err(ApiError::bad(
            "typical_accusation",
            "检举控告事项不作为典型案例公开，以保护检举人",
            "Accusations are not published as typical cases, to protect the accuser",
        ));
    }
    let done = matches!(
        case.status,
        Status::Answered | Status::Reviewed | Status::Final | Status::Replied | Status::Closed
    );
    if !done {
        return Err(ApiError::bad(
            "typical_not_finished",
            "只有已答复或已办结的事项才能选为典型案例",
            "Only answered or closed cases can be published as typical cases",
        ));
    }
    Ok(())
}

/// The county-level region of the case (or its own region above that level), for display.
pub fn county_of(dir: &Directory, region: &str) -> String {
    dir.chain(region)
        .into_iter()
        .rfind(|code| {
            dir.region(code)
                .is_ok_and(|r| r.level.depth() <= Level::County.depth())
        })
        .unwrap_or(region)
        .to_string()
}

/// Refuses text that carries personal data: long digit runs, the petitioner's name, phone, ID
/// number or address, or the matter's exact address.
async fn check_private(st: &AppState, case: &CaseState, texts: &[&str]) -> ApiResult<()> {
    let refuse = || {
        ApiError::bad(
            "typical_personal_data",
            "标题和摘要不得包含姓名、电话、证件号码、住址等个人信息",
            "The title and summary must not contain names, phone or ID numbers, addresses or other personal data",
        )
    };
    if texts.iter().any(|t| minsheng_text::numbers::has_number(t)) {
        return Err(refuse());
    }
    // The petitioner's own data, and the exact address of the matter (a home, often).
    let mut own = vec![case.location.address.clone()];
    if let Some(p) = st.store.petitioner(case.petitioner.id).await? {
        own.extend(
            [p.name, p.phone, p.id_number, p.address]
                .into_iter()
                .flatten(),
        );
    }
    let own: Vec<String> = own
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| v.chars().count() >= 2)
        .collect();
    if texts
        .iter()
        .any(|t| own.iter().any(|v| t.contains(v.as_str())))
    {
        return Err(refuse());
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "staff/typical.html")]
struct TypicalPage {
    c: Chrome,
    number: String,
    current: Option<TypicalCase>,
    title: String,
    summary: String,
    outcome: String,
    outcomes: Vec<(&'static str, &'static str, &'static str)>,
    refusal: Option<String>,
    error: Option<String>,
}

impl TypicalPage {
    fn published(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|t| t.withdrawn_at.is_none())
    }
}

/// The case, if this staff member may publish it at all.
async fn load(st: &AppState, actor: &Actor, number: &str) -> ApiResult<CaseState> {
    if !may_publish(actor) {
        return Err(ApiError::Forbidden);
    }
    let case = st
        .store
        .get_case_by_number(number)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !access::can_view(actor, &case, &st.directory()) {
        return Err(ApiError::NotFound);
    }
    Ok(case)
}

fn page(
    c: &Chrome,
    case: &CaseState,
    current: Option<TypicalCase>,
    form: Option<&FormData>,
) -> TypicalPage {
    let pick = |k: &str, stored: Option<&str>| {
        form.map(|f| f.get(k).to_string())
            .or(stored.map(str::to_string))
            .unwrap_or_default()
    };
    TypicalPage {
        c: c.clone(),
        number: case.number.clone(),
        title: pick("title", current.as_ref().map(|t| t.title.as_str())),
        summary: pick("summary", current.as_ref().map(|t| t.summary.as_str())),
        outcome: pick("outcome", current.as_ref().map(|t| t.outcome.as_str())),
        current,
        outcomes: OUTCOMES.to_vec(),
        refusal: publishable(case).err().map(|e| c.message(&e)),
        error: None,
    }
}

pub async fn form(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(number): Path<String>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let case = load(&st, &ws.staff.actor(), &number).await?;
        let current = st.store.typical_case(case.id).await?;
        Ok(render(&page(&c, &case, current, None)))
    }
    .await;
    respond(&c, r)
}

/// Validates the form into the record to publish.
async fn validate(
    st: &AppState,
    actor: &Actor,
    case: &CaseState,
    f: &FormData,
) -> ApiResult<TypicalCase> {
    publishable(case)?;
    let title = f.get("title").trim().to_string();
    let summary = f.get("summary").trim().to_string();
    let outcome = f.get("outcome").to_string();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(ApiError::bad(
            "typical_title",
            format!("请填写标题（不超过{TITLE_MAX}字）"),
            format!("Enter a title (at most {TITLE_MAX} characters)"),
        ));
    }
    let n = summary.chars().count();
    if !(SUMMARY_MIN..=SUMMARY_MAX).contains(&n) {
        return Err(ApiError::bad(
            "typical_summary",
            format!("摘要应为{SUMMARY_MIN}至{SUMMARY_MAX}字"),
            format!("The summary is {SUMMARY_MIN} to {SUMMARY_MAX} characters"),
        ));
    }
    if !OUTCOMES.iter().any(|o| o.0 == outcome) {
        return Err(ApiError::bad(
            "typical_outcome",
            "请选择办理结果",
            "Choose the outcome",
        ));
    }
    check_private(st, case, &[&title, &summary]).await?;
    let dir = st.directory();
    Ok(TypicalCase {
        case_id: case.id,
        number: case.number.clone(),
        title,
        topic: case.topic.clone(),
        region: county_of(&dir, &case.location.region),
        summary,
        outcome,
        published_by: actor.name.clone(),
        published_at: service::now(),
        withdrawn_at: None,
    })
}

pub async fn publish(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let actor = ws.staff.actor();
        let case = load(&st, &actor, &number).await?;
        let f = FormData::parse(&body)?;
        match validate(&st, &actor, &case, &f).await {
            Ok(t) => {
                st.store.publish_typical(&t).await?;
                st.store
                    .audit(&actor.name, "typical_case.publish", &case.number)
                    .await?;
                Ok(Redirect::to(&format!("/staff/cases/{}/typical", case.number)).into_response())
            }
            Err(e @ ApiError::BadRequest { .. }) => {
                let current = st.store.typical_case(case.id).await?;
                let mut p = page(&c, &case, current, Some(&f));
                p.error = Some(c.message(&e));
                Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}

pub async fn withdraw(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(number): Path<String>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let actor = ws.staff.actor();
        let case = load(&st, &actor, &number).await?;
        if !st.store.withdraw_typical(case.id, service::now()).await? {
            return Err(ApiError::bad(
                "typical_not_published",
                "该事项未作为典型案例公开",
                "This case is not published as a typical case",
            ));
        }
        st.store
            .audit(&actor.name, "typical_case.withdraw", &case.number)
            .await?;
        Ok(Redirect::to(&format!("/staff/cases/{}/typical", case.number)).into_response())
    }
    .await;
    respond(&c, r)
}
