//! The early-warning engine. After each registration it gathers the rules' inputs (risk phrases
//! from the text module, the registration's group size and skip-level flag, place × topic counts
//! from the store, near-duplicates from the related-case index, the caller's recent cases),
//! runs the pure rules of `minsheng_core::alert`, and raises what they return (once per key).
//! Raised and changed alerts go out on a broadcast channel that feeds the workbench's live
//! stream. A background job escalates alerts left unacknowledged past their report-within
//! deadline.

pub mod api;
pub mod demo;
mod engine;
mod escalation;
pub mod queue;

pub use engine::{after_registration, evaluate};
pub use escalation::{ESCALATION_EVERY, escalate_due, spawn_escalation};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::alert::{self, AlertCommand, AlertError};
use minsheng_core::region::Directory;
use minsheng_store::{AlertRecord, AppendAlert, RaiseAlert, StoreError};
use std::sync::Arc;

/// How many alert notices the live channel holds for a slow listener before it skips ahead.
pub const CHANNEL_CAPACITY: usize = 256;

/// The live channel: every raised or changed alert, for the stream to filter per viewer.
pub type AlertSender = tokio::sync::broadcast::Sender<Arc<AlertRecord>>;

pub fn channel() -> AlertSender {
    tokio::sync::broadcast::channel(CHANNEL_CAPACITY).0
}

/// Who sees an alert: supervisors and administrators all; petition offices and intake the
/// alerts located in their unit's region (or below) or about their unit; handling units the
/// alerts about their own unit.
pub fn visible(actor: &Actor, rec: &AlertRecord, dir: &Directory) -> bool {
    let own_unit = actor.unit.is_some() && rec.unit == actor.unit;
    match actor.role {
        // Analysts belong to no unit (user administration refuses one), so no alert can be
        // about an accusation against them.
        Role::Admin | Role::Supervisor | Role::System | Role::Analyst => true,
        Role::Coordinator | Role::Intake => {
            own_unit
                || actor
                    .unit
                    .as_deref()
                    .and_then(|u| dir.unit(u).ok())
                    .zip(rec.region.as_deref())
                    .is_some_and(|(u, r)| dir.is_within(r, &u.region))
        }
        Role::Handler => own_unit,
        // Grid workers see matters of their grid on the grid pages, not early-warning alerts.
        Role::Citizen | Role::GridWorker => false,
    }
}

/// `visible`, and for everyone but supervisors and administrators also that the viewer may
/// open at least one case the alert names: an accused unit never learns of an alert about an
/// accusation against it through its region or its unit (Art. 30).
pub async fn visible_to(st: &AppState, actor: &Actor, rec: &AlertRecord) -> ApiResult<bool> {
    let dir = st.directory();
    if !may_view(actor) || !visible(actor, rec, &dir) {
        return Ok(false);
    }
    if matches!(
        actor.role,
        Role::Admin | Role::Supervisor | Role::System | Role::Analyst
    ) || rec.alert.evidence.cases.is_empty()
    {
        return Ok(true);
    }
    Ok(st
        .store
        .get_cases(&rec.alert.evidence.cases)
        .await?
        .iter()
        .any(|case| access::can_view(actor, case, &dir)))
}

/// The alert as `actor` may read it: the evidence names only the cases the actor may open.
/// An alert is visible when one of its cases is; the others (an accusation against the
/// viewer's own unit, say) must not travel with it, not even as ids.
pub async fn redacted_for(
    st: &AppState,
    actor: &Actor,
    mut rec: AlertRecord,
) -> ApiResult<AlertRecord> {
    if matches!(actor.role, Role::Admin | Role::Supervisor | Role::System) {
        return Ok(rec);
    }
    let dir = st.directory();
    rec.alert.evidence.cases = st
        .store
        .get_cases(&rec.alert.evidence.cases)
        .await?
        .iter()
        .filter(|case| access::can_view(actor, case, &dir))
        .map(|case| case.id)
        .collect();
    Ok(rec)
}

/// Who may acknowledge, handle and close alerts they see: the duty officers of supervision and
/// of the petition offices.
pub fn may_act(actor: &Actor) -> bool {
    matches!(actor.role, Role::Supervisor | Role::Coordinator)
}

/// Who may open the alert pages at all (each alert still passes `visible`).
pub fn may_view(actor: &Actor) -> bool {
    actor.role != Role::Citizen
}

