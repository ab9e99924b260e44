//! Extractors whose rejections speak our error format (code + Chinese + English).

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// JSON body.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::bad(
            "unsupported_media_type",
            "请求体必须是 JSON（Content-Type: application/json）",
            "The body must be JSON (Content-Type: application/json)",
        ),
        JsonRejection::JsonDataError(e) => ApiError::bad(
            "invalid_json_fields",
            format!("JSON 字段不符合要求：{}", e.body_text()),
            format!("JSON fields are not as expected: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad(
            "invalid_json",
            "请求体不是有效的 JSON",
            "The body is not valid JSON",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::TooLarge
        }
        JsonRejection::BytesRejection(_) => ApiError::bad(
            "body_unreadable",
            "请求体无法读取或过大",
            "The body could not be read or is too large",
        ),
        _ => ApiError::bad("invalid_body", "请求体无效", "Invalid request body"),
    }
}

/// Query string.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::bad(
        "invalid_query",
        format!("查询参数无效：{}", e.body_text()),
        format!("Invalid query parameters: {}", e.body_text()),
    )
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(path_rejection(e)),
        }
    }
}

fn path_rejection(e: PathRejection) -> ApiError {
    ApiError::bad(
        "invalid_path",
        format!("路径参数无效：{}", e.body_text()),
        format!("Invalid path parameter: {}", e.body_text()),
    )
}

/// Parses a JSON body read as bytes (handlers that also hash the body for idempotency).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad(
            "invalid_json",
            format!("请求体无效：{e}"),
            format!("Invalid request body: {e}"),
        )
    })
}

/// The raw body (handlers that hash it for idempotency), with our rejections.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let essence = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !(essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json")))
        {
            return Err(ApiError::bad(
                "unsupported_media_type",
                "请求体必须是 JSON（Content-Type: application/json）",
                "The body must be JSON (Content-Type: application/json)",
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::bad(
                        "body_unreadable",
                        "请求体无法读取",
                        "The body could not be read",
                    )
                }
            })
    }
}
