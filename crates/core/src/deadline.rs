//! Deadlines are computed from the case's events with the policy and the calendar, never typed
//! in. A period starts the day after the event that opens it and ends at 24:00 (UTC+8) of its
//! last day (民法典 Arts. 201–203); hour periods run from the instant itself.

use crate::calendar::Calendar;
use crate::case::{CaseKind, Flow, Status};
use crate::error::DomainError;
use crate::policy::{Period, PolicySet};
use crate::workflow::CaseState;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// China Standard Time: the zone every statutory day is counted in.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// End of a local day (24:00 China time) as an instant.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    let next = d.succ_opt().unwrap_or(d);
    china()
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| DateTime::<Utc>::MIN_UTC)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Petition office transfers or assigns (Art. 22).
    Transfer,
    /// Receiving unit notifies acceptance or non-acceptance (Art. 23 ¶3).
    AcceptanceNotice,
    /// Receiving unit may object (Art. 23 ¶3): a window, not a duty.
    Objection,
    /// Handling finished with the opinion (Art. 34), extensions included.
    Handling,
    /// Petitioner may request review (Art. 35): a window.
    ReviewRequest,
    ReviewDecision,
    /// Petitioner may request re-review (Art. 36): a window.
    #[serde(rename = "rereview_request")]
    ReReviewRequest,
    /// Re-review opinion, hearing days excluded (Art. 36 ¶2).
    #[serde(rename = "rereview_decision")]
    ReReviewDecision,
    /// Hotline reply, by tier.
    HotlineReply,
    /// The body a matter was referred to (多元化解) concludes: fixed when referred.
    Referral,
}

impl DeadlineKind {
    pub fn zh(self) -> &'static str {
        match self {
            DeadlineKind::Transfer => "转送交办期限",
            DeadlineKind::AcceptanceNotice => "受理告知期限",
            DeadlineKind::Objection => "异议期限",
            DeadlineKind::Handling => "办理期限",
            DeadlineKind::ReviewRequest => "申请复查期限",
            DeadlineKind::ReviewDecision => "复查期限",
            DeadlineKind::ReReviewRequest => "申请复核期限",
            DeadlineKind::ReReviewDecision => "复核期限",
            DeadlineKind::HotlineReply => "工单办理时限",
            DeadlineKind::Referral => "调解期限",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            DeadlineKind::Transfer => "Transfer or assign by",
            DeadlineKind::AcceptanceNotice => "Acceptance notice by",
            DeadlineKind::Objection => "Objection window",
            DeadlineKind::Handling => "Handling due",
            DeadlineKind::ReviewRequest => "Review may be requested until",
            DeadlineKind::ReviewDecision => "Review opinion due",
            DeadlineKind::ReReviewRequest => "Re-review may be requested until",
            DeadlineKind::ReReviewDecision => "Re-review opinion due",
            DeadlineKind::HotlineReply => "Reply due",
            DeadlineKind::Referral => "Mediation due",
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            DeadlineKind::Transfer => "《信访工作条例》第二十二条",
            DeadlineKind::AcceptanceNotice | DeadlineKind::Objection => {
                "《信访工作条例》第二十三条"
            }
            DeadlineKind::Handling => "《信访工作条例》第三十四条",
            DeadlineKind::ReviewRequest | DeadlineKind::ReviewDecision => {
                "《信访工作条例》第三十五条"
            }
            DeadlineKind::ReReviewRequest | DeadlineKind::ReReviewDecision => {
                "《信访工作条例》第三十六条"
            }
            DeadlineKind::HotlineReply => "12345热线分级办理时限",
            DeadlineKind::Referral => "《深圳经济特区矛盾纠纷多元化解条例》第二十五条",
        }
    }

    /// A duty of a unit (counts for overdue), rather than a window open to the petitioner.
    pub fn is_duty(self) -> bool {
        !matches!(
            self,
            DeadlineKind::Objection | DeadlineKind::ReviewRequest | DeadlineKind::ReReviewRequest
        )
    }
}

/// A computed due instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Due {
    pub kind: DeadlineKind,
    pub due: DateTime<Utc>,
    /// The last day of the period (China time).
    pub last_day: NaiveDate,
    /// The calendar does not cover the last day: weekends were skipped but holidays could not
    /// be, so the date may move when the next year's calendar is loaded.
    pub provisional: bool,
    pub period: String,
}

