//! The suggestion workflow as a decider, in the style of the case workflow:
//!
//! ```text
//! registered ──accept──▶ assessing ──assess──▶ assessed ──forward──▶ forwarded ──(all units
//!     │                   │  (draw_panel,          │                   │  answer)──▶ answered
//!     │                   │   expert opinions)     │                   │  (extend, forward more)   │
//!     ├─redirect─▶ redirected (petition/hotline)   │                                      give_feedback
//!     └─withdraw─▶ withdrawn ◀──────withdraw───────┘                                             ▼
//!                                                                        concluded (conversions, award)
//! ```
//!
//! Publication for public support, the support threshold and the public answer run alongside
//! from `assessing` on. Time limits come from policy `[suggestion]` and are counted with the
//! calendar like every other deadline (`deadline::period_end`). docs/suggestions.md has the table.

use super::campaign::Campaign;
use super::panel::{Expert, PanelDraw, draw_panel};
use super::reward::{self, AwardCycle};
use super::screening::{ClassifierScore, Screening, Verdict, screen, target_flow};
use super::{
    Adoption, CampaignKind, ConversionRoute, FeedbackMode, NotASuggestion, Recommendation,
    SuggestionStatus, office_only,
};
use crate::access::{Actor, Role};
use crate::calendar::Calendar;
use crate::case::{Channel, Flow, PetitionerRef, str_enum};
use crate::deadline::{self, local_date};
use crate::error::DomainError;
use crate::policy::{Period, PolicySet};
use crate::region::Directory;
use crate::workflow::{Context, Extension};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

const ART_ELEMENTS: &str = "《上海市人民建议征集若干规定》第十条";
const ART_HANDLING: &str = "《上海市人民建议征集若干规定》第十一条";
const ART_FEEDBACK: &str = "《上海市人民建议征集若干规定》第十二条";
const ART_CONVERSION: &str = "《上海市人民建议征集若干规定》第十三条";
const ART_ADOPTION: &str = "《信访工作条例》第二十九条";

/// A suggestion as submitted (online by the suggester, by office staff from a letter or call,
/// or by an integration). Shanghai Art. 10's four elements are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub channel: Channel,
    /// The campaign it answers; none for a routine suggestion.
    #[serde(default)]
    pub campaign: Option<uuid::Uuid>,
    /// An invited adviser's personal token (targeted campaigns). Only the adviser id it maps to
    /// is recorded.
    #[serde(default)]
    pub adviser_token: Option<String>,
    /// 建议主题.
    pub title: String,
    /// 主要事由.
    pub reason: String,
    /// 对策建议.
    pub proposal: String,
    /// 建议人基本信息 (masked forms and a reference to the encrypted record; never anonymous).
    pub suggester: PetitionerRef,
    pub topic: String,
    /// The region the suggestion is about (where it counts in the scoreboard).
    pub region: String,
    /// The suggestion office (人民建议征集办公室) that handles it.
    pub office_unit: String,
    pub query_code_hash: String,
    /// The text module's classifier output, filled by the server (not by the client).
    #[serde(default)]
    pub classifier: Option<ClassifierScore>,
}

/// The submission as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submitted {
    /// Assigned by the store, like a case number.
    pub number: String,
    pub channel: Channel,
    pub campaign: Option<uuid::Uuid>,
    pub campaign_kind: Option<CampaignKind>,
    /// The invited adviser (特邀建议人) who submitted it.
    pub adviser: Option<String>,
    pub title: String,
    pub reason: String,
    pub proposal: String,
    pub suggester: PetitionerRef,
    pub topic: String,
    pub region: String,
    pub office_unit: String,
    pub query_code_hash: String,
    pub screening: Screening,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum SuggestionCommand {
    Submit(Box<Submission>),
    /// Screened in: it is a suggestion (受理).
    Accept {
        #[serde(default)]
        note: String,
    },
    /// Not a suggestion: to the petition or hotline flow, the citizen told why. `to` defaults to
    /// the policy's flow for `kind`.
    Redirect {
        kind: NotASuggestion,
        reason: String,
        #[serde(default)]
        to: Option<Flow>,
    },
    Withdraw {
        reason: String,
    },
    /// Draws an expert panel from `pool` (the server fills it from the expert pool).
    DrawPanel {
        size: u32,
        seed: u64,
        #[serde(default)]
        field: Option<String>,
        #[serde(default)]
        conflict_units: Vec<String>,
        pool: Vec<Expert>,
    },
    /// Recorded by the office for a panel member.
    RecordExpertOpinion {
        expert_id: String,
        recommendation: Recommendation,
        opinion: String,
    },
    /// 研究评估: the office's conclusion; `important` marks a 重要建议.
    Assess {
        important: bool,
        opinion: String,
    },
    /// To one or more units (again while with the units, to add more).
    Forward {
        units: Vec<String>,
        #[serde(default)]
        note: String,
    },
    /// More time for one unit, approved by the office.
    Extend {
        unit: String,
        days: u32,
        approver: String,
        reason: String,
    },
    /// The answer of the actor's unit. `reason` is required for 不予采纳.
    Answer {
        outcome: Adoption,
        reply: String,
        #[serde(default)]
        reason: String,
    },
    /// 成果转化 (Shanghai Art. 13), with a reference (document number, link, title).
    RecordConversion {
        route: ConversionRoute,
        reference: String,
        #[serde(default)]
        summary: String,
    },
    /// Publishes the suggestion (an edited summary) so citizens can support it.
    Publish {
        summary: String,
    },
    /// Appended by the system when the support count reaches the policy threshold.
    ReachSupportThreshold {
        supporters: u32,
    },
    PublishPublicAnswer {
        content: String,
    },
    /// Tells the suggester the outcome: individually, or by the campaign's collective answer.
    GiveFeedback {
        mode: FeedbackMode,
        #[serde(default)]
        content: String,
    },
    Award {
        cycle: String,
        tier: String,
        #[serde(default)]
        citation: String,
    },
}

