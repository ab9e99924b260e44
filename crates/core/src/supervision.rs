//! Supervision queues (督查督办) that fill themselves: pure predicates over a case's state, its
//! KPI facts and its alerts. The store runs them when it refreshes a case and lists the cases
//! for which any holds.

use crate::alert::{Alert, AlertStatus};
use crate::calendar::Calendar;
use crate::deadline::{self, Due};
use crate::kpi::CaseFacts;
use crate::policy::{PolicySet, RatingClass};
use crate::workflow::CaseState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a case is in the supervision queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum QueueReason {
    /// A unit's duty at the current step is past its deadline.
    Overdue { due: Due },
    /// The latest rating is 不满意 (or the latest hotline follow-up found it unresolved).
    RatedUnsatisfied,
    /// The petitioner came back on the same matter while this case is not final.
    RepeatOnOpenCase,
    /// An open alert on the case at or above the queue's level.
    Alert { alert: uuid::Uuid, level: u8 },
}

impl QueueReason {
    pub fn zh(&self) -> &'static str {
        match self {
            QueueReason::Overdue { .. } => "超期",
            QueueReason::RatedUnsatisfied => "群众不满意",
            QueueReason::RepeatOnOpenCase => "未终结事项重复信访",
            QueueReason::Alert { .. } => "预警",
        }
    }
}

/// The duty deadline of the current step, if it has passed at `now`.
pub fn overdue(s: &CaseState, p: &PolicySet, cal: &Calendar, now: DateTime<Utc>) -> Option<Due> {
    if s.status.is_terminal() {
        return None;
    }
    deadline::current_duty(s, p, cal).filter(|d| now >= d.due)
}

/// The petitioner's latest word on the case is 不满意 (the hotline's unresolved counts too:
/// the decider treats it the same way for reopening).
pub fn rated_unsatisfied(f: &CaseFacts) -> bool {
    if let Some(resolved) = f.followup_resolved
        && !resolved
    {
        return true;
    }
    f.latest_rating()
        .is_some_and(|r| r.class == Some(RatingClass::Unsatisfied))
}

/// A repeat petition arrived while this case is still open (not final, not closed).
pub fn repeat_on_open_case(f: &CaseFacts) -> bool {
    f.repeated_later && !f.status.is_terminal()
}

/// An alert still open at `level` or more severe (level 1 is the most severe).
pub fn alert_at_or_above(a: &Alert, level: u8) -> bool {
    a.status != AlertStatus::Closed && a.level <= level
}

/// Every reason the case is in the queue now. `alerts` are the alerts whose evidence names the
/// case; `alert_level` is the queue's threshold.
pub fn queue_reasons(
    s: &CaseState,
    f: &CaseFacts,
    alerts: &[Alert],
    alert_level: u8,
    p: &PolicySet,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Vec<QueueReason> {
    let mut out = Vec::new();
    if let Some(due) = overdue(s, p, cal, now) {
        out.push(QueueReason::Overdue { due });
    }
    if rated_unsatisfied(f) {
        out.push(QueueReason::RatedUnsatisfied);
    }
    if repeat_on_open_case(f) {
        out.push(QueueReason::RepeatOnOpenCase);
    }
    out.extend(
        alerts
            .iter()
            .filter(|a| alert_at_or_above(a, alert_level))
            .map(|a| QueueReason::Alert {
                alert: a.id,
                level: a.level,
            }),
    );
    out
}
