//! Related and duplicate cases at intake: while an agent types a new case, find the caller's
//! earlier cases, cases at the same place on the same topic, and cases whose text is nearly the
//! same, each with the reason it matched.
//!
//! Everything lives in memory and answers in microseconds at a million cases:
//! * caller and place+topic are hash-map look-ups on opaque keys (the caller's key is the
//!   phone number's blind index, never the number);
//! * near-duplicate text is MinHash over the character bigrams of the normalised text (the same
//!   shingles as [`crate::similarity`], so the estimate is comparable to
//!   [`crate::SAME_MATTER_THRESHOLD`]) with LSH banding: 16 bands of 3 hashes, so a pair with
//!   Jaccard 0.5 shares a band with probability 0.88, 0.6 with 0.97, 0.7 with 0.998, and a pair
//!   at 0.1 with 0.016. Candidates are then scored on the whole 48-hash signature.
//!
//! The index is a projection like the search index: [`RelatedIndex::insert`] as cases are
//! registered or their text, caller or place changes (it replaces by id), `remove` when they
//! are deleted or merged away. It is not synchronised: keep it behind an `RwLock`.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

/// Hashes per signature.
const K: usize = 48;
const BANDS: usize = 16;
const ROWS: usize = K / BANDS;
/// Texts with fewer shingles than this have no signature: two four-character texts sharing
/// three bigrams say nothing about being the same matter.
const MIN_SHINGLES: usize = 4;
/// A band bucket holding this many cases (a stock phrase sent thousands of times) is only
/// walked this far, newest first, so one template cannot make a look-up slow.
const MAX_BUCKET_WALK: usize = 256;
const NONE: u32 = u32::MAX;

/// A case as the related-case index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedCase {
    pub id: String,
    /// Title, request and facts as one text; only its signature is kept.
    pub text: String,
    /// The caller's phone blind index (any stable opaque string); `None` for anonymous cases.
    pub caller_key: Option<String>,
    /// The place: a normalised address, a grid cell or a community code, as long as the same
    /// place gives the same key.
    pub place_key: Option<String>,
    /// The topic code at the level that makes "the same problem" (a second-level code groups
    /// 小区电梯 with 电梯维修).
    pub topic: Option<String>,
    pub created: DateTime<Utc>,
}

/// What the agent has typed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    pub caller_key: Option<String>,
    pub place_key: Option<String>,
    pub topic: Option<String>,
    /// Now; the same-place window counts back from it.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// The same caller (same phone blind index) registered it.
    SameCaller,
    /// Same place and same topic within the window.
    SamePlaceTopic,
    /// The texts are nearly the same: estimated Jaccard similarity of character bigrams.
    NearDuplicate { similarity: f32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub id: String,
    pub created: DateTime<Utc>,
    /// Every reason that applies, strongest first (caller, near-duplicate, place+topic).
    pub reasons: Vec<Reason>,
}

impl Related {
    /// The estimated text similarity, when the texts are near-duplicates.
    pub fn similarity(&self) -> Option<f32> {
        self.reasons.iter().find_map(|r| match r {
            Reason::NearDuplicate { similarity } => Some(*similarity),
            _ => None,
        })
    }

