//! The JSON API under `/api/v1`, its OpenAPI document and a docs page.

pub mod admin;
pub mod auth;
pub mod cases;
pub mod directory;
pub mod public;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "minsheng 民声 API", version = "1",
        description = "Petitions (信访), 12345 hotline work orders and people's suggestions. Errors are JSON: {code, message_zh, message_en}."),
    paths(
        auth::login, auth::logout, auth::whoami,
        cases::create, cases::list, cases::get, cases::events, cases::command, cases::reveal, cases::by_phone,
        public::submit, public::track, public::act,
        directory::regions, directory::topics, directory::units, directory::dispatch, directory::policy,
        admin::create_user, admin::list_users,
    ),
    modifiers(&Security),
    tags((name = "cases", description = "Case intake, workflow and timeline (staff)"),
         (name = "public", description = "Citizen submission and tracking"),
         (name = "auth"), (name = "directory"), (name = "admin"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::whoami))
        .route("/cases", post(cases::create).get(cases::list))
        .route("/cases/{id}", get(cases::get))
        .route("/cases/{id}/events", get(cases::events))
        .route("/cases/{id}/commands", post(cases::command))
        .route("/cases/{id}/reveal", post(cases::reveal))
        .route("/petitioners/lookup", post(cases::by_phone))
        .route("/public/cases", post(public::submit))
        .route("/public/track", post(public::track))
        .route("/public/actions", post(public::act))
        .route("/regions", get(directory::regions))
        .route("/topics", get(directory::topics))
        .route("/units", get(directory::units))
        .route("/dispatch", get(directory::dispatch))
        .route("/policy", get(directory::policy))
        .route(
            "/admin/users",
            post(admin::create_user).get(admin::list_users),
        )
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
        .fallback(not_found)
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain, dependency-free reference page generated from the OpenAPI document.
async fn docs() -> impl IntoResponse {
    let doc = ApiDoc::openapi();
    let mut out = String::from(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>minsheng API 文档 / API reference</title>\
         <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
         code{background:#f3f3f3;padding:.1em .3em}.m{display:inline-block;width:4.5em;font-weight:bold}\
         li{margin:.3em 0}</style><h1>minsheng 民声 API</h1>\
         <p>机器可读文档 / machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>。\
         错误均为 JSON：<code>{code, message_zh, message_en}</code>。</p><ul>",
    );
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (m, op) in ops {
            if let Some(op) = op {
                out.push_str(&format!(
                    "<li><span class=\"m\">{m}</span><code>{}</code> — {}</li>",
                    esc(path),
                    esc(op.summary.as_deref().unwrap_or(""))
                ));
            }
        }
    }
    out.push_str("</ul></html>");
    // This generated page carries its own small inline stylesheet.
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        )],
        Html(out),
    )
}
