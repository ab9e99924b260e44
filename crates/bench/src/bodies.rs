//! Online submissions as a citizen's browser sends them to `POST /api/v1/public/cases`: the
//! demo province's communities and topics, a title, a request and facts of 300–1,500 Chinese
//! characters in all, a name, an address and a phone number of its own (no repeat callers, so
//! the one-transaction baseline writes exactly the rows the server writes).

use crate::corpus::{self, Rng};
use minsheng_core::region::{Directory, Level};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "桂兰", "建国", "志强",
];

pub struct World {
    communities: Vec<(String, String)>,
    topics: Vec<String>,
}

impl World {
    pub fn demo() -> anyhow::Result<World> {
        let dir = minsheng_server::demo::province().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(World::from_directory(&dir))
    }

    pub fn from_directory(dir: &Directory) -> World {
        let communities = dir
            .regions()
            .filter(|r| r.level == Level::Community)
            .map(|r| (r.code.clone(), r.name_zh.clone()))
            .collect();
        let topics = dir
            .topics()
            .filter(|t| t.code.len() == 6)
            .map(|t| t.code.clone())
            .collect();
        World {
            communities,
            topics,
        }
    }

    /// `n` submissions; `first` numbers them so phones never repeat across calls.
    pub fn bodies(&self, n: usize, first: usize, seed: u64) -> Vec<String> {
        let mut r = Rng::new(seed ^ first as u64);
        let estates = corpus::estate_names();
        (first..first + n)
            .map(|i| self.body(&mut r, &estates, i))
            .collect()
    }

    fn body(&self, r: &mut Rng, estates: &[String], i: usize) -> String {
        let (region, place) = &self.communities[r.below(self.communities.len())];
        let topic = &self.topics[r.below(self.topics.len())];
        let t = &corpus::TOPICS[r.below(corpus::TOPICS.len())];
        let (title, ask) = t.issues[r.below(t.issues.len())];
        let estate = &estates[r.below(estates.len())];
        let building = format!("{}栋{}单元", 1 + r.below(30), 1 + r.below(6));
        let request = format!("本人住在{place}{estate}{building}，{title}，{ask}。");
        let goal = 300 + r.below(1201);
        let mut facts = String::new();
        let mut chars = request.chars().count() + title.chars().count();
        while chars < goal {
            let s = r.pick(corpus::FACT_SENTENCES);
            facts.push_str(s);
            chars += s.chars().count();
        }
        let name = format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN));
        let road = format!(
            "{}{}",
            r.pick(corpus::ROAD_HEADS),
            r.pick(corpus::ROAD_TAILS)
        );
        serde_json::json!({
            "channel": "online",
            "kind": if r.chance(70) { "appeal" } else { "suggestion" },
            "title": format!("{estate}{title}"),
            "request": request,
            "facts_reasons": facts,
            "topic": topic,
            "location": {"region": region, "address": format!("{road}{}号{estate}{building}", 1 + r.below(300))},
            "petitioner": {
                "name": name,
                "phone": format!("13{:09}", i),
                "address": format!("{}{road}{}号", corpus::CITY, 1 + r.below(300)),
            }
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bodies_are_submissions_of_300_to_1500_characters() {
        let w = super::World::demo().expect("demo province");
        let bodies = w.bodies(200, 0, 1);
        let mut phones = std::collections::HashSet::new();
        for b in &bodies {
            let input: minsheng_server::service::NewCaseInput =
                serde_json::from_str(b).expect("a valid submission");
            let n = input.title.chars().count()
                + input.request.chars().count()
                + input.facts_reasons.chars().count();
            assert!((300..=1600).contains(&n), "{n} characters");
            assert!(phones.insert(input.petitioner.phone.clone().unwrap_or_default()));
        }
    }
}