/// Computes the end of `period` (plus `extra_days` calendar days) opened at `start`.
pub fn compute(
    kind: DeadlineKind,
    period: Period,
    extra_days: u32,
    start: DateTime<Utc>,
    cal: &Calendar,
) -> Result<Due, DomainError> {
    let label = if extra_days > 0 {
        format!("{} + {}日", period.label_zh(), extra_days)
    } else {
        period.label_zh()
    };
    let (due, last_day, provisional) = period_end(period, extra_days, start, cal)?;
    Ok(Due {
        kind,
        due,
        last_day,
        provisional,
        period: label,
    })
}

/// The end of `period` (plus `extra_days` calendar days) opened at `start`: the due instant, its
/// last day (China time) and whether it is provisional (the calendar does not reach it). The
/// counting of [`compute`], for deadlines that are not a case's (suggestions, campaigns).
pub fn period_end(
    period: Period,
    extra_days: u32,
    start: DateTime<Utc>,
    cal: &Calendar,
) -> Result<(DateTime<Utc>, NaiveDate, bool), DomainError> {
    let start_day = local_date(start);
    let mut provisional = false;
    let (due, last_day) = match period {
        Period::Hours(h) => {
            let due = start + Duration::hours(i64::from(h)) + Duration::days(i64::from(extra_days));
            (due, local_date(due))
        }
        Period::Days(n) => {
            let last = match cal.add_days(start_day, n + extra_days) {
                Ok(d) => d,
                Err(DomainError::CalendarGap { .. }) => {
                    provisional = true;
                    skip_weekend(start_day + chrono::Days::new(u64::from(n + extra_days)))
                }
                Err(e) => return Err(e),
            };
            (end_of_day(last), last)
        }
        Period::WorkingDays(n) => {
            let base = cal.add_working_days(start_day, n)?;
            let last = if extra_days > 0 {
                cal.add_days(base, extra_days)?
            } else {
                base
            };
            (end_of_day(last), last)
        }
    };
    Ok((due, last_day, provisional))
}

fn skip_weekend(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// The hotline tier for a case.
pub fn hotline_period(s: &CaseState, p: &PolicySet) -> Period {
    let h = &p.hotline;
    if s.urgent {
        return h.urgent;
    }
    if s.complex_approved {
        return h.complex;
    }
    match s.kind {
        CaseKind::Consultation => h.consultation,
        CaseKind::Help => h.help,
        CaseKind::Complaint => h.complaint,
        CaseKind::Report => h.report,
        _ => h.suggestion,
    }
}

/// One deadline of a case, computed from its state.
pub fn due(
    s: &CaseState,
    kind: DeadlineKind,
    p: &PolicySet,
    cal: &Calendar,
) -> Result<Due, DomainError> {
    let pp = &p.petition;
    let missing = || {
        DomainError::invalid(
            "deadline",
            format!("当前环节没有{}", kind.zh()),
            format!("no {} applies at this stage", kind.en()),
        )
    };
    match kind {
        DeadlineKind::Transfer => compute(kind, pp.transfer, 0, s.received_at, cal),
        DeadlineKind::AcceptanceNotice => {
            compute(kind, pp.acceptance_notice, 0, s.received_at, cal)
        }
        DeadlineKind::Objection => compute(kind, pp.objection, 0, s.received_at, cal),
        DeadlineKind::Handling => {
            let start = s.accepted_at.ok_or_else(missing)?;
            compute(kind, pp.handling, s.extension_days(), start, cal)
        }
        DeadlineKind::ReviewRequest => {
            let start = s.answered_at.ok_or_else(missing)?;
            compute(kind, pp.review_request_window, 0, start, cal)
        }
        DeadlineKind::ReviewDecision => {
            let r = s.review.as_ref().ok_or_else(missing)?;
            compute(kind, pp.review_decision, 0, r.requested_at, cal)
        }
        DeadlineKind::ReReviewRequest => {
            let r = s
                .review
                .as_ref()
                .and_then(|r| r.decided_at)
                .ok_or_else(missing)?;
            compute(kind, pp.rereview_request_window, 0, r, cal)
        }
        DeadlineKind::ReReviewDecision => {
            let r = s.rereview.as_ref().ok_or_else(missing)?;
            compute(
                kind,
                pp.rereview_decision,
                r.hearing_days,
                r.requested_at,
                cal,
            )
        }
        DeadlineKind::HotlineReply => {
            compute(kind, hotline_period(s, p), 0, s.clock_started_at, cal)
        }
        // Fixed in the event when the matter was referred: a later policy change does not move
        // a deadline already given to the receiving body.
        DeadlineKind::Referral => {
            let r = s
                .referrals
                .last()
                .filter(|r| r.is_open())
                .ok_or_else(missing)?;
            Ok(Due {
                kind,
                due: r.due_at(),
                last_day: r.due,
                provisional: false,
                period: p.referral.period(r.kind).label_zh(),
            })
        }
    }
}

/// The deadlines that matter at the case's current stage, duties first.
pub fn active_kinds(s: &CaseState) -> Vec<DeadlineKind> {
    use DeadlineKind::*;
    match (s.flow, s.status) {
        (Flow::Petition, Status::Registered) => vec![Transfer],
        (Flow::Petition, Status::AwaitingAcceptance) => vec![AcceptanceNotice, Objection],
        (Flow::Petition, Status::Handling) => vec![Handling],
        (Flow::Petition, Status::Answered) => vec![ReviewRequest],
        (Flow::Petition, Status::UnderReview) => vec![ReviewDecision],
        (Flow::Petition, Status::Reviewed) => vec![ReReviewRequest],
        (Flow::Petition, Status::UnderReReview) => vec![ReReviewDecision],
        (
            Flow::Hotline,
            Status::Registered | Status::Dispatched | Status::InProgress | Status::Returned,
        ) => vec![HotlineReply],
        // The mediation runs against its own deadline; the handling clock keeps running.
        (Flow::Petition, Status::Referred) if s.accepted_at.is_some() => vec![Referral, Handling],
        (Flow::Petition, Status::Referred) => vec![Referral, Transfer],
        (Flow::Hotline, Status::Referred) => vec![Referral, HotlineReply],
        _ => vec![],
    }
}

/// A deadline as shown: either computed, or the reason it cannot be (calendar gap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub label_zh: String,
    pub label_en: String,
    pub article: String,
    pub duty: bool,
    pub due: Option<Due>,
    pub error_zh: Option<String>,
    pub error_en: Option<String>,
}

