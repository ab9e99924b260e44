//! KPIs (考核指标) derived from a case's events: first one [`CaseFacts`] record per case, then
//! mergeable [`KpiCounts`] per unit, region and period. Definitions, edge cases and sources are in
//! docs/kpi.md; the numbers they need are in policy (`[kpi]`, `[rating]`).
//!
//! Facts depend on the time they are taken at (`as_of`): a matter not yet accepted becomes
//! "overdue, not accepted" when its deadline passes, with no event. `CaseFacts::valid_until`
//! says when that can next happen, so a store keeping rollups re-derives the case then
//! (remove the old facts, add the new), and a recount at the same instant gives the same numbers.

mod counts;
mod facts;

pub use counts::{Count, Grain, KpiCounts, KpiKey, KpiRollup, Rate, Scope, cell_keys, period_key};
pub use facts::{CaseFacts, CaseLinks, Pending, StageRating, Tally, derive};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why facts could not be derived or counts not updated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KpiError {
    #[error("the event history does not start with a registration")]
    NotRegistered,
    #[error(
        "removing case {case} would take {metric} below zero in {key}: it was never added there"
    )]
    NotCounted {
        case: uuid::Uuid,
        metric: &'static str,
        key: String,
    },
}

/// One KPI. Each is a ratio of case-level (or dispatch- or stage-level) outcomes; see docs/kpi.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 及时转送交办率: the petition office transfers, assigns, diverts or declines in time.
    TimelyTransfer,
    /// 及时受理率: the receiving unit accepts or declines in time.
    TimelyAcceptance,
    /// 按期答复率 (按期办结率): the handling opinion or settlement by the handling deadline.
    OnTimeAnswer,
    /// 按期复查复核率: review and re-review opinions in time.
    OnTimeReview,
    /// 参评率: answers rated, per answered stage.
    RatingParticipation,
    /// 满意率: satisfied (± basically) among rated stages.
    Satisfaction,
    /// 重复信访率: petitions that repeat an earlier matter.
    RepeatPetition,
    /// 一次性化解率: resolved at the first handling, without review or a repeat.
    FirstTimeResolution,
    /// 响应率 (12345): the unit signs for or returns a dispatched order in time.
    HotlineResponse,
    /// 按期办结率 (12345): every reply within its tier.
    HotlineOnTime,
    /// 解决率 (12345): resolved at the latest follow-up.
    HotlineResolution,
    /// 满意率 (12345): rating at the latest follow-up.
    HotlineSatisfaction,
}

impl Metric {
    pub const ALL: &'static [Metric] = &[
        Metric::TimelyTransfer,
        Metric::TimelyAcceptance,
        Metric::OnTimeAnswer,
        Metric::OnTimeReview,
        Metric::RatingParticipation,
        Metric::Satisfaction,
        Metric::RepeatPetition,
        Metric::FirstTimeResolution,
        Metric::HotlineResponse,
        Metric::HotlineOnTime,
        Metric::HotlineResolution,
        Metric::HotlineSatisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::TimelyTransfer => "timely_transfer",
            Metric::TimelyAcceptance => "timely_acceptance",
            Metric::OnTimeAnswer => "on_time_answer",
            Metric::OnTimeReview => "on_time_review",
            Metric::RatingParticipation => "rating_participation",
            Metric::Satisfaction => "satisfaction",
            Metric::RepeatPetition => "repeat_petition",
            Metric::FirstTimeResolution => "first_time_resolution",
            Metric::HotlineResponse => "hotline_response",
            Metric::HotlineOnTime => "hotline_on_time",
            Metric::HotlineResolution => "hotline_resolution",
            Metric::HotlineSatisfaction => "hotline_satisfaction",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Metric::TimelyTransfer => "及时转送交办率",
            Metric::TimelyAcceptance => "及时受理率",
            Metric::OnTimeAnswer => "按期答复率",
            Metric::OnTimeReview => "按期复查复核率",
            Metric::RatingParticipation => "参评率",
            Metric::Satisfaction => "满意率",
            Metric::RepeatPetition => "重复信访率",
            Metric::FirstTimeResolution => "一次性化解率",
            Metric::HotlineResponse => "响应率",
            Metric::HotlineOnTime => "按期办结率（热线）",
            Metric::HotlineResolution => "解决率",
            Metric::HotlineSatisfaction => "满意率（热线）",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Metric::TimelyTransfer => "Timely transfer rate",
            Metric::TimelyAcceptance => "Timely acceptance rate",
            Metric::OnTimeAnswer => "On-time reply rate",
            Metric::OnTimeReview => "On-time review rate",
            Metric::RatingParticipation => "Rating participation rate",
            Metric::Satisfaction => "Satisfaction rate",
            Metric::RepeatPetition => "Repeat petition rate",
            Metric::FirstTimeResolution => "First-time resolution rate",
            Metric::HotlineResponse => "Response rate",
            Metric::HotlineOnTime => "On-time completion rate (hotline)",
            Metric::HotlineResolution => "Resolution rate",
            Metric::HotlineSatisfaction => "Satisfaction rate (hotline)",
        }
    }

    /// Where the definition comes from (shared/reference/rules.md).
    pub fn source(self) -> &'static str {
        match self {
            Metric::TimelyTransfer => "《信访工作条例》第二十二条；rules.md §1.5",
            Metric::TimelyAcceptance => "《信访工作条例》第二十三条；rules.md §2.2",
            Metric::OnTimeAnswer => "《信访工作条例》第三十四条；rules.md §2.2",
            Metric::OnTimeReview => "《信访工作条例》第三十五、三十六条；rules.md §1.5",
            Metric::RatingParticipation | Metric::Satisfaction => {
                "国信发〔2022〕11号；rules.md §2.1–2.2"
            }
            Metric::RepeatPetition | Metric::FirstTimeResolution => "rules.md §2.2",
            Metric::HotlineResponse | Metric::HotlineResolution | Metric::HotlineSatisfaction => {
                "《北京市接诉即办工作条例》第三十二条；rules.md §3.5"
            }
            Metric::HotlineOnTime => "rules.md §3.4, §3.6",
        }
    }

    /// Rating metrics keep 满意 and 基本满意 apart; whether 基本满意 counts is decided when the
    /// rate is read (policy `rating.basically_counts_as_satisfied`).
    pub fn is_rating(self) -> bool {
        matches!(self, Metric::Satisfaction | Metric::HotlineSatisfaction)
    }
}
