//! Rate budgets shared by runs of one key: the seam between a run's pace and the stores that
//! hold a window shared by several runs, processes or machines.
//!
//! Clerk counts every request of an instance's key in one window, whoever sends it. A run keeps
//! its own pace ([`Pacer`](clerk_moderation_core::Pacer)); a client given a [`Budget`] (or an
//! [`AsyncBudget`]) also asks that store for a place before each request, under the run's pace,
//! and hands the place back with the answer, so that all the runs sharing the store keep
//! together under the limit. The window's rule is the core's
//! [`SharedWindow`](clerk_moderation_core::SharedWindow); a store only keeps it and reads its
//! own clock.
//!
//! Stores: [`MemoryBudget`] for runs in one process; [`FileBudget`] for processes on one machine
//! (the `clerk-moderate` default); `RedisBudget` (feature `redis`) for a fleet.
//!
//! | store | shared by | clock | a take costs |
//! | --- | --- | --- | --- |
//! | [`MemoryBudget`] | the runs of one process | the process's monotonic clock | a mutex |
//! | [`FileBudget`] | the processes of one machine (one user's state directory) | the wall clock | a file lock, a read and a write of up to 16 KiB |
//! | `RedisBudget` | every process that reaches one Redis | Redis's `TIME` | one round trip: one Lua script |
//!
//! The file and Redis stores hold a release back (25 ms at most) to write it with the next take:
//! a place held a moment longer costs nothing against the limit, and a busy run then pays one
//! call per request instead of two.
//!
//! The file and Redis stores name a window after the secret key's fingerprint, never the key,
//! and read their clock rounded down to take a place and rounded up to release one, as
//! [`SharedWindow`](clerk_moderation_core::SharedWindow) asks. When they answer "wait", the
//! other requests of the process wait too without asking again, until a place can have freed:
//! nothing frees sooner than the store said, or than a window after it said so.
//!
//! With the `redis` feature, the blocking store needs only the redis crate (no HTTP adapter, no
//! TLS, no runtime); with `tokio` as well, `RedisBudget` is an [`AsyncBudget`] too.
//!
//! # When the store cannot be reached
//!
//! Nothing is sent without a place: a request whose store does not answer waits and asks again
//! (for up to [`STORE_RETRY`]), then fails as *not sent* and transient. The run retries it like
//! any transport failure within its user's deadline, and stops after its limit of transport
//! failures in a row (32 by default), every user left `not_attempted`. Clerk's limit is never
//! exceeded for want of a store. The stores bound each call (the file's lock is waited for at
//! most a second; Redis has connect and response timeouts, 1 s each by default), so a dead
//! store stops a run within seconds: 32 failed takes in a row, each bounded by those timeouts.

mod deferred;
mod file;
mod hold_off;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use clerk_moderation_core::{Instant, RateLimit};

pub use file::FileBudget;
pub use memory::MemoryBudget;
#[cfg(feature = "redis")]
pub use redis::RedisBudget;

/// How long a driver keeps asking a store that fails before it gives the request up as not
/// sent.
pub const STORE_RETRY: Duration = Duration::from_secs(5);

/// The longest a driver waits before asking the store again, whatever it said: a place held
/// by a request in flight frees as soon as that request is answered.
pub const ASK_AGAIN_WITHIN: Duration = Duration::from_millis(50);

/// A store that grants places in a rate window shared by several runs, blocking.
pub trait Budget: Send + Sync {
    /// Asks for a place under `limit` for a request that may stay in flight up to `lease`.
    fn take(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError>;

    /// Says that the request holding `slot` was answered (or failed): its place frees `per`
    /// later.
    fn release(&self, slot: Slot, per: Duration) -> Result<(), BudgetError>;
}

/// A future a store's call resolves to.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BudgetError>> + Send + 'a>>;

/// [`Budget`], for async drivers: the store's round trips do not block the runtime.
pub trait AsyncBudget: Send + Sync {
    /// See [`Budget::take`].
    fn take(&self, limit: RateLimit, lease: Duration) -> StoreFuture<'_, Take>;

    /// See [`Budget::release`].
    fn release(&self, slot: Slot, per: Duration) -> StoreFuture<'_, ()>;
}

/// What a store answered to [`Budget::take`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Take {
    /// The place is the caller's: send, then release it with the answer.
    Granted(Slot),
    /// No place is free: ask again after this long (or sooner: see [`ASK_AGAIN_WITHIN`]).
    Wait(Duration),
}

/// A place a store granted, named by a random number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot(pub u64);

