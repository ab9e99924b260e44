//! HTML form bodies: parsed from `application/x-www-form-urlencoded` with our own bilingual
//! errors, and turned into the same inputs the JSON API takes, so the rules are checked once.

use crate::error::{ApiError, ApiResult};
use crate::service::{NewCaseInput, PetitionerInput};
use minsheng_core::case::{CaseKind, Channel, Flow, Location};
use minsheng_core::petitioner::NotifyChannel;
use minsheng_core::workflow::Command;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A form as ordered key → value; repeated keys keep the last value.
#[derive(Debug, Default, Clone)]
pub struct FormData(pub BTreeMap<String, String>);

impl FormData {
    pub fn parse(body: &[u8]) -> ApiResult<FormData> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
            ApiError::bad(
                "invalid_form",
                "表单内容无法解析",
                "The form could not be read",
            )
        })?;
        Ok(FormData(pairs.into_iter().collect()))
    }

    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }

    pub fn opt(&self, k: &str) -> Option<String> {
        self.0
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn checked(&self, k: &str) -> bool {
        matches!(self.get(k), "on" | "true" | "1" | "yes")
    }

    fn number(&self, k: &str, default: u32) -> ApiResult<u32> {
        match self.opt(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                ApiError::bad(
                    "invalid_number",
                    format!("“{k}”应为正整数"),
                    format!("“{k}” must be a whole number"),
                )
            }),
        }
    }
}

/// The fields of a new-case form (citizen portal and intake console share them).
pub fn new_case(f: &FormData, channel: Channel, staff: bool) -> ApiResult<NewCaseInput> {
    let kind = CaseKind::parse(f.get("kind"))?;
    let flow = match f.opt("flow") {
        Some(fl) if staff => Some(Flow::parse(&fl)?),
        _ => None,
    };
    let anonymous = kind == CaseKind::Accusation && f.checked("anonymous");
    let petitioner = if anonymous {
        PetitionerInput {
            anonymous: true,
            organisation: false,
            name: None,
            phone: None,
            id_number: None,
            address: None,
            email: None,
            notify: None,
        }
    } else {
        PetitionerInput {
            anonymous: false,
            organisation: f.checked("organisation"),
            name: f.opt("name"),
            phone: f.opt("phone"),
            id_number: f.opt("id_number"),
            address: f.opt("home_address"),
            email: f.opt("email"),
            notify: match f.get("notify") {
                "" => None,
                n => Some(NotifyChannel::parse(n).ok_or_else(|| {
                    minsheng_core::DomainError::invalid(
                        "petitioner.notify",
                        "通知方式须为短信、邮件或不通知",
                        "the notice channel must be sms, email or none",
                    )
                })?),
            },
        }
    };
    Ok(NewCaseInput {
        channel,
        flow,
        kind,
        urgent: staff && f.checked("urgent"),
        title: f.get("title").to_string(),
        request: f.get("request").to_string(),
        facts_reasons: f.get("facts_reasons").to_string(),
        topic: f.get("topic").to_string(),
        location: Location {
            region: f.get("region").to_string(),
            address: f.get("address").to_string(),
            lat: None,
            lng: None,
        },
        petitioner,
        group_size: if staff { f.number("group_size", 1)? } else { 1 },
        representatives: if staff {
            f.number("representatives", 1)?
        } else {
            1
        },
        office_unit: None,
        accused_unit: f.opt("accused_unit"),
        about_officials: kind == CaseKind::Accusation && f.checked("about_officials"),
    })
}

/// Form fields that are not part of a command.
const NOT_COMMAND_FIELDS: &[&str] = &["version"];
const NUMBER_FIELDS: &[&str] = &["days", "respond_within_days"];
const BOOL_FIELDS: &[&str] = &["report_required", "resolved", "mediation"];

/// A workflow command from an action form: `command` names it, the other fields are its
/// arguments, checked by the same deserializer as the JSON API.
pub fn command(f: &FormData) -> ApiResult<Command> {
    let mut obj = serde_json::Map::new();
    for (k, v) in &f.0 {
        if NOT_COMMAND_FIELDS.contains(&k.as_str()) {
            continue;
        }
        let value = if NUMBER_FIELDS.contains(&k.as_str()) {
            match v.trim().parse::<u32>() {
                Ok(n) => serde_json::Value::from(n),
                Err(_) => {
                    return Err(ApiError::bad(
                        "invalid_number",
                        "天数应为正整数",
                        "The number of days must be a whole number",
                    ));
                }
            }
        } else if BOOL_FIELDS.contains(&k.as_str()) {
            serde_json::Value::Bool(matches!(v.as_str(), "on" | "true" | "1"))
        } else {
            serde_json::Value::String(v.clone())
        };
        obj.insert(k.clone(), value);
    }
    for b in BOOL_FIELDS {
        // An unticked checkbox sends nothing; say false so commands that need it still parse.
        if command_takes(f.get("command"), b) {
            obj.entry(b.to_string())
                .or_insert(serde_json::Value::Bool(false));
        }
    }
    Command::deserialize(serde_json::Value::Object(obj)).map_err(|e| {
        ApiError::bad(
            "invalid_command",
            format!("操作内容不完整或有误：{e}"),
            format!("The action is incomplete or invalid: {e}"),
        )
    })
}

fn command_takes(command: &str, field: &str) -> bool {
    matches!(
        (command, field),
        ("transfer", "report_required") | ("follow_up", "resolved") | ("settle", "mediation")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_from_forms() {
        let f = FormData::parse(b"command=extend&days=30&approver=%E7%8E%8B&reason=x&version=3")
            .unwrap();
        assert!(matches!(
            command(&f).unwrap(),
            Command::Extend { days: 30, .. }
        ));
        let f = FormData::parse(b"command=transfer&to_unit=u1&mode=assign&note=").unwrap();
        assert!(matches!(
            command(&f).unwrap(),
            Command::Transfer {
                report_required: false,
                ..
            }
        ));
        let f = FormData::parse(
            b"command=issue_opinion&request=a&facts_reasons=b&opinion=c&legal_basis=d&outcome=support",
        )
        .unwrap();
        assert!(matches!(command(&f).unwrap(), Command::IssueOpinion(_)));
        for bad in [
            &b"command=extend&days=-1&approver=a&reason=b"[..],
            b"command=launch_rockets",
            b"command=accept&notice=a&evil=1",
            b"days=3",
        ] {
            let f = FormData::parse(bad).unwrap();
            assert!(command(&f).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
