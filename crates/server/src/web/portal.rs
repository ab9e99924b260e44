//! The citizen portal: submit a petition or a suggestion, get the query code once, follow the
//! case with the code and the last four phone digits, rate the answer, ask for a review.

use super::chrome::{Chrome, Web, render, respond};
use super::forms::{self, FormData};
use super::present::{self, Choice, ChoiceGroup, DeadlineRow};
use crate::error::{ApiError, ApiResult};
use crate::service::{self, Availability};
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minsheng_core::access::Actor;
use minsheng_core::case::{CaseKind, Channel, Status};
use minsheng_core::policy::RatingOption;
use minsheng_core::workflow::{CaseState, Command, Event};
use minsheng_store::IdempotencyKey;
use sha2::{Digest, Sha256};

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home {
    c: Chrome,
}

pub async fn home(Web(c): Web) -> Response {
    render(&Home { c })
}

/// The values a submit form is shown with (empty, or as sent back with an error).
#[derive(Debug, Clone, Default)]
pub struct SubmitValues {
    pub kind: String,
    pub title: String,
    pub request: String,
    pub facts_reasons: String,
    pub region: String,
    pub address: String,
    pub anonymous: bool,
    pub about_officials: bool,
    pub name: String,
    pub phone: String,
    pub home_address: String,
    pub email: String,
    pub notify: String,
}

impl SubmitValues {
    fn from_form(f: &FormData) -> Self {
        SubmitValues {
            kind: f.get("kind").into(),
            title: f.get("title").into(),
            request: f.get("request").into(),
            facts_reasons: f.get("facts_reasons").into(),
            region: f.get("region").into(),
            address: f.get("address").into(),
            anonymous: f.checked("anonymous"),
            about_officials: f.checked("about_officials"),
            name: f.get("name").into(),
            phone: f.get("phone").into(),
            home_address: f.get("home_address").into(),
            email: f.get("email").into(),
            notify: f.get("notify").into(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/submit.html")]
struct SubmitPage {
    c: Chrome,
    v: SubmitValues,
    kinds: Vec<Choice>,
    topics: Vec<ChoiceGroup>,
    regions: Vec<Choice>,
    error: Option<String>,
    form_token: String,
}

#[derive(serde::Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
}

fn submit_page(
    st: &AppState,
    c: Chrome,
    v: SubmitValues,
    topic: &str,
    error: Option<String>,
) -> SubmitPage {
    let dir = st.directory();
    let kinds = [CaseKind::Appeal, CaseKind::Suggestion, CaseKind::Accusation]
        .into_iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            zh: k.zh().into(),
            en: k.en().into(),
            selected: k.as_str() == v.kind,
        })
        .collect();
    let token: [u8; 16] = minsheng_store::crypto::random_bytes().unwrap_or([0; 16]);
    SubmitPage {
        topics: present::topic_groups(&dir, topic),
        regions: present::region_choices(&dir, &v.region),
        kinds,
        v,
        c,
        error,
        form_token: hex::encode(token),
    }
}

pub async fn submit_form(
    State(st): State<AppState>,
    Web(c): Web,
    Query(q): Query<KindQuery>,
) -> Response {
    let v = SubmitValues {
        kind: q.kind.unwrap_or_else(|| "appeal".into()),
        ..Default::default()
    };
    render(&submit_page(&st, c, v, "", None))
}

#[derive(Template)]
#[template(path = "portal/submitted.html")]
struct Submitted {
    c: Chrome,
    number: String,
    query_code: String,
    status_zh: String,
    status_en: String,
    anonymous: bool,
    declined_reason: Option<String>,
    /// Held by the spam screen for a reviewer.
    held: bool,
}

pub async fn submit(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let result = async {
        let input = forms::new_case(&f, Channel::Online, false)?;
        // The hidden form token makes a double click or a resent form return the same case.
        let idem = f.opt("form_token").map(|k| IdempotencyKey {
            scope: "public-web".into(),
            key: k.chars().take(64).collect(),
            request_hash: hex::encode(Sha256::digest(&body)),
        });
        crate::abuse::check_submission(&st, &input)?;
        crate::abuse::held::submit(&st, input, idem).await
    }
    .await;
    match result {
        Ok(crate::abuse::held::Outcome::Held { query_code, .. }) => render(&Submitted {
            c,
            number: "—".into(),
            query_code,
            status_zh: "内容审核中".into(),
            status_en: "In content review".into(),
            anonymous: false,
            declined_reason: None,
            held: true,
        }),
        Ok(crate::abuse::held::Outcome::Registered(r)) => render(&Submitted {
            c,
            number: r.case.number.clone(),
            query_code: r.query_code.unwrap_or_default(),
            status_zh: r.case.status.zh().into(),
            status_en: r.case.status.en().into(),
            anonymous: r.case.petitioner.anonymous,
            declined_reason: r.case.declined.as_ref().map(|d| d.reason.clone()),
            held: false,
        }),
        Err(e) if is_user_error(&e) => {
            let status = e.parts().0;
            let msg = c.message(&e);
            let topic = f.get("topic").to_string();
            let page = submit_page(&st, c, SubmitValues::from_form(&f), &topic, Some(msg));
            (status, render(&page)).into_response()
        }
        Err(e) => c.error_page(e),
    }
}

/// Errors the person filling the form can fix: shown on the form with what they typed.
pub fn is_user_error(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Domain(_)
            | ApiError::BadRequest { .. }
            | ApiError::Store(minsheng_store::StoreError::IdempotencyMismatch)
    )
}