pub fn active(s: &CaseState, p: &PolicySet, cal: &Calendar) -> Vec<Deadline> {
    active_kinds(s)
        .into_iter()
        .map(|kind| {
            let (due, err) = match due(s, kind, p, cal) {
                Ok(d) => (Some(d), None),
                Err(e) => (None, Some(e)),
            };
            Deadline {
                kind,
                label_zh: kind.zh().into(),
                label_en: kind.en().into(),
                article: kind.article().into(),
                duty: kind.is_duty(),
                due,
                error_zh: err.as_ref().map(DomainError::message_zh),
                error_en: err.as_ref().map(DomainError::message_en),
            }
        })
        .collect()
}

/// The duty deadline the case is currently running against (cached in the projection for
/// queue queries and overdue filters).
pub fn current_duty(s: &CaseState, p: &PolicySet, cal: &Calendar) -> Option<Due> {
    active_kinds(s)
        .into_iter()
        .filter(|k| k.is_duty())
        .find_map(|k| due(s, k, p, cal).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn day_periods_end_at_midnight_china_time() {
        let cal = Calendar::shipped();
        // Registered 2026-03-02 23:30 China time = 15:30 UTC; 15 days → 2026-03-17 (Tue).
        let d = compute(
            DeadlineKind::Transfer,
            Period::Days(15),
            0,
            at("2026-03-02T15:30:00Z"),
            &cal,
        )
        .unwrap();
        assert_eq!(d.last_day, "2026-03-17".parse::<NaiveDate>().unwrap());
        assert_eq!(d.due, at("2026-03-17T16:00:00Z"));
        // Registered 2026-03-02 00:30 China time is 2026-03-01 16:30 UTC: still counts from Mar 2.
        let d = compute(
            DeadlineKind::Transfer,
            Period::Days(15),
            0,
            at("2026-03-01T16:30:00Z"),
            &cal,
        )
        .unwrap();
        assert_eq!(d.last_day, "2026-03-17".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn past_the_calendar() {
        let cal = Calendar::shipped();
        let d = compute(
            DeadlineKind::Handling,
            Period::Days(60),
            0,
            at("2026-12-01T02:00:00Z"),
            &cal,
        )
        .unwrap();
        assert!(d.provisional);
        assert_eq!(
            d.last_day,
            "2027-02-01".parse::<NaiveDate>().unwrap(),
            "Jan 30 is a Saturday"
        );
        assert!(
            compute(
                DeadlineKind::Objection,
                Period::WorkingDays(5),
                0,
                at("2026-12-28T02:00:00Z"),
                &cal
            )
            .is_err()
        );
    }
}
