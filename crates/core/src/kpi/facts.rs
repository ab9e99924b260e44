//! From one case's events to its [`CaseFacts`]: the outcome of every duty the case put on a unit,
//! judged with the deadlines of `deadline.rs` on the state just before the event that met it.

use super::{KpiError, Metric};
use crate::calendar::Calendar;
use crate::case::{CaseKind, Channel, Flow, Status};
use crate::deadline::{self, DeadlineKind};
use crate::policy::{Period, PolicySet, RatingClass};
use crate::workflow::{self, CaseState, Event};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the case's own events cannot tell: links to other cases on the same matter, which the
/// store finds (same petitioner by keyed hash, same matter by topic and text similarity).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseLinks {
    /// This case repeats an earlier matter of the same petitioner (重复信访).
    pub repeat_of: Option<uuid::Uuid>,
    /// A later case repeats this one. When the store links a new repeat, it re-derives the
    /// earlier case too: its 一次性化解 outcome changes.
    pub repeated_later: bool,
}

/// One outcome counted in a KPI, charged to one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub metric: Metric,
    pub unit: String,
    /// `Some(true)` met / satisfied, `Some(false)` missed / unsatisfied, `None` basically
    /// satisfied (rating metrics only).
    pub hit: Option<bool>,
    /// The deadline judged against, for timeliness metrics (evidence for the UI).
    pub due: Option<DateTime<Utc>>,
    /// A duty missed and still not met as of the facts' instant (超期未受理 / 超期未答复).
    #[serde(default)]
    pub open: bool,
}

/// An outcome not known yet: the duty is open and its deadline has not passed, or a window
/// (rating, review) is still open. It enters no denominator until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pending {
    pub metric: Metric,
    pub unit: String,
    /// `None` when the calendar does not cover the deadline yet.
    pub until: Option<DateTime<Utc>>,
}

/// A rating as counted: its stage, the unit it judges, and how the policy classes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageRating {
    /// "handling", "review", "rereview" (petition) or "followup" (hotline).
    pub stage: String,
    pub unit: String,
    pub code: String,
    /// `None` for a code the policy no longer offers.
    pub class: Option<RatingClass>,
    pub at: DateTime<Utc>,
}

/// Everything the KPIs and the supervision queues need to know about one case, as of one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFacts {
    pub case_id: uuid::Uuid,
    pub as_of: DateTime<Utc>,
    pub flow: Flow,
    pub channel: Channel,
    pub kind: CaseKind,
    pub urgent: bool,
    pub topic: String,
    /// Where the matter is (`location.region`): the region the case counts in.
    pub region: String,
    pub office_unit: String,
    pub petitioner: uuid::Uuid,
    pub group_size: u32,
    pub skip_level: bool,
    pub status: Status,
    /// 责任单位: the unit the matter was last sent to and did not send back (transfer or
    /// dispatch), else the receiving office. Case counts per unit use it.
    pub charged_unit: String,
    pub units_involved: Vec<String>,
    /// Units that objected (petition) or returned the order (hotline), in order.
    pub returned_by: Vec<String>,
    pub registered_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub declined_at: Option<DateTime<Utc>>,
    /// First handling opinion (petition) or first reply (hotline).
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub extensions: u32,
    pub extension_days: u32,
    pub reopen_count: u32,
    pub review_requested: bool,
    pub rereview_requested: bool,
    pub settled: bool,
    pub ratings: Vec<StageRating>,
    /// Latest hotline follow-up: resolved or not.
    pub followup_resolved: Option<bool>,
    pub repeat: bool,
    pub repeated_later: bool,
    /// Hotline order handed to 110/119/120/122: outside every hotline KPI.
    pub emergency: bool,
    pub tallies: Vec<Tally>,
    pub pending: Vec<Pending>,
    /// The first instant at which these facts may change without a new event.
    pub valid_until: Option<DateTime<Utc>>,
    /// A deadline could not be computed: the calendar does not reach it. Re-derive after the
    /// calendar is extended.
    pub calendar_gap: bool,
}

impl CaseFacts {
    /// The outcome of a metric for this case charged to any unit, if it is known: `Some(true)`
    /// met, `Some(false)` missed. Rating metrics: the latest rating, basically counted as
    /// `basically_counts`.
    pub fn outcome(&self, metric: Metric, basically_counts: bool) -> Option<bool> {
        self.tallies
            .iter()
            .rev()
            .find(|t| t.metric == metric)
            .map(|t| t.hit.unwrap_or(basically_counts))
    }