#[derive(Template)]
#[template(path = "portal/track_form.html")]
struct TrackForm {
    c: Chrome,
    error: Option<String>,
    code: String,
}

pub async fn track_form(Web(c): Web) -> Response {
    render(&TrackForm {
        c,
        error: None,
        code: String::new(),
    })
}

/// A review or re-review request the citizen may (or may no longer) make.
pub struct RequestOption {
    pub action: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub open: bool,
    pub refused_zh: String,
    pub refused_en: String,
}

pub struct StageOpinion {
    pub title_zh: String,
    pub title_en: String,
    pub outcome_zh: String,
    pub outcome_en: String,
    pub opinion: String,
}

/// A public event on the citizen's timeline.
pub struct PublicRow {
    pub at: String,
    pub zh: String,
    pub en: String,
    pub unit_zh: String,
    pub unit_en: String,
}

#[derive(Template)]
#[template(path = "portal/track.html")]
struct TrackPage {
    c: Chrome,
    case: CaseState,
    code: String,
    last4: String,
    explain_zh: &'static str,
    explain_en: &'static str,
    unit_zh: String,
    unit_en: String,
    deadlines: Vec<DeadlineRow>,
    timeline: Vec<PublicRow>,
    ratings: Vec<RatingOption>,
    can_rate: bool,
    requests: Vec<RequestOption>,
    review_opinions: Vec<StageOpinion>,
    notice: Option<String>,
    error: Option<String>,
    /// For a merged case: the primary, whose handling answers this petitioner too.
    primary: Option<CaseState>,
    primary_deadlines: Vec<DeadlineRow>,
}

impl TrackPage {
    fn rating_label(&self, code: &str) -> String {
        self.ratings
            .iter()
            .find(|r| r.code == code)
            .map(|r| self.c.pick(&r.zh, &r.en))
            .unwrap_or_else(|| code.to_string())
    }
}

