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

mod bands;
mod ids;
#[cfg(test)]
mod model_tests;
mod table;

use bands::Bands;
use chrono::{DateTime, Utc};
use ids::IdKey;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use table::SlotTable;

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
    /// How many people the case speaks for (a group visit's size; 1 for one petitioner).
    pub people: u32,
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
    /// The caller as the index keeps them ([`caller_hash`] of the key), `None` when anonymous:
    /// equal for two cases of one caller, so rules can count people without the store.
    pub caller: Option<u64>,
    /// [`RelatedCase::people`].
    pub people: u32,
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

/// No case, no next case: the end of a chain.
const NONE: u32 = u32::MAX;
/// A caller or place+topic column's value for "none" (a real key hashing to it is moved).
const NO_KEY: u64 = 0;
const HAS_SIG: u8 = 0x80;
const KIND_MASK: u8 = 0x1f;

/// The in-memory related-case index.
///
/// Cases live in slots, and each slot's fields are columns (one `Vec` per field, indexed by
/// slot) so that a case costs its data and no allocation of its own; the maps hold slot
/// numbers only. About 230 bytes per case instead of 460 with per-case boxes and hash maps.
pub struct RelatedIndex {
    /// The id in compact form (see [`ids`]); the low bits of `flags` say which form.
    ids: Vec<u128>,
    /// Id kind ([`ids::VACANT`] for a free slot) and [`HAS_SIG`].
    flags: Vec<u8>,
    /// Ids that have no compact form, by slot.
    long_ids: HashMap<u32, Box<str>>,
    sigs: Vec<Signature>,
    created: Vec<i64>,
    people: Vec<u32>,
    /// Caller key hash, [`NO_KEY`] when anonymous; `caller_next` chains a caller's cases from
    /// the newest (the head in `caller_heads`) to the oldest.
    caller: Vec<u64>,
    caller_next: Vec<u32>,
    place_topic: Vec<u64>,
    place_next: Vec<u32>,
    by_id: SlotTable,
    caller_heads: SlotTable,
    place_heads: SlotTable,
    bands: Bands,
    live: usize,
    /// Free slots, reusable now.
    free: Vec<u32>,
    /// Removed slots the band runs still reference: free after the next merge.
    limbo: Vec<u32>,
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

/// Which chain a slot's key column and next column belong to.
#[derive(Clone, Copy)]
enum Chain {
    Caller,
    PlaceTopic,
}

impl RelatedIndex {
    pub fn new() -> Self {
        RelatedIndex {
            ids: Vec::new(),
            flags: Vec::new(),
            long_ids: HashMap::new(),
            sigs: Vec::new(),
            created: Vec::new(),
            people: Vec::new(),
            caller: Vec::new(),
            caller_next: Vec::new(),
            place_topic: Vec::new(),
            place_next: Vec::new(),
            by_id: SlotTable::default(),
            caller_heads: SlotTable::default(),
            place_heads: SlotTable::default(),
            bands: Bands::new(),
            live: 0,
            free: Vec::new(),
            limbo: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn id_key(&self, slot: u32) -> IdKey {
        IdKey {
            bits: self.ids[slot as usize],
            kind: self.flags[slot as usize] & KIND_MASK,
        }
    }

    fn id_hash(&self, slot: u32) -> u64 {
        ids::hash(self.id_key(slot), self.long_ids.get(&slot).map(|s| &**s))
    }

    fn id_string(&self, slot: u32) -> String {
        ids::decode(self.id_key(slot), self.long_ids.get(&slot).map(|s| &**s))
    }

    fn has_sig(&self, slot: u32) -> bool {
        self.flags[slot as usize] & HAS_SIG != 0
    }

    /// The cell of `by_id` holding the case with this id.
    fn find_id(&self, id: &str) -> Option<usize> {
        let key = ids::encode(id);
        let long = (key.kind == ids::LONG).then_some(id);
        self.by_id.find(ids::hash(key, long), |s| {
            self.id_key(s) == key
                && (key.kind != ids::LONG || self.long_ids.get(&s).map(|x| &**x) == long)
        })
    }

    fn chain(&self, c: Chain) -> (&[u64], &[u32], &SlotTable) {
        match c {
            Chain::Caller => (&self.caller, &self.caller_next, &self.caller_heads),
            Chain::PlaceTopic => (&self.place_topic, &self.place_next, &self.place_heads),
        }
    }

    fn chain_mut(&mut self, c: Chain) -> (&[u64], &mut Vec<u32>, &mut SlotTable) {
        match c {
            Chain::Caller => (&self.caller, &mut self.caller_next, &mut self.caller_heads),
            Chain::PlaceTopic => (
                &self.place_topic,
                &mut self.place_next,
                &mut self.place_heads,
            ),
        }
    }

    /// The newest case with this key, if any.
    fn chain_head(&self, c: Chain, key: u64) -> u32 {
        let (keys, _, heads) = self.chain(c);
        heads
            .find(key, |s| keys[s as usize] == key)
            .map_or(NONE, |cell| heads.get(cell))
    }

    /// Makes `slot` (whose key column is set) the newest case of its chain.
    fn link(&mut self, c: Chain, slot: u32) {
        let (keys, next, heads) = self.chain_mut(c);
        let key = keys[slot as usize];
        if key == NO_KEY {
            return;
        }
        match heads.find(key, |s| keys[s as usize] == key) {
            Some(cell) => {
                next[slot as usize] = heads.get(cell);
                heads.set(cell, slot);
            }
            None => {
                next[slot as usize] = NONE;
                heads.insert_new(key, slot, |s| keys[s as usize]);
            }
        }
    }

    fn unlink(&mut self, c: Chain, slot: u32) {
        let (keys, next, heads) = self.chain_mut(c);
        let key = keys[slot as usize];
        if key == NO_KEY {
            return;
        }
        let Some(cell) = heads.find(key, |s| keys[s as usize] == key) else {
            return;
        };
        let head = heads.get(cell);
        let after = next[slot as usize];
        if head == slot {
            match after {
                NONE => heads.remove_at(cell, |s| keys[s as usize]),
                n => heads.set(cell, n),
            }
        } else {
            // Chains are short for callers; place+topic chains are walked only on removal.
            let mut cur = head;
            while cur != NONE {
                let n = next[cur as usize];
                if n == slot {
                    next[cur as usize] = after;
                    break;
                }
                cur = n;
            }
        }
        next[slot as usize] = NONE;
    }

    fn new_slot(&mut self) -> u32 {
        if let Some(s) = self.free.pop() {
            return s;
        }
        self.ids.push(0);
        self.flags.push(ids::VACANT);
        self.sigs.push([0; K]);
        self.created.push(0);
        self.people.push(0);
        self.caller.push(NO_KEY);
        self.caller_next.push(NONE);
        self.place_topic.push(NO_KEY);
        self.place_next.push(NONE);
        (self.ids.len() - 1) as u32
    }

    /// Adds the case, replacing an earlier entry with the same id.
    pub fn insert(&mut self, case: &RelatedCase) {
        self.remove(&case.id);
        let slot = self.new_slot();
        let s = slot as usize;
        let key = ids::encode(&case.id);
        if key.kind == ids::LONG {
            self.long_ids.insert(slot, case.id.as_str().into());
        }
        self.ids[s] = key.bits;
        let sig = signature(&case.text);
        self.flags[s] = key.kind | if sig.is_some() { HAS_SIG } else { 0 };
        self.sigs[s] = sig.unwrap_or([0; K]);
        self.created[s] = case.created.timestamp();
        self.people[s] = case.people;
        self.caller[s] = case.caller_key.as_deref().map_or(NO_KEY, key_hash);
        self.place_topic[s] =
            place_topic_key(case.place_key.as_deref(), case.topic.as_deref()).unwrap_or(NO_KEY);
        self.link(Chain::Caller, slot);
        self.link(Chain::PlaceTopic, slot);
        if let Some(sig) = &sig {
            self.bands.push(slot, &band_keys(sig));
        }
        let hash = self.id_hash(slot);
        let (ids, flags, long) = (&self.ids, &self.flags, &self.long_ids);
        self.by_id.insert_new(hash, slot, |x| {
            let k = IdKey {
                bits: ids[x as usize],
                kind: flags[x as usize] & KIND_MASK,
            };
            ids::hash(k, long.get(&x).map(|s| &**s))
        });
        self.live += 1;
        self.maybe_merge();
    }

    /// Forgets the case; returns whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(cell) = self.find_id(id) else {
            return false;
        };
        let slot = self.by_id.get(cell);
        let (ids, flags, long) = (&self.ids, &self.flags, &self.long_ids);
        self.by_id.remove_at(cell, |x| {
            let k = IdKey {
                bits: ids[x as usize],
                kind: flags[x as usize] & KIND_MASK,
            };
            ids::hash(k, long.get(&x).map(|s| &**s))
        });
        self.unlink(Chain::Caller, slot);
        self.unlink(Chain::PlaceTopic, slot);
        let s = slot as usize;
        let had_sig = self.has_sig(slot);
        self.long_ids.remove(&slot);
        self.flags[s] = ids::VACANT;
        self.caller[s] = NO_KEY;
        self.place_topic[s] = NO_KEY;
        self.live -= 1;
        if had_sig {
            // The runs find their entries by the signature: keep it until they drop the slot.
            self.bands.mark_dead();
            self.limbo.push(slot);
            self.maybe_merge();
        } else {
            self.free.push(slot);
        }
        true
    }