    /// 及时受理: yes, no, or not known (yet).
    pub fn timely_acceptance(&self) -> Option<bool> {
        self.outcome(Metric::TimelyAcceptance, false)
    }

    /// 按期答复 (petition) or 按期办结 (hotline).
    pub fn answered_on_time(&self) -> Option<bool> {
        match self.flow {
            Flow::Petition => self.outcome(Metric::OnTimeAnswer, false),
            Flow::Hotline => self.outcome(Metric::HotlineOnTime, false),
        }
    }

    /// 一次性化解.
    pub fn resolved_first_time(&self) -> Option<bool> {
        self.outcome(Metric::FirstTimeResolution, false)
    }

    /// The petitioner's latest rating, any stage.
    pub fn latest_rating(&self) -> Option<&StageRating> {
        self.ratings.iter().max_by_key(|r| r.at)
    }

    pub fn rated(&self) -> bool {
        !self.ratings.is_empty()
    }

    /// Missed duties still open: 超期未受理, 超期未答复 and the like.
    pub fn overdue_open(&self) -> impl Iterator<Item = &Tally> {
        self.tallies.iter().filter(|t| t.open)
    }
}

/// A duty opened by an event and met by a later one.
struct Duty {
    metric: Metric,
    unit: String,
    due: Due,
}

/// How a duty's deadline is found: by `deadline.rs` on the case state, or a KPI-only period.
#[derive(Clone, Copy)]
enum Due {
    Deadline(DeadlineKind),
    Since(Period, DateTime<Utc>),
}

impl Due {
    fn at(
        self,
        s: &CaseState,
        p: &PolicySet,
        cal: &Calendar,
    ) -> Result<DateTime<Utc>, crate::DomainError> {
        match self {
            Due::Deadline(kind) => deadline::due(s, kind, p, cal).map(|d| d.due),
            // The kind only labels the result; the period and start are the KPI's own.
            Due::Since(period, start) => {
                deadline::compute(DeadlineKind::HotlineReply, period, 0, start, cal).map(|d| d.due)
            }
        }
    }
}

/// A stage whose answer the petitioner may rate.
struct Answer {
    stage: &'static str,
    unit: String,
    at: DateTime<Utc>,
}

/// Derives the facts of one case from its whole event history (oldest first), as of `as_of`.
/// `policy` is the policy of the case's region; `links` come from the store.
pub fn derive<'a>(
    case_id: uuid::Uuid,
    events: impl IntoIterator<Item = (DateTime<Utc>, &'a Event)>,
    links: &CaseLinks,
    policy: &PolicySet,
    cal: &Calendar,
    as_of: DateTime<Utc>,
) -> Result<CaseFacts, KpiError> {
    let mut d = Deriver {
        policy,
        cal,
        tallies: Vec::new(),
        pending: Vec::new(),
        open: Vec::new(),
        answers: Vec::new(),
        ratings: Vec::new(),
        hotline_rounds_missed: false,
        hotline_last_unit: None,
        returned_by: Vec::new(),
        charged: String::new(),
        followup: None,
        calendar_gap: false,
        first_answer: None,
        declined_at: None,
        handling_answer: None,
    };
    let mut state: Option<CaseState> = None;
    for (at, event) in events {
        match &state {
            None => {
                let Event::Registered(reg) = event else {
                    return Err(KpiError::NotRegistered);
                };
                let s = workflow::apply(None, case_id, at, event).ok_or(KpiError::NotRegistered)?;
                d.charged = reg.office_unit.clone();
                d.open_on(&s, event, at);
                state = Some(s);
            }
            Some(before) => {
                d.close_on(before, event, at);
                let after = workflow::apply(Some(before.clone()), case_id, at, event)
                    .ok_or(KpiError::NotRegistered)?;
                d.open_on(&after, event, at);
                state = Some(after);
            }
        }
    }
    let s = state.ok_or(KpiError::NotRegistered)?;
    Ok(d.finish(s, links, as_of))
}

