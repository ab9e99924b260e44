//! minsheng-server: the HTTP service. `Application::build` binds any address (port 0 in tests)
//! and serves the JSON API with the real store.

pub mod abuse;
pub mod alerts;
pub mod api;
pub mod auth;
pub mod cookies;
pub mod csrf;
pub mod demo;
pub mod error;
pub mod exchange;
pub mod extract;
pub mod grids;
pub mod kpi;
pub mod notify;
pub mod open311;
pub mod outbox;
pub mod routes;
pub mod service;
pub mod state;
pub mod suggest;
pub mod telephony;
pub mod textindex;
pub mod tls;
pub mod topics;
pub mod views;
pub mod web;

pub use auth::PasswordParams;
pub use state::{AppState, Projections};

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// No inline script or style anywhere, nothing from other origins, no framing: user text that
/// slipped through escaping still could not run, and pages cannot be overlaid elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Request bodies above this are refused (413): a petition with long facts fits easily.
pub const MAX_BODY: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    exchange::install(&state);
    let guard = axum::middleware::from_fn_with_state(state.clone(), web::guard::guard);
    all_routes(|pages| pages.layer(guard))
        .into_router()
        .fallback(api::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            abuse::ratelimit::limit_public,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cookies::mark_secure,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(reject_control_chars_in_uri))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::Internal("panic".into()).into_response()
        }))
        .layer(TraceLayer::new_for_http())
}

/// Every route the server serves, as (method, full path): the access matrix and the OpenAPI
/// document are tested against it.
pub fn routes() -> Vec<(Method, String)> {
    all_routes(|pages| pages).list().to_vec()
}

/// The one place the application's routers come together; `web_guard` wraps the web pages
/// (`router` passes the CSRF guard, which needs the state that `routes` does not have).
fn all_routes(web_guard: impl FnOnce(Router<AppState>) -> Router<AppState>) -> routes::Routes {
    routes::routes!["/healthz" => get(healthz)]
        .nest("/api/v1", api::routes())
        .merge(suggest::api::routes())
        .merge(open311::routes())
        .merge(alerts::api::routes())
        .merge(grids::api::routes())
        .merge(exchange::routes())
        .merge(telephony::api::routes())
        .merge(web::routes().map(web_guard))
}

async fn healthz(axum::extract::State(st): axum::extract::State<AppState>) -> impl IntoResponse {
    match st.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// NUL and other control characters in a path or query string are never meaningful, and
/// PostgreSQL refuses NUL in text: turn them away at the door with a 400.
async fn reject_control_chars_in_uri(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if percent_decoded_has_control(&req.uri().to_string()) {
        return error::ApiError::bad(
            "invalid_characters",
            "地址中含有不允许的控制字符",
            "The address contains control characters that are not allowed",
        )
        .into_response();
    }
    next.run(req).await
}

fn percent_decoded_has_control(uri: &str) -> bool {
    let b = uri.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let mut byte = b[i];
        if byte == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            byte = v;
            i += 2;
        }
        if byte < 0x20 || byte == 0x7f {
            return true;
        }
        i += 1;
    }
    false
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(error::ErrorBody {
            code: "method_not_allowed".into(),
            message_zh: "该地址不支持此请求方法".into(),
            message_en: "This method is not allowed on this path".into(),
            article: None,
        }),
    )
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Application {
    pub async fn bind(addr: &str, state: AppState) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            router: router(state),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }

    /// Runs until `shutdown` resolves (tests).
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_in_uris() {
        use super::percent_decoded_has_control as bad;
        assert!(bad("/api/v1/cases/%00"));
        assert!(bad("/api/v1/cases?unit=a%0Ab"));
        assert!(!bad("/api/v1/cases?unit=%E4%B8%AD&x=100%25"));
        assert!(!bad("/api/v1/cases/%"));
    }
}
