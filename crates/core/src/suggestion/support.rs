//! Public support (附议) for suggestions the office has published: pure rules the server applies
//! around its own storage. One support per phone per suggestion (the phone verified by SMS and
//! kept as a keyed hash); sliding-window rate limits per phone and per network; the threshold
//! that obliges the office to publish an answer; and a detector of bursts for a review list.
//! Numbers are policy `[suggestion.support]` (no official source: configurable defaults).

use super::{RateLimit, SupportPolicy};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// One support as stored (the phone and network only as keys, never in clear).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportRecord {
    pub suggestion: uuid::Uuid,
    pub phone_hash: String,
    /// [`network_key`] of the address it came from.
    pub network: String,
    pub at: DateTime<Utc>,
}

/// The network an address belongs to for rate limiting: IPv4 to `ipv4_prefix` bits, IPv6 to
/// `ipv6_prefix` bits ("203.0.113.0/24", "2001:db8:1:2::/64"). An IPv4-mapped IPv6 address
/// counts as IPv4.
pub fn network_key(ip: IpAddr, p: &SupportPolicy) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(p.ipv4_prefix.min(32));
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let net = std::net::Ipv4Addr::from(u32::from(v4) & mask);
            format!("{net}/{bits}")
        }
        IpAddr::V6(v6) => {
            let bits = u32::from(p.ipv6_prefix.min(128));
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
            format!("{net}/{bits}")
        }
    }
}

/// A rate-limit decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RateDecision {
    Allow,
    /// Try again after this many seconds (rounded up).
    Deny {
        retry_after_secs: i64,
    },
}

/// Sliding-window log: with `times` the earlier events of the same key, allow when fewer than
/// `max` fall in the window `(now − window, now]`; otherwise the retry is when the oldest of the
/// window's newest `max` events leaves it.
pub fn rate_limit(times: &[DateTime<Utc>], now: DateTime<Utc>, limit: RateLimit) -> RateDecision {
    let window = Duration::minutes(i64::from(limit.window_minutes));
    let mut inside: Vec<DateTime<Utc>> = times
        .iter()
        .copied()
        .filter(|t| *t > now - window && *t <= now)
        .collect();
    if (inside.len() as u32) < limit.max {
        return RateDecision::Allow;
    }
    inside.sort_unstable();
    // After the oldest `inside.len() - max + 1` leave, one slot is free.
    let leaving = inside[inside.len() - limit.max as usize];
    let free_at = leaving + window;
    let secs = (free_at - now).num_milliseconds();
    RateDecision::Deny {
        retry_after_secs: (secs + 999).div_euclid(1000).max(1),
    }
}

/// What the server looked up before a support is added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportCheck<'a> {
    /// The suggestion is published by the office and not redirected or withdrawn.
    pub published: bool,
    /// This phone already supports this suggestion.
    pub already_supported: bool,
    /// Earlier supports by this phone (any suggestion), at least over the policy window.
    pub phone_recent: &'a [DateTime<Utc>],
    /// Earlier supports from this network (any suggestion), at least over the policy window.
    pub network_recent: &'a [DateTime<Utc>],
}

/// The answer to "may this support be added?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum SupportDecision {
    Accept,
    NotPublished,
    AlreadySupported,
    PhoneRateLimited { retry_after_secs: i64 },
    NetworkRateLimited { retry_after_secs: i64 },
}

impl SupportDecision {
    pub fn code(self) -> &'static str {
        match self {
            SupportDecision::Accept => "accept",
            SupportDecision::NotPublished => "suggestion_not_published",
            SupportDecision::AlreadySupported => "already_supported",
            SupportDecision::PhoneRateLimited { .. } => "phone_rate_limited",
            SupportDecision::NetworkRateLimited { .. } => "network_rate_limited",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            SupportDecision::Accept => "支持成功",
            SupportDecision::NotPublished => "该建议未公开，不能支持",
            SupportDecision::AlreadySupported => "每个手机号对同一建议只能支持一次",
            SupportDecision::PhoneRateLimited { .. } => "该手机号操作过于频繁，请稍后再试",
            SupportDecision::NetworkRateLimited { .. } => "当前网络操作过于频繁，请稍后再试",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            SupportDecision::Accept => "Support added",
            SupportDecision::NotPublished => "This suggestion is not published for support",
            SupportDecision::AlreadySupported => "One phone supports a suggestion only once",
            SupportDecision::PhoneRateLimited { .. } => {
                "Too many supports from this phone; try again later"
            }
            SupportDecision::NetworkRateLimited { .. } => {
                "Too many supports from this network; try again later"
            }
        }
    }

    pub fn retry_after_secs(self) -> Option<i64> {
        match self {
            SupportDecision::PhoneRateLimited { retry_after_secs }
            | SupportDecision::NetworkRateLimited { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        }
    }
}

