//! (being written)
use axum::response::Response;
use axum::http::StatusCode;
use axum::response::IntoResponse;
pub async fn overview() -> Response { StatusCode::NOT_FOUND.into_response() }
pub async fn add_user() -> Response { StatusCode::NOT_FOUND.into_response() }
