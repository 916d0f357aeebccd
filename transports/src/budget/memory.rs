//! `MemoryBudget`: one window shared by the runs of one process.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

// The core's `Instant`: std's, or web-time's on wasm32-unknown-unknown, where std's panics.
use clerk_moderation_core::{Grant, Instant, RateLimit, SharedWindow};

use super::{AsyncBudget, Budget, BudgetError, Slot, StoreFuture, Take};

/// A rate window shared by the runs of one process: several clients (or runs) of one key, each
/// keeping its own pace, given the same `MemoryBudget` (cloned `Arc`s of it) keep together under
/// the limit.
///
/// ```
/// use clerk_moderation_core::RateLimit;
/// use clerk_moderation_transports::budget::{Budget, MemoryBudget, Take};
/// use std::time::Duration;
///
/// let budget = MemoryBudget::new();
/// let limit = RateLimit::new(1, Duration::from_secs(10));
/// let lease = Duration::from_secs(60);
/// let Take::Granted(slot) = budget.take(limit, lease).unwrap() else { panic!() };
/// assert!(matches!(budget.take(limit, lease).unwrap(), Take::Wait(_)));
/// budget.release(slot, limit.per).unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryBudget {
    window: Mutex<SharedWindow>,
    epoch: Instant,
}

impl MemoryBudget {
    /// An empty window.
    pub fn new() -> Self {
        Self {
            window: Mutex::new(SharedWindow::default()),
            epoch: Instant::now(),
        }
    }

    /// The store's clock in milliseconds since it was made: rounded down to decide (a place
    /// frees no earlier than its time), rounded up to release (a place released at any moment
    /// of a millisecond is held a whole window from that moment).
    fn now(&self, round_up: bool) -> u64 {
        let micros = self.epoch.elapsed().as_micros();
        let millis = if round_up {
            micros.div_ceil(1000)
        } else {
            micros / 1000
        };
        u64::try_from(millis).unwrap_or(u64::MAX)
    }

    fn take_now(&self, limit: RateLimit, lease: Duration) -> Take {
        let now = self.now(false);
        let slot = Slot::random();
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        match window.take(slot.0, limit, now, lease) {
            Grant::Taken => Take::Granted(slot),
            Grant::WaitUntil(at) => Take::Wait(Duration::from_millis(at.saturating_sub(now))),
        }
    }

    fn release_now(&self, slot: Slot, per: Duration) {
        let now = self.now(true);
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.release(slot.0, now, per);
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl Budget for MemoryBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        Ok(self.take_now(limit, lease))
    }

    fn release(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        self.release_now(slot, per);
        Ok(())
    }
}

impl AsyncBudget for MemoryBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> StoreFuture<'_, Take> {
        let take = self.take_now(limit, lease);
        Box::pin(async move { Ok(take) })
    }

    fn release(&self, slot: Slot, per: Duration) -> StoreFuture<'_, ()> {
        self.release_now(slot, per);
        Box::pin(async { Ok(()) })
    }
}
