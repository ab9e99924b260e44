//! The web pages: the citizen portal (no login) and the staff workbench, rendered on the server
//! from askama templates compiled into the binary, with vendored htmx for small enhancements.
//! Every visible string is given in Chinese and English (`Chrome::t`); Chinese is the default,
//! and the switch is remembered in a cookie.

pub mod admin;
pub mod alerts;
pub mod assets;
pub mod casework;
pub mod chrome;
pub mod dashboard;
pub mod documents;
pub mod export;
pub mod forms;
pub mod guard;
pub mod held;
pub mod insight;
pub mod intake;
pub mod knowledge;
pub mod listexport;
pub mod period;
pub mod portal;
pub mod present;
pub mod reports;
pub mod search;
pub mod sections;
pub mod statview;
pub mod suggest;
pub mod supervision;
pub mod transparency;
pub mod typical;
pub mod workbench;

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrome::{LANG_COOKIE, Lang};

/// The pages; every state-changing request passes `guard` (Origin and CSRF token) first.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/submit", get(portal::submit_form).post(portal::submit))
        .route("/track", get(portal::track_form).post(portal::track))
        .route("/track/act", post(portal::act))
        .route("/lang/{lang}", get(switch_lang))
        .route("/open", get(transparency::open_page))
        .route("/kb", get(knowledge::public_list))
        .route("/kb/{id}", get(knowledge::public_article))
        .route("/staff/kb", get(knowledge::staff_list))
        .route("/staff/kb/new", get(knowledge::new_form))
        .route("/staff/kb/{id}/edit", get(knowledge::edit_form))
        .route("/staff/kb/save", post(knowledge::save))
        .route("/static/{*file}", get(assets::serve))
        .merge(suggest::router())
        .route(
            "/staff/login",
            get(workbench::login_form).post(workbench::login),
        )
        .route("/staff/logout", post(workbench::logout))
        .route("/staff", get(workbench::queue))
        .route("/staff/search", get(search::search))
        .route("/staff/cases/{id}", get(casework::case_page))
        .route("/staff/cases/{id}/act", post(casework::act))
        .route("/staff/cases/{id}/reveal", post(casework::reveal))
        .route(
            "/staff/cases/{id}/typical",
            get(typical::form).post(typical::publish),
        )
        .route(
            "/staff/cases/{id}/typical/withdraw",
            post(typical::withdraw),
        )
        .route(
            "/staff/cases/{id}/documents/{doc}",
            get(documents::document),
        )
        .route("/staff/intake", get(intake::console).post(intake::register))
        .route("/staff/intake/history", post(intake::history))
        .route("/staff/intake/preview", post(intake::preview))
        .route("/staff/alerts", get(alerts::list))
        .route("/staff/alerts/stream", get(crate::alerts::api::stream))
        .route("/staff/alerts/{id}", get(alerts::detail))
        .route("/staff/alerts/{id}/act", post(alerts::act))
        .route("/staff/supervision", get(supervision::overview))
        .route("/staff/supervision/act", post(supervision::act))
        .route("/staff/dashboard", get(dashboard::dashboard))
        .route("/staff/reports/annual", get(reports::annual))
        .route("/staff/held", get(held::queue))
        .route("/staff/held/{id}/release", post(held::release))
        .route("/staff/held/{id}/reject", post(held::reject))
        .route("/staff/admin", get(admin::overview))
        .route("/staff/admin/users", post(admin::add_user))
        .route("/staff/admin/users/active", post(admin::set_user_active))
        .route("/staff/admin/units", post(admin::add_unit))
        .route("/staff/admin/dispatch", post(admin::set_dispatch))
        .merge(crate::grids::web::router())
        .route("/staff/intake/calls", get(crate::telephony::stream::stream))
        .merge(crate::telephony::callbacks::router())
        .layer(axum::middleware::from_fn_with_state(state, guard::guard))
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Sets the language cookie (a year) and goes back to the page the visitor was on.
async fn switch_lang(
    axum::extract::Path(lang): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<Next>,
) -> Response {
    let lang = if lang == "en" { Lang::En } else { Lang::Zh };
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let value = match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    };
    let mut resp = Redirect::to(&next).into_response();
    if let Ok(v) = format!("{LANG_COOKIE}={value}; Path=/; Max-Age=31536000; SameSite=Lax").parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
