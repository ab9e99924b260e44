//! The JSON API under `/api/v1`, its OpenAPI document and a docs page.

pub mod admin;
pub mod auth;
pub mod cases;
pub mod directory;
pub mod public;

use crate::error::ApiError;
use crate::routes::{Routes, routes};
use axum::response::{Html, IntoResponse};
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
        crate::open311::admin::create, crate::open311::admin::list,
        crate::exchange::admin::create, crate::exchange::admin::list, crate::exchange::admin::set_active,
        crate::alerts::api::list, crate::alerts::api::one, crate::alerts::api::step,
        crate::suggest::api::create, crate::suggest::api::list, crate::suggest::api::one,
        crate::suggest::api::events, crate::suggest::api::command, crate::suggest::api::scoreboard,
        crate::suggest::api::review_bursts, crate::suggest::api::add_expert, crate::suggest::api::experts,
        crate::suggest::api::open_campaign, crate::suggest::api::staff_campaign,
        crate::suggest::api::campaign_command, crate::suggest::api::public_campaigns,
        crate::suggest::api::public_campaign, crate::suggest::api::public_submit,
        crate::suggest::api::track, crate::suggest::api::handoff, crate::suggest::api::withdraw,
        crate::suggest::api::published, crate::suggest::api::request_code,
        crate::suggest::api::add_support,
        crate::grids::api::save, crate::grids::api::list, crate::grids::api::set_workers,
        crate::grids::api::rates,
        crate::telephony::api::event,
    ),
    modifiers(&Security, &ClientErrors),
    tags((name = "cases", description = "Case intake, workflow and timeline (staff)"),
         (name = "public", description = "Citizen submission and tracking"),
         (name = "alerts", description = "Early-warning alerts (staff)"),
         (name = "suggestions", description = "People's suggestions and campaigns (staff)"),
         (name = "auth"), (name = "directory"), (name = "admin"),
         (name = "telephony", description = "Call events from the telephone system (machine token)"))
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

/// Every refusal of the API is a 4xx with the one error body, whatever the operation (a body
/// that is not JSON, a missing token, a rate limit…): say so once for every operation, so a
/// client (and schemathesis) can rely on it beside the statuses each operation lists.
struct ClientErrors;

impl utoipa::Modify for ClientErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder};
        let error = ResponseBuilder::new()
            .description("A refusal: {code, message_zh, message_en}")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("4XX".to_string())
                    .or_insert_with(|| RefOr::T(error.clone()));
            }
        }
    }
}

pub fn routes() -> Routes {
    routes![
        "/auth/login" => post(auth::login),
        "/auth/logout" => post(auth::logout),
        "/auth/me" => get(auth::whoami),
        "/cases" => post(cases::create).get(cases::list),
        "/cases/{id}" => get(cases::get),
        "/cases/{id}/events" => get(cases::events),
        "/cases/{id}/commands" => post(cases::command),
        "/cases/{id}/reveal" => post(cases::reveal),
        "/petitioners/lookup" => post(cases::by_phone),
        "/public/cases" => post(public::submit),
        "/public/track" => post(public::track),
        "/public/actions" => post(public::act),
        "/regions" => get(directory::regions),
        "/topics" => get(directory::topics),
        "/units" => get(directory::units),
        "/dispatch" => get(directory::dispatch),
        "/policy" => get(directory::policy),
        "/admin/users" => post(admin::create_user).get(admin::list_users),
        "/openapi.json" => get(openapi_json),
        "/docs" => get(docs),
    ]
    .map(|r| r.fallback(not_found))
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

#[cfg(test)]
mod tests {
    use super::ApiDoc;
    use axum::http::Method;
    use utoipa::OpenApi;

    #[test]
    fn enums_are_documented_as_the_api_writes_them() {
        // Found by schemathesis: the document said `Online` where responses carry `online`.
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serialises");
        let schemas = &doc["components"]["schemas"];
        for (name, value) in [
            ("Channel", "hotline_12345"),
            ("CaseKind", "accusation"),
            ("Status", "awaiting_acceptance"),
        ] {
            let values = schemas[name]["enum"].as_array().expect(name);
            assert!(values.iter().any(|v| v == value), "{name}: {values:?}");
        }
    }

    #[test]
    fn every_api_route_is_in_the_openapi_document() {
        let doc = ApiDoc::openapi();
        let mut found: Vec<(Method, String)> = crate::routes()
            .into_iter()
            .filter(|(_, p)| p.starts_with("/api/v1/"))
            .collect();
        // The document itself and its reference page are not API operations.
        found.retain(|(_, p)| p != "/api/v1/openapi.json" && p != "/api/v1/docs");
        assert!(found.len() > 40, "only {found:?}");
        let mut missing = Vec::new();
        for (method, path) in &found {
            let item = doc.paths.paths.get(path);
            let op = item.and_then(|i| match *method {
                Method::GET => i.get.as_ref(),
                Method::POST => i.post.as_ref(),
                Method::PUT => i.put.as_ref(),
                Method::DELETE => i.delete.as_ref(),
                _ => i.patch.as_ref(),
            });
            if op.is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
        assert!(
            missing.is_empty(),
            "not in the OpenAPI document: {missing:#?}"
        );
        // And nothing documented that no router serves.
        for path in doc.paths.paths.keys() {
            let served = found.iter().any(|(_, p)| p == path);
            assert!(served, "documented but not routed: {path}");
        }
    }
}
