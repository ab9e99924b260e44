//! The suggestion JSON API: staff endpoints under `/api/v1/suggestions` and `/api/v1/campaigns`
//! (bearer token), citizen endpoints under `/api/v1/public/...` (no login; a suggestion is reached
//! by query code plus the phone's last four digits, a published one by its id).

use super::service::{self, SuggestionInput};
use super::support;
use super::views::{self, PublicView, StaffView, TrackView};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::{Actor, Role};
use minsheng_core::case::Channel;
use minsheng_core::suggestion::support::{Burst, detect_bursts};
use minsheng_core::suggestion::{
    Campaign, CampaignCommand, CampaignDraft, Expert, SuggestionCommand, SuggestionState,
};
use minsheng_store::SuggestionFilter;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub fn routes() -> Routes {
    routes![
        "/api/v1/suggestions" => post(create).get(list),
        "/api/v1/suggestions/scoreboard" => get(scoreboard),
        "/api/v1/suggestions/supports/review" => get(review_bursts),
        "/api/v1/suggestions/experts" => post(add_expert).get(experts),
        "/api/v1/suggestions/{id}" => get(one),
        "/api/v1/suggestions/{id}/events" => get(events),
        "/api/v1/suggestions/{id}/commands" => post(command),
        "/api/v1/campaigns" => post(open_campaign),
        "/api/v1/campaigns/{id}" => get(staff_campaign),
        "/api/v1/campaigns/{id}/commands" => post(campaign_command),
        "/api/v1/public/campaigns" => get(public_campaigns),
        "/api/v1/public/campaigns/{id}" => get(public_campaign),
        "/api/v1/public/suggestions" => post(public_submit),
        "/api/v1/public/suggestions/track" => post(track),
        "/api/v1/public/suggestions/handoff" => post(handoff),
        "/api/v1/public/suggestions/withdraw" => post(withdraw),
        "/api/v1/public/suggestions/{id}" => get(published),
        "/api/v1/public/suggestions/{id}/code" => post(request_code),
        "/api/v1/public/suggestions/{id}/supports" => post(add_support),
    ]
}

/// Staff who work suggestions; the analyst reads the scoreboard only.
fn staff_only(actor: &Actor) -> ApiResult<()> {
    match actor.role {
        Role::Citizen | Role::System | Role::Analyst => Err(ApiError::Forbidden),
        _ => Ok(()),
    }
}

#[derive(Debug, Serialize)]
pub struct CreatedSuggestion {
    pub suggestion: StaffView,
    pub query_code: String,
}

#[utoipa::path(post, path = "/api/v1/suggestions", tag = "suggestions", request_body(content = Object, description = "SuggestionInput: title, content, the four elements, region, campaign, proposer"), responses((status = 201, body = Object, description = "The suggestion (staff view) and its query code"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Json(input): Json<SuggestionInput>,
) -> ApiResult<(StatusCode, axum::Json<CreatedSuggestion>)> {
    let actor = staff.actor();
    let r = service::submit(&st, &actor, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedSuggestion {
            suggestion: views::staff_view(&st, r.state).await?,
            query_code: r.query_code,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub status: Option<String>,
    pub campaign: Option<uuid::Uuid>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub id: uuid::Uuid,
    pub number: String,
    pub title: String,
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    pub office_unit: String,
    pub region: String,
    pub campaign: Option<uuid::Uuid>,
    pub registered_at: DateTime<Utc>,
    pub outcome: Option<String>,
}

pub fn summary(s: &SuggestionState) -> Summary {
    Summary {
        id: s.id,
        number: s.number.clone(),
        title: s.title.clone(),
        status: s.status.as_str().into(),
        status_zh: s.status.zh().into(),
        status_en: s.status.en().into(),
        office_unit: s.office_unit.clone(),
        region: s.region.clone(),
        campaign: s.campaign,
        registered_at: s.registered_at,
        outcome: s.outcome.map(|o| o.as_str().into()),
    }
}

/// The suggestions a staff member may list: their office's and those forwarded to their unit;
/// supervisors and administrators see all.
pub async fn visible_list(
    st: &AppState,
    actor: &Actor,
    status: Option<String>,
    campaign: Option<uuid::Uuid>,
    limit: i64,
) -> ApiResult<Vec<SuggestionState>> {
    staff_only(actor)?;
    if let Some(s) = &status {
        minsheng_core::suggestion::SuggestionStatus::parse(s)?;
    }
    let mut f = SuggestionFilter {
        status,
        campaign,
        limit: limit.clamp(1, 500),
        ..Default::default()
    };
    match actor.role {
        Role::Handler => f.unit = Some(actor.unit.clone().ok_or(ApiError::Forbidden)?),
        Role::Coordinator | Role::Intake => {
            f.office_or_unit = Some(actor.unit.clone().ok_or(ApiError::Forbidden)?)
        }
        _ => {}
    }
    let dir = st.directory();
    let mut items = st.store.list_suggestions(&f).await?;
    items.retain(|s| minsheng_core::suggestion::workflow::can_view(actor, s, &dir));
    Ok(items)
}

#[utoipa::path(get, path = "/api/v1/suggestions", tag = "suggestions", params(("status" = Option<String>, Query), ("campaign" = Option<uuid::Uuid>, Query), ("limit" = Option<i64>, Query)), responses((status = 200, body = Vec<Object>, description = "Summaries"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<Vec<Summary>>> {
    let items = visible_list(
        &st,
        &staff.actor(),
        p.status,
        p.campaign,
        p.limit.unwrap_or(100),
    )
    .await?;
    Ok(axum::Json(items.iter().map(summary).collect()))
}

#[utoipa::path(get, path = "/api/v1/suggestions/{id}", tag = "suggestions", params(("id" = String, Path, description = "Id (UUID) or number")), responses((status = 200, body = Object, description = "Staff view"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn one(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<StaffView>> {
    let s = service::load_visible(&st, &staff.actor(), &id).await?;
    Ok(axum::Json(views::staff_view(&st, s).await?))
}

