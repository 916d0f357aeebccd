//! `Deferred`: releases held back so that they ride on the store's next call instead of making
//! one of their own.
//!
//! A request costs a store two calls: a take before it is sent, a release when its answer is
//! known. A release only moves its place's end to a window after the moment the store writes
//! it, so writing it a little later holds the place a little longer: never less than the rule
//! asks. The stores therefore hold releases back and send them with the next take that goes to
//! the store, or, when none goes within [`FLUSH_AFTER`], from a thread of their own; and when
//! the store is dropped. That halves the calls of a busy run, at the price of places held up to
//! [`FLUSH_AFTER`] longer (a quarter of a percent of a 10 s window).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{BudgetError, Slot};

/// The longest a release is held back.
pub(crate) const FLUSH_AFTER: Duration = Duration::from_millis(25);

/// The most releases held back (a store that keeps failing): past it, the oldest are dropped,
/// and their places free when their leases end.
const MOST_HELD: usize = 10_000;

/// A release held back: the slot, and the window its place is held for after it.
pub(crate) type Release = (Slot, Duration);

/// A store that can write releases alone: what the thread that sends held-back releases calls.
pub(crate) trait Releases: Send + Sync + 'static {
    /// Writes `releases` in one call.
    fn release(&self, releases: &[Release]) -> Result<(), BudgetError>;
}

/// Releases held back, shared by a store and its flushing thread.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct State {
    releases: Vec<Release>,
    /// When the oldest release was held back.
    oldest: Option<Instant>,
    /// Whether the flushing thread runs (or cannot, and releases go at once).
    flusher: Option<bool>,
    closed: bool,
}

impl Deferred {
    /// Holds a release back for `store`: it goes with the store's next take, or from the
    /// thread the first release starts; where no thread can start, it is written at once.
    pub(crate) fn release<S: Releases>(
        self: &Arc<Self>,
        store: &Arc<S>,
        release: Release,
    ) -> Result<(), BudgetError> {
        let flusher = || Arc::clone(store) as Arc<dyn Releases>;
        match self.hold(release, flusher) {
            Ok(()) => Ok(()),
            Err(releases) => store.release(&releases),
        }
    }

    /// Stops the thread, and writes what is still held back (best effort: a release that
    /// cannot be written leaves its place to its lease).
    pub(crate) fn close_into(&self, store: &dyn Releases) {
        let left = self.close();
        if !left.is_empty() {
            let _ = store.release(&left);
        }
    }

    /// Holds a release back. The first starts the thread that sends them to what `flush`
    /// gives; where no thread can start, `Err` hands the releases back to be sent at once.
    fn hold(
        self: &Arc<Self>,
        release: Release,
        flush: impl FnOnce() -> Arc<dyn Releases>,
    ) -> Result<(), Vec<Release>> {
        let mut state = self.lock();
        state.releases.push(release);
        if state.releases.len() > MOST_HELD {
            state.releases.remove(0);
        }
        let first = state.oldest.is_none();
        state.oldest.get_or_insert_with(Instant::now);
        match state.flusher {
            Some(true) => {
                // A thread with releases held already waits for the oldest: only one that
                // waits for none needs waking.
                if first {
                    self.wake.notify_one();
                }
                Ok(())
            }
            Some(false) => Err(std::mem::take(&mut state.releases)),
            None => {
                let deferred = Arc::clone(self);
                let flush = flush();
                let started = std::thread::Builder::new()
                    .name("clerk-budget-release".into())
                    .spawn(move || deferred.run(flush))
                    .is_ok();
                state.flusher = Some(started);
                if started {
                    Ok(())
                } else {
                    state.oldest = None;
                    Err(std::mem::take(&mut state.releases))
                }
            }
        }
    }

    /// Everything held back, to send with a call about to be made.
    pub(crate) fn take_all(&self) -> Vec<Release> {
        let mut state = self.lock();
        state.oldest = None;
        std::mem::take(&mut state.releases)
    }

    /// Releases a call could not send: they wait for the next.
    pub(crate) fn put_back(&self, mut releases: Vec<Release>) {
        if releases.is_empty() {
            return;
        }
        let mut state = self.lock();
        releases.append(&mut state.releases);
        let excess = releases.len().saturating_sub(MOST_HELD);
        releases.drain(..excess);
        state.releases = releases;
        state.oldest.get_or_insert_with(Instant::now);
    }

    /// Stops the thread; what is still held back is the caller's to send.
    fn close(&self) -> Vec<Release> {
        let mut state = self.lock();
        state.closed = true;
        state.oldest = None;
        self.wake.notify_all();
        std::mem::take(&mut state.releases)
    }

    /// The thread: sends what is held back once the oldest has waited [`FLUSH_AFTER`].
    fn run(&self, flush: Arc<dyn Releases>) {
        let mut state = self.lock();
        loop {
            if state.closed {
                return;
            }
            let Some(oldest) = state.oldest else {
                state = self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            let left = (oldest + FLUSH_AFTER).saturating_duration_since(Instant::now());
            if !left.is_zero() {
                state = self
                    .wake
                    .wait_timeout(state, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                continue;
            }
            state.oldest = None;
            let releases = std::mem::take(&mut state.releases);
            drop(state);
            if flush.release(&releases).is_err() {
                self.put_back(releases);
                // The store failed: ask it again a little later, not in a tight loop.
                std::thread::sleep(Duration::from_millis(100));
            }
            state = self.lock();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the releases written.
    struct Counter(AtomicUsize);

    impl Releases for Counter {
        fn release(&self, releases: &[Release]) -> Result<(), BudgetError> {
            self.0.fetch_add(releases.len(), Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn releases_go_with_the_next_call_or_from_the_thread_soon_after() {
        let deferred = Arc::new(Deferred::default());
        let store = Arc::new(Counter(AtomicUsize::new(0)));
        let per = Duration::from_secs(1);
        deferred.release(&store, (Slot(1), per)).unwrap();
        deferred.release(&store, (Slot(2), per)).unwrap();
        // A call about to be made takes them along.
        assert_eq!(deferred.take_all().len(), 2);
        deferred.release(&store, (Slot(3), per)).unwrap();
        // Without a call, the thread sends it.
        let deadline = Instant::now() + Duration::from_secs(5);
        while store.0.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(store.0.load(Ordering::SeqCst), 1);
        deferred.release(&store, (Slot(4), per)).unwrap();
        // Closing writes what is left.
        deferred.close_into(store.as_ref());
        assert_eq!(store.0.load(Ordering::SeqCst), 2);
    }
}