    /// Ranking weight: the caller's own history first (a repeat petition changes how a case is
    /// handled), then textual duplicates by similarity, then the same place and topic.
    fn weight(&self) -> f32 {
        self.reasons
            .iter()
            .map(|r| match r {
                Reason::SameCaller => 1.0,
                Reason::NearDuplicate { similarity } => *similarity,
                Reason::SamePlaceTopic => 0.4,
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelatedOptions {
    pub limit: usize,
    /// Near-duplicates below this estimated similarity are not reported.
    pub min_similarity: f32,
    /// Same place + topic only counts for cases created this many days before the draft.
    pub place_window_days: i64,
    /// At most this many cases per reason are considered (newest first).
    pub per_reason: usize,
}

impl Default for RelatedOptions {
    fn default() -> Self {
        RelatedOptions {
            limit: 20,
            min_similarity: crate::SAME_MATTER_THRESHOLD as f32,
            place_window_days: 90,
            per_reason: 100,
        }
    }
}

type Signature = [u16; K];

struct Slot {
    id: Arc<str>,
    sig: Option<Box<Signature>>,
    caller: Option<u64>,
    place_topic: Option<u64>,
    created: i64,
}

/// The in-memory related-case index.
pub struct RelatedIndex {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_id: HashMap<Arc<str>, u32>,
    by_caller: HashMap<u64, Vec<u32>, Prehashed>,
    by_place_topic: HashMap<u64, Vec<u32>, Prehashed>,
    /// Per band: bucket key → newest slot in the bucket.
    bands: Vec<HashMap<u32, u32, Prehashed>>,
    /// `next[slot * BANDS + band]`: the next (older) slot in the same bucket.
    next: Vec<u32>,
}

impl Default for RelatedIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RelatedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedIndex")
            .field("cases", &self.len())
            .finish()
    }
}

impl RelatedIndex {
    pub fn new() -> Self {
        RelatedIndex {
            slots: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            by_caller: HashMap::default(),
            by_place_topic: HashMap::default(),
            bands: (0..BANDS).map(|_| HashMap::default()).collect(),
            next: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds the case, replacing an earlier entry with the same id.
    pub fn insert(&mut self, case: &RelatedCase) {
        self.remove(&case.id);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.next.extend([NONE; BANDS]);
                (self.slots.len() - 1) as u32
            }
        };
        let id: Arc<str> = Arc::from(case.id.as_str());
        let sig = signature(&case.text).map(Box::new);
        if let Some(sig) = &sig {
            for (band, key) in band_keys(sig).into_iter().enumerate() {
                let head = self.bands[band].insert(key, slot).unwrap_or(NONE);
                self.next[slot as usize * BANDS + band] = head;
            }
        }
        let caller = case.caller_key.as_deref().map(key_hash);
        let place_topic = place_topic_key(case.place_key.as_deref(), case.topic.as_deref());
        if let Some(c) = caller {
            self.by_caller.entry(c).or_default().push(slot);
        }
        if let Some(p) = place_topic {
            self.by_place_topic.entry(p).or_default().push(slot);
        }
        self.by_id.insert(Arc::clone(&id), slot);
        self.slots[slot as usize] = Some(Slot {
            id,
            sig,
            caller,
            place_topic,
            created: case.created.timestamp(),
        });
    }

    /// Forgets the case; returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        let Some(entry) = self.slots[slot as usize].take() else {
            return false;
        };
        if let Some(sig) = &entry.sig {
            for (band, key) in band_keys(sig).into_iter().enumerate() {
                self.unlink(band, key, slot);
            }
        }
        for (map, key) in [
            (&mut self.by_caller, entry.caller),
            (&mut self.by_place_topic, entry.place_topic),
        ] {
            if let Some(k) = key
                && let Some(list) = map.get_mut(&k)
            {
                // Keep insertion order: look-ups read the newest end.
                list.retain(|&s| s != slot);
                if list.is_empty() {
                    map.remove(&k);
                }
            }
        }
        self.free.push(slot);
        true
    }

    fn unlink(&mut self, band: usize, key: u32, slot: u32) {
        let at = |s: u32| s as usize * BANDS + band;
        let Some(&head) = self.bands[band].get(&key) else {
            return;
        };
        if head == slot {
            match self.next[at(slot)] {
                NONE => self.bands[band].remove(&key),
                n => self.bands[band].insert(key, n),
            };
        } else {
            let mut cur = head;
            while cur != NONE {
                let n = self.next[at(cur)];
                if n == slot {
                    self.next[at(cur)] = self.next[at(slot)];
                    break;
                }
                cur = n;
            }
        }
        self.next[at(slot)] = NONE;
    }

    /// Related cases for a draft, strongest first, at most `options.limit`.
    pub fn find_related(&self, draft: &Draft, options: &RelatedOptions) -> Vec<Related> {
        let probe = Probe {
            sig: signature(&draft.text),
            caller: draft.caller_key.as_deref().map(key_hash),
            place_topic: place_topic_key(draft.place_key.as_deref(), draft.topic.as_deref()),
            at: draft.at.timestamp(),
            exclude: None,
        };
        self.lookup(&probe, options)
    }