struct Deriver<'p> {
    policy: &'p PolicySet,
    cal: &'p Calendar,
    tallies: Vec<Tally>,
    pending: Vec<Pending>,
    open: Vec<Duty>,
    answers: Vec<Answer>,
    ratings: Vec<StageRating>,
    hotline_rounds_missed: bool,
    hotline_last_unit: Option<String>,
    returned_by: Vec<String>,
    charged: String,
    followup: Option<(bool, StageRating)>,
    calendar_gap: bool,
    first_answer: Option<DateTime<Utc>>,
    declined_at: Option<DateTime<Utc>>,
    /// The first handling opinion or settlement: (unit, at, settled).
    handling_answer: Option<(String, DateTime<Utc>, bool)>,
}

impl Deriver<'_> {
    fn open(&mut self, metric: Metric, unit: &str, due: Due) {
        self.open.push(Duty {
            metric,
            unit: unit.to_string(),
            due,
        });
    }

    /// Meets the open duty of `metric` at `at`, judged on the state before the event.
    fn meet(&mut self, metric: Metric, before: &CaseState, at: DateTime<Utc>) -> Option<bool> {
        let i = self.open.iter().position(|d| d.metric == metric)?;
        let duty = self.open.remove(i);
        let due = match duty.due.at(before, self.policy, self.cal) {
            Ok(due) => due,
            Err(_) => {
                // The calendar does not reach the deadline; an answer given before the end of
                // the known calendar cannot be judged either, so it stays out of the rate.
                self.calendar_gap = true;
                return None;
            }
        };
        let hit = at < due;
        if metric == Metric::HotlineOnTime {
            // One tally per order, written at the end: every round must be on time.
            // Charged to the unit that replied, not the one that held the clock when it started.
            self.hotline_rounds_missed |= !hit;
            self.hotline_last_unit = Some(before.current_unit.clone());
        } else {
            self.tallies.push(Tally {
                metric,
                unit: duty.unit,
                hit: Some(hit),
                due: Some(due),
                open: false,
            });
        }
        Some(hit)
    }

    fn drop_duty(&mut self, metric: Metric) {
        self.open.retain(|d| d.metric != metric);
    }

    fn close_on(&mut self, before: &CaseState, event: &Event, at: DateTime<Utc>) {
        use Status as S;
        match (before.status, event) {
            (
                S::Registered,
                Event::Transferred { .. } | Event::Diverted { .. } | Event::Declined { .. },
            ) if before.flow == Flow::Petition => {
                self.meet(Metric::TimelyTransfer, before, at);
            }
            (S::AwaitingAcceptance, Event::Accepted { .. } | Event::Declined { .. }) => {
                self.meet(Metric::TimelyAcceptance, before, at);
            }
            // A timely objection is the unit's right (the decider refuses late ones), so the
            // objecting unit is not charged for acceptance; the office's transfer clock restarts.
            (S::AwaitingAcceptance, Event::Objected { .. }) => {
                self.drop_duty(Metric::TimelyAcceptance);
                self.returned_by.push(before.current_unit.clone());
            }
            (S::Handling, Event::OpinionIssued(_) | Event::Settled { .. }) => {
                self.meet(Metric::OnTimeAnswer, before, at);
            }
            // An agreement reached in a referred mediation (多元化解) ends the handling like a
            // settlement (Art. 33): it answers on time if reached before the handling deadline.
            (S::Referred, Event::ReferralConcluded { outcome, .. })
                if outcome.is_agreement()
                    && before.flow == Flow::Petition
                    && before.accepted_at.is_some() =>
            {
                self.meet(Metric::OnTimeAnswer, before, at);
                if self.handling_answer.is_none() {
                    self.handling_answer = Some((before.current_unit.clone(), at, true));
                }
                self.first_answer.get_or_insert(at);
            }
            (S::UnderReview, Event::ReviewDecided { .. })
            | (S::UnderReReview, Event::ReReviewDecided { .. }) => {
                self.meet(Metric::OnTimeReview, before, at);
            }
            (S::Dispatched, Event::SignedFor | Event::ReturnedByUnit { .. }) => {
                self.meet(Metric::HotlineResponse, before, at);
            }
            _ => {}
        }
        match event {
            Event::ReturnedByUnit { .. } => self.returned_by.push(before.current_unit.clone()),
            Event::Replied { .. } | Event::AnsweredDirectly { .. } => {
                self.meet(Metric::HotlineOnTime, before, at);
            }
            Event::EmergencyTransferred { .. } => self.drop_duty(Metric::HotlineOnTime),
            _ => {}
        }
    }

    fn open_on(&mut self, s: &CaseState, event: &Event, at: DateTime<Utc>) {
        let unit = s.current_unit.clone();
        match event {
            Event::Registered(reg) => match reg.flow {
                Flow::Petition => self.open(
                    Metric::TimelyTransfer,
                    &unit,
                    Due::Deadline(DeadlineKind::Transfer),
                ),
                Flow::Hotline => self.open(
                    Metric::HotlineOnTime,
                    &unit,
                    Due::Deadline(DeadlineKind::HotlineReply),
                ),
            },
            Event::Objected { .. } => {
                self.charged = unit.clone();
                self.open(
                    Metric::TimelyTransfer,
                    &unit,
                    Due::Deadline(DeadlineKind::Transfer),
                );
            }
            Event::Transferred { to_unit, .. } => {
                self.charged = to_unit.clone();
                self.open(
                    Metric::TimelyAcceptance,
                    to_unit,
                    Due::Deadline(DeadlineKind::AcceptanceNotice),
                );
            }
            Event::Accepted { .. } => self.open(
                Metric::OnTimeAnswer,
                &unit,
                Due::Deadline(DeadlineKind::Handling),
            ),
            Event::Declined { .. } => self.declined_at = Some(at),
            Event::OpinionIssued(_) | Event::Settled { .. } => {
                let settled = matches!(event, Event::Settled { .. });
                if self.handling_answer.is_none() {
                    self.handling_answer = Some((unit.clone(), at, settled));
                }
                self.first_answer.get_or_insert(at);
                if !settled {
                    self.answers.push(Answer {
                        stage: "handling",
                        unit,
                        at,
                    });
                }
            }
            Event::ReviewRequested { reviewing_unit, .. }
            | Event::ReReviewRequested { reviewing_unit, .. } => {
                let kind = if matches!(event, Event::ReviewRequested { .. }) {
                    DeadlineKind::ReviewDecision
                } else {
                    DeadlineKind::ReReviewDecision
                };
                self.open(Metric::OnTimeReview, reviewing_unit, Due::Deadline(kind));
            }
            Event::ReviewDecided { .. } => {
                if let Some(r) = &s.review {
                    self.answers.push(Answer {
                        stage: "review",
                        unit: r.unit.clone(),
                        at,
                    });
                }
            }
            Event::ReReviewDecided { .. } => {
                if let Some(r) = &s.rereview {
                    self.answers.push(Answer {
                        stage: "rereview",
                        unit: r.unit.clone(),
                        at,
                    });
                }
            }
            Event::Rated { rating, stage, .. } => {
                // The stage's answer is charged to the unit that gave it, whoever holds the
                // case now (国信发 Art. 5: whoever handles it is rated).
                let unit = self
                    .answers
                    .iter()
                    .rev()
                    .find(|a| a.stage == stage.as_str())
                    .map(|a| a.unit.clone())
                    .unwrap_or(unit);
                self.ratings.push(StageRating {
                    stage: stage.clone(),
                    unit,
                    code: rating.clone(),
                    class: self.policy.rating_class(rating),
                    at,
                });
            }
            Event::Dispatched { to_unit, .. } => {
                self.charged = to_unit.clone();
                self.open(
                    Metric::HotlineResponse,
                    to_unit,
                    Due::Since(self.policy.kpi.hotline_response, at),
                );
            }
            Event::ReturnedByUnit { .. } => {
                self.charged = unit;
                // A return after signing for leaves no response duty open; one before it met it.
                self.drop_duty(Metric::HotlineResponse);
            }
            Event::Reopened { .. } => {
                self.charged = unit.clone();
                self.open(
                    Metric::HotlineResponse,
                    &unit,
                    Due::Since(self.policy.kpi.hotline_response, at),
                );
                self.open(
                    Metric::HotlineOnTime,
                    &unit,
                    Due::Deadline(DeadlineKind::HotlineReply),
                );
            }
            Event::Replied { .. } | Event::AnsweredDirectly { .. } => {
                self.first_answer.get_or_insert(at);
                if matches!(event, Event::AnsweredDirectly { .. }) {
                    // Answered on the call: the centre responded at once.
                    self.tallies.push(Tally {
                        metric: Metric::HotlineResponse,
                        unit,
                        hit: Some(true),
                        due: None,
                        open: false,
                    });
                }
            }
            Event::FollowedUp {
                rating,
                resolved,
                unsatisfied: _,
                ..
            } => {
                let r = StageRating {
                    stage: "followup".into(),
                    unit,
                    code: rating.clone(),
                    class: self.policy.rating_class(rating),
                    at,
                };
                self.ratings.push(r.clone());
                self.followup = Some((*resolved, r));
            }
            _ => {}
        }
    }

    /// Judges what is still open against `as_of` and writes the case-level tallies.
    fn finish(mut self, s: CaseState, links: &CaseLinks, as_of: DateTime<Utc>) -> CaseFacts {
        let terminal = s.status.is_terminal();
        let emergency = s.emergency.is_some();
        let mut hotline_open_missed = None;
        let mut hotline_open_pending = None;
        for duty in std::mem::take(&mut self.open) {
            if terminal {
                continue;
            }
            let due = match duty.due.at(&s, self.policy, self.cal) {
                Ok(due) => due,
                Err(_) => {
                    self.calendar_gap = true;
                    self.pending.push(Pending {
                        metric: duty.metric,
                        unit: duty.unit,
                        until: None,
                    });
                    continue;
                }
            };
            if duty.metric == Metric::HotlineOnTime {
                if as_of >= due {
                    hotline_open_missed = Some(due);
                } else {
                    hotline_open_pending = Some(due);
                }
                // The order sits with whoever holds it now.
                self.hotline_last_unit = Some(s.current_unit.clone());
                continue;
            }
            if as_of >= due {
                // 超期未受理 / 超期未答复: in the denominator, not in the numerator.
                self.tallies.push(Tally {
                    metric: duty.metric,
                    unit: duty.unit,
                    hit: Some(false),
                    due: Some(due),
                    open: true,
                });
            } else {
                self.pending.push(Pending {
                    metric: duty.metric,
                    unit: duty.unit,
                    until: Some(due),
                });
            }
        }

        match s.flow {
            Flow::Petition => self.finish_petition(&s, links, as_of),
            Flow::Hotline if !emergency => {
                if let Some(unit) = self.hotline_last_unit.take() {
                    if self.hotline_rounds_missed || hotline_open_missed.is_some() {
                        self.tallies.push(Tally {
                            metric: Metric::HotlineOnTime,
                            unit,
                            hit: Some(false),
                            due: hotline_open_missed,
                            open: hotline_open_missed.is_some(),
                        });
                    } else if let Some(until) = hotline_open_pending {
                        self.pending.push(Pending {
                            metric: Metric::HotlineOnTime,
                            unit,
                            until: Some(until),
                        });
                    } else if !self.calendar_gap {
                        self.tallies.push(Tally {
                            metric: Metric::HotlineOnTime,
                            unit,
                            hit: Some(true),
                            due: None,
                            open: false,
                        });
                    }
                }
                if let Some((resolved, r)) = &self.followup {
                    self.tallies.push(Tally {
                        metric: Metric::HotlineResolution,
                        unit: r.unit.clone(),
                        hit: Some(*resolved),
                        due: None,
                        open: false,
                    });
                    if let Some(class) = r.class {
                        self.tallies.push(rating_tally(
                            Metric::HotlineSatisfaction,
                            &r.unit,
                            class,
                        ));
                    }
                }
            }
            Flow::Hotline => {
                // Handed to an emergency line: no hotline KPI applies.
                self.tallies.clear();
                self.pending.clear();
            }
        }

        let valid_until = self.pending.iter().filter_map(|p| p.until).min();
        CaseFacts {
            case_id: s.id,
            as_of,
            flow: s.flow,
            channel: s.channel,
            kind: s.kind,
            urgent: s.urgent,
            topic: s.topic.clone(),
            region: s.location.region.clone(),
            office_unit: s.office_unit.clone(),
            petitioner: s.petitioner.id,
            group_size: s.group_size,
            skip_level: s.skip_level,
            status: s.status,
            charged_unit: self.charged,
            units_involved: s.units_involved.clone(),
            returned_by: self.returned_by,
            registered_at: s.registered_at,
            accepted_at: s.accepted_at,
            declined_at: self.declined_at,
            answered_at: self.first_answer,
            closed_at: s.closed_at,
            extensions: s.extensions.len() as u32,
            extension_days: s.extension_days(),
            reopen_count: s.reopen_count,
            review_requested: s.review.is_some(),
            rereview_requested: s.rereview.is_some(),
            settled: self.handling_answer.as_ref().is_some_and(|h| h.2),
            ratings: self.ratings,
            followup_resolved: self.followup.as_ref().map(|f| f.0),
            repeat: links.repeat_of.is_some(),
            repeated_later: links.repeated_later,
            emergency,
            tallies: self.tallies,
            pending: self.pending,
            valid_until,
            calendar_gap: self.calendar_gap,
        }
    }

    fn finish_petition(&mut self, s: &CaseState, links: &CaseLinks, as_of: DateTime<Utc>) {
        // 重复信访率: every petition, charged to the unit now responsible.
        self.tallies.push(Tally {
            metric: Metric::RepeatPetition,
            unit: self.charged.clone(),
            hit: Some(links.repeat_of.is_some()),
            due: None,
            open: false,
        });

        // 参评率 per answered stage; 满意率 per rated stage, charged to the unit that answered.
        for a in std::mem::take(&mut self.answers) {
            let rating = self.ratings.iter().find(|r| r.stage == a.stage);
            if let Some(r) = rating {
                self.tallies.push(Tally {
                    metric: Metric::RatingParticipation,
                    unit: a.unit.clone(),
                    hit: Some(true),
                    due: None,
                    open: false,
                });
                if let Some(class) = r.class {
                    self.tallies
                        .push(rating_tally(Metric::Satisfaction, &a.unit, class));
                }
                continue;
            }
            match deadline::compute(
                DeadlineKind::ReviewRequest,
                self.policy.kpi.rating_window,
                0,
                a.at,
                self.cal,
            ) {
                Ok(w) if as_of >= w.due => self.tallies.push(Tally {
                    metric: Metric::RatingParticipation,
                    unit: a.unit,
                    hit: Some(false),
                    due: Some(w.due),
                    open: false,
                }),
                Ok(w) => self.pending.push(Pending {
                    metric: Metric::RatingParticipation,
                    unit: a.unit,
                    until: Some(w.due),
                }),
                Err(_) => {
                    self.calendar_gap = true;
                    self.pending.push(Pending {
                        metric: Metric::RatingParticipation,
                        unit: a.unit,
                        until: None,
                    });
                }
            }
        }

        // 一次性化解: settled, or answered once and then no review, no repeat, no 不满意.
        let Some((unit, answered_at, settled)) = self.handling_answer.clone() else {
            return;
        };
        let unhappy = self
            .ratings
            .iter()
            .any(|r| r.stage == "handling" && r.class == Some(RatingClass::Unsatisfied));
        let known = if settled {
            Some(true)
        } else if s.review.is_some() || links.repeated_later || unhappy {
            Some(false)
        } else if s.status == Status::Final {
            Some(true)
        } else {
            // Still open to a review request: not known until the window closes.
            match deadline::compute(
                DeadlineKind::ReviewRequest,
                self.policy.petition.review_request_window,
                0,
                answered_at,
                self.cal,
            ) {
                Ok(w) if as_of >= w.due => Some(true),
                Ok(w) => {
                    self.pending.push(Pending {
                        metric: Metric::FirstTimeResolution,
                        unit: unit.clone(),
                        until: Some(w.due),
                    });
                    None
                }
                Err(_) => {
                    self.calendar_gap = true;
                    None
                }
            }
        };
        if let Some(hit) = known {
            self.tallies.push(Tally {
                metric: Metric::FirstTimeResolution,
                unit,
                hit: Some(hit),
                due: None,
                open: false,
            });
        }
    }
}

fn rating_tally(metric: Metric, unit: &str, class: RatingClass) -> Tally {
    Tally {
        metric,
        unit: unit.to_string(),
        hit: match class {
            RatingClass::Satisfied => Some(true),
            RatingClass::Basically => None,
            RatingClass::Unsatisfied => Some(false),
        },
        due: None,
        open: false,
    }
}
