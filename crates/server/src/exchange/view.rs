//! The case page's exchange section: the partner orders the case answers and how each status
//! message to the partner fared (templates/parts/exchange.html).

use super::outbound::{Pending, TOPIC_PREFIX, zh_en};
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::workflow::CaseState;
use minsheng_store::DeliveryState;

pub struct OrderRow {
    pub partner: String,
    pub order_id: String,
    pub linked: bool,
    pub at: String,
}

pub struct DeliveryRow {
    pub created: String,
    pub order_id: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub state: &'static str,
    pub state_zh: &'static str,
    pub state_en: &'static str,
    pub attempts: u32,
    pub last_error: String,
}

#[derive(Default)]
pub struct CaseExchange {
    pub orders: Vec<OrderRow>,
    pub deliveries: Vec<DeliveryRow>,
}

impl CaseExchange {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

fn state_labels(s: DeliveryState) -> (&'static str, &'static str) {
    match s {
        DeliveryState::Pending => (
            "待发送（失败后按退避重试）",
            "Waiting (retried with back-off)",
        ),
        DeliveryState::Delivered => ("已送达", "Delivered"),
        DeliveryState::Dead => ("发送失败，已放弃", "Failed; given up"),
    }
}

pub async fn for_case(
    st: &AppState,
    case: &CaseState,
    time: impl Fn(&DateTime<Utc>) -> String,
) -> ApiResult<CaseExchange> {
    if case.external_orders.is_empty() {
        return Ok(CaseExchange::default());
    }
    let orders = case
        .external_orders
        .iter()
        .map(|o| OrderRow {
            partner: o.partner.clone(),
            order_id: o.order_id.clone(),
            linked: o.linked,
            at: time(&o.at),
        })
        .collect();
    let deliveries = st
        .store
        .outbox_for_case(case.id)
        .await?
        .into_iter()
        .filter(|m| m.topic.starts_with(TOPIC_PREFIX))
        .map(|m| {
            let p: Option<Pending> = serde_json::from_str(&m.payload).ok();
            let state = m.state();
            let (zh, en) = state_labels(state);
            DeliveryRow {
                created: time(&m.created_at),
                order_id: p.as_ref().map(|p| p.order_id.clone()).unwrap_or_default(),
                status_zh: p.as_ref().map(|p| zh_en(p.status).0).unwrap_or_default(),
                status_en: p.as_ref().map(|p| zh_en(p.status).1).unwrap_or_default(),
                state: state.as_str(),
                state_zh: zh,
                state_en: en,
                attempts: m.attempts,
                last_error: m.last_error.unwrap_or_default(),
            }
        })
        .collect();
    Ok(CaseExchange { orders, deliveries })
}