    /// Related cases for a case already in the index (for the case page), itself excluded.
    pub fn related_to(&self, id: &str, options: &RelatedOptions) -> Vec<Related> {
        let Some(&slot) = self.by_id.get(id) else {
            return Vec::new();
        };
        let Some(entry) = &self.slots[slot as usize] else {
            return Vec::new();
        };
        let probe = Probe {
            sig: entry.sig.as_deref().copied(),
            caller: entry.caller,
            place_topic: entry.place_topic,
            at: entry.created,
            exclude: Some(slot),
        };
        self.lookup(&probe, options)
    }

    fn lookup(&self, p: &Probe, o: &RelatedOptions) -> Vec<Related> {
        let mut found: HashMap<u32, Vec<Reason>, Prehashed> = HashMap::default();
        let mut add = |slot: u32, reason: Reason| {
            if Some(slot) != p.exclude {
                found.entry(slot).or_default().push(reason);
            }
        };
        if let Some(c) = p.caller
            && let Some(list) = self.by_caller.get(&c)
        {
            for &s in list.iter().rev().take(o.per_reason) {
                add(s, Reason::SameCaller);
            }
        }
        if let Some(k) = p.place_topic
            && let Some(list) = self.by_place_topic.get(&k)
        {
            let since =
                p.at.saturating_sub(o.place_window_days.saturating_mul(86_400));
            let mut n = 0;
            for &s in list.iter().rev() {
                if n >= o.per_reason {
                    break;
                }
                if let Some(e) = &self.slots[s as usize]
                    && e.created >= since
                    && e.created <= p.at
                {
                    add(s, Reason::SamePlaceTopic);
                    n += 1;
                }
            }
        }
        if let Some(sig) = &p.sig {
            let mut candidates: Vec<u32> = Vec::new();
            for (band, key) in band_keys(sig).into_iter().enumerate() {
                let mut cur = self.bands[band].get(&key).copied().unwrap_or(NONE);
                let mut walked = 0;
                while cur != NONE && walked < MAX_BUCKET_WALK {
                    candidates.push(cur);
                    cur = self.next[cur as usize * BANDS + band];
                    walked += 1;
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut dups: Vec<(u32, f32)> = candidates
                .into_iter()
                .filter_map(|s| {
                    let e = self.slots[s as usize].as_ref()?;
                    let sim = estimate(sig, e.sig.as_deref()?);
                    (sim >= o.min_similarity).then_some((s, sim))
                })
                .collect();
            dups.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (s, sim) in dups.into_iter().take(o.per_reason) {
                add(s, Reason::NearDuplicate { similarity: sim });
            }
        }
        let mut out: Vec<(f32, i64, Related)> = found
            .into_iter()
            .filter_map(|(slot, mut reasons)| {
                let e = self.slots[slot as usize].as_ref()?;
                reasons.sort_by_key(|r| match r {
                    Reason::SameCaller => 0,
                    Reason::NearDuplicate { .. } => 1,
                    Reason::SamePlaceTopic => 2,
                });
                let r = Related {
                    id: e.id.to_string(),
                    created: DateTime::from_timestamp(e.created, 0).unwrap_or_default(),
                    reasons,
                };
                Some((r.weight(), e.created, r))
            })
            .collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        out.into_iter().take(o.limit).map(|(_, _, r)| r).collect()
    }
}

struct Probe {
    sig: Option<Signature>,
    caller: Option<u64>,
    place_topic: Option<u64>,
    at: i64,
    exclude: Option<u32>,
}

/// Stable 64-bit hash of a key string (SipHash with fixed keys; only compared within one
/// process, so a change of std's algorithm between releases does no harm).
fn key_hash(s: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn place_topic_key(place: Option<&str>, topic: Option<&str>) -> Option<u64> {
    let place = crate::normalize(place?);
    let topic = topic?.trim();
    if place.is_empty() || topic.is_empty() {
        return None;
    }
    let mut h = std::hash::DefaultHasher::new();
    (place.as_str(), topic).hash(&mut h);
    Some(h.finish())
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The K hash functions: multiply-add with fixed odd multipliers, keeping the high 16 bits
/// (the well-mixed ones).
static COEFFS: std::sync::LazyLock<[(u64, u64); K]> = std::sync::LazyLock::new(|| {
    let mut c = [(0u64, 0u64); K];
    for (i, slot) in c.iter_mut().enumerate() {
        let a = splitmix(0x6d69_6e73_6865_6e67 ^ (i as u64 * 2 + 1)) | 1;
        let b = splitmix(0x7265_6c61_7465_6421 ^ (i as u64 * 2 + 2));
        *slot = (a, b);
    }
    c
});

/// MinHash signature of the text's character bigrams, or `None` when it has too few.
pub(crate) fn signature(text: &str) -> Option<Signature> {
    let chars: Vec<char> = crate::normalize(text).chars().collect();
    if chars.len() < MIN_SHINGLES + 1 {
        return None;
    }
    let coeffs = &*COEFFS;
    let mut mins = [u64::MAX; K];
    for w in chars.windows(2) {
        let x = splitmix(((w[0] as u64) << 32) | w[1] as u64);
        for (m, (a, b)) in mins.iter_mut().zip(coeffs) {
            let h = x.wrapping_mul(*a).wrapping_add(*b);
            if h < *m {
                *m = h;
            }
        }
    }
    let mut sig = [0u16; K];
    for (s, m) in sig.iter_mut().zip(mins) {
        *s = (m >> 48) as u16;
    }
    Some(sig)
}

fn band_keys(sig: &Signature) -> [u32; BANDS] {
    let mut keys = [0u32; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let mut x = band as u64;
        for &v in &sig[band * ROWS..(band + 1) * ROWS] {
            x = (x << 16) ^ v as u64;
        }
        *key = (splitmix(x) >> 32) as u32;
    }
    keys
}

/// Estimated Jaccard similarity: the share of hash functions whose minimum agrees.
fn estimate(a: &Signature, b: &Signature) -> f32 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f32 / K as f32
}

/// Estimated similarity of two texts through their signatures (for tests and benchmarks; use
/// [`crate::similarity`] for the exact value).
pub fn estimated_similarity(a: &str, b: &str) -> Option<f32> {
    Some(estimate(&signature(a)?, &signature(b)?))
}

/// A hasher for keys that are already hashes.
#[derive(Default, Clone, Copy)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread 32-bit keys over the high bits hashbrown uses for its control bytes.
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Prehashed = BuildHasherDefault<PassThrough>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_tracks_exact_similarity() {
        let a = "翠湖苑小区3栋电梯长期故障，物业不予维修，请求责令物业公司尽快修复电梯。";
        let b = "翠湖苑小区3栋的电梯长期故障，物业一直不予维修，请求责令物业尽快修复。";
        let c = "村里征地补偿款至今没有发放到位，请求核查补偿标准并尽快发放。";
        let est = estimated_similarity(a, b).unwrap();
        let exact = crate::similarity(a, b) as f32;
        assert!((est - exact).abs() < 0.2, "{est} vs {exact}");
        assert!(estimated_similarity(a, c).unwrap() < 0.2);
        assert_eq!(estimated_similarity(a, a), Some(1.0));
        assert_eq!(signature("电梯坏"), None);
    }

    #[test]
    fn remove_unlinks_from_buckets_in_any_position() {
        let mut idx = RelatedIndex::new();
        let text = "翠湖苑小区3栋电梯长期故障物业不予维修";
        for i in 0..5 {
            idx.insert(&RelatedCase {
                id: format!("c{i}"),
                text: text.into(),
                caller_key: None,
                place_key: None,
                topic: None,
                created: DateTime::from_timestamp(1_700_000_000 + i, 0).unwrap(),
            });
        }
        assert!(idx.remove("c2") && idx.remove("c4") && idx.remove("c0"));
        assert!(!idx.remove("c0"));
        let draft = Draft {
            text: text.into(),
            ..Draft::default()
        };
        let ids: Vec<String> = idx
            .find_related(&draft, &RelatedOptions::default())
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, vec!["c3", "c1"]);
        for band in &idx.bands {
            assert_eq!(band.len(), 1);
        }
    }
}
