//! The alert lifecycle as a small decider: raised → acknowledged → handled → closed, every step
//! an event. An alert not acknowledged within its level's report-within deadline escalates one
//! level up the ladder (to a more severe level, with a shorter deadline from then on).

use super::{AlertDraft, AlertRule, Evidence};
use crate::policy::AlertPolicy;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Raised,
    Acknowledged,
    Handled,
    Closed,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Raised => "raised",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Handled => "handled",
            AlertStatus::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            AlertStatus::Raised => "已发出",
            AlertStatus::Acknowledged => "已签收",
            AlertStatus::Handled => "已处置",
            AlertStatus::Closed => "已关闭",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertEvent {
    Raised(AlertDraft),
    Acknowledged { by: String, note: String },
    Escalated { from: u8, to: u8 },
    Handled { by: String, note: String },
    Closed { by: String, note: String },
}

impl AlertEvent {
    pub fn name(&self) -> &'static str {
        match self {
            AlertEvent::Raised(_) => "raised",
            AlertEvent::Acknowledged { .. } => "acknowledged",
            AlertEvent::Escalated { .. } => "escalated",
            AlertEvent::Handled { .. } => "handled",
            AlertEvent::Closed { .. } => "closed",
        }
    }

    pub fn zh(&self) -> &'static str {
        match self {
            AlertEvent::Raised(_) => "发出预警",
            AlertEvent::Acknowledged { .. } => "签收",
            AlertEvent::Escalated { .. } => "超时升级",
            AlertEvent::Handled { .. } => "处置",
            AlertEvent::Closed { .. } => "关闭",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            AlertEvent::Raised(_) => "Raised",
            AlertEvent::Acknowledged { .. } => "Acknowledged",
            AlertEvent::Escalated { .. } => "Escalated (not acknowledged in time)",
            AlertEvent::Handled { .. } => "Handled",
            AlertEvent::Closed { .. } => "Closed",
        }
    }

    /// The note written with the step, if any.
    pub fn note(&self) -> Option<&str> {
        match self {
            AlertEvent::Acknowledged { note, .. }
            | AlertEvent::Handled { note, .. }
            | AlertEvent::Closed { note, .. } => Some(note.as_str()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AlertCommand {
    Acknowledge { by: String, note: String },
    Handle { by: String, note: String },
    Close { by: String, note: String },
}

impl AlertCommand {
    pub fn name(&self) -> &'static str {
        match self {
            AlertCommand::Acknowledge { .. } => "acknowledge",
            AlertCommand::Handle { .. } => "handle",
            AlertCommand::Close { .. } => "close",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertError {
    #[error("{command} is not allowed while the alert is {status}")]
    NotAllowed {
        command: &'static str,
        status: &'static str,
    },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
}

/// An alert as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: uuid::Uuid,
    pub rule: AlertRule,
    pub key: String,
    pub level: u8,
    /// The level it was raised at (before escalations).
    pub raised_level: u8,
    pub evidence: Evidence,
    pub status: AlertStatus,
    pub raised_at: DateTime<Utc>,
    /// When the current level began: the report-within clock runs from here.
    pub level_since: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub escalations: u32,
    pub version: u64,
}

/// Folds one event. `None` only before `Raised`.
pub fn apply(
    alert: Option<Alert>,
    id: uuid::Uuid,
    at: DateTime<Utc>,
    event: &AlertEvent,
) -> Option<Alert> {
    let mut a = match (alert, event) {
        (None, AlertEvent::Raised(d)) => {
            return Some(Alert {
                id,
                rule: d.rule,
                key: d.key.clone(),
                level: d.level,
                raised_level: d.level,
                evidence: d.evidence.clone(),
                status: AlertStatus::Raised,
                raised_at: at,
                level_since: at,
                acknowledged_at: None,
                acknowledged_by: None,
                handled_at: None,
                closed_at: None,
                escalations: 0,
                version: 1,
            });
        }
        (None, _) => return None,
        (Some(a), _) => a,
    };
    a.version += 1;
    match event {
        AlertEvent::Raised(_) => {}
        AlertEvent::Acknowledged { by, .. } => {
            a.status = AlertStatus::Acknowledged;
            a.acknowledged_at = Some(at);
            a.acknowledged_by = Some(by.clone());
        }
        AlertEvent::Escalated { to, .. } => {
            a.level = *to;
            a.level_since = at;
            a.escalations += 1;
        }
        AlertEvent::Handled { .. } => {
            a.status = AlertStatus::Handled;
            a.handled_at = Some(at);
        }
        AlertEvent::Closed { .. } => {
            a.status = AlertStatus::Closed;
            a.closed_at = Some(at);
        }
    }
    Some(a)
}

/// What a command means for an alert. The order is fixed: a duty officer cannot close what
/// nobody acknowledged, so the record always shows who took it on.
pub fn decide(a: &Alert, cmd: &AlertCommand) -> Result<Vec<AlertEvent>, AlertError> {
    use AlertStatus::*;
    let (by, note) = match cmd {
        AlertCommand::Acknowledge { by, note }
        | AlertCommand::Handle { by, note }
        | AlertCommand::Close { by, note } => (by.trim(), note.trim()),
    };
    if by.is_empty() {
        return Err(AlertError::Empty { field: "by" });
    }
    let (by, note) = (by.to_string(), note.to_string());
    match (a.status, cmd) {
        (Raised, AlertCommand::Acknowledge { .. }) => {
            Ok(vec![AlertEvent::Acknowledged { by, note }])
        }
        (Acknowledged, AlertCommand::Handle { .. }) => {
            if note.is_empty() {
                return Err(AlertError::Empty { field: "note" });
            }
            Ok(vec![AlertEvent::Handled { by, note }])
        }
        (Handled, AlertCommand::Close { .. }) => Ok(vec![AlertEvent::Closed { by, note }]),
        (status, cmd) => Err(AlertError::NotAllowed {
            command: cmd.name(),
            status: status.as_str(),
        }),
    }
}

/// When the alert must be acknowledged at its current level; `None` once acknowledged, or if the
/// policy no longer has its level.
pub fn report_due(a: &Alert, p: &AlertPolicy) -> Option<DateTime<Utc>> {
    if a.status != AlertStatus::Raised {
        return None;
    }
    let hours = p.level(a.level)?.report_within_hours;
    Some(a.level_since + Duration::hours(i64::from(hours)))
}

/// Alerts whose report-within deadline has passed unacknowledged, with the escalation to append
/// (one level more severe). An alert already at the top level is not escalated further; it
/// stays overdue for the supervision queue.
pub fn due_escalations(
    now: DateTime<Utc>,
    alerts: &[Alert],
    p: &AlertPolicy,
) -> Vec<(uuid::Uuid, AlertEvent)> {
    let top = p.top_level();
    alerts
        .iter()
        .filter(|a| a.level > top)
        .filter(|a| report_due(a, p).is_some_and(|due| now >= due))
        .map(|a| {
            (
                a.id,
                AlertEvent::Escalated {
                    from: a.level,
                    to: a.level - 1,
                },
            )
        })
        .collect()
}
