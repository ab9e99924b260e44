//! People's suggestions (人民建议征集, rules.md §4): campaigns, the suggestion workflow, expert
//! panels, screening of personal requests, rewards, public support and the scoreboard.
//!
//! The suggestion is its own aggregate with its own decider, in the same style as the case
//! workflow (`decide(state, command, context) -> events`, `apply(state, event) -> state`, both
//! pure) and with the same [`Context`](crate::workflow::Context). It is not a variant of the
//! case `Command`/`Event`: a suggestion is answered by several units at once, has no petitioner
//! review stages, and carries campaigns, panels, conversions and rewards that a case never has;
//! folding it into `CaseState` would give every case dozens of empty fields and break every
//! exhaustive match on the case events outside this crate. docs/suggestions.md explains the states.
//!
//! - [`campaign`]: themed (专项) and targeted (定向) campaigns, invited advisers' tokens;
//! - [`workflow`]: submission → screening → assessment → forwarding → answers → conversion →
//!   feedback → reward, with deadlines;
//! - [`screening`]: personal requests and litigation-type matters recognised by data rules;
//! - [`panel`]: the expert pool and the deterministic panel draw;
//! - [`reward`]: award cycles, tiers and quotas;
//! - [`support`]: one support per phone, the threshold, rate limits, bursts;
//! - [`score`]: mergeable counts, the scoreboard, the weighted assessment and the league table.

pub mod campaign;
pub mod panel;
mod policy;
pub mod reward;
pub mod score;
pub mod screening;
pub mod support;
pub mod workflow;

pub use campaign::{
    Campaign, CampaignCommand, CampaignDraft, CampaignEvent, CampaignPhase, Invitation,
};
pub use panel::{Expert, PanelDraw, draw_panel};
pub use policy::{
    AssessmentPolicy, MissingData, RateLimit, RewardPolicy, RewardTier, ScoreComponent,
    ScreeningPolicy, ScreeningRule, SuggestionPolicy, SupportPolicy,
};
pub use screening::{ClassifierScore, Screening, Verdict, screen};
pub use workflow::{
    Submission, Submitted, SuggestionCommand, SuggestionDeadline, SuggestionDue, SuggestionEvent,
    SuggestionState, apply, decide, replay,
};

use crate::case::str_enum;
use crate::error::DomainError;

str_enum!(
    /// What a submission is recognised as when it is not a suggestion (Shanghai Art. 10).
    NotASuggestion {
        PersonalRequest = "personal_request", "个人诉求", "Personal request";
        Litigation = "litigation", "诉讼仲裁复议类事项", "Matter for a legal procedure";
    }
);

str_enum!(
    /// Where a suggestion stands.
    SuggestionStatus {
        Registered = "registered", "已登记待甄别", "Registered, to be screened";
        Redirected = "redirected", "已转其他渠道办理", "Redirected";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
        Assessing = "assessing", "研究评估中", "Being assessed";
        Assessed = "assessed", "已评估待转办", "Assessed, to be forwarded";
        Forwarded = "forwarded", "承办单位办理中", "With the units";
        Answered = "answered", "已答复待反馈", "Answered, feedback due";
        Concluded = "concluded", "已反馈办结", "Concluded";
    }
);

impl SuggestionStatus {
    /// Nothing more happens to it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SuggestionStatus::Redirected | SuggestionStatus::Withdrawn
        )
    }
}

str_enum!(
    /// A unit's answer (rules.md §4.3; 人大 A/B/D codes and 采纳/部分采纳/留作参考/不予采纳).
    Adoption {
        Adopted = "adopted", "采纳", "Adopted";
        PartlyAdopted = "partly_adopted", "部分采纳", "Partly adopted";
        Planned = "planned", "列入计划", "Scheduled in a plan";
        ReferenceOnly = "reference_only", "留作参考", "Kept for reference";
        NotAdopted = "not_adopted", "不予采纳", "Not adopted";
    }
);

impl Adoption {
    /// 采纳 or 部分采纳: counts in the adoption rate and may be rewarded.
    pub fn is_adopted(self) -> bool {
        matches!(self, Adoption::Adopted | Adoption::PartlyAdopted)
    }

    /// May lead to a conversion record.
    pub fn is_positive(self) -> bool {
        matches!(
            self,
            Adoption::Adopted | Adoption::PartlyAdopted | Adoption::Planned
        )
    }

    /// The suggestion's outcome from its units' answers: adopted only when every unit adopted;
    /// partly adopted when any unit adopted fully or partly; otherwise the most favourable of
    /// planned, reference, not adopted.
    pub fn combine(answers: &[Adoption]) -> Option<Adoption> {
        use Adoption::*;
        if answers.is_empty() {
            return None;
        }
        if answers.iter().all(|a| *a == Adopted) {
            return Some(Adopted);
        }
        if answers.iter().any(|a| a.is_adopted()) {
            return Some(PartlyAdopted);
        }
        [Planned, ReferenceOnly, NotAdopted]
            .into_iter()
            .find(|o| answers.contains(o))
    }
}

str_enum!(
    /// The seven ways a suggestion is turned into action (Shanghai Art. 13).
    ConversionRoute {
        PeopleBenefit = "people_benefit", "惠民举措", "Measure benefiting the people";
        GovernmentWork = "government_work", "改进政府工作", "Improvement of government work";
        LawPolicy = "law_policy", "法规政策立改废", "Law, regulation or policy made, amended or repealed";
        NpcOversight = "npc_oversight", "人大常委会监督议题", "People's congress oversight topic";
        DeputyMotion = "deputy_motion", "代表议案建议", "Deputies' motion";
        DecisionMaking = "decision_making", "决策参考", "Decision-making";
        Other = "other", "其他", "Other";
    }
);

str_enum!(
    /// How the suggester learns the outcome (Shanghai Art. 12).
    FeedbackMode {
        Individual = "individual", "个别反馈", "Individual feedback";
        Collective = "collective", "集中反馈", "Published collective answer";
    }
);

str_enum!(
    /// An expert's recommendation on a suggestion.
    Recommendation {
        Adopt = "adopt", "建议采纳", "Recommend adopting";
        Consider = "consider", "建议参考", "Recommend considering";
        Reject = "reject", "不建议采纳", "Recommend not adopting";
    }
);

str_enum!(
    /// 专项征集 (themed, public) or 定向征集 (targeted, invited advisers only).
    CampaignKind {
        Themed = "themed", "专项征集", "Themed collection";
        Targeted = "targeted", "定向征集", "Targeted collection";
    }
);

/// The office answering for suggestion work: a coordinator of `unit`.
pub(crate) fn office_only(
    actor: &crate::access::Actor,
    command: &'static str,
    unit: &str,
) -> Result<(), DomainError> {
    actor.require(command, &[crate::access::Role::Coordinator], Some(unit))
}
