//! `POST /exchange/v1/orders`: a partner pushes a work order. Checked in this order, and refused
//! before anything is written: the partner (401), the signature and timestamp (401), the body
//! (400 with the fields at fault), a replayed signature (409), an order id reused with another
//! body (409). Then the order becomes a case, or is joined to the open petition case that
//! already handles the same matter for the same person.

use super::error::ExchangeError;
use super::order::{self, OrderInput};
use super::outbound::FeedStatus;
use super::signature::{self, SignatureError};
use crate::error::ApiError;
use crate::service::{self, NewCaseInput};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minsheng_core::access::Actor;
use minsheng_core::case::Flow;
use minsheng_core::workflow::{CaseState, Command};
use minsheng_store::exchange::{Partner, ReceivedOrder};
use minsheng_store::{IdempotencyKey, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The answer to an accepted order (docs/exchange/receipt.schema.json).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub order_id: String,
    /// Our case number: the partner quotes it when it asks about the matter.
    pub case_number: String,
    /// The order was joined to a case that already handles the same matter.
    pub linked: bool,
    /// `received` or `linked` (then the status feed's vocabulary).
    pub status: String,
    /// The same order was received before; nothing new was done.
    pub duplicate: bool,
}

/// The system actor a partner's orders are registered as.
pub fn partner_actor(partner_name: &str) -> Actor {
    Actor::system(&format!("12345平台：{partner_name}"))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub async fn receive(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match handle(&st, &headers, &body).await {
        Ok((status, receipt)) => (status, axum::Json(receipt)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The partner named by `X-Partner`, checked against the signature.
async fn authenticate(
    st: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Partner, String), ExchangeError> {
    let partner = header(headers, signature::PARTNER)
        .and_then(|p| uuid::Uuid::parse_str(p.trim()).ok())
        .ok_or(ExchangeError::UnknownPartner)?;
    let (partner, secret) = match st.store.exchange_partner(partner).await? {
        Some((p, s)) if p.active => (p, s),
        _ => return Err(ExchangeError::UnknownPartner),
    };
    let (Some(ts), Some(sig)) = (
        header(headers, signature::TIMESTAMP),
        header(headers, signature::SIGNATURE),
    ) else {
        return Err(ExchangeError::MissingSignature);
    };
    signature::verify(
        &secret,
        ts,
        sig,
        body,
        service::now(),
        st.exchange.timestamp_window,
    )
    .map_err(|e| match e {
        SignatureError::Malformed => ExchangeError::MissingSignature,
        SignatureError::Mismatch => ExchangeError::BadSignature,
        SignatureError::Stale => ExchangeError::StaleTimestamp,
    })?;
    Ok((partner, sig.trim().to_ascii_lowercase()))
}

async fn handle(
    st: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(StatusCode, Receipt), ExchangeError> {
    let (partner, sig) = authenticate(st, headers, body).await?;
    let order = order::parse_body(body).map_err(ExchangeError::Invalid)?;
    let input =
        order::to_case(&st.directory(), &partner.region, &order).map_err(ExchangeError::Invalid)?;
    // The person is checked here too, so a bad phone number is refused before anything is kept.
    let person = service::parse_person(&input.petitioner)?;
    // Hash the parsed order, not the bytes: the same order re-serialised is the same order.
    let body_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&order).map_err(|e| ApiError::Internal(e.to_string()))?,
    ));
    let now = service::now();
    let window = chrono::Duration::from_std(st.exchange.timestamp_window)
        .unwrap_or(chrono::Duration::minutes(5));
    // Older signatures are forgotten: their timestamps are outside the window on both sides.
    if !st
        .store
        .exchange_note_signature(partner.id, &sig, now, now - window * 2)
        .await?
    {
        return Err(ExchangeError::Replayed);
    }
    let order_id = order.order_id.trim().to_string();
    if let Some(prev) = st.store.exchange_order(partner.id, &order_id).await? {
        if prev.body_hash != body_hash {
            return Err(ExchangeError::OrderConflict);
        }
        let case = ensure_linked(st, &partner.name, &prev).await?;
        return Ok((StatusCode::OK, receipt(&order, &case, prev.linked, true)));
    }
    let actor = partner_actor(&partner.name);
    let existing = same_matter_case(st, &person, &input).await?;
    let (case_id, linked) = match existing {
        Some(c) => (c.id, true),
        None => (
            register(st, &actor, &partner, &order, input, &body_hash)
                .await?
                .id,
            false,
        ),
    };
    let (recorded, first) = st
        .store
        .record_exchange_order(&ReceivedOrder {
            partner_id: partner.id,
            order_id: order_id.clone(),
            body_hash: body_hash.clone(),
            case_id,
            linked,
            received_at: now,
        })
        .await?;
    // Another request with the same order id got there first.
    if recorded.body_hash != body_hash {
        return Err(ExchangeError::OrderConflict);
    }
    let case = ensure_linked(st, &partner.name, &recorded).await?;
    Ok((
        if first {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        receipt(&order, &case, recorded.linked, !first),
    ))
}

fn receipt(order: &OrderInput, case: &CaseState, linked: bool, duplicate: bool) -> Receipt {
    Receipt {
        order_id: order.order_id.trim().to_string(),
        case_number: case.number.clone(),
        linked,
        status: if linked {
            FeedStatus::Linked
        } else {
            FeedStatus::of(case.status)
        }
        .as_str()
        .to_string(),
        duplicate,
    }
}

/// A new case for the order. The writer's idempotency key (partner, order id) makes a second
/// registration of the same order, after a crash between the steps here, return the first case.
async fn register(
    st: &AppState,
    actor: &Actor,
    partner: &Partner,
    order: &OrderInput,
    input: NewCaseInput,
    body_hash: &str,
) -> Result<CaseState, ExchangeError> {
    let key = IdempotencyKey {
        scope: format!("exchange:{}", partner.id),
        key: order.order_id.trim().to_string(),
        request_hash: body_hash.to_string(),
    };
    match service::register(st, actor, input, Some(key)).await {
        Ok(r) => Ok(r.case),
        Err(ApiError::Store(StoreError::IdempotencyMismatch)) => Err(ExchangeError::OrderConflict),
        Err(e) => Err(e.into()),
    }
}

/// Records the order on its case unless the case already carries it (a repeated order, or a
/// second request racing this one). Returns the case as it stands.
pub(crate) async fn ensure_linked(
    st: &AppState,
    partner_name: &str,
    o: &ReceivedOrder,
) -> Result<CaseState, ExchangeError> {
    let carries = |c: &CaseState| {
        c.external_orders
            .iter()
            .any(|x| x.partner_id == o.partner_id && x.order_id == o.order_id)
    };
    let case = st
        .store
        .get_case(o.case_id)
        .await?
        .ok_or(ExchangeError::Api(ApiError::NotFound))?;
    if carries(&case) {
        return Ok(case);
    }
    let cmd = Command::LinkExternalOrder {
        partner_id: o.partner_id,
        partner: partner_name.to_string(),
        order_id: o.order_id.clone(),
        linked: o.linked,
    };
    match service::execute(st, &partner_actor(partner_name), case, &cmd).await {
        Ok(c) => Ok(c),
        Err(e) => {
            // Lost a race with an identical request: the order is on the case all the same.
            let now = st.store.get_case(o.case_id).await?;
            match now {
                Some(c) if carries(&c) => Ok(c),
                _ => Err(e.into()),
            }
        }
    }
}

/// The open petition case of the same person on the same topic and matter, if any (Art. 19 ¶3
/// and 国办函〔2025〕66号: one matter is handled once). The most recent wins.
async fn same_matter_case(
    st: &AppState,
    person: &service::Person,
    input: &NewCaseInput,
) -> Result<Option<CaseState>, ExchangeError> {
    let phone = person.phone.as_ref().map(|p| st.store.phone_index(p));
    let id = person.id_number.as_ref().map(|i| st.store.id_index(i));
    if phone.is_none() && id.is_none() {
        return Ok(None);
    }
    let cases = st
        .store
        .cases_of_person(phone.as_deref(), id.as_deref())
        .await?;
    let text = format!("{}{}", input.request, input.facts_reasons);
    Ok(cases.into_iter().find(|c| {
        c.flow == Flow::Petition
            && !c.status.is_terminal()
            && c.topic == input.topic
            && minsheng_text::same_matter(&text, &format!("{}{}", c.request, c.facts_reasons))
    }))
}
