//! Grids (网格) and grid workers (网格员): placing a new matter in its grid, the grid worker's
//! own case access, the administrators' grid API, the mobile grid pages and 就地化解率.

pub mod admin;
pub mod api;
pub mod photos;
pub mod rate;
pub mod shapes;
pub mod web;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::workflow::{CaseState, Event};

/// Adds the grid placement to a registration's events (right after `Registered`): the grid
/// whose cells hold the matter's coordinates, else the one whose address keyword matches.
///
/// Recorded as an event rather than only a projection column: where a matter was placed, and
/// why, is part of its history (a grid redrawn later does not silently move old matters), and
/// the column `cases.grid_id` is rebuilt from it like every other projection.
pub async fn place(st: &AppState, events: &mut Vec<Event>) -> ApiResult<()> {
    let Some(Event::Registered(reg)) = events.first() else {
        return Ok(());
    };
    let shapes = st.grid_shapes.get(&st.store).await?;
    if shapes.is_empty() {
        return Ok(());
    }
    if let Some((g, basis)) = minsheng_core::grid::place(&shapes, &reg.location, &st.directory()) {
        events.insert(
            1,
            Event::GridAssigned {
                grid: g.id.clone(),
                basis,
            },
        );
    }
    Ok(())
}

/// The only staff paths a grid worker's session reaches: the grid pages, the rate report, the
/// directory and sign-out. Checked in the staff extractor before any handler runs, as for the
/// analyst, so no case page, queue, search or export can hand a grid worker another grid's
/// matter (or an accusation) through a role match that forgot them.
pub fn grid_worker_may_reach(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    const READ: &[&str] = &[
        "/staff",
        "/staff/grid",
        "/staff/grid/report",
        "/api/v1/auth/me",
        "/api/v1/grids/rates",
        "/api/v1/regions",
        "/api/v1/topics",
        "/api/v1/units",
        "/api/v1/dispatch",
        "/api/v1/policy",
    ];
    const SIGN_OUT: &[&str] = &["/staff/logout", "/api/v1/auth/logout"];
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
    };
    match *method {
        Method::GET | Method::HEAD => {
            let public = !path.starts_with("/staff") && !path.starts_with("/api/");
            public
                || READ.contains(&path)
                || under("/staff/grid/cases/")
                || under("/staff/grid/photos/")
        }
        Method::POST => {
            SIGN_OUT.contains(&path)
                || path
                    .strip_prefix("/staff/grid/cases/")
                    .and_then(|rest| rest.split_once('/'))
                    .is_some_and(|(case, action)| {
                        !case.is_empty() && matches!(action, "visit" | "resolve" | "escalate")
                    })
        }
        _ => false,
    }
}

/// The grids a grid worker serves; empty for anyone else.
pub async fn grids_of(st: &AppState, actor: &Actor) -> ApiResult<Vec<String>> {
    match (actor.role, actor.user_id) {
        (Role::GridWorker, Some(id)) => Ok(st.store.grids_of_worker(id).await?),
        _ => Ok(Vec::new()),
    }
}

/// Only grid workers reach the grid pages.
pub fn require_grid_worker(actor: &Actor) -> ApiResult<()> {
    if actor.role == Role::GridWorker {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A case by number or id, if it lies in one of the grid worker's grids (and is not an
/// accusation); otherwise not found, so a worker learns nothing of other grids' matters.
pub async fn load_for_worker(st: &AppState, actor: &Actor, key: &str) -> ApiResult<CaseState> {
    require_grid_worker(actor)?;
    let case = match uuid::Uuid::parse_str(key) {
        Ok(id) => st.store.get_case(id).await?,
        Err(_) if key.len() <= 32 => st.store.get_case_by_number(key).await?,
        Err(_) => None,
    };
    let grids = grids_of(st, actor).await?;
    match case {
        Some(c) if access::grid_worker_may_view(actor, &grids, &c) => Ok(c),
        _ => Err(ApiError::NotFound),
    }
}

/// May this staff member see the photos of a case: a grid worker of its grid, or staff who may
/// open the case itself.
pub async fn may_see_photos(st: &AppState, actor: &Actor, case: &CaseState) -> ApiResult<bool> {
    if actor.role == Role::GridWorker {
        let grids = grids_of(st, actor).await?;
        return Ok(access::grid_worker_may_view(actor, &grids, case));
    }
    Ok(access::can_view(actor, case, &st.directory()))
}

/// The demo grid (`minsheng demo`): 翠湖社区's first grid, served by `grid.cuihu`, drawn before
/// the demo cases so those about 翠湖苑 are placed in it.
pub async fn seed_demo(st: &AppState) -> ApiResult<()> {
    api::save_grid(
        st,
        api::GridRequest {
            id: "cuihu-01".into(),
            name: "翠湖社区第一网格".into(),
            region: "990102001001".into(),
            h3_cells: Vec::new(),
            center: Some(api::Point {
                lat: 30.5,
                lng: 114.3,
            }),
            rings: 3,
            polygon: None,
            keywords: vec!["翠湖苑".into()],
        },
    )
    .await?;
    api::assign_workers(st, "cuihu-01", &["grid.cuihu".into()]).await
}
