//! The outbound feed: every status change of a case that carries a partner's order becomes an
//! outbox message (topic `exchange:<partner id>`, written with the events), and the deliverer
//! POSTs it, signed, to the partner's URL. The worker retries with back-off across restarts;
//! see crate::outbox.

use super::signature;
use crate::outbox::{Change, Deliver, DeliveryError, DeliveryFuture};
use crate::state::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use minsheng_core::case::Status;
use minsheng_core::workflow::{CaseState, Event, ExternalOrder};
use minsheng_store::{OutboxMessage, OutboxRow};
use serde::{Deserialize, Serialize};

pub const TOPIC_PREFIX: &str = "exchange:";

/// The published status vocabulary (docs/exchange/status.schema.json): small on purpose, so a
/// partner's platform can map it onto its own work-order states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedStatus {
    /// The order became a new case here.
    Received,
    /// The order was joined to a case that already handles the same matter (不多头办理).
    Linked,
    /// Sent on to the unit that must act (转送/交办/派单).
    Transferred,
    /// The unit accepted or signed for it and is handling it.
    Accepted,
    /// The unit sent it back to the receiving office.
    Returned,
    /// An answer (reply or handling opinion) was given.
    Replied,
    /// Reopened after an unsatisfied follow-up (重办).
    Reopened,
    /// Under review or re-review.
    UnderReview,
    /// Referred to mediation (多元化解); handling resumes if it fails.
    Referred,
    /// Not accepted, or steered to another legal route.
    Declined,
    /// Merged into another case; that case's number follows.
    Merged,
    Closed,
}

impl FeedStatus {
    pub fn of(s: Status) -> Self {
        match s {
            Status::Registered => FeedStatus::Received,
            Status::AwaitingAcceptance | Status::Dispatched => FeedStatus::Transferred,
            Status::Handling | Status::InProgress => FeedStatus::Accepted,
            Status::Returned => FeedStatus::Returned,
            Status::Answered | Status::Replied => FeedStatus::Replied,
            Status::UnderReview | Status::Reviewed | Status::UnderReReview => {
                FeedStatus::UnderReview
            }
            Status::Declined | Status::Diverted => FeedStatus::Declined,
            Status::Merged => FeedStatus::Merged,
            Status::Referred => FeedStatus::Referred,
            Status::Closed | Status::Final => FeedStatus::Closed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Received => "received",
            FeedStatus::Linked => "linked",
            FeedStatus::Transferred => "transferred",
            FeedStatus::Accepted => "accepted",
            FeedStatus::Returned => "returned",
            FeedStatus::Replied => "replied",
            FeedStatus::Reopened => "reopened",
            FeedStatus::UnderReview => "under_review",
            FeedStatus::Declined => "declined",
            FeedStatus::Merged => "merged",
            FeedStatus::Referred => "referred",
            FeedStatus::Closed => "closed",
        }
    }
}

/// What the producer stores; the deliverer adds what only the database knows (the number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub partner_id: uuid::Uuid,
    pub order_id: String,
    pub linked: bool,
    pub status: FeedStatus,
    /// Our detailed status code (`minsheng_core::case::Status`).
    pub case_status: String,
    pub reply: Option<String>,
    pub merged_into: Option<String>,
    pub at: DateTime<Utc>,
}

/// The message the partner receives (docs/exchange/status.schema.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusMessage {
    /// Unique per message: a partner that sees it twice (a retry after a lost answer) drops it.
    pub message_id: uuid::Uuid,
    pub order_id: String,
    pub case_number: String,
    pub linked: bool,
    pub status: FeedStatus,
    pub status_zh: String,
    pub status_en: String,
    pub case_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    pub occurred_at: String,
}

fn newly_linked(events: &[Event], o: &ExternalOrder) -> bool {
    events.iter().any(|e| {
        matches!(e, Event::ExternalOrderLinked { partner_id, order_id, .. }
            if *partner_id == o.partner_id && *order_id == o.order_id)
    })
}

/// The feed status a change means for one order, if it means one.
fn feed_status(change: &Change<'_>, o: &ExternalOrder) -> Option<FeedStatus> {
    let after = change.after;
    if newly_linked(change.events, o) {
        return Some(if o.linked {
            FeedStatus::Linked
        } else {
            FeedStatus::of(after.status)
        });
    }
    if change
        .events
        .iter()
        .any(|e| matches!(e, Event::Reopened { .. }))
    {
        return Some(FeedStatus::Reopened);
    }
    let before = change.before.map(|b| b.status);
    (before != Some(after.status)).then(|| FeedStatus::of(after.status))
}

/// The outbox producer: one message per order the case carries, per status change.
pub fn produce(_st: &AppState, change: &Change<'_>) -> Vec<OutboxMessage> {
    let after: &CaseState = change.after;
    after
        .external_orders
        .iter()
        .filter_map(|o| {
            let status = feed_status(change, o)?;
            let pending = Pending {
                partner_id: o.partner_id,
                order_id: o.order_id.clone(),
                linked: o.linked,
                status,
                case_status: after.status.as_str().to_string(),
                reply: matches!(status, FeedStatus::Replied)
                    .then(|| after.reply.clone())
                    .flatten(),
                merged_into: after.merged_into.as_ref().map(|m| m.number.clone()),
                at: change.at,
            };
            let payload = serde_json::to_string(&pending).ok()?;
            Some(OutboxMessage::new(
                format!("{TOPIC_PREFIX}{}", o.partner_id),
                Some(after.id),
                payload,
            ))
        })
        .collect()
}

