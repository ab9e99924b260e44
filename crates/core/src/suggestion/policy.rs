//! The numbers and word lists of people's-suggestion work, under `[suggestion]` in the policy
//! file. Every section is optional: a policy file written before suggestions existed loads with
//! the defaults below, which are the values shipped in `data/policy.toml`.
//!
//! No national time limit exists: Shanghai's provisions (Art. 11) require handling "按照规定的
//! 时限要求" without a number (rules.md §4.2). The periods here are configurable defaults marked
//! UNVERIFIED in the shipped file.

use super::NotASuggestion;
use crate::policy::Period;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[suggestion]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuggestionPolicy {
    /// The office screens a new submission (accepts it or redirects it) within this.
    pub screening: Period,
    /// The office assesses an accepted suggestion and forwards it within this.
    pub assessment: Period,
    /// Each unit answers within this from the day it received the suggestion.
    pub answer: Period,
    /// Total extension one unit may be granted (calendar days).
    pub extension_max: Period,
    pub max_extensions: u32,
    /// The suggester is told the outcome within this after the last unit answered.
    pub feedback: Period,
    /// The office publishes an answer within this after the support threshold is reached.
    pub public_answer: Period,
    /// An expert panel's assessment needs opinions from at least this share of its members.
    pub panel_min_opinions_percent: u32,
    pub max_panel_size: u32,
    pub screening_rules: ScreeningPolicy,
    pub support: SupportPolicy,
    pub reward: RewardPolicy,
    pub assessment_score: AssessmentPolicy,
}

impl Default for SuggestionPolicy {
    fn default() -> Self {
        SuggestionPolicy {
            screening: Period::Days(15),
            assessment: Period::Days(30),
            answer: Period::Days(90),
            extension_max: Period::Days(90),
            max_extensions: 1,
            feedback: Period::Days(15),
            public_answer: Period::Days(30),
            panel_min_opinions_percent: 50,
            max_panel_size: 15,
            screening_rules: ScreeningPolicy::default(),
            support: SupportPolicy::default(),
            reward: RewardPolicy::default(),
            assessment_score: AssessmentPolicy::default(),
        }
    }
}

/// One screening rule: any of its phrases in the text adds its weight to its kind's score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRule {
    pub id: String,
    pub kind: NotASuggestion,
    pub phrases: Vec<String>,
    /// Percentage points (0–100) added once when any phrase matches.
    pub weight: u32,
    /// What the citizen is told.
    pub reason_zh: String,
    pub reason_en: String,
}

/// `[suggestion.screening_rules]`: the recogniser of personal requests and litigation-type
/// matters. Scores are whole percentage points; see `suggestion::screening`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningPolicy {
    /// Redirect at submission when the verdict is `redirect`; otherwise the office decides.
    pub auto_redirect: bool,
    /// From this score the office is asked to look (verdict `review`) …
    pub review_at: u32,
    /// … and from this one the submission is redirected (verdict `redirect`).
    pub redirect_at: u32,
    /// Share of a caller-supplied classifier score in the blend (0 = rules only).
    pub classifier_weight_percent: u32,
    /// Phrases that mark a public-interest suggestion; each one found takes `marker_discount`
    /// off every score, at most `max_discount` in total.
    pub public_interest_markers: Vec<String>,
    pub marker_discount: u32,
    pub max_discount: u32,
    /// Which flow each kind goes to: "petition" or "hotline".
    pub personal_request_to: String,
    pub litigation_to: String,
    /// Cited to the citizen.
    pub article: String,
    pub rules: Vec<ScreeningRule>,
}

