//! Commands that work the same in both flows: merging a duplicate into its primary case (并单),
//! and supervision orders (督办) with the holding unit's report.

use super::{Command, Context, Event, Role, not_allowed, text};
use crate::error::DomainError;
use crate::workflow::CaseState;

/// Longest time a supervision order may give the unit to report.
const MAX_RESPONSE_DAYS: u32 = 60;

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let a = ctx.actor;
    let here = Some(s.current_unit.as_str());
    match cmd {
        Command::Merge {
            primary,
            primary_number,
            reason,
        } => {
            if s.status.is_terminal() {
                return Err(not_allowed("merge", s));
            }
            a.require("merge", &[Role::Coordinator, Role::Intake], here)?;
            if *primary == s.id {
                return Err(DomainError::invalid(
                    "primary",
                    "不能与自身并案",
                    "a case cannot be merged into itself",
                ));
            }
            Ok(vec![Event::Merged {
                primary: *primary,
                primary_number: text("primary_number", primary_number, 1, 40)?,
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        Command::AttachDuplicate {
            duplicate,
            duplicate_number,
        } => {
            if s.status.is_terminal() {
                return Err(not_allowed("attach_duplicate", s));
            }
            // The merging officer may sit in another unit: the server has checked that they may
            // see both cases.
            a.require(
                "attach_duplicate",
                &[Role::Coordinator, Role::Intake, Role::Supervisor],
                None,
            )?;
            if *duplicate == s.id || s.duplicates.iter().any(|d| d.id == *duplicate) {
                return Err(DomainError::invalid(
                    "duplicate",
                    "该重复件已并入",
                    "this duplicate is already attached",
                ));
            }
            Ok(vec![Event::DuplicateAttached {
                duplicate: *duplicate,
                duplicate_number: text("duplicate_number", duplicate_number, 1, 40)?,
            }])
        }
        Command::Supervise {
            instruction,
            respond_within_days,
        } => {
            if s.status.is_terminal() {
                return Err(not_allowed("supervise", s));
            }
            a.require("supervise", &[Role::Supervisor, Role::Coordinator], None)?;
            if a.role == Role::Coordinator && a.in_unit(&s.current_unit) {
                return Err(DomainError::rule(
                    "self_supervision",
                    "督查督办",
                    "不能对本单位正在办理的事项督办",
                    "a unit cannot supervise a case it is handling itself",
                ));
            }
            if s.supervisions.iter().any(|x| x.is_open()) {
                return Err(DomainError::rule(
                    "supervision_open",
                    "督查督办",
                    "该事项已有未反馈的督办，请先等待承办单位反馈",
                    "an earlier supervision order on this case is still awaiting its report",
                ));
            }
            if !(1..=MAX_RESPONSE_DAYS).contains(respond_within_days) {
                return Err(DomainError::invalid(
                    "respond_within_days",
                    format!("反馈期限应为1到{MAX_RESPONSE_DAYS}日"),
                    format!("the report must be due within 1 to {MAX_RESPONSE_DAYS} days"),
                ));
            }
            Ok(vec![Event::Supervised {
                instruction: text("instruction", instruction, 4, 2000)?,
                respond_within_days: *respond_within_days,
            }])
        }
        Command::AnswerSupervision { response } => {
            if !s.supervisions.iter().any(|x| x.is_open()) {
                return Err(not_allowed("answer_supervision", s));
            }
            a.require(
                "answer_supervision",
                &[Role::Handler, Role::Coordinator, Role::Intake],
                here,
            )?;
            Ok(vec![Event::SupervisionAnswered {
                response: text("response", response, 4, 5000)?,
            }])
        }
        Command::EscalateSupervision => {
            a.require(
                "escalate_supervision",
                &[Role::Supervisor, Role::System],
                None,
            )?;
            let Some(open) = s.supervisions.iter().rev().find(|x| x.is_open()) else {
                return Err(not_allowed("escalate_supervision", s));
            };
            if open.escalated_to.is_some() {
                return Err(DomainError::rule(
                    "supervision_escalated",
                    "督查督办",
                    "该督办已升级，不再重复升级",
                    "this supervision order has already been escalated",
                ));
            }
            // Only an order that was ignored: past its report deadline with no report.
            if !open.is_overdue(ctx.now) {
                return Err(DomainError::rule(
                    "supervision_not_overdue",
                    "督查督办",
                    "督办反馈期限未到，不能升级",
                    "the report is not yet overdue; the order cannot be escalated",
                ));
            }
            let to = ctx.directory.office_above(&open.unit).ok_or_else(|| {
                DomainError::rule(
                    "no_office_above",
                    "督查督办",
                    "承办单位没有上一级信访部门，无法升级",
                    "there is no petition office above the unit to escalate to",
                )
            })?;
            Ok(vec![Event::SupervisionEscalated {
                to_unit: to.id.clone(),
            }])
        }
        Command::PublishSupervision => {
            a.require("publish_supervision", &[Role::Supervisor], None)?;
            match s.supervisions.last() {
                Some(x) if !x.public => Ok(vec![Event::SupervisionPublished]),
                _ => Err(not_allowed("publish_supervision", s)),
            }
        }
        Command::AssignLeader { leader, post } => {
            if s.status.is_terminal() {
                return Err(not_allowed("assign_leader", s));
            }
            a.require(
                "assign_leader",
                &[Role::Supervisor, Role::Coordinator],
                None,
            )?;
            Ok(vec![Event::LeaderAssigned {
                leader: text("leader", leader, 2, 50)?,
                post: text("post", post, 2, 100)?,
            }])
        }
        _ => Err(not_allowed(cmd.name(), s)),
    }
}
