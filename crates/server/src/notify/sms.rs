//! SMS through an HTTP gateway. The contract (README "Notifications"), simple enough to bridge
//! to any provider: `POST <url>` with `Authorization: Bearer <key>` and the JSON
//! `{"to": "13800000000", "text": "…", "sign": "民声"}`. A 2xx is sent; 408, 429 and 5xx (or no
//! answer) are tried again later with back-off; any other status is a refusal for good.

use super::text;
use super::{ConfigError, TOPIC_SMS};
use crate::outbox::{Deliver, DeliveryError, DeliveryFuture};
use crate::state::AppState;
use minsheng_store::OutboxRow;
use std::time::Duration;

#[derive(Clone)]
pub struct GatewayConfig {
    pub url: String,
    pub key: String,
    /// The signature the gateway puts in front of the text (短信签名), e.g. `民声`.
    pub sign: String,
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatewayConfig({})", self.url)
    }
}

pub struct SmsDeliverer {
    cfg: GatewayConfig,
    client: reqwest::Client,
}

impl SmsDeliverer {
    pub fn new(cfg: GatewayConfig) -> Result<Self, ConfigError> {
        if !(cfg.url.starts_with("http://") || cfg.url.starts_with("https://")) {
            return Err(ConfigError::Gateway(
                "URL must start with http(s)://".into(),
            ));
        }
        let client = crate::tls::client_builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| ConfigError::Gateway(e.to_string()))?;
        Ok(SmsDeliverer { cfg, client })
    }

    async fn send(&self, st: &AppState, m: &OutboxRow) -> Result<(), DeliveryError> {
        let payload = super::payload_of(m)?;
        let case = super::case_of(st, m).await?;
        let petitioner = payload
            .petitioner
            .ok_or_else(|| DeliveryError::Permanent("SMS goes to petitioners only".into()))?;
        let to = st
            .store
            .petitioner_contact(petitioner)
            .await
            .map_err(|e| DeliveryError::Retry(e.to_string()))?
            .and_then(|c| c.phone)
            .ok_or_else(|| DeliveryError::Permanent("no phone on record".into()))?;
        let r = text::render(st, &case, payload.notice)
            .map_err(|e| DeliveryError::Permanent(format!("template: {e}")))?;
        let resp = self
            .client
            .post(&self.cfg.url)
            .bearer_auth(&self.cfg.key)
            .json(&serde_json::json!({"to": to, "text": r.sms, "sign": self.cfg.sign}))
            .send()
            .await
            .map_err(|e| DeliveryError::Retry(format!("gateway: {e}")))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(DeliveryError::Retry(format!("gateway answered {status}")))
        } else {
            Err(DeliveryError::Permanent(format!(
                "gateway refused: {status}"
            )))
        }
    }
}

impl Deliver for SmsDeliverer {
    fn prefix(&self) -> &str {
        TOPIC_SMS
    }

    fn deliver<'a>(&'a self, st: &'a AppState, m: &'a OutboxRow) -> DeliveryFuture<'a> {
        Box::pin(self.send(st, m))
    }
}
