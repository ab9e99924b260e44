//! The web router's door for state-changing requests: the Origin must be ours and the CSRF
//! token (`crate::csrf`) must match the browser's cookie and session. A browser's first visit
//! gets its cookie here, on whatever page it opens first.

use super::chrome::Web;
use crate::csrf;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (browser, minted) = match csrf::browser_value(req.headers()) {
        Some(v) => (v, false),
        None => match csrf::mint() {
            Ok(v) => (v, true),
            Err(e) => return e.into_response(),
        },
    };
    let expected = csrf::expected(&st, req.headers(), &browser);
    let mut req = req;
    req.extensions_mut().insert(csrf::Guarded);
    req.extensions_mut()
        .insert(csrf::Token(expected.to_hex().to_string()));
    let mut resp = if csrf::changes_state(req.method()) {
        // Checked even with a good token: a page of ours framed or scripted elsewhere is
        // still refused, as before tokens existed.
        let cross_site = !origin_matches(req.headers());
        let (req, submitted) = match submitted_token(req).await {
            Ok(r) => r,
            Err(e) => return with_cookie(e.into_response(), minted.then_some(&browser)),
        };
        // A freshly minted value was never on a page, so nothing sent with it can be valid.
        let valid = !minted && submitted.is_some_and(|s| csrf::matches(&expected, &s));
        if cross_site || !valid {
            tracing::info!(path = req.uri().path(), cross_site, "CSRF check refused");
            refusal(&st, req, cross_site).await
        } else {
            next.run(req).await
        }
    } else {
        next.run(req).await
    };
    if minted {
        resp = with_cookie(resp, Some(&browser));
    }
    resp
}

fn with_cookie(mut resp: Response, browser: Option<&String>) -> Response {
    if let Some(v) = browser
        && let Ok(h) = HeaderValue::from_str(&csrf::cookie_header(v))
    {
        resp.headers_mut().append(header::SET_COOKIE, h);
    }
    resp
}

/// The token from the `X-CSRF-Token` header (htmx, scripts) or the form's `csrf_token` field.
/// The field is taken out of the body handed on, byte for byte otherwise the same, so handlers
/// see the form they saw before tokens existed (some hash it for idempotency, some turn every
/// field into a command).
async fn submitted_token(req: Request) -> Result<(Request, Option<String>), ApiError> {
    let header_token = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart && header_token.is_none() {
        // A file upload form (site-visit photos) carries the token as its first field; the
        // body is handed on unchanged and the handler ignores the field.
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, crate::grids::photos::MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        let token = multipart_token(&bytes);
        return Ok((Request::from_parts(parts, Body::from(bytes)), token));
    }
    if !is_form {
        return Ok((req, header_token));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY)
        .await
        .map_err(|_| ApiError::TooLarge)?;
    let (rest, field_token) = take_field(&bytes);
    Ok((
        Request::from_parts(parts, Body::from(rest)),
        header_token.or(field_token),
    ))
}

/// The `csrf_token` field of a multipart body: the part named so, up to the next boundary.
fn multipart_token(body: &[u8]) -> Option<String> {
    let marker = format!("name=\"{}\"", csrf::FIELD);
    let at = find(body, marker.as_bytes())?;
    let rest = &body[at..];
    let start = find(rest, b"\r\n\r\n")? + 4;
    let len = find(&rest[start..], b"\r\n")?;
    let value = std::str::from_utf8(&rest[start..start + len]).ok()?.trim();
    (value.len() <= 128).then(|| value.to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits the `csrf_token` field off a form body: the other fields as sent, and its value.
fn take_field(body: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut rest: Vec<&[u8]> = Vec::new();
    let mut token = None;
    for field in body.split(|b| *b == b'&') {
        let pair = serde_urlencoded::from_bytes::<Vec<(String, String)>>(field)
            .ok()
            .and_then(|p| p.into_iter().next());
        match pair {
            Some((k, v)) if k == csrf::FIELD => {
                token.get_or_insert(v);
            }
            _ => rest.push(field),
        }
    }
    (rest.join(&b'&'), token)
}

/// 403 as a page in the visitor's language, or as JSON for a client that asked for JSON.
async fn refusal(st: &AppState, req: Request, cross_site: bool) -> Response {
    let err = ApiError::CsrfRefused { cross_site };
    if wants_json(req.headers()) {
        return err.into_response();
    }
    let (mut parts, _) = req.into_parts();
    let Ok(Web(c)) = Web::from_request_parts(&mut parts, st).await;
    c.error_page(err)
}

fn wants_json(h: &HeaderMap) -> bool {
    let accept = h
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// Form posts must come from our own pages when the browser says where they come from (all
/// current ones do on POST).
fn origin_matches(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

#[cfg(test)]
mod tests {
    use super::take_field;

    #[test]
    fn the_token_field_is_taken_out_and_the_rest_kept_as_sent() {
        let (rest, t) = take_field(b"a=%E4%B8%AD+x&csrf_token=abc&b=2");
        assert_eq!(rest, b"a=%E4%B8%AD+x&b=2");
        assert_eq!(t.as_deref(), Some("abc"));
        let (rest, t) = take_field(b"csrf%5Ftoken=abc&csrf_token=def");
        assert_eq!(rest, b"");
        assert_eq!(t.as_deref(), Some("abc"));
        let (rest, t) = take_field(b"a=1");
        assert_eq!((rest.as_slice(), t), (&b"a=1"[..], None));
    }
}
