//! Reading request cookies, and marking every cookie we set `Secure` when the deployment says
//! it is served over HTTPS.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The first value of cookie `name` in the request, as browsers send it.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Middleware: behind HTTPS every cookie gets `Secure`, so a session or CSRF cookie never
/// travels over a plain-HTTP hop an attacker could read. Done once here rather than in each
/// place that builds a cookie, so a new cookie cannot forget it.
pub async fn mark_secure(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if !st.secure_cookies {
        return resp;
    }
    let set: Vec<HeaderValue> = resp
        .headers_mut()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if set.is_empty() {
        return resp;
    }
    resp.headers_mut().remove(header::SET_COOKIE);
    for v in set {
        let secured = match v.to_str() {
            Ok(s) if !s.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(v)
            }
            _ => v,
        };
        resp.headers_mut().append(header::SET_COOKIE, secured);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_named_cookie_among_several_headers() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; ms_csrf=abc"));
        h.append(header::COOKIE, HeaderValue::from_static("ms_csrf=later"));
        assert_eq!(get(&h, "ms_csrf"), Some("abc"));
        assert_eq!(get(&h, "a"), Some("1"));
        assert_eq!(get(&h, "ms_csr"), None);
        assert_eq!(get(&HeaderMap::new(), "a"), None);
    }
}
