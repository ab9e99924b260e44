//! The message signature both directions use: `X-Signature: sha256=<hex>` where the hex is
//! HMAC-SHA256 with the partner's shared secret over `<X-Timestamp> "." <body>`. Binding the
//! timestamp into the MAC lets the receiver refuse old messages; the signature of a message seen
//! before inside the window marks a replay.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;

pub const PARTNER: &str = "x-partner";
pub const TIMESTAMP: &str = "x-timestamp";
pub const SIGNATURE: &str = "x-signature";
const PREFIX: &str = "sha256=";

type HmacSha256 = Hmac<Sha256>;

/// Why a message's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the timestamp or signature header is missing or malformed")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the timestamp is outside the accepted window")]
    Stale,
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `X-Signature` value for a body sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("{PREFIX}{}", hex::encode(tag))
}

/// Checks a signature in constant time, then the timestamp against `now ± window`. Returns the
/// timestamp.
pub fn verify(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: DateTime<Utc>,
    window: Duration,
) -> Result<i64, SignatureError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Malformed)?;
    let hex_tag = signature
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::Malformed)?;
    let tag = hex::decode(hex_tag).map_err(|_| SignatureError::Malformed)?;
    mac(secret, timestamp.trim(), body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)?;
    // abs_diff: a timestamp of i64::MIN must not overflow the subtraction.
    if now.timestamp().abs_diff(ts) > window.as_secs() {
        return Err(SignatureError::Stale);
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const W: Duration = Duration::from_secs(300);

    #[test]
    fn matches_openssl() {
        // printf '%s' '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign("secret", 1_700_000_000, b"{}"),
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for ts in [i64::MIN, i64::MAX] {
            let sig = sign("k", ts, b"x");
            assert_eq!(
                verify("k", &ts.to_string(), &sig, b"x", now, W),
                Err(SignatureError::Stale)
            );
        }
    }

    proptest! {
        #[test]
        fn signed_messages_verify_and_altered_ones_do_not(
            secret in "[a-f0-9]{8,64}",
            body in proptest::collection::vec(any::<u8>(), 0..200),
            skew in -300i64..=300,
            flip in any::<prop::sample::Index>(),
        ) {
            let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
            let ts = now.timestamp() + skew;
            let sig = sign(&secret, ts, &body);
            prop_assert_eq!(verify(&secret, &ts.to_string(), &sig, &body, now, W), Ok(ts));
            prop_assert_eq!(
                verify(&format!("{secret}x"), &ts.to_string(), &sig, &body, now, W),
                Err(SignatureError::Mismatch)
            );
            prop_assert_eq!(
                verify(&secret, &(ts + 1).to_string(), &sig, &body, now, W),
                Err(SignatureError::Mismatch)
            );
            if !body.is_empty() {
                let mut other = body.clone();
                let i = flip.index(other.len());
                other[i] ^= 1;
                prop_assert_eq!(
                    verify(&secret, &ts.to_string(), &sig, &other, now, W),
                    Err(SignatureError::Mismatch)
                );
            }
        }

        #[test]
        fn timestamps_outside_the_window_are_stale(secret in "[a-f0-9]{8}", off in 301i64..100_000, past in any::<bool>()) {
            let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
            let ts = if past { now.timestamp() - off } else { now.timestamp() + off };
            let sig = sign(&secret, ts, b"x");
            prop_assert_eq!(verify(&secret, &ts.to_string(), &sig, b"x", now, W), Err(SignatureError::Stale));
        }
    }
}
