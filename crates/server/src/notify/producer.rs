//! Which events become notices, and on which channel.

use super::{TOPIC_EMAIL, TOPIC_SMS};
use crate::outbox::Change;
use crate::state::AppState;
use minsheng_core::petitioner::NotifyChannel;
use minsheng_core::workflow::Event;
use minsheng_store::OutboxMessage;
use serde::{Deserialize, Serialize};

/// What a notice tells the petitioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// 受理: the matter was accepted, with the deadline for the answer.
    Accepted,
    /// 不予受理.
    Declined,
    /// 延期: the deadline moved.
    Extended,
    /// 处理意见 / 答复: the answer is ready.
    Decided,
    /// 督办: to the staff of the unit that must report (by e-mail).
    Supervised,
    /// 预警: to the staff of the alert's unit who may see it (by e-mail).
    Alert,
}

impl Notice {
    pub fn of(e: &Event) -> Option<Notice> {
        match e.name() {
            "accepted" => Some(Notice::Accepted),
            "declined" => Some(Notice::Declined),
            "extension_granted" => Some(Notice::Extended),
            "opinion_issued" | "replied" | "answered_directly" => Some(Notice::Decided),
            "supervised" => Some(Notice::Supervised),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Accepted => "accepted",
            Notice::Declined => "declined",
            Notice::Extended => "extended",
            Notice::Decided => "decided",
            Notice::Supervised => "supervised",
            Notice::Alert => "alert",
        }
    }
}

/// The payload: references only; the deliverer looks up the address and the case. A notice
/// goes to a petitioner or to the staff of a unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub notice: Notice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petitioner: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<uuid::Uuid>,
}

/// The topic for a petitioner, or none: anonymous reports and those who chose no notices get
/// nothing; cases from before the choice existed go by SMS when a phone was given.
pub fn topic(p: &minsheng_core::case::PetitionerRef) -> Option<&'static str> {
    if p.anonymous {
        return None;
    }
    match p.notify {
        Some(NotifyChannel::Sms) => Some(TOPIC_SMS),
        Some(NotifyChannel::Email) => Some(TOPIC_EMAIL),
        Some(NotifyChannel::None) => None,
        None => p.phone_masked.is_some().then_some(TOPIC_SMS),
    }
}

pub fn produce(_st: &AppState, c: &Change<'_>) -> Vec<OutboxMessage> {
    let p = &c.after.reg.petitioner;
    let message = |topic: &str, payload: Payload| {
        serde_json::to_string(&payload)
            .ok()
            .map(|json| OutboxMessage::new(topic, Some(c.after.id), json))
    };
    c.events
        .iter()
        .filter_map(Notice::of)
        .filter_map(|notice| match notice {
            // The order binds the unit holding the case; its staff are told by e-mail.
            Notice::Supervised => c.after.supervisions.last().and_then(|s| {
                message(
                    TOPIC_EMAIL,
                    Payload {
                        notice,
                        petitioner: None,
                        unit: Some(s.unit.clone()),
                        alert: None,
                    },
                )
            }),
            _ => topic(p).and_then(|t| {
                message(
                    t,
                    Payload {
                        notice,
                        petitioner: Some(p.id),
                        unit: None,
                        alert: None,
                    },
                )
            }),
        })
        .collect()
}

/// The e-mail about a newly raised alert to its unit's staff, when e-mail is configured. It is
/// committed with the alert (and only if the alert is new), so a raised alert always has its
/// notice queued.
pub fn alert_notice(st: &AppState, unit: Option<&str>, alert: uuid::Uuid) -> Option<OutboxMessage> {
    let unit = unit?.to_string();
    if !st.outbox.delivers(TOPIC_EMAIL) {
        return None;
    }
    let payload = serde_json::to_string(&Payload {
        notice: Notice::Alert,
        petitioner: None,
        unit: Some(unit),
        alert: Some(alert),
    })
    .ok()?;
    Some(OutboxMessage::new(TOPIC_EMAIL, None, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::case::PetitionerRef;
    use proptest::prelude::*;

    fn person(anonymous: bool, phone: bool, notify: Option<NotifyChannel>) -> PetitionerRef {
        PetitionerRef {
            id: uuid::Uuid::nil(),
            anonymous,
            name_masked: "张*".into(),
            phone_masked: phone.then(|| "138****0000".into()),
            organisation: false,
            notify,
        }
    }

    proptest! {
        /// An anonymous accuser never gets a notice, whatever else the record says; a chosen
        /// channel is kept; without a choice only a known phone leads anywhere (SMS).
        #[test]
        fn channel_rules(anon in any::<bool>(), phone in any::<bool>(), choice in 0u8..4) {
            let notify = [None, Some(NotifyChannel::Sms), Some(NotifyChannel::Email), Some(NotifyChannel::None)][choice as usize];
            let t = topic(&person(anon, phone, notify));
            if anon {
                prop_assert_eq!(t, None);
            } else {
                let expected = match notify {
                    Some(NotifyChannel::Sms) => Some(TOPIC_SMS),
                    Some(NotifyChannel::Email) => Some(TOPIC_EMAIL),
                    Some(NotifyChannel::None) => None,
                    None => phone.then_some(TOPIC_SMS),
                };
                prop_assert_eq!(t, expected);
            }
        }
    }
}