impl Slot {
    /// A fresh slot name.
    pub fn random() -> Self {
        Self(crate::client::random_u64())
    }
}

/// A store could not be read or written.
///
/// Its `Display` names the store (never a password in its address) and what failed; the
/// store's own error is its `source()`.
#[derive(Debug)]
pub struct BudgetError {
    store: String,
    what: &'static str,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl BudgetError {
    /// `what` failed at `store` (a description without secrets), because of `source`.
    pub fn new(
        store: impl Into<String>,
        what: &'static str,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            store: store.into(),
            what,
            source: Some(source.into()),
        }
    }

    /// The store, as its description names it.
    pub fn store(&self) -> &str {
        &self.store
    }
}

impl fmt::Display for BudgetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the shared budget {} failed: {}", self.store, self.what)
    }
}

impl StdError for BudgetError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// A request could not get a place: nothing was sent.
#[derive(Debug)]
pub(crate) enum NoPlace {
    /// Its deadline came first.
    Deadline,
    /// The store kept failing.
    Store(BudgetError),
}

impl fmt::Display for NoPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deadline => f.write_str("no place in the shared budget before the deadline"),
            Self::Store(_) => f.write_str("the shared budget could not be reached"),
        }
    }
}

impl StdError for NoPlace {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Store(error) => Some(error),
            Self::Deadline => None,
        }
    }
}

/// The decisions of a driver waiting for a place, made once for both drivers: when to ask, with
/// which lease, how long to sleep after each answer, and when to give up. The drivers only call
/// the store and sleep.
#[derive(Debug)]
pub(crate) struct PlaceWait {
    limit: RateLimit,
    deadline: Option<Instant>,
    failing_since: Option<Instant>,
    failures: u32,
}

/// What a driver does after asking the store.
pub(crate) enum PlaceStep {
    /// The place is the request's.
    Granted(Slot),
    /// Sleep this long, then ask again.
    Sleep(Duration),
    /// No place: nothing is sent.
    GiveUp(NoPlace),
}

impl PlaceWait {
    /// Waiting for a place under `limit` for a request due by `deadline`.
    pub(crate) fn new(limit: RateLimit, deadline: Option<Instant>) -> Self {
        Self {
            limit,
            deadline,
            failing_since: None,
            failures: 0,
        }
    }

    /// The lease to ask for at `now`, or why no place is worth asking for any more (the
    /// deadline passed, or the run was interrupted).
    pub(crate) fn lease(&self, now: Instant, interrupted: bool) -> Result<Duration, NoPlace> {
        if interrupted || self.deadline.is_some_and(|d| d <= now) {
            return Err(NoPlace::Deadline);
        }
        let until_deadline = self.deadline.map(|d| d.saturating_duration_since(now));
        // Until the deadline (two minutes without one), plus two windows: a request cut there
        // may still reach the server a little later (written just before its connection
        // closed), and then counts for a window.
        let lease = until_deadline.unwrap_or(Duration::from_secs(120));
        Ok(lease.saturating_add(self.limit.per.saturating_mul(2)))
    }

    /// What to do after the store answered `taken` at `now`: within [`ASK_AGAIN_WITHIN`] (places
    /// free as answers come), before the deadline, and for a store that fails, backing off from
    /// 100 ms to 1 s until it has failed for [`STORE_RETRY`].
    pub(crate) fn after(&mut self, taken: Result<Take, BudgetError>, now: Instant) -> PlaceStep {
        let wait = match taken {
            Ok(Take::Granted(slot)) => return PlaceStep::Granted(slot),
            Ok(Take::Wait(wait)) => {
                self.failing_since = None;
                wait.min(ASK_AGAIN_WITHIN)
            }
            Err(error) => {
                let since = *self.failing_since.get_or_insert(now);
                if now.saturating_duration_since(since) >= STORE_RETRY {
                    return PlaceStep::GiveUp(NoPlace::Store(error));
                }
                self.failures += 1;
                Duration::from_millis(100u64 << self.failures.min(4)).min(Duration::from_secs(1))
            }
        };
        let left = self.deadline.map(|d| d.saturating_duration_since(now));
        PlaceStep::Sleep(left.map_or(wait, |left| wait.min(left)))
    }
}

/// How long a place stays held after its request ended: a window after an answer; two after a
/// failure, since a request that got no answer may still reach the server a little later.
pub(crate) fn hold_after<R, E>(answer: &Result<R, E>, per: Duration) -> Duration {
    match answer {
        Ok(_) => per,
        Err(_) => per.saturating_mul(2),
    }
}