impl SuggestionCommand {
    pub fn name(&self) -> &'static str {
        use SuggestionCommand::*;
        match self {
            Submit(_) => "submit",
            Accept { .. } => "accept",
            Redirect { .. } => "redirect",
            Withdraw { .. } => "withdraw",
            DrawPanel { .. } => "draw_panel",
            RecordExpertOpinion { .. } => "record_expert_opinion",
            Assess { .. } => "assess",
            Forward { .. } => "forward",
            Extend { .. } => "extend",
            Answer { .. } => "answer",
            RecordConversion { .. } => "record_conversion",
            Publish { .. } => "publish",
            ReachSupportThreshold { .. } => "reach_support_threshold",
            PublishPublicAnswer { .. } => "publish_public_answer",
            GiveFeedback { .. } => "give_feedback",
            Award { .. } => "award",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SuggestionEvent {
    Submitted(Box<Submitted>),
    Redirected {
        kind: NotASuggestion,
        to: Flow,
        /// What the citizen is told.
        reason: String,
        reason_en: String,
        article: String,
        /// By the screening rules at submission, not by a person.
        automatic: bool,
    },
    Withdrawn {
        reason: String,
    },
    Accepted {
        note: String,
    },
    PanelDrawn(Box<PanelDraw>),
    ExpertOpinionRecorded {
        expert_id: String,
        expert_name: String,
        recommendation: Recommendation,
        opinion: String,
    },
    Assessed {
        important: bool,
        opinion: String,
    },
    Forwarded {
        units: Vec<String>,
        note: String,
    },
    ExtensionGranted {
        unit: String,
        days: u32,
        approver: String,
        reason: String,
    },
    Answered {
        unit: String,
        outcome: Adoption,
        reply: String,
        reason: String,
    },
    ConversionRecorded {
        unit: String,
        route: ConversionRoute,
        reference: String,
        summary: String,
    },
    Published {
        summary: String,
    },
    SupportThresholdReached {
        supporters: u32,
        threshold: u32,
    },
    PublicAnswerPublished {
        content: String,
    },
    FeedbackGiven {
        mode: FeedbackMode,
        content: String,
    },
    Rewarded {
        cycle: String,
        tier: String,
        tier_zh: String,
        tier_en: String,
        amount_yuan: u64,
        citation: String,
    },
}

impl SuggestionEvent {
    pub fn name(&self) -> &'static str {
        use SuggestionEvent::*;
        match self {
            Submitted(_) => "submitted",
            Redirected { .. } => "redirected",
            Withdrawn { .. } => "withdrawn",
            Accepted { .. } => "accepted",
            PanelDrawn(_) => "panel_drawn",
            ExpertOpinionRecorded { .. } => "expert_opinion_recorded",
            Assessed { .. } => "assessed",
            Forwarded { .. } => "forwarded",
            ExtensionGranted { .. } => "extension_granted",
            Answered { .. } => "answered",
            ConversionRecorded { .. } => "conversion_recorded",
            Published { .. } => "published",
            SupportThresholdReached { .. } => "support_threshold_reached",
            PublicAnswerPublished { .. } => "public_answer_published",
            FeedbackGiven { .. } => "feedback_given",
            Rewarded { .. } => "rewarded",
        }
    }

    pub fn zh(&self) -> &'static str {
        use SuggestionEvent::*;
        match self {
            Submitted(_) => "提交建议",
            Redirected {
                to: Flow::Petition, ..
            } => "转信访渠道办理",
            Redirected { .. } => "转12345热线办理",
            Withdrawn { .. } => "撤回建议",
            Accepted { .. } => "甄别受理",
            PanelDrawn(_) => "抽取评审专家",
            ExpertOpinionRecorded { .. } => "专家评审意见",
            Assessed { .. } => "研究评估",
            Forwarded { .. } => "转交承办单位",
            ExtensionGranted { .. } => "延期办理",
            Answered { .. } => "承办单位答复",
            ConversionRecorded { .. } => "成果转化",
            Published { .. } => "公开征求支持",
            SupportThresholdReached { .. } => "支持数达到公开答复标准",
            PublicAnswerPublished { .. } => "公开答复",
            FeedbackGiven {
                mode: FeedbackMode::Collective,
                ..
            } => "集中反馈",
            FeedbackGiven { .. } => "反馈建议人",
            Rewarded { .. } => "给予奖励",
        }
    }

