//! Work orders of other platforms (a provincial 12345 platform) carried by a case. One matter is
//! handled once (不多头办理, 国办函〔2025〕66号): an order about a matter that is already a case
//! here is recorded on that case instead of opening a second one, and the partner is told
//! about that case from then on.

use super::{Command, Context, Event, Role};
use crate::error::DomainError;
use crate::workflow::CaseState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A partner's work order recorded on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExternalOrder {
    pub partner_id: uuid::Uuid,
    /// The partner's name when the order arrived (for people reading the case).
    pub partner: String,
    /// The partner's own id of the order.
    pub order_id: String,
    /// `false`: the case was opened for this order; `true`: the order was joined to a case
    /// that already existed for the same matter.
    pub linked: bool,
    pub at: DateTime<Utc>,
}

/// Longest order id a partner may use (an id, not a text).
pub const MAX_ORDER_ID: usize = 64;

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let Command::LinkExternalOrder {
        partner_id,
        partner,
        order_id,
        linked,
    } = cmd
    else {
        return Err(super::not_allowed(cmd.name(), s));
    };
    // Only the exchange itself records orders: it has checked the partner's signature.
    ctx.actor
        .require("link_external_order", &[Role::System], None)?;
    let order_id = super::text("order_id", order_id, 1, MAX_ORDER_ID)?;
    if s.external_orders
        .iter()
        .any(|o| o.partner_id == *partner_id && o.order_id == order_id)
    {
        return Err(DomainError::invalid(
            "order_id",
            "该工单已关联到本事项",
            "this work order is already recorded on the case",
        ));
    }
    Ok(vec![Event::ExternalOrderLinked {
        partner_id: *partner_id,
        partner: super::text("partner", partner, 1, 100)?,
        order_id,
        linked: *linked,
    }])
}
