//! The inbound work order (docs/exchange/order.schema.json) and its mapping onto a new case.
//! Pure: no store, so the fuzz target runs it on arbitrary bytes.

use super::error::FieldError;
use crate::service::{NewCaseInput, PetitionerInput};
use minsheng_core::case::{CaseKind, Channel, Location};
use minsheng_core::region::{Directory, UnitKind};
use serde::{Deserialize, Serialize};

/// Longest description a partner may send (a 12345 record, not a document).
const MAX_CONTENT: usize = 4000;

/// A work order as the partner sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The partner's own id of the order; the idempotency key.
    pub order_id: String,
    /// help, complaint, consultation, suggestion or report.
    pub kind: String,
    /// A topic code of our taxonomy.
    pub topic: String,
    #[serde(default)]
    pub title: Option<String>,
    pub content: String,
    /// A region code; the partner's own region when absent.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub urgent: bool,
    pub caller: Caller,
}

/// The person who called the partner's hotline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
}

const KINDS: &[CaseKind] = &[
    CaseKind::Help,
    CaseKind::Complaint,
    CaseKind::Consultation,
    CaseKind::Suggestion,
    CaseKind::Report,
];

/// Reads the body: JSON of the published shape, or the serde error as a field error.
pub fn parse_body(body: &[u8]) -> Result<OrderInput, Vec<FieldError>> {
    serde_json::from_slice(body).map_err(|e| {
        vec![FieldError::new(
            "body",
            format!("工单不是有效的 JSON 或不符合公布的格式：{e}"),
            format!("The order is not valid JSON of the published schema: {e}"),
        )]
    })
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks every field and maps the order onto a new case in the hotline flow, registered at
/// the hotline centre (or petition office) nearest to where the matter is. All field errors at
/// once, so the partner fixes them in one go.
pub fn to_case(
    dir: &Directory,
    partner_region: &str,
    o: &OrderInput,
) -> Result<NewCaseInput, Vec<FieldError>> {
    let mut errs = Vec::new();
    let order_id = o.order_id.trim();
    if order_id.is_empty()
        || order_id.chars().count() > minsheng_core::workflow::MAX_ORDER_ID
        || order_id.chars().any(char::is_control)
    {
        errs.push(FieldError::new(
            "order_id",
            format!(
                "order_id 应为1到{}个字符，且不含控制字符",
                minsheng_core::workflow::MAX_ORDER_ID
            ),
            format!(
                "order_id must have 1 to {} characters and no control characters",
                minsheng_core::workflow::MAX_ORDER_ID
            ),
        ));
    }
    let kind = KINDS.iter().copied().find(|k| k.as_str() == o.kind);
    if kind.is_none() {
        errs.push(FieldError::new(
            "kind",
            "kind 应为 help、complaint、consultation、suggestion 或 report",
            "kind must be help, complaint, consultation, suggestion or report",
        ));
    }
    if dir.topic(&o.topic).is_err() {
        errs.push(FieldError::new(
            "topic",
            "未知的问题分类代码",
            "Unknown topic code",
        ));
    }
    let content = o.content.trim();
    if content.chars().count() < 2 || content.chars().count() > MAX_CONTENT {
        errs.push(FieldError::new(
            "content",
            format!("content 应为2到{MAX_CONTENT}个字符"),
            format!("content must have 2 to {MAX_CONTENT} characters"),
        ));
    }
    let region = blank(&o.region).unwrap_or(partner_region).to_string();
    let office = if dir.region(&region).is_err() {
        errs.push(FieldError::new(
            "region",
            "未知的行政区划代码",
            "Unknown region code",
        ));
        None
    } else {
        let office = dir
            .nearest_unit(&region, UnitKind::HotlineCenter)
            .or_else(|| dir.nearest_unit(&region, UnitKind::PetitionOffice))
            .map(|u| u.id.clone());
        if office.is_none() {
            errs.push(FieldError::new(
                "region",
                "该地区没有受理单位",
                "No hotline centre or petition office covers this region",
            ));
        }
        office
    };
    let c = &o.caller;
    let (name, phone, id_number) = (blank(&c.name), blank(&c.phone), blank(&c.id_number));
    if c.anonymous && (name.is_some() || phone.is_some() || id_number.is_some()) {
        errs.push(FieldError::new(
            "caller",
            "匿名来电不登记姓名、电话和身份证号",
            "An anonymous caller has no name, phone or ID number",
        ));
    }
    if !c.anonymous && phone.is_none() {
        errs.push(FieldError::new(
            "caller.phone",
            "非匿名来电须有回复电话",
            "A caller who is not anonymous needs a phone number to report back to",
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let (Some(kind), Some(office)) = (kind, office) else {
        return Err(errs);
    };
    let title = match blank(&o.title) {
        Some(t) => t.to_string(),
        None => content.chars().take(40).collect(),
    };
    Ok(NewCaseInput {
        channel: Channel::Hotline12345,
        flow: None,
        kind,
        urgent: o.urgent,
        title,
        request: content.to_string(),
        facts_reasons: String::new(),
        topic: o.topic.clone(),
        location: Location {
            region,
            address: blank(&o.address).unwrap_or_default().to_string(),
            lat: None,
            lng: None,
        },
        petitioner: PetitionerInput {
            anonymous: c.anonymous,
            organisation: false,
            name: (!c.anonymous).then(|| name.unwrap_or("12345来电人").to_string()),
            phone: phone.map(str::to_string),
            id_number: id_number.map(str::to_string),
            address: None,
            email: None,
            // The partner platform answers its own caller (and hears every status change from
            // us): a second message from here would say the same thing twice.
            notify: Some(minsheng_core::petitioner::NotifyChannel::None),
        },
        group_size: 1,
        representatives: 1,
        office_unit: Some(office),
        accused_unit: None,
        about_officials: false,
    })
}