/// Raises a draft (once per key) and tells the live channel when it is new.
pub async fn raise(
    st: &AppState,
    draft: alert::AlertDraft,
    region: Option<String>,
    unit: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<(AlertRecord, bool)> {
    let policy = st.policy_for_region(region.as_deref().unwrap_or(""));
    let id = uuid::Uuid::now_v7();
    let report_due = alert::apply(None, id, at, &alert::AlertEvent::Raised(draft.clone()))
        .and_then(|a| alert::report_due(&a, &policy.alert));
    let notices: Vec<_> = crate::notify::producer::alert_notice(st, unit.as_deref(), id)
        .into_iter()
        .collect();
    let wake = !notices.is_empty();
    let (rec, new) = st
        .store
        .raise_alert(RaiseAlert {
            id,
            draft,
            region,
            unit,
            at,
            actor: Actor::system("预警引擎"),
            report_due,
            notices,
        })
        .await?;
    if new {
        publish(st, &rec);
        if wake {
            st.outbox.wake();
        }
    }
    Ok((rec, new))
}

fn publish(st: &AppState, rec: &AlertRecord) {
    // No listener is not an error: nobody has a workbench open.
    let _ = st.alerts.send(Arc::new(rec.clone()));
}

fn alert_error(e: AlertError) -> ApiError {
    match e {
        AlertError::NotAllowed { command, status } => {
            let zh = match command {
                "acknowledge" => "签收",
                "handle" => "处置",
                _ => "关闭",
            };
            let status_zh = alert_status_zh(status);
            ApiError::bad(
                "alert_not_allowed",
                format!("预警当前为“{status_zh}”，不能{zh}（须依次签收、处置、关闭）"),
                format!(
                    "cannot {command} an alert that is {status} (acknowledge, handle, close in order)"
                ),
            )
        }
        AlertError::Empty { field: "note" } => ApiError::bad(
            "note_required",
            "请填写处置情况说明",
            "Describe how the alert was handled",
        ),
        AlertError::Empty { .. } => ApiError::bad(
            "field_required",
            "缺少必填项",
            "A required field is missing",
        ),
    }
}

fn alert_status_zh(status: &str) -> &'static str {
    use minsheng_core::alert::AlertStatus as S;
    [S::Raised, S::Acknowledged, S::Handled, S::Closed]
        .into_iter()
        .find(|s| s.as_str() == status)
        .map_or("未知", S::zh)
}

/// Parses a lifecycle step by name, as the forms and the API send it.
pub fn command(name: &str, by: &str, note: &str) -> ApiResult<AlertCommand> {
    let note: String = note.trim().chars().take(2000).collect();
    let by = by.to_string();
    Ok(match name {
        "acknowledge" => AlertCommand::Acknowledge { by, note },
        "handle" => AlertCommand::Handle { by, note },
        "close" => AlertCommand::Close { by, note },
        _ => {
            return Err(ApiError::bad(
                "unknown_command",
                "未知的预警操作",
                "Unknown alert action",
            ));
        }
    })
}

/// Loads an alert this staff member may see; 404 otherwise, so existence is not disclosed.
pub async fn load_visible(st: &AppState, actor: &Actor, id: &str) -> ApiResult<AlertRecord> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    match st.store.get_alert(id).await? {
        Some(rec) if visible_to(st, actor, &rec).await? => Ok(rec),
        _ => Err(ApiError::NotFound),
    }
}

/// Runs a lifecycle step on an alert the actor may see, re-reading once if someone else got
/// there first.
pub async fn act(
    st: &AppState,
    actor: &Actor,
    id: &str,
    cmd: &AlertCommand,
    at: DateTime<Utc>,
) -> ApiResult<AlertRecord> {
    let mut rec = load_visible(st, actor, id).await?;
    if !may_act(actor) {
        return Err(ApiError::Forbidden);
    }
    for _attempt in 0..3 {
        let events = alert::decide(&rec.alert, cmd).map_err(alert_error)?;
        let policy = st.policy_for_region(rec.region.as_deref().unwrap_or(""));
        let mut next = rec.alert.clone();
        for e in &events {
            next = alert::apply(Some(next), rec.alert.id, at, e)
                .ok_or_else(|| ApiError::Internal("apply lost the alert".into()))?;
        }
        let report_due = alert::report_due(&next, &policy.alert);
        match st
            .store
            .append_alert(AppendAlert {
                id: rec.alert.id,
                expected_version: rec.alert.version,
                at,
                actor: actor.clone(),
                events,
                next,
                report_due,
            })
            .await
        {
            Ok(done) => {
                publish(st, &done);
                return Ok(done);
            }
            Err(StoreError::Conflict) => {
                rec = load_visible(st, actor, id).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}
