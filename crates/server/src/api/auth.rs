//! Sign-in and sign-out for staff.

use crate::auth::{self, SESSION_COOKIE, Staff, TOKEN_DAYS};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minsheng_core::access::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_zh: String,
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for API clients; browsers get the same token as an HttpOnly cookie.
    pub token: String,
    pub user: Me,
}

fn me(u: &minsheng_store::UserRecord) -> Me {
    Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        role_zh: u.role.zh().into(),
        unit: u.unit.clone(),
    }
}

/// Sign in with user name and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let (token, user) = sign_in(&st, &req.username, req.password).await?;
    let cookie = session_cookie(&token);
    let mut resp = axum::Json(LoginResponse {
        token,
        user: me(&user),
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Checks a user name and password and opens a session: the token and the user.
pub async fn sign_in(
    st: &AppState,
    username: &str,
    password: String,
) -> ApiResult<(String, minsheng_store::UserRecord)> {
    if username.len() > 100 || password.len() > 256 || username.chars().any(char::is_control) {
        return Err(ApiError::Unauthenticated);
    }
    if let Err(retry_after_secs) = st.login_failures.check(username) {
        st.store.audit(username, "login_throttled", "").await.ok();
        return Err(ApiError::TooManyAttempts { retry_after_secs });
    }
    let user = st.store.user_by_username(username).await?;
    // Verify against a dummy hash when the user is unknown so timing does not reveal accounts.
    let (stored, user) = match user {
        Some(u) if u.active => (u.password_hash.clone(), Some(u)),
        _ => (DUMMY_HASH.to_string(), None),
    };
    let ok = auth::verify_password(stored, password).await;
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            st.login_failures.failed(username);
            st.store.audit(username, "login_failed", "").await.ok();
            return Err(ApiError::Unauthenticated);
        }
    };
    st.login_failures.succeeded(username);
    let token = auth::new_token()?;
    let expires = chrono::Utc::now() + chrono::Duration::days(TOKEN_DAYS);
    st.store
        .insert_token(&auth::token_hash(&token), user.id, expires)
        .await?;
    st.store.audit(&user.username, "login", "").await?;
    Ok((token, user))
}

/// The HttpOnly session cookie carrying the token for browsers.
pub fn session_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        TOKEN_DAYS * 86400
    )
}

/// A cookie that ends the browser session.
pub const CLEAR_SESSION_COOKIE: &str = "ms_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

/// A valid argon2id hash of a random password, used when the user name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3wq9vWmD2RpW0YcVqNn8m6m0x8b5p6ZkQyqP5g0lJ2U";

/// Sign out: the token stops working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn logout(State(st): State<AppState>, staff: Staff) -> ApiResult<Response> {
    st.store.delete_token(&staff.token_hash).await?;
    let mut resp = axum::http::StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(CLEAR_SESSION_COOKIE),
    );
    Ok(resp)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn whoami(staff: Staff) -> axum::Json<Me> {
    axum::Json(me(&staff.user))
}