    fn maybe_merge(&mut self) {
        if self.bands.needs_merge() {
            self.merge_bands();
        }
    }

    fn merge_bands(&mut self) {
        let flags = &self.flags;
        self.bands.merge(&self.sigs, |s| {
            let f = flags[s as usize];
            f & KIND_MASK != ids::VACANT && f & HAS_SIG != 0
        });
        self.free.append(&mut self.limbo);
    }

    /// Related cases for a draft, strongest first, at most `options.limit`.
    pub fn find_related(&self, draft: &Draft, options: &RelatedOptions) -> Vec<Related> {
        let probe = Probe {
            sig: signature(&draft.text),
            caller: draft.caller_key.as_deref().map_or(NO_KEY, key_hash),
            place_topic: place_topic_key(draft.place_key.as_deref(), draft.topic.as_deref())
                .unwrap_or(NO_KEY),
            at: draft.at.timestamp(),
            exclude: NONE,
        };
        self.lookup(&probe, options)
    }

    /// Related cases for a case already in the index (for the case page), itself excluded.
    pub fn related_to(&self, id: &str, options: &RelatedOptions) -> Vec<Related> {
        let Some(cell) = self.find_id(id) else {
            return Vec::new();
        };
        let slot = self.by_id.get(cell);
        let s = slot as usize;
        let probe = Probe {
            sig: self.has_sig(slot).then_some(self.sigs[s]),
            caller: self.caller[s],
            place_topic: self.place_topic[s],
            at: self.created[s],
            exclude: slot,
        };
        self.lookup(&probe, options)
    }

