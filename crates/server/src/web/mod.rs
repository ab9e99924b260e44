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

use crate::routes::{Routes, routes};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrome::{LANG_COOKIE, Lang};

/// The pages. Every state-changing request must pass `guard` (Origin and CSRF token) first:
/// `crate::router` wraps these routes in it.
pub fn routes() -> Routes {
    routes![
        "/" => get(portal::home),
        "/submit" => get(portal::submit_form).post(portal::submit),
        "/track" => get(portal::track_form).post(portal::track),
        "/track/act" => post(portal::act),
        "/lang/{lang}" => get(switch_lang),
        "/open" => get(transparency::open_page),
        "/kb" => get(knowledge::public_list),
        "/kb/{id}" => get(knowledge::public_article),
        "/staff/kb" => get(knowledge::staff_list),
        "/staff/kb/new" => get(knowledge::new_form),
        "/staff/kb/{id}/edit" => get(knowledge::edit_form),
        "/staff/kb/save" => post(knowledge::save),
        "/static/{*file}" => get(assets::serve),
        "/staff/login" => get(workbench::login_form).post(workbench::login),
        "/staff/logout" => post(workbench::logout),
        "/staff" => get(workbench::queue),
        "/staff/search" => get(search::search),
        "/staff/cases/{id}" => get(casework::case_page),
        "/staff/cases/{id}/act" => post(casework::act),
        "/staff/cases/{id}/reveal" => post(casework::reveal),
        "/staff/cases/{id}/typical" => get(typical::form).post(typical::publish),
        "/staff/cases/{id}/typical/withdraw" => post(typical::withdraw),
        "/staff/cases/{id}/documents/{doc}" => get(documents::document),
        "/staff/intake" => get(intake::console).post(intake::register),
        "/staff/intake/history" => post(intake::history),
        "/staff/intake/preview" => post(intake::preview),
        "/staff/alerts" => get(alerts::list),
        "/staff/alerts/stream" => get(crate::alerts::api::stream),
        "/staff/alerts/{id}" => get(alerts::detail),
        "/staff/alerts/{id}/act" => post(alerts::act),
        "/staff/supervision" => get(supervision::overview),
        "/staff/supervision/act" => post(supervision::act),
        "/staff/dashboard" => get(dashboard::dashboard),
        "/staff/reports/annual" => get(reports::annual),
        "/staff/held" => get(held::queue),
        "/staff/held/{id}/release" => post(held::release),
        "/staff/held/{id}/reject" => post(held::reject),
        "/staff/admin" => get(admin::overview),
        "/staff/admin/users" => post(admin::add_user),
        "/staff/admin/users/active" => post(admin::set_user_active),
        "/staff/admin/units" => post(admin::add_unit),
        "/staff/admin/dispatch" => post(admin::set_dispatch),
        "/staff/intake/calls" => get(crate::telephony::stream::stream),
    ]
    .merge(suggest::routes())
    .merge(crate::grids::web::routes())
    .merge(crate::telephony::callbacks::routes())
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
