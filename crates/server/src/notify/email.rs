//! E-mail over SMTP (lettre): `smtps://` (TLS from the first byte, port 465),
//! `smtp+starttls://` (STARTTLS required, port 587) or `smtp://` (plain, port 25: a local
//! relay only). Certificates are checked against the Mozilla roots (src/tls.rs).

use super::producer::Payload;
use super::text;
use super::{ConfigError, TOPIC_EMAIL};
use crate::outbox::{Deliver, DeliveryError, DeliveryFuture};
use crate::state::AppState;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use minsheng_store::OutboxRow;
use std::time::Duration;

#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtps://`, `smtp+starttls://` or `smtp://`, then `[user:password@]host[:port]`.
    pub url: String,
    /// The sender, e.g. `民声 <noreply@xf.example.gov.cn>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        write!(f, "SmtpConfig(from {})", self.from)
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp+starttls://`: plain, then STARTTLS, which must succeed.
    StartTls,
    /// `smtp://`: no TLS (a relay on the same host or network).
    Plain,
}

/// Where and how to send: host, port, protection and (user, password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
}

/// Host, port, protection and credentials of an SMTP URL.
pub fn parse_url(url: &str) -> Result<SmtpTarget, ConfigError> {
    let bad = |why: &str| ConfigError::SmtpUrl(why.to_string());
    let (security, default_port, rest) = [
        ("smtps://", Security::Tls, 465),
        ("smtp+starttls://", Security::StartTls, 587),
        ("smtp://", Security::Plain, 25),
    ]
    .into_iter()
    .find_map(|(scheme, sec, port)| url.strip_prefix(scheme).map(|r| (sec, port, r)))
    .ok_or_else(|| bad("must start with smtps://, smtp+starttls:// or smtp://"))?;
    let rest = rest.trim_end_matches('/');
    let (auth, hostport) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("invalid port"))?),
        None => (hostport, default_port),
    };
    if host.is_empty() || host.contains('/') {
        return Err(bad("missing host"));
    }
    let credentials = auth
        .map(|a| {
            a.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
                .ok_or_else(|| bad("credentials must be user:password"))
        })
        .transpose()?;
    Ok(SmtpTarget {
        host: host.to_string(),
        port,
        security,
        credentials,
    })
}

