//! The case page: every field (personal data masked, with an audited reveal for the roles
//! allowed it), deadlines, the timeline, and only the actions the workflow accepts now.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::{self, FormData};
use super::present::{self, Choice, DeadlineRow};
use crate::error::{ApiError, ApiResult};
use crate::service::{self, Availability};
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minsheng_core::access::{self, Actor, PetitionerVisibility};
use minsheng_core::case::*;
use minsheng_core::workflow::{CaseState, Command, Opinion};

/// An action the workflow would accept now (or refuses for a stated rule).
pub struct ActionForm {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub open: bool,
    pub refused_zh: String,
    pub refused_en: String,
}

pub struct TimelineRow {
    pub at: String,
    pub zh: String,
    pub en: String,
    pub actor: String,
    pub role_zh: String,
    pub detail: String,
    pub hash: String,
}

/// A supervision order as shown.
pub struct SupervisionRow {
    pub at: String,
    pub due: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub instruction: String,
    pub response: Option<String>,
    pub answered: Option<String>,
    pub overdue: bool,
}

pub struct DocLink {
    pub slug: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    c: Chrome,
    case: CaseState,
    withheld: bool,
    can_reveal: bool,
    revealed: Option<(String, String)>,
    topic_zh: String,
    topic_en: String,
    region_zh: String,
    region_en: String,
    office: views::UnitRef,
    current: views::UnitRef,
    accused: Option<views::UnitRef>,
    deadlines: Vec<DeadlineRow>,
    actions: Vec<ActionForm>,
    units: Vec<Choice>,
    suggested_unit: Option<views::UnitRef>,
    ratings: Vec<minsheng_core::policy::RatingOption>,
    routes: Vec<Choice>,
    timeline: Vec<TimelineRow>,
    supervisions: Vec<SupervisionRow>,
    documents: Vec<DocLink>,
    related: Vec<super::insight::RelatedRow>,
    risks: Vec<super::insight::RiskRow>,
    topic_guess: Option<super::insight::TopicGuess>,
    exchange: crate::exchange::view::CaseExchange,
    notice: Option<String>,
    error: Option<String>,
    /// Notices to the petitioner and their delivery (hidden where the petitioner is).
    notices: Vec<crate::notify::view::NoticeRow>,
}

const PROBE: &str = "用于判断该操作当前是否可用的说明文字";

