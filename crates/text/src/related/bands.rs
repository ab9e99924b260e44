//! The LSH band buckets: for each band, which cases have a given bucket key, newest first.
//!
//! A hash map per band (key → newest case, plus a next-older chain per case and band) cost
//! about 300 bytes per case at a million cases. Here each band is one sorted run of slot
//! numbers, 4 bytes per case and band: ordered by bucket key, and within a key oldest to
//! newest. Keys are not stored: they are recomputed from the slot's signature, which never
//! changes while the slot is in a run (a removed slot is only reused after the next merge).
//!
//! New cases wait in a short pending list (with their keys, scanned linearly at look-up) and
//! are merged into the runs when the list reaches a sixteenth of the runs; removed cases stay
//! in place as dead entries, skipped at look-up, until the same merge drops them.

use super::{BANDS, Signature, band_key};

/// Merge at least this often, so a small index does not scan a long pending list (and in
/// unit tests often enough that small sequences go through merges).
const MIN_MERGE: usize = if cfg!(test) { 8 } else { 4096 };
/// …and otherwise when pending plus dead entries reach this share of the runs.
const MERGE_DIVISOR: usize = 16;

#[derive(Default)]
pub(super) struct Bands {
    runs: Vec<Vec<u32>>,
    /// Slots added since the last merge, oldest first.
    pending: Vec<u32>,
    /// `pending_keys[band][i]`: the bucket key of `pending[i]` in that band.
    pending_keys: Vec<Vec<u32>>,
    /// Removed slots still referenced by the runs or the pending list.
    dead: usize,
}

impl Bands {
    pub(super) fn new() -> Self {
        Bands {
            runs: vec![Vec::new(); BANDS],
            pending: Vec::new(),
            pending_keys: vec![Vec::new(); BANDS],
            dead: 0,
        }
    }

    pub(super) fn push(&mut self, slot: u32, keys: &[u32; BANDS]) {
        self.pending.push(slot);
        for (list, &k) in self.pending_keys.iter_mut().zip(keys) {
            list.push(k);
        }
    }

    /// Counts a removed slot, which stays referenced until [`Bands::merge`].
    pub(super) fn mark_dead(&mut self) {
        self.dead += 1;
    }

    pub(super) fn needs_merge(&self) -> bool {
        let waiting = self.pending.len() + self.dead;
        waiting >= MIN_MERGE.max(self.runs[0].len() / MERGE_DIVISOR)
    }

    /// Merges the pending slots into the runs and drops dead ones. `sigs` are all slots'
    /// signatures, `live` says which slots hold a case with a signature.
    pub(super) fn merge(&mut self, sigs: &[Signature], live: impl Fn(u32) -> bool) {
        for band in 0..BANDS {
            // Keys of every slot, computed in slot order (sequential reads of the signatures)
            // rather than in run order (a cache miss per entry).
            let keys: Vec<u32> = sigs.iter().map(|s| band_key(s, band)).collect();
            let mut fresh: Vec<(u32, u32)> = self
                .pending
                .iter()
                .zip(&self.pending_keys[band])
                .filter(|&(&s, _)| live(s))
                .map(|(&s, &k)| (k, s))
                .collect();
            // Stable: equal keys keep insertion order, oldest first.
            fresh.sort_by_key(|&(k, _)| k);
            let run = std::mem::take(&mut self.runs[band]);
            let mut out = Vec::with_capacity(run.len() + fresh.len());
            let mut fresh = fresh.into_iter().peekable();
            for s in run.into_iter().filter(|&s| live(s)) {
                let k = keys[s as usize];
                // Pending slots are newer than every run slot: an equal key goes after.
                while let Some(&(fk, fs)) = fresh.peek()
                    && fk < k
                {
                    out.push(fs);
                    fresh.next();
                }
                out.push(s);
            }
            out.extend(fresh.map(|(_, s)| s));
            self.runs[band] = out;
        }
        self.pending.clear();
        self.pending.shrink_to(MIN_MERGE);
        for list in &mut self.pending_keys {
            list.clear();
            list.shrink_to(MIN_MERGE);
        }
        self.dead = 0;
    }

    /// Calls `visit` with the slots in the band's bucket, newest first, until it returns false.
    /// Dead slots are passed too: the caller skips them (they do not count as walked).
    pub(super) fn walk(
        &self,
        band: usize,
        key: u32,
        sigs: &[Signature],
        mut visit: impl FnMut(u32) -> bool,
    ) {
        // The pending keys are scanned in blocks: a block without the key (nearly all) costs a
        // few vector compares instead of a branch per entry.
        let keys = &self.pending_keys[band];
        let block = 64;
        for start in (0..keys.len()).step_by(block).rev() {
            let chunk = &keys[start..(start + block).min(keys.len())];
            if !chunk.iter().fold(false, |hit, &k| hit | (k == key)) {
                continue;
            }
            for (i, &k) in chunk.iter().enumerate().rev() {
                if k == key && !visit(self.pending[start + i]) {
                    return;
                }
            }
        }
        // The bucket is the range of the run with this key: two binary searches, so walking it
        // reads no signatures.
        let run = &self.runs[band];
        let key_of = |s: u32| band_key(&sigs[s as usize], band);
        let end = run.partition_point(|&s| key_of(s) <= key);
        let start = run[..end].partition_point(|&s| key_of(s) < key);
        for &s in run[start..end].iter().rev() {
            if !visit(s) {
                return;
            }
        }
    }

    /// Slots referenced per band (live and dead), for tests.
    #[cfg(test)]
    pub(super) fn entries(&self, band: usize) -> usize {
        self.runs[band].len() + self.pending.len()
    }

    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        let runs: usize = self.runs.iter().map(|r| r.capacity() * 4).sum();
        let keys: usize = self.pending_keys.iter().map(|r| r.capacity() * 4).sum();
        runs + keys + self.pending.capacity() * 4
    }
}