#[derive(Debug, Serialize)]
pub struct EventEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub zh: String,
    pub en: String,
    pub event: Value,
    pub hash: String,
}

#[utoipa::path(get, path = "/api/v1/suggestions/{id}/events", tag = "suggestions", params(("id" = String, Path, description = "Id (UUID) or number")), responses((status = 200, body = Vec<Object>, description = "The event history"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn events(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<EventEntry>>> {
    let s = service::load_visible(&st, &staff.actor(), &id).await?;
    let records = st.store.suggestion_events(s.id).await?;
    Ok(axum::Json(
        records
            .into_iter()
            .map(|r| EventEntry {
                seq: r.seq,
                at: r.at,
                actor: r.actor.name.clone(),
                kind: r.event.name().into(),
                zh: r.event.zh().into(),
                en: r.event.en().into(),
                event: serde_json::to_value(&r.event).unwrap_or(Value::Null),
                hash: r.hash,
            })
            .collect(),
    ))
}

/// Parses a suggestion command; a panel draw may leave out `pool` (the server fills it).
pub fn parse_command(mut v: Value) -> ApiResult<SuggestionCommand> {
    if v.get("command").and_then(Value::as_str) == Some("draw_panel")
        && let Some(o) = v.as_object_mut()
    {
        o.entry("pool").or_insert(Value::Array(vec![]));
    }
    serde_json::from_value(v).map_err(|e| {
        ApiError::bad(
            "invalid_command",
            format!("命令格式不正确：{e}"),
            format!("The command is not well formed: {e}"),
        )
    })
}

