//! The index against a reference model: a plain list of cases in insertion order, scanned in
//! full for every look-up with the same signature, band and estimate functions. Any sequence of
//! inserts, re-inserts and removals must give the same answers from both.

use super::*;
use proptest::prelude::*;

struct Entry {
    id: String,
    sig: Option<Signature>,
    caller: u64,
    place_topic: u64,
    created: i64,
    people: u32,
}

#[derive(Default)]
struct Model {
    /// Oldest first; a re-insert moves the case to the end.
    entries: Vec<Entry>,
}

impl Model {
    fn insert(&mut self, c: &RelatedCase) {
        self.remove(&c.id);
        self.entries.push(Entry {
            id: c.id.clone(),
            sig: signature(&c.text),
            caller: c.caller_key.as_deref().map_or(NO_KEY, key_hash),
            place_topic: place_topic_key(c.place_key.as_deref(), c.topic.as_deref())
                .unwrap_or(NO_KEY),
            created: c.created.timestamp(),
            people: c.people,
        });
    }

    fn remove(&mut self, id: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        before != self.entries.len()
    }

    fn find_related(&self, d: &Draft, o: &RelatedOptions) -> Vec<Related> {
        self.lookup(
            signature(&d.text),
            d.caller_key.as_deref().map_or(NO_KEY, key_hash),
            place_topic_key(d.place_key.as_deref(), d.topic.as_deref()).unwrap_or(NO_KEY),
            d.at.timestamp(),
            None,
            o,
        )
    }

    fn related_to(&self, id: &str, o: &RelatedOptions) -> Vec<Related> {
        let Some(e) = self.entries.iter().find(|e| e.id == id) else {
            return Vec::new();
        };
        self.lookup(e.sig, e.caller, e.place_topic, e.created, Some(id), o)
    }

    fn lookup(
        &self,
        sig: Option<Signature>,
        caller: u64,
        place_topic: u64,
        at: i64,
        exclude: Option<&str>,
        o: &RelatedOptions,
    ) -> Vec<Related> {
        let newest_first = || self.entries.iter().enumerate().rev();
        // By position in `entries`, with the reasons found so far.
        let mut found: Vec<(usize, Vec<Reason>)> = Vec::new();
        let mut add = |i: usize, r: Reason| {
            if Some(self.entries[i].id.as_str()) == exclude {
                return;
            }
            match found.iter_mut().find(|(x, _)| *x == i) {
                Some((_, rs)) => rs.push(r),
                None => found.push((i, vec![r])),
            }
        };
        if caller != NO_KEY {
            for (i, _) in newest_first()
                .filter(|(_, e)| e.caller == caller)
                .take(o.per_reason)
            {
                add(i, Reason::SameCaller);
            }
        }
        if place_topic != NO_KEY {
            let since = at.saturating_sub(o.place_window_days.saturating_mul(86_400));
            for (i, _) in newest_first()
                .filter(|(_, e)| {
                    e.place_topic == place_topic && e.created >= since && e.created <= at
                })
                .take(o.per_reason)
            {
                add(i, Reason::SamePlaceTopic);
            }
        }
        if let Some(sig) = &sig {
            let keys = band_keys(sig);
            let mut candidates: Vec<usize> = Vec::new();
            for (band, key) in keys.iter().enumerate() {
                for (i, _) in newest_first()
                    .filter(|(_, e)| e.sig.is_some_and(|s| band_keys(&s)[band] == *key))
                    .take(MAX_BUCKET_WALK)
                {
                    if !candidates.contains(&i) {
                        candidates.push(i);
                    }
                }
            }
            let e = |i: usize| &self.entries[i];
            let mut dups: Vec<(usize, f32)> = candidates
                .into_iter()
                .map(|i| (i, estimate(sig, e(i).sig.as_ref().unwrap())))
                .filter(|&(_, sim)| sim >= o.min_similarity)
                .collect();
            dups.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(e(a.0).created.cmp(&e(b.0).created))
                    .then_with(|| e(a.0).id.cmp(&e(b.0).id))
            });
            for (i, sim) in dups.into_iter().take(o.per_reason) {
                add(i, Reason::NearDuplicate { similarity: sim });
            }
        }
        let mut out: Vec<Related> = found
            .into_iter()
            .map(|(i, mut reasons)| {
                let e = &self.entries[i];
                reasons.sort_by_key(|r| match r {
                    Reason::SameCaller => 0,
                    Reason::NearDuplicate { .. } => 1,
                    Reason::SamePlaceTopic => 2,
                });
                Related {
                    id: e.id.clone(),
                    created: DateTime::from_timestamp(e.created, 0).unwrap(),
                    caller: (e.caller != NO_KEY).then_some(e.caller),
                    people: e.people,
                    reasons,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.weight()
                .total_cmp(&a.weight())
                .then(b.created.cmp(&a.created))
                .then_with(|| a.id.cmp(&b.id))
        });
        out.truncate(o.limit);
        out
    }
}

const PHRASES: [&str; 10] = [
    "小区电梯",
    "长期故障",
    "物业不管",
    "夜间施工",
    "噪音扰民",
    "道路积水",
    "路灯不亮",
    "拖欠工资",
    "请求处理",
    "尽快修复",
];

