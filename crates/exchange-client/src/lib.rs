//! A reference partner for minsheng's 12345 work-order exchange (docs/exchange.md): sign and
//! send work orders, verify the signature of status messages, and a small receiving server
//! that records status messages (and can be told to refuse the first deliveries). The server's
//! tests use it as the partner; a partner's developers can read it as a worked example.
//!
//! The scheme: `X-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, with
//! `X-Timestamp` in Unix seconds and `X-Partner` the partner id.

mod receiver;

pub use receiver::{Received, Receiver};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

pub const PARTNER: &str = "X-Partner";
pub const TIMESTAMP: &str = "X-Timestamp";
pub const SIGNATURE: &str = "X-Signature";

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `X-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(
            mac(secret, &timestamp.to_string(), body)
                .finalize()
                .into_bytes()
        )
    )
}

/// Checks a received message: the signature (in constant time) and that the timestamp is
/// within `window_secs` of `now`.
pub fn verify(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: i64,
    window_secs: u64,
) -> bool {
    let (Ok(ts), Some(hex_tag)) = (
        timestamp.trim().parse::<i64>(),
        signature.trim().strip_prefix("sha256="),
    ) else {
        return false;
    };
    let Ok(tag) = hex::decode(hex_tag) else {
        return false;
    };
    mac(secret, timestamp.trim(), body)
        .verify_slice(&tag)
        .is_ok()
        && now.abs_diff(ts) <= window_secs
}

/// Now in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// An answer from minsheng: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
}

/// Sends signed work orders to a minsheng server.
#[derive(Debug, Clone)]
pub struct Client {
    /// The server's base URL, e.g. `https://minsheng.example.gov.cn`.
    pub base: String,
    pub partner_id: String,
    pub secret: String,
    http: reqwest::Client,
}

/// An HTTP(S) client; installs ring as the rustls provider first (reqwest is built without one,
/// see the workspace Cargo.toml).
fn http_client() -> reqwest::Client {
    // Err: a provider is installed already, and serves.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .build()
        .expect("an HTTP client with the ring provider")
}

impl Client {
    pub fn new(base: &str, partner_id: &str, secret: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_string(),
            partner_id: partner_id.to_string(),
            secret: secret.to_string(),
            http: http_client(),
        }
    }

    /// Signs `order` now and sends it.
    pub async fn send_order(&self, order: &serde_json::Value) -> Result<Answer, ClientError> {
        let body = serde_json::to_vec(order).expect("a JSON value serialises");
        self.send_body(&body).await
    }

    /// Signs raw bytes now and sends them.
    pub async fn send_body(&self, body: &[u8]) -> Result<Answer, ClientError> {
        let ts = unix_now();
        self.send_signed(body, ts, &sign(&self.secret, ts, body))
            .await
    }

    /// Sends bytes with the given timestamp and signature as they are (to resend a message
    /// byte for byte, or to test refusals).
    pub async fn send_signed(
        &self,
        body: &[u8],
        timestamp: i64,
        signature: &str,
    ) -> Result<Answer, ClientError> {
        let r = self
            .http
            .post(format!("{}/exchange/v1/orders", self.base))
            .header("content-type", "application/json")
            .header(PARTNER, &self.partner_id)
            .header(TIMESTAMP, timestamp.to_string())
            .header(SIGNATURE, signature)
            .body(body.to_vec())
            .send()
            .await?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        Ok(Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_openssl_and_verifies_its_own() {
        // printf '%s' '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let sig = sign("secret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert!(verify(
            "secret",
            "1700000000",
            &sig,
            b"{}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "secret",
            "1700000000",
            &sig,
            b"{ }",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "other",
            "1700000000",
            &sig,
            b"{}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "secret",
            "1700000000",
            &sig,
            b"{}",
            1_700_000_400,
            300
        ));
        assert!(!verify(
            "secret",
            "-9223372036854775808",
            &sig,
            b"{}",
            1,
            300
        ));
    }
}
