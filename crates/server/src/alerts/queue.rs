//! The supervision queue (督查督办) that fills itself: every open case in the viewer's scope
//! for which `supervision::queue_reasons` gives a reason (overdue at its step, rated 不满意,
//! a repeat petition while not final, an open alert at or above the policy's level), plus the
//! supervision orders with their report deadlines and the leader-owned cases (领导包案).

use crate::error::{ApiError, ApiResult};
use crate::service::scope_for;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::kpi::{self, CaseLinks};
use minsheng_core::supervision::{self, QueueReason};
use minsheng_core::workflow::{CaseState, Supervision};
use minsheng_store::Scope;

/// How many open cases one queue build looks at (oldest first).
const MAX_OPEN: u32 = 5000;

/// Supervisors, petition office coordinators and administrators work the queue.
pub fn may_supervise(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Supervisor | Role::Coordinator | Role::Admin
    )
}

pub struct QueueItem {
    pub case: CaseState,
    pub reasons: Vec<QueueReason>,
}

fn regions_in_scope(st: &AppState, actor: &Actor) -> ApiResult<Option<Vec<String>>> {
    if !may_supervise(actor) {
        return Err(ApiError::Forbidden);
    }
    Ok(match scope_for(st, actor)? {
        Scope::All => None,
        Scope::Local { regions, .. } => Some(regions),
        Scope::Unit(_) => return Err(ApiError::Forbidden),
    })
}

/// A later case repeats this one: a duplicate was merged into it, or the same caller came back
/// later with the same matter (same topic group, near-identical text). `callers` holds every
/// case of the case's caller.
fn repeated_later(case: &CaseState, callers: Option<&Vec<CaseState>>) -> bool {
    if !case.duplicates.is_empty() {
        return true;
    }
    let Some(theirs) = callers else {
        return false;
    };
    let text = format!("{}{}", case.request, case.facts_reasons);
    let group = crate::textindex::topic_group(&case.topic);
    theirs.iter().any(|c| {
        c.id != case.id
            && c.registered_at > case.registered_at
            && crate::textindex::topic_group(&c.topic) == group
            && minsheng_text::same_matter(&text, &format!("{}{}", c.request, c.facts_reasons))
    })
}

/// The queue at `now`: open cases in scope with their reasons, most reasons first. The
/// events, callers and alerts of all candidates are read in a few batched queries, not per case.
pub async fn build(st: &AppState, actor: &Actor, now: DateTime<Utc>) -> ApiResult<Vec<QueueItem>> {
    let regions = regions_in_scope(st, actor)?;
    let dir = st.directory();
    let open: Vec<CaseState> = st
        .store
        .open_cases(regions.as_deref(), MAX_OPEN)
        .await?
        .into_iter()
        .filter(|c| access::can_view(actor, c, &dir))
        .collect();
    let ids: Vec<uuid::Uuid> = open.iter().map(|c| c.id).collect();
    let mut events = st.store.events_of_cases(&ids).await?;
    let phones = st.store.phone_hashes_of(&ids).await?;
    let mut distinct: Vec<String> = phones.values().cloned().collect();
    distinct.sort();
    distinct.dedup();
    let callers = st.store.cases_by_phone_indexes(&distinct).await?;
    let mut alerts = st.store.alerts_for_cases(&ids).await?;
    let mut out = Vec::new();
    for case in open {
        let policy = st.policy_for_region(&case.location.region);
        let history = events.remove(&case.id).unwrap_or_default();
        let links = CaseLinks {
            repeat_of: None,
            repeated_later: repeated_later(
                &case,
                phones.get(&case.id).and_then(|h| callers.get(h)),
            ),
        };
        let Ok(facts) = kpi::derive(
            case.id,
            history.iter().map(|r| (r.at, &r.event)),
            &links,
            &policy,
            &st.calendar,
            now,
        ) else {
            continue;
        };
        let case_alerts: Vec<_> = alerts
            .remove(&case.id)
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.alert)
            .collect();
        let reasons = supervision::queue_reasons(
            &case,
            &facts,
            &case_alerts,
            policy.alert.supervision_level,
            &policy,
            &st.calendar,
            now,
        );
        if !reasons.is_empty() {
            out.push(QueueItem { case, reasons });
        }
    }
    out.sort_by_key(|q| std::cmp::Reverse(q.reasons.len()));
    Ok(out)
}

/// One supervision order with its case.
pub struct Order {
    pub case: CaseState,
    pub order: Supervision,
}

/// Supervision orders on cases the viewer may see: open ones first, then by deadline.
pub async fn orders(st: &AppState, actor: &Actor) -> ApiResult<Vec<Order>> {
    regions_in_scope(st, actor)?;
    let dir = st.directory();
    let mut out = Vec::new();
    for case in st.store.cases_with_event("supervised").await? {
        if !access::can_view(actor, &case, &dir) {
            continue;
        }
        for s in &case.supervisions {
            out.push(Order {
                case: case.clone(),
                order: s.clone(),
            });
        }
    }
    out.sort_by_key(|o| (!o.order.is_open(), o.order.report_due()));
    Ok(out)
}

/// Leader-owned cases the viewer may see, and how many of them are resolved.
pub struct LeaderCases {
    pub cases: Vec<CaseState>,
    pub resolved: usize,
}

/// 领导包案 resolution: the matter was answered (a handling opinion, a settlement or a hotline
/// reply) and is not being handled or reviewed any more. See docs/kpi.md.
pub fn is_resolved(c: &CaseState) -> bool {
    use minsheng_core::case::Status;
    // A settlement (调解/和解) closes the case without an opinion: closed counts as answered.
    let answered = c.answered_at.is_some() || c.replied_at.is_some() || c.status == Status::Closed;
    answered
        && matches!(
            c.status,
            Status::Answered | Status::Reviewed | Status::Final | Status::Replied | Status::Closed
        )
}

pub async fn leader_cases(st: &AppState, actor: &Actor) -> ApiResult<LeaderCases> {
    regions_in_scope(st, actor)?;
    let dir = st.directory();
    let cases: Vec<CaseState> = st
        .store
        .cases_with_event("leader_assigned")
        .await?
        .into_iter()
        .filter(|c| c.leader.is_some() && access::can_view(actor, c, &dir))
        .collect();
    let resolved = cases.iter().filter(|c| is_resolved(c)).count();
    Ok(LeaderCases { cases, resolved })
}
