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

pub use asynchronous::{AsyncClient, LocalAsyncClient};
pub use blocking::Client;
pub use error::ClientError;
pub use observer::{Interrupt, RunObserver, RunReport};
#[cfg(feature = "tokio")]
pub use timer::TokioTimer;
pub use timer::{LocalTimer, LocalTimerFn, Timer, TimerHandle, local_timer_fn};

use std::future::{Future, poll_fn};
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

/// The default deadline of a single call, all attempts and waits included: 60 s.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(60);

/// How long a driver waits at most before it looks at its [`Interrupt`] again.
const INTERRUPT_CHECK: Duration = Duration::from_millis(100);

/// The engine's clock, now: std's monotonic clock, or on wasm32-unknown-unknown web-time's
/// (`performance.now()`), through the core's [`Instant`](clerk_moderation_core::Instant).
pub(crate) fn engine_now() -> clerk_moderation_core::Instant {
    clerk_moderation_core::Instant::now()
}

/// The wall clock, now: handed to the core with each answer, to read a `Retry-After` date that
/// comes without a `Date` header.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub(crate) fn wall_clock() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

/// The wall clock, now. On wasm32-unknown-unknown std's `SystemTime::now` panics: JavaScript's
/// `Date.now()` (through web-time) gives the time, as std's type, which the core takes.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub(crate) fn wall_clock() -> std::time::SystemTime {
    let since_epoch = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .unwrap_or_default();
    std::time::UNIX_EPOCH + since_epoch
}

/// A random `u64` for the jitter's seed, from std alone: a fresh `RandomState` (randomly keyed
/// per thread, and a different key each time) hashing a process-wide counter, and the wall
/// clock's nanoseconds, which set apart processes whose `RandomState` is weakly keyed (on
/// wasm32-unknown-unknown std has no randomness and keys it from addresses).
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let since_epoch = wall_clock()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    RandomState::new().hash_one((COUNTER.fetch_add(1, Ordering::Relaxed), since_epoch))
}

/// `future`'s output, or `None` if `timer` completes first (the future is then dropped).
pub(crate) async fn before<F: Future>(
    future: F,
    mut timer: impl Future<Output = ()> + Unpin,
) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        match Pin::new(&mut timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
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