/// Every action with a probe command whose arguments are plausible, so the decider answers on
/// state and role (hidden), or on a time limit or count (refused with its reason).
fn probes(policy_rating: &str) -> Vec<(&'static str, &'static str, &'static str, Command)> {
    let p = || PROBE.to_string();
    vec![
        (
            "transfer",
            "转送 / 交办",
            "Transfer / assign",
            Command::Transfer {
                to_unit: String::new(),
                mode: TransferMode::Transfer,
                note: String::new(),
                report_required: false,
            },
        ),
        (
            "divert",
            "引导至法定途径",
            "Divert to a legal route",
            Command::Divert {
                route: LegalRoute::Litigation,
                guidance: p(),
            },
        ),
        ("accept", "受理", "Accept", Command::Accept { notice: p() }),
        (
            "decline",
            "不予受理",
            "Decline",
            Command::Decline { reason: p() },
        ),
        (
            "object",
            "提出异议（非本单位职责）",
            "Object (not our remit)",
            Command::Object { reason: p() },
        ),
        (
            "extend",
            "延期",
            "Extend",
            Command::Extend {
                days: 1,
                approver: p(),
                reason: p(),
            },
        ),
        (
            "issue_opinion",
            "出具处理意见书",
            "Issue the handling opinion",
            Command::IssueOpinion(Opinion {
                request: p(),
                facts_reasons: p(),
                opinion: p(),
                legal_basis: p(),
                outcome: Outcome::Support,
            }),
        ),
        (
            "settle",
            "调解和解",
            "Record a settlement",
            Command::Settle {
                mediation: true,
                summary: p(),
            },
        ),
        (
            "decide_review",
            "出具复查意见",
            "Decide the review",
            Command::DecideReview {
                outcome: ReviewOutcome::Uphold,
                opinion: p(),
            },
        ),
        (
            "record_hearing",
            "记录听证",
            "Record a hearing",
            Command::RecordHearing {
                days: 1,
                summary: p(),
            },
        ),
        (
            "decide_rereview",
            "出具复核意见",
            "Decide the re-review",
            Command::DecideReReview {
                outcome: ReviewOutcome::Uphold,
                opinion: p(),
            },
        ),
        (
            "answer_directly",
            "直接答复",
            "Answer directly",
            Command::AnswerDirectly { answer: p() },
        ),
        (
            "emergency_transfer",
            "转紧急热线",
            "Hand to an emergency line",
            Command::EmergencyTransfer {
                service: EmergencyService::Police110,
                note: String::new(),
            },
        ),
        (
            "dispatch",
            "派单",
            "Dispatch",
            Command::Dispatch {
                to_unit: String::new(),
                note: String::new(),
            },
        ),
        ("sign_for", "签收", "Sign for", Command::SignFor),
        ("return", "退单", "Return", Command::Return { reason: p() }),
        (
            "approve_complex",
            "批准为疑难件",
            "Approve as complex",
            Command::ApproveComplex {
                approver: p(),
                reason: p(),
            },
        ),
        ("reply", "答复", "Reply", Command::Reply { content: p() }),
        (
            "follow_up",
            "回访",
            "Follow up",
            Command::FollowUp {
                rating: policy_rating.to_string(),
                resolved: true,
                note: String::new(),
            },
        ),
        ("reopen", "重办", "Reopen", Command::Reopen { reason: p() }),
        ("close", "办结", "Close", Command::Close { reason: p() }),
        (
            "merge",
            "并案（并入主件）",
            "Merge into a primary case",
            Command::Merge {
                primary: uuid::Uuid::nil(),
                primary_number: p(),
                reason: p(),
            },
        ),
        (
            "supervise",
            "督办",
            "Supervise",
            Command::Supervise {
                instruction: p(),
                respond_within_days: 7,
            },
        ),
        (
            "answer_supervision",
            "督办反馈",
            "Report on supervision",
            Command::AnswerSupervision { response: p() },
        ),
        (
            "refer",
            "转调解 / 仲裁 / 诉讼",
            "Refer to mediation, arbitration or court",
            Command::Refer {
                kind: minsheng_core::workflow::ReferralKind::PeopleMediation,
                body: p(),
                note: String::new(),
            },
        ),
        (
            "record_referral_outcome",
            "记录调解结果",
            "Record the referral's outcome",
            Command::RecordReferralOutcome {
                outcome: minsheng_core::workflow::ReferralOutcome::Failed,
                note: p(),
            },
        ),
    ]
}

fn actions(st: &AppState, actor: &Actor, case: &CaseState, rating: &str) -> Vec<ActionForm> {
    probes(rating)
        .into_iter()
        .filter_map(|(name, zh, en, cmd)| {
            service::availability(st, actor, case, &cmd).map(|a| match a {
                Availability::Open => ActionForm {
                    name,
                    zh,
                    en,
                    open: true,
                    refused_zh: String::new(),
                    refused_en: String::new(),
                },
                Availability::Refused { zh: rz, en: re } => ActionForm {
                    name,
                    zh,
                    en,
                    open: false,
                    refused_zh: rz,
                    refused_en: re,
                },
            })
        })
        .collect()
}

/// The text worth reading from an event, for the timeline.
fn event_detail(dir: &minsheng_core::region::Directory, event: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(u) = event.get("to_unit").and_then(|v| v.as_str()) {
        parts.push(format!("→ {}", views::unit_ref(dir, u).name_zh));
    }
    for k in [
        "reason", "notice", "note", "opinion", "guidance", "answer", "content", "summary",
        "purpose", "field", "body",
    ] {
        if let Some(s) = event.get(k).and_then(|v| v.as_str())
            && !s.is_empty()
        {
            parts.push(s.to_string());
        }
    }
    if let Some(d) = event.get("days").and_then(|v| v.as_u64()) {
        parts.push(format!("{d}d"));
    }
    if let Some(d) = event.get("due").and_then(|v| v.as_str()) {
        parts.push(format!("≤ {d}"));
    }
    parts.join(" · ")
}