/// Decides a support: published, then one per phone, then the phone limit, then the network
/// limit (the first refusal wins).
pub fn decide_support(
    c: &SupportCheck<'_>,
    now: DateTime<Utc>,
    p: &SupportPolicy,
) -> SupportDecision {
    if !c.published {
        return SupportDecision::NotPublished;
    }
    if c.already_supported {
        return SupportDecision::AlreadySupported;
    }
    if let RateDecision::Deny { retry_after_secs } = rate_limit(c.phone_recent, now, p.per_phone) {
        return SupportDecision::PhoneRateLimited { retry_after_secs };
    }
    if let RateDecision::Deny { retry_after_secs } =
        rate_limit(c.network_recent, now, p.per_network)
    {
        return SupportDecision::NetworkRateLimited { retry_after_secs };
    }
    SupportDecision::Accept
}

/// Supporters of a suggestion: distinct phones, so a duplicate row never counts twice.
pub fn supporters(records: &[SupportRecord], suggestion: uuid::Uuid) -> u32 {
    records
        .iter()
        .filter(|r| r.suggestion == suggestion)
        .map(|r| r.phone_hash.as_str())
        .collect::<BTreeSet<_>>()
        .len() as u32
}

/// Has this phone already supported this suggestion?
pub fn has_supported(records: &[SupportRecord], suggestion: uuid::Uuid, phone_hash: &str) -> bool {
    records
        .iter()
        .any(|r| r.suggestion == suggestion && r.phone_hash == phone_hash)
}

/// The office must publish an answer once this many support it.
pub fn answer_required(supporters: u32, p: &SupportPolicy) -> bool {
    supporters >= p.threshold
}

/// True exactly when a count going from `before` to `after` reaches the threshold: the moment to
/// append `ReachSupportThreshold`.
pub fn threshold_crossed(before: u32, after: u32, p: &SupportPolicy) -> bool {
    before < p.threshold && after >= p.threshold
}

/// A burst of support on one suggestion, for the review list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Burst {
    pub suggestion: uuid::Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub supports: u32,
    pub networks: u32,
    /// The network giving most of the burst (smallest key on a tie) and its count.
    pub top_network: String,
    pub top_network_supports: u32,
    /// One network gave at least `burst_concentration_percent` of the burst.
    pub concentrated: bool,
}

/// Bursts: every run of supports on one suggestion where some window of `burst_window_minutes`
/// holds at least `burst_min_supports`; overlapping windows merge into one burst. Ordered by
/// suggestion, then start.
pub fn detect_bursts(records: &[SupportRecord], p: &SupportPolicy) -> Vec<Burst> {
    let window = Duration::minutes(i64::from(p.burst_window_minutes));
    let min = p.burst_min_supports.max(1) as usize;
    let mut by: BTreeMap<uuid::Uuid, Vec<&SupportRecord>> = BTreeMap::new();
    for r in records {
        by.entry(r.suggestion).or_default().push(r);
    }
    let mut out = Vec::new();
    for (suggestion, mut rs) in by {
        rs.sort_by(|a, b| {
            a.at.cmp(&b.at)
                .then_with(|| a.phone_hash.cmp(&b.phone_hash))
        });
        // Index ranges [i, j] whose span is under the window and whose size reaches `min`.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        for j in 0..rs.len() {
            while rs[j].at - rs[i].at >= window {
                i += 1;
            }
            if j + 1 - i >= min {
                match ranges.last_mut() {
                    Some(last) if i <= last.1 => last.1 = j,
                    _ => ranges.push((i, j)),
                }
            }
        }
        for (a, b) in ranges {
            let part = &rs[a..=b];
            let mut nets: BTreeMap<&str, u32> = BTreeMap::new();
            for r in part {
                *nets.entry(r.network.as_str()).or_default() += 1;
            }
            let (top, top_n) =
                nets.iter().fold(
                    ("", 0u32),
                    |best, (k, n)| if *n > best.1 { (k, *n) } else { best },
                );
            let supports = part.len() as u32;
            out.push(Burst {
                suggestion,
                from: part[0].at,
                to: part[part.len() - 1].at,
                supports,
                networks: nets.len() as u32,
                top_network: top.to_string(),
                top_network_supports: top_n,
                concentrated: u64::from(top_n) * 100
                    >= u64::from(supports) * u64::from(p.burst_concentration_percent),
            });
        }
    }
    out
}
