//! One error type for the HTTP edge: every failure becomes a status code and a JSON body
//! `{"code", "message_zh", "message_en"}` (plus the article when a rule refused).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minsheng_core::DomainError;
use minsheng_store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("bad request: {en}")]
    BadRequest {
        code: &'static str,
        zh: String,
        en: String,
    },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// A state-changing browser request from another site or without a valid CSRF token.
    #[error("cross-site request refused")]
    CsrfRefused { cross_site: bool },
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    TooLarge,
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn parts(&self) -> (StatusCode, ErrorBody) {
        let body = |code: &str, zh: String, en: String| ErrorBody {
            code: code.to_string(),
            message_zh: zh,
            message_en: en,
            article: None,
        };
        match self {
            ApiError::Domain(e) => {
                let status = match e {
                    DomainError::NotAllowedInState { .. } => StatusCode::CONFLICT,
                    DomainError::Forbidden { .. } => StatusCode::FORBIDDEN,
                    DomainError::Unknown { what: "case", .. } => StatusCode::NOT_FOUND,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let mut b = body(e.code(), e.message_zh(), e.message_en());
                if let DomainError::Rule { article, .. } = e {
                    b.article = Some(article.clone());
                }
                (status, b)
            }
            ApiError::Store(StoreError::Conflict) => (
                StatusCode::CONFLICT,
                body(
                    "concurrent_change",
                    "该事项刚被他人更新，请刷新后重试".into(),
                    "The case was just changed by someone else; reload and try again".into(),
                ),
            ),
            ApiError::Store(StoreError::IdempotencyMismatch) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                body(
                    "idempotency_key_reused",
                    "该幂等键已用于另一份不同的请求".into(),
                    "This Idempotency-Key was already used for a different request".into(),
                ),
            ),
            ApiError::Store(StoreError::Duplicate(what)) => (
                StatusCode::CONFLICT,
                body(
                    "duplicate",
                    format!("已存在相同的{what}"),
                    format!("A {what} with this value already exists"),
                ),
            ),
            ApiError::Store(StoreError::NotFound) | ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                body(
                    "not_found",
                    "未找到该资源，或您无权查看".into(),
                    "Not found, or you may not see it".into(),
                ),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body(
                    "body_too_large",
                    format!("请求体过大（上限 {} KiB）", crate::MAX_BODY / 1024),
                    format!(
                        "The request body is too large (limit {} KiB)",
                        crate::MAX_BODY / 1024
                    ),
                ),
            ),
            ApiError::TooManyAttempts { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                body(
                    "too_many_attempts",
                    format!(
                        "尝试次数过多，请{}分钟后再试",
                        retry_after_secs.div_ceil(60)
                    ),
                    format!(
                        "Too many attempts; try again in {} minutes",
                        retry_after_secs.div_ceil(60)
                    ),
                ),
            ),
            ApiError::BadRequest { code, zh, en } => {
                (StatusCode::BAD_REQUEST, body(code, zh.clone(), en.clone()))
            }
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                body(
                    "unauthenticated",
                    "请先登录".into(),
                    "Please sign in first".into(),
                ),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                body(
                    "forbidden",
                    "您无权执行该操作".into(),
                    "You are not allowed to do this".into(),
                ),
            ),
            ApiError::CsrfRefused { cross_site: true } => (
                StatusCode::FORBIDDEN,
                body(
                    "cross_site_refused",
                    "跨站提交已被拒绝".into(),
                    "Cross-site form submission refused".into(),
                ),
            ),
            ApiError::CsrfRefused { cross_site: false } => (
                StatusCode::FORBIDDEN,
                body(
                    "csrf_token_invalid",
                    "页面已过期或无法确认提交来自本站，请刷新页面后重试".into(),
                    "The page has expired or the submission could not be confirmed as ours; reload the page and try again".into(),
                ),
            ),
            ApiError::Store(_) | ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                body(
                    "internal_error",
                    "服务器内部错误，已记录，请稍后再试".into(),
                    "Internal error; it has been logged, please try again later".into(),
                ),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = (status, Json(body)).into_response();
        if let ApiError::TooManyAttempts { retry_after_secs } = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
