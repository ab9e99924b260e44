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
}

/// The policy that applies to one region: national defaults with its overrides merged in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySet {
    pub petition: PetitionPolicy,
    pub hotline: HotlinePolicy,
    pub rating: RatingPolicy,
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
        Ok(())
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
}
