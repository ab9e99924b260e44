//! Cross-site request forgery tokens: OWASP's "signed double-submit cookie".
//!
//! The browser holds a random value in an HttpOnly, SameSite=Strict cookie (`ms_csrf`). Pages
//! carry a token derived from it: a keyed BLAKE3 MAC over that value and the session cookie
//! (empty when signed out), under a key derived from the deployment's master key. A
//! state-changing request must send the token back (form field `csrf_token` or header
//! `X-CSRF-Token`), and it must match the one computed from the cookies it arrives with.
//!
//! Why a MAC bound to the session rather than the plain cookie value: a plain double-submit
//! can be beaten by anyone able to plant a cookie (a sibling sub-domain, a plain-HTTP hop), who
//! then submits the value they planted. Here a planted cookie is useless without the matching
//! MAC, which needs the server key, and a token taken from one session fails in any other, so
//! a leaked page cannot be replayed against another officer. Signing in or out changes the
//! session and so the token: pages rendered before it must be reloaded, as in most frameworks.
//! The key is derived from the master key (through the store's keyed hash) so that several
//! nodes behind a load balancer accept each other's tokens and a restart keeps them valid.

use crate::auth::SESSION_COOKIE;
use crate::cookies;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

pub const COOKIE: &str = "ms_csrf";
pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";

/// The token for the current request's pages (meta tag, hidden form fields).
#[derive(Debug, Clone)]
pub struct Token(pub String);

/// Marker set by the web guard on every request it handles: it already decided on the token,
/// so the staff extractor need not check again.
#[derive(Debug, Clone, Copy)]
pub struct Guarded;

/// Requests that may change something. Anything but these reads needs a token.
pub fn changes_state(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The browser's random value from its cookie, if it is one we could have issued.
pub fn browser_value(headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

/// A fresh random value for a browser without one.
pub fn mint() -> Result<String, ApiError> {
    let bytes: [u8; 32] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The cookie carrying the browser's value; it lasts as long as the browser session.
pub fn cookie_header(value: &str) -> String {
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict")
}

fn key(st: &AppState) -> [u8; 32] {
    // The store's keyed hash is a PRF under a key derived from the master key; its output on
    // a fixed label is a secret of this deployment, from which the CSRF key is derived apart
    // from every other use.
    let secret = st.store.sealer().blind_index("csrf", "mac key");
    blake3::derive_key("minsheng 2026 csrf token", secret.as_bytes())
}

/// The token for a browser value and the session cookie sent with it.
pub fn token(st: &AppState, browser: &str, session: Option<&str>) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(&key(st));
    h.update(browser.as_bytes());
    h.update(&[0]);
    h.update(session.unwrap_or("").as_bytes());
    h.finalize()
}

/// The token a request with these headers must carry, given the browser value it holds.
pub fn expected(st: &AppState, headers: &HeaderMap, browser: &str) -> blake3::Hash {
    token(st, browser, cookies::get(headers, SESSION_COOKIE))
}

/// Whether a submitted token is the expected one; `blake3::Hash` compares in constant time.
pub fn matches(expected: &blake3::Hash, submitted: &str) -> bool {
    blake3::Hash::from_hex(submitted.trim()).is_ok_and(|h| h == *expected)
}

/// For the JSON APIs: a state-changing request signed in by the session cookie (not a bearer
/// token) must carry the token in the `X-CSRF-Token` header. Web routes are left to the guard.
pub fn check_cookie_request(parts: &Parts, st: &AppState) -> Result<(), ApiError> {
    if !changes_state(&parts.method) || parts.extensions.get::<Guarded>().is_some() {
        return Ok(());
    }
    let ok = browser_value(&parts.headers).is_some_and(|b| {
        let want = expected(st, &parts.headers, &b);
        parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| matches(&want, v))
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::CsrfRefused { cross_site: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_are_exempt() {
        assert!(!changes_state(&Method::GET));
        assert!(!changes_state(&Method::HEAD));
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::PUT));
        assert!(changes_state(&Method::DELETE));
        assert!(changes_state(&Method::PATCH));
    }

    #[test]
    fn submitted_tokens_must_be_the_exact_hash() {
        let h = blake3::hash(b"x");
        assert!(matches(&h, &h.to_hex()));
        assert!(matches(&h, &format!(" {} ", h.to_hex())));
        assert!(!matches(&h, &blake3::hash(b"y").to_hex()));
        assert!(!matches(&h, ""));
        assert!(!matches(&h, &h.to_hex()[..63]));
        assert!(!matches(&h, "not hex at all"));
    }

    #[test]
    fn browser_values_we_never_issued_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            axum::http::HeaderValue::from_static("ms_csrf=short"),
        );
        assert_eq!(browser_value(&h), None);
        let v = mint().expect("random");
        h.insert(
            axum::http::header::COOKIE,
            axum::http::HeaderValue::from_str(&format!("ms_csrf={v}")).expect("header"),
        );
        assert_eq!(browser_value(&h), Some(v));
    }
}
