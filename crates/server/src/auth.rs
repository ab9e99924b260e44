//! Staff authentication: argon2 password hashes, opaque bearer tokens (kept only as SHA-256
//! hashes), the same token in an HttpOnly session cookie for browsers.

use crate::error::ApiError;
use crate::state::AppState;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use minsheng_core::access::{Actor, Role};
use minsheng_store::UserRecord;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ms_session";
pub const TOKEN_DAYS: i64 = 7;

/// Argon2id cost. Production uses the library defaults (19 MiB, 2 passes); tests use a cheap set.
#[derive(Debug, Clone, Copy)]
pub struct PasswordParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        PasswordParams {
            m_cost_kib: Params::DEFAULT_M_COST,
            t_cost: Params::DEFAULT_T_COST,
        }
    }
}

impl PasswordParams {
    pub fn cheap() -> Self {
        PasswordParams {
            m_cost_kib: 256,
            t_cost: 1,
        }
    }

    fn argon(self) -> Result<Argon2<'static>, ApiError> {
        let params = Params::new(self.m_cost_kib, self.t_cost, 1, None)
            .map_err(|e| ApiError::Internal(format!("argon2 params: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes a password off the async threads.
pub async fn hash_password(params: PasswordParams, password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let argon = params.argon()?;
        argon
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Verifies a password against a stored hash off the async threads.
pub async fn verify_password(stored: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Password rules for staff accounts.
pub fn check_password_strength(pw: &str) -> Result<(), ApiError> {
    let n = pw.chars().count();
    if !(10..=128).contains(&n) {
        return Err(ApiError::bad(
            "weak_password",
            "密码长度应为10到128个字符",
            "A password needs 10 to 128 characters",
        ));
    }
    Ok(())
}

pub fn new_token() -> Result<String, ApiError> {
    let bytes: [u8; 32] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(format!("ms_{}", hex::encode(bytes)))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: UserRecord,
    pub token_hash: String,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.display_name.clone(),
            role: self.user.role,
            unit: self.user.unit.clone(),
        }
    }
}

/// The session token, and whether it came from the cookie (which a browser attaches by itself,
/// so a state-changing request needs the CSRF token too) rather than a bearer header.
fn bearer_or_cookie(parts: &Parts) -> Option<(String, bool)> {
    if let Some(h) = parts.headers.get(axum::http::header::AUTHORIZATION)
        && let Ok(v) = h.to_str()
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), false));
    }
    crate::cookies::get(&parts.headers, SESSION_COOKIE).map(|v| (v.to_string(), true))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (token, from_cookie) = bearer_or_cookie(parts).ok_or(ApiError::Unauthenticated)?;
        if token.len() > 200 {
            return Err(ApiError::Unauthenticated);
        }
        if from_cookie {
            crate::csrf::check_cookie_request(parts, state)?;
        }
        let hash = token_hash(&token);
        let user = state
            .store
            .user_by_token(&hash)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        // Routers nested under a prefix see the path without it: judge the full one.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or(parts.uri.path(), |u| u.0.path());
        if user.role == Role::Analyst && !analyst_may_reach(&parts.method, path) {
            return Err(ApiError::Forbidden);
        }
        if user.role == Role::GridWorker
            && !crate::grids::grid_worker_may_reach(&parts.method, path)
        {
            return Err(ApiError::Forbidden);
        }
        Ok(Staff {
            user,
            token_hash: hash,
        })
    }
}

/// The only staff paths an analyst's session reaches: statistics, the alerts read-only, the
/// directory and its own sign-out. Checked in the extractor, before any handler runs, so a
/// handler that forgets the analyst (a catch-all `_` arm in a role match) still cannot hand it
/// case contents or let it act. Each handler applies its own rule on top.
pub fn analyst_may_reach(method: &Method, path: &str) -> bool {
    const READ: &[&str] = &[
        "/staff",
        "/staff/dashboard",
        "/staff/reports/annual",
        "/staff/suggest/board",
        "/staff/alerts",
        "/staff/alerts/stream",
        "/api/v1/auth/me",
        "/api/v1/alerts",
        "/api/v1/suggestions/scoreboard",
        "/api/v1/regions",
        "/api/v1/topics",
        "/api/v1/units",
        "/api/v1/dispatch",
        "/api/v1/policy",
        "/staff/grid/report",
        "/api/v1/grids/rates",
    ];
    const SIGN_OUT: &[&str] = &["/staff/logout", "/api/v1/auth/logout"];
    let one_alert = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    };
    match *method {
        Method::GET | Method::HEAD => {
            // Public pages show the signed-in header; they offer nothing more to staff.
            let public = !path.starts_with("/staff") && !path.starts_with("/api/");
            public
                || READ.contains(&path)
                || one_alert("/staff/alerts/")
                || one_alert("/api/v1/alerts/")
        }
        Method::POST => SIGN_OUT.contains(&path),
        _ => false,
    }
}

/// Failed sign-ins within a window lock the user name for the rest of the window, whatever the
/// password: guessing costs time, and a locked-out officer is told when to try again.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

pub const LOGIN_MAX_FAILURES: u32 = 5;
pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl LoginThrottle {
    /// `Err` with the seconds left while the user name is locked.
    pub fn check(&self, username: &str) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(username) {
            Some((n, since)) if *n >= LOGIN_MAX_FAILURES && since.elapsed() < LOGIN_WINDOW => {
                Err((LOGIN_WINDOW - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Bounded memory under a spray of made-up names: old entries go first.
            map.retain(|_, (_, since)| since.elapsed() < LOGIN_WINDOW);
        }
        let entry = map
            .entry(username.to_string())
            .or_insert((0, std::time::Instant::now()));
        if entry.1.elapsed() >= LOGIN_WINDOW {
            *entry = (0, std::time::Instant::now());
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(username);
    }
}
