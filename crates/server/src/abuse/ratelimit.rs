//! Rate limits on the public endpoints: per network address for every public write (submit,
//! track attempts, citizen actions, Open311 posts, suggestion posts) and per phone number for
//! submissions. A citizen who is refused gets 429 with Retry-After and a message in both
//! languages; nothing is written. GCRA limiters from `governor`, keyed and kept in memory (one
//! process; a restart forgives everyone, which is acceptable for abuse control).

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

/// The numbers; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Public submissions (petitions, suggestions, Open311 requests) per address per minute.
    pub writes_per_minute: u32,
    /// Tracking attempts and citizen actions (rate, review) per address per minute: the query
    /// code is the secret, so guessing it must stay slow.
    pub tracks_per_minute: u32,
    /// Submissions per phone number per hour.
    pub per_phone_per_hour: u32,
    /// Take the client address from the first X-Forwarded-For entry (only behind a proxy that
    /// sets it; otherwise anyone could pick their own key).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            writes_per_minute: 10,
            tracks_per_minute: 30,
            per_phone_per_hour: 5,
            trust_forwarded_for: false,
        }
    }
}

impl Limits {
    /// No limits (load tests, the crash harness, tests that are about something else).
    pub fn off() -> Self {
        Limits {
            writes_per_minute: 0,
            tracks_per_minute: 0,
            per_phone_per_hour: 0,
            trust_forwarded_for: false,
        }
    }
}

/// What kind of public request this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Write,
    Track,
}

/// Classifies a request; `None` for everything that is not a public write.
pub fn classify(method: &Method, path: &str) -> Option<Class> {
    if method != Method::POST {
        return None;
    }
    match path {
        "/track" | "/track/act" | "/api/v1/public/track" | "/api/v1/public/actions" => {
            Some(Class::Track)
        }
        "/submit" | "/api/v1/public/cases" => Some(Class::Write),
        p if p.starts_with("/open311/") => Some(Class::Write),
        p if p.starts_with("/suggest") || p.starts_with("/api/v1/public/suggestions") => {
            Some(Class::Write)
        }
        _ => None,
    }
}

pub struct RateLimits {
    limits: Limits,
    writes: Option<DefaultKeyedRateLimiter<IpAddr>>,
    tracks: Option<DefaultKeyedRateLimiter<IpAddr>>,
    phones: Option<DefaultKeyedRateLimiter<String>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RateLimits({:?})", self.limits)
    }
}

fn keyed<K: std::hash::Hash + Eq + Clone>(
    quota: Option<Quota>,
) -> Option<DefaultKeyedRateLimiter<K>> {
    quota.map(RateLimiter::keyed)
}

impl RateLimits {
    pub fn new(limits: Limits) -> Self {
        let per_minute = |n: u32| NonZeroU32::new(n).map(Quota::per_minute);
        let per_hour = |n: u32| NonZeroU32::new(n).map(Quota::per_hour);
        RateLimits {
            limits,
            writes: keyed(per_minute(limits.writes_per_minute)),
            tracks: keyed(per_minute(limits.tracks_per_minute)),
            phones: keyed(per_hour(limits.per_phone_per_hour)),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn refuse<K: std::hash::Hash + Eq + Clone>(
        limiter: &Option<DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> Result<(), ApiError> {
        let Some(l) = limiter else { return Ok(()) };
        l.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyAttempts {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }

    /// Counts one public request from `addr`; refuses when the address is over its quota.
    pub fn check_address(&self, class: Class, addr: IpAddr) -> Result<(), ApiError> {
        match class {
            Class::Write => Self::refuse(&self.writes, &addr),
            Class::Track => Self::refuse(&self.tracks, &addr),
        }
    }

    /// Counts one submission for a phone (its keyed hash, never the number itself).
    pub fn check_phone(&self, phone_key: &str) -> Result<(), ApiError> {
        Self::refuse(&self.phones, &phone_key.to_string())
    }

    /// Forgets keys whose quota has fully recovered, so memory stays bounded.
    pub fn housekeep(&self) {
        if let Some(l) = &self.writes {
            l.retain_recent();
        }
        if let Some(l) = &self.tracks {
            l.retain_recent();
        }
        if let Some(l) = &self.phones {
            l.retain_recent();
        }
    }
}

/// The client's address: the socket's peer, or the first X-Forwarded-For hop when trusted.
pub fn client_addr(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded: bool) -> IpAddr {
    if trust_forwarded
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip())
}

/// Middleware: refuses public writes over the address quota before any handler runs.
pub async fn limit_public(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(class) = classify(req.method(), req.uri().path()) {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let addr = client_addr(
            req.headers(),
            peer,
            st.rate_limits.limits().trust_forwarded_for,
        );
        if let Err(e) = st.rate_limits.check_address(class, addr) {
            tracing::info!(%addr, path = req.uri().path(), "public rate limit");
            return refusal(&req, e);
        }
    }
    next.run(req).await
}

/// The refusal as JSON for the APIs, as a page in the visitor's language for the web forms;
/// both with Retry-After.
fn refusal(req: &Request, e: ApiError) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/open311/") {
        return e.into_response();
    }
    let retry = match &e {
        ApiError::TooManyAttempts { retry_after_secs } => *retry_after_secs,
        _ => 60,
    };
    let c = crate::web::chrome::Chrome {
        lang: crate::web::chrome::Lang::from_headers(req.headers()),
        path: "/".into(),
        staff: None,
        csrf: String::new(),
    };
    let mut resp = c.error_page(e);
    if let Ok(v) = axum::http::HeaderValue::from_str(&retry.to_string()) {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_only_public_writes() {
        assert_eq!(classify(&Method::POST, "/submit"), Some(Class::Write));
        assert_eq!(classify(&Method::POST, "/track"), Some(Class::Track));
        assert_eq!(
            classify(&Method::POST, "/open311/v2/requests.json"),
            Some(Class::Write)
        );
        assert_eq!(classify(&Method::GET, "/submit"), None);
        assert_eq!(classify(&Method::POST, "/staff/login"), None);
    }

    #[test]
    fn quota_then_refusal_with_retry_after() {
        let l = RateLimits::new(Limits {
            writes_per_minute: 3,
            ..Limits::default()
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            l.check_address(Class::Write, a).unwrap();
        }
        match l.check_address(Class::Write, a) {
            Err(ApiError::TooManyAttempts { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        l.check_address(Class::Write, b)
            .expect("another address has its own quota");
        let off = RateLimits::new(Limits::off());
        for _ in 0..1000 {
            off.check_address(Class::Write, a).unwrap();
        }
    }

    #[test]
    fn per_phone_quota() {
        let l = RateLimits::new(Limits {
            per_phone_per_hour: 2,
            ..Limits::default()
        });
        l.check_phone("k1").unwrap();
        l.check_phone("k1").unwrap();
        assert!(l.check_phone("k1").is_err());
        l.check_phone("k2").unwrap();
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(client_addr(&h, Some(peer), false), peer.ip());
        assert_eq!(
            client_addr(&h, Some(peer), true),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }
}
