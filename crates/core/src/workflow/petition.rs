//! The petition flow of 《信访工作条例》(2022): screening and transfer by the petition office
//! (Arts. 22, 28, 31), acceptance or objection by the receiving unit (Art. 23), handling and
//! extension (Art. 34), the handling opinion (Art. 32), settlement (Art. 33), review and
//! re-review (Arts. 35, 36). Time limits come from policy; windows are checked with the calendar.

use super::{Command, Context, Event, Role, not_allowed, text};
use crate::case::*;
use crate::deadline::{self, DeadlineKind};
use crate::error::DomainError;
use crate::region::UnitKind;
use crate::workflow::CaseState;

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Status::*;
    let a = ctx.actor;
    let here = Some(s.current_unit.as_str());
    match (s.status, cmd) {
        (Registered, Command::Divert { route, guidance }) => {
            a.require("divert", &[Role::Coordinator, Role::Intake], here)?;
            Ok(vec![Event::Diverted {
                route: *route,
                guidance: text("guidance", guidance, 4, 2000)?,
            }])
        }
        (
            Registered,
            Command::Transfer {
                to_unit,
                mode,
                note,
                report_required,
            },
        ) => {
            a.require("transfer", &[Role::Coordinator], here)?;
            let target = ctx.directory.unit(to_unit)?;
            if *to_unit == s.current_unit {
                return Err(DomainError::invalid(
                    "to_unit",
                    "不能转送给本单位",
                    "cannot transfer to the office itself",
                ));
            }
            if s.kind == CaseKind::Accusation {
                if s.accused_unit.as_deref() == Some(to_unit.as_str()) {
                    return Err(DomainError::rule(
                        "accused_unit_forbidden",
                        "《信访工作条例》第三十条",
                        "不得将检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位",
                        "accusation materials must never be passed to the person or unit accused",
                    ));
                }
                if s.about_officials && target.kind != UnitKind::Discipline {
                    return Err(DomainError::rule(
                        "discipline_required",
                        "《信访工作条例》第三十条",
                        "检举控告公职人员违纪违法的，应当转送纪检监察机关",
                        "accusations about officials go to the discipline-inspection body",
                    ));
                }
            }
            Ok(vec![Event::Transferred {
                to_unit: to_unit.clone(),
                mode: *mode,
                note: text("note", note, 0, 2000)?,
                report_required: *report_required,
            }])
        }
        (AwaitingAcceptance, Command::Accept { notice }) => {
            a.require("accept", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::Accepted {
                notice: text("notice", notice, 2, 5000)?,
            }])
        }
        (AwaitingAcceptance, Command::Decline { reason }) => {
            a.require("decline", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::Declined {
                reason: text("reason", reason, 2, 2000)?,
                rule: None,
                article: None,
                related_case: None,
            }])
        }
        (AwaitingAcceptance, Command::Object { reason }) => {
            a.require("object", &[Role::Handler, Role::Coordinator], here)?;
            let window = deadline::due(s, DeadlineKind::Objection, ctx.policy, ctx.calendar)?;
            if ctx.now >= window.due {
                return Err(DomainError::rule(
                    "objection_too_late",
                    "《信访工作条例》第二十三条第三款",
                    format!(
                        "异议应当在收到之日起{}内提出，期限已过",
                        ctx.policy.petition.objection.label_zh()
                    ),
                    format!(
                        "an objection must be made within {} of receipt; that time has passed",
                        ctx.policy.petition.objection.label_en()
                    ),
                ));
            }
            Ok(vec![Event::Objected {
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (
            Handling,
            Command::Extend {
                days,
                approver,
                reason,
            },
        ) => {
            a.require("extend", &[Role::Handler, Role::Coordinator], here)?;
            let p = &ctx.policy.petition;
            let max = p.extension_max.days().unwrap_or(0);
            if s.extensions.len() as u32 >= p.max_extensions {
                return Err(DomainError::rule(
                    "extension_limit",
                    "《信访工作条例》第三十四条",
                    format!("办理期限最多延长{}次", p.max_extensions),
                    format!(
                        "the handling period may be extended at most {} time(s)",
                        p.max_extensions
                    ),
                ));
            }
            if *days == 0 || s.extension_days().saturating_add(*days) > max {
                return Err(DomainError::rule(
                    "extension_too_long",
                    "《信访工作条例》第三十四条",
                    format!("延长期限不得超过{max}日"),
                    format!("an extension may not exceed {max} days"),
                ));
            }
            let due = deadline::due(s, DeadlineKind::Handling, ctx.policy, ctx.calendar)?;
            if ctx.now >= due.due {
                return Err(DomainError::rule(
                    "extension_after_deadline",
                    "《信访工作条例》第三十四条",
                    "办理期限已过，不能再申请延期",
                    "the handling period has already expired; it can no longer be extended",
                ));
            }
            Ok(vec![Event::ExtensionGranted {
                days: *days,
                approver: text("approver", approver, 2, 100)?,
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (Handling, Command::IssueOpinion(op)) => {
            a.require("issue_opinion", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::OpinionIssued(super::Opinion {
                request: text("request", &op.request, 2, 5000)?,
                facts_reasons: text("facts_reasons", &op.facts_reasons, 2, 20000)?,
                opinion: text("opinion", &op.opinion, 2, 20000)?,
                legal_basis: text("legal_basis", &op.legal_basis, 2, 5000)?,
                outcome: op.outcome,
            })])
        }
        (Handling, Command::Settle { mediation, summary }) => {
            a.require("settle", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::Settled {
                mediation: *mediation,
                summary: text("summary", summary, 4, 5000)?,
            }])
        }
        (Answered | Reviewed | Final, Command::Rate { rating, comment }) => {
            a.require(
                "rate",
                &[Role::Citizen, Role::Intake, Role::Coordinator],
                None,
            )?;
            super::check_rating(ctx, rating)?;
            let stage = s.rating_stage();
            if s.ratings.iter().any(|r| r.stage == stage) {
                return Err(DomainError::rule(
                    "already_rated",
                    "国信发〔2022〕11号",
                    "本环节已经评价过",
                    "this stage has already been rated",
                ));
            }
            Ok(vec![Event::Rated {
                rating: rating.clone(),
                comment: text("comment", comment, 0, 2000)?,
                stage: stage.into(),
            }])
        }
        (Answered, Command::RequestReview { reason }) => {
            a.require(
                "request_review",
                &[Role::Citizen, Role::Intake, Role::Coordinator],
                None,
            )?;
            within_window(
                s,
                ctx,
                DeadlineKind::ReviewRequest,
                "review_window_passed",
                "《信访工作条例》第三十五条",
                "复查",
            )?;
            let unit = ctx.directory.office_above(&s.current_unit).ok_or_else(|| {
                DomainError::rule(
                    "no_higher_organ",
                    "《信访工作条例》第三十五条",
                    "没有可以受理复查申请的上一级机关",
                    "there is no higher organ to review this matter",
                )
            })?;
            Ok(vec![Event::ReviewRequested {
                reason: text("reason", reason, 4, 5000)?,
                reviewing_unit: unit.id.clone(),
            }])
        }
        (UnderReview, Command::DecideReview { outcome, opinion }) => {
            a.require("decide_review", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::ReviewDecided {
                outcome: *outcome,
                opinion: text("opinion", opinion, 4, 20000)?,
            }])
        }
        (Reviewed, Command::RequestReReview { reason }) => {
            a.require(
                "request_rereview",
                &[Role::Citizen, Role::Intake, Role::Coordinator],
                None,
            )?;
            within_window(
                s,
                ctx,
                DeadlineKind::ReReviewRequest,
                "rereview_window_passed",
                "《信访工作条例》第三十六条",
                "复核",
            )?;
            let unit = ctx.directory.office_above(&s.current_unit).ok_or_else(|| {
                DomainError::rule(
                    "no_higher_organ",
                    "《信访工作条例》第三十六条",
                    "没有可以受理复核申请的上一级机关",
                    "there is no higher organ to re-review this matter",
                )
            })?;
            Ok(vec![Event::ReReviewRequested {
                reason: text("reason", reason, 4, 5000)?,
                reviewing_unit: unit.id.clone(),
            }])
        }
        (UnderReReview, Command::RecordHearing { days, summary }) => {
            a.require("record_hearing", &[Role::Handler, Role::Coordinator], here)?;
            if *days == 0 || *days > 90 {
                return Err(DomainError::invalid(
                    "days",
                    "听证天数应在1到90之间",
                    "hearing days must be 1 to 90",
                ));
            }
            Ok(vec![Event::HearingRecorded {
                days: *days,
                summary: text("summary", summary, 2, 5000)?,
            }])
        }
        (UnderReReview, Command::DecideReReview { outcome, opinion }) => {
            a.require("decide_rereview", &[Role::Handler, Role::Coordinator], here)?;
            Ok(vec![Event::ReReviewDecided {
                outcome: *outcome,
                opinion: text("opinion", opinion, 4, 20000)?,
            }])
        }
        // Closure when the petitioner did not seek review or re-review in time (山东 Art. 46).
        (Answered | Reviewed, Command::Close { reason }) => {
            a.require("close", &[Role::Coordinator], None)?;
            let window = if s.status == Answered {
                DeadlineKind::ReviewRequest
            } else {
                DeadlineKind::ReReviewRequest
            };
            let due = deadline::due(s, window, ctx.policy, ctx.calendar)?;
            if ctx.now < due.due {
                return Err(DomainError::rule(
                    "window_still_open",
                    if window == DeadlineKind::ReviewRequest {
                        "《信访工作条例》第三十五条"
                    } else {
                        "《信访工作条例》第三十六条"
                    },
                    "信访人申请复查（复核）的期限尚未届满，不能终结",
                    "the petitioner's window to request review is still open; the matter cannot be closed yet",
                ));
            }
            Ok(vec![Event::Closed {
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        (_, cmd) if s.status.is_terminal() => Err(not_allowed(cmd.name(), s)),
        (_, cmd) => Err(not_allowed(cmd.name(), s)),
    }
}

fn within_window(
    s: &CaseState,
    ctx: &Context<'_>,
    kind: DeadlineKind,
    code: &'static str,
    article: &'static str,
    what_zh: &str,
) -> Result<(), DomainError> {
    let d = deadline::due(s, kind, ctx.policy, ctx.calendar)?;
    if ctx.now >= d.due {
        return Err(DomainError::rule(
            code,
            article,
            format!(
                "申请{what_zh}的期限已于{}届满",
                d.last_day.format("%Y年%m月%d日")
            ),
            format!("the window to request this ended on {}", d.last_day),
        ));
    }
    Ok(())
}