#[utoipa::path(post, path = "/api/v1/suggestions/{id}/commands", tag = "suggestions", params(("id" = String, Path, description = "Id (UUID) or number")), request_body(content = Object, description = "A suggestion command: {\"command\": NAME, …}"), responses((status = 200, body = Object, description = "Staff view after the command"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn command(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(v): Json<Value>,
) -> ApiResult<axum::Json<StaffView>> {
    let actor = staff.actor();
    let cmd = parse_command(v)?;
    let s = service::load_visible(&st, &actor, &id).await?;
    let s = service::execute(&st, &actor, s, cmd).await?;
    Ok(axum::Json(views::staff_view(&st, s).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardParams {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BoardJson {
    pub from: String,
    pub to: String,
    pub total: minsheng_core::suggestion::score::LeagueRow,
    pub offices: Vec<minsheng_core::suggestion::score::LeagueRow>,
    pub regions: Vec<minsheng_core::suggestion::score::LeagueRow>,
}

#[utoipa::path(get, path = "/api/v1/suggestions/scoreboard", tag = "suggestions", params(("from" = Option<String>, Query, description = "First year"), ("to" = Option<String>, Query, description = "Last year")), responses((status = 200, body = Object, description = "League rows per office and region"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn scoreboard(
    State(st): State<AppState>,
    staff: Staff,
    Query(p): Query<BoardParams>,
) -> ApiResult<axum::Json<BoardJson>> {
    if !minsheng_core::access::can_read_statistics(&staff.actor()) {
        staff_only(&staff.actor())?;
    }
    let from = super::board::year_or(p.from.as_deref(), "0000");
    let to = super::board::year_or(p.to.as_deref(), "9999");
    let b = super::board::compute(&st, &from, &to, crate::service::now()).await?;
    Ok(axum::Json(BoardJson {
        from: b.from,
        to: b.to,
        total: b.total,
        offices: b.offices,
        regions: b.regions,
    }))
}

/// Bursts of support in the last `days` (default 7), for the office to review.
pub async fn bursts(st: &AppState, days: i64) -> ApiResult<Vec<Burst>> {
    let since = crate::service::now() - chrono::Duration::days(days.clamp(1, 366));
    let records = st.store.supports_since(since).await?;
    let national = st.policy.for_chain(&[]);
    Ok(detect_bursts(&records, &national.suggestion.support))
}

fn office_or_oversight(actor: &Actor) -> ApiResult<()> {
    match actor.role {
        Role::Coordinator | Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

#[utoipa::path(get, path = "/api/v1/suggestions/supports/review", tag = "suggestions", responses((status = 200, body = Vec<Object>, description = "Bursts of supports to review"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn review_bursts(
    State(st): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<Burst>>> {
    office_or_oversight(&staff.actor())?;
    Ok(axum::Json(bursts(&st, 7).await?))
}

/// Adds or updates an expert of the pool (office coordinators and administrators).
pub async fn save_expert(st: &AppState, actor: &Actor, e: Expert) -> ApiResult<Expert> {
    if !matches!(actor.role, Role::Coordinator | Role::Admin) {
        return Err(ApiError::Forbidden);
    }
    let clean =
        |f: &'static str, v: &str, min| minsheng_core::petitioner::clean_text(f, v, min, 100);
    let e = Expert {
        id: clean("id", &e.id, 1)?,
        name: clean("name", &e.name, 1)?,
        fields: e
            .fields
            .iter()
            .map(|x| clean("fields", x, 1))
            .collect::<Result<_, _>>()?,
        unit: match e.unit {
            Some(u) => Some(st.directory().unit(&u)?.id.clone()),
            None => None,
        },
        active: e.active,
    };
    st.store.save_expert(&e).await?;
    Ok(e)
}

#[utoipa::path(post, path = "/api/v1/suggestions/experts", tag = "suggestions", request_body(content = Object, description = "Expert"), responses((status = 201, body = Object, description = "The expert saved"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn add_expert(
    State(st): State<AppState>,
    staff: Staff,
    Json(e): Json<Expert>,
) -> ApiResult<(StatusCode, axum::Json<Expert>)> {
    let e = save_expert(&st, &staff.actor(), e).await?;
    Ok((StatusCode::CREATED, axum::Json(e)))
}

#[utoipa::path(get, path = "/api/v1/suggestions/experts", tag = "suggestions", responses((status = 200, body = Vec<Object>, description = "The expert panel"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn experts(State(st): State<AppState>, staff: Staff) -> ApiResult<axum::Json<Vec<Expert>>> {
    office_or_oversight(&staff.actor())?;
    Ok(axum::Json(st.store.experts().await?))
}

// ---- campaigns ----------------------------------------------------------------------------

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "suggestions", request_body(content = Object, description = "CampaignDraft"), responses((status = 201, body = Object, description = "The campaign"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn open_campaign(
    State(st): State<AppState>,
    staff: Staff,
    Json(d): Json<CampaignDraft>,
) -> ApiResult<(StatusCode, axum::Json<Campaign>)> {
    let c = service::open_campaign(&st, &staff.actor(), d).await?;
    Ok((StatusCode::CREATED, axum::Json(c)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "suggestions", params(("id" = String, Path, description = "Id (UUID) or number")), responses((status = 200, body = Object, description = "The campaign"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn staff_campaign(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Campaign>> {
    staff_only(&staff.actor())?;
    Ok(axum::Json(service::load_campaign(&st, &id).await?))
}

#[derive(Debug, Serialize)]
pub struct CampaignResult {
    pub campaign: Campaign,
    /// For `invite_adviser`: the personal link, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Invite {
    #[allow(dead_code)]
    command: String,
    adviser_id: String,
    display_name: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/commands", tag = "suggestions", params(("id" = String, Path, description = "Id (UUID) or number")), request_body(content = Object, description = "A campaign command: {\"command\": NAME, …}"), responses((status = 200, body = Object, description = "The campaign after the command"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn campaign_command(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(v): Json<Value>,
) -> ApiResult<axum::Json<CampaignResult>> {
    let actor = staff.actor();
    let c = service::load_campaign(&st, &id).await?;
    let bad = |e: serde_json::Error| {
        ApiError::bad(
            "invalid_command",
            format!("命令格式不正确：{e}"),
            format!("The command is not well formed: {e}"),
        )
    };
    // The server draws adviser tokens; a client never chooses one.
    if v.get("command").and_then(Value::as_str) == Some("invite_adviser") {
        let i: Invite = serde_json::from_value(v).map_err(bad)?;
        let (campaign, token) =
            service::invite_adviser(&st, &actor, c, &i.adviser_id, &i.display_name).await?;
        return Ok(axum::Json(CampaignResult {
            campaign,
            link: Some(service::invitation_path(&token)),
        }));
    }
    let cmd: CampaignCommand = serde_json::from_value(v).map_err(bad)?;
    let campaign = service::campaign_command(&st, &actor, c, &cmd).await?;
    Ok(axum::Json(CampaignResult {
        campaign,
        link: None,
    }))
}

/// A campaign as the public sees it (no invitations).
#[derive(Debug, Serialize)]
pub struct PublicCampaign {
    pub id: uuid::Uuid,
    pub kind: String,
    pub kind_zh: String,
    pub kind_en: String,
    pub title: String,
    pub explanation: String,
    pub channels: Vec<Channel>,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub phase: String,
    pub phase_zh: String,
    pub phase_en: String,
    pub office_unit: String,
    pub answer: Option<String>,
}

pub fn public_campaign_view(c: &Campaign, now: DateTime<Utc>) -> PublicCampaign {
    let phase = c.phase(now);
    PublicCampaign {
        id: c.id,
        kind: c.kind.as_str().into(),
        kind_zh: c.kind.zh().into(),
        kind_en: c.kind.en().into(),
        title: c.title.clone(),
        explanation: c.explanation.clone(),
        channels: c.channels.clone(),
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        phase: serde_json::to_value(phase)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        phase_zh: phase.zh().into(),
        phase_en: phase.en().into(),
        office_unit: c.office_unit.clone(),
        answer: c.answer.as_ref().map(|a| a.content.clone()),
    }
}

#[utoipa::path(get, path = "/api/v1/public/campaigns", tag = "public", responses((status = 200, body = Vec<Object>, description = "Open campaigns")))]
async fn public_campaigns(
    State(st): State<AppState>,
) -> ApiResult<axum::Json<Vec<PublicCampaign>>> {
    let now = crate::service::now();
    Ok(axum::Json(
        st.store
            .list_campaigns()
            .await?
            .iter()
            .map(|c| public_campaign_view(c, now))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/public/campaigns/{id}", tag = "public", params(("id" = String, Path, description = "Id (UUID) or number")), responses((status = 200, body = Object, description = "A public campaign"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn public_campaign(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<PublicCampaign>> {
    let c = service::load_campaign(&st, &id).await?;
    Ok(axum::Json(public_campaign_view(&c, crate::service::now())))
}

// ---- citizens ----------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct PublicSubmitted {
    pub number: String,
    pub query_code: String,
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    /// Set when the submission is not a suggestion: why, and where it went.
    pub redirected_to: Option<String>,
    pub redirect_reason_zh: Option<String>,
    pub redirect_reason_en: Option<String>,
    /// The spam screen held it for a reviewer (202): no number yet; the query code works once
    /// it is released.
    pub held: bool,
}

#[utoipa::path(post, path = "/api/v1/public/suggestions", tag = "public", request_body(content = Object, description = "SuggestionInput"), responses((status = 201, body = Object, description = "Number and query code"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn public_submit(
    State(st): State<AppState>,
    Json(input): Json<SuggestionInput>,
) -> ApiResult<(StatusCode, axum::Json<PublicSubmitted>)> {
    if input.channel.is_some_and(|c| c != Channel::Online) || input.office_unit.is_some() {
        return Err(ApiError::bad(
            "online_only",
            "网上提交的渠道应为 online，受理单位由系统确定",
            "Online submissions use channel \"online\"; the receiving office is chosen by the system",
        ));
    }
    let r = match crate::abuse::held::submit_suggestion(&st, input).await? {
        crate::abuse::held::SuggestionOutcome::Submitted(r) => r,
        crate::abuse::held::SuggestionOutcome::Held { query_code } => {
            return Ok((
                StatusCode::ACCEPTED,
                axum::Json(PublicSubmitted {
                    number: String::new(),
                    query_code,
                    status: "held".into(),
                    status_zh: "内容审核中".into(),
                    status_en: "In content review".into(),
                    redirected_to: None,
                    redirect_reason_zh: None,
                    redirect_reason_en: None,
                    held: true,
                }),
            ));
        }
    };
    let s = &r.state;
    Ok((
        StatusCode::CREATED,
        axum::Json(PublicSubmitted {
            number: s.number.clone(),
            query_code: r.query_code.clone(),
            status: s.status.as_str().into(),
            status_zh: s.status.zh().into(),
            status_en: s.status.en().into(),
            redirected_to: s.redirection.as_ref().map(|x| x.to.as_str().into()),
            redirect_reason_zh: s.redirection.as_ref().map(|x| x.reason.clone()),
            redirect_reason_en: s.redirection.as_ref().map(|x| x.reason_en.clone()),
            held: false,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackRequest {
    pub query_code: String,
    pub phone_last4: String,
}

#[utoipa::path(post, path = "/api/v1/public/suggestions/track", tag = "public", request_body(content = Object, description = "query_code and phone_last4"), responses((status = 200, body = Object, description = "Tracking view"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn track(
    State(st): State<AppState>,
    Json(r): Json<TrackRequest>,
) -> ApiResult<axum::Json<TrackView>> {
    let s = service::load_for_suggester(&st, &r.query_code, &r.phone_last4).await?;
    let events = st.store.suggestion_events(s.id).await?;
    Ok(axum::Json(views::track_view(&st, &s, &events)))
}

#[derive(Debug, Serialize)]
pub struct HandedOff {
    pub case_number: String,
    pub query_code: Option<String>,
    pub status_zh: String,
    pub status_en: String,
}

#[utoipa::path(post, path = "/api/v1/public/suggestions/handoff", tag = "public", request_body(content = Object, description = "query_code and phone_last4"), responses((status = 200, body = Object, description = "The petition case it became"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn handoff(
    State(st): State<AppState>,
    Json(r): Json<TrackRequest>,
) -> ApiResult<axum::Json<HandedOff>> {
    let s = service::load_for_suggester(&st, &r.query_code, &r.phone_last4).await?;
    let reg = service::handoff(&st, &s).await?;
    Ok(axum::Json(HandedOff {
        case_number: reg.case.number.clone(),
        query_code: reg.query_code,
        status_zh: reg.case.status.zh().into(),
        status_en: reg.case.status.en().into(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    pub query_code: String,
    pub phone_last4: String,
    pub reason: String,
}

/// The suggester withdraws before the suggestion goes to the units.
#[utoipa::path(post, path = "/api/v1/public/suggestions/withdraw", tag = "public", request_body(content = Object, description = "query_code, phone_last4, reason"), responses((status = 200, body = Object, description = "Tracking view"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn withdraw(
    State(st): State<AppState>,
    Json(r): Json<WithdrawRequest>,
) -> ApiResult<axum::Json<TrackView>> {
    let s = service::load_for_suggester(&st, &r.query_code, &r.phone_last4).await?;
    let s = service::execute(
        &st,
        &Actor::citizen(),
        s,
        SuggestionCommand::Withdraw { reason: r.reason },
    )
    .await?;
    let events = st.store.suggestion_events(s.id).await?;
    Ok(axum::Json(views::track_view(&st, &s, &events)))
}

#[utoipa::path(get, path = "/api/v1/public/suggestions/{id}", tag = "public", params(("id" = String, Path, description = "Id (UUID) or number")), responses((status = 200, body = Object, description = "A published suggestion"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn published(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<PublicView>> {
    let s = service::load_published(&st, &id).await?;
    Ok(axum::Json(views::public_view(&st, &s).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub phone: String,
}

#[utoipa::path(post, path = "/api/v1/public/suggestions/{id}/code", tag = "public", params(("id" = String, Path, description = "Id (UUID) or number")), request_body(content = Object, description = "phone"), responses((status = 202, description = "A code was sent if the phone may support"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn request_code(
    State(st): State<AppState>,
    Path(id): Path<String>,
    support::ClientIp(ip): support::ClientIp,
    Json(r): Json<CodeRequest>,
) -> ApiResult<StatusCode> {
    support::request_code(&st, &id, &r.phone, ip).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportRequest {
    pub phone: String,
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/public/suggestions/{id}/supports", tag = "public", params(("id" = String, Path, description = "Id (UUID) or number")), request_body(content = Object, description = "phone and code"), responses((status = 200, body = Object, description = "Support recorded"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn add_support(
    State(st): State<AppState>,
    Path(id): Path<String>,
    support::ClientIp(ip): support::ClientIp,
    Json(r): Json<SupportRequest>,
) -> ApiResult<axum::Json<support::Supported>> {
    Ok(axum::Json(
        support::support(&st, &id, &r.phone, &r.code, ip).await?,
    ))
}