/// What each status means, in the words a citizen would use.
fn explain(s: Status) -> (&'static str, &'static str) {
    use Status::*;
    match s {
        Registered => (
            "信访部门已登记，正在确定由哪个单位办理。",
            "The petition office has registered it and is deciding which unit will handle it.",
        ),
        Diverted => (
            "该事项应通过法定途径解决，请按下方指引办理。",
            "This matter belongs to a legal procedure; please follow the guidance below.",
        ),
        AwaitingAcceptance => (
            "已转交有权处理的单位，该单位将告知是否受理。",
            "It has been sent to the competent unit, which will tell you whether it is accepted.",
        ),
        Referred => (
            "该事项已转调解组织调解，调解结果将记录在下方。",
            "The matter has been referred to mediation; its outcome will be recorded below.",
        ),
        Handling | InProgress => (
            "已受理，承办单位正在办理，会在期限内给您答复。",
            "Accepted: the unit is handling it and will answer you within the time limit.",
        ),
        Answered | Replied => (
            "已答复，请查看处理意见并评价。",
            "Answered: please read the answer and rate it.",
        ),
        UnderReview | UnderReReview => (
            "您的复查（复核）申请正在办理。",
            "Your request for review is being handled.",
        ),
        Reviewed => ("复查意见已出具。", "The review opinion has been issued."),
        Final => ("该事项已办理终结。", "This matter is concluded."),
        Declined => (
            "该事项不予受理，理由见下。",
            "This matter was not accepted; the reason is below.",
        ),
        Dispatched => (
            "工单已派发给承办单位。",
            "The work order has been sent to the responsible unit.",
        ),
        Returned => (
            "承办单位已退单，正在重新派发。",
            "The unit returned the order; it is being sent on again.",
        ),
        Closed => ("已办结。", "Closed."),
        Merged => (
            "该事项与反映同一问题的其他事项并案办理，办理情况见下。",
            "It is handled together with other reports of the same matter; progress is shown below.",
        ),
    }
}

#[derive(serde::Deserialize)]
struct TrackInput {
    #[serde(default)]
    query_code: String,
    #[serde(default)]
    phone_last4: String,
}

