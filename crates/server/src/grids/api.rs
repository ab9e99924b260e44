//! The grid JSON API: administrators draw grids and assign grid workers; statistics readers
//! (and grid workers, for their own grids) read 就地化解率.

use super::rate::{GridRateReport, RateQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Path, Query, RawBody, parse_json};
use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use minsheng_core::access::Role;
use minsheng_store::GridRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Routes {
    routes![
        "/api/v1/admin/grids" => post(save).get(list),
        "/api/v1/admin/grids/{id}/workers" => post(set_workers),
        "/api/v1/grids/rates" => get(rates),
    ]
}

/// A point (WGS-84 degrees).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub lat: f64,
    pub lng: f64,
}

/// A grid to create or replace. Its area is either a list of H3 cells (at the configured
/// resolution) or a centre with a number of rings of cells around it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridRequest {
    /// Stable id, e.g. `990102001001-01`.
    pub id: String,
    pub name: String,
    /// The community (or village) region the grid belongs to.
    pub region: String,
    #[serde(default)]
    pub h3_cells: Vec<String>,
    #[serde(default)]
    pub center: Option<Point>,
    #[serde(default)]
    pub rings: u32,
    /// A drawn boundary (GeoJSON geometry), kept for display.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<serde_json::Value>,
    /// Address words that place a matter without coordinates here (小区、街路名).
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridView {
    pub id: String,
    pub name: String,
    pub region: String,
    pub h3_resolution: u8,
    pub h3_cells: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<serde_json::Value>,
    pub keywords: Vec<String>,
    /// User names of the grid workers.
    pub workers: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkersRequest {
    /// User names of grid-worker accounts (role `grid_worker`).
    pub usernames: Vec<String>,
}

fn require_admin(staff: &Staff) -> ApiResult<()> {
    if staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn bad_field(code: &'static str, zh: &str, en: &str) -> ApiError {
    ApiError::bad(code, zh, en)
}

/// Checks a grid request and turns it into the record to store.
pub fn record(
    st: &AppState,
    req: GridRequest,
    existing: Option<&GridRecord>,
) -> ApiResult<GridRecord> {
    let id = req.id.trim().to_string();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(bad_field(
            "invalid_grid_id",
            "网格编号只能包含字母、数字、点、下划线和连字符（1到64个字符）",
            "A grid id has 1 to 64 letters, digits, dots, underscores or hyphens",
        ));
    }
    let name = minsheng_core::petitioner::clean_text("name", &req.name, 2, 100)?;
    let dir = st.directory();
    let region = dir.region(&req.region)?;
    if region.level != minsheng_core::region::Level::Community {
        return Err(bad_field(
            "grid_region_level",
            "网格应属于一个社区（村）",
            "A grid belongs to a community or village",
        ));
    }
    let policy = st.policy_for_region(&region.code);
    let res = existing
        .map(|g| g.h3_resolution)
        .unwrap_or(policy.grid.h3_resolution);
    let cells = match (&req.center, req.h3_cells.is_empty()) {
        (Some(p), true) => minsheng_core::grid::cells_around(p.lat, p.lng, res, req.rings)?,
        (None, false) => req.h3_cells.clone(),
        _ => {
            return Err(bad_field(
                "grid_area",
                "请给出网格的H3单元列表，或中心点和环数（二选一）",
                "Give either the grid's H3 cells or a centre and rings",
            ));
        }
    };
    let cells = minsheng_core::grid::check_cells(&cells, res, policy.grid.max_cells)?;
    let mut keywords = Vec::new();
    for k in &req.keywords {
        let k = minsheng_core::petitioner::clean_text("keywords", k, 2, 50)?;
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    if keywords.len() > 50 {
        return Err(bad_field(
            "too_many_keywords",
            "地址关键词最多50个",
            "At most 50 address keywords",
        ));
    }
    let polygon = match req.polygon {
        None | Some(serde_json::Value::Null) => None,
        Some(v)
            if v.get("type")
                .is_some_and(|t| t == "Polygon" || t == "MultiPolygon") =>
        {
            let text = v.to_string();
            if text.len() > 200_000 {
                return Err(bad_field(
                    "polygon_too_large",
                    "边界数据过大",
                    "The boundary is too large",
                ));
            }
            Some(text)
        }
        Some(_) => {
            return Err(bad_field(
                "invalid_polygon",
                "边界应为 GeoJSON 的 Polygon 或 MultiPolygon",
                "The boundary must be a GeoJSON Polygon or MultiPolygon",
            ));
        }
    };
    let now = crate::service::now();
    Ok(GridRecord {
        id,
        name,
        region: region.code.clone(),
        h3_resolution: res,
        h3_cells: cells,
        polygon,
        keywords,
        created_at: existing.map(|g| g.created_at).unwrap_or(now),
        updated_at: now,
    })
}

/// Another grid already holding one of these cells: grids do not overlap.
async fn check_no_overlap(st: &AppState, g: &GridRecord) -> ApiResult<()> {
    for other in st.store.grids().await? {
        if other.id != g.id
            && other.h3_resolution == g.h3_resolution
            && other.h3_cells.iter().any(|c| g.h3_cells.contains(c))
        {
            return Err(ApiError::bad(
                "grid_overlap",
                format!("与网格 {} 的范围重叠", other.id),
                format!("overlaps grid {}", other.id),
            ));
        }
    }
    Ok(())
}

pub async fn view(st: &AppState, g: GridRecord) -> ApiResult<GridView> {
    let ids = st.store.grid_workers(&g.id).await?;
    let users = st.store.list_users().await?;
    let workers = users
        .into_iter()
        .filter(|u| ids.contains(&u.id))
        .map(|u| u.username)
        .collect();
    Ok(GridView {
        polygon: g
            .polygon
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        id: g.id,
        name: g.name,
        region: g.region,
        h3_resolution: g.h3_resolution,
        h3_cells: g.h3_cells,
        keywords: g.keywords,
        workers,
    })
}

/// Creates or replaces a grid (admin).
pub async fn save_grid(st: &AppState, req: GridRequest) -> ApiResult<GridRecord> {
    let existing = st.store.grid(req.id.trim()).await?;
    let g = record(st, req, existing.as_ref())?;
    check_no_overlap(st, &g).await?;
    st.store.save_grid(&g).await?;
    st.grid_shapes.clear();
    Ok(g)
}

#[utoipa::path(post, path = "/api/v1/admin/grids", tag = "admin", request_body = GridRequest, responses((status = 200, body = GridView, description = "The grid as saved"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn save(
    State(st): State<AppState>,
    staff: Staff,
    RawBody(body): RawBody,
) -> ApiResult<Json<GridView>> {
    require_admin(&staff)?;
    let req: GridRequest = parse_json(&body)?;
    let g = save_grid(&st, req).await?;
    Ok(Json(view(&st, g).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/grids", tag = "admin", responses((status = 200, body = Vec<GridView>, description = "Every grid with its workers"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn list(
    State(st): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<GridView>>> {
    require_admin(&staff)?;
    let mut out = Vec::new();
    for g in st.store.grids().await? {
        out.push(view(&st, g).await?);
    }
    Ok(Json(out))
}

/// Sets a grid's workers; every name must be an active grid-worker account.
pub async fn assign_workers(st: &AppState, grid: &str, usernames: &[String]) -> ApiResult<()> {
    if st.store.grid(grid).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let mut ids = Vec::new();
    for name in usernames {
        let u = st.store.user_by_username(name.trim()).await?;
        match u {
            Some(u) if u.role == Role::GridWorker && u.active => ids.push(u.id),
            _ => {
                return Err(ApiError::bad(
                    "not_a_grid_worker",
                    format!("{name} 不是在用的网格员账号"),
                    format!("{name} is not an active grid-worker account"),
                ));
            }
        }
    }
    ids.sort();
    ids.dedup();
    st.store.set_grid_workers(grid, &ids).await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/admin/grids/{id}/workers", tag = "admin", params(("id" = String, Path, description = "Grid id")), request_body = WorkersRequest, responses((status = 204, description = "Workers set"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn set_workers(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<StatusCode> {
    require_admin(&staff)?;
    let req: WorkersRequest = parse_json(&body)?;
    assign_workers(&st, &id, &req.usernames).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/grids/rates", tag = "admin", params(("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: the 1st of this month)"), ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today)")), responses((status = 200, body = GridRateReport, description = "就地化解率 per grid"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn rates(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<RateQuery>,
) -> ApiResult<Json<GridRateReport>> {
    Ok(Json(super::rate::report(&st, &staff.actor(), &q).await?))
}