/// The status's label in both languages.
pub fn zh_en(s: FeedStatus) -> (&'static str, &'static str) {
    match s {
        FeedStatus::Received => ("已接收登记", "Received and registered"),
        FeedStatus::Linked => (
            "已关联到同一事项的在办信访件",
            "Linked to the open case on the same matter",
        ),
        FeedStatus::Transferred => ("已转送/派单", "Transferred to the competent unit"),
        FeedStatus::Accepted => ("承办单位已受理", "Accepted by the handling unit"),
        FeedStatus::Returned => ("已退回", "Returned by the unit"),
        FeedStatus::Replied => ("已答复", "Replied"),
        FeedStatus::Reopened => ("已重办", "Reopened"),
        FeedStatus::UnderReview => ("复查/复核中", "Under review"),
        FeedStatus::Declined => ("不予受理", "Not accepted"),
        FeedStatus::Merged => ("已并案办理", "Merged into another case"),
        FeedStatus::Referred => ("已转调解", "Referred to mediation"),
        FeedStatus::Closed => ("已办结", "Closed"),
    }
}

/// Builds the message for a stored row: the case number is read now (the writer assigned it).
pub async fn message_for(st: &AppState, row: &OutboxRow) -> Result<StatusMessage, DeliveryError> {
    let p: Pending = serde_json::from_str(&row.payload)
        .map_err(|e| DeliveryError::Permanent(format!("unreadable payload: {e}")))?;
    let case_id = row
        .case_id
        .ok_or_else(|| DeliveryError::Permanent("message without a case".into()))?;
    let case = st
        .store
        .get_case(case_id)
        .await
        .map_err(|e| DeliveryError::Retry(format!("store: {e}")))?
        .ok_or_else(|| DeliveryError::Permanent("case no longer exists".into()))?;
    let (zh, en) = zh_en(p.status);
    Ok(StatusMessage {
        message_id: row.id,
        order_id: p.order_id,
        case_number: case.number.clone(),
        linked: p.linked,
        status: p.status,
        status_zh: zh.into(),
        status_en: en.into(),
        case_status: p.case_status,
        reply: p.reply,
        merged_into: p.merged_into,
        occurred_at: p.at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

/// POSTs status messages to partners.
pub struct Deliverer {
    client: reqwest::Client,
}

impl Default for Deliverer {
    fn default() -> Self {
        Deliverer {
            // Redirects are not followed: a partner's URL is configured, not discovered.
            client: crate::tls::client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }
}

impl Deliver for Deliverer {
    fn prefix(&self) -> &str {
        TOPIC_PREFIX
    }

    fn deliver<'a>(&'a self, st: &'a AppState, row: &'a OutboxRow) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let partner_id = row
                .topic
                .strip_prefix(TOPIC_PREFIX)
                .and_then(|s| uuid::Uuid::parse_str(s).ok())
                .ok_or_else(|| DeliveryError::Permanent("topic names no partner".into()))?;
            let (partner, secret) = st
                .store
                .exchange_partner(partner_id)
                .await
                .map_err(|e| DeliveryError::Retry(format!("store: {e}")))?
                .ok_or_else(|| DeliveryError::Permanent("unknown partner".into()))?;
            if !partner.active {
                return Err(DeliveryError::Permanent("partner disabled".into()));
            }
            let message = message_for(st, row).await?;
            let body = serde_json::to_vec(&message)
                .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
            // Signed at sending time: every retry carries a fresh timestamp.
            let ts = Utc::now().timestamp();
            let r = self
                .client
                .post(&partner.url)
                .timeout(st.exchange.delivery_timeout)
                .header("content-type", "application/json")
                .header(signature::PARTNER, partner.id.to_string())
                .header(signature::TIMESTAMP, ts.to_string())
                .header(signature::SIGNATURE, signature::sign(&secret, ts, &body))
                .body(body)
                .send()
                .await
                .map_err(|e| DeliveryError::Retry(format!("request: {e}")))?;
            classify(r.status().as_u16())
        })
    }
}

/// 2xx delivered; 408, 425, 429 and 5xx worth retrying; any other answer refuses the message
/// itself, and sending it again cannot help.
pub fn classify(status: u16) -> Result<(), DeliveryError> {
    match status {
        200..=299 => Ok(()),
        408 | 425 | 429 | 500..=599 => Err(DeliveryError::Retry(format!("HTTP {status}"))),
        _ => Err(DeliveryError::Permanent(format!("HTTP {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_feed_status_and_terminal_ones_end_the_order() {
        for s in Status::ALL {
            let f = FeedStatus::of(*s);
            if s.is_terminal() {
                assert!(
                    matches!(
                        f,
                        FeedStatus::Closed | FeedStatus::Declined | FeedStatus::Merged
                    ),
                    "{s:?} → {f:?}"
                );
            }
        }
    }

    #[test]
    fn answers_are_sorted_by_what_retrying_can_change() {
        assert_eq!(classify(204), Ok(()));
        assert!(matches!(classify(503), Err(DeliveryError::Retry(_))));
        assert!(matches!(classify(429), Err(DeliveryError::Retry(_))));
        assert!(matches!(classify(400), Err(DeliveryError::Permanent(_))));
        assert!(matches!(classify(302), Err(DeliveryError::Permanent(_))));
    }
}
