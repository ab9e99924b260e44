//! An open-addressing hash set of slot numbers whose keys live elsewhere (in the index's
//! columns). Each cell is 4 bytes, against 12–32 bytes per entry for a `HashMap` that stores
//! its key beside the value: at a million cases the difference is tens of megabytes per map.
//!
//! Linear probing with backward-shift deletion (no tombstones). The caller supplies the hash of
//! a slot's key whenever cells move, and an equality test when searching.

const EMPTY: u32 = u32::MAX;
/// Grow above this load (in eighths): linear probing stays short at 3/4.
const MAX_LOAD_EIGHTHS: usize = 6;

#[derive(Default)]
pub(super) struct SlotTable {
    cells: Vec<u32>,
    len: usize,
}

impl SlotTable {
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    fn home(&self, hash: u64) -> usize {
        let bits = self.cells.len().trailing_zeros();
        // Fibonacci hashing: the top bits of the product depend on every bit of the hash.
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// The cell holding the slot whose key matches, if any.
    pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<usize> {
        if self.cells.is_empty() {
            return None;
        }
        let mask = self.cells.len() - 1;
        let mut i = self.home(hash);
        loop {
            match self.cells[i] {
                EMPTY => return None,
                s if eq(s) => return Some(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    pub(super) fn get(&self, cell: usize) -> u32 {
        self.cells[cell]
    }

    /// Replaces the slot in a cell by another with the same key.
    pub(super) fn set(&mut self, cell: usize, slot: u32) {
        self.cells[cell] = slot;
    }

    /// Adds a slot whose key is not in the table yet.
    pub(super) fn insert_new(&mut self, hash: u64, slot: u32, hash_of: impl Fn(u32) -> u64) {
        if (self.len + 1) * 8 > self.cells.len() * MAX_LOAD_EIGHTHS {
            self.grow(&hash_of);
        }
        self.place(hash, slot);
        self.len += 1;
    }

    fn place(&mut self, hash: u64, slot: u32) {
        let mask = self.cells.len() - 1;
        let mut i = self.home(hash);
        while self.cells[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.cells[i] = slot;
    }

    fn grow(&mut self, hash_of: &impl Fn(u32) -> u64) {
        let cap = (self.cells.len() * 2).max(16);
        let old = std::mem::replace(&mut self.cells, vec![EMPTY; cap]);
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            self.place(hash_of(s), s);
        }
    }

    /// Empties a cell found by [`SlotTable::find`], shifting later cells of its probe run back
    /// so that every remaining slot stays reachable from its home cell.
    pub(super) fn remove_at(&mut self, cell: usize, hash_of: impl Fn(u32) -> u64) {
        let mask = self.cells.len() - 1;
        let mut hole = cell;
        let mut j = cell;
        loop {
            j = (j + 1) & mask;
            let s = self.cells[j];
            if s == EMPTY {
                break;
            }
            let home = self.home(hash_of(s));
            // The slot may fill the hole if its home is not cyclically within (hole, j].
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.cells[hole] = s;
                hole = j;
            }
        }
        self.cells[hole] = EMPTY;
        self.len -= 1;
    }

    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        self.cells.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    proptest! {
        /// Against a `HashSet`, with a deliberately weak hash so probe runs collide and wrap.
        #[test]
        fn behaves_as_a_set(ops in proptest::collection::vec((any::<bool>(), 0u32..200), 0..600)) {
            let hash_of = |s: u32| u64::from(s % 37);
            let mut t = SlotTable::default();
            let mut model = HashSet::new();
            for (add, s) in ops {
                let cell = t.find(hash_of(s), |x| x == s);
                prop_assert_eq!(cell.is_some(), model.contains(&s));
                match (add, cell) {
                    (true, None) => {
                        t.insert_new(hash_of(s), s, hash_of);
                        model.insert(s);
                    }
                    (false, Some(c)) => {
                        t.remove_at(c, hash_of);
                        model.remove(&s);
                    }
                    _ => {}
                }
                prop_assert_eq!(t.len(), model.len());
            }
            for s in 0..200 {
                prop_assert_eq!(t.find(hash_of(s), |x| x == s).is_some(), model.contains(&s));
            }
        }
    }
}
