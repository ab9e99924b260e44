//! Regions, units, topics and the dispatch catalogue (派单目录): the administrative tree a case
//! moves through. Loaded from the store into memory; all look-ups here are pure.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Administrative level, from province (1) down to community/grid (5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Community,
}

impl Level {
    pub fn depth(self) -> u8 {
        match self {
            Level::Province => 1,
            Level::City => 2,
            Level::County => 3,
            Level::Township => 4,
            Level::Community => 5,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
            Level::Township => "乡镇级",
            Level::Community => "村（社区）级",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Community => "community",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: Level,
    pub parent: Option<String>,
}

/// What a unit is for; the workflow uses it (only petition offices transfer, discipline bodies
/// take accusations about officials, political-legal organs take litigation matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 信访部门 (petition office / bureau).
    PetitionOffice,
    /// 12345 热线中心.
    HotlineCenter,
    /// 人民政府 (county, township government, subdistrict office).
    Government,
    /// 职能部门 (functional department).
    Department,
    /// 纪检监察机关.
    Discipline,
    /// 政法部门 (courts, procuratorates, public security, justice).
    PoliticalLegal,
    /// 村（居）委会 / 网格.
    Community,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::PetitionOffice => "petition_office",
            UnitKind::HotlineCenter => "hotline_center",
            UnitKind::Government => "government",
            UnitKind::Department => "department",
            UnitKind::Discipline => "discipline",
            UnitKind::PoliticalLegal => "political_legal",
            UnitKind::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub const ALL: &'static [UnitKind] = &[
        UnitKind::PetitionOffice,
        UnitKind::HotlineCenter,
        UnitKind::Government,
        UnitKind::Department,
        UnitKind::Discipline,
        UnitKind::PoliticalLegal,
        UnitKind::Community,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            UnitKind::PetitionOffice => "信访部门",
            UnitKind::HotlineCenter => "12345热线中心",
            UnitKind::Government => "人民政府",
            UnitKind::Department => "职能部门",
            UnitKind::Discipline => "纪检监察机关",
            UnitKind::PoliticalLegal => "政法部门",
            UnitKind::Community => "村（居）委会",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            UnitKind::PetitionOffice => "Petition office",
            UnitKind::HotlineCenter => "12345 hotline centre",
            UnitKind::Government => "People's government",
            UnitKind::Department => "Functional department",
            UnitKind::Discipline => "Discipline inspection",
            UnitKind::PoliticalLegal => "Political-legal organ",
            UnitKind::Community => "Village or residents' committee",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub region: String,
}

/// 问题分类: three levels, codes like "03", "0301", "030102".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub parent: Option<String>,
}

/// One line of the dispatch catalogue: matters on `topic` (or below it) in `region` (or below
/// it) go to `unit`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispatchRule {
    pub region: String,
    pub topic: String,
    pub unit: String,
}

/// Regions, units, topics and the dispatch catalogue, indexed for look-up.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    regions: HashMap<String, Region>,
    units: HashMap<String, Unit>,
    topics: HashMap<String, Topic>,
    dispatch: HashMap<(String, String), String>,
    unit_order: Vec<String>,
    region_order: Vec<String>,
    topic_order: Vec<String>,
}

impl Directory {
    /// Builds the directory and checks every reference (parents exist, no cycles, units in known
    /// regions, dispatch lines point to known things).
    pub fn new(
        regions: Vec<Region>,
        units: Vec<Unit>,
        topics: Vec<Topic>,
        dispatch: Vec<DispatchRule>,
    ) -> Result<Self, DomainError> {
        let mut d = Directory::default();
        for r in regions {
            d.region_order.push(r.code.clone());
            d.regions.insert(r.code.clone(), r);
        }
        for code in &d.region_order {
            let r = &d.regions[code];
            if let Some(p) = &r.parent {
                let parent = d.regions.get(p).ok_or_else(|| DomainError::Unknown {
                    what: "region",
                    id: p.clone(),
                })?;
                if parent.level >= r.level {
                    return Err(DomainError::invalid(
                        "region",
                        format!("区域 {code} 的层级必须低于其上级 {p}"),
                        format!("region {code} must be below its parent {p}"),
                    ));
                }
            }
        }
        for u in units {
            if !d.regions.contains_key(&u.region) {
                return Err(DomainError::Unknown {
                    what: "region",
                    id: u.region.clone(),
                });
            }
            d.unit_order.push(u.id.clone());
            d.units.insert(u.id.clone(), u);
        }
        for t in topics {
            d.topic_order.push(t.code.clone());
            d.topics.insert(t.code.clone(), t);
        }
        for code in &d.topic_order {
            if let Some(p) = &d.topics[code].parent
                && !d.topics.contains_key(p)
            {
                return Err(DomainError::Unknown {
                    what: "topic",
                    id: p.clone(),
                });
            }
        }
        for rule in dispatch {
            d.region(&rule.region)?;
            d.topic(&rule.topic)?;
            d.unit(&rule.unit)?;
            d.dispatch.insert((rule.region, rule.topic), rule.unit);
        }
        Ok(d)
    }

