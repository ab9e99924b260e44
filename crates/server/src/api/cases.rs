//! Staff case endpoints.

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::service::{self, NewCaseInput};
use crate::state::AppState;
use crate::views::{self, CaseSummary, CaseView, TimelineEntry};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Role};
use minsheng_core::petitioner::Phone;
use minsheng_core::workflow::Command;
use minsheng_store::{CaseFilter, CaseSort, IdempotencyKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCase {
    pub case: CaseView,
    /// 查询码: shown once to the petitioner with the last four digits of their phone.
    pub query_code: Option<String>,
    /// False when the Idempotency-Key had been seen and the earlier case is returned.
    pub created: bool,
}

/// Register a case (intake console, letters, visits, integrations).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body = NewCaseInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe create: the same key and body return the same case")),
    responses((status = 201, body = CreatedCase), (status = 200, body = CreatedCase, description = "Idempotent replay"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    crate::extract::RawBody(body): crate::extract::RawBody,
) -> ApiResult<(StatusCode, axum::Json<CreatedCase>)> {
    let input: NewCaseInput = crate::extract::parse_json(&body)?;
    let idempotency = idempotency_key(&headers, &staff.user.id.to_string(), &body)?;
    let actor = staff.actor();
    let r = service::register(&st, &actor, input, idempotency).await?;
    let status = if r.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(CreatedCase {
            case: views::case_view(&st, &actor, &r.case),
            query_code: r.query_code,
            created: r.new,
        }),
    ))
}

