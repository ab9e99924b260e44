//! The administrators' grid page (`/staff/admin/grids`): the grids with their cells, keywords
//! and workers; a form to draw a grid (a centre and rings of cells, or a list of cells) and one
//! to assign its grid workers. The same checks as the JSON API (`api::save_grid`).

use super::api::{GridRequest, Point, assign_workers, save_grid};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use crate::web::forms::FormData;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::Role;
use minsheng_core::region::Level;

pub struct GridRow {
    pub id: String,
    pub name: String,
    pub region_zh: String,
    pub region_en: String,
    pub cells: usize,
    pub resolution: u8,
    pub keywords: String,
    pub workers: String,
}

#[derive(Template)]
#[template(path = "staff/grid/admin.html")]
struct AdminGrids {
    c: Chrome,
    grids: Vec<GridRow>,
    communities: Vec<(String, String, String)>,
    workers: Vec<(String, String)>,
    resolution: u8,
    notice: Option<String>,
    error: Option<String>,
}

fn require_admin(ws: &WebStaff) -> ApiResult<()> {
    if ws.staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn page(
    st: &AppState,
    c: &Chrome,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> ApiResult<Response> {
    let dir = st.directory();
    let users = st.store.list_users().await?;
    let mut grids = Vec::new();
    for g in st.store.grids().await? {
        let ids = st.store.grid_workers(&g.id).await?;
        let region = dir.region(&g.region).ok();
        grids.push(GridRow {
            region_zh: region.map(|r| r.name_zh.clone()).unwrap_or_default(),
            region_en: region.map(|r| r.name_en.clone()).unwrap_or_default(),
            cells: g.h3_cells.len(),
            resolution: g.h3_resolution,
            keywords: g.keywords.join("、"),
            workers: users
                .iter()
                .filter(|u| ids.contains(&u.id))
                .map(|u| u.username.clone())
                .collect::<Vec<_>>()
                .join(", "),
            id: g.id,
            name: g.name,
        });
    }
    let communities = dir
        .regions()
        .filter(|r| r.level == Level::Community)
        .map(|r| (r.code.clone(), r.name_zh.clone(), r.name_en.clone()))
        .collect();
    let workers = users
        .iter()
        .filter(|u| u.role == Role::GridWorker && u.active)
        .map(|u| (u.username.clone(), u.display_name.clone()))
        .collect();
    let p = AdminGrids {
        c: c.clone(),
        grids,
        communities,
        workers,
        resolution: st.policy.national().grid.h3_resolution,
        notice,
        error: error.as_ref().map(|e| e.1.clone()),
    };
    let status = error.map(|e| e.0).unwrap_or(StatusCode::OK);
    Ok((status, render(&p)).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

pub async fn overview(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(q): Query<SavedQuery>,
) -> Response {
    let r = async {
        require_admin(&ws)?;
        let notice = (!q.saved.is_empty()).then(|| format!("{} ✓", ws.c.t("已保存", "Saved")));
        page(&st, &ws.c, notice, None).await
    }
    .await;
    respond(&ws.c, r)
}

fn number(f: &FormData, k: &'static str) -> ApiResult<Option<f64>> {
    let v = f.get(k).trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>().map(Some).map_err(|_| {
        ApiError::bad(
            "invalid_number",
            "经纬度应为数字",
            "Latitude and longitude are numbers",
        )
    })
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn request(f: &FormData) -> ApiResult<GridRequest> {
    let center = match (number(f, "lat")?, number(f, "lng")?) {
        (Some(lat), Some(lng)) => Some(Point { lat, lng }),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad(
                "invalid_number",
                "请同时填写纬度和经度",
                "Give both latitude and longitude",
            ));
        }
    };
    let rings = match f.get("rings").trim() {
        "" => 0,
        r => r.parse::<u32>().map_err(|_| {
            ApiError::bad("invalid_number", "环数应为整数", "Rings are a whole number")
        })?,
    };
    Ok(GridRequest {
        id: f.get("id").to_string(),
        name: f.get("name").to_string(),
        region: f.get("region").to_string(),
        h3_cells: words(f.get("h3_cells")),
        center,
        rings,
        polygon: None,
        keywords: words(f.get("keywords")),
    })
}

async fn after(st: &AppState, c: &Chrome, r: ApiResult<()>) -> ApiResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/staff/admin/grids?saved=1").into_response()),
        Err(e) if crate::web::portal::is_user_error(&e) => {
            let status = e.parts().0;
            let msg = c.message(&e);
            page(st, c, None, Some((status, msg))).await
        }
        Err(e) => Err(e),
    }
}

pub async fn save(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let done = match request(&f) {
            Ok(req) => save_grid(&st, req).await.map(|_| ()),
            Err(e) => Err(e),
        };
        after(&st, &ws.c, done).await
    }
    .await;
    respond(&ws.c, r)
}

pub async fn workers(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let names = words(f.get("usernames"));
        let done = assign_workers(&st, f.get("grid").trim(), &names).await;
        after(&st, &ws.c, done).await
    }
    .await;
    respond(&ws.c, r)
}
