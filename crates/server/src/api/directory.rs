//! Regions, units, topics, the dispatch catalogue and the policy in force.

use crate::auth::Staff;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use minsheng_core::region::{Region, Topic, Unit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// All regions (public: the submission form needs them).
#[utoipa::path(get, path = "/api/v1/regions", tag = "directory", responses((status = 200, body = Vec<Region>)))]
pub async fn regions(State(st): State<AppState>) -> axum::Json<Vec<Region>> {
    axum::Json(st.directory().regions().cloned().collect())
}

/// All topics, three levels (public).
#[utoipa::path(get, path = "/api/v1/topics", tag = "directory", responses((status = 200, body = Vec<Topic>)))]
pub async fn topics(State(st): State<AppState>) -> axum::Json<Vec<Topic>> {
    axum::Json(st.directory().topics().cloned().collect())
}

/// All units (staff).
#[utoipa::path(get, path = "/api/v1/units", tag = "directory",
    responses((status = 200, body = Vec<Unit>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn units(State(st): State<AppState>, _staff: Staff) -> axum::Json<Vec<Unit>> {
    axum::Json(st.directory().units().cloned().collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DispatchParams {
    pub region: String,
    pub topic: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchSuggestion {
    pub unit: Option<Unit>,
}

/// The responsible unit for a region and topic, from the dispatch catalogue (派单目录).
#[utoipa::path(get, path = "/api/v1/dispatch", tag = "directory", params(DispatchParams),
    responses((status = 200, body = DispatchSuggestion), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn dispatch(
    State(st): State<AppState>,
    _staff: Staff,
    Query(p): Query<DispatchParams>,
) -> ApiResult<axum::Json<DispatchSuggestion>> {
    let dir = st.directory();
    dir.region(&p.region)?;
    dir.topic(&p.topic)?;
    Ok(axum::Json(DispatchSuggestion {
        unit: dir.dispatch_unit(&p.region, &p.topic).cloned(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PolicyParams {
    pub region: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub region: Option<String>,
    /// Regional rules applied on top of the national defaults.
    pub overrides: Vec<String>,
    pub petition: std::collections::BTreeMap<String, String>,
    pub hotline: std::collections::BTreeMap<String, String>,
    pub max_representatives: u32,
    pub rating_options: Vec<minsheng_core::policy::RatingOption>,
}

/// The time limits in force for a region (national defaults when none is given).
#[utoipa::path(get, path = "/api/v1/policy", tag = "directory", params(PolicyParams),
    responses((status = 200, body = PolicyView), (status = 422, body = ErrorBody)))]
pub async fn policy(
    State(st): State<AppState>,
    Query(p): Query<PolicyParams>,
) -> ApiResult<axum::Json<PolicyView>> {
    let dir = st.directory();
    let (set, overrides) = match &p.region {
        Some(r) => {
            dir.region(r)?;
            let chain = dir.chain(r);
            (
                st.policy.for_chain(&chain),
                st.policy.override_names(&chain),
            )
        }
        None => (st.policy.national(), vec![]),
    };
    let labels = |periods: &[(&str, minsheng_core::policy::Period)]| {
        periods
            .iter()
            .map(|(k, v)| (k.to_string(), v.label_zh()))
            .collect()
    };
    let petition = labels(&set.petition.periods());
    let hotline = labels(&set.hotline.periods());
    Ok(axum::Json(PolicyView {
        region: p.region,
        overrides,
        petition,
        hotline,
        max_representatives: set.max_representatives(u32::MAX),
        rating_options: set.rating.options.clone(),
    }))
}
