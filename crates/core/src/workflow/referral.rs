//! 多元化解: referring a matter to people's mediation, administrative mediation, arbitration or a
//! court, and recording how it ended. Works in both flows.
//!
//! - A mediation referral (人民调解 / 行政调解) pauses nothing: the case waits in `Referred`
//!   while the mediation runs to its policy deadline (深圳经济特区矛盾纠纷多元化解条例 Art. 25:
//!   30 days), and the handling deadline keeps running underneath.
//! - An agreement (调解协议 / 和解协议, 《信访工作条例》Art. 33) ends the case: 山东省信访条例
//!   Art. 46 lists a mediation agreement among the events that close a matter.
//! - A failed or withdrawn mediation sends the case back to where it was; handling goes on with
//!   its original deadline.
//! - Arbitration and litigation are legal routes (Arts. 14, 28, 31): the matter leaves the
//!   petition route at once, exactly like 诉访分离 (`Diverted`), and the outcome is recorded
//!   afterwards for the record only.

use super::{CaseState, Command, Context, Event, Role, not_allowed, text};
use crate::case::{Flow, LegalRoute, Status, str_enum};
use crate::deadline;
use crate::error::DomainError;
use crate::policy::Period;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

str_enum!(
    /// Where a matter is referred (多元化解).
    ReferralKind {
        PeopleMediation = "people_mediation", "人民调解", "People's mediation";
        AdministrativeMediation = "administrative_mediation", "行政调解", "Administrative mediation";
        Arbitration = "arbitration", "仲裁", "Arbitration";
        Court = "court", "诉讼", "Court";
    }
);

str_enum!(
    /// How a referral ended.
    ReferralOutcome {
        MediationAgreement = "mediation_agreement", "达成调解协议", "Mediation agreement";
        SettlementAgreement = "settlement_agreement", "达成和解协议", "Settlement agreement";
        Failed = "failed", "调解不成", "Failed";
        Withdrawn = "withdrawn", "撤回", "Withdrawn";
    }
);

impl ReferralKind {
    /// Arbitration and litigation take the matter out of the petition route for good.
    pub fn is_legal_route(self) -> bool {
        matches!(self, ReferralKind::Arbitration | ReferralKind::Court)
    }

    fn legal_route(self) -> Option<LegalRoute> {
        match self {
            ReferralKind::Arbitration => Some(LegalRoute::Arbitration),
            ReferralKind::Court => Some(LegalRoute::Litigation),
            _ => None,
        }
    }

    /// The verb shown on the case page (转人民调解 …).
    pub fn action_zh(self) -> &'static str {
        match self {
            ReferralKind::PeopleMediation => "转人民调解",
            ReferralKind::AdministrativeMediation => "转行政调解",
            ReferralKind::Arbitration => "引导申请仲裁",
            ReferralKind::Court => "引导提起诉讼",
        }
    }
}

impl ReferralOutcome {
    pub fn is_agreement(self) -> bool {
        matches!(
            self,
            ReferralOutcome::MediationAgreement | ReferralOutcome::SettlementAgreement
        )
    }
}

/// Time limits of each referral, counted in calendar days from the day after the referral.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralPolicy {
    pub people_mediation: Period,
    pub administrative_mediation: Period,
    pub arbitration: Period,
    pub court: Period,
}

impl Default for ReferralPolicy {
    fn default() -> Self {
        ReferralPolicy {
            people_mediation: Period::Days(30),
            administrative_mediation: Period::Days(30),
            arbitration: Period::Days(60),
            court: Period::Days(180),
        }
    }
}

impl ReferralPolicy {
    pub fn period(&self, kind: ReferralKind) -> Period {
        match kind {
            ReferralKind::PeopleMediation => self.people_mediation,
            ReferralKind::AdministrativeMediation => self.administrative_mediation,
            ReferralKind::Arbitration => self.arbitration,
            ReferralKind::Court => self.court,
        }
    }

