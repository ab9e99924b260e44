//! Public support (附议) with a verified phone: a one-time code goes out through the outbox
//! (for now the `support_codes` table and the server log), the citizen types it back, and the
//! support is added under core's rules (one per phone, rate limits per phone and per network).
//! Crossing the policy threshold appends `support_threshold_reached` as the system.

use super::service::{self, Rules};
use crate::error::{ApiError, ApiResult};
use crate::service::now;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use minsheng_core::access::Actor;
use minsheng_core::petitioner::Phone;
use minsheng_core::suggestion::support::{
    SupportCheck, SupportDecision, SupportRecord, decide_support, network_key, threshold_crossed,
};
use minsheng_core::suggestion::{SuggestionCommand, SuggestionState};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// How long a code is good for, and how many wrong tries kill it.
const CODE_MINUTES: i64 = 10;
const CODE_ATTEMPTS: u32 = 5;
/// Codes one phone / one network may request per hour: texting costs money and annoys people.
const CODES_PER_PHONE_HOUR: u32 = 5;
const CODES_PER_NETWORK_HOUR: u32 = 30;

fn code_hash(suggestion: uuid::Uuid, phone_hash: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"minsheng-support-code:");
    h.update(suggestion.to_string().as_bytes());
    h.update(phone_hash.as_bytes());
    h.update(code.trim().as_bytes());
    hex::encode(h.finalize())
}

fn refusal(d: SupportDecision) -> ApiError {
    match d {
        SupportDecision::PhoneRateLimited { retry_after_secs }
        | SupportDecision::NetworkRateLimited { retry_after_secs } => ApiError::TooManyAttempts {
            retry_after_secs: retry_after_secs.max(1) as u64,
        },
        SupportDecision::NotPublished => ApiError::NotFound,
        other => ApiError::Domain(minsheng_core::DomainError::rule(
            other.code(),
            "人民建议公开附议规则",
            other.zh(),
            other.en(),
        )),
    }
}

/// Sends a one-time code to `phone` for supporting suggestion `id`. Refuses early what the
/// support itself would refuse (not published, already supported, rate-limited).
pub async fn request_code(st: &AppState, id: &str, phone: &str, ip: IpAddr) -> ApiResult<()> {
    let s = service::load_published(st, id).await?;
    let phone = Phone::parse(phone)?;
    let phone_hash = st.store.phone_index(&phone);
    let at = now();
    let rules = Rules::for_region(st, &s.region);
    let network = network_key(ip, &rules.policy.suggestion.support);
    check(st, &s, &phone_hash, &network, at).await?;
    let hour = at - Duration::hours(1);
    if st
        .store
        .support_codes_issued(true, &phone_hash, hour)
        .await?
        >= CODES_PER_PHONE_HOUR
        || st.store.support_codes_issued(false, &network, hour).await? >= CODES_PER_NETWORK_HOUR
    {
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: 3600,
        });
    }
    let bytes: [u8; 4] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
    let message = format!(
        "【民声】您正在为人民建议{}附议，验证码{}，{}分钟内有效。如非本人操作请忽略。",
        s.number, code, CODE_MINUTES
    );
    st.store
        .issue_support_code(
            s.id,
            &phone_hash,
            &code_hash(s.id, &phone_hash, &code),
            &network,
            &message,
            at,
            at + Duration::minutes(CODE_MINUTES),
        )
        .await?;
    // Until the SMS gateway exists the outbox is the log: demo users read their code here.
    tracing::info!(target: "outbox", to = %phone.masked(), %message, "support code");
    Ok(())
}

/// What the citizen sees after supporting.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Supported {
    pub supporters: u32,
    pub threshold: u32,
    pub threshold_reached: bool,
}

/// Adds a support after checking the one-time code.
pub async fn support(
    st: &AppState,
    id: &str,
    phone: &str,
    code: &str,
    ip: IpAddr,
) -> ApiResult<Supported> {
    let s = service::load_published(st, id).await?;
    let phone = Phone::parse(phone)?;
    let phone_hash = st.store.phone_index(&phone);
    let at = now();
    let ok = st
        .store
        .use_support_code(
            s.id,
            &phone_hash,
            &code_hash(s.id, &phone_hash, code),
            at,
            CODE_ATTEMPTS,
        )
        .await?;
    if !ok {
        return Err(ApiError::bad(
            "invalid_code",
            "验证码不正确或已过期，请重新获取",
            "The code is wrong or has expired; request a new one",
        ));
    }
    add_verified(st, s, &phone_hash, ip, at).await
}

async fn check(
    st: &AppState,
    s: &SuggestionState,
    phone_hash: &str,
    network: &str,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let rules = Rules::for_region(st, &s.region);
    let p = &rules.policy.suggestion.support;
    let since = |minutes: u32| at - Duration::minutes(i64::from(minutes));
    let phone_recent = st
        .store
        .support_times(true, phone_hash, since(p.per_phone.window_minutes))
        .await?;
    let network_recent = st
        .store
        .support_times(false, network, since(p.per_network.window_minutes))
        .await?;
    let c = SupportCheck {
        published: s.published_at.is_some() && !s.status.is_terminal(),
        already_supported: st.store.has_supported(s.id, phone_hash).await?,
        phone_recent: &phone_recent,
        network_recent: &network_recent,
    };
    match decide_support(&c, at, p) {
        SupportDecision::Accept => Ok(()),
        d => Err(refusal(d)),
    }
}

/// Adds a support whose phone has been verified (by code here; the intake console could verify
/// by call-back). Appends the threshold event when this support crosses it.
pub async fn add_verified(
    st: &AppState,
    s: SuggestionState,
    phone_hash: &str,
    ip: IpAddr,
    at: DateTime<Utc>,
) -> ApiResult<Supported> {
    let rules = Rules::for_region(st, &s.region);
    let p = rules.policy.suggestion.support.clone();
    let network = network_key(ip, &p);
    check(st, &s, phone_hash, &network, at).await?;
    let after = st
        .store
        .add_support(&SupportRecord {
            suggestion: s.id,
            phone_hash: phone_hash.to_string(),
            network,
            at,
        })
        .await
        .map_err(|e| match e {
            minsheng_store::StoreError::Duplicate(_) => refusal(SupportDecision::AlreadySupported),
            e => e.into(),
        })?;
    let reached = threshold_crossed(after.saturating_sub(1), after, &p);
    if reached {
        let system = Actor::system("附议计数");
        service::execute(
            st,
            &system,
            s,
            SuggestionCommand::ReachSupportThreshold { supporters: after },
        )
        .await?;
    }
    Ok(Supported {
        supporters: after,
        threshold: p.threshold,
        threshold_reached: after >= p.threshold,
    })
}

/// The client's address as the server saw it. No proxy header is trusted: behind a proxy this
/// is the proxy's address, which only makes the per-network limit stricter.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        ))
    }
}