async fn track_page(
    st: &AppState,
    c: Chrome,
    case: CaseState,
    code: String,
    last4: String,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<Response> {
    let records = st.store.events(case.id).await?;
    let view = crate::views::citizen_view(st, &case, &records);
    let dir = st.directory();
    let now = service::now();
    let policy = st.policy_for_region(&case.location.region);
    let citizen = Actor::citizen();
    let can_rate = matches!(
        service::availability(
            st,
            &citizen,
            &case,
            &Command::Rate {
                rating: policy
                    .rating
                    .options
                    .first()
                    .map(|o| o.code.clone())
                    .unwrap_or_default(),
                comment: String::new(),
            },
        ),
        Some(Availability::Open)
    );
    let probe = "该处理意见未解决我的问题".to_string();
    let review = service::availability(
        st,
        &citizen,
        &case,
        &Command::RequestReview {
            reason: probe.clone(),
        },
    );
    let rereview = service::availability(
        st,
        &citizen,
        &case,
        &Command::RequestReReview { reason: probe },
    );
    let requests = [
        ("request_review", "申请复查", "Request a review", review),
        (
            "request_rereview",
            "申请复核",
            "Request a re-review",
            rereview,
        ),
    ]
    .into_iter()
    .filter_map(|(action, zh, en, a)| {
        a.map(|a| match a {
            Availability::Open => RequestOption {
                action,
                zh,
                en,
                open: true,
                refused_zh: String::new(),
                refused_en: String::new(),
            },
            Availability::Refused { zh: rz, en: re } => RequestOption {
                action,
                zh,
                en,
                open: false,
                refused_zh: rz,
                refused_en: re,
            },
        })
    })
    .collect();
    let review_opinions = [
        ("复查意见", "Review opinion", &case.review),
        ("复核意见", "Re-review opinion", &case.rereview),
    ]
    .into_iter()
    .filter_map(|(zh, en, stage)| {
        let stage = stage.as_ref()?;
        let opinion = stage.opinion.clone()?;
        Some(StageOpinion {
            title_zh: zh.into(),
            title_en: en.into(),
            outcome_zh: stage.outcome.map(|o| o.zh()).unwrap_or_default().into(),
            outcome_en: stage.outcome.map(|o| o.en()).unwrap_or_default().into(),
            opinion,
        })
    })
    .collect();
    let (explain_zh, explain_en) = explain(case.status);
    let unit = crate::views::unit_ref(&dir, &case.current_unit);
    let timeline = records
        .iter()
        .filter(|r| r.event.is_public())
        .map(|r| {
            let unit = match &r.event {
                Event::Transferred { to_unit, .. } | Event::Dispatched { to_unit, .. } => {
                    Some(crate::views::unit_ref(&dir, to_unit))
                }
                _ => r
                    .actor
                    .unit
                    .as_deref()
                    .map(|u| crate::views::unit_ref(&dir, u)),
            };
            PublicRow {
                at: c.time(&r.at),
                zh: r.event.zh().into(),
                en: r.event.en().into(),
                unit_zh: unit.as_ref().map(|u| u.name_zh.clone()).unwrap_or_default(),
                unit_en: unit.map(|u| u.name_en).unwrap_or_default(),
            }
        })
        .collect();
    let primary = match &case.merged_into {
        Some(link) => st.store.get_case(link.id).await?,
        None => None,
    };
    let primary_deadlines = primary
        .as_ref()
        .map(|p| {
            let policy = st.policy_for_region(&p.location.region);
            present::deadline_rows(
                &minsheng_core::deadline::active(p, &policy, &st.calendar),
                now,
            )
        })
        .unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = TrackPage {
        primary,
        primary_deadlines,
        deadlines: present::deadline_rows(&view.deadlines, now),
        timeline,
        ratings: policy.rating.options.clone(),
        can_rate,
        requests,
        review_opinions,
        explain_zh,
        explain_en,
        unit_zh: unit.name_zh,
        unit_en: unit.name_en,
        case,
        code,
        last4,
        notice,
        error,
        c,
    };
    Ok((status, render(&page)).into_response())
}

fn not_found_message(c: &Chrome) -> String {
    c.pick(
        "未找到该事项：请核对查询码和电话号码后四位。",
        "No case found: check the query code and the last four digits of your phone.",
    )
}

pub async fn track(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let input: TrackInput = match serde_urlencoded::from_bytes(&body) {
        Ok(i) => i,
        Err(_) => {
            return c.error_page(ApiError::bad(
                "invalid_form",
                "表单内容无法解析",
                "The form could not be read",
            ));
        }
    };
    match service::load_for_citizen(&st, &input.query_code, &input.phone_last4).await {
        Ok(case) => {
            let r = track_page(
                &st,
                c.clone(),
                case,
                input.query_code,
                input.phone_last4,
                None,
                None,
            )
            .await;
            respond(&c, r)
        }
        Err(e) => {
            let msg = match &e {
                ApiError::NotFound => not_found_message(&c),
                e => c.message(e),
            };
            let status = e.parts().0;
            (
                status,
                render(&TrackForm {
                    c,
                    error: Some(msg),
                    code: input.query_code.chars().take(40).collect(),
                }),
            )
                .into_response()
        }
    }
}

/// Rate, or ask for a review / re-review, from the tracking page.
pub async fn act(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let code = f.get("query_code").to_string();
    let last4 = f.get("phone_last4").to_string();
    let case = match service::load_for_citizen(&st, &code, &last4).await {
        Ok(case) => case,
        Err(e) => return c.error_page(e),
    };
    let cmd = match f.get("action") {
        "rate" => Command::Rate {
            rating: f.get("rating").into(),
            comment: f.get("comment").into(),
        },
        "request_review" => Command::RequestReview {
            reason: f.get("reason").into(),
        },
        "request_rereview" => Command::RequestReReview {
            reason: f.get("reason").into(),
        },
        _ => {
            return c.error_page(ApiError::bad(
                "unknown_action",
                "未知的操作",
                "Unknown action",
            ));
        }
    };
    let r = async {
        match service::execute(&st, &Actor::citizen(), case.clone(), &cmd).await {
            Ok(next) => {
                let notice = match cmd {
                    Command::Rate { .. } => c.pick(
                        "感谢您的评价，已记录。",
                        "Thank you: your rating is recorded.",
                    ),
                    _ => c.pick(
                        "您的申请已提交，将在法定期限内办理。",
                        "Your request is submitted and will be handled within the time limit.",
                    ),
                };
                track_page(&st, c.clone(), next, code, last4, Some(notice), None).await
            }
            Err(e) if is_user_error(&e) => {
                let msg = c.message(&e);
                track_page(&st, c.clone(), case, code, last4, None, Some(msg)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}