    pub(crate) fn validate(&self, scope: &str) -> Result<(), String> {
        for kind in ReferralKind::ALL {
            match self.period(*kind) {
                Period::Days(n) | Period::WorkingDays(n) if n > 0 => {}
                _ => {
                    return Err(format!(
                        "{scope}: referral.{} must be a positive number of days or working days",
                        kind.as_str()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One referral as folded from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    pub kind: ReferralKind,
    pub body: String,
    pub note: String,
    pub at: DateTime<Utc>,
    /// Last day (China time) the receiving body has, fixed when the matter was referred.
    pub due: NaiveDate,
    /// Where the case goes back to if the mediation fails or is withdrawn.
    pub resumes: Status,
    pub outcome: Option<ReferralOutcome>,
    pub outcome_note: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
}

impl Referral {
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }

    pub fn due_at(&self) -> DateTime<Utc> {
        deadline::end_of_day(self.due)
    }
}

/// States a referral may start from: screening at the petition office, handling in the unit
/// (petition), a hotline order not yet dispatched or signed for by the unit.
fn may_refer_from(flow: Flow, status: Status) -> bool {
    match flow {
        Flow::Petition => matches!(status, Status::Registered | Status::Handling),
        Flow::Hotline => matches!(status, Status::Registered | Status::InProgress),
    }
}

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let here = Some(s.current_unit.as_str());
    match cmd {
        Command::Refer { kind, body, note } => {
            if !may_refer_from(s.flow, s.status) {
                return Err(not_allowed("refer", s));
            }
            ctx.actor
                .require("refer", &[Role::Handler, Role::Coordinator], here)?;
            let period = ctx.policy.referral.period(*kind);
            let due = deadline::compute(
                deadline::DeadlineKind::Referral,
                period,
                0,
                ctx.now,
                ctx.calendar,
            )?;
            Ok(vec![Event::Referred {
                kind: *kind,
                body: text("body", body, 2, 200)?,
                note: text("note", note, 0, 2000)?,
                due: due.last_day,
            }])
        }
        Command::RecordReferralOutcome { outcome, note } => {
            if !s.referrals.last().is_some_and(Referral::is_open) {
                return Err(not_allowed("record_referral_outcome", s));
            }
            ctx.actor.require(
                "record_referral_outcome",
                &[Role::Handler, Role::Coordinator],
                here,
            )?;
            Ok(vec![Event::ReferralConcluded {
                outcome: *outcome,
                note: text("note", note, 2, 5000)?,
            }])
        }
        _ => Err(not_allowed(cmd.name(), s)),
    }
}

/// Folds `Referred`.
pub(super) fn apply_referred(
    s: &mut CaseState,
    kind: ReferralKind,
    body: &str,
    note: &str,
    due: NaiveDate,
    at: DateTime<Utc>,
) {
    s.referrals.push(Referral {
        kind,
        body: body.to_string(),
        note: note.to_string(),
        at,
        due,
        resumes: s.status,
        outcome: None,
        outcome_note: None,
        concluded_at: None,
    });
    match kind.legal_route() {
        Some(route) => {
            s.status = Status::Diverted;
            s.diverted = Some((route, format!("{}：{body}", kind.zh())));
            s.closed_at = Some(at);
        }
        None => s.status = Status::Referred,
    }
}

/// Folds `ReferralConcluded`.
pub(super) fn apply_concluded(
    s: &mut CaseState,
    outcome: ReferralOutcome,
    note: &str,
    at: DateTime<Utc>,
) {
    let Some(r) = s.referrals.last_mut().filter(|r| r.is_open()) else {
        return;
    };
    r.outcome = Some(outcome);
    r.outcome_note = Some(note.to_string());
    r.concluded_at = Some(at);
    if r.kind.is_legal_route() {
        // Out of the petition route already: the outcome is for the record.
        return;
    }
    let resumes = r.resumes;
    if outcome.is_agreement() {
        s.status = Status::Closed;
        s.closed_at = Some(at);
        s.close_reason = Some(format!("{}：{note}", outcome.zh()));
    } else {
        s.status = resumes;
    }
}
