//! The 12345 work-order exchange (docs/exchange.md): a provincial 12345 platform pushes work
//! orders to `POST /exchange/v1/orders`, signed with its shared secret; each becomes a case (or
//! is joined to the case already handling the same matter), and every status change of such a
//! case goes back to the partner through the outbox, signed the same way.

pub mod admin;
pub mod error;
pub mod inbound;
pub mod order;
pub mod outbound;
pub mod signature;
pub mod view;

use crate::routes::{Routes, routes};
use crate::state::AppState;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// The exchange's operating settings (`minsheng serve` flags; tests may shorten them).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How far a message's timestamp may be from our clock, either way.
    pub timestamp_window: Duration,
    /// How long one delivery may take; well under the outbox lease, so a slow partner's
    /// message is never sent twice at once.
    pub delivery_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timestamp_window: Duration::from_secs(300),
            delivery_timeout: Duration::from_secs(10),
        }
    }
}

/// Registers the status feed's producer and deliverer with the outbox.
pub fn install(st: &AppState) {
    st.outbox.add_producer(outbound::produce);
    st.outbox
        .add_deliverer(Arc::new(outbound::Deliverer::default()));
}

/// A case merged into another (并单) hands its partner orders on: the primary records them,
/// so the partner hears about the case that now handles its matter. Failing here must not
/// undo the merge, which is committed: it is logged instead.
pub async fn follow_merge(st: &AppState, merged: &minsheng_core::workflow::CaseState) {
    let Some(primary) = &merged.merged_into else {
        return;
    };
    for o in &merged.external_orders {
        let record = minsheng_store::exchange::ReceivedOrder {
            partner_id: o.partner_id,
            order_id: o.order_id.clone(),
            body_hash: String::new(),
            case_id: primary.id,
            linked: true,
            received_at: o.at,
        };
        if let Err(e) = inbound::ensure_linked(st, &o.partner, &record).await {
            tracing::error!(error = %e, order = %o.order_id, "partner order did not follow the merge");
        }
    }
}

pub fn routes() -> Routes {
    routes![
        "/exchange/v1/orders" => post(inbound::receive),
        "/exchange/v1/schema/{file}" => get(schema),
        "/api/v1/admin/exchange/partners" => get(admin::list).post(admin::create),
        "/api/v1/admin/exchange/partners/{id}/active" => post(admin::set_active),
    ]
}

/// The published JSON Schemas, the same files as in docs/exchange/ (tests validate real
/// messages against them).
pub const SCHEMAS: &[(&str, &str)] = &[
    (
        "order.json",
        include_str!("../../../../docs/exchange/order.schema.json"),
    ),
    (
        "status.json",
        include_str!("../../../../docs/exchange/status.schema.json"),
    ),
    (
        "receipt.json",
        include_str!("../../../../docs/exchange/receipt.schema.json"),
    ),
];

async fn schema(Path(file): Path<String>) -> Response {
    match SCHEMAS.iter().find(|(name, _)| *name == file) {
        Some((_, text)) => {
            ([(header::CONTENT_TYPE, "application/schema+json")], *text).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(crate::error::ErrorBody {
                code: "not_found".into(),
                message_zh: "没有该格式说明；可用：order.json、status.json、receipt.json".into(),
                message_en: "No such schema; there are order.json, status.json and receipt.json"
                    .into(),
                article: None,
            }),
        )
            .into_response(),
    }
}