/// Texts from a few shared phrases, so that many pairs are near-duplicates and share buckets.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(0..PHRASES.len(), 0..8)
        .prop_map(|ix| ix.into_iter().map(|i| PHRASES[i]).collect())
}

fn key(prefix: &'static str, n: u8) -> impl Strategy<Value = Option<String>> {
    proptest::option::of((0..n).prop_map(move |i| format!("{prefix}{i}")))
}

/// Ids of each stored form: short, UUID, and too long for the compact form.
fn id() -> impl Strategy<Value = String> {
    (0u8..12).prop_map(|i| match i % 3 {
        0 => format!("c{i}"),
        1 => format!("67e55044-10b1-426f-9247-bb680e5fe0{i:02x}"),
        _ => format!("a-case-id-that-is-longer-than-sixteen-bytes-{i}"),
    })
}

fn time(days: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + days * 86_400, 0).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Insert(RelatedCase),
    Remove(String),
    Find(Draft),
    RelatedTo(String),
}

fn op() -> impl Strategy<Value = Op> {
    let case = (
        id(),
        text(),
        key("k", 3),
        key("p", 2),
        key("t", 2),
        0i64..200,
    )
        .prop_map(|(id, text, caller_key, place_key, topic, d)| RelatedCase {
            people: 1 + (d % 3) as u32,
            id,
            text,
            caller_key,
            place_key,
            topic,
            created: time(d),
        });
    let draft = (text(), key("k", 3), key("p", 2), key("t", 2), 0i64..250).prop_map(
        |(text, caller_key, place_key, topic, d)| Draft {
            text,
            caller_key,
            place_key,
            topic,
            at: time(d),
        },
    );
    prop_oneof![
        4 => case.prop_map(Op::Insert),
        2 => id().prop_map(Op::Remove),
        2 => draft.prop_map(Op::Find),
        1 => id().prop_map(Op::RelatedTo),
    ]
}

fn options() -> impl Strategy<Value = RelatedOptions> {
    (1usize..25, 1usize..6, 0i64..120).prop_map(|(limit, per_reason, days)| RelatedOptions {
        limit,
        per_reason,
        place_window_days: days,
        ..RelatedOptions::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn answers_match_the_reference_model(
        ops in proptest::collection::vec(op(), 1..120),
        o in options(),
    ) {
        let mut idx = RelatedIndex::new();
        let mut model = Model::default();
        for op in &ops {
            match op {
                Op::Insert(c) => {
                    idx.insert(c);
                    model.insert(c);
                }
                Op::Remove(id) => prop_assert_eq!(idx.remove(id), model.remove(id)),
                Op::Find(d) => {
                    prop_assert_eq!(idx.find_related(d, &o), model.find_related(d, &o));
                    let all = RelatedOptions::default();
                    prop_assert_eq!(idx.find_related(d, &all), model.find_related(d, &all));
                }
                Op::RelatedTo(id) => {
                    prop_assert_eq!(idx.related_to(id, &o), model.related_to(id, &o));
                }
            }
            prop_assert_eq!(idx.len(), model.entries.len());
        }
    }
}

/// A stock phrase sent hundreds of times: a bucket is walked only `MAX_BUCKET_WALK` deep,
/// newest first, skipping removed cases, across merges.
#[test]
fn long_buckets_are_cut_at_the_same_cases() {
    let mut idx = RelatedIndex::new();
    let mut model = Model::default();
    let text = "小区电梯长期故障物业不管请求处理";
    let case = |i: i64| RelatedCase {
        id: format!("s{i}"),
        text: text.into(),
        caller_key: None,
        place_key: None,
        topic: None,
        created: time(i % 7),
        people: 1,
    };
    for i in 0..400 {
        idx.insert(&case(i));
        model.insert(&case(i));
        if i % 5 == 0 {
            let gone = format!("s{}", i / 2);
            assert_eq!(idx.remove(&gone), model.remove(&gone));
        }
    }
    let o = RelatedOptions {
        limit: 1000,
        per_reason: 1000,
        ..RelatedOptions::default()
    };
    let draft = Draft {
        text: text.into(),
        at: time(10),
        ..Draft::default()
    };
    let got = idx.find_related(&draft, &o);
    assert_eq!(got.len(), MAX_BUCKET_WALK);
    assert_eq!(got, model.find_related(&draft, &o));
}

/// The storage the columns and tables hold per case at a size where merges have happened: a
/// guard against a field or map creeping back in.
#[test]
fn bytes_per_case_stay_small() {
    let mut idx = RelatedIndex::new();
    // Just under a power of two, so the columns' spare capacity is small.
    let n = 60_000;
    for i in 0..n {
        let hex = format!("{:032x}", i as u128 * 0x9E37_79B9_7F4A_7C15);
        idx.insert(&RelatedCase {
            id: format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            ),
            text: format!("第{i}号小区电梯长期故障物业不管请求处理{}", i * 7919),
            caller_key: Some(format!("k{}", i / 2)),
            place_key: Some(format!("p{}", i % 1000)),
            topic: Some("0301".into()),
            created: time(i as i64 % 300),
            people: 1,
        });
    }
    let per_case = idx.heap_bytes() as f64 / n as f64;
    assert!(per_case < 250.0, "{per_case:.0} bytes per case");
}