pub struct EmailDeliverer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailDeliverer {
    pub fn new(cfg: SmtpConfig) -> Result<Self, ConfigError> {
        let target = parse_url(&cfg.url)?;
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|_| ConfigError::From(cfg.from.clone()))?;
        let tls = || {
            TlsParameters::new(target.host.clone())
                .map_err(|e| ConfigError::SmtpUrl(format!("TLS: {e}")))
        };
        let tls = match target.security {
            Security::Tls => Tls::Wrapper(tls()?),
            Security::StartTls => Tls::Required(tls()?),
            Security::Plain => Tls::None,
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host.clone())
            .port(target.port)
            .tls(tls)
            // Well inside the outbox lease: a hung server must not get the message sent twice.
            .timeout(Some(Duration::from_secs(20)));
        if let Some((u, p)) = target.credentials {
            b = b.credentials(Credentials::new(u, p));
        }
        Ok(EmailDeliverer {
            transport: b.build(),
            from,
        })
    }

    async fn send(&self, st: &AppState, m: &OutboxRow) -> Result<(), DeliveryError> {
        let payload = super::payload_of(m)?;
        let (to, r) = match payload.alert {
            Some(alert) => alert_mail(st, &payload, alert).await?,
            None => {
                let case = super::case_of(st, m).await?;
                let to = recipients(st, &payload).await?;
                let r = text::render(st, &case, payload.notice)
                    .map_err(|e| DeliveryError::Permanent(format!("template: {e}")))?;
                (to, r)
            }
        };
        let body = Body::new_with_encoding(r.body, ContentTransferEncoding::EightBit)
            .map_err(|_| DeliveryError::Permanent("body not 8-bit clean".into()))?;
        let mut builder = Message::builder().from(self.from.clone());
        for t in to {
            builder = builder.to(t);
        }
        let email = builder
            .subject(r.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| DeliveryError::Permanent(format!("message: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("smtp: {e}"))),
            Err(e) => Err(DeliveryError::Retry(format!("smtp: {e}"))),
        }
    }
}

/// The alert's mail, to those of its unit's staff who may see the alert (an accused unit never
/// learns of an alert about an accusation against it, Art. 30).
async fn alert_mail(
    st: &AppState,
    p: &Payload,
    alert: uuid::Uuid,
) -> Result<(Vec<Mailbox>, text::Rendered), DeliveryError> {
    let retry = |e: minsheng_store::StoreError| DeliveryError::Retry(e.to_string());
    let rec = st
        .store
        .get_alert(alert)
        .await
        .map_err(retry)?
        .ok_or_else(|| DeliveryError::Permanent("alert not found".into()))?;
    let unit = p.unit.as_deref().unwrap_or_default();
    let mut to = Vec::new();
    for (username, email) in st.store.unit_staff_emails(unit).await.map_err(retry)? {
        let Some(user) = st.store.user_by_username(&username).await.map_err(retry)? else {
            continue;
        };
        let actor = minsheng_core::access::Actor {
            user_id: Some(user.id),
            name: user.display_name.clone(),
            role: user.role,
            unit: user.unit.clone(),
        };
        if crate::alerts::visible_to(st, &actor, &rec)
            .await
            .map_err(|e| DeliveryError::Retry(e.to_string()))?
            && let Ok(mb) = email.parse::<Mailbox>()
        {
            to.push(mb);
        }
    }
    if to.is_empty() {
        return Err(DeliveryError::Permanent(
            "no staff e-mail that may see the alert".into(),
        ));
    }
    let r =
        text::render_alert(&rec).map_err(|e| DeliveryError::Permanent(format!("template: {e}")))?;
    Ok((to, r))
}

/// The petitioner's address, or those of the unit's active staff.
async fn recipients(st: &AppState, p: &Payload) -> Result<Vec<Mailbox>, DeliveryError> {
    let addresses = match (&p.petitioner, &p.unit) {
        (Some(id), _) => st
            .store
            .petitioner_contact(*id)
            .await
            .map_err(|e| DeliveryError::Retry(e.to_string()))?
            .and_then(|c| c.email)
            .into_iter()
            .collect(),
        (None, Some(unit)) => st
            .store
            .unit_staff_emails(unit)
            .await
            .map_err(|e| DeliveryError::Retry(e.to_string()))?
            .into_iter()
            .map(|(_, e)| e)
            .collect(),
        (None, None) => Vec::new(),
    };
    let boxes: Vec<Mailbox> = addresses.iter().filter_map(|a| a.parse().ok()).collect();
    if boxes.is_empty() {
        return Err(DeliveryError::Permanent(
            "no e-mail address on record".into(),
        ));
    }
    Ok(boxes)
}

impl Deliver for EmailDeliverer {
    fn prefix(&self) -> &str {
        TOPIC_EMAIL
    }

    fn deliver<'a>(&'a self, st: &'a AppState, m: &'a OutboxRow) -> DeliveryFuture<'a> {
        Box::pin(self.send(st, m))
    }
}

#[cfg(test)]
mod tests {
    use super::{Security, SmtpTarget, parse_url};

    #[test]
    fn smtp_urls() {
        let t = |host: &str, port, security, credentials: Option<(&str, &str)>| SmtpTarget {
            host: host.into(),
            port,
            security,
            credentials: credentials.map(|(u, p)| (u.into(), p.into())),
        };
        assert_eq!(
            parse_url("smtp://127.0.0.1:2525").unwrap(),
            t("127.0.0.1", 2525, Security::Plain, None)
        );
        assert_eq!(
            parse_url("smtp://u:p@w@mail.example.cn").unwrap(),
            t("mail.example.cn", 25, Security::Plain, Some(("u", "p@w")))
        );
        assert_eq!(
            parse_url("smtps://mail.example.cn").unwrap(),
            t("mail.example.cn", 465, Security::Tls, None)
        );
        assert_eq!(
            parse_url("smtp+starttls://u:p@mail.example.cn").unwrap(),
            t("mail.example.cn", 587, Security::StartTls, Some(("u", "p")))
        );
        assert!(parse_url("imap://x").is_err());
        assert!(parse_url("smtp://host:port").is_err());
        assert!(parse_url("smtp://").is_err());
    }
}
