//! Issuing Open311 api_keys: administrators only. The key is shown once, in the creation
//! response; the store keeps only its hash.

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use minsheng_core::access::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

fn view(c: minsheng_store::open311::Open311Client, key: Option<String>) -> ClientView {
    ClientView {
        id: c.id,
        name: c.name,
        created_at: c.created_at,
        active: c.active,
        api_key: key,
    }
}

fn require_admin(staff: &Staff) -> ApiResult<()> {
    if staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Issues an Open311 api_key (shown once).
#[utoipa::path(post, path = "/api/v1/admin/open311/clients", tag = "admin", request_body = NewClient,
    responses((status = 201, body = ClientView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Json(req): Json<NewClient>,
) -> ApiResult<(StatusCode, axum::Json<ClientView>)> {
    require_admin(&staff)?;
    let name = minsheng_core::petitioner::clean_text("name", &req.name, 1, 100)?;
    let (client, key) = st.store.create_open311_client(&name).await?;
    st.store
        .audit(&staff.user.username, "open311_client_created", &name)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(client, Some(key)))))
}

/// The Open311 clients (without keys).
#[utoipa::path(get, path = "/api/v1/admin/open311/clients", tag = "admin",
    responses((status = 200, body = Vec<ClientView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<ClientView>>> {
    require_admin(&staff)?;
    let clients = st.store.open311_clients().await?;
    Ok(axum::Json(
        clients.into_iter().map(|c| view(c, None)).collect(),
    ))
}
