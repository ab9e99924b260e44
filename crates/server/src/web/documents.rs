//! (being written)
use axum::response::Response;
use axum::http::StatusCode;
use axum::response::IntoResponse;
pub async fn document() -> Response { StatusCode::NOT_FOUND.into_response() }