    fn is_live(&self, slot: u32) -> bool {
        self.flags[slot as usize] & KIND_MASK != ids::VACANT
    }

    fn lookup(&self, p: &Probe, o: &RelatedOptions) -> Vec<Related> {
        let mut found: HashMap<u32, Vec<Reason>, Prehashed> = HashMap::default();
        let mut add = |slot: u32, reason: Reason| {
            if slot != p.exclude {
                found.entry(slot).or_default().push(reason);
            }
        };
        if p.caller != NO_KEY {
            let mut cur = self.chain_head(Chain::Caller, p.caller);
            let mut n = 0;
            while cur != NONE && n < o.per_reason {
                add(cur, Reason::SameCaller);
                n += 1;
                cur = self.caller_next[cur as usize];
            }
        }
        if p.place_topic != NO_KEY {
            let since =
                p.at.saturating_sub(o.place_window_days.saturating_mul(86_400));
            let mut cur = self.chain_head(Chain::PlaceTopic, p.place_topic);
            let mut n = 0;
            while cur != NONE && n < o.per_reason {
                let created = self.created[cur as usize];
                if created >= since && created <= p.at {
                    add(cur, Reason::SamePlaceTopic);
                    n += 1;
                }
                cur = self.place_next[cur as usize];
            }
        }
        if let Some(sig) = &p.sig {
            let mut candidates: Vec<u32> = Vec::new();
            for (band, key) in band_keys(sig).into_iter().enumerate() {
                let mut walked = 0;
                self.bands.walk(band, key, &self.sigs, |s| {
                    if self.is_live(s) {
                        candidates.push(s);
                        walked += 1;
                    }
                    walked < MAX_BUCKET_WALK
                });
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut dups: Vec<(u32, f32)> = candidates
                .into_iter()
                .filter_map(|s| {
                    let sim = estimate(sig, &self.sigs[s as usize]);
                    (sim >= o.min_similarity).then_some((s, sim))
                })
                .collect();
            // Ties go to the older case (as the insertion-ordered slots of the first version
            // did), then to the smaller id, so the answer does not depend on slot numbers.
            dups.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| self.older_first(a.0, b.0)));
            for (s, sim) in dups.into_iter().take(o.per_reason) {
                add(s, Reason::NearDuplicate { similarity: sim });
            }
        }
        let mut out: Vec<(f32, u32, Related)> = found
            .into_iter()
            .map(|(slot, mut reasons)| {
                reasons.sort_by_key(|r| match r {
                    Reason::SameCaller => 0,
                    Reason::NearDuplicate { .. } => 1,
                    Reason::SamePlaceTopic => 2,
                });
                let s = slot as usize;
                let r = Related {
                    id: self.id_string(slot),
                    created: DateTime::from_timestamp(self.created[s], 0).unwrap_or_default(),
                    caller: (self.caller[s] != NO_KEY).then_some(self.caller[s]),
                    people: self.people[s],
                    reasons,
                };
                (r.weight(), slot, r)
            })
            .collect();
        out.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.2.created.cmp(&a.2.created))
                .then_with(|| a.2.id.cmp(&b.2.id))
        });
        out.into_iter().take(o.limit).map(|(_, _, r)| r).collect()
    }

    /// Heap bytes held, for the size guard test.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 16
            + self.flags.capacity()
            + self.sigs.capacity() * std::mem::size_of::<Signature>()
            + self.created.capacity() * 8
            + (self.caller.capacity() + self.place_topic.capacity()) * 8
            + (self.caller_next.capacity() + self.place_next.capacity()) * 4
            + self.people.capacity() * 4
            + self.by_id.heap_bytes()
            + self.caller_heads.heap_bytes()
            + self.place_heads.heap_bytes()
            + self.bands.heap_bytes()
            + (self.free.capacity() + self.limbo.capacity()) * 4
    }

    fn older_first(&self, a: u32, b: u32) -> std::cmp::Ordering {
        let (ca, cb) = (self.created[a as usize], self.created[b as usize]);
        ca.cmp(&cb).then_with(|| {
            let (ka, kb) = (self.id_key(a), self.id_key(b));
            if ids::both_uuids(ka, kb) {
                ka.bits.cmp(&kb.bits)
            } else {
                self.id_string(a).cmp(&self.id_string(b))
            }
        })
    }
}