impl Default for ScreeningPolicy {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rule = |id: &str, kind, phrases: &[&str], weight, zh: &str, en: &str| ScreeningRule {
            id: id.into(),
            kind,
            phrases: words(phrases),
            weight,
            reason_zh: zh.into(),
            reason_en: en.into(),
        };
        ScreeningPolicy {
            auto_redirect: true,
            review_at: 40,
            redirect_at: 80,
            classifier_weight_percent: 50,
            public_interest_markers: words(&[
                "建议",
                "完善",
                "制度",
                "政策",
                "机制",
                "立法",
                "规划",
                "全市",
                "全区",
                "全省",
                "公共",
                "广大",
                "市民",
                "居民们",
                "群众",
            ]),
            marker_discount: 10,
            max_discount: 40,
            personal_request_to: "hotline".into(),
            litigation_to: "petition".into(),
            article: "《上海市人民建议征集若干规定》第十条".into(),
            rules: vec![
                rule(
                    "own_household",
                    NotASuggestion::PersonalRequest,
                    &[
                        "我家",
                        "我们家",
                        "我父亲",
                        "我母亲",
                        "我爸",
                        "我妈",
                        "我孩子",
                        "我儿子",
                        "我女儿",
                        "我的房子",
                        "我的工资",
                        "我的社保",
                        "本人的",
                    ],
                    40,
                    "所反映的是本人或家庭的具体事项，属于个人诉求",
                    "it concerns the writer's own or family's matter, a personal request",
                ),
                rule(
                    "own_claim",
                    NotASuggestion::PersonalRequest,
                    &[
                        "帮我",
                        "给我解决",
                        "为我解决",
                        "赔偿我",
                        "退还我",
                        "拖欠我",
                        "补偿我",
                        "我的诉求",
                        "要求赔偿",
                        "讨薪",
                        "退款",
                    ],
                    50,
                    "提出的是本人的具体请求，属于个人诉求",
                    "it asks for something for the writer, a personal request",
                ),
                rule(
                    "legal_procedure",
                    NotASuggestion::Litigation,
                    &[
                        "起诉",
                        "诉讼",
                        "判决",
                        "裁定",
                        "仲裁",
                        "复议",
                        "上诉",
                        "再审",
                        "法院",
                        "立案",
                        "检察院",
                    ],
                    50,
                    "涉及诉讼、仲裁或行政复议等法定程序",
                    "it concerns litigation, arbitration, reconsideration or another legal procedure",
                ),
                rule(
                    "case_reference",
                    NotASuggestion::Litigation,
                    &[
                        "民初",
                        "民终",
                        "刑初",
                        "行初",
                        "执字",
                        "判决书",
                        "裁决书",
                        "复议决定书",
                    ],
                    40,
                    "引用了具体的案件或法律文书",
                    "it cites a specific court case or legal document",
                ),
            ],
        }
    }
}

/// A sliding-window rate limit: at most `max` in any `window_minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max: u32,
    pub window_minutes: u32,
}

/// `[suggestion.support]`: public support for published suggestions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportPolicy {
    /// Supporters that oblige the office to publish an answer.
    pub threshold: u32,
    /// Supports one phone may give (to different suggestions) in a window.
    pub per_phone: RateLimit,
    /// Supports from one network (see the prefixes) in a window.
    pub per_network: RateLimit,
    /// Addresses are grouped by network: IPv4 /24 and IPv6 /64 by default.
    pub ipv4_prefix: u8,
    pub ipv6_prefix: u8,
    /// A burst: at least `min_supports` on one suggestion within `window_minutes` …
    pub burst_window_minutes: u32,
    pub burst_min_supports: u32,
    /// … flagged as concentrated when one network gives at least this share of it.
    pub burst_concentration_percent: u32,
}

impl Default for SupportPolicy {
    fn default() -> Self {
        SupportPolicy {
            threshold: 100,
            per_phone: RateLimit {
                max: 20,
                window_minutes: 24 * 60,
            },
            per_network: RateLimit {
                max: 60,
                window_minutes: 60,
            },
            ipv4_prefix: 24,
            ipv6_prefix: 64,
            burst_window_minutes: 10,
            burst_min_supports: 30,
            burst_concentration_percent: 50,
        }
    }
}

/// One prize tier.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardTier {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub amount_yuan: u64,
    /// Most awards of this tier per cycle; none = no limit.
    #[serde(default)]
    pub quota: Option<u32>,
}

/// `[suggestion.reward]`: the award cycle and prize tiers (Shanghai Art. 16; rules.md §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RewardPolicy {
    /// First day of a cycle, "MM-DD".
    pub cycle_start: String,
    /// Length of a cycle in years (Chongqing 2014: 3).
    pub cycle_years: u32,
    pub tiers: Vec<RewardTier>,
}

