//! Administering partner platforms: administrators only. The shared secret is shown once, in
//! the creation response; the store keeps it sealed (the server signs and verifies with it).

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use minsheng_core::access::Role;
use minsheng_store::exchange::Partner;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    pub name: String,
    /// The region code the partner's platform serves (orders without a region are placed here).
    pub region: String,
    /// Where status messages are POSTed (http or https).
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    /// The partner's `X-Partner` value.
    pub id: uuid::Uuid,
    pub name: String,
    pub region: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub active: bool,
    /// The shared secret, in the creation response only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn view(p: Partner, secret: Option<String>) -> PartnerView {
    PartnerView {
        id: p.id,
        name: p.name,
        region: p.region,
        url: p.url,
        created_at: p.created_at,
        active: p.active,
        secret,
    }
}

fn require_admin(staff: &Staff) -> ApiResult<()> {
    if staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// An http(s) URL with a host, no credentials in it.
fn check_url(raw: &str) -> ApiResult<String> {
    let bad = || {
        ApiError::bad(
            "invalid_url",
            "url 应为 http:// 或 https:// 开头的完整地址，且不含用户名密码",
            "url must be a full http:// or https:// address without credentials",
        )
    };
    let u = reqwest::Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https")
        || u.host_str().is_none()
        || !u.username().is_empty()
        || u.password().is_some()
        || raw.len() > 500
    {
        return Err(bad());
    }
    Ok(u.to_string())
}

/// Registers a 12345 partner platform and shows its shared secret (once).
#[utoipa::path(post, path = "/api/v1/admin/exchange/partners", tag = "admin", request_body = NewPartner,
    responses((status = 201, body = PartnerView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Json(req): Json<NewPartner>,
) -> ApiResult<(StatusCode, axum::Json<PartnerView>)> {
    require_admin(&staff)?;
    let name = minsheng_core::petitioner::clean_text("name", &req.name, 1, 100)?;
    let region = st.directory().region(req.region.trim())?.code.clone();
    let url = check_url(&req.url)?;
    let (partner, secret) = st
        .store
        .create_exchange_partner(&name, &region, &url)
        .await?;
    st.store
        .audit(&staff.user.username, "exchange_partner_created", &name)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(partner, Some(secret)))))
}

/// The 12345 partner platforms (without secrets).
#[utoipa::path(get, path = "/api/v1/admin/exchange/partners", tag = "admin",
    responses((status = 200, body = Vec<PartnerView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<PartnerView>>> {
    require_admin(&staff)?;
    let partners = st.store.exchange_partners().await?;
    Ok(axum::Json(
        partners.into_iter().map(|p| view(p, None)).collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerActive {
    pub active: bool,
}

/// Turns a partner off (its orders are refused, its messages are no longer sent) or on again.
#[utoipa::path(post, path = "/api/v1/admin/exchange/partners/{id}/active", tag = "admin", request_body = PartnerActive,
    params(("id" = uuid::Uuid, Path, description = "partner id")),
    responses((status = 200, body = PartnerView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_active(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<PartnerActive>,
) -> ApiResult<axum::Json<PartnerView>> {
    require_admin(&staff)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    if !st.store.set_exchange_partner_active(id, req.active).await? {
        return Err(ApiError::NotFound);
    }
    let (p, _) = st
        .store
        .exchange_partner(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    st.store
        .audit(
            &staff.user.username,
            if req.active {
                "exchange_partner_enabled"
            } else {
                "exchange_partner_disabled"
            },
            &p.name,
        )
        .await?;
    Ok(axum::Json(view(p, None)))
}
