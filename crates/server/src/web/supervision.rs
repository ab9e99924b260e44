//! The supervision page (督查督办): the queue that fills itself, the supervision orders with
//! their report deadlines (overdue marked, escalation and publication), and the leader-owned
//! cases (领导包案) with their resolution rate.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::FormData;
use crate::alerts::queue::{self, QueueItem};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::{Actor, Role};
use minsheng_core::kpi::Rate;
use minsheng_core::supervision::QueueReason;
use minsheng_core::workflow::Command;

pub struct QueueRow {
    pub number: String,
    pub title: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub unit_zh: String,
    pub unit_en: String,
    pub reasons: Vec<(String, String)>,
}

pub struct OrderRow {
    pub number: String,
    pub title: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub ordered: String,
    pub due: String,
    pub open: bool,
    pub overdue: bool,
    pub escalated_zh: String,
    pub escalated_en: String,
    pub can_escalate: bool,
    pub public: bool,
    pub can_publish: bool,
}

pub struct LeaderRow {
    pub number: String,
    pub title: String,
    pub leader: String,
    pub post: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub resolved: bool,
}

#[derive(Template)]
#[template(path = "staff/supervision.html")]
struct Page {
    c: Chrome,
    queue: Vec<QueueRow>,
    orders: Vec<OrderRow>,
    leaders: Vec<LeaderRow>,
    leader_rate: String,
    leader_resolved: usize,
    leader_total: usize,
    can_assign: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn reason_words(r: &QueueReason, c: &Chrome) -> (String, String) {
    match r {
        QueueReason::Overdue { due } => (
            format!("超期（{}）", c.date(&due.last_day)),
            format!("overdue (due {})", c.date(&due.last_day)),
        ),
        QueueReason::RatedUnsatisfied => ("群众不满意".into(), "rated unsatisfied".into()),
        QueueReason::RepeatOnOpenCase => (
            "未终结事项重复信访".into(),
            "repeat petition while not final".into(),
        ),
        QueueReason::Alert { level, .. } => (
            format!("{level}级预警未关闭"),
            format!("open level {level} alert"),
        ),
    }
}

async fn page(
    st: &AppState,
    c: &Chrome,
    actor: &Actor,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<Response> {
    let now = service::now();
    let dir = st.directory();
    let unit_names = |u: &str| {
        dir.unit(u)
            .map(|x| (x.name_zh.clone(), x.name_en.clone()))
            .unwrap_or_else(|_| (u.to_string(), u.to_string()))
    };
    let queue_rows = queue::build(st, actor, now)
        .await?
        .into_iter()
        .map(|QueueItem { case, reasons }| {
            let (unit_zh, unit_en) = unit_names(&case.current_unit);
            QueueRow {
                number: case.number.clone(),
                title: case.title.clone(),
                status_zh: case.status.zh(),
                status_en: case.status.en(),
                unit_zh,
                unit_en,
                reasons: reasons.iter().map(|r| reason_words(r, c)).collect(),
            }
        })
        .collect();
    let supervisor = actor.role == Role::Supervisor;
    let orders = queue::orders(st, actor)
        .await?
        .into_iter()
        .map(|o| {
            let (unit_zh, unit_en) = unit_names(&o.order.unit);
            let (escalated_zh, escalated_en) = o
                .order
                .escalated_to
                .as_deref()
                .map(unit_names)
                .unwrap_or_default();
            let overdue = o.order.is_overdue(now);
            OrderRow {
                number: o.case.number.clone(),
                title: o.case.title.clone(),
                unit_zh,
                unit_en,
                ordered: c.time(&o.order.at),
                due: c.time(&o.order.report_due()),
                open: o.order.is_open(),
                overdue,
                escalated_zh,
                escalated_en,
                can_escalate: supervisor && overdue && o.order.escalated_to.is_none(),
                public: o.order.public,
                can_publish: supervisor
                    && !o.order.public
                    && o.case.supervisions.last() == Some(&o.order),
            }
        })
        .collect();
    let lc = queue::leader_cases(st, actor).await?;
    let rate = Rate {
        num: lc.resolved as u64,
        den: lc.cases.len() as u64,
    };
    let leaders = lc
        .cases
        .iter()
        .filter_map(|case| {
            let l = case.leader.as_ref()?;
            Some(LeaderRow {
                number: case.number.clone(),
                title: case.title.clone(),
                leader: l.leader.clone(),
                post: l.post.clone(),
                status_zh: case.status.zh(),
                status_en: case.status.en(),
                resolved: queue::is_resolved(case),
            })
        })
        .collect();
    Ok(render(&Page {
        c: c.clone(),
        queue: queue_rows,
        orders,
        leaders,
        leader_rate: rate.display(),
        leader_resolved: lc.resolved,
        leader_total: lc.cases.len(),
        can_assign: matches!(actor.role, Role::Supervisor | Role::Coordinator),
        notice,
        error,
    }))
}

pub async fn overview(State(st): State<AppState>, ws: WebStaff) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    respond(c, page(&st, c, &actor, None, None).await)
}

/// Escalate or publish an order, or assign a leader: one case command each.
pub async fn act(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        if !queue::may_supervise(&actor) {
            return Err(ApiError::Forbidden);
        }
        let f = FormData::parse(&body)?;
        let cmd = match f.get("command") {
            "escalate_supervision" => Command::EscalateSupervision,
            "publish_supervision" => Command::PublishSupervision,
            "assign_leader" => Command::AssignLeader {
                leader: f.get("leader").to_string(),
                post: f.get("post").to_string(),
            },
            _ => {
                return Err(ApiError::bad(
                    "unknown_command",
                    "未知的督办操作",
                    "Unknown supervision action",
                ));
            }
        };
        let outcome = match service::load_visible(&st, &actor, f.get("case").trim()).await {
            Ok(case) => service::execute(&st, &actor, case, &cmd).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(_) => Ok(Redirect::to("/staff/supervision").into_response()),
            Err(e) if super::portal::is_user_error(&e) => {
                let status = e.parts().0;
                let msg = c.message(&e);
                Ok((status, page(&st, c, &actor, None, Some(msg)).await?).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(c, r)
}
