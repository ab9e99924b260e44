//! The notices of a case as the case page shows them: which notice, on which channel, and
//! where its delivery stands. Never the address.

use super::producer::{Notice, Payload};
use super::{TOPIC_EMAIL, TOPIC_SMS};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use minsheng_store::{DeliveryState, StoreError};

pub struct NoticeRow {
    pub notice_zh: &'static str,
    pub notice_en: &'static str,
    pub channel_zh: &'static str,
    pub channel_en: &'static str,
    pub state: &'static str,
    pub state_zh: &'static str,
    pub state_en: &'static str,
    pub attempts: u32,
    pub created: String,
    pub delivered: String,
    pub last_error: String,
}

fn notice_words(n: Option<Notice>) -> (&'static str, &'static str) {
    match n {
        Some(Notice::Accepted) => ("受理告知", "Acceptance"),
        Some(Notice::Declined) => ("不予受理告知", "Not accepted"),
        Some(Notice::Extended) => ("延期告知", "Extension"),
        Some(Notice::Decided) => ("处理意见告知", "Answer"),
        Some(Notice::Alert) => ("预警通知", "Alert"),
        Some(Notice::Supervised) => ("督办通知（承办单位）", "Supervision order (to the unit)"),
        None => ("通知", "Notice"),
    }
}

pub async fn rows(
    st: &AppState,
    c: &Chrome,
    case_id: uuid::Uuid,
) -> Result<Vec<NoticeRow>, StoreError> {
    Ok(st
        .store
        .outbox_for_case(case_id)
        .await?
        .into_iter()
        .filter(|m| m.topic == TOPIC_SMS || m.topic == TOPIC_EMAIL)
        .map(|m| {
            let notice = serde_json::from_str::<Payload>(&m.payload)
                .ok()
                .map(|p| p.notice);
            let (notice_zh, notice_en) = notice_words(notice);
            let (channel_zh, channel_en) = if m.topic == TOPIC_SMS {
                ("短信", "SMS")
            } else {
                ("电子邮件", "E-mail")
            };
            let state = m.state();
            let (state_zh, state_en) = match state {
                DeliveryState::Pending if m.attempts > 0 => ("重试中", "Retrying"),
                DeliveryState::Pending => ("待发送", "Waiting"),
                DeliveryState::Delivered => ("已送达", "Delivered"),
                DeliveryState::Dead => ("发送失败", "Failed"),
            };
            NoticeRow {
                notice_zh,
                notice_en,
                channel_zh,
                channel_en,
                state: state.as_str(),
                state_zh,
                state_en,
                attempts: m.attempts,
                created: c.time(&m.created_at),
                delivered: m.delivered_at.map(|t| c.time(&t)).unwrap_or_default(),
                last_error: m.last_error.unwrap_or_default(),
            }
        })
        .collect())
}