struct Probe {
    sig: Option<Signature>,
    /// [`NO_KEY`] for none.
    caller: u64,
    place_topic: u64,
    at: i64,
    /// [`NONE`] for none.
    exclude: u32,
}

/// Stable 64-bit hash of a key string (SipHash with fixed keys; only compared within one
/// process, so a change of std's algorithm between releases does no harm).
/// Never [`NO_KEY`]: a key hashing to it takes the next value.
/// The index's key for a caller key (never 0, which marks "anonymous").
pub fn caller_hash(key: &str) -> u64 {
    key_hash(key)
}

fn key_hash(s: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish().max(1)
}

fn place_topic_key(place: Option<&str>, topic: Option<&str>) -> Option<u64> {
    let place = crate::normalize(place?);
    let topic = topic?.trim();
    if place.is_empty() || topic.is_empty() {
        return None;
    }
    let mut h = std::hash::DefaultHasher::new();
    (place.as_str(), topic).hash(&mut h);
    Some(h.finish().max(1))
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
    std::array::from_fn(|band| band_key(sig, band))
}

fn band_key(sig: &Signature, band: usize) -> u32 {
    let mut x = band as u64;
    for &v in &sig[band * ROWS..(band + 1) * ROWS] {
        x = (x << 16) ^ v as u64;
    }
    (splitmix(x) >> 32) as u32
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
                people: 1,
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
        // Removed cases linger in the band runs until a merge drops them and frees the slots.
        idx.merge_bands();
        for band in 0..BANDS {
            assert_eq!(idx.bands.entries(band), 2);
        }
        assert_eq!(idx.free.len(), 3);
        assert!(idx.limbo.is_empty());
    }
}
