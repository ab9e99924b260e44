//! (being written)
use axum::response::Response;
use axum::http::StatusCode;
use axum::response::IntoResponse;
pub async fn console() -> Response { StatusCode::NOT_FOUND.into_response() }
pub async fn register() -> Response { StatusCode::NOT_FOUND.into_response() }
pub async fn history() -> Response { StatusCode::NOT_FOUND.into_response() }
pub async fn preview() -> Response { StatusCode::NOT_FOUND.into_response() }
