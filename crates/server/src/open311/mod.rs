//! Open311 GeoReport v2 at `/open311/v2/`: an interoperability layer over the case engine. A
//! request posted here is registered like any other case (channel `open311`, hotline flow, the
//! system actor named after the client); the GET side shows only cases that came in through
//! Open311, and never who sent them. Mapping choices are in docs/open311.md.

pub mod admin;
pub mod format;
pub mod requests;
mod services;

use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use format::{Doc, Fail, Fmt};
use minsheng_core::region::Directory;

pub fn routes() -> Routes {
    let v2 = routes![
        "/{file}" => get(top_get).post(top_post),
        "/services/{file}" => get(services::definition),
        "/requests/{file}" => get(requests::one),
        "/tokens/{file}" => get(token),
    ]
    .map(|r| r.fallback(unknown));
    routes!["/api/v1/admin/open311/clients" => get(admin::list).post(admin::create)]
        .nest("/open311/v2", v2)
}

/// Form or query pairs with empty values dropped: the spec treats an empty optional argument
/// exactly like an absent one.
pub fn pairs(raw: &[u8]) -> Result<Vec<(String, String)>, Fail> {
    let all: Vec<(String, String)> = serde_urlencoded::from_bytes(raw).map_err(|_| {
        Fail::bad(
            "参数编码无效",
            "The arguments are not valid form-urlencoded text",
        )
    })?;
    Ok(all
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect())
}

pub fn arg<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
}

/// A `jurisdiction_id`, when given, is a region code of the directory; unknown ones are a 404.
pub(crate) fn check_jurisdiction(dir: &Directory, p: &[(String, String)]) -> Result<(), Fail> {
    match arg(p, "jurisdiction_id") {
        Some(j) if dir.region(j).is_err() => Err(Fail::not_found(
            "未知的 jurisdiction_id（应为行政区划代码）",
            "Unknown jurisdiction_id (use a region code)",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn respond(fmt: Fmt, r: Result<Doc, Fail>) -> Response {
    match r {
        Ok(doc) => doc.render(StatusCode::OK, fmt),
        Err(f) => f.render(fmt),
    }
}

fn not_found_fmt(fmt: Fmt) -> Response {
    Fail::not_found("未找到该资源", "No such resource").render(fmt)
}

async fn top_get(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((stem, fmt)) = Fmt::split(&file) else {
        return unknown().await;
    };
    let p = match pairs(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(f) => return f.render(fmt),
    };
    match stem {
        "discovery" => respond(fmt, Ok(services::discovery(&headers))),
        "services" => respond(fmt, services::list(&st, &p)),
        "requests" => respond(fmt, requests::list(&st, &p).await),
        _ => not_found_fmt(fmt),
    }
}

async fn top_post(
    State(st): State<AppState>,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    match Fmt::split(&file) {
        Some(("requests", fmt)) => respond(fmt, requests::create(&st, &body).await),
        Some((_, fmt)) => not_found_fmt(fmt),
        None => unknown().await,
    }
}

/// A request is answered with its id at once, unless the spam screen held it: then POST returns
/// a `token` (the held submission's id), looked up here. While it waits for a reviewer the
/// answer has the token alone; once released it has the `service_request_id` too; a rejected or
/// unknown token is a 404.
async fn token(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((token, fmt)) = Fmt::split(&file) else {
        return unknown().await;
    };
    respond(fmt, token_doc(&st, token).await)
}

async fn token_doc(st: &AppState, token: &str) -> Result<Doc, Fail> {
    use format::Node;
    use minsheng_store::held::{HeldKind, HeldStatus};
    let unknown = || Fail::not_found("未知的 token", "Unknown token");
    let id = uuid::Uuid::parse_str(token).map_err(|_| unknown())?;
    let held = match st.store.held_submission(id).await? {
        Some(h) if h.kind == HeldKind::Open311 => h,
        _ => return Err(unknown()),
    };
    let number = match (held.status, held.case_id) {
        (HeldStatus::Rejected, _) => {
            return Err(Fail::not_found(
                "该诉求经审核被认定为广告或垃圾信息，未予登记",
                "The request was judged to be advertising or spam and was not registered",
            ));
        }
        (HeldStatus::Released, Some(case)) => {
            st.store.get_case(case).await?.map(|c| c.number.clone())
        }
        _ => None,
    };
    let mut fields = Vec::with_capacity(3);
    match number {
        Some(n) => fields.push(("service_request_id", n.into())),
        None => fields.push((
            "service_notice",
            "内容审核中，审核通过后登记 / In content review; registered once released".into(),
        )),
    }
    fields.push(("token", token.to_string().into()));
    Ok(Doc {
        root: "service_requests",
        body: Node::List(vec![Node::Obj(fields)]),
    })
}

/// Unknown paths and format suffixes: 404 in the spec's error shape (JSON, as no format was
/// recognised).
async fn unknown() -> Response {
    not_found_fmt(Fmt::Json)
}
