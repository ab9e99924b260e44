//! The escalation job: alerts left unacknowledged past their report-within deadline go one level
//! up the ladder (`alert::due_escalations`), and supervision orders ignored past their report
//! deadline go to the petition office one level up. It runs every `ESCALATION_EVERY` on each
//! node; the optimistic version check lets only one node's step land.

use super::publish;
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::alert;
use minsheng_core::workflow::Command;
use minsheng_store::{AppendAlert, StoreError};
use std::time::Duration;

/// How often the job looks for overdue alerts and orders. The shortest report-within deadline
/// is an hour, so a minute's delay is small against it.
pub const ESCALATION_EVERY: Duration = Duration::from_secs(60);

/// Escalates every alert whose deadline has passed at `now` by one level, and every ignored
/// supervision order one level up. Returns (alerts escalated, orders escalated).
pub async fn escalate_due(st: &AppState, now: DateTime<Utc>) -> ApiResult<(usize, usize)> {
    let mut alerts = 0;
    for rec in st.store.alerts_due(now).await? {
        let policy = st.policy_for_region(rec.region.as_deref().unwrap_or(""));
        let due = alert::due_escalations(now, std::slice::from_ref(&rec.alert), &policy.alert);
        let Some((_, event)) = due.into_iter().next() else {
            continue;
        };
        let Some(next) = alert::apply(Some(rec.alert.clone()), rec.alert.id, now, &event) else {
            continue;
        };
        let report_due = alert::report_due(&next, &policy.alert);
        match st
            .store
            .append_alert(AppendAlert {
                id: rec.alert.id,
                expected_version: rec.alert.version,
                at: now,
                actor: Actor::system("预警升级"),
                events: vec![event],
                next,
                report_due,
            })
            .await
        {
            Ok(done) => {
                alerts += 1;
                publish(st, &done);
            }
            // Acknowledged (or escalated by another node) in the meantime: nothing to do.
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let orders = escalate_orders(st, now).await?;
    Ok((alerts, orders))
}

/// Supervision orders past their report deadline with no report and not yet escalated.
async fn escalate_orders(st: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let system = Actor::system("督办升级");
    let mut n = 0;
    for case in st.store.cases_with_event("supervised").await? {
        let ignored = case
            .supervisions
            .iter()
            .any(|s| s.is_overdue(now) && s.escalated_to.is_none());
        if !ignored {
            continue;
        }
        match crate::service::append_decided(st, &system, &case, &Command::EscalateSupervision, now)
            .await
        {
            Ok(_) => n += 1,
            // Refused by a rule (no office above) or changed meanwhile: try again next round.
            Err(e) => tracing::warn!(error = %e, case = %case.number, "supervision not escalated"),
        }
    }
    Ok(n)
}

/// Starts the job on the runtime (called where the server starts).
pub fn spawn_escalation(st: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ESCALATION_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match escalate_due(&st, crate::service::now()).await {
                Ok((0, 0)) => {}
                Ok((a, o)) => tracing::info!(alerts = a, orders = o, "escalated"),
                Err(e) => tracing::error!(error = %e, "escalation job failed"),
            }
        }
    })
}
