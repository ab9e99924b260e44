//! Administration: staff users.

use crate::auth::{self, Staff};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use minsheng_core::access::Role;
use minsheng_store::NewUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<String>,
    pub active: bool,
}

fn require_admin(staff: &Staff) -> ApiResult<()> {
    if staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Creates a staff user; shared by the API and `minsheng users add`.
pub async fn add_user(st: &AppState, req: NewUserRequest) -> ApiResult<minsheng_store::UserRecord> {
    let username = req.username.trim().to_string();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::bad(
            "invalid_username",
            "用户名只能包含字母、数字、点、下划线和连字符（1到64个字符）",
            "A user name has 1 to 64 letters, digits, dots, underscores or hyphens",
        ));
    }
    if matches!(req.role, Role::Citizen | Role::System) {
        return Err(ApiError::bad(
            "invalid_role",
            "角色只能是 intake、coordinator、handler、supervisor、analyst、admin 或 grid_worker",
            "role must be intake, coordinator, handler, supervisor, analyst, admin or grid_worker",
        ));
    }
    // An analyst reads province-wide aggregates and never belongs to a unit: a unit would make
    // it a member of a unit that an accusation or an alert may be about.
    if req.role == Role::Analyst && req.unit.is_some() {
        return Err(ApiError::bad(
            "analyst_without_unit",
            "统计分析员不隶属于任何单位，请不要选择单位",
            "An analyst belongs to no unit; leave the unit empty",
        ));
    }
    let needs_unit = matches!(req.role, Role::Intake | Role::Coordinator | Role::Handler);
    match &req.unit {
        Some(u) => {
            st.directory().unit(u)?;
        }
        None if needs_unit => {
            return Err(ApiError::bad(
                "unit_required",
                "登记员、协调员和经办人必须属于一个单位",
                "intake, coordinator and handler users belong to a unit",
            ));
        }
        None => {}
    }
    auth::check_password_strength(&req.password)?;
    let display_name =
        minsheng_core::petitioner::clean_text("display_name", &req.display_name, 1, 100)?;
    let hash = auth::hash_password(*st.auth, req.password).await?;
    Ok(st
        .store
        .create_user(NewUser {
            username,
            display_name,
            password_hash: hash,
            role: req.role,
            unit: req.unit,
        })
        .await?)
}

fn view(u: minsheng_store::UserRecord) -> UserView {
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        unit: u.unit,
        active: u.active,
    }
}

/// Create a staff user (admin).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(st): State<AppState>,
    staff: Staff,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    require_admin(&staff)?;
    let detail = format!("{} as {}", req.username, req.role.as_str());
    let user = add_user(&st, req).await?;
    st.store
        .audit(&staff.user.username, "user_added", &detail)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(user))))
}

/// List staff users (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_users(
    State(st): State<AppState>,
    staff: Staff,
) -> ApiResult<axum::Json<Vec<UserView>>> {
    require_admin(&staff)?;
    Ok(axum::Json(
        st.store.list_users().await?.into_iter().map(view).collect(),
    ))
}
