//! The 12345 hotline flow (国办发〔2020〕53号, 国办函〔2025〕66号, 北京接诉即办条例 Arts. 11–23):
//! direct answer or emergency hand-off, dispatch by the catalogue, sign-for, return and
//! re-dispatch, reply, follow-up call with rating, reopen when unsatisfied. Tiers come from policy.

use super::{Command, Context, Event, Role, not_allowed, text};
use crate::case::*;
use crate::error::DomainError;
use crate::workflow::CaseState;

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Status::*;
    let a = ctx.actor;
    let office = Some(s.office_unit.as_str());
    let here = Some(s.current_unit.as_str());
    let dispatchers = &[Role::Intake, Role::Coordinator];
    match (s.status, cmd) {
        (Registered, Command::AnswerDirectly { answer }) => {
            a.require("answer_directly", dispatchers, office)?;
            if s.kind != CaseKind::Consultation {
                return Err(DomainError::rule(
                    "direct_answer_consultation_only",
                    "《北京市接诉即办工作条例》第十一条",
                    "只有咨询类诉求可以直接答复，其他诉求应当派单办理",
                    "only consultations may be answered directly; other requests are dispatched",
                ));
            }
            Ok(vec![Event::AnsweredDirectly {
                answer: text("answer", answer, 2, 5000)?,
            }])
        }
        (Registered | Returned, Command::EmergencyTransfer { service, note }) => {
            a.require("emergency_transfer", dispatchers, office)?;
            Ok(vec![Event::EmergencyTransferred {
                service: *service,
                note: text("note", note, 0, 2000)?,
            }])
        }
        (Registered | Returned, Command::Dispatch { to_unit, note }) => {
            a.require("dispatch", dispatchers, office)?;
            ctx.directory.unit(to_unit)?;
            if *to_unit == s.office_unit {
                return Err(DomainError::invalid(
                    "to_unit",
                    "不能派单给热线中心自身",
                    "cannot dispatch to the hotline centre itself",
                ));
            }
            Ok(vec![Event::Dispatched {
                to_unit: to_unit.clone(),
                note: text("note", note, 0, 2000)?,
            }])
        }
        (Dispatched, Command::SignFor) => {
            a.require("sign_for", &[Role::Handler], here)?;
            Ok(vec![Event::SignedFor])
        }
        (Dispatched | InProgress, Command::Return { reason }) => {
            a.require("return", &[Role::Handler], here)?;
            Ok(vec![Event::ReturnedByUnit {
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (Dispatched | InProgress, Command::ApproveComplex { approver, reason }) => {
            a.require("approve_complex", dispatchers, office)?;
            if s.complex_approved {
                return Err(DomainError::rule(
                    "already_complex",
                    "热线分级办理时限",
                    "该工单已按复杂件办理",
                    "this order is already on the complex-case time limit",
                ));
            }
            if s.urgent {
                return Err(DomainError::rule(
                    "urgent_not_complex",
                    "热线分级办理时限",
                    "紧急诉求不能按复杂件延长办理时限",
                    "an urgent request cannot be moved to the complex-case time limit",
                ));
            }
            Ok(vec![Event::ComplexApproved {
                approver: text("approver", approver, 2, 100)?,
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (InProgress, Command::Reply { content }) => {
            a.require("reply", &[Role::Handler], here)?;
            Ok(vec![Event::Replied {
                content: text("content", content, 2, 20000)?,
            }])
        }
        (
            Replied,
            Command::FollowUp {
                rating,
                resolved,
                note,
            },
        ) => {
            a.require("follow_up", dispatchers, office)?;
            super::check_rating(ctx, rating)?;
            if s.ratings
                .iter()
                .any(|r| r.at >= s.replied_at.unwrap_or(s.registered_at) && r.stage == "followup")
            {
                return Err(DomainError::rule(
                    "already_followed_up",
                    "《北京市接诉即办工作条例》第二十三条",
                    "本次答复已经回访",
                    "this reply has already been followed up",
                ));
            }
            let unsatisfied = ctx.policy.rating(rating).is_some_and(|o| o.unsatisfied) || !resolved;
            let mut events = vec![Event::FollowedUp {
                rating: rating.clone(),
                resolved: *resolved,
                note: text("note", note, 0, 2000)?,
                unsatisfied,
            }];
            if !unsatisfied {
                events.push(Event::Closed {
                    reason: "回访满意，办结".into(),
                });
            }
            Ok(events)
        }
        (Replied, Command::Reopen { reason }) => {
            a.require("reopen", dispatchers, office)?;
            if !s.last_followup_unsatisfied {
                return Err(DomainError::rule(
                    "reopen_needs_unsatisfied",
                    "《济南市12345市民服务热线条例》第二十七条",
                    "只有回访不满意或未解决的工单才能重办",
                    "only orders followed up as unsatisfied or unresolved can be reopened",
                ));
            }
            if s.reply.is_some() && s.office_unit == s.current_unit && s.units_involved.len() == 1 {
                return Err(DomainError::rule(
                    "reopen_needs_unit",
                    "热线工单重办",
                    "直接答复的咨询不能重办，请重新登记",
                    "a directly answered consultation cannot be reopened; register a new order",
                ));
            }
            Ok(vec![Event::Reopened {
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (Replied, Command::Close { reason }) => {
            a.require("close", dispatchers, office)?;
            Ok(vec![Event::Closed {
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        (_, cmd) => Err(not_allowed(cmd.name(), s)),
    }
}