impl Default for RewardPolicy {
    fn default() -> Self {
        let tier = |code: &str, zh: &str, en: &str, amount_yuan, quota| RewardTier {
            code: code.into(),
            zh: zh.into(),
            en: en.into(),
            amount_yuan,
            quota: Some(quota),
        };
        RewardPolicy {
            cycle_start: "01-01".into(),
            cycle_years: 1,
            tiers: vec![
                tier("special", "特等奖", "Special prize", 10_000, 1),
                tier("first", "一等奖", "First prize", 3_000, 5),
                tier("second", "二等奖", "Second prize", 1_000, 15),
                tier("third", "三等奖", "Third prize", 500, 30),
                tier("commemorative", "纪念奖", "Commemorative prize", 100, 50),
            ],
        }
    }
}

/// An assessed component of the score.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScoreComponent {
    /// 征集数量: accepted suggestions against `received_target`, capped at 1.
    Received,
    /// 采纳率: adopted fully or partly among answered.
    Adoption,
    /// 重要建议采纳率.
    ImportantAdoption,
    /// 成果转化: conversions against `conversions_target`, capped at 1.
    Conversion,
    /// 按期反馈率.
    FeedbackTimeliness,
}

impl ScoreComponent {
    pub const ALL: &'static [ScoreComponent] = &[
        ScoreComponent::Received,
        ScoreComponent::Adoption,
        ScoreComponent::ImportantAdoption,
        ScoreComponent::Conversion,
        ScoreComponent::FeedbackTimeliness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScoreComponent::Received => "received",
            ScoreComponent::Adoption => "adoption",
            ScoreComponent::ImportantAdoption => "important_adoption",
            ScoreComponent::Conversion => "conversion",
            ScoreComponent::FeedbackTimeliness => "feedback_timeliness",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ScoreComponent::Received => "征集数量",
            ScoreComponent::Adoption => "采纳率",
            ScoreComponent::ImportantAdoption => "重要建议采纳率",
            ScoreComponent::Conversion => "成果转化",
            ScoreComponent::FeedbackTimeliness => "按期反馈率",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ScoreComponent::Received => "Suggestions collected",
            ScoreComponent::Adoption => "Adoption rate",
            ScoreComponent::ImportantAdoption => "Important-suggestion adoption rate",
            ScoreComponent::Conversion => "Conversions",
            ScoreComponent::FeedbackTimeliness => "On-time feedback rate",
        }
    }
}

/// What a component without data (denominator 0) scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingData {
    /// Nothing.
    Zero,
    /// Left out; the other weights are scaled up to the full total.
    Reweight,
}

/// `[suggestion.assessment_score]`: the weighted assessment (rules.md §4.3 lists the indicators
/// seen; no national weights exist, so these are an example).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentPolicy {
    pub weights: BTreeMap<ScoreComponent, u32>,
    pub received_target: u64,
    pub conversions_target: u64,
    pub missing: MissingData,
}

impl Default for AssessmentPolicy {
    fn default() -> Self {
        AssessmentPolicy {
            weights: [
                (ScoreComponent::Received, 20),
                (ScoreComponent::Adoption, 30),
                (ScoreComponent::ImportantAdoption, 20),
                (ScoreComponent::Conversion, 15),
                (ScoreComponent::FeedbackTimeliness, 15),
            ]
            .into_iter()
            .collect(),
            received_target: 100,
            conversions_target: 10,
            missing: MissingData::Reweight,
        }
    }
}