pub fn idempotency_key(
    headers: &HeaderMap,
    scope: &str,
    body: &[u8],
) -> ApiResult<Option<IdempotencyKey>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.is_ascii())
        .ok_or_else(|| {
            ApiError::bad(
                "invalid_idempotency_key",
                "Idempotency-Key 应为1到128个ASCII字符",
                "Idempotency-Key must be 1 to 128 ASCII characters",
            )
        })?;
    Ok(Some(IdempotencyKey {
        scope: scope.to_string(),
        key: key.to_string(),
        request_hash: hex::encode(Sha256::digest(body)),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub status: Option<String>,
    pub unit: Option<String>,
    /// A region code: the region and everything below it.
    pub region: Option<String>,
    /// A topic code: the topic and its sub-topics.
    pub topic: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub flow: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    /// newest (default), oldest, or due (running deadlines, nearest first)
    pub sort: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    pub next_cursor: Option<String>,
}

/// List cases visible to the caller, newest first, with filters and cursor paging.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<CaseList>> {
    let actor = staff.actor();
    let dir = st.directory();
    let scope = service::scope_for(&st, &actor)?;
    let filter = case_filter(&dir, p, service::now())?;
    let page = service::list_visible(&st, &actor, &scope, &filter).await?;
    let items = page
        .items
        .iter()
        .map(|c| views::case_summary(&st, &dir, &actor, c))
        .collect();
    Ok(axum::Json(CaseList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// The list query checked and turned into a store filter: unknown codes are a 400, never
/// ignored. Pure, so the fuzz targets cover it.
pub fn case_filter(
    dir: &minsheng_core::region::Directory,
    p: ListParams,
    now: DateTime<Utc>,
) -> ApiResult<CaseFilter> {
    use minsheng_core::case::{CaseKind, Channel, Flow, Status};
    if let Some(s) = &p.status {
        Status::parse(s)?;
    }
    if let Some(k) = &p.kind {
        CaseKind::parse(k)?;
    }
    if let Some(c) = &p.channel {
        Channel::parse(c)?;
    }
    if let Some(f) = &p.flow {
        Flow::parse(f)?;
    }
    let regions = match &p.region {
        Some(r) => {
            dir.region(r)?;
            Some(
                dir.regions()
                    .filter(|x| dir.is_within(&x.code, r))
                    .map(|x| x.code.clone())
                    .collect(),
            )
        }
        None => None,
    };
    let topics = match &p.topic {
        Some(t) => {
            dir.topic(t)?;
            Some(
                dir.topics()
                    .filter(|x| dir.topic_chain(&x.code).contains(&t.as_str()))
                    .map(|x| x.code.clone())
                    .collect(),
            )
        }
        None => None,
    };
    if let Some(c) = &p.cursor
        && (c.len() > 80 || !c.contains('_'))
    {
        return Err(ApiError::bad(
            "invalid_cursor",
            "分页游标无效",
            "Invalid cursor",
        ));
    }
    let sort = match p.sort.as_deref() {
        None => CaseSort::Newest,
        Some(s) => CaseSort::parse(s).ok_or_else(|| {
            ApiError::bad(
                "invalid_sort",
                "排序只能是 newest、oldest 或 due",
                "sort must be newest, oldest or due",
            )
        })?,
    };
    Ok(CaseFilter {
        status: p.status,
        unit: p.unit,
        regions,
        topics,
        kind: p.kind,
        channel: p.channel,
        flow: p.flow,
        due_before: p.due_before,
        overdue_at: p.overdue.filter(|o| *o).map(|_| now),
        cursor: p.cursor,
        limit: p.limit.unwrap_or(50),
        sort,
    })
}

/// One case, by id or case number.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id (UUID) or number (2026-1126-000123)")),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CaseView>> {
    let actor = staff.actor();
    let case = service::load_visible(&st, &actor, &id).await?;
    Ok(axum::Json(views::case_view(&st, &actor, &case)))
}

/// The case's event timeline (hash-chained).
#[utoipa::path(get, path = "/api/v1/cases/{id}/events", tag = "cases",
    params(("id" = String, Path, description = "Case id or number")),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn events(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<TimelineEntry>>> {
    let actor = staff.actor();
    let case = service::load_visible(&st, &actor, &id).await?;
    let records = st.store.events(case.id).await?;
    Ok(axum::Json(views::timeline(&actor, &case, &records)))
}

/// Run a workflow command (transfer, accept, extend, issue_opinion, dispatch, reply…).
#[utoipa::path(post, path = "/api/v1/cases/{id}/commands", tag = "cases",
    params(("id" = String, Path, description = "Case id or number")),
    request_body = Command,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not allowed in the current state"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn command(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(cmd): Json<Command>,
) -> ApiResult<axum::Json<CaseView>> {
    let actor = staff.actor();
    let case = service::load_visible(&st, &actor, &id).await?;
    let case = service::execute(&st, &actor, case, &cmd).await?;
    Ok(axum::Json(views::case_view(&st, &actor, &case)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// name, phone, id_number or address
    pub field: String,
    /// Why (recorded in the audited event).
    pub purpose: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    pub field: String,
    pub value: Option<String>,
}

/// Reveal one masked personal field; recorded as an event on the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", tag = "cases",
    params(("id" = String, Path, description = "Case id or number")),
    request_body = RevealRequest,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reveal(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<RevealRequest>,
) -> ApiResult<axum::Json<Revealed>> {
    let actor = staff.actor();
    let case = service::load_visible(&st, &actor, &id).await?;
    let cmd = Command::RevealPersonalData {
        field: req.field.clone(),
        purpose: req.purpose,
    };
    let case = service::execute(&st, &actor, case, &cmd).await?;
    let rec = st
        .store
        .petitioner(case.petitioner.id)
        .await?
        .unwrap_or_default();
    let value = match req.field.as_str() {
        "name" => rec.name,
        "phone" => rec.phone,
        "id_number" => rec.id_number,
        _ => rec.address,
    };
    Ok(axum::Json(Revealed {
        field: req.field,
        value,
    }))
}

/// A phone number to look up; sent in the body so it never lands in URLs and access logs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub phone: String,
}

/// A caller's earlier cases by phone (intake console), masked.
#[utoipa::path(post, path = "/api/v1/petitioners/lookup", tag = "cases", request_body = LookupRequest,
    responses((status = 200, body = Vec<CaseSummary>), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn by_phone(
    State(st): State<AppState>,
    staff: Staff,
    Json(p): Json<LookupRequest>,
) -> ApiResult<axum::Json<Vec<CaseSummary>>> {
    let actor = staff.actor();
    if !matches!(
        actor.role,
        Role::Intake | Role::Coordinator | Role::Supervisor
    ) {
        return Err(ApiError::Forbidden);
    }
    let phone = Phone::parse(&p.phone)?;
    let dir = st.directory();
    let cases = st
        .store
        .cases_by_phone_index(&st.store.phone_index(&phone), 50)
        .await?;
    Ok(axum::Json(
        cases
            .iter()
            .filter(|c| access::can_view(&actor, c, &dir))
            .map(|c| views::case_summary(&st, &dir, &actor, c))
            .collect(),
    ))
}
