//! The grids' shapes, kept in memory for placing new matters: every registration needs them
//! and they change only when an administrator saves a grid.

use minsheng_core::grid::GridShape;
use minsheng_store::{Store, StoreError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a copy is trusted. Saves through this instance clear it at once; the expiry is for
/// grids saved by another instance on the same database (or by `minsheng` commands).
const FRESH_FOR: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct GridShapes {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    /// Counts saves, so a read that began before a save does not keep its older answer.
    generation: u64,
    copy: Option<(Instant, Arc<Vec<GridShape>>)>,
}

impl GridShapes {
    /// The shapes of every grid, from memory when the copy is fresh.
    pub async fn get(&self, store: &Store) -> Result<Arc<Vec<GridShape>>, StoreError> {
        let generation = {
            let slot = self.lock();
            if let Some((at, shapes)) = &slot.copy
                && at.elapsed() < FRESH_FOR
            {
                return Ok(shapes.clone());
            }
            slot.generation
        };
        let read_at = Instant::now();
        let shapes: Arc<Vec<GridShape>> =
            Arc::new(store.grids().await?.iter().map(|g| g.shape()).collect());
        let mut slot = self.lock();
        if slot.generation == generation {
            slot.copy = Some((read_at, shapes.clone()));
        }
        Ok(shapes)
    }

    /// Forgets the copy; called after a grid is saved.
    pub fn clear(&self) {
        let mut slot = self.lock();
        slot.generation += 1;
        slot.copy = None;
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // The slot holds plain values; a panic elsewhere cannot leave it half-written.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}
