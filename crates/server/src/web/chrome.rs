//! What every page shares: the language (Chinese by default, English by a remembered switch), the
//! signed-in staff member if any, and rendering of pages and error pages.

use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minsheng_core::access::Role;

pub const LANG_COOKIE: &str = "ms_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie_header(parts: &Parts) -> Lang {
        Self::from_headers(&parts.headers)
    }

    pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
        for h in headers.get_all(header::COOKIE) {
            let Ok(v) = h.to_str() else { continue };
            for pair in v.split(';') {
                if let Some((k, val)) = pair.trim().split_once('=')
                    && k == LANG_COOKIE
                {
                    return if val == "en" { Lang::En } else { Lang::Zh };
                }
            }
        }
        Lang::Zh
    }
}

/// The staff member shown in the header.
#[derive(Debug, Clone)]
pub struct StaffBar {
    pub name: String,
    pub role: Role,
    pub unit_zh: String,
    pub unit_en: String,
}

impl StaffBar {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Reviews the online submissions the spam screen held (abuse::held::may_review).
    pub fn can_review_held(&self) -> bool {
        matches!(
            self.role,
            Role::Intake | Role::Coordinator | Role::Supervisor | Role::Admin
        )
    }

    /// Works cases (queue, search, case pages, knowledge base, suggestions): not the analyst.
    pub fn reads_cases(&self) -> bool {
        minsheng_core::access::reads_cases(&self.actor())
    }

    pub fn reads_statistics(&self) -> bool {
        minsheng_core::access::can_read_statistics(&self.actor())
    }

    pub fn is_grid_worker(&self) -> bool {
        self.role == Role::GridWorker
    }

    pub fn is_analyst(&self) -> bool {
        self.role == Role::Analyst
    }

    /// Only the role matters to the navigation rules.
    fn actor(&self) -> minsheng_core::access::Actor {
        minsheng_core::access::Actor {
            user_id: None,
            name: self.name.clone(),
            role: self.role,
            unit: None,
        }
    }

    pub fn can_register(&self) -> bool {
        matches!(self.role, Role::Intake | Role::Coordinator)
    }
}

/// Page context shared by every template.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    /// The current path, for the language switch to come back to.
    pub path: String,
    pub staff: Option<StaffBar>,
    /// The CSRF token every form and the `csrf-token` meta tag carry (`crate::csrf`).
    pub csrf: String,
}

impl Chrome {
    /// The string in the page's language; both must always be given.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Like `t` for owned strings (names from the directory, formatted messages).
    pub fn pick(&self, zh: &str, en: &str) -> String {
        self.t(zh, en).to_string()
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn html_lang(&self) -> &'static str {
        self.t("zh-CN", "en")
    }

    pub fn switch_href(&self) -> String {
        let to = if self.en() { "zh" } else { "en" };
        format!("/lang/{to}?next={}", urlencode(&self.path))
    }

    pub fn is_staff(&self) -> bool {
        self.staff.is_some()
    }

    /// A formatted China-time timestamp.
    pub fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&minsheng_core::deadline::china())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn date(&self, d: &chrono::NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    /// An error's message in this language, with the article when a rule refused.
    pub fn message(&self, err: &ApiError) -> String {
        let (_, body) = err.parts();
        let mut msg = self.pick(&body.message_zh, &body.message_en);
        if let Some(a) = body.article {
            msg.push_str(&format!(" （{a}）"));
        }
        msg
    }

    /// Renders an error as a page in this language, keeping the status code.
    pub fn error_page(&self, err: ApiError) -> Response {
        if matches!(err, ApiError::Unauthenticated) {
            return Redirect::to(&format!("/staff/login?next={}", urlencode(&self.path)))
                .into_response();
        }
        let (status, body) = err.parts();
        if status.is_server_error() {
            tracing::error!(error = %err, "page failed");
        }
        let page = ErrorPage {
            c: self.clone(),
            status: status.as_u16(),
            message: self.pick(&body.message_zh, &body.message_en),
            article: body.article,
        };
        (status, render(&page)).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// Renders a template; a template failure is a 500, never a panic.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Runs a page body and turns its error into an error page in the visitor's language.
pub fn respond(c: &Chrome, r: Result<Response, ApiError>) -> Response {
    r.unwrap_or_else(|e| c.error_page(e))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
    article: Option<String>,
}

fn csrf_token(parts: &Parts) -> String {
    parts
        .extensions
        .get::<crate::csrf::Token>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

fn current_path(parts: &Parts) -> String {
    let p = parts.uri.path();
    // Only paths of our own, so the language switch cannot be turned into an open redirect.
    if p.starts_with('/') && !p.starts_with("//") {
        p.to_string()
    } else {
        "/".into()
    }
}

/// A visitor (citizen or staff) on any page.
pub struct Web(pub Chrome);

impl FromRequestParts<AppState> for Web {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await.ok();
        Ok(Web(Chrome {
            lang: Lang::from_cookie_header(parts),
            path: current_path(parts),
            staff: staff.map(|s| staff_bar(state, &s)),
            csrf: csrf_token(parts),
        }))
    }
}

fn staff_bar(st: &AppState, s: &Staff) -> StaffBar {
    let dir = st.directory();
    let unit = s.user.unit.as_deref().and_then(|u| dir.unit(u).ok());
    StaffBar {
        name: s.user.display_name.clone(),
        role: s.user.role,
        unit_zh: unit.map(|u| u.name_zh.clone()).unwrap_or_default(),
        unit_en: unit.map(|u| u.name_en.clone()).unwrap_or_default(),
    }
}

/// A signed-in staff member on a workbench page; others are sent to the sign-in page.
pub struct WebStaff {
    pub staff: Staff,
    pub c: Chrome,
}

impl FromRequestParts<AppState> for WebStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let path = current_path(parts);
        match Staff::from_request_parts(parts, state).await {
            Ok(staff) => Ok(WebStaff {
                c: Chrome {
                    lang: Lang::from_cookie_header(parts),
                    path,
                    staff: Some(staff_bar(state, &staff)),
                    csrf: csrf_token(parts),
                },
                staff,
            }),
            Err(ApiError::Unauthenticated) => Err(Redirect::to(&format!(
                "/staff/login?next={}",
                urlencode(&path)
            ))
            .into_response()),
            // Signed in but refused (an analyst outside its pages) or the store failed: an error
            // page, not the sign-in page, which would send the visitor round in a circle.
            Err(e) => Err(Chrome {
                lang: Lang::from_cookie_header(parts),
                path,
                staff: None,
                csrf: csrf_token(parts),
            }
            .error_page(e)),
        }
    }
}