    pub fn region(&self, code: &str) -> Result<&Region, DomainError> {
        self.regions.get(code).ok_or_else(|| DomainError::Unknown {
            what: "region",
            id: code.to_string(),
        })
    }

    pub fn unit(&self, id: &str) -> Result<&Unit, DomainError> {
        self.units.get(id).ok_or_else(|| DomainError::Unknown {
            what: "unit",
            id: id.to_string(),
        })
    }

    pub fn topic(&self, code: &str) -> Result<&Topic, DomainError> {
        self.topics.get(code).ok_or_else(|| DomainError::Unknown {
            what: "topic",
            id: code.to_string(),
        })
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.region_order.iter().map(|c| &self.regions[c])
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.unit_order.iter().map(|c| &self.units[c])
    }

    pub fn topics(&self) -> impl Iterator<Item = &Topic> {
        self.topic_order.iter().map(|c| &self.topics[c])
    }

    pub fn dispatch_rules(&self) -> impl Iterator<Item = DispatchRule> + '_ {
        self.dispatch.iter().map(|((r, t), u)| DispatchRule {
            region: r.clone(),
            topic: t.clone(),
            unit: u.clone(),
        })
    }

    /// Region codes from the root down to `code` inclusive.
    pub fn chain(&self, code: &str) -> Vec<&str> {
        let mut chain = Vec::new();
        let mut cur = self.regions.get(code);
        while let Some(r) = cur {
            chain.push(r.code.as_str());
            if chain.len() > 16 {
                break; // defensive: the constructor rejects cycles through the level order
            }
            cur = r.parent.as_ref().and_then(|p| self.regions.get(p));
        }
        chain.reverse();
        chain
    }

    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.chain(code).contains(&ancestor)
    }

    /// Topic codes from the top level down to `code`.
    pub fn topic_chain(&self, code: &str) -> Vec<&str> {
        let mut chain = Vec::new();
        let mut cur = self.topics.get(code);
        while let Some(t) = cur {
            chain.push(t.code.as_str());
            if chain.len() > 8 {
                break;
            }
            cur = t.parent.as_ref().and_then(|p| self.topics.get(p));
        }
        chain.reverse();
        chain
    }

    /// The responsible unit for a matter: the most specific catalogue line, searching the region
    /// upwards and, at each region, the topic upwards.
    pub fn dispatch_unit(&self, region: &str, topic: &str) -> Option<&Unit> {
        let topics = self.topic_chain(topic);
        for r in self.chain(region).iter().rev() {
            for t in topics.iter().rev() {
                if let Some(u) = self.dispatch.get(&(r.to_string(), t.to_string())) {
                    return self.units.get(u);
                }
            }
        }
        None
    }

    /// The nearest unit of `kind` at or above `region`.
    pub fn nearest_unit(&self, region: &str, kind: UnitKind) -> Option<&Unit> {
        for r in self.chain(region).iter().rev() {
            if let Some(u) = self
                .units()
                .find(|u| u.kind == kind && u.region.as_str() == *r)
            {
                return Some(u);
            }
        }
        None
    }

    /// The level of the unit's region.
    pub fn unit_level(&self, unit: &str) -> Result<Level, DomainError> {
        let u = self.unit(unit)?;
        Ok(self.region(&u.region)?.level)
    }

    /// The petition office one level above the unit's region (for review, 复查), if any.
    pub fn office_above(&self, unit: &str) -> Option<&Unit> {
        let u = self.units.get(unit)?;
        let region = self.regions.get(&u.region)?;
        let parent = region.parent.as_ref()?;
        self.nearest_unit(parent, UnitKind::PetitionOffice)
    }
}

/// The topic taxonomy shipped with minsheng (three levels; see `data/topics.csv`).
pub const SHIPPED_TOPICS: &str = include_str!("../data/topics.csv");

/// Parses a topic file: `code,parent,name_zh,name_en` lines, `#` comments, one header line.
/// An empty English name falls back to the Chinese one.
pub fn parse_topics(text: &str) -> Result<Vec<Topic>, DomainError> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
    {
        if i == 0 && line.starts_with("code,") {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 || f[0].is_empty() || f[2].is_empty() {
            return Err(DomainError::invalid(
                "topics",
                format!("第{}行应为 code,parent,name_zh,name_en", i + 1),
                format!("line {} must be code,parent,name_zh,name_en", i + 1),
            ));
        }
        out.push(Topic {
            code: f[0].to_string(),
            parent: (!f[1].is_empty()).then(|| f[1].to_string()),
            name_zh: f[2].to_string(),
            name_en: if f[3].is_empty() { f[2] } else { f[3] }.to_string(),
        });
    }
    Ok(out)
}

pub fn shipped_topics() -> Vec<Topic> {
    parse_topics(SHIPPED_TOPICS).expect("the shipped topic file is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_topics_form_a_tree() {
        let topics = shipped_topics();
        assert_eq!(topics.iter().filter(|t| t.parent.is_none()).count(), 15);
        assert!(topics.len() > 600);
        let d = Directory::new(vec![], vec![], topics, vec![]).unwrap();
        assert_eq!(d.topic_chain("010101"), vec!["01", "0101", "010101"]);
    }
}
