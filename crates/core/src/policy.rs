//! Policy as data: every number of the workflow, with national defaults and regional overrides.

use crate::error::DomainError;
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The national policy shipped with minsheng (with the Zhejiang override).
pub const SHIPPED_POLICY: &str = include_str!("../data/policy.toml");

/// A time limit: calendar days, working days or hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    WorkingDays(u32),
    Hours(u32),
}

impl Period {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (num, ctor): (&str, fn(u32) -> Period) = if let Some(n) = s.strip_suffix("wd") {
            (n, Period::WorkingDays)
        } else if let Some(n) = s.strip_suffix('d') {
            (n, Period::Days)
        } else if let Some(n) = s.strip_suffix('h') {
            (n, Period::Hours)
        } else {
            return Err(format!("period {s:?} must end in d, wd or h"));
        };
        let n: u32 = num
            .trim()
            .parse()
            .map_err(|_| format!("period {s:?} must start with a whole number"))?;
        if n > 3650 {
            return Err(format!("period {s:?} is implausibly long"));
        }
        Ok(ctor(n))
    }

    /// The number of calendar days, if this is a calendar-day period.
    pub fn days(self) -> Option<u32> {
        match self {
            Period::Days(n) => Some(n),
            _ => None,
        }
    }

    pub fn label_zh(self) -> String {
        match self {
            Period::Days(n) => format!("{n}日"),
            Period::WorkingDays(n) => format!("{n}个工作日"),
            Period::Hours(n) => format!("{n}小时"),
        }
    }

    pub fn label_en(self) -> String {
        match self {
            Period::Days(n) => format!("{n} days"),
            Period::WorkingDays(n) => format!("{n} working days"),
            Period::Hours(n) => format!("{n} hours"),
        }
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetitionPolicy {
    pub transfer: Period,
    pub acceptance_notice: Period,
    pub objection: Period,
    pub handling: Period,
    pub extension_max: Period,
    pub max_extensions: u32,
    pub review_request_window: Period,
    pub review_decision: Period,
    pub rereview_request_window: Period,
    pub rereview_decision: Period,
    pub representatives: Vec<RepresentativeRule>,
    /// The article the representatives limit comes from (cited when a visit is refused).
    pub representatives_article: String,
}

impl PetitionPolicy {
    /// Every time limit by its policy-file name (for validation and display).
    pub fn periods(&self) -> [(&'static str, Period); 9] {
        [
            ("transfer", self.transfer),
            ("acceptance_notice", self.acceptance_notice),
            ("objection", self.objection),
            ("handling", self.handling),
            ("extension_max", self.extension_max),
            ("review_request_window", self.review_request_window),
            ("review_decision", self.review_decision),
            ("rereview_request_window", self.rereview_request_window),
            ("rereview_decision", self.rereview_decision),
        ]
    }
}

/// Representatives allowed for a group visit of up to `up_to_people` people (no bound = any size).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeRule {
    pub up_to_people: Option<u32>,
    pub max_representatives: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotlinePolicy {
    pub urgent: Period,
    pub consultation: Period,
    pub help: Period,
    pub complaint: Period,
    pub report: Period,
    pub suggestion: Period,
    pub complex: Period,
}

impl HotlinePolicy {
    /// Every tier by its policy-file name.
    pub fn periods(&self) -> [(&'static str, Period); 7] {
        [
            ("urgent", self.urgent),
            ("consultation", self.consultation),
            ("help", self.help),
            ("complaint", self.complaint),
            ("report", self.report),
            ("suggestion", self.suggestion),
            ("complex", self.complex),
        ]
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingPolicy {
    pub basically_counts_as_satisfied: bool,
    pub options: Vec<RatingOption>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingOption {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Rated unsatisfied: feeds supervision and allows a hotline reopen (重办).
    #[serde(default)]
    pub unsatisfied: bool,
    /// 基本满意-like: satisfied only when `basically_counts_as_satisfied` says so. Kept apart in
    /// the KPI counts, so the switch changes the displayed rate without a recount.
    #[serde(default)]
    pub basically: bool,
}

/// How a rating option counts in 满意率.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingClass {
    Satisfied,
    Basically,
    Unsatisfied,
}

impl RatingOption {
    pub fn class(&self) -> RatingClass {
        if self.unsatisfied {
            RatingClass::Unsatisfied
        } else if self.basically {
            RatingClass::Basically
        } else {
            RatingClass::Satisfied
        }
    }
}

/// Numbers the KPI definitions need beyond the workflow's own time limits (docs/kpi.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KpiPolicy {
    /// How long after an answer the petitioner may rate it before the case counts as "not
    /// rated" in 参评率. 国信发〔2022〕11号's window is unverified (rules.md §2.1).
    pub rating_window: Period,
    /// A hotline unit responds (签收 or 退单) to a dispatched order within this (rules.md §3.6).
    pub hotline_response: Period,
    /// 重复信访: a petition repeats an earlier one of the same petitioner on the same topic
    /// registered within this before it. No national window was found (rules.md §2.2 names
    /// the rate only): unverified local default.
    pub repeat_window: Period,
}

impl Default for KpiPolicy {
    fn default() -> Self {
        KpiPolicy {
            rating_window: Period::Days(30),
            hotline_response: Period::WorkingDays(1),
            repeat_window: Period::Days(365),
        }
    }
}

/// One rung of the early-warning ladder: level 1 is the most severe.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertLevelPolicy {
    pub level: u8,
    pub zh: String,
    pub en: String,
    /// Must be acknowledged (reported) within this, or the alert escalates one rung.
    #[serde(rename(deserialize = "report_within"), deserialize_with = "hours")]
    pub report_within_hours: u32,
}

fn hours<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match Period::deserialize(d)? {
        Period::Hours(h) if h > 0 => Ok(h),
        _ => Err(serde::de::Error::custom(
            "report_within must be a number of hours, like \"12h\"",
        )),
    }
}

/// Thresholds of the early-warning rules (rules.md §6.2). Each rule names the level it raises.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertPolicy {
    pub levels: Vec<AlertLevelPolicy>,
    pub risk_lexicon: RiskLexiconRule,
    /// Tiers by people on one matter, ascending; the highest tier reached sets the level.
    pub group: Vec<GroupTier>,
    pub spike: SpikeRule,
    pub cluster: ClusterRule,
    pub repeat_petitioner: RepeatPetitionerRule,
    pub skip_level: SkipLevelRule,
    /// Open alerts at this level or more severe put their cases in the supervision queue.
    pub supervision_level: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLexiconRule {
    /// Level for a hit in a category not listed below.
    pub default_level: u8,
    /// Level per lexicon category (e.g. extreme = 1).
    #[serde(default)]
    pub categories: std::collections::BTreeMap<String, u8>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupTier {
    pub min_people: u32,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeRule {
    pub window_days: u32,
    pub baseline_days: u32,
    /// Fires when the window holds at least this many cases …
    pub min_cases: u32,
    /// … and at least this percentage of the place's baseline rate for a window of that length.
    pub factor_percent: u32,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRule {
    pub window_days: u32,
    /// Distinct petitioners behind near-duplicate texts.
    pub min_petitioners: u32,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatPetitionerRule {
    pub cases: u32,
    pub days: u32,
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipLevelRule {
    pub level: u8,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        let level = |level: u8, zh: &str, en: &str, h: u32| AlertLevelPolicy {
            level,
            zh: zh.into(),
            en: en.into(),
            report_within_hours: h,
        };
        AlertPolicy {
            levels: vec![
                level(1, "一级预警", "Level 1", 1),
                level(2, "二级预警", "Level 2", 2),
                level(3, "三级预警", "Level 3", 8),
                level(4, "四级预警", "Level 4", 12),
            ],
            risk_lexicon: RiskLexiconRule {
                default_level: 3,
                categories: [
                    ("extreme".to_string(), 1),
                    ("group".to_string(), 2),
                    ("gathering".to_string(), 2),
                ]
                .into_iter()
                .collect(),
            },
            group: vec![
                GroupTier {
                    min_people: 5,
                    level: 4,
                },
                GroupTier {
                    min_people: 50,
                    level: 3,
                },
            ],
            spike: SpikeRule {
                window_days: 7,
                baseline_days: 28,
                min_cases: 3,
                factor_percent: 300,
                level: 4,
            },
            cluster: ClusterRule {
                window_days: 7,
                min_petitioners: 5,
                level: 3,
            },
            repeat_petitioner: RepeatPetitionerRule {
                cases: 3,
                days: 30,
                level: 4,
            },
            skip_level: SkipLevelRule { level: 3 },
            supervision_level: 3,
        }
    }
}

impl AlertPolicy {
    pub fn level(&self, level: u8) -> Option<&AlertLevelPolicy> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// The most severe level of the ladder (the smallest number).
    pub fn top_level(&self) -> u8 {
        self.levels.iter().map(|l| l.level).min().unwrap_or(1)
    }

    fn validate(&self, scope: &str) -> Result<(), String> {
        let mut levels: Vec<u8> = self.levels.iter().map(|l| l.level).collect();
        levels.sort_unstable();
        let n = levels.len() as u8;
        if levels.is_empty() || levels != (1..=n).collect::<Vec<_>>() {
            return Err(format!(
                "{scope}: alert.levels must be numbered 1..n without gaps"
            ));
        }
        // A more severe level reports sooner, or escalation would loosen the deadline.
        for w in levels.windows(2) {
            let (hi, lo) = (self.level(w[0]), self.level(w[1]));
            if let (Some(hi), Some(lo)) = (hi, lo)
                && hi.report_within_hours > lo.report_within_hours
            {
                return Err(format!(
                    "{scope}: alert level {} must report no later than level {}",
                    hi.level, lo.level
                ));
            }
        }
        let known = |l: u8| (1..=n).contains(&l);
        let mut used = vec![
            (
                "risk_lexicon.default_level",
                self.risk_lexicon.default_level,
            ),
            ("spike.level", self.spike.level),
            ("cluster.level", self.cluster.level),
            ("repeat_petitioner.level", self.repeat_petitioner.level),
            ("skip_level.level", self.skip_level.level),
            ("supervision_level", self.supervision_level),
        ];
        used.extend(
            self.risk_lexicon
                .categories
                .values()
                .map(|l| ("risk_lexicon.categories", *l)),
        );
        used.extend(self.group.iter().map(|g| ("group.level", g.level)));
        if let Some((name, _)) = used.iter().find(|(_, l)| !known(*l)) {
            return Err(format!(
                "{scope}: alert.{name} is not a level of alert.levels"
            ));
        }
        if self.group.is_empty()
            || self.group.iter().any(|g| g.min_people < 2)
            || self
                .group
                .windows(2)
                .any(|w| w[0].min_people >= w[1].min_people)
        {
            return Err(format!(
                "{scope}: alert.group needs tiers of at least 2 people, ascending"
            ));
        }
        let s = &self.spike;
        if s.window_days == 0
            || s.baseline_days < s.window_days
            || s.min_cases == 0
            || s.factor_percent < 100
        {
            return Err(format!(
                "{scope}: alert.spike needs window_days > 0, baseline_days >= window_days, min_cases > 0, factor_percent >= 100"
            ));
        }
        if self.cluster.window_days == 0 || self.cluster.min_petitioners < 2 {
            return Err(format!(
                "{scope}: alert.cluster needs window_days > 0 and min_petitioners >= 2"
            ));
        }
        if self.repeat_petitioner.days == 0 || self.repeat_petitioner.cases < 2 {
            return Err(format!(
                "{scope}: alert.repeat_petitioner needs days > 0 and cases >= 2"
            ));
        }
        Ok(())
    }
}

/// The policy that applies to one region: national defaults with its overrides merged in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySet {
    pub petition: PetitionPolicy,
    pub hotline: HotlinePolicy,
    pub rating: RatingPolicy,
    /// Optional in a policy file written before KPIs existed: the defaults apply.
    #[serde(default)]
    pub kpi: KpiPolicy,
    #[serde(default)]
    pub alert: AlertPolicy,
    /// People's suggestions (人民建议征集); optional, the defaults apply.
    #[serde(default)]
    pub suggestion: crate::suggestion::SuggestionPolicy,
    /// How long records are kept (`minsheng purge`); national only, the defaults apply.
    #[serde(default)]
    pub retention: crate::retention::RetentionPolicy,
    /// 多元化解 time limits; optional, the defaults apply.
    #[serde(default)]
    pub referral: crate::workflow::ReferralPolicy,
    /// Grid size and limits; optional, the defaults apply.
    #[serde(default)]
    pub grid: crate::grid::GridPolicy,
}

impl PolicySet {
    /// Most representatives a group of `people` may send (Art. 20 ¶3 and local variants).
    pub fn max_representatives(&self, people: u32) -> u32 {
        self.petition
            .representatives
            .iter()
            .find(|r| r.up_to_people.is_none_or(|n| people <= n))
            .map(|r| r.max_representatives)
            .unwrap_or(5)
    }

    pub fn rating(&self, code: &str) -> Option<&RatingOption> {
        self.rating.options.iter().find(|o| o.code == code)
    }

    fn validate(&self, scope: &str) -> Result<(), String> {
        let p = &self.petition;
        for (name, period) in p
            .periods()
            .into_iter()
            .filter(|(n, _)| *n != "extension_max")
        {
            if matches!(period, Period::Hours(_)) {
                return Err(format!(
                    "{scope}: petition.{name} must be in days or working days"
                ));
            }
            if period == Period::Days(0) || period == Period::WorkingDays(0) {
                return Err(format!("{scope}: petition.{name} must be longer than zero"));
            }
        }
        if p.extension_max.days().is_none() {
            return Err(format!(
                "{scope}: petition.extension_max must be in calendar days"
            ));
        }
        if p.representatives.is_empty()
            || p.representatives
                .last()
                .is_some_and(|r| r.up_to_people.is_some())
        {
            return Err(format!(
                "{scope}: petition.representatives needs a last rule without up_to_people"
            ));
        }
        for (name, period) in self.hotline.periods() {
            if matches!(
                period,
                Period::Days(0) | Period::WorkingDays(0) | Period::Hours(0)
            ) {
                return Err(format!("{scope}: hotline.{name} must be longer than zero"));
            }
        }
        let r = &self.rating;
        if r.options.len() < 2 {
            return Err(format!(
                "{scope}: rating.options needs at least two options"
            ));
        }
        let mut codes: Vec<&str> = r.options.iter().map(|o| o.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.len() != r.options.len() {
            return Err(format!("{scope}: rating option codes must be unique"));
        }
        if !r.options.iter().any(|o| o.unsatisfied) || r.options.iter().all(|o| o.unsatisfied) {
            return Err(format!(
                "{scope}: rating.options needs at least one unsatisfied and one other option"
            ));
        }
        if r.options.iter().any(|o| o.unsatisfied && o.basically) {
            return Err(format!(
                "{scope}: a rating option cannot be both unsatisfied and basically satisfied"
            ));
        }
        for (name, period) in [
            ("rating_window", self.kpi.rating_window),
            ("hotline_response", self.kpi.hotline_response),
            ("repeat_window", self.kpi.repeat_window),
        ] {
            if matches!(
                period,
                Period::Days(0) | Period::WorkingDays(0) | Period::Hours(0)
            ) {
                return Err(format!("{scope}: kpi.{name} must be longer than zero"));
            }
        }
        self.alert.validate(scope)?;
        self.retention.validate(scope)?;
        self.referral.validate(scope)?;
        self.grid.validate(scope)?;
        self.suggestion.validate(scope)
    }

    /// How a rating code counts; `None` for a code the policy no longer offers.
    pub fn rating_class(&self, code: &str) -> Option<RatingClass> {
        self.rating(code).map(RatingOption::class)
    }
}

/// A named regional override, as written in the policy file.
#[derive(Debug, Clone)]
pub struct Override {
    pub region: String,
    pub name: String,
    table: toml::Table,
}

/// The whole policy: national defaults plus regional overrides, resolved per region chain.
#[derive(Debug)]
pub struct Policy {
    national_table: toml::Table,
    national: Arc<PolicySet>,
    overrides: Vec<Override>,
    resolved: RwLock<HashMap<Vec<usize>, Arc<PolicySet>>>,
}

fn policy_error(msg: String) -> DomainError {
    DomainError::invalid(
        "policy",
        format!("政策文件无效：{msg}"),
        format!("policy file is invalid: {msg}"),
    )
}

impl Policy {
    /// Parses and validates a policy file, including every override applied on its own.
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| policy_error(e.message().to_string()))?;
        let mut overrides = Vec::new();
        if let Some(list) = table.remove("override") {
            let list = list
                .as_array()
                .ok_or_else(|| policy_error("override must be an array of tables".into()))?;
            for item in list {
                let mut t = item
                    .as_table()
                    .cloned()
                    .ok_or_else(|| policy_error("override must be a table".into()))?;
                let region = match t.remove("region") {
                    Some(toml::Value::String(s)) if !s.is_empty() => s,
                    _ => return Err(policy_error("override needs a region code".into())),
                };
                if t.contains_key("retention") {
                    return Err(policy_error(format!(
                        "override {region}: retention is national and cannot be overridden (保留期限全国统一，不能按地区覆盖)"
                    )));
                }
                let name = match t.remove("name") {
                    Some(toml::Value::String(s)) => s,
                    None => region.clone(),
                    _ => return Err(policy_error("override name must be text".into())),
                };
                overrides.push(Override {
                    region,
                    name,
                    table: t,
                });
            }
        }
        let national = parse_set(&table, "national")?;
        let policy = Policy {
            national_table: table,
            national: Arc::new(national),
            overrides,
            resolved: RwLock::new(HashMap::new()),
        };
        for i in 0..policy.overrides.len() {
            policy.merged(&[i])?;
        }
        Ok(policy)
    }

    pub fn shipped() -> Self {
        Self::from_toml(SHIPPED_POLICY).expect("the shipped policy is valid")
    }

    pub fn national(&self) -> Arc<PolicySet> {
        self.national.clone()
    }

    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// The policy for a region given its chain of region codes from the root down to itself:
    /// every override on the chain applies, outer first.
    pub fn for_chain(&self, chain: &[&str]) -> Arc<PolicySet> {
        let matched: Vec<usize> = chain
            .iter()
            .flat_map(|code| {
                self.overrides
                    .iter()
                    .enumerate()
                    .filter(move |(_, o)| o.region == *code)
                    .map(|(i, _)| i)
            })
            .collect();
        if matched.is_empty() {
            return self.national.clone();
        }
        // Every single override was validated at load; a combination that fails validation
        // falls back to the innermost override alone, which is known to be valid.
        self.merged(&matched).unwrap_or_else(|_| {
            let last = [*matched.last().unwrap_or(&0)];
            self.merged(&last).unwrap_or_else(|_| self.national.clone())
        })
    }

    /// Names of the overrides that apply on this chain (for display: "浙江省信访条例（2016）").
    pub fn override_names(&self, chain: &[&str]) -> Vec<String> {
        self.overrides
            .iter()
            .filter(|o| chain.contains(&o.region.as_str()))
            .map(|o| o.name.clone())
            .collect()
    }

    fn merged(&self, idx: &[usize]) -> Result<Arc<PolicySet>, DomainError> {
        if let Ok(cache) = self.resolved.read()
            && let Some(p) = cache.get(idx)
        {
            return Ok(p.clone());
        }
        let mut table = self.national_table.clone();
        for &i in idx {
            merge(&mut table, &self.overrides[i].table);
        }
        let scope = idx
            .iter()
            .map(|&i| self.overrides[i].region.as_str())
            .collect::<Vec<_>>()
            .join("+");
        let set = Arc::new(parse_set(&table, &format!("override {scope}"))?);
        if let Ok(mut cache) = self.resolved.write() {
            cache.insert(idx.to_vec(), set.clone());
        }
        Ok(set)
    }
}

fn parse_set(table: &toml::Table, scope: &str) -> Result<PolicySet, DomainError> {
    let set: PolicySet = toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| policy_error(format!("{scope}: {}", e.message())))?;
    set.validate(scope).map_err(policy_error)?;
    Ok(set)
}

/// Deep-merges `over` into `base`: tables merge key by key, everything else replaces.
fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy_and_zhejiang_override() {
        let p = Policy::shipped();
        let n = p.national();
        assert_eq!(n.petition.handling, Period::Days(60));
        assert_eq!(n.petition.objection, Period::WorkingDays(5));
        assert_eq!(n.max_representatives(30), 5);
        let zj = p.for_chain(&["330000", "330100"]);
        assert_eq!(zj.petition.handling, Period::Days(30));
        assert_eq!(zj.petition.extension_max, Period::Days(60));
        assert_eq!(zj.petition.acceptance_notice, Period::WorkingDays(5));
        assert_eq!(
            zj.petition.review_decision,
            Period::Days(30),
            "not overridden"
        );
        assert_eq!(zj.max_representatives(10), 3);
        assert_eq!(zj.max_representatives(11), 5);
        assert_eq!(
            p.override_names(&["330000"]),
            vec!["浙江省信访条例（2016）"]
        );
    }

    #[test]
    fn rejects_invalid_policies() {
        let bad_period = SHIPPED_POLICY.replace("handling = \"60d\"", "handling = \"60x\"");
        assert!(Policy::from_toml(&bad_period).is_err());
        let bad_override = SHIPPED_POLICY.replace("handling = \"30d\"", "handling = \"30h\"");
        assert!(Policy::from_toml(&bad_override).is_err());
        let unknown = SHIPPED_POLICY.replace("[hotline]", "[hotline]\nnonsense = 1");
        assert!(Policy::from_toml(&unknown).is_err());
        assert!(Policy::from_toml("").is_err());
    }

    #[test]
    fn kpi_and_alert_sections_are_optional_and_shipped_as_the_defaults() {
        let n = Policy::shipped().national();
        assert_eq!(n.kpi, KpiPolicy::default());
        assert_eq!(n.alert, AlertPolicy::default());
        let start = SHIPPED_POLICY.find("[kpi]").unwrap();
        let end = SHIPPED_POLICY.find("[rating]").unwrap();
        let old = format!("{}{}", &SHIPPED_POLICY[..start], &SHIPPED_POLICY[end..]);
        let p = Policy::from_toml(&old).unwrap().national();
        assert_eq!(p.alert.level(4).unwrap().report_within_hours, 12);
        assert_eq!(
            p.rating_class("basically_satisfied"),
            Some(RatingClass::Basically)
        );
        assert_eq!(p.rating_class("nonsense"), None);
    }

    #[test]
    fn rejects_invalid_alert_policies() {
        for (from, to) in [
            ("report_within = \"1h\"", "report_within = \"1d\""),
            ("report_within = \"1h\"", "report_within = \"9h\""),
            ("{ level = 4, zh", "{ level = 5, zh"),
            ("skip_level = { level = 3 }", "skip_level = { level = 7 }"),
            (
                "{ min_people = 50, level = 3 }",
                "{ min_people = 4, level = 3 }",
            ),
            ("factor_percent = 300", "factor_percent = 50"),
            ("basically = true", "basically = true\nunsatisfied = true"),
        ] {
            assert!(SHIPPED_POLICY.contains(from), "{from}");
            let bad = SHIPPED_POLICY.replacen(from, to, 1);
            assert!(Policy::from_toml(&bad).is_err(), "{to} accepted");
        }
    }
}