impl SuggestionPolicy {
    pub(crate) fn validate(&self, scope: &str) -> Result<(), String> {
        for (name, p) in [
            ("screening", self.screening),
            ("assessment", self.assessment),
            ("answer", self.answer),
            ("feedback", self.feedback),
            ("public_answer", self.public_answer),
        ] {
            if matches!(
                p,
                Period::Hours(_) | Period::Days(0) | Period::WorkingDays(0)
            ) {
                return Err(format!(
                    "{scope}: suggestion.{name} must be a positive number of days or working days"
                ));
            }
        }
        if self.extension_max.days().is_none() {
            return Err(format!(
                "{scope}: suggestion.extension_max must be in calendar days"
            ));
        }
        if self.panel_min_opinions_percent > 100 || self.max_panel_size == 0 {
            return Err(format!(
                "{scope}: suggestion.panel_min_opinions_percent must be 0–100 and max_panel_size > 0"
            ));
        }
        let s = &self.screening_rules;
        if s.review_at == 0 || s.review_at > s.redirect_at || s.redirect_at > 100 {
            return Err(format!(
                "{scope}: suggestion.screening_rules needs 0 < review_at <= redirect_at <= 100"
            ));
        }
        if s.classifier_weight_percent > 100 || s.rules.iter().any(|r| r.weight > 100) {
            return Err(format!(
                "{scope}: suggestion.screening_rules weights are percentages (0–100)"
            ));
        }
        for to in [&s.personal_request_to, &s.litigation_to] {
            if !matches!(to.as_str(), "petition" | "hotline") {
                return Err(format!(
                    "{scope}: suggestion.screening_rules redirects go to \"petition\" or \"hotline\", not {to:?}"
                ));
            }
        }
        if s.rules
            .iter()
            .any(|r| r.phrases.iter().any(|p| p.trim().is_empty()) || r.phrases.is_empty())
        {
            return Err(format!(
                "{scope}: suggestion.screening_rules rules need non-empty phrases"
            ));
        }
        let sp = &self.support;
        if sp.threshold == 0
            || sp.per_phone.max == 0
            || sp.per_phone.window_minutes == 0
            || sp.per_network.max == 0
            || sp.per_network.window_minutes == 0
            || sp.ipv4_prefix > 32
            || sp.ipv6_prefix > 128
            || sp.burst_window_minutes == 0
            || sp.burst_min_supports < 2
            || sp.burst_concentration_percent > 100
        {
            return Err(format!(
                "{scope}: suggestion.support needs positive thresholds, limits and windows and valid prefixes"
            ));
        }
        let r = &self.reward;
        if crate::suggestion::reward::parse_month_day(&r.cycle_start).is_none()
            || r.cycle_years == 0
            || r.cycle_years > 10
        {
            return Err(format!(
                "{scope}: suggestion.reward needs cycle_start \"MM-DD\" (not 02-29) and cycle_years 1–10"
            ));
        }
        let mut codes: Vec<&str> = r.tiers.iter().map(|t| t.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        if r.tiers.is_empty() || codes.len() != r.tiers.len() {
            return Err(format!(
                "{scope}: suggestion.reward needs tiers with unique codes"
            ));
        }
        let a = &self.assessment_score;
        if a.weights.values().sum::<u32>() == 0
            || a.received_target == 0
            || a.conversions_target == 0
        {
            return Err(format!(
                "{scope}: suggestion.assessment_score needs some weight and positive targets"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, SHIPPED_POLICY};

    #[test]
    fn shipped_suggestion_section_is_the_default_and_optional() {
        let n = Policy::shipped().national();
        assert_eq!(n.suggestion, super::SuggestionPolicy::default());
        let start = SHIPPED_POLICY.find("[suggestion]").unwrap();
        let end = SHIPPED_POLICY[start..]
            .find("[[override]]")
            .map(|e| start + e);
        let old = match end {
            Some(e) => format!("{}{}", &SHIPPED_POLICY[..start], &SHIPPED_POLICY[e..]),
            None => SHIPPED_POLICY[..start].to_string(),
        };
        assert!(!old.contains("[suggestion"));
        let p = Policy::from_toml(&old).unwrap().national();
        assert_eq!(p.suggestion, super::SuggestionPolicy::default());
    }

    #[test]
    fn rejects_invalid_suggestion_policies() {
        for (from, to) in [
            ("answer = \"90d\"", "answer = \"90h\""),
            ("extension_max = \"90d\"", "extension_max = \"9wd\""),
            ("review_at = 40", "review_at = 90"),
            (
                "personal_request_to = \"hotline\"",
                "personal_request_to = \"court\"",
            ),
            ("threshold = 100", "threshold = 0"),
            ("cycle_start = \"01-01\"", "cycle_start = \"02-29\""),
            ("cycle_start = \"01-01\"", "cycle_start = \"13-01\""),
            ("code = \"first\"", "code = \"special\""),
            ("received = 20", "receivd = 20"),
            ("missing = \"reweight\"", "missing = \"maybe\""),
        ] {
            assert!(SHIPPED_POLICY.contains(from), "{from}");
            let bad = SHIPPED_POLICY.replacen(from, to, 1);
            assert!(Policy::from_toml(&bad).is_err(), "{to} accepted");
        }
    }
}