    pub fn en(&self) -> &'static str {
        use SuggestionEvent::*;
        match self {
            Submitted(_) => "Submitted",
            Redirected {
                to: Flow::Petition, ..
            } => "Redirected to the petition flow",
            Redirected { .. } => "Redirected to the 12345 hotline",
            Withdrawn { .. } => "Withdrawn",
            Accepted { .. } => "Screened in",
            PanelDrawn(_) => "Expert panel drawn",
            ExpertOpinionRecorded { .. } => "Expert opinion",
            Assessed { .. } => "Assessed",
            Forwarded { .. } => "Forwarded to units",
            ExtensionGranted { .. } => "Extended",
            Answered { .. } => "Unit answered",
            ConversionRecorded { .. } => "Turned into action",
            Published { .. } => "Published for support",
            SupportThresholdReached { .. } => "Support threshold reached",
            PublicAnswerPublished { .. } => "Public answer",
            FeedbackGiven {
                mode: FeedbackMode::Collective,
                ..
            } => "Collective answer",
            FeedbackGiven { .. } => "Feedback to the suggester",
            Rewarded { .. } => "Rewarded",
        }
    }

    /// Shown to the suggester (panel names and expert opinions are internal).
    pub fn is_public(&self) -> bool {
        !matches!(
            self,
            SuggestionEvent::PanelDrawn(_) | SuggestionEvent::ExpertOpinionRecorded { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redirection {
    pub kind: NotASuggestion,
    pub to: Flow,
    pub reason: String,
    pub reason_en: String,
    pub article: String,
    pub automatic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpertOpinion {
    pub expert_id: String,
    pub expert_name: String,
    pub recommendation: Recommendation,
    pub opinion: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitAnswer {
    pub outcome: Adoption,
    pub reply: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// One unit's part: when it received the suggestion, its extensions, its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitHandling {
    pub unit: String,
    pub forwarded_at: DateTime<Utc>,
    pub extensions: Vec<Extension>,
    pub answer: Option<UnitAnswer>,
}

impl UnitHandling {
    pub fn extension_days(&self) -> u32 {
        self.extensions.iter().map(|e| e.days).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversion {
    pub unit: String,
    pub route: ConversionRoute,
    pub reference: String,
    pub summary: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRecord {
    pub mode: FeedbackMode,
    pub content: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RewardRecord {
    pub cycle: String,
    pub tier: String,
    pub tier_zh: String,
    pub tier_en: String,
    pub amount_yuan: u64,
    pub citation: String,
    pub at: DateTime<Utc>,
}

/// The suggestion folded from its events (the projection a store caches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionState {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub sub: Submitted,
    pub status: SuggestionStatus,
    pub registered_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub redirection: Option<Redirection>,
    pub panel: Option<PanelDraw>,
    pub opinions: Vec<ExpertOpinion>,
    pub important: bool,
    pub assessment: Option<String>,
    pub assessed_at: Option<DateTime<Utc>>,
    pub units: Vec<UnitHandling>,
    /// When the last unit answered: the outcome is known from then on.
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<Adoption>,
    pub conversions: Vec<Conversion>,
    pub published_at: Option<DateTime<Utc>>,
    pub public_summary: Option<String>,
    pub threshold_reached_at: Option<DateTime<Utc>>,
    pub supporters_at_threshold: Option<u32>,
    pub public_answer: Option<String>,
    pub public_answered_at: Option<DateTime<Utc>>,
    pub feedback: Option<FeedbackRecord>,
    pub reward: Option<RewardRecord>,
    /// Redirected or withdrawn.
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl std::ops::Deref for SuggestionState {
    type Target = Submitted;
    fn deref(&self) -> &Submitted {
        &self.sub
    }
}

impl SuggestionState {
    pub fn unit(&self, unit: &str) -> Option<&UnitHandling> {
        self.units.iter().find(|u| u.unit == unit)
    }

    /// Units still to answer.
    pub fn pending_units(&self) -> impl Iterator<Item = &UnitHandling> {
        self.units.iter().filter(|u| u.answer.is_none())
    }
}

/// Folds one event; `None` only before `Submitted`.
pub fn apply(
    state: Option<SuggestionState>,
    id: uuid::Uuid,
    at: DateTime<Utc>,
    event: &SuggestionEvent,
) -> Option<SuggestionState> {
    use SuggestionEvent as E;
    let mut s = match (state, event) {
        (None, E::Submitted(sub)) => {
            return Some(SuggestionState {
                id,
                sub: (**sub).clone(),
                status: SuggestionStatus::Registered,
                registered_at: at,
                accepted_at: None,
                redirection: None,
                panel: None,
                opinions: Vec::new(),
                important: false,
                assessment: None,
                assessed_at: None,
                units: Vec::new(),
                answered_at: None,
                outcome: None,
                conversions: Vec::new(),
                published_at: None,
                public_summary: None,
                threshold_reached_at: None,
                supporters_at_threshold: None,
                public_answer: None,
                public_answered_at: None,
                feedback: None,
                reward: None,
                closed_at: None,
                close_reason: None,
                updated_at: at,
                version: 1,
            });
        }
        (None, _) => return None,
        (Some(s), _) => s,
    };
    s.version += 1;
    s.updated_at = at;
    match event {
        E::Submitted(_) => {}
        E::Redirected {
            kind,
            to,
            reason,
            reason_en,
            article,
            automatic,
        } => {
            s.status = SuggestionStatus::Redirected;
            s.redirection = Some(Redirection {
                kind: *kind,
                to: *to,
                reason: reason.clone(),
                reason_en: reason_en.clone(),
                article: article.clone(),
                automatic: *automatic,
            });
            s.closed_at = Some(at);
            s.close_reason = Some(reason.clone());
        }
        E::Withdrawn { reason } => {
            s.status = SuggestionStatus::Withdrawn;
            s.closed_at = Some(at);
            s.close_reason = Some(reason.clone());
        }
        E::Accepted { .. } => {
            s.status = SuggestionStatus::Assessing;
            s.accepted_at = Some(at);
        }
        E::PanelDrawn(p) => s.panel = Some((**p).clone()),
        E::ExpertOpinionRecorded {
            expert_id,
            expert_name,
            recommendation,
            opinion,
        } => s.opinions.push(ExpertOpinion {
            expert_id: expert_id.clone(),
            expert_name: expert_name.clone(),
            recommendation: *recommendation,
            opinion: opinion.clone(),
            at,
        }),
        E::Assessed { important, opinion } => {
            s.status = SuggestionStatus::Assessed;
            s.important = *important;
            s.assessment = Some(opinion.clone());
            s.assessed_at = Some(at);
        }
        E::Forwarded { units, .. } => {
            s.status = SuggestionStatus::Forwarded;
            for u in units {
                if s.unit(u).is_none() {
                    s.units.push(UnitHandling {
                        unit: u.clone(),
                        forwarded_at: at,
                        extensions: Vec::new(),
                        answer: None,
                    });
                }
            }
        }
        E::ExtensionGranted {
            unit,
            days,
            approver,
            reason,
        } => {
            if let Some(u) = s.units.iter_mut().find(|u| &u.unit == unit) {
                u.extensions.push(Extension {
                    days: *days,
                    approver: approver.clone(),
                    reason: reason.clone(),
                    at,
                });
            }
        }
        E::Answered {
            unit,
            outcome,
            reply,
            reason,
        } => {
            if let Some(u) = s.units.iter_mut().find(|u| &u.unit == unit) {
                u.answer = Some(UnitAnswer {
                    outcome: *outcome,
                    reply: reply.clone(),
                    reason: reason.clone(),
                    at,
                });
            }
            if s.units.iter().all(|u| u.answer.is_some()) {
                let answers: Vec<Adoption> = s
                    .units
                    .iter()
                    .filter_map(|u| u.answer.as_ref().map(|a| a.outcome))
                    .collect();
                s.outcome = Adoption::combine(&answers);
                s.answered_at = Some(at);
                s.status = SuggestionStatus::Answered;
            }
        }
        E::ConversionRecorded {
            unit,
            route,
            reference,
            summary,
        } => s.conversions.push(Conversion {
            unit: unit.clone(),
            route: *route,
            reference: reference.clone(),
            summary: summary.clone(),
            at,
        }),
        E::Published { summary } => {
            s.published_at = Some(at);
            s.public_summary = Some(summary.clone());
        }
        E::SupportThresholdReached { supporters, .. } => {
            s.threshold_reached_at = Some(at);
            s.supporters_at_threshold = Some(*supporters);
        }
        E::PublicAnswerPublished { content } => {
            s.public_answer = Some(content.clone());
            s.public_answered_at = Some(at);
        }
        E::FeedbackGiven { mode, content } => {
            s.status = SuggestionStatus::Concluded;
            s.feedback = Some(FeedbackRecord {
                mode: *mode,
                content: content.clone(),
                at,
            });
        }
        E::Rewarded {
            cycle,
            tier,
            tier_zh,
            tier_en,
            amount_yuan,
            citation,
        } => {
            s.reward = Some(RewardRecord {
                cycle: cycle.clone(),
                tier: tier.clone(),
                tier_zh: tier_zh.clone(),
                tier_en: tier_en.clone(),
                amount_yuan: *amount_yuan,
                citation: citation.clone(),
                at,
            })
        }
    }
    Some(s)
}

/// Folds a whole history.
pub fn replay<'a>(
    id: uuid::Uuid,
    events: impl IntoIterator<Item = (DateTime<Utc>, &'a SuggestionEvent)>,
) -> Option<SuggestionState> {
    events
        .into_iter()
        .fold(None, |s, (at, e)| apply(s, id, at, e))
}

fn text(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, DomainError> {
    crate::petitioner::clean_text(field, raw, min, max)
}

fn not_allowed(cmd: &SuggestionCommand, s: &SuggestionState) -> DomainError {
    DomainError::NotAllowedInState {
        command: cmd.name(),
        status: s.status.as_str(),
    }
}

/// Decides what a command means for a suggestion. `state` is `None` only for `Submit`;
/// `campaign` is the suggestion's campaign (or, for `Submit`, the one it is submitted to) as
/// the store loaded it.
pub fn decide(
    state: Option<&SuggestionState>,
    cmd: &SuggestionCommand,
    ctx: &Context<'_>,
    campaign: Option<&Campaign>,
) -> Result<Vec<SuggestionEvent>, DomainError> {
    use SuggestionCommand as C;
    use SuggestionEvent as E;
    use SuggestionStatus::*;
    let s = match (state, cmd) {
        (None, C::Submit(sub)) => return submit(sub, ctx, campaign),
        (None, _) => {
            return Err(DomainError::Unknown {
                what: "suggestion",
                id: String::new(),
            });
        }
        (Some(s), _) => s,
    };
    let a = ctx.actor;
    let p = &ctx.policy.suggestion;
    let office = s.office_unit.as_str();
    match (s.status, cmd) {
        (_, C::Submit(_)) => Err(not_allowed(cmd, s)),
        (st, _) if st.is_terminal() => Err(not_allowed(cmd, s)),
        (Registered, C::Accept { note }) => {
            office_only(a, "accept", office)?;
            Ok(vec![E::Accepted {
                note: text("note", note, 0, 2000)?,
            }])
        }
        (Registered, C::Redirect { kind, reason, to }) => {
            office_only(a, "redirect", office)?;
            Ok(vec![E::Redirected {
                kind: *kind,
                to: to.unwrap_or_else(|| target_flow(*kind, &p.screening_rules)),
                reason: text("reason", reason, 4, 2000)?,
                reason_en: String::new(),
                article: p.screening_rules.article.clone(),
                automatic: false,
            }])
        }
        (Registered | Assessing | Assessed, C::Withdraw { reason }) => {
            a.require(
                "withdraw",
                &[Role::Citizen, Role::Coordinator],
                Some(office),
            )?;
            Ok(vec![E::Withdrawn {
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        (
            Assessing,
            C::DrawPanel {
                size,
                seed,
                field,
                conflict_units,
                pool,
            },
        ) => {
            office_only(a, "draw_panel", office)?;
            if s.panel.is_some() {
                return Err(DomainError::rule(
                    "panel_already_drawn",
                    ART_HANDLING,
                    "专家组已经抽取，不能重新抽取",
                    "the panel has already been drawn; it cannot be redrawn",
                ));
            }
            if *size > p.max_panel_size {
                return Err(DomainError::invalid(
                    "size",
                    format!("专家组不能超过{}人", p.max_panel_size),
                    format!("a panel has at most {} experts", p.max_panel_size),
                ));
            }
            for u in conflict_units {
                ctx.directory.unit(u)?;
            }
            let draw = draw_panel(pool, *size, *seed, field.as_deref(), conflict_units)?;
            Ok(vec![E::PanelDrawn(Box::new(draw))])
        }
        (
            Assessing,
            C::RecordExpertOpinion {
                expert_id,
                recommendation,
                opinion,
            },
        ) => {
            office_only(a, "record_expert_opinion", office)?;
            let member = s
                .panel
                .as_ref()
                .and_then(|p| p.experts.iter().find(|e| &e.id == expert_id))
                .ok_or_else(|| DomainError::Unknown {
                    what: "expert",
                    id: expert_id.clone(),
                })?;
            if s.opinions.iter().any(|o| &o.expert_id == expert_id) {
                return Err(DomainError::rule(
                    "opinion_already_recorded",
                    ART_HANDLING,
                    "该专家的评审意见已经记录",
                    "this expert's opinion is already recorded",
                ));
            }
            Ok(vec![E::ExpertOpinionRecorded {
                expert_id: member.id.clone(),
                expert_name: member.name.clone(),
                recommendation: *recommendation,
                opinion: text("opinion", opinion, 4, 20000)?,
            }])
        }
        (Assessing, C::Assess { important, opinion }) => {
            office_only(a, "assess", office)?;
            if let Some(panel) = &s.panel {
                let have = s.opinions.len() as u64 * 100;
                let need = u64::from(panel.size) * u64::from(p.panel_min_opinions_percent);
                if have < need {
                    return Err(DomainError::rule(
                        "panel_quorum",
                        ART_HANDLING,
                        format!(
                            "专家组{}人中已有{}人提出意见，不足{}%",
                            panel.size,
                            s.opinions.len(),
                            p.panel_min_opinions_percent
                        ),
                        format!(
                            "{} of {} panel members gave an opinion; at least {}% are needed",
                            s.opinions.len(),
                            panel.size,
                            p.panel_min_opinions_percent
                        ),
                    ));
                }
            }
            Ok(vec![E::Assessed {
                important: *important,
                opinion: text("opinion", opinion, 4, 20000)?,
            }])
        }
        (Assessed | Forwarded, C::Forward { units, note }) => {
            office_only(a, "forward", office)?;
            let mut out: Vec<String> = Vec::new();
            for u in units {
                ctx.directory.unit(u)?;
                if out.contains(u) || s.unit(u).is_some() {
                    return Err(DomainError::invalid(
                        "units",
                        format!("单位 {u} 重复或已转交"),
                        format!("unit {u} is listed twice or already has the suggestion"),
                    ));
                }
                out.push(u.clone());
            }
            if out.is_empty() {
                return Err(DomainError::invalid(
                    "units",
                    "至少转交一个承办单位",
                    "forward to at least one unit",
                ));
            }
            Ok(vec![E::Forwarded {
                units: out,
                note: text("note", note, 0, 2000)?,
            }])
        }
        (
            Forwarded,
            C::Extend {
                unit,
                days,
                approver,
                reason,
            },
        ) => {
            office_only(a, "extend", office)?;
            let u = s.unit(unit).filter(|u| u.answer.is_none()).ok_or_else(|| {
                DomainError::Unknown {
                    what: "unit",
                    id: unit.clone(),
                }
            })?;
            let max = p.extension_max.days().unwrap_or(0);
            if u.extensions.len() as u32 >= p.max_extensions {
                return Err(DomainError::rule(
                    "extension_limit",
                    ART_HANDLING,
                    format!("每个承办单位最多延期{}次", p.max_extensions),
                    format!(
                        "a unit may be extended at most {} time(s)",
                        p.max_extensions
                    ),
                ));
            }
            if *days == 0 || u.extension_days().saturating_add(*days) > max {
                return Err(DomainError::rule(
                    "extension_too_long",
                    ART_HANDLING,
                    format!("延长期限合计不得超过{max}日"),
                    format!("extensions may not exceed {max} days in total"),
                ));
            }
            let d = due(
                s,
                SuggestionDeadline::Answer,
                Some(unit),
                ctx.policy,
                ctx.calendar,
            )?;
            if ctx.now >= d.due {
                return Err(DomainError::rule(
                    "extension_after_deadline",
                    ART_HANDLING,
                    "答复期限已过，不能再延期",
                    "the answer period has expired; it can no longer be extended",
                ));
            }
            Ok(vec![E::ExtensionGranted {
                unit: unit.clone(),
                days: *days,
                approver: text("approver", approver, 2, 100)?,
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        (
            Forwarded,
            C::Answer {
                outcome,
                reply,
                reason,
            },
        ) => {
            a.require("answer", &[Role::Handler, Role::Coordinator], None)?;
            let unit = a
                .unit
                .as_deref()
                .filter(|u| s.pending_units().any(|h| h.unit == *u))
                .ok_or(DomainError::Forbidden { command: "answer" })?;
            let reason = text("reason", reason, 0, 5000)?;
            if *outcome == Adoption::NotAdopted && reason.chars().count() < 4 {
                return Err(DomainError::rule(
                    "reason_required",
                    ART_ADOPTION,
                    "不予采纳的，应当说明理由",
                    "a suggestion not adopted needs the reason",
                ));
            }
            Ok(vec![E::Answered {
                unit: unit.to_string(),
                outcome: *outcome,
                reply: text("reply", reply, 4, 20000)?,
                reason,
            }])
        }
        (
            Answered | Concluded,
            C::RecordConversion {
                route,
                reference,
                summary,
            },
        ) => {
            a.require(
                "record_conversion",
                &[Role::Handler, Role::Coordinator],
                None,
            )?;
            let unit = a
                .unit
                .as_deref()
                .filter(|u| {
                    *u == office
                        || s.unit(u)
                            .and_then(|h| h.answer.as_ref())
                            .is_some_and(|x| x.outcome.is_positive())
                })
                .ok_or(DomainError::Forbidden {
                    command: "record_conversion",
                })?;
            if !s.outcome.is_some_and(Adoption::is_positive) {
                return Err(DomainError::rule(
                    "not_adopted",
                    ART_CONVERSION,
                    "只有采纳、部分采纳或列入计划的建议才能记录成果转化",
                    "only an adopted, partly adopted or scheduled suggestion can be turned into action",
                ));
            }
            let reference = text("reference", reference, 2, 500)?;
            if s.conversions
                .iter()
                .any(|c| c.route == *route && c.reference == reference)
            {
                return Err(DomainError::rule(
                    "conversion_duplicate",
                    ART_CONVERSION,
                    "该转化成果已经记录",
                    "this conversion is already recorded",
                ));
            }
            Ok(vec![E::ConversionRecorded {
                unit: unit.to_string(),
                route: *route,
                reference,
                summary: text("summary", summary, 0, 5000)?,
            }])
        }
        (Assessing | Assessed | Forwarded | Answered | Concluded, C::Publish { summary }) => {
            office_only(a, "publish", office)?;
            if s.published_at.is_some() {
                return Err(DomainError::rule(
                    "already_published",
                    ART_HANDLING,
                    "该建议已经公开",
                    "this suggestion is already published",
                ));
            }
            Ok(vec![E::Published {
                summary: text("summary", summary, 4, 5000)?,
            }])
        }
        (_, C::ReachSupportThreshold { supporters }) => {
            a.require("reach_support_threshold", &[Role::System], None)?;
            let threshold = p.support.threshold;
            if s.published_at.is_none() || s.threshold_reached_at.is_some() {
                return Err(not_allowed(cmd, s));
            }
            if *supporters < threshold {
                return Err(DomainError::rule(
                    "below_threshold",
                    ART_FEEDBACK,
                    format!("支持数{supporters}未达到{threshold}"),
                    format!("{supporters} supporters is below the threshold of {threshold}"),
                ));
            }
            Ok(vec![E::SupportThresholdReached {
                supporters: *supporters,
                threshold,
            }])
        }
        (_, C::PublishPublicAnswer { content }) if s.published_at.is_some() => {
            office_only(a, "publish_public_answer", office)?;
            if s.public_answer.is_some() {
                return Err(DomainError::rule(
                    "answer_already_published",
                    ART_FEEDBACK,
                    "公开答复已经发布",
                    "the public answer has already been published",
                ));
            }
            Ok(vec![E::PublicAnswerPublished {
                content: text("content", content, 10, 20000)?,
            }])
        }
        (Answered, C::GiveFeedback { mode, content }) => {
            office_only(a, "give_feedback", office)?;
            let content = match mode {
                FeedbackMode::Individual => text("content", content, 4, 20000)?,
                FeedbackMode::Collective => {
                    let answer = campaign
                        .filter(|c| Some(c.id) == s.campaign)
                        .and_then(|c| c.answer.as_ref())
                        .ok_or_else(|| {
                            DomainError::rule(
                                "no_collective_answer",
                                ART_FEEDBACK,
                                "只有征集活动发布集中反馈后，才能以集中反馈方式答复其中的建议",
                                "collective feedback needs the suggestion's campaign to have published its collective answer",
                            )
                        })?;
                    let extra = text("content", content, 0, 20000)?;
                    if extra.is_empty() {
                        answer.content.clone()
                    } else {
                        extra
                    }
                }
            };
            Ok(vec![E::FeedbackGiven {
                mode: *mode,
                content,
            }])
        }
        (
            Concluded,
            C::Award {
                cycle,
                tier,
                citation,
            },
        ) => {
            office_only(a, "award", office)?;
            if !s.outcome.is_some_and(Adoption::is_adopted) {
                return Err(DomainError::rule(
                    "reward_not_adopted",
                    reward::article(),
                    "只有被采纳或部分采纳的建议才能获得奖励",
                    "only an adopted or partly adopted suggestion can be rewarded",
                ));
            }
            if s.reward.is_some() {
                return Err(DomainError::rule(
                    "already_rewarded",
                    reward::article(),
                    "同一建议不重复奖励",
                    "a suggestion is rewarded only once",
                ));
            }
            let t = reward::tier(&p.reward, tier)?;
            let own = adoption_cycle(s, ctx.policy).ok_or_else(|| not_allowed(cmd, s))?;
            if *cycle != own.label {
                return Err(DomainError::rule(
                    "wrong_award_cycle",
                    reward::article(),
                    format!(
                        "该建议在{}评选周期内被采纳，不能在{cycle}周期奖励",
                        own.label
                    ),
                    format!(
                        "this suggestion was adopted in the {} cycle, not {cycle}",
                        own.label
                    ),
                ));
            }
            Ok(vec![E::Rewarded {
                cycle: cycle.clone(),
                tier: t.code.clone(),
                tier_zh: t.zh.clone(),
                tier_en: t.en.clone(),
                amount_yuan: t.amount_yuan,
                citation: text("citation", citation, 0, 5000)?,
            }])
        }
        _ => Err(not_allowed(cmd, s)),
    }
}

/// The award cycle of a suggestion: the one its outcome became known in.
pub fn adoption_cycle(s: &SuggestionState, p: &PolicySet) -> Option<AwardCycle> {
    s.answered_at
        .map(|at| reward::cycle_of(local_date(at), &p.suggestion.reward))
}

fn submit(
    r: &Submission,
    ctx: &Context<'_>,
    campaign: Option<&Campaign>,
) -> Result<Vec<SuggestionEvent>, DomainError> {
    let a = ctx.actor;
    let allowed = match a.role {
        Role::Citizen => r.channel == Channel::Online,
        Role::System => matches!(
            r.channel,
            Channel::Api | Channel::Open311 | Channel::Hotline12345 | Channel::Online
        ),
        Role::Intake | Role::Coordinator => a.in_unit(&r.office_unit),
        _ => false,
    };
    if !allowed {
        return Err(DomainError::Forbidden { command: "submit" });
    }
    if r.suggester.anonymous {
        return Err(DomainError::rule(
            "suggester_required",
            ART_ELEMENTS,
            "人民建议应当包括建议人基本信息，不能匿名提交",
            "a suggestion must include the suggester's basic information; it cannot be anonymous",
        ));
    }
    let title = text("title", &r.title, 2, 200)?;
    let reason = text("reason", &r.reason, 4, 20000)?;
    let proposal = text("proposal", &r.proposal, 4, 20000)?;
    let dir = ctx.directory;
    dir.topic(&r.topic)?;
    dir.region(&r.region)?;
    dir.unit(&r.office_unit)?;
    let (campaign_kind, adviser) = match (r.campaign, campaign) {
        (None, _) => (None, None),
        (Some(id), Some(c)) if c.id == id => {
            if c.office_unit != r.office_unit {
                return Err(DomainError::invalid(
                    "office_unit",
                    "征集活动的建议由发布该活动的征集办办理",
                    "a campaign's suggestions go to the office that runs it",
                ));
            }
            let adviser = c.admit(ctx.now, r.channel, r.adviser_token.as_deref())?;
            (Some(c.kind), adviser)
        }
        (Some(id), _) => {
            return Err(DomainError::Unknown {
                what: "campaign",
                id: id.to_string(),
            });
        }
    };
    let rules = &ctx.policy.suggestion.screening_rules;
    let screening = screen(&[&title, &reason, &proposal], rules, r.classifier);
    let sub = Submitted {
        number: String::new(),
        channel: r.channel,
        campaign: r.campaign,
        campaign_kind,
        adviser,
        title,
        reason,
        proposal,
        suggester: r.suggester.clone(),
        topic: r.topic.clone(),
        region: r.region.clone(),
        office_unit: r.office_unit.clone(),
        query_code_hash: r.query_code_hash.clone(),
        screening: screening.clone(),
    };
    let mut events = vec![SuggestionEvent::Submitted(Box::new(sub))];
    if rules.auto_redirect
        && screening.verdict == Verdict::Redirect
        && let Some(kind) = screening.kind
    {
        events.push(SuggestionEvent::Redirected {
            kind,
            to: target_flow(kind, rules),
            reason: format!(
                "您提交的内容{}，不属于人民建议，已转{}办理",
                screening.reason_zh,
                target_flow(kind, rules).zh()
            ),
            reason_en: format!(
                "Not a suggestion: {}. It has been passed to the {} flow.",
                screening.reason_en,
                target_flow(kind, rules).en()
            ),
            article: rules.article.clone(),
            automatic: true,
        });
    }
    Ok(events)
}

// ---------------------------------------------------------------------------------------------
// Deadlines.

str_enum!(
    /// The time limits of suggestion work (policy `[suggestion]`; all UNVERIFIED defaults).
    SuggestionDeadline {
        Screening = "screening", "甄别受理期限", "Screening due";
        Assessment = "assessment", "研究评估期限", "Assessment and forwarding due";
        Answer = "answer", "承办答复期限", "Unit answer due";
        Feedback = "feedback", "反馈期限", "Feedback due";
        PublicAnswer = "public_answer", "公开答复期限", "Public answer due";
    }
);

/// A computed due instant of a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionDue {
    pub kind: SuggestionDeadline,
    /// For `answer`: the unit.
    pub unit: Option<String>,
    pub due: DateTime<Utc>,
    pub last_day: NaiveDate,
    pub provisional: bool,
    pub period: String,
}

fn period_of(kind: SuggestionDeadline, p: &PolicySet) -> Period {
    let sp = &p.suggestion;
    match kind {
        SuggestionDeadline::Screening => sp.screening,
        SuggestionDeadline::Assessment => sp.assessment,
        SuggestionDeadline::Answer => sp.answer,
        SuggestionDeadline::Feedback => sp.feedback,
        SuggestionDeadline::PublicAnswer => sp.public_answer,
    }
}

/// One deadline of a suggestion (`unit` for `answer`).
pub fn due(
    s: &SuggestionState,
    kind: SuggestionDeadline,
    unit: Option<&str>,
    p: &PolicySet,
    cal: &Calendar,
) -> Result<SuggestionDue, DomainError> {
    let missing = || {
        DomainError::invalid(
            "deadline",
            format!("当前环节没有{}", kind.zh()),
            format!("no {} applies at this stage", kind.en()),
        )
    };
    let (start, extra) = match kind {
        SuggestionDeadline::Screening => (s.registered_at, 0),
        SuggestionDeadline::Assessment => (s.accepted_at.ok_or_else(missing)?, 0),
        SuggestionDeadline::Answer => {
            let u = unit.and_then(|u| s.unit(u)).ok_or_else(missing)?;
            (u.forwarded_at, u.extension_days())
        }
        SuggestionDeadline::Feedback => (s.answered_at.ok_or_else(missing)?, 0),
        SuggestionDeadline::PublicAnswer => (s.threshold_reached_at.ok_or_else(missing)?, 0),
    };
    let period = period_of(kind, p);
    let (due, last_day, provisional) = deadline::period_end(period, extra, start, cal)?;
    Ok(SuggestionDue {
        kind,
        unit: (kind == SuggestionDeadline::Answer).then(|| unit.unwrap_or_default().to_string()),
        due,
        last_day,
        provisional,
        period: if extra > 0 {
            format!("{} + {}日", period.label_zh(), extra)
        } else {
            period.label_zh()
        },
    })
}

/// The deadlines running now, in order (each unit's answer separately).
pub fn active_deadlines(
    s: &SuggestionState,
    p: &PolicySet,
    cal: &Calendar,
) -> Vec<Result<SuggestionDue, DomainError>> {
    use SuggestionStatus::*;
    let mut out = Vec::new();
    match s.status {
        Registered => out.push(due(s, SuggestionDeadline::Screening, None, p, cal)),
        Assessing | Assessed => out.push(due(s, SuggestionDeadline::Assessment, None, p, cal)),
        Forwarded => out.extend(
            s.pending_units()
                .map(|u| due(s, SuggestionDeadline::Answer, Some(&u.unit), p, cal)),
        ),
        Answered => out.push(due(s, SuggestionDeadline::Feedback, None, p, cal)),
        _ => {}
    }
    if !s.status.is_terminal() && s.threshold_reached_at.is_some() && s.public_answer.is_none() {
        out.push(due(s, SuggestionDeadline::PublicAnswer, None, p, cal));
    }
    out
}

/// May this staff member open the suggestion? Admins and supervisors see all; office staff
/// those of their office or of regions under it; unit officers those forwarded to their unit.
pub fn can_view(actor: &Actor, s: &SuggestionState, dir: &Directory) -> bool {
    match actor.role {
        Role::Admin | Role::Supervisor => true,
        Role::Coordinator | Role::Intake => actor.unit.as_deref().is_some_and(|u| {
            u == s.office_unit
                || s.unit(u).is_some()
                || dir
                    .unit(u)
                    .is_ok_and(|unit| dir.is_within(&s.region, &unit.region))
        }),
        Role::Handler => actor.unit.as_deref().is_some_and(|u| s.unit(u).is_some()),
        // Analysts read the scoreboard, never a suggestion and its suggester.
        Role::Analyst | Role::Citizen | Role::System | Role::GridWorker => false,
    }
}