fn documents(case: &CaseState) -> Vec<DocLink> {
    let mut out = Vec::new();
    if case.accepted_at.is_some() {
        out.push(DocLink {
            slug: "acceptance",
            zh: "受理告知书",
            en: "Notice of acceptance",
        });
    }
    if case.declined.is_some() {
        out.push(DocLink {
            slug: "non-acceptance",
            zh: "不予受理告知书",
            en: "Notice of non-acceptance",
        });
    }
    if !case.extensions.is_empty() {
        out.push(DocLink {
            slug: "extension",
            zh: "延期告知书",
            en: "Notice of extension",
        });
    }
    if case.opinion.is_some() {
        out.push(DocLink {
            slug: "opinion",
            zh: "信访处理意见书",
            en: "Handling opinion",
        });
    }
    if case.review.as_ref().is_some_and(|r| r.decided_at.is_some()) {
        out.push(DocLink {
            slug: "review",
            zh: "复查意见书",
            en: "Review opinion",
        });
    }
    out
}

async fn page(
    st: &AppState,
    c: &Chrome,
    actor: &Actor,
    case: CaseState,
    revealed: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<Response> {
    let dir = st.directory();
    let policy = st.policy_for_region(&case.location.region);
    let records = st.store.events(case.id).await?;
    let timeline = views::timeline(actor, &case, &records)
        .into_iter()
        .zip(&records)
        .map(|(t, r)| TimelineRow {
            at: c.time(&t.at),
            zh: t.label_zh.clone(),
            en: r.event.en().to_string(),
            actor: t.actor_name.clone(),
            role_zh: t.actor_role.clone(),
            detail: event_detail(&dir, &t.event),
            hash: t.hash.chars().take(12).collect(),
        })
        .collect();
    let topic = dir.topic(&case.topic).ok();
    let region = dir.region(&case.location.region).ok();
    let rating = policy
        .rating
        .options
        .first()
        .map(|o| o.code.clone())
        .unwrap_or_default();
    let suggested = dir
        .dispatch_unit(&case.location.region, &case.topic)
        .map(|u| u.id.clone());
    let units = present::unit_choices(&dir, suggested.as_deref().unwrap_or(""))
        .into_iter()
        .filter(|u| u.value != case.current_unit && Some(&u.value) != case.accused_unit.as_ref())
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let related =
        super::insight::related_rows(st, actor, st.text.related_to(&case.id.to_string()), 8)
            .await?;
    let risks = super::insight::risk_rows(&crate::textindex::case_text(&case));
    let topic_guess = super::insight::topic_guess(
        st,
        &case.title,
        &format!("{}{}", case.request, case.facts_reasons),
    )
    .filter(|g| !case.topic.starts_with(&g.code));
    let exchange = crate::exchange::view::for_case(st, &case, |t| c.time(t)).await?;
    let withheld = access::petitioner_visibility(actor, &case) == PetitionerVisibility::Withheld;
    let notices = if withheld {
        Vec::new()
    } else {
        crate::notify::view::rows(st, c, case.id).await?
    };
    let page = CasePage {
        exchange,
        notices,
        related,
        risks,
        topic_guess,
        withheld,
        can_reveal: access::can_reveal(actor, &case, &dir),
        revealed,
        topic_zh: topic.map(|t| t.name_zh.clone()).unwrap_or_default(),
        topic_en: topic.map(|t| t.name_en.clone()).unwrap_or_default(),
        region_zh: region.map(|r| r.name_zh.clone()).unwrap_or_default(),
        region_en: region.map(|r| r.name_en.clone()).unwrap_or_default(),
        office: views::unit_ref(&dir, &case.office_unit),
        current: views::unit_ref(&dir, &case.current_unit),
        accused: case
            .accused_unit
            .as_deref()
            .map(|u| views::unit_ref(&dir, u)),
        deadlines: present::deadline_rows(
            &minsheng_core::deadline::active(&case, &policy, &st.calendar),
            service::now(),
        ),
        actions: actions(st, actor, &case, &rating),
        units,
        suggested_unit: suggested.as_deref().map(|u| views::unit_ref(&dir, u)),
        ratings: policy.rating.options.clone(),
        routes: present::choices(
            LegalRoute::ALL,
            "",
            LegalRoute::as_str,
            LegalRoute::zh,
            LegalRoute::en,
        ),
        timeline,
        supervisions: case
            .supervisions
            .iter()
            .map(|x| {
                let due = x.report_due();
                let unit = views::unit_ref(&dir, &x.unit);
                SupervisionRow {
                    at: c.time(&x.at),
                    due: c.time(&due),
                    unit_zh: unit.name_zh,
                    unit_en: unit.name_en,
                    instruction: x.instruction.clone(),
                    response: x.response.clone(),
                    answered: x.answered_at.as_ref().map(|t| c.time(t)),
                    overdue: x.is_overdue(service::now()),
                }
            })
            .collect(),
        documents: documents(&case),
        case,
        notice,
        error,
        c: c.clone(),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn case_page(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        let case = service::load_visible(&st, &actor, &id).await?;
        page(&st, &ws.c, &actor, case, None, None, None).await
    }
    .await;
    respond(&ws.c, r)
}

/// The command of an action form. A merge names its primary by case number, resolved here to a
/// case this staff member may see.
async fn parse_action(st: &AppState, actor: &Actor, body: &[u8]) -> ApiResult<Command> {
    let f = FormData::parse(body)?;
    if f.get("command") == "merge" {
        let primary = service::load_visible(st, actor, f.get("primary_number").trim())
            .await
            .map_err(|_| {
                ApiError::bad(
                    "unknown_primary",
                    "未找到该主件编号，或您无权查看",
                    "No case with that number that you may see",
                )
            })?;
        return Ok(Command::Merge {
            primary: primary.id,
            primary_number: primary.number.clone(),
            reason: f.get("reason").to_string(),
        });
    }
    forms::command(&f)
}

/// Runs an action form; a refusal is shown on the case page with what the rule says.
pub async fn act(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let case = service::load_visible(&st, &actor, &id).await?;
        let outcome = match parse_action(&st, &actor, &body).await {
            Ok(cmd) => service::execute(&st, &actor, case.clone(), &cmd)
                .await
                .map(|next| (next, cmd)),
            Err(e) => Err(e),
        };
        match outcome {
            Ok((next, cmd)) => {
                let label = probes("")
                    .into_iter()
                    .find(|p| p.0 == cmd.name())
                    .map(|p| (p.1, p.2))
                    .unwrap_or(("操作", "Action"));
                let notice = format!("{} ✓", c.t(label.0, label.1));
                page(&st, c, &actor, next, None, Some(notice), None).await
            }
            Err(e) if super::portal::is_user_error(&e) => {
                let msg = c.message(&e);
                page(&st, c, &actor, case, None, None, Some(msg)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(c, r)
}

/// Reveals one personal field for an allowed role; the reveal is an event on the case.
pub async fn reveal(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let f = FormData::parse(&body)?;
        let case = service::load_visible(&st, &actor, &id).await?;
        let field = f.get("field").to_string();
        let cmd = Command::RevealPersonalData {
            field: field.clone(),
            purpose: f.get("purpose").to_string(),
        };
        match service::execute(&st, &actor, case.clone(), &cmd).await {
            Ok(next) => {
                let rec = st
                    .store
                    .petitioner(next.petitioner.id)
                    .await?
                    .unwrap_or_default();
                let value = match field.as_str() {
                    "name" => rec.name,
                    "phone" => rec.phone,
                    "id_number" => rec.id_number,
                    _ => rec.address,
                }
                .unwrap_or_else(|| "—".into());
                let label = reveal_label(c, &field);
                page(&st, c, &actor, next, Some((label, value)), None, None).await
            }
            Err(ApiError::Domain(minsheng_core::DomainError::Forbidden { .. })) => {
                Err(ApiError::Forbidden)
            }
            Err(e) if super::portal::is_user_error(&e) => {
                let msg = c.message(&e);
                page(&st, c, &actor, case, None, None, Some(msg)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(c, r)
}

fn reveal_label(c: &Chrome, field: &str) -> String {
    match field {
        "name" => c.pick("姓名", "Name"),
        "phone" => c.pick("电话", "Phone"),
        "id_number" => c.pick("身份证号", "ID number"),
        _ => c.pick("住址", "Address"),
    }
}
