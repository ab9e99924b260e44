//! Notices through the outbox: to petitioners (受理、不予受理、延期、答复) and, for a supervision
//! order (督办), to the e-mail of the staff of the unit that must report. A producer turns the
//! events into messages on `notify:sms` or `notify:email`, by the channel the petitioner chose
//! at registration; deliverers resolve the address when they send (the payload names the case
//! and the petitioner, never an address) and render the bilingual text.
//!
//! Anonymous accusers get nothing: no message is even written for them, so no outbox row can
//! link an address to an accusation.

pub mod email;
pub mod producer;
pub mod sms;
pub mod text;
pub mod view;

use crate::state::AppState;
use std::sync::Arc;

/// Topics of the two channels.
pub const TOPIC_SMS: &str = "notify:sms";
pub const TOPIC_EMAIL: &str = "notify:email";

/// How the notice channels are reached; a channel left out is not delivered (its messages
/// wait, visible on the case, until it is configured).
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    pub email: Option<email::SmtpConfig>,
    pub sms: Option<sms::GatewayConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SMTP URL: {0}")]
    SmtpUrl(String),
    #[error("sender address {0:?} is not a valid mailbox")]
    From(String),
    #[error("SMS gateway: {0}")]
    Gateway(String),
}

/// Registers the producer and the configured deliverers. With no channel configured, no
/// notice is produced at all.
pub fn enable(st: &AppState, cfg: NotifyConfig) -> Result<(), ConfigError> {
    if cfg.email.is_none() && cfg.sms.is_none() {
        return Ok(());
    }
    if let Some(e) = cfg.email {
        st.outbox
            .add_deliverer(Arc::new(email::EmailDeliverer::new(e)?));
    }
    if let Some(s) = cfg.sms {
        st.outbox
            .add_deliverer(Arc::new(sms::SmsDeliverer::new(s)?));
    }
    st.outbox.add_producer(producer::produce);
    Ok(())
}

/// A stored notice's payload; one that cannot be read never will be.
pub(crate) fn payload_of(
    m: &minsheng_store::OutboxRow,
) -> Result<producer::Payload, crate::outbox::DeliveryError> {
    serde_json::from_str(&m.payload)
        .map_err(|e| crate::outbox::DeliveryError::Permanent(format!("payload: {e}")))
}

/// The case a notice is about, read when sending (the store may be busy: retry; the case may be
/// gone: give up).
pub(crate) async fn case_of(
    st: &AppState,
    m: &minsheng_store::OutboxRow,
) -> Result<minsheng_core::workflow::CaseState, crate::outbox::DeliveryError> {
    use crate::outbox::DeliveryError;
    let case_id = m
        .case_id
        .ok_or_else(|| DeliveryError::Permanent("no case".into()))?;
    st.store
        .get_case(case_id)
        .await
        .map_err(|e| DeliveryError::Retry(e.to_string()))?
        .ok_or_else(|| DeliveryError::Permanent("case not found".into()))
}
