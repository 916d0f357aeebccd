//! What a driver reports while a run goes on ([`RunObserver`]), how it can be stopped
//! ([`Interrupt`]), and what it returns ([`RunReport`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clerk_moderation_core::{Instant, NotAttemptedReason, RunStats, UserOutcome, WaitReason};

/// Watches a run: each user's outcome as soon as it is known, and, if it cares, each wait and
/// each request. A closure `FnMut(UserOutcome)` is one.
///
/// The driver calls it from the thread (or task) that drives the run, never concurrently, and
/// before it sends anything more: an outcome written to disk here is on disk before the next
/// request goes out.
pub trait RunObserver {
    /// A user's outcome; each user gets exactly one.
    fn on_outcome(&mut self, outcome: UserOutcome);

    /// The run is about to wait, for `reason`, until `until` (or an answer). For progress bars.
    fn on_wait(&mut self, reason: WaitReason, until: Option<Instant>, stats: &RunStats) {
        let _ = (reason, until, stats);
    }

    /// A request went out.
    fn on_send(&mut self, stats: &RunStats) {
        let _ = stats;
    }
}

impl<F: FnMut(UserOutcome)> RunObserver for F {
    fn on_outcome(&mut self, outcome: UserOutcome) {
        self(outcome);
    }
}

/// Stops a run from elsewhere (a Ctrl-C handler, another thread): once triggered, the driver
/// sends nothing more, waits for the requests in flight, and returns. Clones share the flag.
///
/// ```
/// use clerk_moderation_transports::Interrupt;
///
/// let interrupt = Interrupt::new();
/// let handle = interrupt.clone();
/// handle.trigger();
/// assert!(interrupt.is_triggered());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A new, untriggered interrupt.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop. Safe from a signal handler's thread.
    pub fn trigger(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was triggered.
    pub fn is_triggered(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a run ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunReport {
    /// The counts: outcomes by kind, requests, 429s, retries.
    pub stats: RunStats,
    /// Why the run stopped early, if it did (a fatal answer, an interrupt).
    pub stopped: Option<NotAttemptedReason>,
    /// How long it took.
    pub elapsed: Duration,
}

impl RunReport {
    /// Whether every user is done (or, in a dry run, read): nothing failed, nothing was missing,
    /// nothing was left out.
    pub fn all_done(&self) -> bool {
        let s = &self.stats;
        self.stopped.is_none() && s.not_found == 0 && s.failed == 0 && s.not_attempted == 0
    }
}
