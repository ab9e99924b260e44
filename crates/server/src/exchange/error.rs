//! The exchange's refusals: the project's bilingual error body, with the fields at fault when
//! the order itself is wrong. Nothing is written before any of these.

use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One field of the order that is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("unknown or disabled partner")]
    UnknownPartner,
    #[error("missing or malformed signature headers")]
    MissingSignature,
    #[error("bad signature")]
    BadSignature,
    #[error("stale timestamp")]
    StaleTimestamp,
    #[error("replayed message")]
    Replayed,
    #[error("order id reused with another body")]
    OrderConflict,
    #[error("invalid order")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<minsheng_store::StoreError> for ExchangeError {
    fn from(e: minsheng_store::StoreError) -> Self {
        ExchangeError::Api(e.into())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message_zh: &'a str,
    message_en: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl IntoResponse for ExchangeError {
    fn into_response(self) -> Response {
        use ExchangeError::*;
        let (status, code, zh, en) = match &self {
            UnknownPartner => (
                StatusCode::UNAUTHORIZED,
                "unknown_partner",
                "未知或已停用的对接平台（X-Partner）",
                "Unknown or disabled partner (X-Partner)",
            ),
            MissingSignature => (
                StatusCode::UNAUTHORIZED,
                "signature_missing",
                "缺少或无法解析 X-Timestamp / X-Signature",
                "X-Timestamp or X-Signature is missing or malformed",
            ),
            BadSignature => (
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "签名不正确",
                "The signature does not match",
            ),
            StaleTimestamp => (
                StatusCode::UNAUTHORIZED,
                "stale_timestamp",
                "时间戳超出允许范围，请校准时钟后重新签名发送",
                "The timestamp is outside the accepted window; check the clock, sign again and resend",
            ),
            Replayed => (
                StatusCode::CONFLICT,
                "replayed",
                "该消息已收到过（重放）；重发时请使用新的时间戳重新签名",
                "This message was received before (replay); sign again with a new timestamp to resend",
            ),
            OrderConflict => (
                StatusCode::CONFLICT,
                "order_id_conflict",
                "该工单编号已用于内容不同的另一份工单",
                "This order_id was already used for an order with different content",
            ),
            Invalid(_) => (
                StatusCode::BAD_REQUEST,
                "invalid_order",
                "工单内容有误，详见 fields",
                "The order is invalid; see fields",
            ),
            Api(e) => {
                let (status, body) = e.parts();
                if status.is_server_error() {
                    tracing::error!(error = %e, "exchange request failed");
                }
                return (status, axum::Json(body)).into_response();
            }
        };
        let fields = match &self {
            Invalid(f) => f.as_slice(),
            _ => &[],
        };
        (
            status,
            axum::Json(Body {
                code,
                message_zh: zh,
                message_en: en,
                fields,
            }),
        )
            .into_response()
    }
}
