//! `Client` and `AsyncClient`: thin drivers of the core's [`Call`](clerk_moderation_core::Call)
//! (one operation, retried) and [`Run`](clerk_moderation_core::Run) (one action over many users).
//!
//! The rules (retries, deadlines, pacing, bulk chunking, outcomes) live in the core, once; the
//! drivers here only send, wait and report.

mod asynchronous;
mod blocking;
mod error;
mod observer;
mod timer;
mod trace;

pub use asynchronous::AsyncClient;
pub use blocking::Client;
pub use error::ClientError;
pub use observer::{Interrupt, RunObserver, RunReport};
pub use timer::Timer;
#[cfg(feature = "tokio")]
pub use timer::TokioTimer;

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The default deadline of a single call, all attempts and waits included: 60 s.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(60);

/// How long a driver waits at most before it looks at its [`Interrupt`] again.
const INTERRUPT_CHECK: Duration = Duration::from_millis(100);

/// The engine's clock, now.
pub(crate) fn engine_now() -> clerk_moderation_core::Instant {
    clerk_moderation_core::Instant::now()
}

/// The wall clock, now: handed to the core with each answer, to read a `Retry-After` date that
/// comes without a `Date` header.
pub(crate) fn wall_clock() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

/// A random `u64` for the jitter's seed, from std alone: a fresh `RandomState` (randomly keyed
/// per thread, and a different key each time) hashing a process-wide counter.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_differ() {
        let values: std::collections::HashSet<u64> = (0..100).map(|_| random_u64()).collect();
        assert!(values.len() > 95);
    }
}
